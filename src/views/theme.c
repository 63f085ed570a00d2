/* hvlab views: colour schemes and glyphs (theme.h). */
#include <stdlib.h>

#include "views/theme.h"

typedef struct role_style {
    short dfg, dbg;
    attr_t dat;
    short lfg, lbg;
    attr_t lat;
    attr_t mat;
} role_style;

static const role_style styles[CLR__COUNT] = {
#define CLR_STYLE(id, dfg, dbg, dat, lfg, lbg, lat, mat)                       \
    [CLR_##id] = {dfg, dbg, dat, lfg, lbg, lat, mat},
    CLR_LIST(CLR_STYLE)
#undef CLR_STYLE
};

static const char *const glyphs_utf8[GL__COUNT] = {
    [GL_CURRENT] = "\u25b6", [GL_USED] = "\u25c6", [GL_CHANGED] = "*",
    [GL_ARROW] = "\u2192",   [GL_BACK] = "\u2190", [GL_BLOCK] = "\u2588",
    [GL_UP] = "\u25b2",      [GL_DOWN] = "\u25bc", [GL_DOT] = "\u00b7",
    [GL_OK] = "\u2713",      [GL_NO] = "\u2717",
};

static const char *const glyphs_ascii[GL__COUNT] = {
    [GL_CURRENT] = ">", [GL_USED] = "#",  [GL_CHANGED] = "*", [GL_ARROW] = "->",
    [GL_BACK] = "<-",   [GL_BLOCK] = "#", [GL_UP] = "^",      [GL_DOWN] = "v",
    [GL_DOT] = ".",     [GL_OK] = "ok",   [GL_NO] = "X",
};

const char *hv_scheme_name(hv_scheme scheme)
{
    switch (scheme) {
    case HV_SCHEME_DARK: return "dark";
    case HV_SCHEME_LIGHT: return "light";
    case HV_SCHEME_MONO: return "monochrome";
    default: return "?";
    }
}

bool hv_theme_colour_ok(void)
{
    /* https://no-color.org: set and not empty means no colour. */
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    return stdscr && has_colors();
}

/* Colour pairs are shared between roles with the same colours: some
 * terminals have only 64 pairs. Returns the pair number, 0 when full. */
static short pair_for(short fg, short bg, short *fgs, short *bgs, int *n)
{
    for (int i = 0; i < *n; i++)
        if (fgs[i] == fg && bgs[i] == bg)
            return (short)(i + 1);
    if (*n + 1 >= COLOR_PAIRS || *n >= CLR__COUNT)
        return 0;
    fgs[*n] = fg;
    bgs[*n] = bg;
    (*n)++;
    init_pair((short)*n, fg, bg);
    return (short)*n;
}

void hv_theme_init(hv_theme *t, hv_scheme scheme, bool lecture, bool utf8)
{
    if (scheme != HV_SCHEME_MONO && !hv_theme_colour_ok())
        scheme = HV_SCHEME_MONO;
    t->scheme = scheme;
    t->lecture = lecture;
    t->utf8 = utf8;
    for (int g = 0; g < GL__COUNT; g++)
        t->glyph[g] = utf8 ? glyphs_utf8[g] : glyphs_ascii[g];

    short fgs[CLR__COUNT], bgs[CLR__COUNT];
    int npairs = 0;
    for (int r = 0; r < CLR__COUNT; r++) {
        const role_style *s = &styles[r];
        attr_t a;
        if (scheme == HV_SCHEME_MONO) {
            a = s->mat;
        } else {
            bool light = scheme == HV_SCHEME_LIGHT;
            short fg = light ? s->lfg : s->dfg, bg = light ? s->lbg : s->dbg;
            a = light ? s->lat : s->dat;
            short pair = pair_for(fg, bg, fgs, bgs, &npairs);
            a |= COLOR_PAIR(pair);
        }
        if (lecture && r != CLR_DIM)
            a |= A_BOLD;
        t->attr[r] = a;
    }
}
