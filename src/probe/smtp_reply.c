/*
 * NAME
 *	smtp_reply.c - bounded parser of SMTP replies (no I/O)
 * SUMMARY
 *	"250-mx.example.org\r\n250-SIZE 1000\r\n250 STARTTLS\r\n" to a
 *	tk_smtp_reply with code 250 and three lines of text.
 * DESCRIPTION
 *	Each call parses from the start of what has been read so far;
 *	replies are short (TK_SMTP_REPLY_MAX), so reparsing costs less than
 *	keeping state between reads and cannot go wrong when reads split a
 *	line anywhere. A line still incomplete is checked as far as it goes,
 *	so a peer that speaks something else (a TLS record, HTTP, binary)
 *	is garbage at once instead of at the deadline.
 *
 *	A reply line is three digits (the first 2 to 5), then '-' when
 *	more lines follow or a space (or nothing) on the last line, then
 *	text (RFC 5321 4.2). Every line of one reply carries the same code.
 *	Lines end at LF; a CR before it is dropped (RFC 5321 asks for CRLF,
 *	and a bare LF is accepted as senders do).
 * STANDARDS
 *	RFC 5321 4.2, 4.2.1, 4.1.1.1, 4.5.3.1.5.
 * LIMITS
 *	TK_SMTP_LINE_MAX bytes per line (line end not counted),
 *	TK_SMTP_REPLY_LINES_MAX lines, TK_SMTP_REPLY_MAX bytes per reply.
 * SECURITY
 *	Input is read through tk_cursor only. Error messages quote at most
 *	REPLY_QUOTE_MAX bytes in printable ASCII (any other byte is '?');
 *	the display of a reply keeps valid UTF-8 (a banner may name Te Tari
 *	Taiwhenua with its macrons) and replaces control bytes.
 */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "probe/smtp_reply.h"

/* Bytes of a bad line quoted in an error: enough to recognise it. */
#define REPLY_QUOTE_MAX 40

#define REPLY_STR2(x) #x
#define REPLY_STR(x) REPLY_STR2(x)
#define REPLY_LONG_LINE "reply line longer than " REPLY_STR(TK_SMTP_LINE_MAX) " bytes"

/* reply_copy_text copies the span s into dst of size (> 4), control bytes
 * (NUL too) as '?', "..." at the end when s does not fit, then
 * sanitises it as UTF-8. */
static void reply_copy_text(struct tk_span s, char *dst, size_t size)
{
    size_t i, n = s.len;
    bool cut = n > size - 1;

    if (cut)
        n = size - 4;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s.p[i];

        dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    dst[n] = '\0';
    tk_text_sanitise(dst);
    if (cut)
        strcat(dst, "...");
}

/* reply_quote puts the start of line in q for an error message, in
 * printable ASCII: the bytes of garbage are not worth keeping. */
static void reply_quote(struct tk_span line, char q[REPLY_QUOTE_MAX + 4])
{
    size_t i, n = line.len > REPLY_QUOTE_MAX ? REPLY_QUOTE_MAX : line.len;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)line.p[i];

        q[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    memcpy(q + n, line.len > n ? "..." : "", line.len > n ? 4 : 1);
}

static enum tk_status reply_error(struct tk_error *err, enum tk_status code, const char *what,
                                  struct tk_span line)
{
    char q[REPLY_QUOTE_MAX + 4];

    reply_quote(line, q);
    return tk_error_set(err, code, "%s: \"%s\"", what, q);
}

/* reply_prefix_ok checks the start of a line, whole or not yet: up to
 * three digits of a valid code, then '-', ' ' or (a whole line only)
 * nothing, or a CR that may be the line end. */
static bool reply_prefix_ok(struct tk_span line)
{
    size_t i;

    for (i = 0; i < line.len && i < 3; i++) {
        int ch = (unsigned char)line.p[i];

        if (!tk_char_is_digit(ch) || (i == 0 && (ch < '2' || ch > '5')))
            return false;
    }
    if (line.len <= 3)
        return true;
    return line.p[3] == ' ' || line.p[3] == '-' || (line.p[3] == '\r' && line.len == 4);
}

/* reply_line reads one whole line: its code, whether more lines follow,
 * and its text. False when it is not a reply line. */
static bool reply_line(struct tk_span line, int *code, bool *more, struct tk_span *text)
{
    struct tk_cursor c;
    int sep;

    if (line.len < 3 || !reply_prefix_ok(line) || (line.len > 3 && line.p[3] == '\r'))
        return false;
    *code = (line.p[0] - '0') * 100 + (line.p[1] - '0') * 10 + (line.p[2] - '0');
    tk_cursor_init(&c, line.p, line.len);
    c.pos = 3;
    sep = tk_cursor_next(&c);
    *more = sep == '-';
    tk_cursor_rest(&c, text);
    return true;
}

/* reply_line_end finds the next line: returns false when it has no LF
 * yet; *line gets it without its CR LF. */
static bool reply_line_end(struct tk_cursor *c, struct tk_span *line)
{
    tk_cursor_span_until(c, '\n', line);
    if (!tk_cursor_take(c, '\n'))
        return false;
    if (line->len > 0 && line->p[line->len - 1] == '\r')
        line->len--;
    return true;
}

/* reply_incomplete decides about the bytes of a line with no LF yet. */
static enum tk_status reply_incomplete(struct tk_span line, size_t start, struct tk_error *err)
{
    if (!reply_prefix_ok(line))
        return reply_error(err, TK_INVALID, "not an SMTP reply", line);
    /* One more byte than a line may be only when it is a CR waiting
     * for its LF. */
    if (line.len > TK_SMTP_LINE_MAX + 1 ||
        (line.len == TK_SMTP_LINE_MAX + 1 && line.p[TK_SMTP_LINE_MAX] != '\r'))
        return reply_error(err, TK_LIMIT, REPLY_LONG_LINE, line);
    if (start + line.len > TK_SMTP_REPLY_MAX)
        return tk_error_set(err, TK_LIMIT, "reply longer than %d bytes", TK_SMTP_REPLY_MAX);
    return TK_TEMP;
}

enum tk_status tk_smtp_reply_parse(const char *p, size_t len, struct tk_smtp_reply *out,
                                   struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span line, text;
    bool more;
    int code;

    out->code = 0;
    out->len = 0;
    out->nlines = 0;
    tk_cursor_init(&c, p, len);
    for (;;) {
        size_t start = c.pos;

        if (!reply_line_end(&c, &line))
            return reply_incomplete(line, start, err);
        if (!reply_line(line, &code, &more, &text))
            return reply_error(err, TK_INVALID, "not an SMTP reply", line);
        if (out->nlines > 0 && code != out->code)
            return reply_error(err, TK_INVALID, "reply code changes inside one reply", line);
        if (line.len > TK_SMTP_LINE_MAX)
            return reply_error(err, TK_LIMIT, REPLY_LONG_LINE, line);
        if (c.pos > TK_SMTP_REPLY_MAX)
            return tk_error_set(err, TK_LIMIT, "reply longer than %d bytes", TK_SMTP_REPLY_MAX);
        out->code = code;
        out->text[out->nlines++] = text;
        if (!more)
            break;
        if (out->nlines == TK_SMTP_REPLY_LINES_MAX)
            return tk_error_set(err, TK_LIMIT, "reply of more than %d lines",
                                TK_SMTP_REPLY_LINES_MAX);
    }
    out->len = c.pos;
    return TK_OK;
}

bool tk_smtp_reply_has_keyword(const struct tk_smtp_reply *r, const char *keyword)
{
    size_t i, n = strlen(keyword);

    for (i = 1; i < r->nlines; i++) {
        struct tk_span t = r->text[i];

        if (!tk_span_startswith_ci(t, keyword))
            continue;
        if (t.len == n || t.p[n] == ' ' || t.p[n] == '=')
            return true;
    }
    return false;
}

void tk_smtp_reply_show(const struct tk_smtp_reply *r, char *dst, size_t size)
{
    int n;

    n = snprintf(dst, size, "%03d", r->code);
    if (r->nlines == 0 || r->text[0].len == 0 || n < 0 || (size_t)n + 5 >= size)
        return;
    dst[n] = ' ';
    reply_copy_text(r->text[0], dst + n + 1, size - (size_t)n - 1);
}
