/*
 * NAME
 *	mtasts.c - MTA-STS TXT record and policy file parsers
 * SUMMARY
 *	"v=STSv1; id=20240101T000000;" to a tk_mtasts_txt; the policy file
 *	("version: STSv1\r\nmode: enforce\r\nmx: *.gov.nz\r\nmax_age: ...")
 *	to a tk_mtasts_policy; mx pattern matching.
 * DESCRIPTION
 *	RFC 8461 writes every literal with %s: "v=STSv1", "id=", the policy
 *	keys and the mode values are case-sensitive. A TXT record that was
 *	plainly meant as MTA-STS but that senders discard ("V=STSv1", a
 *	leading space) is TK_INVALID with the fix, not TK_ABSENT. A policy
 *	key written in another case is an unknown key (senders ignore it)
 *	and gets a note naming the key meant. When a key is repeated the
 *	first one counts; the others get a note. Policy lines may end in
 *	CRLF or LF (RFC 8461 3.2 allows both; LF-only files get one note,
 *	since the text says CRLF). Blank lines and white space at either
 *	end of a line are tolerated.
 * STANDARDS
 *	RFC 8461 3.1 (TXT), 3.2 (policy), 4.1 (mx matching).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes of TXT; TK_MTASTS_POLICY_MAX bytes of
 *	policy; TK_MX_MAX mx patterns (more is TK_LIMIT: dropping one would
 *	make a covered MX host look uncovered); max_age 1 to 10 digits, at
 *	most TK_MTASTS_MAX_AGE_MAX.
 * SECURITY
 *	Input is read only through tk_cursor and tk_taglist; notes and
 *	errors quote at most MTASTS_SHOW_MAX bytes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/cursor.h"
#include "core/domain.h"
#include "record/mtasts.h"
#include "record/recerr.h"
#include "record/taglist.h"
#include "record/version.h"

#define MTASTS_SHOW_MAX 60
#define SHOW(s) (int)((s).len > MTASTS_SHOW_MAX ? MTASTS_SHOW_MAX : (s).len), (s).p

#define MTASTS_VERSION "STSv1"
/* RFC 8461 3.1, 3.2: extension names are at most 32 characters. */
#define MTASTS_EXT_NAME_MAX 32
/* RFC 8461 3.2: sts-policy-max-age-value = 1*10(DIGIT). */
#define MTASTS_MAX_AGE_DIGITS 10

static bool mtasts_ext_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

/* mtasts_ext_name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."). */
static bool mtasts_ext_name(struct tk_span s)
{
    struct tk_cursor c;

    if (s.len == 0 || s.len > MTASTS_EXT_NAME_MAX)
        return false;
    tk_cursor_init(&c, s.p, s.len);
    if (!tk_char_is_alnum(tk_cursor_peek(&c)))
        return false;
    tk_cursor_span_while(&c, mtasts_ext_char, NULL);
    return tk_cursor_eof(&c);
}

const char *tk_mtasts_mode_name(enum tk_mtasts_mode mode)
{
    switch (mode) {
    case TK_MTASTS_MODE_ENFORCE:
        return "enforce";
    case TK_MTASTS_MODE_TESTING:
        return "testing";
    case TK_MTASTS_MODE_NONE:
        return "none";
    default:
        return "";
    }
}

/* ---- TXT record (RFC 8461 3.1) ---- */

bool tk_mtasts_txt_is_record(const char *txt, size_t len)
{
    return tk_record_version_is(txt, len, MTASTS_VERSION);
}

/* mtasts_txt_spacing notes white space around '=' (RFC 8461 allows
 * none there): "id = 1" is read as id=1 by the splitter, not by all
 * senders. */
static void mtasts_txt_spacing(const char *txt, size_t len, struct tk_mtasts_txt *out)
{
    struct tk_cursor c, s;
    struct tk_span seg, name;

    tk_cursor_init(&c, txt, len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_until(&c, ';', &seg);
        tk_cursor_take(&c, ';');
        tk_cursor_init(&s, seg.p, seg.len);
        tk_cursor_span_while(&s, tk_char_is_fws, NULL);
        tk_cursor_span_until(&s, '=', &name);
        if (!tk_cursor_take(&s, '='))
            continue;
        if (tk_span_trim_wsp(name).len != name.len || tk_char_is_wsp(tk_cursor_peek(&s))) {
            tk_notes_add(&out->notes,
                         "white space around '=' in '%.*s': RFC 8461 allows none; remove it",
                         SHOW(tk_span_trim_wsp(seg)));
            return;
        }
    }
}

/* mtasts_id_fix writes the letters and digits of v (at most 32) to fix. */
static void mtasts_id_fix(struct tk_span v, char fix[TK_MTASTS_ID_MAX + 1])
{
    struct tk_cursor c;
    size_t n = 0;
    int ch;

    tk_cursor_init(&c, v.p, v.len);
    while ((ch = tk_cursor_next(&c)) != -1 && n < TK_MTASTS_ID_MAX)
        if (tk_char_is_alnum(ch))
            fix[n++] = (char)ch;
    fix[n] = '\0';
}

static enum tk_status mtasts_txt_id(struct tk_span v, struct tk_mtasts_txt *out,
                                    struct tk_error *err)
{
    struct tk_cursor c;
    char fix[TK_MTASTS_ID_MAX + 1];

    tk_cursor_init(&c, v.p, v.len);
    tk_cursor_span_while(&c, tk_char_is_alnum, NULL);
    if (v.len > 0 && v.len <= TK_MTASTS_ID_MAX && tk_cursor_eof(&c)) {
        memcpy(out->id, v.p, v.len);
        out->id[v.len] = '\0';
        return TK_OK;
    }
    mtasts_id_fix(v, fix);
    if (fix[0] == '\0')
        return tk_record_error(err, TK_INVALID,
                               "id=%.*s is not 1 to 32 letters and digits: write an id such as "
                               "id=20240101T000000",
                               SHOW(v));
    return tk_record_error(err, TK_INVALID,
                           "id=%.*s is not 1 to 32 letters and digits: write id=%s", SHOW(v), fix);
}

static void mtasts_txt_bad(struct tk_mtasts_txt *out, const struct tk_taglist_bad *bad)
{
    struct tk_cursor c;
    struct tk_span name;

    tk_cursor_init(&c, bad->text.p, bad->text.len);
    tk_cursor_span_while(&c, mtasts_ext_char, &name);
    if (mtasts_ext_name(name) && tk_cursor_take(&c, '='))
        tk_notes_add(&out->notes, "extension tag '%.*s=' ignored", SHOW(name));
    else
        tk_notes_add(&out->notes, "'%.*s' is not a tag (%s): senders may discard the record",
                     SHOW(bad->text), bad->why);
}

/* mtasts_txt_tags applies every tag; *id is the first id= value. */
static void mtasts_txt_tags(const struct tk_taglist *tl, struct tk_mtasts_txt *out,
                            const struct tk_span **id)
{
    size_t i;

    for (i = 0; i < tl->n; i++) {
        const struct tk_tag *t = &tl->tags[i];

        if (tk_span_eq(t->name, "id") && *id == NULL)
            *id = &t->value;
        else if (tk_span_eq(t->name, "id"))
            tk_notes_add(&out->notes, "id= appears twice: senders may use either; keep one");
        else if (i == 0 && tk_span_eq(t->name, "v"))
            continue;
        else if (tk_span_eq(t->name, "v"))
            tk_notes_add(&out->notes, "v= appears again: remove it");
        else if (tk_span_eq_ci(t->name, "id") || tk_span_eq_ci(t->name, "v"))
            tk_notes_add(&out->notes, "tag '%.*s=' is ignored: tag names are case-sensitive",
                         SHOW(t->name));
        else
            tk_notes_add(&out->notes, "extension tag '%.*s=' ignored", SHOW(t->name));
    }
    for (i = 0; i < tl->nbad && i < TK_TAGLIST_BAD_MAX; i++)
        mtasts_txt_bad(out, &tl->bad[i]);
}

bool tk_mtasts_txt_is_candidate(const char *txt, size_t len)
{
    return tk_record_version(txt, len, MTASTS_VERSION, "an MTA-STS record", NULL) != TK_ABSENT;
}

enum tk_status tk_mtasts_txt_parse(const char *txt, size_t len, struct tk_mtasts_txt *out,
                                   struct tk_error *err)
{
    struct tk_taglist tl;
    const struct tk_span *id = NULL;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    st = tk_record_version(txt, len, MTASTS_VERSION, "an MTA-STS record", err);
    if (st == TK_OK)
        st = tk_taglist_parse(txt, len, &tl, err);
    if (st != TK_OK)
        return st;
    mtasts_txt_spacing(txt, len, out);
    mtasts_txt_tags(&tl, out, &id);
    if (id == NULL)
        return tk_record_error(err, TK_INVALID,
                               "id= is missing: write v=STSv1; id=20240101T000000 (change the id "
                               "whenever the policy changes)");
    return mtasts_txt_id(*id, out, err);
}

/* ---- policy file (RFC 8461 3.2) ---- */

struct policy_parse {
    struct tk_mtasts_policy *out;
    struct tk_error *err;
    unsigned line;
    bool version, mode, max_age; /* seen */
};

static enum tk_status policy_fail(struct policy_parse *pp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* policy_fail sets err to "line N: <message>". */
static enum tk_status policy_fail(struct policy_parse *pp, const char *fmt, ...)
{
    char msg[TK_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return tk_record_error(pp->err, TK_INVALID, "line %u: %s", pp->line, msg);
}

/* policy_once: true the first time a key is seen; later ones are noted. */
static bool policy_once(struct policy_parse *pp, bool *seen, const char *key)
{
    if (!*seen) {
        *seen = true;
        return true;
    }
    tk_notes_add(&pp->out->notes, "line %u: %s repeated: the first one counts; remove this one",
                 pp->line, key);
    return false;
}

static enum tk_status policy_version(struct policy_parse *pp, struct tk_span v)
{
    if (!policy_once(pp, &pp->version, "version"))
        return TK_OK;
    if (!tk_span_eq(v, "STSv1"))
        return policy_fail(pp, "version: %.*s is not STSv1: write version: STSv1", SHOW(v));
    return TK_OK;
}

static enum tk_status policy_mode(struct policy_parse *pp, struct tk_span v)
{
    static const struct {
        const char *name;
        enum tk_mtasts_mode mode;
    } modes[] = {{"enforce", TK_MTASTS_MODE_ENFORCE},
                 {"testing", TK_MTASTS_MODE_TESTING},
                 {"none", TK_MTASTS_MODE_NONE}};
    size_t i;

    if (!policy_once(pp, &pp->mode, "mode"))
        return TK_OK;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (tk_span_eq(v, modes[i].name)) {
            pp->out->mode = modes[i].mode;
            return TK_OK;
        }
        if (tk_span_eq_ci(v, modes[i].name))
            return policy_fail(pp, "mode: %.*s must be lower case: write mode: %s", SHOW(v),
                               modes[i].name);
    }
    return policy_fail(pp, "mode: %.*s is not enforce, testing or none: write mode: enforce",
                       SHOW(v));
}

static enum tk_status policy_max_age(struct policy_parse *pp, struct tk_span v)
{
    struct tk_cursor c;
    uint64_t n = 0;
    int ch;

    if (!policy_once(pp, &pp->max_age, "max_age"))
        return TK_OK;
    tk_cursor_init(&c, v.p, v.len);
    while ((ch = tk_cursor_next(&c)) != -1 && tk_char_is_digit(ch) &&
           c.pos <= MTASTS_MAX_AGE_DIGITS)
        n = n * 10 + (uint64_t)(ch - '0');
    if (v.len == 0 || ch != -1 || n > TK_MTASTS_MAX_AGE_MAX)
        return policy_fail(pp,
                           "max_age: %.*s is not a number of seconds from 0 to %lu: write "
                           "max_age: 604800 (one week) or more",
                           SHOW(v), TK_MTASTS_MAX_AGE_MAX);
    pp->out->max_age = (unsigned long)n;
    return TK_OK;
}

/* policy_mx_pattern normalises "host" or "*.domain" into out; the
 * wildcard may only be the whole leftmost label. */
static bool policy_mx_pattern(struct tk_span v, char out[TK_DOMAIN_MAX + 1])
{
    struct tk_cursor c;
    struct tk_span rest;
    char name[TK_DOMAIN_MAX + 1];
    bool wild;

    tk_cursor_init(&c, v.p, v.len);
    wild = tk_cursor_take(&c, '*') && tk_cursor_take(&c, '.');
    if (!wild)
        tk_cursor_init(&c, v.p, v.len);
    tk_cursor_rest(&c, &rest);
    if (tk_domain_normalise(rest.p, rest.len, name, NULL) != TK_OK || strchr(name, '*'))
        return false;
    if (wild && strlen(name) + 2 > TK_DOMAIN_MAX)
        return false;
    snprintf(out, TK_DOMAIN_MAX + 1, "%s%s", wild ? "*." : "", name);
    return true;
}

static enum tk_status policy_mx(struct policy_parse *pp, struct tk_span v)
{
    struct tk_mtasts_policy *out = pp->out;
    char pat[TK_DOMAIN_MAX + 1];
    size_t i;

    if (!policy_mx_pattern(v, pat)) {
        tk_notes_add(&out->notes,
                     "line %u: mx: %.*s is not a host name or *.domain pattern: ignored", pp->line,
                     SHOW(v));
        return TK_OK;
    }
    for (i = 0; i < out->nmx; i++)
        if (strcmp(out->mx[i], pat) == 0) {
            tk_notes_add(&out->notes, "line %u: mx: %s listed twice", pp->line, pat);
            return TK_OK;
        }
    if (out->nmx >= TK_MX_MAX)
        return tk_record_error(pp->err, TK_LIMIT, "line %u: more than %d mx patterns", pp->line,
                               TK_MX_MAX);
    memcpy(out->mx[out->nmx++], pat, sizeof(pat));
    return TK_OK;
}

static enum tk_status policy_field(struct policy_parse *pp, struct tk_span key, struct tk_span v)
{
    static const char *const keys[] = {"version", "mode", "max_age", "mx"};
    size_t i;

    if (tk_span_eq(key, "version"))
        return policy_version(pp, v);
    if (tk_span_eq(key, "mode"))
        return policy_mode(pp, v);
    if (tk_span_eq(key, "max_age"))
        return policy_max_age(pp, v);
    if (tk_span_eq(key, "mx"))
        return policy_mx(pp, v);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (tk_span_eq_ci(key, keys[i])) {
            tk_notes_add(&pp->out->notes,
                         "line %u: key '%.*s' is ignored: keys are case-sensitive; write %s",
                         pp->line, SHOW(key), keys[i]);
            return TK_OK;
        }
    tk_notes_add(&pp->out->notes, "line %u: unknown key '%.*s' ignored", pp->line, SHOW(key));
    return TK_OK;
}

/* policy_strip_cr removes a CR that ends the line; true if there was one. */
static bool policy_strip_cr(struct tk_span *line)
{
    struct tk_cursor c;

    tk_cursor_init(&c, line->p, line->len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_until(&c, '\r', NULL);
        if (tk_cursor_take(&c, '\r') && tk_cursor_eof(&c)) {
            line->len = c.pos - 1;
            return true;
        }
    }
    return false;
}

/* policy_line parses one "key: value" line (terminator removed). */
static enum tk_status policy_line(struct policy_parse *pp, struct tk_span line)
{
    struct tk_cursor c;
    struct tk_span key, value;

    line = tk_span_trim_wsp(line);
    if (line.len == 0)
        return TK_OK;
    if (pp->line == 1 && tk_span_startswith_ci(line, "\xef\xbb\xbf"))
        return policy_fail(pp, "the file begins with a UTF-8 byte-order mark: save it without");
    tk_cursor_init(&c, line.p, line.len);
    tk_cursor_span_until(&c, ':', &key);
    if (!tk_cursor_take(&c, ':'))
        return policy_fail(pp, "'%.*s' is not 'key: value'", SHOW(line));
    if (tk_span_trim_wsp(key).len != key.len)
        tk_notes_add(&pp->out->notes, "line %u: space before ':': write '%.*s:'", pp->line,
                     SHOW(tk_span_trim_wsp(key)));
    key = tk_span_trim_wsp(key);
    if (!mtasts_ext_name(key))
        return policy_fail(pp, "'%.*s' is not a key (letters, digits, '_', '-', '.')", SHOW(key));
    tk_cursor_rest(&c, &value);
    return policy_field(pp, key, tk_span_trim_wsp(value));
}

static enum tk_status policy_check_fields(struct policy_parse *pp)
{
    if (!pp->version)
        return tk_record_error(pp->err, TK_INVALID, "no version line: add version: STSv1");
    if (!pp->mode)
        return tk_record_error(pp->err, TK_INVALID, "no mode line: add mode: enforce");
    if (!pp->max_age)
        return tk_record_error(pp->err, TK_INVALID, "no max_age line: add max_age: 604800");
    if (pp->out->nmx == 0 && pp->out->mode != TK_MTASTS_MODE_NONE)
        return tk_record_error(pp->err, TK_INVALID,
                               "mode %s needs at least one valid mx line: add mx: <your MX host>",
                               tk_mtasts_mode_name(pp->out->mode));
    return TK_OK;
}

enum tk_status tk_mtasts_policy_parse(const char *text, size_t len, struct tk_mtasts_policy *out,
                                      struct tk_error *err)
{
    struct policy_parse pp = {out, err, 0, false, false, false};
    struct tk_cursor c;
    struct tk_span line;
    bool lf_only = false, had_cr;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    if (len > TK_MTASTS_POLICY_MAX)
        return tk_record_error(err, TK_LIMIT, "policy of %zu bytes is longer than %d", len,
                               TK_MTASTS_POLICY_MAX);
    tk_cursor_init(&c, text, text ? len : 0);
    while (!tk_cursor_eof(&c)) {
        pp.line++;
        tk_cursor_span_until(&c, '\n', &line);
        had_cr = policy_strip_cr(&line);
        if (tk_cursor_take(&c, '\n') && !had_cr)
            lf_only = true;
        st = policy_line(&pp, line);
        if (st != TK_OK)
            return st;
    }
    if (lf_only)
        tk_notes_add(&out->notes, "lines end in LF alone: RFC 8461 3.2 accepts it, but says "
                                  "CRLF; some senders may not");
    return policy_check_fields(&pp);
}

/* ---- mx matching (RFC 8461 4.1) ---- */

bool tk_mtasts_mx_matches(const char *pattern, const char *host)
{
    size_t hl, pl;
    const char *dot;

    if (pattern == NULL || host == NULL || *host == '\0' || *pattern == '\0')
        return false;
    hl = strlen(host);
    if (hl > 1 && host[hl - 1] == '.')
        hl--;
    if (pattern[0] != '*')
        return strlen(pattern) == hl && strncasecmp(pattern, host, hl) == 0;
    if (pattern[1] != '.' || pattern[2] == '\0')
        return false;
    /* "*.example.com" covers "mx.example.com", not "a.b.example.com"
     * nor "example.com". */
    dot = memchr(host, '.', hl);
    if (dot == NULL || dot == host)
        return false;
    pl = strlen(pattern + 2);
    return (size_t)(host + hl - (dot + 1)) == pl && strncasecmp(pattern + 2, dot + 1, pl) == 0;
}
