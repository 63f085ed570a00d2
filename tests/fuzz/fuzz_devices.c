/* libFuzzer target: random port, MMIO, clock and DMA sequences at every
 * device model (FIDELITY.md behaviour 13; issue 9: every guest-controlled
 * index, length and address is clamped or refused). The devices are built
 * with ASan and UBSan: an out-of-bounds access anywhere is a crash here.
 *
 * Input: a stream of 8-byte operations
 *   op, target, offset, size, value (4 bytes little-endian)
 * op & 7: 0 port write, 1 port read, 2 MMIO write, 3 MMIO read, 4 time
 * passes (value ticks), 5 console input byte, 6 PIC line change.
 * DMA windows (the DMA engine's, virtio's) reach a 64 KiB array and refuse
 * anything outside it whole, as the VM's windows do. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/dma_engine.h"
#include "devices/fdc.h"
#include "devices/mmio_bus.h"
#include "devices/mmio_test.h"
#include "devices/ne2000.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "devices/virtio_mmio.h"

#define MEM_SIZE 0x10000u

typedef struct rig {
    hv_bus bus;
    hv_mmio_bus mmio;
    hv_pic pic;
    hv_pit pit;
    hv_uart16550 uart;
    hv_fdc fdc;
    hv_ne2000 nic;
    hv_mmio_test mt;
    hv_dma_engine dma;
    hv_virtio virtio;
    uint64_t now;
    uint8_t mem[MEM_SIZE];
} rig;

static uint64_t clock_of(void *ctx)
{
    return ((rig *)ctx)->now;
}

static void tx(void *ctx, uint8_t b)
{
    (void)ctx, (void)b;
}

static void set_intr(void *ctx, bool level)
{
    (void)ctx, (void)level;
}

static void line(void *ctx, int level)
{
    (void)ctx, (void)level;
}

static bool mem_ok(uint32_t addr, uint32_t len)
{
    return (uint64_t)addr + len <= MEM_SIZE;
}

static bool dma_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    rig *r = ctx;
    if (!mem_ok(addr, len))
        return false;
    memcpy(buf, r->mem + addr, len);
    return true;
}

static bool dma_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    rig *r = ctx;
    if (!mem_ok(addr, len))
        return false;
    memcpy(r->mem + addr, buf, len);
    return true;
}

static rig *rig_new(void)
{
    rig *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    hv_emitter none = {0};
    hv_dma dma = {dma_read, dma_write, r};
    hv_bus_init(&r->bus, none);
    hv_mmio_bus_init(&r->mmio, none);
    hv_pic_init(&r->pic, set_intr, r, none);
    hv_pit_init(&r->pit, clock_of, line, r, none);
    hv_uart16550_init(&r->uart, tx, line, r, none);
    hv_uart16550_set_clock(&r->uart, clock_of);
    hv_fdc_init(&r->fdc, line, r, none);
    const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    hv_ne2000_init(&r->nic, mac, line, r, none);
    hv_mmio_test_init(&r->mt, tx, r, none);
    hv_dma_engine_init(&r->dma, 0x18, dma, line, r, none);
    hv_virtio_init(&r->virtio, dma, tx, line, clock_of, r, none);
    if (hv_bus_add(&r->bus, 0x20, 2, &hv_pic8259_ops, &r->pic.chip[0]) ||
        hv_bus_add(&r->bus, 0xA0, 2, &hv_pic8259_ops, &r->pic.chip[1]) ||
        hv_bus_add(&r->bus, 0x40, 4, &hv_pit8254_ops, &r->pit) ||
        hv_bus_add(&r->bus, 0x3F8, 8, &hv_uart16550_ops, &r->uart) ||
        hv_bus_add(&r->bus, HV_FDC_BASE, 8, &hv_fdc_ops, &r->fdc) ||
        hv_bus_add(&r->bus, HV_NE2000_BASE, HV_NE2000_PORTS, &hv_ne2000_ops,
                   &r->nic) ||
        hv_mmio_bus_add(&r->mmio, HV_MMIO_TEST_BASE, HV_MMIO_TEST_LEN,
                        &hv_mmio_test_ops, &r->mt) ||
        hv_mmio_bus_add(&r->mmio, HV_DMA_ENGINE_BASE, HV_DMA_ENGINE_LEN,
                        &hv_dma_engine_ops, &r->dma) ||
        hv_mmio_bus_add(&r->mmio, HV_VIRTIO_BASE, 0x1000, &hv_virtio_mmio_ops,
                        &r->virtio))
        abort();
    hv_bus_reset(&r->bus);
    hv_mmio_bus_reset(&r->mmio);
    return r;
}

/* Port bases the target byte picks from; offsets run a little past each
 * region so the neighbours and unclaimed ports are hit too. */
static const uint16_t ports[] = {0x20, 0xA0, 0x40, 0x3F8, 0x3F0, 0x300, 0xF4};
static const uint32_t pages[] = {HV_MMIO_TEST_BASE, HV_DMA_ENGINE_BASE,
                                 HV_VIRTIO_BASE};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rig *r;
    if (!r)
        r = rig_new();
    /* Each input starts from power-on and from the same memory. */
    hv_bus_reset(&r->bus);
    hv_mmio_bus_reset(&r->mmio);
    memset(r->mem, 0, sizeof r->mem);
    r->now = 0;
    for (size_t i = 0; i + 8 <= size; i += 8) {
        const uint8_t *o = data + i;
        uint32_t value;
        memcpy(&value, o + 4, 4);
        unsigned sz = 1u << (o[3] & 3); /* 1, 2, 4, 8: 8 is refused */
        switch (o[0] & 7u) {
        case 0:
            if (sz <= 4)
                hv_bus_out(&r->bus,
                           (uint16_t)(ports[o[1] % 7] + (o[2] & 0x3F)), sz,
                           value);
            break;
        case 1:
            if (sz <= 4)
                hv_bus_in(&r->bus, (uint16_t)(ports[o[1] % 7] + (o[2] & 0x3F)),
                          sz);
            break;
        case 2:
            if (sz <= 4)
                hv_mmio_write(&r->mmio, pages[o[1] % 3] + (o[2] * 4u), sz,
                              value, HV_MMIO_OPERAND_NONE);
            break;
        case 3:
            if (sz <= 4)
                hv_mmio_read(&r->mmio, pages[o[1] % 3] + (o[2] * 4u), sz,
                             HV_MMIO_OPERAND_NONE);
            break;
        case 4:
            r->now += value & 0xFFFFFu;
            hv_pit_advance(&r->pit, r->now);
            hv_uart16550_advance(&r->uart, r->now);
            hv_virtio_advance(&r->virtio, r->now);
            break;
        case 5:
            if (hv_uart16550_can_receive(&r->uart))
                hv_uart16550_receive(&r->uart, o[1]);
            break;
        case 6:
            hv_pic_set_irq(&r->pic, o[1] & 15u, o[2] & 1);
            if (o[2] & 2) {
                unsigned irq;
                hv_pic_ack(&r->pic, &irq);
            }
            break;
        default:
            /* Guest memory the DMA windows see: ring and buffer contents. */
            if (mem_ok(value & 0xFFFFu, 4))
                memcpy(r->mem + (value & 0xFFFFu), o + 1, 3);
            break;
        }
    }
    return 0;
}
