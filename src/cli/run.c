/* hvlab command line: `hvlab run GUEST.asm`, a bare guest on the default
 * machine, headless (DESIGN.md §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DEFAULT_MAX_INSTRUCTIONS 50000000ull

static const char run_usage[] =
    "usage: hvlab run GUEST.asm [options]\n"
    "       hvlab run FILE.json [--paging MODE] [--json]  (a scenario: see\n"
    "                         hvlab run FILE.json --help)\n"
    "  --paging MODE          native, shadow or nested\n"
    "  --npt                  nested: a 2-level AMD NPT table, not 4-level EPT\n"
    "  --pwc N                nested: page-walk caches of N entries (guest\n"
    "                         PDE cache and nested TLB; default 0: none)\n"
    "  --no-vpid              hypervisor modes: no VPID, so every VM exit\n"
    "                         flushes the TLB\n"
    "  --nested-prefill       nested: map all guest RAM up front (no EPT\n"
    "                         violations on first touch)\n"
    "  --ram SIZE             guest RAM (default 16M)\n"
    "  --tlb-entries N        TLB entries (default 64)\n"
    "  --tlb-ways W           associativity (default 4)\n"
    "  --tlb-policy P         lru, fifo or random (default lru)\n"
    "  --seed S               seed for random replacement (default 1)\n"
    "  --max-instructions N   stop after N instructions (default 50000000)\n"
    "  --trace FILE           write every event as JSON Lines\n"
    "  --json                 print one JSON object instead of text\n";

typedef struct run_opts {
    const char *guest;
    const char *trace;
    bool json;
    uint64_t max_insns;
    hv_config cfg;
} run_opts;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse(int argc, char **argv, run_opts *o)
{
    hv_config_default(&o->cfg);
    o->max_insns = DEFAULT_MAX_INSTRUCTIONS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
#define NEED_VALUE()                                                          \
    do {                                                                      \
        if (!v) {                                                             \
            fprintf(stderr, "hvlab run: %s needs a value\n", a);              \
            return CLI_BAD_INPUT;                                             \
        }                                                                     \
        i++;                                                                  \
    } while (0)
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--npt") == 0) {
            o->cfg.nested.npt = true;
        } else if (strcmp(a, "--pwc") == 0) {
            NEED_VALUE();
            if (!cli_parse_u64(a, v, &n))
                return CLI_BAD_INPUT;
            if (n > 1024) {
                fprintf(stderr, "hvlab run: --pwc: %s is outside 0..1024\n", v);
                return CLI_BAD_INPUT;
            }
            o->cfg.nested.pwc = (uint32_t)n;
        } else if (strcmp(a, "--no-vpid") == 0) {
            o->cfg.vpid = false;
        } else if (strcmp(a, "--nested-prefill") == 0) {
            o->cfg.nested.lazy = false;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(run_usage, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--paging") == 0) {
            NEED_VALUE();
            if (!hv_paging_from_name(v, &o->cfg.paging)) {
                fprintf(stderr, "hvlab run: --paging: '%s' is not native, "
                                "shadow or nested\n", v);
                return CLI_BAD_INPUT;
            }
        } else if (strcmp(a, "--ram") == 0) {
            NEED_VALUE();
            if (!cli_parse_size(a, v, &n))
                return CLI_BAD_INPUT;
            if (n < (2u << 20) || n > (1u << 30) || n % 4096) {
                fprintf(stderr, "hvlab run: --ram: %s is outside 2M..1G or "
                                "not a multiple of 4K\n", v);
                return CLI_BAD_INPUT;
            }
            o->cfg.vms[0].ram_bytes = (uint32_t)n;
        } else if (strcmp(a, "--tlb-entries") == 0 ||
                   strcmp(a, "--tlb-ways") == 0) {
            NEED_VALUE();
            if (!cli_parse_u64(a, v, &n))
                return CLI_BAD_INPUT;
            if (n < 1 || n > 65536) {
                fprintf(stderr, "hvlab run: %s: %s is outside 1..65536\n", a, v);
                return CLI_BAD_INPUT;
            }
            if (a[6] == 'e')
                o->cfg.tlb.entries = (uint32_t)n;
            else
                o->cfg.tlb.ways = (uint32_t)n;
        } else if (strcmp(a, "--tlb-policy") == 0) {
            NEED_VALUE();
            if (!hv_tlb_policy_from_name(v, &o->cfg.tlb.policy)) {
                fprintf(stderr, "hvlab run: --tlb-policy: '%s' is not lru, "
                                "fifo or random\n", v);
                return CLI_BAD_INPUT;
            }
        } else if (strcmp(a, "--seed") == 0) {
            NEED_VALUE();
            if (!cli_parse_u64(a, v, &o->cfg.seed))
                return CLI_BAD_INPUT;
        } else if (strcmp(a, "--max-instructions") == 0) {
            NEED_VALUE();
            if (!cli_parse_u64(a, v, &o->max_insns))
                return CLI_BAD_INPUT;
        } else if (strcmp(a, "--trace") == 0) {
            NEED_VALUE();
            o->trace = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hvlab run: unknown option '%s' (see hvlab run --help)\n", a);
            return CLI_BAD_INPUT;
        } else if (o->guest) {
            fprintf(stderr, "hvlab run: one guest at a time ('%s' and '%s')\n",
                    o->guest, a);
            return CLI_BAD_INPUT;
        } else {
            o->guest = a;
        }
#undef NEED_VALUE
    }
    if (!o->guest) {
        fputs(run_usage, stderr);
        return CLI_BAD_INPUT;
    }
    uint32_t e = o->cfg.tlb.entries, w = o->cfg.tlb.ways;
    if (e % w || ((e / w) & (e / w - 1))) {
        fprintf(stderr, "hvlab run: a TLB of %u entries cannot be %u-way: "
                        "entries/ways must be a power of two\n", e, w);
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* Options followed by a value. */
static bool takes_value(const char *a)
{
    static const char *const opts[] = {"--paging", "--ram", "--tlb-entries",
                                       "--tlb-ways", "--tlb-policy", "--seed",
                                       "--max-instructions", "--trace", NULL};
    for (int i = 0; opts[i]; i++)
        if (strcmp(a, opts[i]) == 0)
            return true;
    return false;
}

int cli_run(int argc, char **argv)
{
    /* A scenario (FILE.json) has its own runner and options. */
    for (int i = 1; i < argc; i++) {
        if (takes_value(argv[i]))
            i++;
        else if (argv[i][0] != '-' && has_suffix(argv[i], ".json"))
            return cli_run_scenario(argc, argv);
    }
    run_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    uint8_t *image;
    size_t len;
    if (!cli_assemble(o.guest, &image, &len))
        return CLI_BAD_INPUT;
    o.cfg.vms[0].image = image;
    o.cfg.vms[0].image_len = len;

    hv_machine *m;
    hv_err err = hv_machine_create(&o.cfg, &m);
    free(image);
    if (err) {
        fprintf(stderr, "hvlab run: %s: %s\n", o.guest, hv_strerror(err));
        return CLI_BAD_INPUT;
    }
    cli_trace *trace = NULL;
    if (o.trace) {
        trace = cli_trace_open(o.trace);
        if (!trace) {
            hv_machine_destroy(m);
            return CLI_BAD_INPUT;
        }
        hv_machine_set_sink(m, cli_trace_sink, trace);
    }
    hv_stop why = HV_STOP_ENDED;
    err = hv_machine_run(m, o.max_insns, &why);
    hv_vm_state s;
    hv_machine_vm_state(m, 0, &s);
    /* A guest that does something hvlab refuses or cannot model (touches
     * memory that is not RAM, uses a mode not modelled) is bad input: one
     * line on stderr, exit 2, nothing on stdout, no trace written. */
    bool bad = err || s.exit_reason == HV_VM_BAD_ACCESS ||
               s.exit_reason == HV_VM_INTERNAL;
    if (trace) {
        if (bad)
            cli_trace_abort(trace);
        else if (!cli_trace_close(trace))
            rc = CLI_BAD_INPUT;
    }
    if (bad) {
        fprintf(stderr, "hvlab run: %s: %s\n", o.guest,
                err ? hv_strerror(err) : s.detail);
        hv_machine_destroy(m);
        return CLI_BAD_INPUT;
    }
    /* A guest waiting for console input did not end by itself either: the
     * same status as the instruction limit (DESIGN.md §5: 3). */
    bool limit = why == HV_STOP_LIMIT || why == HV_STOP_WAITING;
    if (o.json)
        cli_report_json(m, NULL, o.guest);
    else
        cli_report_text(m, o.guest, limit);
    if (rc < 0)
        rc = limit ? CLI_LIMIT : CLI_OK;
    hv_machine_destroy(m);
    return rc;
}
