; s_large.asm - a guest 4 MiB page under shadow paging: the hypervisor
; shadows it with 4 KiB entries of a "direct" shadow table (KVM's
; role.direct), filled one 4 KiB piece at a time.
;
; PDE 1 maps VA_L (4 MiB) to the 4 MiB frame LFRAME (CR4.PSE on).
;   1-2  write VA_L+0x1234 := 0xCAFEF00D
;   2-3  write VA_L+0x3FF010 := 0xD00DFEED (the last 4 KiB piece)
;   3-4  read VA_L+0x1234 -> RES+0; read the PDE -> RES+4
;   4-5  the guest cleans the page: PDE := LFRAME|P|RW|PS (A = D = 0),
;        INVLPG VA_L (drops every piece of the 4 MiB page, SDM §4.10.4.1)
;   5-6  read VA_L+0x1234; the PDE -> RES+8 (A set again, D still clear)
;   6-7  write VA_L+0x3FF010 := 1; the PDE -> RES+12 (D set again)
%include "st.inc"
        guest_header

VA_L            equ     0x00400000
LFRAME          equ     0x00800000

start:
        st_setup
        set_pde PD, VA_L, PDE_LARGE(LFRAME, PG_P | PG_RW)
        enable_paging PD, CR4_PSE
        mov     dword [RES], 0                  ; the RES page, writable

        mark    1
        mov     dword [VA_L + 0x1234], 0xCAFEF00D
        mark    2
        mov     dword [VA_L + 0x3FF010], 0xD00DFEED
        mark    3
        mov     eax, [VA_L + 0x1234]
        mov     [RES + 0], eax
        mov     eax, [PD + PDE_INDEX(VA_L) * 4]
        mov     [RES + 4], eax
        mark    4
        mov     dword [PD + PDE_INDEX(VA_L) * 4], PDE_LARGE(LFRAME, PG_P | PG_RW)
        invlpg  [VA_L]
        mark    5
        mov     eax, [VA_L + 0x1234]
        mov     eax, [PD + PDE_INDEX(VA_L) * 4]
        mov     [RES + 8], eax
        mark    6
        mov     dword [VA_L + 0x3FF010], 1
        mov     eax, [PD + PDE_INDEX(VA_L) * 4]
        mov     [RES + 12], eax
        mark    7
        exit    0
        hv_library
