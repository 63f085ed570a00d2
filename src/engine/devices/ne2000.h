/* hvlab engine: an NE2000 ISA network card (a DP8390 NIC plus the
 * NE2000's data port, reset port and address PROM), the subset QEMU's
 * hw/net/ne2000.c models, with the same register semantics, so a driver
 * behaves the same here and on QEMU's ne2k_isa (iobase 0x300, IRQ 9).
 *
 * The wire is a LOOPBACK REFLECTOR: every frame the card transmits comes
 * straight back to it, as if the far end of the cable echoed it, so one
 * transmit is followed at once by the receive of the same bytes into the
 * card's receive ring (through the card's address filter, RCR). Each
 * transmit and each receive is a NIC_PACKET event (dir 0 sent / 1 received,
 * len, the card-memory page, device HV_DEV_NE2000).
 *
 * Card memory, as QEMU's NE2000 (hw/net/ne2000.h NE2000_PMEM_*): the PROM
 * at 0x0000-0x001F and 32 KiB of packet memory at 0x4000-0xBFFF, pages
 * 0x40-0xBF (a real NE2000 has 16 KiB, pages 0x40-0x7F; drivers written
 * for it run unchanged in the larger memory). Other addresses read 0xFF
 * and drop writes.
 *
 * Guest errors (GUEST_ERROR HV_GERR_DEVICE, addr = HV_DEV_NE2000 << 8 |
 * offset of the register named; value as listed):
 *   0x00 (CR)      a word access to a byte register or the reset port
 *                  (any offset; value: what was written, 0xFFFF read)
 *   0x01 (PSTART)  a receive into a nonsense ring (PSTART below packet
 *                  memory, PSTART >= PSTOP, PSTOP past it, CURR outside
 *                  PSTART..PSTOP-1): value PSTART | PSTOP << 8 | CURR << 16;
 *                  the frame is dropped. Also a PSTART/PSTOP write past
 *                  the memory (ignored, as QEMU does; value the page)
 *   0x03, 0x07     a BNRY or CURR write past the memory (ignored, as QEMU)
 *   0x04 (TPSR)    a transmit from outside packet memory: nothing sent
 *   0x05 (TBCR0)   a transmit of 0 or more than 1514 bytes, or running past
 *                  the memory: nothing sent (value TBCR)
 *   0x10.. (DATA)  a remote-DMA access outside the card's memory, or a
 *                  data write with RBCR 0: value the card address (RSAR);
 *                  reported once per remote-DMA command, so a runaway
 *                  loop is one event, not 65535
 */
#ifndef HV_NE2000_H
#define HV_NE2000_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "refusals.h"

/* Ports 0x300-0x31F and IRQ 9 (on the slave 8259A): QEMU's ne2k_isa
 * defaults. */
#define HV_NE2000_BASE 0x300
#define HV_NE2000_IRQ 9
#define HV_NE2000_PORTS 0x20

#define HV_NE2000_PROM_SIZE 32u      /* card addresses 0x00-0x1F */
#define HV_NE2000_PMEM_START 0x4000u /* QEMU NE2000_PMEM_START */
#define HV_NE2000_PMEM_END 0xC000u   /* QEMU NE2000_PMEM_END (= MEM_SIZE) */
#define HV_NE2000_MAX_FRAME 1514u    /* Ethernet, without the CRC */

typedef struct hv_ne2000 {
    /* DP8390 registers (datasheet names); ring pages are page numbers. */
    uint8_t cmd;            /* CR: PS 7:6, RD 5:3, TXP, STA, STP */
    uint8_t isr, imr;       /* interrupt status / mask */
    uint8_t dcr, rcr;       /* data config (WTS: word DMA), receive config */
    uint8_t tsr, rsr;       /* transmit / receive status */
    uint8_t pstart, pstop;  /* the receive ring: pages PSTART..PSTOP-1 */
    uint8_t bnry, curr;     /* last page the driver holds / next to fill */
    uint8_t tpsr;           /* transmit page start */
    uint16_t tbcr;          /* transmit byte count */
    uint16_t rsar, rbcr;    /* remote DMA address (reads as CRDA), count */
    uint8_t par[6], mar[8]; /* page 1: physical / multicast address */
    bool dma_refused;       /* this remote DMA already logged an error */
    bool irq_level;         /* the line as update_irq() last set it */
    /* Card memory, indexed by card address (only the PROM and packet
     * memory are reachable; the gap in between is never touched). */
    uint8_t mem[HV_NE2000_PMEM_END];
    /* Wiring, kept by reset (everything above is zeroed by it). */
    uint8_t mac[6];                        /* what reset puts in the PROM */
    void (*set_irq)(void *ctx, int level); /* IRQ 9; may be NULL */
    void *ctx;
    hv_emitter emit;
    hv_refusals refused; /* logged once per 4096 in a row */
} hv_ne2000;

extern const hv_device_ops hv_ne2000_ops; /* add as (0x300, 0x20, &ops, nic) */

/* Power-on state (QEMU's zeroed NE2000State plus ne2000_reset: ISR.RST,
 * the MAC in the PROM), then the line set low. */
void hv_ne2000_init(hv_ne2000 *n, const uint8_t mac[6],
                    void (*set_irq)(void *, int), void *ctx, hv_emitter emit);

#endif
