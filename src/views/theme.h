/* hvlab views: colours by meaning, and the glyphs that carry the meaning
 * without colour (STYLE.md practice 10).
 *
 * A role names what a piece of text is (a TLB hit, a write-protect trap),
 * never a colour. Each scheme maps every role to curses attributes: dark
 * (the terminal's own background), light (black on white, for projectors)
 * and monochrome (bold, reverse and underline only; chosen when the
 * terminal has no colours or NO_COLOR is set). Meaning never rests on
 * colour alone: every highlighted thing also has a marker glyph or a word,
 * so a monochrome screen and a tmux capture read the same.
 */
#ifndef HV_VIEWS_THEME_H
#define HV_VIEWS_THEME_H

#include <curses.h>
#include <stdbool.h>

/* X(ID, dark fg, dark bg, dark attrs, light fg, light bg, light attrs,
 *   monochrome attrs); -1 is the terminal's default colour. */
/* clang-format off */
#define CLR_LIST(X)                                                                           \
    X(NORMAL, -1, -1, 0, COLOR_BLACK, COLOR_WHITE, 0, 0)                                      \
    X(DIM, COLOR_BLUE, -1, A_BOLD, COLOR_BLUE, COLOR_WHITE, 0, A_DIM)                          \
    X(LABEL, COLOR_CYAN, -1, 0, COLOR_BLUE, COLOR_WHITE, A_BOLD, 0)                           \
    X(BORDER, COLOR_BLUE, -1, 0, COLOR_BLUE, COLOR_WHITE, 0, 0)                               \
    X(BORDER_FOCUS, COLOR_YELLOW, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD)         \
    X(TITLE, COLOR_CYAN, -1, A_BOLD, COLOR_BLUE, COLOR_WHITE, A_BOLD, A_BOLD)                 \
    X(TITLE_FOCUS, COLOR_BLACK, COLOR_YELLOW, A_BOLD, COLOR_WHITE, COLOR_RED, A_BOLD,         \
      A_REVERSE | A_BOLD)                                                                     \
    X(STATUS, COLOR_BLACK, COLOR_CYAN, 0, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE)         \
    X(KEYBAR, COLOR_WHITE, COLOR_BLUE, 0, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE)              \
    X(KEYBAR_KEY, COLOR_YELLOW, COLOR_BLUE, A_BOLD, COLOR_RED, COLOR_CYAN, A_BOLD,            \
      A_REVERSE | A_BOLD)                                                                     \
    X(CURRENT, COLOR_BLACK, COLOR_GREEN, A_BOLD, COLOR_WHITE, COLOR_GREEN, A_BOLD,            \
      A_REVERSE | A_BOLD)                                                                     \
    X(USED, COLOR_BLACK, COLOR_CYAN, 0, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_UNDERLINE | A_BOLD) \
    X(CHANGED, COLOR_BLACK, COLOR_YELLOW, A_BOLD, COLOR_BLACK, COLOR_YELLOW, A_BOLD,          \
      A_REVERSE)                                                                              \
    X(TLB_HIT, COLOR_GREEN, -1, A_BOLD, COLOR_GREEN, COLOR_WHITE, A_BOLD, A_BOLD)             \
    X(TLB_FILL, COLOR_BLACK, COLOR_YELLOW, A_BOLD, COLOR_BLACK, COLOR_YELLOW, A_BOLD,         \
      A_REVERSE)                                                                              \
    X(TLB_EVICT, COLOR_RED, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_UNDERLINE)          \
    X(EXIT, COLOR_MAGENTA, -1, A_BOLD, COLOR_MAGENTA, COLOR_WHITE, A_BOLD, A_BOLD)            \
    X(FAULT, COLOR_RED, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD | A_UNDERLINE)     \
    X(IO, COLOR_GREEN, -1, 0, COLOR_GREEN, COLOR_WHITE, 0, 0)                                 \
    X(WP_TRAP, COLOR_RED, -1, 0, COLOR_RED, COLOR_WHITE, 0, A_UNDERLINE)                      \
    X(UNSYNC, COLOR_YELLOW, -1, A_BOLD, COLOR_MAGENTA, COLOR_WHITE, A_BOLD, A_BOLD)           \
    X(NESTED, COLOR_MAGENTA, -1, 0, COLOR_MAGENTA, COLOR_WHITE, 0, 0)                         \
    X(GOOD, COLOR_GREEN, -1, A_BOLD, COLOR_GREEN, COLOR_WHITE, A_BOLD, A_BOLD)                \
    X(BAD, COLOR_RED, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD | A_UNDERLINE)       \
    X(HEADING, COLOR_YELLOW, -1, A_BOLD, COLOR_BLUE, COLOR_WHITE, A_BOLD, A_BOLD | A_UNDERLINE) \
    X(EMPH, COLOR_WHITE, -1, A_BOLD, COLOR_BLACK, COLOR_WHITE, A_BOLD, A_BOLD)                \
    X(CODE, COLOR_GREEN, -1, 0, COLOR_MAGENTA, COLOR_WHITE, 0, A_UNDERLINE)                   \
    X(BAR, COLOR_CYAN, -1, 0, COLOR_BLUE, COLOR_WHITE, 0, 0)                                  \
    X(WARN, COLOR_YELLOW, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD)                 \
    X(HOST_FREE, COLOR_BLUE, -1, 0, COLOR_BLUE, COLOR_WHITE, 0, A_DIM)                        \
    X(HOST_HYP, COLOR_MAGENTA, -1, A_BOLD, COLOR_MAGENTA, COLOR_WHITE, A_BOLD, A_BOLD)        \
    X(HOST_RAM, COLOR_GREEN, -1, 0, COLOR_GREEN, COLOR_WHITE, 0, 0)                           \
    X(HOST_SHADOW, COLOR_YELLOW, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD)          \
    X(HOST_EPT, COLOR_CYAN, -1, A_BOLD, COLOR_BLUE, COLOR_WHITE, A_BOLD, A_BOLD)              \
    X(HOST_DEVICE, COLOR_RED, -1, A_BOLD, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD)             \
    X(HOST_RESERVED, COLOR_WHITE, -1, 0, COLOR_BLACK, COLOR_WHITE, 0, A_DIM)
/* clang-format on */

typedef enum hv_role {
#define CLR_ENUM(id, dfg, dbg, dat, lfg, lbg, lat, mat) CLR_##id,
    CLR_LIST(CLR_ENUM)
#undef CLR_ENUM
        CLR__COUNT
} hv_role;

typedef enum hv_scheme {
    HV_SCHEME_DARK = 0,
    HV_SCHEME_LIGHT = 1,
    HV_SCHEME_MONO = 2,
    HV_SCHEME__COUNT
} hv_scheme;

/* Glyphs: UTF-8 when the locale can show them, ASCII otherwise. Each
 * carries a meaning the text around it also says in words. */
typedef enum hv_glyph {
    GL_CURRENT, /* ▶  the current instruction / entry */
    GL_USED,    /* ◆  used by the last walk / filled this step */
    GL_CHANGED, /* *  changed this step */
    GL_ARROW,   /* →  maps to */
    GL_BACK,    /* ←  came from */
    GL_BLOCK,   /* █  a bar */
    GL_UP,      /* ▲  more above */
    GL_DOWN,    /* ▼  more below */
    GL_DOT,     /* ·  nothing here */
    GL_OK,      /* ✓ */
    GL_NO,      /* ✗ */
    GL__COUNT
} hv_glyph;

typedef struct hv_theme {
    hv_scheme scheme;
    bool lecture; /* bold everything: for projectors */
    bool utf8;
    attr_t attr[CLR__COUNT];
    const char *glyph[GL__COUNT];
} hv_theme;

/* Fills `t` for `scheme` (after initscr/start_color when colours are
 * available). A colour scheme on a terminal without colours, or with
 * NO_COLOR set, becomes monochrome. `utf8`: glyphs may be non-ASCII. */
void hv_theme_init(hv_theme *t, hv_scheme scheme, bool lecture, bool utf8);
/* Whether colours may be used at all (terminal and NO_COLOR). */
bool hv_theme_colour_ok(void);
const char *hv_scheme_name(hv_scheme scheme);

static inline attr_t hv_attr(const hv_theme *t, hv_role r)
{
    return t->attr[r];
}

#endif
