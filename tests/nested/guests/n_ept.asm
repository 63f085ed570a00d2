; n_ept.asm - FIDELITY behaviour 8: EPT violations on first touch (lazy
; EPT), EPT misconfigurations and read-only EPT leaves.  The C test stops
; at the p_* labels (breakpoints, addresses in INFO) and pokes nested
; entries with hv_machine_nested_set_entry before the access that follows.
;
; The guest writes its tables and the frames' contents with paging off,
; which under hvlab's nested mode does not touch the EPT
; (docs/nested.md): every frame below is first reached through the EPT
; in its window.  The stack and RES are touched before marker 1.
;   1-2  read  VA_R -> FRAME_R            violation: read, final
;   2-3  write VA_W -> FRAME_W            violation: write, final
;   3-4  call fetch_fn (its own page)     violation: fetch, final
;   4-5  read  VA_S through PT2           violation on PT2 (a guest paging
;                                         structure), then on FRAME_S
;   5-6  p_rd: read VA_R                  (test: FRAME_R leaf XWR = 010)
;   6-7  p_wr: write VA_W                 (test: FRAME_W leaf XWR = 110)
;   7-8  p_ro: write VA_R                 (test: FRAME_R leaf XWR = 101)
;   8-9  p_ro2: read VA_W, write VA_W     (test: FRAME_W leaf XWR = 101)
;   9-10 p_dirty: read VA_W, write VA_W   (test: FRAME_W leaf RWX, EPT A
;                                         and D clear; the guest PTE is
;                                         already dirty)
; RES: +0 VA_R in 1-2, +4 fetch_fn's EAX, +8 VA_S, +12 VA_R in 5-6,
; +16 VA_W in 8-9, +20 VA_R and +24 VA_W at the end, +28 VA_W in 9-10.
%include "st.inc"
        guest_header
        dd      p_rd, p_wr, p_ro, p_ro2, p_dirty, fetch_fn      ; INFO

PT1             equ     0x12000                 ; VA 4..8 MiB
PT2             equ     0x00060000              ; VA 8..12 MiB
VA_R            equ     0x00400000
VA_W            equ     0x00401000
VA_S            equ     0x00800000
FRAME_R         equ     0x00500000              ; EPT PD entry 2 absent
FRAME_W         equ     0x00051000              ; EPT PD entry 0 present
FRAME_S         equ     0x00061000

start:
        st_setup
        set_pde PD, VA_R, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_R, PTE(FRAME_R, PG_P | PG_RW)
        set_pte PT1, VA_W, PTE(FRAME_W, PG_P | PG_RW)
        set_pde PD, VA_S, PDE_TABLE(PT2, PG_P | PG_RW)
        set_pte PT2, VA_S, PTE(FRAME_S, PG_P | PG_RW)
        mov     dword [FRAME_R], 0x11111111
        mov     dword [FRAME_W], 0x22222222
        mov     dword [FRAME_S], 0x33333333
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page
        push    eax                             ; the stack page
        pop     eax
        mov     eax, [PT1]                      ; PT1, VA_R's table

        mark    1
        mov     eax, [VA_R]
        mov     [RES + 0], eax
        mark    2
        mov     dword [VA_W], 0x44444444
        mark    3
        call    fetch_fn
        mov     [RES + 4], eax
        mark    4
        mov     eax, [VA_S]
        mov     [RES + 8], eax
        mark    5
p_rd:   mov     eax, [VA_R]
        mov     [RES + 12], eax
        mark    6
p_wr:   mov     dword [VA_W], 0x66666666
        mark    7
p_ro:   mov     dword [VA_R], 0x77777777
        mark    8
p_ro2:  mov     eax, [VA_W]
        mov     [RES + 16], eax
        mov     dword [VA_W], 0x88888888
        mark    9
p_dirty: mov    eax, [VA_W]
        mov     [RES + 28], eax
        mov     dword [VA_W], 0x99999999
        mark    10
        mov     eax, [VA_R]
        mov     [RES + 20], eax
        mov     eax, [VA_W]
        mov     [RES + 24], eax
        exit    0
        hv_library

; fetch_fn lives alone on the image's last page: nothing reads or runs it
; before window 3-4.
        times   (0x4000 - GUEST_LOAD) - ($ - $$) db 0
fetch_fn:
        mov     eax, 0x5A5A5A5A
        ret
