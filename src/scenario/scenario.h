/* hvlab scenarios: the public API of the loader and the step runner.
 *
 * A scenario is one JSON file (docs/scenario-format.md, the schema in
 * scenarios/schema.json). This library turns it into engine configs and a
 * step script, and runs that script against an hv_machine (DESIGN.md §1:
 * it owns every error message about bad input, with the JSON path and the
 * line). It never calls exit() and never prints: errors go into an
 * hv_scn_diags list that the caller prints.
 *
 * The stages, each usable alone:
 *   hv_scn_parse / hv_scn_load  JSON text -> hv_scn (pure: no files, no
 *                               processes; what the fuzzer drives)
 *   hv_scn_assemble             assemble every VM's guest with NASM, read
 *                               its labels and line map, resolve labels
 *   hv_scn_config               an hv_config for one paging mode, refusing
 *                               what the engine cannot run yet
 *   hv_scn_runner_*             run the steps on a machine, evaluate
 *                               checkpoints and questions
 */
#ifndef HV_SCENARIO_H
#define HV_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hv.h"

/* --- errors ---------------------------------------------------------------- */

typedef enum hv_scn_err {
    HV_SCN_OK = 0,
    HV_SCN_ERR_INPUT,  /* the scenario (or its guest) is bad: see the diags */
    HV_SCN_ERR_NOMEM,  /* an allocation failed */
    HV_SCN_ERR_ENGINE, /* the engine refused a call (a bug, or a limit) */
} hv_scn_err;

const char *hv_scn_strerror(hv_scn_err err);

/* One message: FILE:LINE:COL: PATH: MSG. line/col are 1-based, 0 when
 * unknown; path is NULL when no JSON value is concerned. */
typedef struct hv_scn_diag {
    char *file;
    uint32_t line, col;
    char *path;
    char *msg; /* one line */
} hv_scn_diag;

/* A list of messages. At most HV_SCN_MAX_DIAGS are kept; `dropped` counts
 * the rest. */
#define HV_SCN_MAX_DIAGS 100
typedef struct hv_scn_diags {
    hv_scn_diag *v;
    size_t n, cap;
    size_t dropped;
} hv_scn_diags;

void hv_scn_diags_init(hv_scn_diags *d);
void hv_scn_diags_free(hv_scn_diags *d);
/* Prints the messages, one `FILE:LINE:COL: PATH: message` line each,
 * ordered by position within a file: all of them, or the first `max`
 * (0: all), the last printed line then saying how many more there are. */
void hv_scn_diags_print(const hv_scn_diags *d, FILE *f, size_t max);
/* Formats one message as hv_scn_diags_print does, without the newline. */
int hv_scn_diag_format(const hv_scn_diag *g, char *buf, size_t len);

/* --- the scenario --------------------------------------------------------- */

/* Where something was written: line/col of the value (1-based) and its
 * JSON path ("$.steps[2].until"). */
typedef struct hv_scn_loc {
    uint32_t line, col;
    const char *path;
} hv_scn_loc;

/* A number the author wrote as a JSON integer, a numeric string ("0x1000")
 * or a guest symbol ("first_read", "VA_DATA+4"), resolved by
 * hv_scn_assemble. */
typedef struct hv_scn_value {
    uint64_t v;
    const char *symbol; /* NULL for a plain number */
    int64_t offset;     /* symbol + offset */
    bool resolved;
    hv_scn_loc loc;
} hv_scn_value;

/* Devices a VM may list (docs/scenario-format.md). */
enum {
    HV_SCN_DEV_UART = 1u << 0,
    HV_SCN_DEV_EXIT_PORT = 1u << 1,
};

typedef struct hv_scn_symbol {
    const char *name;
    uint32_t value;
    bool is_label; /* a label in a section; false for an EQU */
} hv_scn_symbol;

typedef struct hv_scn_line {
    uint32_t addr; /* first byte this source line emitted */
    uint32_t line; /* line in the guest's main file */
} hv_scn_line;

/* What hv_scn_assemble made of a VM's guest. */
typedef struct hv_scn_guest {
    const char *path; /* as NASM was given it (messages name it) */
    uint8_t *image;
    size_t image_len;
    uint32_t origin; /* NASM's program origin (org) */
    hv_scn_symbol *syms; /* sorted by name */
    size_t nsyms;
    hv_scn_line *lines; /* sorted by address */
    size_t nlines;
} hv_scn_guest;

typedef struct hv_scn_vm {
    const char *name;
    uint32_t ram_bytes;
    const char *guest;      /* as written: relative to the scenario */
    const char *guest_path; /* joined with the scenario's directory */
    hv_scn_value load, entry;
    bool has_entry;
    uint32_t devices; /* HV_SCN_DEV_* */
    bool dma_engine;  /* an assigned DMA engine, requester ID dma_bdf */
    uint16_t dma_bdf;
    bool has_devices;
    hv_scn_loc loc, guest_loc, devices_loc;
    hv_scn_guest *asm_out; /* after hv_scn_assemble */
} hv_scn_vm;

typedef enum hv_scn_until_kind {
    HV_SCN_RUN_NONE = 0, /* the step does not run the guest */
    HV_SCN_RUN_INSNS,    /* "instructions": N */
    HV_SCN_RUN_LABEL,    /* "until": {"label": ...} */
    HV_SCN_RUN_ADDRESS,  /* "until": {"address": ...} */
    HV_SCN_RUN_EVENT,    /* "until": {"event": ...} */
    HV_SCN_RUN_EXIT,     /* "until": "exit" */
} hv_scn_until_kind;

typedef struct hv_scn_field_match {
    int field; /* 0..3: a..d of hv_event */
    hv_scn_value value;
} hv_scn_field_match;

typedef struct hv_scn_until {
    hv_scn_until_kind kind;
    uint32_t vm; /* which VM (label, address, event) */
    bool any_vm; /* an event from any VM */
    uint64_t instructions;
    hv_scn_value at; /* label or address */
    int event;       /* hv_event_type */
    hv_scn_field_match fields[5];
    uint32_t nfields;
    uint64_t count; /* the Nth time (label, address, event) */
    hv_scn_loc loc;
} hv_scn_until;

typedef enum hv_scn_check_kind {
    HV_SCN_CHECK_COUNTER = 0,
    HV_SCN_CHECK_REGISTER,
    HV_SCN_CHECK_ENTRY,
    HV_SCN_CHECK_TLB,
    HV_SCN_CHECK_CONSOLE,
    HV_SCN_CHECK_EXIT,
    HV_SCN_CHECK_MEMORY,
} hv_scn_check_kind;

/* A numeric comparison: (actual & mask) == equals, or min <= actual <= max. */
typedef struct hv_scn_cmp {
    bool has_eq, has_min, has_max, has_mask;
    hv_scn_value eq, min, max, mask;
} hv_scn_cmp;

/* Registers a checkpoint or an answer may read. */
typedef enum hv_scn_reg {
    HV_SCN_REG_EAX = 0, HV_SCN_REG_EBX, HV_SCN_REG_ECX, HV_SCN_REG_EDX,
    HV_SCN_REG_ESI, HV_SCN_REG_EDI, HV_SCN_REG_EBP, HV_SCN_REG_ESP,
    HV_SCN_REG_EIP, HV_SCN_REG_EFLAGS, HV_SCN_REG_CR0, HV_SCN_REG_CR2,
    HV_SCN_REG_CR3, HV_SCN_REG_CR4, HV_SCN_REG_CS, HV_SCN_REG_DS,
    HV_SCN_REG_SS, HV_SCN_REG__COUNT
} hv_scn_reg;
const char *hv_scn_reg_name(hv_scn_reg reg);

/* Page-table entry bits (SDM Vol 3A §4.3) as checkpoints name them. */
enum {
    HV_SCN_PG_P = 1u << 0, HV_SCN_PG_RW = 1u << 1, HV_SCN_PG_US = 1u << 2,
    HV_SCN_PG_PWT = 1u << 3, HV_SCN_PG_PCD = 1u << 4, HV_SCN_PG_A = 1u << 5,
    HV_SCN_PG_D = 1u << 6, HV_SCN_PG_PS = 1u << 7, HV_SCN_PG_G = 1u << 8,
};

typedef enum hv_scn_console_op {
    HV_SCN_CONSOLE_CONTAINS = 0,
    HV_SCN_CONSOLE_EQUALS,
    HV_SCN_CONSOLE_EXCLUDES,
} hv_scn_console_op;

typedef struct hv_scn_check {
    hv_scn_check_kind kind;
    const char *name; /* as written, or NULL */
    uint32_t vm;
    bool step_scope; /* counter, console: since the step began */
    const char *counter;
    hv_scn_reg reg;
    int level;      /* entry: 1 = PDE, 2 = PTE */
    hv_scn_value va; /* entry, tlb */
    bool has_cr3;
    hv_scn_value cr3; /* entry: which directory (default: CR3 now) */
    uint32_t set, clear; /* entry, tlb: HV_SCN_PG_* that must be 1 / 0 */
    bool has_frame;
    hv_scn_value frame; /* entry, tlb */
    bool present;       /* tlb */
    hv_scn_console_op console_op;
    const char *text;
    hv_vm_exit_reason exit_reason;
    bool has_status;
    hv_scn_value status;
    hv_scn_value addr; /* memory (guest-physical) */
    uint32_t size;     /* memory: 1, 2 or 4 */
    hv_scn_cmp cmp;
    hv_scn_loc loc;
} hv_scn_check;

typedef enum hv_scn_qkind {
    HV_SCN_Q_CHOICE = 0,
    HV_SCN_Q_NUMBER,
} hv_scn_qkind;

/* Where a numeric answer comes from when the run computes it. */
typedef struct hv_scn_source {
    bool is_register;
    const char *counter;
    bool step_scope;
    hv_scn_reg reg;
    uint32_t vm;
    hv_scn_loc loc;
} hv_scn_source;

typedef struct hv_scn_question {
    const char *id;
    hv_scn_qkind kind;
    const char *prompt;
    const char *const *choices;
    uint32_t nchoices;
    uint32_t answer_choice; /* index into choices */
    bool has_answer;
    double answer; /* number */
    double tolerance;
    bool has_from;
    hv_scn_source from;
    const char *unit;
    const char *explanation;
    hv_scn_loc loc, answer_loc;
} hv_scn_question;

/* Panes a step may focus (the TUI's lecture layout). */
typedef enum hv_scn_focus {
    HV_SCN_FOCUS_NONE = 0, HV_SCN_FOCUS_CODE, HV_SCN_FOCUS_PAGE_TABLES,
    HV_SCN_FOCUS_SHADOW, HV_SCN_FOCUS_EPT, HV_SCN_FOCUS_WALK,
    HV_SCN_FOCUS_TLB, HV_SCN_FOCUS_HOST_MEMORY, HV_SCN_FOCUS_EXITS,
    HV_SCN_FOCUS_COUNTERS, HV_SCN_FOCUS_CONSOLE, HV_SCN_FOCUS__COUNT
} hv_scn_focus;
const char *hv_scn_focus_name(hv_scn_focus focus);

typedef struct hv_scn_step {
    const char *id; /* as written, or NULL */
    const char *title;
    const char *narration; /* Markdown */
    hv_scn_focus focus;
    /* Console input queued for a VM's UART before the step runs. */
    const char *input; /* NULL: none */
    uint32_t input_len, input_vm;
    hv_scn_until until;
    hv_scn_check *checks;
    uint32_t nchecks;
    hv_scn_question *questions;
    uint32_t nquestions;
    hv_scn_loc loc;
} hv_scn_step;

typedef struct hv_scn_arena hv_scn_arena;

typedef struct hv_scn {
    const char *file; /* as given to the loader */
    const char *dir;  /* its directory: guests are relative to it */
    const char *title, *summary, *lesson;
    hv_paging paging;
    uint64_t host_mem_bytes; /* 0: as the VMs need */
    hv_tlb_config tlb;
    hv_cost_model cost;
    hv_shadow_config shadow; /* used when paging is shadow */
    hv_nested_config nested; /* used when paging is nested */
    bool vpid; /* hypervisor modes: VPID-tagged TLB entries */
    uint64_t seed;
    uint32_t quantum;
    uint32_t cpu_mhz;       /* modelled cycles per microsecond */
    bool uart_line_timing;  /* the UART sends at its baud rate */
    bool iommu;             /* an IOMMU in front of assigned devices */
    uint64_t max_instructions; /* per step */
    hv_scn_vm *vms;
    uint32_t nvms;
    hv_scn_step *steps;
    uint32_t nsteps;
    hv_scn_loc paging_loc, vms_loc;
    hv_scn_arena *arena; /* owns everything above */
    void *refs;          /* symbolic values to resolve (internal) */
} hv_scn;

/* Text from a scenario (a title) fit for one terminal line, as every
 * message shows it: control characters and the like escaped, at most 120
 * characters kept. buf holds HV_SCN_SHOW_LINE_LEN bytes; returns buf. */
#define HV_SCN_SHOW_LINE_LEN (120 * 6 + 8)
const char *hv_scn_show_line(const char *s, char *buf);

/* Parses scenario text. `file` names it in messages and anchors guest
 * paths. Touches no file and starts no process. On HV_SCN_ERR_INPUT *out
 * is NULL and `d` says why. */
hv_scn_err hv_scn_parse(const char *file, const char *text, size_t len,
                        hv_scn **out, hv_scn_diags *d);
/* Reads `path` and parses it. */
hv_scn_err hv_scn_load(const char *path, hv_scn **out, hv_scn_diags *d);
void hv_scn_free(hv_scn *s);

/* Assembles every VM's guest (nasm -f bin; the guest's directory and
 * `include_dir` on the include path), reads its labels and line map, and
 * resolves every symbolic value. NASM's messages come back in `d` with
 * the guest's file and line. */
hv_scn_err hv_scn_assemble(hv_scn *s, const char *include_dir,
                           hv_scn_diags *d);

/* Fills `cfg` for a run in `paging` mode. Refuses (HV_SCN_ERR_INPUT, with
 * a "not implemented yet" message) what the engine cannot run yet. The
 * config points into `s` (names, images): keep `s` alive while creating
 * the machine. */
hv_scn_err hv_scn_config(const hv_scn *s, hv_paging paging, hv_config *cfg,
                         hv_scn_diags *d);
/* Whether a paging mode, and several VMs, can run today (a switch kept for
 * what the engine does not run yet; all true since the engine runs shadow,
 * nested and several VMs). */
bool hv_scn_paging_ready(hv_paging paging);
bool hv_scn_multi_vm_ready(void);
/* Whether hvlab can run `s` under `paging` today; when not, `why` says
 * what is not implemented yet (hv_scn_config refuses it with that). */
bool hv_scn_runnable(const hv_scn *s, hv_paging paging, char *why,
                     size_t len);

/* Counter names a checkpoint may use: hv_counter_names() and
 * "vm_exits/REASON" for each exit reason; NULL-terminated. */
const char *const *hv_scn_counter_names(void);

/* The guest source line of an address ("guest.asm:57"), or false. */
bool hv_scn_addr_line(const hv_scn_guest *g, uint32_t addr, uint32_t *line);
/* A guest symbol by name, or NULL. */
const hv_scn_symbol *hv_scn_symbol_find(const hv_scn_guest *g,
                                        const char *name);

/* --- running the steps ----------------------------------------------------- */

typedef enum hv_scn_outcome {
    HV_SCN_STEP_DONE = 0,     /* ran as far as it said (or had no run) */
    HV_SCN_STEP_NOT_REACHED,  /* the VM ended before its until held */
    HV_SCN_STEP_LIMIT,        /* machine.max_instructions ended the run */
    HV_SCN_STEP_BAD_GUEST,    /* the guest did what hvlab refuses */
} hv_scn_outcome;

typedef struct hv_scn_check_result {
    bool ok;
    char expected[160];
    char actual[200];
} hv_scn_check_result;

typedef struct hv_scn_answer {
    bool known;      /* a value exists (written or computed) */
    double value;    /* the answer the run holds to be right */
    bool computed;   /* from answer_from */
    bool ok;         /* false when a written answer disagrees */
    char text[200];  /* the answer in words, for reports */
} hv_scn_answer;

typedef struct hv_scn_step_result {
    hv_scn_outcome outcome;
    char detail[512]; /* why a step was not reached, or "" */
    uint64_t instructions; /* executed during this step */
    uint32_t eip;          /* of the step's VM when the step ended */
    uint32_t nfailed;      /* failed checkpoints + disagreeing answers */
    hv_scn_check_result *checks;  /* one per checkpoint */
    hv_scn_answer *answers;       /* one per question */
} hv_scn_step_result;

typedef struct hv_scn_runner hv_scn_runner;

/* A runner walks `s`'s steps in order on `m` (made from hv_scn_config). */
hv_scn_err hv_scn_runner_create(const hv_scn *s, hv_machine *m,
                                hv_scn_runner **out);
void hv_scn_runner_destroy(hv_scn_runner *r);
/* Runs the next step, then evaluates its checkpoints and answers. `res`
 * is filled (free it with hv_scn_step_result_free). Returns
 * HV_SCN_ERR_ENGINE when the engine failed. */
hv_scn_err hv_scn_runner_step(hv_scn_runner *r, hv_scn_step_result *res);
/* Index of the next step to run (== nsteps when done). */
uint32_t hv_scn_runner_next(const hv_scn_runner *r);
void hv_scn_step_result_free(hv_scn_step_result *res);

/* Evaluates one checkpoint on the machine now; `base` is the counter and
 * console state when the step began (NULL: total scope only). */
typedef struct hv_scn_baseline {
    hv_counters counters;
    size_t console_len[HV_MAX_VMS];
} hv_scn_baseline;
void hv_scn_baseline_take(hv_machine *m, hv_scn_baseline *b);
void hv_scn_check_eval(const hv_scn_check *c, hv_machine *m,
                       const hv_scn_baseline *base, hv_scn_check_result *out);
/* Computes a question's answer (answer_from) and holds a written answer to
 * it. */
void hv_scn_answer_eval(const hv_scn_question *q, hv_machine *m,
                        const hv_scn_baseline *base, hv_scn_answer *out);
/* Whether a student's response is right: for a choice, the choice's text
 * (case and surrounding blanks ignored), its letter (a, b, ...) or its
 * number (1, 2, ...); for a number, a decimal or 0x number within the
 * tolerance of `answer` (the run's, from hv_scn_answer_eval). */
bool hv_scn_question_accepts(const hv_scn_question *q,
                             const hv_scn_answer *answer,
                             const char *response);

/* A step's run condition in words ("until label first_read"). */
void hv_scn_until_describe(const hv_scn *s, const hv_scn_until *u, char *buf,
                           size_t len);
/* A checkpoint's name: its "name", else "checkpoints[i]". A name with a
 * control character, or longer than 60 characters, comes back escaped
 * and cut in `buf` (it goes into one-line failure messages). */
const char *hv_scn_check_label(const hv_scn_check *c, uint32_t i, char *buf,
                               size_t len);

#endif
