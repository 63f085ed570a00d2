; tlb_walk.asm - one TLB miss seen up close (scenarios/native-tlb.json).
;
; Each labelled instruction below is one step of the scenario: the step
; runs from one label to the next, so the counters of a step are exactly
; what that one instruction cost (the code page is already in the TLB, so
; its fetch is a hit).
;
;   VA 0x00000000-0x003FFFFF -> identity, 4 KiB pages, global ("kernel")
;   VA 0x00400000 (VA_DATA)   -> frame 0x50000, not global
;   VA 0x00401000 (VA_SHARED) -> frame 0x51000, global
;
; SDM Vol 3A §4.8 (A and D), §4.10.2 (what the TLB caches), §4.10.4.1
; (MOV CR3 keeps global entries, INVLPG drops the page whatever G says).
; The guest prints what it read and exits with 0.

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000         ; identity 0 .. 4 MiB, global
PT1             equ     0x12000         ; the two data pages (PDE 1)
STACK_TOP       equ     0x80000
VA_DATA         equ     0x00400000
VA_SHARED       equ     0x00401000
FRAME_DATA      equ     0x50000
FRAME_SHARED    equ     0x51000
PDE_DATA        equ     PD + PDE_INDEX(VA_DATA) * 4     ; the PDE both use
PTE_DATA        equ     PT1 + PTE_INDEX(VA_DATA) * 4
PTE_SHARED      equ     PT1 + PTE_INDEX(VA_SHARED) * 4

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        ; Something to read (paging is still off: physical addresses).
        mov     dword [FRAME_DATA], 0x0000DA7A
        mov     dword [FRAME_SHARED], 0x00005EED

        identity_map_4m PD, PT0, PG_P | PG_RW | PG_G
        set_pde PD, VA_DATA, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_DATA, PTE(FRAME_DATA, PG_P | PG_RW)
        set_pte PT1, VA_SHARED, PTE(FRAME_SHARED, PG_P | PG_RW | PG_G)
        enable_paging PD, CR4_PGE
paging_on:
        nop                             ; the code page is in the TLB now
first_read:
        mov     eax, [VA_DATA]          ; miss: PDE, then PTE (2 references)
second_read:
        mov     ebx, [VA_DATA + 4]      ; same page: a hit, no walk
first_write:
        mov     dword [VA_DATA + 8], 1  ; hit, but the entry is clean: walk
                                        ; again to set D in the PTE
second_write:
        mov     dword [VA_DATA + 12], 2 ; hit, D already set: no walk
read_shared:
        mov     ecx, [VA_SHARED]        ; the global page: a miss
reload_cr3:
        mov     eax, cr3
        mov     cr3, eax                ; flush every non-global entry
after_reload:
        nop
read_shared_again:
        mov     edx, [VA_SHARED]        ; a hit: the global entry survived
read_data_again:
        mov     esi, [VA_DATA]          ; a miss: it did not
flush_shared:
        invlpg  [VA_SHARED]             ; INVLPG drops even a global entry
after_invlpg:
        mov     edi, [VA_SHARED]        ; a miss again
done:
        print   "data="
        puthex  esi
        print   " shared="
        puthex  edi
        print   10
        exit    0

        hv_library
