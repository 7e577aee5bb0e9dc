/*
 * NAME
 *	imap.h - fetch report mail from an IMAP mailbox
 * SUMMARY
 *	struct tk_imap_options o = {
 *	    .url = "imaps://dmarc@mail.agency.govt.nz/INBOX",
 *	    .password = password_from_config_or_env,
 *	    .move_to = "processed",
 *	};
 *	struct tk_imap_stats stats = {0};
 *	st = tk_imap_fetch(&o, each_message, arg, &stats, &err);
 *
 *	each_message(arg, msg, len, origin, err) gets one whole RFC 5322
 *	message (CRLF line ends, as IMAP sends it) and returns TK_OK when it
 *	took it (tk_report_source_message is made to be called from it).
 * DESCRIPTION
 *	One login (libcurl, one connection kept for the call), then:
 *	1. the mailbox is selected; with move_to, the folder is created
 *	   when it is missing (before any message is touched);
 *	2. the messages to take are listed by UID SEARCH, UNSEEN (the
 *	   default) or ALL, at most messages_max of them, lowest UIDs first;
 *	3. their sizes and flags are asked for (UID FETCH RFC822.SIZE FLAGS);
 *	4. each message is fetched whole by UID, one at a time, and handed
 *	   to each; a message larger than message_max is never fetched
 *	   (skipped, with a reason); then, by what each said:
 *	   - TK_OK: taken. Moved to move_to when it is set (UID MOVE when the
 *	     server has MOVE, else UID COPY, \Deleted and UID EXPUNGE, or
 *	     EXPUNGE without UIDPLUS), else left in place marked \Seen;
 *	   - TK_TEMP: refused for now (a store that is busy): the message
 *	     stays, and gets its \Seen flag back off if it was unseen, so
 *	     the next run tries it again;
 *	   - TK_INVALID, TK_LIMIT, TK_ABSENT: refused for good (no report
 *	     in it, a hostile attachment): the message stays, marked \Seen
 *	     (fetching set it), so an UNSEEN run does not take it again, and
 *	     a person can still look at it;
 *	   - TK_NOMEM, TK_IO, TK_USAGE: the caller cannot go on (its store is
 *	     broken): the message stays as in TK_TEMP and the call ends with
 *	     each's status and error.
 *	Why UNSEEN by default: a mailbox people also read, or where taken
 *	mail stays (no move_to), is worked through once; ALL is for a first
 *	import or after changing what is kept (the store keeps a report
 *	once however often it arrives, so ALL is safe, only slower).
 *	A message skipped for its size is marked \Seen too: it was looked
 *	at and will not fit next time either.
 * STANDARDS
 *	RFC 3501 (IMAP4rev1), RFC 2595 (STARTTLS in IMAP), RFC 8314 (implicit
 *	TLS on 993), RFC 6851 (MOVE), RFC 4315 (UIDPLUS: UID EXPUNGE),
 *	RFC 5092 (IMAP URL), RFC 3501 5.1.3 (modified UTF-7 names).
 * LIMITS
 *	messages_max a call (TK_IMAP_MESSAGES_DEFAULT, at most
 *	TK_IMAP_MESSAGES_MAX); message_max bytes a message (default
 *	TK_REPORT_MESSAGE_MAX, at most TK_BUF_MAX); timeout_ms a command
 *	(TK_IMAP_TIMEOUT_MS_DEFAULT, at most TK_IMAP_TIMEOUT_MS_MAX); the
 *	search is made in windows of IMAP_SEARCH_WINDOW messages and each
 *	untagged response is held to IMAP_RESPONSE_MAX bytes (imap.c); the
 *	call ends after IMAP_FAILURES_MAX failed fetches in a row.
 * SECURITY
 *	TLS always: imaps:// from the start, imap:// only with STARTTLS
 *	(a server without it gets no password). Certificates and host
 *	names verified (against ca_file when set). Never a proxy, whatever
 *	the environment says; no .netrc. The password is given by the
 *	caller and goes to libcurl only, never into a URL, an error or a
 *	log; a URL with a password in it is refused. What the server says
 *	is bounded and sanitised before it reaches an error, an origin or
 *	a skip reason.
 * THREADS
 *	A call owns its libcurl handle; calls may run on several threads.
 *	curl_global_init must have been called before (the CLI's main does).
 */
#ifndef TIAKI_REPORTS_IMAP_H
#define TIAKI_REPORTS_IMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Which messages of the mailbox are taken. */
enum tk_imap_which {
    TK_IMAP_UNSEEN = 0, /* the default: those without \Seen */
    TK_IMAP_ALL,
};

struct tk_imap_options {
    /* imaps://[user@]host[:port][/mailbox] (TLS), or imap://... (STARTTLS,
     * required); the mailbox is UTF-8, percent-encoded, INBOX when none.
     * Never a password: that is refused. */
    const char *url;
    /* The login name; NULL or "": the URL's. When both are given they
     * must be the same. */
    const char *user;
    /* Required. Read by the caller from the configuration file or the
     * environment, never from the command line. */
    const char *password;
    /* PEM file of the CAs to trust; NULL or "": the system's. */
    const char *ca_file;
    /* A numeric IPv4 or IPv6 address to connect to instead of looking the
     * URL's host up (its port kept); the certificate is still checked
     * against the URL's host name. NULL or "": DNS. */
    const char *connect_to;
    /* The folder taken messages go to, as the server names it (its
     * hierarchy separator included: "Archive/DMARC" or "Archive.DMARC"),
     * UTF-8; created when missing. NULL or "": they stay where they are. */
    const char *move_to;
    enum tk_imap_which which;
    size_t message_max;  /* bytes of one message; 0: TK_REPORT_MESSAGE_MAX */
    size_t messages_max; /* messages a call; 0: TK_IMAP_MESSAGES_DEFAULT */
    long timeout_ms;     /* one command; 0: TK_IMAP_TIMEOUT_MS_DEFAULT */
    /* Told, when not NULL, of each message passed over for a reason of
     * its own that each never sees (too large; gone before it was
     * fetched; the server failed to send it; a flag not restored):
     * origin as each gets it, why a sentence. arg is tk_imap_fetch's. */
    void (*skipped)(void *arg, const char *origin, const char *why);
};

/* What a call did. Counts are added to, never reset, so one struct can
 * gather several mailboxes; a zero-initialised struct is empty. */
struct tk_imap_stats {
    size_t listed;    /* messages the search gave (at most messages_max) */
    size_t fetched;   /* fetched whole and handed to each */
    size_t bytes;     /* their size */
    size_t accepted;  /* each said TK_OK */
    size_t rejected;  /* each refused them: they stay in the mailbox */
    size_t too_large; /* larger than message_max: never fetched, they stay */
    size_t failed;    /* listed but not fetched (gone, or the server failed) */
    size_t moved;     /* accepted and moved to move_to */
    bool more;        /* the search found more than messages_max: run again */
};

/* The callback: one whole message, len bytes at msg (valid during the
 * call only), and where it came from for people, sanitised:
 * "imaps://dmarc@host/INBOX: UID 42". See DESCRIPTION for what its
 * status does. err (never NULL) is each's to fill. */
typedef enum tk_status (*tk_imap_each_fn)(void *arg, const void *msg, size_t len,
                                          const char *origin, struct tk_error *err);

/* tk_imap_fetch takes the messages of o->url's mailbox, hands each to
 * each, and moves or flags it as DESCRIPTION says; stats (may be NULL)
 * is added to. Returns:
 *   TK_OK      the mailbox was worked through (what each said is in
 *              stats; stats->more says whether messages are waiting);
 *   TK_USAGE   the options are wrong (URL, no password, a user in both
 *              places that differs, connect_to not an address, move_to
 *              not a usable name or the mailbox itself, ca_file unreadable),
 *              or the server refused the login;
 *   TK_ABSENT  the server has no such mailbox;
 *   TK_INVALID the server cannot be used safely: its certificate did not
 *              verify, it offers no STARTTLS, or it cannot create move_to;
 *   TK_TEMP    the server could not be reached or failed (refused,
 *              timeout, TLS handshake, a command it refused, a message
 *              taken that could not be moved): try again later;
 *   TK_LIMIT   the server's responses passed a limit (hostile or broken);
 *   TK_NOMEM, or what each returned to stop the call (TK_IO, ...).
 * err says why, naming the mailbox (never the password). Messages taken
 * before a failure stay taken (and counted). */
enum tk_status tk_imap_fetch(const struct tk_imap_options *o, tk_imap_each_fn each, void *arg,
                             struct tk_imap_stats *stats, struct tk_error *err);

#endif
