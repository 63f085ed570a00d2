/* hvlab engine: the 8259A pair (see pic8259.h).
 *
 * HOW IT WORKS
 * Each chip has two byte-wide ports (Intel 8259A datasheet, "Programming
 * the 8259A"): A0 = 0 takes ICW1 (D4 = 1), OCW2 (D4:D3 = 00) or OCW3
 * (D4:D3 = 01) and reads IRR or ISR; A0 = 1 takes ICW2-ICW4 while an
 * initialization sequence runs, OCW1 (the IMR) otherwise, and reads IMR.
 * The model follows QEMU's hw/intc/i8259.c so that a guest sees the same
 * values on hvlab and on the QEMU oracle; where the two differ it says so.
 *
 * Requests: an input's rising edge sets its IRR bit (pic_input; edge mode
 * only, as QEMU with ELCR 0). pic_get_irq() is the priority resolver: the
 * highest-priority unmasked IRR bit is requested only if it beats every
 * in-service bit, counting priority from priority_add (rotation). In
 * special mask mode masked ISR bits do not block; in special fully nested
 * mode the master does not let ISR bit 2 block the slave, so a
 * higher-priority slave line can nest (datasheet "Special Fully Nest Mode").
 *
 * The cascade: pic_update() is the one place that recomputes a chip's
 * output. The slave's output is the master's IR2 input, fed through the
 * same edge detector as an external line (QEMU wires int_out of the slave
 * to the master's input 2); the master's output is INTR to the CPU.
 *
 * INTA: hv_pic_ack() resolves on the master, and for IR2 on the slave
 * too; the chip moves the bit from IRR to ISR (or leaves ISR alone in
 * auto-EOI). With nothing left to grant, the chip answers IR7 without
 * touching ISR: the spurious interrupt (datasheet "Interrupt Sequence").
 *
 * Not modelled: level-triggered mode (ICW1 LTIM) and the 8080/8085 mode
 * (ICW4 uPM = 0, or no ICW4 at all); both are guest errors and the chip
 * carries on in edge, 8086 mode. Buffered mode (ICW4 BUF, M/S) has no
 * observable effect here. ICW3 is stored but the cascade is the PC's
 * fixed slave on master IR2, as in QEMU.
 */
#include "pic8259.h"

#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PIC_ICW1 0x10u      /* D4: an ICW1 (starts initialization) */
#define PIC_ICW1_IC4 0x01u  /* ICW4 follows */
#define PIC_ICW1_SNGL 0x02u /* single chip: no ICW3 */
#define PIC_ICW1_LTIM 0x08u /* level-triggered inputs (not modelled) */
#define PIC_OCW3 0x08u      /* D4:D3 = 01: OCW3 (else OCW2) */
#define PIC_OCW3_RR 0x02u   /* read register command: RIS selects */
#define PIC_OCW3_RIS 0x01u  /* 1: ISR, 0: IRR */
#define PIC_OCW3_P 0x04u    /* poll command */
#define PIC_OCW3_ESMM 0x40u /* enable special mask mode change */
#define PIC_OCW3_SMM 0x20u  /* special mask mode */
#define PIC_ICW4_UPM 0x01u  /* 8086/8088 mode */
#define PIC_ICW4_AEOI 0x02u
#define PIC_ICW4_SFNM 0x10u
#define PIC_CASCADE_IR 2u /* the master input the slave drives on a PC */
#define PIC_SPURIOUS_IR 7u

/* OCW2 commands, D7:D5 = R SL EOI (datasheet OCW2 table). */
enum {
    PIC_OCW2_ROTATE_AEOI_CLEAR = 0,
    PIC_OCW2_EOI = 1,
    PIC_OCW2_NOP = 2,
    PIC_OCW2_SPECIFIC_EOI = 3,
    PIC_OCW2_ROTATE_AEOI_SET = 4,
    PIC_OCW2_ROTATE_EOI = 5,
    PIC_OCW2_SET_PRIORITY = 6,
    PIC_OCW2_ROTATE_SPECIFIC_EOI = 7,
};

static void pic_update(hv_pic_chip *c);

/* Priority (0 = highest) of the highest-priority bit of `mask`, counting
 * from IR priority_add; 8 for none. */
static unsigned pic_priority(const hv_pic_chip *c, uint8_t mask)
{
    for (unsigned prio = 0; prio < 8; prio++) {
        if (mask & (1u << ((prio + c->priority_add) & 7u)))
            return prio;
    }
    return 8;
}

/* The IR this chip would raise its output for, or -1 (QEMU pic_get_irq). */
static int pic_get_irq(const hv_pic_chip *c)
{
    unsigned prio = pic_priority(c, (uint8_t)(c->irr & ~c->imr));
    if (prio == 8)
        return -1;
    uint8_t busy = c->isr;
    /* Special mask mode: a masked in-service level no longer inhibits
     * lower ones (datasheet "Special Mask Mode"). */
    if (c->special_mask)
        busy &= (uint8_t)~c->imr;
    /* Special fully nested: the slave's in-service IR2 does not block
     * further slave requests, which the slave itself orders. As QEMU's
     * pic_get_irq does, IR2 is dropped from the in-service set altogether,
     * so lower-priority master lines may nest too; the datasheet lets only
     * the slave's higher-priority requests through. Kept as QEMU, the
     * oracle, has it. */
    if (c->special_fully_nested && !c->is_slave)
        busy &= (uint8_t) ~(1u << PIC_CASCADE_IR);
    if (prio >= pic_priority(c, busy))
        return -1;
    return (int)((prio + c->priority_add) & 7u);
}

/* An input of one chip changes level: the edge detector. A 0->1 change
 * sets IRR; 1->0 only re-arms it (edge mode: the request stays latched
 * until INTA, datasheet "Edge Triggered Mode"). */
static void pic_input(hv_pic_chip *c, unsigned line, bool level)
{
    uint8_t bit = (uint8_t)(1u << (line & 7u));
    if (level) {
        if (!(c->last_level & bit))
            c->irr |= bit;
        c->last_level |= bit;
    } else {
        c->last_level &= (uint8_t)~bit;
    }
    pic_update(c);
}

/* Recomputes the chip's output: the slave's goes to the master's IR2 on
 * every update, as QEMU's qemu_irq_raise/lower do; the master's is INTR,
 * reported to the CPU side only when it changes. */
static void pic_update(hv_pic_chip *c)
{
    bool out = pic_get_irq(c) >= 0;
    if (c->is_slave) {
        pic_input(&c->pic->chip[0], PIC_CASCADE_IR, out);
        return;
    }
    hv_pic *p = c->pic;
    if (out != p->intr) {
        p->intr = out;
        if (p->set_intr)
            p->set_intr(p->ctx, out);
    }
}

/* The chip's part of INTA for `irq` (QEMU pic_intack): into ISR unless
 * auto-EOI, whose EOI at the end of INTA may rotate (datasheet AEOI). */
static void pic_intack(hv_pic_chip *c, unsigned irq)
{
    uint8_t bit = (uint8_t)(1u << (irq & 7u));
    if (c->auto_eoi) {
        if (c->rotate_on_auto_eoi)
            c->priority_add = (uint8_t)((irq + 1u) & 7u);
    } else {
        c->isr |= bit;
    }
    c->irr &= (uint8_t)~bit;
    pic_update(c);
}

/* What ICW1 and power-on do (QEMU pic_reset_common, ELCR 0): the
 * datasheet's "IMR cleared, IR7 lowest priority, special mask mode
 * cleared, status read set to IRR"; QEMU also forgets IRR, ISR and the
 * edge detector. So a line held high latches again the next time its
 * device reports it, where the datasheet wants a fresh low-to-high
 * transition; hvlab follows the oracle. */
static void pic_init_reset(hv_pic_chip *c)
{
    /* Everything but the chip's place in the pair (QEMU's /SP pin). */
    hv_pic *p = c->pic;
    bool is_slave = c->is_slave;
    memset(c, 0, sizeof *c);
    c->pic = p;
    c->is_slave = is_slave;
    pic_update(c);
}

static void pic_guest_error(hv_pic_chip *c, uint32_t offset, uint8_t value)
{
    uint32_t reg = offset | (c->is_slave ? 0x80u : 0u);
    hv_emit(&c->pic->emit, HV_EV_GUEST_ERROR, HV_GERR_DEVICE,
            ((uint32_t)HV_DEV_PIC8259 << 8) | reg, value, 0);
}

static void pic_write_icw1(hv_pic_chip *c, uint8_t v)
{
    pic_init_reset(c);
    c->init_state = 1;
    c->icw4_needed = (v & PIC_ICW1_IC4) != 0;
    c->single = (v & PIC_ICW1_SNGL) != 0;
    /* Level mode, and 8080 mode by omission of ICW4 ("if IC4 = 0, all
     * functions selected in ICW4 are set to zero", so uPM = 0). */
    if ((v & PIC_ICW1_LTIM) || !c->icw4_needed)
        pic_guest_error(c, 0, v);
}

static void pic_write_ocw2(hv_pic_chip *c, uint8_t v)
{
    unsigned level = v & 7u; /* L2..L0 */
    switch (v >> 5) {
    case PIC_OCW2_ROTATE_AEOI_CLEAR:
    case PIC_OCW2_ROTATE_AEOI_SET:
        c->rotate_on_auto_eoi = (v >> 7) != 0;
        return;
    case PIC_OCW2_EOI:
    case PIC_OCW2_ROTATE_EOI: {
        /* Non-specific EOI: the highest-priority in-service level, the
         * one the fully nested mode says was serviced last. */
        unsigned prio = pic_priority(c, c->isr);
        if (prio == 8)
            return;
        unsigned irq = (prio + c->priority_add) & 7u;
        c->isr &= (uint8_t) ~(1u << irq);
        if ((v >> 5) == PIC_OCW2_ROTATE_EOI)
            c->priority_add = (uint8_t)((irq + 1u) & 7u);
        break;
    }
    case PIC_OCW2_SPECIFIC_EOI: c->isr &= (uint8_t) ~(1u << level); break;
    case PIC_OCW2_SET_PRIORITY:
        /* L2..L0 name the lowest priority; the next IR is the highest. */
        c->priority_add = (uint8_t)((level + 1u) & 7u);
        break;
    case PIC_OCW2_ROTATE_SPECIFIC_EOI:
        c->isr &= (uint8_t) ~(1u << level);
        c->priority_add = (uint8_t)((level + 1u) & 7u);
        break;
    default: /* PIC_OCW2_NOP */ return;
    }
    pic_update(c);
}

static void pic_write_ocw3(hv_pic_chip *c, uint8_t v)
{
    if (v & PIC_OCW3_P)
        c->poll = true;
    if (v & PIC_OCW3_RR)
        c->read_isr = (v & PIC_OCW3_RIS) != 0;
    if (v & PIC_OCW3_ESMM)
        c->special_mask = (v & PIC_OCW3_SMM) != 0;
    /* QEMU does not re-resolve here, so INTR waits for the next event;
     * the datasheet lets special mask mode enable lower levels at once,
     * and so does hvlab. */
    pic_update(c);
}

static void pic_write_odd(hv_pic_chip *c, uint8_t v)
{
    switch (c->init_state) {
    case 1: /* ICW2: T7..T3; the chip puts the IR in T2..T0 */
        c->vector_base = v & 0xF8u;
        c->init_state = !c->single ? 2 : c->icw4_needed ? 3 : 0;
        break;
    case 2: /* ICW3: which IRs have slaves / this slave's ID */
        c->icw3 = v;
        c->init_state = c->icw4_needed ? 3 : 0;
        break;
    case 3: /* ICW4 */
        if (!(v & PIC_ICW4_UPM))
            pic_guest_error(c, 1, v);
        c->auto_eoi = (v & PIC_ICW4_AEOI) != 0;
        c->special_fully_nested = (v & PIC_ICW4_SFNM) != 0;
        c->init_state = 0;
        pic_update(c);
        break;
    default: /* OCW1 */
        c->imr = v;
        c->init_state = 0;
        pic_update(c);
        break;
    }
}

static void pic_write(void *opaque, uint32_t offset, unsigned size,
                      uint32_t value)
{
    hv_pic_chip *c = opaque;
    uint8_t v = (uint8_t)value;
    (void)size; /* byte-wide: the bus splits wider accesses */

    /* Only A0 reaches the chip. */
    if (offset & 1u)
        pic_write_odd(c, v);
    else if (v & PIC_ICW1)
        pic_write_icw1(c, v);
    else if (v & PIC_OCW3)
        pic_write_ocw3(c, v);
    else
        pic_write_ocw2(c, v);
}

static uint32_t pic_read(void *opaque, uint32_t offset, unsigned size)
{
    hv_pic_chip *c = opaque;
    (void)size;

    /* After a poll command the chip takes the next RD as INTA and puts
     * I (bit 7) and W2..W0 on the bus, whichever port (datasheet "The
     * Poll Command"; QEMU checks poll before the address too). */
    if (c->poll) {
        c->poll = false;
        int irq = pic_get_irq(c);
        if (irq < 0)
            return 0;
        pic_intack(c, (unsigned)irq);
        return 0x80u | (unsigned)irq;
    }
    if (offset & 1u)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* Power-on (QEMU pic_reset): as ICW1, and ready for OCWs. */
static void pic_reset(void *opaque)
{
    pic_init_reset(opaque);
}

static const char *pic_regname(uint32_t offset, bool is_write)
{
    /* Which word a write is depends on its value and the chip's state;
     * the names list the candidates. */
    if (offset == 0)
        return is_write ? "ICW1/OCW2/OCW3" : "IRR/ISR";
    if (offset == 1)
        return is_write ? "IMR/ICW2-4" : "IMR";
    return NULL;
}

/* OCW2 by R SL EOI; the SL ("specific level") commands name an IR. */
static void pic_describe_ocw2(hv_fmt *o, uint8_t v)
{
    static const char *const cmd[8] = {
        "rotate in auto-EOI off",
        "non-specific EOI",
        "OCW2 no-op",
        "specific EOI",
        "rotate in auto-EOI on",
        "rotate on non-specific EOI",
        "set lowest priority",
        "rotate on specific EOI",
    };
    unsigned c = v >> 5;
    hv_fmt_printf(o, "%s", cmd[c]);
    if (c == PIC_OCW2_SPECIFIC_EOI || c == PIC_OCW2_SET_PRIORITY ||
        c == PIC_OCW2_ROTATE_SPECIFIC_EOI)
        hv_fmt_printf(o, " IR%u", v & 7u);
}

static void pic_describe_ocw3(hv_fmt *o, uint8_t v)
{
    const char *sep = "OCW3: ";
    if (v & PIC_OCW3_RR) {
        hv_fmt_printf(o, "%sread %s", sep, (v & PIC_OCW3_RIS) ? "ISR" : "IRR");
        sep = ", ";
    }
    if (v & PIC_OCW3_P) {
        hv_fmt_printf(o, "%spoll", sep);
        sep = ", ";
    }
    if (v & PIC_OCW3_ESMM) {
        hv_fmt_printf(o, "%sspecial mask %s", sep,
                   (v & PIC_OCW3_SMM) ? "on" : "off");
        sep = ", ";
    }
    if (sep[0] == 'O')
        hv_fmt_printf(o, "OCW3: no-op");
}

/* "unmasked: IR0-2,5": the clear bits of a mask, as runs. */
static void pic_describe_mask(hv_fmt *o, uint8_t v)
{
    if (v == 0xFF) {
        hv_fmt_printf(o, "all masked");
        return;
    }
    hv_fmt_printf(o, "unmasked: IR");
    const char *sep = "";
    for (unsigned ir = 0; ir < 8; ir++) {
        if (v & (1u << ir))
            continue;
        unsigned last = ir;
        while (last < 7 && !(v & (1u << (last + 1))))
            last++;
        if (last == ir)
            hv_fmt_printf(o, "%s%u", sep, ir);
        else
            hv_fmt_printf(o, "%s%u-%u", sep, ir, last);
        sep = ",";
        ir = last;
    }
}

static int pic_describe(uint32_t offset, bool is_write, uint32_t value,
                        char *buf, size_t len)
{
    hv_fmt o = {.buf = buf, .len = len, .pos = 0};
    uint8_t v = (uint8_t)value;
    if (len > 0)
        buf[0] = '\0';

    /* Reads of the even port are IRR, ISR or a poll byte, which only the
     * chip's state tells apart: plain hex. */
    if (offset > 1 || (offset == 0 && !is_write))
        return -1;
    hv_fmt_printf(&o, "0x%02X (", v);
    if (offset == 1) {
        /* Statelessly an ICW2-4 looks like a mask too; regname says so. */
        pic_describe_mask(&o, v);
    } else if (v & PIC_ICW1) {
        hv_fmt_printf(&o, "ICW1: %s, %s, %s",
                   (v & PIC_ICW1_LTIM) ? "level" : "edge",
                   (v & PIC_ICW1_SNGL) ? "single" : "cascade",
                   (v & PIC_ICW1_IC4) ? "ICW4 needed" : "no ICW4");
    } else if (v & PIC_OCW3) {
        pic_describe_ocw3(&o, v);
    } else {
        pic_describe_ocw2(&o, v);
    }
    hv_fmt_printf(&o, ")");
    return (int)o.pos;
}

const hv_device_ops hv_pic8259_ops = {
    .name = "pic8259",
    .kind = HV_DEV_PIC8259,
    .sizes = 1u, /* byte-wide, like QEMU's .impl of 1..1 */
    .read = pic_read,
    .write = pic_write,
    .reset = pic_reset,
    .regname = pic_regname,
    .describe = pic_describe,
};

void hv_pic_init(hv_pic *p, void (*set_intr)(void *ctx, bool level), void *ctx,
                 hv_emitter emit)
{
    memset(p, 0, sizeof *p);
    p->set_intr = set_intr;
    p->ctx = ctx;
    p->emit = emit;
    p->chip[1].is_slave = true;
    p->chip[0].pic = p->chip[1].pic = p;
    pic_init_reset(&p->chip[1]);
    pic_init_reset(&p->chip[0]);
}

void hv_pic_set_irq(hv_pic *p, unsigned irq, int level)
{
    if (irq >= 16)
        return; /* no such line: a wiring bug, not the guest's */
    uint16_t bit = (uint16_t)(1u << irq);
    bool high = level != 0;
    if (high != ((p->lines & bit) != 0)) {
        p->lines = (uint16_t)(high ? p->lines | bit : p->lines & ~bit);
        hv_emit(&p->emit, HV_EV_IRQ, irq, high, 0, 0);
    }
    /* Every report goes to the edge detector, changed or not, as QEMU's
     * pic_set_irq sees every qemu_set_irq. IRQ 2 is the master's cascade
     * input: a device there shares it with the slave, as in QEMU. */
    pic_input(&p->chip[irq >> 3], irq & 7u, high);
}

uint8_t hv_pic_ack(hv_pic *p, unsigned *irq)
{
    hv_pic_chip *m = &p->chip[0], *s = &p->chip[1];
    unsigned line;
    uint8_t vector;
    int mirq = pic_get_irq(m);

    if (mirq < 0) {
        /* Nothing to grant: the master answers IR7, ISR untouched. */
        line = PIC_SPURIOUS_IR;
        vector = (uint8_t)(m->vector_base + PIC_SPURIOUS_IR);
    } else if ((unsigned)mirq == PIC_CASCADE_IR) {
        /* The master grants IR2 and the slave supplies the vector; if the
         * slave has nothing (its request went away) it answers IR7, and
         * the master's IR2 is still in service (QEMU pic_read_irq). */
        int sirq = pic_get_irq(s);
        unsigned sl = sirq < 0 ? PIC_SPURIOUS_IR : (unsigned)sirq;
        if (sirq >= 0)
            pic_intack(s, sl);
        line = 8u + sl;
        vector = (uint8_t)(s->vector_base + sl);
        pic_intack(m, PIC_CASCADE_IR);
    } else {
        line = (unsigned)mirq;
        vector = (uint8_t)(m->vector_base + line);
        pic_intack(m, line);
    }
    if (irq)
        *irq = line;
    return vector;
}

bool hv_pic_irq_unmasked(const hv_pic *p, unsigned irq)
{
    if (irq >= 16)
        return false;
    if (p->chip[0].imr & (1u << (irq < 8 ? irq : PIC_CASCADE_IR)))
        return false;
    return irq < 8 || !(p->chip[1].imr & (1u << (irq - 8)));
}
