/* hvlab command line: parsing of option values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        goto bad;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        goto bad;
    *out = v;
    return true;
bad:
    fprintf(stderr, "hvlab: %s: '%s' is not a number\n", opt, s);
    return false;
}

/* Sizes: bytes, or with a K/M/G suffix (powers of 1024), optional "iB". */
bool cli_parse_size(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        goto bad;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        goto bad;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (*end || v > (1ull << 40) >> shift)
        goto bad;
    *out = v << shift;
    return true;
bad:
    fprintf(stderr, "hvlab: %s: '%s' is not a size (e.g. 16M, 4096)\n", opt, s);
    return false;
}
