; g_priv.asm - the instructions the engine owns: CPUID, RDTSC, MOV CRn.
;
;   CPUID leaf 1        EDX -> RES+0 (PSE bit 3, PGE bit 13, no PAE bit 6)
;   RDTSC twice, 12 instructions apart -> RES+0x20 (lo, hi), RES+0x28
;   MOV CR4 with PAE (bit 5): #GP(0), CR4 unchanged (SDM Vol 3A §2.5: a
;       bit the CPU does not support; CPUID says no PAE); CR4 -> RES+0x30
;   MOV CR5, EAX / MOV EAX, CR5: #UD (SDM Vol 2 "MOV to/from control
;       registers": CR1, CR5-CR7 are reserved)
;   MOV CR4 := PSE | PGE: accepted; CR4 -> RES+0x34
;   window 1-2: MOV CR3 with paging on: CR_WRITE 3, non-global flush
; Faults are logged at RES+0x100 + 16*n (vector, error code, saved EIP),
; count at RES+0xFC, and resume at [resume].
%include "ut.inc"
        guest_header
        dd      cr4_insn, cr5w_insn, cr5r_insn  ; INFO

PD              equ     0x10000
PT0             equ     0x11000
CR4_PAE         equ     0x20

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_UD, isr_ud
        set_gate idt, VEC_GP, isr_gp
        load_idt idt, 32

        mov     eax, 1
        cpuid
        mov     [RES + 0], edx

        rdtsc
        mov     esi, eax
        mov     edi, edx
        times 10 nop
        rdtsc
        mov     [RES + 0x20], esi
        mov     [RES + 0x24], edi
        mov     [RES + 0x28], eax
        mov     [RES + 0x2C], edx

        mov     eax, cr4
        or      eax, CR4_PAE
        mov     dword [resume], r1
cr4_insn: mov   cr4, eax
r1:     mov     eax, cr4
        mov     [RES + 0x30], eax

        mov     dword [resume], r2
cr5w_insn: db   0x0F, 0x22, 0xE8        ; mov cr5, eax (NASM has no CR5)
r2:     mov     dword [resume], r3
cr5r_insn: db   0x0F, 0x20, 0xE8        ; mov eax, cr5
r3:
        mov     eax, CR4_PSE | CR4_PGE
        mov     cr4, eax
        mov     eax, cr4
        mov     [RES + 0x34], eax

        identity_map_4m PD, PT0, PG_P | PG_RW
        enable_paging PD, 0
        mov     eax, [0x200000]         ; one more TLB entry to flush
        mark    1
        mov     eax, PD
        mov     cr3, eax
        mark    2
        exit    0

isr_ud: push    dword 0
        push    dword VEC_UD
        jmp     isr_common
isr_gp: push    dword VEC_GP
isr_common:                             ; [esp] vector, [esp+4] error, EIP
        push    eax
        push    ebx
        mov     ebx, [RES + 0xFC]
        shl     ebx, 4
        mov     eax, [esp + 8]
        mov     [RES + 0x100 + ebx], eax
        mov     eax, [esp + 12]
        mov     [RES + 0x104 + ebx], eax
        mov     eax, [esp + 16]
        mov     [RES + 0x108 + ebx], eax
        inc     dword [RES + 0xFC]
        mov     eax, [resume]
        mov     [esp + 16], eax
        pop     ebx
        pop     eax
        add     esp, 8
        iretd

        align   4
resume: dd      0
        align   8
idt:    times 32 dq 0
        hv_library
