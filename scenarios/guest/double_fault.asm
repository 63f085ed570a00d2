; double_fault.asm - when delivering an exception raises another one.
;
; SDM Vol 3A §6.15, interrupt 8, table 6-5: exceptions are benign,
; contributory (#DE, #TS, #NP, #SS, #GP) or page faults.  A second
; exception raised while the CPU delivers a first one becomes a double
; fault (#DF, error code 0) when the pair is contributory+contributory,
; #PF+#PF or #PF+contributory; after a benign first exception the second
; one is simply delivered (serially).
;
;   case  first  how its delivery fails              second   result
;   1     #PF    its IDT entry lies on a not-present   #PF    #DF
;                page (CR2 then names the entry)
;   2     #DE    its gate's selector (0x18) is past    #GP    #DF
;                the GDT limit
;   3     #UD    the same bad selector                 #GP    #GP, delivered;
;                                                              error code
;                                                              0x18 | EXT
;
; #DF is an abort: the saved CS:EIP is undefined, the program cannot
; resume where it was.  This handler prints, puts ESP back and jumps to
; the next case, which it can do because it knows what the guest was
; doing.  Exit value = failed checks (0).
;
; Layout: the IDT starts 14 entries (0x70 bytes) below the page at 0x20000,
; so entries 0..13 (#DF, #GP among them) sit on page 0x1f000 and entry 14
; (#PF) on page 0x20000, which is left not present.

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000         ; identity 0 .. 4 MiB, two holes
STACK_TOP       equ     0x80000
IDT_HOLE        equ     0x20000         ; not present: holds IDT entry 14
IDT_BASE        equ     IDT_HOLE - VEC_PF * 8
IDT_ENTRIES     equ     32
NP_DATA         equ     0x00300000      ; not present: the first #PF
BAD_SELECTOR    equ     0x18            ; GDT limit 23: index 3 is outside

start:
        load_flat_gdt
        mov     esp, STACK_TOP

        set_gate IDT_BASE, VEC_DE, de_never
        mov     word [IDT_BASE + VEC_DE * 8 + 2], BAD_SELECTOR
        set_gate IDT_BASE, VEC_UD, ud_never
        mov     word [IDT_BASE + VEC_UD * 8 + 2], BAD_SELECTOR
        set_gate IDT_BASE, VEC_DF, df_handler
        set_gate IDT_BASE, VEC_GP, gp_handler
        load_idt IDT_BASE, IDT_ENTRIES

        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, IDT_HOLE, 0
        set_pte PT0, NP_DATA, 0
        enable_paging PD, 0

        print   "1: #PF, its IDT entry not present: "
        mov     dword [resume_eip], case2
        mov     eax, [NP_DATA]
        print   "no exception", 10          ; not reached
        inc     dword [hv_failures]
case2:
        mov     eax, cr2
        print   "   cr2="
        puthex  eax
        check   eax, IDT_HOLE               ; the entry's address, not NP_DATA
        print   10

        print   "2: #DE, its gate's selector bad: "
        mov     dword [resume_eip], case3
        xor     edx, edx
        xor     eax, eax
        xor     ecx, ecx
        div     ecx
        print   "no exception", 10          ; not reached
        inc     dword [hv_failures]

case3:
        print   "3: #UD, its gate's selector bad: "
        mov     dword [resume_eip], done
        ud2
        print   "no exception", 10          ; not reached
        inc     dword [hv_failures]

done:
        check   [df_count], 2
        check   [gp_count], 1
        exit_failures

; #DF: error code always 0.  Abort: restart from a known state.
df_handler:
        print   "#DF err="
        puthex  [esp]
        check   [esp], 0
        print   10
        inc     dword [df_count]
        mov     esp, STACK_TOP
        jmp     [resume_eip]

; #GP: error code = the selector that failed (SDM §6.13: bits 15:3 index,
; 2 TI, 1 IDT, 0 EXT).  EXT is masked off before printing: the SDM sets it
; for a fault raised while delivering an earlier exception (0x19 here),
; QEMU 7.2 never sets it (0x18), and the oracle must not depend on that.
gp_handler:
        print   "#GP err&~EXT="
        mov     eax, [esp]
        and     eax, ~1
        puthex  eax
        check   eax, BAD_SELECTOR
        print   10
        inc     dword [gp_count]
        mov     esp, STACK_TOP
        jmp     [resume_eip]

; The two gates above name these with a selector that cannot be loaded,
; so they never run.
de_never:
ud_never:
        print   "unreachable handler ran", 10
        exit    0x7C

        align   4
resume_eip:     dd      0
df_count:       dd      0
gp_count:       dd      0

        hv_library
