/* hvlab views: the nested table (nested paging; docs/nested.md): Intel
 * EPT (4 levels, 64-bit entries: R W X, memory type, A D; SDM Vol 3C
 * ch. 28) or, with --npt, a 2-level AMD NPT table with ordinary 32-bit
 * x86 entries. It maps guest-physical to host-physical addresses; the
 * guest never sees it. Leaf runs that map consecutive frames fold into
 * one line, never hiding an entry the last walk read (◆) or the
 * hypervisor wrote this step (*).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

#define MAX_LINES 4000

typedef struct ept_ctx {
    vbuf *b;
    const hv_snapshot *s;
    uint32_t levels, esize;
    bool npt;
} ept_ctx;

static const char *level_name(const ept_ctx *c, uint32_t level)
{
    static const char *const ept[] = {"", "PT", "PD", "PDPT", "PML4"};
    static const char *const npt[] = {"", "nPT", "nPD"};
    return c->npt ? npt[level <= 2 ? level : 0] : ept[level <= 4 ? level : 0];
}

static unsigned shift_of(const ept_ctx *c, uint32_t level)
{
    return c->npt ? (level == 2 ? 22 : 12) : 12 + 9 * (level - 1);
}

static bool present(const ept_ctx *c, uint64_t e)
{
    return c->npt ? (e & 1u) : (e & 7u) != 0;
}

static uint32_t next_of(const ept_ctx *c, uint64_t e)
{
    return c->npt ? (uint32_t)e & ~0xFFFu
                  : (uint32_t)(e & 0x000FFFFFFFFFF000ull);
}

static const char *flags(const ept_ctx *c, uint64_t e, bool leaf, char *buf,
                         size_t len)
{
    if (c->npt) {
        char fl[8];
        snprintf(buf, len, "%s", vb_pte_flags((uint32_t)e, fl));
        return buf;
    }
    static const char *const types[8] = {"UC", "WC", "?2", "?3",
                                         "WT", "WP", "WB", "?7"};
    snprintf(buf, len, "%c%c%c%s%s %c%c", e & 1 ? 'R' : '.', e & 2 ? 'W' : '.',
             e & 4 ? 'X' : '.', leaf ? " " : "",
             leaf ? types[(e >> 3) & 7] : "", e & 0x100 ? 'A' : '.',
             e & 0x200 ? 'D' : '.');
    return buf;
}

static bool walk_used(const hv_snapshot *s, uint32_t table, uint32_t index)
{
    for (size_t i = 0; s->walk.valid && i < s->walk.nev; i++) {
        const hv_event *e = &s->walk.ev[i];
        if (e->type == HV_EV_NESTED_WALK_REF && e->b == table && e->c == index)
            return true;
    }
    return false;
}

static uint64_t entry_at(const ept_ctx *c, const uint8_t *t, uint32_t i)
{
    if (c->esize == 8) {
        uint64_t v;
        memcpy(&v, t + i * 8, 8);
        return v;
    }
    uint32_t v;
    memcpy(&v, t + i * 4, 4);
    return v;
}

static bool marked(const ept_ctx *c, uint32_t table, uint32_t i)
{
    return walk_used(c->s, table, i) ||
           hv_snapshot_filled(c->s, table + i * c->esize);
}

static void start_entry(ept_ctx *c, uint32_t table, uint32_t i, int depth)
{
    bool used = walk_used(c->s, table, i);
    bool filled = hv_snapshot_filled(c->s, table + i * c->esize);
    const hv_theme *t = c->b->theme;
    vb_line_start(c->b,
                  filled ? CLR_CHANGED
                  : used ? CLR_USED
                         : CLR_NORMAL,
                  "%s%s%*s", used ? t->glyph[GL_USED] : " ",
                  filled ? t->glyph[GL_CHANGED] : " ", depth * 2, "");
    if (used || filled)
        vb_focus(c->b);
}

static void walk_table(ept_ctx *c, uint32_t table, uint32_t level,
                       uint32_t gpa_base, int depth)
{
    uint8_t t[4096];
    char fl[32];
    if (c->b->n > MAX_LINES ||
        hv_machine_read_hpa(c->s->m, table, t, sizeof t) != HV_OK)
        return;
    uint32_t n = 4096 / c->esize;
    unsigned sh = shift_of(c, level);
    const char *arrow = c->b->theme->glyph[GL_ARROW];
    for (uint32_t i = 0; i < n && c->b->n <= MAX_LINES; i++) {
        uint64_t e = entry_at(c, t, i);
        if (!present(c, e) && !(e && marked(c, table, i)))
            continue;
        uint64_t gpa64 = (uint64_t)gpa_base + ((uint64_t)i << sh);
        if (gpa64 > 0xFFFFFFFFull)
            break; /* a 32-bit guest's addresses end here */
        uint32_t gpa = (uint32_t)gpa64;
        if (level == 1) {
            uint32_t j = i;
            if (!marked(c, table, i) && present(c, e))
                while (j + 1 < n && !marked(c, table, j + 1)) {
                    uint64_t f = entry_at(c, t, j + 1);
                    if (!present(c, f) || (f & 0xFFF) != (e & 0xFFF) ||
                        next_of(c, f) != next_of(c, entry_at(c, t, j)) + 4096)
                        break;
                    j++;
                }
            start_entry(c, table, i, depth);
            if (j > i) {
                vb_add(c->b, CLR_NORMAL, "%s[%03x..%03x] %08x.. %s %08x.. %s",
                       level_name(c, 1), i, j, gpa, arrow, next_of(c, e),
                       flags(c, e, true, fl, sizeof fl));
                vb_add(c->b, CLR_DIM, " %u pages", j - i + 1);
                i = j;
            } else if (!present(c, e)) {
                vb_add(c->b, CLR_BAD,
                       "%s[%03x] %08x   %016" PRIx64 " not present",
                       level_name(c, 1), i, gpa, e);
            } else {
                vb_add(c->b, CLR_NORMAL, "%s[%03x] %08x %s %08x %s",
                       level_name(c, 1), i, gpa, arrow, next_of(c, e),
                       flags(c, e, true, fl, sizeof fl));
            }
            continue;
        }
        start_entry(c, table, i, depth);
        vb_add(c->b, CLR_LABEL, "%s[%03x]", level_name(c, level), i);
        vb_add(c->b, CLR_NORMAL, " %08x %s %s %08x %s", gpa, arrow,
               level_name(c, level - 1), next_of(c, e),
               flags(c, e, false, fl, sizeof fl));
        if (present(c, e))
            walk_table(c, next_of(c, e), level - 1, gpa, depth + 1);
    }
}

static void nested_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    ept_ctx c = {.b = &b, .s = s};
    uint32_t root;
    if (!hv_machine_nested_root(s->m, 0, &root, &c.levels, &c.esize)) {
        hv_view_message(v->theme, win, "no nested table (not nested paging)");
        return;
    }
    c.npt = c.esize == 4;
    const hv_config *cfg = hv_machine_config(s->m);
    snprintf(v->subtitle, sizeof v->subtitle, "%s %u-level · root %08x%s%s",
             c.npt ? "NPT" : "EPT", c.levels, root,
             !c.npt && cfg->nested.ad ? " · A/D on" : "",
             cfg->nested.lazy ? " · lazy" : " · prefilled");
    vb_line_start(&b, CLR_DIM,
                  "GPA %s HPA · %s last walk · * written this step%s",
                  v->theme->glyph[GL_ARROW], v->theme->glyph[GL_USED],
                  c.npt ? " · flags P W U A D S G" : " · R W X type A D");
    b.sticky = 1;
    walk_table(&c, root, c.levels, 0, 0);
    if (b.n == 1)
        vb_line_start(&b, CLR_DIM, "empty: every guest access will exit (%s)",
                      c.npt ? "#NPF" : "EPT violation");
    if (b.n > MAX_LINES)
        vb_line_start(&b, CLR_DIM,
                      "... (more: the table is too large to list)");
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_nested = {
    .title = "Nested table",
    .min_w = 48,
    .min_h = 4,
    .draw = nested_draw,
    .handle_key = hv_view_default_key,
};
