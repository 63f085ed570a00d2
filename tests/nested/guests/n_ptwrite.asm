; n_ptwrite.asm - guest page-table writes under a hypervisor (FIDELITY
; behaviour 3's nested half): the guest rewrites a PTE and a PDE of its
; live tables, as an OS does; natively and under nested paging nothing
; traps, under shadow paging the writes to shadowed tables do.
;
; VA_X -> FRAME_A through PT1 (PDE 1) at first; PT2 maps VA_X -> FRAME_C.
;   1-2  read VA_X (FRAME_A) -> RES+0
;   2-3  write the PTE: VA_X -> FRAME_B (a store to a live page table)
;   3-4  INVLPG VA_X; read VA_X (FRAME_B) -> RES+4
;   4-5  write the PDE: PDE 1 -> PT2 (a directory entry); reload CR3;
;        read VA_X (FRAME_C) -> RES+8
;   5-6  eight more stores to PT2's entries (a burst, as when an OS maps
;        a range), then INVLPG VA_X and read it (FRAME_A again) -> RES+12
; INFO: EIPs of the PTE store and of the PDE store.
%include "st.inc"
        guest_header
        dd      pte_store, pde_store            ; INFO

PT1             equ     0x12000
PT2             equ     0x13000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
FRAME_A         equ     0x00300000
FRAME_B         equ     0x00301000
FRAME_C         equ     0x00302000

start:
        st_setup
        mov     dword [FRAME_A], 0xAAAA
        mov     dword [FRAME_B], 0xBBBB
        mov     dword [FRAME_C], 0xCCCC
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT2, VA_X, PTE(FRAME_C, PG_P | PG_RW)
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page, in the TLB

        mark    1
        mov     eax, [VA_X]
        mov     [RES + 0], eax
        mark    2
pte_store:
        mov     dword [PT1 + PTE_INDEX(VA_X) * 4], PTE(FRAME_B, PG_P | PG_RW)
        mark    3
        invlpg  [VA_X]
        mov     eax, [VA_X]
        mov     [RES + 4], eax
        mark    4
pde_store:
        mov     dword [PD + PDE_INDEX(VA_X) * 4], PDE_TABLE(PT2, PG_P | PG_RW)
        mov     eax, PD
        mov     cr3, eax
        mov     eax, [VA_X]
        mov     [RES + 8], eax
        mark    5
        mov     edi, PT2 + 4
        mov     eax, PTE(FRAME_B, PG_P | PG_RW)
        mov     ecx, 8
.burst: mov     [edi], eax
        add     edi, 4
        dec     ecx
        jnz     .burst
        mov     dword [PT2 + PTE_INDEX(VA_X) * 4], PTE(FRAME_A, PG_P | PG_RW)
        invlpg  [VA_X]
        mov     eax, [VA_X]
        mov     [RES + 12], eax
        mark    6
        exit    0
        hv_library
