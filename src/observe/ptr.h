/*
 * NAME
 *	ptr.h - the reverse DNS names of the sources a report names
 * DESCRIPTION
 *	`tiaki reports sources` and readiness show each sending address
 *	with its reverse name, which also tells whose servers they are
 *	(reports/senders.h). The names are asked here, through tiaki's
 *	resolver, many at once; a name that cannot be learnt (no PTR, a
 *	timeout) is left empty rather than failing the listing.
 * STANDARDS
 *	RFC 1035 3.5, RFC 3596 2.5 (dns/reverse.h).
 * LIMITS
 *	TK_PTR_INFLIGHT questions at once.
 */
#ifndef TIAKI_OBSERVE_PTR_H
#define TIAKI_OBSERVE_PTR_H

#include <stddef.h>

#include "core/error.h"
#include "dns/resolver.h"
#include "reports/readiness.h"

/* tk_observe_ptr_names writes into each tally's ptr the first name its
 * ip's PTR record gives, or "" (no record, an answer that is not a
 * name, a timeout, an ip that is not an address). Returns TK_OK, or
 * TK_IO when the resolver itself failed (err says how; the names asked
 * so far are kept). */
enum tk_status tk_observe_ptr_names(struct tk_resolver *r, struct tk_source_tally *const *tallies,
                                    size_t n, struct tk_error *err);

#endif
