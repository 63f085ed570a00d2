/* Nested paging, FIDELITY behaviour 2: the two-dimensional walk of a cold
 * TLB miss (SDM Vol 3C §28.2; Bhargava et al., ASPLOS 2008; docs/nested.md).
 * Guest: tests/nested/guests/n_walk.
 *
 * With the nested table prefilled (`nested.lazy = false`, so no EPT
 * violation interrupts the walk), a miss of a 2-level guest translates
 * each guest-physical address it meets (the PDE's, inside the table guest
 * CR3 names; the PTE's, inside the table the PDE names; the final one)
 * through the nested table before using it. Expected, from
 * (n+1)(m+1)-1 for an n-level guest on an m-level nested table:
 *   - 4 KiB guest page on 4-level EPT: 14 = 4, PDE, 4, PTE, 4;
 *   - 4 MiB guest page on 4-level EPT:  9 = 4, PDE, 4;
 *   - 4 KiB guest page on 2-level NPT:  8 = 2, PDE, 2, PTE, 2;
 *   - 4 MiB guest page on 2-level NPT:  5 = 2, PDE, 2;
 *   - natively: 2 (PDE, PTE), 1 for a 4 MiB page (behaviour 1).
 * All between the access's TLB_MISS and its TLB_FILL, in that order, with
 * no VM exit. Every nested reference is checked against the address it
 * must translate (its index at each level) and against the table the
 * previous level named, starting from the nested root; the last reference
 * of each group names the host frame the P2M gives; the fill holds the
 * host-physical address of the guest frame.
 */
#include "nested_util.h"

/* n_walk's layout (guests/n_walk.asm). */
#define W_PD 0x10000u
#define W_PT1 0x12000u
#define W_VA_R 0x00400000u
#define W_FRAME_R 0x00050000u
#define W_VA_BIG 0x00C00000u
#define W_FRAME_B 0x00060000u

/* One guest reference: the table (guest-physical), the index, the level. */
typedef struct gref {
    uint32_t table, index, level;
} gref;

/* Index of gpa in the nested table of `level` (EPT: 9 bits a level above
 * the 4 KiB offset; NPT: the 32-bit x86 split, 10 + 10). */
static uint32_t nidx(bool npt, uint32_t gpa, uint32_t level)
{
    if (npt)
        return level == 2 ? gpa >> 22 : (gpa >> 12) & 0x3FFu;
    return (uint32_t)(((uint64_t)gpa >> (12 + 9 * (level - 1))) & 0x1FFu);
}

/* The table an entry names (the event carries the entry's low 32 bits:
 * host frames here lie below 4 GiB, so EPT bits 38:32 are zero). */
static uint64_t next_table(uint32_t entry)
{
    return entry & 0xFFFFF000u;
}

/* Checks the references of the miss of `va` in window w: for each of the
 * ngpa guest-physical addresses, a nested group (levels nl..1), and after
 * each but the last, the guest reference g[i]. nl = 0: native (guest
 * references only). Prints the sequence it found. */
static void check_walk(const guest_run *r, win w, const char *what,
                       uint32_t va, uint32_t nl, bool npt, const uint32_t *gpa,
                       const gref *g, uint32_t ngpa, uint32_t fill_gpa)
{
    miss_rec mr;
    if (!find_miss(r, w, va, &mr))
        return;
    uint32_t root = 0, levels = 0, esize = 0;
    if (nl) {
        CHECK(hv_machine_nested_root(r->m, 0, &root, &levels, &esize));
        CHECK_EQ(levels, nl);
        CHECK_EQ(esize, npt ? 4 : 8);
    }
    uint32_t want = nl ? ngpa * nl + (ngpa - 1) : ngpa - 1;
    uint32_t got = 0, exits = 0;
    bool order_ok = true;
    uint32_t gi = 0, lvl = nl; /* the next expected reference */
    uint64_t table = root;
    printf("  %-28s", what);
    for (size_t i = mr.miss + 1; i < mr.fill; i++) {
        const hv_event *e = &r->log.ev[i];
        exits += e->type == HV_EV_VM_EXIT;
        if (e->type != HV_EV_WALK_REF && e->type != HV_EV_NESTED_WALK_REF)
            continue;
        got++;
        bool nested = e->type == HV_EV_NESTED_WALK_REF;
        printf(" %s%u", nested ? (npt ? "N" : "E") : "G", e->a);
        if (!order_ok)
            continue;
        if (nested) {
            /* A nested reference at level lvl of gpa[gi]'s translation. */
            bool ok = lvl > 0 && gi < ngpa && e->a == lvl &&
                      e->b == (uint32_t)table && e->c == nidx(npt, gpa[gi], lvl);
            if (ok && lvl == 1) {
                uint32_t hpa = 0;
                CHECK(hv_machine_gpa_to_hpa(r->m, 0, gpa[gi], &hpa));
                ok = (e->d & 0xFFFFF000u) == (hpa & 0xFFFFF000u);
            }
            if (!ok) {
                fprintf(stderr, "\n  %s: reference %u: nested level %u table "
                                "0x%x index %u entry 0x%x; expected level %u "
                                "table 0x%llx index %u (gpa 0x%x)\n",
                        what, got, e->a, e->b, e->c, e->d, lvl,
                        (unsigned long long)table,
                        gi < ngpa ? nidx(npt, gpa[gi], lvl ? lvl : 1) : 0,
                        gi < ngpa ? gpa[gi] : 0);
                order_ok = false;
                continue;
            }
            table = next_table(e->d);
            lvl--;
        } else {
            /* A guest reference: all of gpa[gi]'s group came first. */
            bool ok = lvl == 0 && gi + 1 < ngpa && e->a == g[gi].level &&
                      e->b == g[gi].table && e->c == g[gi].index;
            if (!ok) {
                fprintf(stderr, "\n  %s: reference %u: guest level %u table "
                                "0x%x index %u; expected %s\n",
                        what, got, e->a, e->b, e->c,
                        lvl ? "more nested references first" : "another");
                order_ok = false;
                continue;
            }
            gi++;
            lvl = nl;
            table = root;
        }
    }
    printf("  = %u references\n", got);
    CHECK_EQ(got, want);
    CHECK(order_ok);
    CHECK_EQ(exits, 0);
    /* The fill: the host frame of the guest frame, for the page of va. */
    uint32_t hpa = 0;
    CHECK(hv_machine_gpa_to_hpa(r->m, 0, fill_gpa, &hpa));
    CHECK_EQ(r->log.ev[mr.fill].b & 0xFFFFF000u, hpa & 0xFFFFF000u);
    if (got != want || !order_ok || exits)
        ev_dump(r, mr.miss, mr.fill + 1);
}

/* The whole n_walk check on one configuration. nl: nested levels (0 for
 * native). */
static void walk_case(const char *mode, hv_config c, uint32_t nl, bool npt)
{
    guest_run r;
    if (!run_guest(&r, "n_walk", &c))
        goto out;
    CHECK(ended_with(&r, 0));
    CHECK_EQ(gpa32(&r, GUEST_RES + 0), 0x5252);
    CHECK_EQ(gpa32(&r, GUEST_RES + 4), 0x4242);
    char what[64];

    /* 4 KiB page: PDE 1 of PD, then PTE 0 of PT1, then the frame. */
    const uint32_t gpa4k[3] = {W_PD + 1 * 4, W_PT1 + 0 * 4, W_FRAME_R};
    const gref g4k[2] = {{W_PD, 1, 2}, {W_PT1, 0, 1}};
    win w = window(&r, 1, 2);
    snprintf(what, sizeof what, "%s, 4 KiB page:", mode);
    check_walk(&r, w, what, W_VA_R, nl, npt, gpa4k, g4k, 3, W_FRAME_R);
    expect_no_exit(&r, w, what);

    /* 4 MiB page: PDE 3 of PD, then the frame (PDE 3 maps physical 0). */
    const uint32_t gpa4m[2] = {W_PD + 3 * 4, W_FRAME_B};
    const gref g4m[1] = {{W_PD, 3, 2}};
    w = window(&r, 2, 3);
    snprintf(what, sizeof what, "%s, 4 MiB page:", mode);
    check_walk(&r, w, what, W_VA_BIG + W_FRAME_B, nl, npt, gpa4m, g4m, 2,
               W_FRAME_B);
    expect_no_exit(&r, w, what);
    if (nl == 0)
        CHECK_EQ(r.ctr.vm_exits, 0);
    else /* prefilled: no nested fault in the whole run */
        CHECK_EQ(ev_count(&r, 0, r.log.n, HV_EV_NESTED_FAULT), 0);
out:
    run_free(&r);
}

static void test_native_contrast(void)
{
    walk_case("native", cfg_native(), 0, false);
}

/* 14 and 9 on 4-level EPT. */
static void test_ept_cold_miss(void)
{
    walk_case("EPT (4-level)", cfg_nested(false, false), 4, false);
}

/* EPT A/D off changes no reference count (only what the walk may set). */
static void test_ept_cold_miss_ad_off(void)
{
    hv_config c = cfg_nested(false, false);
    c.nested.ad = false;
    walk_case("EPT, A/D off", c, 4, false);
}

/* 8 and 5 on a 2-level NPT table (labelled NPT: FIDELITY.md). */
static void test_npt_cold_miss(void)
{
    walk_case("NPT (2-level)", cfg_nested(true, false), 2, true);
}

/* The walk record (hv_walk) is not public; its counter is: walk_refs of
 * the run counts both dimensions. A warm access costs none: a second
 * read of VA_R would hit. Here: walk_refs grows by exactly 14 + 9 over
 * the two windows under EPT (the marker OUTs touch no memory). */
static void test_ept_walk_refs_counter(void)
{
    hv_config c = cfg_nested(false, false);
    guest_run r;
    if (!run_guest(&r, "n_walk", &c))
        goto out;
    win w = window(&r, 1, 3);
    size_t refs = ev_count(&r, w.from, w.to, HV_EV_WALK_REF) +
                  ev_count(&r, w.from, w.to, HV_EV_NESTED_WALK_REF);
    CHECK_EQ(refs, 14 + 9);
    CHECK_EQ(ev_count(&r, w.from, w.to, HV_EV_TLB_MISS), 2);
out:
    run_free(&r);
}

static const check_test tests[] = {
    {"native_contrast", test_native_contrast},
    {"ept_cold_miss", test_ept_cold_miss},
    {"ept_cold_miss_ad_off", test_ept_cold_miss_ad_off},
    {"npt_cold_miss", test_npt_cold_miss},
    {"ept_walk_refs_counter", test_ept_walk_refs_counter},
    {NULL, NULL},
};

CHECK_MAIN(tests)
