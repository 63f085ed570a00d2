/* hvlab engine: the vCPU's memory side: Unicorn's unmapped, protection
 * and read/write hooks, the mapping of pages into Unicorn, translating
 * ahead (the poison page), code frames, and the CPU's own accesses. The
 * "HOW GUEST MEMORY IS REACHED" notes are in vcpu.c. */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

#define PAGE_MASK 0xFFFFF000u

/* --- marks: accesses already accounted by an unmapped hook ------------ */

void hv_vcpu_mark_add(hv_vm *vm, uint32_t page, hv_access access)
{
    for (int i = 0; i < HV_MARKS; i++)
        if (!vm->marks[i].used) {
            vm->marks[i] = (hv_mark){page, (uint8_t)access, true};
            vm->nmarks++;
            return;
        }
}

bool hv_vcpu_mark_take(hv_vm *vm, uint32_t page, hv_access access)
{
    if (!vm->nmarks) /* the common case: nothing marked */
        return false;
    for (int i = 0; i < HV_MARKS; i++)
        if (vm->marks[i].used && vm->marks[i].page == page &&
            vm->marks[i].access == access) {
            vm->marks[i].used = false;
            vm->nmarks--;
            return true;
        }
    return false;
}

void hv_vcpu_marks_clear(hv_vm *vm)
{
    if (!vm->nmarks)
        return;
    for (int i = 0; i < HV_MARKS; i++)
        vm->marks[i].used = false;
    vm->nmarks = 0;
}

/* --- frames that hold code Unicorn has translated ---------------------- */

void hv_vcpu_mark_code_frame(hv_vm *vm, uint32_t hpa)
{
    uint32_t hfn = hpa >> 12;
    if (hfn < vm->m->hm.nframes)
        vm->m->code_frames[hfn >> 3] |= (uint8_t)(1u << (hfn & 7));
}

static bool is_code_frame(const hv_vm *vm, uint32_t hpa)
{
    uint32_t hfn = hpa >> 12;
    return hfn < vm->m->hm.nframes &&
           (vm->m->code_frames[hfn >> 3] & (1u << (hfn & 7)));
}

/* --- mapping into Unicorn --------------------------------------------- */

static uint32_t perms_for(const hv_xlat *x)
{
    return UC_PROT_READ | UC_PROT_EXEC | (x->writable ? UC_PROT_WRITE : 0);
}

void hv_vcpu_map_page(hv_vm *vm, uint32_t la, const hv_xlat *x)
{
    uint8_t *host = x->host - (la & 0xFFFu);
    if (hv_ucmap_map(&vm->ucmap, la & PAGE_MASK, host, perms_for(x)) != HV_OK)
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "Unicorn refused a mapping");
}

void hv_vcpu_tlb_dropped(void *opaque, const hv_tlb_entry *e)
{
    hv_vm *vm = opaque;
    vm->tlb_gen++; /* the fetch cache may name this entry */
    hv_ucmap_drop(&vm->ucmap, e->vpn << 12);
}

void hv_vcpu_unmap_all(hv_vm *vm)
{
    hv_ucmap_drop_all(&vm->ucmap);
}

static void fault_pending(hv_vm *vm, const hv_xlat *x)
{
    if (vm->fault_pending)
        return;
    vm->fault_pending = true;
    vm->fault_error = x->error_code;
    vm->fault_addr = x->fault_addr;
}

void hv_vcpu_end_unbacked(hv_vm *vm, uint32_t pa)
{
    char why[120];
    snprintf(why, sizeof why,
             "guest-physical address 0x%08x is not RAM (instruction at 0x%08x)",
             pa, vm->cur_eip);
    hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNBACKED, pa, 0,
                    vm->cur_eip);
    hv_vm_end(vm, HV_VM_BAD_ACCESS, false, 0, why);
}

/* The remap rule of DESIGN.md §2: a TLB hit whose page Unicorn dropped is
 * mapped again from the entry, without a walk and without an event. */
static bool remap_from_tlb(hv_vm *vm, uint32_t la, hv_access access)
{
    const hv_tlb_entry *e = hv_tlb_peek(vm->tlb, la, vm->vpid);
    if (!e)
        return false;
    if (access == HV_ACC_WRITE &&
        (!(e->flags & HV_TLBF_D) ||
         (!(e->flags & HV_TLBF_W) && hv_vm_hw_wp(vm))))
        return false;
    hv_xlat x = {0};
    bool ram_writable;
    x.pa = (e->pfn << 12) | (la & 0xFFFu);
    x.host = hv_mmu_host_ptr(vm, x.pa, &ram_writable);
    if (!x.host)
        return false;
    x.writable = ram_writable && (e->flags & HV_TLBF_D) &&
                 ((e->flags & HV_TLBF_W) || !hv_vm_hw_wp(vm));
    hv_vcpu_map_page(vm, la, &x);
    return true;
}

static hv_access access_of(uc_mem_type type)
{
    switch (type) {
    case UC_MEM_WRITE_UNMAPPED:
    case UC_MEM_WRITE_PROT:
    case UC_MEM_WRITE: return HV_ACC_WRITE;
    case UC_MEM_FETCH_UNMAPPED:
    case UC_MEM_FETCH_PROT:
    case UC_MEM_FETCH: return HV_ACC_FETCH;
    default: return HV_ACC_READ;
    }
}

/* --- MMIO pages ------------------------------------------------------------
 * HOW AN MMIO ACCESS IS EMULATED: the MMU has found that the access names
 * a device's page and taken the mode's exit (none natively; a #PF exit in
 * shadow mode; an EPT violation or misconfiguration in nested mode). The
 * page is then mapped into Unicorn with uc_mmio_map for this instruction
 * only; Unicorn completes the instruction through the callbacks below, so
 * the device sees each access with its size and value and EIP moves past
 * the instruction, as after KVM's emulator. Every later access of the
 * same instruction to the page belongs to that one emulation (a read-
 * modify-write takes one exit). The mapping goes at the next instruction,
 * so the next access meets the MMU (and its exit) again. */

static uint32_t mmio_operand(hv_vm *vm)
{
    uint8_t insn[16];
    uint32_t n = vm->cur_size < sizeof insn ? vm->cur_size : sizeof insn;
    if (!hv_vcpu_fetch_bytes(vm, vm->cur_eip, insn, n))
        return HV_MMIO_OPERAND_NONE;
    return hv_mmio_decode_operand(insn, n);
}

static uint64_t mmio_read_cb(uc_engine *uc, uint64_t offset, unsigned size,
                             void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    uint32_t gpa = vm->mmio_gpa + (uint32_t)offset, operand = mmio_operand(vm);
    vm->in_exit = vm->hypervised;
    uint64_t v;
    if (size == 8) /* a 64-bit load: two device reads, low half first */
        v = hv_mmio_read(&vm->mmio, gpa, 4, operand) |
            (uint64_t)hv_mmio_read(&vm->mmio, gpa + 4, 4, operand) << 32;
    else
        v = hv_mmio_read(&vm->mmio, gpa, size, operand);
    vm->in_exit = false;
    return v;
}

static void mmio_write_cb(uc_engine *uc, uint64_t offset, unsigned size,
                          uint64_t value, void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    uint32_t gpa = vm->mmio_gpa + (uint32_t)offset, operand = mmio_operand(vm);
    vm->in_exit = vm->hypervised;
    if (size == 8) {
        hv_mmio_write(&vm->mmio, gpa, 4, (uint32_t)value, operand);
        hv_mmio_write(&vm->mmio, gpa + 4, 4, (uint32_t)(value >> 32), operand);
    } else {
        hv_mmio_write(&vm->mmio, gpa, size, (uint32_t)value, operand);
    }
    vm->in_exit = false;
}

void hv_vcpu_mmio_unmap(hv_vm *vm)
{
    uc_mem_unmap(vm->uc, vm->mmio_la, 0x1000);
    vm->mmio_live = false;
}

static void mmio_map(hv_vm *vm, uint32_t la, const hv_xlat *x)
{
    if (vm->mmio_live)
        hv_vcpu_mmio_unmap(vm);
    uint32_t page = la & PAGE_MASK;
    hv_ucmap_drop(&vm->ucmap, page); /* nothing should be there; be sure */
    if (uc_mmio_map(vm->uc, page, 0x1000, mmio_read_cb, vm, mmio_write_cb,
                    vm) != UC_ERR_OK) {
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "Unicorn refused an MMIO page");
        return;
    }
    vm->mmio_live = true;
    vm->mmio_la = page;
    vm->mmio_gpa = x->gpa & PAGE_MASK;
}

/* One access the CPU makes on behalf of the guest instruction, accounted
 * here. Returns false when it must not go on (fault or VM ended). */
static bool account(hv_vm *vm, uint32_t la, hv_access access, hv_xlat *x)
{
    switch (hv_mmu_access(vm, la, access, x)) {
    case HV_MMU_MMIO:
    case HV_MMU_OK:
    case HV_MMU_EMULATE: return true;
    case HV_MMU_FAULT: fault_pending(vm, x); return false;
    case HV_MMU_UNBACKED: hv_vcpu_end_unbacked(vm, x->fault_addr); return false;
    }
    return false;
}

/* What account() does with an hv_mmu_resolve result. */
static bool resolved(hv_vm *vm, hv_mmu_result r, hv_xlat *x)
{
    switch (r) {
    case HV_MMU_MMIO:
    case HV_MMU_OK:
    case HV_MMU_EMULATE: return true;
    case HV_MMU_FAULT: fault_pending(vm, x); return false;
    case HV_MMU_UNBACKED: hv_vcpu_end_unbacked(vm, x->fault_addr); return false;
    }
    return false;
}

/* After the store of an emulated write landed (Unicorn performed it into
 * the read-only page): the hypervisor syncs its tables, and the page's
 * mapping goes unless a TLB entry stands behind it. */
void hv_vcpu_finish_emulated_write(hv_vm *vm)
{
    if (!vm->emul_pending)
        return;
    vm->emul_pending = false;
    if (vm->mmu->on_pt_written)
        vm->mmu->on_pt_written(vm, vm->emul_gpa, vm->emul_size);
    if (!hv_tlb_peek(vm->tlb, vm->emul_la, vm->vpid))
        hv_ucmap_drop(&vm->ucmap, vm->emul_la & PAGE_MASK);
}

/* HOW TRANSLATING AHEAD IS HANDLED: Unicorn translates a whole block
 * before running it, and a block may run on into the next page. A fetch
 * there is not the CPU's yet: if it faulted now, the fault would come
 * before the instructions ahead of it had run (measured). So a fetch in a
 * later page than the block's start, with no TLB entry behind it, is given
 * the "poison" page: execute-only, never run. The code hook sees an
 * instruction on it before it runs and only then does the real fetch (TLB,
 * walk, fault); a data access to it traps and is retried. */
static bool lookahead(hv_vm *vm, uint32_t la)
{
    uint32_t eip;
    uc_reg_read(vm->uc, UC_X86_REG_EIP, &eip);
    return (la & PAGE_MASK) != (eip & PAGE_MASK);
}

bool hv_vcpu_is_poison(hv_vm *vm, uint32_t page)
{
    return vm->poison_live && vm->poison_page == page;
}

static void map_poison(hv_vm *vm, uint32_t page)
{
    if (vm->poison_live)
        hv_ucmap_drop(&vm->ucmap, vm->poison_page);
    if (hv_ucmap_map(&vm->ucmap, page, vm->poison, UC_PROT_EXEC) != HV_OK) {
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "Unicorn refused a mapping");
        return;
    }
    vm->poison_live = true;
    vm->poison_page = page;
}

/* The CPU reached the poison page (fetch) or touched it (data): the page
 * goes, so the real access can map the real frame. */
void hv_vcpu_unpoison(hv_vm *vm)
{
    hv_ucmap_drop(&vm->ucmap, vm->poison_page);
    vm->poison_live = false;
}

bool hv_vcpu_hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address,
                          int size, int64_t value, void *opaque)
{
    (void)uc, (void)size, (void)value;
    hv_vm *vm = opaque;
    if (vm->fault_pending || vm->exit_reason != HV_VM_RUNNING)
        return false;
    uint32_t la = (uint32_t)address;
    hv_access access = access_of(type);
    bool paging = vm->cr0 & HV_CR0_PG;
    if (paging && remap_from_tlb(vm, la, access))
        return vm->exit_reason == HV_VM_RUNNING;
    hv_xlat x;
    if (access == HV_ACC_FETCH && lookahead(vm, la)) {
        map_poison(vm, la & PAGE_MASK);
        return vm->exit_reason == HV_VM_RUNNING;
    }
    if (!account(vm, la, access, &x))
        return false;
    if (x.mmio && access == HV_ACC_FETCH) {
        /* Code in a device's page is not modelled (docs/devices.md). */
        hv_vcpu_end_unbacked(vm, x.gpa);
        return false;
    }
    if (x.mmio) {
        mmio_map(vm, la, &x);
        return vm->exit_reason == HV_VM_RUNNING;
    }
    if (paging && access != HV_ACC_WRITE)
        hv_vcpu_mark_add(vm, la & PAGE_MASK, access);
    hv_vcpu_map_page(vm, la, &x);
    return vm->exit_reason == HV_VM_RUNNING;
}

/* A write to a page Unicorn holds read-only: a fault decided by the write
 * hook, or a mapping older than its entry's D (set by the engine's own
 * write, e.g. an exception frame). */
bool hv_vcpu_hook_prot(uc_engine *uc, uc_mem_type type, uint64_t address,
                      int size, int64_t value, void *opaque)
{
    (void)uc, (void)size, (void)value;
    hv_vm *vm = opaque;
    if (vm->fault_pending || vm->exit_reason != HV_VM_RUNNING)
        return false;
    uint32_t page = (uint32_t)address & PAGE_MASK;
    if (hv_vcpu_is_poison(vm, page)) {
        hv_vcpu_unpoison(vm);
        vm->retry_insn = true;
        return false;
    }
    if (type != UC_MEM_WRITE_PROT)
        return false;
    if (vm->emul_pending)
        return true; /* the hypervisor emulates this store */
    uint32_t la = (uint32_t)address;
    if (!(vm->cr0 & HV_CR0_PG)) {
        hv_xlat x;
        if (!account(vm, la, HV_ACC_WRITE, &x))
            return false;
        if (x.mmio)
            mmio_map(vm, la, &x);
        else
            hv_vcpu_map_page(vm, la, &x);
        return vm->exit_reason == HV_VM_RUNNING;
    }
    return remap_from_tlb(vm, la, HV_ACC_WRITE) &&
           vm->exit_reason == HV_VM_RUNNING;
}

static void rom_write(hv_vm *vm, uint32_t la, hv_xlat *x, int64_t value)
{
    /* ROM ignores writes, as QEMU's does. Unicorn cannot drop one store,
     * so the store lands in the ROM copy and the page is restored before
     * the next instruction. */
    hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_ROM_WRITE, x->pa,
                    (uint32_t)value, vm->cur_eip);
    vm->rom_dirty = true;
    vm->rom_la = la & PAGE_MASK;
    x->writable = true;
    hv_vcpu_map_page(vm, la, x);
}

void hv_vcpu_hook_mem(uc_engine *uc, uc_mem_type type, uint64_t address,
                     int size, int64_t value, void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    if (vm->fault_pending || vm->exit_reason != HV_VM_RUNNING)
        return;
    bool paging = vm->cr0 & HV_CR0_PG;
    hv_access access = access_of(type);
    if (!paging && access == HV_ACC_READ)
        return; /* no TLB with paging off */
    uint32_t first = (uint32_t)address;
    uint32_t last = first + (uint32_t)(size > 0 ? size - 1 : 0);
    for (uint32_t la = first;;) {
        uint32_t page = la & PAGE_MASK;
        if (vm->mmio_live && page == vm->mmio_la) {
            /* Part of this instruction's MMIO emulation. */
        } else if (access == HV_ACC_READ) {
            /* Reads at CPL 0 are allowed by any entry: a hit is all. The
             * page of the last read, its entry unchanged since (no entry
             * has left the TLB), is a hit without a search, as fetches
             * are (vcpu.c). */
            if (page == vm->read_page && vm->read_gen == vm->tlb_gen &&
                !vm->nmarks) {
                if (hv_machine_hit_continues(vm, la, access))
                    hv_tlb_touch(vm->tlb, vm->read_entry);
                else
                    hv_tlb_hit(vm->tlb, vm->read_entry, la, access);
            } else if (!hv_vcpu_mark_take(vm, page, access)) {
                hv_tlb_entry *e = hv_tlb_lookup(vm->tlb, la, vm->vpid, access);
                hv_xlat x;
                if (!e && !resolved(vm, hv_mmu_resolve(vm, la, access, &x, NULL), &x))
                    return;
                if (e) {
                    vm->read_page = page;
                    vm->read_entry = e;
                    vm->read_gen = vm->tlb_gen;
                }
            }
        } else {
            hv_xlat x;
            hv_mmu_result r = hv_mmu_access(vm, la, access, &x);
            if (r == HV_MMU_EMULATE) {
                uint32_t n = page == (last & PAGE_MASK) ? last - la + 1
                                                         : 0x1000u - (la & 0xFFFu);
                vm->emul_pending = true;
                vm->emul_gpa = x.gpa;
                vm->emul_la = la;
                vm->emul_size = n;
                hv_machine_emit(vm, HV_EV_EMULATED_WRITE, x.gpa, (uint32_t)value,
                                n, vm->cur_eip);
                hv_vcpu_map_page(vm, la, &x); /* read-only: the store reaches hv_vcpu_hook_prot */
                if (page == (last & PAGE_MASK))
                    break;
                la = page + 0x1000u;
                continue;
            }
            if (r == HV_MMU_FAULT) {
                fault_pending(vm, &x);
                return;
            }
            if (r == HV_MMU_UNBACKED) {
                hv_vcpu_end_unbacked(vm, x.fault_addr);
                return;
            }
            if (r == HV_MMU_MMIO) {
                mmio_map(vm, la, &x);
            } else if (x.rom)
                rom_write(vm, la, &x, value);
            else if (x.changed || !paging || hv_vcpu_is_poison(vm, page)) {
                if (hv_vcpu_is_poison(vm, page))
                    vm->poison_live = false; /* replaced by the real page */
                hv_vcpu_map_page(vm, la, &x);
            }
            if (is_code_frame(vm, x.pa))
                /* Unicorn notices a store into code only through the
                 * address the code was fetched at; through any other
                 * alias it keeps running the old translation (UNICORN.md
                 * pitfall 5). Dropping its cache through this alias works. */
                uc_ctl_remove_cache(vm->uc, page, (uint64_t)page + 0x1000u);
        }
        if (page == (last & PAGE_MASK))
            break;
        la = page + 0x1000u;
    }
}

/* --- accesses of the CPU itself ---------------------------------------- */

static hv_mmu_result cpu_access(hv_vm *vm, uint32_t la, void *buf, size_t len,
                                bool write, hv_xlat *x)
{
    hv_access access = write ? HV_ACC_WRITE : HV_ACC_READ;
    uint8_t *host[2] = {NULL, NULL};
    bool rom[2] = {false, false}, emul[2] = {false, false};
    uint32_t gpa[2] = {0, 0}, hpa[2] = {UINT32_MAX, UINT32_MAX};
    uint32_t page0 = la & PAGE_MASK, pagen = (uint32_t)(la + len - 1) & PAGE_MASK;
    int pages = page0 == pagen ? 1 : 2;
    for (int i = 0; i < pages; i++) {
        uint32_t a = i == 0 ? la : pagen;
        hv_mmu_result r = hv_mmu_access(vm, a, access, x);
        if (r == HV_MMU_MMIO) {
            /* The CPU's own accesses (an exception frame, a descriptor)
             * to a device page: not modelled, the VM ends. */
            return HV_MMU_UNBACKED;
        }
        if (r == HV_MMU_EMULATE) {
            emul[i] = true;
            gpa[i] = x->gpa;
        } else if (r != HV_MMU_OK) {
            return r;
        }
        host[i] = x->host;
        rom[i] = x->rom;
        hpa[i] = x->pa;
    }
    size_t first = pages == 1 ? len : (size_t)(pagen - la);
    if (write)
        for (int i = 0; i < pages; i++)
            if (is_code_frame(vm, hpa[i])) {
                uint32_t page = i ? pagen : page0;
                uc_ctl_remove_cache(vm->uc, page, (uint64_t)page + 0x1000u);
            }
    if (write) {
        if (!rom[0])
            memcpy(host[0], buf, first);
        if (pages == 2 && !rom[1])
            memcpy(host[1], (uint8_t *)buf + first, len - first);
        /* The CPU's own write to a write-protected guest table: the
         * hypervisor emulates it like a guest store. */
        for (int i = 0; i < pages; i++)
            if (emul[i] && vm->mmu->on_pt_written) {
                uint32_t n = i == 0 ? (uint32_t)first : (uint32_t)(len - first);
                hv_machine_emit(vm, HV_EV_EMULATED_WRITE, gpa[i], 0, n,
                                vm->cur_eip);
                vm->mmu->on_pt_written(vm, gpa[i], n);
            }
    } else {
        memcpy(buf, host[0], first);
        if (pages == 2)
            memcpy((uint8_t *)buf + first, host[1], len - first);
    }
    return HV_MMU_OK;
}

hv_mmu_result hv_vcpu_read_la(hv_vm *vm, uint32_t la, void *buf, size_t len,
                              hv_xlat *x)
{
    return cpu_access(vm, la, buf, len, false, x);
}

hv_mmu_result hv_vcpu_write_la(hv_vm *vm, uint32_t la, const void *buf,
                               size_t len, hv_xlat *x)
{
    return cpu_access(vm, la, (void *)buf, len, true, x);
}

/* Loads a code selector into CS the way the CPU does on an interrupt gate
 * or IRET: Unicorn reads the descriptor from the guest's GDT through its
 * own memory, so the descriptor's page is mapped first (a segment write
 * whose GDT page is unmapped would crash it: UNICORN.md §10). */
bool hv_vcpu_load_cs(hv_vm *vm, uint16_t selector)
{
    uc_x86_mmr gdtr;
    uc_reg_read(vm->uc, UC_X86_REG_GDTR, &gdtr);
    uint32_t la = (uint32_t)gdtr.base + (selector & ~7u);
    for (int i = 0; i < 2; i++) {
        uint32_t a = i ? la + 7 : la;
        hv_xlat x;
        if (hv_mmu_access(vm, a, HV_ACC_READ, &x) != HV_MMU_OK)
            return false;
        /* Writable when it may be: the CPU sets the accessed bit. */
        hv_vcpu_map_page(vm, a, &x);
    }
    uint32_t cs = selector;
    return uc_reg_write(vm->uc, UC_X86_REG_CS, &cs) == UC_ERR_OK;
}
