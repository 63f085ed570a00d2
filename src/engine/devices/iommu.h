/* hvlab engine: a VT-d-like DMA remapping unit (IOMMU) for assigned
 * devices (FIDELITY.md "Device emulation", behaviour 12).
 *
 * HOW IT WORKS (Intel VT-d spec §3.4 "Mapping Devices to Domains"; QEMU
 * hw/i386/intel_iommu.c vtd_do_iommu_translate()): a DMA request carries
 * its requester ID, the PCI bus/device/function (bdf = bus << 8 | dev << 3
 * | fn). The bus selects a root entry, the devfn a context entry in the
 * context table the root entry points to; the context entry names a
 * domain, and the domain's second-level page table translates the request's
 * address (the IOVA) page by page to a host frame, with read and write
 * permission per page. No context entry, an IOVA the domain does not map,
 * or a write through a read-only mapping blocks the request and records a
 * fault with the requester ID: here one IOMMU_FAULT event, and nothing of
 * the transfer moves.
 *
 * The guest never calls this module: the hypervisor builds each VM's
 * domain from its P2M and asks it to translate each transfer of the device
 * it assigned to the VM. There is no IOTLB and no context cache, so a map
 * or unmap takes effect at once (real VT-d needs an invalidation, §6.5).
 *
 * Bounds: at most HV_IOMMU_MAX_DOMAINS domains (ids 1..64) and 65536
 * context entries (256 buses x 256 devfns); each domain's table is a
 * directory of 1024 slots and, allocated as pages get mapped, leaves of
 * 1024 four-byte entries, so a domain holds at most 4 MiB of leaves.
 */
#ifndef HV_IOMMU_H
#define HV_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "../emit.h"
#include "../hv.h"

#define HV_IOMMU_MAX_DOMAINS 64u

typedef struct hv_iommu hv_iommu;

/* Errors: HV_ERR_ARG (out NULL), HV_ERR_NOMEM. `emit` receives the
 * IOMMU_FAULT events. */
hv_err hv_iommu_create(hv_emitter emit, hv_iommu **out);
/* Frees every table; NULL is a no-op. */
void hv_iommu_destroy(hv_iommu *u);

/* Points the context entry of requester ID bdf (bus << 8 | dev << 3 | fn)
 * at `domain` (1..HV_IOMMU_MAX_DOMAINS); attaching again re-points it.
 * Errors: HV_ERR_ARG (u NULL, domain 0 or past the maximum), HV_ERR_NOMEM
 * (the bus's context table). */
hv_err hv_iommu_attach(hv_iommu *u, uint16_t bdf, uint32_t domain);

/* Maps IOVA page `iova` of `domain` to host frame `hpa` (both
 * page-aligned), writable or read-only; mapping a mapped page replaces
 * its entry. Errors: HV_ERR_ARG (u NULL, bad domain, unaligned address),
 * HV_ERR_NOMEM (the domain's tables). */
hv_err hv_iommu_map(hv_iommu *u, uint32_t domain, uint32_t iova, uint32_t hpa,
                    bool writable);
/* Removes the mapping of IOVA page `iova`; unmapping a page that is not
 * mapped succeeds. Errors: HV_ERR_ARG (u NULL, bad domain, unaligned). */
hv_err hv_iommu_unmap(hv_iommu *u, uint32_t domain, uint32_t iova);

/* Translates the whole transfer [iova, iova + len) of requester bdf.
 * On success fills hpa_pages[i] with the page-aligned host address of the
 * i-th IOVA page the transfer touches and returns true (len 0: true,
 * nothing touched, nothing filled). On the first refused page, in
 * ascending address order, emits one IOMMU_FAULT (bdf, addr, write,
 * reason, len) and returns false; `addr` is the first refused byte: iova
 * itself when the context entry is missing or the first page is refused,
 * else the start of the refused page (VT-d's fault recording register
 * keeps only its page address, bits 63:12). A transfer that would run
 * past 4 GiB is beyond the address width (VT-d fault reason 4): NOT_MAPPED
 * at iova. On false hpa_pages[] holds nothing useful. A transfer of more
 * than n pages, or u/hpa_pages NULL, is a caller bug: false, no event. */
bool hv_iommu_translate(hv_iommu *u, uint16_t bdf, uint32_t iova, uint32_t len,
                        bool write, uint32_t *hpa_pages, uint32_t n);

/* For views: the domain bdf's context entry names (0: none). */
uint32_t hv_iommu_domain_of(const hv_iommu *u, uint16_t bdf);
/* For views: domain's mapping of the IOVA page holding `iova`; false when
 * not mapped (or a bad domain). hpa/writable may be NULL. */
bool hv_iommu_lookup(const hv_iommu *u, uint32_t domain, uint32_t iova,
                     uint32_t *hpa, bool *writable);

#endif
