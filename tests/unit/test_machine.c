/* Engine behaviour tests of the machine as a whole: how a VM ends (exit
 * port, HLT, guest-physical addresses that are not RAM), determinism of the
 * event stream, and what a guest sees not depending on the paging mode.
 * Guests: tests/unit/guests/g_end.asm and the guests of test_native.c.
 */
#include "guest_harness.h"

/* --- how a VM ends ------------------------------------------------------- */

static void run_end_case(guest_run *r, uint32_t which)
{
    size_t len = 0;
    uint8_t *img = guest_image("g_end", &len);
    if (!img) {
        memset(r, 0, sizeof *r);
        return;
    }
    guest_patch32(img, len, GUEST_INFO, which);
    run_image(r, NULL, img, len);
    free(img);
}

/* The last event is VM_END with `reason`. */
static void check_vm_end(const guest_run *r, hv_vm_exit_reason reason)
{
    CHECK_EQ(r->why, HV_STOP_ENDED);
    CHECK_EQ(r->st.exit_reason, reason);
    CHECK(r->log.n > 0);
    if (r->log.n == 0)
        return;
    const hv_event *e = &r->log.ev[r->log.n - 1];
    CHECK_EQ(e->type, HV_EV_VM_END);
    CHECK_EQ(e->a, reason);
    CHECK_EQ(ev_count(r, 0, r->log.n, HV_EV_VM_END), 1);
}

/* Each case must end the VM with HV_VM_BAD_ACCESS, and the access must
 * be an event too (hv_events.h: HV_GERR_UNBACKED names the guest-physical
 * address), wherever the CPU made it. */
static void check_bad_access(const uint32_t (*bad)[3], size_t n)
{
    guest_run r;
    for (size_t i = 0; i < n; i++) {
        run_end_case(&r, bad[i][0]);
        if (!r.m)
            continue;
        check_vm_end(&r, HV_VM_BAD_ACCESS);
        CHECK(!r.st.has_status);
        size_t ge = ev_find(&r, 0, r.log.n, HV_EV_GUEST_ERROR, false,
                            HV_GERR_UNBACKED);
        uint32_t got = ge < r.log.n ? r.log.ev[ge].b : 0xFFFFFFFFu;
        if (got < bad[i][1] || got > bad[i][2]) {
            fprintf(stderr, "  case %u: GUEST_ERROR unbacked addr 0x%08x, "
                            "want 0x%08x..0x%08x (detail: %s)\n", bad[i][0],
                    got, bad[i][1], bad[i][2], r.st.detail);
            CHECK(!"GUEST_ERROR unbacked with the address");
        }
        run_free(&r);
    }
}

static void test_vm_end(void)
{
    guest_run r;
    run_end_case(&r, 0);
    if (r.m) {
        check_vm_end(&r, HV_VM_EXIT_PORT);
        CHECK(r.st.has_status);
        CHECK_EQ(r.st.exit_status, 0x42);
        CHECK_EQ(r.log.ev[r.log.n - 1].b, 0x42);
        /* The machine is over: running it again is an error. */
        CHECK_EQ(hv_machine_run(r.m, 10, NULL), HV_ERR_ENDED);
    }
    run_free(&r);

    run_end_case(&r, 1);
    if (r.m) {
        check_vm_end(&r, HV_VM_HALT);
        CHECK(!r.st.has_status);
    }
    run_free(&r);

    /* Guest-physical addresses with no RAM behind them: the case and the
     * bytes the access touched. */
    static const uint32_t bad[][3] = {
        {2, 0xB8000, 0xB8003},       {3, 0xB8000, 0xB8000},
        {4, 0x01000000, 0x01000003}, {5, 0x02000010, 0x02000013},
        {6, 0x03000000, 0x03000003}, {7, 0xA0000, 0xA0004},
    };
    check_bad_access(bad, sizeof bad / sizeof bad[0]);
}

/* The same when the CPU itself touches the hole while delivering INT 0x30:
 * the gate at IDTR 0xA0000, or the 12-byte frame below ESP 0xA1000. */
static void test_bad_access_in_delivery(void)
{
    static const uint32_t bad[][3] = {
        {8, 0xA0180, 0xA0187},
        {9, 0xA0FF4, 0xA0FFF},
    };
    check_bad_access(bad, sizeof bad / sizeof bad[0]);
}

/* --- determinism: same guest, same config, same stream ------------------- */

static bool same_event(const hv_event *a, const hv_event *b)
{
    return a->seq == b->seq && a->icount == b->icount &&
           a->cycles == b->cycles && a->type == b->type && a->vm == b->vm &&
           a->a == b->a && a->b == b->b && a->c == b->c && a->d == b->d;
}

static void test_deterministic_stream(void)
{
    static const char *const guests[] = {"g_walk", "g_pfcodes", "g_stale",
                                         "g_df"};
    for (size_t g = 0; g < 2 * 4; g++) {
        guest_run a, b;
        hv_config cfg;
        hv_config_default(&cfg);
        cfg.paging = g < 4 ? HV_PAGING_NATIVE : HV_PAGING_SHADOW;
        cfg.tlb.entries = 16;
        cfg.tlb.ways = 2;
        cfg.tlb.policy = HV_TLB_RANDOM;
        cfg.seed = 12345;
        run_guest(&a, guests[g % 4], &cfg);
        run_guest(&b, guests[g % 4], &cfg);
        CHECK(a.log.n > 100);
        CHECK_EQ(a.log.n, b.log.n);
        size_t diff = a.log.n;
        for (size_t i = 0; i < a.log.n && i < b.log.n; i++)
            if (!same_event(&a.log.ev[i], &b.log.ev[i])) {
                diff = i;
                break;
            }
        CHECK_EQ(diff, a.log.n);
        CHECK(memcmp(&a.ctr, &b.ctr, sizeof a.ctr) == 0);
        CHECK(memcmp(&a.regs, &b.regs, sizeof a.regs) == 0);
        run_free(&a);
        run_free(&b);
    }
}

/* --- what the guest sees does not depend on the paging mode -------------- */

/* Values the guests store (RES offsets) that the SDM fixes whatever runs
 * underneath: under a shadowing hypervisor the guest must see the same A/D
 * bits, #PF error codes and CR2 (FIDELITY.md behaviour 7) and exception
 * deliveries. (The stale reads of g_stale and g_tlb_global are "may"
 * behaviours and stay out.) test_native.c checks the same values with
 * their reasons. */
typedef struct seen {
    const char *guest;
    uint32_t off, value;
} seen;

static const seen guest_view[] = {
    {"g_walk", 0x00, 0x12023},     {"g_walk", 0x04, 0x52002},
    {"g_walk", 0x08, 0x12023},     {"g_walk", 0x0C, 0x50023},
    {"g_walk", 0x10, 0x12023},     {"g_walk", 0x14, 0x50063},
    {"g_walk", 0x18, 0x51063},     {"g_walk", 0x1C, 0x12023},
    {"g_walk", 0x20, 0xA3},        {"g_walk", 0x24, 0xE3},
    {"g_walk", 0x40, 1},           {"g_walk", 0x44, 0},
    {"g_walk", 0x48, 0x402000},
    {"g_pfcodes", 0x00, 0x301001}, {"g_pfcodes", 0x04, 0x303021},
    {"g_pfcodes", 0x08, 0x301061}, {"g_pfcodes", 0x0C, 0x5A5A5A5A},
    {"g_pfcodes", 0x10, 0x303061}, {"g_pfcodes", 0x14, 0xA5A5A5A5},
    {"g_pfcodes", 0x100, 0x0},     {"g_pfcodes", 0x104, 0x300124},
    {"g_pfcodes", 0x110, 0x2},     {"g_pfcodes", 0x114, 0x300458},
    {"g_pfcodes", 0x120, 0x3},     {"g_pfcodes", 0x124, 0x301788},
    {"g_pfcodes", 0x130, 0x3},     {"g_pfcodes", 0x134, 0x303010},
    {"g_pfcodes", 0x140, 0x0},     {"g_pfcodes", 0x144, 0x302010},
    {"g_pfcodes", 0x150, 0x0},     {"g_pfcodes", 0x154, 0x800ABC},
    {"g_pfcodes", 0x160, 0x0},     {"g_pfcodes", 0x164, 0x305000},
    {"g_pfcodes", 0x170, 0x0},     {"g_pfcodes", 0x174, 0x307000},
    {"g_pfcodes", 0x180, 0x2},     {"g_pfcodes", 0x184, 0x307000},
    {"g_pfcodes", 0x190, 0x9},     {"g_pfcodes", 0x194, 0x1000123},
    {"g_stale", 0x00, 0xAAAA0001}, {"g_stale", 0x08, 0xBBBB0002},
    {"g_tlb_global", 0x00, 0x11111111},
    {"g_tlb_global", 0x08, 0x22222222},
    {"g_priv", 0x30, 0},           {"g_priv", 0x34, 0x90},
    {"g_priv", 0xFC, 3},
};

static void test_guest_view_shadow(void)
{
    static const hv_paging modes[] = {HV_PAGING_NATIVE, HV_PAGING_SHADOW};
    size_t n = sizeof guest_view / sizeof guest_view[0];
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && strcmp(guest_view[i].guest,
                                guest_view[i - 1].guest) == 0)
                continue;
            hv_config c;
            hv_config_default(&c);
            c.paging = modes[k];
            guest_run r;
            if (run_guest(&r, guest_view[i].guest, &c)) {
                CHECK(ended_with(&r, 0));
                for (size_t j = i; j < n && strcmp(guest_view[j].guest,
                                                   guest_view[i].guest) == 0;
                     j++) {
                    uint32_t v = gpa32(&r, GUEST_RES + guest_view[j].off);
                    if (v != guest_view[j].value) {
                        fprintf(stderr, "  %s %s: RES+0x%x = 0x%x, want "
                                "0x%x\n", hv_paging_name(modes[k]),
                                guest_view[j].guest, guest_view[j].off, v,
                                guest_view[j].value);
                        CHECK(!"guest view");
                    }
                }
            }
            run_free(&r);
        }
}

/* CR0.WP = 0 then 1 again under the shadowing hypervisor: the write to
 * read-only RO1 that WP = 0 allowed must fault once WP = 1 (SDM §4.6:
 * CR0.WP is checked on every access; it is not cached with a translation;
 * FIDELITY.md "Shadow paging": shadow entries built under WP = 0 are not
 * reused under WP = 1). g_pfcodes fault 11. */
static void test_shadow_wp_set_again(void)
{
    hv_config c;
    hv_config_default(&c);
    c.paging = HV_PAGING_SHADOW;
    guest_run r;
    if (!run_guest(&r, "g_pfcodes", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    size_t last = r.log.n;
    for (size_t i = 0; i < r.log.n; i++)
        if (r.log.ev[i].type == HV_EV_GUEST_FAULT)
            last = i;
    CHECK(last < r.log.n);
    if (last < r.log.n) {
        CHECK_EQ(r.log.ev[last].a, 14);
        CHECK_EQ(r.log.ev[last].b, 3);
        CHECK_EQ(r.log.ev[last].c, 0x301788);
    }
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), 11);
    CHECK_EQ(gpa32(&r, GUEST_RES + 0x1A0), 3);
    CHECK_EQ(gpa32(&r, GUEST_RES + 0x1A4), 0x301788);
    CHECK_EQ(gpa32(&r, GUEST_RES + 24), 0x5A5A5A5A); /* write refused */
out:
    run_free(&r);
}

static const check_test tests[] = {
    {"vm_end", test_vm_end},
    {"bad_access_in_delivery", test_bad_access_in_delivery},
    {"deterministic_stream", test_deterministic_stream},
    {"guest_view_shadow", test_guest_view_shadow},
    {"shadow_wp_set_again", test_shadow_wp_set_again},
    {NULL, NULL},
};

CHECK_MAIN(tests)
