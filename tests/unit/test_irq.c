/* Interrupts (issue 8; FIDELITY.md "Device emulation"; SDM Vol 3A §6.8.3
 * and Vol 3C §25-27): the PIT's IRQ 0 through the 8259A reaches the guest's
 * handler, natively as a hardware interrupt, under a hypervisor as an
 * injection whose exits depend on when the interrupt came (docs/
 * devices.md, KVM on VT-x): none extra when it came during an exit (the
 * HLT, an I/O exit), an external-interrupt exit when it came while the
 * guest ran, and an interrupt-window exit when the guest had IF = 0. STI's shadow holds
 * it for one instruction. The guest is tests/unit/guests/g_irq.asm. */
#include "guest_harness.h"

static size_t exits(const guest_run *r, size_t from, size_t to, hv_exit_key key)
{
    size_t n = 0;
    for (size_t i = from; i < to && i < r->log.n; i++)
        n += r->log.ev[i].type == HV_EV_VM_EXIT && r->log.ev[i].a == key;
    return n;
}

static void check_mode(hv_paging paging)
{
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = paging;
    guest_run r;
    run_guest(&r, "g_irq", &cfg);
    CHECK(ended_with(&r, 0));
    bool hv = paging != HV_PAGING_NATIVE;
    size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2), m3 = ev_mark(&r, 3);
    size_t m4 = ev_mark(&r, 4);

    CHECK_EQ(gpa32(&r, GUEST_RES), 3);     /* three ticks */
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 1); /* after the MOV */
    CHECK_EQ(gpa32(&r, GUEST_RES + 8), gpa32(&r, GUEST_INFO));
    CHECK_EQ(gpa32(&r, GUEST_RES + 12), 0x20);
    CHECK_EQ(r.ctr.interrupts, 3);
    CHECK_EQ(r.ctr.injections, hv ? 3 : 0);
    for (size_t i = 0; i < r.log.n; i++) {
        const hv_event *e = &r.log.ev[i];
        if (e->type == HV_EV_INTERRUPT) {
            CHECK_EQ(e->a, 0x20); /* ICW2 0x20 + IRQ 0 */
            CHECK_EQ(e->b, 0);
            CHECK_EQ(e->c, hv ? 1 : 0);
        }
    }

    /* 1: the CPU sleeps until the tick: the clock jumps (halt_idle). */
    CHECK_EQ(ev_count(&r, m1, m2, HV_EV_INTERRUPT), 1);
    CHECK(ev_count(&r, m1, m2, HV_EV_HALT_IDLE) == 1);
    CHECK(r.ctr.idle_cycles > 0);
    CHECK_EQ(exits(&r, m1, m2, HV_EXIT_HLT), hv ? 1 : 0);
    CHECK_EQ(exits(&r, m1, m2, HV_EXIT_EXT_INTR), 0);
    CHECK_EQ(exits(&r, m1, m2, HV_EXIT_INTR_WINDOW), 0);
    /* 2: the tick comes while the guest runs with IF = 1. */
    CHECK_EQ(ev_count(&r, m2, m3, HV_EV_INTERRUPT), 1);
    CHECK_EQ(exits(&r, m2, m3, HV_EXIT_EXT_INTR), hv ? 1 : 0);
    CHECK_EQ(exits(&r, m2, m3, HV_EXIT_INTR_WINDOW), 0);
    /* 3: it comes with IF = 0 and waits for STI and its shadow. The IRR
     * poll loop is 5 instructions and 2 I/O exits of about 13,500 cycles
     * each, so the tick falls due inside an exit: the hypervisor holds it
     * and asks for interrupt-window exiting (KVM re-evaluates at each
     * entry; no external-interrupt exit, as nothing interrupts the guest),
     * and the guest's STI, once its shadow has passed, gives exit 7. */
    CHECK_EQ(ev_count(&r, m3, m4, HV_EV_INTERRUPT), 1);
    CHECK_EQ(exits(&r, m3, m4, HV_EXIT_EXT_INTR), 0);
    CHECK_EQ(exits(&r, m3, m4, HV_EXIT_INTR_WINDOW), hv ? 1 : 0);
    size_t win = ev_find(&r, m3, m4, HV_EV_VM_EXIT, false, HV_EXIT_INTR_WINDOW);
    size_t intr = ev_find(&r, m3, m4, HV_EV_INTERRUPT, true, 0);
    if (hv)
        CHECK(win < intr);
    if (!hv)
        CHECK_EQ(r.ctr.vm_exits, 0);
    run_free(&r);
}

static void test_native(void)
{
    check_mode(HV_PAGING_NATIVE);
}

static void test_shadow(void)
{
    check_mode(HV_PAGING_SHADOW);
}

static void test_nested(void)
{
    check_mode(HV_PAGING_NESTED);
}

/* The same run twice: the same event stream (time is modelled). */
static void test_deterministic(void)
{
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = HV_PAGING_SHADOW;
    guest_run a, b;
    run_guest(&a, "g_irq", &cfg);
    run_guest(&b, "g_irq", &cfg);
    CHECK_EQ(a.log.n, b.log.n);
    if (a.log.n == b.log.n)
        CHECK(memcmp(a.log.ev, b.log.ev, a.log.n * sizeof *a.log.ev) == 0);
    run_free(&a);
    run_free(&b);
}

/* STI's shadow holds for the next instruction even when that instruction
 * crosses into a page not fetched before (its code hook runs twice). */
static void test_sti_shadow_across_pages(void)
{
    const hv_paging modes[] = {HV_PAGING_NATIVE, HV_PAGING_SHADOW,
                               HV_PAGING_NESTED};
    for (size_t i = 0; i < 3; i++) {
        hv_config cfg;
        hv_config_default(&cfg);
        cfg.paging = modes[i];
        guest_run r;
        run_guest(&r, "g_sti_cross", &cfg);
        CHECK(ended_with(&r, 0));
        CHECK_EQ(gpa32(&r, GUEST_RES), 1);
        run_free(&r);
    }
}

/* A halted CPU waits through a whole EVENT_IDX batch: 31 completions that
 * interrupt nobody (used_event = 31, §2.6.10), then the one that does. */
static void test_halt_through_a_virtio_batch(void)
{
    hv_config cfg;
    hv_config_default(&cfg);
    guest_run r;
    run_guest(&r, "g_virtio_batch", &cfg);
    CHECK(ended_with(&r, 0));
    CHECK_EQ(gpa32(&r, GUEST_RES), 32);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 1);
    run_free(&r);
}

static const check_test tests[] = {
    {"halt_through_a_virtio_batch", test_halt_through_a_virtio_batch},
    {"sti_shadow_across_pages", test_sti_shadow_across_pages},
    {"native", test_native},
    {"shadow_injection_exits", test_shadow},
    {"nested_injection_exits", test_nested},
    {"deterministic", test_deterministic},
    {NULL, NULL},
};

CHECK_MAIN(tests)
