; aa_callret.asm - Adams & Agesen "call/ret": a call to a function that
; returns at once.  Neither mode takes an exit for it.
%include "aa.inc"
        aa_header

%macro aa_prepare 0
%endmacro
%macro aa_body 0
        call    aa_leaf
%endmacro

aa_leaf:
        ret
aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
