/*
 * NAME
 *	dkim_canon.c - DKIM header and body canonicalisation
 * DESCRIPTION
 *	The body canonicaliser finds runs of bytes that need no change,
 *	across line ends, 16 or 32 bytes at a time, and gives each to the
 *	hash whole; only the bytes it may change (CR, and for relaxed SP
 *	and HTAB) are stepped through one at a time. What may turn out to
 *	be trailing (empty lines, white space at a line's end, a CR) is
 *	held as a count or a flag, never as bytes, and written out only
 *	when content follows it. See dkim_canon.h.
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

/* ---- runs of bytes canonicalisation keeps ---- */

/* What ends a run of unchanged bytes depends on what is canonicalised. */
enum canon_runs {
    RUNS_SIMPLE_BODY,
    RUNS_RELAXED_BODY,
    RUNS_RELAXED_HEADER,
};

/* canon_special is true when byte j of q (len bytes, j > 0) ends a run
 * of bytes kept as they are. A CR: in a header always (unfolding takes
 * CRLF out); in a body at the start of a line (an empty line, held back
 * as it may be trailing) or last in the chunk (its LF may come next).
 * For relaxed, an HTAB, or an SP followed by white space, a CR or the
 * end. A CR after a lone LF stops a body run too: a stop that was not
 * needed only costs a step through that byte. */
static bool canon_special(enum canon_runs r, const char *q, size_t j, size_t len)
{
    if (q[j] == '\r')
        return r == RUNS_RELAXED_HEADER || j + 1 == len || q[j - 1] == '\n';
    if (r == RUNS_SIMPLE_BODY || (q[j] != ' ' && q[j] != '\t'))
        return false;
    return q[j] == '\t' || j + 1 == len || canon_is_wsp(q[j + 1]) || q[j + 1] == '\r';
}

#ifdef __SSE2__
#include <emmintrin.h>

/* canon_special16 is canon_special for the 16 bytes at j, one bit a
 * byte; it reads q[j - 1] to q[j + 16]. SSE2 is in every x86-64. */
static unsigned canon_special16(enum canon_runs r, const char *q, size_t j)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + j));
    __m128i prev, next, next_wsp_cr, s = _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'));

    if (r != RUNS_RELAXED_HEADER) {
        prev = _mm_loadu_si128((const __m128i *)(const void *)(q + j - 1));
        s = _mm_and_si128(s, _mm_cmpeq_epi8(prev, _mm_set1_epi8('\n')));
    }
    if (r != RUNS_SIMPLE_BODY) {
        next = _mm_loadu_si128((const __m128i *)(const void *)(q + j + 1));
        /* x | 4 is 0x0d for HTAB (0x09) and CR (0x0d) only: one compare */
        next_wsp_cr =
            _mm_or_si128(_mm_cmpeq_epi8(next, _mm_set1_epi8(' ')),
                         _mm_cmpeq_epi8(_mm_or_si128(next, _mm_set1_epi8(4)), _mm_set1_epi8('\r')));
        s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
        s = _mm_or_si128(s, _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), next_wsp_cr));
    }
    return (unsigned)_mm_movemask_epi8(s);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* canon_special32 is canon_special16 for 32 bytes (AVX2). */
__attribute__((target("avx2"))) static uint32_t canon_special32(enum canon_runs r, const char *q,
                                                                size_t j)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(q + j));
    __m256i prev, next, next_wsp_cr, s = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r'));

    if (r != RUNS_RELAXED_HEADER) {
        prev = _mm256_loadu_si256((const __m256i *)(const void *)(q + j - 1));
        s = _mm256_and_si256(s, _mm256_cmpeq_epi8(prev, _mm256_set1_epi8('\n')));
    }
    if (r != RUNS_SIMPLE_BODY) {
        next = _mm256_loadu_si256((const __m256i *)(const void *)(q + j + 1));
        next_wsp_cr = _mm256_or_si256(
            _mm256_cmpeq_epi8(next, _mm256_set1_epi8(' ')),
            _mm256_cmpeq_epi8(_mm256_or_si256(next, _mm256_set1_epi8(4)), _mm256_set1_epi8('\r')));
        s = _mm256_or_si256(s, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t')));
        s = _mm256_or_si256(
            s, _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')), next_wsp_cr));
    }
    return (uint32_t)_mm256_movemask_epi8(s);
}

/* canon_scan32 judges 32 bytes at a time from *j while a block and
 * the byte after it are there, for CPUs with AVX2 (twice SSE2's bytes
 * a step): true with *j at the first special byte, false with *j
 * where it stopped. */
__attribute__((target("avx2"))) static bool canon_scan32(enum canon_runs r, const char *q,
                                                         size_t *j, size_t len)
{
    for (; *j + 32 < len; *j += 32) {
        uint32_t m = canon_special32(r, q, *j);

        if (m != 0) {
            *j += (size_t)__builtin_ctz(m);
            return true;
        }
    }
    return false;
}
#define CANON_AVX2 1
#endif

/* canon_run_end returns where the run of unchanged bytes that starts at
 * i ends: at the first special byte after i, or at len. Runs are most
 * of a body or a field (relaxed changes a few bytes a line), and a
 * loop stopping at every space mispredicted a branch a word: 32 bytes
 * are judged at a time with AVX2, 16 with SSE2, one at a time elsewhere
 * and for the last few. */
static size_t canon_run_end(enum canon_runs r, const char *q, size_t i, size_t len)
{
    size_t j = i + 1;

#ifdef CANON_AVX2
    if (__builtin_cpu_supports("avx2") && canon_scan32(r, q, &j, len))
        return j;
#endif
#ifdef __SSE2__
    for (; j + 16 < len; j += 16) { /* q[j + 16], the last byte's next, is read */
        unsigned m = canon_special16(r, q, j);

        if (m != 0)
            return j + (size_t)__builtin_ctz(m);
    }
#endif
    for (; j < len; j++)
        if (canon_special(r, q, j, len))
            break;
    return j;
}

/* ---- header fields ---- */

/* canon_header_relaxed writes into room reserved once (the result is
 * never longer than the field plus the colon), runs of unchanged bytes
 * copied whole: every signed field of every message passes here, and
 * a DKIM-Signature is hundreds of bytes. */
static enum tk_status canon_header_relaxed(const char *f, size_t len, struct tk_buf *out)
{
    const char *colon = memchr(f, ':', len);
    size_t name_len, i, end;
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
    for (i = (size_t)(colon - f) + 1; i < len; i = end) {
        end = i + 1;
        if (f[i] == '\r' && i + 1 < len && f[i + 1] == '\n') {
            end = i + 2; /* unfold: the CRLF goes, the WSP after it stays */
            continue;
        }
        if (canon_is_wsp(f[i])) {
            wsp = true;
            continue;
        }
        if (wsp && any)
            *w++ = ' ';
        end = canon_run_end(RUNS_RELAXED_HEADER, f, i, len);
        memcpy(w, f + i, end - i);
        w += end - i;
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

/* body_content writes a run of bytes canonicalisation keeps as they
 * are, preceded by what was held back. A run may span lines (it never
 * holds an empty line, nor white space relaxed changes): the line is
 * open after it unless it ends in CRLF. */
static void body_content(struct tk_dkim_body *b, const char *p, size_t n)
{
    body_flush_empty(b);
    if (b->wsp)
        body_emit(b, " ", 1);
    b->wsp = false;
    body_emit(b, p, n);
    b->in_line = !(n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n');
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

/* body_step takes the byte at i that cannot start a run (a CR, or for
 * relaxed white space) and returns where to go on. */
static size_t body_step(struct tk_dkim_body *b, const char *q, size_t i, size_t len)
{
    if (q[i] != '\r') { /* relaxed white space: one SP if content follows */
        b->wsp = true;
        return i + 1;
    }
    if (i + 1 == len) { /* its LF may start the next chunk */
        b->cr = true;
        return len;
    }
    if (q[i + 1] == '\n') {
        body_line_end(b);
        return i + 2;
    }
    body_content(b, q + i, 1); /* a CR alone is content */
    return i + 1;
}

/* relaxed_gap is for a run that stops at p[end], an SP followed by more
 * white space: when content follows that white space in this chunk,
 * it all becomes that one SP, and relaxed_gap returns where the content
 * starts (the run can take the SP and go on from there); 0 when it
 * cannot tell (a CR or the chunk's end follows) and the bytes are
 * stepped through. A double space between words is most of what
 * relaxed changes in text, and stepping through it cost three hash
 * writes where this costs one. */
static size_t relaxed_gap(const char *p, size_t end, size_t n)
{
    size_t k = end + 1;

    if (p[end] != ' ')
        return 0;
    while (k < n && canon_is_wsp(p[k]))
        k++;
    return k < n && p[k] != '\r' ? k : 0;
}

/* Runs of bytes canonicalisation leaves alone go to the hash whole,
 * across line ends; only the bytes it may change are stepped through
 * one at a time, so a 4 KB body costs little more than its SHA-256
 * (bench/auth-throughput). */
void tk_dkim_body_update(struct tk_dkim_body *b, const char *p, size_t n)
{
    bool relaxed = b->canon == TK_DKIM_RELAXED;
    size_t i = 0, end, gap;

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
        if (p[i] == '\r' || (relaxed && canon_is_wsp(p[i]))) {
            i = body_step(b, p, i, n);
            continue;
        }
        end = canon_run_end(relaxed ? RUNS_RELAXED_BODY : RUNS_SIMPLE_BODY, p, i, n);
        if (relaxed && end < n && (gap = relaxed_gap(p, end, n)) != 0) {
            body_content(b, p + i, end + 1 - i);
            i = gap;
            continue;
        }
        body_content(b, p + i, end - i);
        i = end;
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
