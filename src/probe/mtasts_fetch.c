/*
 * NAME
 *	mtasts_fetch.c - fetch an MTA-STS policy over HTTPS with libcurl
 * SUMMARY
 *	https://mta-sts.<domain>/.well-known/mta-sts.txt at the addresses
 *	tiaki's own resolver found, to a tk_mtasts_fetch: status, HTTP
 *	code, content type, redirect target, certificate verdict, body.
 * DESCRIPTION
 *	Each address is tried in order on a fresh libcurl easy handle
 *	pinned to it with CURLOPT_RESOLVE ("mta-sts.<domain>:<port>:<addr>",
 *	IPv6 in brackets), so curl never consults the system resolver and
 *	never reuses a connection or a cached address from another try.
 *	The first address that gives an HTTP answer, or a certificate that
 *	fails verification, decides; an address that gives no answer
 *	(refused, timeout, TLS failure other than the certificate) passes
 *	the turn to the next, and when all fail the last one's reason is
 *	kept as TK_TEMP.
 *
 *	How an answer is judged (RFC 8461 3.3):
 *	    certificate not valid (CURLE_PEER_FAILED_VERIFICATION, which
 *	      is also CURLE_SSL_CACERT)           TK_INVALID, cert_valid false
 *	    HTTP 3xx                              TK_INVALID, location kept
 *	    HTTP 4xx, other non-200 codes         TK_INVALID
 *	    HTTP 5xx                              TK_TEMP
 *	    200 over TK_MTASTS_POLICY_MAX bytes   TK_INVALID
 *	    200 not text/plain (or no type)       TK_INVALID, body kept
 *	    200 text/plain (any parameters)       TK_OK, body kept
 *	    no HTTP answer at any address         TK_TEMP
 *	    no address given                      TK_ABSENT, attempted NOT_TRIED
 *	cert_valid is true once a TLS handshake with verification on has
 *	completed, whatever came after it.
 *
 *	The certificate chain is verified against the probe context's own
 *	X509_STORE (the one the SMTP probe uses): CURLOPT_SSL_CTX_FUNCTION
 *	installs a certificate verification callback that runs
 *	X509_verify_cert over that store. The store itself is never put in
 *	curl's SSL_CTX, because libcurl writes to the SSL_CTX's store after
 *	the callback (see fetch_ssl_ctx). Peer and host name verification
 *	stay on; curl checks the name against mta-sts.<domain> (RFC 6125,
 *	wildcards included).
 * STANDARDS
 *	RFC 8461 3.3 (policy retrieval: HTTPS, no redirects, text/plain,
 *	valid certificate for mta-sts.<domain>).
 * LIMITS
 *	TK_MTASTS_POLICY_MAX bytes of body (CURLOPT_MAXFILESIZE_LARGE when
 *	the server announces a length, and the write callback when it
 *	does not); FETCH_ADDRESSES_MAX addresses tried; ctx->timeout_ms
 *	for each try, connection, TLS and transfer together.
 * SECURITY
 *	Only https is allowed, redirects are never followed, no proxy is
 *	used whatever the environment says, no cookie, netrc, HSTS or
 *	alt-svc state is read or written, content decoding is off. Nothing
 *	is sized from a number the peer sent. Text copied from the peer
 *	(content type, location, curl's messages) is sanitised.
 * THREADS
 *	tk_mtasts_fetch_policy may run on many threads at once: each call
 *	owns its easy handles and shares only the read-only trust store.
 *	curl_global_init must have been called once before any thread
 *	starts (the CLI's main does it); this file keeps no global state.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/domain.h"
#include "core/text.h"
#include "probe/context.h"
#include "probe/probe.h"

/* The version of src/cli/commands.h (TIAKI_VERSION): the library does
 * not include the CLI's headers. */
#define FETCH_USER_AGENT "tiaki/0.1.0"
#define FETCH_PATH "/.well-known/mta-sts.txt"
#define FETCH_PORT_DEFAULT 443
/* Addresses tried for one fetch: each may take the whole timeout, so a
 * name with many dead addresses cannot hold a probe for minutes. */
#define FETCH_ADDRESSES_MAX 4
/* "mta-sts.<domain>:65535:[<IPv6>]" */
#define FETCH_RESOLVE_MAX (TK_DOMAIN_MAX + TK_ADDRESS_TEXT_MAX + 16)

/* What one try at one address gathered. */
struct fetch_try {
    struct tk_buf body;
    bool too_large;
    bool nomem;
    char curl_error[CURL_ERROR_SIZE];
};

static void fetch_set_error(struct tk_mtasts_fetch *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fetch_set_error(struct tk_mtasts_fetch *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out->error, sizeof(out->error), fmt, ap);
    va_end(ap);
    tk_text_sanitise(out->error);
}

/* fetch_write keeps the body and refuses to pass TK_MTASTS_POLICY_MAX:
 * taking less than offered makes curl stop with CURLE_WRITE_ERROR. */
static size_t fetch_write(char *p, size_t size, size_t n, void *arg)
{
    struct fetch_try *t = arg;

    /* libcurl documents size as always 1. */
    if (size != 1)
        return 0;
    if (n > TK_MTASTS_POLICY_MAX - t->body.len) {
        t->too_large = true;
        return 0;
    }
    if (tk_buf_append(&t->body, p, n) != TK_OK) {
        t->nomem = true;
        return 0;
    }
    return n;
}

/* fetch_verify_chain verifies the presented chain with the probe
 * context's store, in place of the SSL_CTX's own: a fresh
 * X509_STORE_CTX over that store with the parameters OpenSSL prepared
 * for this handshake (purpose sslserver, depth, flags). The verdict
 * goes back into x, where SSL_get_verify_result finds it for curl. */
static int fetch_verify_chain(X509_STORE_CTX *x, void *store)
{
    X509_STORE_CTX *mine = X509_STORE_CTX_new();
    int ok = 0, why = X509_V_ERR_OUT_OF_MEM;

    if (mine != NULL &&
        X509_STORE_CTX_init(mine, store, X509_STORE_CTX_get0_cert(x),
                            X509_STORE_CTX_get0_untrusted(x)) == 1 &&
        X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(mine), X509_STORE_CTX_get0_param(x)) ==
            1) {
        ok = X509_verify_cert(mine) == 1;
        why = X509_STORE_CTX_get_error(mine);
    }
    X509_STORE_CTX_set_error(x, ok ? X509_V_OK : why);
    X509_STORE_CTX_free(mine);
    return ok;
}

/* fetch_ssl_ctx hands verification to fetch_verify_chain. The shared
 * store is never installed in curl's SSL_CTX: libcurl 7.88 prepares
 * the SSL_CTX's store after this callback (CA files loaded into it,
 * X509_STORE_set_flags on it), which would write to a store other
 * threads are reading. curl's own store stays empty and private. */
static CURLcode fetch_ssl_ctx(CURL *h, void *ssl_ctx, void *store)
{
    (void)h;
    SSL_CTX_set_cert_verify_callback(ssl_ctx, fetch_verify_chain, store);
    return CURLE_OK;
}

static CURLcode fetch_setopts(CURL *h, const struct tk_probe_context *ctx, const char *url,
                              struct curl_slist *resolve, struct fetch_try *t)
{
    long timeout = ctx->timeout_ms > 0 ? ctx->timeout_ms : TK_PROBE_TIMEOUT_MS_DEFAULT;
    CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_RESOLVE, resolve);
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOPROXY, "*");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, FETCH_USER_AGENT);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_CONNECTTIMEOUT_MS, timeout);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TK_MTASTS_POLICY_MAX);
    SET(CURLOPT_HTTP_CONTENT_DECODING, 0L);
    SET(CURLOPT_WRITEFUNCTION, fetch_write);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_ERRORBUFFER, t->curl_error);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    /* Trust nothing but ctx->store (fetch_ssl_ctx): curl loads no CA
     * file or directory, and makes no intermediate a trust anchor. */
    SET(CURLOPT_CAINFO, NULL);
    SET(CURLOPT_CAPATH, NULL);
    SET(CURLOPT_SSL_OPTIONS, (long)CURLSSLOPT_NO_PARTIALCHAIN);
    SET(CURLOPT_SSL_CTX_FUNCTION, fetch_ssl_ctx);
    SET(CURLOPT_SSL_CTX_DATA, ctx->store);
#undef SET
    return rc;
}

/* fetch_header_copy copies the value of a response header, sanitised:
 * the raw Location says what the server sent, before curl resolves it. */
static void fetch_header_copy(CURL *h, const char *name, char *out, size_t outlen)
{
    struct curl_header *hdr = NULL;

    out[0] = '\0';
    if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK || hdr == NULL)
        return;
    tk_strlcpy(out, hdr->value, outlen);
    tk_text_sanitise(out);
}

/* fetch_is_text_plain: the media type is text/plain in any case, with
 * or without parameters (RFC 9110 8.3.1). */
static bool fetch_is_text_plain(const char *ct)
{
    struct tk_cursor c;
    struct tk_span type;

    tk_cursor_init(&c, ct, strlen(ct));
    tk_cursor_skip_wsp(&c);
    tk_cursor_span_until(&c, ';', &type);
    return tk_span_eq_ci(tk_span_trim_wsp(type), "text/plain");
}

/* fetch_judge_200 decides a 200 answer: complete, then size, then
 * content type. The body is kept whatever its type. */
static enum tk_status fetch_judge_200(CURL *h, CURLcode rc, struct fetch_try *t,
                                      struct tk_mtasts_fetch *out)
{
    char *ct = NULL;

    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK)
        ct = NULL;
    if (ct != NULL) {
        tk_strlcpy(out->content_type, ct, sizeof(out->content_type));
        tk_text_sanitise(out->content_type);
    }
    out->status = TK_INVALID;
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        fetch_set_error(out, "policy larger than 64 KB (RFC 8461 3.3 lets senders refuse it)");
        return TK_OK;
    }
    if (rc != CURLE_OK) {
        out->status = TK_TEMP;
        fetch_set_error(out, "HTTP 200 cut short: %s",
                        t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc));
        return TK_OK;
    }
    out->body_len = t->body.len;
    if ((out->body = tk_buf_steal(&t->body)) == NULL)
        return TK_NOMEM;
    if (ct == NULL)
        fetch_set_error(out, "served without a Content-Type; RFC 8461 requires text/plain");
    else if (!fetch_is_text_plain(ct))
        fetch_set_error(out, "served as %s; RFC 8461 requires text/plain", out->content_type);
    else
        out->status = TK_OK;
    return TK_OK;
}

/* fetch_judge_http decides an HTTP answer by its code. */
static enum tk_status fetch_judge_http(CURL *h, CURLcode rc, struct fetch_try *t,
                                       struct tk_mtasts_fetch *out)
{
    long code = out->http_code;

    if (code == 200)
        return fetch_judge_200(h, rc, t, out);
    out->status = TK_INVALID;
    if (code >= 300 && code <= 399) {
        fetch_header_copy(h, "Location", out->location, sizeof(out->location));
        fetch_set_error(out, "HTTP %ld redirect to %s: RFC 8461 3.3 forbids following redirects",
                        code, out->location[0] ? out->location : "(no Location)");
    } else if (code >= 500 && code <= 599) {
        out->status = TK_TEMP;
        fetch_set_error(out, "HTTP %ld: server error", code);
    } else if (code == 404) {
        fetch_set_error(out, "HTTP 404: no policy at %s", out->url);
    } else {
        fetch_set_error(out, "HTTP %ld: RFC 8461 3.3 needs 200 with the policy", code);
    }
    return TK_OK;
}

/* fetch_judge decides one try; *final is false when the next address
 * should be tried (no HTTP answer, and not a certificate failure). */
static enum tk_status fetch_judge(CURL *h, CURLcode rc, const char *host, struct fetch_try *t,
                                  struct tk_mtasts_fetch *out, bool *final)
{
    curl_off_t tls_done = 0;
    const char *why = t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc);

    if (t->nomem || rc == CURLE_OUT_OF_MEMORY)
        return TK_NOMEM;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http_code);
    /* A completed handshake had the chain and the name verified. */
    curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &tls_done);
    out->cert_valid = tls_done > 0;
    *final = true;
    /* CURLE_SSL_CACERT is an old name of the same code. */
    if (rc == CURLE_PEER_FAILED_VERIFICATION) {
        out->cert_valid = false;
        out->status = TK_INVALID;
        fetch_set_error(out, "certificate not valid for %s: %s", host, why);
        return TK_OK;
    }
    if (out->http_code != 0)
        return fetch_judge_http(h, rc, t, out);
    *final = false;
    out->status = TK_TEMP;
    fetch_set_error(out, "%s", why);
    return TK_OK;
}

/* fetch_reset_try forgets what an earlier address gave. */
static void fetch_reset_try(struct tk_mtasts_fetch *out, const char *addr)
{
    tk_strlcpy(out->address, addr, sizeof(out->address));
    out->error[0] = '\0';
    out->http_code = 0;
    out->content_type[0] = '\0';
    out->location[0] = '\0';
    out->cert_valid = false;
}

/* fetch_one tries one address: a fresh handle, pinned to it. */
static enum tk_status fetch_one(const struct tk_probe_context *ctx, const char *host,
                                const char *addr, unsigned port, struct tk_mtasts_fetch *out,
                                bool *final)
{
    struct fetch_try t = {0};
    struct curl_slist *resolve = NULL;
    char entry[FETCH_RESOLVE_MAX];
    CURL *h;
    CURLcode rc;
    enum tk_status st = TK_NOMEM;

    fetch_reset_try(out, addr);
    snprintf(entry, sizeof(entry), strchr(addr, ':') ? "%s:%u:[%s]" : "%s:%u:%s", host, port, addr);
    if ((h = curl_easy_init()) == NULL || (resolve = curl_slist_append(NULL, entry)) == NULL)
        goto done;
    rc = fetch_setopts(h, ctx, out->url, resolve, &t);
    if (rc == CURLE_OK)
        st = fetch_judge(h, curl_easy_perform(h), host, &t, out, final);
    else if (rc != CURLE_OUT_OF_MEMORY) {
        /* A libcurl without an option this file needs: no address will do. */
        *final = true;
        out->status = TK_TEMP;
        fetch_set_error(out, "libcurl refused an option: %s", curl_easy_strerror(rc));
        st = TK_OK;
    }
done:
    curl_slist_free_all(resolve);
    curl_easy_cleanup(h);
    tk_buf_free(&t.body);
    return st;
}

/* fetch_check_addresses: every address is numeric IPv4 or IPv6 text,
 * so nothing but an address reaches CURLOPT_RESOLVE. */
static bool fetch_check_addresses(const char *const *addresses, size_t n)
{
    unsigned char bin[16];
    size_t i;

    for (i = 0; i < n; i++) {
        if (addresses[i] == NULL || strlen(addresses[i]) > TK_ADDRESS_TEXT_MAX)
            return false;
        if (inet_pton(AF_INET, addresses[i], bin) != 1 &&
            inet_pton(AF_INET6, addresses[i], bin) != 1)
            return false;
    }
    return true;
}

/* fetch_prepare checks the arguments and writes the host and the URL. */
static enum tk_status fetch_prepare(const struct tk_probe_context *ctx, const char *domain,
                                    const char *const *addresses, size_t naddresses, unsigned port,
                                    char host[TK_DOMAIN_MAX + 1], struct tk_mtasts_fetch *out)
{
    char norm[TK_DOMAIN_MAX + 1];
    int n;

    if (ctx == NULL || ctx->store == NULL || domain == NULL || port > 65535 ||
        (naddresses > 0 && addresses == NULL) || !fetch_check_addresses(addresses, naddresses))
        return TK_USAGE;
    if (tk_domain_normalise(domain, strlen(domain), norm, NULL) != TK_OK ||
        strchr(norm, '*') != NULL || tk_domain_join("mta-sts", norm, host) != TK_OK)
        return TK_USAGE;
    if (port == 0)
        n = snprintf(out->url, sizeof(out->url), "https://%s" FETCH_PATH, host);
    else
        n = snprintf(out->url, sizeof(out->url), "https://%s:%u" FETCH_PATH, host, port);
    return n > 0 && (size_t)n < sizeof(out->url) ? TK_OK : TK_USAGE;
}

enum tk_status tk_mtasts_fetch_policy(const struct tk_probe_context *ctx, const char *domain,
                                      const char *const *addresses, size_t naddresses,
                                      unsigned port, struct tk_mtasts_fetch *out)
{
    char host[TK_DOMAIN_MAX + 1];
    size_t i, ntry = naddresses < FETCH_ADDRESSES_MAX ? naddresses : FETCH_ADDRESSES_MAX;
    bool final = false;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    out->attempted = TK_PROBE_NOT_TRIED;
    out->status = TK_ABSENT;
    if ((st = fetch_prepare(ctx, domain, addresses, naddresses, port, host, out)) != TK_OK)
        return st;
    if (ntry == 0) {
        fetch_set_error(out, "no address for %s", host);
        return TK_OK;
    }
    out->attempted = TK_PROBE_YES;
    for (i = 0; i < ntry && !final; i++)
        if ((st = fetch_one(ctx, host, addresses[i], port ? port : FETCH_PORT_DEFAULT, out,
                            &final)) != TK_OK) {
            tk_mtasts_fetch_clear(out);
            return st;
        }
    if (!final && ntry > 1) {
        char last[TK_PROBE_TEXT_MAX];

        tk_strlcpy(last, out->error, sizeof(last));
        fetch_set_error(out, "none of %zu addresses answered; last: %s", ntry, last);
    }
    return TK_OK;
}

void tk_mtasts_fetch_clear(struct tk_mtasts_fetch *f)
{
    if (f == NULL)
        return;
    free(f->body);
    memset(f, 0, sizeof(*f));
}
