/* DMA of an assigned device, with and without an IOMMU (FIDELITY.md
 * "Device emulation", behaviour 12): VM 0 owns a passthrough DMA engine
 * (requester ID 00:03.0) and its guest fills 16 bytes at a bus address
 * that is, as a host-physical address, a frame of VM 1's RAM.
 * - With the IOMMU the address is an IOVA in VM 0's domain, which maps
 *   only VM 0's RAM: the DMA is blocked, an IOMMU_FAULT names the
 *   requester ID and the address, the engine reports an error, and VM 1's
 *   page is byte-for-byte what it was.
 * - Without it the bus address is host-physical: the bytes land in VM 1's
 *   frame.
 * - With the IOMMU, an address inside VM 0's RAM is VM 0's own memory.
 * The guest is tests/unit/guests/g_dma.asm; VM 1 spins (`jmp $`). */
#include "guest_harness.h"

#define BDF 0x0018u       /* bus 0, device 3, function 0 */
#define VICTIM_GPA 0x20000u
#define RAM (16u << 20)

static const uint8_t spin[] = {0xEB, 0xFE}; /* jmp $ */

static void config(hv_config *c, bool iommu, const uint8_t *img, size_t len)
{
    hv_config_default(c);
    c->paging = HV_PAGING_NESTED;
    c->iommu = iommu;
    c->nvms = 2;
    c->vms[1] = c->vms[0];
    c->vms[0].name = "owner";
    c->vms[0].image = img;
    c->vms[0].image_len = len;
    c->vms[0].dma_engine = true;
    c->vms[0].dma_bdf = BDF;
    c->vms[1].name = "victim";
    c->vms[1].image = spin;
    c->vms[1].image_len = sizeof spin;
}

/* A page of VM 1 whose host frame lies above VM 0's RAM size, so that as
 * an IOVA it is outside VM 0's domain; its host-physical address. */
static uint32_t victim_hpa(uint32_t *gpa)
{
    hv_config c;
    config(&c, false, spin, sizeof spin);
    hv_machine *m = NULL;
    CHECK_OK(hv_machine_create(&c, &m));
    uint32_t hpa = 0;
    for (*gpa = VICTIM_GPA; m && *gpa < RAM; *gpa += 0x1000u)
        if (hv_machine_gpa_to_hpa(m, 1, *gpa, &hpa) && hpa >= RAM)
            break;
    hv_machine_destroy(m);
    CHECK(hpa >= RAM);
    return hpa;
}

typedef struct dma_run {
    guest_run r;
    uint8_t before[4096], after[4096];
} dma_run;

/* Runs the owner's fill of `target` on a machine with or without the
 * IOMMU; keeps VM 1's page at victim_gpa before and after. */
static void run_fill(dma_run *d, bool iommu, uint32_t target,
                     uint32_t victim_gpa)
{
    memset(d, 0, sizeof *d);
    size_t len = 0;
    uint8_t *img = guest_image("g_dma", &len);
    if (!img)
        return;
    guest_patch32(img, len, GUEST_INFO, target);
    hv_config c;
    config(&c, iommu, img, len);
    guest_run *r = &d->r;
    CHECK_OK(hv_machine_create(&c, &r->m));
    free(img);
    if (!r->m)
        return;
    CHECK_OK(hv_machine_read_gpa(r->m, 1, victim_gpa, d->before, 4096));
    hv_machine_set_sink(r->m, evlog_sink, &r->log);
    /* VM 1 never ends: run until VM 0 has (round-robin quanta). */
    for (int i = 0; i < 100; i++) {
        CHECK_OK(hv_machine_vm_state(r->m, 0, &r->st));
        if (r->st.exit_reason != HV_VM_RUNNING)
            break;
        hv_machine_run(r->m, 20000, &r->why);
    }
    CHECK_OK(hv_machine_vm_state(r->m, 0, &r->st));
    CHECK_OK(hv_machine_read_gpa(r->m, 1, victim_gpa, d->after, 4096));
    hv_machine_counters(r->m, &r->ctr);
}

static const hv_event *find(const guest_run *r, int type)
{
    size_t i = ev_find(r, 0, r->log.n, type, true, 0);
    return i < r->log.n ? &r->log.ev[i] : NULL;
}

static void test_iommu_blocks_stray_dma(void)
{
    uint32_t vgpa, hpa = victim_hpa(&vgpa);
    dma_run d;
    run_fill(&d, true, hpa, vgpa);
    guest_run *r = &d.r;
    CHECK(r->st.exit_reason == HV_VM_EXIT_PORT && r->st.exit_status == 0);
    CHECK_EQ(gpa32(r, GUEST_RES), 2);       /* the engine: refused */
    CHECK_EQ(gpa32(r, GUEST_RES + 4), BDF); /* its requester ID */
    const hv_event *f = find(r, HV_EV_IOMMU_FAULT);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ(f->a, BDF);
        CHECK_EQ(f->b, hpa); /* the IOVA the device used */
        CHECK_EQ(f->c, 1);   /* a write */
        CHECK_EQ(f->d, HV_IOMMU_NOT_MAPPED);
    }
    CHECK(find(r, HV_EV_DMA) == NULL);
    CHECK(memcmp(d.before, d.after, 4096) == 0); /* memory untouched */
    run_free(r);
}

static void test_no_iommu_reaches_other_vm(void)
{
    uint32_t vgpa, hpa = victim_hpa(&vgpa);
    dma_run d;
    run_fill(&d, false, hpa, vgpa);
    guest_run *r = &d.r;
    CHECK(r->st.exit_reason == HV_VM_EXIT_PORT && r->st.exit_status == 0);
    CHECK_EQ(gpa32(r, GUEST_RES), 1); /* done */
    const hv_event *e = find(r, HV_EV_DMA);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ(e->a, hpa);
        CHECK_EQ(e->b, 16);
        CHECK_EQ(e->c, 1);
        CHECK_EQ(e->d, hpa); /* no translation: bus = host-physical */
    }
    CHECK(find(r, HV_EV_IOMMU_FAULT) == NULL);
    /* The 16 bytes landed in VM 1's frame; the rest of it did not change. */
    for (int i = 0; i < 16; i++)
        CHECK_EQ(d.after[i], 0xAA);
    CHECK(memcmp(d.before + 16, d.after + 16, 4096 - 16) == 0);
    run_free(r);
}

static void test_iommu_own_memory(void)
{
    uint32_t vgpa;
    victim_hpa(&vgpa);
    dma_run d;
    run_fill(&d, true, 0x40000u, vgpa); /* a GPA of VM 0's own RAM */
    guest_run *r = &d.r;
    CHECK_EQ(gpa32(r, GUEST_RES), 1);
    CHECK_EQ(gpa32(r, 0x40000u), 0xAAAAAAAAu);
    const hv_event *e = find(r, HV_EV_DMA);
    uint32_t hpa = 0;
    CHECK(hv_machine_gpa_to_hpa(r->m, 0, 0x40000u, &hpa));
    if (e)
        CHECK_EQ(e->d, hpa); /* translated through VM 0's domain */
    CHECK(memcmp(d.before, d.after, 4096) == 0);
    run_free(r);
}

/* One requester ID, one owner: two VMs given the same BDF would share a
 * context entry and one could DMA through the other's domain. */
static void test_one_device_one_vm(void)
{
    hv_config c;
    config(&c, true, spin, sizeof spin);
    c.vms[1].dma_engine = true;
    c.vms[1].dma_bdf = BDF;
    hv_machine *m = NULL;
    CHECK_EQ(hv_machine_create(&c, &m), HV_ERR_CONFIG);
    hv_machine_destroy(m);
}

static const check_test tests[] = {
    {"one_device_one_vm", test_one_device_one_vm},
    {"iommu_blocks_stray_dma", test_iommu_blocks_stray_dma},
    {"no_iommu_reaches_other_vm", test_no_iommu_reaches_other_vm},
    {"iommu_own_memory", test_iommu_own_memory},
    {NULL, NULL},
};

CHECK_MAIN(tests)
