/*
 * NAME
 *	version.c - the version tag that opens a TLS-RPT or MTA-STS record
 * DESCRIPTION
 *	One reading of "v=<value>" for the two record types whose version
 *	tag RFC 8460 and RFC 8461 write alike (%s literal, first, no white
 *	space). See version.h for what counts as a near miss.
 * STANDARDS
 *	RFC 8460 3, RFC 8461 3.1.
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes (more is TK_LIMIT); the late-tag search
 *	reads at most TK_TAGS_MAX tags through tk_taglist.
 * SECURITY
 *	Input is read only through tk_cursor and tk_taglist; messages quote
 *	only value, which is the caller's constant.
 */
#include "record/version.h"

#include "core/cursor.h"
#include "record/recerr.h"
#include "record/taglist.h"

/* version_take consumes "v=" value if the input starts with it, byte for
 * byte (RFC 8460 and 8461 %s literals are case-sensitive); on false c is
 * left part way. */
static bool version_take(struct tk_cursor *c, const char *value)
{
    if (!tk_cursor_take(c, 'v') || !tk_cursor_take(c, '='))
        return false;
    for (; *value; value++)
        if (!tk_cursor_take(c, (unsigned char)*value))
            return false;
    return true;
}

bool tk_record_version_is(const char *txt, size_t len, const char *value)
{
    struct tk_cursor c;
    int next;

    tk_cursor_init(&c, txt, txt ? len : 0);
    if (!version_take(&c, value))
        return false;
    next = tk_cursor_peek(&c);
    return next == -1 || next == ';' || tk_char_is_wsp(next);
}

/* version_near_miss: the first segment is v=<value> but for case or
 * white space, so senders discard a record that was meant. */
static bool version_near_miss(const char *txt, size_t len, const char *value)
{
    struct tk_cursor c;
    struct tk_span seg, name, v;

    tk_cursor_init(&c, txt, len);
    tk_cursor_span_while(&c, tk_char_is_fws, NULL);
    tk_cursor_span_until(&c, ';', &seg);
    tk_cursor_init(&c, seg.p, seg.len);
    tk_cursor_span_until(&c, '=', &name);
    if (!tk_cursor_take(&c, '='))
        return false;
    tk_cursor_rest(&c, &v);
    return tk_span_eq_ci(tk_span_trim_wsp(name), "v") &&
           tk_span_startswith_ci(tk_span_trim_wsp(v), value);
}

/* version_late: v=<value> written, but not first. */
static bool version_late(const char *txt, size_t len, const char *value)
{
    struct tk_taglist tl;
    size_t i;

    if (tk_taglist_parse(txt, len, &tl, NULL) != TK_OK)
        return false;
    for (i = 0; i < tl.n; i++)
        if (tk_span_eq_ci(tl.tags[i].name, "v") && tk_span_eq_ci(tl.tags[i].value, value))
            return true;
    return false;
}

enum tk_status tk_record_version(const char *txt, size_t len, const char *value, const char *what,
                                 struct tk_error *err)
{
    struct tk_cursor c;

    if (txt == NULL)
        return tk_record_error(err, TK_ABSENT, "no record");
    if (tk_record_check_len(len, err) != TK_OK)
        return TK_LIMIT;
    if (!tk_record_version_is(txt, len, value)) {
        if (version_near_miss(txt, len, value))
            return tk_record_error(err, TK_INVALID,
                                   "the record must begin exactly v=%s (lower-case v, no space "
                                   "before it or around '='): senders discard it as it is",
                                   value);
        if (version_late(txt, len, value))
            return tk_record_error(err, TK_INVALID,
                                   "v=%s must be the first tag: senders discard the record as it "
                                   "is",
                                   value);
        return tk_record_error(err, TK_ABSENT, "not %s (no v=%s first)", what, value);
    }
    tk_cursor_init(&c, txt, len);
    version_take(&c, value);
    tk_cursor_skip_wsp(&c);
    if (!tk_cursor_eof(&c) && tk_cursor_peek(&c) != ';')
        return tk_record_error(err, TK_INVALID,
                               "put ';' after v=%s: senders read the rest as part of it", value);
    return TK_OK;
}
