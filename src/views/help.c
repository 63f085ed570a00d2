/* hvlab views: the help overlay and the key bar (help.h). */
#include <stdio.h>
#include <string.h>

#include "views/help.h"
#include "views/layout.h"

void hv_help_build(vbuf *b)
{
    const char *group = "";
    for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
        const char *g = hv_request_group((hv_request)r);
        if (strcmp(g, group) != 0) {
            if (*group)
                vb_line_start(b, CLR_NORMAL, "%s", "");
            vb_line_start(b, CLR_HEADING, "%s", g);
            group = g;
        }
        char keys[64];
        vb_line_start(b, CLR_NORMAL, "  ");
        vb_add(b, CLR_KEYBAR_KEY, "%-14s",
               hv_request_keys((hv_request)r, keys, sizeof keys));
        vb_add(b, CLR_NORMAL, " %s", hv_request_help((hv_request)r));
    }
    vb_line_start(b, CLR_NORMAL, "%s", "");
    vb_line_start(b, CLR_HEADING, "Mouse");
    vb_line_start(
        b, CLR_NORMAL,
        "  click a pane to focus it; the wheel scrolls the pane under it");
    vb_line_start(b, CLR_NORMAL, "%s", "");
    vb_line_start(
        b, CLR_DIM,
        "Marks: %s current  %s used by the last walk / filled  * changed "
        "this step (also in reverse video)",
        b->theme->glyph[GL_CURRENT], b->theme->glyph[GL_USED]);
}

void hv_help_draw(hv_view *v, const hv_theme *t, int rows, int cols)
{
    int w = cols - 8 < 96 ? cols - 8 : 96, h = rows - 4;
    if (w < 20 || h < 5)
        return;
    vbuf b;
    vb_init(&b, t, w - 4);
    hv_help_build(&b);
    if (b.n + 2 < h)
        h = b.n + 2;
    WINDOW *frame = newwin(h, w, (rows - h) / 2, (cols - w) / 2);
    if (!frame) {
        vb_free(&b);
        return;
    }
    wbkgdset(frame, ' ' | hv_attr(t, CLR_NORMAL));
    werase(frame);
    wattrset(frame, hv_attr(t, CLR_BORDER_FOCUS));
    box(frame, 0, 0);
    vb_put(frame, 0, 2, " Help: keys (Up/Down scroll, ? or q closes) ", w - 4,
           hv_attr(t, CLR_TITLE_FOCUS));
    WINDOW *in = derwin(frame, h - 2, w - 4, 1, 2);
    if (in) {
        v->follow = false;
        hv_view_blit(v, &b, in);
        delwin(in);
    }
    wnoutrefresh(frame);
    delwin(frame);
    vb_free(&b);
}

void hv_keybar_draw(const hv_theme *t, int y, int cols)
{
    attr_t bar = hv_attr(t, CLR_KEYBAR), key = hv_attr(t, CLR_KEYBAR_KEY);
    attrset(bar);
    mvhline(y, 0, ' ', cols);
    int x = 1;
    for (int r = REQ_NONE + 1; r < REQ__COUNT && x < cols; r++) {
        const char *label = hv_request_bar((hv_request)r);
        if (!label)
            continue;
        char kb[16];
        const char *k = NULL;
        for (size_t i = 0; i < hv_nbindings; i++)
            if (hv_bindings[i].req == (hv_request)r) {
                k = hv_key_name(hv_bindings[i].key, kb, sizeof kb);
                break;
            }
        if (!k)
            continue;
        int need = vb_strcols(k) + 1 + vb_strcols(label) + 2;
        if (x + need > cols)
            break;
        x += vb_put(stdscr, y, x, k, cols - x, key);
        x += vb_put(stdscr, y, x, " ", cols - x, bar);
        x += vb_put(stdscr, y, x, label, cols - x, bar);
        x += vb_put(stdscr, y, x, "  ", cols - x, bar);
    }
    attrset(A_NORMAL);
}
