/* hvlab engine: the exit device (QEMU's isa-debug-exit at 0xF4, 4 ports):
 * a write of v ends the VM with guest exit value v; QEMU's process then
 * exits with ((v << 1) | 1) & 0xFF (FIDELITY.md). Reads return 0. */
#ifndef HV_DEBUG_EXIT_H
#define HV_DEBUG_EXIT_H

#include <stdint.h>

#include "bus.h"

typedef struct hv_debug_exit {
    void (*on_exit)(void *ctx, uint32_t value);
    void *ctx;
} hv_debug_exit;

extern const hv_device_ops hv_debug_exit_ops;

#endif
