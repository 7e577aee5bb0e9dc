/*
 * NAME
 *	csv.c - split one CSV line into fields (RFC 4180), no I/O
 * SECURITY
 *	Reads through the bounded cursor; output size is bounded by the
 *	input line, which the reader bounds by TK_CSV_LINE_MAX.
 */
#include <string.h>

#include "core/cursor.h"
#include "inventory/inventory.h"

static enum tk_status csv_quoted(struct tk_cursor *c, struct tk_buf *storage, size_t field,
                                 struct tk_error *err)
{
    for (;;) {
        int ch = tk_cursor_next(c);

        if (ch < 0)
            return tk_error_set(err, TK_INVALID, "field %zu: a quote is never closed", field);
        if (ch == '\0')
            return tk_error_set(err, TK_INVALID, "field %zu: a NUL byte", field);
        if (ch == '"' && !tk_cursor_take(c, '"')) {
            if (tk_cursor_eof(c) || tk_cursor_peek(c) == ',')
                return TK_OK;
            return tk_error_set(err, TK_INVALID, "field %zu: text after the closing quote", field);
        }
        if (tk_buf_putc(storage, (char)ch) != TK_OK)
            return tk_error_set(err, TK_LIMIT, "out of memory");
    }
}

enum tk_status tk_csv_split(const char *line, size_t len, struct tk_buf *storage,
                            const char **fields, size_t max, size_t *nfields, struct tk_error *err)
{
    struct tk_cursor c;
    size_t offsets[TK_CSV_FIELDS_MAX], n = 0, i;
    enum tk_status st;

    tk_buf_reset(storage);
    tk_cursor_init(&c, line, len);
    if (max > TK_CSV_FIELDS_MAX)
        max = TK_CSV_FIELDS_MAX;
    do {
        struct tk_span raw;

        if (n >= max)
            return tk_error_set(err, TK_LIMIT, "more than %zu fields", max);
        offsets[n++] = storage->len;
        if (tk_cursor_take(&c, '"')) {
            if ((st = csv_quoted(&c, storage, n, err)) != TK_OK)
                return st;
        } else {
            tk_cursor_span_until(&c, ',', &raw);
            if (memchr(raw.p, '\0', raw.len) != NULL)
                return tk_error_set(err, TK_INVALID, "field %zu: a NUL byte", n);
            if (tk_buf_append(storage, raw.p, raw.len) != TK_OK)
                return tk_error_set(err, TK_LIMIT, "out of memory");
        }
        /* NUL-separate the fields inside storage (a NUL in the input
         * would cut a field short without a word, so it is refused). */
        if (tk_buf_putc(storage, '\0') != TK_OK)
            return tk_error_set(err, TK_LIMIT, "out of memory");
    } while (tk_cursor_take(&c, ','));
    for (i = 0; i < n; i++)
        fields[i] = storage->data + offsets[i];
    *nfields = n;
    return TK_OK;
}
