/*
 * NAME
 *	authres.c - write, read and strip Authentication-Results (RFC 8601)
 * DESCRIPTION
 *	The reader is a small recursive-descent parser over a tk_cursor
 *	(no recursion: each production is a loop). CFWS is skipped before
 *	and after every item; comments nest, counted to a bound. Values are
 *	RFC 2045 tokens or quoted strings; property values may also be
 *	"local@domain" unquoted, as RFC 8601 2.2 pvalue allows, and are
 *	read leniently (a header.b= of base64 holds '/' and '=' that many
 *	writers do not quote).
 *
 *	The writer quotes what is not a token and refuses bytes that do not
 *	belong in a header field.
 * STANDARDS
 *	RFC 8601 2.2-2.7, 5; RFC 2045 5.1; RFC 5322 3.2.2, 3.2.4.
 * LIMITS
 *	See authres.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authres.h"
#include "core/cursor.h"
#include "core/domain.h"

/* ---- characters ---- */

/* RFC 2045 5.1 token: CHAR but SPACE, CTLs and tspecials. */
static bool authres_is_token_char(int ch)
{
    return ch > 32 && ch < 127 && strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

/* RFC 8601 Keyword = Let-dig [Ldh-str]; '_' is accepted in reading, as
 * some writers use it. */
static bool authres_is_keyword_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '-' || ch == '_';
}

/* Unquoted property values: printable ASCII but the delimiters. */
static bool authres_is_pvalue_char(int ch)
{
    return ch > 32 && ch < 127 && strchr(";()\"\\", ch) == NULL;
}

static bool authres_is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* ---- writing ---- */

static bool text_is_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
            return false;
    return true;
}

static bool text_all(const char *s, bool (*pred)(int ch))
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!pred((unsigned char)*s))
            return false;
    return true;
}

/* value_is_mailbox is true for "[local]@domain" with a dot-atom local
 * part and a token domain: RFC 8601 lets a pvalue be written so. */
static bool value_is_mailbox(const char *s)
{
    const char *at = strchr(s, '@');
    const char *p;

    if (at == NULL || strchr(at + 1, '@') != NULL || !text_all(at + 1, authres_is_token_char))
        return false;
    for (p = s; p < at; p++)
        if (!authres_is_token_char((unsigned char)*p))
            return false;
    return true;
}

/* put_quoted writes s as a quoted-string. */
static enum tk_status put_quoted(struct tk_buf *out, const char *s)
{
    enum tk_status st = tk_buf_putc(out, '"');

    for (; *s && st == TK_OK; s++) {
        if (*s == '"' || *s == '\\')
            st = tk_buf_putc(out, '\\');
        if (st == TK_OK)
            st = tk_buf_putc(out, *s);
    }
    return st == TK_OK ? tk_buf_putc(out, '"') : st;
}

static enum tk_status put_value(struct tk_buf *out, const char *s, bool pvalue)
{
    if (text_all(s, authres_is_token_char) || (pvalue && value_is_mailbox(s)))
        return tk_buf_puts(out, s);
    return put_quoted(out, s);
}

/* put_comment writes "(text)" with parentheses and backslashes inside
 * escaped, so the comment always ends where we say. */
static enum tk_status put_comment(struct tk_buf *out, const char *s)
{
    enum tk_status st = tk_buf_puts(out, " (");

    for (; *s && st == TK_OK; s++) {
        if (*s == '(' || *s == ')' || *s == '\\')
            st = tk_buf_putc(out, '\\');
        if (st == TK_OK)
            st = tk_buf_putc(out, *s);
    }
    return st == TK_OK ? tk_buf_putc(out, ')') : st;
}

static enum tk_status method_check(const struct tk_authres_method *m, struct tk_error *err)
{
    size_t i;

    if (m->method == NULL || !text_all(m->method, authres_is_keyword_char))
        return tk_error_set(err, TK_INVALID,
                            "Authentication-Results: a method name must be a "
                            "keyword (letters, digits, '-')");
    if ((m->comment && !text_is_printable(m->comment)) ||
        (m->reason && !text_is_printable(m->reason)))
        return tk_error_set(err, TK_INVALID,
                            "Authentication-Results: %s: a comment or reason "
                            "holds a control byte or non-ASCII",
                            m->method);
    if (m->nprops > TK_AUTHRES_PROPS_MAX)
        return tk_error_set(err, TK_LIMIT, "Authentication-Results: %s: more than %d properties",
                            m->method, TK_AUTHRES_PROPS_MAX);
    for (i = 0; i < m->nprops; i++) {
        const struct tk_authres_prop *p = &m->props[i];

        if (!p->ptype || !p->property || !p->value ||
            !text_all(p->ptype, authres_is_keyword_char) ||
            !text_all(p->property, authres_is_keyword_char) || !text_is_printable(p->value))
            return tk_error_set(err, TK_INVALID,
                                "Authentication-Results: %s: property %zu is not "
                                "ptype.property=printable-value",
                                m->method, i + 1);
    }
    return TK_OK;
}

static enum tk_status method_put(struct tk_buf *out, const struct tk_authres_method *m)
{
    enum tk_status st = tk_buf_printf(out, "; %s=%s", m->method, tk_auth_result_name(m->result));
    size_t i;

    if (st == TK_OK && m->comment && m->comment[0])
        st = put_comment(out, m->comment);
    if (st == TK_OK && m->reason) {
        st = tk_buf_puts(out, " reason=");
        if (st == TK_OK)
            st = put_quoted(out, m->reason);
    }
    for (i = 0; st == TK_OK && i < m->nprops; i++) {
        st = tk_buf_printf(out, " %s.%s=", m->props[i].ptype, m->props[i].property);
        if (st == TK_OK)
            st = put_value(out, m->props[i].value, true);
    }
    return st;
}

enum tk_status tk_authres_format(const char *authserv_id, const struct tk_authres_method *m,
                                 size_t n, struct tk_buf *out, struct tk_error *err)
{
    size_t before = out->len, i;
    enum tk_status st;

    if (authserv_id == NULL || authserv_id[0] == '\0' || !text_is_printable(authserv_id))
        return tk_error_set(err, TK_INVALID,
                            "Authentication-Results: the authserv-id must be "
                            "printable ASCII (a host name)");
    for (i = 0; i < n; i++)
        if ((st = method_check(&m[i], err)) != TK_OK)
            return st;
    st = put_value(out, authserv_id, false);
    if (st == TK_OK && n == 0)
        st = tk_buf_puts(out, "; none");
    for (i = 0; st == TK_OK && i < n; i++)
        st = method_put(out, &m[i]);
    if (st != TK_OK) {
        tk_buf_truncate(out, before);
        return tk_error_set(err, st, "Authentication-Results: out of room writing the field");
    }
    return TK_OK;
}

/* ---- reading ---- */

struct ar_reader {
    struct tk_cursor c;
    enum tk_status st; /* sticky: the first failure */
    struct tk_error *err;
};

static bool ar_ok(const struct ar_reader *r)
{
    return r->st == TK_OK;
}

static void ar_fail(struct ar_reader *r, enum tk_status st, const char *what)
{
    if (r->st != TK_OK)
        return;
    r->st = st;
    tk_error_set(r->err, st, "Authentication-Results: %s (at byte %zu)", what, r->c.pos + 1);
}

/* ar_cfws skips white space, folding and comments. */
static void ar_cfws(struct ar_reader *r)
{
    int ch;

    while (ar_ok(r) && (ch = tk_cursor_peek(&r->c)) >= 0) {
        unsigned depth = 0;

        if (authres_is_space(ch)) {
            tk_cursor_next(&r->c);
            continue;
        }
        if (ch != '(')
            return;
        do {
            ch = tk_cursor_next(&r->c);
            if (ch == '\\')
                ch = tk_cursor_next(&r->c) < 0 ? -1 : 0;
            else if (ch == '(' && ++depth > TK_AUTHRES_COMMENT_DEPTH_MAX) {
                ar_fail(r, TK_LIMIT, "comments nested deeper than the limit");
                return;
            } else if (ch == ')')
                depth--;
        } while (ch >= 0 && depth > 0);
        if (depth > 0)
            ar_fail(r, TK_INVALID, "a comment that is not closed");
    }
}

/* ar_put appends ch to out (n bytes so far, room for max). */
static void ar_put(struct ar_reader *r, char *out, size_t *n, int ch)
{
    if (*n >= TK_AUTHRES_VALUE_MAX) {
        ar_fail(r, TK_LIMIT, "a value longer than the limit");
        return;
    }
    out[(*n)++] = (char)ch;
    out[*n] = '\0';
}

/* ar_quoted reads a quoted-string, the '"' not yet read, unquoted. */
static void ar_quoted(struct ar_reader *r, char *out, size_t *n)
{
    int ch;

    tk_cursor_next(&r->c);
    while (ar_ok(r) && (ch = tk_cursor_next(&r->c)) >= 0) {
        if (ch == '"')
            return;
        if (ch == '\\' && (ch = tk_cursor_next(&r->c)) < 0)
            break;
        if (ch == '\r' || ch == '\n')
            continue; /* folding inside the quotes */
        if (ch == '\0') {
            ar_fail(r, TK_INVALID, "a NUL byte in a quoted string");
            return;
        }
        ar_put(r, out, n, ch);
    }
    ar_fail(r, TK_INVALID, "a quoted string that is not closed");
}

/* ar_run reads bytes while pred holds, appending them to out. */
static void ar_run(struct ar_reader *r, bool (*pred)(int ch), char *out, size_t *n)
{
    while (ar_ok(r) && tk_cursor_peek(&r->c) >= 0 && pred(tk_cursor_peek(&r->c)))
        ar_put(r, out, n, tk_cursor_next(&r->c));
}

/* ar_value reads an RFC 2045 value (token or quoted-string) into out
 * (TK_AUTHRES_VALUE_MAX + 1 bytes). */
static void ar_value(struct ar_reader *r, char *out, const char *what)
{
    size_t n = 0;

    out[0] = '\0';
    if (tk_cursor_peek(&r->c) == '"') {
        ar_quoted(r, out, &n);
        return;
    }
    ar_run(r, authres_is_token_char, out, &n);
    if (n == 0)
        ar_fail(r, TK_INVALID, what);
}

static void ar_keyword(struct ar_reader *r, char *out, const char *what)
{
    size_t n = 0, i;

    out[0] = '\0';
    ar_run(r, authres_is_keyword_char, out, &n);
    if (n == 0)
        ar_fail(r, TK_INVALID, what);
    for (i = 0; i < n; i++)
        out[i] = (char)tk_ascii_lower((unsigned char)out[i]);
}

/* ar_pvalue reads a property value: a quoted local part and "@domain",
 * or unquoted text. */
static void ar_pvalue(struct ar_reader *r, char *out)
{
    size_t n = 0;

    out[0] = '\0';
    if (tk_cursor_peek(&r->c) == '"') {
        ar_quoted(r, out, &n);
        if (!ar_ok(r) || tk_cursor_peek(&r->c) != '@')
            return;
    }
    ar_run(r, authres_is_pvalue_char, out, &n);
}

static unsigned ar_number(struct ar_reader *r)
{
    unsigned v = 0;
    size_t digits = 0;

    while (tk_char_is_digit(tk_cursor_peek(&r->c)) && digits++ < 9)
        v = v * 10 + (unsigned)(tk_cursor_next(&r->c) - '0');
    if (digits == 0 || tk_char_is_digit(tk_cursor_peek(&r->c)))
        ar_fail(r, TK_INVALID, "a version that is not a small number");
    return v;
}

static void ar_expect(struct ar_reader *r, int ch, const char *what)
{
    ar_cfws(r);
    if (ar_ok(r) && !tk_cursor_take(&r->c, ch))
        ar_fail(r, TK_INVALID, what);
    ar_cfws(r);
}

/* ar_props reads reason= and ptype.property=value up to ';' or the end. */
static void ar_props(struct ar_reader *r, struct tk_authres_resinfo *ri)
{
    char ptype[TK_AUTHRES_VALUE_MAX + 1];

    ar_cfws(r);
    while (ar_ok(r) && !tk_cursor_eof(&r->c) && tk_cursor_peek(&r->c) != ';') {
        struct tk_authres_pvalue *pv;

        ar_keyword(r, ptype, "expected reason= or ptype.property=value");
        ar_cfws(r);
        if (ar_ok(r) && strcmp(ptype, "reason") == 0 && tk_cursor_peek(&r->c) == '=') {
            ar_expect(r, '=', "expected '=' after reason");
            ar_value(r, ri->reason, "an empty reason");
            ri->has_reason = ar_ok(r);
            ar_cfws(r);
            continue;
        }
        if (ar_ok(r) && ri->nprops >= TK_AUTHRES_PROPS_MAX) {
            ar_fail(r, TK_LIMIT, "more properties in one result than the limit");
            return;
        }
        if (!ar_ok(r))
            return;
        pv = &ri->props[ri->nprops];
        memcpy(pv->ptype, ptype, sizeof(pv->ptype));
        ar_expect(r, '.', "expected '.' between ptype and property");
        ar_keyword(r, pv->property, "expected a property name");
        ar_expect(r, '=', "expected '=' after the property");
        ar_pvalue(r, pv->value);
        ri->nprops += ar_ok(r);
        ar_cfws(r);
    }
}

/* ar_resinfo reads method[/version]=result and its properties, the ';'
 * before it already read. */
static void ar_resinfo(struct ar_reader *r, struct tk_authres_resinfo *ri)
{
    ar_keyword(r, ri->method, "expected a method name after ';'");
    ar_cfws(r);
    if (ar_ok(r) && tk_cursor_take(&r->c, '/')) {
        ar_cfws(r);
        ri->method_version = ar_number(r);
    }
    ar_expect(r, '=', "expected '=' after the method");
    ar_keyword(r, ri->result_name, "expected a result after '='");
    if (ar_ok(r))
        ri->result_known =
            tk_auth_result_parse(ri->result_name, strlen(ri->result_name), &ri->result);
    ar_props(r, ri);
}

/* ar_head reads [CFWS] authserv-id [CFWS version] [CFWS]. */
static void ar_head(struct ar_reader *r, struct tk_authres *out)
{
    ar_cfws(r);
    ar_value(r, out->authserv_id, "no authserv-id");
    if (ar_ok(r) && out->authserv_id[0] == '\0')
        ar_fail(r, TK_INVALID, "an empty authserv-id");
    ar_cfws(r);
    out->version = 1;
    if (ar_ok(r) && tk_char_is_digit(tk_cursor_peek(&r->c))) {
        out->version = ar_number(r);
        ar_cfws(r);
    }
}

/* ar_none is true (and consumes it) when what follows the first ';'
 * is "none" and nothing else. */
static bool ar_none(struct ar_reader *r)
{
    struct tk_cursor save = r->c;

    if (!tk_cursor_take_ci(&r->c, "none") || authres_is_keyword_char(tk_cursor_peek(&r->c))) {
        r->c = save;
        return false;
    }
    ar_cfws(r);
    if (ar_ok(r) && tk_cursor_eof(&r->c))
        return true;
    r->c = save;
    return false;
}

enum tk_status tk_authres_parse(const char *value, size_t len, struct tk_authres *out,
                                struct tk_error *err)
{
    struct ar_reader r;

    /* only what is read is cleared: the struct is large, a field small */
    memset(out, 0, offsetof(struct tk_authres, results));
    memset(&r, 0, sizeof(r));
    tk_cursor_init(&r.c, value, len);
    r.err = err;
    ar_head(&r, out);
    if (ar_ok(&r) && tk_cursor_eof(&r.c))
        ar_fail(&r, TK_INVALID, "no result after the authserv-id (write '; none')");
    while (ar_ok(&r) && !tk_cursor_eof(&r.c)) {
        ar_expect(&r, ';', "expected ';' before a result");
        if (!ar_ok(&r) || tk_cursor_eof(&r.c))
            break; /* a trailing ';' is tolerated */
        if (out->nresults == 0 && ar_none(&r)) {
            out->none = true;
            break;
        }
        if (out->nresults >= TK_AUTHRES_RESULTS_MAX) {
            ar_fail(&r, TK_LIMIT, "more results than the limit");
            break;
        }
        memset(&out->results[out->nresults], 0, sizeof(out->results[0]));
        ar_resinfo(&r, &out->results[out->nresults]);
        out->nresults += ar_ok(&r);
    }
    if (ar_ok(&r) && out->nresults == 0 && !out->none)
        ar_fail(&r, TK_INVALID, "no result after the authserv-id (write '; none')");
    return r.st;
}

/* ---- removing forged fields ---- */

/* id_equal compares ignoring ASCII case and one trailing dot on
 * either side. */
static bool id_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b), i;

    if (alen > 1 && a[alen - 1] == '.')
        alen--;
    if (blen > 1 && b[blen - 1] == '.')
        blen--;
    if (alen != blen || alen == 0)
        return false;
    for (i = 0; i < alen; i++)
        if (tk_ascii_lower((unsigned char)a[i]) != tk_ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

/* id_as_word is the fallback for a field that cannot be read: our id
 * anywhere before the first ';', with no token byte on either side. */
static bool id_as_word(const char *value, size_t len, const char *id)
{
    size_t idlen = strlen(id), i, end;
    const char *semi = memchr(value, ';', len);

    end = semi ? (size_t)(semi - value) : len;
    for (i = 0; idlen > 0 && i + idlen <= end; i++) {
        if (i > 0 && authres_is_token_char((unsigned char)value[i - 1]))
            continue;
        if (i + idlen < end && authres_is_token_char((unsigned char)value[i + idlen]) &&
            value[i + idlen] != '.')
            continue;
        if (id_equal(value + i, idlen, id))
            return true;
    }
    return false;
}

bool tk_authres_claims_id(const char *value, size_t len, const char *authserv_id)
{
    char id[TK_AUTHRES_VALUE_MAX + 1];
    struct ar_reader r;

    if (authserv_id == NULL || authserv_id[0] == '\0')
        return false;
    memset(&r, 0, sizeof(r));
    tk_cursor_init(&r.c, value, len);
    ar_cfws(&r);
    ar_value(&r, id, "no authserv-id");
    if (ar_ok(&r) && id[0] != '\0')
        return id_equal(id, strlen(id), authserv_id);
    return id_as_word(value, len, authserv_id);
}

enum tk_status tk_authres_find_ours(const struct tk_msg *m, const char *authserv_id,
                                    struct tk_authres_strip *out, size_t max, size_t *n)
{
    size_t i, ordinal = 0;

    *n = 0;
    for (i = 0; i < m->nfields; i++) {
        struct tk_span v;

        if (!tk_msg_field_is(m, i, "Authentication-Results"))
            continue;
        ordinal++;
        v = tk_msg_field_value(m, i);
        if (!tk_authres_claims_id(v.p, v.len, authserv_id))
            continue;
        if (*n < max) {
            out[*n].field = i;
            out[*n].ordinal = ordinal;
        }
        (*n)++;
    }
    return *n > max ? TK_LIMIT : TK_OK;
}
