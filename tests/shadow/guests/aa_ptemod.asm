; aa_ptemod.asm - Adams & Agesen "ptemod": modify a PTE of a live page
; table, then INVLPG it.  Native: a store and an INVLPG.  Shadow: the
; store hits a write-protected guest table (an exit), the INVLPG exits.
%include "aa.inc"
        aa_header

%macro aa_prepare 0
        mov     esi, PTE(FRAME_A, PG_P | PG_RW)
%endmacro
%macro aa_body 0
        xor     esi, FRAME_A ^ FRAME_B          ; FRAME_A <-> FRAME_B
        mov     [PTE_X], esi
        invlpg  [VA_X]
%endmacro

aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
