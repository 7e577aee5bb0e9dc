/*
 * NAME
 *	spf_eval.h - SPF check_host(): is this client allowed to send for
 *	this domain?
 * DESCRIPTION
 *	tk_spf_check_start evaluates the SPF record of a MAIL FROM (or
 *	HELO) domain for a client address, as RFC 7208 4 and 5 define
 *	check_host(), over a tk_resolver. The evaluation is a state machine
 *	driven by the resolver's callbacks: it submits its questions and
 *	resumes when they are answered, so one thread runs many checks at
 *	once on one resolver (a mail filter, a batch, a benchmark). The
 *	look-ups of one term that need several (mx and ptr: the address of
 *	each name) are asked at once. A completion callback delivers the
 *	result. tk_spf_check_sync wraps this for a caller that wants one
 *	answer now.
 *
 *	The result is data: the RFC 8601 result, the text of the mechanism
 *	that matched, the domain whose record decided, the explanation of a
 *	fail (exp=), and for temperror and permerror a reason a person can
 *	act on. Formatting for people is the caller's (tiaki spf check).
 * EXAMPLES
 *	One check, now:
 *		struct tk_spf_request req = {0};
 *		struct tk_spf_result res;
 *		tk_spf_ip_parse("192.0.2.1", &req.ip);
 *		req.sender = "user@example.nz"; req.helo = "mail.example.nz";
 *		if (tk_spf_check_sync(resolver, &req, &res, &err) == TK_OK)
 *			... res.result, res.mechanism, res.domain ...
 *	Many at once (a filter, a batch): tk_spf_check_start(resolver,
 *	&req, on_done, ctx, &err) for each, then tk_resolver_wait (or
 *	_drain) in the loop that serves the resolver; on_done(ctx, &res)
 *	runs once per check.
 * STANDARDS
 *	RFC 7208: 2.3 and 4.3 (identities, postmaster), 4.4 and 4.5 (record
 *	look-up and selection: TXT only, more than one record is
 *	permerror), 4.6.4 (10 DNS-querying terms over the whole evaluation,
 *	2 void look-ups, 10 names per mx or ptr), 5 (mechanisms; an
 *	IPv4-mapped IPv6 client is checked as IPv4), 6 (redirect, exp),
 *	7 (macros, %{p} validation). RFC 8601 2.7.2 (result names).
 * LIMITS
 *	TK_SPF_DNS_TERMS_MAX, TK_SPF_VOID_LOOKUPS_MAX,
 *	TK_SPF_MX_PTR_NAMES_MAX (core/limits.h). Include and redirect
 *	nesting is bounded by the term limit (each costs one term), so the
 *	evaluation holds at most TK_SPF_DNS_TERMS_MAX + 1 records and never
 *	recurses on the C stack; every question is bounded by the
 *	resolver's deadline, and the whole evaluation by the request's
 *	timeout_ms (TK_SPF_CHECK_TIMEOUT_MS_DEFAULT).
 * SECURITY
 *	Records, names and addresses come from DNS and are
 *	attacker-controlled: records go through the parser of
 *	record/spf.h, rdata through bounded decoders; nothing is sized
 *	from a count an answer declares.
 */
#ifndef TIAKI_AUTH_SPF_EVAL_H
#define TIAKI_AUTH_SPF_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/result.h"
#include "core/error.h"
#include "core/limits.h"
#include "dns/resolver.h"

/* A client address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is stored as
 * IPv4, as RFC 7208 5 asks. */
struct tk_spf_ip {
    bool v6;
    uint8_t addr[16]; /* IPv4: the first 4 bytes */
};

/* tk_spf_ip_parse reads an IPv4 or IPv6 address in text form. Returns
 * TK_OK or TK_INVALID. */
enum tk_status tk_spf_ip_parse(const char *text, struct tk_spf_ip *out);

/* tk_spf_ip_format writes ip as text (INET6_ADDRSTRLEN bytes suffice). */
void tk_spf_ip_format(const struct tk_spf_ip *ip, char *out, size_t cap);

enum tk_spf_identity {
    TK_SPF_ID_MAILFROM, /* the domain of the MAIL FROM reverse-path */
    TK_SPF_ID_HELO,     /* the HELO/EHLO name (RFC 7208 2.3) */
};

/* What to check. Strings are copied by tk_spf_check_start. */
struct tk_spf_request {
    struct tk_spf_ip ip; /* the SMTP client */
    /* The MAIL FROM reverse-path without angle brackets:
     * "local@domain", "@domain" (local part becomes "postmaster"), or
     * NULL or "" for the null reverse-path: then the HELO identity is
     * checked, with sender "postmaster@HELO" (RFC 7208 2.4). */
    const char *sender;
    const char *helo;     /* HELO/EHLO name; NULL: none given */
    const char *receiver; /* %{r} in explanations; NULL: "unknown" */
    long long now;        /* %{t} in explanations; 0: the current time */
    /* The whole evaluation's time (RFC 7208 4.6.4); past it the next
     * look-up is not asked and the result is temperror (a fail keeps
     * its result and loses its explanation). 0:
     * TK_SPF_CHECK_TIMEOUT_MS_DEFAULT. */
    int timeout_ms;
};

/* Bytes of a mechanism's text kept in a result; a longer term (only a
 * hostile record has one) is cut and ends in "...". */
#define TK_SPF_MECHANISM_TEXT_MAX 255

struct tk_spf_result {
    enum tk_auth_result result;    /* none .. permerror */
    enum tk_spf_identity identity; /* which identity was checked */
    /* The domain checked (the MAIL FROM domain or the HELO name),
     * normalised; when it is no valid domain (result none), as given,
     * control bytes and invalid UTF-8 replaced by '?'. */
    char checked[TK_DOMAIN_MAX + 1];
    /* The domain whose record decided: the one holding the matching
     * mechanism (after redirect=, the target), or where an error was
     * found; "" when no record was reached. */
    char domain[TK_DOMAIN_MAX + 1];
    /* The matching mechanism as written ("-all", "ip4:192.0.2.0/24",
     * "include:_spf.example.net"); "" when none matched (neutral by
     * default, none, errors). */
    char mechanism[TK_SPF_MECHANISM_TEXT_MAX + 1];
    /* fail only: the expanded exp= explanation (RFC 7208 6.2); "" when
     * none was published or it could not be used. */
    char explanation[TK_SPF_MACRO_EXPANSION_MAX + 1];
    /* temperror, permerror, and none: why, for a person. */
    char reason[TK_ERROR_MSG_MAX];
    unsigned dns_terms;    /* DNS-querying terms evaluated (RFC 7208 4.6.4) */
    unsigned void_lookups; /* look-ups that found nothing (4.6.4) */
    unsigned queries;      /* DNS questions asked, exp= included */
};

/* Called once per check with its result, which lives only during the
 * call. */
typedef void (*tk_spf_done)(void *arg, const struct tk_spf_result *res);

/* tk_spf_check_start starts check_host() for req on r. done runs once,
 * from a later tk_resolver_wait on r, or before tk_spf_check_start
 * returns when no DNS question is needed (the domain is not a valid
 * multi-label name, or none was given: none) or the first one cannot be
 * submitted (temperror). The check frees itself after done returns; done
 * may start further checks. Returns TK_OK (done will run or has run) or
 * TK_NOMEM (done does not run; err says so). r must not be freed while
 * checks are running: drain it first. */
enum tk_status tk_spf_check_start(struct tk_resolver *r, const struct tk_spf_request *req,
                                  tk_spf_done done, void *arg, struct tk_error *err);

/* tk_spf_check_sync runs one check to its end on r (other questions
 * pending on r are answered too, their callbacks run) and writes the
 * result to out. Returns TK_OK (out filled, whatever the SPF result),
 * TK_IO when the resolver failed (err says how) or an error of
 * tk_spf_check_start. */
enum tk_status tk_spf_check_sync(struct tk_resolver *r, const struct tk_spf_request *req,
                                 struct tk_spf_result *out, struct tk_error *err);

#endif
