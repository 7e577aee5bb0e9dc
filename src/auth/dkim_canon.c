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
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "core/domain.h"

static bool canon_is_wsp(char ch)
{
    return ch == ' ' || ch == '\t';
}

static EVP_MD *canon_sha256;
static pthread_once_t canon_sha256_once = PTHREAD_ONCE_INIT;

static void canon_sha256_fetch(void)
{
    canon_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *tk_dkim_sha256(void)
{
    pthread_once(&canon_sha256_once, canon_sha256_fetch);
    return canon_sha256 ? canon_sha256 : EVP_sha256();
}

/* ---- header fields ---- */

/* canon_header_relaxed writes into room reserved once (the result is
 * never longer than the field plus the colon), not a byte at a time:
 * every signed field of every message passes here. */
static enum tk_status canon_header_relaxed(const char *f, size_t len, struct tk_buf *out)
{
    const char *colon = memchr(f, ':', len);
    size_t name_len, i;
    bool wsp = false, any = false;
    enum tk_status st;
    char *w;

    if (colon == NULL) /* not a field: tk_msg never keeps one */
        return tk_buf_append(out, f, len);
    if ((st = tk_buf_reserve(out, len + 1)) != TK_OK)
        return st;
    w = out->data + out->len;
    name_len = (size_t)(colon - f);
    while (name_len > 0 && canon_is_wsp(f[name_len - 1]))
        name_len--;
    for (i = 0; i < name_len; i++)
        *w++ = (char)tk_ascii_lower((unsigned char)f[i]);
    *w++ = ':';
    for (i = (size_t)(colon - f) + 1; i < len; i++) {
        if (f[i] == '\r' && i + 1 < len && f[i + 1] == '\n') {
            i++; /* unfold: the CRLF goes, the WSP after it stays */
            continue;
        }
        if (canon_is_wsp(f[i])) {
            wsp = true;
            continue;
        }
        if (wsp && any)
            *w++ = ' ';
        *w++ = f[i];
        wsp = false;
        any = true;
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return TK_OK;
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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CANON_SWAR 1

/* swar_eq sets the top bit of each byte of w that equals c, exactly
 * (no borrow between bytes), and clears every other bit. */
static uint64_t swar_eq(uint64_t w, unsigned char c)
{
    const uint64_t lows = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t t = w ^ (0x0101010101010101ULL * c);

    return ~(((t & lows) + lows) | t | lows);
}
#endif

/* relaxed_next_change returns the index of the first byte at or after k
 * that relaxed changes: an HTAB, or an SP followed by white space or at
 * the end of the bytes; len when there is none. Text has a space every
 * few bytes, and a loop that stops at each one mispredicts a branch per
 * word: eight bytes at a time it costs a fraction of a cycle a byte. */
static size_t relaxed_next_change(const char *q, size_t k, size_t len)
{
#ifdef CANON_SWAR
    while (len - k >= 9) { /* the byte after the word is looked at too */
        uint64_t w, sp, tab, bad;

        memcpy(&w, q + k, 8);
        sp = swar_eq(w, ' ');
        tab = swar_eq(w, '\t');
        bad = tab | (sp & ((sp | tab) >> 8));
        if ((sp >> 63) && canon_is_wsp(q[k + 8]))
            bad |= 1ULL << 63;
        if (bad)
            return k + (size_t)(__builtin_ctzll(bad) >> 3);
        k += 8;
    }
#endif
    for (; k < len; k++)
        if (q[k] == '\t' || (q[k] == ' ' && (k + 1 == len || canon_is_wsp(q[k + 1]))))
            return k;
    return len;
}

/* body_relaxed_bytes writes line bytes under relaxed rules: a run of
 * white space becomes one SP, held until content follows it (so white
 * space at a line's end goes). A single SP between content bytes needs
 * no change and stays inside the run given to the hash. */
static void body_relaxed_bytes(struct tk_dkim_body *b, const char *q, size_t len)
{
    size_t k = 0, start;

    while (k < len) {
        if (canon_is_wsp(q[k])) {
            b->wsp = true;
            k++;
            continue;
        }
        start = k;
        k = relaxed_next_change(q, k, len);
        body_content(b, q + start, k - start);
    }
}

/* body_line_bytes writes bytes of one line (no CRLF among them; a CR
 * or LF alone is content). */
static void body_line_bytes(struct tk_dkim_body *b, const char *q, size_t len)
{
    if (len == 0)
        return;
    if (b->canon == TK_DKIM_SIMPLE)
        body_content(b, q, len);
    else
        body_relaxed_bytes(b, q, len);
}

/* Lines are found with memchr and handed over whole: the per-byte work
 * is only relaxed's white-space scan, so a 4 KB body costs little more
 * than its SHA-256 (bench/auth-throughput). */
void tk_dkim_body_update(struct tk_dkim_body *b, const char *p, size_t n)
{
    size_t i = 0;

    if (n > 0 && b->cr) {
        b->cr = false;
        if (p[0] == '\n') {
            body_line_end(b);
            i = 1;
        } else {
            body_content(b, "\r", 1); /* a CR alone is content */
        }
    }
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n;

        if (nl && end > i && p[end - 1] == '\r') {
            body_line_bytes(b, p + i, end - 1 - i);
            body_line_end(b);
        } else if (nl) {
            body_line_bytes(b, p + i, end - i + 1); /* a LF alone is content */
        } else {
            if (p[n - 1] == '\r') {
                b->cr = true;
                end = n - 1;
            }
            body_line_bytes(b, p + i, end - i);
            end = n;
        }
        i = end + 1;
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
