/* hvlab views: the screen layout, a pure function of the terminal size
 * and the toggles (STYLE.md practice 9).
 *
 * A layout is a template of rows of panes with weights. Panes that do not
 * apply to the paging mode leave their row (native has no hypervisor
 * tables); then, while the rows do not fit their panes' minimum sizes,
 * the least important row (for height) or pane (for width) goes, in a
 * fixed priority order. What is left shares the room by weight. Below
 * 80x24 the layout is only a message.
 */
#ifndef HV_VIEWS_LAYOUT_H
#define HV_VIEWS_LAYOUT_H

#include <stdbool.h>

#include "hv.h"
#include "views/view.h"

#define HV_MIN_COLS 80
#define HV_MIN_ROWS 24

typedef enum hv_layout_kind {
    HV_LAYOUT_STANDARD = 0, /* everything, for a laptop (about 160x48) */
    HV_LAYOUT_LECTURE = 1,  /* code, one big pane, narration, counters */
    HV_LAYOUT_COMPACT = 2,  /* six panes that fit 100x30 */
    HV_LAYOUT__COUNT
} hv_layout_kind;

const char *hv_layout_name(hv_layout_kind kind);

typedef struct hv_rect {
    int y, x, h, w;
} hv_rect;

typedef struct hv_layout_in {
    int cols, rows;
    hv_layout_kind kind;
    hv_paging paging;
    bool scenario; /* a scenario is loaded: narration matters more */
    int zoom;      /* a hv_view_id filling the body, or -1 */
    int big;       /* lecture: the pane shown large (a hv_view_id) */
} hv_layout_in;

typedef struct hv_layout {
    bool too_small; /* below HV_MIN_COLS x HV_MIN_ROWS */
    hv_rect status, keybar, body;
    bool shown[VIEW__COUNT];
    hv_rect rect[VIEW__COUNT]; /* the pane with its frame */
    int hidden;                /* panes of the template that did not fit */
} hv_layout;

void hv_layout_compute(const hv_layout_in *in, hv_layout *out);
/* Whether a pane applies to a paging mode (the shadow pane to shadow). */
bool hv_layout_applies(hv_view_id id, hv_paging paging);
/* Whether the pane may be the lecture layout's big pane. */
bool hv_layout_can_be_big(hv_view_id id);

#endif
