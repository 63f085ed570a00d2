/* Unit tests of the bus-master DMA engine, poked through an MMIO bus at
 * HV_DMA_ENGINE_BASE as a guest would (STYLE.md practice 13, QEMU qtest
 * style), with a fake hv_dma window over an array. The window follows
 * dma.h's rule (a transfer is checked whole; refused: nothing copied), so
 * what these tests see of memory is what the engine did. Register layout
 * and semantics: dma_engine.h; the VENOM lesson (every guest-controlled
 * length refused or clamped): FIDELITY.md "Device emulation". */
#include "devices/dma_engine.h"
#include "devices/mmio_bus.h"

#include "check.h"

#define BASE HV_DMA_ENGINE_BASE
#define BDF 0x0018u /* 00:03.0 */
#define MEM_SIZE 0x30000u
#define R_ID 0x00u
#define R_SRC 0x04u
#define R_DST 0x08u
#define R_LEN 0x0Cu
#define R_CTRL 0x10u
#define R_STATUS 0x14u
#define R_PATTERN 0x18u
#define R_BDF 0x1Cu
#define R_ACK 0x20u
#define DEV_REG(off) (((uint32_t)HV_DEV_DMA_ENGINE << 16) | (off))

typedef struct rig {
    hv_mmio_bus bus;
    hv_dma_engine eng;
    uint8_t mem[MEM_SIZE];
    uint32_t deny_lo, deny_hi; /* the window refuses [lo, hi) */
    unsigned reads, writes;    /* window calls */
    uint32_t max_len;          /* the longest transfer asked of it */
    int irq_level, irq_calls;
    unsigned gerr; /* GUEST_ERROR events */
    uint32_t gerr_addr, gerr_value;
} rig;

static rig R; /* the engine's bounce buffer makes it big: not on stack */

static bool fake_ok(rig *r, uint32_t addr, uint32_t len)
{
    if (len > r->max_len)
        r->max_len = len;
    uint64_t end = (uint64_t)addr + len;
    if (end > MEM_SIZE)
        return false;
    return len == 0 || end <= r->deny_lo || addr >= r->deny_hi;
}

static bool fake_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    rig *r = ctx;
    r->reads++;
    if (!fake_ok(r, addr, len))
        return false;
    memcpy(buf, r->mem + addr, len);
    return true;
}

static bool fake_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    rig *r = ctx;
    r->writes++;
    if (!fake_ok(r, addr, len))
        return false;
    memcpy(r->mem + addr, buf, len);
    return true;
}

static void rig_irq(void *ctx, int level)
{
    rig *r = ctx;
    r->irq_level = level;
    r->irq_calls++;
}

static void rig_event(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d)
{
    rig *r = opaque;
    (void)d;
    if (type == HV_EV_GUEST_ERROR && a == HV_GERR_DEVICE) {
        r->gerr++;
        r->gerr_addr = b;
        r->gerr_value = c;
    }
}

static rig *rig_init(void)
{
    rig *r = &R;
    memset(r, 0, sizeof *r);
    r->irq_level = -1; /* so the reset's lowering shows */
    hv_emitter emit = {rig_event, r, NULL};
    hv_mmio_bus_init(&r->bus, emit);
    hv_dma_engine_init(&r->eng, BDF, (hv_dma){fake_read, fake_write, r},
                       rig_irq, r, emit);
    CHECK_OK(hv_mmio_bus_add(&r->bus, BASE, HV_DMA_ENGINE_LEN,
                             &hv_dma_engine_ops, &r->eng));
    /* Knuth's multiplicative hash: no short period, so a byte copied from
     * the wrong place (or one too many) shows. */
    for (uint32_t i = 0; i < MEM_SIZE; i++)
        r->mem[i] = (uint8_t)((i * 2654435761u) >> 24);
    return r;
}

static uint32_t rd(rig *r, uint32_t off)
{
    return hv_mmio_read(&r->bus, BASE + off, 4, HV_MMIO_OPERAND_NONE);
}

static void wr(rig *r, uint32_t off, uint32_t v)
{
    hv_mmio_write(&r->bus, BASE + off, 4, v, HV_MMIO_OPERAND_NONE);
}

static void program(rig *r, uint32_t src, uint32_t dst, uint32_t len)
{
    wr(r, R_SRC, src);
    wr(r, R_DST, dst);
    wr(r, R_LEN, len);
}

static void test_power_on(void)
{
    rig *r = rig_init();
    /* "HDMA" in memory: bytes 48 44 4D 41, little-endian 0x414D4448. */
    CHECK_EQ(rd(r, R_ID), 0x414D4448u);
    CHECK_EQ(hv_mmio_read(&r->bus, BASE + R_ID, 1, HV_MMIO_OPERAND_NONE), 'H');
    CHECK_EQ(hv_mmio_read(&r->bus, BASE + R_ID + 3, 1, HV_MMIO_OPERAND_NONE),
             'A');
    CHECK_EQ(rd(r, R_BDF), BDF);  /* the requester ID it was given */
    CHECK_EQ(rd(r, R_STATUS), 0); /* idle */
    CHECK_EQ(rd(r, R_CTRL), 0);   /* interrupts off */
    CHECK_EQ(r->irq_level, 0);    /* reset lowered the line */
    CHECK_EQ(r->gerr, 0);
    CHECK_STR(hv_dma_engine_ops.regname(R_CTRL, true), "CTRL");
    CHECK_STR(hv_dma_engine_ops.regname(R_ACK, true), "ACK");
    CHECK(hv_dma_engine_ops.regname(0x24, false) == NULL);
    char buf[48];
    hv_dma_engine_ops.describe(R_CTRL, true, 5, buf, sizeof buf);
    CHECK_STR(buf, "0x5 (COPY|IE)");
    hv_dma_engine_ops.describe(R_BDF, false, BDF, buf, sizeof buf);
    CHECK_STR(buf, "0x0018 (00:03.0)"); /* 0x18 = device 3 << 3 | fn 0 */
    hv_dma_engine_ops.describe(R_STATUS, false, 2, buf, sizeof buf);
    CHECK_STR(buf, "0x2 (ERROR)");
}

static void test_copy(void)
{
    rig *r = rig_init();
    uint8_t want[0x1800];
    memcpy(want, r->mem + 0x1000, sizeof want);
    uint8_t after = r->mem[0x5000 + 0x1800];
    CHECK(after != r->mem[0x1000 + 0x1800]); /* an overrun would show */
    /* 6 KiB from 0x1000 to 0x5000: crosses page boundaries both sides. */
    program(r, 0x1000, 0x5000, 0x1800);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1); /* done */
    CHECK(memcmp(r->mem + 0x5000, want, sizeof want) == 0);
    CHECK_EQ(r->mem[0x5000 + 0x1800], after); /* not one byte more */
    /* One whole read, one whole write: the window sees the transfer. */
    CHECK_EQ(r->reads, 1);
    CHECK_EQ(r->writes, 1);
    CHECK_EQ(r->max_len, 0x1800);
    CHECK_EQ(r->irq_level, 0); /* IE clear: no interrupt */

    /* Overlapping, DST 16 bytes above SRC: the bounce buffer makes it a
     * memmove, so DST gets SRC's bytes as they were. */
    uint8_t before[64];
    memcpy(before, r->mem + 0x8000, sizeof before);
    CHECK(memcmp(r->mem + 0x8010, before, sizeof before) != 0); /* yet */
    program(r, 0x8000, 0x8010, 64);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK(memcmp(r->mem + 0x8010, before, sizeof before) == 0);
}

static void test_fill(void)
{
    rig *r = rig_init();
    /* PATTERN holds a byte: 0x1A5 keeps 0xA5. */
    wr(r, R_PATTERN, 0x1A5);
    CHECK_EQ(rd(r, R_PATTERN), 0xA5);
    uint8_t next = r->mem[0x9000 + 100];
    CHECK(next != 0xA5);                  /* an overrun would show */
    program(r, 0xFFFFFFFFu, 0x9000, 100); /* SRC is not used by FILL */
    wr(r, R_CTRL, 2);
    CHECK_EQ(rd(r, R_STATUS), 1);
    for (uint32_t i = 0; i < 100; i++)
        CHECK_EQ(r->mem[0x9000 + i], 0xA5);
    CHECK_EQ(r->mem[0x9000 + 100], next);
    CHECK_EQ(r->reads, 0); /* a fill reads nothing */
    CHECK_EQ(r->writes, 1);
}

static void test_refused_window(void)
{
    rig *r = rig_init();
    static uint8_t snap[MEM_SIZE];
    memcpy(snap, r->mem, MEM_SIZE);
    /* The window refuses [0x20000, 0x21000) (as the IOMMU refuses an
     * unmapped page). A copy whose destination ends in it: the write is
     * refused whole, STATUS error, memory byte-for-byte unchanged. */
    r->deny_lo = 0x20000;
    r->deny_hi = 0x21000;
    program(r, 0x1000, 0x1F800, 0x1000); /* last 2 KiB in the hole */
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK(memcmp(r->mem, snap, MEM_SIZE) == 0);
    CHECK_EQ(r->reads, 1);
    CHECK_EQ(r->writes, 1);
    /* The source in the hole: the read is refused, the write never
     * attempted. */
    program(r, 0x20FFF, 0x3000, 2);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK_EQ(r->reads, 2);
    CHECK_EQ(r->writes, 1);
    CHECK(memcmp(r->mem, snap, MEM_SIZE) == 0);
    /* A fill past the window's end (MEM_SIZE): refused, unchanged. */
    wr(r, R_PATTERN, 0xEE);
    program(r, 0, MEM_SIZE - 4, 8);
    wr(r, R_CTRL, 2);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK(memcmp(r->mem, snap, MEM_SIZE) == 0);
    /* The window reports refusals (IOMMU_FAULT / GUEST_ERROR HV_GERR_DMA);
     * the engine adds no device error of its own. */
    CHECK_EQ(r->gerr, 0);
    /* A good command after an error replaces STATUS. */
    program(r, 0x1000, 0x2000, 4);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1);
}

static void test_len_limit(void)
{
    rig *r = rig_init();
    static uint8_t snap[MEM_SIZE];
    memcpy(snap, r->mem, MEM_SIZE);
    /* One byte over 64 KiB: refused at start, never clamped. LEN keeps
     * the value written (so the guest can see what it asked). */
    program(r, 0x0, 0x10000, 0x10001);
    CHECK_EQ(rd(r, R_LEN), 0x10001);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK_EQ(r->gerr, 1);
    CHECK_EQ(r->gerr_addr, DEV_REG(R_LEN)); /* names LEN ... */
    CHECK_EQ(r->gerr_value, 0x10001);       /* ... and its value */
    CHECK_EQ(r->reads + r->writes, 0);      /* the window never asked */
    CHECK(memcmp(r->mem, snap, MEM_SIZE) == 0);
    /* The most hostile LEN, for a fill too. */
    wr(r, R_LEN, 0xFFFFFFFFu);
    wr(r, R_CTRL, 2);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK_EQ(r->gerr, 2);
    CHECK_EQ(r->reads + r->writes, 0);
    /* Exactly 64 KiB is allowed: 0x0 -> 0x10000, done. */
    wr(r, R_LEN, 0x10000);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK(memcmp(r->mem + 0x10000, snap, 0x10000) == 0);
    CHECK_EQ(r->max_len, 0x10000);
    /* LEN 0: a no-op that is done, without asking the window. */
    r->reads = r->writes = 0;
    wr(r, R_LEN, 0);
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK_EQ(r->reads + r->writes, 0);
}

static void test_interrupt(void)
{
    rig *r = rig_init();
    program(r, 0x1000, 0x2000, 16);
    /* IE alone starts nothing and raises nothing (STATUS idle). */
    wr(r, R_CTRL, 4);
    CHECK_EQ(rd(r, R_CTRL), 4); /* IE reads back */
    CHECK_EQ(rd(r, R_STATUS), 0);
    CHECK_EQ(r->irq_level, 0);
    /* COPY | IE: done, the line rises. */
    wr(r, R_CTRL, 5);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK_EQ(r->irq_level, 1);
    /* ACK with the wrong bit (ERROR) leaves DONE and the line. */
    wr(r, R_ACK, 2);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK_EQ(r->irq_level, 1);
    /* ACK DONE (what STATUS read): idle, the line falls. */
    wr(r, R_ACK, 1);
    CHECK_EQ(rd(r, R_STATUS), 0);
    CHECK_EQ(r->irq_level, 0);
    /* A refused command completes too: ERROR raises the line. */
    r->deny_lo = 0x2000;
    r->deny_hi = 0x3000;
    wr(r, R_CTRL, 5);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK_EQ(r->irq_level, 1);
    wr(r, R_ACK, rd(r, R_STATUS)); /* the driver's idiom */
    CHECK_EQ(r->irq_level, 0);
    /* Without IE: done, no interrupt; enabling IE afterwards raises it
     * (the line follows the state), disabling lowers it again. */
    r->deny_hi = 0;
    wr(r, R_CTRL, 1);
    CHECK_EQ(rd(r, R_STATUS), 1);
    CHECK_EQ(r->irq_level, 0);
    wr(r, R_CTRL, 4);
    CHECK_EQ(r->irq_level, 1);
    wr(r, R_CTRL, 0);
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(rd(r, R_STATUS), 1); /* still pending, only masked */
    /* Reset: registers cleared, the line low, the wiring kept. */
    wr(r, R_CTRL, 4);
    CHECK_EQ(r->irq_level, 1);
    hv_mmio_bus_reset(&r->bus);
    CHECK_EQ(r->irq_level, 0);
    CHECK_EQ(rd(r, R_STATUS), 0);
    CHECK_EQ(rd(r, R_LEN), 0);
    CHECK_EQ(rd(r, R_BDF), BDF);
}

static void test_bad_accesses(void)
{
    rig *r = rig_init();
    /* Read-only registers: a write is an error naming the register and
     * changes nothing. */
    wr(r, R_ID, 0x12345678u);
    CHECK_EQ(r->gerr, 1);
    CHECK_EQ(r->gerr_addr, DEV_REG(R_ID));
    CHECK_EQ(r->gerr_value, 0x12345678u);
    CHECK_EQ(rd(r, R_ID), HV_DMA_ENGINE_ID);
    wr(r, R_STATUS, 1);
    wr(r, R_BDF, 0);
    CHECK_EQ(r->gerr, 3);
    CHECK_EQ(rd(r, R_STATUS), 0);
    CHECK_EQ(rd(r, R_BDF), BDF);
    /* ACK is write-only; past it nothing answers: 0 and an error. */
    CHECK_EQ(rd(r, R_ACK), 0);
    CHECK_EQ(r->gerr_addr, DEV_REG(R_ACK));
    CHECK_EQ(rd(r, 0x800), 0);
    CHECK_EQ(r->gerr_addr, DEV_REG(0x800u));
    CHECK_EQ(r->gerr, 5);
    /* COPY and FILL at once (3): refused with ERROR, nothing moved. */
    program(r, 0x1000, 0x2000, 16);
    wr(r, R_CTRL, 3);
    CHECK_EQ(rd(r, R_STATUS), 2);
    CHECK_EQ(r->gerr_addr, DEV_REG(R_CTRL));
    CHECK_EQ(r->reads + r->writes, 0);
    wr(r, R_ACK, 2);
    /* A reserved CTRL bit: the whole write is dropped: no copy, IE kept
     * clear, STATUS unchanged (idle). */
    wr(r, R_CTRL, 0x100u | 5u);
    CHECK_EQ(r->gerr_value, 0x105u);
    CHECK_EQ(rd(r, R_STATUS), 0);
    CHECK_EQ(rd(r, R_CTRL), 0);
    CHECK_EQ(r->reads + r->writes, 0);
    /* A 4-byte write at 0x0E would straddle LEN and CTRL: refused. */
    unsigned before = r->gerr;
    hv_mmio_write(&r->bus, BASE + 0x0E, 4, 0x00010000u, HV_MMIO_OPERAND_NONE);
    CHECK_EQ(r->gerr, before + 1);
    CHECK_EQ(rd(r, R_LEN), 16);
    CHECK_EQ(rd(r, R_STATUS), 0);
    /* Byte and half-word writes inside a register compose it. */
    hv_mmio_write(&r->bus, BASE + R_SRC, 1, 0x78, HV_MMIO_OPERAND_NONE);
    hv_mmio_write(&r->bus, BASE + R_SRC + 1, 1, 0x56, HV_MMIO_OPERAND_NONE);
    hv_mmio_write(&r->bus, BASE + R_SRC + 2, 2, 0x1234, HV_MMIO_OPERAND_NONE);
    CHECK_EQ(rd(r, R_SRC), 0x12345678u);
    CHECK_EQ(hv_mmio_read(&r->bus, BASE + R_SRC + 2, 2, HV_MMIO_OPERAND_NONE),
             0x1234);
    /* A byte write of 1 at CTRL starts a copy like a dword write. */
    hv_mmio_write(&r->bus, BASE + R_SRC + 2, 2, 0,
                  HV_MMIO_OPERAND_NONE); /* SRC 0x5678 */
    hv_mmio_write(&r->bus, BASE + R_CTRL, 1, 1, HV_MMIO_OPERAND_NONE);
    CHECK_EQ(rd(r, R_STATUS), 1);
}

/* xorshift32 (Marsaglia 2003): every bit of it varies, unlike an LCG's
 * low bits. */
static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* A value a hostile guest would try at `reg`: an edge value, anything, or
 * (half the time) something near the valid range, so that commands do
 * run and reach the window's edges and its refused hole. */
static uint32_t hostile_value(uint32_t reg, uint32_t *x)
{
    static const uint32_t edges[] = {
        0,        1,          0xFFF,       0x1000,
        0xFFFF,   0x10000,    0x10001,     MEM_SIZE - 1,
        MEM_SIZE, 0x7FFFFFFF, 0xFFFFF000u, 0xFFFFFFFFu};
    uint32_t v = next_rand(x), pick = next_rand(x) & 3u;
    if (pick == 0)
        return edges[v % (sizeof edges / sizeof edges[0])];
    if (pick == 1)
        return v;
    switch (reg) {
    case R_SRC:
    case R_DST: return v % (MEM_SIZE + 0x2000u); /* some past the end */
    case R_LEN: return v & 0x1FFFFu;             /* half over 64 KiB */
    case R_CTRL: return v & 7u;
    default: return v;
    }
}

/* Hostile guest: random offsets, sizes and values. Must never crash (run
 * under ASan), never ask the window for more than 64 KiB, and keep STATUS
 * and the line consistent; commands must actually run, both ways. */
static void test_hostile(void)
{
    rig *r = rig_init();
    r->deny_lo = 0x18000;
    r->deny_hi = 0x19000;
    uint32_t x = 0x12345678u;
    unsigned done = 0, errors = 0;
    for (int i = 0; i < 400000; i++) {
        uint32_t rnd = next_rand(&x);
        /* Mostly whole registers; a quarter of the time any size at any
         * offset of the registers, now and then anywhere on the page. */
        unsigned size = 4;
        uint32_t off = 4u * ((rnd >> 8) % 10u);
        if ((rnd & 3u) == 0) {
            size = 1u << ((rnd >> 4) % 3u);
            off = (rnd >> 8) % 0x28u;
            if ((rnd >> 16) % 8u == 0)
                off = (rnd >> 20) & 0xFFFu;
            if (off + size > HV_DMA_ENGINE_LEN)
                size = 1;
        }
        uint32_t v = hostile_value(off & ~3u, &x);
        if (rnd & 0x8u)
            hv_mmio_write(&r->bus, BASE + off, size, v, HV_MMIO_OPERAND_NONE);
        else
            (void)hv_mmio_read(&r->bus, BASE + off, size, HV_MMIO_OPERAND_NONE);
        uint32_t st = r->eng.status;
        CHECK(st <= 2);
        if (st > 2)
            break;
        done += st == 1;
        errors += st == 2;
        /* The level is exactly IE && STATUS != 0, and was signalled. */
        CHECK_EQ(r->irq_level, ((r->eng.ctrl & 4u) && st) ? 1 : 0);
        CHECK_EQ(r->eng.ctrl & ~4u, 0); /* only IE is ever kept */
    }
    CHECK(r->max_len <= HV_DMA_ENGINE_MAX_LEN);
    CHECK_EQ(rd(r, R_ID), HV_DMA_ENGINE_ID);
    CHECK_EQ(rd(r, R_BDF), BDF);
    /* Not vacuous: transfers were asked of the window, and both outcomes
     * were seen. */
    CHECK(r->reads > 100);
    CHECK(r->writes > 100);
    CHECK(done > 0);
    CHECK(errors > 0);
}

static const check_test tests[] = {
    {"power_on", test_power_on},
    {"copy", test_copy},
    {"fill", test_fill},
    {"refused_window", test_refused_window},
    {"len_limit", test_len_limit},
    {"interrupt", test_interrupt},
    {"bad_accesses", test_bad_accesses},
    {"hostile", test_hostile},
    {NULL, NULL},
};
CHECK_MAIN(tests)
