/*
 * NAME
 *	buf.c - the one growable byte string
 * SECURITY
 *	All size arithmetic is checked before it is done; the buffer never
 *	grows past TK_BUF_MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

enum tk_status tk_buf_reserve(struct tk_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > TK_BUF_MAX || b->len > TK_BUF_MAX - extra)
        return TK_LIMIT;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return TK_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > TK_BUF_MAX / 2 ? TK_BUF_MAX + 1 : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return TK_NOMEM;
    b->data = p;
    b->cap = cap;
    return TK_OK;
}

enum tk_status tk_buf_append(struct tk_buf *b, const void *p, size_t n)
{
    enum tk_status st = tk_buf_reserve(b, n);

    if (st != TK_OK)
        return st;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TK_OK;
}

enum tk_status tk_buf_puts(struct tk_buf *b, const char *s)
{
    return tk_buf_append(b, s, strlen(s));
}

enum tk_status tk_buf_putc(struct tk_buf *b, char c)
{
    return tk_buf_append(b, &c, 1);
}

enum tk_status tk_buf_vprintf(struct tk_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    enum tk_status st;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return TK_INVALID;
    st = tk_buf_reserve(b, (size_t)n);
    if (st != TK_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return TK_OK;
}

enum tk_status tk_buf_printf(struct tk_buf *b, const char *fmt, ...)
{
    va_list ap;
    enum tk_status st;

    va_start(ap, fmt);
    st = tk_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

const char *tk_buf_cstr(const struct tk_buf *b)
{
    return b->data ? b->data : "";
}

void tk_buf_truncate(struct tk_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

void tk_buf_reset(struct tk_buf *b)
{
    tk_buf_truncate(b, 0);
}

char *tk_buf_steal(struct tk_buf *b)
{
    char *p;

    if (b->data == NULL)
        return strdup("");
    p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void tk_buf_free(struct tk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
