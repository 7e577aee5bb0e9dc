/*
 * NAME
 *	from.h - the RFC5322.From domain DMARC judges
 * DESCRIPTION
 *	DMARC protects one identity: the domain of the single mailbox in
 *	the message's single From field. tk_from_domain finds it, and
 *	everything else (no From, two From fields, a group, two addresses,
 *	an empty address, no domain, an address literal, a domain that is
 *	not a DNS name, a non-ASCII domain, a header section that passed a
 *	limit) is a defined failure with a reason code and a message: never
 *	a way around the check. OpenDMARC let a From with two addresses
 *	pass on the first (CVE-2019-16378) and crashed on a From with no
 *	usable address (CVE-2021-34555); here both are failures the caller
 *	must act on (RFC 7489 6.6.1: such messages are typically rejected).
 *
 *	The field is read by RFC 5322 3.4 and 4.4: display names (words,
 *	quoted strings, and the obsolete '.' in a phrase), comments (nesting
 *	bounded), angle addresses, obsolete route addresses
 *	("<@relay:user@dom>"), CFWS around the dots of a domain
 *	("a . example . com") and folding anywhere white space may be.
 *	UTF-8 (RFC 6532) is accepted in display names, comments and local
 *	parts; in the domain it is a failure (TK_FROM_NON_ASCII): the
 *	domain would need IDNA conversion to be looked up, which tiaki does
 *	not do, so it refuses rather than guesses.
 *
 *	Lines of the header section that were not fields (tk_msg's
 *	malformed count) do not make extraction fail: an mbox "From "
 *	separator line is one, and no reader takes such a line for a From
 *	field.
 * STANDARDS
 *	RFC 5322 3.2 (lexical tokens), 3.4 (address specification), 3.6.2
 *	(exactly one From), 4.4 (obsolete addressing); RFC 6532 3.2
 *	(UTF-8); RFC 7489 3.1, 6.6.1.
 * LIMITS
 *	TK_FROM_COMMENT_DEPTH_MAX nested comments, TK_FROM_TOKENS_MAX
 *	lexical items in the field (both TK_LIMIT), and the field limits of
 *	auth/message.h.
 * SECURITY
 *	Every byte is attacker-controlled. The field is read through a
 *	tk_cursor; comments are skipped with a depth counter, not recursion.
 */
#ifndef TIAKI_AUTH_FROM_H
#define TIAKI_AUTH_FROM_H

#include <stddef.h>

#include "auth/message.h"
#include "core/error.h"
#include "core/limits.h"

enum tk_from_reason {
    TK_FROM_OK = 0,
    TK_FROM_NONE,               /* no From field */
    TK_FROM_MULTIPLE_FIELDS,    /* more than one From field */
    TK_FROM_OVERFLOW,           /* header section over a limit: a From may be lost */
    TK_FROM_SYNTAX,             /* not a mailbox by RFC 5322 */
    TK_FROM_NESTING,            /* comments nested deeper than the limit */
    TK_FROM_TOO_COMPLEX,        /* more lexical items than the limit */
    TK_FROM_GROUP,              /* group syntax ("list: a@b, c@d;") */
    TK_FROM_MULTIPLE_ADDRESSES, /* more than one mailbox */
    TK_FROM_EMPTY,              /* no address at all ("", "<>", a comment) */
    TK_FROM_NO_DOMAIN,          /* a local part with no "@domain" */
    TK_FROM_ADDRESS_LITERAL,    /* "user@[192.0.2.1]" */
    TK_FROM_BAD_DOMAIN,         /* the domain is not a valid DNS name */
    TK_FROM_NON_ASCII,          /* the domain holds non-ASCII bytes */
};

struct tk_from {
    enum tk_from_reason reason;
    char domain[TK_DOMAIN_MAX + 1]; /* TK_FROM_OK: normalised, lower case */
    size_t field;                   /* index of the From field in the message;
                                       (size_t)-1 when there is none or several */
};

/* tk_from_domain finds the From domain of m. Returns TK_OK with
 * out->domain set, or a failure with out->reason and a message in err:
 *	TK_ABSENT   no From field (TK_FROM_NONE)
 *	TK_LIMIT    the message passed a header limit (TK_FROM_OVERFLOW,
 *	            checked first: a second From could be in what was
 *	            dropped), or the field passed a parsing limit
 *	TK_INVALID  every other reason above
 *	TK_NOMEM    out of memory
 * out->domain is "" on every failure. */
enum tk_status tk_from_domain(const struct tk_msg *m, struct tk_from *out, struct tk_error *err);

/* tk_from_parse_value reads one From field's value (what follows the
 * colon, folding kept) as tk_from_domain does, for callers that hold a
 * single field. out->field is left (size_t)-1. Same returns, without
 * TK_ABSENT and TK_FROM_OVERFLOW. */
enum tk_status tk_from_parse_value(const char *value, size_t len, struct tk_from *out,
                                   struct tk_error *err);

/* tk_from_reason_name returns a short fixed name for r: "ok",
 * "no-from", "multiple-from-fields", "header-overflow", "syntax",
 * "comment-nesting", "too-complex", "group", "multiple-addresses",
 * "no-address", "no-domain", "address-literal", "invalid-domain",
 * "non-ascii-domain". */
const char *tk_from_reason_name(enum tk_from_reason r);

#endif
