/* hvlab engine: a 16550A UART (COM1 at 0x3F8 on the PC), as QEMU's
 * hw/char/serial.c models it: 8 registers, DLAB banking, power-on values
 * IER 00, IIR 01, LCR 00, MCR 08, LSR 60, MSR B0, SCR 00 (FIDELITY.md
 * "Observed on QEMU 7.2"). The transmitter is infinitely fast: a byte
 * written to THR goes to the console at once and THRE/TEMT stay set. There
 * is no input from outside yet: only the loopback path (MCR.LOOP, the byte
 * written to THR comes back in RBR) sets LSR.DR. Like QEMU, MCR.OUT2 does
 * not gate the interrupt line (on a real PC it does). */
#ifndef HV_UART16550_H
#define HV_UART16550_H

#include <stdint.h>

#include "bus.h"

typedef struct hv_uart16550 {
    uint8_t ier, iir, lcr, mcr, lsr, msr, scr;
    uint16_t divisor;
    bool thr_irq_pending; /* THRE interrupt pending (cleared by IIR read) */
    uint8_t fcr;          /* the FCR bits that stick (FIFO enable, trigger) */
    uint8_t rbr;          /* last byte received (loopback only) */
    bool irq_level;       /* the line as update_irq() last computed it */
    /* Where transmitted bytes go (the VM's console). */
    void (*tx)(void *ctx, uint8_t byte);
    /* Interrupt line level (IRQ 4 on the PC); may be NULL until the 8259A
     * exists. Recomputed by one update_irq() from register state. */
    void (*set_irq)(void *ctx, int level);
    void *ctx;
    hv_emitter emit;
} hv_uart16550;

extern const hv_device_ops hv_uart16550_ops;

void hv_uart16550_init(hv_uart16550 *u, void (*tx)(void *, uint8_t),
                       void (*set_irq)(void *, int), void *ctx,
                       hv_emitter emit);

#endif
