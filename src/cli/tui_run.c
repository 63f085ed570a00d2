/* hvlab command line: the TUI drives the machine (the only code that
 * does). Every run is bracketed by hv_snapshot_begin_step and
 * hv_snapshot_end_step: one "step" is one thing the user asked for. Runs
 * that may be long (to the next event, to the end, continuous) go in
 * slices so that a key can stop them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cli/tui.h"
#include "views/vbuf.h"

#define CHUNK 100000u /* instructions between looks at the keyboard */
#define TICK_HZ 20

/* Instructions per second of a continuous run. */
static const uint32_t speeds[] = {1,   2,    5,     10,     20,     50,
                                  100, 1000, 10000, 100000, 1000000};
#define NSPEEDS (sizeof speeds / sizeof speeds[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tui_status(tui *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->snap->status, sizeof t->snap->status, fmt, ap);
    va_end(ap);
}

hv_err tui_machine_start(tui *t)
{
    hv_machine *m;
    hv_err err = hv_machine_create(&t->cfg, &m);
    if (err)
        return err;
    hv_machine_destroy(t->m);
    t->m = m;
    t->mode = RUN_IDLE;
    hv_snapshot_attach(t->snap, m);
    hv_machine_set_sink(m, hv_snapshot_sink, t->snap);
    t->snap->source = t->source;
    t->snap->guest_path = t->o.file;
    return t->scn ? tui_scn_attach(t) : HV_OK;
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
    return ev->type == HV_EV_IO_IN || ev->type == HV_EV_IO_OUT ||
           ev->type == HV_EV_MMIO_READ || ev->type == HV_EV_MMIO_WRITE;
}

static bool stop_intr(void *o, const hv_event *ev)
{
    (void)o;
    return ev->type == HV_EV_INTERRUPT;
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
    {REQ_NEXT_INTR, stop_intr, "interrupt"},
};

static int search_index(hv_request req)
{
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++)
        if (searches[i].req == req)
            return (int)i;
    return 0;
}

static void ended_status(tui *t)
{
    hv_vm_state s;
    hv_machine_vm_state(t->m, 0, &s);
    if (s.has_status)
        tui_status(t, "the guest ended: %s, status %u (R restarts)",
                   hv_vm_exit_reason_name(s.exit_reason), s.exit_status);
    else
        tui_status(t, "the guest ended: %s%s%s (R restarts)",
                   hv_vm_exit_reason_name(s.exit_reason), *s.detail ? ": " : "",
                   s.detail);
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
        tui_status(t, "the engine failed: %s", hv_strerror(err));
    if (why == HV_STOP_WAITING) {
        /* Nothing runs until someone types: stop whatever run this was. */
        tui_status(t, "the guest waits in HLT for console input: press i "
                      "to type a line");
        t->mode = RUN_IDLE;
    }
    return why;
}

void tui_step_one(tui *t)
{
    t->mode = RUN_IDLE;
    hv_snapshot_begin_step(t->snap);
    uint64_t before = t->snap->ctr.instructions;
    hv_stop why = run_some(t, 1, NULL);
    if (why == HV_STOP_ENDED)
        ended_status(t);
    else if (t->snap->ctr.instructions == before)
        tui_status(t,
                   "the instruction did not complete (a fault was delivered)");
}

void tui_start_search(tui *t, hv_request kind)
{
    t->search = kind;
    t->search_left = t->o.search_limit;
    t->mode = RUN_SEARCH;
    hv_snapshot_begin_step(t->snap);
    tui_status(t, "running to the next %s... (any key stops)",
               searches[search_index(kind)].what);
    tui_advance(t); /* most searches end in the first slice */
}

void tui_run_to_end(tui *t)
{
    t->mode = RUN_TO_END;
    hv_snapshot_begin_step(t->snap);
    tui_status(t, "running to the end (any key stops)");
    tui_advance(t);
}

void tui_toggle_run(tui *t)
{
    if (t->mode == RUN_CONTINUOUS) {
        t->mode = RUN_IDLE;
        return;
    }
    t->mode = RUN_CONTINUOUS;
    t->next_tick = now_s();
    t->snap->status[0] = 0;
}

void tui_speed(tui *t, int dir)
{
    if (dir > 0 && t->speed + 1 < NSPEEDS)
        t->speed++;
    if (dir < 0 && t->speed > 0)
        t->speed--;
    tui_status(t, "speed %u instructions/s", speeds[t->speed]);
}

void tui_advance(tui *t)
{
    hv_stop why;
    char n[32];
    switch (t->mode) {
    case RUN_SEARCH: {
        uint64_t chunk = t->search_left < CHUNK ? t->search_left : CHUNK;
        const char *what = searches[search_index(t->search)].what;
        why = run_some(t, chunk, searches[search_index(t->search)].fn);
        t->search_left -= chunk < t->search_left ? chunk : t->search_left;
        if (why == HV_STOP_EVENT) {
            tui_status(t, "stopped after the next %s (%s instructions)", what,
                       vb_num(t->snap->ctr.instructions -
                                  t->snap->prev_ctr.instructions,
                              n, sizeof n));
            t->mode = RUN_IDLE;
        } else if (why == HV_STOP_ENDED) {
            ended_status(t);
            t->mode = RUN_IDLE;
        } else if (!t->search_left) {
            tui_status(t, "no %s in %s instructions", what,
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

int tui_wait_ms(const tui *t)
{
    if (t->mode == RUN_SEARCH || t->mode == RUN_TO_END)
        return 0;
    if (t->mode == RUN_CONTINUOUS) {
        double left = t->next_tick - now_s();
        return left > 0 ? (int)(left * 1000) + 1 : 0;
    }
    return 250;
}

const char *tui_run_state(tui *t)
{
    switch (t->mode) {
    case RUN_IDLE: snprintf(t->run_state, sizeof t->run_state, "paused"); break;
    case RUN_CONTINUOUS:
        snprintf(t->run_state, sizeof t->run_state, "running %u/s",
                 speeds[t->speed]);
        break;
    case RUN_SEARCH:
        snprintf(t->run_state, sizeof t->run_state, "searching");
        break;
    case RUN_TO_END:
        snprintf(t->run_state, sizeof t->run_state, "running to the end");
        break;
    }
    return t->run_state;
}
