; pf_codes.asm - the #PF error code and CR2 for each kind of access, CPL 0.
;
; SDM Vol 3A §4.7: error code bit 0 P (0 = not present, 1 = protection),
; bit 1 W/R (1 = write), bit 2 U/S, bit 4 I/D (fetch; reported only with
; PAE+NXE or SMEP, so 0 here); CR2 = the faulting linear address, exactly,
; not page-aligned.  A fault saves the EIP of the faulting instruction.
;
;   test                              expected (FIDELITY.md, QEMU 7.2)
;   read of a not-present page        err 0x0   cr2 0x00300124
;   write to a not-present page       err 0x2   cr2 0x00300458
;   write to a read-only page, WP=1   err 0x3   cr2 0x00301788
;   write to a read-only page, WP=0   no fault; the PTE gets A and D
;   fetch from a not-present page     err 0x0   cr2 0x00302010 (= saved EIP)
;
; The handler prints the error code, CR2 and whether the saved EIP is the
; instruction that faulted, then resumes at the label the test named (for
; the fetch there is nothing to skip: the target itself is unmapped).
; Exit value = failed checks (0).
;
; Physical layout: 0x1000 image, 0x10000 page directory, 0x11000 page
; table 0 (identity 0..4 MiB), 0x80000 top of the stack.

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000
STACK_TOP       equ     0x80000
NP_PAGE         equ     0x00300000      ; PTE not present
RO_PAGE         equ     0x00301000      ; PTE present, R/W = 0
NX_PAGE         equ     0x00302000      ; PTE not present; jumped to
NO_FAULT        equ     0xFFFFFFFF      ; "last_err" when nothing faulted

; fault_begin / fault_end bracket code that must fault once: the handler
; checks the saved EIP against the first instruction after fault_begin and
; resumes at fault_end.
%macro fault_begin 0
        %push fault
        mov     dword [fault_eip], %$insn
        mov     dword [resume_eip], %$after
        mov     dword [last_err], NO_FAULT
%$insn:
%endmacro
%macro fault_end 0
%$after:
        %pop
%endmacro

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32

        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, NP_PAGE, 0
        set_pte PT0, RO_PAGE, PTE(RO_PAGE, PG_P)
        set_pte PT0, NX_PAGE, 0
        enable_paging PD, 0
        mov     eax, cr0
        or      eax, CR0_WP
        mov     cr0, eax

        print   "read  not-present     : "
        fault_begin
        mov     eax, [NP_PAGE + 0x124]
        fault_end
        check   [last_err], 0x0

        print   "write not-present     : "
        fault_begin
        mov     dword [NP_PAGE + 0x458], 1
        fault_end
        check   [last_err], PFERR_W

        print   "write read-only, WP=1 : "
        fault_begin
        mov     dword [RO_PAGE + 0x788], 1
        fault_end
        check   [last_err], PFERR_W | PFERR_P

        ; The protection fault left the PTE alone: no A, no D.
        print   "  pte after the fault  "
        puthex  [PT0 + PTE_INDEX(RO_PAGE) * 4]
        check   [PT0 + PTE_INDEX(RO_PAGE) * 4], RO_PAGE | PG_P
        print   10

        ; CR0.WP=0: supervisor writes ignore R/W.  Reload CR3 as well so
        ; the result cannot depend on what the TLB kept from the fault.
        mov     eax, cr0
        and     eax, ~CR0_WP
        mov     cr0, eax
        mov     eax, cr3
        mov     cr3, eax
        print   "write read-only, WP=0 : "
        mov     dword [fault_eip], .wp0_write   ; in case it does fault
        mov     dword [resume_eip], .wp0_faulted
        mov     dword [last_err], NO_FAULT
.wp0_write:
        mov     dword [RO_PAGE + 0x788], 0x5A5A5A5A
        cmp     dword [last_err], NO_FAULT
        jne     .wp0_faulted                ; the handler printed it
        print   "no fault, read back "
        puthex  [RO_PAGE + 0x788]
        check   [RO_PAGE + 0x788], 0x5A5A5A5A
        print   ", pte "
        puthex  [PT0 + PTE_INDEX(RO_PAGE) * 4]
        check   [PT0 + PTE_INDEX(RO_PAGE) * 4], RO_PAGE | PG_P | PG_A | PG_D
        print   10
.wp0_faulted:
        check   [last_err], NO_FAULT

        ; Fetch: jump into the unmapped page.  The saved EIP is the jump's
        ; target, which is also CR2; the handler sends us to .fetched.
        print   "fetch not-present     : "
        mov     dword [fault_eip], NX_PAGE + 0x10
        mov     dword [resume_eip], .fetched
        mov     dword [last_err], NO_FAULT
        mov     eax, NX_PAGE + 0x10
        jmp     eax
.fetched:
        check   [last_err], 0x0

        exit_failures

; #PF handler.  Stack: error code, EIP, CS, EFLAGS.
pf_handler:
        push    eax
        print   "#PF err="
        puthex  [esp + 4]
        print   " cr2="
        mov     eax, cr2
        puthex  eax
        mov     eax, [esp + 8]              ; saved EIP
        cmp     eax, [fault_eip]
        jne     .odd_eip
        print   " eip=faulting instruction", 10
        jmp     .resume
.odd_eip:
        print   " eip="
        puthex  eax
        print   " (not the faulting instruction)", 10
        inc     dword [hv_failures]
.resume:
        mov     eax, [esp + 4]
        mov     [last_err], eax
        mov     eax, [resume_eip]
        mov     [esp + 8], eax              ; return past the faulting code
        pop     eax
        add     esp, 4                      ; drop the error code
        iretd

        align   4
fault_eip:      dd      0
resume_eip:     dd      0
last_err:       dd      NO_FAULT

        align   8
idt:    times 32 dq 0                       ; vectors 0..31

        hv_library
