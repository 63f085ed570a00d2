/* hvlab command line: a scenario in the TUI (`hvlab FILE.json`).
 *
 * The scenario library (src/scenario) loads the file, assembles its
 * guests, makes the machine's config and runs the steps; this file shows
 * them. The narration pane gets the shown step's Markdown, then (once the
 * step has run) its checkpoint results, then its questions with the
 * verdict on the student's answer and the explanation. `e` runs the next
 * step through the scenario's runner (to its `until`); `]`/`[` page
 * through the steps; `A` answers the shown step's open question. The
 * student may also step and search by hand between steps: the runner then
 * carries on from wherever the machine is. The step's `focus` becomes the
 * lecture layout's big pane.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/tui.h"
#include "scenario.h"

#define MAX_QUESTIONS 8

struct tui_scn {
    hv_scn *scn;
    hv_scn_runner *runner;
    hv_scn_step_result *res; /* per step, once run */
    bool *ran;
    uint8_t (*verdict)[MAX_QUESTIONS]; /* 0 open, 1 right, 2 wrong */
    int shown;
    int answered; /* the question just answered (shown first), or -1 */
    char *md;
    size_t len, cap;
};

static void md_add(tui_scn *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void md_add(tui_scn *s, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = s->cap - s->len;
        int k =
            vsnprintf(s->md ? s->md + s->len : NULL, s->md ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if (s->md && (size_t)k < room) {
            s->len += (size_t)k;
            return;
        }
        size_t cap = (s->cap + (size_t)k + 1) * 2;
        char *p = realloc(s->md, cap);
        if (!p)
            return; /* the pane shows what fitted */
        s->md = p;
        s->cap = cap;
        if (s->len == 0)
            s->md[0] = 0;
    }
}

/* hv_scn_focus -> pane. */
static int focus_view(hv_scn_focus f)
{
    switch (f) {
    case HV_SCN_FOCUS_CODE: return VIEW_CODE;
    case HV_SCN_FOCUS_PAGE_TABLES: return VIEW_PAGETABLES;
    case HV_SCN_FOCUS_SHADOW: return VIEW_SHADOW;
    case HV_SCN_FOCUS_EPT: return VIEW_NESTED;
    case HV_SCN_FOCUS_WALK: return VIEW_WALK;
    case HV_SCN_FOCUS_TLB: return VIEW_TLB;
    case HV_SCN_FOCUS_HOST_MEMORY: return VIEW_HOSTMEM;
    case HV_SCN_FOCUS_EXITS:
    case HV_SCN_FOCUS_CONSOLE: return VIEW_LOG;
    case HV_SCN_FOCUS_COUNTERS: return VIEW_COUNTERS;
    default: return -1;
    }
}

/* The shown step as Markdown, into the snapshot. */
static void compose(tui *t)
{
    tui_scn *s = t->scn;
    const hv_scn *scn = s->scn;
    const hv_scn_step *st = &scn->steps[s->shown];
    int i = s->shown;
    uint32_t next = hv_scn_runner_next(s->runner);
    s->len = 0;
    t->snap->narration_focus = 0;
    md_add(s, "%s", "");
    char buf[256];
    if (!s->ran[i]) {
        hv_scn_until_describe(scn, &st->until, buf, sizeof buf);
        if ((uint32_t)i == next)
            md_add(s, "*Not run yet: e runs this step (%s).*\n\n", buf);
        else
            md_add(s, "*Not run: step %u runs next.*\n\n", next + 1);
    }
    md_add(s, "%s\n\n", st->narration ? st->narration : "");
    if (s->ran[i]) {
        t->snap->narration_focus = s->len;
        const hv_scn_step_result *r = &s->res[i];
        if (r->outcome != HV_SCN_STEP_DONE)
            md_add(s, "**Not reached:** %s\n", r->detail);
        if (st->nchecks)
            md_add(s, "**Checkpoints** (%u of %u hold)\n",
                   st->nchecks - r->nfailed, st->nchecks);
        for (uint32_t k = 0; k < st->nchecks; k++) {
            const hv_scn_check_result *c = &r->checks[k];
            const char *label =
                hv_scn_check_label(&st->checks[k], k, buf, sizeof buf);
            if (c->ok)
                md_add(s, "- %s %s: %s\n", t->theme.glyph[GL_OK], label,
                       c->actual);
            else
                md_add(s, "- %s %s: expected %s, actual %s\n",
                       t->theme.glyph[GL_NO], label, c->expected, c->actual);
        }
    }
    for (uint32_t q = 0; q < st->nquestions && q < MAX_QUESTIONS; q++) {
        const hv_scn_question *qq = &st->questions[q];
        if ((int)q == s->answered)
            t->snap->narration_focus = s->len;
        md_add(s, "\n**Question %u:** %s\n", q + 1, qq->prompt);
        for (uint32_t c = 0; c < qq->nchoices; c++)
            md_add(s, "- %c) %s\n", 'a' + (int)c, qq->choices[c]);
        uint8_t v = s->verdict[i][q];
        if (!v)
            md_add(s, "*A answers it%s.*\n",
                   qq->kind == HV_SCN_Q_CHOICE ? " (a letter, a number "
                                                 "or the text)"
                                               : " (a number)");
        else
            md_add(s, "%s **%s.** %s\n",
                   v == 1 ? t->theme.glyph[GL_OK] : t->theme.glyph[GL_NO],
                   v == 1 ? "Right" : "Not quite",
                   qq->explanation ? qq->explanation : "");
    }
    t->snap->scenario_title = scn->title;
    t->snap->step_title = st->title;
    t->snap->narration = s->md ? s->md : "";
    t->snap->step_index = i;
    t->snap->step_count = (int)scn->nsteps;
    int f = focus_view(st->focus);
    if (f >= 0 && hv_layout_applies((hv_view_id)f, t->cfg.paging)) {
        if (hv_layout_can_be_big((hv_view_id)f))
            t->big = f;
        t->focus = f;
    }
}

int tui_scn_open(tui *t)
{
    const tui_opts *o = &t->o;
    if (o->machine_opts) {
        fprintf(stderr,
                "hvlab: %s: the scenario sets the machine; only --paging, "
                "--layout, "
                "--lecture, --theme and --search-limit apply\n",
                o->file);
        return CLI_BAD_INPUT;
    }
    tui_scn *s = calloc(1, sizeof *s);
    if (!s)
        return CLI_BAD_INPUT;
    t->scn = s;
    if (cli_scenario_open(o->file, 1, &s->scn) != CLI_OK)
        return CLI_BAD_INPUT;
    hv_paging paging = o->paging_set ? o->cfg.paging : s->scn->paging;
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_scn_err err = hv_scn_config(s->scn, paging, &t->cfg, &d);
    hv_scn_diags_print(&d, stderr, 1);
    hv_scn_diags_free(&d);
    if (err)
        return CLI_BAD_INPUT;
    uint32_t n = s->scn->nsteps ? s->scn->nsteps : 1;
    s->res = calloc(n, sizeof *s->res);
    s->ran = calloc(n, sizeof *s->ran);
    s->verdict = calloc(n, sizeof *s->verdict);
    if (!s->res || !s->ran || !s->verdict || !s->scn->nsteps) {
        fprintf(stderr, "hvlab: %s: %s\n", o->file,
                s->scn->nsteps ? "out of memory" : "the scenario has no steps");
        return CLI_BAD_INPUT;
    }
    /* The Code pane's listing: the first VM's guest again, with -l. */
    uint8_t *img;
    size_t len;
    if (cli_assemble_listing(s->scn->vms[0].guest_path, &img, &len, &t->source))
        free(img);
    return -1;
}

static void forget_results(tui_scn *s)
{
    for (uint32_t i = 0; i < s->scn->nsteps; i++)
        if (s->ran[i])
            hv_scn_step_result_free(&s->res[i]);
    memset(s->ran, 0, s->scn->nsteps * sizeof *s->ran);
    memset(s->verdict, 0, s->scn->nsteps * sizeof *s->verdict);
    s->shown = 0;
    s->answered = -1;
}

void tui_scn_close(tui *t)
{
    tui_scn *s = t->scn;
    if (!s)
        return;
    if (s->scn && s->ran)
        forget_results(s);
    hv_scn_runner_destroy(s->runner);
    free(s->res);
    free(s->ran);
    free(s->verdict);
    free(s->md);
    hv_scn_free(s->scn);
    free(s);
    t->scn = NULL;
}

hv_err tui_scn_attach(tui *t)
{
    tui_scn *s = t->scn;
    hv_scn_runner_destroy(s->runner);
    s->runner = NULL;
    forget_results(s);
    if (hv_scn_runner_create(s->scn, t->m, &s->runner))
        return HV_ERR_NOMEM;
    compose(t);
    return HV_OK;
}

const char *tui_scn_title(const tui *t)
{
    return t->scn ? t->scn->scn->title : NULL;
}

void tui_scn_run_step(tui *t)
{
    tui_scn *s = t->scn;
    uint32_t n = hv_scn_runner_next(s->runner);
    if (n >= s->scn->nsteps) {
        tui_status(t, "every step has run (R restarts)");
        return;
    }
    hv_snapshot_begin_step(t->snap);
    hv_scn_err err = hv_scn_runner_step(s->runner, &s->res[n]);
    hv_snapshot_end_step(t->snap);
    if (err) {
        tui_status(t, "step %u: %s", n + 1, hv_scn_strerror(err));
        return;
    }
    s->ran[n] = true;
    s->shown = (int)n;
    s->answered = -1;
    const hv_scn_step_result *r = &s->res[n];
    const hv_scn_step *st = &s->scn->steps[n];
    if (r->outcome != HV_SCN_STEP_DONE)
        tui_status(t,
                   "step %u did not get where it runs to (see the narration)",
                   n + 1);
    else
        tui_status(t, "step %u ran: %u of %u checkpoints hold%s", n + 1,
                   st->nchecks -
                       (r->nfailed <= st->nchecks ? r->nfailed : st->nchecks),
                   st->nchecks,
                   n + 1 < s->scn->nsteps ? "; ] shows the next step" : "");
    compose(t);
}

void tui_scn_show(tui *t, int dir)
{
    tui_scn *s = t->scn;
    int next = (int)hv_scn_runner_next(s->runner);
    int to = s->shown + dir;
    if (to < 0 || to >= (int)s->scn->nsteps) {
        tui_status(t, "no %s step", dir < 0 ? "earlier" : "further");
        return;
    }
    if (to > next) {
        tui_status(t, "step %d has not run yet: e runs it first", next + 1);
        return;
    }
    s->shown = to;
    s->answered = -1;
    t->snap->status[0] = 0;
    compose(t);
}

/* The shown step's first question not answered right, or -1. */
static int open_question(const tui_scn *s)
{
    const hv_scn_step *st = &s->scn->steps[s->shown];
    for (uint32_t q = 0; q < st->nquestions && q < MAX_QUESTIONS; q++)
        if (s->verdict[s->shown][q] != 1)
            return (int)q;
    return -1;
}

bool tui_scn_question(const tui *t, char *prompt, size_t len)
{
    if (!t->scn)
        return false;
    int q = open_question(t->scn);
    if (q < 0)
        return false;
    snprintf(prompt, len, "Question %d: ", q + 1);
    return true;
}

void tui_scn_answer(tui *t, const char *response)
{
    tui_scn *s = t->scn;
    int q = open_question(s);
    if (q < 0)
        return;
    const hv_scn_question *qq = &s->scn->steps[s->shown].questions[q];
    hv_scn_answer local;
    const hv_scn_answer *a = NULL;
    if (s->ran[s->shown]) {
        a = &s->res[s->shown].answers[q];
    } else if (!qq->has_from) {
        hv_scn_answer_eval(qq, t->m, NULL, &local); /* a written answer */
        a = &local;
    } else {
        tui_status(t, "the answer comes from the run: e runs the step first");
        return;
    }
    bool right = hv_scn_question_accepts(qq, a, response);
    s->verdict[s->shown][q] = right ? 1 : 2;
    s->answered = q;
    tui_status(t, "%s", right ? "right" : "not quite: see the explanation");
    compose(t);
}
