/*
 * NAME
 *	dkim_keycache.h - parsed DKIM keys kept by the text of their record
 * DESCRIPTION
 *	Every signed message from a domain names the same key record, and
 *	turning its base64 into an OpenSSL key costs more than hashing a
 *	4 KB message (bench/auth-throughput). The cache keeps what
 *	tk_dkim_key_parse made of a record, keyed by the record's exact
 *	text: the same text always gives the same key, so an entry is
 *	never stale (a key changed in DNS is a different text), and DNS
 *	TTLs stay the resolver's business.
 *
 *	One cache serves the process; it is safe to use from several
 *	threads (a mail filter's). Only records that parse are kept;
 *	broken ones are parsed each time, which keeps their error message.
 * LIMITS
 *	TK_DKIM_KEYCACHE_SLOTS entries, direct-mapped by a hash of the
 *	text: a new key takes its slot's place, so the cache never grows
 *	and a flood of distinct keys costs only re-parsing.
 * SECURITY
 *	A record is compared byte for byte with the one kept before an
 *	entry is used: a hash collision costs a parse, never a wrong key.
 */
#ifndef TIAKI_AUTH_DKIM_KEYCACHE_H
#define TIAKI_AUTH_DKIM_KEYCACHE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "core/error.h"
#include "record/dkimkey.h"

/* tk_dkim_keycache_get parses the key record txt, or finds it parsed
 * before. On TK_OK the key's flags and size are in *out (out->der is
 * NULL and out->notes empty: a verifier needs neither) and *pkey is the
 * OpenSSL key to verify with, RSA keys prepared for tk_dkim_rsa_verify,
 * which the caller frees with EVP_PKEY_free (NULL for a revoked key or
 * a k= we do not know). Other returns are
 * tk_dkim_key_parse's, with err set; out is then empty. */
enum tk_status tk_dkim_keycache_get(const char *txt, size_t len, struct tk_dkim_key *out,
                                    EVP_PKEY **pkey, struct tk_error *err);

/* tk_dkim_keycache_clear drops every entry (tests; a filter's reload). */
void tk_dkim_keycache_clear(void);

#endif
