/*
 * NAME
 *	dkim_sign.h - DKIM signing (rsa-sha256, ed25519-sha256), keys
 * DESCRIPTION
 *	A tk_dkim_sign makes the DKIM-Signature field of one message. The
 *	body streams through it (tk_dkim_sign_body, the shape of
 *	tk_msg_body_fn); finish takes the message's header fields, picks
 *	what to sign and returns the field to prepend:
 *
 *	    tk_dkim_sign_new(key, &opts, &s, &err);
 *	    tk_msg_feed(&msg, p, n, tk_dkim_sign_body, s);   (repeated)
 *	    tk_msg_finish(&msg);
 *	    tk_dkim_sign_finish(s, &msg, &field, &err);
 *	    tk_dkim_sign_free(s);
 *
 *	Signatures are c=relaxed/relaxed, with t= (and x= when asked). h=
 *	lists the fields of the message among RFC 6376 5.4.1's recommended
 *	set (plus Message-ID, MIME-Version and Content-Type), each as often
 *	as it occurs; over-signed names (From, To, Cc, Subject, Date and
 *	Reply-To by default) are listed once more, so a field of that name
 *	added later breaks the signature (RFC 6376 8.15). The field is
 *	folded into lines under 78 characters.
 *
 *	Private keys are PEM files (PKCS#8 or traditional) read with
 *	OpenSSL; RSA keys under TK_DKIM_SIGN_RSA_BITS_MIN bits are refused.
 *	tk_dkim_keygen makes a key and writes it with mode 0600;
 *	tk_dkim_key_record writes the TXT record that publishes its public
 *	half.
 * STANDARDS
 *	RFC 6376 3.5, 3.7, 5.4, 5.4.1, 5.4.2, 8.15; RFC 8301 3.2 (RSA key
 *	sizes); RFC 8463 (ed25519-sha256: p= is the raw 32-byte key).
 * SECURITY
 *	A private key file is created with mode 0600 and never replaced
 *	(O_EXCL): keygen refuses to overwrite a key that may be published.
 */
#ifndef TIAKI_AUTH_DKIM_SIGN_H
#define TIAKI_AUTH_DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "auth/message.h"
#include "core/buf.h"
#include "core/error.h"

/* Names over-signed by default: a second of each added in transit would
 * change what a reader sees. */
#define TK_DKIM_OVERSIGN_DEFAULT "from:to:cc:subject:date:reply-to"

struct tk_dkim_sign_options {
    const char *domain;   /* d= */
    const char *selector; /* s= */
    const char *identity; /* i=, or NULL */
    const char *oversign; /* ':'-separated names; NULL: TK_DKIM_OVERSIGN_DEFAULT,
                             "": From only (always over-signed) */
    int64_t now;          /* t=; 0: the clock */
    uint64_t expire;      /* seconds after t= for x=; 0: no x= */
};

struct tk_dkim_sign;

/* tk_dkim_key_load reads a PEM private key (PKCS#8 or traditional RSA)
 * from path. Returns TK_OK with *out (EVP_PKEY_free it), TK_IO (cannot
 * read: err names the file), TK_INVALID (not a PEM private key, not RSA
 * or ed25519, RSA under TK_DKIM_SIGN_RSA_BITS_MIN bits). */
enum tk_status tk_dkim_key_load(const char *path, EVP_PKEY **out, struct tk_error *err);

/* tk_dkim_sign_new starts a signature with key (RSA or ed25519; kept
 * referenced, not copied) and o (copied). Returns TK_OK, TK_USAGE (a
 * bad domain, selector or identity; a key that cannot sign) or
 * TK_NOMEM. */
enum tk_status tk_dkim_sign_new(EVP_PKEY *key, const struct tk_dkim_sign_options *o,
                                struct tk_dkim_sign **out, struct tk_error *err);

/* tk_dkim_sign_body takes n more body bytes (CRLF line ends); arg is
 * the tk_dkim_sign. */
void tk_dkim_sign_body(void *arg, const char *p, size_t n);

/* tk_dkim_sign_finish ends the body and writes the whole field
 * ("DKIM-Signature: v=1; ...", folded with CRLF SP, no final CRLF) to
 * field (appended). msg holds the header fields to sign. Returns TK_OK,
 * TK_USAGE (the message's header section was over limits: it cannot be
 * signed whole), TK_IO (OpenSSL failed) or TK_NOMEM. */
enum tk_status tk_dkim_sign_finish(struct tk_dkim_sign *s, const struct tk_msg *msg,
                                   struct tk_buf *field, struct tk_error *err);

/* tk_dkim_sign_free releases s (not its key); s may be NULL. */
void tk_dkim_sign_free(struct tk_dkim_sign *s);

/* tk_dkim_keygen makes an RSA key of bits (at least
 * TK_DKIM_SIGN_RSA_BITS_MIN, at most 8192) or, when ed25519, an Ed25519
 * key; writes it to path as PKCS#8 PEM, created with mode 0600 (an
 * existing file is not replaced). Returns TK_OK with *out, TK_USAGE
 * (bits out of range), TK_IO (the file exists or cannot be written) or
 * TK_NOMEM. */
enum tk_status tk_dkim_keygen(bool ed25519, unsigned bits, const char *path, EVP_PKEY **out,
                              struct tk_error *err);

/* tk_dkim_key_record appends the TXT record text that publishes key's
 * public half: "v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo base64>" or
 * "v=DKIM1; k=ed25519; p=<raw 32 bytes base64>". Returns TK_OK,
 * TK_INVALID (another key type) or TK_NOMEM. */
enum tk_status tk_dkim_key_record(EVP_PKEY *key, struct tk_buf *out);

/* tk_dkim_zone_line appends the record as a zone-file line for
 * <selector>._domainkey.<domain>: the text in quoted strings of at most
 * 255 bytes, within parentheses. Returns TK_OK, TK_USAGE (a name over
 * DNS limits) or TK_NOMEM. */
enum tk_status tk_dkim_zone_line(const char *selector, const char *domain, const char *record,
                                 struct tk_buf *out);

#endif
