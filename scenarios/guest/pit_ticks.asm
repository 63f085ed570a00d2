; pit_ticks.asm - the timer interrupt: the 8254's channel 0 on IRQ 0
; through the master 8259A, counted by the guest's own handler.
;
; The guest programs both 8259As the PC way (init_pics: IRQ 0 at vector
; 0x20), channel 0 as a rate generator (mode 2) at 100 Hz, unmasks IRQ 0
; only, and waits with `sti; hlt` until its handler has counted TICKS
; interrupts.  STI holds interrupts off until the instruction after it has
; run (SDM Vol 3A §6.8.3), so the interrupt wakes the HLT rather than
; slipping in before it; the saved EIP is the instruction after the HLT.
;
; The handler reads the master's ISR (OCW3 0x0B): IRQ 0 in service, bit 0
; (8259A datasheet, "In-Service Register"); after the non-specific EOI
; the ISR is empty again.  Ticks are printed, not timed: on QEMU they come
; from the host's clock, on hvlab from modelled time, and the count is the
; same.  Expected console:
;   ticks: 0a
;   ISR in handler: 01
;   ISR after EOI: 00
;   vector: 20
; exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

TICKS           equ     10
PIT_COUNT       equ     11932           ; PIT_HZ / 100: a 100 Hz tick
IDT_ENTRIES     equ     VEC_IRQ8

start:
        load_flat_gdt
        set_all_gates idt, IDT_ENTRIES, other_vector
        set_gate idt, VEC_IRQ0, irq0
        load_idt idt, IDT_ENTRIES
        init_pics
        pit_periodic PIT_COUNT
        mov     al, 0xFE                ; OCW1: only IRQ 0 unmasked
        out     PIC1_DATA, al

.wait:  sti
        hlt                             ; in STI's shadow: no interrupt before it
        cli
        cmp     dword [ticks], TICKS
        jb      .wait

        mov     al, 0xFF                ; mask IRQ 0 again
        out     PIC1_DATA, al
        print   "ticks: "
        puthex  [ticks], 2
        check   [ticks], TICKS
        print   10, "ISR in handler: "
        puthex  [isr_seen], 2
        check   [isr_seen], 1
        mov     al, PIC_READ_ISR
        out     PIC1_CMD, al
        in      al, PIC1_CMD
        movzx   eax, al
        print   10, "ISR after EOI: "
        puthex  eax, 2
        check   eax, 0
        print   10, "vector: "
        puthex  [vector_seen], 2
        check   [vector_seen], VEC_IRQ0
        print   10
        exit_failures

irq0:
        push    eax
        mov     dword [vector_seen], VEC_IRQ0
        mov     al, PIC_READ_ISR
        out     PIC1_CMD, al
        in      al, PIC1_CMD
        movzx   eax, al
        mov     [isr_seen], eax
        inc     dword [ticks]
        mov     al, PIC_EOI
        out     PIC1_CMD, al
        pop     eax
        iret

other_vector:                           ; an exception or a stray vector
        print   "unexpected vector", 10
        exit    0x7E

        hv_library

        align   4
ticks:          dd      0
isr_seen:       dd      0xFF
vector_seen:    dd      0
        align   8
idt:            times IDT_ENTRIES dq 0
