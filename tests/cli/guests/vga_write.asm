; vga_write.asm - writes to 0xB8000 (the PC's VGA window), which is not RAM
; on hvlab's machine (docs/guest-abi.md, memory map): hvlab must end with
; exit 2 and a message naming the address.

        bits    32
        org     0x1000

start:
        mov     byte [0xB8000], 'A'
        mov     al, 0
        out     0xF4, al
.spin:  jmp     .spin
