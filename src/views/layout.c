/* hvlab views: layouts (layout.h). */
#include <string.h>

#include "views/layout.h"

#define MAX_ROWS 4
#define MAX_COLS 4
#define BIG (-2) /* lecture: the big pane goes here */
#define HYP (-3) /* the hypervisor's tables: shadow or nested */

typedef struct tpl_pane {
    int id; /* hv_view_id, BIG or HYP; -1 ends the row */
    int weight;
} tpl_pane;

typedef struct tpl_row {
    int weight;
    tpl_pane panes[MAX_COLS];
} tpl_row;

typedef struct tpl {
    tpl_row rows[MAX_ROWS];
} tpl;

static const tpl templates[HV_LAYOUT__COUNT] = {
    [HV_LAYOUT_STANDARD] = {{
        {42, {{VIEW_CODE, 34}, {VIEW_PAGETABLES, 30}, {HYP, 36}, {-1, 0}}},
        {30, {{VIEW_WALK, 44}, {VIEW_TLB, 56}, {-1, 0}}},
        {22,
         {{VIEW_LOG, 54}, {VIEW_COUNTERS, 28}, {VIEW_HOSTMEM, 18}, {-1, 0}}},
        {6, {{VIEW_NARRATION, 100}, {-1, 0}}},
    }},
    [HV_LAYOUT_LECTURE] = {{
        {68, {{VIEW_CODE, 34}, {BIG, 66}, {-1, 0}}},
        {32, {{VIEW_NARRATION, 62}, {VIEW_COUNTERS, 38}, {-1, 0}}},
        {0, {{-1, 0}}},
        {0, {{-1, 0}}},
    }},
    [HV_LAYOUT_COMPACT] = {{
        {40, {{VIEW_CODE, 44}, {VIEW_WALK, 56}, {-1, 0}}},
        {32, {{VIEW_PAGETABLES, 44}, {VIEW_TLB, 56}, {-1, 0}}},
        {28, {{VIEW_LOG, 60}, {VIEW_COUNTERS, 40}, {-1, 0}}},
        {0, {{-1, 0}}},
    }},
};

const char *hv_layout_name(hv_layout_kind kind)
{
    switch (kind) {
    case HV_LAYOUT_STANDARD: return "standard";
    case HV_LAYOUT_LECTURE: return "lecture";
    case HV_LAYOUT_COMPACT: return "compact";
    default: return "?";
    }
}

bool hv_layout_applies(hv_view_id id, hv_paging paging)
{
    if (id == VIEW_SHADOW)
        return paging == HV_PAGING_SHADOW;
    if (id == VIEW_NESTED)
        return paging == HV_PAGING_NESTED;
    return (unsigned)id < VIEW__COUNT;
}

bool hv_layout_can_be_big(hv_view_id id)
{
    return id != VIEW_CODE && id != VIEW_NARRATION && id != VIEW_COUNTERS &&
           (unsigned)id < VIEW__COUNT;
}

/* Lower is more important: what stays when the screen is small. */
static int priority(int id, bool scenario)
{
    static const int order[VIEW__COUNT] = {
        [VIEW_CODE] = 0,      [VIEW_WALK] = 1,     [VIEW_PAGETABLES] = 2,
        [VIEW_TLB] = 3,       [VIEW_SHADOW] = 4,   [VIEW_NESTED] = 4,
        [VIEW_LOG] = 5,       [VIEW_COUNTERS] = 6, [VIEW_HOSTMEM] = 7,
        [VIEW_NARRATION] = 8,
    };
    if (id == VIEW_NARRATION && scenario)
        return 1; /* the lesson's words come right after the code */
    return order[id] * 2 + (scenario && id != VIEW_CODE ? 1 : 0);
}

/* Outer sizes: the pane's minimum plus its frame. */
static int need_w(int id)
{
    return hv_view_ops_of((hv_view_id)id)->min_w + 2;
}

static int need_h(int id)
{
    return hv_view_ops_of((hv_view_id)id)->min_h + 2;
}

typedef struct work_row {
    int weight, n;
    int id[MAX_COLS], w[MAX_COLS];
} work_row;

static int row_need_h(const work_row *r)
{
    int h = 0;
    for (int i = 0; i < r->n; i++)
        if (need_h(r->id[i]) > h)
            h = need_h(r->id[i]);
    return h;
}

static int row_need_w(const work_row *r)
{
    int w = 0;
    for (int i = 0; i < r->n; i++)
        w += need_w(r->id[i]);
    return w;
}

static int row_best(const work_row *r, bool scenario)
{
    int best = 1 << 20;
    for (int i = 0; i < r->n; i++)
        if (priority(r->id[i], scenario) < best)
            best = priority(r->id[i], scenario);
    return best;
}

static void remove_at(void *base, int *n, int i, size_t size)
{
    char *p = base;
    memmove(p + (size_t)i * size, p + (size_t)(i + 1) * size,
            (size_t)(*n - i - 1) * size);
    (*n)--;
}

/* Splits `total` into n parts: each its minimum, the rest by weight. */
static void share(int total, int n, const int *min, const int *weight, int *out)
{
    int extra = total, wsum = 0;
    for (int i = 0; i < n; i++) {
        extra -= min[i];
        wsum += weight[i] > 0 ? weight[i] : 1;
    }
    int given = 0;
    for (int i = 0; i < n; i++) {
        int wt = weight[i] > 0 ? weight[i] : 1;
        out[i] = min[i] + (i == n - 1 ? extra - given : extra * wt / wsum);
        given += out[i] - min[i];
    }
}

void hv_layout_compute(const hv_layout_in *in, hv_layout *out)
{
    memset(out, 0, sizeof *out);
    out->status = (hv_rect){0, 0, 1, in->cols};
    out->keybar = (hv_rect){in->rows - 1, 0, 1, in->cols};
    out->body = (hv_rect){1, 0, in->rows - 2, in->cols};
    if (in->cols < HV_MIN_COLS || in->rows < HV_MIN_ROWS) {
        out->too_small = true;
        return;
    }
    const hv_rect body = out->body;
    if (in->zoom >= 0 && in->zoom < VIEW__COUNT) {
        out->shown[in->zoom] = true;
        out->rect[in->zoom] = body;
        return;
    }

    /* The template, with the panes this mode has. */
    work_row rows[MAX_ROWS];
    int nrows = 0;
    const tpl *t =
        &templates[(unsigned)in->kind < HV_LAYOUT__COUNT ? in->kind : 0];
    int total = 0;
    for (int r = 0; r < MAX_ROWS; r++) {
        const tpl_row *tr = &t->rows[r];
        work_row wr = {.weight = tr->weight};
        for (int c = 0; c < MAX_COLS && tr->panes[c].id != -1; c++) {
            int id = tr->panes[c].id;
            if (id == HYP)
                id = in->paging == HV_PAGING_SHADOW   ? VIEW_SHADOW
                     : in->paging == HV_PAGING_NESTED ? VIEW_NESTED
                                                      : -1;
            else if (id == BIG)
                id = hv_layout_can_be_big((hv_view_id)in->big) ? in->big
                                                               : VIEW_WALK;
            if (id < 0)
                continue;
            total++;
            if (id == VIEW_NARRATION && in->scenario &&
                in->kind == HV_LAYOUT_STANDARD)
                wr.weight *= 4; /* a lesson's words need room */
            wr.id[wr.n] = id;
            wr.w[wr.n++] = tr->panes[c].weight;
        }
        if (wr.n)
            rows[nrows++] = wr;
    }

    /* Drop what does not fit, least important first: panes from rows
     * that are too wide, then whole rows while the rows are too tall. */
    for (;;) {
        bool changed = false;
        for (int r = 0; r < nrows && !changed; r++) {
            work_row *wr = &rows[r];
            if (row_need_w(wr) <= body.w)
                continue;
            int worst = 0;
            for (int c = 1; c < wr->n; c++)
                if (priority(wr->id[c], in->scenario) >
                    priority(wr->id[worst], in->scenario))
                    worst = c;
            for (int c = worst; c + 1 < wr->n; c++) {
                wr->id[c] = wr->id[c + 1];
                wr->w[c] = wr->w[c + 1];
            }
            wr->n--;
            if (!wr->n)
                remove_at(rows, &nrows, r, sizeof rows[0]);
            changed = true;
        }
        if (changed)
            continue;
        int h = 0;
        for (int r = 0; r < nrows; r++)
            h += row_need_h(&rows[r]);
        if (h <= body.h || nrows == 0)
            break;
        int worst = 0;
        for (int r = 1; r < nrows; r++)
            if (row_best(&rows[r], in->scenario) >
                row_best(&rows[worst], in->scenario))
                worst = r;
        remove_at(rows, &nrows, worst, sizeof rows[0]);
    }

    /* Share the room. */
    int mins[MAX_ROWS] = {0}, weights[MAX_ROWS] = {0}, hs[MAX_ROWS] = {0};
    for (int r = 0; r < nrows; r++) {
        mins[r] = row_need_h(&rows[r]);
        weights[r] = rows[r].weight;
    }
    share(body.h, nrows, mins, weights, hs);
    int y = body.y, shown = 0;
    for (int r = 0; r < nrows; r++) {
        const work_row *wr = &rows[r];
        int wmin[MAX_COLS] = {0}, ws[MAX_COLS] = {0};
        for (int c = 0; c < wr->n; c++)
            wmin[c] = need_w(wr->id[c]);
        share(body.w, wr->n, wmin, wr->w, ws);
        int x = body.x;
        for (int c = 0; c < wr->n; c++) {
            out->shown[wr->id[c]] = true;
            out->rect[wr->id[c]] = (hv_rect){y, x, hs[r], ws[c]};
            x += ws[c];
            shown++;
        }
        y += hs[r];
    }
    out->hidden = total - shown;
    if (!shown)
        out->too_small = true;
}
