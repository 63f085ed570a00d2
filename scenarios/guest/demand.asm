; demand.asm - demand paging: frames are allocated on first touch.
;
; A 32 KiB region at VA 0x00800000 (PDE 2) starts with every PTE not
; present.  The #PF handler, on a not-present fault inside the region,
; takes the next free frame from a pool at 0x40000, zeroes it, maps it and
; returns to the faulting instruction, which then runs again and succeeds.
; No INVLPG is needed: a not-present entry is never cached, so a P 0->1
; change needs no invalidation (SDM Vol 3A §4.10.4.3).
;
; The guest first reads one word of page 5 (err 0x0; the fresh frame reads
; as zero), then writes dword i = i over the whole region (7 more faults,
; err 0x2: page 5 is already there), sums it back (no fault), and shows
; which frame backs each page: allocation follows the order of first
; touch, so page 5 got frame 0x40000.
;
;   sum of 0 .. 8191 = 8191 * 8192 / 2 = 33550336 = 0x01fff000
;   PTE k = frame | P | RW | A | D = frame + 0x63 (all were written)
;
; Any other #PF is a bug: it is reported and the guest exits with 0x7E.
; Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000         ; identity 0 .. 4 MiB
PT2             equ     0x12000         ; the demand region, empty
STACK_TOP       equ     0x80000
POOL            equ     0x40000         ; first free frame
REGION          equ     0x00800000
REGION_PAGES    equ     8
REGION_END      equ     REGION + REGION_PAGES * PAGE_SIZE
REGION_DWORDS   equ     REGION_PAGES * PAGE_SIZE / 4

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        load_idt idt, 32

        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pde PD, REGION, PDE_TABLE(PT2, PG_P | PG_RW)
        enable_paging PD, 0

        print   "probe page 5", 10
        mov     eax, [REGION + 5 * PAGE_SIZE + 0x10]
        print   "  read "
        puthex  eax
        check   eax, 0
        print   10

        print   "fill region", 10
        mov     edi, REGION
        xor     eax, eax
.fill:  mov     [edi + eax * 4], eax
        inc     eax
        cmp     eax, REGION_DWORDS
        jb      .fill

        xor     eax, eax                ; sum
        xor     ecx, ecx                ; index
.sum:   add     eax, [edi + ecx * 4]
        inc     ecx
        cmp     ecx, REGION_DWORDS
        jb      .sum
        print   "sum="
        puthex  eax
        check   eax, (REGION_DWORDS - 1) * REGION_DWORDS / 2
        print   " faults="
        puthex  [pf_count], 2
        check   [pf_count], REGION_PAGES
        print   10

        ; Which frame backs which page, and does the frame hold the data?
        xor     ebx, ebx                ; page number
.show:  print   "page "
        puthex  ebx, 1
        print   " pte="
        mov     esi, [PT2 + ebx * 4]
        puthex  esi
        print   " frame[0]="
        and     esi, PG_FRAME_MASK
        puthex  [esi]                   ; identity map: frame = its own VA
        mov     eax, ebx
        shl     eax, 10                 ; first dword index of page ebx
        check   [esi], eax
        print   10
        inc     ebx
        cmp     ebx, REGION_PAGES
        jb      .show
        check   [PT2 + 5 * 4], POOL + 0x63
        check   [PT2 + 0 * 4], POOL + 1 * PAGE_SIZE + 0x63
        check   [PT2 + 7 * 4], POOL + 7 * PAGE_SIZE + 0x63

        exit_failures

; #PF handler: map a fresh frame at the faulting page, retry.
pf_handler:
        pushad                          ; error code at [esp + 32]
        mov     ebx, cr2
        print   "  #PF err="
        puthex  [esp + 32]
        print   " cr2="
        puthex  ebx
        cmp     ebx, REGION
        jb      .stray
        cmp     ebx, REGION_END
        jae     .stray
        test    dword [esp + 32], PFERR_P
        jnz     .stray                  ; a protection fault: not ours to fix
        mov     edx, [next_frame]
        add     dword [next_frame], PAGE_SIZE
        print   " -> frame "
        puthex  edx
        print   10
        mov     edi, edx                ; zero it through the identity map
        mov     ecx, PAGE_SIZE / 4
        xor     eax, eax
        rep     stosd
        shr     ebx, 12                 ; page table index of CR2
        and     ebx, 0x3FF
        or      edx, PG_P | PG_RW
        mov     [PT2 + ebx * 4], edx
        inc     dword [pf_count]
        popad
        add     esp, 4                  ; drop the error code
        iretd                           ; re-run the faulting instruction
.stray: print   " outside the demand region: giving up", 10
        exit    0x7E

        align   4
next_frame:     dd      POOL
pf_count:       dd      0

        align   8
idt:    times 32 dq 0

        hv_library
