/* hvlab engine: exception and interrupt delivery through the guest's IDT.
 *
 * Unicorn never vectors through the guest IDT (UNICORN.md §5), so the
 * engine does it the way the CPU does at CPL 0 in 32-bit protected mode:
 * read the gate (IDTR base + 8 * vector), push EFLAGS, CS, EIP and the
 * error code, clear TF/NT/RF (and IF through an interrupt gate), jump.
 *
 * HOW FAULTS DURING DELIVERY WORK (SDM Vol 3A §6.15, Table 6-5; FIDELITY.md):
 * exceptions are benign, contributory (#DE, #TS, #NP, #SS, #GP) or page
 * faults. Contributory then contributory, or #PF then contributory or #PF,
 * is a double fault (#DF, error code 0). Any other pair is handled
 * serially: the second exception is delivered. A contributory fault or
 * #PF while delivering #DF is a triple fault: the VM shuts down.
 */
#include <string.h>

#include "machine.h"

enum { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT, EXC_DOUBLE_FAULT };

static int exc_class(uint8_t vector)
{
    switch (vector) {
    case 0: case 10: case 11: case 12: case 13: return EXC_CONTRIBUTORY;
    case 14: return EXC_PAGE_FAULT;
    case 8: return EXC_DOUBLE_FAULT;
    default: return EXC_BENIGN;
    }
}

/* EFLAGS bits. */
enum {
    FL_TF = 1u << 8,
    FL_IF = 1u << 9,
    FL_NT = 1u << 14,
    FL_RF = 1u << 16,
    FL_VM = 1u << 17,
};

typedef struct delivery {
    bool ok;
    bool ended;      /* the VM ended during delivery */
    uint8_t vector;  /* the fault met during delivery */
    bool has_error;
    uint32_t error;
} delivery;

static delivery fail(uint8_t vector, uint32_t error)
{
    return (delivery){.ok = false, .vector = vector, .has_error = true,
                      .error = error};
}

static delivery fail_mmu(hv_vm *vm, hv_mmu_result r, const hv_xlat *x)
{
    if (r == HV_MMU_UNBACKED) {
        char why[120];
        hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNBACKED, x->fault_addr,
                        0, vm->cur_eip);
        snprintf(why, sizeof why,
                 "delivering an exception touched guest-physical 0x%08x, "
                 "which is not RAM", x->fault_addr);
        hv_vm_end(vm, HV_VM_BAD_ACCESS, false, 0, why);
        return (delivery){.ended = true};
    }
    vm->cr2 = x->fault_addr;
    return fail(14, x->error_code);
}

/* The gate's selector must name a present code segment in the GDT (SDM
 * Vol 3A §6.12.1.1; no LDT is modelled). Faults carry the selector with
 * EXT in bit 0. */
static delivery check_code_selector(hv_vm *vm, uint16_t selector, uint32_t ext)
{
    uint32_t error = (selector & 0xFFFCu) | ext;
    if ((selector & 0xFFFCu) == 0)
        return fail(13, ext);
    uc_x86_mmr gdtr;
    uc_reg_read(vm->uc, UC_X86_REG_GDTR, &gdtr);
    if ((selector & 4) || (selector | 7u) > gdtr.limit)
        return fail(13, error);
    uint8_t desc[8];
    hv_xlat x;
    hv_mmu_result r = hv_vcpu_read_la(vm, (uint32_t)gdtr.base + (selector & ~7u),
                                      desc, sizeof desc, &x);
    if (r != HV_MMU_OK)
        return fail_mmu(vm, r, &x);
    uint8_t access = desc[5];
    bool code = (access & 0x18) == 0x18; /* S = 1, executable */
    if (!code || ((access >> 5) & 3) != 0) /* DPL must be CPL (0) */
        return fail(13, error);
    if (!(access & 0x80))
        return fail(11, error); /* #NP */
    return (delivery){.ok = true};
}

/* What is being delivered: a fault or trap of the CPU, the program's
 * INT n, or an external interrupt (whose INTERRUPT event the caller
 * emitted). */
typedef enum { DELIVER_FAULT, DELIVER_SOFT, DELIVER_EXTINT } deliver_kind;

static delivery deliver_one(hv_vm *vm, uint8_t vector, bool has_error,
                            uint32_t error, uint32_t return_eip,
                            deliver_kind kind)
{
    uc_engine *uc = vm->uc;
    /* EXT: the event was not caused by the program's INT n (SDM §6.13). */
    uint32_t ext = kind == DELIVER_SOFT ? 0 : 1;
    uint32_t gate_error = vector * 8u + 2u + ext;

    vm->if_valid = false; /* the gate may clear IF */
    if (kind == DELIVER_SOFT)
        hv_machine_emit(vm, HV_EV_SOFT_INT, vector, 0, 0, return_eip);
    else if (kind == DELIVER_FAULT)
        hv_machine_emit(vm, HV_EV_GUEST_FAULT, vector, has_error ? error : 0,
                        vector == 14 ? vm->cr2 : 0, return_eip);

    uc_x86_mmr idtr;
    uc_reg_read(uc, UC_X86_REG_IDTR, &idtr);
    if (vector * 8u + 7u > idtr.limit)
        return fail(13, gate_error);
    uint8_t gate[8];
    hv_xlat x;
    hv_mmu_result r = hv_vcpu_read_la(vm, (uint32_t)idtr.base + vector * 8u,
                                      gate, sizeof gate, &x);
    if (r != HV_MMU_OK)
        return fail_mmu(vm, r, &x);
    uint32_t lo, hi;
    memcpy(&lo, gate, 4);
    memcpy(&hi, gate + 4, 4);
    uint32_t type = (hi >> 8) & 0x1Fu; /* S bit and type */
    bool interrupt_gate = type == 0x0E;
    if (type != 0x0E && type != 0x0F) {
        if (type == 0x05 || type == 0x06 || type == 0x07) {
            hv_machine_emit(vm, HV_EV_GUEST_ERROR, HV_GERR_UNSUPPORTED, vector,
                            type, return_eip);
            hv_vm_end(vm, HV_VM_INTERNAL, false, 0,
                      "task gates and 16-bit gates are not modelled");
            return (delivery){.ended = true};
        }
        return fail(13, gate_error);
    }
    /* INT n checks the gate's DPL against CPL (0 here: always passes). */
    if (!(hi & (1u << 15)))
        return fail(11, gate_error); /* #NP */
    uint16_t selector = (uint16_t)(lo >> 16);
    delivery bad = check_code_selector(vm, selector, ext);
    if (!bad.ok)
        return bad;
    uint32_t offset = (hi & 0xFFFF0000u) | (lo & 0xFFFFu);

    uint32_t esp, eflags, cs;
    uc_reg_read(uc, UC_X86_REG_ESP, &esp);
    uc_reg_read(uc, UC_X86_REG_EFLAGS, &eflags);
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    uint32_t frame[4], n = 0;
    if (has_error)
        frame[n++] = error;
    frame[n++] = return_eip;
    frame[n++] = cs & 0xFFFFu;
    frame[n++] = eflags;
    uint32_t new_esp = esp - n * 4;
    r = hv_vcpu_write_la(vm, new_esp, frame, n * 4, &x);
    if (r != HV_MMU_OK)
        return fail_mmu(vm, r, &x);

    if (selector != (cs & 0xFFFFu) && !hv_vcpu_load_cs(vm, selector)) {
        hv_vm_end(vm, HV_VM_INTERNAL, false, 0,
                  "could not load the gate's code selector");
        return (delivery){.ended = true};
    }
    eflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
    if (interrupt_gate)
        eflags &= ~FL_IF;
    uc_reg_write(uc, UC_X86_REG_ESP, &new_esp);
    uc_reg_write(uc, UC_X86_REG_EFLAGS, &eflags);
    uc_reg_write(uc, UC_X86_REG_EIP, &offset);
    return (delivery){.ok = true};
}

static void raise_event(hv_vm *vm, uint8_t vector, bool has_error,
                        uint32_t error, uint32_t return_eip, deliver_kind kind)
{
    /* A fault while delivering INT n points at the INT instruction. */
    uint32_t fault_eip = kind == DELIVER_SOFT ? vm->cur_eip : return_eip;
    for (int attempt = 0; attempt < 8; attempt++) {
        delivery d = deliver_one(vm, vector, has_error, error, return_eip,
                                 kind);
        if (d.ok || d.ended)
            return;
        /* INT n and external interrupts are benign as the first event,
         * whatever their vector (SDM Vol 3A Table 6-4). */
        int first = kind == DELIVER_FAULT ? exc_class(vector) : EXC_BENIGN;
        int second = exc_class(d.vector);
        bool serious = second == EXC_CONTRIBUTORY || second == EXC_PAGE_FAULT;
        if (first == EXC_DOUBLE_FAULT && serious) {
            hv_machine_emit(vm, HV_EV_TRIPLE_FAULT, vector, d.vector, 0,
                            fault_eip);
            if (vm->hypervised) /* VT-x basic exit reason 2 */
                hv_vm_exit(vm, HV_EXIT_TRIPLE_FAULT, 0, HV_CAUSE_NONE);
            char why[96];
            snprintf(why, sizeof why,
                     "triple fault: vector %u while delivering #DF", d.vector);
            hv_vm_end(vm, HV_VM_TRIPLE_FAULT, false, 0, why);
            return;
        }
        if ((first == EXC_CONTRIBUTORY && second == EXC_CONTRIBUTORY) ||
            (first == EXC_PAGE_FAULT && serious)) {
            vector = 8;
            has_error = true;
            error = 0;
        } else {
            vector = d.vector;
            has_error = d.has_error;
            error = d.error;
        }
        kind = DELIVER_FAULT;
        return_eip = fault_eip;
    }
    hv_vm_end(vm, HV_VM_TRIPLE_FAULT, false, 0,
              "exception delivery did not converge");
}

void hv_except_raise(hv_vm *vm, uint8_t vector, bool has_error,
                     uint32_t error, uint32_t return_eip, bool software)
{
    raise_event(vm, vector, has_error, error, return_eip,
                software ? DELIVER_SOFT : DELIVER_FAULT);
}

void hv_except_interrupt(hv_vm *vm, uint8_t vector, uint32_t return_eip)
{
    raise_event(vm, vector, false, 0, return_eip, DELIVER_EXTINT);
}

/* --- Unicorn's stale old_exception (UNICORN.md §9) ----------------------
 * Unicorn 2.0.1 never resets env->old_exception, so the second exception
 * it raises itself turns into #DF. The field's offset in a saved context is
 * a layout detail: it is found once by forcing a known #GP in a scratch
 * engine (twice, with two error codes) and comparing saved contexts. */

static size_t off_old_exception, off_error_code;
static bool offsets_found;

typedef struct probe {
    uc_context *ctx;
    uint32_t intno;
} probe;

static void probe_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
    probe *p = opaque;
    p->intno = intno;
    uc_context_save(uc, p->ctx);
    uc_emu_stop(uc);
}

static hv_err probe_once(uint16_t selector, uc_context **before,
                         uc_context **after, size_t *size)
{
    static uint8_t page[4096] __attribute__((aligned(4096)));
    uc_engine *uc;
    if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK)
        return HV_ERR_UNICORN;
    /* mov ax, selector; mov ds, ax: #GP with an empty GDT. The selector's
     * RPL is 3 and the error code drops it, so EAX (which holds the
     * selector) cannot be mistaken for the error code. */
    const uint8_t code[] = {0x66, 0xB8, (uint8_t)selector,
                            (uint8_t)(selector >> 8), 0x8E, 0xD8, 0x90};
    memset(page, 0x90, sizeof page);
    memcpy(page, code, sizeof code);
    probe p = {0};
    uc_hook h;
    hv_err err = HV_ERR_UNICORN;
    if (uc_mem_map_ptr(uc, 0x1000, 4096, UC_PROT_ALL, page) ||
        uc_context_alloc(uc, before) || uc_context_alloc(uc, after) ||
        uc_context_save(uc, *before))
        goto out;
    p.ctx = *after;
    if (uc_hook_add(uc, &h, UC_HOOK_INTR, probe_intr, &p, 1, 0))
        goto out;
    uc_emu_start(uc, 0x1000, 0x1000 + sizeof code, 0, 0);
    if (p.intno == 13) {
        *size = uc_context_size(uc);
        err = HV_OK;
    }
out:
    uc_close(uc);
    return err;
}

static int32_t ctx_int(const uc_context *c, size_t off)
{
    int32_t v;
    memcpy(&v, (const uint8_t *)c + off, 4);
    return v;
}

hv_err hv_except_probe_offsets(void)
{
    if (offsets_found)
        return HV_OK;
    uc_context *b1 = NULL, *a1 = NULL, *b2 = NULL, *a2 = NULL;
    size_t size1 = 0, size2 = 0;
    hv_err err = probe_once(0x123B, &b1, &a1, &size1);
    if (!err)
        err = probe_once(0x246B, &b2, &a2, &size2);
    if (!err) {
        int n_old = 0, n_err = 0;
        size_t size = size1 < size2 ? size1 : size2;
        for (size_t off = 0; off + 4 <= size; off += 4) {
            if (ctx_int(b1, off) == -1 && ctx_int(a1, off) == 13 &&
                ctx_int(b2, off) == -1 && ctx_int(a2, off) == 13) {
                off_old_exception = off;
                n_old++;
            }
            if (ctx_int(a1, off) == 0x1238 && ctx_int(a2, off) == 0x2468) {
                off_error_code = off;
                n_err++;
            }
        }
        err = (n_old == 1 && n_err == 1) ? HV_OK : HV_ERR_UNICORN;
    }
    uc_context *all[] = {b1, a1, b2, a2};
    for (int i = 0; i < 4; i++)
        if (all[i])
            uc_context_free(all[i]);
    offsets_found = err == HV_OK;
    return err;
}

uint32_t hv_except_unicorn_fixup(hv_vm *vm)
{
    if (!offsets_found || uc_context_save(vm->uc, vm->ucctx) != UC_ERR_OK)
        return 0;
    uint8_t *blob = (uint8_t *)vm->ucctx;
    int32_t error, none = -1;
    memcpy(&error, blob + off_error_code, 4);
    memcpy(blob + off_old_exception, &none, 4);
    uc_context_restore(vm->uc, vm->ucctx);
    return (uint32_t)error;
}
