/*
 * NAME
 *	source_archive.c - gzip streams and zip archives of reports
 * SUMMARY
 *	Decompresses through libarchive, a stream at a time, and hands what
 *	comes out back to src_stream to be sniffed like any other bytes.
 * DESCRIPTION
 *	libarchive reads the compressed bytes through a callback from the
 *	stream below (a file, a MIME part, another archive's entry), so no
 *	archive is ever held whole. A gzip stream is libarchive's "raw"
 *	format behind its gzip filter (one entry: the decompressed bytes); a
 *	zip is read with the streaming zip reader, entry by entry from the
 *	local headers, never from the central directory: a central directory
 *	can announce millions of entries, and libarchive's seeking reader
 *	would hold them all.
 * STANDARDS
 *	RFC 1952 (gzip), PKWARE APPNOTE.TXT (zip local file headers).
 * LIMITS
 *	Every decompressed stream stops at lim->decompressed_max bytes ("a
 *	zip or gzip bomb"), and everything decompressed out of one file or
 *	message at TK_REPORT_DECOMPRESSED_TOTAL_FACTOR times that (the
 *	walk's budget); an entry whose header declares more than the cap is
 *	skipped without being inflated. lim->zip_entries_max entries of a
 *	zip are looked at. Entry names longer than TK_REPORT_ZIP_NAME_MAX or
 *	holding a NUL, a control byte, an absolute path or a ".." step are
 *	refused. Nesting is counted by the caller (src_nested_ok).
 * SECURITY
 *	Names from an archive are only shown, never opened. libarchive
 *	stores a name up to its first NUL, so a name such as "a.xml\0.exe"
 *	would reach us as "a.xml": the raw local headers are scanned as they
 *	stream past (zip_scan) and a name that held a NUL is refused.
 *	An entry cut short by a limit whose compressed length is unknown
 *	(written with a data descriptor) ends the archive: libarchive could
 *	only find the next entry by inflating the rest of it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/limits.h"
#include "reports/source_impl.h"

/* Names with a NUL remembered from the raw local headers: a zip with
 * more than this many such names is plainly hostile; the rest are
 * refused too (scan->overflow). */
#define ZIP_NUL_NAMES_MAX 16

/* zip_scan follows the raw bytes of a zip for local file headers
 * ("PK\3\4", 26 bytes, the name) and keeps, for each name holding a
 * NUL, the part before the NUL: the name libarchive will report. */
struct zip_scan {
    uint32_t sig;
    int state; /* 0: looking for a signature; 1: fixed header; 2: name */
    unsigned char hdr[26];
    size_t hdr_len;
    size_t name_len, name_got;
    char name[TK_REPORT_ZIP_NAME_MAX + 1];
    bool name_nul;
    size_t n;
    bool overflow;
    char nul_names[ZIP_NUL_NAMES_MAX][TK_REPORT_ZIP_NAME_MAX + 1];
};

struct arc {
    struct src_walk *w;
    struct src_in *up; /* the compressed bytes */
    struct archive *a;
    const char *what; /* "gzip", "zip" */
    size_t total;     /* bytes out of the current entry */
    bool capped;      /* the current entry passed a limit */
    bool up_reported; /* up's failure was reported through an entry */
    bool scan_on;
    struct zip_scan scan;
    unsigned char buf[SRC_CHUNK];
};

static void zip_scan_name_done(struct zip_scan *z)
{
    if (z->name_nul) {
        if (z->n < ZIP_NUL_NAMES_MAX)
            memcpy(z->nul_names[z->n++], z->name, sizeof(z->name));
        else
            z->overflow = true;
    }
    z->state = 0;
    z->sig = 0;
}

static void zip_scan_byte(struct zip_scan *z, unsigned char ch)
{
    switch (z->state) {
    case 0:
        z->sig = (z->sig >> 8) | (uint32_t)ch << 24;
        if (z->sig == 0x04034b50u) {
            z->state = 1;
            z->hdr_len = 0;
        }
        return;
    case 1:
        z->hdr[z->hdr_len++] = ch;
        if (z->hdr_len < sizeof(z->hdr))
            return;
        z->name_len = (size_t)z->hdr[22] | (size_t)z->hdr[23] << 8;
        z->name_got = 0;
        z->name_nul = false;
        memset(z->name, 0, sizeof(z->name));
        z->state = 2;
        if (z->name_len == 0)
            zip_scan_name_done(z);
        return;
    default:
        if (ch == 0 && z->name_got < sizeof(z->name) - 1)
            z->name_nul = true;
        else if (!z->name_nul && z->name_got < sizeof(z->name) - 1)
            z->name[z->name_got] = (char)ch;
        if (++z->name_got == z->name_len)
            zip_scan_name_done(z);
        return;
    }
}

static void zip_scan_feed(struct zip_scan *z, const void *buf, size_t len)
{
    struct tk_cursor c;
    int ch;

    tk_cursor_init(&c, buf, len);
    while ((ch = tk_cursor_next(&c)) >= 0)
        zip_scan_byte(z, (unsigned char)ch);
}

/* zip_scan_had_nul is true when a local header named name + NUL + more. */
static bool zip_scan_had_nul(const struct zip_scan *z, const char *name)
{
    size_t i;

    for (i = 0; i < z->n; i++)
        if (strcmp(z->nul_names[i], name) == 0)
            return true;
    return z->overflow;
}

/* ---- libarchive callbacks ---- */

static la_ssize_t arc_read_cb(struct archive *a, void *ctx, const void **buf)
{
    struct arc *x = ctx;
    ssize_t n = src_in_read(x->up, buf);

    if (n < 0) {
        archive_set_error(a, EIO, "%s", x->up->err.msg);
        return -1;
    }
    if (x->scan_on && n > 0)
        zip_scan_feed(&x->scan, *buf, (size_t)n);
    return n;
}

/* arc_entry_read is the read of the stream out of the current entry:
 * decompressed bytes, counted against the cap and the walk's budget. */
static ssize_t arc_entry_read(void *ctx, const void **buf, struct tk_error *err)
{
    struct arc *x = ctx;
    struct src_walk *w = x->w;
    la_ssize_t n = archive_read_data(x->a, x->buf, sizeof(x->buf));
    char size[32];

    if (n < 0) {
        if (x->up->failed) {
            x->up_reported = true;
            *err = x->up->err;
            return -1;
        }
        tk_error_set(err, TK_INVALID, "corrupt %s data: %s", x->what,
                     archive_error_string(x->a) ? archive_error_string(x->a) : "unreadable");
        return -1;
    }
    if ((size_t)n > w->lim.decompressed_max - x->total) {
        x->capped = true;
        src_size_text(w->lim.decompressed_max, size, sizeof(size));
        tk_error_set(err, TK_LIMIT, "larger than %s when decompressed", size);
        return -1;
    }
    if ((size_t)n > w->budget) {
        x->capped = true;
        src_size_text(w->lim.decompressed_max * TK_REPORT_DECOMPRESSED_TOTAL_FACTOR, size,
                      sizeof(size));
        tk_error_set(err, TK_LIMIT, "more than %s decompressed from one file or message", size);
        return -1;
    }
    x->total += (size_t)n;
    w->budget -= (size_t)n;
    *buf = x->buf;
    return n;
}

static struct arc *arc_open(struct src_walk *w, struct src_in *up, const char *what, bool zip)
{
    struct arc *x = calloc(1, sizeof(*x));

    if (x == NULL)
        return NULL;
    x->w = w;
    x->up = up;
    x->what = what;
    x->scan_on = zip;
    if ((x->a = archive_read_new()) == NULL) {
        free(x);
        return NULL;
    }
    if (zip) {
        archive_read_support_format_zip_streamable(x->a);
    } else {
        archive_read_support_filter_gzip(x->a);
        archive_read_support_format_raw(x->a);
    }
    return x;
}

static void arc_close(struct arc *x)
{
    archive_read_free(x->a);
    free(x);
}

/* arc_error is the reason libarchive failed, ours when the stream below
 * failed (a limit reached further up, say). */
static const char *arc_error(struct arc *x)
{
    if (x->up->failed)
        return x->up->err.msg;
    return archive_error_string(x->a) ? archive_error_string(x->a) : "unreadable";
}

/* arc_entry streams the current entry to src_stream at depth. */
static void arc_entry(struct arc *x, struct tk_payload_origin *o, size_t depth)
{
    struct src_in *in = malloc(sizeof(*in));

    if (in == NULL) {
        src_skip(x->w, o, "out of memory: skipped");
        return;
    }
    x->total = 0;
    x->capped = false;
    src_in_init(in, arc_entry_read, x);
    src_stream(x->w, in, o, depth, 0);
    free(in);
}

/* ---- gzip ---- */

void src_gzip(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth)
{
    struct archive_entry *e;
    struct arc *x;
    const char *name;
    size_t mark;

    w->stats->archives++;
    if ((x = arc_open(w, in, "gzip", false)) == NULL) {
        src_skip(w, o, "out of memory: skipped");
        return;
    }
    if (archive_read_open(x->a, x, NULL, arc_read_cb, NULL) != ARCHIVE_OK ||
        archive_read_next_header(x->a, &e) != ARCHIVE_OK) {
        src_skip(w, o, "not a gzip stream that can be read: %s: skipped", arc_error(x));
        arc_close(x);
        return;
    }
    /* Without the gzip filter the raw format would hand back the
     * compressed bytes themselves, to be sniffed as gzip again. */
    if (archive_filter_code(x->a, 0) != ARCHIVE_FILTER_GZIP) {
        src_skip(w, o, "not a gzip stream that can be read: skipped");
        arc_close(x);
        return;
    }
    /* The name stored in the gzip header, if any: raw says "data". */
    name = archive_entry_pathname(e);
    if (name != NULL && name[0] != '\0' && strcmp(name, "data") != 0 &&
        strlen(name) <= TK_REPORT_ZIP_NAME_MAX)
        mark = src_origin_push(o, "%s", name);
    else
        mark = src_origin_push(o, "gzip content");
    arc_entry(x, o, depth);
    src_origin_pop(o, mark);
    arc_close(x);
}

/* ---- zip ---- */

static bool is_not_separator(int ch)
{
    return ch != '/' && ch != '\\';
}

/* zip_name_bad says why an entry name is refused, or NULL. */
static const char *zip_name_bad(const struct arc *x, const char *name)
{
    struct tk_cursor c;
    struct tk_span step;
    size_t len;
    int ch;

    if (name == NULL || name[0] == '\0')
        return "has no name";
    len = strlen(name);
    if (len > TK_REPORT_ZIP_NAME_MAX)
        return "a name longer than 255 bytes";
    if (zip_scan_had_nul(&x->scan, name))
        return "a name holding a NUL byte";
    tk_cursor_init(&c, name, len);
    while ((ch = tk_cursor_next(&c)) >= 0)
        if (ch < 0x20 || ch == 0x7f)
            return "a name holding a control byte";
    if (name[0] == '/' || name[0] == '\\' || (len >= 2 && name[1] == ':'))
        return "an absolute name";
    tk_cursor_init(&c, name, len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_while(&c, is_not_separator, &step);
        if (tk_span_eq(step, ".."))
            return "a name that climbs out of the archive (..)";
        tk_cursor_next(&c);
    }
    return NULL;
}

/* zip_entry_skip is true when entry idx (e) is not looked at: a
 * directory (silently), or a refused name, type or size (reported). */
static bool zip_entry_skip(struct arc *x, struct archive_entry *e, size_t idx,
                           struct tk_payload_origin *o)
{
    const char *name = archive_entry_pathname(e);
    const char *bad;
    char size[32];

    if (archive_entry_filetype(e) == AE_IFDIR)
        return true;
    if ((bad = zip_name_bad(x, name)) != NULL) {
        src_skip(x->w, o, "entry %zu: %s: skipped", idx, bad);
        return true;
    }
    if (archive_entry_filetype(e) != AE_IFREG) {
        src_skip(x->w, o, "entry %zu (%s): not a regular file: skipped", idx, name);
        return true;
    }
    if (archive_entry_is_encrypted(e)) {
        src_skip(x->w, o, "entry %zu (%s): encrypted: skipped", idx, name);
        return true;
    }
    if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
        (uint64_t)archive_entry_size(e) > x->w->lim.decompressed_max) {
        src_size_text(x->w->lim.decompressed_max, size, sizeof(size));
        src_skip(x->w, o, "entry %zu (%s): larger than %s when decompressed: skipped", idx, name,
                 size);
        return true;
    }
    return false;
}

/* zip_next reads the next header: 1 for an entry, 0 at the end, -1
 * when the archive can be read no further (reported). */
static int zip_next(struct arc *x, struct archive_entry **e, size_t idx,
                    struct tk_payload_origin *o)
{
    int r = archive_read_next_header(x->a, e);

    if (r == ARCHIVE_EOF)
        return 0;
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
        return 1;
    if (!(x->up->failed && x->up_reported))
        src_skip(x->w, o, "entry %zu: %s%s", idx, arc_error(x),
                 idx > 1 ? ": the rest of the archive skipped" : ": skipped");
    return -1;
}

void src_zip(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth)
{
    struct archive_entry *e;
    struct arc *x;
    size_t idx, mark;
    int r;

    w->stats->archives++;
    if ((x = arc_open(w, in, "zip", true)) == NULL) {
        src_skip(w, o, "out of memory: skipped");
        return;
    }
    if (archive_read_open(x->a, x, NULL, arc_read_cb, NULL) != ARCHIVE_OK) {
        src_skip(w, o, "not a zip archive that can be read: %s: skipped", arc_error(x));
        arc_close(x);
        return;
    }
    for (idx = 1; (r = zip_next(x, &e, idx, o)) > 0; idx++) {
        if (idx > w->lim.zip_entries_max) {
            src_skip(w, o, "more than %zu entries: the rest skipped", w->lim.zip_entries_max);
            break;
        }
        if (zip_entry_skip(x, e, idx, o))
            continue;
        mark = src_origin_push(o, "%s", archive_entry_pathname(e));
        arc_entry(x, o, depth);
        src_origin_pop(o, mark);
        if (x->up->failed)
            break;
        if (x->capped && (!archive_entry_size_is_set(e) || w->budget == 0)) {
            src_skip(w, o, "entries after entry %zu not looked at (a limit was reached)", idx);
            break;
        }
    }
    if (r == 0 && idx == 1)
        src_skip(w, o, "a zip archive with no entries: skipped");
    arc_close(x);
}
