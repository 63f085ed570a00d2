/* hvlab engine: the shadow page cache (see shadow.h).
 *
 * HOW COHERENCE IS KEPT: a guest frame that a (non-direct) shadow page
 * shadows is a guest page table, and the guest's writes to it must trap
 * so the shadow can follow. When a frame becomes one, every writable
 * shadow entry that maps it is made read-only and the TLB is flushed (the
 * reverse map, KVM's rmap and gfn_track): a write through an old alias
 * would bypass coherence (FIDELITY.md). An unsync page is the exception:
 * its guest table is writable until the guest's INVLPG or CR3 load, when
 * it is resynced and protected again.
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "shadow.h"

hv_shadow *hv_vm_shadow(hv_vm *vm)
{
    return vm->mmu_state;
}

hv_err hv_shadow_init(hv_vm *vm)
{
    hv_shadow *sh = calloc(1, sizeof *sh);
    if (!sh)
        return HV_ERR_NOMEM;
    sh->cap = vm->m->cfg.shadow.max_pages;
    sh->pages = calloc(sh->cap, sizeof *sh->pages);
    sh->ngfn = vm->p2m.ngfn;
    sh->shadowed = calloc(sh->ngfn, sizeof *sh->shadowed);
    sh->root = -1;
    vm->mmu_state = sh;
    if (!sh->pages || !sh->shadowed)
        return HV_ERR_NOMEM;
    return HV_OK;
}

void hv_shadow_fini(hv_vm *vm)
{
    hv_shadow *sh = vm->mmu_state;
    if (!sh)
        return;
    free(sh->pages);
    free(sh->shadowed);
    free(sh);
    vm->mmu_state = NULL;
}

uint32_t *hv_shadow_table(hv_vm *vm, int32_t idx)
{
    hv_shadow *sh = vm->mmu_state;
    return (uint32_t *)hv_hostmem_ptr(&vm->m->hm, sh->pages[idx].hfn);
}

int32_t hv_shadow_find(hv_vm *vm, uint32_t gfn, uint8_t level, bool direct,
                       bool wp, uint8_t access)
{
    hv_shadow *sh = vm->mmu_state;
    for (uint32_t i = 0; i < sh->cap; i++) {
        const hv_spage *sp = &sh->pages[i];
        if (sp->used && sp->gfn == gfn && sp->level == level &&
            sp->direct == direct && sp->wp == wp && sp->access == access)
            return (int32_t)i;
    }
    return -1;
}

bool hv_shadow_protected(hv_vm *vm, uint32_t gfn)
{
    hv_shadow *sh = vm->mmu_state;
    if (gfn >= sh->ngfn || !sh->shadowed[gfn])
        return false;
    /* Writable when every shadow page of it is an unsync leaf. */
    for (uint32_t i = 0; i < sh->cap; i++) {
        const hv_spage *sp = &sh->pages[i];
        if (sp->used && !sp->direct && sp->gfn == gfn && !sp->unsync)
            return true;
    }
    return false;
}

static bool is_root(const hv_shadow *sh, int32_t idx)
{
    if (sh->root == idx)
        return true;
    for (uint32_t i = 0; i < sh->nroots; i++)
        if (sh->roots[i] == idx)
            return true;
    return false;
}

void hv_shadow_write_protect(hv_vm *vm, uint32_t gfn)
{
    hv_shadow *sh = vm->mmu_state;
    uint32_t hpa;
    if (!hv_mmu_gpa_to_hpa(vm, gfn << 12, &hpa))
        return;
    uint32_t hfn = hpa >> 12, n = 0;
    for (uint32_t i = 0; i < sh->cap; i++) {
        const hv_spage *sp = &sh->pages[i];
        if (!sp->used || sp->level != 1)
            continue;
        uint32_t *t = hv_shadow_table(vm, (int32_t)i);
        for (int e = 0; e < 1024; e++)
            if ((t[e] & (HV_PTE_P | HV_PTE_RW)) == (HV_PTE_P | HV_PTE_RW) &&
                t[e] >> 12 == hfn) {
                t[e] &= ~(uint32_t)(HV_PTE_RW | HV_PTE_D);
                n++;
            }
    }
    hv_machine_emit(vm, HV_EV_SHADOW_WRPROT, gfn, n, 0, 0);
    /* Translations that allowed writes may sit in the TLB (and in
     * Unicorn's mappings): KVM flushes the remote TLBs here too. */
    if (n)
        hv_tlb_flush(vm->tlb, true);
}

/* The budget's victim: the least recently used page that is no cached
 * root, else the least recently used cached root; never the current one. */
static int32_t lru_victim(const hv_shadow *sh)
{
    int32_t best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (uint32_t i = 0; i < sh->cap; i++) {
            const hv_spage *sp = &sh->pages[i];
            if (!sp->used || sh->root == (int32_t)i ||
                (pass == 0 && is_root(sh, (int32_t)i)))
                continue;
            if (best < 0 || sp->stamp < sh->pages[best].stamp)
                best = (int32_t)i;
        }
    return best;
}

int32_t hv_shadow_get(hv_vm *vm, uint32_t gfn, uint8_t level, bool direct,
                      bool wp, uint8_t access)
{
    hv_shadow *sh = vm->mmu_state;
    int32_t idx = hv_shadow_find(vm, gfn, level, direct, wp, access);
    if (idx >= 0)
        return idx;
    /* Over the budget the least recently used page goes; the guest never
     * fails for it (issue 5). */
    if (sh->count >= sh->cap) {
        int32_t victim = lru_victim(sh);
        if (victim < 0)
            return -1;
        hv_shadow_zap(vm, victim, HV_ZAP_BUDGET);
    }
    uint32_t hfn;
    if (hv_hostmem_alloc(&vm->m->hm, HV_OWN_SHADOW, vm->id, &hfn) != HV_OK)
        return -1;
    for (uint32_t i = 0; i < sh->cap; i++) {
        hv_spage *sp = &sh->pages[i];
        if (sp->used)
            continue;
        *sp = (hv_spage){.used = true, .direct = direct, .wp = wp,
                         .level = level, .access = access, .hfn = hfn,
                         .gfn = gfn, .stamp = ++sh->clock};
        sh->count++;
        hv_machine_emit(vm, HV_EV_SHADOW_ALLOC, hfn, gfn, hv_spage_role(sp), 0);
        if (!direct && gfn < sh->ngfn) {
            /* A frame is either all unsync (writable) or all protected:
             * a new synced page of it brings the unsync ones back in sync
             * (which protects the frame), else protects it now (KVM's
             * account_shadowed; the rmap makes every alias read-only). */
            bool synced_any = false;
            for (uint32_t j = 0; j < sh->cap; j++)
                if (j != i && sh->pages[j].used && !sh->pages[j].direct &&
                    sh->pages[j].gfn == gfn && sh->pages[j].unsync) {
                    hv_shadow_resync(vm, (int32_t)j);
                    synced_any = true;
                }
            if (sh->shadowed[gfn]++ == 0 || !synced_any)
                hv_shadow_write_protect(vm, gfn);
        }
        return (int32_t)i;
    }
    hv_hostmem_free(&vm->m->hm, hfn);
    return -1;
}

void hv_shadow_zap(hv_vm *vm, int32_t idx, uint32_t why)
{
    hv_shadow *sh = vm->mmu_state;
    hv_spage *sp = &sh->pages[idx];
    /* Unlink it from every shadow directory that points at it. */
    if (sp->level == 1)
        for (uint32_t i = 0; i < sh->cap; i++) {
            if (!sh->pages[i].used || sh->pages[i].level != 2)
                continue;
            uint32_t *t = hv_shadow_table(vm, (int32_t)i);
            for (int e = 0; e < 1024; e++)
                if ((t[e] & HV_PTE_P) && t[e] >> 12 == sp->hfn)
                    t[e] = 0;
        }
    for (uint32_t i = 0; i < sh->nroots; i++)
        if (sh->roots[i] == idx) {
            memmove(&sh->roots[i], &sh->roots[i + 1],
                    (sh->nroots - i - 1) * sizeof sh->roots[0]);
            sh->nroots--;
            break;
        }
    if (sh->root == idx)
        sh->root = -1;
    hv_machine_emit(vm, HV_EV_SHADOW_ZAP, sp->hfn, sp->gfn, hv_spage_role(sp),
                    why);
    if (!sp->direct && sp->gfn < sh->ngfn && sh->shadowed[sp->gfn])
        sh->shadowed[sp->gfn]--;
    hv_hostmem_free(&vm->m->hm, sp->hfn);
    *sp = (hv_spage){0};
    sh->count--;
    /* Translations built through it may be cached. */
    hv_tlb_flush(vm->tlb, true);
}

void hv_shadow_zap_all(hv_vm *vm)
{
    hv_shadow *sh = vm->mmu_state;
    sh->root = -1;
    sh->nroots = 0;
    for (uint32_t i = 0; i < sh->cap; i++)
        if (sh->pages[i].used)
            hv_shadow_zap(vm, (int32_t)i, HV_ZAP_ROOT);
}

void hv_shadow_invalidate_entry(hv_vm *vm, int32_t idx, uint32_t index)
{
    hv_shadow *sh = vm->mmu_state;
    const hv_spage *sp = &sh->pages[idx];
    if (sp->level == 2) {
        /* A directory entry covers 4 MiB: flush it all. */
        hv_tlb_flush(vm->tlb, true);
        return;
    }
    for (uint32_t i = 0; i < sh->cap; i++) {
        if (!sh->pages[i].used || sh->pages[i].level != 2)
            continue;
        const uint32_t *t = hv_shadow_table(vm, (int32_t)i);
        for (uint32_t e = 0; e < 1024; e++)
            if ((t[e] & HV_PTE_P) && t[e] >> 12 == sp->hfn)
                hv_tlb_invalidate_page(vm->tlb, e << 22 | index << 12, vm->vpid,
                                       HV_INVAL_SHADOW);
    }
}

bool hv_machine_shadow_page(const hv_machine *m, uint32_t vmi, uint32_t n,
                            hv_shadow_page_view *out)
{
    if (vmi >= m->nvms || m->vms[vmi]->mmu != &hv_mmu_shadow_ops)
        return false;
    const hv_shadow *sh = m->vms[vmi]->mmu_state;
    for (uint32_t i = 0; i < sh->cap; i++) {
        const hv_spage *sp = &sh->pages[i];
        if (!sp->used || n--)
            continue;
        *out = (hv_shadow_page_view){
            .hfn = sp->hfn, .gfn = sp->gfn, .level = sp->level,
            .direct = sp->direct, .wp = sp->wp, .unsync = sp->unsync,
            .root = is_root(sh, (int32_t)i),
            .current_root = sh->root == (int32_t)i};
        return true;
    }
    return false;
}

bool hv_machine_gfn_write_protected(const hv_machine *m, uint32_t vmi,
                                    uint32_t gfn)
{
    if (vmi >= m->nvms || m->vms[vmi]->mmu != &hv_mmu_shadow_ops)
        return false;
    return hv_shadow_protected(m->vms[vmi], gfn);
}
