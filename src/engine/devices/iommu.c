/* hvlab engine: the DMA remapping unit (see iommu.h).
 *
 * The structures follow VT-d's legacy (non-scalable) mode, shrunk to a
 * 32-bit IOVA space:
 *
 *   requester ID (bdf) --bus--> root entry --devfn--> context entry
 *       (VT-d §9.1)                          (§9.3: present, domain id,
 *                                             second-level table pointer)
 *   IOVA bits 31:22 --> directory slot --> leaf; bits 21:12 --> entry
 *       (a two-level second-level table, like a 32-bit x86 page table)
 *
 * Leaf entries use the bits of a VT-d second-level PTE (§9.8): bit 0 Read,
 * bit 1 Write, bits 31:12 the host frame. A context entry here is just
 * its 16-bit domain id (VT-d's DID field), 0 meaning "not present"; the
 * domain id selects the table, where VT-d's entry holds the table's
 * address as well.
 */
#include "iommu.h"

#include <stdlib.h>

#define IOMMU_PAGE 0x1000u
#define IOMMU_PTE_R 0x1u /* VT-d SL-PTE bit 0: read permitted */
#define IOMMU_PTE_W 0x2u /* VT-d SL-PTE bit 1: write permitted */
#define IOMMU_PTE_ADDR 0xFFFFF000u
#define IOMMU_DIR_SLOTS 1024u
#define IOMMU_LEAF_SLOTS 1024u
#define IOMMU_BUSES 256u
#define IOMMU_DEVFNS 256u

typedef struct iommu_domain {
    /* IOVA bits 31:22 pick a leaf; NULL: nothing mapped in those 4 MiB. */
    uint32_t *leaf[IOMMU_DIR_SLOTS];
} iommu_domain;

struct hv_iommu {
    hv_emitter emit;
    /* Root table: one context table per bus, NULL when no device of the
     * bus was attached (VT-d: root entry not present, fault reason 1).
     * Each holds IOMMU_DEVFNS domain ids, 0 for "not present" (reason 2). */
    uint16_t *context[IOMMU_BUSES];
    /* Domain d (1..HV_IOMMU_MAX_DOMAINS) at [d - 1]; NULL until mapped. */
    iommu_domain *domains[HV_IOMMU_MAX_DOMAINS];
};

static bool iommu_domain_ok(uint32_t domain)
{
    return domain >= 1 && domain <= HV_IOMMU_MAX_DOMAINS;
}

hv_err hv_iommu_create(hv_emitter emit, hv_iommu **out)
{
    if (!out)
        return HV_ERR_ARG;
    *out = NULL;
    hv_iommu *u = calloc(1, sizeof *u);
    if (!u)
        return HV_ERR_NOMEM;
    u->emit = emit;
    *out = u;
    return HV_OK;
}

static void iommu_free_domain(iommu_domain *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < IOMMU_DIR_SLOTS; i++)
        free(d->leaf[i]);
    free(d);
}

void hv_iommu_destroy(hv_iommu *u)
{
    if (!u)
        return;
    for (uint32_t b = 0; b < IOMMU_BUSES; b++)
        free(u->context[b]);
    for (uint32_t d = 0; d < HV_IOMMU_MAX_DOMAINS; d++)
        iommu_free_domain(u->domains[d]);
    free(u);
}

hv_err hv_iommu_attach(hv_iommu *u, uint16_t bdf, uint32_t domain)
{
    if (!u || !iommu_domain_ok(domain))
        return HV_ERR_ARG;
    uint16_t **table = &u->context[bdf >> 8];
    if (!*table) {
        *table = calloc(IOMMU_DEVFNS, sizeof **table);
        if (!*table)
            return HV_ERR_NOMEM;
    }
    (*table)[bdf & 0xFFu] = (uint16_t)domain;
    return HV_OK;
}

uint32_t hv_iommu_domain_of(const hv_iommu *u, uint16_t bdf)
{
    if (!u || !u->context[bdf >> 8])
        return 0;
    return u->context[bdf >> 8][bdf & 0xFFu];
}

/* The leaf entry of IOVA `iova` in `domain`, or 0 (not present) when no
 * table holds one. The domain id has been checked. */
static uint32_t iommu_pte(const hv_iommu *u, uint32_t domain, uint32_t iova)
{
    const iommu_domain *d = u->domains[domain - 1];
    if (!d || !d->leaf[iova >> 22])
        return 0;
    return d->leaf[iova >> 22][(iova >> 12) & (IOMMU_LEAF_SLOTS - 1)];
}

hv_err hv_iommu_map(hv_iommu *u, uint32_t domain, uint32_t iova, uint32_t hpa,
                    bool writable)
{
    if (!u || !iommu_domain_ok(domain) || (iova & (IOMMU_PAGE - 1)) ||
        (hpa & (IOMMU_PAGE - 1)))
        return HV_ERR_ARG;
    iommu_domain **d = &u->domains[domain - 1];
    if (!*d) {
        *d = calloc(1, sizeof **d);
        if (!*d)
            return HV_ERR_NOMEM;
    }
    uint32_t **leaf = &(*d)->leaf[iova >> 22];
    if (!*leaf) {
        *leaf = calloc(IOMMU_LEAF_SLOTS, sizeof **leaf);
        if (!*leaf)
            return HV_ERR_NOMEM;
    }
    /* Writable implies readable: the hypervisor maps RAM; a write-only
     * mapping (W without R, which VT-d allows) has no use here. */
    (*leaf)[(iova >> 12) & (IOMMU_LEAF_SLOTS - 1)] =
        hpa | IOMMU_PTE_R | (writable ? IOMMU_PTE_W : 0);
    return HV_OK;
}

hv_err hv_iommu_unmap(hv_iommu *u, uint32_t domain, uint32_t iova)
{
    if (!u || !iommu_domain_ok(domain) || (iova & (IOMMU_PAGE - 1)))
        return HV_ERR_ARG;
    iommu_domain *d = u->domains[domain - 1];
    /* Leaves stay allocated: the bound is per domain, not per mapping. */
    if (d && d->leaf[iova >> 22])
        d->leaf[iova >> 22][(iova >> 12) & (IOMMU_LEAF_SLOTS - 1)] = 0;
    return HV_OK;
}

bool hv_iommu_lookup(const hv_iommu *u, uint32_t domain, uint32_t iova,
                     uint32_t *hpa, bool *writable)
{
    if (!u || !iommu_domain_ok(domain))
        return false;
    uint32_t pte = iommu_pte(u, domain, iova & ~(IOMMU_PAGE - 1));
    if (!(pte & IOMMU_PTE_R))
        return false;
    if (hpa)
        *hpa = pte & IOMMU_PTE_ADDR;
    if (writable)
        *writable = (pte & IOMMU_PTE_W) != 0;
    return true;
}

/* The one fault path (QEMU: vtd_report_dmar_fault() with the source id,
 * address, reason and direction; VT-d ch. 7, primary fault logging). The
 * request is blocked: the caller copies nothing. */
static bool iommu_fault(hv_iommu *u, uint16_t bdf, uint32_t addr, bool write,
                        uint32_t reason, uint32_t len)
{
    hv_emit5(&u->emit, HV_EV_IOMMU_FAULT, bdf, addr, write, reason, len);
    return false;
}

bool hv_iommu_translate(hv_iommu *u, uint16_t bdf, uint32_t iova, uint32_t len,
                        bool write, uint32_t *hpa_pages, uint32_t n)
{
    if (!u)
        return false;
    if (len == 0)
        return true;
    uint64_t end = (uint64_t)iova + len; /* one past the last byte */
    uint64_t first = iova >> 12, last = (end - 1) >> 12;
    if (!hpa_pages || last - first + 1 > n)
        return false; /* the caller's buffer, not the guest's doing */

    /* 1. Requester ID -> context entry -> domain (QEMU
     *    vtd_dev_to_context_entry(): root, then context, present bits). */
    uint32_t domain = hv_iommu_domain_of(u, bdf);
    if (!domain)
        return iommu_fault(u, bdf, iova, write, HV_IOMMU_NO_CONTEXT, len);

    /* 2. The whole request must lie inside the address width (VT-d reason
     *    4, "address beyond MGAW"; QEMU vtd_iova_range_check()). Our width
     *    is 32 bits: a transfer running past 4 GiB names no page there. */
    if (end > 0x100000000ull)
        return iommu_fault(u, bdf, iova, write, HV_IOMMU_NOT_MAPPED, len);

    /* 3. Every page in ascending order. QEMU vtd_iova_to_slpte() refuses
     *    an entry lacking the access's permission bit with reason 5
     *    (write) or 6 (read) whether or not it is present; we tell the two
     *    cases apart, since "not mapped" and "read-only" teach different
     *    things. */
    for (uint64_t p = first; p <= last; p++) {
        uint32_t page = (uint32_t)(p << 12);
        uint32_t addr = p == first ? iova : page;
        uint32_t pte = iommu_pte(u, domain, page);
        if (!(pte & IOMMU_PTE_R))
            return iommu_fault(u, bdf, addr, write, HV_IOMMU_NOT_MAPPED, len);
        if (write && !(pte & IOMMU_PTE_W))
            return iommu_fault(u, bdf, addr, write, HV_IOMMU_READ_ONLY, len);
        hpa_pages[p - first] = pte & IOMMU_PTE_ADDR;
    }
    return true;
}
