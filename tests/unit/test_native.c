/* Engine behaviour tests, native paging: walks, A/D, #PF error codes, a
 * stale TLB entry, and the instructions the engine owns (CPUID, RDTSC,
 * MOV CRn). Each test runs a guest of tests/unit/guests/ and checks what
 * FIDELITY.md and the Intel SDM (Vol 3A ch. 2, 4, 6) say must happen;
 * expected values come from the manual and the guest's own tables, never
 * from a previous run.
 */
#include "guest_harness.h"
#include "tlb.h"

enum { PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80 }; /* SDM Vol 3A §4.3 */

/* --- helpers: one walk between a TLB_MISS and its end -------------------- */

typedef struct ref {
    uint32_t level, table, index, entry;
} ref;
typedef struct adset {
    uint32_t level, entry_pa, old, new_;
} adset;

/* Checks that the events in (miss, end) hold exactly the walk references
 * `refs` and the A/D updates `ads`, in order, and no other TLB miss. */
static void expect_walk(const guest_run *r, size_t miss, size_t end,
                        const ref *refs, size_t nrefs, const adset *ads,
                        size_t nads)
{
    size_t nr = 0, na = 0;
    bool bad = false;
    for (size_t i = miss + 1; i < end && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type == HV_EV_WALK_REF) {
            if (nr >= nrefs || e->a != refs[nr].level ||
                e->b != refs[nr].table || e->c != refs[nr].index ||
                e->d != refs[nr].entry)
                bad = true;
            nr++;
        } else if (e->type == HV_EV_AD_SET) {
            if (na >= nads || e->a != ads[na].level ||
                e->b != ads[na].entry_pa || e->c != ads[na].old ||
                e->d != ads[na].new_)
                bad = true;
            na++;
        } else if (e->type == HV_EV_TLB_MISS) {
            bad = true;
        }
    }
    CHECK_EQ(nr, nrefs);
    CHECK_EQ(na, nads);
    CHECK(!bad);
    if (bad || nr != nrefs || na != nads)
        ev_dump(r, miss, end + 1);
}

/* The TLB_MISS of `page` with access `acc` in window [m(a), m(b)), and the
 * TLB_FILL that ends it; fails when either is missing. */
static bool find_miss_fill(const guest_run *r, uint32_t a, uint32_t b,
                           uint32_t page, hv_access acc, size_t *miss,
                           size_t *fill)
{
    size_t from = ev_mark(r, a), to = ev_mark(r, b);
    *miss = to;
    for (size_t i = from; i < to; i++)
        if (ev_on_page(&r->log.ev[i], HV_EV_TLB_MISS, page) &&
            r->log.ev[i].c == acc) {
            *miss = i;
            break;
        }
    *fill = ev_find_page(r, *miss, to, HV_EV_TLB_FILL, page);
    CHECK(*miss < to);
    CHECK(*fill < to);
    return *miss < to && *fill < to;
}

/* --- native walks: references, A and D (FIDELITY.md behaviour 1) --------- */

#define W_PD 0x10000u
#define W_PT1 0x12000u
#define W_PDE1 (W_PD + 4)
#define W_PDE3 (W_PD + 12)

static void test_walk_refs_and_ad(void)
{
    guest_run r;
    if (!run_guest(&r, "g_walk", NULL))
        goto out;
    CHECK(ended_with(&r, 0));
    size_t miss, fill, end;

    /* 1-2: PTE not present. The PDE is used (A), the PTE is not (SDM
     * §4.8; QEMU 7.2): 2 references, one A update, then #PF. */
    {
        size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2);
        miss = ev_find_page(&r, m1, m2, HV_EV_TLB_MISS, 0x402000);
        end = ev_find(&r, miss, m2, HV_EV_GUEST_FAULT, true, 0);
        CHECK(miss < m2 && end < m2);
        const ref refs[] = {{2, W_PD, 1, 0x12003}, {1, W_PT1, 2, 0x52002}};
        const adset ads[] = {{2, W_PDE1, 0x12003, 0x12023}};
        expect_walk(&r, miss, end, refs, 2, ads, 1);
        if (end < m2) {
            const hv_event *e = &r.log.ev[end];
            CHECK_EQ(e->a, 14);
            CHECK_EQ(e->b, 0);
            CHECK_EQ(e->c, 0x402000);
            CHECK_EQ(e->d, gpa32(&r, GUEST_INFO));
        }
        CHECK_EQ(ev_count(&r, m1, m2, HV_EV_TLB_FILL) -
                     ev_count_page(&r, m1, m2, HV_EV_TLB_FILL, 0x402000),
                 ev_count(&r, m1, m2, HV_EV_TLB_FILL));
        CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0x12023);
        CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0x52002);
        CHECK_EQ(gpa32(&r, GUEST_RES + 0x40), 1);        /* one #PF seen */
        CHECK_EQ(gpa32(&r, GUEST_RES + 0x44), 0);        /* error code */
        CHECK_EQ(gpa32(&r, GUEST_RES + 0x48), 0x402000); /* CR2 */
        CHECK_EQ(gpa32(&r, GUEST_RES + 0x4C), gpa32(&r, GUEST_INFO));
    }

    /* 3-4: read miss on a 4 KiB page: PDE then PTE, A on the PTE only
     * (the PDE has it already), filled without D. */
    if (find_miss_fill(&r, 3, 4, 0x400000, HV_ACC_READ, &miss, &fill)) {
        const ref refs[] = {{2, W_PD, 1, 0x12023}, {1, W_PT1, 0, 0x50003}};
        const adset ads[] = {{1, W_PT1 + 0, 0x50003, 0x50023}};
        expect_walk(&r, miss, fill, refs, 2, ads, 1);
        CHECK_EQ(r.log.ev[fill].a, 0x400000);
        CHECK_EQ(r.log.ev[fill].b, 0x50000);
        CHECK_EQ(r.log.ev[fill].c, HV_TLBF_W);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 8), 0x12023);
    CHECK_EQ(gpa32(&r, GUEST_RES + 12), 0x50023);

    /* 5-6: first write through the clean entry: D on the PTE, never on a
     * PDE that points to a table (SDM §4.8). */
    {
        size_t m5 = ev_mark(&r, 5), m6 = ev_mark(&r, 6);
        CHECK_EQ(ev_count_page(&r, m5, m6, HV_EV_TLB_MISS, 0x400000), 0);
        CHECK_EQ(ev_count(&r, m5, m6, HV_EV_AD_SET), 1);
        size_t ad = ev_find(&r, m5, m6, HV_EV_AD_SET, true, 0);
        if (ad < m6) {
            CHECK_EQ(r.log.ev[ad].a, 1);
            CHECK_EQ(r.log.ev[ad].b, W_PT1);
            CHECK_EQ(r.log.ev[ad].c, 0x50023);
            CHECK_EQ(r.log.ev[ad].d, 0x50063);
        }
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 16), 0x12023);
    CHECK_EQ(gpa32(&r, GUEST_RES + 20), 0x50063);

    /* 7-8: write miss on a fresh page: A and D at once. */
    if (find_miss_fill(&r, 7, 8, 0x401000, HV_ACC_WRITE, &miss, &fill)) {
        const ref refs[] = {{2, W_PD, 1, 0x12023}, {1, W_PT1, 1, 0x51003}};
        const adset ads[] = {{1, W_PT1 + 4, 0x51003, 0x51063}};
        expect_walk(&r, miss, fill, refs, 2, ads, 1);
        CHECK_EQ(r.log.ev[fill].b, 0x51000);
        CHECK_EQ(r.log.ev[fill].c, HV_TLBF_W | HV_TLBF_D);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 24), 0x51063);
    CHECK_EQ(gpa32(&r, GUEST_RES + 28), 0x12023);

    /* 9-10: 4 MiB page read: one reference, A on the PDE (the leaf). */
    if (find_miss_fill(&r, 9, 10, 0xC50000, HV_ACC_READ, &miss, &fill)) {
        const ref refs[] = {{2, W_PD, 3, 0x83}};
        const adset ads[] = {{2, W_PDE3, 0x83, 0xA3}};
        expect_walk(&r, miss, fill, refs, 1, ads, 1);
        CHECK_EQ(r.log.ev[fill].b, 0x50000);
        CHECK_EQ(r.log.ev[fill].c, HV_TLBF_LARGE | HV_TLBF_W);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 32), 0xA3);

    /* 11-12: 4 MiB page write (another 4 KiB piece: a miss): D on the
     * PDE, which maps the page. */
    if (find_miss_fill(&r, 11, 12, 0xC60000, HV_ACC_WRITE, &miss, &fill)) {
        const ref refs[] = {{2, W_PD, 3, 0xA3}};
        const adset ads[] = {{2, W_PDE3, 0xA3, 0xE3}};
        expect_walk(&r, miss, fill, refs, 1, ads, 1);
        CHECK_EQ(r.log.ev[fill].b, 0x60000);
        CHECK_EQ(r.log.ev[fill].c,
                 HV_TLBF_LARGE | HV_TLBF_W | HV_TLBF_D);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 36), 0xE3);

    /* 13-14: a fetch through the 4 MiB page: one reference, no update. */
    uint32_t target = gpa32(&r, GUEST_INFO + 4);
    if (find_miss_fill(&r, 13, 14, target, HV_ACC_FETCH, &miss, &fill)) {
        const ref refs[] = {{2, W_PD, 3, 0xE3}};
        expect_walk(&r, miss, fill, refs, 1, NULL, 0);
        CHECK_EQ(r.log.ev[fill].b & ~0xFFFu, target & 0x3FF000u);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 40) >> 22, 3); /* ran at VA 12 MiB+ */

    /* 15-16: INVLPG anywhere in the 4 MiB page drops every piece of it
     * the TLB holds: 0xc50000, 0xc60000 and the fetched page. */
    size_t m15 = ev_mark(&r, 15), m16 = ev_mark(&r, 16);
    size_t inv = ev_find(&r, m15, m16, HV_EV_TLB_INVLPG, true, 0);
    CHECK(inv < m16);
    if (inv < m16) {
        CHECK_EQ(r.log.ev[inv].a, 0xC70000);
        CHECK_EQ(r.log.ev[inv].b, 3);
    }

    /* Every AD_SET agrees with memory: it only adds A or D, the entry
     * still holds what it wrote, and a PDE that points to a table never
     * gets D. (The guest writes no entry after paging is on.) */
    size_t nad = 0;
    for (size_t i = 0; i < r.log.n; i++) {
        const hv_event *e = &r.log.ev[i];
        if (e->type != HV_EV_AD_SET)
            continue;
        nad++;
        CHECK_EQ(e->d & ~e->c & ~(uint32_t)(PTE_A | PTE_D), 0);
        CHECK((e->d & ~e->c) != 0);
        CHECK_EQ(gpa32(&r, e->b) & e->d, e->d);
        if (e->a == 2 && !(e->c & PTE_PS))
            CHECK_EQ(e->d & PTE_D, 0);
    }
    CHECK(nad >= 6);
    CHECK_EQ(gpa32(&r, W_PDE1), 0x12023);
    CHECK_EQ(gpa32(&r, W_PT1 + 8), 0x52002); /* never touched */
    CHECK_EQ(gpa32(&r, W_PDE3), 0xE3);
out:
    run_free(&r);
}

/* --- #PF error codes and CR2 (SDM §4.7, FIDELITY.md QEMU 7.2) ------------ */

static void test_pf_error_codes(void)
{
    guest_run r;
    if (!run_guest(&r, "g_pfcodes", NULL))
        goto out;
    CHECK(ended_with(&r, 0));
    /* error code, CR2, saved EIP (INFO[k]: the faulting instruction; for
     * the fetch, the unmapped target itself). An access that crosses into
     * a not-present page faults with CR2 = the first byte there; a fetch
     * saves the EIP of the instruction, not of its missing bytes. A 4 MiB
     * PDE with bit 13 set has a reserved bit set (no PSE-36: SDM Vol 3A
     * table 4-4): P | RSVD. */
#define NPF 11
    static const uint32_t want[NPF][2] = {
        {0x0, 0x00300124}, {0x2, 0x00300458}, {0x3, 0x00301788},
        {0x3, 0x00303010}, {0x0, 0x00302010}, {0x0, 0x00800ABC},
        {0x0, 0x00305000}, {0x0, 0x00307000}, {0x2, 0x00307000},
        {0x9, 0x01000123}, {0x3, 0x00301788},
    };
    size_t k = 0;
    for (size_t i = 0; i < r.log.n; i++) {
        const hv_event *e = &r.log.ev[i];
        if (e->type != HV_EV_GUEST_FAULT)
            continue;
        if (k < NPF) {
            CHECK_EQ(e->a, 14);
            CHECK_EQ(e->b, want[k][0]);
            CHECK_EQ(e->c, want[k][1]);
            CHECK_EQ(e->d, gpa32(&r, GUEST_INFO + 4 * k));
        }
        k++;
    }
    CHECK_EQ(k, NPF);
    /* What the guest's handler saw on its stack and in CR2. */
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), NPF);
    for (k = 0; k < NPF; k++) {
        uint32_t rec = GUEST_RES + 0x100 + 16 * (uint32_t)k;
        CHECK_EQ(gpa32(&r, rec), want[k][0]);
        CHECK_EQ(gpa32(&r, rec + 4), want[k][1]);
        CHECK_EQ(gpa32(&r, rec + 8), gpa32(&r, GUEST_INFO + 4 * k));
    }
    CHECK_EQ(r.regs.cr2, 0x00301788);
    CHECK_EQ(gpa32(&r, GUEST_RES + 24), 0x5A5A5A5A); /* write refused */

    /* The protection faults left the PTEs alone: no D (and no A for RO1,
     * whose first access was the faulting write). */
    CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0x301001);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0x303021);
    /* The fault on RO2's cached entry invalidated it (SDM §4.10.4.1: a
     * #PF invalidates the TLB entries of the faulting address), so the
     * WP=0 write to RO2 misses. */
    size_t m7 = ev_mark(&r, 7), m8 = ev_mark(&r, 8);
    size_t inv = ev_find_page(&r, m7, m8, HV_EV_TLB_INVLPG, 0x303000);
    CHECK(inv < m8);
    if (inv < m8) {
        CHECK_EQ(r.log.ev[inv].b, 1);
        CHECK_EQ(r.log.ev[inv].c, HV_INVAL_PAGE_FAULT);
    }
    CHECK_EQ(ev_count_page(&r, ev_mark(&r, 11), ev_mark(&r, 12),
                           HV_EV_TLB_MISS, 0x303000), 1);
    size_t m5 = ev_mark(&r, 5), m6 = ev_mark(&r, 6);
    for (size_t i = m5; i < m6; i++)
        if (r.log.ev[i].type == HV_EV_AD_SET)
            CHECK(r.log.ev[i].a != 1);
    /* CR0.WP = 0: CPL-0 writes to read-only pages succeed, set A and D. */
    CHECK_EQ(gpa32(&r, GUEST_RES + 8), 0x301061);
    CHECK_EQ(gpa32(&r, GUEST_RES + 12), 0x5A5A5A5A);
    CHECK_EQ(gpa32(&r, GUEST_RES + 16), 0x303061);
    CHECK_EQ(gpa32(&r, GUEST_RES + 20), 0xA5A5A5A5);
    size_t m9 = ev_mark(&r, 9), m12 = ev_mark(&r, 12);
    CHECK_EQ(ev_count(&r, m9, m12, HV_EV_GUEST_FAULT), 0);
    /* A not-present PDE: one reference, nothing to set. */
    size_t m15 = ev_mark(&r, 15), m16 = ev_mark(&r, 16);
    size_t miss = ev_find_page(&r, m15, m16, HV_EV_TLB_MISS, 0x00800ABC);
    size_t pf = ev_find(&r, miss, m16, HV_EV_GUEST_FAULT, true, 0);
    CHECK(miss < m16 && pf < m16);
    CHECK_EQ(ev_count(&r, miss, pf, HV_EV_WALK_REF), 1);
    CHECK_EQ(ev_count(&r, miss, pf, HV_EV_AD_SET), 0);
out:
    run_free(&r);
}

/* --- a stale TLB entry is honoured until INVLPG (SDM §4.10.4.2) ---------- */

static void check_stale(const hv_config *cfg)
{
    guest_run r;
    if (!run_guest(&r, "g_stale", cfg))
        goto out;
    CHECK(ended_with(&r, 0));
    CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0xAAAA0001);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0xAAAA0001); /* the old frame */
    CHECK_EQ(gpa32(&r, GUEST_RES + 8), 0xBBBB0002); /* after INVLPG */
    size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2), m3 = ev_mark(&r, 3),
           m4 = ev_mark(&r, 4);
    CHECK_EQ(ev_count_page(&r, m1, m2, HV_EV_TLB_MISS, 0x400000), 0);
    CHECK_EQ(ev_count(&r, m1, m2, HV_EV_WALK_REF), 0);
    size_t hit = ev_find_page(&r, m1, m2, HV_EV_TLB_HIT, 0x400000);
    CHECK(hit < m2);
    if (hit < m2)
        CHECK_EQ(r.log.ev[hit].b, 0x50000);
    size_t inv = ev_find(&r, m2, m3, HV_EV_TLB_INVLPG, false, 0x400000);
    CHECK(inv < m3);
    if (inv < m3) {
        CHECK_EQ(r.log.ev[inv].b, 1);
        CHECK_EQ(r.log.ev[inv].c, HV_INVAL_INVLPG);
    }
    size_t miss = ev_find_page(&r, m3, m4, HV_EV_TLB_MISS, 0x400000);
    size_t fill = ev_find_page(&r, miss, m4, HV_EV_TLB_FILL, 0x400000);
    CHECK(miss < m4 && fill < m4);
    if (fill < m4)
        CHECK_EQ(r.log.ev[fill].b, 0x51000);
out:
    run_free(&r);
}

static void test_stale_tlb_entry(void)
{
    hv_config cfg;
    hv_config_default(&cfg);
    check_stale(&cfg);
    /* A bound of 16 host mappings under a 64-entry TLB: the guest's 60
     * other pages push VA_T's mapping out while the TLB keeps it. */
    cfg.ucmap_pages = 16;
    check_stale(&cfg);
}

/* --- CPUID, RDTSC, MOV CRn ----------------------------------------------- */

static uint64_t gpa64(const guest_run *r, uint32_t gpa)
{
    return gpa32(r, gpa) | (uint64_t)gpa32(r, gpa + 4) << 32;
}

/* The guest's two RDTSCs are 13 instructions apart (the second RDTSC
 * included) with one RDTSC's emulation between: that many modelled
 * cycles, whichever side of its own cost a RDTSC reads the counter. */
static void check_rdtsc(const guest_run *r, const hv_cost_model *cost)
{
    uint64_t t1 = gpa64(r, GUEST_RES + 0x20), t2 = gpa64(r, GUEST_RES + 0x28);
    CHECK_EQ(t2 - t1, 13ull * cost->insn + cost->priv_insn);
    uint64_t t[2] = {t1, t2};
    size_t k = 0;
    for (size_t i = 0; i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type != HV_EV_PRIV_INSN || e->a != HV_PRIV_RDTSC)
            continue;
        if (k < 2) {
            /* The value is the modelled cycle count at that instruction. */
            CHECK_EQ(e->b, (uint32_t)t[k]);
            CHECK(t[k] <= e->cycles);
            CHECK(e->cycles - t[k] <= (uint64_t)cost->insn + cost->priv_insn);
        }
        k++;
    }
    CHECK_EQ(k, 2);
}

static void test_priv_insns(void)
{
    guest_run r, r2;
    if (!run_guest(&r, "g_priv", NULL))
        goto out1;
    CHECK(ended_with(&r, 0));
    const hv_config *cfg = hv_machine_config(r.m);

    uint32_t edx = gpa32(&r, GUEST_RES + 0);
    CHECK(edx & (1u << 3));    /* PSE */
    CHECK(edx & (1u << 13));   /* PGE */
    CHECK(!(edx & (1u << 6))); /* no PAE */
    CHECK(!(edx & (1u << 17))); /* no PSE-36 */
    CHECK(ev_find(&r, 0, r.log.n, HV_EV_PRIV_INSN, false, HV_PRIV_CPUID) <
          r.log.n);
    check_rdtsc(&r, &cfg->cost);

    /* #GP(0) for CR4.PAE, #UD for CR5 either way, nothing else. */
    static const uint32_t vec[3] = {13, 6, 6};
    size_t k = 0;
    for (size_t i = 0; i < r.log.n; i++) {
        const hv_event *e = &r.log.ev[i];
        if (e->type == HV_EV_CR_WRITE && e->a == 4)
            CHECK_EQ(e->c & 0x20, 0);
        if (e->type != HV_EV_GUEST_FAULT)
            continue;
        if (k < 3) {
            CHECK_EQ(e->a, vec[k]);
            CHECK_EQ(e->b, 0);
            CHECK_EQ(e->d, gpa32(&r, GUEST_INFO + 4 * k));
        }
        k++;
    }
    CHECK_EQ(k, 3);
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), 3);
    for (k = 0; k < 3; k++) {
        uint32_t rec = GUEST_RES + 0x100 + 16 * (uint32_t)k;
        CHECK_EQ(gpa32(&r, rec), vec[k]);
        CHECK_EQ(gpa32(&r, rec + 4), 0);
        CHECK_EQ(gpa32(&r, rec + 8), gpa32(&r, GUEST_INFO + 4 * k));
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 0x30), 0); /* CR4 unchanged */
    CHECK_EQ(gpa32(&r, GUEST_RES + 0x34), 0x10 | 0x80);

    /* MOV CR3: CR_WRITE cr=3, then a flush of the non-global entries. */
    size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2);
    size_t cw = ev_find(&r, m1, m2, HV_EV_CR_WRITE, false, 3);
    size_t fl = ev_find(&r, cw, m2, HV_EV_TLB_FLUSH, true, 0);
    CHECK(cw < m2 && fl < m2);
    if (cw < m2 && fl < m2) {
        CHECK_EQ(r.log.ev[cw].b, 0x10000);
        CHECK_EQ(r.log.ev[cw].c, 0x10000);
        CHECK_EQ(r.log.ev[fl].a, HV_FLUSH_NONGLOBAL);
        CHECK(r.log.ev[fl].b >= 2); /* code page and 0x200000 at least */
    }
    CHECK_EQ(ev_count(&r, m1, m2, HV_EV_TLB_FLUSH), 1);
    CHECK_EQ(r.regs.cr3, 0x10000);
    CHECK_EQ(r.regs.cr4, 0x90);
    CHECK(r.regs.cr0 & 0x80000000u);

    /* RDTSC is deterministic: a second machine reads the same values. */
    if (run_guest(&r2, "g_priv", NULL)) {
        CHECK_EQ(gpa64(&r2, GUEST_RES + 0x20), gpa64(&r, GUEST_RES + 0x20));
        CHECK_EQ(gpa64(&r2, GUEST_RES + 0x28), gpa64(&r, GUEST_RES + 0x28));
    }
    run_free(&r2);
    /* And it counts modelled cycles: other costs, other readings. */
    hv_config c;
    hv_config_default(&c);
    c.cost.insn = 7;
    c.cost.priv_insn = 11;
    if (run_guest(&r2, "g_priv", &c)) {
        CHECK(ended_with(&r2, 0));
        check_rdtsc(&r2, &c.cost);
    }
    run_free(&r2);
out1:
    run_free(&r);
}

static const check_test tests[] = {
    {"walk_refs_and_ad", test_walk_refs_and_ad},
    {"pf_error_codes", test_pf_error_codes},
    {"stale_tlb_entry", test_stale_tlb_entry},
    {"priv_insns", test_priv_insns},
    {NULL, NULL},
};

CHECK_MAIN(tests)
