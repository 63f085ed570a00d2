; g_io.asm - port I/O exits, for test_io.c (FIDELITY.md behaviour 9):
;   1..2  IN AL, DX (LSR)                    one non-repeated IN
;   2..3  OUT DX, AL (SCR)                   one non-repeated OUT
;   3..4  REP OUTSB, 16 bytes to SCR         one REP string instruction
;   4..5  OUT DX, AX to THR                  a 16-bit OUT the bus splits
;   5..6  polled print of "polled!\n"        8 bytes through hv_putc
%include "ut.inc"
        guest_header

REP_BYTES       equ     16

start:
        mov     esp, STACK_TOP
        mark    1
        mov     dx, COM1 + UART_LSR
        in      al, dx
        mark    2
        mov     dx, COM1 + 7
        out     dx, al
        mark    3
        mov     esi, bytes
        mov     ecx, REP_BYTES
        mov     dx, COM1 + 7
        cld
        rep outsb
        mark    4
        mov     dx, COM1 + UART_THR
        mov     ax, 0x0041              ; 'A' to THR, then 0 to IER
        out     dx, ax
        mark    5
        puts    polled
        mark    6
        mov     dx, COM1 + UART_IER
        xor     al, al
        out     dx, al
        exit    0

        hv_library
bytes:  times REP_BYTES db 0x5A
polled: db      "polled!", 10, 0
