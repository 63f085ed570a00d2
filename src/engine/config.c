/* hvlab engine: configuration defaults, names and error strings. */
#include <string.h>

#include "hv.h"

const char *hv_strerror(hv_err err)
{
    switch (err) {
    case HV_OK: return "success";
    case HV_ERR_NOMEM: return "out of memory";
    case HV_ERR_CONFIG: return "invalid machine configuration";
    case HV_ERR_IMAGE: return "guest image does not fit in guest RAM";
    case HV_ERR_UNICORN: return "the Unicorn CPU refused a call";
    case HV_ERR_UNSUPPORTED: return "not implemented yet";
    case HV_ERR_ENDED: return "every VM has ended";
    case HV_ERR_ARG: return "invalid argument";
    case HV_ERR_IO: return "I/O error";
    }
    return "unknown error";
}

static const char *const paging_names[] = {"native", "shadow", "nested"};
static const char *const policy_names[] = {"lru", "fifo", "random"};

const char *hv_paging_name(hv_paging paging)
{
    return (unsigned)paging < 3 ? paging_names[paging] : "?";
}

bool hv_paging_from_name(const char *name, hv_paging *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, paging_names[i]) == 0) {
            *out = (hv_paging)i;
            return true;
        }
    return false;
}

const char *hv_tlb_policy_name(hv_tlb_policy policy)
{
    return (unsigned)policy < 3 ? policy_names[policy] : "?";
}

bool hv_tlb_policy_from_name(const char *name, hv_tlb_policy *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, policy_names[i]) == 0) {
            *out = (hv_tlb_policy)i;
            return true;
        }
    return false;
}

/* Cost defaults, in modelled cycles; docs/cost-model.md gives the reasons
 * (FIDELITY.md "Costs"). */
static const hv_cost_model default_cost = {
    .insn = 1,
    .tlb_miss = 10,
    .walk_ref = 30,
    .exception = 150,
    .priv_insn = 40,
    .io_access = 2000,
    .vm_exit = 1500,
    .emulation = 400,
    .sw_walk_ref = 40,
    .irq_inject = 300,
    .io_emulation = 10000,
};

void hv_config_default(hv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->paging = HV_PAGING_NATIVE;
    cfg->tlb.entries = 64;
    cfg->tlb.ways = 4;
    cfg->tlb.policy = HV_TLB_LRU;
    cfg->cost = default_cost;
    cfg->seed = 1;
    cfg->ucmap_pages = 64;
    cfg->shadow.max_pages = 256;
    cfg->shadow.root_cache = 4;
    cfg->shadow.flood_threshold = 3;
    cfg->shadow.unsync = true;
    cfg->quantum = 10000;
    cfg->cpu_mhz = 1000;
    cfg->vpid = true;
    cfg->nested.ad = true;
    cfg->nested.lazy = true;
    cfg->nvms = 1;
    cfg->vms[0].name = "vm0";
    cfg->vms[0].ram_bytes = 16u << 20;
    cfg->vms[0].load = 0x1000;
    cfg->vms[0].entry = 0x1000;
}
