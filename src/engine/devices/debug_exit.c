/* hvlab engine: the exit device (see debug_exit.h), after QEMU's
 * hw/misc/debugexit.c: any write ends the machine with the value written,
 * reads return 0, and there is no state to reset. QEMU takes 1-, 2- and
 * 4-byte accesses whole (.valid 1..4), so the value is the full access
 * (masked to its size), not a byte of it.
 */
#include "debug_exit.h"

#include <stdio.h>

static uint32_t debug_exit_read(void *opaque, uint32_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0; /* FIDELITY.md: "reading the port returns 0" */
}

static void debug_exit_write(void *opaque, uint32_t offset, unsigned size,
                             uint32_t value)
{
    hv_debug_exit *d = opaque;
    (void)offset; /* every port of the region is the same latch */
    if (size < 4)
        value &= (1u << (8 * size)) - 1u;
    if (d->on_exit)
        d->on_exit(d->ctx, value);
}

static void debug_exit_reset(void *opaque)
{
    (void)opaque; /* no registers: nothing to power on */
}

static const char *debug_exit_regname(uint32_t offset, bool is_write)
{
    (void)is_write;
    return offset < 4 ? "EXIT" : NULL; /* 0xF4..0xF7 with iosize=4 */
}

/* "0x01 (QEMU exits with 3)": the status QEMU's process reports,
 * ((v << 1) | 1) & 0xFF, so a lesson can compare it with the oracle. */
static int debug_exit_describe(uint32_t offset, bool is_write, uint32_t value,
                               char *buf, size_t len)
{
    (void)offset;
    if (!is_write)
        return -1; /* always 0: nothing to decode */
    return snprintf(buf, len, "0x%02X (QEMU exits with %u)", (unsigned)value,
                    (unsigned)(((value << 1) | 1u) & 0xFFu));
}

const hv_device_ops hv_debug_exit_ops = {
    .name = "debug-exit",
    .kind = HV_DEV_DEBUG_EXIT,
    .sizes = 1u | 2u | 4u,
    .read = debug_exit_read,
    .write = debug_exit_write,
    .reset = debug_exit_reset,
    .regname = debug_exit_regname,
    .describe = debug_exit_describe,
};
