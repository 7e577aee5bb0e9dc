/*
 * NAME
 *	authres.h - Authentication-Results header fields (RFC 8601)
 * DESCRIPTION
 *	Three jobs:
 *
 *	- tk_authres_format writes the value of the field tiaki adds:
 *	  "mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=pass
 *	  header.d=example.com header.s=sel header.b=abcd1234; dmarc=pass
 *	  (p=reject dis=none) header.from=example.com". Values that are not
 *	  RFC 2045 tokens (nor local@domain) are quoted.
 *	- tk_authres_parse reads such a value back: authserv-id, optional
 *	  version, "none" or a list of method[/version]=result with reason=
 *	  and ptype.property=value, CFWS and comments anywhere.
 *	- tk_authres_claims_id / tk_authres_find_ours tell which fields of a
 *	  message claim our authserv-id, so a filter removes them before
 *	  adding its own (RFC 8601 5): downstream readers trust fields with
 *	  our id, so a sender must not be able to bring one. A field that
 *	  cannot be parsed but whose first word is our id is removed too:
 *	  better strip a forged field than keep it (OpenDKIM kept forged
 *	  ones, CVE-2022-48521).
 * STANDARDS
 *	RFC 8601 2.2 (syntax), 2.3-2.7, 5 (removing fields), Appendix B
 *	(examples); RFC 2045 5.1 (token, value); RFC 5322 3.2.2 (CFWS).
 * LIMITS
 *	TK_AUTHRES_RESULTS_MAX resinfo clauses, TK_AUTHRES_PROPS_MAX
 *	properties per clause, TK_AUTHRES_VALUE_MAX bytes per value,
 *	TK_AUTHRES_COMMENT_DEPTH_MAX nested comments: past any of them a
 *	parse is TK_LIMIT (never cut).
 * SECURITY
 *	Parsed fields are attacker-controlled; the parser reads through a
 *	tk_cursor and skips comments with a counter, not recursion. The
 *	writer refuses control bytes and non-ASCII in anything it writes,
 *	so no input can end the header field early (CR LF injection).
 */
#ifndef TIAKI_AUTH_AUTHRES_H
#define TIAKI_AUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/message.h"
#include "auth/result.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"

/* ---- writing ---- */

/* One property: ptype.property=value ("header.d=example.com"). */
struct tk_authres_prop {
    const char *ptype;    /* "smtp", "header", "body", "policy" */
    const char *property; /* "mailfrom", "helo", "d", "s", "b", "from" */
    const char *value;
};

/* One method's result, as tk_authres_format writes it. */
struct tk_authres_method {
    const char *method; /* "spf", "dkim", "dmarc" */
    enum tk_auth_result result;
    const char *comment; /* written in parentheses after the result, or NULL */
    const char *reason;  /* reason="...", or NULL */
    size_t nprops;
    struct tk_authres_prop props[TK_AUTHRES_PROPS_MAX];
};

/* tk_authres_format appends to out the value of an Authentication-
 * Results field (without the field name): the authserv-id, then each
 * of the n methods, or "none" when n is 0. Returns TK_OK; TK_INVALID
 * (err says which) when the id, a method, ptype or property is not a
 * keyword/token, or any text holds a control byte or non-ASCII (a value
 * with CR or LF could end the field early); TK_NOMEM or TK_LIMIT. out
 * is left as it was on failure. */
enum tk_status tk_authres_format(const char *authserv_id, const struct tk_authres_method *m,
                                 size_t n, struct tk_buf *out, struct tk_error *err);

/* ---- reading ---- */

struct tk_authres_pvalue {
    char ptype[TK_AUTHRES_VALUE_MAX + 1];
    char property[TK_AUTHRES_VALUE_MAX + 1];
    char value[TK_AUTHRES_VALUE_MAX + 1]; /* unquoted */
};

struct tk_authres_resinfo {
    char method[TK_AUTHRES_VALUE_MAX + 1]; /* lower case as written */
    unsigned method_version;               /* 0 when not written */
    char result_name[TK_AUTHRES_VALUE_MAX + 1];
    bool result_known; /* result_name is an RFC 8601 result */
    enum tk_auth_result result;
    bool has_reason;
    char reason[TK_AUTHRES_VALUE_MAX + 1];
    size_t nprops;
    struct tk_authres_pvalue props[TK_AUTHRES_PROPS_MAX];
};

/* A parsed field. Some 230 KB: allocate it, do not put it on a
 * thread's stack. */
struct tk_authres {
    char authserv_id[TK_AUTHRES_VALUE_MAX + 1]; /* unquoted, as written */
    unsigned version;                           /* 1 when not written */
    bool none;                                  /* "; none" */
    size_t nresults;
    struct tk_authres_resinfo results[TK_AUTHRES_RESULTS_MAX];
};

/* tk_authres_parse reads a field value (what follows the colon,
 * folding kept). Returns TK_OK with out filled, TK_INVALID when it is
 * not RFC 8601 syntax (err says where), TK_LIMIT past a limit above.
 * Only results[0 .. nresults-1] are written.
 * Result keywords that are not RFC 8601's are kept in result_name with
 * result_known false (a later RFC may add some). */
enum tk_status tk_authres_parse(const char *value, size_t len, struct tk_authres *out,
                                struct tk_error *err);

/* ---- removing forged fields ---- */

/* tk_authres_claims_id is true when the field value (what follows
 * "Authentication-Results:") claims authserv_id: its authserv-id equals
 * it ignoring case (and one trailing dot), or, when the field cannot be
 * parsed, its first word does, or our id stands as a whole word
 * anywhere before the first ';'. */
bool tk_authres_claims_id(const char *value, size_t len, const char *authserv_id);

/* A field of a message to remove. */
struct tk_authres_strip {
    size_t field;   /* index in the message (tk_msg_field_*) */
    size_t ordinal; /* 1-based among the Authentication-Results fields,
                       as libmilter's smfi_chgheader counts them */
};

/* tk_authres_find_ours writes to out (room for max) the fields of m
 * named Authentication-Results that claim authserv_id, in message
 * order, and their count to *n. Returns TK_OK, or TK_LIMIT when more
 * than max were found (the first max are in out, *n counts all). A
 * message marked overflow (tk_msg_overflow) may hold more such fields
 * in what was dropped: the caller must not trust it anyway. */
enum tk_status tk_authres_find_ours(const struct tk_msg *m, const char *authserv_id,
                                    struct tk_authres_strip *out, size_t max, size_t *n);

#endif
