; n_walk.asm - FIDELITY behaviour 2: the cost of a cold TLB miss under
; nested paging (and natively, for contrast).
;
; PDE 1 -> PT1 maps VA_R (4 KiB) to FRAME_R; PDE 3 is a 4 MiB page over
; physical 0 (CR4.PSE).  Neither VA is touched before its window, and the
; code page stays in the TLB, so each window holds exactly one cold miss:
;   1-2  read VA_R                    2-level guest walk, 4 KiB page
;   2-3  read VA_BIG + FRAME_B        1-level guest walk, 4 MiB page
; RES: +0 the value read at VA_R, +4 the value read at VA_BIG + FRAME_B.
%include "ut.inc"
        guest_header

PD              equ     0x10000
PT0             equ     0x11000
PT1             equ     0x12000
VA_R            equ     0x00400000      ; PDE 1, PTE 0
FRAME_R         equ     0x00050000
VA_BIG          equ     0x00C00000      ; PDE 3: 4 MiB page at 0
FRAME_B         equ     0x00060000      ; reached as VA_BIG + FRAME_B

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_R, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_R, PTE(FRAME_R, PG_P | PG_RW)
        set_pde PD, VA_BIG, PDE_LARGE(0, PG_P | PG_RW)
        mov     dword [FRAME_R], 0x5252
        mov     dword [FRAME_B], 0x4242
        enable_paging PD, CR4_PSE
        mov     dword [RES], 0                  ; the RES page, in the TLB

        mark    1
        mov     ebx, [VA_R]                     ; (mark clobbers AL)
        mark    2
        mov     edx, [VA_BIG + FRAME_B]
        mark    3
        mov     [RES + 0], ebx
        mov     [RES + 4], edx
        exit    0
        hv_library
