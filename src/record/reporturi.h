/*
 * NAME
 *	reporturi.h - report URIs of DMARC and TLS-RPT records (no I/O)
 * SUMMARY
 *	Check one rua=/ruf= URI; suggest the URI that was meant.
 * DESCRIPTION
 *	DMARC rua=/ruf= and TLS-RPT rua= hold comma-separated URIs. This
 *	module checks one of them, already split at ',' and trimmed: RFC
 *	3986 characters and a scheme; for mailto: an address whose domain
 *	it normalises (so a rule can check RFC 7489 7.1 authorisation of an
 *	external destination); for https: a host name. It also recognises
 *	the mistakes agencies copy from the seed ("mailto: <a@b>" with a
 *	space and angle brackets, or a bare address) and writes the URI
 *	that was meant, so a note can say exactly what to publish.
 * STANDARDS
 *	RFC 3986 3.1 and 2 (scheme, characters), RFC 6068 2 (mailto),
 *	RFC 7489 6.4 (dmarc-uri), RFC 8460 3 (tlsrpt-uri).
 * SECURITY
 *	Reads through a bounded cursor; copies nothing longer than the
 *	caller's buffer; never allocates.
 */
#ifndef TIAKI_RECORD_REPORTURI_H
#define TIAKI_RECORD_REPORTURI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cursor.h"
#include "core/error.h"
#include "core/limits.h"

struct tk_report_uri {
    bool is_mailto;                 /* scheme mailto: (any case) */
    bool is_https;                  /* scheme https: (any case) */
    bool has_domain;                /* mailto: local@domain with a valid domain;
                                       https: //host with a valid host name */
    char domain[TK_DOMAIN_MAX + 1]; /* normalised; "" unless has_domain */
};

/* tk_report_uri_check checks the URI s. Returns TK_OK with out filled
 * (a syntactically valid URI of any scheme; has_domain says whether
 * mailto:/https: name a usable destination), or TK_INVALID with err
 * saying what is wrong ("contains a space"). */
enum tk_status tk_report_uri_check(struct tk_span s, struct tk_report_uri *out,
                                   struct tk_error *err);

/* tk_report_uri_repair writes to out (outsz bytes) the mailto: URI a
 * person most likely meant by the invalid text s: "mailto: <a@b>"
 * becomes "mailto:a@b", "a@b" becomes "mailto:a@b". Returns true only
 * when the result is a valid mailto: URI with a usable domain and fits;
 * false leaves out as "". */
bool tk_report_uri_repair(struct tk_span s, char *out, size_t outsz);

#endif
