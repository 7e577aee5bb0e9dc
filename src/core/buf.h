/*
 * NAME
 *	buf.h - the one growable byte string
 * DESCRIPTION
 *	A tk_buf holds bytes and always keeps a terminating NUL after them,
 *	so its data can be handed to C string functions when the content is
 *	text. Growth checks for overflow before it happens and never passes
 *	TK_BUF_MAX; a failed append leaves the buffer as it was.
 *	A zero-initialised struct tk_buf is a valid empty buffer.
 */
#ifndef TIAKI_CORE_BUF_H
#define TIAKI_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

struct tk_buf {
    char *data; /* NULL until the first append; then NUL-terminated */
    size_t len; /* bytes in use, not counting the NUL */
    size_t cap; /* bytes allocated */
};

/* tk_buf_reserve makes room for extra more bytes (plus the NUL).
 * Returns TK_OK, TK_LIMIT when len + extra would pass TK_BUF_MAX, or
 * TK_NOMEM. */
enum tk_status tk_buf_reserve(struct tk_buf *b, size_t extra);

/* tk_buf_append appends n bytes (which may include NULs). */
enum tk_status tk_buf_append(struct tk_buf *b, const void *p, size_t n);

/* tk_buf_puts appends a C string. */
enum tk_status tk_buf_puts(struct tk_buf *b, const char *s);

/* tk_buf_putc appends one byte. */
enum tk_status tk_buf_putc(struct tk_buf *b, char c);

/* tk_buf_printf appends formatted text. */
enum tk_status tk_buf_printf(struct tk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum tk_status tk_buf_vprintf(struct tk_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* tk_buf_cstr returns the content as a C string ("" when empty). */
const char *tk_buf_cstr(const struct tk_buf *b);

/* tk_buf_truncate shortens the buffer to len bytes (no-op if longer). */
void tk_buf_truncate(struct tk_buf *b, size_t len);

/* tk_buf_reset empties the buffer but keeps its memory. */
void tk_buf_reset(struct tk_buf *b);

/* tk_buf_steal returns the malloc'd NUL-terminated content (never NULL
 * unless out of memory) and leaves b empty. */
char *tk_buf_steal(struct tk_buf *b);

/* tk_buf_free releases the memory; b is empty and reusable after. */
void tk_buf_free(struct tk_buf *b);

#endif
