/* hvlab command line: `hvlab check FILE...` validates scenarios without
 * running them (DESIGN.md §5): the JSON, the schema's rules, the guests
 * (assembled, so NASM's errors name the guest's file and line), the
 * labels the steps name, and the machine the engine would build. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"

static const char check_usage[] =
    "usage: hvlab check FILE.json...\n"
    "Validates each scenario: its JSON, keys and values, its guests (NASM\n"
    "assembles them) and the labels it names. Runs nothing.\n"
    "exit status: 0 every file is valid, 2 any error\n";

static unsigned count_checks(const hv_scn *s, unsigned *questions)
{
    unsigned n = 0;
    *questions = 0;
    for (uint32_t i = 0; i < s->nsteps; i++) {
        n += s->steps[i].nchecks;
        *questions += s->steps[i].nquestions;
    }
    return n;
}

/* The machine the scenario asks for, made and dropped, when the engine can
 * run it today; a mode or a VM count that cannot run yet is no error
 * here: `hvlab run` says so. */
static bool try_machine(const hv_scn *s)
{
    char why[120];
    if (!hv_scn_runnable(s, s->paging, why, sizeof why))
        return true;
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_config cfg;
    bool ok = hv_scn_config(s, s->paging, &cfg, &d) == HV_SCN_OK;
    hv_scn_diags_print(&d, stderr, 0);
    hv_scn_diags_free(&d);
    if (!ok)
        return false;
    hv_machine *m;
    hv_err e = hv_machine_create(&cfg, &m);
    if (e) {
        fprintf(stderr, "%s: the engine refuses this machine: %s\n", s->file,
                hv_strerror(e));
        return false;
    }
    hv_machine_destroy(m);
    return true;
}

static int check_one(const char *path)
{
    hv_scn *s;
    if (cli_scenario_open(path, 0, &s))
        return CLI_BAD_INPUT;
    int rc = try_machine(s) ? CLI_OK : CLI_BAD_INPUT;
    if (!rc) {
        unsigned q, k = count_checks(s, &q);
        printf("%s: ok: %u step%s, %u checkpoint%s, %u question%s", path,
               s->nsteps, s->nsteps == 1 ? "" : "s", k, k == 1 ? "" : "s",
               q, q == 1 ? "" : "s");
        char why[120];
        if (!hv_scn_runnable(s, s->paging, why, sizeof why))
            printf(" (%s: runs once it is implemented)", why);
        printf("\n");
    }
    hv_scn_free(s);
    return rc;
}

int cli_check(int argc, char **argv)
{
    int rc = CLI_OK, files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(check_usage, stdout);
            return CLI_OK;
        }
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hvlab check: unknown option '%s'\n", a);
            return CLI_BAD_INPUT;
        }
    }
    for (int i = 1; i < argc; i++) {
        files++;
        if (check_one(argv[i]) != CLI_OK)
            rc = CLI_BAD_INPUT;
    }
    if (!files) {
        fputs(check_usage, stderr);
        return CLI_BAD_INPUT;
    }
    return rc;
}
