/*
 * NAME
 *	rdata.c - decode the rdata of an answer, checking every length
 * SECURITY
 *	All reads are bounded by rd->len; names are limited to 255 octets
 *	on the wire and must be plain host names (core/domain.c).
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/domain.h"
#include "dns/rdata.h"

enum tk_status tk_rdata_txt(const struct tk_dns_rdata *rd, struct tk_buf *out)
{
    size_t off = 0;
    enum tk_status st;

    while (off < rd->len) {
        size_t n = rd->data[off++];

        if (n > rd->len - off)
            return TK_INVALID;
        if ((st = tk_buf_append(out, rd->data + off, n)) != TK_OK)
            return st;
        off += n;
    }
    if (out->data == NULL)
        return tk_buf_append(out, "", 0);
    return TK_OK;
}

enum tk_status tk_rdata_name(const struct tk_dns_rdata *rd, size_t off, size_t *end,
                             char name[TK_DOMAIN_MAX + 1])
{
    char text[256];
    size_t t = 0;

    for (;;) {
        size_t n;

        if (off >= rd->len)
            return TK_INVALID;
        n = rd->data[off++];
        if (n == 0)
            break;
        /* 0xC0 and up are compression pointers: never in unbound's rdata
         * for these types, so refuse them. A '.' inside a label has no
         * plain text form: "a.b" as one label would read back as a
         * different, two-label name, so refuse it too. */
        if (n > TK_LABEL_MAX || n > rd->len - off || t + n + 1 >= sizeof(text) ||
            memchr(rd->data + off, '.', n) != NULL)
            return TK_INVALID;
        if (t > 0)
            text[t++] = '.';
        memcpy(text + t, rd->data + off, n);
        t += n;
        off += n;
    }
    *end = off;
    if (t == 0) {
        strcpy(name, ".");
        return TK_OK;
    }
    return tk_domain_normalise(text, t, name, NULL);
}

enum tk_status tk_rdata_mx(const struct tk_dns_rdata *rd, uint16_t *pref,
                           char exchange[TK_DOMAIN_MAX + 1])
{
    size_t end;
    enum tk_status st;

    if (rd->len < 3)
        return TK_INVALID;
    *pref = (uint16_t)(rd->data[0] << 8 | rd->data[1]);
    st = tk_rdata_name(rd, 2, &end, exchange);
    if (st != TK_OK)
        return st;
    return end == rd->len ? TK_OK : TK_INVALID;
}

enum tk_status tk_rdata_addr(const struct tk_dns_rdata *rd, char *out, size_t outlen)
{
    int af;

    if (rd->len == 4)
        af = AF_INET;
    else if (rd->len == 16)
        af = AF_INET6;
    else
        return TK_INVALID;
    return inet_ntop(af, rd->data, out, (socklen_t)outlen) ? TK_OK : TK_INVALID;
}
