; io_compare.asm - one message sent three ways, then input received by
; interrupts, for the scenario io-polling-vs-interrupts.json:
;   phase_polled .. polled_done   polled: LSR until THRE, then THR
;   polled_done  .. irq_done      interrupt-driven: the THR-empty interrupt
;                                 on IRQ 4 sends each next byte; the CPU
;                                 sleeps in HLT in between
;   irq_done     .. mmio_done     through the lesson MMIO device's TX
;                                 register (one store per byte)
;   mmio_done    .. rx_done       RX_BYTES bytes typed on the console
;                                 (the scenario's "input") arrive by the
;                                 received-data interrupt and are echoed
; With the scenario's uart_line_timing each byte takes its frame time on
; the line (9600 baud: about 1 ms), which the polled loop spends reading
; LSR and the interrupt-driven one spends asleep.

        bits    32
        org     0x1000
%include "hvlab.inc"

IDT_ENTRIES     equ     VEC_IRQ8
MMIO_TX         equ     0xFEB0000C      ; mmio_test's TX register (docs/devices.md)
RX_BYTES        equ     3

start:
        load_flat_gdt
        set_all_gates idt, IDT_ENTRIES, other_vector
        set_gate idt, VEC_IRQ0 + IRQ_UART, irq4
        load_idt idt, IDT_ENTRIES
        init_pics
        mov     al, ~(1 << IRQ_UART) & 0xFF
        out     PIC1_DATA, al
        ; 9600 baud (divisor 12), 8 data bits, no parity, 1 stop bit: a
        ; byte is 10 bits on the line (the power-on LCR 00 would send 5).
        mov     dx, COM1 + UART_LCR
        mov     al, 0x83                ; DLAB = 1, 8N1
        out     dx, al
        mov     dx, COM1                ; DLL
        mov     al, 12
        out     dx, al
        mov     dx, COM1 + UART_IER     ; DLM
        xor     al, al
        out     dx, al
        mov     dx, COM1 + UART_LCR
        mov     al, 0x03                ; DLAB = 0, 8N1
        out     dx, al

phase_polled:
        puts    message
polled_done:
        mov     dword [next], message
        mov     dx, COM1 + UART_IER
        mov     al, UART_IER_ETBEI      ; THR is empty: the first interrupt now
        out     dx, al
.wait:  sti
        hlt
        cli
        cmp     dword [sent_all], 0
        je      .wait
irq_done:
        mov     esi, message
.mmio:  mov     al, [esi]
        test    al, al
        jz      mmio_done
        mov     [MMIO_TX], al
        inc     esi
        jmp     .mmio
mmio_done:
        mov     dx, COM1 + UART_IER
        mov     al, UART_IER_ERBFI      ; a byte waiting in RBR interrupts now
        out     dx, al
.rx:    cmp     dword [received], RX_BYTES
        jae     .got
        sti
        hlt
        cli
        jmp     .rx
.got:   xor     al, al
        out     dx, al                  ; IER = 0: no more interrupts
        print   "got: "
        puts    rx_buffer
rx_done:
        exit    0

irq4:
        pushad
        mov     dx, COM1 + UART_IIR
        in      al, dx
        and     al, UART_IIR_ID
        cmp     al, UART_IIR_THRI
        je      .tx
        cmp     al, UART_IIR_RDI
        jne     .eoi
        mov     dx, COM1 + UART_THR     ; RBR: reading it clears the source
        in      al, dx
        mov     ebx, [received]
        cmp     ebx, RX_BYTES
        jae     .eoi                    ; more than asked for: dropped
        mov     [rx_buffer + ebx], al
        inc     dword [received]
        jmp     .eoi
.tx:    mov     esi, [next]
        mov     al, [esi]
        test    al, al
        jz      .last
        inc     dword [next]
        mov     dx, COM1 + UART_THR
        out     dx, al
        jmp     .eoi
.last:  mov     dx, COM1 + UART_IER
        xor     al, al
        out     dx, al
        mov     dword [sent_all], 1
.eoi:   mov     al, PIC_EOI
        out     PIC1_CMD, al
        popad
        iret

other_vector:
        print   "unexpected vector", 10
        exit    0x7E

        hv_library

message:        db      "virtualized I/O", 10, 0
        align   4
next:           dd      0
sent_all:       dd      0
received:       dd      0
rx_buffer:      times RX_BYTES + 1 db 0
        align   8
idt:            times IDT_ENTRIES dq 0
