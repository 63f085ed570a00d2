/* Unit tests of the port-I/O bus: dispatch, the IO_IN/IO_OUT events, the
 * unclaimed-port rule, access splitting, the exit device and the access
 * formatter (STYLE.md practice 13: poke ports, assert events). */
#include "devices/bus.h"

#include "check.h"
#include "devices/debug_exit.h"
#include "devices/uart16550.h"

#define COM1 0x3F8u
#define EXIT_PORT 0xF4u

typedef struct captured {
    hv_event_type type;
    uint32_t a, b, c, d;
} captured;

typedef struct rig {
    hv_bus bus;
    hv_uart16550 uart;
    hv_debug_exit exitdev;
    captured ev[32];
    unsigned nev;
    uint8_t tx[16];
    unsigned ntx;
    uint32_t exit_values[8];
    unsigned nexit;
} rig;

static void rig_emit(void *opaque, hv_event_type type, uint32_t a,
                     uint32_t b, uint32_t c, uint32_t d)
{
    rig *r = opaque;
    if (r->nev < sizeof(r->ev) / sizeof(r->ev[0]))
        r->ev[r->nev++] = (captured){type, a, b, c, d};
}

static void rig_tx(void *ctx, uint8_t byte)
{
    rig *r = ctx;
    if (r->ntx < sizeof(r->tx))
        r->tx[r->ntx++] = byte;
}

static void rig_exit(void *ctx, uint32_t value)
{
    rig *r = ctx;
    if (r->nexit < 8)
        r->exit_values[r->nexit++] = value;
}

static void rig_init(rig *r)
{
    memset(r, 0, sizeof(*r));
    hv_emitter emit = {.fn = rig_emit, .opaque = r};
    hv_bus_init(&r->bus, emit);
    hv_uart16550_init(&r->uart, rig_tx, NULL, r, emit);
    r->exitdev = (hv_debug_exit){.on_exit = rig_exit, .ctx = r};
    CHECK_OK(hv_bus_add(&r->bus, COM1, 8, &hv_uart16550_ops, &r->uart));
    CHECK_OK(hv_bus_add(&r->bus, EXIT_PORT, 4, &hv_debug_exit_ops,
                        &r->exitdev));
    r->nev = 0; /* events of the set-up are not the test's */
}

static void check_ev(const captured *e, hv_event_type type, uint32_t a,
                     uint32_t b, uint32_t c, uint32_t d)
{
    CHECK_EQ(e->type, type);
    CHECK_EQ(e->a, a);
    CHECK_EQ(e->b, b);
    CHECK_EQ(e->c, c);
    CHECK_EQ(e->d, d);
}

static void test_io_events(void)
{
    rig r;
    rig_init(&r);
    hv_bus_out(&r.bus, COM1, 1, 'h');
    CHECK_EQ(r.nev, 1);
    /* port, size, value, reg = kind << 8 | offset */
    check_ev(&r.ev[0], HV_EV_IO_OUT, COM1, 1, 'h',
             (HV_DEV_UART16550 << 8) | 0);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.tx[0], 'h');

    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 5, 1), 0x60);
    CHECK_EQ(r.nev, 2);
    check_ev(&r.ev[1], HV_EV_IO_IN, COM1 + 5, 1, 0x60,
             (HV_DEV_UART16550 << 8) | 5);

    /* OUT masks the value to the access size. */
    hv_bus_out(&r.bus, COM1 + 7, 1, 0x1234);
    check_ev(&r.ev[2], HV_EV_IO_OUT, COM1 + 7, 1, 0x34,
             (HV_DEV_UART16550 << 8) | 7);
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 7, 1), 0x34);
    CHECK_EQ(r.nev, 4);
}

static void test_unclaimed_reads_ones(void)
{
    rig r;
    rig_init(&r);
    /* The floating ISA bus: all ones, whatever the size. */
    CHECK_EQ(hv_bus_in(&r.bus, 0x80, 1), 0xFF);
    CHECK_EQ(hv_bus_in(&r.bus, 0x80, 2), 0xFFFF);
    CHECK_EQ(hv_bus_in(&r.bus, 0x80, 4), 0xFFFFFFFFu);
    CHECK_EQ(r.nev, 6);
    check_ev(&r.ev[0], HV_EV_IO_IN, 0x80, 1, 0xFF, 0);
    check_ev(&r.ev[1], HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED, 0x80, 0xFF,
             0);
    check_ev(&r.ev[2], HV_EV_IO_IN, 0x80, 2, 0xFFFF, 0);
    check_ev(&r.ev[3], HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED, 0x80,
             0xFFFF, 0);
    check_ev(&r.ev[5], HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED, 0x80,
             0xFFFFFFFFu, 0);
    /* Past the top of the I/O space too. */
    CHECK_EQ(hv_bus_in(&r.bus, 0xFFFF, 4), 0xFFFFFFFFu);
}

static void test_unclaimed_write_dropped(void)
{
    rig r;
    rig_init(&r);
    hv_bus_out(&r.bus, 0x80, 1, 0x42);
    CHECK_EQ(r.nev, 2);
    check_ev(&r.ev[0], HV_EV_IO_OUT, 0x80, 1, 0x42, 0);
    check_ev(&r.ev[1], HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED, 0x80, 0x42,
             0);
    /* Next to a device, but not in it: the device sees nothing. */
    hv_bus_out(&r.bus, COM1 - 1, 1, 'X');
    CHECK_EQ(r.ntx, 0);
    CHECK_EQ(r.nexit, 0);
}

static void test_word_out_splits(void)
{
    rig r;
    rig_init(&r);
    /* The UART is byte-wide: a word OUT to 0x3F8 is THR <- low byte, IER
     * <- high byte (little-endian, as the ISA bus and QEMU split it), and
     * still one guest access, one event. */
    hv_bus_out(&r.bus, COM1, 2, 0x0241);
    CHECK_EQ(r.nev, 1);
    check_ev(&r.ev[0], HV_EV_IO_OUT, COM1, 2, 0x0241,
             (HV_DEV_UART16550 << 8) | 0);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.tx[0], 'A');
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 1, 1), 0x02);

    /* A dword read of offsets 4..7: MCR, LSR, MSR, SCR. */
    hv_bus_out(&r.bus, COM1 + 7, 1, 0x5A);
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 4, 4), 0x5AB06008u);
    /* Unaligned word: LSR and MSR, split like real hardware (and QEMU
     * under KVM; QEMU's TCG refuses it). */
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 5, 2), 0xB060);
}

static void test_access_crossing_region(void)
{
    rig r;
    rig_init(&r);
    /* 0x3FF is the UART's SCR, 0x400 nobody's. */
    hv_bus_out(&r.bus, COM1 + 7, 1, 0x11);
    r.nev = 0;
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 7, 2), 0xFF11);
    CHECK_EQ(r.nev, 2);
    check_ev(&r.ev[0], HV_EV_IO_IN, COM1 + 7, 2, 0xFF11,
             (HV_DEV_UART16550 << 8) | 7);
    /* The error names the first port nobody owns. */
    check_ev(&r.ev[1], HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED, COM1 + 8,
             0xFF11, 0);
}

static void test_debug_exit(void)
{
    rig r;
    rig_init(&r);
    hv_bus_out(&r.bus, EXIT_PORT, 1, 0x1203); /* masked to the byte */
    hv_bus_out(&r.bus, EXIT_PORT + 2, 2, 0xBEEF);
    hv_bus_out(&r.bus, EXIT_PORT, 4, 0xDEADBEEFu);
    hv_bus_out(&r.bus, EXIT_PORT + 3, 1, 7); /* any of 0xF4..0xF7 */
    CHECK_EQ(r.nexit, 4);
    CHECK_EQ(r.exit_values[0], 0x03);
    CHECK_EQ(r.exit_values[1], 0xBEEF);
    CHECK_EQ(r.exit_values[2], 0xDEADBEEFu);
    CHECK_EQ(r.exit_values[3], 7);
    check_ev(&r.ev[0], HV_EV_IO_OUT, EXIT_PORT, 1, 0x03,
             (HV_DEV_DEBUG_EXIT << 8) | 0);
    check_ev(&r.ev[3], HV_EV_IO_OUT, EXIT_PORT + 3, 1, 7,
             (HV_DEV_DEBUG_EXIT << 8) | 3);
    /* Reads return 0 and end nothing. */
    CHECK_EQ(hv_bus_in(&r.bus, EXIT_PORT, 1), 0);
    CHECK_EQ(hv_bus_in(&r.bus, EXIT_PORT, 4), 0);
    CHECK_EQ(r.nexit, 4);
    /* A word at 0xF7 reaches the device with its low byte only. */
    hv_bus_out(&r.bus, EXIT_PORT + 3, 2, 0xABCD);
    CHECK_EQ(r.nexit, 5);
    CHECK_EQ(r.exit_values[4], 0xCD);
    /* The reset is a no-op and must not call on_exit. */
    hv_bus_reset(&r.bus);
    CHECK_EQ(r.nexit, 5);
}

static void test_add_refuses(void)
{
    hv_bus bus;
    hv_uart16550 u1, u2;
    hv_debug_exit d = {0};
    hv_bus_init(&bus, (hv_emitter){0});
    hv_uart16550_init(&u1, NULL, NULL, NULL, (hv_emitter){0});
    hv_uart16550_init(&u2, NULL, NULL, NULL, (hv_emitter){0});
    CHECK_OK(hv_bus_add(&bus, COM1, 8, &hv_uart16550_ops, &u1));
    /* Overlaps: inside, straddling either end, the same range. */
    CHECK_EQ(hv_bus_add(&bus, COM1 + 7, 1, &hv_debug_exit_ops, &d),
             HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, COM1 - 4, 8, &hv_uart16550_ops, &u2),
             HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, COM1 + 4, 8, &hv_uart16550_ops, &u2),
             HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, COM1, 8, &hv_uart16550_ops, &u2), HV_ERR_ARG);
    CHECK_EQ(bus.nregions, 1);
    /* Adjacent ranges are fine (COM2's neighbour, right after COM1). */
    CHECK_OK(hv_bus_add(&bus, COM1 - 8, 8, &hv_uart16550_ops, &u2));
    CHECK_OK(hv_bus_add(&bus, COM1 + 8, 4, &hv_debug_exit_ops, &d));
    /* Empty, past the top, too long for the reg field, no ops. */
    CHECK_EQ(hv_bus_add(&bus, 0x100, 0, &hv_debug_exit_ops, &d), HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, 0xFFFE, 4, &hv_debug_exit_ops, &d),
             HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, 0x1000, 257, &hv_debug_exit_ops, &d),
             HV_ERR_ARG);
    CHECK_EQ(hv_bus_add(&bus, 0x100, 4, NULL, &d), HV_ERR_ARG);
    CHECK_OK(hv_bus_add(&bus, 0xFFFC, 4, &hv_debug_exit_ops, &d));
    /* Full. */
    while (bus.nregions < HV_BUS_MAX_REGIONS)
        CHECK_OK(hv_bus_add(&bus, (uint16_t)(0x2000 + 16 * bus.nregions), 4,
                            &hv_debug_exit_ops, &d));
    CHECK_EQ(hv_bus_add(&bus, 0x8000, 4, &hv_debug_exit_ops, &d),
             HV_ERR_NOMEM);
}

static void test_bad_size(void)
{
    rig r;
    rig_init(&r);
    CHECK_EQ(hv_bus_in(&r.bus, COM1 + 5, 3), 0xFFFFFFFFu);
    hv_bus_out(&r.bus, COM1, 0, 'x');
    CHECK_EQ(r.ntx, 0);
    CHECK_EQ(r.nev, 2);
    check_ev(&r.ev[0], HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, COM1 + 5, 3,
             0);
    check_ev(&r.ev[1], HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, COM1, 0, 0);
}

static void test_kind_ops(void)
{
    CHECK(hv_device_kind_ops(HV_DEV_UART16550) == &hv_uart16550_ops);
    CHECK(hv_device_kind_ops(HV_DEV_DEBUG_EXIT) == &hv_debug_exit_ops);
    CHECK(hv_device_kind_ops(0) == NULL);
    CHECK(hv_device_kind_ops(HV_DEV__COUNT) == NULL);
    CHECK(hv_device_kind_ops(0xFFFFFFFFu) == NULL);
    CHECK_EQ(hv_uart16550_ops.kind, HV_DEV_UART16550);
    CHECK_EQ(hv_debug_exit_ops.kind, HV_DEV_DEBUG_EXIT);
}

static void check_fmt(bool is_write, uint32_t port, uint32_t size,
                      uint32_t value, uint32_t reg, const char *want)
{
    char buf[160];
    int n = hv_bus_format_access(is_write, port, size, value, reg, buf,
                                 sizeof(buf));
    CHECK_STR(buf, want);
    CHECK_EQ(n, (int)strlen(want));
}

static void test_format_access(void)
{
    const uint32_t uart = HV_DEV_UART16550 << 8, ex = HV_DEV_DEBUG_EXIT << 8;
    check_fmt(true, 0x3F8, 1, 'h', uart | 0, "OUT 0x3F8 THR 'h'");
    check_fmt(false, 0x3FD, 1, 0x60, uart | 5,
              "IN 0x3FD LSR -> 0x60 (THRE|TEMT)");
    check_fmt(true, 0x3F8, 1, '\n', uart | 0, "OUT 0x3F8 THR '\\x0A'");
    check_fmt(false, 0x3FA, 1, 0xC2, uart | 2,
              "IN 0x3FA IIR -> 0xC2 (THR empty, FIFOs on)");
    check_fmt(true, 0x3FA, 1, 0xC7, uart | 2,
              "OUT 0x3FA FCR 0xC7 (FIFOs on, clear RX, clear TX, "
              "RX trigger 14)");
    check_fmt(true, 0x3FB, 1, 0x83, uart | 3, "OUT 0x3FB LCR 0x83 (8N1, DLAB)");
    check_fmt(false, 0x3FF, 1, 0x5A, uart | 7, "IN 0x3FF SCR -> 0x5A");
    check_fmt(false, 0x80, 1, 0xFF, 0, "IN 0x80 -> 0xFF (unclaimed)");
    check_fmt(false, 0x80, 2, 0xFFFF, 0, "IN 0x80 -> 0xFFFF (unclaimed)");
    check_fmt(true, 0x80, 1, 0x12, 0, "OUT 0x80 0x12 (unclaimed)");
    check_fmt(true, 0xF4, 1, 0x01, ex | 0,
              "OUT 0xF4 EXIT 0x01 (QEMU exits with 3)");
    check_fmt(true, 0xF4, 4, 0xDEADBEEFu, ex | 0,
              "OUT 0xF4 EXIT 0xDEADBEEF (QEMU exits with 223)");
    check_fmt(false, 0xF4, 4, 0, ex | 0, "IN 0xF4 EXIT -> 0x00000000");
    /* Split accesses: the whole value, then each byte's register. */
    check_fmt(true, 0x3F8, 2, 0x0241, uart | 0,
              "OUT 0x3F8 0x0241: THR 'A', IER 0x02 (ETBEI)");
    check_fmt(false, 0x3FD, 2, 0xB060, uart | 5,
              "IN 0x3FD -> 0xB060: LSR 0x60 (THRE|TEMT), "
              "MSR 0xB0 (CTS|DSR|DCD)");
    /* A piece past the device's registers is shown by port. */
    check_fmt(false, 0x3FF, 2, 0xFF11, uart | 7,
              "IN 0x3FF -> 0xFF11: SCR 0x11, 0x400 0xFF");

    /* snprintf's contract: NUL-terminated, returns the full length. */
    char small[8];
    int n = hv_bus_format_access(false, 0x3FD, 1, 0x60, uart | 5, small,
                                 sizeof(small));
    CHECK_EQ(n, (int)strlen("IN 0x3FD LSR -> 0x60 (THRE|TEMT)"));
    CHECK_STR(small, "IN 0x3F");
    n = hv_bus_format_access(true, 0x3F8, 1, 'h', uart, NULL, 0);
    CHECK_EQ(n, (int)strlen("OUT 0x3F8 THR 'h'"));
}

static const check_test tests[] = {
    {"io_events", test_io_events},
    {"unclaimed_reads_ones", test_unclaimed_reads_ones},
    {"unclaimed_write_dropped", test_unclaimed_write_dropped},
    {"word_out_splits", test_word_out_splits},
    {"access_crossing_region", test_access_crossing_region},
    {"debug_exit", test_debug_exit},
    {"add_refuses", test_add_refuses},
    {"bad_size", test_bad_size},
    {"kind_ops", test_kind_ops},
    {"format_access", test_format_access},
    {NULL, NULL},
};

CHECK_MAIN(tests)
