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

size_t scn_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    if (!avail)
        return 0;
    unsigned char b = p[0];
    size_t n;
    uint32_t c;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        c = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        c = b & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

bool scn_cp_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || /* C0, DEL, C1 */
           cp == 0x2028 || cp == 0x2029 ||            /* line, paragraph */
           (cp >= 0x202A && cp <= 0x202E) ||          /* bidi embeddings */
           (cp >= 0x2066 && cp <= 0x2069);            /* bidi isolates */
}

bool scn_path_key(char **p, size_t *len, size_t *cap, const char *key,
                  size_t n)
{
    if (is_ident(key, n))
        return path_put(p, len, cap, ".", 1) && path_put(p, len, cap, key, n);
    if (!path_put(p, len, cap, "[\"", 2))
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)key[i];
        char esc[8];
        uint32_t cp = ch;
        size_t k = ch < 0x80 ? 1
                             : scn_utf8_decode((const unsigned char *)key + i,
                                               n - i, &cp);
        bool bad = !k; /* not UTF-8 (the scanner lets none through) */
        if (bad) {
            k = 1;
            cp = ch;
        }
        bool ok;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            ok = path_put(p, len, cap, esc, 2);
        } else if (bad || scn_cp_unsafe(cp)) {
            /* JSON's own escape, so the path stays a JSON string */
            int w = snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            ok = path_put(p, len, cap, esc, (size_t)w);
        } else {
            ok = path_put(p, len, cap, key + i, k);
        }
        if (!ok)
            return false;
        i += k;
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
