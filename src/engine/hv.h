/* hvlab engine: public API.
 *
 * The engine is a library behind an opaque handle (STYLE.md practice 1): a
 * client fills an hv_config, creates an hv_machine, runs it, reads its state
 * and its event stream. No curses, no JSON, no exit() in here. Every call
 * that can fail returns an hv_err; hv_strerror() names it.
 */
#ifndef HV_H
#define HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_events.h"

/* Error codes, with the calls that produce them. */
typedef enum hv_err {
    HV_OK = 0,
    HV_ERR_NOMEM,       /* any call that allocates */
    HV_ERR_CONFIG,      /* hv_machine_create: a config value is out of range */
    HV_ERR_IMAGE,       /* hv_machine_create: guest image does not fit RAM */
    HV_ERR_UNICORN,     /* create/run: Unicorn refused a call (a bug) */
    HV_ERR_UNSUPPORTED, /* create: paging mode not implemented yet */
    HV_ERR_ENDED,       /* run/step: every VM has already ended */
    HV_ERR_ARG,         /* any call: a bad argument (index, NULL) */
    HV_ERR_IO,          /* trace sink: writing failed */
} hv_err;

const char *hv_strerror(hv_err err);

typedef enum hv_paging {
    HV_PAGING_NATIVE = 0, /* no hypervisor: the MMU walks the guest tables */
    HV_PAGING_SHADOW = 1,
    HV_PAGING_NESTED = 2,
} hv_paging;

const char *hv_paging_name(hv_paging paging);
/* Returns false when `name` is not a paging mode. */
bool hv_paging_from_name(const char *name, hv_paging *out);

typedef enum hv_tlb_policy {
    HV_TLB_LRU = 0,
    HV_TLB_FIFO = 1,
    HV_TLB_RANDOM = 2, /* seeded from hv_config.seed: deterministic */
} hv_tlb_policy;

const char *hv_tlb_policy_name(hv_tlb_policy policy);
bool hv_tlb_policy_from_name(const char *name, hv_tlb_policy *out);

typedef struct hv_tlb_config {
    uint32_t entries; /* total entries, a multiple of ways */
    uint32_t ways;    /* associativity; entries/ways sets (a power of two) */
    hv_tlb_policy policy;
} hv_tlb_config;

/* Modelled cycles charged per event; defaults in docs/cost-model.md, taken
 * from FIDELITY.md "Costs". */
typedef struct hv_cost_model {
    uint32_t insn;        /* every executed guest instruction */
    uint32_t tlb_miss;    /* fixed part of a miss, besides its references */
    uint32_t walk_ref;    /* one page-walk memory reference */
    uint32_t exception;   /* delivering an exception or INT n (hardware) */
    uint32_t priv_insn;   /* CR access, INVLPG, CPUID, RDTSC natively */
    uint32_t io_access;   /* one port access reaching a device */
    uint32_t vm_exit;     /* VM exit + entry round trip (hypervisor modes) */
    uint32_t emulation;   /* hypervisor emulating one instruction */
    uint32_t sw_walk_ref; /* one reference of the hypervisor's software walk */
    uint32_t irq_inject;  /* injecting an interrupt into a VM */
    uint32_t io_emulation; /* an I/O exit's trip to the device model
                              (user space) and back, on top of the exit */
} hv_cost_model;

#define HV_MAX_VMS 4

/* Nested paging (docs/nested.md; FIDELITY.md "Nested paging"). */
typedef struct hv_nested_config {
    bool npt;  /* false: 4-level Intel EPT; true: a 2-level AMD NPT table
                  (a 32-bit legacy-mode host), labelled NPT everywhere */
    bool ad;   /* EPTP bit 6: EPT accessed/dirty flags; the CPU's reads of
                  guest paging structures then count as EPT writes */
    bool lazy; /* map guest RAM on first touch (EPT violations); false:
                  the whole P2M is mapped when the VM is created */
    uint32_t pwc; /* page-walk caches (Bhargava et al. 2008): entries in
                     each of the guest PDE cache and the nested TLB
                     (GPA page -> HPA page); 0: none (the default) */
} hv_nested_config;

/* Shadow paging policies (docs/shadow.md; KVM's mmu.rst). */
typedef struct hv_shadow_config {
    uint32_t max_pages;       /* shadow pages per VM; over it, zap the LRU */
    uint32_t root_cache;      /* shadow roots kept per VM (1..16) */
    uint32_t flood_threshold; /* emulated writes to one page without use
                                 before it is unshadowed; 0 = never */
    bool unsync;              /* leaf pages may go unsync */
} hv_shadow_config;

typedef struct hv_vm_config {
    const char *name;     /* copied; "vm0" when NULL */
    uint32_t ram_bytes;   /* guest-physical RAM, a multiple of 4 KiB */
    const uint8_t *image; /* flat binary, copied at create */
    size_t image_len;
    uint32_t load;  /* guest-physical load address (default 0x1000) */
    uint32_t entry; /* initial EIP (default = load) */
    /* An assigned (passthrough) DMA engine at HV_DMA_ENGINE_BASE with
     * requester ID dma_bdf (bus << 8 | device << 3 | function). */
    bool dma_engine;
    uint16_t dma_bdf;
} hv_vm_config;

typedef struct hv_config {
    hv_paging paging;
    uint64_t host_mem_bytes; /* 0: as much as the VMs need (native: RAM) */
    hv_tlb_config tlb;
    hv_cost_model cost;
    uint64_t seed;
    uint32_t ucmap_pages; /* bound on Unicorn's live mappings (16..512) */
    hv_shadow_config shadow;
    hv_nested_config nested;
    bool vpid; /* hypervisor modes: TLB entries tagged with a VPID per VM;
                  false: every VM exit and entry flushes the TLB */
    uint32_t quantum; /* instructions per VM turn when several VMs run */
    uint32_t cpu_mhz; /* modelled cycles per microsecond: how the VM's
                         clock (cycles) becomes the PIT's 1.193182 MHz */
    bool iommu; /* an IOMMU (VT-d-like) in front of assigned devices: each
                   VM's domain maps its RAM (docs/devices.md); false: an
                   assigned device's bus addresses are host-physical */
    bool uart_line_timing; /* the UART sends at its divisor's baud rate in
                              modelled time; false: an infinitely fast line,
                              as QEMU's (docs/devices.md) */
    uint32_t nvms;
    hv_vm_config vms[HV_MAX_VMS];
} hv_config;

/* Fills `cfg` with the defaults (docs/): native paging, one VM of 16 MiB,
 * a 64-entry 4-way LRU TLB, the default cost model, seed 1. */
void hv_config_default(hv_config *cfg);

typedef struct hv_machine hv_machine;

hv_err hv_machine_create(const hv_config *cfg, hv_machine **out);
void hv_machine_destroy(hv_machine *m);

/* Why hv_machine_run returned. */
typedef enum hv_stop {
    HV_STOP_ENDED = 0,  /* every VM has ended */
    HV_STOP_LIMIT = 1,  /* the instruction budget is spent */
    HV_STOP_EVENT = 2,  /* the stop predicate matched an event */
    HV_STOP_BREAK = 3,  /* EIP reached a breakpoint (before executing it) */
    HV_STOP_WAITING = 4, /* every VM still running sits in HLT waiting for
                            console input (hv_machine_console_input wakes
                            it; the next run goes on) */
} hv_stop;

/* Breakpoints: the run stops before executing an instruction at one of
 * these addresses (not at the one it starts from). Replaces the set; n = 0
 * clears it. Errors: HV_ERR_ARG (more than HV_MAX_BREAKPOINTS). */
#define HV_MAX_BREAKPOINTS 64
hv_err hv_machine_set_breakpoints(hv_machine *m, const uint32_t *eips,
                                  size_t n);

/* Stop predicate: return true to stop the run at the next instruction
 * boundary after `ev` was emitted. */
typedef bool (*hv_stop_fn)(void *opaque, const hv_event *ev);
void hv_machine_set_stop(hv_machine *m, hv_stop_fn fn, void *opaque);

/* Event sink: called for every event as it is emitted (a trace writer). A
 * sink must not call back into the machine. */
typedef void (*hv_sink_fn)(void *opaque, const hv_event *ev);
void hv_machine_set_sink(hv_machine *m, hv_sink_fn fn, void *opaque);

/* Runs at most `max_insns` guest instructions (0: no limit), until every VM
 * has ended or the stop predicate fires. Errors: HV_ERR_ENDED,
 * HV_ERR_UNICORN. */
hv_err hv_machine_run(hv_machine *m, uint64_t max_insns, hv_stop *why);

/* What modelled cycles are spent on. X(ID, "label"). */
/* clang-format off */
#define HV_COST_CAUSE_LIST(X)                                                 \
    X(INSN, "instructions")                                                   \
    X(TLB, "TLB misses and walks")                                            \
    X(EXIT, "VM exits")                                                       \
    X(EMUL, "hypervisor emulation")                                           \
    X(EXC, "exceptions, injections")                                          \
    X(PRIV, "privileged instructions")                                        \
    X(IO, "device I/O")                                                       \
    X(OTHER, "other")
/* clang-format on */

typedef enum hv_cost_cause {
#define HV_COST_CAUSE_ENUM(id, name) HV_CYC_##id,
    HV_COST_CAUSE_LIST(HV_COST_CAUSE_ENUM)
#undef HV_COST_CAUSE_ENUM
        HV_CYC__COUNT
} hv_cost_cause;

/* Adds what `ev` costs to by_cause[] (the cycle fold of the counters uses
 * this too, so a view's breakdown always sums to the engine's cycles less
 * the per-instruction charge). */
void hv_event_cost(const hv_cost_model *cost, const hv_event *ev,
                   uint64_t by_cause[HV_CYC__COUNT]);

/* Counters: folds over the event stream (STYLE.md practice 6). */
#define HV_EXIT_REASON_MAX 16
typedef struct hv_counters {
    uint64_t instructions;
    uint64_t cycles;
    uint64_t tlb_hits, tlb_misses, tlb_evictions, tlb_flushes;
    uint64_t walk_refs, sw_walk_refs;
    uint64_t guest_faults, hidden_faults, pt_write_traps;
    uint64_t io_exits, io_accesses;
    uint64_t vm_exits;
    uint64_t exits_by_reason[HV_EXIT__COUNT];
    uint64_t emulated_writes, shadow_zaps, root_cache_hits, root_cache_misses;
    uint64_t shadow_pages, shadow_pages_peak;
    uint64_t pwc_hits, pwc_misses;
    uint64_t mmio_accesses, mmio_exits;
    uint64_t interrupts, injections, idle_cycles;
    uint64_t guest_errors, dma_transfers, iommu_faults;
    uint64_t events;
} hv_counters;

void hv_machine_counters(const hv_machine *m, hv_counters *out);
/* A counter by its name in the JSON report ("tlb_misses", "walk_refs",
 * "vm_exits", ...); false when there is no such counter. */
bool hv_counter_get(const hv_counters *c, const char *name, uint64_t *out);
/* The counter names, NULL-terminated (for suggestions in error messages). */
const char *const *hv_counter_names(void);

/* The last `max` events still held by the ring with seq >= from_seq, oldest
 * first; returns how many were copied. */
size_t hv_machine_events(const hv_machine *m, uint64_t from_seq,
                         hv_event *out, size_t max);

typedef struct hv_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags;
    uint32_t cr0, cr2, cr3, cr4;
    uint16_t cs, ds, ss;
} hv_regs;

typedef struct hv_vm_state {
    const char *name;
    hv_vm_exit_reason exit_reason;
    bool has_status;
    uint32_t exit_status; /* the guest's exit value (exit port) */
    const char *console;  /* NUL-terminated console bytes so far */
    size_t console_len;
    const char *detail; /* why a VM ended abnormally, or "" */
    uint64_t instructions;
    bool waiting_input; /* in HLT, only console input can wake it */
} hv_vm_state;

uint32_t hv_machine_nvms(const hv_machine *m);
hv_err hv_machine_vm_state(const hv_machine *m, uint32_t vm, hv_vm_state *out);
hv_err hv_machine_regs(const hv_machine *m, uint32_t vm, hv_regs *out);
/* Console input for VM `vm`'s UART (COM1): the bytes wait in a bounded
 * queue and enter the receiver one at a time, as the guest reads them
 * (each a CONSOLE_IN event, so a replay can feed them again). Errors:
 * HV_ERR_ARG (no such VM), HV_ERR_NOMEM (the queue is full: *taken says
 * how many bytes went in). */
hv_err hv_machine_console_input(hv_machine *m, uint32_t vm,
                                const uint8_t *bytes, size_t len,
                                size_t *taken);
/* The virtio console's queue q (0 receiveq, 1 transmitq) of VM vm, for the
 * I/O pane: false when there is no such queue. The rings themselves are
 * in guest memory (hv_machine_read_gpa). */
typedef struct hv_virtq_view {
    bool ready;
    uint32_t num;               /* queue size */
    uint32_t desc, avail, used; /* guest-physical addresses of the rings */
    uint16_t last_avail;        /* available entries the device has taken */
    bool busy;                  /* the backend is working on a buffer */
    bool event_idx;             /* VIRTIO_F_EVENT_IDX negotiated */
} hv_virtq_view;
bool hv_machine_virtq(const hv_machine *m, uint32_t vm, uint32_t q,
                      hv_virtq_view *out);
/* Reads guest-physical memory of a VM (for views and tests). */
hv_err hv_machine_read_gpa(const hv_machine *m, uint32_t vm, uint32_t gpa,
                           void *buf, size_t len);
const hv_config *hv_machine_config(const hv_machine *m);

/* The TLB entry that translates `va` in VM `vm` now, if any (no event, no
 * LRU change). flags are HV_TLBF_* of tlb.h: 1 W, 2 U, 4 D, 8 G, 16 large. */
typedef struct hv_tlb_view {
    uint32_t vpn, pfn;
    uint16_t tag;
    uint8_t flags;
    uint32_t set, way;
} hv_tlb_view;
bool hv_machine_tlb_find(const hv_machine *m, uint32_t vm, uint32_t va,
                         hv_tlb_view *out);
/* The TLB's geometry and one slot (valid or not), for the TLB pane. */
void hv_machine_tlb_geometry(const hv_machine *m, uint32_t vm, uint32_t *sets,
                             uint32_t *ways);
/* False when the slot is empty or out of range. `age` is the replacement
 * stamp (LRU: last use; FIFO: fill order). */
bool hv_machine_tlb_slot(const hv_machine *m, uint32_t vm, uint32_t set,
                         uint32_t way, hv_tlb_view *out, uint64_t *age);

/* Host memory, frame by frame, for the host memory map. */
typedef enum hv_frame_owner {
    HV_FRAME_FREE = 0,
    HV_FRAME_HYPERVISOR,
    HV_FRAME_VM_RAM,
    HV_FRAME_SHADOW,
    HV_FRAME_EPT,
    HV_FRAME_DEVICE,
    HV_FRAME_RESERVED,
} hv_frame_owner;
uint32_t hv_machine_host_frames(const hv_machine *m);
/* Owner of host frame hfn and the VM it belongs to. */
hv_frame_owner hv_machine_frame_owner(const hv_machine *m, uint32_t hfn,
                                      uint32_t *vm);
const char *hv_frame_owner_name(hv_frame_owner owner);
/* Reads host-physical memory (shadow and EPT tables live there). */
hv_err hv_machine_read_hpa(const hv_machine *m, uint32_t hpa, void *buf,
                           size_t len);
/* Guest-physical -> host-physical through the VM's P2M. */
bool hv_machine_gpa_to_hpa(const hv_machine *m, uint32_t vm, uint32_t gpa,
                           uint32_t *hpa);

/* The hypervisor's tables, for the shadow/EPT pane. */
typedef struct hv_shadow_page_view {
    uint32_t hfn, gfn;
    uint8_t level; /* 2: shadows a directory; 1: a table */
    bool direct, wp, unsync, root, current_root;
} hv_shadow_page_view;
/* Shadow mode: the i-th shadow page in use (0..); false past the last. */
bool hv_machine_shadow_page(const hv_machine *m, uint32_t vm, uint32_t i,
                            hv_shadow_page_view *out);
/* Whether writes to guest frame gfn trap now (shadow mode). */
bool hv_machine_gfn_write_protected(const hv_machine *m, uint32_t vm,
                                    uint32_t gfn);
/* Nested mode: the host-physical address of the top nested table, its
 * number of levels (4 EPT, 2 NPT) and entry size in bytes (8 or 4). */
bool hv_machine_nested_root(const hv_machine *m, uint32_t vm, uint32_t *hpa,
                            uint32_t *levels, uint32_t *entry_size);
/* Nested mode, for lessons that show violations and misconfigurations:
 * the hypervisor writes the nested-table entry of `level` (1 = the leaf)
 * on the path of gpa, mapping the path first, then invalidates the TLB
 * (INVEPT). Errors: HV_ERR_ARG (not nested, level out of range, gpa not
 * RAM). */
hv_err hv_machine_nested_set_entry(hv_machine *m, uint32_t vm, uint32_t gpa,
                                   uint32_t level, uint64_t value);

#endif
