/* hvlab engine: the machine, its VMs, the event ring and the run loop. */
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "vcpu_internal.h"

/* --- events ------------------------------------------------------------ */

void hv_machine_emit(hv_vm *vm, hv_event_type type, uint32_t a, uint32_t b,
                     uint32_t c, uint32_t d)
{
    hv_machine_emit5(vm, type, a, b, c, d, 0);
}

/* Stores an event in its ring slot, folds it into the counters and hands
 * it to the sink and the stop predicate. Built in place: a copy from a
 * stack temporary stalled on store forwarding (perf, docs/performance.md).
 */
static void record(hv_machine *m, hv_vm *vm, uint8_t vm_id, uint64_t icount,
                   uint64_t cycles_at, hv_event_type type, uint32_t a,
                   uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    uint64_t seq = m->seq++;
    hv_event *ev = &m->ring[seq % HV_RING_CAP];
    ev->seq = seq;
    ev->icount = icount;
    ev->type = (uint16_t)type;
    ev->vm = vm_id;
    ev->pad = 0;
    ev->a = a;
    ev->b = b;
    ev->c = c;
    ev->d = d;
    ev->e = e;
    uint64_t before = m->ctr.cycles;
    hv_counters_fold(&m->ctr, &m->cfg.cost, ev);
    ev->cycles = cycles_at == UINT64_MAX ? m->ctr.cycles : cycles_at;
    if (vm)
        vm->cycles += m->ctr.cycles - before; /* its clock (vcpu_irq.c) */
    if (m->sink)
        m->sink(m->sink_opaque, ev);
    if (m->stop_fn && m->stop_fn(m->stop_opaque, ev))
        m->stop_requested = true;
}

static void flush_run(hv_machine *m, hv_hit_run *r)
{
    if (!r->live)
        return;
    r->live = false;
    /* A hit costs nothing (hv_event_cost), so no VM clock moves. */
    record(m, NULL, r->vm, r->icount, r->cycles, HV_EV_TLB_HIT, r->va, r->pa,
           r->access, r->count, 0);
}

void hv_machine_flush_hits(hv_machine *m)
{
    hv_hit_run *f = &m->runs[0], *d = &m->runs[1];
    /* In the order they began; a fetch before the data of its own
     * instruction. */
    if (f->live && d->live && d->icount < f->icount) {
        flush_run(m, d);
        flush_run(m, f);
        return;
    }
    flush_run(m, f);
    flush_run(m, d);
}

/* HOW TLB HITS ARE RECORDED: consecutive hits on one page by one kind of
 * access (fetches apart from data accesses) are one TLB_HIT event whose
 * `count` says how many: the event of the first, counting the rest. Any
 * other event, the end of a run, and a change of sink or stop predicate
 * close the runs first, so everything else stays in order and every
 * counter stays exact; a fetch run and a data run may interleave. With a
 * stop predicate installed every hit is its own event (a predicate on
 * tlb_hit stops at the very hit). A loop then emits almost no events: the
 * emitting was most of what the engine cost per instruction (docs/
 * performance.md). */
static bool count_hit(hv_machine *m, hv_vm *vm, uint32_t va, uint32_t pa,
                      uint32_t access)
{
    if (m->stop_fn)
        return false;
    hv_hit_run *r = &m->runs[access == HV_ACC_FETCH ? 0 : 1];
    if (r->live && r->vm == vm->id && r->page == va >> 12 &&
        r->access == access) {
        r->count++;
        return true;
    }
    if (r->live) {
        /* A run ends. The other kind's open run, if it began no later (a
         * loop's fetch run is older than the data run that ends now), is
         * recorded first, so the stream's icount never goes backwards; a
         * younger one stays open. */
        hv_hit_run *o = &m->runs[r == &m->runs[0] ? 1 : 0];
        if (o->live && (o->icount < r->icount ||
                        (o->icount == r->icount && o == &m->runs[0])))
            flush_run(m, o);
        flush_run(m, r);
    }
    *r = (hv_hit_run){.live = true, .vm = vm->id, .page = va >> 12,
                      .access = access, .va = va, .pa = pa, .count = 1,
                      .icount = m->ctr.instructions, .cycles = m->ctr.cycles};
    return true;
}

void hv_machine_emit5(hv_vm *vm, hv_event_type type, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d, uint32_t e)
{
    hv_machine *m = vm->m;
    /* Power-on (device resets: the PIT's output settling) happens before
     * the first instruction and before anyone can watch: no events. */
    if (m->powering_on)
        return;
    if (type == HV_EV_TLB_HIT) {
        if (count_hit(m, vm, a, b, c))
            return;
        d = 1;
    } else if (m->runs[0].live || m->runs[1].live) {
        hv_machine_flush_hits(m);
    }
    record(m, vm, vm->id, m->ctr.instructions, UINT64_MAX, type, a, b, c, d,
           e);
}

/* IOMMU faults belong to the VM whose device made the request: the one
 * running (a device acts during its VM's instructions). */
static void iommu_emit5(void *opaque, hv_event_type type, uint32_t a,
                        uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
    hv_machine *m = opaque;
    if (m->cur)
        hv_machine_emit5(m->cur, type, a, b, c, d, e);
}

static void iommu_emit(void *opaque, hv_event_type type, uint32_t a,
                       uint32_t b, uint32_t c, uint32_t d)
{
    iommu_emit5(opaque, type, a, b, c, d, 0);
}

size_t hv_machine_events(const hv_machine *m, uint64_t from_seq,
                         hv_event *out, size_t max)
{
    uint64_t oldest = m->seq > HV_RING_CAP ? m->seq - HV_RING_CAP : 0;
    if (from_seq < oldest)
        from_seq = oldest;
    size_t n = 0;
    for (uint64_t s = from_seq; s < m->seq && n < max; s++)
        out[n++] = m->ring[s % HV_RING_CAP];
    return n;
}

void hv_machine_counters(const hv_machine *m, hv_counters *out)
{
    *out = m->ctr;
}

/* --- VMs ----------------------------------------------------------------- */

void hv_vm_console_put(void *ctx, uint8_t byte)
{
    hv_vm *vm = ctx;
    if (vm->console_len + 2 > vm->console_cap) {
        size_t cap = vm->console_cap ? vm->console_cap * 2 : 256;
        /* A runaway guest must not eat the host: cap the console at
         * 1 MiB and keep counting events. */
        if (cap > (1u << 20))
            goto emit;
        char *p = realloc(vm->console, cap);
        if (!p)
            goto emit;
        vm->console = p;
        vm->console_cap = cap;
    }
    vm->console[vm->console_len++] = (char)byte;
    vm->console[vm->console_len] = 0;
emit:
    hv_machine_emit(vm, HV_EV_CONSOLE, byte, 0, 0, 0);
}

void hv_vm_end(hv_vm *vm, hv_vm_exit_reason reason, bool has_status,
               uint32_t status, const char *detail)
{
    if (vm->exit_reason != HV_VM_RUNNING)
        return;
    vm->exit_reason = reason;
    vm->has_status = has_status;
    vm->exit_status = status;
    snprintf(vm->detail, sizeof vm->detail, "%s", detail ? detail : "");
    hv_machine_emit(vm, HV_EV_VM_END, reason, status, 0, vm->cur_eip);
}

static hv_err check_config(const hv_config *cfg)
{
    if (cfg->nvms < 1 || cfg->nvms > HV_MAX_VMS)
        return HV_ERR_CONFIG;
    if ((unsigned)cfg->paging > HV_PAGING_NESTED)
        return HV_ERR_CONFIG;
    /* Native: no hypervisor, the guest owns the machine. */
    if (cfg->paging == HV_PAGING_NATIVE && cfg->nvms != 1)
        return HV_ERR_CONFIG;
    if (cfg->ucmap_pages < 16 || cfg->ucmap_pages > 512)
        return HV_ERR_CONFIG;
    if (cfg->nvms > 1 && cfg->quantum == 0)
        return HV_ERR_CONFIG;
    if (cfg->cpu_mhz < 1 || cfg->cpu_mhz > 100000)
        return HV_ERR_CONFIG;
    if (cfg->nested.pwc > 1024)
        return HV_ERR_CONFIG;
    if (cfg->paging == HV_PAGING_SHADOW &&
        (cfg->shadow.max_pages < 4 || cfg->shadow.max_pages > 65536 ||
         cfg->shadow.root_cache < 1 || cfg->shadow.root_cache > 16))
        return HV_ERR_CONFIG;
    for (uint32_t i = 0; i < cfg->nvms; i++) {
        const hv_vm_config *vc = &cfg->vms[i];
        /* A requester ID names one device, assigned to one VM (VT-d: one
         * context entry, one domain; VFIO: a group in one container). */
        for (uint32_t k = 0; k < i && vc->dma_engine; k++)
            if (cfg->vms[k].dma_engine && cfg->vms[k].dma_bdf == vc->dma_bdf)
                return HV_ERR_CONFIG;
        /* At least 2 MiB (above the PC hole), at most 1 GiB. */
        if (vc->ram_bytes % 4096 || vc->ram_bytes < (2u << 20) ||
            vc->ram_bytes > (1u << 30))
            return HV_ERR_CONFIG;
        if (vc->image_len > vc->ram_bytes ||
            vc->load > vc->ram_bytes - vc->image_len)
            return HV_ERR_IMAGE;
        /* The image may not overlap the hole 0xA0000-0xFFFFF. */
        if (vc->image_len && vc->load < HV_HOLE_END &&
            vc->load + vc->image_len > HV_HOLE_START)
            return HV_ERR_IMAGE;
    }
    return HV_OK;
}

/* Host memory a configuration needs: native, exactly the guest's RAM
 * (GPA = HPA); under a hypervisor, the VMs' RAM, their shadow-page budgets,
 * a ROM frame each and 1 MiB for the hypervisor itself. */
static uint64_t host_bytes(const hv_config *cfg)
{
    if (cfg->paging == HV_PAGING_NATIVE)
        return cfg->vms[0].ram_bytes;
    uint64_t n = 1u << 20;
    for (uint32_t i = 0; i < cfg->nvms; i++) {
        n += cfg->vms[i].ram_bytes + 4096;
        if (cfg->paging == HV_PAGING_SHADOW)
            n += (uint64_t)cfg->shadow.max_pages * 4096;
        else /* nested tables: one leaf table per 2 MiB (EPT) or 4 MiB
                (NPT), the upper levels and the ROM's path */
            n += (cfg->vms[i].ram_bytes / (2u << 20) + 16) * 4096;
    }
    return cfg->host_mem_bytes > n ? cfg->host_mem_bytes : n;
}

static hv_err vm_memory(hv_machine *m, hv_vm *vm, const hv_vm_config *vc)
{
    hv_err err;
    if (m->cfg.paging == HV_PAGING_NATIVE) {
        vm->rom_hfn = UINT32_MAX;
        vm->rom = aligned_alloc(4096, 4096);
        if (!vm->rom)
            return HV_ERR_NOMEM;
        return hv_p2m_build_identity(&vm->p2m, &m->hm, vc->ram_bytes, vm->id);
    }
    vm->hypervised = true;
    if ((err = hv_p2m_build_scattered(&vm->p2m, &m->hm, vc->ram_bytes, vm->id,
                                      m->cfg.seed + vm->id)))
        return err;
    if ((err = hv_hostmem_alloc(&m->hm, HV_OWN_HYP, vm->id, &vm->rom_hfn)))
        return err;
    vm->rom = hv_hostmem_ptr(&m->hm, vm->rom_hfn);
    return HV_OK;
}

static hv_err vm_create(hv_machine *m, uint8_t id, hv_vm **out)
{
    const hv_vm_config *vc = &m->cfg.vms[id];
    hv_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return HV_ERR_NOMEM;
    *out = vm;
    vm->m = m;
    vm->id = id;
    vm->ram_bytes = vc->ram_bytes;
    snprintf(vm->name, sizeof vm->name, "%s", vc->name ? vc->name : "vm0");
    hv_err err = vm_memory(m, vm, vc);
    if (err)
        return err;
    /* RAM outside the image is zero (hostmem is zeroed). */
    for (size_t off = 0; off < vc->image_len;) {
        uint32_t gpa = vc->load + (uint32_t)off;
        uint32_t n = 4096 - (gpa & 0xFFFu);
        if (n > vc->image_len - off)
            n = (uint32_t)(vc->image_len - off);
        uint8_t *dst = hv_mmu_phys_ptr(vm, gpa, NULL);
        if (!dst)
            return HV_ERR_IMAGE;
        memcpy(dst, vc->image + off, n);
        off += n;
    }
    m->cur = vm;
    /* VPID tags this VM's TLB entries (VPID 0 is the host's: SDM Vol 3C
     * §28.1); without VPID every VM entry and exit flushes the TLB. */
    vm->vpid = vm->hypervised && m->cfg.vpid ? (uint16_t)(id + 1) : 0;
    vm->mmu = m->cfg.paging == HV_PAGING_SHADOW   ? &hv_mmu_shadow_ops
              : m->cfg.paging == HV_PAGING_NESTED ? &hv_mmu_nested_ops
                                                  : &hv_mmu_native_ops;
    if (vm->mmu->init && (err = vm->mmu->init(vm)))
        return err;
    return hv_vcpu_init(vm, vc);
}

static void vm_destroy(hv_vm *vm)
{
    if (!vm)
        return;
    hv_vcpu_fini(vm);
    if (vm->mmu && vm->mmu->fini)
        vm->mmu->fini(vm);
    if (!vm->hypervised)
        free(vm->rom);
    hv_p2m_fini(&vm->p2m);
    free(vm->console);
    free(vm);
}

hv_err hv_machine_create(const hv_config *cfg, hv_machine **out)
{
    *out = NULL;
    hv_err err = check_config(cfg);
    if (err)
        return err;
    if ((err = hv_except_probe_offsets()))
        return err;
    hv_machine *m = calloc(1, sizeof *m);
    if (!m)
        return HV_ERR_NOMEM;
    m->cfg = *cfg;
    m->ring = calloc(HV_RING_CAP, sizeof *m->ring);
    if (!m->ring) {
        err = HV_ERR_NOMEM;
        goto out_free;
    }
    if ((err = hv_hostmem_init(&m->hm, host_bytes(cfg))))
        goto out_free;
    m->code_frames = calloc(m->hm.nframes / 8 + 1, 1);
    if (!m->code_frames) {
        err = HV_ERR_NOMEM;
        goto out_free;
    }
    if (cfg->paging != HV_PAGING_NATIVE) {
        /* The hypervisor's own memory: the first 1 MiB of the host. */
        for (uint32_t f = 0; f < 256; f++)
            if ((err = hv_hostmem_claim(&m->hm, f, HV_OWN_HYP, 0)))
                goto out_free;
    }
    if (cfg->iommu &&
        (err = hv_iommu_create((hv_emitter){iommu_emit, m, iommu_emit5}, &m->iommu)))
        goto out_free;
    m->powering_on = true;
    for (uint32_t i = 0; i < cfg->nvms; i++) {
        m->nvms = i + 1;
        if ((err = vm_create(m, (uint8_t)i, &m->vms[i])))
            goto out_free;
        /* The hypervisor gives an assigned device the VM's own view of
         * memory: a domain mapping its RAM. */
        if (m->iommu && m->vms[i]->has_dma_engine &&
            (err = hv_vcpu_iommu_domain(m->vms[i])))
            goto out_free;
    }
    m->powering_on = false;
    /* Names the config points at belong to the caller: keep our copies. */
    for (uint32_t i = 0; i < m->nvms; i++) {
        m->cfg.vms[i].name = m->vms[i]->name;
        m->cfg.vms[i].image = NULL;
    }
    *out = m;
    return HV_OK;
out_free:
    hv_machine_destroy(m);
    return err;
}

void hv_machine_destroy(hv_machine *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->nvms; i++)
        vm_destroy(m->vms[i]);
    if (m->hm.base)
        hv_hostmem_fini(&m->hm);
    free(m->code_frames);
    hv_iommu_destroy(m->iommu);
    free(m->ring);
    free(m);
}

void hv_machine_set_stop(hv_machine *m, hv_stop_fn fn, void *opaque)
{
    hv_machine_flush_hits(m);
    m->stop_fn = fn;
    m->stop_opaque = opaque;
}

void hv_machine_set_sink(hv_machine *m, hv_sink_fn fn, void *opaque)
{
    hv_machine_flush_hits(m);
    m->sink = fn;
    m->sink_opaque = opaque;
}

static bool all_ended(const hv_machine *m)
{
    for (uint32_t i = 0; i < m->nvms; i++)
        if (m->vms[i]->exit_reason == HV_VM_RUNNING)
            return false;
    return true;
}

/* Every VM still running waits for console input (and one does). */
static bool all_waiting(const hv_machine *m)
{
    bool any = false;
    for (uint32_t i = 0; i < m->nvms; i++) {
        const hv_vm *vm = m->vms[i];
        if (vm->exit_reason != HV_VM_RUNNING)
            continue;
        if (!vm->waiting_input)
            return false;
        any = true;
    }
    return any;
}

/* HOW SEVERAL VMS SHARE THE CPU: round-robin, a fixed quantum of guest
 * instructions each (DESIGN.md §2). The end of a turn is a timer exit
 * (external interrupt) of the VM that ran and a world switch; it is all
 * counted in instructions, so the interleaving is deterministic. */
hv_err hv_machine_run(hv_machine *m, uint64_t max_insns, hv_stop *why)
{
    if (all_ended(m))
        return HV_ERR_ENDED;
    m->stop_requested = m->break_hit = false;
    m->first_insn = true;
    bool unlimited = max_insns == 0;
    uint64_t left = max_insns;
    hv_err err = HV_OK;
    while (!all_ended(m) && !all_waiting(m) && !m->stop_requested &&
           (unlimited || left)) {
        hv_vm *vm = m->vms[m->turn];
        if (vm->exit_reason != HV_VM_RUNNING || vm->waiting_input) {
            m->turn = (m->turn + 1) % m->nvms;
            m->turn_used = 0;
            continue;
        }
        uint64_t slice = UINT64_MAX;
        if (m->nvms > 1)
            slice = m->cfg.quantum - m->turn_used;
        if (!unlimited && left < slice)
            slice = left;
        m->unlimited = slice == UINT64_MAX;
        m->budget = m->unlimited ? 0 : slice;
        uint64_t before = m->ctr.instructions;
        if ((err = hv_vcpu_run(vm)))
            break;
        uint64_t used = m->ctr.instructions - before;
        if (!unlimited)
            left -= used < left ? used : left;
        m->turn_used += used;
        if (m->nvms > 1 && m->turn_used >= m->cfg.quantum) {
            uint32_t next = (m->turn + 1) % m->nvms;
            if (vm->exit_reason == HV_VM_RUNNING)
                hv_vm_exit(vm, HV_EXIT_EXT_INTR, 0, HV_CAUSE_NONE);
            hv_machine_emit(vm, HV_EV_WORLD_SWITCH, vm->id, next, 0, 0);
            m->turn = next;
            m->turn_used = 0;
        }
    }
    hv_machine_flush_hits(m); /* a run ends with every event in the stream */
    if (why)
        *why = all_ended(m)     ? HV_STOP_ENDED
               : all_waiting(m)    ? HV_STOP_WAITING
               : m->break_hit      ? HV_STOP_BREAK
               : m->stop_requested ? HV_STOP_EVENT
                                   : HV_STOP_LIMIT;
    return err;
}

hv_err hv_machine_set_breakpoints(hv_machine *m, const uint32_t *eips,
                                  size_t n)
{
    if (n > HV_MAX_BREAKPOINTS || (n && !eips))
        return HV_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        m->breaks[i] = eips[i];
    m->nbreaks = (uint32_t)n;
    return HV_OK;
}
