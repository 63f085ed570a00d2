/* hvlab command line: the TUI's parts shared between its files.
 *
 *   tui.c           the main loop: keys to requests, drawing, the way in
 *                   and out (terminal restored on every exit)
 *   tui_run.c       driving the machine: step, run to the next event of a
 *                   kind, continuous runs, restart
 *   tui_scenario.c  a scenario's steps (src/scenario): narration, running
 *                   a step, checkpoints, answering questions
 *   tui_opts.c      the command line of `hvlab FILE [options]`
 */
#ifndef HV_CLI_TUI_H
#define HV_CLI_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"
#include "views/layout.h"
#include "views/snapshot.h"
#include "views/theme.h"
#include "views/view.h"

typedef struct tui_opts {
    const char *file;  /* GUEST.asm or FILE.json */
    bool scenario;     /* file is a scenario */
    hv_config cfg;     /* a bare guest's machine */
    bool paging_set;   /* --paging given (a scenario's mode otherwise) */
    bool machine_opts; /* options a scenario sets itself were given */
    hv_layout_kind layout;
    hv_scheme scheme;
    bool lecture;
    uint64_t search_limit; /* instructions a "run to the next ..." may take */
} tui_opts;

/* tui_opts.c: parses `hvlab FILE [options]`. Returns -1 when the TUI
 * should start, else the exit status (after printing why). */
int tui_parse(int argc, char **argv, tui_opts *o);

typedef enum tui_mode {
    RUN_IDLE = 0,
    RUN_CONTINUOUS, /* r: at the chosen speed, one step per tick */
    RUN_SEARCH,     /* m/x/f/o/n: to the next event of a kind */
    RUN_TO_END,     /* e on a bare guest: until it ends */
} tui_mode;

typedef struct tui_scn tui_scn;

typedef struct tui {
    tui_opts o;
    hv_config cfg; /* what machine_start creates */
    uint8_t *image;
    size_t image_len;
    hv_source *source;
    hv_machine *m;
    hv_snapshot *snap;
    tui_scn *scn; /* NULL: a bare guest */

    hv_theme theme;
    hv_view views[VIEW__COUNT];
    hv_view help_view;
    hv_layout lay;
    hv_layout_kind layout;
    int zoom, focus, big;
    bool help;

    tui_mode mode;
    hv_request search; /* which NEXT_* the search (and n) looks for */
    uint64_t search_left;
    unsigned speed;
    double next_tick;
    char run_state[48];
} tui;

/* tui_run.c */
hv_err tui_machine_start(tui *t);
void tui_status(tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void tui_step_one(tui *t);
void tui_start_search(tui *t, hv_request kind);
void tui_run_to_end(tui *t);
void tui_toggle_run(tui *t);
void tui_speed(tui *t, int dir);
/* One slice of the current run mode (called when no key is waiting). */
void tui_advance(tui *t);
/* Milliseconds the loop may wait for a key before tui_advance is due. */
int tui_wait_ms(const tui *t);
const char *tui_run_state(tui *t);

/* tui_scenario.c: NULL-safe where it says so. */
/* Loads, assembles and configures the scenario o->file (errors printed,
 * one line); fills t->cfg. Returns -1 on success, else the exit status. */
int tui_scn_open(tui *t);
void tui_scn_close(tui *t);
/* After the machine was (re)created: a fresh runner, results forgotten. */
hv_err tui_scn_attach(tui *t);
/* Runs the next step through the scenario runner. */
void tui_scn_run_step(tui *t);
/* Shows the next / previous step's narration (dir = +1 / -1). */
void tui_scn_show(tui *t, int dir);
/* Whether the shown step has a question still open; its prompt. */
bool tui_scn_question(const tui *t, char *prompt, size_t len);
/* Holds a response to the shown step's open question. */
void tui_scn_answer(tui *t, const char *response);
/* The scenario's title, or NULL for a bare guest. */
const char *tui_scn_title(const tui *t);

#endif
