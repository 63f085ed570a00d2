; load_loop.asm - load-heavy: 2 loads in 5 instructions, one data page.
%include "bench.inc"
ITER    equ     4000000
DATA    equ     0x100000

        bench_body
        mov     esi, DATA
        mov     ecx, ITER
.l:     mov     eax, [esi]
        add     eax, ecx
        mov     edx, [esi + 4]
        dec     ecx
        jnz     .l
        bench_end
