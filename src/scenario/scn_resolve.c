/* hvlab scenarios: after parsing — assembling the guests, resolving the
 * labels the scenario names, and the engine config for one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

/* What the engine can run today (docs/scenario-format.md, "Not
 * implemented yet"). The format already holds shadow and nested paging
 * and several VMs; flip these when the engine runs them. */
bool hv_scn_paging_ready(hv_paging paging)
{
    return paging <= HV_PAGING_NESTED;
}

bool hv_scn_multi_vm_ready(void)
{
    return true;
}

bool hv_scn_runnable(const hv_scn *s, hv_paging paging, char *why,
                     size_t len)
{
    if (!hv_scn_paging_ready(paging)) {
        snprintf(why, len, "paging %s", hv_paging_name(paging));
        return false;
    }
    if (s->nvms > 1 && !hv_scn_multi_vm_ready()) {
        snprintf(why, len, "several VMs in one machine");
        return false;
    }
    /* A VM's devices leaving one out is refused at load (parse_devices). */
    return true;
}

typedef struct scn_ref {
    hv_scn_value *v;
    uint32_t vm;
    bool label_only;
} scn_ref;

typedef struct scn_refs {
    scn_ref *v;
    size_t n, cap;
} scn_refs;

bool scn_ref_add(scn_ctx *c, hv_scn_value *v, uint32_t vm, bool label_only)
{
    scn_refs *r = c->s->refs;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return false;
        c->s->refs = r;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        scn_ref *p = realloc(r->v, cap * sizeof *p);
        if (!p)
            return false;
        r->v = p;
        r->cap = cap;
    }
    r->v[r->n++] = (scn_ref){v, vm, label_only};
    return true;
}

void scn_refs_free(void *refs)
{
    scn_refs *r = refs;
    if (r)
        free(r->v);
    free(r);
}

static bool err_at(hv_scn_diags *d, const hv_scn *s, const hv_scn_loc *l,
                   bool *oom, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool err_at(hv_scn_diags *d, const hv_scn *s, const hv_scn_loc *l,
                   bool *oom, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!scn_diag_vadd(d, s->file, l ? l->line : 0, l ? l->col : 0,
                       l ? l->path : NULL, fmt, ap))
        *oom = true;
    va_end(ap);
    return false;
}

/* The guest's file name for a message, escaped (scn_show_path). */
static const char *base_name(const char *p, char *buf)
{
    const char *s = strrchr(p, '/');
    return scn_show_path(s ? s + 1 : p, buf);
}

/* ", the guest of VM right" when several VMs could own a label. */
static const char *whose(const hv_scn *s, uint32_t vm, char *buf, size_t len)
{
    char name[SCN_SHOW_LEN];
    buf[0] = 0;
    if (s->nvms > 1 && vm < s->nvms)
        snprintf(buf, len, ", the guest of VM %s",
                 scn_show_in(s->vms[vm].name, name));
    return buf;
}

static bool resolve_one(const hv_scn *s, const scn_ref *r, hv_scn_diags *d,
                        bool *oom)
{
    hv_scn_value *v = r->v;
    if (!v->symbol || v->resolved)
        return true;
    const hv_scn_guest *g = r->vm < s->nvms ? s->vms[r->vm].asm_out : NULL;
    if (!g)
        return true; /* its guest failed: already reported */
    const hv_scn_symbol *sym = hv_scn_symbol_find(g, v->symbol);
    char name[SCN_SHOW_LEN], file[SCN_SHOW_LEN], sug_buf[SCN_SHOW_LEN];
    char vm[SCN_SHOW_LEN + 32];
    scn_show_in(v->symbol, name);
    base_name(g->path, file);
    whose(s, r->vm, vm, sizeof vm);
    if (!sym) {
        const char *sug =
            g->nsyms ? scn_suggest_strided(v->symbol, &g->syms[0].name,
                                           g->nsyms, sizeof *g->syms)
                     : NULL;
        if (sug)
            return err_at(d, s, &v->loc, oom,
                          "no label '%s' in %s%s; did you mean '%s'?", name,
                          file, vm, scn_show_in(sug, sug_buf));
        return err_at(d, s, &v->loc, oom, "no label '%s' in %s%s", name, file,
                      vm);
    }
    if (r->label_only && !sym->is_label)
        return err_at(d, s, &v->loc, oom,
                      "'%s' is a constant (EQU 0x%x) in "
                      "%s%s, not a label; for a number use \"address\"",
                      name, sym->value, file, vm);
    int64_t x = (int64_t)sym->value + v->offset;
    if (x < 0 || x > (int64_t)UINT32_MAX)
        return err_at(d, s, &v->loc, oom, "'%s%+lld' is outside 32 bits", name,
                      (long long)v->offset);
    v->v = (uint64_t)x;
    v->resolved = true;
    return true;
}

/* The image must sit where NASM assembled it, and fit. */
static bool check_image(const hv_scn *s, const hv_scn_vm *vm, hv_scn_diags *d,
                        bool *oom)
{
    const hv_scn_guest *g = vm->asm_out;
    uint32_t load = (uint32_t)vm->load.v;
    char file[SCN_SHOW_LEN];
    base_name(g->path, file);
    const hv_scn_loc *at = vm->load.loc.path ? &vm->load.loc : &vm->guest_loc;
    if (g->origin != load)
        return err_at(d, s, at, oom,
                      "%s is assembled for org 0x%x but "
                      "loads at 0x%x: its labels would be wrong; make them "
                      "agree (the default load is 0x1000)",
                      file, g->origin, load);
    if (!g->image_len)
        return err_at(d, s, &vm->guest_loc, oom, "%s assembles to nothing",
                      file);
    if (g->image_len > vm->ram_bytes || load > vm->ram_bytes - g->image_len)
        return err_at(d, s, &vm->guest_loc, oom,
                      "%s (%zu bytes at 0x%x) "
                      "does not fit in the VM's %u MiB of RAM",
                      file, g->image_len, load, vm->ram_bytes >> 20);
    if (load < 0x100000 && load + g->image_len > 0xA0000)
        return err_at(d, s, &vm->guest_loc, oom,
                      "%s (%zu bytes at 0x%x) "
                      "reaches into 0xA0000-0xFFFFF, which is not RAM "
                      "(docs/guest-abi.md)",
                      file, g->image_len, load);
    return true;
}

hv_scn_err hv_scn_assemble(hv_scn *s, const char *include_dir,
                           hv_scn_diags *d)
{
    bool oom = false, bad = false;
    for (uint32_t i = 0; i < s->nvms; i++) {
        hv_scn_vm *vm = &s->vms[i];
        if (vm->asm_out)
            continue;
        hv_scn_err e = scn_asm_guest(s->arena, vm->guest_path, include_dir,
                                     s->file, &vm->guest_loc, d,
                                     &vm->asm_out);
        if (e == HV_SCN_ERR_NOMEM)
            return e;
        if (e) {
            bad = true;
            continue;
        }
        if (!check_image(s, vm, d, &oom))
            bad = true;
    }
    scn_refs *r = s->refs;
    for (size_t i = 0; r && i < r->n; i++)
        if (!resolve_one(s, &r->v[i], d, &oom))
            bad = true;
    if (oom)
        return HV_SCN_ERR_NOMEM;
    return bad ? HV_SCN_ERR_INPUT : HV_SCN_OK;
}

hv_scn_err hv_scn_config(const hv_scn *s, hv_paging paging, hv_config *cfg,
                         hv_scn_diags *d)
{
    bool oom = false, bad = false;
    hv_config_default(cfg);
    const hv_scn_loc *ploc = paging == s->paging && s->paging_loc.line
                                 ? &s->paging_loc
                                 : NULL;
    if (!hv_scn_paging_ready(paging))
        bad = !err_at(d, s, ploc, &oom, "paging mode '%s' is not implemented "
                      "yet", hv_paging_name(paging));
    if (s->nvms > 1 && paging == HV_PAGING_NATIVE)
        bad = !err_at(d, s, &s->vms_loc, &oom, "a native machine has no "
                      "hypervisor and runs one VM; these %u VMs need paging "
                      "shadow or nested", s->nvms);
    else if (s->nvms > 1 && !hv_scn_multi_vm_ready())
        bad = !err_at(d, s, &s->vms_loc, &oom, "several VMs in one machine "
                      "are not implemented yet");
    for (uint32_t i = 0; i < s->nvms && i < HV_MAX_VMS; i++) {
        const hv_scn_vm *vm = &s->vms[i];
        if (!vm->asm_out) {
            bad = !err_at(d, s, &vm->guest_loc, &oom, "the guest is not "
                          "assembled (hv_scn_assemble first)");
            continue;
        }
        hv_vm_config *vc = &cfg->vms[i];
        vc->name = vm->name;
        vc->ram_bytes = vm->ram_bytes;
        vc->image = vm->asm_out->image;
        vc->image_len = vm->asm_out->image_len;
        vc->load = (uint32_t)vm->load.v;
        vc->entry = vm->has_entry ? (uint32_t)vm->entry.v : vc->load;
        vc->dma_engine = vm->dma_engine;
        vc->dma_bdf = vm->dma_bdf;
    }
    if (oom)
        return HV_SCN_ERR_NOMEM;
    if (bad)
        return HV_SCN_ERR_INPUT;
    cfg->paging = paging;
    cfg->host_mem_bytes = s->host_mem_bytes;
    cfg->tlb = s->tlb;
    cfg->cost = s->cost;
    cfg->shadow = s->shadow;
    cfg->nested = s->nested;
    cfg->vpid = s->vpid;
    cfg->quantum = s->quantum;
    cfg->cpu_mhz = s->cpu_mhz;
    cfg->uart_line_timing = s->uart_line_timing;
    cfg->iommu = s->iommu;
    cfg->seed = s->seed;
    cfg->nvms = s->nvms;
    return HV_SCN_OK;
}
