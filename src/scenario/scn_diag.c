/* hvlab scenarios: the list of messages about bad input. Every message
 * reads FILE:LINE:COL: $.json.path: message (STYLE.md practice 12). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

const char *hv_scn_strerror(hv_scn_err err)
{
    switch (err) {
    case HV_SCN_OK: return "success";
    case HV_SCN_ERR_INPUT: return "bad input";
    case HV_SCN_ERR_NOMEM: return "out of memory";
    case HV_SCN_ERR_ENGINE: return "the engine refused a call";
    }
    return "unknown error";
}

/* --- text from the scenario in a message ---------------------------------- */

/* One character of s[0..n) at i: returns its length in bytes; *escaped
 * says whether it is written as esc (NUL-terminated) or as it is. */
static size_t show_char(const char *s, size_t n, size_t i, char esc[12],
                        bool *escaped)
{
    unsigned char ch = (unsigned char)s[i];
    uint32_t cp = ch;
    size_t k = scn_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    *escaped = true;
    if (!k) {
        snprintf(esc, 12, "\\x%02X", ch);
        return 1;
    }
    switch (ch) {
    case '\n': memcpy(esc, "\\n", 3); return 1;
    case '\t': memcpy(esc, "\\t", 3); return 1;
    case '\r': memcpy(esc, "\\r", 3); return 1;
    case '\\': memcpy(esc, "\\\\", 3); return 1;
    case '"': memcpy(esc, "\\\"", 3); return 1;
    default: break;
    }
    if (scn_cp_unsafe(cp)) {
        if (cp < 0x80)
            snprintf(esc, 12, "\\x%02X", (unsigned)cp);
        else
            snprintf(esc, 12, "\\u%04X", (unsigned)cp);
        return k;
    }
    *escaped = false;
    return k;
}

char *scn_escape(const char *s, size_t n, size_t max, bool tail, char *buf,
                 size_t len)
{
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    char esc[12];
    bool e;
    size_t chars = 0, i = 0, o = 0;
    if (!len)
        return buf;
    buf[0] = 0;
    if (tail) {
        for (size_t k = 0; k < n; k += show_char(s, n, k, esc, &e))
            chars++;
        /* Skip all but the last `max`. */
        for (size_t skip = chars > max ? chars - max : 0; skip; skip--)
            i += show_char(s, n, i, esc, &e);
        if (i && len > 4) {
            memcpy(buf, ellipsis, 3);
            o = 3;
        }
    }
    /* Room is kept for a closing "…" and the NUL. */
    for (chars = 0; i < n; chars++) {
        size_t k = show_char(s, n, i, esc, &e);
        const char *out = e ? esc : s + i;
        size_t w = e ? strlen(esc) : k;
        if (chars == max || o + w + 4 > len)
            break;
        memcpy(buf + o, out, w);
        o += w;
        i += k;
    }
    if (i < n && o + 4 <= len) {
        memcpy(buf + o, ellipsis, 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

const char *hv_scn_show_line(const char *s, char *buf)
{
    return scn_escape(s, strlen(s), 120, false, buf, HV_SCN_SHOW_LINE_LEN);
}

const char *scn_show_in(const char *s, char *buf)
{
    return scn_escape(s, strlen(s), SCN_SHOW_CHARS, false, buf, SCN_SHOW_LEN);
}

const char *scn_show_path(const char *s, char *buf)
{
    return scn_escape(s, strlen(s), SCN_SHOW_CHARS, true, buf, SCN_SHOW_LEN);
}

bool scn_is_plain(const char *s, size_t max)
{
    size_t n = strlen(s), chars = 0;
    char esc[12];
    bool e;
    for (size_t i = 0; i < n; chars++) {
        i += show_char(s, n, i, esc, &e);
        if (e || chars >= max)
            return false;
    }
    return true;
}

void hv_scn_diags_init(hv_scn_diags *d)
{
    memset(d, 0, sizeof *d);
}

void hv_scn_diags_free(hv_scn_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].path);
        free(d->v[i].msg);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* A path of hundreds of components (deep nesting) is cut in the middle at
 * a component boundary: `$[0][0][0]…[0][0]`. */
static char *shorten_path(const char *path)
{
    size_t n = strlen(path);
    if (n <= 160)
        return strdup(path);
    size_t head = 0, tail = n;
    for (size_t i = 1; i < n && i <= 80; i++)
        if (path[i] == '.' || path[i] == '[')
            head = i;
    for (size_t i = n - 1; i > head && n - i <= 40; i--)
        if (path[i] == '.' || path[i] == '[')
            tail = i;
    if (!head)
        head = 80;
    if (tail == n)
        tail = n - 40;
    char *p = malloc(head + (n - tail) + 4);
    if (!p)
        return NULL;
    memcpy(p, path, head);
    memcpy(p + head, "\xE2\x80\xA6", 3); /* … */
    memcpy(p + head + 3, path + tail, n - tail + 1);
    return p;
}

bool scn_diag_vadd(hv_scn_diags *d, const char *file, uint32_t line,
                   uint32_t col, const char *path, const char *fmt,
                   va_list ap)
{
    if (d->n >= HV_SCN_MAX_DIAGS) {
        d->dropped++;
        return true;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        hv_scn_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return false;
        d->v = v;
        d->cap = cap;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    hv_scn_diag g = {.line = line, .col = col};
    g.msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    g.file = file ? strdup(file) : NULL;
    g.path = path ? shorten_path(path) : NULL;
    if (!g.msg || (file && !g.file) || (path && !g.path)) {
        free(g.msg);
        free(g.file);
        free(g.path);
        return false;
    }
    vsnprintf(g.msg, (size_t)n + 1, fmt, ap);
    d->v[d->n++] = g;
    return true;
}

bool scn_diag_add(hv_scn_diags *d, const char *file, uint32_t line,
                  uint32_t col, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = scn_diag_vadd(d, file, line, col, path, fmt, ap);
    va_end(ap);
    return ok;
}

int hv_scn_diag_format(const hv_scn_diag *g, char *buf, size_t len)
{
    char where[64] = "";
    if (g->line)
        snprintf(where, sizeof where, ":%u:%u", g->line, g->col);
    return snprintf(buf, len, "%s%s: %s%s%s", g->file ? g->file : "hvlab",
                    where, g->path ? g->path : "", g->path ? ": " : "",
                    g->msg);
}

static bool same_file(const hv_scn_diag *a, const hv_scn_diag *b)
{
    return (a->file && b->file && strcmp(a->file, b->file) == 0) ||
           (!a->file && !b->file);
}

/* Messages of one file in the order of their place in it; messages with
 * no place first; files in the order they first appear. */
static int diag_cmp(const void *pa, const void *pb)
{
    const hv_scn_diag *a = *(const hv_scn_diag *const *)pa;
    const hv_scn_diag *b = *(const hv_scn_diag *const *)pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a < b ? -1 : a > b;
}

void hv_scn_diags_print(const hv_scn_diags *d, FILE *f, size_t max)
{
    const hv_scn_diag **order = malloc((d->n ? d->n : 1) * sizeof *order);
    size_t n = 0;
    /* Group by file (first appearance), then sort each group. */
    for (size_t i = 0; order && i < d->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_file(&d->v[j], &d->v[i]);
        if (seen)
            continue;
        size_t start = n;
        for (size_t k = i; k < d->n; k++)
            if (same_file(&d->v[k], &d->v[i]))
                order[n++] = &d->v[k];
        qsort(order + start, n - start, sizeof *order, diag_cmp);
    }
    size_t total = d->n + d->dropped;
    size_t shown = max && max < d->n ? max : d->n;
    for (size_t i = 0; i < shown; i++) {
        const hv_scn_diag *g = order ? order[i] : &d->v[i];
        char where[64] = "";
        if (g->line)
            snprintf(where, sizeof where, ":%u:%u", g->line, g->col);
        fprintf(f, "%s%s: %s%s%s", g->file ? g->file : "hvlab", where,
                g->path ? g->path : "", g->path ? ": " : "", g->msg);
        if (i + 1 == shown && total > shown)
            fprintf(f, " (and %zu more error%s: hvlab check lists them)",
                    total - shown, total - shown == 1 ? "" : "s");
        fputc('\n', f);
    }
    free(order);
}
