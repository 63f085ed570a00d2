/* hvlab command line: the TUI's parts shared between its files. */
#ifndef HV_CLI_TUI_H
#define HV_CLI_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"
#include "views/layout.h"
#include "views/snapshot.h"
#include "views/theme.h"

typedef struct tui_opts {
    const char *guest;
    hv_config cfg;
    hv_layout_kind layout;
    hv_scheme scheme;
    bool lecture;
    uint64_t search_limit; /* instructions a "run to the next ..." may take */
} tui_opts;

/* tui_opts.c: parses `hvlab GUEST.asm [options]`. Returns -1 when the
 * TUI should start, else the exit status (after printing why). */
int tui_parse(int argc, char **argv, tui_opts *o);

/* The scenario seam (src/scenario, when it lands): what a step script
 * gives the TUI. A bare guest has none. The TUI shows the step's title and
 * narration, makes its `focus` pane the lecture layout's big pane, and
 * REQ_RUN_END runs until the step's stop predicate fires. */
typedef struct tui_script {
    void *ctx;
    const char *title;
    int nsteps;
    const char *(*step_title)(void *ctx, int step);
    const char *(*narration)(void *ctx, int step);
    int (*focus)(void *ctx, int step); /* a hv_view_id, or -1 */
    /* The step's "until": a stop predicate and a budget (0: none). */
    hv_stop_fn (*until)(void *ctx, int step, void **opaque, uint64_t *budget);
} tui_script;

#endif
