; tlb_sweep_nopaging.asm - tlb_sweep.asm with paging off under hvlab (no TLB).
%define NOPAGING
%include "tlb_sweep.asm"
