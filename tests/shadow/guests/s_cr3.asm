; s_cr3.asm - FIDELITY behaviours 4 and 5 under a hypervisor: MOV CR3 and
; INVLPG exit; MOV CR3 flushes the non-global TLB entries only; the shadow
; root of a directory seen before comes from the root cache.
;
; PD_A and PD_B both map 0..4 MiB identically (through PT_A, PT_B); VA_G
; is global in both (PTE.G, CR4.PGE on), VA_N is not.  Paging starts on
; PD_A.
;   1-2  read VA_G and VA_N
;   2-3  MOV CR3 := PD_B
;   3-4  read VA_G (global: still cached), VA_N (flushed: misses)
;   4-5  MOV CR3 := PD_A (its shadow root is cached)
;   5-6  read VA_N (misses), VA_G (cached)
;   6-7  INVLPG VA_G
;   7-8  read VA_G (INVLPG dropped the global entry too: misses)
; RES: +0 VA_G, +4 VA_N as read in 7-8 and 5-6.  INFO: EIPs of the two
; MOV CR3 and the INVLPG.
%include "ut.inc"
        guest_header
        dd      to_b, to_a, inv                 ; INFO

PD_A            equ     0x10000
PD_B            equ     0x11000
PT_A            equ     0x12000
PT_B            equ     0x13000
VA_G            equ     0x00300000
VA_N            equ     0x00301000

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        mov     dword [VA_G], 0x6161
        mov     dword [VA_N], 0x4E4E
        identity_map_4m PD_A, PT_A, PG_P | PG_RW
        identity_map_4m PD_B, PT_B, PG_P | PG_RW
        set_pte PT_A, VA_G, PTE(VA_G, PG_P | PG_RW | PG_G)
        set_pte PT_B, VA_G, PTE(VA_G, PG_P | PG_RW | PG_G)
        enable_paging PD_A, CR4_PGE
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
        mov     eax, [VA_G]
        mov     eax, [VA_N]
        mark    2
        mov     eax, PD_B
to_b:   mov     cr3, eax                        ; EAX: VT-x qualification 3
        mark    3
        mov     eax, [VA_G]
        mov     eax, [VA_N]
        mark    4
        mov     eax, PD_A
to_a:   mov     cr3, eax
        mark    5
        mov     eax, [VA_N]
        mov     [RES + 4], eax
        mov     eax, [VA_G]
        mark    6
inv:    invlpg  [VA_G]
        mark    7
        mov     eax, [VA_G]
        mov     [RES + 0], eax
        mark    8
        exit    0
        hv_library
