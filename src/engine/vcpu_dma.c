/* hvlab engine: the DMA windows the VM gives its devices (devices/dma.h;
 * FIDELITY.md "Device emulation", behaviour 12).
 *
 * - Emulated devices (virtio): the hypervisor does their DMA, copying
 *   through the VM's P2M. Addresses are guest-physical; a transfer that
 *   touches anything but this VM's RAM is refused whole (a GUEST_ERROR),
 *   so an emulated device can only ever reach its own VM's memory.
 * - An assigned device (the DMA engine, passthrough) DMAs with the bus
 *   addresses the guest programmed. With the machine's IOMMU, its requester
 *   ID selects the VM's domain, which the hypervisor built from the P2M:
 *   the IOMMU translates each page or refuses the transfer (an IOMMU_FAULT
 *   with the bus/device/function), and nothing is written. Without an
 *   IOMMU the bus address *is* the host-physical address: any frame of the
 *   host, another VM's included, can be read or written.
 * Every transfer that happens is one DMA event (address as the device
 * gave it, length, direction, the host-physical address of its first
 * byte, the device kind).
 *
 * Not modelled: a DMA write into a frame Unicorn holds translated code of,
 * or into a guest page table under shadow paging, is not seen by that
 * VM's code cache or shadow tables (KVM does not see a device's writes to
 * guest memory either; guests do not DMA into live page tables).
 */
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

#define PAGE 0x1000u

/* Host pointers of every page of [addr, addr + len) through `xlat`, or
 * false at the first page that has none. */
typedef uint8_t *(*page_xlat)(hv_vm *vm, uint32_t page, uint32_t *hpa);

static uint8_t *gpa_page(hv_vm *vm, uint32_t page, uint32_t *hpa)
{
    /* RAM only: not the ROM, not a device's page. */
    uint32_t hfn = hv_p2m_lookup(&vm->p2m, page >> 12);
    if (hfn == HV_P2M_NONE)
        return NULL;
    *hpa = hfn << 12;
    return hv_hostmem_ptr(&vm->m->hm, hfn);
}

static uint8_t *hpa_page(hv_vm *vm, uint32_t page, uint32_t *hpa)
{
    if ((page >> 12) >= vm->m->hm.nframes)
        return NULL;
    *hpa = page;
    return hv_hostmem_ptr(&vm->m->hm, page >> 12);
}

/* Copies [addr, addr + len) after checking every page; `out` is the host
 * buffer. Returns false (nothing copied) when a page has no memory. */
static bool copy_pages(hv_vm *vm, page_xlat xlat, uint32_t addr, void *buf,
                       uint32_t len, bool write, uint32_t *first_hpa,
                       uint32_t *bad)
{
    if (len == 0)
        return true;
    if ((uint64_t)addr + len > 0x100000000ull) {
        *bad = addr;
        return false;
    }
    uint32_t first = addr & ~(PAGE - 1), last = (addr + len - 1) & ~(PAGE - 1);
    for (uint64_t p = first; p <= last; p += PAGE) {
        uint32_t hpa;
        if (!xlat(vm, (uint32_t)p, &hpa)) {
            *bad = p < addr ? addr : (uint32_t)p;
            return false;
        }
        if (p == first)
            *first_hpa = hpa | (addr & (PAGE - 1));
    }
    uint8_t *b = buf;
    for (uint32_t done = 0; done < len;) {
        uint32_t a = addr + done, hpa;
        uint32_t n = PAGE - (a & (PAGE - 1));
        if (n > len - done)
            n = len - done;
        uint8_t *host = xlat(vm, a & ~(PAGE - 1), &hpa) + (a & (PAGE - 1));
        if (write)
            memcpy(host, b + done, n);
        else
            memcpy(b + done, host, n);
        done += n;
    }
    return true;
}

/* --- the emulated devices' window --------------------------------------- */

static bool emulated(hv_vm *vm, uint32_t device, uint32_t gpa, void *buf,
                     uint32_t len, bool write)
{
    uint32_t hpa = 0, bad = 0;
    if (!copy_pages(vm, gpa_page, gpa, buf, len, write, &hpa, &bad)) {
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_DMA, bad, len,
                        vm->cur_eip);
        return false;
    }
    if (len)
        hv_machine_emit5(vm, HV_EV_DMA, gpa, len, write, hpa, device);
    return true;
}

static bool virtio_dma_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    return emulated(ctx, HV_DEV_VIRTIO_MMIO, addr, buf, len, false);
}

static bool virtio_dma_write(void *ctx, uint32_t addr, const void *buf,
                             uint32_t len)
{
    return emulated(ctx, HV_DEV_VIRTIO_MMIO, addr, (void *)buf, len, true);
}

hv_dma hv_vcpu_dma_emulated(hv_vm *vm)
{
    return (hv_dma){virtio_dma_read, virtio_dma_write, vm};
}

/* --- the assigned device's window ------------------------------------------ */

static bool assigned(hv_vm *vm, uint32_t addr, void *buf, uint32_t len,
                     bool write)
{
    hv_machine *m = vm->m;
    uint32_t hpa = 0, bad = 0;
    if (len == 0)
        return true;
    if (m->iommu) {
        /* The IOMMU checks the whole transfer first: a refused page is an
         * IOMMU_FAULT and nothing moves (VT-d blocks the request). */
        uint32_t pages[HV_DMA_MAX_PAGES];
        uint32_t n = (uint32_t)((((uint64_t)addr + len - 1) >> 12) -
                                (addr >> 12) + 1);
        if (n > HV_DMA_MAX_PAGES ||
            !hv_iommu_translate(m->iommu, vm->dma_bdf, addr, len, write,
                                pages, HV_DMA_MAX_PAGES))
            return false;
        uint8_t *b = buf;
        for (uint32_t done = 0, i = 0; done < len; i++) {
            uint32_t a = addr + done, off = a & (PAGE - 1);
            uint32_t chunk = PAGE - off;
            if (chunk > len - done)
                chunk = len - done;
            uint8_t *host = hv_hostmem_ptr(&m->hm, pages[i] >> 12) + off;
            if (write)
                memcpy(host, b + done, chunk);
            else
                memcpy(b + done, host, chunk);
            done += chunk;
        }
        hpa = (pages[0] & ~(PAGE - 1)) | (addr & (PAGE - 1));
    } else if (!copy_pages(vm, hpa_page, addr, buf, len, write, &hpa, &bad)) {
        /* No IOMMU: whatever the bus address names. Past the end of host
         * memory nothing answers (a master abort): refused. */
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_DMA, bad, len,
                        vm->cur_eip);
        return false;
    }
    hv_machine_emit5(vm, HV_EV_DMA, addr, len, write, hpa,
                     HV_DEV_DMA_ENGINE);
    return true;
}

static bool engine_dma_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    return assigned(ctx, addr, buf, len, false);
}

static bool engine_dma_write(void *ctx, uint32_t addr, const void *buf,
                             uint32_t len)
{
    return assigned(ctx, addr, (void *)buf, len, true);
}

hv_dma hv_vcpu_dma_assigned(hv_vm *vm)
{
    return (hv_dma){engine_dma_read, engine_dma_write, vm};
}

/* The VM's IOMMU domain: every guest page of its RAM, writable, at the
 * host frame the P2M names (what a hypervisor sets up for a passthrough
 * device: the device sees guest-physical addresses, like the guest). */
hv_err hv_vcpu_iommu_domain(hv_vm *vm)
{
    hv_iommu *u = vm->m->iommu;
    uint32_t domain = vm->id + 1u;
    hv_err err = hv_iommu_attach(u, vm->dma_bdf, domain);
    for (uint32_t gfn = 0; !err && gfn < vm->ram_bytes >> 12; gfn++) {
        uint32_t hfn = hv_p2m_lookup(&vm->p2m, gfn);
        if (hfn != HV_P2M_NONE)
            err = hv_iommu_map(u, domain, gfn << 12, hfn << 12, true);
    }
    return err;
}
