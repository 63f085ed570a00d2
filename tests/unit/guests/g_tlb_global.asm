; g_tlb_global.asm - global pages, MOV CR3, INVLPG and CR4.PGE
; (SDM Vol 3A §4.10.2.4, §4.10.4.1; FIDELITY.md "x86 32-bit paging").
;
; Two directories share nothing but the idea: PD_A maps 0..4 MiB through
; PT_A (identity), PD_B through PT_B (identity but for VA_G, which maps to
; FRAME_G2).  VA_G is global (PTE.G, CR4.PGE on), VA_N is not.
;   1-2  read VA_G and VA_N in A: two misses, VA_G filled as global
;   2-3  MOV CR3 := PD_B: non-global flush
;   3-4  read VA_G: hit, still A's frame (the global entry survived);
;        read VA_N: miss
;   4-5  INVLPG VA_G
;   5-6  read VA_G: miss, now B's frame
;   6-7  CR4.PGE off, then on: two flushes of everything
;   7-8  read VA_G, VA_N: both miss
; RES: +0 VA_G in A, +4 VA_G in B before INVLPG, +8 after INVLPG.
%include "ut.inc"
        guest_header

PD_A            equ     0x10000
PD_B            equ     0x11000
PT_A            equ     0x12000
PT_B            equ     0x13000
VA_G            equ     0x00300000
VA_N            equ     0x00301000
FRAME_G2        equ     0x00302000

start:
        load_flat_gdt
        mov     dword [VA_G], 0x11111111
        mov     dword [FRAME_G2], 0x22222222
        identity_map_4m PD_A, PT_A, PG_P | PG_RW
        identity_map_4m PD_B, PT_B, PG_P | PG_RW
        set_pte PT_A, VA_G, PTE(VA_G, PG_P | PG_RW | PG_G)
        set_pte PT_B, VA_G, PTE(FRAME_G2, PG_P | PG_RW | PG_G)
        enable_paging PD_A, CR4_PGE

        mark    1
        mov     eax, [VA_G]
        mov     [RES + 0], eax
        mov     eax, [VA_N]
        mark    2
        mov     eax, PD_B
        mov     cr3, eax
        mark    3
        mov     ebx, [VA_G]
        mov     eax, [VA_N]
        mark    4
        invlpg  [VA_G]
        mark    5
        mov     ecx, [VA_G]
        mark    6
        mov     [RES + 4], ebx
        mov     [RES + 8], ecx
        mov     eax, cr4
        and     eax, ~CR4_PGE
        mov     cr4, eax
        or      eax, CR4_PGE
        mov     cr4, eax
        mark    7
        mov     eax, [VA_G]
        mov     eax, [VA_N]
        mark    8
        exit    0
        hv_library
