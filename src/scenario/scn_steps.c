/* hvlab scenarios: steps and how far each runs (docs/scenario-format.md,
 * "Steps" and "How far a step runs"). */
#include <stdio.h>
#include <string.h>

#include "scn_internal.h"

#define SCN_MAX_STEPS 1000
#define SCN_MAX_CHECKS 100
#define SCN_MAX_QUESTIONS 20

static const char *const step_keys[] = {"id", "title", "narration", "focus",
                                        "input", "instructions", "until",
                                        "checkpoints", "questions", NULL};
static const char *const until_keys[] = {"label", "address", "event",
                                         "fields", "count", "vm", NULL};
static const char *const focus_names[] = {
    "code", "page_tables", "shadow", "ept", "walk", "tlb", "host_memory",
    "exits", "counters", "console", NULL};

const char *hv_scn_focus_name(hv_scn_focus focus)
{
    if (focus == HV_SCN_FOCUS_NONE || focus >= HV_SCN_FOCUS__COUNT)
        return NULL;
    return focus_names[focus - 1];
}

/* Event fields whose values have names: {event, field, names...}. The
 * names index the values the engine writes (hv_events.h). */
typedef struct field_names {
    const char *event, *field;
    const char *names[8];
    uint32_t values[8];
} field_names;

static const field_names named_fields[] = {
    {"tlb_hit", "access", {"read", "write", "fetch"}, {0, 1, 2}},
    {"tlb_miss", "access", {"read", "write", "fetch"}, {0, 1, 2}},
    {"tlb_flush", "kind", {"non_global", "all"},
     {HV_FLUSH_NONGLOBAL, HV_FLUSH_ALL}},
    {"tlb_invlpg", "cause", {"invlpg", "page_fault", "shadow"},
     {HV_INVAL_INVLPG, HV_INVAL_PAGE_FAULT, HV_INVAL_SHADOW}},
    {"priv_insn", "insn", {"cpuid", "rdtsc", "cr_read"},
     {HV_PRIV_CPUID, HV_PRIV_RDTSC, HV_PRIV_CR_READ}},
    {"vm_end", "reason",
     {"exit_port", "halt", "triple_fault", "bad_access", "internal_error"},
     {HV_VM_EXIT_PORT, HV_VM_HALT, HV_VM_TRIPLE_FAULT, HV_VM_BAD_ACCESS,
      HV_VM_INTERNAL}},
    {"vm_exit", "cause",
     {"none", "hidden_fault", "true_fault", "wp_trap", "dirty_bit", "mmio"},
     {HV_CAUSE_NONE, HV_CAUSE_HIDDEN_FAULT, HV_CAUSE_TRUE_FAULT,
      HV_CAUSE_WP_TRAP, HV_CAUSE_DIRTY_BIT, HV_CAUSE_MMIO}},
    {"shadow_zap", "why", {"flood", "budget", "root"},
     {HV_ZAP_FLOOD, HV_ZAP_BUDGET, HV_ZAP_ROOT}},
};

/* The names a field's values have, or 0: the static table above, the
 * exit reasons of vm_exit (as the counters key them), and the VMs of
 * world_switch. */
static size_t value_names(const hv_scn *s, const char *ev, const char *field,
                          const char **names, uint32_t *values, size_t max)
{
    size_t n = 0;
    if (strcmp(ev, "vm_exit") == 0 && strcmp(field, "reason") == 0) {
        for (int k = 0; k < HV_EXIT__COUNT && n + 1 < max; k++, n++) {
            names[n] = hv_exit_key_name((hv_exit_key)k);
            values[n] = (uint32_t)k;
        }
    } else if (strcmp(ev, "world_switch") == 0 &&
               (strcmp(field, "from") == 0 || strcmp(field, "to") == 0)) {
        for (uint32_t i = 0; i < s->nvms && n + 1 < max; i++, n++) {
            names[n] = s->vms[i].name;
            values[n] = i;
        }
    } else {
        for (size_t i = 0; i < sizeof named_fields / sizeof named_fields[0];
             i++) {
            const field_names *f = &named_fields[i];
            if (strcmp(f->event, ev) || strcmp(f->field, field))
                continue;
            for (; n < 8 && n + 1 < max && f->names[n]; n++) {
                names[n] = f->names[n];
                values[n] = f->values[n];
            }
        }
    }
    names[n] = NULL;
    return n;
}

static const char *event_names[HV_EV__COUNT + 1];

static const char *const *all_event_names(void)
{
    if (!event_names[0])
        for (int t = 0; t < HV_EV__COUNT; t++)
            event_names[t] = hv_event_name((hv_event_type)t);
    return event_names;
}

static void parse_field(scn_ctx *c, scn_node fn, const char *key, int type,
                        uint32_t vm, hv_scn_until *u)
{
    const char *ev = hv_event_name((hv_event_type)type);
    const char *fields[6] = {NULL}; /* NULL-terminated for scn_suggest */
    int nf = 0, which = -1;
    for (int i = 0; i < 5; i++) {
        const char *f = hv_event_field((hv_event_type)type, i);
        if (!f)
            continue;
        if (strcmp(f, key) == 0)
            which = i;
        fields[nf++] = f;
    }
    scn_node v = scn_member(c, fn, key);
    if (which < 0) {
        const char *s = scn_suggest(key, fields);
        char list[200];
        scn_join(fields, list, sizeof list);
        if (s)
            scn_err_key(c, v,
                        "event '%s' has no field '%s'; did you mean '%s'?", ev,
                        scn_show(c, key), s);
        else
            scn_err_key(c, v, "event '%s' has no field '%s' (its fields: %s)",
                        ev, scn_show(c, key), nf ? list : "none");
        return;
    }
    if (u->nfields >= sizeof u->fields / sizeof u->fields[0]) {
        scn_err_key(c, v, "too many fields for event '%s'", ev);
        return;
    }
    hv_scn_field_match *m = &u->fields[u->nfields];
    m->field = which;
    const char *names[HV_EXIT__COUNT + HV_MAX_VMS + 9];
    uint32_t values[HV_EXIT__COUNT + HV_MAX_VMS + 9];
    uint64_t num;
    if (value_names(c->s, ev, key, names, values, sizeof names / sizeof *names)
        && cJSON_IsString(v.j) && !scn_parse_uint(v.j->valuestring, &num)) {
        int k;
        char what[64];
        snprintf(what, sizeof what, "a %s of %s", key, ev);
        if (!scn_node_enum(c, v, what, names, &k))
            return;
        m->value.v = values[k];
        m->value.resolved = true;
        m->value.loc = scn_loc(c, v);
        u->nfields++;
        return;
    }
    if (scn_node_value(c, v, vm, false, &m->value))
        u->nfields++;
}

static void parse_until_object(scn_ctx *c, scn_node un, hv_scn_until *u)
{
    if (!scn_object(c, un, until_keys))
        return;
    scn_get_vm(c, un, &u->vm);
    scn_node label = scn_member(c, un, "label");
    scn_node addr = scn_member(c, un, "address");
    scn_node event = scn_member(c, un, "event");
    int kinds = !!label.j + !!addr.j + !!event.j;
    if (kinds != 1) {
        scn_err(c, un, kinds ? "give one of label, address or event, not "
                               "several"
                             : "needs one of label, address or event");
        return;
    }
    u->count = 1;
    scn_get_u64(c, un, "count", false, 1, 1000000000, &u->count);
    scn_node fn = scn_member(c, un, "fields");
    if (fn.j && !event.j)
        scn_err_key(c, fn, "fields go with an event");
    if (label.j) {
        u->kind = HV_SCN_RUN_LABEL;
        if (cJSON_IsNumber(label.j)) {
            scn_err(c, label, "a label is a name from the guest's source; "
                              "for a number use \"address\"");
            return;
        }
        scn_node_value(c, label, u->vm, true, &u->at);
        if (u->at.resolved && !u->at.symbol)
            scn_err(c, label, "a label is a name from the guest's source; "
                              "for a number use \"address\"");
        return;
    }
    if (addr.j) {
        u->kind = HV_SCN_RUN_ADDRESS;
        scn_node_value(c, addr, u->vm, false, &u->at);
        return;
    }
    u->kind = HV_SCN_RUN_EVENT;
    if (!scn_node_enum(c, event, "an event kind", all_event_names(),
                       &u->event))
        return;
    /* An event with no "vm" matches any VM's. */
    u->any_vm = !scn_member(c, un, "vm").j;
    if (!fn.j)
        return;
    if (!cJSON_IsObject(fn.j)) {
        scn_err(c, fn, "must be an object of field: value, not %s",
                scn_type_name(fn.j));
        return;
    }
    for (const cJSON *k = fn.j->child; k; k = k->next) {
        if (strcmp(k->string, "$comment") == 0 ||
            strcmp(k->string, "$schema") == 0)
            continue;
        parse_field(c, fn, k->string, u->event, u->vm, u);
    }
}

void scn_parse_until(scn_ctx *c, scn_node step, hv_scn_until *u)
{
    scn_node in = scn_member(c, step, "instructions");
    scn_node un = scn_member(c, step, "until");
    u->kind = HV_SCN_RUN_NONE;
    if (in.j && un.j) {
        scn_err_key(c, un, "give either instructions or until, not both");
        return;
    }
    if (in.j) {
        u->loc = scn_loc(c, in);
        if (scn_get_u64(c, step, "instructions", false, 1,
                        c->s->max_instructions, &u->instructions))
            u->kind = HV_SCN_RUN_INSNS;
        return;
    }
    if (!un.j)
        return;
    u->loc = scn_loc(c, un);
    if (cJSON_IsString(un.j)) {
        if (strcmp(un.j->valuestring, "exit") == 0) {
            u->kind = HV_SCN_RUN_EXIT;
            return;
        }
        const char *shown = scn_show(c, un.j->valuestring);
        scn_err(c, un,
                "'%s': until is \"exit\" or an object; for a label "
                "write {\"label\": \"%s\"}",
                shown, shown);
        return;
    }
    if (!cJSON_IsObject(un.j)) {
        scn_err(c, un, "must be \"exit\" or an object (label, address or "
                       "event), not %s", scn_type_name(un.j));
        return;
    }
    parse_until_object(c, un, u);
}

static bool step_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* "input": "text", or {"text": "...", "vm": "name"} with several VMs:
 * bytes for the VM's UART, queued before the step runs (docs/devices.md).
 * At most the engine's queue (4096 bytes). */
static void parse_input(scn_ctx *c, scn_node sn, hv_scn_step *st)
{
    static const char *const input_keys[] = {"text", "vm", NULL};
    scn_node in = scn_member(c, sn, "input");
    if (!in.j)
        return;
    scn_node text = in;
    if (cJSON_IsObject(in.j)) {
        if (!scn_object(c, in, input_keys))
            return;
        scn_get_vm(c, in, &st->input_vm);
        text = scn_member(c, in, "text");
        if (!text.j) {
            scn_err(c, in, "needs \"text\": the bytes to type");
            return;
        }
    } else if (c->s->nvms > 1) {
        scn_err(c, in, "with several VMs, say which: {\"text\": \"...\", "
                       "\"vm\": \"name\"}");
        return;
    }
    if (!cJSON_IsString(text.j)) {
        scn_err(c, text, "must be a string (the bytes to type), not %s",
                scn_type_name(text.j));
        return;
    }
    size_t len = strlen(text.j->valuestring);
    if (len == 0 || len > 4096) {
        scn_err(c, text, "must hold 1 to 4096 bytes, not %zu", len);
        return;
    }
    if (!(st->input = scn_strdup(c->arena, text.j->valuestring))) {
        c->oom = true;
        return;
    }
    st->input_len = (uint32_t)len;
}

static void parse_step(scn_ctx *c, scn_node sn, uint32_t i)
{
    hv_scn_step *st = &c->s->steps[i];
    st->loc = scn_loc(c, sn);
    if (!scn_object(c, sn, step_keys))
        return;
    if (scn_get_str(c, sn, "id", false, &st->id)) {
        scn_node idn = scn_member(c, sn, "id");
        if (!step_id_ok(st->id))
            scn_err(c, idn,
                    "'%s' is not a step id (1 to 40 letters, digits, "
                    "'_' or '-')",
                    scn_show(c, st->id));
        for (uint32_t k = 0; k < i; k++)
            if (c->s->steps[k].id && strcmp(c->s->steps[k].id, st->id) == 0)
                scn_err(c, idn, "two steps have the id '%s'",
                        scn_show(c, st->id));
    }
    scn_get_str(c, sn, "title", false, &st->title);
    scn_get_text(c, sn, "narration", true, &st->narration);
    int f;
    if (scn_get_enum(c, sn, "focus", false, "a pane", focus_names, &f))
        st->focus = (hv_scn_focus)(f + 1);
    parse_input(c, sn, st);
    scn_parse_until(c, sn, &st->until);

    scn_node arr;
    size_t n;
    if (scn_get_array(c, sn, "checkpoints", false, 0, SCN_MAX_CHECKS, &arr,
                      &n) && n) {
        st->checks = scn_alloc(c->arena, n * sizeof *st->checks);
        if (!st->checks) {
            c->oom = true;
            return;
        }
        st->nchecks = (uint32_t)n;
        for (size_t k = 0; k < n; k++)
            scn_parse_check(c, scn_elem(c, arr, k), &st->checks[k]);
    }
    if (scn_get_array(c, sn, "questions", false, 0, SCN_MAX_QUESTIONS, &arr,
                      &n) && n) {
        st->questions = scn_alloc(c->arena, n * sizeof *st->questions);
        if (!st->questions) {
            c->oom = true;
            return;
        }
        st->nquestions = (uint32_t)n;
        for (size_t k = 0; k < n; k++)
            scn_parse_question(c, scn_elem(c, arr, k), &st->questions[k]);
    }
}

void scn_parse_steps(scn_ctx *c, scn_node root)
{
    scn_node arr;
    size_t n;
    if (!scn_get_array(c, root, "steps", true, 1, SCN_MAX_STEPS, &arr, &n))
        return;
    c->s->steps = scn_alloc(c->arena, n * sizeof *c->s->steps);
    if (!c->s->steps) {
        c->oom = true;
        return;
    }
    c->s->nsteps = (uint32_t)n;
    for (size_t i = 0; i < n && !c->oom; i++)
        parse_step(c, scn_elem(c, arr, i), (uint32_t)i);
}
