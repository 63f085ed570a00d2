/* hvlab nested-paging tests: helpers on top of tests/shadow/shadow_util.h
 * (which sits on tests/unit/guest_harness.h: run a guest, record its
 * events, windows between markers).
 *
 * Under any hypervisor every OUT exits, so each marker of a guest is one
 * VM_EXIT (reason io) just before its IO_OUT; the helpers count the other
 * exits. Guests come from tests/nested/guests/ and, reused by path, from
 * tests/shadow/guests/ (s_cr3, s_dirty, s_truepf, aa_ptemod): all are
 * assembled into this directory's build directory.
 */
#ifndef HV_NESTED_UTIL_H
#define HV_NESTED_UTIL_H

#include "shadow_util.h"

/* EPT entry bits (SDM Vol 3C §28.2.2, FIDELITY.md "Nested paging"). */
enum {
    EPT_R = 1u << 0,
    EPT_W = 1u << 1,
    EPT_X = 1u << 2,
    EPT_MT_WB = 6u << 3,
    EPT_A = 1u << 8,
    EPT_D = 1u << 9,
};

/* EPT violation exit qualification (SDM Vol 3C Table 27-7). */
enum {
    QUAL_READ = 1u << 0,
    QUAL_WRITE = 1u << 1,
    QUAL_FETCH = 1u << 2,
    QUAL_LA_VALID = 1u << 7, /* guest linear address valid */
    QUAL_FINAL = 1u << 8,    /* the translation of the linear address */
};
/* What the EPT entries allowed, in bits 3-5 (R, W, X). */
#define QUAL_ALLOWED(xwr) ((uint32_t)(xwr) << 3)

/* Nested paging: EPT (4 levels) or NPT (2 levels), lazy or prefilled,
 * EPT A/D on (the default) or off. */
static inline hv_config cfg_nested(bool npt, bool lazy)
{
    hv_config c;
    hv_config_default(&c);
    c.paging = HV_PAGING_NESTED;
    c.nested.npt = npt;
    c.nested.lazy = lazy;
    return c;
}

/* Number of VM exits of the whole run with reason `key`. */
static inline size_t exits_of(const guest_run *r, uint32_t key)
{
    size_t n = 0;
    for (size_t i = 0; i < r->log.n; i++)
        n += r->log.ev[i].type == HV_EV_VM_EXIT && r->log.ev[i].a == key;
    return n;
}

/* Exits of window w with reason `key`. */
static inline size_t win_exits_of(const guest_run *r, win w, uint32_t key)
{
    size_t n = 0;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++)
        n += r->log.ev[i].type == HV_EV_VM_EXIT && r->log.ev[i].a == key;
    return n;
}

/* Reads the nested-table entry of `level` on the path of gpa through the
 * host-physical memory (the tables as the hypervisor left them). Returns
 * false when an upper level is not present. */
static inline bool nested_entry(const guest_run *r, uint32_t gpa,
                                uint32_t level, uint64_t *out)
{
    uint32_t root, nlevels, esize;
    CHECK(hv_machine_nested_root(r->m, 0, &root, &nlevels, &esize));
    uint32_t table = root;
    for (uint32_t l = nlevels; l >= level && l >= 1; l--) {
        uint32_t idx = nlevels == 2
                           ? (l == 2 ? gpa >> 22 : (gpa >> 12) & 0x3FFu)
                           : (uint32_t)(((uint64_t)gpa >> (12 + 9 * (l - 1))) &
                                        0x1FFu);
        uint64_t e = 0;
        CHECK_OK(hv_machine_read_hpa(r->m, table + idx * esize, &e, esize));
        if (l == level) {
            *out = e;
            return true;
        }
        if ((esize == 8 && !(e & 7u)) || (esize == 4 && !(e & 1u)))
            return false;
        table = (uint32_t)(e & (esize == 8 ? 0x7FFFFFF000ull : 0xFFFFF000ull));
    }
    return false;
}

/* The TLB-miss record of an access to page `va` in window w: the events
 * from its TLB_MISS to its TLB_FILL. Returns false (after a CHECK
 * failure) when the window has no such miss and fill. */
typedef struct miss_rec {
    size_t miss, fill; /* indices in the log */
} miss_rec;

static inline bool find_miss(const guest_run *r, win w, uint32_t va,
                             miss_rec *out)
{
    size_t m = ev_find_page(r, w.from, w.to, HV_EV_TLB_MISS, va);
    size_t f = m < w.to ? ev_find_page(r, m, w.to, HV_EV_TLB_FILL, va) : w.to;
    bool ok = m < w.to && f < w.to;
    if (!ok) {
        fprintf(stderr, "  no tlb_miss .. tlb_fill of 0x%08x in the window:\n",
                va);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
    out->miss = m;
    out->fill = f;
    return ok;
}

#endif
