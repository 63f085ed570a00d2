/* hvlab scenarios: evaluating checkpoints and answers on a machine, and
 * saying what was expected and what was found (docs/scenario-format.md,
 * "Checkpoints"). Reading guest tables here is the scenario's own look at
 * guest memory: it emits no event and changes no counter. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scn_internal.h"

/* hv_tlb_view.flags (hv.h): 1 W, 2 U, 4 D, 8 G, 16 large. */
enum { TLBF_W = 1, TLBF_U = 2, TLBF_D = 4, TLBF_G = 8, TLBF_LARGE = 16 };

static const char *const pg_names[] = {"P", "RW", "US", "PWT", "PCD", "A",
                                       "D", "PS", "G"};

void hv_scn_baseline_take(hv_machine *m, hv_scn_baseline *b)
{
    memset(b, 0, sizeof *b);
    hv_machine_counters(m, &b->counters);
    for (uint32_t i = 0; i < hv_machine_nvms(m) && i < HV_MAX_VMS; i++) {
        hv_vm_state st;
        if (hv_machine_vm_state(m, i, &st) == HV_OK)
            b->console_len[i] = st.console_len;
    }
}

static bool counter_now(hv_machine *m, const hv_scn_baseline *base,
                        const char *name, bool step, uint64_t *out)
{
    hv_counters c;
    hv_machine_counters(m, &c);
    uint64_t now, then = 0;
    if (!hv_counter_get(&c, name, &now))
        return false;
    if (step && base && !hv_counter_get(&base->counters, name, &then))
        return false;
    *out = step ? now - then : now;
    return true;
}

static uint32_t reg_value(const hv_regs *r, hv_scn_reg reg)
{
    const uint32_t v[HV_SCN_REG__COUNT] = {
        r->eax, r->ebx, r->ecx, r->edx, r->esi, r->edi, r->ebp, r->esp,
        r->eip, r->eflags, r->cr0, r->cr2, r->cr3, r->cr4, r->cs, r->ds,
        r->ss};
    return reg < HV_SCN_REG__COUNT ? v[reg] : 0;
}

/* "P RW A D" (sep " ") or "A,D" (sep ",") */
static void flag_list(uint32_t bits, const char *sep, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < 9; i++)
        if (bits & (1u << i))
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                                  o ? sep : "", pg_names[i]);
    if (!o)
        snprintf(buf, len, "none");
}

static void flag_words(uint32_t bits, char *buf, size_t len)
{
    flag_list(bits, " ", buf, len);
}

static bool cmp_holds(const hv_scn_cmp *c, uint64_t v)
{
    if (c->has_mask)
        v &= c->mask.v;
    if (c->has_eq)
        return v == c->eq.v;
    return (!c->has_min || v >= c->min.v) && (!c->has_max || v <= c->max.v);
}

static void cmp_expect(const hv_scn_cmp *c, bool hex, const char *what,
                       char *buf, size_t len)
{
    const char *f = hex ? "0x%08llx" : "%llu";
    char a[32], b[32], m[48] = "";
    if (c->has_mask) {
        snprintf(a, sizeof a, "0x%08llx", (unsigned long long)c->mask.v);
        snprintf(m, sizeof m, " & %s", a);
    }
    snprintf(a, sizeof a, f, (unsigned long long)(c->has_eq ? c->eq.v
                                                            : c->min.v));
    snprintf(b, sizeof b, f, (unsigned long long)c->max.v);
    if (c->has_eq)
        snprintf(buf, len, "%s%s = %s", what, m, a);
    else if (c->has_min && c->has_max)
        snprintf(buf, len, "%s%s between %s and %s", what, m, a, b);
    else if (c->has_min)
        snprintf(buf, len, "%s%s at least %s", what, m, a);
    else
        snprintf(buf, len, "%s%s at most %s", what, m, b);
}

/* Quotes text for a result: escaped (scn_escape), the last `max`
 * characters. */
static void quote(const char *s, size_t n, size_t max, char *buf, size_t len)
{
    if (len < 10)
        return;
    buf[0] = '"';
    scn_escape(s, n, max, true, buf + 1, len - 2);
    size_t o = strlen(buf);
    buf[o++] = '"';
    buf[o] = 0;
}

static void eval_entry(const hv_scn_check *k, hv_machine *m,
                       hv_scn_check_result *r)
{
    const char *lvl = k->level == 1 ? "PDE" : "PTE";
    uint32_t va = (uint32_t)k->va.v;
    char want[96] = "", set[48], clear[48];
    size_t o = 0;
    if (k->set) {
        flag_list(k->set, ",", set, sizeof set);
        o += (size_t)snprintf(want + o, sizeof want - o, " %s set", set);
    }
    if (k->clear) {
        flag_list(k->clear, ",", clear, sizeof clear);
        o += (size_t)snprintf(want + o, sizeof want - o, "%s %s clear",
                              o ? "," : "", clear);
    }
    if (k->has_frame)
        snprintf(want + o, sizeof want - o, "%s frame 0x%08x", o ? "," : "",
                 (uint32_t)k->frame.v);
    snprintf(r->expected, sizeof r->expected, "%s of 0x%08x:%s", lvl, va,
             want);
    hv_regs regs;
    if (hv_machine_regs(m, k->vm, &regs) != HV_OK) {
        snprintf(r->actual, sizeof r->actual, "no such VM");
        return;
    }
    uint32_t cr3 = k->has_cr3 ? (uint32_t)k->cr3.v : regs.cr3;
    uint32_t pde_at = (cr3 & 0xFFFFF000u) + (va >> 22) * 4, pde;
    if (hv_machine_read_gpa(m, k->vm, pde_at, &pde, 4) != HV_OK) {
        snprintf(r->actual, sizeof r->actual, "the directory at 0x%08x is "
                 "outside guest RAM", cr3 & 0xFFFFF000u);
        return;
    }
    uint32_t entry = pde, at = pde_at, frame_mask = 0xFFFFF000u;
    bool large = (pde & HV_SCN_PG_PS) && (regs.cr4 & 0x10);
    if (k->level == 2) {
        if (!(pde & HV_SCN_PG_P)) {
            snprintf(r->actual, sizeof r->actual, "PDE 0x%08x at 0x%08x is "
                     "not present: there is no PTE", pde, pde_at);
            return;
        }
        if (large) {
            snprintf(r->actual, sizeof r->actual, "PDE 0x%08x at 0x%08x maps "
                     "a 4 MiB page: there is no PTE", pde, pde_at);
            return;
        }
        at = (pde & 0xFFFFF000u) + ((va >> 12) & 0x3FF) * 4;
        if (hv_machine_read_gpa(m, k->vm, at, &entry, 4) != HV_OK) {
            snprintf(r->actual, sizeof r->actual, "the page table at 0x%08x "
                     "is outside guest RAM", pde & 0xFFFFF000u);
            return;
        }
    } else if (large) {
        frame_mask = 0xFFC00000u;
    }
    char words[64];
    flag_words(entry & 0x1FF, words, sizeof words);
    snprintf(r->actual, sizeof r->actual, "%s 0x%08x at 0x%08x (%s)", lvl,
             entry, at, words);
    r->ok = (entry & k->set) == k->set && !(entry & k->clear) &&
            (!k->has_frame || (entry & frame_mask) == (uint32_t)k->frame.v);
}

static void eval_tlb(const hv_scn_check *k, hv_machine *m,
                     hv_scn_check_result *r)
{
    uint32_t va = (uint32_t)k->va.v;
    char want[64] = "", set[48], clear[48];
    size_t o = 0;
    if (k->set) {
        flag_list(k->set, ",", set, sizeof set);
        o += (size_t)snprintf(want + o, sizeof want - o, " with %s", set);
    }
    if (k->clear) {
        flag_list(k->clear, ",", clear, sizeof clear);
        o += (size_t)snprintf(want + o, sizeof want - o, " without %s", clear);
    }
    if (k->has_frame)
        snprintf(want + o, sizeof want - o, " -> frame 0x%08x",
                 (uint32_t)k->frame.v);
    snprintf(r->expected, sizeof r->expected, "%s TLB entry for 0x%08x%s",
             k->present ? "a" : "no", va, want);
    hv_tlb_view t;
    bool found = hv_machine_tlb_find(m, k->vm, va, &t);
    if (!found) {
        snprintf(r->actual, sizeof r->actual, "no entry");
        r->ok = !k->present;
        return;
    }
    uint32_t bits = ((t.flags & TLBF_W) ? HV_SCN_PG_RW : 0) |
                    ((t.flags & TLBF_U) ? HV_SCN_PG_US : 0) |
                    ((t.flags & TLBF_D) ? HV_SCN_PG_D : 0) |
                    ((t.flags & TLBF_G) ? HV_SCN_PG_G : 0) |
                    ((t.flags & TLBF_LARGE) ? HV_SCN_PG_PS : 0);
    char words[48];
    flag_words(bits, words, sizeof words);
    snprintf(r->actual, sizeof r->actual, "entry 0x%05x -> 0x%05x (%s) in "
             "set %u way %u", t.vpn, t.pfn, words, t.set, t.way);
    r->ok = k->present && (bits & k->set) == k->set && !(bits & k->clear) &&
            (!k->has_frame || (t.pfn << 12) == (uint32_t)k->frame.v);
}

static void eval_console(const hv_scn_check *k, hv_machine *m,
                         const hv_scn_baseline *base, hv_scn_check_result *r)
{
    static const char *const ops[] = {"contains", "equals", "excludes"};
    hv_vm_state st;
    char q[120];
    quote(k->text, strlen(k->text), 100, q, sizeof q);
    snprintf(r->expected, sizeof r->expected, "console%s %s %s",
             k->step_scope ? " (this step)" : "", ops[k->console_op], q);
    if (hv_machine_vm_state(m, k->vm, &st) != HV_OK) {
        snprintf(r->actual, sizeof r->actual, "no such VM");
        return;
    }
    size_t from = k->step_scope && base && k->vm < HV_MAX_VMS
                      ? base->console_len[k->vm]
                      : 0;
    if (from > st.console_len)
        from = st.console_len;
    const char *text = st.console + from;
    size_t n = st.console_len - from;
    bool has = strstr(text, k->text) != NULL;
    switch (k->console_op) {
    case HV_SCN_CONSOLE_CONTAINS: r->ok = has; break;
    case HV_SCN_CONSOLE_EXCLUDES: r->ok = !has; break;
    case HV_SCN_CONSOLE_EQUALS:
        r->ok = n == strlen(k->text) && memcmp(text, k->text, n) == 0;
        break;
    }
    quote(text, n, 120, r->actual, sizeof r->actual);
}

static void eval_exit(const hv_scn_check *k, hv_machine *m,
                      hv_scn_check_result *r)
{
    hv_vm_state st;
    char status[40] = "";
    if (k->has_status)
        snprintf(status, sizeof status, " with status %llu",
                 (unsigned long long)k->status.v);
    if (hv_machine_vm_state(m, k->vm, &st) != HV_OK) {
        snprintf(r->actual, sizeof r->actual, "no such VM");
        return;
    }
    snprintf(r->expected, sizeof r->expected, "%s: %s%s", st.name,
             hv_vm_exit_reason_name(k->exit_reason), status);
    if (st.has_status)
        snprintf(r->actual, sizeof r->actual, "%s, status %u",
                 hv_vm_exit_reason_name(st.exit_reason), st.exit_status);
    else
        snprintf(r->actual, sizeof r->actual, "%s",
                 hv_vm_exit_reason_name(st.exit_reason));
    r->ok = st.exit_reason == k->exit_reason &&
            (!k->has_status ||
             (st.has_status && st.exit_status == (uint32_t)k->status.v));
}

void hv_scn_check_eval(const hv_scn_check *k, hv_machine *m,
                       const hv_scn_baseline *base, hv_scn_check_result *r)
{
    memset(r, 0, sizeof *r);
    char what[64];
    switch (k->kind) {
    case HV_SCN_CHECK_COUNTER: {
        uint64_t v;
        snprintf(what, sizeof what, "%s%s", k->counter,
                 k->step_scope ? " in this step" : "");
        cmp_expect(&k->cmp, false, what, r->expected, sizeof r->expected);
        if (!counter_now(m, base, k->counter, k->step_scope, &v)) {
            snprintf(r->actual, sizeof r->actual, "no counter %s", k->counter);
            return;
        }
        snprintf(r->actual, sizeof r->actual, "%s = %llu", what,
                 (unsigned long long)v);
        r->ok = cmp_holds(&k->cmp, v);
        return;
    }
    case HV_SCN_CHECK_REGISTER: {
        hv_regs regs;
        const char *name = hv_scn_reg_name(k->reg);
        cmp_expect(&k->cmp, true, name, r->expected, sizeof r->expected);
        if (hv_machine_regs(m, k->vm, &regs) != HV_OK) {
            snprintf(r->actual, sizeof r->actual, "no such VM");
            return;
        }
        uint32_t v = reg_value(&regs, k->reg);
        snprintf(r->actual, sizeof r->actual, "%s = 0x%08x", name, v);
        r->ok = cmp_holds(&k->cmp, v);
        return;
    }
    case HV_SCN_CHECK_MEMORY: {
        uint32_t v = 0, a = (uint32_t)k->addr.v;
        snprintf(what, sizeof what, "[0x%08x] (%u byte%s)", a, k->size,
                 k->size > 1 ? "s" : "");
        cmp_expect(&k->cmp, true, what, r->expected, sizeof r->expected);
        if (hv_machine_read_gpa(m, k->vm, a, &v, k->size) != HV_OK) {
            snprintf(r->actual, sizeof r->actual, "0x%08x is outside guest "
                     "RAM", a);
            return;
        }
        snprintf(r->actual, sizeof r->actual, "%s = 0x%08x", what, v);
        r->ok = cmp_holds(&k->cmp, v);
        return;
    }
    case HV_SCN_CHECK_ENTRY: eval_entry(k, m, r); return;
    case HV_SCN_CHECK_TLB: eval_tlb(k, m, r); return;
    case HV_SCN_CHECK_CONSOLE: eval_console(k, m, base, r); return;
    case HV_SCN_CHECK_EXIT: eval_exit(k, m, r); return;
    }
}

void hv_scn_answer_eval(const hv_scn_question *q, hv_machine *m,
                        const hv_scn_baseline *base, hv_scn_answer *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    if (q->kind == HV_SCN_Q_CHOICE) {
        out->known = q->has_answer;
        out->value = q->answer_choice;
        if (q->has_answer)
            snprintf(out->text, sizeof out->text, "%s",
                     q->choices[q->answer_choice]);
        return;
    }
    const char *unit = q->unit ? q->unit : "";
    if (!q->has_from) {
        out->known = q->has_answer;
        out->value = q->answer;
        snprintf(out->text, sizeof out->text, "%g%s%s", q->answer,
                 *unit ? " " : "", unit);
        return;
    }
    const hv_scn_source *src = &q->from;
    uint64_t v = 0;
    char from[64];
    if (src->is_register) {
        hv_regs regs;
        if (hv_machine_regs(m, src->vm, &regs) != HV_OK)
            return;
        v = reg_value(&regs, src->reg);
        snprintf(from, sizeof from, "%s", hv_scn_reg_name(src->reg));
    } else {
        if (!counter_now(m, base, src->counter, src->step_scope, &v))
            return;
        snprintf(from, sizeof from, "%s%s", src->counter,
                 src->step_scope ? " in this step" : "");
    }
    out->known = out->computed = true;
    out->value = (double)v;
    if (q->has_answer && fabs(q->answer - out->value) > q->tolerance + 1e-9) {
        out->ok = false;
        snprintf(out->text, sizeof out->text, "the run says %llu (%s), but "
                 "the written answer is %g", (unsigned long long)v, from,
                 q->answer);
        return;
    }
    snprintf(out->text, sizeof out->text, "%llu%s%s (%s)",
             (unsigned long long)v, *unit ? " " : "", unit, from);
}
