/*
 * NAME
 *	payload.h - how report sources hand report bytes to report parsers
 * DESCRIPTION
 *	A source (reports/source.h: a file, a directory, a Maildir, an mbox,
 *	an IMAP mailbox) finds report payloads wherever they hide (gzip, zip,
 *	MIME attachments, inline parts, nested message/rfc822) and streams
 *	each one, decompressed, to a payload sink: begin, then data in chunks
 *	as they come out of the decompressor, then end. Nothing holds a whole
 *	report in memory unless the sink chooses to (TLS-RPT JSON is small and
 *	bounded; DMARC XML is parsed as it streams).
 *
 *	The kind is decided from the content, never from a file name: the
 *	first bytes of the decompressed payload ('<' after an optional BOM
 *	and white space: XML; '{': JSON).
 */
#ifndef TIAKI_REPORTS_PAYLOAD_H
#define TIAKI_REPORTS_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

enum tk_payload_kind {
    TK_PAYLOAD_DMARC_XML,  /* an aggregate report (RFC 7489 appendix C, RFC 9990) */
    TK_PAYLOAD_TLSRPT_JSON, /* an SMTP TLS report (RFC 8460) */
};

#define TK_PAYLOAD_ORIGIN_MAX 512

/* Where a payload came from, for messages a person reads:
 * "reports/2026-11.mbox: message 14 (Message-ID <...>): attachment
 * google.com!agency.govt.nz!....xml.zip: google.com!...xml". */
struct tk_payload_origin {
    char text[TK_PAYLOAD_ORIGIN_MAX];
};

/* A sink returns TK_OK to go on; anything else abandons this payload
 * (end() is still called with complete = false) and the source goes on
 * with the next one. err says why, for the caller's report of what was
 * skipped. */
struct tk_payload_sink {
    enum tk_status (*begin)(void *arg, enum tk_payload_kind kind,
                            const struct tk_payload_origin *origin, struct tk_error *err);
    enum tk_status (*data)(void *arg, const void *buf, size_t len, struct tk_error *err);
    /* complete: every byte arrived (false: the source failed or a limit
     * was reached: why says which). */
    enum tk_status (*end)(void *arg, bool complete, const char *why, struct tk_error *err);
    void *arg;
};

/* Limits every source applies (defaults in core/limits.h; the CLI may
 * lower or raise them within the hard bounds). */
struct tk_payload_limits {
    size_t decompressed_max; /* one report, after decompression (default 64 MB) */
    size_t zip_entries_max;  /* entries of one zip looked at */
    size_t nesting_max;      /* archives and message/rfc822 within each other */
    size_t message_max;      /* one mail message, before decoding */
};

#endif
