/* bench_unicorn: the baselines hvlab's benchmark compares itself with,
 * bare Unicorn 2.0.1 running the same guest binaries (tests/bench/bench.py
 * drives it; docs/performance.md has the figures).
 *
 *   bench_unicorn loop FILE.bin [--entry ADDR] [--repeat N] [--lazy-cap K]
 *       Runs the flat binary FILE.bin, loaded at 0x1000 over 16 MiB of RAM
 *       mapped flat, paging off, from ADDR (default 0x1010, the body of
 *       the bench guests: see guests/bench.inc) until its HLT, in two
 *       configurations, each the best of N runs (default 3):
 *         raw    no hooks at all;
 *         hooks  an empty UC_HOOK_CODE (it only counts instructions) plus
 *                an empty UC_HOOK_MEM_READ|UC_HOOK_MEM_WRITE: the floor of
 *                hvlab's design, which needs both (UNICORN.md §6).
 *       With --lazy-cap K, a third:
 *         lazy   the hooks, plus RAM mapped lazily from an unmapped hook
 *                with at most K live single-page regions (the image page
 *                and K-1 others, the oldest unmapped first): what a TLB
 *                miss of this design costs in Unicorn alone.
 *       Prints one JSON object: instructions, raw_s, hooks_s, lazy_s and
 *       lazy_maps (null without --lazy-cap).
 *
 *   bench_unicorn remap [--live K] [--cycles C] [--repeat N]
 *       K single-page regions live (default 64); then C times (default
 *       20000) unmap the oldest and uc_mem_map_ptr a new page, timed per
 *       pair; once plain and once with the uc_ctl_remove_cache after each
 *       call that hvlab's ucmap.c adds. Best of N. Prints one JSON object
 *       (microseconds).
 *
 * Timing: clock_gettime(CLOCK_MONOTONIC) around uc_emu_start (a whole run)
 * or around the C cycles. Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define PAGE 4096u
#define LOAD 0x1000u
#define RAM_BYTES (16u << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool uc_ok(uc_err e, const char *what)
{
    if (e != UC_ERR_OK) {
        fprintf(stderr, "bench_unicorn: %s: %s\n", what, uc_strerror(e));
        return false;
    }
    return true;
}

static bool parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s ? s : "", &end, 0);
    if (!s || !*s || *end || errno) {
        fprintf(stderr, "bench_unicorn: %s: '%s' is not a number\n", opt,
                s ? s : "");
        return false;
    }
    *out = v;
    return true;
}

/* --- loop -------------------------------------------------------------- */

enum mode { MODE_RAW, MODE_HOOKS, MODE_LAZY };

typedef struct lazy {
    uc_engine *uc;
    uint8_t *ram;
    uint32_t cap;    /* live data pages (the image page is apart) */
    uint32_t *pages; /* FIFO ring of live data pages */
    uint32_t n, next;
    uint64_t maps;
    bool failed;
} lazy;

typedef struct loop_state {
    uint64_t insns;
    lazy lz;
} loop_state;

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size,
                      void *opaque)
{
    (void)uc, (void)address, (void)size;
    ((loop_state *)opaque)->insns++;
}

static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t address,
                     int size, int64_t value, void *opaque)
{
    (void)uc, (void)type, (void)address, (void)size, (void)value;
    (void)opaque;
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address,
                          int size, int64_t value, void *opaque)
{
    (void)type, (void)size, (void)value;
    lazy *lz = &((loop_state *)opaque)->lz;
    uint32_t page = (uint32_t)address & ~(PAGE - 1);
    if (page >= RAM_BYTES)
        return false;
    if (lz->n == lz->cap) {
        if (uc_mem_unmap(uc, lz->pages[lz->next], PAGE) != UC_ERR_OK)
            goto fail;
    } else {
        lz->n++;
    }
    if (uc_mem_map_ptr(uc, page, PAGE, UC_PROT_ALL, lz->ram + page) !=
        UC_ERR_OK)
        goto fail;
    lz->pages[lz->next] = page;
    lz->next = (lz->next + 1) % lz->cap;
    lz->maps++;
    return true;
fail:
    lz->failed = true;
    return false;
}

/* One whole run of the image; returns seconds, or a negative value. */
static double run_once(const uint8_t *image, size_t len, uint32_t entry,
                       enum mode mode, uint32_t lazy_cap, uint8_t *ram,
                       loop_state *st)
{
    uc_engine *uc;
    double t = -1;
    memset(st, 0, sizeof *st);
    memset(ram, 0, RAM_BYTES);
    memcpy(ram + LOAD, image, len);
    if (!uc_ok(uc_open(UC_ARCH_X86, UC_MODE_32, &uc), "uc_open"))
        return -1;
    if (mode == MODE_LAZY) {
        /* The image's pages stay mapped; the rest comes and goes. */
        uint32_t img = (uint32_t)((len + PAGE - 1) & ~(size_t)(PAGE - 1));
        if (!uc_ok(uc_mem_map_ptr(uc, LOAD, img, UC_PROT_ALL, ram + LOAD),
                   "uc_mem_map_ptr(image)"))
            goto out;
        if (lazy_cap <= img / PAGE) {
            fprintf(stderr, "bench_unicorn: --lazy-cap %u leaves no page "
                            "beside the image\n", lazy_cap);
            goto out;
        }
        st->lz = (lazy){.uc = uc, .ram = ram, .cap = lazy_cap - img / PAGE};
        st->lz.pages = calloc(st->lz.cap, sizeof *st->lz.pages);
        if (!st->lz.pages)
            goto out;
    } else if (!uc_ok(uc_mem_map_ptr(uc, 0, RAM_BYTES, UC_PROT_ALL, ram),
                      "uc_mem_map_ptr(RAM)")) {
        goto out;
    }
    uc_hook h;
    if (mode != MODE_RAW &&
        (!uc_ok(uc_hook_add(uc, &h, UC_HOOK_CODE, hook_code, st, 1, 0),
                "hook code") ||
         !uc_ok(uc_hook_add(uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                            hook_mem, st, 1, 0),
                "hook mem")))
        goto out;
    if (mode == MODE_LAZY &&
        !uc_ok(uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED, hook_unmapped, st,
                           1, 0),
               "hook unmapped"))
        goto out;
    uint32_t esp = RAM_BYTES;
    uc_reg_write(uc, UC_X86_REG_ESP, &esp);
    double t0 = now();
    uc_err e = uc_emu_start(uc, entry, UINT64_MAX, 0, 0);
    double t1 = now();
    if (!uc_ok(e, "uc_emu_start") || st->lz.failed)
        goto out;
    t = t1 - t0;
out:
    free(st->lz.pages);
    st->lz.pages = NULL;
    uc_close(uc);
    return t;
}

static bool read_image(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_unicorn: %s: %s\n", path, strerror(errno));
        return false;
    }
    *data = malloc(RAM_BYTES - LOAD);
    *len = *data ? fread(*data, 1, RAM_BYTES - LOAD, f) : 0;
    bool ok = *data && !ferror(f) && *len > 0;
    fclose(f);
    if (!ok)
        fprintf(stderr, "bench_unicorn: %s: cannot read a guest image\n", path);
    return ok;
}

static int cmd_loop(int argc, char **argv)
{
    const char *file = NULL;
    uint64_t entry = 0x1010, repeat = 3, lazy_cap = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--entry") == 0) {
            if (!parse_u64(argv[i], v, &entry))
                return 1;
            i++;
        } else if (strcmp(argv[i], "--repeat") == 0) {
            if (!parse_u64(argv[i], v, &repeat))
                return 1;
            i++;
        } else if (strcmp(argv[i], "--lazy-cap") == 0) {
            if (!parse_u64(argv[i], v, &lazy_cap))
                return 1;
            i++;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "bench_unicorn loop: unexpected '%s'\n", argv[i]);
            return 1;
        }
    }
    if (!file || repeat < 1 || (lazy_cap && (lazy_cap < 4 || lazy_cap > 2048))) {
        fprintf(stderr, "usage: bench_unicorn loop FILE.bin [--entry ADDR] "
                        "[--repeat N] [--lazy-cap 4..2048]\n");
        return 1;
    }
    uint8_t *image, *ram = aligned_alloc(PAGE, RAM_BYTES);
    size_t len;
    if (!ram || !read_image(file, &image, &len))
        return 1;
    double best[3] = {-1, -1, -1};
    uint64_t insns = 0, maps = 0;
    int rc = 0;
    for (int mode = MODE_RAW; mode <= MODE_LAZY && rc == 0; mode++) {
        if (mode == MODE_LAZY && !lazy_cap)
            break;
        for (uint64_t r = 0; r < repeat; r++) {
            loop_state st;
            double t = run_once(image, len, (uint32_t)entry, (enum mode)mode,
                                (uint32_t)lazy_cap, ram, &st);
            if (t < 0) {
                rc = 1;
                break;
            }
            if (best[mode] < 0 || t < best[mode])
                best[mode] = t;
            if (mode == MODE_HOOKS)
                insns = st.insns;
            if (mode == MODE_LAZY)
                maps = st.lz.maps;
        }
    }
    if (rc == 0) {
        printf("{\"file\":\"%s\",\"instructions\":%llu,\"raw_s\":%.6f,"
               "\"hooks_s\":%.6f,",
               file, (unsigned long long)insns, best[MODE_RAW],
               best[MODE_HOOKS]);
        if (lazy_cap)
            printf("\"lazy_cap\":%llu,\"lazy_s\":%.6f,\"lazy_maps\":%llu}\n",
                   (unsigned long long)lazy_cap, best[MODE_LAZY],
                   (unsigned long long)maps);
        else
            printf("\"lazy_cap\":null,\"lazy_s\":null,\"lazy_maps\":null}\n");
    }
    free(image);
    free(ram);
    return rc;
}

/* --- remap ------------------------------------------------------------- */

/* Seconds per unmap+map pair, K live, C cycles; remove_cache as ucmap.c. */
static double remap_once(uint32_t live, uint32_t cycles, bool remove_cache,
                         uint8_t *frame)
{
    uc_engine *uc;
    double t = -1;
    if (!uc_ok(uc_open(UC_ARCH_X86, UC_MODE_32, &uc), "uc_open"))
        return -1;
    /* Pages live at VA BASE + i*PAGE over a window of 4096 pages, all
     * aliases of one host frame (aliasing is allowed: UNICORN.md §3). */
    const uint32_t base = 0x400000, window = 4096;
    uint32_t *ring = calloc(live, sizeof *ring);
    if (!ring)
        goto out;
    uint32_t va = 0;
    for (uint32_t i = 0; i < live; i++, va++) {
        ring[i] = base + va * PAGE;
        if (!uc_ok(uc_mem_map_ptr(uc, ring[i], PAGE, UC_PROT_ALL, frame),
                   "uc_mem_map_ptr"))
            goto out;
    }
    double t0 = now();
    for (uint32_t c = 0, next = 0; c < cycles; c++) {
        uint32_t old = ring[next];
        if (uc_mem_unmap(uc, old, PAGE) != UC_ERR_OK)
            goto fail;
        if (remove_cache)
            uc_ctl_remove_cache(uc, old, (uint64_t)old + PAGE);
        ring[next] = base + (va++ % window) * PAGE;
        if (uc_mem_map_ptr(uc, ring[next], PAGE, UC_PROT_ALL, frame) !=
            UC_ERR_OK)
            goto fail;
        if (remove_cache)
            uc_ctl_remove_cache(uc, ring[next], (uint64_t)ring[next] + PAGE);
        next = (next + 1) % live;
    }
    t = (now() - t0) / cycles;
    goto out;
fail:
    fprintf(stderr, "bench_unicorn: remap: Unicorn refused a map/unmap\n");
out:
    free(ring);
    uc_close(uc);
    return t;
}

static int cmd_remap(int argc, char **argv)
{
    uint64_t live = 64, cycles = 20000, repeat = 3;
    /* Options come in pairs: "--live N". */
    for (int i = 2; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t *dst = strcmp(argv[i], "--live") == 0     ? &live
                        : strcmp(argv[i], "--cycles") == 0 ? &cycles
                        : strcmp(argv[i], "--repeat") == 0 ? &repeat
                                                           : NULL;
        if (!dst) {
            fprintf(stderr, "bench_unicorn remap: unexpected '%s'\n", argv[i]);
            return 1;
        }
        if (!parse_u64(argv[i], v, dst))
            return 1;
    }
    if (live < 1 || live > 2048 || cycles < 1 || repeat < 1) {
        fprintf(stderr, "usage: bench_unicorn remap [--live 1..2048] "
                        "[--cycles C] [--repeat N]\n");
        return 1;
    }
    uint8_t *frame = aligned_alloc(PAGE, PAGE);
    if (!frame)
        return 1;
    memset(frame, 0, PAGE);
    double best[2] = {-1, -1};
    for (int rc = 0; rc < 2; rc++)
        for (uint64_t r = 0; r < repeat; r++) {
            double t = remap_once((uint32_t)live, (uint32_t)cycles, rc == 1,
                                  frame);
            if (t < 0) {
                free(frame);
                return 1;
            }
            if (best[rc] < 0 || t < best[rc])
                best[rc] = t;
        }
    printf("{\"live\":%llu,\"cycles\":%llu,\"unmap_map_us\":%.3f,"
           "\"unmap_map_remove_cache_us\":%.3f}\n",
           (unsigned long long)live, (unsigned long long)cycles,
           best[0] * 1e6, best[1] * 1e6);
    free(frame);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "loop") == 0)
        return cmd_loop(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "remap") == 0)
        return cmd_remap(argc, argv);
    fprintf(stderr, "usage: bench_unicorn loop FILE.bin [--entry ADDR] "
                    "[--repeat N] [--lazy-cap K]\n"
                    "       bench_unicorn remap [--live K] [--cycles C] "
                    "[--repeat N]\n");
    return 1;
}
