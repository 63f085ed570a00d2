/* Engine behaviour tests of the TLB as a whole machine shows it: the
 * replacement order a guest can provoke (LRU, FIFO, seeded random), set
 * selection (VPN mod sets, slot = set * ways + way), global pages across
 * MOV CR3, INVLPG and CR4.PGE (SDM Vol 3A §4.10.2.4, §4.10.4.1;
 * FIDELITY.md "x86 32-bit paging"). Guests: tests/unit/guests/
 * g_tlb_order.asm, g_tlb_global.asm (and the others for the replay).
 *
 * The replay below is an independent model of a set-associative TLB fed
 * with the event stream: every hit must name a resident page, every miss a
 * page that is not, every eviction a resident entry of a full set chosen
 * by the policy's definition, every flush and INVLPG must drop exactly the
 * entries it says.
 */
#include "guest_harness.h"
#include "tlb.h"

#define PAGE_P(k) (0x00200000u + (uint32_t)(k) * 0x4000u)

typedef struct mslot {
    bool valid;
    uint32_t vpn, pfn, flags;
    uint64_t stamp;
} mslot;

static void replay_error(size_t *errors, const guest_run *r, size_t i,
                         const char *what)
{
    if (*errors < 5) {
        char buf[200];
        hv_event_format_text(&r->log.ev[i], buf, sizeof buf);
        fprintf(stderr, "  replay: %s at %s\n", what, buf);
    }
    (*errors)++;
}

/* Replays the TLB events of a run on the model; returns the number of
 * events that contradict it. */
static size_t tlb_replay(const guest_run *r, const hv_tlb_config *g)
{
    uint32_t sets = g->entries / g->ways, ways = g->ways;
    mslot *s = calloc(g->entries, sizeof *s);
    size_t errors = 0;
    uint64_t clock = 0;
    long evicted_slot = -1; /* an eviction waits for its fill */
    if (!s)
        return 1;
    for (size_t i = 0; i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        uint32_t vpn = e->a >> 12, set = vpn % sets;
        mslot *base = &s[set * ways], *hit = NULL;
        if (e->type == HV_EV_TLB_HIT || e->type == HV_EV_TLB_MISS ||
            e->type == HV_EV_TLB_FILL)
            for (uint32_t w = 0; w < ways; w++)
                if (base[w].valid && base[w].vpn == vpn)
                    hit = &base[w];
        if (evicted_slot >= 0 && e->type != HV_EV_TLB_FILL) {
            replay_error(&errors, r, i, "eviction without a fill");
            evicted_slot = -1;
        }
        switch (e->type) {
        case HV_EV_TLB_HIT:
            if (!hit || hit->pfn != e->b >> 12)
                replay_error(&errors, r, i, "hit on a page not resident");
            else if (g->policy == HV_TLB_LRU)
                hit->stamp = ++clock;
            break;
        case HV_EV_TLB_MISS:
            if (hit)
                replay_error(&errors, r, i, "miss on a resident page");
            break;
        case HV_EV_TLB_EVICT: {
            uint32_t slot = e->d;
            if (slot >= g->entries || slot / ways != set ||
                !s[slot].valid || s[slot].vpn != vpn ||
                s[slot].pfn != e->b >> 12) {
                replay_error(&errors, r, i, "evicts what is not there");
                break;
            }
            uint64_t oldest = UINT64_MAX;
            for (uint32_t w = 0; w < ways; w++) {
                if (!base[w].valid)
                    replay_error(&errors, r, i, "evicts from a set not full");
                else if (base[w].stamp < oldest)
                    oldest = base[w].stamp;
            }
            if (g->policy != HV_TLB_RANDOM && s[slot].stamp != oldest)
                replay_error(&errors, r, i, "victim is not the policy's");
            s[slot].valid = false;
            evicted_slot = slot;
            break;
        }
        case HV_EV_TLB_FILL: {
            uint32_t slot = e->d;
            if (slot >= g->entries || slot / ways != set) {
                replay_error(&errors, r, i, "fill outside VPN mod sets");
                evicted_slot = -1;
                break;
            }
            if (hit && hit != &s[slot])
                replay_error(&errors, r, i, "page filled twice");
            if (!hit) {
                /* A free slot: the one just evicted, or the lowest
                 * invalid way of the set (tlb.h). */
                uint32_t w = 0;
                while (w < ways && base[w].valid)
                    w++;
                if (evicted_slot >= 0 ? (long)slot != evicted_slot
                                      : set * ways + w != slot)
                    replay_error(&errors, r, i, "fill into the wrong way");
            }
            s[slot] = (mslot){true, vpn, e->b >> 12, e->c, ++clock};
            evicted_slot = -1;
            break;
        }
        case HV_EV_TLB_FLUSH: {
            uint32_t n = 0;
            for (uint32_t k = 0; k < g->entries; k++)
                if (s[k].valid &&
                    (e->a == HV_FLUSH_ALL || !(s[k].flags & HV_TLBF_G))) {
                    s[k].valid = false;
                    n++;
                }
            if (n != e->b)
                replay_error(&errors, r, i, "flush count");
            break;
        }
        case HV_EV_TLB_INVLPG: {
            uint32_t n = 0;
            for (uint32_t k = 0; k < g->entries; k++)
                if (s[k].valid && (s[k].vpn == vpn ||
                                   ((s[k].flags & HV_TLBF_LARGE) &&
                                    s[k].vpn >> 10 == e->a >> 22))) {
                    s[k].valid = false;
                    n++;
                }
            if (n != e->b)
                replay_error(&errors, r, i, "invlpg count");
            break;
        }
        default: break;
        }
    }
    free(s);
    return errors;
}

static hv_config tlb_cfg(uint32_t entries, uint32_t ways, hv_tlb_policy pol)
{
    hv_config c;
    hv_config_default(&c);
    c.tlb.entries = entries;
    c.tlb.ways = ways;
    c.tlb.policy = pol;
    return c;
}

typedef struct tlbev {
    uint32_t page, slot;
} tlbev;

/* The TLB events of `type` on P0..P5 in window [m(a), m(b)). */
static size_t window_events(const guest_run *r, uint32_t a, uint32_t b,
                            int type, tlbev *out, size_t max)
{
    size_t from = ev_mark(r, a), to = ev_mark(r, b), n = 0;
    for (size_t i = from; i < to; i++) {
        const hv_event *e = &r->log.ev[i];
        uint32_t page = e->a & ~0xFFFu;
        if (e->type != type || page < PAGE_P(0) || page > PAGE_P(5))
            continue;
        if (n < max)
            out[n] = (tlbev){page, e->d};
        n++;
    }
    return n;
}

static void expect_events(const tlbev *got, size_t n, const tlbev *want,
                          size_t nwant, bool check_slot)
{
    CHECK_EQ(n, nwant);
    for (size_t i = 0; i < n && i < nwant; i++) {
        CHECK_EQ(got[i].page, want[i].page);
        if (check_slot)
            CHECK_EQ(got[i].slot, want[i].slot);
    }
}

/* --- replacement order --------------------------------------------------- */

/* P0 P1 P2 P3 P0 P1 P4 P5 P0 on a 4-way set (16 entries, 4 sets). LRU:
 * the least recently used are P2 (at P4), then P3 (at P5); P0 hits. */
static void test_lru_order(void)
{
    hv_config c = tlb_cfg(16, 4, HV_TLB_LRU);
    guest_run r;
    if (!run_guest(&r, "g_tlb_order", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    tlbev got[16];
    const tlbev ev[] = {{PAGE_P(2), 2}, {PAGE_P(3), 3}};
    size_t n = window_events(&r, 1, 2, HV_EV_TLB_EVICT, got, 16);
    expect_events(got, n, ev, 2, true);
    const tlbev fill[] = {{PAGE_P(0), 0}, {PAGE_P(1), 1}, {PAGE_P(2), 2},
                          {PAGE_P(3), 3}, {PAGE_P(4), 2}, {PAGE_P(5), 3}};
    n = window_events(&r, 1, 2, HV_EV_TLB_FILL, got, 16);
    expect_events(got, n, fill, 6, true);
    const tlbev hits[] = {{PAGE_P(0), 0}, {PAGE_P(1), 0}, {PAGE_P(0), 0}};
    n = window_events(&r, 1, 2, HV_EV_TLB_HIT, got, 16);
    expect_events(got, n, hits, 3, false);
    CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
out:
    run_free(&r);
}

/* The same accesses under FIFO: the oldest fills go first (P0, P1), the
 * hits do not count, and P0 comes back by evicting P2. */
static void test_fifo_order(void)
{
    hv_config c = tlb_cfg(16, 4, HV_TLB_FIFO);
    guest_run r;
    if (!run_guest(&r, "g_tlb_order", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    tlbev got[16];
    const tlbev ev[] = {{PAGE_P(0), 0}, {PAGE_P(1), 1}, {PAGE_P(2), 2}};
    size_t n = window_events(&r, 1, 2, HV_EV_TLB_EVICT, got, 16);
    expect_events(got, n, ev, 3, true);
    const tlbev fill[] = {{PAGE_P(0), 0}, {PAGE_P(1), 1}, {PAGE_P(2), 2},
                          {PAGE_P(3), 3}, {PAGE_P(4), 0}, {PAGE_P(5), 1},
                          {PAGE_P(0), 2}};
    n = window_events(&r, 1, 2, HV_EV_TLB_FILL, got, 16);
    expect_events(got, n, fill, 7, true);
    CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
out:
    run_free(&r);
}

/* Direct-mapped (4 entries, 1 way): every page of set 0 throws out the
 * one before it, whatever the policy. */
static void test_direct_mapped(void)
{
    hv_config c = tlb_cfg(4, 1, HV_TLB_LRU);
    guest_run r;
    if (!run_guest(&r, "g_tlb_order", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    tlbev got[16];
    const tlbev ev[] = {{PAGE_P(0), 0}, {PAGE_P(1), 0}, {PAGE_P(2), 0},
                        {PAGE_P(3), 0}, {PAGE_P(0), 0}, {PAGE_P(1), 0},
                        {PAGE_P(4), 0}, {PAGE_P(5), 0}};
    size_t n = window_events(&r, 1, 2, HV_EV_TLB_EVICT, got, 16);
    expect_events(got, n, ev, 8, true);
    n = window_events(&r, 1, 2, HV_EV_TLB_MISS, got, 16);
    CHECK_EQ(n, 9);
    CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
out:
    run_free(&r);
}

/* --- set selection: VPN n in set n mod sets ------------------------------ */

static void test_set_index(void)
{
    static const uint32_t geo[][2] = {{16, 4}, {8, 2}, {4, 1}, {64, 4},
                                      {32, 8}, {8, 8}, {128, 2}};
    for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        hv_config c = tlb_cfg(geo[g][0], geo[g][1], HV_TLB_LRU);
        uint32_t sets = geo[g][0] / geo[g][1];
        guest_run r;
        if (!run_guest(&r, "g_tlb_order", &c)) {
            run_free(&r);
            continue;
        }
        CHECK(ended_with(&r, 0));
        size_t nfill = 0;
        for (size_t i = 0; i < r.log.n; i++) {
            const hv_event *e = &r.log.ev[i];
            if (e->type != HV_EV_TLB_FILL && e->type != HV_EV_TLB_EVICT)
                continue;
            CHECK(e->d < geo[g][0]);
            CHECK_EQ(e->d / geo[g][1], (e->a >> 12) % sets);
            nfill += e->type == HV_EV_TLB_FILL;
        }
        /* The sweep fills VPN 0x220..0x22f, one after the other. */
        size_t m2 = ev_mark(&r, 2), m3 = ev_mark(&r, 3);
        for (uint32_t vpn = 0x220; vpn < 0x230; vpn++) {
            size_t f = ev_find_page(&r, m2, m3, HV_EV_TLB_FILL, vpn << 12);
            CHECK(f < m3);
            if (f < m3)
                CHECK_EQ(r.log.ev[f].d / geo[g][1], vpn % sets);
        }
        CHECK(nfill >= 16);
        CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
        run_free(&r);
    }
}

/* --- random replacement: seeded, so reproducible ------------------------- */

/* The evictions of the run (page and slot), as one sequence. */
static size_t evictions(const guest_run *r, tlbev *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->log.n; i++)
        if (r->log.ev[i].type == HV_EV_TLB_EVICT) {
            if (n < max)
                out[n] = (tlbev){r->log.ev[i].a, r->log.ev[i].d};
            n++;
        }
    return n;
}

static bool same_evictions(const tlbev *a, size_t na, const tlbev *b,
                           size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].page != b[i].page || a[i].slot != b[i].slot)
            return false;
    return true;
}

#define EVMAX 1024

static void test_random_policy_seeded(void)
{
    static tlbev base[EVMAX], again[EVMAX], other[EVMAX];
    hv_config c = tlb_cfg(16, 4, HV_TLB_RANDOM);
    c.seed = 1;
    guest_run r;
    size_t nbase = 0, n;
    if (run_guest(&r, "g_tlb_order", &c)) {
        CHECK(ended_with(&r, 0));
        nbase = evictions(&r, base, EVMAX);
        CHECK(nbase > 100 && nbase <= EVMAX);
        CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
    }
    run_free(&r);
    if (run_guest(&r, "g_tlb_order", &c)) {
        n = evictions(&r, again, EVMAX);
        CHECK(same_evictions(base, nbase, again, n));
    }
    run_free(&r);
    int differ = 0;
    for (uint64_t seed = 2; seed < 10; seed++) {
        c.seed = seed;
        if (run_guest(&r, "g_tlb_order", &c)) {
            n = evictions(&r, other, EVMAX);
            differ += !same_evictions(base, nbase, other, n);
            CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
        }
        run_free(&r);
    }
    CHECK(differ > 0);
    /* LRU on the same thrashing loop: its victims are fixed by the
     * accesses, so the seed changes nothing. */
    c = tlb_cfg(16, 4, HV_TLB_LRU);
    c.seed = 1;
    if (run_guest(&r, "g_tlb_order", &c))
        nbase = evictions(&r, base, EVMAX);
    run_free(&r);
    c.seed = 7;
    if (run_guest(&r, "g_tlb_order", &c)) {
        n = evictions(&r, other, EVMAX);
        CHECK(same_evictions(base, nbase, other, n));
    }
    run_free(&r);
}

/* --- global pages, MOV CR3, INVLPG, CR4.PGE ------------------------------ */

#define VA_G 0x00300000u
#define VA_N 0x00301000u

static void test_global_pages(void)
{
    hv_config c;
    hv_config_default(&c);
    guest_run r;
    if (!run_guest(&r, "g_tlb_global", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    size_t m[9];
    for (uint32_t k = 1; k <= 8; k++)
        m[k] = ev_mark(&r, k);

    /* 1-2: both miss; VA_G is filled global (PTE.G with CR4.PGE). */
    size_t fg = ev_find_page(&r, m[1], m[2], HV_EV_TLB_FILL, VA_G);
    size_t fn = ev_find_page(&r, m[1], m[2], HV_EV_TLB_FILL, VA_N);
    CHECK(fg < m[2] && fn < m[2]);
    if (fg < m[2] && fn < m[2]) {
        CHECK(r.log.ev[fg].c & HV_TLBF_G);
        CHECK(!(r.log.ev[fn].c & HV_TLBF_G));
    }
    /* 2-3: MOV CR3 := PD_B flushes the non-global entries only. */
    size_t cw = ev_find(&r, m[2], m[3], HV_EV_CR_WRITE, false, 3);
    CHECK(cw < m[3]);
    if (cw < m[3]) {
        CHECK_EQ(r.log.ev[cw].b, 0x10000);
        CHECK_EQ(r.log.ev[cw].c, 0x11000);
    }
    size_t fl = ev_find(&r, m[2], m[3], HV_EV_TLB_FLUSH, true, 0);
    CHECK(fl < m[3]);
    if (fl < m[3])
        CHECK_EQ(r.log.ev[fl].a, HV_FLUSH_NONGLOBAL);
    /* 3-4: VA_G hits, still on A's frame; VA_N misses. */
    CHECK_EQ(ev_count_page(&r, m[3], m[4], HV_EV_TLB_MISS, VA_G), 0);
    size_t h = ev_find_page(&r, m[3], m[4], HV_EV_TLB_HIT, VA_G);
    CHECK(h < m[4]);
    if (h < m[4])
        CHECK_EQ(r.log.ev[h].b, 0x300000);
    CHECK_EQ(ev_count_page(&r, m[3], m[4], HV_EV_TLB_MISS, VA_N), 1);
    CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0x11111111);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0x11111111);
    /* 4-5: INVLPG drops the global entry. 5-6: it misses, B's frame. */
    size_t inv = ev_find(&r, m[4], m[5], HV_EV_TLB_INVLPG, false, VA_G);
    CHECK(inv < m[5]);
    if (inv < m[5]) {
        CHECK_EQ(r.log.ev[inv].b, 1);
        CHECK_EQ(r.log.ev[inv].c, HV_INVAL_INVLPG);
    }
    CHECK_EQ(ev_count_page(&r, m[5], m[6], HV_EV_TLB_MISS, VA_G), 1);
    fg = ev_find_page(&r, m[5], m[6], HV_EV_TLB_FILL, VA_G);
    CHECK(fg < m[6]);
    if (fg < m[6])
        CHECK_EQ(r.log.ev[fg].b, 0x302000);
    CHECK_EQ(gpa32(&r, GUEST_RES + 8), 0x22222222);
    /* 6-7: each toggle of CR4.PGE flushes everything. */
    CHECK_EQ(ev_count(&r, m[6], m[7], HV_EV_TLB_FLUSH), 2);
    for (size_t i = m[6]; i < m[7]; i++)
        if (r.log.ev[i].type == HV_EV_TLB_FLUSH)
            CHECK_EQ(r.log.ev[i].a, HV_FLUSH_ALL);
    size_t f1 = ev_find(&r, m[6], m[7], HV_EV_TLB_FLUSH, true, 0);
    if (f1 < m[7])
        CHECK(r.log.ev[f1].b >= 1); /* VA_G at least */
    /* 7-8: both miss again. */
    CHECK_EQ(ev_count_page(&r, m[7], m[8], HV_EV_TLB_MISS, VA_G), 1);
    CHECK_EQ(ev_count_page(&r, m[7], m[8], HV_EV_TLB_MISS, VA_N), 1);
    CHECK_EQ(tlb_replay(&r, &c.tlb), 0);
out:
    run_free(&r);
}

/* --- the replay holds on every guest of the suite ------------------------ */

static void test_replay_all_guests(void)
{
    static const char *const guests[] = {"g_walk", "g_pfcodes", "g_stale",
                                         "g_tlb_global", "g_df", "g_priv"};
    static const uint32_t geo[][2] = {{64, 4}, {8, 2}, {16, 16}};
    for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++)
        for (size_t k = 0; k < 3; k++) {
            hv_config c = tlb_cfg(geo[k][0], geo[k][1],
                                  k == 1 ? HV_TLB_FIFO : HV_TLB_LRU);
            guest_run r;
            if (run_guest(&r, guests[g], &c)) {
                CHECK(ended_with(&r, 0));
                size_t errs = tlb_replay(&r, &c.tlb);
                if (errs)
                    fprintf(stderr, "  %s on %ux%u: %zu\n", guests[g],
                            geo[k][0], geo[k][1], errs);
                CHECK_EQ(errs, 0);
            }
            run_free(&r);
        }
}

static const check_test tests[] = {
    {"lru_order", test_lru_order},
    {"fifo_order", test_fifo_order},
    {"direct_mapped", test_direct_mapped},
    {"set_index", test_set_index},
    {"random_policy_seeded", test_random_policy_seeded},
    {"global_pages", test_global_pages},
    {"replay_all_guests", test_replay_all_guests},
    {NULL, NULL},
};

CHECK_MAIN(tests)
