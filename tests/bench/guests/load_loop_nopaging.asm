; load_loop_nopaging.asm - load_loop.asm with paging off under hvlab (no TLB).
%define NOPAGING
%include "load_loop.asm"
