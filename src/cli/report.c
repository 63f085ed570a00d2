/* hvlab command line: the final report, as text or as the JSON object of
 * DESIGN.md §5. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* 1234567 -> "1,234,567" (TUI.md: big numbers get separators). */
static const char *thousands(uint64_t v, char *buf, size_t len)
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

void cli_report_text(hv_machine *m, const char *guest, bool limit_hit)
{
    const hv_config *cfg = hv_machine_config(m);
    hv_counters c;
    hv_machine_counters(m, &c);
    char b1[32], b2[32], b3[32];
    for (uint32_t i = 0; i < hv_machine_nvms(m); i++) {
        hv_vm_state s;
        hv_machine_vm_state(m, i, &s);
        printf("── %s console ──\n%s%s", s.name, s.console,
               s.console_len && s.console[s.console_len - 1] != '\n' ? "\n" : "");
        printf("── %s ended: %s", s.name,
               s.waiting_input ? "waiting_input (HLT until console input)"
               : limit_hit && s.exit_reason == HV_VM_RUNNING
                   ? "instruction_limit"
                   : hv_vm_exit_reason_name(s.exit_reason));
        if (s.has_status)
            printf(", exit value %u (0x%x)", s.exit_status, s.exit_status);
        if (s.detail[0])
            printf(" (%s)", s.detail);
        printf("\n");
    }
    printf("guest %s · paging %s · TLB %u entries, %u-way, %s\n", guest,
           hv_paging_name(cfg->paging), cfg->tlb.entries, cfg->tlb.ways,
           hv_tlb_policy_name(cfg->tlb.policy));
    printf("instructions %s · modelled cycles %s\n",
           thousands(c.instructions, b1, sizeof b1),
           thousands(c.cycles, b2, sizeof b2));
    printf("TLB hits %s · misses %s · walk refs %s · evictions %llu · flushes %llu\n",
           thousands(c.tlb_hits, b1, sizeof b1),
           thousands(c.tlb_misses, b2, sizeof b2),
           thousands(c.walk_refs, b3, sizeof b3),
           (unsigned long long)c.tlb_evictions,
           (unsigned long long)c.tlb_flushes);
    printf("guest faults %llu · I/O accesses %llu · VM exits %llu\n",
           (unsigned long long)c.guest_faults,
           (unsigned long long)c.io_accesses, (unsigned long long)c.vm_exits);
    if (c.interrupts || c.mmio_accesses || c.idle_cycles)
        printf("interrupts %llu (injected %llu) · MMIO accesses %llu, exits "
               "%llu · idle cycles %llu\n",
               (unsigned long long)c.interrupts,
               (unsigned long long)c.injections,
               (unsigned long long)c.mmio_accesses,
               (unsigned long long)c.mmio_exits,
               (unsigned long long)c.idle_cycles);
    if (c.vm_exits) {
        printf("exits by reason:");
        for (int k = 0; k < HV_EXIT__COUNT; k++)
            if (c.exits_by_reason[k])
                printf(" %s %llu", hv_exit_key_name((hv_exit_key)k),
                       (unsigned long long)c.exits_by_reason[k]);
        printf("\nhidden faults %llu · write-protect traps %llu · emulated "
               "writes %llu · software walk refs %llu\n",
               (unsigned long long)c.hidden_faults,
               (unsigned long long)c.pt_write_traps,
               (unsigned long long)c.emulated_writes,
               (unsigned long long)c.sw_walk_refs);
        printf("shadow pages %llu (peak %llu) · zaps %llu · root cache "
               "hits %llu, misses %llu\n",
               (unsigned long long)c.shadow_pages,
               (unsigned long long)c.shadow_pages_peak,
               (unsigned long long)c.shadow_zaps,
               (unsigned long long)c.root_cache_hits,
               (unsigned long long)c.root_cache_misses);
    }
}

static cJSON *counters_json(const hv_counters *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "tlb_hits", (double)c->tlb_hits);
    cJSON_AddNumberToObject(o, "tlb_misses", (double)c->tlb_misses);
    cJSON_AddNumberToObject(o, "tlb_evictions", (double)c->tlb_evictions);
    cJSON_AddNumberToObject(o, "tlb_flushes", (double)c->tlb_flushes);
    cJSON_AddNumberToObject(o, "walk_refs", (double)c->walk_refs);
    cJSON_AddNumberToObject(o, "sw_walk_refs", (double)c->sw_walk_refs);
    cJSON *exits = cJSON_AddObjectToObject(o, "vm_exits");
    cJSON_AddNumberToObject(exits, "total", (double)c->vm_exits);
    cJSON *by = cJSON_AddObjectToObject(exits, "by_reason");
    for (int k = 0; k < HV_EXIT__COUNT; k++)
        if (c->exits_by_reason[k])
            cJSON_AddNumberToObject(by, hv_exit_key_name((hv_exit_key)k),
                                    (double)c->exits_by_reason[k]);
    cJSON_AddNumberToObject(o, "hidden_faults", (double)c->hidden_faults);
    cJSON_AddNumberToObject(o, "guest_faults", (double)c->guest_faults);
    cJSON_AddNumberToObject(o, "pt_write_traps", (double)c->pt_write_traps);
    cJSON_AddNumberToObject(o, "io_exits", (double)c->io_exits);
    cJSON_AddNumberToObject(o, "io_accesses", (double)c->io_accesses);
    cJSON_AddNumberToObject(o, "mmio_accesses", (double)c->mmio_accesses);
    cJSON_AddNumberToObject(o, "mmio_exits", (double)c->mmio_exits);
    cJSON_AddNumberToObject(o, "interrupts", (double)c->interrupts);
    cJSON_AddNumberToObject(o, "injections", (double)c->injections);
    cJSON_AddNumberToObject(o, "idle_cycles", (double)c->idle_cycles);
    cJSON_AddNumberToObject(o, "guest_errors", (double)c->guest_errors);
    cJSON_AddNumberToObject(o, "dma_transfers", (double)c->dma_transfers);
    cJSON_AddNumberToObject(o, "iommu_faults", (double)c->iommu_faults);
    cJSON *sp = cJSON_AddObjectToObject(o, "shadow_pages");
    cJSON_AddNumberToObject(sp, "current", (double)c->shadow_pages);
    cJSON_AddNumberToObject(sp, "peak", (double)c->shadow_pages_peak);
    cJSON_AddNumberToObject(o, "emulated_writes", (double)c->emulated_writes);
    cJSON_AddNumberToObject(o, "shadow_zaps", (double)c->shadow_zaps);
    cJSON_AddNumberToObject(o, "root_cache_hits", (double)c->root_cache_hits);
    cJSON_AddNumberToObject(o, "root_cache_misses", (double)c->root_cache_misses);
    cJSON_AddNumberToObject(o, "pwc_hits", (double)c->pwc_hits);
    cJSON_AddNumberToObject(o, "pwc_misses", (double)c->pwc_misses);
    cJSON_AddNumberToObject(o, "events", (double)c->events);
    return o;
}

cJSON *cli_report_object(hv_machine *m, const char *scenario,
                         const char *guest)
{
    const hv_config *cfg = hv_machine_config(m);
    hv_counters c;
    hv_machine_counters(m, &c);
    cJSON *root = cJSON_CreateObject();
    if (scenario)
        cJSON_AddStringToObject(root, "scenario", scenario);
    else
        cJSON_AddNullToObject(root, "scenario");
    if (guest)
        cJSON_AddStringToObject(root, "guest", guest);
    cJSON_AddStringToObject(root, "paging", hv_paging_name(cfg->paging));
    cJSON_AddNumberToObject(root, "instructions", (double)c.instructions);
    cJSON_AddNumberToObject(root, "cycles", (double)c.cycles);
    cJSON *vms = cJSON_AddArrayToObject(root, "vms");
    for (uint32_t i = 0; i < hv_machine_nvms(m); i++) {
        hv_vm_state s;
        hv_machine_vm_state(m, i, &s);
        const char *reason = s.waiting_input ? "waiting_input"
                             : s.exit_reason == HV_VM_RUNNING
                                 ? "instruction_limit"
                                 : hv_vm_exit_reason_name(s.exit_reason);
        cJSON *vm = cJSON_CreateObject();
        cJSON_AddStringToObject(vm, "name", s.name);
        cJSON_AddStringToObject(vm, "exit_reason", reason);
        if (s.has_status)
            cJSON_AddNumberToObject(vm, "exit_status", s.exit_status);
        else
            cJSON_AddNullToObject(vm, "exit_status");
        cJSON_AddStringToObject(vm, "console", s.console);
        cJSON_AddStringToObject(vm, "detail", s.detail);
        cJSON_AddNumberToObject(vm, "instructions", (double)s.instructions);
        cJSON_AddItemToArray(vms, vm);
        if (i == 0) {
            /* The single-VM shorthand the foundation issue asks for. */
            cJSON_AddStringToObject(root, "exit_reason", reason);
            if (s.has_status)
                cJSON_AddNumberToObject(root, "exit_status", s.exit_status);
            else
                cJSON_AddNullToObject(root, "exit_status");
            cJSON_AddStringToObject(root, "console", s.console);
        }
    }
    cJSON_AddItemToObject(root, "counters", counters_json(&c));
    cJSON *tlb = cJSON_AddObjectToObject(root, "tlb");
    cJSON_AddNumberToObject(tlb, "entries", cfg->tlb.entries);
    cJSON_AddNumberToObject(tlb, "ways", cfg->tlb.ways);
    cJSON_AddStringToObject(tlb, "policy", hv_tlb_policy_name(cfg->tlb.policy));
    cJSON_AddNumberToObject(root, "seed", (double)cfg->seed);
    return root;
}

bool cli_report_print(cJSON *root)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return false;
    puts(text);
    cJSON_free(text);
    return true;
}

bool cli_report_json(hv_machine *m, const char *scenario, const char *guest)
{
    return cli_report_print(cli_report_object(m, scenario, guest));
}
