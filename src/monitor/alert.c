/*
 * NAME
 *	alert.c - deliver alerts: mail through libcurl, webhook POST, syslog
 * SUMMARY
 *	tk_alert_targets: where a domain's regressions go under the config.
 *	tk_alerts_deliver: send every due alert, record each attempt.
 *	tk_alert_send: one attempt of one alert.
 *	tk_alert_backoff: 1 min, 5 min, 30 min, 2 h, 6 h, then give up.
 * DESCRIPTION
 *	The store keeps one pending alert per regression and target, made
 *	in the same transaction as the snapshot, so an alert is never lost
 *	between a scan and its delivery. tk_alerts_deliver reads the due
 *	ones in batches of ALERT_BATCH (copied out of the store's walk, so
 *	no network wait happens inside a store read), sends each, and
 *	records the outcome: sent; or failed with the reason and the time
 *	of the next attempt; or given up (after the sixth attempt, or at
 *	once when the alert can never be delivered as configured: a
 *	recipient that is not a mail address, no SMTP server, a URL curl
 *	cannot use). Given-up alerts stay in the store, failed, for
 *	`tiaki alerts`. When ALERT_CHANNEL_FAILS_MAX attempts in a row fail
 *	on one channel, the channel's server counts as down for the rest of
 *	the call: its other alerts are recorded as failed attempts with that
 *	reason without a connection, so a dead mail server costs three
 *	timeouts, not one per alert.
 *
 *	The time of the next attempt is counted from the caller's now; the
 *	store makes a new alert due at the (real) time it keeps it.
 *
 *	Mail: one libcurl easy handle per message, smtp:// or smtps://
 *	(CURLOPT_USE_SSL CURLUSESSL_ALL when smtp_starttls), AUTH when a
 *	user is set, the message made by show/alert_text (RFC 5322, CRLF;
 *	libcurl does the dot-stuffing). The Message-ID is the same on
 *	every attempt of an alert, so a message sent twice (the server took
 *	it but the reply was lost) is recognisably the same message.
 *	Webhook: a POST of the JSON object of show/alert_text, Content-Type
 *	application/json; a 2xx is delivery, redirects are not followed.
 *	Syslog: openlog("tiaki", LOG_PID, LOG_DAEMON) once, one line at
 *	LOG_WARNING; always delivered.
 * STANDARDS
 *	RFC 5321 (SMTP, through libcurl), RFC 3207 (STARTTLS), RFC 5322,
 *	RFC 9110 (HTTP POST, status codes).
 * LIMITS
 *	ALERT_BATCH alerts read at a time and ALERT_DELIVER_MAX per call (a
 *	backlog is worked off over several calls); ALERT_CHANNEL_FAILS_MAX
 *	failures in a row per channel and call; cfg->timeout_ms (default
 *	ALERT_TIMEOUT_MS_DEFAULT, at most ALERT_TIMEOUT_MS_MAX) for each
 *	whole attempt; ALERT_REPLY_MAX bytes of a server's reply kept for
 *	the error.
 * SECURITY
 *	Never a proxy (whatever the environment says), never a redirect,
 *	only the smtp/smtps or http/https schemes, certificates verified
 *	(against ca_file when set). The server's replies are sanitised
 *	before they reach an error message; what libcurl sends (AUTH lines
 *	with the password) is never kept. Store text reaches mail, JSON
 *	and syslog only through show/alert_text.
 * THREADS
 *	tk_alert_send may run on several threads: each call owns its easy
 *	handle; openlog runs once (pthread_once). curl_global_init must
 *	have been called before (the CLI's main does it).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/text.h"
#include "monitor/alert.h"
#include "show/alert_text.h"

/* The version of src/cli/commands.h (TIAKI_VERSION): the library does
 * not include the CLI's headers. */
#define ALERT_USER_AGENT "tiaki/0.1.0"
/* Alerts read from the store at once: each copy is ~4 KB. */
#define ALERT_BATCH 32
/* Alerts handled in one call: a backlog after a long outage is sent
 * over a few calls. */
#define ALERT_DELIVER_MAX 2000
/* Failed attempts in a row after which a channel's server counts as
 * down for the rest of the call (struct deliver_run). */
#define ALERT_CHANNEL_FAILS_MAX 3
/* One attempt, connection and transfer together. A mail server that
 * greets slowly (RFC 5321 4.5.3.2 allows minutes) gets its next try
 * from the backoff instead. */
#define ALERT_TIMEOUT_MS_DEFAULT 30000
#define ALERT_TIMEOUT_MS_MAX 300000
/* Bytes of a server's reply (SMTP line or HTTP body) kept for the error. */
#define ALERT_REPLY_MAX 160

/* ---- backoff and targets ---- */

int64_t tk_alert_backoff(unsigned attempts)
{
    /* attempts made so far -> the wait before the next; attempt 1 is
     * never delayed, and after the sixth there is no next. */
    static const int64_t delay[] = {60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600};

    if (attempts == 0 || attempts > sizeof(delay) / sizeof(delay[0]))
        return 0;
    return delay[attempts - 1];
}

/* contact_address extracts the address of a contact: "a@b.nz", or
 * "Name <a@b.nz>"; false when there is none. */
static bool contact_address(const char *contact, char *out, size_t outlen)
{
    const char *p, *end, *lt;

    if (contact == NULL)
        return false;
    p = contact;
    end = contact + strlen(contact);
    while (p < end && *p == ' ')
        p++;
    while (end > p && end[-1] == ' ')
        end--;
    if (end > p && end[-1] == '>') {
        if ((lt = memrchr(p, '<', (size_t)(end - p))) == NULL)
            return false;
        p = lt + 1;
        end--;
    }
    if ((size_t)(end - p) >= outlen)
        return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return tk_alert_address_ok(out);
}

static void target_add(struct tk_alert_target *out, size_t *n, enum tk_alert_channel ch,
                       const char *dest)
{
    if (*n >= TK_ALERT_TARGETS_MAX)
        return;
    out[*n].channel = ch;
    tk_strlcpy(out[*n].destination, dest, sizeof(out[*n].destination));
    (*n)++;
}

size_t tk_alert_targets(const struct tk_alert_config *cfg, const char *contact,
                        struct tk_alert_target *out)
{
    char addr[TK_ALERT_ADDRESS_MAX + 1] = "";
    size_t n = 0;

    if (cfg == NULL)
        return 0;
    if (cfg->smtp_url[0]) {
        if (cfg->to_contact && contact_address(contact, addr, sizeof(addr)))
            target_add(out, &n, TK_ALERT_SMTP, addr);
        /* A team address that is not an address is still a target: its
         * alerts fail visibly rather than vanish. */
        if (cfg->team_address[0] && strcasecmp(cfg->team_address, addr) != 0)
            target_add(out, &n, TK_ALERT_SMTP, cfg->team_address);
    }
    if (cfg->webhook_url[0])
        target_add(out, &n, TK_ALERT_WEBHOOK, cfg->webhook_url);
    if (cfg->syslog)
        target_add(out, &n, TK_ALERT_SYSLOG, "");
    return n;
}

/* ---- libcurl, shared ---- */

/* What one attempt gathered besides curl's own result. */
struct attempt {
    char curl_error[CURL_ERROR_SIZE];
    char reply[ALERT_REPLY_MAX]; /* the server's last SMTP line, or HTTP body start */
    size_t reply_len;
    /* The message being uploaded (SMTP). */
    const char *msg;
    size_t msg_len, msg_off;
};

static long attempt_timeout(const struct tk_alert_config *cfg)
{
    if (cfg->timeout_ms <= 0)
        return ALERT_TIMEOUT_MS_DEFAULT;
    return cfg->timeout_ms > ALERT_TIMEOUT_MS_MAX ? ALERT_TIMEOUT_MS_MAX : cfg->timeout_ms;
}

/* attempt_common sets what every handle gets: no proxy, no signals,
 * the deadline, verified TLS, our error buffer. */
static CURLcode attempt_common(CURL *h, const struct tk_alert_config *cfg, struct attempt *t)
{
    long timeout = attempt_timeout(cfg);
    CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_NOPROXY, "*");
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_CONNECTTIMEOUT_MS, timeout);
    SET(CURLOPT_ERRORBUFFER, t->curl_error);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    if (cfg->ca_file[0])
        SET(CURLOPT_CAINFO, cfg->ca_file);
#undef SET
    return rc;
}

/* attempt_reply_line keeps line (one server reply line) as the reply. */
static void attempt_reply_line(struct attempt *t, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= sizeof(t->reply))
        n = sizeof(t->reply) - 1;
    memcpy(t->reply, p, n);
    t->reply[n] = '\0';
    t->reply_len = n;
    tk_text_sanitise(t->reply);
}

/* attempt_error: "what: curl's message (server said: ...)". */
static enum tk_status attempt_error(struct tk_error *err, enum tk_status code, const char *what,
                                    CURLcode rc, const struct attempt *t)
{
    char why[CURL_ERROR_SIZE];

    tk_strlcpy(why, t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc), sizeof(why));
    tk_text_sanitise(why);
    if (t->reply[0])
        return tk_error_set(err, code, "%s: %s (server said: %s)", what, why, t->reply);
    return tk_error_set(err, code, "%s: %s", what, why);
}

/* attempt_failed is the status of a failed curl_easy_perform: a URL
 * curl cannot use will never work (TK_USAGE, given up), the rest may
 * (TK_TEMP, retried). */
static enum tk_status attempt_failed(struct tk_error *err, const char *what, CURLcode rc,
                                     const struct attempt *t)
{
    if (rc == CURLE_OUT_OF_MEMORY)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return attempt_error(err, TK_USAGE, what, rc, t);
    return attempt_error(err, TK_TEMP, what, rc, t);
}

/* attempt_setup_failed: curl_easy_setopt refused something. */
static enum tk_status attempt_setup_failed(struct tk_error *err, CURLcode rc)
{
    if (rc == CURLE_OUT_OF_MEMORY)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    /* An option this libcurl does not know, or a scheme it refuses. */
    return tk_error_set(err, TK_USAGE, "libcurl refused an option: %s", curl_easy_strerror(rc));
}

/* url_printable: printable ASCII without spaces (RFC 3986 has no
 * others), so a stored URL cannot carry a header line to curl. */
static bool url_printable(const char *url)
{
    for (; *url; url++)
        if ((unsigned char)*url <= 0x20 || (unsigned char)*url >= 0x7f)
            return false;
    return true;
}

/* ---- SMTP ---- */

static size_t smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
    struct attempt *t = arg;
    size_t room = size * nitems, n = t->msg_len - t->msg_off;

    if (n > room)
        n = room;
    memcpy(buf, t->msg + t->msg_off, n);
    t->msg_off += n;
    return n;
}

/* smtp_debug keeps the server's first error reply (a 4xx or 5xx line
 * of CURLINFO_HEADER_IN: what made the transaction fail, not the 221
 * that answers curl's QUIT after it) and nothing else: what curl sends
 * may hold the password. */
static int smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    struct attempt *t = arg;

    (void)h;
    if (type == CURLINFO_HEADER_IN && t->reply_len == 0 && size >= 3 &&
        (data[0] == '4' || data[0] == '5') && data[1] >= '0' && data[1] <= '9' && data[2] >= '0' &&
        data[2] <= '9')
        attempt_reply_line(t, data, size);
    return 0;
}

static CURLcode smtp_setopts(CURL *h, const struct tk_alert_config *cfg, const char *from,
                             struct curl_slist *rcpt, struct curl_slist *connect_to,
                             struct attempt *t)
{
    CURLcode rc = attempt_common(h, cfg, t);

#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_URL, cfg->smtp_url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_MAIL_FROM, from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, smtp_read);
    SET(CURLOPT_READDATA, t);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->msg_len);
    SET(CURLOPT_USE_SSL, (long)(cfg->smtp_starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    SET(CURLOPT_VERBOSE, 1L);
    SET(CURLOPT_DEBUGFUNCTION, smtp_debug);
    SET(CURLOPT_DEBUGDATA, t);
    if (connect_to != NULL)
        SET(CURLOPT_CONNECT_TO, connect_to);
    if (cfg->smtp_user[0]) {
        SET(CURLOPT_USERNAME, cfg->smtp_user);
        SET(CURLOPT_PASSWORD, cfg->smtp_password);
    }
#undef SET
    return rc;
}

/* smtp_connect_to makes the CURLOPT_CONNECT_TO entry of
 * cfg->smtp_connect: "::ADDR:" (any host and port of the URL to ADDR,
 * the port kept), IPv6 in brackets. Only a numeric address is taken,
 * so nothing else reaches curl's list. */
static enum tk_status smtp_connect_to(const struct tk_alert_config *cfg, struct curl_slist **out,
                                      struct tk_error *err)
{
    unsigned char bin[16];
    char entry[sizeof(cfg->smtp_connect) + 8];
    bool v6;

    *out = NULL;
    if (cfg->smtp_connect[0] == '\0')
        return TK_OK;
    v6 = inet_pton(AF_INET6, cfg->smtp_connect, bin) == 1;
    if (!v6 && inet_pton(AF_INET, cfg->smtp_connect, bin) != 1)
        return tk_error_set(err, TK_USAGE, "smtp_connect is not an IPv4 or IPv6 address");
    snprintf(entry, sizeof(entry), v6 ? "::[%s]:" : "::%s:", cfg->smtp_connect);
    if ((*out = curl_slist_append(NULL, entry)) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    return TK_OK;
}

static enum tk_status smtp_send(const struct tk_alert_config *cfg, const struct tk_alert_row *a,
                                struct tk_error *err)
{
    char token[64], from[TK_ALERT_ADDRESS_MAX + 3], to[TK_ALERT_ADDRESS_MAX + 3];
    struct tk_alert_mail m = {cfg->mail_from, a->target.destination, (int64_t)time(NULL), a->id,
                              token};
    struct attempt t = {0};
    struct tk_buf msg = {0};
    struct curl_slist *rcpt = NULL, *connect_to = NULL;
    CURL *h = NULL;
    CURLcode rc;
    enum tk_status st;

    if (cfg->smtp_url[0] == '\0')
        return tk_error_set(err, TK_USAGE, "no SMTP server is configured (smtp_url)");
    if (!url_printable(cfg->smtp_url))
        return tk_error_set(err, TK_USAGE, "smtp_url has a space or a control byte");
    if ((st = smtp_connect_to(cfg, &connect_to, err)) != TK_OK)
        return st;
    /* The same on every attempt of the alert (see DESCRIPTION). */
    snprintf(token, sizeof(token), "%lld-%lld", (long long)a->event_id, (long long)a->event.at);
    if ((st = tk_alert_mail(&m, &a->event, &msg, err)) != TK_OK)
        goto done;
    snprintf(from, sizeof(from), "<%s>", m.from);
    snprintf(to, sizeof(to), "<%s>", m.to);
    t.msg = tk_buf_cstr(&msg);
    t.msg_len = msg.len;
    st = tk_error_set(err, TK_NOMEM, "out of memory");
    if ((h = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, to)) == NULL)
        goto done;
    if ((rc = smtp_setopts(h, cfg, from, rcpt, connect_to, &t)) != CURLE_OK)
        st = attempt_setup_failed(err, rc);
    else if ((rc = curl_easy_perform(h)) != CURLE_OK)
        st = attempt_failed(err, "SMTP", rc, &t);
    else
        st = TK_OK;
done:
    curl_slist_free_all(connect_to);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    tk_buf_free(&msg);
    if (st == TK_OK)
        tk_error_clear(err);
    return st;
}

/* ---- webhook ---- */

/* webhook_write keeps the start of the answer's body for the error and
 * swallows the rest (never more than ALERT_REPLY_MAX bytes held). */
static size_t webhook_write(char *p, size_t size, size_t n, void *arg)
{
    struct attempt *t = arg;
    size_t room = sizeof(t->reply) - 1 - t->reply_len, take = size * n;

    if (take > room)
        take = room;
    memcpy(t->reply + t->reply_len, p, take);
    t->reply_len += take;
    t->reply[t->reply_len] = '\0';
    return size * n;
}

static CURLcode webhook_setopts(CURL *h, const struct tk_alert_config *cfg, const char *url,
                                const char *body, struct curl_slist *headers, struct attempt *t)
{
    CURLcode rc = attempt_common(h, cfg, t);

#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_USERAGENT, ALERT_USER_AGENT);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_POSTFIELDS, body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    SET(CURLOPT_WRITEFUNCTION, webhook_write);
    SET(CURLOPT_WRITEDATA, t);
#undef SET
    return rc;
}

/* webhook_judge: a 2xx is delivery; anything else a failed attempt. */
static enum tk_status webhook_judge(CURL *h, CURLcode rc, struct attempt *t, struct tk_error *err)
{
    long code = 0;

    if (rc != CURLE_OK) {
        t->reply[0] = '\0';
        return attempt_failed(err, "webhook", rc, t);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code <= 299)
        return TK_OK;
    /* One line: the body's line breaks become spaces, its end is
     * trimmed; cut inside a character, sanitise drops the rest. */
    for (char *p = t->reply; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
    while (t->reply_len > 0 && t->reply[t->reply_len - 1] == ' ')
        t->reply[--t->reply_len] = '\0';
    tk_text_sanitise(t->reply);
    if (t->reply[0])
        return tk_error_set(err, TK_TEMP, "webhook: HTTP %ld (server said: %s)", code, t->reply);
    return tk_error_set(err, TK_TEMP, "webhook: HTTP %ld", code);
}

static enum tk_status webhook_send(const struct tk_alert_config *cfg, const struct tk_alert_row *a,
                                   struct tk_error *err)
{
    const char *url = a->target.destination;
    struct attempt t = {0};
    struct curl_slist *headers = NULL, *more;
    json_t *o = NULL;
    char *body = NULL;
    CURL *h = NULL;
    CURLcode rc;
    enum tk_status st;

    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return tk_error_set(err, TK_USAGE, "the webhook URL is not http:// or https://");
    if (!url_printable(url))
        return tk_error_set(err, TK_USAGE, "the webhook URL has a space or a control byte");
    st = tk_error_set(err, TK_NOMEM, "out of memory");
    if ((o = tk_alert_json(a)) == NULL || (body = json_dumps(o, JSON_COMPACT)) == NULL)
        goto done;
    if ((headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL)
        goto done;
    /* No "Expect: 100-continue" wait before the body. */
    if ((more = curl_slist_append(headers, "Expect:")) == NULL || (h = curl_easy_init()) == NULL)
        goto done;
    headers = more;
    if ((rc = webhook_setopts(h, cfg, url, body, headers, &t)) != CURLE_OK)
        st = attempt_setup_failed(err, rc);
    else
        st = webhook_judge(h, curl_easy_perform(h), &t, err);
done:
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    free(body);
    json_decref(o);
    if (st == TK_OK)
        tk_error_clear(err);
    return st;
}

/* ---- syslog ---- */

static pthread_once_t syslog_once = PTHREAD_ONCE_INIT;

static void syslog_open(void)
{
    openlog("tiaki", LOG_PID, LOG_DAEMON);
}

static enum tk_status syslog_send(const struct tk_alert_row *a, struct tk_error *err)
{
    char line[TK_ALERT_LINE_MAX];

    pthread_once(&syslog_once, syslog_open);
    tk_alert_line(&a->event, line);
    syslog(LOG_WARNING, "%s", line);
    tk_error_clear(err);
    return TK_OK;
}

enum tk_status tk_alert_send(const struct tk_alert_config *cfg, const struct tk_alert_row *a,
                             struct tk_error *err)
{
    if (cfg == NULL || a == NULL)
        return tk_error_set(err, TK_USAGE, "no alert to send");
    switch (a->target.channel) {
    case TK_ALERT_SMTP:
        return smtp_send(cfg, a, err);
    case TK_ALERT_WEBHOOK:
        return webhook_send(cfg, a, err);
    case TK_ALERT_SYSLOG:
        return syslog_send(a, err);
    }
    return tk_error_set(err, TK_USAGE, "unknown alert channel %d", (int)a->target.channel);
}

/* ---- delivery ---- */

/* One due alert, copied out of the store's walk with its strings. */
struct due {
    struct tk_alert_row row;
    struct tk_event event;
    char domain[TK_DOMAIN_MAX + 1];
    char agency[TK_STORE_TEXT_MAX];
};

struct due_batch {
    struct due *items;
    size_t n;
};

static void due_collect(void *arg, const struct tk_alert_row *a)
{
    struct due_batch *b = arg;
    struct due *d;

    if (b->n >= ALERT_BATCH)
        return;
    d = &b->items[b->n++];
    d->row = *a;
    if (a->event.event != NULL)
        d->event = *a->event.event;
    else
        memset(&d->event, 0, sizeof(d->event));
    tk_strlcpy(d->domain, a->event.domain ? a->event.domain : "", sizeof(d->domain));
    tk_strlcpy(d->agency, a->event.agency ? a->event.agency : "", sizeof(d->agency));
    d->row.event.event = &d->event;
    d->row.event.domain = d->domain;
    d->row.event.agency = d->agency;
}

/* What one tk_alerts_deliver call has seen of each channel: after
 * ALERT_CHANNEL_FAILS_MAX attempts in a row failed on a channel (its
 * server down or silent), its other due alerts are not attempted in
 * this call but recorded as failed with that reason and backed off, so
 * a dead server costs a few timeouts, not one per alert. */
struct deliver_run {
    struct tk_alert_stats *stats;
    unsigned fails[TK_ALERT_SYSLOG + 1];
    char last[TK_ALERT_SYSLOG + 1][TK_ERROR_MSG_MAX];
};

/* due_attempt sends one alert (or not, see struct deliver_run) and
 * records the outcome. */
static enum tk_status due_attempt(struct tk_store *s, const struct tk_alert_config *cfg,
                                  int64_t now, const struct tk_alert_row *a,
                                  struct deliver_run *run, struct tk_error *err)
{
    unsigned ch = (unsigned)a->target.channel <= TK_ALERT_SYSLOG ? a->target.channel : 0;
    struct tk_error why = {0};
    enum tk_status st;
    int64_t delay, next = 0;

    if (run->fails[ch] >= ALERT_CHANNEL_FAILS_MAX) {
        st = tk_error_set(&why, TK_TEMP, "not attempted: %s", run->last[ch]);
    } else if ((st = tk_alert_send(cfg, a, &why)) == TK_OK) {
        run->fails[ch] = 0;
        run->stats->sent++;
        return tk_store_alert_result(s, a->id, true, NULL, 0, err);
    } else if (st == TK_TEMP && ++run->fails[ch] == ALERT_CHANNEL_FAILS_MAX) {
        tk_strlcpy(run->last[ch], why.msg, sizeof(run->last[ch]));
    }
    /* What can never work as configured is given up at once. */
    delay = st == TK_USAGE ? 0 : tk_alert_backoff(a->attempts + 1);
    if (delay > 0) {
        next = now + delay;
        run->stats->retrying++;
    } else {
        run->stats->failed++;
    }
    return tk_store_alert_result(s, a->id, false, why.msg, next, err);
}

/* due_seen is true when id was already attempted in this call: the
 * store handed back an alert it was told about (it must not be due). */
static bool due_seen(const int64_t *done, size_t ndone, int64_t id)
{
    size_t i;

    for (i = 0; i < ndone; i++)
        if (done[i] == id)
            return true;
    return false;
}

enum tk_status tk_alerts_deliver(struct tk_store *s, const struct tk_alert_config *cfg, int64_t now,
                                 struct tk_alert_stats *stats, struct tk_error *err)
{
    struct due_batch b = {0};
    struct deliver_run run = {.stats = stats};
    int64_t *done = NULL;
    size_t ndone = 0, i;
    enum tk_status st = TK_OK;

    memset(stats, 0, sizeof(*stats));
    b.items = calloc(ALERT_BATCH, sizeof(*b.items));
    done = calloc(ALERT_DELIVER_MAX, sizeof(*done));
    if (b.items == NULL || done == NULL) {
        st = tk_error_set(err, TK_NOMEM, "out of memory");
        goto out;
    }
    while (st == TK_OK && ndone < ALERT_DELIVER_MAX) {
        b.n = 0;
        if ((st = tk_store_alerts_due(s, now, ALERT_BATCH, due_collect, &b, err)) != TK_OK)
            break;
        for (i = 0; i < b.n && st == TK_OK && ndone < ALERT_DELIVER_MAX; i++) {
            if (due_seen(done, ndone, b.items[i].row.id)) {
                st = tk_error_set(err, TK_IO, "alert %lld is still due after its attempt",
                                  (long long)b.items[i].row.id);
                break;
            }
            done[ndone++] = b.items[i].row.id;
            st = due_attempt(s, cfg, now, &b.items[i].row, &run, err);
        }
        if (b.n < ALERT_BATCH)
            break;
    }
out:
    free(b.items);
    free(done);
    return st;
}
