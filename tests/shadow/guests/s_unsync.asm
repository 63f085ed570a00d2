; s_unsync.asm - FIDELITY behaviour 3, the unsync policy: writes to a leaf
; page table, INVLPG and a CR3 load in between.
;
; PT1 (PDE 1) maps VA_X to FRAME_A.  Before marker 1 the guest reads the
; frames through the identity map, VA_X (PT1 becomes a shadowed, write-
; protected guest table) and PT1 itself (read-only shadow entry).
;   1-2   W1: PT1[1] := FRAME_A|P|RW       (an entry nothing uses yet)
;   2-3   W2: PT1[VA_X] := FRAME_B|P|RW
;   3-4   W3: PT1[2] := 0
;   4-5   INVLPG VA_X
;   5-6   read VA_X -> RES+0 (FRAME_B's value)
;   6-7   W4: PT1[3] := 0
;   7-8   W5: PT1[4] := 0
;   8-9   MOV CR3 := PD (the same root)
;   9-10  W6: PT1[VA_X] := FRAME_C|P|RW
;   10-11 INVLPG VA_X
;   11-12 read VA_X -> RES+4 (FRAME_C's value)
; INFO: EIPs of W1..W6, then of the two INVLPGs and the MOV CR3.
%include "st.inc"
        guest_header
        dd      w1, w2, w3, w4, w5, w6, inv1, inv2, load_cr3    ; INFO

PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000
FRAME_C         equ     0x00302000

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        mov     dword [FRAME_B], 0xBBBBBBBB
        mov     dword [FRAME_C], 0xCCCCCCCC
        enable_paging PD, 0

        mov     eax, [FRAME_A]
        mov     eax, [FRAME_B]
        mov     eax, [FRAME_C]
        mov     eax, [VA_X]
        mov     eax, [PT1]
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
w1:     mov     dword [PT1 + 4], PTE(FRAME_A, PG_P | PG_RW)
        mark    2
w2:     mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_B, PG_P | PG_RW)
        mark    3
w3:     mov     dword [PT1 + 8], 0
        mark    4
inv1:   invlpg  [VA_X]
        mark    5
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mark    6
w4:     mov     dword [PT1 + 12], 0
        mark    7
w5:     mov     dword [PT1 + 16], 0
        mark    8
        mov     eax, PD
load_cr3:
        mov     cr3, eax                        ; EAX: VT-x qualification 3
        mark    9
w6:     mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_C, PG_P | PG_RW)
        mark    10
inv2:   invlpg  [VA_X]
        mark    11
        mov     eax, [VA_X]
        mov     [RES + 4], eax
        mark    12
        exit    0
        hv_library
