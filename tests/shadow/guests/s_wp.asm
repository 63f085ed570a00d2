; s_wp.asm - FIDELITY behaviour 3: a guest write to a write-protected guest
; page table exits and is emulated, and the shadow follows the new entry.
;
; PT1 maps VA_X (PDE 1) to FRAME_A; PT2 is ready but not in PD until W2.
; Before marker 1 the guest reads the three frames through the identity
; map (so the test learns their host frames from the TLB fills), VA_X
; (PT1 is now shadowed: a guest page table, write-protected), and PT1 and
; PD themselves (their shadow entries are present and read-only, so a
; write is a protection fault: hardware error code 0x3).
;   1-2  W1: PT1[VA_X] := FRAME_B|P|RW          (a leaf table's entry)
;   2-3  read it back -> RES+4; INVLPG VA_X
;   3-4  read VA_X -> RES+8: FRAME_B's value, through a new shadow entry
;   4-5  W2: PD[VA_Y] := PT2|P|RW                (a directory entry)
;   5-6  read it back -> RES+12; read VA_Y -> RES+16: FRAME_C's value
; RES+0: VA_X before W1 (FRAME_A's value).  INFO: EIPs of W1, W2.
%include "st.inc"
        guest_header
        dd      w1, w2                          ; INFO

PT1             equ     0x12000
PT2             equ     0x13000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
VA_Y            equ     0x00800000              ; PDE 2, PTE 0
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000
FRAME_C         equ     0x00302000

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT2, VA_Y, PTE(FRAME_C, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        mov     dword [FRAME_B], 0xBBBBBBBB
        mov     dword [FRAME_C], 0xCCCCCCCC
        enable_paging PD, 0

        mov     eax, [FRAME_A]
        mov     eax, [FRAME_B]
        mov     eax, [FRAME_C]
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mov     eax, [PT1]
        mov     eax, [PD]

        mark    1
w1:     mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_B, PG_P | PG_RW)
        mark    2
        mov     eax, [PT1 + PTE_INDEX(VA_X) * 4]
        mov     [RES + 4], eax
        invlpg  [VA_X]
        mark    3
        mov     eax, [VA_X]
        mov     [RES + 8], eax
        mark    4
w2:     mov     dword [PD + PDE_INDEX(VA_Y) * 4], PDE_TABLE(PT2, PG_P | PG_RW)
        mark    5
        mov     eax, [PD + PDE_INDEX(VA_Y) * 4]
        mov     [RES + 12], eax
        mov     eax, [VA_Y]
        mov     [RES + 16], eax
        mark    6
        exit    0
        hv_library
