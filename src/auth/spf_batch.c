/*
 * NAME
 *	spf_batch.c - read one line of an SPF batch: "IP SENDER [HELO]"
 * DESCRIPTION
 *	Splits the line into fields at spaces and tabs with a bounded
 *	cursor, checks each holds only printable ASCII, and fills a
 *	tk_spf_request: the address through tk_spf_ip_parse, the sender
 *	without angle brackets ("<>" and "-": the null reverse-path), the
 *	HELO name ("-": none).
 * LIMITS
 *	TK_SPF_BATCH_LINE_MAX bytes per line; three fields.
 * SECURITY
 *	Any byte may arrive; messages quote nothing of the line but the
 *	field number, so a hostile line cannot put bytes on a terminal.
 */
#include <string.h>

#include "auth/spf_batch.h"
#include "core/cursor.h"

#define BATCH_FIELDS_MAX 3

static bool batch_is_field_char(int ch)
{
    return ch > ' ' && ch <= '~';
}

static bool batch_is_sep(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* batch_fields splits line into at most BATCH_FIELDS_MAX fields; *n gets
 * their number. TK_INVALID for a byte that is neither printable nor a
 * separator, or a fourth field. */
static enum tk_status batch_fields(struct tk_span line, struct tk_span *f, size_t *n,
                                   struct tk_error *err)
{
    struct tk_cursor c;

    *n = 0;
    tk_cursor_init(&c, line.p, line.len);
    for (;;) {
        while (!tk_cursor_eof(&c) && batch_is_sep(tk_cursor_peek(&c)))
            tk_cursor_next(&c);
        if (tk_cursor_eof(&c))
            return TK_OK;
        if (*n == BATCH_FIELDS_MAX)
            return tk_error_set(err, TK_INVALID,
                                "more than three fields; a line is IP SENDER [HELO]");
        tk_cursor_span_while(&c, batch_is_field_char, &f[*n]);
        if (f[*n].len == 0)
            return tk_error_set(err, TK_INVALID,
                                "byte 0x%02x is not printable ASCII; a line is IP SENDER [HELO]",
                                (unsigned)tk_cursor_peek(&c));
        (*n)++;
    }
}

static void batch_copy(struct tk_span s, char *out)
{
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
}

/* batch_sender copies the sender without its angle brackets; "<>" and
 * "-" are the null reverse-path. */
static void batch_sender(struct tk_span s, char *out)
{
    if (tk_span_eq(s, "-") || tk_span_eq(s, "<>")) {
        out[0] = '\0';
        return;
    }
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>') {
        struct tk_cursor c;

        tk_cursor_init(&c, s.p, s.len - 1);
        tk_cursor_next(&c);
        tk_cursor_rest(&c, &s);
    }
    batch_copy(s, out);
}

enum tk_status tk_spf_batch_line_parse(const char *line, size_t len, struct tk_spf_batch_line *out,
                                       struct tk_error *err)
{
    struct tk_span f[BATCH_FIELDS_MAX], all = {line, len};
    size_t n;
    enum tk_status st;

    memset(&out->req, 0, sizeof(out->req));
    out->ip[0] = out->sender[0] = out->helo[0] = '\0';
    if (all.len > 0 && all.p[all.len - 1] == '\r')
        all.len--;
    if (all.len > TK_SPF_BATCH_LINE_MAX)
        return tk_error_set(err, TK_LIMIT, "line longer than %d bytes", TK_SPF_BATCH_LINE_MAX);
    if ((st = batch_fields(all, f, &n, err)) != TK_OK)
        return st;
    if (n == 0 || f[0].p[0] == '#')
        return tk_error_set(err, TK_ABSENT, "blank or comment line");
    if (n < 2)
        return tk_error_set(err, TK_INVALID, "no SENDER; a line is IP SENDER [HELO]");
    batch_copy(f[0], out->ip);
    if (tk_spf_ip_parse(out->ip, &out->req.ip) != TK_OK)
        return tk_error_set(err, TK_INVALID, "field 1 is not an IPv4 or IPv6 address");
    batch_sender(f[1], out->sender);
    if (n == 3 && !tk_span_eq(f[2], "-"))
        batch_copy(f[2], out->helo);
    out->req.sender = out->sender;
    out->req.helo = out->helo[0] ? out->helo : NULL;
    return TK_OK;
}
