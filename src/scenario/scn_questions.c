/* hvlab scenarios: questions — parsing them, and checking a student's
 * response (docs/scenario-format.md, "Questions"). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scn_internal.h"

static const char *const question_keys[] = {
    "id", "kind", "prompt", "choices", "answer", "answer_from", "tolerance",
    "unit", "explanation", NULL};
static const char *const kind_names[] = {"choice", "number", NULL};
static const char *const from_keys[] = {"counter", "register", "scope", "vm",
                                        NULL};
static const char *const scope_names[] = {"total", "step", NULL};

static const char *trim(const char *s, size_t *n);

/* Whether two choices are one to hv_scn_question_accepts, which ignores
 * case and surrounding blanks: a student typing either would match the
 * first, so the second could never be the answer. */
static bool same_choice(const char *a, const char *b)
{
    size_t an, bn;
    a = trim(a, &an);
    b = trim(b, &bn);
    return an == bn && strncasecmp(a, b, an) == 0;
}

static void parse_from(scn_ctx *c, scn_node q, hv_scn_question *qq)
{
    scn_node fn = scn_member(c, q, "answer_from");
    if (!scn_object(c, fn, from_keys))
        return;
    hv_scn_source *src = &qq->from;
    src->loc = scn_loc(c, fn);
    scn_node cn = scn_member(c, fn, "counter");
    scn_node rn = scn_member(c, fn, "register");
    if (!!cn.j == !!rn.j) {
        scn_err(c, fn, cn.j ? "give a counter or a register, not both"
                            : "needs a counter or a register");
        return;
    }
    scn_get_vm(c, fn, &src->vm);
    int e;
    if (cn.j) {
        if (!scn_node_enum(c, cn, "a counter", hv_scn_counter_names(), &e))
            return;
        src->counter = scn_strdup(c->arena, cn.j->valuestring);
        if (scn_get_enum(c, fn, "scope", false, "a scope", scope_names, &e))
            src->step_scope = e == 1;
    } else {
        if (scn_member(c, fn, "scope").j)
            scn_err_key(c, scn_member(c, fn, "scope"),
                        "scope goes with a counter");
        if (!scn_node_enum(c, rn, "a register", scn_reg_names, &e))
            return;
        src->is_register = true;
        src->reg = (hv_scn_reg)e;
    }
    qq->has_from = true;
}

static void parse_choices(scn_ctx *c, scn_node q, hv_scn_question *qq)
{
    scn_node arr;
    size_t n;
    if (!scn_get_array(c, q, "choices", true, 2, 10, &arr, &n))
        return;
    const char **v = scn_alloc(c->arena, (n + 1) * sizeof *v);
    if (!v) {
        c->oom = true;
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        scn_node e = scn_elem(c, arr, i);
        if (!cJSON_IsString(e.j) || !e.j->valuestring[0]) {
            scn_err(c, e, "a choice is a non-empty string, not %s",
                    cJSON_IsString(e.j) ? "an empty one"
                                        : scn_type_name(e.j));
            ok = false;
            continue;
        }
        v[i] = scn_strdup(c->arena, e.j->valuestring);
        if (!v[i]) {
            c->oom = true;
            return;
        }
        for (size_t k = 0; k < i; k++) {
            if (!v[k] || !same_choice(v[k], v[i]))
                continue;
            if (strcmp(v[k], v[i]) == 0)
                scn_err(c, e, "the same choice is listed twice (choices[%zu])",
                        k);
            else
                scn_err(c, e,
                        "'%s' is the same choice as choices[%zu], "
                        "'%s', to a student: answers are matched "
                        "ignoring case and surrounding blanks",
                        scn_show(c, v[i]), k, scn_show(c, v[k]));
            ok = false;
            break;
        }
    }
    if (!ok)
        return;
    qq->choices = (const char *const *)v;
    qq->nchoices = (uint32_t)n;
    scn_node an = scn_member(c, q, "answer");
    if (!an.j) {
        scn_err(c, q, "missing required key 'answer' (the text of the right "
                      "choice)");
        return;
    }
    if (!cJSON_IsString(an.j)) {
        scn_err(c, an, "write the right choice's text, not %s",
                scn_type_name(an.j));
        return;
    }
    for (uint32_t i = 0; i < qq->nchoices; i++)
        if (strcmp(v[i], an.j->valuestring) == 0) {
            qq->answer_choice = i;
            qq->has_answer = true;
            return;
        }
    const char *s = scn_suggest(an.j->valuestring, (const char *const *)v);
    if (s)
        scn_err(c, an, "'%s' is not one of the choices; did you mean '%s'?",
                scn_show(c, an.j->valuestring), scn_show(c, s));
    else
        scn_err(c, an, "'%s' is not one of the choices",
                scn_show(c, an.j->valuestring));
}

void scn_parse_question(scn_ctx *c, scn_node q, hv_scn_question *qq)
{
    qq->loc = scn_loc(c, q);
    if (!scn_object(c, q, question_keys))
        return;
    scn_get_str(c, q, "id", false, &qq->id);
    int k;
    if (!scn_get_enum(c, q, "kind", true, "a question kind", kind_names, &k))
        return;
    qq->kind = (hv_scn_qkind)k;
    scn_get_text(c, q, "prompt", true, &qq->prompt);
    scn_get_text(c, q, "explanation", true, &qq->explanation);
    scn_node an = scn_member(c, q, "answer");
    qq->answer_loc = scn_loc(c, an);
    if (qq->kind == HV_SCN_Q_CHOICE) {
        static const char *const number_only[] = {"answer_from", "tolerance",
                                                  "unit"};
        for (int i = 0; i < 3; i++) {
            scn_node x = scn_member(c, q, number_only[i]);
            if (x.j)
                scn_err_key(c, x, "%s goes with a number question",
                            number_only[i]);
        }
        parse_choices(c, q, qq);
        return;
    }
    if (scn_member(c, q, "choices").j)
        scn_err_key(c, scn_member(c, q, "choices"),
                    "choices go with a choice question");
    if (an.j)
        qq->has_answer = scn_get_number(c, q, "answer", false, &qq->answer);
    if (scn_member(c, q, "answer_from").j)
        parse_from(c, q, qq);
    if (!an.j && !scn_member(c, q, "answer_from").j)
        scn_err(c, q, "a number question needs answer or answer_from");
    if (scn_get_number(c, q, "tolerance", false, &qq->tolerance) &&
        qq->tolerance < 0)
        scn_err(c, scn_member(c, q, "tolerance"),
                "tolerance must not be negative");
    scn_get_str(c, q, "unit", false, &qq->unit);
}

static const char *trim(const char *s, size_t *n)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k && isspace((unsigned char)s[k - 1]))
        k--;
    *n = k;
    return s;
}

bool hv_scn_question_accepts(const hv_scn_question *q,
                             const hv_scn_answer *answer,
                             const char *response)
{
    size_t n;
    const char *r = trim(response ? response : "", &n);
    if (!n)
        return false;
    if (q->kind == HV_SCN_Q_CHOICE) {
        if (!q->has_answer)
            return false;
        const char *want = q->choices[q->answer_choice];
        size_t wn;
        want = trim(want, &wn);
        if (n == wn && strncasecmp(r, want, n) == 0)
            return true;
        /* Another choice's text, not a letter or number, says no. */
        for (uint32_t i = 0; i < q->nchoices; i++) {
            size_t cn;
            const char *ch = trim(q->choices[i], &cn);
            if (n == cn && strncasecmp(r, ch, n) == 0)
                return false;
        }
        if (n == 1 && isalpha((unsigned char)r[0]))
            return (uint32_t)(tolower((unsigned char)r[0]) - 'a') ==
                   q->answer_choice;
        char buf[16];
        if (n < sizeof buf) {
            memcpy(buf, r, n);
            buf[n] = 0;
            uint64_t v;
            if (scn_parse_uint(buf, &v))
                return v == (uint64_t)q->answer_choice + 1;
        }
        return false;
    }
    if (!answer || !answer->known)
        return false;
    char buf[64];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, r, n);
    buf[n] = 0;
    double x;
    uint64_t u;
    if (scn_parse_uint(buf, &u)) {
        x = (double)u;
    } else {
        char *end;
        errno = 0;
        x = strtod(buf, &end);
        if (errno || *end || !isfinite(x))
            return false;
    }
    return fabs(x - answer->value) <= q->tolerance + 1e-9;
}
