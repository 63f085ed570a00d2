/* hvlab: a terminal teaching tool for memory and I/O virtualization.
 * The command line of DESIGN.md §5. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: hvlab GUEST.asm|FILE.json [options]   the interactive screen (TUI)\n"
    "       hvlab run GUEST.asm [options]        run a guest headless\n"
    "       hvlab run FILE.json [--json]          run a scenario headless\n"
    "       hvlab check FILE.json...              validate scenarios\n"
    "       hvlab compare FILE.json --paging M,M  counters side by side\n"
    "       hvlab --help | --version\n"
    "Quiz and replay are coming; see the README.\n";

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cli_check(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return cli_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("hvlab " HVLAB_VERSION);
        return CLI_OK;
    }
    /* `hvlab [options] FILE [options]`: the TUI on the file. */
    for (int i = 1; i < argc; i++) {
        if (has_suffix(argv[i], ".asm") || has_suffix(argv[i], ".json"))
            return cli_tui(argc - 1, argv + 1);
    }
    fprintf(stderr, "hvlab: unknown command '%s'\n%s", cmd, usage);
    return CLI_BAD_INPUT;
}
