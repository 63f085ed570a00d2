; exit42.asm - prints "hi" on COM1 and ends through the exit port with 42.
;
; The CLI test checks that hvlab's own status is 0 (the guest ended by
; itself) while the JSON report's exit_status is the value the guest wrote
; to port 0xF4. Self-contained: no include file, no GDT (none is needed to
; do port I/O from the entry state, docs/guest-abi.md).

        bits    32
        org     0x1000

start:
        mov     esi, msg
.next:  mov     bl, [esi]
        test    bl, bl
        jz      .done
        mov     dx, 0x3FD               ; COM1 LSR
.wait:  in      al, dx
        test    al, 0x20                ; THRE
        jz      .wait
        mov     dx, 0x3F8               ; COM1 THR
        mov     al, bl
        out     dx, al
        inc     esi
        jmp     .next
.done:  mov     al, 42
        out     0xF4, al
.spin:  jmp     .spin                   ; not reached on hvlab

msg:    db      "hi", 10, 0
