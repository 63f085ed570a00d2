; g_df.asm - exceptions raised while delivering another one (SDM Vol 3A
; §6.15, interrupt 8, table 6-5; FIDELITY.md "x86 32-bit paging").
;
;   window  first   how its delivery fails             second  result
;   1-2     #PF     IDT entry 14 on a not-present page #PF     #DF (0)
;   3-4     #DE     gate selector 0x18 past the GDT    #GP     #DF (0)
;   5-6     #UD     the same bad selector              #GP     #GP(0x19)
;   7-8     INT 0x40 past the IDT limit                #GP     #GP(0x202)
;   9-10    #DE     (IDT2) gate 0 on a not-present     #PF     #PF, delivered
;                   page
;   11-12   #PF     (IDT2) gate 14's selector bad      #GP     #DF (0)
; #GP error codes (SDM §6.13): 0x18 | EXT for the selector (EXT = 1: the
; fault came while delivering an exception); vector*8 + 2 (IDT bit) for
; the gate, EXT = 0 since INT n is the program's own.
; Log at RES+0x100 + 16*n: vector, error code, saved EIP, CR2; count at
; RES+0xFC.  #DF and #GP handlers restart from [resume] with a fresh stack.
%include "ut.inc"
        guest_header
        dd      pf_insn, de_insn, ud_insn, int_insn, de2_insn, pf2_insn

PD              equ     0x10000
PT0             equ     0x11000
IDT_HOLE        equ     0x20000         ; not present: holds IDT entry 14
IDT_BASE        equ     IDT_HOLE - VEC_PF * 8
NP_DATA         equ     0x00300000
BAD_SELECTOR    equ     0x18
IDT2_HOLE       equ     0x21000         ; not present: holds IDT2 entry 0
IDT2_BASE       equ     0x22000 - 8     ; entries 1.. on page 0x22000

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate IDT_BASE, VEC_DE, never
        mov     word [IDT_BASE + VEC_DE * 8 + 2], BAD_SELECTOR
        set_gate IDT_BASE, VEC_UD, never
        mov     word [IDT_BASE + VEC_UD * 8 + 2], BAD_SELECTOR
        set_gate IDT_BASE, VEC_DF, df_handler
        set_gate IDT_BASE, VEC_GP, gp_handler
        load_idt IDT_BASE, 32
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, IDT_HOLE, 0
        set_pte PT0, NP_DATA, 0
        set_pte PT0, IDT2_HOLE, 0
        set_gate IDT2_BASE, VEC_DF, df_handler
        set_gate IDT2_BASE, VEC_GP, gp_handler
        set_gate IDT2_BASE, VEC_PF, pf_handler
        enable_paging PD, 0

        mark    1
        mov     dword [resume], c2
pf_insn: mov    eax, [NP_DATA]
        jmp     never
c2:     mark    2

        mark    3
        mov     dword [resume], c3
        xor     edx, edx
        xor     eax, eax
        xor     ecx, ecx
de_insn: div    ecx
        jmp     never
c3:     mark    4

        mark    5
        mov     dword [resume], c4
ud_insn: ud2
        jmp     never
c4:     mark    6

        mark    7
        mov     dword [resume], c5
int_insn: int   0x40
        jmp     never
c5:     mark    8

        mark    9
        load_idt IDT2_BASE, 32
        mov     dword [resume], c6
        xor     edx, edx
        xor     eax, eax
        xor     ecx, ecx
de2_insn: div   ecx
        jmp     never
c6:     mark    10

        mark    11
        mov     word [IDT2_BASE + VEC_PF * 8 + 2], BAD_SELECTOR
        mov     dword [resume], c7
pf2_insn: mov   eax, [NP_DATA]
        jmp     never
c7:     mark    12
        exit    0

; log: append vector (arg), error code [esp+4], saved EIP [esp+8], CR2.
; Called first thing in a handler that has an error code.
%macro log 1
        push    eax
        push    ebx
        mov     ebx, [RES + 0xFC]
        shl     ebx, 4
        mov     dword [RES + 0x100 + ebx], %1
        mov     eax, [esp + 8]
        mov     [RES + 0x104 + ebx], eax
        mov     eax, [esp + 12]
        mov     [RES + 0x108 + ebx], eax
        mov     eax, cr2
        mov     [RES + 0x10C + ebx], eax
        inc     dword [RES + 0xFC]
        pop     ebx
        pop     eax
%endmacro

df_handler:                             ; an abort: restart, never return
        log     VEC_DF
        mov     esp, STACK_TOP
        jmp     [resume]
gp_handler:
        log     VEC_GP
        mov     esp, STACK_TOP
        jmp     [resume]
pf_handler:
        log     VEC_PF
        mov     esp, STACK_TOP
        jmp     [resume]
never:  exit    0x7C

        align   4
resume: dd      0
        hv_library
