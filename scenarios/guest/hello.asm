; hello.asm - the smallest guest: one line on COM1, exit 0.
;
; Shows the entry state is usable as is: no GDT, IDT or paging set-up is
; needed to print through port I/O (the entry stack is at the top of RAM).
; Expected console: "hello from the guest\n"; exit value 0.

        bits    32
        org     0x1000
%include "hvlab.inc"

start:
        print   "hello from the guest", 10
        exit    0

        hv_library
