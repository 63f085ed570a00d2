/* hvlab engine: nested paging, hardware-assisted (EPT, or AMD NPT under a
 * 32-bit host); FIDELITY.md "Nested paging", SDM Vol 3C ch. 28, Bhargava
 * et al. (ASPLOS 2008).
 *
 * HOW THE TWO-DIMENSIONAL WALK WORKS: the hardware walks the guest's own
 * tables, but every guest-physical address it meets (the guest CR3, the
 * table each guest entry names, and the final address) is translated
 * through the nested table first. A cold miss of a 2-level guest on
 * 4-level EPT costs (2+1)(4+1)-1 = 14 references; with a guest 4 MiB page
 * (1+1)(4+1)-1 = 9; on a 2-level NPT table (2+1)(2+1)-1 = 8. Each
 * reference is an event in the order the hardware makes it (nested
 * references as NESTED_WALK_REF, the guest's as WALK_REF). The guest's
 * MOV CR3, INVLPG and page-table writes never exit; its #PF goes straight
 * to it; the hardware sets its A/D bits.
 *
 * EPT entries are 64-bit: bits 0-2 read/write/execute (all 0 = not
 * present), 5:3 the memory type on a leaf, 7 page size, 8/9 accessed and
 * dirty when EPTP bit 6 enables them. An entry that forbids the access, or
 * is not present, is an EPT violation (exit 48, with the qualification);
 * write without read (XWR 010 or 110), execute-only (100: this CPU does
 * not support it), a reserved memory type (2, 3, 7) or reserved bits set
 * are an EPT misconfiguration (exit 49). NPT entries are ordinary 32-bit
 * x86 entries; its faults are #NPF (SVM exit code 0x400).
 */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "walk32.h"

typedef struct nested_state {
    uint32_t root_hfn;
    /* Set by the table callback of the guest walk: the walk must stop
     * there, the hypervisor handles it, the access restarts. */
    bool pending;
    hv_exit_key pending_key;
    uint32_t pending_gpa, pending_qual, pending_level, pending_entry;
    uint32_t pending_qual_hi; /* NPT: EXITINFO1 bits 63:32 */
    /* What the last successful nested translation allowed. */
    unsigned last_rights;
    bool last_dirty;
    hv_walk *walk; /* the 2-D walk in progress, for its reference record */
    /* Page-walk caches (cfg.nested.pwc entries each, fully associative,
     * LRU), off by default. */
    struct pde_cached {
        bool valid;
        uint32_t pdi, pde;
        uint64_t stamp;
    } *pdec;
    struct ntlb_cached {
        bool valid, dirty;
        uint32_t gfn, hfn;
        unsigned rights;
        uint64_t stamp;
    } *ntlb;
    uint64_t clock;
} nested_state;

static nested_state *ns_of(hv_vm *vm)
{
    return vm->mmu_state;
}

enum {
    EPT_R = 1u << 0,
    EPT_W = 1u << 1,
    EPT_X = 1u << 2,
    EPT_A = 1u << 8,
    EPT_D = 1u << 9,
    EPT_WB = 6u << 3,
    /* Bits 51:39 are reserved with 39 physical address bits (the model's
     * MAXPHYADDR); bits 6:3 and 7 are reserved in a PML4E. */
};
#define EPT_ADDR_MASK 0x0000007FFFFFF000ull
#define EPT_RESERVED_HI 0x000FFF8000000000ull

static bool npt(const hv_vm *vm)
{
    return vm->m->cfg.nested.npt;
}

static unsigned levels(const hv_vm *vm)
{
    return npt(vm) ? 2 : 4;
}

static unsigned index_of(const hv_vm *vm, uint32_t gpa, unsigned level)
{
    if (npt(vm))
        return level == 2 ? gpa >> 22 : (gpa >> 12) & 0x3FFu;
    return (unsigned)(((uint64_t)gpa >> (12 + 9 * (level - 1))) & 0x1FFu);
}

static unsigned entry_size(const hv_vm *vm)
{
    return npt(vm) ? 4 : 8;
}

/* Whether a table address an entry names is host memory at all (a lesson
 * may poke any address into an entry). */
static bool table_ok(const hv_vm *vm, uint64_t hfn)
{
    return hfn < vm->m->hm.nframes;
}

static uint64_t load_entry(hv_vm *vm, uint32_t table_hfn, unsigned index)
{
    if (!table_ok(vm, table_hfn))
        return 0;
    uint8_t *p = hv_hostmem_ptr(&vm->m->hm, table_hfn) + index * entry_size(vm);
    uint64_t e = 0;
    memcpy(&e, p, entry_size(vm));
    return e;
}

static void store_entry(hv_vm *vm, uint32_t table_hfn, unsigned index,
                        uint64_t e)
{
    if (!table_ok(vm, table_hfn))
        return;
    memcpy(hv_hostmem_ptr(&vm->m->hm, table_hfn) + index * entry_size(vm), &e,
           entry_size(vm));
}

/* The rights of an entry as XWR bits (NPT: present means read and execute,
 * R/W means write). */
static unsigned rights(const hv_vm *vm, uint64_t e)
{
    if (npt(vm))
        return (e & HV_PTE_P) ? (EPT_R | EPT_X | ((e & HV_PTE_RW) ? EPT_W : 0))
                              : 0;
    return (unsigned)(e & 7u);
}

static bool misconfigured(const hv_vm *vm, uint64_t e,
                          bool leaf)
{
    if (npt(vm))
        return false; /* 32-bit x86 entries have no reserved bits */
    unsigned xwr = (unsigned)(e & 7u);
    if (xwr == 0)
        return false; /* not present: a violation, not a misconfiguration */
    if (xwr == 2 || xwr == 6 || xwr == 4)
        return true;
    if (e & EPT_RESERVED_HI)
        return true;
    /* Non-leaf entries: bits 6:3 are reserved, and bit 7 would map a
     * large page, which this CPU model's EPT does not support (SDM Vol 3C
     * §28.2.2, §28.2.3.1). An address beyond host memory is treated as
     * one beyond MAXPHYADDR. */
    if (!leaf && ((e & 0x78u) || (e & 0x80u) ||
                  !table_ok(vm, (e & EPT_ADDR_MASK) >> 12)))
        return true;
    if (leaf) {
        unsigned type = (unsigned)((e >> 3) & 7u);
        if (type == 2 || type == 3 || type == 7)
            return true;
    }
    return false;
}

static void record_ref(hv_vm *vm, unsigned level, uint32_t table_hfn,
                       unsigned index, uint64_t e)
{
    hv_walk *w = ns_of(vm)->walk;
    if (w && w->nrefs < HV_WALK_MAX_REFS)
        w->refs[w->nrefs++] = (hv_walk_ref){1, (uint8_t)level, table_hfn << 12,
                                            index, (uint32_t)e};
    hv_machine_emit(vm, HV_EV_NESTED_WALK_REF, level, table_hfn << 12, index,
                    (uint32_t)e);
}

static void ntlb_insert(hv_vm *vm, uint32_t gfn, uint32_t hfn,
                        unsigned rights, bool dirty)
{
    nested_state *ns = ns_of(vm);
    struct ntlb_cached *victim = &ns->ntlb[0];
    for (uint32_t i = 0; i < vm->m->cfg.nested.pwc; i++) {
        struct ntlb_cached *c = &ns->ntlb[i];
        if (c->valid && c->gfn == gfn) {
            victim = c;
            break;
        }
        if (!c->valid || (victim->valid && c->stamp < victim->stamp))
            victim = c;
    }
    *victim = (struct ntlb_cached){true, dirty, gfn, hfn, rights, ++ns->clock};
}

/* The guest PDE cache: present PDEs that name a table, by VA[31:22]. */
static bool pde_lookup(hv_vm *vm, uint32_t pdi, uint32_t *pde)
{
    nested_state *ns = ns_of(vm);
    for (uint32_t i = 0; i < vm->m->cfg.nested.pwc; i++) {
        struct pde_cached *c = &ns->pdec[i];
        if (c->valid && c->pdi == pdi) {
            c->stamp = ++ns->clock;
            hv_machine_emit(vm, HV_EV_PWC_HIT, HV_PWC_PDE, pdi, c->pde, 0);
            *pde = c->pde;
            return true;
        }
    }
    hv_machine_emit(vm, HV_EV_PWC_MISS, HV_PWC_PDE, pdi, 0, 0);
    return false;
}

static void pde_insert(hv_vm *vm, uint32_t pdi, uint32_t pde)
{
    nested_state *ns = ns_of(vm);
    if ((pde & (HV_PTE_P | HV_PTE_PS)) != HV_PTE_P)
        return; /* only entries that name a table are cached */
    struct pde_cached *victim = &ns->pdec[0];
    for (uint32_t i = 0; i < vm->m->cfg.nested.pwc; i++) {
        struct pde_cached *c = &ns->pdec[i];
        if (!c->valid || c->stamp < victim->stamp) {
            victim = c;
            if (!c->valid)
                break;
        }
    }
    *victim = (struct pde_cached){true, pdi, pde, ++ns->clock};
}

static void pwc_flush(hv_vm *vm, bool nested_too)
{
    nested_state *ns = ns_of(vm);
    for (uint32_t i = 0; i < vm->m->cfg.nested.pwc; i++) {
        ns->pdec[i].valid = false;
        if (nested_too)
            ns->ntlb[i].valid = false;
    }
}

/* MOV CR3 and paging-mode changes drop the paging-structure caches (SDM
 * Vol 3A §4.10.4.1); the nested TLB depends only on the EPT. */
static void nested_on_cr_write(hv_vm *vm, unsigned cr, uint32_t old,
                               uint32_t now)
{
    (void)cr, (void)old, (void)now;
    pwc_flush(vm, false);
}

/* INVLPG drops the paging-structure cache entries used for the address. */
static void nested_on_invlpg(hv_vm *vm, uint32_t va)
{
    nested_state *ns = ns_of(vm);
    for (uint32_t i = 0; i < vm->m->cfg.nested.pwc; i++)
        if (ns->pdec[i].pdi == va >> 22)
            ns->pdec[i].valid = false;
}

/* Translates gpa through the nested table for `access`. Returns true with
 * *hpa, or false with the exit recorded as pending. `final` tells the
 * qualification whether this is the access's own address (bit 8). */
static bool nested_translate_gpa(hv_vm *vm, uint32_t gpa, hv_access access,
                                 bool final, uint32_t *hpa)
{
    /* A guest paging-structure access with EPT A/D on counts as a write
     * and reports read and write (SDM Vol 3C Table 27-7, bit 1 note). */
    bool ps_ad = !final && vm->m->cfg.nested.ad && !npt(vm);
    nested_state *ns = ns_of(vm);
    uint32_t npwc = vm->m->cfg.nested.pwc;
    if (npwc) {
        /* The nested TLB: a GPA page it holds needs no nested walk, if
         * its rights allow the access (and a write finds it dirty). */
        unsigned need = access == HV_ACC_WRITE ? EPT_W
                        : access == HV_ACC_FETCH ? EPT_X
                                                 : EPT_R;
        for (uint32_t i = 0; i < npwc; i++) {
            struct ntlb_cached *c = &ns->ntlb[i];
            if (c->valid && c->gfn == gpa >> 12 && (c->rights & need) &&
                (access != HV_ACC_WRITE || c->dirty)) {
                c->stamp = ++ns->clock;
                hv_machine_emit(vm, HV_EV_PWC_HIT, HV_PWC_NESTED, gpa >> 12,
                                c->hfn, 0);
                ns->last_rights = c->rights;
                ns->last_dirty = c->dirty;
                *hpa = c->hfn << 12 | (gpa & 0xFFFu);
                return true;
            }
        }
        hv_machine_emit(vm, HV_EV_PWC_MISS, HV_PWC_NESTED, gpa >> 12, 0, 0);
    }
    unsigned need = access == HV_ACC_WRITE ? EPT_W
                    : access == HV_ACC_FETCH ? EPT_X
                                             : EPT_R;
    unsigned allowed = EPT_R | EPT_W | EPT_X;
    uint32_t table = ns->root_hfn;
    for (unsigned level = levels(vm); level >= 1; level--) {
        unsigned idx = index_of(vm, gpa, level);
        uint64_t e = load_entry(vm, table, idx);
        record_ref(vm, level, table, idx, e);
        bool leaf = level == 1;
        if (misconfigured(vm, e, leaf)) {
            ns->pending = true;
            ns->pending_key = HV_EXIT_EPT_MISCONFIG;
            ns->pending_gpa = gpa;
            ns->pending_qual = 0; /* no qualification for reason 49 */
            ns->pending_qual_hi = 0;
            ns->pending_level = level;
            ns->pending_entry = (uint32_t)e;
            return false;
        }
        allowed &= rights(vm, e);
        if (!(rights(vm, e)) || !(allowed & need)) {
            /* Exit qualification (SDM Vol 3C §27.2.1, Table 27-7): the
             * access (bits 0-2), what the entries allowed (3-5), the guest
             * linear address is valid (7), and whether this was the final
             * translation or a guest paging-structure access (8). */
            uint32_t qual = (ps_ad                    ? 3u
                             : access == HV_ACC_WRITE ? 2u
                             : access == HV_ACC_FETCH ? 4u
                                                      : 1u) |
                            (rights(vm, e) ? allowed << 3 : 0) | (1u << 7) |
                            (final ? 1u << 8 : 0);
            ns->pending_qual_hi = 0;
            if (npt(vm)) {
                /* AMD #NPF: EXITINFO1 is a #PF-style error code (P when
                 * the entry was present, W, U since nested walks are user
                 * accesses, ID for a fetch), with bit 32 for the final
                 * translation and bit 33 for a guest page-table access
                 * (AMD APM Vol 2 §15.25.6; KVM's PFERR_GUEST_FINAL/PAGE). */
                qual = (rights(vm, e) ? 1u : 0) |
                       (access == HV_ACC_WRITE ? 2u : 0) | 4u |
                       (access == HV_ACC_FETCH ? 16u : 0);
                ns->pending_qual_hi = final ? 1u : 2u;
            }
            ns->pending = true;
            ns->pending_key = npt(vm) ? HV_EXIT_NPF : HV_EXIT_EPT_VIOLATION;
            ns->pending_gpa = gpa;
            ns->pending_qual = qual;
            ns->pending_level = level;
            ns->pending_entry = (uint32_t)e;
            return false;
        }
        if (vm->m->cfg.nested.ad && !npt(vm)) {
            /* EPT A/D (EPTP bit 6): A on every entry used, D on the leaf
             * for a write. */
            uint64_t now = e | EPT_A | (leaf && access == HV_ACC_WRITE ? EPT_D : 0);
            if (now != e)
                store_entry(vm, table, idx, now);
        }
        uint64_t next = npt(vm) ? (e & 0xFFFFF000u) : (e & EPT_ADDR_MASK);
        if (leaf) {
            *hpa = (uint32_t)next | (gpa & 0xFFFu);
            ns->last_rights = allowed;
            ns->last_dirty = npt(vm) || !vm->m->cfg.nested.ad ||
                             (load_entry(vm, table, idx) & EPT_D);
            if (npwc)
                ntlb_insert(vm, gpa >> 12, (uint32_t)(next >> 12), allowed,
                            ns->last_dirty);
            return true;
        }
        table = (uint32_t)(next >> 12);
    }
    return false;
}

/* The guest walk's table callback: a guest table's guest-physical address
 * through the nested table. The CPU's reads of guest paging structures
 * count as writes when EPT A/D is on (it may set guest A/D). */
static uint8_t *guest_table_ptr(hv_vm *vm, uint32_t gpa)
{
    nested_state *ns = ns_of(vm);
    if (ns->pending)
        return NULL;
    hv_access access = vm->m->cfg.nested.ad && !npt(vm) ? HV_ACC_WRITE
                                                        : HV_ACC_READ;
    uint32_t hpa;
    if (!nested_translate_gpa(vm, gpa, access, false, &hpa))
        return NULL;
    return hv_mmu_host_ptr(vm, hpa, NULL);
}

/* The hypervisor maps one guest page in the nested table from the P2M
 * (lazy allocation: EPT violations on first touch). Returns false when the
 * page is not RAM. */
static bool install_leaf(hv_vm *vm, uint32_t gpa, uint64_t leaf);

static bool map_gpa(hv_vm *vm, uint32_t gpa)
{
    uint32_t hpa;
    if (!hv_mmu_gpa_to_hpa(vm, gpa & ~0xFFFu, &hpa))
        return false;
    uint64_t leaf = npt(vm) ? (uint64_t)(hpa | HV_PTE_P | HV_PTE_RW | HV_PTE_US)
                            : (uint64_t)hpa | EPT_R | EPT_W | EPT_X | EPT_WB;
    return install_leaf(vm, gpa, leaf);
}

/* Writes the leaf entry for gpa's page, building the upper levels on the
 * way; false when no frame is left for a table. */
static bool install_leaf(hv_vm *vm, uint32_t gpa, uint64_t leaf)
{
    nested_state *ns = ns_of(vm);
    uint32_t table = ns->root_hfn;
    for (unsigned level = levels(vm); level >= 1; level--) {
        unsigned idx = index_of(vm, gpa, level);
        uint64_t e = load_entry(vm, table, idx);
        if (level == 1) {
            store_entry(vm, table, idx, leaf);
            hv_machine_emit(vm, HV_EV_NESTED_FILL, level,
                            (table << 12) + idx * entry_size(vm), (uint32_t)leaf,
                            gpa & ~0xFFFu);
            return true;
        }
        unsigned full = EPT_R | EPT_W | EPT_X;
        if (rights(vm, e) && rights(vm, e) != full) {
            /* An upper entry with fewer rights (a lesson poked it): the
             * hypervisor gives them back, keeping the table. */
            e = npt(vm) ? (e | HV_PTE_P | HV_PTE_RW | HV_PTE_US)
                        : (e & ~(uint64_t)7u) | full;
            store_entry(vm, table, idx, e);
            hv_machine_emit(vm, HV_EV_NESTED_FILL, level,
                            (table << 12) + idx * entry_size(vm), (uint32_t)e,
                            gpa & ~0xFFFu);
        }
        uint64_t next_hfn = (npt(vm) ? (e & 0xFFFFF000u) : (e & EPT_ADDR_MASK)) >> 12;
        if (!rights(vm, e) || !table_ok(vm, next_hfn)) {
            uint32_t hfn;
            if (hv_hostmem_alloc(&vm->m->hm, HV_OWN_EPT, vm->id, &hfn) != HV_OK)
                return false;
            e = npt(vm) ? (uint64_t)((hfn << 12) | HV_PTE_P | HV_PTE_RW | HV_PTE_US)
                        : ((uint64_t)hfn << 12) | EPT_R | EPT_W | EPT_X;
            store_entry(vm, table, idx, e);
            hv_machine_emit(vm, HV_EV_NESTED_FILL, level,
                            (table << 12) + idx * entry_size(vm), (uint32_t)e,
                            gpa & ~0xFFFu);
        }
        table = (uint32_t)((npt(vm) ? (e & 0xFFFFF000u) : (e & EPT_ADDR_MASK)) >> 12);
    }
    return false;
}

/* The exit for what the walk left pending; false when the VM must end. */
static bool handle_pending(hv_vm *vm, hv_walk *w)
{
    nested_state *ns = ns_of(vm);
    ns->pending = false;
    hv_vm_exit_info(vm, ns->pending_key, ns->pending_qual, HV_CAUSE_NONE,
                    ns->pending_gpa);
    hv_machine_emit5(vm, HV_EV_NESTED_FAULT, ns->pending_gpa, ns->pending_qual,
                     ns->pending_level, ns->pending_entry, ns->pending_qual_hi);
    if (ns->pending_key == HV_EXIT_EPT_MISCONFIG) {
        /* The hypervisor repairs the entry it finds broken (rights back to
         * RWX, reserved bits and the memory type cleaned) and resumes. */
        uint32_t table = ns->root_hfn, gpa = ns->pending_gpa;
        for (unsigned l = levels(vm); l > ns->pending_level; l--) {
            uint64_t e = load_entry(vm, table, index_of(vm, gpa, l));
            table = (uint32_t)((e & EPT_ADDR_MASK) >> 12);
        }
        unsigned idx = index_of(vm, gpa, ns->pending_level);
        uint64_t e = load_entry(vm, table, idx);
        e = (e & EPT_ADDR_MASK) | EPT_R | EPT_W | EPT_X |
            (ns->pending_level == 1 ? EPT_WB : 0);
        if (ns->pending_level > 1 && !table_ok(vm, (e & EPT_ADDR_MASK) >> 12))
            e = 0; /* names no memory: rebuilt from the P2M below */
        store_entry(vm, table, idx, e);
        if (!e && !map_gpa(vm, gpa)) {
            w->unbacked = true;
            w->unbacked_pa = gpa;
            return false;
        }
        hv_machine_emit(vm, HV_EV_NESTED_FILL, ns->pending_level,
                        (table << 12) + idx * entry_size(vm), (uint32_t)e,
                        gpa & ~0xFFFu);
        return true;
    }
    if (!map_gpa(vm, ns->pending_gpa)) {
        w->unbacked = true;
        w->unbacked_pa = ns->pending_gpa;
        return false;
    }
    return true;
}

/* The exit for an access to a device's page, which the nested table
 * does not map to memory. EPT: the first access is a violation; KVM then
 * installs a deliberately misconfigured leaf (write without read, which
 * the SDM calls a misconfiguration, Vol 3C §28.2.3.1), so later accesses
 * exit as misconfigurations, which it recognises as MMIO without walking
 * anything (FIDELITY.md "Device emulation"). NPT has no such encoding in
 * a 2-level 32-bit table: every access is a nested page fault. */
static void mmio_pending_exit(hv_vm *vm, hv_access access)
{
    nested_state *ns = ns_of(vm);
    ns->pending = false;
    hv_vm_exit_info(vm, ns->pending_key, ns->pending_qual,
                    hv_mmu_mmio_cause(vm, ns->pending_gpa, access),
                    ns->pending_gpa);
    hv_machine_emit5(vm, HV_EV_NESTED_FAULT, ns->pending_gpa, ns->pending_qual,
                     ns->pending_level, ns->pending_entry, ns->pending_qual_hi);
    if (ns->pending_key == HV_EXIT_EPT_VIOLATION)
        install_leaf(vm, ns->pending_gpa, EPT_W);
}

/* Guest paging off: the guest-physical access goes through the nested
 * table all the same. */
static void nested_mmio_exit(hv_vm *vm, uint32_t va, uint32_t gpa,
                             hv_access access)
{
    (void)va;
    nested_state *ns = ns_of(vm);
    uint32_t hpa;
    ns->pending = false;
    if (!nested_translate_gpa(vm, gpa, access, true, &hpa) && ns->pending)
        mmio_pending_exit(vm, access);
}

static hv_mmu_result nested_translate(hv_vm *vm, uint32_t va, hv_access access,
                                      bool user, hv_walk *w)
{
    nested_state *ns = ns_of(vm);
    for (int attempt = 0; attempt < 16; attempt++) {
        ns->pending = false;
        ns->walk = w;
        /* The guest CR3 is a guest-physical address too: its translation
         * comes first (the guest walk's first table read asks for it). */
        const hv_walk32_env env = {
            .root = vm->cr3,
            .wp = vm->cr0 & HV_CR0_WP,
            .pse = vm->cr4 & HV_CR4_PSE,
            .pge = vm->cr4 & HV_CR4_PGE,
            .set_ad = true,
            .ref_event = HV_EV_WALK_REF,
            .ptr = guest_table_ptr,
            .pde_lookup = vm->m->cfg.nested.pwc ? pde_lookup : NULL,
            .pde_insert = vm->m->cfg.nested.pwc ? pde_insert : NULL,
        };
        hv_walk32(vm, &env, va, access, user, w);
        if (ns->pending) {
            ns->walk = NULL;
            if (!handle_pending(vm, w))
                return HV_MMU_UNBACKED;
            continue;
        }
        if (w->unbacked) {
            ns->walk = NULL;
            return HV_MMU_UNBACKED;
        }
        if (w->fault) {
            ns->walk = NULL;
            return HV_MMU_FAULT; /* the guest's own #PF: no exit */
        }
        uint32_t hpa;
        bool ok = nested_translate_gpa(vm, w->pa, access, true, &hpa);
        ns->walk = NULL;
        if (!ok && ns->pending && hv_mmu_is_mmio(vm, w->pa)) {
            mmio_pending_exit(vm, access);
            w->gpa = w->pa;
            return HV_MMU_MMIO;
        }
        if (!ok) {
            if (!handle_pending(vm, w))
                return HV_MMU_UNBACKED;
            continue;
        }
        w->gpa = w->pa;
        w->pa = hpa;
        /* The TLB caches the combined translation with only the rights
         * both dimensions allow (SDM Vol 3C §28.3.1). A write must walk
         * again when the nested leaf forbids it or its dirty flag is still
         * clear (so the walk sets it): keep the entry's D clear then. */
        if (!(ns->last_rights & EPT_W) || !ns->last_dirty)
            w->tlb_flags &= (uint8_t)~HV_TLBF_D;
        if (!(ns->last_rights & EPT_W))
            w->tlb_flags &= (uint8_t)~HV_TLBF_W;
        if (!(ns->last_rights & EPT_X))
            w->tlb_flags |= HV_TLBF_NX;
        return HV_MMU_OK;
    }
    hv_vm_end(vm, HV_VM_INTERNAL, false, 0, "nested fault did not resolve");
    w->unbacked = true;
    return HV_MMU_UNBACKED;
}

static hv_err nested_init(hv_vm *vm)
{
    nested_state *ns = calloc(1, sizeof *ns);
    if (!ns)
        return HV_ERR_NOMEM;
    vm->mmu_state = ns;
    uint32_t npwc = vm->m->cfg.nested.pwc;
    if (npwc) {
        ns->pdec = calloc(npwc, sizeof *ns->pdec);
        ns->ntlb = calloc(npwc, sizeof *ns->ntlb);
        if (!ns->pdec || !ns->ntlb)
            return HV_ERR_NOMEM;
    }
    if (hv_hostmem_alloc(&vm->m->hm, HV_OWN_EPT, vm->id, &ns->root_hfn))
        return HV_ERR_NOMEM;
    if (!vm->m->cfg.nested.lazy)
        for (uint32_t gfn = 0; gfn < vm->p2m.ngfn; gfn++)
            if (hv_p2m_lookup(&vm->p2m, gfn) != HV_P2M_NONE && !map_gpa(vm, gfn << 12))
                return HV_ERR_NOMEM;
    return HV_OK;
}

static void nested_fini(hv_vm *vm)
{
    nested_state *ns = vm->mmu_state;
    if (ns) {
        free(ns->pdec);
        free(ns->ntlb);
    }
    free(vm->mmu_state);
    vm->mmu_state = NULL;
}

const hv_mmu_ops hv_mmu_nested_ops = {
    .name = "nested",
    .exits_on_cr3 = false,
    .exits_on_invlpg = false,
    .init = nested_init,
    .fini = nested_fini,
    .translate = nested_translate,
    .on_cr_write = nested_on_cr_write,
    .on_invlpg = nested_on_invlpg,
    .mmio_exit = nested_mmio_exit,
};

bool hv_machine_nested_root(const hv_machine *m, uint32_t vmi, uint32_t *hpa,
                            uint32_t *nlevels, uint32_t *esize)
{
    if (vmi >= m->nvms || m->vms[vmi]->mmu != &hv_mmu_nested_ops)
        return false;
    hv_vm *vm = m->vms[vmi];
    *hpa = ns_of(vm)->root_hfn << 12;
    *nlevels = levels(vm);
    *esize = entry_size(vm);
    return true;
}

hv_err hv_machine_nested_set_entry(hv_machine *m, uint32_t vmi, uint32_t gpa,
                                   uint32_t level, uint64_t value)
{
    if (vmi >= m->nvms || m->vms[vmi]->mmu != &hv_mmu_nested_ops)
        return HV_ERR_ARG;
    hv_vm *vm = m->vms[vmi];
    if (level < 1 || level > levels(vm) || !map_gpa(vm, gpa))
        return HV_ERR_ARG;
    uint32_t table = ns_of(vm)->root_hfn;
    for (unsigned l = levels(vm); l > level; l--) {
        uint64_t e = load_entry(vm, table, index_of(vm, gpa, l));
        table = (uint32_t)((npt(vm) ? (e & 0xFFFFF000u) : (e & EPT_ADDR_MASK)) >> 12);
    }
    unsigned idx = index_of(vm, gpa, level);
    store_entry(vm, table, idx, value);
    m->cur = vm;
    hv_machine_emit(vm, HV_EV_NESTED_FILL, level,
                    (table << 12) + idx * entry_size(vm), (uint32_t)value,
                    gpa & ~0xFFFu);
    /* INVEPT: cached combined translations may use the old entry. */
    hv_tlb_flush(vm->tlb, true);
    if (vm->m->cfg.nested.pwc)
        pwc_flush(vm, true);
    return HV_OK;
}
