; s_dirty.asm - FIDELITY behaviour 6: the first write to a clean page
; (guest PTE D = 0) exits so the hypervisor can set D; the guest sees D = 1;
; the next write does not exit.
;
; PT0's entries start with A = D = 0.  VA_D is read before it is written;
; VA_E is written without a read first.
;   1-2  read VA_D
;   2-3  write VA_D (the first write: D is set)
;   3-4  read VA_D's PTE -> RES+0
;   4-5  write VA_D again
;   5-6  write VA_E (never touched before)
;   6-7  read VA_E's PTE -> RES+4; read VA_D, VA_E -> RES+8, RES+12
; INFO: EIPs of the writes (VA_D first, VA_D second, VA_E), of the read.
%include "st.inc"
        guest_header
        dd      wd1, wd2, we, rd                ; INFO

VA_D            equ     0x00300000
VA_E            equ     0x00301000

start:
        st_setup
        enable_paging PD, 0
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
rd:     mov     eax, [VA_D]
        mark    2
wd1:    mov     dword [VA_D], 0x1234
        mark    3
        mov     eax, [PT0 + PTE_INDEX(VA_D) * 4]
        mov     [RES + 0], eax
        mark    4
wd2:    mov     dword [VA_D + 4], 0x5678
        mark    5
we:     mov     dword [VA_E], 0x9ABC
        mark    6
        mov     eax, [PT0 + PTE_INDEX(VA_E) * 4]
        mov     [RES + 4], eax
        mov     eax, [VA_D]
        add     eax, [VA_D + 4]
        mov     [RES + 8], eax
        mov     eax, [VA_E]
        mov     [RES + 12], eax
        mark    7
        exit    0
        hv_library
