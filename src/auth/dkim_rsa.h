/*
 * NAME
 *	dkim_rsa.h - the RSA PKCS#1 v1.5 check of a DKIM signature
 * DESCRIPTION
 *	See dkim_rsa.c for why this is not EVP_PKEY_verify.
 */
#ifndef TIAKI_AUTH_DKIM_RSA_H
#define TIAKI_AUTH_DKIM_RSA_H

#include <stddef.h>

#include <openssl/evp.h>

/* tk_dkim_rsa_verify checks sig over the SHA-256 hash (hash_len bytes)
 * with the RSA key pkey. Returns 1 when it verifies, 0 when it does
 * not, -1 when pkey is not RSA. */
int tk_dkim_rsa_verify(EVP_PKEY *pkey, const unsigned char *hash, size_t hash_len,
                       const unsigned char *sig, size_t sig_len);

#endif
