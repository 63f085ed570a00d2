/* hvlab engine: event names, the one formatter, and the fold of events
 * into counters and modelled cycles (STYLE.md practices 5 and 6). */
#include <stdio.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/mmio_bus.h"
#include "hv_events.h"
#include "machine.h"

typedef struct event_info {
    const char *name;
    const char *field[5];
} event_info;

static const event_info event_infos[HV_EV__COUNT] = {
#define HV_EVENT_INFO(id, nm, fa, fb, fc, fd, fe) [HV_EV_##id] = {nm, {fa, fb, fc, fd, fe}},
    HV_EVENT_LIST(HV_EVENT_INFO)
#undef HV_EVENT_INFO
};

const char *hv_event_name(hv_event_type type)
{
    return (unsigned)type < HV_EV__COUNT ? event_infos[type].name : "?";
}

const char *hv_event_field(hv_event_type type, int field)
{
    if ((unsigned)type >= HV_EV__COUNT || field < 0 || field > 4)
        return NULL;
    return event_infos[type].field[field];
}

int hv_event_from_name(const char *name)
{
    for (int t = 0; t < HV_EV__COUNT; t++)
        if (strcmp(event_infos[t].name, name) == 0)
            return t;
    return -1;
}

static const struct {
    const char *name;
    uint32_t basic;
} exit_infos[HV_EXIT__COUNT] = {
#define HV_EXIT_INFO(id, nm, basic) [HV_EXIT_##id] = {nm, basic},
    HV_EXIT_LIST(HV_EXIT_INFO)
#undef HV_EXIT_INFO
};

const char *hv_exit_key_name(hv_exit_key key)
{
    return (unsigned)key < HV_EXIT__COUNT ? exit_infos[key].name : "?";
}

uint32_t hv_exit_basic_reason(hv_exit_key key)
{
    return (unsigned)key < HV_EXIT__COUNT ? exit_infos[key].basic : 0;
}

const char *hv_exit_cause_name(uint32_t cause)
{
    static const char *const names[] = {"", "hidden fault", "true fault",
                                        "write-protect trap", "dirty bit",
                                        "mmio", "in-kernel device",
                                        "mmio, ioeventfd"};
    return cause < sizeof names / sizeof names[0] ? names[cause] : "?";
}

const char *hv_access_name(hv_access access)
{
    switch (access) {
    case HV_ACC_READ: return "read";
    case HV_ACC_WRITE: return "write";
    case HV_ACC_FETCH: return "fetch";
    }
    return "?";
}

const char *hv_vm_exit_reason_name(hv_vm_exit_reason reason)
{
    switch (reason) {
    case HV_VM_RUNNING: return "running";
    case HV_VM_EXIT_PORT: return "exit_port";
    case HV_VM_HALT: return "halt";
    case HV_VM_TRIPLE_FAULT: return "triple_fault";
    case HV_VM_BAD_ACCESS: return "bad_access";
    case HV_VM_INTERNAL: return "internal_error";
    }
    return "?";
}

static uint32_t field_value(const hv_event *ev, int i)
{
    const uint32_t v[5] = {ev->a, ev->b, ev->c, ev->d, ev->e};
    return v[i];
}

/* Fields that read better in decimal; the rest are hex. */
static bool field_is_decimal(const char *f)
{
    static const char *const dec[] = {"level", "index", "size", "dropped",
                                      "slot", "vector", "cr", "kind",
                                      "reason", "first", "second", "what", "cause", "from", "to", "cache",
                                      "insn", "irq", "injected", "idle", "idle_hi", "queued", "operand", "count"};
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++)
        if (strcmp(f, dec[i]) == 0)
            return true;
    return false;
}

/* A device's refusal names the device and the register. */
static void guest_error_note(const hv_event *ev, char *buf, size_t len)
{
    static const char *const what[] = {
        "write to ROM dropped", "not RAM", "no such control register",
        "reserved bit in a control register", "no device at this port",
        "not modelled", "device refused the access", "no device at this MMIO address"};
    const char *w = ev->a < sizeof what / sizeof what[0] ? what[ev->a] : "?";
    if (ev->a != HV_GERR_DEVICE) {
        snprintf(buf, len, "%s", w);
        return;
    }
    /* Port devices: kind << 8 | offset; MMIO devices: kind << 16. */
    bool mmio = ev->b > 0xFFFFu;
    uint32_t kind = mmio ? ev->b >> 16 : ev->b >> 8;
    uint32_t off = mmio ? ev->b & 0xFFFFu : ev->b & 0xFFu;
    const hv_device_ops *ops = hv_device_kind_ops(kind);
    /* Port devices may flag a second chip in bit 7 (the slave 8259A);
     * MMIO offsets are whole. */
    uint32_t reg_off = mmio ? off : off & 0x7Fu;
    const char *reg = ops && ops->regname ? ops->regname(reg_off, true) : NULL;
    if (reg)
        snprintf(buf, len, "%s %s: %s", ops->name, reg, w);
    else
        snprintf(buf, len, "%s+0x%X: %s", ops ? ops->name : "device",
                 (unsigned)off, w);
}

/* What an event says in words, where a number alone is not enough. */
static const char *event_note(const hv_event *ev, char *buf, size_t len)
{
    buf[0] = 0;
    switch ((hv_event_type)ev->type) {
    case HV_EV_TLB_HIT:
    case HV_EV_TLB_MISS: snprintf(buf, len, "%s", hv_access_name(ev->c)); break;
    case HV_EV_IO_IN:
    case HV_EV_IO_OUT:
        hv_bus_format_access(ev->type == HV_EV_IO_OUT, ev->a, ev->b, ev->c,
                             ev->d, buf, len);
        break;
    case HV_EV_MMIO_READ:
    case HV_EV_MMIO_WRITE:
        hv_mmio_format_access(ev->type == HV_EV_MMIO_WRITE, ev->a, ev->b,
                              ev->c, ev->d, ev->e, buf, len);
        break;
    case HV_EV_IRQ: snprintf(buf, len, "IRQ %u %s", ev->a, ev->b ? "raised" : "lowered"); break;
    case HV_EV_INTERRUPT:
        snprintf(buf, len, "IRQ %u -> vector 0x%02X%s", ev->b, ev->a,
                 ev->c ? ", injected at VM entry" : "");
        break;
    case HV_EV_GUEST_ERROR: guest_error_note(ev, buf, len); break;
    case HV_EV_VM_END: snprintf(buf, len, "%s", hv_vm_exit_reason_name(ev->a)); break;
    case HV_EV_VM_EXIT:
        snprintf(buf, len, "%s%s%s", hv_exit_key_name(ev->a),
                 ev->c ? ", " : "", hv_exit_cause_name(ev->c));
        break;
    case HV_EV_ROOT_SWITCH: snprintf(buf, len, "%s", ev->c ? "cache hit" : "cache miss"); break;
    case HV_EV_TLB_FLUSH:
        snprintf(buf, len, "%s", ev->a == HV_FLUSH_ALL ? "all" : "non-global");
        break;
    case HV_EV_TLB_INVLPG:
        snprintf(buf, len, "%s", ev->c == HV_INVAL_INVLPG   ? "INVLPG"
                                 : ev->c == HV_INVAL_SHADOW ? "shadow entry changed"
                                                            : "page fault");
        break;
    default: break;
    }
    return buf;
}

int hv_event_format_text(const hv_event *ev, char *buf, size_t len)
{
    const event_info *info = &event_infos[ev->type < HV_EV__COUNT ? ev->type : 0];
    int n = snprintf(buf, len, "#%llu vm%u %s", (unsigned long long)ev->seq,
                     ev->vm, info->name);
    for (int i = 0; i < 5 && n >= 0 && (size_t)n < len; i++) {
        const char *f = info->field[i];
        if (!f)
            continue;
        if (ev->type == HV_EV_VM_EXIT && i == 0) {
            /* The VT-x basic exit reason, as an engineer reads it. */
            n += snprintf(buf + n, len - n, " reason=%u",
                          hv_exit_basic_reason(ev->a));
            continue;
        }
        uint32_t v = field_value(ev, i);
        n += snprintf(buf + n, len - n, field_is_decimal(f) ? " %s=%u" : " %s=0x%08x", f, v);
    }
    char note[96];
    event_note(ev, note, sizeof note);
    if (note[0] && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - n, "  (%s)", note);
    return n;
}

static int json_escape(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    for (; *s && n + 7 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            n += (size_t)snprintf(buf + n, len - n, "\\u%04x", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    if (len)
        buf[n < len ? n : len - 1] = 0;
    return (int)n;
}

int hv_event_format_json(const hv_event *ev, char *buf, size_t len)
{
    const event_info *info = &event_infos[ev->type < HV_EV__COUNT ? ev->type : 0];
    int n = snprintf(buf, len,
                     "{\"seq\":%llu,\"icount\":%llu,\"cycles\":%llu,\"vm\":%u,"
                     "\"type\":\"%s\"",
                     (unsigned long long)ev->seq, (unsigned long long)ev->icount,
                     (unsigned long long)ev->cycles, ev->vm, info->name);
    for (int i = 0; i < 5 && n >= 0 && (size_t)n < len; i++) {
        if (!info->field[i])
            continue;
        if (ev->type == HV_EV_VM_EXIT && i == 0)
            n += snprintf(buf + n, len - n, ",\"reason\":%u,\"exit\":\"%s\"",
                          hv_exit_basic_reason(ev->a), hv_exit_key_name(ev->a));
        else
            n += snprintf(buf + n, len - n, ",\"%s\":%u", info->field[i],
                          field_value(ev, i));
    }
    char note[96], esc[200];
    event_note(ev, note, sizeof note);
    if (note[0] && n >= 0 && (size_t)n < len) {
        json_escape(note, esc, sizeof esc);
        n += snprintf(buf + n, len - n, ",\"note\":\"%s\"", esc);
    }
    if (n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - n, "}");
    return n;
}

void hv_event_cost(const hv_cost_model *cost, const hv_event *ev,
                   uint64_t by_cause[HV_CYC__COUNT])
{
    switch ((hv_event_type)ev->type) {
    case HV_EV_TLB_MISS: by_cause[HV_CYC_TLB] += cost->tlb_miss; break;
    case HV_EV_WALK_REF:
    case HV_EV_NESTED_WALK_REF: by_cause[HV_CYC_TLB] += cost->walk_ref; break;
    case HV_EV_GUEST_FAULT:
    case HV_EV_SOFT_INT: by_cause[HV_CYC_EXC] += cost->exception; break;
    case HV_EV_INJECT: by_cause[HV_CYC_EXC] += cost->irq_inject; break;
    case HV_EV_INTERRUPT:
        /* The CPU vectors through the IDT; under a hypervisor, the
         * hypervisor's injection (event injection at VM entry) first. */
        by_cause[HV_CYC_EXC] += cost->exception;
        if (ev->c)
            by_cause[HV_CYC_EXC] += cost->irq_inject;
        break;
    case HV_EV_MMIO_READ:
    case HV_EV_MMIO_WRITE: by_cause[HV_CYC_IO] += cost->io_access; break;
    case HV_EV_TLB_INVLPG:
        if (ev->c == HV_INVAL_INVLPG)
            by_cause[HV_CYC_PRIV] += cost->priv_insn;
        break;
    case HV_EV_CR_WRITE:
    case HV_EV_PRIV_INSN:
    case HV_EV_IRET: by_cause[HV_CYC_PRIV] += cost->priv_insn; break;
    case HV_EV_IO_IN:
    case HV_EV_IO_OUT: by_cause[HV_CYC_IO] += cost->io_access; break;
    case HV_EV_SW_WALK_REF: by_cause[HV_CYC_EMUL] += cost->sw_walk_ref; break;
    case HV_EV_EMULATED_WRITE: by_cause[HV_CYC_EMUL] += cost->emulation; break;
    case HV_EV_VM_EXIT:
        /* An exit costs the round trip; what the handler then does is
         * charged by the events it emits. An I/O exit also pays the trip
         * to the device model. */
        by_cause[HV_CYC_EXIT] += cost->vm_exit;
        if (ev->a == HV_EXIT_IO && ev->c != HV_CAUSE_IN_KERNEL)
            by_cause[HV_CYC_IO] += cost->io_emulation;
        if (ev->c == HV_CAUSE_IOEVENTFD && ev->a != HV_EXIT_EPT_MISCONFIG)
            by_cause[HV_CYC_EMUL] += cost->emulation; /* decoded first */
        if (ev->c == HV_CAUSE_MMIO) {
            /* An MMIO exit: the hypervisor decodes and emulates the
             * instruction, and the access makes the same trip to the
             * device model as port I/O. */
            by_cause[HV_CYC_EMUL] += cost->emulation;
            by_cause[HV_CYC_IO] += cost->io_emulation;
        }
        break;
    default: break;
    }
}

/* HOW COUNTERS WORK: every counter is a fold over the event stream, here
 * and nowhere else, so a replay of the stream reproduces them. Cycles are
 * charged per event by hv_event_cost; executed instructions are charged by
 * the vCPU (they are time, not events). */
void hv_counters_fold(hv_counters *c, const hv_cost_model *cost,
                      const hv_event *ev)
{
    /* The commonest event by far, and free (hv_event_cost charges it
     * nothing: a hit is part of the instruction). */
    if (ev->type == HV_EV_TLB_HIT) {
        c->tlb_hits += ev->d; /* a run of hits (machine.c) */
        c->events++;
        return;
    }
    uint64_t by_cause[HV_CYC__COUNT] = {0};
    hv_event_cost(cost, ev, by_cause);
    for (int i = 0; i < HV_CYC__COUNT; i++)
        c->cycles += by_cause[i];
    c->events++;
    switch ((hv_event_type)ev->type) {
    case HV_EV_TLB_HIT: c->tlb_hits += ev->d; break;
    case HV_EV_TLB_MISS: c->tlb_misses++; break;
    case HV_EV_TLB_EVICT: c->tlb_evictions++; break;
    case HV_EV_TLB_FLUSH: c->tlb_flushes++; break;
    case HV_EV_WALK_REF:
    case HV_EV_NESTED_WALK_REF: c->walk_refs++; break;
    case HV_EV_GUEST_FAULT: c->guest_faults++; break;
    case HV_EV_IO_IN:
    case HV_EV_IO_OUT: c->io_accesses++; break;
    case HV_EV_MMIO_READ:
    case HV_EV_MMIO_WRITE: c->mmio_accesses++; break;
    case HV_EV_INTERRUPT:
        c->interrupts++;
        if (ev->c)
            c->injections++;
        break;
    case HV_EV_GUEST_ERROR: c->guest_errors++; break;
    case HV_EV_DMA: c->dma_transfers++; break;
    case HV_EV_IOMMU_FAULT: c->iommu_faults++; break;
    case HV_EV_HALT_IDLE:
        c->idle_cycles += ev->a | (uint64_t)ev->b << 32;
        break;
    case HV_EV_SW_WALK_REF: c->sw_walk_refs++; break;
    case HV_EV_VM_EXIT:
        c->vm_exits++;
        if (ev->a < HV_EXIT__COUNT)
            c->exits_by_reason[ev->a]++;
        if (ev->a == HV_EXIT_IO)
            c->io_exits++;
        if (ev->c == HV_CAUSE_HIDDEN_FAULT)
            c->hidden_faults++;
        if (ev->c == HV_CAUSE_WP_TRAP)
            c->pt_write_traps++;
        if (ev->c == HV_CAUSE_MMIO || ev->c == HV_CAUSE_IOEVENTFD)
            c->mmio_exits++;
        break;
    case HV_EV_EMULATED_WRITE: c->emulated_writes++; break;
    case HV_EV_SHADOW_ALLOC:
        c->shadow_pages++;
        if (c->shadow_pages > c->shadow_pages_peak)
            c->shadow_pages_peak = c->shadow_pages;
        break;
    case HV_EV_SHADOW_ZAP:
        c->shadow_zaps++;
        if (c->shadow_pages)
            c->shadow_pages--;
        break;
    case HV_EV_PWC_HIT: c->pwc_hits++; break;
    case HV_EV_PWC_MISS: c->pwc_misses++; break;
    case HV_EV_ROOT_SWITCH:
        if (ev->c)
            c->root_cache_hits++;
        else
            c->root_cache_misses++;
        break;
    default: break;
    }
}

/* Counter names as the JSON report spells them, and where each lives. */
#define HV_COUNTER_LIST(X)                                                    \
    X(instructions) X(cycles) X(tlb_hits) X(tlb_misses) X(tlb_evictions)      \
    X(tlb_flushes) X(walk_refs) X(sw_walk_refs) X(guest_faults)               \
    X(hidden_faults) X(pt_write_traps) X(io_exits) X(io_accesses)             \
    X(vm_exits) X(emulated_writes) X(shadow_zaps) X(root_cache_hits)          \
    X(root_cache_misses) X(shadow_pages) X(shadow_pages_peak) X(pwc_hits)     \
    X(pwc_misses) X(mmio_accesses) X(mmio_exits) X(interrupts)                \
    X(injections) X(idle_cycles) X(guest_errors) X(dma_transfers)           \
    X(iommu_faults) X(events)

static const char *const counter_names[] = {
#define HV_COUNTER_NAME(f) #f,
    HV_COUNTER_LIST(HV_COUNTER_NAME)
#undef HV_COUNTER_NAME
    NULL};

const char *const *hv_counter_names(void)
{
    return counter_names;
}

bool hv_counter_get(const hv_counters *c, const char *name, uint64_t *out)
{
#define HV_COUNTER_GET(f)                                                     \
    if (strcmp(name, #f) == 0) {                                              \
        *out = c->f;                                                          \
        return true;                                                          \
    }
    HV_COUNTER_LIST(HV_COUNTER_GET)
#undef HV_COUNTER_GET
    /* "vm_exits/exception/pf", as the JSON report's by_reason keys. */
    if (strncmp(name, "vm_exits/", 9) == 0)
        for (int k = 0; k < HV_EXIT__COUNT; k++)
            if (strcmp(name + 9, exit_infos[k].name) == 0) {
                *out = c->exits_by_reason[k];
                return true;
            }
    return false;
}
