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
 * The line is infinitely fast: a byte written to THR moves to the shift
 * register and out to tx() at once, so LSR.THRE and TEMT are set again when
 * the OUT completes and a polling guest never waits (its cost is the exits,
 * FIDELITY.md "Device emulation"). There are no FIFOs to fill: FCR only
 * records the FIFO enable and trigger bits, which IIR bits 7:6 reflect.
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
 *   OUT2->DCD) without delta bits. Unlike QEMU, received bytes are held in
 *   one register even with FIFOs on (a second unread byte is an overrun,
 *   16450-style), since nothing but loopback feeds the receiver yet.
 * - The divisor is stored, not used: there is no baud rate to honour.
 */
#include "uart16550.h"

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
#define UART_FCR_FE 0x01u  /* FIFO enable */
#define UART_FCR_RFR 0x02u /* clear the receive FIFO */
#define UART_FCR_XFR 0x04u /* clear the transmit FIFO */
#define UART_FCR_DMS 0x08u /* DMA mode select */
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

static void uart_transmit(hv_uart16550 *u, uint8_t byte)
{
    /* Writing THR fills it and clears the THRE interrupt... */
    u->thr_irq_pending = false;
    u->lsr &= (uint8_t)~(UART_LSR_THRE | UART_LSR_TEMT);
    uart_update_irq(u);
    /* ...the byte moves to the shift register at once, so THR is empty
     * again and raises THRE again (the line pulses low then high, which
     * an edge-triggered 8259A sees as a new interrupt, as on QEMU)... */
    u->lsr |= UART_LSR_THRE;
    u->thr_irq_pending = true;
    uart_update_irq(u);
    /* ...and goes out on the line, or, in loopback, into the receiver
     * (SOUT is held marking, datasheet MCR bit 4). */
    if (u->mcr & UART_MCR_LOOP)
        uart_receive(u, byte);
    else if (u->tx)
        u->tx(u->ctx, byte);
    u->lsr |= UART_LSR_TEMT;
}

static void uart_write_fcr(hv_uart16550 *u, uint8_t v)
{
    /* Toggling FIFO enable clears both FIFOs (datasheet FCR bit 0). */
    if ((v ^ u->fcr) & UART_FCR_FE)
        v |= UART_FCR_RFR | UART_FCR_XFR;
    if (v & UART_FCR_RFR)
        u->lsr &= (uint8_t)~(UART_LSR_DR | UART_LSR_BI);
    if (v & UART_FCR_XFR) {
        /* QEMU re-arms the THRE interrupt on a transmit FIFO clear. */
        u->lsr |= UART_LSR_THRE;
        u->thr_irq_pending = true;
    }
    u->fcr = v & UART_FCR_STICKY;
    if (u->fcr & UART_FCR_FE)
        u->iir |= UART_IIR_FIFO;
    else
        u->iir &= (uint8_t)~UART_IIR_FIFO;
    uart_update_irq(u);
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

    /* Only A2..A0 reach the chip: a longer region aliases every 8 ports. */
    switch (offset & 7u) {
    case UART_RBR_THR:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor = (uint16_t)((u->divisor & 0xFF00u) | v);
        else
            uart_transmit(u, v);
        break;
    case UART_IER:
        if (u->lcr & UART_LCR_DLAB)
            u->divisor =
                (uint16_t)((u->divisor & 0x00FFu) | ((unsigned)v << 8));
        else
            uart_write_ier(u, v);
        break;
    case UART_IIR_FCR:
        uart_write_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR:
        u->mcr = v & UART_MCR_MASK;
        break;
    case UART_LSR:
    case UART_MSR:
        /* Status registers: the datasheet reserves LSR writes for factory
         * test; QEMU ignores both, and so do we. */
        break;
    case UART_SCR:
        u->scr = v;
        break;
    }
}

static uint32_t uart_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_uart16550 *u = opaque;
    uint8_t ret = 0;
    (void)size;

    switch (offset & 7u) {
    case UART_RBR_THR:
        if (u->lcr & UART_LCR_DLAB) {
            ret = (uint8_t)(u->divisor & 0xFFu);
        } else {
            ret = u->rbr;
            u->lsr &= (uint8_t)~(UART_LSR_DR | UART_LSR_BI);
            uart_update_irq(u);
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
    case UART_LCR:
        ret = u->lcr;
        break;
    case UART_MCR:
        ret = u->mcr;
        break;
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
    case UART_SCR:
        ret = u->scr;
        break;
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

/* snprintf at *pos, counting past the end like snprintf does. */
typedef struct uart_out {
    char *buf;
    size_t len;
    size_t pos;
} uart_out;

static void uart_printf(uart_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void uart_printf(uart_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->pos < o->len ? o->buf + o->pos : NULL;
    size_t room = o->pos < o->len ? o->len - o->pos : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

/* "0x60 (THRE|TEMT)": the value, then the names of its set bits, LSB
 * first; unnamed bits are left out of the list. */
static void uart_flags(uart_out *o, uint8_t v, const char *const names[8])
{
    uart_printf(o, "0x%02X", v);
    const char *sep = " (";
    for (unsigned bit = 0; bit < 8; bit++) {
        if ((v & (1u << bit)) && names[bit]) {
            uart_printf(o, "%s%s", sep, names[bit]);
            sep = "|";
        }
    }
    if (sep[0] == '|')
        uart_printf(o, ")");
}

static void uart_char(uart_out *o, uint8_t c)
{
    if (c == '\'' || c == '\\')
        uart_printf(o, "'\\%c'", c);
    else if (c >= 0x20 && c < 0x7F)
        uart_printf(o, "'%c'", c);
    else
        uart_printf(o, "'\\x%02X'", c);
}

static void uart_describe_iir(uart_out *o, uint8_t v)
{
    const char *what;
    switch (v & 0x0Fu) {
    case UART_IIR_NONE:
        what = "no interrupt";
        break;
    case UART_IIR_RLSI:
        what = "line status";
        break;
    case UART_IIR_RDI:
        what = "rx data";
        break;
    case UART_IIR_CTI:
        what = "rx timeout";
        break;
    case UART_IIR_THRI:
        what = "THR empty";
        break;
    case UART_IIR_MSI:
        what = "modem status";
        break;
    default:
        what = "?";
        break;
    }
    uart_printf(o, "0x%02X (%s%s)", v, what,
                (v & UART_IIR_FIFO) == UART_IIR_FIFO ? ", FIFOs on" : "");
}

static void uart_describe_fcr(uart_out *o, uint8_t v)
{
    static const unsigned trigger[4] = {1, 4, 8, 14}; /* 16550A bytes */
    uart_printf(o, "0x%02X (FIFOs %s", v, (v & UART_FCR_FE) ? "on" : "off");
    if (v & UART_FCR_RFR)
        uart_printf(o, ", clear RX");
    if (v & UART_FCR_XFR)
        uart_printf(o, ", clear TX");
    if (v & UART_FCR_DMS)
        uart_printf(o, ", DMA mode 1");
    if (v & UART_FCR_FE)
        uart_printf(o, ", RX trigger %u", trigger[v >> 6]);
    uart_printf(o, ")");
}

/* "0x03 (8N1)": word length, parity (N, O, E, or stick M/S), stop bits
 * (1.5 with 5-bit words), then break and DLAB (datasheet LCR). */
static void uart_describe_lcr(uart_out *o, uint8_t v)
{
    char parity = 'N';
    if (v & 0x08u) {
        if (v & 0x20u)
            parity = (v & 0x10u) ? 'S' : 'M'; /* stick: EPS=1 -> 0 (space) */
        else
            parity = (v & 0x10u) ? 'E' : 'O';
    }
    const char *stop = !(v & 0x04u) ? "1" : (v & 0x03u) == 0 ? "1.5" : "2";
    uart_printf(o, "0x%02X (%u%c%s%s%s)", v, (v & 0x03u) + 5u, parity, stop,
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
    uart_out o = {.buf = buf, .len = len, .pos = 0};
    uint8_t v = (uint8_t)value;
    if (len > 0)
        buf[0] = '\0';

    switch (offset) {
    case UART_RBR_THR:
        uart_char(&o, v);
        break;
    case UART_IER:
        uart_flags(&o, v, ier);
        break;
    case UART_IIR_FCR:
        if (is_write)
            uart_describe_fcr(&o, v);
        else
            uart_describe_iir(&o, v);
        break;
    case UART_LCR:
        uart_describe_lcr(&o, v);
        break;
    case UART_MCR:
        uart_flags(&o, v, mcr);
        break;
    case UART_LSR:
        uart_flags(&o, v, lsr);
        break;
    case UART_MSR:
        uart_flags(&o, v, msr);
        break;
    default: /* SCR holds no meaning; offsets past 7 are not registers */
        uart_printf(&o, "0x%02X", v);
        break;
    }
    return (int)o.pos;
}

void hv_uart16550_init(hv_uart16550 *u, void (*tx)(void *, uint8_t),
                       void (*set_irq)(void *, int), void *ctx,
                       hv_emitter emit)
{
    memset(u, 0, sizeof(*u));
    u->tx = tx;
    u->set_irq = set_irq;
    u->ctx = ctx;
    u->emit = emit;
    uart_reset(u);
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
