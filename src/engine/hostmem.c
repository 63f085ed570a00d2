/* hvlab engine: host-physical memory and its frame owners (see hostmem.h).
 *
 * One page-aligned buffer stands for all of host RAM; Unicorn maps guest
 * pages straight onto it (uc_mem_map_ptr), so it must be 4 KiB aligned.
 * Free frames are kept zeroed, so a frame handed out is always clean, as a
 * hypervisor must guarantee before giving memory to a VM.
 */
#include "hostmem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HV_HOSTMEM_MAX (1ull << 30)

static const char *const owner_names[HV_OWN__COUNT] = {
    [HV_OWN_FREE] = "free",
    [HV_OWN_HYP] = "hypervisor",
    [HV_OWN_VM_RAM] = "vm-ram",
    [HV_OWN_SHADOW] = "shadow",
    [HV_OWN_EPT] = "ept",
    [HV_OWN_DEVICE] = "device",
    [HV_OWN_RESERVED] = "reserved",
};

const char *hv_owner_name(hv_owner owner)
{
    if ((unsigned)owner >= HV_OWN__COUNT)
        return "?";
    return owner_names[owner];
}

static bool hostmem_owner_ok(hv_owner owner)
{
    return owner > HV_OWN_FREE && owner < HV_OWN__COUNT;
}

hv_err hv_hostmem_init(hv_hostmem *hm, uint64_t bytes)
{
    if (!hm)
        return HV_ERR_ARG;
    memset(hm, 0, sizeof(*hm));
    if (bytes == 0 || bytes > HV_HOSTMEM_MAX || bytes % HV_PAGE_SIZE != 0)
        return HV_ERR_CONFIG;

    uint32_t nframes = (uint32_t)(bytes / HV_PAGE_SIZE);
    /* aligned_alloc needs size to be a multiple of the alignment: it is. */
    uint8_t *base = aligned_alloc(HV_PAGE_SIZE, (size_t)bytes);
    if (!base)
        return HV_ERR_NOMEM;
    hv_frame_tag *tags = calloc(nframes, sizeof(*tags));
    if (!tags) {
        free(base);
        return HV_ERR_NOMEM;
    }
    memset(base, 0, (size_t)bytes);
    hm->base = base;
    hm->nframes = nframes;
    hm->nfree = nframes;
    hm->tags = tags;
    hm->low_free = 0;
    return HV_OK;
}

void hv_hostmem_fini(hv_hostmem *hm)
{
    if (!hm)
        return;
    free(hm->base);
    free(hm->tags);
    memset(hm, 0, sizeof(*hm));
}

static void hostmem_take(hv_hostmem *hm, uint32_t hfn, hv_owner owner,
                         uint8_t vm)
{
    hm->tags[hfn].owner = (uint8_t)owner;
    hm->tags[hfn].vm = vm;
    hm->nfree--;
}

hv_err hv_hostmem_alloc(hv_hostmem *hm, hv_owner owner, uint8_t vm,
                        uint32_t *hfn)
{
    if (!hm || !hfn || !hostmem_owner_ok(owner))
        return HV_ERR_ARG;
    if (hm->nfree == 0)
        return HV_ERR_NOMEM;
    /* low_free only ever lags behind the lowest free frame, so scanning
     * from it finds the lowest one. */
    for (uint32_t i = hm->low_free; i < hm->nframes; i++) {
        if (hm->tags[i].owner == HV_OWN_FREE) {
            hostmem_take(hm, i, owner, vm);
            hm->low_free = i + 1;
            *hfn = i;
            return HV_OK;
        }
    }
    return HV_ERR_NOMEM; /* unreachable while nfree is exact */
}

hv_err hv_hostmem_claim(hv_hostmem *hm, uint32_t hfn, hv_owner owner,
                        uint8_t vm)
{
    if (!hm || !hostmem_owner_ok(owner) || hfn >= hm->nframes ||
        hm->tags[hfn].owner != HV_OWN_FREE)
        return HV_ERR_ARG;
    hostmem_take(hm, hfn, owner, vm);
    return HV_OK;
}

void hv_hostmem_free(hv_hostmem *hm, uint32_t hfn)
{
    if (!hm || hfn >= hm->nframes)
        return;
    memset(hv_hostmem_ptr(hm, hfn), 0, HV_PAGE_SIZE);
    if (hm->tags[hfn].owner == HV_OWN_FREE)
        return;
    hm->tags[hfn].owner = HV_OWN_FREE;
    hm->tags[hfn].vm = 0;
    hm->nfree++;
    if (hfn < hm->low_free)
        hm->low_free = hfn;
}

void hv_hostmem_census(const hv_hostmem *hm, uint32_t *counts)
{
    memset(counts, 0, HV_OWN__COUNT * sizeof(*counts));
    for (uint32_t i = 0; i < hm->nframes; i++) {
        uint8_t o = hm->tags[i].owner;
        if (o < HV_OWN__COUNT)
            counts[o]++;
    }
}
