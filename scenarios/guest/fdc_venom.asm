; fdc_venom.asm - the VENOM (CVE-2015-3456) command sequence against the
; floppy controller's FIFO, for the scenario venom.json and the tests
; (FIDELITY.md behaviour 13).  QEMU's FDC before the fix let DRIVE
; SPECIFICATION (0x8E) and READ ID (0x0A) take more parameter bytes than
; its 512-byte FIFO holds, and the index ran past the buffer into the
; heap: a guest could write the host's memory.  Here every FIFO index is
; bounded: the extra bytes are refused as device errors and the
; controller still answers.
;   phase_version .. venom_start   VERSION (0x10): result 0x90 (82077AA)
;   venom_start   .. venom_done    0x8E, then 10,000 bytes by REP OUTSB
;   venom_done    .. read_id_done  the same with READ ID
;   read_id_done  ..               VERSION again: still 0x90
; Exit value = failed checks.

        bits    32
        org     0x1000
%include "hvlab.inc"

FDC_MSR         equ     0x3F4           ; main status register (read)
FDC_FIFO        equ     0x3F5           ; data FIFO
FDC_DOR         equ     0x3F2           ; digital output register
CMD_VERSION     equ     0x10
CMD_DRIVE_SPEC  equ     0x8E
CMD_READ_ID     equ     0x0A
FLOOD           equ     10000

start:
        mov     al, 0x0C                ; DOR: out of reset, DMA/IRQ gate on
        mov     dx, FDC_DOR
        out     dx, al
phase_version:
        call    version
        mov     [before], eax
venom_start:
        mov     dx, FDC_FIFO
        mov     al, CMD_DRIVE_SPEC
        out     dx, al
        mov     esi, flood
        mov     ecx, FLOOD
        cld
        rep outsb                       ; one exit under a hypervisor
venom_done:
        mov     al, CMD_READ_ID
        out     dx, al
        mov     esi, flood
        mov     ecx, FLOOD
        rep outsb
read_id_done:
        ; Whatever state the flood left, a reset through DOR brings the
        ; controller back (82077AA datasheet: DOR bit 2 low resets it).
        mov     dx, FDC_DOR
        xor     al, al
        out     dx, al
        mov     al, 0x0C
        out     dx, al
        call    version
        mov     [after], eax
        print   "version before: "
        puthex  [before], 2
        check   [before], 0x90
        print   ", after the flood: "
        puthex  [after], 2
        check   [after], 0x90
        print   10
        exit_failures

; version: EAX = the VERSION command's result byte; waits for RQM before
; each FIFO access as a driver must (MSR bit 7), at most a few thousand
; polls.
version:
        push    ecx
        push    edx
        call    wait_rqm
        mov     dx, FDC_FIFO
        mov     al, CMD_VERSION
        out     dx, al
        call    wait_rqm
        mov     dx, FDC_FIFO
        in      al, dx
        movzx   eax, al
        pop     edx
        pop     ecx
        ret

wait_rqm:
        push    eax
        push    ecx
        push    edx
        mov     dx, FDC_MSR
        mov     ecx, 4096
.poll:  in      al, dx
        test    al, 0x80
        jnz     .ready
        loop    .poll
.ready: pop     edx
        pop     ecx
        pop     eax
        ret

        hv_library

        align   4
before:         dd      0
after:          dd      0
flood:          times FLOOD db 0x42
