/* hvlab engine: the memory-mapped I/O bus beside the port bus (DESIGN.md
 * §2: devices sit on a per-VM bus of I/O ports and MMIO ranges).
 *
 * A region claims guest-physical [base, base + len), page-aligned, for one
 * device with the same ops as a port device (bus.h). The vCPU sends it the
 * accesses of guest instructions that the MMU found to name an MMIO page
 * (vcpu_mem.c); each is one MMIO_READ/MMIO_WRITE event whose `reg` field
 * is (device kind << 16 | offset) and whose `operand` says which register
 * of the instruction it moved (HV_MMIO_OPERAND_*). An access wider than
 * the device takes is split into bytes, little-endian; bytes no device
 * owns read as all ones and are logged as a guest error.
 */
#ifndef HV_MMIO_BUS_H
#define HV_MMIO_BUS_H

#include "bus.h"

#define HV_MMIO_MAX_REGIONS 8

/* Where the lesson devices sit: above RAM (at most 1 GiB), below the ROM,
 * where a PC puts its chipset's MMIO. */
#define HV_MMIO_TEST_BASE 0xFEB00000u

/* An instruction's operand as the MMIO events record it: 0-7 are EAX,
 * ECX, EDX, EBX, ESP, EBP, ESI, EDI (the x86 register number, the access
 * size says which part); an immediate; or not decoded. */
enum { HV_MMIO_OPERAND_IMM = 8, HV_MMIO_OPERAND_NONE = 9 };

typedef struct hv_mmio_region {
    uint32_t base, len;
    const hv_device_ops *ops;
    void *opaque;
    /* A register whose writes the hypervisor's kernel takes itself (KVM's
     * ioeventfd: a virtio notify), or UINT32_MAX. */
    uint32_t ioeventfd;
} hv_mmio_region;

typedef struct hv_mmio_bus {
    hv_mmio_region regions[HV_MMIO_MAX_REGIONS];
    unsigned nregions;
    hv_emitter emit;
} hv_mmio_bus;

void hv_mmio_bus_init(hv_mmio_bus *bus, hv_emitter emit);
/* Errors: HV_ERR_ARG (not page-aligned, empty, over 64 KiB, wrapping,
 * overlapping, bad ops), HV_ERR_NOMEM (HV_MMIO_MAX_REGIONS already). */
hv_err hv_mmio_bus_add(hv_mmio_bus *bus, uint32_t base, uint32_t len,
                       const hv_device_ops *ops, void *opaque);
void hv_mmio_bus_reset(hv_mmio_bus *bus);
/* Marks the register at gpa as an ioeventfd (writes signal the device
 * from the kernel, with no trip to the user-space device model).
 * Errors: HV_ERR_ARG (no region there). */
hv_err hv_mmio_bus_set_ioeventfd(hv_mmio_bus *bus, uint32_t gpa);
/* Whether a write to gpa is an ioeventfd's. */
bool hv_mmio_bus_is_ioeventfd(const hv_mmio_bus *bus, uint32_t gpa);
/* Whether a device claims the page of guest-physical gpa. */
bool hv_mmio_bus_claims(const hv_mmio_bus *bus, uint32_t gpa);
/* One access of `size` (1, 2, 4) bytes; emits the event. */
uint32_t hv_mmio_read(hv_mmio_bus *bus, uint32_t gpa, unsigned size,
                      uint32_t operand);
void hv_mmio_write(hv_mmio_bus *bus, uint32_t gpa, unsigned size,
                   uint32_t value, uint32_t operand);

/* "MMIO W 0xFEB00004 SCRATCH <- 0x55 (from EAX)" for the log; returns what
 * snprintf returns. */
int hv_mmio_format_access(bool is_write, uint32_t gpa, uint32_t size,
                          uint32_t value, uint32_t reg, uint32_t operand,
                          char *buf, size_t len);

/* Decodes the memory operand's partner of a MOV-style instruction (what
 * KVM's emulator decodes before it emulates an MMIO access): returns
 * HV_MMIO_OPERAND_* or a register number 0-7. */
uint32_t hv_mmio_decode_operand(const uint8_t *insn, uint32_t len);

#endif
