; pv_compare.asm - the same job for an emulated NIC and a paravirtual
; device, for the scenario paravirtual.json (FIDELITY.md "Device
; emulation", behaviour 11):
;   phase_nic  .. nic_done     an NE2000 (DP8390) at 0x300, IRQ 9: init, one
;                              60-byte frame out by remote DMA and transmit,
;                              the interrupt, the frame read back from the
;                              receive ring (the card's wire is a loopback
;                              reflector, docs/devices.md).  Every register
;                              access is a port I/O exit under a hypervisor.
; Then a virtio-console driver over virtio-mmio (virtio spec v1.1 §4.2 MMIO
; transport, §2.6 split virtqueues, §5.3 console):
;   phase_init .. init_done    device initialization (§3.1.1): reset,
;                              ACKNOWLEDGE, DRIVER, features (VERSION_1,
;                              EVENT_IDX), FEATURES_OK, transmitq set-up,
;                              DRIVER_OK
;   init_done  .. batch_done   BUFFERS buffers queued, ONE notify, then
;                              sleep until the used ring has them all: with
;                              EVENT_IDX and used_event = BUFFERS - 1 the
;                              device interrupts once for the batch
;   batch_done .. burst_done   BURST more buffers added one at a time; the
;                              driver kicks only when vring_need_event says
;                              so (§2.6.10): not while the device is busy
; The device sits at GPA 0xFEB01000 (IRQ 11 on the slave 8259A).  Exit
; value = failed checks.

        bits    32
        org     0x1000
%include "hvlab.inc"

VIRTIO          equ     0xFEB01000
V_MAGIC         equ     VIRTIO + 0x000
V_VERSION       equ     VIRTIO + 0x004
V_DEVICE_ID     equ     VIRTIO + 0x008
V_DEV_FEAT      equ     VIRTIO + 0x010
V_DEV_FEAT_SEL  equ     VIRTIO + 0x014
V_DRV_FEAT      equ     VIRTIO + 0x020
V_DRV_FEAT_SEL  equ     VIRTIO + 0x024
V_QUEUE_SEL     equ     VIRTIO + 0x030
V_QUEUE_NUM_MAX equ     VIRTIO + 0x034
V_QUEUE_NUM     equ     VIRTIO + 0x038
V_QUEUE_READY   equ     VIRTIO + 0x044
V_QUEUE_NOTIFY  equ     VIRTIO + 0x050
V_INT_STATUS    equ     VIRTIO + 0x060
V_INT_ACK       equ     VIRTIO + 0x064
V_STATUS        equ     VIRTIO + 0x070
V_DESC_LO       equ     VIRTIO + 0x080
V_DESC_HI       equ     VIRTIO + 0x084
V_AVAIL_LO      equ     VIRTIO + 0x090
V_AVAIL_HI      equ     VIRTIO + 0x094
V_USED_LO       equ     VIRTIO + 0x0A0
V_USED_HI       equ     VIRTIO + 0x0A4

ST_ACKNOWLEDGE  equ     1
ST_DRIVER       equ     2
ST_DRIVER_OK    equ     4
ST_FEATURES_OK  equ     8
F_EVENT_IDX     equ     1 << 29         ; feature bit 29 (in word 0)
F_VERSION_1     equ     1               ; feature bit 32 (bit 0 of word 1)
TRANSMITQ       equ     1               ; §5.3.2: queue 1 is transmitq0
QSIZE           equ     16
BUFFERS         equ     8
BURST           equ     4
IRQ_VIRTIO      equ     11
IRQ_NIC         equ     9

NIC             equ     0x300           ; DP8390 registers, page 0 unless said
N_CR            equ     NIC + 0x00      ; command: STP 1, STA 2, TXP 4, RD 8/16/32, PS 64/128
N_PSTART        equ     NIC + 0x01
N_PSTOP         equ     NIC + 0x02
N_BNRY          equ     NIC + 0x03
N_TPSR          equ     NIC + 0x04
N_TBCR0         equ     NIC + 0x05
N_TBCR1         equ     NIC + 0x06
N_ISR           equ     NIC + 0x07
N_CURR          equ     NIC + 0x07      ; page 1
N_RSAR0         equ     NIC + 0x08
N_RSAR1         equ     NIC + 0x09
N_RBCR0         equ     NIC + 0x0A
N_RBCR1         equ     NIC + 0x0B
N_RCR           equ     NIC + 0x0C
N_TCR           equ     NIC + 0x0D
N_DCR           equ     NIC + 0x0E
N_IMR           equ     NIC + 0x0F
N_DATA          equ     NIC + 0x10
N_RESET         equ     NIC + 0x1F
TX_PAGE         equ     0x40            ; transmit buffer: pages 0x40-0x45
RX_START        equ     0x46            ; receive ring: pages 0x46-0x7F
RX_STOP         equ     0x80
FRAME_LEN       equ     60              ; the Ethernet minimum

; The split ring in guest memory (§2.6: desc 16-byte aligned, avail 2,
; used 4; one page each here).
DESC            equ     0x30000         ; QSIZE x {addr64, len32, flags16, next16}
AVAIL           equ     0x31000         ; flags16, idx16, ring[QSIZE]16, used_event16
USED            equ     0x32000         ; flags16, idx16, ring[QSIZE]{id32,len32}, avail_event16
AVAIL_IDX       equ     AVAIL + 2
AVAIL_RING      equ     AVAIL + 4
USED_EVENT      equ     AVAIL + 4 + 2 * QSIZE
USED_IDX        equ     USED + 2
AVAIL_EVENT     equ     USED + 4 + 8 * QSIZE
IDT_ENTRIES     equ     VEC_IRQ8 + 8

; outp port, value: OUT of a byte to a port (both EQUs).  Clobbers AL, DX.
%macro outp 2
        mov     dx, %1
        mov     al, %2
        out     dx, al
%endmacro

start:
        load_flat_gdt
        set_all_gates idt, IDT_ENTRIES, other_vector
        set_gate idt, VEC_IRQ8 + IRQ_VIRTIO - 8, irq11
        set_gate idt, VEC_IRQ8 + IRQ_NIC - 8, irq9
        load_idt idt, IDT_ENTRIES
        init_pics
        mov     al, ~(1 << 2) & 0xFF    ; master: only the cascade (IR2)
        out     PIC1_DATA, al
        mov     al, ~((1 << (IRQ_VIRTIO - 8)) | (1 << (IRQ_NIC - 8))) & 0xFF
        out     PIC2_DATA, al

; --- the emulated NIC: one frame out and back -------------------------------
phase_nic:
        mov     dx, N_RESET             ; reading the reset port resets the card
        in      al, dx
        out     dx, al
        outp    N_CR, 0x21              ; page 0, stop, abort remote DMA
        outp    N_DCR, 0x48             ; byte-wide DMA, normal operation
        outp    N_RBCR0, 0
        outp    N_RBCR1, 0
        outp    N_RCR, 0x04             ; accept broadcast frames
        outp    N_TCR, 0x00             ; normal transmit
        outp    N_PSTART, RX_START
        outp    N_PSTOP, RX_STOP
        outp    N_BNRY, RX_START
        outp    N_CR, 0x61              ; page 1
        outp    N_CURR, RX_START + 1
        outp    N_CR, 0x21              ; page 0
        outp    N_ISR, 0xFF             ; clear every status bit
        outp    N_IMR, 0x03             ; interrupt on PRX and PTX
        outp    N_CR, 0x22              ; start
nic_init_done:
        ; The frame into the card's memory by remote DMA, then transmit.
        outp    N_RBCR0, FRAME_LEN
        outp    N_RBCR1, 0
        outp    N_RSAR0, 0
        outp    N_RSAR1, TX_PAGE
        outp    N_CR, 0x12              ; remote write, start
        mov     dx, N_DATA
        mov     esi, frame
        mov     ecx, FRAME_LEN
        cld
        rep outsb                       ; one exit for all 60 bytes
        outp    N_TPSR, TX_PAGE
        outp    N_TBCR0, FRAME_LEN
        outp    N_TBCR1, 0
        outp    N_CR, 0x26              ; transmit
.nwait: cli
        cmp     dword [nic_rx], 0
        jne     .nrx
        sti
        hlt
        jmp     .nwait
.nrx:   sti
        ; Read the 4-byte receive header and the frame from the ring.
        outp    N_RBCR0, 4 + FRAME_LEN
        outp    N_RBCR1, 0
        outp    N_RSAR0, 0
        outp    N_RSAR1, RX_START + 1
        outp    N_CR, 0x0A              ; remote read, start
        mov     dx, N_DATA
        mov     edi, rx_frame
        mov     ecx, 4 + FRAME_LEN
        rep insb
        movzx   eax, byte [rx_frame + 1] ; the next page: the new boundary - 1
        dec     eax
        mov     dx, N_BNRY
        out     dx, al
nic_done:
        movzx   eax, byte [rx_frame]
        check   eax, 0x21               ; status: received, broadcast
        movzx   eax, word [rx_frame + 2]
        check   eax, FRAME_LEN + 4      ; length counts the header (QEMU)
        mov     esi, frame
        mov     edi, rx_frame + 4
        mov     ecx, FRAME_LEN
        repe cmpsb
        je      .same
        print   "the frame came back changed", 10
        inc     dword [hv_failures]
.same:
        print   "nic: one frame out and back", 10

phase_init:
        check   [V_MAGIC], 0x74726976   ; "virt"
        check   [V_VERSION], 2
        check   [V_DEVICE_ID], 3        ; console
        mov     dword [V_STATUS], 0     ; reset
        mov     dword [V_STATUS], ST_ACKNOWLEDGE
        mov     dword [V_STATUS], ST_ACKNOWLEDGE | ST_DRIVER
        mov     dword [V_DEV_FEAT_SEL], 0
        mov     eax, [V_DEV_FEAT]
        and     eax, F_EVENT_IDX
        check   eax, F_EVENT_IDX
        mov     dword [V_DRV_FEAT_SEL], 0
        mov     dword [V_DRV_FEAT], F_EVENT_IDX
        mov     dword [V_DRV_FEAT_SEL], 1
        mov     dword [V_DRV_FEAT], F_VERSION_1
        mov     dword [V_STATUS], ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK
        mov     eax, [V_STATUS]
        and     eax, ST_FEATURES_OK
        check   eax, ST_FEATURES_OK
        mov     dword [V_QUEUE_SEL], TRANSMITQ
        mov     eax, [V_QUEUE_NUM_MAX]
        cmp     eax, QSIZE
        jae     .size_ok
        print   "queue too small", 10
        exit    0x7D
.size_ok:
        mov     dword [V_QUEUE_NUM], QSIZE
        mov     dword [V_DESC_LO], DESC
        mov     dword [V_DESC_HI], 0
        mov     dword [V_AVAIL_LO], AVAIL
        mov     dword [V_AVAIL_HI], 0
        mov     dword [V_USED_LO], USED
        mov     dword [V_USED_HI], 0
        mov     dword [V_QUEUE_READY], 1
        mov     dword [V_STATUS], ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK
init_done:

        ; BUFFERS descriptors, one per line of `lines`, all made available
        ; before one notify.  used_event = BUFFERS - 1: interrupt me when
        ; the used index passes the last of them (§2.6.10).
        mov     word [USED_EVENT], BUFFERS - 1
        xor     ebx, ebx                ; descriptor / ring slot
.fill:  mov     esi, ebx
        shl     esi, 4                  ; 16 bytes a descriptor
        mov     eax, ebx
        imul    eax, LINE_LEN
        add     eax, lines
        mov     [DESC + esi], eax       ; addr (low)
        mov     dword [DESC + esi + 4], 0
        mov     dword [DESC + esi + 8], LINE_LEN
        mov     word [DESC + esi + 12], 0 ; flags: one readable buffer
        mov     word [DESC + esi + 14], 0
        mov     [AVAIL_RING + ebx * 2], bx
        inc     ebx
        cmp     ebx, BUFFERS
        jb      .fill
        mov     word [AVAIL_IDX], BUFFERS  ; publish all at once
        mov     dword [V_QUEUE_NOTIFY], TRANSMITQ ; the one kick
.wait:  cli
        cmp     word [USED_IDX], BUFFERS
        jae     .batched
        sti
        hlt
        jmp     .wait
.batched:
        sti
batch_done:
        cli
        mov     eax, [interrupts]
        mov     [batch_interrupts], eax

        ; A burst: BURST more buffers one at a time, each published at
        ; once; kick only if vring_need_event(avail_event, new, old):
        ; (u16)(new - avail_event - 1) < (u16)(new - old).
        mov     word [USED_EVENT], BUFFERS + BURST - 1
        mov     ebx, BUFFERS
.one:   mov     esi, ebx
        shl     esi, 4
        mov     eax, ebx
        imul    eax, LINE_LEN
        add     eax, lines
        mov     [DESC + esi], eax
        mov     dword [DESC + esi + 4], 0
        mov     dword [DESC + esi + 8], LINE_LEN
        mov     dword [DESC + esi + 12], 0
        mov     [AVAIL_RING + ebx * 2], bx
        lea     ecx, [ebx + 1]          ; new idx
        mov     [AVAIL_IDX], cx
        movzx   eax, word [AVAIL_EVENT]
        mov     edx, ecx
        sub     edx, eax
        dec     edx
        and     edx, 0xFFFF             ; new - avail_event - 1
        cmp     edx, 1                  ; new - old = 1
        jae     .no_kick
        mov     dword [V_QUEUE_NOTIFY], TRANSMITQ
        inc     dword [kicks]
.no_kick:
        inc     ebx
        cmp     ebx, BUFFERS + BURST
        jb      .one
.wait2: cli
        cmp     word [USED_IDX], BUFFERS + BURST
        jae     .done2
        sti
        hlt
        jmp     .wait2
.done2:
burst_done:
        print   "batch interrupts: "
        puthex  [batch_interrupts], 2
        print   ", burst kicks: "
        puthex  [kicks], 2
        print   10
        exit_failures

irq9:
        push    eax
        push    edx
        mov     dx, N_ISR
        in      al, dx
        out     dx, al                  ; writing 1s clears them
        test    al, 0x01
        jz      .eoi
        mov     dword [nic_rx], 1
.eoi:   mov     al, PIC_EOI
        out     PIC2_CMD, al
        out     PIC1_CMD, al
        pop     edx
        pop     eax
        iret

irq11:
        push    eax
        inc     dword [interrupts]
        mov     eax, [V_INT_STATUS]
        mov     [V_INT_ACK], eax
        mov     al, PIC_EOI
        out     PIC2_CMD, al            ; the slave first, then the master's
        out     PIC1_CMD, al            ; cascade line (8259A datasheet)
        pop     eax
        iret

other_vector:
        print   "unexpected vector", 10
        exit    0x7E

        hv_library

frame:          db      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF  ; broadcast
                db      0x52, 0x54, 0x00, 0x12, 0x34, 0x56  ; from us
                db      0x88, 0xB5                          ; local experimental
                db      "hello over the wire"
                times   FRAME_LEN - ($ - frame) db 0x2E
nic_rx:         dd      0
rx_frame:       times   4 + FRAME_LEN db 0

LINE_LEN        equ     8
lines:          db      "line 0", 13, 10, "line 1", 13, 10, "line 2", 13, 10
                db      "line 3", 13, 10, "line 4", 13, 10, "line 5", 13, 10
                db      "line 6", 13, 10, "line 7", 13, 10, "burst 8", 10
                db      "burst 9", 10, "burst A", 10, "burst B", 10
        align   4
interrupts:     dd      0
batch_interrupts: dd    0
kicks:          dd      0
        align   8
idt:            times IDT_ENTRIES dq 0
