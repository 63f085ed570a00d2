/* Unit tests of the NE2000 model, driven through the bus at 0x300 as a
 * driver drives the card (STYLE.md practice 13, QEMU qtest style).
 * Expected values come from the DP8390 datasheet and QEMU's
 * hw/net/ne2000.c (ne2000_reset, ne2000_receive, ne2000_dma_update); QEMU's
 * PC machine has no loopback peer, so for the reflector the rule in
 * ne2000.h is the oracle (FIDELITY.md "Device emulation"). Each check says
 * which source it follows. */
#include "devices/ne2000.h"

#include <stdlib.h>

#include "check.h"

#define NIC 0x300u

/* Registers by offset (page 0 unless said). */
enum {
    CR = 0x00,
    PSTART = 0x01,
    PSTOP = 0x02,
    BNRY = 0x03,
    TPSR = 0x04,
    TSR = 0x04,
    TBCR0 = 0x05,
    TBCR1 = 0x06,
    ISR = 0x07,
    CURR = 0x07 /* p1 */,
    RSAR0 = 0x08,
    RSAR1 = 0x09,
    RBCR0 = 0x0A,
    RBCR1 = 0x0B,
    RCR = 0x0C,
    RSR = 0x0C,
    TCR = 0x0D,
    DCR = 0x0E,
    IMR = 0x0F,
    DATA = 0x10,
    RESET = 0x1F,
};

/* CR values (datasheet CR: PS 7:6, RD 5:3, TXP, STA, STP). */
#define CR_STOP 0x21u   /* page 0, abort DMA, STP */
#define CR_START 0x22u  /* page 0, abort DMA, STA */
#define CR_PAGE1 0x62u  /* page 1, abort DMA, STA */
#define CR_RREAD 0x0Au  /* page 0, remote read, STA */
#define CR_RWRITE 0x12u /* page 0, remote write, STA */
#define CR_TXP 0x26u    /* page 0, abort DMA, TXP, STA */

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

typedef struct ev {
    hv_event_type type;
    uint32_t a, b, c, d, e;
} ev;

typedef struct rig {
    hv_bus bus;
    hv_ne2000 *nic; /* on the heap, exactly its size, for ASan */
    int irq_level, irq_rises;
    ev evs[64];
    size_t nev;
    unsigned ios, data_ios;       /* port accesses, those to the data port */
    unsigned total[HV_EV__COUNT]; /* every event, by type (never reset) */
} rig;

static void rig_irq(void *ctx, int level)
{
    rig *r = ctx;
    r->irq_rises += level && !r->irq_level;
    r->irq_level = level;
}

static void rig_emit5(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d, uint32_t e)
{
    rig *r = opaque;
    r->total[type]++;
    /* Counters are folds over the events (STYLE.md practice 6). */
    if (type == HV_EV_IO_IN || type == HV_EV_IO_OUT) {
        r->ios++;
        r->data_ios += (d & 0xFFu) >= DATA && (d & 0xFFu) < 0x18u;
        return;
    }
    if (r->nev < sizeof(r->evs) / sizeof(r->evs[0]))
        r->evs[r->nev++] = (ev){type, a, b, c, d, e};
}

static void rig_emit(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d)
{
    rig_emit5(opaque, type, a, b, c, d, 0);
}

static size_t count_events(const rig *r, hv_event_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++)
        n += r->evs[i].type == type;
    return n;
}

/* The n-th GUEST_ERROR's register offset, or -1. */
static int gerr_offset(const rig *r, size_t nth)
{
    for (size_t i = 0; i < r->nev; i++)
        if (r->evs[i].type == HV_EV_GUEST_ERROR && nth-- == 0) {
            CHECK_EQ(r->evs[i].a, HV_GERR_DEVICE);
            CHECK_EQ(r->evs[i].b >> 8, HV_DEV_NE2000);
            return (int)(r->evs[i].b & 0xFFu);
        }
    return -1;
}

static const ev *find_packet(const rig *r, uint32_t dir)
{
    for (size_t i = 0; i < r->nev; i++)
        if (r->evs[i].type == HV_EV_NIC_PACKET && r->evs[i].a == dir)
            return &r->evs[i];
    return NULL;
}

static void rig_init(rig *r)
{
    memset(r, 0, sizeof(*r));
    hv_emitter emit = {.fn = rig_emit, .fn5 = rig_emit5, .opaque = r};
    r->nic = malloc(sizeof(*r->nic));
    CHECK(r->nic != NULL);
    hv_bus_init(&r->bus, emit);
    hv_ne2000_init(r->nic, MAC, rig_irq, r, emit);
    CHECK_OK(hv_bus_add(&r->bus, HV_NE2000_BASE, HV_NE2000_PORTS,
                        &hv_ne2000_ops, r->nic));
}

static void rig_free(rig *r)
{
    free(r->nic);
}

static uint8_t in8(rig *r, unsigned off)
{
    return (uint8_t)hv_bus_in(&r->bus, (uint16_t)(NIC + off), 1);
}

static uint16_t in16(rig *r, unsigned off)
{
    return (uint16_t)hv_bus_in(&r->bus, (uint16_t)(NIC + off), 2);
}

static void out8(rig *r, unsigned off, unsigned v)
{
    hv_bus_out(&r->bus, (uint16_t)(NIC + off), 1, v);
}

static void out16(rig *r, unsigned off, unsigned v)
{
    hv_bus_out(&r->bus, (uint16_t)(NIC + off), 2, v);
}

/* Remote DMA set-up: 5 OUTs (datasheet "Remote DMA"). */
static void dma_start(rig *r, unsigned addr, unsigned count, unsigned cmd)
{
    out8(r, RBCR0, count & 0xFFu);
    out8(r, RBCR1, count >> 8);
    out8(r, RSAR0, addr & 0xFFu);
    out8(r, RSAR1, addr >> 8);
    out8(r, CR, cmd);
}

/* Word-mode remote DMA read of `len` bytes at card address `addr`. */
static void dma_read(rig *r, unsigned addr, uint8_t *buf, unsigned len)
{
    dma_start(r, addr, len, CR_RREAD);
    for (unsigned i = 0; i < len; i += 2) {
        uint16_t w = in16(r, DATA);
        buf[i] = (uint8_t)w;
        if (i + 1 < len)
            buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static void dma_write(rig *r, unsigned addr, const uint8_t *buf, unsigned len)
{
    dma_start(r, addr, len, CR_RWRITE);
    for (unsigned i = 0; i < len; i += 2)
        out16(r, DATA, buf[i] | (i + 1 < len ? buf[i + 1] << 8 : 0));
}

/* The DP8390 datasheet's initialization procedure, in word mode, with
 * the ring at pstart..pstop-1, BNRY = pstart, CURR = pstart + 1 (as Linux's
 * 8390.c sets them). */
static void nic_setup(rig *r, unsigned pstart, unsigned pstop, unsigned rcr)
{
    out8(r, CR, CR_STOP);
    out8(r, DCR, 0x49); /* WTS word transfers, LS normal, FT1 */
    out8(r, RBCR0, 0);
    out8(r, RBCR1, 0);
    out8(r, RCR, rcr);
    out8(r, TCR, 0x02); /* internal loopback while setting up */
    out8(r, PSTART, pstart);
    out8(r, PSTOP, pstop);
    out8(r, BNRY, pstart);
    out8(r, ISR, 0xFF);
    out8(r, IMR, 0x3F); /* every source but RDC, as Linux's ENISR_ALL */
    out8(r, CR, 0x61);  /* page 1, stopped */
    for (unsigned i = 0; i < 6; i++)
        out8(r, 1 + i, MAC[i]); /* PAR0-5 */
    out8(r, CURR, pstart + 1);
    out8(r, CR, CR_START);
    out8(r, TCR, 0x00);
}

/* A frame to ourselves: destination and source our MAC, ethertype 0x88B5
 * (IEEE "local experimental"), then a counting payload. */
static void make_frame(uint8_t *f, unsigned len, uint8_t seed)
{
    for (unsigned i = 0; i < len; i++)
        f[i] = (uint8_t)(seed + i);
    if (len >= 14) {
        memcpy(f, MAC, 6);
        memcpy(f + 6, MAC, 6);
        f[12] = 0x88;
        f[13] = 0xB5;
    }
}

/* A minimal driver's transmit: the frame into card memory at page
 * `tpsr` by remote DMA (5 OUTs + the words), then TPSR, TBCR0/1 and
 * CR.TXP (4 OUTs). No RDC poll: emulated remote DMA is synchronous. */
static void nic_send(rig *r, const uint8_t *f, unsigned len, unsigned tpsr)
{
    dma_write(r, tpsr << 8, f, len);
    out8(r, TPSR, tpsr);
    out8(r, TBCR0, len & 0xFFu);
    out8(r, TBCR1, len >> 8);
    out8(r, CR, CR_TXP);
}

static unsigned curr_page(rig *r)
{
    out8(r, CR, CR_PAGE1);
    unsigned c = in8(r, CURR);
    out8(r, CR, CR_START);
    return c;
}

static void test_power_on_values(void)
{
    rig r;
    rig_init(&r);
    /* QEMU: NE2000State zeroed, then ne2000_reset() sets ISR = RST. */
    CHECK_EQ(in8(&r, CR), 0x00);
    CHECK_EQ(in8(&r, ISR), 0x80);
    CHECK_EQ(in8(&r, BNRY), 0x00);
    CHECK_EQ(in8(&r, TSR), 0x00);
    CHECK_EQ(in8(&r, RSR), 0x00);
    CHECK_EQ(in8(&r, RBCR0), 0x50); /* QEMU: RTL8029 ID "PC" */
    CHECK_EQ(in8(&r, RBCR1), 0x43);
    CHECK_EQ(r.irq_level, 0);
    /* RST never interrupts (QEMU masks ISR with 0x7F), whatever IMR. */
    out8(&r, IMR, 0xFF);
    CHECK_EQ(r.irq_level, 0);
    /* ISR.RST is not cleared by writing it (datasheet ISR) ... */
    out8(&r, ISR, 0xFF);
    CHECK_EQ(in8(&r, ISR), 0x80);
    /* ... only by a start command (QEMU: any CR write without STP). */
    out8(&r, CR, CR_START);
    CHECK_EQ(in8(&r, ISR), 0x00);
    CHECK_EQ(in8(&r, CR), CR_START);
    /* Page 2 reads PSTART/PSTOP back (QEMU). */
    out8(&r, PSTART, 0x46);
    out8(&r, PSTOP, 0x80);
    out8(&r, CR, 0xA2);
    CHECK_EQ(in8(&r, PSTART), 0x46);
    CHECK_EQ(in8(&r, PSTOP), 0x80);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    rig_free(&r);
}

static void test_prom_mac(void)
{
    rig r;
    rig_init(&r);
    uint8_t prom[32];
    /* Byte mode, as Linux's ne.c probe reads it: 32 bytes at 0. */
    out8(&r, DCR, 0x48);
    dma_start(&r, 0, 32, CR_RREAD);
    for (unsigned i = 0; i < 32; i++)
        prom[i] = in8(&r, DATA);
    /* QEMU's ne2000_reset: each PROM byte doubled; 0x57 0x57 at 14-15. */
    for (unsigned i = 0; i < 6; i++) {
        CHECK_EQ(prom[2 * i], MAC[i]);
        CHECK_EQ(prom[2 * i + 1], MAC[i]);
    }
    for (unsigned i = 12; i < 28; i++)
        CHECK_EQ(prom[i], 0);
    for (unsigned i = 28; i < 32; i++)
        CHECK_EQ(prom[i], 0x57);
    /* The count ran out: remote DMA complete (datasheet ISR.RDC). */
    CHECK_EQ(in8(&r, ISR) & 0x40, 0x40);
    CHECK_EQ(in8(&r, RSAR0), 32); /* CRDA: where the DMA stopped */
    /* Word mode: a word per access, the MAC byte in both halves. */
    out8(&r, DCR, 0x49);
    dma_start(&r, 0, 12, CR_RREAD);
    for (unsigned i = 0; i < 6; i++)
        CHECK_EQ(in16(&r, DATA), MAC[i] * 0x101u);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    rig_free(&r);
}

/* The whole path: set up, send 60 bytes, take the interrupt, read the
 * frame back from the ring, release it. Counts the port accesses. */
static void test_send_and_receive(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x80, 0x04); /* ring 0x46-0x7F; accept broadcast */
    CHECK_EQ(in8(&r, ISR), 0x00);
    CHECK_EQ(r.irq_level, 0);
    uint8_t f[60], got[60], hdr[4];
    make_frame(f, sizeof f, 1);
    r.nev = 0;
    unsigned ios0 = r.ios, data0 = r.data_ios, rises0 = r.irq_rises;

    nic_send(&r, f, sizeof f, 0x40);
    /* Sent (TSR.PTX), then echoed into the ring (ISR.PRX): ISR 0x43
     * with RDC from the remote write, which IMR 0x3F does not unmask. */
    CHECK_EQ(r.nic->isr, 0x43);
    CHECK_EQ(r.irq_level, 1);
    CHECK_EQ(r.irq_rises, rises0 + 1); /* one edge for the 8259A */
    CHECK_EQ(r.nic->cmd & 0x04, 0);    /* TXP clears when done (QEMU) */
    const ev *tx = find_packet(&r, 0), *rx = find_packet(&r, 1);
    CHECK(tx && rx && tx < rx); /* sent first, then received */
    if (tx && rx) {
        CHECK_EQ(tx->b, 60);
        CHECK_EQ(tx->c, 0x40); /* from page TPSR */
        CHECK_EQ(tx->e, HV_DEV_NE2000);
        CHECK_EQ(rx->b, 60);
        CHECK_EQ(rx->c, 0x47); /* into page CURR */
        CHECK_EQ(rx->e, HV_DEV_NE2000);
    }

    /* The driver's interrupt handler: read ISR, ack what it saw. */
    unsigned isr = in8(&r, ISR);
    CHECK_EQ(isr, 0x43);
    out8(&r, ISR, isr); /* write 1s to clear (datasheet ISR) */
    CHECK_EQ(r.irq_level, 0);

    /* The ring has a frame while CURR differs from the driver's next
     * page (BNRY + 1). */
    unsigned page = 0x47;
    CHECK_EQ(curr_page(&r), 0x48);
    dma_read(&r, page << 8, hdr, 4);
    /* QEMU's ne2000_receive header: status RSR.PRX (0x01, unicast), next
     * page 0x48 (64 + 4 bytes fit one page), length 60 + 4 = 64 (QEMU
     * counts its header; a DP8390 the CRC: the same number). */
    CHECK_EQ(hdr[0], 0x01);
    CHECK_EQ(hdr[1], 0x48);
    CHECK_EQ(hdr[2] | hdr[3] << 8, 64);
    unsigned len = (hdr[2] | hdr[3] << 8) - 4u;
    dma_read(&r, (page << 8) + 4, got, len);
    CHECK(memcmp(got, f, sizeof f) == 0);
    out8(&r, BNRY, hdr[1] - 1); /* release: BNRY one page behind next */
    unsigned regs = r.ios - ios0 - (r.data_ios - data0);
    unsigned data = r.data_ios - data0;

    CHECK_EQ(in8(&r, TSR), 0x01); /* PTX: sent without error */
    CHECK_EQ(in8(&r, RSR), 0x01);
    CHECK_EQ(in8(&r, BNRY), 0x47);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    /* 9 + 2 + 3 + 5 + 5 + 1 register accesses and 30 + 2 + 30 data words
     * (FIDELITY.md: several exits per packet). */
    CHECK_EQ(regs, 25);
    CHECK_EQ(data, 62);
    printf("ne2000: one 60-byte frame sent and received back: %u port "
           "accesses (%u to registers, %u data-port words); with rep "
           "outsw/insw %u exits\n",
           regs + data, regs, data, regs + 3);
    rig_free(&r);
}

static void test_short_frame_padded(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x80, 0x04);
    uint8_t f[20], got[64];
    make_frame(f, sizeof f, 7);
    memset(f, 0xFF, 6); /* broadcast: RCR.AB takes it */
    nic_send(&r, f, sizeof f, 0x40);
    dma_read(&r, 0x4700, got, 64);
    /* QEMU pads to 60 (MIN_BUF_SIZE); RSR.PHY for broadcast (0x21). */
    CHECK_EQ(got[0], 0x21);
    CHECK_EQ(got[2] | got[3] << 8, 64);
    CHECK(memcmp(got + 4, f, sizeof f) == 0);
    for (unsigned i = 4 + sizeof f; i < 64; i++)
        CHECK_EQ(got[i], 0);
    rig_free(&r);
}

static void test_ring_wrap(void)
{
    rig r;
    rig_init(&r);
    /* An 8-page ring at 0x46-0x4D, CURR near its end. */
    nic_setup(&r, 0x46, 0x4E, 0x04);
    out8(&r, BNRY, 0x4B);
    out8(&r, CR, CR_PAGE1);
    out8(&r, CURR, 0x4C);
    out8(&r, CR, CR_START);
    static uint8_t f[600], got[600];
    make_frame(f, sizeof f, 3);
    nic_send(&r, f, sizeof f, 0x40);
    CHECK_EQ(r.nic->isr & 0x01, 0x01);
    /* 604 + 4 bytes take 3 pages: 0x4C, 0x4D, then past PSTOP to 0x46;
     * next = 0x4F wraps to 0x47 (QEMU: next -= PSTOP - PSTART). */
    uint8_t hdr[4];
    dma_read(&r, 0x4C00, hdr, 4);
    CHECK_EQ(hdr[1], 0x47);
    CHECK_EQ(hdr[2] | hdr[3] << 8, 604);
    CHECK_EQ(curr_page(&r), 0x47);
    /* 508 bytes up to PSTOP, 92 from PSTART. */
    CHECK(memcmp(r.nic->mem + 0x4C04, f, 508) == 0);
    CHECK(memcmp(r.nic->mem + 0x4600, f + 508, 92) == 0);
    /* One remote read gets it whole: RSAR wraps PSTOP -> PSTART (QEMU's
     * ne2000_dma_update, datasheet "Remote DMA": the ring wrap). */
    dma_read(&r, 0x4C04, got, sizeof got);
    CHECK(memcmp(got, f, sizeof f) == 0);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    rig_free(&r);
}

static void test_ring_full(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x4E, 0x04); /* 8 pages, BNRY 0x46, CURR 0x47 */
    uint8_t f[60];
    make_frame(f, sizeof f, 9);
    /* QEMU's ne2000_buffer_full: room = 2048 - (CURR - BNRY) pages; full
     * below 1514 + 4 bytes. 1792, then 1536: two frames fit. */
    nic_send(&r, f, sizeof f, 0x40);
    nic_send(&r, f, sizeof f, 0x40);
    CHECK_EQ(curr_page(&r), 0x49);
    out8(&r, ISR, 0xFF);
    r.nev = 0;
    /* 1280 left: dropped. QEMU sets nothing (a DP8390 would set ISR.OVW
     * and count a missed packet); the transmit itself succeeded. */
    nic_send(&r, f, sizeof f, 0x40);
    CHECK_EQ(in8(&r, ISR) & 0x13, 0x02);
    CHECK_EQ(curr_page(&r), 0x49);
    CHECK(find_packet(&r, 0) != NULL);
    CHECK(find_packet(&r, 1) == NULL);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    /* The driver releases a frame: BNRY 0x47, room 1536 again. */
    out8(&r, BNRY, 0x47);
    nic_send(&r, f, sizeof f, 0x40);
    CHECK_EQ(in8(&r, ISR) & 0x01, 0x01);
    CHECK_EQ(curr_page(&r), 0x4A);
    rig_free(&r);
}

static void test_address_filter(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x80, 0x00); /* RCR 0: our address only */
    uint8_t f[60];
    struct {
        uint8_t dst0, rcr, mar;
        int taken;
    } cases[] = {
        {0x52, 0x00, 0x00, 1}, /* our MAC, as in the PROM (QEMU) */
        {0xFF, 0x00, 0x00, 0}, /* broadcast without AB */
        {0xFF, 0x04, 0x00, 1}, /* broadcast with AB */
        {0x02, 0x00, 0x00, 0}, /* someone else */
        {0x02, 0x10, 0x00, 1}, /* someone else, promiscuous */
        {0x01, 0x08, 0x00, 0}, /* multicast, AM, hash bit clear */
        {0x01, 0x08, 0xFF, 1}, /* multicast, AM, every hash bit set */
        {0x01, 0x00, 0xFF, 0}, /* multicast without AM */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_frame(f, sizeof f, (uint8_t)i);
        if (cases[i].dst0 == 0xFF)
            memset(f, 0xFF, 6);
        else
            f[0] = cases[i].dst0;
        out8(&r, RCR, cases[i].rcr);
        out8(&r, CR, CR_PAGE1);
        for (unsigned m = 0; m < 8; m++)
            out8(&r, 8 + m, cases[i].mar);
        out8(&r, CR, CR_START);
        out8(&r, ISR, 0xFF);
        nic_send(&r, f, sizeof f, 0x40);
        CHECK_EQ(in8(&r, ISR) & 0x01, (unsigned)cases[i].taken);
        /* Release whatever came in, so the ring never fills. */
        out8(&r, BNRY, curr_page(&r) - 1);
    }
    rig_free(&r);
}

static void test_reset_port(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x80, 0x04);
    /* Overwrite the PROM by remote DMA (QEMU lets it), then reset. */
    uint8_t junk[4] = {1, 2, 3, 4}, prom[4], f[60];
    dma_write(&r, 0, junk, 4);
    make_frame(f, sizeof f, 0);
    nic_send(&r, f, sizeof f, 0x40); /* PTX and PRX pending... */
    CHECK_EQ(r.irq_level, 1);
    /* Linux's ne.c: outb(inb(NE_RESET), NE_RESET); wait for ISR.RST. */
    CHECK_EQ(in8(&r, RESET), 0x00);
    out8(&r, RESET, 0);
    CHECK_EQ(in8(&r, ISR), 0x80);
    CHECK_EQ(r.irq_level, 0); /* ...dropped: ISR is RST alone */
    dma_read(&r, 0, prom, 4);
    CHECK_EQ(prom[0], MAC[0]);
    CHECK_EQ(prom[2], MAC[1]);
    /* Registers survive (QEMU's ne2000_reset touches ISR and PROM). */
    CHECK_EQ(in8(&r, BNRY), 0x46);
    rig_free(&r);
}

static void test_access_sizes(void)
{
    rig r;
    rig_init(&r);
    out8(&r, CR, CR_START);
    /* A word to a byte register: QEMU's ne2000_write drops it, its read
     * gives all ones; hvlab says so in the log. */
    out16(&r, RBCR0, 0x1234);
    CHECK_EQ(r.nic->rbcr, 0);
    in8(&r, CR); /* a taken access ends a run of refusals (logged once) */
    CHECK_EQ(in16(&r, ISR - 1), 0xFFFF);
    CHECK_EQ(gerr_offset(&r, 0), RBCR0);
    CHECK_EQ(gerr_offset(&r, 1), ISR - 1);
    /* A word read of the reset port is refused too: no reset. */
    CHECK_EQ(in16(&r, 0x1E), 0xFFFF);
    CHECK_EQ(r.nic->isr, 0);
    /* A dword at the data port is two words (the bus splits it; QEMU's
     * 32-bit handler moves the same 4 bytes). */
    out8(&r, DCR, 0x49);
    dma_start(&r, 0x4000, 4, CR_RWRITE);
    hv_bus_out(&r.bus, NIC + DATA, 4, 0x44332211u);
    CHECK_EQ(r.nic->mem[0x4000], 0x11);
    CHECK_EQ(r.nic->mem[0x4003], 0x44);
    CHECK_EQ(r.nic->rbcr, 0);
    /* Byte mode: one byte per access, even for a word IN (QEMU). */
    out8(&r, DCR, 0x48);
    dma_start(&r, 0x4000, 2, CR_RREAD);
    CHECK_EQ(in16(&r, DATA), 0x11);
    CHECK_EQ(in8(&r, DATA), 0x22);
    rig_free(&r);
}

static void test_hostile_dma(void)
{
    rig r;
    rig_init(&r);
    out8(&r, CR, CR_START);
    out8(&r, DCR, 0x48);
    /* RSAR in the gap between the PROM and packet memory: 0xFF, one
     * GUEST_ERROR for the whole transfer (QEMU reads 0xFF silently). */
    dma_start(&r, 0x2000, 100, CR_RREAD);
    for (unsigned i = 0; i < 100; i++)
        CHECK_EQ(in8(&r, DATA), 0xFF);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(gerr_offset(&r, 0), DATA);
    /* Writes there are dropped. */
    dma_start(&r, 0x2000, 16, CR_RWRITE);
    for (unsigned i = 0; i < 16; i++)
        out8(&r, DATA, 0xAA);
    for (unsigned a = HV_NE2000_PROM_SIZE; a < HV_NE2000_PMEM_START; a++)
        CHECK_EQ(r.nic->mem[a], 0);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 2);
    /* A huge RBCR from near the end of memory, in word mode: the reads
     * run off the end (no PSTOP there to wrap at), read all ones, and
     * the 16-bit RSAR wraps to 0 (the PROM) and on. */
    out8(&r, DCR, 0x49);
    r.nev = 0;
    dma_start(&r, 0xBF00, 0xFFFF, CR_RREAD);
    for (unsigned i = 0; i < 0x8000; i++)
        (void)in16(&r, DATA);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(r.nic->rbcr, 0);      /* 0xFFFF bytes, a word at a time */
    CHECK_EQ(r.nic->rsar, 0xBF00); /* 64 KiB on: round to the start */
    /* A data write with no transfer programmed: dropped (QEMU). */
    dma_start(&r, 0x4000, 0, CR_RWRITE);
    r.nev = 0;
    out16(&r, DATA, 0xBEEF);
    CHECK_EQ(r.nic->mem[0x4000], 0);
    CHECK_EQ(gerr_offset(&r, 0), DATA);
    rig_free(&r);
}

static void test_hostile_ring(void)
{
    rig r;
    rig_init(&r);
    uint8_t f[60];
    make_frame(f, sizeof f, 5);
    struct {
        uint8_t pstart, pstop, curr;
    } bad[] = {
        {0x60, 0x60, 0x60}, /* PSTART == PSTOP */
        {0x70, 0x60, 0x65}, /* PSTART > PSTOP */
        {0x00, 0x10, 0x01}, /* below packet memory: over the PROM */
        {0x46, 0x80, 0x90}, /* CURR past PSTOP */
        {0x46, 0x80, 0x41}, /* CURR before PSTART */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nic_setup(&r, bad[i].pstart, bad[i].pstop, 0x10);
        out8(&r, CR, CR_PAGE1);
        out8(&r, CURR, bad[i].curr);
        out8(&r, CR, CR_START);
        r.nev = 0;
        nic_send(&r, f, sizeof f, 0x40);
        CHECK(find_packet(&r, 0) != NULL);
        CHECK(find_packet(&r, 1) == NULL);
        CHECK_EQ(gerr_offset(&r, 0), PSTART);
        CHECK_EQ(r.nic->isr & 0x01, 0);
        CHECK_EQ(curr_page(&r), bad[i].curr);
    }
    /* The PROM survived the ring at page 0. */
    CHECK_EQ(r.nic->mem[0], MAC[0]);
    CHECK_EQ(r.nic->mem[30], 0x57);
    /* Pages past the memory are not taken (QEMU ignores them). */
    r.nev = 0;
    out8(&r, PSTOP, 0xC1);
    in8(&r, CR); /* a taken access ends a run of refusals (logged once) */
    out8(&r, BNRY, 0xC0);
    CHECK_EQ(gerr_offset(&r, 0), PSTOP);
    CHECK_EQ(gerr_offset(&r, 1), BNRY);
    CHECK_EQ(r.nic->pstop, 0x80);
    out8(&r, PSTOP, 0xC0); /* the end itself is a valid PSTOP */
    CHECK_EQ(r.nic->pstop, 0xC0);
    rig_free(&r);
}

static void test_hostile_transmit(void)
{
    rig r;
    rig_init(&r);
    nic_setup(&r, 0x46, 0x80, 0x10);
    struct {
        unsigned tpsr, tbcr, off;
    } bad[] = {
        {0x40, 0, TBCR0},     /* nothing to send */
        {0x40, 60000, TBCR0}, /* far past an Ethernet frame */
        {0x40, 1515, TBCR0},  /* one byte too many */
        {0xBF, 1000, TBCR0},  /* runs past the end of memory */
        {0x10, 60, TPSR},     /* not packet memory */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out8(&r, TPSR, bad[i].tpsr);
        out8(&r, TBCR0, bad[i].tbcr & 0xFFu);
        out8(&r, TBCR1, bad[i].tbcr >> 8);
        out8(&r, ISR, 0xFF);
        r.nev = 0;
        out8(&r, CR, CR_TXP);
        CHECK_EQ(count_events(&r, HV_EV_NIC_PACKET), 0);
        CHECK_EQ(gerr_offset(&r, 0), (int)bad[i].off);
        /* QEMU still reports PTX, so a waiting driver goes on. */
        CHECK_EQ(in8(&r, ISR), 0x02);
    }
    /* TPSR past the memory folds back by 0x80 pages (QEMU's NetWare
     * hack): 0xC0 sends from 0x40. 1514 bytes is the largest frame. */
    r.nev = 0;
    out8(&r, TPSR, 0xC0);
    out8(&r, TBCR0, 1514 & 0xFF);
    out8(&r, TBCR1, 1514 >> 8);
    out8(&r, CR, CR_TXP);
    const ev *tx = find_packet(&r, 0);
    CHECK(tx && tx->c == 0x40 && tx->b == 1514);
    CHECK(find_packet(&r, 1) != NULL);
    rig_free(&r);
}

/* Everything a guest can do to the ports, under ASan: every offset with
 * every value in every page, then a long pseudo-random sequence. The
 * card's memory outside the PROM and packet memory is never touched and
 * the wiring after mem[] is intact. */
static void test_every_port_every_value(void)
{
    rig r;
    rig_init(&r);
    for (unsigned page = 0; page < 4; page++)
        for (unsigned off = 0; off < HV_NE2000_PORTS; off++)
            for (unsigned v = 0; v < 256; v++) {
                out8(&r, CR, page << 6 | 0x22);
                out8(&r, off, v);
                (void)in8(&r, off);
                out16(&r, off & ~1u, v * 0x0101u);
                (void)in16(&r, off & ~1u);
            }
    uint32_t seed = 12345;
    for (unsigned i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned off = (seed >> 8) % HV_NE2000_PORTS, v = seed >> 20;
        unsigned size = 1u << ((seed >> 4) % 3);
        if (seed & 1u)
            hv_bus_out(&r.bus, (uint16_t)(NIC + off), size, v);
        else
            (void)hv_bus_in(&r.bus, (uint16_t)(NIC + off), size);
    }
    for (unsigned a = HV_NE2000_PROM_SIZE; a < HV_NE2000_PMEM_START; a++)
        if (r.nic->mem[a] != 0) {
            CHECK_EQ(a, 0); /* names the first byte touched */
            break;
        }
    CHECK(memcmp(r.nic->mac, MAC, 6) == 0);
    CHECK(r.nic->set_irq == rig_irq);
    CHECK(r.nic->ctx == &r);
    CHECK(r.total[HV_EV_GUEST_ERROR] > 0);
    CHECK(r.total[HV_EV_NIC_PACKET] > 0);
    printf("ne2000: fuzz: %u guest errors, %u packets\n",
           r.total[HV_EV_GUEST_ERROR], r.total[HV_EV_NIC_PACKET]);
    /* The line always agrees with ISR and IMR. */
    CHECK_EQ(r.irq_level, (r.nic->isr & r.nic->imr & 0x7F) != 0);
    rig_free(&r);
}

static void test_names(void)
{
    const hv_device_ops *o = &hv_ne2000_ops;
    char buf[64];
    CHECK_STR(o->regname(0x00, true), "CR");
    CHECK_STR(o->regname(0x01, true), "PSTART/PAR0");
    CHECK_STR(o->regname(0x07, false), "ISR/CURR");
    CHECK_STR(o->regname(0x08, true), "RSAR0/MAR0");
    CHECK_STR(o->regname(0x04, false), "TSR/PAR3");
    CHECK_STR(o->regname(0x10, false), "DATA");
    CHECK_STR(o->regname(0x17, true), "DATA");
    CHECK_STR(o->regname(0x1F, false), "RESET");
    CHECK(o->regname(0x20, false) == NULL);
    CHECK(o->describe(0x00, true, 0x22, buf, sizeof buf) > 0);
    CHECK_STR(buf, "0x22 (STA, page 0, abort DMA)");
    o->describe(0x00, true, 0x0A, buf, sizeof buf);
    CHECK_STR(buf, "0x0A (STA, page 0, remote read)");
    o->describe(0x00, true, 0x26, buf, sizeof buf);
    CHECK_STR(buf, "0x26 (STA|TXP, page 0, abort DMA)");
    o->describe(0x00, true, 0x61, buf, sizeof buf);
    CHECK_STR(buf, "0x61 (STP, page 1, abort DMA)");
    o->describe(0x07, false, 0x03, buf, sizeof buf);
    CHECK_STR(buf, "0x03 (PRX|PTX)");
    o->describe(0x07, false, 0xC0, buf, sizeof buf);
    CHECK_STR(buf, "0xC0 (RDC|RST)");
    o->describe(0x0F, true, 0x3F, buf, sizeof buf);
    CHECK_STR(buf, "0x3F (PRX|PTX|RXE|TXE|OVW|CNT)");
    CHECK(o->describe(0x0A, true, 0x3C, buf, sizeof buf) < 0); /* hex */
    CHECK_EQ(o->sizes, 3u);
    CHECK_EQ(o->kind, HV_DEV_NE2000);
}

static const check_test tests[] = {
    {"power_on_values", test_power_on_values},
    {"prom_mac", test_prom_mac},
    {"send_and_receive", test_send_and_receive},
    {"short_frame_padded", test_short_frame_padded},
    {"ring_wrap", test_ring_wrap},
    {"ring_full", test_ring_full},
    {"address_filter", test_address_filter},
    {"reset_port", test_reset_port},
    {"access_sizes", test_access_sizes},
    {"hostile_dma", test_hostile_dma},
    {"hostile_ring", test_hostile_ring},
    {"hostile_transmit", test_hostile_transmit},
    {"every_port_every_value", test_every_port_every_value},
    {"names", test_names},
    {NULL, NULL},
};
CHECK_MAIN(tests)
