/* hvlab engine: native paging, the MMU walking the guest's own 2-level
 * 32-bit tables (SDM Vol 3A §4.3). GPA = HPA: there is no hypervisor.
 *
 * The walk records every reference (WALK_REF) and every A/D update
 * (AD_SET). A and D follow FIDELITY.md behaviour 1 and what QEMU 7.2 does:
 * the PDE's A is set once the PDE is found present (before the PTE is
 * read), the PTE's A (and D, on a write) only when the access is allowed;
 * a 4 MiB PDE gets A (and D) only when the access is allowed.
 */
#include "machine.h"

#include <string.h>

/* Bits 21:13 of a 4 MiB PDE are reserved when the CPU has no PSE-36 (SDM
 * Vol 3A Table 4-4; hvlab's CPUID reports none). QEMU treats bits 20:13 as
 * address bits 39:32 instead: guests keep them 0. */
#define PDE4M_RESERVED 0x003FE000u

static bool read_entry(hv_vm *vm, uint32_t pa, uint32_t *value, hv_walk *w)
{
    uint8_t *p = hv_mmu_phys_ptr(vm, pa, NULL);
    if (!p) {
        w->unbacked = true;
        w->unbacked_pa = pa;
        return false;
    }
    memcpy(value, p, 4);
    return true;
}

static void record(hv_vm *vm, hv_walk *w, uint8_t level, uint32_t table,
                   uint32_t index, uint32_t entry)
{
    if (w->nrefs < HV_WALK_MAX_REFS)
        w->refs[w->nrefs++] = (hv_walk_ref){level, table, index, entry};
    hv_machine_emit(vm, HV_EV_WALK_REF, level, table, index, entry);
}

/* Sets `bits` in the entry at pa (a locked update on hardware). */
static void set_bits(hv_vm *vm, uint8_t level, uint32_t pa, uint32_t old,
                     uint32_t bits)
{
    if ((old & bits) == bits)
        return;
    uint8_t *p = hv_mmu_phys_ptr(vm, pa, NULL);
    uint32_t now = old | bits;
    memcpy(p, &now, 4);
    hv_machine_emit(vm, HV_EV_AD_SET, level, pa, old, now);
}

static bool allowed(const hv_vm *vm, bool rw, bool us, hv_access access,
                    bool user)
{
    if (user && !us)
        return false;
    if (access == HV_ACC_WRITE && !rw && (user || (vm->cr0 & HV_CR0_WP)))
        return false;
    return true;
}

static uint32_t error_code(bool present, hv_access access, bool user,
                           bool rsvd)
{
    /* The I/D bit is reported only with PAE+NXE or SMEP (SDM Vol 3A §4.7),
     * neither of which this CPU has: a fetch fault reads like a read. */
    return (present ? HV_PFEC_P : 0) |
           (access == HV_ACC_WRITE ? HV_PFEC_W : 0) |
           (user ? HV_PFEC_U : 0) | (rsvd ? HV_PFEC_RSVD : 0);
}

static void native_walk(hv_vm *vm, uint32_t va, hv_access access, bool user,
                        hv_walk *w)
{
    memset(w, 0, sizeof *w);
    w->va = va;
    w->access = access;
    w->user = user;

    uint32_t pd = vm->cr3 & 0xFFFFF000u;
    uint32_t pdi = va >> 22, pti = (va >> 12) & 0x3FFu;
    uint32_t pde_pa = pd + pdi * 4, pde;
    if (!read_entry(vm, pde_pa, &pde, w))
        return;
    record(vm, w, 2, pd, pdi, pde);
    if (!(pde & HV_PTE_P)) {
        w->fault = true;
        w->error_code = error_code(false, access, user, false);
        return;
    }

    bool write = access == HV_ACC_WRITE;
    if ((pde & HV_PTE_PS) && (vm->cr4 & HV_CR4_PSE)) {
        bool rsvd = pde & PDE4M_RESERVED;
        if (rsvd || !allowed(vm, pde & HV_PTE_RW, pde & HV_PTE_US, access,
                             user)) {
            w->fault = true;
            w->error_code = error_code(true, access, user, rsvd);
            return;
        }
        set_bits(vm, 2, pde_pa, pde, HV_PTE_A | (write ? HV_PTE_D : 0));
        w->pa = (pde & 0xFFC00000u) | (va & 0x3FFFFFu);
        w->tlb_flags = HV_TLBF_LARGE |
                       ((pde & HV_PTE_RW) ? HV_TLBF_W : 0) |
                       ((pde & HV_PTE_US) ? HV_TLBF_U : 0) |
                       ((write || (pde & HV_PTE_D)) ? HV_TLBF_D : 0) |
                       (((pde & HV_PTE_G) && (vm->cr4 & HV_CR4_PGE)) ? HV_TLBF_G : 0);
        return;
    }

    set_bits(vm, 2, pde_pa, pde, HV_PTE_A);
    uint32_t pt = pde & 0xFFFFF000u;
    uint32_t pte_pa = pt + pti * 4, pte;
    if (!read_entry(vm, pte_pa, &pte, w))
        return;
    record(vm, w, 1, pt, pti, pte);
    if (!(pte & HV_PTE_P)) {
        w->fault = true;
        w->error_code = error_code(false, access, user, false);
        return;
    }
    /* Rights combine over both levels (SDM Vol 3A §4.6). */
    bool rw = (pde & HV_PTE_RW) && (pte & HV_PTE_RW);
    bool us = (pde & HV_PTE_US) && (pte & HV_PTE_US);
    if (!allowed(vm, rw, us, access, user)) {
        w->fault = true;
        w->error_code = error_code(true, access, user, false);
        return;
    }
    set_bits(vm, 1, pte_pa, pte, HV_PTE_A | (write ? HV_PTE_D : 0));
    w->pa = (pte & 0xFFFFF000u) | (va & 0xFFFu);
    w->tlb_flags = (rw ? HV_TLBF_W : 0) | (us ? HV_TLBF_U : 0) |
                   ((write || (pte & HV_PTE_D)) ? HV_TLBF_D : 0) |
                   (((pte & HV_PTE_G) && (vm->cr4 & HV_CR4_PGE)) ? HV_TLBF_G : 0);
}

const hv_mmu_ops hv_mmu_native_ops = {
    .name = "native",
    .walk = native_walk,
};
