/*
 * NAME
 *	context.c - the probe context: trust store, TLS settings, options
 * DESCRIPTION
 *	Built once per run and shared, read-only, by every probe thread.
 *
 *	The trust store holds the system's roots (OpenSSL's default paths)
 *	unless ca_file_only, and every certificate of ca_file. The file is
 *	read here with the PEM reader so that an unreadable file, or one
 *	with no certificate in it, is a usage error with a clear reason
 *	rather than a store that silently trusts nothing.
 *
 *	Every SSL_CTX is a client with security level 0, the cipher list
 *	"DEFAULT:@SECLEVEL=0" and legacy (RFC 5746-less) servers allowed:
 *	a prober must be able to complete any handshake a host would
 *	accept, or a host that accepts only TLS 1.0 looks as if it refused
 *	it (FIELD-NOTES "OpenSSL as a prober"). Certificates are never
 *	verified during a handshake (SSL_VERIFY_NONE): the SMTP probe
 *	verifies the presented chain against the store afterwards, so a bad
 *	certificate is a TLS-CERT finding, not a failed handshake.
 *	ctx->best allows TLS 1.0 to 1.3; ctx->alone[v] allows version v
 *	only. A version is usable alone only when OpenSSL accepts it as
 *	both minimum and maximum and can then write a ClientHello (checked
 *	against memory BIOs here); otherwise alone[v] is NULL and
 *	alone_why[v] says why. SSLv3 is compiled out of Debian's OpenSSL
 *	(OPENSSL_NO_SSL3).
 *
 *	The EHLO name is opts->helo_name, or the machine's name when it is
 *	a domain name with a dot (gethostname, else the canonical name
 *	getaddrinfo gives for it, which reads /etc/hosts and may ask DNS),
 *	or "localhost.localdomain". It is checked to be a domain name or an
 *	address literal, since it goes on the wire in a command line.
 * LIMITS
 *	timeout_ms at most PROBE_TIMEOUT_MS_MAX; 0 takes
 *	TK_PROBE_TIMEOUT_MS_DEFAULT.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/domain.h"
#include "core/text.h"
#include "probe/context.h"

/* A connection's deadline: ten minutes is already far past what any
 * sender waits (RFC 5321 4.5.3.2 suggests 5 minutes per reply). */
#define PROBE_TIMEOUT_MS_MAX 600000

#define PROBE_HELO_FALLBACK "localhost.localdomain"
#define PROBE_CIPHERS "DEFAULT:@SECLEVEL=0"

static const int probe_version_code[TK_TLS_VERSIONS] = {
    [TK_TLS_SSL3] = SSL3_VERSION,  [TK_TLS_1_0] = TLS1_VERSION,   [TK_TLS_1_1] = TLS1_1_VERSION,
    [TK_TLS_1_2] = TLS1_2_VERSION, [TK_TLS_1_3] = TLS1_3_VERSION,
};

const char *tk_tls_version_name(enum tk_tls_version v)
{
    switch (v) {
    case TK_TLS_SSL3:
        return "SSLv3";
    case TK_TLS_1_0:
        return "TLSv1.0";
    case TK_TLS_1_1:
        return "TLSv1.1";
    case TK_TLS_1_2:
        return "TLSv1.2";
    case TK_TLS_1_3:
        return "TLSv1.3";
    case TK_TLS_VERSIONS:
        break;
    }
    return "?";
}

const char *tk_probe_outcome_name(enum tk_probe_outcome o)
{
    switch (o) {
    case TK_PROBE_NOT_TRIED:
        return "not tried";
    case TK_PROBE_YES:
        return "yes";
    case TK_PROBE_NO:
        return "no";
    case TK_PROBE_ERROR:
        return "error";
    }
    return "?";
}

/* probe_ssl_reason puts the reason of OpenSSL's first queued error in
 * buf, or what when there is none. */
static void probe_ssl_reason(char *buf, size_t size, const char *what)
{
    unsigned long e = ERR_get_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

    if (reason != NULL)
        tk_strlcpy(buf, reason, size);
    else if (e != 0)
        ERR_error_string_n(e, buf, size);
    else
        tk_strlcpy(buf, what, size);
    ERR_clear_error();
}

/* ---- the trust store ---- */

/* probe_store_add_file adds every PEM certificate of path to store. */
static enum tk_status probe_store_add_file(X509_STORE *store, const char *path,
                                           struct tk_error *err)
{
    struct stat sb;
    char why[160];
    X509 *x;
    BIO *in;
    int n = 0;

    ERR_clear_error();
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return tk_error_set(err, TK_USAGE, "the CA file %s is a directory", path);
    errno = 0;
    in = BIO_new_file(path, "r");
    if (in == NULL) {
        ERR_clear_error();
        return tk_error_set(err, TK_USAGE, "cannot read the CA file %s: %s", path,
                            strerror(errno ? errno : EIO));
    }
    while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        int ok = X509_STORE_add_cert(store, x);

        X509_free(x);
        if (!ok) {
            BIO_free(in);
            probe_ssl_reason(why, sizeof(why), "cannot add it");
            return tk_error_set(err, TK_USAGE, "CA file %s, certificate %d: %s", path, n + 1, why);
        }
        n++;
    }
    BIO_free(in);
    if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE && ERR_peek_error() != 0) {
        probe_ssl_reason(why, sizeof(why), "unreadable");
        return tk_error_set(err, TK_USAGE, "CA file %s, certificate %d: %s", path, n + 1, why);
    }
    ERR_clear_error();
    if (n == 0)
        return tk_error_set(err, TK_USAGE, "the CA file %s holds no PEM certificate", path);
    return TK_OK;
}

static enum tk_status probe_store_new(const struct tk_probe_options *opts, X509_STORE **out,
                                      struct tk_error *err)
{
    X509_STORE *store = X509_STORE_new();
    enum tk_status st;

    if (store == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory for the trust store");
    if (!opts->ca_file_only && !X509_STORE_set_default_paths(store)) {
        X509_STORE_free(store);
        ERR_clear_error();
        return tk_error_set(err, TK_IO, "cannot load the system's trusted roots");
    }
    if (opts->ca_file != NULL) {
        st = probe_store_add_file(store, opts->ca_file, err);
        if (st != TK_OK) {
            X509_STORE_free(store);
            return st;
        }
    }
    *out = store;
    return TK_OK;
}

/* ---- TLS settings ---- */

/* probe_ssl_ctx_new makes a client context for versions min..max. */
static SSL_CTX *probe_ssl_ctx_new(int min, int max, char *why, size_t size)
{
    SSL_CTX *s = SSL_CTX_new(TLS_client_method());

    if (s == NULL) {
        probe_ssl_reason(why, size, "cannot make an SSL_CTX");
        return NULL;
    }
    SSL_CTX_set_security_level(s, 0);
    SSL_CTX_set_options(s, SSL_OP_LEGACY_SERVER_CONNECT);
    SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
    if (!SSL_CTX_set_cipher_list(s, PROBE_CIPHERS) || !SSL_CTX_set_min_proto_version(s, min) ||
        !SSL_CTX_set_max_proto_version(s, max)) {
        probe_ssl_reason(why, size, "not supported by this OpenSSL build");
        SSL_CTX_free(s);
        return NULL;
    }
    return s;
}

/* probe_can_hello is true when s can write a ClientHello: a handshake
 * is started against memory BIOs and must stop waiting for a reply. */
static bool probe_can_hello(SSL_CTX *s, char *why, size_t size)
{
    SSL *ssl = SSL_new(s);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    bool ok = false;

    ERR_clear_error();
    if (ssl == NULL || rb == NULL || wb == NULL) {
        probe_ssl_reason(why, size, "out of memory");
        BIO_free(rb);
        BIO_free(wb);
        SSL_free(ssl);
        return false;
    }
    SSL_set_bio(ssl, rb, wb);
    SSL_set_connect_state(ssl);
    if (SSL_do_handshake(ssl) == -1 && SSL_get_error(ssl, -1) == SSL_ERROR_WANT_READ)
        ok = BIO_pending(wb) > 0;
    if (!ok)
        probe_ssl_reason(why, size, "cannot write a ClientHello");
    SSL_free(ssl);
    ERR_clear_error();
    return ok;
}

static void probe_alone_new(struct tk_probe_context *ctx, enum tk_tls_version v)
{
    char why[sizeof(ctx->alone_why[v])];
    int code = probe_version_code[v];
    SSL_CTX *s;

#ifdef OPENSSL_NO_SSL3
    if (v == TK_TLS_SSL3) {
        tk_strlcpy(ctx->alone_why[v], "not supported by this OpenSSL build", sizeof(why));
        return;
    }
#endif
    s = probe_ssl_ctx_new(code, code, why, sizeof(why));
    if (s != NULL && !probe_can_hello(s, why, sizeof(why))) {
        SSL_CTX_free(s);
        s = NULL;
    }
    if (s == NULL) {
        snprintf(ctx->alone_why[v], sizeof(ctx->alone_why[v]),
                 "not supported by this OpenSSL build (%s)", why);
        return;
    }
    ctx->alone[v] = s;
}

static enum tk_status probe_tls_new(struct tk_probe_context *ctx, struct tk_error *err)
{
    char why[160];
    int v;

    ctx->best = probe_ssl_ctx_new(TLS1_VERSION, TLS1_3_VERSION, why, sizeof(why));
    if (ctx->best != NULL && !probe_can_hello(ctx->best, why, sizeof(why))) {
        SSL_CTX_free(ctx->best);
        ctx->best = NULL;
    }
    if (ctx->best == NULL)
        return tk_error_set(err, TK_IO, "cannot set up TLS: %s", why);
    for (v = 0; v < TK_TLS_VERSIONS; v++)
        probe_alone_new(ctx, (enum tk_tls_version)v);
    return TK_OK;
}

/* ---- the EHLO name ---- */

/* probe_address_literal is true for "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
static bool probe_address_literal(const char *s)
{
    size_t n = strlen(s);

    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return false;
    return strspn(s + 1, "0123456789abcdefABCDEF:.IPv") == n - 2;
}

/* probe_helo_check writes name, checked, to out. */
static enum tk_status probe_helo_check(const char *name, char out[TK_DOMAIN_MAX + 1],
                                       struct tk_error *err)
{
    struct tk_error derr;

    if (probe_address_literal(name)) {
        if (!tk_strlcpy(out, name, TK_DOMAIN_MAX + 1))
            return tk_error_set(err, TK_USAGE, "the EHLO name is too long");
        return TK_OK;
    }
    if (strchr(name, '*') != NULL || tk_domain_normalise(name, strlen(name), out, &derr) != TK_OK)
        return tk_error_set(err, TK_USAGE,
                            "the EHLO name must be a domain name or an address literal");
    return TK_OK;
}

/* probe_helo_default finds the machine's domain name, or the fallback. */
static void probe_helo_default(char out[TK_DOMAIN_MAX + 1])
{
    struct addrinfo hints = {.ai_flags = AI_CANONNAME}, *res = NULL;
    char name[TK_DOMAIN_MAX + 2] = "";

    if (gethostname(name, sizeof(name) - 1) == 0 && strchr(name, '.') != NULL &&
        probe_helo_check(name, out, NULL) == TK_OK)
        return;
    if (name[0] != '\0' && getaddrinfo(name, NULL, &hints, &res) == 0) {
        bool ok = res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL &&
                  probe_helo_check(res->ai_canonname, out, NULL) == TK_OK;

        freeaddrinfo(res);
        if (ok)
            return;
    }
    tk_strlcpy(out, PROBE_HELO_FALLBACK, TK_DOMAIN_MAX + 1);
}

/* ---- the context ---- */

static enum tk_status probe_options_take(struct tk_probe_context *ctx,
                                         const struct tk_probe_options *opts, struct tk_error *err)
{
    if (opts->timeout_ms < 0 || opts->timeout_ms > PROBE_TIMEOUT_MS_MAX)
        return tk_error_set(err, TK_USAGE, "the probe timeout must be 1 to %d ms",
                            PROBE_TIMEOUT_MS_MAX);
    ctx->timeout_ms = opts->timeout_ms ? opts->timeout_ms : TK_PROBE_TIMEOUT_MS_DEFAULT;
    ctx->ca_file_only = opts->ca_file_only;
    if (opts->ca_file_only && opts->ca_file == NULL)
        return tk_error_set(err, TK_USAGE, "trusting only the CA file needs a CA file");
    if (opts->ca_file != NULL && !tk_strlcpy(ctx->ca_file, opts->ca_file, sizeof(ctx->ca_file)))
        return tk_error_set(err, TK_USAGE, "the CA file name is too long");
    if (opts->helo_name != NULL)
        return probe_helo_check(opts->helo_name, ctx->helo_name, err);
    probe_helo_default(ctx->helo_name);
    return TK_OK;
}

enum tk_status tk_probe_context_new(const struct tk_probe_options *opts,
                                    struct tk_probe_context **out, struct tk_error *err)
{
    struct tk_probe_context *ctx = calloc(1, sizeof(*ctx));
    enum tk_status st;

    *out = NULL;
    if (ctx == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory for the probe context");
    st = probe_options_take(ctx, opts, err);
    if (st == TK_OK)
        st = probe_store_new(opts, &ctx->store, err);
    if (st == TK_OK)
        st = probe_tls_new(ctx, err);
    if (st != TK_OK) {
        tk_probe_context_free(ctx);
        return st;
    }
    *out = ctx;
    return TK_OK;
}

void tk_probe_context_free(struct tk_probe_context *ctx)
{
    int v;

    if (ctx == NULL)
        return;
    for (v = 0; v < TK_TLS_VERSIONS; v++)
        SSL_CTX_free(ctx->alone[v]);
    SSL_CTX_free(ctx->best);
    X509_STORE_free(ctx->store);
    free(ctx);
}
