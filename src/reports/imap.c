/*
 * NAME
 *	imap.c - fetch report mail from an IMAP mailbox over libcurl
 * SUMMARY
 *	tk_imap_fetch: log in, list, fetch each message, hand it over, move
 *	or flag it (imap.h says what happens to a message and why).
 * DESCRIPTION
 *	One libcurl easy handle and so one connection (kept between
 *	commands; libcurl logs in again by itself if it had to drop it).
 *	libcurl speaks IMAP two ways and both are used:
 *	- a message is fetched by URL, "imaps://host:993/INBOX/;UID=42":
 *	  libcurl sends UID FETCH 42 BODY[] and hands the literal to the
 *	  write callback, whatever its size, byte for byte;
 *	- every other command is a custom request on the mailbox URL
 *	  (libcurl selects the mailbox first, once): its untagged responses
 *	  come to the write callback a line at a time. libcurl drops the
 *	  content of literals in them, so no command here asks for one.
 *	  libcurl (7.88 as Debian patches it, CVE-2023-38039) also fails a
 *	  request whose response lines pass 300 KB, and counts each line
 *	  with everything read after it: a response of many lines costs
 *	  about lines x bytes / 2 (500 FETCH lines of 48 bytes fail), a long
 *	  line read in small pieces its square over the piece. So the sizes
 *	  are asked IMAP_SIZE_BATCH messages at a time, SEARCH (one line)
 *	  runs over windows of IMAP_SEARCH_WINDOW sequence numbers, and the
 *	  receive buffer is the largest libcurl allows (a long line then
 *	  comes in few pieces).
 *	The number of messages comes from "UID FETCH * (UID)" (the highest
 *	UID's sequence number); a server that refuses it gets one SEARCH
 *	over the whole mailbox. After listing, everything is by UID, so
 *	messages moved away (or arriving) meanwhile change nothing.
 *	libcurl fetches with BODY[], not BODY.PEEK[]: fetching sets \Seen,
 *	and a message refused for now gets it taken off again.
 * STANDARDS
 *	RFC 3501, RFC 2595, RFC 8314, RFC 6851 (UID MOVE), RFC 4315 (UID
 *	EXPUNGE), RFC 5092, through libcurl's IMAP.
 * LIMITS
 *	IMAP_SEARCH_WINDOW sequence numbers a SEARCH; IMAP_RESPONSE_MAX bytes
 *	of untagged response a command; IMAP_SIZE_BATCH UIDs a size FETCH;
 *	IMAP_FAILURES_MAX failed fetches in a row end the call; the rest
 *	in imap.h and core/limits.h.
 * SECURITY
 *	Never a proxy, never .netrc, TLS 1.2 at least, certificates and host
 *	name verified, STARTTLS required on imap://. The password reaches
 *	libcurl only (CURLOPT_PASSWORD), never a URL; what libcurl sends is
 *	never looked at (it holds the password). The server's NO, BAD and
 *	BYE lines (CURLINFO_HEADER_IN) are kept, cut short and sanitised, for
 *	errors. A message is never larger than message_max in memory: its
 *	declared size is checked before it is fetched, and the write
 *	callback stops a server that sends more than it declared.
 * THREADS
 *	Each call owns its handle. curl_global_init is the caller's.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/text.h"
#include "reports/imap.h"
#include "reports/imap_proto.h"

/* Sequence numbers one UID SEARCH covers: its one reply line is at most
 * 55 KB (UIDs of 10 digits), well inside libcurl's limits (DESCRIPTION). */
#define IMAP_SEARCH_WINDOW 5000
/* Untagged responses to one command: a SEARCH window is 55 KB at most,
 * a size FETCH a few KB; a server sending more is broken or hostile. */
#define IMAP_RESPONSE_MAX ((size_t)256 * 1024)
/* UIDs in one size FETCH: libcurl counts a many-line response about
 * as (lines x bytes)/2 against 300 KB (DESCRIPTION); 32 lines of even
 * 500 bytes stay under it, and 10,000 messages take 313 round trips. */
#define IMAP_SIZE_BATCH 32
/* Fetches that fail in a row before the server counts as gone. */
#define IMAP_FAILURES_MAX 3
/* libcurl's receive buffer (CURLOPT_BUFFERSIZE; its largest). */
#define IMAP_BUFFER_SIZE (512L * 1024)
/* The server's refusal kept for an error message. */
#define IMAP_SAID_MAX 160

#define IMAP_SHOW_MAX (TK_IMAP_URL_MAX + 16)
#define IMAP_ORIGIN_MAX (IMAP_SHOW_MAX + 24)

/* What the listing learnt of one message. */
struct msg_info {
    uint64_t size;
    bool known; /* the size FETCH named it */
    bool seen;  /* it had \Seen before we fetched it */
};

struct session {
    const struct tk_imap_options *o;
    tk_imap_each_fn each;
    void *arg;
    struct tk_imap_stats *stats;
    struct tk_imap_url url;
    const char *user;
    char base[TK_IMAP_URL_MAX + 64];              /* libcurl's URL of the mailbox */
    char show[IMAP_SHOW_MAX];                     /* the mailbox for people */
    char folder[TK_IMAP_MAILBOX_ENC_MAX * 2 + 3]; /* move_to, encoded and quoted */
    size_t message_max, messages_max;
    long timeout_ms;
    CURL *h;
    bool connected, setopt_failed;
    struct curl_slist *connect_to;
    char curl_error[CURL_ERROR_SIZE];
    char said[IMAP_SAID_MAX];
    CURLcode rc; /* of the last request */
    /* Where the write callback puts what comes, and how much it may. */
    struct tk_buf *sink;
    size_t sink_max;
    bool sink_over, sink_nomem;
    struct tk_buf resp, msg;
    bool has_move, has_uidplus;
    struct tk_imap_uids uids;
    struct msg_info *info;
    unsigned failures; /* failed fetches in a row */
};

/* ---- options ---- */

static bool has_line_break(const char *s)
{
    return strchr(s, '\r') != NULL || strchr(s, '\n') != NULL;
}

static enum tk_status options_user(struct session *s, struct tk_error *err)
{
    const char *u = s->o->user;

    if (u != NULL && u[0] != '\0') {
        if (strlen(u) > TK_IMAP_USER_MAX)
            return tk_error_set(err, TK_USAGE, "the IMAP user is longer than %d bytes",
                                TK_IMAP_USER_MAX);
        for (const char *p = u; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return tk_error_set(err, TK_USAGE, "the IMAP user has a control byte");
        if (s->url.user[0] != '\0' && strcmp(s->url.user, u) != 0)
            return tk_error_set(
                err, TK_USAGE,
                "the IMAP URL names user \"%.64s\" and the configuration \"%.64s\": "
                "give one",
                s->url.user, u);
        s->user = u;
    } else {
        s->user = s->url.user;
    }
    if (s->user[0] == '\0')
        return tk_error_set(err, TK_USAGE,
                            "no IMAP user: name it in the URL (imaps://user@host/INBOX) or the "
                            "configuration");
    return TK_OK;
}

/* options_connect_to makes the CURLOPT_CONNECT_TO entry "::ADDR:" (any
 * host and port of the URL to ADDR, the port kept), IPv6 in brackets;
 * only a numeric address is taken. */
static enum tk_status options_connect_to(struct session *s, struct tk_error *err)
{
    const char *a = s->o->connect_to;
    unsigned char bin[16];
    char entry[INET6_ADDRSTRLEN + 8];
    bool v6;

    if (a == NULL || a[0] == '\0')
        return TK_OK;
    v6 = inet_pton(AF_INET6, a, bin) == 1;
    if (!v6 && inet_pton(AF_INET, a, bin) != 1)
        return tk_error_set(err, TK_USAGE,
                            "the IMAP connect address is not an IPv4 or IPv6 address");
    snprintf(entry, sizeof(entry), v6 ? "::[%s]:" : "::%s:", a);
    if ((s->connect_to = curl_slist_append(NULL, entry)) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    return TK_OK;
}

/* options_folder encodes and quotes move_to; it may not be the mailbox
 * read (messages would go round) nor hold LIST wildcards. */
static enum tk_status options_folder(struct session *s, struct tk_error *err)
{
    char enc[TK_IMAP_MAILBOX_ENC_MAX + 1], src[TK_IMAP_MAILBOX_ENC_MAX + 1];
    const char *f = s->o->move_to;
    struct tk_error e;
    enum tk_status st;

    if (f == NULL || f[0] == '\0')
        return TK_OK;
    if (strlen(f) > TK_IMAP_MAILBOX_MAX)
        return tk_error_set(err, TK_USAGE, "the move-to folder is longer than %d bytes",
                            TK_IMAP_MAILBOX_MAX);
    if ((st = tk_imap_mailbox_encode(f, enc, sizeof(enc), &e)) != TK_OK)
        return tk_error_set(err, st, "the move-to folder: %s", e.msg);
    if (strpbrk(enc, "%*") != NULL)
        return tk_error_set(err, TK_USAGE, "the move-to folder may not hold '%%' or '*'");
    if ((st = tk_imap_mailbox_encode(s->url.mailbox, src, sizeof(src), err)) != TK_OK)
        return st;
    if (strcmp(enc, src) == 0 || (strcasecmp(enc, "INBOX") == 0 && strcasecmp(src, "INBOX") == 0))
        return tk_error_set(err, TK_USAGE, "the move-to folder is the mailbox read");
    if (!tk_imap_quote(enc, s->folder, sizeof(s->folder)))
        return tk_error_set(err, TK_USAGE, "the move-to folder cannot be quoted");
    return TK_OK;
}

static void options_limits(struct session *s)
{
    const struct tk_imap_options *o = s->o;

    s->message_max = o->message_max ? o->message_max : TK_REPORT_MESSAGE_MAX;
    if (s->message_max > TK_BUF_MAX)
        s->message_max = TK_BUF_MAX;
    s->messages_max = o->messages_max ? o->messages_max : TK_IMAP_MESSAGES_DEFAULT;
    if (s->messages_max > TK_IMAP_MESSAGES_MAX)
        s->messages_max = TK_IMAP_MESSAGES_MAX;
    s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : TK_IMAP_TIMEOUT_MS_DEFAULT;
    if (s->timeout_ms > TK_IMAP_TIMEOUT_MS_MAX)
        s->timeout_ms = TK_IMAP_TIMEOUT_MS_MAX;
    s->uids.max = s->messages_max;
}

static enum tk_status options_check(struct session *s, struct tk_error *err)
{
    const struct tk_imap_options *o = s->o;
    enum tk_status st;

    if ((st = tk_imap_url_parse(o->url, &s->url, err)) != TK_OK)
        return st;
    tk_imap_url_show(&s->url, s->show, sizeof(s->show));
    if ((st = options_user(s, err)) != TK_OK)
        return st;
    if (o->password == NULL || o->password[0] == '\0')
        return tk_error_set(err, TK_USAGE,
                            "%s: no password (from the configuration file or the "
                            "environment)",
                            s->show);
    if (has_line_break(o->password))
        return tk_error_set(err, TK_USAGE, "%s: the password holds a line break", s->show);
    if (o->which != TK_IMAP_UNSEEN && o->which != TK_IMAP_ALL)
        return tk_error_set(err, TK_USAGE, "which messages: neither unseen nor all");
    if ((st = tk_imap_curl_url(&s->url, "", s->base, sizeof(s->base), err)) != TK_OK)
        return st;
    if ((st = options_folder(s, err)) != TK_OK)
        return st;
    options_limits(s);
    return options_connect_to(s, err);
}

/* ---- libcurl ---- */

static size_t on_data(char *p, size_t size, size_t nitems, void *arg)
{
    struct session *s = arg;
    size_t len = size * nitems;

    if (s->sink == NULL)
        return len;
    if (len > s->sink_max - s->sink->len) {
        s->sink_over = true;
        return 0;
    }
    if (tk_buf_append(s->sink, p, len) != TK_OK) {
        s->sink_nomem = true;
        return 0;
    }
    return len;
}

static bool is_word_char(int ch)
{
    return tk_char_is_alpha(ch);
}

/* said_line: "* NO ...", "* BAD ...", "* BYE ..." or "TAG NO|BAD ...". */
static bool said_line(const char *p, size_t n)
{
    struct tk_cursor c;
    struct tk_span tag, word;

    tk_cursor_init(&c, p, n);
    if (!tk_cursor_take(&c, '*') && tk_cursor_span_while(&c, tk_char_is_alnum, &tag) == 0)
        return false;
    if (!tk_cursor_take(&c, ' ') || tk_cursor_span_while(&c, is_word_char, &word) == 0)
        return false;
    return tk_span_eq_ci(word, "NO") || tk_span_eq_ci(word, "BAD") || tk_span_eq_ci(word, "BYE");
}

/* on_debug keeps the server's first refusal of a request (what made
 * it fail, not the BYE of the LOGOUT after it); nothing of what libcurl
 * sends is looked at (it holds the password). */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    struct session *s = arg;

    (void)h;
    if (type != CURLINFO_HEADER_IN || s->said[0] != '\0' || !said_line(data, size))
        return 0;
    while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
    if (size >= sizeof(s->said))
        size = sizeof(s->said) - 1;
    memcpy(s->said, data, size);
    s->said[size] = '\0';
    tk_text_sanitise(s->said);
    return 0;
}

static CURLcode session_setopts(struct session *s)
{
    CURLcode rc = CURLE_OK;
    CURL *h = s->h;

#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_PROTOCOLS_STR, "imap,imaps");
    SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->o->ca_file != NULL && s->o->ca_file[0] != '\0')
        SET(CURLOPT_CAINFO, s->o->ca_file);
    SET(CURLOPT_NOPROXY, "*");
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, s->timeout_ms);
    /* Also bounds the LOGOUT at the end, which CURLOPT_TIMEOUT does not. */
    SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (s->timeout_ms + 999) / 1000);
    SET(CURLOPT_BUFFERSIZE, IMAP_BUFFER_SIZE);
    SET(CURLOPT_USERNAME, s->user);
    SET(CURLOPT_PASSWORD, s->o->password);
    SET(CURLOPT_ERRORBUFFER, s->curl_error);
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, s);
    SET(CURLOPT_VERBOSE, 1L);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, s);
    if (s->connect_to != NULL)
        SET(CURLOPT_CONNECT_TO, s->connect_to);
#undef SET
    return rc;
}

/* perform_last runs one request: url, the custom command cmd (NULL:
 * fetch what url names), what comes into sink (at most max bytes); last:
 * the connection is closed after it (LOGOUT under the request's
 * timeouts; libcurl would otherwise log out when the handle is cleaned
 * up, waiting up to 120 s for a server that does not answer). */
static CURLcode perform_last(struct session *s, const char *url, const char *cmd,
                             struct tk_buf *sink, size_t max, bool last)
{
    CURLcode rc;

    s->curl_error[0] = '\0';
    s->said[0] = '\0';
    s->sink = sink;
    s->sink_max = max;
    s->sink_over = s->sink_nomem = false;
    tk_buf_reset(sink);
    rc = curl_easy_setopt(s->h, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, cmd);
    if (rc == CURLE_OK && last)
        rc = curl_easy_setopt(s->h, CURLOPT_FORBID_REUSE, 1L);
    s->setopt_failed = rc != CURLE_OK;
    if (rc == CURLE_OK)
        rc = curl_easy_perform(s->h);
    s->sink = NULL;
    s->rc = rc;
    if (rc == CURLE_OK)
        s->connected = true;
    return rc;
}

static CURLcode perform(struct session *s, const char *url, const char *cmd, struct tk_buf *sink,
                        size_t max)
{
    return perform_last(s, url, cmd, sink, max, false);
}

/* curl_why: libcurl's explanation of rc, sanitised, and the server's
 * refusal when it made one. */
static void curl_why(const struct session *s, CURLcode rc, char *out, size_t outsize)
{
    char why[CURL_ERROR_SIZE];

    /* libcurl's own words for a refused custom command ("Quote command
     * returned error") would puzzle: the server's line says it all. */
    if (rc == CURLE_QUOTE_ERROR)
        tk_strlcpy(why, "refused", sizeof(why));
    else
        tk_strlcpy(why, s->curl_error[0] ? s->curl_error : curl_easy_strerror(rc), sizeof(why));
    tk_text_sanitise(why);
    if (s->said[0])
        snprintf(out, outsize, "%s (server said: %s)", why, s->said);
    else
        snprintf(out, outsize, "%s", why);
}

/* curl_failure turns a failed request into a status and a message a
 * person can act on: "MAILBOX: WHAT: why", or just "why" when what is
 * NULL (a message's fetch: its origin says the rest). */
static enum tk_status curl_failure(const struct session *s, const char *what, CURLcode rc,
                                   struct tk_error *err)
{
    char why[CURL_ERROR_SIZE + IMAP_SAID_MAX + 20], pre[IMAP_SHOW_MAX + 40] = "";

    if (rc == CURLE_OUT_OF_MEMORY || s->sink_nomem)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    if (s->setopt_failed)
        return tk_error_set(err, TK_USAGE, "libcurl refused an option: %s", curl_easy_strerror(rc));
    if (what != NULL)
        snprintf(pre, sizeof(pre), "%s: %s: ", s->show, what);
    if (rc == CURLE_WRITE_ERROR && s->sink_over)
        return tk_error_set(err, TK_LIMIT, "%sthe server sent more than %zu bytes", pre,
                            s->sink_max);
    curl_why(s, rc, why, sizeof(why));
    switch (rc) {
    case CURLE_LOGIN_DENIED:
        /* libcurl says "login denied" when SELECT fails too. */
        if (strcmp(s->curl_error, "Select failed") == 0)
            return tk_error_set(err, TK_ABSENT, "%s: the mailbox cannot be selected: %s", s->show,
                                s->said[0] ? s->said : "no such mailbox?");
        return tk_error_set(err, TK_USAGE, "%s: login refused for %s: %s", s->show, s->user, why);
    case CURLE_PEER_FAILED_VERIFICATION:
        return tk_error_set(err, TK_INVALID,
                            "%s: the server's certificate did not verify: %s (a private CA? give "
                            "its certificate as the CA file)",
                            s->show, why);
    case CURLE_USE_SSL_FAILED:
        return tk_error_set(err, TK_INVALID,
                            "%s: the server offers no STARTTLS, and no password is sent in the "
                            "clear (imaps:// on port 993?)",
                            s->show);
    case CURLE_SSL_CACERT_BADFILE:
        return tk_error_set(err, TK_USAGE, "%s: the CA file cannot be used: %s", s->show, why);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return tk_error_set(err, TK_USAGE, "%s: libcurl cannot use the URL: %s", s->show, why);
    case CURLE_REMOTE_FILE_NOT_FOUND:
        return tk_error_set(err, TK_ABSENT, "%s%s", pre, why);
    default:
        return tk_error_set(err, TK_TEMP, "%s%s", pre, why);
    }
}

/* command_name: the command of cmd without its arguments (a folder,
 * UIDs): "UID SEARCH", "CREATE". */
static void command_name(const char *cmd, char *out, size_t outsize)
{
    size_t n = strcspn(cmd, " ");

    if (strncmp(cmd, "UID ", 4) == 0)
        n = 4 + strcspn(cmd + 4, " ");
    snprintf(out, outsize, "%.*s", (int)n, cmd);
}

/* command runs cmd on the mailbox; its untagged responses are in
 * s->resp after TK_OK. */
static enum tk_status command(struct session *s, const char *cmd, struct tk_error *err)
{
    char what[32];
    CURLcode rc;

    if ((rc = perform(s, s->base, cmd, &s->resp, IMAP_RESPONSE_MAX)) == CURLE_OK)
        return TK_OK;
    command_name(cmd, what, sizeof(what));
    return curl_failure(s, what, rc, err);
}

/* past_show: msg without the "MAILBOX: " a command's error starts with,
 * for a message that names the mailbox (or message) itself. */
static const char *past_show(const struct session *s, const char *msg)
{
    size_t n = strlen(s->show);

    if (strncmp(msg, s->show, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        return msg + n + 2;
    return msg;
}

static void skip(struct session *s, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct session *s, const char *origin, const char *fmt, ...)
{
    char why[TK_ERROR_MSG_MAX];
    va_list ap;

    if (s->o->skipped == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    tk_text_sanitise(why);
    s->o->skipped(s->arg, origin, why);
}

/* ---- the mailbox ---- */

/* open_mailbox logs in and selects the mailbox (the first request),
 * learning whether the server has MOVE and UIDPLUS. */
static enum tk_status open_mailbox(struct session *s, struct tk_error *err)
{
    enum tk_status st;

    if ((st = command(s, "CAPABILITY", err)) != TK_OK)
        return st;
    s->has_move = tk_imap_capability_has(s->resp.data, s->resp.len, "MOVE");
    s->has_uidplus = tk_imap_capability_has(s->resp.data, s->resp.len, "UIDPLUS");
    return TK_OK;
}

/* folder_ensure makes move_to exist (and subscribes to it, so mail
 * programs show it) before any message is touched. */
static enum tk_status folder_ensure(struct session *s, struct tk_error *err)
{
    char cmd[sizeof(s->folder) + 16], list[sizeof(s->folder) + 16];
    struct tk_error e;
    enum tk_status st;

    if (s->folder[0] == '\0')
        return TK_OK;
    snprintf(list, sizeof(list), "LIST \"\" %s", s->folder);
    if ((st = command(s, list, err)) != TK_OK)
        return st;
    if (tk_imap_list_selectable(s->resp.data, s->resp.len))
        return TK_OK;
    snprintf(cmd, sizeof(cmd), "CREATE %s", s->folder);
    if ((st = command(s, cmd, &e)) != TK_OK) {
        if (st == TK_TEMP && s->rc == CURLE_QUOTE_ERROR)
            st = TK_INVALID; /* the server refused it: it will again */
        /* Made meanwhile by someone else? */
        if (command(s, list, err) == TK_OK && tk_imap_list_selectable(s->resp.data, s->resp.len))
            return TK_OK;
        return tk_error_set(err, st, "%s: the folder %s cannot be made: %s", s->show, s->folder,
                            past_show(s, e.msg));
    }
    snprintf(cmd, sizeof(cmd), "SUBSCRIBE %s", s->folder);
    (void)command(s, cmd, &e);
    return TK_OK;
}

/* count_messages learns how many messages the mailbox holds: the
 * sequence number of the message with the highest UID. TK_ABSENT when
 * the server would not say (the caller searches the whole mailbox). */
static enum tk_status count_messages(struct session *s, uint32_t *exists, struct tk_error *err)
{
    struct tk_imap_fetch_item it;
    struct tk_cursor c;
    struct tk_span line;
    enum tk_status st;

    *exists = 0;
    if ((st = command(s, "UID FETCH * (UID)", err)) != TK_OK)
        return s->rc == CURLE_QUOTE_ERROR ? TK_ABSENT : st;
    tk_cursor_init(&c, s->resp.data, s->resp.len);
    while (tk_imap_next_line(&c, &line))
        if (tk_imap_fetch_parse(line, &it) == TK_OK && it.seq > *exists)
            *exists = it.seq;
    return TK_OK;
}

static enum tk_status search(struct session *s, const char *range, struct tk_error *err)
{
    char cmd[64];
    struct tk_error e;
    enum tk_status st;

    snprintf(cmd, sizeof(cmd), "UID SEARCH %s%s", range,
             s->o->which == TK_IMAP_UNSEEN ? " UNSEEN" : "");
    if ((st = command(s, cmd, err)) != TK_OK)
        return st;
    if ((st = tk_imap_search_parse(s->resp.data, s->resp.len, &s->uids, &e)) != TK_OK)
        return tk_error_set(err, st, "%s: %s", s->show, e.msg);
    return TK_OK;
}

/* list_uids: the UIDs to take, lowest first, at most messages_max. */
static enum tk_status list_uids(struct session *s, struct tk_error *err)
{
    char range[32];
    uint32_t exists;
    uint64_t a, b;
    enum tk_status st;

    st = count_messages(s, &exists, err);
    if (st == TK_ABSENT) {
        st = search(s, "1:*", err);
        a = b = 0;
    } else {
        for (a = 1; st == TK_OK && a <= exists && !s->uids.cut; a = b + 1) {
            b = a + IMAP_SEARCH_WINDOW - 1 < exists ? a + IMAP_SEARCH_WINDOW - 1 : exists;
            snprintf(range, sizeof(range), "%llu:%llu", (unsigned long long)a,
                     (unsigned long long)b);
            st = search(s, range, err);
        }
    }
    if (st != TK_OK)
        return st;
    tk_imap_uids_sort(&s->uids);
    if (s->uids.cut || (exists > 0 && a <= exists))
        s->stats->more = true;
    s->stats->listed += s->uids.n;
    return TK_OK;
}

/* sizes_read files what one size FETCH said under each listed UID. */
static void sizes_read(struct session *s)
{
    struct tk_imap_fetch_item it;
    struct tk_cursor c;
    struct tk_span line;
    long i;

    tk_cursor_init(&c, s->resp.data, s->resp.len);
    while (tk_imap_next_line(&c, &line)) {
        if (tk_imap_fetch_parse(line, &it) != TK_OK || !it.has_uid || !it.has_size)
            continue;
        if ((i = tk_imap_uids_find(&s->uids, it.uid)) < 0)
            continue;
        s->info[i].size = it.size;
        s->info[i].known = true;
        s->info[i].seen = it.has_flags && it.seen;
    }
}

/* sizes: the size and flags of every listed message. */
static enum tk_status sizes(struct session *s, struct tk_error *err)
{
    char set[IMAP_SIZE_BATCH * 12 + 16], cmd[sizeof(set) + 48];
    size_t i, k, n;
    enum tk_status st;

    if (s->uids.n == 0)
        return TK_OK;
    if ((s->info = calloc(s->uids.n, sizeof(*s->info))) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    for (i = 0; i < s->uids.n; i += k) {
        n = s->uids.n - i < IMAP_SIZE_BATCH ? s->uids.n - i : IMAP_SIZE_BATCH;
        if ((k = tk_imap_uid_set(s->uids.v + i, n, set, sizeof(set))) == 0)
            return tk_error_set(err, TK_LIMIT, "%s: a UID set does not fit", s->show);
        snprintf(cmd, sizeof(cmd), "UID FETCH %s (UID RFC822.SIZE FLAGS)", set);
        if ((st = command(s, cmd, err)) != TK_OK)
            return st;
        sizes_read(s);
    }
    return TK_OK;
}

/* ---- one message ---- */

static enum tk_status store_flag(struct session *s, uint32_t uid, const char *op, const char *flag,
                                 struct tk_error *err)
{
    char cmd[80];

    snprintf(cmd, sizeof(cmd), "UID STORE %u %sFLAGS.SILENT (%s)", (unsigned)uid, op, flag);
    return command(s, cmd, err);
}

/* unseen_again takes \Seen off a message that had none, so an UNSEEN
 * run takes it again. */
static void unseen_again(struct session *s, size_t i, const char *origin)
{
    struct tk_error e;

    if (s->info[i].seen || store_flag(s, s->uids.v[i], "-", "\\Seen", &e) == TK_OK)
        return;
    skip(s, origin, "left marked \\Seen: %s", e.msg);
}

/* move_one moves a taken message to the folder. */
static enum tk_status move_one(struct session *s, uint32_t uid, const char *origin,
                               struct tk_error *err)
{
    char cmd[sizeof(s->folder) + 48];
    struct tk_error e;
    enum tk_status st;

    if (s->has_move) {
        snprintf(cmd, sizeof(cmd), "UID MOVE %u %s", (unsigned)uid, s->folder);
        st = command(s, cmd, &e);
    } else {
        snprintf(cmd, sizeof(cmd), "UID COPY %u %s", (unsigned)uid, s->folder);
        if ((st = command(s, cmd, &e)) == TK_OK &&
            (st = store_flag(s, uid, "+", "\\Deleted", &e)) == TK_OK) {
            if (s->has_uidplus)
                snprintf(cmd, sizeof(cmd), "UID EXPUNGE %u", (unsigned)uid);
            else
                snprintf(cmd, sizeof(cmd), "EXPUNGE");
            st = command(s, cmd, &e);
        }
    }
    if (st != TK_OK)
        return tk_error_set(err, st == TK_NOMEM ? st : TK_TEMP,
                            "%s: taken, but not moved to %s: %s", origin, s->folder,
                            past_show(s, e.msg));
    s->stats->moved++;
    return TK_OK;
}

/* fetch_one fetches message i whole into s->msg. */
static enum tk_status fetch_one(struct session *s, size_t i, struct tk_error *err)
{
    char suffix[32], url[sizeof(s->base) + 32];
    enum tk_status st;
    CURLcode rc;

    snprintf(suffix, sizeof(suffix), "/;UID=%u", (unsigned)s->uids.v[i]);
    if ((st = tk_imap_curl_url(&s->url, suffix, url, sizeof(url), err)) != TK_OK)
        return st;
    rc = perform(s, url, NULL, &s->msg, s->message_max);
    if (rc == CURLE_OK)
        return TK_OK;
    if (rc == CURLE_WRITE_ERROR && s->sink_over)
        return tk_error_set(err, TK_LIMIT,
                            "the server sent more than the %zu-byte message limit (it had said "
                            "%llu bytes)",
                            s->message_max, (unsigned long long)s->info[i].size);
    return curl_failure(s, NULL, rc, err);
}

/* after_each does what each's answer asks (imap.h, DESCRIPTION). */
static enum tk_status after_each(struct session *s, size_t i, const char *origin,
                                 enum tk_status est, const struct tk_error *eerr,
                                 struct tk_error *err)
{
    if (est == TK_OK) {
        s->stats->accepted++;
        return s->folder[0] ? move_one(s, s->uids.v[i], origin, err) : TK_OK;
    }
    s->stats->rejected++;
    switch (est) {
    case TK_TEMP:
        unseen_again(s, i, origin);
        return TK_OK;
    case TK_NOMEM:
    case TK_IO:
    case TK_USAGE:
        unseen_again(s, i, origin);
        return tk_error_set(err, est, "%s: %s", origin,
                            eerr->msg[0] ? eerr->msg : tk_status_name(est));
    default:
        return TK_OK;
    }
}

/* fetch_failed counts a message that could not be fetched; the call
 * ends after IMAP_FAILURES_MAX in a row, or at once when the server
 * cannot be used at all. */
static enum tk_status fetch_failed(struct session *s, const char *origin, enum tk_status st,
                                   const struct tk_error *ferr, struct tk_error *err)
{
    s->stats->failed++;
    skip(s, origin, "not fetched: %s", ferr->msg);
    switch (st) {
    case TK_ABSENT: /* gone meanwhile */
    case TK_LIMIT:  /* more than it said: libcurl dropped the connection */
        return TK_OK;
    case TK_TEMP:
        if (++s->failures < IMAP_FAILURES_MAX)
            return TK_OK;
        return tk_error_set(err, TK_TEMP, "%s: not fetched, %d failures in a row: %s", origin,
                            IMAP_FAILURES_MAX, ferr->msg);
    default: /* the login or the certificate no longer works, memory */
        return tk_error_set(err, st, "%s: not fetched: %s", origin, ferr->msg);
    }
}

static enum tk_status take_one(struct session *s, size_t i, struct tk_error *err)
{
    char origin[IMAP_ORIGIN_MAX];
    struct msg_info *m = &s->info[i];
    struct tk_error ferr = {0}, eerr = {0};
    enum tk_status st;

    snprintf(origin, sizeof(origin), "%s: UID %u", s->show, (unsigned)s->uids.v[i]);
    if (!m->known) {
        s->stats->failed++;
        skip(s, origin, "the server gave no size for it (gone from the mailbox?): not fetched");
        return TK_OK;
    }
    if (m->size > s->message_max) {
        s->stats->too_large++;
        skip(s, origin, "%llu bytes, larger than the %zu-byte message limit: not fetched",
             (unsigned long long)m->size, s->message_max);
        if (!m->seen && store_flag(s, s->uids.v[i], "+", "\\Seen", &ferr) != TK_OK)
            skip(s, origin, "not marked \\Seen: %s", ferr.msg);
        return TK_OK;
    }
    if ((st = fetch_one(s, i, &ferr)) != TK_OK)
        return fetch_failed(s, origin, st, &ferr, err);
    s->failures = 0;
    s->stats->fetched++;
    s->stats->bytes += s->msg.len;
    st = s->each(s->arg, s->msg.len ? s->msg.data : "", s->msg.len, origin, &eerr);
    return after_each(s, i, origin, st, &eerr, err);
}

/* ---- the call ---- */

/* session_close logs out (a NOOP that closes the connection after it,
 * so the LOGOUT runs under our timeouts) and frees libcurl's part. */
static void session_close(struct session *s)
{
    if (s->connected)
        (void)perform_last(s, s->base, "NOOP", &s->resp, IMAP_RESPONSE_MAX, true);
    curl_easy_cleanup(s->h);
    s->h = NULL;
}

static enum tk_status session_run(struct session *s, struct tk_error *err)
{
    enum tk_status st;
    size_t i;

    CURLcode rc;

    if ((s->h = curl_easy_init()) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory (libcurl)");
    if ((rc = session_setopts(s)) != CURLE_OK)
        return tk_error_set(err, rc == CURLE_OUT_OF_MEMORY ? TK_NOMEM : TK_USAGE,
                            "libcurl refused an option: %s", curl_easy_strerror(rc));
    if ((st = open_mailbox(s, err)) != TK_OK || (st = folder_ensure(s, err)) != TK_OK ||
        (st = list_uids(s, err)) != TK_OK || (st = sizes(s, err)) != TK_OK)
        return st;
    for (i = 0; i < s->uids.n; i++)
        if ((st = take_one(s, i, err)) != TK_OK)
            return st;
    return TK_OK;
}

enum tk_status tk_imap_fetch(const struct tk_imap_options *o, tk_imap_each_fn each, void *arg,
                             struct tk_imap_stats *stats, struct tk_error *err)
{
    struct tk_imap_stats ignored = {0};
    struct session s;
    enum tk_status st;

    if (o == NULL || each == NULL)
        return tk_error_set(err, TK_USAGE, "tk_imap_fetch: no options or callback");
    memset(&s, 0, sizeof(s));
    s.o = o;
    s.each = each;
    s.arg = arg;
    s.stats = stats ? stats : &ignored;
    if ((st = options_check(&s, err)) == TK_OK)
        st = session_run(&s, err);
    session_close(&s);
    curl_slist_free_all(s.connect_to);
    tk_buf_free(&s.resp);
    tk_buf_free(&s.msg);
    tk_imap_uids_free(&s.uids);
    free(s.info);
    if (st == TK_OK)
        tk_error_clear(err);
    return st;
}
