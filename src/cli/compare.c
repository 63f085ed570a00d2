/* hvlab command line: `hvlab compare FILE.json --paging native,shadow`:
 * one scenario under several paging modes, counters side by side, and
 * the ratio of modelled cycles to native (DESIGN.md §5). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"

static const char compare_usage[] =
    "usage: hvlab compare FILE.json [--paging MODE,MODE...] [--json]\n"
    "Runs the scenario once per paging mode (default: every mode hvlab\n"
    "implements) and prints the counters side by side with the modelled\n"
    "cycles relative to native. Checkpoints are reported, not enforced:\n"
    "a scenario's checkpoints are written for its own mode.\n"
    "exit status: 0 every mode ran, 2 bad input, 3 an instruction limit\n";

#define MAX_MODES 3

typedef struct mode_run {
    hv_paging paging;
    hv_counters c;
    cli_scn_outcome o;
} mode_run;

static int parse_modes(const char *list, hv_paging *modes, int *n)
{
    *n = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        hv_paging p;
        if (!hv_paging_from_name(t, &p)) {
            fprintf(stderr, "hvlab compare: --paging: '%s' is not native, "
                            "shadow or nested\n", t);
            return CLI_BAD_INPUT;
        }
        if (!hv_scn_paging_ready(p)) {
            fprintf(stderr, "hvlab compare: --paging %s: not implemented yet "
                            "(hvlab runs native paging only, for now)\n", t);
            return CLI_BAD_INPUT;
        }
        for (int i = 0; i < *n; i++)
            if (modes[i] == p) {
                fprintf(stderr, "hvlab compare: --paging: '%s' is listed "
                                "twice\n", t);
                return CLI_BAD_INPUT;
            }
        if (*n == MAX_MODES)
            return CLI_BAD_INPUT;
        modes[(*n)++] = p;
    }
    if (!*n) {
        fprintf(stderr, "hvlab compare: --paging needs at least one mode\n");
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static const char *grouped(uint64_t v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

/* Cycles relative to native, or to the first mode when native is not
 * among them. */
static double ratio(const mode_run *runs, int n, int i)
{
    const mode_run *base = &runs[0];
    for (int k = 0; k < n; k++)
        if (runs[k].paging == HV_PAGING_NATIVE)
            base = &runs[k];
    return base->c.cycles ? (double)runs[i].c.cycles / (double)base->c.cycles
                          : 0.0;
}

static void print_table(const mode_run *runs, int n)
{
    char b[32];
    printf("%-20s", "counter");
    for (int i = 0; i < n; i++)
        printf(" %16s", hv_paging_name(runs[i].paging));
    printf("\n");
    for (const char *const *name = hv_counter_names(); *name; name++) {
        printf("%-20s", *name);
        for (int i = 0; i < n; i++) {
            uint64_t v = 0;
            hv_counter_get(&runs[i].c, *name, &v);
            printf(" %16s", grouped(v, b, sizeof b));
        }
        printf("\n");
    }
    /* ratio() divides by the native run, or by the first when there is
     * none: the label says which. */
    const char *base = hv_paging_name(runs[0].paging);
    for (int k = 0; k < n; k++)
        if (runs[k].paging == HV_PAGING_NATIVE)
            base = "native";
    char label[32];
    snprintf(label, sizeof label, "cycles vs %s", base);
    printf("%-20s", label);
    for (int i = 0; i < n; i++)
        printf(" %15.2fx", ratio(runs, n, i));
    printf("\n%-20s", "checkpoints hold");
    for (int i = 0; i < n; i++) {
        char cell[32];
        snprintf(cell, sizeof cell, "%u/%u", runs[i].o.checks - runs[i].o.failed,
                 runs[i].o.checks);
        printf(" %16s", cell);
    }
    printf("\n");
}

static void print_json(const char *file, const mode_run *runs, int n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", file);
    cJSON *modes = cJSON_AddArrayToObject(root, "modes");
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "paging", hv_paging_name(runs[i].paging));
        cJSON_AddNumberToObject(o, "checkpoints", runs[i].o.checks);
        cJSON_AddNumberToObject(o, "failed", runs[i].o.failed);
        cJSON_AddNumberToObject(o, "cycles_ratio", ratio(runs, n, i));
        cJSON *c = cJSON_AddObjectToObject(o, "counters");
        for (const char *const *name = hv_counter_names(); *name; name++) {
            uint64_t v = 0;
            hv_counter_get(&runs[i].c, *name, &v);
            cJSON_AddNumberToObject(c, *name, (double)v);
        }
        cJSON_AddItemToArray(modes, o);
    }
    cli_report_print(root);
}

int cli_compare(int argc, char **argv)
{
    const char *file = NULL, *list = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--paging") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hvlab compare: --paging needs a value\n");
                return CLI_BAD_INPUT;
            }
            list = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(compare_usage, stdout);
            return CLI_OK;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hvlab compare: unknown option '%s'\n", a);
            return CLI_BAD_INPUT;
        } else if (file) {
            fprintf(stderr, "hvlab compare: one scenario at a time\n");
            return CLI_BAD_INPUT;
        } else {
            file = a;
        }
    }
    if (!file) {
        fputs(compare_usage, stderr);
        return CLI_BAD_INPUT;
    }
    hv_paging modes[MAX_MODES];
    int n = 0;
    if (list) {
        if (parse_modes(list, modes, &n))
            return CLI_BAD_INPUT;
    } else {
        for (int p = HV_PAGING_NATIVE; p <= HV_PAGING_NESTED; p++)
            if (hv_scn_paging_ready((hv_paging)p))
                modes[n++] = (hv_paging)p;
    }
    hv_scn *s;
    if (cli_scenario_open(file, 1, &s))
        return CLI_BAD_INPUT;
    if (!list && s->nvms > 1) {
        /* Several VMs need a hypervisor: by default, leave native out. */
        int m = 0;
        for (int i = 0; i < n; i++)
            if (modes[i] != HV_PAGING_NATIVE)
                modes[m++] = modes[i];
        n = m;
    }
    mode_run runs[MAX_MODES];
    int rc = CLI_OK;
    for (int i = 0; i < n && rc != CLI_BAD_INPUT; i++) {
        hv_machine *m;
        runs[i].paging = modes[i];
        cli_scn_io io = {0};
        cli_scenario_exec(s, modes[i], &io, &m, &runs[i].o);
        if (runs[i].o.status == CLI_BAD_INPUT && runs[i].o.bad[0])
            fprintf(stderr, "%s\n", runs[i].o.bad);
        if (m)
            hv_machine_counters(m, &runs[i].c);
        hv_machine_destroy(m);
        if (runs[i].o.status == CLI_BAD_INPUT || runs[i].o.status == CLI_LIMIT)
            rc = runs[i].o.status;
    }
    if (rc != CLI_BAD_INPUT) {
        if (json)
            print_json(file, runs, n);
        else
            print_table(runs, n);
    }
    hv_scn_free(s);
    return rc;
}
