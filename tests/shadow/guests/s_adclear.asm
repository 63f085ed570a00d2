; s_adclear.asm - the guest clears A and D in a PTE (as an OS does when it
; ages or cleans a page), INVLPGs it, then reads and writes the page: the
; walker must set A again on the read and D again on the write (SDM Vol 3A
; §4.8: A is set on the first access, D on the first write, through an
; entry whose flag is clear; INVLPG makes the CPU see the cleared flags).
;
; PT1 (PDE 1) maps VA_X to FRAME_A.
;   1-2  write VA_X (A and D get set)
;   2-3  PTE -> RES+0; PTE := FRAME_A|P|RW (A = D = 0); INVLPG VA_X
;   3-4  read VA_X; PTE -> RES+4
;   4-5  write VA_X; PTE -> RES+8
; Expected: RES+0 FRAME_A|0x63, RES+4 FRAME_A|0x23, RES+8 FRAME_A|0x63.
%include "st.inc"
        guest_header

PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
PTE_X           equ     PT1 + PTE_INDEX(VA_X) * 4
FRAME_A         equ     0x00300000

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
        mov     dword [VA_X], 1
        mark    2
        mov     eax, [PTE_X]
        mov     [RES + 0], eax
        mov     dword [PTE_X], PTE(FRAME_A, PG_P | PG_RW)
        invlpg  [VA_X]
        mark    3
        mov     eax, [VA_X]
        mov     eax, [PTE_X]
        mov     [RES + 4], eax
        mark    4
        mov     dword [VA_X], 2
        mov     eax, [PTE_X]
        mov     [RES + 8], eax
        mark    5
        exit    0
        hv_library
