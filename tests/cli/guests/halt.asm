; halt.asm - ends with HLT while interrupts are off: exit_reason "halt",
; exit_status null, and hvlab exits 0 (the guest ended by itself).

        bits    32
        org     0x1000

start:
        cli
        hlt
