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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int printable(const char *s, size_t max)
{
    size_t i;

    for (i = 0; i < max && s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return i < max;
}

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
    check(printable(err.msg, sizeof(err.msg)));
    check(st == TK_OK || err.msg[0] != '\0');
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
    for (i = 0; i < r.notes.n; i++)
        check(printable(r.notes.text[i], TK_NOTE_TEXT_MAX));
    return 0;
}
