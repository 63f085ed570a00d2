/* The mechanism's shape under nested paging, in modelled cycles (issue 6;
 * FIDELITY.md "Costs": Adams & Agesen's VMMs both shadow, so what nested
 * shows follows from the mechanism, not from their table).
 *
 * Nested paging removes the exits that shadow paging takes for page-table
 * writes and context switches, and makes every TLB miss walk two
 * dimensions. Hence, with the EPT prefilled and after warm-up:
 *   - aa_ptemod (a PTE store and INVLPG; tests/shadow/guests) and
 *     n_cr3loop (two MOV CR3 an iteration, code global) stay near native
 *     under nested: ratio <= 1.5, no exit in the loop; under shadow each
 *     iteration exits (ratio >= 5, as tests/shadow checks for ptemod);
 *   - n_sweep (64 pages read an iteration through a 16-entry TLB, every
 *     read a miss) costs more under nested than under warm shadow, whose
 *     misses walk the one-dimensional shadow tables: nested/shadow >= 2,
 *     with no exit in the loop in either mode (the cost is the walks:
 *     14 references a miss against 2, docs/nested.md);
 *   - n_cr3touch (a switch, then a touch of a non-global page, twice an
 *     iteration) shows both at once: nested pays longer walks, shadow
 *     pays exits; nested must stay below shadow.
 * Each guest warms up, then runs 1,000 iterations between bench_begin and
 * bench_end (aa.inc); the test stops at both and takes the difference of
 * the `cycles` counter. The ratios are printed.
 */
#include "nested_util.h"

#define AA_ITERS 1000u /* aa.inc */

typedef struct measure_t {
    bool ok;
    uint64_t cycles, exits, misses, refs;
} measure_t;

static uint64_t counter(hv_machine *m, const char *name)
{
    hv_counters c;
    uint64_t v = 0;
    hv_machine_counters(m, &c);
    CHECK(hv_counter_get(&c, name, &v));
    return v;
}

static bool run_to(hv_machine *m, uint32_t eip)
{
    hv_stop why;
    hv_regs regs;
    CHECK_OK(hv_machine_run(m, GUEST_MAX_INSNS, &why));
    CHECK_OK(hv_machine_regs(m, 0, &regs));
    CHECK_EQ(why, HV_STOP_BREAK);
    CHECK_EQ(regs.eip, eip);
    return why == HV_STOP_BREAK && regs.eip == eip;
}

/* The loop's cost of `guest` on `c`. */
static measure_t measure(const char *guest, hv_config c)
{
    measure_t out = {0};
    size_t len = 0;
    uint8_t *img = guest_image(guest, &len);
    if (!img)
        return out;
    c.vms[0].image = img;
    c.vms[0].image_len = len;
    hv_machine *m = NULL;
    hv_err err = hv_machine_create(&c, &m);
    CHECK_OK(err);
    if (err) {
        free(img);
        return out;
    }
    uint32_t marks[2];
    CHECK_OK(hv_machine_read_gpa(m, 0, GUEST_INFO, marks, sizeof marks));
    CHECK_OK(hv_machine_set_breakpoints(m, marks, 2));
    if (run_to(m, marks[0])) {
        uint64_t c0 = counter(m, "cycles"), x0 = counter(m, "vm_exits"),
                 m0 = counter(m, "tlb_misses"), r0 = counter(m, "walk_refs");
        if (run_to(m, marks[1])) {
            out.cycles = counter(m, "cycles") - c0;
            out.exits = counter(m, "vm_exits") - x0;
            out.misses = counter(m, "tlb_misses") - m0;
            out.refs = counter(m, "walk_refs") - r0;
            hv_stop why;
            hv_vm_state st;
            CHECK_OK(hv_machine_run(m, GUEST_MAX_INSNS, &why));
            CHECK_OK(hv_machine_vm_state(m, 0, &st));
            uint32_t left = 1;
            CHECK_OK(hv_machine_read_gpa(m, 0, GUEST_RES, &left, 4));
            out.ok = why == HV_STOP_ENDED && st.exit_reason == HV_VM_EXIT_PORT &&
                     st.exit_status == 0 && left == 0 && out.cycles > 0;
            CHECK(out.ok);
        }
    }
    hv_machine_destroy(m);
    free(img);
    return out;
}

typedef struct trio {
    bool ok;
    measure_t n, s, x; /* native, shadow, nested (prefilled EPT) */
} trio;

static trio measure3(const char *guest, const hv_config *base)
{
    trio t;
    hv_config n = *base, s = *base, x = *base;
    n.paging = HV_PAGING_NATIVE;
    s.paging = HV_PAGING_SHADOW;
    x.paging = HV_PAGING_NESTED;
    x.nested.lazy = false;
    t.n = measure(guest, n);
    t.s = measure(guest, s);
    t.x = measure(guest, x);
    t.ok = t.n.ok && t.s.ok && t.x.ok;
    if (!t.ok)
        return t;
    const double it = AA_ITERS;
    printf("  %-10s cycles/iteration: native %8.1f  shadow %8.1f  nested "
           "%8.1f | shadow/native %6.2fx  nested/native %5.2fx  "
           "nested/shadow %5.2fx\n",
           guest, t.n.cycles / it, t.s.cycles / it, t.x.cycles / it,
           (double)t.s.cycles / (double)t.n.cycles,
           (double)t.x.cycles / (double)t.n.cycles,
           (double)t.x.cycles / (double)t.s.cycles);
    printf("  %-10s per iteration: exits %.1f / %.1f / %.1f, TLB misses "
           "%.1f / %.1f / %.1f, walk references %.1f / %.1f / %.1f\n",
           "", t.n.exits / it, t.s.exits / it, t.x.exits / it,
           t.n.misses / it, t.s.misses / it, t.x.misses / it, t.n.refs / it,
           t.s.refs / it, t.x.refs / it);
    CHECK_EQ(t.n.exits, 0);
    return t;
}

static double ratio(const measure_t *a, const measure_t *b)
{
    return (double)a->cycles / (double)b->cycles;
}

/* Exits removed: nested near native, shadow many times native. */
static void near_native(const char *guest)
{
    hv_config c;
    hv_config_default(&c);
    trio t = measure3(guest, &c);
    CHECK(t.ok);
    if (!t.ok)
        return;
    CHECK(ratio(&t.x, &t.n) <= 1.5);
    CHECK_EQ(t.x.exits, 0);
    CHECK(ratio(&t.s, &t.n) >= 5.0);
    CHECK(t.s.exits >= AA_ITERS);
}

static void test_ptemod(void) { near_native("aa_ptemod"); }
static void test_cr3loop(void) { near_native("n_cr3loop"); }

/* TLB misses dearer: every read of the sweep misses a 16-entry TLB. */
static void test_sweep(void)
{
    hv_config c;
    hv_config_default(&c);
    c.tlb.entries = 16;
    c.tlb.ways = 4;
    trio t = measure3("n_sweep", &c);
    CHECK(t.ok);
    if (!t.ok)
        return;
    /* At least the 64 reads of the sweep miss in every mode. */
    CHECK(t.n.misses >= 64u * AA_ITERS);
    CHECK_EQ(t.s.misses, t.n.misses);
    CHECK_EQ(t.x.misses, t.n.misses);
    /* Warm: no exit in either hypervisor mode. */
    CHECK_EQ(t.s.exits, 0);
    CHECK_EQ(t.x.exits, 0);
    /* Shadow walks its one-dimensional tables (2 references a miss);
     * nested 14 (4-level EPT, 4 KiB guest pages). */
    CHECK_EQ(t.s.refs, 2 * t.s.misses);
    CHECK_EQ(t.x.refs, 14 * t.x.misses);
    CHECK(ratio(&t.x, &t.s) >= 2.0);
    CHECK(ratio(&t.s, &t.n) <= 1.5);
}

/* Both effects at once: nested below shadow. */
static void test_cr3touch(void)
{
    hv_config c;
    hv_config_default(&c);
    trio t = measure3("n_cr3touch", &c);
    CHECK(t.ok);
    if (!t.ok)
        return;
    CHECK_EQ(t.x.exits, 0);
    CHECK(t.s.exits >= 2 * AA_ITERS);
    CHECK(t.x.cycles < t.s.cycles);
    /* Two misses an iteration (the non-global page after each switch). */
    CHECK_EQ(t.x.misses, 2 * AA_ITERS);
}

static const check_test tests[] = {
    {"ptemod", test_ptemod},     {"cr3loop", test_cr3loop},
    {"sweep", test_sweep},       {"cr3touch", test_cr3touch},
    {NULL, NULL},
};

CHECK_MAIN(tests)
