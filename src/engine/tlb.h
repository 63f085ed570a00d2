/* hvlab engine: the modelled TLB.
 *
 * A set-associative cache of 4 KiB translations (VPN -> PFN) with a tag
 * (VPID/ASID; 0 in native mode), permission and status flags, and a
 * replacement policy (LRU, FIFO, or random from a seed). A 4 MiB page is
 * cached as the 4 KiB piece that was used, marked HV_TLBF_LARGE, so INVLPG
 * anywhere in the 4 MiB page drops every piece of it (SDM Vol 3A §4.10.4.1).
 * The set of a VPN is VPN mod sets.
 *
 * Every hit, miss, fill, eviction, flush and INVLPG is an event; every
 * entry that leaves the TLB (eviction, flush, INVLPG) is also reported to
 * the on_drop callback, so the vCPU can drop Unicorn's mapping of it
 * (DESIGN.md §2: Unicorn's mappings are a subset of the TLB's entries).
 */
#ifndef HV_TLB_H
#define HV_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "emit.h"
#include "hv.h"

enum {
    HV_TLBF_W = 1u << 0,     /* writes allowed (R/W of every level) */
    HV_TLBF_U = 1u << 1,     /* user access allowed (U/S of every level) */
    HV_TLBF_D = 1u << 2,     /* dirty: the leaf's D was 1 when filled/set */
    HV_TLBF_G = 1u << 3,     /* global (PTE.G with CR4.PGE) */
    HV_TLBF_LARGE = 1u << 4, /* piece of a 4 MiB page */
    HV_TLBF_NX = 1u << 5,    /* no fetch: the nested leaf denies execute */
};

typedef struct hv_tlb_entry {
    uint32_t vpn;   /* VA >> 12 */
    uint32_t pfn;   /* PA >> 12 */
    uint16_t tag;   /* VPID/ASID */
    uint8_t flags;  /* HV_TLBF_* */
    uint8_t valid;
    uint64_t stamp; /* LRU: last use; FIFO: fill time */
} hv_tlb_entry;

typedef void (*hv_tlb_drop_fn)(void *opaque, const hv_tlb_entry *e);

typedef struct hv_tlb hv_tlb;

/* Errors: HV_ERR_CONFIG (entries not a multiple of ways, sets not a power
 * of two, 0 entries or ways, more than 65536 entries, unknown policy),
 * HV_ERR_NOMEM, HV_ERR_ARG (cfg or out NULL). *out is NULL on error. */
hv_err hv_tlb_create(const hv_tlb_config *cfg, uint64_t seed,
                     hv_emitter emit, hv_tlb_drop_fn on_drop,
                     void *drop_opaque, hv_tlb **out);
/* Frees the TLB; no events, no on_drop. NULL is a no-op. */
void hv_tlb_destroy(hv_tlb *tlb);

/* A lookup the caller already knows hits entry e (a pointer it kept while
 * no entry left the TLB): the same LRU refresh and TLB_HIT event as
 * hv_tlb_lookup, without the search. */
void hv_tlb_hit(hv_tlb *tlb, hv_tlb_entry *e, uint32_t va, hv_access access);
/* The TLB itself (tlb.c works on it; visible here for hv_tlb_touch). */
struct hv_tlb {
    hv_tlb_entry *slots; /* sets * ways */
    uint32_t sets;
    uint32_t ways;
    uint32_t set_mask;
    hv_tlb_policy policy;
    uint64_t clock; /* last stamp handed out */
    uint64_t rng;   /* splitmix64 state */
    hv_emitter emit;
    hv_tlb_drop_fn on_drop;
    void *drop_opaque;
};

/* The LRU refresh of a hit alone, for a caller that has recorded the hit
 * itself (the vCPU counting it into an open run of hits): inline, as it
 * runs for nearly every guest instruction. */
static inline void hv_tlb_touch(hv_tlb *tlb, hv_tlb_entry *e)
{
    if (tlb->policy == HV_TLB_LRU)
        e->stamp = ++tlb->clock;
}
/* A lookup as the MMU does it: emits TLB_HIT (va, pa, access) and refreshes
 * the LRU stamp, or emits TLB_MISS (va, access) and returns NULL. */
hv_tlb_entry *hv_tlb_lookup(hv_tlb *tlb, uint32_t va, uint16_t tag,
                            hv_access access);
/* The same without an event or a stamp change (for views and checks). */
const hv_tlb_entry *hv_tlb_peek(const hv_tlb *tlb, uint32_t va, uint16_t tag);

/* Installs a translation of va's page. If the set is full, the victim
 * (first invalid way, else by policy) is evicted: TLB_EVICT + on_drop.
 * Then TLB_FILL (va, pa, flags, slot = set*ways+way). An existing entry
 * for the same (vpn, tag) is replaced in place: no eviction, a new stamp,
 * and on_drop of the old contents when its pfn or flags change (Unicorn's
 * mapping of it is stale). Event "pa" fields of hits and fills are
 * pfn << 12 | (va & 0xfff); evictions report page addresses. */
hv_tlb_entry *hv_tlb_fill(hv_tlb *tlb, uint32_t va, uint32_t pfn,
                          uint8_t flags, uint16_t tag);

/* MOV CR3 (include_global = false) or CR4.PGE toggle / CR0.PG change
 * (true): drops entries of every tag, emits one TLB_FLUSH (kind, dropped). */
void hv_tlb_flush(hv_tlb *tlb, bool include_global);
/* The same for one tag only: with VPIDs a guest's MOV CR3 flushes only its
 * own VPID's entries (SDM Vol 3C §28.3.3.1), so a TLB shared by several VMs
 * keeps the others. */
void hv_tlb_flush_tag(hv_tlb *tlb, uint16_t tag, bool include_global);
/* INVLPG: drops the page's entries (global ones too) for `tag`, and every
 * piece of a 4 MiB page containing va; emits TLB_INVLPG (va, dropped). */
void hv_tlb_invlpg(hv_tlb *tlb, uint32_t va, uint16_t tag);
/* The same invalidation for another cause (TLB_INVLPG's `cause` field):
 * HV_INVAL_INVLPG, or HV_INVAL_PAGE_FAULT when a page fault drops the
 * entries of the faulting address (SDM Vol 3A §4.10.4.1). */
void hv_tlb_invalidate_page(hv_tlb *tlb, uint32_t va, uint16_t tag,
                            uint32_t cause);

/* Geometry and slots, for views and tests. hv_tlb_slot returns the slot
 * whether valid or not, NULL when out of range. */
uint32_t hv_tlb_sets(const hv_tlb *tlb);
uint32_t hv_tlb_ways(const hv_tlb *tlb);
const hv_tlb_entry *hv_tlb_slot(const hv_tlb *tlb, uint32_t set,
                                uint32_t way);
uint32_t hv_tlb_set_of(const hv_tlb *tlb, uint32_t va);

#endif
