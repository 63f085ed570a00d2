/* hvlab views, unit-tested off-screen (issue 7): the layout's properties
 * at every size, and every pane drawn into a window of a curses screen
 * that writes to a temporary file (newterm), read back as text. No
 * terminal is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "views/help.h"
#include "views/layout.h"
#include "views/request.h"
#include "views/vbuf.h"

#ifndef HV_GUEST_BIN
#error "HV_GUEST_BIN must name the assembled paging guest"
#endif

/* --- the layout: a pure function --------------------------------------------
 */

static bool overlap(hv_rect a, hv_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h &&
           b.y < a.y + a.h;
}

static void test_layout_every_size(void)
{
    for (int kind = 0; kind < HV_LAYOUT__COUNT; kind++)
        for (int p = 0; p < 3; p++)
            for (int cols = 80; cols <= 250; cols += 7)
                for (int rows = 24; rows <= 70; rows += 3) {
                    hv_layout_in in = {
                        cols,         rows,   (hv_layout_kind)kind,
                        (hv_paging)p, p == 1, -1,
                        VIEW_WALK};
                    hv_layout l;
                    hv_layout_compute(&in, &l);
                    CHECK(!l.too_small);
                    int shown = 0;
                    for (int i = 0; i < VIEW__COUNT; i++) {
                        if (!l.shown[i])
                            continue;
                        shown++;
                        hv_rect r = l.rect[i];
                        const hv_view_ops *ops = hv_view_ops_of((hv_view_id)i);
                        /* Inside the body, big enough, applies to the mode. */
                        CHECK(r.y >= l.body.y &&
                              r.y + r.h <= l.body.y + l.body.h);
                        CHECK(r.x >= 0 && r.x + r.w <= cols);
                        CHECK(r.w >= ops->min_w + 2 && r.h >= ops->min_h + 2);
                        CHECK(hv_layout_applies((hv_view_id)i, (hv_paging)p));
                        for (int j = i + 1; j < VIEW__COUNT; j++)
                            if (l.shown[j])
                                CHECK(!overlap(r, l.rect[j]));
                    }
                    CHECK(shown >= 2);
                }
}

static void test_layout_small_and_zoom(void)
{
    hv_layout l;
    hv_layout_in in = {79,    24, HV_LAYOUT_STANDARD, HV_PAGING_NATIVE,
                       false, -1, VIEW_WALK};
    hv_layout_compute(&in, &l);
    CHECK(l.too_small);
    in.cols = 80;
    in.rows = 23;
    hv_layout_compute(&in, &l);
    CHECK(l.too_small);
    /* 160x48: every pane of the mode. */
    in = (hv_layout_in){160,   48, HV_LAYOUT_STANDARD, HV_PAGING_SHADOW,
                        false, -1, VIEW_WALK};
    hv_layout_compute(&in, &l);
    for (int i = 0; i < VIEW__COUNT; i++)
        CHECK(l.shown[i] == hv_layout_applies((hv_view_id)i, HV_PAGING_SHADOW));
    CHECK_EQ(l.hidden, 0);
    /* Zoom: the pane is the body. */
    in.zoom = VIEW_TLB;
    hv_layout_compute(&in, &l);
    CHECK(l.shown[VIEW_TLB] && l.rect[VIEW_TLB].h == 46 &&
          l.rect[VIEW_TLB].w == 160);
    for (int i = 0; i < VIEW__COUNT; i++)
        CHECK(i == VIEW_TLB || !l.shown[i]);
}

/* --- the key table
 * ------------------------------------------------------------ */

static void test_every_request_has_a_key_and_help(void)
{
    for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
        char keys[64];
        CHECK(hv_request_keys((hv_request)r, keys, sizeof keys)[0] != 0);
        CHECK(strlen(hv_request_help((hv_request)r)) > 8);
    }
    for (size_t i = 0; i < hv_nbindings; i++)
        for (size_t j = i + 1; j < hv_nbindings; j++)
            CHECK(hv_bindings[i].key != hv_bindings[j].key);
    hv_theme t;
    hv_theme_init(&t, HV_SCHEME_MONO, false, false);
    vbuf b;
    vb_init(&b, &t, 100);
    hv_help_build(&b);
    /* The help has a line per request that ends with its help text. */
    for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
        const char *h = hv_request_help((hv_request)r);
        int found = 0;
        for (int i = 0; i < b.n; i++) {
            size_t n = strlen(b.lines[i].text), k = strlen(h);
            found += n >= k && strcmp(b.lines[i].text + n - k, h) == 0;
        }
        CHECK_EQ(found, 1);
    }
    vb_free(&b);
}

/* --- panes, drawn off-screen
 * ---------------------------------------------------- */

static char screen_text[64 * 1024];

static const char *read_back(WINDOW *w)
{
    int h = getmaxy(w), cols = getmaxx(w);
    size_t o = 0;
    for (int y = 0; y < h; y++) {
        char line[512];
        int n = mvwinnstr(w, y, 0, line, cols < 511 ? cols : 511);
        if (n < 0)
            n = 0;
        line[n] = 0;
        o += (size_t)snprintf(screen_text + o, sizeof screen_text - o, "%s\n",
                              line);
    }
    return screen_text;
}

static bool stop_on_miss(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_TLB_MISS;
}

typedef struct fixture {
    SCREEN *scr;
    FILE *out, *in;
    hv_machine *m;
    hv_snapshot *snap;
    hv_theme theme;
    uint8_t *image;
} fixture;

static bool setup(fixture *f, hv_paging paging)
{
    memset(f, 0, sizeof *f);
    FILE *bin = fopen(HV_GUEST_BIN, "rb");
    CHECK(bin != NULL);
    if (!bin)
        return false;
    f->image = malloc(65536);
    size_t len = fread(f->image, 1, 65536, bin);
    fclose(bin);
    hv_config cfg;
    hv_config_default(&cfg);
    cfg.paging = paging;
    cfg.nested.lazy = false;
    cfg.vms[0].image = f->image;
    cfg.vms[0].image_len = len;
    CHECK_OK(hv_machine_create(&cfg, &f->m));
    f->snap = hv_snapshot_new();
    hv_snapshot_attach(f->snap, f->m);
    hv_machine_set_sink(f->m, hv_snapshot_sink, f->snap);
    /* Run to the first TLB miss, as the `m` key does. */
    hv_snapshot_begin_step(f->snap);
    hv_machine_set_stop(f->m, stop_on_miss, NULL);
    hv_stop why;
    CHECK_OK(hv_machine_run(f->m, 1000000, &why));
    CHECK_EQ(why, HV_STOP_EVENT);
    hv_machine_set_stop(f->m, NULL, NULL);
    hv_snapshot_end_step(f->snap);
    /* A screen that writes to a file: nothing needs a terminal. */
    f->out = tmpfile();
    f->in = tmpfile();
    f->scr = newterm("xterm", f->out, f->in);
    CHECK(f->scr != NULL);
    if (!f->scr)
        return false;
    hv_theme_init(&f->theme, HV_SCHEME_MONO, false, false);
    return true;
}

static void teardown(fixture *f)
{
    if (f->scr) {
        endwin();
        delscreen(f->scr);
    }
    if (f->out)
        fclose(f->out);
    if (f->in)
        fclose(f->in);
    hv_snapshot_free(f->snap);
    hv_machine_destroy(f->m);
    free(f->image);
}

static const char *draw(fixture *f, hv_view_id id, int h, int w)
{
    hv_view v;
    hv_view_init(&v, id, &f->theme);
    WINDOW *win = newwin(h, w, 0, 0);
    CHECK(win != NULL);
    if (!win)
        return "";
    v.ops->draw(&v, f->snap, win);
    const char *text = read_back(win);
    delwin(win);
    return text;
}

static void test_panes_native(void)
{
    fixture f;
    if (setup(&f, HV_PAGING_NATIVE)) {
        const char *t = draw(&f, VIEW_WALK, 12, 70);
        CHECK(strstr(t, "2 of 2 references") != NULL);
        CHECK(strstr(t, "PDE[000]") && strstr(t, "PTE[001]"));
        t = draw(&f, VIEW_TLB, 20, 80);
        CHECK(strstr(t, "#00001->00001") != NULL); /* filled this step, ASCII */
        t = draw(&f, VIEW_PAGETABLES, 12, 70);
        CHECK(strstr(t, "PDE[000]") != NULL);
        t = draw(&f, VIEW_CODE, 20, 70);
        CHECK(strstr(t, "CR3 00010000*") != NULL); /* changed this step */
        t = draw(&f, VIEW_COUNTERS, 30, 60);
        CHECK(strstr(t, "tlb_misses") && strstr(t, "+1"));
        t = draw(&f, VIEW_HOSTMEM, 10, 40);
        CHECK(strstr(t, "R VM RAM") != NULL);
        /* Every pane, at its minimum size and at odd sizes: no crash. */
        for (int id = 0; id < VIEW__COUNT; id++) {
            const hv_view_ops *ops = hv_view_ops_of((hv_view_id)id);
            if (!hv_layout_applies((hv_view_id)id, HV_PAGING_NATIVE))
                continue;
            draw(&f, (hv_view_id)id, ops->min_h, ops->min_w);
            draw(&f, (hv_view_id)id, ops->min_h + 31, ops->min_w + 97);
        }
    }
    teardown(&f);
}

static void test_panes_nested(void)
{
    fixture f;
    if (setup(&f, HV_PAGING_NESTED)) {
        const char *t = draw(&f, VIEW_WALK, 14, 80);
        CHECK(strstr(t, "14 of 14 references") != NULL);
        t = draw(&f, VIEW_NESTED, 60, 80);
        CHECK(strstr(t, "PML4[000]") != NULL);
        CHECK(strstr(t, "#       PT[001] 00001000 ->") !=
              NULL); /* the walk's leaf */
        draw(&f, VIEW_NESTED, hv_view_nested.min_h, hv_view_nested.min_w);
    }
    teardown(&f);
}

static void test_panes_shadow(void)
{
    fixture f;
    if (setup(&f, HV_PAGING_SHADOW)) {
        const char *t = draw(&f, VIEW_SHADOW, 20, 100);
        CHECK(strstr(t, "current root") != NULL);
        CHECK(strstr(t, "sPTE[001]") != NULL);
        t = draw(&f, VIEW_WALK, 20, 80);
        CHECK(strstr(t, "hidden fault") != NULL);
        draw(&f, VIEW_SHADOW, hv_view_shadow.min_h, hv_view_shadow.min_w);
    }
    teardown(&f);
}

static const check_test tests[] = {
    {"layout_every_size", test_layout_every_size},
    {"layout_small_and_zoom", test_layout_small_and_zoom},
    {"every_request_has_a_key_and_help", test_every_request_has_a_key_and_help},
    {"panes_native", test_panes_native},
    {"panes_nested", test_panes_nested},
    {"panes_shadow", test_panes_shadow},
    {NULL, NULL},
};

CHECK_MAIN(tests)
