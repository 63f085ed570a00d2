/* MMIO under each paging mode (FIDELITY.md behaviour 10, "Device
 * emulation"): an access to a device's page reaches the device, is
 * emulated (the device sees it once, with its size and value), and the
 * instruction is skipped (the guest goes on after it with the value the
 * device gave). Natively there is no exit; in shadow mode every access is
 * a #PF exit the hypervisor recognises as MMIO (the shadow entry stays not
 * present); in nested mode the first access is an EPT violation, after
 * which KVM's misconfigured entry makes every later one an EPT
 * misconfiguration. The guest is tests/unit/guests/g_mmio.asm. */
#include "guest_harness.h"

#define MMIO_PA 0xFEB00000u
#define MMIO_ID 0x4D4C5648u /* mmio_test.h: "HVLM" */
#define REG_EBX 3u          /* ModRM reg numbers (SDM Vol 2 Table 2-2) */
#define REG_EDX 2u
#define OPERAND_IMM 8u /* mmio_bus.h: an immediate */

static size_t exits_in(const guest_run *r, size_t from, size_t to,
                       hv_exit_key key, uint32_t cause)
{
    size_t n = 0;
    for (size_t i = from; i < to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        n += e->type == HV_EV_VM_EXIT && e->a == key && e->c == cause;
    }
    return n;
}

static const hv_event *only(const guest_run *r, size_t from, size_t to,
                            int type)
{
    CHECK_EQ(ev_count(r, from, to, type), 1);
    size_t i = ev_find(r, from, to, type, true, 0);
    return i < to ? &r->log.ev[i] : NULL;
}

/* What every mode must show: the device's values reach the guest, each
 * access happens once, the guest error names the missing register. */
static void check_device_view(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES), MMIO_ID);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0x55);  /* SCRATCH as stored */
    CHECK_EQ(gpa32(r, GUEST_RES + 8), 2);     /* two writes to SCRATCH */
    CHECK_EQ(gpa32(r, GUEST_RES + 12), 0x56); /* after ADD [SCRATCH], 1 */
    CHECK(strcmp(r->st.console, "k") == 0);

    size_t m1 = ev_mark(r, 1), m2 = ev_mark(r, 2), m3 = ev_mark(r, 3);
    size_t m4 = ev_mark(r, 4), m5 = ev_mark(r, 5), m6 = ev_mark(r, 6);
    size_t m8 = ev_mark(r, 8), m9 = ev_mark(r, 9);
    const hv_event *e = only(r, m1, m2, HV_EV_MMIO_READ);
    if (e) {
        CHECK_EQ(e->a, MMIO_PA);
        CHECK_EQ(e->b, 4);
        CHECK_EQ(e->c, MMIO_ID);
        CHECK_EQ(e->e, REG_EDX); /* MOV EDX, r/m32 (8B /r, reg = 2) */
    }
    e = only(r, m3, m4, HV_EV_MMIO_WRITE);
    if (e) {
        CHECK_EQ(e->a, MMIO_PA + 4);
        CHECK_EQ(e->c, 0x55);
        CHECK_EQ(e->e, OPERAND_IMM); /* MOV r/m32, imm32 (C7 /0) */
    }
    e = only(r, m4, m5, HV_EV_MMIO_READ);
    if (e)
        CHECK_EQ(e->e, REG_EBX); /* MOV EBX, r/m32 (8B /r, reg = 3) */
    /* A read-modify-write is one read and one write of the device. */
    e = only(r, m5, m6, HV_EV_MMIO_READ);
    if (e)
        CHECK_EQ(e->c, 0x55);
    e = only(r, m5, m6, HV_EV_MMIO_WRITE);
    if (e)
        CHECK_EQ(e->c, 0x56);
    /* (Markers are unclaimed ports: guest errors of their own.) */
    size_t bad = ev_find(r, m8, m9, HV_EV_GUEST_ERROR, false, HV_GERR_DEVICE);
    CHECK(bad < m9);
    if (bad < m9)
        CHECK_EQ(r->log.ev[bad].b, (5u << 16) | 0x10u); /* mmio_test +0x10 */
}

static void run_mode(guest_run *r, hv_paging paging)
{
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = paging;
    run_guest(r, "g_mmio", &cfg);
}

static void test_native_no_exit(void)
{
    guest_run r;
    run_mode(&r, HV_PAGING_NATIVE);
    check_device_view(&r);
    CHECK_EQ(r.ctr.vm_exits, 0);
    /* 7 device accesses: ID, the store, the load, read+write, 2 loads, the
     * TX byte, the bad register: 9 events in all. */
    CHECK_EQ(r.ctr.mmio_accesses, 9);
    /* The TLB holds the device page's translation like any other: the
     * first access through VA 0x00400000 misses, the rest hit. */
    size_t m3 = ev_mark(&r, 3), m9 = ev_mark(&r, 9);
    CHECK_EQ(ev_count_page(&r, m3, m9, HV_EV_TLB_MISS, 0x00400000u), 1);
    CHECK(ev_count_page(&r, m3, m9, HV_EV_TLB_HIT, 0x00400000u) >= 5);
    run_free(&r);
}

static void test_shadow_every_access_exits(void)
{
    guest_run r;
    run_mode(&r, HV_PAGING_SHADOW);
    check_device_view(&r);
    /* One #PF exit per instruction that touches the page, the ADD's read
     * and write included in one: 8 instructions (marks 1-2, 3-9). */
    size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2), m3 = ev_mark(&r, 3);
    size_t m5 = ev_mark(&r, 5), m6 = ev_mark(&r, 6), m9 = ev_mark(&r, 9);
    CHECK_EQ(exits_in(&r, m1, m2, HV_EXIT_EXC_PF, HV_CAUSE_MMIO), 1);
    CHECK_EQ(exits_in(&r, m5, m6, HV_EXIT_EXC_PF, HV_CAUSE_MMIO), 1);
    CHECK_EQ(exits_in(&r, m3, m9, HV_EXIT_EXC_PF, HV_CAUSE_MMIO), 7);
    CHECK_EQ(r.ctr.mmio_exits, 8);
    /* The shadow entry stays not present: no TLB entry ever names the
     * device page. */
    CHECK_EQ(ev_count_page(&r, m3, m9, HV_EV_TLB_FILL, 0x00400000u), 0);
    run_free(&r);
}

static void test_nested_violation_then_misconfig(void)
{
    guest_run r;
    run_mode(&r, HV_PAGING_NESTED);
    check_device_view(&r);
    size_t m1 = ev_mark(&r, 1), m2 = ev_mark(&r, 2), m3 = ev_mark(&r, 3);
    size_t m9 = ev_mark(&r, 9);
    CHECK_EQ(exits_in(&r, m1, m2, HV_EXIT_EPT_VIOLATION, HV_CAUSE_MMIO), 1);
    CHECK_EQ(exits_in(&r, m3, m9, HV_EXIT_EPT_VIOLATION, HV_CAUSE_MMIO), 0);
    CHECK_EQ(exits_in(&r, m3, m9, HV_EXIT_EPT_MISCONFIG, HV_CAUSE_MMIO), 7);
    CHECK_EQ(r.ctr.mmio_exits, 8);
    CHECK_EQ(ev_count_page(&r, m3, m9, HV_EV_TLB_FILL, 0x00400000u), 0);
    run_free(&r);
}

static void test_npt_every_access_faults(void)
{
    guest_run r;
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = HV_PAGING_NESTED;
    cfg.nested.npt = true;
    run_guest(&r, "g_mmio", &cfg);
    check_device_view(&r);
    /* No misconfiguration encoding in a 2-level 32-bit table: a nested
     * page fault every time. */
    CHECK_EQ(exits_in(&r, 0, r.log.n, HV_EXIT_NPF, HV_CAUSE_MMIO), 8);
    CHECK_EQ(r.ctr.mmio_exits, 8);
    run_free(&r);
}

static const check_test tests[] = {
    {"native_no_exit", test_native_no_exit},
    {"shadow_every_access_exits", test_shadow_every_access_exits},
    {"nested_violation_then_misconfig", test_nested_violation_then_misconfig},
    {"npt_every_access_faults", test_npt_every_access_faults},
    {NULL, NULL},
};

CHECK_MAIN(tests)
