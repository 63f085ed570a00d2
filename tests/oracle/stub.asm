; stub.asm - hvlab's QEMU boot stub (the oracle's "BIOS").
;
; Build:  nasm -f bin -o stub.bin stub.asm           (exactly 64 KiB)
; Use:    qemu-system-i386 -M pc -m 16 -bios stub.bin \
;             -device loader,file=guest.bin,addr=0x1000,force-raw=on ...
;
; QEMU maps a 64 KiB -bios image at 0xFFFF0000 (and aliases it at 0xF0000)
; and starts the CPU in real mode at 0xFFFFFFF0 with CS.base = 0xFFFF0000.
; The generic loader has already copied the guest to 0x1000 by then.
; This stub puts the CPU in exactly the entry state that hvlab gives a
; guest (docs/guest-abi.md, DESIGN.md section 3), then jumps to 0x1000:
;
;   32-bit protected mode, paging off, CS=0x08, DS/ES/FS/GS/SS=0x10,
;   GDTR = 0xFFFF0000 limit 23 (the table below, in ROM),
;   IDTR = base 0 limit 0xFFFF, EFLAGS = 0x2 (IF=0), CR0 = PE|ET = 0x11,
;   CR3 = CR4 = 0, ESP = top of RAM, EAX..EBP, ESI, EDI = 0,
;   RAM outside the guest image untouched (QEMU zeroes it at start).
;
; The stub never writes RAM for good: the A20 probe puts the bytes back,
; and the one stack slot that POPFD needs is cleared again.  If A20 cannot
; be turned on, the stub prints a line on COM1 and exits through the
; isa-debug-exit port with 0x7F, a value no example guest uses.

        bits    16
        org     0xFFFF0000              ; labels are linear addresses

SEL_CODE        equ     0x08
SEL_DATA        equ     0x10
GUEST_ENTRY     equ     0x1000

COM1            equ     0x3F8
EXIT_PORT       equ     0xF4
STUB_FAIL       equ     0x7F            ; exit value for "stub could not boot"

; A20_PROBE: ZF=1 (E) when the A20 gate is open.  With A20 masked, linear
; 0x100500 aliases 0x000500: write different bytes to both and see whether
; the low one changed.  Both bytes are put back.  Clobbers AL, CX.
%macro A20_PROBE 0
        mov     cl, [0x000500]
        mov     ch, [0x100500]
        mov     byte [0x000500], 0x00
        mov     byte [0x100500], 0xFF
        mov     al, [0x000500]          ; 0xFF here: the write wrapped
        mov     [0x100500], ch
        mov     [0x000500], cl
        cmp     al, 0x00
%endmacro

; CMOS_READ16 reg: EBX = 16-bit little-endian CMOS value at reg, reg+1.
%macro CMOS_READ16 1
        mov     al, %1 + 1
        out     0x70, al
        in      al, 0x71
        mov     ah, al
        mov     al, %1
        out     0x70, al
        in      al, 0x71
        movzx   ebx, ax
%endmacro

; ---------------------------------------------------------------------------
; Offset 0 (linear 0xFFFF0000): the flat GDT.  hvlab's GDTR names this very
; address, so a guest that reads its GDT (SGDT, then the entries) sees the
; same bytes on both sides.  It lives in ROM: a guest that loads segment
; registers must first load a GDT of its own in RAM (the CPU sets the
; descriptor's accessed bit on a load, which a ROM table cannot take).
; ---------------------------------------------------------------------------
gdt:
        dq      0                       ; 0x00 null
        dq      0x00CF9A000000FFFF      ; 0x08 code: base 0, limit 4 GiB, 32-bit, exec/read, DPL 0
        dq      0x00CF92000000FFFF      ; 0x10 data: base 0, limit 4 GiB, read/write, DPL 0
gdt_end:

gdtr:                                   ; pseudo-descriptor for LGDT
        dw      gdt_end - gdt - 1       ; 23
        dd      gdt

idtr:                                   ; the entry IDTR hvlab documents
        dw      0xFFFF
        dd      0

; ---------------------------------------------------------------------------
; Real mode, reached from the reset vector.  CS.base is 0xFFFF0000, DS.base
; is 0, so ROM data must be addressed CS-relative (offset = linear - base).
; ---------------------------------------------------------------------------
start16:
        cli
        cld
        o32 lgdt [cs:gdtr - gdt]        ; o32: all 32 bits of the base; gdt is offset 0
        mov     eax, cr0
        or      al, 1                   ; CR0.PE
        mov     cr0, eax
        jmp     dword SEL_CODE:start32  ; load CS from the GDT, 32-bit EIP

; ---------------------------------------------------------------------------
; 32-bit protected mode, flat.
; ---------------------------------------------------------------------------
        bits    32
start32:
        mov     ax, SEL_DATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        lidt    [idtr]

        ; --- A20.  QEMU's PC powers up with the A20 gate open (port 0x92
        ; reads 0x00 then, but the keyboard controller's A20 output is on),
        ; and this code could not even be running at 0xFFFFxxxx otherwise:
        ; address bit 20 is set here.  Check anyway, cheaply, so that a
        ; machine model that differs fails loudly instead of aliasing RAM.
        ; No CALL here: ESP is still 0 and a push would go to 0xFFFFFFFC,
        ; which is ROM.
        A20_PROBE
        je      .a20_ok
        in      al, 0x92                ; "fast A20" (System Control Port A):
        or      al, 0x02                ; bit 1 opens the gate;
        and     al, 0xFE                ; bit 0 would reset the CPU: keep 0
        out     0x92, al
        A20_PROBE
        je      .a20_ok
        mov     esi, msg_a20
        jmp     fail
.a20_ok:

        ; --- Top of RAM, from the CMOS as QEMU's pc_cmos_init fills it:
        ; 0x30/0x31 = KiB above 1 MiB (capped at 65535), 0x34/0x35 = 64 KiB
        ; units above 16 MiB (0 when RAM <= 16 MiB).  -m 16 gives 0x01000000.
        CMOS_READ16 0x34
        test    ebx, ebx
        jz      .below16m
        shl     ebx, 16                 ; 64 KiB units
        add     ebx, 0x01000000
        jmp     .have_top
.below16m:
        CMOS_READ16 0x30
        shl     ebx, 10                 ; KiB
        add     ebx, 0x00100000
.have_top:

        ; --- Control registers.  QEMU resets CR0 to 0x60000010 (CD, NW, ET);
        ; hvlab's guests start with caches on: PE|ET only.
        mov     eax, 0x00000011
        mov     cr0, eax
        xor     eax, eax
        mov     cr3, eax
        mov     cr4, eax

        ; --- EFLAGS = 0x2.  POPFD needs one stack slot; clear it afterwards
        ; so that RAM is still all zero outside the guest image.  MOV does
        ; not touch the flags, so nothing below disturbs EFLAGS again.
        mov     esp, ebx
        push    dword 0x00000002
        popfd
        mov     dword [esp - 4], 0

        mov     eax, 0
        mov     ebx, 0
        mov     ecx, 0
        mov     edx, 0
        mov     ebp, 0
        mov     esi, 0
        mov     edi, 0
        jmp     SEL_CODE:GUEST_ENTRY    ; absolute far jump: no register, no stack

; fail: print the NUL-terminated string at ESI on COM1, exit STUB_FAIL.
fail:
        mov     dx, COM1 + 5            ; LSR
.wait:  in      al, dx
        test    al, 0x20                ; THRE
        jz      .wait
        lodsb
        test    al, al
        jz      .exit
        mov     dx, COM1
        out     dx, al
        jmp     fail
.exit:  mov     al, STUB_FAIL
        out     EXIT_PORT, al
        jmp     $                       ; not reached: the port ends QEMU

msg_a20: db      "stub: A20 gate stuck off", 10, 0

; ---------------------------------------------------------------------------
; Reset vector: the last 16 bytes of the image, linear 0xFFFFFFF0.
; ---------------------------------------------------------------------------
        times   0x10000 - 16 - ($ - $$) db 0xFF
        bits    16
reset:
        jmp     near start16            ; IP-relative: lands at CS.base + offset
        times   0x10000 - ($ - $$) db 0xFF
