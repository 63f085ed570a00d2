/* hvlab views: the shadow tables (shadow paging; docs/shadow.md).
 *
 * Shadow entries map guest-virtual straight to host-physical addresses
 * (FIDELITY.md "Shadow paging"): the hardware walks them, the guest never
 * sees them. First the shadow pages (each a host frame shadowing one guest
 * table, with its role and state: root, write-protected guest frame,
 * unsync), then the tree under the current root: every present shadow
 * entry with the guest entry it was made from, and whether the two still
 * agree (an unsync table may be stale until the guest's INVLPG or CR3
 * load). ◆ marks what the last hardware walk read, * what the hypervisor
 * wrote this step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/vbuf.h"

#define MAX_PAGES 512

typedef struct sh_ctx {
    vbuf *b;
    const hv_snapshot *s;
    hv_shadow_page_view pages[MAX_PAGES];
    uint32_t n;
} sh_ctx;

static const hv_shadow_page_view *page_of(const sh_ctx *c, uint32_t hfn)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->pages[i].hfn == hfn)
            return &c->pages[i];
    return NULL;
}

/* Whether the last walk's hardware references read this shadow entry. */
static bool hw_used(const hv_snapshot *s, uint32_t table, uint32_t index)
{
    for (size_t i = 0; s->walk.valid && i < s->walk.nev; i++) {
        const hv_event *e = &s->walk.ev[i];
        if (e->type == HV_EV_WALK_REF && e->b == table && e->c == index)
            return true;
    }
    return false;
}

/* Starts an entry's line with its markers; returns whether it is marked. */
static bool entry_start(sh_ctx *c, uint32_t table, uint32_t idx)
{
    bool used = hw_used(c->s, table, idx);
    bool filled = hv_snapshot_filled(c->s, table + idx * 4);
    const hv_theme *t = c->b->theme;
    vb_line_start(c->b,
                  filled ? CLR_CHANGED
                  : used ? CLR_USED
                         : CLR_NORMAL,
                  "%s%s", used ? t->glyph[GL_USED] : " ",
                  filled ? t->glyph[GL_CHANGED] : " ");
    if (used || filled)
        vb_focus(c->b);
    return used || filled;
}

/* "← gPTE[001] 00201067 ✓" : the guest entry this shadow entry came from. */
static void source(sh_ctx *c, const char *kind, uint32_t gtable, uint32_t idx,
                   uint32_t spte, bool leaf)
{
    uint32_t g;
    const hv_theme *t = c->b->theme;
    if (hv_machine_read_gpa(c->s->m, 0, gtable + idx * 4, &g, 4) != HV_OK) {
        vb_add(c->b, CLR_DIM, " %s %s ?", t->glyph[GL_BACK], kind);
        return;
    }
    vb_add(c->b, CLR_DIM, " %s %s[%03x] %08x", t->glyph[GL_BACK], kind, idx, g);
    if (!leaf)
        return;
    uint32_t hpa;
    bool agree = (g & 1u) &&
                 hv_machine_gpa_to_hpa(c->s->m, 0, g & ~0xFFFu, &hpa) &&
                 hpa >> 12 == spte >> 12;
    if (agree)
        vb_add(c->b, CLR_GOOD, " %s", t->glyph[GL_OK]);
    else
        vb_add(c->b, CLR_UNSYNC, " %s stale", t->glyph[GL_NO]);
}

static void table(sh_ctx *c, uint32_t pdi, const hv_shadow_page_view *sp,
                  bool all)
{
    uint32_t e[1024];
    char fl[8];
    uint32_t base = sp->hfn << 12;
    if (hv_machine_read_hpa(c->s->m, base, e, sizeof e) != HV_OK)
        return;
    uint32_t run = 0;
    for (uint32_t j = 0; j < 1024; j++) {
        if (!(e[j] & 1u))
            continue;
        bool marked =
            hw_used(c->s, base, j) || hv_snapshot_filled(c->s, base + j * 4);
        if (!all && !marked && run >= 8) {
            run++;
            continue;
        }
        if (run > 8) {
            vb_line_start(c->b, CLR_DIM,
                          "     ... %u more entries (a: show all)", run - 8);
            run = 8;
        }
        if (!marked)
            run++;
        entry_start(c, base, j);
        uint32_t va = pdi << 22 | j << 12;
        vb_add(c->b, CLR_NORMAL, " sPTE[%03x] %08x %s %08x %s", j, va,
               c->b->theme->glyph[GL_ARROW], e[j] & ~0xFFFu,
               vb_pte_flags(e[j], fl));
        if (sp->direct)
            vb_add(c->b, CLR_DIM, " %s 4M page %08x",
                   c->b->theme->glyph[GL_BACK], sp->gfn << 12);
        else
            source(c, "gPTE", sp->gfn << 12, j, e[j], true);
    }
    if (run > 8)
        vb_line_start(c->b, CLR_DIM, "     ... %u more entries (a: show all)",
                      run - 8);
}

static void page_list(sh_ctx *c)
{
    vb_line_start(c->b, CLR_LABEL, "shadow page  shadows        state");
    for (uint32_t i = 0; i < c->n; i++) {
        const hv_shadow_page_view *p = &c->pages[i];
        bool wp =
            !p->direct && hv_machine_gfn_write_protected(c->s->m, 0, p->gfn);
        vb_line_start(c->b, p->current_root ? CLR_USED : CLR_NORMAL,
                      "%s %08x  ",
                      p->current_root ? c->b->theme->glyph[GL_CURRENT] : " ",
                      p->hfn << 12);
        vb_add(c->b, CLR_NORMAL, "%s %08x",
               p->direct       ? "4M "
               : p->level == 2 ? "gPD"
                               : "gPT",
               p->gfn << 12);
        if (p->current_root)
            vb_add(c->b, CLR_NORMAL, "  current root");
        else if (p->root)
            vb_add(c->b, CLR_DIM, "  cached root");
        if (p->direct)
            vb_add(c->b, CLR_DIM, "  direct (splits a 4M page)");
        if (wp)
            vb_add(c->b, CLR_WP_TRAP, "  WP (writes trap)");
        if (p->unsync)
            vb_add(c->b, CLR_UNSYNC, "  UNSYNC (writes go through)");
        if (!p->wp)
            vb_add(c->b, CLR_DIM, "  role WP=0");
    }
}

static void shadow_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    sh_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        hv_view_message(v->theme, win, "out of memory");
        return;
    }
    c->b = &b;
    c->s = s;
    while (c->n < MAX_PAGES &&
           hv_machine_shadow_page(s->m, 0, c->n, &c->pages[c->n]))
        c->n++;
    const hv_shadow_page_view *root = NULL;
    for (uint32_t i = 0; i < c->n; i++)
        if (c->pages[i].current_root)
            root = &c->pages[i];
    char n1[32], n2[32];
    snprintf(v->subtitle, sizeof v->subtitle, "%s pages (peak %s)",
             vb_num(s->ctr.shadow_pages, n1, sizeof n1),
             vb_num(s->ctr.shadow_pages_peak, n2, sizeof n2));
    page_list(c);
    if (!root) {
        vb_line_start(&b, CLR_DIM,
                      "no shadow root: guest paging is off, the guest");
        vb_line_start(&b, CLR_DIM, "runs on the P2M (GPA %s HPA) directly",
                      v->theme->glyph[GL_ARROW]);
    } else {
        char fl[8];
        uint32_t base = root->hfn << 12, e[1024];
        vb_line_start(
            &b, CLR_LABEL,
            "tree under root %08x (GVA %s HPA; %s hw walk, * written)", base,
            v->theme->glyph[GL_ARROW], v->theme->glyph[GL_USED]);
        if (hv_machine_read_hpa(s->m, base, e, sizeof e) == HV_OK) {
            for (uint32_t i = 0; i < 1024; i++) {
                if (!(e[i] & 1u))
                    continue;
                entry_start(c, base, i);
                const hv_shadow_page_view *sp = page_of(c, e[i] >> 12);
                vb_add(&b, CLR_LABEL, "sPDE[%03x]", i);
                vb_add(&b, CLR_NORMAL, " %08x %s sPT %08x %s", i << 22,
                       v->theme->glyph[GL_ARROW], e[i] & ~0xFFFu,
                       vb_pte_flags(e[i], fl));
                source(c, "gPDE", root->gfn << 12, i, e[i], false);
                if (sp)
                    table(c, i, sp, v->flags & VIEW_FLAG_ALL);
            }
        }
    }
    hv_view_blit(v, &b, win);
    vb_free(&b);
    free(c);
}

const hv_view_ops hv_view_shadow = {
    .title = "Shadow tables",
    .min_w = 48,
    .min_h = 4,
    .draw = shadow_draw,
    .handle_key = hv_view_default_key,
};
