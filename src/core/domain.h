/*
 * NAME
 *	domain.h - domain names in text form: check, normalise, compare
 * DESCRIPTION
 *	Names from the command line, the inventory and DNS data pass through
 *	tk_domain_normalise before they are used in a query or stored: it
 *	lower-cases ASCII, drops one trailing dot and checks lengths
 *	(RFC 1035: 63 per label, 253 in all). Underscores are allowed
 *	(_dmarc, _domainkey), and so is '*' (the wildcard label of
 *	*._domainkey and of MTA-STS mx patterns; callers that take a domain
 *	to check refuse it); other bytes outside letters, digits, '-' and
 *	'_' are refused, so a name never carries spaces, controls or
 *	non-ASCII into a query, a log line or a table cell.
 * STANDARDS
 *	RFC 1035 2.3.4, RFC 2181 11.
 */
#ifndef TIAKI_CORE_DOMAIN_H
#define TIAKI_CORE_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"

/* tk_domain_normalise writes the normal form of the len bytes at in to
 * out (TK_DOMAIN_MAX + 1 bytes). Returns TK_OK or TK_INVALID with a
 * reason in err. A lone "." (the root) is refused. */
enum tk_status tk_domain_normalise(const char *in, size_t len, char out[TK_DOMAIN_MAX + 1],
                                   struct tk_error *err);

/* tk_domain_join writes "prefix.domain" to out, or TK_LIMIT when longer
 * than TK_DOMAIN_MAX. prefix may be empty (then out is domain). */
enum tk_status tk_domain_join(const char *prefix, const char *domain, char out[TK_DOMAIN_MAX + 1]);

/* tk_domain_is_subdomain is true when name equals parent or ends in
 * ".parent" (both normalised). */
bool tk_domain_is_subdomain(const char *name, const char *parent);

/* tk_ascii_lower returns ch lower-cased when it is A-Z. */
int tk_ascii_lower(int ch);

/* tk_ascii_strcaseeq compares two C strings ignoring ASCII case. */
bool tk_ascii_strcaseeq(const char *a, const char *b);

#endif
