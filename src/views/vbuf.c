/* hvlab views: the line buffer and the blitter (vbuf.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "views/vbuf.h"

void vb_init(vbuf *b, const hv_theme *theme, int width)
{
    memset(b, 0, sizeof *b);
    b->focus = -1;
    b->width = width;
    b->theme = theme;
}

void vb_free(vbuf *b)
{
    free(b->lines);
    b->lines = NULL;
    b->n = b->cap = 0;
}

static vb_line *cur(vbuf *b)
{
    return b->n ? &b->lines[b->n - 1] : NULL;
}

void vb_vadd(vbuf *b, hv_role role, const char *fmt, va_list ap)
{
    vb_line *l = cur(b);
    if (!l)
        return;
    size_t room = sizeof l->text - l->len;
    if (room <= 1)
        return;
    int k = vsnprintf(l->text + l->len, room, fmt, ap);
    if (k < 0)
        return;
    uint16_t from = l->len;
    bool cut = (size_t)k >= room;
    l->len = (uint16_t)(cut ? sizeof l->text - 1 : l->len + (size_t)k);
    if (cut) {
        /* A cut in the middle of a UTF-8 sequence would print garbage:
         * drop the partial character. */
        size_t start = l->len;
        while (start > from &&
               ((unsigned char)l->text[start - 1] & 0xC0) == 0x80)
            start--;
        if (start > from) {
            unsigned char lead = (unsigned char)l->text[start - 1];
            size_t need = lead >= 0xF0   ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 1;
            if (l->len - (start - 1) < need)
                l->len = (uint16_t)(start - 1);
        }
        l->text[l->len] = 0;
    }
    if (role != CLR_NORMAL && l->len > from) {
        if (l->nspans < VB_SPANS)
            l->spans[l->nspans++] = (vb_span){from, l->len, (uint8_t)role};
    }
}

int vb_line_start(vbuf *b, hv_role role, const char *fmt, ...)
{
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        vb_line *p = realloc(b->lines, (size_t)cap * sizeof *p);
        if (!p)
            return -1; /* the pane shows fewer lines, never garbage */
        b->lines = p;
        b->cap = cap;
    }
    vb_line *l = &b->lines[b->n++];
    l->len = 0;
    l->text[0] = 0;
    l->role = (uint8_t)role;
    l->nspans = 0;
    va_list ap;
    va_start(ap, fmt);
    vb_vadd(b, CLR_NORMAL, fmt, ap);
    va_end(ap);
    return b->n - 1;
}

void vb_add(vbuf *b, hv_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vb_vadd(b, role, fmt, ap);
    va_end(ap);
}

void vb_glyph(vbuf *b, hv_role role, hv_glyph g)
{
    vb_add(b, role, "%s", b->theme->glyph[g]);
}

int vb_strcols(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int cols = 0;
    size_t n = strlen(s);
    while (n) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, n, &st);
        if (k == 0)
            break;
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&st, 0, sizeof st);
            k = 1;
            wc = L'?';
        }
        int w = wcwidth(wc);
        cols += w < 0 ? 1 : w;
        s += k;
        n -= k;
    }
    return cols;
}

int vb_cols(const vbuf *b)
{
    return b->n ? vb_strcols(b->lines[b->n - 1].text) : 0;
}

void vb_pad(vbuf *b, int col)
{
    int have = vb_cols(b);
    if (have < col)
        vb_add(b, CLR_NORMAL, "%*s", col - have, "");
}

void vb_focus(vbuf *b)
{
    b->focus = b->n - 1;
}

void vb_wrap(vbuf *b, hv_role role, int indent, const char *text)
{
    int width = b->width - indent;
    if (width < 10)
        width = 10;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* Take words while they fit. */
        const char *end = p, *q = p;
        int cols = 0;
        while (*q) {
            const char *w = q;
            while (*q && *q != ' ')
                q++;
            char word[VB_TEXT];
            size_t wl = (size_t)(q - w) < sizeof word - 1 ? (size_t)(q - w)
                                                          : sizeof word - 1;
            memcpy(word, w, wl);
            word[wl] = 0;
            int wc = vb_strcols(word);
            if (cols && cols + 1 + wc > width)
                break;
            cols += (cols ? 1 : 0) + wc;
            end = q;
            while (*q == ' ')
                q++;
            if (cols >= width)
                break;
        }
        if (end == p) /* one word longer than the line */
            end = p + (strlen(p) < (size_t)width ? strlen(p) : (size_t)width);
        vb_line_start(b, role, "%*s%.*s", indent, "", (int)(end - p), p);
        p = end;
    }
}

int vb_put(WINDOW *win, int y, int x, const char *s, int maxcols, attr_t a)
{
    wchar_t out[VB_TEXT];
    int nout = 0, cols = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = strlen(s);
    while (n && nout < VB_TEXT - 1) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, n, &st);
        if (k == 0)
            break;
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&st, 0, sizeof st);
            k = 1;
            wc = L'?';
        }
        int w = wcwidth(wc);
        if (w < 0) {
            wc = L'?';
            w = 1;
        }
        if (cols + w > maxcols)
            break;
        out[nout++] = wc;
        cols += w;
        s += k;
        n -= k;
    }
    out[nout] = 0;
    if (nout) {
        wattrset(win, a);
        mvwaddnwstr(win, y, x, out, nout);
        wattrset(win, A_NORMAL);
    }
    return cols;
}

static attr_t span_attr(const hv_theme *t, const vb_line *l, uint8_t role)
{
    if (l->role == CLR_NORMAL)
        return hv_attr(t, role);
    /* A highlighted line keeps its highlight; spans add emphasis only. */
    return hv_attr(t, l->role) | (hv_attr(t, role) & (A_BOLD | A_UNDERLINE));
}

static void draw_line(const hv_theme *t, WINDOW *win, int y, const vb_line *l,
                      int width)
{
    attr_t base = hv_attr(t, l->role);
    int x = 0;
    uint16_t pos = 0;
    char seg[VB_TEXT];
    for (int i = 0; i <= l->nspans && x < width; i++) {
        uint16_t from = i < l->nspans ? l->spans[i].from : l->len;
        if (from > pos) {
            memcpy(seg, l->text + pos, from - pos);
            seg[from - pos] = 0;
            x += vb_put(win, y, x, seg, width - x, base);
        }
        if (i == l->nspans)
            break;
        const vb_span *sp = &l->spans[i];
        memcpy(seg, l->text + sp->from, sp->to - sp->from);
        seg[sp->to - sp->from] = 0;
        x += vb_put(win, y, x, seg, width - x, span_attr(t, l, sp->role));
        pos = sp->to;
    }
    if (l->role != CLR_NORMAL && x < width) {
        /* A highlighted line is highlighted to the edge. */
        wattrset(win, base);
        mvwhline(win, y, x, ' ', width - x);
        wattrset(win, A_NORMAL);
    }
}

void hv_view_blit(hv_view *v, const vbuf *b, WINDOW *win)
{
    int h = getmaxy(win), w = getmaxx(win);
    if (h <= 0 || w <= 0)
        return;
    int sticky = b->sticky < h - 1 ? b->sticky : 0;
    if (sticky > b->n)
        sticky = b->n;
    for (int y = 0; y < sticky; y++)
        draw_line(v->theme, win, y, &b->lines[y], w);
    /* The rest scrolls below the sticky lines. */
    int n = b->n - sticky, rows = h - sticky, focus = b->focus - sticky;
    int top;
    if (n <= rows)
        top = 0;
    else if (v->follow && focus >= 0)
        top = b->focus_top ? focus : focus - rows / 3;
    else
        top = v->scroll;
    if (top > n - rows)
        top = n - rows;
    if (top < 0)
        top = 0;
    v->scroll = top;
    v->lines = n;
    v->shown = rows;
    for (int y = 0; y < rows && top + y < n; y++)
        draw_line(v->theme, win, sticky + y, &b->lines[sticky + top + y], w);
    attr_t dim = hv_attr(v->theme, CLR_LABEL) | A_BOLD;
    if (top > 0)
        vb_put(win, sticky, w - 1, v->theme->glyph[GL_UP], 1, dim);
    if (top + rows < n)
        vb_put(win, h - 1, w - 1, v->theme->glyph[GL_DOWN], 1, dim);
}

const char *vb_num(uint64_t v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < len; i++) {
        if (i && (n - i) % 3 == 0 && o + 2 < len)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

const char *vb_pte_flags(uint32_t e, char buf[8])
{
    static const struct {
        uint32_t bit;
        char c;
    } f[7] = {{0x1, 'P'},  {0x2, 'W'},  {0x4, 'U'},  {0x20, 'A'},
              {0x40, 'D'}, {0x80, 'S'}, {0x100, 'G'}};
    for (int i = 0; i < 7; i++)
        buf[i] = (e & f[i].bit) ? f[i].c : '.';
    buf[7] = 0;
    return buf;
}
