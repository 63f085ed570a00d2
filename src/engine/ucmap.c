/* hvlab engine: Unicorn's live mappings (see ucmap.h). */
#include "ucmap.h"

#include <stdlib.h>

#define PAGE 4096u

hv_err hv_ucmap_init(hv_ucmap *um, uc_engine *uc, uint32_t cap)
{
    um->uc = uc;
    um->cap = cap;
    um->next = 0;
    um->maps = um->unmaps = 0;
    um->slots = calloc(cap, sizeof *um->slots);
    return um->slots ? HV_OK : HV_ERR_NOMEM;
}

void hv_ucmap_fini(hv_ucmap *um)
{
    free(um->slots);
    um->slots = NULL;
}

static hv_ucmap_slot *find(const hv_ucmap *um, uint32_t page)
{
    for (uint32_t i = 0; i < um->cap; i++)
        if (um->slots[i].used && um->slots[i].page == page)
            return &um->slots[i];
    return NULL;
}

static void unmap_slot(hv_ucmap *um, hv_ucmap_slot *s)
{
    /* The unmap also drops Unicorn's own TLB entries for the page. */
    uc_mem_unmap(um->uc, s->page, PAGE);
    uc_ctl_remove_cache(um->uc, s->page, (uint64_t)s->page + PAGE);
    s->used = false;
    um->unmaps++;
}

hv_err hv_ucmap_map(hv_ucmap *um, uint32_t page, uint8_t *host,
                    uint32_t perms)
{
    hv_ucmap_slot *s = find(um, page);
    if (s && s->host == host) {
        if (s->perms != perms) {
            if (uc_mem_protect(um->uc, page, PAGE, perms) != UC_ERR_OK)
                return HV_ERR_UNICORN;
            s->perms = perms;
        }
        return HV_OK;
    }
    if (s) {
        /* Same page, other frame: Unicorn may hold translated code of the
         * old frame for this address (UNICORN.md §5, pitfall 5). */
        unmap_slot(um, s);
    } else {
        s = NULL;
        for (uint32_t i = 0; i < um->cap && !s; i++)
            if (!um->slots[i].used)
                s = &um->slots[i];
        if (!s) {
            s = &um->slots[um->next];
            um->next = (um->next + 1) % um->cap;
            unmap_slot(um, s);
        }
    }
    if (uc_mem_map_ptr(um->uc, page, PAGE, perms, host) != UC_ERR_OK)
        return HV_ERR_UNICORN;
    uc_ctl_remove_cache(um->uc, page, (uint64_t)page + PAGE);
    s->page = page;
    s->host = host;
    s->perms = perms;
    s->used = true;
    um->maps++;
    return HV_OK;
}

void hv_ucmap_drop(hv_ucmap *um, uint32_t page)
{
    hv_ucmap_slot *s = find(um, page);
    if (s)
        unmap_slot(um, s);
}

void hv_ucmap_drop_all(hv_ucmap *um)
{
    for (uint32_t i = 0; i < um->cap; i++)
        if (um->slots[i].used)
            unmap_slot(um, &um->slots[i]);
    um->next = 0;
}

bool hv_ucmap_find(const hv_ucmap *um, uint32_t page, uint32_t *perms)
{
    const hv_ucmap_slot *s = find(um, page);
    if (s && perms)
        *perms = s->perms;
    return s != NULL;
}
