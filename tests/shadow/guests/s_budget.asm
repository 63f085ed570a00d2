; s_budget.asm - many guest page tables against a small shadow-page budget.
;
; Eight page tables PT_1..PT_8 (PDE 1..8): PT_i maps page 0 of the 4 MiB
; region i to DATA + i pages.  Two passes over the eight regions: pass 1
; writes i * 0x01010101 through region i, pass 2 reads them back through
; the regions (-> sum at RES+0) and through the identity map (-> RES+4).
; Expected: both sums 36 * 0x01010101 = 0x24242424, whatever the budget.
%include "st.inc"
        guest_header

NTABLES         equ     8
PT_BASE         equ     0x20000                 ; PT_i at PT_BASE + i pages
DATA            equ     0x00300000

start:
        st_setup
        mov     ecx, 1
.tables:
        mov     eax, ecx
        shl     eax, 12
        lea     edi, [PT_BASE + eax]            ; PT_i
        lea     edx, [DATA + eax + PG_P + PG_RW]
        mov     [edi], edx                      ; PT_i[0] := DATA + i pages
        or      edi, PG_P | PG_RW
        mov     [PD + ecx * 4], edi             ; PD[i] := PT_i
        inc     ecx
        cmp     ecx, NTABLES
        jbe     .tables
        enable_paging PD, 0
        mov     dword [RES], 0

        mov     ecx, 1                          ; pass 1: write
.write: mov     eax, ecx
        imul    eax, eax, 0x01010101
        mov     edi, ecx
        shl     edi, 22                         ; region i
        mov     [edi], eax
        inc     ecx
        cmp     ecx, NTABLES
        jbe     .write

        xor     ebx, ebx                        ; pass 2: read back
        mov     ecx, 1
.read:  mov     edi, ecx
        shl     edi, 22
        add     ebx, [edi]
        inc     ecx
        cmp     ecx, NTABLES
        jbe     .read
        mov     [RES + 0], ebx

        xor     ebx, ebx                        ; and through the identity map
        mov     ecx, 1
.ident: mov     edi, ecx
        shl     edi, 12
        add     ebx, [DATA + edi]
        inc     ecx
        cmp     ecx, NTABLES
        jbe     .ident
        mov     [RES + 4], ebx
        exit    0
        hv_library
