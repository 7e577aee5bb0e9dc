/*
 * NAME
 *	dkim_rsa.h - the RSA PKCS#1 v1.5 check of a DKIM signature
 * DESCRIPTION
 *	A key is prepared once, when it is loaded, then checks signatures
 *	from any number of threads. See dkim_rsa.c for why this is not
 *	EVP_PKEY_verify.
 */
#ifndef TIAKI_AUTH_DKIM_RSA_H
#define TIAKI_AUTH_DKIM_RSA_H

#include <stddef.h>

#include <openssl/evp.h>

#include "core/error.h"

/* tk_dkim_rsa_prepare readies an RSA key for tk_dkim_rsa_verify (its
 * modulus, exponent and Montgomery context, kept with pkey until it is
 * freed); it must be called before pkey is shared between threads.
 * Other key types are left alone. Returns TK_OK or TK_NOMEM. */
enum tk_status tk_dkim_rsa_prepare(EVP_PKEY *pkey);

/* tk_dkim_rsa_verify checks sig over the SHA-256 hash (hash_len bytes,
 * 32) with the RSA key pkey (RFC 8017 8.2.2; sig must be exactly as
 * long as the modulus). Returns 1 when it verifies, 0 when it does
 * not, -1 when pkey was not prepared or OpenSSL failed. */
int tk_dkim_rsa_verify(EVP_PKEY *pkey, const unsigned char *hash, size_t hash_len,
                       const unsigned char *sig, size_t sig_len);

#endif
