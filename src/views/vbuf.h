/* hvlab views: a line buffer a pane fills and the blitter draws.
 *
 * A pane writes lines of UTF-8 text, each with a role (theme.h) and up to
 * VB_SPANS spans of other roles inside it, and says which line matters
 * most (the current instruction, the entry the walk used). hv_view_blit
 * then shows the part of the buffer that fits: around that line when the
 * pane follows, from v->scroll when the user scrolled, with ▲/▼ where more
 * is hidden, clipped to the width by display columns. Tests read the
 * buffer without curses.
 */
#ifndef HV_VIEWS_VBUF_H
#define HV_VIEWS_VBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "views/view.h"

#define VB_TEXT 384
#define VB_SPANS 10

typedef struct vb_span {
    uint16_t from, to; /* byte offsets in text */
    uint8_t role;
} vb_span;

typedef struct vb_line {
    char text[VB_TEXT];
    uint16_t len;
    uint8_t role; /* the whole line */
    uint8_t nspans;
    vb_span spans[VB_SPANS];
} vb_line;

typedef struct vbuf {
    vb_line *lines;
    int n, cap;
    int focus;      /* the line to keep in sight, -1: none */
    int sticky;     /* the first lines stay put (legends, column heads) */
    bool focus_top; /* the focus line goes to the top, not a third down */
    int width;      /* the width the pane has (for wrapping, bars) */
    const hv_theme *theme;
} vbuf;

void vb_init(vbuf *b, const hv_theme *theme, int width);
void vb_free(vbuf *b);
/* Starts a new line of `role` with printf text; returns its index. */
int vb_line_start(vbuf *b, hv_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends to the current line, as a span of `role` (CLR_NORMAL: the
 * line's own role, no span). */
void vb_add(vbuf *b, hv_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vb_vadd(vbuf *b, hv_role role, const char *fmt, va_list ap);
/* Appends a glyph (theme.h) as a span. */
void vb_glyph(vbuf *b, hv_role role, hv_glyph g);
/* Pads the current line with spaces to display column col. */
void vb_pad(vbuf *b, int col);
/* Display columns of the current line so far. */
int vb_cols(const vbuf *b);
/* Marks the current line as the one to keep in sight. */
void vb_focus(vbuf *b);
/* Wraps text (words) into lines of the buffer's width, with an indent. */
void vb_wrap(vbuf *b, hv_role role, int indent, const char *text);

/* Draws the buffer into win for view v (scrolling, follow, clipping). */
void hv_view_blit(hv_view *v, const vbuf *b, WINDOW *win);
/* Display columns of a UTF-8 string. */
int vb_strcols(const char *s);
/* Puts UTF-8 text at (y, x) in win, at most maxcols columns. Returns the
 * columns written. */
int vb_put(WINDOW *win, int y, int x, const char *s, int maxcols, attr_t a);

/* Formatting helpers shared by panes. */
/* 1234567 -> "1,234,567" */
const char *vb_num(uint64_t v, char *buf, size_t len);
/* 32-bit x86 entry flags as "PWUADSG" with '.' for clear bits. */
const char *vb_pte_flags(uint32_t e, char buf[8]);

#endif
