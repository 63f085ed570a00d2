/* hvlab scenarios: "did you mean" — the closest known name to a typo. */
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Optimal string alignment distance (Levenshtein plus adjacent swaps),
 * case-insensitive; two rows of DP plus the one before, no recursion.
 * Words longer than 64 bytes are not compared. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return (size_t)-1;
    size_t r0[65], r1[65], r2[65];
    size_t *pp = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

/* Close enough to be a typo: a third of the word's length, at least 1, or
 * one contains the other (e.g. "walk" for "walk_refs"). */
static bool close_enough(const char *word, const char *name, size_t d)
{
    size_t n = strlen(word);
    size_t limit = n / 3 > 1 ? n / 3 : 1;
    if (d <= limit)
        return true;
    return n >= 3 && strstr(name, word) != NULL;
}

const char *scn_suggest_strided(const char *word, const void *base, size_t n,
                                size_t stride)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const char *name =
            *(const char *const *)((const char *)base + i * stride);
        if (!name)
            continue;
        size_t d = distance(word, name);
        if (d == (size_t)-1)
            continue;
        if (!close_enough(word, name, d))
            continue;
        if (d < best_d) {
            best = name;
            best_d = d;
        }
    }
    return best;
}

const char *scn_suggest(const char *word, const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    return scn_suggest_strided(word, names, n, sizeof *names);
}

void scn_join(const char *const *names, char *buf, size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = 0;
    for (size_t i = 0; names[i] && o + 1 < len; i++) {
        size_t k = strlen(names[i]);
        const char *sep = i ? ", " : "";
        if (o + strlen(sep) + k + 4 >= len) {
            memcpy(buf + o, "...", 4);
            return;
        }
        memcpy(buf + o, sep, strlen(sep));
        o += strlen(sep);
        memcpy(buf + o, names[i], k);
        o += k;
        buf[o] = 0;
    }
}
