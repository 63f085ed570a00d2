; dma_attacker.asm - the guest of a VM that owns an assigned (passthrough)
; DMA engine, for scenarios/assigned-dma.json and assigned-dma-iommu.json
; (FIDELITY.md "Device emulation", behaviour 12).  It fills 16 bytes of
; 0xAA at bus address TARGET and reports what the engine says.
;
; TARGET is, as a host-physical address, the frame behind guest-physical
; 0x00200000 of the *other* VM on these scenarios' machine (nested paging,
; two VMs of 16 MiB, seed 1: the host memory pane shows whose frame it
; is).  Without an IOMMU the engine's bus addresses are host-physical and
; the bytes land there; with one, the address is an IOVA in this VM's own
; domain, which maps only its 16 MiB: refused.
; Not for the QEMU oracle: QEMU's pc machine has no such device.

        bits    32
        org     0x1000
%include "hvlab.inc"

TARGET          equ     0x01490000
DMA             equ     0xFEB02000      ; the engine's registers (docs/devices.md)
DMA_DST         equ     DMA + 0x08
DMA_LEN         equ     DMA + 0x0C
DMA_CTRL        equ     DMA + 0x10
DMA_STATUS      equ     DMA + 0x14
DMA_PATTERN     equ     DMA + 0x18
CTRL_FILL       equ     2

start:
        mov     dword [DMA_DST], TARGET
        mov     dword [DMA_LEN], 16
        mov     dword [DMA_PATTERN], 0xAA
        mov     dword [DMA_CTRL], CTRL_FILL
dma_done:
        mov     eax, [DMA_STATUS]
        print   "attacker: DMA fill at bus address "
        puthex  TARGET
        print   ": status "
        puthex  eax, 1
        cmp     eax, 1
        jne     .refused
        print   " (done)", 10
        exit    0
.refused:
        print   " (refused)", 10
        exit    0

        hv_library
