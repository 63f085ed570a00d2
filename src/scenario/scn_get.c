/* hvlab scenarios: typed getters that never lose the JSON path (STYLE.md
 * practice 12). Each wraps cJSON_GetObjectItemCaseSensitive + cJSON_Is*,
 * checks the value, and on a bad one adds `FILE:LINE:COL: PATH: message`
 * with the position the second pass (scn_jsonpos.c) recorded. */
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

static const char *path_of(scn_ctx *c, const char *base, const char *key,
                           bool index, size_t i)
{
    size_t len = strlen(base), cap = len + 1;
    char *p = malloc(cap);
    bool ok = p != NULL;
    if (ok) {
        memcpy(p, base, len + 1);
        ok = index ? scn_path_index(&p, &len, &cap, i)
                   : scn_path_key(&p, &len, &cap, key, strlen(key));
    }
    const char *r = ok ? scn_strdup(c->arena, p) : NULL;
    free(p);
    if (!r) {
        c->oom = true;
        return base;
    }
    return r;
}

scn_node scn_member(scn_ctx *c, scn_node obj, const char *key)
{
    scn_node n = {NULL, path_of(c, obj.path, key, false, 0)};
    if (cJSON_IsObject(obj.j))
        n.j = cJSON_GetObjectItemCaseSensitive(obj.j, key);
    return n;
}

scn_node scn_elem(scn_ctx *c, scn_node arr, size_t i)
{
    scn_node n = {NULL, path_of(c, arr.path, NULL, true, i)};
    if (cJSON_IsArray(arr.j))
        n.j = cJSON_GetArrayItem(arr.j, (int)i);
    return n;
}

/* The recorded position of `path`, or of its nearest recorded parent. */
static void position(scn_ctx *c, const char *path, bool key, uint32_t *line,
                     uint32_t *col)
{
    *line = *col = 0;
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p)
        return;
    memcpy(p, path, n + 1);
    for (;;) {
        scn_pos pos;
        if (scn_posmap_find(c->map, p, &pos)) {
            scn_linecol(c->text, c->len, key ? pos.key_off : pos.val_off,
                        line, col);
            break;
        }
        /* Drop the last component: `.key`, `["key"]` or `[i]`. */
        char *cut = strrchr(p, '.');
        char *br = strrchr(p, '[');
        if (br && (!cut || br > cut))
            cut = br;
        if (!cut || cut == p)
            break;
        *cut = 0;
    }
    free(p);
}

hv_scn_loc scn_loc(scn_ctx *c, scn_node n)
{
    hv_scn_loc loc = {0, 0, n.path};
    position(c, n.path, false, &loc.line, &loc.col);
    return loc;
}

static void verr(scn_ctx *c, const char *path, bool key, const char *fmt,
                 va_list ap)
{
    uint32_t line, col;
    position(c, path, key, &line, &col);
    c->errors++;
    if (!scn_diag_vadd(c->diags, c->file, line, col, path, fmt, ap))
        c->oom = true;
}

void scn_err(scn_ctx *c, scn_node n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(c, n.path, false, fmt, ap);
    va_end(ap);
}

void scn_err_key(scn_ctx *c, scn_node n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(c, n.path, true, fmt, ap);
    va_end(ap);
}

void scn_err_loc(scn_ctx *c, const hv_scn_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->errors++;
    if (!scn_diag_vadd(c->diags, c->file, loc->line, loc->col, loc->path,
                       fmt, ap))
        c->oom = true;
    va_end(ap);
}

const char *scn_show(scn_ctx *c, const char *s)
{
    char buf[SCN_SHOW_LEN];
    const char *r = scn_strdup(c->arena, scn_show_in(s, buf));
    if (!r)
        c->oom = true;
    return r ? r : "?";
}

const char *scn_type_name(const cJSON *j)
{
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsBool(j)) return cJSON_IsTrue(j) ? "true" : "false";
    if (cJSON_IsNull(j)) return "null";
    return "nothing";
}

bool scn_object(scn_ctx *c, scn_node n, const char *const *allowed)
{
    c->last_obj = n.j;
    c->last_allowed = allowed;
    if (!cJSON_IsObject(n.j)) {
        scn_err(c, n, "must be an object, not %s", scn_type_name(n.j));
        return false;
    }
    for (const cJSON *k = n.j->child; k; k = k->next) {
        const char *key = k->string ? k->string : "";
        if (strcmp(key, "$schema") == 0 || strcmp(key, "$comment") == 0) {
            if (!cJSON_IsString(k))
                scn_err(c, scn_member(c, n, key), "must be a string, not %s",
                        scn_type_name(k));
            continue;
        }
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (known)
            continue;
        scn_node kn = scn_member(c, n, key);
        const char *s = scn_suggest(key, allowed);
        if (s) {
            scn_err_key(c, kn, "unknown key '%s'; did you mean '%s'?",
                        scn_show(c, key), s);
        } else {
            char list[400];
            scn_join(allowed, list, sizeof list);
            scn_err_key(c, kn, "unknown key '%s' (allowed here: %s)",
                        scn_show(c, key), list);
        }
    }
    return true;
}

/* Whether key is one the object scn_object last checked allows. */
static bool is_allowed(const scn_ctx *c, const cJSON *obj, const char *key)
{
    if (obj != c->last_obj || !c->last_allowed)
        return false;
    for (const char *const *a = c->last_allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            return true;
    return false;
}

bool scn_need(scn_ctx *c, scn_node obj, scn_node v, const char *key,
              bool required)
{
    if (v.j)
        return true;
    if (!required || !cJSON_IsObject(obj.j))
        return false;
    /* A misspelt key ("naration") already has its "did you mean"; a key
     * that is itself valid here ("vm" beside a missing "va") is no
     * misspelling. */
    const char *const want[] = {key, NULL};
    for (const cJSON *k = obj.j->child; k; k = k->next)
        if (k->string && scn_suggest(k->string, want) &&
            !is_allowed(c, obj.j, k->string))
            return false;
    scn_err(c, obj, "missing required key '%s'", key);
    return false;
}

bool scn_get_str(scn_ctx *c, scn_node obj, const char *key, bool required,
                 const char **out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (!cJSON_IsString(v.j)) {
        scn_err(c, v, "must be a string, not %s", scn_type_name(v.j));
        return false;
    }
    if (!v.j->valuestring[0] && required) {
        scn_err(c, v, "must not be empty");
        return false;
    }
    if (!(*out = scn_strdup(c->arena, v.j->valuestring)))
        c->oom = true;
    return *out != NULL;
}

bool scn_get_text(scn_ctx *c, scn_node obj, const char *key, bool required,
                  const char **out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (cJSON_IsString(v.j))
        return scn_get_str(c, obj, key, required, out);
    if (!cJSON_IsArray(v.j)) {
        scn_err(c, v, "must be a string or an array of strings (lines), "
                      "not %s", scn_type_name(v.j));
        return false;
    }
    size_t total = 1, i = 0;
    bool ok = true;
    for (const cJSON *e = v.j->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e)) {
            scn_err(c, scn_elem(c, v, i), "must be a string (a line of "
                    "text), not %s", scn_type_name(e));
            ok = false;
            continue;
        }
        total += strlen(e->valuestring) + 1;
    }
    if (!ok)
        return false;
    if (!i && required) {
        scn_err(c, v, "must not be empty");
        return false;
    }
    char *p = scn_alloc(c->arena, total);
    if (!p) {
        c->oom = true;
        return false;
    }
    size_t o = 0;
    for (const cJSON *e = v.j->child; e; e = e->next) {
        size_t n = strlen(e->valuestring);
        memcpy(p + o, e->valuestring, n);
        o += n;
        if (e->next)
            p[o++] = '\n';
    }
    p[o] = 0;
    *out = p;
    return true;
}

bool scn_get_bool(scn_ctx *c, scn_node obj, const char *key, bool required,
                  bool *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (!cJSON_IsBool(v.j)) {
        scn_err(c, v, "must be true or false, not %s", scn_type_name(v.j));
        return false;
    }
    *out = cJSON_IsTrue(v.j);
    return true;
}

bool scn_node_enum(scn_ctx *c, scn_node v, const char *what,
                   const char *const *names, int *out)
{
    if (!cJSON_IsString(v.j)) {
        scn_err(c, v, "must be a string naming %s, not %s", what,
                scn_type_name(v.j));
        return false;
    }
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v.j->valuestring) == 0) {
            *out = i;
            return true;
        }
    const char *s = scn_suggest(v.j->valuestring, names);
    char list[1500], shown[sizeof list * 2];
    scn_join(names, list, sizeof list);
    /* The names may be the author's own (VM names): escaped too. */
    scn_escape(list, strlen(list), sizeof list, false, shown, sizeof shown);
    if (s)
        scn_err(c, v, "'%s' is not %s; did you mean '%s'?",
                scn_show(c, v.j->valuestring), what, scn_show(c, s));
    else
        scn_err(c, v, "'%s' is not %s (one of: %s)",
                scn_show(c, v.j->valuestring), what, shown);
    return false;
}

bool scn_get_enum(scn_ctx *c, scn_node obj, const char *key, bool required,
                  const char *what, const char *const *names, int *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    return scn_node_enum(c, v, what, names, out);
}

bool scn_get_array(scn_ctx *c, scn_node obj, const char *key, bool required,
                   size_t min, size_t max, scn_node *out, size_t *n)
{
    scn_node v = scn_member(c, obj, key);
    *out = v;
    *n = 0;
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (!cJSON_IsArray(v.j)) {
        scn_err(c, v, "must be an array, not %s", scn_type_name(v.j));
        return false;
    }
    size_t k = (size_t)cJSON_GetArraySize(v.j);
    if (k < min) {
        scn_err(c, v, "needs at least %zu item%s", min, min == 1 ? "" : "s");
        return false;
    }
    if (k > max) {
        scn_err(c, v, "has %zu items; at most %zu are allowed", k, max);
        return false;
    }
    *n = k;
    return true;
}

bool scn_get_vm(scn_ctx *c, scn_node obj, uint32_t *out)
{
    *out = 0;
    scn_node v = scn_member(c, obj, "vm");
    if (!v.j || !c->s->nvms)
        return true;
    if (!cJSON_IsString(v.j)) {
        scn_err(c, v, "must be the name of a VM, not %s", scn_type_name(v.j));
        return false;
    }
    for (uint32_t i = 0; i < c->s->nvms; i++)
        if (c->s->vms[i].name && strcmp(c->s->vms[i].name,
                                        v.j->valuestring) == 0) {
            *out = i;
            return true;
        }
    const char *s = scn_suggest_strided(v.j->valuestring, &c->s->vms[0].name,
                                        c->s->nvms, sizeof c->s->vms[0]);
    if (s)
        scn_err(c, v, "no VM is named '%s'; did you mean '%s'?",
                scn_show(c, v.j->valuestring), scn_show(c, s));
    else
        scn_err(c, v, "no VM is named '%s'", scn_show(c, v.j->valuestring));
    return false;
}
