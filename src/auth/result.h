/*
 * NAME
 *	result.h - the results of SPF, DKIM and DMARC, as RFC 8601 names them
 * DESCRIPTION
 *	Every evaluator of src/auth/ ends in one of these results, so the
 *	Authentication-Results writer, DMARC (which takes SPF's and DKIM's
 *	results as input) and the command line share one vocabulary.
 *	temperror means "try again later" (a DNS timeout or SERVFAIL);
 *	permerror means the published data is broken and will stay so
 *	until its owner fixes it (core/error.h keeps the same split as
 *	TK_TEMP and TK_INVALID).
 * STANDARDS
 *	RFC 8601 2.7 (result values for spf, dkim, dmarc), RFC 7208 2.6,
 *	RFC 6376 6.1, RFC 7489 11.2.
 */
#ifndef TIAKI_AUTH_RESULT_H
#define TIAKI_AUTH_RESULT_H

#include <stdbool.h>
#include <stddef.h>

enum tk_auth_result {
    TK_AUTH_NONE = 0, /* nothing published (no SPF record, no signature) */
    TK_AUTH_PASS,
    TK_AUTH_FAIL,
    TK_AUTH_SOFTFAIL,  /* SPF only */
    TK_AUTH_NEUTRAL,   /* SPF; DKIM: a signature that could not be judged */
    TK_AUTH_POLICY,    /* DKIM: verified, but refused by local policy */
    TK_AUTH_TEMPERROR, /* try again later */
    TK_AUTH_PERMERROR, /* the published data is broken */
};

/* tk_auth_result_name returns the RFC 8601 name: "pass", "fail", ... */
const char *tk_auth_result_name(enum tk_auth_result r);

/* tk_auth_result_parse maps an RFC 8601 result name (any case) back;
 * false when the name is none of them. "hardfail" (RFC 8601 2.7.1's
 * older synonym seen in the wild) is read as fail. */
bool tk_auth_result_parse(const char *name, size_t len, enum tk_auth_result *out);

#endif
