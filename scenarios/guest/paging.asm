; paging.asm - turn 32-bit paging on; two mappings of the same RAM.
;
; VA 0 .. 4 MiB is identity-mapped with 4 KiB pages (one page table), so
; the code keeps running when CR0.PG goes on.  VA 12 MiB .. 16 MiB is one
; 4 MiB page (CR4.PSE, PDE.PS) over the same physical 0 .. 4 MiB: every
; byte there has two virtual addresses.  A write through one is read back
; through the other, and code is fetched through the alias too.
; Exit value = failed checks (0).
;
; Physical layout (all below the 0xA0000 hole):
;   0x01000  this image        0x10000  page directory
;   0x11000  page table 0      0x50000  the data page written below
;   0x80000  top of the stack (the entry stack at 16 MiB is not mapped)

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000
STACK_TOP       equ     0x80000
DATA            equ     0x00050000      ; physical = identity VA
ALIAS_BASE      equ     0x00C00000      ; VA of the 4 MiB page (PDE 3)
DATA_ALIAS      equ     ALIAS_BASE + DATA

start:
        load_flat_gdt
        mov     esp, STACK_TOP

        ; Tables.  RAM is zero, so every other PDE is already not present.
        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, ALIAS_BASE, PDE_LARGE(0, PG_P | PG_RW)
        enable_paging PD, CR4_PSE

        print   "paging on: cr0="
        mov     eax, cr0
        puthex  eax
        check   eax, CR0_PG | CR0_ET | CR0_PE
        print   " cr3="
        mov     eax, cr3
        puthex  eax
        check   eax, PD
        print   " cr4="
        mov     eax, cr4
        puthex  eax
        check   eax, CR4_PSE
        print   10

        ; Write through the 4 KiB identity mapping, read through the alias.
        mov     dword [DATA], 0x12345678
        print   "wrote 12345678 at va 00050000, read at va 00c50000: "
        mov     eax, [DATA_ALIAS]
        puthex  eax
        check   eax, 0x12345678
        print   10

        ; And the other way round.
        mov     dword [DATA_ALIAS + 4], 0xCAFEF00D
        print   "wrote cafef00d at va 00c50004, read at va 00050004: "
        mov     eax, [DATA + 4]
        puthex  eax
        check   eax, 0xCAFEF00D
        print   10

        ; Fetch through the alias: call where_am_i at its alias address.
        ; It returns its own EIP, whose top bits say which mapping ran it.
        mov     eax, where_am_i + ALIAS_BASE
        call    eax
        and     eax, 0xFFC00000
        print   "code fetched through the 4 MiB page: eip & ffc00000 = "
        puthex  eax
        check   eax, ALIAS_BASE
        print   10

        ; The walker set A (and D after the writes) on the entries it used:
        ; the 4 MiB PDE is a leaf, so it gets D; the 4 KiB PTE of DATA too.
        print   "pde[3]="
        puthex  [PD + PDE_INDEX(ALIAS_BASE) * 4]
        check   [PD + PDE_INDEX(ALIAS_BASE) * 4], PG_P | PG_RW | PG_A | PG_D | PG_PS
        print   " pte[0x50]="
        puthex  [PT0 + PTE_INDEX(DATA) * 4]
        check   [PT0 + PTE_INDEX(DATA) * 4], DATA | PG_P | PG_RW | PG_A | PG_D
        print   10

        exit_failures

; where_am_i: EAX = the address this code was fetched from.
where_am_i:
        call    .here
.here:  pop     eax
        ret

        hv_library
