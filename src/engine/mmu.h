/* hvlab engine: the MMU, one strategy per paging mode behind one ops struct
 * (DESIGN.md §2, STYLE.md practice 2).
 *
 * The front door, hv_mmu_access(), is what the CPU's every access goes
 * through: the TLB first; on a miss the strategy's walk; then the TLB fill,
 * the permission check, A/D. A walk returns a record of every reference
 * (hv_walk), which the views highlight and walk_refs counts.
 */
#ifndef HV_MMU_H
#define HV_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "hv_events.h"

typedef struct hv_vm hv_vm;

/* 32-bit paging entry bits (SDM Vol 3A §4.3, FIDELITY.md). */
enum {
    HV_PTE_P = 1u << 0,
    HV_PTE_RW = 1u << 1,
    HV_PTE_US = 1u << 2,
    HV_PTE_PWT = 1u << 3,
    HV_PTE_PCD = 1u << 4,
    HV_PTE_A = 1u << 5,
    HV_PTE_D = 1u << 6,
    HV_PTE_PS = 1u << 7, /* in a PDE, with CR4.PSE: a 4 MiB page */
    HV_PTE_G = 1u << 8,
};

enum {
    HV_CR0_PE = 1u << 0,
    HV_CR0_ET = 1u << 4,
    HV_CR0_WP = 1u << 16,
    HV_CR0_PG = 1u << 31,
    HV_CR4_PSE = 1u << 4,
    HV_CR4_PGE = 1u << 7,
};

/* #PF error code bits (SDM Vol 3A §4.7). */
enum {
    HV_PFEC_P = 1u << 0,
    HV_PFEC_W = 1u << 1,
    HV_PFEC_U = 1u << 2,
    HV_PFEC_RSVD = 1u << 3,
    HV_PFEC_I = 1u << 4,
};

#define HV_WALK_MAX_REFS 32

typedef struct hv_walk_ref {
    uint8_t dim;    /* 0: the guest's tables; 1: the nested (EPT/NPT) table */
    uint8_t level;  /* guest: 2 = directory, 1 = table; EPT: 4..1 */
    uint32_t table; /* physical address of the table */
    uint32_t index;
    uint32_t entry; /* the entry as read (before A/D were set) */
} hv_walk_ref;

typedef struct hv_walk {
    uint32_t va;
    hv_access access;
    bool user;
    int nrefs;
    hv_walk_ref refs[HV_WALK_MAX_REFS];
    bool fault;          /* the guest's tables deny the access */
    uint32_t error_code; /* #PF error code when fault */
    bool unbacked;       /* a table or the page is not RAM */
    uint32_t unbacked_pa;
    uint32_t pa;       /* translation of va when !fault (host-physical) */
    uint32_t gpa;      /* guest-physical target (EMULATE) */
    uint8_t tlb_flags; /* HV_TLBF_* for the fill */
    /* The entries as they are after the walk, and where they are. */
    uint32_t pde, pte, pde_pa, pte_pa;
    bool large;          /* the PDE maps a 4 MiB page */
    uint8_t fault_level; /* 2: the PDE denied, 1: the PTE */
} hv_walk;

/* Result of an access through the MMU. */
typedef enum hv_mmu_result {
    HV_MMU_OK = 0,
    HV_MMU_FAULT,    /* a #PF for the guest: error code and CR2 filled */
    HV_MMU_UNBACKED, /* the translation names no RAM: the VM must end */
    HV_MMU_EMULATE,  /* a write the hypervisor emulates (shadow: a write to
                        a write-protected guest table); pa/host name it */
    HV_MMU_MMIO,     /* the translation names a device's MMIO page: gpa
                        names it; whatever exit the mode takes is done */
} hv_mmu_result;

/* One paging strategy (STYLE.md practice 2). State lives in the VM. */
typedef struct hv_mmu_ops {
    const char *name;
    /* VM exits this mode takes for the guest's MOV CR3 (and CR3 reads)
     * and INVLPG (FIDELITY.md behaviours 4 and 5). */
    bool exits_on_cr3, exits_on_invlpg;
    hv_err (*init)(hv_vm *vm);
    void (*fini)(hv_vm *vm);
    /* A TLB miss (or a re-walk): the hardware walks its tables for
     * (va, access) and fills `w` (references as WALK_REF events, A/D as
     * AD_SET), handling what the hypervisor handles on the way (exits,
     * shadow fills). OK: w->pa (host-physical) and w->tlb_flags for the
     * fill; FAULT: w->error_code for the guest's #PF; EMULATE: w->pa is
     * the host-physical target of a write to emulate; MMIO: w->gpa is a
     * device's page, nothing to fill (native returns OK and lets the TLB
     * hold the translation, as hardware does). */
    hv_mmu_result (*translate)(hv_vm *vm, uint32_t va, hv_access access,
                               bool user, hv_walk *w);
    /* The guest wrote CR0, CR3 or CR4 (vm->crN already hold the new
     * value); the TLB flush the SDM asks for is done by the caller. */
    void (*on_cr_write)(hv_vm *vm, unsigned cr, uint32_t old, uint32_t now);
    /* The guest executed INVLPG va (after the TLB dropped the page). */
    void (*on_invlpg)(hv_vm *vm, uint32_t va);
    /* An emulated write of `size` bytes at guest-physical gpa landed. */
    void (*on_pt_written)(hv_vm *vm, uint32_t gpa, unsigned size);
    /* With guest paging off, an access to the MMIO page at gpa: the exit
     * this mode takes for it (translate handles it with paging on). */
    void (*mmio_exit)(hv_vm *vm, uint32_t va, uint32_t gpa, hv_access access);
} hv_mmu_ops;

extern const hv_mmu_ops hv_mmu_native_ops;
extern const hv_mmu_ops hv_mmu_shadow_ops;
extern const hv_mmu_ops hv_mmu_nested_ops;

typedef struct hv_xlat {
    uint32_t pa;     /* host-physical address of the access */
    uint32_t gpa;    /* guest-physical address (EMULATE only) */
    uint8_t *host;   /* host pointer to the byte at pa */
    bool writable;   /* the mapping may be writable in Unicorn now */
    bool rom;        /* the page is the ROM: writes are dropped */
    bool changed;    /* the TLB entry was filled or refilled just now */
    bool mmio;       /* HV_MMU_MMIO: gpa is a device's, host is NULL */
    uint32_t error_code;
    uint32_t fault_addr;
} hv_xlat;

/* One access of the CPU to linear address `la` (within one page): the TLB
 * lookup (hit or miss, walk, fill), the permission check against the entry,
 * the D-bit assist on the first write through a clean entry. With paging
 * off, la is the physical address and the TLB is not used. */
hv_mmu_result hv_mmu_access(hv_vm *vm, uint32_t la, hv_access access,
                            hv_xlat *out);

/* The same after the caller's own TLB lookup (paging on): `e` is what
 * the lookup returned (NULL: a miss, already reported). */
struct hv_tlb_entry;
hv_mmu_result hv_mmu_resolve(hv_vm *vm, uint32_t la, hv_access access,
                             hv_xlat *out, const struct hv_tlb_entry *e);

/* Whether guest-physical gpa is a device's MMIO page in this VM. */
bool hv_mmu_is_mmio(const hv_vm *vm, uint32_t gpa);
/* The cause an MMIO exit for this access carries: HV_CAUSE_IOEVENTFD for
 * a write to an ioeventfd, else HV_CAUSE_MMIO. */
uint32_t hv_mmu_mmio_cause(const hv_vm *vm, uint32_t gpa, hv_access access);

/* Guest-physical address -> host pointer for the VM (RAM through the P2M,
 * the ROM page), or NULL when no memory is there. `writable` is false for
 * ROM. */
uint8_t *hv_mmu_phys_ptr(hv_vm *vm, uint32_t gpa, bool *writable);
/* Guest-physical -> host-physical; false when no memory is there. In
 * native mode GPA = HPA. */
bool hv_mmu_gpa_to_hpa(hv_vm *vm, uint32_t gpa, uint32_t *hpa);
/* Host-physical address -> host pointer (the TLB holds host-physical
 * frames), or NULL. `writable` is false for ROM. */
uint8_t *hv_mmu_host_ptr(hv_vm *vm, uint32_t hpa, bool *writable);

#endif
