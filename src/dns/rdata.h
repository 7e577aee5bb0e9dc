/*
 * NAME
 *	rdata.h - decode the rdata of an answer, checking every length
 * DESCRIPTION
 *	Resource data comes from the network: each decoder bounds its reads
 *	by the rdata length and refuses what does not fit the RR type.
 * STANDARDS
 *	RFC 1035 3.3 (TXT character-strings, MX, names), RFC 3596 (AAAA),
 *	RFC 7505 (null MX: preference 0, exchange ".").
 */
#ifndef TIAKI_DNS_RDATA_H
#define TIAKI_DNS_RDATA_H

#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "dns/resolver.h"

/* tk_rdata_txt appends the character-strings of a TXT record to out,
 * concatenated with nothing between them (RFC 7208 3.3). Returns TK_OK
 * or TK_INVALID when a length byte runs past the end. */
enum tk_status tk_rdata_txt(const struct tk_dns_rdata *rd, struct tk_buf *out);

/* tk_rdata_mx decodes an MX record: preference and exchange, normalised;
 * the root (null MX) gives ".". TK_INVALID when malformed or when the
 * exchange is not a usable host name. */
enum tk_status tk_rdata_mx(const struct tk_dns_rdata *rd, uint16_t *pref,
                           char exchange[TK_DOMAIN_MAX + 1]);

/* tk_rdata_name decodes an uncompressed wire-format name starting at
 * offset off of rd into text (normalised; root is "."); *end gets the
 * offset after it. */
enum tk_status tk_rdata_name(const struct tk_dns_rdata *rd, size_t off, size_t *end,
                             char name[TK_DOMAIN_MAX + 1]);

/* tk_rdata_addr writes an A or AAAA record as text (INET6_ADDRSTRLEN is
 * enough). TK_INVALID when the length is not 4 or 16. */
enum tk_status tk_rdata_addr(const struct tk_dns_rdata *rd, char *out, size_t outlen);

#endif
