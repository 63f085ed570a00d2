/* hvlab command line: the TUI's main loop (issue 7; ../shared/TUI.md).
 *
 * The loop owns the machine and is the only code that drives it: a key
 * becomes a request (views/request.h); the focused pane may take it (it
 * scrolls or toggles what it shows), otherwise the loop does it (step, run
 * to the next event of a kind, run, restart, focus, zoom, layout, theme,
 * help, quit). Every run is bracketed by hv_snapshot_begin_step /
 * hv_snapshot_end_step, and the snapshot, fed by the machine's event sink,
 * is all the panes see. The layout is recomputed from the terminal size
 * and the toggles on every frame (views/layout.c); KEY_RESIZE is handled
 * here only. The terminal is restored on every way out: quit, SIGINT,
 * SIGTERM, SIGHUP, or an error (printed after endwin).
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/tui.h"
#include "views/help.h"

#define CHUNK 100000u /* instructions between looks at the keyboard */

typedef enum run_mode {
    RUN_IDLE = 0,
    RUN_CONTINUOUS, /* r: at the chosen speed, one step per tick */
    RUN_SEARCH,     /* m/x/f/o/n: to the next event of a kind */
    RUN_TO_END,     /* e: until the guest ends */
} run_mode;

/* Instructions per second of a continuous run. */
static const uint32_t speeds[] = {1, 2, 5, 10, 20, 50, 100, 1000, 10000, 100000, 1000000};
#define NSPEEDS (sizeof speeds / sizeof speeds[0])
#define TICK_HZ 20

typedef struct tui {
    tui_opts o;
    uint8_t *image;
    size_t image_len;
    hv_source *source;
    hv_machine *m;
    hv_snapshot *snap;
    const tui_script *script;

    hv_theme theme;
    hv_view views[VIEW__COUNT];
    hv_view help_view;
    hv_layout lay;
    hv_layout_kind layout;
    int zoom, focus, big;
    bool help;

    run_mode mode;
    hv_request search; /* which NEXT_* the search (and n) looks for */
    uint64_t search_left;
    unsigned speed;
    double next_tick;
    char run_state[48];
} tui;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the machine ---------------------------------------------------------- */

static hv_err machine_start(tui *t)
{
    hv_config cfg = t->o.cfg;
    cfg.vms[0].image = t->image;
    cfg.vms[0].image_len = t->image_len;
    hv_machine *m;
    hv_err err = hv_machine_create(&cfg, &m);
    if (err)
        return err;
    hv_machine_destroy(t->m);
    t->m = m;
    hv_snapshot_attach(t->snap, m);
    hv_machine_set_sink(m, hv_snapshot_sink, t->snap);
    t->snap->source = t->source;
    t->snap->guest_path = t->o.guest;
    return HV_OK;
}

/* The stop predicates of "run to the next ...". */
static bool stop_miss(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_TLB_MISS;
}

static bool stop_exit(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_VM_EXIT;
}

static bool stop_fault(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_GUEST_FAULT || ev->type == HV_EV_NESTED_FAULT ||
           (ev->type == HV_EV_VM_EXIT && ev->a == HV_EXIT_EXC_PF);
}

static bool stop_io(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_IO_IN || ev->type == HV_EV_IO_OUT;
}

static const struct {
    hv_request req;
    hv_stop_fn fn;
    const char *what;
} searches[] = {
    {REQ_NEXT_MISS, stop_miss, "TLB miss"},
    {REQ_NEXT_EXIT, stop_exit, "VM exit"},
    {REQ_NEXT_FAULT, stop_fault, "page fault"},
    {REQ_NEXT_IO, stop_io, "I/O access"},
};

static int search_index(hv_request req)
{
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++)
        if (searches[i].req == req)
            return (int)i;
    return 0;
}

static void set_status(tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(tui *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->snap->status, sizeof t->snap->status, fmt, ap);
    va_end(ap);
}

static void ended_status(tui *t)
{
    hv_vm_state s;
    hv_machine_vm_state(t->m, 0, &s);
    if (s.has_status)
        set_status(t, "the guest ended: %s, status %u (R restarts)",
                   hv_vm_exit_reason_name(s.exit_reason), s.exit_status);
    else
        set_status(t, "the guest ended: %s%s%s (R restarts)", hv_vm_exit_reason_name(s.exit_reason),
                   *s.detail ? ": " : "", s.detail);
}

/* Runs at most n instructions; returns why it stopped. */
static hv_stop run_some(tui *t, uint64_t n, hv_stop_fn fn)
{
    hv_stop why = HV_STOP_LIMIT;
    hv_machine_set_stop(t->m, fn, NULL);
    hv_err err = hv_machine_run(t->m, n, &why);
    hv_machine_set_stop(t->m, NULL, NULL);
    hv_snapshot_end_step(t->snap);
    if (err == HV_ERR_ENDED)
        why = HV_STOP_ENDED;
    else if (err)
        set_status(t, "the engine failed: %s", hv_strerror(err));
    return why;
}

static void stop_running(tui *t)
{
    t->mode = RUN_IDLE;
}

static void step_one(tui *t)
{
    stop_running(t);
    hv_snapshot_begin_step(t->snap);
    uint64_t before = t->snap->ctr.instructions;
    hv_stop why = run_some(t, 1, NULL);
    if (why == HV_STOP_ENDED)
        ended_status(t);
    else if (t->snap->ctr.instructions == before)
        set_status(t, "the instruction did not complete (a fault was delivered)");
}

static void start_search(tui *t, hv_request kind)
{
    t->search = kind;
    t->search_left = t->o.search_limit;
    t->mode = RUN_SEARCH;
    hv_snapshot_begin_step(t->snap);
    set_status(t, "running to the next %s... (any key stops)", searches[search_index(kind)].what);
}

/* One slice of the current run mode. */
static void advance(tui *t)
{
    hv_stop why;
    char n[32];
    switch (t->mode) {
    case RUN_SEARCH: {
        uint64_t chunk = t->search_left < CHUNK ? t->search_left : CHUNK;
        uint64_t before = t->snap->ctr.instructions;
        why = run_some(t, chunk, searches[search_index(t->search)].fn);
        t->search_left -= chunk < t->search_left ? chunk : t->search_left;
        (void)before;
        if (why == HV_STOP_EVENT) {
            set_status(t, "stopped after the next %s (%s instructions)",
                       searches[search_index(t->search)].what,
                       vb_num(t->snap->ctr.instructions - t->snap->prev_ctr.instructions, n,
                              sizeof n));
            t->mode = RUN_IDLE;
        } else if (why == HV_STOP_ENDED) {
            ended_status(t);
            t->mode = RUN_IDLE;
        } else if (!t->search_left) {
            set_status(t, "no %s in %s instructions", searches[search_index(t->search)].what,
                       vb_num(t->o.search_limit, n, sizeof n));
            t->mode = RUN_IDLE;
        }
        return;
    }
    case RUN_TO_END:
        why = run_some(t, CHUNK, NULL);
        if (why == HV_STOP_ENDED) {
            ended_status(t);
            t->mode = RUN_IDLE;
        }
        return;
    case RUN_CONTINUOUS: {
        double now = now_s();
        if (now < t->next_tick)
            return;
        uint32_t sp = speeds[t->speed];
        uint64_t insns = sp >= TICK_HZ ? sp / TICK_HZ : 1;
        double period = sp >= TICK_HZ ? 1.0 / TICK_HZ : 1.0 / sp;
        t->next_tick = (now - t->next_tick > 1.0 ? now : t->next_tick) + period;
        hv_snapshot_begin_step(t->snap);
        why = run_some(t, insns, NULL);
        if (why == HV_STOP_ENDED) {
            ended_status(t);
            t->mode = RUN_IDLE;
        }
        return;
    }
    case RUN_IDLE: return;
    }
}

/* --- drawing -------------------------------------------------------------- */

static void frame(tui *t, WINDOW *w, hv_view *v, bool focused)
{
    const hv_theme *th = &t->theme;
    wattrset(w, hv_attr(th, focused ? CLR_BORDER_FOCUS : CLR_BORDER));
    box(w, 0, 0);
    wattrset(w, A_NORMAL);
    int width = getmaxx(w);
    char title[160];
    snprintf(title, sizeof title, " %s%s ", focused ? th->glyph[GL_CURRENT] : "", v->ops->title);
    int x = 1;
    x += vb_put(w, 0, x, title, width - 2 - x, hv_attr(th, focused ? CLR_TITLE_FOCUS : CLR_TITLE));
    if (v->subtitle[0] && x < width - 4) {
        snprintf(title, sizeof title, " %s ", v->subtitle);
        vb_put(w, 0, x, title, width - 2 - x, hv_attr(th, CLR_LABEL));
    }
}

static void draw_pane(tui *t, hv_view_id id)
{
    hv_rect r = t->lay.rect[id];
    WINDOW *w = newwin(r.h, r.w, r.y, r.x);
    if (!w)
        return;
    hv_view *v = &t->views[id];
    wbkgdset(w, ' ' | hv_attr(&t->theme, CLR_NORMAL));
    werase(w);
    WINDOW *in = r.h > 2 && r.w > 2 ? derwin(w, r.h - 2, r.w - 2, 1, 1) : NULL;
    v->subtitle[0] = 0;
    if (in && r.w - 2 >= v->ops->min_w && r.h - 2 >= v->ops->min_h) {
        v->ops->draw(v, t->snap, in);
    } else if (in) {
        char msg[96];
        if (r.w - 2 < v->ops->min_w)
            snprintf(msg, sizeof msg, "%s: widen to %d columns", v->ops->title, v->ops->min_w + 2);
        else
            snprintf(msg, sizeof msg, "%s: needs %d rows", v->ops->title, v->ops->min_h + 2);
        hv_view_message(&t->theme, in, msg);
    }
    if (in)
        delwin(in);
    frame(t, w, v, (int)id == t->focus);
    wnoutrefresh(w);
    delwin(w);
}

static void draw_status(tui *t, int cols)
{
    const hv_snapshot *s = t->snap;
    char line[512], a[32], b[32];
    const char *name = t->script && t->script->title ? t->script->title : t->o.guest;
    const char *slash = strrchr(name, '/');
    snprintf(line, sizeof line, " hvlab · %s · %s%s · %s · insn %s · cycles %s%s%s",
             slash && !t->script ? slash + 1 : name, hv_paging_name(t->o.cfg.paging),
             t->o.cfg.paging == HV_PAGING_NESTED ? (t->o.cfg.nested.npt ? " NPT" : " EPT") : "",
             t->run_state, vb_num(s->ctr.instructions, a, sizeof a),
             vb_num(s->ctr.cycles, b, sizeof b), s->status[0] ? " · " : "", s->status);
    attrset(hv_attr(&t->theme, CLR_STATUS));
    mvhline(0, 0, ' ', cols);
    /* The right end (layout, zoom, hidden panes) is always in sight. */
    char right[64];
    int shown = 0;
    for (int id = 0; id < VIEW__COUNT; id++)
        shown += t->lay.shown[id];
    if (t->zoom >= 0)
        snprintf(right, sizeof right, " %s · zoom ", hv_layout_name(t->layout));
    else if (t->lay.hidden)
        snprintf(right, sizeof right, " %s · %d of %d panes ", hv_layout_name(t->layout), shown,
                 shown + t->lay.hidden);
    else
        snprintf(right, sizeof right, " %s ", hv_layout_name(t->layout));
    int rc = vb_strcols(right);
    if (rc > cols / 2)
        rc = 0;
    vb_put(stdscr, 0, 0, line, cols - rc, hv_attr(&t->theme, CLR_STATUS));
    if (rc)
        vb_put(stdscr, 0, cols - rc, right, rc, hv_attr(&t->theme, CLR_STATUS));
    attrset(A_NORMAL);
}

static void draw(tui *t)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    switch (t->mode) {
    case RUN_IDLE: snprintf(t->run_state, sizeof t->run_state, "paused"); break;
    case RUN_CONTINUOUS:
        snprintf(t->run_state, sizeof t->run_state, "running %u/s", speeds[t->speed]);
        break;
    case RUN_SEARCH: snprintf(t->run_state, sizeof t->run_state, "searching"); break;
    case RUN_TO_END: snprintf(t->run_state, sizeof t->run_state, "running to the end"); break;
    }
    t->snap->run_state = t->run_state;
    hv_layout_in in = {.cols = cols, .rows = rows, .kind = t->layout,
                       .paging = t->o.cfg.paging, .scenario = t->script != NULL,
                       .zoom = t->zoom, .big = t->big};
    hv_layout_compute(&in, &t->lay);
    bkgdset(' ' | hv_attr(&t->theme, CLR_NORMAL));
    erase();
    if (t->lay.too_small) {
        char msg[96];
        snprintf(msg, sizeof msg, "hvlab needs at least %dx%d (this terminal is %dx%d)",
                 HV_MIN_COLS, HV_MIN_ROWS, cols, rows);
        vb_put(stdscr, rows / 2, 0, msg, cols, hv_attr(&t->theme, CLR_WARN));
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    /* Focus stays on a shown pane. */
    if (!t->lay.shown[t->focus])
        for (int id = 0; id < VIEW__COUNT; id++)
            if (t->lay.shown[id]) {
                t->focus = id;
                break;
            }
    draw_status(t, cols);
    hv_keybar_draw(&t->theme, rows - 1, cols);
    wnoutrefresh(stdscr);
    for (int id = 0; id < VIEW__COUNT; id++)
        if (t->lay.shown[id])
            draw_pane(t, (hv_view_id)id);
    if (t->help)
        hv_help_draw(&t->help_view, &t->theme, rows, cols);
    doupdate();
}

/* --- requests ------------------------------------------------------------- */

static void cycle_focus(tui *t, int dir)
{
    if (t->layout == HV_LAYOUT_LECTURE && t->zoom < 0) {
        /* Lecture: Tab chooses the big pane. */
        int id = t->big;
        for (int k = 0; k < VIEW__COUNT; k++) {
            id = (id + dir + VIEW__COUNT) % VIEW__COUNT;
            if (hv_layout_can_be_big((hv_view_id)id) &&
                hv_layout_applies((hv_view_id)id, t->o.cfg.paging))
                break;
        }
        t->big = t->focus = id;
        return;
    }
    int id = t->focus;
    for (int k = 0; k < VIEW__COUNT; k++) {
        id = (id + dir + VIEW__COUNT) % VIEW__COUNT;
        if (t->lay.shown[id])
            break;
    }
    t->focus = id;
}

static void set_theme(tui *t, hv_scheme scheme)
{
    hv_theme_init(&t->theme, scheme, t->layout == HV_LAYOUT_LECTURE,
                  t->theme.utf8);
    if (scheme != HV_SCHEME_MONO && t->theme.scheme == HV_SCHEME_MONO)
        set_status(t, "no colours here (NO_COLOR or the terminal): monochrome");
}

/* Returns false to quit. */
static bool request(tui *t, hv_request req)
{
    if (t->help) {
        if (req == REQ_HELP || req == REQ_QUIT)
            t->help = false;
        else
            hv_view_scroll_key(&t->help_view, req);
        return true;
    }
    if (t->mode == RUN_SEARCH || t->mode == RUN_TO_END) {
        stop_running(t);
        set_status(t, "stopped by a key");
        return true;
    }
    hv_view *v = &t->views[t->focus];
    unsigned r = v->ops->handle_key ? v->ops->handle_key(v, req) : hv_view_scroll_key(v, req);
    if (r & VIEW_QUIT)
        return false;
    if (r & VIEW_HANDLED)
        return true;
    switch (req) {
    case REQ_STEP: step_one(t); break;
    case REQ_NEXT_MISS:
    case REQ_NEXT_EXIT:
    case REQ_NEXT_FAULT:
    case REQ_NEXT_IO:
        start_search(t, req);
        advance(t); /* most searches end in the first chunk */
        break;
    case REQ_NEXT_AGAIN:
        start_search(t, t->search ? t->search : REQ_NEXT_MISS);
        advance(t);
        break;
    case REQ_RUN_PAUSE:
        if (t->mode == RUN_CONTINUOUS) {
            stop_running(t);
        } else {
            t->mode = RUN_CONTINUOUS;
            t->next_tick = now_s();
            t->snap->status[0] = 0;
        }
        break;
    case REQ_FASTER:
    case REQ_SLOWER:
        if (req == REQ_FASTER && t->speed + 1 < NSPEEDS)
            t->speed++;
        if (req == REQ_SLOWER && t->speed > 0)
            t->speed--;
        set_status(t, "speed %u instructions/s", speeds[t->speed]);
        break;
    case REQ_RUN_END:
        t->mode = RUN_TO_END;
        hv_snapshot_begin_step(t->snap);
        set_status(t, "running to the end (any key stops)");
        advance(t);
        break;
    case REQ_STEP_NEXT:
    case REQ_STEP_PREV:
        if (!t->script)
            set_status(t, "a bare guest has no scenario steps");
        break;
    case REQ_RESTART: {
        stop_running(t);
        hv_err err = machine_start(t);
        if (err)
            set_status(t, "restart failed: %s", hv_strerror(err));
        else
            set_status(t, "restarted from power-on");
        break;
    }
    case REQ_FOCUS_NEXT: cycle_focus(t, 1); break;
    case REQ_FOCUS_PREV: cycle_focus(t, -1); break;
    case REQ_ZOOM: t->zoom = t->zoom >= 0 ? -1 : t->focus; break;
    case REQ_LAYOUT:
        t->layout = (hv_layout_kind)((t->layout + 1) % HV_LAYOUT__COUNT);
        t->zoom = -1;
        set_theme(t, t->theme.scheme);
        set_status(t, "%s layout", hv_layout_name(t->layout));
        break;
    case REQ_THEME:
        set_theme(t, (hv_scheme)((t->theme.scheme + 1) % HV_SCHEME__COUNT));
        if (!t->snap->status[0])
            set_status(t, "%s colours", hv_scheme_name(t->theme.scheme));
        break;
    case REQ_HELP:
        t->help = true;
        t->help_view.scroll = 0;
        break;
    case REQ_QUIT: return false;
    default: break;
    }
    return true;
}

static void mouse(tui *t)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || t->lay.too_small)
        return;
    for (int id = 0; id < VIEW__COUNT; id++) {
        hv_rect r = t->lay.rect[id];
        if (!t->lay.shown[id] || ev.y < r.y || ev.y >= r.y + r.h || ev.x < r.x ||
            ev.x >= r.x + r.w)
            continue;
        if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED))
            t->focus = id;
#if defined(BUTTON5_PRESSED)
        hv_view *v = &t->views[id];
        for (int k = 0; k < 3; k++) {
            if (ev.bstate & BUTTON4_PRESSED)
                hv_view_scroll_key(v, REQ_SCROLL_UP);
            if (ev.bstate & BUTTON5_PRESSED)
                hv_view_scroll_key(v, REQ_SCROLL_DOWN);
        }
#endif
        return;
    }
}

/* --- the way in and out ------------------------------------------------------ */

static bool screen_start(tui *t)
{
    setlocale(LC_ALL, "");
    bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    /* Ours, before curses: it installs its own only where none is set. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    const char *term = getenv("TERM");
    if (!newterm(NULL, stdout, stdin)) {
        fprintf(stderr, "hvlab: cannot drive terminal type '%s'\n", term ? term : "");
        return false;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#if defined(BUTTON5_PRESSED)
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    mouseinterval(0);
    if (hv_theme_colour_ok()) {
        start_color();
        if (use_default_colors() != OK)
            assume_default_colors(COLOR_WHITE, COLOR_BLACK);
    }
    t->theme.utf8 = utf8;
    hv_theme_init(&t->theme, t->o.scheme, t->layout == HV_LAYOUT_LECTURE, utf8);
    return true;
}

static void loop(tui *t)
{
    bool dirty = true;
    while (!got_signal) {
        if (dirty)
            draw(t);
        dirty = false;
        int wait = 250;
        if (t->mode == RUN_SEARCH || t->mode == RUN_TO_END)
            wait = 0;
        else if (t->mode == RUN_CONTINUOUS) {
            double left = t->next_tick - now_s();
            wait = left > 0 ? (int)(left * 1000) + 1 : 0;
        }
        timeout(wait);
        int ch = getch();
        if (got_signal)
            break;
        if (ch == ERR) {
            if (t->mode != RUN_IDLE) {
                advance(t);
                dirty = true;
            }
            continue;
        }
        dirty = true;
        if (ch == KEY_RESIZE)
            continue; /* the next frame lays out for the new size */
        if (ch == KEY_MOUSE) {
            mouse(t);
            continue;
        }
        hv_request req = hv_request_for_key(ch);
        if (req == REQ_NONE && t->help && ch == 27)
            req = REQ_HELP;
        if (req == REQ_NONE && t->mode != RUN_SEARCH && t->mode != RUN_TO_END)
            continue;
        if (!request(t, req))
            break;
    }
}

int cli_tui(int argc, char **argv)
{
    tui *t = calloc(1, sizeof *t);
    if (!t)
        return CLI_BAD_INPUT;
    int rc = tui_parse(argc, argv, &t->o);
    if (rc >= 0)
        goto out_free;
    rc = CLI_BAD_INPUT;
    if (!cli_assemble_listing(t->o.guest, &t->image, &t->image_len, &t->source))
        goto out_free;
    t->snap = hv_snapshot_new();
    if (!t->snap) {
        fprintf(stderr, "hvlab: out of memory\n");
        goto out_free;
    }
    hv_err err = machine_start(t);
    if (err) {
        fprintf(stderr, "hvlab: %s: %s\n", t->o.guest, hv_strerror(err));
        goto out_free;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "hvlab: the TUI needs a terminal; `hvlab run %s` runs it headless\n",
                t->o.guest);
        goto out_free;
    }
    t->layout = t->o.layout;
    t->zoom = -1;
    t->focus = VIEW_CODE;
    t->big = VIEW_WALK;
    t->speed = 4;
    if (!screen_start(t))
        goto out_free;
    for (int id = 0; id < VIEW__COUNT; id++)
        hv_view_init(&t->views[id], (hv_view_id)id, &t->theme);
    hv_view_init(&t->help_view, VIEW_NARRATION, &t->theme);
    loop(t);
    endwin();
    rc = got_signal ? 128 + got_signal : CLI_OK;
out_free:
    hv_machine_destroy(t->m);
    hv_snapshot_free(t->snap);
    cli_source_free(t->source);
    free(t->image);
    free(t);
    return rc;
}
