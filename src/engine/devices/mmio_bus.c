/* hvlab engine: the MMIO bus (see mmio_bus.h).
 *
 * HOW AN ACCESS ARRIVES: the vCPU maps an MMIO page into Unicorn with
 * uc_mmio_map for the one instruction that touches it; Unicorn runs the
 * instruction and calls back with (offset, size, value); the vCPU turns
 * that into hv_mmio_read/hv_mmio_write here. So the instruction completes
 * with the device's value and EIP moves past it: what KVM's emulator does
 * after it decoded the instruction (FIDELITY.md behaviour 10).
 */
#include "mmio_bus.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MMIO_MAX_REGION_LEN 0x10000u

static uint32_t mmio_mask(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1u;
}

static const hv_mmio_region *mmio_find(const hv_mmio_bus *bus, uint32_t gpa)
{
    for (unsigned i = 0; i < bus->nregions; i++) {
        const hv_mmio_region *r = &bus->regions[i];
        if (gpa >= r->base && gpa - r->base < r->len)
            return r;
    }
    return NULL;
}

void hv_mmio_bus_init(hv_mmio_bus *bus, hv_emitter emit)
{
    memset(bus, 0, sizeof *bus);
    bus->emit = emit;
}

hv_err hv_mmio_bus_add(hv_mmio_bus *bus, uint32_t base, uint32_t len,
                       const hv_device_ops *ops, void *opaque)
{
    if (!ops || !ops->read || !ops->write || !(ops->sizes & 1u))
        return HV_ERR_ARG;
    if ((base & 0xFFFu) || (len & 0xFFFu) || len == 0 ||
        len > MMIO_MAX_REGION_LEN || base + len < base)
        return HV_ERR_ARG;
    for (unsigned i = 0; i < bus->nregions; i++) {
        const hv_mmio_region *r = &bus->regions[i];
        if (base < r->base + r->len && r->base < base + len)
            return HV_ERR_ARG;
    }
    if (bus->nregions >= HV_MMIO_MAX_REGIONS)
        return HV_ERR_NOMEM;
    bus->regions[bus->nregions++] = (hv_mmio_region){
        .base = base, .len = len, .ops = ops, .opaque = opaque,
        .ioeventfd = UINT32_MAX};
    return HV_OK;
}

void hv_mmio_bus_reset(hv_mmio_bus *bus)
{
    for (unsigned i = 0; i < bus->nregions; i++)
        if (bus->regions[i].ops->reset)
            bus->regions[i].ops->reset(bus->regions[i].opaque);
}

hv_err hv_mmio_bus_set_ioeventfd(hv_mmio_bus *bus, uint32_t gpa)
{
    hv_mmio_region *r = (hv_mmio_region *)mmio_find(bus, gpa);
    if (!r)
        return HV_ERR_ARG;
    r->ioeventfd = gpa;
    return HV_OK;
}

bool hv_mmio_bus_is_ioeventfd(const hv_mmio_bus *bus, uint32_t gpa)
{
    const hv_mmio_region *r = mmio_find(bus, gpa);
    return r && r->ioeventfd == (gpa & ~3u);
}

bool hv_mmio_bus_claims(const hv_mmio_bus *bus, uint32_t gpa)
{
    return mmio_find(bus, gpa & ~0xFFFu) != NULL;
}

static uint32_t mmio_reg(const hv_mmio_region *r, uint32_t gpa)
{
    return r ? ((uint32_t)r->ops->kind << 16) | (gpa - r->base) : 0;
}

/* One piece: the whole access when the device takes its size and it stays
 * in the region, else one byte. */
static unsigned mmio_piece(const hv_mmio_region *r, uint32_t gpa, unsigned left)
{
    if (r && (r->ops->sizes & left) && gpa - r->base + left <= r->len)
        return left;
    return 1;
}

uint32_t hv_mmio_read(hv_mmio_bus *bus, uint32_t gpa, unsigned size,
                      uint32_t operand)
{
    if (size != 1 && size != 2 && size != 4)
        size = 4; /* Unicorn gives 1, 2, 4 (8 is refused by the caller) */
    uint32_t value = 0, unclaimed = 0;
    bool any_unclaimed = false;
    unsigned n;
    for (unsigned done = 0; done < size; done += n) {
        uint32_t a = gpa + done;
        const hv_mmio_region *r = mmio_find(bus, a);
        n = mmio_piece(r, a, size - done);
        uint32_t piece = 0xFFFFFFFFu;
        if (r)
            piece = r->ops->read(r->opaque, a - r->base, n);
        else if (!any_unclaimed) {
            any_unclaimed = true;
            unclaimed = a;
        }
        value |= (piece & mmio_mask(n)) << (8 * done);
    }
    hv_emit5(&bus->emit, HV_EV_MMIO_READ, gpa, size, value,
             mmio_reg(mmio_find(bus, gpa), gpa), operand);
    if (any_unclaimed)
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_MMIO_UNCLAIMED,
                unclaimed, value, 0);
    return value;
}

void hv_mmio_write(hv_mmio_bus *bus, uint32_t gpa, unsigned size,
                   uint32_t value, uint32_t operand)
{
    if (size != 1 && size != 2 && size != 4)
        size = 4;
    value &= mmio_mask(size);
    /* Emitted before the device acts, as IO_OUT is (bus.h). */
    hv_emit5(&bus->emit, HV_EV_MMIO_WRITE, gpa, size, value,
             mmio_reg(mmio_find(bus, gpa), gpa), operand);
    bool any_unclaimed = false;
    uint32_t unclaimed = 0;
    unsigned n;
    for (unsigned done = 0; done < size; done += n) {
        uint32_t a = gpa + done;
        const hv_mmio_region *r = mmio_find(bus, a);
        n = mmio_piece(r, a, size - done);
        if (r)
            r->ops->write(r->opaque, a - r->base, n,
                          (value >> (8 * done)) & mmio_mask(n));
        else if (!any_unclaimed) {
            any_unclaimed = true;
            unclaimed = a;
        }
    }
    if (any_unclaimed)
        hv_emit(&bus->emit, HV_EV_GUEST_ERROR, HV_GERR_MMIO_UNCLAIMED,
                unclaimed, value, 0);
}

static const char *const operand_names[3][8] = {
    {"AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH"},
    {"AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"},
    {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"},
};

int hv_mmio_format_access(bool is_write, uint32_t gpa, uint32_t size,
                          uint32_t value, uint32_t reg, uint32_t operand,
                          char *buf, size_t len)
{
    unsigned sz = size == 1 || size == 2 ? size : 4;
    value &= mmio_mask(sz);
    const hv_device_ops *ops = hv_device_kind_ops(reg >> 16);
    uint32_t offset = reg & 0xFFFFu;
    const char *name =
        ops && ops->regname ? ops->regname(offset, is_write) : NULL;
    char desc[80];
    if (!(name && ops->describe &&
          ops->describe(offset, is_write, value, desc, sizeof desc) >= 0))
        snprintf(desc, sizeof desc, "0x%0*X", (int)(2 * sz), (unsigned)value);
    char what[24];
    if (name)
        snprintf(what, sizeof what, "%s", name);
    else if (ops)
        snprintf(what, sizeof what, "%s+0x%X", ops->name, (unsigned)offset);
    else
        snprintf(what, sizeof what, "unclaimed");
    char opnd[24] = "";
    if (operand < 8)
        snprintf(opnd, sizeof opnd, " (%s %s)", is_write ? "from" : "into",
                 operand_names[sz == 1   ? 0
                               : sz == 2 ? 1
                                         : 2][operand]);
    else if (operand == HV_MMIO_OPERAND_IMM)
        snprintf(opnd, sizeof opnd, " (immediate)");
    return snprintf(buf, len, "MMIO %s 0x%08X %s %s %s%s", is_write ? "W" : "R",
                    (unsigned)gpa, what, is_write ? "<-" : "->", desc, opnd);
}

/* ModRM's reg field names the register operand of the MOV forms a guest
 * uses on device registers (SDM Vol 2 "MOV", "MOVZX"); the accumulator
 * forms A0-A3 name EAX; C6/C7 store an immediate. Prefixes are skipped.
 * Anything else (string instructions, read-modify-write ALU forms) is
 * recorded as not decoded: the access itself is still exact. */
uint32_t hv_mmio_decode_operand(const uint8_t *insn, uint32_t len)
{
    uint32_t i = 0;
    while (i < len && i < 4 &&
           (insn[i] == 0x66 || insn[i] == 0x67 || insn[i] == 0xF0 ||
            insn[i] == 0x26 || insn[i] == 0x2E || insn[i] == 0x36 ||
            insn[i] == 0x3E || insn[i] == 0x64 || insn[i] == 0x65))
        i++;
    if (i >= len)
        return HV_MMIO_OPERAND_NONE;
    uint8_t op = insn[i];
    if (op >= 0xA0 && op <= 0xA3)
        return 0; /* AL/AX/EAX with a moffs */
    if (op == 0xC6 || op == 0xC7)
        return HV_MMIO_OPERAND_IMM;
    if ((op == 0x88 || op == 0x89 || op == 0x8A || op == 0x8B) && i + 1 < len)
        return (insn[i + 1] >> 3) & 7u;
    if (op == 0x0F && i + 2 < len &&
        (insn[i + 1] == 0xB6 || insn[i + 1] == 0xB7))
        return (insn[i + 2] >> 3) & 7u;
    return HV_MMIO_OPERAND_NONE;
}
