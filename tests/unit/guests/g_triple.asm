; g_triple.asm - a fault while delivering #DF is a triple fault: the
; processor shuts down (SDM Vol 3A §6.15, interrupt 8).  INFO+0 (patched
; by the test) picks the case:
;   0  ESP just above a not-present page; a read of a not-present page:
;      #PF, its push faults (#PF: #DF), the #DF push faults: shutdown
;   1  #DE whose gate selector is bad: #GP, so #DF; the #DF gate has the
;      same bad selector: #GP while delivering #DF: shutdown
; No handler ever runs and the exit port is never written.
%include "ut.inc"
        guest_header
        dd      0                       ; INFO+0: the case
        dd      f0, f1                  ; INFO+4: the faulting instructions

PD              equ     0x10000
PT0             equ     0x11000
NP_DATA         equ     0x00300000
NP_STACK        equ     0x00301000
BAD_SELECTOR    equ     0x18

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_DE, handler
        set_gate idt, VEC_PF, handler
        set_gate idt, VEC_DF, handler
        set_gate idt, VEC_GP, handler
        load_idt idt, 32
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, NP_DATA, 0
        set_pte PT0, NP_STACK, 0
        enable_paging PD, 0
        cmp     dword [INFO], 1
        je      case1

        mov     esp, NP_STACK + PAGE_SIZE
f0:     mov     eax, [NP_DATA]
        exit    0x7B

case1:  mov     word [idt + VEC_DE * 8 + 2], BAD_SELECTOR
        mov     word [idt + VEC_DF * 8 + 2], BAD_SELECTOR
        xor     edx, edx
        xor     eax, eax
        xor     ecx, ecx
f1:     div     ecx
        exit    0x7B

handler:
        mov     esp, STACK_TOP
        exit    0x7A

        align   8
idt:    times 32 dq 0
        hv_library
