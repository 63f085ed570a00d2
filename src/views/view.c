/* hvlab views: what every pane shares (view.h). */
#include <string.h>

#include "views/vbuf.h"
#include "views/view.h"

static const hv_view_ops *const all_ops[VIEW__COUNT] = {
#define VIEW_OPS_PTR(id, ops) [VIEW_##id] = &ops,
    VIEW_LIST(VIEW_OPS_PTR)
#undef VIEW_OPS_PTR
};

const hv_view_ops *hv_view_ops_of(hv_view_id id)
{
    return (unsigned)id < VIEW__COUNT ? all_ops[id] : NULL;
}

void hv_view_init(hv_view *v, hv_view_id id, const hv_theme *theme)
{
    memset(v, 0, sizeof *v);
    v->ops = hv_view_ops_of(id);
    v->theme = theme;
    v->follow = true;
}

unsigned hv_view_scroll_key(hv_view *v, hv_request req)
{
    int page = v->shown > 2 ? v->shown - 2 : 1;
    switch (req) {
    case REQ_SCROLL_UP: v->scroll -= 1; break;
    case REQ_SCROLL_DOWN: v->scroll += 1; break;
    case REQ_PAGE_UP: v->scroll -= page; break;
    case REQ_PAGE_DOWN: v->scroll += page; break;
    case REQ_FOLLOW: v->follow = true; return VIEW_HANDLED | VIEW_REDRAW;
    default: return VIEW_IGNORED;
    }
    /* The blitter clamps; scrolling by hand stops following. */
    if (v->scroll < 0)
        v->scroll = 0;
    v->follow = false;
    return VIEW_HANDLED | VIEW_REDRAW;
}

unsigned hv_view_default_key(hv_view *v, hv_request req)
{
    if (req == REQ_TOGGLE_ALL) {
        v->flags ^= VIEW_FLAG_ALL;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    return hv_view_scroll_key(v, req);
}

void hv_view_message(const hv_theme *t, WINDOW *win, const char *msg)
{
    int h = getmaxy(win), w = getmaxx(win);
    if (h <= 0 || w <= 0)
        return;
    int cols = vb_strcols(msg);
    int x = cols < w ? (w - cols) / 2 : 0;
    vb_put(win, h / 2, x, msg, w, hv_attr(t, CLR_WARN));
}
