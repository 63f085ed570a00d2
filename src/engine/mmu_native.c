/* hvlab engine: native paging. There is no hypervisor: the MMU walks the
 * guest's own 2-level tables, and GPA = HPA (DESIGN.md §2). */
#include "machine.h"
#include "walk32.h"

static uint8_t *guest_table_ptr(hv_vm *vm, uint32_t pa)
{
    return hv_mmu_phys_ptr(vm, pa, NULL);
}

static hv_mmu_result native_translate(hv_vm *vm, uint32_t va,
                                      hv_access access, bool user, hv_walk *w)
{
    const hv_walk32_env env = {
        .root = vm->cr3,
        .wp = vm->cr0 & HV_CR0_WP,
        .pse = vm->cr4 & HV_CR4_PSE,
        .pge = vm->cr4 & HV_CR4_PGE,
        .set_ad = true,
        .ref_event = HV_EV_WALK_REF,
        .ptr = guest_table_ptr,
    };
    hv_walk32(vm, &env, va, access, user, w);
    return w->unbacked ? HV_MMU_UNBACKED
           : w->fault  ? HV_MMU_FAULT
                       : HV_MMU_OK;
}

const hv_mmu_ops hv_mmu_native_ops = {
    .name = "native",
    .translate = native_translate,
};
