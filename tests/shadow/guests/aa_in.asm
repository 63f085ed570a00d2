; aa_in.asm - Adams & Agesen "in": read the UART's line status register.
; Shadow: every non-repeated IN is an exit (FIDELITY behaviour 9).
%include "aa.inc"
        aa_header

%macro aa_prepare 0
        mov     dx, COM1 + UART_LSR
%endmacro
%macro aa_body 0
        in      al, dx
%endmacro

aa_de:
aa_pf:  jmp     aa_de                           ; never taken
        aa_main
