/* hvlab views: the key table (request.h). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "views/request.h"

/* Lower case steps and looks; upper case changes the machine wholesale.
 * Ctrl-C is no key here: it is SIGINT, which quits cleanly (tui.c). */
const hv_binding hv_bindings[] = {
    {' ', REQ_STEP},
    {'s', REQ_STEP},
    {'m', REQ_NEXT_MISS},
    {'x', REQ_NEXT_EXIT},
    {'f', REQ_NEXT_FAULT},
    {'o', REQ_NEXT_IO},
    {'I', REQ_NEXT_INTR},
    {'i', REQ_TYPE},
    {'n', REQ_NEXT_AGAIN},
    {'r', REQ_RUN_PAUSE},
    {'+', REQ_FASTER},
    {'=', REQ_FASTER},
    {'-', REQ_SLOWER},
    {'e', REQ_RUN_END},
    {']', REQ_STEP_NEXT},
    {'[', REQ_STEP_PREV},
    {'A', REQ_ANSWER},
    {'R', REQ_RESTART},
    {'\t', REQ_FOCUS_NEXT},
    {KEY_BTAB, REQ_FOCUS_PREV},
    {'z', REQ_ZOOM},
    {'l', REQ_LAYOUT},
    {'t', REQ_THEME},
    {KEY_UP, REQ_SCROLL_UP},
    {'k', REQ_SCROLL_UP},
    {KEY_DOWN, REQ_SCROLL_DOWN},
    {'j', REQ_SCROLL_DOWN},
    {KEY_PPAGE, REQ_PAGE_UP},
    {KEY_NPAGE, REQ_PAGE_DOWN},
    {KEY_HOME, REQ_FOLLOW},
    {'.', REQ_FOLLOW},
    {'a', REQ_TOGGLE_ALL},
    {'?', REQ_HELP},
    {KEY_F(1), REQ_HELP},
    {'q', REQ_QUIT},
};
const size_t hv_nbindings = sizeof hv_bindings / sizeof hv_bindings[0];

static const struct {
    const char *id, *group, *bar, *help;
} req_info[REQ__COUNT] = {[REQ_NONE] = {"NONE", "", NULL, ""},
#define REQ_INFO(id, group, bar, help) [REQ_##id] = {#id, group, bar, help},
                          REQ_LIST(REQ_INFO)
#undef REQ_INFO
};

hv_request hv_request_for_key(int key)
{
    for (size_t i = 0; i < hv_nbindings; i++)
        if (hv_bindings[i].key == key)
            return hv_bindings[i].req;
    return REQ_NONE;
}

const char *hv_key_name(int key, char *buf, size_t len)
{
    switch (key) {
    case ' ': return "space";
    case '\t': return "Tab";
    case KEY_BTAB: return "S-Tab";
    case KEY_UP: return "Up";
    case KEY_DOWN: return "Down";
    case KEY_PPAGE: return "PgUp";
    case KEY_NPAGE: return "PgDn";
    case KEY_HOME: return "Home";
    case KEY_F(1): return "F1";
    default: break;
    }
    if (key > 0 && key < 32)
        snprintf(buf, len, "^%c", key + '@');
    else if (key >= 32 && key < 127)
        snprintf(buf, len, "%c", key);
    else
        snprintf(buf, len, "key%d", key);
    return buf;
}

static bool valid(hv_request req)
{
    return req > REQ_NONE && req < REQ__COUNT;
}

const char *hv_request_id(hv_request req)
{
    return valid(req) ? req_info[req].id : "NONE";
}

const char *hv_request_group(hv_request req)
{
    return valid(req) ? req_info[req].group : "";
}

const char *hv_request_bar(hv_request req)
{
    return valid(req) ? req_info[req].bar : NULL;
}

const char *hv_request_help(hv_request req)
{
    return valid(req) ? req_info[req].help : "";
}

const char *hv_request_keys(hv_request req, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < hv_nbindings && n + 1 < len; i++) {
        if (hv_bindings[i].req != req)
            continue;
        char name[16];
        int k = snprintf(buf + n, len - n, "%s%s", n ? "/" : "",
                         hv_key_name(hv_bindings[i].key, name, sizeof name));
        if (k < 0 || (size_t)k >= len - n)
            break;
        n += (size_t)k;
    }
    return buf;
}
