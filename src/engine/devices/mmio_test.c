/* hvlab engine: the lesson MMIO device (see mmio_test.h).
 *
 * Deliberately small: it exists so that a lesson can show what an MMIO
 * access costs under each paging mode (FIDELITY.md behaviour 10), not to
 * model a real chip. Registers are 32 bits wide; an access of 1 or 2
 * bytes inside one reads or writes those bytes of it (as a PCI BAR's
 * registers usually behave). */
#include "mmio_test.h"

#include <stdio.h>
#include <string.h>

#include "mmio_bus.h"

enum {
    MT_ID = 0x00,
    MT_SCRATCH = 0x04,
    MT_WRITES = 0x08,
    MT_TX = 0x0C,
    MT_END = 0x10,
};

static void mt_error(hv_mmio_test *d, uint32_t offset, uint32_t value)
{
    hv_emit(&d->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_MMIO_TEST << 16) | offset, value, 0);
}

static uint32_t mt_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_mmio_test *d = opaque;
    uint32_t reg = offset & ~3u, shift = 8 * (offset & 3u), v;
    switch (offset >= MT_END ? MT_END : reg) {
    case MT_ID: v = HV_MMIO_TEST_ID; break;
    case MT_SCRATCH: v = d->scratch; break;
    case MT_WRITES: v = d->writes; break;
    default: /* TX is write-only; past the registers nothing answers */
        mt_error(d, offset, 0);
        return 0;
    }
    (void)size;
    return v >> shift;
}

static void mt_write(void *opaque, uint32_t offset, unsigned size,
                     uint32_t value)
{
    hv_mmio_test *d = opaque;
    uint32_t reg = offset & ~3u, shift = 8 * (offset & 3u);
    uint32_t mask = (size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1u)
                    << shift;
    switch (offset >= MT_END ? MT_END : reg) {
    case MT_SCRATCH:
        d->scratch = (d->scratch & ~mask) | ((value << shift) & mask);
        d->writes++;
        break;
    case MT_TX:
        if (shift == 0 && d->tx)
            d->tx(d->ctx, (uint8_t)value);
        else if (shift)
            mt_error(d, offset, value);
        break;
    default: /* ID and WRITES are read-only */
        mt_error(d, offset, value);
        break;
    }
}

static void mt_reset(void *opaque)
{
    hv_mmio_test *d = opaque;
    d->scratch = 0;
    d->writes = 0;
}

static const char *mt_regname(uint32_t offset, bool is_write)
{
    (void)is_write;
    static const char *const names[4] = {"ID", "SCRATCH", "WRITES", "TX"};
    return offset < MT_END ? names[offset / 4] : NULL;
}

static int mt_describe(uint32_t offset, bool is_write, uint32_t value,
                       char *buf, size_t len)
{
    if (offset == MT_TX && is_write) {
        uint8_t c = (uint8_t)value;
        return c >= 0x20 && c < 0x7F ? snprintf(buf, len, "'%c'", c)
                                     : snprintf(buf, len, "'\\x%02X'", c);
    }
    return -1;
}

void hv_mmio_test_init(hv_mmio_test *d, void (*tx)(void *, uint8_t), void *ctx,
                       hv_emitter emit)
{
    memset(d, 0, sizeof *d);
    d->tx = tx;
    d->ctx = ctx;
    d->emit = emit;
}

const hv_device_ops hv_mmio_test_ops = {
    .name = "mmio_test",
    .kind = HV_DEV_MMIO_TEST,
    .sizes = 1u | 2u | 4u,
    .read = mt_read,
    .write = mt_write,
    .reset = mt_reset,
    .regname = mt_regname,
    .describe = mt_describe,
};
