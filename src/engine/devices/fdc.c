/* hvlab engine: the floppy disk controller (see fdc.h).
 *
 * HOW IT WORKS
 * Eight byte-wide ports (82077AA datasheet, PC-AT mode):
 *
 *   0 SRA (r)   1 SRB (r)   2 DOR   3 TDR   4 MSR (r) / DSR (w)
 *   5 FIFO      6 not ours (the IDE's)      7 DIR (r) / CCR (w)
 *
 * Commands go through the FIFO in three phases (datasheet, command set):
 *   command    the guest writes the command byte, whose entry in cmds[]
 *              (as QEMU's handlers[]) says how many parameters follow.
 *              MSR = RQM, plus CMD BUSY from the first byte on.
 *   execution  runs when the last parameter arrives; with no diskette it
 *              takes no time and the guest never sees it.
 *   result     the guest reads the result bytes (MSR = RQM|DIO|CMD BUSY),
 *              then the command phase returns. No result: straight back.
 *
 * VENOM. QEMU stored each FIFO byte at fifo[data_pos++] and ran the
 * command when data_pos == data_len. READ ID (waiting for a timer) and
 * DRIVE SPECIFICATION (waiting for a byte with bit 7 set) stayed in the
 * command phase, so every further byte went one past the 512-byte buffer.
 * The fix, QEMU commit e907746266 ("fdc: force the fifo access to be in
 * bounds of the allocated buffer"), wraps the index modulo 512: extra
 * bytes overwrite the FIFO. QEMU's later rework into explicit phases
 * clears RQM once a command's bytes are in, so extra bytes are dropped
 * ("controller not ready for writing"). hvlab does that and reports it:
 * every handler ends in the result or the command phase, a byte the
 * controller cannot take is refused (dropped, no state change) with a
 * GUEST_ERROR (HV_GERR_DEVICE, FDC|FIFO, the byte), and every FIFO access
 * first checks data_pos < data_len <= 512.
 *
 * The drives are QEMU's default i440fx PC: drive A present and empty,
 * drive B absent (SRA nDRV2, QEMU's 0x40; DIR DSKCHG set for drive A, as
 * QEMU's qtest no_media_on_start expects). An empty drive still steps its
 * head, so SEEK sets PCN (QEMU's fd_empty_seek_hack). Data commands and
 * READ ID end at once (QEMU answers READ ID after a 20 ms timer; the result
 * is the same) in abnormal termination: ST0 0x40|HD|DS, ST1 0x01
 * (MA: no ID found), as QEMU's qtests read_without_media (ST0 0x40; QEMU
 * leaves ST1 0 there) and read_id_no_media expect; QEMU in 2015 answered
 * READ ID with success. A real controller sees no index pulse and waits
 * until the driver times out and resets it. Departures from QEMU, for the
 * datasheet:
 * - DRIVE SPECIFICATION whose 5th parameter lacks DONE (bit 7) answers
 *   ST0 0x80|HD|DS: QEMU's own error branch, dead there (it tests
 *   data_len > 7, fixed at 6), so QEMU sits in execution until a reset.
 * - INT is SRA.INTPEND, low while DOR holds reset and gated by DOR bit 3
 *   (DMAGATE enables INT and DRQ in PC-AT mode). QEMU ignores both (its
 *   qtest clears bit 3 for non-DMA reads and still expects IRQ 6), and its
 *   SPECIFY writes ND into DOR bit 3; hvlab keeps ND in SPECIFY's byte.
 * - MSR reads 0x00 while DOR holds reset (QEMU shows the last MSR).
 * Interrupts otherwise follow QEMU: raised when RECALIBRATE or SEEK ends,
 * when a data command enters its result phase, and when a reset (DOR
 * nRESET 0->1, DSR bit 7 or 6) completes; lowered by SENSE INTERRUPT
 * STATUS and when the last result byte is read (QEMU's reset_irq). After
 * a reset four SENSE INTERRUPTs report drives 0-3's ready change (ST0
 * 0xC0..0xC3: the datasheet's polling after a reset).
 */
#include "fdc.h"

#include <stdio.h>
#include <string.h>

enum {
    FDC_SRA = 0,
    FDC_SRB = 1,
    FDC_DOR = 2,
    FDC_TDR = 3,
    FDC_MSR_DSR = 4,
    FDC_FIFO = 5,
    FDC_IDE = 6, /* the PC's IDE alternate status: not the FDC's */
    FDC_DIR_CCR = 7,
};

#define FDC_SRA_NDRV2 0x40u   /* second drive not installed */
#define FDC_SRA_INTPEND 0x80u /* the INT pin */
#define FDC_SRB_RESET 0xC0u   /* bits 7:6 read as 1 (QEMU's 0xC0) */
#define FDC_DOR_SEL 0x01u     /* drive select: two drives (QEMU MAX_FD 2) */
#define FDC_DOR_NRESET 0x04u
#define FDC_DOR_DMAGATE 0x08u
#define FDC_MSR_CMDBUSY 0x10u
#define FDC_MSR_DIO 0x40u    /* 1: the controller has bytes for the host */
#define FDC_MSR_RQM 0x80u    /* 1: the FIFO takes (or gives) a byte */
#define FDC_DSR_RESETS 0xC0u /* software reset, power down: both reset */
#define FDC_ST0_SEEK_END 0x20u
#define FDC_ST0_ABNORMAL 0x40u
#define FDC_ST0_INVALID 0x80u
#define FDC_ST0_READY_CHANGE 0xC0u /* IC = 11: polling saw a ready change */
#define FDC_ST1_MA 0x01u           /* missing address mark: no ID found */
#define FDC_RESET_SENSEI 4u        /* one SENSE INTERRUPT per drive 0..3 */

static void fdc_update_irq(hv_fdc *f)
{
    /* Reset holds INT low; the DMA gate tristates it (datasheet, PC-AT
     * mode DOR). */
    f->irq_level = (f->sra & FDC_SRA_INTPEND) && (f->dor & FDC_DOR_NRESET) &&
                   (f->dor & FDC_DOR_DMAGATE);
    if (f->set_irq)
        f->set_irq(f->ctx, f->irq_level);
}

/* QEMU's fdctrl_raise_irq: a new interrupt ends the reset's polling
 * reports. */
static void fdc_raise(hv_fdc *f)
{
    f->sra |= FDC_SRA_INTPEND;
    f->reset_sensei = 0;
    fdc_update_irq(f);
}

/* QEMU's fdctrl_reset_irq: the interrupt and its status go together. */
static void fdc_lower(hv_fdc *f)
{
    f->sra &= (uint8_t)~FDC_SRA_INTPEND;
    f->st0 = 0;
    fdc_update_irq(f);
}

/* A register access the controller does not take: dropped (a read returns
 * the value reported), and the event names the FDC and the port. */
static void fdc_refuse(hv_fdc *f, uint32_t offset, uint8_t value)
{
    /* A flood (the VENOM sequence sends thousands) is logged once per
     * 4096 in a row (refusals.h). */
    hv_refuse(&f->refused, &f->emit, ((uint32_t)HV_DEV_FDC << 8) | offset,
              value);
}

static void fdc_access_done(hv_fdc *f)
{
    hv_refusals_done(&f->refused);
}

static void fdc_to_command(hv_fdc *f)
{
    f->phase = HV_FDC_COMMAND;
    f->data_pos = 0;
    f->data_len = 1; /* the command byte; its parameters are added later */
}

/* The result is already in fifo[0..n-1]; n is at most 10 (DUMPREG). */
static void fdc_to_result(hv_fdc *f, uint16_t n)
{
    f->phase = HV_FDC_RESULT;
    f->data_pos = 0;
    f->data_len = n;
}

/* Bits 1:0 of a command's first parameter select the drive (masked to the
 * two drives, as QEMU's SET_CUR_DRV), bit 2 the head. */
static void fdc_select(hv_fdc *f, uint8_t hds_ds)
{
    f->cur = hds_ds & FDC_DOR_SEL;
    f->head[f->cur] = (hds_ds >> 2) & 1u;
}

/* The controller core's reset (DOR, DSR). CONFIGURE, LOCK, SPECIFY and
 * PERPENDICULAR settings survive it, as in QEMU. */
static void fdc_reset_core(hv_fdc *f, bool irq)
{
    f->sra = FDC_SRA_NDRV2; /* INTPEND clear: the line drops first */
    f->srb = FDC_SRB_RESET;
    f->st0 = 0;
    f->reset_sensei = 0;
    f->cur = 0;
    /* QEMU recalibrates every drive on reset. */
    memset(f->pcn, 0, sizeof(f->pcn));
    memset(f->head, 0, sizeof(f->head));
    fdc_to_command(f);
    if (irq) {
        f->st0 = FDC_ST0_READY_CHANGE;
        f->sra |= FDC_SRA_INTPEND;
        f->reset_sensei = FDC_RESET_SENSEI;
    }
    fdc_update_irq(f);
}

/* --- The commands ------------------------------------------------------ */

/* READ, WRITE, VERIFY, SCAN, FORMAT and READ ID: no diskette, so no ID
 * field is found. ST0 abnormal termination, ST1 MA, then C/H/R/N: the
 * command's own for 8-parameter commands, else where the head is. The
 * result phase of a data command interrupts (datasheet; QEMU's
 * fdctrl_stop_transfer). */
static void fdc_cmd_no_medium(hv_fdc *f)
{
    fdc_select(f, f->fifo[1]);
    uint8_t chrn[4] = {f->pcn[f->cur], f->head[f->cur], 1, 2};
    if (f->data_len == 9)
        memcpy(chrn, &f->fifo[2], sizeof(chrn));
    f->st0 =
        (uint8_t)(FDC_ST0_ABNORMAL | ((unsigned)f->head[f->cur] << 2) | f->cur);
    f->fifo[0] = f->st0;
    f->fifo[1] = FDC_ST1_MA;
    f->fifo[2] = 0;
    memcpy(&f->fifo[3], chrn, sizeof(chrn));
    fdc_to_result(f, 7);
    fdc_raise(f);
}

/* RECALIBRATE to cylinder 0 (the drive's track-0 sensor works without a
 * diskette), SEEK to its second parameter. */
static void fdc_cmd_seek(hv_fdc *f)
{
    fdc_select(f, f->fifo[1]);
    f->pcn[f->cur] = f->fifo[0] == 0x07 ? 0 : f->fifo[2];
    fdc_to_command(f); /* no result phase: SENSE INTERRUPT reads it */
    f->st0 = (uint8_t)(FDC_ST0_SEEK_END | f->cur); /* QEMU omits HD */
    fdc_raise(f);
}

static void fdc_cmd_sense_interrupt(hv_fdc *f)
{
    if (f->reset_sensei > 0) {
        f->fifo[0] = (uint8_t)(FDC_ST0_READY_CHANGE |
                               (FDC_RESET_SENSEI - f->reset_sensei));
        f->reset_sensei--;
    } else if (!(f->sra & FDC_SRA_INTPEND)) {
        f->fifo[0] = FDC_ST0_INVALID; /* nothing to report: "invalid" */
        fdc_to_result(f, 1);
        return;
    } else {
        f->fifo[0] = (uint8_t)((f->st0 & ~0x07u) | f->cur);
    }
    f->fifo[1] = f->pcn[f->cur];
    fdc_to_result(f, 2);
    fdc_lower(f);
}

static void fdc_cmd_specify(hv_fdc *f)
{
    memcpy(f->specify, &f->fifo[1], sizeof(f->specify));
    fdc_to_command(f);
}

/* ST3: bits 5 and 3 always read 1 on the 82077AA (QEMU: 0x28), T0 on
 * cylinder 0, WP clear (QEMU's value with no diskette). */
static void fdc_cmd_sense_drive(hv_fdc *f)
{
    fdc_select(f, f->fifo[1]);
    f->fifo[0] = (uint8_t)(0x28u | (f->pcn[f->cur] == 0 ? 0x10u : 0u) |
                           ((unsigned)f->head[f->cur] << 2) | f->cur);
    fdc_to_result(f, 1);
}

/* VERSION: 0x90, an enhanced controller (an 8272A answers 0x80, invalid).
 * PART ID: QEMU's 82078 stepping 1. */
static void fdc_cmd_id(hv_fdc *f)
{
    f->fifo[0] = f->fifo[0] == 0x10 ? 0x90 : 0x41;
    fdc_to_result(f, 1);
}

/* DUMPREG (datasheet Table 5-1): PCN of drives 0-3, SPECIFY's two bytes,
 * SC/EOT (0: no data command has run), LOCK|D3..D0|GAP|WGATE, CONFIGURE's
 * byte, PRETRK. */
static void fdc_cmd_dumpreg(hv_fdc *f)
{
    uint8_t lock_perp = (uint8_t)((f->lock ? 0x80u : 0u) | f->perpendicular);
    const uint8_t r[10] = {f->pcn[0],     f->pcn[1],     0, 0,
                           f->specify[0], f->specify[1], 0, lock_perp,
                           f->config,     f->precomp};
    memcpy(f->fifo, r, sizeof(r));
    fdc_to_result(f, (uint16_t)sizeof(r));
}

static void fdc_cmd_configure(hv_fdc *f)
{
    f->config = f->fifo[2];
    f->precomp = f->fifo[3];
    fdc_to_command(f);
}

static void fdc_cmd_lock(hv_fdc *f)
{
    f->lock = (f->fifo[0] & 0x80u) != 0;
    f->fifo[0] = (uint8_t)(f->lock ? 0x10u : 0u);
    fdc_to_result(f, 1);
}

/* OW (bit 7) set: D3..D0 are written too; GAP and WGATE always are. */
static void fdc_cmd_perpendicular(hv_fdc *f)
{
    uint8_t keep = (f->fifo[1] & 0x80u) ? 0u : (f->perpendicular & 0x3Cu);
    uint8_t take = (f->fifo[1] & 0x80u) ? 0x3Fu : 0x03u;
    f->perpendicular = (uint8_t)(keep | (f->fifo[1] & take));
    fdc_to_command(f);
}

/* The VENOM command. Its last parameter byte is read at data_len - 1,
 * which write_fifo keeps within the buffer, where QEMU used the unbounded
 * data_pos - 1. DONE (bit 7) ends the command; with bit 6 too, QEMU
 * answers 4 bytes (the first drive byte twice, then 0, 0). */
static void fdc_cmd_drive_spec(hv_fdc *f)
{
    uint8_t last = f->fifo[f->data_len - 1u];
    if (!(last & 0x80u)) {
        f->fifo[0] = (uint8_t)(FDC_ST0_INVALID |
                               ((unsigned)f->head[f->cur] << 2) | f->cur);
        fdc_to_result(f, 1);
    } else if (last & 0x40u) {
        f->fifo[0] = f->fifo[1];
        f->fifo[2] = 0;
        f->fifo[3] = 0;
        fdc_to_result(f, 4);
    } else {
        fdc_to_command(f);
    }
}

static void fdc_cmd_invalid(hv_fdc *f)
{
    f->fifo[0] = FDC_ST0_INVALID; /* datasheet: ST0 = 0x80, no interrupt */
    fdc_to_result(f, 1);
}

/* A command byte matches the first entry with (byte & mask) == value: the
 * mask drops MT, MFM and SK (QEMU's handlers[]). Parameters are the bytes
 * after the command byte. */
typedef struct fdc_cmd {
    uint8_t value, mask, params;
    const char *name;
    void (*run)(hv_fdc *f);
} fdc_cmd;

static const fdc_cmd fdc_cmds[] = {
    {0x06, 0x1F, 8, "READ DATA", fdc_cmd_no_medium},
    {0x05, 0x1F, 8, "WRITE DATA", fdc_cmd_no_medium},
    {0x0C, 0x1F, 8, "READ DELETED DATA", fdc_cmd_no_medium},
    {0x09, 0x3F, 8, "WRITE DELETED DATA", fdc_cmd_no_medium},
    {0x02, 0xBF, 8, "READ TRACK", fdc_cmd_no_medium},
    {0x16, 0x1F, 8, "VERIFY", fdc_cmd_no_medium},
    {0x11, 0x1F, 8, "SCAN EQUAL", fdc_cmd_no_medium},
    {0x19, 0x1F, 8, "SCAN LOW OR EQUAL", fdc_cmd_no_medium},
    {0x1D, 0x1F, 8, "SCAN HIGH OR EQUAL", fdc_cmd_no_medium},
    {0x0D, 0xBF, 5, "FORMAT TRACK", fdc_cmd_no_medium},
    {0x0A, 0xBF, 1, "READ ID", fdc_cmd_no_medium},
    {0x0F, 0xFF, 2, "SEEK", fdc_cmd_seek},
    {0x07, 0xFF, 1, "RECALIBRATE", fdc_cmd_seek},
    {0x08, 0xFF, 0, "SENSE INTERRUPT STATUS", fdc_cmd_sense_interrupt},
    {0x03, 0xFF, 2, "SPECIFY", fdc_cmd_specify},
    {0x04, 0xFF, 1, "SENSE DRIVE STATUS", fdc_cmd_sense_drive},
    {0x10, 0xFF, 0, "VERSION", fdc_cmd_id},
    {0x18, 0xFF, 0, "PART ID", fdc_cmd_id},
    {0x0E, 0xFF, 0, "DUMPREG", fdc_cmd_dumpreg},
    {0x13, 0xFF, 3, "CONFIGURE", fdc_cmd_configure},
    {0x14, 0x7F, 0, "LOCK", fdc_cmd_lock},
    {0x12, 0xFF, 1, "PERPENDICULAR MODE", fdc_cmd_perpendicular},
    {0x8E, 0xFF, 5, "DRIVE SPECIFICATION", fdc_cmd_drive_spec},
    {0x00, 0x00, 0, "invalid", fdc_cmd_invalid}, /* matches every byte */
};

static const fdc_cmd *fdc_lookup(uint8_t byte)
{
    const fdc_cmd *c = fdc_cmds;
    while ((byte & c->mask) != c->value)
        c++;
    return c;
}

/* --- The FIFO ---------------------------------------------------------- */

/* The bound QEMU lacked, checked before every FIFO access. It cannot fail
 * (each command runs when its last byte arrives, each result is at most 10
 * bytes); if it ever did, the access would be refused and the command
 * abandoned. */
static bool fdc_index_ok(hv_fdc *f, uint8_t value)
{
    if (f->data_pos < f->data_len && f->data_len <= sizeof(f->fifo))
        return true;
    fdc_refuse(f, FDC_FIFO, value);
    fdc_to_command(f);
    return false;
}

static void fdc_write_fifo(hv_fdc *f, uint8_t v)
{
    /* Held in reset, or result bytes waiting (MSR.DIO): QEMU's "controller
     * not ready for writing". The VENOM flood ends up here. */
    if (!(f->dor & FDC_DOR_NRESET) || f->phase != HV_FDC_COMMAND) {
        fdc_refuse(f, FDC_FIFO, v);
        return;
    }
    if (f->data_pos == 0)
        f->data_len = (uint16_t)(fdc_lookup(v)->params + 1u);
    if (!fdc_index_ok(f, v))
        return;
    f->fifo[f->data_pos++] = v;
    if (f->data_pos == f->data_len)
        fdc_lookup(f->fifo[0])->run(f); /* ends in command or result phase */
}

static uint8_t fdc_read_fifo(hv_fdc *f)
{
    if (!(f->dor & FDC_DOR_NRESET) || f->phase != HV_FDC_RESULT) {
        fdc_refuse(f, FDC_FIFO, 0); /* nothing to read: 0, as QEMU */
        return 0;
    }
    if (!fdc_index_ok(f, 0))
        return 0;
    uint8_t v = f->fifo[f->data_pos++];
    if (f->data_pos == f->data_len) {
        fdc_to_command(f);
        fdc_lower(f); /* QEMU: the result read out ends the interrupt */
    }
    return v;
}

/* --- Registers --------------------------------------------------------- */

static uint8_t fdc_msr(const hv_fdc *f)
{
    if (!(f->dor & FDC_DOR_NRESET))
        return 0;
    if (f->phase == HV_FDC_RESULT)
        return FDC_MSR_RQM | FDC_MSR_DIO | FDC_MSR_CMDBUSY;
    return (uint8_t)(FDC_MSR_RQM | (f->data_pos > 0 ? FDC_MSR_CMDBUSY : 0u));
}

/* DOR: the core resets when nRESET goes 0 -> 1 (QEMU; datasheet: held
 * in reset while 0). Motor enables and drive select show in SRB. */
static void fdc_write_dor(hv_fdc *f, uint8_t v)
{
    if (!(f->dor & FDC_DOR_NRESET) && (v & FDC_DOR_NRESET))
        fdc_reset_core(f, true);
    f->dor = v;
    f->srb = (uint8_t)(FDC_SRB_RESET | ((v >> 4) & 0x03u) |
                       ((v & FDC_DOR_SEL) << 5));
    fdc_update_irq(f); /* the DMA gate may have changed */
}

static void fdc_write(void *opaque, uint32_t offset, unsigned size,
                      uint32_t value)
{
    hv_fdc *f = opaque;
    uint8_t v = (uint8_t)value;
    bool held = !(f->dor & FDC_DOR_NRESET); /* QEMU drops these in reset */
    (void)size;                             /* byte-wide: the bus splits */

    switch (offset) {
    case FDC_SRA:
    case FDC_SRB: break; /* read-only; QEMU ignores writes, as the UART LSR */
    case FDC_DOR: fdc_write_dor(f, v); break;
    case FDC_TDR:
        if (!held)
            f->tdr = v & 0x04u; /* QEMU keeps the boot-select bit only */
        break;
    case FDC_MSR_DSR:
        if (held)
            break;
        if (v & FDC_DSR_RESETS)
            fdc_reset_core(f, true); /* self-clearing; DOR unchanged */
        f->dsr = v & 0x1Fu;
        break;
    case FDC_FIFO: fdc_write_fifo(f, v); break;
    case FDC_DIR_CCR:
        if (!held) /* CCR: the data rate, kept in DSR (as QEMU) */
            f->dsr = (uint8_t)((f->dsr & ~0x03u) | (v & 0x03u));
        break;
    default: fdc_refuse(f, offset, v); break; /* 0x3F6: the IDE's */
    }
    fdc_access_done(f);
}

static uint32_t fdc_read_reg(hv_fdc *f, uint32_t offset)
{
    switch (offset) {
    case FDC_SRA: return f->sra;
    case FDC_SRB: return f->srb;
    case FDC_DOR: return f->dor;
    case FDC_TDR: return f->tdr;
    case FDC_MSR_DSR: return fdc_msr(f);
    case FDC_FIFO: return fdc_read_fifo(f);
    case FDC_DIR_CCR:
        /* DSKCHG: an empty drive A holds its disk-change line active
         * (QEMU's default empty drive A reads 0x80); no drive B: 0. */
        return (f->dor & FDC_DOR_SEL) ? 0x00u : 0x80u;
    default:
        fdc_refuse(f, offset, 0xFF); /* 0x3F6: reads as an empty ISA port */
        return 0xFF;
    }
}

static uint32_t fdc_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_fdc *f = opaque;
    (void)size;
    uint32_t v = fdc_read_reg(f, offset);
    fdc_access_done(f);
    return v;
}

/* Power-on: DOR 0x0C (out of reset, DMA gate on: QEMU's ISA FDC has DMA
 * channel 2), MSR 0x80, SRA 0x40, SRB 0xC0, CONFIGURE 0x60 (implied seeks
 * and FIFO disabled: QEMU's value), IRQ low. */
static void fdc_reset(void *opaque)
{
    hv_fdc *f = opaque;
    memset(f->fifo, 0, sizeof(f->fifo));
    f->dor = FDC_DOR_NRESET | FDC_DOR_DMAGATE;
    f->tdr = 0;
    f->dsr = 0;
    memset(f->specify, 0, sizeof(f->specify));
    f->config = 0x60;
    f->precomp = 0;
    f->perpendicular = 0;
    f->lock = false;
    fdc_reset_core(f, false);
}

static const char *fdc_regname(uint32_t offset, bool is_write)
{
    static const char *const rd[8] = {"SRA", "SRB",  "DOR", "TDR",
                                      "MSR", "FIFO", NULL,  "DIR"};
    static const char *const wr[8] = {"SRA", "SRB",  "DOR", "TDR",
                                      "DSR", "FIFO", NULL,  "CCR"};
    if (offset >= 8)
        return NULL;
    return is_write ? wr[offset] : rd[offset];
}

/* "0x1C (nRESET|DMAGATE|MOT0)": the value, then its named set bits. */
static int fdc_flags(char *buf, size_t len, uint8_t v, const char *pre,
                     const char *const names[8])
{
    char list[96] = "";
    size_t n = 0;
    for (unsigned bit = 0; bit < 8; bit++) {
        if (!(v & (1u << bit)) || !names[bit] || n >= sizeof(list))
            continue;
        int k = snprintf(list + n, sizeof(list) - n, "%s%s", n ? "|" : "",
                         names[bit]);
        n += k > 0 ? (size_t)k : 0;
    }
    const char *sep = pre[0] && n ? ", " : "";
    if (!pre[0] && !n)
        return snprintf(buf, len, "0x%02X", v);
    return snprintf(buf, len, "0x%02X (%s%s%s)", v, pre, sep, list);
}

static int fdc_describe(uint32_t offset, bool is_write, uint32_t value,
                        char *buf, size_t len)
{
    static const char *const sra[8] = {"DIR",   "nWP",  "nINDX", "HDSEL",
                                       "nTRK0", "STEP", "nDRV2", "INT"};
    static const char *const srb[8] = {"MOT0",  "MOT1",  "WE",
                                       "RDATA", "WDATA", "DR0"};
    static const char *const dor[8] = {NULL,   NULL,   "nRESET", "DMAGATE",
                                       "MOT0", "MOT1", "MOT2",   "MOT3"};
    static const char *const msr[8] = {"DRV0BUSY", "DRV1BUSY", "DRV2BUSY",
                                       "DRV3BUSY", "CMDBUSY",  "NONDMA",
                                       "DIO",      "RQM"};
    static const char *const dsr[8] = {NULL, NULL, NULL,      NULL,
                                       NULL, NULL, "PWRDOWN", "SWRESET"};
    static const char *const dir[8] = {[7] = "DSKCHG"};
    static const char *const rate[4] = {"500 kb/s", "300 kb/s", "250 kb/s",
                                        "1 Mb/s"};
    uint8_t v = (uint8_t)value;
    char pre[16];
    switch (offset) {
    case FDC_SRA: return fdc_flags(buf, len, v, "", sra);
    case FDC_SRB: return fdc_flags(buf, len, v, "", srb);
    case FDC_DOR:
        snprintf(pre, sizeof(pre), "drive %u", v & 0x03u);
        return fdc_flags(buf, len, v, pre, dor);
    case FDC_MSR_DSR:
        if (!is_write)
            return fdc_flags(buf, len, v, "", msr);
        return fdc_flags(buf, len, v, rate[v & 3u], dsr);
    case FDC_FIFO:
        /* Stateless: a written byte is named as the command it would
         * start, which it is when MSR showed RQM without CMDBUSY; for a
         * parameter byte the name is only a hint. Result bytes: hex. */
        if (!is_write)
            return -1;
        return snprintf(buf, len, "0x%02X (%s)", v, fdc_lookup(v)->name);
    case FDC_DIR_CCR:
        if (!is_write)
            return fdc_flags(buf, len, v, "", dir);
        return snprintf(buf, len, "0x%02X (%s)", v, rate[v & 3u]);
    default: return -1; /* TDR, and 0x3F6 */
    }
}

void hv_fdc_init(hv_fdc *f, void (*set_irq)(void *ctx, int level), void *ctx,
                 hv_emitter emit)
{
    memset(f, 0, sizeof(*f));
    f->set_irq = set_irq;
    f->ctx = ctx;
    f->emit = emit;
    fdc_reset(f);
}

const hv_device_ops hv_fdc_ops = {
    .name = "fdc",
    .kind = HV_DEV_FDC,
    .sizes = 1u, /* byte-wide ports, as QEMU's portio list */
    .read = fdc_read,
    .write = fdc_write,
    .reset = fdc_reset,
    .regname = fdc_regname,
    .describe = fdc_describe,
};
