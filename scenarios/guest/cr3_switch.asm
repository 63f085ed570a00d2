; cr3_switch.asm - two address spaces, one virtual address, two frames.
;
; Page directories A (0x10000) and B (0x11000) share page table 0 (the
; identity map of 0 .. 4 MiB, so code, stack and tables are reachable in
; both) and differ in PDE 1:
;
;   VA 0x00400000  ->  A: frame 0x60000        B: frame 0x61000   (private)
;   VA 0x00401000  ->  A: frame 0x62000        B: frame 0x62000   (shared)
;
; Loading CR3 switches the whole mapping at once: the same load from
; 0x00400000 reads a different frame, a write in B is invisible in A, and
; a write to the shared page is visible in both.  (MOV CR3 flushes every
; non-global TLB entry, so nothing stale can be read after a switch; no
; page here is global.)  Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

PD_A            equ     0x10000
PD_B            equ     0x11000
PT0             equ     0x12000         ; identity 0 .. 4 MiB, shared
PT_A            equ     0x13000
PT_B            equ     0x14000
STACK_TOP       equ     0x80000
FRAME_A         equ     0x60000
FRAME_B         equ     0x61000
FRAME_SHARED    equ     0x62000
VA_PRIV         equ     0x00400000
VA_SHARED       equ     0x00401000
SPACE_LETTER    equ     text_a.letter - text_a  ; where the A or B is

; switch_to pd: load CR3 and say so.
%macro switch_to 1
        mov     eax, %1
        mov     cr3, eax
        print   "cr3="
        mov     eax, cr3
        puthex  eax
        check   eax, %1
        print   ": "
%endmacro

start:
        load_flat_gdt
        mov     esp, STACK_TOP

        ; Fill the private frames with text (paging is still off).
        mov     esi, text_a
        mov     edi, FRAME_A
        call    copy_string
        mov     esi, text_b
        mov     edi, FRAME_B
        call    copy_string

        identity_map_4m PD_A, PT0, PG_P | PG_RW
        set_pde PD_B, 0, PDE_TABLE(PT0, PG_P | PG_RW)
        set_pde PD_A, VA_PRIV, PDE_TABLE(PT_A, PG_P | PG_RW)
        set_pde PD_B, VA_PRIV, PDE_TABLE(PT_B, PG_P | PG_RW)
        set_pte PT_A, VA_PRIV, PTE(FRAME_A, PG_P | PG_RW)
        set_pte PT_B, VA_PRIV, PTE(FRAME_B, PG_P | PG_RW)
        set_pte PT_A, VA_SHARED, PTE(FRAME_SHARED, PG_P | PG_RW)
        set_pte PT_B, VA_SHARED, PTE(FRAME_SHARED, PG_P | PG_RW)
        enable_paging PD_A, 0

        print   "string at va 00400000", 10
        switch_to PD_A
        puts    VA_PRIV
        movzx   eax, byte [VA_PRIV + SPACE_LETTER]
        check   eax, 'A'
        print   10
        switch_to PD_B
        puts    VA_PRIV
        movzx   eax, byte [VA_PRIV + SPACE_LETTER]
        check   eax, 'B'
        print   10

        print   "write 0000bbbb at va 00400100 in B, then read it", 10
        mov     dword [VA_PRIV + 0x100], 0x0000BBBB
        switch_to PD_A
        puthex  [VA_PRIV + 0x100]
        check   [VA_PRIV + 0x100], 0
        print   10
        switch_to PD_B
        puthex  [VA_PRIV + 0x100]
        check   [VA_PRIV + 0x100], 0x0000BBBB
        print   10

        print   "write 5aaaaaa5 at va 00401000 (shared) in B, read it in A", 10
        mov     dword [VA_SHARED], 0x5AAAAAA5
        switch_to PD_A
        puthex  [VA_SHARED]
        check   [VA_SHARED], 0x5AAAAAA5
        print   10

        ; The frames seen through the identity map (physical addresses).
        print   "physical: [00060100]="
        puthex  [FRAME_A + 0x100]
        check   [FRAME_A + 0x100], 0
        print   " [00061100]="
        puthex  [FRAME_B + 0x100]
        check   [FRAME_B + 0x100], 0x0000BBBB
        print   " [00062000]="
        puthex  [FRAME_SHARED]
        check   [FRAME_SHARED], 0x5AAAAAA5
        print   10

        exit_failures

; copy_string: copy the NUL-terminated string at ESI to EDI.
copy_string:
        lodsb
        stosb
        test    al, al
        jnz     copy_string
        ret

text_a: db      "hello from address space "
.letter: db     "A", 0
text_b: db      "hello from address space B", 0

        hv_library
