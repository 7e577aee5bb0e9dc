/*
 * NAME
 *	tlsrpt.h - SMTP TLS Reporting policy record parser (no I/O)
 * DESCRIPTION
 *	Parses the TXT record at _smtp._tls.<domain>:
 *	"v=TLSRPTv1; rua=mailto:a@b,https://c/". v= must come first and be
 *	exactly TLSRPTv1; rua= holds one or more comma-separated URIs, each
 *	mailto: or https:. Invalid URIs are dropped with a note; a record
 *	with no valid URI is invalid. The seed's own example puts a space
 *	after "mailto:" and angle brackets around the address: both are
 *	noted with the text to write.
 * STANDARDS
 *	RFC 8460 3 (tlsrpt-record, tlsrpt-rua).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes, TK_TLSRPT_URIS_MAX URIs.
 */
#ifndef TIAKI_RECORD_TLSRPT_H
#define TIAKI_RECORD_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"
#include "record/notes.h"

#define TK_TLSRPT_URI_MAX 256

struct tk_tlsrpt_uri {
    char uri[TK_TLSRPT_URI_MAX + 1];
    bool is_mailto; /* else https: */
};

struct tk_tlsrpt_record {
    size_t nrua;
    struct tk_tlsrpt_uri rua[TK_TLSRPT_URIS_MAX];
    struct tk_notes notes;
};

/* tk_tlsrpt_is_record is true when the text begins "v=TLSRPTv1" followed
 * by ';', white space or its end. */
bool tk_tlsrpt_is_record(const char *txt, size_t len);

/* tk_tlsrpt_is_candidate is true when the text was meant as a TLS-RPT
 * record, valid or not: exactly when tk_tlsrpt_record_parse would not
 * return TK_ABSENT, but without parsing the rest. Near misses such as
 * "V=TLSRPTv1" count, so they are reported with their fix rather than
 * as "no record". */
bool tk_tlsrpt_is_candidate(const char *txt, size_t len);

/* tk_tlsrpt_record_parse returns TK_OK (at least one usable URI kept),
 * TK_ABSENT (not a TLS-RPT record), TK_INVALID (no valid rua=, or rua=
 * missing; or a record plainly meant as TLS-RPT that senders discard:
 * "V=TLSRPTv1", a leading space, v= not first, no ';' after the version;
 * err says what to write, and for the seed's "mailto: <address>" gives
 * the exact rua= to publish) or TK_LIMIT. err quotes record bytes only
 * as printable ASCII. */
enum tk_status tk_tlsrpt_record_parse(const char *txt, size_t len, struct tk_tlsrpt_record *out,
                                      struct tk_error *err);

#endif
