; s_alias.asm - rights that come from the page directory entry, under
; CR0.WP = 1 (SDM Vol 3A §4.6: the rights of every level combine).
;
; Two directory entries share one page table, PT1: PDE 1 read/write (VA1)
; and PDE 2 read-only (VA2); both reach FRAME_A.  Two 4 MiB directory
; entries share one 4 MiB frame, LFRAME: PDE 3 read/write (VA3), PDE 4
; read-only (VA4).  The writable alias is written first, so a hypervisor
; that shares one shadow table between both aliases has a writable shadow
; entry ready when the read-only alias is written (KVM keeps them apart:
; the role carries the access, role.access).  Both read-only aliases are
; read first, so their directory entries are in use.
;   0-1  read VA2 and VA4 (allowed)
;   1-2  write VA1 := 0x11 (allowed)
;   2-3  write VA2 := 0x22: #PF, error 3, CR2 = VA2
;   3-4  write VA3 := 0x33 (allowed)
;   4-5  write VA4 := 0x44: #PF, error 3, CR2 = VA4
;   5-6  FRAME_A -> RES+0 (0x11), VA3 (LFRAME) -> RES+4 (0x33)
; Faults are logged at RES+0x100 + 16*n (error, CR2, EIP), count RES+0xFC.
; INFO: EIPs of the two writes that must fault.
%include "st.inc"
        guest_header
        dd      f1, f2                          ; INFO

PT1             equ     0x12000
VA1             equ     0x00400000              ; PDE 1 -> PT1, RW
VA2             equ     0x00800000              ; PDE 2 -> PT1, read-only
VA3             equ     0x00C00000              ; PDE 3: 4 MiB, RW
VA4             equ     0x01000000              ; PDE 4: 4 MiB, read-only
FRAME_A         equ     0x00300000
LFRAME          equ     0x00800000

start:
        st_setup
        set_gate idt, VEC_PF, st_pf
        load_idt idt, 32
        set_pte PT1, VA1, PTE(FRAME_A, PG_P | PG_RW)
        set_pde PD, VA1, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pde PD, VA2, PDE_TABLE(PT1, PG_P)
        set_pde PD, VA3, PDE_LARGE(LFRAME, PG_P | PG_RW)
        set_pde PD, VA4, PDE_LARGE(LFRAME, PG_P)
        enable_paging PD, CR4_PSE
        set_wp  1
        mov     dword [RES], 0                  ; the RES page, writable

        mark    0
        mov     eax, [VA2]
        mov     eax, [VA4]
        mark    1
        mov     dword [VA1], 0x11
        mark    2
        mov     dword [st_resume], r1
f1:     mov     dword [VA2], 0x22
r1:     mark    3
        mov     dword [VA3], 0x33
        mark    4
        mov     dword [st_resume], r2
f2:     mov     dword [VA4], 0x44
r2:     mark    5
        mov     eax, [FRAME_A]
        mov     [RES + 0], eax
        mov     eax, [VA3]
        mov     [RES + 4], eax
        mark    6
        exit    0

        st_pf_handler
        align   8
idt:    times 32 dq 0
        hv_library
