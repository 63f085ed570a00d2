; page_cross.asm - code that runs on into a page that is not present.
;
; Straight-line code fills the last bytes of page 0x2FF000; page 0x300000
; is not present.  The CPU fetches the next page only when it gets there:
; every instruction before the boundary runs, then the fetch faults with
; CR2 = 0x300000 (SDM Vol 3A §4.7; a fetch fault reads err 0 without
; PAE+NXE or SMEP).  A translator that decodes a block ahead of the CPU
; must not let that fault come early.
;
; Case 1: 256 one-byte `inc ebx` fill 0x2FFF00..0x2FFFFF: EBX = 0x100 at
;         the fault, saved EIP = CR2 = 0x300000.
; Case 2: 254 `inc ebx`, then a 5-byte `mov eax, imm32` at 0x2FFFFE whose
;         last 3 bytes lie on the missing page: EBX = 0xFE, saved EIP =
;         0x2FFFFE (the instruction), CR2 = 0x300000.
; Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000
STACK_TOP       equ     0x80000
EDGE            equ     0x300000        ; the page that is not present
CODE            equ     EDGE - 0x100

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, EDGE, 0
        enable_paging PD, 0

        print   "case 1: 256 x inc ebx up to the edge", 10
        mov     edi, CODE
        mov     ecx, 0x100
        mov     al, 0x43                ; inc ebx
        rep     stosb
        mov     dword [want_ebx], 0x100
        mov     dword [want_eip], EDGE
        mov     dword [resume], case2
        xor     ebx, ebx
        jmp     CODE

case2:
        print   "case 2: a mov straddling the edge", 10
        mov     edi, CODE
        mov     ecx, 0xFE
        mov     al, 0x43
        rep     stosb
        mov     byte [EDGE - 2], 0xB8   ; mov eax, imm32: 2 bytes here,
        mov     byte [EDGE - 1], 0x11   ; 3 on the missing page
        mov     dword [want_ebx], 0xFE
        mov     dword [want_eip], EDGE - 2
        mov     dword [resume], done
        xor     ebx, ebx
        jmp     CODE

done:
        exit_failures

; #PF: [esp] = error code, [esp+4] = saved EIP.
pf_handler:
        print   "  #PF err="
        puthex  [esp]
        print   " cr2="
        mov     eax, cr2
        puthex  eax
        print   " eip="
        puthex  [esp + 4]
        print   " ebx="
        puthex  ebx
        print   10
        check   [esp], 0
        mov     eax, cr2
        check   eax, EDGE
        check   [esp + 4], [want_eip]
        check   ebx, [want_ebx]
        mov     esp, STACK_TOP
        jmp     [resume]

        align   4
want_ebx:       dd      0
want_eip:       dd      0
resume:         dd      0

        align   8
idt:    times 32 dq 0

        hv_library
