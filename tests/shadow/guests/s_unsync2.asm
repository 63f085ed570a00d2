; s_unsync2.asm - an unsync page table shared by two directories: the
; guest changes two of its entries while the directory it runs on has not
; used the table yet, INVLPGs both pages, then uses them. After INVLPG the
; CPU must use the entries as they are in memory (SDM Vol 3A §4.10.4.1).
; (KVM syncs an unsync page when it links it into a directory.)
;
; PD_A and PD_B both map 0..4 MiB through PT0 and 4..8 MiB through PT1;
; PT1 maps VA_X -> FRAME_A and VA_Y -> FRAME_B.
;   1-2  on PD_A: read VA_X and VA_Y; read PT1
;   2-3  MOV CR3 := PD_B
;   3-4  PT1[VA_X] := FRAME_C, PT1[VA_Y] := FRAME_D; INVLPG VA_X, VA_Y
;   4-5  read VA_Y -> RES+4 (FRAME_D's), then VA_X -> RES+0 (FRAME_C's)
%include "st.inc"
        guest_header

PD_B            equ     0x14000
PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
VA_Y            equ     0x00401000              ; PDE 1, PTE 1
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000
FRAME_C         equ     0x00302000
FRAME_D         equ     0x00303000

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pde PD_B, 0, PDE_TABLE(PT0, PG_P | PG_RW)
        set_pde PD_B, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT1, VA_Y, PTE(FRAME_B, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        mov     dword [FRAME_B], 0xBBBBBBBB
        mov     dword [FRAME_C], 0xCCCCCCCC
        mov     dword [FRAME_D], 0xDDDDDDDD
        enable_paging PD, 0

        mark    1
        mov     eax, [VA_X]
        mov     eax, [VA_Y]
        mov     eax, [PT1]
        mark    2
        mov     eax, PD_B
        mov     cr3, eax
        mov     dword [RES], 0                  ; the RES page, writable
        mark    3
        mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_C, PG_P | PG_RW)
        mov     dword [PT1 + PTE_INDEX(VA_Y) * 4], PTE(FRAME_D, PG_P | PG_RW)
        invlpg  [VA_X]
        invlpg  [VA_Y]
        mark    4
        mov     eax, [VA_Y]
        mov     [RES + 4], eax
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mark    5
        exit    0
        hv_library
