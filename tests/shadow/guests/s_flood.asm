; s_flood.asm - FIDELITY behaviour 3, write flooding: six writes to a
; shadowed leaf page table, with nothing using the table in between.
;
; PT1 (PDE 1) maps VA_X to FRAME_A.  Before marker 1 the guest reads VA_X
; (PT1 is shadowed, write-protected) and PT1 (read-only shadow entry).
;   1-2 W1 PT1[1], 2-3 W2 PT1[2], 3-4 W3 PT1[3], 4-5 W4 PT1[4],
;   5-6 W5 PT1[5] then W6 PT1[6]: entry i := FRAME_A + i pages | P | RW
;   6-7 read the six entries back -> RES+0..RES+0x14; read VA_X -> RES+0x18
; INFO: EIPs of W1..W6.
%include "st.inc"
        guest_header
        dd      w1, w2, w3, w4, w5, w6          ; INFO

PT1             equ     0x12000
VA_X            equ     0x00400000              ; PDE 1, PTE 0
FRAME_A         equ     0x00300000

%macro wpte 2                                   ; label, entry index
%1:     mov     dword [PT1 + %2 * 4], PTE(FRAME_A + %2 * PAGE_SIZE, PG_P | PG_RW)
%endmacro

start:
        st_setup
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(FRAME_A, PG_P | PG_RW)
        mov     dword [FRAME_A], 0xAAAAAAAA
        enable_paging PD, 0

        mov     eax, [VA_X]
        mov     eax, [PT1]
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
        wpte    w1, 1
        mark    2
        wpte    w2, 2
        mark    3
        wpte    w3, 3
        mark    4
        wpte    w4, 4
        mark    5
        wpte    w5, 5
        wpte    w6, 6
        mark    6
        mov     ecx, 1
.back:  mov     eax, [PT1 + ecx * 4]
        mov     [RES - 4 + ecx * 4], eax
        inc     ecx
        cmp     ecx, 6
        jbe     .back
        mov     eax, [VA_X]
        mov     [RES + 0x18], eax
        mark    7
        exit    0
        hv_library
