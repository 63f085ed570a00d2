/* Unit tests of the 16550A model, poked through the bus at COM1 (0x3F8)
 * as a guest would (STYLE.md practice 13, QEMU qtest style). Expected
 * values come from the PC16550D datasheet and QEMU's hw/char/serial.c
 * (FIDELITY.md "Observed on QEMU 7.2"). */
#include "devices/uart16550.h"

#include "check.h"

#define COM1 0x3F8u

typedef struct rig {
    hv_bus bus;
    hv_uart16550 uart;
    uint8_t tx[64];
    size_t ntx;
    int irq_level; /* last level set_irq saw */
    int irq_calls; /* how often set_irq was called */
    int irq_rises; /* 0 -> 1 transitions (what an edge-triggered PIC sees) */
    uint64_t now;  /* the fake clock (timed rigs), in UART clock ticks */
    struct {
        uint32_t type, a, b, c;
    } ev[16]; /* events the UART emitted (timed rigs) */
    size_t nev;
} rig;

static void rig_tx(void *ctx, uint8_t byte)
{
    rig *r = ctx;
    if (r->ntx < sizeof(r->tx))
        r->tx[r->ntx++] = byte;
}

static void rig_irq(void *ctx, int level)
{
    rig *r = ctx;
    if (level && !r->irq_level)
        r->irq_rises++;
    r->irq_level = level;
    r->irq_calls++;
}

static void rig_init(rig *r)
{
    memset(r, 0, sizeof(*r));
    r->irq_level = -1; /* so the reset's lowering shows */
    hv_bus_init(&r->bus, (hv_emitter){0});
    hv_uart16550_init(&r->uart, rig_tx, rig_irq, r, (hv_emitter){0});
    CHECK_OK(hv_bus_add(&r->bus, COM1, 8, &hv_uart16550_ops, &r->uart));
}

static uint64_t rig_clock(void *ctx)
{
    return ((rig *)ctx)->now;
}

static void rig_event(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d)
{
    rig *r = opaque;
    (void)d;
    if (r->nev < sizeof(r->ev) / sizeof(r->ev[0])) {
        r->ev[r->nev].type = type;
        r->ev[r->nev].a = a;
        r->ev[r->nev].b = b;
        r->ev[r->nev].c = c;
        r->nev++;
    }
}

/* A rig whose UART line has a speed: the fake clock starts at tick 0, and
 * the UART's events are recorded. */
static void rig_init_timed(rig *r)
{
    rig_init(r);
    r->uart.emit = (hv_emitter){.fn = rig_event, .opaque = r};
    hv_uart16550_set_clock(&r->uart, rig_clock);
}

static uint8_t in8(rig *r, unsigned reg)
{
    return (uint8_t)hv_bus_in(&r->bus, (uint16_t)(COM1 + reg), 1);
}

static void out8(rig *r, unsigned reg, uint8_t v)
{
    hv_bus_out(&r->bus, (uint16_t)(COM1 + reg), 1, v);
}

static void test_power_on_values(void)
{
    rig r;
    rig_init(&r);
    /* QEMU 7.2 at power-on: IER 00, IIR 01, LCR 00, MCR 08, LSR 60,
     * MSR B0, SCR 00; RBR holds nothing (0). */
    CHECK_EQ(in8(&r, 0), 0x00);
    CHECK_EQ(in8(&r, 1), 0x00);
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(in8(&r, 3), 0x00);
    CHECK_EQ(in8(&r, 4), 0x08);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(in8(&r, 6), 0xB0);
    CHECK_EQ(in8(&r, 7), 0x00);
    /* The line starts low and reset said so. */
    CHECK_EQ(r.irq_level, 0);
    CHECK(r.irq_calls >= 1);
    CHECK_EQ(r.ntx, 0);
}

static void test_thr_reaches_tx(void)
{
    rig r;
    rig_init(&r);
    const char *msg = "hi\n";
    for (const char *p = msg; *p; p++) {
        /* The polled loop of hvlab.inc: THRE must be set before each byte
         * (an infinitely fast line never makes the guest wait). */
        CHECK(in8(&r, 5) & 0x20);
        out8(&r, 0, (uint8_t)*p);
    }
    CHECK_EQ(r.ntx, 3);
    CHECK(memcmp(r.tx, "hi\n", 3) == 0);
    /* THRE and TEMT set again after the last byte. */
    CHECK_EQ(in8(&r, 5), 0x60);
}

static void test_dlab_banking(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 1, 0x05);          /* IER = ERBFI|ELSI, to see it survive */
    out8(&r, 3, 0x83);          /* DLAB, 8N1 */
    CHECK_EQ(in8(&r, 0), 0x0C); /* QEMU's divisor at reset: 9600 baud */
    CHECK_EQ(in8(&r, 1), 0x00);
    out8(&r, 0, 0x01); /* DLL: 115200 baud */
    out8(&r, 1, 0x02); /* DLM (distinct from IER's 0x05) */
    CHECK_EQ(in8(&r, 0), 0x01);
    CHECK_EQ(in8(&r, 1), 0x02);
    CHECK_EQ(r.uart.divisor, 0x0201);
    CHECK_EQ(r.ntx, 0); /* a DLL write is not a byte to send */
    CHECK_EQ(in8(&r, 3), 0x83);
    out8(&r, 3, 0x03);          /* DLAB off */
    CHECK_EQ(in8(&r, 1), 0x05); /* IER again, untouched by DLM */
    out8(&r, 0, 'x');
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.tx[0], 'x');
    CHECK_EQ(r.uart.divisor, 0x0201);
}

static void test_thre_interrupt(void)
{
    rig r;
    rig_init(&r);
    CHECK_EQ(r.irq_level, 0);
    out8(&r, 1, 0x02); /* ETBEI with THR empty */
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x02); /* THR empty, reported... */
    CHECK_EQ(r.irq_level, 0);   /* ...and cleared by that IIR read */
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(r.irq_level, 0);

    /* A THR write clears THRE, the byte leaves at once, THR is empty again:
     * the line goes low then high, a new rising edge for the 8259A. */
    int rises = r.irq_rises;
    out8(&r, 0, 'a');
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(r.irq_rises, rises + 1);
    CHECK_EQ(in8(&r, 2), 0x02);
    CHECK_EQ(r.irq_level, 0);

    /* Re-enabling ETBEI re-arms THRE (QEMU; Windows relies on it). */
    out8(&r, 1, 0x00);
    CHECK_EQ(in8(&r, 2), 0x01);
    out8(&r, 1, 0x02);
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x02);

    /* Without ETBEI nothing is raised, however many bytes go out. */
    out8(&r, 1, 0x00);
    out8(&r, 0, 'b');
    CHECK_EQ(r.irq_level, 0);
    CHECK_EQ(in8(&r, 2), 0x01);
}

static void test_ier_mcr_masks(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 1, 0xF0); /* IER 7:4 are always 0 */
    CHECK_EQ(in8(&r, 1), 0x00);
    out8(&r, 4, 0xFF); /* MCR 7:5 are always 0 */
    CHECK_EQ(in8(&r, 4), 0x1F);
    out8(&r, 5, 0x00); /* LSR and MSR writes are ignored */
    out8(&r, 6, 0x00);
    CHECK_EQ(in8(&r, 5), 0x60);
    out8(&r, 4, 0x08);
    CHECK_EQ(in8(&r, 6), 0xB0);
}

static void test_fcr_fifo_bits(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 2, 0xC7);          /* FIFOs on, clear both, trigger 14 */
    CHECK_EQ(in8(&r, 2), 0xC1); /* IIR 7:6 = 11, no interrupt */
    CHECK_EQ(r.uart.fcr, 0xC1); /* the reset bits do not stick */
    out8(&r, 1, 0x02);
    CHECK_EQ(in8(&r, 2), 0xC2); /* THR empty, FIFO bits kept */
    CHECK_EQ(in8(&r, 2), 0xC1);
    out8(&r, 2, 0x00);          /* FIFOs off */
    CHECK_EQ(in8(&r, 2), 0x02); /* toggling FE clears the TX FIFO: THRE */
    CHECK_EQ(in8(&r, 2), 0x01);
}

static void test_scratch_round_trip(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 7, 0x5A);
    CHECK_EQ(in8(&r, 7), 0x5A);
    out8(&r, 7, 0xA5);
    CHECK_EQ(in8(&r, 7), 0xA5);
    out8(&r, 3, 0x80); /* SCR is not banked by DLAB */
    CHECK_EQ(in8(&r, 7), 0xA5);
}

static void test_loopback(void)
{
    rig r;
    rig_init(&r);
    /* MSR reads the MCR outputs: DTR->DSR 0x20, RTS->CTS 0x10,
     * OUT1->RI 0x40, OUT2->DCD 0x80. */
    out8(&r, 4, 0x10 | 0x01);
    CHECK_EQ(in8(&r, 6), 0x20);
    out8(&r, 4, 0x10 | 0x02);
    CHECK_EQ(in8(&r, 6), 0x10);
    out8(&r, 4, 0x10 | 0x04);
    CHECK_EQ(in8(&r, 6), 0x40);
    out8(&r, 4, 0x10 | 0x08);
    CHECK_EQ(in8(&r, 6), 0x80);
    out8(&r, 4, 0x1F);
    CHECK_EQ(in8(&r, 6), 0xF0);

    /* A THR byte comes back in RBR, not on the console. */
    out8(&r, 1, 0x01); /* ERBFI */
    out8(&r, 0, 'Q');
    CHECK_EQ(r.ntx, 0);
    CHECK_EQ(in8(&r, 5), 0x61); /* DR|THRE|TEMT */
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x04); /* received data available */
    CHECK_EQ(in8(&r, 0), 'Q');
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(r.irq_level, 0);

    /* Two unread bytes: overrun, a line-status interrupt with ELSI,
     * cleared by reading LSR. */
    out8(&r, 1, 0x05); /* ERBFI|ELSI */
    out8(&r, 0, '1');
    out8(&r, 0, '2');
    CHECK_EQ(in8(&r, 2), 0x06);
    CHECK_EQ(in8(&r, 5), 0x63); /* DR|OE|THRE|TEMT */
    CHECK_EQ(in8(&r, 2), 0x04); /* OE gone, data still there */
    CHECK_EQ(in8(&r, 0), '2');
    CHECK_EQ(in8(&r, 2), 0x01);

    /* Loopback off: MSR is the modem inputs again, bytes go out. */
    out8(&r, 4, 0x08);
    CHECK_EQ(in8(&r, 6), 0xB0);
    out8(&r, 0, 'z');
    CHECK_EQ(r.ntx, 1);
}

static void test_reset_restores(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 1, 0x0F);
    out8(&r, 2, 0x01);
    out8(&r, 3, 0x9B);
    out8(&r, 4, 0x1F);
    out8(&r, 7, 0x77);
    CHECK_EQ(r.irq_level, 1);
    hv_bus_reset(&r.bus);
    CHECK_EQ(r.irq_level, 0);
    CHECK_EQ(in8(&r, 1), 0x00);
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(in8(&r, 3), 0x00);
    CHECK_EQ(in8(&r, 4), 0x08);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(in8(&r, 6), 0xB0);
    CHECK_EQ(in8(&r, 7), 0x00);
}

static void test_null_callbacks(void)
{
    /* No console and no 8259A yet: nothing may crash. */
    hv_bus bus;
    hv_uart16550 u;
    hv_bus_init(&bus, (hv_emitter){0});
    hv_uart16550_init(&u, NULL, NULL, NULL, (hv_emitter){0});
    CHECK_OK(hv_bus_add(&bus, COM1, 8, &hv_uart16550_ops, &u));
    hv_bus_out(&bus, COM1 + 1, 1, 0x02);
    hv_bus_out(&bus, COM1, 1, 'x');
    CHECK_EQ(hv_bus_in(&bus, COM1 + 2, 1), 0x02);
    CHECK(!u.irq_level);
}

static void test_regname_describe(void)
{
    const hv_device_ops *ops = &hv_uart16550_ops;
    char buf[96];
    CHECK_STR(ops->name, "uart16550");
    CHECK_EQ(ops->sizes, 1);
    CHECK_STR(ops->regname(0, true), "THR");
    CHECK_STR(ops->regname(0, false), "RBR");
    CHECK_STR(ops->regname(1, true), "IER");
    CHECK_STR(ops->regname(2, true), "FCR");
    CHECK_STR(ops->regname(2, false), "IIR");
    CHECK_STR(ops->regname(3, false), "LCR");
    CHECK_STR(ops->regname(4, false), "MCR");
    CHECK_STR(ops->regname(5, false), "LSR");
    CHECK_STR(ops->regname(6, false), "MSR");
    CHECK_STR(ops->regname(7, true), "SCR");
    CHECK(ops->regname(8, false) == NULL);

    ops->describe(0, true, 'h', buf, sizeof(buf));
    CHECK_STR(buf, "'h'");
    ops->describe(0, true, '\n', buf, sizeof(buf));
    CHECK_STR(buf, "'\\x0A'");
    ops->describe(0, true, '\'', buf, sizeof(buf));
    CHECK_STR(buf, "'\\''");
    ops->describe(5, false, 0x60, buf, sizeof(buf));
    CHECK_STR(buf, "0x60 (THRE|TEMT)");
    ops->describe(5, false, 0x00, buf, sizeof(buf));
    CHECK_STR(buf, "0x00");
    ops->describe(6, false, 0xB0, buf, sizeof(buf));
    CHECK_STR(buf, "0xB0 (CTS|DSR|DCD)");
    ops->describe(1, true, 0x03, buf, sizeof(buf));
    CHECK_STR(buf, "0x03 (ERBFI|ETBEI)");
    ops->describe(4, true, 0x0B, buf, sizeof(buf));
    CHECK_STR(buf, "0x0B (DTR|RTS|OUT2)");
    ops->describe(2, false, 0x01, buf, sizeof(buf));
    CHECK_STR(buf, "0x01 (no interrupt)");
    ops->describe(2, false, 0xC2, buf, sizeof(buf));
    CHECK_STR(buf, "0xC2 (THR empty, FIFOs on)");
    ops->describe(2, true, 0xC7, buf, sizeof(buf));
    CHECK_STR(buf, "0xC7 (FIFOs on, clear RX, clear TX, RX trigger 14)");
    ops->describe(3, true, 0x03, buf, sizeof(buf));
    CHECK_STR(buf, "0x03 (8N1)");
    ops->describe(3, true, 0x83, buf, sizeof(buf));
    CHECK_STR(buf, "0x83 (8N1, DLAB)");
    /* 7 bits, even parity, 2 stop bits: WLS=10, STB, PEN, EPS. */
    ops->describe(3, true, 0x1E, buf, sizeof(buf));
    CHECK_STR(buf, "0x1E (7E2)");
    /* 5 bits with STB: 1.5 stop bits. */
    ops->describe(3, true, 0x04, buf, sizeof(buf));
    CHECK_STR(buf, "0x04 (5N1.5)");

    /* Truncation: returns the full length, as snprintf. */
    char small[4];
    int n = ops->describe(5, false, 0x60, small, sizeof(small));
    CHECK_EQ(n, (int)strlen("0x60 (THRE|TEMT)"));
    CHECK_STR(small, "0x6");
}

/* ---- Line timing (hv_uart16550_set_clock). Expected values follow the
 * PC16550D datasheet: a bit lasts 16 x divisor ticks of the 1.8432 MHz
 * clock; 8N1 is 1 start + 8 data + 1 stop = 10 bits, so at divisor 12
 * (9600 baud) a frame is 10 x 16 x 12 = 1920 ticks. ---- */
#define FRAME_8N1_9600 1920u

static void test_timed_16450(void)
{
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03); /* 8N1, divisor 12 from reset */
    out8(&r, 1, 0x02); /* ETBEI: THR is empty, so THRE at once */
    CHECK_EQ(in8(&r, 2), 0x02);
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX); /* idle */

    /* t=0, 'a': the TSR is idle, so the byte moves from THR into it at
     * once: THR is empty again (THRE 1, and the THRE interrupt), but the
     * transmitter is not (TEMT 0) until the frame ends at 1920. The byte
     * reaches tx() as it starts shifting. */
    out8(&r, 0, 'a');
    CHECK_EQ(in8(&r, 5), 0x20);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x02); /* THR empty; the read clears it */
    CHECK_EQ(r.irq_level, 0);

    /* t=0, 'b': the TSR is busy, so 'b' waits in THR: THRE 0, TEMT 0, no
     * interrupt, nothing new on the line. */
    out8(&r, 0, 'b');
    CHECK_EQ(in8(&r, 5), 0x00);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);

    /* One tick before the frame ends nothing has changed. */
    r.now = FRAME_8N1_9600 - 1;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(in8(&r, 5), 0x00);
    CHECK_EQ(r.ntx, 1);

    /* t=1920: 'a' has left, 'b' moves from THR into the TSR: THR empty
     * (THRE 1, the THRE interrupt again), TEMT still 0, next event one
     * frame later. */
    r.now = FRAME_8N1_9600;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(r.ntx, 2);
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x02);
    CHECK_EQ(in8(&r, 5), 0x20);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), 2u * FRAME_8N1_9600);

    /* t=3840: 'b' has left with THR empty: TEMT 1, idle. TEMT raises no
     * interrupt (the 16550 has none for it). */
    r.now = 2u * FRAME_8N1_9600;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK_EQ(in8(&r, 2), 0x01);
    CHECK_EQ(r.ntx, 2);
    CHECK(memcmp(r.tx, "ab", 2) == 0);
    CHECK_EQ(r.nev, 0); /* nothing was lost */
}

static void test_timed_lsr_read_syncs(void)
{
    /* A polled driver never calls advance(): its LSR reads see the line
     * as it is at the IN, because each register access first brings the
     * transmitter up to the clock. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03);
    r.now = 1000; /* the frame starts when the byte is written */
    out8(&r, 0, 'x');
    out8(&r, 0, 'y');
    CHECK_EQ(hv_uart16550_next_event(&r.uart), 1000u + FRAME_8N1_9600);
    int spins = 0;
    while (!(in8(&r, 5) & 0x20) && spins < 10000) {
        r.now += 100; /* the guest's loop takes 100 ticks a turn */
        spins++;
    }
    /* THRE rises at 2920 ('y' moves to the TSR): at 3000, the 20th turn. */
    CHECK_EQ(spins, 20);
    CHECK_EQ(r.ntx, 2);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), 2920u + FRAME_8N1_9600);
}

static void test_timed_thr_overwrite(void)
{
    /* 16450 mode, THR written while it still holds a byte: THR is a plain
     * latch (datasheet), the new byte replaces the waiting one, which is
     * lost: a GUEST_ERROR naming the UART's THR and the lost byte. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03);
    out8(&r, 0, 'a'); /* shifting */
    out8(&r, 0, 'b'); /* waiting in THR */
    out8(&r, 0, 'c'); /* overwrites 'b' */
    CHECK_EQ(in8(&r, 5), 0x00);
    CHECK_EQ(r.nev, 1);
    CHECK_EQ(r.ev[0].type, HV_EV_GUEST_ERROR);
    CHECK_EQ(r.ev[0].a, HV_GERR_DEVICE);
    CHECK_EQ(r.ev[0].b, (HV_DEV_UART16550 << 8) | 0);
    CHECK_EQ(r.ev[0].c, 'b');
    hv_uart16550_advance(&r.uart, 1000000);
    CHECK_EQ(r.ntx, 2);
    CHECK(memcmp(r.tx, "ac", 2) == 0);
    CHECK_EQ(in8(&r, 5), 0x60);
}

/* Writes 'A', 'B', ... (n bytes) at the current tick. */
static void write_burst(rig *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out8(r, 0, (uint8_t)('A' + i));
}

static void test_timed_fifo_burst(void)
{
    rig r;
    rig_init_timed(&r);
    out8(&r, 2, 0x07); /* FIFOs on, both cleared */
    out8(&r, 3, 0x03);
    out8(&r, 1, 0x02);
    CHECK_EQ(in8(&r, 2), 0xC2);
    CHECK_EQ(in8(&r, 2), 0xC1);

    /* 20 bytes at t=0. 'A' finds the FIFO empty and the TSR idle and goes
     * straight through into the TSR (datasheet block diagram: the FIFO
     * feeds the shift register, a separate register), so the FIFO then
     * takes 'B'..'Q', 16 bytes: 17 accepted in all. 'R', 'S', 'T' find the
     * FIFO full and are dropped, each a GUEST_ERROR. */
    write_burst(&r, 20);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.tx[0], 'A');
    CHECK_EQ(r.uart.txq_count, 16);
    CHECK_EQ(r.nev, 3);
    for (size_t i = 0; i < 3 && i < r.nev; i++) {
        CHECK_EQ(r.ev[i].type, HV_EV_GUEST_ERROR);
        CHECK_EQ(r.ev[i].a, HV_GERR_DEVICE);
        CHECK_EQ(r.ev[i].b, (HV_DEV_UART16550 << 8) | 0);
        CHECK_EQ(r.ev[i].c, 'R' + i);
    }
    /* The FIFO holds bytes: THRE 0, TEMT 0; no THRE interrupt (the one
     * 'A' raised as it left the FIFO was cleared by the write of 'B'). */
    CHECK_EQ(in8(&r, 5), 0x00);
    CHECK_EQ(r.irq_level, 0);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);

    /* Frame k (0-based) starts at k x 1920. Just before 'Q' (the 17th
     * byte, k = 16) leaves the FIFO, 16 bytes have started and the FIFO
     * still holds one: THRE still 0. */
    r.now = 16u * FRAME_8N1_9600 - 1;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(r.ntx, 16);
    CHECK_EQ(in8(&r, 5), 0x00);
    CHECK_EQ(r.irq_level, 0);

    /* At 16 x 1920 'Q' moves into the TSR and the FIFO is empty: THRE 1
     * and the THRE interrupt (datasheet FCR/LSR: THRE means the transmit
     * FIFO is empty), TEMT 0 while 'Q' shifts. */
    r.now = 16u * FRAME_8N1_9600;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(r.ntx, 17);
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0xC2);
    CHECK_EQ(in8(&r, 5), 0x20);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), 17u * FRAME_8N1_9600);

    /* At 17 x 1920 the last frame has drained: TEMT 1. */
    r.now = 17u * FRAME_8N1_9600;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK(memcmp(r.tx, "ABCDEFGHIJKLMNOPQ", 17) == 0);
}

static void test_timed_far_future(void)
{
    /* One advance() to a tick far past the end delivers every byte in
     * order and leaves the line as if each event had its own tick. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 2, 0x01);
    out8(&r, 3, 0x03);
    out8(&r, 1, 0x02);
    (void)in8(&r, 2);
    r.now = 5;
    write_burst(&r, 17);
    CHECK_EQ(r.nev, 0);
    hv_uart16550_advance(&r.uart, UINT64_MAX / 2);
    CHECK_EQ(r.ntx, 17);
    CHECK(memcmp(r.tx, "ABCDEFGHIJKLMNOPQ", 17) == 0);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK_EQ(r.irq_level, 1); /* the FIFO emptied on the way */
    r.now = UINT64_MAX / 2;
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(in8(&r, 2), 0xC2);

    /* A write near the end of time: the frame end saturates below
     * UINT64_MAX (which means "idle"), and UINT64_MAX itself ends it. */
    r.now = UINT64_MAX - 100;
    out8(&r, 0, 'z');
    out8(&r, 0, 'y');
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX - 1);
    hv_uart16550_advance(&r.uart, UINT64_MAX);
    CHECK_EQ(r.ntx, 19);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK_EQ(r.uart.lsr, 0x60);
}

static void test_timed_fifo_clear(void)
{
    /* FCR bit 2 empties the transmit FIFO but not the shift register
     * (datasheet FCR): the byte on the line finishes, the rest never go. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 2, 0x01);
    out8(&r, 3, 0x03);
    write_burst(&r, 5);
    CHECK_EQ(in8(&r, 5), 0x00);
    out8(&r, 2, 0x05);          /* FE stays on, clear TX */
    CHECK_EQ(in8(&r, 5), 0x20); /* FIFO empty: THRE; 'A' still shifting */
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);
    r.now = FRAME_8N1_9600;
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(r.ntx, 1);
    CHECK_EQ(r.tx[0], 'A');

    /* Toggling FCR.FE clears the FIFOs too, THR included. */
    write_burst(&r, 3); /* 'A' shifting, 'B' 'C' waiting */
    out8(&r, 2, 0x00);
    CHECK_EQ(r.uart.txq_count, 0);
    CHECK_EQ(in8(&r, 5), 0x20);
    hv_uart16550_advance(&r.uart, UINT64_MAX - 1);
    CHECK_EQ(r.ntx, 2);
}

/* The frame length for an LCR and a divisor: a byte written at t=0 on an
 * idle line ends its frame at next_event(). */
static uint64_t frame_ticks(uint8_t lcr, uint16_t divisor)
{
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x80); /* DLAB */
    out8(&r, 0, (uint8_t)divisor);
    out8(&r, 1, (uint8_t)(divisor >> 8));
    out8(&r, 3, lcr);
    out8(&r, 0, 'f');
    return hv_uart16550_next_event(&r.uart);
}

static void test_timed_frame_lengths(void)
{
    /* Bits per frame = 1 start + data (LCR 1:0 + 5) + parity (LCR bit 3)
     * + stop (LCR bit 2: 2, or 1.5 with 5 data bits; else 1); each bit
     * 16 x divisor ticks. */
    CHECK_EQ(frame_ticks(0x03, 12), 10u * 16 * 12); /* 8N1: 1+8+1 */
    CHECK_EQ(frame_ticks(0x1A, 12), 10u * 16 * 12); /* 7E1: 1+7+1+1 */
    CHECK_EQ(frame_ticks(0x1A, 1), 10u * 16);       /* 7E1 at 115200 */
    CHECK_EQ(frame_ticks(0x07, 12), 11u * 16 * 12); /* 8N2: 1+8+2 */
    CHECK_EQ(frame_ticks(0x1E, 12), 11u * 16 * 12); /* 7E2: 1+7+1+2 */
    CHECK_EQ(frame_ticks(0x0F, 12), 12u * 16 * 12); /* 8O2: 1+8+1+2 */
    CHECK_EQ(frame_ticks(0x2B, 12), 11u * 16 * 12); /* 8M1 (stick): 1+8+1+1 */
    CHECK_EQ(frame_ticks(0x00, 12), 7u * 16 * 12);  /* 5N1: 1+5+1 */
    CHECK_EQ(frame_ticks(0x04, 12), 15u * 8 * 12);  /* 5N1.5: 1+5+1.5 */
    CHECK_EQ(frame_ticks(0x43, 12), 10u * 16 * 12); /* break: same frame */
    CHECK_EQ(frame_ticks(0x03, 0xFFFF), 10ull * 16 * 65535);
    /* Divisor 0 is undefined in the datasheet; hvlab counts it as 65536. */
    CHECK_EQ(frame_ticks(0x03, 0), 10ull * 16 * 65536);
}

static void test_timed_settings_apply_per_frame(void)
{
    /* A frame's length is fixed when it starts: an LCR write while one
     * byte shifts and one waits changes only the waiting byte's frame. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03);
    out8(&r, 0, 'a');
    out8(&r, 0, 'b');
    r.now = 100;
    out8(&r, 3, 0x07); /* 8N2 from now on */
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);
    r.now = FRAME_8N1_9600;
    hv_uart16550_advance(&r.uart, r.now);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600 + 11u * 16 * 12);
}

static void test_timed_loopback_instant(void)
{
    /* Loopback stays instantaneous with a clock: the byte comes back in
     * RBR at once and the transmitter is idle again. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03);
    out8(&r, 4, 0x10);
    out8(&r, 0, 'Q');
    CHECK_EQ(in8(&r, 5), 0x61);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK_EQ(in8(&r, 0), 'Q');
    CHECK_EQ(r.ntx, 0);
}

static void test_timed_clock_off_and_reset(void)
{
    /* Switching the clock off makes the line infinitely fast: what waits
     * goes at once, in order. */
    rig r;
    rig_init_timed(&r);
    out8(&r, 3, 0x03);
    write_burst(&r, 2);
    hv_uart16550_set_clock(&r.uart, NULL);
    CHECK_EQ(r.ntx, 2);
    CHECK(memcmp(r.tx, "AB", 2) == 0);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);

    /* A reset drops what waits and what shifts; the clock stays. */
    hv_uart16550_set_clock(&r.uart, rig_clock);
    write_burst(&r, 2);
    CHECK_EQ(r.ntx, 3);
    hv_bus_reset(&r.bus);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    out8(&r, 3, 0x03);
    out8(&r, 0, 'z');
    CHECK_EQ(hv_uart16550_next_event(&r.uart), FRAME_8N1_9600);
    CHECK_EQ(in8(&r, 5), 0x20);
}

static void test_untimed_fifo_never_fills(void)
{
    /* Without a clock the FIFO is always empty: 20 bytes in FIFO mode all
     * reach the console, nothing is dropped, THRE and TEMT stay set. */
    rig r;
    rig_init(&r);
    r.uart.emit = (hv_emitter){.fn = rig_event, .opaque = &r};
    out8(&r, 2, 0x01);
    write_burst(&r, 20);
    CHECK_EQ(r.ntx, 20);
    CHECK_EQ(r.nev, 0);
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
}

static void test_timed_random_guest(void)
{
    /* Any guest input, at any time: no crash, no index out of bounds (run
     * under ASan and UBSan), the queue within its bounds. */
    rig r;
    rig_init_timed(&r);
    uint32_t x = 12345;
    unsigned written = 0;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned op = (x >> 16) & 0xFFu;
        uint8_t v = (uint8_t)(x >> 24);
        if (op < 96) {
            out8(&r, op & 7u, v);
            if ((op & 7u) == 0)
                written++;
        } else if (op < 192) {
            (void)in8(&r, op & 7u);
        } else if (op < 250) {
            r.now += v * 37u;
        } else {
            hv_uart16550_advance(&r.uart, r.now);
        }
        CHECK(r.uart.txq_count <= HV_UART_TX_FIFO);
        CHECK(r.uart.txq_head < HV_UART_TX_FIFO);
    }
    hv_uart16550_advance(&r.uart, UINT64_MAX);
    CHECK_EQ(hv_uart16550_next_event(&r.uart), UINT64_MAX);
    CHECK(written > 0);
}

static const check_test tests[] = {
    {"power_on_values", test_power_on_values},
    {"thr_reaches_tx", test_thr_reaches_tx},
    {"dlab_banking", test_dlab_banking},
    {"thre_interrupt", test_thre_interrupt},
    {"ier_mcr_masks", test_ier_mcr_masks},
    {"fcr_fifo_bits", test_fcr_fifo_bits},
    {"scratch_round_trip", test_scratch_round_trip},
    {"loopback", test_loopback},
    {"reset_restores", test_reset_restores},
    {"null_callbacks", test_null_callbacks},
    {"regname_describe", test_regname_describe},
    {"timed_16450", test_timed_16450},
    {"timed_lsr_read_syncs", test_timed_lsr_read_syncs},
    {"timed_thr_overwrite", test_timed_thr_overwrite},
    {"timed_fifo_burst", test_timed_fifo_burst},
    {"timed_far_future", test_timed_far_future},
    {"timed_fifo_clear", test_timed_fifo_clear},
    {"timed_frame_lengths", test_timed_frame_lengths},
    {"timed_settings_apply_per_frame", test_timed_settings_apply_per_frame},
    {"timed_loopback_instant", test_timed_loopback_instant},
    {"timed_clock_off_and_reset", test_timed_clock_off_and_reset},
    {"untimed_fifo_never_fills", test_untimed_fifo_never_fills},
    {"timed_random_guest", test_timed_random_guest},
    {NULL, NULL},
};

CHECK_MAIN(tests)
