/* hvlab engine: appending formatted text (see fmt.h). */
#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>

void hv_fmt_printf(hv_fmt *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->pos < o->len ? o->buf + o->pos : NULL;
    size_t room = o->pos < o->len ? o->len - o->pos : 0;
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}
