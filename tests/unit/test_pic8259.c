/* Unit tests of the 8259A pair, driven through the bus at 0x20/0xA0 as a
 * guest drives them (STYLE.md practice 13, QEMU qtest style). Expected
 * values come from the Intel 8259A datasheet and QEMU's hw/intc/i8259.c;
 * each check says which. */
#include "devices/pic8259.h"

#include "check.h"

#define MASTER 0x20u
#define SLAVE 0xA0u

typedef struct ev {
    hv_event_type type;
    uint32_t a, b, c, d;
} ev;

typedef struct rig {
    hv_bus bus;
    hv_pic pic;
    bool intr;      /* last level set_intr reported */
    int intr_calls; /* how often set_intr was called */
    ev evs[64];
    size_t nev;
} rig;

static void rig_intr(void *ctx, bool level)
{
    rig *r = ctx;
    r->intr = level;
    r->intr_calls++;
}

static void rig_emit(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d)
{
    rig *r = opaque;
    if (r->nev < sizeof(r->evs) / sizeof(r->evs[0]))
        r->evs[r->nev++] = (ev){type, a, b, c, d};
}

/* Events of one type in the log (tests clear it with r->nev = 0). */
static size_t count_events(rig *r, hv_event_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++)
        n += r->evs[i].type == type;
    return n;
}

static void rig_init(rig *r)
{
    memset(r, 0, sizeof(*r));
    hv_emitter emit = {.fn = rig_emit, .opaque = r};
    hv_bus_init(&r->bus, (hv_emitter){0});
    hv_pic_init(&r->pic, rig_intr, r, emit);
    CHECK_OK(hv_bus_add(&r->bus, MASTER, 2, &hv_pic8259_ops, &r->pic.chip[0]));
    CHECK_OK(hv_bus_add(&r->bus, SLAVE, 2, &hv_pic8259_ops, &r->pic.chip[1]));
}

static uint8_t in8(rig *r, unsigned port)
{
    return (uint8_t)hv_bus_in(&r->bus, (uint16_t)port, 1);
}

static void out8(rig *r, unsigned port, uint8_t v)
{
    hv_bus_out(&r->bus, (uint16_t)port, 1, v);
}

/* The PC BIOS / Linux sequence: ICW1 edge+cascade+ICW4, ICW2 vector base,
 * ICW3 (master: slave on IR2; slave: ID 2), ICW4 8086 mode (+AEOI if
 * `icw4` says so); then OCW1 unmasks everything. */
static void rig_init_pc(rig *r, uint8_t icw4)
{
    out8(r, MASTER, 0x11);
    out8(r, MASTER + 1, 0x20);
    out8(r, MASTER + 1, 0x04);
    out8(r, MASTER + 1, icw4);
    out8(r, SLAVE, 0x11);
    out8(r, SLAVE + 1, 0x28);
    out8(r, SLAVE + 1, 0x02);
    out8(r, SLAVE + 1, icw4);
    r->nev = 0;
}

/* Read ISR through OCW3 RR=1 RIS=1, then back to IRR (OCW3 0x0A). */
static uint8_t read_isr(rig *r, unsigned chip)
{
    out8(r, chip, 0x0B);
    uint8_t v = in8(r, chip);
    out8(r, chip, 0x0A);
    return v;
}

/* An edge: the line goes high then low again (an ISA device's pulse). */
static void pulse(rig *r, unsigned irq)
{
    hv_pic_set_irq(&r->pic, irq, 1);
    hv_pic_set_irq(&r->pic, irq, 0);
}

static void test_power_on_values(void)
{
    rig r;
    rig_init(&r);
    /* QEMU pic_reset: IMR 0, IRR 0, ISR 0; OCW3 reads IRR by default
     * (datasheet: "status read set to IRR"). */
    CHECK_EQ(in8(&r, MASTER + 1), 0x00);
    CHECK_EQ(in8(&r, SLAVE + 1), 0x00);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    CHECK_EQ(in8(&r, SLAVE), 0x00);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK(!r.pic.intr);
    CHECK_EQ(r.intr_calls, 0); /* INTR starts low: no change to report */
    /* Vector base 0 before ICW2: an IRQ 1 edge is vector 0x01. */
    pulse(&r, 1);
    CHECK(r.intr);
    unsigned irq = 99;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x01);
    CHECK_EQ(irq, 1);
}

static void test_pc_init_irq0(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 0);
    CHECK(!r.intr);
    hv_pic_set_irq(&r.pic, 0, 1);
    /* IRR bit 0 latched, unmasked, nothing in service: INTR high. */
    CHECK_EQ(in8(&r, MASTER), 0x01);
    CHECK(r.intr);
    CHECK(r.pic.intr);
    unsigned irq = 99;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20); /* ICW2 0x20 + IR0 */
    CHECK_EQ(irq, 0);
    /* INTA moved the bit from IRR to ISR; INTR drops. */
    CHECK_EQ(in8(&r, MASTER), 0x00);
    CHECK_EQ(read_isr(&r, MASTER), 0x01);
    CHECK(!r.intr);
    out8(&r, MASTER, 0x20); /* non-specific EOI */
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK(!r.intr);
}

static void test_masking(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    out8(&r, MASTER + 1, 0x02); /* OCW1: mask IR1 */
    CHECK_EQ(in8(&r, MASTER + 1), 0x02);
    CHECK(!hv_pic_irq_unmasked(&r.pic, 1));
    CHECK(hv_pic_irq_unmasked(&r.pic, 0));
    hv_pic_set_irq(&r.pic, 1, 1);
    /* The request is latched in IRR but masked: INTR stays low. */
    CHECK_EQ(in8(&r, MASTER), 0x02);
    CHECK(!r.intr);
    out8(&r, MASTER + 1, 0x00); /* unmask: the latched request shows */
    CHECK(r.intr);
    unsigned irq;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x21);

    /* Slave lines need IR2 open on the master too. */
    out8(&r, MASTER + 1, 0x04);
    CHECK(!hv_pic_irq_unmasked(&r.pic, 12));
    out8(&r, MASTER + 1, 0x00);
    out8(&r, SLAVE + 1, 0x10);
    CHECK(!hv_pic_irq_unmasked(&r.pic, 12));
    CHECK(hv_pic_irq_unmasked(&r.pic, 13));
    CHECK(!hv_pic_irq_unmasked(&r.pic, 16));
    CHECK(!hv_pic_irq_unmasked(&r.pic, 0xFFFFFFFFu));
}

static void test_priority(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    unsigned irq;
    hv_pic_set_irq(&r.pic, 3, 1);
    hv_pic_set_irq(&r.pic, 1, 1);
    /* Fully nested: IR0 highest ... IR7 lowest, so IR1 first. */
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x21);
    CHECK_EQ(irq, 1);
    /* IR3 is lower than the in-service IR1: no interrupt. */
    CHECK_EQ(in8(&r, MASTER), 0x08);
    CHECK(!r.intr);
    /* A higher-priority IR0 does interrupt the in-service IR1. */
    hv_pic_set_irq(&r.pic, 0, 1);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
    CHECK_EQ(read_isr(&r, MASTER), 0x03);
    CHECK(!r.intr);
    /* EOI clears the highest in service (IR0): IR1 still blocks IR3. */
    out8(&r, MASTER, 0x20);
    CHECK_EQ(read_isr(&r, MASTER), 0x02);
    CHECK(!r.intr);
    /* EOI for IR1: now IR3 gets through. */
    out8(&r, MASTER, 0x20);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x23);
    CHECK_EQ(read_isr(&r, MASTER), 0x08);
}

static void test_cascade(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    hv_pic_set_irq(&r.pic, 12, 1);
    /* Slave IR4 latched; the slave's INTR is the master's IR2 edge. */
    CHECK_EQ(in8(&r, SLAVE), 0x10);
    CHECK_EQ(in8(&r, MASTER), 0x04);
    CHECK(r.intr);
    unsigned irq = 99;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x2C); /* slave ICW2 0x28 + IR4 */
    CHECK_EQ(irq, 12);
    CHECK_EQ(read_isr(&r, SLAVE), 0x10);
    CHECK_EQ(read_isr(&r, MASTER), 0x04);
    CHECK_EQ(in8(&r, SLAVE), 0x00);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    CHECK(!r.intr);
    /* The handler's EOIs: slave first, then master. */
    out8(&r, SLAVE, 0x20);
    CHECK_EQ(read_isr(&r, SLAVE), 0x00);
    CHECK_EQ(read_isr(&r, MASTER), 0x04);
    out8(&r, MASTER, 0x20);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK(!r.intr);
}

static void test_edge_semantics(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    unsigned irq;
    /* Held high: one edge, one request. */
    hv_pic_set_irq(&r.pic, 4, 1);
    hv_pic_set_irq(&r.pic, 4, 1);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x24);
    out8(&r, MASTER, 0x20);
    hv_pic_set_irq(&r.pic, 4, 1); /* still high: no new edge */
    CHECK_EQ(in8(&r, MASTER), 0x00);
    CHECK(!r.intr);
    /* Lower and raise again: a new edge latches again. */
    hv_pic_set_irq(&r.pic, 4, 0);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    hv_pic_set_irq(&r.pic, 4, 1);
    CHECK_EQ(in8(&r, MASTER), 0x10);
    CHECK(r.intr);
    /* Lowering does not withdraw an edge request (datasheet: edge mode
     * latches); a second edge before INTA is the same IRR bit. */
    hv_pic_set_irq(&r.pic, 4, 0);
    CHECK_EQ(in8(&r, MASTER), 0x10);
    pulse(&r, 4);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x24);
    out8(&r, MASTER, 0x20);
    CHECK(!r.intr);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    /* Nothing left: INTA now gets the spurious IR7. */
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x27);
}

static void test_auto_eoi(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x03); /* ICW4: 8086 mode, AEOI */
    unsigned irq;
    pulse(&r, 0);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
    /* AEOI: the EOI happens at the end of INTA, ISR never shows it. */
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    /* So a lower-priority request interrupts without an EOI. */
    pulse(&r, 5);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x25);

    /* Rotate in AEOI (OCW2 0x80): after IR0, IR0 becomes lowest, so of
     * IR0 and IR7 pending, IR7 goes first (datasheet "Automatic
     * Rotation"). */
    out8(&r, MASTER, 0x80);
    pulse(&r, 0);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
    pulse(&r, 0);
    pulse(&r, 7);
    CHECK_EQ(in8(&r, MASTER), 0x81);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x27);
    CHECK_EQ(irq, 7);
    CHECK_EQ(in8(&r, MASTER), 0x01); /* a real IR7, not the spurious one */
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
}

static void test_specific_eoi_and_rotation(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    unsigned irq;
    pulse(&r, 3);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x23);
    pulse(&r, 1); /* higher than IR3: nests */
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x21);
    CHECK_EQ(read_isr(&r, MASTER), 0x0A);
    /* Specific EOI IR3 (0x63) clears bit 3, not the highest (bit 1). */
    out8(&r, MASTER, 0x63);
    CHECK_EQ(read_isr(&r, MASTER), 0x02);
    out8(&r, MASTER, 0x61);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);

    /* Set priority (0xC3): IR3 lowest, so IR4 highest; of IR0 and IR5
     * pending, IR5 goes first. */
    out8(&r, MASTER, 0xC3);
    pulse(&r, 0);
    pulse(&r, 5);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x25);
    /* Rotate on non-specific EOI (0xA0): IR5 ends and becomes lowest. */
    out8(&r, MASTER, 0xA0);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK_EQ(r.pic.chip[0].priority_add, 6);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
    /* Rotate on specific EOI (0xE0): IR0 ends, IR1 becomes highest. */
    out8(&r, MASTER, 0xE0);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK_EQ(r.pic.chip[0].priority_add, 1);
}

static void test_special_fully_nested(void)
{
    unsigned irq;
    /* Plain fully nested: with IRQ 12 in service, IRQ 10 (slave IR2,
     * higher than IR4 there) raises the slave's output, but the master
     * holds IR2 in service at the same level: no INTR. */
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    pulse(&r, 12);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x2C);
    pulse(&r, 10);
    CHECK_EQ(in8(&r, MASTER), 0x04); /* the edge reached IR2... */
    CHECK(!r.intr);                  /* ...and waits */
    /* SFNM on the master (ICW4 0x11): the master's in-service IR2 does
     * not block IR2 (datasheet "Special Fully Nest Mode"), so the
     * higher-priority slave request nests. */
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    out8(&r, MASTER, 0x11);
    out8(&r, MASTER + 1, 0x20);
    out8(&r, MASTER + 1, 0x04);
    out8(&r, MASTER + 1, 0x11);
    pulse(&r, 12);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x2C);
    pulse(&r, 10);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x2A);
    CHECK_EQ(irq, 10);
    CHECK_EQ(read_isr(&r, SLAVE), 0x14);
    /* A lower slave line still waits: the slave's own ISR orders it. */
    pulse(&r, 13);
    CHECK(!r.intr);
}

static void test_spurious(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    unsigned irq = 0;
    /* Nothing pending: IR7 on the master, ISR untouched. */
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x27);
    CHECK_EQ(irq, 7);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    /* A request masked before INTA: the same. */
    pulse(&r, 3);
    CHECK(r.intr);
    out8(&r, MASTER + 1, 0x08);
    CHECK(!r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x27);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    out8(&r, MASTER + 1, 0x00);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x23);
    out8(&r, MASTER, 0x20);

    /* The slave's request masked after it reached the master: the master
     * still grants IR2 (edge latched), the slave answers IR7 = IRQ 15,
     * vector 0x2F; the master's IR2 goes in service (QEMU pic_read_irq),
     * the slave's ISR stays 0. */
    pulse(&r, 12);
    out8(&r, SLAVE + 1, 0x10);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x2F);
    CHECK_EQ(irq, 15);
    CHECK_EQ(read_isr(&r, SLAVE), 0x00);
    CHECK_EQ(read_isr(&r, MASTER), 0x04);
}

static void test_poll(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    /* Poll with nothing pending: I = 0 (datasheet poll word). */
    out8(&r, MASTER, 0x0C);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    pulse(&r, 1);
    out8(&r, MASTER, 0x0C);
    /* I = 1, W2..W0 = 1; the read is the INTA: ISR bit 1 set. */
    CHECK_EQ(in8(&r, MASTER), 0x81);
    CHECK_EQ(in8(&r, MASTER), 0x00); /* poll is one read; IRR now */
    CHECK_EQ(read_isr(&r, MASTER), 0x02);
    CHECK(!r.intr);
    out8(&r, MASTER, 0x20);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
}

static void test_special_mask_mode(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    unsigned irq;
    pulse(&r, 3);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x23);
    /* IR5 is lower than the in-service IR3: blocked. */
    pulse(&r, 5);
    CHECK(!r.intr);
    /* The IR3 handler masks IR3 and sets special mask mode (OCW3 0x68):
     * a masked ISR bit no longer inhibits lower levels. */
    out8(&r, MASTER + 1, 0x08);
    CHECK(!r.intr);
    out8(&r, MASTER, 0x68);
    CHECK(r.intr);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x25);
    CHECK_EQ(read_isr(&r, MASTER), 0x28);
    out8(&r, MASTER, 0x65); /* specific EOI IR5 */
    /* Reset special mask mode (0x48): IR3 in service blocks IR6 again. */
    out8(&r, MASTER, 0x48);
    pulse(&r, 6);
    CHECK(!r.intr);
    out8(&r, MASTER, 0x63);
    CHECK(r.intr);
}

static void test_icw1_resets(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    out8(&r, MASTER + 1, 0xFF);
    CHECK_EQ(in8(&r, MASTER + 1), 0xFF);
    out8(&r, MASTER, 0x0B); /* read ISR ... */
    pulse(&r, 0);           /* ... and a masked request pending */
    out8(&r, MASTER, 0x11);
    /* ICW1: IMR cleared, IRR cleared (QEMU, edge mode), status read back
     * to IRR (datasheet). */
    CHECK_EQ(in8(&r, MASTER + 1), 0x00);
    CHECK_EQ(in8(&r, MASTER), 0x00);
    CHECK(!r.intr);
    /* The next odd writes are ICW2-4, not OCW1. */
    /* ICW2 0x47: only T7..T3 count, the chip fills in the IR (datasheet
     * ICW2; QEMU irq_base = val & 0xf8), so IRQ 1 is 0x41, not 0x48. */
    out8(&r, MASTER + 1, 0x47);
    out8(&r, MASTER + 1, 0x04);
    out8(&r, MASTER + 1, 0x01);
    CHECK_EQ(in8(&r, MASTER + 1), 0x00);
    pulse(&r, 1);
    unsigned irq;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x41);
    /* The bus reset (power-on) restores vector base 0 and IMR 0. */
    out8(&r, MASTER + 1, 0x55);
    hv_bus_reset(&r.bus);
    CHECK_EQ(in8(&r, MASTER + 1), 0x00);
    CHECK_EQ(read_isr(&r, MASTER), 0x00);
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x07);
}

static void test_unmodelled_modes(void)
{
    rig r;
    rig_init(&r);
    r.nev = 0;
    /* ICW1 with LTIM: GUEST_ERROR naming the pic's even port. */
    out8(&r, MASTER, 0x19);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(r.evs[0].a, HV_GERR_DEVICE);
    CHECK_EQ(r.evs[0].b, (HV_DEV_PIC8259 << 8) | 0);
    CHECK_EQ(r.evs[0].c, 0x19);
    CHECK_EQ(r.evs[0].d, 0);
    out8(&r, MASTER + 1, 0x20);
    out8(&r, MASTER + 1, 0x04);
    /* ICW4 without uPM (8080 mode): the odd port; the slave sets 0x80. */
    r.nev = 0;
    out8(&r, MASTER + 1, 0x00);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(r.evs[0].b, (HV_DEV_PIC8259 << 8) | 1);
    CHECK_EQ(r.evs[0].c, 0x00);
    r.nev = 0;
    out8(&r, SLAVE, 0x1B); /* level, single, IC4 */
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    CHECK_EQ(r.evs[0].b, (HV_DEV_PIC8259 << 8) | 0x80);
    /* ICW1 without IC4 leaves uPM = 0 (datasheet ICW1): also refused. */
    r.nev = 0;
    out8(&r, SLAVE, 0x10);
    CHECK_EQ(count_events(&r, HV_EV_GUEST_ERROR), 1);
    out8(&r, SLAVE + 1, 0x28);
    out8(&r, SLAVE + 1, 0x02);
    /* Without IC4 the ICW3 ends the sequence: the next is OCW1. */
    out8(&r, SLAVE + 1, 0x01);
    CHECK_EQ(in8(&r, SLAVE + 1), 0x01);
    /* Still edge mode: the request stays after the line drops. */
    pulse(&r, 0);
    CHECK_EQ(in8(&r, MASTER), 0x01);
    unsigned irq;
    CHECK_EQ(hv_pic_ack(&r.pic, &irq), 0x20);
}

static void test_irq_events(void)
{
    rig r;
    rig_init(&r);
    rig_init_pc(&r, 0x01);
    hv_pic_set_irq(&r.pic, 9, 1);
    CHECK_EQ(count_events(&r, HV_EV_IRQ), 1);
    CHECK_EQ(r.evs[0].a, 9);
    CHECK_EQ(r.evs[0].b, 1);
    hv_pic_set_irq(&r.pic, 9, 5); /* any nonzero level is high: no change */
    CHECK_EQ(count_events(&r, HV_EV_IRQ), 1);
    hv_pic_set_irq(&r.pic, 9, 0);
    CHECK_EQ(count_events(&r, HV_EV_IRQ), 2);
    CHECK_EQ(r.evs[1].a, 9);
    CHECK_EQ(r.evs[1].b, 0);
    hv_pic_set_irq(&r.pic, 9, 0);
    CHECK_EQ(count_events(&r, HV_EV_IRQ), 2);
    /* The cascade (slave INTR -> master IR2) is internal: no event. */
    for (size_t i = 0; i < r.nev; i++)
        CHECK(r.evs[i].type != HV_EV_IRQ || r.evs[i].a == 9);
    /* No such line: ignored, no event, no state. */
    hv_pic_set_irq(&r.pic, 16, 1);
    CHECK_EQ(count_events(&r, HV_EV_IRQ), 2);
    /* set_intr reports changes only: one rise so far (IRQ 9). */
    CHECK(r.intr);
    CHECK_EQ(r.intr_calls, 1);
}

static void test_hostile_guest(void)
{
    /* Every value to every port, interleaved with lines and INTAs: no
     * crash, no out-of-range line (ASan/UBSan in CI watch the rest). */
    rig r;
    rig_init(&r);
    unsigned irq;
    for (unsigned v = 0; v < 256; v++) {
        out8(&r, MASTER + (v & 1u), (uint8_t)v);
        out8(&r, SLAVE + ((v >> 1) & 1u), (uint8_t)(v * 37u));
        hv_pic_set_irq(&r.pic, v & 15u, (int)(v & 2u));
        (void)in8(&r, MASTER);
        (void)in8(&r, SLAVE + 1);
        (void)hv_pic_ack(&r.pic, &irq);
        CHECK(irq < 16);
        CHECK(r.pic.chip[0].init_state <= 3);
        CHECK(r.pic.chip[1].priority_add < 8);
    }
    /* A wider access is split into bytes by the bus. */
    hv_bus_out(&r.bus, MASTER, 2, 0xFF11);
    (void)hv_bus_in(&r.bus, MASTER, 2);
    hv_pic_set_irq(&r.pic, 0xFFFFFFFFu, 1);
    (void)hv_pic_ack(&r.pic, NULL);
}

static void test_regname_describe(void)
{
    const hv_device_ops *ops = &hv_pic8259_ops;
    char buf[96];
    CHECK_STR(ops->name, "pic8259");
    CHECK_EQ(ops->sizes, 1);
    CHECK(ops->reset != NULL);
    CHECK_STR(ops->regname(0, false), "IRR/ISR");
    CHECK_STR(ops->regname(0, true), "ICW1/OCW2/OCW3");
    CHECK_STR(ops->regname(1, false), "IMR");
    CHECK_STR(ops->regname(1, true), "IMR/ICW2-4");
    CHECK(ops->regname(2, false) == NULL);

    ops->describe(0, true, 0x20, buf, sizeof(buf));
    CHECK_STR(buf, "0x20 (non-specific EOI)");
    ops->describe(0, true, 0x11, buf, sizeof(buf));
    CHECK_STR(buf, "0x11 (ICW1: edge, cascade, ICW4 needed)");
    ops->describe(0, true, 0x1A, buf, sizeof(buf));
    CHECK_STR(buf, "0x1A (ICW1: level, single, no ICW4)");
    ops->describe(0, true, 0x0B, buf, sizeof(buf));
    CHECK_STR(buf, "0x0B (OCW3: read ISR)");
    ops->describe(0, true, 0x6C, buf, sizeof(buf));
    CHECK_STR(buf, "0x6C (OCW3: poll, special mask on)");
    ops->describe(0, true, 0x08, buf, sizeof(buf));
    CHECK_STR(buf, "0x08 (OCW3: no-op)");
    ops->describe(0, true, 0x62, buf, sizeof(buf));
    CHECK_STR(buf, "0x62 (specific EOI IR2)");
    ops->describe(0, true, 0xC7, buf, sizeof(buf));
    CHECK_STR(buf, "0xC7 (set lowest priority IR7)");
    ops->describe(0, true, 0x40, buf, sizeof(buf));
    CHECK_STR(buf, "0x40 (OCW2 no-op)");
    ops->describe(0, true, 0xE4, buf, sizeof(buf));
    CHECK_STR(buf, "0xE4 (rotate on specific EOI IR4)");
    ops->describe(1, true, 0xFB, buf, sizeof(buf));
    CHECK_STR(buf, "0xFB (unmasked: IR2)");
    ops->describe(1, false, 0xB8, buf, sizeof(buf));
    CHECK_STR(buf, "0xB8 (unmasked: IR0-2,6)");
    ops->describe(1, true, 0x00, buf, sizeof(buf));
    CHECK_STR(buf, "0x00 (unmasked: IR0-7)");
    ops->describe(1, true, 0xFF, buf, sizeof(buf));
    CHECK_STR(buf, "0xFF (all masked)");
    /* IRR, ISR or poll byte: the state decides, so plain hex. */
    CHECK(ops->describe(0, false, 0x81, buf, sizeof(buf)) < 0);
    CHECK(ops->describe(2, true, 0x00, buf, sizeof(buf)) < 0);

    /* Truncation: returns the full length, as snprintf. */
    char small[4];
    int n = ops->describe(0, true, 0x20, small, sizeof(small));
    CHECK_EQ(n, (int)strlen("0x20 (non-specific EOI)"));
    CHECK_STR(small, "0x2");
    CHECK_EQ(ops->describe(1, true, 0xFB, NULL, 0),
             (int)strlen("0xFB (unmasked: IR2)"));
}

static const check_test tests[] = {
    {"power_on_values", test_power_on_values},
    {"pc_init_irq0", test_pc_init_irq0},
    {"masking", test_masking},
    {"priority", test_priority},
    {"cascade", test_cascade},
    {"edge_semantics", test_edge_semantics},
    {"auto_eoi", test_auto_eoi},
    {"specific_eoi_and_rotation", test_specific_eoi_and_rotation},
    {"special_fully_nested", test_special_fully_nested},
    {"spurious", test_spurious},
    {"poll", test_poll},
    {"special_mask_mode", test_special_mask_mode},
    {"icw1_resets", test_icw1_resets},
    {"unmodelled_modes", test_unmodelled_modes},
    {"irq_events", test_irq_events},
    {"hostile_guest", test_hostile_guest},
    {"regname_describe", test_regname_describe},
    {NULL, NULL},
};
CHECK_MAIN(tests)
