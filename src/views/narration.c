/* hvlab views: the narration. With a scenario, the current step's Markdown
 * (headings, emphasis, lists, inline code and code blocks), wrapped to
 * the pane. With a bare guest there is none: the pane says so and shows
 * what the guest printed on its console.
 */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

/* Appends one word, wrapping to the buffer's width. */
static void word(vbuf *b, hv_role role, const char *w, size_t len, int indent)
{
    char tmp[VB_TEXT];
    if (len >= sizeof tmp)
        len = sizeof tmp - 1;
    memcpy(tmp, w, len);
    tmp[len] = 0;
    int cols = vb_cols(b);
    if (cols > indent && cols + 1 + vb_strcols(tmp) > b->width)
        vb_line_start(b, CLR_NORMAL, "%*s", indent, "");
    else if (cols > indent)
        vb_add(b, CLR_NORMAL, " ");
    vb_add(b, role, "%s", tmp);
}

/* Inline Markdown: `code`, **strong** and *emphasis* (or _emphasis_). */
static void inline_md(vbuf *b, const char *p, int indent, hv_role base)
{
    hv_role role = base;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - s);
        /* Markers at either end of the word switch the role. */
        hv_role r = role;
        while (len && (*s == '`' || *s == '*' || *s == '_')) {
            r = *s == '`' ? CLR_CODE : CLR_EMPH;
            role = r;
            s++;
            len--;
            if (len && s[0] == '*')
                s++, len--;
        }
        bool closes = false;
        while (len &&
               (s[len - 1] == '`' || s[len - 1] == '*' || s[len - 1] == '_')) {
            len--;
            closes = true;
        }
        if (len)
            word(b, r, s, len, indent);
        if (closes)
            role = base;
    }
}

static void markdown(vbuf *b, const char *md, size_t focus_off)
{
    const char *p = md;
    bool code = false, focused = focus_off == 0;
    while (*p) {
        if (!focused && (size_t)(p - md) >= focus_off) {
            /* The next line is the first to keep in sight. */
            focused = true;
            b->focus = b->n;
        }
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[VB_TEXT];
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = 0;
        p += len + (nl ? 1 : 0);
        if (strncmp(line, "```", 3) == 0) {
            code = !code;
            continue;
        }
        if (code) {
            vb_line_start(b, CLR_CODE, "    %s", line);
            continue;
        }
        if (!line[0]) {
            vb_line_start(b, CLR_NORMAL, "%s", "");
            continue;
        }
        if (line[0] == '#') {
            const char *h = line;
            while (*h == '#')
                h++;
            while (*h == ' ')
                h++;
            vb_line_start(b, CLR_HEADING, "%s", h);
            continue;
        }
        if ((line[0] == '-' || line[0] == '*') && line[1] == ' ') {
            vb_line_start(b, CLR_NORMAL, " %s ", b->theme->glyph[GL_DOT]);
            inline_md(b, line + 2, 3, CLR_NORMAL);
            continue;
        }
        vb_line_start(b, CLR_NORMAL, "%s", "");
        inline_md(b, line, 0, CLR_NORMAL);
    }
}

static void console_tail(vbuf *b, const hv_snapshot *s, int lines)
{
    const char *c = s->vm.console ? s->vm.console : "";
    size_t n = s->vm.console_len;
    /* The last `lines` lines of what the guest printed. */
    size_t start = n;
    int seen = 0;
    while (start > 0 && seen <= lines) {
        start--;
        if (c[start] == '\n' && start + 1 < n)
            seen++;
    }
    if (seen > lines)
        start++;
    const char *p = c + start;
    while (p < c + n) {
        const char *nl = memchr(p, '\n', (size_t)(c + n - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(c + n - p);
        char line[VB_TEXT];
        size_t o = 0;
        for (size_t i = 0; i < len && o < sizeof line - 1; i++)
            line[o++] = (p[i] >= 32 && p[i] < 127) ? p[i] : '.';
        line[o] = 0;
        vb_line_start(b, CLR_IO, "  %s", line);
        p += len + (nl ? 1 : 0);
    }
}

static void narration_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    if (s->narration) {
        snprintf(v->subtitle, sizeof v->subtitle, "step %d/%d%s%s",
                 s->step_index + 1, s->step_count, s->step_title ? " · " : "",
                 s->step_title ? s->step_title : "");
        markdown(&b, s->narration, s->narration_focus);
        b.focus_top = true;
    } else {
        snprintf(v->subtitle, sizeof v->subtitle, "bare guest: no scenario");
        vb_line_start(&b, CLR_DIM, "No narration for a bare guest. ");
        vb_add(&b, CLR_NORMAL,
               "space steps, m runs to the next TLB miss, x to the "
               "next exit, r runs, ? lists every key.");
        vb_line_start(&b, CLR_LABEL, "Console (%zu bytes):", s->vm.console_len);
        console_tail(&b, s, getmaxy(win));
    }
    if (!s->narration)
        b.focus = b.n - 1;
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_narration = {
    .title = "Narration",
    .min_w = 30,
    .min_h = 2,
    .draw = narration_draw,
    .handle_key = hv_view_scroll_key,
};
