/*
 * NAME
 *	probe.h - what tiaki saw when it connected: SMTP STARTTLS and HTTPS
 * DESCRIPTION
 *	The transport half of an observation (FRAMEWORK-RULES.md: TLS-MIN-1.2,
 *	TLS-REQUIRED, TLS-CERT, MTA-STS-ENFORCE, DANE). A probe connects as a
 *	sending mail server would, records what happened as data, and
 *	judges nothing: "the host accepted TLS 1.1 alone" is an observation,
 *	"TLS-MIN-1.2 fails" is the rule's.
 *
 *	tk_smtp_probe_host probes one MX host at one address over several
 *	connections, one at a time: a plain session (banner, EHLO, a mail
 *	transaction attempted before STARTTLS, then STARTTLS with the best
 *	version both sides allow and the certificate chain verified), then
 *	one handshake per protocol version, each version offered alone.
 *
 *	tk_mtasts_fetch fetches https://mta-sts.<domain>/.well-known/mta-sts.txt
 *	through libcurl at addresses tiaki's own resolver found, and keeps
 *	the body and the HTTP facts; record/mtasts.h parses the policy.
 * SECURITY
 *	Every byte a peer sends is bounded (reply lines, multi-line replies,
 *	certificate chain, policy body) and every connection has a deadline
 *	for the whole exchange, so a host that trickles bytes cannot hold a
 *	probe longer than the deadline. The probe never sends DATA.
 */
#ifndef TIAKI_PROBE_PROBE_H
#define TIAKI_PROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "record/mtasts.h" /* TK_MTASTS_POLICY_MAX */

/* The outcome of one thing a probe tried. */
enum tk_probe_outcome {
    TK_PROBE_NOT_TRIED = 0, /* not attempted (not needed, or impossible here) */
    TK_PROBE_YES,           /* it happened: connected, offered, accepted */
    TK_PROBE_NO,            /* definitely not: refused, not offered */
    TK_PROBE_ERROR,         /* could not tell: timeout, dropped, garbage */
};

enum tk_tls_version {
    TK_TLS_SSL3 = 0,
    TK_TLS_1_0,
    TK_TLS_1_1,
    TK_TLS_1_2,
    TK_TLS_1_3,
    TK_TLS_VERSIONS,
};

#define TK_PROBE_TEXT_MAX 256  /* a reply line, an error, a name kept for people */
#define TK_CERT_CHAIN_MAX 6    /* certificates of a presented chain kept */
#define TK_CERT_DER_MAX 16384  /* one certificate, DER; longer ones are cut from the chain */
#define TK_ADDRESS_TEXT_MAX 46 /* INET6_ADDRSTRLEN */

struct tk_tls_version_result {
    enum tk_probe_outcome accepted; /* YES: handshake completed with this version alone */
    char detail[TK_PROBE_TEXT_MAX]; /* why not, or "not supported by this OpenSSL" */
};

struct tk_cert_info {
    unsigned char *der; /* the certificate, DER (malloc'd) */
    size_t der_len;
    unsigned char *spki; /* its SubjectPublicKeyInfo, DER (malloc'd) */
    size_t spki_len;
    char subject[TK_PROBE_TEXT_MAX]; /* one line, RFC 2253, sanitised */
    char issuer[TK_PROBE_TEXT_MAX];
    int64_t not_before; /* Unix time */
    int64_t not_after;
};

/* One MX host at one address. */
struct tk_smtp_probe {
    char host[TK_DOMAIN_MAX + 1];          /* the MX host name (what the certificate must match) */
    char address[TK_ADDRESS_TEXT_MAX + 1]; /* "192.0.2.1" or "2001:db8::1" */
    int64_t started;                       /* Unix time the probe began */
    unsigned elapsed_ms;                   /* the whole probe, every connection */

    /* The first connection: plain SMTP. */
    enum tk_probe_outcome connected;
    char connect_error[TK_PROBE_TEXT_MAX]; /* "connection refused", "timed out after 10 s", ... */
    int banner_code;                       /* 220, or 0 when none came */
    char banner[TK_PROBE_TEXT_MAX];        /* first line, sanitised */
    enum tk_probe_outcome ehlo_ok;
    enum tk_probe_outcome starttls_offered;

    /* A mail transaction before STARTTLS: MAIL FROM:<> then
     * RCPT TO:<postmaster@domain>, never DATA. YES: MAIL or RCPT got a
     * 5xx; NO: RCPT got a 2xx (the host takes mail in clear); ERROR: a
     * 4xx, no answer, or the connection dropped. */
    enum tk_probe_outcome plaintext_refused;
    int mail_code;
    int rcpt_code;
    char plaintext_reply[TK_PROBE_TEXT_MAX]; /* the reply that decided, sanitised */

    /* STARTTLS with the best version both sides allow. */
    enum tk_probe_outcome tls;
    char tls_error[TK_PROBE_TEXT_MAX];
    char protocol[16]; /* "TLSv1.3" */
    char cipher[64];   /* "TLS_AES_256_GCM_SHA384" */

    /* The presented chain, leaf first, and what verification found. */
    size_t nchain;
    struct tk_cert_info chain[TK_CERT_CHAIN_MAX];
    bool chain_trusted;                   /* chains to a trusted root (dates not considered) */
    char verify_error[TK_PROBE_TEXT_MAX]; /* OpenSSL's reason when not trusted */
    bool in_date;                         /* every certificate of the chain is in date now */
    bool name_matches;                    /* the leaf matches host (RFC 6125, wildcards) */

    /* Each version offered alone on its own connection. */
    struct tk_tls_version_result versions[TK_TLS_VERSIONS];
};

struct tk_probe_context; /* trust store and TLS settings, shared by every probe */

struct tk_probe_options {
    const char *ca_file;   /* PEM roots to add to (or replace) the system's, or NULL */
    bool ca_file_only;     /* trust only ca_file, not the system store */
    int timeout_ms;        /* deadline of one connection, every step of it */
    const char *helo_name; /* the name sent in EHLO; NULL: the machine's name */
};

/* tk_probe_context_new loads the trust store and prepares the TLS
 * settings. Returns TK_OK, TK_USAGE (ca_file unreadable; err says why)
 * or TK_NOMEM. The context may be used by many threads at once. */
enum tk_status tk_probe_context_new(const struct tk_probe_options *opts,
                                    struct tk_probe_context **out, struct tk_error *err);
void tk_probe_context_free(struct tk_probe_context *ctx);

/* tk_smtp_probe_host probes host at address (numeric, port 25 unless
 * port is not 0) and fills out; rcpt_domain names the postmaster of
 * the plain transaction. Everything that goes wrong on the network is
 * recorded in out; the return is TK_OK, or TK_NOMEM / TK_USAGE (bad
 * address, host or domain text; connect_error says which) when the
 * probe could not run at all. Release out with
 * tk_smtp_probe_clear. */
enum tk_status tk_smtp_probe_host(const struct tk_probe_context *ctx, const char *host,
                                  const char *address, unsigned port, const char *rcpt_domain,
                                  struct tk_smtp_probe *out);
void tk_smtp_probe_clear(struct tk_smtp_probe *p);

/* tk_smtp_probe_copy deep-copies src into dst. */
enum tk_status tk_smtp_probe_copy(struct tk_smtp_probe *dst, const struct tk_smtp_probe *src);

const char *tk_tls_version_name(enum tk_tls_version v);     /* "SSLv3", "TLSv1.0", ... */
const char *tk_probe_outcome_name(enum tk_probe_outcome o); /* "yes", "no", "error", "not tried" */

/* The MTA-STS policy fetch (RFC 8461 3.3). */
struct tk_mtasts_fetch {
    enum tk_probe_outcome attempted; /* NOT_TRIED: no address for mta-sts.<domain>, or --no-probe */
    char url[TK_DOMAIN_MAX + 64];
    char address[TK_ADDRESS_TEXT_MAX + 1]; /* the address connected to */
    /* TK_OK: a 200 with the right content type, body kept;
     * TK_INVALID: the server answered, wrongly (redirect, HTTP error,
     *   content type, too large, certificate not valid);
     * TK_TEMP: no answer (refused, timeout, TLS failure other than the
     *   certificate, HTTP 5xx). */
    enum tk_status status;
    char error[TK_PROBE_TEXT_MAX];    /* what went wrong, for a person */
    long http_code;                   /* 0 when no HTTP answer */
    char content_type[128];           /* as sent, sanitised */
    char location[TK_PROBE_TEXT_MAX]; /* a redirect's target, sanitised */
    bool cert_valid;                  /* the HTTPS certificate verified for the host */
    char *body;                       /* the policy text (malloc'd), NUL-terminated */
    size_t body_len;
};

/* tk_mtasts_fetch_policy fetches the policy of domain from the given
 * addresses (tried in order until one answers) and fills out; the
 * certificate is verified against ctx's trust store. Returns TK_OK
 * (the outcome, good or bad, is in out; with no address, attempted is
 * NOT_TRIED and status TK_ABSENT), TK_USAGE (a domain or address the
 * fetch will not use: out->error says which) or TK_NOMEM. Release out
 * with tk_mtasts_fetch_clear. */
enum tk_status tk_mtasts_fetch_policy(const struct tk_probe_context *ctx, const char *domain,
                                      const char *const *addresses, size_t naddresses,
                                      unsigned port, struct tk_mtasts_fetch *out);
void tk_mtasts_fetch_clear(struct tk_mtasts_fetch *f);

#endif
