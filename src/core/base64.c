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

/* b64_quad decodes four characters at p into *v when all four are
 * base64 digits. An RSA-2048 b= is 344 digits in a few folded lines:
 * one test a group rather than four, each with its branches, halves
 * the decode of every signature. */
static bool b64_quad(const char *p, unsigned *v)
{
    int a = b64_table[(unsigned char)p[0]], b = b64_table[(unsigned char)p[1]];
    int c = b64_table[(unsigned char)p[2]], d = b64_table[(unsigned char)p[3]];

    if ((a | b | c | d) < 0)
        return false;
    *v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
    return true;
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
    unsigned acc = 0, nacc = 0, npad = 0, quad;
    size_t n = 0, i;
    enum tk_status st;

    if (info == NULL)
        info = &none;
    memset(info, 0, sizeof(*info));
    info->bad = -1;
    pthread_once(&b64_table_once, b64_table_fill);
    for (i = 0; i < in.len; i++) {
        int v;

        if (nacc == 0 && npad == 0 && in.len - i >= 4 && b64_quad(in.p + i, &quad)) {
            info->chars += 4;
            if (cap - n < 3)
                return TK_LIMIT;
            out[n++] = (unsigned char)(quad >> 16);
            out[n++] = (unsigned char)(quad >> 8);
            out[n++] = (unsigned char)quad;
            i += 3;
            continue;
        }
        v = b64_table[(unsigned char)in.p[i]];

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
