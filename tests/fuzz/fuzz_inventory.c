/*
 * NAME
 *	fuzz_inventory.c - libFuzzer harness for the CSV inventory reader
 * DESCRIPTION
 *	Opens any bytes as an inventory file (fmemopen) and reads every row.
 *	Checks the contract: open gives TK_OK, TK_INVALID or TK_LIMIT with a
 *	message; each row is TK_OK, TK_INVALID or TK_LIMIT; a row has a non-empty
 *	domain, a known profile, at most TK_DKIM_SELECTORS_MAX non-empty
 *	selectors without white space; errors carry a message; and the
 *	reader ends (no more results than lines). A broken contract aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"
#include "fuzz_util.h"

static void check_row(const struct tk_inventory_row *row)
{
    size_t i;

    check(row->domain != NULL && row->domain[0] != '\0');
    check(row->agency != NULL && row->contact != NULL);
    check(row->profile == TK_PROFILE_UNSET || row->profile == TK_PROFILE_EMAIL ||
          row->profile == TK_PROFILE_PARKED);
    check(row->nselectors <= TK_DKIM_SELECTORS_MAX);
    for (i = 0; i < row->nselectors; i++) {
        check(row->selectors[i][0] != '\0');
        check(strpbrk(row->selectors[i], " \t;") == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_inventory *inv = NULL;
    struct tk_inventory_row row;
    struct tk_error err;
    enum tk_status st;
    size_t lines = 1, i, results = 0;
    FILE *f;

    if (size == 0)
        return 0;
    f = fmemopen((void *)data, size, "r");
    if (f == NULL)
        return 0;
    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    tk_error_clear(&err);
    st = tk_inventory_open(f, "fuzz.csv", &inv, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    if (st != TK_OK) {
        check(err.code == st && err.msg[0] != '\0');
        fclose(f);
        return 0;
    }
    for (;;) {
        tk_error_clear(&err);
        st = tk_inventory_next(inv, &row, &err);
        if (st == TK_ABSENT)
            break;
        check(++results < lines);
        check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
        if (st == TK_OK)
            check_row(&row);
        else
            check(err.code == st && strncmp(err.msg, "fuzz.csv:", 9) == 0);
    }
    check(tk_inventory_next(inv, &row, &err) == TK_ABSENT);
    tk_inventory_close(inv);
    fclose(f);
    return 0;
}
