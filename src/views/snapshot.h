/* hvlab views: the snapshot, what every pane draws from.
 *
 * The snapshot is the views' model of the machine (DESIGN.md §1: a view
 * never changes engine state). It holds a const pointer to the machine for
 * the engine's queries, and what only the event stream can tell: the
 * events of the last step, the last translation as the ordered events
 * that made it, which TLB slots the step touched, the guest tables as they
 * were when the step began, and cycles by cause. The driver (src/cli/tui.c)
 * installs hv_snapshot_sink as the machine's event sink and brackets every
 * run with hv_snapshot_begin_step / hv_snapshot_end_step; a "step" is one
 * thing the user asked for (one instruction, to the next TLB miss, one
 * tick of a continuous run).
 */
#ifndef HV_VIEWS_SNAPSHOT_H
#define HV_VIEWS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv.h"

/* The guest's source as NASM listed it (src/cli/listing.c fills it). */
typedef struct hv_source_row {
    uint32_t line;   /* line number in its file (NASM's numbering) */
    uint32_t offset; /* offset in the image (guest-physical = load + offset) */
    uint32_t nbytes; /* bytes the line emitted; 0: none */
    uint8_t level;   /* include/macro nesting: 0 is the guest's own file */
    char *text;      /* the source text */
} hv_source_row;

typedef struct hv_source {
    char *file;
    hv_source_row *rows;
    size_t nrows;
} hv_source;

/* Cycles by cause: the cost model applied to the events (the engine's
 * counters keep only the total; "other" is the remainder). */
/* What cycles are spent on: the engine's causes (hv.h). */
typedef hv_cost_cause hv_cause;
const char *hv_cause_name(hv_cause c);

/* The last translation: the TLB lookup that needed a walk and every event
 * that followed it up to the TLB fill, the guest's fault or the next
 * lookup (walk references of all three kinds, exits, hypervisor fills,
 * A/D updates, injections), in the order they happened. */
#define HV_SNAP_WALK_MAX 192
typedef struct hv_snap_walk {
    bool valid;
    hv_event lookup; /* TLB_MISS, or the TLB_HIT whose entry was walked again */
    hv_event ev[HV_SNAP_WALK_MAX];
    size_t nev;
    bool truncated;
    bool filled;   /* ended in a TLB fill (the last event) */
    bool faulted;  /* ended in the guest's own #PF */
    uint64_t step; /* the step it happened in */
} hv_snap_walk;

/* TLB slot marks for the last step. */
enum { HV_TLBM_HIT = 1, HV_TLBM_FILL = 2, HV_TLBM_EVICT = 4 };

#define HV_SNAP_TABLES 65 /* the directory and up to 64 page tables */
#define HV_SNAP_FILLS 256 /* hypervisor entries written in one step */

typedef struct hv_snap_table {
    uint32_t gpa;
    uint32_t e[1024];
} hv_snap_table;

typedef struct hv_snapshot {
    const hv_machine *m; /* queries only */
    hv_paging paging;
    uint32_t load; /* where the image sits (guest-physical) */

    /* The machine now and when the last step began. */
    hv_regs regs, prev_regs;
    hv_counters ctr, prev_ctr;
    hv_vm_state vm;
    uint64_t step;           /* steps so far (0: none yet) */
    uint64_t step_first_seq; /* events of the last step: seq >= this */
    uint64_t seq_end;        /* one past the last event seen */

    /* Recent events, oldest first when read through hv_snapshot_event. */
    hv_event *all, *notable; /* rings */
    size_t all_cap, notable_cap;
    uint64_t nall, nnotable; /* how many ever went in */

    hv_snap_walk walk;
    bool walk_collecting;
    bool have_lookup;
    hv_event pending_lookup;

    /* TLB: geometry, and what the last step did to each slot. */
    uint32_t tlb_sets, tlb_ways;
    uint8_t *tlb_mark;         /* sets*ways, HV_TLBM_* */
    uint32_t *tlb_evicted_vpn; /* what an evicted slot held */
    uint32_t hit_vpn[64];      /* distinct pages hit this step (the first 64) */
    size_t nhit_vpn;
    uint64_t step_hits, step_misses, step_flushes;

    /* Hypervisor entries written this step (shadow/nested table HPAs). */
    uint32_t filled_hpa[HV_SNAP_FILLS];
    size_t nfilled;

    /* Guest tables when the step began. */
    hv_snap_table *before;
    size_t nbefore;
    uint32_t before_cr3;
    bool before_paging;

    uint64_t cause[HV_CYC__COUNT], prev_cause[HV_CYC__COUNT];

    /* Set by the driver. */
    const hv_source *source;
    const char *guest_path;
    char status[160];      /* what the last action did, in words */
    const char *run_state; /* "paused", "running 100/s", "ended" */
    /* The scenario seam: NULL/0 for a bare guest. */
    const char *scenario_title;
    const char *step_title;
    const char *narration;  /* Markdown */
    size_t narration_focus; /* offset of what to show first (results) */
    int step_index, step_count;
} hv_snapshot;

hv_snapshot *hv_snapshot_new(void);
void hv_snapshot_free(hv_snapshot *s);
/* Forgets everything and starts over on machine m (NULL: detached). */
void hv_snapshot_attach(hv_snapshot *s, const hv_machine *m);
/* The machine's event sink (hv_machine_set_sink); opaque is the snapshot. */
void hv_snapshot_sink(void *opaque, const hv_event *ev);
void hv_snapshot_begin_step(hv_snapshot *s);
void hv_snapshot_end_step(hv_snapshot *s);

/* The i-th most recent event (0 = newest) of a ring; false past the end. */
bool hv_snapshot_recent(const hv_snapshot *s, bool notable, size_t i,
                        hv_event *out);
/* Whether an event belongs to the last step. */
bool hv_snapshot_in_step(const hv_snapshot *s, const hv_event *ev);
/* A guest table as it was when the step began, or NULL. */
const uint32_t *hv_snapshot_before(const hv_snapshot *s, uint32_t table_gpa);
/* The guest's translation of va now, by reading its tables (no events, no
 * A/D). With paging off, va itself. */
bool hv_snapshot_translate(const hv_snapshot *s, uint32_t va, uint32_t *gpa);
/* Whether the page of va was hit in the TLB this step. */
bool hv_snapshot_hit(const hv_snapshot *s, uint32_t vpn);
/* Whether the hypervisor wrote the table entry at hpa this step. */
bool hv_snapshot_filled(const hv_snapshot *s, uint32_t hpa);
/* Cycles of a cause, now (prev: when the step began). */
uint64_t hv_snapshot_cause(const hv_snapshot *s, hv_cause c, bool prev);

#endif
