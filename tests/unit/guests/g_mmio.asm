; g_mmio.asm - MMIO accesses to the lesson device (mmio_test at GPA
; 0xFEB00000) with paging off, then through a mapping at VA 0x00400000,
; for test_mmio.c (FIDELITY.md behaviour 10).  Markers split the stream:
;   1..2  paging off: MOV EDX, [ID]          (the first access to the page)
;   3..4  paging on:  MOV [SCRATCH], imm 0x55
;   4..5  MOV EBX, [SCRATCH]
;   5..6  ADD [SCRATCH], 1                   (read-modify-write)
;   6..7  MOV ECX, [WRITES]; MOV ESI, [SCRATCH]
; Marks clobber AL, so results wait in EDX, EBX, ECX, ESI until the end.
;   7..8  MOV byte [TX], 'k'                 (a console byte)
;   8..9  MOV [0x10], 1                      (no register there)
; RES: +0 ID, +4 SCRATCH after the store, +8 WRITES, +12 SCRATCH at the end.
%include "ut.inc"
        guest_header

MMIO_PA         equ     0xFEB00000
MMIO_VA         equ     0x00400000
PD              equ     0x20000
PT              equ     0x21000
PT2             equ     0x22000

start:
        mov     esp, STACK_TOP
        mark    1
        mov     edx, [MMIO_PA]
        mark    2
        mov     [RES], edx
        identity_map_4m PD, PT, PG_P | PG_RW
        mov     dword [PT2], MMIO_PA | PG_P | PG_RW
        set_pde PD, MMIO_VA, PDE_TABLE(PT2, PG_P | PG_RW)
        enable_paging PD, 0
        mark    3
        mov     dword [MMIO_VA + 4], 0x55
        mark    4
        mov     ebx, [MMIO_VA + 4]
        mark    5
        add     dword [MMIO_VA + 4], 1
        mark    6
        mov     ecx, [MMIO_VA + 8]
        mov     esi, [MMIO_VA + 4]
        mark    7
        mov     byte [MMIO_VA + 0x0C], 'k'
        mark    8
        mov     dword [MMIO_VA + 0x10], 1
        mark    9
        mov     [RES + 4], ebx
        mov     [RES + 8], ecx
        mov     [RES + 12], esi
        exit    0
        hv_library
