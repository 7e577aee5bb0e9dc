/*
 * NAME
 *	fuzz_csv.c - libFuzzer harness for tk_csv_split
 * DESCRIPTION
 *	Splits any bytes as one CSV line, with the full field limit and
 *	with a smaller one taken from the input's length, and checks the
 *	contract: a known status, an error message on failure, 1..max fields
 *	on success, every field a C string inside storage, and no more field
 *	bytes than the line had. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"
#include "fuzz_util.h"

static void split(const uint8_t *data, size_t size, size_t max)
{
    const char *fields[TK_CSV_FIELDS_MAX];
    struct tk_buf storage = {0};
    struct tk_error err;
    enum tk_status st;
    size_t n = 0, i, total = 0;

    tk_error_clear(&err);
    st = tk_csv_split((const char *)data, size, &storage, fields, max, &n, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    if (st != TK_OK) {
        check(err.code == st && err.msg[0] != '\0');
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        tk_buf_free(&storage);
        return;
    }
    check(n >= 1 && n <= max && n <= TK_CSV_FIELDS_MAX);
    for (i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);

        check(fields[i] >= storage.data && fields[i] + len < storage.data + storage.len);
        check(memchr(fields[i], '\0', len) == NULL);
        total += len;
    }
    /* Unquoting only removes bytes: quotes, doubled quotes, commas. */
    check(total + (n - 1) <= size);
    tk_buf_free(&storage);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    split(data, size, TK_CSV_FIELDS_MAX);
    split(data, size, 1 + size % 7);
    return 0;
}
