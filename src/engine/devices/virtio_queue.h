/* hvlab engine: a split virtqueue as a device sees it (virtio spec v1.1
 * §2.6), for the virtio-mmio device (virtio_mmio.h).
 *
 * The three areas live in guest memory and are reached only through the
 * device's DMA window (dma.h), little-endian, 32-bit guest-physical:
 *
 *   descriptor table  16 * num   {le64 addr, le32 len, le16 flags, le16 next}
 *   available ring    6 + 2*num  {le16 flags, le16 idx, le16 ring[num],
 *                                 le16 used_event}          (driver writes)
 *   used ring         6 + 8*num  {le16 flags, le16 idx,
 *                                 {le32 id, le32 len} ring[num],
 *                                 le16 avail_event}         (device writes)
 *
 * Every value read from guest memory is checked before it is used: a
 * descriptor index below num, a chain of at most num descriptors (so a
 * loop ends), no INDIRECT (not offered), the direction the queue expects,
 * at most HV_VIRTQ_MAX_BUF bytes a chain, buffers below 4 GiB, and an
 * available index at most num ahead of the device's (QEMU's
 * virtqueue_num_heads). A refusal is an hv_virtq_fault; the caller turns
 * it into a guest error. Nothing here emits events or raises interrupts.
 */
#ifndef HV_VIRTIO_QUEUE_H
#define HV_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "dma.h"

#define HV_VIRTQ_MAX_SIZE 64u     /* QueueNumMax of every queue */
#define HV_VIRTQ_MAX_BUF 0x10000u /* bytes in one chain, at most */

/* Descriptor, available-ring and used-ring flags (§2.6.5, §2.6.6,
 * §2.6.8). */
enum {
    HV_VIRTQ_DESC_F_NEXT = 1,
    HV_VIRTQ_DESC_F_WRITE = 2,
    HV_VIRTQ_DESC_F_INDIRECT = 4,
    HV_VIRTQ_AVAIL_F_NO_INTERRUPT = 1,
    HV_VIRTQ_USED_F_NO_NOTIFY = 1,
};

typedef struct hv_virtq {
    uint32_t num;               /* queue size: a power of 2, 1..MAX_SIZE */
    uint32_t desc, avail, used; /* the three areas (guest-physical) */
    bool ready;                 /* QueueReady */
    uint16_t last_avail;        /* available entries taken so far */
    uint16_t used_idx;          /* used.idx as the device last wrote it */
    uint16_t signalled_used;    /* used_idx at the last notify decision */
} hv_virtq;

/* Which area a refused value belongs to, and the value: a descriptor
 * index, a length, a buffer or ring address, an available index. */
typedef enum hv_virtq_area {
    HV_VIRTQ_AREA_DESC = 0,
    HV_VIRTQ_AREA_AVAIL = 1,
    HV_VIRTQ_AREA_USED = 2,
} hv_virtq_area;

typedef struct hv_virtq_fault {
    hv_virtq_area area;
    uint32_t value;
} hv_virtq_fault;

/* One buffer of a chain, as the descriptor gave it. */
typedef struct hv_virtq_seg {
    uint32_t addr, len;
} hv_virtq_seg;

/* Back to the state of a queue nobody set up (num = MAX_SIZE, as QEMU's
 * queues start at their maximum). */
void hv_virtq_reset(hv_virtq *q);

/* Whether each area fits below 4 GiB and is aligned as §2.6 requires
 * (16, 2, 4): what QueueReady checks before the device may use them. */
bool hv_virtq_layout_ok(const hv_virtq *q, hv_virtq_fault *f);

/* How many available entries the device has not taken yet (reads
 * avail.idx). */
bool hv_virtq_pending(hv_virtq *q, const hv_dma *dma, uint16_t *count,
                      hv_virtq_fault *f);

/* Takes the next available chain: its head and its buffers, appended to
 * seg[*nseg..cap) (all device-writable if `writable`, else all
 * device-readable); *bytes is their total. The caller checked that one is
 * pending. */
bool hv_virtq_pop(hv_virtq *q, const hv_dma *dma, bool writable, uint16_t *head,
                  hv_virtq_seg *seg, unsigned cap, unsigned *nseg,
                  uint32_t *bytes, hv_virtq_fault *f);

/* Returns a chain: writes {head, len} at the next used entry, then
 * used.idx (§2.6.8.2: len before idx). */
bool hv_virtq_push(hv_virtq *q, const hv_dma *dma, uint16_t head, uint32_t len,
                   hv_virtq_fault *f);

/* Whether the used entries pushed since the last call need a used buffer
 * notification (§2.6.7.2): without EVENT_IDX unless avail.flags has
 * NO_INTERRUPT; with it, when used.idx passed used_event
 * (hv_virtq_need_event). */
bool hv_virtq_should_notify(hv_virtq *q, const hv_dma *dma, bool event_idx,
                            bool *notify, hv_virtq_fault *f);

/* Available buffer notification suppression (§2.6.10.2): `want` false
 * while the device is busy and will look at the ring again by itself,
 * true when it goes idle. Without EVENT_IDX: used.flags NO_NOTIFY set or
 * cleared. With EVENT_IDX nothing is written while busy (avail_event
 * stays behind, so the driver's vring_need_event stays false for what it
 * adds), and going idle re-arms avail_event = last_avail. */
bool hv_virtq_want_kicks(hv_virtq *q, const hv_dma *dma, bool event_idx,
                         bool want, hv_virtq_fault *f);

/* vring_need_event (the spec's virtq_need_event, appendix A, used by
 * §2.6.7.2 and §2.6.10.2): whether moving an index from
 * `old` to `new_idx` passed `event` (all mod 2^16). */
bool hv_virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old);

#endif
