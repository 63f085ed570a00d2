/* hvlab engine: shadow paging, the hypervisor's MMU (FIDELITY.md "Shadow
 * paging"; KVM's Documentation/virt/kvm/x86/mmu.rst).
 *
 * The hardware walks only shadow tables (GVA -> HPA); the guest's tables
 * are data the hypervisor reads. HOW A SHADOW #PF IS HANDLED, in KVM's
 * order: the hardware walk of the shadow fails and the #PF exits; the
 * hypervisor walks the guest's tables in software (SW_WALK_REF, setting
 * guest A/D as the hardware would). If the guest denies the access, the
 * #PF is the guest's own: it is injected with the guest's error code and
 * CR2 (a true fault). Otherwise the hypervisor finds the host frame
 * through the P2M, builds the missing shadow levels, fills the entry (a
 * hidden fault) and resumes; the access is retried and walks the shadow
 * again. A write to a guest page table (write-protected) is a
 * write-protect trap: the write is emulated and the shadow follows it, or,
 * for a leaf table with unsync allowed, the table goes unsync.
 *
 * A/D emulation: a shadow entry is writable only when the guest entry is
 * writable AND dirty, so the first write to a clean page exits and the
 * hypervisor sets D in the guest entry (behaviour 6). Shadow entries carry
 * A (and D when writable) already, so the hardware never writes them.
 */
#include <string.h>

#include "machine.h"
#include "shadow.h"
#include "walk32.h"

static uint8_t *guest_table_ptr(hv_vm *vm, uint32_t gpa)
{
    return hv_mmu_phys_ptr(vm, gpa, NULL);
}

static uint8_t *host_table_ptr(hv_vm *vm, uint32_t hpa)
{
    return hv_mmu_host_ptr(vm, hpa, NULL);
}

/* The hypervisor's walk of the guest's tables. `quiet` classifies a fault
 * before the exit is reported: no events, no A/D. */
static void guest_walk(hv_vm *vm, uint32_t va, hv_access access, bool quiet,
                       hv_walk *w)
{
    const hv_walk32_env env = {
        .root = vm->cr3,
        .wp = vm->cr0 & HV_CR0_WP,
        .pse = vm->cr4 & HV_CR4_PSE,
        .pge = vm->cr4 & HV_CR4_PGE,
        .set_ad = !quiet,
        .ref_event = quiet ? HV_EV__COUNT : HV_EV_SW_WALK_REF,
        .ptr = guest_table_ptr,
    };
    hv_walk32(vm, &env, va, access, false, w);
}

static void touch(hv_shadow *sh, int32_t idx)
{
    sh->pages[idx].stamp = ++sh->clock;
    sh->pages[idx].flood = 0; /* used: not a flooded page */
}

/* Makes every shadow page of gfn unsync: writable for the guest until its
 * next INVLPG or CR3 load. Only leaf tables may go unsync. */
static bool try_unsync(hv_vm *vm, uint32_t gfn)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    if (!vm->m->cfg.shadow.unsync)
        return false;
    for (uint32_t i = 0; i < sh->cap; i++) {
        const hv_spage *sp = &sh->pages[i];
        if (sp->used && !sp->direct && sp->gfn == gfn && sp->level != 1)
            return false;
    }
    for (uint32_t i = 0; i < sh->cap; i++) {
        hv_spage *sp = &sh->pages[i];
        if (sp->used && !sp->direct && sp->gfn == gfn && !sp->unsync) {
            sp->unsync = true;
            hv_machine_emit(vm, HV_EV_SHADOW_UNSYNC, sp->hfn, gfn, 0, 0);
        }
    }
    return true;
}

/* The shadow leaf entry for a guest translation that allows the access. */
static uint32_t make_spte(hv_vm *vm, const hv_walk *gw, uint32_t hfn)
{
    uint32_t leaf = gw->large ? gw->pde : gw->pte;
    bool rw = gw->large ? (gw->pde & HV_PTE_RW)
                        : (gw->pde & HV_PTE_RW) && (gw->pte & HV_PTE_RW);
    bool us = gw->large ? (gw->pde & HV_PTE_US)
                        : (gw->pde & HV_PTE_US) && (gw->pte & HV_PTE_US);
    /* Guest CR0.WP = 0: supervisor writes go through read-only pages; the
     * shadow page's role keeps such entries apart (role.cr0_wp). */
    bool writable = rw || !(vm->cr0 & HV_CR0_WP);
    uint32_t spte = (hfn << 12) | HV_PTE_P | HV_PTE_A | (us ? HV_PTE_US : 0);
    if ((leaf & HV_PTE_G) && (vm->cr4 & HV_CR4_PGE))
        spte |= HV_PTE_G;
    if (writable && (leaf & HV_PTE_D) &&
        !hv_shadow_protected(vm, gw->pa >> 12))
        spte |= HV_PTE_RW | HV_PTE_D;
    return spte;
}

static void set_entry(hv_vm *vm, int32_t idx, uint32_t index, uint32_t value,
                      uint8_t level, uint32_t va)
{
    uint32_t *t = hv_shadow_table(vm, idx);
    if (t[index] == value)
        return;
    t[index] = value;
    hv_shadow *sh = hv_vm_shadow(vm);
    hv_machine_emit(vm, HV_EV_SHADOW_FILL, level,
                    (sh->pages[idx].hfn << 12) | index * 4, value, va);
}

/* A write through the shadow would go to a guest page table. */
static bool targets_table(hv_vm *vm, const hv_walk *gw, hv_access access)
{
    return access == HV_ACC_WRITE && hv_shadow_protected(vm, gw->pa >> 12);
}

typedef enum { PF_RETRY, PF_DONE } pf_step;

static pf_step handle_pf(hv_vm *vm, uint32_t va, hv_access access,
                         uint32_t hw_error, hv_walk *out, hv_mmu_result *res)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    hv_walk gw;
    guest_walk(vm, va, access, true, &gw);
    uint32_t cause = HV_CAUSE_HIDDEN_FAULT;
    if (gw.fault)
        cause = HV_CAUSE_TRUE_FAULT;
    else if (!gw.unbacked && hv_mmu_is_mmio(vm, gw.pa))
        cause = hv_mmu_mmio_cause(vm, gw.pa, access); /* its own record */
    else if (!gw.unbacked && targets_table(vm, &gw, access))
        cause = HV_CAUSE_WP_TRAP;
    else if (!gw.unbacked && access == HV_ACC_WRITE &&
             !((gw.large ? gw.pde : gw.pte) & HV_PTE_D))
        cause = HV_CAUSE_DIRTY_BIT;
    /* VT-x: the qualification of a #PF exit is the linear address; the
     * error code is the exit's interruption error code (SDM Vol 3C
     * §27.2.1-2). */
    hv_vm_exit_info(vm, HV_EXIT_EXC_PF, va, cause, hw_error);

    guest_walk(vm, va, access, false, &gw);
    if (gw.unbacked) {
        out->unbacked = true;
        out->unbacked_pa = gw.unbacked_pa;
        *res = HV_MMU_UNBACKED;
        return PF_DONE;
    }
    if (gw.fault) {
        /* A true fault: the guest's own #PF, reflected with the guest's
         * error code; CR2 is set by the delivery (behaviour 7). */
        hv_machine_emit(vm, HV_EV_INJECT, 14, gw.error_code, va, vm->cur_eip);
        out->fault = true;
        out->error_code = gw.error_code;
        *res = HV_MMU_FAULT;
        return PF_DONE;
    }
    uint32_t gpa = gw.pa, hpa;
    if (cause == HV_CAUSE_MMIO || cause == HV_CAUSE_IOEVENTFD) {
        /* The shadow entry stays not present, so every access to the
         * page exits here again: 32-bit entries have no reserved bits to
         * mark it as MMIO with (FIDELITY.md "Device emulation"). */
        out->gpa = gpa;
        *res = HV_MMU_MMIO;
        return PF_DONE;
    }
    if (!hv_mmu_gpa_to_hpa(vm, gpa, &hpa)) {
        out->unbacked = true;
        out->unbacked_pa = gpa;
        *res = HV_MMU_UNBACKED;
        return PF_DONE;
    }

    /* The missing levels: the shadow table for the guest's page table (or
     * a direct one for a guest 4 MiB page, split into 4 KiB entries as
     * KVM does without huge host pages). */
    bool wp = vm->cr0 & HV_CR0_WP;
    /* role.access: a clean guest 4 MiB page gets a direct table without
     * write access, so its first write exits to set D (KVM drops write
     * from the role of a direct page whose guest entry is not dirty). */
    bool role_rw = (gw.pde & HV_PTE_RW) && (!gw.large || (gw.pde & HV_PTE_D));
    uint8_t role_access = (role_rw ? 1 : 0) | ((gw.pde & HV_PTE_US) ? 2 : 0);
    int32_t spt = gw.large ? hv_shadow_get(vm, (gw.pde & 0xFFC00000u) >> 12, 1,
                                           true, wp, role_access)
                           : hv_shadow_get(vm, gw.pde >> 12, 1, false, wp,
                                           role_access);
    if (spt < 0 || sh->root < 0) {
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "no frame for a shadow page");
        out->unbacked = true;
        *res = HV_MMU_UNBACKED;
        return PF_DONE;
    }
    touch(sh, sh->root);
    touch(sh, spt);
    /* Linking an unsync table under a directory entry that did not point
     * at it: its entries may be stale for this path, so sync it first
     * (KVM syncs an unsync page when it looks it up to link it). */
    uint32_t sde = hv_shadow_table(vm, sh->root)[va >> 22];
    if (sh->pages[spt].unsync &&
        (!(sde & HV_PTE_P) || sde >> 12 != sh->pages[spt].hfn))
        hv_shadow_resync(vm, spt);
    set_entry(vm, sh->root, va >> 22,
              (sh->pages[spt].hfn << 12) | HV_PTE_P | HV_PTE_RW | HV_PTE_US |
                  HV_PTE_A,
              2, va);

    if (cause == HV_CAUSE_WP_TRAP && try_unsync(vm, gpa >> 12))
        cause = HV_CAUSE_NONE; /* the table is writable now: retry */
    /* Refetch the guest's leaf: the walk above may have set its D. */
    uint32_t spte = make_spte(vm, &gw, hpa >> 12);
    set_entry(vm, spt, (va >> 12) & 0x3FFu, spte, 1, va);
    if (cause == HV_CAUSE_WP_TRAP) {
        /* Emulate the write: it lands, then on_pt_written syncs. */
        out->pa = hpa;
        out->gpa = gpa;
        *res = HV_MMU_EMULATE;
        return PF_DONE;
    }
    return PF_RETRY;
}

static hv_mmu_result shadow_translate(hv_vm *vm, uint32_t va, hv_access access,
                                      bool user, hv_walk *w)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    for (int attempt = 0; attempt < 4; attempt++) {
        if (sh->root < 0) {
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "no shadow root");
            w->unbacked = true;
            return HV_MMU_UNBACKED;
        }
        const hv_walk32_env env = {
            .root = sh->pages[sh->root].hfn << 12,
            .wp = true, /* the host's CR0.WP */
            .pse = false, /* shadow directories never map 4 MiB pages */
            .pge = vm->cr4 & HV_CR4_PGE,
            .set_ad = false,
            .ref_event = HV_EV_WALK_REF,
            .ptr = host_table_ptr,
        };
        hv_walk32(vm, &env, va, access, user, w);
        if (!w->fault && !w->unbacked)
            return HV_MMU_OK;
        hv_mmu_result res = HV_MMU_OK;
        uint32_t hw_error = w->error_code;
        memset(w, 0, sizeof *w);
        if (handle_pf(vm, va, access, hw_error, w, &res) == PF_DONE)
            return res;
    }
    hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "shadow fault did not resolve");
    w->unbacked = true;
    return HV_MMU_UNBACKED;
}

/* --- roots and syncs ------------------------------------------------------ */

static void resync_all(hv_vm *vm)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    for (uint32_t i = 0; i < sh->cap; i++)
        if (sh->pages[i].used && sh->pages[i].unsync)
            hv_shadow_resync(vm, (int32_t)i);
}

/* MOV CR3 (or a paging-mode change): the shadow root for the new guest
 * root, from the root cache when it is there (KVM's prev_roots). */
static void load_root(hv_vm *vm)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    if (!(vm->cr0 & HV_CR0_PG)) {
        sh->root = -1;
        return;
    }
    uint32_t gfn = vm->cr3 >> 12;
    bool wp = vm->cr0 & HV_CR0_WP;
    int32_t idx = -1;
    uint32_t pos = 0;
    for (; pos < sh->nroots; pos++) {
        const hv_spage *sp = &sh->pages[sh->roots[pos]];
        if (sp->gfn == gfn && sp->wp == wp) {
            idx = sh->roots[pos];
            break;
        }
    }
    bool hit = idx >= 0;
    if (!hit) {
        idx = hv_shadow_get(vm, gfn, 2, false, wp, 3);
        if (idx < 0) {
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "no frame for a shadow root");
            return;
        }
        pos = sh->nroots < vm->m->cfg.shadow.root_cache
                  ? sh->nroots++
                  : vm->m->cfg.shadow.root_cache - 1;
    }
    memmove(&sh->roots[1], &sh->roots[0], pos * sizeof sh->roots[0]);
    sh->roots[0] = idx;
    sh->root = idx;
    touch(sh, idx);
    hv_machine_emit(vm, HV_EV_ROOT_SWITCH, gfn, sh->pages[idx].hfn, hit, 0);
    resync_all(vm);
}

static void shadow_on_cr_write(hv_vm *vm, unsigned cr, uint32_t old,
                               uint32_t now)
{
    if (cr == 4 && ((old ^ now) & (HV_CR4_PSE | HV_CR4_PGE))) {
        /* What a guest entry means changed: start over (KVM resets the
         * MMU context). */
        hv_shadow_zap_all(vm);
        load_root(vm);
        return;
    }
    if (cr == 0 && ((old ^ now) & HV_CR0_PG)) {
        /* Paging changed: with paging off the guest wrote its tables with
         * no shadow watching (there is no nonpaging shadow here), so no
         * shadow page can be trusted; start over (KVM resets the MMU
         * context on a CR0.PG change). */
        hv_shadow_zap_all(vm);
        load_root(vm);
        return;
    }
    if (cr == 0 && ((old ^ now) & HV_CR0_WP))
        /* The TLB holds rights from shadow entries of the old role (under
         * WP = 0 a read-only guest page is writable): the hypervisor must
         * flush them with the MMU context (KVM resets it). */
        hv_tlb_flush(vm->tlb, true);
    if (cr == 3 || (cr == 0 && ((old ^ now) & (HV_CR0_PG | HV_CR0_WP))))
        load_root(vm);
}

/* The guest's INVLPG: the shadow entry for va follows the guest entry
 * again. For an unsync table only that entry is synced, and the table
 * stays unsync (KVM's FNAME(invlpg)); a synced table is current already. */
static void shadow_on_invlpg(hv_vm *vm, uint32_t va)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    if (sh->root < 0)
        return;
    uint32_t sde = hv_shadow_table(vm, sh->root)[va >> 22];
    if (!(sde & HV_PTE_P))
        return;
    for (uint32_t i = 0; i < sh->cap; i++) {
        hv_spage *sp = &sh->pages[i];
        if (sp->used && sp->hfn == sde >> 12 && sp->unsync) {
            uint32_t e = (va >> 12) & 0x3FFu;
            uint32_t *t = hv_shadow_table(vm, (int32_t)i);
            const uint8_t *g = hv_mmu_phys_ptr(vm, sp->gfn << 12, NULL);
            uint32_t gpte = 0;
            if (g)
                memcpy(&gpte, g + e * 4, 4);
            hv_machine_emit(vm, HV_EV_SW_WALK_REF, 1, sp->gfn << 12, e, gpte);
            uint32_t changed = t[e] != 0;
            /* Dropped: the next access refills it from the guest entry. */
            t[e] = 0;
            hv_machine_emit(vm, HV_EV_SHADOW_RESYNC, sp->hfn, sp->gfn, changed,
                            0);
            return;
        }
    }
}

/* An emulated write landed in a guest table: the shadow entries made from
 * the written guest entries go (the next access refills them), and a page
 * written too often without being used is unshadowed (write flooding). */
static void shadow_on_pt_written(hv_vm *vm, uint32_t gpa, unsigned size)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    uint32_t gfn = gpa >> 12, threshold = vm->m->cfg.shadow.flood_threshold;
    uint32_t first = (gpa & 0xFFFu) / 4, last = ((gpa & 0xFFFu) + size - 1) / 4;
    if (last > 1023)
        last = 1023;
    for (uint32_t i = 0; i < sh->cap; i++) {
        hv_spage *sp = &sh->pages[i];
        if (!sp->used || sp->direct || sp->gfn != gfn || sp->unsync)
            continue;
        if (threshold && ++sp->flood >= threshold &&
            sh->root != (int32_t)i) {
            hv_shadow_zap(vm, (int32_t)i, HV_ZAP_FLOOD);
            continue;
        }
        uint32_t *t = hv_shadow_table(vm, (int32_t)i);
        for (uint32_t e = first; e <= last; e++)
            if (t[e]) {
                t[e] = 0;
                hv_machine_emit(vm, HV_EV_SHADOW_FILL, sp->level,
                                (sp->hfn << 12) | e * 4, 0, 0);
                hv_shadow_invalidate_entry(vm, (int32_t)i, e);
            }
    }
}

void hv_shadow_resync(hv_vm *vm, int32_t idx)
{
    hv_shadow *sh = hv_vm_shadow(vm);
    hv_spage *sp = &sh->pages[idx];
    uint32_t *t = hv_shadow_table(vm, idx);
    const uint8_t *g = hv_mmu_phys_ptr(vm, sp->gfn << 12, NULL);
    uint32_t changed = 0;
    for (uint32_t e = 0; e < 1024 && g; e++) {
        if (!(t[e] & HV_PTE_P))
            continue;
        uint32_t gpte;
        memcpy(&gpte, g + e * 4, 4);
        hv_machine_emit(vm, HV_EV_SW_WALK_REF, 1, sp->gfn << 12, e, gpte);
        uint32_t hpa;
        /* The shadow entry still holds if the guest entry is present,
         * names the same frame, grants no less than it does, and keeps A
         * (and D, for a writable entry): a guest that cleared A or D must
         * see the hardware set it again (KVM's sync_page drops such
         * entries too). */
        bool same = (gpte & HV_PTE_P) && (gpte & HV_PTE_A) &&
                    hv_mmu_gpa_to_hpa(vm, gpte & 0xFFFFF000u, &hpa) &&
                    hpa >> 12 == t[e] >> 12 &&
                    ((gpte & HV_PTE_RW) || !(t[e] & HV_PTE_RW)) &&
                    ((gpte & HV_PTE_D) || !(t[e] & HV_PTE_RW)) &&
                    ((gpte & HV_PTE_US) || !(t[e] & HV_PTE_US));
        if (!same) {
            t[e] = 0;
            changed++;
            hv_shadow_invalidate_entry(vm, idx, e);
        }
    }
    sp->unsync = false;
    hv_machine_emit(vm, HV_EV_SHADOW_RESYNC, sp->hfn, sp->gfn, changed, 0);
    hv_shadow_write_protect(vm, sp->gfn);
}

static hv_err shadow_init(hv_vm *vm)
{
    return hv_shadow_init(vm);
}

/* Guest paging off: the guest runs on the hypervisor's identity tables,
 * where the MMIO page is not present either: a #PF exit (not-present, with
 * W for a write) that the hypervisor recognises as MMIO. */
static void shadow_mmio_exit(hv_vm *vm, uint32_t va, uint32_t gpa,
                             hv_access access)
{
    hv_vm_exit_info(vm, HV_EXIT_EXC_PF, va, hv_mmu_mmio_cause(vm, gpa, access),
                    access == HV_ACC_WRITE ? HV_PFEC_W : 0);
}

const hv_mmu_ops hv_mmu_shadow_ops = {
    .name = "shadow",
    .exits_on_cr3 = true,
    .exits_on_invlpg = true,
    .init = shadow_init,
    .fini = hv_shadow_fini,
    .translate = shadow_translate,
    .on_cr_write = shadow_on_cr_write,
    .on_invlpg = shadow_on_invlpg,
    .on_pt_written = shadow_on_pt_written,
    .mmio_exit = shadow_mmio_exit,
};
