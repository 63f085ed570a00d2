/* hvlab engine: the 2-level 32-bit page walk (SDM Vol 3A §4.3), shared by
 * every walker that reads such tables: the native MMU on the guest's
 * tables, the MMU on shadow tables, and the shadowing hypervisor's
 * software walk of the guest's tables. */
#ifndef HV_WALK32_H
#define HV_WALK32_H

#include "mmu.h"

typedef struct hv_walk32_env {
    uint32_t root;       /* physical address of the page directory */
    bool wp;             /* CR0.WP for supervisor writes */
    bool pse;            /* CR4.PSE: PDE.PS means a 4 MiB page */
    bool pge;            /* CR4.PGE: PTE.G means global */
    bool set_ad;         /* the walker sets A and D in the entries */
    hv_event_type ref_event; /* WALK_REF (hardware) or SW_WALK_REF */
    /* Table address -> host pointer, or NULL when there is no memory. */
    uint8_t *(*ptr)(hv_vm *vm, uint32_t pa);
    /* Optional guest PDE cache (a paging-structure cache, SDM Vol 3A
     * §4.10.3): lookup gives a present PDE for VA[31:22] without reading
     * it; insert remembers one the walk used. */
    bool (*pde_lookup)(hv_vm *vm, uint32_t pdi, uint32_t *pde);
    void (*pde_insert)(hv_vm *vm, uint32_t pdi, uint32_t pde);
} hv_walk32_env;

void hv_walk32(hv_vm *vm, const hv_walk32_env *env, uint32_t va,
               hv_access access, bool user, hv_walk *w);

#endif
