/* Nested paging, FIDELITY behaviour 8: EPT violations and
 * misconfigurations (SDM Vol 3C §28.2.3, Table 27-7; docs/nested.md), and
 * the same guest on NPT, whose faults are #NPF (SVM exit code 0x400) and
 * never labelled EPT. Guest: tests/nested/guests/n_ept.
 *
 * With lazy EPT (the default) the hypervisor maps a guest page on its
 * first touch, so each window of n_ept holds the violations its comment
 * lists. Expected, from the SDM:
 *   - exit reason 48 (ept_violation), then a NESTED_FAULT with the
 *     guest-physical address of the access, the same qualification and the
 *     level where the EPT walk found the entry missing;
 *   - qualification bits 0-2 the access (read 1, write 2, fetch 4); bits
 *     3-5 what the entries allowed (0 for a not-present entry); bit 7 the
 *     guest linear address is valid; bit 8 set for the final translation,
 *     clear for an access to a guest paging structure; with EPT A/D on,
 *     such an access is treated as a write and sets bits 0 AND 1 (SDM
 *     Table 27-7, footnote to bit 1), with A/D off it is a read (bit 0);
 *   - EPT misconfiguration (reason 49) for a leaf with write without read
 *     (XWR 010, 110), whatever the access; the hypervisor repairs it and
 *     the guest reads and writes what it would have;
 *   - a read-only leaf (XWR 101): a write is a violation with bit 1 and
 *     bits 3-5 = R|X (0b101 << 3), also after a read of that page filled
 *     the TLB (a combined TLB entry carries no more rights than the EPT
 *     grants: SDM Vol 3C §28.3.1);
 *   - EPT A/D (EPTP bit 6): A in the leaf of every page used, D in the
 *     leaf of a page written, also when the write comes after a read
 *     through the same TLB entry, and in the leaf of a guest page table
 *     read by the walk (treated as a write); none with A/D off;
 *   - a read-only entry above the leaf behaves as a read-only leaf: one
 *     violation, then the hypervisor maps the page and the guest resumes.
 */
#include "nested_util.h"

/* n_ept's layout (guests/n_ept.asm). */
#define E_PT2 0x00060000u
#define E_VA_S 0x00800000u
#define E_FRAME_R 0x00500000u
#define E_FRAME_W 0x00051000u
#define E_FRAME_S 0x00061000u
#define E_FETCH 0x00004000u
#define HV_US 0x4u

/* The leaf entry the test writes at breakpoint i (p_rd, p_wr, p_ro,
 * p_ro2, p_dirty): its guest frame and its rights (EPT: XWR; NPT: x86
 * flags). */
typedef struct poke {
    uint32_t gpa;
    uint32_t rights;
    uint32_t level; /* 1: the leaf */
} poke;

#define NPOKES 5
static const poke ept_pokes[NPOKES] = {
    {E_FRAME_R, EPT_W, 1},                /* 010: write without read */
    {E_FRAME_W, EPT_W | EPT_X, 1},        /* 110 */
    {E_FRAME_R, EPT_R | EPT_X, 1},        /* 101: read-only */
    {E_FRAME_W, EPT_R | EPT_X, 1},        /* 101 */
    {E_FRAME_W, EPT_R | EPT_W | EPT_X, 1}, /* RWX, A and D clear */
};
static const poke npt_pokes[NPOKES] = {
    {E_FRAME_R, 0, 1},                    /* not present */
    {E_FRAME_W, PTE_P | HV_US, 1},        /* read-only */
    {E_FRAME_R, PTE_P | HV_US, 1},
    {E_FRAME_W, PTE_P | HV_US, 1},
    {E_FRAME_W, PTE_P | PTE_RW | HV_US, 1},
};

/* Runs n_ept, stopping at the p_* labels to write the poke's entry (an
 * upper level keeps the table it names and takes the rights). */
static bool run_ept_guest(guest_run *r, const hv_config *cfg, const poke *pk)
{
    memset(r, 0, sizeof *r);
    size_t len = 0;
    uint8_t *img = guest_image("n_ept", &len);
    if (!img)
        return false;
    hv_config c = *cfg;
    c.vms[0].image = img;
    c.vms[0].image_len = len;
    hv_err err = hv_machine_create(&c, &r->m);
    CHECK_OK(err);
    free(img);
    if (err)
        return false;
    hv_machine_set_sink(r->m, evlog_sink, &r->log);
    uint32_t br[NPOKES];
    CHECK_OK(hv_machine_read_gpa(r->m, 0, GUEST_INFO, br, sizeof br));
    CHECK_OK(hv_machine_set_breakpoints(r->m, br, NPOKES));
    for (int stops = 0; stops <= NPOKES; stops++) {
        err = hv_machine_run(r->m, GUEST_MAX_INSNS, &r->why);
        CHECK_OK(err);
        if (err || r->why != HV_STOP_BREAK)
            break;
        CHECK_OK(hv_machine_regs(r->m, 0, &r->regs));
        CHECK(stops < NPOKES && r->regs.eip == br[stops]);
        if (stops >= NPOKES || r->regs.eip != br[stops])
            break;
        uint32_t hpa = 0;
        CHECK(hv_machine_gpa_to_hpa(r->m, 0, pk[stops].gpa, &hpa));
        uint64_t v = pk[stops].rights ? (uint64_t)hpa | pk[stops].rights : 0;
        uint32_t level = pk[stops].level;
        if (!cfg->nested.npt)
            v |= EPT_MT_WB;
        if (level > 1) {
            uint64_t old = 0;
            CHECK(nested_entry(r, pk[stops].gpa, level, &old));
            v = (old & ~(uint64_t)0xFFFu) | pk[stops].rights;
        }
        CHECK_OK(hv_machine_nested_set_entry(r->m, 0, pk[stops].gpa, level, v));
    }
    CHECK(!r->log.oom);
    CHECK_OK(hv_machine_vm_state(r->m, 0, &r->st));
    CHECK_OK(hv_machine_regs(r->m, 0, &r->regs));
    hv_machine_counters(r->m, &r->ctr);
    return err == HV_OK;
}

/* The guest's own results: every access completed with the value it
 * would have natively. */
static void check_ept_results(const guest_run *r)
{
    CHECK(ended_with(r, 0));
    CHECK_EQ(gpa32(r, GUEST_RES + 0), 0x11111111);
    CHECK_EQ(gpa32(r, GUEST_RES + 4), 0x5A5A5A5A);
    CHECK_EQ(gpa32(r, GUEST_RES + 8), 0x33333333);
    CHECK_EQ(gpa32(r, GUEST_RES + 12), 0x11111111);
    CHECK_EQ(gpa32(r, GUEST_RES + 16), 0x66666666);
    CHECK_EQ(gpa32(r, GUEST_RES + 20), 0x77777777);
    CHECK_EQ(gpa32(r, GUEST_RES + 24), 0x99999999);
    CHECK_EQ(gpa32(r, GUEST_RES + 28), 0x88888888);
}

/* One expected nested exit: reason, qualification, guest-physical
 * address, level where the walk stopped (UINT32_MAX: not checked). */
typedef struct nexit {
    uint32_t key, qual, gpa, level;
} nexit;

/* Window [a, b) holds exactly these exits besides port I/O, each followed
 * by its NESTED_FAULT (same gpa and qualification, the level). Prints the
 * qualifications found. */
static void expect_nested_exits(const guest_run *r, uint32_t a, uint32_t b,
                                const char *what, const nexit *want, size_t n)
{
    win w = window(r, a, b);
    size_t got = nonio_exits(r, w, NULL), k = 0;
    bool ok = got == n;
    printf("  %u-%u %-34s", a, b, what);
    for (size_t i = w.from; i < w.to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type != HV_EV_VM_EXIT || e->a == HV_EXIT_IO)
            continue;
        size_t f = ev_find(r, i + 1, w.to, HV_EV_NESTED_FAULT, true, 0);
        const hv_event *nf = f < w.to && f < r->log.n ? &r->log.ev[f] : NULL;
        printf(" %s qual=0x%03x gpa=0x%08x level=%u;",
               hv_exit_key_name((hv_exit_key)e->a), e->b, nf ? nf->a : 0,
               nf ? nf->c : 0);
        if (k < n) {
            const nexit *x = &want[k];
            ok = ok && e->a == x->key &&
                 (x->qual == UINT32_MAX || e->b == x->qual) && nf &&
                 nf->a == x->gpa && nf->b == e->b &&
                 (x->level == UINT32_MAX || nf->c == x->level);
        }
        k++;
    }
    printf("\n");
    if (!ok) {
        fprintf(stderr, "  %s: expected %zu nested exit(s):", what, n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s qual=0x%x gpa=0x%x level=%u;",
                    hv_exit_key_name((hv_exit_key)want[i].key), want[i].qual,
                    want[i].gpa, want[i].level);
        fprintf(stderr, "\n");
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
}

#define V HV_EXIT_EPT_VIOLATION
#define MC HV_EXIT_EPT_MISCONFIG
#define FIN (QUAL_LA_VALID | QUAL_FINAL)

static void ept_case(bool ad)
{
    hv_config c = cfg_nested(false, true);
    c.nested.ad = ad;
    guest_run r;
    if (!run_ept_guest(&r, &c, ept_pokes))
        goto out;
    check_ept_results(&r);
    printf(" EPT, A/D %s:\n", ad ? "on" : "off");
    /* FRAME_R lies in a 2 MiB region nothing touched yet: the EPT walk
     * stops at level 2; the others at the leaf. */
    const nexit rd[] = {{V, QUAL_READ | FIN, E_FRAME_R, 2}};
    expect_nested_exits(&r, 1, 2, "read, not present", rd, 1);
    const nexit wr[] = {{V, QUAL_WRITE | FIN, E_FRAME_W, 1}};
    expect_nested_exits(&r, 2, 3, "write, not present", wr, 1);
    const nexit fe[] = {{V, QUAL_FETCH | FIN, E_FETCH, 1}};
    expect_nested_exits(&r, 3, 4, "fetch, not present", fe, 1);
    /* The PTE's address in PT2, a guest paging structure: bit 8 clear. */
    const uint32_t ps = ad ? QUAL_READ | QUAL_WRITE : QUAL_READ;
    const nexit st[] = {{V, ps | QUAL_LA_VALID, E_PT2 + 0, 1},
                        {V, QUAL_READ | FIN, E_FRAME_S, 1}};
    expect_nested_exits(&r, 4, 5, "paging structure, then final", st, 2);
    /* Misconfigurations carry no qualification (SDM: reason 49). */
    const nexit m1[] = {{MC, 0, E_FRAME_R, 1}};
    expect_nested_exits(&r, 5, 6, "read, leaf XWR=010", m1, 1);
    const nexit m2[] = {{MC, 0, E_FRAME_W, 1}};
    expect_nested_exits(&r, 6, 7, "write, leaf XWR=110", m2, 1);
    const uint32_t ro = QUAL_WRITE | QUAL_ALLOWED(EPT_R | EPT_X) | FIN;
    const nexit v1[] = {{V, ro, E_FRAME_R, 1}};
    expect_nested_exits(&r, 7, 8, "write, leaf XWR=101", v1, 1);
    const nexit v2[] = {{V, ro, E_FRAME_W, 1}};
    expect_nested_exits(&r, 8, 9, "read, then write, leaf XWR=101", v2, 1);
    expect_nested_exits(&r, 9, 10, "read, then write, leaf RWX", NULL, 0);
    CHECK_EQ(exits_of(&r, HV_EXIT_NPF), 0);
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_EPT_VIOLATION), 48);
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_EPT_MISCONFIG), 49);

    /* EPT A/D in the leaves (bits 8, 9). FRAME_W's leaf was last written
     * clean at p_dirty, then the page was read and written (its guest PTE
     * already dirty): the write must set the EPT D flag (SDM Vol 3C
     * §28.2.4: D is set on a write to the guest-physical address). */
    uint64_t e_s = 0, e_pt = 0, e_w = 0;
    CHECK(nested_entry(&r, E_FRAME_S, 1, &e_s));
    CHECK(nested_entry(&r, E_PT2, 1, &e_pt));
    CHECK(nested_entry(&r, E_FRAME_W, 1, &e_w));
    printf("  EPT leaves: FRAME_S 0x%llx, PT2 0x%llx, FRAME_W 0x%llx\n",
           (unsigned long long)e_s, (unsigned long long)e_pt,
           (unsigned long long)e_w);
    const uint64_t ad_bits = EPT_A | EPT_D;
    CHECK_EQ(e_s & ad_bits, ad ? EPT_A : 0);  /* read only */
    CHECK_EQ(e_pt & ad_bits, ad ? ad_bits : 0); /* walked: a write */
    CHECK_EQ(e_w & ad_bits, ad ? ad_bits : 0);  /* written */
out:
    run_free(&r);
}

static void test_ept_ad_on(void) { ept_case(true); }
static void test_ept_ad_off(void) { ept_case(false); }

/* The same guest on NPT: the faults are #NPF (exit code 0x400), nothing
 * says EPT, and the guest completes. The qualifications are printed, not
 * checked: FIDELITY.md fixes none for #NPF. */
static void test_npt_faults(void)
{
    hv_config c = cfg_nested(true, true);
    guest_run r;
    if (!run_ept_guest(&r, &c, npt_pokes))
        goto out;
    check_ept_results(&r);
    printf(" NPT:\n");
    const uint32_t any = UINT32_MAX, N = HV_EXIT_NPF;
    /* NPT's directory entry 1 covers 4-8 MiB: FRAME_R stops at level 2. */
    const nexit rd[] = {{N, any, E_FRAME_R, 2}};
    expect_nested_exits(&r, 1, 2, "read, not present", rd, 1);
    const nexit wr[] = {{N, any, E_FRAME_W, 1}};
    expect_nested_exits(&r, 2, 3, "write, not present", wr, 1);
    const nexit fe[] = {{N, any, E_FETCH, 1}};
    expect_nested_exits(&r, 3, 4, "fetch, not present", fe, 1);
    const nexit st[] = {{N, any, E_PT2 + 0, 1}, {N, any, E_FRAME_S, 1}};
    expect_nested_exits(&r, 4, 5, "paging structure, then final", st, 2);
    const nexit p1[] = {{N, any, E_FRAME_R, 1}};
    expect_nested_exits(&r, 5, 6, "read, leaf not present", p1, 1);
    const nexit p2[] = {{N, any, E_FRAME_W, 1}};
    expect_nested_exits(&r, 6, 7, "write, leaf read-only", p2, 1);
    const nexit p3[] = {{N, any, E_FRAME_R, 1}};
    expect_nested_exits(&r, 7, 8, "write, leaf read-only", p3, 1);
    const nexit p4[] = {{N, any, E_FRAME_W, 1}};
    expect_nested_exits(&r, 8, 9, "read, then write, leaf read-only", p4, 1);
    expect_nested_exits(&r, 9, 10, "read, then write, leaf RW", NULL, 0);
    CHECK_EQ(exits_of(&r, HV_EXIT_EPT_VIOLATION), 0);
    CHECK_EQ(exits_of(&r, HV_EXIT_EPT_MISCONFIG), 0);
    CHECK_EQ(hv_exit_basic_reason(HV_EXIT_NPF), 0x400);
    /* No event of the run reads "ept" in its text form. */
    char buf[256];
    size_t ept_words = 0;
    for (size_t i = 0; i < r.log.n; i++) {
        hv_event_format_text(&r.log.ev[i], buf, sizeof buf);
        for (char *p = buf; *p; p++)
            if ((p[0] | 0x20) == 'e' && (p[1] | 0x20) == 'p' &&
                (p[2] | 0x20) == 't')
                ept_words++;
    }
    CHECK_EQ(ept_words, 0);
    uint32_t root, levels, esize;
    CHECK(hv_machine_nested_root(r.m, 0, &root, &levels, &esize));
    CHECK_EQ(levels, 2);
    CHECK_EQ(esize, 4);
out:
    run_free(&r);
}

/* A read-only entry above the leaf (the EPT PDE over FRAME_R: R|X, same
 * table): the write at p_ro is a violation whose bits 3-5 are the AND of
 * the entries used, R|X (SDM Table 27-7); the hypervisor then maps the
 * page and the guest resumes (docs/nested.md), as for a leaf. */
static void test_ept_upper_level_readonly(void)
{
    poke pk[NPOKES];
    memcpy(pk, ept_pokes, sizeof pk);
    pk[2].level = 2;
    hv_config c = cfg_nested(false, true);
    guest_run r;
    if (!run_ept_guest(&r, &c, pk))
        goto out;
    printf(" EPT, read-only EPT PDE:\n");
    CHECK(ended_with(&r, 0));
    if (r.st.exit_reason != HV_VM_EXIT_PORT)
        fprintf(stderr, "  the VM ended: %s (%s)\n",
                hv_vm_exit_reason_name(r.st.exit_reason), r.st.detail);
    const uint32_t ro = QUAL_WRITE | QUAL_ALLOWED(EPT_R | EPT_X) | FIN;
    const nexit v1[] = {{V, ro, E_FRAME_R, UINT32_MAX}};
    expect_nested_exits(&r, 7, 8, "write, EPT PDE XWR=101", v1, 1);
    if (ended_with(&r, 0))
        CHECK_EQ(gpa32(&r, GUEST_RES + 20), 0x77777777);
out:
    run_free(&r);
}

/* hv_machine_nested_set_entry refuses what it cannot do. */
static void test_set_entry_errors(void)
{
    hv_config c = cfg_native();
    guest_run r;
    if (run_guest(&r, "n_walk", &c)) {
        CHECK_EQ(hv_machine_nested_set_entry(r.m, 0, 0x1000, 1, 0), HV_ERR_ARG);
        uint32_t a, b, d;
        CHECK(!hv_machine_nested_root(r.m, 0, &a, &b, &d));
    }
    run_free(&r);
    c = cfg_nested(false, true);
    if (run_guest(&r, "n_walk", &c)) {
        CHECK_EQ(hv_machine_nested_set_entry(r.m, 0, 0x1000, 0, 0), HV_ERR_ARG);
        CHECK_EQ(hv_machine_nested_set_entry(r.m, 0, 0x1000, 5, 0), HV_ERR_ARG);
        CHECK_EQ(hv_machine_nested_set_entry(r.m, 1, 0x1000, 1, 0), HV_ERR_ARG);
        /* Past the end of RAM (16 MiB): not RAM. */
        CHECK_EQ(hv_machine_nested_set_entry(r.m, 0, 0x02000000, 1, 0),
                 HV_ERR_ARG);
    }
    run_free(&r);
}

static const check_test tests[] = {
    {"ept_ad_on", test_ept_ad_on},
    {"ept_ad_off", test_ept_ad_off},
    {"npt_faults", test_npt_faults},
    {"ept_upper_level_readonly", test_ept_upper_level_readonly},
    {"set_entry_errors", test_set_entry_errors},
    {NULL, NULL},
};

CHECK_MAIN(tests)
