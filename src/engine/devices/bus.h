/* hvlab engine: the port-I/O bus and the device ops (QEMU MemoryRegionOps
 * shape, STYLE.md practice 4).
 *
 * A device claims a range of ports; its read/write get region-relative
 * offsets. Every access is an IO_IN/IO_OUT event whose `reg` field is
 * (device kind << 8 | offset), so the one formatter can decode it later
 * with the device's regname/describe without the device's state. A port no
 * device claims reads as all ones (as on a PC's ISA bus and in QEMU) and
 * is logged as a guest error; writes to it are dropped.
 *
 * Access sizes: `sizes` says which widths a device's read/write handle
 * (QEMU's `.impl`). The bus adapts every 1/2/4-byte IN/OUT to them the way
 * the PC's bus does and QEMU's memory core does for aligned accesses: it
 * splits the access into the widest pieces the device takes, little-endian
 * (a 2-byte OUT of 0x4241 to a byte-wide UART at 0x3F8 is THR <- 0x41 then
 * IER <- 0x42), bounded by the alignment of the offset and by the end of
 * the region; bytes past the region go to whatever owns those ports. The
 * guest's access is still one event (one IN/OUT, one exit).
 *
 * Event order: IO_OUT is emitted before the device sees the write (so what
 * the write causes, console bytes, IRQ edges, the VM's end, follows it in
 * the stream); IO_IN after the device answered (it carries the value).
 * GUEST_ERROR for unclaimed ports follows the IO event it belongs to.
 */
#ifndef HV_BUS_H
#define HV_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../emit.h"
#include "../hv.h"

/* Device kinds, one per device model (index into the kinds table). */
typedef enum hv_device_kind {
    HV_DEV_UART16550 = 1,
    HV_DEV_DEBUG_EXIT = 2,
    HV_DEV_PIC8259 = 3,
    HV_DEV_PIT8254 = 4,
    HV_DEV_MMIO_TEST = 5,
    HV_DEV_NE2000 = 6,
    HV_DEV_VIRTIO_MMIO = 7,
    HV_DEV_FDC = 8,
    HV_DEV_DMA_ENGINE = 9,
    HV_DEV__COUNT
} hv_device_kind;

typedef struct hv_device_ops {
    const char *name;   /* "uart16550" */
    hv_device_kind kind;
    /* Access sizes read/write handle: bit n set = 2^n bytes (so 1|2|4 is
     * all three). Must include 1: the bus splits wider accesses, never
     * narrower ones. */
    unsigned sizes;
    /* Region-relative reads and writes; never fail, never abort: a bad
     * access is a GUEST_ERROR event and a defined value. */
    uint32_t (*read)(void *opaque, uint32_t offset, unsigned size);
    void (*write)(void *opaque, uint32_t offset, unsigned size,
                  uint32_t value);
    /* Power-on state; may be NULL (no state). */
    void (*reset)(void *opaque);
    /* Register name at `offset` for this direction ("THR", "LSR"), NULL
     * past the device's registers; may be NULL. */
    const char *(*regname)(uint32_t offset, bool is_write);
    /* Decoded meaning of a value, stateless ("'h'", "0x60 (THRE|TEMT)");
     * returns what snprintf returns, or a negative value for "nothing to
     * decode" (the formatter then prints the value in hex); may be NULL. */
    int (*describe)(uint32_t offset, bool is_write, uint32_t value,
                    char *buf, size_t len);
} hv_device_ops;

/* The ops of a device kind, or NULL (for the formatter). */
const hv_device_ops *hv_device_kind_ops(uint32_t kind);

#define HV_BUS_MAX_REGIONS 16

typedef struct hv_io_region {
    uint16_t base, len;
    const hv_device_ops *ops;
    void *opaque;
    bool in_kernel; /* the hypervisor's kernel emulates it (KVM's in-kernel
                       irqchip): an exit without a user-space trip */
} hv_io_region;

typedef struct hv_bus {
    hv_io_region regions[HV_BUS_MAX_REGIONS];
    unsigned nregions;
    hv_emitter emit;
} hv_bus;

/* An IO event's reg holds the offset in 8 bits. */
#define HV_BUS_MAX_REGION_LEN 256

void hv_bus_init(hv_bus *bus, hv_emitter emit);
/* Errors: HV_ERR_ARG (overlap, empty, past 0xFFFF, longer than
 * HV_BUS_MAX_REGION_LEN, NULL ops/read/write, sizes without 1),
 * HV_ERR_NOMEM (HV_BUS_MAX_REGIONS already). */
hv_err hv_bus_add(hv_bus *bus, uint16_t base, uint16_t len,
                  const hv_device_ops *ops, void *opaque);
void hv_bus_reset(hv_bus *bus);
/* Marks the region at `base` as emulated in the hypervisor's kernel.
 * Errors: HV_ERR_ARG (no region starts there). */
hv_err hv_bus_set_in_kernel(hv_bus *bus, uint16_t base);
/* Whether `port` belongs to such a region. */
bool hv_bus_in_kernel(const hv_bus *bus, uint16_t port);
/* One IN/OUT of `size` (1, 2, 4) bytes: dispatches and emits the event.
 * OUT masks `value` to `size`. Any other size is a caller bug: nothing is
 * dispatched, IN returns 0xFFFFFFFF, and a GUEST_ERROR (HV_GERR_UNSUPPORTED,
 * port, size) shows it in the log. */
uint32_t hv_bus_in(hv_bus *bus, uint16_t port, unsigned size);
void hv_bus_out(hv_bus *bus, uint16_t port, unsigned size, uint32_t value);

/* Decodes an IO_IN/IO_OUT event's access for the log:
 * "OUT 0x3F8 THR 'h'", "IN 0x3FD LSR -> 0x60 (THRE|TEMT)",
 * "IN 0x80 -> 0xFF (unclaimed)"; an access the bus split lists its pieces:
 * "OUT 0x3F8 0x4241: THR 'A', IER 0x42 (ETBEI)". Returns what snprintf
 * returns. */
int hv_bus_format_access(bool is_write, uint32_t port, uint32_t size,
                         uint32_t value, uint32_t reg, char *buf,
                         size_t len);

#endif
