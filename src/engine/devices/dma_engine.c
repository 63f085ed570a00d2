/* hvlab engine: the bus-master DMA engine (see dma_engine.h).
 *
 * Shaped like QEMU's MMIO devices (hw/char/serial.c; STYLE.md practice
 * 4): region-relative offsets, one update_irq() that derives the line from
 * register state, bad guest accesses logged as guest errors with a defined
 * result. Every guest-controlled length is checked before a byte moves
 * (FIDELITY.md "Device emulation", the VENOM lesson): LEN is refused above
 * the bounce buffer's size, and addresses are the window's to refuse.
 */
#include "dma_engine.h"

#include <stdio.h>
#include <string.h>

enum {
    DE_ID = 0x00,
    DE_SRC = 0x04,
    DE_DST = 0x08,
    DE_LEN = 0x0C,
    DE_CTRL = 0x10,
    DE_STATUS = 0x14,
    DE_PATTERN = 0x18,
    DE_BDF = 0x1C,
    DE_ACK = 0x20,
    DE_END = 0x24,
};

enum {
    DE_CMD_MASK = 0x3u, /* CTRL bits 1:0: the command */
    DE_CMD_COPY = 0x1u,
    DE_CMD_FILL = 0x2u,
    DE_CTRL_IE = 0x4u,
    DE_CTRL_VALID = 0x7u,
    DE_ST_DONE = 0x1u,
    DE_ST_ERROR = 0x2u,
};

static void de_error(hv_dma_engine *d, uint32_t offset, uint32_t value)
{
    hv_emit(&d->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_DMA_ENGINE << 16) | offset, value, 0);
}

/* The one place the line is derived: completion (DONE or ERROR) latched
 * in STATUS and interrupts enabled. Level-triggered, like a PCI INTx. */
static void de_update_irq(hv_dma_engine *d)
{
    d->irq_level = (d->ctrl & DE_CTRL_IE) && d->status != 0;
    if (d->set_irq)
        d->set_irq(d->ctx, d->irq_level);
}

/* One command, run to completion at once. Returns true when done. Both
 * transfers go through the window, which checks each whole before it
 * copies (dma.h): a refused read leaves the write unattempted, a refused
 * write copies nothing, so the destination is untouched either way. */
static bool de_run(hv_dma_engine *d, uint32_t cmd)
{
    uint32_t len = d->len;
    if (len > HV_DMA_ENGINE_MAX_LEN) {
        de_error(d, DE_LEN, len); /* refused, never clamped: nothing moves */
        return false;
    }
    if (len == 0)
        return true;
    if (!d->dma.write)
        return false; /* no window wired: nothing reachable */
    if (cmd == DE_CMD_COPY) {
        if (!d->dma.read || !d->dma.read(d->dma.ctx, d->src, d->bounce, len))
            return false;
    } else {
        memset(d->bounce, d->pattern, len);
    }
    return d->dma.write(d->dma.ctx, d->dst, d->bounce, len);
}

static void de_write_ctrl(hv_dma_engine *d, uint32_t offset, uint32_t value,
                          uint32_t merged)
{
    if (merged & ~(uint32_t)DE_CTRL_VALID) {
        de_error(d, offset, value); /* reserved bits: the write is dropped */
        return;
    }
    d->ctrl = merged & DE_CTRL_IE;
    uint32_t cmd = merged & DE_CMD_MASK;
    if (cmd == DE_CMD_COPY || cmd == DE_CMD_FILL) {
        d->status = de_run(d, cmd) ? DE_ST_DONE : DE_ST_ERROR;
    } else if (cmd == DE_CMD_MASK) {
        de_error(d, offset, value); /* COPY and FILL at once: refused */
        d->status = DE_ST_ERROR;
    }
    de_update_irq(d);
}

/* An access must stay inside one 32-bit register: the bus hands the whole
 * access to the device when it takes the size, even at offset 2. */
static bool de_straddles(uint32_t offset, unsigned size)
{
    return (offset & 3u) + size > 4u;
}

static uint32_t de_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_dma_engine *d = opaque;
    uint32_t v;
    if (de_straddles(offset, size)) {
        de_error(d, offset, 0);
        return 0;
    }
    switch (offset >= DE_END ? DE_END : offset & ~3u) {
    case DE_ID: v = HV_DMA_ENGINE_ID; break;
    case DE_SRC: v = d->src; break;
    case DE_DST: v = d->dst; break;
    case DE_LEN: v = d->len; break;
    case DE_CTRL: v = d->ctrl; break;
    case DE_STATUS: v = d->status; break;
    case DE_PATTERN: v = d->pattern; break;
    case DE_BDF: v = d->bdf; break;
    default: /* ACK is write-only; past it nothing answers */
        de_error(d, offset, 0);
        return 0;
    }
    return v >> (8u * (offset & 3u));
}

static void de_write(void *opaque, uint32_t offset, unsigned size,
                     uint32_t value)
{
    hv_dma_engine *d = opaque;
    if (de_straddles(offset, size)) {
        de_error(d, offset, value);
        return;
    }
    uint32_t shift = 8u * (offset & 3u);
    uint32_t mask = (size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1u)
                    << shift;
    uint32_t bits = (value << shift) & mask; /* the bytes written, in place */
    switch (offset >= DE_END ? DE_END : offset & ~3u) {
    case DE_SRC: d->src = (d->src & ~mask) | bits; break;
    case DE_DST: d->dst = (d->dst & ~mask) | bits; break;
    case DE_LEN: d->len = (d->len & ~mask) | bits; break;
    case DE_PATTERN: d->pattern = (uint8_t)((d->pattern & ~mask) | bits); break;
    case DE_CTRL:
        de_write_ctrl(d, offset, value, (d->ctrl & ~mask) | bits);
        break;
    case DE_ACK: /* write-1-to-clear, as PCI status registers */
        d->status &= ~bits;
        de_update_irq(d);
        break;
    default: /* ID, STATUS, BDF are read-only; past ACK nothing answers */
        de_error(d, offset, value);
        break;
    }
}

/* Power-on: no command latched, interrupts off, the line low. The wiring
 * (BDF, window, line, emitter) stays: it is the slot, not the device. */
static void de_reset(void *opaque)
{
    hv_dma_engine *d = opaque;
    d->src = d->dst = d->len = 0;
    d->ctrl = 0;
    d->status = 0;
    d->pattern = 0;
    de_update_irq(d);
}

static const char *de_regname(uint32_t offset, bool is_write)
{
    static const char *const names[DE_END / 4] = {
        "ID", "SRC", "DST", "LEN", "CTRL", "STATUS", "PATTERN", "BDF", "ACK",
    };
    (void)is_write;
    return offset < DE_END ? names[offset / 4] : NULL;
}

/* "0x5 (COPY|IE)": the value, then the names of its known bits. */
static int de_flags(char *buf, size_t len, uint32_t v,
                    const char *const names[3])
{
    char list[32] = "";
    for (unsigned bit = 0; bit < 3; bit++) {
        if ((v & (1u << bit)) && names[bit]) {
            if (list[0])
                strcat(list, "|");
            strcat(list, names[bit]);
        }
    }
    if (v & ~7u)
        strcat(list, list[0] ? "|reserved" : "reserved");
    return snprintf(buf, len, "0x%X (%s)", v, list[0] ? list : "none");
}

static int de_describe(uint32_t offset, bool is_write, uint32_t value,
                       char *buf, size_t len)
{
    static const char *const ctrl[3] = {"COPY", "FILL", "IE"};
    static const char *const status[3] = {"DONE", "ERROR", NULL};
    switch (offset) {
    case DE_ID:
        return is_write ? -1
                        : snprintf(buf, len, "0x%08X (%s)", value,
                                   value == HV_DMA_ENGINE_ID ? "'HDMA'" : "?");
    case DE_CTRL: return de_flags(buf, len, value, ctrl);
    case DE_STATUS:
    case DE_ACK:
        return value ? de_flags(buf, len, value, status)
                     : snprintf(buf, len, "0x0 (idle)");
    case DE_BDF: /* bus:device.function, as lspci prints it */
        return snprintf(buf, len, "0x%04X (%02X:%02X.%u)", value & 0xFFFFu,
                        (value >> 8) & 0xFFu, (value >> 3) & 0x1Fu, value & 7u);
    case DE_LEN:
        if (value > HV_DMA_ENGINE_MAX_LEN)
            return snprintf(buf, len, "0x%X (over 64 KiB)", value);
        return snprintf(buf, len, "0x%X (%u bytes)", value, value);
    default: return -1;
    }
}

void hv_dma_engine_init(hv_dma_engine *d, uint16_t bdf, hv_dma dma,
                        void (*set_irq)(void *ctx, int level), void *ctx,
                        hv_emitter emit)
{
    memset(d, 0, sizeof *d);
    d->bdf = bdf;
    d->dma = dma;
    d->set_irq = set_irq;
    d->ctx = ctx;
    d->emit = emit;
    de_reset(d);
}

const hv_device_ops hv_dma_engine_ops = {
    .name = "dma_engine",
    .kind = HV_DEV_DMA_ENGINE,
    .sizes = 1u | 2u | 4u,
    .read = de_read,
    .write = de_write,
    .reset = de_reset,
    .regname = de_regname,
    .describe = de_describe,
};
