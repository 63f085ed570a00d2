/* Unit tests of the IOMMU model (FIDELITY.md "Device emulation",
 * behaviour 12): the requester ID selects a context entry naming a domain,
 * the domain's table translates each IOVA page, and a request without a
 * context, to an unmapped page or writing a read-only page is blocked with
 * one IOMMU_FAULT naming the bus/device/function (VT-d spec §3.4, §9.3,
 * §9.8; QEMU hw/i386/intel_iommu.c vtd_do_iommu_translate()).
 *
 * Fault address convention (iommu.h): the first refused byte, i.e. the
 * IOVA itself when the first page is refused, else the start of the
 * refused page. */
#include "devices/iommu.h"

#include "check.h"

#define BDF_NIC 0x0018u   /* 00:03.0: bus 0, device 3, function 0 */
#define BDF_OTHER 0x0019u /* 00:03.1: same bus, another function */
#define BDF_FAR 0x0500u   /* 05:00.0: a bus nothing was attached on */

typedef struct fault_log {
    struct {
        uint32_t type, bdf, addr, write, reason, len;
    } ev[8];
    size_t n;
} fault_log;

static void log_ev5(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                    uint32_t c, uint32_t d, uint32_t e)
{
    fault_log *l = opaque;
    if (l->n < 8) {
        l->ev[l->n].type = type;
        l->ev[l->n].bdf = a;
        l->ev[l->n].addr = b;
        l->ev[l->n].write = c;
        l->ev[l->n].reason = d;
        l->ev[l->n].len = e;
    }
    l->n++;
}

static void log_ev(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                   uint32_t c, uint32_t d)
{
    log_ev5(opaque, type, a, b, c, d, 0xDEADu); /* e dropped: shows up */
}

static hv_iommu *make(fault_log *l)
{
    memset(l, 0, sizeof *l);
    hv_iommu *u = NULL;
    CHECK_OK(hv_iommu_create((hv_emitter){log_ev, l, log_ev5}, &u));
    CHECK(u != NULL);
    return u;
}

/* One fault with these fields, and nothing else. */
static void check_one_fault(const fault_log *l, uint32_t bdf, uint32_t addr,
                            uint32_t write, uint32_t reason, uint32_t len)
{
    CHECK_EQ(l->n, 1);
    CHECK_EQ(l->ev[0].type, HV_EV_IOMMU_FAULT);
    CHECK_EQ(l->ev[0].bdf, bdf);
    CHECK_EQ(l->ev[0].addr, addr);
    CHECK_EQ(l->ev[0].write, write);
    CHECK_EQ(l->ev[0].reason, reason);
    CHECK_EQ(l->ev[0].len, len);
}

static void test_round_trip(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_map(u, 1, 0x2000, 0x55000, true));
    CHECK_EQ(hv_iommu_domain_of(u, BDF_NIC), 1);
    /* A function next to it has its own context entry: none. */
    CHECK_EQ(hv_iommu_domain_of(u, BDF_OTHER), 0);

    /* 16 bytes inside IOVA page 0x2000 -> host page 0x55000, both ways. */
    uint32_t pages[2] = {0, 0xFFFFFFFFu};
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x2010, 16, true, pages, 2));
    CHECK_EQ(pages[0], 0x55000);
    CHECK_EQ(pages[1], 0xFFFFFFFFu); /* one page touched, one filled */
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x2FFF, 1, false, pages, 1));
    CHECK_EQ(pages[0], 0x55000);
    CHECK_EQ(l.n, 0); /* success is silent: the window emits the DMA */

    uint32_t hpa = 0;
    bool w = false;
    CHECK(hv_iommu_lookup(u, 1, 0x2ABC, &hpa, &w)); /* any byte of it */
    CHECK_EQ(hpa, 0x55000);
    CHECK(w);
    CHECK(!hv_iommu_lookup(u, 1, 0x3000, &hpa, &w));
    hv_iommu_destroy(u);
}

static void test_crossing_pages(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 2));
    /* Adjacent IOVA pages on host frames that are not adjacent (and in
     * descending order): the caller must get each one. */
    CHECK_OK(hv_iommu_map(u, 2, 0x3000, 0x80000, true));
    CHECK_OK(hv_iommu_map(u, 2, 0x4000, 0x42000, true));
    uint32_t pages[3] = {0, 0, 0xFFFFFFFFu};
    /* [0x3FF0, 0x4010): 16 bytes in each page. */
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x3FF0, 0x20, true, pages, 3));
    CHECK_EQ(pages[0], 0x80000);
    CHECK_EQ(pages[1], 0x42000);
    CHECK_EQ(pages[2], 0xFFFFFFFFu);
    /* Exactly one page, [0x3000, 0x4000): its end is not the next page. */
    pages[1] = 0xFFFFFFFFu;
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x3000, 0x1000, false, pages, 1));
    CHECK_EQ(pages[0], 0x80000);
    CHECK_EQ(pages[1], 0xFFFFFFFFu);
    /* Two directory slots: IOVA 0x3FF000 and 0x400000 sit in different
     * leaves (bits 31:22 are 0 and 1). */
    CHECK_OK(hv_iommu_map(u, 2, 0x3FF000, 0x7000, true));
    CHECK_OK(hv_iommu_map(u, 2, 0x400000, 0x9000, true));
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x3FFFFE, 4, false, pages, 2));
    CHECK_EQ(pages[0], 0x7000);
    CHECK_EQ(pages[1], 0x9000);
    CHECK_EQ(l.n, 0);
    hv_iommu_destroy(u);
}

static void test_not_mapped(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_map(u, 1, 0x3000, 0x80000, true));
    uint32_t pages[2];
    /* [0x3F00, 0x4100): page 0x3000 is mapped, 0x4000 is not. The first
     * refused byte is 0x4000, the start of that page. */
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0x3F00, 0x200, false, pages, 2));
    check_one_fault(&l, BDF_NIC, 0x4000, 0, HV_IOMMU_NOT_MAPPED, 0x200);

    /* The first page refused: the exact IOVA (0x5123), not 0x5000. */
    l.n = 0;
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0x5123, 4, true, pages, 1));
    check_one_fault(&l, BDF_NIC, 0x5123, 1, HV_IOMMU_NOT_MAPPED, 4);

    /* Unmapped later: refused again (no IOTLB keeps the old entry). */
    l.n = 0;
    CHECK_OK(hv_iommu_unmap(u, 1, 0x3000));
    CHECK(!hv_iommu_lookup(u, 1, 0x3000, NULL, NULL));
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0x3000, 8, false, pages, 1));
    check_one_fault(&l, BDF_NIC, 0x3000, 0, HV_IOMMU_NOT_MAPPED, 8);
    /* Unmapping what is not mapped, even in a domain never used: fine. */
    CHECK_OK(hv_iommu_unmap(u, 1, 0x3000));
    CHECK_OK(hv_iommu_unmap(u, 7, 0x3000));

    /* A domain attached but never given a mapping refuses everything. */
    l.n = 0;
    CHECK_OK(hv_iommu_attach(u, BDF_OTHER, 3));
    CHECK(!hv_iommu_translate(u, BDF_OTHER, 0, 1, false, pages, 1));
    check_one_fault(&l, BDF_OTHER, 0, 0, HV_IOMMU_NOT_MAPPED, 1);
    hv_iommu_destroy(u);
}

static void test_read_only(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_map(u, 1, 0x6000, 0x61000, true));
    CHECK_OK(hv_iommu_map(u, 1, 0x7000, 0x71000, false));
    uint32_t pages[2];
    /* Reading a read-only page is allowed. */
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x6800, 0x1000, false, pages, 2));
    CHECK_EQ(pages[1], 0x71000);
    CHECK_EQ(l.n, 0);
    /* Writing [0x6800, 0x7800): page 0x6000 is writable, 0x7000 is not;
     * the fault names the page start 0x7000 and the write. */
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0x6800, 0x1000, true, pages, 2));
    check_one_fault(&l, BDF_NIC, 0x7000, 1, HV_IOMMU_READ_ONLY, 0x1000);
    bool w = true;
    CHECK(hv_iommu_lookup(u, 1, 0x7000, NULL, &w));
    CHECK(!w);
    /* Mapping again replaces the entry: now writable. */
    l.n = 0;
    CHECK_OK(hv_iommu_map(u, 1, 0x7000, 0x72000, true));
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x7000, 4, true, pages, 1));
    CHECK_EQ(pages[0], 0x72000);
    CHECK_EQ(l.n, 0);
    hv_iommu_destroy(u);
}

static void test_no_context(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    uint32_t pages[1];
    /* Nothing attached at all (VT-d: root entry not present). The context
     * is checked before any page: the fault names the IOVA as given. */
    CHECK(!hv_iommu_translate(u, BDF_FAR, 0x1234, 2, true, pages, 1));
    check_one_fault(&l, BDF_FAR, 0x1234, 1, HV_IOMMU_NO_CONTEXT, 2);

    /* Its bus has a context table, its devfn no entry (VT-d: context
     * entry not present), even if the IOVA is mapped in another domain. */
    l.n = 0;
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_map(u, 1, 0x1000, 0x11000, true));
    CHECK(!hv_iommu_translate(u, BDF_OTHER, 0x1000, 4, false, pages, 1));
    check_one_fault(&l, BDF_OTHER, 0x1000, 0, HV_IOMMU_NO_CONTEXT, 4);
    hv_iommu_destroy(u);
}

static void test_domains_isolate(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    /* Two VMs' devices, the same IOVA, each its own host frame. */
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_attach(u, BDF_FAR, 2));
    CHECK_OK(hv_iommu_map(u, 1, 0x8000, 0x100000, true));
    CHECK_OK(hv_iommu_map(u, 2, 0x8000, 0x200000, true));
    CHECK_OK(hv_iommu_map(u, 2, 0x9000, 0x201000, true));
    uint32_t pages[1];
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x8000, 4, true, pages, 1));
    CHECK_EQ(pages[0], 0x100000);
    CHECK(hv_iommu_translate(u, BDF_FAR, 0x8000, 4, true, pages, 1));
    CHECK_EQ(pages[0], 0x200000);
    /* Domain 2 maps 0x9000; domain 1 does not, so device 1 cannot reach
     * domain 2's frame through it. */
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0x9000, 4, true, pages, 1));
    check_one_fault(&l, BDF_NIC, 0x9000, 1, HV_IOMMU_NOT_MAPPED, 4);
    /* Re-attaching moves the device to domain 2. */
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 2));
    CHECK_EQ(hv_iommu_domain_of(u, BDF_NIC), 2);
    CHECK(hv_iommu_translate(u, BDF_NIC, 0x9000, 4, true, pages, 1));
    CHECK_EQ(pages[0], 0x201000);
    hv_iommu_destroy(u);
}

static void test_edges(void)
{
    fault_log l;
    hv_iommu *u = make(&l);
    CHECK_OK(hv_iommu_attach(u, BDF_NIC, 1));
    CHECK_OK(hv_iommu_map(u, 1, 0xFFFFF000u, 0x3000, true));
    uint32_t pages[2];
    /* The last page of the 32-bit IOVA space, up to its last byte. */
    CHECK(hv_iommu_translate(u, BDF_NIC, 0xFFFFF000u, 0x1000, true, pages, 2));
    CHECK_EQ(pages[0], 0x3000);
    CHECK_EQ(l.n, 0);
    /* One byte more runs past 4 GiB, beyond the address width (VT-d
     * reason 4): NOT_MAPPED at the IOVA, although its first page maps. */
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0xFFFFF000u, 0x1001, true, pages, 2));
    check_one_fault(&l, BDF_NIC, 0xFFFFF000u, 1, HV_IOMMU_NOT_MAPPED, 0x1001);
    /* The largest length from IOVA 0 stays below 4 GiB but touches
     * 0x100000 pages, and the array holds 2: a caller bug, no event. */
    l.n = 0;
    CHECK(!hv_iommu_translate(u, BDF_NIC, 0, 0xFFFFFFFFu, false, pages, 2));
    CHECK_EQ(l.n, 0);
    /* Length 0 touches nothing: true, no event, even without a context. */
    CHECK(hv_iommu_translate(u, BDF_FAR, 0x1000, 0, true, pages, 0));
    CHECK_EQ(l.n, 0);
    /* Host frame 0 is a frame like any other (present = the R bit). */
    CHECK_OK(hv_iommu_map(u, 1, 0x1000, 0, false));
    uint32_t hpa = 0xFFFFFFFFu;
    CHECK(hv_iommu_lookup(u, 1, 0x1000, &hpa, NULL));
    CHECK_EQ(hpa, 0);
    hv_iommu_destroy(u);
}

static void test_arguments(void)
{
    fault_log l;
    CHECK_EQ(hv_iommu_create((hv_emitter){0}, NULL), HV_ERR_ARG);
    hv_iommu *u = make(&l);
    /* Domains are 1..64. */
    CHECK_EQ(hv_iommu_attach(u, BDF_NIC, 0), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_attach(u, BDF_NIC, HV_IOMMU_MAX_DOMAINS + 1), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_attach(u, BDF_NIC, 0xFFFFFFFFu), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_domain_of(u, BDF_NIC), 0); /* refused: unchanged */
    CHECK_OK(hv_iommu_attach(u, 0xFFFFu, HV_IOMMU_MAX_DOMAINS)); /* ff:1f.7 */
    CHECK_EQ(hv_iommu_domain_of(u, 0xFFFFu), HV_IOMMU_MAX_DOMAINS);
    CHECK_EQ(hv_iommu_attach(NULL, BDF_NIC, 1), HV_ERR_ARG);
    /* Page alignment of both addresses, domain range, handle. */
    CHECK_EQ(hv_iommu_map(u, 1, 0x1001, 0x2000, true), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_map(u, 1, 0x1000, 0x2800, true), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_map(u, 0, 0x1000, 0x2000, true), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_map(u, 65, 0x1000, 0x2000, true), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_map(NULL, 1, 0x1000, 0x2000, true), HV_ERR_ARG);
    CHECK(!hv_iommu_lookup(u, 1, 0x1000, NULL, NULL)); /* none took */
    CHECK_EQ(hv_iommu_unmap(u, 1, 0x1FFF), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_unmap(u, 0, 0x1000), HV_ERR_ARG);
    CHECK_EQ(hv_iommu_unmap(NULL, 1, 0x1000), HV_ERR_ARG);
    CHECK(!hv_iommu_lookup(u, 0, 0x1000, NULL, NULL));
    CHECK(!hv_iommu_lookup(u, 65, 0x1000, NULL, NULL));
    CHECK(!hv_iommu_lookup(NULL, 1, 0x1000, NULL, NULL));
    CHECK_EQ(hv_iommu_domain_of(NULL, BDF_NIC), 0);
    /* translate: no handle or no page array is the caller's bug: false,
     * and no fault is blamed on the device. */
    uint32_t pages[1];
    CHECK(!hv_iommu_translate(NULL, BDF_NIC, 0, 4, false, pages, 1));
    CHECK(!hv_iommu_translate(u, 0xFFFFu, 0, 4, false, NULL, 1));
    /* More pages than the array holds: [0xFFC, 0x1004) touches 2. */
    CHECK(!hv_iommu_translate(u, 0xFFFFu, 0xFFC, 8, false, pages, 1));
    CHECK_EQ(l.n, 0);
    hv_iommu_destroy(u);
    hv_iommu_destroy(NULL);
}

static const check_test tests[] = {
    {"round_trip", test_round_trip},
    {"crossing_pages", test_crossing_pages},
    {"not_mapped", test_not_mapped},
    {"read_only", test_read_only},
    {"no_context", test_no_context},
    {"domains_isolate", test_domains_isolate},
    {"edges", test_edges},
    {"arguments", test_arguments},
    {NULL, NULL},
};
CHECK_MAIN(tests)
