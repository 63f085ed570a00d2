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
    int irq_level;  /* last level set_irq saw */
    int irq_calls;  /* how often set_irq was called */
    int irq_rises;  /* 0 -> 1 transitions (what an edge-triggered PIC sees) */
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
    out8(&r, 1, 0x05);    /* IER = ERBFI|ELSI, to see it survive */
    out8(&r, 3, 0x83);    /* DLAB, 8N1 */
    CHECK_EQ(in8(&r, 0), 0x0C); /* QEMU's divisor at reset: 9600 baud */
    CHECK_EQ(in8(&r, 1), 0x00);
    out8(&r, 0, 0x01);    /* DLL: 115200 baud */
    out8(&r, 1, 0x02);    /* DLM (distinct from IER's 0x05) */
    CHECK_EQ(in8(&r, 0), 0x01);
    CHECK_EQ(in8(&r, 1), 0x02);
    CHECK_EQ(r.uart.divisor, 0x0201);
    CHECK_EQ(r.ntx, 0);   /* a DLL write is not a byte to send */
    CHECK_EQ(in8(&r, 3), 0x83);
    out8(&r, 3, 0x03);    /* DLAB off */
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
    out8(&r, 1, 0x02);            /* ETBEI with THR empty */
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x02);   /* THR empty, reported... */
    CHECK_EQ(r.irq_level, 0);     /* ...and cleared by that IIR read */
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
    out8(&r, 1, 0xF0);            /* IER 7:4 are always 0 */
    CHECK_EQ(in8(&r, 1), 0x00);
    out8(&r, 4, 0xFF);            /* MCR 7:5 are always 0 */
    CHECK_EQ(in8(&r, 4), 0x1F);
    out8(&r, 5, 0x00);            /* LSR and MSR writes are ignored */
    out8(&r, 6, 0x00);
    CHECK_EQ(in8(&r, 5), 0x60);
    out8(&r, 4, 0x08);
    CHECK_EQ(in8(&r, 6), 0xB0);
}

static void test_fcr_fifo_bits(void)
{
    rig r;
    rig_init(&r);
    out8(&r, 2, 0xC7);            /* FIFOs on, clear both, trigger 14 */
    CHECK_EQ(in8(&r, 2), 0xC1);   /* IIR 7:6 = 11, no interrupt */
    CHECK_EQ(r.uart.fcr, 0xC1);   /* the reset bits do not stick */
    out8(&r, 1, 0x02);
    CHECK_EQ(in8(&r, 2), 0xC2);   /* THR empty, FIFO bits kept */
    CHECK_EQ(in8(&r, 2), 0xC1);
    out8(&r, 2, 0x00);            /* FIFOs off */
    CHECK_EQ(in8(&r, 2), 0x02);   /* toggling FE clears the TX FIFO: THRE */
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
    out8(&r, 3, 0x80);            /* SCR is not banked by DLAB */
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
    out8(&r, 1, 0x01);            /* ERBFI */
    out8(&r, 0, 'Q');
    CHECK_EQ(r.ntx, 0);
    CHECK_EQ(in8(&r, 5), 0x61);   /* DR|THRE|TEMT */
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(in8(&r, 2), 0x04);   /* received data available */
    CHECK_EQ(in8(&r, 0), 'Q');
    CHECK_EQ(in8(&r, 5), 0x60);
    CHECK_EQ(r.irq_level, 0);

    /* Two unread bytes: overrun, a line-status interrupt with ELSI,
     * cleared by reading LSR. */
    out8(&r, 1, 0x05);            /* ERBFI|ELSI */
    out8(&r, 0, '1');
    out8(&r, 0, '2');
    CHECK_EQ(in8(&r, 2), 0x06);
    CHECK_EQ(in8(&r, 5), 0x63);   /* DR|OE|THRE|TEMT */
    CHECK_EQ(in8(&r, 2), 0x04);   /* OE gone, data still there */
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
    {NULL, NULL},
};

CHECK_MAIN(tests)
