/*
 * NAME
 *	dkimkey.h - DKIM public key record parser (no I/O)
 * DESCRIPTION
 *	Parses the TXT record at <selector>._domainkey.<domain>: v, k, p, h,
 *	t, s, n. Decodes p= (base64, white space allowed) and loads it with
 *	OpenSSL to learn the key type and size: an RSA key that does not
 *	decode, or is not the type k= says, is invalid. An empty p= is a
 *	revoked key (RFC 6376 3.6.1), which is what a parked domain must
 *	publish at *._domainkey.
 * STANDARDS
 *	RFC 6376 3.6.1; RFC 8301 (rsa >= 1024 bits, sha1 obsolete);
 *	RFC 8463 (ed25519: p= is the raw 32-byte key).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes; p= at most TK_DKIM_KEY_B64_MAX characters.
 */
#ifndef TIAKI_RECORD_DKIMKEY_H
#define TIAKI_RECORD_DKIMKEY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/types.h>

#include "core/error.h"
#include "record/notes.h"

enum tk_dkim_key_type {
    TK_DKIM_KEY_RSA = 0, /* the default k= */
    TK_DKIM_KEY_ED25519,
    TK_DKIM_KEY_OTHER, /* a k= we do not know; the key cannot verify */
};

struct tk_dkim_key {
    enum tk_dkim_key_type type;
    bool revoked;        /* p= empty */
    unsigned bits;       /* RSA modulus size; 256 for ed25519; 0 if revoked */
    bool testing;        /* t=y */
    bool strict;         /* t=s: i= domain must equal d= */
    bool sha1_only;      /* h= lists sha1 alone (RFC 8301: fails) */
    bool sha256_allowed; /* h= absent or lists sha256 */
    bool service_email;  /* s= absent, "*" or lists "email" */
    unsigned char *der;  /* decoded p= (SubjectPublicKeyInfo for RSA, also
                            when published as a bare PKCS#1 RSAPublicKey;
                            32 raw bytes for ed25519; the bytes as
                            published for another k=); malloc'd, NULL if
                            revoked */
    size_t der_len;
    struct tk_notes notes; /* unknown tags, v= not first, sha1 only, ... */
};

/* tk_dkim_key_parse parses one key record. Returns:
 *	TK_OK       out filled; free with tk_dkim_key_free
 *	TK_INVALID  v= present but not DKIM1 or not first, p= missing,
 *	            base64 broken, key does not load or is not the type k=
 *	            says (an ed25519 key as SubjectPublicKeyInfo: err gives
 *	            the raw key to publish), duplicate tags; err says what
 *	            is wrong and what to publish instead. An RSA key under
 *	            1024 bits is TK_OK with a note: the rule judges size.
 *	TK_LIMIT    too long
 *	TK_NOMEM
 * On error out is left empty (safe to free). */
enum tk_status tk_dkim_key_parse(const char *txt, size_t len, struct tk_dkim_key *out,
                                 struct tk_error *err);

void tk_dkim_key_free(struct tk_dkim_key *key);

/* tk_dkim_key_pkey loads a parsed key (not revoked, rsa or ed25519) as
 * an OpenSSL key for verifying, or returns NULL. An RSA key takes the
 * same fast path as the parser. The caller frees it with EVP_PKEY_free. */
EVP_PKEY *tk_dkim_key_pkey(const struct tk_dkim_key *key);

/* tk_dkim_key_type_name returns "rsa", "ed25519" or "other". */
const char *tk_dkim_key_type_name(enum tk_dkim_key_type type);

#endif
