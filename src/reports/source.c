/*
 * NAME
 *	source.c - report sources: files, folders, Maildirs, mboxes
 * SUMMARY
 *	Walks what the user named, decides from the first bytes what each
 *	file holds, and streams report payloads to a payload sink.
 * DESCRIPTION
 *	Every file is read as a stream with a look-ahead window of
 *	SRC_SNIFF_MAX bytes (src_in). src_stream sniffs the window: gzip and
 *	zip go to source_archive.c, a mail message is read whole (it must be:
 *	MIME is parsed by GMime from memory) and goes to source_mail.c, an
 *	mbox is split into messages as it streams, XML and JSON are payloads
 *	handed to the sink chunk by chunk. Whatever a stream turns out to be
 *	inside (a zip entry, a gzip's content, a MIME part) is sniffed the
 *	same way, so a report is found whatever its name or Content-Type.
 *
 *	A directory is walked in name order through file descriptors
 *	(openat, O_NOFOLLOW): a symbolic link is never followed, a name
 *	swapped for a link between look and open is refused by the kernel.
 *	A directory holding cur/ and new/ is a Maildir: the messages in cur/
 *	and new/ are read (never tmp/, where deliveries are half written),
 *	and sub-folders of Maildir++ (".Reports") are walked as Maildirs.
 * STANDARDS
 *	RFC 5322 (message header fields, to recognise a message); RFC 4155
 *	(the mbox "From " line; lines are not un-quoted: ">From " in a
 *	report body changes no report); RFC 1952 and PKWARE APPNOTE (the
 *	magic numbers only).
 * LIMITS
 *	TK_REPORT_DIR_DEPTH_MAX directories below the one named,
 *	TK_REPORT_DIR_ENTRIES_MAX names read from one; lim->message_max
 *	bytes of one message (a longer one in an mbox is skipped up to the
 *	next "From " line); lim->decompressed_max per payload and
 *	TK_REPORT_DECOMPRESSED_TOTAL_FACTOR times that per file or message
 *	(source_archive.c counts it); TK_SOURCE_SKIPS_MAX reasons kept.
 * SECURITY
 *	Input is looked at only through tk_cursor. Names and origins shown to
 *	people are made printable (tk_text_sanitise). Nothing is written to
 *	disk and no name from an archive or a message is ever opened.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "core/text.h"
#include "reports/source.h"
#include "reports/source_impl.h"

#define SRC_PATH_MAX 4096

/* ---- limits, skips, origins ---- */

void tk_report_limits_default(struct tk_payload_limits *lim)
{
    lim->decompressed_max = TK_REPORT_DECOMPRESSED_DEFAULT;
    lim->zip_entries_max = TK_REPORT_ZIP_ENTRIES_MAX;
    lim->nesting_max = TK_REPORT_NESTING_MAX;
    lim->message_max = TK_REPORT_MESSAGE_MAX;
}

static size_t limit_pick(size_t want, size_t dflt, size_t max)
{
    if (want == 0)
        return dflt;
    return want > max ? max : want;
}

static void walk_init(struct src_walk *w, const struct tk_payload_limits *lim,
                      const struct tk_payload_sink *sink, struct tk_source_stats *stats)
{
    struct tk_payload_limits d;

    tk_report_limits_default(&d);
    if (lim == NULL)
        lim = &d;
    w->lim.decompressed_max =
        limit_pick(lim->decompressed_max, d.decompressed_max, TK_REPORT_DECOMPRESSED_MAX);
    w->lim.zip_entries_max =
        limit_pick(lim->zip_entries_max, d.zip_entries_max, TK_REPORT_ZIP_ENTRIES_MAX);
    w->lim.nesting_max = limit_pick(lim->nesting_max, d.nesting_max, TK_REPORT_NESTING_MAX);
    w->lim.message_max = limit_pick(lim->message_max, d.message_max, TK_REPORT_MESSAGE_MAX);
    w->sink = sink;
    w->stats = stats;
    w->budget = 0;
}

/* walk_budget_reset starts the decompression budget of one file or one
 * top-level message. */
static void walk_budget_reset(struct src_walk *w)
{
    w->budget = w->lim.decompressed_max * TK_REPORT_DECOMPRESSED_TOTAL_FACTOR;
}

void src_skip(struct src_walk *w, const struct tk_payload_origin *o, const char *fmt, ...)
{
    struct tk_source_stats *s = w->stats;
    char why[TK_SOURCE_SKIP_TEXT_MAX];
    va_list ap;

    s->skipped++;
    if (s->nskip >= TK_SOURCE_SKIPS_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (o != NULL && o->text[0] != '\0')
        snprintf(s->skip[s->nskip], TK_SOURCE_SKIP_TEXT_MAX, "%s: %s", o->text, why);
    else
        snprintf(s->skip[s->nskip], TK_SOURCE_SKIP_TEXT_MAX, "%s", why);
    tk_text_sanitise(s->skip[s->nskip]);
    s->nskip++;
}

size_t src_origin_push(struct tk_payload_origin *o, const char *fmt, ...)
{
    size_t mark = strlen(o->text);
    size_t room = sizeof(o->text) - mark;
    char seg[TK_PAYLOAD_ORIGIN_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(seg, sizeof(seg), fmt, ap);
    va_end(ap);
    tk_text_sanitise(seg);
    /* An origin is for people: a very deep one is cut (and says so)
     * rather than refused. */
    if (snprintf(o->text + mark, room, "%s%s", mark ? ": " : "", seg) >= (int)room && room > 4)
        memcpy(o->text + sizeof(o->text) - 4, "...", 4);
    tk_text_sanitise(o->text + mark);
    return mark;
}

void src_origin_pop(struct tk_payload_origin *o, size_t len)
{
    if (len < sizeof(o->text))
        o->text[len] = '\0';
}

void src_size_text(size_t n, char *out, size_t outlen)
{
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
        snprintf(out, outlen, "%zu MB", n / (1024 * 1024));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(out, outlen, "%zu KB", n / 1024);
    else
        snprintf(out, outlen, "%zu bytes", n);
}

bool src_nested_ok(struct src_walk *w, const struct tk_payload_origin *o, size_t depth)
{
    if (depth + 1 <= w->lim.nesting_max)
        return true;
    src_skip(w, o, "archives and messages nested more than %zu deep: skipped", w->lim.nesting_max);
    return false;
}

/* ---- streams ---- */

void src_in_init(struct src_in *in, ssize_t (*read)(void *, const void **, struct tk_error *),
                 void *ctx)
{
    memset(in, 0, sizeof(*in));
    in->read = read;
    in->ctx = ctx;
}

/* src_in_pull reads from the layer below, keeping the first failure. */
static ssize_t src_in_pull(struct src_in *in, const void **buf)
{
    ssize_t n;

    if (in->eof)
        return 0;
    tk_error_clear(&in->err);
    n = in->read(in->ctx, buf, &in->err);
    if (n < 0) {
        in->failed = true;
        if (in->err.msg[0] == '\0')
            tk_error_set(&in->err, TK_IO, "could not be read");
        return -1;
    }
    if (n == 0)
        in->eof = true;
    return n;
}

int src_in_peek(struct src_in *in)
{
    if (in->peeked)
        return in->failed ? -1 : 0;
    in->peeked = true;
    while (in->head_len < SRC_SNIFF_MAX) {
        const void *p;
        ssize_t n = src_in_pull(in, &p);
        size_t take;

        if (n < 0)
            return -1;
        if (n == 0)
            break;
        take = (size_t)n < SRC_SNIFF_MAX - in->head_len ? (size_t)n : SRC_SNIFF_MAX - in->head_len;
        memcpy(in->head + in->head_len, p, take);
        in->head_len += take;
        if (take < (size_t)n) {
            in->rest = (const unsigned char *)p + take;
            in->rest_len = (size_t)n - take;
        }
    }
    return 0;
}

ssize_t src_in_read(struct src_in *in, const void **buf)
{
    ssize_t n;

    if (in->failed)
        return -1;
    if (in->head_off < in->head_len) {
        *buf = in->head + in->head_off;
        n = (ssize_t)(in->head_len - in->head_off);
        in->head_off = in->head_len;
        return n;
    }
    if (in->rest_len > 0) {
        *buf = in->rest;
        n = (ssize_t)in->rest_len;
        in->rest_len = 0;
        return n;
    }
    return src_in_pull(in, buf);
}

struct fd_reader {
    int fd;
    unsigned char buf[SRC_CHUNK];
};

static ssize_t fd_read(void *ctx, const void **buf, struct tk_error *err)
{
    struct fd_reader *r = ctx;
    ssize_t n;

    do
        n = read(r->fd, r->buf, sizeof(r->buf));
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        tk_error_set(err, TK_IO, "read failed: %s", strerror(errno));
        return -1;
    }
    *buf = r->buf;
    return n;
}

/* ---- what a stream holds ---- */

enum src_kind { K_EMPTY, K_GZIP, K_ZIP, K_XML, K_JSON, K_MESSAGE, K_MBOX, K_HTML, K_OTHER };

static bool is_xml_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void skip_space(struct tk_cursor *c)
{
    while (is_xml_space(tk_cursor_peek(c)))
        tk_cursor_next(c);
}

/* skip_past consumes up to and including lit; false when it is not
 * within the window. */
static bool skip_past(struct tk_cursor *c, const char *lit)
{
    while (!tk_cursor_eof(c)) {
        if (tk_cursor_take_ci(c, lit))
            return true;
        tk_cursor_next(c);
    }
    return false;
}

static bool is_name_start(int ch)
{
    return tk_char_is_alpha(ch) || ch == '_';
}

static bool is_name_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':';
}

/* Elements that open an HTML document or fragment: a mail's HTML body
 * starts with '<' too, and is not a report. */
static bool is_html_element(struct tk_span name)
{
    static const char *const html[] = {"html", "head",   "body", "meta", "title", "div",
                                       "p",    "table",  "span", "br",   "style", "a",
                                       "font", "center", "img",  "h1",   "b",     "link"};
    size_t i;

    for (i = 0; i < sizeof(html) / sizeof(html[0]); i++)
        if (tk_span_eq_ci(name, html[i]))
            return true;
    return false;
}

/* sniff_markup decides between XML, HTML and neither, the cursor at the
 * first '<': the prolog (declaration, comments, processing
 * instructions, DOCTYPE) is skipped to the first element's name. */
static enum src_kind sniff_markup(struct tk_cursor *c)
{
    bool prolog = false;
    struct tk_span name;
    int guard;

    for (guard = 0; guard < 64; guard++) {
        skip_space(c);
        if (tk_cursor_eof(c))
            return prolog ? K_XML : K_OTHER;
        if (tk_cursor_take_ci(c, "<?")) {
            prolog = prolog || tk_cursor_take_ci(c, "xml");
            if (!skip_past(c, "?>"))
                return prolog ? K_XML : K_OTHER;
            continue;
        }
        if (tk_cursor_take_ci(c, "<!--")) {
            if (!skip_past(c, "-->"))
                return prolog ? K_XML : K_OTHER;
            continue;
        }
        if (tk_cursor_take_ci(c, "<!doctype")) {
            skip_space(c);
            return tk_cursor_take_ci(c, "html") ? K_HTML : K_XML;
        }
        if (!tk_cursor_take(c, '<') || !is_name_start(tk_cursor_peek(c)))
            return prolog ? K_XML : K_OTHER;
        tk_cursor_span_while(c, is_name_char, &name);
        if (!tk_cursor_eof(c) && !is_xml_space(tk_cursor_peek(c)) && tk_cursor_peek(c) != '>' &&
            tk_cursor_peek(c) != '/')
            return prolog ? K_XML : K_OTHER;
        return is_html_element(name) ? K_HTML : K_XML;
    }
    return prolog ? K_XML : K_OTHER;
}

static bool is_field_char(int ch)
{
    return ch > 32 && ch < 127 && ch != ':';
}

/* Header fields that only a mail message starts with. */
static bool is_mail_field(struct tk_span name)
{
    static const char *const fields[] = {"from",
                                         "to",
                                         "cc",
                                         "subject",
                                         "date",
                                         "message-id",
                                         "received",
                                         "return-path",
                                         "mime-version",
                                         "content-type",
                                         "delivered-to",
                                         "reply-to",
                                         "sender",
                                         "dkim-signature",
                                         "arc-seal",
                                         "authentication-results",
                                         "x-original-to",
                                         "received-spf",
                                         "content-transfer-encoding"};
    size_t i;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (tk_span_eq_ci(name, fields[i]))
            return true;
    return false;
}

/* sniff_message: the window starts with a header field, and a field
 * only mail has is among the header lines of the window. */
static bool sniff_message(struct tk_cursor *c)
{
    bool first = true, known = false;
    struct tk_span line, name;
    struct tk_cursor lc;

    while (!tk_cursor_eof(c)) {
        tk_cursor_span_until(c, '\n', &line);
        if (!tk_cursor_take(c, '\n') && !first)
            break; /* the window ends in this line */
        tk_cursor_init(&lc, line.p, line.len);
        if (tk_cursor_take(&lc, ' ') || tk_cursor_take(&lc, '\t')) {
            if (first)
                return false;
            continue; /* a folded line */
        }
        if (tk_cursor_left(&lc) == 0 || (tk_cursor_left(&lc) == 1 && tk_cursor_peek(&lc) == '\r'))
            break; /* the end of the header */
        if (tk_cursor_span_while(&lc, is_field_char, &name) == 0)
            return false;
        tk_cursor_skip_wsp(&lc);
        if (!tk_cursor_take(&lc, ':'))
            return false;
        known = known || is_mail_field(name);
        first = false;
    }
    return !first && known;
}

/* head_is: the window starts with the n bytes of magic (case counts). */
static bool head_is(const unsigned char *p, size_t len, const char *magic, size_t n)
{
    struct tk_span s = {(const char *)p, len < n ? len : n};

    return len >= n && memcmp(s.p, magic, n) == 0;
}

static enum src_kind src_sniff(const unsigned char *p, size_t n, unsigned flags)
{
    struct tk_cursor c;

    if (n == 0)
        return K_EMPTY;
    if (head_is(p, n, "\x1f\x8b\x08", 3))
        return K_GZIP;
    if (head_is(p, n, "PK\x03\x04", 4) || head_is(p, n, "PK\x05\x06", 4) ||
        head_is(p, n, "PK\x07\x08", 4))
        return K_ZIP;
    /* UTF-16 XML (expat reads it): a byte-order mark, then '<'. */
    if (head_is(p, n, "\xff\xfe<\0", 4) || head_is(p, n, "\xfe\xff\0<", 4))
        return K_XML;
    if (!(flags & SRC_IN_TEXT) && head_is(p, n, "From ", 5))
        return K_MBOX;
    tk_cursor_init(&c, p, n);
    tk_cursor_take_ci(&c, "\xef\xbb\xbf");
    skip_space(&c);
    if (tk_cursor_eof(&c))
        return K_EMPTY;
    if (tk_cursor_peek(&c) == '<')
        return sniff_markup(&c);
    if (tk_cursor_take(&c, '{')) {
        skip_space(&c);
        return tk_cursor_eof(&c) || tk_cursor_peek(&c) == '"' || tk_cursor_peek(&c) == '}'
                   ? K_JSON
                   : K_OTHER;
    }
    tk_cursor_init(&c, p, n);
    if (!(flags & SRC_IN_TEXT) && sniff_message(&c))
        return K_MESSAGE;
    return K_OTHER;
}

/* ---- payloads ---- */

static void deliver_failed(struct src_walk *w, const struct tk_payload_origin *o, const char *why)
{
    w->stats->rejected++;
    src_skip(w, o, "%s: skipped", why[0] ? why : "refused by the report parser");
}

/* src_deliver streams in to the sink as one payload of kind. The cap
 * holds for a report that was never compressed too (a plain file, a
 * MIME part): a decompressor stops its own output first. */
static void src_deliver(struct src_walk *w, struct src_in *in, enum tk_payload_kind kind,
                        const struct tk_payload_origin *o)
{
    const struct tk_payload_sink *s = w->sink;
    struct tk_error e, e2;
    size_t total = 0;
    char size[32];
    const void *p;
    ssize_t n;

    w->stats->payloads[kind]++;
    tk_error_clear(&e);
    tk_error_clear(&e2);
    if (s->begin(s->arg, kind, o, &e) != TK_OK) {
        s->end(s->arg, false, e.msg, &e2);
        deliver_failed(w, o, e.msg);
        return;
    }
    while ((n = src_in_read(in, &p)) > 0) {
        if ((size_t)n > w->lim.decompressed_max - total) {
            src_size_text(w->lim.decompressed_max, size, sizeof(size));
            tk_error_set(&in->err, TK_LIMIT, "larger than %s", size);
            n = -1;
            break;
        }
        total += (size_t)n;
        if (s->data(s->arg, p, (size_t)n, &e) != TK_OK) {
            s->end(s->arg, false, e.msg, &e2);
            deliver_failed(w, o, e.msg);
            return;
        }
    }
    if (n < 0) {
        s->end(s->arg, false, in->err.msg, &e2);
        deliver_failed(w, o, in->err.msg);
        return;
    }
    if (s->end(s->arg, true, NULL, &e) != TK_OK)
        deliver_failed(w, o, e.msg);
}

/* ---- mail messages read whole ---- */

/* read_message reads the rest of in into b, at most max bytes. -1 on a
 * read error (in->err), 1 when longer than max (b is emptied). */
static int read_message(struct src_in *in, struct tk_buf *b, size_t max)
{
    const void *p;
    ssize_t n;

    while ((n = src_in_read(in, &p)) > 0) {
        if ((size_t)n > max - b->len) {
            tk_buf_free(b);
            return 1;
        }
        if (tk_buf_append(b, p, (size_t)n) != TK_OK) {
            tk_error_set(&in->err, TK_NOMEM, "out of memory reading a message");
            tk_buf_free(b);
            return -1;
        }
    }
    return n < 0 ? -1 : 0;
}

static void src_message_stream(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o,
                               size_t depth)
{
    struct tk_buf b = {0};
    struct tk_error e;
    char size[32];
    int r;

    r = read_message(in, &b, w->lim.message_max);
    if (r != 0) {
        src_size_text(w->lim.message_max, size, sizeof(size));
        w->stats->messages++;
        if (r > 0)
            src_skip(w, o, "a message larger than %s: skipped", size);
        else
            src_skip(w, o, "%s: skipped", in->err.msg);
        return;
    }
    src_mail(w, b.data, b.len, o, depth, "message", &e);
    tk_buf_free(&b);
}

/* ---- mbox ---- */

/* The mbox splitter: bytes arrive in chunks; a line starting "From " ends
 * the message before it. The first five bytes of each line are held in
 * head until it is known whether the line is a "From " line. */
struct mbox_split {
    struct src_walk *w;
    struct tk_payload_origin *o;
    size_t depth;
    struct tk_buf msg;
    bool started;  /* a "From " line has begun a message */
    bool oversize; /* this message passed message_max: dropped */
    bool in_from;  /* within the "From " line itself (not kept) */
    bool line_start;
    char head[5];
    size_t head_len;
    size_t n; /* messages begun */
};

static void mbox_flush(struct mbox_split *m)
{
    struct src_walk *w = m->w;
    struct tk_error e;
    char size[32], label[32];
    size_t mark;

    if (!m->started)
        return;
    walk_budget_reset(w);
    snprintf(label, sizeof(label), "message %zu", m->n);
    if (m->oversize) {
        w->stats->messages++;
        mark = src_origin_push(m->o, "%s", label);
        src_size_text(w->lim.message_max, size, sizeof(size));
        src_skip(w, m->o, "a message larger than %s: skipped", size);
        src_origin_pop(m->o, mark);
    } else if (src_nested_ok(w, m->o, m->depth)) {
        src_mail(w, m->msg.data, m->msg.len, m->o, m->depth + 1, label, &e);
    }
    tk_buf_reset(&m->msg);
    m->oversize = false;
}

static void mbox_keep(struct mbox_split *m, const void *p, size_t n)
{
    if (!m->started || m->oversize)
        return;
    if (n > m->w->lim.message_max - m->msg.len || tk_buf_append(&m->msg, p, n) != TK_OK) {
        m->oversize = true;
        tk_buf_free(&m->msg);
    }
}

static void mbox_feed(struct mbox_split *m, const void *buf, size_t len)
{
    struct tk_cursor c;
    struct tk_span s;

    tk_cursor_init(&c, buf, len);
    while (!tk_cursor_eof(&c)) {
        if (m->in_from) {
            tk_cursor_span_until(&c, '\n', NULL);
            if (tk_cursor_take(&c, '\n'))
                m->in_from = false, m->line_start = true;
            continue;
        }
        if (m->line_start) {
            int ch = tk_cursor_next(&c);

            m->head[m->head_len++] = (char)ch;
            if (m->head_len < sizeof(m->head) && ch != '\n')
                continue;
            if (m->head_len == sizeof(m->head) && memcmp(m->head, "From ", 5) == 0) {
                mbox_flush(m);
                m->started = true;
                m->n++;
                m->in_from = true;
            } else {
                mbox_keep(m, m->head, m->head_len);
            }
            m->line_start = ch == '\n';
            m->head_len = 0;
            continue;
        }
        tk_cursor_span_until(&c, '\n', &s);
        if (tk_cursor_take(&c, '\n')) {
            s.len++;
            m->line_start = true;
        }
        mbox_keep(m, s.p, s.len);
    }
}

static void src_mbox(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o,
                     size_t depth)
{
    struct mbox_split m;
    const void *p;
    ssize_t n;

    memset(&m, 0, sizeof(m));
    m.w = w;
    m.o = o;
    m.depth = depth;
    m.line_start = true;
    while ((n = src_in_read(in, &p)) > 0)
        mbox_feed(&m, p, (size_t)n);
    if (m.head_len > 0)
        mbox_keep(&m, m.head, m.head_len);
    mbox_flush(&m);
    if (n < 0)
        src_skip(w, o, "%s: the rest of the mbox skipped", in->err.msg);
    tk_buf_free(&m.msg);
}

/* ---- dispatch ---- */

void src_stream(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth,
                unsigned flags)
{
    bool quiet = (flags & SRC_IN_MAIL) != 0;

    if (src_in_peek(in) < 0) {
        src_skip(w, o, "%s: skipped", in->err.msg);
        return;
    }
    switch (src_sniff(in->head, in->head_len, flags)) {
    case K_GZIP:
        if (src_nested_ok(w, o, depth))
            src_gzip(w, in, o, depth + 1);
        return;
    case K_ZIP:
        if (src_nested_ok(w, o, depth))
            src_zip(w, in, o, depth + 1);
        return;
    case K_XML:
        src_deliver(w, in, TK_PAYLOAD_DMARC_XML, o);
        return;
    case K_JSON:
        src_deliver(w, in, TK_PAYLOAD_TLSRPT_JSON, o);
        return;
    case K_MESSAGE:
        if (src_nested_ok(w, o, depth))
            src_message_stream(w, in, o, depth + 1);
        return;
    case K_MBOX:
        src_mbox(w, in, o, depth);
        return;
    case K_EMPTY:
        if (quiet)
            w->stats->parts_skipped++;
        else
            src_skip(w, o, "empty: skipped");
        return;
    case K_HTML:
        if (quiet)
            w->stats->parts_skipped++;
        else
            src_skip(w, o, "an HTML document, not a report: skipped");
        return;
    case K_OTHER:
        break;
    }
    if (quiet)
        w->stats->parts_skipped++;
    else
        src_skip(w, o, "not a report (neither XML, JSON, gzip, zip nor a mail message): skipped");
}

/* ---- files and directories ---- */

static void src_file(struct src_walk *w, int fd, const char *path)
{
    struct tk_payload_origin o;
    struct fd_reader *r;
    struct src_in *in;

    o.text[0] = '\0';
    src_origin_push(&o, "%s", path);
    w->stats->files++;
    r = malloc(sizeof(*r));
    in = malloc(sizeof(*in));
    if (r == NULL || in == NULL) {
        src_skip(w, &o, "out of memory: skipped");
        free(r);
        free(in);
        return;
    }
    r->fd = fd;
    src_in_init(in, fd_read, r);
    walk_budget_reset(w);
    src_stream(w, in, &o, 0, 0);
    free(in);
    free(r);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
    char **v;
    size_t n;
    bool more;  /* past TK_REPORT_DIR_ENTRIES_MAX */
    bool nomem; /* out of memory while listing */
};

static void names_free(struct names *ns)
{
    size_t i;

    for (i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

/* dir_names reads the names in dfd (not "." or ".."; names starting with
 * '.' only when dots), sorted. dfd stays open. */
static enum tk_status dir_names(int dfd, bool dots, struct names *ns)
{
    size_t cap = 0;
    struct dirent *de;
    DIR *d;
    int fd2 = dup(dfd);

    memset(ns, 0, sizeof(*ns));
    if (fd2 < 0 || (d = fdopendir(fd2)) == NULL) {
        int saved = errno;

        if (fd2 >= 0)
            close(fd2);
        errno = saved;
        return TK_IO;
    }
    rewinddir(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (!dots || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0))
            continue;
        if (ns->n >= TK_REPORT_DIR_ENTRIES_MAX) {
            ns->more = true;
            break;
        }
        if (ns->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nv = realloc(ns->v, ncap * sizeof(*nv));

            if (nv == NULL) {
                ns->nomem = true;
                break;
            }
            ns->v = nv;
            cap = ncap;
        }
        if ((ns->v[ns->n] = strdup(de->d_name)) == NULL) {
            ns->nomem = true;
            break;
        }
        ns->n++;
    }
    closedir(d);
    if (ns->n > 1)
        qsort(ns->v, ns->n, sizeof(*ns->v), name_cmp);
    return TK_OK;
}

static bool join_path(char *out, const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] == '/';

    return snprintf(out, SRC_PATH_MAX, "%s%s%s", dir, slash ? "" : "/", name) < SRC_PATH_MAX;
}

static bool is_subdir(int dfd, const char *name)
{
    struct stat st;

    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static bool is_maildir(int dfd)
{
    return is_subdir(dfd, "cur") && is_subdir(dfd, "new");
}

static void walk_dir(struct src_walk *w, int dfd, const char *path, size_t depth);

/* walk_subdir opens the directory name of dfd and walks it. */
static void walk_subdir(struct src_walk *w, int dfd, const char *name, const char *full,
                        const struct tk_payload_origin *o, size_t depth)
{
    int fd;

    if (depth + 1 > TK_REPORT_DIR_DEPTH_MAX) {
        src_skip(w, o, "more than %d directories deep: skipped", TK_REPORT_DIR_DEPTH_MAX);
        return;
    }
    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        src_skip(w, o, "%s: skipped", strerror(errno));
        return;
    }
    walk_dir(w, fd, full, depth + 1);
    close(fd);
}

/* walk_regular opens the regular file name of dfd and reads it. */
static void walk_regular(struct src_walk *w, int dfd, const char *name, const char *full,
                         const struct tk_payload_origin *o)
{
    struct stat st;
    int fd;

    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        src_skip(w, o, "%s: skipped", fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return;
    }
    src_file(w, fd, full);
    close(fd);
}

/* walk_entry looks at one name of the directory dfd (path). */
static void walk_entry(struct src_walk *w, int dfd, const char *path, const char *name,
                       size_t depth)
{
    struct tk_payload_origin o;
    char full[SRC_PATH_MAX];
    struct stat st;

    o.text[0] = '\0';
    if (!join_path(full, path, name)) {
        src_skip(w, NULL, "%.200s/...: path longer than %d bytes: skipped", path, SRC_PATH_MAX);
        return;
    }
    src_origin_push(&o, "%s", full);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        src_skip(w, &o, "%s: skipped", strerror(errno));
    else if (S_ISLNK(st.st_mode))
        src_skip(w, &o, "a symbolic link, not followed: skipped");
    else if (S_ISDIR(st.st_mode))
        walk_subdir(w, dfd, name, full, &o, depth);
    else if (S_ISREG(st.st_mode))
        walk_regular(w, dfd, name, full, &o);
    else
        src_skip(w, &o, "not a regular file: skipped");
}

/* walk_names walks the names of dfd (none starting with '.'). */
static void walk_names(struct src_walk *w, int dfd, const char *path, size_t depth)
{
    struct tk_payload_origin o;
    struct names ns;
    size_t i;

    o.text[0] = '\0';
    src_origin_push(&o, "%s", path);
    if (dir_names(dfd, false, &ns) != TK_OK) {
        src_skip(w, &o, "%s: skipped", strerror(errno));
        return;
    }
    w->stats->directories++;
    for (i = 0; i < ns.n; i++)
        walk_entry(w, dfd, path, ns.v[i], depth);
    if (ns.more)
        src_skip(w, &o, "more than %d entries: the rest skipped", TK_REPORT_DIR_ENTRIES_MAX);
    if (ns.nomem)
        src_skip(w, &o, "out of memory listing it: the rest skipped");
    names_free(&ns);
}

/* walk_maildir reads the messages in cur/ and new/ of the Maildir dfd
 * (never tmp/), then its Maildir++ folders (".Name" directories that
 * are Maildirs themselves); other files of a Maildir (dovecot-uidlist,
 * subscriptions) are not mail. */
static void walk_maildir(struct src_walk *w, int dfd, const char *path, size_t depth)
{
    static const char *const subs[] = {"cur", "new"};
    char full[SRC_PATH_MAX];
    struct names ns;
    size_t i;
    int fd;

    for (i = 0; i < 2; i++) {
        if (!join_path(full, path, subs[i]))
            continue;
        fd = openat(dfd, subs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            src_skip(w, NULL, "%.400s: %s: skipped", full, strerror(errno));
            continue;
        }
        walk_names(w, fd, full, depth);
        close(fd);
    }
    if (dir_names(dfd, true, &ns) != TK_OK)
        return;
    for (i = 0; i < ns.n; i++) {
        struct tk_payload_origin o;

        if (ns.v[i][0] != '.' || !is_subdir(dfd, ns.v[i]) || !join_path(full, path, ns.v[i]))
            continue;
        o.text[0] = '\0';
        src_origin_push(&o, "%s", full);
        walk_subdir(w, dfd, ns.v[i], full, &o, depth);
    }
    names_free(&ns);
}

static void walk_dir(struct src_walk *w, int dfd, const char *path, size_t depth)
{
    if (is_maildir(dfd))
        walk_maildir(w, dfd, path, depth);
    else
        walk_names(w, dfd, path, depth);
}

enum tk_status tk_report_source_path(const char *path, const struct tk_payload_limits *lim,
                                     const struct tk_payload_sink *sink,
                                     struct tk_source_stats *stats, struct tk_error *err)
{
    struct src_walk w;
    struct stat st;
    int fd;

    if (path == NULL || sink == NULL || stats == NULL)
        return tk_error_set(err, TK_USAGE, "report source: no path, sink or stats");
    walk_init(&w, lim, sink, stats);
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return tk_error_set(err, errno == ENOENT ? TK_ABSENT : TK_IO, "%.200s: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return tk_error_set(err, TK_IO, "%.200s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        walk_dir(&w, fd, path, 0);
    else if (S_ISREG(st.st_mode))
        src_file(&w, fd, path);
    else {
        close(fd);
        return tk_error_set(err, TK_IO, "%.200s: neither a file nor a directory", path);
    }
    close(fd);
    return TK_OK;
}

enum tk_status tk_report_source_message(const void *buf, size_t len, const char *origin,
                                        const struct tk_payload_limits *lim,
                                        const struct tk_payload_sink *sink,
                                        struct tk_source_stats *stats, struct tk_error *err)
{
    struct tk_payload_origin o;
    struct src_walk w;

    if ((buf == NULL && len > 0) || sink == NULL || stats == NULL)
        return tk_error_set(err, TK_USAGE, "report message: no message, sink or stats");
    walk_init(&w, lim, sink, stats);
    walk_budget_reset(&w);
    o.text[0] = '\0';
    src_origin_push(&o, "%s", origin ? origin : "message");
    return src_mail(&w, buf, len, &o, 1, NULL, err);
}
