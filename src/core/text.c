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

/* text_utf8_len returns the length of the valid UTF-8 sequence at s, or
 * 0 when it is not one (overlong forms and surrogates included). */
static size_t text_utf8_len(const unsigned char *s)
{
    size_t n, i;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

void tk_text_sanitise(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p) {
        size_t n = text_utf8_len(p);

        if (n == 0) {
            /* A cut-short sequence at the very end is dropped. */
            size_t rest = strlen((char *)p);

            if (*p >= 0xc2 && *p <= 0xf4 && rest < 4) {
                size_t i;
                bool cont = true;

                for (i = 1; i < rest; i++)
                    cont = cont && (p[i] & 0xc0) == 0x80;
                if (cont) {
                    *p = '\0';
                    return;
                }
            }
            *p++ = '?';
            continue;
        }
        if (n == 1 && (*p < 0x20 || *p == 0x7f))
            *p = '?';
        p += n;
    }
}

void tk_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
}
