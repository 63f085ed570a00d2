/* hvlab scenarios: what the loader's files share (not for other layers). */
#ifndef SCN_INTERNAL_H
#define SCN_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "scenario.h"
#include "scn_jsonpos.h"

/* --- arena (scn_arena.c): everything a scenario owns ----------------------- */

hv_scn_arena *scn_arena_new(void);
void scn_arena_free(hv_scn_arena *a);
/* Zeroed, 16-byte aligned; NULL when out of memory. */
void *scn_alloc(hv_scn_arena *a, size_t size);
char *scn_strdup(hv_scn_arena *a, const char *s);
char *scn_strndup(hv_scn_arena *a, const char *s, size_t n);
char *scn_sprintf(hv_scn_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- diagnostics (scn_diag.c) ---------------------------------------------- */

/* Adds a message; returns false when out of memory. */
bool scn_diag_add(hv_scn_diags *d, const char *file, uint32_t line,
                  uint32_t col, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
bool scn_diag_vadd(hv_scn_diags *d, const char *file, uint32_t line,
                   uint32_t col, const char *path, const char *fmt,
                   va_list ap);

/* --- text from the scenario in a message (scn_diag.c) --------------------- */

/* How much of a string from the scenario (a key, a value, a label, a
 * name) a message echoes: the first SCN_SHOW_CHARS characters, then "…". */
#define SCN_SHOW_CHARS 60
/* A buffer that holds SCN_SHOW_CHARS characters escaped (6 bytes each at
 * most: \u009B), the "…" and the NUL. */
#define SCN_SHOW_LEN (SCN_SHOW_CHARS * 6 + 8)

/* The one way text from the scenario or a guest goes into a message:
 * s[0..n) fit for one line of a terminal. A control character (C0, DEL,
 * C1), a line separator or a bidi override is escaped (\n, \t, \r,
 * \x1B, \u009B, \u202E), as are a byte that is not UTF-8 (\xFF), a
 * backslash and a double quote, so nothing the author wrote can end the
 * line, colour it or forge the next one. At most `max` characters are
 * kept: the first ones, or the last ones with `tail`, "…" marking the
 * cut. Always NUL-terminates buf (len >= 8); returns buf. */
char *scn_escape(const char *s, size_t n, size_t max, bool tail, char *buf,
                 size_t len);
/* scn_escape of the NUL-terminated s with SCN_SHOW_CHARS into buf
 * (SCN_SHOW_LEN bytes); scn_show_path keeps the end (a file's name). */
const char *scn_show_in(const char *s, char *buf);
const char *scn_show_path(const char *s, char *buf);
/* Whether s would come out of scn_escape unchanged with `max`. */
bool scn_is_plain(const char *s, size_t max);

/* --- suggestions (scn_suggest.c) ------------------------------------------- */

/* The name in `names` (NULL-terminated) closest to `word`, if it is close
 * enough to be a likely typo; else NULL. */
const char *scn_suggest(const char *word, const char *const *names);
/* Same over an array of `n` strings spaced `stride` bytes apart (the name
 * pointer at the start of each element). */
const char *scn_suggest_strided(const char *word, const void *base, size_t n,
                                size_t stride);
/* Writes "a, b, c" (at most `len` bytes). */
void scn_join(const char *const *names, char *buf, size_t len);

/* --- the loader's context and typed getters (scn_get.c) ------------------- */

typedef struct scn_ctx {
    const char *file;
    const char *text;
    size_t len;
    scn_posmap *map;
    hv_scn_diags *diags;
    hv_scn_arena *arena;
    hv_scn *s;
    bool oom;
    size_t errors;
    /* The object scn_object last checked and its allowed keys: a missing
     * required key is reported unless an unknown key looks like it. */
    const cJSON *last_obj;
    const char *const *last_allowed;
} scn_ctx;

/* A JSON value and its path. `j` is NULL when the key is absent. */
typedef struct scn_node {
    const cJSON *j;
    const char *path;
} scn_node;

scn_node scn_member(scn_ctx *c, scn_node obj, const char *key);
scn_node scn_elem(scn_ctx *c, scn_node arr, size_t i);
hv_scn_loc scn_loc(scn_ctx *c, scn_node n);

/* An error at a value (or at its key with at_key). */
void scn_err(scn_ctx *c, scn_node n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void scn_err_key(scn_ctx *c, scn_node n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void scn_err_loc(scn_ctx *c, const hv_scn_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *scn_type_name(const cJSON *j);
/* scn_escape of `s` with SCN_SHOW_CHARS, kept in the scenario's arena:
 * for a message's '%s' (a NUL-terminated string). */
const char *scn_show(scn_ctx *c, const char *s);

/* Checks that `n` is an object whose keys are all in `allowed`
 * (NULL-terminated; "$schema" and "$comment" are always allowed). An
 * unknown key is an error at the key with a suggestion. Returns false
 * when `n` is not an object. */
bool scn_object(scn_ctx *c, scn_node n, const char *const *allowed);

/* Whether member `key` (v) of `obj` is there; when it is not and is
 * `required`, an error at `obj`. */
bool scn_need(scn_ctx *c, scn_node obj, scn_node v, const char *key,
              bool required);

/* Getters. Each reads member `key` of object `obj`. It returns true when
 * the key is present and its value is right; false when it is absent (an
 * error if `required`) or wrong (an error naming the path). */
bool scn_get_str(scn_ctx *c, scn_node obj, const char *key, bool required,
                 const char **out);
/* A string, or an array of strings joined with newlines (Markdown). */
bool scn_get_text(scn_ctx *c, scn_node obj, const char *key, bool required,
                  const char **out);
bool scn_get_bool(scn_ctx *c, scn_node obj, const char *key, bool required,
                  bool *out);
bool scn_get_u64(scn_ctx *c, scn_node obj, const char *key, bool required,
                 uint64_t min, uint64_t max, uint64_t *out);
/* Bytes: an integer, or a string with a K/M/G suffix (powers of 1024). */
bool scn_get_size(scn_ctx *c, scn_node obj, const char *key, bool required,
                  uint64_t min, uint64_t max, uint64_t align, uint64_t *out);
/* A 32-bit value: an integer, a numeric string, or a guest symbol (with
 * an optional +N / -N), resolved later against VM `vm`. */
bool scn_get_value(scn_ctx *c, scn_node obj, const char *key, bool required,
                   uint32_t vm, bool label_only, hv_scn_value *out);
bool scn_node_value(scn_ctx *c, scn_node n, uint32_t vm, bool label_only,
                    hv_scn_value *out);
bool scn_get_number(scn_ctx *c, scn_node obj, const char *key, bool required,
                    double *out);
/* One of `names` (NULL-terminated); *out is its index. `what` names the
 * kind in messages ("a paging mode"). */
bool scn_get_enum(scn_ctx *c, scn_node obj, const char *key, bool required,
                  const char *what, const char *const *names, int *out);
bool scn_node_enum(scn_ctx *c, scn_node n, const char *what,
                   const char *const *names, int *out);
bool scn_get_array(scn_ctx *c, scn_node obj, const char *key, bool required,
                   size_t min, size_t max, scn_node *out, size_t *n);
/* A VM by name ("vm": "guest1"); absent means VM 0. */
bool scn_get_vm(scn_ctx *c, scn_node obj, uint32_t *out);

/* Parses "0x1F", "31", "1_000" (underscores between digits); false if it
 * is not a number. */
bool scn_parse_uint(const char *s, uint64_t *out);

/* Symbol references to resolve after assembling (scn_resolve.c). */
bool scn_ref_add(scn_ctx *c, hv_scn_value *v, uint32_t vm, bool label_only);
void scn_refs_free(void *refs);

/* --- the parts of a scenario (scn_load.c, scn_steps.c, scn_checks.c,
 *     scn_questions.c) ------------------------------------------------------- */

void scn_parse_steps(scn_ctx *c, scn_node root);
void scn_parse_until(scn_ctx *c, scn_node step, hv_scn_until *u);
void scn_parse_check(scn_ctx *c, scn_node n, hv_scn_check *k);
void scn_parse_question(scn_ctx *c, scn_node n, hv_scn_question *q);
/* A register name (eax .. ss); the same names answer_from reads. */
extern const char *const scn_reg_names[];

/* --- guests (scn_asm.c) ------------------------------------------------------ */

/* Assembles `path`; on failure adds a message at `where` holding NASM's
 * output. */
hv_scn_err scn_asm_guest(hv_scn_arena *a, const char *path,
                         const char *include_dir, const char *scn_file,
                         const hv_scn_loc *where, hv_scn_diags *d,
                         hv_scn_guest **out);
void scn_asm_free(hv_scn_guest *g);

/* Parsers of NASM's map file and listing, kept apart for tests. */
bool scn_asm_parse_map(hv_scn_arena *a, const char *text, hv_scn_guest *g);
bool scn_asm_parse_listing(hv_scn_arena *a, const char *text,
                           hv_scn_guest *g, const char *map_text);

#endif
