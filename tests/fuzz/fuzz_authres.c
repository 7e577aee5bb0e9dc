/*
 * NAME
 *	fuzz_authres.c - libFuzzer harness for the Authentication-Results parser
 * DESCRIPTION
 *	Parses any bytes as an Authentication-Results value and checks the
 *	contract: the status is ok, invalid or limit; a parse that succeeds
 *	has a non-empty authserv-id, counts within the limits and strings
 *	that fit their fields; a parsed field whose authserv-id is X is
 *	claimed by X (the stripper never keeps a field the parser gives our
 *	id). Then what was parsed is written again (for parses whose values
 *	are printable) and must parse to the same results. A broken
 *	contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"
#include "fuzz_util.h"

static void reparse_check(const struct tk_authres *a)
{
    struct tk_authres_method *m = calloc(TK_AUTHRES_RESULTS_MAX, sizeof(*m));
    struct tk_authres *b = malloc(sizeof(*b));
    struct tk_buf out = {0};
    size_t i, j;

    check(m != NULL && b != NULL);
    for (i = 0; i < a->nresults; i++) {
        m[i].method = a->results[i].method;
        m[i].result = a->results[i].result_known ? a->results[i].result : TK_AUTH_NEUTRAL;
        m[i].nprops = a->results[i].nprops;
        for (j = 0; j < a->results[i].nprops; j++)
            m[i].props[j] = (struct tk_authres_prop){a->results[i].props[j].ptype,
                                                     a->results[i].props[j].property,
                                                     a->results[i].props[j].value};
    }
    if (tk_authres_format(a->authserv_id, m, a->nresults, &out, NULL) == TK_OK &&
        out.len < TK_AUTHRES_VALUE_MAX && tk_authres_parse(out.data, out.len, b, NULL) == TK_OK) {
        check(b->nresults == a->nresults && strcmp(b->authserv_id, a->authserv_id) == 0);
        for (i = 0; i < a->nresults; i++)
            check(strcmp(b->results[i].method, a->results[i].method) == 0 &&
                  b->results[i].nprops == a->results[i].nprops);
    }
    tk_buf_free(&out);
    free(m);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_authres *a = malloc(sizeof(*a));
    enum tk_status st;
    size_t i;

    check(a != NULL);
    st = tk_authres_parse((const char *)data, size, a, NULL);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    if (st == TK_OK) {
        check(a->authserv_id[0] != '\0' && a->nresults <= TK_AUTHRES_RESULTS_MAX);
        check(!a->none || a->nresults == 0);
        for (i = 0; i < a->nresults; i++)
            check(a->results[i].method[0] != '\0' && a->results[i].nprops <= TK_AUTHRES_PROPS_MAX);
        check(tk_authres_claims_id((const char *)data, size, a->authserv_id));
        reparse_check(a);
    }
    free(a);
    return 0;
}
