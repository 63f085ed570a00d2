/* hvlab engine: the NE2000 ISA network card (see ne2000.h).
 *
 * HOW IT WORKS
 * The host never maps the card's memory. A frame travels between RAM and
 * the card through one I/O port, the data port ("remote DMA", DP8390
 * datasheet, "Remote DMA"), so every frame costs a sequence of port
 * accesses, and under a hypervisor each one is an exit (FIDELITY.md
 * "Device emulation"; Sugerman et al., USENIX 2001). The 0x20 ports:
 *
 *   0x00-0x0F  DP8390 registers in pages chosen by CR.PS (bits 7:6):
 *              page 0 the working set, page 1 PAR0-5, CURR, MAR0-7,
 *              page 2 readbacks (QEMU gives PSTART and PSTOP only)
 *   0x10-0x17  the data port (the NE2000's ASIC decodes all eight)
 *   0x18-0x1F  the reset port: a read resets the card (ISR.RST)
 * QEMU answers the data port at 0x10 only and the reset port at 0x1F only;
 * drivers use those two, so they see no difference.
 *
 * Remote DMA: RSAR is the card address, RBCR the count; CR.RD = 001
 * (read) or 010 (write) starts it. Each data-port access moves a byte, or
 * a word with DCR.WTS (the access's own width does not matter, as in
 * QEMU), advances RSAR, wrapping from PSTOP to PSTART so a frame that
 * wraps in the ring reads back in one piece, and counts RBCR down; at 0,
 * ISR.RDC. Reads past the count go on (QEMU); writes are dropped.
 *
 * Transmit: the driver puts the frame at page TPSR by remote DMA, sets
 * TBCR, writes CR.TXP: the frame leaves at once, TSR.PTX, ISR.PTX, TXP
 * clears. Then the loopback reflector hands the same bytes back, and they
 * are received as QEMU's ne2000_receive() receives a frame:
 * - dropped if the card is stopped (CR.STP) or the ring is "full": fewer
 *   than 1514 + 4 bytes between CURR and BNRY, whatever the frame's size
 *   (QEMU's ne2000_buffer_full; CURR == BNRY counts as an empty ring);
 *   QEMU then sets nothing (the DP8390 would set ISR.OVW and RSR.MPA);
 * - dropped unless the address filter takes it: RCR.PRO all, broadcast
 *   with RCR.AB, multicast with RCR.AM and its MAR hash bit (the top 6
 *   bits of the Ethernet CRC of the address), unicast when it matches the
 *   MAC in the PROM (QEMU compares the PROM, not PAR0-5; drivers copy
 *   one into the other, so they agree);
 * - padded to 60 bytes, stored at page CURR after a 4-byte header:
 *     status (RSR: PRX 0x01, PHY 0x20 for multicast/broadcast),
 *     next page (where the next frame will go),
 *     length low, high = frame + 4 (QEMU counts its header; a DP8390
 *       counts the 4 CRC bytes: the same number, and a driver subtracts 4)
 *   wrapping from PSTOP to PSTART; the next page leaves room for a CRC
 *   (QEMU: pages of (len + 4 + 4)); CURR moves there, ISR.PRX.
 * The interrupt line is (ISR & IMR & 0x7F) != 0, recomputed by
 * ne_update_irq() after every change; the driver acks ISR bits by writing
 * 1s to them (RST only clears on a start command, datasheet ISR).
 *
 * Bounds (FIDELITY.md: every guest-controlled index is clamped or
 * refused): remote DMA touches only the PROM and packet memory; a transmit
 * reads only packet memory; a receive writes only pages PSTART..PSTOP-1
 * after checking 0x40 <= PSTART < PSTOP <= 0xC0 and CURR in the ring.
 * Refusals are GUEST_ERROR events (list in ne2000.h).
 */
#include "ne2000.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Page-0 register offsets (DP8390 datasheet, register map). Read, TPSR
 * is TSR, RBCR0/1 the ID bytes, RCR is RSR; on page 1 ISR's is CURR. */
enum {
    NE_CR,
    NE_PSTART,
    NE_PSTOP,
    NE_BNRY,
    NE_TPSR,
    NE_TBCR0,
    NE_TBCR1,
    NE_ISR,
    NE_RSAR0,
    NE_RSAR1,
    NE_RBCR0,
    NE_RBCR1,
    NE_RCR,
    NE_TCR,
    NE_DCR,
    NE_IMR,
    NE_DATA,
    NE_RESET = 0x18
};

#define NE_CR_STP 0x01u
#define NE_CR_TXP 0x04u
#define NE_CR_RREAD 0x08u
#define NE_CR_RWRITE 0x10u
#define NE_ISR_PRX 0x01u
#define NE_ISR_PTX 0x02u
#define NE_ISR_RDC 0x40u
#define NE_ISR_RST 0x80u
#define NE_RCR_AB 0x04u
#define NE_RCR_AM 0x08u
#define NE_RCR_PRO 0x10u
#define NE_RSR_PRX 0x01u
#define NE_RSR_PHY 0x20u
#define NE_TSR_PTX 0x01u
#define NE_DCR_WTS 0x01u

#define NE_MIN_FRAME 60u /* QEMU's MIN_BUF_SIZE: 64 bytes less the CRC */
#define NE_PMEM_SIZE (HV_NE2000_PMEM_END - HV_NE2000_PMEM_START)
#define NE_FIRST_PAGE (HV_NE2000_PMEM_START >> 8) /* 0x40 */
#define NE_END_PAGE (HV_NE2000_PMEM_END >> 8)     /* 0xC0 */

static void ne_refuse(hv_ne2000 *n, uint32_t offset, uint32_t value)
{
    /* A REP string instruction may repeat it millions of times in one
     * exit: logged once per 4096 in a row (refusals.h). */
    hv_refuse(&n->refused, &n->emit, ((uint32_t)HV_DEV_NE2000 << 8) | offset,
              value);
}

static void ne_access_done(hv_ne2000 *n)
{
    hv_refusals_done(&n->refused);
}

static void ne_update_irq(hv_ne2000 *n)
{
    /* QEMU's ne2000_update_irq: RST (bit 7) never interrupts. */
    n->irq_level = (n->isr & n->imr & 0x7Fu) != 0;
    if (n->set_irq)
        n->set_irq(n->ctx, n->irq_level);
}

/* The PROM as QEMU's ne2000_reset() fills it: the MAC, eight zero bytes,
 * 0x57 0x57 ("WW": a word-wide NE2000, which drivers check), each byte
 * doubled because the PROM sits on the low byte of a 16-bit bus. (QEMU
 * doubles in place, so after a second reset bytes 12-23 repeat MAC bytes
 * 3-5; hvlab writes the PROM afresh every time.) */
static void ne_soft_reset(hv_ne2000 *n)
{
    uint8_t prom[16] = {0};
    memcpy(prom, n->mac, 6);
    prom[14] = prom[15] = 0x57;
    for (unsigned i = 0; i < 16; i++)
        n->mem[2 * i] = n->mem[2 * i + 1] = prom[i];
    n->isr = NE_ISR_RST;
    ne_update_irq(n);
}

/* Power-on: QEMU's NE2000State starts zeroed (CR 0x00, where a DP8390
 * would show 0x21, STP and abort DMA), then ne2000_reset(). */
static void ne_reset(void *opaque)
{
    hv_ne2000 *n = opaque;
    memset(n, 0, offsetof(hv_ne2000, mac)); /* registers and memory */
    ne_soft_reset(n);
}

/* Card addresses remote DMA reaches (QEMU's ne2000_mem_readb). */
static bool ne_backed(uint32_t a)
{
    return a < HV_NE2000_PROM_SIZE ||
           (a >= HV_NE2000_PMEM_START && a < HV_NE2000_PMEM_END);
}

static void ne_dma_refuse(hv_ne2000 *n, uint32_t offset)
{
    if (!n->dma_refused)
        ne_refuse(n, offset, n->rsar);
    n->dma_refused = true;
}

/* QEMU's ne2000_dma_update. */
static void ne_dma_step(hv_ne2000 *n, unsigned len)
{
    n->rsar = (uint16_t)(n->rsar + len); /* CRDA is a 16-bit counter */
    if (n->rsar == (uint32_t)n->pstop << 8)
        n->rsar = (uint16_t)(n->pstart << 8);
    if (n->rbcr <= len) {
        n->rbcr = 0;
        n->isr |= NE_ISR_RDC;
        ne_update_irq(n);
    } else {
        n->rbcr = (uint16_t)(n->rbcr - len);
    }
}

static uint32_t ne_data_read(hv_ne2000 *n, uint32_t offset)
{
    unsigned len = (n->dcr & NE_DCR_WTS) ? 2u : 1u;
    uint32_t a = n->rsar & ~(len - 1u); /* word mode: even (QEMU) */
    uint32_t v = len == 2 ? 0xFFFFu : 0xFFu;
    if (ne_backed(a)) /* a even for words, so a + 1 is backed too */
        v = len == 2 ? n->mem[a] | (uint32_t)n->mem[a + 1] << 8 : n->mem[a];
    else
        ne_dma_refuse(n, offset);
    ne_dma_step(n, len);
    return v;
}

static void ne_data_write(hv_ne2000 *n, uint32_t offset, uint32_t v)
{
    unsigned len = (n->dcr & NE_DCR_WTS) ? 2u : 1u;
    uint32_t a = n->rsar & ~(len - 1u);
    if (n->rbcr == 0) { /* no transfer programmed: QEMU drops it */
        ne_dma_refuse(n, offset);
        return;
    }
    if (!ne_backed(a)) {
        ne_dma_refuse(n, offset);
    } else {
        n->mem[a] = (uint8_t)v;
        if (len == 2)
            n->mem[a + 1] = (uint8_t)(v >> 8);
    }
    ne_dma_step(n, len);
}

/* The Ethernet CRC-32, most significant bit first, as the DP8390 hashes
 * a multicast address (datasheet, "Multicast Address Registers"; QEMU's
 * net_crc32). */
static uint32_t ne_crc32(const uint8_t *p, unsigned len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = p[i];
        for (unsigned j = 0; j < 8; j++, b >>= 1) {
            uint32_t carry = (crc >> 31) ^ (b & 1u);
            crc = (crc << 1) ^ (carry ? 0x04C11DB7u : 0u);
        }
    }
    return crc;
}

static bool ne_accepts(const hv_ne2000 *n, const uint8_t *f)
{
    static const uint8_t bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    if (n->rcr & NE_RCR_PRO)
        return true;
    if (memcmp(f, bcast, 6) == 0)
        return n->rcr & NE_RCR_AB;
    if (f[0] & 1u) {
        unsigned bit = ne_crc32(f, 6) >> 26;
        return (n->rcr & NE_RCR_AM) && (n->mar[bit >> 3] & (1u << (bit & 7)));
    }
    for (unsigned i = 0; i < 6; i++)
        if (n->mem[2 * i] != f[i])
            return false;
    return true;
}

/* QEMU's ne2000_buffer_full(). */
static bool ne_ring_full(const hv_ne2000 *n)
{
    int ring = (n->pstop - n->pstart) << 8;
    int index = n->curr << 8, boundary = n->bnry << 8;
    int avail = index < boundary ? boundary - index : ring - (index - boundary);
    return avail < (int)HV_NE2000_MAX_FRAME + 4;
}

/* A frame arrives from the wire: `f` holds `size` bytes, at least 60. */
static void ne_receive(hv_ne2000 *n, const uint8_t *f, uint32_t size)
{
    if (n->cmd & NE_CR_STP)
        return;
    if (n->pstart < NE_FIRST_PAGE || n->pstart >= n->pstop ||
        n->pstop > NE_END_PAGE || n->curr < n->pstart || n->curr >= n->pstop) {
        ne_refuse(n, NE_PSTART,
                  n->pstart | (uint32_t)n->pstop << 8 |
                      (uint32_t)n->curr << 16);
        return;
    }
    if (ne_ring_full(n) || !ne_accepts(n, f))
        return;
    uint32_t start = (uint32_t)n->pstart << 8, stop = (uint32_t)n->pstop << 8;
    uint32_t index = (uint32_t)n->curr << 8, total = size + 4;
    uint32_t next = index + ((total + 4 + 255) & ~0xFFu);
    /* QEMU subtracts the ring size once; the modulo agrees whenever the
     * frame fits the ring and keeps CURR in it when it does not. */
    if (next >= stop)
        next = start + (next - start) % (stop - start);
    n->rsr = (uint8_t)(NE_RSR_PRX | ((f[0] & 1u) ? NE_RSR_PHY : 0u));
    /* index is a page below stop: the header's 4 bytes fit. */
    n->mem[index] = n->rsr;
    n->mem[index + 1] = (uint8_t)(next >> 8);
    n->mem[index + 2] = (uint8_t)total;
    n->mem[index + 3] = (uint8_t)(total >> 8);
    hv_emit5(&n->emit, HV_EV_NIC_PACKET, 1, size, n->curr, 0, HV_DEV_NE2000);
    index += 4;
    for (uint32_t done = 0; done < size;) {
        uint32_t len = size - done < stop - index ? size - done : stop - index;
        memcpy(n->mem + index, f + done, len);
        done += len;
        index += len;
        if (index == stop)
            index = start;
    }
    n->curr = (uint8_t)(next >> 8);
    n->isr |= NE_ISR_PRX;
    ne_update_irq(n);
}

static void ne_transmit(hv_ne2000 *n)
{
    uint8_t frame[HV_NE2000_MAX_FRAME];
    uint32_t start = (uint32_t)n->tpsr << 8, size = n->tbcr;
    bool sent = false;
    /* QEMU folds pages past the memory back into it ("a hack to make
     * netware 3.11 work"). */
    if (start >= HV_NE2000_PMEM_END)
        start -= NE_PMEM_SIZE;
    if (start < HV_NE2000_PMEM_START) {
        ne_refuse(n, NE_TPSR, n->tpsr);
    } else if (size == 0 || size > HV_NE2000_MAX_FRAME ||
               start + size > HV_NE2000_PMEM_END) {
        ne_refuse(n, NE_TBCR0, size);
    } else {
        /* A copy: the receive may land on top of the transmit buffer. */
        memcpy(frame, n->mem + start, size);
        hv_emit5(&n->emit, HV_EV_NIC_PACKET, 0, size, start >> 8, 0,
                 HV_DEV_NE2000);
        sent = true;
    }
    /* QEMU reports success even for what it refused to send, so a driver
     * waiting for PTX does not hang; the GUEST_ERROR tells the truth. */
    n->tsr = NE_TSR_PTX;
    n->isr |= NE_ISR_PTX;
    n->cmd &= (uint8_t)~NE_CR_TXP;
    ne_update_irq(n);
    if (!sent)
        return;
    if (size < NE_MIN_FRAME) {
        memset(frame + size, 0, NE_MIN_FRAME - size);
        size = NE_MIN_FRAME;
    }
    ne_receive(n, frame, size); /* the loopback reflector */
}

static void ne_write_cr(hv_ne2000 *n, uint8_t v)
{
    n->cmd = v;
    if (v & NE_CR_STP) /* QEMU: a stopped card starts nothing */
        return;
    n->isr &= (uint8_t)~NE_ISR_RST;
    if (v & (NE_CR_RREAD | NE_CR_RWRITE)) {
        n->dma_refused = false; /* a new transfer, reported afresh */
        if (n->rbcr == 0)       /* a zero-length transfer is complete */
            n->isr |= NE_ISR_RDC;
    }
    if (v & NE_CR_TXP)
        ne_transmit(n);
    ne_update_irq(n);
}

/* A page number the card stores in a ring register: QEMU ignores values
 * past the memory (PSTART/PSTOP may equal its end). */
static bool ne_page_ok(hv_ne2000 *n, uint32_t offset, uint8_t v, bool end)
{
    if (v < NE_END_PAGE || (end && v == NE_END_PAGE))
        return true;
    ne_refuse(n, offset, v);
    return false;
}

static void ne_write_reg(hv_ne2000 *n, uint32_t off, uint8_t v)
{
    if (off == NE_CR) {
        ne_write_cr(n, v);
        return;
    }
    if (n->cmd >> 6 == 1) {
        if (off <= 6)
            n->par[off - 1] = v;
        else if (off >= 8)
            n->mar[off - 8] = v;
        else if (ne_page_ok(n, off, v, false))
            n->curr = v;
        return;
    }
    if (n->cmd >> 6 != 0) /* pages 2 and 3: QEMU ignores writes */
        return;
    switch (off) {
    case NE_PSTART:
        if (ne_page_ok(n, off, v, true))
            n->pstart = v;
        break;
    case NE_PSTOP:
        if (ne_page_ok(n, off, v, true))
            n->pstop = v;
        break;
    case NE_BNRY:
        if (ne_page_ok(n, off, v, false))
            n->bnry = v;
        break;
    case NE_TPSR: n->tpsr = v; break;
    case NE_TBCR0: n->tbcr = (uint16_t)((n->tbcr & 0xFF00u) | v); break;
    case NE_TBCR1: n->tbcr = (uint16_t)((n->tbcr & 0xFFu) | v << 8); break;
    case NE_ISR:
        n->isr &= (uint8_t) ~(v & 0x7Fu);
        ne_update_irq(n);
        break;
    case NE_RSAR0: n->rsar = (uint16_t)((n->rsar & 0xFF00u) | v); break;
    case NE_RSAR1: n->rsar = (uint16_t)((n->rsar & 0xFFu) | v << 8); break;
    case NE_RBCR0: n->rbcr = (uint16_t)((n->rbcr & 0xFF00u) | v); break;
    case NE_RBCR1: n->rbcr = (uint16_t)((n->rbcr & 0xFFu) | v << 8); break;
    case NE_RCR: n->rcr = v; break;
    case NE_TCR: break; /* QEMU models no loopback modes or CRC options */
    case NE_DCR: n->dcr = v; break;
    case NE_IMR:
        n->imr = v;
        ne_update_irq(n);
        break;
    }
}

static uint8_t ne_read_reg(const hv_ne2000 *n, uint32_t off)
{
    if (off == NE_CR)
        return n->cmd;
    unsigned page = n->cmd >> 6;
    if (page == 1)
        return off <= 6   ? n->par[off - 1]
               : off == 7 ? n->curr
                          : n->mar[off - 8];
    switch (page << 4 | off) {
    case NE_BNRY: return n->bnry;
    case NE_TPSR: return n->tsr;
    case NE_ISR: return n->isr;
    case NE_RSAR0: return (uint8_t)n->rsar; /* CRDA: where the DMA is */
    case NE_RSAR1: return (uint8_t)(n->rsar >> 8);
    case NE_RBCR0: return 0x50; /* QEMU: the RTL8029's ID bytes, "PC" */
    case NE_RBCR1: return 0x43;
    case NE_RCR: return n->rsr;
    case 0x21: return n->pstart;
    case 0x22: return n->pstop;
    case 0x35: /* page 3 CONFIG2: 10BASE-T active (QEMU, RTL8029) */
    case 0x36: return 0x40; /* CONFIG3: full duplex */
    default: return 0;      /* counters, NCR, FIFO, CLDA: QEMU reads 0 */
    }
}

static uint32_t ne_read_access(void *opaque, uint32_t offset, unsigned size)
{
    hv_ne2000 *n = opaque;
    if (offset >= NE_DATA && offset < NE_RESET)
        return ne_data_read(n, offset) & (size == 1 ? 0xFFu : 0xFFFFu);
    if (size != 1 || offset >= HV_NE2000_PORTS) {
        /* QEMU serves registers byte-wide only and reads all ones. */
        ne_refuse(n, offset, 0xFFFFu);
        return 0xFFFFu;
    }
    if (offset < NE_DATA)
        return ne_read_reg(n, offset);
    ne_soft_reset(n); /* QEMU's ne2000_reset_ioport_read */
    return 0;
}

static void ne_write_access(void *opaque, uint32_t offset, unsigned size,
                     uint32_t value)
{
    hv_ne2000 *n = opaque;
    if (offset >= NE_DATA && offset < NE_RESET)
        ne_data_write(n, offset, value);
    else if (size != 1 || offset >= HV_NE2000_PORTS)
        ne_refuse(n, offset, value); /* QEMU drops it */
    else if (offset < NE_DATA)
        ne_write_reg(n, offset, (uint8_t)value);
    /* A reset-port write ends the reset pulse: nothing to do (QEMU). */
}

/* Stateless: the page is not known, so a register shows both its page-0
 * and its page-1 name; reads and writes differ on page 0. */
static const char *ne_regname(uint32_t offset, bool is_write)
{
    static const char *const wr[16] = {
        "CR",         "PSTART/PAR0", "PSTOP/PAR1", "BNRY/PAR2",
        "TPSR/PAR3",  "TBCR0/PAR4",  "TBCR1/PAR5", "ISR/CURR",
        "RSAR0/MAR0", "RSAR1/MAR1",  "RBCR0/MAR2", "RBCR1/MAR3",
        "RCR/MAR4",   "TCR/MAR5",    "DCR/MAR6",   "IMR/MAR7"};
    static const char *const rd[16] = {
        "CR",         "CLDA0/PAR0", "CLDA1/PAR1", "BNRY/PAR2",
        "TSR/PAR3",   "NCR/PAR4",   "FIFO/PAR5",  "ISR/CURR",
        "CRDA0/MAR0", "CRDA1/MAR1", "ID0/MAR2",   "ID1/MAR3",
        "RSR/MAR4",   "CNTR0/MAR5", "CNTR1/MAR6", "CNTR2/MAR7"};
    if (offset < NE_DATA)
        return is_write ? wr[offset] : rd[offset];
    if (offset < NE_RESET)
        return "DATA";
    return offset < HV_NE2000_PORTS ? "RESET" : NULL;
}

/* "0x03 (PRX|PTX)": the set bits' names, LSB first. */
static void ne_flags(char *out, size_t len, uint8_t v,
                     const char *const names[8])
{
    out[0] = '\0';
    for (unsigned bit = 0; bit < 8; bit++) {
        if (!(v & (1u << bit)))
            continue;
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", used ? "|" : "", names[bit]);
    }
}

/* CR as "0x22 (STA, page 0, abort DMA)"; ISR and IMR (offset 7, written
 * offset 15) by their bits; page-1 values at those offsets (CURR, MAR7)
 * are decoded the same way, as the formatter has no page. Others: hex. */
static int ne_describe(uint32_t offset, bool is_write, uint32_t value,
                       char *buf, size_t len)
{
    static const char *const cr[8] = {"STP", "STA", "TXP"};
    static const char *const isr[8] = {"PRX", "PTX", "RXE", "TXE",
                                       "OVW", "CNT", "RDC", "RST"};
    static const char *const rd[8] = {
        "RD=0",      "remote read", "remote write", "send packet",
        "abort DMA", "abort DMA",   "abort DMA",    "abort DMA"};
    uint8_t v = (uint8_t)value;
    char flags[48];
    if (offset == NE_CR) {
        ne_flags(flags, sizeof flags, v & 0x07u, cr);
        return snprintf(buf, len, "0x%02X (%s%spage %u, %s)", v, flags,
                        flags[0] ? ", " : "", v >> 6, rd[(v >> 3) & 7u]);
    }
    if (offset == NE_ISR || (offset == NE_IMR && is_write)) {
        ne_flags(flags, sizeof flags, v, isr);
        if (!flags[0])
            return snprintf(buf, len, "0x%02X", v);
        return snprintf(buf, len, "0x%02X (%s)", v, flags);
    }
    return -1;
}

void hv_ne2000_init(hv_ne2000 *n, const uint8_t mac[6],
                    void (*set_irq)(void *, int), void *ctx, hv_emitter emit)
{
    memset(n, 0, sizeof(*n));
    memcpy(n->mac, mac, 6);
    n->set_irq = set_irq;
    n->ctx = ctx;
    n->emit = emit;
    ne_reset(n);
}

static uint32_t ne_read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = ne_read_access(opaque, offset, size);
    ne_access_done(opaque);
    return v;
}

static void ne_write(void *opaque, uint32_t offset, unsigned size,
                     uint32_t value)
{
    ne_write_access(opaque, offset, size, value);
    ne_access_done(opaque);
}

const hv_device_ops hv_ne2000_ops = {
    .name = "ne2000",
    .kind = HV_DEV_NE2000,
    /* Words for the data port (QEMU's asic handlers take 16 bits); the
     * byte registers refuse a word, as QEMU's ne2000_read/write do. A
     * 32-bit IN/OUT of the data port is split into two words by the bus,
     * where QEMU's asic_ioport_readl moves 4 bytes in one access: in byte
     * mode (DCR.WTS = 0) hvlab then moves 2 bytes where QEMU moves 4. */
    .sizes = 1u | 2u,
    .read = ne_read,
    .write = ne_write,
    .reset = ne_reset,
    .regname = ne_regname,
    .describe = ne_describe,
};
