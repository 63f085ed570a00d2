/* hvlab engine: a virtio console over virtio-mmio (virtio spec v1.1: §4.2
 * the MMIO transport, register layout "version 2"; §2.6 split virtqueues;
 * §5.3 the console device), one 4 KiB page at HV_VIRTIO_BASE, IRQ 11.
 *
 * The paravirtual half of FIDELITY.md "Device emulation": the guest puts N
 * buffers in a ring in its own memory and kicks once (one MMIO write, one
 * exit); the device reads them by DMA. With VIRTIO_F_EVENT_IDX the driver
 * does not kick while the device is busy and the device interrupts once
 * per batch.
 *
 * Device: console (DeviceID 3), VendorID 0x554D4551 ("QEMU", as QEMU's),
 * queue 0 receiveq, queue 1 transmitq, no MULTIPORT, no SIZE, no
 * EMERG_WRITE. Features offered: VIRTIO_F_VERSION_1 (32), VIRTIO_F_EVENT_IDX
 * (29). FEATURES_OK sticks only for a subset of them that has VERSION_1.
 * QueueNumMax 64 for queues 0 and 1, 0 for the others. Config space
 * (0x100, 8 bytes, §5.3.4): cols, rows (le16), max_nr_ports (le32), all 0
 * since neither SIZE nor MULTIPORT is offered; ConfigGeneration 0.
 *
 * Registers below 0x100 take 32-bit aligned accesses only (§4.2.2.2);
 * config space takes 1, 2 or 4 bytes inside its 8.
 *
 * Timing: the transmit backend is slow. A kick starts the next available
 * chain: the device takes it (reads the descriptors and the bytes by DMA)
 * and is BUSY for cycles_per_buffer of the clock; then the bytes go to
 * tx(), the chain goes to the used ring, and the device takes the next one
 * at once, without a kick, until none is left: then it is idle. While it
 * is busy it tells the driver not to kick (§2.6.10): used.flags NO_NOTIFY
 * without EVENT_IDX (cleared when idle); with EVENT_IDX it leaves
 * avail_event behind and sets avail_event = the available index it has
 * taken up to when it goes idle. The machine calls hv_virtio_advance()
 * before its clock passes hv_virtio_next_event(). An idle device does not
 * poll the ring: without a kick nothing starts.
 *
 * Receive: hv_virtio_receive() writes bytes into the posted receive
 * chains (device-writable), all of them or none.
 *
 * Interrupt (§2.6.7.2): after each used entry InterruptStatus bit 0 is set
 *   - without EVENT_IDX, unless avail.flags has NO_INTERRUPT: so N
 *     buffers set it N times (N interrupts if the driver acks each);
 *   - with EVENT_IDX, only for the entry that made used.idx pass
 *     used_event (vring_need_event): N buffers with used_event = N - 1
 *     set it once, at the last.
 * The line is (InterruptStatus != 0); InterruptACK clears bits.
 *
 * Events: VIRTQ_USED (queue, head id, len, used.idx after it,
 * HV_DEV_VIRTIO_MMIO) per chain returned; len is what the device wrote
 * (0 for transmit, §2.6.8). Guest errors (GUEST_ERROR HV_GERR_DEVICE, addr
 * HV_DEV_VIRTIO_MMIO << 16 | offset, value):
 *   any offset   an access that is not 32-bit and aligned below 0x100, a
 *                read of a write-only or write of a read-only register, an
 *                offset with no register, config past its 8 bytes, a
 *                config write: reads 0 (config past its end 0xFFFFFFFF,
 *                as QEMU's virtio_config_read*), writes dropped
 *   0x020        DriverFeatures after FEATURES_OK, or bits in words >= 2
 *   0x038 etc.   QueueNum (0, > 64, not a power of 2), or any queue
 *                register of a nonexistent queue or of a ready queue
 *                (§4.2.2.2): ignored
 *   0x044        QueueReady other than 0 or 1
 *   0x070        FEATURES_OK refused (features not offered, no VERSION_1)
 *   0x084, 0x094, 0x0A4  a High half that is not 0 (32-bit guest)
 * Ring errors stop the device: it sets Status DEVICE_NEEDS_RESET (0x40)
 * and, after DRIVER_OK, raises a configuration change interrupt
 * (InterruptStatus bit 1, §2.1.2); only a reset (Status 0) revives it:
 *   0x080 QueueDescLow    a descriptor index >= QueueNum or one whose
 *                         table entry DMA refused (value: the index), a
 *                         chain longer than QueueNum, a loop (value: its
 *                         head), INDIRECT, the wrong direction, a buffer
 *                         at or past 4 GiB (value: the index), a chain past
 *                         64 KiB (value: the length of the descriptor that
 *                         crossed it), a buffer DMA refused (its address)
 *   0x090 QueueDriverLow  the available ring unreachable (the address),
 *                         avail.idx more than QueueNum ahead (the idx)
 *   0x0A0 QueueDeviceLow  the used ring unreachable (the address)
 * The same three name an area that is misaligned (§2.6: 16, 2, 4) or runs
 * past 4 GiB when the driver writes QueueReady 1 (value: its address); that
 * one does not stop the device: the queue stays not ready. QueueReady 0
 * stops a queue; a transmit chain in flight is dropped, not returned.
 * Spurious kicks (nothing new, a queue not ready, a nonexistent queue, a
 * kick while busy) change nothing and are not errors (§2.6.10.2).
 */
#ifndef HV_VIRTIO_MMIO_H
#define HV_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "dma.h"
#include "virtio_queue.h"

#define HV_VIRTIO_BASE 0xFEB01000u /* one 4 KiB page, after the lesson's */
#define HV_VIRTIO_LEN 0x1000u
#define HV_VIRTIO_IRQ 11 /* on the slave 8259A */

#define HV_VIRTIO_MAGIC 0x74726976u  /* "virt" */
#define HV_VIRTIO_VENDOR 0x554D4551u /* "QEMU" */
#define HV_VIRTIO_ID_CONSOLE 3u
#define HV_VIRTIO_DEFAULT_CYCLES_PER_BUFFER 20000u

/* Feature bits (§6, §5.3.3) and the queues of the console (§5.3.2). */
enum {
    HV_VIRTIO_F_EVENT_IDX = 29,
    HV_VIRTIO_F_VERSION_1 = 32,
    HV_VIRTIO_RXQ = 0,
    HV_VIRTIO_TXQ = 1,
    HV_VIRTIO_QUEUES = 2,
};

/* Register offsets (§4.2.2). */
enum {
    HV_VIRTIO_MAGIC_VALUE = 0x000,
    HV_VIRTIO_VERSION = 0x004,
    HV_VIRTIO_DEVICE_ID = 0x008,
    HV_VIRTIO_VENDOR_ID = 0x00C,
    HV_VIRTIO_DEVICE_FEATURES = 0x010,
    HV_VIRTIO_DEVICE_FEATURES_SEL = 0x014,
    HV_VIRTIO_DRIVER_FEATURES = 0x020,
    HV_VIRTIO_DRIVER_FEATURES_SEL = 0x024,
    HV_VIRTIO_QUEUE_SEL = 0x030,
    HV_VIRTIO_QUEUE_NUM_MAX = 0x034,
    HV_VIRTIO_QUEUE_NUM = 0x038,
    HV_VIRTIO_QUEUE_READY = 0x044,
    HV_VIRTIO_QUEUE_NOTIFY = 0x050,
    HV_VIRTIO_INTERRUPT_STATUS = 0x060,
    HV_VIRTIO_INTERRUPT_ACK = 0x064,
    HV_VIRTIO_STATUS = 0x070,
    HV_VIRTIO_QUEUE_DESC_LOW = 0x080,
    HV_VIRTIO_QUEUE_DESC_HIGH = 0x084,
    HV_VIRTIO_QUEUE_DRIVER_LOW = 0x090,
    HV_VIRTIO_QUEUE_DRIVER_HIGH = 0x094,
    HV_VIRTIO_QUEUE_DEVICE_LOW = 0x0A0,
    HV_VIRTIO_QUEUE_DEVICE_HIGH = 0x0A4,
    HV_VIRTIO_CONFIG_GENERATION = 0x0FC,
    HV_VIRTIO_CONFIG = 0x100,
    HV_VIRTIO_CONFIG_LEN = 8,
};

/* Device status bits (§2.1) and InterruptStatus bits (§4.2.2). */
enum {
    HV_VIRTIO_S_ACKNOWLEDGE = 1,
    HV_VIRTIO_S_DRIVER = 2,
    HV_VIRTIO_S_DRIVER_OK = 4,
    HV_VIRTIO_S_FEATURES_OK = 8,
    HV_VIRTIO_S_NEEDS_RESET = 0x40,
    HV_VIRTIO_S_FAILED = 0x80,
    HV_VIRTIO_INT_USED = 1,
    HV_VIRTIO_INT_CONFIG = 2,
};

typedef struct hv_virtio {
    /* Transport registers (§4.2.2); zeroed by reset. */
    uint32_t status, isr;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint32_t drv_features[2]; /* words 0 and 1 as the driver wrote them */
    uint64_t features;        /* what FEATURES_OK accepted */
    hv_virtq q[HV_VIRTIO_QUEUES];
    bool irq_level; /* the line as update_irq() last set it */
    /* The transmit chain in flight (BUSY): its head, its bytes in
     * tx_buf, and the clock value when the backend is done with it. */
    bool tx_busy;
    uint16_t tx_head;
    uint32_t tx_len;
    uint64_t tx_done;
    /* Wiring, kept by reset (everything above is zeroed by it). */
    uint64_t cycles_per_buffer;
    hv_dma dma;
    void (*tx)(void *ctx, uint8_t byte);   /* the console; may be NULL */
    void (*set_irq)(void *ctx, int level); /* IRQ 11; may be NULL */
    uint64_t (*clock)(void *ctx);          /* NULL reads as 0 */
    void *ctx;                             /* for tx, set_irq, clock */
    hv_emitter emit;
    uint8_t tx_buf[HV_VIRTQ_MAX_BUF];
} hv_virtio;

extern const hv_device_ops hv_virtio_mmio_ops; /* (BASE, LEN, &ops, v) */

/* Wires the device and resets it (the line set low). */
void hv_virtio_init(hv_virtio *v, hv_dma dma,
                    void (*tx)(void *ctx, uint8_t byte),
                    void (*set_irq)(void *ctx, int level),
                    uint64_t (*clock)(void *ctx), void *ctx, hv_emitter emit);
/* The backend takes `cycles_per_buffer` of the clock to consume each
 * transmit chain (default 20000; 0: done when taken). Kept by reset. */
void hv_virtio_set_speed(hv_virtio *v, uint64_t cycles_per_buffer);
/* Clock value of the next completion, UINT64_MAX when idle. */
uint64_t hv_virtio_next_event(const hv_virtio *v);
/* Completes every transmit chain due by `now`, taking the next ones. */
void hv_virtio_advance(hv_virtio *v, uint64_t now);
/* Console input: writes all `len` bytes into posted receive chains (a
 * chain may take several, the bytes may span chains) and returns true;
 * returns false, writing nothing, when the queue is not live or the
 * posted chains hold fewer than `len` bytes (the caller keeps them for
 * later), or on a ring error. */
bool hv_virtio_receive(hv_virtio *v, const uint8_t *bytes, uint32_t len);

#endif
