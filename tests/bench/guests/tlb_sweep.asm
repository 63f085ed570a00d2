; tlb_sweep.asm - TLB-miss-heavy: one load per page over NPAGES pages
; (4 MiB..8 MiB), REPS times. 1024 pages through a 64-entry TLB: every
; load misses (and, under hvlab, evicts, walks and maps).
%include "bench.inc"
%ifndef NPAGES
%define NPAGES  1024
%define REPS    64
%endif
SWEEP   equ     0x400000

        bench_body
        mov     ebx, REPS
.rep:   mov     esi, SWEEP
        mov     ecx, NPAGES
.pg:    mov     eax, [esi]
        add     esi, 0x1000
        dec     ecx
        jnz     .pg
        dec     ebx
        jnz     .rep
        bench_end
