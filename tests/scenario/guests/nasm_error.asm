; nasm_error.asm - a guest NASM refuses (tests/scenario/bad/nasm_error.json).
        bits    32
        org     0x1000
start:
        mov     eax, [ebx + ecx * 3]    ; no scale of 3 on x86
        hlt
