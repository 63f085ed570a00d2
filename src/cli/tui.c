/* hvlab command line: the TUI's main loop (issue 7; ../shared/TUI.md).
 *
 * A key becomes a request (views/request.h); the focused pane may take it
 * (it scrolls or toggles what it shows), otherwise the loop does it: runs
 * through tui_run.c (the only code that drives the machine) or
 * tui_scenario.c, focus, zoom, layout, theme, help, quit. The snapshot,
 * fed by the machine's event sink, is all the panes see. The layout is
 * recomputed from the terminal size and the toggles on every frame
 * (views/layout.c); KEY_RESIZE is handled here only. The terminal is restored
 * on every way out: quit, SIGINT, SIGTERM, SIGHUP, or an error (printed after
 * endwin).
 */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/tui.h"
#include "views/help.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
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
    snprintf(title, sizeof title, " %s%s ",
             focused ? th->glyph[GL_CURRENT] : "", v->ops->title);
    int x = 1;
    x += vb_put(w, 0, x, title, width - 2 - x,
                hv_attr(th, focused ? CLR_TITLE_FOCUS : CLR_TITLE));
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
            snprintf(msg, sizeof msg, "%s: widen to %d columns", v->ops->title,
                     v->ops->min_w + 2);
        else
            snprintf(msg, sizeof msg, "%s: needs %d rows", v->ops->title,
                     v->ops->min_h + 2);
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
    const char *title = tui_scn_title(t);
    const char *name = title ? title : t->o.file;
    const char *slash = strrchr(name, '/');
    char step[32] = "";
    if (t->scn)
        snprintf(step, sizeof step, " · step %d/%d", s->step_index + 1,
                 s->step_count);
    snprintf(line, sizeof line,
             " hvlab · %s%s · %s%s · %s · insn %s · cycles %s%s%s",
             slash && !title ? slash + 1 : name, step,
             hv_paging_name(t->cfg.paging),
             t->cfg.paging == HV_PAGING_NESTED
                 ? (t->cfg.nested.npt ? " NPT" : " EPT")
                 : "",
             t->run_state, vb_num(s->ctr.instructions, a, sizeof a),
             vb_num(s->ctr.cycles, b, sizeof b), s->status[0] ? " · " : "",
             s->status);
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
        snprintf(right, sizeof right, " %s · %d of %d panes ",
                 hv_layout_name(t->layout), shown, shown + t->lay.hidden);
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
    tui_run_state(t);
    t->snap->run_state = t->run_state;
    hv_layout_in in = {.cols = cols,
                       .rows = rows,
                       .kind = t->layout,
                       .paging = t->cfg.paging,
                       .scenario = t->scn != NULL,
                       .zoom = t->zoom,
                       .big = t->big};
    hv_layout_compute(&in, &t->lay);
    bkgdset(' ' | hv_attr(&t->theme, CLR_NORMAL));
    erase();
    if (t->lay.too_small) {
        char msg[96];
        snprintf(msg, sizeof msg,
                 "hvlab needs at least %dx%d (this terminal is %dx%d)",
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
                hv_layout_applies((hv_view_id)id, t->cfg.paging))
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
        tui_status(t, "no colours here (NO_COLOR or the terminal): monochrome");
}

/* A one-line editor on the key bar's row; false when cancelled. */
static bool line_edit(tui *t, const char *prompt, char *text, size_t cap,
                      const char *hint)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    size_t n = 0;
    timeout(-1);
    for (;;) {
        attr_t a = hv_attr(&t->theme, CLR_KEYBAR);
        attrset(a);
        mvhline(rows - 1, 0, ' ', cols);
        int x = vb_put(stdscr, rows - 1, 0, prompt, cols,
                       hv_attr(&t->theme, CLR_KEYBAR_KEY));
        x += vb_put(stdscr, rows - 1, x, text, cols - x, a);
        vb_put(stdscr, rows - 1, x, hint, cols - x, a);
        attrset(A_NORMAL);
        refresh();
        int ch = getch();
        if (got_signal || ch == 27)
            return false;
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
            return true;
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
            text[--n] = 0;
        else if (ch >= 32 && ch < 127 && n + 1 < cap) {
            text[n++] = (char)ch;
            text[n] = 0;
        }
    }
}

/* The answer to the step's open question. */
static void answer(tui *t)
{
    char prompt[64], text[64] = "";
    if (!tui_scn_question(t, prompt, sizeof prompt)) {
        tui_status(t, "%s",
                   t->scn ? "no open question in this step"
                          : "a bare guest has no questions");
        return;
    }
    if (line_edit(t, prompt, text, sizeof text,
                  "_  (Enter answers, Esc cancels)"))
        tui_scn_answer(t, text);
}

/* A line typed on VM 0's console: its UART receives it, Enter included
 * (docs/devices.md "Console input"). */
static void type_input(tui *t)
{
    char text[200] = "";
    if (!line_edit(t, "console: ", text, sizeof text - 1,
                   "_  (Enter sends it with a newline, Esc cancels)"))
        return;
    size_t len = strlen(text), taken = 0;
    text[len++] = '\n';
    hv_machine_console_input(t->m, 0, (const uint8_t *)text, len, &taken);
    if (taken < len)
        tui_status(t, "the console queue is full: %zu of %zu bytes typed",
                   taken, len);
    else
        tui_status(t, "typed %zu bytes on the console", len);
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
        t->mode = RUN_IDLE;
        tui_status(t, "stopped by a key");
        return true;
    }
    hv_view *v = &t->views[t->focus];
    unsigned r = v->ops->handle_key ? v->ops->handle_key(v, req)
                                    : hv_view_scroll_key(v, req);
    if (r & VIEW_QUIT)
        return false;
    if (r & VIEW_HANDLED)
        return true;
    switch (req) {
    case REQ_STEP: tui_step_one(t); break;
    case REQ_NEXT_MISS:
    case REQ_NEXT_EXIT:
    case REQ_NEXT_FAULT:
    case REQ_NEXT_IO:
    case REQ_NEXT_INTR: tui_start_search(t, req); break;
    case REQ_NEXT_AGAIN:
        tui_start_search(t, t->search ? t->search : REQ_NEXT_MISS);
        break;
    case REQ_RUN_PAUSE: tui_toggle_run(t); break;
    case REQ_FASTER: tui_speed(t, 1); break;
    case REQ_SLOWER: tui_speed(t, -1); break;
    case REQ_RUN_END:
        if (t->scn)
            tui_scn_run_step(t);
        else
            tui_run_to_end(t);
        break;
    case REQ_STEP_NEXT:
    case REQ_STEP_PREV:
        if (t->scn)
            tui_scn_show(t, req == REQ_STEP_NEXT ? 1 : -1);
        else
            tui_status(t, "a bare guest has no scenario steps");
        break;
    case REQ_ANSWER: answer(t); break;
    case REQ_TYPE: type_input(t); break;
    case REQ_RESTART: {
        hv_err err = tui_machine_start(t);
        if (err)
            tui_status(t, "restart failed: %s", hv_strerror(err));
        else
            tui_status(t, "restarted from power-on");
        break;
    }
    case REQ_FOCUS_NEXT: cycle_focus(t, 1); break;
    case REQ_FOCUS_PREV: cycle_focus(t, -1); break;
    case REQ_ZOOM: t->zoom = t->zoom >= 0 ? -1 : t->focus; break;
    case REQ_LAYOUT:
        t->layout = (hv_layout_kind)((t->layout + 1) % HV_LAYOUT__COUNT);
        t->zoom = -1;
        set_theme(t, t->theme.scheme);
        tui_status(t, "%s layout", hv_layout_name(t->layout));
        break;
    case REQ_THEME:
        set_theme(t, (hv_scheme)((t->theme.scheme + 1) % HV_SCHEME__COUNT));
        if (!t->snap->status[0])
            tui_status(t, "%s colours", hv_scheme_name(t->theme.scheme));
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
        if (!t->lay.shown[id] || ev.y < r.y || ev.y >= r.y + r.h ||
            ev.x < r.x || ev.x >= r.x + r.w)
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

/* --- the way in and out ------------------------------------------------------
 */

static SCREEN *screen_start(tui *t)
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
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        fprintf(stderr, "hvlab: cannot drive terminal type '%s'\n",
                term ? term : "");
        return NULL;
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
    return scr;
}

static void loop(tui *t)
{
    bool dirty = true;
    while (!got_signal) {
        if (dirty)
            draw(t);
        dirty = false;
        timeout(tui_wait_ms(t));
        int ch = getch();
        if (got_signal)
            break;
        if (ch == ERR) {
            if (t->mode != RUN_IDLE) {
                tui_advance(t);
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

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Everything that can be wrong with the input is found here, before the
 * screen starts: one line on stderr and exit 2, no curses at all. */
static int prepare(tui *t)
{
    t->snap = hv_snapshot_new();
    if (!t->snap) {
        fprintf(stderr, "hvlab: out of memory\n");
        return CLI_BAD_INPUT;
    }
    if (t->o.scenario) {
        int rc = tui_scn_open(t);
        if (rc >= 0)
            return rc;
    } else {
        if (!cli_assemble_listing(t->o.file, &t->image, &t->image_len,
                                  &t->source))
            return CLI_BAD_INPUT;
        t->cfg = t->o.cfg;
        t->cfg.vms[0].image = t->image;
        t->cfg.vms[0].image_len = t->image_len;
    }
    hv_err err = tui_machine_start(t);
    if (err) {
        fprintf(stderr, "hvlab: %s: %s\n", t->o.file, hv_strerror(err));
        return CLI_BAD_INPUT;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr,
                "hvlab: the TUI needs a terminal; `hvlab run %s` runs it "
                "headless\n",
                t->o.file);
        return CLI_BAD_INPUT;
    }
    return -1;
}

int cli_tui(int argc, char **argv)
{
    tui *t = calloc(1, sizeof *t);
    if (!t)
        return CLI_BAD_INPUT;
    int rc = tui_parse(argc, argv, &t->o);
    if (rc >= 0)
        goto out_free;
    t->o.scenario = has_suffix(t->o.file, ".json");
    t->layout = t->o.layout;
    t->zoom = -1;
    t->focus = VIEW_CODE;
    t->big = VIEW_WALK;
    t->speed = 4;
    rc = prepare(t);
    if (rc >= 0)
        goto out_free;
    SCREEN *scr = screen_start(t);
    rc = CLI_BAD_INPUT;
    if (!scr)
        goto out_free;
    for (int id = 0; id < VIEW__COUNT; id++)
        hv_view_init(&t->views[id], (hv_view_id)id, &t->theme);
    hv_view_init(&t->help_view, VIEW_NARRATION, &t->theme);
    loop(t);
    endwin();
    delscreen(scr);
    rc = got_signal ? 128 + got_signal : CLI_OK;
out_free:
    tui_scn_close(t);
    hv_machine_destroy(t->m);
    hv_snapshot_free(t->snap);
    cli_source_free(t->source);
    free(t->image);
    free(t);
    return rc;
}
