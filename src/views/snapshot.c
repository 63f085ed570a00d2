/* hvlab views: the snapshot (snapshot.h). */
#include <stdlib.h>
#include <string.h>

#include "views/snapshot.h"

#define ALL_CAP 8192
#define NOTABLE_CAP 4096

static const char *const cause_names[HV_CYC__COUNT] = {
#define HV_CAUSE_NAME(id, name) [HV_CYC_##id] = name,
    HV_COST_CAUSE_LIST(HV_CAUSE_NAME)
#undef HV_CAUSE_NAME
};

const char *hv_cause_name(hv_cause c)
{
    return (unsigned)c < HV_CYC__COUNT ? cause_names[c] : "?";
}

hv_snapshot *hv_snapshot_new(void)
{
    hv_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->all_cap = ALL_CAP;
    s->notable_cap = NOTABLE_CAP;
    s->all = calloc(ALL_CAP, sizeof *s->all);
    s->notable = calloc(NOTABLE_CAP, sizeof *s->notable);
    s->before = calloc(HV_SNAP_TABLES, sizeof *s->before);
    if (!s->all || !s->notable || !s->before) {
        hv_snapshot_free(s);
        return NULL;
    }
    return s;
}

void hv_snapshot_free(hv_snapshot *s)
{
    if (!s)
        return;
    free(s->all);
    free(s->notable);
    free(s->before);
    free(s->tlb_mark);
    free(s->tlb_evicted_vpn);
    free(s);
}

static void read_state(hv_snapshot *s)
{
    hv_machine_regs(s->m, 0, &s->regs);
    hv_machine_counters(s->m, &s->ctr);
    hv_machine_vm_state(s->m, 0, &s->vm);
}

void hv_snapshot_attach(hv_snapshot *s, const hv_machine *m)
{
    s->m = m;
    s->step = 0;
    s->step_first_seq = s->seq_end = 0;
    s->nall = s->nnotable = 0;
    memset(&s->walk, 0, sizeof s->walk);
    s->walk_collecting = s->have_lookup = false;
    s->nhit_vpn = s->nfilled = s->nbefore = 0;
    s->step_hits = s->step_misses = s->step_flushes = 0;
    memset(s->cause, 0, sizeof s->cause);
    memset(s->prev_cause, 0, sizeof s->prev_cause);
    s->status[0] = 0;
    free(s->tlb_mark);
    free(s->tlb_evicted_vpn);
    s->tlb_mark = NULL;
    s->tlb_evicted_vpn = NULL;
    s->tlb_sets = s->tlb_ways = 0;
    if (!m)
        return;
    const hv_config *cfg = hv_machine_config(m);
    s->paging = cfg->paging;
    s->load = cfg->vms[0].load;
    hv_machine_tlb_geometry(m, 0, &s->tlb_sets, &s->tlb_ways);
    size_t slots = (size_t)s->tlb_sets * s->tlb_ways;
    s->tlb_mark = calloc(slots ? slots : 1, 1);
    s->tlb_evicted_vpn = calloc(slots ? slots : 1, sizeof *s->tlb_evicted_vpn);
    if (!s->tlb_mark || !s->tlb_evicted_vpn)
        s->tlb_sets = s->tlb_ways = 0; /* the TLB pane says it has no data */
    read_state(s);
    s->prev_regs = s->regs;
    s->prev_ctr = s->ctr;
}

/* --- the event intake ---------------------------------------------------- */

static bool is_notable(hv_event_type t)
{
    switch (t) {
    case HV_EV_TLB_HIT:
    case HV_EV_TLB_MISS:
    case HV_EV_TLB_FILL:
    case HV_EV_TLB_EVICT:
    case HV_EV_WALK_REF:
    case HV_EV_SW_WALK_REF:
    case HV_EV_NESTED_WALK_REF:
    case HV_EV_AD_SET:
    case HV_EV_CONSOLE: /* the OUT to THR that made it is in the log */
        return false;
    default: return true;
    }
}

/* What an event costs and why: the engine's own breakdown, the one its
 * cycle counter folds. Instructions are charged apart (counters × cost). */
static void charge(hv_snapshot *s, const hv_event *ev)
{
    hv_event_cost(&hv_machine_config(s->m)->cost, ev, s->cause);
}

static void walk_add(hv_snapshot *s, const hv_event *ev)
{
    hv_snap_walk *w = &s->walk;
    if (w->nev < HV_SNAP_WALK_MAX)
        w->ev[w->nev++] = *ev;
    else
        w->truncated = true;
}

/* HOW THE LAST TRANSLATION IS FOUND: every access looks the TLB up first
 * (TLB_HIT or TLB_MISS). The first walk reference after a lookup starts a
 * new record; everything that follows belongs to it (nested references,
 * the exits of EPT violations and hidden faults, the hypervisor's software
 * walk and fills, retries) until the TLB fill, the guest's #PF, or the next
 * lookup. Walk references with no lookup before them (the hypervisor
 * resyncing a table) belong to no translation. */
static void track_walk(hv_snapshot *s, const hv_event *ev)
{
    switch ((hv_event_type)ev->type) {
    case HV_EV_TLB_HIT:
    case HV_EV_TLB_MISS:
        s->walk_collecting = false;
        s->have_lookup = true;
        s->pending_lookup = *ev;
        return;
    case HV_EV_WALK_REF:
    case HV_EV_SW_WALK_REF:
    case HV_EV_NESTED_WALK_REF:
    case HV_EV_PWC_HIT:
    case HV_EV_PWC_MISS:
        if (s->have_lookup) {
            memset(&s->walk, 0, sizeof s->walk);
            s->walk.valid = true;
            s->walk.lookup = s->pending_lookup;
            s->walk.step = s->step;
            s->have_lookup = false;
            s->walk_collecting = true;
        }
        if (s->walk_collecting)
            walk_add(s, ev);
        return;
    case HV_EV_TLB_FILL:
        if (s->walk_collecting) {
            walk_add(s, ev);
            s->walk.filled = true;
            s->walk_collecting = false;
        }
        return;
    case HV_EV_GUEST_FAULT:
        if (s->walk_collecting) {
            walk_add(s, ev);
            s->walk.faulted = true;
            s->walk_collecting = false;
        }
        return;
    case HV_EV_AD_SET:
    case HV_EV_VM_EXIT:
    case HV_EV_NESTED_FAULT:
    case HV_EV_NESTED_FILL:
    case HV_EV_SHADOW_ALLOC:
    case HV_EV_SHADOW_ZAP:
    case HV_EV_SHADOW_FILL:
    case HV_EV_SHADOW_WRPROT:
    case HV_EV_SHADOW_UNSYNC:
    case HV_EV_INJECT:
    case HV_EV_EMULATED_WRITE:
    case HV_EV_TLB_EVICT:
    case HV_EV_TLB_INVLPG:
        if (s->walk_collecting)
            walk_add(s, ev);
        return;
    default: return;
    }
}

static void track_tlb(hv_snapshot *s, const hv_event *ev)
{
    size_t slots = (size_t)s->tlb_sets * s->tlb_ways;
    switch ((hv_event_type)ev->type) {
    case HV_EV_TLB_HIT: {
        s->step_hits += ev->d ? ev->d : 1; /* a run of hits */
        uint32_t vpn = ev->a >> 12;
        for (size_t i = 0; i < s->nhit_vpn; i++)
            if (s->hit_vpn[i] == vpn)
                return;
        if (s->nhit_vpn < sizeof s->hit_vpn / sizeof s->hit_vpn[0])
            s->hit_vpn[s->nhit_vpn++] = vpn;
        return;
    }
    case HV_EV_TLB_MISS: s->step_misses++; return;
    case HV_EV_TLB_FLUSH: s->step_flushes++; return;
    case HV_EV_TLB_FILL:
        if (ev->d < slots)
            s->tlb_mark[ev->d] |= HV_TLBM_FILL;
        return;
    case HV_EV_TLB_EVICT:
        if (ev->d < slots) {
            s->tlb_mark[ev->d] |= HV_TLBM_EVICT;
            s->tlb_evicted_vpn[ev->d] = ev->a >> 12;
        }
        return;
    default: return;
    }
}

void hv_snapshot_sink(void *opaque, const hv_event *ev)
{
    hv_snapshot *s = opaque;
    if (!s->m)
        return;
    s->all[s->nall++ % s->all_cap] = *ev;
    if (is_notable(ev->type))
        s->notable[s->nnotable++ % s->notable_cap] = *ev;
    s->seq_end = ev->seq + 1;
    charge(s, ev);
    track_walk(s, ev);
    track_tlb(s, ev);
    if ((ev->type == HV_EV_SHADOW_FILL || ev->type == HV_EV_NESTED_FILL) &&
        s->nfilled < HV_SNAP_FILLS)
        s->filled_hpa[s->nfilled++] = ev->b;
}

/* --- steps ---------------------------------------------------------------- */

static bool copy_table(hv_snapshot *s, uint32_t gpa)
{
    if (s->nbefore >= HV_SNAP_TABLES)
        return false;
    hv_snap_table *t = &s->before[s->nbefore];
    if (hv_machine_read_gpa(s->m, 0, gpa, t->e, sizeof t->e) != HV_OK)
        return false;
    t->gpa = gpa;
    s->nbefore++;
    return true;
}

void hv_snapshot_begin_step(hv_snapshot *s)
{
    if (!s->m)
        return;
    read_state(s);
    s->prev_regs = s->regs;
    s->prev_ctr = s->ctr;
    memcpy(s->prev_cause, s->cause, sizeof s->cause);
    s->step++;
    s->step_first_seq = s->seq_end;
    s->nhit_vpn = s->nfilled = 0;
    s->step_hits = s->step_misses = s->step_flushes = 0;
    memset(s->tlb_mark, 0, (size_t)s->tlb_sets * s->tlb_ways);
    s->status[0] = 0;

    /* The guest's tables as they are now, to mark what the step changes. */
    s->nbefore = 0;
    s->before_cr3 = s->regs.cr3 & ~0xFFFu;
    s->before_paging = s->regs.cr0 & 0x80000000u;
    if (!s->before_paging && !s->before_cr3)
        return;
    if (!copy_table(s, s->before_cr3))
        return;
    bool pse = s->regs.cr4 & 0x10u;
    for (int i = 0; i < 1024; i++) {
        uint32_t pde = s->before[0].e[i];
        if ((pde & 1u) && !((pde & 0x80u) && pse))
            if (!copy_table(s, pde & ~0xFFFu) && s->nbefore >= HV_SNAP_TABLES)
                break;
    }
}

void hv_snapshot_end_step(hv_snapshot *s)
{
    if (s->m)
        read_state(s);
}

/* --- reading -------------------------------------------------------------- */

bool hv_snapshot_recent(const hv_snapshot *s, bool notable, size_t i,
                        hv_event *out)
{
    const hv_event *ring = notable ? s->notable : s->all;
    uint64_t n = notable ? s->nnotable : s->nall;
    size_t cap = notable ? s->notable_cap : s->all_cap;
    if (i >= n || i >= cap)
        return false;
    *out = ring[(n - 1 - i) % cap];
    return true;
}

bool hv_snapshot_in_step(const hv_snapshot *s, const hv_event *ev)
{
    return s->step && ev->seq >= s->step_first_seq;
}

const uint32_t *hv_snapshot_before(const hv_snapshot *s, uint32_t table_gpa)
{
    for (size_t i = 0; i < s->nbefore; i++)
        if (s->before[i].gpa == table_gpa)
            return s->before[i].e;
    return NULL;
}

bool hv_snapshot_translate(const hv_snapshot *s, uint32_t va, uint32_t *gpa)
{
    if (!(s->regs.cr0 & 0x80000000u)) {
        *gpa = va;
        return true;
    }
    uint32_t pde, pte;
    uint32_t pd = s->regs.cr3 & ~0xFFFu;
    if (hv_machine_read_gpa(s->m, 0, pd + (va >> 22) * 4, &pde, 4) != HV_OK ||
        !(pde & 1u))
        return false;
    if ((pde & 0x80u) && (s->regs.cr4 & 0x10u)) {
        *gpa = (pde & 0xFFC00000u) | (va & 0x3FFFFFu);
        return true;
    }
    if (hv_machine_read_gpa(s->m, 0,
                            (pde & ~0xFFFu) + ((va >> 12) & 0x3FFu) * 4, &pte,
                            4) != HV_OK ||
        !(pte & 1u))
        return false;
    *gpa = (pte & ~0xFFFu) | (va & 0xFFFu);
    return true;
}

bool hv_snapshot_hit(const hv_snapshot *s, uint32_t vpn)
{
    for (size_t i = 0; i < s->nhit_vpn; i++)
        if (s->hit_vpn[i] == vpn)
            return true;
    return false;
}

bool hv_snapshot_filled(const hv_snapshot *s, uint32_t hpa)
{
    for (size_t i = 0; i < s->nfilled; i++)
        if (s->filled_hpa[i] == hpa)
            return true;
    return false;
}

uint64_t hv_snapshot_cause(const hv_snapshot *s, hv_cause c, bool prev)
{
    const hv_counters *ctr = prev ? &s->prev_ctr : &s->ctr;
    const uint64_t *cause = prev ? s->prev_cause : s->cause;
    if (!s->m || (unsigned)c >= HV_CYC__COUNT)
        return 0;
    uint64_t insn = ctr->instructions * hv_machine_config(s->m)->cost.insn;
    if (c == HV_CYC_INSN)
        return insn;
    if (c != HV_CYC_OTHER)
        return cause[c];
    uint64_t sum = insn;
    for (int i = 0; i < HV_CYC_OTHER; i++)
        if (i != HV_CYC_INSN)
            sum += cause[i];
    return ctr->cycles > sum ? ctr->cycles - sum : 0;
}
