/* Unit tests of the P2M map (src/engine/p2m.c): identity in native mode,
 * a seeded scatter of 64 KiB chunks under a hypervisor. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "p2m.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define HOLE_FIRST_GFN (HV_HOLE_START / HV_PAGE_SIZE) /* 0xA0 */
#define HOLE_END_GFN (HV_HOLE_END / HV_PAGE_SIZE)     /* 0x100 */

static bool in_hole(uint32_t gfn)
{
    return gfn >= HOLE_FIRST_GFN && gfn < HOLE_END_GFN;
}

/* Guest frames that hold RAM: all but those of the hole. */
static uint32_t ram_frames(uint32_t ngfn)
{
    uint32_t n = 0;
    for (uint32_t g = 0; g < ngfn; g++)
        n += !in_hole(g);
    return n;
}

static void test_identity_map(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    CHECK_OK(hv_hostmem_init(&hm, 2 * MIB));
    CHECK_OK(hv_p2m_build_identity(&p2m, &hm, 2 * MIB, 1));
    CHECK_EQ(p2m.ngfn, 512);
    for (uint32_t g = 0; g < p2m.ngfn; g++) {
        if (in_hole(g)) {
            CHECK_EQ(hv_p2m_lookup(&p2m, g), HV_P2M_NONE);
            CHECK_EQ(hm.tags[g].owner, HV_OWN_RESERVED);
        } else {
            CHECK_EQ(hv_p2m_lookup(&p2m, g), g);
            CHECK_EQ(hm.tags[g].owner, HV_OWN_VM_RAM);
            CHECK_EQ(hm.tags[g].vm, 1);
        }
    }
    CHECK_EQ(hv_p2m_lookup(&p2m, 512), HV_P2M_NONE);
    CHECK_EQ(hv_p2m_lookup(&p2m, UINT32_MAX), HV_P2M_NONE);
    uint32_t counts[HV_OWN__COUNT];
    hv_hostmem_census(&hm, counts);
    CHECK_EQ(counts[HV_OWN_RESERVED], 0x60); /* 0xA0..0xFF */
    CHECK_EQ(counts[HV_OWN_VM_RAM], 512 - 0x60);
    CHECK_EQ(hm.nfree, 0);
    hv_p2m_fini(&p2m);
    CHECK(p2m.hfn == NULL && p2m.ngfn == 0);
    hv_p2m_fini(&p2m);
    hv_hostmem_fini(&hm);
}

static void test_identity_small_and_partial_hole(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    uint32_t counts[HV_OWN__COUNT];

    /* 256 KiB: below the hole, nothing reserved, the rest of host free. */
    CHECK_OK(hv_hostmem_init(&hm, 1 * MIB));
    CHECK_OK(hv_p2m_build_identity(&p2m, &hm, 256 * KIB, 0));
    hv_hostmem_census(&hm, counts);
    CHECK_EQ(counts[HV_OWN_VM_RAM], 64);
    CHECK_EQ(counts[HV_OWN_RESERVED], 0);
    CHECK_EQ(hm.nfree, 256 - 64);
    hv_p2m_fini(&p2m);
    hv_hostmem_fini(&hm);

    /* 768 KiB ends inside the hole: 0xA0..0xBF reserved. */
    CHECK_OK(hv_hostmem_init(&hm, 1 * MIB));
    CHECK_OK(hv_p2m_build_identity(&p2m, &hm, 768 * KIB, 0));
    hv_hostmem_census(&hm, counts);
    CHECK_EQ(counts[HV_OWN_VM_RAM], 0xA0);
    CHECK_EQ(counts[HV_OWN_RESERVED], 0xC0 - 0xA0);
    CHECK_EQ(hv_p2m_lookup(&p2m, 0x9F), 0x9F);
    CHECK_EQ(hv_p2m_lookup(&p2m, 0xA0), HV_P2M_NONE);
    CHECK_EQ(hv_p2m_lookup(&p2m, 0xBF), HV_P2M_NONE);
    hv_p2m_fini(&p2m);
    hv_hostmem_fini(&hm);
}

static void test_identity_errors(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    CHECK_OK(hv_hostmem_init(&hm, 1 * MIB));
    CHECK_EQ(hv_p2m_build_identity(&p2m, &hm, 0, 0), HV_ERR_CONFIG);
    CHECK_EQ(hv_p2m_build_identity(&p2m, &hm, 4097, 0), HV_ERR_CONFIG);
    /* Host smaller than RAM. */
    CHECK_EQ(hv_p2m_build_identity(&p2m, &hm, 2 * MIB, 0), HV_ERR_NOMEM);
    CHECK_EQ(hm.nfree, 256);
    /* A frame the identity needs is taken: nothing stays claimed. */
    CHECK_OK(hv_hostmem_claim(&hm, 0x50, HV_OWN_HYP, 0));
    CHECK_EQ(hv_p2m_build_identity(&p2m, &hm, 1 * MIB, 0), HV_ERR_NOMEM);
    CHECK_EQ(hm.nfree, 255);
    CHECK(p2m.hfn == NULL && p2m.ngfn == 0);
    CHECK_EQ(hv_p2m_build_identity(NULL, &hm, 4096, 0), HV_ERR_ARG);
    CHECK_EQ(hv_p2m_build_identity(&p2m, NULL, 4096, 0), HV_ERR_ARG);
    hv_hostmem_fini(&hm);
}

/* Builds a scattered map of `ram` bytes on a fresh host of `host` bytes. */
static bool build_scattered(hv_hostmem *hm, hv_p2m *p2m, uint64_t host,
                            uint32_t ram, uint64_t seed)
{
    hv_err err = hv_hostmem_init(hm, host);
    CHECK_OK(err);
    if (err != HV_OK)
        return false;
    err = hv_p2m_build_scattered(p2m, hm, ram, 2, seed);
    CHECK_OK(err);
    if (err != HV_OK) {
        hv_hostmem_fini(hm);
        return false;
    }
    return true;
}

static void free_scattered(hv_hostmem *hm, hv_p2m *p2m)
{
    hv_p2m_fini(p2m);
    hv_hostmem_fini(hm);
}

static void test_scattered_bijection(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    uint32_t ram = 2 * MIB + 8 * KIB; /* ends with a 2-frame chunk */
    if (!build_scattered(&hm, &p2m, 8 * MIB, ram, 5))
        return;
    CHECK_EQ(p2m.ngfn, ram / HV_PAGE_SIZE);
    uint8_t *seen = calloc(hm.nframes, 1);
    CHECK(seen != NULL);
    uint32_t used = 0;
    for (uint32_t g = 0; g < p2m.ngfn && seen; g++) {
        uint32_t h = hv_p2m_lookup(&p2m, g);
        if (in_hole(g)) {
            CHECK_EQ(h, HV_P2M_NONE);
            continue;
        }
        CHECK(h < hm.nframes);
        if (h >= hm.nframes)
            continue;
        CHECK_EQ(seen[h], 0); /* injective */
        seen[h] = 1;
        used++;
        CHECK_EQ(hm.tags[h].owner, HV_OWN_VM_RAM);
        CHECK_EQ(hm.tags[h].vm, 2);
        /* A 64 KiB guest chunk sits whole in one host chunk. */
        CHECK_EQ(h % 16, g % 16);
        CHECK_EQ(h - g % 16, hv_p2m_lookup(&p2m, g - g % 16));
    }
    CHECK_EQ(used, ram_frames(p2m.ngfn));
    /* Exactly the mapped frames are VM RAM: onto the VM_RAM frames. */
    uint32_t counts[HV_OWN__COUNT];
    hv_hostmem_census(&hm, counts);
    CHECK_EQ(counts[HV_OWN_VM_RAM], used);
    CHECK_EQ(hm.nfree, hm.nframes - used);
    /* The partial last chunk leaves the rest of its host chunk free. */
    uint32_t last = hv_p2m_lookup(&p2m, p2m.ngfn - 1);
    CHECK_EQ(last % 16, 1);
    for (uint32_t f = last + 1; f < last - last % 16 + 16; f++)
        CHECK_EQ(hm.tags[f].owner, HV_OWN_FREE);
    free(seen);
    free_scattered(&hm, &p2m);
}

static void test_scattered_deterministic(void)
{
    enum { NSEEDS = 16 };
    uint32_t *maps[NSEEDS] = {0};
    uint32_t ngfn = 2 * MIB / HV_PAGE_SIZE;
    for (uint64_t s = 0; s < NSEEDS; s++) {
        hv_hostmem a, b;
        hv_p2m pa, pb;
        if (!build_scattered(&a, &pa, 4 * MIB, 2 * MIB, s))
            continue;
        if (build_scattered(&b, &pb, 4 * MIB, 2 * MIB, s)) {
            CHECK(memcmp(pa.hfn, pb.hfn, ngfn * sizeof(uint32_t)) == 0);
            CHECK(memcmp(a.tags, b.tags, a.nframes * sizeof(*a.tags)) == 0);
            free_scattered(&b, &pb);
        }
        maps[s] = malloc(ngfn * sizeof(uint32_t));
        if (maps[s])
            memcpy(maps[s], pa.hfn, ngfn * sizeof(uint32_t));
        free_scattered(&a, &pa);
    }
    /* Different seeds, different placements. */
    for (int i = 0; i < NSEEDS; i++) {
        for (int j = i + 1; j < NSEEDS; j++) {
            if (maps[i] && maps[j])
                CHECK(memcmp(maps[i], maps[j], ngfn * sizeof(uint32_t)) != 0);
        }
    }
    for (int i = 0; i < NSEEDS; i++)
        free(maps[i]);
}

/* No guest RAM frame sits at the host frame of the same number. */
static void check_no_fixed_point(const hv_p2m *p2m)
{
    uint32_t fixed = 0;
    for (uint32_t g = 0; g < p2m->ngfn; g++)
        fixed += !in_hole(g) && hv_p2m_lookup(p2m, g) == g;
    CHECK_EQ(fixed, 0);
}

static void test_scattered_not_identity(void)
{
    static const struct {
        uint64_t host;
        uint32_t ram;
        uint32_t hyp_frames; /* taken before the build */
        uint32_t nseeds;
    } shapes[] = {
        {1 * MIB, 1 * MIB, 0, 200},     /* 16 free chunks for 10 */
        {640 * KIB, 1 * MIB, 0, 200},   /* exactly chunks 0..9 for 0..9 */
        {1 * MIB, 1 * MIB, 16, 200},    /* chunk 0 taken */
        {128 * KIB, 128 * KIB, 0, 200}, /* two chunks for two */
        {17 * MIB, 16 * MIB, 0, 20},    /* a default-sized guest */
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        for (uint64_t seed = 0; seed < shapes[i].nseeds; seed++) {
            hv_hostmem hm;
            hv_p2m p2m;
            CHECK_OK(hv_hostmem_init(&hm, shapes[i].host));
            uint32_t f;
            for (uint32_t k = 0; k < shapes[i].hyp_frames; k++)
                CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_HYP, 0, &f));
            hv_err err = hv_p2m_build_scattered(&p2m, &hm, shapes[i].ram,
                                                0, seed);
            CHECK_OK(err);
            if (err == HV_OK)
                check_no_fixed_point(&p2m);
            free_scattered(&hm, &p2m);
        }
    }
}

static void test_scattered_skips_used_frames(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    CHECK_OK(hv_hostmem_init(&hm, 4 * MIB));
    uint32_t f;
    for (uint32_t k = 0; k < 40; k++) /* chunks 0, 1 and half of 2 */
        CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_HYP, 0, &f));
    CHECK_OK(hv_p2m_build_scattered(&p2m, &hm, 2 * MIB, 1, 77));
    for (uint32_t g = 0; g < p2m.ngfn; g++) {
        uint32_t h = hv_p2m_lookup(&p2m, g);
        if (!in_hole(g))
            CHECK(h >= 48 && h < hm.nframes);
    }
    for (uint32_t k = 0; k < 40; k++)
        CHECK_EQ(hm.tags[k].owner, HV_OWN_HYP);
    for (uint32_t k = 40; k < 48; k++)
        CHECK_EQ(hm.tags[k].owner, HV_OWN_FREE);
    free_scattered(&hm, &p2m);
}

static void test_scattered_nomem(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    /* 2 MiB of RAM needs 26 chunks; 1 MiB of host has 16. */
    CHECK_OK(hv_hostmem_init(&hm, 1 * MIB));
    CHECK_EQ(hv_p2m_build_scattered(&p2m, &hm, 2 * MIB, 0, 1), HV_ERR_NOMEM);
    CHECK_EQ(hm.nfree, hm.nframes);
    CHECK(p2m.hfn == NULL && p2m.ngfn == 0);
    hv_hostmem_fini(&hm);

    /* Enough free frames but too few whole chunks: one frame taken in
     * each of 40 of the 64 chunks leaves 24 whole ones. */
    CHECK_OK(hv_hostmem_init(&hm, 4 * MIB));
    for (uint32_t c = 0; c < 40; c++)
        CHECK_OK(hv_hostmem_claim(&hm, c * 16 + 3, HV_OWN_DEVICE, 0));
    CHECK(hm.nfree > ram_frames(2 * MIB / HV_PAGE_SIZE));
    CHECK_EQ(hv_p2m_build_scattered(&p2m, &hm, 2 * MIB, 0, 1), HV_ERR_NOMEM);
    CHECK_EQ(hm.nfree, hm.nframes - 40);
    hv_hostmem_fini(&hm);
}

static void test_scattered_errors(void)
{
    hv_hostmem hm;
    hv_p2m p2m;
    CHECK_OK(hv_hostmem_init(&hm, 1 * MIB));
    CHECK_EQ(hv_p2m_build_scattered(&p2m, &hm, 0, 0, 1), HV_ERR_CONFIG);
    CHECK_EQ(hv_p2m_build_scattered(&p2m, &hm, 4097, 0, 1), HV_ERR_CONFIG);
    CHECK_EQ(hv_p2m_build_scattered(NULL, &hm, 4096, 0, 1), HV_ERR_ARG);
    CHECK_EQ(hm.nfree, hm.nframes);
    hv_hostmem_fini(&hm);
}

static const check_test tests[] = {
    {"identity_map", test_identity_map},
    {"identity_small_and_partial_hole", test_identity_small_and_partial_hole},
    {"identity_errors", test_identity_errors},
    {"scattered_bijection", test_scattered_bijection},
    {"scattered_deterministic", test_scattered_deterministic},
    {"scattered_not_identity", test_scattered_not_identity},
    {"scattered_skips_used_frames", test_scattered_skips_used_frames},
    {"scattered_nomem", test_scattered_nomem},
    {"scattered_errors", test_scattered_errors},
    {NULL, NULL},
};

CHECK_MAIN(tests)
