; store_loop_nopaging.asm - store_loop.asm with paging off under hvlab (no TLB).
%define NOPAGING
%include "store_loop.asm"
