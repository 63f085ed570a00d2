; store_loop.asm - store-heavy: 2 stores in 5 instructions, one data page.
%include "bench.inc"
ITER    equ     4000000
DATA    equ     0x100000

        bench_body
        mov     esi, DATA
        mov     ecx, ITER
.l:     mov     [esi], ecx
        add     eax, ecx
        mov     [esi + 4], eax
        dec     ecx
        jnz     .l
        bench_end
