/* hvlab engine: logging the accesses a device refuses without flooding
 * the log. A REP string instruction can repeat one refused access
 * millions of times in one exit (the VENOM flood, a `rep insw` from a byte
 * register): the first of a run of refusals is a GUEST_ERROR event, then
 * one per 4096 more; the first access the device takes ends the run. */
#ifndef HV_DEV_REFUSALS_H
#define HV_DEV_REFUSALS_H

#include <stdbool.h>
#include <stdint.h>

#include "../emit.h"

typedef struct hv_refusals {
    uint32_t run; /* refused accesses in a row */
    bool now;     /* the access in progress was refused */
} hv_refusals;

/* A refused access; `reg` is the event's register field (kind << 8 |
 * offset for port devices, kind << 16 | offset for MMIO ones). */
static inline void hv_refuse(hv_refusals *r, const hv_emitter *emit,
                             uint32_t reg, uint32_t value)
{
    bool log = (r->run & 0xFFFu) == 0;
    r->run++;
    r->now = true;
    if (log)
        hv_emit(emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE, reg, value, 0);
}

/* After each access of the guest: one the device took ends the run. */
static inline void hv_refusals_done(hv_refusals *r)
{
    if (!r->now)
        r->run = 0;
    r->now = false;
}

#endif
