/* hvlab views: the last translation, reference by reference.
 *
 * HOW IT READS THE WALK: the snapshot keeps every event from the TLB
 * lookup that needed a walk to its end (snapshot.c). A VM exit inside it
 * (an EPT violation, a shadow page fault) ends an attempt; the hardware
 * walks again after the hypervisor's repair, and that is the next
 * attempt. The pane shows the last attempt in full and the earlier ones
 * in a line each, so the count it prints is what the hardware did:
 *   native  the guest's PDE and PTE (2 references; 1 for a 4 MiB page);
 *   shadow  the shadow tables (the hardware's references) and, after a
 *           hidden fault, the hypervisor's software walk of the guest's
 *           tables, counted apart (sw_walk_refs);
 *   nested  the 2-D walk: each guest table address and the final
 *           guest-physical address go through the nested table, drawn as
 *           a grid of guest levels × nested levels: (n+1)(m+1)-1
 *           references, 14 for a 2-level guest on 4-level EPT, 8 on
 *           2-level NPT, 9 with a guest 4 MiB page (FIDELITY.md).
 */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

#define MAX_ATTEMPTS 16

typedef struct attempt {
    size_t first, end; /* events [first, end) of the walk */
    int hw;            /* hardware references (guest + nested) */
    int sw;            /* the hypervisor's software references */
    const hv_event *exit;
} attempt;

static bool is_hw_ref(const hv_event *e)
{
    return e->type == HV_EV_WALK_REF || e->type == HV_EV_NESTED_WALK_REF;
}

static int split(const hv_snap_walk *w, attempt *a)
{
    int n = 0;
    bool after_exit = false;
    a[0] = (attempt){0};
    for (size_t i = 0; i < w->nev; i++) {
        const hv_event *e = &w->ev[i];
        if (is_hw_ref(e) && after_exit && n + 1 < MAX_ATTEMPTS) {
            a[n].end = i;
            a[++n] = (attempt){.first = i};
            after_exit = false;
        }
        if (is_hw_ref(e))
            a[n].hw++;
        else if (e->type == HV_EV_SW_WALK_REF)
            a[n].sw++;
        else if (e->type == HV_EV_VM_EXIT) {
            a[n].exit = e;
            after_exit = true;
        }
    }
    a[n].end = w->nev;
    return n + 1;
}

static const char *exit_words(const hv_event *e, char *buf, size_t len)
{
    const char *cause = hv_exit_cause_name(e->c);
    snprintf(buf, len, "%s%s%s%s", hv_exit_key_name((hv_exit_key)e->a),
             *cause ? " (" : "", cause, *cause ? ")" : "");
    return buf;
}

static void header(vbuf *b, const hv_snapshot *s, const hv_snap_walk *w)
{
    char n[32];
    const hv_event *l = &w->lookup;
    bool now = hv_snapshot_in_step(s, l);
    vb_line_start(b, now ? CLR_NORMAL : CLR_DIM, "%s",
                  now ? b->theme->glyph[GL_USED] : " ");
    vb_add(b, CLR_LABEL, " GVA %08x", l->a);
    vb_add(b, CLR_NORMAL, " %s · %s", hv_access_name((hv_access)l->c),
           l->type == HV_EV_TLB_MISS ? "TLB miss"
                                     : "TLB hit, walked again (rights or D)");
    vb_add(b, CLR_DIM, " · insn %s%s", vb_num(l->icount, n, sizeof n),
           now ? " · this step" : " · an earlier step");
}

static void ref_line(vbuf *b, const hv_snapshot *s, const hv_event *e, int num)
{
    char fl[8];
    const char *kind;
    bool shadow = s->paging == HV_PAGING_SHADOW;
    if (e->type == HV_EV_SW_WALK_REF)
        kind = e->a == 2 ? "gPDE" : "gPTE";
    else if (shadow)
        kind = e->a == 2 ? "sPDE" : "sPTE";
    else
        kind = e->a == 2 ? "PDE" : "PTE";
    if (num > 0)
        vb_line_start(b, CLR_NORMAL, "%3d ", num);
    else
        vb_line_start(b, CLR_DIM, "    ");
    vb_add(b, e->type == HV_EV_SW_WALK_REF ? CLR_DIM : CLR_LABEL, "%s[%03x]",
           kind, e->c);
    vb_add(b, CLR_NORMAL, " @%08x = %08x %s", e->b + e->c * 4, e->d,
           (e->d & 1u) ? vb_pte_flags(e->d, fl) : "not present");
}

/* A hypervisor or hardware action inside a walk, in words. */
static void action_line(vbuf *b, const hv_snapshot *s, const hv_event *e)
{
    const char *pa_name = s->paging == HV_PAGING_NATIVE ? "PA" : "HPA";
    char w[96];
    const char *arrow = b->theme->glyph[GL_ARROW];
    switch ((hv_event_type)e->type) {
    case HV_EV_VM_EXIT:
        vb_line_start(b, CLR_EXIT, "    %s VM exit: %s", arrow,
                      exit_words(e, w, sizeof w));
        break;
    case HV_EV_NESTED_FAULT:
        vb_line_start(b, CLR_FAULT,
                      "    GPA %08x, level %u, qualification %03x", e->a, e->c,
                      e->b);
        break;
    case HV_EV_NESTED_FILL:
        vb_line_start(b, CLR_NESTED,
                      "    hypervisor maps: L%u entry @%08x = %08x", e->a, e->b,
                      e->c);
        break;
    case HV_EV_SHADOW_ALLOC:
        vb_line_start(b, CLR_NESTED,
                      "    hypervisor allocates shadow page %08x for %08x",
                      e->a << 12, e->b << 12);
        break;
    case HV_EV_SHADOW_FILL:
        vb_line_start(b, CLR_NESTED, "    hypervisor fills %s @%08x = %08x",
                      e->a == 2 ? "sPDE" : "sPTE", e->b, e->c);
        break;
    case HV_EV_AD_SET:
        vb_line_start(b, CLR_DIM, "    sets %s%s in the %s: %08x %s %08x",
                      ((e->c ^ e->d) & 0x20u) ? "A" : "",
                      ((e->c ^ e->d) & 0x40u) ? "D" : "",
                      e->a == 2 ? "PDE" : "PTE", e->c, arrow, e->d);
        break;
    case HV_EV_INJECT:
        vb_line_start(b, CLR_FAULT,
                      "    hypervisor injects #%u (error %x) into the guest",
                      e->a, e->b);
        break;
    case HV_EV_GUEST_FAULT:
        vb_line_start(b, CLR_FAULT,
                      "    %s #PF to the guest: error %x, CR2 %08x", arrow,
                      e->b, e->c);
        break;
    case HV_EV_EMULATED_WRITE:
        vb_line_start(b, CLR_WP_TRAP,
                      "    hypervisor emulates the write: GPA %08x = %08x",
                      e->a, e->b);
        break;
    case HV_EV_SHADOW_WRPROT:
        vb_line_start(b, CLR_WP_TRAP, "    write-protects guest table %08x",
                      e->a << 12);
        break;
    case HV_EV_SHADOW_UNSYNC:
        vb_line_start(b, CLR_UNSYNC, "    marks shadow page %08x unsync",
                      e->a << 12);
        break;
    case HV_EV_TLB_FILL:
        vb_line_start(b, CLR_TLB_FILL, "    %s %s %08x · TLB fill, slot %u",
                      arrow, pa_name, e->b, e->d);
        break;
    case HV_EV_TLB_EVICT:
        vb_line_start(b, CLR_TLB_EVICT, "    evicts %08x from slot %u", e->a,
                      e->d);
        break;
    default: return;
    }
}

static void linear(vbuf *b, const hv_snapshot *s, const hv_snap_walk *w,
                   const attempt *a, int na)
{
    /* The count first: the hardware's references of the last attempt. */
    const attempt *last = &a[na - 1];
    int total_hw = 0, sw = 0;
    bool large = false;
    for (int k = 0; k < na; k++) {
        total_hw += a[k].hw;
        sw += a[k].sw;
    }
    for (size_t i = last->first; i < last->end; i++)
        if (w->ev[i].type == HV_EV_WALK_REF && w->ev[i].a == 2 &&
            (w->ev[i].d & 0x80u) && (s->regs.cr4 & 0x10u) &&
            s->paging == HV_PAGING_NATIVE)
            large = true;
    int need = large ? 1 : 2;
    if (w->filled)
        vb_line_start(b, CLR_NORMAL, "%d of %d references", last->hw, need);
    else
        vb_line_start(b, CLR_NORMAL, "%d reference%s, stopped%s", last->hw,
                      last->hw == 1 ? "" : "s",
                      w->faulted ? ": the guest's #PF" : "");
    if (na > 1)
        vb_add(b, CLR_DIM, " · %d attempts, %d hardware in all", na, total_hw);
    if (sw)
        vb_add(b, CLR_DIM, " · %d by the hypervisor", sw);
    b->sticky = b->n;
    for (int k = 0; k < na; k++) {
        if (na > 1)
            vb_line_start(b, CLR_LABEL, "attempt %d%s", k + 1,
                          k + 1 == na ? " (the one that counts)" : "");
        int num = 0;
        bool sw_said = false;
        for (size_t i = a[k].first; i < a[k].end; i++) {
            const hv_event *e = &w->ev[i];
            if (is_hw_ref(e) || e->type == HV_EV_SW_WALK_REF) {
                if (e->type == HV_EV_SW_WALK_REF && !sw_said) {
                    vb_line_start(b, CLR_DIM,
                                  "    hypervisor walks the guest's tables:");
                    sw_said = true;
                }
                ref_line(b, s, e, is_hw_ref(e) ? ++num : 0);
            } else {
                action_line(b, s, e);
            }
        }
    }
}

/* The 2-D grid of the last attempt of a nested walk. */
static void grid(vbuf *b, const hv_snapshot *s, const hv_snap_walk *w,
                 const attempt *a, int na)
{
    uint32_t root, m = 4, esize;
    if (!hv_machine_nested_root(s->m, 0, &root, &m, &esize))
        m = 4;
    bool npt = esize == 4;
    const attempt *last = &a[na - 1];
    /* Rows: the guest table addresses (CR3's directory, the PDE's table)
     * and the final page, each translated through the nested table; a
     * page-walk cache hit stands in for a row (the nested TLB) or for the
     * directory row and the PDE (the guest PDE cache). */
    enum { ROWS = 3, COLS = 4 };
    struct grow {
        int cell[COLS];
        bool used, ntlb, pde_cached, has_guest;
        int guest_num;
        uint32_t gpa, level, index, entry;
    } rows[ROWS];
    memset(rows, 0, sizeof rows);
    int row = 0, num = 0, hits = 0;
    rows[0].gpa = s->regs.cr3 & ~0xFFFu;
    for (size_t i = last->first; i < last->end && row < ROWS; i++) {
        const hv_event *e = &w->ev[i];
        struct grow *g = &rows[row];
        if (e->type == HV_EV_NESTED_WALK_REF) {
            int col = (int)m - (int)e->a;
            if (col >= 0 && col < COLS)
                g->cell[col] = ++num;
            g->used = true;
        } else if (e->type == HV_EV_PWC_HIT && e->a == HV_PWC_NESTED) {
            g->ntlb = g->used = true;
            hits++;
        } else if (e->type == HV_EV_PWC_HIT && e->a == HV_PWC_PDE && row == 0) {
            *g = (struct grow){.used = true,
                               .pde_cached = true,
                               .has_guest = true,
                               .gpa = g->gpa,
                               .level = 2,
                               .index = e->b,
                               .entry = e->c};
            hits++;
            row++;
        } else if (e->type == HV_EV_WALK_REF) {
            g->used = g->has_guest = true;
            g->guest_num = ++num;
            g->gpa = e->b;
            g->level = e->a;
            g->index = e->c;
            g->entry = e->d;
            row++;
        }
    }
    /* The final row translates the page the guest's leaf names. */
    int nguest = row;
    bool large = nguest >= 1 && rows[0].level == 2 && (rows[0].entry & 0x80u) &&
                 (s->regs.cr4 & 0x10u);
    int n = large ? 1 : 2;
    if (nguest >= 1 && row < ROWS) {
        uint32_t leaf = rows[nguest - 1].entry;
        rows[row].gpa = large ? (leaf & 0xFFC00000u) | (w->lookup.a & 0x3FF000u)
                              : leaf & ~0xFFFu;
    }
    int expect = (n + 1) * ((int)m + 1) - 1;
    vb_line_start(b, CLR_NORMAL, "%d of %d references", last->hw, expect);
    vb_add(b, CLR_DIM,
           " · (%d+1)(%u+1)-1: a %d-level guest walk on a %u-level %s%s", n, m,
           n, m, npt ? "NPT" : "EPT", large ? " (4 MiB page)" : "");
    if (hits)
        vb_line_start(b, CLR_TLB_HIT,
                      "page-walk caches: %d hit%s saved %d references", hits,
                      hits == 1 ? "" : "s", w->filled ? expect - last->hw : 0);
    b->sticky = b->n;
    static const char *const ept_cols[] = {"PML4", "PDPT", "PD", "PT"};
    static const char *const npt_cols[] = {"nPD", "nPT"};
    vb_line_start(b, CLR_LABEL, "%-15s", "guest \\ nested");
    for (uint32_t c = 0; c < m && c < COLS; c++)
        vb_add(b, CLR_LABEL, "%5s", npt ? npt_cols[c] : ept_cols[c]);
    vb_add(b, CLR_LABEL, "  guest reference");
    static const char *const labels[] = {"gCR3", "PT", "page"};
    for (int r = 0; r <= nguest && r < ROWS; r++) {
        const struct grow *g = &rows[r];
        if (!g->used && r == nguest && !w->filled)
            break;
        const char *label = r == 0        ? labels[0]
                            : r == nguest ? labels[2]
                                          : labels[1];
        vb_line_start(b, CLR_NORMAL, "%-5s %08x ", label, g->gpa);
        if (g->pde_cached || g->ntlb) {
            char what[24];
            snprintf(what, sizeof what, "%s",
                     g->pde_cached ? "PDE cache hit" : "nested TLB hit");
            vb_add(b, CLR_TLB_HIT, "%-*s", (int)(m < COLS ? m : COLS) * 5,
                   what);
        } else {
            for (uint32_t c = 0; c < m && c < COLS; c++) {
                if (g->cell[c])
                    vb_add(b, CLR_NESTED, "%5d", g->cell[c]);
                else
                    vb_add(b, CLR_DIM, "%5s", b->theme->glyph[GL_DOT]);
            }
        }
        if (r < nguest) {
            char fl[8];
            if (g->guest_num)
                vb_add(b, CLR_NORMAL, "  %2d ", g->guest_num);
            else
                vb_add(b, CLR_NORMAL, "   - ");
            vb_add(b, CLR_LABEL, "%s[%03x]", g->level == 2 ? "PDE" : "PTE",
                   g->index);
            vb_add(b, CLR_NORMAL, " %s",
                   (g->entry & 1u) ? vb_pte_flags(g->entry, fl)
                                   : "not present");
        } else if (w->filled) {
            vb_add(b, CLR_TLB_FILL, "  %s HPA %08x", b->theme->glyph[GL_ARROW],
                   w->ev[w->nev - 1].b & ~0xFFFu);
        }
    }
    if (!w->filled)
        vb_line_start(b, CLR_FAULT, "stopped: %s",
                      w->faulted ? "the guest's own #PF (no exit)"
                                 : "see the events below");
    if (na > 1) {
        int total = 0;
        vb_line_start(b, CLR_DIM, "before it: %d attempt%s ended in exits (",
                      na - 1, na == 2 ? "" : "s");
        for (int k = 0; k < na - 1; k++) {
            vb_add(b, CLR_DIM, "%s%d", k ? "+" : "", a[k].hw);
            total += a[k].hw;
        }
        vb_add(b, CLR_DIM, " refs); %d references in all", total + last->hw);
    }
    /* The details, reference by reference, below the grid. */
    vb_line_start(b, CLR_DIM, "%s", "");
    for (int k = 0; k < na; k++) {
        if (na > 1)
            vb_line_start(b, CLR_LABEL, "attempt %d", k + 1);
        int num2 = 0;
        for (size_t i = a[k].first; i < a[k].end; i++) {
            const hv_event *e = &w->ev[i];
            if (e->type == HV_EV_NESTED_WALK_REF) {
                vb_line_start(b, CLR_NORMAL, "%3d ", ++num2);
                vb_add(b, CLR_NESTED, "%s[%03x]",
                       npt ? npt_cols[m - e->a] : ept_cols[4 - e->a], e->c);
                vb_add(b, CLR_NORMAL, " @%08x = %08x", e->b + e->c * esize,
                       e->d);
            } else if (e->type == HV_EV_WALK_REF) {
                ++num2;
                ref_line(b, s, e, num2);
            } else {
                action_line(b, s, e);
            }
        }
    }
}

static void walk_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    const hv_snap_walk *w = &s->walk;
    v->subtitle[0] = 0;
    if (!w->valid) {
        vb_line_start(&b, CLR_DIM, "No translation yet: %s",
                      (s->regs.cr0 & 0x80000000u)
                          ? "every access so far hit the TLB"
                          : "paging is off (CR0.PG = 0)");
        vb_line_start(&b, CLR_DIM, "m runs to the next TLB miss.");
        hv_view_blit(v, &b, win);
        vb_free(&b);
        return;
    }
    attempt a[MAX_ATTEMPTS];
    int na = split(w, a);
    snprintf(v->subtitle, sizeof v->subtitle, "GVA %08x · %s", w->lookup.a,
             s->paging == HV_PAGING_NESTED   ? "2-D walk"
             : s->paging == HV_PAGING_SHADOW ? "hardware walks the shadow"
                                             : "native walk");
    header(&b, s, w);
    b.sticky = 1;
    if (s->paging == HV_PAGING_NESTED)
        grid(&b, s, w, a, na);
    else
        linear(&b, s, w, a, na);
    if (w->truncated)
        vb_line_start(&b, CLR_WARN, "(more events than the pane keeps)");
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_walk = {
    .title = "Walk",
    .min_w = 46,
    .min_h = 5,
    .draw = walk_draw,
    .handle_key = hv_view_scroll_key,
};
