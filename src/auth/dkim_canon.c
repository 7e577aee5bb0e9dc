/*
 * NAME
 *	dkim_canon.c - DKIM header and body canonicalisation
 * DESCRIPTION
 *	The body canonicaliser is a small state machine over byte classes
 *	(CR, LF, SP/HTAB, other). Runs of bytes that need no change are
 *	given to the hash in one call; what may turn out to be trailing
 *	(empty lines, white space at a line's end, a CR) is held as a
 *	count or a flag, never as bytes, and written out only when content
 *	follows it. See dkim_canon.h.
 * STANDARDS
 *	RFC 6376 3.4.1 (simple header), 3.4.2 (relaxed header), 3.4.3
 *	(simple body), 3.4.4 (relaxed body), errata 1384 (empty relaxed
 *	body), 3.5 (l=).
 */
#include <stdint.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "core/domain.h"

static bool canon_is_wsp(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* ---- header fields ---- */

static enum tk_status canon_header_relaxed(const char *f, size_t len, struct tk_buf *out)
{
    const char *colon = memchr(f, ':', len);
    size_t name_len, i;
    bool wsp = false, any = false;
    enum tk_status st = TK_OK;

    if (colon == NULL) /* not a field: tk_msg never keeps one */
        return tk_buf_append(out, f, len);
    name_len = (size_t)(colon - f);
    while (name_len > 0 && canon_is_wsp(f[name_len - 1]))
        name_len--;
    for (i = 0; i < name_len && st == TK_OK; i++)
        st = tk_buf_putc(out, (char)tk_ascii_lower((unsigned char)f[i]));
    if (st == TK_OK)
        st = tk_buf_putc(out, ':');
    for (i = (size_t)(colon - f) + 1; i < len && st == TK_OK; i++) {
        if (f[i] == '\r' && i + 1 < len && f[i + 1] == '\n') {
            i++; /* unfold: the CRLF goes, the WSP after it stays */
            continue;
        }
        if (canon_is_wsp(f[i])) {
            wsp = true;
            continue;
        }
        if (wsp && any)
            st = tk_buf_putc(out, ' ');
        if (st == TK_OK)
            st = tk_buf_putc(out, f[i]);
        wsp = false;
        any = true;
    }
    return st;
}

enum tk_status tk_dkim_canon_header(enum tk_dkim_canon c, const char *field, size_t len,
                                    struct tk_buf *out)
{
    if (c == TK_DKIM_SIMPLE)
        return tk_buf_append(out, field, len);
    return canon_header_relaxed(field, len, out);
}

/* ---- the body ---- */

enum tk_status tk_dkim_body_init(struct tk_dkim_body *b, enum tk_dkim_canon c, const EVP_MD *md,
                                 uint64_t limit)
{
    memset(b, 0, sizeof(*b));
    b->canon = c;
    b->limited = limit != UINT64_MAX;
    b->limit = limit;
    b->md = EVP_MD_CTX_new();
    if (b->md == NULL)
        return TK_NOMEM;
    if (EVP_DigestInit_ex(b->md, md, NULL) != 1)
        b->failed = true;
    return TK_OK;
}

/* body_flush gives the staged bytes to the hash. */
static void body_flush(struct tk_dkim_body *b)
{
    if (b->staged > 0 && EVP_DigestUpdate(b->md, b->stage, b->staged) != 1)
        b->failed = true;
    b->staged = 0;
}

/* body_emit gives n canonical bytes to the hash, up to l=. */
static void body_emit(struct tk_dkim_body *b, const char *p, size_t n)
{
    uint64_t take = n;

    b->length = UINT64_MAX - b->length < n ? UINT64_MAX : b->length + n;
    if (b->limited)
        take = b->hashed >= b->limit ? 0 : b->limit - b->hashed < n ? b->limit - b->hashed : n;
    if (b->staged + take > sizeof(b->stage))
        body_flush(b);
    if (take >= sizeof(b->stage)) {
        if (EVP_DigestUpdate(b->md, p, (size_t)take) != 1)
            b->failed = true;
    } else if (take > 0) {
        memcpy(b->stage + b->staged, p, (size_t)take);
        b->staged += (size_t)take;
    }
    b->hashed += take;
    if (b->sink)
        b->sink(b->sink_arg, p, n);
}

/* body_flush_empty writes the empty lines held back: content follows. */
static void body_flush_empty(struct tk_dkim_body *b)
{
    static const char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
    const uint64_t per = (sizeof(crlfs) - 1) / 2;

    while (b->empty_lines > 0) {
        uint64_t k = b->empty_lines < per ? b->empty_lines : per;

        body_emit(b, crlfs, (size_t)(k * 2));
        b->empty_lines -= k;
    }
}

/* body_content writes a run of content bytes (no CR, LF, and for
 * relaxed no WSP), preceded by what was held back. */
static void body_content(struct tk_dkim_body *b, const char *p, size_t n)
{
    body_flush_empty(b);
    if (b->wsp && b->canon == TK_DKIM_RELAXED)
        body_emit(b, " ", 1);
    b->wsp = false;
    body_emit(b, p, n);
    b->in_line = true;
    b->any = true;
}

static void body_line_end(struct tk_dkim_body *b)
{
    if (b->in_line)
        body_emit(b, "\r\n", 2);
    else if (b->empty_lines < UINT64_MAX)
        b->empty_lines++;
    b->in_line = false;
    b->wsp = false;
}

static bool body_is_content(char ch)
{
    return ch != '\r' && ch != '\n' && !canon_is_wsp(ch);
}

/* body_run_length counts the bytes from p that need no change: for
 * simple, up to a CR or LF; for relaxed, up to a CR, LF or white space
 * other than one SP between content bytes (kept as it is). p[0] is
 * content. */
static size_t body_run_length(const struct tk_dkim_body *b, const char *p, size_t n)
{
    size_t i;

    if (b->canon == TK_DKIM_SIMPLE) {
        for (i = 0; i < n && p[i] != '\r' && p[i] != '\n'; i++)
            ;
        return i;
    }
    for (i = 0; i < n; i++) {
        if (body_is_content(p[i]))
            continue;
        if (p[i] == ' ' && i + 1 < n && body_is_content(p[i + 1]))
            continue;
        break;
    }
    return i;
}

void tk_dkim_body_update(struct tk_dkim_body *b, const char *p, size_t n)
{
    size_t i = 0, run;

    while (i < n) {
        if (b->cr) {
            b->cr = false;
            if (p[i] == '\n') {
                body_line_end(b);
                i++;
                continue;
            }
            body_content(b, "\r", 1); /* a CR alone is content */
        }
        if (p[i] == '\r') {
            b->cr = true;
            i++;
        } else if (b->canon == TK_DKIM_RELAXED && canon_is_wsp(p[i])) {
            b->wsp = true;
            i++;
        } else if ((run = body_run_length(b, p + i, n - i)) > 0) {
            body_content(b, p + i, run);
            i += run;
        } else {
            body_content(b, p + i, 1); /* a LF alone is content */
            i++;
        }
    }
}

enum tk_status tk_dkim_body_final(struct tk_dkim_body *b, unsigned char *out, size_t *outlen)
{
    unsigned int len = 0;
    enum tk_status st = TK_OK;

    if (b->cr) {
        b->cr = false;
        body_content(b, "\r", 1);
    }
    /* simple: the body ends in exactly one CRLF, an empty one is CRLF;
     * relaxed: a CRLF ends a last line with content, an empty body
     * stays empty (RFC 6376 3.4.3, 3.4.4, errata 1384). */
    if (b->in_line || (b->canon == TK_DKIM_SIMPLE && !b->any))
        body_emit(b, "\r\n", 2);
    b->in_line = false;
    body_flush(b);
    if (b->failed || EVP_DigestFinal_ex(b->md, out, &len) != 1)
        st = TK_IO;
    *outlen = len;
    tk_dkim_body_free(b);
    return st;
}

void tk_dkim_body_free(struct tk_dkim_body *b)
{
    EVP_MD_CTX_free(b->md);
    b->md = NULL;
}
