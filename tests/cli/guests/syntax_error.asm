; syntax_error.asm - line 6 is not an instruction: hvlab must refuse the
; guest (exit 2) with one line naming this file and line 6.
        bits    32
        org     0x1000
start:  mov     eax, 1
        this is not an instruction
        hlt
