/* hvlab engine: the machine's and the VM's internal state (not for clients;
 * they use hv.h). */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "devices/bus.h"
#include "devices/debug_exit.h"
#include "devices/dma.h"
#include "devices/dma_engine.h"
#include "devices/fdc.h"
#include "devices/ne2000.h"
#include "devices/virtio_mmio.h"
#include "devices/iommu.h"
#include "devices/mmio_bus.h"
#include "devices/mmio_test.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "emit.h"
#include "hostmem.h"
#include "hv.h"
#include "mmu.h"
#include "p2m.h"
#include "tlb.h"
#include "ucmap.h"

/* The ROM page of the boot stub: GDTR names the flat GDT at its start
 * (DESIGN.md §3). */
#define HV_ROM_BASE 0xFFFF0000u
#define HV_GDT_SELECTOR_CODE 0x08u
#define HV_GDT_SELECTOR_DATA 0x10u

/* Pages an access of the CPU already accounted in an unmapped hook, so the
 * read/code hook that follows does not count it twice (Unicorn calls the
 * read-unmapped hook before the read hook: measured, docs/engine.md). */
#define HV_MARKS 4
typedef struct hv_mark {
    uint32_t page;
    uint8_t access;
    bool used;
} hv_mark;

struct hv_vm {
    hv_machine *m;
    uint8_t id;
    char name[32];
    uint32_t ram_bytes;

    uc_engine *uc;
    uc_context *ucctx; /* scratch for the old_exception reset */
    hv_ucmap ucmap;

    hv_p2m p2m;
    hv_tlb *tlb;
    const hv_mmu_ops *mmu;
    hv_emitter emit;

    hv_bus bus;
    hv_mmio_bus mmio;
    hv_mmio_test mmio_test;
    hv_uart16550 uart;
    hv_debug_exit debug_exit;
    hv_pic pic;
    hv_pit pit;
    hv_fdc fdc;
    hv_ne2000 nic;
    hv_virtio virtio;
    hv_dma_engine dma_engine; /* when assigned (has_dma_engine) */
    bool has_dma_engine;
    uint16_t dma_bdf;

    /* Time (vcpu_irq.c): the VM's clock is its modelled cycles plus the
     * cycles it idled in HLT; the PIT counts it. `deadline` is the clock
     * value at which the next timer event is due (UINT64_MAX: none). */
    uint64_t cycles, idle;
    uint64_t deadline;

    /* Interrupts (vcpu_irq.c). */
    bool intr_line;      /* the 8259A's INTR output */
    bool intr_shadow;    /* the instruction at shadow_eip follows STI, MOV
                            SS or POP SS: interrupts wait until after it
                            (SDM Vol 3A §6.8.3) */
    uint32_t shadow_eip;
    bool waiting_input;  /* in HLT; only console input can wake it */
    bool exit_timers;    /* a VM exit was handled: fire the timers due
                            during it as "in exit" at the next boundary */
    bool intr_extint;    /* hypervisor modes: INTR rose while the guest
                            ran, so the host takes an external-interrupt
                            exit before it can inject */
    bool intr_window;    /* an interrupt waits for IF = 1 (hypervisor
                            modes: interrupt-window exiting requested) */
    bool in_exit;        /* hypervisor modes: a VM exit is being handled
                            (an interrupt raised now is injected at the
                            next entry, without an exit of its own) */
    bool if_valid;       /* if_cached holds EFLAGS.IF */
    bool if_cached;

    /* Console input waiting for the UART's receiver (bounded). */
    uint8_t rx_queue[4096];
    uint32_t rx_head, rx_len;

    /* The MMIO page Unicorn holds for the current instruction only
     * (vcpu_mem.c): its linear page and guest-physical page. */
    bool mmio_live;
    uint32_t mmio_la, mmio_gpa;

    /* Control registers: the engine's, never Unicorn's (UNICORN.md §2). */
    uint32_t cr0, cr2, cr3, cr4;

    /* The instruction the code hook last saw. */
    uint32_t cur_eip, cur_size;
    bool rep_io_exited; /* this REP INS/OUTS has taken its exit */

    /* A memory fault decided in a hook, delivered after uc_emu_start. */
    bool fault_pending;
    uint32_t fault_error, fault_addr;

    hv_mark marks[HV_MARKS];
    uint32_t nmarks;

    /* The fetch cache: the host page of the last fetched page, valid while
     * no TLB entry has left since (tlb_gen counts them). */
    uint32_t fetch_page;
    uint8_t *fetch_host;
    hv_tlb_entry *fetch_entry; /* its TLB entry (valid with fetch_gen) */
    /* The same for data reads: the page of the last read hit. */
    uint32_t read_page;
    hv_tlb_entry *read_entry;
    uint64_t read_gen;
    uint64_t fetch_gen, tlb_gen;
    uint32_t nopg_code_page; /* with paging off, the page last fetched */

    bool rom_dirty; /* a dropped ROM write to undo at the next instruction */
    uint8_t *rom;   /* the ROM page (a host frame under a hypervisor) */
    uint32_t rom_hfn; /* its host frame; UINT32_MAX in native mode */
    uint32_t rom_la;  /* linear page of the dropped ROM write */
    uint8_t rom_image[4096];

    /* Set in a hook: EIP to write after uc_emu_start returns. */
    bool resume_eip_valid;
    uint32_t resume_eip;

    hv_vm_exit_reason exit_reason;
    bool has_status;
    uint32_t exit_status;
    char detail[160];

    char *console;
    size_t console_len, console_cap;

    uint64_t instructions;

    /* Hypervisor modes. */
    bool hypervised;  /* a hypervisor runs this VM (shadow, nested) */
    uint16_t vpid;    /* the tag of its TLB entries; 0 natively */
    void *mmu_state;  /* the paging strategy's own state */
    /* An emulated write in flight: Unicorn performs the store, the
     * hypervisor syncs after it (UNICORN.md §4). */
    bool emul_pending;
    /* Translating ahead (vcpu.c): the execute-only page Unicorn gets for a
     * later page of a block, until the CPU itself goes there. */
    uint8_t *poison;
    bool poison_live;
    uint32_t poison_page;
    bool retry_insn; /* an access met the poison page: run it again */
    uint32_t emul_gpa, emul_la, emul_size;
};


#define HV_RING_CAP 65536u

/* Host pages one assigned-device transfer may span (its largest, not
 * page-aligned). */
#define HV_DMA_MAX_PAGES (HV_DMA_ENGINE_MAX_LEN / 4096u + 1u)

/* A run of TLB hits being counted into one TLB_HIT event (machine.c). */
typedef struct hv_hit_run {
    bool live;
    uint8_t vm;
    uint32_t page, access, va, pa, count;
    uint64_t icount, cycles;
} hv_hit_run;

struct hv_machine {
    hv_config cfg;
    hv_hostmem hm;
    hv_vm *vms[HV_MAX_VMS];
    uint32_t nvms;
    hv_vm *cur; /* the VM running now (stamps events) */

    uint8_t *code_frames; /* bit per host frame: Unicorn translated code
                             from it (writes to it drop that code) */
    hv_event *ring; /* HV_RING_CAP events, index seq % cap */
    hv_hit_run runs[2]; /* hits being counted: fetches, data accesses */
    hv_iommu *iommu;    /* cfg.iommu: the DMA remapping unit */
    uint64_t seq;
    hv_counters ctr;

    hv_sink_fn sink;
    void *sink_opaque;
    hv_stop_fn stop_fn;
    void *stop_opaque;

    bool powering_on;    /* hv_machine_create is resetting devices */
    bool stop_requested; /* stop at the next instruction boundary */
    bool break_hit;      /* the run stopped at a breakpoint */
    uint32_t breaks[HV_MAX_BREAKPOINTS];
    uint32_t nbreaks;
    bool first_insn;     /* the next instruction is the run's first */
    uint64_t budget;     /* instructions left in this slice */
    bool unlimited;
    uint32_t turn;       /* the VM whose turn it is */
    uint64_t turn_used;  /* instructions it ran in this turn */
};

/* A TLB hit that continues the open run of its kind: counted in place
 * (the run's event comes later, machine.c "HOW TLB HITS ARE RECORDED").
 * False when the hit needs the full path: no run to continue, or a stop
 * predicate that must see every hit. */
static inline bool hv_machine_hit_continues(hv_vm *vm, uint32_t va,
                                            uint32_t access)
{
    hv_machine *m = vm->m;
    if (m->stop_fn)
        return false;
    hv_hit_run *r = &m->runs[access == HV_ACC_FETCH ? 0 : 1];
    if (!r->live || r->vm != vm->id || r->page != va >> 12 ||
        r->access != access)
        return false;
    r->count++;
    return true;
}

/* Closes the runs of TLB hits being counted (machine.c). */
void hv_machine_flush_hits(hv_machine *m);
/* Emits one event stamped with the machine's time and the VM's id. */
void hv_machine_emit(hv_vm *vm, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d);
void hv_machine_emit5(hv_vm *vm, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d, uint32_t e);
/* The CR0.WP the hardware's permission check uses: the guest's, except
 * under shadow paging, where the host keeps WP = 1 and guest WP = 0 is
 * emulated in the shadow entries (KVM's role.cr0_wp). */
static inline bool hv_vm_hw_wp(const hv_vm *vm)
{
    return vm->mmu == &hv_mmu_shadow_ops || (vm->cr0 & HV_CR0_WP);
}

/* A VM exit: one event (events.c folds it into the counters and costs).
 * `qual` is the VT-x exit qualification; `info` the VM-exit interruption
 * error code (exception exits) or the guest-physical address (EPT/NPT
 * exits). */
static inline void hv_vm_exit_info(hv_vm *vm, hv_exit_key key, uint32_t qual,
                                   uint32_t cause, uint32_t info)
{
    hv_machine_emit5(vm, HV_EV_VM_EXIT, key, qual, cause, vm->cur_eip, info);
    /* The hypervisor re-evaluates pending interrupts at the next entry
     * (KVM: every VM entry), so an interrupt-window request does not
     * outlive an exit; timers due during the exit fire "in exit". */
    vm->intr_window = false;
    vm->exit_timers = true;
    /* Without VPID, VM exits and entries flush the TLB (SDM Vol 3C
     * §28.3.3.3): the price VPID was made to remove. */
    if (!vm->m->cfg.vpid)
        hv_tlb_flush(vm->tlb, true);
}

static inline void hv_vm_exit(hv_vm *vm, hv_exit_key key, uint32_t qual,
                              uint32_t cause)
{
    hv_vm_exit_info(vm, key, qual, cause, 0);
}

/* Ends the VM (once) with a reason, an exit value and why. */
void hv_vm_end(hv_vm *vm, hv_vm_exit_reason reason, bool has_status,
               uint32_t status, const char *detail);

/* Events -> counters and cycles (events.c). */
void hv_counters_fold(hv_counters *c, const hv_cost_model *cost,
                      const hv_event *ev);

/* vcpu.c */
hv_err hv_vcpu_init(hv_vm *vm, const hv_vm_config *vc);
void hv_vcpu_fini(hv_vm *vm);
/* Runs the VM until the budget is spent, the VM ends or a stop is
 * requested. */
hv_err hv_vcpu_run(hv_vm *vm);
/* Drops every Unicorn mapping (paging mode or CR0.WP changed). */
void hv_vcpu_unmap_all(hv_vm *vm);

/* Loads CS from the guest's GDT (gates, IRET); false when it cannot. */
bool hv_vcpu_load_cs(hv_vm *vm, uint16_t selector);

/* Reads/writes `len` bytes at linear address la as the CPU's own
 * supervisor accesses (exception delivery, IRET), through the MMU: returns
 * HV_MMU_FAULT with error code/address in *x when a page faults. Writes
 * check every page before writing any byte. */
hv_mmu_result hv_vcpu_read_la(hv_vm *vm, uint32_t la, void *buf, size_t len,
                              hv_xlat *x);
hv_mmu_result hv_vcpu_write_la(hv_vm *vm, uint32_t la, const void *buf,
                               size_t len, hv_xlat *x);

/* except.c: delivers exception/interrupt `vector` through the guest's IDT,
 * with the SDM's rules for faults during delivery (#DF, triple fault).
 * `return_eip` is the EIP pushed (the faulting instruction for faults, the
 * next one for traps and INT n). Sets EIP (and ESP, EFLAGS) in Unicorn. */
void hv_except_raise(hv_vm *vm, uint8_t vector, bool has_error,
                     uint32_t error, uint32_t return_eip, bool software);
/* Delivers external interrupt `vector` (acknowledged from the 8259A)
 * through the guest's IDT: EXT set in any error code of a fault on the
 * way, and the interrupt is benign in the double-fault table (SDM Vol 3A
 * Table 6-5). return_eip is the interrupted instruction. */
void hv_except_interrupt(hv_vm *vm, uint8_t vector, uint32_t return_eip);
/* Resets Unicorn's stale old_exception after a fault Unicorn raised itself
 * and returns that fault's error code (UNICORN.md §9). */
hv_err hv_except_probe_offsets(void);
uint32_t hv_except_unicorn_fixup(hv_vm *vm);

/* priv.c: emulates the instruction at EIP if the engine owns it; returns
 * true when it did (EIP already moved on or a stop requested). */
bool hv_priv_emulate(hv_vm *vm, uint32_t eip, const uint8_t *insn,
                     uint32_t size);
int hv_cpuid_hook(uc_engine *uc, void *opaque);

/* Console output of the VM (the UART's tx). */
void hv_vm_console_put(void *ctx, uint8_t byte);

#endif
