/* hvlab views: the virtio console's rings, at the foot of the I/O pane
 * (issue 9: "the I/O pane can show the three rings"). For each ready
 * queue: the three areas and their indexes as the guest's memory holds
 * them (virtio 1.1 §2.6: the available ring's idx and used_event, the used
 * ring's idx and avail_event), what the device has taken, and the last few
 * descriptors the driver made available. Read-only: guest memory through
 * the engine's queries. */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"
#include "views/virtq.h"

static bool rd16(const hv_machine *m, uint32_t gpa, uint16_t *v)
{
    return hv_machine_read_gpa(m, 0, gpa, v, 2) == HV_OK;
}

static void one_queue(vbuf *b, const hv_machine *m, uint32_t q,
                      const hv_virtq_view *vq)
{
    uint16_t avail_idx = 0, used_idx = 0, used_event = 0, avail_event = 0;
    bool ok = rd16(m, vq->avail + 2, &avail_idx) &&
              rd16(m, vq->used + 2, &used_idx) &&
              rd16(m, vq->avail + 4 + 2 * vq->num, &used_event) &&
              rd16(m, vq->used + 4 + 8 * vq->num, &avail_event);
    vb_line_start(b, CLR_LABEL, "virtq %u %s", q, q ? "transmitq" : "receiveq");
    if (!ok) {
        vb_add(b, CLR_FAULT, "  rings outside RAM");
        return;
    }
    vb_add(b, CLR_NORMAL, "  avail idx %u · used idx %u · device took %u%s",
           avail_idx, used_idx, vq->last_avail, vq->busy ? " · busy" : "");
    if (vq->event_idx)
        vb_add(b, CLR_DIM, " · used_event %u · avail_event %u", used_event,
               avail_event);
    vb_line_start(b, CLR_DIM, "  size %u · desc %08x · avail %08x · used %08x",
                  vq->num, vq->desc, vq->avail, vq->used);
    /* The last (up to) 4 entries the driver made available. */
    uint16_t n = (uint16_t)(avail_idx - (avail_idx > 4 ? 4 : avail_idx));
    for (uint16_t i = n; i != avail_idx; i++) {
        uint16_t head = 0;
        if (!rd16(m, vq->avail + 4 + 2 * (i % vq->num), &head))
            break;
        struct {
            uint32_t addr_lo, addr_hi, len;
            uint16_t flags, next;
        } d;
        if (head >= vq->num ||
            hv_machine_read_gpa(m, 0, vq->desc + 16u * head, &d, sizeof d))
            break;
        vb_line_start(b, i < vq->last_avail ? CLR_DIM : CLR_IO,
                      "  avail[%u] -> desc[%u] %08x len %u%s%s%s", i % vq->num,
                      head, d.addr_lo, d.len, (d.flags & 1) ? " NEXT" : "",
                      (d.flags & 2) ? " WRITE" : "",
                      i < vq->last_avail ? " (taken)" : "");
    }
}

void hv_view_virtq_lines(vbuf *b, const hv_snapshot *s)
{
    for (uint32_t q = 0; q < 2; q++) {
        hv_virtq_view vq;
        if (hv_machine_virtq(s->m, 0, q, &vq) && vq.ready && vq.num)
            one_queue(b, s->m, q, &vq);
    }
}
