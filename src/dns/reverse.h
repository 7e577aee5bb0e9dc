/*
 * NAME
 *	reverse.h - the name a PTR look-up asks for an address
 * DESCRIPTION
 *	SPF's ptr mechanism and %{p} macro (auth/spf_eval.c) and the report
 *	tool's source names (tiaki reports sources) both look up the
 *	reverse name of an address: the octets of an IPv4 address reversed
 *	under in-addr.arpa, the nibbles of an IPv6 address reversed under
 *	ip6.arpa.
 * STANDARDS
 *	RFC 1035 3.5 (IN-ADDR.ARPA), RFC 3596 2.5 (IP6.ARPA).
 */
#ifndef TIAKI_DNS_REVERSE_H
#define TIAKI_DNS_REVERSE_H

#include <stdbool.h>

#include "core/limits.h"

/* tk_dns_reverse_name writes the reverse name of addr: 4 bytes when v6
 * is false, else 16. The longest, an IPv6 name, is 72 characters. */
void tk_dns_reverse_name(const unsigned char *addr, bool v6, char out[TK_DOMAIN_MAX + 1]);

/* tk_dns_reverse_name_text does the same for an address written as
 * text (dotted quad, or any IPv6 form inet_pton reads); false when the
 * text is not an address. */
bool tk_dns_reverse_name_text(const char *ip, char out[TK_DOMAIN_MAX + 1]);

#endif
