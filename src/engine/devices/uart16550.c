/* hvlab engine: the 16550A UART (see uart16550.h).
 *
 * HOW IT WORKS
 * Eight byte-wide registers at offsets 0..7 (PC16550D datasheet, Table II),
 * modelled as QEMU's hw/char/serial.c models them, so a guest sees the same
 * values on hvlab and on the QEMU oracle:
 *
 *   0  RBR (read) / THR (write)      DLL when LCR.DLAB = 1
 *   1  IER                           DLM when LCR.DLAB = 1
 *   2  IIR (read) / FCR (write)
 *   3  LCR    4  MCR    5  LSR    6  MSR    7  SCR
 *
 * THE TRANSMITTER (datasheet block diagram: THR or the transmit FIFO feeds
 * the transmitter shift register, TSR, which shifts the frame out on SOUT)
 *
 *   guest OUT --> txq (THR: 1 byte | FIFO: 16) --> TSR --> tx() / receiver
 *
 * txq holds the bytes waiting behind the TSR, in write order. A byte moves
 * into the TSR as soon as the TSR is free: at once if it is idle when the
 * byte is written, else at the tick the previous frame ends. tx() is called
 * when a byte enters the TSR, i.e. when it *starts* shifting out: the
 * console sees it then, and bytes reach tx() in the order written.
 *   LSR.THRE = txq empty (THR empty; FIFO mode: FIFO empty), and the THRE
 *     interrupt latch is set each time txq becomes empty.
 *   LSR.TEMT = txq empty and the TSR idle.
 *
 * Untimed (no clock, the default): a frame takes no time. A THR write puts
 * the byte in txq (THRE 0), it moves to the TSR at once (THRE 1, the latch
 * set: the line pulses low then high, a new edge for an 8259A, as on QEMU),
 * goes out, and the TSR is idle again (TEMT 1) before the OUT completes.
 * txq is then always empty and the FIFO never fills.
 *
 * Timed (hv_uart16550_set_clock): a frame lasts uart_frame_ticks() of the
 * 1.8432 MHz clock, and the TSR is busy until tsr_end. Nothing runs between
 * events: the state is brought up to date lazily, by the owner calling
 * hv_uart16550_advance() at hv_uart16550_next_event(), and by every guest
 * register access, which first advances to the clock's "now" (uart_sync).
 * An LSR read therefore sees the line as it is at the IN, and an LCR or
 * divisor write changes only the frames that start after it (a frame's
 * length is fixed when it starts). advance() walks the events in order,
 * each at its own tick (a frame ends at tsr_end, the next one starts at
 * that tick, not at "now"), one loop step per byte, so a far-future "now"
 * costs O(bytes queued). Tick sums saturate below UINT64_MAX, which
 * next_event() keeps to mean "idle".
 *
 * The divisor: each bit is 16 x divisor clock ticks (datasheet, baud
 * generator: the 16x clock is the input divided by the divisor). A divisor
 * of 0 is undefined in the datasheet; hvlab counts it as 65536, the
 * slowest speed, as a 16-bit counter that wraps through 0 would divide.
 * QEMU does not time the line and ignores 0, keeping the previous speed
 * for its host port.
 *
 * Full transmitter, a guest error (GUEST_ERROR HV_GERR_DEVICE, reg THR,
 * value the byte lost), possible only with a clock:
 * - 16450 mode, THR written while it holds a byte: THR is a plain latch,
 *   the new byte overwrites the old one (datasheet; QEMU's THR write also
 *   overwrites s->thr while its backend is stalled). The old byte is lost.
 * - FIFO mode, a 17th byte written while 16 wait: the datasheet does not
 *   say; hvlab drops the new byte (QEMU instead discards the oldest). With
 *   an idle TSR the first byte goes straight through to it, so a burst
 *   written at once keeps 17 bytes: 1 shifting + 16 in the FIFO.
 * FCR bit 2 (and toggling FCR bit 0) empties txq but not the TSR: the byte
 * already shifting finishes (datasheet FCR: the shift register is not
 * cleared).
 *
 * Interrupts: uart_update_irq() is the one place that derives IIR's
 * interrupt ID and the line level from the registers, in the datasheet's
 * priority order (Table IV): line status, received data, THR empty, modem
 * status. The THR-empty source is a latch (thr_irq_pending): set when THR
 * empties or ETBEI is turned on while THR is empty, cleared by a THR write
 * or by an IIR read that reports it (datasheet, IIR "Reset Control").
 *
 * Simplifications, each what QEMU does too unless said otherwise:
 * - MCR.OUT2 does not gate the line. On a PC, OUT2 switches the UART's
 *   interrupt onto the ISA bus; QEMU ignores it and sets OUT2 at reset.
 * - Loopback (MCR.LOOP): THR bytes come back in RBR instead of reaching
 *   tx(), and MSR reads the MCR outputs (DTR->DSR, RTS->CTS, OUT1->RI,
 *   OUT2->DCD) without delta bits. Loopback is instantaneous even with a
 *   clock: a byte that enters the TSR while LOOP is set arrives in RBR at
 *   once (bytes queued before LOOP was set keep their turn behind the
 *   frame that is shifting). Unlike QEMU, received bytes are held in
 *   one register even with FIFOs on (a second unread byte is an overrun,
 *   16450-style): the receive side is untimed, one byte at a time.
 * - FIFO mode: the datasheet delays the THRE indication by one character
 *   when the FIFO has not held two bytes at once since THRE was last set;
 *   neither QEMU nor hvlab models that delay.
 * - LCR.BREAK does not stop the transmitter: bytes still reach tx().
 */
#include "uart16550.h"

#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Register offsets (datasheet Table II). */
enum {
    UART_RBR_THR = 0,
    UART_IER = 1,
    UART_IIR_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

/* IER: interrupt enables. Bits 7:4 are always 0. */
#define UART_IER_ERBFI 0x01u /* received data available */
#define UART_IER_ETBEI 0x02u /* THR empty */
#define UART_IER_ELSI 0x04u  /* receiver line status */
#define UART_IER_EDSSI 0x08u /* modem status */

/* IIR: bit 0 = 1 means no interrupt; bits 3:1 the highest-priority ID. */
#define UART_IIR_NONE 0x01u
#define UART_IIR_MSI 0x00u
#define UART_IIR_THRI 0x02u
#define UART_IIR_RDI 0x04u
#define UART_IIR_RLSI 0x06u
#define UART_IIR_CTI 0x0Cu  /* character timeout (FIFO mode; not raised) */
#define UART_IIR_FIFO 0xC0u /* bits 7:6: FIFOs enabled (FCR bit 0) */

/* FCR */
#define UART_FCR_FE 0x01u     /* FIFO enable */
#define UART_FCR_RFR 0x02u    /* clear the receive FIFO */
#define UART_FCR_XFR 0x04u    /* clear the transmit FIFO */
#define UART_FCR_DMS 0x08u    /* DMA mode select */
#define UART_FCR_STICKY 0xC9u /* what stays: trigger level, DMS, FE */

/* LCR */
#define UART_LCR_DLAB 0x80u /* divisor latch access */

/* MCR: bits 7:5 are always 0. */
#define UART_MCR_DTR 0x01u
#define UART_MCR_RTS 0x02u
#define UART_MCR_OUT1 0x04u
#define UART_MCR_OUT2 0x08u
#define UART_MCR_LOOP 0x10u
#define UART_MCR_MASK 0x1Fu

/* LSR */
#define UART_LSR_DR 0x01u
#define UART_LSR_OE 0x02u
#define UART_LSR_BI 0x10u
#define UART_LSR_THRE 0x20u
#define UART_LSR_TEMT 0x40u
#define UART_LSR_ERRORS 0x1Eu /* OE|PE|FE|BI: the line-status sources */

/* MSR */
#define UART_MSR_DELTAS 0x0Fu /* DCTS|DDSR|TERI|DDCD */
#define UART_MSR_CTS 0x10u
#define UART_MSR_DSR 0x20u
#define UART_MSR_DCD 0x80u

static void uart_update_irq(hv_uart16550 *u)
{
    uint8_t id = UART_IIR_NONE;
    if ((u->ier & UART_IER_ELSI) && (u->lsr & UART_LSR_ERRORS))
        id = UART_IIR_RLSI;
    else if ((u->ier & UART_IER_ERBFI) && (u->lsr & UART_LSR_DR))
        id = UART_IIR_RDI;
    else if ((u->ier & UART_IER_ETBEI) && u->thr_irq_pending)
        id = UART_IIR_THRI;
    else if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
        id = UART_IIR_MSI;
    /* Bits 7:6 belong to FCR.FE, bits 5:4 are 0. */
    u->iir = (uint8_t)((u->iir & UART_IIR_FIFO) | id);
    u->irq_level = id != UART_IIR_NONE;
    if (u->set_irq)
        u->set_irq(u->ctx, u->irq_level);
}

/* The receiver (loopback only): a byte arriving while the previous one is
 * unread overruns it (LSR.OE, datasheet LSR bit 1). */
static void uart_receive(hv_uart16550 *u, uint8_t byte)
{
    if (u->lsr & UART_LSR_DR)
        u->lsr |= UART_LSR_OE;
    u->rbr = byte;
    u->lsr |= UART_LSR_DR;
    uart_update_irq(u);
}

/* "Later than any real tick": tick sums stop one short of UINT64_MAX,
 * which hv_uart16550_next_event() reserves for "idle". */
#define UART_TICK_MAX (UINT64_MAX - 1u)

/* The length of one frame on the line in clock ticks, from LCR and the
 * divisor (datasheet LCR bits 0-3 and the baud generator): 1 start bit,
 * 5..8 data bits, an optional parity bit, 1 stop bit, or with LCR.STB 2
 * (1.5 with 5-bit words); each bit 16 x divisor ticks. Counted in half
 * bits (8 x divisor ticks) for the 1.5: at most 24 half bits x 8 x 65536,
 * about 12.6 million ticks. */
static uint64_t uart_frame_ticks(const hv_uart16550 *u)
{
    uint64_t div = u->divisor ? u->divisor : 65536u; /* 0: see HOW IT WORKS */
    unsigned data = (u->lcr & 0x03u) + 5u;
    unsigned parity = (u->lcr & 0x08u) ? 1u : 0u;
    unsigned stop_halves = !(u->lcr & 0x04u) ? 2u : data == 5u ? 3u : 4u;
    uint64_t halves = 2u * (1u + data + parity) + stop_halves;
    return halves * 8u * div;
}

static uint64_t uart_tick_add(uint64_t t, uint64_t d)
{
    return t >= UART_TICK_MAX - d ? UART_TICK_MAX : t + d;
}

/* THR in 16450 mode, the transmit FIFO with FCR.FE. */
static unsigned uart_txq_cap(const hv_uart16550 *u)
{
    return (u->fcr & UART_FCR_FE) ? HV_UART_TX_FIFO : 1u;
}

/* Empties THR / the transmit FIFO; the TSR keeps shifting. */
static void uart_txq_clear(hv_uart16550 *u)
{
    u->txq_head = 0;
    u->txq_count = 0;
}

static void uart_guest_lost(hv_uart16550 *u, uint8_t byte)
{
    hv_emit(&u->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_UART16550 << 8) | UART_RBR_THR, byte, 0);
}

/* The TSR is free at tick `start` and txq holds a byte: move bytes into
 * the TSR and out, in order. Timed, one byte starts its frame and the TSR
 * stays busy until it ends; untimed or in loopback a frame takes no time,
 * so every waiting byte goes at once (the untimed txq holds at most one). */
static void uart_tx_start(hv_uart16550 *u, uint64_t start)
{
    while (u->txq_count > 0) {
        uint8_t byte = u->txq[u->txq_head % HV_UART_TX_FIFO];
        u->txq_head = (uint8_t)((u->txq_head + 1u) % HV_UART_TX_FIFO);
        u->txq_count--;
        u->lsr &= (uint8_t)~UART_LSR_TEMT;
        if (u->txq_count == 0) {
            /* THR / the FIFO just emptied: THRE, and the THRE interrupt
             * (datasheet IIR: "Transmitter Holding Register Empty"). */
            u->lsr |= UART_LSR_THRE;
            u->thr_irq_pending = true;
            uart_update_irq(u);
        }
        /* The byte starts shifting out: onto the line (tx() now, at the
         * start of its frame), or in loopback into the receiver (SOUT is
         * held marking, datasheet MCR bit 4). */
        bool loop = (u->mcr & UART_MCR_LOOP) != 0;
        if (loop)
            uart_receive(u, byte);
        else if (u->tx)
            u->tx(u->ctx, byte);
        if (u->clock && !loop) {
            u->tsr_busy = true;
            u->tsr_end = uart_tick_add(start, uart_frame_ticks(u));
            return;
        }
    }
    u->lsr |= UART_LSR_TEMT; /* the last frame ended at once */
}

void hv_uart16550_advance(hv_uart16550 *u, uint64_t now)
{
    /* Each step ends one frame at its own tick and starts the next byte
     * there: one step per byte queued, however far away `now` is. */
    while (u->tsr_busy && u->tsr_end <= now) {
        uint64_t end = u->tsr_end;
        u->tsr_busy = false;
        if (u->txq_count > 0)
            uart_tx_start(u, end);
        else
            u->lsr |= UART_LSR_TEMT; /* no interrupt: TEMT has none */
    }
}

/* Brings the transmitter to the clock's "now" before a register access is
 * served; returns that tick (0 untimed). */
static uint64_t uart_sync(hv_uart16550 *u)
{
    if (!u->clock)
        return 0;
    uint64_t now = u->clock(u->ctx);
    hv_uart16550_advance(u, now);
    return now;
}

/* A guest write to THR at tick `now` (already synced). */
static void uart_transmit(hv_uart16550 *u, uint8_t byte, uint64_t now)
{
    /* Writing THR clears the THRE interrupt (datasheet IIR "Reset
     * Control"), even when the byte is lost. */
    u->thr_irq_pending = false;
    if (u->txq_count >= uart_txq_cap(u)) {
        if (u->fcr & UART_FCR_FE) {
            uart_guest_lost(u, byte); /* FIFO full: the new byte is lost */
        } else {
            /* THR full: the latch takes the new byte, the old is lost. */
            unsigned last = (u->txq_head + u->txq_count - 1u) % HV_UART_TX_FIFO;
            uart_guest_lost(u, u->txq[last]);
            u->txq[last] = byte;
        }
        uart_update_irq(u);
        return;
    }
    u->txq[(u->txq_head + u->txq_count) % HV_UART_TX_FIFO] = byte;
    u->txq_count++;
    /* THR (or the FIFO) holds a byte: THRE and TEMT go to 0... */
    u->lsr &= (uint8_t) ~(UART_LSR_THRE | UART_LSR_TEMT);
    uart_update_irq(u);
    /* ...and if the TSR is idle the byte moves into it at once. */
    if (!u->tsr_busy)
        uart_tx_start(u, now);
}

/* The receiver may take a byte from outside: ask for one (the VM's
 * console queue; QEMU's chardev polls serial_can_receive likewise). */
static void uart_rx_ready(hv_uart16550 *u)
{
    if (u->rx_pull && !(u->lsr & UART_LSR_DR) && !(u->mcr & UART_MCR_LOOP))
        u->rx_pull(u->ctx);
}

static void uart_write_fcr(hv_uart16550 *u, uint8_t v)
{
    /* Toggling FIFO enable clears both FIFOs (datasheet FCR bit 0). */
    if ((v ^ u->fcr) & UART_FCR_FE)
        v |= UART_FCR_RFR | UART_FCR_XFR;
    if (v & UART_FCR_RFR)
        u->lsr &= (uint8_t) ~(UART_LSR_DR | UART_LSR_BI);
    if (v & UART_FCR_XFR) {
        /* The waiting bytes go, the one shifting stays (datasheet FCR
         * bit 2), so TEMT follows the TSR; QEMU re-arms the THRE interrupt
         * on a transmit FIFO clear. */
        uart_txq_clear(u);
        u->lsr |= UART_LSR_THRE;
        if (!u->tsr_busy)
            u->lsr |= UART_LSR_TEMT;
        u->thr_irq_pending = true;
    }
    u->fcr = v & UART_FCR_STICKY;
    if (u->fcr & UART_FCR_FE)
        u->iir |= UART_IIR_FIFO;
    else
        u->iir &= (uint8_t)~UART_IIR_FIFO;
    uart_update_irq(u);
    if (v & UART_FCR_RFR)
        uart_rx_ready(u); /* the receiver is empty: input may come */
}

static void uart_write_ier(hv_uart16550 *u, uint8_t v)
{
    uint8_t changed = (u->ier ^ v) & 0x0Fu;
    u->ier = v & 0x0Fu;
    /* Turning ETBEI on with THR empty raises THRE even if an IIR read had
     * cleared it (not in the datasheet; QEMU and Bochs do it and Windows
     * relies on it); turning it off forgets the latch. */
    if (changed & UART_IER_ETBEI)
        u->thr_irq_pending =
            (u->ier & UART_IER_ETBEI) && (u->lsr & UART_LSR_THRE);
    if (changed)
        uart_update_irq(u);
}

static void uart_write(void *opaque, uint32_t offset, unsigned size,
                       uint32_t value)
{
    hv_uart16550 *u = opaque;
    uint8_t v = (uint8_t)value;
    (void)size; /* byte-wide: the bus splits wider accesses */
    uint64_t now = uart_sync(u);

    /* Only A2..A0 reach the chip: a longer region aliases every 8 ports. */
    switch (offset & 7u) {
    case UART_RBR_THR:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xFF00u) | v);
        else
            uart_transmit(u, v, now);
        break;
    case UART_IER:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor =
                (uint16_t)((u->divisor & 0x00FFu) | ((unsigned)v << 8));
        else
            uart_write_ier(u, v);
        break;
    case UART_IIR_FCR: uart_write_fcr(u, v); break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR: {
        bool was_loop = u->mcr & UART_MCR_LOOP;
        u->mcr = v & UART_MCR_MASK;
        if (was_loop && !(u->mcr & UART_MCR_LOOP))
            uart_rx_ready(u); /* the line is connected again */
        break;
    }
    case UART_LSR:
    case UART_MSR:
        /* Status registers: the datasheet reserves LSR writes for factory
         * test; QEMU ignores both, and so do we. */
        break;
    case UART_SCR: u->scr = v; break;
    }
}

static uint32_t uart_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_uart16550 *u = opaque;
    uint8_t ret = 0;
    (void)size;
    uart_sync(u); /* LSR and IIR as they are at this IN */

    switch (offset & 7u) {
    case UART_RBR_THR:
        if (u->lcr & UART_LCR_DLAB) {
            ret = (uint8_t)(u->divisor & 0xFFu);
        } else {
            ret = u->rbr;
            u->lsr &= (uint8_t) ~(UART_LSR_DR | UART_LSR_BI);
            uart_update_irq(u);
            /* An infinitely fast line: the next waiting byte arrives as
             * soon as the receiver is empty (one at a time, 16450-style). */
            if (u->rx_pull && !(u->mcr & UART_MCR_LOOP))
                u->rx_pull(u->ctx);
        }
        break;
    case UART_IER:
        if (u->lcr & UART_LCR_DLAB)
            ret = (uint8_t)(u->divisor >> 8);
        else
            ret = u->ier;
        break;
    case UART_IIR_FCR:
        ret = u->iir;
        /* Reading IIR while it reports THR empty clears that source. */
        if ((ret & 0x0Fu) == UART_IIR_THRI) {
            u->thr_irq_pending = false;
            uart_update_irq(u);
        }
        break;
    case UART_LCR: ret = u->lcr; break;
    case UART_MCR: ret = u->mcr; break;
    case UART_LSR:
        ret = u->lsr;
        /* Reading LSR clears the error bits 4:1 (datasheet LSR). */
        if (u->lsr & UART_LSR_ERRORS) {
            u->lsr &= (uint8_t)~UART_LSR_ERRORS;
            uart_update_irq(u);
        }
        break;
    case UART_MSR:
        if (u->mcr & UART_MCR_LOOP) {
            /* Loopback wires the outputs to the inputs (datasheet MCR
             * bit 4): OUT2->DCD, OUT1->RI, DTR->DSR, RTS->CTS. */
            ret = (uint8_t)(((u->mcr & (UART_MCR_OUT1 | UART_MCR_OUT2)) << 4) |
                            ((u->mcr & UART_MCR_RTS) << 3) |
                            ((u->mcr & UART_MCR_DTR) << 5));
        } else {
            ret = u->msr;
            /* Reading MSR clears the delta bits (datasheet MSR). */
            if (u->msr & UART_MSR_DELTAS) {
                u->msr &= (uint8_t)~UART_MSR_DELTAS;
                uart_update_irq(u);
            }
        }
        break;
    case UART_SCR: ret = u->scr; break;
    }
    return ret;
}

/* Power-on values: the datasheet's reset table (IER, IIR, FCR, LCR, LSR)
 * and, where QEMU differs, what QEMU 7.2 shows (FIDELITY.md "Observed on
 * QEMU 7.2": IER 00, IIR 01, LCR 00, MCR 08, LSR 60, MSR B0, SCR 00). */
static void uart_reset(void *opaque)
{
    hv_uart16550 *u = opaque;
    u->ier = 0;
    u->iir = UART_IIR_NONE;
    u->fcr = 0;
    u->lcr = 0;
    /* The datasheet resets MCR to 0; QEMU sets OUT2 so that interrupts
     * would reach the 8259A on a PC. */
    u->mcr = UART_MCR_OUT2;
    u->lsr = UART_LSR_THRE | UART_LSR_TEMT; /* nothing to send, nothing read */
    /* MSR 7:4 are the modem inputs: QEMU's backend reports carrier, data
     * set ready and clear to send, and no change (deltas 0). */
    u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    u->scr = 0;
    u->rbr = 0;
    /* Undefined in the datasheet; QEMU's 9600 baud (115200 / 12). */
    u->divisor = 12;
    u->thr_irq_pending = false;
    /* Nothing waiting, nothing shifting (the clock is wiring and stays). */
    uart_txq_clear(u);
    u->tsr_busy = false;
    u->tsr_end = 0;
    uart_update_irq(u); /* the line goes low, as QEMU's reset lowers it */
}

static const char *uart_regname(uint32_t offset, bool is_write)
{
    /* DLAB is state the formatter does not have: offsets 0 and 1 are
     * named for DLAB = 0 (DLL/DLM writes show as THR/IER). */
    static const char *const rd[8] = {"RBR", "IER", "IIR", "LCR",
                                      "MCR", "LSR", "MSR", "SCR"};
    static const char *const wr[8] = {"THR", "IER", "FCR", "LCR",
                                      "MCR", "LSR", "MSR", "SCR"};
    if (offset >= 8)
        return NULL;
    return is_write ? wr[offset] : rd[offset];
}

/* "0x60 (THRE|TEMT)": the value, then the names of its set bits, LSB
 * first; unnamed bits are left out of the list. */
static void uart_flags(hv_fmt *o, uint8_t v, const char *const names[8])
{
    hv_fmt_printf(o, "0x%02X", v);
    const char *sep = " (";
    for (unsigned bit = 0; bit < 8; bit++) {
        if ((v & (1u << bit)) && names[bit]) {
            hv_fmt_printf(o, "%s%s", sep, names[bit]);
            sep = "|";
        }
    }
    if (sep[0] == '|')
        hv_fmt_printf(o, ")");
}

static void uart_char(hv_fmt *o, uint8_t c)
{
    if (c == '\'' || c == '\\')
        hv_fmt_printf(o, "'\\%c'", c);
    else if (c >= 0x20 && c < 0x7F)
        hv_fmt_printf(o, "'%c'", c);
    else
        hv_fmt_printf(o, "'\\x%02X'", c);
}

static void uart_describe_iir(hv_fmt *o, uint8_t v)
{
    const char *what;
    switch (v & 0x0Fu) {
    case UART_IIR_NONE: what = "no interrupt"; break;
    case UART_IIR_RLSI: what = "line status"; break;
    case UART_IIR_RDI: what = "rx data"; break;
    case UART_IIR_CTI: what = "rx timeout"; break;
    case UART_IIR_THRI: what = "THR empty"; break;
    case UART_IIR_MSI: what = "modem status"; break;
    default: what = "?"; break;
    }
    hv_fmt_printf(o, "0x%02X (%s%s)", v, what,
                (v & UART_IIR_FIFO) == UART_IIR_FIFO ? ", FIFOs on" : "");
}

static void uart_describe_fcr(hv_fmt *o, uint8_t v)
{
    static const unsigned trigger[4] = {1, 4, 8, 14}; /* 16550A bytes */
    hv_fmt_printf(o, "0x%02X (FIFOs %s", v, (v & UART_FCR_FE) ? "on" : "off");
    if (v & UART_FCR_RFR)
        hv_fmt_printf(o, ", clear RX");
    if (v & UART_FCR_XFR)
        hv_fmt_printf(o, ", clear TX");
    if (v & UART_FCR_DMS)
        hv_fmt_printf(o, ", DMA mode 1");
    if (v & UART_FCR_FE)
        hv_fmt_printf(o, ", RX trigger %u", trigger[v >> 6]);
    hv_fmt_printf(o, ")");
}

/* "0x03 (8N1)": word length, parity (N, O, E, or stick M/S), stop bits
 * (1.5 with 5-bit words), then break and DLAB (datasheet LCR). */
static void uart_describe_lcr(hv_fmt *o, uint8_t v)
{
    char parity = 'N';
    if (v & 0x08u) {
        if (v & 0x20u)
            parity = (v & 0x10u) ? 'S' : 'M'; /* stick: EPS=1 -> 0 (space) */
        else
            parity = (v & 0x10u) ? 'E' : 'O';
    }
    const char *stop = !(v & 0x04u) ? "1" : (v & 0x03u) == 0 ? "1.5" : "2";
    hv_fmt_printf(o, "0x%02X (%u%c%s%s%s)", v, (v & 0x03u) + 5u, parity, stop,
                (v & 0x40u) ? ", break" : "",
                (v & UART_LCR_DLAB) ? ", DLAB" : "");
}

static int uart_describe(uint32_t offset, bool is_write, uint32_t value,
                         char *buf, size_t len)
{
    static const char *const ier[8] = {"ERBFI", "ETBEI", "ELSI", "EDSSI"};
    static const char *const mcr[8] = {"DTR", "RTS", "OUT1", "OUT2", "LOOP"};
    static const char *const lsr[8] = {"DR", "OE",   "PE",   "FE",
                                       "BI", "THRE", "TEMT", "FIFOE"};
    static const char *const msr[8] = {"DCTS", "DDSR", "TERI", "DDCD",
                                       "CTS",  "DSR",  "RI",   "DCD"};
    hv_fmt o = {.buf = buf, .len = len, .pos = 0};
    uint8_t v = (uint8_t)value;
    if (len > 0)
        buf[0] = '\0';

    switch (offset) {
    case UART_RBR_THR: uart_char(&o, v); break;
    case UART_IER: uart_flags(&o, v, ier); break;
    case UART_IIR_FCR:
        if (is_write)
            uart_describe_fcr(&o, v);
        else
            uart_describe_iir(&o, v);
        break;
    case UART_LCR: uart_describe_lcr(&o, v); break;
    case UART_MCR: uart_flags(&o, v, mcr); break;
    case UART_LSR: uart_flags(&o, v, lsr); break;
    case UART_MSR: uart_flags(&o, v, msr); break;
    default: /* SCR holds no meaning; offsets past 7 are not registers */
        hv_fmt_printf(&o, "0x%02X", v);
        break;
    }
    return (int)o.pos;
}

void hv_uart16550_init(hv_uart16550 *u, void (*tx)(void *, uint8_t),
                       void (*set_irq)(void *, int), void *ctx, hv_emitter emit)
{
    memset(u, 0, sizeof(*u));
    u->tx = tx;
    u->set_irq = set_irq;
    u->ctx = ctx;
    u->emit = emit;
    uart_reset(u);
}

void hv_uart16550_set_irq(hv_uart16550 *u, void (*set_irq)(void *, int),
                          void (*rx_pull)(void *), void *ctx)
{
    u->set_irq = set_irq;
    u->rx_pull = rx_pull;
    u->ctx = ctx;
    uart_update_irq(u);
}

bool hv_uart16550_can_receive(const hv_uart16550 *u)
{
    return !(u->lsr & UART_LSR_DR);
}

void hv_uart16550_receive(hv_uart16550 *u, uint8_t byte)
{
    uart_receive(u, byte);
}

void hv_uart16550_set_clock(hv_uart16550 *u, uint64_t (*clock)(void *ctx))
{
    u->clock = clock;
    if (clock || !u->tsr_busy)
        return;
    /* Timing switched off: the line becomes infinitely fast, the frame
     * shifting ends now and every waiting byte follows at once. */
    u->tsr_busy = false;
    if (u->txq_count > 0)
        uart_tx_start(u, 0);
    else
        u->lsr |= UART_LSR_TEMT;
}

uint64_t hv_uart16550_next_event(const hv_uart16550 *u)
{
    return u->tsr_busy ? u->tsr_end : UINT64_MAX;
}

const hv_device_ops hv_uart16550_ops = {
    .name = "uart16550",
    .kind = HV_DEV_UART16550,
    .sizes = 1u, /* byte-wide, like QEMU's .impl of 1..1 */
    .read = uart_read,
    .write = uart_write,
    .reset = uart_reset,
    .regname = uart_regname,
    .describe = uart_describe,
};
