/*
 * NAME
 *	sha256.h - SHA-256 fetched from OpenSSL once for the process
 */
#ifndef TIAKI_CORE_SHA256_H
#define TIAKI_CORE_SHA256_H

#include <openssl/evp.h>

/* tk_sha256 returns SHA-256 fetched once for the process: OpenSSL 3
 * looks an algorithm up (under a lock) each time EVP_sha256() is used,
 * which costs more than hashing a few kilobytes. Thread-safe. */
const EVP_MD *tk_sha256(void);

#endif
