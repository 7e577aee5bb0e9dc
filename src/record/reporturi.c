/*
 * NAME
 *	reporturi.c - report URIs of DMARC and TLS-RPT records
 * SUMMARY
 *	URI syntax, mailto: domain and https: host extraction, and the
 *	repair of the seed's "mailto: <address>" example.
 * STANDARDS
 *	RFC 3986 (URI), RFC 6068 (mailto), RFC 7489 6.4, RFC 8460 3.
 * LIMITS
 *	Domains as core/domain.h allows (TK_DOMAIN_MAX); repaired URIs as
 *	long as the caller's buffer.
 * SECURITY
 *	Input is read only through a tk_cursor. Error messages quote bytes
 *	as hex, never raw.
 */
#include <string.h>

#include "core/domain.h"
#include "record/recerr.h"
#include "record/reporturi.h"

static bool uri_is_hex(int ch)
{
    return tk_char_is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* RFC 3986 2.2 and 2.3: unreserved and reserved characters ('%' is
 * handled by the caller). */
static bool uri_char_ok(int ch)
{
    return tk_char_is_alnum(ch) || (ch > 0 && strchr("-._~:/?#[]@!$&'()*+,;=", ch) != NULL);
}

static bool uri_scheme_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '+' || ch == '-' || ch == '.';
}

static enum tk_status uri_bad_char(int ch, size_t pos, struct tk_error *err)
{
    if (ch == ' ' || ch == '\t')
        return tk_record_error(err, TK_INVALID, "contains white space (position %zu)", pos);
    if (ch == '<' || ch == '>')
        return tk_record_error(err, TK_INVALID, "angle brackets are not part of a URI");
    return tk_record_error(err, TK_INVALID, "byte 0x%02x at position %zu is not allowed in a URI",
                           (unsigned)ch, pos);
}

/* uri_chars_check: every byte is a URI character; '%' has two hex digits. */
static enum tk_status uri_chars_check(struct tk_span s, struct tk_error *err)
{
    struct tk_cursor c;
    int ch;

    tk_cursor_init(&c, s.p, s.len);
    while ((ch = tk_cursor_next(&c)) != -1) {
        if (ch == '%') {
            if (!uri_is_hex(tk_cursor_next(&c)) || !uri_is_hex(tk_cursor_next(&c)))
                return tk_record_error(err, TK_INVALID, "'%%' not followed by two hex digits");
        } else if (!uri_char_ok(ch)) {
            return uri_bad_char(ch, c.pos, err);
        }
    }
    return TK_OK;
}

static bool uri_domain(struct tk_span d, struct tk_report_uri *out)
{
    struct tk_cursor c;
    struct tk_span any;

    tk_cursor_init(&c, d.p, d.len);
    tk_cursor_span_until(&c, '*', &any);
    if (!tk_cursor_eof(&c)) /* a wildcard is not a destination */
        return false;
    if (tk_domain_normalise(d.p, d.len, out->domain, NULL) != TK_OK) {
        out->domain[0] = '\0';
        return false;
    }
    out->has_domain = true;
    return true;
}

/* uri_mailto: "local@domain" with optional "?hfields" (RFC 6068 2). */
static void uri_mailto(struct tk_span rest, struct tk_report_uri *out)
{
    struct tk_cursor c, d;
    struct tk_span addr, local, dom, other;

    tk_cursor_init(&c, rest.p, rest.len);
    tk_cursor_span_until(&c, '?', &addr);
    tk_cursor_init(&d, addr.p, addr.len);
    tk_cursor_span_until(&d, '@', &local);
    if (!tk_cursor_take(&d, '@') || local.len == 0)
        return;
    tk_cursor_rest(&d, &dom);
    tk_cursor_init(&d, dom.p, dom.len);
    tk_cursor_span_until(&d, '@', &other);
    if (!tk_cursor_eof(&d)) /* a second '@' */
        return;
    uri_domain(dom, out);
}

static bool uri_auth_char(int ch)
{
    return ch != '/' && ch != '?' && ch != '#';
}

/* uri_https: "//[userinfo@]host[:port][/path...]" (RFC 3986 3.2). */
static void uri_https(struct tk_span rest, struct tk_report_uri *out)
{
    struct tk_cursor c;
    struct tk_span auth, host;

    tk_cursor_init(&c, rest.p, rest.len);
    if (!tk_cursor_take(&c, '/') || !tk_cursor_take(&c, '/'))
        return;
    tk_cursor_span_while(&c, uri_auth_char, &auth);
    tk_cursor_init(&c, auth.p, auth.len);
    tk_cursor_span_until(&c, '@', &host);
    if (tk_cursor_take(&c, '@'))
        tk_cursor_rest(&c, &host);
    tk_cursor_init(&c, host.p, host.len);
    tk_cursor_span_until(&c, ':', &host);
    if (host.len > 0)
        uri_domain(host, out);
}

enum tk_status tk_report_uri_check(struct tk_span s, struct tk_report_uri *out,
                                   struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span scheme, rest;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    if (s.len == 0)
        return tk_record_error(err, TK_INVALID, "empty URI");
    st = uri_chars_check(s, err);
    if (st != TK_OK)
        return st;
    tk_cursor_init(&c, s.p, s.len);
    if (!tk_char_is_alpha(tk_cursor_peek(&c)))
        return tk_record_error(err, TK_INVALID, "does not begin with a scheme such as mailto:");
    tk_cursor_span_while(&c, uri_scheme_char, &scheme);
    if (!tk_cursor_take(&c, ':'))
        return tk_record_error(err, TK_INVALID, "no scheme: write mailto:address");
    tk_cursor_rest(&c, &rest);
    if (rest.len == 0)
        return tk_record_error(err, TK_INVALID, "nothing after the scheme");
    if (tk_span_eq_ci(scheme, "mailto")) {
        out->is_mailto = true;
        uri_mailto(rest, out);
    } else if (tk_span_eq_ci(scheme, "https")) {
        out->is_https = true;
        uri_https(rest, out);
    }
    return TK_OK;
}

/* repair_put appends ch to out; false when it does not fit. */
static bool repair_put(char *out, size_t outsz, size_t *n, int ch)
{
    if (*n + 1 >= outsz)
        return false;
    out[(*n)++] = (char)ch;
    out[*n] = '\0';
    return true;
}

static bool repair_puts(char *out, size_t outsz, size_t *n, const char *s)
{
    for (; *s; s++)
        if (!repair_put(out, outsz, n, (unsigned char)*s))
            return false;
    return true;
}

static bool repair_has_colon(struct tk_cursor c)
{
    tk_cursor_span_until(&c, ':', NULL);
    return !tk_cursor_eof(&c);
}

bool tk_report_uri_repair(struct tk_span s, char *out, size_t outsz)
{
    struct tk_cursor c;
    struct tk_report_uri u;
    struct tk_span fixed;
    size_t n = 0;
    int ch;

    if (outsz == 0)
        return false;
    out[0] = '\0';
    tk_cursor_init(&c, s.p, s.len);
    tk_cursor_skip_wsp(&c);
    tk_cursor_take(&c, '<');
    if (!tk_cursor_take_ci(&c, "mailto:") && repair_has_colon(c))
        return false; /* another scheme: not ours to guess */
    if (!repair_puts(out, outsz, &n, "mailto:"))
        return false;
    while ((ch = tk_cursor_next(&c)) != -1) {
        if (ch == ' ' || ch == '\t' || ch == '<' || ch == '>')
            continue;
        if (!repair_put(out, outsz, &n, ch))
            goto fail;
    }
    fixed.p = out;
    fixed.len = n;
    if (tk_report_uri_check(fixed, &u, NULL) == TK_OK && u.is_mailto && u.has_domain)
        return true;
fail:
    out[0] = '\0';
    return false;
}
