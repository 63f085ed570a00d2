; mmu_costs.asm - three workloads whose cost depends on how the MMU is
; virtualized (FIDELITY.md "Nested paging"; Adams & Agesen, ASPLOS 2006).
;
;   ptemod: 200 times, rewrite a PTE of a live page table and INVLPG it
;           (a guest OS remapping a page).
;   cr3:    200 times, switch between two address spaces and touch a page
;           that is not global (a guest OS switching processes).
;   sweep:  read one dword from each of 64 pages, 20 times: with the
;           scenario's 16-entry TLB every read is a TLB miss.
;
; Natively each is cheap. Under shadow paging the PTE writes, INVLPGs and
; CR3 loads exit; under nested paging they do not, but every TLB miss walks
; two dimensions (14 references instead of 2). Labels mark the phases for
; the scenario's steps. Exit value = failed checks (0).

        bits    32
        org     0x1000
%include "hvlab.inc"

PD_A            equ     0x10000
PD_B            equ     0x11000
PT0             equ     0x12000         ; identity 0 .. 4 MiB, shared
PT1             equ     0x13000         ; 4 .. 8 MiB: the sweep, the PTE
STACK_TOP       equ     0x80000
VA_MOD          equ     0x00700000      ; its PTE is rewritten
SWEEP           equ     0x00400000      ; 64 pages
SWEEP_PAGES     equ     64

start:
        load_flat_gdt
        mov     esp, STACK_TOP
        fill_entries PT0, PTE(0, PG_P | PG_RW), ENTRIES, PAGE_SIZE
        fill_entries PT1, PTE(0x400000, PG_P | PG_RW), ENTRIES, PAGE_SIZE
        set_pde PD_A, 0, PDE_TABLE(PT0, PG_P | PG_RW)
        set_pde PD_A, SWEEP, PDE_TABLE(PT1, PG_P | PG_RW)
        set_pde PD_B, 0, PDE_TABLE(PT0, PG_P | PG_RW)
        set_pde PD_B, SWEEP, PDE_TABLE(PT1, PG_P | PG_RW)
        enable_paging PD_A, 0

phase_ptemod:
        mov     ecx, 200
.loop:  mov     eax, ecx
        and     eax, 1
        shl     eax, 12
        add     eax, 0x500000 | PG_P | PG_RW  ; alternate two frames
        mov     [PT1 + PTE_INDEX(VA_MOD) * 4], eax
        invlpg  [VA_MOD]
        mov     ebx, [VA_MOD]
        dec     ecx
        jnz     .loop

phase_cr3:
        mov     ecx, 200
.loop:  mov     eax, PD_B
        mov     cr3, eax
        mov     ebx, [SWEEP]
        mov     eax, PD_A
        mov     cr3, eax
        mov     ebx, [SWEEP]
        dec     ecx
        jnz     .loop

phase_sweep:
        mov     edx, 20
.again: mov     esi, SWEEP
        mov     ecx, SWEEP_PAGES
.loop:  mov     eax, [esi]
        add     esi, PAGE_SIZE
        dec     ecx
        jnz     .loop
        dec     edx
        jnz     .again

done:
        print   "ptemod, cr3 and sweep done", 10
        exit_failures

        hv_library
