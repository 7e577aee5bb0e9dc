/*
 * NAME
 *	text.c - bounded copies of C strings
 */
#include <string.h>

#include "core/text.h"

bool tk_strlcpy(char *dst, const char *src, size_t dstsize)
{
    size_t n = strlen(src);
    bool fits = n < dstsize;

    if (!fits)
        n = dstsize - 1;
    memmove(dst, src, n);
    dst[n] = '\0';
    return fits;
}
