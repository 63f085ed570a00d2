/* hvlab engine: a device's window on memory (DMA).
 *
 * An emulated device's DMA is done by the hypervisor, which copies through
 * the VM's P2M: addresses are guest-physical and only that VM's RAM can be
 * reached. An *assigned* device (passthrough) DMAs with bus addresses the
 * guest programmed: an IOMMU domain translates them when one is configured,
 * and without one they are host-physical addresses that can name any
 * frame (FIDELITY.md "Device emulation"). The vCPU gives each device the
 * window its kind of assignment calls for; the device only sees this.
 *
 * Every transfer is a DMA event; a refused one is an IOMMU_FAULT (or
 * GUEST_ERROR) event naming the device and the address, and copies
 * nothing at all: a transfer is checked whole before any byte moves.
 */
#ifndef HV_DMA_H
#define HV_DMA_H

#include <stdbool.h>
#include <stdint.h>

typedef struct hv_dma {
    /* Copy `len` bytes from/to address `addr`; false when any byte of
     * [addr, addr + len) may not be reached (nothing is copied then).
     * `len` may be 0 (a no-op that succeeds). */
    bool (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
    bool (*write)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
    void *ctx;
} hv_dma;

#endif
