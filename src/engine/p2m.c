/* hvlab engine: the P2M map, guest-physical frame -> host frame (p2m.h).
 *
 * HOW IT WORKS (scattered)
 * Guest RAM is cut into 64 KiB chunks of 16 frames. The host's wholly free,
 * 16-frame-aligned chunks are listed in address order and shuffled with a
 * seeded splitmix64 Fisher-Yates; the i-th guest chunk that holds RAM takes
 * the i-th host chunk of the shuffle. A last pass breaks fixed points
 * (guest chunk k on host chunk k) so that no guest frame sits at the host
 * frame of the same number: GPA != HPA must show on every page, or a lesson
 * could point at a page where the two happen to agree.
 * The PC hole 0xA0000-0xFFFFF is chunk aligned, so a chunk is either all
 * hole or all RAM.
 */
#include "p2m.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define P2M_CHUNK 16u /* frames per 64 KiB chunk */
#define P2M_HOLE_FIRST (HV_HOLE_START >> HV_PAGE_SHIFT)
#define P2M_HOLE_END (HV_HOLE_END >> HV_PAGE_SHIFT)

_Static_assert(P2M_HOLE_FIRST % P2M_CHUNK == 0 &&
                   P2M_HOLE_END % P2M_CHUNK == 0,
               "the hole must be made of whole chunks");

static bool p2m_in_hole(uint32_t gfn)
{
    return gfn >= P2M_HOLE_FIRST && gfn < P2M_HOLE_END;
}

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014); the TLB uses the same. */
static uint64_t p2m_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Common argument checks; on success *p2m is zeroed and ngfn is set. */
static hv_err p2m_begin(hv_p2m *p2m, const hv_hostmem *hm,
                        uint32_t ram_bytes, uint32_t *ngfn)
{
    if (!p2m || !hm)
        return HV_ERR_ARG;
    memset(p2m, 0, sizeof(*p2m));
    if (ram_bytes == 0 || ram_bytes % HV_PAGE_SIZE != 0)
        return HV_ERR_CONFIG;
    *ngfn = ram_bytes >> HV_PAGE_SHIFT;
    return HV_OK;
}

static uint32_t *p2m_new_map(uint32_t ngfn)
{
    uint32_t *map = malloc((size_t)ngfn * sizeof(*map));
    if (map) {
        for (uint32_t i = 0; i < ngfn; i++)
            map[i] = HV_P2M_NONE;
    }
    return map;
}

hv_err hv_p2m_build_identity(hv_p2m *p2m, hv_hostmem *hm, uint32_t ram_bytes,
                             uint8_t vm)
{
    uint32_t ngfn;
    hv_err err = p2m_begin(p2m, hm, ram_bytes, &ngfn);
    if (err != HV_OK)
        return err;
    if (ngfn > hm->nframes)
        return HV_ERR_NOMEM;
    uint32_t *map = p2m_new_map(ngfn);
    if (!map)
        return HV_ERR_NOMEM;

    /* Native: the guest is the machine, so its physical frame n is host
     * frame n; the hole is the PC's, not RAM, and stays unmapped. */
    uint32_t gfn;
    for (gfn = 0; gfn < ngfn; gfn++) {
        bool hole = p2m_in_hole(gfn);
        if (hv_hostmem_claim(hm, gfn, hole ? HV_OWN_RESERVED : HV_OWN_VM_RAM,
                             vm) != HV_OK)
            goto out_unclaim;
        if (!hole)
            map[gfn] = gfn;
    }
    p2m->ngfn = ngfn;
    p2m->hfn = map;
    return HV_OK;

out_unclaim:
    /* Frames claimed here were free, hence zero: freeing them restores
     * the host exactly. */
    while (gfn-- > 0)
        hv_hostmem_free(hm, gfn);
    free(map);
    return HV_ERR_NOMEM;
}

/* Host chunks whose 16 frames are all free, in address order. */
static uint32_t p2m_free_chunks(const hv_hostmem *hm, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t c = 0; c < hm->nframes / P2M_CHUNK; c++) {
        bool free_chunk = true;
        for (uint32_t f = 0; f < P2M_CHUNK && free_chunk; f++)
            free_chunk = hm->tags[c * P2M_CHUNK + f].owner == HV_OWN_FREE;
        if (free_chunk)
            out[n++] = c;
    }
    return n;
}

/* Makes host[i] != guest[i] for every i < need, keeping host[] a set of
 * distinct chunks. Swapping a fixed point with any other entry (an unused
 * one when there is one, else the next used one) cannot create a new fixed
 * point, because entries are distinct. */
static void p2m_derange(uint32_t *host, uint32_t nhost, const uint32_t *guest,
                        uint32_t need)
{
    for (uint32_t i = 0; i < need; i++) {
        if (host[i] != guest[i])
            continue;
        uint32_t j;
        if (nhost > need)
            j = need;
        else if (need >= 2)
            j = (i + 1) % need;
        else
            return; /* one chunk, one choice: nothing to swap with */
        uint32_t t = host[i];
        host[i] = host[j];
        host[j] = t;
    }
}

hv_err hv_p2m_build_scattered(hv_p2m *p2m, hv_hostmem *hm, uint32_t ram_bytes,
                              uint8_t vm, uint64_t seed)
{
    uint32_t ngfn;
    hv_err err = p2m_begin(p2m, hm, ram_bytes, &ngfn);
    if (err != HV_OK)
        return err;

    uint32_t gchunks = (ngfn + P2M_CHUNK - 1) / P2M_CHUNK;
    uint32_t hchunks = hm->nframes / P2M_CHUNK;
    uint32_t *map = p2m_new_map(ngfn);
    uint32_t *guest = malloc(((size_t)gchunks + 1) * sizeof(*guest));
    uint32_t *host = malloc(((size_t)hchunks + 1) * sizeof(*host));
    err = HV_ERR_NOMEM;
    if (!map || !guest || !host)
        goto out_free;

    /* Guest chunks that hold RAM. */
    uint32_t need = 0;
    for (uint32_t k = 0; k < gchunks; k++) {
        if (!p2m_in_hole(k * P2M_CHUNK))
            guest[need++] = k;
    }
    uint32_t nhost = p2m_free_chunks(hm, host);
    if (nhost < need)
        goto out_free;

    /* Fisher-Yates over all free chunks, so which chunks are used (not
     * only their order) depends on the seed. */
    uint64_t rng = seed;
    for (uint32_t i = nhost; i > 1; i--) {
        uint32_t j = (uint32_t)(p2m_rng_next(&rng) % i);
        uint32_t t = host[i - 1];
        host[i - 1] = host[j];
        host[j] = t;
    }
    p2m_derange(host, nhost, guest, need);

    for (uint32_t i = 0; i < need; i++) {
        for (uint32_t off = 0; off < P2M_CHUNK; off++) {
            uint32_t gfn = guest[i] * P2M_CHUNK + off;
            uint32_t hfn = host[i] * P2M_CHUNK + off;
            if (gfn >= ngfn)
                break;
            /* Cannot fail: the chunk was wholly free. */
            if (hv_hostmem_claim(hm, hfn, HV_OWN_VM_RAM, vm) != HV_OK)
                goto out_unclaim;
            map[gfn] = hfn;
        }
    }
    free(guest);
    free(host);
    p2m->ngfn = ngfn;
    p2m->hfn = map;
    return HV_OK;

out_unclaim:
    for (uint32_t gfn = 0; gfn < ngfn; gfn++) {
        if (map[gfn] != HV_P2M_NONE)
            hv_hostmem_free(hm, map[gfn]);
    }
out_free:
    free(map);
    free(guest);
    free(host);
    return err;
}

void hv_p2m_fini(hv_p2m *p2m)
{
    if (!p2m)
        return;
    free(p2m->hfn);
    memset(p2m, 0, sizeof(*p2m));
}
