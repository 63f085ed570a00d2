/* hvlab engine: a virtio console over virtio-mmio (see virtio_mmio.h).
 *
 * HOW IT WORKS
 * The transport (§4.2.2) is a page of 32-bit registers: identification,
 * feature words chosen by a selector, per-queue registers chosen by
 * QueueSel, QueueNotify (the kick), the interrupt status and its ack, and
 * Status, whose write of 0 resets the device. The driver brings the device
 * up as §3.1.1 says: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK
 * (read back: the device clears it if it refuses the features), queues,
 * DRIVER_OK. The device touches a queue's rings only while the queue is
 * ready and Status has FEATURES_OK and DRIVER_OK, without NEEDS_RESET or
 * FAILED (§4.2.2.1: not while QueueReady is 0; §3.1.1: not before
 * DRIVER_OK).
 *
 * The transmit backend models a slow console (virtio_mmio.h "Timing"):
 * one chain in flight, whose bytes are read when it is taken and reach
 * tx() when its time is up. Taking the next chain at the completion time
 * of the last, not at the caller's `now`, keeps the timeline independent
 * of how often the machine calls hv_virtio_advance().
 *
 * A guest-controlled value that does not make sense is a GUEST_ERROR
 * (QEMU's virtio_error() and LOG_GUEST_ERROR); a bad ring stops the
 * device with DEVICE_NEEDS_RESET, which only a reset clears, so a hostile
 * ring costs one error, never a loop.
 */
#include "virtio_mmio.h"

#include <stdio.h>
#include <string.h>

#define OFFERED (1ull << HV_VIRTIO_F_EVENT_IDX | 1ull << HV_VIRTIO_F_VERSION_1)
#define QUEUE_NUM_MAX HV_VIRTQ_MAX_SIZE

enum { R = 1, W = 2, RW = 3 };

typedef struct vio_reg {
    const char *name;
    unsigned dir;
} vio_reg;

/* The names of §4.2.2 (v1.1 calls the avail and used areas the Driver
 * and Device areas). Indexed by offset / 4. */
static const vio_reg regs[HV_VIRTIO_CONFIG / 4] = {
    [HV_VIRTIO_MAGIC_VALUE / 4] = {"MagicValue", R},
    [HV_VIRTIO_VERSION / 4] = {"Version", R},
    [HV_VIRTIO_DEVICE_ID / 4] = {"DeviceID", R},
    [HV_VIRTIO_VENDOR_ID / 4] = {"VendorID", R},
    [HV_VIRTIO_DEVICE_FEATURES / 4] = {"DeviceFeatures", R},
    [HV_VIRTIO_DEVICE_FEATURES_SEL / 4] = {"DeviceFeaturesSel", W},
    [HV_VIRTIO_DRIVER_FEATURES / 4] = {"DriverFeatures", W},
    [HV_VIRTIO_DRIVER_FEATURES_SEL / 4] = {"DriverFeaturesSel", W},
    [HV_VIRTIO_QUEUE_SEL / 4] = {"QueueSel", W},
    [HV_VIRTIO_QUEUE_NUM_MAX / 4] = {"QueueNumMax", R},
    [HV_VIRTIO_QUEUE_NUM / 4] = {"QueueNum", W},
    [HV_VIRTIO_QUEUE_READY / 4] = {"QueueReady", RW},
    [HV_VIRTIO_QUEUE_NOTIFY / 4] = {"QueueNotify", W},
    [HV_VIRTIO_INTERRUPT_STATUS / 4] = {"InterruptStatus", R},
    [HV_VIRTIO_INTERRUPT_ACK / 4] = {"InterruptACK", W},
    [HV_VIRTIO_STATUS / 4] = {"Status", RW},
    [HV_VIRTIO_QUEUE_DESC_LOW / 4] = {"QueueDescLow", W},
    [HV_VIRTIO_QUEUE_DESC_HIGH / 4] = {"QueueDescHigh", W},
    [HV_VIRTIO_QUEUE_DRIVER_LOW / 4] = {"QueueDriverLow", W},
    [HV_VIRTIO_QUEUE_DRIVER_HIGH / 4] = {"QueueDriverHigh", W},
    [HV_VIRTIO_QUEUE_DEVICE_LOW / 4] = {"QueueDeviceLow", W},
    [HV_VIRTIO_QUEUE_DEVICE_HIGH / 4] = {"QueueDeviceHigh", W},
    [HV_VIRTIO_CONFIG_GENERATION / 4] = {"ConfigGeneration", R},
};

/* The register an access names, if it is a whole 32-bit register that
 * goes this way; NULL otherwise. */
static const vio_reg *vio_reg_at(uint32_t offset, unsigned size, unsigned dir)
{
    if (offset >= HV_VIRTIO_CONFIG || (offset & 3u) || size != 4)
        return NULL;
    const vio_reg *r = &regs[offset / 4];
    return r->name && (r->dir & dir) ? r : NULL;
}

static void vio_error(hv_virtio *v, uint32_t offset, uint32_t value)
{
    hv_emit(&v->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_VIRTIO_MMIO << 16) | offset, value, 0);
}

/* The one place the line is computed: high while any InterruptStatus bit
 * is set (QEMU's virtio_mmio_update_irq). */
static void vio_update_irq(hv_virtio *v)
{
    bool level = v->isr != 0;
    if (level == v->irq_level)
        return;
    v->irq_level = level;
    if (v->set_irq)
        v->set_irq(v->ctx, level);
}

static bool vio_event_idx(const hv_virtio *v)
{
    return v->features & (1ull << HV_VIRTIO_F_EVENT_IDX);
}

/* Whether the device may use queue `i` now. */
static bool vio_live(const hv_virtio *v, unsigned i)
{
    const uint32_t on = HV_VIRTIO_S_FEATURES_OK | HV_VIRTIO_S_DRIVER_OK;
    const uint32_t off = HV_VIRTIO_S_NEEDS_RESET | HV_VIRTIO_S_FAILED;
    return (v->status & (on | off)) == on && v->q[i].ready;
}

/* A ring the device cannot use: the error names the register that set up
 * the area (virtio_mmio.h), and the device stops until a reset (§2.1.2:
 * NEEDS_RESET, then a configuration change notification). */
static void vio_ring_fault(hv_virtio *v, const hv_virtq_fault *f)
{
    static const uint32_t area_reg[] = {
        [HV_VIRTQ_AREA_DESC] = HV_VIRTIO_QUEUE_DESC_LOW,
        [HV_VIRTQ_AREA_AVAIL] = HV_VIRTIO_QUEUE_DRIVER_LOW,
        [HV_VIRTQ_AREA_USED] = HV_VIRTIO_QUEUE_DEVICE_LOW,
    };
    vio_error(v, area_reg[f->area], f->value);
    v->tx_busy = false;
    v->status |= HV_VIRTIO_S_NEEDS_RESET;
    if (v->status & HV_VIRTIO_S_DRIVER_OK)
        v->isr |= HV_VIRTIO_INT_CONFIG;
    vio_update_irq(v);
}

/* After used entries: a used buffer notification if the driver wants one. */
static bool vio_notify_driver(hv_virtio *v, unsigned i)
{
    hv_virtq_fault f;
    bool notify;
    if (!hv_virtq_should_notify(&v->q[i], &v->dma, vio_event_idx(v), &notify,
                                &f)) {
        vio_ring_fault(v, &f);
        return false;
    }
    if (notify) {
        v->isr |= HV_VIRTIO_INT_USED;
        vio_update_irq(v);
    }
    return true;
}

static void vio_used_event(hv_virtio *v, unsigned i, uint16_t head,
                           uint32_t len)
{
    hv_emit5(&v->emit, HV_EV_VIRTQ_USED, i, head, len, v->q[i].used_idx,
             HV_DEV_VIRTIO_MMIO);
}

/* --- transmitq ---------------------------------------------------------- */

typedef enum { TAKE_NONE, TAKE_STARTED, TAKE_FAULT } vio_take;

/* Takes the next available transmit chain, if any, starting at `t`: its
 * bytes are read now, and it is done at t + cycles_per_buffer. */
static vio_take vio_tx_take(hv_virtio *v, uint64_t t)
{
    hv_virtq *q = &v->q[HV_VIRTIO_TXQ];
    hv_virtq_seg seg[HV_VIRTQ_MAX_SIZE];
    hv_virtq_fault f;
    unsigned nseg = 0;
    uint16_t pending;
    uint32_t bytes;
    if (!hv_virtq_pending(q, &v->dma, &pending, &f))
        goto fault;
    if (pending == 0)
        return TAKE_NONE;
    if (!hv_virtq_pop(q, &v->dma, false, &v->tx_head, seg, HV_VIRTQ_MAX_SIZE,
                      &nseg, &bytes, &f))
        goto fault;
    /* pop bounded the total to HV_VIRTQ_MAX_BUF = sizeof tx_buf. */
    uint32_t at = 0;
    for (unsigned s = 0; s < nseg; at += seg[s].len, s++) {
        if (!v->dma.read(v->dma.ctx, seg[s].addr, v->tx_buf + at, seg[s].len)) {
            f = (hv_virtq_fault){HV_VIRTQ_AREA_DESC, seg[s].addr};
            goto fault;
        }
    }
    v->tx_len = bytes;
    v->tx_busy = true;
    v->tx_done = t + v->cycles_per_buffer;
    return TAKE_STARTED;
fault:
    vio_ring_fault(v, &f);
    return TAKE_FAULT;
}

/* The backend is done with the chain in flight: its bytes to the console,
 * the chain to the used ring, the interrupt if the driver wants it. */
static bool vio_tx_complete(hv_virtio *v)
{
    hv_virtq *q = &v->q[HV_VIRTIO_TXQ];
    hv_virtq_fault f;
    v->tx_busy = false;
    for (uint32_t i = 0; i < v->tx_len; i++)
        if (v->tx)
            v->tx(v->ctx, v->tx_buf[i]);
    /* len 0: the device wrote nothing into a device-readable buffer. */
    if (!hv_virtq_push(q, &v->dma, v->tx_head, 0, &f)) {
        vio_ring_fault(v, &f);
        return false;
    }
    vio_used_event(v, HV_VIRTIO_TXQ, v->tx_head, 0);
    return vio_notify_driver(v, HV_VIRTIO_TXQ);
}

static bool vio_want_kicks(hv_virtio *v, bool want)
{
    hv_virtq_fault f;
    if (!hv_virtq_want_kicks(&v->q[HV_VIRTIO_TXQ], &v->dma, vio_event_idx(v),
                             want, &f)) {
        vio_ring_fault(v, &f);
        return false;
    }
    return true;
}

void hv_virtio_advance(hv_virtio *v, uint64_t now)
{
    /* Each pass returns one chain and takes the next; the driver cannot
     * add chains meanwhile and at most QueueNum wait, so this ends. */
    while (v->tx_busy && v->tx_done <= now) {
        uint64_t t = v->tx_done;
        if (!vio_live(v, HV_VIRTIO_TXQ)) {
            v->tx_busy = false; /* stopped under it: drop the chain */
            return;
        }
        if (!vio_tx_complete(v))
            return;
        vio_take r = vio_tx_take(v, t);
        /* Idle: kick me again. The guest does not run between the look
         * at avail.idx and this write, so no chain slips in unseen (a
         * device on its own thread would have to look once more). */
        if (r == TAKE_NONE)
            vio_want_kicks(v, true);
        if (r != TAKE_STARTED)
            return;
    }
}

static void vio_kick(hv_virtio *v, uint32_t queue)
{
    /* The receiveq needs no kick: input waits for hv_virtio_receive(). A
     * busy device looks at the ring again when its chain is done. */
    if (queue != HV_VIRTIO_TXQ || !vio_live(v, queue) || v->tx_busy)
        return;
    uint64_t now = v->clock ? v->clock(v->ctx) : 0;
    if (vio_tx_take(v, now) != TAKE_STARTED)
        return; /* spurious (nothing written), or a fault */
    if (vio_want_kicks(v, false))
        hv_virtio_advance(v, now); /* done at once at speed 0 */
}

/* --- receiveq ---------------------------------------------------------- */

bool hv_virtio_receive(hv_virtio *v, const uint8_t *bytes, uint32_t len)
{
    hv_virtq *q = &v->q[HV_VIRTIO_RXQ];
    if (!vio_live(v, HV_VIRTIO_RXQ))
        return false;
    /* Chains that are available at once share no descriptor, so their
     * buffers together number at most QueueNum. */
    hv_virtq_seg seg[HV_VIRTQ_MAX_SIZE];
    uint16_t head[HV_VIRTQ_MAX_SIZE];
    unsigned end[HV_VIRTQ_MAX_SIZE]; /* chain c's buffers: to seg[end[c]] */
    unsigned nseg = 0, nchain = 0;
    uint16_t pending, taken_before = q->last_avail;
    uint32_t room = 0, chain_bytes;
    hv_virtq_fault f;
    if (!hv_virtq_pending(q, &v->dma, &pending, &f))
        goto fault;
    while (room < len) {
        if (nchain == pending) {
            q->last_avail = taken_before; /* too little room: take none */
            return false;
        }
        if (!hv_virtq_pop(q, &v->dma, true, &head[nchain], seg,
                          HV_VIRTQ_MAX_SIZE, &nseg, &chain_bytes, &f))
            goto fault;
        end[nchain++] = nseg;
        room += chain_bytes; /* at most 64 x 64 KiB: no overflow */
    }
    uint32_t done = 0;
    for (unsigned c = 0, s = 0; c < nchain; c++) {
        uint32_t written = 0;
        for (; s < end[c]; s++) {
            uint32_t n = seg[s].len < len - done ? seg[s].len : len - done;
            if (n == 0)
                continue;
            if (!v->dma.write(v->dma.ctx, seg[s].addr, bytes + done, n)) {
                f = (hv_virtq_fault){HV_VIRTQ_AREA_DESC, seg[s].addr};
                goto fault;
            }
            done += n;
            written += n;
        }
        if (!hv_virtq_push(q, &v->dma, head[c], written, &f))
            goto fault;
        vio_used_event(v, HV_VIRTIO_RXQ, head[c], written);
    }
    return vio_notify_driver(v, HV_VIRTIO_RXQ);
fault:
    vio_ring_fault(v, &f);
    return false;
}

/* --- registers ---------------------------------------------------------- */

static void vio_reset(void *opaque)
{
    hv_virtio *v = opaque;
    bool was_high = v->irq_level;
    memset(v, 0, offsetof(hv_virtio, cycles_per_buffer));
    for (unsigned i = 0; i < HV_VIRTIO_QUEUES; i++)
        hv_virtq_reset(&v->q[i]);
    /* §4.2.2.1: reset clears InterruptStatus, so the line drops. */
    if (was_high && v->set_irq)
        v->set_irq(v->ctx, 0);
}

static hv_virtq *vio_selected(hv_virtio *v)
{
    return v->queue_sel < HV_VIRTIO_QUEUES ? &v->q[v->queue_sel] : NULL;
}

static void vio_set_status(hv_virtio *v, uint32_t value)
{
    if (value == 0) { /* §4.2.2: writing 0 resets the device */
        vio_reset(v);
        return;
    }
    value &= 0xFFu; /* the device status field is 8 bits (§2.1) */
    if ((value & HV_VIRTIO_S_FEATURES_OK) &&
        !(v->status & HV_VIRTIO_S_FEATURES_OK)) {
        /* §3.1.1 steps 5-6: the device leaves FEATURES_OK clear when it
         * does not take the driver's subset; a v1.1 device needs
         * VERSION_1 (§6.1: it MAY fail without it; this one does). */
        uint64_t drv = v->drv_features[0] | (uint64_t)v->drv_features[1] << 32;
        if ((drv & ~OFFERED) || !(drv & (1ull << HV_VIRTIO_F_VERSION_1))) {
            vio_error(v, HV_VIRTIO_STATUS, value);
            value &= ~(uint32_t)HV_VIRTIO_S_FEATURES_OK;
        } else {
            v->features = drv;
        }
    }
    /* NEEDS_RESET is the device's to set and only reset clears it. */
    v->status = (value & ~(uint32_t)HV_VIRTIO_S_NEEDS_RESET) |
                (v->status & HV_VIRTIO_S_NEEDS_RESET);
}

static void vio_set_ready(hv_virtio *v, hv_virtq *q, uint32_t value)
{
    hv_virtq_fault f;
    if (value > 1) {
        vio_error(v, HV_VIRTIO_QUEUE_READY, value);
    } else if (value == 0) {
        q->ready = false;
        if (q == &v->q[HV_VIRTIO_TXQ])
            v->tx_busy = false;
    } else if (!hv_virtq_layout_ok(q, &f)) {
        vio_error(v, HV_VIRTIO_QUEUE_DESC_LOW + 0x10 * f.area, f.value);
    } else {
        q->ready = true;
    }
}

/* QueueNum and the area addresses: only for an existing queue that is not
 * ready (§4.2.2.2), and a size the split ring allows (§2.6). */
static void vio_queue_write(hv_virtio *v, uint32_t offset, uint32_t value)
{
    hv_virtq *q = vio_selected(v);
    bool bad = !q || q->ready;
    if (!bad && offset == HV_VIRTIO_QUEUE_NUM)
        bad = value == 0 || value > QUEUE_NUM_MAX || (value & (value - 1));
    if (!bad && (offset & 4u)) /* a High half */
        bad = value != 0;
    if (bad) {
        vio_error(v, offset, value);
        return;
    }
    switch (offset) {
    case HV_VIRTIO_QUEUE_NUM: q->num = value; break;
    case HV_VIRTIO_QUEUE_DESC_LOW: q->desc = value; break;
    case HV_VIRTIO_QUEUE_DRIVER_LOW: q->avail = value; break;
    case HV_VIRTIO_QUEUE_DEVICE_LOW: q->used = value; break;
    default: break; /* a High half of 0 */
    }
}

static uint32_t vio_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_virtio *v = opaque;
    if (offset >= HV_VIRTIO_CONFIG) {
        /* §5.3.4: cols, rows, max_nr_ports, all 0 (see the header). */
        if (offset + size <= HV_VIRTIO_CONFIG + HV_VIRTIO_CONFIG_LEN)
            return 0;
        vio_error(v, offset, 0);
        return 0xFFFFFFFFu; /* QEMU's virtio_config_read* past the end */
    }
    if (!vio_reg_at(offset, size, R)) {
        vio_error(v, offset, 0);
        return 0; /* QEMU: "wrong size access", "bad register offset" */
    }
    const hv_virtq *q = vio_selected(v);
    switch (offset) {
    case HV_VIRTIO_MAGIC_VALUE: return HV_VIRTIO_MAGIC;
    case HV_VIRTIO_VERSION: return 2;
    case HV_VIRTIO_DEVICE_ID: return HV_VIRTIO_ID_CONSOLE;
    case HV_VIRTIO_VENDOR_ID: return HV_VIRTIO_VENDOR;
    case HV_VIRTIO_DEVICE_FEATURES:
        return v->dev_features_sel < 2
                   ? (uint32_t)(OFFERED >> (32 * v->dev_features_sel))
                   : 0;
    case HV_VIRTIO_QUEUE_NUM_MAX: return q ? QUEUE_NUM_MAX : 0;
    case HV_VIRTIO_QUEUE_READY: return q && q->ready;
    case HV_VIRTIO_INTERRUPT_STATUS: return v->isr;
    case HV_VIRTIO_STATUS: return v->status;
    default: return 0; /* ConfigGeneration: the config never changes */
    }
}

static void vio_write(void *opaque, uint32_t offset, unsigned size,
                      uint32_t value)
{
    hv_virtio *v = opaque;
    if (!vio_reg_at(offset, size, W)) {
        /* Also config space: nothing in it is writable without
         * VIRTIO_CONSOLE_F_EMERG_WRITE. */
        vio_error(v, offset, value);
        return;
    }
    switch (offset) {
    case HV_VIRTIO_DEVICE_FEATURES_SEL: v->dev_features_sel = value; break;
    case HV_VIRTIO_DRIVER_FEATURES_SEL: v->drv_features_sel = value; break;
    case HV_VIRTIO_QUEUE_SEL: v->queue_sel = value; break;
    case HV_VIRTIO_DRIVER_FEATURES:
        /* §3.1.1 step 5: no new features after FEATURES_OK. */
        if (v->status & HV_VIRTIO_S_FEATURES_OK || v->drv_features_sel >= 2) {
            if (value || v->drv_features_sel < 2)
                vio_error(v, offset, value);
        } else {
            v->drv_features[v->drv_features_sel] = value;
        }
        break;
    case HV_VIRTIO_QUEUE_READY: {
        hv_virtq *q = vio_selected(v);
        if (q)
            vio_set_ready(v, q, value);
        else
            vio_error(v, offset, value);
        break;
    }
    case HV_VIRTIO_QUEUE_NOTIFY: vio_kick(v, value); break;
    case HV_VIRTIO_INTERRUPT_ACK:
        v->isr &= ~value;
        vio_update_irq(v);
        break;
    case HV_VIRTIO_STATUS: vio_set_status(v, value); break;
    default: vio_queue_write(v, offset, value); break;
    }
}

/* --- naming ------------------------------------------------------------- */

static const char *vio_regname(uint32_t offset, bool is_write)
{
    (void)is_write;
    if (offset < HV_VIRTIO_CONFIG)
        return (offset & 3u) ? NULL : regs[offset / 4].name;
    switch (offset - HV_VIRTIO_CONFIG) {
    case 0: return "config.cols";
    case 2: return "config.rows";
    case 4: return "config.max_nr_ports";
    default: return NULL;
    }
}

/* "0x0F (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK)": the bits in the order
 * §3.1.1 sets them. */
static int vio_bits(char *buf, size_t len, uint32_t value, const char *const *n,
                    const uint32_t *bit, unsigned count)
{
    int w = snprintf(buf, len, "0x%02X", (unsigned)value);
    const char *sep = " (";
    for (unsigned i = 0; i < count && w >= 0 && (size_t)w < len; i++) {
        if (value & bit[i]) {
            w += snprintf(buf + w, len - (size_t)w, "%s%s", sep, n[i]);
            sep = "|";
        }
    }
    if (*sep == '|' && w >= 0 && (size_t)w < len)
        w += snprintf(buf + w, len - (size_t)w, ")");
    return w;
}

static int vio_describe(uint32_t offset, bool is_write, uint32_t value,
                        char *buf, size_t len)
{
    static const char *const st_name[] = {"ACKNOWLEDGE", "DRIVER",
                                          "FEATURES_OK", "DRIVER_OK",
                                          "NEEDS_RESET", "FAILED"};
    static const uint32_t st_bit[] = {1, 2, 8, 4, 0x40, 0x80};
    static const char *const int_name[] = {"USED_BUFFER", "CONFIG_CHANGE"};
    static const uint32_t int_bit[] = {1, 2};
    switch (offset) {
    case HV_VIRTIO_STATUS:
        if (is_write && value == 0)
            return snprintf(buf, len, "0x00 (reset)");
        return vio_bits(buf, len, value, st_name, st_bit, 6);
    case HV_VIRTIO_INTERRUPT_STATUS:
    case HV_VIRTIO_INTERRUPT_ACK:
        return vio_bits(buf, len, value, int_name, int_bit, 2);
    case HV_VIRTIO_QUEUE_NOTIFY:
    case HV_VIRTIO_QUEUE_SEL:
        return snprintf(buf, len, "queue %u", (unsigned)value);
    case HV_VIRTIO_MAGIC_VALUE:
        return value == HV_VIRTIO_MAGIC ? snprintf(buf, len, "'virt'") : -1;
    case HV_VIRTIO_DEVICE_ID:
        return value == HV_VIRTIO_ID_CONSOLE ? snprintf(buf, len, "console")
                                             : -1;
    default: return -1;
    }
}

/* --- wiring ------------------------------------------------------------- */

void hv_virtio_init(hv_virtio *v, hv_dma dma,
                    void (*tx)(void *ctx, uint8_t byte),
                    void (*set_irq)(void *ctx, int level),
                    uint64_t (*clock)(void *ctx), void *ctx, hv_emitter emit)
{
    memset(v, 0, offsetof(hv_virtio, tx_buf));
    v->cycles_per_buffer = HV_VIRTIO_DEFAULT_CYCLES_PER_BUFFER;
    v->dma = dma;
    v->tx = tx;
    v->set_irq = set_irq;
    v->clock = clock;
    v->ctx = ctx;
    v->emit = emit;
    vio_reset(v);
    if (set_irq)
        set_irq(ctx, 0); /* the line starts low */
}

void hv_virtio_set_speed(hv_virtio *v, uint64_t cycles_per_buffer)
{
    v->cycles_per_buffer = cycles_per_buffer;
}

uint64_t hv_virtio_next_event(const hv_virtio *v)
{
    return v->tx_busy ? v->tx_done : UINT64_MAX;
}

const hv_device_ops hv_virtio_mmio_ops = {
    .name = "virtio_mmio",
    .kind = HV_DEV_VIRTIO_MMIO,
    /* All three reach the device so that it can refuse the narrow ones
     * itself (§4.2.2.2), and so that config space takes them. */
    .sizes = 1u | 2u | 4u,
    .read = vio_read,
    .write = vio_write,
    .reset = vio_reset,
    .regname = vio_regname,
    .describe = vio_describe,
};
