/* hvlab command line: reading NASM's listing (`nasm -l`) into the rows the
 * Code pane shows (views/snapshot.h: hv_source).
 *
 * NASM 2.x lists one source line per row:
 *
 *     LLLLLL AAAAAAAA BBBBBBBBBBBBBBBBBBBB<n> text
 *     ^0     ^7       ^16                 ^36
 *
 * L the line number in its file, A the offset in the section (absent when
 * the line emits nothing), B the bytes (hex; "[..]" and "(..)" are bytes
 * that relocations filled; "90<rep 3h>" one byte three times; "<res 10h>"
 * reserved space), <n> the include/macro nesting (absent at 0), text from
 * column 40. A line that emits more bytes than fit continues on rows with
 * the same number, an address and no text. NASM's own diagnostics appear
 * as rows of '*'. Rows of included files and macro bodies that emit
 * nothing (hvlab.inc is all EQUs and macros) are left out; the guest's own
 * lines are all kept.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "views/snapshot.h"

#define TEXT_COL 40

static bool hex_run(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Bytes a listing's byte field stands for. */
static uint32_t count_bytes(const char *f, size_t len)
{
    uint32_t digits = 0;
    size_t i = 0;
    for (; i < len && f[i] != '<'; i++)
        if (isxdigit((unsigned char)f[i]))
            digits++;
    uint32_t n = digits / 2;
    if (i < len) {
        /* "<rep Nh>" or "<res Nh>": N in hex. */
        unsigned long v = strtoul(f + i + 5, NULL, 16);
        if (strncmp(f + i, "<rep ", 5) == 0)
            n = n * (uint32_t)v;
        else if (strncmp(f + i, "<res ", 5) == 0)
            n = (uint32_t)v;
    }
    return n;
}

static bool keep(const hv_source_row *r)
{
    if (r->level == 0 || r->nbytes)
        return true;
    /* A label in included code ("hv_puts:"), not a macro-local one. */
    const char *t = r->text;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        n--;
    return n > 1 && t[n - 1] == ':' && !strchr(t, ' ') &&
           strncmp(t, "..@", 3) != 0;
}

static bool push(hv_source *src, size_t *cap, const hv_source_row *row)
{
    if (src->nrows == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        hv_source_row *p = realloc(src->rows, c * sizeof *p);
        if (!p)
            return false;
        src->rows = p;
        *cap = c;
    }
    src->rows[src->nrows++] = *row;
    return true;
}

void cli_source_free(hv_source *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->nrows; i++)
        free(src->rows[i].text);
    free(src->rows);
    free(src->file);
    free(src);
}

hv_source *cli_listing_read(const char *lst_path, const char *guest)
{
    FILE *f = fopen(lst_path, "r");
    if (!f)
        return NULL;
    hv_source *src = calloc(1, sizeof *src);
    if (!src || !(src->file = strdup(guest)))
        goto fail;
    size_t cap = 0;
    char line[1024];
    size_t last = SIZE_MAX; /* the last row with an address: continuations */
    while (fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (len < 7 || !isdigit((unsigned char)line[5]))
            continue;
        hv_source_row row = {.line = (uint32_t)strtoul(line, NULL, 10)};
        bool has_addr = len >= 15 && hex_run(line + 7, 8);
        if (!has_addr && len > 16 && line[16] == '*')
            continue; /* one of NASM's diagnostics */
        if (has_addr)
            row.offset = (uint32_t)strtoul(line + 7, NULL, 16);
        if (len > 16) {
            size_t end = len < 36 ? len : 36;
            row.nbytes = count_bytes(line + 16, end - 16);
        }
        size_t text = TEXT_COL;
        if (len > 36 && line[36] == '<') {
            row.level = (uint8_t)atoi(line + 37);
            const char *gt = strchr(line + 36, '>');
            text = gt ? (size_t)(gt - line) + 2 : TEXT_COL;
        }
        const char *t = text < len ? line + text : "";
        if (has_addr && !*t && last != SIZE_MAX &&
            src->rows[last].line == row.line &&
            src->rows[last].level == row.level) {
            src->rows[last].nbytes += row.nbytes; /* a continuation row */
            continue;
        }
        if (!keep(&(hv_source_row){
                .level = row.level, .nbytes = row.nbytes, .text = (char *)t}))
            continue;
        /* Tabs would confuse column counting: spaces instead. */
        row.text = malloc(strlen(t) * 8 + 1);
        if (!row.text)
            goto fail;
        size_t o = 0;
        for (const char *p = t; *p; p++) {
            if (*p == '\t')
                do
                    row.text[o++] = ' ';
                while (o % 8);
            else
                row.text[o++] = *p;
        }
        row.text[o] = 0;
        if (!push(src, &cap, &row)) {
            free(row.text);
            goto fail;
        }
        if (has_addr)
            last = src->nrows - 1;
    }
    fclose(f);
    return src;
fail:
    fclose(f);
    cli_source_free(src);
    return NULL;
}
