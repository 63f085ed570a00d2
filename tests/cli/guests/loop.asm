; loop.asm - never ends: the CLI test stops it with --max-instructions.

        bits    32
        org     0x1000

start:
        inc     eax
        jmp     start
