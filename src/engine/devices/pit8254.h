/* hvlab engine: the PC's Intel 8254 programmable interval timer (ports
 * 0x40-0x42 channels 0-2, 0x43 the mode/command register), as QEMU's
 * hw/timer/i8254*.c models it; channel 0's output is IRQ 0 (FIDELITY.md
 * "Device emulation"; issue 8).
 *
 * TIME: the PIT never reads a wall clock. Its input clock is 1.193182 MHz
 * of *modelled* time: the VM's clock (its modelled cycles plus the time it
 * idles in HLT) converted at the machine's CPU frequency. `clock()` gives
 * the current count of PIT input ticks; the PIT reads it on every guest
 * access, and the vCPU calls hv_pit_advance() when the time it asked for
 * with hv_pit_next_rise() has come.
 *
 * Channels: modes 0-5, binary or BCD, LSB/MSB/LSB-then-MSB access, the
 * counter latch command and the read-back command (with status). Gates:
 * channels 0 and 1 are tied high, channel 2's gate is port 0x61 on a PC,
 * which hvlab does not model (held low, as QEMU's reset leaves it). Power-
 * on state as QEMU's reset: every channel in mode 3 with a count of 0
 * (65536), so channel 0 already runs at 18.2 Hz.
 */
#ifndef HV_PIT8254_H
#define HV_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

#define HV_PIT_HZ 1193182u /* the PC's PIT input clock */

typedef struct hv_pit_channel {
    uint8_t mode;       /* 0-5 (6, 7 read as 2, 3) */
    uint8_t rw_mode;    /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    uint32_t count;     /* the reload value, 1..0x10000 */
    uint64_t load_time; /* PIT tick at which counting from `count` began */
    bool counting;      /* a count has been loaded since the mode write */
    /* Guest-visible access state: a half-written count, a latched count
     * (and which byte of it is next), a latched status byte. */
    bool write_msb_next, read_msb_next;
    uint8_t write_lsb;
    bool count_latched, status_latched;
    uint16_t latched_count;
    uint8_t latched_status;
    bool latch_msb_next;
    bool null_count;    /* status bit 6: the count is not loaded yet */
    uint8_t control;    /* bits 5:0 of the last control word: the status
                           byte shows them "exactly as written" (datasheet,
                           read-back status format), so mode 6 stays 6 */
    uint32_t held;      /* the counting element while no count is loaded
                           (!counting): frozen at the control word write */
} hv_pit_channel;

typedef struct hv_pit {
    hv_pit_channel ch[3];
    uint64_t last;      /* the tick hv_pit_advance() last brought ch 0 to */
    int out0;           /* the level last given to set_irq0 (-1: none) */
    uint64_t rises0;    /* channel 0's rising edges up to `last`, those
                           a control word makes and those the 8259A never
                           saw one by one included */
    uint64_t (*clock)(void *ctx);
    void (*set_irq0)(void *ctx, int level);
    void *ctx;
    hv_emitter emit;
} hv_pit;

/* Ops for ports 0x40-0x43 (add as (0x40, 4, &ops, pit)). Byte-wide. */
extern const hv_device_ops hv_pit8254_ops;

void hv_pit_init(hv_pit *p, uint64_t (*clock)(void *ctx),
                 void (*set_irq0)(void *ctx, int level), void *ctx,
                 hv_emitter emit);
/* Brings channel 0's output up to PIT tick `now` (>= the last call's),
 * calling set_irq0 with its level. When one or more rising edges happened
 * since the last call, the line is lowered and raised once: an
 * edge-triggered 8259A latches one request however many edges it missed. */
void hv_pit_advance(hv_pit *p, uint64_t now);
/* The first PIT tick after `now` at which channel 0's output rises, or
 * UINT64_MAX when it never will as programmed (mode 0 or 1 already fired,
 * mode 4/5 strobe done, no count loaded). */
uint64_t hv_pit_next_rise(const hv_pit *p, uint64_t now);

#endif
