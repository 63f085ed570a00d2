/* hvlab engine: the modelled TLB (see tlb.h).
 *
 * HOW IT WORKS
 * The TLB is `sets` x `ways` slots in one array, slot = set * ways + way.
 * A VPN lives in set VPN mod sets (sets is a power of two, so a mask). A
 * lookup scans the ways of one set for a valid entry with the same VPN and
 * tag. Replacement picks, in a full set only, the way with the smallest
 * stamp (LRU: the stamp is refreshed on every hit; FIFO: it is set at fill
 * only) or a way drawn from a splitmix64 stream seeded at create (random).
 * Stamps come from a counter bumped on every stamp change, never a clock,
 * so replays are exact.
 *
 * Every entry that leaves (eviction, flush, INVLPG, in-place change) is
 * marked invalid first and then handed, as a copy, to on_drop: the callback
 * may peek at the TLB and sees it gone.
 */
#include "tlb.h"

#include <stdlib.h>
#include <string.h>

#define HV_TLB_MAX_ENTRIES 65536u


/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): one 64-bit state, good
 * enough spread for victim choice, and trivially reproducible. */
static uint64_t tlb_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t tlb_stamp(hv_tlb *tlb)
{
    return ++tlb->clock;
}

static uint32_t tlb_pa(uint32_t pfn, uint32_t va)
{
    return (pfn << 12) | (va & 0xFFFu);
}

static hv_tlb_entry *tlb_set_base(const hv_tlb *tlb, uint32_t vpn)
{
    return &tlb->slots[(size_t)(vpn & tlb->set_mask) * tlb->ways];
}

static hv_tlb_entry *tlb_find(const hv_tlb *tlb, uint32_t vpn, uint16_t tag)
{
    hv_tlb_entry *set = tlb_set_base(tlb, vpn);
    for (uint32_t w = 0; w < tlb->ways; w++) {
        if (set[w].valid && set[w].vpn == vpn && set[w].tag == tag)
            return &set[w];
    }
    return NULL;
}

static uint32_t tlb_slot_index(const hv_tlb *tlb, const hv_tlb_entry *e)
{
    return (uint32_t)(e - tlb->slots);
}

/* Invalidates `e` and reports what it held to on_drop. */
static void tlb_drop(hv_tlb *tlb, hv_tlb_entry *e)
{
    hv_tlb_entry old = *e;
    e->valid = 0;
    if (tlb->on_drop)
        tlb->on_drop(tlb->drop_opaque, &old);
}

/* The way to fill in a set: an invalid way always wins (lowest first), so
 * the policy only ever chooses among valid entries of a full set. */
static uint32_t tlb_victim(hv_tlb *tlb, const hv_tlb_entry *set)
{
    for (uint32_t w = 0; w < tlb->ways; w++) {
        if (!set[w].valid)
            return w;
    }
    if (tlb->policy == HV_TLB_RANDOM) {
        /* Lemire's multiply-shift: unbiased enough for ways <= 65536. */
        uint64_t r = tlb_rng_next(&tlb->rng) >> 32;
        return (uint32_t)((r * tlb->ways) >> 32);
    }
    /* LRU and FIFO differ only in when stamps move; the victim is the
     * smallest stamp either way. Stamps are unique, so no ties. */
    uint32_t best = 0;
    for (uint32_t w = 1; w < tlb->ways; w++) {
        if (set[w].stamp < set[best].stamp)
            best = w;
    }
    return best;
}

hv_err hv_tlb_create(const hv_tlb_config *cfg, uint64_t seed,
                     hv_emitter emit, hv_tlb_drop_fn on_drop,
                     void *drop_opaque, hv_tlb **out)
{
    if (!cfg || !out)
        return HV_ERR_ARG;
    *out = NULL;
    if (cfg->entries == 0 || cfg->ways == 0 ||
        cfg->entries > HV_TLB_MAX_ENTRIES || cfg->entries % cfg->ways != 0)
        return HV_ERR_CONFIG;
    uint32_t sets = cfg->entries / cfg->ways;
    if ((sets & (sets - 1)) != 0)
        return HV_ERR_CONFIG;
    if (cfg->policy != HV_TLB_LRU && cfg->policy != HV_TLB_FIFO &&
        cfg->policy != HV_TLB_RANDOM)
        return HV_ERR_CONFIG;

    hv_tlb *tlb = calloc(1, sizeof(*tlb));
    if (!tlb)
        return HV_ERR_NOMEM;
    tlb->slots = calloc(cfg->entries, sizeof(*tlb->slots));
    if (!tlb->slots) {
        free(tlb);
        return HV_ERR_NOMEM;
    }
    tlb->sets = sets;
    tlb->ways = cfg->ways;
    tlb->set_mask = sets - 1;
    tlb->policy = cfg->policy;
    tlb->rng = seed;
    tlb->emit = emit;
    tlb->on_drop = on_drop;
    tlb->drop_opaque = drop_opaque;
    *out = tlb;
    return HV_OK;
}

void hv_tlb_destroy(hv_tlb *tlb)
{
    if (!tlb)
        return;
    free(tlb->slots);
    free(tlb);
}

hv_tlb_entry *hv_tlb_lookup(hv_tlb *tlb, uint32_t va, uint16_t tag,
                            hv_access access)
{
    hv_tlb_entry *e = tlb_find(tlb, va >> 12, tag);
    if (!e) {
        hv_emit(&tlb->emit, HV_EV_TLB_MISS, va, 0, (uint32_t)access, 0);
        return NULL;
    }
    if (tlb->policy == HV_TLB_LRU)
        e->stamp = tlb_stamp(tlb);
    hv_emit(&tlb->emit, HV_EV_TLB_HIT, va, tlb_pa(e->pfn, va),
            (uint32_t)access, 0);
    return e;
}

void hv_tlb_hit(hv_tlb *tlb, hv_tlb_entry *e, uint32_t va, hv_access access)
{
    if (tlb->policy == HV_TLB_LRU)
        e->stamp = tlb_stamp(tlb);
    hv_emit(&tlb->emit, HV_EV_TLB_HIT, va, tlb_pa(e->pfn, va),
            (uint32_t)access, 0);
}

const hv_tlb_entry *hv_tlb_peek(const hv_tlb *tlb, uint32_t va, uint16_t tag)
{
    return tlb_find(tlb, va >> 12, tag);
}

hv_tlb_entry *hv_tlb_fill(hv_tlb *tlb, uint32_t va, uint32_t pfn,
                          uint8_t flags, uint16_t tag)
{
    uint32_t vpn = va >> 12;
    hv_tlb_entry *e = tlb_find(tlb, vpn, tag);
    if (e) {
        /* Same page, same tag: a refill (e.g. after the walk set D).
         * Replace in place; only a changed translation "leaves". */
        if (e->pfn != pfn || e->flags != flags)
            tlb_drop(tlb, e);
    } else {
        hv_tlb_entry *set = tlb_set_base(tlb, vpn);
        e = &set[tlb_victim(tlb, set)];
        if (e->valid) {
            hv_emit(&tlb->emit, HV_EV_TLB_EVICT, e->vpn << 12, e->pfn << 12,
                    e->flags, tlb_slot_index(tlb, e));
            tlb_drop(tlb, e);
        }
    }
    e->vpn = vpn;
    e->pfn = pfn;
    e->tag = tag;
    e->flags = flags;
    e->valid = 1;
    e->stamp = tlb_stamp(tlb);
    hv_emit(&tlb->emit, HV_EV_TLB_FILL, va, tlb_pa(pfn, va), flags,
            tlb_slot_index(tlb, e));
    return e;
}

/* Drops valid entries of `tag` (any tag when !match_tag), keeping global
 * ones unless include_global. MOV CR3 keeps globals, CR4.PGE toggling
 * drops them (SDM Vol 3A §4.10.4.1). */
static void tlb_flush(hv_tlb *tlb, bool match_tag, uint16_t tag,
                      bool include_global)
{
    uint32_t dropped = 0;
    uint32_t n = tlb->sets * tlb->ways;
    for (uint32_t i = 0; i < n; i++) {
        hv_tlb_entry *e = &tlb->slots[i];
        if (!e->valid || (match_tag && e->tag != tag))
            continue;
        if (!include_global && (e->flags & HV_TLBF_G))
            continue;
        tlb_drop(tlb, e);
        dropped++;
    }
    hv_emit(&tlb->emit, HV_EV_TLB_FLUSH,
            include_global ? HV_FLUSH_ALL : HV_FLUSH_NONGLOBAL, dropped, 0, 0);
}

void hv_tlb_flush(hv_tlb *tlb, bool include_global)
{
    tlb_flush(tlb, false, 0, include_global);
}

void hv_tlb_flush_tag(hv_tlb *tlb, uint16_t tag, bool include_global)
{
    tlb_flush(tlb, true, tag, include_global);
}

void hv_tlb_invalidate_page(hv_tlb *tlb, uint32_t va, uint16_t tag,
                             uint32_t cause)
{
    /* INVLPG drops the page's entries, global ones included, and, for a
     * page mapped by a large page, every entry of that large page
     * (SDM Vol 3A §4.10.4.1). The pieces of a 4 MiB page sit in different
     * sets (VPN mod sets), so the whole TLB is scanned. */
    uint32_t vpn = va >> 12;
    uint32_t dropped = 0;
    uint32_t n = tlb->sets * tlb->ways;
    for (uint32_t i = 0; i < n; i++) {
        hv_tlb_entry *e = &tlb->slots[i];
        if (!e->valid || e->tag != tag)
            continue;
        bool same_page = e->vpn == vpn;
        bool same_large = (e->flags & HV_TLBF_LARGE) &&
                          (e->vpn >> 10) == (va >> 22);
        if (!same_page && !same_large)
            continue;
        tlb_drop(tlb, e);
        dropped++;
    }
    hv_emit(&tlb->emit, HV_EV_TLB_INVLPG, va, dropped, cause, 0);
}

void hv_tlb_invlpg(hv_tlb *tlb, uint32_t va, uint16_t tag)
{
    hv_tlb_invalidate_page(tlb, va, tag, HV_INVAL_INVLPG);
}

uint32_t hv_tlb_sets(const hv_tlb *tlb)
{
    return tlb->sets;
}

uint32_t hv_tlb_ways(const hv_tlb *tlb)
{
    return tlb->ways;
}

const hv_tlb_entry *hv_tlb_slot(const hv_tlb *tlb, uint32_t set,
                                uint32_t way)
{
    if (set >= tlb->sets || way >= tlb->ways)
        return NULL;
    return &tlb->slots[(size_t)set * tlb->ways + way];
}

uint32_t hv_tlb_set_of(const hv_tlb *tlb, uint32_t va)
{
    return (va >> 12) & tlb->set_mask;
}
