/* hvlab command line: the options of `hvlab GUEST.asm`, the TUI on a bare
 * guest. The machine options are those of `hvlab run` (run.c), so a guest
 * behaves the same headless and on screen. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/tui.h"

static const char tui_usage[] =
    "usage: hvlab GUEST.asm [options]     the interactive screen on a bare "
    "guest\n"
    "       hvlab FILE.json [options]     ... on a scenario (it sets the "
    "machine;\n"
    "                                     --paging, --layout, --lecture, "
    "--theme\n"
    "                                     and --search-limit apply)\n"
    "  --paging MODE          native, shadow or nested\n"
    "  --npt                  nested: a 2-level AMD NPT table, not 4-level "
    "EPT\n"
    "  --nested-prefill       nested: map all guest RAM up front\n"
    "  --pwc N                nested: page-walk caches of N entries each\n"
    "  --no-vpid              hypervisor modes: no VPID, exits flush the TLB\n"
    "  --ram SIZE             guest RAM (default 16M)\n"
    "  --tlb-entries N        TLB entries (default 64)\n"
    "  --tlb-ways W           associativity (default 4)\n"
    "  --tlb-policy P         lru, fifo or random (default lru)\n"
    "  --seed S               seed for random replacement (default 1)\n"
    "  --layout L             standard, lecture or compact\n"
    "  --lecture              the lecture layout, bold, light background\n"
    "  --theme T              dark, light or mono (NO_COLOR also gives mono)\n"
    "  --search-limit N       instructions a run to the next event may take\n"
    "                         (default 20000000)\n"
    "Keys: press ? in the TUI.\n";

static int bad(const char *fmt, const char *a, const char *b)
{
    fputs("hvlab: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return CLI_BAD_INPUT;
}

int tui_parse(int argc, char **argv, tui_opts *o)
{
    memset(o, 0, sizeof *o);
    hv_config_default(&o->cfg);
    o->search_limit = 20000000;
    o->scheme = HV_SCHEME_DARK;
    bool scheme_set = false, layout_set = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        bool value =
            strcmp(a, "--paging") == 0 || strcmp(a, "--ram") == 0 ||
            strcmp(a, "--tlb-entries") == 0 || strcmp(a, "--tlb-ways") == 0 ||
            strcmp(a, "--tlb-policy") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "--layout") == 0 || strcmp(a, "--theme") == 0 ||
            strcmp(a, "--search-limit") == 0 || strcmp(a, "--pwc") == 0;
        if (value && !v)
            return bad("%s needs a value%s", a, "");
        if (value)
            i++;
        if (strcmp(a, "--npt") == 0 || strcmp(a, "--nested-prefill") == 0 ||
            strcmp(a, "--pwc") == 0 || strcmp(a, "--no-vpid") == 0 ||
            strcmp(a, "--ram") == 0 || strncmp(a, "--tlb-", 6) == 0 ||
            strcmp(a, "--seed") == 0)
            o->machine_opts = true;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(tui_usage, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--npt") == 0) {
            o->cfg.nested.npt = true;
        } else if (strcmp(a, "--pwc") == 0) {
            if (!cli_parse_u64(a, v, &n))
                return CLI_BAD_INPUT;
            if (n > 1024)
                return bad("--pwc: %s is outside 0..1024%s", v, "");
            o->cfg.nested.pwc = (uint32_t)n;
        } else if (strcmp(a, "--no-vpid") == 0) {
            o->cfg.vpid = false;
        } else if (strcmp(a, "--nested-prefill") == 0) {
            o->cfg.nested.lazy = false;
        } else if (strcmp(a, "--lecture") == 0) {
            o->lecture = true;
        } else if (strcmp(a, "--paging") == 0) {
            if (!hv_paging_from_name(v, &o->cfg.paging))
                return bad("--paging: '%s' is not native, shadow or nested%s",
                           v, "");
            o->paging_set = true;
        } else if (strcmp(a, "--ram") == 0) {
            if (!cli_parse_size(a, v, &n))
                return CLI_BAD_INPUT;
            if (n < (2u << 20) || n > (1u << 30) || n % 4096)
                return bad(
                    "--ram: %s is outside 2M..1G or not a multiple of 4K%s", v,
                    "");
            o->cfg.vms[0].ram_bytes = (uint32_t)n;
        } else if (strcmp(a, "--tlb-entries") == 0 ||
                   strcmp(a, "--tlb-ways") == 0) {
            if (!cli_parse_u64(a, v, &n))
                return CLI_BAD_INPUT;
            if (n < 1 || n > 65536)
                return bad("%s: %s is outside 1..65536", a, v);
            if (a[6] == 'e')
                o->cfg.tlb.entries = (uint32_t)n;
            else
                o->cfg.tlb.ways = (uint32_t)n;
        } else if (strcmp(a, "--tlb-policy") == 0) {
            if (!hv_tlb_policy_from_name(v, &o->cfg.tlb.policy))
                return bad("--tlb-policy: '%s' is not lru, fifo or random%s", v,
                           "");
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_u64(a, v, &o->cfg.seed))
                return CLI_BAD_INPUT;
        } else if (strcmp(a, "--search-limit") == 0) {
            if (!cli_parse_u64(a, v, &o->search_limit))
                return CLI_BAD_INPUT;
        } else if (strcmp(a, "--layout") == 0) {
            int k = 0;
            while (k < HV_LAYOUT__COUNT &&
                   strcmp(v, hv_layout_name((hv_layout_kind)k)) != 0)
                k++;
            if (k == HV_LAYOUT__COUNT)
                return bad(
                    "--layout: '%s' is not standard, lecture or compact%s", v,
                    "");
            o->layout = (hv_layout_kind)k;
            layout_set = true;
        } else if (strcmp(a, "--theme") == 0) {
            if (strcmp(v, "dark") == 0)
                o->scheme = HV_SCHEME_DARK;
            else if (strcmp(v, "light") == 0)
                o->scheme = HV_SCHEME_LIGHT;
            else if (strcmp(v, "mono") == 0 || strcmp(v, "monochrome") == 0)
                o->scheme = HV_SCHEME_MONO;
            else
                return bad("--theme: '%s' is not dark, light or mono%s", v, "");
            scheme_set = true;
        } else if (a[0] == '-' && a[1]) {
            return bad("unknown option '%s' (see hvlab %s --help)", a,
                       o->file ? o->file : "GUEST.asm");
        } else if (o->file) {
            return bad("one file at a time ('%s' and '%s')", o->file, a);
        } else {
            o->file = a;
        }
    }
    if (!o->file) {
        fputs(tui_usage, stderr);
        return CLI_BAD_INPUT;
    }
    uint32_t e = o->cfg.tlb.entries, w = o->cfg.tlb.ways;
    if (e % w || ((e / w) & (e / w - 1))) {
        fprintf(stderr,
                "hvlab: a TLB of %u entries cannot be %u-way: "
                "entries/ways must be a power of two\n",
                e, w);
        return CLI_BAD_INPUT;
    }
    if (o->lecture) {
        if (!layout_set)
            o->layout = HV_LAYOUT_LECTURE;
        if (!scheme_set)
            o->scheme = HV_SCHEME_LIGHT;
    }
    return -1;
}
