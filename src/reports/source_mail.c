/*
 * NAME
 *	source_mail.c - reports in mail messages (RFC 5322, MIME) via GMime
 * SUMMARY
 *	Parses one message held in memory and sends every leaf part,
 *	decoded, back through src_stream; message/rfc822 parts are opened as
 *	messages one level deeper.
 * DESCRIPTION
 *	Reporters send reports as attachments (Google, Yahoo), as the
 *	message body itself (Mimecast: Content-Type application/gzip), as
 *	inline parts, under the wrong Content-Type (application/octet-stream
 *	holding a zip) or with none. So no part is judged by its headers:
 *	each is decoded (base64, quoted-printable, uuencode, or as it is) and
 *	its bytes sniffed. Parts declared text/(anything) are not looked at as mail
 *	(a quoted header block is not a message to open). Parts that hold
 *	no report (the human explanation, HTML) are counted, not described.
 *
 *	A failure report (RFC 6591: multipart/report with
 *	report-type=feedback-report, or any message/feedback-report part) is
 *	not an aggregate report: it is skipped whole, with that reason. A
 *	top-level message in which nothing was found is described too, so a
 *	person sees why a mail of the batch gave nothing.
 * STANDARDS
 *	RFC 5322, RFC 2045-2049 (MIME), RFC 6522 (multipart/report), RFC 6591
 *	and RFC 5965 (ARF failure reports), RFC 7489 7.2.1.1 and RFC 8460
 *	5.3 (how reports are mailed).
 * LIMITS
 *	lim->message_max bytes of one message; before GMime parses it, at
 *	most TK_REPORT_MIME_BOUNDARY_LINES_MAX lines starting "--" and
 *	TK_REPORT_MIME_HEADER_LINES_MAX header-like lines (GMime keeps every
 *	part and header in memory, ~1 KB each); TK_REPORT_MIME_PARTS_MAX
 *	parts looked at, TK_REPORT_MIME_DEPTH_MAX multiparts within each
 *	other, lim->nesting_max messages and archives within each other.
 * SECURITY
 *	The raw message is scanned through tk_cursor only; GMime parses it
 *	from a memory stream and part contents are decoded as they stream
 *	(GMime's persistent stream: no part is copied whole). Names, types
 *	and Message-IDs are made printable before they reach an origin.
 */
#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>

#include "core/cursor.h"
#include "core/limits.h"
#include "reports/source_impl.h"

/* A Message-ID or file name longer than this is cut in origins. */
#define MAIL_SHOW_MAX 120

static pthread_once_t mail_once = PTHREAD_ONCE_INIT;

static void mail_init(void)
{
    g_mime_init();
}

/* ---- before GMime: the shape of the raw message ---- */

static bool is_field_name_char(int ch)
{
    return ch > 32 && ch < 127 && ch != ':';
}

/* mail_prescan counts boundary-like and header-like lines; NULL when
 * both are within their limits, else why the message is refused. */
static const char *mail_prescan(const void *buf, size_t len)
{
    size_t boundaries = 0, headers = 0;
    struct tk_cursor c, lc;
    struct tk_span line;

    tk_cursor_init(&c, buf, len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_until(&c, '\n', &line);
        tk_cursor_take(&c, '\n');
        tk_cursor_init(&lc, line.p, line.len);
        if (tk_cursor_take(&lc, '-') && tk_cursor_take(&lc, '-')) {
            if (++boundaries > TK_REPORT_MIME_BOUNDARY_LINES_MAX)
                return "more than " G_STRINGIFY(
                    TK_REPORT_MIME_BOUNDARY_LINES_MAX) " MIME boundary lines";
            continue;
        }
        if (tk_cursor_span_while(&lc, is_field_name_char, NULL) > 0 && tk_cursor_take(&lc, ':') &&
            ++headers > TK_REPORT_MIME_HEADER_LINES_MAX)
            return "more than " G_STRINGIFY(TK_REPORT_MIME_HEADER_LINES_MAX) " header lines";
    }
    return NULL;
}

/* ---- part contents as a stream ---- */

struct part_reader {
    GMimeStream *s;
    char buf[SRC_CHUNK];
};

static ssize_t part_read(void *ctx, const void **buf, struct tk_error *err)
{
    struct part_reader *r = ctx;
    ssize_t n = g_mime_stream_read(r->s, r->buf, sizeof(r->buf));

    if (n < 0) {
        tk_error_set(err, TK_INVALID, "the MIME part could not be decoded");
        return -1;
    }
    *buf = r->buf;
    return n;
}

/* part_stream returns a stream of the decoded content of part, or NULL
 * when it has none. The caller unrefs it. */
static GMimeStream *part_stream(GMimePart *part)
{
    GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
    GMimeContentEncoding enc;
    GMimeStream *raw, *filtered;
    GMimeFilter *f;

    if (wrapper == NULL || (raw = g_mime_data_wrapper_get_stream(wrapper)) == NULL)
        return NULL;
    g_mime_stream_reset(raw);
    filtered = g_mime_stream_filter_new(raw);
    enc = g_mime_data_wrapper_get_encoding(wrapper);
    if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
        enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        f = g_mime_filter_basic_new(enc, FALSE);
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
        g_object_unref(f);
    }
    return filtered;
}

/* ---- walking a message ---- */

struct mail_walk {
    struct src_walk *w;
    struct tk_payload_origin *o;
    size_t depth; /* the message's level */
    size_t parts; /* parts looked at */
    bool parts_noted;
};

static void mail_message(struct src_walk *w, GMimeMessage *msg, struct tk_payload_origin *o,
                         size_t depth, const char *label, bool outer);

static bool is_type(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

/* is_arf: a failure report, by its top-level type or a
 * message/feedback-report part anywhere in its multiparts. */
static bool is_arf(GMimeObject *obj, int level)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *rt;
    int i, n;

    if (ct == NULL || level > TK_REPORT_MIME_DEPTH_MAX)
        return false;
    if (g_mime_content_type_is_type(ct, "message", "feedback-report"))
        return true;
    if (g_mime_content_type_is_type(ct, "multipart", "report") &&
        (rt = g_mime_content_type_get_parameter(ct, "report-type")) != NULL &&
        g_ascii_strcasecmp(rt, "feedback-report") == 0)
        return true;
    if (!GMIME_IS_MULTIPART(obj))
        return false;
    n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
    for (i = 0; i < n && i < TK_REPORT_MIME_PARTS_MAX; i++)
        if (is_arf(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), level + 1))
            return true;
    return false;
}

/* leaf_origin pushes what names part: its file name, or its number and
 * type. */
static size_t leaf_origin(struct mail_walk *m, GMimeObject *obj, bool body)
{
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *name = g_mime_part_get_filename(GMIME_PART(obj));
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    bool attached = d != NULL && g_mime_content_disposition_is_attachment(d);

    if (name != NULL && name[0] != '\0')
        return src_origin_push(m->o, "%s %.*s", attached ? "attachment" : "inline part",
                               MAIL_SHOW_MAX, name);
    if (body)
        return src_origin_push(m->o, "body (%.40s/%.40s)", type ? type : "text",
                               sub ? sub : "plain");
    return src_origin_push(m->o, "%s %zu (%.40s/%.40s)",
                           attached    ? "attachment"
                           : d != NULL ? "inline part"
                                       : "part",
                           m->parts, type ? type : "text", sub ? sub : "plain");
}

static void mail_leaf(struct mail_walk *m, GMimeObject *obj, bool body)
{
    struct part_reader *r;
    struct src_in *in;
    GMimeStream *s;
    unsigned flags = SRC_IN_MAIL;
    size_t mark;

    if (is_type(obj, "text", "*"))
        flags |= SRC_IN_TEXT;
    if ((s = part_stream(GMIME_PART(obj))) == NULL) {
        m->w->stats->parts_skipped++;
        return;
    }
    r = g_try_malloc(sizeof(*r));
    in = g_try_malloc(sizeof(*in));
    mark = leaf_origin(m, obj, body);
    if (r == NULL || in == NULL) {
        src_skip(m->w, m->o, "out of memory: skipped");
    } else {
        r->s = s;
        src_in_init(in, part_read, r);
        src_stream(m->w, in, m->o, m->depth, flags);
    }
    src_origin_pop(m->o, mark);
    g_free(r);
    g_free(in);
    g_object_unref(s);
}

static void mail_object(struct mail_walk *m, GMimeObject *obj, int level, bool body)
{
    GMimeMessage *inner;
    int i, n;

    if (m->parts >= TK_REPORT_MIME_PARTS_MAX) {
        if (!m->parts_noted)
            src_skip(m->w, m->o, "more than %d MIME parts: the rest skipped",
                     TK_REPORT_MIME_PARTS_MAX);
        m->parts_noted = true;
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        if (level >= TK_REPORT_MIME_DEPTH_MAX) {
            src_skip(m->w, m->o, "multiparts nested more than %d deep: skipped",
                     TK_REPORT_MIME_DEPTH_MAX);
            return;
        }
        n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
        for (i = 0; i < n; i++)
            mail_object(m, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), level + 1, false);
        return;
    }
    m->parts++;
    if (GMIME_IS_MESSAGE_PART(obj)) {
        inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (inner == NULL)
            m->w->stats->parts_skipped++;
        else if (src_nested_ok(m->w, m->o, m->depth))
            mail_message(m->w, inner, m->o, m->depth + 1, "attached message", false);
        return;
    }
    if (GMIME_IS_PART(obj))
        mail_leaf(m, obj, body);
    else
        m->w->stats->parts_skipped++;
}

/* message_origin pushes "label (Message-ID <id>)". */
static size_t message_origin(struct tk_payload_origin *o, GMimeMessage *msg, const char *label)
{
    const char *id = g_mime_message_get_message_id(msg);

    if (id != NULL && id[0] != '\0' && label != NULL)
        return src_origin_push(o, "%s (Message-ID <%.*s>)", label, MAIL_SHOW_MAX, id);
    if (id != NULL && id[0] != '\0')
        return src_origin_push(o, "Message-ID <%.*s>", MAIL_SHOW_MAX, id);
    if (label != NULL)
        return src_origin_push(o, "%s", label);
    return strlen(o->text);
}

static size_t found(const struct tk_source_stats *s)
{
    return s->payloads[TK_PAYLOAD_DMARC_XML] + s->payloads[TK_PAYLOAD_TLSRPT_JSON];
}

/* mail_message walks msg at depth. outer: a message of its own (a file,
 * an mbox's, IMAP's), whose finding nothing is worth saying. */
static void mail_message(struct src_walk *w, GMimeMessage *msg, struct tk_payload_origin *o,
                         size_t depth, const char *label, bool outer)
{
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    struct mail_walk m = {w, o, depth, 0, false};
    size_t mark = message_origin(o, msg, label);
    size_t found0 = found(w->stats), skipped0 = w->stats->skipped;

    w->stats->messages++;
    if (body != NULL && is_arf(body, 0))
        src_skip(w, o, "a failure report (ARF), not an aggregate report: skipped");
    else if (body != NULL)
        mail_object(&m, body, 0, true);
    if (outer && found(w->stats) == found0 && w->stats->skipped == skipped0)
        src_skip(w, o, "no DMARC or TLS report in it: not an aggregate report: skipped");
    src_origin_pop(o, mark);
}

enum tk_status src_mail(struct src_walk *w, const void *buf, size_t len,
                        struct tk_payload_origin *o, size_t depth, const char *label,
                        struct tk_error *err)
{
    GMimeParser *parser;
    GMimeMessage *msg;
    GMimeStream *s;
    const char *why;
    char size[32];
    size_t mark;

    if (len > w->lim.message_max) {
        w->stats->messages++;
        src_size_text(w->lim.message_max, size, sizeof(size));
        mark = label ? src_origin_push(o, "%s", label) : strlen(o->text);
        src_skip(w, o, "a message larger than %s: skipped", size);
        src_origin_pop(o, mark);
        return tk_error_set(err, TK_LIMIT, "a message larger than %s", size);
    }
    if ((why = mail_prescan(buf, len)) != NULL) {
        w->stats->messages++;
        mark = label ? src_origin_push(o, "%s", label) : strlen(o->text);
        src_skip(w, o, "%s: skipped", why);
        src_origin_pop(o, mark);
        return tk_error_set(err, TK_LIMIT, "%s", why);
    }
    pthread_once(&mail_once, mail_init);
    s = g_mime_stream_mem_new_with_buffer(buf, len);
    parser = g_mime_parser_new_with_stream(s);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, NULL);
    if (msg == NULL) {
        w->stats->messages++;
        mark = label ? src_origin_push(o, "%s", label) : strlen(o->text);
        src_skip(w, o, "not a mail message that can be read: skipped");
        src_origin_pop(o, mark);
        g_object_unref(parser);
        g_object_unref(s);
        return tk_error_set(err, TK_INVALID, "not a mail message that can be read");
    }
    mail_message(w, msg, o, depth, label, true);
    g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(s);
    return TK_OK;
}
