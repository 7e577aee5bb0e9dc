/*
 * NAME
 *	fuzz_dmarc.c - libFuzzer harness for the DMARC record parser
 * DESCRIPTION
 *	Feeds any bytes to tk_dmarc_is_record and tk_dmarc_record_parse and
 *	checks the contract on what comes back: a known status, p set
 *	whenever the record is accepted, is_record agreeing with the parse,
 *	bounded lists, NUL-terminated strings, printable notes and errors.
 *	A broken contract aborts, which the fuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/dmarc.h"
#include "fuzz_util.h"

static void check_uris(const struct tk_dmarc_uri *u, size_t n)
{
    size_t i;

    check(n <= TK_DMARC_URIS_MAX);
    for (i = 0; i < n; i++) {
        check(memchr(u[i].uri, '\0', sizeof(u[i].uri)) != NULL && u[i].uri[0] != '\0');
        check(printable(u[i].domain, sizeof(u[i].domain)));
        check(u[i].domain[0] == '\0' || u[i].is_mailto);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_dmarc_record *r = malloc(sizeof(*r));
    struct tk_error err;
    enum tk_status st;
    bool is_record;

    if (r == NULL)
        return 0;
    tk_error_clear(&err);
    is_record = tk_dmarc_is_record((const char *)data, size);
    st = tk_dmarc_record_parse((const char *)data, size, r, &err);
    check(st == TK_OK || st == TK_ABSENT || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    if (is_record)
        check(st != TK_ABSENT);
    if (st == TK_OK)
        check(r->p != TK_DMARC_POLICY_UNSET && is_record);
    check(r->pct >= 0 && r->pct <= 100);
    check(r->psd == 'y' || r->psd == 'n' || r->psd == 'u');
    check(memchr(r->fo, '\0', sizeof(r->fo)) != NULL && memchr(r->rf, '\0', sizeof(r->rf)));
    check_uris(r->rua, r->nrua);
    check_uris(r->ruf, r->nruf);
    check(r->notes.n <= TK_NOTES_MAX);
    check_notes(&r->notes);
    free(r);
    return 0;
}
