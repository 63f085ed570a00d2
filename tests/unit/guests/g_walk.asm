; g_walk.asm - native page walks: references, A and D (FIDELITY.md
; behaviour 1, SDM Vol 3A §4.8, "Observed on QEMU 7.2").
;
; PDE 1 -> PT1 covers VA 4..8 MiB and starts with A clear; PDE 3 is a
; 4 MiB page over physical 0.  Windows (markers) and what happens:
;   1-2   read VA_NP (PTE not present)   #PF; PDE1 gets A, PTE untouched
;   3-4   read VA_R  (TLB miss)           A on PTE (PDE1 already A)
;   5-6   write VA_R (clean TLB entry)    D on the PTE only
;   7-8   write VA_W (TLB miss)           A and D on the PTE at once
;   9-10  read VA_BIG+0x50000 (4 MiB)     A on PDE3
;   11-12 write VA_BIG+0x60000 (4 MiB)    D on PDE3
;   13-14 call through the 4 MiB page     a fetch miss, one reference
;   15-16 INVLPG VA_BIG+0x70000          drops all 3 cached pieces of the
;                                        4 MiB page (SDM §4.10.4.1)
; After each window the guest copies the entries to RES (see below).
%include "ut.inc"
        guest_header
        dd      pf_insn                 ; INFO+0: the read that faults
        dd      where_am_i + VA_BIG     ; INFO+4: the fetch through PDE3

PD              equ     0x10000
PT0             equ     0x11000
PT1             equ     0x12000
VA_R            equ     0x00400000      ; -> 0x50000
VA_W            equ     0x00401000      ; -> 0x51000
VA_NP           equ     0x00402000      ; PTE 0x52002: P = 0
VA_BIG          equ     0x00C00000      ; PDE3: 4 MiB page at 0
PDE1            equ     PD + 1 * 4
PDE3            equ     PD + 3 * 4
%define PTE1(va) (PT1 + PTE_INDEX(va) * 4)

; snap offset, entry: RES[offset] := the entry now.  Clobbers EAX.
%macro snap 2
        mov     eax, [%2]
        mov     [RES + %1], eax
%endmacro

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_R, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_R, PTE(0x50000, PG_P | PG_RW)
        set_pte PT1, VA_W, PTE(0x51000, PG_P | PG_RW)
        set_pte PT1, VA_NP, PTE(0x52000, PG_RW)
        set_pde PD, VA_BIG, PDE_LARGE(0, PG_P | PG_RW)
        enable_paging PD, CR4_PSE

        mark    1
pf_insn:
        mov     eax, [VA_NP]
pf_resume:
        mark    2
        snap    0, PDE1                 ; 0x00012023
        snap    4, PTE1(VA_NP)          ; 0x00052002

        mark    3
        mov     eax, [VA_R]
        mark    4
        snap    8, PDE1                 ; 0x00012023
        snap    12, PTE1(VA_R)          ; 0x00050023

        mark    5
        mov     dword [VA_R], 1
        mark    6
        snap    16, PDE1                ; 0x00012023
        snap    20, PTE1(VA_R)          ; 0x00050063

        mark    7
        mov     dword [VA_W], 2
        mark    8
        snap    24, PTE1(VA_W)          ; 0x00051063
        snap    28, PDE1                ; 0x00012023

        mark    9
        mov     eax, [VA_BIG + 0x50000]
        mark    10
        snap    32, PDE3                ; 0x000000a3

        mark    11
        mov     dword [VA_BIG + 0x60000], 3
        mark    12
        snap    36, PDE3                ; 0x000000e3

        mark    13
        mov     ebx, where_am_i + VA_BIG
        call    ebx
        mark    14
        mov     [RES + 40], ebx         ; EIP seen inside where_am_i
        mark    15
        invlpg  [VA_BIG + 0x70000]
        mark    16
        exit    0

where_am_i:
        call    .here
.here:  pop     ebx
        ret

; #PF: count, keep error code and CR2, resume after the faulting read.
pf_handler:
        push    eax
        inc     dword [RES + 0x40]
        mov     eax, [esp + 4]
        mov     [RES + 0x44], eax
        mov     eax, cr2
        mov     [RES + 0x48], eax
        mov     eax, [esp + 8]
        mov     [RES + 0x4C], eax
        mov     dword [esp + 8], pf_resume
        pop     eax
        add     esp, 4
        iretd

        align   8
idt:    times 32 dq 0
        hv_library
