; null.asm - ends at once: hvlab's start-up cost (process, NASM, Unicorn).
%include "bench.inc"
        bench_body
        bench_end
