/* hvlab unit tests: run a purpose-built guest (an .asm file of
 * tests/unit/guests/, assembled by meson into HV_GUEST_DIR) on a machine
 * and record every event it emits, for the engine-level behaviour tests.
 *
 * Conventions shared with tests/unit/guests/ut.inc: a marker is an OUT to
 * port 0x80 (IO_OUT port 0x80, value n); INFO (0x1010) holds addresses the
 * guest puts there; RES (0x9000) holds the values it stores for the test.
 */
#ifndef HV_GUEST_HARNESS_H
#define HV_GUEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hv.h"

#ifndef HV_GUEST_DIR
#error "HV_GUEST_DIR must name the directory of the assembled guests"
#endif

#define GUEST_INFO 0x1010u
#define GUEST_RES 0x9000u
#define GUEST_MARK_PORT 0x80u
/* Enough for every guest here; a guest that runs away ends at the limit
 * and the test says so. */
#define GUEST_MAX_INSNS 2000000u

typedef struct evlog {
    hv_event *ev;
    size_t n, cap;
    bool oom;
} evlog;

static inline void evlog_sink(void *opaque, const hv_event *ev)
{
    evlog *l = opaque;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        hv_event *p = realloc(l->ev, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return;
        }
        l->ev = p;
        l->cap = cap;
    }
    l->ev[l->n++] = *ev;
}

typedef struct guest_run {
    hv_machine *m;
    evlog log;
    hv_vm_state st;
    hv_regs regs;
    hv_counters ctr;
    hv_stop why;
} guest_run;

/* The assembled guest `name` (malloc'ed), or NULL with a CHECK failure. */
static inline uint8_t *guest_image(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.bin", HV_GUEST_DIR, name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    uint8_t *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    CHECK(n > 0 && n < 65536);
    *len = n;
    return buf;
}

/* Patches the dword at guest-physical `gpa` of an image loaded at 0x1000. */
static inline void guest_patch32(uint8_t *img, size_t len, uint32_t gpa,
                                 uint32_t v)
{
    uint32_t off = gpa - 0x1000u;
    CHECK(off + 4 <= len);
    if (off + 4 <= len)
        memcpy(img + off, &v, 4);
}

/* Runs an image on `cfg` (NULL: hv_config_default) to its end or the
 * instruction limit. Returns false (after a CHECK failure) when the
 * machine could not be made or run. */
static inline bool run_image(guest_run *r, const hv_config *cfg,
                             const uint8_t *img, size_t len)
{
    memset(r, 0, sizeof *r);
    hv_config c;
    if (cfg)
        c = *cfg;
    else
        hv_config_default(&c);
    c.vms[0].image = img;
    c.vms[0].image_len = len;
    hv_err err = hv_machine_create(&c, &r->m);
    CHECK_OK(err);
    if (err)
        return false;
    hv_machine_set_sink(r->m, evlog_sink, &r->log);
    err = hv_machine_run(r->m, GUEST_MAX_INSNS, &r->why);
    CHECK_OK(err);
    CHECK(!r->log.oom);
    CHECK_OK(hv_machine_vm_state(r->m, 0, &r->st));
    CHECK_OK(hv_machine_regs(r->m, 0, &r->regs));
    hv_machine_counters(r->m, &r->ctr);
    return err == HV_OK;
}

static inline bool run_guest(guest_run *r, const char *name,
                             const hv_config *cfg)
{
    size_t len = 0;
    uint8_t *img = guest_image(name, &len);
    if (!img) {
        memset(r, 0, sizeof *r);
        return false;
    }
    bool ok = run_image(r, cfg, img, len);
    free(img);
    return ok;
}

static inline void run_free(guest_run *r)
{
    hv_machine_destroy(r->m);
    free(r->log.ev);
    memset(r, 0, sizeof *r);
}

/* The guest ended through the exit port with `status`. */
static inline bool ended_with(const guest_run *r, uint32_t status)
{
    return r->why == HV_STOP_ENDED && r->st.exit_reason == HV_VM_EXIT_PORT &&
           r->st.has_status && r->st.exit_status == status;
}

static inline uint32_t gpa32(const guest_run *r, uint32_t gpa)
{
    uint32_t v = 0xDEADBEEFu;
    CHECK_OK(hv_machine_read_gpa(r->m, 0, gpa, &v, sizeof v));
    return v;
}

/* Index of marker `n` (the first IO_OUT to port 0x80 with value n), or
 * the log's length (after a CHECK failure) when there is none. */
static inline size_t ev_mark(const guest_run *r, uint32_t n)
{
    for (size_t i = 0; i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type == HV_EV_IO_OUT && e->a == GUEST_MARK_PORT && e->c == n)
            return i;
    }
    fprintf(stderr, "  marker %u not found\n", n);
    CHECK(!"marker found");
    return r->log.n;
}

/* Index of the first event of `type` in [from, to) whose field a equals
 * `a` (any a when any_a), or `to` when none. */
static inline size_t ev_find(const guest_run *r, size_t from, size_t to,
                             int type, bool any_a, uint32_t a)
{
    if (to > r->log.n)
        to = r->log.n;
    for (size_t i = from; i < to; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type == type && (any_a || e->a == a))
            return i;
    }
    return to;
}

static inline size_t ev_count(const guest_run *r, size_t from, size_t to,
                              int type)
{
    size_t n = 0;
    if (to > r->log.n)
        to = r->log.n;
    for (size_t i = from; i < to; i++)
        n += r->log.ev[i].type == type;
    return n;
}

/* A TLB event (hit, miss, fill, evict, invlpg) names page `page`. */
static inline bool ev_on_page(const hv_event *e, int type, uint32_t page)
{
    return e->type == type && (e->a & ~0xFFFu) == (page & ~0xFFFu);
}

static inline size_t ev_count_page(const guest_run *r, size_t from,
                                   size_t to, int type, uint32_t page)
{
    size_t n = 0;
    if (to > r->log.n)
        to = r->log.n;
    for (size_t i = from; i < to; i++)
        n += ev_on_page(&r->log.ev[i], type, page);
    return n;
}

static inline size_t ev_find_page(const guest_run *r, size_t from,
                                  size_t to, int type, uint32_t page)
{
    if (to > r->log.n)
        to = r->log.n;
    for (size_t i = from; i < to; i++)
        if (ev_on_page(&r->log.ev[i], type, page))
            return i;
    return to;
}

/* Prints the events of [from, to) to stderr: context for a failure. */
static inline void ev_dump(const guest_run *r, size_t from, size_t to)
{
    char buf[256];
    if (to > r->log.n)
        to = r->log.n;
    for (size_t i = from; i < to; i++) {
        hv_event_format_text(&r->log.ev[i], buf, sizeof buf);
        fprintf(stderr, "    %s\n", buf);
    }
}

#endif
