/* hvlab views: host memory, one cell per group of 4 KiB host frames,
 * lettered by owner (DESIGN.md §2: the frame allocator tags every frame).
 * A cell that holds frames of several owners shows the rarest kind among
 * them (a shadow page among RAM frames shows as S), so page-table frames
 * never vanish at small scales. Cells holding a frame the last
 * translation touched (a table it read, the page it reached) are in
 * reverse video; the legend says so in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/vbuf.h"

#define NOWNERS 7

/* Owner -> letter, role, rank (higher wins a shared cell). */
static const struct {
    char letter;
    hv_role role;
    int rank;
    const char *name;
} owners[NOWNERS] = {
    [HV_FRAME_FREE] = {'.', CLR_HOST_FREE, 0, "free"},
    [HV_FRAME_HYPERVISOR] = {'H', CLR_HOST_HYP, 3, "hypervisor"},
    [HV_FRAME_VM_RAM] = {'R', CLR_HOST_RAM, 1, "VM RAM"},
    [HV_FRAME_SHADOW] = {'S', CLR_HOST_SHADOW, 6, "shadow tables"},
    [HV_FRAME_EPT] = {'E', CLR_HOST_EPT, 6, "nested tables"},
    [HV_FRAME_DEVICE] = {'D', CLR_HOST_DEVICE, 5, "device"},
    [HV_FRAME_RESERVED] = {'r', CLR_HOST_RESERVED, 2, "reserved"},
};

#define MAX_TOUCHED 48

/* Host frames the last translation touched. */
static size_t touched(const hv_snapshot *s, uint32_t *hfn)
{
    size_t n = 0;
    const hv_snap_walk *w = &s->walk;
    for (size_t i = 0; w->valid && i < w->nev && n < MAX_TOUCHED; i++) {
        const hv_event *e = &w->ev[i];
        uint32_t hpa;
        bool guest_phys =
            (e->type == HV_EV_WALK_REF && s->paging == HV_PAGING_NESTED) ||
            e->type == HV_EV_SW_WALK_REF;
        if (e->type == HV_EV_WALK_REF || e->type == HV_EV_SW_WALK_REF ||
            e->type == HV_EV_NESTED_WALK_REF) {
            if (!guest_phys)
                hfn[n++] = e->b >> 12;
            else if (hv_machine_gpa_to_hpa(s->m, 0, e->b, &hpa))
                hfn[n++] = hpa >> 12;
        } else if (e->type == HV_EV_TLB_FILL) {
            hfn[n++] = e->b >> 12;
        }
    }
    return n;
}

static void hostmem_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    int h = getmaxy(win), w = getmaxx(win);
    uint32_t frames = hv_machine_host_frames(s->m);
    uint64_t count[NOWNERS] = {0};
    for (uint32_t f = 0; f < frames; f++) {
        hv_frame_owner o = hv_machine_frame_owner(s->m, f, NULL);
        count[(unsigned)o < NOWNERS ? o : HV_FRAME_RESERVED]++;
    }
    /* The legend: one owner per entry, as many per line as fit. */
    vbuf leg;
    vb_init(&leg, v->theme, w);
    vb_line_start(&leg, CLR_NORMAL, "%s", "");
    for (int o = 0; o < NOWNERS; o++) {
        if (!count[o] && o != HV_FRAME_FREE)
            continue;
        char num[32], item[64];
        snprintf(item, sizeof item, "%c %s %s  ", owners[o].letter,
                 owners[o].name, vb_num(count[o], num, sizeof num));
        if (vb_cols(&leg) + vb_strcols(item) > w)
            vb_line_start(&leg, CLR_NORMAL, "%s", "");
        vb_add(&leg, owners[o].role, "%c", owners[o].letter);
        vb_add(&leg, CLR_NORMAL, "%s", item + 1);
    }
    vb_line_start(&leg, CLR_DIM, "reverse: frames the last walk touched");
    int map_h = h - leg.n;
    if (map_h < 1 || !frames) {
        hv_view_message(v->theme, win,
                        frames ? "Host memory: too small" : "no host frames");
        vb_free(&leg);
        return;
    }
    uint64_t cells = (uint64_t)map_h * (uint64_t)w;
    uint32_t per = (uint32_t)((frames + cells - 1) / cells);
    if (per < 1)
        per = 1;
    char n1[32], n2[32];
    snprintf(v->subtitle, sizeof v->subtitle, "%s frames · 1 cell = %s KiB",
             vb_num(frames, n1, sizeof n1),
             vb_num((uint64_t)per * 4, n2, sizeof n2));
    uint32_t hot[MAX_TOUCHED];
    size_t nhot = touched(s, hot);
    uint32_t f = 0;
    for (int y = 0; y < map_h && f < frames; y++) {
        for (int x = 0; x < w && f < frames; x++, f += per) {
            int best = -1;
            bool is_hot = false;
            for (uint32_t k = f; k < f + per && k < frames; k++) {
                int o = hv_machine_frame_owner(s->m, k, NULL);
                if (o < 0 || o >= NOWNERS)
                    o = HV_FRAME_RESERVED;
                if (best < 0 || owners[o].rank > owners[best].rank)
                    best = o;
                for (size_t i = 0; i < nhot && !is_hot; i++)
                    is_hot = hot[i] == k;
            }
            attr_t a =
                hv_attr(v->theme, owners[best].role) | (is_hot ? A_REVERSE : 0);
            wattrset(win, a);
            mvwaddch(win, y, x, (chtype)(unsigned char)owners[best].letter);
        }
    }
    wattrset(win, A_NORMAL);
    hv_view tmp = *v;
    tmp.follow = false;
    tmp.scroll = 0;
    WINDOW *lw = derwin(win, leg.n, w, map_h, 0);
    if (lw) {
        hv_view_blit(&tmp, &leg, lw);
        delwin(lw);
    }
    vb_free(&leg);
}

const hv_view_ops hv_view_hostmem = {
    .title = "Host memory",
    .min_w = 24,
    .min_h = 5,
    .draw = hostmem_draw,
    .handle_key = NULL,
};
