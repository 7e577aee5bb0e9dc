/*
 * NAME
 *	dkim_sig.h - the DKIM-Signature header field, parsed (no I/O)
 * DESCRIPTION
 *	tk_dkim_sig_parse reads the value of one DKIM-Signature field (what
 *	follows the colon, folding kept) into a tk_dkim_sig: algorithm,
 *	canonicalisation, signing domain, selector, identity, signed header
 *	names, body length, times, and the decoded body hash and signature.
 *	A signature that breaks RFC 6376 3.5 is TK_INVALID with a reason a
 *	person can act on; a verifier reports it as permerror.
 *
 *	rsa-sha1 is parsed (so the result can name it) and marked: RFC 8301
 *	makes it fail at every verifier. Unknown tags are ignored, as RFC
 *	6376 3.2 asks; z= is not used.
 * STANDARDS
 *	RFC 6376 3.2 (tag lists, duplicate tags), 3.5 (the tags), 3.4
 *	(c=); RFC 8301 (rsa-sha1 obsolete); RFC 8463 (ed25519-sha256).
 * LIMITS
 *	TK_DKIM_SIG_HEADERS_MAX names in h=, TK_DKIM_SIG_BYTES_MAX bytes of
 *	b=, TK_DKIM_IDENTITY_MAX bytes of i=, TK_TAGS_MAX tags.
 * SECURITY
 *	The value is attacker-controlled and read through tk_taglist and
 *	tk_cursor only. The names of h= are spans into the caller's
 *	buffer, which must outlive the tk_dkim_sig.
 */
#ifndef TIAKI_AUTH_DKIM_SIG_H
#define TIAKI_AUTH_DKIM_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "core/error.h"
#include "core/limits.h"

enum tk_dkim_alg {
    TK_DKIM_RSA_SHA256 = 0,
    TK_DKIM_ED25519_SHA256,
    TK_DKIM_RSA_SHA1, /* parsed to be reported: fails (RFC 8301) */
};

enum tk_dkim_canon {
    TK_DKIM_SIMPLE = 0, /* the default of c= for header and body */
    TK_DKIM_RELAXED,
};

/* SHA-256 is the largest hash DKIM uses. */
#define TK_DKIM_HASH_MAX 32

struct tk_dkim_sig {
    enum tk_dkim_alg alg;
    enum tk_dkim_canon header_canon, body_canon;
    char d[TK_DOMAIN_MAX + 1];                 /* signing domain, lower case */
    char s[TK_DOMAIN_MAX + 1];                 /* selector, as written */
    char i[TK_DKIM_IDENTITY_MAX + 1];          /* identity; "@" + d when i= absent */
    bool has_i;                                /* i= was given */
    const char *i_domain;                      /* the domain part of i (into i) */
    struct tk_span h[TK_DKIM_SIG_HEADERS_MAX]; /* header names, in order */
    size_t nh;
    bool has_l;
    uint64_t l; /* l=: body bytes signed */
    bool has_t, has_x;
    uint64_t t, x; /* seconds since 1970 */
    unsigned char bh[TK_DKIM_HASH_MAX];
    size_t bh_len;
    unsigned char b[TK_DKIM_SIG_BYTES_MAX];
    size_t b_len;
    char b_prefix[9]; /* the first 8 characters of b= (RFC 6008 header.b) */
};

/* tk_dkim_sig_parse parses len bytes at value (a DKIM-Signature field's
 * value) into out. Returns TK_OK; TK_INVALID when the signature breaks
 * RFC 6376 3.5 (a required tag missing, a duplicate tag, v= not 1, an
 * unknown a= or c=, h= without From, i= outside d=, x= not after t=,
 * base64 that does not decode, a body hash of the wrong length), err
 * saying which and how to fix it; TK_LIMIT past a limit above. out
 * points into value (h=) and is unusable after an error. */
enum tk_status tk_dkim_sig_parse(const char *value, size_t len, struct tk_dkim_sig *out,
                                 struct tk_error *err);

/* tk_dkim_alg_name returns "rsa-sha256", "ed25519-sha256" or
 * "rsa-sha1". */
const char *tk_dkim_alg_name(enum tk_dkim_alg alg);

/* tk_dkim_sig_b_value finds the value of the b= tag in a raw
 * DKIM-Signature field (name, colon and value, folding kept): *start
 * and *end delimit what a verifier blanks (everything after "b=" up to
 * the next ';' or the end, RFC 6376 3.5). False when there is no b=. */
bool tk_dkim_sig_b_value(const char *raw, size_t len, size_t *start, size_t *end);

#endif
