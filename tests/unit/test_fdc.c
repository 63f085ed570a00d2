/* Unit tests of the floppy disk controller, poked through the bus at 0x3F0
 * as a guest would (STYLE.md practice 13, QEMU qtest style; QEMU's own
 * tests/qtest/fdc-test.c drives the same registers). Expected values come
 * from the 82077AA datasheet and QEMU's hw/block/fdc.c, as each comment
 * says. The VENOM tests (FIDELITY.md behaviour 13) are meant to run under
 * ASan/UBSan too: -fsanitize=bounds flags any fifo[] index >= 512, and the
 * index fields are asserted in range after every access. */
#include "devices/fdc.h"

#include <stdlib.h>

#include "check.h"

#define FDC 0x3F0u
#define SRA 0u
#define SRB 1u
#define DOR 2u
#define TDR 3u
#define MSR 4u /* DSR on writes */
#define FIFO 5u
#define DIR 7u /* CCR on writes */

#define FIFO_REG (((uint32_t)HV_DEV_FDC << 8) | FIFO)

typedef struct rig {
    hv_bus bus;
    hv_fdc fdc;
    int irq_level;               /* last level set_irq saw */
    int irq_rises;               /* 0 -> 1 edges, what the 8259A sees */
    unsigned nerr;               /* GUEST_ERROR events */
    unsigned nerr_fifo;          /* ... of them naming the FDC's FIFO */
    uint32_t err_reg, err_value; /* the last one */
} rig;

static void rig_irq(void *ctx, int level)
{
    rig *r = ctx;
    if (level && !r->irq_level)
        r->irq_rises++;
    r->irq_level = level;
}

static void rig_event(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d)
{
    rig *r = opaque;
    (void)d;
    if (type != HV_EV_GUEST_ERROR)
        return;
    CHECK_EQ(a, HV_GERR_DEVICE);
    r->nerr++;
    r->nerr_fifo += b == FIFO_REG;
    r->err_reg = b;
    r->err_value = c;
}

/* The rig is on the heap, so that ASan sees the controller's bounds. */
static rig *rig_new(void)
{
    rig *r = calloc(1, sizeof(*r));
    hv_emitter emit = {.fn = rig_event, .opaque = r};
    hv_bus_init(&r->bus, emit);
    hv_fdc_init(&r->fdc, rig_irq, r, emit);
    CHECK_OK(hv_bus_add(&r->bus, HV_FDC_BASE, 8, &hv_fdc_ops, &r->fdc));
    return r;
}

/* The invariant of fdc.h, and what VENOM broke: the FIFO index inside the
 * phase's length, the length inside the buffer. */
static int rig_in_range(const rig *r)
{
    const hv_fdc *f = &r->fdc;
    return f->data_pos < f->data_len && f->data_len <= HV_FDC_FIFO_SIZE &&
           f->data_pos < HV_FDC_FIFO_SIZE &&
           (f->phase == HV_FDC_COMMAND || f->phase == HV_FDC_RESULT);
}

static uint8_t in8(rig *r, unsigned reg)
{
    uint8_t v = (uint8_t)hv_bus_in(&r->bus, (uint16_t)(FDC + reg), 1);
    CHECK(rig_in_range(r));
    return v;
}

static void out8(rig *r, unsigned reg, uint8_t v)
{
    hv_bus_out(&r->bus, (uint16_t)(FDC + reg), 1, v);
    CHECK(rig_in_range(r));
}

/* Writes a command and its parameters, checking RQM before each byte as a
 * driver must (MSR bit 7; DIO bit 6 clear: the host writes). */
static void send(rig *r, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(in8(r, MSR) & 0xC0u, 0x80u);
        out8(r, FIFO, bytes[i]);
    }
}

/* Reads the result phase (MSR RQM|DIO) into out[]; returns its length. */
static size_t receive(rig *r, uint8_t *out, size_t max)
{
    size_t n = 0;
    while ((in8(r, MSR) & 0xC0u) == 0xC0u && n < max)
        out[n++] = in8(r, FIFO);
    return n;
}

static uint8_t version(rig *r)
{
    uint8_t b[4] = {0};
    send(r, (const uint8_t[]){0x10}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    return b[0];
}

static void test_power_on_values(void)
{
    rig *r = rig_new();
    /* QEMU's fdctrl_reset at power-on: SRA 0x40 (nDRV2: no drive B),
     * SRB 0xC0 (bits 7:6 read 1, motors off), DOR 0x0C (nRESET and DMA
     * gate: the ISA FDC has DMA channel 2), TDR 0, MSR 0x80 (RQM: ready
     * for a command byte). DIR 0x80: drive A is empty, so its disk-change
     * line is active (QEMU's default empty drive A). No interrupt. */
    CHECK_EQ(in8(r, SRA), 0x40);
    CHECK_EQ(in8(r, SRB), 0xC0);
    CHECK_EQ(in8(r, DOR), 0x0C);
    CHECK_EQ(in8(r, TDR), 0x00);
    CHECK_EQ(in8(r, MSR), 0x80);
    CHECK_EQ(in8(r, DIR), 0x80);
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(r->nerr, 0);
    /* The bus's reset gives the same state again. */
    out8(r, DOR, 0x1D);
    hv_bus_reset(&r->bus);
    CHECK_EQ(in8(r, DOR), 0x0C);
    CHECK_EQ(in8(r, SRB), 0xC0);
    free(r);
}

static void test_version(void)
{
    rig *r = rig_new();
    /* VERSION (0x10) has no parameters: the result phase follows at once,
     * MSR = RQM|DIO|CMD BUSY = 0xD0, and the one byte is 0x90, an
     * enhanced controller (82077AA datasheet; QEMU's version). */
    out8(r, FIFO, 0x10);
    CHECK_EQ(in8(r, MSR), 0xD0);
    CHECK_EQ(in8(r, FIFO), 0x90);
    CHECK_EQ(in8(r, MSR), 0x80); /* back to the command phase */
    CHECK_EQ(r->irq_level, 0);   /* VERSION does not interrupt */
    CHECK_EQ(r->nerr, 0);
    free(r);
}

static void test_specify_no_result(void)
{
    rig *r = rig_new();
    /* SPECIFY (0x03) takes 2 parameters (SRT|HUT, HLT|ND) and has no
     * result phase (datasheet Table 5-1): after the command byte the
     * controller waits for more (RQM|CMD BUSY = 0x90), after the second
     * parameter it is ready for the next command (0x80). */
    out8(r, FIFO, 0x03);
    CHECK_EQ(in8(r, MSR), 0x90);
    out8(r, FIFO, 0xDF);
    CHECK_EQ(in8(r, MSR), 0x90);
    out8(r, FIFO, 0x02);
    CHECK_EQ(in8(r, MSR), 0x80);
    CHECK_EQ(r->irq_level, 0);
    /* DUMPREG (10 result bytes) shows SPECIFY's bytes at 4 and 5, and
     * CONFIGURE's power-on 0x60 (QEMU: EIS|EFIFO) at 8. */
    uint8_t b[16];
    send(r, (const uint8_t[]){0x0E}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 10);
    CHECK_EQ(b[4], 0xDF);
    CHECK_EQ(b[5], 0x02);
    CHECK_EQ(b[8], 0x60);
    CHECK_EQ(r->nerr, 0);
    free(r);
}

static void test_reset_sense_interrupt(void)
{
    rig *r = rig_new();
    /* DOR bit 2 low holds the controller in reset: MSR reads 0 and a FIFO
     * byte is refused (a guest error naming the FIFO). */
    out8(r, DOR, 0x08);
    CHECK_EQ(in8(r, MSR), 0x00);
    out8(r, FIFO, 0x10);
    CHECK_EQ(r->nerr_fifo, 1);
    /* Leaving reset interrupts (QEMU fdctrl_reset(do_irq)): IRQ 6 rises,
     * SRA shows INT (0x80|0x40). */
    out8(r, DOR, 0x0C);
    CHECK_EQ(r->irq_level, 1);
    CHECK_EQ(r->irq_rises, 1);
    CHECK_EQ(in8(r, SRA), 0xC0);
    CHECK_EQ(in8(r, MSR), 0x80);
    /* Four SENSE INTERRUPT STATUS follow a reset, one per drive: ST0 =
     * 0xC0 | drive (IC = 11, "ready line changed" seen by polling) and
     * PCN 0 (QEMU recalibrates on reset). The first lowers IRQ 6. */
    for (unsigned d = 0; d < 4; d++) {
        uint8_t b[4] = {0};
        send(r, (const uint8_t[]){0x08}, 1);
        CHECK_EQ(receive(r, b, sizeof(b)), 2);
        CHECK_EQ(b[0], 0xC0u + d);
        CHECK_EQ(b[1], 0);
        CHECK_EQ(r->irq_level, 0);
    }
    /* A fifth has nothing to report: ST0 0x80 alone (invalid command). */
    uint8_t b[4] = {0};
    send(r, (const uint8_t[]){0x08}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x80);
    CHECK_EQ(in8(r, SRA), 0x40);
    /* The DSR's software reset (bit 7) does the same, DOR untouched. */
    out8(r, MSR, 0x80);
    CHECK_EQ(r->irq_level, 1);
    CHECK_EQ(in8(r, DOR), 0x0C);
    send(r, (const uint8_t[]){0x08}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 2);
    CHECK_EQ(b[0], 0xC0);
    CHECK_EQ(r->nerr, 1);
    free(r);
}

static void test_recalibrate_seek_irq(void)
{
    rig *r = rig_new();
    uint8_t b[4] = {0};
    /* RECALIBRATE (0x07, drive 0) has no result phase; its end raises IRQ
     * 6 (QEMU fdctrl_handle_recalibrate). */
    send(r, (const uint8_t[]){0x07, 0x00}, 2);
    CHECK_EQ(in8(r, MSR), 0x80);
    CHECK_EQ(r->irq_level, 1);
    CHECK_EQ(in8(r, SRA), 0xC0);
    /* SENSE INTERRUPT STATUS: ST0 0x20 (SE, seek end; drive 0) and PCN 0;
     * it lowers the line. */
    send(r, (const uint8_t[]){0x08}, 1);
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(receive(r, b, sizeof(b)), 2);
    CHECK_EQ(b[0], 0x20);
    CHECK_EQ(b[1], 0);
    /* SEEK (0x0F, drive 0, cylinder 5): the same, PCN 5 (an empty drive
     * still steps; QEMU's fd_empty_seek_hack). */
    send(r, (const uint8_t[]){0x0F, 0x00, 5}, 3);
    CHECK_EQ(r->irq_level, 1);
    CHECK_EQ(r->irq_rises, 2);
    send(r, (const uint8_t[]){0x08}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 2);
    CHECK_EQ(b[0], 0x20);
    CHECK_EQ(b[1], 5);
    /* SENSE DRIVE STATUS: ST3 = 0x28 (bits 5 and 3 always 1) | drive, T0
     * (0x10) only once recalibrated. */
    send(r, (const uint8_t[]){0x04, 0x00}, 2);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x28);
    send(r, (const uint8_t[]){0x07, 0x00}, 2);
    send(r, (const uint8_t[]){0x08}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 2);
    send(r, (const uint8_t[]){0x04, 0x00}, 2);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x38);
    CHECK_EQ(r->nerr, 0);
    free(r);
}

static void test_dma_gate(void)
{
    rig *r = rig_new();
    /* PC-AT mode: DOR bit 3 gates INT. With it off the interrupt is
     * pending (SRA bit 7) but IRQ 6 stays low; turning it on raises it. */
    out8(r, DOR, 0x04);
    send(r, (const uint8_t[]){0x07, 0x00}, 2);
    CHECK_EQ(in8(r, SRA), 0xC0);
    CHECK_EQ(r->irq_level, 0);
    out8(r, DOR, 0x0C);
    CHECK_EQ(r->irq_level, 1);
    free(r);
}

static void test_invalid_and_no_medium(void)
{
    rig *r = rig_new();
    uint8_t b[8] = {0};
    /* 0x1F is no command: ST0 0x80 (invalid), one byte, no interrupt. */
    send(r, (const uint8_t[]){0x1F}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x80);
    CHECK_EQ(r->irq_level, 0);
    /* READ DATA (0x46: MFM) with its 8 parameters (drive 0 head 0, C 0,
     * H 0, R 1, N 2, EOT 18, GPL 0x1B, DTL 0xFF): no diskette, so the
     * result phase comes at once with an interrupt: ST0 0x40 (abnormal
     * termination), ST1 0x01 (MA: no ID found), ST2 0, then C H R N. */
    send(r, (const uint8_t[]){0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF}, 9);
    CHECK_EQ(r->irq_level, 1);
    CHECK_EQ(in8(r, MSR), 0xD0);
    CHECK_EQ(receive(r, b, sizeof(b)), 7);
    const uint8_t want[7] = {0x40, 0x01, 0x00, 0, 0, 1, 2};
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    /* Reading the last result byte ends the interrupt (QEMU). */
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(in8(r, MSR), 0x80);
    /* A FIFO read with nothing to read: 0 and a guest error. */
    CHECK_EQ(in8(r, FIFO), 0);
    CHECK_EQ(r->nerr_fifo, 1);
    CHECK_EQ(r->err_value, 0);
    free(r);
}

static void test_lock_configure(void)
{
    rig *r = rig_new();
    uint8_t b[16] = {0};
    /* LOCK (0x94) answers 0x10 (LOCK in bit 4); UNLOCK (0x14) 0x00. */
    send(r, (const uint8_t[]){0x94}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x10);
    /* CONFIGURE: 0, EIS|EFIFO|POLL|FIFOTHR, PRETRK; no result. A DOR reset
     * keeps it (QEMU), and DUMPREG shows it at bytes 8 and 9 with LOCK in
     * bit 7 of byte 7. */
    send(r, (const uint8_t[]){0x13, 0x00, 0x57, 0x09}, 4);
    CHECK_EQ(in8(r, MSR), 0x80);
    out8(r, DOR, 0x08);
    out8(r, DOR, 0x0C);
    send(r, (const uint8_t[]){0x0E}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 10);
    CHECK_EQ(b[7] & 0x80, 0x80);
    CHECK_EQ(b[8], 0x57);
    CHECK_EQ(b[9], 0x09);
    send(r, (const uint8_t[]){0x14}, 1);
    CHECK_EQ(receive(r, b, sizeof(b)), 1);
    CHECK_EQ(b[0], 0x00);
    free(r);
}

static void test_drive_specification(void)
{
    rig *r = rig_new();
    uint8_t b[8] = {0};
    /* DRIVE SPECIFICATION takes 5 parameters (QEMU's table). A last byte
     * with DONE (bit 7) ends it; with bit 6 too QEMU answers 4 bytes: the
     * first drive byte twice, then 0, 0. */
    send(r, (const uint8_t[]){0x8E, 0x05, 0x01, 0x02, 0x03, 0xC0}, 6);
    CHECK_EQ(receive(r, b, sizeof(b)), 4);
    const uint8_t want[4] = {0x05, 0x05, 0, 0};
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    /* DONE alone: no result. */
    send(r, (const uint8_t[]){0x8E, 0x05, 0x01, 0x02, 0x03, 0x80}, 6);
    CHECK_EQ(in8(r, MSR), 0x80);
    CHECK_EQ(r->nerr, 0);
    free(r);
}

#define FLOOD 10000u

/* Writes `cmd` then FLOOD bytes of 0x42 (as the guest fdc_venom.asm and
 * the published VENOM proof of concept do), without looking at MSR. */
static void flood(rig *r, uint8_t cmd)
{
    out8(r, FIFO, cmd);
    for (unsigned i = 0; i < FLOOD; i++)
        out8(r, FIFO, 0x42); /* out8 checks the index after each byte */
}

/* The fifo bytes past the few a command and its result use stay as
 * power-on left them: the flood never landed in the buffer. */
static int fifo_tail_clean(const rig *r)
{
    for (size_t i = 16; i < HV_FDC_FIFO_SIZE; i++)
        if (r->fdc.fifo[i] != 0)
            return 0;
    return 1;
}

static void test_venom_drive_specification(void)
{
    rig *r = rig_new();
    /* 0x8E takes 5 parameter bytes; 0x42 lacks DONE, so after the fifth
     * the controller answers ST0 0x80 (invalid; head 0, drive 0) and is in
     * its result phase. Every further byte is refused with a guest error
     * naming the FIFO: FLOOD - 5 of them, logged once per run of 4096
     * refusals (fdc.c), so 3 events (refusals 0, 4096, 8192 of 9995). In
     * QEMU before e907746 each one was written one byte further past the
     * 512-byte buffer. */
    flood(r, 0x8E);
    CHECK_EQ(r->nerr, 3u);
    CHECK_EQ(r->nerr_fifo, 3u);
    CHECK_EQ(r->err_reg, FIFO_REG);
    CHECK_EQ(r->err_value, 0x42);
    CHECK(fifo_tail_clean(r));
    CHECK_EQ(in8(r, MSR), 0xD0);
    CHECK_EQ(in8(r, FIFO), 0x80);
    /* The controller still works. */
    CHECK_EQ(in8(r, MSR), 0x80);
    CHECK_EQ(version(r), 0x90);
    free(r);
}

static void test_venom_read_id(void)
{
    rig *r = rig_new();
    /* READ ID takes 1 parameter (0x42: head 0, drive 0). No diskette: the
     * result phase comes at once with an interrupt, and the other FLOOD -
     * 1 bytes are refused (9999: 3 events, one per 4096). QEMU's READ ID
     * instead waited 20 ms for a timer in the command phase while the
     * index ran on. */
    flood(r, 0x0A);
    CHECK_EQ(r->nerr_fifo, 3u);
    CHECK(fifo_tail_clean(r));
    CHECK_EQ(r->irq_level, 1);
    uint8_t b[8] = {0};
    CHECK_EQ(receive(r, b, sizeof(b)), 7);
    const uint8_t want[7] = {0x40, 0x01, 0x00, 0, 0, 1, 2};
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(version(r), 0x90);
    free(r);
}

static void test_venom_guest_sequence(void)
{
    rig *r = rig_new();
    /* scenarios/guest/fdc_venom.asm: both floods back to back, then a DOR
     * reset and VERSION. The first flood leaves a result waiting, so READ
     * ID's byte and its flood are refused too, one run of 19,996
     * refusals: 5 events (one per 4096); the reset recovers. */
    out8(r, DOR, 0x0C);
    CHECK_EQ(version(r), 0x90);
    flood(r, 0x8E);
    flood(r, 0x0A);
    CHECK_EQ(r->nerr_fifo, 5u);
    out8(r, DOR, 0x00);
    out8(r, DOR, 0x0C);
    CHECK_EQ(version(r), 0x90);
    free(r);
}

/* xorshift32: a fixed sequence, so a failure replays. */
static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_every_port_every_value(void)
{
    rig *r = rig_new();
    /* Every value to every port, each followed by a read of every port,
     * several times over (in8/out8 assert the index invariant after each
     * access); then a long random walk. Nothing may crash, and the line
     * must always be what SRA and DOR say. */
    for (unsigned round = 0; round < 8; round++) {
        for (unsigned v = 0; v < 256; v++) {
            for (unsigned port = 0; port < 8; port++) {
                out8(r, port, (uint8_t)(v ^ (round * 0x35u)));
                for (unsigned rd = 0; rd < 8; rd++)
                    (void)in8(r, rd);
            }
        }
    }
    uint32_t seed = 0x3F0u;
    for (unsigned i = 0; i < 200000; i++) {
        uint32_t x = next_rand(&seed);
        unsigned port = x & 7u;
        if (x & 0x800u)
            out8(r, port, (uint8_t)(x >> 16));
        else
            (void)in8(r, port);
        const hv_fdc *f = &r->fdc;
        int want = (f->sra & 0x80) && (f->dor & 0x04) && (f->dor & 0x08);
        if (r->irq_level != want) {
            CHECK_EQ(r->irq_level, want);
            break;
        }
    }
    CHECK(r->nerr > 0); /* 0x3F6 at least */
    /* Whatever that left, a reset brings VERSION back. */
    out8(r, DOR, 0x00);
    out8(r, DOR, 0x0C);
    CHECK_EQ(version(r), 0x90);
    free(r);
}

static void test_ide_port_is_not_ours(void)
{
    rig *r = rig_new();
    /* 0x3F6 is the IDE's alternate status on a PC: reads 0xFF as an empty
     * ISA port, and both directions are device errors. */
    CHECK_EQ(in8(r, 6), 0xFF);
    CHECK_EQ(r->nerr, 1);
    CHECK_EQ(r->err_reg, ((uint32_t)HV_DEV_FDC << 8) | 6u);
    in8(r, MSR); /* a taken access ends the run of refusals */
    out8(r, 6, 0x0A);
    CHECK_EQ(r->nerr, 2);
    CHECK_EQ(r->err_value, 0x0A);
    CHECK_EQ(in8(r, MSR), 0x80); /* nothing else changed */
    free(r);
}

static void test_regname_describe(void)
{
    const hv_device_ops *o = &hv_fdc_ops;
    char buf[96];
    CHECK_STR(o->regname(0, false), "SRA");
    CHECK_STR(o->regname(2, true), "DOR");
    CHECK_STR(o->regname(4, false), "MSR");
    CHECK_STR(o->regname(4, true), "DSR");
    CHECK_STR(o->regname(5, true), "FIFO");
    CHECK_STR(o->regname(7, false), "DIR");
    CHECK_STR(o->regname(7, true), "CCR");
    CHECK(o->regname(6, false) == NULL);
    CHECK(o->regname(8, false) == NULL);
    /* A FIFO write is named as the command it starts; the mask drops
     * MT/MFM/SK (0xE6 is READ DATA with all three). */
    o->describe(5, true, 0x8E, buf, sizeof(buf));
    CHECK_STR(buf, "0x8E (DRIVE SPECIFICATION)");
    o->describe(5, true, 0x0A, buf, sizeof(buf));
    CHECK_STR(buf, "0x0A (READ ID)");
    o->describe(5, true, 0xE6, buf, sizeof(buf));
    CHECK_STR(buf, "0xE6 (READ DATA)");
    o->describe(5, true, 0x1F, buf, sizeof(buf));
    CHECK_STR(buf, "0x1F (invalid)");
    CHECK(o->describe(5, false, 0x90, buf, sizeof(buf)) < 0);
    o->describe(4, false, 0x80, buf, sizeof(buf));
    CHECK_STR(buf, "0x80 (RQM)");
    o->describe(4, false, 0xD0, buf, sizeof(buf));
    CHECK_STR(buf, "0xD0 (CMDBUSY|DIO|RQM)");
    o->describe(2, true, 0x1C, buf, sizeof(buf));
    CHECK_STR(buf, "0x1C (drive 0, nRESET|DMAGATE|MOT0)");
    o->describe(0, false, 0xC0, buf, sizeof(buf));
    CHECK_STR(buf, "0xC0 (nDRV2|INT)");
    /* A short buffer is cut, never overrun; the full length comes back. */
    char small[6];
    int n = o->describe(4, false, 0xD0, small, sizeof(small));
    CHECK_EQ(n, strlen("0xD0 (CMDBUSY|DIO|RQM)"));
    CHECK_STR(small, "0xD0 ");
}

static const check_test tests[] = {
    {"power_on_values", test_power_on_values},
    {"version", test_version},
    {"specify_no_result", test_specify_no_result},
    {"reset_sense_interrupt", test_reset_sense_interrupt},
    {"recalibrate_seek_irq", test_recalibrate_seek_irq},
    {"dma_gate", test_dma_gate},
    {"invalid_and_no_medium", test_invalid_and_no_medium},
    {"lock_configure", test_lock_configure},
    {"drive_specification", test_drive_specification},
    {"venom_drive_specification", test_venom_drive_specification},
    {"venom_read_id", test_venom_read_id},
    {"venom_guest_sequence", test_venom_guest_sequence},
    {"every_port_every_value", test_every_port_every_value},
    {"ide_port_is_not_ours", test_ide_port_is_not_ours},
    {"regname_describe", test_regname_describe},
    {NULL, NULL},
};
CHECK_MAIN(tests)
