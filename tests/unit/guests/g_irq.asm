; g_irq.asm - timer interrupts arriving three ways, for test_irq.c:
;   1..2  sti; hlt          the tick wakes a halted CPU
;   2..3  spin with IF = 1  the tick comes while the guest runs
;   3..4  IF = 0 until IRR shows the request, then `sti; mov [flag], 1`:
;         the interrupt waits for the instruction after STI (SDM Vol 3A
;         §6.8.3), so the handler sees flag = 1 and returns to after_mov
; RES: +0 ticks, +4 flag seen by the last handler run, +8 the EIP it
; interrupted, +12 the vector it ran for.
%include "ut.inc"
        guest_header
        dd      after_mov               ; INFO + 0

PIT_COUNT       equ     1000            ; ~838 us of modelled time at 1 GHz

start:
        mov     esp, STACK_TOP
        load_flat_gdt
        mov     ecx, 0
.gates: set_gate idt, ecx, bad_vector
        inc     ecx
        cmp     ecx, VEC_IRQ8
        jb      .gates
        set_gate idt, VEC_IRQ0, irq0
        load_idt idt, VEC_IRQ8
        init_pics
        pit_periodic PIT_COUNT
        mov     al, 0xFE
        out     PIC1_DATA, al

        mark    1
        sti
        hlt
        cli
        mark    2
        sti
.spin:  cmp     dword [RES], 2
        jb      .spin
        cli
        mark    3
.poll:  mov     al, PIC_READ_IRR
        out     PIC1_CMD, al
        in      al, PIC1_CMD
        test    al, 1
        jz      .poll
        mov     dword [flag], 0
        sti
        mov     dword [flag], 1
after_mov:
        nop
        cli
        mark    4
        exit    0

irq0:
        push    eax
        inc     dword [RES]
        mov     eax, [flag]
        mov     [RES + 4], eax
        mov     eax, [esp + 4]          ; the saved EIP
        mov     [RES + 8], eax
        mov     dword [RES + 12], VEC_IRQ0
        mov     al, PIC_EOI
        out     PIC1_CMD, al
        pop     eax
        iret

bad_vector:
        exit    0x7E

        hv_library
        align   4
flag:   dd      0
        align   8
idt:    times VEC_IRQ8 dq 0
