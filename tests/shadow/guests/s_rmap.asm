; s_rmap.asm - the reverse map (FIDELITY.md "Shadow paging"): when a guest
; frame becomes a page table, every writable mapping of it must lose its
; write right, or a write through an old alias bypasses coherence.
;
; PT1 (PDE 1) maps VA_X to FRAME_A; ALIAS (in PT0) maps PT1's own frame.
; Before marker 1 the guest writes through ALIAS, while PT1 is no guest
; page table the hypervisor knows of yet: the alias is writable and dirty
; (shadow entry, TLB entry, host mapping).
;   1-2  read VA_X: PT1 becomes a shadowed guest table
;   2-3  through ALIAS: PT1[VA_X] := FRAME_B|P|RW  (must exit)
;   3-4  INVLPG VA_X; read VA_X -> RES+0 (FRAME_B's value)
; INFO: EIP of the write through the alias.
%include "st.inc"
        guest_header
        dd      w_alias                         ; INFO

PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
ALIAS           equ     0x003F0000              ; PT0 entry -> PT1's frame
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT0, ALIAS, PTE(PT1, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        mov     dword [FRAME_B], 0xBBBBBBBB
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page, writable
        mov     dword [ALIAS + 0x10], 0         ; PT1[4]: the alias is dirty

        mark    1
        mov     eax, [VA_X]
        mark    2
w_alias:
        mov     dword [ALIAS + PTE_INDEX(VA_X) * 4], PTE(FRAME_B, PG_P | PG_RW)
        mark    3
        invlpg  [VA_X]
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mark    4
        exit    0
        hv_library
