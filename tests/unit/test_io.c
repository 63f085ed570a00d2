/* Port I/O exits (FIDELITY.md behaviour 9, "Device emulation"): under a
 * hypervisor each non-repeated IN/OUT is one exit, a REP INS/OUTS one exit
 * for all its items, and a polled UART at least 2 exits per byte (LSR,
 * then THR); natively the same accesses are I/O events without exits. The
 * exit qualification is the SDM's (Vol 3C Table 27-5). The guest is
 * tests/unit/guests/g_io.asm. */
#include "guest_harness.h"

#define COM1 0x3F8u

/* I/O exits strictly between two markers' events. The closing marker's
 * own OUT exits just before its IO_OUT event, so it is not counted. */
static size_t io_exits(const guest_run *r, size_t from, size_t to,
                       const hv_event **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = from + 1; i + 1 < to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type == HV_EV_VM_EXIT && e->a == HV_EXIT_IO) {
            if (!n)
                *first = e;
            n++;
        }
    }
    return n;
}

static void check_mode(hv_paging paging)
{
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = paging;
    guest_run r;
    run_guest(&r, "g_io", &cfg);
    CHECK(ended_with(&r, 0));
    bool hv = paging != HV_PAGING_NATIVE;
    size_t m[7];
    for (uint32_t i = 1; i <= 6; i++)
        m[i] = ev_mark(&r, i);
    const hv_event *x;

    /* IN AL, DX: one access; qualification: size 1 (0), IN (bit 3), DX
     * form (bit 6 clear), port in 31:16. */
    CHECK_EQ(ev_count(&r, m[1], m[2], HV_EV_IO_IN), 1);
    CHECK_EQ(io_exits(&r, m[1], m[2], &x), hv ? 1 : 0);
    if (hv && x)
        CHECK_EQ(x->b, ((COM1 + 5) << 16) | (1u << 3));
    /* OUT DX, AL: direction bit clear. */
    CHECK_EQ(io_exits(&r, m[2], m[3], &x), hv ? 1 : 0);
    if (hv && x)
        CHECK_EQ(x->b, (COM1 + 7) << 16);
    /* REP OUTSB of 16 bytes: 16 accesses, one exit; string (bit 4) and
     * REP (bit 5) set. */
    CHECK_EQ(ev_count(&r, m[3], m[4], HV_EV_IO_OUT), 16 + 1);
    CHECK_EQ(io_exits(&r, m[3], m[4], &x), hv ? 1 : 0);
    if (hv && x)
        CHECK_EQ(x->b, ((COM1 + 7) << 16) | (1u << 4) | (1u << 5));
    /* A 16-bit OUT: one instruction, one exit, size 2 (1 in bits 2:0),
     * even though the byte-wide UART takes it as two writes. */
    CHECK_EQ(io_exits(&r, m[4], m[5], &x), hv ? 1 : 0);
    if (hv && x)
        CHECK_EQ(x->b, (COM1 << 16) | 1u);
    /* Polled output of 8 bytes: LSR until THRE, then THR: >= 2 exits per
     * byte, and exactly 8 THR writes. */
    size_t thr = 0;
    for (size_t i = m[5] + 1; i < m[6]; i++)
        thr += r.log.ev[i].type == HV_EV_IO_OUT && r.log.ev[i].a == COM1;
    CHECK_EQ(thr, 8);
    size_t polled = io_exits(&r, m[5], m[6], &x);
    if (hv)
        CHECK(polled >= 2 * 8);
    else
        CHECK_EQ(polled, 0);
    CHECK(strcmp(r.st.console, "Apolled!\n") == 0);
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

static const check_test tests[] = {
    {"native_no_exits", test_native},
    {"shadow_one_exit_per_insn", test_shadow},
    {"nested_one_exit_per_insn", test_nested},
    {NULL, NULL},
};

CHECK_MAIN(tests)
