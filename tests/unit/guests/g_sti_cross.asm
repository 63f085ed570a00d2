; g_sti_cross.asm - STI's shadow over an instruction that crosses into a
; page not fetched yet (the engine then runs that instruction's code hook
; twice), for test_irq.c.  IRQ 0 is pending with IF = 0; `sti` at 0x1FFC
; is followed by a MOV that runs from 0x1FFD to 0x2006.  SDM Vol 3A §6.8.3:
; the MOV runs before the interrupt, so the handler sees flag = 1.
; RES: +0 the flag the handler saw.  (From the review of issue 8.)
%include "ut.inc"
        guest_header

FLAG            equ     0x9100

start:
        mov     esp, STACK_TOP
        load_flat_gdt
        set_gate idt, VEC_IRQ0, irq0
        load_idt idt, VEC_IRQ8
        init_pics
        pit_periodic 1000
        mov     al, 0xFE
        out     PIC1_DATA, al
        mov     dword [FLAG], 0
        mov     dword [RES], 0xF
.poll:  mov     al, PIC_READ_IRR
        out     PIC1_CMD, al
        in      al, PIC1_CMD
        test    al, 1
        jz      .poll
        jmp     crit

irq0:   mov     eax, [FLAG]
        mov     [RES], eax
        mov     al, PIC_EOI
        out     PIC1_CMD, al
        mov     al, 0xFF
        out     PIC1_DATA, al
        iret

after:  cli
        exit    0

        hv_library
        align   8
idt:    times VEC_IRQ8 dq 0
        times   0xFFC - ($ - $$) db 0xCC
crit:   sti                             ; at 0x1FFC
        mov     dword [FLAG], 1         ; 0x1FFD .. 0x2006: crosses a page
        jmp     after
