/* Shadow paging: exits, roots, A/D emulation, true faults, CR0.WP, guest
 * 4 MiB pages and the shadow-page budget (FIDELITY.md "Shadow paging",
 * behaviours 4-7; KVM's Documentation/virt/kvm/x86/mmu.rst; SDM Vol 3A
 * ch. 4). Guests: tests/shadow/guests/s_cr3, s_dirty, s_adclear, s_truepf,
 * s_alias, s_large, s_budget.
 *
 * Each guest also runs on native paging where the guest's own results must
 * agree: shadow paging may cost exits, never change what the guest sees.
 * Expected values come from the guests' tables, FIDELITY.md, mmu.rst and
 * the SDM, never from a previous run.
 */
#include "shadow_util.h"

#define G_PD 0x10000u
#define G_PT0 0x11000u

/* --- behaviours 4 and 5: MOV CR3 and INVLPG -------------------------- */

#define C_PD_A 0x10000u
#define C_PD_B 0x11000u
#define C_VA_G 0x00300000u
#define C_VA_N 0x00301000u

/* What the TLB does in s_cr3, the same natively and under shadow: MOV CR3
 * flushes the non-global entries only (SDM Vol 3A §4.10.4.1), INVLPG drops
 * a global entry too. */
static void check_cr3_tlb(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0x6161);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0x4E4E);
    win w = window(r, 3, 4); /* after MOV CR3 := PD_B */
    CHECK_EQ(ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_G), 0);
    CHECK(ev_count_page(r, w.from, w.to, HV_EV_TLB_HIT, C_VA_G) >= 1);
    CHECK_EQ(ev_count_page(r, w.from, w.to, HV_EV_TLB_MISS, C_VA_N), 1);
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
    }
}

static void test_cr3_native_reference(void)
{
    hv_config c = cfg_native();
    guest_run r;
    if (run_guest(&r, "s_cr3", &c)) {
        check_cr3_tlb(&r);
        CHECK_EQ(r.ctr.vm_exits, 0);
    }
    run_free(&r);
}

static void expect_root_switch(const guest_run *r, win w, const char *what,
                               uint32_t gfn, bool hit, uint32_t *hfn)
{
    const hv_event *e = first_ev(r, w, HV_EV_ROOT_SWITCH);
    bool ok = count_ev(r, w, HV_EV_ROOT_SWITCH) == 1 && e && e->a == gfn &&
              e->c == (uint32_t)hit;
    if (!ok) {
        fprintf(stderr, "  %s: expected one root_switch gfn 0x%x %s:\n", what,
                gfn, hit ? "hit" : "miss");
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
    *hfn = e ? e->b : UINT32_MAX;
}

/* Behaviour 4: MOV CR3 exits (control-register access, CR3); the shadow
 * root of PD_B is built (cache miss), that of PD_A comes back from the root
 * cache (hit, the same host frame); the TLB loses its non-global entries
 * only. Behaviour 5: INVLPG exits with the linear address as its
 * qualification (SDM Vol 3C, exit qualification for INVLPG). */
static void test_cr3_and_invlpg_exit(void)
{
    hv_config c = cfg_shadow_default();
    guest_run r;
    if (!run_guest(&r, "s_cr3", &c))
        goto out;
    check_cr3_tlb(&r);

    uint32_t hfn_a0, hfn_b, hfn_a1;
    win first = {0, ev_mark(&r, 1)};
    expect_root_switch(&r, first, "CR0.PG on PD_A", C_PD_A >> 12, false,
                       &hfn_a0);

    win w = window(&r, 2, 3);
    /* The code and data pages take hidden faults after the switch: PD_B's
     * shadow is new (an empty shadow acts like an empty TLB). */
    expect_one_exit_of(&r, w, "MOV CR3 := PD_B", HV_EXIT_CR3, 3,
                       HV_CAUSE_NONE, info(&r, 0));
    expect_root_switch(&r, w, "PD_B", C_PD_B >> 12, false, &hfn_b);
    CHECK(hfn_b != hfn_a0);
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_CR3), 28);

    w = window(&r, 4, 5);
    expect_one_exit_of(&r, w, "MOV CR3 := PD_A", HV_EXIT_CR3, 3,
                       HV_CAUSE_NONE, info(&r, 1));
    expect_root_switch(&r, w, "PD_A again", C_PD_A >> 12, true, &hfn_a1);
    CHECK_EQ(hfn_a1, hfn_a0);

    w = window(&r, 6, 7);
    expect_one_exit(&r, w, "INVLPG VA_G", HV_EXIT_INVLPG, C_VA_G,
                    HV_CAUSE_NONE, info(&r, 2));
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_INVLPG), 14);
    size_t i = ev_find_page(&r, w.from, w.to, HV_EV_TLB_INVLPG, C_VA_G);
    CHECK(i < w.to);
    if (i < w.to) {
        CHECK_EQ(r.log.ev[i].b, 1); /* the global entry went */
        CHECK_EQ(r.log.ev[i].c, HV_INVAL_INVLPG);
    }
    CHECK_EQ(r.ctr.root_cache_misses, 2);
    CHECK_EQ(r.ctr.root_cache_hits, 1);
out:
    run_free(&r);
}

/* A root cache of one: switching back to PD_A finds no cached root (a
 * miss), unlike the default cache of four (FIDELITY.md: the cache of roots
 * is what avoids rebuilding on every context switch). */
static void test_root_cache_of_one(void)
{
    hv_config c = cfg_shadow_default();
    c.shadow.root_cache = 1;
    guest_run r;
    if (run_guest(&r, "s_cr3", &c)) {
        check_cr3_tlb(&r);
        uint32_t hfn;
        expect_root_switch(&r, window(&r, 4, 5), "PD_A again, cache of 1",
                           C_PD_A >> 12, false, &hfn);
        CHECK_EQ(r.ctr.root_cache_hits, 0);
        CHECK_EQ(r.ctr.root_cache_misses, 3);
    }
    run_free(&r);
}

/* --- behaviour 6: A/D emulation --------------------------------------- */

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

/* The first write to a clean page exits (cause dirty bit; the page was
 * read first, so its shadow entry is present and read-only: error code
 * 0x3), the hypervisor sets D in the guest's PTE (an AD_SET of the guest
 * entry, A already set by the read), the guest reads D = 1; a second write
 * does not exit. A page written without a read first exits once too
 * (shadow entry not present: 0x2) and also ends with A and D. */
static void test_dirty_bit(void)
{
    hv_config c = cfg_native();
    guest_run r;
    if (run_guest(&r, "s_dirty", &c))
        check_dirty_results(&r);
    run_free(&r);

    c = cfg_shadow_default();
    if (!run_guest(&r, "s_dirty", &c))
        goto out;
    check_dirty_results(&r);
    win w = window(&r, 1, 2);
    expect_one_exit(&r, w, "first read", HV_EXIT_EXC_PF, 0x0,
                    HV_CAUSE_HIDDEN_FAULT, info(&r, 3));
    w = window(&r, 2, 3);
    expect_one_exit(&r, w, "first write", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_DIRTY_BIT, info(&r, 0));
    const hv_event *ad = first_ev(&r, w, HV_EV_AD_SET);
    CHECK(ad != NULL);
    if (ad) {
        CHECK_EQ(ad->a, 1);
        CHECK_EQ(ad->b, PTE_ADDR(G_PT0, D_VA_D));
        CHECK_EQ(ad->c, D_VA_D | PTE_P | PTE_RW | PTE_A);
        CHECK_EQ(ad->d, D_VA_D | PTE_P | PTE_RW | PTE_A | PTE_D);
    }
    expect_no_exit(&r, window(&r, 4, 5), "second write");
    expect_one_exit(&r, window(&r, 5, 6), "write, no read first",
                    HV_EXIT_EXC_PF, 0x2, HV_CAUSE_DIRTY_BIT, info(&r, 2));
out:
    run_free(&r);
}

/* The guest clears A and D in a PTE and INVLPGs it (page aging and
 * cleaning); the next read must set A, the next write D, as natively
 * (SDM Vol 3A §4.8). Under shadow the write to the table is emulated
 * (unsync off) or makes it unsync (on), and INVLPG resyncs it; either way
 * the shadow entry must stop granting what the guest's cleared flags no
 * longer record (KVM drops the entry of a gpte without A and makes a
 * clean one read-only). */
static void test_ad_cleared_by_guest(void)
{
    const char *names[] = {"native", "shadow, unsync off", "shadow, unsync on"};
    hv_config cfgs[] = {cfg_native(), cfg_shadow(false, 3), cfg_shadow(true, 3)};
    const uint32_t frame = 0x00300000u, pte = frame | PTE_P | PTE_RW;
    for (int i = 0; i < 3; i++) {
        guest_run r;
        if (run_guest(&r, "s_adclear", &cfgs[i])) {
            CHECK(ended_with(&r, 0));
            uint32_t got[3] = {gpa32(&r, GUEST_RES), gpa32(&r, GUEST_RES + 4),
                               gpa32(&r, GUEST_RES + 8)};
            const uint32_t want[3] = {pte | PTE_A | PTE_D, pte | PTE_A,
                                      pte | PTE_A | PTE_D};
            for (int k = 0; k < 3; k++)
                if (got[k] != want[k])
                    fprintf(stderr, "  %s: PTE at step %d is 0x%08x, the SDM "
                                    "says 0x%08x\n",
                            names[i], k + 1, got[k], want[k]);
            CHECK_EQ(got[0], want[0]);
            CHECK_EQ(got[1], want[1]);
            CHECK_EQ(got[2], want[2]);
        }
        run_free(&r);
    }
}

/* --- behaviour 7 and CR0.WP: true faults --------------------------------- */

#define T_NP 0x00300000u
#define T_RO 0x00301000u

/* The guest's view of s_truepf, the same natively: four #PFs with the
 * error codes and CR2 of FIDELITY.md "Observed on QEMU 7.2" (not-present
 * read 0, not-present write 2, write to read-only with WP = 1: 3), the
 * write under WP = 0 allowed and its PTE with A and D. */
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

/* Window w holds exactly one true fault: an exception/pf exit with cause
 * true fault and hardware error `qual`, then INJECT and the guest's
 * GUEST_FAULT with the guest's error code, CR2 and EIP. */
static void expect_true_fault(const guest_run *r, win w, const char *what,
                              uint32_t qual, uint32_t error, uint32_t cr2,
                              uint32_t eip)
{
    size_t n = exits_with_cause(r, w, HV_CAUSE_TRUE_FAULT);
    size_t x = ev_find(r, w.from, w.to, HV_EV_VM_EXIT, true, 0);
    while (x < w.to && r->log.ev[x].c != HV_CAUSE_TRUE_FAULT)
        x = ev_find(r, x + 1, w.to, HV_EV_VM_EXIT, true, 0);
    size_t inj = ev_find(r, x, w.to, HV_EV_INJECT, true, 0);
    size_t gf = ev_find(r, inj, w.to, HV_EV_GUEST_FAULT, true, 0);
    bool ok = n == 1 && x < w.to && inj < w.to && gf < w.to;
    if (ok) {
        const hv_event *e = &r->log.ev[x], *i = &r->log.ev[inj],
                       *g = &r->log.ev[gf];
        ok = e->a == HV_EXIT_EXC_PF && exit_code(e) == qual && e->d == eip &&
             i->a == 14 && i->b == error && i->d == eip && g->a == 14 &&
             g->b == error && g->c == cr2 && g->d == eip;
    }
    if (!ok) {
        fprintf(stderr, "  %s: expected a true fault (hw 0x%x, guest error "
                        "0x%x, CR2 0x%x, EIP 0x%x):\n",
                what, qual, error, cr2, eip);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

static void test_true_fault_injected(void)
{
    hv_config c = cfg_native();
    guest_run r;
    if (run_guest(&r, "s_truepf", &c)) {
        check_truepf_results(&r);
        CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_INJECT), 0);
    }
    run_free(&r);

    c = cfg_shadow_default();
    if (!run_guest(&r, "s_truepf", &c))
        goto out;
    check_truepf_results(&r);
    expect_true_fault(&r, window(&r, 2, 3), "read, not present", 0x0, 0x0,
                      T_NP + 0x124, info(&r, 0));
    expect_one_exit(&r, window(&r, 2, 3), "read, not present", HV_EXIT_EXC_PF,
                    0x0, HV_CAUSE_TRUE_FAULT, info(&r, 0));
    expect_true_fault(&r, window(&r, 3, 4), "write, not present", 0x2, 0x2,
                      T_NP + 0x458, info(&r, 1));
    /* RO was read first: its shadow entry is present and read-only. */
    expect_true_fault(&r, window(&r, 4, 5), "write, read-only", 0x3, 0x3,
                      T_RO + 0x788, info(&r, 2));
    expect_true_fault(&r, window(&r, 8, 9), "write, read-only again", 0x3,
                      0x3, T_RO + 0x788, info(&r, 3));
    CHECK_EQ(r.ctr.guest_faults, 4);
out:
    run_free(&r);
}

/* CR0.WP = 0 under shadow: the supervisor write to the read-only page is
 * allowed, as natively (no true fault, no injection); toggling WP exits
 * (control-register access, CR0) and switches to the shadow root of the
 * other role (KVM's role.cr0_wp): a new root (role 2 | 8 = 10) the first
 * time, then each root back from the cache. */
static void test_cr0_wp_roles(void)
{
    hv_config c = cfg_shadow_default();
    guest_run r;
    if (!run_guest(&r, "s_truepf", &c))
        goto out;
    uint32_t h0, h1, h0b, h1b;
    win w0 = {0, ev_mark(&r, 1)};
    expect_root_switch(&r, w0, "paging on, WP 0", G_PD >> 12, false, &h0);
    win w = window(&r, 1, 2);
    expect_one_exit_of(&r, w, "MOV CR0 (WP := 1)", HV_EXIT_CR0, 0,
                       HV_CAUSE_NONE, info(&r, 5));
    expect_root_switch(&r, w, "WP := 1", G_PD >> 12, false, &h1);
    CHECK(h1 != h0);
    const hv_event *a = first_ev(&r, w, HV_EV_SHADOW_ALLOC);
    CHECK(a != NULL);
    if (a) {
        CHECK_EQ(a->a, h1);
        CHECK_EQ(a->b, G_PD >> 12);
        CHECK_EQ(ROLE_BASE(a->c), 2 | 8);
    }
    expect_root_switch(&r, window(&r, 5, 6), "WP := 0", G_PD >> 12, true,
                       &h0b);
    CHECK_EQ(h0b, h0);
    w = window(&r, 6, 7);
    CHECK_EQ(exits_with_cause(&r, w, HV_CAUSE_TRUE_FAULT), 0);
    CHECK_EQ(count_ev(&r, w, HV_EV_INJECT), 0);
    CHECK_EQ(count_ev(&r, w, HV_EV_GUEST_FAULT), 0);
    expect_root_switch(&r, window(&r, 7, 8), "WP := 1 again", G_PD >> 12,
                       true, &h1b);
    CHECK_EQ(h1b, h1);
out:
    run_free(&r);
}

/* Rights of the directory level (SDM Vol 3A §4.6: with WP = 1 a supervisor
 * write needs R/W = 1 in the PDE and the PTE). A read-only PDE alias of a
 * page table, and a read-only 4 MiB PDE alias of a 4 MiB frame, are
 * written after their writable twins: both writes must fault with error 3
 * and CR2 = the alias, natively and under shadow; memory keeps the twins'
 * values. */
static void test_pde_rights_alias(void)
{
    const uint32_t va2 = 0x00800000u, va4 = 0x01000000u;
    for (int shadow = 0; shadow <= 1; shadow++) {
        hv_config c = shadow ? cfg_shadow_default() : cfg_native();
        guest_run r;
        if (run_guest(&r, "s_alias", &c)) {
            const char *mode = shadow ? "shadow" : "native";
            CHECK(ended_with(&r, 0));
            uint32_t n = gpa32(&r, GUEST_RES + 0xFC);
            if (n != 2)
                fprintf(stderr, "  %s: %u #PF, expected 2 (writes through "
                                "read-only PDEs)\n", mode, n);
            CHECK_EQ(n, 2);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x100), 3);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x104), va2);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x108), info(&r, 0));
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x110), 3);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x114), va4);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x118), info(&r, 1));
            CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0x11);
            CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0x33);
        }
        run_free(&r);
    }
}

/* --- guest 4 MiB pages ------------------------------------------------ */

#define L_VA 0x00400000u
#define L_FRAME 0x00800000u
#define L_PDE_DIRTY (L_FRAME | PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D)

/* A guest 4 MiB page under shadow: one direct shadow table (role 1 |
 * direct 4 | WP 0 = 5, for the guest frame 0x800) holds 4 KiB entries,
 * filled one piece at a time (a second piece is a second hidden fault,
 * into the same table). The hardware walks two levels of 4 KiB shadow
 * entries and the TLB holds 4 KiB pieces that are not "large" (natively:
 * a one-reference walk and large pieces). The guest's PDE gets A and D,
 * and the data lands in the 4 MiB frame. */
static void test_large_page(void)
{
    for (int shadow = 0; shadow <= 1; shadow++) {
        hv_config c = shadow ? cfg_shadow_default() : cfg_native();
        guest_run r;
        if (!run_guest(&r, "s_large", &c)) {
            run_free(&r);
            continue;
        }
        CHECK(ended_with(&r, 0));
        CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0xCAFEF00D);
        CHECK_EQ(gpa32(&r, GUEST_RES + 4), L_PDE_DIRTY);
        CHECK_EQ(gpa32(&r, L_FRAME + 0x1234), 0xCAFEF00D);
        win w1 = window(&r, 1, 2), w2 = window(&r, 2, 3);
        size_t f = ev_find_page(&r, w1.from, w1.to, HV_EV_TLB_FILL,
                                L_VA + 0x1000);
        CHECK(f < w1.to);
        bool large = f < w1.to && (r.log.ev[f].c & HV_TLBF_LARGE);
        size_t l1 = 0;
        for (size_t i = w2.from; i < w2.to; i++)
            l1 += r.log.ev[i].type == HV_EV_WALK_REF && r.log.ev[i].a == 1;
        if (!shadow) {
            CHECK(large);
            CHECK_EQ(l1, 0);
            run_free(&r);
            continue;
        }
        CHECK(!large);
        CHECK(l1 >= 1);
        const hv_event *a = first_ev(&r, w1, HV_EV_SHADOW_ALLOC);
        CHECK(a != NULL);
        if (a) {
            CHECK_EQ(a->b, L_FRAME >> 12);
            CHECK_EQ(ROLE_BASE(a->c), 1 | 4);
        }
        CHECK_EQ(count_ev(&r, w2, HV_EV_SHADOW_ALLOC), 0);
        CHECK_EQ(exits_with_cause(&r, w2, HV_CAUSE_HIDDEN_FAULT), 1);
        size_t fill = ev_find(&r, w2.from, w2.to, HV_EV_SHADOW_FILL, false, 1);
        CHECK(fill < w2.to);
        if (fill < w2.to)
            CHECK_EQ(r.log.ev[fill].d, L_VA + 0x3FF010);
        run_free(&r);
    }
}

/* The guest cleans its 4 MiB page: PDE := frame | P | RW | PS (A = D = 0)
 * and INVLPG. A read sets A again; a write to another 4 KiB piece sets D
 * again (SDM Vol 3A §4.8; natively the INVLPG dropped every piece). Under
 * shadow the PDE write is emulated, but the direct table's entries built
 * while the PDE was dirty must not let the write through without setting
 * D (KVM: a direct table for a clean guest PDE has no write access in its
 * role). */
static void test_large_page_cleaned(void)
{
    for (int shadow = 0; shadow <= 1; shadow++) {
        hv_config c = shadow ? cfg_shadow_default() : cfg_native();
        guest_run r;
        if (run_guest(&r, "s_large", &c)) {
            CHECK(ended_with(&r, 0));
            uint32_t after_read = gpa32(&r, GUEST_RES + 8);
            uint32_t after_write = gpa32(&r, GUEST_RES + 12);
            if (after_write != L_PDE_DIRTY)
                fprintf(stderr, "  %s: PDE after the write 0x%08x, the SDM "
                                "says 0x%08x\n", shadow ? "shadow" : "native",
                        after_write, L_PDE_DIRTY);
            CHECK_EQ(after_read, L_PDE_DIRTY & ~(uint32_t)PTE_D);
            CHECK_EQ(after_write, L_PDE_DIRTY);
        }
        run_free(&r);
    }
}

/* --- the budget ------------------------------------------------------- */

/* Ten shadow pages would hold everything s_budget touches (the root, PT0,
 * PT_1..PT_8). With a budget of 4 the hypervisor zaps the least recently
 * used pages (SHADOW_ZAP why budget, never a root) and the guest still
 * computes the right sums; the peak never passes the budget. */
static void test_budget(void)
{
    hv_config c = cfg_shadow_default();
    guest_run r;
    if (run_guest(&r, "s_budget", &c)) {
        CHECK(ended_with(&r, 0));
        CHECK_EQ(gpa32(&r, GUEST_RES + 0), 36u * 0x01010101u);
        CHECK_EQ(r.ctr.shadow_zaps, 0);
        CHECK_EQ(r.ctr.shadow_pages_peak, 10);
    }
    uint64_t roomy_hidden = r.ctr.hidden_faults;
    run_free(&r);

    c.shadow.max_pages = 4;
    if (!run_guest(&r, "s_budget", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    CHECK_EQ(gpa32(&r, GUEST_RES + 0), 36u * 0x01010101u);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 36u * 0x01010101u);
    size_t zaps = 0, budget = 0;
    for (size_t i = 0; i < r.log.n; i++)
        if (r.log.ev[i].type == HV_EV_SHADOW_ZAP) {
            zaps++;
            budget += r.log.ev[i].d == HV_ZAP_BUDGET;
            CHECK(ROLE_BASE(r.log.ev[i].c) != 2); /* never the root */
        }
    CHECK(zaps >= 1);
    CHECK_EQ(budget, zaps);
    CHECK(r.ctr.shadow_pages_peak <= 4);
    CHECK(r.ctr.hidden_faults > roomy_hidden);
    printf("  budget 4: %zu zaps, %llu hidden faults (budget 256: %llu)\n",
           zaps, (unsigned long long)r.ctr.hidden_faults,
           (unsigned long long)roomy_hidden);
out:
    run_free(&r);
}

static const check_test tests[] = {
    {"cr3_native_reference", test_cr3_native_reference},
    {"cr3_and_invlpg_exit", test_cr3_and_invlpg_exit},
    {"root_cache_of_one", test_root_cache_of_one},
    {"dirty_bit", test_dirty_bit},
    {"ad_cleared_by_guest", test_ad_cleared_by_guest},
    {"true_fault_injected", test_true_fault_injected},
    {"cr0_wp_roles", test_cr0_wp_roles},
    {"pde_rights_alias", test_pde_rights_alias},
    {"large_page", test_large_page},
    {"large_page_cleaned", test_large_page_cleaned},
    {"budget", test_budget},
    {NULL, NULL},
};

CHECK_MAIN(tests)
