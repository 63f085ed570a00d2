/* hvlab scenarios: where each JSON value was written.
 *
 * cJSON builds the tree but keeps no positions. scn_scan is a second,
 * iterative pass over the text (an explicit stack, never recursion, so a
 * file nested 200 MB deep cannot overflow the C stack): it checks the
 * syntax strictly (RFC 8259) and records, for every value, the byte
 * offsets of the value and of its key, keyed by the value's JSON path.
 * Paths read `$`, `$.steps[2].until`, `$["odd key"]` (scn_path_key).
 */
#ifndef SCN_JSONPOS_H
#define SCN_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting a scenario may have. */
#define SCN_MAX_DEPTH 256

typedef struct scn_posmap scn_posmap;

typedef struct scn_pos {
    size_t val_off; /* first byte of the value */
    size_t key_off; /* the key's opening quote; == val_off for elements */
} scn_pos;

typedef struct scn_scan_error {
    size_t off;      /* where the text goes wrong */
    char msg[200];
    char *path;      /* malloc'd: the innermost value's path there */
} scn_scan_error;

typedef enum scn_scan_rc {
    SCN_SCAN_OK = 0,
    SCN_SCAN_SYNTAX = 1, /* err is filled */
    SCN_SCAN_NOMEM = 2,
} scn_scan_rc;

/* Scans text[0..len). On SCN_SCAN_OK *map holds every value's position
 * (free with scn_posmap_free). On SCN_SCAN_SYNTAX err is filled (free its
 * path). A duplicate key is a syntax error here. */
scn_scan_rc scn_scan(const char *text, size_t len, scn_posmap **map,
                     scn_scan_error *err);
scn_posmap *scn_posmap_new(void);
void scn_posmap_free(scn_posmap *m);
bool scn_posmap_find(const scn_posmap *m, const char *path, scn_pos *out);
/* Adds `path` (n bytes): 1 added, 0 already there (*dup: its position),
 * -1 out of memory. */
int scn_posmap_insert(scn_posmap *m, const char *path, size_t n, scn_pos pos,
                      scn_pos *dup);
/* Grows *p (of *cap elements of `elem` bytes) to hold `need`. */
bool scn_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Appends the path component of object key `key` (`.key` when the key is
 * an identifier, else `["key"]`) or of element `i` (`[i]`) to the
 * malloc'd string *path of length *len. False when out of memory. */
bool scn_path_key(char **path, size_t *len, size_t *cap, const char *key,
                  size_t keylen);
bool scn_path_index(char **path, size_t *len, size_t *cap, size_t i);

/* The length (1..4) of the valid UTF-8 character at p (avail bytes
 * readable) and its code point in *cp; 0 when the bytes are not UTF-8
 * (overlong, a surrogate, past U+10FFFF, cut short). */
size_t scn_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);
/* Whether code point cp must not reach a terminal as it is: a C0 or C1
 * control or DEL (a newline forges a message line, ESC starts a terminal
 * sequence, U+009B is a one-byte CSI on some terminals), a line or
 * paragraph separator, or a bidirectional override or isolate (they
 * reorder what the reader sees). Paths and messages escape them. */
bool scn_cp_unsafe(uint32_t cp);

/* 1-based line and column (in characters: UTF-8 continuation bytes do not
 * count) of byte `off`. */
/* Forgets the memo of scn_linecol: a new text starts (a buffer may be
 * reused at the same address). */
void scn_linecol_forget(void);
void scn_linecol(const char *text, size_t len, size_t off, uint32_t *line,
                 uint32_t *col);

#endif
