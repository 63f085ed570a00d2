/* hvlab: a terminal teaching tool for memory and I/O virtualization.
 * The command line of DESIGN.md §5. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: hvlab run GUEST.asm [options]   run a guest headless\n"
    "       hvlab --help | --version\n"
    "The TUI (hvlab FILE.json), scenarios, check, compare, quiz and replay\n"
    "are coming; see the README.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("hvlab " HVLAB_VERSION);
        return CLI_OK;
    }
    fprintf(stderr, "hvlab: unknown command '%s'\n%s", cmd, usage);
    return CLI_BAD_INPUT;
}
