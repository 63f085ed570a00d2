; demand.asm - paging on, demand paging through the guest's own #PF
; handler, a TLB too small for the sweep, a CR3 reload, an INVLPG and
; console output: a guest that makes every kind of counter move, so the CLI
; test can check the --json counters against the --trace events.
;
; VA 0..4 MiB is identity-mapped with 4 KiB pages, except the NPAGES pages
; at DEMAND, whose PTEs start not present; the #PF handler fills the PTE of
; CR2's page (identity) and counts. The exit value is that count (NPAGES).
;
; Physical layout: 0x1000 image, 0x10000 page directory, 0x11000 page
; table, 0x20000 IDT, 0x80000 top of stack.

        bits    32
        org     0x1000

PD      equ     0x10000
PT0     equ     0x11000
IDT     equ     0x20000
STACK   equ     0x80000
DEMAND  equ     0x200000
NPAGES  equ     80

start:
        lgdt    [gdt_ptr]
        jmp     0x08:.cs
.cs:    mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, STACK

        ; IDT: vector 14 -> pf_handler (32-bit interrupt gate, selector 8).
        mov     eax, pf_handler
        mov     edx, eax
        and     eax, 0xFFFF
        or      eax, 0x08 << 16
        mov     [IDT + 14 * 8], eax
        and     edx, 0xFFFF0000
        or      edx, 0x8E00
        mov     [IDT + 14 * 8 + 4], edx
        lidt    [idt_ptr]

        ; PT0: identity map of 0..4 MiB, present and writable ...
        mov     edi, PT0
        mov     eax, 0x003
        mov     ecx, 1024
.fill:  mov     [edi], eax
        add     edi, 4
        add     eax, 0x1000
        dec     ecx
        jnz     .fill
        ; ... except the demand-paged pages.
        mov     edi, PT0 + (DEMAND >> 12) * 4
        mov     ecx, NPAGES
.hole:  mov     dword [edi], 0
        add     edi, 4
        dec     ecx
        jnz     .hole
        mov     dword [PD], PT0 + 0x003

        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax

        ; Two passes over the pages: the first faults on every page (read)
        ; then writes it; the second only reads, and misses because the
        ; pages outnumber the TLB's entries.
        mov     ebx, 2
.pass:  mov     edi, DEMAND
        mov     ecx, NPAGES
.page:  mov     eax, [edi]
        mov     [edi + 4], ecx
        add     edi, 0x1000
        dec     ecx
        jnz     .page
        dec     ebx
        jnz     .pass

        mov     eax, cr3                ; flush the non-global entries
        mov     cr3, eax
        invlpg  [DEMAND]

        mov     esi, msg
.next:  mov     bl, [esi]
        test    bl, bl
        jz      .done
        mov     dx, 0x3FD
.wait:  in      al, dx
        test    al, 0x20
        jz      .wait
        mov     dx, 0x3F8
        mov     al, bl
        out     dx, al
        inc     esi
        jmp     .next
.done:  mov     eax, [faults]
        out     0xF4, al
.spin:  jmp     .spin

; #PF: map CR2's page identity, present and writable, and retry.
pf_handler:
        push    eax
        push    ebx
        mov     eax, cr2
        and     eax, 0xFFFFF000
        mov     ebx, eax
        shr     ebx, 12
        or      eax, 0x003
        mov     [PT0 + ebx * 4], eax
        inc     dword [faults]
        pop     ebx
        pop     eax
        add     esp, 4                  ; the error code
        iret

        align   8
gdt:    dq      0
        dq      0x00CF9A000000FFFF
        dq      0x00CF92000000FFFF
gdt_ptr:
        dw      3 * 8 - 1
        dd      gdt
idt_ptr:
        dw      15 * 8 - 1
        dd      IDT
faults: dd      0
msg:    db      "demand ok", 10, 0
