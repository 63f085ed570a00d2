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
        ; The flood left DRIVE SPECIFICATION's result byte waiting, so the
        ; controller would refuse READ ID too: reset it through DOR first
        ; (82077AA datasheet: DOR bit 2 low resets it).
        mov     dx, FDC_DOR
        xor     al, al
        out     dx, al
        mov     al, 0x0C
        out     dx, al
        call    drain_sense
        mov     dx, FDC_FIFO
        mov     al, CMD_READ_ID
        out     dx, al
        mov     esi, flood
        mov     ecx, FLOOD
        rep outsb
read_id_done:
        ; READ ID with no diskette ends at once with a result (7 bytes,
        ; abnormal termination); its flood was refused behind it.  A reset
        ; brings the controller back.
        mov     dx, FDC_DOR
        xor     al, al
        out     dx, al
        mov     al, 0x0C
        out     dx, al
        call    drain_sense
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

; drain_sense: after a reset the controller owes four SENSE INTERRUPT
; STATUS commands (one per drive, 82077AA datasheet); each returns ST0 and
; the cylinder.  Keeps every register.
drain_sense:
        push    eax
        push    ecx
        push    edx
        mov     ecx, 4
.one:   call    wait_rqm
        mov     dx, FDC_FIFO
        mov     al, 0x08                ; SENSE INTERRUPT STATUS
        out     dx, al
        call    wait_rqm
        mov     dx, FDC_FIFO
        in      al, dx                  ; ST0
        call    wait_rqm
        mov     dx, FDC_FIFO
        in      al, dx                  ; present cylinder
        loop    .one
        pop     edx
        pop     ecx
        pop     eax
        ret

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
