/*
 * NAME
 *	mtasts.h - MTA-STS TXT record and policy file parsers (no I/O)
 * DESCRIPTION
 *	tk_mtasts_txt_parse reads the TXT record at _mta-sts.<domain>:
 *	"v=STSv1; id=20240101T000000;" (id is 1-32 letters and digits).
 *	tk_mtasts_policy_parse reads the policy file served at
 *	https://mta-sts.<domain>/.well-known/mta-sts.txt: "key: value"
 *	lines ending in CRLF or LF with version, mode, mx (repeatable) and
 *	max_age. tk_mtasts_mx_matches applies an mx pattern ("mail.gov.nz",
 *	"*.gov.nz": the wildcard covers exactly one leftmost label) to a
 *	host name.
 * STANDARDS
 *	RFC 8461 3.1 (TXT), 3.2 (policy), 4.1 (mx matching).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes of TXT; policy files up to
 *	TK_MTASTS_POLICY_MAX bytes and TK_MX_MAX mx patterns; max_age at
 *	most 31557600 (RFC 8461 3.2).
 */
#ifndef TIAKI_RECORD_MTASTS_H
#define TIAKI_RECORD_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"
#include "record/notes.h"

#define TK_MTASTS_ID_MAX 32
#define TK_MTASTS_POLICY_MAX 65536
#define TK_MTASTS_MAX_AGE_MAX 31557600UL

struct tk_mtasts_txt {
    char id[TK_MTASTS_ID_MAX + 1];
    struct tk_notes notes; /* extension tags, white space oddities */
};

/* tk_mtasts_txt_is_record is true when the text begins "v=STSv1"
 * followed by ';', white space or its end. */
bool tk_mtasts_txt_is_record(const char *txt, size_t len);

/* tk_mtasts_txt_is_candidate is true when the text was meant as an
 * MTA-STS record, valid or not: exactly when tk_mtasts_txt_parse would
 * not return TK_ABSENT, but without parsing the rest. */
bool tk_mtasts_txt_is_candidate(const char *txt, size_t len);

/* tk_mtasts_txt_parse returns TK_OK, TK_ABSENT (not an MTA-STS record),
 * TK_INVALID (id missing or malformed; or a record plainly meant as
 * MTA-STS that senders discard: "V=STSv1", a leading space, v= not
 * first, no ';' after the version; err says what to write) or
 * TK_LIMIT. A repeated id= keeps the first, with a note. */
enum tk_status tk_mtasts_txt_parse(const char *txt, size_t len, struct tk_mtasts_txt *out,
                                   struct tk_error *err);

enum tk_mtasts_mode {
    TK_MTASTS_MODE_UNSET = 0,
    TK_MTASTS_MODE_ENFORCE,
    TK_MTASTS_MODE_TESTING,
    TK_MTASTS_MODE_NONE,
};

struct tk_mtasts_policy {
    enum tk_mtasts_mode mode;
    unsigned long max_age;
    size_t nmx;
    char mx[TK_MX_MAX][TK_DOMAIN_MAX + 1]; /* lower-cased patterns */
    struct tk_notes notes;                 /* unknown keys, duplicate keys, LF-only lines */
};

/* tk_mtasts_policy_parse returns TK_OK, TK_INVALID (version not STSv1,
 * mode missing or unknown, max_age missing or out of range, no mx in
 * enforce or testing mode, a line that is not "key: value"; err names the
 * line) or TK_LIMIT (more than TK_MTASTS_POLICY_MAX bytes, or more than
 * TK_MX_MAX mx patterns: dropping one could make a covered MX look
 * uncovered). Keys and mode values are case-sensitive (RFC 8461 %s);
 * the first of a repeated key counts; an mx value that is no host name
 * or "*.domain" pattern is dropped with a note. On error out holds what
 * was read before it. */
enum tk_status tk_mtasts_policy_parse(const char *text, size_t len, struct tk_mtasts_policy *out,
                                      struct tk_error *err);

/* tk_mtasts_mx_matches is true when the normalised host name matches
 * the pattern (RFC 8461 4.1). */
bool tk_mtasts_mx_matches(const char *pattern, const char *host);

const char *tk_mtasts_mode_name(enum tk_mtasts_mode mode);

#endif
