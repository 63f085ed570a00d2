; n_cr3touch.asm - the context-switch loop of n_cr3loop.asm, but each
; address space then touches a page that is not global (VA_X, through
; PT1), as a process does after a switch: each load of CR3 now costs a TLB
; miss, whose walk is two references natively and fourteen under 4-level
; EPT (FIDELITY behaviour 2).  Frame and measurement: aa.inc.
%include "aa.inc"
        aa_header

PD_B            equ     0x13000

%macro aa_prepare 0
        fill_entries PT0, PTE(0, PG_P | PG_RW | PG_G), ENTRIES, PAGE_SIZE
        mov     eax, [PD]
        mov     [PD_B], eax
        mov     eax, [PD + 4]
        mov     [PD_B + 4], eax
        mov     eax, cr4
        or      eax, CR4_PGE
        mov     cr4, eax
%endmacro
%macro aa_body 0
        mov     eax, PD_B
        mov     cr3, eax
        mov     eax, [VA_X]
        mov     eax, PD
        mov     cr3, eax
        mov     eax, [VA_X]
%endmacro

aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
