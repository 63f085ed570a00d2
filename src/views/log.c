/* hvlab views: the I/O and exits log. Events in the engine's one text
 * format (hv_event_format_text: the same words as --trace), newest at the
 * bottom. By default the events a person follows (port I/O decoded by the
 * device, VM exits with their reason and cause, faults, CR writes, the
 * hypervisor's shadow and nested work); `a` adds every TLB lookup, walk
 * reference and A/D update. Events of the last step are marked *.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"
#include "views/virtq.h"

#define MAX_SHOWN 2000

static hv_role role_of(const hv_event *e)
{
    switch ((hv_event_type)e->type) {
    case HV_EV_VM_EXIT:
    case HV_EV_WORLD_SWITCH: return CLR_EXIT;
    case HV_EV_IO_IN:
    case HV_EV_IO_OUT:
    case HV_EV_MMIO_READ:
    case HV_EV_MMIO_WRITE:
    case HV_EV_IRQ:
    case HV_EV_INTERRUPT:
    case HV_EV_HALT_IDLE:
    case HV_EV_CONSOLE_IN:
    case HV_EV_CONSOLE: return CLR_IO;
    case HV_EV_GUEST_FAULT:
    case HV_EV_TRIPLE_FAULT:
    case HV_EV_NESTED_FAULT:
    case HV_EV_INJECT:
    case HV_EV_GUEST_ERROR:
    case HV_EV_VM_END: return CLR_FAULT;
    case HV_EV_EMULATED_WRITE:
    case HV_EV_SHADOW_WRPROT: return CLR_WP_TRAP;
    case HV_EV_SHADOW_UNSYNC:
    case HV_EV_SHADOW_RESYNC: return CLR_UNSYNC;
    case HV_EV_SHADOW_ALLOC:
    case HV_EV_SHADOW_ZAP:
    case HV_EV_SHADOW_FILL:
    case HV_EV_NESTED_FILL:
    case HV_EV_ROOT_SWITCH: return CLR_NESTED;
    case HV_EV_TLB_HIT: return CLR_TLB_HIT;
    case HV_EV_TLB_FILL: return CLR_TLB_FILL;
    case HV_EV_TLB_EVICT:
    case HV_EV_TLB_FLUSH:
    case HV_EV_TLB_INVLPG: return CLR_TLB_EVICT;
    default: return CLR_NORMAL;
    }
}

/* The engine's line is "#SEQ vmN NAME FIELDS  (NOTE)". The note is what
 * a person reads first (`IN 0x3FD LSR -> 0x60 (THRE)`), so it moves to
 * the front: "#SEQ NAME  NOTE  FIELDS", without "vm0" (one VM). */
static void reorder(const char *text, char *out, size_t len)
{
    const char *note = strstr(text, "  (");
    const char *sp1 = strchr(text, ' ');
    const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    const char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;
    size_t tl = strlen(text);
    bool vm0 = sp1 && strncmp(sp1 + 1, "vm0 ", 4) == 0;
    if (!note || !sp3 || note < sp3 || text[tl - 1] != ')') {
        if (vm0)
            snprintf(out, len, "%.*s%s", (int)(sp1 - text), text, sp1 + 4);
        else
            snprintf(out, len, "%s", text);
        return;
    }
    const char *name = vm0 ? sp2 + 1 : sp1 + 1;
    snprintf(out, len, "%.*s %.*s  %.*s  %.*s", (int)(sp1 - text), text,
             (int)(sp3 - name), name, (int)(text + tl - 1 - (note + 3)),
             note + 3, (int)(note - (sp3 + 1)), sp3 + 1);
}

static void log_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    vb_init(&b, v->theme, getmaxx(win));
    bool all = v->flags & VIEW_FLAG_ALL;
    uint64_t total = all ? s->nall : s->nnotable;
    size_t cap = all ? s->all_cap : s->notable_cap;
    size_t n = total < cap ? (size_t)total : cap;
    if (n > MAX_SHOWN)
        n = MAX_SHOWN;
    char num[32];
    snprintf(v->subtitle, sizeof v->subtitle, "%s · %s events%s",
             all ? "every event" : "I/O, exits, faults (a: all)",
             vb_num(total, num, sizeof num), total > n ? ", latest shown" : "");
    if (!n)
        vb_line_start(&b, CLR_DIM,
                      "nothing yet: step with space, or run with r");
    for (size_t i = n; i-- > 0;) {
        hv_event e;
        if (!hv_snapshot_recent(s, !all, i, &e))
            continue;
        char text[256], shown[300];
        hv_event_format_text(&e, text, sizeof text);
        reorder(text, shown, sizeof shown);
        bool now = hv_snapshot_in_step(s, &e);
        hv_role r = role_of(&e);
        vb_line_start(&b, CLR_NORMAL, "%s ",
                      now ? v->theme->glyph[GL_CHANGED] : " ");
        vb_add(&b, r, "%s", shown);
    }
    hv_view_virtq_lines(&b, s); /* the rings, under the newest events */
    b.focus = b.n - 1;
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_log = {
    .title = "Exits and I/O",
    .min_w = 40,
    .min_h = 3,
    .draw = log_draw,
    .handle_key = hv_view_default_key,
};
