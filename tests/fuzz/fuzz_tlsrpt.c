/*
 * NAME
 *	fuzz_tlsrpt.c - libFuzzer harness for the TLS-RPT record parser
 * DESCRIPTION
 *	Feeds any bytes to tk_tlsrpt_is_record and tk_tlsrpt_record_parse
 *	and checks the contract: a known status, acceptance exactly when a
 *	URI was kept, is_record agreeing with the parse, every kept URI a
 *	NUL-terminated mailto: or https: one, printable notes and errors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record/tlsrpt.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_tlsrpt_record r;
    struct tk_error err;
    enum tk_status st;
    bool is_record;
    size_t i;

    tk_error_clear(&err);
    is_record = tk_tlsrpt_is_record((const char *)data, size);
    st = tk_tlsrpt_record_parse((const char *)data, size, &r, &err);
    check(st == TK_OK || st == TK_ABSENT || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    check((st == TK_OK) == (r.nrua > 0));
    if (st == TK_OK)
        check(is_record);
    if (is_record)
        check(st != TK_ABSENT);
    check(r.nrua <= TK_TLSRPT_URIS_MAX);
    for (i = 0; i < r.nrua; i++) {
        check(printable(r.rua[i].uri, sizeof(r.rua[i].uri)));
        check(strncasecmp(r.rua[i].uri, r.rua[i].is_mailto ? "mailto:" : "https://",
                          r.rua[i].is_mailto ? 7 : 8) == 0);
    }
    check_notes(&r.notes);
    return 0;
}
