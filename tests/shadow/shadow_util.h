/* hvlab shadow-paging tests: helpers on top of tests/unit/guest_harness.h
 * (run a guest of tests/shadow/guests/, record its events).
 *
 * Under a hypervisor every OUT exits, so each marker of a guest (OUT 0x80,
 * see tests/shadow/guests/st.inc) is one VM_EXIT (reason io) just before
 * its IO_OUT: a window [marker a, marker b) holds the exit of marker b.
 * The helpers below therefore count the exits of a window that are not
 * port I/O, which are the ones a test is about.
 */
#ifndef HV_SHADOW_UTIL_H
#define HV_SHADOW_UTIL_H

#include "guest_harness.h"
#include "tlb.h"

enum {
    PTE_P = 0x1,
    PTE_RW = 0x2,
    PTE_A = 0x20,
    PTE_D = 0x40,
    PTE_PS = 0x80,
    PTE_G = 0x100,
};

/* hv_config_default with shadow paging and the two coherence policies. */
static inline hv_config cfg_shadow(bool unsync, uint32_t flood)
{
    hv_config c;
    hv_config_default(&c);
    c.paging = HV_PAGING_SHADOW;
    c.shadow.unsync = unsync;
    c.shadow.flood_threshold = flood;
    return c;
}

/* The defaults: shadow with unsync on and a flood threshold of 3. */
static inline hv_config cfg_shadow_default(void)
{
    hv_config c;
    hv_config_default(&c);
    c.paging = HV_PAGING_SHADOW;
    return c;
}

static inline hv_config cfg_native(void)
{
    hv_config c;
    hv_config_default(&c);
    return c;
}

/* Events between two markers: [IO_OUT of marker a, IO_OUT of marker b). */
typedef struct win {
    size_t from, to;
} win;

static inline win window(const guest_run *r, uint32_t a, uint32_t b)
{
    win w = {ev_mark(r, a), ev_mark(r, b)};
    return w;
}

/* Word i of the guest's INFO table (EIPs of interesting instructions). */
static inline uint32_t info(const guest_run *r, uint32_t i)
{
    return gpa32(r, GUEST_INFO + 4 * i);
}

static inline size_t count_ev(const guest_run *r, win w, int type)
{
    return ev_count(r, w.from, w.to, type);
}

/* The first event of `type` in the window, or NULL. */
static inline const hv_event *first_ev(const guest_run *r, win w, int type)
{
    size_t i = ev_find(r, w.from, w.to, type, true, 0);
    return i < w.to && i < r->log.n ? &r->log.ev[i] : NULL;
}

/* VM exits of the window other than port I/O; *first gets the first. */
static inline size_t nonio_exits(const guest_run *r, win w,
                                 const hv_event **first)
{
    size_t n = 0;
    if (first)
        *first = NULL;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++) {
        const hv_event *e = &r->log.ev[i];
        if (e->type != HV_EV_VM_EXIT || e->a == HV_EXIT_IO)
            continue;
        if (n++ == 0 && first)
            *first = e;
    }
    return n;
}

/* VM exits of the window with this cause (any reason). */
static inline size_t exits_with_cause(const guest_run *r, win w,
                                      uint32_t cause)
{
    size_t n = 0;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++)
        n += r->log.ev[i].type == HV_EV_VM_EXIT && r->log.ev[i].c == cause;
    return n;
}

/* What the tests call an exit's "qual": for a #PF exit the interruption
 * error code (VT-x puts the linear address in the qualification and the
 * error code beside it), for the others the exit qualification. */
static inline uint32_t exit_code(const hv_event *e)
{
    return e->a == HV_EXIT_EXC_PF ? e->e : e->b;
}

/* Asserts that the window holds exactly one exit besides port I/O, with
 * the given reason key, qualification, cause and EIP; dumps the window
 * when not. */
static inline bool expect_one_exit(const guest_run *r, win w, const char *what,
                                   uint32_t key, uint32_t qual,
                                   uint32_t cause, uint32_t eip)
{
    const hv_event *e;
    size_t n = nonio_exits(r, w, &e);
    bool ok = n == 1 && e->a == key && exit_code(e) == qual &&
              e->c == cause && e->d == eip;
    if (!ok) {
        fprintf(stderr,
                "  %s: expected one exit %s qual=0x%x cause=%s eip=0x%x, "
                "got %zu:\n",
                what, hv_exit_key_name((hv_exit_key)key), qual,
                hv_exit_cause_name(cause), eip, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
    return ok;
}

/* Asserts that the window holds exactly one exit with reason `key` (other
 * exits may be there: hidden faults after a root switch), with the given
 * qualification, cause and EIP. */
static inline bool expect_one_exit_of(const guest_run *r, win w,
                                      const char *what, uint32_t key,
                                      uint32_t qual, uint32_t cause,
                                      uint32_t eip)
{
    size_t n = 0;
    const hv_event *e = NULL;
    for (size_t i = w.from; i < w.to && i < r->log.n; i++)
        if (r->log.ev[i].type == HV_EV_VM_EXIT && r->log.ev[i].a == key &&
            n++ == 0)
            e = &r->log.ev[i];
    bool ok = n == 1 && exit_code(e) == qual && e->c == cause && e->d == eip;
    if (!ok) {
        fprintf(stderr,
                "  %s: expected one exit %s qual=0x%x cause=%s eip=0x%x, "
                "got %zu of that reason:\n",
                what, hv_exit_key_name((hv_exit_key)key), qual,
                hv_exit_cause_name(cause), eip, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK(ok);
    return ok;
}

/* The role of a shadow page as events show it has level | direct << 2 |
 * wp << 3 in its low four bits (docs/shadow.md). */
#define ROLE_BASE(role) ((role) & 0xFu)

/* Asserts that the window holds no exit besides port I/O. */
static inline void expect_no_exit(const guest_run *r, win w, const char *what)
{
    size_t n = nonio_exits(r, w, NULL);
    if (n) {
        fprintf(stderr, "  %s: expected no exit, got %zu:\n", what, n);
        ev_dump(r, w.from, w.to);
    }
    CHECK_EQ(n, 0);
}

/* The host frame behind linear page `va` as the first TLB fill of that
 * page in [from, to) names it, or UINT32_MAX (after a CHECK failure). */
static inline uint32_t filled_frame(const guest_run *r, size_t from, size_t to,
                                    uint32_t va)
{
    size_t i = ev_find_page(r, from, to, HV_EV_TLB_FILL, va);
    CHECK(i < to && i < r->log.n);
    return i < to && i < r->log.n ? r->log.ev[i].b >> 12 : UINT32_MAX;
}

#endif
