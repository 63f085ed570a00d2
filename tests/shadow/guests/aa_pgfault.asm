; aa_pgfault.asm - Adams & Agesen "pgfault": touch a page that is not
; present; the #PF handler maps it, the access is retried, then the page is
; unmapped again (store + INVLPG) for the next iteration.  Shadow: the
; true fault exits and is injected, the handler's PTE store exits, the
; retried access is a hidden fault, the INVLPG exits.
%include "aa.inc"
        aa_header

%macro aa_prepare 0
        mov     dword [PTE_X], 0                ; VA_X not present
        invlpg  [VA_X]
%endmacro
%macro aa_body 0
        mov     eax, [VA_X]                     ; #PF, mapped, retried
        mov     dword [PTE_X], 0
        invlpg  [VA_X]
%endmacro

aa_pf:  mov     dword [PTE_X], PTE(FRAME_A, PG_P | PG_RW)
        add     esp, 4                          ; the error code
        iretd
aa_de:  jmp     aa_de                           ; never taken
        aa_main
