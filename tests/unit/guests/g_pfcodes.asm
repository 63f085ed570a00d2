; g_pfcodes.asm - #PF error codes and CR2 at CPL 0 (SDM Vol 3A §4.7;
; FIDELITY.md "Observed on QEMU 7.2").
;
;   fault  access                                 error  CR2
;   1      read, PTE not present                  0x0    0x00300124
;   2      write, PTE not present                 0x2    0x00300458
;   3      write to read-only RO1, WP=1, no TLB   0x3    0x00301788
;   4      write to read-only RO2, WP=1, cached   0x3    0x00303010
;   -      WP=0: writes to RO1 and RO2 succeed, PTEs get A and D
;   5      fetch, PTE not present                 0x0    0x00302010
;   6      read, PDE not present                  0x0    0x00800abc
;   7      fetch of an instruction that starts    0x0    0x00305000
;          at 0x304ffe and runs into a
;          not-present page (saved EIP 0x304ffe)
;   8      read of a dword across into it         0x0    0x00307000
;   9      write of a dword across into it        0x2    0x00307000
;   10     read through a 4 MiB PDE with a        0x9    0x01000123
;          reserved bit (13: no PSE-36, SDM
;          table 4-4): P | RSVD
;   11     write to RO1 again, WP=1 (after the    0x3    0x00301788
;          WP=0 write made its entry dirty)
; The handler logs (error code, CR2, saved EIP) at RES+0x100 + 16*n and
; the count at RES+0xFC, then resumes at [resume].
%include "ut.inc"
        guest_header
        dd      f1, f2, f3, f4, NX_PAGE + 0x10, f6      ; INFO: faulting EIPs
        dd      SPLIT_CODE, f8, f9, f10, f11

PD              equ     0x10000
PT0             equ     0x11000
NP_PAGE         equ     0x00300000
RO1             equ     0x00301000
NX_PAGE         equ     0x00302000
RO2             equ     0x00303000
NO_PDE          equ     0x00800ABC
SPLIT_CODE      equ     0x00304FFE      ; 5-byte MOV; 0x305000 not present
SPLIT_DATA      equ     0x00306FFE      ; dword; 0x307000 not present
RSVD_VA         equ     0x01000000      ; PDE 4: 4 MiB, bit 13 set
%define PTE0(va) (PT0 + PTE_INDEX(va) * 4)

%macro snap 2
        mov     eax, [%2]
        mov     [RES + %1], eax
%endmacro
%macro resume_at 1
        mov     dword [resume], %1
%endmacro
%macro set_wp 1                         ; 1: CR0.WP on, 0: off
        mov     eax, cr0
%if %1
        or      eax, CR0_WP
%else
        and     eax, ~CR0_WP
%endif
        mov     cr0, eax
%endmacro

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, NP_PAGE, 0
        set_pte PT0, RO1, PTE(RO1, PG_P)
        set_pte PT0, NX_PAGE, 0
        set_pte PT0, RO2, PTE(RO2, PG_P)
        set_pte PT0, SPLIT_CODE + 2, 0
        set_pte PT0, SPLIT_DATA + 2, 0
        set_pde PD, RSVD_VA, PDE_LARGE(0x00400000 + 0x2000, PG_P | PG_RW)
        mov     dword [SPLIT_CODE], 0x345678B8  ; mov eax, 0x12345678
        mov     byte [SPLIT_CODE + 4], 0x12
        enable_paging PD, CR4_PSE
        set_wp  1

        mark    1
        resume_at r1
f1:     mov     eax, [NP_PAGE + 0x124]
r1:     mark    2

        mark    3
        resume_at r2
f2:     mov     dword [NP_PAGE + 0x458], 1
r2:     mark    4

        mark    5
        resume_at r3
f3:     mov     dword [RO1 + 0x788], 1
r3:     mark    6
        snap    0, PTE0(RO1)            ; RO1 | P: the fault left it alone

        mark    7
        mov     eax, [RO2]              ; fills the TLB: read-only entry
        resume_at r4
f4:     mov     dword [RO2 + 0x10], 1
r4:     mark    8
        snap    4, PTE0(RO2)            ; RO2 | P | A: no D

        set_wp  0
        mark    9
        mov     dword [RO1 + 0x788], 0x5A5A5A5A
        mark    10
        snap    8, PTE0(RO1)            ; RO1 | P | A | D
        snap    12, RO1 + 0x788         ; 0x5a5a5a5a

        mark    11
        mov     dword [RO2 + 0x10], 0xA5A5A5A5
        mark    12
        snap    16, PTE0(RO2)           ; RO2 | P | A | D
        snap    20, RO2 + 0x10          ; 0xa5a5a5a5
        set_wp  1

        mark    13
        resume_at r5
        mov     eax, NX_PAGE + 0x10
        jmp     eax
r5:     mark    14

        mark    15
        resume_at r6
f6:     mov     eax, [NO_PDE]
r6:     mark    16

        mark    17
        resume_at rs7
        mov     eax, SPLIT_CODE
        jmp     eax
rs7:    mark    18
        resume_at rs8
f8:     mov     eax, [SPLIT_DATA]
rs8:    resume_at rs9
f9:     mov     dword [SPLIT_DATA], 0x11223344
rs9:    mark    19
        resume_at rs10
f10:    mov     eax, [RSVD_VA + 0x123]
rs10:   mark    20
        resume_at rs11
f11:    mov     dword [RO1 + 0x788], 0x77
rs11:   snap    24, RO1 + 0x788         ; still 0x5a5a5a5a
        exit    0

; #PF: log error code, CR2 and saved EIP; resume at [resume].
pf_handler:
        push    eax
        push    ebx
        mov     ebx, [RES + 0xFC]
        shl     ebx, 4
        mov     eax, [esp + 8]
        mov     [RES + 0x100 + ebx], eax
        mov     eax, cr2
        mov     [RES + 0x104 + ebx], eax
        mov     eax, [esp + 12]
        mov     [RES + 0x108 + ebx], eax
        inc     dword [RES + 0xFC]
        mov     eax, [resume]
        mov     [esp + 12], eax
        pop     ebx
        pop     eax
        add     esp, 4
        iretd

        align   4
resume: dd      0
        align   8
idt:    times 32 dq 0
        hv_library
