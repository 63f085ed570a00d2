/* hvlab engine: the port-I/O bus (see bus.h).
 *
 * HOW IT WORKS
 * A region claims [base, base + len) for one device. An IN/OUT walks its
 * bytes from the lowest port: each piece goes to the region that owns its
 * first port, as wide as the device takes (ops->sizes), no wider than the
 * alignment of its offset allows and never past the region's end (as QEMU's
 * memory_access_size() bounds a piece); a port nobody owns is one byte of
 * 0xFF. Read pieces are put together little-endian. So a word OUT to the
 * byte-wide UART is two byte writes, as the ISA bus cycles it and as QEMU's
 * access_with_adjusted_size() does for the UART's `.impl` of 1 byte.
 *
 * Split or refuse? Split: real PCs split, QEMU splits aligned accesses and,
 * under KVM, unaligned ones too. Only QEMU under TCG refuses an unaligned
 * wide access to the UART (memory_region_access_valid(): "unaligned",
 * reads 0), an artefact of its softmmu helpers, so oracle tests keep to
 * byte accesses there.
 *
 * The guest's instruction is one event, whatever the pieces: the counters
 * count exits from IO events (FIDELITY.md "Device emulation": one exit per
 * non-repeated IN/OUT).
 */
#include "bus.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "debug_exit.h"
#include "fmt.h"
#include "dma_engine.h"
#include "fdc.h"
#include "mmio_test.h"
#include "ne2000.h"
#include "virtio_mmio.h"
#include "pic8259.h"
#include "pit8254.h"
#include "uart16550.h"

/* Ports are 16 bits; a multi-byte access at 0xFFFF runs past the end of
 * the I/O space, which nobody claims (QEMU's io space is 64 KiB too). */
#define BUS_PORT_END 0x10000u
#define BUS_NO_PORT 0xFFFFFFFFu /* "no unclaimed port in this access" */

const hv_device_ops *hv_device_kind_ops(uint32_t kind)
{
    switch (kind) {
    case HV_DEV_UART16550:
        return &hv_uart16550_ops;
    case HV_DEV_DEBUG_EXIT:
        return &hv_debug_exit_ops;
    case HV_DEV_PIC8259:
        return &hv_pic8259_ops;
    case HV_DEV_PIT8254:
        return &hv_pit8254_ops;
    case HV_DEV_MMIO_TEST:
        return &hv_mmio_test_ops;
    case HV_DEV_FDC:
        return &hv_fdc_ops;
    case HV_DEV_NE2000:
        return &hv_ne2000_ops;
    case HV_DEV_VIRTIO_MMIO:
        return &hv_virtio_mmio_ops;
    case HV_DEV_DMA_ENGINE:
        return &hv_dma_engine_ops;
    default:
        return NULL;
    }
}

static uint32_t bus_mask(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1u;
}

static bool bus_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4;
}

/* Width of the next piece at region offset `offset`: the widest size the
 * device takes that fits in `left` bytes of the access and `room` bytes of
 * the region and that the offset's alignment allows. Always >= 1, since
 * every device takes bytes (hv_bus_add checks). */
static unsigned bus_piece(unsigned sizes, uint32_t offset, unsigned left,
                          uint32_t room)
{
    for (unsigned n = 4; n > 1; n >>= 1) {
        if ((sizes & n) && n <= left && n <= room && (offset & (n - 1)) == 0)
            return n;
    }
    return 1;
}

static const hv_io_region *bus_find(const hv_bus *bus, uint32_t port)
{
    if (port >= BUS_PORT_END)
        return NULL;
    for (unsigned i = 0; i < bus->nregions; i++) {
        const hv_io_region *r = &bus->regions[i];
        if (port >= r->base && port < (uint32_t)r->base + r->len)
            return r;
    }
    return NULL;
}

/* The event's reg field: device kind and offset of the access's first
 * port, or 0 when nobody owns it. */
static uint32_t bus_reg(const hv_io_region *r, uint32_t port)
{
    if (!r)
        return 0;
    return ((uint32_t)r->ops->kind << 8) | (port - r->base);
}

void hv_bus_init(hv_bus *bus, hv_emitter emit)
{
    memset(bus, 0, sizeof(*bus));
    bus->emit = emit;
}

hv_err hv_bus_add(hv_bus *bus, uint16_t base, uint16_t len,
                  const hv_device_ops *ops, void *opaque)
{
    if (!bus || !ops || !ops->read || !ops->write || !(ops->sizes & 1u))
        return HV_ERR_ARG;
    if (len == 0 || len > HV_BUS_MAX_REGION_LEN ||
        (uint32_t)base + len > BUS_PORT_END)
        return HV_ERR_ARG;
    for (unsigned i = 0; i < bus->nregions; i++) {
        const hv_io_region *r = &bus->regions[i];
        if (base < (uint32_t)r->base + r->len &&
            r->base < (uint32_t)base + len)
            return HV_ERR_ARG;
    }
    if (bus->nregions >= HV_BUS_MAX_REGIONS)
        return HV_ERR_NOMEM;
    bus->regions[bus->nregions++] = (hv_io_region){
        .base = base, .len = len, .ops = ops, .opaque = opaque};
    return HV_OK;
}

hv_err hv_bus_set_in_kernel(hv_bus *bus, uint16_t base)
{
    for (unsigned i = 0; i < bus->nregions; i++)
        if (bus->regions[i].base == base) {
            bus->regions[i].in_kernel = true;
            return HV_OK;
        }
    return HV_ERR_ARG;
}

bool hv_bus_in_kernel(const hv_bus *bus, uint16_t port)
{
    const hv_io_region *r = bus_find(bus, port);
    return r && r->in_kernel;
}

void hv_bus_reset(hv_bus *bus)
{
    for (unsigned i = 0; i < bus->nregions; i++) {
        const hv_io_region *r = &bus->regions[i];
        if (r->ops->reset)
            r->ops->reset(r->opaque);
    }
}

uint32_t hv_bus_in(hv_bus *bus, uint16_t port, unsigned size)
{
    if (!bus_size_ok(size)) {
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, port,
                size, 0);
        return 0xFFFFFFFFu;
    }
    uint32_t value = 0, reg = bus_reg(bus_find(bus, port), port);
    uint32_t unclaimed = BUS_NO_PORT; /* first port nobody owns */
    unsigned n;
    for (unsigned done = 0; done < size; done += n) {
        uint32_t p = (uint32_t)port + done;
        const hv_io_region *r = bus_find(bus, p);
        uint32_t piece;
        if (!r) {
            /* Nobody drives the data lines: the ISA bus floats high, and
             * QEMU's unassigned_io_read() returns all ones too. */
            n = 1;
            piece = 0xFF;
            if (unclaimed == BUS_NO_PORT)
                unclaimed = p;
        } else {
            uint32_t off = p - r->base;
            n = bus_piece(r->ops->sizes, off, size - done,
                          (uint32_t)r->base + r->len - p);
            piece = r->ops->read(r->opaque, off, n) & bus_mask(n);
        }
        value |= piece << (8 * done);
    }
    hv_emit(&bus->emit, HV_EV_IO_IN, port, size, value, reg);
    if (unclaimed != BUS_NO_PORT)
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED,
                unclaimed, value, 0);
    return value;
}

void hv_bus_out(hv_bus *bus, uint16_t port, unsigned size, uint32_t value)
{
    if (!bus_size_ok(size)) {
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, port,
                size, 0);
        return;
    }
    value &= bus_mask(size);
    hv_emit(&bus->emit, HV_EV_IO_OUT, port, size, value,
            bus_reg(bus_find(bus, port), port));
    uint32_t unclaimed = BUS_NO_PORT;
    unsigned n;
    for (unsigned done = 0; done < size; done += n) {
        uint32_t p = (uint32_t)port + done;
        const hv_io_region *r = bus_find(bus, p);
        if (!r) {
            n = 1; /* dropped: no device latches it */
            if (unclaimed == BUS_NO_PORT)
                unclaimed = p;
            continue;
        }
        uint32_t off = p - r->base;
        n = bus_piece(r->ops->sizes, off, size - done,
                      (uint32_t)r->base + r->len - p);
        r->ops->write(r->opaque, off, n, (value >> (8 * done)) & bus_mask(n));
    }
    if (unclaimed != BUS_NO_PORT)
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_IO_UNCLAIMED,
                unclaimed, value, 0);
}

/* One piece: "THR 'h'" or, for IN, "LSR -> 0x60 (THRE|TEMT)"; a port the
 * device does not name (past its registers) is shown by number. */
static void bus_format_piece(hv_fmt *o, const hv_device_ops *ops,
                             bool is_write, uint32_t port, uint32_t offset,
                             unsigned n, uint32_t value, bool with_arrow)
{
    const char *name = ops->regname ? ops->regname(offset, is_write) : NULL;
    char desc[96]; /* a truncated description is still a description */
    int d = -1;
    if (name && ops->describe)
        d = ops->describe(offset, is_write, value, desc, sizeof(desc));
    if (d < 0)
        snprintf(desc, sizeof(desc), "0x%0*X", (int)(2 * n), (unsigned)value);
    if (name)
        hv_fmt_printf(o, "%s ", name);
    else
        hv_fmt_printf(o, "0x%X ", (unsigned)port);
    hv_fmt_printf(o, "%s%s", with_arrow ? "-> " : "", desc);
}

int hv_bus_format_access(bool is_write, uint32_t port, uint32_t size,
                         uint32_t value, uint32_t reg, char *buf, size_t len)
{
    hv_fmt o = {.buf = buf, .len = len, .pos = 0};
    const char *dir = is_write ? "OUT" : "IN";
    unsigned sz = bus_size_ok(size) ? size : 4;
    value &= bus_mask(sz);
    if (len > 0)
        buf[0] = '\0';

    const hv_device_ops *ops = hv_device_kind_ops(reg >> 8);
    if (!ops) {
        hv_fmt_printf(&o, "%s 0x%X %s0x%0*X (unclaimed)", dir, (unsigned)port,
                   is_write ? "" : "-> ", (int)(2 * sz), (unsigned)value);
        return (int)o.pos;
    }

    uint32_t offset = reg & 0xFFu;
    unsigned first = bus_piece(ops->sizes, offset, sz, sz);
    if (first == sz) {
        hv_fmt_printf(&o, "%s 0x%X ", dir, (unsigned)port);
        bus_format_piece(&o, ops, is_write, port, offset, sz, value,
                         !is_write);
        return (int)o.pos;
    }

    /* Split access: the whole value, then the pieces the bus made of it
     * (assuming the access stays in the first byte's region). */
    hv_fmt_printf(&o, "%s 0x%X %s0x%0*X:", dir, (unsigned)port,
               is_write ? "" : "-> ", (int)(2 * sz), (unsigned)value);
    unsigned n;
    for (unsigned done = 0; done < sz; done += n) {
        n = bus_piece(ops->sizes, offset + done, sz - done, sz - done);
        hv_fmt_printf(&o, "%s ", done ? "," : "");
        bus_format_piece(&o, ops, is_write, port + done, offset + done, n,
                         (value >> (8 * done)) & bus_mask(n), false);
    }
    return (int)o.pos;
}
