; triple.asm - a triple fault: the machine shuts down.
;
; Paging is on and the #PF and #DF handlers are in place, but ESP points
; into a page that is not present.  Touching another not-present page
; raises #PF; delivering it pushes onto the stack: #PF again, so #DF
; (#PF then #PF, SDM Vol 3A table 6-5); delivering #DF pushes onto the same
; stack: a fault during #DF delivery is a triple fault, and the processor
; shuts down (SDM Vol 3A §6.15, interrupt 8).  This is why real kernels
; give #DF its own stack (a task gate in 32-bit mode, an IST in 64-bit).
;
; hvlab ends the VM with exit reason "triple_fault".  QEMU resets the
; machine, which -no-reboot turns into a clean exit with status 0 (and a
; "Triple fault" line under -d cpu_reset).  Nothing after the message
; below may reach the console, and the exit port is never written.
;
; Physical layout: 0x1000 image, 0x10000 page directory, 0x11000 page
; table 0 (identity 0..4 MiB but for two pages), 0x80000 good stack.

        bits    32
        org     0x1000
%include "hvlab.inc"

PD              equ     0x10000
PT0             equ     0x11000
STACK_TOP       equ     0x80000
NP_DATA         equ     0x00300000      ; not present: the first #PF
NP_STACK        equ     0x00301000      ; not present: the stack goes here
BAD_ESP         equ     NP_STACK + PAGE_SIZE    ; first push hits NP_STACK

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        set_gate idt, VEC_PF, pf_handler
        set_gate idt, VEC_DF, df_handler
        load_idt idt, 32

        identity_map_4m PD, PT0, PG_P | PG_RW
        set_pte PT0, NP_DATA, 0
        set_pte PT0, NP_STACK, 0
        enable_paging PD, 0

        print   "esp := 00302000, whose page below is not present", 10
        print   "read 00300000 (not present): #PF, #DF, triple fault", 10
        mov     esp, BAD_ESP
        mov     eax, [NP_DATA]

        ; Not reached on a machine that shuts down.  The stack is useless
        ; here, so no print: end with a value the .expect file rejects.
        exit    0x7B

; Neither handler can run: each needs the stack to be entered at all.
pf_handler:
df_handler:
        mov     esp, STACK_TOP
        print   "a handler ran: no triple fault", 10
        exit    0x7A

        align   8
idt:    times 32 dq 0

        hv_library
