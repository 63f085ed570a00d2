/* hvlab views: the modelled TLB, sets × ways (docs/engine.md "The MMU
 * and the TLB"). Each valid slot shows VPN → PFN (guest-virtual page to
 * the frame the hardware uses: host-physical under a hypervisor), its
 * flags (W writable, U user, D dirty, G global, L piece of a 4 MiB page)
 * and its age in the set (0 = most recently used under LRU, newest under
 * FIFO: the highest age goes next). What the last step did is marked:
 * ◆ filled, + hit; evictions are listed below the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/vbuf.h"

static const char *tlb_flags(uint8_t f, char buf[6])
{
    buf[0] = (f & 1) ? 'W' : '.';
    buf[1] = (f & 2) ? 'U' : '.';
    buf[2] = (f & 4) ? 'D' : '.';
    buf[3] = (f & 8) ? 'G' : '.';
    buf[4] = (f & 16) ? 'L' : '.';
    buf[5] = 0;
    return buf;
}

static void tlb_draw(hv_view *v, const hv_snapshot *s, WINDOW *win)
{
    vbuf b;
    int width = getmaxx(win);
    vb_init(&b, v->theme, width);
    const hv_config *cfg = hv_machine_config(s->m);
    uint32_t sets = s->tlb_sets, ways = s->tlb_ways;
    /* Tags: a hypervisor tags its VM's entries with a VPID; without VPID
     * every exit flushes instead (docs/nested.md). */
    char tag[40] = "";
    hv_tlb_view any;
    uint64_t age0;
    bool have = false;
    for (uint32_t i = 0; i < sets * ways && !have; i++)
        have = hv_machine_tlb_slot(s->m, 0, i / ways, i % ways, &any, &age0);
    if (s->paging != HV_PAGING_NATIVE && !cfg->vpid)
        snprintf(tag, sizeof tag, " · no VPID: exits flush");
    else if (have && any.tag)
        snprintf(tag, sizeof tag, " · VPID %u", any.tag);
    snprintf(v->subtitle, sizeof v->subtitle,
             "%u entries · %u-way · %u sets · %s%s", sets * ways, ways, sets,
             hv_tlb_policy_name(cfg->tlb.policy), tag);
    if (!sets || !ways) {
        hv_view_message(v->theme, win, "no TLB data");
        vb_free(&b);
        return;
    }
    const hv_theme *t = v->theme;
    bool lru = cfg->tlb.policy == HV_TLB_LRU,
         fifo = cfg->tlb.policy == HV_TLB_FIFO;
    /* Cells: "◆00801→01f20 WUDGL 3"; without the flags when that does
     * not fit all ways on a row; a set wraps onto more rows only when
     * even that does not fit. */
    int arrow = vb_strcols(t->glyph[GL_ARROW]);
    int full = 1 + 5 + arrow + 5 + 1 + 5 + 1 + 2 + 1, brief = full - 6;
    int avail = width - 4;
    bool with_flags;
    int per;
    if ((int)ways * full <= avail || (int)ways * brief > avail) {
        with_flags = (int)ways * full <= avail || avail >= 2 * full;
        per = avail / (with_flags ? full : brief);
    } else {
        with_flags = false;
        per = (int)ways;
    }
    if (per < 1)
        per = 1;
    if (per > (int)ways)
        per = (int)ways;
    int cellw = with_flags ? full : brief;
    vb_line_start(&b, CLR_DIM, "%s filled  + hit (this step) · age 0 = %s%s",
                  t->glyph[GL_USED],
                  lru    ? "most recently used"
                  : fifo ? "newest fill"
                         : "newest (random victim)",
                  with_flags ? " · W U D G L(4M)" : " · flags: widen or zoom");
    vb_line_start(&b, CLR_LABEL, "set ");
    for (int w = 0; w < per; w++) {
        char hdr[48];
        int o = snprintf(hdr, sizeof hdr, "way %d", w);
        for (int k = w + per; k < (int)ways && o < (int)sizeof hdr - 8;
             k += per)
            o += snprintf(hdr + o, sizeof hdr - (size_t)o, ",%d", k);
        vb_add(&b, CLR_LABEL, " %-*s", cellw - 1, hdr);
    }
    b.sticky = b.n;
    uint64_t *age = calloc(ways, sizeof *age);
    bool *valid = calloc(ways, sizeof *valid);
    hv_tlb_view *slot = calloc(ways, sizeof *slot);
    if (!age || !valid || !slot)
        goto out;
    int valid_total = 0;
    for (uint32_t set = 0; set < sets; set++) {
        for (uint32_t w = 0; w < ways; w++)
            valid[w] = hv_machine_tlb_slot(s->m, 0, set, w, &slot[w], &age[w]);
        for (uint32_t w = 0; w < ways; w++) {
            if (w % (uint32_t)per == 0)
                vb_line_start(&b, CLR_NORMAL, w ? "    " : "%3u ", set);
            uint32_t idx = set * ways + w;
            uint8_t mark = s->tlb_mark[idx];
            if (!valid[w]) {
                vb_add(&b, CLR_DIM, " %-*s", cellw - 1, t->glyph[GL_DOT]);
                vb_pad(&b, 4 + (int)((w % per) + 1) * cellw);
                continue;
            }
            valid_total++;
            unsigned rank = 0;
            for (uint32_t o = 0; o < ways; o++)
                if (o != w && valid[o] && age[o] > age[w])
                    rank++;
            bool hit = hv_snapshot_hit(s, slot[w].vpn);
            bool fill = mark & HV_TLBM_FILL;
            hv_role role = fill ? CLR_TLB_FILL : hit ? CLR_TLB_HIT : CLR_NORMAL;
            char fl[6];
            vb_add(&b, role, "%s%05x%s%05x",
                   fill  ? t->glyph[GL_USED]
                   : hit ? "+"
                         : " ",
                   slot[w].vpn, t->glyph[GL_ARROW], slot[w].pfn);
            if (with_flags)
                vb_add(&b, role, " %s", tlb_flags(slot[w].flags, fl));
            vb_add(&b, role, " %2u", rank);
            if (fill || hit)
                vb_focus(&b);
            vb_pad(&b, 4 + (int)((w % per) + 1) * cellw);
        }
    }
    char nh[32], nm[32];
    vb_line_start(&b, CLR_NORMAL,
                  "%d of %u slots valid · this step: %s hits, %s misses",
                  valid_total, sets * ways, vb_num(s->step_hits, nh, sizeof nh),
                  vb_num(s->step_misses, nm, sizeof nm));
    if (s->step_flushes)
        vb_add(&b, CLR_TLB_EVICT, ", %s flushes",
               vb_num(s->step_flushes, nh, sizeof nh));
    for (uint32_t i = 0; i < sets * ways; i++)
        if (s->tlb_mark[i] & HV_TLBM_EVICT)
            vb_line_start(&b, CLR_TLB_EVICT,
                          "evicted this step: %05x from set %u way %u",
                          s->tlb_evicted_vpn[i], i / ways, i % ways);
out:
    free(age);
    free(valid);
    free(slot);
    hv_view_blit(v, &b, win);
    vb_free(&b);
}

const hv_view_ops hv_view_tlb = {
    .title = "TLB",
    .min_w = 40,
    .min_h = 4,
    .draw = tlb_draw,
    .handle_key = hv_view_scroll_key,
};
