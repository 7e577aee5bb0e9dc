/*
 * NAME
 *	test_authres.c - unit tests of Authentication-Results (RFC 8601)
 * DESCRIPTION
 *	What tiaki writes is the syntax of RFC 8601 2.2 (checked against a
 *	value written by hand from the RFC) and reads back the same; the
 *	examples of RFC 8601 Appendix B parse as the RFC explains them;
 *	control bytes cannot get into a written field; fields that claim
 *	our authserv-id (any case, quoted, after comments, with a trailing
 *	dot, unparsable) are found for removal and others are kept, with
 *	the ordinals libmilter needs; hostile input ends at a limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth/authres.h"
#include "auth/message.h"

static struct tk_authres *ar_new(void)
{
    struct tk_authres *a = malloc(sizeof(*a));

    assert_non_null(a);
    return a;
}

/* ---- writing ---- */

static void three_methods(struct tk_authres_method m[3])
{
    memset(m, 0, 3 * sizeof(*m));
    m[0].method = "spf";
    m[0].result = TK_AUTH_PASS;
    m[0].nprops = 1;
    m[0].props[0] = (struct tk_authres_prop){"smtp", "mailfrom", "bounce.example.com"};
    m[1].method = "dkim";
    m[1].result = TK_AUTH_PASS;
    m[1].nprops = 3;
    m[1].props[0] = (struct tk_authres_prop){"header", "d", "example.com"};
    m[1].props[1] = (struct tk_authres_prop){"header", "s", "sel1"};
    m[1].props[2] = (struct tk_authres_prop){"header", "b", "ab/c+d=="};
    m[2].method = "dmarc";
    m[2].result = TK_AUTH_PASS;
    m[2].comment = "p=reject dis=none";
    m[2].nprops = 1;
    m[2].props[0] = (struct tk_authres_prop){"header", "from", "example.com"};
}

/* The value as RFC 8601 2.2 spells it: ';' between results, a comment
 * after the result, "/" and "=" (tspecials of RFC 2045) force quotes. */
static void test_format_expected(void **state)
{
    struct tk_authres_method m[3];
    struct tk_buf b = {0};

    three_methods(m);
    assert_int_equal(tk_authres_format("mx.example.org", m, 3, &b, NULL), TK_OK);
    assert_string_equal(b.data, "mx.example.org; spf=pass smtp.mailfrom=bounce.example.com; "
                                "dkim=pass header.d=example.com header.s=sel1 "
                                "header.b=\"ab/c+d==\"; "
                                "dmarc=pass (p=reject dis=none) header.from=example.com");
    tk_buf_free(&b);
}

static void test_format_none_and_quoting(void **state)
{
    struct tk_authres_method m;
    struct tk_buf b = {0};

    assert_int_equal(tk_authres_format("mx.example.org", NULL, 0, &b, NULL), TK_OK);
    assert_string_equal(b.data, "mx.example.org; none");
    tk_buf_reset(&b);
    memset(&m, 0, sizeof(m));
    m.method = "dmarc";
    m.result = TK_AUTH_FAIL;
    m.comment = "tricky (parens) and \\";
    m.reason = "says \"no\"";
    m.nprops = 2;
    m.props[0] = (struct tk_authres_prop){"smtp", "mailfrom", "user@example.com"};
    m.props[1] = (struct tk_authres_prop){"header", "from", "a b;c"};
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_OK);
    assert_string_equal(b.data, "mx.example.org; dmarc=fail (tricky \\(parens\\) and \\\\) "
                                "reason=\"says \\\"no\\\"\" smtp.mailfrom=user@example.com "
                                "header.from=\"a b;c\"");
    tk_buf_free(&b);
}

/* Nothing from the message or DNS can end the field early. */
static void test_format_refuses(void **state)
{
    struct tk_authres_method m;
    struct tk_buf b = {0};
    struct tk_error err = {0};

    memset(&m, 0, sizeof(m));
    m.method = "spf";
    m.nprops = 1;
    m.props[0] = (struct tk_authres_prop){"smtp", "mailfrom", "a.example\r\nX-Evil: 1"};
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, &err), TK_INVALID);
    assert_int_equal(b.len, 0);
    m.props[0].value = "ok.example";
    m.reason = "line\nbreak";
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_INVALID);
    m.reason = NULL;
    m.comment = "caf\xc3\xa9";
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_INVALID);
    m.comment = NULL;
    assert_int_equal(tk_authres_format("mx.example.org\r\n", &m, 1, &b, NULL), TK_INVALID);
    assert_int_equal(tk_authres_format("", &m, 1, &b, NULL), TK_INVALID);
    m.method = "sp f";
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_INVALID);
    assert_int_equal(b.len, 0);
    assert_true(err.msg[0] != '\0');
}

/* Produce, then parse: the same data comes back. */
static void test_round_trip(void **state)
{
    struct tk_authres_method m[3];
    struct tk_authres *a = ar_new();
    struct tk_buf b = {0};
    size_t i, j;

    three_methods(m);
    m[0].reason = "a reason; with \"quotes\"";
    m[1].props[2].value = "quote\" and \\ and (paren)";
    assert_int_equal(tk_authres_format("mx.example.org", m, 3, &b, NULL), TK_OK);
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_OK);
    assert_string_equal(a->authserv_id, "mx.example.org");
    assert_int_equal(a->version, 1);
    assert_false(a->none);
    assert_int_equal(a->nresults, 3);
    for (i = 0; i < 3; i++) {
        assert_string_equal(a->results[i].method, m[i].method);
        assert_true(a->results[i].result_known);
        assert_int_equal(a->results[i].result, m[i].result);
        assert_int_equal(a->results[i].nprops, m[i].nprops);
        for (j = 0; j < m[i].nprops; j++) {
            assert_string_equal(a->results[i].props[j].ptype, m[i].props[j].ptype);
            assert_string_equal(a->results[i].props[j].property, m[i].props[j].property);
            assert_string_equal(a->results[i].props[j].value, m[i].props[j].value);
        }
    }
    assert_true(a->results[0].has_reason);
    assert_string_equal(a->results[0].reason, "a reason; with \"quotes\"");
    tk_buf_free(&b);
    free(a);
}

/* ---- reading: RFC 8601 Appendix B ---- */

struct parse_case {
    const char *value;
    enum tk_status status;
    const char *id;
    unsigned version;
    bool none;
    size_t nresults;
    const char *method0, *result0; /* first result */
    const char *prop0, *value0;    /* its first property "ptype.property" */
    const char *method_last, *result_last;
};

static const struct parse_case parse_cases[] = {
    /* B.2 */
    {" example.org 1; none", TK_OK, "example.org", 1, true, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    /* B.3 */
    {" example.com;\r\n          spf=pass smtp.mailfrom=example.net", TK_OK, "example.com", 1,
     false, 1, "spf", "pass", "smtp.mailfrom", "example.net", "spf", "pass"},
    /* B.4, first field */
    {" example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
     "          spf=pass smtp.mailfrom=example.net",
     TK_OK, "example.com", 1, false, 2, "auth", "pass", "smtp.auth", "sender@example.net", "spf",
     "pass"},
    /* B.4, second field */
    {" example.com; iprev=pass\r\n          policy.iprev=192.0.2.200", TK_OK, "example.com", 1,
     false, 1, "iprev", "pass", "policy.iprev", "192.0.2.200", "iprev", "pass"},
    /* B.5 */
    {" example.com;\r\n          dkim=pass (good signature) header.d=mail-router.example.net;\r\n"
     "          dkim=fail (bad signature) header.d=newyork.example.com",
     TK_OK, "example.com", 1, false, 2, "dkim", "pass", "header.d", "mail-router.example.net",
     "dkim", "fail"},
    /* B.6 */
    {" mail-router.example.net;\r\n          dkim=pass (good signature) "
     "header.d=newyork.example.com\r\n                header.b=oINEO8hg;\r\n"
     "          dkim=fail (bad signature) header.d=mail-router.example.net\r\n"
     "                header.b=EToRSuvU",
     TK_OK, "mail-router.example.net", 1, false, 2, "dkim", "pass", "header.d",
     "newyork.example.com", "dkim", "fail"},
    /* B.7: an unknown method and its comment */
    {" example.com;\r\n      foo=pass bar.baz=blob (2 of 3 tests OK)", TK_OK, "example.com", 1,
     false, 1, "foo", "pass", "bar.baz", "blob", "foo", "pass"},
    {" example.com;\r\n      sender-id=fail header.from=example.com", TK_OK, "example.com", 1,
     false, 1, "sender-id", "fail", "header.from", "example.com", "sender-id", "fail"},
    /* CFWS and comments everywhere, a method version, a reason */
    {" (c) \"quoted.example\" (c) 1 (c) ; (c) DKIM (c) / (c) 1 (c) = (c) Pass (c) "
     "reason (c) = (c) \"ok\" (c) header (c) . (c) d (c) = (c) example.com (c)",
     TK_OK, "quoted.example", 1, false, 1, "dkim", "pass", "header.d", "example.com", "dkim",
     "pass"},
    {" mx.example.org; spf=hardfail smtp.mailfrom=\"a b\"@example.com", TK_OK, "mx.example.org", 1,
     false, 1, "spf", "hardfail", "smtp.mailfrom", "a b@example.com", "spf", "hardfail"},
    {" mx.example.org; dmarc=pass;", TK_OK, "mx.example.org", 1, false, 1, "dmarc", "pass", NULL,
     NULL, "dmarc", "pass"},
    /* not RFC 8601 */
    {" example.com", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {"", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" ; spf=pass", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" example.com; spf", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" example.com; spf=", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" example.com; spf=pass header.from", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL,
     NULL, NULL},
    {" example.com; spf=pass header.from example.com", TK_INVALID, NULL, 0, false, 0, NULL, NULL,
     NULL, NULL, NULL, NULL},
    {" example.com; spf=pass (unclosed", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL,
     NULL, NULL},
    {" example.com; spf=pass smtp.mailfrom=\"unclosed", TK_INVALID, NULL, 0, false, 0, NULL, NULL,
     NULL, NULL, NULL, NULL},
    {" example.com;", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" \"\" 0 ; dkim/1 = pass", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {"\n.;", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" example.com none", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL},
    {" example.com 99999999999; none", TK_INVALID, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL,
     NULL},
};

static void test_parse_table(void **state)
{
    struct tk_authres *a = ar_new();
    size_t i;

    for (i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *t = &parse_cases[i];
        struct tk_error err = {0};
        enum tk_status st = tk_authres_parse(t->value, strlen(t->value), a, &err);

        if (st != t->status)
            fail_msg("case %zu: %s, want %s (%s)", i, tk_status_name(st), tk_status_name(t->status),
                     err.msg);
        if (st != TK_OK) {
            assert_true(err.msg[0] != '\0');
            continue;
        }
        assert_string_equal(a->authserv_id, t->id);
        assert_int_equal(a->version, t->version);
        assert_int_equal(a->none, t->none);
        assert_int_equal(a->nresults, t->nresults);
        if (t->nresults == 0)
            continue;
        assert_string_equal(a->results[0].method, t->method0);
        assert_string_equal(a->results[0].result_name, t->result0);
        assert_string_equal(a->results[t->nresults - 1].method, t->method_last);
        assert_string_equal(a->results[t->nresults - 1].result_name, t->result_last);
        if (t->prop0) {
            char pp[600];

            snprintf(pp, sizeof(pp), "%s.%s", a->results[0].props[0].ptype,
                     a->results[0].props[0].property);
            assert_string_equal(pp, t->prop0);
            assert_string_equal(a->results[0].props[0].value, t->value0);
        }
    }
    free(a);
}

/* The details of the examples: results mapped, reasons, versions. */
static void test_parse_details(void **state)
{
    static const char v[] = " example.com; dkim/1=pass reason=\"good sig\" header.d=x.example "
                            "header.s=s1; spf=hardfail; foo=bar-baz";
    struct tk_authres *a = ar_new();

    assert_int_equal(tk_authres_parse(v, sizeof(v) - 1, a, NULL), TK_OK);
    assert_int_equal(a->nresults, 3);
    assert_int_equal(a->results[0].method_version, 1);
    assert_true(a->results[0].has_reason);
    assert_string_equal(a->results[0].reason, "good sig");
    assert_int_equal(a->results[0].nprops, 2);
    assert_string_equal(a->results[0].props[1].value, "s1");
    assert_true(a->results[1].result_known);
    assert_int_equal(a->results[1].result, TK_AUTH_FAIL); /* hardfail: RFC 8601 2.7.1 */
    assert_false(a->results[2].result_known);
    assert_string_equal(a->results[2].result_name, "bar-baz");
    free(a);
}

/* Hostile shapes stop at a limit, on both sides of it. */
static void test_parse_limits(void **state)
{
    struct tk_authres *a = ar_new();
    struct tk_buf b = {0};
    size_t i;

    /* results: the limit parses, one more is TK_LIMIT */
    tk_buf_puts(&b, "mx.example");
    for (i = 0; i < TK_AUTHRES_RESULTS_MAX; i++)
        tk_buf_puts(&b, "; spf=pass");
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_OK);
    assert_int_equal(a->nresults, TK_AUTHRES_RESULTS_MAX);
    tk_buf_puts(&b, "; spf=pass");
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_LIMIT);
    /* properties */
    tk_buf_reset(&b);
    tk_buf_puts(&b, "mx.example; spf=pass");
    for (i = 0; i < TK_AUTHRES_PROPS_MAX; i++)
        tk_buf_puts(&b, " a.b=c");
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_OK);
    tk_buf_puts(&b, " a.b=c");
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_LIMIT);
    /* a value of the limit's length, and one byte more */
    tk_buf_reset(&b);
    tk_buf_puts(&b, "mx.example; spf=pass a.b=");
    for (i = 0; i < TK_AUTHRES_VALUE_MAX; i++)
        tk_buf_putc(&b, 'v');
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_OK);
    tk_buf_putc(&b, 'v');
    assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_LIMIT);
    /* comments nested to the limit, and one deeper */
    for (i = TK_AUTHRES_COMMENT_DEPTH_MAX; i <= TK_AUTHRES_COMMENT_DEPTH_MAX + 1; i++) {
        size_t k;

        tk_buf_reset(&b);
        tk_buf_puts(&b, "mx.example; spf=pass ");
        for (k = 0; k < i; k++)
            tk_buf_putc(&b, '(');
        for (k = 0; k < i; k++)
            tk_buf_putc(&b, ')');
        assert_int_equal(tk_authres_parse(b.data, b.len, a, NULL),
                         i <= TK_AUTHRES_COMMENT_DEPTH_MAX ? TK_OK : TK_LIMIT);
    }
    /* a field of 64 KB of '(' ends in bounded time */
    tk_buf_reset(&b);
    for (i = 0; i < 65536; i++)
        tk_buf_putc(&b, '(');
    assert_int_not_equal(tk_authres_parse(b.data, b.len, a, NULL), TK_OK);
    tk_buf_free(&b);
    free(a);
}

static void test_parse_garbage(void **state)
{
    static const char alphabet[] = "a1.;=/()\"\\ @\r\n\t\x80";
    struct tk_authres *a = ar_new();
    unsigned long seed = 8601;
    char buf[96];
    int round;

    for (round = 0; round < 20000; round++) {
        size_t len = testutil_rand(&seed) % sizeof(buf);
        enum tk_status st;

        testutil_garbage(&seed, buf, 0, len, alphabet, sizeof(alphabet) - 1);
        st = tk_authres_parse(buf, len, a, NULL);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
        if (st == TK_OK)
            assert_true(a->authserv_id[0] != '\0' && a->nresults <= TK_AUTHRES_RESULTS_MAX);
        (void)tk_authres_claims_id(buf, len, "a.a");
    }
    free(a);
}

/* ---- removing forged fields ---- */

struct claim_case {
    const char *value;
    bool ours;
};

static const struct claim_case claim_cases[] = {
    {" mx.example.org; spf=pass smtp.mailfrom=example.com", true},
    {" MX.Example.ORG; dmarc=pass", true},
    {"mx.example.org;dkim=pass", true},
    {" \"mx.example.org\"; dkim=pass", true},
    {" (forged) mx.example.org (really); dkim=pass", true},
    {" mx.example.org.; dkim=pass", true},
    {" mx.example.org 1; none", true},
    {" mx.example.org", true},            /* no result: unparsable, ours */
    {" mx.example.org; spf=(((((", true}, /* unparsable after the id */
    {" mx.example.org; @@@ garbage", true},
    {" (unclosed mx.example.org; spf=pass", true}, /* first word behind a broken comment */
    {" ((((((((((((((((((((x)))))))))))))))))))) mx.example.org; spf=pass", true},
    {"\r\n\tmx.example.org;\r\n\tspf=pass", true},
    {" \"\" mx.example.org; spf=pass", true}, /* an empty id, then ours */
    {" other.example; spf=pass smtp.mailfrom=mx.example.org", false},
    {" other.example (mx.example.org); spf=pass", false},
    {" mx.example.org.evil.example; spf=pass", false},
    {" xmx.example.org; spf=pass", false},
    {" example.org; spf=pass", false},
    {" mx.example; spf=pass", false},
    {"", false},
};

static void test_claims_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(claim_cases); i++)
        if (tk_authres_claims_id(claim_cases[i].value, strlen(claim_cases[i].value),
                                 "mx.example.org") != claim_cases[i].ours)
            fail_msg("case %zu '%s': want %s", i, claim_cases[i].value,
                     claim_cases[i].ours ? "ours" : "kept");
    assert_false(tk_authres_claims_id(" mx.example.org; none", 21, ""));
    /* what the parser reads as the id is what the stripper compares,
     * even a lone dot (found by fuzz_authres) */
    assert_true(tk_authres_claims_id(" .; spf=pass", 12, "."));
}

static void test_find_ours(void **state)
{
    static const char msg[] = "Authentication-Results: other.example; spf=pass\n"
                              "Received: from x\n"
                              "Authentication-Results: MX.EXAMPLE.ORG; dmarc=pass\n"
                              "authentication-results : mx.example.org; dkim=pass\n"
                              "Authentication-Results: (x) other.example; none\n"
                              "X-Authentication-Results: mx.example.org; spf=pass\n"
                              "Authentication-Results: mx.example.org; spf=((((\n"
                              "From: a@example.com\n\nbody\n";
    struct tk_authres_strip out[8];
    struct tk_msg m;
    size_t n;

    tk_msg_init(&m);
    assert_int_equal(tk_msg_feed(&m, msg, sizeof(msg) - 1, NULL, NULL), TK_OK);
    assert_int_equal(tk_msg_finish(&m), TK_OK);
    assert_int_equal(tk_authres_find_ours(&m, "mx.example.org", out, 8, &n), TK_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].field, 2);
    assert_int_equal(out[0].ordinal, 2);
    assert_int_equal(out[1].field, 3);
    assert_int_equal(out[1].ordinal, 3);
    assert_int_equal(out[2].field, 6);
    assert_int_equal(out[2].ordinal, 5);
    /* room for fewer: the first ones, the count of all, TK_LIMIT */
    assert_int_equal(tk_authres_find_ours(&m, "mx.example.org", out, 1, &n), TK_LIMIT);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].field, 2);
    tk_msg_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_expected), cmocka_unit_test(test_format_none_and_quoting),
        cmocka_unit_test(test_format_refuses),  cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_table),     cmocka_unit_test(test_parse_details),
        cmocka_unit_test(test_parse_limits),    cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_claims_table),    cmocka_unit_test(test_find_ours),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
