/* hvlab views: what a key asks for (STYLE.md practice 8).
 *
 * REQ_LIST is the one table of requests: it yields the enum, the short
 * label of the key bar and the help text of the `?` overlay. Keys map to
 * requests through bindings[] (keys.c); a view gets the requests it may
 * handle and returns the rest to the driver (the TUI main loop). The help
 * overlay and the key bar are generated from these two tables only, so a
 * key cannot exist without its help line.
 *
 * X(ID, group, "bar label" or NULL, "help text")
 */
#ifndef HV_VIEWS_REQUEST_H
#define HV_VIEWS_REQUEST_H

#include <stddef.h>

/* clang-format off */
#define REQ_LIST(X)                                                           \
    X(STEP, "Run", "step", "step one guest instruction")                      \
    X(NEXT_MISS, "Run", "miss", "run to the next TLB miss")                   \
    X(NEXT_EXIT, "Run", "exit", "run to the next VM exit")                    \
    X(NEXT_FAULT, "Run", "fault",                                             \
      "run to the next page fault (guest #PF, hidden fault, EPT violation)")  \
    X(NEXT_IO, "Run", NULL, "run to the next port or MMIO access")           \
    X(NEXT_INTR, "Run", NULL, "run to the next interrupt the guest takes")    \
    X(NEXT_AGAIN, "Run", "next", "run to the next event of the last kind chosen") \
    X(RUN_PAUSE, "Run", "run", "run continuously / pause")                    \
    X(FASTER, "Run", NULL, "run faster (more instructions per second)")       \
    X(SLOWER, "Run", NULL, "run slower")                                      \
    X(RUN_END, "Run", "run step",                                             \
      "run the scenario's next step; a bare guest: until it ends")            \
    X(STEP_NEXT, "Scenario", NULL, "show the next scenario step")             \
    X(STEP_PREV, "Scenario", NULL, "show the previous scenario step")         \
    X(ANSWER, "Scenario", NULL,                                               \
      "answer the step's question: a letter, number or value, then Enter")    \
    X(TYPE, "Run", NULL,                                                      \
      "type a line on the guest's console (COM1), then Enter")               \
    X(RESTART, "Run", NULL, "restart the machine from power-on")              \
    X(FOCUS_NEXT, "Panes", NULL, "focus the next pane")                       \
    X(FOCUS_PREV, "Panes", NULL, "focus the previous pane")                   \
    X(ZOOM, "Panes", "zoom", "zoom the focused pane to the whole screen")     \
    X(LAYOUT, "Panes", "layout", "cycle layouts: standard, lecture, compact") \
    X(THEME, "Panes", NULL, "cycle colour schemes: dark, light, monochrome")  \
    X(SCROLL_UP, "Scroll", NULL, "scroll the focused pane up")                \
    X(SCROLL_DOWN, "Scroll", NULL, "scroll the focused pane down")            \
    X(PAGE_UP, "Scroll", NULL, "scroll the focused pane up a page")           \
    X(PAGE_DOWN, "Scroll", NULL, "scroll the focused pane down a page")       \
    X(FOLLOW, "Scroll", NULL, "follow again: back to what changed last")      \
    X(TOGGLE_ALL, "Panes", NULL,                                              \
      "focused pane: show everything (all events, not-present entries)")      \
    X(HELP, "Help", "help", "show or hide this help")                         \
    X(QUIT, "Help", "quit", "quit hvlab")
/* clang-format on */

typedef enum hv_request {
    REQ_NONE = 0,
#define REQ_ENUM(id, group, bar, help) REQ_##id,
    REQ_LIST(REQ_ENUM)
#undef REQ_ENUM
        REQ__COUNT
} hv_request;

typedef struct hv_binding {
    int key; /* a curses key code or a character */
    hv_request req;
} hv_binding;

/* The key table: every request has at least one binding (tests/tui). */
extern const hv_binding hv_bindings[];
extern const size_t hv_nbindings;

/* The request a key asks for, or REQ_NONE. */
hv_request hv_request_for_key(int key);
/* Name of a key as the help and the key bar print it ("space", "Tab",
 * "PgUp", "q"); buf holds at least 16 bytes. */
const char *hv_key_name(int key, char *buf, size_t len);
/* The request's identifier ("STEP"), group, bar label (NULL: not in the
 * bar) and help line. */
const char *hv_request_id(hv_request req);
const char *hv_request_group(hv_request req);
const char *hv_request_bar(hv_request req);
const char *hv_request_help(hv_request req);
/* "space/s": every key bound to req, joined with '/'. */
const char *hv_request_keys(hv_request req, char *buf, size_t len);

#endif
