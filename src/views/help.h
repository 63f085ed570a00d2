/* hvlab views: the help overlay and the key bar, both generated from the
 * key table (request.h), so no key exists without its help line. */
#ifndef HV_VIEWS_HELP_H
#define HV_VIEWS_HELP_H

#include "views/vbuf.h"

/* The help text: one line per request, grouped, with its keys. */
void hv_help_build(vbuf *b);
/* Draws the help overlay centred over the screen (scrolling with v). */
void hv_help_draw(hv_view *v, const hv_theme *t, int rows, int cols);
/* Draws the key bar (requests with a bar label) on row y of stdscr. */
void hv_keybar_draw(const hv_theme *t, int y, int cols);

#endif
