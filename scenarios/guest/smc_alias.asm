; smc_alias.asm - self-modifying code through a second mapping.
;
; The code page at 0x3000 is also mapped at 0x400000. The guest calls the
; routine there, then rewrites the immediate of its `mov eax, imm32`
; through the alias, three times. x86 keeps instruction fetches coherent
; with stores to the same physical page (SDM Vol 3A §8.1.3, self- and
; cross-modifying code; a jump after the store serializes fetching enough
; for the same processor): the fourth call returns 0x11111114. An
; emulator that caches translated code by virtual address must notice the
; store through the other address.
; Exit value = failed checks (0).
        bits 32
        org 0x1000
%include "hvlab.inc"
PD      equ 0x10000
PT0     equ 0x11000
PT1     equ 0x12000
ALIAS   equ 0x00400000
TPAGE   equ 0x3000
start:
        load_flat_gdt
        mov esp, 0x80000
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, ALIAS, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, ALIAS, PTE(TPAGE, PG_P | PG_RW)
        enable_paging PD, 0
        mov ecx, 3
again:
        call target                 ; returns EAX
        push eax
        ; rewrite the immediate of "mov eax, imm32" through the alias
        mov eax, [esp]
        add eax, 1
        mov [ALIAS + 1], eax
        jmp short $+2
        pop eax
        dec ecx
        jnz again
        call target
        print "target returned "
        puthex eax
        print 10
        check eax, 0x11111114
        exit_failures
        times 0x2000-($-$$) db 0x90
target: mov eax, 0x11111111
        ret
        hv_library
