/* Unit tests of the virtio-mmio console (devices/virtio_mmio.h).
 *
 * A fake guest: 64 KiB of memory behind a DMA window that refuses anything
 * outside it whole (as the VM's window does), a clock the test moves, a
 * recorder for console bytes, the interrupt line and the events. The test
 * plays the driver: it pokes the registers through the device's ops and
 * builds the split rings in memory as a guest would (virtio spec v1.1
 * §2.6). Each expectation cites the rule it checks.
 */
#include "devices/mmio_bus.h"
#include "devices/virtio_mmio.h"

#include "check.h"

#define MEM_SIZE 0x10000u
#define QSIZE 16u
/* The rings of each queue, one page per area (alignment 16/2/4, §2.6). */
#define TX_DESC 0x1000u
#define TX_AVAIL 0x2000u
#define TX_USED 0x3000u
#define RX_DESC 0x4000u
#define RX_AVAIL 0x5000u
#define RX_USED 0x6000u
#define BUFS 0x8000u
#define OUTSIDE 0x20000u /* no memory there: the DMA window refuses it */
#define SPEED 20000u     /* the default cycles_per_buffer */
#define DEV_REG(off) (((uint32_t)HV_DEV_VIRTIO_MMIO << 16) | (off))
#define F_EVENT_IDX (1u << 29)
#define ST_UP 0x0Fu /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */

typedef struct rec_event {
    uint32_t type, a, b, c, d, e;
} rec_event;

typedef struct rig {
    hv_virtio v;
    uint8_t mem[MEM_SIZE];
    uint64_t now;
    char out[512];
    unsigned nout;
    int level;
    unsigned rises, irq_calls;
    rec_event ev[512];
    unsigned nev;
} rig;

static rig R;

/* --- the fake machine ------------------------------------------------------
 */

static bool dma_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    rig *r = ctx;
    if ((uint64_t)addr + len > MEM_SIZE)
        return false;
    memcpy(buf, r->mem + addr, len);
    return true;
}

static bool dma_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    rig *r = ctx;
    if ((uint64_t)addr + len > MEM_SIZE)
        return false;
    memcpy(r->mem + addr, buf, len);
    return true;
}

static void tx(void *ctx, uint8_t byte)
{
    rig *r = ctx;
    if (r->nout < sizeof r->out - 1)
        r->out[r->nout++] = (char)byte;
}

static void set_irq(void *ctx, int level)
{
    rig *r = ctx;
    if (level && !r->level)
        r->rises++;
    r->level = level;
    r->irq_calls++;
}

static uint64_t clock_of(void *ctx)
{
    return ((rig *)ctx)->now;
}

static void record5(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                    uint32_t c, uint32_t d, uint32_t e)
{
    rig *r = opaque;
    if (r->nev < sizeof r->ev / sizeof r->ev[0])
        r->ev[r->nev++] = (rec_event){type, a, b, c, d, e};
}

static void record(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                   uint32_t c, uint32_t d)
{
    record5(opaque, type, a, b, c, d, 0);
}

static unsigned count_events(uint32_t type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < R.nev; i++)
        n += R.ev[i].type == type;
    return n;
}

static const rec_event *last_event(uint32_t type)
{
    for (unsigned i = R.nev; i-- > 0;)
        if (R.ev[i].type == type)
            return &R.ev[i];
    return NULL;
}

static rig *rig_new(void)
{
    memset(&R, 0, sizeof R);
    hv_dma dma = {dma_read, dma_write, &R};
    hv_emitter emit = {record, &R, record5};
    hv_virtio_init(&R.v, dma, tx, set_irq, clock_of, &R, emit);
    R.irq_calls = 0;
    return &R;
}

/* --- the driver's side -------------------------------------------------- */

static uint32_t rd(uint32_t off)
{
    return hv_virtio_mmio_ops.read(&R.v, off, 4);
}

static void wr(uint32_t off, uint32_t value)
{
    hv_virtio_mmio_ops.write(&R.v, off, 4, value);
}

static uint16_t get16(uint32_t a)
{
    return (uint16_t)(R.mem[a] | R.mem[a + 1] << 8);
}

static uint32_t get32(uint32_t a)
{
    return get16(a) | (uint32_t)get16(a + 2) << 16;
}

static void put16(uint32_t a, uint16_t v)
{
    R.mem[a] = (uint8_t)v;
    R.mem[a + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t a, uint32_t v)
{
    put16(a, (uint16_t)v);
    put16(a + 2, (uint16_t)(v >> 16));
}

/* Ring fields (§2.6.5, §2.6.6, §2.6.8). */
static uint32_t used_event_at(uint32_t avail)
{
    return avail + 4 + 2 * QSIZE;
}

static uint32_t avail_event_at(uint32_t used)
{
    return used + 4 + 8 * QSIZE;
}

static void put_desc(uint32_t table, unsigned i, uint32_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    uint32_t d = table + 16 * i;
    put32(d, addr);
    put32(d + 4, 0);
    put32(d + 8, len);
    put16(d + 12, flags);
    put16(d + 14, next);
}

/* Makes a chain available: ring[idx % size] = head, then idx + 1. */
static void avail_add(uint32_t avail, uint16_t head)
{
    uint16_t idx = get16(avail + 2);
    put16(avail + 4 + 2 * (idx % QSIZE), head);
    put16(avail + 2, (uint16_t)(idx + 1));
}

static void setup_queue(uint32_t q, uint32_t desc, uint32_t avail,
                        uint32_t used)
{
    wr(HV_VIRTIO_QUEUE_SEL, q);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    CHECK(rd(HV_VIRTIO_QUEUE_NUM_MAX) >= QSIZE);
    wr(HV_VIRTIO_QUEUE_NUM, QSIZE);
    wr(HV_VIRTIO_QUEUE_DESC_LOW, desc);
    wr(HV_VIRTIO_QUEUE_DESC_HIGH, 0);
    wr(HV_VIRTIO_QUEUE_DRIVER_LOW, avail);
    wr(HV_VIRTIO_QUEUE_DRIVER_HIGH, 0);
    wr(HV_VIRTIO_QUEUE_DEVICE_LOW, used);
    wr(HV_VIRTIO_QUEUE_DEVICE_HIGH, 0);
    wr(HV_VIRTIO_QUEUE_READY, 1);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 1);
}

/* §3.1.1 with the MMIO registers of §4.2.2: reset, ACKNOWLEDGE, DRIVER,
 * features, FEATURES_OK read back, queues, DRIVER_OK. */
static void driver_init(uint32_t features0)
{
    wr(HV_VIRTIO_STATUS, 0);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0);
    wr(HV_VIRTIO_STATUS, HV_VIRTIO_S_ACKNOWLEDGE);
    wr(HV_VIRTIO_STATUS, HV_VIRTIO_S_ACKNOWLEDGE | HV_VIRTIO_S_DRIVER);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 0);
    wr(HV_VIRTIO_DRIVER_FEATURES, features0);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 1);
    wr(HV_VIRTIO_DRIVER_FEATURES, 1); /* VERSION_1, bit 32 */
    wr(HV_VIRTIO_STATUS, 0x0B);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0x0B); /* FEATURES_OK stuck */
    setup_queue(HV_VIRTIO_RXQ, RX_DESC, RX_AVAIL, RX_USED);
    setup_queue(HV_VIRTIO_TXQ, TX_DESC, TX_AVAIL, TX_USED);
    wr(HV_VIRTIO_STATUS, ST_UP);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), ST_UP);
}

/* The driver's interrupt handler: read InterruptStatus, ack what it
 * read (§4.2.2), as pv_compare.asm's irq11 does. */
static void driver_isr(void)
{
    if (R.level)
        wr(HV_VIRTIO_INTERRUPT_ACK, rd(HV_VIRTIO_INTERRUPT_STATUS));
}

static void advance_to(uint64_t t)
{
    R.now = t;
    hv_virtio_advance(&R.v, t);
}

/* n transmit buffers "line k\r\n" (8 bytes each), descriptor k at
 * BUFS + 8k, made available one after the other (no kick). */
static void queue_lines(unsigned first, unsigned n)
{
    for (unsigned k = first; k < first + n; k++) {
        char line[] = "line ?\r\n";
        line[5] = "0123456789ABCDEF"[k & 15];
        memcpy(R.mem + BUFS + 8 * k, line, 8);
        put_desc(TX_DESC, k % QSIZE, BUFS + 8 * k, 8, 0, 0);
        avail_add(TX_AVAIL, (uint16_t)(k % QSIZE));
    }
}

/* --- tests --------------------------------------------------------------- */

static void test_identity_and_init(void)
{
    rig_new();
    /* §4.2.2.1: MagicValue "virt", Version 2; §5.3.1: console is 3. */
    CHECK_EQ(rd(HV_VIRTIO_MAGIC_VALUE), 0x74726976);
    CHECK_EQ(rd(HV_VIRTIO_VERSION), 2);
    CHECK_EQ(rd(HV_VIRTIO_DEVICE_ID), 3);
    CHECK_EQ(rd(HV_VIRTIO_VENDOR_ID), 0x554D4551);
    /* Offered: EVENT_IDX (29) in word 0, VERSION_1 (32) in word 1. */
    wr(HV_VIRTIO_DEVICE_FEATURES_SEL, 0);
    CHECK_EQ(rd(HV_VIRTIO_DEVICE_FEATURES), F_EVENT_IDX);
    wr(HV_VIRTIO_DEVICE_FEATURES_SEL, 1);
    CHECK_EQ(rd(HV_VIRTIO_DEVICE_FEATURES), 1);
    wr(HV_VIRTIO_DEVICE_FEATURES_SEL, 2);
    CHECK_EQ(rd(HV_VIRTIO_DEVICE_FEATURES), 0);
    /* Two queues of at most 64; a third does not exist (QueueNumMax 0). */
    for (uint32_t q = 0; q < 3; q++) {
        wr(HV_VIRTIO_QUEUE_SEL, q);
        CHECK_EQ(rd(HV_VIRTIO_QUEUE_NUM_MAX), q < 2 ? 64 : 0);
        CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    }
    /* Config space (§5.3.4): cols, rows, max_nr_ports all 0 here. */
    CHECK_EQ(hv_virtio_mmio_ops.read(&R.v, 0x100, 2), 0);
    CHECK_EQ(hv_virtio_mmio_ops.read(&R.v, 0x104, 4), 0);
    CHECK_EQ(rd(HV_VIRTIO_CONFIG_GENERATION), 0);
    driver_init(F_EVENT_IDX);
    CHECK_EQ(R.v.features, (1ull << 32) | F_EVENT_IDX);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 0);
    /* A correct bring-up touches no guest memory and raises nothing. */
    CHECK_EQ(R.rises, 0);
    CHECK_EQ(count_events(HV_EV_VIRTQ_USED), 0);
}

static void test_features_refused(void)
{
    rig_new();
    /* §3.1.1 step 6: the device leaves FEATURES_OK clear when it refuses
     * the subset. Without VERSION_1 (this device needs it, §6.1): */
    wr(HV_VIRTIO_STATUS, 3);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 0);
    wr(HV_VIRTIO_DRIVER_FEATURES, F_EVENT_IDX);
    wr(HV_VIRTIO_STATUS, 0x0B);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0x03);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b, DEV_REG(HV_VIRTIO_STATUS));
    /* A feature not offered (28, INDIRECT_DESC) is refused as well. */
    wr(HV_VIRTIO_DRIVER_FEATURES, 1u << 28);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 1);
    wr(HV_VIRTIO_DRIVER_FEATURES, 1);
    wr(HV_VIRTIO_STATUS, 0x0B);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0x03);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 2);
    /* The subset {VERSION_1} alone is fine; after FEATURES_OK the
     * features are fixed (§3.1.1 step 5). */
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 0);
    wr(HV_VIRTIO_DRIVER_FEATURES, 0);
    wr(HV_VIRTIO_STATUS, 0x0B);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0x0B);
    wr(HV_VIRTIO_DRIVER_FEATURES, F_EVENT_IDX);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 3);
    CHECK_EQ(R.v.features, 1ull << 32);
}

/* FIDELITY.md "Device emulation": N buffers, one kick, and with EVENT_IDX
 * one interrupt per batch. */
static void test_batch_event_idx(void)
{
    rig_new();
    driver_init(F_EVENT_IDX);
    R.now = 1000;
    queue_lines(0, 8);
    /* §2.6.10 / §2.6.7.1: interrupt me when the used ring has entry 7. */
    put16(used_event_at(TX_AVAIL), 7);
    unsigned before = R.nev;
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ); /* the one kick */
    /* The device took chain 0 and is busy for one buffer time; nothing
     * reached the console yet. */
    CHECK_EQ(hv_virtio_next_event(&R.v), 1000 + SPEED);
    CHECK_EQ(R.nout, 0);
    for (unsigned k = 1; k <= 8; k++) {
        advance_to(1000 + (uint64_t)k * SPEED - 1);
        CHECK_EQ(get16(TX_USED + 2), k - 1); /* not yet */
        advance_to(1000 + (uint64_t)k * SPEED);
        CHECK_EQ(get16(TX_USED + 2), k);
        /* vring_need_event(7, k, k - 1) is true only for k = 8. */
        CHECK_EQ(R.rises, k == 8);
        driver_isr();
    }
    CHECK_EQ(R.nout, 64);
    CHECK(memcmp(R.out,
                 "line 0\r\nline 1\r\nline 2\r\nline 3\r\n"
                 "line 4\r\nline 5\r\nline 6\r\nline 7\r\n",
                 64) == 0);
    /* 8 used entries, in order: id = head, len 0 (§2.6.8: len counts
     * bytes written, and a transmit buffer is only read). */
    for (unsigned k = 0; k < 8; k++) {
        CHECK_EQ(get32(TX_USED + 4 + 8 * k), k);
        CHECK_EQ(get32(TX_USED + 8 + 8 * k), 0);
    }
    unsigned used = 0;
    for (unsigned i = before; i < R.nev; i++) {
        if (R.ev[i].type != HV_EV_VIRTQ_USED)
            continue;
        CHECK_EQ(R.ev[i].a, HV_VIRTIO_TXQ);
        CHECK_EQ(R.ev[i].b, used);
        CHECK_EQ(R.ev[i].d, used + 1); /* used.idx after it */
        CHECK_EQ(R.ev[i].e, HV_DEV_VIRTIO_MMIO);
        used++;
    }
    CHECK_EQ(used, 8);
    /* Idle: avail_event re-armed at what it took (§2.6.10.2). */
    CHECK_EQ(hv_virtio_next_event(&R.v), UINT64_MAX);
    CHECK_EQ(get16(avail_event_at(TX_USED)), 8);
    CHECK_EQ(R.level, 0); /* acked */
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 0);
}

/* Without EVENT_IDX the rule is §2.6.7.2's: after each used entry, a
 * notification unless avail.flags is 1. So 8 buffers set InterruptStatus
 * bit 0 eight times, and a driver that acks each sees 8 interrupts. */
static void test_batch_no_event_idx(void)
{
    rig_new();
    driver_init(0);
    queue_lines(0, 8);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    /* Busy: used.flags NO_NOTIFY tells the driver not to kick (§2.6.10). */
    CHECK_EQ(get16(TX_USED), 1);
    for (unsigned k = 1; k <= 8; k++) {
        advance_to((uint64_t)k * SPEED);
        CHECK_EQ(R.rises, k);
        CHECK_EQ(rd(HV_VIRTIO_INTERRUPT_STATUS), HV_VIRTIO_INT_USED);
        driver_isr();
        CHECK_EQ(R.level, 0);
        CHECK_EQ(get16(TX_USED), k < 8); /* cleared once idle */
    }
    CHECK_EQ(R.nout, 64);
    /* Without a driver ack in between, the line just stays high: one
     * rising edge for the batch (the level is InterruptStatus != 0). */
    rig_new();
    driver_init(0);
    queue_lines(0, 8);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    advance_to(8 * SPEED);
    CHECK_EQ(R.rises, 1);
    CHECK_EQ(R.irq_calls, 1); /* set_irq only on a change */
    /* avail.flags NO_INTERRUPT: the device SHOULD NOT notify. */
    rig_new();
    driver_init(0);
    put16(TX_AVAIL, 1);
    queue_lines(0, 8);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    advance_to(8 * SPEED);
    CHECK_EQ(R.nout, 64);
    CHECK_EQ(get16(TX_USED + 2), 8);
    CHECK_EQ(R.rises, 0);
}

/* The driver side of §2.6.10.1 with EVENT_IDX: kick only when
 * vring_need_event(avail_event, new, old). */
static bool driver_must_kick(uint16_t new_idx, uint16_t old)
{
    return hv_virtq_need_event(get16(avail_event_at(TX_USED)), new_idx, old);
}

static void test_event_idx_no_kicks_while_busy(void)
{
    rig_new();
    driver_init(F_EVENT_IDX);
    queue_lines(0, 8);
    put16(used_event_at(TX_AVAIL), 7);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    advance_to(8 * SPEED);
    driver_isr();
    CHECK_EQ(get16(avail_event_at(TX_USED)), 8);
    unsigned rises = R.rises, kicks = 0;
    /* pv_compare.asm's burst: 4 more, one at a time, used_event = 11. */
    put16(used_event_at(TX_AVAIL), 11);
    for (unsigned k = 8; k < 12; k++) {
        R.now += 100; /* a few instructions apart: well within a buffer */
        queue_lines(k, 1);
        /* The first passes avail_event 8 (need_event(8, 9, 8): 0 < 1);
         * while the device is busy avail_event stays 8, so for new = 10,
         * 11, 12: (new - 8 - 1) = 1, 2, 3, never < 1: no kick. */
        if (driver_must_kick((uint16_t)(k + 1), (uint16_t)k)) {
            CHECK_EQ(k, 8);
            wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
            kicks++;
        }
        CHECK_EQ(get16(avail_event_at(TX_USED)), 8);
    }
    CHECK_EQ(kicks, 1);
    /* Still consumed: each completion takes the next chain itself. */
    advance_to(R.now + 4 * SPEED);
    CHECK_EQ(get16(TX_USED + 2), 12);
    CHECK_EQ(R.nout, 96);
    CHECK(memcmp(R.out + 64, "line 8\r\nline 9\r\nline A\r\nline B\r\n", 32) ==
          0);
    /* One interrupt for the burst: used.idx passed 11 once. */
    CHECK_EQ(R.rises, rises + 1);
    /* Idle again: avail_event = 12, so the next add (12 -> 13) kicks. */
    CHECK_EQ(get16(avail_event_at(TX_USED)), 12);
    CHECK(driver_must_kick(13, 12));
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 0);
}

/* §2.6.10.2: the device MUST handle spurious notifications. */
static void test_spurious_notify(void)
{
    rig_new();
    /* Before DRIVER_OK, and for queues that are not ready or not there. */
    wr(HV_VIRTIO_QUEUE_NOTIFY, 1);
    driver_init(F_EVENT_IDX);
    static uint8_t snapshot[MEM_SIZE];
    memcpy(snapshot, R.mem, MEM_SIZE);
    unsigned nev = R.nev;
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ); /* nothing available */
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_RXQ);
    wr(HV_VIRTIO_QUEUE_NOTIFY, 7);
    wr(HV_VIRTIO_QUEUE_NOTIFY, 0xFFFFFFFF);
    CHECK(memcmp(snapshot, R.mem, MEM_SIZE) == 0);
    CHECK_EQ(R.nev, nev); /* no used entry, no error */
    CHECK_EQ(R.rises, 0);
    CHECK_EQ(hv_virtio_next_event(&R.v), UINT64_MAX);
    /* A kick while busy does not restart or reschedule anything. */
    queue_lines(0, 2);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    R.now = 500;
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    CHECK_EQ(hv_virtio_next_event(&R.v), SPEED);
    advance_to(2 * SPEED);
    CHECK_EQ(R.nout, 16);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 0);
}

/* A hostile ring: one GUEST_ERROR naming the register of the area, the
 * device stops with NEEDS_RESET and a config-change interrupt (§2.1.2),
 * nothing reaches the console, nothing more happens until a reset. */
static void expect_stopped(uint32_t reg, uint32_t value)
{
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 1);
    const rec_event *e = last_event(HV_EV_GUEST_ERROR);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->a, HV_GERR_DEVICE);
        CHECK_EQ(e->b, DEV_REG(reg));
        CHECK_EQ(e->c, value);
    }
    CHECK_EQ(rd(HV_VIRTIO_STATUS), ST_UP | HV_VIRTIO_S_NEEDS_RESET);
    CHECK_EQ(rd(HV_VIRTIO_INTERRUPT_STATUS), HV_VIRTIO_INT_CONFIG);
    CHECK_EQ(R.level, 1);
    CHECK_EQ(R.nout, 0);
    CHECK_EQ(count_events(HV_EV_VIRTQ_USED), 0);
    CHECK_EQ(hv_virtio_next_event(&R.v), UINT64_MAX);
    /* Stopped: more kicks and time do nothing. */
    unsigned nev = R.nev;
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    advance_to(R.now + 100 * SPEED);
    CHECK_EQ(R.nev, nev);
    /* A reset revives it (§2.1.1: the driver resets on NEEDS_RESET). */
    wr(HV_VIRTIO_STATUS, 0);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0);
    CHECK_EQ(R.level, 0);
}

static void hostile(void (*make)(void), uint32_t reg, uint32_t value)
{
    rig_new();
    driver_init(F_EVENT_IDX);
    make();
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    advance_to(R.now + 10 * SPEED);
    expect_stopped(reg, value);
}

static void make_loop(void)
{
    /* 0 -> 1 -> 0: more than QueueSize hops; named by its head. */
    put_desc(TX_DESC, 0, BUFS, 1, HV_VIRTQ_DESC_F_NEXT, 1);
    put_desc(TX_DESC, 1, BUFS, 1, HV_VIRTQ_DESC_F_NEXT, 0);
    avail_add(TX_AVAIL, 0);
}

static void make_bad_head(void)
{
    avail_add(TX_AVAIL, 200); /* 200 >= QueueNum 16 */
}

static void make_bad_next(void)
{
    put_desc(TX_DESC, 3, BUFS, 1, HV_VIRTQ_DESC_F_NEXT, 0x8000);
    avail_add(TX_AVAIL, 3);
}

static void make_huge_len(void)
{
    put_desc(TX_DESC, 0, BUFS, 0x10001, 0, 0); /* one past 64 KiB */
    avail_add(TX_AVAIL, 0);
}

static void make_huge_chain(void)
{
    /* 0x8000 + 0x8000 is 64 KiB exactly (fine); one more byte is not. */
    put_desc(TX_DESC, 0, 0, 0x8000, HV_VIRTQ_DESC_F_NEXT, 1);
    put_desc(TX_DESC, 1, 0x8000, 0x8000, HV_VIRTQ_DESC_F_NEXT, 2);
    put_desc(TX_DESC, 2, 0, 1, 0, 0);
    avail_add(TX_AVAIL, 0);
}

static void make_buffer_outside(void)
{
    put_desc(TX_DESC, 0, OUTSIDE, 8, 0, 0); /* DMA refused */
    avail_add(TX_AVAIL, 0);
}

static void make_buffer_wraps(void)
{
    put_desc(TX_DESC, 0, 0xFFFFFFF0u, 0x20, 0, 0); /* past 4 GiB */
    avail_add(TX_AVAIL, 0);
}

static void make_writable(void)
{
    put_desc(TX_DESC, 5, BUFS, 8, HV_VIRTQ_DESC_F_WRITE, 0);
    avail_add(TX_AVAIL, 5);
}

static void make_indirect(void)
{
    put_desc(TX_DESC, 0, BUFS, 16, HV_VIRTQ_DESC_F_INDIRECT, 0);
    avail_add(TX_AVAIL, 0);
}

static void make_avail_jump(void)
{
    put16(TX_AVAIL + 2, 1000); /* 1000 chains in a ring of 16 */
}

/* Sets the transmit rings up again (reset and the same features), with
 * an area moved: the layout is fine (aligned, below 4 GiB) but no RAM is
 * there, which only the DMA window can tell. */
static void relocate_tx(uint32_t avail, uint32_t used)
{
    uint32_t features0 = (uint32_t)R.v.features;
    wr(HV_VIRTIO_STATUS, 0);
    wr(HV_VIRTIO_STATUS, 3);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 0);
    wr(HV_VIRTIO_DRIVER_FEATURES, features0);
    wr(HV_VIRTIO_DRIVER_FEATURES_SEL, 1);
    wr(HV_VIRTIO_DRIVER_FEATURES, 1);
    wr(HV_VIRTIO_STATUS, 0x0B);
    setup_queue(HV_VIRTIO_TXQ, TX_DESC, avail, used);
    wr(HV_VIRTIO_STATUS, ST_UP);
    R.nev = 0;
}

static void make_rings_outside(void)
{
    relocate_tx(OUTSIDE, TX_USED);
}

static void make_used_outside(void)
{
    relocate_tx(TX_AVAIL, OUTSIDE);
    queue_lines(0, 1);
}

static void test_hostile_rings(void)
{
    hostile(make_loop, HV_VIRTIO_QUEUE_DESC_LOW, 0);
    hostile(make_bad_head, HV_VIRTIO_QUEUE_DESC_LOW, 200);
    hostile(make_bad_next, HV_VIRTIO_QUEUE_DESC_LOW, 0x8000);
    hostile(make_huge_len, HV_VIRTIO_QUEUE_DESC_LOW, 0x10001);
    hostile(make_huge_chain, HV_VIRTIO_QUEUE_DESC_LOW, 1);
    hostile(make_buffer_outside, HV_VIRTIO_QUEUE_DESC_LOW, OUTSIDE);
    hostile(make_buffer_wraps, HV_VIRTIO_QUEUE_DESC_LOW, 0);
    hostile(make_writable, HV_VIRTIO_QUEUE_DESC_LOW, 5);
    hostile(make_indirect, HV_VIRTIO_QUEUE_DESC_LOW, 0);
    hostile(make_avail_jump, HV_VIRTIO_QUEUE_DRIVER_LOW, 1000);
    hostile(make_rings_outside, HV_VIRTIO_QUEUE_DRIVER_LOW, OUTSIDE + 2);
}

static void test_hostile_used_ring(void)
{
    /* The chain was read and transmitted when its time came; returning
     * it fails: the bytes went out, the used entry could not be written. */
    rig_new();
    driver_init(0);
    make_used_outside();
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 1); /* used.flags NO_NOTIFY */
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b,
             DEV_REG(HV_VIRTIO_QUEUE_DEVICE_LOW));
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->c, OUTSIDE);
    CHECK_EQ(rd(HV_VIRTIO_STATUS) & HV_VIRTIO_S_NEEDS_RESET,
             HV_VIRTIO_S_NEEDS_RESET);
    CHECK_EQ(hv_virtio_next_event(&R.v), UINT64_MAX);
    /* With EVENT_IDX nothing is written while busy: the fault comes at
     * the used entry, after the bytes. */
    rig_new();
    driver_init(F_EVENT_IDX);
    make_used_outside();
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 0);
    advance_to(SPEED);
    CHECK_EQ(R.nout, 8);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->c, OUTSIDE + 4);
    CHECK_EQ(count_events(HV_EV_VIRTQ_USED), 0);
}

/* Register accesses the device refuses: one error each, a defined value,
 * state unchanged (§4.2.2.2 are driver requirements; the device logs). */
static void test_bad_register_accesses(void)
{
    rig_new();
    /* Not 32 bits (QEMU: "wrong size access", reads 0). */
    CHECK_EQ(hv_virtio_mmio_ops.read(&R.v, HV_VIRTIO_MAGIC_VALUE, 1), 0);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b, DEV_REG(0));
    hv_virtio_mmio_ops.write(&R.v, HV_VIRTIO_STATUS, 2, 1);
    CHECK_EQ(rd(HV_VIRTIO_STATUS), 0);
    /* Unaligned, no register there, wrong direction. */
    CHECK_EQ(rd(0x002), 0);
    CHECK_EQ(rd(0x018), 0);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_NOTIFY), 0);
    wr(HV_VIRTIO_MAGIC_VALUE, 1);
    CHECK_EQ(rd(HV_VIRTIO_MAGIC_VALUE), 0x74726976);
    /* Config: past its 8 bytes reads all ones (QEMU); no writes. */
    CHECK_EQ(hv_virtio_mmio_ops.read(&R.v, 0x108, 4), 0xFFFFFFFFu);
    hv_virtio_mmio_ops.write(&R.v, 0x100, 2, 80);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 8);
    R.nev = 0;
    /* QueueNum: 0, above QueueNumMax, not a power of 2 (§2.6). */
    wr(HV_VIRTIO_QUEUE_SEL, 1);
    wr(HV_VIRTIO_QUEUE_NUM, 0);
    wr(HV_VIRTIO_QUEUE_NUM, 128);
    wr(HV_VIRTIO_QUEUE_NUM, 24);
    CHECK_EQ(R.v.q[1].num, 64);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b, DEV_REG(HV_VIRTIO_QUEUE_NUM));
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->c, 24);
    /* High halves must be 0 for a 32-bit guest. */
    wr(HV_VIRTIO_QUEUE_DESC_HIGH, 1);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b,
             DEV_REG(HV_VIRTIO_QUEUE_DESC_HIGH));
    /* A misaligned descriptor table: QueueReady stays 0. */
    wr(HV_VIRTIO_QUEUE_DESC_LOW, TX_DESC + 8);
    wr(HV_VIRTIO_QUEUE_DRIVER_LOW, TX_AVAIL);
    wr(HV_VIRTIO_QUEUE_DEVICE_LOW, TX_USED);
    wr(HV_VIRTIO_QUEUE_READY, 1);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b,
             DEV_REG(HV_VIRTIO_QUEUE_DESC_LOW));
    /* A ring that would run past 4 GiB is refused the same way. */
    wr(HV_VIRTIO_QUEUE_DESC_LOW, 0xFFFFFF00u);
    wr(HV_VIRTIO_QUEUE_READY, 1);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    /* A ready queue's set-up cannot change (§4.2.2.2). */
    wr(HV_VIRTIO_QUEUE_DESC_LOW, TX_DESC);
    wr(HV_VIRTIO_QUEUE_READY, 1);
    wr(HV_VIRTIO_QUEUE_NUM, 8);
    wr(HV_VIRTIO_QUEUE_DESC_LOW, 0);
    CHECK_EQ(R.v.q[1].num, 64);
    CHECK_EQ(R.v.q[1].desc, TX_DESC);
    /* Queue registers of a queue that does not exist. */
    wr(HV_VIRTIO_QUEUE_SEL, 5);
    wr(HV_VIRTIO_QUEUE_NUM, 8);
    wr(HV_VIRTIO_QUEUE_READY, 1);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    CHECK_EQ(count_events(HV_EV_GUEST_ERROR), 10);
    CHECK_EQ(R.rises, 0);
}

/* Console input into posted device-writable buffers (§5.3.6). */
static void test_receive(void)
{
    rig_new();
    /* Not live yet: nothing taken. */
    CHECK(!hv_virtio_receive(&R.v, (const uint8_t *)"x", 1));
    driver_init(0);
    CHECK(!hv_virtio_receive(&R.v, (const uint8_t *)"x", 1)); /* no buffer */
    /* Two 4-byte buffers: chain 2 (one descriptor) and chain 6 -> 7
     * (two of 2 bytes). */
    put_desc(RX_DESC, 2, BUFS, 4, HV_VIRTQ_DESC_F_WRITE, 0);
    put_desc(RX_DESC, 6, BUFS + 0x10, 2,
             HV_VIRTQ_DESC_F_WRITE | HV_VIRTQ_DESC_F_NEXT, 7);
    put_desc(RX_DESC, 7, BUFS + 0x20, 2, HV_VIRTQ_DESC_F_WRITE, 0);
    avail_add(RX_AVAIL, 2);
    avail_add(RX_AVAIL, 6);
    /* 9 bytes do not fit in 8: all or nothing, nothing written. */
    CHECK(!hv_virtio_receive(&R.v, (const uint8_t *)"too long!", 9));
    CHECK_EQ(get16(RX_USED + 2), 0);
    CHECK_EQ(R.mem[BUFS], 0);
    CHECK_EQ(R.v.q[HV_VIRTIO_RXQ].last_avail, 0);
    /* "hello": 4 bytes in chain 2, 1 in chain 6. */
    CHECK(hv_virtio_receive(&R.v, (const uint8_t *)"hello", 5));
    CHECK(memcmp(R.mem + BUFS, "hell", 4) == 0);
    CHECK_EQ(R.mem[BUFS + 0x10], 'o');
    CHECK_EQ(R.mem[BUFS + 0x20], 0); /* chain 6's second buffer unused */
    CHECK_EQ(get16(RX_USED + 2), 2);
    CHECK_EQ(get32(RX_USED + 4), 2); /* {id 2, len 4} */
    CHECK_EQ(get32(RX_USED + 8), 4);
    CHECK_EQ(get32(RX_USED + 12), 6); /* {id 6, len 1} */
    CHECK_EQ(get32(RX_USED + 16), 1);
    const rec_event *e = last_event(HV_EV_VIRTQ_USED);
    CHECK_EQ(e->a, HV_VIRTIO_RXQ);
    CHECK_EQ(e->b, 6);
    CHECK_EQ(e->c, 1);
    CHECK_EQ(e->d, 2);
    /* avail.flags 0, no EVENT_IDX: a notification (§2.6.7.2). */
    CHECK_EQ(R.rises, 1);
    CHECK_EQ(rd(HV_VIRTIO_INTERRUPT_STATUS), HV_VIRTIO_INT_USED);
    /* A read-only buffer on the receiveq is a ring error. */
    put_desc(RX_DESC, 0, BUFS, 4, 0, 0);
    avail_add(RX_AVAIL, 0);
    CHECK(!hv_virtio_receive(&R.v, (const uint8_t *)"x", 1));
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b,
             DEV_REG(HV_VIRTIO_QUEUE_DESC_LOW));
    CHECK_EQ(rd(HV_VIRTIO_STATUS) & HV_VIRTIO_S_NEEDS_RESET,
             HV_VIRTIO_S_NEEDS_RESET);
}

static void test_speed_and_reset(void)
{
    rig_new();
    hv_virtio_set_speed(&R.v, 0);
    driver_init(F_EVENT_IDX);
    put16(used_event_at(TX_AVAIL), 2);
    queue_lines(0, 3);
    /* An infinitely fast backend: all done within the kick. */
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    CHECK_EQ(R.nout, 24);
    CHECK_EQ(get16(TX_USED + 2), 3);
    CHECK_EQ(R.rises, 1);
    /* Reset (§4.2.2.1): InterruptStatus and QueueReady cleared, the
     * line low; the speed is wiring and stays. */
    wr(HV_VIRTIO_STATUS, 0);
    CHECK_EQ(rd(HV_VIRTIO_INTERRUPT_STATUS), 0);
    CHECK_EQ(R.level, 0);
    wr(HV_VIRTIO_QUEUE_SEL, 1);
    CHECK_EQ(rd(HV_VIRTIO_QUEUE_READY), 0);
    CHECK_EQ(R.v.cycles_per_buffer, 0);
    /* A reset while busy drops the chain in flight. */
    hv_virtio_set_speed(&R.v, SPEED);
    driver_init(F_EVENT_IDX);
    memset(R.mem + TX_AVAIL, 0, 0x3000);
    R.nout = 0;
    queue_lines(0, 1);
    wr(HV_VIRTIO_QUEUE_NOTIFY, HV_VIRTIO_TXQ);
    CHECK(hv_virtio_next_event(&R.v) != UINT64_MAX);
    hv_virtio_mmio_ops.reset(&R.v);
    CHECK_EQ(hv_virtio_next_event(&R.v), UINT64_MAX);
    advance_to(R.now + SPEED);
    CHECK_EQ(R.nout, 0);
}

static void test_names(void)
{
    const hv_device_ops *o = &hv_virtio_mmio_ops;
    char buf[80];
    CHECK_STR(o->regname(0x000, false), "MagicValue");
    CHECK_STR(o->regname(0x050, true), "QueueNotify");
    CHECK_STR(o->regname(0x090, true), "QueueDriverLow");
    CHECK_STR(o->regname(0x0FC, false), "ConfigGeneration");
    CHECK_STR(o->regname(0x102, false), "config.rows");
    CHECK(o->regname(0x018, false) == NULL);
    CHECK(o->regname(0x200, false) == NULL);
    CHECK(o->describe(0x070, true, 0x0F, buf, sizeof buf) > 0);
    CHECK_STR(buf, "0x0F (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK)");
    CHECK(o->describe(0x070, true, 0, buf, sizeof buf) > 0);
    CHECK_STR(buf, "0x00 (reset)");
    CHECK(o->describe(0x050, true, 1, buf, sizeof buf) > 0);
    CHECK_STR(buf, "queue 1");
    CHECK(o->describe(0x060, false, 3, buf, sizeof buf) > 0);
    CHECK_STR(buf, "0x03 (USED_BUFFER|CONFIG_CHANGE)");
    CHECK(o->describe(0x000, false, 0x74726976, buf, sizeof buf) > 0);
    CHECK_STR(buf, "'virt'");
    CHECK(o->describe(0x080, true, 0x1000, buf, sizeof buf) < 0);
}

/* Behind the MMIO bus, as the VM wires it: one page at HV_VIRTIO_BASE. */
static void test_on_the_mmio_bus(void)
{
    rig_new();
    hv_mmio_bus bus;
    hv_emitter emit = {record, &R, record5};
    hv_mmio_bus_init(&bus, emit);
    CHECK_OK(hv_mmio_bus_add(&bus, HV_VIRTIO_BASE, HV_VIRTIO_LEN,
                             &hv_virtio_mmio_ops, &R.v));
    CHECK_EQ(hv_mmio_read(&bus, HV_VIRTIO_BASE, 4, HV_MMIO_OPERAND_NONE),
             0x74726976);
    /* A byte read reaches the device as one byte: refused, reads 0. */
    CHECK_EQ(hv_mmio_read(&bus, HV_VIRTIO_BASE, 1, HV_MMIO_OPERAND_NONE), 0);
    CHECK_EQ(last_event(HV_EV_GUEST_ERROR)->b, DEV_REG(0));
    const rec_event *e = last_event(HV_EV_MMIO_READ);
    CHECK_EQ(e->d, DEV_REG(0));
}

static const check_test tests[] = {
    {"identity_and_init", test_identity_and_init},
    {"features_refused", test_features_refused},
    {"batch_event_idx", test_batch_event_idx},
    {"batch_no_event_idx", test_batch_no_event_idx},
    {"event_idx_no_kicks_while_busy", test_event_idx_no_kicks_while_busy},
    {"spurious_notify", test_spurious_notify},
    {"hostile_rings", test_hostile_rings},
    {"hostile_used_ring", test_hostile_used_ring},
    {"bad_register_accesses", test_bad_register_accesses},
    {"receive", test_receive},
    {"speed_and_reset", test_speed_and_reset},
    {"names", test_names},
    {"on_the_mmio_bus", test_on_the_mmio_bus},
    {NULL, NULL},
};
CHECK_MAIN(tests)
