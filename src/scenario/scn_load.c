/* hvlab scenarios: reading a scenario file, the two passes over its text,
 * and the top level: title, machine, VMs (docs/scenario-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scn_internal.h"

/* The largest scenario file read (a deeply nested 200 MB file must still
 * get a proper message, so this is generous). */
#define SCN_MAX_FILE (1ull << 30)

static const char *const top_keys[] = {"title", "summary", "lesson",
                                       "machine", "vms", "steps", NULL};
static const char *const machine_keys[] = {
    "paging", "host_memory", "tlb", "costs", "shadow", "nested", "seed",
    "quantum", "max_instructions", "vpid", "cpu_mhz", "uart_line_timing",
    "iommu", NULL};
static const char *const shadow_keys[] = {"max_pages", "root_cache",
                                          "flood_threshold", "unsync", NULL};
static const char *const nested_keys[] = {"npt", "ad", "lazy", "pwc", NULL};
static const char *const tlb_keys[] = {"entries", "ways", "policy", NULL};
static const char *const paging_names[] = {"native", "shadow", "nested", NULL};
static const char *const policy_names[] = {"lru", "fifo", "random", NULL};
static const char *const vm_keys[] = {"name", "ram", "guest", "load",
                                      "entry", "devices", "dma_engine", NULL};
static const char *const device_names[] = {"uart", "exit_port", NULL};

/* The cost model's fields, by name, as hv_cost_model holds them. */
#define SCN_COST_LIST(X)                                                      \
    X(insn) X(tlb_miss) X(walk_ref) X(exception) X(priv_insn) X(io_access)    \
    X(vm_exit) X(emulation) X(sw_walk_ref) X(irq_inject)
static const char *const cost_keys[] = {
#define SCN_COST_NAME(f) #f,
    SCN_COST_LIST(SCN_COST_NAME)
#undef SCN_COST_NAME
    NULL};

static void parse_costs(scn_ctx *c, scn_node m)
{
    scn_node n = scn_member(c, m, "costs");
    if (!n.j || !scn_object(c, n, cost_keys))
        return;
    uint64_t v;
#define SCN_COST_GET(f)                                                       \
    if (scn_get_u64(c, n, #f, false, 0, 1000000, &v))                         \
        c->s->cost.f = (uint32_t)v;
    SCN_COST_LIST(SCN_COST_GET)
#undef SCN_COST_GET
}

static void parse_tlb(scn_ctx *c, scn_node m)
{
    scn_node n = scn_member(c, m, "tlb");
    if (!n.j || !scn_object(c, n, tlb_keys))
        return;
    hv_tlb_config *t = &c->s->tlb;
    uint64_t v;
    bool e = false, w = false;
    if ((e = scn_get_u64(c, n, "entries", false, 1, 65536, &v)))
        t->entries = (uint32_t)v;
    if ((w = scn_get_u64(c, n, "ways", false, 1, 65536, &v)))
        t->ways = (uint32_t)v;
    int p;
    if (scn_get_enum(c, n, "policy", false, "a TLB policy", policy_names, &p))
        t->policy = (hv_tlb_policy)p;
    if (e || w) {
        uint32_t sets = t->ways ? t->entries / t->ways : 0;
        scn_node at = scn_member(c, n, w ? "ways" : "entries");
        if (t->ways > t->entries || t->entries % t->ways)
            scn_err(c, at, "%u entries cannot be %u-way: entries must be a "
                           "multiple of ways", t->entries, t->ways);
        else if (sets & (sets - 1))
            scn_err(c, at, "%u entries in %u ways make %u sets; the number "
                           "of sets must be a power of two", t->entries,
                    t->ways, sets);
    }
}

/* Policies of the hypervisor modes (docs/shadow.md, docs/nested.md); a
 * mode that is not the one run ignores the other's. */
static void parse_modes(scn_ctx *c, scn_node m)
{
    scn_node n = scn_member(c, m, "shadow");
    uint64_t v;
    if (n.j && scn_object(c, n, shadow_keys)) {
        hv_shadow_config *sh = &c->s->shadow;
        if (scn_get_u64(c, n, "max_pages", false, 4, 65536, &v))
            sh->max_pages = (uint32_t)v;
        if (scn_get_u64(c, n, "root_cache", false, 1, 16, &v))
            sh->root_cache = (uint32_t)v;
        if (scn_get_u64(c, n, "flood_threshold", false, 0, 1000000, &v))
            sh->flood_threshold = (uint32_t)v;
        scn_get_bool(c, n, "unsync", false, &sh->unsync);
    }
    n = scn_member(c, m, "nested");
    if (n.j && scn_object(c, n, nested_keys)) {
        scn_get_bool(c, n, "npt", false, &c->s->nested.npt);
        scn_get_bool(c, n, "ad", false, &c->s->nested.ad);
        scn_get_bool(c, n, "lazy", false, &c->s->nested.lazy);
        if (scn_get_u64(c, n, "pwc", false, 0, 1024, &v))
            c->s->nested.pwc = (uint32_t)v;
    }
    scn_get_bool(c, m, "vpid", false, &c->s->vpid);
}

static void parse_machine(scn_ctx *c, scn_node root)
{
    scn_node m = scn_member(c, root, "machine");
    if (!m.j || !scn_object(c, m, machine_keys))
        return;
    hv_scn *s = c->s;
    int p;
    s->paging_loc = scn_loc(c, scn_member(c, m, "paging"));
    if (scn_get_enum(c, m, "paging", false, "a paging mode", paging_names, &p))
        s->paging = (hv_paging)p;
    scn_get_size(c, m, "host_memory", false, 2u << 20, 1u << 30, 4096,
                 &s->host_mem_bytes);
    parse_tlb(c, m);
    parse_costs(c, m);
    parse_modes(c, m);
    scn_get_u64(c, m, "seed", false, 0, UINT64_MAX, &s->seed);
    uint64_t v;
    if (scn_get_u64(c, m, "quantum", false, 1, 1000000000, &v))
        s->quantum = (uint32_t)v;
    scn_get_u64(c, m, "max_instructions", false, 1, 1000000000000ull,
                &s->max_instructions);
    if (scn_get_u64(c, m, "cpu_mhz", false, 1, 100000, &v))
        s->cpu_mhz = (uint32_t)v;
    scn_get_bool(c, m, "uart_line_timing", false, &s->uart_line_timing);
    scn_get_bool(c, m, "iommu", false, &s->iommu);
}

static bool vm_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (!len || len > 15)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static const char *join_dir(scn_ctx *c, const char *dir, const char *path)
{
    if (strcmp(dir, ".") == 0)
        return scn_strdup(c->arena, path);
    return scn_sprintf(c->arena, "%s/%s", dir, path);
}

/* A guest is named relative to the scenario and stays inside the
 * scenario's directory, so a lesson is one directory that can move (or be
 * handed to a student) whole, and a scenario cannot point NASM at an
 * arbitrary file of the machine it is checked on. The test is on the text
 * of the path: "guest/../guest/a.asm" is fine, "../a.asm" is not. (A
 * guest's own %include and incbin are NASM's business, not this one.) */
static void check_guest_path(scn_ctx *c, scn_node gn, const char *path)
{
    if (path[0] == '/') {
        scn_err(c, gn,
                "'%s' is an absolute path: name the guest relative "
                "to the scenario's directory (e.g. \"guest/x.asm\")",
                scn_show(c, path));
        return;
    }
    long depth = 0;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            depth--;
        else if (n && !(n == 1 && p[0] == '.'))
            depth++;
        if (depth < 0) {
            scn_err(c, gn,
                    "'%s' leaves the scenario's directory: a guest lives "
                    "in it or below it (e.g. \"guest/x.asm\")",
                    scn_show(c, path));
            return;
        }
        p += n;
        p += *p == '/';
    }
}

static void parse_devices(scn_ctx *c, scn_node vn, hv_scn_vm *vm)
{
    scn_node arr;
    size_t n;
    if (!scn_get_array(c, vn, "devices", false, 0, 16, &arr, &n))
        return;
    vm->has_devices = true;
    vm->devices_loc = scn_loc(c, arr);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        scn_node e = scn_elem(c, arr, i);
        int d;
        if (!scn_node_enum(c, e, "a known device", device_names, &d)) {
            ok = false;
            continue;
        }
        if (vm->devices & (1u << d))
            scn_err(c, e, "device '%s' is listed twice", device_names[d]);
        vm->devices |= 1u << d;
    }
    /* The engine attaches every device to every VM (hv_vm_config has no
     * device list): a list that leaves one out would describe a machine
     * that is not the one run, so it is refused here, where `hvlab check`
     * sees it, rather than when the run starts. */
    const uint32_t all = HV_SCN_DEV_UART | HV_SCN_DEV_EXIT_PORT;
    if (ok && vm->devices != all) {
        const char *missing = !(vm->devices & HV_SCN_DEV_UART) &&
                                      !(vm->devices & HV_SCN_DEV_EXIT_PORT)
                                  ? "uart and exit_port"
                              : !(vm->devices & HV_SCN_DEV_UART) ? "uart"
                                                                 : "exit_port";
        scn_err(c, arr,
                "leaves out %s: every VM has uart and exit_port "
                "(hvlab cannot take a device away yet); list both, "
                "or leave devices out",
                missing);
    }
}

/* "dma_engine": "BB:DD.F": the VM owns an assigned DMA engine with that
 * requester ID (PCI bus, device 0-31, function 0-7; docs/devices.md). */
static void parse_dma_engine(scn_ctx *c, scn_node vn, uint32_t i)
{
    hv_scn_vm *vm = &c->s->vms[i];
    const char *bdf;
    if (!scn_get_str(c, vn, "dma_engine", false, &bdf))
        return;
    unsigned bus, dev, fn;
    char end;
    if (sscanf(bdf, "%2x:%2x.%1x%c", &bus, &dev, &fn, &end) != 3 ||
        strlen(bdf) != 7 || dev > 31 || fn > 7) {
        scn_err(c, scn_member(c, vn, "dma_engine"),
                "'%s' is not a bus/device/function: write BB:DD.F in hex, "
                "device 00-1f, function 0-7 (e.g. \"00:03.0\")",
                scn_show(c, bdf));
        return;
    }
    vm->dma_engine = true;
    vm->dma_bdf = (uint16_t)(bus << 8 | dev << 3 | fn);
    /* One device, one owner: a requester ID selects one IOMMU context
     * (VFIO assigns a device's group to one VM). */
    for (uint32_t k = 0; k < i; k++)
        if (c->s->vms[k].dma_engine && c->s->vms[k].dma_bdf == vm->dma_bdf)
            scn_err(c, scn_member(c, vn, "dma_engine"),
                    "%s is already assigned to VM '%s': a device belongs to "
                    "one VM",
                    scn_show(c, bdf), scn_show(c, c->s->vms[k].name));
}

static void parse_vm(scn_ctx *c, scn_node vn, uint32_t i)
{
    hv_scn_vm *vm = &c->s->vms[i];
    vm->loc = scn_loc(c, vn);
    vm->name = scn_sprintf(c->arena, "vm%u", i);
    vm->ram_bytes = 16u << 20;
    vm->load.v = 0x1000;
    vm->load.resolved = true;
    if (!scn_object(c, vn, vm_keys))
        return;
    const char *name;
    if (scn_get_str(c, vn, "name", false, &name)) {
        scn_node nn = scn_member(c, vn, "name");
        if (!vm_name_ok(name))
            scn_err(c, nn,
                    "'%s' is not a VM name (1 to 15 letters, digits, "
                    "'_' or '-')",
                    scn_show(c, name));
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(c->s->vms[k].name, name) == 0)
                scn_err(c, nn, "two VMs are named '%s'", scn_show(c, name));
        vm->name = name;
    }
    uint64_t ram;
    if (scn_get_size(c, vn, "ram", false, 2u << 20, 1u << 30, 4096, &ram))
        vm->ram_bytes = (uint32_t)ram;
    vm->guest_loc = scn_loc(c, scn_member(c, vn, "guest"));
    if (scn_get_str(c, vn, "guest", true, &vm->guest)) {
        check_guest_path(c, scn_member(c, vn, "guest"), vm->guest);
        vm->guest_path = join_dir(c, c->s->dir, vm->guest);
        if (!vm->guest_path)
            c->oom = true;
    }
    scn_node ln = scn_member(c, vn, "load");
    if (ln.j && scn_node_value(c, ln, i, false, &vm->load) &&
        vm->load.symbol) {
        scn_err(c, ln, "the load address must be a number (the guest is "
                       "placed there before its labels mean anything)");
        vm->load.symbol = NULL;
    }
    if (vm->load.resolved && vm->load.v % 4096)
        scn_err(c, ln, "the load address must be 4 KiB aligned");
    vm->has_entry = scn_get_value(c, vn, "entry", false, i, false, &vm->entry);
    parse_devices(c, vn, vm);
    parse_dma_engine(c, vn, i);
}

static void parse_vms(scn_ctx *c, scn_node root)
{
    scn_node arr;
    size_t n;
    c->s->vms_loc = scn_loc(c, scn_member(c, root, "vms"));
    if (!scn_get_array(c, root, "vms", true, 1, HV_MAX_VMS, &arr, &n))
        return;
    c->s->vms = scn_alloc(c->arena, n * sizeof *c->s->vms);
    if (!c->s->vms) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        c->s->nvms = (uint32_t)i + 1;
        parse_vm(c, scn_elem(c, arr, i), (uint32_t)i);
    }
    uint64_t ram = 0;
    for (uint32_t i = 0; i < c->s->nvms; i++)
        ram += c->s->vms[i].ram_bytes;
    if (c->s->paging == HV_PAGING_NATIVE && n > 1)
        scn_err(c, arr, "a native machine has no hypervisor and runs one VM; "
                        "several VMs need paging \"shadow\" or \"nested\"");
    if (c->s->host_mem_bytes && c->s->host_mem_bytes < ram)
        scn_err(c, scn_member(c, scn_member(c, root, "machine"),
                              "host_memory"),
                "host memory (%llu MiB) cannot hold the VMs' RAM (%llu MiB)",
                (unsigned long long)(c->s->host_mem_bytes >> 20),
                (unsigned long long)(ram >> 20));
}

static void parse_root(scn_ctx *c, const cJSON *root)
{
    scn_node r = {root, "$"};
    if (!cJSON_IsObject(root)) {
        scn_err(c, r, "a scenario is a JSON object, not %s",
                scn_type_name(root));
        return;
    }
    scn_object(c, r, top_keys);
    scn_get_str(c, r, "title", true, &c->s->title);
    scn_get_str(c, r, "summary", true, &c->s->summary);
    scn_get_str(c, r, "lesson", false, &c->s->lesson);
    parse_machine(c, r);
    parse_vms(c, r);
    scn_parse_steps(c, r);
}

static void defaults(hv_scn *s)
{
    hv_config cfg;
    hv_config_default(&cfg);
    s->paging = cfg.paging;
    s->tlb = cfg.tlb;
    s->cost = cfg.cost;
    s->shadow = cfg.shadow;
    s->nested = cfg.nested;
    s->vpid = cfg.vpid;
    s->seed = cfg.seed;
    s->quantum = cfg.quantum;
    s->cpu_mhz = cfg.cpu_mhz;
    s->uart_line_timing = cfg.uart_line_timing;
    s->max_instructions = 50000000;
}

/* The two passes over text[0..len) (text[len] == 0). */
static hv_scn_err parse_text(scn_ctx *c, const char *text, size_t len)
{
    size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text + skip, len - skip, &end,
                                            false);
    scn_scan_error se;
    scn_scan_rc rc = scn_scan(text, len, &c->map, &se);
    if (rc == SCN_SCAN_NOMEM) {
        cJSON_Delete(root);
        return HV_SCN_ERR_NOMEM;
    }
    if (rc == SCN_SCAN_SYNTAX || !root) {
        uint32_t line, col;
        size_t off = rc == SCN_SCAN_SYNTAX ? se.off
                     : end                 ? (size_t)(end - text)
                                           : 0;
        scn_linecol(text, len, off, &line, &col);
        bool ok = rc == SCN_SCAN_SYNTAX
                      ? scn_diag_add(c->diags, c->file, line, col,
                                     se.path ? se.path : "$", "%s", se.msg)
                      : scn_diag_add(c->diags, c->file, line, col, "$",
                                     "invalid JSON here");
        free(se.path);
        cJSON_Delete(root);
        return ok ? HV_SCN_ERR_INPUT : HV_SCN_ERR_NOMEM;
    }
    parse_root(c, root);
    cJSON_Delete(root);
    if (c->oom)
        return HV_SCN_ERR_NOMEM;
    return c->errors ? HV_SCN_ERR_INPUT : HV_SCN_OK;
}

static hv_scn_err parse_owned(const char *file, const char *text, size_t len,
                              hv_scn **out, hv_scn_diags *d)
{
    *out = NULL;
    scn_linecol_forget();
    hv_scn_arena *a = scn_arena_new();
    hv_scn *s = a ? scn_alloc(a, sizeof *s) : NULL;
    if (!s) {
        scn_arena_free(a);
        return HV_SCN_ERR_NOMEM;
    }
    s->arena = a;
    defaults(s);
    s->file = scn_strdup(a, file);
    const char *slash = strrchr(file, '/');
    s->dir = slash ? scn_strndup(a, file, slash == file ? 1 : (size_t)(slash - file))
                   : scn_strdup(a, ".");
    scn_ctx c = {.file = file, .text = text, .len = len, .diags = d,
                 .arena = a, .s = s};
    hv_scn_err err = !s->file || !s->dir ? HV_SCN_ERR_NOMEM
                                         : parse_text(&c, text, len);
    scn_posmap_free(c.map);
    if (err) {
        hv_scn_free(s);
        return err;
    }
    *out = s;
    return HV_SCN_OK;
}

hv_scn_err hv_scn_parse(const char *file, const char *text, size_t len,
                        hv_scn **out, hv_scn_diags *d)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return HV_SCN_ERR_NOMEM;
    memcpy(copy, text, len);
    copy[len] = 0;
    hv_scn_err err = parse_owned(file, copy, len, out, d);
    free(copy);
    return err;
}

hv_scn_err hv_scn_load(const char *path, hv_scn **out, hv_scn_diags *d)
{
    *out = NULL;
    struct stat st;
    const char *why = NULL;
    /* stat() first: opening a FIFO would block until someone writes. */
    FILE *f = NULL;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        why = "is not a regular file";
    else if (!(f = fopen(path, "rb")))
        why = strerror(errno);
    else if (fstat(fileno(f), &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = "is a directory, not a scenario file";
    else if (!S_ISREG(st.st_mode))
        why = "is not a regular file";
    else if ((uint64_t)st.st_size > SCN_MAX_FILE)
        why = "is larger than 1 GiB: not a scenario";
    if (why) {
        if (f)
            fclose(f);
        return scn_diag_add(d, path, 0, 0, NULL, "cannot read: %s", why)
                   ? HV_SCN_ERR_INPUT
                   : HV_SCN_ERR_NOMEM;
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len + 1);
    if (!buf) {
        fclose(f);
        return HV_SCN_ERR_NOMEM;
    }
    size_t got = fread(buf, 1, len, f);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return scn_diag_add(d, path, 0, 0, NULL, "cannot read: I/O error")
                   ? HV_SCN_ERR_INPUT
                   : HV_SCN_ERR_NOMEM;
    }
    buf[got] = 0;
    hv_scn_err e = parse_owned(path, buf, got, out, d);
    free(buf);
    return e;
}

void hv_scn_free(hv_scn *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nvms; i++)
        scn_asm_free(s->vms[i].asm_out);
    scn_refs_free(s->refs);
    scn_arena_free(s->arena);
}
