; g_stale.asm - a stale TLB entry is used until INVLPG (SDM Vol 3A
; §4.10.4.2: software must invalidate after changing a PTE; until then
; the processor may use the old translation).
;
; VA_T -> FRAME_A ("AAAA"); the guest reads it (TLB fill), points the PTE
; at FRAME_B without INVLPG, then touches 60 other pages in the TLB sets
; other than VA_T's (set 0 of a 16-set TLB), so that a bounded cache of
; host mappings under the TLB (hvlab's Unicorn mappings) must have dropped
; VA_T's mapping while the modelled TLB still holds it.
;   1-2  read VA_T through the stale entry: FRAME_A's value
;   2-3  INVLPG VA_T
;   3-4  read VA_T: FRAME_B's value
; RES: +0 first read, +4 stale read, +8 after INVLPG.
%include "ut.inc"
        guest_header

PD              equ     0x10000
PT0             equ     0x11000
PT1             equ     0x12000
VA_T            equ     0x00400000      ; VPN 0x400: set 0
FRAME_A         equ     0x00050000
FRAME_B         equ     0x00051000

start:
        load_flat_gdt
        mov     dword [FRAME_A], 0xAAAA0001
        mov     dword [FRAME_B], 0xBBBB0002
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_T, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_T, PTE(FRAME_A, PG_P | PG_RW)
        enable_paging PD, 0

        mov     eax, [VA_T]
        mov     [RES + 0], eax
        set_pte PT1, VA_T, PTE(FRAME_B, PG_P | PG_RW)   ; no INVLPG
        mov     esi, 0x00101000
.other: test    esi, 0xF000             ; skip VPNs in set 0
        jz      .skip
        mov     eax, [esi]
.skip:  add     esi, PAGE_SIZE
        cmp     esi, 0x00140000
        jb      .other

        mark    1
        mov     ebx, [VA_T]
        mark    2
        invlpg  [VA_T]
        mark    3
        mov     ecx, [VA_T]
        mark    4
        mov     [RES + 4], ebx
        mov     [RES + 8], ecx
        exit    0
        hv_library
