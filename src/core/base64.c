/*
 * NAME
 *	base64.c - base64 with folding white space (see base64.h)
 * DESCRIPTION
 *	A table of the 256 byte values: b= is decoded for every signature
 *	of every message, and a table keeps it a load and a compare a
 *	character.
 */
#include <pthread.h>
#include <string.h>

#include "core/base64.h"

enum { B64_BAD = -1, B64_FWS = -2, B64_PAD = -3 };

static signed char b64_table[256];
static pthread_once_t b64_table_once = PTHREAD_ONCE_INIT;

static void b64_table_fill(void)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int i;

    memset(b64_table, B64_BAD, sizeof(b64_table));
    for (i = 0; i < 64; i++)
        b64_table[(unsigned char)digits[i]] = (signed char)i;
    b64_table[' '] = b64_table['\t'] = b64_table['\r'] = b64_table['\n'] = B64_FWS;
    b64_table['='] = B64_PAD;
}

/* b64_end writes the last group of 2 or 3 characters. */
static enum tk_status b64_end(unsigned acc, unsigned nacc, unsigned npad, unsigned char *out,
                              size_t cap, size_t *n, struct tk_base64_info *info)
{
    if (nacc == 1 || npad > 2 || (npad > 0 && npad != 4 - nacc))
        return TK_INVALID;
    if (nacc >= 2 && cap - *n < nacc - 1)
        return TK_LIMIT;
    if (nacc >= 2)
        out[(*n)++] = (unsigned char)(acc >> (nacc == 2 ? 4 : 10));
    if (nacc == 3)
        out[(*n)++] = (unsigned char)(acc >> 2);
    info->unpadded = nacc > 0 && npad == 0;
    return TK_OK;
}

enum tk_status tk_base64_decode(struct tk_span in, unsigned char *out, size_t cap, size_t *outlen,
                                struct tk_base64_info *info)
{
    struct tk_base64_info none;
    unsigned acc = 0, nacc = 0, npad = 0;
    size_t n = 0, i;
    enum tk_status st;

    if (info == NULL)
        info = &none;
    memset(info, 0, sizeof(*info));
    info->bad = -1;
    pthread_once(&b64_table_once, b64_table_fill);
    for (i = 0; i < in.len; i++) {
        int v = b64_table[(unsigned char)in.p[i]];

        if (v == B64_FWS)
            continue;
        info->chars++;
        if (v == B64_PAD) {
            npad++;
            continue;
        }
        if (v < 0) {
            info->bad = (unsigned char)in.p[i];
            return TK_INVALID;
        }
        if (npad > 0) {
            info->after_pad = true;
            return TK_INVALID;
        }
        acc = (acc << 6) | (unsigned)v;
        if (++nacc < 4)
            continue;
        if (cap - n < 3)
            return TK_LIMIT;
        out[n++] = (unsigned char)(acc >> 16);
        out[n++] = (unsigned char)(acc >> 8);
        out[n++] = (unsigned char)acc;
        acc = nacc = 0;
    }
    if ((st = b64_end(acc, nacc, npad, out, cap, &n, info)) != TK_OK)
        return st;
    *outlen = n;
    return TK_OK;
}
