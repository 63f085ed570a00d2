; tlb_hot.asm - tlb_sweep.asm over 16 pages (they all stay in the TLB),
; the same number of loads: the sweep minus its misses.
%define NPAGES  16
%define REPS    4096
%include "tlb_sweep.asm"
