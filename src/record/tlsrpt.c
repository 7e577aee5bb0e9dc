/*
 * NAME
 *	tlsrpt.c - SMTP TLS Reporting policy record parser
 * SUMMARY
 *	"v=TLSRPTv1; rua=mailto:tls@example.govt.nz" to a tk_tlsrpt_record.
 * DESCRIPTION
 *	RFC 8460 writes the record's literals with %s: "v=TLSRPTv1" and
 *	"rua=" are case-sensitive and take no white space around '='. A
 *	record that senders would discard but that was plainly meant as
 *	TLS-RPT ("V=TLSRPTv1", a leading space, "v = TLSRPTv1") is
 *	TK_INVALID with the fix rather than TK_ABSENT, so a person is told
 *	what to change. URIs that are not mailto: or https: with a usable
 *	address or host are dropped with a note; when the seed's
 *	"mailto: <address>" form is seen the note (and, if nothing valid is
 *	left, the error) gives the exact text to publish.
 * STANDARDS
 *	RFC 8460 3 (tlsrpt-record, tlsrpt-rua, tlsrpt-extension).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes, TK_TAGS_MAX tags, TK_TLSRPT_URIS_MAX URIs
 *	(more are noted, not kept), TK_TLSRPT_URI_MAX bytes per URI.
 * SECURITY
 *	Input is read only through tk_cursor and tk_taglist; notes quote at
 *	most TLSRPT_SHOW_MAX bytes.
 */
#include <string.h>

#include "core/cursor.h"
#include "record/reporturi.h"
#include "record/recerr.h"
#include "record/taglist.h"
#include "record/tlsrpt.h"
#include "record/version.h"

#define TLSRPT_SHOW_MAX 60
#define SHOW(s) (int)((s).len > TLSRPT_SHOW_MAX ? TLSRPT_SHOW_MAX : (s).len), (s).p

#define TLSRPT_VERSION "TLSRPTv1"
/* RFC 8460 3: tlsrpt-ext-name is at most 32 characters. */
#define TLSRPT_EXT_NAME_MAX 32

struct tlsrpt_parse {
    struct tk_tlsrpt_record *out;
    bool rua_seen;
    char fix[TK_TLSRPT_URI_MAX + 1]; /* first repaired URI, for the error */
};

bool tk_tlsrpt_is_record(const char *txt, size_t len)
{
    return tk_record_version_is(txt, len, TLSRPT_VERSION);
}

static void tlsrpt_uri_bad(struct tlsrpt_parse *ps, struct tk_span item, const char *why)
{
    char fix[TK_TLSRPT_URI_MAX + 1];

    if (tk_report_uri_repair(item, fix, sizeof(fix))) {
        tk_notes_add(&ps->out->notes, "rua URI '%.*s' is not valid (%s): write rua=%s", SHOW(item),
                     why, fix);
        if (ps->fix[0] == '\0')
            memcpy(ps->fix, fix, sizeof(fix));
        return;
    }
    tk_notes_add(&ps->out->notes, "rua URI '%.*s' is not valid (%s): ignored", SHOW(item), why);
}

/* tlsrpt_uri_one checks one rua= item and keeps it if usable. */
static void tlsrpt_uri_one(struct tlsrpt_parse *ps, struct tk_span item)
{
    struct tk_report_uri info;
    struct tk_error e;
    struct tk_tlsrpt_uri *u;

    if (item.len > TK_TLSRPT_URI_MAX) {
        tk_notes_add(&ps->out->notes, "rua URI '%.*s...' is longer than %d bytes: ignored",
                     SHOW(item), TK_TLSRPT_URI_MAX);
        return;
    }
    if (tk_report_uri_check(item, &info, &e) != TK_OK) {
        tlsrpt_uri_bad(ps, item, e.msg);
        return;
    }
    if (!info.is_mailto && !info.is_https) {
        tlsrpt_uri_bad(ps, item, "RFC 8460 allows only mailto: and https:");
        return;
    }
    if (!info.has_domain) {
        tlsrpt_uri_bad(ps, item, info.is_mailto ? "no valid mail address" : "no valid host name");
        return;
    }
    u = &ps->out->rua[ps->out->nrua++];
    memcpy(u->uri, item.p, item.len);
    u->uri[item.len] = '\0';
    u->is_mailto = info.is_mailto;
}

static void tlsrpt_rua(struct tlsrpt_parse *ps, struct tk_span v)
{
    struct tk_cursor c;
    struct tk_span item;

    if (ps->rua_seen)
        tk_notes_add(&ps->out->notes,
                     "rua= appears twice: write one rua= with a comma-separated list");
    ps->rua_seen = true;
    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, ',', &item);
        item = tk_span_trim_wsp(item);
        if (item.len == 0) {
            tk_notes_add(&ps->out->notes, "rua= has an empty entry");
        } else if (ps->out->nrua >= TK_TLSRPT_URIS_MAX) {
            tk_notes_add(&ps->out->notes, "rua= lists more than %d URIs: the rest are not kept",
                         TK_TLSRPT_URIS_MAX);
            return;
        } else {
            tlsrpt_uri_one(ps, item);
        }
    } while (tk_cursor_take(&c, ','));
}

static void tlsrpt_apply_tag(struct tlsrpt_parse *ps, const struct tk_tag *t, size_t index)
{
    if (tk_span_eq(t->name, "rua"))
        tlsrpt_rua(ps, t->value);
    else if (index == 0 && tk_span_eq(t->name, "v"))
        return;
    else if (tk_span_eq(t->name, "v"))
        tk_notes_add(&ps->out->notes, "v= appears again later: remove it");
    else if (tk_span_eq_ci(t->name, "rua"))
        tk_notes_add(&ps->out->notes,
                     "'%.*s=' is ignored: tag names are case-sensitive; write rua=", SHOW(t->name));
    else
        tk_notes_add(&ps->out->notes, "unknown tag '%.*s=' ignored", SHOW(t->name));
}

static bool tlsrpt_ext_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

/* tlsrpt_bad_segment: RFC 8460 extension names may hold '-' and '.',
 * which the shared splitter refuses; those are extensions, the rest are
 * not tags at all. */
static void tlsrpt_bad_segment(struct tlsrpt_parse *ps, const struct tk_taglist_bad *bad)
{
    struct tk_cursor c;
    struct tk_span name;

    tk_cursor_init(&c, bad->text.p, bad->text.len);
    tk_cursor_span_while(&c, tlsrpt_ext_char, &name);
    if (name.len > 0 && name.len <= TLSRPT_EXT_NAME_MAX && tk_cursor_take(&c, '='))
        tk_notes_add(&ps->out->notes, "unknown tag '%.*s=' ignored", SHOW(name));
    else
        tk_notes_add(&ps->out->notes, "'%.*s' is not a tag (%s): senders may discard the record",
                     SHOW(bad->text), bad->why);
}

static enum tk_status tlsrpt_no_rua(const struct tlsrpt_parse *ps, struct tk_error *err)
{
    if (ps->fix[0] != '\0')
        return tk_record_error(err, TK_INVALID, "rua= holds no valid URI: write rua=%s", ps->fix);
    if (ps->rua_seen)
        return tk_record_error(err, TK_INVALID,
                               "rua= holds no valid mailto: or https: URI: write "
                               "rua=mailto:address");
    return tk_record_error(err, TK_INVALID,
                           "rua= is missing: write v=TLSRPTv1; rua=mailto:address");
}

bool tk_tlsrpt_is_candidate(const char *txt, size_t len)
{
    return tk_record_version(txt, len, TLSRPT_VERSION, "a TLS-RPT record", NULL) != TK_ABSENT;
}

enum tk_status tk_tlsrpt_record_parse(const char *txt, size_t len, struct tk_tlsrpt_record *out,
                                      struct tk_error *err)
{
    struct tk_taglist tl;
    struct tlsrpt_parse ps;
    enum tk_status st;
    size_t i;

    memset(out, 0, sizeof(*out));
    memset(&ps, 0, sizeof(ps));
    ps.out = out;
    st = tk_record_version(txt, len, TLSRPT_VERSION, "a TLS-RPT record", err);
    if (st == TK_OK)
        st = tk_taglist_parse(txt, len, &tl, err);
    if (st != TK_OK)
        return st;
    for (i = 0; i < tl.n; i++)
        tlsrpt_apply_tag(&ps, &tl.tags[i], i);
    for (i = 0; i < tl.nbad && i < TK_TAGLIST_BAD_MAX; i++)
        tlsrpt_bad_segment(&ps, &tl.bad[i]);
    return out->nrua > 0 ? TK_OK : tlsrpt_no_rua(&ps, err);
}
