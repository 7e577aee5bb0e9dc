/*
 * NAME
 *	fuzz_mtasts_txt.c - libFuzzer harness for the MTA-STS TXT parser
 * DESCRIPTION
 *	Feeds any bytes to tk_mtasts_txt_is_record and tk_mtasts_txt_parse
 *	and checks the contract: a known status, is_record agreeing with
 *	the parse, an accepted record carrying an id of 1 to 32 letters and
 *	digits, printable notes and errors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/mtasts.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_mtasts_txt r;
    struct tk_error err;
    enum tk_status st;
    bool is_record;
    size_t i, n;

    tk_error_clear(&err);
    is_record = tk_mtasts_txt_is_record((const char *)data, size);
    st = tk_mtasts_txt_parse((const char *)data, size, &r, &err);
    check(st == TK_OK || st == TK_ABSENT || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    if (is_record)
        check(st != TK_ABSENT);
    n = strnlen(r.id, sizeof(r.id));
    check(n <= TK_MTASTS_ID_MAX);
    if (st == TK_OK) {
        check(is_record && n > 0);
        for (i = 0; i < n; i++)
            check((r.id[i] >= '0' && r.id[i] <= '9') || (r.id[i] >= 'a' && r.id[i] <= 'z') ||
                  (r.id[i] >= 'A' && r.id[i] <= 'Z'));
    }
    check_notes(&r.notes);
    return 0;
}
