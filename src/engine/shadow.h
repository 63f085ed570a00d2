/* hvlab engine: shadow paging's state and its page cache (KVM's
 * Documentation/virt/kvm/x86/mmu.rst; FIDELITY.md "Shadow paging").
 *
 * A shadow page is a host frame (tagged HV_OWN_SHADOW) holding 1024
 * 32-bit entries that the hardware walks instead of the guest's table. It
 * is indexed, as KVM's kvm_mmu_page_role does, by the guest table's frame
 * and a role: its level, whether it is "direct" (a page table that maps a
 * guest 4 MiB page with 4 KiB entries, shadowing no guest table), and
 * CR0.WP (entries built under WP = 0 let supervisor writes through, so they
 * must not serve WP = 1).
 */
#ifndef HV_SHADOW_H
#define HV_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"

typedef struct hv_vm hv_vm;

typedef struct hv_spage {
    bool used;
    bool direct;
    bool wp;     /* role.cr0_wp */
    bool unsync; /* a leaf page the guest may write without exits */
    uint8_t level; /* 2: shadows a page directory, 1: a page table */
    uint8_t access; /* role.access: the rights the guest's directory entry
                       grants above a table (1 RW, 2 US); tables reached
                       through entries with other rights are other pages */
    uint32_t hfn;  /* the shadow table's host frame */
    uint32_t gfn;  /* the guest table's frame (direct: the 4 MiB page's) */
    uint32_t flood; /* emulated writes since the page was last used */
    uint64_t stamp; /* last use, for the LRU zap */
} hv_spage;

/* The role as events show it: level | direct << 2 | wp << 3 |
 * access << 4. */
static inline uint32_t hv_spage_role(const hv_spage *sp)
{
    return sp->level | (sp->direct ? 4u : 0) | (sp->wp ? 8u : 0) |
           (uint32_t)sp->access << 4;
}

#define HV_SHADOW_MAX_ROOTS 16

typedef struct hv_shadow {
    hv_spage *pages; /* cfg.shadow.max_pages slots */
    uint32_t cap, count;
    int32_t roots[HV_SHADOW_MAX_ROOTS]; /* root cache, most recent first */
    uint32_t nroots;
    int32_t root; /* the page the hardware walks from, or -1 */
    uint16_t *shadowed; /* per guest frame: non-direct shadow pages of it */
    uint32_t ngfn;
    uint64_t clock;
} hv_shadow;

hv_shadow *hv_vm_shadow(hv_vm *vm);

/* shadow_pages.c */
hv_err hv_shadow_init(hv_vm *vm);
void hv_shadow_fini(hv_vm *vm);
int32_t hv_shadow_find(hv_vm *vm, uint32_t gfn, uint8_t level, bool direct,
                       bool wp, uint8_t access);
/* Finds or makes the shadow page; -1 when no frame could be had. */
int32_t hv_shadow_get(hv_vm *vm, uint32_t gfn, uint8_t level, bool direct,
                      bool wp, uint8_t access);
void hv_shadow_zap(hv_vm *vm, int32_t idx, uint32_t why);
void hv_shadow_zap_all(hv_vm *vm);
/* Whether writes to guest frame gfn must trap (a synced shadow page of it
 * exists). */
bool hv_shadow_protected(hv_vm *vm, uint32_t gfn);
/* Makes every shadow entry that maps gfn read-only (the reverse map). */
void hv_shadow_write_protect(hv_vm *vm, uint32_t gfn);
uint32_t *hv_shadow_table(hv_vm *vm, int32_t idx);
/* Invalidates the TLB entries that were built through entry `index` of
 * shadow page `idx` (its parents give the guest-virtual addresses). */
void hv_shadow_invalidate_entry(hv_vm *vm, int32_t idx, uint32_t index);
/* Brings an unsync page back in sync with the guest's table and
 * write-protects the table again. */
void hv_shadow_resync(hv_vm *vm, int32_t idx);

#endif
