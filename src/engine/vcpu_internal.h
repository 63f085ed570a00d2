/* hvlab engine: what the two halves of the vCPU share (vcpu.c: the code
 * hook, exceptions, I/O, set-up and the run loop; vcpu_mem.c: the memory
 * hooks and the mapping of pages into Unicorn). Not for other modules. */
#ifndef HV_VCPU_INTERNAL_H
#define HV_VCPU_INTERNAL_H

#include "machine.h"

/* Accesses already accounted by an unmapped hook, so that the hook that
 * follows does not count them again. */
void hv_vcpu_mark_add(hv_vm *vm, uint32_t page, hv_access access);
bool hv_vcpu_mark_take(hv_vm *vm, uint32_t page, hv_access access);
void hv_vcpu_marks_clear(hv_vm *vm);

/* Host frames Unicorn translated code from. */
void hv_vcpu_mark_code_frame(hv_vm *vm, uint32_t hpa);

/* Maps la's page into Unicorn onto x->host's page with x's rights. */
void hv_vcpu_map_page(hv_vm *vm, uint32_t la, const hv_xlat *x);
/* The TLB's on_drop: Unicorn's mapping of the entry goes. */
void hv_vcpu_tlb_dropped(void *opaque, const hv_tlb_entry *e);
/* Ends the VM: the guest touched guest-physical pa, which is not RAM. */
void hv_vcpu_end_unbacked(hv_vm *vm, uint32_t pa);
/* The hypervisor syncs after an emulated store landed. */
void hv_vcpu_finish_emulated_write(hv_vm *vm);

/* The poison page Unicorn gets for a page it translates ahead into. */
bool hv_vcpu_is_poison(hv_vm *vm, uint32_t page);
void hv_vcpu_unpoison(hv_vm *vm);

/* Unicorn's memory hooks. */
bool hv_vcpu_hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address,
                           int size, int64_t value, void *opaque);
bool hv_vcpu_hook_prot(uc_engine *uc, uc_mem_type type, uint64_t address,
                       int size, int64_t value, void *opaque);
void hv_vcpu_hook_mem(uc_engine *uc, uc_mem_type type, uint64_t address,
                      int size, int64_t value, void *opaque);

/* Copies instruction bytes at eip through the TLB (no accounting). */
bool hv_vcpu_fetch_bytes(hv_vm *vm, uint32_t eip, uint8_t *buf, uint32_t len);

/* The MMIO page mapped for the current instruction goes (vcpu_mem.c). */
void hv_vcpu_mmio_unmap(hv_vm *vm);

/* vcpu_irq.c: time and interrupts. */
static inline uint64_t hv_vcpu_clock(const hv_vm *vm)
{
    return vm->cycles + vm->idle;
}
/* INTR is high and the CPU may take it now, as far as the engine knows
 * without looking: not when IF is known to be 0 and that is already
 * noted (the common case of a guest that never enables interrupts). */
static inline bool hv_vcpu_intr_pending(const hv_vm *vm)
{
    return vm->intr_line &&
           !(vm->if_valid && !vm->if_cached && vm->intr_window);
}
/* Recomputes the deadline after the PIT may have changed. */
void hv_vcpu_timer_rearm(hv_vm *vm);
/* The deadline has come: the PIT catches up with the clock. */
void hv_vcpu_timers_run(hv_vm *vm);
/* EFLAGS.IF (cached until an instruction or the engine may change it). */
bool hv_vcpu_if(hv_vm *vm);
/* INTR is high at the boundary before the instruction at eip: delivers
 * (or injects) the interrupt when the CPU takes it now; true when it did
 * (EIP is then the handler's). */
bool hv_vcpu_interrupt(hv_vm *vm, uint32_t eip, bool shadow);
/* HLT with IF = 1: waits (in modelled time) for INTR; false when nothing
 * can ever raise it. */
bool hv_vcpu_halt_wait(hv_vm *vm, uint32_t eip);
hv_err hv_vcpu_irq_init(hv_vm *vm);
/* Console input could wake a halted CPU: the UART's received-data
 * interrupt is enabled and IRQ 4 reaches the CPU. */
bool hv_vcpu_input_can_wake(const hv_vm *vm);
/* vcpu_dma.c: the DMA windows of the VM's devices, and its IOMMU domain. */
hv_dma hv_vcpu_dma_emulated(hv_vm *vm);
hv_dma hv_vcpu_dma_assigned(hv_vm *vm);
hv_err hv_vcpu_iommu_domain(hv_vm *vm);
/* An interrupt line of the VM's 8259A pair, for device models. */
void hv_vcpu_irq10(void *ctx, int level);
/* The virtio console: its MMIO page, its line, its backend's clock. */
hv_err hv_vcpu_virtio_init(hv_vm *vm);
/* After the devices' power-on reset. */
void hv_vcpu_irq_powered_on(hv_vm *vm);
hv_err hv_vcpu_console_input(hv_vm *vm, const uint8_t *bytes, size_t len,
                             size_t *taken);

#endif
