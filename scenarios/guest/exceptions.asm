; exceptions.asm - exceptions and a software interrupt, each delivered
; three times in a row through the guest's IDT, each handler returning.
;
;   vector  cause                       class (SDM Vol 3A §6.5, table 6-1)
;   0x00    DIV by zero (#DE)           fault: saved EIP = the DIV
;   0x03    INT3 (#BP)                  trap:  saved EIP = the next instruction
;   0x06    UD2 (#UD)                   fault: saved EIP = the UD2
;   0x0d    MOV DS, 0x18 (#GP)          fault, error code 0x18: selector index
;                                       3 is past the 3-entry GDT's limit
;   0x30    INT 0x30                    software interrupt: next instruction
;
; Every handler prints the vector (and #GP's error code) and where the
; saved EIP points, then returns past the instruction.  A handler that
; returns properly leaves nothing behind: ESP at the end is ESP at the
; start, and nothing escalates to #DF (vector 8, which would print and end
; the guest with 0x7D).  No paging: the entry stack is used as it is.
; Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

VEC_SOFT        equ     0x30
IDT_ENTRIES     equ     VEC_SOFT + 1
BAD_SELECTOR    equ     0x18            ; GDT limit is 23: index 3 is outside
REPEAT          equ     3
FAULT           equ     1               ; saved EIP = the instruction
TRAP            equ     2               ; saved EIP = the next instruction

; try_begin FAULT|TRAP ... try_end: the code between must raise exactly
; one exception; the handler checks the saved EIP and resumes at try_end.
%macro try_begin 1
        %push try
        mov     dword [insn_at], %$insn
        mov     dword [next_at], %$after
        mov     dword [want], %1
%$insn:
%endmacro
%macro try_end 0
%$after:
        %pop
%endmacro

; stub vector: push a 0 in place of the error code the CPU does not push
; for this vector, so that every frame looks the same to isr_common.
%macro stub 1
isr_%1:
        push    dword 0
        push    dword %1
        jmp     isr_common
%endmacro
; stub_err vector: the CPU pushed an error code.
%macro stub_err 1
isr_%1:
        push    dword %1
        jmp     isr_common
%endmacro

start:
        load_flat_gdt
        mov     [esp0], esp
        set_gate idt, VEC_DE, isr_0
        set_gate idt, VEC_BP, isr_3
        set_gate idt, VEC_UD, isr_6
        set_gate idt, VEC_DF, isr_8
        set_gate idt, VEC_GP, isr_13
        set_gate idt, VEC_SOFT, isr_48
        load_idt idt, IDT_ENTRIES

        print   "#DE: div by zero", 10
        mov     ecx, REPEAT
.de:    xor     eax, eax
        xor     edx, edx
        xor     ebx, ebx
        try_begin FAULT
        div     ebx
        try_end
        dec     ecx
        jnz     .de

        print   "#BP: int3", 10
        mov     ecx, REPEAT
.bp:    try_begin TRAP
        int3
        try_end
        dec     ecx
        jnz     .bp

        print   "#UD: ud2", 10
        mov     ecx, REPEAT
.ud:    try_begin FAULT
        ud2
        try_end
        dec     ecx
        jnz     .ud

        print   "#GP: mov ds, 0x18", 10
        mov     ecx, REPEAT
.gp:    mov     ax, BAD_SELECTOR
        try_begin FAULT
        mov     ds, ax
        try_end
        dec     ecx
        jnz     .gp
        mov     ax, ds                  ; the fault left DS as it was
        movzx   eax, ax
        print   "  ds="
        puthex  eax, 4
        check   eax, SEL_DATA
        print   10

        print   "int 0x30", 10
        mov     ecx, REPEAT
.soft:  try_begin TRAP
        int     VEC_SOFT
        try_end
        dec     ecx
        jnz     .soft

        print   "deliveries:"
%macro show_count 2                     ; label, vector
        print   %1
        puthex  [counts + %2 * 4], 1
        check   [counts + %2 * 4], REPEAT
%endmacro
        show_count " de=", VEC_DE
        show_count " bp=", VEC_BP
        show_count " ud=", VEC_UD
        show_count " gp=", VEC_GP
        show_count " int30=", VEC_SOFT
        print   10, "esp back where it started: "
        mov     eax, esp
        puthex  eax
        check   eax, [esp0]
        print   10
        exit_failures

        stub    0
        stub    3
        stub    6
        stub_err 8
        stub_err 13
        stub    48

; common: [esp] vector, [esp+4] error code, [esp+8] EIP, CS, EFLAGS.
isr_common:
        pushad                          ; shifts all of the above by 32
        mov     ebx, [esp + 32]         ; vector
        print   "  vector="
        puthex  ebx, 2
        cmp     ebx, VEC_DF
        je      .double
        cmp     ebx, VEC_GP
        jne     .no_err
        print   " err="
        puthex  [esp + 36]
        check   [esp + 36], BAD_SELECTOR
.no_err:
        inc     dword [counts + ebx * 4]
        mov     eax, [esp + 40]         ; saved EIP
        cmp     eax, [insn_at]
        jne     .not_insn
        print   " eip=the instruction (fault)"
        mov     eax, FAULT
        jmp     .kind
.not_insn:
        cmp     eax, [next_at]
        jne     .elsewhere
        print   " eip=the next instruction (trap)"
        mov     eax, TRAP
        jmp     .kind
.elsewhere:
        print   " eip="
        puthex  eax
        xor     eax, eax
.kind:  check   eax, [want]
        print   10
        mov     eax, [next_at]
        mov     [esp + 40], eax         ; resume after the instruction
        popad
        add     esp, 8                  ; vector and error code
        iretd
.double:
        print   " double fault: an exception escalated", 10
        exit    0x7D

        align   4
esp0:           dd      0
insn_at:        dd      0
next_at:        dd      0
want:           dd      0
counts:         times IDT_ENTRIES dd 0

        align   8
idt:    times IDT_ENTRIES dq 0

        hv_library
