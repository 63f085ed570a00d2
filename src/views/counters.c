/* hvlab views: the counters of DESIGN.md §5 (folds over the event stream,
 * by their JSON names), what the last step added to each (+N, marked),
 * VM exits by reason, and a bar chart of modelled cycles by cause.
 */
#include <stdio.h>
#include <string.h>

#include "views/vbuf.h"

/* Counters that only a shadowing hypervisor moves. */
static bool shadow_only(const char *name)
{
    static const char *const names[] = {
        "sw_walk_refs",      "hidden_faults", "pt_write_traps",
        "emulated_writes",   "shadow_zaps",   "root_cache_hits",
        "root_cache_misses", "shadow_pages",  "shadow_pages_peak"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

static void counter_line(vbuf *b, const char *name, uint64_t now,
                         uint64_t before, bool marks, int col2)
{
    char n[32], d[32];
    vb_line_start(b, CLR_NORMAL, " ");
    vb_add(b, CLR_LABEL, "%-18s", name);
    vb_add(b, CLR_NORMAL, "%*s", col2, vb_num(now, n, sizeof n));
    if (marks && now != before) {
        vb_add(b, CLR_NORMAL, " ");
        vb_add(b, CLR_CHANGED, "+%s", vb_num(now - before, d, sizeof d));
    }
}

static void counters_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    int width = getmaxx(win);
    vb_init(&b, v->theme, width);
    bool marks = s->step > 0;
    bool all = v->flags & VIEW_FLAG_ALL;
    snprintf(v->subtitle, sizeof v->subtitle, "+N: the last step%s",
             all ? "" : " (a: all)");
    const char *const *names = hv_counter_names();
    for (size_t i = 0; names[i]; i++) {
        uint64_t now = 0, before = 0;
        hv_counter_get(&s->ctr, names[i], &now);
        hv_counter_get(&s->prev_ctr, names[i], &before);
        if (!all && !now && shadow_only(names[i]) &&
            s->paging != HV_PAGING_SHADOW)
            continue;
        if (!all && !now && strncmp(names[i], "pwc_", 4) == 0 &&
            !hv_machine_config(s->m)->nested.pwc)
            continue;
        if (!all && strcmp(names[i], "events") == 0)
            continue;
        counter_line(&b, names[i], now, before, marks, 12);
        if (strcmp(names[i], "vm_exits") == 0) {
            /* By reason, the keys of the JSON report. */
            for (int r = 0; r < HV_EXIT__COUNT; r++) {
                uint64_t c = s->ctr.exits_by_reason[r],
                         p = s->prev_ctr.exits_by_reason[r];
                if (!c)
                    continue;
                char label[40];
                snprintf(label, sizeof label, "  %s",
                         hv_exit_key_name((hv_exit_key)r));
                counter_line(&b, label, c, p, marks, 12);
            }
        }
    }

    /* Cycles by cause. */
    uint64_t total = s->ctr.cycles, max = 1;
    for (int c = 0; c < HV_CYC__COUNT; c++)
        if (hv_snapshot_cause(s, (hv_cause)c, false) > max)
            max = hv_snapshot_cause(s, (hv_cause)c, false);
    vb_line_start(&b, CLR_LABEL, " modelled cycles by cause");
    int barw = width - 20 - 14;
    if (barw > 40)
        barw = 40;
    for (int c = 0; c < HV_CYC__COUNT; c++) {
        uint64_t now = hv_snapshot_cause(s, (hv_cause)c, false);
        uint64_t before = hv_snapshot_cause(s, (hv_cause)c, true);
        if (!now && !all)
            continue;
        char n[32], name[20];
        snprintf(name, sizeof name, "%.17s", hv_cause_name((hv_cause)c));
        vb_line_start(&b, CLR_NORMAL, " %-18s", name);
        int len = barw > 0 ? (int)((double)now * barw / (double)max + 0.5) : 0;
        if (now && len < 1 && barw > 0)
            len = 1;
        if (len > 0) {
            char bar[40 * 4 + 1] = "";
            for (int k = 0; k < len && k < 40; k++)
                strcat(bar, v->theme->glyph[GL_BLOCK]);
            vb_add(&b, CLR_BAR, "%s", bar);
        }
        vb_add(&b, CLR_NORMAL, " %s", vb_num(now, n, sizeof n));
        if (total)
            vb_add(&b, CLR_DIM, " %.0f%%", 100.0 * (double)now / (double)total);
        if (marks && now != before)
            vb_add(&b, CLR_CHANGED, " +%s", vb_num(now - before, n, sizeof n));
    }
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_counters = {
    .title = "Counters",
    .min_w = 34,
    .min_h = 3,
    .draw = counters_draw,
    .handle_key = hv_view_default_key,
};
