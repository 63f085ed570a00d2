/* Unit tests of the 8254 PIT model, poked through the bus at 0x40 as a
 * guest would (STYLE.md practice 13, QEMU qtest style), on a fake clock in
 * PIT input ticks. Expected values come from the Intel 8254 datasheet and
 * QEMU's hw/timer/i8254*.c; where the model departs from QEMU,
 * pit8254.c's header says so and the test follows the model. */
#include "devices/pit8254.h"

#include "check.h"

#define PIT 0x40u
#define T0 100000u /* a tick well past power-on, for the tests' loads */

typedef struct rig {
    hv_bus bus;
    hv_pit pit;
    uint64_t now; /* the fake clock */
    int irq[16];  /* levels set_irq0 was given, in order */
    int nirq;
    uint32_t gerr[8]; /* GUEST_ERROR b fields (device << 8 | offset) */
    uint32_t gerr_value[8];
    int ngerr;
} rig;

static uint64_t rig_clock(void *ctx)
{
    return ((rig *)ctx)->now;
}

static void rig_irq(void *ctx, int level)
{
    rig *r = ctx;
    if (r->nirq < 16)
        r->irq[r->nirq] = level;
    r->nirq++;
}

static void rig_emit(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d)
{
    rig *r = opaque;
    (void)d;
    if (type != HV_EV_GUEST_ERROR || a != HV_GERR_DEVICE)
        return;
    if (r->ngerr < 8) {
        r->gerr[r->ngerr] = b;
        r->gerr_value[r->ngerr] = c;
    }
    r->ngerr++;
}

static void rig_init(rig *r, uint64_t now)
{
    memset(r, 0, sizeof(*r));
    r->now = now;
    hv_bus_init(&r->bus, (hv_emitter){0});
    hv_pit_init(&r->pit, rig_clock, rig_irq, r,
                (hv_emitter){.fn = rig_emit, .opaque = r});
    CHECK_OK(hv_bus_add(&r->bus, PIT, 4, &hv_pit8254_ops, &r->pit));
}

static void rig_clear_irq(rig *r)
{
    r->nirq = 0;
}

static uint8_t in8(rig *r, unsigned reg)
{
    return (uint8_t)hv_bus_in(&r->bus, (uint16_t)(PIT + reg), 1);
}

static void out8(rig *r, unsigned reg, uint8_t v)
{
    hv_bus_out(&r->bus, (uint16_t)(PIT + reg), 1, v);
}

/* Programs channel `ch` with control word `cw` and a lo/hi count at
 * r->now (the control word must select lo/hi). */
static void program(rig *r, unsigned ch, uint8_t cw, uint16_t count)
{
    out8(r, 3, cw);
    out8(r, ch, (uint8_t)count);
    out8(r, ch, (uint8_t)(count >> 8));
}

/* Read-back of one channel's status alone: 11 1 0 (COUNT* = 1, STATUS* =
 * 0), then the channel bit (D1 = ch0, D2 = ch1, D3 = ch2). */
static uint8_t status(rig *r, unsigned ch)
{
    out8(r, 3, (uint8_t)(0xE0u | (2u << ch)));
    return in8(r, ch);
}

/* A lo/hi read of the live (or latched) count. */
static unsigned read16(rig *r, unsigned ch)
{
    unsigned lo = in8(r, ch);
    return lo | (unsigned)in8(r, ch) << 8;
}

static void test_power_on(void)
{
    rig r;
    rig_init(&r, 1000);
    /* QEMU's reset: mode 3, count 0 (65536) loaded now. A mode 3 OUT
     * starts high, and init says so once. */
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 1);
    /* Status: OUT 1, null count 0 (a count is loaded), then the control
     * bits as a BIOS writes them, 0x36 (lo/hi, mode 3, binary): 0xB6. */
    CHECK_EQ(status(&r, 0), 0xB6);
    /* Count reads: 65536 reads 0 at the load; a tick later mode 3 has
     * counted down by two (datasheet, mode 3 even counts). */
    CHECK_EQ(read16(&r, 0), 0x0000);
    r.now = 1001;
    CHECK_EQ(read16(&r, 0), 0xFFFE);
    /* Channel 2's gate is low: no counting (still the loaded 2^16), OUT
     * held high (mode 3). */
    CHECK_EQ(read16(&r, 2), 0x0000);
    CHECK_EQ(status(&r, 2), 0xB6);
    /* Channel 0 runs from power-on: it rises at each multiple of n. */
    CHECK_EQ(hv_pit_next_rise(&r.pit, 1000), 1000 + 65536);
    CHECK_EQ(hv_pit_next_rise(&r.pit, 1000 + 65536), 1000 + 2 * 65536);
    /* Square wave with n = 65536: high for 32768 ticks, then low. */
    r.now = 1000 + 32767;
    CHECK_EQ(status(&r, 0), 0xB6);
    r.now = 1000 + 32768;
    CHECK_EQ(status(&r, 0), 0x36);
    CHECK_EQ(r.ngerr, 0);
}

static void test_mode2_rate(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    /* Power-on's square wave at T0: one rise (at 65536), and d = T0 %
     * 65536 = 34464 is in the low half: pulse, then low. */
    hv_pit_advance(&r.pit, T0);
    CHECK_EQ(r.nirq, 4);
    CHECK_EQ(r.pit.rises0, 1);
    CHECK_EQ(r.pit.out0, 0);
    rig_clear_irq(&r);
    program(&r, 0, 0x34, 100); /* ch0, lo/hi, mode 2, binary */
    /* Mode 2's control word drives OUT high at once (datasheet): a rise
     * the 8259A sees, and the load keeps it high. */
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 1);
    CHECK_EQ(r.pit.rises0, 2);
    /* Rises at load + k*100 (QEMU's next transition for mode 2). */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 100);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 99), T0 + 100);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 100), T0 + 200);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 150), T0 + 200);
    /* Three periods at once: rises at +100, +200, +300, one pulse. */
    rig_clear_irq(&r);
    uint64_t before = r.pit.rises0;
    hv_pit_advance(&r.pit, T0 + 350);
    CHECK_EQ(r.nirq, 2);
    CHECK_EQ(r.irq[0], 0);
    CHECK_EQ(r.irq[1], 1);
    CHECK_EQ(r.pit.rises0 - before, 3);
    CHECK_EQ(r.pit.out0, 1);
    CHECK_EQ(r.pit.last, T0 + 350);
    /* No rise in (350, 399], but +399 is the low tick: the line drops;
     * at the rise out0 is already low: just the raise. */
    rig_clear_irq(&r);
    hv_pit_advance(&r.pit, T0 + 399);
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 0);
    hv_pit_advance(&r.pit, T0 + 400);
    CHECK_EQ(r.nirq, 2);
    CHECK_EQ(r.irq[1], 1);
    /* OUT is low for the one tick the CE holds 1 (datasheet, mode 2). */
    r.now = T0 + 498;
    CHECK_EQ(status(&r, 0) & 0x80, 0x80);
    CHECK_EQ(read16(&r, 0), 2);
    r.now = T0 + 499;
    CHECK_EQ(status(&r, 0) & 0x80, 0x00);
    CHECK_EQ(read16(&r, 0), 1);
    r.now = T0 + 500;
    CHECK_EQ(status(&r, 0) & 0x80, 0x80);
    CHECK_EQ(read16(&r, 0), 100); /* reloaded */
    r.now = T0 + 530;
    CHECK_EQ(read16(&r, 0), 70);
}

static void test_mode3_square(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x36, 5); /* ch0, lo/hi, mode 3 */
    /* Odd n = 5: high for (5+1)/2 = 3 ticks, low for 2 (datasheet), so
     * rises at +5, +10, ... */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 5);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 3), T0 + 5);
    rig_clear_irq(&r);
    hv_pit_advance(&r.pit, T0 + 2); /* still high: nothing */
    CHECK_EQ(r.nirq, 0);
    hv_pit_advance(&r.pit, T0 + 3); /* falling edge: the line follows */
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 0);
    hv_pit_advance(&r.pit, T0 + 5); /* rise; out0 low: just raise */
    CHECK_EQ(r.nirq, 2);
    CHECK_EQ(r.irq[1], 1);
    /* Over the rise at +10 into the low half at +13: pulse, then low. */
    rig_clear_irq(&r);
    hv_pit_advance(&r.pit, T0 + 13);
    CHECK_EQ(r.nirq, 3);
    CHECK_EQ(r.irq[0], 0);
    CHECK_EQ(r.irq[1], 1);
    CHECK_EQ(r.irq[2], 0);
    CHECK_EQ(r.pit.out0, 0);

    /* OUT and the CE tick by tick. Odd counts load N-1 and count by
     * twos (datasheet, mode 3 odd counts): 4, 2, 0 high; 4, 2 low. */
    r.now = T0 + 100;
    program(&r, 0, 0x36, 5);
    static const uint8_t out[11] = {1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1};
    static const unsigned cnt[5] = {4, 2, 0, 4, 2};
    for (unsigned d = 0; d < 11; d++) {
        r.now = T0 + 100 + d;
        CHECK_EQ(status(&r, 0) >> 7, out[d]);
        if (d < 5)
            CHECK_EQ(read16(&r, 0), cnt[d]);
    }
    /* Even n = 6: 3 high, 3 low, counting 6, 4, 2 in each half. */
    r.now = T0 + 1000;
    program(&r, 0, 0x36, 6);
    static const unsigned even[6] = {6, 4, 2, 6, 4, 2};
    for (unsigned d = 0; d < 6; d++) {
        r.now = T0 + 1000 + d;
        CHECK_EQ(read16(&r, 0), even[d]);
        CHECK_EQ(status(&r, 0) >> 7, d < 3);
    }
}

static void test_mode0_one_shot(void)
{
    rig r;
    /* Power-on at T0 - 100: channel 0 is high (first half of its square
     * wave) when the control word comes. */
    rig_init(&r, T0 - 100);
    r.now = T0;
    rig_clear_irq(&r);
    out8(&r, 3, 0x30); /* ch0, lo/hi, mode 0 */
    /* Mode 0's control word drives OUT low at once (datasheet). */
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 0);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), UINT64_MAX); /* no count yet */
    out8(&r, 0, 50);
    out8(&r, 0, 0);
    CHECK_EQ(r.nirq, 1); /* still low */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 50);
    hv_pit_advance(&r.pit, T0 + 49);
    CHECK_EQ(r.nirq, 1);
    hv_pit_advance(&r.pit, T0 + 50); /* terminal count: OUT rises */
    CHECK_EQ(r.nirq, 2);
    CHECK_EQ(r.irq[1], 1);
    /* Then never again: OUT stays high until reprogrammed. */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 50), UINT64_MAX);
    /* The CE wraps past 0 to FFFF and goes on (datasheet). */
    r.now = T0 + 51;
    CHECK_EQ(read16(&r, 0), 0xFFFF);
    hv_pit_advance(&r.pit, T0 + 1000000);
    CHECK_EQ(r.nirq, 2);
}

static void test_mode1_mode4_mode5(void)
{
    rig r;
    rig_init(&r, 0);
    /* Mode 1 (starting at the load, GATE0 being tied high): OUT low
     * until terminal count, like mode 0. */
    r.now = T0;
    program(&r, 0, 0x32, 10);
    CHECK_EQ(status(&r, 0) >> 7, 0);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 10);
    /* Mode 4: high, low for the tick d = n, up again at n + 1. */
    r.now = T0 + 100;
    program(&r, 0, 0x38, 10);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 100), T0 + 111);
    r.now = T0 + 110;
    CHECK_EQ(status(&r, 0) >> 7, 0);
    r.now = T0 + 111;
    CHECK_EQ(status(&r, 0) >> 7, 1);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 111), UINT64_MAX);
    /* Mode 5 is mode 4 started by the (tied-high) gate. */
    r.now = T0 + 200;
    program(&r, 0, 0x3A, 10);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 200), T0 + 211);
    /* Modes 6 and 7 are 2 and 3 (M2 is don't-care), but the status byte
     * shows the bits as written (datasheet, status format). */
    r.now = T0 + 300;
    program(&r, 0, 0x3C, 10);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 300), T0 + 310);
    CHECK_EQ(status(&r, 0), 0xBC);
}

static void test_counter_latch(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x34, 1000);
    r.now = T0 + 10;
    out8(&r, 3, 0x00); /* latch ch0: the count is 990 now */
    r.now = T0 + 20;
    out8(&r, 3, 0x00); /* ignored: a count is already latched */
    r.now = T0 + 500;  /* the counter runs on */
    CHECK_EQ(read16(&r, 0), 990);
    CHECK_EQ(read16(&r, 0), 500); /* unlatched: the live count again */
    /* Latching after an LSB-only live read: the latch has its own
     * LSB/MSB order (QEMU's count_latched), the live toggle is kept. */
    CHECK_EQ(in8(&r, 0), 500 & 0xFF);
    out8(&r, 3, 0x00);
    r.now = T0 + 600;
    CHECK_EQ(read16(&r, 0), 500);
    CHECK_EQ(in8(&r, 0), 400 >> 8); /* the live MSB the toggle waited for */
    CHECK_EQ(r.ngerr, 0);
}

static void test_readback(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x34, 1000);
    r.now = T0 + 10;
    out8(&r, 3, 0xC2); /* read-back ch0: count and status */
    r.now = T0 + 20;
    out8(&r, 3, 0xC2); /* ignored: both already latched */
    r.now = T0 + 300;
    /* Status first whatever the order (datasheet): OUT 1, null 0, 0x34;
     * then the count latched at +10, 990. */
    CHECK_EQ(in8(&r, 0), 0xB4);
    CHECK_EQ(read16(&r, 0), 990);
    CHECK_EQ(read16(&r, 0), 700); /* live again */
    /* Count only (STATUS* = 1): 11 0 1 001 0 = 0xD2. */
    out8(&r, 3, 0xD2);
    r.now = T0 + 400;
    CHECK_EQ(read16(&r, 0), 700);
    /* All three channels' status (0xEE); ch1 and ch2 keep power-on's
     * 0x36. */
    out8(&r, 3, 0xEE);
    CHECK_EQ(in8(&r, 0), 0xB4);
    /* ch1 runs from power-on (tick 0): d = 100400, 100400 % 65536 =
     * 34864 >= 32768, the low half: OUT 0. */
    CHECK_EQ(in8(&r, 1), 0x36);
    CHECK_EQ(in8(&r, 2), 0xB6); /* gate low: held high */
    CHECK_EQ(r.ngerr, 0);
}

static void test_byte_order(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    /* LSB only (RW = 01): one write loads 0x20; reads give the LSB. */
    out8(&r, 3, 0x14);
    out8(&r, 0, 0x20);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 0x20);
    r.now = T0 + 1;
    CHECK_EQ(in8(&r, 0), 0x1F);
    CHECK_EQ(in8(&r, 0), 0x1F); /* no toggling */
    /* MSB only (RW = 10): one write loads 0x0100. */
    r.now = T0 + 100;
    out8(&r, 3, 0x24);
    out8(&r, 0, 0x01);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 100), T0 + 100 + 0x100);
    CHECK_EQ(in8(&r, 0), 0x01);
    r.now = T0 + 101; /* 0x00FF */
    CHECK_EQ(in8(&r, 0), 0x00);
    /* LSB then MSB: 0x02 then 0x01 is 0x0102; the first byte alone loads
     * nothing (null count stays 1: OUT 1, NC 1, 0x34 = 0xF4). */
    r.now = T0 + 1000;
    out8(&r, 3, 0x34);
    out8(&r, 0, 0x02);
    CHECK_EQ(status(&r, 0), 0xF4);
    out8(&r, 0, 0x01);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 1000), T0 + 1000 + 0x102);
    CHECK_EQ(in8(&r, 0), 0x02);
    CHECK_EQ(in8(&r, 0), 0x01);
}

static void test_bcd(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x35, 0x1000); /* mode 2, BCD: 1000 decimal */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 1000);
    r.now = T0 + 1;
    CHECK_EQ(read16(&r, 0), 0x0999); /* 999 in BCD */
    r.now = T0 + 10;
    program(&r, 0, 0x35, 0x0000); /* 0 is 10^4 in BCD */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0 + 10), T0 + 10 + 10000);
    r.now = T0 + 11;
    CHECK_EQ(read16(&r, 0), 0x9999);
    CHECK_EQ(status(&r, 0), 0xB5);
    CHECK_EQ(r.ngerr, 0);
    /* A digit above 9 is undefined: a guest error, counted anyway. */
    program(&r, 0, 0x35, 0x00A0);
    CHECK_EQ(r.ngerr, 1);
    CHECK_EQ(r.gerr[0], (HV_DEV_PIT8254 << 8) | 0);
}

static void test_count_zero(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x34, 0); /* 0 is 2^16 */
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 65536);
    CHECK_EQ(read16(&r, 0), 0x0000);
    r.now = T0 + 1;
    CHECK_EQ(read16(&r, 0), 0xFFFF);
}

static void test_null_count(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x34, 100);
    CHECK_EQ(status(&r, 0), 0xB4); /* loaded: NC 0 */
    /* A new control word: NC 1 until a count is loaded; mode 0's OUT
     * low (0x30 | NC = 0x70). */
    out8(&r, 3, 0x30);
    CHECK_EQ(status(&r, 0), 0x70);
    out8(&r, 0, 5);
    CHECK_EQ(status(&r, 0), 0x70);
    out8(&r, 0, 0);
    CHECK_EQ(status(&r, 0), 0x30);
    /* The control word also drops a latched count (datasheet: held
     * "until read ... or until the counter is reprogrammed"). */
    out8(&r, 3, 0x00);
    out8(&r, 3, 0x34);
    CHECK_EQ(r.ngerr, 0);
    (void)in8(&r, 0); /* the CE before a count: undefined */
    CHECK_EQ(r.ngerr, 1);
}

static void test_edges_before_write(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x34, 100);
    rig_clear_irq(&r);
    r.now = T0 + 250;
    out8(&r, 3, 0x74); /* ch1's control word: ch0's rises at +100, +200
                          must still reach the PIC */
    CHECK_EQ(r.nirq, 2);
    CHECK_EQ(r.irq[0], 0);
    CHECK_EQ(r.irq[1], 1);
    CHECK_EQ(r.pit.last, T0 + 250);
}

static void test_guest_errors(void)
{
    rig r;
    rig_init(&r, 0);
    /* The control port reads 0 as in QEMU; the 8254 floats the bus. */
    CHECK_EQ(in8(&r, 3), 0x00);
    CHECK_EQ(r.ngerr, 1);
    CHECK_EQ(r.gerr[0], (HV_DEV_PIT8254 << 8) | 3);
    /* Mode 2's minimum count is 2 (datasheet): 1 is reported; OUT then
     * stays high with no rises. */
    r.now = T0;
    program(&r, 0, 0x34, 1);
    CHECK_EQ(r.ngerr, 2);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), UINT64_MAX);
    /* Read-back with the reserved D0 set. */
    out8(&r, 3, 0xC3);
    CHECK_EQ(r.ngerr, 3);
    /* Wide accesses are split by the bus: no crash, defined values. */
    (void)hv_bus_in(&r.bus, PIT, 4);
    hv_bus_out(&r.bus, PIT, 4, 0xFFFFFFFFu);
}

static void test_large_ticks(void)
{
    rig r;
    uint64_t big = UINT64_MAX - 1000;
    rig_init(&r, big);
    /* Rises past 2^64 do not exist: never, not a wrapped tick. */
    CHECK_EQ(hv_pit_next_rise(&r.pit, big), UINT64_MAX);
    r.now = (uint64_t)1 << 62;
    program(&r, 0, 0x34, 1000);
    CHECK_EQ(r.pit.last, big); /* the clock never runs backwards */
    CHECK_EQ(hv_pit_next_rise(&r.pit, big), UINT64_MAX);
    rig_init(&r, (uint64_t)1 << 62);
    program(&r, 0, 0x34, 1000);
    hv_pit_advance(&r.pit, ((uint64_t)1 << 62) + 1000u * 1000000u);
    CHECK_EQ(r.pit.rises0, 1000000);
}

static void test_reset(void)
{
    rig r;
    rig_init(&r, 0);
    r.now = T0;
    program(&r, 0, 0x30, 100); /* mode 0: OUT low */
    rig_clear_irq(&r);
    hv_bus_reset(&r.bus);
    /* Back to power-on at T0: mode 3 high, said even if unchanged. */
    CHECK_EQ(r.nirq, 1);
    CHECK_EQ(r.irq[0], 1);
    CHECK_EQ(status(&r, 0), 0xB6);
    CHECK_EQ(hv_pit_next_rise(&r.pit, T0), T0 + 65536);
}

static void test_no_clock(void)
{
    hv_pit p;
    hv_pit_init(&p, NULL, NULL, NULL, (hv_emitter){0});
    CHECK_EQ(p.last, 0);
    CHECK_EQ(hv_pit_next_rise(&p, 0), 65536);
    hv_pit_advance(&p, 65536 * 3);
    CHECK_EQ(p.rises0, 3);
    CHECK_EQ(p.out0, 1);
}

static void test_names(void)
{
    const hv_device_ops *o = &hv_pit8254_ops;
    char buf[96];
    CHECK_STR(o->regname(0, false), "CH0");
    CHECK_STR(o->regname(2, true), "CH2");
    CHECK_STR(o->regname(3, true), "MODE");
    CHECK(o->regname(3, false) == NULL);
    CHECK(o->regname(4, true) == NULL);
    o->describe(3, true, 0x34, buf, sizeof(buf));
    CHECK_STR(buf, "0x34 (ch0, lo/hi, mode 2 rate generator, binary)");
    o->describe(3, true, 0x00, buf, sizeof(buf));
    CHECK_STR(buf, "0x00 (ch0 latch)");
    o->describe(3, true, 0xC2, buf, sizeof(buf));
    CHECK_STR(buf, "0xC2 (read-back ch0: count+status)");
    o->describe(3, true, 0xEE, buf, sizeof(buf));
    CHECK_STR(buf, "0xEE (read-back ch0,ch1,ch2: status)");
    o->describe(3, true, 0xB7, buf, sizeof(buf));
    CHECK_STR(buf, "0xB7 (ch2, lo/hi, mode 3 square wave, BCD)");
    o->describe(0, true, 0x9C, buf, sizeof(buf));
    CHECK_STR(buf, "0x9C");
    CHECK(o->describe(3, true, 0x34, NULL, 0) > 0);
    hv_bus_format_access(true, 0x43, 1, 0x36, (HV_DEV_PIT8254 << 8) | 3, buf,
                         sizeof(buf));
    CHECK_STR(buf, "OUT 0x43 MODE 0x36 (ch0, lo/hi, mode 3 square wave, "
                   "binary)");
}

static const check_test tests[] = {
    {"power_on", test_power_on},
    {"mode2_rate", test_mode2_rate},
    {"mode3_square", test_mode3_square},
    {"mode0_one_shot", test_mode0_one_shot},
    {"mode1_mode4_mode5", test_mode1_mode4_mode5},
    {"counter_latch", test_counter_latch},
    {"readback", test_readback},
    {"byte_order", test_byte_order},
    {"bcd", test_bcd},
    {"count_zero", test_count_zero},
    {"null_count", test_null_count},
    {"edges_before_write", test_edges_before_write},
    {"guest_errors", test_guest_errors},
    {"large_ticks", test_large_ticks},
    {"reset", test_reset},
    {"no_clock", test_no_clock},
    {"names", test_names},
    {NULL, NULL},
};
CHECK_MAIN(tests)
