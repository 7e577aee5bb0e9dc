/*
 * NAME
 *	source.h - find report payloads in files, folders, mailboxes and mail
 * SUMMARY
 *	tk_report_source_path("reports/", NULL, &sink, &stats, &err) walks a
 *	folder, opens every archive and mail it finds, and streams each DMARC
 *	XML or TLS-RPT JSON payload, decompressed, to the sink (payload.h).
 * DESCRIPTION
 *	What a thing is comes from its bytes, never its name: gzip (1f 8b),
 *	zip ("PK\3\4"), XML ('<' and an element or prolog), JSON ('{'), an
 *	RFC 5322 message (a header field first), an mbox ("From " first).
 *	Archives and mail are opened and what they hold is looked at the same
 *	way, to TK_REPORT_NESTING_MAX levels. Mail is parsed by GMime: every
 *	leaf part is decoded (base64, quoted-printable, uuencode, or none)
 *	and sniffed, whatever its Content-Type or Content-Disposition says;
 *	message/rfc822 parts are opened as messages. A failure report (ARF,
 *	message/feedback-report) is skipped whole: it is not an aggregate
 *	report.
 *
 *	Nothing stops the batch but a path that cannot be opened: a broken
 *	file, a hostile archive, a payload the sink refused are each counted
 *	and described in the stats, and the walk goes on.
 */
#ifndef TIAKI_REPORTS_SOURCE_H
#define TIAKI_REPORTS_SOURCE_H

#include <stddef.h>

#include "core/error.h"
#include "reports/payload.h"

/* Descriptions of skipped items kept for the CLI to print; more are
 * counted in skipped but not described. */
#define TK_SOURCE_SKIPS_MAX 64
#define TK_SOURCE_SKIP_TEXT_MAX (TK_PAYLOAD_ORIGIN_MAX + TK_ERROR_MSG_MAX + 16)

/* What a source found. Every count is added to, never reset, so one
 * struct can gather a whole batch; a zero-initialised struct is empty. */
struct tk_source_stats {
    size_t files;         /* regular files opened */
    size_t directories;   /* directories walked (Maildir folders included) */
    size_t messages;      /* mail messages parsed (attached ones included) */
    size_t archives;      /* gzip streams and zip archives opened */
    size_t payloads[2];   /* payloads handed to the sink, by enum tk_payload_kind */
    size_t rejected;      /* of those, abandoned: the sink refused or a limit cut them */
    size_t parts_skipped; /* mail parts holding no report (explanations, HTML) */
    size_t skipped;       /* files, entries, messages, payloads skipped with a reason */
    size_t nskip;         /* descriptions kept in skip (at most TK_SOURCE_SKIPS_MAX) */
    /* "reports/x.zip: entry 3 (a.xml): larger than 64 MB when decompressed: skipped" */
    char skip[TK_SOURCE_SKIPS_MAX][TK_SOURCE_SKIP_TEXT_MAX];
};

/* tk_report_limits_default fills lim with the defaults of core/limits.h. */
void tk_report_limits_default(struct tk_payload_limits *lim);

/* tk_report_source_path reads the report source at path: a regular file
 * (of any format above), a directory (regular files below it, to
 * TK_REPORT_DIR_DEPTH_MAX levels, in name order, names starting with '.'
 * and symbolic links skipped), or a Maildir (a directory with cur/ and
 * new/: the messages in those, and Maildir++ sub-folders). A symbolic
 * link named by path itself is followed: the user chose it. Each payload
 * is streamed to sink: begin, data in chunks of at most 64 KB, end. lim
 * may be NULL (defaults); a zero field takes its default; fields above
 * their hard bound (core/limits.h) are clamped. stats is added to.
 * Returns TK_OK when the source was read, whatever it held (see stats);
 * TK_ABSENT when path does not exist, TK_IO when it cannot be opened or
 * is neither a file nor a directory, TK_USAGE on a NULL argument. */
enum tk_status tk_report_source_path(const char *path, const struct tk_payload_limits *lim,
                                     const struct tk_payload_sink *sink,
                                     struct tk_source_stats *stats, struct tk_error *err);

/* tk_report_source_message reads one RFC 5322 message of len bytes at
 * buf (from IMAP, say), parsed as a message whatever its first bytes.
 * origin names it for people ("imaps://host/INBOX: UID 42"; NULL:
 * "message"). Limits, sink and stats as for tk_report_source_path; the
 * payloads found are the growth of stats->payloads. Returns TK_OK when
 * the message was parsed (even if it held no report), TK_LIMIT when it is
 * larger than lim->message_max or its structure passes a MIME limit,
 * TK_INVALID when it is not a message GMime can read, TK_USAGE on a NULL
 * argument; in each failing case a skip is also recorded in stats. */
enum tk_status tk_report_source_message(const void *buf, size_t len, const char *origin,
                                        const struct tk_payload_limits *lim,
                                        const struct tk_payload_sink *sink,
                                        struct tk_source_stats *stats, struct tk_error *err);

#endif
