/*
 * NAME
 *	spf_eval_ip.c - addresses, prefixes and names for SPF evaluation
 * DESCRIPTION
 *	The pure parts of check_host(): reading the client address (an
 *	IPv4-mapped IPv6 address counts as IPv4), prefix matching for ip4,
 *	ip6, a and mx, and the checks of names that macros made or DNS
 *	sent. The reverse name of ptr and %{p} is dns/reverse.h's.
 * STANDARDS
 *	RFC 7208 5 (IPv4-mapped clients), 5.3-5.6 (CIDR matching); RFC 4291
 *	2.5.5.2 (IPv4-mapped addresses); RFC 1035 2.3.4 (label and name
 *	lengths).
 * SECURITY
 *	Wire names are read with a bounded cursor; every label and the whole
 *	name are length-checked before they are copied.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "auth/spf_eval_impl.h"
#include "core/cursor.h"
#include "core/domain.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

enum tk_status tk_spf_ip_parse(const char *text, struct tk_spf_ip *out)
{
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, out->addr) == 1)
        return TK_OK;
    if (inet_pton(AF_INET6, text, out->addr) != 1)
        return TK_INVALID;
    out->v6 = true;
    if (memcmp(out->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
        memmove(out->addr, out->addr + 12, 4);
        memset(out->addr + 4, 0, 12);
        out->v6 = false;
    }
    return TK_OK;
}

void tk_spf_ip_format(const struct tk_spf_ip *ip, char *out, size_t cap)
{
    if (inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->addr, out, (socklen_t)cap) == NULL && cap > 0)
        out[0] = '\0';
}

bool spf_ip_in_prefix(const struct tk_spf_ip *ip, const uint8_t *net, bool net_v6, int prefix)
{
    int whole = prefix / 8, bits = prefix % 8;

    if (ip->v6 != net_v6 || prefix < 0 || prefix > (net_v6 ? 128 : 32))
        return false;
    if (memcmp(ip->addr, net, (size_t)whole) != 0)
        return false;
    if (bits == 0)
        return true;
    return ((ip->addr[whole] ^ net[whole]) & (0xff << (8 - bits)) & 0xff) == 0;
}

bool spf_rdata_in_prefix(const struct tk_spf_ip *ip, const struct tk_dns_rdata *rd, int prefix)
{
    if (rd->len != (ip->v6 ? 16u : 4u))
        return false;
    return spf_ip_in_prefix(ip, rd->data, ip->v6, prefix);
}

static bool spf_name_byte_ok(int ch)
{
    return ch >= ' ' && ch <= '~' && ch != '\\';
}

bool spf_name_check(const char *in, size_t len, char out[TK_DOMAIN_MAX + 1])
{
    struct tk_cursor c;
    size_t label = 0, n = 0;
    int ch;

    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0 || len > TK_DOMAIN_MAX)
        return false;
    tk_cursor_init(&c, in, len);
    while ((ch = tk_cursor_next(&c)) >= 0) {
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (!spf_name_byte_ok(ch) || ++label > TK_LABEL_MAX) {
            return false;
        }
        out[n++] = (char)tk_ascii_lower(ch);
    }
    out[n] = '\0';
    return label > 0;
}

bool spf_rdata_name(const struct tk_dns_rdata *rd, size_t off, char out[TK_DOMAIN_MAX + 1])
{
    char text[TK_DOMAIN_MAX + 2];
    struct tk_cursor c;
    size_t t = 0;
    int n;

    if (off > rd->len)
        return false;
    tk_cursor_init(&c, rd->data, rd->len);
    while (c.pos < off)
        tk_cursor_next(&c);
    while ((n = tk_cursor_next(&c)) > 0) {
        /* 0xC0 and up would be compression pointers: never in the rdata
         * of these types as resolvers hand it over; refused as too long */
        if (n > TK_LABEL_MAX || (size_t)n > tk_cursor_left(&c) || t + (size_t)n + 1 >= sizeof(text))
            return false;
        if (t > 0)
            text[t++] = '.';
        while (n-- > 0) {
            int ch = tk_cursor_next(&c);

            if (ch == '.' || !spf_name_byte_ok(ch))
                return false;
            text[t++] = (char)ch;
        }
    }
    if (n < 0 || !tk_cursor_eof(&c))
        return false;
    if (t == 0) {
        out[0] = '\0';
        return true;
    }
    return spf_name_check(text, t, out);
}

bool spf_domain_is_sub(const char *name, const char *parent)
{
    size_t n = strlen(name), p = strlen(parent);

    if (n < p)
        return false;
    if (!tk_ascii_strcaseeq(name + n - p, parent))
        return false;
    return n == p || name[n - p - 1] == '.';
}
