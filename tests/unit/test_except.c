/* Engine behaviour tests: exception and interrupt delivery through the
 * guest's IDT (SDM Vol 3A ch. 6; FIDELITY.md "x86 32-bit paging", the
 * double-fault table). Guests: tests/unit/guests/g_exc.asm, g_df.asm,
 * g_triple.asm. Expected vectors, error codes and saved EIPs come from the
 * SDM and from the guests' own INFO tables (labels of the instructions).
 * Every test runs natively and under the shadowing hypervisor: delivery is
 * what the guest sees, whatever the paging mode (FIDELITY.md behaviour 7).
 */
#include "guest_harness.h"

static const hv_paging modes[] = {HV_PAGING_NATIVE, HV_PAGING_SHADOW};
#define NMODES (sizeof modes / sizeof modes[0])

static hv_config mode_cfg(hv_paging paging)
{
    hv_config c;
    hv_config_default(&c);
    c.paging = paging;
    return c;
}

/* One delivery as the event stream shows it. */
typedef struct delivery {
    int type; /* HV_EV_GUEST_FAULT or HV_EV_SOFT_INT */
    uint32_t vector, error, eip;
} delivery;

/* Collects the GUEST_FAULT and SOFT_INT events of [from, to). */
static size_t deliveries(const guest_run *r, size_t from, size_t to,
                         delivery *out, size_t max)
{
    size_t n = 0;
    for (size_t i = from; i < to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type != HV_EV_GUEST_FAULT && e->type != HV_EV_SOFT_INT)
            continue;
        if (n < max)
            out[n] = (delivery){e->type, e->a,
                                e->type == HV_EV_GUEST_FAULT ? e->b : 0,
                                e->d};
        n++;
    }
    return n;
}

static void check_delivery(const delivery *d, int type, uint32_t vector,
                           uint32_t error, uint32_t eip)
{
    if (type >= 0)
        CHECK_EQ(d->type, type);
    CHECK_EQ(d->vector, vector);
    CHECK_EQ(d->error, error);
    CHECK_EQ(d->eip, eip);
}

/* --- #DE, #BP, #UD, #GP, INT n: five times in a row each ---------------- */

#define REPEAT 5

static void repeated_delivery(hv_paging paging)
{
    hv_config c = mode_cfg(paging);
    guest_run r;
    if (!run_guest(&r, "g_exc", &c))
        goto out;
    CHECK(ended_with(&r, 0)); /* 0x7D would mean a #DF reached the guest */
    uint32_t info[7];
    for (int i = 0; i < 7; i++)
        info[i] = gpa32(&r, GUEST_INFO + 4 * (uint32_t)i);
    /* vector, event type (-1: either), error code, pushed EIP. #DE, #UD,
     * #GP are faults: the EIP of the instruction. #BP and INT n are traps:
     * the next instruction. #GP(0x18): the selector, EXT = 0 since the
     * program's own MOV DS raised it (SDM §6.13). */
    const struct {
        uint32_t vector;
        int type;
        uint32_t error, eip;
    } want[5] = {
        {0, HV_EV_GUEST_FAULT, 0, info[0]},
        {3, -1, 0, info[2]},
        {6, HV_EV_GUEST_FAULT, 0, info[3]},
        {13, HV_EV_GUEST_FAULT, 0x18, info[4]},
        {0x30, HV_EV_SOFT_INT, 0, info[6]},
    };
    delivery d[64];
    size_t n = deliveries(&r, 0, r.log.n, d, 64);
    CHECK_EQ(n, 5 * REPEAT);
    for (size_t i = 0; i < n && i < 5 * REPEAT; i++) {
        size_t k = i / REPEAT;
        check_delivery(&d[i], want[k].type, want[k].vector, want[k].error,
                       want[k].eip);
        CHECK(d[i].vector != 8);
    }
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_IRET), 5 * REPEAT);
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_TRIPLE_FAULT), 0);
    CHECK_EQ(r.ctr.guest_faults, ev_count(&r, 0, r.log.n, HV_EV_GUEST_FAULT));

    /* What the handlers found on their stacks: vector, error code, saved
     * EIP; the same handler ESP every time and ESP back where it started,
     * so each delivery pushed exactly its frame and IRET popped it. */
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), 5 * REPEAT);
    uint32_t esp0 = gpa32(&r, GUEST_RES + 0xF8);
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xF4), esp0);
    for (uint32_t i = 0; i < 5 * REPEAT; i++) {
        uint32_t rec = GUEST_RES + 0x100 + 16 * i, k = i / REPEAT;
        CHECK_EQ(gpa32(&r, rec), want[k].vector);
        CHECK_EQ(gpa32(&r, rec + 4), want[k].error);
        CHECK_EQ(gpa32(&r, rec + 8), want[k].eip);
        /* EFLAGS, CS, EIP, error code (or the stub's 0), vector, EAX, EBX */
        CHECK_EQ(gpa32(&r, rec + 12), esp0 - 28);
    }
    /* The #GP left DS as it was (the MOV DS did not complete). */
    CHECK_EQ(r.regs.ds, 0x10);
out:
    run_free(&r);
}

/* --- the double-fault table (SDM Vol 3A table 6-5) ---------------------- */

static void double_fault_table(hv_paging paging)
{
    hv_config c = mode_cfg(paging);
    guest_run r;
    if (!run_guest(&r, "g_df", &c))
        goto out;
    CHECK(ended_with(&r, 0)); /* 0x7C: a handler that must not run ran */
    uint32_t info[6];
    for (int i = 0; i < 6; i++)
        info[i] = gpa32(&r, GUEST_INFO + 4 * (uint32_t)i);
    delivery d[8];

    /* 1-2: #PF, then #PF reading its gate: #DF with error code 0. */
    size_t n = deliveries(&r, ev_mark(&r, 1), ev_mark(&r, 2), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, 14, 0, info[0]);
        CHECK_EQ(d[1].type, HV_EV_GUEST_FAULT);
        CHECK_EQ(d[1].vector, 8);
        CHECK_EQ(d[1].error, 0);
    }
    /* 3-4: #DE (contributory), then #GP (contributory): #DF. */
    n = deliveries(&r, ev_mark(&r, 3), ev_mark(&r, 4), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, 0, 0, info[1]);
        CHECK_EQ(d[1].vector, 8);
        CHECK_EQ(d[1].error, 0);
    }
    /* 5-6: #UD (benign), then #GP: handled serially, the #GP is
     * delivered: error code = selector 0x18 | EXT (an earlier exception
     * was being delivered, SDM §6.13), saved EIP = the UD2 (a fault). */
    n = deliveries(&r, ev_mark(&r, 5), ev_mark(&r, 6), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, 6, 0, info[2]);
        check_delivery(&d[1], HV_EV_GUEST_FAULT, 13, 0x19, info[2]);
    }
    /* 7-8: INT 0x40 past the IDT limit: #GP(0x40*8 + 2), IDT bit set,
     * EXT = 0 (the program's own INT n); saved EIP = the INT. */
    n = deliveries(&r, ev_mark(&r, 7), ev_mark(&r, 8), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EQ(d[0].type, HV_EV_SOFT_INT);
        CHECK_EQ(d[0].vector, 0x40);
        check_delivery(&d[1], HV_EV_GUEST_FAULT, 13, 0x202, info[3]);
    }
    /* 9-10: #DE (contributory), then #PF reading its gate: handled
     * serially, the #PF is delivered (table 6-5: only #PF first makes a
     * #PF second into #DF). */
    n = deliveries(&r, ev_mark(&r, 9), ev_mark(&r, 10), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, 0, 0, info[4]);
        CHECK_EQ(d[1].vector, 14);
        CHECK_EQ(d[1].error, 0);
    }
    /* 11-12: #PF, then #GP (its gate's selector): #DF. */
    n = deliveries(&r, ev_mark(&r, 11), ev_mark(&r, 12), d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, 14, 0, info[5]);
        CHECK_EQ(d[1].vector, 8);
        CHECK_EQ(d[1].error, 0);
    }

    /* What the handlers saw: vector, error code, saved EIP, CR2. */
    CHECK_EQ(gpa32(&r, GUEST_RES + 0xFC), 6);
    const uint32_t rec0 = GUEST_RES + 0x100;
    CHECK_EQ(gpa32(&r, rec0 + 0), 8);
    CHECK_EQ(gpa32(&r, rec0 + 4), 0);
    CHECK_EQ(gpa32(&r, rec0 + 12), 0x20000); /* CR2: IDT entry 14 */
    CHECK_EQ(gpa32(&r, rec0 + 16), 8);
    CHECK_EQ(gpa32(&r, rec0 + 20), 0);
    CHECK_EQ(gpa32(&r, rec0 + 32), 13);
    CHECK_EQ(gpa32(&r, rec0 + 36), 0x19);
    CHECK_EQ(gpa32(&r, rec0 + 40), info[2]);
    CHECK_EQ(gpa32(&r, rec0 + 48), 13);
    CHECK_EQ(gpa32(&r, rec0 + 52), 0x202);
    CHECK_EQ(gpa32(&r, rec0 + 56), info[3]);
    CHECK_EQ(gpa32(&r, rec0 + 64), 14);
    CHECK_EQ(gpa32(&r, rec0 + 68), 0);
    CHECK_EQ(gpa32(&r, rec0 + 72), info[4]);
    CHECK_EQ(gpa32(&r, rec0 + 76), 0x21FF8); /* CR2: IDT2 entry 0 */
    CHECK_EQ(gpa32(&r, rec0 + 80), 8);
    CHECK_EQ(gpa32(&r, rec0 + 84), 0);
    CHECK_EQ(gpa32(&r, rec0 + 92), 0x300000); /* CR2: the data read */
    CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_TRIPLE_FAULT), 0);
out:
    run_free(&r);
}

/* --- a fault while delivering #DF: triple fault, shutdown --------------- */

static void run_triple(guest_run *r, hv_paging paging, uint32_t which)
{
    hv_config c = mode_cfg(paging);
    size_t len = 0;
    uint8_t *img = guest_image("g_triple", &len);
    if (!img) {
        memset(r, 0, sizeof *r);
        return;
    }
    guest_patch32(img, len, GUEST_INFO, which);
    run_image(r, &c, img, len);
    free(img);
}

static void check_triple(const guest_run *r, uint32_t first_vector,
                         uint32_t second, uint32_t eip)
{
    CHECK_EQ(r->why, HV_STOP_ENDED);
    CHECK_EQ(r->st.exit_reason, HV_VM_TRIPLE_FAULT);
    CHECK(!r->st.has_status);
    CHECK_EQ(r->st.console_len, 0);
    delivery d[8];
    size_t n = deliveries(r, 0, r->log.n, d, 8);
    CHECK_EQ(n, 2);
    if (n == 2) {
        check_delivery(&d[0], HV_EV_GUEST_FAULT, first_vector, 0, eip);
        CHECK_EQ(d[1].vector, 8);
        CHECK_EQ(d[1].error, 0);
    }
    size_t t = ev_find(r, 0, r->log.n, HV_EV_TRIPLE_FAULT, true, 0);
    CHECK(t < r->log.n);
    if (t < r->log.n) {
        CHECK_EQ(r->log.ev[t].a, 8);
        CHECK_EQ(r->log.ev[t].b, second);
        CHECK_EQ(r->log.ev[t].d, eip);
    }
    CHECK_EQ(ev_count(r, 0, r->log.n, HV_EV_TRIPLE_FAULT), 1);
    /* Shutdown: nothing runs after it; the last event ends the VM. Under
     * a hypervisor the triple fault is also a VM exit (VT-x basic reason
     * 2) between the two. */
    bool exit_between = r->log.n > 2 && t == r->log.n - 3 &&
                        r->log.ev[r->log.n - 2].type == HV_EV_VM_EXIT &&
                        r->log.ev[r->log.n - 2].a == HV_EXIT_TRIPLE_FAULT;
    CHECK(r->log.n > 0 && (t == r->log.n - 2 || exit_between));
    if (r->log.n > 0) {
        const hv_event *e = &r->log.ev[r->log.n - 1];
        CHECK_EQ(e->type, HV_EV_VM_END);
        CHECK_EQ(e->a, HV_VM_TRIPLE_FAULT);
    }
    CHECK_EQ(ev_count(r, 0, r->log.n, HV_EV_IRET), 0);
    for (size_t i = 0; i < r->log.n; i++)
        CHECK(!(r->log.ev[i].type == HV_EV_IO_OUT && r->log.ev[i].a == 0xF4));
}

static void triple_fault(hv_paging paging)
{
    guest_run r;
    /* #PF, #PF pushing its frame (#DF), #PF pushing the #DF frame. */
    run_triple(&r, paging, 0);
    if (r.m) {
        check_triple(&r, 14, 14, gpa32(&r, GUEST_INFO + 4));
        CHECK_EQ(r.regs.cr2 & ~0xFFFu, 0x301000); /* the stack's page */
    }
    run_free(&r);
    /* #DE, #GP (bad gate): #DF, whose gate is as bad: #GP. */
    run_triple(&r, paging, 1);
    if (r.m)
        check_triple(&r, 0, 13, gpa32(&r, GUEST_INFO + 8));
    run_free(&r);
}

/* Each test, natively and under the shadowing hypervisor. */
#define BOTH_MODES(name)                                                      \
    static void test_##name(void)                                             \
    {                                                                         \
        for (size_t k = 0; k < NMODES; k++) {                                 \
            int before = check_failures;                                      \
            name(modes[k]);                                                   \
            if (check_failures != before)                                     \
                fprintf(stderr, "  ^ paging %s\n",                           \
                        hv_paging_name(modes[k]));                            \
        }                                                                     \
    }
BOTH_MODES(repeated_delivery)
BOTH_MODES(double_fault_table)
BOTH_MODES(triple_fault)

static const check_test tests[] = {
    {"repeated_delivery", test_repeated_delivery},
    {"double_fault_table", test_double_fault_table},
    {"triple_fault", test_triple_fault},
    {NULL, NULL},
};

CHECK_MAIN(tests)
