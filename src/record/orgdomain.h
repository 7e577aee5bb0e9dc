/*
 * NAME
 *	orgdomain.h - the organisational domain of a name (public suffix list)
 * DESCRIPTION
 *	DMARC looks for a policy at the organisational domain when a name
 *	has none of its own (RFC 7489 3.2): the public suffix plus one
 *	label. The list comes from libpsl: the newest of its built-in copy
 *	and Debian's publicsuffix package.
 * STANDARDS
 *	RFC 7489 3.2.
 */
#ifndef TIAKI_RECORD_ORGDOMAIN_H
#define TIAKI_RECORD_ORGDOMAIN_H

#include "core/error.h"
#include "core/limits.h"

/* tk_org_domain writes the organisational domain of domain (normalised)
 * to out. A name that is itself a public suffix is its own
 * organisational domain. Returns TK_OK or TK_NOMEM. */
enum tk_status tk_org_domain(const char *domain, char out[TK_DOMAIN_MAX + 1]);

#endif
