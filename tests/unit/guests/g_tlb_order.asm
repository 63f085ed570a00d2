; g_tlb_order.asm - replacement order and set selection of the TLB.
;
; The test gives the machine a small TLB (e.g. 16 entries, 4 ways, so 4
; sets).  Pages P0..P5 are 16 KiB apart (VPN 0x200 + 4k): all in set 0
; of a 4-set TLB, which nothing else uses (the code is in VPN 1, the stack
; is never touched with paging on).  Windows:
;   1-2  after a CR3 reload: read P0 P1 P2 P3 P0 P1 P4 P5 P0
;        LRU evicts P2 then P3 (P0 hits at the end);
;        FIFO evicts P0, P1, then P2 (for P0's return)
;   2-3  sweep VPN 0x220..0x22f: one page in every set
;   3-4  48 rounds over P0..P5: many evictions in set 0 (for the random
;        policy and the seed)
%include "ut.inc"
        guest_header

PD              equ     0x10000
PT0             equ     0x11000
%define P(k)    (0x00200000 + (k) * 0x4000)

start:
        load_flat_gdt
        identity_map_4m PD, PT0, PG_P | PG_RW
        enable_paging PD, 0
        mov     eax, cr3
        mov     cr3, eax                ; start from an empty set 0

        mark    1
        mov     eax, [P(0)]
        mov     eax, [P(1)]
        mov     eax, [P(2)]
        mov     eax, [P(3)]
        mov     eax, [P(0)]
        mov     eax, [P(1)]
        mov     eax, [P(4)]
        mov     eax, [P(5)]
        mov     eax, [P(0)]
        mark    2

        mov     esi, 0x00220000
.sweep: mov     eax, [esi]
        add     esi, PAGE_SIZE
        cmp     esi, 0x00230000
        jb      .sweep
        mark    3

        mov     ecx, 48
.round: mov     esi, P(0)
.page:  mov     eax, [esi]
        add     esi, 0x4000
        cmp     esi, P(6)
        jb      .page
        dec     ecx
        jnz     .round
        mark    4
        exit    0
        hv_library
