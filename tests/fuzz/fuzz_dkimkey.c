/*
 * NAME
 *	fuzz_dkimkey.c - libFuzzer harness for the DKIM key record parser
 * DESCRIPTION
 *	Feeds any bytes to tk_dkim_key_parse (which hands decoded keys to
 *	OpenSSL) and checks the contract: a known status, an empty key on
 *	error, der present exactly when a key was published, an ed25519 key
 *	of 32 bytes, printable notes and errors. Frees every key, so a leak
 *	shows under LeakSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/dkimkey.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_dkim_key key;
    struct tk_error err;
    enum tk_status st;

    tk_error_clear(&err);
    st = tk_dkim_key_parse((const char *)data, size, &key, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT || st == TK_NOMEM);
    check(printable(err.msg, sizeof(err.msg)));
    if (st != TK_OK) {
        check(err.msg[0] != '\0' && key.der == NULL && key.notes.n == 0 && key.bits == 0);
    } else {
        check(key.revoked == (key.der == NULL));
        check(key.revoked ? key.bits == 0 && key.der_len == 0 : key.der_len > 0);
        if (key.type == TK_DKIM_KEY_ED25519 && !key.revoked)
            check(key.der_len == 32 && key.bits == 256);
        if (key.type == TK_DKIM_KEY_RSA && !key.revoked)
            check(key.bits > 0);
        check(!(key.sha1_only && key.sha256_allowed));
    }
    check_notes(&key.notes);
    tk_dkim_key_free(&key);
    return 0;
}
