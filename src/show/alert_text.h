/*
 * NAME
 *	alert_text.h - the words of an alert: subject, mail, JSON, syslog line
 * DESCRIPTION
 *	What a person (or a program) is told about one change event: the
 *	domain, its agency, the rule with its level, what it was, what it is
 *	now, the exact fix, and where the framework (the seed) and the NZISM
 *	ask for it. monitor/alert.c sends it; nothing here does I/O.
 *
 *	Every string that comes from the store (domain, agency, evidence,
 *	remediation) is evidence an attacker may have shaped (a published
 *	record, or a row someone wrote): each is made printable valid UTF-8
 *	before use, header values cannot carry a line break, and JSON
 *	strings are valid UTF-8.
 */
#ifndef TIAKI_SHOW_ALERT_TEXT_H
#define TIAKI_SHOW_ALERT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

/* The subject, before any RFC 2047 encoding: long enough for a domain
 * name of 253 bytes and the rule, short enough for a mail client's list
 * and a pager (the domain is cut with "..." beyond it). */
#define TK_ALERT_SUBJECT_MAX 200
/* The syslog line: one line, under the 1024 bytes RFC 3164 allows a
 * whole message, so no relay cuts it. */
#define TK_ALERT_LINE_MAX 900
/* Body text is wrapped at spaces to this many characters (RFC 5322
 * 2.1.1: SHOULD be 78 or fewer); a word longer than a line is never cut
 * (a record to copy must stay whole), and no line passes 998 bytes
 * because no field is longer than TK_EVIDENCE_MAX. */
#define TK_ALERT_WRAP 76
/* RFC 5321 4.5.3.1: 64 octets of local part, 255 of domain, 256 of path. */
#define TK_ALERT_ADDRESS_MAX 254

/* tk_alert_address_ok is true when addr is a plain mail address a
 * header and an SMTP envelope can carry as it is: local@domain, the
 * local part of RFC 5322 atext and dots (no quoted strings), the domain
 * of letters, digits, hyphens and at least one dot, no spaces, no
 * control bytes, at most TK_ALERT_ADDRESS_MAX bytes. "Name <a@b>" is
 * not an address here. */
bool tk_alert_address_ok(const char *addr);

/* tk_alert_subject writes one line (no CR, LF or other control byte;
 * UTF-8) to out: "[tiaki] regression: DOMAIN RULE pass -> fail", or for
 * new-domain and gone "[tiaki] new domain: DOMAIN". out has room for
 * TK_ALERT_SUBJECT_MAX bytes. */
void tk_alert_subject(const struct tk_event_row *r, char out[TK_ALERT_SUBJECT_MAX]);

/* tk_alert_body appends the plain-text body for a person to b: LF line
 * ends, wrapped at TK_ALERT_WRAP, no control byte but LF. */
enum tk_status tk_alert_body(const struct tk_event_row *r, struct tk_buf *b);

/* tk_alert_line writes the syslog line of the event (one line, no
 * control byte) to out. */
void tk_alert_line(const struct tk_event_row *r, char out[TK_ALERT_LINE_MAX]);

/* tk_alert_json returns the webhook object of alert a (a new
 * reference; NULL when out of memory):
 *   {"source":"tiaki", "alert_id", "event_id", "scan_id", "at" (RFC
 *    3339 UTC), "kind" ("regression", ...), "domain", "agency", "rule",
 *    "level", "seed", "nzism" (string or null), "from", "to" ("pass",
 *    ...), "before", "after", "remediation", "subject", "text" (the
 *    body), "attempt" (this delivery's number, from 1)}
 * Every string is valid UTF-8. */
json_t *tk_alert_json(const struct tk_alert_row *a);

/* What an RFC 5322 message needs besides the event. */
struct tk_alert_mail {
    const char *from;  /* envelope sender and From: (tk_alert_address_ok) */
    const char *to;    /* the recipient (tk_alert_address_ok) */
    int64_t date;      /* Unix time for Date: */
    int64_t alert_id;  /* for Message-ID */
    const char *token; /* unique text for Message-ID: [A-Za-z0-9.-], <= 64 */
};

/* tk_alert_mail appends the whole message to b: Date, From, To,
 * Subject (RFC 2047 encoded when not ASCII, folded), Message-ID
 * <tiaki.ALERT.TOKEN@FROM-DOMAIN>, MIME-Version, Content-Type text/plain;
 * charset=utf-8, Content-Transfer-Encoding 8bit, Auto-Submitted, then
 * the body; every line ends CRLF and is at most 998 bytes. TK_USAGE
 * when from, to or token is not acceptable (err says which); TK_NOMEM
 * or TK_LIMIT from the buffer. */
enum tk_status tk_alert_mail(const struct tk_alert_mail *m, const struct tk_event_row *r,
                             struct tk_buf *b, struct tk_error *err);

#endif
