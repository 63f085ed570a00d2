/* hvlab engine: the lesson MMIO device, one 4 KiB page at
 * HV_MMIO_TEST_BASE (docs/devices.md). Registers (32-bit, any of 1, 2, 4
 * bytes at the register's offset):
 *
 *   0x00 ID       read-only, 0x4D4C5648 ("HVLM" in memory)
 *   0x04 SCRATCH  read/write
 *   0x08 WRITES   read-only: how many writes SCRATCH has taken, so a guest
 *                 can prove that every store reached the device
 *   0x0C TX       write-only: the low byte goes to the VM's console, as a
 *                 framebuffer-like output through memory instead of ports
 *
 * Anything else reads 0 and is a logged device error, as are writes to the
 * read-only registers and reads of TX. */
#ifndef HV_MMIO_TEST_H
#define HV_MMIO_TEST_H

#include <stdint.h>

#include "bus.h"

#define HV_MMIO_TEST_ID 0x4D4C5648u
#define HV_MMIO_TEST_LEN 0x1000u

typedef struct hv_mmio_test {
    uint32_t scratch, writes;
    void (*tx)(void *ctx, uint8_t byte);
    void *ctx;
    hv_emitter emit;
} hv_mmio_test;

extern const hv_device_ops hv_mmio_test_ops;

void hv_mmio_test_init(hv_mmio_test *d, void (*tx)(void *, uint8_t), void *ctx,
                       hv_emitter emit);

#endif
