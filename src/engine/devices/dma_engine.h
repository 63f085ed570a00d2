/* hvlab engine: a minimal bus-master DMA engine, the device a scenario
 * assigns to a VM (passthrough; FIDELITY.md "Device emulation",
 * behaviour 12). One 4 KiB MMIO page at HV_DMA_ENGINE_BASE, IRQ 10.
 *
 * The guest programs SRC, DST and LEN and starts a copy or a fill; the
 * engine moves the bytes at once (no modelled time) through the hv_dma
 * window the VM gives it: an IOMMU domain for an assigned device, or raw
 * host-physical addresses without one. The window checks each transfer
 * whole and emits the DMA / IOMMU_FAULT events; the engine only reports
 * the outcome in STATUS.
 *
 * Registers (32 bits; 1-, 2- and 4-byte accesses inside one register act
 * on those bytes of it; an access straddling two registers is refused):
 *
 *   0x00 ID       RO  0x414D4448 ("HDMA" in memory)
 *   0x04 SRC      RW  bus address the copy reads
 *   0x08 DST      RW  bus address the copy or fill writes
 *   0x0C LEN      RW  bytes, at most HV_DMA_ENGINE_MAX_LEN (64 KiB); a
 *                     larger value is kept but refused at start
 *   0x10 CTRL     RW  bits 1:0 start a command (1 COPY SRC -> DST, 2 FILL
 *                     DST with PATTERN; 0 none; 3 is refused), bit 2 IE
 *                     (interrupt on completion, kept); reads back IE.
 *                     Bits 31:3 reserved: a write setting any is refused
 *                     whole (nothing starts, IE unchanged)
 *   0x14 STATUS   RO  bit 0 DONE, bit 1 ERROR (refused): 0 idle, 1 done,
 *                     2 error; each command sets exactly one of them
 *   0x18 PATTERN  RW  the fill byte (bits 7:0; the upper bits read 0)
 *   0x1C BDF      RO  the requester ID the engine was given
 *   0x20 ACK      WO  write-1-to-clear STATUS: bit 0 clears DONE, bit 1
 *                     ERROR (write back what STATUS read); reads 0
 *
 * The interrupt line is level-triggered and high while IE is set and
 * STATUS is not 0 (a refused command completes too, with ERROR): ACK or
 * clearing IE lowers it. A copy reads the whole source into a bounce
 * buffer, then writes it whole, so overlapping SRC/DST behave like
 * memmove; if the window refuses either transfer STATUS is ERROR and no
 * destination byte changed. LEN 0 is done at once without touching the
 * window.
 *
 * Guest errors (GUEST_ERROR HV_GERR_DEVICE, addr (HV_DEV_DMA_ENGINE << 16
 * | offset)): writes to ID, STATUS or BDF; reads of ACK; offsets past ACK;
 * straddling accesses; reserved CTRL bits and command 3 (at CTRL, the
 * value written); LEN over 64 KiB at start (at LEN, value LEN).
 */
#ifndef HV_DMA_ENGINE_H
#define HV_DMA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "dma.h"

#define HV_DMA_ENGINE_BASE 0xFEB02000u /* one 4 KiB MMIO page */
#define HV_DMA_ENGINE_LEN 0x1000u
#define HV_DMA_ENGINE_IRQ 10
#define HV_DMA_ENGINE_ID 0x414D4448u /* "HDMA" */
#define HV_DMA_ENGINE_MAX_LEN 0x10000u

typedef struct hv_dma_engine {
    uint32_t src, dst, len;
    uint32_t ctrl;   /* the kept bit: IE */
    uint32_t status; /* DONE | ERROR bits */
    uint8_t pattern;
    uint16_t bdf;
    int irq_level;
    hv_dma dma;
    void (*set_irq)(void *ctx, int level);
    void *ctx;
    hv_emitter emit;
    uint8_t bounce[HV_DMA_ENGINE_MAX_LEN]; /* a copy's bytes in flight */
} hv_dma_engine;

extern const hv_device_ops hv_dma_engine_ops;

/* Wires the engine (requester ID, memory window, interrupt line, events)
 * and resets it; set_irq may be NULL. */
void hv_dma_engine_init(hv_dma_engine *d, uint16_t bdf, hv_dma dma,
                        void (*set_irq)(void *ctx, int level), void *ctx,
                        hv_emitter emit);

#endif
