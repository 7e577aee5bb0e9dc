/*
 * NAME
 *	smtp.c - the SMTP STARTTLS probe of one MX host at one address
 * SUMMARY
 *	Connects as a sending mail server would and records, as data, what
 *	the host did: banner, EHLO, STARTTLS offered, a mail transaction
 *	before STARTTLS, the TLS handshake and certificate chain, and which
 *	protocol versions it accepts each offered alone.
 * DESCRIPTION
 *	The first connection: connect, banner (220), EHLO, then MAIL
 *	FROM:<> and, when MAIL got a 2xx, RCPT TO:<postmaster@rcpt_domain>;
 *	never DATA. RSET when a transaction was started, then STARTTLS when
 *	offered and a handshake with ctx->best (SNI = host). The presented
 *	chain is kept and verified afterwards against ctx->store, dates
 *	ignored; the handshake itself never verifies, so a bad certificate
 *	is a TLS-CERT finding and never a failed handshake. QUIT after.
 *	When the connection fails during the mail transaction (closed,
 *	timed out, garbage), STARTTLS is tried once more on a fresh
 *	connection: a server may drop or stall a client that tries mail in
 *	clear and still serve STARTTLS.
 *
 *	plaintext_refused: YES when MAIL or RCPT got a 5xx, NO when RCPT
 *	got a 2xx, ERROR otherwise (4xx, no answer, dropped, garbage).
 *	tls: YES when the handshake completed; NO when the server refused
 *	STARTTLS with a 5xx or refused the handshake (see below); ERROR for
 *	a 4xx to STARTTLS, timeouts, garbage and local failures.
 *
 *	Then one connection per protocol version in enum tk_tls_version,
 *	one at a time, each offering that version alone (ctx->alone[v]):
 *	banner, EHLO, STARTTLS, handshake. accepted is YES when the
 *	handshake completed with that version; NO when the server refused
 *	it: it sent a TLS alert, or answered with a version we did not
 *	offer, or closed (or reset) the connection after our ClientHello
 *	had been sent, which is how many servers refuse an old version;
 *	ERROR when we could not tell: a timeout, garbage instead of TLS, a
 *	failure before the handshake (banner, EHLO, STARTTLS), or a local
 *	error. NOT_TRIED: the version cannot be offered by this OpenSSL
 *	(SSLv3 in Debian's build), or the first connection never reached
 *	a handshake (refused, silent, no STARTTLS, STARTTLS refused, a
 *	timeout): a host that never answered costs one deadline, not six.
 *	After a version connection times out, the remaining versions are
 *	not tried and are recorded as ERROR, so a tarpit costs at most two
 *	deadlines (the first connection, one version connection) plus one
 *	per version connection that completed in time.
 * STANDARDS
 *	RFC 5321 (SMTP), RFC 3207 (STARTTLS), RFC 6125 (names in
 *	certificates: X509_check_host without partial wildcards), RFC 5280.
 * LIMITS
 *	Every connection has one deadline, ctx->timeout_ms from its start,
 *	for the whole exchange on it (connect, every read and write, the
 *	handshake), so a host that trickles one byte at a time is cut off
 *	at the deadline. QUIT's reply is waited for at most
 *	SMTP_QUIT_WAIT_MS. Replies are bounded by smtp_reply.h; a chain
 *	keeps TK_CERT_CHAIN_MAX certificates of at most TK_CERT_DER_MAX
 *	bytes each (the kept chain stops at the first longer one).
 * SECURITY
 *	Sockets are non-blocking and polled against the deadline. No
 *	SIGPIPE: plain writes use send(MSG_NOSIGNAL), and TLS runs over a
 *	BIO of our own that does the same, so a peer that resets cannot
 *	kill the process even when the caller has not ignored SIGPIPE.
 *	Bytes a server sends after its 220 to STARTTLS, before the
 *	handshake, are discarded (RFC 3207 5, the STARTTLS injection
 *	attack). Every text kept from a peer is cut and sanitised. Many
 *	probes may run at once on different threads with one const
 *	context: everything changed here belongs to the probe; OpenSSL's
 *	error queue is per thread and cleared before each SSL call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/clock.h"
#include "core/domain.h"
#include "core/text.h"
#include "probe/context.h"
#include "probe/smtp_reply.h"

#define SMTP_PORT 25
/* QUIT is a courtesy: its 221 is waited for this long at most. */
#define SMTP_QUIT_WAIT_MS 1000
/* One reply plus the byte that lets the parser decide it is too long. */
#define SMTP_IN_MAX (TK_SMTP_REPLY_MAX + 1)

/* What one step on a connection came to. */
enum smtp_io {
    IO_OK = 0,
    IO_TIMEOUT, /* the connection's deadline passed */
    IO_CLOSED,  /* the peer closed or reset the connection */
    IO_GARBAGE, /* the peer sent something that is not an SMTP reply */
    IO_REFUSED, /* connect: connection refused */
    IO_REPLY,   /* the peer answered, but not what the next step needs */
    IO_ERROR,   /* anything else: unreachable, a local failure */
};

/* What a TLS handshake came to. */
enum smtp_hs {
    HS_OK = 0,
    HS_REFUSED, /* the server refused: alert, other version, closed */
    HS_TIMEOUT,
    HS_ERROR,
};

/* One connection: a socket, TLS once started, one deadline. */
struct smtp_conn {
    int fd;
    SSL *ssl;
    long long deadline; /* tk_now_ms() at which every step stops */
    int timeout_ms;
    size_t tls_out; /* bytes our TLS BIO sent */
    size_t tls_in;  /* bytes our TLS BIO received */
    int sock_errno; /* errno of the TLS BIO's last failed send or recv */
    bool eof;       /* the TLS BIO read the end of the stream */
    size_t inlen;
    char in[SMTP_IN_MAX];
    char why[TK_PROBE_TEXT_MAX]; /* why the last step failed */
};

/* One reply, copied out of the connection's buffer. */
struct smtp_answer {
    int code;
    bool starttls; /* an EHLO reply offering STARTTLS */
    char line[TK_PROBE_TEXT_MAX];
};

/* One probe: what every connection of it shares. */
struct smtp_run {
    const struct tk_probe_context *ctx;
    struct sockaddr_storage sa;
    socklen_t salen;
    char rcpt_domain[TK_DOMAIN_MAX + 1];
    struct tk_smtp_probe *out;
    enum tk_status st; /* TK_NOMEM once an allocation failed */
};

static enum smtp_io conn_fail(struct smtp_conn *c, enum smtp_io io, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum smtp_io conn_fail(struct smtp_conn *c, enum smtp_io io, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    return io;
}

/* text_copy copies len bytes at p into dst of size (> 4) as one line of
 * text: control bytes become '?', "..." marks a cut, UTF-8 sanitised. */
static void text_copy(char *dst, size_t size, const char *p, size_t len)
{
    size_t i;
    bool cut = len > size - 1;

    if (cut)
        len = size - 4;
    for (i = 0; i < len; i++)
        dst[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
    dst[len] = '\0';
    tk_text_sanitise(dst);
    if (cut)
        strcat(dst, "...");
}

/* ---- the socket and its deadline ---- */

static enum smtp_io conn_timeout(struct smtp_conn *c, const char *what)
{
    return conn_fail(c, IO_TIMEOUT, "timed out after %g s waiting for %s", c->timeout_ms / 1000.0,
                     what);
}

/* conn_wait waits until the socket is ready for events or the deadline. */
static enum smtp_io conn_wait(struct smtp_conn *c, short events, const char *what)
{
    for (;;) {
        long long left = c->deadline - tk_now_ms();
        struct pollfd pfd = {.fd = c->fd, .events = events};
        int n;

        if (left <= 0)
            return conn_timeout(c, what);
        n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0)
            return IO_OK; /* readiness or an error: the next call tells */
        if (n < 0 && errno != EINTR)
            return conn_fail(c, IO_ERROR, "poll: %s", strerror(errno));
    }
}

static enum smtp_io conn_connected(struct smtp_conn *c)
{
    int e = 0;
    socklen_t len = sizeof(e);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        e = errno;
    if (e == 0)
        return IO_OK;
    if (e == ECONNREFUSED)
        return conn_fail(c, IO_REFUSED, "connection refused");
    return conn_fail(c, IO_ERROR, "cannot connect: %s", strerror(e));
}

/* conn_open connects c to the run's address; the deadline starts now. */
static enum smtp_io conn_open(const struct smtp_run *run, struct smtp_conn *c)
{
    enum smtp_io io;

    memset(c, 0, offsetof(struct smtp_conn, in));
    c->why[0] = '\0';
    c->timeout_ms = run->ctx->timeout_ms;
    c->deadline = tk_now_ms() + c->timeout_ms;
    c->fd = socket(run->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return conn_fail(c, IO_ERROR, "socket: %s", strerror(errno));
    if (connect(c->fd, (const struct sockaddr *)&run->sa, run->salen) == 0)
        return IO_OK;
    if (errno == ECONNREFUSED)
        return conn_fail(c, IO_REFUSED, "connection refused");
    if (errno != EINPROGRESS)
        return conn_fail(c, IO_ERROR, "cannot connect: %s", strerror(errno));
    io = conn_wait(c, POLLOUT, "the connection");
    return io != IO_OK ? io : conn_connected(c);
}

static void conn_close(struct smtp_conn *c)
{
    SSL_free(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static enum smtp_io conn_sys_error(struct smtp_conn *c, int e, const char *what)
{
    if (e == ECONNRESET || e == EPIPE)
        return conn_fail(c, IO_CLOSED, "the server closed the connection before %s", what);
    return conn_fail(c, IO_ERROR, "%s, before %s", strerror(e), what);
}

/* conn_tls_wait handles a TLS call that did not complete: waits when
 * OpenSSL wants the socket, else says why it failed. */
static enum smtp_io conn_tls_wait(struct smtp_conn *c, int ret, const char *what)
{
    int e = SSL_get_error(c->ssl, ret);
    char msg[160];

    if (e == SSL_ERROR_WANT_READ)
        return conn_wait(c, POLLIN, what);
    if (e == SSL_ERROR_WANT_WRITE)
        return conn_wait(c, POLLOUT, what);
    if (e == SSL_ERROR_ZERO_RETURN || c->eof)
        return conn_fail(c, IO_CLOSED, "the server closed the connection before %s", what);
    if (c->sock_errno != 0)
        return conn_sys_error(c, c->sock_errno, what);
    ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
    return conn_fail(c, IO_ERROR, "TLS error before %s: %s", what, msg);
}

/* conn_send writes all of s, over TLS once it has started. */
static enum smtp_io conn_send(struct smtp_conn *c, const char *s, const char *what)
{
    size_t len = strlen(s), done = 0;
    enum smtp_io io = IO_OK;

    while (done < len && io == IO_OK) {
        ssize_t n;

        if (c->ssl != NULL) {
            ERR_clear_error();
            n = SSL_write(c->ssl, s + done, (int)(len - done));
            if (n <= 0) {
                io = conn_tls_wait(c, (int)n, what);
                continue;
            }
        } else {
            n = send(c->fd, s + done, len - done, MSG_NOSIGNAL);
            if (n < 0) {
                io = errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                         ? conn_wait(c, POLLOUT, what)
                         : conn_sys_error(c, errno, what);
                continue;
            }
        }
        done += (size_t)n;
    }
    return io;
}

/* conn_fill reads what the peer has sent into c->in (which has room). */
static enum smtp_io conn_fill(struct smtp_conn *c, const char *what)
{
    size_t room = sizeof(c->in) - c->inlen;

    for (;;) {
        ssize_t n;
        enum smtp_io io;

        if (c->ssl != NULL) {
            ERR_clear_error();
            n = SSL_read(c->ssl, c->in + c->inlen, (int)room);
            if (n <= 0 && (io = conn_tls_wait(c, (int)n, what)) != IO_OK)
                return io;
        } else {
            n = recv(c->fd, c->in + c->inlen, room, 0);
            if (n == 0)
                return conn_fail(c, IO_CLOSED, "the server closed the connection before %s", what);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return conn_sys_error(c, errno, what);
            if (n < 0 && (io = conn_wait(c, POLLIN, what)) != IO_OK)
                return io;
        }
        if (n > 0) {
            c->inlen += (size_t)n;
            return IO_OK;
        }
    }
}

/* ---- SMTP ---- */

/* smtp_read reads one reply into a; what names it for errors. */
static enum smtp_io smtp_read(struct smtp_conn *c, struct smtp_answer *a, const char *what)
{
    struct tk_smtp_reply r;
    struct tk_error err = {0};
    enum tk_status st;
    enum smtp_io io;

    for (;;) {
        st = tk_smtp_reply_parse(c->in, c->inlen, &r, &err);
        if (st == TK_OK)
            break;
        if (st != TK_TEMP)
            return conn_fail(c, IO_GARBAGE, "garbage instead of %s: %s", what, err.msg);
        io = conn_fill(c, what);
        if (io != IO_OK)
            return io;
    }
    a->code = r.code;
    a->starttls = tk_smtp_reply_has_keyword(&r, "STARTTLS");
    tk_smtp_reply_show(&r, a->line, sizeof(a->line));
    c->inlen -= r.len;
    memmove(c->in, c->in + r.len, c->inlen);
    return IO_OK;
}

/* smtp_cmd sends the command line cmd and reads its reply. */
static enum smtp_io smtp_cmd(struct smtp_conn *c, const char *cmd, struct smtp_answer *a)
{
    char line[TK_DOMAIN_MAX + 64], what[96];
    const char *verb_end = strchr(cmd, ' ');
    enum smtp_io io;

    snprintf(what, sizeof(what), "the reply to %.*s",
             (int)(verb_end ? (size_t)(verb_end - cmd) : strlen(cmd)), cmd);
    snprintf(line, sizeof(line), "%s\r\n", cmd);
    io = conn_send(c, line, what);
    return io != IO_OK ? io : smtp_read(c, a, what);
}

static enum smtp_io smtp_ehlo(const struct smtp_run *run, struct smtp_conn *c,
                              struct smtp_answer *a)
{
    char cmd[TK_DOMAIN_MAX + 8];

    snprintf(cmd, sizeof(cmd), "EHLO %s", run->ctx->helo_name);
    return smtp_cmd(c, cmd, a);
}

/* smtp_quit says goodbye, best effort, within SMTP_QUIT_WAIT_MS; c->why
 * is kept. */
static void smtp_quit(struct smtp_conn *c)
{
    long long grace = tk_now_ms() + SMTP_QUIT_WAIT_MS;
    char why[sizeof(c->why)];
    struct smtp_answer a;

    if (c->fd < 0)
        return;
    memcpy(why, c->why, sizeof(why));
    if (grace < c->deadline)
        c->deadline = grace;
    if (smtp_cmd(c, "QUIT", &a) == IO_OK && c->ssl != NULL) {
        ERR_clear_error();
        SSL_shutdown(c->ssl);
    }
    ERR_clear_error();
    memcpy(c->why, why, sizeof(why));
}

/* smtp_greet connects and reads a 220 banner; a is the banner. */
static enum smtp_io smtp_greet(const struct smtp_run *run, struct smtp_conn *c,
                               struct smtp_answer *a)
{
    enum smtp_io io = conn_open(run, c);

    if (io == IO_OK)
        io = smtp_read(c, a, "the banner");
    if (io == IO_OK && a->code != 220)
        return conn_fail(c, IO_REPLY, "the banner was \"%s\"", a->line);
    return io;
}

/* smtp_starttls sends STARTTLS and wants 220; *code gets the reply code. */
static enum smtp_io smtp_starttls(struct smtp_conn *c, int *code)
{
    struct smtp_answer a;
    enum smtp_io io = smtp_cmd(c, "STARTTLS", &a);

    *code = io == IO_OK ? a.code : 0;
    if (io == IO_OK && a.code != 220)
        return conn_fail(c, IO_REPLY, "STARTTLS was answered \"%s\"", a.line);
    c->inlen = 0; /* RFC 3207 5: nothing said before TLS counts after it */
    return io;
}

/* smtp_to_tls opens a connection and takes it to the point of a
 * handshake: banner, EHLO offering STARTTLS, STARTTLS answered 220. */
static enum smtp_io smtp_to_tls(const struct smtp_run *run, struct smtp_conn *c)
{
    struct smtp_answer a;
    enum smtp_io io = smtp_greet(run, c, &a);
    int code;

    if (io == IO_OK)
        io = smtp_ehlo(run, c, &a);
    if (io != IO_OK)
        return io;
    if (a.code / 100 != 2)
        return conn_fail(c, IO_REPLY, "EHLO was answered \"%s\"", a.line);
    if (!a.starttls)
        return conn_fail(c, IO_REPLY, "STARTTLS was not offered on this connection");
    return smtp_starttls(c, &code);
}

/* ---- a BIO that never raises SIGPIPE ---- */

static int bio_write(BIO *b, const char *buf, int len)
{
    struct smtp_conn *c = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);
    if (n >= 0) {
        c->tls_out += (size_t)n;
        return (int)n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        BIO_set_retry_write(b);
    else
        c->sock_errno = errno;
    return -1;
}

static int bio_read(BIO *b, char *buf, int len)
{
    struct smtp_conn *c = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = recv(c->fd, buf, (size_t)len, 0);
    if (n > 0) {
        c->tls_in += (size_t)n;
        return (int)n;
    }
    if (n == 0) {
        c->eof = true;
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        BIO_set_retry_read(b);
    else
        c->sock_errno = errno;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method;
static pthread_once_t bio_method_once = PTHREAD_ONCE_INIT;

static void bio_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tiaki smtp");

    if (m == NULL)
        return;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create)) {
        BIO_meth_free(m);
        return;
    }
    bio_method = m; /* kept for the life of the process, as OpenSSL's own */
}

/* ---- TLS ---- */

static enum smtp_hs hs_fail(struct smtp_conn *c, enum smtp_hs hs, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum smtp_hs hs_fail(struct smtp_conn *c, enum smtp_hs hs, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return hs;
}

/* tls_new makes c's SSL over our BIO, SNI = host unless host is an
 * address. False (c->why says why) when memory ran out. */
static bool tls_new(struct smtp_conn *c, SSL_CTX *sctx, const char *host)
{
    unsigned char addr[sizeof(struct in6_addr)];
    BIO *bio;

    ERR_clear_error();
    pthread_once(&bio_method_once, bio_method_init);
    c->ssl = bio_method != NULL ? SSL_new(sctx) : NULL;
    bio = c->ssl != NULL ? BIO_new(bio_method) : NULL;
    if (bio == NULL) {
        conn_fail(c, IO_ERROR, "out of memory for TLS");
        ERR_clear_error();
        return false;
    }
    BIO_set_data(bio, c);
    SSL_set_bio(c->ssl, bio, bio);
    if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
        SSL_set_tlsext_host_name(c->ssl, host);
    SSL_set_connect_state(c->ssl);
    return true;
}

/* tls_version_refused: OpenSSL's reasons for a server that answered
 * with a protocol version we did not offer. */
static bool tls_version_refused(int reason)
{
    return reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_SSL_VERSION ||
           reason == SSL_R_VERSION_TOO_LOW || reason == SSL_R_VERSION_TOO_HIGH ||
           reason == SSL_R_UNSUPPORTED_SSL_VERSION || reason == SSL_R_INAPPROPRIATE_FALLBACK;
}

static enum smtp_hs tls_closed(struct smtp_conn *c)
{
    if (c->tls_out == 0)
        return hs_fail(c, HS_ERROR,
                       "the server closed the connection before our ClientHello was sent");
    if (c->tls_in == 0)
        return hs_fail(c, HS_REFUSED,
                       "the server closed the connection after our ClientHello, without a reply");
    return hs_fail(c, HS_REFUSED, "the server closed the connection during the TLS handshake");
}

/* tls_failed decides what a failed handshake means. */
static enum smtp_hs tls_failed(struct smtp_conn *c, int ret)
{
    int e = SSL_get_error(c->ssl, ret);
    unsigned long code = ERR_peek_error();
    int reason = ERR_GET_REASON(code);
    const char *text = ERR_reason_error_string(code);

    if (e == SSL_ERROR_SSL && reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256)
        return hs_fail(c, HS_REFUSED, "the server sent the TLS alert \"%s\"",
                       SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET));
    if (c->eof || c->sock_errno == ECONNRESET || c->sock_errno == EPIPE ||
        e == SSL_ERROR_ZERO_RETURN ||
        (e == SSL_ERROR_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING))
        return tls_closed(c);
    if (e == SSL_ERROR_SSL && tls_version_refused(reason))
        return hs_fail(c, HS_REFUSED, "the server answered with a version not offered (%s)",
                       text ? text : "?");
    if (c->sock_errno != 0)
        return hs_fail(c, HS_ERROR, "TLS handshake: %s", strerror(c->sock_errno));
    if (e == SSL_ERROR_SSL && reason == SSL_R_WRONG_VERSION_NUMBER)
        return hs_fail(c, HS_ERROR, "the server's answer to our ClientHello is not TLS");
    return hs_fail(c, HS_ERROR, "TLS handshake failed: %s", text ? text : "unknown error");
}

/* tls_protocol_name names the negotiated version as tk_tls_version_name
 * does ("TLSv1.0" where OpenSSL says "TLSv1"). */
static const char *tls_protocol_name(const SSL *ssl)
{
    switch (SSL_version(ssl)) {
    case SSL3_VERSION:
        return tk_tls_version_name(TK_TLS_SSL3);
    case TLS1_VERSION:
        return tk_tls_version_name(TK_TLS_1_0);
    case TLS1_1_VERSION:
        return tk_tls_version_name(TK_TLS_1_1);
    case TLS1_2_VERSION:
        return tk_tls_version_name(TK_TLS_1_2);
    case TLS1_3_VERSION:
        return tk_tls_version_name(TK_TLS_1_3);
    }
    return SSL_get_version(ssl);
}

/* tls_handshake runs the handshake on c with sctx; want is the protocol
 * version it must come to, or 0 for any. c->why says why it failed. */
static enum smtp_hs tls_handshake(struct smtp_run *run, struct smtp_conn *c, SSL_CTX *sctx,
                                  const char *host, int want)
{
    enum smtp_io io;
    int ret;

    if (!tls_new(c, sctx, host)) {
        run->st = TK_NOMEM;
        return HS_ERROR;
    }
    for (;;) {
        ERR_clear_error();
        ret = SSL_do_handshake(c->ssl);
        if (ret == 1)
            break;
        if (SSL_get_error(c->ssl, ret) == SSL_ERROR_WANT_READ)
            io = conn_wait(c, POLLIN, "the TLS handshake");
        else if (SSL_get_error(c->ssl, ret) == SSL_ERROR_WANT_WRITE)
            io = conn_wait(c, POLLOUT, "the TLS handshake");
        else
            return tls_failed(c, ret);
        if (io == IO_TIMEOUT)
            return HS_TIMEOUT;
        if (io != IO_OK)
            return HS_ERROR;
    }
    if (want != 0 && SSL_version(c->ssl) != want)
        return hs_fail(c, HS_REFUSED, "the handshake came to %s", tls_protocol_name(c->ssl));
    return HS_OK;
}

/* ---- the certificate chain ---- */

static int64_t cert_time(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

/* cert_name writes name in one line, RFC 2253, UTF-8 kept, sanitised. */
static void cert_name(const X509_NAME *name, char *dst, size_t size)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *p = NULL;
    long len;

    dst[0] = '\0';
    if (mem == NULL)
        return;
    if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        len = BIO_get_mem_data(mem, &p);
        if (len > 0 && p != NULL)
            text_copy(dst, size, p, (size_t)len);
    }
    BIO_free(mem);
}

/* cert_der puts the DER of x (or of its SPKI) in a malloc'd buffer. */
static bool cert_der(X509 *x, bool spki, unsigned char **out, size_t *outlen)
{
    X509_PUBKEY *pk = spki ? X509_get_X509_PUBKEY(x) : NULL;
    int len = spki ? i2d_X509_PUBKEY(pk, NULL) : i2d_X509(x, NULL);
    unsigned char *buf, *p;

    if (len <= 0)
        return true; /* nothing to keep; not a memory failure */
    buf = malloc((size_t)len);
    if (buf == NULL)
        return false;
    p = buf;
    if ((spki ? i2d_X509_PUBKEY(pk, &p) : i2d_X509(x, &p)) != len) {
        free(buf);
        return true;
    }
    *out = buf;
    *outlen = (size_t)len;
    return true;
}

static bool cert_keep(X509 *x, struct tk_cert_info *ci)
{
    memset(ci, 0, sizeof(*ci));
    if (!cert_der(x, false, &ci->der, &ci->der_len) || !cert_der(x, true, &ci->spki, &ci->spki_len))
        return false;
    cert_name(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
    cert_name(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
    ci->not_before = cert_time(X509_get0_notBefore(x));
    ci->not_after = cert_time(X509_get0_notAfter(x));
    return true;
}

/* chain_keep copies the presented chain, leaf first, into the probe. */
static void chain_keep(struct smtp_run *run, STACK_OF(X509) * chain)
{
    struct tk_smtp_probe *p = run->out;
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;

    for (i = 0; i < n && p->nchain < TK_CERT_CHAIN_MAX; i++) {
        X509 *x = sk_X509_value(chain, i);
        int len = i2d_X509(x, NULL);

        if (len <= 0 || len > TK_CERT_DER_MAX)
            break;
        if (!cert_keep(x, &p->chain[p->nchain])) {
            run->st = TK_NOMEM;
            break;
        }
        p->nchain++;
    }
}

/* chain_in_date is true when every certificate of chain is in date. */
static bool chain_in_date(STACK_OF(X509) * chain)
{
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;

    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);

        if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0 ||
            X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
            return false;
    }
    return n > 0;
}

/* chain_verify verifies the presented chain against the trust store as
 * a TLS client would (purpose ssl_server), dates aside; in_date is
 * judged on the path verification built (leaf to root), or on the
 * presented chain when there is none: a server that still sends an
 * expired cross-signed certificate beside a valid path is in date, as
 * it is for senders. */
static void chain_verify(struct smtp_run *run, X509 *leaf, STACK_OF(X509) * chain)
{
    struct tk_smtp_probe *p = run->out;
    X509_STORE_CTX *v = X509_STORE_CTX_new();
    int e;

    ERR_clear_error();
    if (v == NULL || !X509_STORE_CTX_init(v, run->ctx->store, leaf, chain) ||
        !X509_STORE_CTX_set_default(v, "ssl_server")) {
        tk_strlcpy(p->verify_error, "cannot set up verification", sizeof(p->verify_error));
        p->in_date = chain_in_date(chain);
        X509_STORE_CTX_free(v);
        ERR_clear_error();
        return;
    }
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(v), X509_V_FLAG_NO_CHECK_TIME);
    p->chain_trusted = X509_verify_cert(v) == 1;
    if (!p->chain_trusted) {
        e = X509_STORE_CTX_get_error(v);
        snprintf(p->verify_error, sizeof(p->verify_error), "%s (depth %d)",
                 X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(v));
    }
    p->in_date = chain_in_date(p->chain_trusted ? X509_STORE_CTX_get0_chain(v) : chain);
    X509_STORE_CTX_free(v);
    ERR_clear_error();
}

/* tls_record keeps what the completed handshake on c showed. */
static void tls_record(struct smtp_run *run, struct smtp_conn *c)
{
    struct tk_smtp_probe *p = run->out;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    X509 *leaf = SSL_get0_peer_certificate(c->ssl);
    const char *cipher = SSL_get_cipher_name(c->ssl);

    p->tls = TK_PROBE_YES;
    tk_strlcpy(p->protocol, tls_protocol_name(c->ssl), sizeof(p->protocol));
    tk_strlcpy(p->cipher, cipher != NULL ? cipher : "", sizeof(p->cipher));
    chain_keep(run, chain);
    if (leaf == NULL) {
        tk_strlcpy(p->verify_error, "the server presented no certificate", sizeof(p->verify_error));
        return;
    }
    chain_verify(run, leaf, chain);
    p->name_matches = X509_check_host(leaf, p->host, strlen(p->host),
                                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    ERR_clear_error();
}

/* ---- the first connection ---- */

/* What the first connection tells the version connections. */
struct smtp_first {
    char skip[TK_PROBE_TEXT_MAX]; /* why they are not made, or "" */
};

static void first_skip(struct smtp_first *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void first_skip(struct smtp_first *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(f->skip, sizeof(f->skip), fmt, ap);
    va_end(ap);
}

/* first_handshake runs the best handshake on c (STARTTLS answered 220)
 * and records it; prefix goes before a failure's reason. */
static void first_handshake(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f,
                            const char *prefix)
{
    struct tk_smtp_probe *p = run->out;
    enum smtp_hs hs;

    hs = tls_handshake(run, c, run->ctx->best, p->host, 0);
    if (hs == HS_OK) {
        tls_record(run, c);
        smtp_quit(c);
        return;
    }
    p->tls = hs == HS_REFUSED ? TK_PROBE_NO : TK_PROBE_ERROR;
    snprintf(p->tls_error, sizeof(p->tls_error), "%s%s", prefix, c->why);
    if (hs == HS_TIMEOUT)
        first_skip(f, "the first connection's TLS handshake timed out");
}

/* first_tls does STARTTLS and the best handshake on c. */
static void first_tls(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;
    enum smtp_io io;
    int code;

    io = smtp_starttls(c, &code);
    if (io == IO_OK) {
        first_handshake(run, c, f, "");
        return;
    }
    p->tls = code / 100 == 5 ? TK_PROBE_NO : TK_PROBE_ERROR;
    tk_strlcpy(p->tls_error, c->why, sizeof(p->tls_error));
    first_skip(f, "%s", c->why);
    if (io == IO_REPLY)
        smtp_quit(c);
}

/* first_redo tries STARTTLS on a new connection after the first one
 * failed during the mail transaction (closed, timed out, garbage): a
 * server may drop or stall a client that tries mail in clear, and
 * still serve STARTTLS. */
static void first_redo(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;

    conn_close(c);
    if (smtp_to_tls(run, c) == IO_OK) {
        first_handshake(run, c, f, "second connection: ");
        return;
    }
    p->tls = TK_PROBE_ERROR;
    snprintf(p->tls_error, sizeof(p->tls_error), "second connection: %s", c->why);
    first_skip(f, "second connection: %s", c->why);
}

/* first_greet connects and reads the banner; false when the session
 * ends there. */
static bool first_greet(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;
    struct smtp_answer a;
    enum smtp_io io;

    io = conn_open(run, c);
    if (io != IO_OK) {
        p->connected = io == IO_REFUSED ? TK_PROBE_NO : TK_PROBE_ERROR;
        tk_strlcpy(p->connect_error, c->why, sizeof(p->connect_error));
        first_skip(f, "%s", c->why);
        return false;
    }
    p->connected = TK_PROBE_YES;
    if (smtp_read(c, &a, "the banner") != IO_OK) {
        tk_strlcpy(p->connect_error, c->why, sizeof(p->connect_error));
        first_skip(f, "%s", c->why);
        return false;
    }
    p->banner_code = a.code;
    tk_strlcpy(p->banner, a.line, sizeof(p->banner));
    if (a.code == 220)
        return true;
    snprintf(p->connect_error, sizeof(p->connect_error), "the banner was not 220: %s", a.line);
    first_skip(f, "the banner was not 220: %s", a.line);
    smtp_quit(c);
    return false;
}

/* first_helo falls back to HELO after EHLO got a 5xx, for the mail
 * transaction; false when that fails too. */
static bool first_helo(struct smtp_run *run, struct smtp_conn *c)
{
    struct tk_smtp_probe *p = run->out;
    char cmd[TK_DOMAIN_MAX + 8];
    struct smtp_answer a;

    snprintf(cmd, sizeof(cmd), "HELO %s", run->ctx->helo_name);
    p->plaintext_refused = TK_PROBE_ERROR;
    if (smtp_cmd(c, cmd, &a) != IO_OK) {
        tk_strlcpy(p->plaintext_reply, c->why, sizeof(p->plaintext_reply));
        return false;
    }
    if (a.code / 100 == 2)
        return true;
    snprintf(p->plaintext_reply, sizeof(p->plaintext_reply), "HELO was answered \"%s\"", a.line);
    smtp_quit(c);
    return false;
}

/* first_ehlo sends EHLO and records what it offers; false when the
 * session ends there. */
static bool first_ehlo(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;
    struct smtp_answer a;
    enum smtp_io io = smtp_ehlo(run, c, &a);

    if (io == IO_OK && a.code / 100 == 2) {
        p->ehlo_ok = TK_PROBE_YES;
        p->starttls_offered = a.starttls ? TK_PROBE_YES : TK_PROBE_NO;
        if (!a.starttls)
            first_skip(f, "STARTTLS is not offered");
        return true;
    }
    if (io == IO_OK)
        snprintf(c->why, sizeof(c->why), "EHLO was answered \"%s\"", a.line);
    first_skip(f, "%s", c->why);
    if (io != IO_OK || a.code / 100 != 5) {
        tk_strlcpy(p->connect_error, c->why, sizeof(p->connect_error));
        p->ehlo_ok = p->starttls_offered = TK_PROBE_ERROR;
        if (io == IO_OK)
            smtp_quit(c);
        return false;
    }
    /* RFC 5321 3.2: a server without extensions; no STARTTLS. */
    p->ehlo_ok = p->starttls_offered = TK_PROBE_NO;
    return first_helo(run, c);
}

/* first_mail_end: a 421 (RFC 5321 3.8: the server is closing) ends the
 * connection as surely as a close. */
static enum smtp_io first_mail_end(struct smtp_conn *c, const struct smtp_answer *a)
{
    if (a->code != 421)
        return IO_OK;
    return conn_fail(c, IO_CLOSED, "the server is closing the connection: %s", a->line);
}

/* first_mail attempts MAIL FROM:<> and RCPT TO:<postmaster@...>, then
 * RSET when a transaction started. Returns how the connection fared. */
static enum smtp_io first_mail(struct smtp_run *run, struct smtp_conn *c)
{
    struct tk_smtp_probe *p = run->out;
    char cmd[TK_DOMAIN_MAX + 32];
    struct smtp_answer a;
    enum smtp_io io;

    p->plaintext_refused = TK_PROBE_ERROR;
    io = smtp_cmd(c, "MAIL FROM:<>", &a);
    if (io != IO_OK) {
        tk_strlcpy(p->plaintext_reply, c->why, sizeof(p->plaintext_reply));
        return io;
    }
    p->mail_code = a.code;
    tk_strlcpy(p->plaintext_reply, a.line, sizeof(p->plaintext_reply));
    if (a.code / 100 == 5)
        p->plaintext_refused = TK_PROBE_YES;
    if (a.code / 100 != 2)
        return first_mail_end(c, &a);
    snprintf(cmd, sizeof(cmd), "RCPT TO:<postmaster@%s>", run->rcpt_domain);
    io = smtp_cmd(c, cmd, &a);
    if (io != IO_OK) {
        tk_strlcpy(p->plaintext_reply, c->why, sizeof(p->plaintext_reply));
        return io;
    }
    p->rcpt_code = a.code;
    tk_strlcpy(p->plaintext_reply, a.line, sizeof(p->plaintext_reply));
    if (a.code / 100 == 5)
        p->plaintext_refused = TK_PROBE_YES;
    else if (a.code / 100 == 2)
        p->plaintext_refused = TK_PROBE_NO;
    if (a.code == 421)
        return first_mail_end(c, &a);
    io = smtp_cmd(c, "RSET", &a);
    return io != IO_OK ? io : first_mail_end(c, &a);
}

/* smtp_first runs the first connection (and a second one for STARTTLS
 * when the server closed the first during the mail transaction). */
static void smtp_first(struct smtp_run *run, struct smtp_conn *c, struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;
    enum smtp_io io;

    if (!first_greet(run, c, f) || !first_ehlo(run, c, f))
        return;
    io = first_mail(run, c);
    if (p->starttls_offered != TK_PROBE_YES) {
        if (io == IO_OK)
            smtp_quit(c);
        return;
    }
    if (io != IO_OK) {
        first_redo(run, c, f);
        return;
    }
    first_tls(run, c, f);
}

/* ---- one version alone ---- */

/* version_probe offers version v alone on a new connection; true when
 * it timed out (the remaining versions are then not tried). */
static bool version_probe(struct smtp_run *run, struct smtp_conn *c, enum tk_tls_version v)
{
    struct tk_tls_version_result *r = &run->out->versions[v];
    SSL_CTX *sctx = run->ctx->alone[v];
    enum smtp_io io = smtp_to_tls(run, c);
    enum smtp_hs hs = HS_ERROR;

    if (io == IO_OK)
        hs = tls_handshake(run, c, sctx, run->out->host, SSL_CTX_get_max_proto_version(sctx));
    if (io == IO_OK && hs == HS_OK) {
        r->accepted = TK_PROBE_YES;
        snprintf(r->detail, sizeof(r->detail), "cipher %s", SSL_get_cipher_name(c->ssl));
        smtp_quit(c);
    } else {
        r->accepted = io == IO_OK && hs == HS_REFUSED ? TK_PROBE_NO : TK_PROBE_ERROR;
        tk_strlcpy(r->detail, c->why, sizeof(r->detail));
        if (io == IO_REPLY)
            smtp_quit(c);
    }
    conn_close(c);
    return io == IO_TIMEOUT || (io == IO_OK && hs == HS_TIMEOUT);
}

static void smtp_versions(struct smtp_run *run, struct smtp_conn *c, const struct smtp_first *f)
{
    struct tk_smtp_probe *p = run->out;
    const char *late = NULL;
    int v;

    for (v = 0; v < TK_TLS_VERSIONS; v++) {
        struct tk_tls_version_result *r = &p->versions[v];

        if (run->ctx->alone[v] == NULL) {
            r->accepted = TK_PROBE_NOT_TRIED;
            tk_strlcpy(r->detail, run->ctx->alone_why[v], sizeof(r->detail));
        } else if (f->skip[0] != '\0') {
            r->accepted = TK_PROBE_NOT_TRIED;
            tk_strlcpy(r->detail, f->skip, sizeof(r->detail));
        } else if (late != NULL) {
            r->accepted = TK_PROBE_ERROR;
            snprintf(r->detail, sizeof(r->detail), "not tried: the %s connection timed out", late);
        } else if (version_probe(run, c, (enum tk_tls_version)v)) {
            late = tk_tls_version_name((enum tk_tls_version)v);
        }
    }
}

/* ---- the probe ---- */

static enum tk_status run_usage(struct tk_smtp_probe *out, const char *why)
{
    tk_strlcpy(out->connect_error, why, sizeof(out->connect_error));
    return TK_USAGE;
}

/* run_init checks the arguments and resolves the numeric address. */
static enum tk_status run_init(struct smtp_run *run, const char *host, const char *address,
                               unsigned port, const char *rcpt_domain)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct tk_smtp_probe *out = run->out;
    struct addrinfo *res;
    struct tk_error err;
    char service[8];

    if (host == NULL || host[0] == '\0' || !tk_strlcpy(out->host, host, sizeof(out->host)))
        return run_usage(out, "no MX host name, or one too long");
    if (address == NULL || !tk_strlcpy(out->address, address, sizeof(out->address)))
        return run_usage(out, "no address, or one too long");
    if (rcpt_domain == NULL || strchr(rcpt_domain, '*') != NULL ||
        tk_domain_normalise(rcpt_domain, strlen(rcpt_domain), run->rcpt_domain, &err) != TK_OK)
        return run_usage(out, "the postmaster's domain is not a domain name");
    if (port > 65535)
        return run_usage(out, "the port is not 0 to 65535");
    snprintf(service, sizeof(service), "%u", port ? port : SMTP_PORT);
    if (getaddrinfo(address, service, &hints, &res) != 0)
        return run_usage(out, "the address is not a numeric IPv4 or IPv6 address");
    memcpy(&run->sa, res->ai_addr, res->ai_addrlen);
    run->salen = res->ai_addrlen;
    freeaddrinfo(res);
    return TK_OK;
}

enum tk_status tk_smtp_probe_host(const struct tk_probe_context *ctx, const char *host,
                                  const char *address, unsigned port, const char *rcpt_domain,
                                  struct tk_smtp_probe *out)
{
    struct smtp_run run = {.ctx = ctx, .out = out, .st = TK_OK};
    struct smtp_first f = {.skip = ""};
    long long t0 = tk_now_ms();
    struct smtp_conn *c;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    out->started = (int64_t)time(NULL);
    st = run_init(&run, host, address, port, rcpt_domain);
    if (st != TK_OK)
        return st;
    c = malloc(sizeof(*c));
    if (c == NULL)
        return TK_NOMEM;
    c->fd = -1;
    c->ssl = NULL;
    smtp_first(&run, c, &f);
    conn_close(c);
    if (out->tls == TK_PROBE_NOT_TRIED)
        tk_strlcpy(out->tls_error, f.skip, sizeof(out->tls_error));
    smtp_versions(&run, c, &f);
    free(c);
    out->elapsed_ms = (unsigned)(tk_now_ms() - t0);
    return run.st;
}

/* ---- copies ---- */

void tk_smtp_probe_clear(struct tk_smtp_probe *p)
{
    size_t i;

    for (i = 0; i < p->nchain && i < TK_CERT_CHAIN_MAX; i++) {
        free(p->chain[i].der);
        free(p->chain[i].spki);
    }
    memset(p, 0, sizeof(*p));
}

static unsigned char *copy_bytes(const unsigned char *src, size_t len)
{
    unsigned char *p;

    if (src == NULL || len == 0)
        return NULL;
    p = malloc(len);
    if (p != NULL)
        memcpy(p, src, len);
    return p;
}

enum tk_status tk_smtp_probe_copy(struct tk_smtp_probe *dst, const struct tk_smtp_probe *src)
{
    size_t i, n = src->nchain < TK_CERT_CHAIN_MAX ? src->nchain : TK_CERT_CHAIN_MAX;

    memcpy(dst, src, sizeof(*dst));
    for (i = 0; i < n; i++)
        dst->chain[i].der = dst->chain[i].spki = NULL;
    for (i = 0; i < n; i++) {
        dst->chain[i].der = copy_bytes(src->chain[i].der, src->chain[i].der_len);
        dst->chain[i].spki = copy_bytes(src->chain[i].spki, src->chain[i].spki_len);
        if ((src->chain[i].der != NULL && src->chain[i].der_len > 0 && dst->chain[i].der == NULL) ||
            (src->chain[i].spki != NULL && src->chain[i].spki_len > 0 &&
             dst->chain[i].spki == NULL)) {
            tk_smtp_probe_clear(dst);
            return TK_NOMEM;
        }
    }
    return TK_OK;
}
