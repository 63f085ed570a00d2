; dma_victim.asm - the other VM of scenarios/assigned-dma*.json: it looks
; at its own memory at guest-physical 0x00200000, which it never wrote (RAM
; starts zeroed), and prints what it finds.  It runs after the attacker's
; turn (VMs take turns of `quantum` instructions; the attacker is VM 0 and
; finishes in its first turn).

        bits    32
        org     0x1000
%include "hvlab.inc"

start:
        print   "victim: my memory at 00200000 holds "
        puthex  [0x00200000]
        print   10
        exit    0

        hv_library
