; n_cr3loop.asm - a context-switch loop for the shape test: each iteration
; loads CR3 with PD_B, then with PD (two address spaces that map the same
; memory).  The identity map (code, stack) is global, as an OS keeps its
; kernel, so the loads flush nothing the loop uses: what remains is the
; MOV CR3 itself, which exits under shadow paging and not under nested
; paging (FIDELITY behaviour 4).  Frame and measurement: aa.inc.
%include "aa.inc"
        aa_header

PD_B            equ     0x13000

%macro aa_prepare 0
        ; Global identity map (PT0 is live: under shadow these stores
        ; trap or flood; all before bench_begin).  Then PD_B := PD's
        ; first two entries, and CR4.PGE (which flushes everything).
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
        mov     eax, PD
        mov     cr3, eax
%endmacro

aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
