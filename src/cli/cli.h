/* hvlab command line: shared declarations of the front ends. */
#ifndef HV_CLI_H
#define HV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
void cli_report_text(hv_machine *m, const char *guest, bool limit_hit);
bool cli_report_json(hv_machine *m, const char *scenario, const char *guest);

/* run.c */
int cli_run(int argc, char **argv);

#endif
