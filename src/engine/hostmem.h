/* hvlab engine: host-physical memory, in 4 KiB frames, each tagged with its
 * owner (DESIGN.md §2). The host memory pane draws exactly these tags. */
#ifndef HV_HOSTMEM_H
#define HV_HOSTMEM_H

#include <stdint.h>

#include "hv.h"

#define HV_PAGE_SIZE 4096u
#define HV_PAGE_SHIFT 12

typedef enum hv_owner {
    HV_OWN_FREE = 0,
    HV_OWN_HYP,      /* the hypervisor's own frames */
    HV_OWN_VM_RAM,   /* guest RAM of VM `vm` */
    HV_OWN_SHADOW,   /* shadow page tables of VM `vm` */
    HV_OWN_EPT,      /* EPT/NPT tables of VM `vm` */
    HV_OWN_DEVICE,   /* device buffers */
    HV_OWN_RESERVED, /* not RAM: the PC's 0xA0000-0xFFFFF hole in native */
    HV_OWN__COUNT
} hv_owner;

const char *hv_owner_name(hv_owner owner);

typedef struct hv_frame_tag {
    uint8_t owner; /* hv_owner */
    uint8_t vm;
} hv_frame_tag;

typedef struct hv_hostmem {
    uint8_t *base; /* nframes * 4 KiB, page aligned, zeroed */
    uint32_t nframes;
    uint32_t nfree;
    hv_frame_tag *tags;
    uint32_t low_free; /* private: no free frame below this index */
} hv_hostmem;

/* Errors: HV_ERR_CONFIG (0 or > 1 GiB, not a multiple of 4 KiB),
 * HV_ERR_NOMEM. */
hv_err hv_hostmem_init(hv_hostmem *hm, uint64_t bytes);
/* Frees and zeroes *hm; safe on a zeroed or already finished struct. */
void hv_hostmem_fini(hv_hostmem *hm);

/* Lowest free frame (deterministic). HV_ERR_NOMEM when none is free,
 * HV_ERR_ARG for HV_OWN_FREE or an unknown owner. */
hv_err hv_hostmem_alloc(hv_hostmem *hm, hv_owner owner, uint8_t vm,
                        uint32_t *hfn);
/* A given frame; HV_ERR_ARG when out of range, not free, or the owner is
 * HV_OWN_FREE or unknown. */
hv_err hv_hostmem_claim(hv_hostmem *hm, uint32_t hfn, hv_owner owner,
                        uint8_t vm);
/* Zeroes the frame and marks it free (free frames are always zero).
 * Out of range: ignored; already free: only zeroed again. */
void hv_hostmem_free(hv_hostmem *hm, uint32_t hfn);

static inline uint8_t *hv_hostmem_ptr(const hv_hostmem *hm, uint32_t hfn)
{
    return hm->base + (uint64_t)hfn * HV_PAGE_SIZE;
}

/* Frames per owner, for the legend: counts[HV_OWN__COUNT]. */
void hv_hostmem_census(const hv_hostmem *hm, uint32_t *counts);

#endif
