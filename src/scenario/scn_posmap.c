/* hvlab scenarios: the path -> position map that the second pass fills
 * (scn_jsonpos.h), JSON path strings, and line:column of an offset. The
 * map is open addressing over entries whose paths live in one pool. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_jsonpos.h"

/* --- the map: open addressing over entries; paths in one pool ----------- */

typedef struct pos_entry {
    uint64_t hash;
    size_t path_off, path_len;
    scn_pos pos;
} pos_entry;

struct scn_posmap {
    char *pool;
    size_t pool_len, pool_cap;
    pos_entry *ents;
    size_t nents, ents_cap;
    uint32_t *table; /* entry index + 1; 0 = empty */
    size_t tcap;     /* a power of two */
};

static uint64_t hash_path(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

bool scn_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static long map_lookup(const scn_posmap *m, const char *path, size_t n,
                       uint64_t h)
{
    if (!m->tcap)
        return -1;
    for (size_t i = h & (m->tcap - 1);; i = (i + 1) & (m->tcap - 1)) {
        uint32_t e = m->table[i];
        if (!e)
            return -1;
        const pos_entry *pe = &m->ents[e - 1];
        if (pe->hash == h && pe->path_len == n &&
            memcmp(m->pool + pe->path_off, path, n) == 0)
            return (long)(e - 1);
    }
}

static bool map_rehash(scn_posmap *m)
{
    size_t cap = m->tcap ? m->tcap * 2 : 256;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t e = 0; e < m->nents; e++) {
        size_t i = m->ents[e].hash & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = (uint32_t)(e + 1);
    }
    free(m->table);
    m->table = t;
    m->tcap = cap;
    return true;
}

scn_posmap *scn_posmap_new(void)
{
    return calloc(1, sizeof(scn_posmap));
}

int scn_posmap_insert(scn_posmap *m, const char *path, size_t n, scn_pos pos,
                      scn_pos *dup)
{
    uint64_t h = hash_path(path, n);
    long found = map_lookup(m, path, n, h);
    if (found >= 0) {
        *dup = m->ents[found].pos;
        return 0;
    }
    if ((m->nents + 1) * 2 > m->tcap && !map_rehash(m))
        return -1;
    if (m->nents >= UINT32_MAX - 1 ||
        !scn_grow((void **)&m->ents, &m->ents_cap, m->nents + 1,
                  sizeof *m->ents) ||
        !scn_grow((void **)&m->pool, &m->pool_cap, m->pool_len + n, 1))
        return -1;
    memcpy(m->pool + m->pool_len, path, n);
    m->ents[m->nents] = (pos_entry){h, m->pool_len, n, pos};
    m->pool_len += n;
    size_t i = h & (m->tcap - 1);
    while (m->table[i])
        i = (i + 1) & (m->tcap - 1);
    m->table[i] = (uint32_t)(++m->nents);
    return 1;
}

bool scn_posmap_find(const scn_posmap *m, const char *path, scn_pos *out)
{
    if (!m || !path)
        return false;
    size_t n = strlen(path);
    long e = map_lookup(m, path, n, hash_path(path, n));
    if (e < 0)
        return false;
    *out = m->ents[e].pos;
    return true;
}

void scn_posmap_free(scn_posmap *m)
{
    if (!m)
        return;
    free(m->pool);
    free(m->ents);
    free(m->table);
    free(m);
}

/* --- paths ------------------------------------------------------------------ */

static bool path_put(char **p, size_t *len, size_t *cap, const char *s,
                     size_t n)
{
    if (!scn_grow((void **)p, cap, *len + n + 1, 1))
        return false;
    memcpy(*p + *len, s, n);
    *len += n;
    (*p)[*len] = 0;
    return true;
}

static bool is_ident(const char *k, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = k[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     ch == '_' || ch == '$';
        if (!alpha && !(i && ch >= '0' && ch <= '9'))
            return false;
    }
    return true;
}

bool scn_path_key(char **p, size_t *len, size_t *cap, const char *key,
                  size_t n)
{
    if (is_ident(key, n))
        return path_put(p, len, cap, ".", 1) && path_put(p, len, cap, key, n);
    if (!path_put(p, len, cap, "[\"", 2))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            if (!path_put(p, len, cap, esc, 2))
                return false;
        } else if (ch < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            if (!path_put(p, len, cap, esc, 6))
                return false;
        } else if (!path_put(p, len, cap, (const char *)&key[i], 1)) {
            return false;
        }
    }
    return path_put(p, len, cap, "\"]", 2);
}

bool scn_path_index(char **p, size_t *len, size_t *cap, size_t i)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "[%zu]", i);
    return path_put(p, len, cap, buf, (size_t)n);
}

static const char *memo_text;
static size_t memo_len, memo_off;
static uint32_t memo_line, memo_col;

void scn_linecol_forget(void)
{
    memo_text = NULL;
}

void scn_linecol(const char *text, size_t len, size_t off, uint32_t *line,
                 uint32_t *col)
{
    /* The loader asks for positions mostly in increasing order: resume
     * from the last answer for the same text instead of rescanning from
     * byte 0, which made big files quadratic. (A memo of one answer,
     * forgotten at the start of every parse; not thread-safe: the loader is
     * single-threaded.) */
    uint32_t l = 1, c = 1;
    if (off > len)
        off = len;
    /* A byte-order mark is not a column. */
    size_t i0 = len >= 3 && off >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0
                    ? 3
                    : 0;
    if (memo_text == text && memo_len == len && memo_off <= off &&
        memo_off >= i0) {
        i0 = memo_off;
        l = memo_line;
        c = memo_col;
    }
    for (size_t i = i0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    memo_text = text;
    memo_len = len;
    memo_off = off;
    memo_line = l;
    memo_col = c;
    *line = l;
    *col = c;
}
