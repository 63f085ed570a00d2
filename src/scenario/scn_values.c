/* hvlab scenarios: typed getters for numbers — counts, sizes, 32-bit
 * values that may name guest symbols, and plain numbers. Counts are read
 * from the text itself (cJSON keeps only a double), so 64-bit values are
 * exact. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* The number as written in the text ("2.0", "1e3"), for messages; "?"
 * when its position is unknown. */
static const char *num_text(scn_ctx *c, scn_node v)
{
    scn_pos pos;
    if (!scn_posmap_find(c->map, v.path, &pos) || pos.val_off >= c->len)
        return "?";
    const char *t = c->text + pos.val_off;
    size_t n = strspn(t, "-+.eE0123456789");
    char buf[SCN_SHOW_LEN];
    scn_escape(t, n, SCN_SHOW_CHARS, false, buf, sizeof buf);
    const char *r = scn_strdup(c->arena, buf);
    if (!r)
        c->oom = true;
    return r ? r : "?";
}

/* The integer exactly as written (cJSON keeps only a double). 1 ok, 0
 * not an integer (a fraction or an exponent: "2.0" and "1e3" are refused
 * too, since a count is written as the digits of an integer), -1
 * negative, -2 too big. */
static int raw_uint(scn_ctx *c, scn_node v, uint64_t *out)
{
    scn_pos pos;
    if (!scn_posmap_find(c->map, v.path, &pos))
        return 0; /* every value has a position: cannot happen */
    const char *t = c->text + pos.val_off;
    size_t n = strspn(t, "-0123456789");
    char next = pos.val_off + n < c->len ? t[n] : 0;
    if (next == '.' || next == 'e' || next == 'E')
        return 0;
    if (t[0] == '-')
        return strspn(t + 1, "0") == n - 1 ? (*out = 0, 1) : -1;
    errno = 0;
    unsigned long long u = strtoull(t, NULL, 10);
    if (errno == ERANGE)
        return -2;
    *out = u;
    return 1;
}

static bool check_range(scn_ctx *c, scn_node v, uint64_t x, uint64_t min,
                        uint64_t max)
{
    if (x < min) {
        scn_err(c, v, "%llu is less than the minimum, %llu",
                (unsigned long long)x, (unsigned long long)min);
        return false;
    }
    if (x > max) {
        scn_err(c, v, "%llu is more than the maximum, %llu",
                (unsigned long long)x, (unsigned long long)max);
        return false;
    }
    return true;
}

bool scn_get_u64(scn_ctx *c, scn_node obj, const char *key, bool required,
                 uint64_t min, uint64_t max, uint64_t *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (!cJSON_IsNumber(v.j)) {
        scn_err(c, v, "must be an integer, not %s", scn_type_name(v.j));
        return false;
    }
    uint64_t x;
    switch (raw_uint(c, v, &x)) {
    case 0:
        scn_err(c, v,
                "must be an integer (digits only, no fraction or "
                "exponent), not %s",
                num_text(c, v));
        return false;
    case -1: scn_err(c, v, "must not be negative"); return false;
    case -2: scn_err(c, v, "is far too big (the maximum is %llu)",
                     (unsigned long long)max);
        return false;
    default: break;
    }
    if (!check_range(c, v, x, min, max))
        return false;
    *out = x;
    return true;
}

bool scn_parse_uint(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    bool digit = false, prev_digit = false;
    for (; *s; s++) {
        int d;
        if (*s == '_' && prev_digit && s[1]) {
            prev_digit = false;
            continue;
        }
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
        digit = prev_digit = true;
    }
    if (!digit)
        return false;
    *out = v;
    return true;
}

static void human_size(uint64_t b, char *buf, size_t len)
{
    if (b && b % (1u << 30) == 0)
        snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
    else if (b && b % (1u << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
    else if (b && b % 1024 == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)b);
}

/* "16M", "16 MiB", "4096", "0x1000000": false when not a size. */
static bool parse_size(const char *s, uint64_t *out)
{
    char num[64];
    size_t n = strspn(s, "0123456789abcdefABCDEFxX_");
    /* A hex number may end in B (a digit): only 0x... numbers keep it. */
    if (n == 0 || n >= sizeof num)
        return false;
    if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
        n = strspn(s, "0123456789_");
        if (n == 0)
            return false;
    }
    memcpy(num, s, n);
    num[n] = 0;
    uint64_t v;
    if (!scn_parse_uint(num, &v))
        return false;
    s += n;
    while (*s == ' ')
        s++;
    unsigned shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; s++; break;
    case 'm': case 'M': shift = 20; s++; break;
    case 'g': case 'G': shift = 30; s++; break;
    default: break;
    }
    if (shift && (strcmp(s, "iB") == 0 || strcmp(s, "B") == 0))
        s += strlen(s);
    if (*s || v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    return true;
}

bool scn_get_size(scn_ctx *c, scn_node obj, const char *key, bool required,
                  uint64_t min, uint64_t max, uint64_t align, uint64_t *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    uint64_t x;
    if (cJSON_IsNumber(v.j)) {
        int r = raw_uint(c, v, &x);
        if (r == -1) {
            scn_err(c, v, "a size must not be negative");
            return false;
        }
        if (r == -2) {
            scn_err(c, v, "is far too big for a size");
            return false;
        }
        if (r != 1) {
            scn_err(c, v,
                    "a size in bytes must be an integer (digits only, "
                    "no fraction or exponent), not %s",
                    num_text(c, v));
            return false;
        }
    } else if (cJSON_IsString(v.j)) {
        const char *s = v.j->valuestring;
        if (s[0] == '-') {
            scn_err(c, v, "a size must not be negative");
            return false;
        }
        if (!parse_size(s, &x)) {
            scn_err(c, v,
                    "'%s' is not a size (write bytes, or e.g. \"16M\", "
                    "\"64K\", \"1G\")",
                    scn_show(c, s));
            return false;
        }
    } else {
        scn_err(c, v, "must be a size (a number of bytes or a string such as "
                      "\"16M\"), not %s", scn_type_name(v.j));
        return false;
    }
    char a[32], b[32];
    if (x < min || x > max) {
        human_size(x, a, sizeof a);
        human_size(x < min ? min : max, b, sizeof b);
        scn_err(c, v, "%s is %s than the %s, %s", a,
                x < min ? "less" : "more", x < min ? "minimum" : "maximum", b);
        return false;
    }
    if (align && x % align) {
        human_size(align, b, sizeof b);
        scn_err(c, v, "%llu bytes is not a multiple of %s",
                (unsigned long long)x, b);
        return false;
    }
    *out = x;
    return true;
}

static bool sym_char(char ch, bool first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '_' || ch == '.' || ch == '?' || ch == '@' || ch == '$' ||
           (!first && ((ch >= '0' && ch <= '9') || ch == '#' || ch == '~'));
}

bool scn_node_value(scn_ctx *c, scn_node v, uint32_t vm, bool label_only,
                    hv_scn_value *out)
{
    memset(out, 0, sizeof *out);
    out->loc = scn_loc(c, v);
    if (cJSON_IsNumber(v.j)) {
        uint64_t x;
        int r = raw_uint(c, v, &x);
        if (r == -1) {
            scn_err(c, v, "must not be negative");
            return false;
        }
        if (r == 0) {
            scn_err(c, v,
                    "must be an integer (digits only, no fraction or "
                    "exponent), not %s",
                    num_text(c, v));
            return false;
        }
        if (r != 1 || x > UINT32_MAX) {
            scn_err(c, v, "must be a 32-bit value (0 to 0xffffffff)");
            return false;
        }
        out->v = x;
        out->resolved = true;
        return true;
    }
    if (!cJSON_IsString(v.j)) {
        scn_err(c, v, "must be a number, a string such as \"0x1000\", or a "
                      "guest label, not %s", scn_type_name(v.j));
        return false;
    }
    const char *s = v.j->valuestring;
    uint64_t x;
    if (scn_parse_uint(s, &x)) {
        if (x > UINT32_MAX) {
            scn_err(c, v, "'%s' does not fit in 32 bits", scn_show(c, s));
            return false;
        }
        out->v = x;
        out->resolved = true;
        return true;
    }
    size_t n = 0;
    while (s[n] && sym_char(s[n], n == 0))
        n++;
    const char *rest = s + n;
    while (*rest == ' ')
        rest++;
    int64_t off = 0;
    if (n && (*rest == '+' || *rest == '-')) {
        bool neg = *rest == '-';
        rest++;
        while (*rest == ' ')
            rest++;
        if (!scn_parse_uint(rest, &x) || x > UINT32_MAX) {
            scn_err(c, v,
                    "'%s': the offset after the label must be a "
                    "number",
                    scn_show(c, s));
            return false;
        }
        off = neg ? -(int64_t)x : (int64_t)x;
        rest += strlen(rest);
    }
    if (!n || *rest || (s[0] >= '0' && s[0] <= '9')) {
        scn_err(c, v,
                "'%s' is neither a number (\"4096\", \"0x1000\") nor "
                "a guest label (\"start\", \"data+4\")",
                scn_show(c, s));
        return false;
    }
    if (label_only && off) {
        scn_err(c, v, "write a label without an offset here, or use "
                      "\"address\"");
        return false;
    }
    out->symbol = scn_strndup(c->arena, s, n);
    out->offset = off;
    if (!out->symbol || !scn_ref_add(c, out, vm, label_only)) {
        c->oom = true;
        return false;
    }
    return true;
}

bool scn_get_value(scn_ctx *c, scn_node obj, const char *key, bool required,
                   uint32_t vm, bool label_only, hv_scn_value *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    return scn_node_value(c, v, vm, label_only, out);
}

bool scn_get_number(scn_ctx *c, scn_node obj, const char *key, bool required,
                    double *out)
{
    scn_node v = scn_member(c, obj, key);
    if (!scn_need(c, obj, v, key, required))
        return false;
    if (!cJSON_IsNumber(v.j)) {
        scn_err(c, v, "must be a number, not %s%s", scn_type_name(v.j),
                cJSON_IsString(v.j) ? " (write it without quotes)" : "");
        return false;
    }
    if (!isfinite(v.j->valuedouble)) {
        scn_err(c, v, "is too big to be a number");
        return false;
    }
    *out = v.j->valuedouble;
    return true;
}

