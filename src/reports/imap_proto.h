/*
 * NAME
 *	imap_proto.h - the pure parts of IMAP report fetching (no I/O)
 * DESCRIPTION
 *	What reports/imap.c needs besides libcurl, kept apart so it can be
 *	tested on its own: the mailbox URL an operator gives (parsed and
 *	checked, a password in it refused), mailbox names as IMAP wants
 *	them (modified UTF-7, quoted), the URL handed to libcurl, UID sets,
 *	and the few untagged responses read back: SEARCH, FETCH (UID,
 *	RFC822.SIZE, FLAGS), CAPABILITY and LIST. Responses arrive as
 *	libcurl hands them to a custom request's write callback: one
 *	untagged response a line, "\n" or "\r\n" after each.
 * STANDARDS
 *	RFC 3501 (IMAP4rev1: 5.1.3 mailbox international naming, 6.4.4
 *	SEARCH, 7.2.2 LIST, 7.2.5 SEARCH response, 7.4.2 FETCH response,
 *	9 formal syntax), RFC 5092 (IMAP URL), RFC 3986 (URI), RFC 4315
 *	(UIDPLUS), RFC 6851 (MOVE), RFC 7162 (CONDSTORE: a MODSEQ in SEARCH).
 * LIMITS
 *	TK_IMAP_USER_MAX, TK_IMAP_MAILBOX_MAX and TK_IMAP_URL_MAX bound
 *	what an operator types; every response is parsed within the bytes
 *	given (libcurl's lines, bounded by the caller), and a list of UIDs
 *	grows to the caller's maximum and no further.
 * SECURITY
 *	Responses come from the server: attacker-controlled. They are read
 *	through tk_cursor only; a number is taken only when it fits 32 bits
 *	(UIDs, sequence numbers) or 63 (sizes); nothing is sized from one.
 *	Names that reach a command are checked for what could end or
 *	split it (CR, LF, NUL, other controls) before they are quoted.
 */
#ifndef TIAKI_REPORTS_IMAP_PROTO_H
#define TIAKI_REPORTS_IMAP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "core/error.h"
#include "core/limits.h"

/* A login name: e-mail addresses and Windows domain\user names fit. */
#define TK_IMAP_USER_MAX 255
/* A mailbox name as the operator writes it (UTF-8), and its modified
 * UTF-7 form (non-ASCII grows to at most 8/3 of its UTF-16 length plus
 * the shift characters). Real folder names are a few dozen bytes. */
#define TK_IMAP_MAILBOX_MAX 255
#define TK_IMAP_MAILBOX_ENC_MAX 1024
/* The whole URL an operator gives. */
#define TK_IMAP_URL_MAX 2048

struct tk_imap_url {
    bool tls;                              /* imaps: TLS from the start; imap: STARTTLS, required */
    char host[TK_DOMAIN_MAX + 3];          /* a name, an IPv4 address, or [IPv6] as written */
    unsigned port;                         /* the URL's, or 993 (imaps) / 143 (imap) */
    char user[TK_IMAP_USER_MAX + 1];       /* percent-decoded; "" when the URL names none */
    char mailbox[TK_IMAP_MAILBOX_MAX + 1]; /* percent-decoded UTF-8; "INBOX" when none */
};

/* tk_imap_url_parse reads url, "imap://" or "imaps://" (any case), then
 * [user@]host[:port], then an optional "/mailbox" (percent-encoded UTF-8,
 * one trailing "/" dropped; INBOX when empty). Refused with TK_USAGE and a
 * reason: another scheme; a password in the URL (it belongs in the
 * configuration or the environment); login options (";AUTH=");
 * a query, fragment or IMAP URL parameter (";UID=", ";UIDVALIDITY=": the
 * URL names a mailbox, tiaki picks the messages); a host that is not a
 * name, IPv4 address or bracketed IPv6 address; a port outside 1-65535;
 * a user or mailbox with a control byte, invalid UTF-8, or longer than its
 * limit; anything longer than TK_IMAP_URL_MAX. */
enum tk_status tk_imap_url_parse(const char *url, struct tk_imap_url *out, struct tk_error *err);

/* tk_imap_mailbox_encode writes name (UTF-8) in modified UTF-7 (RFC 3501
 * 5.1.3) to out: printable ASCII as itself but "&" as "&-", every run of
 * other characters as "&" + modified base64 of its UTF-16 + "-". TK_USAGE
 * for an empty name, a control byte (CR, LF, NUL, ...), invalid UTF-8, or
 * a result that does not fit outsize. */
enum tk_status tk_imap_mailbox_encode(const char *name, char *out, size_t outsize,
                                      struct tk_error *err);

/* tk_imap_quote writes s as an IMAP quoted string ("...", with "\" and
 * '"' escaped) to out. False when s holds a byte a quoted string cannot
 * (CR, LF, NUL, other controls, 8-bit) or the result does not fit. */
bool tk_imap_quote(const char *s, char *out, size_t outsize);

/* tk_imap_curl_url writes the URL libcurl is given for u's mailbox:
 * "imaps://HOST:PORT/MAILBOX" with the mailbox in modified UTF-7 and
 * percent-encoded (every byte but letters and digits), so nothing in it
 * reads as a path segment, parameter or query; never a user or password
 * (they go to libcurl separately). suffix (may be "") is appended as is:
 * "/;UID=42". TK_USAGE when the name cannot be encoded or it does not fit. */
enum tk_status tk_imap_curl_url(const struct tk_imap_url *u, const char *suffix, char *out,
                                size_t outsize, struct tk_error *err);

/* tk_imap_url_show writes u for people: "imaps://user@host/INBOX" (the
 * port when it is not the scheme's, the mailbox as UTF-8), sanitised. */
void tk_imap_url_show(const struct tk_imap_url *u, char *out, size_t outsize);

/* ---- UID lists ---- */

/* A growing list of UIDs: at most max are kept; cut is set when the
 * server named more. Zero-initialise, set max, free with
 * tk_imap_uids_free. */
struct tk_imap_uids {
    uint32_t *v;
    size_t n, cap, max;
    bool cut;
};

void tk_imap_uids_free(struct tk_imap_uids *u);

/* tk_imap_uids_sort sorts the list ascending and drops duplicates. */
void tk_imap_uids_sort(struct tk_imap_uids *u);

/* tk_imap_uids_find returns the index of uid in a sorted list, or -1. */
long tk_imap_uids_find(const struct tk_imap_uids *u, uint32_t uid);

/* tk_imap_uid_set writes a UID set for the n sorted UIDs at uids to out,
 * ranges joined ("1:5,7,9:12"), as many of them as fit outsize, and
 * returns how many it took (0 when not even one fits). */
size_t tk_imap_uid_set(const uint32_t *uids, size_t n, char *out, size_t outsize);

/* ---- responses ---- */

/* tk_imap_search_parse adds the numbers of every "* SEARCH" line of the
 * len bytes at p to u (other lines are left alone), at most u->max of
 * them (u->cut when there were more). A CONDSTORE "(MODSEQ n)" at the end
 * is skipped. TK_INVALID when a SEARCH line holds anything else (a
 * number of 0 or past 32 bits included), TK_NOMEM. */
enum tk_status tk_imap_search_parse(const char *p, size_t len, struct tk_imap_uids *u,
                                    struct tk_error *err);

/* One FETCH response: its sequence number and what was asked for. */
struct tk_imap_fetch_item {
    uint32_t seq;
    uint32_t uid;
    uint64_t size; /* RFC822.SIZE */
    bool has_uid, has_size, has_flags;
    bool seen; /* FLAGS holds \Seen */
};

/* tk_imap_fetch_parse reads one line "* N FETCH (...)" (line end
 * excluded): UID, RFC822.SIZE and FLAGS are kept, any other item is
 * skipped (numbers, atoms, quoted strings, NIL, nested lists). TK_ABSENT
 * when the line is not a FETCH response; TK_INVALID when it is one that
 * cannot be read (a literal, an unbalanced list, a number too large). */
enum tk_status tk_imap_fetch_parse(struct tk_span line, struct tk_imap_fetch_item *out);

/* tk_imap_next_line takes the next line of an untagged response stream
 * (cursor c) into line, without its "\r\n" or "\n"; false at the end. */
bool tk_imap_next_line(struct tk_cursor *c, struct tk_span *line);

/* tk_imap_capability_has is true when a "* CAPABILITY" line of the len
 * bytes at p names cap (any case, whole word). */
bool tk_imap_capability_has(const char *p, size_t len, const char *cap);

/* tk_imap_list_selectable is true when the len bytes at p hold a
 * "* LIST" line of a mailbox that exists and can hold mail (not
 * \Noselect or \NonExistent). The caller lists one name without
 * wildcards, so any such line is that name. */
bool tk_imap_list_selectable(const char *p, size_t len);

#endif
