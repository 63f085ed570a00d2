/* hvlab engine: the MMU front door (see mmu.h).
 *
 * HOW AN ACCESS WORKS: the TLB is looked up first (TLB_HIT or TLB_MISS). A
 * miss asks the paging strategy to translate (the hardware walk, and in
 * hypervisor modes whatever the hypervisor does on the way) and fills the
 * TLB; a hit is checked against the rights the entry cached, as the
 * hardware does (a stale entry is honoured: SDM Vol 3A §4.10.2). The first
 * write through an entry whose D flag is 0 makes the CPU walk again to set
 * D in the leaf (SDM Vol 3A §4.8: the processor never sets D from a TLB
 * entry alone).
 */
#include "machine.h"

#include <string.h>

bool hv_mmu_is_mmio(const hv_vm *vm, uint32_t gpa)
{
    return hv_mmio_bus_claims(&vm->mmio, gpa);
}

/* KVM hands a write to an ioeventfd's address to the eventfd in the
 * kernel (virt/kvm/eventfd.c); with EPT it is even found without decoding
 * the instruction (the misconfiguration fast path). */
uint32_t hv_mmu_mmio_cause(const hv_vm *vm, uint32_t gpa, hv_access access)
{
    return access == HV_ACC_WRITE && hv_mmio_bus_is_ioeventfd(&vm->mmio, gpa)
               ? HV_CAUSE_IOEVENTFD
               : HV_CAUSE_MMIO;
}

static hv_mmu_result mmio_result(hv_xlat *out, uint32_t gpa)
{
    out->mmio = true;
    out->gpa = gpa;
    out->pa = gpa; /* no host frame: names no frame the vCPU tracks */
    out->host = NULL;
    out->writable = false;
    out->fault_addr = gpa;
    return HV_MMU_MMIO;
}

uint8_t *hv_mmu_phys_ptr(hv_vm *vm, uint32_t gpa, bool *writable)
{
    if ((gpa & ~0xFFFu) == HV_ROM_BASE) {
        if (writable)
            *writable = false;
        return vm->rom + (gpa & 0xFFFu);
    }
    uint32_t hfn = hv_p2m_lookup(&vm->p2m, gpa >> HV_PAGE_SHIFT);
    if (hfn == HV_P2M_NONE)
        return NULL;
    if (writable)
        *writable = true;
    return hv_hostmem_ptr(&vm->m->hm, hfn) + (gpa & 0xFFFu);
}

bool hv_mmu_gpa_to_hpa(hv_vm *vm, uint32_t gpa, uint32_t *hpa)
{
    if ((gpa & ~0xFFFu) == HV_ROM_BASE) {
        *hpa = (vm->rom_hfn << HV_PAGE_SHIFT) | (gpa & 0xFFFu);
        return true;
    }
    uint32_t hfn = hv_p2m_lookup(&vm->p2m, gpa >> HV_PAGE_SHIFT);
    if (hfn == HV_P2M_NONE)
        return false;
    *hpa = (hfn << HV_PAGE_SHIFT) | (gpa & 0xFFFu);
    return true;
}

uint8_t *hv_mmu_host_ptr(hv_vm *vm, uint32_t hpa, bool *writable)
{
    uint32_t hfn = hpa >> HV_PAGE_SHIFT;
    if (hfn == vm->rom_hfn) {
        if (writable)
            *writable = false;
        return vm->rom + (hpa & 0xFFFu);
    }
    if (hfn >= vm->m->hm.nframes)
        return NULL;
    if (writable)
        *writable = true;
    return hv_hostmem_ptr(&vm->m->hm, hfn) + (hpa & 0xFFFu);
}

/* Whether an access is allowed by the rights a TLB entry holds. CPL is
 * always 0 until user mode exists: supervisor writes to read-only pages
 * are allowed when the hardware's CR0.WP = 0 (SDM Vol 3A §4.6.1). Under
 * shadow paging the hardware runs with the host's CR0.WP = 1. */
static bool entry_permits(const hv_vm *vm, const hv_tlb_entry *e,
                          hv_access access)
{
    if (access == HV_ACC_FETCH)
        return !(e->flags & HV_TLBF_NX);
    if (access != HV_ACC_WRITE)
        return true;
    return (e->flags & HV_TLBF_W) || !hv_vm_hw_wp(vm);
}

static hv_mmu_result finish(hv_vm *vm, const hv_tlb_entry *e, uint32_t la,
                            hv_xlat *out)
{
    out->pa = (e->pfn << HV_PAGE_SHIFT) | (la & 0xFFFu);
    bool ram_writable;
    out->host = hv_mmu_host_ptr(vm, out->pa, &ram_writable);
    if (!out->host) {
        /* Natively GPA = HPA: the TLB may translate to a device page. */
        if (!vm->hypervised && hv_mmu_is_mmio(vm, out->pa))
            return mmio_result(out, out->pa);
        out->fault_addr = out->pa;
        return HV_MMU_UNBACKED;
    }
    /* Unicorn may let writes through only when no check is pending on
     * them: the entry allows them and is already dirty. */
    out->writable = ram_writable && entry_permits(vm, e, HV_ACC_WRITE) &&
                    (e->flags & HV_TLBF_D);
    out->rom = !ram_writable;
    return HV_MMU_OK;
}

static hv_mmu_result translate_and_fill(hv_vm *vm, uint32_t la,
                                        hv_access access, hv_xlat *out,
                                        const hv_tlb_entry **e)
{
    hv_walk w;
    hv_mmu_result r = vm->mmu->translate(vm, la, access, false, &w);
    switch (r) {
    case HV_MMU_UNBACKED:
        out->fault_addr = w.unbacked_pa;
        return r;
    case HV_MMU_FAULT:
        out->error_code = w.error_code;
        out->fault_addr = la;
        return r;
    case HV_MMU_EMULATE:
        out->pa = w.pa;
        out->gpa = w.gpa;
        out->host = hv_mmu_host_ptr(vm, w.pa, NULL);
        out->writable = false;
        if (!out->host) {
            out->fault_addr = w.pa;
            return HV_MMU_UNBACKED;
        }
        return r;
    case HV_MMU_MMIO: return mmio_result(out, w.gpa);
    case HV_MMU_OK: break;
    }
    *e = hv_tlb_fill(vm->tlb, la, w.pa >> HV_PAGE_SHIFT, w.tlb_flags, vm->vpid);
    out->changed = true;
    return HV_MMU_OK;
}

hv_mmu_result hv_mmu_resolve(hv_vm *vm, uint32_t la, hv_access access,
                             hv_xlat *out, const hv_tlb_entry *e)
{
    out->changed = false;
    out->mmio = false;
    if (e && entry_permits(vm, e, access) &&
        (access != HV_ACC_WRITE || (e->flags & HV_TLBF_D)))
        return finish(vm, e, la, out);

    /* A miss; or a hit whose cached rights forbid the access, which walks
     * again as QEMU and current Intel CPUs do before faulting; or the D
     * assist. A fault invalidates the TLB entries of the faulting address
     * (SDM Vol 3A §4.10.4.1). */
    bool was_cached = e != NULL;
    hv_mmu_result r = translate_and_fill(vm, la, access, out, &e);
    if (r == HV_MMU_FAULT && was_cached)
        hv_tlb_invalidate_page(vm->tlb, la, vm->vpid, HV_INVAL_PAGE_FAULT);
    if (r != HV_MMU_OK)
        return r;
    return finish(vm, e, la, out);
}

/* Paging off: the guest-physical MMIO access still exits under a
 * hypervisor: shadow mode runs the guest on the hypervisor's identity
 * tables (an access there faults like any other), nested mode through the
 * EPT (the strategy's translate takes the exit; with paging off the guest
 * walk is empty). */
static hv_mmu_result mmio_mode_access(hv_vm *vm, uint32_t gpa,
                                      hv_access access, hv_xlat *out)
{
    if (vm->hypervised && vm->mmu->mmio_exit)
        vm->mmu->mmio_exit(vm, gpa, gpa, access);
    return mmio_result(out, gpa);
}

hv_mmu_result hv_mmu_access(hv_vm *vm, uint32_t la, hv_access access,
                            hv_xlat *out)
{
    out->changed = false;
    out->mmio = false;
    if (!(vm->cr0 & HV_CR0_PG)) {
        /* Paging off: the linear address is the guest-physical address
         * and no TLB is involved (docs/engine.md). */
        bool writable;
        out->host = hv_mmu_phys_ptr(vm, la, &writable);
        if (!out->host && hv_mmu_is_mmio(vm, la))
            return mmio_mode_access(vm, la, access, out);
        if (!out->host || !hv_mmu_gpa_to_hpa(vm, la, &out->pa)) {
            out->fault_addr = la;
            return HV_MMU_UNBACKED;
        }
        out->writable = writable;
        out->rom = !writable;
        return HV_MMU_OK;
    }
    return hv_mmu_resolve(vm, la, access, out,
                          hv_tlb_lookup(vm->tlb, la, vm->vpid, access));
}
