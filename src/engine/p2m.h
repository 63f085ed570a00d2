/* hvlab engine: the P2M map, guest-physical frame -> host-physical frame.
 *
 * In native mode there is no hypervisor and GPA = HPA: the map is the
 * identity. Under a hypervisor the map is deliberately not the identity so
 * that GPA != HPA is visible: VM RAM is placed in host frames chosen by a
 * seeded shuffle of 64 KiB chunks (deterministic for a seed). Guest frames
 * in the PC hole 0xA0000-0xFFFFF have no RAM (HV_P2M_NONE).
 */
#ifndef HV_P2M_H
#define HV_P2M_H

#include <stdint.h>

#include "hostmem.h"
#include "hv.h"

#define HV_P2M_NONE UINT32_MAX
#define HV_HOLE_START 0xA0000u
#define HV_HOLE_END 0x100000u

typedef struct hv_p2m {
    uint32_t ngfn; /* guest RAM size in frames */
    uint32_t *hfn; /* ngfn entries */
} hv_p2m;

/* Native: guest frame n is host frame n (claimed as VM RAM, the hole as
 * HV_OWN_RESERVED). Errors: HV_ERR_CONFIG (ram_bytes 0 or not a multiple
 * of 4 KiB), HV_ERR_NOMEM (host smaller than RAM, or one of its frames
 * already taken), HV_ERR_ARG (NULL). On error nothing is claimed. */
hv_err hv_p2m_build_identity(hv_p2m *p2m, hv_hostmem *hm, uint32_t ram_bytes,
                             uint8_t vm);
/* Hypervisor: guest frames in host frames from free 64 KiB chunks chosen by
 * a seeded shuffle. Guest chunk k (frames 16k..16k+15) lands whole in one
 * host chunk, same offsets; no guest frame lands on the host frame of the
 * same number (whenever two chunks exist to choose from). The hole is not
 * backed; a partial last chunk leaves the rest of its host chunk free.
 * Errors: HV_ERR_CONFIG (as above), HV_ERR_NOMEM (too few wholly free
 * host chunks), HV_ERR_ARG (NULL). On error nothing is claimed. */
hv_err hv_p2m_build_scattered(hv_p2m *p2m, hv_hostmem *hm, uint32_t ram_bytes,
                              uint8_t vm, uint64_t seed);
/* Frees the map (not the host frames: they go with the host memory). */
void hv_p2m_fini(hv_p2m *p2m);

static inline uint32_t hv_p2m_lookup(const hv_p2m *p2m, uint32_t gfn)
{
    return gfn < p2m->ngfn ? p2m->hfn[gfn] : HV_P2M_NONE;
}

#endif
