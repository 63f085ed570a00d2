/* Shadow paging, coherence (FIDELITY.md "Shadow paging", behaviour 3;
 * KVM's Documentation/virt/kvm/x86/mmu.rst): a guest write to a guest page
 * table the hypervisor shadows exits and is emulated, and the shadow
 * follows; the unsync policy for leaf tables; write flooding; the reverse
 * map. Guests: tests/shadow/guests/s_wp, s_unsync, s_flood, s_rmap,
 * s_repstos, s_wplarge, s_unsync2.
 *
 * Expected values come from the guests' own tables, FIDELITY.md and KVM's
 * mmu.rst (and the SDM for the error codes), never from a previous run:
 *   - a write to a guest table whose shadow entry is present but read-only
 *     is a protection fault on a write: hardware error code 0x3 (P | W),
 *     reason exception/pf, cause write-protect trap;
 *   - the emulated store lands as the guest wrote it (EMULATED_WRITE with
 *     the guest-physical address, the value and the size);
 *   - the next access through the changed entry reaches the new frame: the
 *     same host frame the identity map of that frame reached.
 */
#include "shadow_util.h"

/* Guest-physical layout of the s_* guests (st.inc and the guests). */
#define G_PD 0x10000u
#define G_PT1 0x12000u
#define G_PT2 0x13000u
#define G_VA_X 0x00400000u
#define G_VA_Y 0x00800000u
#define G_FRAME_A 0x00300000u
#define G_FRAME_B 0x00301000u
#define G_FRAME_C 0x00302000u

/* The guest's value for entry i of a table: frame | P | RW. */
#define ENTRY(frame) ((frame) | PTE_P | PTE_RW)

/* Checks one emulated write in window w: one EMULATED_WRITE event with
 * the guest-physical address, value, size 4 and the EIP of the store. */
static void expect_emulated(const guest_run *r, win w, const char *what,
                            uint32_t gpa, uint32_t value, uint32_t eip)
{
    const hv_event *e = first_ev(r, w, HV_EV_EMULATED_WRITE);
    size_t n = count_ev(r, w, HV_EV_EMULATED_WRITE);
    bool ok = n == 1 && e && e->a == gpa && e->b == value && e->c == 4 &&
              e->d == eip;
    if (!ok) {
        fprintf(stderr, "  %s: expected emulated_write gpa=0x%x value=0x%x "
                        "size=4 eip=0x%x, got %zu:\n",
                what, gpa, value, eip, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

/* The guest's own view of the s_wp run, the same in every mode. */
static void check_wp_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0xAAAAAAAA);             /* before */
    CHECK_EQ(gpa32(r, GUEST_RES + 4), ENTRY(G_FRAME_B));       /* read back */
    CHECK_EQ(gpa32(r, GUEST_RES + 8), 0xBBBBBBBB);             /* new frame */
    CHECK_EQ(gpa32(r, GUEST_RES + 12), ENTRY(G_PT2));          /* the PDE */
    CHECK_EQ(gpa32(r, GUEST_RES + 16), 0xCCCCCCCC);            /* via PT2 */
}

/* s_wp on native paging: the same results, and no VM exit at all. */
static void test_wp_native_reference(void)
{
    hv_config c = cfg_native();
    guest_run r;
    if (run_guest(&r, "s_wp", &c)) {
        check_wp_results(&r);
        CHECK_EQ(r.ctr.vm_exits, 0);
        CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_EMULATED_WRITE), 0);
    }
    run_free(&r);
}

/* Behaviour 3 with unsync off: both a leaf table's entry and a directory
 * entry are written through a write-protect trap and emulated; the shadow
 * follows both. */
static void test_wp_trap_emulated(void)
{
    hv_config c = cfg_shadow(false, 3);
    guest_run r;
    if (!run_guest(&r, "s_wp", &c))
        goto out;
    check_wp_results(&r);

    /* W1: PT1[VA_X] := FRAME_B. */
    win w = window(&r, 1, 2);
    expect_one_exit(&r, w, "W1 (leaf table)", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 0));
    expect_emulated(&r, w, "W1", G_PT1, ENTRY(G_FRAME_B), info(&r, 0));
    CHECK_EQ(count_ev(&r, w, HV_EV_SHADOW_UNSYNC), 0);
    /* The exit event itself: the VT-x basic reason of exception/pf is 0. */
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_EXC_PF), 0);

    /* The shadow follows: after INVLPG the read of VA_X fills the TLB with
     * the host frame the identity map of FRAME_B reached (GPA != HPA under
     * a hypervisor, so compare host frames). */
    size_t m1 = ev_mark(&r, 1);
    uint32_t hfn_a = filled_frame(&r, 0, m1, G_FRAME_A);
    uint32_t hfn_b = filled_frame(&r, 0, m1, G_FRAME_B);
    CHECK(hfn_a != hfn_b);
    w = window(&r, 3, 4);
    CHECK_EQ(filled_frame(&r, w.from, w.to, G_VA_X), hfn_b);

    /* W2: PD[VA_Y] := PT2, a directory entry. */
    w = window(&r, 4, 5);
    expect_one_exit(&r, w, "W2 (directory)", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 1));
    expect_emulated(&r, w, "W2", G_PD + 4 * (G_VA_Y >> 22), ENTRY(G_PT2),
                    info(&r, 1));
    w = window(&r, 5, 6);
    CHECK_EQ(filled_frame(&r, w.from, w.to, G_VA_Y),
             filled_frame(&r, 0, m1, G_FRAME_C));

    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_SHADOW_UNSYNC), 0);
    CHECK_EQ(r.ctr.pt_write_traps, 2);
    CHECK_EQ(r.ctr.emulated_writes, 2);
out:
    run_free(&r);
}

/* Behaviour 3 with unsync on (the default): the leaf table goes unsync at
 * its first trap instead of being emulated; the directory never goes
 * unsync, so its write is emulated (KVM: only last-level pages go
 * unsync). */
static void test_wp_directory_never_unsync(void)
{
    hv_config c = cfg_shadow_default();
    guest_run r;
    if (!run_guest(&r, "s_wp", &c))
        goto out;
    check_wp_results(&r);

    win w = window(&r, 1, 2);
    expect_one_exit(&r, w, "W1 (leaf table)", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 0));
    const hv_event *u = first_ev(&r, w, HV_EV_SHADOW_UNSYNC);
    CHECK(u != NULL);
    if (u)
        CHECK_EQ(u->b, G_PT1 >> 12);
    CHECK_EQ(count_ev(&r, w, HV_EV_EMULATED_WRITE), 0);

    w = window(&r, 4, 5);
    expect_one_exit(&r, w, "W2 (directory)", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 1));
    expect_emulated(&r, w, "W2", G_PD + 4 * (G_VA_Y >> 22), ENTRY(G_PT2),
                    info(&r, 1));
    for (size_t i = 0; i < r.log.n; i++)
        if (r.log.ev[i].type == HV_EV_SHADOW_UNSYNC)
            CHECK(r.log.ev[i].b != G_PD >> 12);
out:
    run_free(&r);
}

/* The guest's view of s_unsync: FRAME_B after the first INVLPG, FRAME_C
 * after the second. */
static void check_unsync_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0xBBBBBBBB);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0xCCCCCCCC);
}

static void expect_resync(const guest_run *r, win w, const char *what,
                          uint32_t changed)
{
    const hv_event *e = first_ev(r, w, HV_EV_SHADOW_RESYNC);
    size_t n = count_ev(r, w, HV_EV_SHADOW_RESYNC);
    bool ok = n == 1 && e && e->b == G_PT1 >> 12 && e->c == changed;
    if (!ok) {
        fprintf(stderr, "  %s: expected one shadow_resync of gfn 0x%x with "
                        "%u changed, got %zu:\n",
                what, G_PT1 >> 12, changed, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

/* Unsync on: the first write to the leaf table exits and makes it unsync;
 * further writes do not exit. The guest's INVLPG exits and syncs the one
 * entry it names, leaving the table unsync (KVM's FNAME(invlpg)); its CR3
 * load exits and resyncs the whole table and write-protects it again. The
 * resync counts the shadow entries whose guest entry changed: at the first
 * INVLPG the entry of VA_X; at the CR3 load none (W4, W5 wrote unused
 * entries); at the last INVLPG the entry of VA_X again (W6). */
static void test_unsync_until_invlpg_or_cr3(void)
{
    hv_config c = cfg_shadow_default();
    guest_run r;
    if (!run_guest(&r, "s_unsync", &c))
        goto out;
    check_unsync_results(&r);

    win w = window(&r, 1, 2);
    expect_one_exit(&r, w, "W1", HV_EXIT_EXC_PF, 0x3, HV_CAUSE_WP_TRAP,
                    info(&r, 0));
    CHECK_EQ(count_ev(&r, w, HV_EV_SHADOW_UNSYNC), 1);
    expect_no_exit(&r, window(&r, 2, 3), "W2 (unsync)");
    expect_no_exit(&r, window(&r, 3, 4), "W3 (unsync)");

    w = window(&r, 4, 5);
    expect_one_exit(&r, w, "INVLPG", HV_EXIT_INVLPG, G_VA_X, HV_CAUSE_NONE,
                    info(&r, 6));
    expect_resync(&r, w, "INVLPG", 1);

    /* INVLPG syncs only its own entry; the table stays unsync (KVM's
     * FNAME(invlpg)), so W4 and W5 do not exit either. */
    expect_no_exit(&r, window(&r, 6, 7), "W4 (still unsync)");
    expect_no_exit(&r, window(&r, 7, 8), "W5 (unsync)");

    w = window(&r, 8, 9);
    expect_one_exit(&r, w, "MOV CR3", HV_EXIT_CR3, 3, HV_CAUSE_NONE,
                    info(&r, 8));
    expect_resync(&r, w, "MOV CR3", 0);

    w = window(&r, 9, 10);
    expect_one_exit(&r, w, "W6 (synced again)", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 5));
    w = window(&r, 10, 11);
    expect_one_exit(&r, w, "INVLPG 2", HV_EXIT_INVLPG, G_VA_X, HV_CAUSE_NONE,
                    info(&r, 7));
    expect_resync(&r, w, "INVLPG 2", 1);

    CHECK_EQ(r.ctr.emulated_writes, 0);
out:
    run_free(&r);
}

/* Unsync off (and no flooding): every write to the table exits and is
 * emulated; INVLPG and MOV CR3 still exit, but there is nothing to
 * resync. */
static void test_no_unsync_every_write_exits(void)
{
    hv_config c = cfg_shadow(false, 0);
    guest_run r;
    if (!run_guest(&r, "s_unsync", &c))
        goto out;
    check_unsync_results(&r);

    static const struct {
        uint32_t a, b, info, gpa, value;
    } writes[] = {
        {1, 2, 0, G_PT1 + 4, ENTRY(G_FRAME_A)},
        {2, 3, 1, G_PT1 + 0, ENTRY(G_FRAME_B)},
        {3, 4, 2, G_PT1 + 8, 0},
        {6, 7, 3, G_PT1 + 12, 0},
        {7, 8, 4, G_PT1 + 16, 0},
        {9, 10, 5, G_PT1 + 0, ENTRY(G_FRAME_C)},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "W%zu", i + 1);
        win w = window(&r, writes[i].a, writes[i].b);
        expect_one_exit(&r, w, what, HV_EXIT_EXC_PF, 0x3, HV_CAUSE_WP_TRAP,
                        info(&r, writes[i].info));
        expect_emulated(&r, w, what, writes[i].gpa, writes[i].value,
                        info(&r, writes[i].info));
    }
    expect_one_exit(&r, window(&r, 4, 5), "INVLPG", HV_EXIT_INVLPG, G_VA_X,
                    HV_CAUSE_NONE, info(&r, 6));
    expect_one_exit(&r, window(&r, 8, 9), "MOV CR3", HV_EXIT_CR3, 3,
                    HV_CAUSE_NONE, info(&r, 8));
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_SHADOW_UNSYNC), 0);
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_SHADOW_RESYNC), 0);
    CHECK_EQ(r.ctr.pt_write_traps, 6);
    CHECK_EQ(r.ctr.emulated_writes, 6);
out:
    run_free(&r);
}

/* Write flooding (unsync off, threshold 3): the third emulated write to a
 * table nothing uses in between unshadows it (SHADOW_ZAP why flood, role
 * level 1, not direct, WP 0). From then on its writes are no write-protect
 * traps and are not emulated; once its shadow entry is writable (the first
 * write after the zap may take one ordinary fault to get there) they do
 * not exit at all. Using the table again (reading VA_X) shadows it again. */
static void test_write_flooding(void)
{
    hv_config c = cfg_shadow(false, 3);
    guest_run r;
    if (!run_guest(&r, "s_flood", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    for (uint32_t i = 1; i <= 6; i++)
        CHECK_EQ(gpa32(&r, GUEST_RES + 4 * (i - 1)),
                 ENTRY(G_FRAME_A + i * 0x1000u));
    CHECK_EQ(gpa32(&r, GUEST_RES + 0x18), 0xAAAAAAAA); /* VA_X: FRAME_A */

    for (uint32_t i = 0; i < 3; i++) {
        char what[32];
        snprintf(what, sizeof what, "W%u", i + 1);
        win w = window(&r, i + 1, i + 2);
        expect_one_exit(&r, w, what, HV_EXIT_EXC_PF, 0x3, HV_CAUSE_WP_TRAP,
                        info(&r, i));
        expect_emulated(&r, w, what, G_PT1 + 4 * (i + 1),
                        ENTRY(G_FRAME_A + (i + 1) * 0x1000u), info(&r, i));
        const hv_event *z = first_ev(&r, w, HV_EV_SHADOW_ZAP);
        if (i < 2) {
            CHECK(z == NULL);
        } else {
            CHECK(z != NULL);
            if (z) {
                CHECK_EQ(z->b, G_PT1 >> 12);
                CHECK_EQ(ROLE_BASE(z->c), 1);
                CHECK_EQ(z->d, HV_ZAP_FLOOD);
            }
        }
    }
    win w4 = window(&r, 4, 5);
    CHECK_EQ(exits_with_cause(&r, w4, HV_CAUSE_WP_TRAP), 0);
    CHECK_EQ(count_ev(&r, w4, HV_EV_EMULATED_WRITE), 0);
    CHECK(nonio_exits(&r, w4, NULL) <= 1);
    expect_no_exit(&r, window(&r, 5, 6), "W5, W6 (unshadowed)");

    win w = window(&r, 6, 7);
    const hv_event *a = first_ev(&r, w, HV_EV_SHADOW_ALLOC);
    CHECK(a != NULL);
    if (a)
        CHECK_EQ(a->b, G_PT1 >> 12);
    CHECK_EQ(r.ctr.emulated_writes, 3);
out:
    run_free(&r);
}

/* With unsync on, the same writes: one trap, the table goes unsync, no
 * emulation and so no flooding. */
static void test_flooding_needs_emulation(void)
{
    hv_config c = cfg_shadow(true, 3);
    guest_run r;
    if (!run_guest(&r, "s_flood", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    expect_one_exit(&r, window(&r, 1, 2), "W1", HV_EXIT_EXC_PF, 0x3,
                    HV_CAUSE_WP_TRAP, info(&r, 0));
    for (uint32_t i = 2; i <= 5; i++)
        expect_no_exit(&r, window(&r, i, i + 1), "unsync writes");
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_SHADOW_ZAP), 0);
    CHECK_EQ(r.ctr.emulated_writes, 0);
out:
    run_free(&r);
}

/* The reverse map: the alias was writable before PT1 became a shadowed
 * table; shadowing PT1 write-protects it (SHADOW_WRPROT of PT1's frame
 * with at least that one entry), so the write through the alias exits,
 * and the shadow follows it. Both policies. */
static void test_rmap_old_alias(void)
{
    for (int unsync = 0; unsync <= 1; unsync++) {
        hv_config c = cfg_shadow(unsync, 3);
        guest_run r;
        if (!run_guest(&r, "s_rmap", &c)) {
            run_free(&r);
            continue;
        }
        CHECK(ended_with(&r, 0));
        CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0xBBBBBBBB);
        win w = window(&r, 1, 2);
        const hv_event *p = first_ev(&r, w, HV_EV_SHADOW_WRPROT);
        CHECK(p != NULL);
        if (p) {
            CHECK_EQ(p->a, G_PT1 >> 12);
            CHECK(p->b >= 1);
        }
        w = window(&r, 2, 3);
        expect_one_exit(&r, w, unsync ? "alias write (unsync)"
                                      : "alias write (emulated)",
                        HV_EXIT_EXC_PF, 0x3, HV_CAUSE_WP_TRAP, info(&r, 0));
        CHECK_EQ(count_ev(&r, w, HV_EV_EMULATED_WRITE), unsync ? 0 : 1);
        run_free(&r);
    }
}

/* One REP STOSD clears two entries of a shadowed table (unsync off): each
 * store is a write-protect trap, emulated, and the shadow follows each,
 * so after INVLPG both pages are not present: #PF, error 0, CR2 = each
 * page (natively the same). */
static void test_rep_stos_each_store_followed(void)
{
    const uint32_t va_x = G_VA_X, va_y = G_VA_X + 0x1000u;
    for (int mode = 0; mode < 3; mode++) {
        hv_config c = mode == 0 ? cfg_native() : cfg_shadow(mode == 2, 3);
        guest_run r;
        if (run_guest(&r, "s_repstos", &c)) {
            CHECK(ended_with(&r, 0));
            CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), 2);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x100), 0);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x104), va_x);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x108), info(&r, 0));
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x110), 0);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x114), va_y);
            CHECK_EQ(gpa32(&r, GUEST_RES + 0x118), info(&r, 1));
            if (mode == 1) {
                win w = window(&r, 2, 3);
                CHECK_EQ(exits_with_cause(&r, w, HV_CAUSE_WP_TRAP), 2);
                CHECK_EQ(count_ev(&r, w, HV_EV_EMULATED_WRITE), 2);
            }
        }
        run_free(&r);
    }
}

/* The reverse map covers direct tables: PT1 lives inside a guest 4 MiB
 * page whose direct shadow entry for PT1's frame was writable; shadowing
 * PT1 write-protects it, the guest's write to PT1 exits, the shadow
 * follows. Both policies. */
static void test_rmap_inside_large_page(void)
{
    for (int unsync = 0; unsync <= 1; unsync++) {
        hv_config c = cfg_shadow(unsync, 3);
        guest_run r;
        if (run_guest(&r, "s_wplarge", &c)) {
            CHECK(ended_with(&r, 0));
            CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0xBBBBBBBB);
            const hv_event *p = first_ev(&r, window(&r, 1, 2),
                                         HV_EV_SHADOW_WRPROT);
            CHECK(p != NULL);
            if (p) {
                CHECK_EQ(p->a, G_PT1 >> 12);
                CHECK(p->b >= 1);
            }
            expect_one_exit(&r, window(&r, 2, 3), "write to PT1",
                            HV_EXIT_EXC_PF, 0x3, HV_CAUSE_WP_TRAP,
                            info(&r, 0));
        }
        run_free(&r);
    }
}

/* An unsync table shared by two directories, changed while the current
 * directory has not linked it yet: after the guest's INVLPGs, both pages
 * must translate to the new frames (natively and with unsync off they do).
 * With unsync on, INVLPG finds no shadow directory entry to follow, so
 * the table stays unsync; linking it later must not revive the entries
 * the guest replaced (KVM syncs an unsync page when it links it). */
static void test_unsync_shared_table(void)
{
    const char *names[] = {"native", "shadow, unsync off",
                           "shadow, unsync on"};
    for (int mode = 0; mode < 3; mode++) {
        hv_config c = mode == 0 ? cfg_native() : cfg_shadow(mode == 2, 3);
        guest_run r;
        if (run_guest(&r, "s_unsync2", &c)) {
            CHECK(ended_with(&r, 0));
            uint32_t x = gpa32(&r, GUEST_RES + 0), y = gpa32(&r, GUEST_RES + 4);
            if (x != 0xCCCCCCCC || y != 0xDDDDDDDD)
                fprintf(stderr, "  %s: VA_X read 0x%08x, VA_Y 0x%08x; the "
                                "guest's entries say 0xcccccccc, 0xdddddddd\n",
                        names[mode], x, y);
            CHECK_EQ(x, 0xCCCCCCCC);
            CHECK_EQ(y, 0xDDDDDDDD);
        }
        run_free(&r);
    }
}

static const check_test tests[] = {
    {"wp_native_reference", test_wp_native_reference},
    {"wp_trap_emulated", test_wp_trap_emulated},
    {"wp_directory_never_unsync", test_wp_directory_never_unsync},
    {"unsync_until_invlpg_or_cr3", test_unsync_until_invlpg_or_cr3},
    {"no_unsync_every_write_exits", test_no_unsync_every_write_exits},
    {"write_flooding", test_write_flooding},
    {"flooding_needs_emulation", test_flooding_needs_emulation},
    {"rmap_old_alias", test_rmap_old_alias},
    {"rep_stos_each_store_followed", test_rep_stos_each_store_followed},
    {"rmap_inside_large_page", test_rmap_inside_large_page},
    {"unsync_shared_table", test_unsync_shared_table},
    {NULL, NULL},
};

CHECK_MAIN(tests)
