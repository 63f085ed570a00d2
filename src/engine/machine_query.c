/* hvlab engine: what clients and views may ask a machine (hv.h), and the
 * console input they may give it; read-only but for the input. Split from
 * machine.c, which makes, runs and destroys the machine. */
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

bool hv_machine_virtq(const hv_machine *m, uint32_t vm, uint32_t q,
                      hv_virtq_view *out)
{
    if (vm >= m->nvms || q >= HV_VIRTIO_QUEUES)
        return false;
    const hv_virtio *v = &m->vms[vm]->virtio;
    const hv_virtq *vq = &v->q[q];
    *out = (hv_virtq_view){
        .ready = vq->ready,
        .num = vq->num,
        .desc = vq->desc,
        .avail = vq->avail,
        .used = vq->used,
        .last_avail = vq->last_avail,
        .busy = q == HV_VIRTIO_TXQ && v->tx_busy,
        .event_idx = (v->features >> HV_VIRTIO_F_EVENT_IDX) & 1u,
    };
    return true;
}

hv_err hv_machine_console_input(hv_machine *m, uint32_t vm,
                                const uint8_t *bytes, size_t len,
                                size_t *taken)
{
    if (taken)
        *taken = 0;
    if (vm >= m->nvms || (len && !bytes))
        return HV_ERR_ARG;
    return hv_vcpu_console_input(m->vms[vm], bytes, len, taken);
}

/* --- queries ------------------------------------------------------------ */

uint32_t hv_machine_nvms(const hv_machine *m)
{
    return m->nvms;
}

const hv_config *hv_machine_config(const hv_machine *m)
{
    return &m->cfg;
}

hv_err hv_machine_vm_state(const hv_machine *m, uint32_t i, hv_vm_state *out)
{
    if (i >= m->nvms)
        return HV_ERR_ARG;
    const hv_vm *vm = m->vms[i];
    *out = (hv_vm_state){
        .name = vm->name,
        .exit_reason = vm->exit_reason,
        .has_status = vm->has_status,
        .exit_status = vm->exit_status,
        .console = vm->console ? vm->console : "",
        .console_len = vm->console_len,
        .detail = vm->detail,
        .instructions = vm->instructions,
        .waiting_input = vm->waiting_input,
    };
    return HV_OK;
}

hv_err hv_machine_regs(const hv_machine *m, uint32_t i, hv_regs *out)
{
    if (i >= m->nvms)
        return HV_ERR_ARG;
    const hv_vm *vm = m->vms[i];
    uc_engine *uc = vm->uc;
    memset(out, 0, sizeof *out);
    uc_reg_read(uc, UC_X86_REG_EAX, &out->eax);
    uc_reg_read(uc, UC_X86_REG_EBX, &out->ebx);
    uc_reg_read(uc, UC_X86_REG_ECX, &out->ecx);
    uc_reg_read(uc, UC_X86_REG_EDX, &out->edx);
    uc_reg_read(uc, UC_X86_REG_ESI, &out->esi);
    uc_reg_read(uc, UC_X86_REG_EDI, &out->edi);
    uc_reg_read(uc, UC_X86_REG_EBP, &out->ebp);
    uc_reg_read(uc, UC_X86_REG_ESP, &out->esp);
    uc_reg_read(uc, UC_X86_REG_EIP, &out->eip);
    uc_reg_read(uc, UC_X86_REG_EFLAGS, &out->eflags);
    uint32_t cs = 0, ds = 0, ss = 0;
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    uc_reg_read(uc, UC_X86_REG_DS, &ds);
    uc_reg_read(uc, UC_X86_REG_SS, &ss);
    out->cs = (uint16_t)cs;
    out->ds = (uint16_t)ds;
    out->ss = (uint16_t)ss;
    out->cr0 = vm->cr0;
    out->cr2 = vm->cr2;
    out->cr3 = vm->cr3;
    out->cr4 = vm->cr4;
    return HV_OK;
}

hv_err hv_machine_read_gpa(const hv_machine *m, uint32_t i, uint32_t gpa,
                           void *buf, size_t len)
{
    if (i >= m->nvms)
        return HV_ERR_ARG;
    hv_vm *vm = m->vms[i];
    uint8_t *dst = buf;
    while (len) {
        uint32_t n = 4096 - (gpa & 0xFFFu);
        if (n > len)
            n = (uint32_t)len;
        const uint8_t *p = hv_mmu_phys_ptr(vm, gpa, NULL);
        if (!p)
            return HV_ERR_ARG;
        memcpy(dst, p, n);
        dst += n;
        gpa += n;
        len -= n;
    }
    return HV_OK;
}

bool hv_machine_tlb_find(const hv_machine *m, uint32_t i, uint32_t va,
                         hv_tlb_view *out)
{
    if (i >= m->nvms)
        return false;
    const hv_tlb *tlb = m->vms[i]->tlb;
    uint32_t set = hv_tlb_set_of(tlb, va);
    for (uint32_t way = 0; way < hv_tlb_ways(tlb); way++) {
        const hv_tlb_entry *e = hv_tlb_slot(tlb, set, way);
        if (e && e->valid && e->vpn == va >> 12 && e->tag == m->vms[i]->vpid) {
            *out = (hv_tlb_view){e->vpn, e->pfn, e->tag, e->flags, set, way};
            return true;
        }
    }
    return false;
}

void hv_machine_tlb_geometry(const hv_machine *m, uint32_t i, uint32_t *sets,
                             uint32_t *ways)
{
    *sets = *ways = 0;
    if (i >= m->nvms)
        return;
    *sets = hv_tlb_sets(m->vms[i]->tlb);
    *ways = hv_tlb_ways(m->vms[i]->tlb);
}

bool hv_machine_tlb_slot(const hv_machine *m, uint32_t i, uint32_t set,
                         uint32_t way, hv_tlb_view *out, uint64_t *age)
{
    if (i >= m->nvms)
        return false;
    const hv_tlb *tlb = m->vms[i]->tlb;
    if (set >= hv_tlb_sets(tlb) || way >= hv_tlb_ways(tlb))
        return false;
    const hv_tlb_entry *e = hv_tlb_slot(tlb, set, way);
    if (!e || !e->valid)
        return false;
    *out = (hv_tlb_view){e->vpn, e->pfn, e->tag, e->flags, set, way};
    if (age)
        *age = e->stamp;
    return true;
}

uint32_t hv_machine_host_frames(const hv_machine *m)
{
    return m->hm.nframes;
}

hv_frame_owner hv_machine_frame_owner(const hv_machine *m, uint32_t hfn,
                                      uint32_t *vm)
{
    if (hfn >= m->hm.nframes)
        return HV_FRAME_FREE;
    if (vm)
        *vm = m->hm.tags[hfn].vm;
    /* hv_owner and hv_frame_owner list the same owners in the same
     * order (hostmem.h is internal). */
    return (hv_frame_owner)m->hm.tags[hfn].owner;
}

const char *hv_frame_owner_name(hv_frame_owner owner)
{
    return hv_owner_name((hv_owner)owner);
}

hv_err hv_machine_read_hpa(const hv_machine *m, uint32_t hpa, void *buf,
                           size_t len)
{
    if ((uint64_t)hpa + len > (uint64_t)m->hm.nframes * HV_PAGE_SIZE)
        return HV_ERR_ARG;
    memcpy(buf, m->hm.base + hpa, len);
    return HV_OK;
}

bool hv_machine_gpa_to_hpa(const hv_machine *m, uint32_t i, uint32_t gpa,
                           uint32_t *hpa)
{
    return i < m->nvms && hv_mmu_gpa_to_hpa(m->vms[i], gpa, hpa);
}

_Static_assert((int)HV_OWN_FREE == (int)HV_FRAME_FREE &&
                   (int)HV_OWN_HYP == (int)HV_FRAME_HYPERVISOR &&
                   (int)HV_OWN_VM_RAM == (int)HV_FRAME_VM_RAM &&
                   (int)HV_OWN_SHADOW == (int)HV_FRAME_SHADOW &&
                   (int)HV_OWN_EPT == (int)HV_FRAME_EPT &&
                   (int)HV_OWN_DEVICE == (int)HV_FRAME_DEVICE &&
                   (int)HV_OWN_RESERVED == (int)HV_FRAME_RESERVED,
               "hv_frame_owner mirrors hv_owner");
