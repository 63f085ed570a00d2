/* hvlab engine: Unicorn's live mappings, a small bounded cache.
 *
 * Unicorn's address space stands for what the MMU lets the guest reach
 * right now. Unicorn cannot hold more than a few thousand regions and each
 * map/unmap gets dearer as they grow (UNICORN.md §3), so at most `cap`
 * single pages are mapped at once, replaced FIFO. Every mapping names a
 * translation the modelled TLB holds (or, with paging off, a physical
 * page); dropping a TLB entry drops its mapping here.
 */
#ifndef HV_UCMAP_H
#define HV_UCMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "hv.h"

typedef struct hv_ucmap_slot {
    uint32_t page; /* linear page address */
    uint8_t *host;
    uint32_t perms; /* UC_PROT_* */
    bool used;
} hv_ucmap_slot;

typedef struct hv_ucmap {
    uc_engine *uc;
    hv_ucmap_slot *slots;
    uint32_t cap, next; /* next: FIFO victim */
    uint64_t maps, unmaps;
} hv_ucmap;

hv_err hv_ucmap_init(hv_ucmap *um, uc_engine *uc, uint32_t cap);
void hv_ucmap_fini(hv_ucmap *um);
/* Maps `page` onto `host` with `perms`, or updates an existing mapping of
 * the page (remapping when the host frame changed, protecting when only the
 * permissions did). Evicts the oldest mapping when full. */
hv_err hv_ucmap_map(hv_ucmap *um, uint32_t page, uint8_t *host,
                    uint32_t perms);
/* Unmaps `page` if it is mapped. */
void hv_ucmap_drop(hv_ucmap *um, uint32_t page);
void hv_ucmap_drop_all(hv_ucmap *um);
bool hv_ucmap_find(const hv_ucmap *um, uint32_t page, uint32_t *perms);

#endif
