/*
 * NAME
 *	message.c - split a mail message into header fields and a body stream
 * DESCRIPTION
 *	A small state machine over the bytes: lines are gathered up to a LF;
 *	a line that starts with white space continues the field before it;
 *	an empty line ends the header section. See message.h for the
 *	contract and the limits.
 * STANDARDS
 *	RFC 5322 2.2, 2.2.3, 3.6.8.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/message.h"
#include "core/limits.h"

void tk_msg_init(struct tk_msg *m)
{
    memset(m, 0, sizeof(*m));
}

void tk_msg_free(struct tk_msg *m)
{
    size_t i;

    for (i = 0; i < m->nfields; i++)
        free(m->fields[i].raw);
    free(m->fields);
    tk_buf_free(&m->line);
    tk_buf_free(&m->field);
    tk_msg_init(m);
}

/* msg_note keeps the first reason the message is not judged whole. */
__attribute__((format(printf, 2, 3))) static void msg_note(struct tk_msg *m, const char *fmt, ...)
{
    va_list ap;

    if (m->why[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(m->why, sizeof(m->why), fmt, ap);
    va_end(ap);
}

static void msg_overflow(struct tk_msg *m, const char *what)
{
    m->overflow = true;
    msg_note(m, "header section over limits: %s", what);
}

/* field_name_length returns the length of the field name at the start
 * of raw (printable US-ASCII but ':' RFC 5322 3.6.8, then optional WSP
 * before the colon, the obsolete syntax of RFC 5322 4.5), and the
 * offset after the colon; 0 when raw is not a field. */
static size_t field_name_length(const char *raw, size_t len, size_t *value_off)
{
    size_t i = 0, name_len;

    while (i < len && raw[i] != ':' && (unsigned char)raw[i] > 32 && (unsigned char)raw[i] < 127)
        i++;
    name_len = i;
    while (i < len && (raw[i] == ' ' || raw[i] == '\t'))
        i++;
    if (name_len == 0 || i >= len || raw[i] != ':')
        return 0;
    *value_off = i + 1;
    return name_len;
}

/* field_keep adds a complete field of len bytes (CRLF line breaks). */
static enum tk_status field_keep(struct tk_msg *m, const char *raw, size_t len)
{
    struct tk_msg_field *f;
    size_t name_len, value_off = 0;

    if (len > TK_MSG_FIELD_MAX) {
        msg_overflow(m, "a header field longer than the limit");
        return TK_OK;
    }
    m->header_bytes += len + 2;
    if (m->header_bytes > TK_MSG_HEADER_BYTES_MAX) {
        msg_overflow(m, "more header bytes than the limit");
        return TK_OK;
    }
    name_len = field_name_length(raw, len, &value_off);
    if (name_len == 0) {
        m->malformed++;
        msg_note(m, "a header line that is not a field (name: value)");
        return TK_OK;
    }
    if (m->nfields >= TK_MSG_HEADERS_MAX) {
        msg_overflow(m, "more header fields than the limit");
        return TK_OK;
    }
    if (m->nfields == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        void *p;

        if (cap > TK_MSG_HEADERS_MAX)
            cap = TK_MSG_HEADERS_MAX;
        p = realloc(m->fields, cap * sizeof(*m->fields));
        if (p == NULL)
            return TK_NOMEM;
        m->fields = p;
        m->cap = cap;
    }
    f = &m->fields[m->nfields];
    f->raw = malloc(len + 1);
    if (f->raw == NULL)
        return TK_NOMEM;
    memcpy(f->raw, raw, len);
    f->raw[len] = '\0';
    f->raw_len = len;
    f->name_len = name_len;
    f->value_off = value_off;
    m->nfields++;
    return TK_OK;
}

/* pending_commit keeps the field gathered so far, if any. */
static enum tk_status pending_commit(struct tk_msg *m)
{
    enum tk_status st = TK_OK;

    if (m->field.len > 0 && !m->field_dropping)
        st = field_keep(m, m->field.data, m->field.len);
    tk_buf_reset(&m->field);
    m->field_dropping = false;
    return st;
}

/* line_continues appends a continuation line to the pending field. */
static enum tk_status line_continues(struct tk_msg *m, const char *p, size_t len)
{
    if (m->field.len == 0 && !m->field_dropping) {
        m->malformed++;
        msg_note(m, "a continuation line with no field before it");
        return TK_OK;
    }
    if (m->field_dropping)
        return TK_OK;
    if (m->field.len + 2 + len > TK_MSG_FIELD_MAX) {
        msg_overflow(m, "a header field longer than the limit");
        m->field_dropping = true;
        return TK_OK;
    }
    if (tk_buf_append(&m->field, "\r\n", 2) != TK_OK || tk_buf_append(&m->field, p, len) != TK_OK)
        return TK_NOMEM;
    return TK_OK;
}

/* header_line_end handles one header line, its CR LF taken off. */
static enum tk_status header_line_end(struct tk_msg *m)
{
    const char *p = m->line.data;
    size_t len = m->line.len;
    bool dropped = m->line_dropping;
    enum tk_status st;

    if (len > 0 && p[len - 1] == '\r' && !dropped)
        len--;
    m->line_dropping = false;
    if (len == 0 && !dropped) {
        tk_buf_reset(&m->line);
        m->headers_done = true;
        return pending_commit(m);
    }
    if (p[0] == ' ' || p[0] == '\t') {
        if (dropped) {
            msg_overflow(m, "a header line longer than the limit");
            m->field_dropping = true;
            st = TK_OK;
        } else {
            st = line_continues(m, p, len);
        }
        tk_buf_reset(&m->line);
        return st;
    }
    st = pending_commit(m);
    if (st == TK_OK && dropped) {
        msg_overflow(m, "a header line longer than the limit");
        m->field_dropping = true;
    } else if (st == TK_OK && tk_buf_append(&m->field, p, len) != TK_OK) {
        st = TK_NOMEM;
    }
    tk_buf_reset(&m->line);
    return st;
}

/* line_gather appends n bytes of the current line, up to the limit. */
static enum tk_status line_gather(struct tk_msg *m, const char *p, size_t n)
{
    size_t room;

    if (m->line.len >= TK_MSG_FIELD_MAX + 1) {
        m->line_dropping = true;
        return TK_OK;
    }
    room = TK_MSG_FIELD_MAX + 1 - m->line.len;
    if (n > room) {
        n = room;
        m->line_dropping = true;
    }
    return tk_buf_append(&m->line, p, n) == TK_OK ? TK_OK : TK_NOMEM;
}

/* field_whole returns the length of the field that starts p (n bytes,
 * at a line start) when all of it and the byte after it are in p and
 * each of its lines ends in CRLF; *next gets the offset after its last
 * CRLF. 0 otherwise: the field is then gathered a line at a time. A
 * message fed whole keeps each field with one copy, not three (line,
 * field, kept) and the growing of two buffers. */
static size_t field_whole(const char *p, size_t n, size_t *next)
{
    size_t i = 0;
    const char *nl;

    if (n == 0 || p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')
        return 0;
    do {
        nl = memchr(p + i, '\n', n - i);
        if (nl == NULL || nl[-1] != '\r')
            return 0;
        i = (size_t)(nl - p) + 1;
        if (i >= n || i - 2 > TK_MSG_FIELD_MAX) /* past the limit: gathered, and refused */
            return 0;
    } while (p[i] == ' ' || p[i] == '\t');
    *next = i;
    return i - 2;
}

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* msg_bare_lf returns the index of the first LF in p (n bytes) that no
 * CR comes before (cr: p[-1] was a CR), or n. Sixteen bytes at a time
 * with SSE2: a body has a CRLF a line, and a memchr a line to look at
 * each was 2% of verifying the DKIM signature of a 4 KB message. */
static size_t msg_bare_lf(const char *p, size_t n, bool cr)
{
    size_t i = 1;

    if (n == 0 || (p[0] == '\n' && !cr))
        return 0;
#ifdef __SSE2__
    for (; i + 16 <= n; i += 16) { /* reads p[i - 1] to p[i + 15] */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(p + i - 1));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(
            _mm_cmpeq_epi8(prev, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));

        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    for (; i < n; i++)
        if (p[i] == '\n' && p[i - 1] != '\r')
            return i;
    return n;
}

/* body_emit passes body bytes on, turning bare LF into CRLF. */
static void body_emit(struct tk_msg *m, const char *p, size_t n, tk_msg_body_fn body, void *arg)
{
    size_t start = 0, i;
    bool cr = m->cr_pending;

    if (n == 0)
        return;
    while (body != NULL && (i = start + msg_bare_lf(p + start, n - start, cr)) < n) {
        if (i > start)
            body(arg, p + start, i - start);
        body(arg, "\r\n", 2);
        start = i + 1;
        cr = false; /* p[start - 1] is that LF */
    }
    if (body != NULL && n > start)
        body(arg, p + start, n - start);
    m->cr_pending = p[n - 1] == '\r';
}

enum tk_status tk_msg_feed(struct tk_msg *m, const char *p, size_t n, tk_msg_body_fn body,
                           void *arg)
{
    size_t i = 0;
    enum tk_status st;

    while (i < n && !m->headers_done) {
        const char *nl;
        size_t take, len, next;

        if (m->line.len == 0 && !m->line_dropping && m->field.len == 0 && !m->field_dropping &&
            (len = field_whole(p + i, n - i, &next)) > 0) {
            if ((st = field_keep(m, p + i, len)) != TK_OK)
                return st;
            i += next;
            continue;
        }
        nl = memchr(p + i, '\n', n - i);
        take = nl ? (size_t)(nl - (p + i)) : n - i;
        if ((st = line_gather(m, p + i, take)) != TK_OK)
            return st;
        i += take;
        if (nl == NULL)
            break;
        i++;
        if ((st = header_line_end(m)) != TK_OK)
            return st;
        /* no continuation follows: the field is complete, and the next
         * one may be read whole */
        if (i < n && p[i] != ' ' && p[i] != '\t' && (st = pending_commit(m)) != TK_OK)
            return st;
    }
    if (m->headers_done && i < n)
        body_emit(m, p + i, n - i, body, arg);
    return TK_OK;
}

enum tk_status tk_msg_finish(struct tk_msg *m)
{
    enum tk_status st;

    if (m->headers_done)
        return TK_OK;
    if (m->line.len > 0 || m->line_dropping) {
        if ((st = header_line_end(m)) != TK_OK)
            return st;
    }
    if (m->headers_done)
        return TK_OK;
    m->headers_done = true;
    return pending_commit(m);
}

enum tk_status tk_msg_add_field(struct tk_msg *m, const char *raw, size_t len)
{
    struct tk_buf b = {0};
    enum tk_status st;
    size_t i;

    if (len > TK_MSG_FIELD_MAX) {
        msg_overflow(m, "a header field longer than the limit");
        return TK_OK;
    }
    for (i = 0; i < len; i++) {
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
            st = tk_buf_append(&b, "\r\n", 2);
        else
            st = tk_buf_putc(&b, raw[i]);
        if (st != TK_OK) {
            tk_buf_free(&b);
            return TK_NOMEM;
        }
    }
    st = field_keep(m, b.data ? b.data : "", b.len);
    tk_buf_free(&b);
    return st;
}

enum tk_status tk_msg_add_name_value(struct tk_msg *m, const char *name, const char *value)
{
    struct tk_buf b = {0};
    enum tk_status st;

    if (tk_buf_puts(&b, name) != TK_OK || tk_buf_putc(&b, ':') != TK_OK ||
        tk_buf_puts(&b, value) != TK_OK) {
        tk_buf_free(&b);
        return TK_NOMEM;
    }
    st = tk_msg_add_field(m, b.data, b.len);
    tk_buf_free(&b);
    return st;
}

void tk_msg_end_headers(struct tk_msg *m)
{
    m->headers_done = true;
}

bool tk_msg_overflow(const struct tk_msg *m)
{
    return m->overflow;
}

struct tk_span tk_msg_field_name(const struct tk_msg *m, size_t i)
{
    struct tk_span s = {m->fields[i].raw, m->fields[i].name_len};

    return s;
}

struct tk_span tk_msg_field_value(const struct tk_msg *m, size_t i)
{
    const struct tk_msg_field *f = &m->fields[i];
    struct tk_span s = {f->raw + f->value_off, f->raw_len - f->value_off};

    return s;
}

bool tk_msg_field_is(const struct tk_msg *m, size_t i, const char *name)
{
    size_t n = strlen(name);

    return i < m->nfields && m->fields[i].name_len == n &&
           strncasecmp(m->fields[i].raw, name, n) == 0;
}

size_t tk_msg_next(const struct tk_msg *m, const char *name, size_t from)
{
    size_t i;

    for (i = from; i < m->nfields; i++)
        if (tk_msg_field_is(m, i, name))
            return i;
    return (size_t)-1;
}

size_t tk_msg_count(const struct tk_msg *m, const char *name)
{
    size_t i, n = 0;

    for (i = 0; i < m->nfields; i++)
        if (tk_msg_field_is(m, i, name))
            n++;
    return n;
}
