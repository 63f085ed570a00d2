/* hvlab engine: appending to a caller's buffer the way snprintf does, for
 * the devices' regname/describe and the buses' access formatters: each
 * piece goes after the last, output past the end is counted but not
 * written, so the formatter can return what snprintf would. */
#ifndef HV_DEV_FMT_H
#define HV_DEV_FMT_H

#include <stddef.h>

typedef struct hv_fmt {
    char *buf;
    size_t len;
    size_t pos; /* what would have been written so far */
} hv_fmt;

void hv_fmt_printf(hv_fmt *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
