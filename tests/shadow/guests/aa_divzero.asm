; aa_divzero.asm - Adams & Agesen "divzero": divide by zero; the #DE
; handler skips the 2-byte DIV.  #DE is not in the exception bitmap (only
; #PF is), so under shadow paging it goes straight to the guest.
%include "aa.inc"
        aa_header

%macro aa_prepare 0
        xor     edi, edi                        ; the divisor
%endmacro
%macro aa_body 0
        xor     edx, edx
        mov     eax, 1
        div     edi                             ; F7 F7: 2 bytes
%endmacro

aa_de:  add     dword [esp], 2                  ; skip the DIV
        iretd
aa_pf:  jmp     aa_pf                           ; never taken
        aa_main
