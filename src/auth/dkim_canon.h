/*
 * NAME
 *	dkim_canon.h - DKIM canonicalisation of header fields and of the body
 * DESCRIPTION
 *	Header fields are canonicalised one at a time into a buffer (they
 *	are small and bounded by the message's limits). The body is
 *	canonicalised as it streams, straight into a hash: a tk_dkim_body
 *	takes chunks of any size and never holds the body. Empty lines at
 *	the end of a body are dropped by both algorithms, so they are only
 *	counted while they stream and written out when a line with content
 *	follows them, across chunk boundaries; the same goes for white
 *	space that relaxed drops at a line's end and a CR whose LF is in
 *	the next chunk. l= stops the hash after that many canonical bytes.
 * STANDARDS
 *	RFC 6376 3.4.1 to 3.4.5 (and errata 1384: the relaxed
 *	canonicalisation of an empty body is empty), 3.5 (l=), 3.7 (hashes).
 * LIMITS
 *	The body length is counted in 64 bits and saturates, never wraps.
 * SECURITY
 *	Bytes are only read in the order given; nothing is sized from them.
 */
#ifndef TIAKI_AUTH_DKIM_CANON_H
#define TIAKI_AUTH_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "auth/dkim_sig.h"
#include "core/buf.h"
#include "core/error.h"

/* tk_dkim_canon_header appends field (len bytes: "Name: value", folding
 * as CRLF, no final CRLF) canonicalised by c to out, without a final
 * CRLF. Returns TK_OK, TK_LIMIT or TK_NOMEM. */
enum tk_status tk_dkim_canon_header(enum tk_dkim_canon c, const char *field, size_t len,
                                    struct tk_buf *out);

/* A body being canonicalised and hashed. Fields are private. */
struct tk_dkim_body {
    enum tk_dkim_canon canon;
    EVP_MD_CTX *md;
    bool limited;         /* l= given */
    uint64_t limit;       /* l=: canonical bytes to hash */
    uint64_t hashed;      /* canonical bytes given to the hash */
    uint64_t length;      /* canonical bytes in all (saturating) */
    uint64_t empty_lines; /* empty lines held back (trailing, so far) */
    bool cr;              /* a CR held back: its LF may come next */
    bool wsp;             /* relaxed: white space held back in a line */
    bool in_line;         /* the current line has content */
    bool any;             /* any line has been written */
    bool failed;          /* the hash failed (OpenSSL): finish says so */
    size_t staged;        /* bytes in stage, not yet given to the hash */
    char stage[4096];     /* canonical bytes gathered: one hash call per 4 KB,
                             not one per word */
    void (*sink)(void *arg, const char *p, size_t n); /* tests: also get the bytes */
    void *sink_arg;
};

/* tk_dkim_body_init starts a body hash of canonicalisation c with
 * digest md (EVP_sha256() or EVP_sha1()); limit is l= (or
 * UINT64_MAX for none). Returns TK_OK or TK_NOMEM. */
enum tk_status tk_dkim_body_init(struct tk_dkim_body *b, enum tk_dkim_canon c, const EVP_MD *md,
                                 uint64_t limit);

/* tk_dkim_body_update canonicalises and hashes n more body bytes
 * (CRLF line ends, as tk_msg passes them on). */
void tk_dkim_body_update(struct tk_dkim_body *b, const char *p, size_t n);

/* tk_dkim_body_final ends the body and writes the hash to out (at least
 * TK_DKIM_HASH_MAX bytes), its size to *outlen. Returns TK_OK or TK_IO
 * when OpenSSL failed. The body is released either way. */
enum tk_status tk_dkim_body_final(struct tk_dkim_body *b, unsigned char *out, size_t *outlen);

/* tk_dkim_body_free releases a body not finished (safe after final). */
void tk_dkim_body_free(struct tk_dkim_body *b);

#endif
