/* hvlab engine: how modules below the machine emit events.
 *
 * The TLB, the devices and the MMU strategies do not know the machine; they
 * get an hv_emitter, a function and its context, and report every
 * observable action through it. The machine's emitter stamps the event
 * (seq, icount, cycles, vm), folds it into the counters and the cost model,
 * stores it in the ring and hands it to the sink.
 */
#ifndef HV_EMIT_H
#define HV_EMIT_H

#include "hv_events.h"

typedef struct hv_emitter {
    void (*fn)(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
               uint32_t c, uint32_t d);
    void *opaque;
    /* Optional: the same with field e (MMIO events); without it, e is
     * dropped. */
    void (*fn5)(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                uint32_t c, uint32_t d, uint32_t e);
} hv_emitter;

static inline void hv_emit(const hv_emitter *e, hv_event_type type,
                           uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    if (e->fn)
        e->fn(e->opaque, type, a, b, c, d);
}

static inline void hv_emit5(const hv_emitter *e, hv_event_type type,
                            uint32_t a, uint32_t b, uint32_t c, uint32_t d,
                            uint32_t f)
{
    if (e->fn5)
        e->fn5(e->opaque, type, a, b, c, d, f);
    else
        hv_emit(e, type, a, b, c, d);
}

#endif
