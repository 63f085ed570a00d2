; entry.asm - print the machine state a guest is entered with.
;
; The entry state is a contract (docs/guest-abi.md, DESIGN.md §3): hvlab
; sets it up directly, QEMU gets there through tests/oracle/stub.bin.  This
; guest reads every piece of it before disturbing anything and checks it:
; general registers, ESP, EFLAGS, CR0/CR3/CR4, GDTR, IDTR, the selectors,
; the ROM GDT's bytes, that RAM outside the image is zero, and the CPUID
; feature bits that guests rely on.  Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

RAM_TOP         equ     0x01000000      ; 16 MiB: hvlab's default, QEMU -m 16
ROM_GDT         equ     0xFFFF0000

; CPUID.1:EDX bits (SDM Vol 2A, CPUID, table 3-11)
CPUID_PSE       equ     1 << 3
CPUID_TSC       equ     1 << 4
CPUID_PAE       equ     1 << 6
CPUID_PGE       equ     1 << 13
CPUID_PSE36     equ     1 << 17

start:
        ; Save everything with MOV first: no stack, no flags touched.
        mov     [r_eax], eax
        mov     [r_ebx], ebx
        mov     [r_ecx], ecx
        mov     [r_edx], edx
        mov     [r_esi], esi
        mov     [r_edi], edi
        mov     [r_ebp], ebp
        mov     [r_esp], esp
        pushfd                          ; EFLAGS can only be read via the stack;
        pop     dword [r_eflags]
        mov     dword [esp - 4], 0      ; leave the slot zero, as we found it
        mov     [r_cs], cs
        mov     [r_ds], ds
        mov     [r_es], es
        mov     [r_fs], fs
        mov     [r_gs], gs
        mov     [r_ss], ss
        sgdt    [r_gdtr]
        sidt    [r_idtr]

        ; RAM outside the image must be zero; check it before the stack is
        ; used.  Ranges: below the image, image end to the 0xA0000 hole,
        ; the first 64 KiB above 1 MiB, the top 64 KiB (the stack area).
        ; (Not all 16 MiB: that is millions of instructions on hvlab.)
        mov     esi, zero_ranges
.range: lodsd                           ; start
        mov     edi, eax
        lodsd                           ; end
        test    eax, eax
        jz      .ranges_done
        mov     ecx, eax
        sub     ecx, edi
        shr     ecx, 2
        xor     eax, eax
        repe    scasd                   ; stops at the first nonzero dword
        je      .range
        sub     edi, 4
        mov     [r_nonzero], edi
        mov     dword [r_nonzero_ok], 0
.ranges_done:

        ; Now print and check.
        print   "eax="
        puthex  [r_eax]
        check   [r_eax], 0
        print   " ebx="
        puthex  [r_ebx]
        check   [r_ebx], 0
        print   " ecx="
        puthex  [r_ecx]
        check   [r_ecx], 0
        print   " edx="
        puthex  [r_edx]
        check   [r_edx], 0
        print   10, "esi="
        puthex  [r_esi]
        check   [r_esi], 0
        print   " edi="
        puthex  [r_edi]
        check   [r_edi], 0
        print   " ebp="
        puthex  [r_ebp]
        check   [r_ebp], 0
        print   " esp="
        puthex  [r_esp]
        check   [r_esp], RAM_TOP
        print   10, "eflags="
        puthex  [r_eflags]
        check   [r_eflags], 0x00000002      ; bit 1 is always 1; IF=0
        mov     eax, cr0
        print   " cr0="
        puthex  eax
        check   eax, CR0_PE | CR0_ET
        mov     eax, cr3
        print   " cr3="
        puthex  eax
        check   eax, 0
        mov     eax, cr4
        print   " cr4="
        puthex  eax
        check   eax, 0

        print   10, "gdtr="
        puthex  [r_gdtr + 2]
        check   [r_gdtr + 2], ROM_GDT
        putc    '/'
        movzx   eax, word [r_gdtr]
        puthex  eax, 4
        check   eax, 3 * 8 - 1
        print   " idtr="
        puthex  [r_idtr + 2]
        check   [r_idtr + 2], 0
        putc    '/'
        movzx   eax, word [r_idtr]
        puthex  eax, 4
        check   eax, 0xFFFF

        print   10, "cs="
        movzx   eax, word [r_cs]
        puthex  eax, 4
        check   eax, SEL_CODE
%macro show_sel 2                       ; name, saved selector
        print   %1
        movzx   eax, word [%2]
        puthex  eax, 4
        check   eax, SEL_DATA
%endmacro
        show_sel " ds=", r_ds
        show_sel " es=", r_es
        show_sel " fs=", r_fs
        show_sel " gs=", r_gs
        show_sel " ss=", r_ss

        ; The ROM GDT, read where GDTR points.  Its descriptors' accessed
        ; bits stay clear: the CPU's attempt to set them hits ROM.
        print   10, "rom gdt:"
        mov     ebx, ROM_GDT
%rep 3
        putc    ' '
        puthex  [ebx + 4]
        puthex  [ebx]
        add     ebx, 8
%endrep
        check   [ROM_GDT + 8], 0x0000FFFF
        check   [ROM_GDT + 12], 0x00CF9A00
        check   [ROM_GDT + 16], 0x0000FFFF
        check   [ROM_GDT + 20], 0x00CF9200

        print   10, "ram outside image zero: "
        mov     eax, [r_nonzero_ok]
        puthex  eax, 1
        check   eax, 1
        cmp     eax, 1
        je      .zero_ok
        print   " first nonzero dword at "
        puthex  [r_nonzero]
.zero_ok:

        ; Only the paging features matter to guests, and only they are
        ; compared: QEMU's pentium2 reports many more bits than hvlab.
        mov     eax, 1
        cpuid
        and     edx, CPUID_PSE | CPUID_TSC | CPUID_PAE | CPUID_PGE | CPUID_PSE36
        print   10, "cpuid.1:edx & (pse|tsc|pae|pge|pse36)="
        puthex  edx
        check   edx, CPUID_PSE | CPUID_TSC | CPUID_PGE
        print   10

        exit_failures

        align   4
; Where the RAM-is-zero check looks: [start, end) pairs, 0-terminated.
zero_ranges:
        dd      0x00000000, GUEST_LOAD
        dd      image_end_aligned, 0x000A0000
        dd      0x00100000, 0x00110000
        dd      RAM_TOP - 0x10000, RAM_TOP
        dd      0, 0

r_eax:  dd      0
r_ebx:  dd      0
r_ecx:  dd      0
r_edx:  dd      0
r_esi:  dd      0
r_edi:  dd      0
r_ebp:  dd      0
r_esp:  dd      0
r_eflags: dd    0
r_cs:   dw      0
r_ds:   dw      0
r_es:   dw      0
r_fs:   dw      0
r_gs:   dw      0
r_ss:   dw      0
r_gdtr: dw      0
        dd      0
r_idtr: dw      0
        dd      0
        align   4
r_nonzero_ok: dd 1
r_nonzero: dd   0

        hv_library
        align   4
image_end_aligned:
