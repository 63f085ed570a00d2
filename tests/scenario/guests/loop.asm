; loop.asm - counts in a loop and never ends (the instruction limit does).
        bits    32
        org     0x1000
start:
        xor     ecx, ecx
again:
        inc     ecx
        jmp     again
