; uart_irq.asm - an interrupt-driven UART transmitter: the 16550's THR
; empty interrupt on IRQ 4 through the master 8259A.
;
; Turning IER.ETBEI on while THR is empty raises the THR-empty interrupt
; at once (16550 datasheet, IIR; QEMU does the same).  Each interrupt the
; handler reads IIR (which clears a THR-empty source it reports), writes
; the next byte to THR and sends EOI.  Writing THR empties it again, so
; the interrupt comes back for the next byte; after the last byte the
; handler turns ETBEI off.  Between interrupts the guest sleeps in HLT.
; Expected console:
;   sent by interrupts
;   interrupts: 14
; (19 bytes and the interrupt that finds nothing left: 20 = 0x14), exit 0.

        bits    32
        org     0x1000
%include "hvlab.inc"

IDT_ENTRIES     equ     VEC_IRQ8

start:
        load_flat_gdt
        set_all_gates idt, IDT_ENTRIES, other_vector
        set_gate idt, VEC_IRQ0 + IRQ_UART, irq4
        load_idt idt, IDT_ENTRIES
        init_pics
        mov     al, ~(1 << IRQ_UART)    ; OCW1: only IRQ 4 unmasked
        out     PIC1_DATA, al

        mov     dword [next], message
        mov     dx, COM1 + UART_IER
        mov     al, UART_IER_ETBEI      ; THR is empty: the interrupt comes now
        out     dx, al
.wait:  sti
        hlt
        cli
        cmp     dword [done], 0
        je      .wait

        mov     al, 0xFF
        out     PIC1_DATA, al
        print   "interrupts: "
        puthex  [count], 2
        check   [count], message_len + 1
        print   10
        exit_failures

irq4:
        pushad
        inc     dword [count]
        mov     dx, COM1 + UART_IIR
        in      al, dx
        and     al, UART_IIR_ID
        cmp     al, UART_IIR_THRI
        jne     .eoi                    ; not ours (not expected here)
        mov     esi, [next]
        cmp     esi, message_end
        je      .last
        mov     al, [esi]
        inc     dword [next]
        mov     dx, COM1 + UART_THR
        out     dx, al
        jmp     .eoi
.last:  mov     dx, COM1 + UART_IER
        xor     al, al                  ; nothing left: no more THR interrupts
        out     dx, al
        mov     dword [done], 1
.eoi:   mov     al, PIC_EOI
        out     PIC1_CMD, al
        popad
        iret

other_vector:                           ; an exception or a stray vector
        print   "unexpected vector", 10
        exit    0x7E

        hv_library

message:        db      "sent by interrupts", 10
message_end:
message_len     equ     message_end - message
        align   4
next:           dd      0
count:          dd      0
done:           dd      0
        align   8
idt:            times IDT_ENTRIES dq 0
