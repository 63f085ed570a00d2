/* hvlab engine: the instructions the engine emulates in place, caught by
 * the code hook before they run (DESIGN.md §2, UNICORN.md §2): MOV to/from
 * CR0/CR2/CR3/CR4, INVLPG, HLT, IRET, RDTSC, and CPUID (from its own hook).
 * Unicorn's CR0/CR3/CR4 never see paging: the engine owns them.
 */
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

/* General registers in ModRM order. */
static const int gpr_ids[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX,
                               UC_X86_REG_EBX, UC_X86_REG_ESP, UC_X86_REG_EBP,
                               UC_X86_REG_ESI, UC_X86_REG_EDI};

static uint32_t gpr(hv_vm *vm, unsigned n)
{
    uint32_t v = 0;
    uc_reg_read(vm->uc, gpr_ids[n & 7], &v);
    return v;
}

static void set_gpr(hv_vm *vm, unsigned n, uint32_t v)
{
    uc_reg_write(vm->uc, gpr_ids[n & 7], &v);
}

static void skip(hv_vm *vm, uint32_t eip, uint32_t size)
{
    /* Writing EIP in the code hook skips the instruction and goes on at
     * the new EIP (UNICORN.md §2). */
    uint32_t next = eip + size;
    uc_reg_write(vm->uc, UC_X86_REG_EIP, &next);
}

/* Effective address of a ModRM memory operand, 32-bit addressing, flat
 * segments. Returns false when the operand is a register or truncated. */
static bool modrm_address(hv_vm *vm, const uint8_t *p, uint32_t avail,
                          uint32_t *ea)
{
    if (avail < 1)
        return false;
    uint8_t modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
    uint32_t i = 1, addr = 0;
    if (mod == 3)
        return false;
    if (rm == 4) {
        if (avail < 2)
            return false;
        uint8_t sib = p[i++], scale = sib >> 6, index = (sib >> 3) & 7,
                base = sib & 7;
        if (index != 4)
            addr += gpr(vm, index) << scale;
        if (base == 5 && mod == 0) {
            if (avail < i + 4)
                return false;
            uint32_t d;
            memcpy(&d, p + i, 4);
            addr += d;
            i += 4;
        } else {
            addr += gpr(vm, base);
        }
    } else if (rm == 5 && mod == 0) {
        if (avail < i + 4)
            return false;
        memcpy(&addr, p + i, 4);
        i += 4;
    } else {
        addr = gpr(vm, rm);
    }
    if (mod == 1) {
        if (avail < i + 1)
            return false;
        addr += (uint32_t)(int32_t)(int8_t)p[i];
    } else if (mod == 2) {
        if (avail < i + 4)
            return false;
        uint32_t d;
        memcpy(&d, p + i, 4);
        addr += d;
    }
    *ea = addr;
    return true;
}

static void raise_gp0(hv_vm *vm, uint32_t eip, uint32_t what, uint32_t value)
{
    hv_machine_emit(vm, HV_EV_GUEST_ERROR, what, 0, value, eip);
    hv_except_raise(vm, 13, true, 0, eip, false);
}

/* CR0 bits a MOV may set; the rest are reserved and ignored on write
 * (SDM Vol 3A §2.5). ET is hardwired to 1 on this CPU, as QEMU does. */
#define CR0_WRITABLE 0xE005003Fu
/* CR4 bits this CPU has (CPUID: TSC, PSE, PGE); any other set bit is
 * #GP(0) (SDM Vol 3A §2.5, QEMU checks CR4 against CPUID too). */
#define CR4_VALID ((1u << 2) | (1u << 4) | (1u << 7) | (1u << 8))

/* CR0/CR4 bits the guest owns under a hypervisor: writes that change only
 * these do not exit (the VT-x guest/host masks; KVM lets the guest own
 * CR0.TS, and with EPT also CR0.WP and CR4.PGE; CR4.TSD, PCE and DE in
 * both). A write exits when it changes a bit the host owns. */
static uint32_t guest_owned(const hv_vm *vm, unsigned cr)
{
    bool ept = vm->mmu == &hv_mmu_nested_ops;
    if (cr == 0)
        return (1u << 3) | (ept ? HV_CR0_WP : 0);
    return (1u << 2) | (1u << 3) | (1u << 8) | (ept ? HV_CR4_PGE : 0);
}

static bool cr_write_exits(const hv_vm *vm, unsigned cr, uint32_t old,
                           uint32_t now)
{
    return vm->hypervised && ((old ^ now) & ~guest_owned(vm, cr));
}

/* The exit qualification of a control-register access (SDM Vol 3C Table
 * 27-3): the CR in bits 3:0, the access type in 5:4 (0 MOV to CR, 1 MOV
 * from CR, 2 CLTS, 3 LMSW), the general register in 11:8. */
static uint32_t cr_qual(unsigned cr, unsigned type, unsigned reg)
{
    return cr | type << 4 | reg << 8;
}

static void write_cr0(hv_vm *vm, uint32_t eip, uint32_t value, uint32_t qual)
{
    uint32_t old = vm->cr0, now = (value & CR0_WRITABLE) | HV_CR0_ET;
    /* PG without PE, or NW without CD, is #GP(0) (SDM Vol 3A §2.5). */
    if (((now & HV_CR0_PG) && !(now & HV_CR0_PE)) ||
        ((now & (1u << 29)) && !(now & (1u << 30)))) {
        raise_gp0(vm, eip, HV_GERR_CR_RESERVED, value);
        return;
    }
    if (cr_write_exits(vm, 0, old, now))
        hv_vm_exit(vm, HV_EXIT_CR0, qual, HV_CAUSE_NONE);
    vm->cr0 = now;
    /* Unicorn keeps the FPU bits (MP, EM, TS, NE) but never PG: its own
     * paging must stay off (UNICORN.md §2). */
    uint64_t uc_cr0 = now & ~(uint32_t)HV_CR0_PG;
    uc_reg_write(vm->uc, UC_X86_REG_CR0, &uc_cr0);
    hv_machine_emit(vm, HV_EV_CR_WRITE, 0, old, now, eip);
    if ((old ^ now) & HV_CR0_PG)
        hv_tlb_flush(vm->tlb, true); /* SDM Vol 3A §4.10.4.1 */
    if (vm->mmu->on_cr_write)
        vm->mmu->on_cr_write(vm, 0, old, now);
    /* Unicorn's mappings were made for the old PG and WP. */
    if ((old ^ now) & (HV_CR0_PG | HV_CR0_WP))
        hv_vcpu_unmap_all(vm);
}

static void write_cr4(hv_vm *vm, uint32_t eip, uint32_t value, uint32_t qual)
{
    if (value & ~CR4_VALID) {
        raise_gp0(vm, eip, HV_GERR_CR_RESERVED, value);
        return;
    }
    uint32_t old = vm->cr4;
    if (cr_write_exits(vm, 4, old, value))
        hv_vm_exit(vm, HV_EXIT_CR4, qual, HV_CAUSE_NONE);
    vm->cr4 = value;
    hv_machine_emit(vm, HV_EV_CR_WRITE, 4, old, value, eip);
    /* Changing PGE flushes every entry, global ones included (SDM Vol 3A
     * §4.10.4.1). A PSE change is not on that list, but what the cached
     * entries mean changed and a CPU may always invalidate more: flush
     * too, as QEMU does. */
    if ((old ^ value) & (HV_CR4_PGE | HV_CR4_PSE))
        hv_tlb_flush(vm->tlb, true);
    if (vm->mmu->on_cr_write)
        vm->mmu->on_cr_write(vm, 4, old, value);
}

static bool mov_cr(hv_vm *vm, uint32_t eip, uint32_t size, uint8_t modrm,
                   bool to_cr)
{
    unsigned cr = (modrm >> 3) & 7, reg = modrm & 7;
    if (cr == 1 || cr > 4) {
        /* CR1, CR5-CR7 do not exist: #UD (SDM Vol 2, MOV CR). */
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_BAD_CR, cr, 0, eip);
        hv_except_raise(vm, 6, false, 0, eip, false);
        return true;
    }
    if (!to_cr) {
        /* Reads of CR0/CR4 come from read shadows; a CR3 read exits when
         * the hypervisor shadows CR3 (CR3-store exiting). */
        if (cr == 3 && vm->hypervised && vm->mmu->exits_on_cr3)
            hv_vm_exit(vm, HV_EXIT_CR3, cr_qual(3, 1, reg), HV_CAUSE_NONE);
        uint32_t v = cr == 0 ? vm->cr0 : cr == 2 ? vm->cr2 : cr == 3 ? vm->cr3 : vm->cr4;
        set_gpr(vm, reg, v);
        hv_machine_emit(vm, HV_EV_PRIV_INSN, HV_PRIV_CR_READ, v, 0, eip);
        skip(vm, eip, size);
        return true;
    }
    uint32_t value = gpr(vm, reg);
    switch (cr) {
    case 0: write_cr0(vm, eip, value, cr_qual(0, 0, reg)); break;
    case 2: {
        uint32_t old = vm->cr2;
        vm->cr2 = value;
        hv_machine_emit(vm, HV_EV_CR_WRITE, 2, old, value, eip);
        break;
    }
    case 3: {
        uint32_t old = vm->cr3;
        if (vm->hypervised && vm->mmu->exits_on_cr3)
            hv_vm_exit(vm, HV_EXIT_CR3, cr_qual(3, 0, reg), HV_CAUSE_NONE);
        vm->cr3 = value;
        hv_machine_emit(vm, HV_EV_CR_WRITE, 3, old, value, eip);
        /* MOV CR3 flushes every non-global entry (SDM Vol 3A §4.10.4.1);
         * QEMU flushes the global ones too (FIDELITY.md). */
        hv_tlb_flush(vm->tlb, false);
        if (vm->mmu->on_cr_write)
            vm->mmu->on_cr_write(vm, 3, old, value);
        break;
    }
    case 4: write_cr4(vm, eip, value, cr_qual(4, 0, reg)); break;
    }
    if (vm->exit_reason == HV_VM_RUNNING) {
        uint32_t now;
        uc_reg_read(vm->uc, UC_X86_REG_EIP, &now);
        if (now == eip) /* no exception was raised */
            skip(vm, eip, size);
    }
    return true;
}

static void halt(hv_vm *vm, uint32_t eip, uint32_t size)
{
    /* HLT exits under a hypervisor (VT-x "HLT exiting", which KVM sets):
     * the vCPU then sleeps in the host until an interrupt is due. */
    if (vm->hypervised)
        hv_vm_exit(vm, HV_EXIT_HLT, 0, HV_CAUSE_NONE);
    bool intr_on = hv_vcpu_if(vm);
    if (intr_on && hv_vcpu_halt_wait(vm, eip)) {
        /* Woken: the interrupt is taken at the next boundary, after the
         * HLT (its saved EIP is the next instruction, SDM "HLT"). */
        skip(vm, eip, size);
        return;
    }
    /* The stop must not write EIP in the hook (a written EIP cancels
     * uc_emu_stop), so EIP moves past HLT afterwards. */
    vm->resume_eip_valid = true;
    vm->resume_eip = eip + size;
    if (intr_on && hv_vcpu_input_can_wake(vm)) {
        /* Only typed input can wake it: the VM waits (hv_machine_run
         * returns HV_STOP_WAITING), as a CPU sits in HLT until a key. */
        vm->waiting_input = true;
        uc_emu_stop(vm->uc);
        return;
    }
    /* Nothing can wake the CPU: with interrupts off, or with every line
     * that could fire masked or quiet, the VM ends (DESIGN.md §3). */
    hv_vm_end(vm, HV_VM_HALT, false, 0,
              intr_on ? "HLT with interrupts on, but no interrupt can come "
                        "(no timer programmed, or its line masked)"
                      : "");
    uc_emu_stop(vm->uc);
}

static void iret(hv_vm *vm, uint32_t eip)
{
    uint32_t esp, frame[3], cs;
    uc_reg_read(vm->uc, UC_X86_REG_ESP, &esp);
    uc_reg_read(vm->uc, UC_X86_REG_CS, &cs);
    hv_xlat x;
    hv_mmu_result r = hv_vcpu_read_la(vm, esp, frame, sizeof frame, &x);
    if (r == HV_MMU_FAULT) {
        vm->cr2 = x.fault_addr;
        hv_except_raise(vm, 14, true, x.error_code, eip, false);
        return;
    }
    if (r == HV_MMU_UNBACKED) {
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNBACKED, x.fault_addr,
                        0, eip);
        hv_vm_end(vm, HV_VM_BAD_ACCESS, false, 0, "IRET popped from non-RAM");
        uc_emu_stop(vm->uc);
        return;
    }
    uint32_t new_eip = frame[0], new_cs = frame[1] & 0xFFFFu, flags = frame[2];
    if ((new_cs & 3) != 0 || (flags & (1u << 17))) {
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, new_cs,
                        flags, eip);
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0,
                  "IRET to user mode or virtual-8086 mode is not modelled yet");
        uc_emu_stop(vm->uc);
        return;
    }
    if (new_cs != (cs & 0xFFFFu) && !hv_vcpu_load_cs(vm, (uint16_t)new_cs)) {
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0,
                  "IRET could not load its code selector");
        uc_emu_stop(vm->uc);
        return;
    }
    /* Reserved EFLAGS bits: 1 reads as 1; 3, 5, 15 and 22-31 as 0. */
    flags = (flags & 0x003F7FD5u) | 0x2u;
    esp += 12;
    uc_reg_write(vm->uc, UC_X86_REG_ESP, &esp);
    uc_reg_write(vm->uc, UC_X86_REG_EFLAGS, &flags);
    vm->if_valid = false;
    uc_reg_write(vm->uc, UC_X86_REG_EIP, &new_eip);
    hv_machine_emit(vm, HV_EV_IRET, new_eip, 0, 0, eip);
}

/* LMSW loads CR0 bits 3:0 (PE, MP, EM, TS) from a 16-bit operand and can
 * set PE but not clear it (SDM Vol 2, LMSW). */
static void lmsw(hv_vm *vm, uint32_t eip, uint32_t size, const uint8_t *modrm,
                 uint32_t avail)
{
    uint16_t src = 0;
    if ((modrm[0] >> 6) == 3) {
        src = (uint16_t)gpr(vm, modrm[0] & 7);
    } else {
        uint32_t ea;
        hv_xlat x;
        if (!modrm_address(vm, modrm, avail, &ea))
            return;
        hv_mmu_result r = hv_vcpu_read_la(vm, ea, &src, 2, &x);
        if (r == HV_MMU_FAULT) {
            vm->cr2 = x.fault_addr;
            hv_except_raise(vm, 14, true, x.error_code, eip, false);
            return;
        }
        if (r != HV_MMU_OK)
            return;
    }
    uint32_t now = (vm->cr0 & ~0xEu) | (src & 0xFu) | (vm->cr0 & HV_CR0_PE);
    write_cr0(vm, eip, now, cr_qual(0, 3, 0) | (uint32_t)src << 16);
    uint32_t cur;
    uc_reg_read(vm->uc, UC_X86_REG_EIP, &cur);
    if (vm->exit_reason == HV_VM_RUNNING && cur == eip)
        skip(vm, eip, size);
}

static void rdtsc(hv_vm *vm, uint32_t eip, uint32_t size)
{
    /* Time is modelled cycles, never the host's clock: deterministic. */
    uint64_t t = vm->m->ctr.cycles;
    set_gpr(vm, 0, (uint32_t)t);
    set_gpr(vm, 2, (uint32_t)(t >> 32));
    hv_machine_emit(vm, HV_EV_PRIV_INSN, HV_PRIV_RDTSC, (uint32_t)t, 0, eip);
    skip(vm, eip, size);
}

bool hv_priv_emulate(hv_vm *vm, uint32_t eip, const uint8_t *insn,
                     uint32_t size)
{
    uint32_t i = 0;
    bool opsize = false;
    for (; i < size; i++) {
        uint8_t b = insn[i];
        if (b == 0x66)
            opsize = true;
        else if (!(b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 ||
                   b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 ||
                   b == 0x64 || b == 0x65))
            break;
    }
    if (i >= size)
        return false;
    switch (insn[i]) {
    case 0xF4: halt(vm, eip, size); return true;
    case 0xCF:
        if (opsize) {
            hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, 0xCF,
                            0x66, eip);
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "16-bit IRET is not modelled");
            uc_emu_stop(vm->uc);
            return true;
        }
        iret(vm, eip);
        return true;
    case 0x0F: break;
    default: return false;
    }
    if (i + 1 >= size)
        return false;
    uint8_t op = insn[i + 1];
    switch (op) {
    case 0x20:
    case 0x22:
        if (i + 2 >= size)
            return false;
        return mov_cr(vm, eip, size, insn[i + 2], op == 0x22);
    case 0x31: rdtsc(vm, eip, size); return true;
    case 0x06: {
        /* CLTS clears CR0.TS (guest-owned: no exit); Unicorn must not run
         * it, or the engine's CR0 would go stale. */
        write_cr0(vm, eip, vm->cr0 & ~(1u << 3), cr_qual(0, 2, 0));
        if (vm->exit_reason == HV_VM_RUNNING)
            skip(vm, eip, size);
        return true;
    }
    case 0x01: {
        if (i + 2 >= size)
            return false;
        uint8_t modrm = insn[i + 2];
        if (((modrm >> 3) & 7) == 6) {
            lmsw(vm, eip, size, insn + i + 2, size - i - 2);
            return true;
        }
        if (((modrm >> 3) & 7) != 7 || (modrm >> 6) == 3)
            return false;
        uint32_t ea;
        if (!modrm_address(vm, insn + i + 2, size - i - 2, &ea))
            return false;
        /* INVLPG: the page's entries go, global ones too (SDM Vol 3A
         * §4.10.4.1); Unicorn's mapping goes with them (on_drop). */
        if (vm->hypervised && vm->mmu->exits_on_invlpg)
            hv_vm_exit(vm, HV_EXIT_INVLPG, ea, HV_CAUSE_NONE);
        hv_tlb_invlpg(vm->tlb, ea, vm->vpid);
        if (vm->mmu->on_invlpg)
            vm->mmu->on_invlpg(vm, ea);
        skip(vm, eip, size);
        return true;
    }
    default: return false;
    }
}

/* CPUID describes the CPU hvlab models (DESIGN.md §3): family 6, with FPU,
 * PSE, TSC, CX8, PGE and CMOV; no PAE, PSE-36 or NX. Leaves past the
 * highest read as zero. */
int hv_cpuid_hook(uc_engine *uc, void *opaque)
{
    hv_vm *vm = opaque;
    uint32_t leaf, a = 0, b = 0, c = 0, d = 0;
    uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
    /* CPUID always exits under VT-x (SDM Vol 3C §25.1.2). */
    if (vm->hypervised)
        hv_vm_exit(vm, HV_EXIT_CPUID, 0, HV_CAUSE_NONE);
    uint32_t asked = leaf;
    /* A leaf past the highest (basic 1, extended 0x80000000) reads as the
     * highest basic leaf, as Intel CPUs do (SDM Vol 2A, CPUID). */
    if ((leaf > 1 && leaf < 0x80000000u) || leaf > 0x80000000u)
        leaf = 1;
    if (leaf == 0) {
        a = 1;
        memcpy(&b, "Genu", 4);
        memcpy(&d, "ineI", 4);
        memcpy(&c, "ntel", 4);
    } else if (leaf == 1) {
        a = 0x00000633; /* family 6, model 3, stepping 3 */
        d = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 8) | (1u << 13) |
            (1u << 15);
    } else if (leaf == 0x80000000u) {
        a = 0x80000000u;
    }
    uc_reg_write(uc, UC_X86_REG_EAX, &a);
    uc_reg_write(uc, UC_X86_REG_EBX, &b);
    uc_reg_write(uc, UC_X86_REG_ECX, &c);
    uc_reg_write(uc, UC_X86_REG_EDX, &d);
    hv_machine_emit(vm, HV_EV_PRIV_INSN, HV_PRIV_CPUID, asked, 0, vm->cur_eip);
    return 1;
}
