; g_dma.asm - an assigned DMA engine programmed by its guest, for
; test_dma.c (FIDELITY.md behaviour 12): a fill of LEN bytes of 0xAA at
; the bus address the test patches into INFO + 0.  Whether that address
; is translated by an IOMMU domain or used as a host-physical address is
; the machine's choice, not the guest's.
;   1..2  the fill (DST, LEN, PATTERN, CTRL)
; RES: +0 STATUS after the fill (1 done, 2 refused), +4 the BDF register.
%include "ut.inc"
        guest_header
        dd      0                       ; INFO + 0: the bus address to fill
        dd      16                      ; INFO + 4: how many bytes

DMA             equ     0xFEB02000
DMA_DST         equ     DMA + 0x08
DMA_LEN         equ     DMA + 0x0C
DMA_CTRL        equ     DMA + 0x10
DMA_STATUS      equ     DMA + 0x14
DMA_PATTERN     equ     DMA + 0x18
DMA_BDF         equ     DMA + 0x1C
CTRL_FILL       equ     2

start:
        mov     esp, STACK_TOP
        mark    1
        mov     eax, [INFO]
        mov     [DMA_DST], eax
        mov     eax, [INFO + 4]
        mov     [DMA_LEN], eax
        mov     dword [DMA_PATTERN], 0xAA
        mov     dword [DMA_CTRL], CTRL_FILL
        mark    2
        mov     eax, [DMA_STATUS]
        mov     [RES], eax
        mov     eax, [DMA_BDF]
        mov     [RES + 4], eax
        exit    0

        hv_library
