/*
 * NAME
 *	sha256.c - SHA-256 fetched from OpenSSL once for the process
 * DESCRIPTION
 *	Hashing a DKIM body or a snapshot's content takes a few
 *	microseconds; OpenSSL 3's implicit fetch behind EVP_sha256() takes
 *	about as long again on every EVP_DigestInit_ex, under a lock that
 *	threads contend for. One explicit fetch, kept for the process,
 *	removes both. When the fetch fails (no default provider) the
 *	implicit one is used, which fails in the same place it would have.
 */
#include <pthread.h>

#include "core/sha256.h"

static EVP_MD *sha256_fetched;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *tk_sha256(void)
{
    pthread_once(&sha256_once, sha256_fetch);
    return sha256_fetched ? sha256_fetched : EVP_sha256();
}
