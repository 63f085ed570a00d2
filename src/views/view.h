/* hvlab views: the pane contract (STYLE.md practice 7).
 *
 * Every pane is one file in src/views/ ending with its const hv_view_ops.
 * A pane draws the snapshot into the window it is given and never changes
 * engine state (it only ever sees a const snapshot and a const machine).
 * Most panes build their text as a line buffer (vbuf.h) and hand it to
 * hv_view_blit, which scrolls, follows the line that matters and clips.
 */
#ifndef HV_VIEWS_VIEW_H
#define HV_VIEWS_VIEW_H

#include <curses.h>
#include <stdbool.h>

#include "views/request.h"
#include "views/snapshot.h"
#include "views/theme.h"

/* What handle_key did; the driver acts only on these bits. */
enum {
    VIEW_IGNORED = 0, /* not mine: the driver handles the request */
    VIEW_HANDLED = 1 << 0,
    VIEW_REDRAW = 1 << 1, /* draw me again */
    VIEW_QUIT = 1 << 2,
};

/* The panes: X(ID, ops symbol). The order is the Tab order. */
/* clang-format off */
#define VIEW_LIST(X)                                                          \
    X(CODE, hv_view_code)                                                     \
    X(PAGETABLES, hv_view_pagetables)                                         \
    X(SHADOW, hv_view_shadow)                                                 \
    X(NESTED, hv_view_nested)                                                 \
    X(WALK, hv_view_walk)                                                     \
    X(TLB, hv_view_tlb)                                                       \
    X(HOSTMEM, hv_view_hostmem)                                               \
    X(LOG, hv_view_log)                                                       \
    X(COUNTERS, hv_view_counters)                                             \
    X(NARRATION, hv_view_narration)
/* clang-format on */

typedef enum hv_view_id {
#define VIEW_ENUM(id, ops) VIEW_##id,
    VIEW_LIST(VIEW_ENUM)
#undef VIEW_ENUM
        VIEW__COUNT
} hv_view_id;

typedef struct hv_view hv_view;

typedef struct hv_view_ops {
    /* The pane's name: its frame, the help, focus and zoom messages. */
    const char *title;
    /* The smallest inner size (inside the frame) it can draw legibly;
     * below it the driver shows "TITLE: widen to N columns" instead. */
    int min_w, min_h;
    /* Draws s into win (the inner area, already erased). May set
     * v->subtitle (shown in the frame after the title). Reads only. */
    void (*draw)(hv_view *v, const hv_snapshot *s, WINDOW *win);
    /* A request for the focused pane; returns VIEW_* bits. NULL: the pane
     * only scrolls (hv_view_scroll_key). */
    unsigned (*handle_key)(hv_view *v, hv_request req);
} hv_view_ops;

#define VIEW_FLAG_ALL 1u /* REQ_TOGGLE_ALL: show everything */

struct hv_view {
    const hv_view_ops *ops;
    const hv_theme *theme;
    int scroll;     /* first line shown when not following */
    bool follow;    /* keep the line that matters in sight */
    unsigned flags; /* VIEW_FLAG_* and pane-private bits */
    char subtitle[128];
    int lines, shown; /* set by hv_view_blit: content and visible lines */
};

#define VIEW_OPS_DECL(id, ops) extern const hv_view_ops ops;
VIEW_LIST(VIEW_OPS_DECL)
#undef VIEW_OPS_DECL

/* The ops of a pane. */
const hv_view_ops *hv_view_ops_of(hv_view_id id);
void hv_view_init(hv_view *v, hv_view_id id, const hv_theme *theme);
/* Scrolling requests any pane understands. */
unsigned hv_view_scroll_key(hv_view *v, hv_request req);
/* Scrolling, then VIEW_FLAG_ALL: the handle_key of most panes. */
unsigned hv_view_default_key(hv_view *v, hv_request req);

/* Draws a one-line message centred in win (a pane that cannot draw). */
void hv_view_message(const hv_theme *t, WINDOW *win, const char *msg);

#endif
