/* hvlab engine: the PC's floppy disk controller, an 82077AA-compatible
 * subset as QEMU's hw/block/fdc.c models it (registers at 0x3F0-0x3F7,
 * IRQ 6), with an empty drive A and no drive B, so every data command
 * fails. It is here for one lesson: VENOM (CVE-2015-3456). QEMU's FIFO
 * index ran past its 512-byte buffer when a guest sent DRIVE
 * SPECIFICATION (0x8E) or READ ID (0x0A) and then kept writing. Here the
 * index is always below the number of bytes the current phase moves, and
 * that number is never more than the buffer. A byte the controller cannot
 * take is refused: it is dropped and a GUEST_ERROR event names the FIFO.
 *
 * What is modelled and why it differs from QEMU: see the HOW IT WORKS
 * comment in fdc.c. */
#ifndef HV_FDC_H
#define HV_FDC_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "refusals.h"

/* Ports 0x3F0-0x3F7 (0x3F6 is the PC's IDE: not ours, a device error). */
#define HV_FDC_BASE 0x3F0
#define HV_FDC_IRQ 6
#define HV_FDC_FIFO_SIZE 512u /* QEMU's buffer: one 512-byte sector */
#define HV_FDC_DRIVES 2u      /* QEMU's MAX_FD on the PC: A and B */

/* The 82077AA's three phases (datasheet, command set). Execution takes no
 * time here, so between two port accesses the controller is always in one
 * of these two. */
typedef enum hv_fdc_phase {
    HV_FDC_COMMAND = 0, /* the guest writes a command and its parameters */
    HV_FDC_RESULT = 1,  /* the guest reads the result bytes */
} hv_fdc_phase;

typedef struct hv_fdc {
    uint8_t sra, srb; /* status registers A and B (read-only) */
    uint8_t dor;      /* digital output: drive select, nRESET, DMA gate,
                         motors */
    uint8_t tdr;      /* tape drive register (only the boot-select bit) */
    uint8_t dsr;      /* data rate select: precompensation and rate bits */
    hv_fdc_phase phase;
    /* The command and result buffer. Invariant between accesses:
     * data_pos < data_len <= HV_FDC_FIFO_SIZE. data_len is how many bytes
     * the current phase moves: the command byte plus its parameters (1
     * until the command byte is known), or the result bytes; data_pos is
     * the index of the next one. */
    uint8_t fifo[HV_FDC_FIFO_SIZE];
    uint16_t data_pos;
    uint16_t data_len;
    hv_refusals refused; /* a flood is logged once per 4096 */
    uint8_t st0;          /* what SENSE INTERRUPT STATUS reports (ST0) */
    uint8_t reset_sensei; /* SENSE INTERRUPTs still owed to a reset (4..0) */
    uint8_t cur;          /* the drive the last command selected */
    uint8_t pcn[HV_FDC_DRIVES];  /* present cylinder number of each drive */
    uint8_t head[HV_FDC_DRIVES]; /* head the last command selected */
    uint8_t specify[2];          /* SPECIFY's bytes: SRT|HUT, HLT|ND */
    uint8_t config, precomp;     /* CONFIGURE's bytes 2 and 3 */
    uint8_t perpendicular;       /* PERPENDICULAR MODE: D3..D0, GAP, WGATE */
    bool lock;                   /* LOCK: CONFIGURE survives resets */
    bool irq_level;              /* the line as update_irq() last set it */
    /* IRQ 6 level; may be NULL. Recomputed by one update_irq(). */
    void (*set_irq)(void *ctx, int level);
    void *ctx;
    hv_emitter emit;
} hv_fdc;

extern const hv_device_ops hv_fdc_ops; /* add as (0x3F0, 8, &ops, fdc) */

/* Power-on state (MSR 0x80: ready for a command; IRQ low). */
void hv_fdc_init(hv_fdc *f, void (*set_irq)(void *ctx, int level), void *ctx,
                 hv_emitter emit);

#endif
