/* hvlab engine: the PC's pair of Intel 8259A interrupt controllers
 * (master at ports 0x20/0x21, slave at 0xA0/0xA1 cascaded on the master's
 * IRQ 2), as QEMU's hw/intc/i8259.c models them, so a guest that programs
 * them sees the same thing on hvlab and on the QEMU oracle (FIDELITY.md
 * "Device emulation").
 *
 * Edge-triggered only (the PC's ISA default; no ELCR). Initialization
 * words ICW1-ICW4, operation words OCW1 (IMR), OCW2 (EOI, specific EOI,
 * rotation) and OCW3 (read IRR/ISR, poll, special mask); auto-EOI; fully
 * nested priority with rotation; spurious IRQ 7 / 15 as the datasheet
 * says. Power-on state as QEMU's reset: IMR 0, IRR 0, ISR 0, vector base 0.
 */
#ifndef HV_PIC8259_H
#define HV_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

struct hv_pic;

typedef struct hv_pic_chip {
    uint8_t irr, isr, imr;
    uint8_t last_level;   /* input levels last seen, for edge detection */
    uint8_t vector_base;  /* ICW2 & 0xF8 */
    uint8_t priority_add; /* rotation: IRQ that has the highest priority */
    uint8_t init_state;   /* 0: ready; 1, 2, 3: expecting ICW2, ICW3, ICW4 */
    uint8_t icw3;
    bool icw4_needed, single;
    bool auto_eoi, rotate_on_auto_eoi;
    bool special_mask, special_fully_nested;
    bool poll;           /* OCW3 poll command: the next read is the poll byte */
    bool read_isr;       /* OCW3 RR/RIS: reads of the even port give ISR */
    bool is_slave;
    struct hv_pic *pic;
} hv_pic_chip;

typedef struct hv_pic {
    hv_pic_chip chip[2]; /* 0: master (0x20), 1: slave (0xA0) */
    bool intr;           /* the INTR output to the CPU, as last computed */
    /* Levels of IRQ 0-15 as hv_pic_set_irq last set them: IRQ events are
     * emitted on changes of these. Kept apart from the chips' last_level,
     * which ICW1 clears (QEMU's last_irr) while the wires stay where the
     * devices hold them. */
    uint16_t lines;
    /* Called whenever INTR changes level. */
    void (*set_intr)(void *ctx, bool level);
    void *ctx;
    hv_emitter emit;
} hv_pic;

/* Ops for one chip: add the master as (0x20, 2, &ops, &pic->chip[0]) and
 * the slave as (0xA0, 2, &ops, &pic->chip[1]). Byte-wide. */
extern const hv_device_ops hv_pic8259_ops;

void hv_pic_init(hv_pic *p, void (*set_intr)(void *ctx, bool level),
                 void *ctx, hv_emitter emit);
/* An input line (0-15; 8-15 are the slave's) changes level. A rising edge
 * sets the request in IRR. Emits an IRQ event when the level changes. */
void hv_pic_set_irq(hv_pic *p, unsigned irq, int level);
/* The CPU's interrupt acknowledge (two INTA cycles): the vector of the
 * highest-priority unmasked request, moving it from IRR to ISR (or not, in
 * auto-EOI); *irq gets the line (0-15). With no request left (the line
 * dropped), the spurious IRQ 7 (or 15) vector, ISR untouched. */
uint8_t hv_pic_ack(hv_pic *p, unsigned *irq);
/* Whether a request on `irq` could reach the CPU now: unmasked on its
 * chip and, for the slave's lines, IRQ 2 unmasked on the master. */
bool hv_pic_irq_unmasked(const hv_pic *p, unsigned irq);

#endif
