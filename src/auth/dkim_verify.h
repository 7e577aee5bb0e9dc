/*
 * NAME
 *	dkim_verify.h - verify every DKIM signature of a message, streaming
 * DESCRIPTION
 *	A tk_dkim_verify judges the DKIM-Signature fields of one message
 *	(at most TK_DKIM_SIGNATURES_MAX of them, top down; the rest are
 *	counted as not checked). It reads the header section from a tk_msg
 *	and the body as it streams:
 *
 *	    tk_dkim_verify_new(&msg, NULL, &v, &err);
 *	    tk_msg_feed(&msg, p, n, tk_dkim_verify_body, v);   (repeated)
 *	    tk_msg_finish(&msg);
 *	    tk_dkim_verify_finish(v, resolver, &err);
 *	    for (i = 0; i < tk_dkim_verify_count(v); i++)
 *	        use tk_dkim_verify_result(v, i);
 *	    tk_dkim_verify_free(v);
 *
 *	A mail filter fills the tk_msg field by field, calls
 *	tk_msg_end_headers, then gives body chunks to tk_dkim_verify_body.
 *	The header hashes are taken when the first body byte arrives (or
 *	at finish for a message with no body): the header section must be
 *	complete by then. finish hashes the end of the body, then asks DNS
 *	for the keys of all signatures at once through the resolver
 *	(<s>._domainkey.<d> TXT) and judges each signature. A filter that
 *	shares its resolver can instead call tk_dkim_verify_submit, run the
 *	resolver until tk_dkim_verify_pending is 0, then tk_dkim_verify_judge.
 *
 *	Each signature ends in one result (RFC 8601 names): pass; fail (the
 *	signature or body hash does not verify, rsa-sha1, an RSA key under
 *	1024 bits, an expired signature, a From field the signature does not
 *	cover); neutral (a signature with syntax errors, RFC 8601 2.7.1);
 *	permerror (a broken key, no key, a revoked key, a key that refuses
 *	the signature's hash, type, service or i=, a header section over
 *	tiaki's limits); temperror (the key look-up
 *	timed out or failed: try again). The result carries d=, s=, i=, a=,
 *	the key's size, its testing flag (t=y), the first 8 characters of
 *	b= (RFC 6008 header.b) and a reason. DMARC reads the (d=, result)
 *	pairs from the same list.
 * STANDARDS
 *	RFC 6376 3.5, 3.6.1, 3.7, 5.4.2 (over-signing: a name listed more
 *	often than the field occurs signs the absent instance as nothing),
 *	6.1 (verifier actions); RFC 8301 (rsa-sha1 and RSA < 1024 bits
 *	fail); RFC 8463 (ed25519-sha256 signs the SHA-256 header hash);
 *	RFC 8601 2.7.1 (results); RFC 6008 (header.b).
 * LIMITS
 *	TK_DKIM_SIGNATURES_MAX signatures, TK_DKIM_SIG_HEADERS_MAX names in
 *	h=, TK_DKIM_CLOCK_SKEW_SECONDS of clock skew for t= and x=; the
 *	message's own limits (auth/message.h): a header section over them
 *	makes every signature permerror. Signatures in the part of such a
 *	header section that was dropped are not seen at all: a caller that
 *	judges the message (DMARC) checks tk_msg_overflow itself.
 * SECURITY
 *	Signatures and keys are attacker-controlled; a hostile message
 *	costs at most TK_DKIM_SIGNATURES_MAX look-ups and public-key
 *	operations, and one pass over its body per signature.
 */
#ifndef TIAKI_AUTH_DKIM_VERIFY_H
#define TIAKI_AUTH_DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim_sig.h"
#include "auth/message.h"
#include "auth/result.h"
#include "core/error.h"
#include "dns/resolver.h"

/* The verdict on one signature. Strings are NUL-terminated, printable
 * ASCII (bytes from the message are sanitised), "" when unknown. */
struct tk_dkim_result {
    enum tk_auth_result result;
    char d[TK_DOMAIN_MAX + 1];        /* signing domain (lower case) */
    char s[TK_DOMAIN_MAX + 1];        /* selector */
    char i[TK_DKIM_IDENTITY_MAX + 1]; /* identity (i=, else "@" d=) */
    char a[16];                       /* algorithm: "rsa-sha256", ... */
    unsigned key_bits;                /* 0 when no key was loaded */
    bool testing;                     /* the key says t=y */
    char b[9];                        /* first 8 characters of b= */
    char reason[TK_ERROR_MSG_MAX];    /* why, for a person */
};

struct tk_dkim_verify_options {
    int64_t now;         /* seconds since 1970 to judge t= and x=; 0: the clock */
    unsigned clock_skew; /* seconds; 0: TK_DKIM_CLOCK_SKEW_SECONDS */
};

struct tk_dkim_verify;

/* tk_dkim_verify_new makes a verifier for msg (which must outlive it
 * and have a complete header section before the first body byte).
 * opts may be NULL. Returns TK_OK or TK_NOMEM. */
enum tk_status tk_dkim_verify_new(const struct tk_msg *msg,
                                  const struct tk_dkim_verify_options *opts,
                                  struct tk_dkim_verify **out, struct tk_error *err);

/* tk_dkim_verify_body takes n more body bytes (CRLF line ends); arg is
 * the tk_dkim_verify. Its shape is tk_msg_body_fn, so it can be given
 * to tk_msg_feed directly. Out of memory is remembered and reported by
 * finish. */
void tk_dkim_verify_body(void *arg, const char *p, size_t n);

/* tk_dkim_verify_submit ends the body and submits the key look-ups of
 * the signatures still to be judged to r (all at once). Returns TK_OK,
 * TK_NOMEM or TK_IO (OpenSSL failed); a look-up that cannot be
 * submitted makes its signature temperror. */
enum tk_status tk_dkim_verify_submit(struct tk_dkim_verify *v, struct tk_resolver *r,
                                     struct tk_error *err);

/* tk_dkim_verify_pending counts the key look-ups not yet answered. */
size_t tk_dkim_verify_pending(const struct tk_dkim_verify *v);

/* tk_dkim_verify_judge judges every signature from what was learnt
 * (a look-up still pending counts as temperror). */
void tk_dkim_verify_judge(struct tk_dkim_verify *v);

/* tk_dkim_verify_finish is submit, tk_resolver_drain, judge. Returns
 * TK_OK (the results are ready), TK_NOMEM or TK_IO with err set. */
enum tk_status tk_dkim_verify_finish(struct tk_dkim_verify *v, struct tk_resolver *r,
                                     struct tk_error *err);

/* tk_dkim_verify_count returns the signatures judged (at most
 * TK_DKIM_SIGNATURES_MAX); 0 when the message has none. */
size_t tk_dkim_verify_count(const struct tk_dkim_verify *v);

/* tk_dkim_verify_result returns signature i's verdict (i < count),
 * in the order the fields appear in the message. */
const struct tk_dkim_result *tk_dkim_verify_result(const struct tk_dkim_verify *v, size_t i);

/* tk_dkim_verify_unchecked counts the signatures past
 * TK_DKIM_SIGNATURES_MAX, which were not checked. */
size_t tk_dkim_verify_unchecked(const struct tk_dkim_verify *v);

/* tk_dkim_verify_free releases v. Its look-ups must not be pending on
 * a resolver that is still run (free the resolver first, or finish). */
void tk_dkim_verify_free(struct tk_dkim_verify *v);

/* tk_dkim_header_hash computes the SHA-256 header hash of a signature
 * (what the signature signs, RFC 6376 3.7) over msg's fields selected
 * by sig's h= (bottom up, over-signed names contributing nothing) and
 * the signature field itself (sig_field: the whole raw field) with its
 * b= value blanked. Shared with the signer. Returns TK_OK, TK_NOMEM or
 * TK_IO. */
enum tk_status tk_dkim_header_hash(const struct tk_msg *msg, const struct tk_dkim_sig *sig,
                                   const char *sig_field, size_t sig_len,
                                   unsigned char out[TK_DKIM_HASH_MAX]);

#endif
