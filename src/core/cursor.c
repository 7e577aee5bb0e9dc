/*
 * NAME
 *	cursor.c - bounded read cursor over untrusted bytes
 * SECURITY
 *	Every read is checked against what is left; nothing here assumes
 *	the input is NUL-terminated.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

void tk_cursor_init(struct tk_cursor *c, const void *p, size_t len)
{
    c->p = p;
    c->len = p ? len : 0;
    c->pos = 0;
}

size_t tk_cursor_left(const struct tk_cursor *c)
{
    return c->len - c->pos;
}

bool tk_cursor_eof(const struct tk_cursor *c)
{
    return c->pos >= c->len;
}

int tk_cursor_peek(const struct tk_cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->p[c->pos] : -1;
}

int tk_cursor_next(struct tk_cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->p[c->pos++] : -1;
}

bool tk_cursor_take(struct tk_cursor *c, int ch)
{
    /* ch < 0 would match peek's end-of-input -1 and step past the end. */
    if (ch < 0 || tk_cursor_peek(c) != ch)
        return false;
    c->pos++;
    return true;
}

static int ascii_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

bool tk_cursor_take_ci(struct tk_cursor *c, const char *lit)
{
    size_t n = strlen(lit), i;

    if (n > tk_cursor_left(c))
        return false;
    for (i = 0; i < n; i++)
        if (ascii_lower((unsigned char)c->p[c->pos + i]) != ascii_lower((unsigned char)lit[i]))
            return false;
    c->pos += n;
    return true;
}

size_t tk_cursor_skip_wsp(struct tk_cursor *c)
{
    return tk_cursor_span_while(c, tk_char_is_wsp, NULL);
}

size_t tk_cursor_span_while(struct tk_cursor *c, bool (*pred)(int ch), struct tk_span *out)
{
    size_t start = c->pos;

    while (c->pos < c->len && pred((unsigned char)c->p[c->pos]))
        c->pos++;
    if (out) {
        out->p = c->p + start;
        out->len = c->pos - start;
    }
    return c->pos - start;
}

/* memchr, not a byte loop: tag lists split values hundreds of bytes
 * long (a DKIM-Signature's b=) at ';'. */
size_t tk_cursor_span_until(struct tk_cursor *c, int delim, struct tk_span *out)
{
    size_t start = c->pos;
    const char *hit = NULL;

    if (c->pos < c->len && delim >= 0 && delim <= UCHAR_MAX)
        hit = memchr(c->p + c->pos, delim, c->len - c->pos);
    c->pos = hit ? (size_t)(hit - c->p) : c->len;
    if (out) {
        out->p = c->p + start;
        out->len = c->pos - start;
    }
    return c->pos - start;
}

void tk_cursor_rest(struct tk_cursor *c, struct tk_span *out)
{
    out->p = c->p + c->pos;
    out->len = c->len - c->pos;
    c->pos = c->len;
}

/* span_trim returns s without the leading and trailing bytes for
 * which pred holds. */
static struct tk_span span_trim(struct tk_span s, bool (*pred)(int ch))
{
    while (s.len > 0 && pred((unsigned char)s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && pred((unsigned char)s.p[s.len - 1]))
        s.len--;
    return s;
}

struct tk_span tk_span_trim_wsp(struct tk_span s)
{
    return span_trim(s, tk_char_is_wsp);
}

struct tk_span tk_span_trim_fws(struct tk_span s)
{
    return span_trim(s, tk_char_is_fws);
}

bool tk_span_eq(struct tk_span s, const char *lit)
{
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.p, lit, s.len) == 0);
}

bool tk_span_eq_ci(struct tk_span s, const char *lit)
{
    return strlen(lit) == s.len && tk_span_startswith_ci(s, lit);
}

bool tk_span_startswith_ci(struct tk_span s, const char *lit)
{
    size_t n = strlen(lit), i;

    if (n > s.len)
        return false;
    for (i = 0; i < n; i++)
        if (ascii_lower((unsigned char)s.p[i]) != ascii_lower((unsigned char)lit[i]))
            return false;
    return true;
}

char *tk_span_dup(struct tk_span s)
{
    char *p = malloc(s.len + 1);

    if (p == NULL)
        return NULL;
    if (s.len)
        memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    return p;
}

bool tk_char_is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool tk_char_is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

bool tk_char_is_alnum(int ch)
{
    return tk_char_is_alpha(ch) || tk_char_is_digit(ch);
}

bool tk_char_is_wsp(int ch)
{
    return ch == ' ' || ch == '\t';
}

bool tk_char_is_fws(int ch)
{
    return tk_char_is_wsp(ch) || ch == '\r' || ch == '\n';
}
