; g_virtio_batch.asm - a virtio-console batch of BUFFERS buffers with
; EVENT_IDX and used_event = BUFFERS - 1, the CPU halted until the one
; interrupt (virtio 1.1 §2.6.10), for test_irq.c: the device completes
; BUFFERS - 1 buffers without interrupting, and the halted CPU must still
; be woken by the last.  RES: +0 used.idx seen, +4 interrupts.
%include "ut.inc"
        guest_header

VIRTIO          equ     0xFEB01000
BUFFERS         equ     32
QSIZE           equ     64
DESC            equ     0x30000
AVAIL           equ     0x31000
USED            equ     0x32000

%macro vreg 2
        mov     dword [VIRTIO + %1], %2
%endmacro

start:
        mov     esp, STACK_TOP
        load_flat_gdt
        set_gate idt, VEC_IRQ8 + 3, irq11
        load_idt idt, VEC_IRQ8 + 8
        init_pics
        mov     al, 0xFB                ; master: the cascade only
        out     PIC1_DATA, al
        mov     al, 0xF7                ; slave: IRQ 11
        out     PIC2_DATA, al
        vreg    0x070, 0                ; reset, then the §3.1.1 steps
        vreg    0x070, 3
        vreg    0x024, 0
        vreg    0x020, 1 << 29          ; EVENT_IDX
        vreg    0x024, 1
        vreg    0x020, 1                ; VERSION_1
        vreg    0x070, 11
        vreg    0x030, 1                ; transmitq
        vreg    0x038, QSIZE
        vreg    0x080, DESC
        vreg    0x090, AVAIL
        vreg    0x0A0, USED
        vreg    0x044, 1
        vreg    0x070, 15
        mov     word [AVAIL + 4 + 2 * QSIZE], BUFFERS - 1 ; used_event
        xor     ebx, ebx
.fill:  mov     esi, ebx
        shl     esi, 4
        mov     dword [DESC + esi], byte_x
        mov     dword [DESC + esi + 8], 1
        mov     [AVAIL + 4 + ebx * 2], bx
        inc     ebx
        cmp     ebx, BUFFERS
        jb      .fill
        mov     word [AVAIL + 2], BUFFERS
        vreg    0x050, 1                ; one kick
.wait:  cli
        cmp     word [USED + 2], BUFFERS
        jae     .done
        sti
        hlt
        jmp     .wait
.done:  movzx   eax, word [USED + 2]
        mov     [RES], eax
        mov     eax, [irqs]
        mov     [RES + 4], eax
        exit    0

irq11:  push    eax
        inc     dword [irqs]
        mov     eax, [VIRTIO + 0x060]
        mov     [VIRTIO + 0x064], eax
        mov     al, PIC_EOI
        out     PIC2_CMD, al
        out     PIC1_CMD, al
        pop     eax
        iret

        hv_library
byte_x: db      "x"
        align   4
irqs:   dd      0
        align   8
idt:    times VEC_IRQ8 + 8 dq 0
