/* hvlab engine: a split virtqueue as a device sees it (see virtio_queue.h).
 *
 * HOW IT WORKS
 * The driver owns the descriptor table and the available ring; the device
 * owns the used ring (§2.6). The device keeps two private counters:
 * last_avail, how many available entries it has taken (avail.idx moves
 * ahead of it as the driver adds chains), and used_idx, the used.idx it
 * last wrote. Both wrap at 2^16 and only their difference matters, so
 * `(uint16_t)(avail.idx - last_avail)` is the number of chains waiting;
 * more than the queue size can only be a driver bug (a ring holds num
 * chains at most, footnote to §2.6) and is refused, as QEMU's
 * virtqueue_num_heads() does.
 *
 * A chain is followed through NEXT links. The driver may not make a loop
 * (§2.6.5.2: no chain longer than 2^32 bytes, none longer than the queue
 * size), but a device cannot trust that, so at most num descriptors are
 * followed and every index is checked against num before it is used to
 * address the table (QEMU: "Looped descriptor", "Desc next is %u").
 * Every access goes through the DMA window, which refuses a transfer
 * outside the VM's RAM whole.
 */
#include "virtio_queue.h"

#include <string.h>

#define FOUR_GIB 0x100000000ull

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static bool refuse(hv_virtq_fault *f, hv_virtq_area area, uint32_t value)
{
    f->area = area;
    f->value = value;
    return false;
}

static bool read16(const hv_dma *dma, uint32_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (!dma->read(dma->ctx, addr, b, 2))
        return false;
    *v = get16(b);
    return true;
}

static bool write16(const hv_dma *dma, uint32_t addr, uint16_t v)
{
    uint8_t b[2];
    put16(b, v);
    return dma->write(dma->ctx, addr, b, 2);
}

/* Where the fields are (§2.6: avail {flags, idx, ring[num], used_event},
 * used {flags, idx, ring[num] of 8 bytes, avail_event}). */
static uint32_t used_event_at(const hv_virtq *q)
{
    return q->avail + 4 + 2 * q->num;
}

static uint32_t avail_event_at(const hv_virtq *q)
{
    return q->used + 4 + 8 * q->num;
}

void hv_virtq_reset(hv_virtq *q)
{
    memset(q, 0, sizeof *q);
    q->num = HV_VIRTQ_MAX_SIZE;
}

bool hv_virtq_layout_ok(const hv_virtq *q, hv_virtq_fault *f)
{
    /* Alignment and sizes from the table at the start of §2.6. The end
     * of each area must stay below 4 GiB so that no field address wraps
     * around in 32 bits. */
    if ((q->desc & 15u) || q->desc + 16ull * q->num > FOUR_GIB)
        return refuse(f, HV_VIRTQ_AREA_DESC, q->desc);
    if ((q->avail & 1u) || q->avail + 6ull + 2ull * q->num > FOUR_GIB)
        return refuse(f, HV_VIRTQ_AREA_AVAIL, q->avail);
    if ((q->used & 3u) || q->used + 6ull + 8ull * q->num > FOUR_GIB)
        return refuse(f, HV_VIRTQ_AREA_USED, q->used);
    return true;
}

bool hv_virtq_pending(hv_virtq *q, const hv_dma *dma, uint16_t *count,
                      hv_virtq_fault *f)
{
    uint16_t idx;
    if (!read16(dma, q->avail + 2, &idx))
        return refuse(f, HV_VIRTQ_AREA_AVAIL, q->avail + 2);
    uint16_t n = (uint16_t)(idx - q->last_avail);
    if (n > q->num)
        return refuse(f, HV_VIRTQ_AREA_AVAIL, idx);
    *count = n;
    return true;
}

bool hv_virtq_pop(hv_virtq *q, const hv_dma *dma, bool writable, uint16_t *head,
                  hv_virtq_seg *seg, unsigned cap, unsigned *nseg,
                  uint32_t *bytes, hv_virtq_fault *f)
{
    /* num is a power of 2, so the mask is the modulo of §2.6.6. */
    uint32_t slot = q->avail + 4 + 2 * (q->last_avail & (q->num - 1));
    uint16_t first;
    if (!read16(dma, slot, &first))
        return refuse(f, HV_VIRTQ_AREA_AVAIL, slot);
    uint32_t total = 0;
    uint16_t i = first;
    for (uint32_t hops = 0;; hops++) {
        if (i >= q->num)
            return refuse(f, HV_VIRTQ_AREA_DESC, i);
        if (hops == q->num) /* a longer chain revisits a descriptor */
            return refuse(f, HV_VIRTQ_AREA_DESC, first);
        uint8_t d[16];
        if (!dma->read(dma->ctx, q->desc + 16u * i, d, sizeof d))
            return refuse(f, HV_VIRTQ_AREA_DESC, i);
        uint32_t addr = get32(d), addr_hi = get32(d + 4), len = get32(d + 8);
        uint16_t flags = get16(d + 12), next = get16(d + 14);
        /* INDIRECT needs VIRTIO_F_INDIRECT_DESC, which is not offered
         * (§2.6.5.3.1); a queue's buffers all go one way (console data,
         * §5.3.6); a 32-bit guest has no RAM at or above 4 GiB. */
        if ((flags & HV_VIRTQ_DESC_F_INDIRECT) ||
            !(flags & HV_VIRTQ_DESC_F_WRITE) != !writable || addr_hi ||
            addr + (uint64_t)len > FOUR_GIB || *nseg >= cap)
            return refuse(f, HV_VIRTQ_AREA_DESC, i);
        if (len > HV_VIRTQ_MAX_BUF - total)
            return refuse(f, HV_VIRTQ_AREA_DESC, len);
        seg[(*nseg)++] = (hv_virtq_seg){addr, len};
        total += len;
        if (!(flags & HV_VIRTQ_DESC_F_NEXT))
            break;
        i = next;
    }
    q->last_avail++;
    *head = first;
    *bytes = total;
    return true;
}

bool hv_virtq_push(hv_virtq *q, const hv_dma *dma, uint16_t head, uint32_t len,
                   hv_virtq_fault *f)
{
    uint32_t elem = q->used + 4 + 8 * (q->used_idx & (q->num - 1));
    uint8_t b[8];
    put32(b, head);
    put32(b + 4, len);
    if (!dma->write(dma->ctx, elem, b, sizeof b))
        return refuse(f, HV_VIRTQ_AREA_USED, elem);
    q->used_idx++;
    if (!write16(dma, q->used + 2, q->used_idx))
        return refuse(f, HV_VIRTQ_AREA_USED, q->used + 2);
    return true;
}

bool hv_virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool hv_virtq_should_notify(hv_virtq *q, const hv_dma *dma, bool event_idx,
                            bool *notify, hv_virtq_fault *f)
{
    /* old is where used.idx stood at the last decision, so a batch of
     * entries is judged as a whole: it notifies when any of them landed
     * at used_event (QEMU's signalled_used). */
    uint16_t old = q->signalled_used, now = q->used_idx;
    q->signalled_used = now;
    *notify = false;
    if (old == now)
        return true;
    uint16_t v;
    if (event_idx) {
        /* §2.6.7.2: the device ignores avail.flags with EVENT_IDX. */
        if (!read16(dma, used_event_at(q), &v))
            return refuse(f, HV_VIRTQ_AREA_AVAIL, used_event_at(q));
        *notify = hv_virtq_need_event(v, now, old);
    } else {
        if (!read16(dma, q->avail, &v))
            return refuse(f, HV_VIRTQ_AREA_AVAIL, q->avail);
        *notify = !(v & HV_VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    return true;
}

bool hv_virtq_want_kicks(hv_virtq *q, const hv_dma *dma, bool event_idx,
                         bool want, hv_virtq_fault *f)
{
    if (event_idx) {
        /* The driver kicks when its avail.idx passes avail_event
         * (§2.6.10.1). Left where it was, the event lies behind the
         * driver's index once the kick that woke the device passed it,
         * so nothing added while busy passes it again. This is vhost's
         * rule (drivers/vhost/vhost.c: vhost_disable_notify writes nothing
         * under EVENT_IDX, vhost_enable_notify writes avail_event =
         * avail_idx), a back end that works apart from the vCPU; QEMU's
         * own virtqueue_pop writes avail_event after every pop, so there a
         * one-at-a-time back end would see a kick per buffer. */
        if (want && !write16(dma, avail_event_at(q), q->last_avail))
            return refuse(f, HV_VIRTQ_AREA_USED, avail_event_at(q));
        return true;
    }
    if (!write16(dma, q->used, want ? 0 : HV_VIRTQ_USED_F_NO_NOTIFY))
        return refuse(f, HV_VIRTQ_AREA_USED, q->used);
    return true;
}
