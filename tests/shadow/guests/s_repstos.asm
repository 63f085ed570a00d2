; s_repstos.asm - a guest clears two entries of a shadowed page table with
; one REP STOSD (as an OS unmaps a range), INVLPGs both pages and reads
; them: both must be not present (SDM Vol 3A §4.10.4.1: after INVLPG the
; CPU uses the entries as they are in memory).
;
; PT1 (PDE 1) maps VA_X and VA_X+4K to FRAME_A and FRAME_B.
;   1-2  read both pages (their shadow entries are filled)
;   2-3  REP STOSD: PT1[0], PT1[1] := 0; INVLPG both
;   3-4  read VA_X: #PF, error 0, CR2 VA_X; read VA_X+4K: #PF, CR2 VA_X+4K
; Faults are logged at RES+0x100 + 16*n (error, CR2, EIP), count RES+0xFC.
; INFO: EIPs of the two reads that must fault, of the REP STOSD.
%include "st.inc"
        guest_header
        dd      f1, f2, clear                   ; INFO

PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0 and 1
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000

start:
        st_setup
        set_gate idt, VEC_PF, st_pf
        load_idt idt, 32
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT1, VA_X + PAGE_SIZE, PTE(FRAME_B, PG_P | PG_RW)
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page, writable
        mov     dword [st_resume], 0            ; the code page, writable
        push    eax                             ; the stack page, writable
        pop     eax
        mov     eax, [PT1]                      ; PT1's page: read-only entry

        mark    1
        mov     eax, [VA_X]
        mov     eax, [VA_X + PAGE_SIZE]
        mark    2
        cld
        mov     edi, PT1
        mov     ecx, 2
        xor     eax, eax
clear:  rep stosd
        invlpg  [VA_X]
        invlpg  [VA_X + PAGE_SIZE]
        mark    3
        mov     dword [st_resume], r1
f1:     mov     eax, [VA_X]
r1:     mov     dword [st_resume], r2
f2:     mov     eax, [VA_X + PAGE_SIZE]
r2:     mark    4
        exit    0

        st_pf_handler
        align   8
idt:    times 32 dq 0
        hv_library
