/*
 * NAME
 *	fuzz_dkim_signature.c - libFuzzer harness for the DKIM-Signature parser
 * DESCRIPTION
 *	Feeds any bytes to tk_dkim_sig_parse as a field value and checks
 *	the contract: a known status, a printable reason on error; on
 *	success the required tags' values (a From in h=, a hash of the
 *	algorithm's size, a signature within its array, a non-empty d= and
 *	s=, i= in d=, x= after t=), h= names within the input. Then the
 *	same bytes as a whole field: the b= value a verifier blanks lies
 *	within it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim_sig.h"
#include "core/domain.h"
#include "fuzz_util.h"

static void sig_check(const struct tk_dkim_sig *sig, const char *p, size_t size)
{
    size_t i;
    int from = 0;

    check(sig->nh >= 1 && sig->nh <= TK_DKIM_SIG_HEADERS_MAX);
    for (i = 0; i < sig->nh; i++) {
        check(sig->h[i].len > 0 && sig->h[i].p >= p && sig->h[i].p + sig->h[i].len <= p + size);
        from |= sig->h[i].len == 4 && strncasecmp(sig->h[i].p, "from", 4) == 0;
    }
    check(from);
    check(sig->bh_len == (sig->alg == TK_DKIM_RSA_SHA1 ? 20u : 32u));
    check(sig->b_len > 0 && sig->b_len <= TK_DKIM_SIG_BYTES_MAX);
    check(strlen(sig->b_prefix) <= 8 && printable(sig->b_prefix, sizeof(sig->b_prefix)));
    check(sig->d[0] != '\0' && sig->s[0] != '\0' && printable(sig->d, sizeof(sig->d)));
    check(sig->i_domain != NULL && sig->i_domain > sig->i &&
          sig->i_domain <= sig->i + strlen(sig->i));
    check(!(sig->has_t && sig->has_x) || sig->x > sig->t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_dkim_sig *sig = malloc(sizeof(*sig));
    struct tk_error err;
    enum tk_status st;
    char *field;
    size_t start, end, flen;

    if (sig == NULL)
        return 0;
    tk_error_clear(&err);
    st = tk_dkim_sig_parse((const char *)data, size, sig, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    if (st == TK_OK)
        sig_check(sig, (const char *)data, size);
    flen = size + 15;
    field = malloc(flen);
    if (field != NULL) {
        memcpy(field, "DKIM-Signature:", 15);
        if (size)
            memcpy(field + 15, data, size);
        if (tk_dkim_sig_b_value(field, flen, &start, &end))
            check(start >= 17 && start <= end && end <= flen && field[start - 1] == '=');
        free(field);
    }
    free(sig);
    return 0;
}
