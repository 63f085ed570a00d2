; n_sweep.asm - TLB-miss-heavy work for the shape test: each iteration
; reads one dword from each of SWEEP_PAGES pages (VA_X and up, through
; PT1, frames FRAME_A and up).  With a TLB smaller than the sweep (the C
; test configures 16 entries, 4 ways) every read misses: natively and
; under warm shadow paging a miss walks two levels, under nested paging
; it walks both dimensions (14 references on 4-level EPT), with no exit
; in either hypervisor mode once warm.  Frame and measurement: aa.inc.
%include "aa.inc"
        aa_header

SWEEP_PAGES     equ     64

%macro aa_prepare 0
        ; PT1[i] := FRAME_A + i pages (PT1 is live: under shadow these
        ; stores trap or flood; all before bench_begin).
        fill_entries PT1, PTE(FRAME_A, PG_P | PG_RW), SWEEP_PAGES, PAGE_SIZE
        invlpg  [VA_X]
%endmacro
%macro aa_body 0
        mov     esi, VA_X
        mov     edi, SWEEP_PAGES
%%next: mov     eax, [esi]
        add     esi, PAGE_SIZE
        dec     edi
        jnz     %%next
%endmacro

aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
