/*
 * NAME
 *	test_dkim_canon.c - unit tests of DKIM canonicalisation
 * DESCRIPTION
 *	RFC 6376 3.4.5's example, header and body, simple and relaxed, with
 *	the outputs the RFC gives; a table of body cases (trailing empty
 *	lines, white space, lone CR and LF, no final CRLF); every case fed
 *	in every chunking gives the same bytes, so nothing depends on where
 *	a chunk ends; the hashes of an empty body (SHA-256 of CRLF for
 *	simple, of nothing for relaxed, RFC 6376 3.4.3 and errata 1384);
 *	l= cuts the hash, not the count. Random bodies, dense with white
 *	space and line ends or text-like with rare changes, canonicalised
 *	whole and in chunks, give the bytes and hash of a plain reference
 *	of RFC 6376 3.4.3 and 3.4.4; random header fields give what a plain
 *	reference of 3.4.2 gives.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "testutil.h"

#include "auth/dkim_canon.h"
#include "core/domain.h"

static void sink_to_buf(void *arg, const char *p, size_t n)
{
    assert_int_equal(tk_buf_append(arg, p, n), TK_OK);
}

/* canon_body canonicalises body in chunks of step (0: whole) and
 * returns the bytes written (caller frees) and the hash. A second body
 * without a sink (as verifiers run it) must give the same hash. */
static char *canon_body(enum tk_dkim_canon c, const char *body, size_t len, size_t step,
                        uint64_t limit, unsigned char hash[32], uint64_t *length)
{
    struct tk_dkim_body b, plain;
    struct tk_buf out = {0};
    unsigned char plain_hash[32];
    size_t i, hl = 0;

    assert_int_equal(tk_dkim_body_init(&b, c, EVP_sha256(), limit), TK_OK);
    assert_int_equal(tk_dkim_body_init(&plain, c, EVP_sha256(), limit), TK_OK);
    b.sink = sink_to_buf;
    b.sink_arg = &out;
    if (step == 0)
        step = len ? len : 1;
    for (i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        char *chunk = malloc(n); /* exactly n bytes: a read past them is caught (ASan) */

        assert_non_null(chunk);
        memcpy(chunk, body + i, n);
        tk_dkim_body_update(&b, chunk, n);
        tk_dkim_body_update(&plain, chunk, n);
        free(chunk);
    }
    *length = b.length; /* before final: final adds the last CRLF */
    assert_int_equal(tk_dkim_body_final(&b, hash, &hl), TK_OK);
    assert_int_equal(hl, 32);
    assert_int_equal(tk_dkim_body_final(&plain, plain_hash, &hl), TK_OK);
    assert_memory_equal(plain_hash, hash, 32);
    assert_int_equal(tk_buf_putc(&out, '\0'), TK_OK);
    return tk_buf_steal(&out);
}

/* ---- RFC 6376 3.4.5 ---- */

static const char rfc_fields[][32] = {"A: X", "B : Y\t\r\n\tZ  "};
static const char rfc_body[] = " C \r\nD \t E\r\n\r\n\r\n";

static void test_rfc6376_example_headers(void **state)
{
    struct tk_buf simple = {0}, relaxed = {0};
    size_t i;

    for (i = 0; i < NELEM(rfc_fields); i++) {
        assert_int_equal(
            tk_dkim_canon_header(TK_DKIM_SIMPLE, rfc_fields[i], strlen(rfc_fields[i]), &simple),
            TK_OK);
        assert_int_equal(tk_buf_append(&simple, "\r\n", 2), TK_OK);
        assert_int_equal(
            tk_dkim_canon_header(TK_DKIM_RELAXED, rfc_fields[i], strlen(rfc_fields[i]), &relaxed),
            TK_OK);
        assert_int_equal(tk_buf_append(&relaxed, "\r\n", 2), TK_OK);
    }
    /* RFC 6376 3.4.5: simple changes nothing; relaxed gives
     * "a:X <CRLF> b:Y <SP> Z <CRLF>" */
    assert_string_equal(tk_buf_cstr(&simple), "A: X\r\nB : Y\t\r\n\tZ  \r\n");
    assert_string_equal(tk_buf_cstr(&relaxed), "a:X\r\nb:Y Z\r\n");
    tk_buf_free(&simple);
    tk_buf_free(&relaxed);
}

static void test_rfc6376_example_body(void **state)
{
    unsigned char h[32];
    uint64_t len;
    char *s = canon_body(TK_DKIM_SIMPLE, rfc_body, strlen(rfc_body), 0, UINT64_MAX, h, &len);
    char *r = canon_body(TK_DKIM_RELAXED, rfc_body, strlen(rfc_body), 0, UINT64_MAX, h, &len);

    /* RFC 6376 3.4.5: "<SP> C <SP> <CRLF> D <SP> <HTAB> <SP> E <CRLF>"
     * and "<SP> C <CRLF> D <SP> E <CRLF>" */
    assert_string_equal(s, " C \r\nD \t E\r\n");
    assert_string_equal(r, " C\r\nD E\r\n");
    free(s);
    free(r);
}

/* ---- body cases, every chunking ---- */

struct body_case {
    const char *in;
    const char *simple;
    const char *relaxed;
};

static const struct body_case body_cases[] = {
    {"", "\r\n", ""},
    {"\r\n", "\r\n", ""},
    {"\r\n\r\n\r\n", "\r\n", ""},
    {"x", "x\r\n", "x\r\n"},
    {"x\r\n", "x\r\n", "x\r\n"},
    {"x\r\n\r\n", "x\r\n", "x\r\n"},
    {"  \r\n", "  \r\n", ""},
    {" \t \r\n\r\nx", " \t \r\n\r\nx\r\n", "\r\n\r\nx\r\n"},
    {"a\r\n\r\n \r\nb \r\n \t\r\n", "a\r\n\r\n \r\nb \r\n \t\r\n", "a\r\n\r\n\r\nb\r\n"},
    {"a  b\t\tc  \r\n", "a  b\t\tc  \r\n", "a b c\r\n"},
    {"a\rb\r\n", "a\rb\r\n", "a\rb\r\n"},
    {"a\r", "a\r\r\n", "a\r\r\n"},
    {"a\nb\r\n", "a\nb\r\n", "a\nb\r\n"},
    {"\r\n\r\nlast line", "\r\n\r\nlast line\r\n", "\r\n\r\nlast line\r\n"},
    {"x \r\n\r\n \r\n", "x \r\n\r\n \r\n", "x\r\n"},
    {"x\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", "x\r\n", "x\r\n"},
    {"x \r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\ny",
     "x \r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\ny\r\n",
     "x\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\ny\r\n"},
};

static void test_body_cases_every_chunking(void **state)
{
    size_t i, step;

    for (i = 0; i < NELEM(body_cases); i++) {
        const struct body_case *bc = &body_cases[i];
        size_t len = strlen(bc->in);

        for (step = 0; step <= (len ? len : 1); step++) {
            unsigned char h1[32], h2[32], want[32];
            uint64_t l1, l2;
            char *s = canon_body(TK_DKIM_SIMPLE, bc->in, len, step, UINT64_MAX, h1, &l1);
            char *r = canon_body(TK_DKIM_RELAXED, bc->in, len, step, UINT64_MAX, h2, &l2);

            if (strcmp(s, bc->simple) != 0 || strcmp(r, bc->relaxed) != 0)
                fail_msg("case %zu step %zu: simple '%s' relaxed '%s'", i, step, s, r);
            SHA256((const unsigned char *)bc->simple, strlen(bc->simple), want);
            assert_memory_equal(h1, want, 32);
            SHA256((const unsigned char *)bc->relaxed, strlen(bc->relaxed), want);
            assert_memory_equal(h2, want, 32);
            free(s);
            free(r);
        }
    }
}

/* The empty body's hashes every DKIM implementation agrees on. */
static void test_empty_body_hashes(void **state)
{
    static const unsigned char sha256_crlf[32] = {
        0x7e, 0xb7, 0x02, 0x57, 0x59, 0x3d, 0xa0, 0x6f, 0x68, 0x2a, 0x3d,
        0xdd, 0xa5, 0x4a, 0x9d, 0x26, 0x0d, 0x4f, 0xc5, 0x14, 0xf6, 0x45,
        0x23, 0x7f, 0x5c, 0xa7, 0x4b, 0x08, 0xf8, 0xda, 0x61, 0xa6}; /* frcCV1k9... */
    static const unsigned char sha256_empty[32] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}; /* 47DEQpj8... */
    unsigned char h[32];
    uint64_t len;

    free(canon_body(TK_DKIM_SIMPLE, "", 0, 0, UINT64_MAX, h, &len));
    assert_memory_equal(h, sha256_crlf, 32);
    free(canon_body(TK_DKIM_RELAXED, "", 0, 0, UINT64_MAX, h, &len));
    assert_memory_equal(h, sha256_empty, 32);
}

/* l= hashes that many canonical bytes; the length counts them all. */
static void test_body_length_limit(void **state)
{
    const char *body = "first line\r\nsecond line\r\n";
    unsigned char h[32], want[32];
    uint64_t len;
    size_t step;

    for (step = 0; step < 8; step++) {
        free(canon_body(TK_DKIM_SIMPLE, body, strlen(body), step, 12, h, &len));
        SHA256((const unsigned char *)"first line\r\n", 12, want);
        assert_memory_equal(h, want, 32);
        assert_int_equal(len, strlen(body));
        free(canon_body(TK_DKIM_SIMPLE, body, strlen(body), step, 0, h, &len));
        SHA256((const unsigned char *)"", 0, want);
        assert_memory_equal(h, want, 32);
    }
}

/* A million empty lines followed by content: written out in order,
 * never held as bytes. */
static void test_many_empty_lines(void **state)
{
    size_t n = 1000000, i;
    char *body = malloc(2 * n + 2);
    unsigned char h[32], want[32];
    struct tk_dkim_body b;
    size_t hl;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    assert_non_null(body);
    for (i = 0; i < n; i++)
        memcpy(body + 2 * i, "\r\n", 2);
    memcpy(body + 2 * n, "x", 2);
    assert_int_equal(tk_dkim_body_init(&b, TK_DKIM_RELAXED, EVP_sha256(), UINT64_MAX), TK_OK);
    tk_dkim_body_update(&b, body, 2 * n);
    assert_int_equal(b.empty_lines, n);
    tk_dkim_body_update(&b, body + 2 * n, 1);
    assert_int_equal(tk_dkim_body_final(&b, h, &hl), TK_OK);
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, body, 2 * n + 1);
    EVP_DigestUpdate(md, "\r\n", 2);
    EVP_DigestFinal_ex(md, want, NULL);
    assert_memory_equal(h, want, 32);
    EVP_MD_CTX_free(md);
    free(body);
}

static void test_relaxed_header_cases(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Subject: hello", "subject:hello"},
        {"SUBJECT \t:  two   words \t", "subject:two words"},
        {"To: a,\r\n b,\r\n\tc", "to:a, b, c"},
        {"X-Empty:", "x-empty:"},
        {"X-Empty:   \r\n  ", "x-empty:"},
        {"DKIM-Signature: v=1; b=ab\r\n cd", "dkim-signature:v=1; b=ab cd"},
    };
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        struct tk_buf out = {0};

        assert_int_equal(
            tk_dkim_canon_header(TK_DKIM_RELAXED, cases[i].in, strlen(cases[i].in), &out), TK_OK);
        assert_string_equal(tk_buf_cstr(&out), cases[i].want);
        tk_buf_free(&out);
    }
}

/* reference_relaxed_header is RFC 6376 3.4.2 the plainest way: the
 * name lower-cased without white space before the colon; in the value
 * every CRLF taken out (one pass, left to right), runs of SP and HTAB
 * made one SP, then SPs at its start and end dropped. */
static void reference_relaxed_header(const char *f, size_t len, struct tk_buf *out)
{
    const char *colon = memchr(f, ':', len);
    size_t name_len = (size_t)(colon - f), i, start;
    struct tk_buf v = {0};

    while (name_len > 0 && (f[name_len - 1] == ' ' || f[name_len - 1] == '\t'))
        name_len--;
    for (i = 0; i < name_len; i++)
        assert_int_equal(tk_buf_putc(out, (char)tk_ascii_lower((unsigned char)f[i])), TK_OK);
    assert_int_equal(tk_buf_putc(out, ':'), TK_OK);
    for (i = (size_t)(colon - f) + 1; i < len; i++) {
        if (f[i] == '\r' && i + 1 < len && f[i + 1] == '\n') {
            i++;
            continue;
        }
        if ((f[i] == ' ' || f[i] == '\t') && v.len > 0 && v.data[v.len - 1] == ' ')
            continue;
        assert_int_equal(tk_buf_putc(&v, f[i] == '\t' ? ' ' : f[i]), TK_OK);
    }
    for (start = 0; start < v.len && v.data[start] == ' '; start++)
        ;
    while (v.len > start && v.data[v.len - 1] == ' ')
        v.len--;
    assert_int_equal(tk_buf_append(out, v.data ? v.data + start : "", v.len - start), TK_OK);
    tk_buf_free(&v);
}

/* Random fields (white space around the colon, folded values, runs of
 * SP and HTAB, lone CR and LF, up to a few hundred bytes so the
 * 16-bytes-at-a-time scan meets each change at every offset): relaxed
 * gives what the reference gives. */
static void test_relaxed_header_matches_reference(void **state)
{
    static const char name_chars[] = "ABCxyz-";
    static const char value_chars[] = "abcdefghijklmnopqrstuvw:;= abcdefghijklmnopqrstuvw \t\r\n  ";
    unsigned long seed = 3422;
    char f[400];
    int round;

    for (round = 0; round < 3000; round++) {
        size_t nlen = 1 + testutil_rand(&seed) % 12, wsp = testutil_rand(&seed) % 3, len, j;
        struct tk_buf got = {0}, want = {0};
        char *exact;

        testutil_garbage(&seed, f, 0, nlen, name_chars, strlen(name_chars));
        memcpy(f + nlen, " \t", wsp);
        f[nlen + wsp] = ':';
        len = nlen + wsp + 1 + testutil_rand(&seed) % (sizeof(f) - nlen - wsp - 1);
        testutil_garbage(&seed, f, nlen + wsp + 1, len, value_chars, strlen(value_chars));
        for (j = nlen + wsp + 1; j + 1 < len; j++)
            if (f[j] == '\r' && testutil_rand(&seed) % 4 != 0)
                f[j + 1] = '\n';
        reference_relaxed_header(f, len, &want);
        exact = malloc(len); /* a read past the field is caught (ASan) */
        assert_non_null(exact);
        memcpy(exact, f, len);
        assert_int_equal(tk_dkim_canon_header(TK_DKIM_RELAXED, exact, len, &got), TK_OK);
        free(exact);
        if (got.len != want.len || memcmp(tk_buf_cstr(&got), tk_buf_cstr(&want), got.len) != 0)
            fail_msg("round %d: relaxed header differs from the reference", round);
        tk_buf_free(&got);
        tk_buf_free(&want);
    }
}

/* ---- bodies against a reference ---- */

/* reference_relaxed is RFC 6376 3.4.4 written the plainest way, a whole
 * body at once: split at CRLF; in each line drop white space at the end
 * and make every run of SP/HTAB one SP; drop empty lines at the end;
 * end a non-empty body with CRLF. */
static void reference_relaxed(const char *in, size_t len, struct tk_buf *out)
{
    size_t i = 0;

    while (i < len) {
        size_t end = i, k;
        bool wsp = false;

        while (end < len && !(in[end] == '\r' && end + 1 < len && in[end + 1] == '\n'))
            end++;
        for (k = i; k < end; k++) {
            if (in[k] == ' ' || in[k] == '\t') {
                wsp = true;
                continue;
            }
            if (wsp)
                assert_int_equal(tk_buf_putc(out, ' '), TK_OK);
            wsp = false;
            assert_int_equal(tk_buf_putc(out, in[k]), TK_OK);
        }
        assert_int_equal(tk_buf_append(out, "\r\n", 2), TK_OK);
        i = end < len ? end + 2 : len;
    }
    while (out->len >= 4 && memcmp(out->data + out->len - 4, "\r\n\r\n", 4) == 0)
        out->len -= 2;
    if (out->len == 2)
        out->len = 0; /* only empty lines: an empty body */
    if (out->data)
        out->data[out->len] = '\0';
}

/* reference_simple is RFC 6376 3.4.3 the plainest way: a body that is
 * empty or does not end in CRLF gets one; then CRLFs at the end are cut
 * to one. */
static void reference_simple(const char *in, size_t len, struct tk_buf *out)
{
    assert_int_equal(tk_buf_append(out, in, len), TK_OK);
    if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
        assert_int_equal(tk_buf_append(out, "\r\n", 2), TK_OK);
    while (out->len >= 4 && memcmp(out->data + out->len - 4, "\r\n\r\n", 4) == 0)
        out->len -= 2;
    out->data[out->len] = '\0';
}

/* random_body writes len random bytes of alphabet, CR mostly followed
 * by LF as line ends are. */
static void random_body(unsigned long *seed, char *body, size_t len, const char *alphabet)
{
    size_t j;

    testutil_garbage(seed, body, 0, len, alphabet, strlen(alphabet));
    for (j = 0; j + 1 < len; j++)
        if (body[j] == '\r' && testutil_rand(seed) % 4 != 0)
            body[j + 1] = '\n';
}

/* check_against canonicalises body by c whole and in chunks of 1, 7,
 * 16, 17 and 64: the bytes and the hash are the reference's. */
static void check_against(enum tk_dkim_canon c, const char *body, size_t len, int round)
{
    size_t steps[] = {0, 1, 7, 16, 17, 64}, j;
    struct tk_buf want = {0};
    unsigned char want_hash[32];

    if (c == TK_DKIM_RELAXED)
        reference_relaxed(body, len, &want);
    else
        reference_simple(body, len, &want);
    SHA256((const unsigned char *)tk_buf_cstr(&want), want.len, want_hash);
    for (j = 0; j < NELEM(steps); j++) {
        unsigned char hash[32];
        uint64_t length;
        char *got = canon_body(c, body, len, steps[j], UINT64_MAX, hash, &length);

        if (strcmp(got, tk_buf_cstr(&want)) != 0 || memcmp(hash, want_hash, 32) != 0)
            fail_msg("round %d step %zu: %s body differs from the reference", round, steps[j],
                     c == TK_DKIM_RELAXED ? "relaxed" : "simple");
        free(got);
    }
    tk_buf_free(&want);
}

/* Random bodies against the references, fed whole and in chunks:
 * dense ones (white space, CR and LF every few bytes) and text-like
 * ones (words, rare double spaces, tabs and empty lines) long enough
 * that the 16-bytes-at-a-time scan meets each byte that changes at
 * every offset of its block and at a chunk's end; some end in more
 * empty lines than a block holds. */
static void test_bodies_match_reference(void **state)
{
    static const char dense[] = "ab  \t\r\nxy z  ";
    static const char text[] = "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
                               "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
                               "\r\r\r\r \t\n";
    unsigned long seed = 6376;
    char body[1200];
    size_t k;
    int round;

    for (round = 0; round < 2000; round++) {
        const char *alphabet = round % 2 ? text : dense;
        size_t len = testutil_rand(&seed) % (round % 2 ? sizeof(body) : 300);

        random_body(&seed, body, len, alphabet);
        if (round % 4 == 1) /* trailing empty lines, more than a 16-byte block of them */
            for (k = testutil_rand(&seed) % 14; k > 0 && len + 2 <= sizeof(body); k--, len += 2)
                memcpy(body + len, "\r\n", 2);
        check_against(TK_DKIM_RELAXED, body, len, round);
        check_against(TK_DKIM_SIMPLE, body, len, round);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6376_example_headers),
        cmocka_unit_test(test_rfc6376_example_body),
        cmocka_unit_test(test_body_cases_every_chunking),
        cmocka_unit_test(test_empty_body_hashes),
        cmocka_unit_test(test_body_length_limit),
        cmocka_unit_test(test_many_empty_lines),
        cmocka_unit_test(test_relaxed_header_cases),
        cmocka_unit_test(test_relaxed_header_matches_reference),
        cmocka_unit_test(test_bodies_match_reference),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
