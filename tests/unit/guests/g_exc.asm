; g_exc.asm - #DE, #BP, #UD, #GP and INT 0x30, each REPEAT times in a row,
; each handler returning with IRETD (SDM Vol 3A §6.5, table 6-1: #DE, #UD
; and #GP are faults, the saved EIP is the instruction; #BP and INT n are
; traps, the saved EIP is the next instruction).  None may turn into #DF.
; No paging.  Log at RES+0x100 + 16*n: vector, error code (0 where the CPU
; pushes none), saved EIP, ESP in the handler; count at RES+0xFC; ESP at
; the start in RES+0xF8 and at the end in RES+0xF4.
%include "ut.inc"
        guest_header
        dd      de_insn, bp_insn, bp_next, ud_insn, gp_insn, int_insn, int_next

REPEAT          equ     5
VEC_SOFT        equ     0x30
BAD_SELECTOR    equ     0x18            ; GDT limit 23: index 3 is outside

%macro stub 1
isr_%1: push    dword 0
        push    dword %1
        jmp     isr_common
%endmacro
%macro stub_err 1
isr_%1: push    dword %1
        jmp     isr_common
%endmacro

start:
        load_flat_gdt
        mov     [RES + 0xF8], esp
        set_gate idt, VEC_DE, isr_0
        set_gate idt, VEC_BP, isr_3
        set_gate idt, VEC_UD, isr_6
        set_gate idt, VEC_DF, isr_8
        set_gate idt, VEC_GP, isr_13
        set_gate idt, VEC_SOFT, isr_48
        load_idt idt, VEC_SOFT + 1

        mov     dword [resume], de_next
        mov     ecx, REPEAT
loop_de: xor     eax, eax
        xor     edx, edx
        xor     ebx, ebx
de_insn: div    ebx
de_next: dec    ecx
        jnz     loop_de

        mov     dword [resume], bp_next
        mov     ecx, REPEAT
loop_bp:
bp_insn: int3
bp_next: dec    ecx
        jnz     loop_bp

        mov     dword [resume], ud_next
        mov     ecx, REPEAT
loop_ud:
ud_insn: ud2
ud_next: dec    ecx
        jnz     loop_ud

        mov     dword [resume], gp_next
        mov     ecx, REPEAT
loop_gp:    mov     ax, BAD_SELECTOR
gp_insn: mov    ds, ax
gp_next: dec    ecx
        jnz     loop_gp

        mov     dword [resume], int_next
        mov     ecx, REPEAT
loop_soft:
int_insn: int   VEC_SOFT
int_next: dec   ecx
        jnz     loop_soft

        mov     [RES + 0xF4], esp
        exit    0

        stub    0
        stub    3
        stub    6
        stub_err 8
        stub_err 13
        stub    48

; [esp] vector, [esp+4] error code, [esp+8] EIP, CS, EFLAGS.
isr_common:
        push    eax
        push    ebx
        mov     ebx, [RES + 0xFC]
        cmp     ebx, 60
        jae     .full
        shl     ebx, 4
        mov     eax, [esp + 8]
        mov     [RES + 0x100 + ebx], eax
        mov     eax, [esp + 12]
        mov     [RES + 0x104 + ebx], eax
        mov     eax, [esp + 16]
        mov     [RES + 0x108 + ebx], eax
        mov     [RES + 0x10C + ebx], esp
        inc     dword [RES + 0xFC]
.full:  cmp     dword [esp + 8], VEC_DF
        je      .double
        mov     eax, [resume]
        mov     [esp + 16], eax
        pop     ebx
        pop     eax
        add     esp, 8
        iretd
.double:
        exit    0x7D

        align   4
resume: dd      0
        align   8
idt:    times VEC_SOFT + 1 dq 0
        hv_library
