; s_wplarge.asm - a guest page table that lives inside a guest 4 MiB page
; (a kernel that maps its low memory with a large page keeps its tables
; there). The shadow of that 4 MiB page is a direct table of 4 KiB
; entries; when PT1 becomes a shadowed guest table, the reverse map must
; write-protect the direct entry that maps it, so the guest's write to PT1
; through the large page still exits and the shadow follows.
;
; PDE 0: 4 MiB identity page (CR4.PSE); PDE 1 -> PT1: VA_X -> FRAME_A.
; Before marker 1 the guest writes RES and reads PT1 through the large page
; (the direct entry of PT1's frame exists, writable: PT1 is no shadowed
; table yet).
;   1-2  read VA_X: PT1 becomes a shadowed guest table
;   2-3  PT1[VA_X] := FRAME_B|P|RW  (must exit)
;   3-4  INVLPG VA_X; read VA_X -> RES+0 (FRAME_B's value)
; INFO: EIP of the write to PT1.
%include "st.inc"
        guest_header
        dd      w1                              ; INFO

PT1             equ     0x12000
VA_X            equ     0x00400000
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_pde PD, 0, PDE_LARGE(0, PG_P | PG_RW)
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        mov     dword [FRAME_B], 0xBBBBBBBB
        enable_paging PD, CR4_PSE
        mov     dword [RES], 0                  ; the large page is dirty
        mov     eax, [PT1 + 4]

        mark    1
        mov     eax, [VA_X]
        mark    2
w1:     mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_B, PG_P | PG_RW)
        mark    3
        invlpg  [VA_X]
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mark    4
        exit    0
        hv_library
