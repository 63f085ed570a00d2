/* hvlab engine: a 16550A UART (COM1 at 0x3F8 on the PC), as QEMU's
 * hw/char/serial.c models it: 8 registers, DLAB banking, power-on values
 * IER 00, IIR 01, LCR 00, MCR 08, LSR 60, MSR B0, SCR 00 (FIDELITY.md
 * "Observed on QEMU 7.2").
 *
 * The transmitter has two speeds. By default (no clock) the line is
 * infinitely fast, as on QEMU: a byte written to THR goes to the console at
 * once and THRE/TEMT are set again when the OUT completes. With a clock
 * (hv_uart16550_set_clock) every byte takes its frame time on the line, at
 * the speed the divisor latch sets: THR (or, with FIFOs on, a 16-byte
 * transmit FIFO) holds what waits behind the byte in the shift register,
 * and LSR.THRE, LSR.TEMT and the THR-empty interrupt follow the line, so a
 * polled driver spins on LSR while an interrupt-driven one does not.
 *
 * Input comes from outside through hv_uart16550_receive() (the VM's console
 * queue) or from the loopback path (MCR.LOOP); it is never timed. Like
 * QEMU, MCR.OUT2 does not gate the interrupt line (on a real PC it does). */
#ifndef HV_UART16550_H
#define HV_UART16550_H

#include <stdint.h>

#include "bus.h"

/* The UART's input clock: 1.8432 MHz (the PC's crystal); a bit lasts
 * 16 x divisor ticks of it. */
#define HV_UART_CLOCK_HZ 1843200u

/* Depth of the transmit FIFO in FIFO mode (PC16550D: 16 bytes). */
#define HV_UART_TX_FIFO 16u

typedef struct hv_uart16550 {
    uint8_t ier, iir, lcr, mcr, lsr, msr, scr;
    uint16_t divisor;     /* 0 counts as 65536 for timing */
    bool thr_irq_pending; /* THRE interrupt pending (cleared by IIR read) */
    uint8_t fcr;          /* the FCR bits that stick (FIFO enable, trigger) */
    uint8_t rbr;          /* last byte received (loopback only) */
    bool irq_level;       /* the line as update_irq() last computed it */
    /* Bytes written and not yet in the shift register, oldest at
     * txq[txq_head]: THR (at most 1) or the transmit FIFO (at most 16).
     * Always empty without a clock. */
    uint8_t txq[HV_UART_TX_FIFO];
    uint8_t txq_head, txq_count;
    /* The shift register is sending a byte whose frame ends at tsr_end
     * (a tick of the clock). Never true without a clock. */
    bool tsr_busy;
    uint64_t tsr_end;
    /* Where transmitted bytes go (the VM's console). */
    void (*tx)(void *ctx, uint8_t byte);
    /* Interrupt line level (IRQ 4 on the PC); may be NULL until the 8259A
     * exists. Recomputed by one update_irq() from register state. */
    void (*set_irq)(void *ctx, int level);
    /* The receiver emptied (the guest read RBR): the next input byte may
     * come; may be NULL. */
    void (*rx_pull)(void *ctx);
    /* Ticks of HV_UART_CLOCK_HZ, monotonic; NULL: an infinitely fast line.
     * Called on every register access to bring the transmitter up to
     * date before the access is served. */
    uint64_t (*clock)(void *ctx);
    void *ctx; /* for tx, set_irq, rx_pull and clock */
    hv_emitter emit;
} hv_uart16550;

extern const hv_device_ops hv_uart16550_ops;

void hv_uart16550_init(hv_uart16550 *u, void (*tx)(void *, uint8_t),
                       void (*set_irq)(void *, int), void *ctx,
                       hv_emitter emit);

/* Wires the interrupt line and the input source after init. */
void hv_uart16550_set_irq(hv_uart16550 *u, void (*set_irq)(void *, int),
                          void (*rx_pull)(void *), void *ctx);
/* Whether the receiver can take a byte without overrunning (LSR.DR = 0). */
bool hv_uart16550_can_receive(const hv_uart16550 *u);
/* A byte arrives on the line (LSR.DR, the received-data interrupt). */
void hv_uart16550_receive(hv_uart16550 *u, uint8_t byte);

/* Line timing. With a clock (ticks of HV_UART_CLOCK_HZ, monotonic), a byte
 * takes its frame time on the line: 1 start bit + 5..8 data bits (LCR) +
 * parity (LCR bit 3) + 1 or 2 stop bits (1.5 with 5-bit words), each bit
 * 16 x divisor clock ticks. Without a clock (NULL, the default) the line is
 * infinitely fast, as QEMU's serial model is (what every existing test
 * assumes). u->ctx is the clock's context. Setting NULL while bytes are
 * queued sends them all at once; a reset keeps the clock. */
void hv_uart16550_set_clock(hv_uart16550 *u, uint64_t (*clock)(void *ctx));
/* The clock tick of the transmitter's next event (a byte leaves the shift
 * register), UINT64_MAX when idle or untimed. */
uint64_t hv_uart16550_next_event(const hv_uart16550 *u);
/* Brings the transmitter up to tick `now`: every byte whose frame ended
 * by then has left (tx() called for it in order), the next one moved from
 * THR/FIFO into the shift register, LSR.THRE/TEMT and the THRE interrupt
 * updated, exactly as if each event had happened at its own tick. O(bytes
 * queued) however far `now` is; a `now` in the past does nothing. */
void hv_uart16550_advance(hv_uart16550 *u, uint64_t now);

#endif
