; hole.asm - touches the PC hole at 0xB8000, which is not RAM in hvlab
; (docs/guest-abi.md): the VM ends with bad_access, which is bad input.
        bits    32
        org     0x1000
start:
        nop
poke:
        mov     dword [0xB8000], 0x0741
        hlt
