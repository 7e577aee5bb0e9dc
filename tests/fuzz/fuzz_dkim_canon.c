/*
 * NAME
 *	fuzz_dkim_canon.c - libFuzzer harness for DKIM canonicalisation
 * DESCRIPTION
 *	The input is a header field and a body: the first byte picks a chunk
 *	size, the rest is canonicalised as a field (relaxed and simple) and
 *	as a body (both algorithms), whole and in chunks. Checks: simple
 *	header output is the input; relaxed header output has no CR or LF
 *	where the input folded, no run of white space, no white space at
 *	its end or after the colon, a lower-case name; relaxed body output
 *	has no HTAB, no run of spaces and no space before a CRLF, is empty
 *	or ends in one CRLF; simple body output ends in exactly one CRLF;
 *	chunked and whole give the same bytes and hash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim_canon.h"
#include "fuzz_util.h"

static void sink(void *arg, const char *p, size_t n)
{
    check(tk_buf_append(arg, p, n) == TK_OK);
}

static void body_run(enum tk_dkim_canon c, const char *p, size_t n, size_t step, struct tk_buf *out,
                     unsigned char hash[32])
{
    struct tk_dkim_body b;
    size_t i, hl = 0;

    check(tk_dkim_body_init(&b, c, EVP_sha256(), UINT64_MAX) == TK_OK);
    b.sink = sink;
    b.sink_arg = out;
    for (i = 0; i < n; i += step)
        tk_dkim_body_update(&b, p + i, n - i < step ? n - i : step);
    check(tk_dkim_body_final(&b, hash, &hl) == TK_OK && hl == 32);
}

static int ends_with(const struct tk_buf *b, const char *s)
{
    size_t n = strlen(s);

    return b->len >= n && memcmp(b->data + b->len - n, s, n) == 0;
}

static void body_check(const char *p, size_t n, size_t step)
{
    struct tk_buf r1 = {0}, r2 = {0}, s1 = {0}, s2 = {0};
    unsigned char h1[32], h2[32], h3[32], h4[32];
    size_t i;

    body_run(TK_DKIM_RELAXED, p, n, n ? n : 1, &r1, h1);
    body_run(TK_DKIM_RELAXED, p, n, step, &r2, h2);
    body_run(TK_DKIM_SIMPLE, p, n, n ? n : 1, &s1, h3);
    body_run(TK_DKIM_SIMPLE, p, n, step, &s2, h4);
    check(r1.len == r2.len && (r1.len == 0 || memcmp(r1.data, r2.data, r1.len) == 0));
    check(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0);
    check(memcmp(h1, h2, 32) == 0 && memcmp(h3, h4, 32) == 0);
    for (i = 0; i < r1.len; i++) {
        check(r1.data[i] != '\t');
        if (r1.data[i] == ' ' && i + 1 < r1.len)
            check(r1.data[i + 1] != ' ' &&
                  !(r1.data[i + 1] == '\r' && i + 2 < r1.len && r1.data[i + 2] == '\n'));
    }
    check(r1.len == 0 || (ends_with(&r1, "\r\n") && !ends_with(&r1, "\r\n\r\n")));
    check(r1.len == 0 || !(r1.len == 2 && ends_with(&r1, "\r\n")));
    check(ends_with(&s1, "\r\n") && (s1.len == 2 || !ends_with(&s1, "\r\n\r\n")));
    tk_buf_free(&r1);
    tk_buf_free(&r2);
    tk_buf_free(&s1);
    tk_buf_free(&s2);
}

static void header_check(const char *p, size_t n)
{
    struct tk_buf simple = {0}, relaxed = {0};
    const char *colon = memchr(p, ':', n);
    size_t i;

    check(tk_dkim_canon_header(TK_DKIM_SIMPLE, p, n, &simple) == TK_OK);
    check(simple.len == n && (n == 0 || memcmp(simple.data, p, n) == 0));
    check(tk_dkim_canon_header(TK_DKIM_RELAXED, p, n, &relaxed) == TK_OK);
    if (colon != NULL && memchr(p, '\r', n) == NULL && memchr(p, '\n', n) == NULL) {
        const char *rc = memchr(relaxed.data, ':', relaxed.len);

        check(rc != NULL);
        for (i = 0; relaxed.data + i < rc; i++)
            check(!(relaxed.data[i] >= 'A' && relaxed.data[i] <= 'Z'));
        for (i = (size_t)(rc - relaxed.data) + 1; i < relaxed.len; i++) {
            check(relaxed.data[i] != '\t');
            check(!(relaxed.data[i] == ' ' && (i + 1 == relaxed.len || relaxed.data[i + 1] == ' ' ||
                                               relaxed.data + i - 1 == rc)));
        }
    }
    tk_buf_free(&simple);
    tk_buf_free(&relaxed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;
    size_t n = size ? size - 1 : 0, step = size ? (size_t)data[0] % 13 + 1 : 1;

    header_check(p, n);
    body_check(p, n, step);
    return 0;
}
