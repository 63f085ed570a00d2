/* hvlab command line: shared declarations of the front ends. */
#ifndef HV_CLI_H
#define HV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hv.h"

/* Exit statuses (DESIGN.md §5). */
enum {
    CLI_OK = 0,
    CLI_CHECK_FAILED = 1,
    CLI_BAD_INPUT = 2,
    CLI_LIMIT = 3,
};

/* asm.c: assembles a NASM guest with `nasm -f bin`. On success *image and
 * *len hold the flat binary (free it). On failure returns false and prints
 * NASM's messages (they name the guest file and line) to stderr. */
bool cli_assemble(const char *path, uint8_t **image, size_t *len);
struct hv_source; /* views/snapshot.h */
bool cli_assemble_listing(const char *path, uint8_t **image, size_t *len,
                          struct hv_source **source);
/* listing.c: NASM's listing as source rows; NULL when it cannot be read. */
struct hv_source *cli_listing_read(const char *lst_path, const char *guest);
void cli_source_free(struct hv_source *src);
/* Where the bundled scenarios and scenarios/guest/hvlab.inc live. */
const char *cli_datadir(void);

/* options.c: parsing helpers; each prints its own error. */
bool cli_parse_size(const char *opt, const char *s, uint64_t *out);
bool cli_parse_u64(const char *opt, const char *s, uint64_t *out);

/* trace.c: a sink writing the event stream as JSON Lines to a temporary
 * file that replaces `path` atomically when it is closed. */
typedef struct cli_trace cli_trace;
cli_trace *cli_trace_open(const char *path);
void cli_trace_sink(void *opaque, const hv_event *ev);
/* Returns false (and prints why) if any write failed; the target file is
 * then left as it was. */
bool cli_trace_close(cli_trace *t);
/* Discards the trace: the target file is left as it was. */
void cli_trace_abort(cli_trace *t);

/* report.c */
struct cJSON;
void cli_report_text(hv_machine *m, const char *guest, bool limit_hit);
bool cli_report_json(hv_machine *m, const char *scenario, const char *guest);
/* The DESIGN.md §5 object, for a caller that adds keys; print (and free)
 * it with cli_report_print. */
struct cJSON *cli_report_object(hv_machine *m, const char *scenario,
                                const char *guest);
bool cli_report_print(struct cJSON *root);

/* run.c */
int cli_run(int argc, char **argv);

/* tui.c: `hvlab GUEST.asm [options]`, the interactive screen. */
int cli_tui(int argc, char **argv);

/* scenario_run.c: `hvlab run FILE.json`. */
struct hv_scn;
int cli_run_scenario(int argc, char **argv);
/* Loads and assembles a scenario, printing its errors to stderr (the first
 * `max_errors`, 0: all); returns CLI_OK or CLI_BAD_INPUT. */
int cli_scenario_open(const char *path, size_t max_errors,
                      struct hv_scn **out);
/* Where a scenario run writes: each may be NULL. */
typedef struct cli_scn_io {
    const char *trace;   /* the event stream, as JSON Lines */
    FILE *text;          /* per-step results */
    FILE *fails;         /* FILE:LINE:COL lines of failed checkpoints */
    struct cJSON *steps; /* one object per step is appended */
} cli_scn_io;
/* What running every step of a scenario once gave. */
typedef struct cli_scn_outcome {
    int status; /* CLI_OK, CLI_CHECK_FAILED, CLI_BAD_INPUT, CLI_LIMIT */
    unsigned checks, failed;
    bool limit;
    char bad[1024]; /* with CLI_BAD_INPUT: the one line saying why */
} cli_scn_outcome;
/* Runs every step of `s` under `paging` on a new machine (*m, which the
 * caller destroys; NULL when it could not be made). */
void cli_scenario_exec(const struct hv_scn *s, hv_paging paging,
                       const cli_scn_io *io, hv_machine **m,
                       cli_scn_outcome *out);

/* check.c, compare.c */
int cli_check(int argc, char **argv);
int cli_compare(int argc, char **argv);

#endif
