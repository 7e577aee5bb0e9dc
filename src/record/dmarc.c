/*
 * NAME
 *	dmarc.c - DMARC policy record parser
 * SUMMARY
 *	"v=DMARC1; p=reject; adkim=s; rua=mailto:a@b" to a tk_dmarc_record.
 * DESCRIPTION
 *	The version tag is read from the raw text (it must be first); the
 *	rest goes through the shared tag-list splitter. Tag names are
 *	matched without regard to case, as RFC 7489's ABNF does, but a tag
 *	written in upper case gets a note, since RFC 6376 3.2 (whose
 *	tag-list DMARC borrows) makes names case-sensitive. The one
 *	exception is the version tag: the framework holds "V=DMARC1" to be
 *	no DMARC record, as receivers that compare "v=DMARC1" byte for byte
 *	treat it. Values of p, sp, np, adkim, aspf, t and psd are ABNF
 *	literals and so case-insensitive.
 *
 *	A record with a missing or invalid p= but a valid rua= is kept as
 *	p=none, as RFC 7489 6.6.3 tells receivers to do. An invalid sp= or
 *	np= is ignored with a note (the note warns that RFC 7489 6.6.3 lets
 *	receivers fall back to p=none for it).
 *
 *	On TK_INVALID the record is still filled as far as it could be
 *	read, notes included, so a report can list every fix at once.
 * STANDARDS
 *	RFC 7489 6.3, 6.4, 6.6.3, 7.1; RFC 9989 (np, psd, t).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes, TK_TAGS_MAX tags, TK_DMARC_URIS_MAX URIs in
 *	each of rua= and ruf= (more are noted, not kept), TK_DMARC_URI_MAX
 *	bytes per URI (longer ones are dropped with a note).
 * SECURITY
 *	Input is read only through tk_cursor and tk_taglist. Notes quote at
 *	most DMARC_SHOW_MAX bytes and replace non-printable bytes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "core/domain.h"
#include "record/dmarc.h"
#include "record/reporturi.h"
#include "record/recerr.h"
#include "record/taglist.h"

/* Bytes of a tag or value quoted in a note: enough to recognise it. */
#define DMARC_SHOW_MAX 60
#define SHOW(s) (int)((s).len > DMARC_SHOW_MAX ? DMARC_SHOW_MAX : (s).len), (s).p

/* RFC 7489 6.4: ri= is 1*32DIGIT, but no real interval needs more than
 * ten digits; larger values are noted and the default kept. */
#define DMARC_RI_DIGITS_MAX 10
/* "!size": digits before the unit; 15 digits times 2^40 fits 64 bits
 * only for small values, so the product is checked too. */
#define DMARC_SIZE_DIGITS_MAX 15

enum dmarc_version {
    DMARC_V_OK,    /* v=DMARC1 */
    DMARC_V_NONE,  /* not a version tag at all */
    DMARC_V_CASE,  /* V=DMARC1, v=dmarc1 */
    DMARC_V_OTHER, /* v=DMARC2, v=DMARC1.0 */
};

struct dmarc_parse {
    struct tk_dmarc_record *out;
    struct tk_error *err;
    bool failed;          /* err holds the first reason the record is invalid */
    bool p_bad;           /* p= written with an invalid value */
    struct tk_span p_val; /* that value, for the message */
};

struct dmarc_tag {
    const char *name;
    void (*apply)(struct dmarc_parse *ps, struct tk_span value);
};

/* dmarc_fail records the first reason the record is invalid. */
static void dmarc_fail(struct dmarc_parse *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void dmarc_fail(struct dmarc_parse *ps, const char *fmt, ...)
{
    char msg[TK_ERROR_MSG_MAX];
    va_list ap;

    if (ps->failed)
        return;
    ps->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tk_record_error(ps->err, TK_INVALID, "%s", msg);
}

/* dmarc_version_at reads the version tag at the very start of the text
 * (after white space); *sep_ok says whether ';' or the end follows. */
static enum dmarc_version dmarc_version_at(const char *txt, size_t len, bool *sep_ok)
{
    struct tk_cursor c;
    struct tk_span v;
    int name, next;

    tk_cursor_init(&c, txt, len);
    tk_cursor_skip_wsp(&c);
    name = tk_cursor_next(&c);
    tk_cursor_skip_wsp(&c);
    if ((name != 'v' && name != 'V') || !tk_cursor_take(&c, '='))
        return DMARC_V_NONE;
    tk_cursor_skip_wsp(&c);
    tk_cursor_span_while(&c, tk_char_is_alnum, &v);
    if (!tk_span_startswith_ci(v, "DMARC"))
        return DMARC_V_NONE;
    next = tk_cursor_peek(&c);
    if (next != -1 && next != ';' && !tk_char_is_wsp(next))
        return DMARC_V_OTHER;
    tk_cursor_skip_wsp(&c);
    *sep_ok = tk_cursor_eof(&c) || tk_cursor_peek(&c) == ';';
    if (!tk_span_eq_ci(v, "DMARC1"))
        return DMARC_V_OTHER;
    return name == 'v' && tk_span_eq(v, "DMARC1") ? DMARC_V_OK : DMARC_V_CASE;
}

bool tk_dmarc_is_record(const char *txt, size_t len)
{
    bool sep_ok = false;

    return txt != NULL && dmarc_version_at(txt, len, &sep_ok) == DMARC_V_OK;
}

const char *tk_dmarc_policy_name(enum tk_dmarc_policy p)
{
    switch (p) {
    case TK_DMARC_POLICY_NONE:
        return "none";
    case TK_DMARC_POLICY_QUARANTINE:
        return "quarantine";
    case TK_DMARC_POLICY_REJECT:
        return "reject";
    default:
        return "";
    }
}

static enum tk_dmarc_policy dmarc_policy_value(struct tk_span v)
{
    if (tk_span_eq_ci(v, "none"))
        return TK_DMARC_POLICY_NONE;
    if (tk_span_eq_ci(v, "quarantine"))
        return TK_DMARC_POLICY_QUARANTINE;
    if (tk_span_eq_ci(v, "reject"))
        return TK_DMARC_POLICY_REJECT;
    return TK_DMARC_POLICY_UNSET;
}

/* dmarc_looks_like_tags: a value such as "reject adkim=s" means a ';'
 * was left out between two tags. */
static bool dmarc_looks_like_tags(struct tk_span v)
{
    struct tk_cursor c;

    tk_cursor_init(&c, v.p, v.len);
    tk_cursor_span_until(&c, '=', NULL);
    return !tk_cursor_eof(&c);
}

/* dmarc_uint reads 1*maxdigits DIGIT into *out; false on anything else. */
static bool dmarc_uint(struct tk_span v, size_t maxdigits, uint64_t *out)
{
    struct tk_cursor c;
    uint64_t n = 0;
    int ch;

    if (v.len == 0 || v.len > maxdigits)
        return false;
    tk_cursor_init(&c, v.p, v.len);
    while ((ch = tk_cursor_next(&c)) != -1) {
        if (!tk_char_is_digit(ch))
            return false;
        n = n * 10 + (uint64_t)(ch - '0');
    }
    *out = n;
    return true;
}

static void dmarc_tag_p(struct dmarc_parse *ps, struct tk_span v)
{
    ps->out->p = dmarc_policy_value(v);
    if (ps->out->p == TK_DMARC_POLICY_UNSET) {
        ps->p_bad = true;
        ps->p_val = v;
    }
}

static void dmarc_subpolicy(struct dmarc_parse *ps, const char *tag, struct tk_span v,
                            enum tk_dmarc_policy *dst)
{
    *dst = dmarc_policy_value(v);
    if (*dst != TK_DMARC_POLICY_UNSET)
        return;
    tk_notes_add(&ps->out->notes,
                 "%s=%.*s is not none, quarantine or reject: ignored here, but RFC 7489 6.6.3 "
                 "lets receivers treat the record as p=none; write %s=reject%s",
                 tag, SHOW(v), tag, dmarc_looks_like_tags(v) ? " and put ';' between tags" : "");
}

static void dmarc_tag_sp(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_subpolicy(ps, "sp", v, &ps->out->sp);
}

static void dmarc_tag_np(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_subpolicy(ps, "np", v, &ps->out->np);
}

static void dmarc_align(struct dmarc_parse *ps, const char *tag, struct tk_span v,
                        enum tk_dmarc_align *dst, bool *written)
{
    if (tk_span_eq_ci(v, "r") || tk_span_eq_ci(v, "s")) {
        *dst = tk_span_eq_ci(v, "s") ? TK_DMARC_ALIGN_STRICT : TK_DMARC_ALIGN_RELAXED;
        *written = true;
        return;
    }
    tk_notes_add(&ps->out->notes, "%s=%.*s is not r or s: receivers use relaxed; write %s=s%s", tag,
                 SHOW(v), tag, dmarc_looks_like_tags(v) ? " and put ';' between tags" : "");
}

static void dmarc_tag_adkim(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_align(ps, "adkim", v, &ps->out->adkim, &ps->out->adkim_written);
}

static void dmarc_tag_aspf(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_align(ps, "aspf", v, &ps->out->aspf, &ps->out->aspf_written);
}

static void dmarc_tag_pct(struct dmarc_parse *ps, struct tk_span v)
{
    uint64_t n;

    /* RFC 7489 6.4: pct = 1*3DIGIT, 0..100. */
    if (dmarc_uint(v, 3, &n) && n <= 100) {
        ps->out->pct = (int)n;
        ps->out->pct_written = true;
        return;
    }
    tk_notes_add(&ps->out->notes,
                 "pct=%.*s is not a whole number from 0 to 100: receivers use 100; "
                 "write pct=100 or leave pct out",
                 SHOW(v));
}

static void dmarc_tag_t(struct dmarc_parse *ps, struct tk_span v)
{
    if (tk_span_eq_ci(v, "y") || tk_span_eq_ci(v, "n")) {
        ps->out->testing = tk_span_eq_ci(v, "y");
        return;
    }
    tk_notes_add(&ps->out->notes, "t=%.*s is not y or n: ignored (t=n applies)", SHOW(v));
}

static void dmarc_tag_psd(struct dmarc_parse *ps, struct tk_span v)
{
    if (tk_span_eq_ci(v, "y") || tk_span_eq_ci(v, "n") || tk_span_eq_ci(v, "u")) {
        ps->out->psd = tk_span_eq_ci(v, "y") ? 'y' : tk_span_eq_ci(v, "n") ? 'n' : 'u';
        return;
    }
    tk_notes_add(&ps->out->notes, "psd=%.*s is not y, n or u: ignored (psd=u applies)", SHOW(v));
}

static void dmarc_tag_ri(struct dmarc_parse *ps, struct tk_span v)
{
    uint64_t n;

    if (dmarc_uint(v, DMARC_RI_DIGITS_MAX, &n) && n <= 0xffffffffULL) {
        ps->out->ri = (unsigned long)n;
        return;
    }
    tk_notes_add(&ps->out->notes, "ri=%.*s is not a number of seconds: receivers use 86400",
                 SHOW(v));
}

/* dmarc_copy_list copies v without white space to dst (dstsz bytes) if
 * every item between seps passes ok(); false otherwise. */
static bool dmarc_copy_list(struct tk_span v, int sep, bool (*ok)(struct tk_span), char *dst,
                            size_t dstsz)
{
    struct tk_cursor c;
    struct tk_span item;
    size_t n = 0;

    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, sep, &item);
        item = tk_span_trim_wsp(item);
        if (!ok(item) || n + item.len + 2 > dstsz)
            return false;
        if (n > 0)
            dst[n++] = (char)sep;
        memcpy(dst + n, item.p, item.len);
        n += item.len;
        dst[n] = '\0';
    } while (tk_cursor_take(&c, sep));
    return true;
}

/* RFC 7489 6.4: dmarc-fo items are 0, 1, d or s. */
static bool dmarc_fo_item(struct tk_span s)
{
    return tk_span_eq_ci(s, "0") || tk_span_eq_ci(s, "1") || tk_span_eq_ci(s, "d") ||
           tk_span_eq_ci(s, "s");
}

/* RFC 7489 6.4: dmarc-rfmt items are Keywords (RFC 5321: Ldh-str). */
static bool dmarc_rf_item(struct tk_span s)
{
    struct tk_cursor c;
    int ch;

    if (s.len == 0)
        return false;
    tk_cursor_init(&c, s.p, s.len);
    while ((ch = tk_cursor_next(&c)) != -1)
        if (!tk_char_is_alnum(ch) && ch != '-')
            return false;
    return true;
}

static void dmarc_tag_fo(struct dmarc_parse *ps, struct tk_span v)
{
    char buf[sizeof(ps->out->fo)];

    if (dmarc_copy_list(v, ':', dmarc_fo_item, buf, sizeof(buf))) {
        memcpy(ps->out->fo, buf, sizeof(buf));
        return;
    }
    tk_notes_add(&ps->out->notes,
                 "fo=%.*s is not a short ':' list of 0, 1, d and s: receivers use fo=0", SHOW(v));
}

static void dmarc_tag_rf(struct dmarc_parse *ps, struct tk_span v)
{
    char buf[sizeof(ps->out->rf)];

    if (dmarc_copy_list(v, ',', dmarc_rf_item, buf, sizeof(buf))) {
        memcpy(ps->out->rf, buf, sizeof(buf));
        if (!tk_ascii_strcaseeq(buf, "afrf"))
            tk_notes_add(&ps->out->notes, "rf=%s: afrf is the only failure report format", buf);
        return;
    }
    tk_notes_add(&ps->out->notes, "rf=%.*s is not a report format list: receivers use afrf",
                 SHOW(v));
}

/* dmarc_size reads "10m" after '!' (RFC 7489 6.4: 1*DIGIT [kmgt]). */
static bool dmarc_size(struct tk_span s, uint64_t *out)
{
    static const char units[] = "kmgt";
    struct tk_cursor c;
    struct tk_span digits;
    unsigned shift = 0;
    int unit;
    uint64_t n;

    tk_cursor_init(&c, s.p, s.len);
    tk_cursor_span_while(&c, tk_char_is_digit, &digits);
    if (!dmarc_uint(digits, DMARC_SIZE_DIGITS_MAX, &n))
        return false;
    unit = tk_ascii_lower(tk_cursor_next(&c));
    if (unit != -1) {
        if (unit == 0 || strchr(units, unit) == NULL || !tk_cursor_eof(&c))
            return false;
        shift = 10 * (unsigned)(strchr(units, unit) - units + 1);
    }
    if (shift > 0 && n > (UINT64_MAX >> shift))
        return false;
    *out = n << shift;
    return true;
}

static void dmarc_uri_bad(struct dmarc_parse *ps, const char *tag, struct tk_span item,
                          const char *why)
{
    char fix[TK_DMARC_URI_MAX + 1];

    if (tk_report_uri_repair(item, fix, sizeof(fix)))
        tk_notes_add(&ps->out->notes, "%s URI '%.*s' is not valid (%s): write %s=%s", tag,
                     SHOW(item), why, tag, fix);
    else
        tk_notes_add(&ps->out->notes,
                     "%s URI '%.*s' is not valid (%s): write %s=mailto:address, with no "
                     "space or angle brackets",
                     tag, SHOW(item), why, tag);
}

/* dmarc_uri_split cuts "uri!10m" into the URI and its size limit. */
static bool dmarc_uri_split(struct dmarc_parse *ps, const char *tag, struct tk_span item,
                            struct tk_span *uri, uint64_t *max_size)
{
    struct tk_cursor c;
    struct tk_span size;

    tk_cursor_init(&c, item.p, item.len);
    tk_cursor_span_until(&c, '!', uri);
    *uri = tk_span_trim_wsp(*uri);
    if (!tk_cursor_take(&c, '!'))
        return true;
    tk_cursor_rest(&c, &size);
    if (dmarc_size(tk_span_trim_wsp(size), max_size))
        return true;
    tk_notes_add(&ps->out->notes,
                 "%s URI '%.*s': size limit after '!' is not digits and one of k, m, g, t (as "
                 "in !10m): URI ignored",
                 tag, SHOW(item));
    return false;
}

/* dmarc_uri_one checks one list item and fills u; false drops it. */
static bool dmarc_uri_one(struct dmarc_parse *ps, const char *tag, struct tk_span item,
                          struct tk_dmarc_uri *u)
{
    struct tk_span uri;
    struct tk_report_uri info;
    struct tk_error e;

    memset(u, 0, sizeof(*u));
    if (!dmarc_uri_split(ps, tag, item, &uri, &u->max_size))
        return false;
    if (uri.len > TK_DMARC_URI_MAX) {
        tk_notes_add(&ps->out->notes, "%s URI '%.*s...' is longer than %d bytes: ignored", tag,
                     SHOW(uri), TK_DMARC_URI_MAX);
        return false;
    }
    if (tk_report_uri_check(uri, &info, &e) != TK_OK) {
        dmarc_uri_bad(ps, tag, item, e.msg);
        return false;
    }
    memcpy(u->uri, uri.p, uri.len);
    u->uri[uri.len] = '\0';
    u->is_mailto = info.is_mailto;
    if (info.is_mailto && info.has_domain)
        memcpy(u->domain, info.domain, sizeof(u->domain));
    else if (info.is_mailto)
        tk_notes_add(&ps->out->notes, "%s URI '%s' has no valid mail address", tag, u->uri);
    else if (!info.is_https)
        tk_notes_add(&ps->out->notes, "%s URI '%s': receivers send reports by mailto: only", tag,
                     u->uri);
    return true;
}

static void dmarc_uri_list(struct dmarc_parse *ps, const char *tag, struct tk_span v,
                           struct tk_dmarc_uri *list, size_t *n)
{
    struct tk_cursor c;
    struct tk_span item;

    if (v.len == 0) {
        tk_notes_add(&ps->out->notes, "%s= is empty: write %s=mailto:address", tag, tag);
        return;
    }
    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, ',', &item);
        item = tk_span_trim_wsp(item);
        if (item.len == 0) {
            tk_notes_add(&ps->out->notes, "%s= list has an empty entry (a stray ',')", tag);
        } else if (*n >= TK_DMARC_URIS_MAX) {
            tk_notes_add(&ps->out->notes, "%s= lists more than %d URIs: the rest are not checked",
                         tag, TK_DMARC_URIS_MAX);
            return;
        } else if (dmarc_uri_one(ps, tag, item, &list[*n])) {
            (*n)++;
        }
    } while (tk_cursor_take(&c, ','));
}

static void dmarc_tag_rua(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_uri_list(ps, "rua", v, ps->out->rua, &ps->out->nrua);
}

static void dmarc_tag_ruf(struct dmarc_parse *ps, struct tk_span v)
{
    dmarc_uri_list(ps, "ruf", v, ps->out->ruf, &ps->out->nruf);
}

static const struct dmarc_tag dmarc_tags[] = {
    {"p", dmarc_tag_p},         {"sp", dmarc_tag_sp},     {"np", dmarc_tag_np},
    {"adkim", dmarc_tag_adkim}, {"aspf", dmarc_tag_aspf}, {"pct", dmarc_tag_pct},
    {"t", dmarc_tag_t},         {"psd", dmarc_tag_psd},   {"rua", dmarc_tag_rua},
    {"ruf", dmarc_tag_ruf},     {"fo", dmarc_tag_fo},     {"rf", dmarc_tag_rf},
    {"ri", dmarc_tag_ri},
};

static const struct dmarc_tag *dmarc_tag_lookup(struct tk_span name)
{
    size_t i;

    for (i = 0; i < sizeof(dmarc_tags) / sizeof(dmarc_tags[0]); i++)
        if (tk_span_eq_ci(name, dmarc_tags[i].name))
            return &dmarc_tags[i];
    return NULL;
}

static void dmarc_apply_tag(struct dmarc_parse *ps, const struct tk_tag *t)
{
    const struct dmarc_tag *h;

    if (tk_span_eq_ci(t->name, "v"))
        return; /* the version: checked on the raw text */
    h = dmarc_tag_lookup(t->name);
    if (h == NULL) {
        tk_notes_add(&ps->out->notes, "unknown tag '%.*s=' ignored", SHOW(t->name));
        return;
    }
    if (!tk_span_eq(t->name, h->name))
        tk_notes_add(&ps->out->notes,
                     "tag '%.*s=' is not in lower case: tag names are case-sensitive "
                     "(RFC 6376 3.2); write %s=",
                     SHOW(t->name), h->name);
    h->apply(ps, t->value);
}

/* dmarc_dash_fix handles "adkim-s": a known tag joined to its value by
 * '-' instead of '='. True when the segment was one. */
static bool dmarc_dash_fix(struct dmarc_parse *ps, struct tk_span seg)
{
    struct tk_cursor c;
    struct tk_span name, value;
    const struct dmarc_tag *h;

    tk_cursor_init(&c, seg.p, seg.len);
    tk_cursor_span_until(&c, '-', &name);
    name = tk_span_trim_wsp(name);
    if (!tk_cursor_take(&c, '-') || (h = dmarc_tag_lookup(name)) == NULL)
        return false;
    tk_cursor_rest(&c, &value);
    value = tk_span_trim_wsp(value);
    if (value.len == 0 || dmarc_looks_like_tags(value))
        return false;
    if (tk_span_eq_ci(name, "adkim"))
        ps->out->seed_adkim_dash = true;
    if (tk_span_eq_ci(name, "aspf"))
        ps->out->seed_aspf_dash = true;
    tk_notes_add(&ps->out->notes, "'%.*s' is not a tag: write %s=%.*s", SHOW(seg), h->name,
                 SHOW(value));
    return true;
}

static void dmarc_bad_segments(struct dmarc_parse *ps, const struct tk_taglist *tl)
{
    size_t i, kept = tl->nbad < TK_TAGLIST_BAD_MAX ? tl->nbad : TK_TAGLIST_BAD_MAX;

    for (i = 0; i < kept; i++)
        if (!dmarc_dash_fix(ps, tl->bad[i].text))
            tk_notes_add(&ps->out->notes, "'%.*s' is not a tag (%s): receivers ignore it",
                         SHOW(tl->bad[i].text), tl->bad[i].why);
    if (tl->nbad > kept)
        tk_notes_add(&ps->out->notes, "%zu more malformed segments", tl->nbad - kept);
}

static void dmarc_defaults(struct tk_dmarc_record *out)
{
    memset(out, 0, sizeof(*out));
    out->pct = 100;
    out->psd = 'u';
    out->ri = 86400;
    memcpy(out->fo, "0", 2);
    memcpy(out->rf, "afrf", 5);
}

/* dmarc_check_version turns a bad version tag into the first error.
 * Returns TK_ABSENT when the text is no DMARC record at all. */
static enum tk_status dmarc_check_version(struct dmarc_parse *ps, const char *txt, size_t len,
                                          const struct tk_taglist *tl)
{
    bool sep_ok = true;
    const struct tk_tag *late;

    switch (dmarc_version_at(txt, len, &sep_ok)) {
    case DMARC_V_OK:
        if (!sep_ok)
            dmarc_fail(ps, "put ';' after v=DMARC1: receivers read the rest as its value");
        return TK_OK;
    case DMARC_V_CASE:
        dmarc_fail(ps, "the version tag must be written exactly v=DMARC1 (lower-case v, "
                       "upper-case DMARC1): receivers ignore the record as it is");
        return TK_OK;
    case DMARC_V_OTHER:
        dmarc_fail(ps, "the version is not DMARC1: write v=DMARC1");
        return TK_OK;
    default:
        late = tk_taglist_find(tl, "v");
        if (late == NULL || !tk_span_startswith_ci(late->value, "DMARC"))
            return TK_ABSENT;
        dmarc_fail(ps, "v=DMARC1 must be the first tag: receivers ignore the record");
        return TK_OK;
    }
}

static void dmarc_check_p(struct dmarc_parse *ps)
{
    struct tk_dmarc_record *out = ps->out;

    if (out->p != TK_DMARC_POLICY_UNSET)
        return;
    if (out->nrua > 0) {
        out->p = TK_DMARC_POLICY_NONE;
        tk_notes_add(&out->notes,
                     "p= is %s: as rua= is valid, receivers act as p=none "
                     "(RFC 7489 6.6.3); write p=reject",
                     ps->p_bad ? "not none, quarantine or reject" : "missing");
        return;
    }
    if (ps->p_bad)
        dmarc_fail(ps, "p=%.*s is not none, quarantine or reject: write p=reject%s",
                   SHOW(ps->p_val),
                   dmarc_looks_like_tags(ps->p_val) ? " and put ';' between tags" : "");
    else
        dmarc_fail(ps, "p= is missing: write p=reject after v=DMARC1");
}

enum tk_status tk_dmarc_record_parse(const char *txt, size_t len, struct tk_dmarc_record *out,
                                     struct tk_error *err)
{
    struct tk_taglist tl;
    struct dmarc_parse ps = {out, err, false, false, {"", 0}};
    const struct tk_tag *dup;
    enum tk_status st;
    size_t i;

    dmarc_defaults(out);
    if (txt == NULL) {
        txt = "";
        len = 0;
    }
    if (tk_record_check_len(len, err) != TK_OK)
        return TK_LIMIT;
    st = tk_taglist_parse(txt, len, &tl, err);
    if (st != TK_OK)
        return st;
    if (dmarc_check_version(&ps, txt, len, &tl) == TK_ABSENT)
        return tk_record_error(err, TK_ABSENT, "not a DMARC record (no v=DMARC1 first)");
    dup = tk_taglist_first_duplicate(&tl);
    if (dup != NULL)
        dmarc_fail(&ps, "tag %.*s= appears twice: a tag list may name each tag once; keep one",
                   SHOW(dup->name));
    for (i = 0; i < tl.n; i++)
        dmarc_apply_tag(&ps, &tl.tags[i]);
    dmarc_bad_segments(&ps, &tl);
    dmarc_check_p(&ps);
    return ps.failed ? TK_INVALID : TK_OK;
}
