/*
 * NAME
 *	dkim_rsa.c - the RSA PKCS#1 v1.5 check of a DKIM signature
 * DESCRIPTION
 *	OpenSSL 3's EVP_PKEY_verify fetches the signature algorithm and
 *	builds a context on every call: a quarter of an RSA-2048 verify,
 *	measured per message in bench/auth-throughput. RSA_verify on the
 *	key's own RSA object makes the same check (PKCS#1 v1.5 padding,
 *	a SHA-256 DigestInfo) without them, and may be called from several
 *	threads on one key. It is deprecated in OpenSSL 3, not removed:
 *	this file alone uses it, so the exception stays in one place.
 * STANDARDS
 *	RFC 6376 3.3.1 (rsa-sha256), RFC 8017 8.2.2 (RSASSA-PKCS1-v1_5).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <limits.h>

#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "auth/dkim_rsa.h"

int tk_dkim_rsa_verify(EVP_PKEY *pkey, const unsigned char *hash, size_t hash_len,
                       const unsigned char *sig, size_t sig_len)
{
    RSA *rsa = (RSA *)EVP_PKEY_get0_RSA(pkey);

    if (rsa == NULL || hash_len > UINT_MAX || sig_len > UINT_MAX)
        return -1;
    return RSA_verify(NID_sha256, hash, (unsigned)hash_len, sig, (unsigned)sig_len, rsa);
}
