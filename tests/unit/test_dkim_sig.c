/*
 * NAME
 *	test_dkim_sig.c - unit tests of the DKIM-Signature parser
 * DESCRIPTION
 *	A good signature with every tag, read back tag by tag (folding in
 *	b= and bh=, defaults of c= and i=); then a table of broken ones,
 *	each with the status and a phrase its reason must hold: every
 *	required tag missing, duplicates (RFC 6376 3.2), bad v=, a=, c=,
 *	d=, s=, h= (no From, empty names, past the limit), i= outside d=,
 *	l=, t=, x= (not after t=), q=, bad base64, hash of the wrong size;
 *	unknown tags and z= are ignored; rsa-sha1 parses (to be reported
 *	as failing); the b= value a verifier blanks. Random base64 (folded,
 *	padded or not, bad bytes, short room) decodes as a plain character-
 *	at-a-time decoder does: status, bytes and what it reports.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth/dkim_sig.h"
#include "core/base64.h"
#include "core/buf.h"

/* A SHA-256 hash and a 64-byte signature in base64. */
#define BH "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
#define B64SIG                                                                                     \
    "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="

static const char good[] = " v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
                           " d=Football.Example.com; i=joe@sub.football.example.com;\r\n"
                           " q=dns/txt; s=brisbane; t=1528637909; x=1528737909; l=42;\r\n"
                           " h=from : to :\r\n subject : date : from; z=From:foo;\r\n"
                           " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                           " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
                           " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==; future=ignored";

static bool span_is(struct tk_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void test_good_signature(void **state)
{
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    struct tk_error err = {0};

    assert_int_equal(tk_dkim_sig_parse(good, strlen(good), sig, &err), TK_OK);
    assert_int_equal(sig->alg, TK_DKIM_ED25519_SHA256);
    assert_int_equal(sig->header_canon, TK_DKIM_RELAXED);
    assert_int_equal(sig->body_canon, TK_DKIM_RELAXED);
    assert_string_equal(sig->d, "football.example.com");
    assert_string_equal(sig->s, "brisbane");
    assert_true(sig->has_i);
    assert_string_equal(sig->i, "joe@sub.football.example.com");
    assert_string_equal(sig->i_domain, "sub.football.example.com");
    assert_int_equal(sig->nh, 5);
    assert_true(span_is(sig->h[0], "from"));
    assert_true(span_is(sig->h[2], "subject"));
    assert_true(span_is(sig->h[4], "from"));
    assert_true(sig->has_l && sig->l == 42);
    assert_true(sig->has_t && sig->t == 1528637909);
    assert_true(sig->has_x && sig->x == 1528737909);
    assert_int_equal(sig->bh_len, 32);
    assert_int_equal(sig->bh[0], 0xda); /* '2jUS' */
    assert_int_equal(sig->b_len, 64);
    assert_string_equal(sig->b_prefix, "/gCrinpc");
    free(sig);
}

static void test_defaults(void **state)
{
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    const char *v = "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=" BH "; b=" B64SIG;

    assert_int_equal(tk_dkim_sig_parse(v, strlen(v), sig, NULL), TK_OK);
    assert_int_equal(sig->header_canon, TK_DKIM_SIMPLE);
    assert_int_equal(sig->body_canon, TK_DKIM_SIMPLE);
    assert_false(sig->has_i);
    assert_string_equal(sig->i, "@example.com");
    assert_string_equal(sig->i_domain, "example.com");
    assert_false(sig->has_l || sig->has_t || sig->has_x);
    /* c=relaxed alone: the body stays simple (RFC 6376 3.5) */
    v = "v=1; a=rsa-sha256; c=relaxed; d=example.com; s=sel; h=from; bh=" BH "; b=" B64SIG;
    assert_int_equal(tk_dkim_sig_parse(v, strlen(v), sig, NULL), TK_OK);
    assert_int_equal(sig->header_canon, TK_DKIM_RELAXED);
    assert_int_equal(sig->body_canon, TK_DKIM_SIMPLE);
    /* rsa-sha1 parses, with a 20-byte body hash */
    v = "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=2jmj7l5rSw0yVb/vlWAYkK/YBwk=; b=" B64SIG;
    assert_int_equal(tk_dkim_sig_parse(v, strlen(v), sig, NULL), TK_OK);
    assert_int_equal(sig->alg, TK_DKIM_RSA_SHA1);
    assert_string_equal(tk_dkim_alg_name(sig->alg), "rsa-sha1");
    free(sig);
}

struct bad_case {
    const char *value;
    enum tk_status st;
    const char *why; /* a phrase of the reason */
};

#define TAIL "; bh=" BH "; b=" B64SIG
static const struct bad_case bad_cases[] = {
    /* required tags */
    {"a=rsa-sha256; d=e.com; s=s; h=from" TAIL, TK_INVALID, "v= is missing"},
    {"v=1; d=e.com; s=s; h=from" TAIL, TK_INVALID, "a= is missing"},
    {"v=1; a=rsa-sha256; s=s; h=from" TAIL, TK_INVALID, "d= is missing"},
    {"v=1; a=rsa-sha256; d=e.com; h=from" TAIL, TK_INVALID, "s= is missing"},
    {"v=1; a=rsa-sha256; d=e.com; s=s" TAIL, TK_INVALID, "h= is missing"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; b=" B64SIG, TK_INVALID, "bh= is missing"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=" BH, TK_INVALID, "b= is missing"},
    /* duplicates, RFC 6376 3.2 */
    {"v=1; a=rsa-sha256; d=e.com; d=e.com; s=s; h=from" TAIL, TK_INVALID, "d= appears twice"},
    {"v=1; v=1; a=rsa-sha256; d=e.com; s=s; h=from" TAIL, TK_INVALID, "appears twice"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; h=to" TAIL, TK_INVALID, "h= appears twice"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from" TAIL "; b=" B64SIG, TK_INVALID, "b= appears twice"},
    /* values */
    {"v=2; a=rsa-sha256; d=e.com; s=s; h=from" TAIL, TK_INVALID, "version 1"},
    {"v=1; a=rsa-sha512; d=e.com; s=s; h=from" TAIL, TK_INVALID, "a=rsa-sha512"},
    {"v=1; a=rsa-sha256; c=fancy; d=e.com; s=s; h=from" TAIL, TK_INVALID, "c=fancy"},
    {"v=1; a=rsa-sha256; c=relaxed/odd; d=e.com; s=s; h=from" TAIL, TK_INVALID, "c=relaxed/odd"},
    {"v=1; a=rsa-sha256; d=e com; s=s; h=from" TAIL, TK_INVALID, "is not a domain"},
    {"v=1; a=rsa-sha256; d=; s=s; h=from" TAIL, TK_INVALID, "is not a domain"},
    {"v=1; a=rsa-sha256; d=e.com; s=a b; h=from" TAIL, TK_INVALID, "is not a selector"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=to:subject" TAIL, TK_INVALID, "does not list From"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from::to" TAIL, TK_INVALID, "malformed header name"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from:" TAIL, TK_INVALID, "malformed header name"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; i=joe@evil.com; h=from" TAIL, TK_INVALID,
     "is not in d=e.com"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; i=joe@xe.com; h=from" TAIL, TK_INVALID, "is not in d=e.com"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; i=joe; h=from" TAIL, TK_INVALID, "has no '@'"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; l=-1; h=from" TAIL, TK_INVALID, "l=-1"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; l=99999999999999999999; h=from" TAIL, TK_INVALID, "l="},
    {"v=1; a=rsa-sha256; d=e.com; s=s; t=soon; h=from" TAIL, TK_INVALID, "t=soon"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; t=200; x=100; h=from" TAIL, TK_INVALID,
     "x= (expiry) is not after t="},
    {"v=1; a=rsa-sha256; d=e.com; s=s; t=200; x=200; h=from" TAIL, TK_INVALID,
     "x= (expiry) is not after t="},
    {"v=1; a=rsa-sha256; d=e.com; s=s; q=http/well-known; h=from" TAIL, TK_INVALID,
     "q=http/well-known"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=!!!!; b=" B64SIG, TK_INVALID, "bh="},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=" BH "; b=abc*def", TK_INVALID,
     "b= is empty "
     "or not base64"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=" BH "; b=", TK_INVALID, "b= is empty"},
    {"v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AAAA; b=" B64SIG, TK_INVALID,
     "decodes to 3 bytes"},
    {"v=1; a=rsa-sha1; d=e.com; s=s; h=from" TAIL, TK_INVALID, "rsa-sha1 needs 20"},
};

static void test_bad_signatures(void **state)
{
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    size_t i;

    for (i = 0; i < NELEM(bad_cases); i++) {
        struct tk_error err = {0};
        enum tk_status st =
            tk_dkim_sig_parse(bad_cases[i].value, strlen(bad_cases[i].value), sig, &err);

        if (st != bad_cases[i].st || strstr(err.msg, bad_cases[i].why) == NULL)
            fail_msg("case %zu (%s): status %s, reason '%s'", i, bad_cases[i].value,
                     tk_status_name(st), err.msg);
        assert_true(testutil_printable(err.msg));
    }
    free(sig);
}

/* h= and b= past their limits end in TK_LIMIT, never past the arrays. */
static void test_limits(void **state)
{
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    struct tk_buf v = {0};
    struct tk_error err = {0};
    size_t i;

    assert_int_equal(tk_buf_puts(&v, "v=1; a=rsa-sha256; d=e.com; s=s; h=from"), TK_OK);
    for (i = 0; i < TK_DKIM_SIG_HEADERS_MAX; i++)
        assert_int_equal(tk_buf_puts(&v, ":x-header"), TK_OK);
    assert_int_equal(tk_buf_puts(&v, TAIL), TK_OK);
    assert_int_equal(tk_dkim_sig_parse(v.data, v.len, sig, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "h= lists more than"));
    tk_buf_reset(&v);
    assert_int_equal(tk_buf_puts(&v, "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=" BH "; b="),
                     TK_OK);
    for (i = 0; i < TK_DKIM_SIG_BYTES_MAX / 3 + 2; i++)
        assert_int_equal(tk_buf_puts(&v, "AAAA"), TK_OK);
    assert_int_equal(tk_dkim_sig_parse(v.data, v.len, sig, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "16384-bit"));
    tk_buf_free(&v);
    free(sig);
}

/* The part of the raw field a verifier blanks: b='s value, not bh='s. */
static void test_b_value(void **state)
{
    static const struct {
        const char *raw, *blanked;
    } cases[] = {
        {"DKIM-Signature: bh=abc; b=xyz", "DKIM-Signature: bh=abc; b="},
        {"DKIM-Signature: b=x\r\n yz; bh=abc", "DKIM-Signature: b=; bh=abc"},
        {"DKIM-Signature: a=1;\r\n b = xy z ;d=e", "DKIM-Signature: a=1;\r\n b =;d=e"},
        {"DKIM-Signature: bh=abc", NULL},
    };
    size_t i, start, end;

    for (i = 0; i < NELEM(cases); i++) {
        const char *raw = cases[i].raw;
        char out[128];

        if (!tk_dkim_sig_b_value(raw, strlen(raw), &start, &end)) {
            assert_null(cases[i].blanked);
            continue;
        }
        assert_non_null(cases[i].blanked);
        snprintf(out, sizeof(out), "%.*s%s", (int)start, raw, raw + end);
        assert_string_equal(out, cases[i].blanked);
    }
}

static void test_base64(void **state)
{
    unsigned char out[8];
    size_t n = 0;
    struct tk_span s;

    s = (struct tk_span){"aGVs\r\n bG8=", 11};
    assert_int_equal(tk_base64_decode(s, out, sizeof(out), &n, NULL), TK_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "hello", 5);
    s = (struct tk_span){"aGVsbG8", 7}; /* missing padding is read */
    assert_int_equal(tk_base64_decode(s, out, sizeof(out), &n, NULL), TK_OK);
    assert_int_equal(n, 5);
    s = (struct tk_span){"aGVsbG8==", 9};
    assert_int_equal(tk_base64_decode(s, out, sizeof(out), &n, NULL), TK_INVALID);
    s = (struct tk_span){"a", 1};
    assert_int_equal(tk_base64_decode(s, out, sizeof(out), &n, NULL), TK_INVALID);
    s = (struct tk_span){"aGVsbG8gd29ybGQ=", 16};
    assert_int_equal(tk_base64_decode(s, out, sizeof(out), &n, NULL), TK_LIMIT);
}

/* ref_b64 is base64 decoding a character at a time, as RFC 4648 4
 * reads: white space skipped, '=' counted, nothing after it. */
static enum tk_status ref_b64(const char *in, size_t len, unsigned char *out, size_t cap,
                              size_t *outlen, struct tk_base64_info *info)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned acc = 0, nacc = 0, npad = 0;
    size_t n = 0, i;
    const char *d;

    memset(info, 0, sizeof(*info));
    info->bad = -1;
    for (i = 0; i < len; i++) {
        if (strchr(" \t\r\n", in[i]) != NULL && in[i] != '\0')
            continue;
        info->chars++;
        if (in[i] == '=') {
            npad++;
            continue;
        }
        if (in[i] == '\0' || (d = strchr(digits, in[i])) == NULL) {
            info->bad = (unsigned char)in[i];
            return TK_INVALID;
        }
        if (npad > 0) {
            info->after_pad = true;
            return TK_INVALID;
        }
        acc = acc << 6 | (unsigned)(d - digits);
        if (++nacc < 4)
            continue;
        if (cap - n < 3)
            return TK_LIMIT;
        out[n++] = (unsigned char)(acc >> 16);
        out[n++] = (unsigned char)(acc >> 8);
        out[n++] = (unsigned char)acc;
        acc = nacc = 0;
    }
    if (nacc == 1 || npad > 2 || (npad > 0 && npad != 4 - nacc))
        return TK_INVALID;
    if (nacc >= 2 && cap - n < nacc - 1)
        return TK_LIMIT;
    if (nacc >= 2)
        out[n++] = (unsigned char)(acc >> (nacc == 2 ? 4 : 10));
    if (nacc == 3)
        out[n++] = (unsigned char)(acc >> 2);
    info->unpadded = nacc > 0 && npad == 0;
    *outlen = n;
    return TK_OK;
}

/* Random base64, folded, padded or not, now and then a bad byte, into
 * room of every size: the decoder (four characters at a time where it
 * can) gives the status, bytes and info of the plain one. */
static void test_base64_matches_reference(void **state)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                                "    \r\n\t==!";
    unsigned long seed = 4648;
    int round;

    for (round = 0; round < 5000; round++) {
        char in[120];
        size_t len = testutil_rand(&seed) % sizeof(in), cap = testutil_rand(&seed) % 100;
        unsigned char got[100], want[100];
        struct tk_base64_info gi, wi;
        size_t gn = 0, wn = 0;
        enum tk_status gs, ws;

        testutil_garbage(&seed, in, 0, len, chars, strlen(chars));
        ws = ref_b64(in, len, want, cap, &wn, &wi);
        gs = tk_base64_decode((struct tk_span){in, len}, got, cap, &gn, &gi);
        if (gs != ws || gi.chars != wi.chars || gi.bad != wi.bad || gi.after_pad != wi.after_pad ||
            (gs == TK_OK && gi.unpadded != wi.unpadded) ||
            (gs == TK_OK && (gn != wn || memcmp(got, want, gn) != 0)))
            fail_msg("round %d: '%.*s' (room %zu): status %d after %zu characters, the "
                     "reference %d after %zu",
                     round, (int)len, in, cap, gs, gi.chars, ws, wi.chars);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_signature),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_signatures),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_b_value),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_base64_matches_reference),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
