/* hvlab scenarios: assembling a guest with NASM and reading what NASM
 * knows about it (DESIGN.md §3).
 *
 * HOW LABELS ARE FOUND: `nasm -f bin --before "[map all FILE]"` writes a
 * map file with the program origin, each section's start and every
 * symbol: labels with their (virtual) address per section, EQUs under "No
 * Section". The listing (`-l`) gives, for each line of the guest's main
 * file, the section offset of the bytes it emitted; bytes that a macro or
 * an included file emitted belong to the main-file line that invoked it.
 * Together they map an address back to a source line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scn_internal.h"

extern char **environ;

#define SCN_NASM_TIMEOUT_MS 60000
#define SCN_MAX_IMAGE (1u << 30)

static char *read_all(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max) {
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (!got)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

/* --- the map file ------------------------------------------------------ */

typedef struct sect {
    char name[64];
    uint32_t vstart;
} sect;

static int sym_cmp(const void *a, const void *b)
{
    return strcmp(((const hv_scn_symbol *)a)->name,
                  ((const hv_scn_symbol *)b)->name);
}

/* Sections of the map's summary table, for the listing. */
static size_t map_sections(const char *text, sect *out, size_t max)
{
    const char *p = strstr(text, "-- Sections (summary)");
    size_t n = 0;
    if (!p)
        return 0;
    p = strchr(p, '\n');
    while (p && *++p && *p != '-' && n < max) {
        unsigned long long vstart, start, stop, length;
        char cls[32], name[64];
        if (sscanf(p, "%llx %llx %llx %llx %31s %63s", &vstart, &start, &stop,
                   &length, cls, name) == 6) {
            snprintf(out[n].name, sizeof out[n].name, "%s", name);
            out[n++].vstart = (uint32_t)vstart;
        }
        p = strchr(p, '\n');
    }
    return n;
}

bool scn_asm_parse_map(hv_scn_arena *a, const char *text, hv_scn_guest *g)
{
    const char *p = strstr(text, "-- Program origin");
    if (p && (p = strchr(p, '\n'))) {
        unsigned long long org;
        if (sscanf(p, " %llx", &org) == 1)
            g->origin = (uint32_t)org;
    }
    const char *syms = strstr(text, "-- Symbols");
    size_t cap = 0;
    g->nsyms = 0;
    bool in_section = false;
    for (p = syms; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "---- ", 5) == 0) {
            in_section = strncmp(p, "---- No Section", 15) != 0;
            continue;
        }
        unsigned long long v1, v2;
        char name[256];
        int got = in_section ? sscanf(p, "%llx %llx %255s", &v1, &v2, name)
                             : sscanf(p, "%llx %255s", &v1, name);
        if (got != (in_section ? 3 : 2) || strncmp(name, "..@", 3) == 0)
            continue;
        if (g->nsyms == cap) {
            cap = cap ? cap * 2 : 128;
            hv_scn_symbol *v = scn_alloc(a, cap * sizeof *v);
            if (!v)
                return false;
            if (g->nsyms)
                memcpy(v, g->syms, g->nsyms * sizeof *v);
            g->syms = v;
        }
        hv_scn_symbol *s = &g->syms[g->nsyms++];
        s->name = scn_strdup(a, name);
        s->value = (uint32_t)(in_section ? v2 : v1);
        s->is_label = in_section;
        if (!s->name)
            return false;
    }
    if (g->nsyms)
        qsort(g->syms, g->nsyms, sizeof *g->syms, sym_cmp);
    return true;
}

/* --- the listing --------------------------------------------------------- */

static bool hex8(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char ch = p[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                         : -1;
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return true;
}

/* A nesting marker "<n>" in columns 28..39 (macro or include level). */
static bool has_marker(const char *line, size_t len)
{
    for (size_t i = 28; i + 2 < len && i < 40; i++)
        if (line[i] == '<' && line[i + 1] >= '0' && line[i + 1] <= '9') {
            size_t k = i + 1;
            while (k < len && line[k] >= '0' && line[k] <= '9')
                k++;
            if (k < len && line[k] == '>')
                return true;
        }
    return false;
}

static int line_cmp(const void *a, const void *b)
{
    const hv_scn_line *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* `section .data`, `segment .bss ...`, `[section .text]`: the name. */
static bool section_directive(const char *src, size_t n, char *name,
                              size_t cap)
{
    size_t i = 0;
    while (i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '['))
        i++;
    size_t w = i;
    while (i < n && src[i] != ' ' && src[i] != '\t')
        i++;
    if (!((i - w == 7 && strncasecmp(src + w, "section", 7) == 0) ||
          (i - w == 7 && strncasecmp(src + w, "segment", 7) == 0)))
        return false;
    while (i < n && (src[i] == ' ' || src[i] == '\t'))
        i++;
    size_t s = i;
    while (i < n && src[i] != ' ' && src[i] != '\t' && src[i] != ']')
        i++;
    if (i == s || i - s >= cap)
        return false;
    memcpy(name, src + s, i - s);
    name[i - s] = 0;
    return true;
}

bool scn_asm_parse_listing(hv_scn_arena *a, const char *text,
                           hv_scn_guest *g, const char *map_text)
{
    sect sects[32];
    size_t nsects = map_sections(map_text, sects, 32);
    uint32_t base = nsects ? sects[0].vstart : g->origin;
    uint32_t main_line = 0;
    size_t cap = 0;
    g->nlines = 0;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        p = nl ? nl + 1 : NULL;
        if (len < 16)
            continue;
        char num[8] = {0};
        memcpy(num, line, 6);
        unsigned long ln = strtoul(num, NULL, 10);
        if (!ln)
            continue;
        if (!has_marker(line, len)) {
            main_line = (uint32_t)ln;
            char name[64];
            if (len > 40 && section_directive(line + 40, len - 40, name,
                                              sizeof name))
                for (size_t i = 0; i < nsects; i++)
                    if (strcmp(sects[i].name, name) == 0)
                        base = sects[i].vstart;
        }
        uint32_t off;
        if (!main_line || line[6] != ' ' || !hex8(line + 7, &off) ||
            line[15] != ' ' || line[16] == ' ')
            continue;
        if (g->nlines == cap) {
            cap = cap ? cap * 2 : 256;
            hv_scn_line *v = scn_alloc(a, cap * sizeof *v);
            if (!v)
                return false;
            if (g->nlines)
                memcpy(v, g->lines, g->nlines * sizeof *v);
            g->lines = v;
        }
        g->lines[g->nlines++] = (hv_scn_line){base + off, main_line};
    }
    if (g->nlines)
        qsort(g->lines, g->nlines, sizeof *g->lines, line_cmp);
    return true;
}

bool hv_scn_addr_line(const hv_scn_guest *g, uint32_t addr, uint32_t *line)
{
    if (!g || !g->nlines || addr < g->lines[0].addr)
        return false;
    size_t lo = 0, hi = g->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->lines[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* Past the image: no line. */
    if (addr >= g->origin + g->image_len)
        return false;
    *line = g->lines[lo].line;
    return true;
}

const hv_scn_symbol *hv_scn_symbol_find(const hv_scn_guest *g,
                                        const char *name)
{
    if (!g || !g->nsyms)
        return NULL;
    hv_scn_symbol key = {.name = name};
    return bsearch(&key, g->syms, g->nsyms, sizeof key, sym_cmp);
}

/* --- running NASM ---------------------------------------------------------- */

/* Waits for `pid` at most SCN_NASM_TIMEOUT_MS; kills it after that. */
static bool wait_nasm(pid_t pid, int *status, bool *timed_out)
{
    *timed_out = false;
    for (int waited = 0;; waited += 5) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
        if (waited >= SCN_NASM_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            *timed_out = true;
            return true;
        }
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
}

static bool spawn_nasm(char *const argv[], const char *out_path, int *status,
                       bool *timed_out, int *spawn_err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa))
        return false;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    *spawn_err = posix_spawnp(&pid, "nasm", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (*spawn_err)
        return false;
    return wait_nasm(pid, status, timed_out);
}

typedef struct tmpfiles {
    char dir[64], bin[96], map[96], lst[96], out[96];
} tmpfiles;

static void tmp_cleanup(const tmpfiles *t)
{
    unlink(t->bin);
    unlink(t->map);
    unlink(t->lst);
    unlink(t->out);
    rmdir(t->dir);
}

static hv_scn_err fail(hv_scn_diags *d, const char *scn_file,
                       const hv_scn_loc *w, const char *fmt, const char *a,
                       const char *b)
{
    return scn_diag_add(d, scn_file, w->line, w->col, w->path, fmt, a, b)
               ? HV_SCN_ERR_INPUT
               : HV_SCN_ERR_NOMEM;
}

/* How much of NASM's line a message shows: enough for the file, the line
 * and the error, not a whole source line it might quote. */
#define SCN_NASM_SHOW 300

/* NASM's first error line (it names the guest file and line), or its
 * first line, escaped (it can quote the guest's text); returns how many
 * other lines there were. */
static size_t nasm_first_error(const char *msg, char *buf, size_t len)
{
    snprintf(buf, len, "(no message)");
    if (!msg || !*msg)
        return 0;
    const char *first = NULL, *error = NULL;
    size_t first_n = 0, error_n = 0, lines = 0;
    for (const char *p = msg; *p; lines++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && !first) {
            first = p;
            first_n = n;
        }
        if (n && !error && (memmem(p, n, ": error:", 8) ||
                            memmem(p, n, ": fatal:", 8))) {
            error = p;
            error_n = n;
        }
        p = nl ? nl + 1 : p + n;
    }
    if (error || first)
        scn_escape(error ? error : first, error ? error_n : first_n,
                   SCN_NASM_SHOW, false, buf, len);
    return lines ? lines - 1 : 0;
}

static hv_scn_err read_outputs(hv_scn_arena *a, const tmpfiles *t,
                               hv_scn_guest *g)
{
    size_t len;
    char *bin = read_all(t->bin, SCN_MAX_IMAGE, &len);
    char *map = read_all(t->map, 64u << 20, NULL);
    char *lst = read_all(t->lst, 1u << 30, NULL);
    hv_scn_err err = HV_SCN_ERR_NOMEM;
    if (bin && map && lst && scn_asm_parse_map(a, map, g) &&
        scn_asm_parse_listing(a, lst, g, map)) {
        g->image = (uint8_t *)bin;
        g->image_len = len;
        bin = NULL;
        err = HV_SCN_OK;
    }
    free(bin);
    free(map);
    free(lst);
    return err;
}

hv_scn_err scn_asm_guest(hv_scn_arena *a, const char *path,
                         const char *include_dir, const char *scn_file,
                         const hv_scn_loc *w, hv_scn_diags *d,
                         hv_scn_guest **out)
{
    *out = NULL;
    struct stat st;
    char shown[SCN_SHOW_LEN];
    scn_show_path(path, shown);
    if (stat(path, &st) != 0)
        return fail(d, scn_file, w, "cannot read the guest %s: %s", shown,
                    strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(d, scn_file, w, "the guest %s is not a regular file%s",
                    shown, "");
    tmpfiles t;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 40)
        tmp = "/tmp";
    snprintf(t.dir, sizeof t.dir, "%s/hvlab-scn-XXXXXX", tmp);
    if (!mkdtemp(t.dir))
        return fail(d, scn_file, w, "cannot make a temporary directory: %s%s",
                    strerror(errno), "");
    snprintf(t.bin, sizeof t.bin, "%s/guest.bin", t.dir);
    snprintf(t.map, sizeof t.map, "%s/guest.map", t.dir);
    snprintf(t.lst, sizeof t.lst, "%s/guest.lst", t.dir);
    snprintf(t.out, sizeof t.out, "%s/nasm.out", t.dir);

    char inc_guest[4200], inc_data[4200], before[200];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(inc_guest, sizeof inc_guest, "-I%.*s/", (int)(slash - path),
                 path);
    else
        snprintf(inc_guest, sizeof inc_guest, "-I./");
    snprintf(inc_data, sizeof inc_data, "-I%s/", include_dir ? include_dir
                                                             : ".");
    snprintf(before, sizeof before, "[map all %s]", t.map);
    char *argv[] = {"nasm", "-f", "bin", inc_guest, inc_data, "--before",
                    before, "-l", t.lst, "-o", t.bin, (char *)path, NULL};
    int status = 0, serr = 0;
    bool timed_out = false;
    hv_scn_err err = HV_SCN_OK;
    if (!spawn_nasm(argv, t.out, &status, &timed_out, &serr)) {
        err = fail(d, scn_file, w, "cannot run nasm: %s%s",
                   serr ? strerror(serr) : "waitpid failed",
                   serr == ENOENT ? " (is NASM installed?)" : "");
    } else if (timed_out) {
        err =
            fail(d, scn_file, w,
                 "NASM took more than %s seconds on %s: stopped", "60", shown);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *msg = read_all(t.out, 1u << 20, NULL);
        char first[SCN_NASM_SHOW * 6 + 8];
        size_t more = nasm_first_error(msg, first, sizeof first);
        char extra[64] = "";
        if (more)
            snprintf(extra, sizeof extra, " (and %zu more line%s from NASM)",
                     more, more == 1 ? "" : "s");
        err = scn_diag_add(d, scn_file, w->line, w->col, w->path,
                           "NASM cannot assemble the guest: %s%s", first,
                           extra)
                  ? HV_SCN_ERR_INPUT
                  : HV_SCN_ERR_NOMEM;
        free(msg);
    } else {
        hv_scn_guest *g = scn_alloc(a, sizeof *g);
        err = g ? read_outputs(a, &t, g) : HV_SCN_ERR_NOMEM;
        if (!err) {
            g->path = scn_strdup(a, path);
            *out = g;
        }
    }
    tmp_cleanup(&t);
    return err;
}

void scn_asm_free(hv_scn_guest *g)
{
    if (g)
        free(g->image);
}
