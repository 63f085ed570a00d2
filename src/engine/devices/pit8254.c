/* hvlab engine: the 8254 PIT (see pit8254.h).
 *
 * HOW IT WORKS
 * A channel is not stepped tick by tick. Loading a count records the tick
 * (load_time) and the count n; everything the guest can see is a pure
 * function of d = now - load_time, as in QEMU's hw/timer/i8254*.c
 * (pit_get_out, pit_get_count, pit_get_next_transition_time), except that
 * time is already in PIT input ticks, so there is no ns conversion and no
 * rounding. OUT against d, n (channel gate high):
 *
 *   mode 0, 1  low while d < n, then high            one rise at d = n
 *   mode 2     high, low for the tick d % n = n - 1  rises at d = k*n
 *   mode 3     high while d % n < ceil(n/2), else low rises at d = k*n
 *   mode 4, 5  high, low for the tick d = n          one rise at d = n+1
 *
 * The rises are the whole interface to the vCPU: hv_pit_next_rise() says
 * when to come back, hv_pit_advance() counts the rises in (last, now] by
 * division and pulses IRQ 0 once. Every guest write first advances to now,
 * so a channel's programming is constant over any interval advanced over.
 *
 * Choices where QEMU and the Intel 8254 datasheet differ, or neither says:
 * - The count is loaded into the counting element (CE) at the write, not
 *   on the next CLK (datasheet "Mode Definitions": N + 1 pulses), and a
 *   new count restarts counting at once in every mode (QEMU's
 *   pit_load_count); the datasheet lets modes 2 and 3 finish the period.
 * - Mode 1 and 5 start at the count load, as in QEMU: GATE0 and GATE1 are
 *   tied high on a PC, so no trigger would ever come. OUT polarity is the
 *   datasheet's (mode 1 low until terminal count; mode 2 and 4 high with a
 *   one-tick low pulse) where QEMU's pit_get_out inverts modes 1, 2, 4, 5.
 * - Mode 3 with an odd count reads N-1, N-3, .. 0 high, then N-1, .. 2 low
 *   (datasheet "Odd counts"); QEMU's formula is marked "may be incorrect".
 * - GATE low (channel 2) stops counting and holds OUT at its initial
 *   level (datasheet); QEMU counts regardless of the gate.
 * - A control word clears latched count and status: "held in the latch
 *   until it is read ... or until the counter is reprogrammed" (datasheet,
 *   Counter Latch Command); QEMU keeps them.
 */
#include "pit8254.h"

#include <stdio.h>
#include <string.h>

enum { PIT_CONTROL = 3 };

#define PIT_BIN_MOD 0x10000u /* a count of 0 is 2^16 in binary... */
#define PIT_BCD_MOD 10000u   /* ...and 10^4 in BCD (datasheet) */

/* Control word fields (datasheet, Control Word Format). */
#define PIT_SC(v) ((unsigned)(v) >> 6)
#define PIT_RW(v) (((unsigned)(v) >> 4) & 3u)
#define PIT_READBACK_NOCOUNT 0x20u  /* read-back D5: COUNT* (active low) */
#define PIT_READBACK_NOSTATUS 0x10u /* D4: STATUS* */

static uint64_t pit_now(const hv_pit *p)
{
    uint64_t t = p->clock ? p->clock(p->ctx) : 0;
    return t < p->last ? p->last : t; /* never run time backwards */
}

static void pit_guest_error(hv_pit *p, uint32_t offset, uint32_t value)
{
    hv_emit(&p->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_PIT8254 << 8) | offset, value, 0);
}

static uint32_t ch_modulus(const hv_pit_channel *c)
{
    return c->bcd ? PIT_BCD_MOD : PIT_BIN_MOD;
}

/* Ticks counted since the load: none while GATE is low (modes 0, 2, 3, 4:
 * "GATE = 0 disables counting"; modes 1, 5: no trigger yet). */
static uint64_t ch_elapsed(const hv_pit_channel *c, uint64_t now)
{
    return c->gate && now > c->load_time ? now - c->load_time : 0;
}

/* Whether OUT has a rise schedule at all: a count is loaded, the gate lets
 * it count, and modes 2 and 3 have a low phase (a count of 1 is below the
 * datasheet's minimum of 2 for them: OUT then stays high, as QEMU's mode 3
 * formula gives). */
static bool ch_periodic(const hv_pit_channel *c)
{
    return (c->mode == 2 || c->mode == 3) && c->count >= 2;
}

/* The CE's value at `now`, 0 .. modulus-1 (binary; encoded when read). */
static uint32_t ch_ce(const hv_pit_channel *c, uint64_t now)
{
    if (!c->counting)
        return c->held;
    uint64_t d = ch_elapsed(c, now);
    uint32_t n = c->count, m = ch_modulus(c), v;
    switch (c->mode) {
    case 2: /* N .. 1, reload (datasheet: OUT low while the CE is 1) */
        v = n - (uint32_t)(d % n);
        break;
    case 3: { /* by twos from the even part of N, once per half period */
        uint32_t r = (uint32_t)(d % n), high = (n + 1u) / 2u;
        uint32_t h = r < high ? r : r - high;
        v = (n & ~1u) - 2u * h;
        break;
    }
    default: /* 0, 1, 4, 5: past terminal count the CE wraps to FFFF/9999 */
        v = (uint32_t)((n + (uint64_t)m - d % m) % m);
        break;
    }
    return v % m; /* a CE of 2^16 (or 10^4) reads as 0 */
}

static int ch_out(const hv_pit_channel *c, uint64_t now)
{
    /* After a control word OUT goes to its initial state at once, low in
     * mode 0 and high in the others ("Operation Common to All Modes"); it
     * stays there while the gate holds counting off. */
    if (!c->counting || !c->gate)
        return c->mode != 0;
    uint64_t d = ch_elapsed(c, now);
    uint32_t n = c->count;
    switch (c->mode) {
    case 0:
    case 1: return d >= n;
    case 2: return n < 2 || d % n != n - 1u;
    case 3: return d % n < (n + 1u) / 2u;
    default: /* 4, 5 */ return d != n;
    }
}

/* The first tick > now where OUT rises, or UINT64_MAX. */
static uint64_t ch_next_rise(const hv_pit_channel *c, uint64_t now)
{
    if (!c->counting || !c->gate)
        return UINT64_MAX;
    uint64_t t = now > c->load_time ? now : c->load_time;
    uint64_t d = t - c->load_time, step;
    if (ch_periodic(c)) {
        step = c->count - d % c->count; /* to the next multiple of n */
    } else if (c->mode == 2 || c->mode == 3) {
        return UINT64_MAX;
    } else {
        uint64_t e = c->count + (c->mode >= 4 ? 1u : 0u);
        if (d >= e)
            return UINT64_MAX; /* the one event is past */
        step = e - d;
    }
    return t > UINT64_MAX - step ? UINT64_MAX : t + step;
}

/* The number of rises in (a, b], a <= b, by division. */
static uint64_t ch_rises(const hv_pit_channel *c, uint64_t a, uint64_t b)
{
    if (!c->counting || !c->gate || b <= a)
        return 0;
    uint64_t da = ch_elapsed(c, a), db = ch_elapsed(c, b);
    if (ch_periodic(c))
        return db / c->count - da / c->count; /* rises at k*n, k >= 1 */
    if (c->mode == 2 || c->mode == 3)
        return 0;
    uint64_t e = c->count + (c->mode >= 4 ? 1u : 0u);
    return da < e && e <= db;
}

static void pit_set_irq0(hv_pit *p, int level)
{
    p->out0 = level;
    if (p->set_irq0)
        p->set_irq0(p->ctx, level);
}

void hv_pit_advance(hv_pit *p, uint64_t now)
{
    if (now < p->last)
        now = p->last;
    const hv_pit_channel *c = &p->ch[0];
    uint64_t rises = ch_rises(c, p->last, now);
    int level = ch_out(c, now);
    p->rises0 += rises;
    if (rises) {
        /* One request however many edges: the 8259A's edge detector
         * latches a rise, not a count (its IRR bit is one bit). */
        if (p->out0 != 0)
            pit_set_irq0(p, 0);
        pit_set_irq0(p, 1);
        if (!level)
            pit_set_irq0(p, 0);
    } else if (level != p->out0) {
        /* A write moved OUT (a control word sets its initial level): a
         * rise from low is an edge like the others. */
        p->rises0 += p->out0 == 0 && level;
        pit_set_irq0(p, level);
    }
    p->last = now;
}

uint64_t hv_pit_next_rise(const hv_pit *p, uint64_t now)
{
    return ch_next_rise(&p->ch[0], now);
}

static uint32_t bcd_encode(uint32_t v)
{
    v %= PIT_BCD_MOD;
    return (v / 1000u) << 12 | (v / 100u % 10u) << 8 | (v / 10u % 10u) << 4 |
           v % 10u;
}

/* Decodes 4 BCD digits; a digit above 9 makes *ok false (the datasheet
 * defines only decimal digits) and is weighed as its value, mod 10^4. */
static uint32_t bcd_decode(uint32_t raw, bool *ok)
{
    uint32_t v = 0;
    *ok = true;
    for (int shift = 12; shift >= 0; shift -= 4) {
        uint32_t digit = (raw >> shift) & 0xFu;
        if (digit > 9u)
            *ok = false;
        v = v * 10u + digit;
    }
    return v % PIT_BCD_MOD;
}

/* The 16-bit pattern a read of the CE shows now. Reading the CE between a
 * control word and its count is undefined (the datasheet's waveforms show
 * it as "N", unknown): a guest error, answered with the frozen CE. */
static uint16_t ch_read_count(hv_pit *p, hv_pit_channel *c, uint64_t now,
                              uint32_t offset)
{
    uint32_t v = ch_ce(c, now);
    uint16_t pattern = (uint16_t)(c->bcd ? bcd_encode(v) : v);
    if (!c->counting)
        pit_guest_error(p, offset, pattern);
    return pattern;
}

/* Counter latch / read-back COUNT: a second latch before the first is read
 * is ignored (datasheet, Read-Back Command; QEMU's pit_latch_count). */
static void ch_latch_count(hv_pit *p, hv_pit_channel *c, uint64_t now,
                           uint32_t offset)
{
    if (c->count_latched)
        return;
    c->latched_count = ch_read_count(p, c, now, offset);
    c->count_latched = true;
    c->latch_msb_next = false;
}

static void ch_latch_status(hv_pit_channel *c, uint64_t now)
{
    if (c->status_latched)
        return;
    unsigned out = (unsigned)ch_out(c, now), nc = c->null_count;
    c->latched_status = (uint8_t)(out << 7 | nc << 6 | (c->control & 0x3Fu));
    c->status_latched = true;
}

static void ch_load(hv_pit *p, hv_pit_channel *c, uint64_t now, uint32_t raw,
                    uint32_t offset, uint8_t value)
{
    uint32_t n = raw;
    if (c->bcd) {
        bool ok;
        n = bcd_decode(raw, &ok);
        if (!ok)
            pit_guest_error(p, offset, value);
    }
    if (n == 0)
        n = ch_modulus(c);
    /* Datasheet, Minimum and Maximum Initial Counts: 2 in modes 2, 3. */
    if (n == 1 && (c->mode == 2 || c->mode == 3))
        pit_guest_error(p, offset, value);
    c->count = n;
    c->load_time = now;
    c->counting = true;
    c->null_count = false; /* CR -> CE at once here (see the top) */
}

static void pit_write_count(hv_pit *p, uint32_t offset, uint8_t v, uint64_t now)
{
    hv_pit_channel *c = &p->ch[offset];
    switch (c->rw_mode) {
    case 2: /* MSB only: the LSB is 0 */
        ch_load(p, c, now, (uint32_t)v << 8, offset, v);
        break;
    case 3: /* LSB then MSB: the first byte alone has no effect (QEMU; the
               datasheet's mode 0 would stop counting here) */
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
        } else {
            c->write_msb_next = false;
            ch_load(p, c, now, c->write_lsb | (uint32_t)v << 8, offset, v);
        }
        break;
    default: /* 1: LSB only; 0 never stays (a control word sets 1..3) */
        ch_load(p, c, now, v, offset, v);
        break;
    }
}

static void pit_write_control(hv_pit *p, uint8_t v, uint64_t now)
{
    if (PIT_SC(v) == 3) {
        /* Read-back: D3..D1 select channels 2..0; D0 "must be 0"
         * (reserved), which we report and otherwise ignore, as QEMU. */
        if (v & 1u)
            pit_guest_error(p, PIT_CONTROL, v);
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            if (!(v & PIT_READBACK_NOCOUNT))
                ch_latch_count(p, &p->ch[i], now, PIT_CONTROL);
            if (!(v & PIT_READBACK_NOSTATUS))
                ch_latch_status(&p->ch[i], now);
        }
        return;
    }
    hv_pit_channel *c = &p->ch[PIT_SC(v)];
    if (PIT_RW(v) == 0) {
        ch_latch_count(p, c, now, PIT_CONTROL);
        return;
    }
    unsigned mode = (v >> 1) & 7u;
    c->held = ch_ce(c, now);
    c->control = v & 0x3Fu;
    c->rw_mode = (uint8_t)PIT_RW(v);
    c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode); /* X10, X11: 2, 3 */
    c->bcd = v & 1u;
    c->counting = false;
    c->null_count = true;
    c->write_msb_next = c->read_msb_next = c->latch_msb_next = false;
    c->count_latched = c->status_latched = false;
}

static void pit_write(void *opaque, uint32_t offset, unsigned size,
                      uint32_t value)
{
    hv_pit *p = opaque;
    uint8_t v = (uint8_t)value;
    uint64_t now = pit_now(p);
    (void)size; /* byte-wide: the bus splits wider accesses */

    hv_pit_advance(p, now); /* rises before the write are not lost */
    offset &= 3u;           /* only A1, A0 reach the chip */
    if (offset == PIT_CONTROL)
        pit_write_control(p, v, now);
    else
        pit_write_count(p, offset, v, now);
    hv_pit_advance(p, now); /* OUT's new level onto IRQ 0 */
}

static uint32_t pit_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_pit *p = opaque;
    (void)size;

    offset &= 3u;
    if (offset == PIT_CONTROL) {
        /* A1 A0 = 11 with RD is a no-operation: the 8254 leaves the data
         * bus 3-state (datasheet, Read/Write Operations Summary), so the
         * value is undefined; QEMU's pit_ioport_read returns 0. */
        pit_guest_error(p, offset, 0);
        return 0;
    }
    hv_pit_channel *c = &p->ch[offset];
    uint64_t now = pit_now(p);
    uint32_t ret;

    /* Latched status first, then the latched count, whatever the order
     * they were latched in (datasheet, Read-Back Command). */
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    bool latched = c->count_latched;
    uint16_t count =
        latched ? c->latched_count : ch_read_count(p, c, now, offset);
    bool *msb_next = latched ? &c->latch_msb_next : &c->read_msb_next;
    switch (c->rw_mode) {
    case 2:
        ret = count >> 8;
        c->count_latched = false;
        break;
    case 3:
        ret = *msb_next ? count >> 8 : count & 0xFFu;
        if (*msb_next)
            c->count_latched = false;
        *msb_next = !*msb_next;
        break;
    default:
        ret = count & 0xFFu;
        c->count_latched = false;
        break;
    }
    return ret;
}

/* Power-on, as QEMU's pit_reset_common: every channel in mode 3 with a
 * count of 0 (2^16) loaded now, GATE2 low. The datasheet leaves mode,
 * count and OUT undefined after power-up; QEMU leaves RW at 0, which no
 * control word can set, so we take LSB-then-MSB: 0x36, what the IBM PC
 * BIOS writes for this state, which the status byte then shows. (SeaBIOS,
 * which runs before any guest on QEMU, writes 0x34 instead: mode 2, whose
 * rises with a count of 0 fall on the same ticks as mode 3's.) */
static void pit_power_on(hv_pit *p, uint64_t now)
{
    for (unsigned i = 0; i < 3; i++) {
        hv_pit_channel *c = &p->ch[i];
        memset(c, 0, sizeof *c);
        c->control = 0x36u;
        c->rw_mode = 3;
        c->mode = 3;
        c->gate = i != 2;
        c->count = PIT_BIN_MOD;
        c->load_time = now;
        c->counting = true;
    }
    p->out0 = -1; /* say the level even if unchanged, as QEMU's reset */
    hv_pit_advance(p, now);
}

static void pit_reset(void *opaque)
{
    hv_pit *p = opaque;
    uint64_t now = pit_now(p);
    hv_pit_advance(p, now);
    pit_power_on(p, now);
}

static const char *pit_regname(uint32_t offset, bool is_write)
{
    static const char *const names[4] = {"CH0", "CH1", "CH2", "MODE"};
    if (offset >= 4 || (offset == PIT_CONTROL && !is_write))
        return NULL; /* the control register cannot be read */
    return names[offset];
}

/* "0x34 (ch0, lo/hi, mode 2 rate generator, binary)", "0x00 (ch0 latch)",
 * "0xC2 (read-back ch0: count+status)"; data bytes in hex. */
static int pit_describe(uint32_t offset, bool is_write, uint32_t value,
                        char *buf, size_t len)
{
    static const char *const rw[4] = {"latch", "lo", "hi", "lo/hi"};
    static const char *const modes[6] = {"interrupt on terminal count",
                                         "one-shot",
                                         "rate generator",
                                         "square wave",
                                         "software strobe",
                                         "hardware strobe"};
    uint8_t v = (uint8_t)value;

    if (offset != PIT_CONTROL || !is_write)
        return snprintf(buf, len, "0x%02X", v);
    if (PIT_SC(v) == 3) {
        char chans[16] = "";
        size_t used = 0;
        for (unsigned i = 0; i < 3; i++) {
            if (v & (2u << i))
                used += (size_t)snprintf(chans + used, sizeof chans - used,
                                         "%sch%u", used ? "," : "", i);
        }
        bool cnt = !(v & PIT_READBACK_NOCOUNT);
        bool st = !(v & PIT_READBACK_NOSTATUS);
        return snprintf(buf, len, "0x%02X (read-back %s: %s)", v,
                        used ? chans : "none",
                        cnt && st ? "count+status"
                        : cnt     ? "count"
                        : st      ? "status"
                                  : "nothing");
    }
    if (PIT_RW(v) == 0)
        return snprintf(buf, len, "0x%02X (ch%u latch)", v, PIT_SC(v));
    unsigned mode = (v >> 1) & 7u;
    if (mode >= 6)
        mode -= 4;
    return snprintf(buf, len, "0x%02X (ch%u, %s, mode %u %s, %s)", v, PIT_SC(v),
                    rw[PIT_RW(v)], mode, modes[mode],
                    (v & 1u) ? "BCD" : "binary");
}

const hv_device_ops hv_pit8254_ops = {
    .name = "pit8254",
    .kind = HV_DEV_PIT8254,
    .sizes = 1u, /* byte-wide, like QEMU's .impl of 1..1 */
    .read = pit_read,
    .write = pit_write,
    .reset = pit_reset,
    .regname = pit_regname,
    .describe = pit_describe,
};

void hv_pit_init(hv_pit *p, uint64_t (*clock)(void *ctx),
                 void (*set_irq0)(void *ctx, int level), void *ctx,
                 hv_emitter emit)
{
    memset(p, 0, sizeof *p);
    p->clock = clock;
    p->set_irq0 = set_irq0;
    p->ctx = ctx;
    p->emit = emit;
    p->last = pit_now(p);
    pit_power_on(p, p->last);
}
