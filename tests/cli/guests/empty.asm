; empty.asm - assembles to an image of 0 bytes. Running it would execute
; the zeros of RAM (00 00 is `add [eax], al`) until something stops it, so
; hvlab should refuse it as bad input.
        bits    32
        org     0x1000
