/*
 * NAME
 *	reverse.c - the name a PTR look-up asks for an address
 * DESCRIPTION
 *	See reverse.h.
 * STANDARDS
 *	RFC 1035 3.5, RFC 3596 2.5.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns/reverse.h"

void tk_dns_reverse_name(const unsigned char *addr, bool v6, char out[TK_DOMAIN_MAX + 1])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    int i;

    if (!v6) {
        snprintf(out, TK_DOMAIN_MAX + 1, "%u.%u.%u.%u.in-addr.arpa", addr[3], addr[2], addr[1],
                 addr[0]);
        return;
    }
    /* 32 nibbles and their dots (64 bytes) and "ip6.arpa" fit in 253 */
    for (i = 15; i >= 0; i--) {
        out[n++] = hex[addr[i] & 15];
        out[n++] = '.';
        out[n++] = hex[addr[i] >> 4];
        out[n++] = '.';
    }
    memcpy(out + n, "ip6.arpa", sizeof("ip6.arpa"));
}

bool tk_dns_reverse_name_text(const char *ip, char out[TK_DOMAIN_MAX + 1])
{
    unsigned char a[16];

    if (inet_pton(AF_INET, ip, a) == 1) {
        tk_dns_reverse_name(a, false, out);
        return true;
    }
    if (inet_pton(AF_INET6, ip, a) == 1) {
        tk_dns_reverse_name(a, true, out);
        return true;
    }
    return false;
}
