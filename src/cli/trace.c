/* hvlab command line: the trace file, the event stream as JSON Lines,
 * written to a temporary file and renamed over the target when complete
 * (STYLE.md practice 11), so a failed run never leaves half a trace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct cli_trace {
    FILE *f;
    char *path;
    char *tmp;
    bool failed;
};

cli_trace *cli_trace_open(const char *path)
{
    cli_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t n = strlen(path) + 16;
    t->path = strdup(path);
    t->tmp = malloc(n);
    if (!t->path || !t->tmp)
        goto fail;
    snprintf(t->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(t->tmp);
    if (fd < 0) {
        fprintf(stderr, "hvlab: --trace %s: %s\n", path, strerror(errno));
        goto fail;
    }
    t->f = fdopen(fd, "w");
    if (!t->f) {
        close(fd);
        unlink(t->tmp);
        goto fail;
    }
    return t;
fail:
    free(t->path);
    free(t->tmp);
    free(t);
    return NULL;
}

void cli_trace_sink(void *opaque, const hv_event *ev)
{
    cli_trace *t = opaque;
    char line[512];
    if (t->failed)
        return;
    hv_event_format_json(ev, line, sizeof line);
    if (fputs(line, t->f) == EOF || fputc('\n', t->f) == EOF)
        t->failed = true;
}

bool cli_trace_close(cli_trace *t)
{
    bool ok = !t->failed;
    const char *step = "write";
    if (ok && fflush(t->f) != 0)
        ok = false, step = "flush";
    if (ok && fsync(fileno(t->f)) != 0)
        ok = false, step = "fsync";
    if (fclose(t->f) != 0 && ok)
        ok = false, step = "close";
    if (ok && rename(t->tmp, t->path) != 0)
        ok = false, step = "rename";
    if (!ok) {
        fprintf(stderr, "hvlab: --trace %s: %s failed: %s\n", t->path, step,
                strerror(errno));
        unlink(t->tmp);
    }
    free(t->path);
    free(t->tmp);
    free(t);
    return ok;
}

void cli_trace_abort(cli_trace *t)
{
    fclose(t->f);
    unlink(t->tmp);
    free(t->path);
    free(t->tmp);
    free(t);
}
