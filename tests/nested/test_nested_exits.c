/* Nested paging: what does not exit (FIDELITY.md "Nested paging",
 * behaviours 3-7, nested half; SDM Vol 3C §28.3; docs/nested.md), side by
 * side with shadow paging on the same guests.
 *
 * Guests: tests/shadow/guests/s_cr3, s_dirty, s_truepf, aa_ptemod (reused
 * by path) and tests/nested/guests/n_ptwrite. Expected:
 *   - 4, 5: MOV CR3 and INVLPG exit under shadow (control-register access
 *     for CR3, INVLPG) and never under nested; under both the TLB loses
 *     the non-global entries on MOV CR3 only (a global page does not miss
 *     after the switch) and INVLPG drops a global entry too (SDM Vol 3A
 *     §4.10.4.1).
 *   - 3: guest page-table writes (a PTE, a PDE, a burst) do not exit under
 *     nested: no EMULATED_WRITE, no exception/pf exit, no write-protect
 *     trap; under shadow they do.
 *   - 6: the first write to a clean page sets D in the guest PTE in
 *     hardware: an AD_SET of the guest entry, no exit.
 *   - 7: a true #PF goes straight to the guest: GUEST_FAULT with the
 *     guest's error code, CR2 and EIP; no exception/pf exit, no INJECT.
 * "No exit" is checked with the EPT prefilled (`nested.lazy = false`),
 * where any exit besides the markers' port I/O would be the mechanism's;
 * with lazy EPT (the default) the same guests may take EPT violations on
 * first touch, so there only the exits named above are counted.
 */
#include "nested_util.h"

/* --- behaviours 4 and 5: s_cr3 ------------------------------------------ */

#define C_VA_G 0x00300000u
#define C_VA_N 0x00301000u

/* s_cr3's TLB story, the same natively, under shadow and under nested
 * (tests/shadow/test_shadow.c checks native and shadow). */
static void check_cr3_tlb(const guest_run *r, const char *mode)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0x6161);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0x4E4E);
    win w = window(r, 3, 4); /* after MOV CR3 := PD_B */
    size_t g = ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_G);
    size_t n = ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_N);
    if (g != 0 || n != 1)
        fprintf(stderr, "  %s: after MOV CR3, %zu misses on the global page "
                        "(0 expected), %zu on the other (1 expected)\n",
                mode, g, n);
    CHECK_EQ(g, 0);
    CHECK(ev_count_page(r, w.from, w.to, HV_EV_TLB_HIT, C_VA_G) >= 1);
    CHECK_EQ(n, 1);
    w = window(r, 5, 6); /* after MOV CR3 := PD_A */
    CHECK_EQ(ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_G), 0);
    CHECK_EQ(ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_N), 1);
    w = window(r, 7, 8); /* after INVLPG VA_G */
    CHECK_EQ(ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_G), 1);
    for (uint32_t a = 2; a <= 4; a += 2) {
        w = window(r, a, a + 1);
        const hv_event *f = first_ev(r, w, HV_EV_TLB_FLUSH);
        CHECK(f != NULL);
        if (f)
            CHECK_EQ(f->a, HV_FLUSH_NONGLOBAL);
        /* The guest's MOV CR3 did happen (a CR_WRITE of CR3). */
        const hv_event *cw = first_ev(r, w, HV_EV_CR_WRITE);
        CHECK(cw != NULL && cw->a == 3);
    }
}

static void test_cr3_invlpg_nested_vs_shadow(void)
{
    guest_run r;
    hv_config cfgs[3] = {cfg_shadow_default(), cfg_nested(false, true),
                         cfg_nested(false, false)};
    const char *names[3] = {"shadow", "nested (lazy EPT)",
                            "nested (prefilled EPT)"};
    for (int i = 0; i < 3; i++) {
        if (!run_guest(&r, "s_cr3", &cfgs[i])) {
            run_free(&r);
            continue;
        }
        check_cr3_tlb(&r, names[i]);
        size_t cr3 = exits_of(&r, HV_EXIT_CR3), inv = exits_of(&r, HV_EXIT_INVLPG);
        printf("  %-24s MOV CR3 exits %zu, INVLPG exits %zu, all exits %llu\n",
               names[i], cr3, inv, (unsigned long long)r.ctr.vm_exits);
        if (i == 0) {
            /* enable_paging's MOV CR3, then the two switches. */
            CHECK_EQ(cr3, 3);
            CHECK_EQ(inv, 1);
        } else {
            CHECK_EQ(cr3, 0);
            CHECK_EQ(inv, 0);
        }
        if (i == 2) {
            expect_no_exit(&r, window(&r, 2, 3), "MOV CR3 := PD_B");
            expect_no_exit(&r, window(&r, 3, 4), "after the switch");
            expect_no_exit(&r, window(&r, 4, 5), "MOV CR3 := PD_A");
            expect_no_exit(&r, window(&r, 6, 7), "INVLPG VA_G");
        }
        run_free(&r);
    }
}

/* --- behaviour 3, nested half: guest page-table writes ------------------ */

static void check_ptwrite_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0xAAAA);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0xBBBB);
    CHECK_EQ(gpa32(r, GUEST_RES + 8), 0xCCCC);
    CHECK_EQ(gpa32(r, GUEST_RES + 12), 0xAAAA);
}

/* Exits a shadowing hypervisor takes for page-table writes: #PF exits
 * (a write-protect trap is one, with its own cause). */
static size_t pt_write_exits(const guest_run *r, win w)
{
    size_t n = 0;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        n += e->type == HV_EV_VM_EXIT &&
             (e->a == HV_EXIT_EXC_PF || e->c == HV_CAUSE_WP_TRAP);
    }
    return n;
}

static void test_pt_writes_do_not_exit(void)
{
    guest_run r;
    hv_config c = cfg_native();
    if (run_guest(&r, "n_ptwrite", &c))
        check_ptwrite_results(&r);
    run_free(&r);

    /* Shadow, unsync off: every store to a shadowed table traps. */
    c = cfg_shadow(false, 0);
    if (run_guest(&r, "n_ptwrite", &c)) {
        check_ptwrite_results(&r);
        size_t pte = pt_write_exits(&r, window(&r, 2, 3));
        size_t pde = pt_write_exits(&r, window(&r, 4, 5));
        printf("  shadow: PTE store %zu exit(s), PDE store %zu, emulated "
               "writes %llu\n", pte, pde,
               (unsigned long long)r.ctr.emulated_writes);
        CHECK(pte >= 1);
        CHECK(pde >= 1);
        CHECK(r.ctr.emulated_writes >= 2);
    }
    run_free(&r);

    for (int lazy = 0; lazy <= 1; lazy++) {
        c = cfg_nested(false, lazy);
        if (!run_guest(&r, "n_ptwrite", &c)) {
            run_free(&r);
            continue;
        }
        check_ptwrite_results(&r);
        win all = {0, r.log.n};
        CHECK_EQ(pt_write_exits(&r, all), 0);
        CHECK_EQ(count_ev(&r, all, HV_EV_EMULATED_WRITE), 0);
        CHECK_EQ(r.ctr.emulated_writes, 0);
        CHECK_EQ(r.ctr.pt_write_traps, 0);
        CHECK_EQ(count_ev(&r, all, HV_EV_SHADOW_WRPROT), 0);
        if (!lazy)
            for (uint32_t m = 2; m < 6; m++)
                expect_no_exit(&r, window(&r, m, m + 1), "page-table writes");
        run_free(&r);
    }
}

/* aa_ptemod's loop (a PTE store and INVLPG, 1,004 times) under nested:
 * not one exit for either, and the guest ends normally. */
static void test_ptemod_loop_no_exit(void)
{
    hv_config c = cfg_nested(false, false);
    guest_run r;
    if (run_guest(&r, "aa_ptemod", &c)) {
        CHECK(ended_with(&r, 0));
        CHECK_EQ(exits_of(&r, HV_EXIT_INVLPG), 0);
        CHECK_EQ(exits_of(&r, HV_EXIT_EXC_PF), 0);
        CHECK_EQ(r.ctr.emulated_writes, 0);
        /* The guest's INVLPGs happened: one TLB_INVLPG each. */
        CHECK(ev_count(&r, 0, r.log.n, HV_EV_TLB_INVLPG) >= 1004);
    }
    run_free(&r);
}

/* --- behaviour 6: s_dirty -------------------------------------------------- */

#define D_PT0 0x11000u
#define D_VA_D 0x00300000u
#define D_VA_E 0x00301000u
#define PTE_ADDR(pt, va) ((pt) + (((va) >> 12) & 0x3FFu) * 4)

static void check_dirty_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), D_VA_D | PTE_P | PTE_RW | PTE_A | PTE_D);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), D_VA_E | PTE_P | PTE_RW | PTE_A | PTE_D);
    CHECK_EQ(gpa32(r, GUEST_RES + 8), 0x1234 + 0x5678);
    CHECK_EQ(gpa32(r, GUEST_RES + 12), 0x9ABC);
}

/* Window w holds one AD_SET of the guest PTE of va, from `old` to `now`. */
static void expect_ad_set(const guest_run *r, win w, const char *what,
                          uint32_t va, uint32_t old, uint32_t now)
{
    size_t n = 0;
    const hv_event *e = NULL;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++)
        if (r->log.ev[i].type == HV_EV_AD_SET && r->log.ev[i].a == 1 &&
            r->log.ev[i].b == PTE_ADDR(D_PT0, va) && n++ == 0)
            e = &r->log.ev[i];
    bool ok = n == 1 && e->c == old && e->d == now;
    if (!ok) {
        fprintf(stderr, "  %s: expected one ad_set of PTE 0x%x: 0x%x -> "
                        "0x%x, got %zu:\n",
                what, PTE_ADDR(D_PT0, va), old, now, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

static void test_dirty_bit_in_hardware(void)
{
    const uint32_t pte_d = D_VA_D | PTE_P | PTE_RW, pte_e = D_VA_E | PTE_P | PTE_RW;
    for (int lazy = 0; lazy <= 1; lazy++) {
        hv_config c = cfg_nested(false, lazy);
        guest_run r;
        if (!run_guest(&r, "s_dirty", &c)) {
            run_free(&r);
            continue;
        }
        const char *mode = lazy ? "lazy EPT" : "prefilled EPT";
        check_dirty_results(&r);
        /* First write to the clean page: D set by the walk, no exit (the
         * read in 1-2 mapped everything the write needs, lazy or not). */
        win w = window(&r, 2, 3);
        expect_no_exit(&r, w, mode);
        expect_ad_set(&r, w, "first write", D_VA_D, pte_d | PTE_A,
                      pte_d | PTE_A | PTE_D);
        CHECK_EQ(exits_with_cause(&r, w, HV_CAUSE_DIRTY_BIT), 0);
        expect_no_exit(&r, window(&r, 4, 5), "second write");
        CHECK_EQ(count_ev(&r, window(&r, 4, 5), HV_EV_AD_SET), 0);
        /* A write with no read first: A and D in one update. */
        w = window(&r, 5, 6);
        expect_ad_set(&r, w, "write, no read first", D_VA_E, pte_e,
                      pte_e | PTE_A | PTE_D);
        if (!lazy) {
            expect_no_exit(&r, w, mode);
        } else {
            /* The frame is new to the EPT: one violation, a write to the
             * final translation (SDM Table 27-7: bits 1, 7, 8), and
             * nothing about D. */
            const hv_event *x;
            size_t n = nonio_exits(&r, w, &x);
            CHECK_EQ(n, 1);
            if (n == 1) {
                CHECK_EQ(x->a, HV_EXIT_EPT_VIOLATION);
                CHECK_EQ(x->b, QUAL_WRITE | QUAL_LA_VALID | QUAL_FINAL);
                CHECK_EQ(x->c, HV_CAUSE_NONE);
            }
        }
        CHECK_EQ(exits_of(&r, HV_EXIT_EXC_PF), 0);
        run_free(&r);
    }
}

/* --- behaviour 7: s_truepf -------------------------------------------------- */

#define T_NP 0x00300000u
#define T_RO 0x00301000u

static void check_truepf_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0xFC), 4);
    const uint32_t want[4][3] = {
        {0, T_NP + 0x124, info(r, 0)},
        {2, T_NP + 0x458, info(r, 1)},
        {3, T_RO + 0x788, info(r, 2)},
        {3, T_RO + 0x788, info(r, 3)},
    };
    for (uint32_t i = 0; i < 4; i++)
        for (uint32_t k = 0; k < 3; k++)
            CHECK_EQ(gpa32(r, GUEST_RES + 0x100 + 16 * i + 4 * k), want[i][k]);
    CHECK_EQ(gpa32(r, GUEST_RES + 0), T_RO | PTE_P | PTE_A | PTE_D);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0x5A5A5A5A);
}

/* Window w holds exactly one GUEST_FAULT (#PF with the error code, CR2 and
 * EIP), no INJECT and no exit besides the markers' (prefilled EPT). */
static void expect_direct_fault(const guest_run *r, win w, const char *what,
                                uint32_t error, uint32_t cr2, uint32_t eip)
{
    const hv_event *g = first_ev(r, w, HV_EV_GUEST_FAULT);
    bool ok = count_ev(r, w, HV_EV_GUEST_FAULT) == 1 && g && g->a == 14 &&
              g->b == error && g->c == cr2 && g->d == eip &&
              count_ev(r, w, HV_EV_INJECT) == 0 && nonio_exits(r, w, NULL) == 0;
    if (!ok) {
        fprintf(stderr, "  %s: expected a #PF delivered directly (error 0x%x, "
                        "CR2 0x%x, EIP 0x%x), no exit, no inject:\n",
                what, error, cr2, eip);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

static void test_true_fault_direct(void)
{
    for (int npt = 0; npt <= 1; npt++) {
        hv_config c = cfg_nested(npt, false);
        guest_run r;
        if (!run_guest(&r, "s_truepf", &c)) {
            run_free(&r);
            continue;
        }
        check_truepf_results(&r);
        expect_direct_fault(&r, window(&r, 2, 3), "read, not present", 0x0,
                            T_NP + 0x124, info(&r, 0));
        expect_direct_fault(&r, window(&r, 3, 4), "write, not present", 0x2,
                            T_NP + 0x458, info(&r, 1));
        expect_direct_fault(&r, window(&r, 4, 5), "write, read-only", 0x3,
                            T_RO + 0x788, info(&r, 2));
        expect_direct_fault(&r, window(&r, 8, 9), "write, read-only again",
                            0x3, T_RO + 0x788, info(&r, 3));
        /* CR0.WP = 0: the supervisor write is allowed, as natively. */
        win w = window(&r, 6, 7);
        CHECK_EQ(count_ev(&r, w, HV_EV_GUEST_FAULT), 0);
        expect_no_exit(&r, w, "write under WP = 0");
        CHECK_EQ(r.ctr.guest_faults, 4);
        CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_INJECT), 0);
        CHECK_EQ(exits_of(&r, HV_EXIT_EXC_PF), 0);
        CHECK_EQ(r.ctr.hidden_faults, 0);
        run_free(&r);
    }
}

/* The same with lazy EPT: violations may come on first touch, but never
 * an exception exit or an injection. */
static void test_true_fault_direct_lazy(void)
{
    hv_config c = cfg_nested(false, true);
    guest_run r;
    if (run_guest(&r, "s_truepf", &c)) {
        check_truepf_results(&r);
        CHECK_EQ(r.ctr.guest_faults, 4);
        CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_INJECT), 0);
        CHECK_EQ(exits_of(&r, HV_EXIT_EXC_PF), 0);
        /* The not-present read never reaches the EPT for its frame. */
        win w = window(&r, 2, 3);
        CHECK_EQ(count_ev(&r, w, HV_EV_NESTED_FAULT), 0);
    }
    run_free(&r);
}

static const check_test tests[] = {
    {"cr3_invlpg_nested_vs_shadow", test_cr3_invlpg_nested_vs_shadow},
    {"pt_writes_do_not_exit", test_pt_writes_do_not_exit},
    {"ptemod_loop_no_exit", test_ptemod_loop_no_exit},
    {"dirty_bit_in_hardware", test_dirty_bit_in_hardware},
    {"true_fault_direct", test_true_fault_direct},
    {"true_fault_direct_lazy", test_true_fault_direct_lazy},
    {NULL, NULL},
};

CHECK_MAIN(tests)
