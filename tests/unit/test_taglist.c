/*
 * NAME
 *	test_taglist.c - unit tests of the tag=value list splitter
 * DESCRIPTION
 *	Table-driven: each case is a record and the tags (name=value, in
 *	order) and bad segments it must give. Covers white space of every
 *	kind the RFC 6376 FWS allows (SP, HTAB, CR, LF), trailing and empty
 *	segments, empty values, bad segments ("adkim-s", "=x", "1a=b"),
 *	both sides of TK_TAGS_MAX and TK_TAGLIST_BAD_MAX, duplicates and
 *	case-insensitive look-up, and NUL bytes inside a record.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "record/taglist.h"

static bool span_is(struct tk_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* ---- splitting ---- */

struct split_case {
    const char *in;
    const char *tags[8][2]; /* name, value; ends at a NULL name */
    const char *bad[4];     /* bad segments (trimmed); ends at NULL */
};

static const struct split_case split_cases[] = {
    {"v=DMARC1; p=reject", {{"v", "DMARC1"}, {"p", "reject"}}, {NULL}},
    {"v=DMARC1;p=reject;", {{"v", "DMARC1"}, {"p", "reject"}}, {NULL}},
    {"v=DMARC1; p=reject; ", {{"v", "DMARC1"}, {"p", "reject"}}, {NULL}},
    {";;v=1;;;p=2;;", {{"v", "1"}, {"p", "2"}}, {NULL}},
    {"  v  =  DKIM1  ;  k = rsa ", {{"v", "DKIM1"}, {"k", "rsa"}}, {NULL}},
    {"v=DKIM1;\r\n\tk=rsa;\r\n p=MIGf\r\n", {{"v", "DKIM1"}, {"k", "rsa"}, {"p", "MIGf"}}, {NULL}},
    {"\n\rv\n=\r1\t", {{"v", "1"}}, {NULL}},
    {"p=", {{"p", ""}}, {NULL}},
    {"p=;t=", {{"p", ""}, {"t", ""}}, {NULL}},
    {"p=  ;", {{"p", ""}}, {NULL}},
    {"a=b=c", {{"a", "b=c"}}, {NULL}},
    {"rua=mailto:a@b.nz,mailto:c@d.nz", {{"rua", "mailto:a@b.nz,mailto:c@d.nz"}}, {NULL}},
    {"n=some text with spaces", {{"n", "some text with spaces"}}, {NULL}},
    {"p=MIG f\tx", {{"p", "MIG f\tx"}}, {NULL}}, /* inner white space kept */
    {"A_1=x; b2=y; c_=z", {{"A_1", "x"}, {"b2", "y"}, {"c_", "z"}}, {NULL}},
    {"", {{NULL}}, {NULL}},
    {";", {{NULL}}, {NULL}},
    {" ; \t ;\r\n", {{NULL}}, {NULL}},
    {"v=DMARC1; adkim-s; p=none", {{"v", "DMARC1"}, {"p", "none"}}, {"adkim-s"}},
    {"=x", {{NULL}}, {"=x"}},
    {"  = x ; p=1", {{"p", "1"}}, {"= x"}},
    {"1a=b", {{NULL}}, {"1a=b"}},
    {"_a=b", {{NULL}}, {"_a=b"}},
    {"a-b=c", {{NULL}}, {"a-b=c"}},
    {"a b=c", {{NULL}}, {"a b=c"}},
    {"a.b=c", {{NULL}}, {"a.b=c"}},
    {"p", {{NULL}}, {"p"}},
    {"v=1; reject ; p=2", {{"v", "1"}, {"p", "2"}}, {"reject"}},
    {"\xe4=1; b=\xff", {{"b", "\xff"}}, {"\xe4=1"}},
    {"x=1;;y;z=", {{"x", "1"}, {"z", ""}}, {"y"}},
};

static void check_split(size_t i, const struct split_case *t, const struct tk_taglist *tl)
{
    size_t k, ntags = 0, nbad = 0;

    while (ntags < 8 && t->tags[ntags][0])
        ntags++;
    while (nbad < 4 && t->bad[nbad])
        nbad++;
    if (tl->n != ntags || tl->nbad != nbad)
        fail_msg("case %zu '%s': %zu tags, %zu bad; want %zu, %zu", i, t->in, tl->n, tl->nbad,
                 ntags, nbad);
    for (k = 0; k < ntags; k++)
        if (!span_is(tl->tags[k].name, t->tags[k][0]) || !span_is(tl->tags[k].value, t->tags[k][1]))
            fail_msg("case %zu tag %zu: '%.*s'='%.*s', want '%s'='%s'", i, k,
                     (int)tl->tags[k].name.len, tl->tags[k].name.p, (int)tl->tags[k].value.len,
                     tl->tags[k].value.p, t->tags[k][0], t->tags[k][1]);
    for (k = 0; k < nbad; k++) {
        if (!span_is(tl->bad[k].text, t->bad[k]))
            fail_msg("case %zu bad %zu: '%.*s', want '%s'", i, k, (int)tl->bad[k].text.len,
                     tl->bad[k].text.p, t->bad[k]);
        assert_non_null(tl->bad[k].why);
        assert_true(tl->bad[k].why[0] != '\0');
    }
}

static void test_split_table(void **state)
{
    struct tk_taglist *tl = malloc(sizeof(*tl));
    size_t i;

    assert_non_null(tl);
    for (i = 0; i < NELEM(split_cases); i++) {
        const struct split_case *t = &split_cases[i];
        struct tk_error err;

        tk_error_clear(&err);
        /* Left-over state from the previous case must not leak in. */
        memset(tl, 0x77, sizeof(*tl));
        assert_int_equal(tk_taglist_parse(t->in, strlen(t->in), tl, &err), TK_OK);
        assert_int_equal(err.code, TK_OK);
        check_split(i, t, tl);
    }
    free(tl);
}

static void test_bad_reasons(void **state)
{
    struct tk_taglist tl;
    const char *in = "adkim-s; 1a=b";

    assert_int_equal(tk_taglist_parse(in, strlen(in), &tl, NULL), TK_OK);
    assert_int_equal(tl.nbad, 2);
    assert_non_null(strstr(tl.bad[0].why, "'='"));
    assert_non_null(strstr(tl.bad[1].why, "name"));
}

static void test_spans_point_into_input(void **state)
{
    struct tk_taglist tl;
    char in[] = "v=DMARC1; p=reject";

    assert_int_equal(tk_taglist_parse(in, strlen(in), &tl, NULL), TK_OK);
    assert_int_equal(tl.n, 2);
    assert_ptr_equal(tl.tags[0].name.p, in);
    assert_ptr_equal(tl.tags[1].value.p, in + 12);
    /* Not copied: a change to the input shows through. */
    in[12] = 'R';
    assert_true(span_is(tl.tags[1].value, "Reject"));
}

static void test_only_len_bytes(void **state)
{
    struct tk_taglist tl;
    const char *in = "v=1; p=reject; t=y";

    /* The first 10 bytes: "v=1; p=rej". */
    assert_int_equal(tk_taglist_parse(in, 10, &tl, NULL), TK_OK);
    assert_int_equal(tl.n, 2);
    assert_true(span_is(tl.tags[1].value, "rej"));
    assert_int_equal(tk_taglist_parse(NULL, 0, &tl, NULL), TK_OK);
    assert_int_equal(tl.n, 0);
    assert_int_equal(tl.nbad, 0);
}

static void test_nul_inside(void **state)
{
    static const char in[] = "v=DKIM1; p=ab\0cd; k\0=rsa; t=y";
    struct tk_taglist tl;

    assert_int_equal(tk_taglist_parse(in, sizeof(in) - 1, &tl, NULL), TK_OK);
    assert_int_equal(tl.n, 3);
    assert_int_equal(tl.tags[1].value.len, 5);
    assert_memory_equal(tl.tags[1].value.p, "ab\0cd", 5);
    assert_true(span_is(tl.tags[2].name, "t"));
    /* "k\0" is not a tag name. */
    assert_int_equal(tl.nbad, 1);
    assert_null(tk_taglist_find(&tl, "k"));
}

/* ---- limits ---- */

/* make_tags writes n tags "t0=0;t1=1;..." (n bad segments "bK" after
 * them when bad) into a malloc'd string. */
static char *make_tags(size_t n, size_t nbad)
{
    char *s = malloc(16 * (n + nbad) + 1);
    size_t w = 0, i;

    assert_non_null(s);
    s[0] = '\0';
    for (i = 0; i < n; i++)
        w += (size_t)sprintf(s + w, "t%zu=%zu;", i, i);
    for (i = 0; i < nbad; i++)
        w += (size_t)sprintf(s + w, "b%zu;", i);
    return s;
}

static void test_tag_limit(void **state)
{
    struct tk_taglist tl;
    struct tk_error err;
    char *s;

    s = make_tags(TK_TAGS_MAX, 0);
    tk_error_clear(&err);
    assert_int_equal(tk_taglist_parse(s, strlen(s), &tl, &err), TK_OK);
    assert_int_equal(tl.n, TK_TAGS_MAX);
    assert_true(span_is(tl.tags[TK_TAGS_MAX - 1].name, "t63"));
    assert_true(span_is(tl.tags[TK_TAGS_MAX - 1].value, "63"));
    free(s);

    s = make_tags(TK_TAGS_MAX + 1, 0);
    assert_int_equal(tk_taglist_parse(s, strlen(s), &tl, &err), TK_LIMIT);
    assert_int_equal(err.code, TK_LIMIT);
    assert_non_null(strstr(err.msg, "64"));
    assert_true(tl.n <= TK_TAGS_MAX);
    free(s);

    /* Empty and bad segments do not count towards the tag limit. */
    s = make_tags(TK_TAGS_MAX, 100);
    assert_int_equal(tk_taglist_parse(s, strlen(s), &tl, &err), TK_OK);
    assert_int_equal(tl.n, TK_TAGS_MAX);
    free(s);
}

static void test_bad_limit(void **state)
{
    struct tk_taglist tl;
    size_t nbad;

    for (nbad = TK_TAGLIST_BAD_MAX - 1; nbad <= TK_TAGLIST_BAD_MAX + 3; nbad++) {
        char *s = make_tags(2, nbad);
        size_t k;

        memset(&tl, 0, sizeof(tl));
        assert_int_equal(tk_taglist_parse(s, strlen(s), &tl, NULL), TK_OK);
        assert_int_equal(tl.n, 2);
        assert_int_equal(tl.nbad, nbad); /* all are counted */
        for (k = 0; k < nbad && k < TK_TAGLIST_BAD_MAX; k++) {
            char want[16];

            snprintf(want, sizeof(want), "b%zu", k);
            assert_true(span_is(tl.bad[k].text, want));
        }
        free(s);
    }
}

/* ---- find and duplicates ---- */

static void test_find(void **state)
{
    struct tk_taglist tl;
    const char *in = "V=DMARC1; p=reject; RUA=mailto:x@y.nz; sp=none; p=none";
    const struct tk_tag *t;

    assert_int_equal(tk_taglist_parse(in, strlen(in), &tl, NULL), TK_OK);
    t = tk_taglist_find(&tl, "v");
    assert_non_null(t);
    assert_true(span_is(t->value, "DMARC1"));
    t = tk_taglist_find(&tl, "rua");
    assert_non_null(t);
    assert_true(span_is(t->value, "mailto:x@y.nz"));
    t = tk_taglist_find(&tl, "Rua");
    assert_non_null(t);
    t = tk_taglist_find(&tl, "p");
    assert_non_null(t);
    assert_true(span_is(t->value, "reject")); /* the first */
    assert_null(tk_taglist_find(&tl, "s"));   /* not a prefix match */
    assert_null(tk_taglist_find(&tl, "spx"));
    assert_null(tk_taglist_find(&tl, "ruf"));
    assert_null(tk_taglist_find(&tl, ""));
}

struct dup_case {
    const char *in;
    const char *dup; /* the second occurrence's value; NULL: none */
};

static const struct dup_case dup_cases[] = {
    {"v=DKIM1; k=rsa; p=abc", NULL},
    {"v=DKIM1; p=abc; p=def", "def"},
    {"v=DKIM1; P=abc; p=def", "def"},
    {"ab=1; aB=2", "2"},
    {"a=1; b=2; c=3; b=4", "4"},
    {"a=1; a_=2", NULL},
    {"a1=1; a2=2", NULL},
    {"a=1; ab=2", NULL},
    {"a_b=1; a_B=2", "2"},
    {"a=1; bad-a=2", NULL},
    {"", NULL},
};

static void test_duplicates(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(dup_cases); i++) {
        struct tk_taglist tl;
        const struct tk_tag *t;

        assert_int_equal(tk_taglist_parse(dup_cases[i].in, strlen(dup_cases[i].in), &tl, NULL),
                         TK_OK);
        t = tk_taglist_first_duplicate(&tl);
        if (dup_cases[i].dup == NULL && t != NULL)
            fail_msg("case %zu '%s': a duplicate where there is none", i, dup_cases[i].in);
        if (dup_cases[i].dup != NULL && (t == NULL || !span_is(t->value, dup_cases[i].dup)))
            fail_msg("case %zu '%s': duplicate not found", i, dup_cases[i].in);
    }
}

/* ---- garbage ---- */

static void test_garbage(void **state)
{
    static const char alphabet[] = "ab1_=; \t\r\n-\0\xff";
    unsigned long seed = 7;
    char buf[300];
    int iter;

    for (iter = 0; iter < 3000; iter++) {
        struct tk_taglist tl;
        size_t len, i;
        enum tk_status st;

        len = testutil_rand(&seed) % sizeof(buf);
        testutil_garbage(&seed, buf, 0, len, alphabet, sizeof(alphabet) - 1);
        st = tk_taglist_parse(buf, len, &tl, NULL);
        assert_true(st == TK_OK || st == TK_LIMIT);
        assert_true(tl.n <= TK_TAGS_MAX);
        for (i = 0; i < tl.n; i++) {
            const struct tk_tag *t = &tl.tags[i];

            assert_true(t->name.len > 0);
            assert_true(t->name.p >= buf && t->name.p + t->name.len <= buf + len);
            assert_true(t->value.p >= buf && t->value.p + t->value.len <= buf + len);
            assert_null(memchr(t->name.p, ';', t->name.len));
            assert_null(memchr(t->value.p, ';', t->value.len));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_table),
        cmocka_unit_test(test_bad_reasons),
        cmocka_unit_test(test_spans_point_into_input),
        cmocka_unit_test(test_only_len_bytes),
        cmocka_unit_test(test_nul_inside),
        cmocka_unit_test(test_tag_limit),
        cmocka_unit_test(test_bad_limit),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
