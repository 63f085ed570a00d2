/* hvlab engine: the vCPU, a Unicorn engine in 32-bit mode with its own
 * paging off (DESIGN.md §2, UNICORN.md).
 *
 * HOW GUEST MEMORY IS REACHED: Unicorn's address space stands for what the
 * MMU lets the guest reach now. Pages are mapped lazily from the unmapped
 * hooks onto the host frames the TLB names, at most ucmap_pages at a time.
 * The modelled TLB sees every access: data accesses through the read/write
 * hooks, fetches through the code hook (one lookup per instruction, two
 * when it crosses a page). Unicorn calls the read-unmapped hook before the
 * read hook but the write hook before the write-unmapped hook (measured on
 * 2.0.1); an access accounted in an unmapped hook is "marked" so the hook
 * that follows does not count it again. A fault decided in a hook makes the
 * hook refuse the access; uc_emu_start returns at a precise EIP (the code
 * hook keeps it precise) and the engine delivers the #PF (UNICORN.md §4).
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

#define PAGE_MASK 0xFFFFF000u

/* --- instructions ------------------------------------------------------ */

/* Copies the bytes of the instruction at `eip` (already translated by the
 * fetch accounting) without accounting again. */
bool hv_vcpu_fetch_bytes(hv_vm *vm, uint32_t eip, uint8_t *buf, uint32_t len)
{
    for (uint32_t i = 0; i < len;) {
        uint32_t la = eip + i;
        const uint8_t *p;
        if (vm->cr0 & HV_CR0_PG) {
            const hv_tlb_entry *e = hv_tlb_peek(vm->tlb, la, vm->vpid);
            if (!e)
                return false;
            p = hv_mmu_host_ptr(vm, (e->pfn << 12) | (la & 0xFFFu), NULL);
        } else {
            p = hv_mmu_phys_ptr(vm, la, NULL);
        }
        if (!p)
            return false;
        uint32_t n = 0x1000u - (la & 0xFFFu);
        if (n > len - i)
            n = len - i;
        memcpy(buf + i, p, n);
        i += n;
    }
    return true;
}

/* First bytes that may start an instruction the engine emulates: 0F (MOV
 * CR, INVLPG, RDTSC), F4 (HLT), CF (IRET), and the prefixes. */
static const bool priv_candidate[256] = {
    [0x0F] = true, [0xF4] = true, [0xCF] = true, [0x66] = true,
    [0x67] = true, [0xF0] = true, [0xF2] = true, [0xF3] = true,
    [0x26] = true, [0x2E] = true, [0x36] = true, [0x3E] = true,
    [0x64] = true, [0x65] = true,
};

/* Instructions that may change EFLAGS.IF (CLI, STI, POPF, IRET) or open
 * an interrupt shadow (MOV SS, POP SS), and prefixes, which may hide one:
 * the engine's cached IF is dropped when one runs. */
static const bool if_writer[256] = {
    [0xFA] = true, [0xFB] = true, [0x9D] = true, [0xCF] = true,
    [0x8E] = true, [0x17] = true, [0x66] = true, [0x67] = true,
    [0xF0] = true, [0xF2] = true, [0xF3] = true, [0x26] = true,
    [0x2E] = true, [0x36] = true, [0x3E] = true, [0x64] = true,
    [0x65] = true,
};

static void note_if_writer(hv_vm *vm, uint32_t eip, uint32_t size, uint8_t op)
{
    /* STI with IF = 0 blocks interrupts until after the next instruction;
     * so do MOV SS and POP SS (SDM Vol 3A §6.8.3, "STI"). The shadow
     * belongs to the instruction at eip + size, however often its code
     * hook runs (a restart after a first fetch runs it twice). */
    bool shadow = false;
    if (op == 0xFB)
        shadow = !hv_vcpu_if(vm);
    else if (op == 0x17)
        shadow = true;
    else if (op == 0x8E) {
        uint8_t modrm[2];
        shadow = hv_vcpu_fetch_bytes(vm, eip, modrm, 2) &&
                 ((modrm[1] >> 3) & 7u) == 2;
    }
    if (shadow) {
        vm->intr_shadow = true;
        vm->shadow_eip = eip + size;
    }
    vm->if_valid = false;
}

static void uncount_instruction(hv_vm *vm)
{
    hv_machine *m = vm->m;
    m->ctr.instructions--;
    m->ctr.cycles -= m->cfg.cost.insn;
    vm->cycles -= m->cfg.cost.insn;
    vm->instructions--;
    if (!m->unlimited)
        m->budget++;
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size,
                      void *opaque)
{
    hv_vm *vm = opaque;
    hv_machine *m = vm->m;
    uint32_t eip = (uint32_t)address;
    /* Unicorn reports a bogus size for an instruction it cannot decode (it
     * raises #UD next); no x86 instruction is longer than 15 bytes. */
    if (size == 0 || size > 15)
        size = 1;

    /* The rare cases first, behind one test: the last instruction left an
     * emulated write, an MMIO page or a dropped ROM write behind. */
    if (vm->emul_pending | vm->mmio_live | vm->rom_dirty) {
        if (vm->emul_pending)
            hv_vcpu_finish_emulated_write(vm);
        if (vm->mmio_live)
            hv_vcpu_mmio_unmap(vm); /* it served the last instruction only */
        if (vm->rom_dirty) {
            memcpy(vm->rom, vm->rom_image, sizeof vm->rom_image);
            vm->rom_dirty = false;
            hv_ucmap_drop(&vm->ucmap, vm->rom_la);
        }
    }
    /* Stopping from the code hook is precise: the instruction does not run
     * (measured: UNICORN.md §2). */
    if (m->stop_requested || vm->exit_reason != HV_VM_RUNNING ||
        (!m->unlimited && m->budget == 0)) {
        uc_emu_stop(uc);
        return;
    }
    if (m->nbreaks && !m->first_insn) {
        for (uint32_t i = 0; i < m->nbreaks; i++)
            if (m->breaks[i] == eip) {
                m->stop_requested = m->break_hit = true;
                uc_emu_stop(uc);
                return;
            }
    }
    m->first_insn = false;
    if (eip != vm->cur_eip) {
        vm->rep_io_exited = false; /* a new instruction, not a REP item */
        vm->cur_eip = eip;
    }
    vm->cur_size = size;

    /* The instruction boundary: timers, then a pending interrupt, which
     * the CPU takes before this instruction (vcpu_irq.c). */
    bool shadow = false;
    if (vm->intr_shadow) {
        shadow = eip == vm->shadow_eip;
        if (!shadow)
            vm->intr_shadow = false;
    }
    if (vm->exit_timers) {
        /* A VM exit was handled since the last boundary: timers that came
         * due meanwhile fired while the vCPU was out of the guest, and
         * their interrupts go in at this entry (no exit of their own). */
        vm->exit_timers = false;
        vm->in_exit = vm->hypervised;
        if (hv_vcpu_clock(vm) >= vm->deadline)
            hv_vcpu_timers_run(vm);
        vm->in_exit = false;
    }
    if (hv_vcpu_clock(vm) >= vm->deadline)
        hv_vcpu_timers_run(vm);
    if (hv_vcpu_intr_pending(vm) && hv_vcpu_interrupt(vm, eip, shadow))
        return;

    m->ctr.instructions++;
    m->ctr.cycles += m->cfg.cost.insn;
    vm->cycles += m->cfg.cost.insn;
    vm->instructions++;
    if (!m->unlimited)
        m->budget--;

    if (vm->poison_live &&
        (hv_vcpu_is_poison(vm, eip & PAGE_MASK) ||
         hv_vcpu_is_poison(vm, (eip + size - 1) & PAGE_MASK))) {
        /* The CPU itself fetches from the poisoned page now: the real
         * fetch (TLB, walk, fault), then the instruction runs again with
         * the real page behind it. */
        uint32_t page = vm->poison_page;
        hv_vcpu_unpoison(vm);
        uncount_instruction(vm);
        hv_xlat x;
        hv_mmu_result r = hv_mmu_access(vm, page, HV_ACC_FETCH, &x);
        if (r == HV_MMU_UNBACKED || r == HV_MMU_MMIO) {
            hv_vcpu_end_unbacked(vm, x.fault_addr);
            uc_emu_stop(uc);
            return;
        }
        if (r == HV_MMU_FAULT) {
            vm->cr2 = x.fault_addr;
            hv_except_raise(vm, 14, true, x.error_code, eip, false);
            return;
        }
        hv_vcpu_map_page(vm, page, &x);
        if (vm->cr0 & HV_CR0_PG)
            hv_vcpu_mark_add(vm, page, HV_ACC_FETCH); /* accounted: no second hit */
        uc_ctl_remove_cache(uc, eip & PAGE_MASK, (uint64_t)(eip & PAGE_MASK) + 0x2000u);
        uc_reg_write(uc, UC_X86_REG_EIP, &eip);
        return;
    }
    const uint8_t *first = NULL; /* the instruction's first byte */
    if ((vm->cr0 & HV_CR0_PG) && (eip & PAGE_MASK) == vm->fetch_page &&
        vm->fetch_gen == vm->tlb_gen && !vm->nmarks &&
        ((eip + size - 1) & PAGE_MASK) == vm->fetch_page) {
        /* The hot path: the page the last fetch used, its TLB entry
         * unchanged since (no entry has left the TLB): a hit on it. */
        if (hv_machine_hit_continues(vm, eip, HV_ACC_FETCH))
            hv_tlb_touch(vm->tlb, vm->fetch_entry); /* counted in its run */
        else
            hv_tlb_hit(vm->tlb, vm->fetch_entry, eip, HV_ACC_FETCH);
        first = vm->fetch_host + (eip & 0xFFFu);
    } else if (vm->cr0 & HV_CR0_PG) {
        uint32_t last = eip + (size ? size - 1 : 0);
        for (uint32_t la = eip;;) {
            uint32_t page = la & PAGE_MASK;
            hv_xlat x;
            hv_mmu_result r = HV_MMU_OK;
            if (!hv_vcpu_mark_take(vm, page, HV_ACC_FETCH)) {
                const hv_tlb_entry *e = hv_tlb_lookup(vm->tlb, la, vm->vpid, HV_ACC_FETCH);
                if (e && la == eip && page == vm->fetch_page &&
                    vm->fetch_gen == vm->tlb_gen) {
                    /* The page the last fetch used, unchanged since. */
                    first = vm->fetch_host + (eip & 0xFFFu);
                } else {
                    r = hv_mmu_resolve(vm, la, HV_ACC_FETCH, &x, e);
                    if (r == HV_MMU_OK && la == eip) {
                        first = x.host;
                        vm->fetch_page = page;
                        vm->fetch_host = x.host - (eip & 0xFFFu);
                        hv_vcpu_mark_code_frame(vm, x.pa);
                        /* Resolving may have refilled or evicted: the
                         * entry is what a peek finds now. */
                        vm->fetch_entry = (hv_tlb_entry *)hv_tlb_peek(
                            vm->tlb, eip, vm->vpid);
                        vm->fetch_gen = vm->fetch_entry ? vm->tlb_gen
                                                        : UINT64_MAX;
                    }
                }
            }
            if (r == HV_MMU_UNBACKED || r == HV_MMU_MMIO) {
                /* Code in a device's page: not modelled, the VM ends. */
                hv_vcpu_end_unbacked(vm, x.fault_addr);
                uc_emu_stop(uc);
                return;
            }
            if (r == HV_MMU_FAULT) {
                /* A fetch fault: the instruction never ran. Writing EIP
                 * (to the handler) skips it. */
                hv_vcpu_marks_clear(vm);
                uncount_instruction(vm);
                vm->cr2 = x.fault_addr;
                hv_except_raise(vm, 14, true, x.error_code, eip, false);
                return;
            }
            if (page == (last & PAGE_MASK))
                break;
            la = page + 0x1000u;
        }
    }
    if (vm->nmarks)
        hv_vcpu_marks_clear(vm);

    if (!(vm->cr0 & HV_CR0_PG) && (eip & PAGE_MASK) != vm->nopg_code_page) {
        uint32_t hpa;
        vm->nopg_code_page = eip & PAGE_MASK;
        if (hv_mmu_gpa_to_hpa(vm, eip, &hpa))
            hv_vcpu_mark_code_frame(vm, hpa);
    }
    /* Most instructions are none of the engine's: one byte tells. */
    uint8_t b0;
    if (!first && !hv_vcpu_fetch_bytes(vm, eip, &b0, 1))
        return;
    uint8_t op = first ? *first : b0;
    if (if_writer[op])
        note_if_writer(vm, eip, size, op);
    if (!priv_candidate[op])
        return;
    uint8_t insn[16];
    if (size > sizeof insn || !hv_vcpu_fetch_bytes(vm, eip, insn, size))
        return;
    hv_priv_emulate(vm, eip, insn, size);
}

/* The I/O exit of the instruction at cur_eip: one per non-repeated IN or
 * OUT, one per REP INS/OUTS however many items it carries (FIDELITY.md
 * "Device emulation"). The qualification follows SDM Vol 3C Table 27-5:
 * size-1 in bits 2:0, IN in bit 3, string in bit 4, REP in bit 5, an
 * immediate port in bit 6, the port in bits 31:16. */
static void io_exit(hv_vm *vm, uint32_t port, int size, bool in)
{
    if (!vm->hypervised)
        return;
    uint8_t insn[4] = {0};
    hv_vcpu_fetch_bytes(vm, vm->cur_eip, insn, vm->cur_size < 4 ? vm->cur_size : 4);
    unsigned i = 0;
    bool rep = false;
    for (; i < 3 && (insn[i] == 0xF3 || insn[i] == 0xF2 || insn[i] == 0x66 ||
                     insn[i] == 0x67 || insn[i] == 0x2E || insn[i] == 0x3E ||
                     insn[i] == 0x26 || insn[i] == 0x36 || insn[i] == 0x64 ||
                     insn[i] == 0x65);
         i++)
        rep |= insn[i] == 0xF3 || insn[i] == 0xF2;
    bool string = insn[i] >= 0x6C && insn[i] <= 0x6F;
    bool imm = insn[i] >= 0xE4 && insn[i] <= 0xE7;
    rep = rep && string;
    if (rep && vm->rep_io_exited)
        return; /* the same REP INS/OUTS, a later item */
    vm->rep_io_exited = rep;
    uint32_t qual = (uint32_t)(size - 1) | (in ? 1u << 3 : 0) |
                    (string ? 1u << 4 : 0) | (rep ? 1u << 5 : 0) |
                    (imm ? 1u << 6 : 0) | (port & 0xFFFFu) << 16;
    hv_vm_exit(vm, HV_EXIT_IO, qual,
               hv_bus_in_kernel(&vm->bus, (uint16_t)port) ? HV_CAUSE_IN_KERNEL
                                                          : HV_CAUSE_NONE);
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    io_exit(vm, port, size, true);
    vm->in_exit = vm->hypervised;
    uint32_t v = hv_bus_in(&vm->bus, (uint16_t)port, (unsigned)size);
    vm->in_exit = false;
    hv_vcpu_timer_rearm(vm);
    return v;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
                     void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    io_exit(vm, port, size, false);
    vm->in_exit = vm->hypervised;
    hv_bus_out(&vm->bus, (uint16_t)port, (unsigned)size, value);
    vm->in_exit = false;
    hv_vcpu_timer_rearm(vm);
}

/* Exceptions and INT n that Unicorn raised itself: it never vectors
 * through the guest's IDT (UNICORN.md §5), so the engine does. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
    (void)uc;
    hv_vm *vm = opaque;
    uint32_t error = hv_except_unicorn_fixup(vm);
    uint8_t insn[16] = {0};
    hv_vcpu_fetch_bytes(vm, vm->cur_eip, insn, vm->cur_size < 16 ? vm->cur_size : 16);
    uint32_t i = 0;
    while (i < vm->cur_size && (insn[i] == 0x66 || insn[i] == 0x67 ||
                                insn[i] == 0xF2 || insn[i] == 0xF3))
        i++;
    /* INT n, INT3, INTO and INT1 are traps: the saved EIP is the next
     * instruction. Everything else Unicorn raises is a fault. */
    bool soft = (insn[i] == 0xCD && insn[i + 1] == intno) ||
                (insn[i] == 0xCC && intno == 3) ||
                (insn[i] == 0xCE && intno == 4);
    /* INT1 (ICEBP) is a trap like them, but delivered as the hardware's
     * #DB: EXT is set and no DPL check applies (SDM Vol 3A §6.12). */
    bool icebp = insn[i] == 0xF1 && intno == 1;
    bool has_error = !soft && !icebp &&
                     (intno == 8 || (intno >= 10 && intno <= 14) || intno == 17);
    if (!soft && !icebp)
        uncount_instruction(vm);
    uint32_t ret = soft || icebp ? vm->cur_eip + vm->cur_size : vm->cur_eip;
    hv_except_raise(vm, (uint8_t)intno, has_error, has_error ? error : 0,
                    ret, soft);
}

/* --- set-up and the run loop ------------------------------------------- */

/* The flat GDT of the boot stub's ROM page (DESIGN.md §3): null, code
 * 0x08, data 0x10, base 0, limit 4 GiB, accessed bits clear as in the
 * stub's ROM (the CPU's write of them is dropped by ROM). */
static const uint64_t rom_gdt[3] = {0, 0x00CF9A000000FFFFull,
                                    0x00CF92000000FFFFull};
#define DESC_ACCESSED (1ull << 40)

static hv_err set_entry_state(hv_vm *vm, const hv_vm_config *vc)
{
    uc_engine *uc = vm->uc;
    /* Map the ROM so Unicorn can read descriptors for the selector loads
     * below; the mapping is an ordinary cache entry afterwards. */
    if (hv_ucmap_map(&vm->ucmap, HV_ROM_BASE, vm->rom,
                     UC_PROT_READ | UC_PROT_EXEC) != HV_OK)
        return HV_ERR_UNICORN;
    /* Load the entry selectors from a GDT whose accessed bits are already
     * set, so that setting up does not write the ROM, then put the ROM's
     * own bytes back: the descriptor caches keep what was loaded. */
    for (int i = 1; i < 3; i++) {
        uint64_t d = rom_gdt[i] | DESC_ACCESSED;
        memcpy(vm->rom + 8 * i, &d, 8);
    }
    uc_x86_mmr gdtr = {0, HV_ROM_BASE, sizeof rom_gdt - 1, 0};
    uc_x86_mmr idtr = {0, 0, 0xFFFF, 0};
    if (uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr) ||
        uc_reg_write(uc, UC_X86_REG_IDTR, &idtr))
        return HV_ERR_UNICORN;
    uint32_t cs = HV_GDT_SELECTOR_CODE, ds = HV_GDT_SELECTOR_DATA;
    if (uc_reg_write(uc, UC_X86_REG_CS, &cs))
        return HV_ERR_UNICORN;
    const int segs[] = {UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS,
                        UC_X86_REG_GS, UC_X86_REG_SS};
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
        if (uc_reg_write(uc, segs[i], &ds))
            return HV_ERR_UNICORN;
    uint32_t zero = 0, esp = vc->ram_bytes, eip = vc->entry, eflags = 0x2;
    const int gprs[] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX,
                        UC_X86_REG_EDX, UC_X86_REG_ESI, UC_X86_REG_EDI,
                        UC_X86_REG_EBP};
    for (size_t i = 0; i < sizeof gprs / sizeof gprs[0]; i++)
        uc_reg_write(uc, gprs[i], &zero);
    if (uc_reg_write(uc, UC_X86_REG_ESP, &esp) ||
        uc_reg_write(uc, UC_X86_REG_EIP, &eip) ||
        uc_reg_write(uc, UC_X86_REG_EFLAGS, &eflags))
        return HV_ERR_UNICORN;
    memcpy(vm->rom, vm->rom_image, sizeof vm->rom_image);
    vm->cr0 = HV_CR0_PE | HV_CR0_ET;
    vm->cr2 = vm->cr3 = vm->cr4 = 0;
    return HV_OK;
}

static void vm_emit(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                    uint32_t c, uint32_t d)
{
    /* The TLB's hits, most of all events: a hit that continues its run is
     * counted without the machine's emit path. */
    if (type == HV_EV_TLB_HIT && hv_machine_hit_continues(opaque, a, c))
        return;
    hv_machine_emit(opaque, type, a, b, c, d);
}

static void vm_emit5(void *opaque, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d, uint32_t e)
{
    hv_machine_emit5(opaque, type, a, b, c, d, e);
}

static void debug_exit(void *ctx, uint32_t value)
{
    hv_vm_end(ctx, HV_VM_EXIT_PORT, true, value, "");
}

hv_err hv_vcpu_init(hv_vm *vm, const hv_vm_config *vc)
{
    hv_machine *m = vm->m;
    hv_err err;
    vm->emit = (hv_emitter){vm_emit, vm, vm_emit5};
    vm->fetch_gen = UINT64_MAX; /* the fetch cache starts empty */
    vm->read_gen = UINT64_MAX;  /* and the read cache */
    vm->poison = aligned_alloc(4096, 4096);
    if (!vm->poison)
        return HV_ERR_NOMEM;
    memset(vm->poison, 0, 4096);
    memset(vm->rom_image, 0, sizeof vm->rom_image);
    memcpy(vm->rom_image, rom_gdt, sizeof rom_gdt);
    memcpy(vm->rom, vm->rom_image, sizeof vm->rom_image);

    err = hv_tlb_create(&m->cfg.tlb, m->cfg.seed ^ vm->id, vm->emit,
                        hv_vcpu_tlb_dropped, vm, &vm->tlb);
    if (err)
        return err;
    if (uc_open(UC_ARCH_X86, UC_MODE_32, &vm->uc) != UC_ERR_OK)
        return HV_ERR_UNICORN;
    if (uc_context_alloc(vm->uc, &vm->ucctx) != UC_ERR_OK)
        return HV_ERR_UNICORN;
    err = hv_ucmap_init(&vm->ucmap, vm->uc, m->cfg.ucmap_pages);
    if (err)
        return err;

    hv_bus_init(&vm->bus, vm->emit);
    hv_uart16550_init(&vm->uart, hv_vm_console_put, NULL, vm, vm->emit);
    vm->debug_exit = (hv_debug_exit){debug_exit, vm};
    if ((err = hv_bus_add(&vm->bus, 0x3F8, 8, &hv_uart16550_ops, &vm->uart)) ||
        (err = hv_bus_add(&vm->bus, 0xF4, 4, &hv_debug_exit_ops,
                          &vm->debug_exit)) ||
        (err = hv_vcpu_irq_init(vm)))
        return err;
    hv_mmio_bus_init(&vm->mmio, vm->emit);
    hv_mmio_test_init(&vm->mmio_test, hv_vm_console_put, vm, vm->emit);
    if ((err = hv_mmio_bus_add(&vm->mmio, HV_MMIO_TEST_BASE, HV_MMIO_TEST_LEN,
                               &hv_mmio_test_ops, &vm->mmio_test)) ||
        (err = hv_vcpu_virtio_init(vm)))
        return err;
    if (vc->dma_engine) {
        /* Passthrough: the guest programs the engine's bus addresses
         * itself; the window decides what they reach (vcpu_dma.c). */
        vm->has_dma_engine = true;
        vm->dma_bdf = vc->dma_bdf;
        hv_dma_engine_init(&vm->dma_engine, vc->dma_bdf,
                           hv_vcpu_dma_assigned(vm), hv_vcpu_irq10, vm,
                           vm->emit);
        if ((err = hv_mmio_bus_add(&vm->mmio, HV_DMA_ENGINE_BASE,
                                   HV_DMA_ENGINE_LEN, &hv_dma_engine_ops,
                                   &vm->dma_engine)))
            return err;
    }
    hv_bus_reset(&vm->bus);
    hv_mmio_bus_reset(&vm->mmio);
    hv_vcpu_irq_powered_on(vm);

    uc_hook h;
    if (uc_hook_add(vm->uc, &h, UC_HOOK_CODE, hook_code, vm, 1, 0) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                    hv_vcpu_hook_mem, vm, 1, 0) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_MEM_UNMAPPED, hv_vcpu_hook_unmapped, vm, 1,
                    0) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_MEM_PROT, hv_vcpu_hook_prot, vm, 1, 0) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_INTR, hook_intr, vm, 1, 0) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_INSN, hook_in, vm, 1, 0,
                    UC_X86_INS_IN) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_INSN, hook_out, vm, 1, 0,
                    UC_X86_INS_OUT) ||
        uc_hook_add(vm->uc, &h, UC_HOOK_INSN, hv_cpuid_hook, vm, 1, 0,
                    UC_X86_INS_CPUID))
        return HV_ERR_UNICORN;
    return set_entry_state(vm, vc);
}

void hv_vcpu_fini(hv_vm *vm)
{
    if (vm->ucmap.slots)
        hv_ucmap_fini(&vm->ucmap);
    if (vm->ucctx)
        uc_context_free(vm->ucctx);
    if (vm->uc)
        uc_close(vm->uc);
    hv_tlb_destroy(vm->tlb);
    free(vm->poison);
}

hv_err hv_vcpu_run(hv_vm *vm)
{
    hv_machine *m = vm->m;
    m->cur = vm;
    while (vm->exit_reason == HV_VM_RUNNING && !vm->waiting_input &&
           !m->stop_requested &&
           (m->unlimited || m->budget > 0)) {
        uint32_t eip;
        uint64_t before = vm->instructions;
        uc_reg_read(vm->uc, UC_X86_REG_EIP, &eip);
        uc_err ue = uc_emu_start(vm->uc, eip, UINT64_MAX, 0, 0);
        hv_vcpu_finish_emulated_write(vm);
        if (vm->mmio_live)
            hv_vcpu_mmio_unmap(vm);
        if (vm->resume_eip_valid) {
            vm->resume_eip_valid = false;
            uc_reg_write(vm->uc, UC_X86_REG_EIP, &vm->resume_eip);
        }
        hv_vcpu_marks_clear(vm);
        if (vm->exit_reason != HV_VM_RUNNING)
            break;
        if (vm->fault_pending) {
            /* The faulting instruction did not complete: it is counted
             * again when it is restarted after the handler. */
            vm->fault_pending = false;
            uncount_instruction(vm);
            uc_reg_read(vm->uc, UC_X86_REG_EIP, &eip);
            vm->cr2 = vm->fault_addr;
            hv_except_raise(vm, 14, true, vm->fault_error, eip, false);
            continue;
        }
        if (ue == UC_ERR_INSN_INVALID) {
            /* Unicorn stops on #UD instead of calling the INTR hook
             * (UNICORN.md §2); it still marks old_exception. */
            hv_except_unicorn_fixup(vm);
            uncount_instruction(vm);
            uc_reg_read(vm->uc, UC_X86_REG_EIP, &eip);
            hv_except_raise(vm, 6, false, 0, eip, false);
            continue;
        }
        if (vm->retry_insn) {
            /* An access met the poison page (below): it is mapped for real
             * now; the instruction runs again. */
            vm->retry_insn = false;
            uncount_instruction(vm);
            continue;
        }
        if (ue != UC_ERR_OK) {
            char why[120];
            uc_reg_read(vm->uc, UC_X86_REG_EIP, &eip);
            snprintf(why, sizeof why, "Unicorn stopped at 0x%08x: %s", eip,
                     uc_strerror(ue));
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0, why);
            break;
        }
        if (vm->instructions == before && !m->stop_requested &&
            (m->unlimited || m->budget > 0)) {
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0,
                      "Unicorn stopped without a reason");
            break;
        }
    }
    return HV_OK;
}
