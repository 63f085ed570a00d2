; ad_bits.asm - watch the page walker set Accessed and Dirty bits.
;
; SDM Vol 3A §4.8: the walker sets A in every paging-structure entry it
; uses, and D in the entry that maps the page (the PTE, or the PDE of a
; 4 MiB page) on a write; a PDE that points to a table has no D.  When the
; walk stops at a not-present PTE, the PDE (used) gets A and the PTE (not
; used to translate) is left as it was (FIDELITY.md, "Observed on QEMU").
;
; The test pages live under PDE 1 (VA 4 MiB .. 8 MiB), which only the
; accesses below touch, so their entries start clean and change only
; because of them.  Expected entries (PT1 at 0x12000):
;
;   step                       PDE 1       PTE
;   after set-up               00012003    00050003
;   read 0x00400000            00012023    00050023   A on both
;   write 0x00400000           00012023    00050063   D on the PTE only
;   write 0x00401000 (fresh)   00012023    00051063   A and D at once
;   read 0x00402000, PTE P=0   00012023    00052002   #PF; PDE A set again
;                                                     after we cleared it,
;                                                     PTE untouched
;   4 MiB page, PDE 3, read    000000a3               A on the leaf PDE
;                    ... write 000000e3               D on the leaf PDE
;
; Each access comes after the entries are (re)written and, where a bit was
; cleared by hand, after a CR3 reload: nothing depends on what the TLB or
; the paging-structure caches kept.  Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000         ; identity 0 .. 4 MiB
PT1             equ     0x12000         ; the test pages
STACK_TOP       equ     0x80000
VA_RW           equ     0x00400000      ; -> frame 0x50000, read then written
VA_WO           equ     0x00401000      ; -> frame 0x51000, written first
VA_NP           equ     0x00402000      ; not present (other bits kept)
VA_BIG          equ     0x00C00000      ; 4 MiB page over physical 0 (PDE 3)

PDE1            equ     PD + PDE_INDEX(VA_RW) * 4
PDE3            equ     PD + PDE_INDEX(VA_BIG) * 4
%define PTE_OF(va)      (PT1 + PTE_INDEX(va) * 4)

; show_entry "label", address, expected: print "label=XXXXXXXX" and check.
%macro show_entry 3
        print   %1
        puthex  [%2]
        check   [%2], %3
%endmacro

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32

        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_RW, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_RW, PTE(0x50000, PG_P | PG_RW)
        set_pte PT1, VA_WO, PTE(0x51000, PG_P | PG_RW)
        ; P=0: the CPU ignores the other bits, the OS may keep anything
        ; there.  Keep a frame and R/W to show they stay untouched.
        set_pte PT1, VA_NP, PTE(0x52000, PG_RW)
        set_pde PD, VA_BIG, PDE_LARGE(0, PG_P | PG_RW)
        enable_paging PD, CR4_PSE

        print   "set-up       : "
        show_entry "pde1=", PDE1, 0x00012003
        show_entry " pte=", PTE_OF(VA_RW), 0x00050003
        print   10

        print   "read  400000 : "
        mov     eax, [VA_RW]
        show_entry "pde1=", PDE1, 0x00012023
        show_entry " pte=", PTE_OF(VA_RW), 0x00050023
        print   10

        print   "write 400000 : "
        mov     dword [VA_RW], 1
        show_entry "pde1=", PDE1, 0x00012023
        show_entry " pte=", PTE_OF(VA_RW), 0x00050063
        print   10

        print   "write 401000 : "
        mov     dword [VA_WO], 1
        show_entry "pde1=", PDE1, 0x00012023
        show_entry " pte=", PTE_OF(VA_WO), 0x00051063
        print   10

        ; Clear the PDE's A by hand, drop cached translations, then walk
        ; into the not-present PTE.
        and     dword [PDE1], ~PG_A
        mov     eax, cr3
        mov     cr3, eax
        print   "clear pde1.A : "
        show_entry "pde1=", PDE1, 0x00012003
        print   10
        print   "read  402000 : "
        mov     dword [resume_eip], .np_done
        mov     eax, [VA_NP]
.np_done:
        show_entry "pde1=", PDE1, 0x00012023
        show_entry " pte=", PTE_OF(VA_NP), 0x00052002
        print   10

        print   "read  c50000 : "
        mov     eax, [VA_BIG + 0x50000]
        show_entry "pde3=", PDE3, 0x000000a3
        print   10
        print   "write c50000 : "
        mov     dword [VA_BIG + 0x50000], 2
        show_entry "pde3=", PDE3, 0x000000e3
        print   10

        check   [pf_count], 1
        exit_failures

; #PF handler: print, count, resume at [resume_eip].
pf_handler:
        push    eax
        print   "#PF err="
        puthex  [esp + 4]
        print   " cr2="
        mov     eax, cr2
        puthex  eax
        check   eax, VA_NP
        print   10, "               "
        inc     dword [pf_count]
        mov     eax, [resume_eip]
        mov     [esp + 8], eax
        pop     eax
        add     esp, 4
        iretd

        align   4
resume_eip:     dd      0
pf_count:       dd      0

        align   8
idt:    times 32 dq 0

        hv_library
