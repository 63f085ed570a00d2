/* hvlab scenarios: the arena that owns a scenario's strings and arrays, so
 * that hv_scn_free is one call and the loader's error paths leak nothing
 * (what the fuzzer checks). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

#define SCN_CHUNK 16384

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct hv_scn_arena {
    chunk *head;
};

hv_scn_arena *scn_arena_new(void)
{
    return calloc(1, sizeof(hv_scn_arena));
}

void scn_arena_free(hv_scn_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *scn_alloc(hv_scn_arena *a, size_t size)
{
    if (!a || size > SIZE_MAX / 2)
        return NULL;
    size = (size + 15) & ~(size_t)15;
    if (!size)
        size = 16;
    chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > SCN_CHUNK ? size : SCN_CHUNK;
        chunk *n = malloc(sizeof *n + cap);
        if (!n)
            return NULL;
        n->used = 0;
        n->cap = cap;
        /* A big block goes behind the head so the head keeps its room. */
        if (c && cap > SCN_CHUNK) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *scn_strndup(hv_scn_arena *a, const char *s, size_t n)
{
    char *p = scn_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

char *scn_strdup(hv_scn_arena *a, const char *s)
{
    return s ? scn_strndup(a, s, strlen(s)) : NULL;
}

char *scn_sprintf(hv_scn_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = scn_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
