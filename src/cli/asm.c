/* hvlab command line: assembling guests with NASM (DESIGN.md §3). */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

const char *cli_datadir(void)
{
    const char *env = getenv("HVLAB_DATADIR");
    return env && *env ? env : HVLAB_SOURCE_DATADIR;
}

static bool read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return false;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *data = buf;
    *len = n;
    return true;
}

/* One line: NASM's first error ("FILE:LINE: error: ..."), and how many
 * more there were. */
static void report_nasm_errors(const char *path, const char *errs)
{
    FILE *f = fopen(errs, "r");
    char line[1024], first[1024] = "";
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!strstr(line, "error"))
            continue;
        if (n++ == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(first, sizeof first, "%s", line);
        }
    }
    if (f)
        fclose(f);
    if (n == 0)
        fprintf(stderr, "hvlab: %s: NASM failed\n", path);
    else if (n == 1)
        fprintf(stderr, "hvlab: %s\n", first);
    else
        fprintf(stderr, "hvlab: %s (and %d more errors)\n", first, n - 1);
}

bool cli_assemble(const char *path, uint8_t **image, size_t *len)
{
    return cli_assemble_listing(path, image, len, NULL);
}

/* As cli_assemble; with `source`, NASM also writes a listing (-l) that
 * *source receives as rows (listing.c), or NULL when it cannot be read:
 * the guest still runs, the Code pane then says it has no listing. */
bool cli_assemble_listing(const char *path, uint8_t **image, size_t *len,
                          struct hv_source **source)
{
    if (source)
        *source = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "hvlab: %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "hvlab: %s: not a regular file\n", path);
        return false;
    }
    char dir[] = "/tmp/hvlab-asm-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "hvlab: cannot make a temporary directory: %s\n",
                strerror(errno));
        return false;
    }
    char out[64], errs[64], lst[64], inc_guest[4096], inc_data[4096];
    snprintf(out, sizeof out, "%s/guest.bin", dir);
    snprintf(errs, sizeof errs, "%s/nasm.err", dir);
    snprintf(lst, sizeof lst, "%s/guest.lst", dir);
    /* NASM finds %include files relative to -I paths: the guest's own
     * directory first, then the bundled include file. */
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(inc_guest, sizeof inc_guest, "-I%.*s/", (int)(slash - path), path);
    else
        snprintf(inc_guest, sizeof inc_guest, "-I./");
    snprintf(inc_data, sizeof inc_data, "-I%s/guest/", cli_datadir());
    /* NASM's messages go to a file: hvlab reports the first error as its
     * one line (it names the guest file and line). */
    char *argv[] = {"nasm", "-f", "bin", inc_guest, inc_data, "-Z", errs,
                    "-o", out, (char *)path, NULL, NULL, NULL};
    if (source) {
        argv[10] = "-l";
        argv[11] = lst;
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, "nasm", NULL, NULL, argv, environ);
    bool ok = false;
    if (rc != 0) {
        fprintf(stderr, "hvlab: cannot run nasm: %s (is it installed?)\n",
                strerror(rc));
    } else {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ok = read_file(out, image, len);
            if (ok && source)
                *source = cli_listing_read(lst, path);
            if (!ok)
                fprintf(stderr, "hvlab: %s: cannot read NASM's output\n", path);
            else if (*len == 0) {
                fprintf(stderr, "hvlab: %s: the guest is empty (it assembles to no bytes)\n",
                        path);
                free(*image);
                if (source) {
                    cli_source_free(*source);
                    *source = NULL;
                }
                ok = false;
            }
        } else {
            report_nasm_errors(path, errs);
        }
    }
    unlink(out);
    unlink(errs);
    unlink(lst);
    rmdir(dir);
    return ok;
}
