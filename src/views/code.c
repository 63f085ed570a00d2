/* hvlab views: the Code pane, the guest's NASM source around EIP (from the
 * listing) over its registers and control registers. */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

/* The listing row holding the guest-physical address, or -1. */
static long find_row(const hv_source *src, uint32_t load, uint32_t gpa)
{
    if (!src || gpa < load)
        return -1;
    uint32_t off = gpa - load;
    for (size_t i = 0; i < src->nrows; i++) {
        const hv_source_row *r = &src->rows[i];
        if (r->nbytes && off >= r->offset && off - r->offset < r->nbytes)
            return (long)i;
    }
    return -1;
}

static void source_lines(vbuf *b, const hv_snapshot *s, bool *found)
{
    const hv_source *src = s->source;
    uint32_t gpa = 0;
    bool mapped = hv_snapshot_translate(s, s->regs.eip, &gpa);
    long cur = mapped ? find_row(src, s->load, gpa) : -1;
    long prev = -1;
    uint32_t pgpa;
    if (s->step && s->prev_regs.eip != s->regs.eip &&
        hv_snapshot_translate(s, s->prev_regs.eip, &pgpa))
        prev = find_row(src, s->load, pgpa);
    *found = cur >= 0;
    if (!src) {
        vb_line_start(b, CLR_DIM,
                      "no listing: NASM's -l output could not be read");
        return;
    }
    bool addr_col = b->width >= 48;
    for (size_t i = 0; i < src->nrows; i++) {
        const hv_source_row *r = &src->rows[i];
        bool here = (long)i == cur;
        vb_line_start(b, here ? CLR_CURRENT : CLR_NORMAL, "%s",
                      here              ? b->theme->glyph[GL_CURRENT]
                      : (long)i == prev ? b->theme->glyph[GL_DOT]
                                        : " ");
        vb_add(b, CLR_DIM, "%5u%s", r->line, r->level ? "+" : " ");
        if (addr_col) {
            if (r->nbytes)
                vb_add(b, CLR_LABEL, "%08x ", s->load + r->offset);
            else
                vb_add(b, CLR_NORMAL, "%9s", "");
        }
        vb_add(b, CLR_NORMAL, "%s", r->text);
        if (here)
            vb_focus(b);
    }
}

static void reg(vbuf *b, const char *name, uint32_t now, uint32_t before,
                bool marks)
{
    bool changed = marks && now != before;
    vb_add(b, CLR_LABEL, "%s ", name);
    vb_add(b, changed ? CLR_CHANGED : CLR_NORMAL, "%08x", now);
    vb_add(b, changed ? CLR_CHANGED : CLR_NORMAL, "%s", changed ? "*" : " ");
    vb_add(b, CLR_NORMAL, " ");
}

static void register_lines(vbuf *b, const hv_snapshot *s)
{
    const hv_regs *r = &s->regs, *p = &s->prev_regs;
    bool marks = s->step > 0;
    char d[64];
    /* Control registers first: paging lessons are about them. */
    vb_line_start(b, CLR_NORMAL, "%s", "");
    reg(b, "CR0", r->cr0, p->cr0, marks);
    snprintf(d, sizeof d, "%s%s%s", r->cr0 & 0x80000000u ? "PG " : "",
             r->cr0 & 0x10000u ? "WP " : "", r->cr0 & 1u ? "PE" : "");
    vb_add(b, CLR_DIM, "%-9s", d);
    reg(b, "CR2", r->cr2, p->cr2, marks);
    vb_line_start(b, CLR_NORMAL, "%s", "");
    reg(b, "CR3", r->cr3, p->cr3, marks);
    vb_add(b, CLR_DIM, "%-9s", "");
    reg(b, "CR4", r->cr4, p->cr4, marks);
    snprintf(d, sizeof d, "%s%s", r->cr4 & 0x10u ? "PSE " : "",
             r->cr4 & 0x80u ? "PGE" : "");
    vb_add(b, CLR_DIM, "%s", d);
    struct {
        const char *n;
        uint32_t v, pv;
    } g[] = {{"EIP", r->eip, p->eip},       {"ESP", r->esp, p->esp},
             {"EFL", r->eflags, p->eflags}, {"EBP", r->ebp, p->ebp},
             {"EAX", r->eax, p->eax},       {"EBX", r->ebx, p->ebx},
             {"ECX", r->ecx, p->ecx},       {"EDX", r->edx, p->edx},
             {"ESI", r->esi, p->esi},       {"EDI", r->edi, p->edi}};
    int per = b->width >= 56 ? 4 : b->width >= 42 ? 3 : 2;
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        if (i % per == 0)
            vb_line_start(b, CLR_NORMAL, "%s", "");
        reg(b, g[i].n, g[i].v, g[i].pv, marks);
    }
}

static void code_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    int h = getmaxy(win), w = getmaxx(win);
    vbuf regs;
    vb_init(&regs, v->theme, w);
    register_lines(&regs, s);
    /* The registers take at most half the pane; the source the rest. */
    int rh = regs.n + 1 < h / 2 + 1 ? regs.n + 1 : h / 2 + 1;
    bool found = false;
    vbuf src;
    vb_init(&src, v->theme, w);
    source_lines(&src, s, &found);
    snprintf(v->subtitle, sizeof v->subtitle, "%s  EIP %08x%s",
             s->source && s->source->file ? s->source->file : "", s->regs.eip,
             found || !s->source ? "" : " (not in the listing)");
    WINDOW *top = derwin(win, h - rh, w, 0, 0);
    WINDOW *bot = derwin(win, rh, w, h - rh, 0);
    if (top && bot) {
        hv_view_blit(v, &src, top);
        wattrset(bot, hv_attr(v->theme, CLR_BORDER));
        mvwhline(bot, 0, 0, ACS_HLINE, w);
        wattrset(bot, A_NORMAL);
        hv_view v2 = *v;
        v2.follow = false;
        v2.scroll = 0;
        WINDOW *r = derwin(bot, rh - 1, w, 1, 0);
        if (r) {
            hv_view_blit(&v2, &regs, r);
            delwin(r);
        }
    }
    if (top)
        delwin(top);
    if (bot)
        delwin(bot);
    vb_free(&regs);
    vb_free(&src);
}

const hv_view_ops hv_view_code = {
    .title = "Code",
    .min_w = 36,
    .min_h = 8,
    .draw = code_draw,
    .handle_key = hv_view_scroll_key,
};
