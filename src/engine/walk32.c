/* hvlab engine: the 2-level 32-bit page walk (see walk32.h).
 *
 * Every reference is recorded in the hv_walk and emitted (WALK_REF for the
 * hardware, SW_WALK_REF for the hypervisor); every A/D update is an AD_SET.
 * A and D follow FIDELITY.md behaviour 1 and QEMU 7.2: the PDE's A is set
 * as soon as the PDE is found present (before the PTE is read); the PTE's
 * A (and D, on a write) only when the access is allowed; a 4 MiB PDE gets
 * A (and D) only when the access is allowed.
 */
#include <string.h>

#include "machine.h"
#include "walk32.h"

/* Bits 21:13 of a 4 MiB PDE are reserved when the CPU has no PSE-36 (SDM
 * Vol 3A Table 4-4; hvlab's CPUID reports none). QEMU treats bits 20:13 as
 * address bits 39:32 instead: guests keep them 0 (docs/engine.md). */
#define PDE4M_RESERVED 0x003FE000u

/* Reads an entry; *where keeps its host pointer so that setting A/D is
 * the same locked read-modify-write (no second translation: under nested
 * paging that would be a second walk of the nested table). */
static bool read_entry(hv_vm *vm, const hv_walk32_env *env, uint32_t pa,
                       uint32_t *value, uint8_t **where, hv_walk *w)
{
    uint8_t *p = env->ptr(vm, pa);
    if (!p) {
        w->unbacked = true;
        w->unbacked_pa = pa;
        return false;
    }
    memcpy(value, p, 4);
    *where = p;
    return true;
}

static void record(hv_vm *vm, const hv_walk32_env *env, hv_walk *w,
                   uint8_t level, uint32_t table, uint32_t index,
                   uint32_t entry)
{
    if (w->nrefs < HV_WALK_MAX_REFS)
        w->refs[w->nrefs++] = (hv_walk_ref){0, level, table, index, entry};
    if (env->ref_event != HV_EV__COUNT) /* HV_EV__COUNT: a quiet walk */
        hv_machine_emit(vm, env->ref_event, level, table, index, entry);
}

/* Sets `bits` in the entry at pa (a locked update on hardware); returns
 * the entry as it is now. */
static uint32_t set_bits(hv_vm *vm, const hv_walk32_env *env, uint8_t level,
                         uint32_t pa, uint8_t *where, uint32_t old,
                         uint32_t bits)
{
    if (!env->set_ad || (old & bits) == bits)
        return old;
    uint32_t now = old | bits;
    memcpy(where, &now, 4);
    hv_machine_emit(vm, HV_EV_AD_SET, level, pa, old, now);
    return now;
}

static bool allowed(const hv_walk32_env *env, bool rw, bool us,
                    hv_access access, bool user)
{
    if (user && !us)
        return false;
    if (access == HV_ACC_WRITE && !rw && (user || env->wp))
        return false;
    return true;
}

static void fault(hv_walk *w, bool present, hv_access access, bool user,
                  bool rsvd)
{
    /* The I/D bit is reported only with PAE+NXE or SMEP (SDM Vol 3A §4.7),
     * neither of which this CPU has: a fetch fault reads like a read. */
    w->fault = true;
    w->error_code = (present ? HV_PFEC_P : 0) |
                    (access == HV_ACC_WRITE ? HV_PFEC_W : 0) |
                    (user ? HV_PFEC_U : 0) | (rsvd ? HV_PFEC_RSVD : 0);
}

void hv_walk32(hv_vm *vm, const hv_walk32_env *env, uint32_t va,
               hv_access access, bool user, hv_walk *w)
{
    /* A nested walk's table references are appended to w by env->ptr
     * while this walk runs, in order. */
    memset(w, 0, sizeof *w);
    w->va = va;
    w->access = access;
    w->user = user;

    uint32_t pd = env->root & 0xFFFFF000u;
    uint32_t pdi = va >> 22, pti = (va >> 12) & 0x3FFu;
    uint32_t pde_pa = pd + pdi * 4, pde;
    uint8_t *pde_p = NULL, *pte_p;
    w->pde_pa = pde_pa;
    bool cached = env->pde_lookup && env->pde_lookup(vm, pdi, &pde);
    if (!cached) {
        if (!read_entry(vm, env, pde_pa, &pde, &pde_p, w))
            return;
        record(vm, env, w, 2, pd, pdi, pde);
    }
    w->pde = pde;
    if (!(pde & HV_PTE_P)) {
        w->fault_level = 2;
        fault(w, false, access, user, false);
        return;
    }

    bool write = access == HV_ACC_WRITE;
    if ((pde & HV_PTE_PS) && env->pse) {
        bool rsvd = pde & PDE4M_RESERVED;
        w->large = true;
        if (rsvd || !allowed(env, pde & HV_PTE_RW, pde & HV_PTE_US, access,
                             user)) {
            w->fault_level = 2;
            fault(w, true, access, user, rsvd);
            return;
        }
        pde = set_bits(vm, env, 2, pde_pa, pde_p, pde,
                       HV_PTE_A | (write ? HV_PTE_D : 0));
        w->pde = pde;
        w->pa = (pde & 0xFFC00000u) | (va & 0x3FFFFFu);
        w->tlb_flags = HV_TLBF_LARGE | ((pde & HV_PTE_RW) ? HV_TLBF_W : 0) |
                       ((pde & HV_PTE_US) ? HV_TLBF_U : 0) |
                       ((pde & HV_PTE_D) ? HV_TLBF_D : 0) |
                       (((pde & HV_PTE_G) && env->pge) ? HV_TLBF_G : 0);
        return;
    }

    if (!cached) {
        pde = set_bits(vm, env, 2, pde_pa, pde_p, pde, HV_PTE_A);
        if (env->pde_insert)
            env->pde_insert(vm, pdi, pde);
    }
    w->pde = pde;
    uint32_t pt = pde & 0xFFFFF000u;
    uint32_t pte_pa = pt + pti * 4, pte;
    w->pte_pa = pte_pa;
    if (!read_entry(vm, env, pte_pa, &pte, &pte_p, w))
        return;
    record(vm, env, w, 1, pt, pti, pte);
    w->pte = pte;
    if (!(pte & HV_PTE_P)) {
        w->fault_level = 1;
        fault(w, false, access, user, false);
        return;
    }
    /* Rights combine over both levels (SDM Vol 3A §4.6). */
    bool rw = (pde & HV_PTE_RW) && (pte & HV_PTE_RW);
    bool us = (pde & HV_PTE_US) && (pte & HV_PTE_US);
    if (!allowed(env, rw, us, access, user)) {
        w->fault_level = 1;
        fault(w, true, access, user, false);
        return;
    }
    pte = set_bits(vm, env, 1, pte_pa, pte_p, pte,
                   HV_PTE_A | (write ? HV_PTE_D : 0));
    w->pte = pte;
    w->pa = (pte & 0xFFFFF000u) | (va & 0xFFFu);
    w->tlb_flags = (rw ? HV_TLBF_W : 0) | (us ? HV_TLBF_U : 0) |
                   ((pte & HV_PTE_D) ? HV_TLBF_D : 0) |
                   (((pte & HV_PTE_G) && env->pge) ? HV_TLBF_G : 0);
}
