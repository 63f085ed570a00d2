/* hvlab scenarios: the iterative second pass over the JSON text (see
 * scn_jsonpos.h). HOW IT WORKS: a state machine with an explicit stack of
 * open containers; the current JSON path lives in one growing buffer that
 * each container truncates back to its own length when it moves to the
 * next member or closes. Every value's path goes into the path -> position
 * map (scn_posmap.c) with the offsets of the value and its key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_jsonpos.h"

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

/* --- the scanner ------------------------------------------------------------ */

typedef struct frame {
    char type; /* '{' or '[' */
    size_t path_len;
    size_t index;
} frame;

typedef enum sstate {
    ST_VALUE,      /* a value comes next */
    ST_OBJ_FIRST,  /* after '{' */
    ST_KEY,        /* after ',' in an object */
    ST_ARR_FIRST,  /* after '[' */
    ST_AFTER,      /* after a value */
} sstate;

typedef struct scanner {
    const char *t;
    size_t len, pos;
    char *path;
    size_t plen, pcap;
    frame *stack;
    size_t depth, scap;
    char *key;
    size_t klen, kcap;
    scn_posmap *map;
    scn_scan_error *err;
    bool nomem, failed;
} scanner;

static void fail(scanner *s, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(scanner *s, size_t off, const char *fmt, ...)
{
    if (s->failed)
        return;
    s->failed = true;
    s->err->off = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err->msg, sizeof s->err->msg, fmt, ap);
    va_end(ap);
    s->err->path = strdup(s->path ? s->path : "$");
}

static void skip_ws(scanner *s)
{
    while (s->pos < s->len) {
        char ch = s->t[s->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        s->pos++;
    }
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static long read_u16(scanner *s, size_t at)
{
    if (at + 4 > s->len)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s->t[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static bool key_put(scanner *s, const char *b, size_t n)
{
    if (!scn_grow((void **)&s->key, &s->kcap, s->klen + n + 1, 1)) {
        s->nomem = true;
        return false;
    }
    memcpy(s->key + s->klen, b, n);
    s->klen += n;
    return true;
}

/* A string at s->pos (the opening quote); decoded into s->key when
 * `decode`. */
static bool scan_string(scanner *s, bool decode)
{
    size_t start = s->pos++;
    s->klen = 0;
    for (;;) {
        if (s->pos >= s->len) {
            fail(s, start, "this string has no closing '\"'");
            return false;
        }
        unsigned char ch = (unsigned char)s->t[s->pos];
        if (ch == '"') {
            s->pos++;
            if (!decode)
                return true;
            if (!key_put(s, "", 1)) /* a NUL after the key, not counted */
                return false;
            s->klen--;
            return true;
        }
        if (ch == '\n') {
            fail(s, start, "this string runs past the end of its line (a "
                           "missing '\"'?)");
            return false;
        }
        if (ch < 0x20) {
            fail(s, s->pos, "control character 0x%02x in a string (write it "
                            "as an escape such as \\t)", ch);
            return false;
        }
        if (ch >= 0x80) {
            uint32_t cp;
            size_t n = scn_utf8_decode((const unsigned char *)s->t + s->pos,
                                       s->len - s->pos, &cp);
            if (!n) {
                fail(s, s->pos, "invalid UTF-8 byte 0x%02x in a string", ch);
                return false;
            }
            if (decode && !key_put(s, s->t + s->pos, n))
                return false;
            s->pos += n;
            continue;
        }
        if (ch != '\\') {
            if (decode && !key_put(s, (const char *)&ch, 1))
                return false;
            s->pos++;
            continue;
        }
        size_t esc = s->pos;
        char e = s->pos + 1 < s->len ? s->t[s->pos + 1] : 0;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            if (decode && !key_put(s, &out[simple - "\"\\/bfnrt"], 1))
                return false;
            s->pos += 2;
            continue;
        }
        if (e != 'u') {
            fail(s, esc, "invalid escape '\\%c' in a string", e ? e : ' ');
            return false;
        }
        long cp = read_u16(s, esc + 2);
        if (cp < 0) {
            fail(s, esc, "\\u needs four hex digits");
            return false;
        }
        s->pos = esc + 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(s, esc, "lone UTF-16 low surrogate \\u%04lx", cp);
            return false;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long lo = -1;
            if (s->pos + 1 < s->len && s->t[s->pos] == '\\' &&
                s->t[s->pos + 1] == 'u')
                lo = read_u16(s, s->pos + 2);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                fail(s, esc, "UTF-16 high surrogate \\u%04lx without its low "
                             "half", cp);
                return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            s->pos += 6;
        }
        if (cp == 0) {
            fail(s, esc, "\\u0000 (a NUL character) is not allowed");
            return false;
        }
        if (decode) {
            char u[4];
            size_t n;
            if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
            } else if (cp < 0x800) {
                u[0] = (char)(0xC0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3F));
                n = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F));
                n = 3;
            } else {
                u[0] = (char)(0xF0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[3] = (char)(0x80 | (cp & 0x3F));
                n = 4;
            }
            if (!key_put(s, u, n))
                return false;
        }
    }
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool scan_number(scanner *s)
{
    size_t start = s->pos;
    const char *t = s->t;
    if (t[s->pos] == '-')
        s->pos++;
    if (s->pos >= s->len || !is_digit(t[s->pos])) {
        fail(s, start, "a '-' must be followed by digits");
        return false;
    }
    if (t[s->pos] == '0' && s->pos + 1 < s->len && is_digit(t[s->pos + 1])) {
        fail(s, start, "a number may not have leading zeros (for hex, write "
                       "a string: \"0x10\")");
        return false;
    }
    while (s->pos < s->len && is_digit(t[s->pos]))
        s->pos++;
    if (s->pos < s->len && (t[s->pos] == 'x' || t[s->pos] == 'X')) {
        fail(s, start, "JSON has no hex numbers: write a string, \"0x...\"");
        return false;
    }
    if (s->pos < s->len && t[s->pos] == '.') {
        s->pos++;
        if (s->pos >= s->len || !is_digit(t[s->pos])) {
            fail(s, start, "a '.' in a number must be followed by digits");
            return false;
        }
        while (s->pos < s->len && is_digit(t[s->pos]))
            s->pos++;
    }
    if (s->pos < s->len && (t[s->pos] == 'e' || t[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (t[s->pos] == '+' || t[s->pos] == '-'))
            s->pos++;
        if (s->pos >= s->len || !is_digit(t[s->pos])) {
            fail(s, start, "an exponent must have digits");
            return false;
        }
        while (s->pos < s->len && is_digit(t[s->pos]))
            s->pos++;
    }
    return true;
}

static bool is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           is_digit(ch) || ch == '_';
}

/* What a value cannot start with, said helpfully. */
static void bad_value(scanner *s)
{
    size_t p = s->pos;
    unsigned char ch = (unsigned char)s->t[p];
    if (is_word((char)ch)) {
        size_t e = p;
        while (e < s->len && e - p < 40 && is_word(s->t[e]))
            e++;
        fail(s, p, "unexpected word '%.*s' (JSON has true, false and null; "
                   "strings need double quotes)", (int)(e - p), s->t + p);
    } else if (ch == '\'') {
        fail(s, p, "strings use double quotes, not '");
    } else if (ch == '/' && p + 1 < s->len &&
               (s->t[p + 1] == '/' || s->t[p + 1] == '*')) {
        fail(s, p, "JSON has no comments: use a \"$comment\" key");
    } else if (ch == '}' || ch == ']') {
        fail(s, p, "expected a value before '%c'", ch);
    } else if (ch < 0x20 || ch >= 0x7F) {
        fail(s, p, "unexpected byte 0x%02x (is this a text file in JSON?)",
             ch);
    } else {
        fail(s, p, "unexpected '%c': expected a value", ch);
    }
}

static bool literal(scanner *s)
{
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (s->len - s->pos >= n && memcmp(s->t + s->pos, words[i], n) == 0 &&
            (s->pos + n == s->len || !is_word(s->t[s->pos + n]))) {
            s->pos += n;
            return true;
        }
    }
    bad_value(s);
    return false;
}

static bool record(scanner *s, size_t key_off)
{
    scn_pos dup;
    int r = scn_posmap_insert(s->map, s->path, s->plen,
                              (scn_pos){s->pos, key_off}, &dup);
    if (r < 0) {
        s->nomem = true;
        return false;
    }
    if (r == 0) {
        uint32_t l, c;
        scn_linecol(s->t, s->len, dup.key_off, &l, &c);
        fail(s, key_off, "duplicate key (first written at line %u, column "
                         "%u)", l, c);
        return false;
    }
    return true;
}

static bool push(scanner *s, char type)
{
    if (s->depth >= SCN_MAX_DEPTH) {
        fail(s, s->pos, "nesting deeper than %d levels", SCN_MAX_DEPTH);
        return false;
    }
    if (!scn_grow((void **)&s->stack, &s->scap, s->depth + 1, sizeof *s->stack)) {
        s->nomem = true;
        return false;
    }
    s->stack[s->depth++] = (frame){type, s->plen, 0};
    s->pos++;
    return true;
}

static void path_cut(scanner *s, size_t n)
{
    s->plen = n;
    s->path[n] = 0;
}

/* After a ',' or a '[': the next element's path. */
static bool next_index(scanner *s, frame *f)
{
    path_cut(s, f->path_len);
    if (!scn_path_index(&s->path, &s->plen, &s->pcap, f->index)) {
        s->nomem = true;
        return false;
    }
    return true;
}

/* A key and its ':'. Until the key has been read the path is the
 * object's own (the previous member's path would name the wrong value):
 * an error inside the key is reported there. */
static bool read_key(scanner *s, frame *f, size_t *key_off)
{
    path_cut(s, f->path_len);
    if (s->pos >= s->len) {
        fail(s, s->pos, "the file ends inside an object");
        return false;
    }
    if (s->t[s->pos] != '"') {
        char ch = s->t[s->pos];
        if (ch == '\'')
            fail(s, s->pos, "keys use double quotes, not '");
        else if (ch == '/' && s->pos + 1 < s->len &&
                 (s->t[s->pos + 1] == '/' || s->t[s->pos + 1] == '*'))
            fail(s, s->pos, "JSON has no comments: use a \"$comment\" key");
        else if (is_word(ch))
            fail(s, s->pos, "a key must be a string in double quotes");
        else
            fail(s, s->pos, "expected a key (a string in double quotes)");
        return false;
    }
    *key_off = s->pos;
    if (!scan_string(s, true))
        return false;
    path_cut(s, f->path_len);
    if (!scn_path_key(&s->path, &s->plen, &s->pcap, s->key, s->klen)) {
        s->nomem = true;
        return false;
    }
    skip_ws(s);
    if (s->pos >= s->len || s->t[s->pos] != ':') {
        fail(s, s->pos, "expected ':' after the key");
        return false;
    }
    s->pos++;
    return true;
}

static bool run(scanner *s)
{
    sstate st = ST_VALUE;
    size_t key_off = 0, comma = 0;
    for (;;) {
        skip_ws(s);
        if (s->failed || s->nomem)
            return false;
        bool end = s->pos >= s->len;
        char ch = end ? 0 : s->t[s->pos];
        frame *f = s->depth ? &s->stack[s->depth - 1] : NULL;
        switch (st) {
        case ST_VALUE:
            if (end) {
                fail(s, s->pos, s->depth ? "the file ends where a value "
                                           "should be"
                                         : "the file is empty: a scenario "
                                           "is a JSON object");
                return false;
            }
            if (!record(s, f ? key_off : s->pos))
                return false;
            if (ch == '{') {
                if (!push(s, '{'))
                    return false;
                st = ST_OBJ_FIRST;
                continue;
            }
            if (ch == '[') {
                if (!push(s, '['))
                    return false;
                st = ST_ARR_FIRST;
                continue;
            }
            if (!(ch == '"'   ? scan_string(s, false)
                  : ch == '-' || is_digit(ch) ? scan_number(s)
                                              : literal(s)))
                return false;
            st = ST_AFTER;
            continue;
        case ST_OBJ_FIRST:
            if (ch == '}') {
                s->depth--;
                s->pos++;
                path_cut(s, f->path_len);
                st = ST_AFTER;
                continue;
            }
            /* fall through */
        case ST_KEY:
            if (st == ST_KEY && ch == '}') {
                path_cut(s, f->path_len);
                fail(s, comma, "trailing comma before '}'");
                return false;
            }
            if (!read_key(s, f, &key_off))
                return false;
            st = ST_VALUE;
            continue;
        case ST_ARR_FIRST:
            if (ch == ']') {
                s->depth--;
                s->pos++;
                st = ST_AFTER;
                continue;
            }
            if (!next_index(s, f))
                return false;
            key_off = s->pos;
            st = ST_VALUE;
            continue;
        case ST_AFTER:
            if (!f) {
                if (!end) {
                    path_cut(s, 1);
                    fail(s, s->pos, "unexpected text after the end of the "
                                    "top-level value");
                    return false;
                }
                return true;
            }
            if (end) {
                path_cut(s, f->path_len);
                fail(s, s->pos, "the file ends inside %s",
                     f->type == '{' ? "an object (missing '}')"
                                    : "an array (missing ']')");
                return false;
            }
            if (ch == ',') {
                comma = s->pos++;
                skip_ws(s);
                if (f->type == '[') {
                    if (s->pos < s->len && s->t[s->pos] == ']') {
                        path_cut(s, f->path_len);
                        fail(s, comma, "trailing comma before ']'");
                        return false;
                    }
                    f->index++;
                    if (!next_index(s, f))
                        return false;
                    key_off = s->pos;
                    st = ST_VALUE;
                } else {
                    st = ST_KEY;
                }
                continue;
            }
            if (ch == (f->type == '{' ? '}' : ']')) {
                s->depth--;
                s->pos++;
                path_cut(s, f->path_len);
                continue;
            }
            fail(s, s->pos, "expected ',' or '%c' after this value",
                 f->type == '{' ? '}' : ']');
            return false;
        }
    }
}

scn_scan_rc scn_scan(const char *text, size_t len, scn_posmap **map,
                     scn_scan_error *err)
{
    *map = NULL;
    memset(err, 0, sizeof *err);
    scanner s = {.t = text, .len = len, .err = err};
    s.map = scn_posmap_new();
    if (!s.map || !path_put(&s.path, &s.plen, &s.pcap, "$", 1)) {
        free(s.map);
        free(s.path);
        return SCN_SCAN_NOMEM;
    }
    /* A UTF-8 byte-order mark, as some editors write, is skipped. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        s.pos = 3;
    bool ok = run(&s);
    free(s.path);
    free(s.stack);
    free(s.key);
    if (ok) {
        *map = s.map;
        return SCN_SCAN_OK;
    }
    scn_posmap_free(s.map);
    if (s.nomem) {
        free(err->path);
        err->path = NULL;
        return SCN_SCAN_NOMEM;
    }
    return SCN_SCAN_SYNTAX;
}
