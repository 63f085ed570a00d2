/* hvlab engine: the event stream.
 *
 * Every observable action of the machine is one typed record. The types are
 * declared once, below, as an X-macro: it yields the enum, the names and the
 * field names that the one formatter (text and JSON Lines) uses. Views,
 * counters, the cost model, traces and (later) replays and quizzes all read
 * this one stream (DESIGN.md §2, STYLE.md practice 5).
 */
#ifndef HV_EVENTS_H
#define HV_EVENTS_H

#include <stddef.h>
#include <stdint.h>

/* X(ID, "name", field a, b, c, d, e): a NULL field is unused.
 * Addresses are 32-bit; "access" is an hv_access value; "pa" fields are
 * host-physical in hypervisor modes and guest-physical (= host-physical)
 * in native mode. */
#define HV_EVENT_LIST(X)                                                      \
    X(TLB_HIT, "tlb_hit", "va", "pa", "access", "count", NULL) \
    X(TLB_MISS, "tlb_miss", "va", NULL, "access", NULL, NULL) \
    X(TLB_FILL, "tlb_fill", "va", "pa", "flags", "slot", NULL) \
    X(TLB_EVICT, "tlb_evict", "va", "pa", "flags", "slot", NULL) \
    X(TLB_FLUSH, "tlb_flush", "kind", "dropped", NULL, NULL, NULL) \
    X(TLB_INVLPG, "tlb_invlpg", "va", "dropped", "cause", NULL, NULL) \
    X(WALK_REF, "walk_ref", "level", "table", "index", "entry", NULL) \
    X(SW_WALK_REF, "sw_walk_ref", "level", "table", "index", "entry", NULL) \
    X(NESTED_WALK_REF, "nested_walk_ref", "level", "table", "index", "entry", NULL) \
    X(NESTED_FAULT, "nested_fault", "gpa", "qual", "level", "entry", "qual_hi") \
    X(NESTED_FILL, "nested_fill", "level", "entry_hpa", "entry", "gpa", NULL) \
    X(AD_SET, "ad_set", "level", "entry_pa", "old", "new", NULL) \
    X(GUEST_FAULT, "guest_fault", "vector", "error_code", "cr2", "eip", NULL) \
    X(TRIPLE_FAULT, "triple_fault", "first", "second", NULL, "eip", NULL) \
    X(SOFT_INT, "soft_int", "vector", NULL, NULL, "eip", NULL) \
    X(IRET, "iret", "to_eip", NULL, NULL, "eip", NULL) \
    X(CR_WRITE, "cr_write", "cr", "old", "new", "eip", NULL) \
    X(PRIV_INSN, "priv_insn", "insn", "value", NULL, "eip", NULL) \
    X(IO_IN, "io_in", "port", "size", "value", "reg", NULL) \
    X(IO_OUT, "io_out", "port", "size", "value", "reg", NULL) \
    X(CONSOLE, "console", "byte", NULL, NULL, NULL, NULL) \
    X(GUEST_ERROR, "guest_error", "what", "addr", "value", "eip", NULL) \
    X(VM_END, "vm_end", "reason", "status", NULL, "eip", NULL) \
    X(VM_EXIT, "vm_exit", "reason", "qual", "cause", "eip", "info") \
    X(INJECT, "inject", "vector", "error_code", NULL, "eip", NULL) \
    X(EMULATED_WRITE, "emulated_write", "gpa", "value", "size", "eip", NULL) \
    X(SHADOW_ALLOC, "shadow_alloc", "hfn", "gfn", "role", NULL, NULL) \
    X(SHADOW_ZAP, "shadow_zap", "hfn", "gfn", "role", "why", NULL) \
    X(SHADOW_FILL, "shadow_fill", "level", "spte_hpa", "new", "va", NULL) \
    X(SHADOW_WRPROT, "shadow_wrprot", "gfn", "sptes", NULL, NULL, NULL) \
    X(SHADOW_UNSYNC, "shadow_unsync", "hfn", "gfn", NULL, NULL, NULL) \
    X(SHADOW_RESYNC, "shadow_resync", "hfn", "gfn", "changed", NULL, NULL) \
    X(ROOT_SWITCH, "root_switch", "gfn", "hfn", "hit", NULL, NULL) \
    X(WORLD_SWITCH, "world_switch", "from", "to", NULL, NULL, NULL) \
    X(PWC_HIT, "pwc_hit", "cache", "key", "value", NULL, NULL) \
    X(PWC_MISS, "pwc_miss", "cache", "key", NULL, NULL, NULL) \
    X(MMIO_READ, "mmio_read", "gpa", "size", "value", "reg", "operand") \
    X(MMIO_WRITE, "mmio_write", "gpa", "size", "value", "reg", "operand") \
    X(IRQ, "irq", "irq", "level", NULL, NULL, NULL) \
    X(INTERRUPT, "interrupt", "vector", "irq", "injected", "eip", NULL) \
    X(HALT_IDLE, "halt_idle", "idle", "idle_hi", NULL, "eip", NULL) \
    X(CONSOLE_IN, "console_in", "byte", "queued", NULL, NULL, NULL) \
    X(DMA, "dma", "addr", "len", "write", "hpa", "device") \
    X(IOMMU_FAULT, "iommu_fault", "bdf", "addr", "write", "reason", "len") \
    X(VIRTQ_USED, "virtq_used", "queue", "id", "len", "used_idx", "device") \
    X(NIC_PACKET, "nic_packet", "dir", "len", "page", NULL, "device")

typedef enum hv_event_type {
#define HV_EVENT_ENUM(id, name, a, b, c, d, e) HV_EV_##id,
    HV_EVENT_LIST(HV_EVENT_ENUM)
#undef HV_EVENT_ENUM
        HV_EV__COUNT
} hv_event_type;

/* Memory access kinds, as the MMU and the TLB see them. */
typedef enum hv_access {
    HV_ACC_READ = 0,
    HV_ACC_WRITE = 1,
    HV_ACC_FETCH = 2,
} hv_access;

/* PWC_HIT/PWC_MISS caches: the guest PDE cache (key: VA >> 22, value: the
 * PDE) and the nested TLB (key: GPA >> 12, value: HPA >> 12). */
enum { HV_PWC_PDE = 0, HV_PWC_NESTED = 1 };

/* TLB_FLUSH kinds. */
enum { HV_FLUSH_NONGLOBAL = 0, HV_FLUSH_ALL = 1 };

/* TLB_INVLPG causes: the guest's INVLPG, or the invalidation a page fault
 * makes of the faulting address (SDM Vol 3A §4.10.4.1). */
enum { HV_INVAL_INVLPG = 0, HV_INVAL_PAGE_FAULT = 1, HV_INVAL_SHADOW = 2 };

/* PRIV_INSN kinds: instructions the engine emulates in place. */
enum { HV_PRIV_CPUID = 0, HV_PRIV_RDTSC = 1, HV_PRIV_CR_READ = 2 };

/* GUEST_ERROR kinds: the guest did something the machine refuses; the
 * machine goes on (or ends the VM, for HV_GERR_UNBACKED). */
enum {
    HV_GERR_ROM_WRITE = 0,   /* write to the ROM page: dropped */
    HV_GERR_UNBACKED = 1,    /* access to a guest-physical address with no RAM */
    HV_GERR_BAD_CR = 2,      /* MOV to/from a CR that does not exist: #UD */
    HV_GERR_CR_RESERVED = 3, /* reserved bit set in a CR write: #GP(0) */
    HV_GERR_IO_UNCLAIMED = 4,/* port with no device: reads all ones */
    HV_GERR_UNSUPPORTED = 5, /* an instruction hvlab does not model */
    HV_GERR_DEVICE = 6,      /* a device refused a register access: addr is
                                (device kind << 8 | offset) as IO events'
                                reg, value what was written (or read) */
    HV_GERR_MMIO_UNCLAIMED = 7, /* MMIO page with no register there */
    HV_GERR_DMA = 8,         /* an emulated device's DMA outside the VM's
                                RAM: refused, nothing copied */
};

/* VM exit reasons, as the counters key them (DESIGN.md §5: the VT-x basic
 * reason in lower case, with the CR or the exception after a slash), with
 * the VT-x basic exit reason number (SDM Vol 3C appendix C). */
#define HV_EXIT_LIST(X)                                                       \
    X(EXC_PF, "exception/pf", 0)                                              \
    X(EXT_INTR, "external_interrupt", 1)                                      \
    X(INTR_WINDOW, "interrupt_window", 7)                                     \
    X(TRIPLE_FAULT, "triple_fault", 2)                                        \
    X(CPUID, "cpuid", 10)                                                     \
    X(HLT, "hlt", 12)                                                         \
    X(INVLPG, "invlpg", 14)                                                   \
    X(CR0, "cr_access/cr0", 28)                                               \
    X(CR3, "cr_access/cr3", 28)                                               \
    X(CR4, "cr_access/cr4", 28)                                               \
    X(IO, "io", 30)                                                           \
    X(EPT_VIOLATION, "ept_violation", 48)                                     \
    X(EPT_MISCONFIG, "ept_misconfig", 49)                                     \
    X(NPF, "npf", 0x400)

typedef enum hv_exit_key {
#define HV_EXIT_ENUM(id, name, basic) HV_EXIT_##id,
    HV_EXIT_LIST(HV_EXIT_ENUM)
#undef HV_EXIT_ENUM
        HV_EXIT__COUNT
} hv_exit_key;

const char *hv_exit_key_name(hv_exit_key key);
uint32_t hv_exit_basic_reason(hv_exit_key key);

/* The hypervisor's own sub-cause of an exit (VM_EXIT's `cause`),
 * FIDELITY.md "Shadow paging". */
enum {
    HV_CAUSE_NONE = 0,
    HV_CAUSE_HIDDEN_FAULT = 1, /* the shadow lacked what the guest allows */
    HV_CAUSE_TRUE_FAULT = 2,   /* the guest's tables deny: reflect the #PF */
    HV_CAUSE_WP_TRAP = 3,      /* write to a write-protected guest table */
    HV_CAUSE_DIRTY_BIT = 4,    /* first write through a clean entry */
    HV_CAUSE_MMIO = 5,
    HV_CAUSE_IN_KERNEL = 6, /* an I/O exit the hypervisor's kernel handles
                               (KVM's in-kernel 8259A and PIT): no trip to
                               the user-space device model */
    HV_CAUSE_IOEVENTFD = 7, /* an MMIO write to an ioeventfd (a virtio
                               notify): the kernel signals the device */
};
const char *hv_exit_cause_name(uint32_t cause);

/* IOMMU_FAULT reasons: no context entry for the requester ID, the domain
 * does not map the address, a write to a read-only mapping. */
enum {
    HV_IOMMU_NO_CONTEXT = 0,
    HV_IOMMU_NOT_MAPPED = 1,
    HV_IOMMU_READ_ONLY = 2,
};

/* SHADOW_ZAP reasons. */
enum {
    HV_ZAP_FLOOD = 0,  /* too many emulated writes: unshadowed */
    HV_ZAP_BUDGET = 1, /* over the shadow-page budget: least recently used */
    HV_ZAP_ROOT = 2,   /* a root left the root cache */
};

/* VM_END reasons (also hv_vm_exit_reason). */
typedef enum hv_vm_exit_reason {
    HV_VM_RUNNING = 0,
    HV_VM_EXIT_PORT = 1,
    HV_VM_HALT = 2,
    HV_VM_TRIPLE_FAULT = 3,
    HV_VM_BAD_ACCESS = 4,
    HV_VM_INTERNAL = 5,
} hv_vm_exit_reason;

/* One event. `seq` numbers every event of the machine from 0; `icount` is
 * the machine's instruction count when it happened; `cycles` the modelled
 * cycle count after it was charged. */
typedef struct hv_event {
    uint64_t seq;
    uint64_t icount;
    uint64_t cycles;
    uint16_t type; /* hv_event_type */
    uint8_t vm;
    uint8_t pad;
    uint32_t a, b, c, d, e;
} hv_event;

const char *hv_event_name(hv_event_type type);
/* Field name of field 0..4 (a..e) of `type`, or NULL when unused. */
const char *hv_event_field(hv_event_type type, int field);
/* Look an event type up by name; returns -1 when unknown. */
int hv_event_from_name(const char *name);

/* The one formatter. Text: a human line (`tlb_miss va=0x00801000 ...`);
 * JSON: one JSON object without a newline. Both return what snprintf
 * returns. */
int hv_event_format_text(const hv_event *ev, char *buf, size_t len);
int hv_event_format_json(const hv_event *ev, char *buf, size_t len);

const char *hv_access_name(hv_access access);
const char *hv_vm_exit_reason_name(hv_vm_exit_reason reason);

#endif
