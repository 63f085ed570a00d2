/* hvlab scenarios: checkpoints, what must hold after a step
 * (docs/scenario-format.md, "Checkpoints"). */
#include <stdio.h>
#include <string.h>

#include "scn_internal.h"

const char *const scn_reg_names[] = {
    "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags",
    "cr0", "cr2", "cr3", "cr4", "cs", "ds", "ss", NULL};

/* hv_counter_names() and "vm_exits/REASON" for each exit reason, as
 * hv_counter_get reads them and the JSON report keys by_reason. */
const char *const *hv_scn_counter_names(void)
{
    static char exit_names[HV_EXIT__COUNT][48];
    static const char *names[64 + HV_EXIT__COUNT + 1];
    if (names[0])
        return names;
    size_t n = 0;
    for (const char *const *p = hv_counter_names(); *p && n < 64; p++)
        names[n++] = *p;
    for (int k = 0; k < HV_EXIT__COUNT; k++) {
        snprintf(exit_names[k], sizeof exit_names[k], "vm_exits/%s",
                 hv_exit_key_name((hv_exit_key)k));
        names[n++] = exit_names[k];
    }
    names[n] = NULL;
    return names;
}

const char *hv_scn_reg_name(hv_scn_reg reg)
{
    return reg < HV_SCN_REG__COUNT ? scn_reg_names[reg] : "?";
}

/* The subject keys, in hv_scn_check_kind order. */
static const char *const subjects[] = {"counter", "register", "entry", "tlb",
                                       "console", "exit", "memory", NULL};

static const char *const keys_by_kind[][10] = {
    {"name", "vm", "counter", "scope", "equals", "min", "max", NULL},
    {"name", "vm", "register", "equals", "min", "max", "mask", NULL},
    {"name", "vm", "entry", "va", "cr3", "set", "clear", "frame", NULL},
    {"name", "vm", "tlb", "present", "set", "clear", "frame", NULL},
    {"name", "vm", "console", "scope", NULL},
    {"name", "vm", "exit", "status", NULL},
    {"name", "vm", "memory", "size", "equals", "min", "max", "mask", NULL},
};

static const char *const all_keys[] = {
    "name", "vm", "counter", "register", "entry", "tlb", "console", "exit",
    "memory", "scope", "equals", "min", "max", "mask", "va", "cr3", "set",
    "clear", "frame", "present", "status", "size", NULL};

static const char *const scope_names[] = {"total", "step", NULL};
static const char *const level_names[] = {"pde", "pte", NULL};
static const char *const pg_names[] = {"P", "RW", "US", "PWT", "PCD", "A",
                                       "D", "PS", "G", NULL};
static const char *const exit_names[] = {"running", "exit_port", "halt",
                                         "triple_fault", "bad_access",
                                         "internal_error", NULL};
static const char *const console_keys[] = {"contains", "equals", "excludes",
                                           NULL};

static void parse_cmp(scn_ctx *c, scn_node n, hv_scn_check *k, bool wide,
                      bool mask)
{
    hv_scn_cmp *m = &k->cmp;
    const char *const names[] = {"equals", "min", "max", "mask"};
    hv_scn_value *vals[] = {&m->eq, &m->min, &m->max, &m->mask};
    bool *has[] = {&m->has_eq, &m->has_min, &m->has_max, &m->has_mask};
    for (int i = 0; i < (mask ? 4 : 3); i++) {
        scn_node v = scn_member(c, n, names[i]);
        if (!v.j)
            continue;
        if (wide) {
            /* Counters are 64-bit and are numbers, never labels. */
            vals[i]->loc = scn_loc(c, v);
            vals[i]->resolved = true;
            *has[i] = scn_get_u64(c, n, names[i], false, 0, UINT64_MAX,
                                  &vals[i]->v);
        } else {
            *has[i] = scn_node_value(c, v, k->vm, false, vals[i]);
        }
    }
    if (!m->has_eq && !m->has_min && !m->has_max &&
        !scn_member(c, n, "equals").j && !scn_member(c, n, "min").j &&
        !scn_member(c, n, "max").j) {
        scn_err(c, n, "needs equals, or min and/or max");
        return;
    }
    if (scn_member(c, n, "equals").j &&
        (scn_member(c, n, "min").j || scn_member(c, n, "max").j))
        scn_err_key(c, scn_member(c, n, "equals"),
                    "give equals, or min and/or max, not both");
    if (m->has_min && m->has_max && m->min.resolved && m->max.resolved &&
        m->min.v > m->max.v)
        scn_err(c, scn_member(c, n, "min"), "min %llu is more than max %llu",
                (unsigned long long)m->min.v, (unsigned long long)m->max.v);
}

/* "set": ["A", "D"] -> bits; `allowed` masks the names that apply. */
static uint32_t parse_flags(scn_ctx *c, scn_node n, const char *key,
                            uint32_t allowed)
{
    scn_node arr;
    size_t cnt;
    if (!scn_get_array(c, n, key, false, 1, 9, &arr, &cnt))
        return 0;
    uint32_t bits = 0;
    for (size_t i = 0; i < cnt; i++) {
        scn_node e = scn_elem(c, arr, i);
        int f;
        if (!scn_node_enum(c, e, "a page-table flag", pg_names, &f))
            continue;
        if (!(allowed & (1u << f))) {
            scn_err(c, e, "a TLB entry caches no %s bit (it keeps RW, US, "
                          "D, G and PS)", pg_names[f]);
            continue;
        }
        if (bits & (1u << f))
            scn_err(c, e, "flag '%s' is listed twice", pg_names[f]);
        bits |= 1u << f;
    }
    return bits;
}

static void parse_entry_like(scn_ctx *c, scn_node n, hv_scn_check *k,
                             uint32_t allowed)
{
    k->set = parse_flags(c, n, "set", allowed);
    k->clear = parse_flags(c, n, "clear", allowed);
    if (k->set & k->clear)
        scn_err(c, scn_member(c, n, "clear"), "a flag cannot be both set and "
                                              "clear");
    k->has_frame = scn_get_value(c, n, "frame", false, k->vm, false,
                                 &k->frame);
    if (k->has_frame && k->frame.resolved && (k->frame.v & 0xFFF))
        scn_err(c, scn_member(c, n, "frame"), "a frame address is 4 KiB "
                                              "aligned");
}

static void parse_console(scn_ctx *c, scn_node n, hv_scn_check *k)
{
    scn_node cn = scn_member(c, n, "console");
    if (!scn_object(c, cn, console_keys))
        return;
    int found = 0;
    for (int i = 0; console_keys[i]; i++)
        if (scn_member(c, cn, console_keys[i]).j) {
            found++;
            k->console_op = (hv_scn_console_op)i;
        }
    if (found != 1) {
        scn_err(c, cn, "needs exactly one of contains, equals or excludes");
        return;
    }
    const char *t;
    scn_node tn = scn_member(c, cn, console_keys[k->console_op]);
    if (!cJSON_IsString(tn.j)) {
        scn_err(c, tn, "must be a string, not %s", scn_type_name(tn.j));
        return;
    }
    if (scn_get_str(c, cn, console_keys[k->console_op], false, &t))
        k->text = t;
}

static void parse_counter(scn_ctx *c, scn_node n, hv_scn_check *k)
{
    scn_node cn = scn_member(c, n, "counter");
    if (!scn_node_enum(c, cn, "a counter", hv_scn_counter_names(), &(int){0}))
        return;
    k->counter = scn_strdup(c->arena, cn.j->valuestring);
}

void scn_parse_check(scn_ctx *c, scn_node n, hv_scn_check *k)
{
    k->loc = scn_loc(c, n);
    if (!cJSON_IsObject(n.j)) {
        scn_err(c, n, "a checkpoint must be an object, not %s",
                scn_type_name(n.j));
        return;
    }
    int kind = -1, nkinds = 0;
    for (int i = 0; subjects[i]; i++)
        if (scn_member(c, n, subjects[i]).j) {
            if (nkinds++)
                scn_err_key(c, scn_member(c, n, subjects[i]),
                            "one subject per checkpoint: '%s' and '%s' are "
                            "both here", subjects[kind], subjects[i]);
            else
                kind = i;
        }
    if (nkinds > 1)
        return;
    if (kind < 0) {
        scn_object(c, n, all_keys);
        char list[120];
        scn_join(subjects, list, sizeof list);
        scn_err(c, n, "a checkpoint needs one of: %s", list);
        return;
    }
    k->kind = (hv_scn_check_kind)kind;
    scn_object(c, n, keys_by_kind[kind]);
    scn_get_str(c, n, "name", false, &k->name);
    scn_get_vm(c, n, &k->vm);
    int e;
    /* Only where scope is allowed: elsewhere scn_object has reported the
     * key, and its value is not worth a second message. */
    if ((k->kind == HV_SCN_CHECK_COUNTER || k->kind == HV_SCN_CHECK_CONSOLE) &&
        scn_get_enum(c, n, "scope", false, "a scope", scope_names, &e))
        k->step_scope = e == 1;
    scn_node subj = scn_member(c, n, subjects[kind]);
    switch (k->kind) {
    case HV_SCN_CHECK_COUNTER:
        parse_counter(c, n, k);
        /* shadow_pages is a level, not a count: it can fall within a
         * step, so "how many in this step" has no meaning for it. */
        if (k->step_scope && k->counter &&
            strcmp(k->counter, "shadow_pages") == 0)
            scn_err(c, scn_member(c, n, "scope"),
                    "shadow_pages is a level that can fall: it has no "
                    "per-step value (use it without \"scope\", or "
                    "shadow_pages_peak)");
        parse_cmp(c, n, k, true, false);
        break;
    case HV_SCN_CHECK_REGISTER:
        if (scn_node_enum(c, subj, "a register", scn_reg_names, &e))
            k->reg = (hv_scn_reg)e;
        parse_cmp(c, n, k, false, true);
        break;
    case HV_SCN_CHECK_ENTRY:
        if (scn_node_enum(c, subj, "an entry level (pde or pte)",
                          level_names, &e))
            k->level = e + 1;
        scn_get_value(c, n, "va", true, k->vm, false, &k->va);
        k->has_cr3 = scn_get_value(c, n, "cr3", false, k->vm, false, &k->cr3);
        parse_entry_like(c, n, k, 0x1FF);
        if (!k->set && !k->clear && !k->has_frame &&
            !scn_member(c, n, "set").j && !scn_member(c, n, "clear").j &&
            !scn_member(c, n, "frame").j)
            scn_err(c, n, "an entry checkpoint needs set, clear or frame");
        break;
    case HV_SCN_CHECK_TLB:
        scn_node_value(c, subj, k->vm, false, &k->va);
        k->present = true;
        scn_get_bool(c, n, "present", false, &k->present);
        parse_entry_like(c, n, k,
                         HV_SCN_PG_RW | HV_SCN_PG_US | HV_SCN_PG_D |
                             HV_SCN_PG_G | HV_SCN_PG_PS);
        if (!k->present && (k->set || k->clear || k->has_frame))
            scn_err(c, n, "an absent TLB entry has no flags or frame to "
                          "check");
        break;
    case HV_SCN_CHECK_CONSOLE:
        parse_console(c, n, k);
        break;
    case HV_SCN_CHECK_EXIT:
        if (scn_node_enum(c, subj, "a VM ending", exit_names, &e))
            k->exit_reason = (hv_vm_exit_reason)e;
        k->has_status = scn_get_value(c, n, "status", false, k->vm, false,
                                      &k->status);
        break;
    case HV_SCN_CHECK_MEMORY: {
        scn_node_value(c, subj, k->vm, false, &k->addr);
        uint64_t sz = 4;
        if (scn_get_u64(c, n, "size", false, 1, 4, &sz) && sz == 3) {
            scn_err(c, scn_member(c, n, "size"), "size is 1, 2 or 4 bytes");
            sz = 4;
        }
        k->size = (uint32_t)sz;
        parse_cmp(c, n, k, false, true);
        break;
    }
    }
}
