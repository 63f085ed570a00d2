/* hvlab command line: `hvlab run FILE.json`, a scenario headless
 * (DESIGN.md §5): every step, every checkpoint, the final counters.
 *
 * Bad input keeps the CLI's contract (tests/cli): exit 2, one line on
 * stderr, nothing on stdout, no trace file. A scenario can turn out to be
 * bad input only while it runs (a guest that touches memory that is not
 * RAM), so the per-step text and the failure lines are kept in memory and
 * written once the run is over. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"

static const char scenario_usage[] =
    "usage: hvlab run FILE.json [options]\n"
    "  --paging MODE   run under native, shadow or nested paging instead\n"
    "                  of the scenario's own mode\n"
    "  --trace FILE    write every event as JSON Lines\n"
    "  --json          print one JSON object (DESIGN.md §5, with \"steps\")\n"
    "exit status: 0 every checkpoint holds, 1 one fails, 2 bad input,\n"
    "3 machine.max_instructions ended a step before it got where it runs to\n";

int cli_scenario_open(const char *path, size_t max_errors, hv_scn **out)
{
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    char inc[4200];
    snprintf(inc, sizeof inc, "%s/guest", cli_datadir());
    hv_scn_err err = hv_scn_load(path, out, &d);
    if (!err) {
        err = hv_scn_assemble(*out, inc, &d);
        if (err) {
            hv_scn_free(*out);
            *out = NULL;
        }
    }
    hv_scn_diags_print(&d, stderr, max_errors);
    hv_scn_diags_free(&d);
    if (err == HV_SCN_ERR_NOMEM)
        fprintf(stderr, "hvlab: %s: out of memory\n", path);
    return err ? CLI_BAD_INPUT : CLI_OK;
}

/* 1234567 -> "1,234,567" */
static const char *grouped(uint64_t v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

static const char *outcome_name(hv_scn_outcome o)
{
    switch (o) {
    case HV_SCN_STEP_DONE: return "done";
    case HV_SCN_STEP_NOT_REACHED: return "not_reached";
    case HV_SCN_STEP_LIMIT: return "instruction_limit";
    case HV_SCN_STEP_BAD_GUEST: return "bad_guest";
    }
    return "?";
}

/* "step 2 'first-read'" */
static void step_name(const hv_scn_step *st, uint32_t i, char *buf,
                      size_t len)
{
    if (st->id)
        snprintf(buf, len, "step %u '%s'", i + 1, st->id);
    else
        snprintf(buf, len, "step %u", i + 1);
}

/* FILE:LINE:COL: PATH: what: detail */
static void where_line(const hv_scn *s, const hv_scn_loc *loc,
                       const char *what, const char *detail, char *buf,
                       size_t len)
{
    snprintf(buf, len, "%s:%u:%u: %s: %s: %s", s->file, loc->line, loc->col,
             loc->path ? loc->path : "$", what, detail);
}

static cJSON *check_json(const hv_scn_check *c, const hv_scn_check_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (c->name)
        cJSON_AddStringToObject(o, "name", c->name);
    else
        cJSON_AddNullToObject(o, "name");
    cJSON_AddStringToObject(o, "path", c->loc.path);
    cJSON_AddBoolToObject(o, "ok", r && r->ok);
    cJSON_AddStringToObject(o, "expected", r ? r->expected : "");
    cJSON_AddStringToObject(o, "actual", r ? r->actual : "not run");
    return o;
}

static cJSON *question_json(const hv_scn_question *q, const hv_scn_answer *a)
{
    cJSON *o = cJSON_CreateObject();
    if (q->id)
        cJSON_AddStringToObject(o, "id", q->id);
    else
        cJSON_AddNullToObject(o, "id");
    cJSON_AddStringToObject(o, "path", q->loc.path);
    cJSON_AddStringToObject(o, "kind",
                            q->kind == HV_SCN_Q_CHOICE ? "choice" : "number");
    if (a && a->known && q->kind == HV_SCN_Q_NUMBER)
        cJSON_AddNumberToObject(o, "answer", a->value);
    else if (a && a->known)
        cJSON_AddStringToObject(o, "answer", a->text);
    else
        cJSON_AddNullToObject(o, "answer");
    cJSON_AddBoolToObject(o, "computed", a && a->computed);
    cJSON_AddBoolToObject(o, "ok", a && a->ok);
    cJSON_AddStringToObject(o, "text", a ? a->text : "");
    return o;
}

/* One step's object of the `steps` array; `r` NULL: not run. */
static cJSON *step_json(const hv_scn *s, uint32_t i, const char *run,
                        const hv_scn_step_result *r)
{
    const hv_scn_step *st = &s->steps[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", i);
    if (st->id)
        cJSON_AddStringToObject(o, "id", st->id);
    else
        cJSON_AddNullToObject(o, "id");
    if (st->title)
        cJSON_AddStringToObject(o, "title", st->title);
    cJSON_AddStringToObject(o, "path", st->loc.path);
    cJSON_AddStringToObject(o, "run", run);
    cJSON_AddStringToObject(o, "outcome",
                            r ? outcome_name(r->outcome) : "not_run");
    cJSON_AddStringToObject(o, "detail", r ? r->detail : "");
    cJSON_AddNumberToObject(o, "instructions", r ? (double)r->instructions
                                                 : 0);
    cJSON_AddNumberToObject(o, "eip", r ? r->eip : 0);
    cJSON *checks = cJSON_AddArrayToObject(o, "checkpoints");
    for (uint32_t k = 0; k < st->nchecks; k++)
        cJSON_AddItemToArray(checks, check_json(&st->checks[k],
                                                r ? &r->checks[k] : NULL));
    cJSON *qs = cJSON_AddArrayToObject(o, "questions");
    for (uint32_t k = 0; k < st->nquestions; k++)
        cJSON_AddItemToArray(qs, question_json(&st->questions[k],
                                               r ? &r->answers[k] : NULL));
    return o;
}

/* Writes one step's results; returns the status it implies. */
static int report_step(const hv_scn *s, uint32_t i, const char *run,
                       const hv_scn_step_result *r, const cli_scn_io *io,
                       cli_scn_outcome *out)
{
    const hv_scn_step *st = &s->steps[i];
    char name[80], b1[32], lbl[48], line[900], title[HV_SCN_SHOW_LINE_LEN];
    step_name(st, i, name, sizeof name);
    FILE *t = io->text;
    if (t)
        fprintf(t, "step %u/%u%s%s%s%s%s%s: %s · %s instruction%s\n", i + 1,
                s->nsteps, st->id ? " '" : "", st->id ? st->id : "",
                st->id ? "'" : "", st->title ? " \"" : "",
                st->title ? hv_scn_show_line(st->title, title) : "",
                st->title ? "\"" : "", run,
                grouped(r->instructions, b1, sizeof b1),
                r->instructions == 1 ? "" : "s");
    if (r->outcome != HV_SCN_STEP_DONE) {
        const hv_scn_loc *at = st->until.loc.path ? &st->until.loc : &st->loc;
        where_line(s, at, name, r->detail, line, sizeof line);
        if (r->outcome == HV_SCN_STEP_BAD_GUEST) {
            snprintf(out->bad, sizeof out->bad, "%s", line);
            return CLI_BAD_INPUT;
        }
        if (t)
            fprintf(t, "  %-5s %s\n", r->outcome == HV_SCN_STEP_LIMIT
                                          ? "STOP" : "FAIL", r->detail);
        if (io->fails)
            fprintf(io->fails, "%s\n", line);
    }
    for (uint32_t k = 0; k < st->nchecks; k++) {
        const hv_scn_check_result *c = &r->checks[k];
        out->checks++;
        if (t)
            fprintf(t, "  %-5s %s%s%s\n", c->ok ? "ok" : "FAIL",
                    c->ok ? c->expected : c->actual,
                    c->ok ? "" : "; expected ", c->ok ? "" : c->expected);
        if (c->ok)
            continue;
        out->failed++;
        char what[200], detail[400];
        snprintf(what, sizeof what, "%s, checkpoint '%s' fails", name,
                 hv_scn_check_label(&st->checks[k], k, lbl, sizeof lbl));
        snprintf(detail, sizeof detail, "expected %s; got %s", c->expected,
                 c->actual);
        where_line(s, &st->checks[k].loc, what, detail, line, sizeof line);
        if (io->fails)
            fprintf(io->fails, "%s\n", line);
    }
    for (uint32_t k = 0; k < st->nquestions; k++) {
        const hv_scn_answer *a = &r->answers[k];
        const hv_scn_question *q = &st->questions[k];
        if (t)
            fprintf(t, "  %-5s question%s%s: %s\n", a->ok ? "ans" : "FAIL",
                    q->id ? " " : "", q->id ? q->id : "", a->text);
        if (a->ok)
            continue;
        out->failed++;
        char what[200];
        snprintf(what, sizeof what, "%s, question%s%s", name,
                 q->id ? " " : "", q->id ? q->id : "");
        where_line(s, &q->answer_loc, what, a->text, line, sizeof line);
        if (io->fails)
            fprintf(io->fails, "%s\n", line);
    }
    if (r->outcome == HV_SCN_STEP_LIMIT)
        return CLI_LIMIT;
    if (r->outcome == HV_SCN_STEP_NOT_REACHED || r->nfailed)
        return CLI_CHECK_FAILED;
    return CLI_OK;
}

/* The first message of `d` as one line, in out->bad. */
static void first_diag(const hv_scn_diags *d, cli_scn_outcome *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        hv_scn_diags_print(d, f, 1);
        fclose(f);
    }
    if (buf && len && buf[len - 1] == '\n')
        buf[len - 1] = 0;
    snprintf(out->bad, sizeof out->bad, "%s", buf ? buf : "out of memory");
    free(buf);
}

static hv_machine *make_machine(const hv_scn *s, hv_paging paging,
                                cli_scn_outcome *out)
{
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_config cfg;
    hv_machine *m = NULL;
    if (hv_scn_config(s, paging, &cfg, &d) != HV_SCN_OK) {
        first_diag(&d, out);
    } else {
        hv_err e = hv_machine_create(&cfg, &m);
        if (e)
            snprintf(out->bad, sizeof out->bad, "%s: the engine refuses this "
                     "machine (paging %s): %s", s->file,
                     hv_paging_name(paging), hv_strerror(e));
    }
    hv_scn_diags_free(&d);
    return m;
}

void cli_scenario_exec(const hv_scn *s, hv_paging paging,
                       const cli_scn_io *io, hv_machine **mp,
                       cli_scn_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->status = CLI_BAD_INPUT;
    hv_machine *m = *mp = make_machine(s, paging, out);
    if (!m)
        return;
    cli_trace *tr = NULL;
    if (io->trace) {
        if (!(tr = cli_trace_open(io->trace)))
            return; /* it said why */
        hv_machine_set_sink(m, cli_trace_sink, tr);
    }
    hv_scn_runner *r = NULL;
    if (hv_scn_runner_create(s, m, &r)) {
        snprintf(out->bad, sizeof out->bad, "hvlab: out of memory");
        goto out_trace;
    }
    int status = CLI_OK;
    for (uint32_t i = 0; i < s->nsteps; i++) {
        char run[200];
        hv_scn_until_describe(s, &s->steps[i].until, run, sizeof run);
        if (status == CLI_LIMIT) {
            /* The limit ended the run: the later steps are not run. */
            if (io->steps)
                cJSON_AddItemToArray(io->steps, step_json(s, i, run, NULL));
            continue;
        }
        hv_scn_step_result res;
        hv_scn_err e = hv_scn_runner_step(r, &res);
        if (e) {
            snprintf(out->bad, sizeof out->bad, "%s: step %u: %s", s->file,
                     i + 1, hv_scn_strerror(e));
            status = CLI_BAD_INPUT;
            break;
        }
        int st = report_step(s, i, run, &res, io, out);
        if (io->steps)
            cJSON_AddItemToArray(io->steps, step_json(s, i, run, &res));
        hv_scn_step_result_free(&res);
        if (st == CLI_BAD_INPUT) {
            status = st;
            break;
        }
        if (st == CLI_LIMIT)
            status = st;
        else if (st == CLI_CHECK_FAILED && status == CLI_OK)
            status = st;
    }
    out->limit = status == CLI_LIMIT;
    out->status = status;
out_trace:
    hv_scn_runner_destroy(r);
    if (tr) {
        hv_machine_set_sink(m, NULL, NULL);
        if (out->status == CLI_BAD_INPUT)
            cli_trace_abort(tr);
        else if (!cli_trace_close(tr))
            out->status = CLI_BAD_INPUT; /* it said why */
    }
}

/* A VM that the steps left running did not hit a limit: say "running". */
static void fix_running(cJSON *root, bool limit)
{
    cJSON *objs[HV_MAX_VMS + 1] = {root};
    size_t n = 1;
    cJSON *vm;
    cJSON_ArrayForEach(vm, cJSON_GetObjectItemCaseSensitive(root, "vms"))
        if (n < HV_MAX_VMS + 1)
            objs[n++] = vm;
    for (size_t i = 0; i < n && !limit; i++) {
        cJSON *r = cJSON_GetObjectItemCaseSensitive(objs[i], "exit_reason");
        if (cJSON_IsString(r) &&
            strcmp(r->valuestring, "instruction_limit") == 0)
            cJSON_ReplaceItemInObjectCaseSensitive(
                objs[i], "exit_reason", cJSON_CreateString("running"));
    }
}

static int parse_args(int argc, char **argv, const char **file,
                      const char **trace, const char **mode, bool *json)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            *json = true;
        } else if (strcmp(a, "--paging") == 0 || strcmp(a, "--trace") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hvlab run: %s needs a value\n", a);
                return CLI_BAD_INPUT;
            }
            *(a[2] == 'p' ? mode : trace) = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(scenario_usage, stdout);
            return CLI_OK;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hvlab run: %s does not apply to a scenario (its "
                            "machine is set in the file; see hvlab run "
                            "FILE.json --help)\n", a);
            return CLI_BAD_INPUT;
        } else if (*file) {
            fprintf(stderr, "hvlab run: one scenario at a time ('%s' and "
                            "'%s')\n", *file, a);
            return CLI_BAD_INPUT;
        } else {
            *file = a;
        }
    }
    if (!*file) {
        fputs(scenario_usage, stderr);
        return CLI_BAD_INPUT;
    }
    return -1;
}

int cli_run_scenario(int argc, char **argv)
{
    const char *file = NULL, *trace = NULL, *mode = NULL;
    bool json = false;
    int rc = parse_args(argc, argv, &file, &trace, &mode, &json);
    if (rc >= 0)
        return rc;
    hv_paging paging = HV_PAGING_NATIVE;
    if (mode && !hv_paging_from_name(mode, &paging)) {
        fprintf(stderr, "hvlab run: --paging: '%s' is not native, shadow or "
                        "nested\n", mode);
        return CLI_BAD_INPUT;
    }
    hv_scn *s;
    if (cli_scenario_open(file, 1, &s))
        return CLI_BAD_INPUT;
    if (!mode)
        paging = s->paging;
    char *tbuf = NULL, *fbuf = NULL;
    size_t tlen = 0, flen = 0;
    FILE *text = json ? NULL : open_memstream(&tbuf, &tlen);
    FILE *fails = open_memstream(&fbuf, &flen);
    cli_scn_io io = {.trace = trace, .text = text, .fails = fails,
                     .steps = json ? cJSON_CreateArray() : NULL};
    char title[HV_SCN_SHOW_LINE_LEN];
    if (text)
        fprintf(text, "scenario %s: %s\n", file, hv_scn_show_line(s->title, title));
    hv_machine *m;
    cli_scn_outcome o;
    cli_scenario_exec(s, paging, &io, &m, &o);
    if (text)
        fclose(text);
    if (fails)
        fclose(fails);
    if (o.status == CLI_BAD_INPUT) {
        if (o.bad[0])
            fprintf(stderr, "%s\n", o.bad);
    } else if (json) {
        cJSON *root = cli_report_object(m, file, NULL);
        fix_running(root, o.limit);
        cJSON_AddNumberToObject(root, "checkpoints", o.checks);
        cJSON_AddNumberToObject(root, "failed", o.failed);
        cJSON_AddItemToObject(root, "steps", io.steps);
        io.steps = NULL;
        cli_report_print(root);
    } else {
        fputs(tbuf ? tbuf : "", stdout);
        cli_report_text(m, s->vms[0].guest_path, o.limit);
        printf("checkpoints: %u, %u hold, %u failed\n", o.checks,
               o.checks - o.failed, o.failed);
    }
    if (o.status != CLI_BAD_INPUT && fbuf)
        fputs(fbuf, stderr);
    free(tbuf);
    free(fbuf);
    cJSON_Delete(io.steps);
    hv_machine_destroy(m);
    hv_scn_free(s);
    return o.status;
}
