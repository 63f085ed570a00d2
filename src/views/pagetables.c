/* hvlab views: the guest's page tables, the 2-level tree from its CR3
 * (SDM Vol 3A §4.3), as the guest wrote them in guest-physical memory.
 *
 * Present entries only (`a` shows every non-zero entry). The entries the
 * last walk read are marked ◆ (in shadow mode the hardware never reads
 * the guest's tables: these are the hypervisor's software walk, when it
 * made one); entries changed since the step began are marked * with their
 * old value. Runs of alike entries that map consecutive frames fold into
 * one line, never hiding a marked entry.
 */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

#define PRESENT 0x1u
#define PS 0x80u

typedef struct pt_ctx {
    vbuf *b;
    const hv_snapshot *s;
    bool all;
    bool pse;
} pt_ctx;

/* Whether the last walk read entry `index` of the guest table at gpa. */
static bool walk_used(const hv_snapshot *s, uint32_t table, uint32_t index)
{
    const hv_snap_walk *w = &s->walk;
    if (!w->valid)
        return false;
    hv_event_type guest_ref =
        s->paging == HV_PAGING_SHADOW ? HV_EV_SW_WALK_REF : HV_EV_WALK_REF;
    for (size_t i = 0; i < w->nev; i++) {
        const hv_event *e = &w->ev[i];
        if (e->type == guest_ref && e->b == table && e->c == index)
            return true;
    }
    return false;
}

/* The entry's marker and role: used, changed, or plain. */
static hv_role mark(pt_ctx *c, uint32_t table, uint32_t idx, uint32_t e,
                    const uint32_t *before, bool *changed)
{
    *changed = before && c->s->step && before[idx] != e;
    bool used = walk_used(c->s, table, idx);
    const char *g = used       ? c->b->theme->glyph[GL_USED]
                    : *changed ? c->b->theme->glyph[GL_CHANGED]
                               : " ";
    hv_role role = *changed ? CLR_CHANGED : used ? CLR_USED : CLR_NORMAL;
    vb_line_start(c->b, role, "%s", g);
    return role;
}

static void note_change(pt_ctx *c, bool changed, uint32_t old)
{
    if (changed)
        vb_add(c->b, CLR_NORMAL, "  %s was %08x",
               c->b->theme->glyph[GL_CHANGED], old);
}

static bool plain(pt_ctx *c, uint32_t table, uint32_t idx, const uint32_t *e,
                  const uint32_t *before)
{
    return (e[idx] & PRESENT) && !walk_used(c->s, table, idx) &&
           !(before && c->s->step && before[idx] != e[idx]);
}

static void page_table(pt_ctx *c, uint32_t pdi, uint32_t table)
{
    uint32_t e[1024];
    char fl[8];
    if (hv_machine_read_gpa(c->s->m, 0, table, e, sizeof e) != HV_OK) {
        vb_line_start(c->b, CLR_WARN, "    table %08x is not in guest RAM",
                      table);
        return;
    }
    const uint32_t *before = hv_snapshot_before(c->s, table);
    for (uint32_t i = 0; i < 1024; i++) {
        bool changed_entry = before && c->s->step && before[i] != e[i];
        if (!(e[i] & PRESENT) && !changed_entry && !(c->all && e[i]))
            continue;
        /* A run: plain present entries, same flags, consecutive frames. */
        uint32_t j = i;
        if (plain(c, table, i, e, before))
            while (j + 1 < 1024 && plain(c, table, j + 1, e, before) &&
                   (e[j + 1] & 0xFFFu) == (e[i] & 0xFFFu) &&
                   (e[j + 1] >> 12) == (e[j] >> 12) + 1)
                j++;
        uint32_t va = pdi << 22 | i << 12;
        if (j - i >= 2) {
            bool identity = e[i] >> 12 == va >> 12;
            vb_line_start(c->b, CLR_NORMAL,
                          "   PTE[%03x..%03x] %08x.. %s %08x.. %s", i, j, va,
                          c->b->theme->glyph[GL_ARROW], e[i] & ~0xFFFu,
                          vb_pte_flags(e[i], fl));
            vb_add(c->b, CLR_DIM, " %u pages%s", j - i + 1,
                   identity ? ", identity" : "");
            i = j;
            continue;
        }
        bool changed;
        mark(c, table, i, e[i], before, &changed);
        if (e[i] & PRESENT)
            vb_add(c->b, CLR_NORMAL, "  PTE[%03x] %08x %s %08x %s", i, va,
                   c->b->theme->glyph[GL_ARROW], e[i] & ~0xFFFu,
                   vb_pte_flags(e[i], fl));
        else
            vb_add(c->b, CLR_DIM, "  PTE[%03x] %08x   not present (%08x)", i,
                   va, e[i]);
        if (walk_used(c->s, table, i) || changed)
            vb_focus(c->b);
        note_change(c, changed, before ? before[i] : 0);
    }
}

static void pt_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    pt_ctx c = {.b = &b,
                .s = s,
                .all = v->flags & VIEW_FLAG_ALL,
                .pse = s->regs.cr4 & 0x10u};
    uint32_t cr3 = s->regs.cr3 & ~0xFFFu;
    bool paging = s->regs.cr0 & 0x80000000u;
    bool new_root = s->step && s->before_cr3 != cr3;
    snprintf(v->subtitle, sizeof v->subtitle, "CR3 %08x%s%s%s", cr3,
             s->paging == HV_PAGING_NATIVE ? "" : " guest-physical",
             paging ? "" : " · paging off",
             new_root ? " · new CR3 this step" : "");
    char fl[8];
    if (!paging && !cr3) {
        vb_line_start(&b, CLR_DIM,
                      "Paging is off (CR0.PG = 0): linear addresses");
        vb_line_start(&b, CLR_DIM, "are physical; no tables are walked yet.");
        hv_view_blit(v, &b, win);
        vb_free(&b);
        return;
    }
    vb_line_start(&b, CLR_DIM,
                  "flags P W U A D S(4M) G · %s last walk · * changed",
                  v->theme->glyph[GL_USED]);
    b.sticky = 1;
    uint32_t pd[1024];
    if (hv_machine_read_gpa(s->m, 0, cr3, pd, sizeof pd) != HV_OK) {
        vb_line_start(&b, CLR_WARN, "CR3 %08x is not in guest RAM", cr3);
        hv_view_blit(v, &b, win);
        vb_free(&b);
        return;
    }
    const uint32_t *before = new_root ? NULL : hv_snapshot_before(s, cr3);
    int shown = 0;
    for (uint32_t i = 0; i < 1024; i++) {
        bool changed_entry = before && s->step && before[i] != pd[i];
        if (!(pd[i] & PRESENT) && !changed_entry && !(c.all && pd[i]))
            continue;
        shown++;
        bool changed;
        mark(&c, cr3, i, pd[i], before, &changed);
        if (walk_used(s, cr3, i) || changed)
            vb_focus(&b);
        uint32_t va = i << 22;
        if (!(pd[i] & PRESENT)) {
            vb_add(&b, CLR_DIM, "PDE[%03x] %08x   not present (%08x)", i, va,
                   pd[i]);
            note_change(&c, changed, before ? before[i] : 0);
            continue;
        }
        bool large = (pd[i] & PS) && c.pse;
        vb_add(&b, CLR_LABEL, "PDE[%03x]", i);
        vb_add(&b, CLR_NORMAL, " %08x %s %s %08x %s", va,
               v->theme->glyph[GL_ARROW], large ? "4M" : "PT",
               large ? pd[i] & 0xFFC00000u : pd[i] & ~0xFFFu,
               vb_pte_flags(pd[i], fl));
        note_change(&c, changed, before ? before[i] : 0);
        if (!large)
            page_table(&c, i, pd[i] & ~0xFFFu);
    }
    if (!shown)
        vb_line_start(&b, CLR_DIM, "no present entry in the directory");
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_pagetables = {
    .title = "Guest page tables",
    .min_w = 44,
    .min_h = 4,
    .draw = pt_draw,
    .handle_key = hv_view_default_key,
};
