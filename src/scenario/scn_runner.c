/* hvlab scenarios: running the steps of a scenario on a machine
 * (docs/scenario-format.md, "How far a step runs").
 *
 * HOW A STEP RUNS: `instructions` is one hv_machine_run with that budget;
 * a label or an address is a breakpoint (the run stops before the
 * instruction there executes), run once per `count`; an event is a stop
 * predicate on the event stream that fires on the `count`th match (the
 * run stops at the next instruction boundary); "exit" runs until every
 * VM has ended. Every run is bounded by machine.max_instructions per
 * step. Then every checkpoint is evaluated and every answer computed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

struct hv_scn_runner {
    const hv_scn *s;
    hv_machine *m;
    uint32_t next;
    const hv_scn_until *u; /* the event stop predicate's condition */
    uint64_t seen;
};

hv_scn_err hv_scn_runner_create(const hv_scn *s, hv_machine *m,
                                hv_scn_runner **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return HV_SCN_ERR_NOMEM;
    (*out)->s = s;
    (*out)->m = m;
    return HV_SCN_OK;
}

void hv_scn_runner_destroy(hv_scn_runner *r)
{
    if (r) {
        hv_machine_set_stop(r->m, NULL, NULL);
        hv_machine_set_breakpoints(r->m, NULL, 0);
    }
    free(r);
}

uint32_t hv_scn_runner_next(const hv_scn_runner *r)
{
    return r->next;
}

void hv_scn_step_result_free(hv_scn_step_result *res)
{
    free(res->checks);
    free(res->answers);
    res->checks = NULL;
    res->answers = NULL;
}

static bool all_ended(hv_machine *m)
{
    for (uint32_t i = 0; i < hv_machine_nvms(m); i++) {
        hv_vm_state st;
        if (hv_machine_vm_state(m, i, &st) == HV_OK &&
            st.exit_reason == HV_VM_RUNNING)
            return false;
    }
    return true;
}

static bool event_stop(void *opaque, const hv_event *ev)
{
    hv_scn_runner *r = opaque;
    const hv_scn_until *u = r->u;
    if (!u || ev->type != (uint16_t)u->event)
        return false;
    if (!u->any_vm && ev->vm != u->vm)
        return false;
    const uint32_t f[5] = {ev->a, ev->b, ev->c, ev->d, ev->e};
    for (uint32_t i = 0; i < u->nfields; i++)
        if (f[u->fields[i].field] != (uint32_t)u->fields[i].value.v)
            return false;
    if (r->seen < u->count)
        r->seen++;
    return r->seen >= u->count;
}

static uint64_t insns(hv_machine *m)
{
    hv_counters c;
    hv_machine_counters(m, &c);
    return c.instructions;
}

/* One run within what is left of the step's budget. */
static hv_scn_err run_some(hv_scn_runner *r, uint64_t start, uint64_t budget,
                           hv_stop *why)
{
    uint64_t used = insns(r->m) - start;
    if (used >= budget) {
        *why = HV_STOP_LIMIT;
        return HV_SCN_OK;
    }
    if (all_ended(r->m)) {
        *why = HV_STOP_ENDED;
        return HV_SCN_OK;
    }
    hv_err e = hv_machine_run(r->m, budget - used, why);
    if (e == HV_ERR_ENDED) {
        *why = HV_STOP_ENDED;
        return HV_SCN_OK;
    }
    return e ? HV_SCN_ERR_ENGINE : HV_SCN_OK;
}

/* With several VMs a breakpoint stops whichever VM gets there: the stop is
 * the step's when its VM is the one at the address. (The engine does not
 * say which VM stopped; two VMs parked at the same address would both
 * count.) */
static bool break_is_ours(hv_machine *m, const hv_scn_until *u)
{
    if (hv_machine_nvms(m) < 2)
        return true;
    hv_regs regs;
    return hv_machine_regs(m, u->vm, &regs) == HV_OK &&
           regs.eip == (uint32_t)u->at.v;
}

/* How the step's VM ended: the one whose label, address or event the
 * step waited for (an event of any VM: the first VM, when it is the only
 * one). */
static void ended_detail(hv_machine *m, const hv_scn_until *u, char *buf,
                         size_t len)
{
    hv_vm_state st;
    uint32_t vm = u->any_vm ? 0 : u->vm;
    if ((u->any_vm && hv_machine_nvms(m) > 1) ||
        hv_machine_vm_state(m, vm, &st) != HV_OK) {
        snprintf(buf, len, "every VM ended");
        return;
    }
    if (st.waiting_input)
        snprintf(buf, len, "%s waits for console input (HLT; a step's "
                           "\"input\" types it)", st.name);
    else if (st.has_status)
        snprintf(buf, len, "%s ended (%s, status %u)", st.name,
                 hv_vm_exit_reason_name(st.exit_reason), st.exit_status);
    else
        snprintf(buf, len, "%s ended (%s)", st.name,
                 hv_vm_exit_reason_name(st.exit_reason));
}

static hv_scn_err run_until(hv_scn_runner *r, const hv_scn_until *u,
                            hv_scn_step_result *res)
{
    hv_machine *m = r->m;
    uint64_t start = insns(m), budget = r->s->max_instructions;
    hv_stop why = HV_STOP_ENDED;
    hv_scn_err err = HV_SCN_OK;
    char what[200], ended[120];
    hv_scn_until_describe(r->s, u, what, sizeof what);
    switch (u->kind) {
    case HV_SCN_RUN_NONE:
        return HV_SCN_OK;
    case HV_SCN_RUN_INSNS:
        err = run_some(r, start, u->instructions, &why);
        return err;
    case HV_SCN_RUN_EXIT:
        err = run_some(r, start, budget, &why);
        break;
    case HV_SCN_RUN_LABEL:
    case HV_SCN_RUN_ADDRESS: {
        uint32_t at = (uint32_t)u->at.v;
        if (hv_machine_set_breakpoints(m, &at, 1) != HV_OK)
            return HV_SCN_ERR_ENGINE;
        for (uint64_t hits = 0; hits < u->count && !err;) {
            uint64_t before = insns(m);
            err = run_some(r, start, budget, &why);
            if (why != HV_STOP_BREAK)
                break;
            if (break_is_ours(m, u))
                hits++;
            else if (insns(m) == before)
                break; /* no progress: cannot happen, but never spin */
        }
        hv_machine_set_breakpoints(m, NULL, 0);
        break;
    }
    case HV_SCN_RUN_EVENT:
        r->u = u;
        r->seen = 0;
        hv_machine_set_stop(m, event_stop, r);
        err = run_some(r, start, budget, &why);
        hv_machine_set_stop(m, NULL, NULL);
        r->u = NULL;
        if (why == HV_STOP_EVENT && r->seen < u->count)
            why = HV_STOP_LIMIT; /* cannot happen: the predicate counts */
        break;
    }
    if (err)
        return err;
    bool reached = u->kind == HV_SCN_RUN_EXIT    ? why == HV_STOP_ENDED
                   : u->kind == HV_SCN_RUN_EVENT ? why == HV_STOP_EVENT
                                                 : why == HV_STOP_BREAK;
    if (reached)
        return HV_SCN_OK;
    if (why == HV_STOP_LIMIT) {
        res->outcome = HV_SCN_STEP_LIMIT;
        snprintf(res->detail, sizeof res->detail, "machine.max_instructions "
                 "(%llu per step) ran out before it got %s",
                 (unsigned long long)budget, what);
        return HV_SCN_OK;
    }
    ended_detail(m, u, ended, sizeof ended);
    res->outcome = HV_SCN_STEP_NOT_REACHED;
    snprintf(res->detail, sizeof res->detail, "%s before it got %s", ended,
             what);
    return HV_SCN_OK;
}

/* A guest that did what hvlab refuses (DESIGN.md §5: bad input). */
static void check_bad_guest(hv_machine *m, hv_scn_step_result *res)
{
    for (uint32_t i = 0; i < hv_machine_nvms(m); i++) {
        hv_vm_state st;
        if (hv_machine_vm_state(m, i, &st) != HV_OK)
            continue;
        if (st.exit_reason == HV_VM_BAD_ACCESS ||
            st.exit_reason == HV_VM_INTERNAL) {
            res->outcome = HV_SCN_STEP_BAD_GUEST;
            snprintf(res->detail, sizeof res->detail, "%s ended: %s (%s)",
                     st.name, hv_vm_exit_reason_name(st.exit_reason),
                     st.detail);
        }
    }
}

hv_scn_err hv_scn_runner_step(hv_scn_runner *r, hv_scn_step_result *res)
{
    memset(res, 0, sizeof *res);
    if (r->next >= r->s->nsteps)
        return HV_SCN_ERR_ENGINE;
    const hv_scn_step *st = &r->s->steps[r->next++];
    res->checks = calloc(st->nchecks ? st->nchecks : 1, sizeof *res->checks);
    res->answers = calloc(st->nquestions ? st->nquestions : 1,
                          sizeof *res->answers);
    if (!res->checks || !res->answers) {
        hv_scn_step_result_free(res);
        return HV_SCN_ERR_NOMEM;
    }
    hv_scn_baseline base;
    hv_scn_baseline_take(r->m, &base);
    bool was_bad = false;
    for (uint32_t i = 0; i < hv_machine_nvms(r->m); i++) {
        hv_vm_state vs;
        if (hv_machine_vm_state(r->m, i, &vs) == HV_OK)
            was_bad |= vs.exit_reason == HV_VM_BAD_ACCESS ||
                       vs.exit_reason == HV_VM_INTERNAL;
    }
    if (st->input) {
        /* The queue may hold what earlier steps typed and the guest has
         * not read: what does not fit is the step's failure to report. */
        size_t taken = 0;
        hv_machine_console_input(r->m, st->input_vm,
                                 (const uint8_t *)st->input, st->input_len,
                                 &taken);
        if (taken < st->input_len)
            snprintf(res->detail, sizeof res->detail,
                     "the console input queue was full: %zu of %u bytes "
                     "typed",
                     taken, st->input_len);
    }
    hv_scn_err err = run_until(r, &st->until, res);
    if (err) {
        hv_scn_step_result_free(res);
        return err;
    }
    if (!was_bad)
        check_bad_guest(r->m, res);
    res->instructions = insns(r->m) - base.counters.instructions;
    hv_regs regs;
    uint32_t vm = st->until.vm;
    if (hv_machine_regs(r->m, vm, &regs) == HV_OK)
        res->eip = regs.eip;
    for (uint32_t i = 0; i < st->nchecks; i++) {
        hv_scn_check_eval(&st->checks[i], r->m, &base, &res->checks[i]);
        res->nfailed += !res->checks[i].ok;
    }
    for (uint32_t i = 0; i < st->nquestions; i++) {
        hv_scn_answer_eval(&st->questions[i], r->m, &base, &res->answers[i]);
        res->nfailed += !res->answers[i].ok;
    }
    return HV_SCN_OK;
}

static const char *nth(uint64_t n, char *buf, size_t len)
{
    const char *suf = "th";
    if (n % 100 < 11 || n % 100 > 13)
        suf = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd"
                                                                    : "th";
    snprintf(buf, len, "%llu%s", (unsigned long long)n, suf);
    return buf;
}

void hv_scn_until_describe(const hv_scn *s, const hv_scn_until *u, char *buf,
                           size_t len)
{
    char where[SCN_SHOW_LEN + 16] = "", times[40] = "", n[24];
    char vm[SCN_SHOW_LEN + 16] = "", sym[SCN_SHOW_LEN], file[SCN_SHOW_LEN];
    if (u->count > 1)
        snprintf(times, sizeof times, " (the %s time)",
                 nth(u->count, n, sizeof n));
    /* With several VMs, whose label, address or event it is. */
    if (s->nvms > 1 && u->kind >= HV_SCN_RUN_LABEL &&
        u->kind <= HV_SCN_RUN_EVENT && !u->any_vm && u->vm < s->nvms)
        snprintf(vm, sizeof vm, " %s VM %s",
                 u->kind == HV_SCN_RUN_LABEL ? "of" : "in",
                 scn_show_in(s->vms[u->vm].name, sym));
    const hv_scn_guest *g = u->vm < s->nvms ? s->vms[u->vm].asm_out : NULL;
    uint32_t line;
    if ((u->kind == HV_SCN_RUN_LABEL || u->kind == HV_SCN_RUN_ADDRESS) &&
        hv_scn_addr_line(g, (uint32_t)u->at.v, &line)) {
        const char *base = strrchr(g->path, '/');
        snprintf(where, sizeof where, " (%s:%u)",
                 scn_show_path(base ? base + 1 : g->path, file), line);
    }
    switch (u->kind) {
    case HV_SCN_RUN_NONE: snprintf(buf, len, "no run"); break;
    case HV_SCN_RUN_INSNS:
        snprintf(buf, len, "for %llu instructions",
                 (unsigned long long)u->instructions);
        break;
    case HV_SCN_RUN_EXIT: snprintf(buf, len, "to the end of every VM"); break;
    case HV_SCN_RUN_LABEL:
        snprintf(buf, len, "to label %s%s%s%s",
                 scn_show_in(u->at.symbol ? u->at.symbol : "?", sym), vm, where,
                 times);
        break;
    case HV_SCN_RUN_ADDRESS:
        snprintf(buf, len, "to address 0x%08x%s%s%s", (uint32_t)u->at.v, vm,
                 where, times);
        break;
    case HV_SCN_RUN_EVENT: {
        size_t o = (size_t)snprintf(buf, len, "to event %s",
                                    hv_event_name((hv_event_type)u->event));
        for (uint32_t i = 0; i < u->nfields && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, " %s=0x%x",
                                  hv_event_field((hv_event_type)u->event,
                                                 u->fields[i].field),
                                  (uint32_t)u->fields[i].value.v);
        if (o < len)
            snprintf(buf + o, len - o, "%s%s", vm, times);
        break;
    }
    }
}

const char *hv_scn_check_label(const hv_scn_check *c, uint32_t i, char *buf,
                               size_t len)
{
    /* The author's name goes into failure lines: escaped and capped
     * unless it is plain already. */
    if (c->name && scn_is_plain(c->name, SCN_SHOW_CHARS))
        return c->name;
    if (c->name)
        return scn_escape(c->name, strlen(c->name), SCN_SHOW_CHARS, false, buf,
                          len);
    snprintf(buf, len, "checkpoints[%u]", i);
    return buf;
}
