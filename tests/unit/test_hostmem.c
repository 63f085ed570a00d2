/* Unit tests of host memory and its frame owners (src/engine/hostmem.c). */
#include <stdint.h>

#include "check.h"
#include "hostmem.h"

static int frame_is_zero(const hv_hostmem *hm, uint32_t hfn)
{
    const uint8_t *p = hv_hostmem_ptr(hm, hfn);
    for (uint32_t i = 0; i < HV_PAGE_SIZE; i++) {
        if (p[i])
            return 0;
    }
    return 1;
}

static void test_init_errors(void)
{
    static const uint64_t bad[] = {
        0,                        /* empty */
        4097,                     /* not whole frames */
        HV_PAGE_SIZE - 1,         /* less than a frame */
        (1ull << 30) + 4096,      /* over 1 GiB */
        1ull << 32,               /* far over */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hv_hostmem hm;
        CHECK_EQ(hv_hostmem_init(&hm, bad[i]), HV_ERR_CONFIG);
        CHECK(hm.base == NULL && hm.tags == NULL && hm.nframes == 0);
        hv_hostmem_fini(&hm); /* harmless on a failed init */
    }
    CHECK_EQ(hv_hostmem_init(NULL, 4096), HV_ERR_ARG);
}

static void test_init_state(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 64 * HV_PAGE_SIZE));
    CHECK_EQ(hm.nframes, 64);
    CHECK_EQ(hm.nfree, 64);
    CHECK_EQ((uintptr_t)hm.base % HV_PAGE_SIZE, 0);
    for (uint32_t f = 0; f < 64; f++) {
        CHECK_EQ(hm.tags[f].owner, HV_OWN_FREE);
        CHECK(frame_is_zero(&hm, f));
    }
    CHECK(hv_hostmem_ptr(&hm, 3) == hm.base + 3 * HV_PAGE_SIZE);
    hv_hostmem_fini(&hm);
    CHECK(hm.base == NULL && hm.nframes == 0);
    hv_hostmem_fini(&hm); /* twice is fine */
}

static void test_alloc_lowest_free(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 16 * HV_PAGE_SIZE));
    uint32_t f = UINT32_MAX;
    for (uint32_t want = 0; want < 3; want++) {
        CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_HYP, 0, &f));
        CHECK_EQ(f, want);
    }
    /* A claimed frame is skipped; a freed one is reused first. */
    CHECK_OK(hv_hostmem_claim(&hm, 4, HV_OWN_DEVICE, 0));
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_SHADOW, 2, &f));
    CHECK_EQ(f, 3);
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_SHADOW, 2, &f));
    CHECK_EQ(f, 5);
    CHECK_EQ(hm.tags[5].owner, HV_OWN_SHADOW);
    CHECK_EQ(hm.tags[5].vm, 2);
    hv_hostmem_free(&hm, 1);
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_EPT, 1, &f));
    CHECK_EQ(f, 1);
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_EPT, 1, &f));
    CHECK_EQ(f, 6);
    CHECK_EQ(hm.nfree, 16 - 7);

    /* Bad owners are refused. */
    CHECK_EQ(hv_hostmem_alloc(&hm, HV_OWN_FREE, 0, &f), HV_ERR_ARG);
    CHECK_EQ(hv_hostmem_alloc(&hm, HV_OWN__COUNT, 0, &f), HV_ERR_ARG);
    CHECK_EQ(hm.nfree, 16 - 7);
    hv_hostmem_fini(&hm);
}

static void test_alloc_until_full(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 8 * HV_PAGE_SIZE));
    uint32_t f;
    for (uint32_t i = 0; i < 8; i++) {
        CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 0, &f));
        CHECK_EQ(f, i);
    }
    CHECK_EQ(hm.nfree, 0);
    CHECK_EQ(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 0, &f), HV_ERR_NOMEM);
    hv_hostmem_free(&hm, 6);
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 0, &f));
    CHECK_EQ(f, 6);
    hv_hostmem_fini(&hm);
}

static void test_claim(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 8 * HV_PAGE_SIZE));
    CHECK_OK(hv_hostmem_claim(&hm, 7, HV_OWN_VM_RAM, 3));
    CHECK_EQ(hm.tags[7].owner, HV_OWN_VM_RAM);
    CHECK_EQ(hm.tags[7].vm, 3);
    CHECK_EQ(hm.nfree, 7);
    CHECK_EQ(hv_hostmem_claim(&hm, 7, HV_OWN_VM_RAM, 3), HV_ERR_ARG);
    CHECK_EQ(hv_hostmem_claim(&hm, 8, HV_OWN_VM_RAM, 3), HV_ERR_ARG);
    CHECK_EQ(hv_hostmem_claim(&hm, UINT32_MAX, HV_OWN_HYP, 0), HV_ERR_ARG);
    CHECK_EQ(hv_hostmem_claim(&hm, 0, HV_OWN_FREE, 0), HV_ERR_ARG);
    CHECK_EQ(hm.nfree, 7);
    CHECK_EQ(hm.tags[0].owner, HV_OWN_FREE);
    hv_hostmem_fini(&hm);
}

static void test_free_zeroes(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 4 * HV_PAGE_SIZE));
    uint32_t f;
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 0, &f));
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 0, &f));
    memset(hv_hostmem_ptr(&hm, 0), 0xAB, HV_PAGE_SIZE);
    memset(hv_hostmem_ptr(&hm, 1), 0xCD, HV_PAGE_SIZE);
    hv_hostmem_free(&hm, 0);
    CHECK(frame_is_zero(&hm, 0));
    CHECK_EQ(hm.tags[0].owner, HV_OWN_FREE);
    CHECK_EQ(hm.nfree, 3);
    /* The neighbour is untouched. */
    CHECK_EQ(hv_hostmem_ptr(&hm, 1)[0], 0xCD);
    CHECK_EQ(hv_hostmem_ptr(&hm, 1)[HV_PAGE_SIZE - 1], 0xCD);
    /* A reallocated frame comes back clean. */
    CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_DEVICE, 0, &f));
    CHECK_EQ(f, 0);
    CHECK(frame_is_zero(&hm, 0));
    /* Freeing a free frame or a frame out of range changes no count. */
    hv_hostmem_free(&hm, 3);
    hv_hostmem_free(&hm, 4);
    hv_hostmem_free(&hm, UINT32_MAX);
    CHECK_EQ(hm.nfree, 2);
    hv_hostmem_fini(&hm);
}

static void test_census(void)
{
    hv_hostmem hm;
    CHECK_OK(hv_hostmem_init(&hm, 32 * HV_PAGE_SIZE));
    uint32_t f;
    for (int i = 0; i < 3; i++)
        CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_HYP, 0, &f));
    for (int i = 0; i < 5; i++)
        CHECK_OK(hv_hostmem_alloc(&hm, HV_OWN_VM_RAM, 1, &f));
    CHECK_OK(hv_hostmem_claim(&hm, 20, HV_OWN_SHADOW, 1));
    CHECK_OK(hv_hostmem_claim(&hm, 21, HV_OWN_EPT, 1));
    CHECK_OK(hv_hostmem_claim(&hm, 22, HV_OWN_DEVICE, 0));
    CHECK_OK(hv_hostmem_claim(&hm, 23, HV_OWN_RESERVED, 0));
    CHECK_OK(hv_hostmem_claim(&hm, 24, HV_OWN_RESERVED, 0));
    hv_hostmem_free(&hm, 4); /* one VM RAM frame back */

    uint32_t counts[HV_OWN__COUNT];
    hv_hostmem_census(&hm, counts);
    CHECK_EQ(counts[HV_OWN_HYP], 3);
    CHECK_EQ(counts[HV_OWN_VM_RAM], 4);
    CHECK_EQ(counts[HV_OWN_SHADOW], 1);
    CHECK_EQ(counts[HV_OWN_EPT], 1);
    CHECK_EQ(counts[HV_OWN_DEVICE], 1);
    CHECK_EQ(counts[HV_OWN_RESERVED], 2);
    CHECK_EQ(counts[HV_OWN_FREE], 32 - 12);
    CHECK_EQ(counts[HV_OWN_FREE], hm.nfree);
    uint32_t sum = 0;
    for (int o = 0; o < HV_OWN__COUNT; o++)
        sum += counts[o];
    CHECK_EQ(sum, hm.nframes);
    hv_hostmem_fini(&hm);
}

static void test_owner_names(void)
{
    CHECK_STR(hv_owner_name(HV_OWN_FREE), "free");
    CHECK_STR(hv_owner_name(HV_OWN_HYP), "hypervisor");
    CHECK_STR(hv_owner_name(HV_OWN_VM_RAM), "vm-ram");
    CHECK_STR(hv_owner_name(HV_OWN_SHADOW), "shadow");
    CHECK_STR(hv_owner_name(HV_OWN_EPT), "ept");
    CHECK_STR(hv_owner_name(HV_OWN_DEVICE), "device");
    CHECK_STR(hv_owner_name(HV_OWN_RESERVED), "reserved");
    CHECK(hv_owner_name(HV_OWN__COUNT) != NULL);
    CHECK(hv_owner_name((hv_owner)200) != NULL);
}

static const check_test tests[] = {
    {"init_errors", test_init_errors},
    {"init_state", test_init_state},
    {"alloc_lowest_free", test_alloc_lowest_free},
    {"alloc_until_full", test_alloc_until_full},
    {"claim", test_claim},
    {"free_zeroes", test_free_zeroes},
    {"census", test_census},
    {"owner_names", test_owner_names},
    {NULL, NULL},
};

CHECK_MAIN(tests)
