; g_end.asm - how a VM ends.  INFO+0 (patched by the test) picks the case:
;   0  OUT 0xF4, 0x42                     exit_port, status 0x42
;   1  CLI; HLT                           halt (nothing can wake the CPU)
;   2  read  [0xB8000], paging off        bad_access: the PC hole, not RAM
;   3  write [0xB8000], paging off        bad_access
;   4  read  [0x01000000], paging off     bad_access: just past 16 MiB RAM
;   5  paging: PTE -> frame 0x02000000    bad_access at the final access
;   6  paging: PDE -> table 0x03000000    bad_access during the walk
;   7  JMP 0xA0000, paging off            bad_access on the fetch
;   8  IDT at 0xA0000, INT 0x30           bad_access reading the gate
;   9  ESP at 0xA1000, INT 0x30           bad_access pushing the frame
; Every bad case is followed by OUT 0xF4, 0x7E: it must never run.
%include "ut.inc"
        guest_header
        dd      0                       ; INFO+0: the case

PD              equ     0x10000
PT0             equ     0x11000
PT1             equ     0x12000
VA_X            equ     0x00400000

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        mov     eax, [INFO]
        jmp     [cases + eax * 4]

c0:     exit    0x42
c1:     cli
        hlt
        exit    0x7E
c2:     mov     eax, [0xB8000]
        exit    0x7E
c3:     mov     byte [0xB8000], 'A'
        exit    0x7E
c4:     mov     eax, [0x01000000]
        exit    0x7E
c5:     identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_X, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pte PT1, VA_X, PTE(0x02000000, PG_P | PG_RW)
        enable_paging PD, 0
        mov     eax, [VA_X + 0x10]
        exit    0x7E
c6:     identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, VA_X, PDE_TABLE(0x03000000, PG_P | PG_RW)
        enable_paging PD, 0
        mov     eax, [VA_X + 0x10]
        exit    0x7E
c7:     mov     eax, 0xA0000
        jmp     eax
c8:     load_idt 0xA0000, 0x31
        int     0x30
        exit    0x7E
c9:     set_gate idt, 0x30, c9_handler
        load_idt idt, 0x31
        mov     esp, 0xA1000
        int     0x30
c9_handler:
        exit    0x7E

        align   4
cases:  dd      c0, c1, c2, c3, c4, c5, c6, c7, c8, c9
        align   8
idt:    times 0x31 dq 0
        hv_library
