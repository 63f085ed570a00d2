; s_truepf.asm - FIDELITY behaviour 7 (a true #PF is injected with the
; guest's error code and CR2) and CR0.WP under a hypervisor.
;
; NP is not present, RO is present and read-only (P, no RW).  Paging starts
; with CR0.WP = 0, then WP is set.
;   1-2  WP := 1; write RES, the code page (st_resume), the stack
;   2-3  read NP+0x124: #PF, error 0, CR2 NP+0x124
;   3-4  write NP+0x458: #PF, error 2
;   4-5  read RO, then write RO+0x788: #PF, error 3 (WP = 1)
;   5-6  WP := 0
;   6-7  write RO+0x788 := 0x5A5A5A5A: allowed (supervisor, WP = 0)
;   7-8  WP := 1
;   8-9  write RO+0x788 := 0x11111111: #PF, error 3 again
;   9-10 read back RO+0x788 -> RES+4, RO's PTE -> RES+0
; The handler logs faults at RES+0x100 + 16*n (error, CR2, EIP), count at
; RES+0xFC.  INFO: EIPs of the faulting accesses, of the write that WP = 0
; allows, and of the MOV CR0 that sets WP first.
%include "st.inc"
        guest_header
        dd      f1, f2, f3, f4, w_ok, wp_set    ; INFO

NP              equ     0x00300000
RO              equ     0x00301000

start:
        st_setup
        set_gate idt, VEC_PF, st_pf
        load_idt idt, 32
        set_pte PT0, NP, 0
        set_pte PT0, RO, PTE(RO, PG_P)
        enable_paging PD, 0

        mark    1
        mov     eax, cr0
        or      eax, CR0_WP
wp_set: mov     cr0, eax                        ; EAX: VT-x qualification 0
        ; WP = 1 is a new shadow root (another role): make the pages the
        ; #PF handler writes writable in it before the faults.
        mov     dword [RES], 0                  ; the RES page
        mov     dword [st_resume], 0            ; the code page
        push    eax                             ; the stack page
        pop     eax
        mark    2
        mov     dword [st_resume], r1
f1:     mov     eax, [NP + 0x124]
r1:     mark    3
        mov     dword [st_resume], r2
f2:     mov     dword [NP + 0x458], 1
r2:     mark    4
        mov     eax, [RO]
        mov     dword [st_resume], r3
f3:     mov     dword [RO + 0x788], 1
r3:     mark    5
        set_wp  0
        mark    6
w_ok:   mov     dword [RO + 0x788], 0x5A5A5A5A
        mark    7
        set_wp  1
        mark    8
        mov     dword [st_resume], r4
f4:     mov     dword [RO + 0x788], 0x11111111
r4:     mark    9
        mov     eax, [RO + 0x788]
        mov     [RES + 4], eax
        mov     eax, [PT0 + PTE_INDEX(RO) * 4]
        mov     [RES + 0], eax
        mark    10
        exit    0

        st_pf_handler
        align   8
idt:    times 32 dq 0
        hv_library
