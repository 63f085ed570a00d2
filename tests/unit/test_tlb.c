/* Unit tests of the modelled TLB (src/engine/tlb.c).
 *
 * Every expectation is derived from the rules in tlb.h and FIDELITY.md
 * ("x86 32-bit paging"): set = VPN mod sets, LRU/FIFO/random victims,
 * global entries survive MOV CR3, INVLPG drops a page (and every piece of
 * a 4 MiB page), events carry the documented fields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "tlb.h"

/* VA of page `vpn` plus a page offset, so events show the offset kept. */
static uint32_t va_of(uint32_t vpn)
{
    return (vpn << 12) | 0x123u;
}

/* A test emitter and drop callback that record what they are given. */
#define REC_MAX 1024

typedef struct rec_event {
    hv_event_type type;
    uint32_t a, b, c, d;
} rec_event;

typedef struct recorder {
    rec_event ev[REC_MAX];
    size_t nev;
    hv_tlb_entry drop[REC_MAX];
    size_t ndrop;
    hv_tlb *tlb;
    int stale; /* on_drop calls that still found the entry in the TLB */
} recorder;

static void rec_emit(void *opaque, hv_event_type type, uint32_t a,
                     uint32_t b, uint32_t c, uint32_t d)
{
    recorder *r = opaque;
    if (r->nev < REC_MAX)
        r->ev[r->nev++] = (rec_event){type, a, b, c, d};
}

static void rec_drop(void *opaque, const hv_tlb_entry *e)
{
    recorder *r = opaque;
    if (r->ndrop < REC_MAX)
        r->drop[r->ndrop++] = *e;
    /* The entry must be gone already: the vCPU may look again. */
    if (hv_tlb_peek(r->tlb, e->vpn << 12, e->tag))
        r->stale++;
}

static void rec_clear(recorder *r)
{
    r->nev = 0;
    r->ndrop = 0;
}

static size_t rec_count(const recorder *r, hv_event_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++)
        n += r->ev[i].type == type;
    return n;
}

static const rec_event *rec_last(const recorder *r, hv_event_type type)
{
    for (size_t i = r->nev; i-- > 0;) {
        if (r->ev[i].type == type)
            return &r->ev[i];
    }
    return NULL;
}

/* Exactly one event was recorded, with these fields (d unchecked). */
static void expect_one(const recorder *r, hv_event_type type, uint32_t a,
                       uint32_t b, uint32_t c)
{
    CHECK_EQ(r->nev, 1);
    if (r->nev < 1)
        return;
    CHECK_EQ(r->ev[0].type, type);
    CHECK_EQ(r->ev[0].a, a);
    CHECK_EQ(r->ev[0].b, b);
    CHECK_EQ(r->ev[0].c, c);
}

/* on_drop got exactly these VPNs, in any order. */
static void expect_drops(const recorder *r, const uint32_t *vpns, size_t n)
{
    CHECK_EQ(r->ndrop, n);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < r->ndrop; i++)
            found |= r->drop[i].vpn == vpns[k];
        CHECK(found);
    }
}

/* Whether each of these pages of `tag` is (present) or is not cached. */
static void expect_cached(const hv_tlb *tlb, uint16_t tag, bool present,
                          const uint32_t *vpns, size_t n)
{
    for (size_t k = 0; k < n; k++)
        CHECK((hv_tlb_peek(tlb, va_of(vpns[k]), tag) != NULL) == present);
}

#define VPNS(...) (const uint32_t[]){__VA_ARGS__},                            \
                  sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)

static hv_tlb *make_tlb(uint32_t entries, uint32_t ways, hv_tlb_policy pol,
                        uint64_t seed, recorder *r)
{
    hv_tlb_config cfg = {.entries = entries, .ways = ways, .policy = pol};
    hv_emitter em = {.fn = rec_emit, .opaque = r};
    hv_tlb *tlb = NULL;
    hv_err err = hv_tlb_create(&cfg, seed, em, rec_drop, r, &tlb);
    CHECK_OK(err);
    if (!tlb) /* a valid geometry was refused: nothing else can run */
        exit(1);
    r->tlb = tlb;
    return tlb;
}

static void done(hv_tlb *tlb, recorder *r)
{
    CHECK_EQ(r->stale, 0);
    hv_tlb_destroy(tlb);
}

static void test_bad_geometry(void)
{
    static const struct {
        uint32_t entries, ways;
        hv_tlb_policy policy;
    } bad[] = {
        {0, 4, HV_TLB_LRU},        /* no entries */
        {64, 0, HV_TLB_LRU},       /* no ways */
        {10, 4, HV_TLB_LRU},       /* not a multiple of ways */
        {4, 8, HV_TLB_LRU},        /* more ways than entries */
        {12, 4, HV_TLB_LRU},       /* 3 sets: not a power of two */
        {48, 1, HV_TLB_LRU},       /* 48 sets */
        {131072, 2, HV_TLB_LRU},   /* more than 65536 entries */
        {65540, 4, HV_TLB_LRU},    /* just over, sets not pow2 either */
        {64, 4, (hv_tlb_policy)7}, /* unknown policy */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hv_tlb_config cfg = {bad[i].entries, bad[i].ways, bad[i].policy};
        hv_tlb *tlb = NULL;
        CHECK_EQ(hv_tlb_create(&cfg, 1, (hv_emitter){0}, NULL, NULL, &tlb),
                 HV_ERR_CONFIG);
        CHECK(tlb == NULL);
    }
    hv_tlb *tlb = NULL;
    CHECK_EQ(hv_tlb_create(NULL, 1, (hv_emitter){0}, NULL, NULL, &tlb),
             HV_ERR_ARG);
}

static void test_good_geometry(void)
{
    static const struct {
        uint32_t entries, ways, sets;
    } good[] = {{64, 4, 16}, {1, 1, 1}, {8, 8, 1}, {65536, 1, 65536},
                {65536, 4, 16384}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        hv_tlb_config cfg = {good[i].entries, good[i].ways, HV_TLB_LRU};
        hv_tlb *tlb = NULL;
        CHECK_OK(hv_tlb_create(&cfg, 1, (hv_emitter){0}, NULL, NULL, &tlb));
        if (!tlb)
            continue;
        CHECK_EQ(hv_tlb_sets(tlb), good[i].sets);
        CHECK_EQ(hv_tlb_ways(tlb), good[i].ways);
        CHECK(hv_tlb_slot(tlb, good[i].sets - 1, good[i].ways - 1) != NULL);
        CHECK(hv_tlb_slot(tlb, good[i].sets, 0) == NULL);
        CHECK(hv_tlb_slot(tlb, 0, good[i].ways) == NULL);
        CHECK(!hv_tlb_slot(tlb, 0, 0)->valid);
        hv_tlb_destroy(tlb);
    }
    hv_tlb_destroy(NULL);
}

static void test_set_mapping(void)
{
    recorder r = {0};
    hv_tlb *tlb = make_tlb(64, 4, HV_TLB_LRU, 1, &r); /* 16 sets */
    for (uint32_t vpn = 0; vpn < 40; vpn++)
        CHECK_EQ(hv_tlb_set_of(tlb, va_of(vpn)), vpn % 16);
    CHECK_EQ(hv_tlb_set_of(tlb, 0xFFFFF000u), 0xFFFFFu % 16);

    /* Each fill lands in set VPN mod 16: slot / ways == set. */
    uint32_t vpns[] = {0x3, 0x13, 0x7F, 0xABCDE, 0xFFFFF};
    for (size_t i = 0; i < sizeof(vpns) / sizeof(vpns[0]); i++) {
        rec_clear(&r);
        hv_tlb_fill(tlb, va_of(vpns[i]), 0x100 + (uint32_t)i, HV_TLBF_W, 0);
        const rec_event *f = rec_last(&r, HV_EV_TLB_FILL);
        CHECK(f != NULL);
        if (f)
            CHECK_EQ(f->d / 4, vpns[i] % 16);
    }

    /* Five VPNs 16 apart share set 5: the fifth evicts; VPNs of another
     * set never do. */
    hv_tlb_flush(tlb, true);
    rec_clear(&r);
    for (uint32_t k = 0; k < 5; k++)
        hv_tlb_fill(tlb, va_of(5 + 16 * k), 0x200 + k, 0, 0);
    CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 1);
    rec_clear(&r);
    for (uint32_t vpn = 6; vpn < 6 + 15; vpn++)
        hv_tlb_fill(tlb, va_of(vpn), 0x300, 0, 0);
    CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 0);
    done(tlb, &r);
}

/* Fills vpns 0, 4, 8, 12 (all set 0 of a 4-set, 4-way TLB). */
static hv_tlb *fill_set0(hv_tlb_policy pol, recorder *r)
{
    hv_tlb *tlb = make_tlb(16, 4, pol, 7, r);
    for (uint32_t k = 0; k < 4; k++)
        hv_tlb_fill(tlb, va_of(4 * k), 0x1000 + k, HV_TLBF_W, 0);
    CHECK_EQ(rec_count(r, HV_EV_TLB_EVICT), 0);
    return tlb;
}

/* Fills a new page of set 0 and checks that exactly `victim_vpn` left,
 * with a TLB_EVICT naming it and one on_drop. */
static void expect_evict(hv_tlb *tlb, recorder *r, uint32_t new_vpn,
                         uint32_t victim_vpn)
{
    rec_clear(r);
    const hv_tlb_entry *before = hv_tlb_peek(tlb, victim_vpn << 12, 0);
    CHECK(before != NULL);
    uint32_t victim_pfn = before ? before->pfn : 0;
    uint32_t victim_flags = before ? before->flags : 0;
    uint32_t victim_slot = before ? (uint32_t)(before - hv_tlb_slot(tlb, 0, 0))
                                  : 0;
    hv_tlb_fill(tlb, va_of(new_vpn), 0x2000 + new_vpn, 0, 0);
    CHECK_EQ(rec_count(r, HV_EV_TLB_EVICT), 1);
    const rec_event *ev = rec_last(r, HV_EV_TLB_EVICT);
    if (ev) {
        CHECK_EQ(ev->a, victim_vpn << 12);
        CHECK_EQ(ev->b, victim_pfn << 12);
        CHECK_EQ(ev->c, victim_flags);
        CHECK_EQ(ev->d, victim_slot);
    }
    /* The new entry took the victim's slot. */
    const rec_event *fill = rec_last(r, HV_EV_TLB_FILL);
    if (fill)
        CHECK_EQ(fill->d, victim_slot);
    expect_drops(r, VPNS(victim_vpn));
    expect_cached(tlb, 0, false, VPNS(victim_vpn));
    expect_cached(tlb, 0, true, VPNS(new_vpn));
}

static void test_lru_order(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_set0(HV_TLB_LRU, &r);
    /* Use order after this: 4, 12, 0, 8 (oldest first). */
    CHECK(hv_tlb_lookup(tlb, va_of(0), 0, HV_ACC_READ) != NULL);
    CHECK(hv_tlb_lookup(tlb, va_of(8), 0, HV_ACC_WRITE) != NULL);
    expect_evict(tlb, &r, 16, 4);  /* 4 was least recently used */
    expect_evict(tlb, &r, 20, 12); /* then 12 */
    expect_evict(tlb, &r, 24, 0);  /* touched before 8 */
    expect_evict(tlb, &r, 28, 8);
    expect_evict(tlb, &r, 32, 16); /* oldest of the new fills */
    done(tlb, &r);
}

static void test_fifo_order(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_set0(HV_TLB_FIFO, &r);
    /* Touching does not matter: the first filled goes first. */
    CHECK(hv_tlb_lookup(tlb, va_of(0), 0, HV_ACC_READ) != NULL);
    CHECK(hv_tlb_lookup(tlb, va_of(4), 0, HV_ACC_READ) != NULL);
    CHECK(hv_tlb_lookup(tlb, va_of(0), 0, HV_ACC_READ) != NULL);
    expect_evict(tlb, &r, 16, 0);
    expect_evict(tlb, &r, 20, 4);
    expect_evict(tlb, &r, 24, 8);
    expect_evict(tlb, &r, 28, 12);
    done(tlb, &r);
}

static void test_peek_is_silent(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_set0(HV_TLB_LRU, &r);
    rec_clear(&r);
    /* Peeking at the LRU entry neither emits nor saves it from eviction. */
    CHECK(hv_tlb_peek(tlb, va_of(0), 0) != NULL);
    CHECK(hv_tlb_peek(tlb, va_of(1), 0) == NULL);
    CHECK_EQ(r.nev, 0);
    expect_evict(tlb, &r, 16, 0);
    done(tlb, &r);
}

static void test_hit_miss_events(void)
{
    recorder r = {0};
    hv_tlb *tlb = make_tlb(64, 4, HV_TLB_LRU, 1, &r);
    uint32_t va = 0x00801ABCu;
    CHECK(hv_tlb_lookup(tlb, va, 3, HV_ACC_FETCH) == NULL);
    expect_one(&r, HV_EV_TLB_MISS, va, 0, HV_ACC_FETCH);

    rec_clear(&r);
    uint8_t flags = HV_TLBF_W | HV_TLBF_U | HV_TLBF_D;
    hv_tlb_entry *e = hv_tlb_fill(tlb, va, 0x4321, flags, 3);
    CHECK(e != NULL);
    expect_one(&r, HV_EV_TLB_FILL, va, 0x04321ABCu, flags);
    /* VPN 0x801 is in set 1 of 16; first invalid way is way 0. */
    CHECK_EQ(r.ev[0].d, 1 * 4 + 0);
    if (e) {
        CHECK_EQ(e->vpn, 0x801);
        CHECK_EQ(e->pfn, 0x4321);
        CHECK_EQ(e->tag, 3);
        CHECK_EQ(e->flags, flags);
        CHECK(e->valid);
    }

    rec_clear(&r);
    CHECK(hv_tlb_lookup(tlb, 0x00801004u, 3, HV_ACC_WRITE) == e);
    expect_one(&r, HV_EV_TLB_HIT, 0x00801004u, 0x04321004u, HV_ACC_WRITE);

    /* Another tag does not hit. */
    rec_clear(&r);
    CHECK(hv_tlb_lookup(tlb, va, 0, HV_ACC_READ) == NULL);
    expect_one(&r, HV_EV_TLB_MISS, va, 0, HV_ACC_READ);
    CHECK_EQ(r.ndrop, 0);
    done(tlb, &r);
}

static void test_refill_in_place(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_set0(HV_TLB_LRU, &r);
    const hv_tlb_entry *old = hv_tlb_peek(tlb, va_of(8), 0);
    rec_clear(&r);
    hv_tlb_entry *e = hv_tlb_fill(tlb, va_of(8), 0x7777,
                                  HV_TLBF_W | HV_TLBF_D, 0);
    CHECK(e == old); /* same slot */
    CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 0);
    CHECK_EQ(rec_count(&r, HV_EV_TLB_FILL), 1);
    /* The old translation left: reported so Unicorn's mapping goes. */
    CHECK_EQ(r.ndrop, 1);
    CHECK(r.ndrop == 1 && r.drop[0].pfn == 0x1002);
    if (e)
        CHECK_EQ(e->pfn, 0x7777);
    /* The set still holds all four pages. */
    for (uint32_t k = 0; k < 4; k++)
        CHECK(hv_tlb_peek(tlb, va_of(4 * k), 0) != NULL);

    /* An identical refill changes nothing that Unicorn mapped. */
    rec_clear(&r);
    hv_tlb_fill(tlb, va_of(8), 0x7777, HV_TLBF_W | HV_TLBF_D, 0);
    CHECK_EQ(r.ndrop, 0);

    /* The same page under another tag is another entry: evicts. */
    rec_clear(&r);
    hv_tlb_fill(tlb, va_of(8), 0x8888, 0, 1);
    CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 1);
    CHECK(hv_tlb_peek(tlb, va_of(8), 0) != NULL);
    CHECK(hv_tlb_peek(tlb, va_of(8), 1) != NULL);
    done(tlb, &r);
}

/* Victim slots of `n` fills of fresh pages into the only set. */
static void random_victims(uint64_t seed, uint32_t *out, size_t n)
{
    recorder r = {0};
    hv_tlb *tlb = make_tlb(4, 4, HV_TLB_RANDOM, seed, &r);
    for (uint32_t k = 0; k < 4; k++)
        hv_tlb_fill(tlb, va_of(k), k, 0, 0);
    CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 0);
    for (size_t i = 0; i < n; i++) {
        rec_clear(&r);
        hv_tlb_fill(tlb, va_of(100 + (uint32_t)i), 0, 0, 0);
        const rec_event *ev = rec_last(&r, HV_EV_TLB_EVICT);
        CHECK(ev != NULL);
        out[i] = ev ? ev->d : UINT32_MAX;
    }
    done(tlb, &r);
}

static void test_random_deterministic(void)
{
    enum { N = 256 };
    uint32_t a[N], b[N], c[N];
    random_victims(42, a, N);
    random_victims(42, b, N);
    random_victims(43, c, N);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(memcmp(a, c, sizeof(a)) != 0);
    /* Every way gets picked: the policy is not stuck on one way. */
    uint32_t seen[4] = {0};
    for (size_t i = 0; i < N; i++) {
        CHECK(a[i] < 4);
        if (a[i] < 4)
            seen[a[i]]++;
    }
    for (int w = 0; w < 4; w++)
        CHECK(seen[w] > 0);
}

static void test_random_invalid_first(void)
{
    recorder r = {0};
    hv_tlb *tlb = make_tlb(4, 4, HV_TLB_RANDOM, 9, &r);
    for (uint32_t k = 0; k < 4; k++)
        hv_tlb_fill(tlb, va_of(k), k, 0, 0);
    for (int round = 0; round < 20; round++) {
        /* Make way 2 invalid: the next fill must use it, evicting none. */
        uint32_t vpn = hv_tlb_slot(tlb, 0, 2)->vpn;
        hv_tlb_invlpg(tlb, vpn << 12, 0);
        rec_clear(&r);
        hv_tlb_fill(tlb, va_of(1000 + (uint32_t)round), 0, 0, 0);
        CHECK_EQ(rec_count(&r, HV_EV_TLB_EVICT), 0);
        CHECK_EQ(r.ndrop, 0);
        const rec_event *f = rec_last(&r, HV_EV_TLB_FILL);
        CHECK(f && f->d == 2);
    }
    done(tlb, &r);
}

/* Loads: 0x10 G, 0x11, 0x12 G, 0x13 (tag 0) and 0x14 (tag 1). */
static hv_tlb *fill_mixed(recorder *r)
{
    hv_tlb *tlb = make_tlb(64, 4, HV_TLB_LRU, 1, r);
    hv_tlb_fill(tlb, va_of(0x10), 0x10, HV_TLBF_G, 0);
    hv_tlb_fill(tlb, va_of(0x11), 0x11, HV_TLBF_W, 0);
    hv_tlb_fill(tlb, va_of(0x12), 0x12, HV_TLBF_G | HV_TLBF_W, 0);
    hv_tlb_fill(tlb, va_of(0x13), 0x13, 0, 0);
    hv_tlb_fill(tlb, va_of(0x14), 0x14, 0, 1);
    rec_clear(r);
    return tlb;
}

static void test_flush_nonglobal(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_mixed(&r);
    hv_tlb_flush(tlb, false);
    expect_cached(tlb, 0, true, VPNS(0x10, 0x12));
    expect_cached(tlb, 0, false, VPNS(0x11, 0x13));
    expect_cached(tlb, 1, false, VPNS(0x14));
    expect_one(&r, HV_EV_TLB_FLUSH, HV_FLUSH_NONGLOBAL, 3, 0);
    expect_drops(&r, VPNS(0x11, 0x13, 0x14));
    done(tlb, &r);
}

static void test_flush_all(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_mixed(&r);
    hv_tlb_flush(tlb, true);
    expect_cached(tlb, 0, false, VPNS(0x10, 0x11, 0x12, 0x13));
    expect_cached(tlb, 1, false, VPNS(0x14));
    expect_one(&r, HV_EV_TLB_FLUSH, HV_FLUSH_ALL, 5, 0);
    expect_drops(&r, VPNS(0x10, 0x11, 0x12, 0x13, 0x14));
    /* An empty TLB flushes to nothing, still one event. */
    rec_clear(&r);
    hv_tlb_flush(tlb, true);
    expect_one(&r, HV_EV_TLB_FLUSH, HV_FLUSH_ALL, 0, 0);
    CHECK_EQ(r.ndrop, 0);
    done(tlb, &r);
}

static void test_flush_tag(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_mixed(&r);
    hv_tlb_flush_tag(tlb, 1, false); /* only tag 1's 0x14 goes */
    expect_drops(&r, VPNS(0x14));
    expect_one(&r, HV_EV_TLB_FLUSH, HV_FLUSH_NONGLOBAL, 1, 0);
    rec_clear(&r);
    hv_tlb_flush_tag(tlb, 0, false);
    expect_drops(&r, VPNS(0x11, 0x13));
    rec_clear(&r);
    hv_tlb_flush_tag(tlb, 0, true); /* the globals are left */
    expect_drops(&r, VPNS(0x10, 0x12));
    expect_one(&r, HV_EV_TLB_FLUSH, HV_FLUSH_ALL, 2, 0);
    done(tlb, &r);
}

static void test_invlpg_global(void)
{
    recorder r = {0};
    hv_tlb *tlb = fill_mixed(&r);
    uint32_t va = (0x10u << 12) | 0x800;
    hv_tlb_invlpg(tlb, va, 0);
    expect_cached(tlb, 0, false, VPNS(0x10));
    expect_cached(tlb, 0, true, VPNS(0x11, 0x12, 0x13));
    expect_cached(tlb, 1, true, VPNS(0x14));
    expect_one(&r, HV_EV_TLB_INVLPG, va, 1, 0);
    expect_drops(&r, VPNS(0x10));

    /* INVLPG is for the current tag: tag 0 does not drop tag 1's page. */
    rec_clear(&r);
    hv_tlb_invlpg(tlb, va_of(0x14), 0);
    CHECK(hv_tlb_peek(tlb, va_of(0x14), 1) != NULL);
    expect_one(&r, HV_EV_TLB_INVLPG, va_of(0x14), 0, 0);
    CHECK_EQ(r.ndrop, 0);
    done(tlb, &r);
}

static void test_invlpg_large(void)
{
    recorder r = {0};
    hv_tlb *tlb = make_tlb(64, 4, HV_TLB_LRU, 1, &r);
    /* Three pieces of the 4 MiB page at 0x00400000 (VPNs 0x400-0x7FF), in
     * different sets; a 4 KiB page inside that range (stale from before a
     * PDE change); pieces of the next 4 MiB page; another tag's piece. */
    uint8_t lg = HV_TLBF_LARGE | HV_TLBF_W;
    hv_tlb_fill(tlb, va_of(0x400), 0x1000, lg, 0);
    hv_tlb_fill(tlb, va_of(0x455), 0x1055, lg | HV_TLBF_G, 0);
    hv_tlb_fill(tlb, va_of(0x7FF), 0x13FF, lg, 0);
    hv_tlb_fill(tlb, va_of(0x402), 0x9999, 0, 0);
    hv_tlb_fill(tlb, va_of(0x800), 0x2000, lg, 0);
    hv_tlb_fill(tlb, va_of(0x3FF), 0x0FFF, lg, 0);
    hv_tlb_fill(tlb, va_of(0x401), 0x1001, lg, 1);
    rec_clear(&r);

    uint32_t va = 0x00455123u;
    hv_tlb_invlpg(tlb, va, 0);
    expect_cached(tlb, 0, false, VPNS(0x400, 0x455, 0x7FF));
    expect_cached(tlb, 0, true, VPNS(0x402, 0x800, 0x3FF));
    expect_cached(tlb, 1, true, VPNS(0x401));
    expect_one(&r, HV_EV_TLB_INVLPG, va, 3, 0);
    expect_drops(&r, VPNS(0x400, 0x455, 0x7FF));

    /* INVLPG of the 4 KiB page drops it and, being in the large page's
     * range, no piece remains to drop. */
    rec_clear(&r);
    hv_tlb_invlpg(tlb, va_of(0x402), 0);
    CHECK(hv_tlb_peek(tlb, va_of(0x402), 0) == NULL);
    expect_one(&r, HV_EV_TLB_INVLPG, va_of(0x402), 1, 0);
    done(tlb, &r);
}

static const check_test tests[] = {
    {"bad_geometry", test_bad_geometry},
    {"good_geometry", test_good_geometry},
    {"set_mapping", test_set_mapping},
    {"lru_order", test_lru_order},
    {"fifo_order", test_fifo_order},
    {"peek_is_silent", test_peek_is_silent},
    {"hit_miss_events", test_hit_miss_events},
    {"refill_in_place", test_refill_in_place},
    {"random_deterministic", test_random_deterministic},
    {"random_invalid_first", test_random_invalid_first},
    {"flush_nonglobal", test_flush_nonglobal},
    {"flush_all", test_flush_all},
    {"flush_tag", test_flush_tag},
    {"invlpg_global", test_invlpg_global},
    {"invlpg_large", test_invlpg_large},
    {NULL, NULL},
};

CHECK_MAIN(tests)
