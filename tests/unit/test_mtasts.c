/*
 * NAME
 *	test_mtasts.c - unit tests of the MTA-STS TXT and policy parsers
 * DESCRIPTION
 *	Table-driven: the TXT record (version, id, extensions, near misses,
 *	white space), the policy file (each key, CRLF and LF lines, repeated
 *	and unknown keys, mx patterns, max_age on both sides of its bound),
 *	RFC 8461 4.1 mx matching, and both sides of every limit (TXT length
 *	and tags, policy size, mx count).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "record/mtasts.h"

/* ---- TXT record ---- */

static void test_txt_is_record(void **state)
{
    static const struct {
        const char *txt;
        bool want;
    } cases[] = {
        {"v=STSv1", true},
        {"v=STSv1;", true},
        {"v=STSv1; id=1", true},
        {"v=STSv1 ; id=1", true},
        {"v=STSv1 id=1", true},
        {"V=STSv1; id=1", false},
        {" v=STSv1; id=1", false},
        {"v=stsv1; id=1", false},
        {"v = STSv1; id=1", false},
        {"v=STSv10; id=1", false},
        {"v=STSv1,id=1", false},
        {"id=1; v=STSv1", false},
        {"", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        bool got = tk_mtasts_txt_is_record(cases[i].txt, strlen(cases[i].txt));

        if (got != cases[i].want)
            print_message("case '%s'\n", cases[i].txt);
        assert_int_equal(got, cases[i].want);
    }
    assert_false(tk_mtasts_txt_is_record(NULL, 7));
    assert_false(tk_mtasts_txt_is_record("v=STSv1", 6));
}

struct txt_case {
    const char *txt;
    enum tk_status want;
    const char *id;  /* when TK_OK */
    const char *sub; /* a note when TK_OK (NULL: none), else in err */
};

static const struct txt_case txt_cases[] = {
    {"v=STSv1; id=20240101T000000;", TK_OK, "20240101T000000", NULL},
    {"v=STSv1; id=20240101T000000Z", TK_OK, "20240101T000000Z", NULL},
    {"v=STSv1;id=1", TK_OK, "1", NULL},
    {"v=STSv1 ; id=abc ;", TK_OK, "abc", NULL},
    {"v=STSv1; id=abc\r\n", TK_OK, "abc", NULL},
    {"v=STSv1; id=12345678901234567890123456789012", TK_OK, "12345678901234567890123456789012",
     NULL},
    {"v=STSv1; id=abc; ext=1", TK_OK, "abc", "extension tag 'ext='"},
    {"v=STSv1; id=abc; my-ext.x=1", TK_OK, "abc", "extension tag 'my-ext.x='"},
    {"v=STSv1; id = abc", TK_OK, "abc", "white space around '='"},
    {"v=STSv1; id= abc", TK_OK, "abc", "white space around '='"},
    {"v=STSv1; id=abc; id=def", TK_OK, "abc", "id= appears twice"},
    {"v=STSv1; v=STSv1; id=abc", TK_OK, "abc", "v= appears again"},
    {"v=STSv1; id=abc; ID=def", TK_OK, "abc", "case-sensitive"},
    {"v=STSv1; id=abc; junk", TK_OK, "abc", "'junk' is not a tag"},
    {"v=STSv1; id=123456789012345678901234567890123", TK_INVALID, NULL,
     "write id=12345678901234567890123456789012"},
    {"v=STSv1; id=2024-01-01", TK_INVALID, NULL, "write id=20240101"},
    {"v=STSv1; id=abc\xc3\xa9", TK_INVALID, NULL, "id=abc?? is not 1 to 32"},
    {"v=STSv1; id=", TK_INVALID, NULL, "such as id="},
    {"v=STSv1; id=-", TK_INVALID, NULL, "such as id="},
    {"v=STSv1", TK_INVALID, NULL, "id= is missing"},
    {"v=STSv1;", TK_INVALID, NULL, "id= is missing"},
    {"v=STSv1; ID=abc", TK_INVALID, NULL, "id= is missing"},
    {"V=STSv1; id=1", TK_INVALID, NULL, "must begin exactly v=STSv1"},
    {" v=STSv1; id=1", TK_INVALID, NULL, "must begin exactly v=STSv1"},
    {"v = STSv1; id=1", TK_INVALID, NULL, "must begin exactly v=STSv1"},
    {"v=stsv1; id=1", TK_INVALID, NULL, "must begin exactly v=STSv1"},
    {"v=STSv1 id=1", TK_INVALID, NULL, "put ';' after v=STSv1"},
    {"id=1; v=STSv1", TK_INVALID, NULL, "must be the first tag"},
    {"v=STSv2; id=1", TK_ABSENT, NULL, "not an MTA-STS record"},
    {"v=spf1 -all", TK_ABSENT, NULL, "not an MTA-STS record"},
    {"", TK_ABSENT, NULL, "not an MTA-STS record"},
};

static void test_txt_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(txt_cases); i++) {
        const struct txt_case *c = &txt_cases[i];
        struct tk_mtasts_txt r;
        struct tk_error err;
        enum tk_status st;
        bool ok;

        tk_error_clear(&err);
        st = tk_mtasts_txt_parse(c->txt, strlen(c->txt), &r, &err);
        ok = st == c->want && testutil_printable(err.msg);
        if (ok && st == TK_OK)
            ok = strcmp(r.id, c->id) == 0 &&
                 (c->sub ? testutil_notes_have(&r.notes, c->sub) : r.notes.n == 0);
        else if (ok)
            ok = strstr(err.msg, c->sub) != NULL && r.id[0] == '\0';
        if (!ok) {
            print_message("case '%s': %s id '%s' err '%s' notes %zu '%s'\n", c->txt,
                          tk_status_name(st), r.id, err.msg, r.notes.n,
                          r.notes.n ? r.notes.text[0] : "");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_txt_limits(void **state)
{
    const char *head = "v=STSv1; id=1; x=";
    char *buf;
    char tags[1024];
    struct tk_mtasts_txt r;
    struct tk_error err;
    size_t n;
    int i;

    (void)state;
    buf = testutil_record_of_len(head, 'a', TK_TXT_RECORD_MAX + 1);
    assert_int_equal(tk_mtasts_txt_parse(buf, TK_TXT_RECORD_MAX, &r, &err), TK_OK);
    assert_int_equal(tk_mtasts_txt_parse(buf, TK_TXT_RECORD_MAX + 1, &r, &err), TK_LIMIT);
    free(buf);
    n = (size_t)snprintf(tags, sizeof(tags), "v=STSv1; id=1");
    for (i = 2; i < TK_TAGS_MAX; i++)
        n += (size_t)snprintf(tags + n, sizeof(tags) - n, ";e%d=1", i);
    assert_int_equal(tk_mtasts_txt_parse(tags, n, &r, &err), TK_OK);
    n += (size_t)snprintf(tags + n, sizeof(tags) - n, ";z=1");
    assert_int_equal(tk_mtasts_txt_parse(tags, n, &r, &err), TK_LIMIT);
    assert_int_equal(tk_mtasts_txt_parse(NULL, 4, &r, &err), TK_ABSENT);
}

/* ---- policy file ---- */

#define GOOD "version: STSv1\r\nmode: enforce\r\nmx: mail.example.govt.nz\r\nmax_age: 604800\r\n"

struct policy_case {
    const char *text;
    enum tk_status want;
    enum tk_mtasts_mode mode; /* when TK_OK */
    unsigned long max_age;
    size_t nmx;
    const char *sub; /* a note when TK_OK (NULL: none), else in err */
};

static const struct policy_case policy_cases[] = {
    {GOOD, TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, NULL},
    {"version: STSv1\r\nmode: enforce\r\nmx: mail.example.govt.nz\r\nmx: *.example.net\r\n"
     "max_age: 86400",
     TK_OK, TK_MTASTS_MODE_ENFORCE, 86400, 2, NULL},
    {"max_age: 1\r\nmx: a.example.com\r\nmode: testing\r\nversion: STSv1\r\n", TK_OK,
     TK_MTASTS_MODE_TESTING, 1, 1, NULL},
    {"version: STSv1\r\nmode: none\r\nmax_age: 0\r\n", TK_OK, TK_MTASTS_MODE_NONE, 0, 0, NULL},
    {"version: STSv1\r\nmode: none\r\nmx: a.example.com\r\nmax_age: 0\r\n", TK_OK,
     TK_MTASTS_MODE_NONE, 0, 1, NULL},
    {"version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 604800\n", TK_OK,
     TK_MTASTS_MODE_ENFORCE, 604800, 1, "LF alone"},
    {"version:STSv1\r\nmode:enforce\r\nmx:a.example.com\r\nmax_age:31557600", TK_OK,
     TK_MTASTS_MODE_ENFORCE, 31557600, 1, NULL},
    {"  version: STSv1  \r\n\r\nmode:\tenforce\r\n\r\nmx: a.example.com \r\nmax_age: 86400\r\n"
     "\r\n",
     TK_OK, TK_MTASTS_MODE_ENFORCE, 86400, 1, NULL},
    {"version : STSv1\r\nmode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n", TK_OK,
     TK_MTASTS_MODE_ENFORCE, 86400, 1, "space before ':'"},
    {GOOD "foo: bar\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "unknown key 'foo'"},
    {GOOD "Mode: none\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "keys are case-sensitive"},
    {GOOD "mode: none\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "line 5: mode repeated"},
    {GOOD "max_age: 1\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "max_age repeated"},
    {GOOD "version: STSv2\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "version repeated"},
    {GOOD "mx: MAIL.Example.GOVT.nz.\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1,
     "listed twice"},
    {GOOD "mx: *\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: * is not"},
    {GOOD "mx: mail.*.com\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: mail.*.com is not"},
    {GOOD "mx: **.com\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: **.com is not"},
    {GOOD "mx: *.\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: *. is not"},
    {GOOD "mx: a..b\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: a..b is not"},
    {GOOD "mx: a b.com\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx: a b.com is not"},
    {GOOD "mx:\r\n", TK_OK, TK_MTASTS_MODE_ENFORCE, 604800, 1, "mx:  is not"},
    /* invalid */
    {"mode: enforce\r\nmx: a.example.com\r\nmax_age: 86400\r\n", TK_INVALID, 0, 0, 0,
     "no version line"},
    {"version: STSv1\r\nmx: a.example.com\r\nmax_age: 86400\r\n", TK_INVALID, 0, 0, 0,
     "no mode line"},
    {"version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\n", TK_INVALID, 0, 0, 0,
     "no max_age line"},
    {"version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", TK_INVALID, 0, 0, 0,
     "mode enforce needs at least one valid mx"},
    {"version: STSv1\r\nmode: testing\r\nmx: *\r\nmax_age: 86400\r\n", TK_INVALID, 0, 0, 0,
     "mode testing needs at least one valid mx"},
    {"version: STSv2\r\nmode: enforce\r\nmx: a.b\r\nmax_age: 1\r\n", TK_INVALID, 0, 0, 0,
     "line 1: version: STSv2 is not STSv1"},
    {"version: stsv1\r\n", TK_INVALID, 0, 0, 0, "line 1: version: stsv1 is not STSv1"},
    {"version: STSv1\r\nmode: Enforce\r\n", TK_INVALID, 0, 0, 0,
     "line 2: mode: Enforce must be lower case"},
    {"version: STSv1\r\nmode: strict\r\n", TK_INVALID, 0, 0, 0,
     "mode: strict is not enforce, testing or none"},
    {"version: STSv1\r\nmode: \r\n", TK_INVALID, 0, 0, 0, "mode:  is not enforce"},
    {"version: STSv1\r\nmode: enforce\r\nmx: a.b\r\nmax_age: 31557601\r\n", TK_INVALID, 0, 0, 0,
     "line 4: max_age: 31557601 is not"},
    {"max_age: 9999999999\r\n", TK_INVALID, 0, 0, 0, "max_age: 9999999999 is not"},
    {"max_age: 00000000001\r\n", TK_INVALID, 0, 0, 0, "max_age: 00000000001 is not"},
    {"max_age: 0000000001\r\nmode: none\r\nversion: STSv1", TK_OK, TK_MTASTS_MODE_NONE, 1, 0, NULL},
    {"max_age: 86400s\r\n", TK_INVALID, 0, 0, 0, "max_age: 86400s is not"},
    {"max_age: -1\r\n", TK_INVALID, 0, 0, 0, "max_age: -1 is not"},
    {"max_age: \r\n", TK_INVALID, 0, 0, 0, "max_age:  is not"},
    {"max_age: 1 day\r\n", TK_INVALID, 0, 0, 0, "max_age: 1 day is not"},
    {"version: STSv1\r\nmode: enforce\r\ngarbage\r\n", TK_INVALID, 0, 0, 0,
     "line 3: 'garbage' is not 'key: value'"},
    {"version: STSv1\r\n: enforce\r\n", TK_INVALID, 0, 0, 0, "line 2: '' is not a key"},
    {"version: STSv1\r\nm\xc3\xb6"
     "de: enforce\r\n",
     TK_INVALID, 0, 0, 0, "line 2: 'm??de'"},
    {"\xef\xbb\xbfversion: STSv1\r\n", TK_INVALID, 0, 0, 0, "line 1: the file begins with a UTF-8"},
    {"version: STSv1\r\nmode: enforce\rmx: a.b\r\nmax_age: 1\r\n", TK_INVALID, 0, 0, 0,
     "line 2: mode: enforce?mx: a.b is not"},
    {"<html><body>404 Not Found</body></html>\r\n", TK_INVALID, 0, 0, 0, "line 1: '<html>"},
    {"", TK_INVALID, 0, 0, 0, "no version line"},
};

static void test_policy_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(policy_cases); i++) {
        const struct policy_case *c = &policy_cases[i];
        struct tk_mtasts_policy p;
        struct tk_error err;
        enum tk_status st;
        bool ok;

        tk_error_clear(&err);
        st = tk_mtasts_policy_parse(c->text, strlen(c->text), &p, &err);
        ok = st == c->want && testutil_printable(err.msg);
        if (ok && st == TK_OK)
            ok = p.mode == c->mode && p.max_age == c->max_age && p.nmx == c->nmx &&
                 (c->sub ? testutil_notes_have(&p.notes, c->sub) : p.notes.n == 0);
        else if (ok)
            ok = strstr(err.msg, c->sub) != NULL;
        if (!ok) {
            print_message("case %zu: %s mode %s max_age %lu nmx %zu err '%s' notes %zu '%s'\n", i,
                          tk_status_name(st), tk_mtasts_mode_name(p.mode), p.max_age, p.nmx,
                          err.msg, p.notes.n, p.notes.n ? p.notes.text[0] : "");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_policy_mx_values(void **state)
{
    static const char text[] = "version: STSv1\r\nmode: enforce\r\n"
                               "mx: MAIL.Example.GOVT.nz.\r\nmx: *.Mail.Protection.Outlook.com\r\n"
                               "mx: mx_1.example.com\r\nmax_age: 604800\r\n";
    struct tk_mtasts_policy p;
    struct tk_error err;

    (void)state;
    assert_int_equal(tk_mtasts_policy_parse(text, strlen(text), &p, &err), TK_OK);
    assert_int_equal(p.nmx, 3);
    assert_string_equal(p.mx[0], "mail.example.govt.nz");
    assert_string_equal(p.mx[1], "*.mail.protection.outlook.com");
    assert_string_equal(p.mx[2], "mx_1.example.com");
    assert_true(tk_mtasts_mx_matches(p.mx[1], "agency-govt-nz.mail.protection.outlook.com"));
}

static void test_policy_mx_limit(void **state)
{
    char text[4096];
    struct tk_mtasts_policy p;
    struct tk_error err;
    size_t n;
    int i;

    (void)state;
    n = (size_t)snprintf(text, sizeof(text), "version: STSv1\r\nmode: enforce\r\nmax_age: 1\r\n");
    for (i = 0; i < TK_MX_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "mx: mx%d.example.com\r\n", i);
    assert_int_equal(tk_mtasts_policy_parse(text, n, &p, &err), TK_OK);
    assert_int_equal(p.nmx, TK_MX_MAX);
    assert_string_equal(p.mx[TK_MX_MAX - 1], "mx31.example.com");
    n += (size_t)snprintf(text + n, sizeof(text) - n, "mx: one-more.example.com\r\n");
    assert_int_equal(tk_mtasts_policy_parse(text, n, &p, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "more than 32 mx"));
}

static void test_policy_size(void **state)
{
    char *text = malloc(TK_MTASTS_POLICY_MAX + 2);
    struct tk_mtasts_policy p;
    struct tk_error err;
    size_t n;

    (void)state;
    assert_non_null(text);
    n = (size_t)snprintf(text, TK_MTASTS_POLICY_MAX, GOOD "x-pad: ");
    memset(text + n, 'p', TK_MTASTS_POLICY_MAX + 1 - n);
    assert_int_equal(tk_mtasts_policy_parse(text, TK_MTASTS_POLICY_MAX, &p, &err), TK_OK);
    assert_int_equal(p.mode, TK_MTASTS_MODE_ENFORCE);
    assert_int_equal(tk_mtasts_policy_parse(text, TK_MTASTS_POLICY_MAX + 1, &p, &err), TK_LIMIT);
    free(text);
    assert_int_equal(tk_mtasts_policy_parse(NULL, 0, &p, &err), TK_INVALID);
}

/* ---- mx matching ---- */

static void test_mx_matches(void **state)
{
    static const struct {
        const char *pattern, *host;
        bool want;
    } cases[] = {
        {"mail.example.com", "mail.example.com", true},
        {"Mail.Example.com", "mail.example.COM", true},
        {"mail.example.com", "mail.example.com.", true},
        {"mail.example.com", "other.example.com", false},
        {"mail.example.com", "mail.example.co", false},
        {"mail.example.com", "xmail.example.com", false},
        {"example.com", "mail.example.com", false},
        {"*.example.com", "mx1.example.com", true},
        {"*.example.com", "MX1.Example.Com", true},
        {"*.example.com", "mx1.example.com.", true},
        {"*.example.com", "a.b.example.com", false},
        {"*.example.com", "example.com", false},
        {"*.example.com", ".example.com", false},
        {"*.example.com", "mx1.notexample.com", false},
        {"*.example.com", "mx1.example.com.au", false},
        {"*.example.com", "*.example.com", true},
        {"*", "a", false},
        {"*.", "a.", false},
        {"*x.example.com", "ax.example.com", false},
        {"", "", false},
        {"a", "", false},
        {"", "a", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        bool got = tk_mtasts_mx_matches(cases[i].pattern, cases[i].host);

        if (got != cases[i].want)
            print_message("case '%s' '%s'\n", cases[i].pattern, cases[i].host);
        assert_int_equal(got, cases[i].want);
    }
    assert_false(tk_mtasts_mx_matches(NULL, "a"));
    assert_false(tk_mtasts_mx_matches("a", NULL));
}

static void test_mode_names(void **state)
{
    (void)state;
    assert_string_equal(tk_mtasts_mode_name(TK_MTASTS_MODE_ENFORCE), "enforce");
    assert_string_equal(tk_mtasts_mode_name(TK_MTASTS_MODE_TESTING), "testing");
    assert_string_equal(tk_mtasts_mode_name(TK_MTASTS_MODE_NONE), "none");
    assert_string_equal(tk_mtasts_mode_name(TK_MTASTS_MODE_UNSET), "");
}

static void test_garbage(void **state)
{
    static const char alphabet[] = "version:STSv1mode:enforcetestingnonemx:*.max_age:0123456789"
                                   " \t\r\n\r\n;=id\x80\xff\0";
    unsigned long seed = 42;
    char buf[400];
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        struct tk_mtasts_policy p;
        struct tk_mtasts_txt t;
        struct tk_error err;
        size_t len, i;
        enum tk_status st;

        len = testutil_rand(&seed) % sizeof(buf);
        testutil_garbage(&seed, buf, 0, len, alphabet, sizeof(alphabet) - 1);
        tk_error_clear(&err);
        st = tk_mtasts_policy_parse(buf, len, &p, &err);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
        assert_true(testutil_printable(err.msg));
        if (st == TK_OK)
            assert_true(p.mode != TK_MTASTS_MODE_UNSET && p.max_age <= TK_MTASTS_MAX_AGE_MAX);
        for (i = 0; i < p.nmx; i++)
            assert_true(tk_mtasts_mx_matches(p.mx[i], p.mx[i]) || p.mx[i][0] == '*');
        st = tk_mtasts_txt_parse(buf, len, &t, &err);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT);
        assert_true(testutil_printable(err.msg));
    }
}

/* tk_mtasts_txt_is_candidate says, without a full parse, exactly
 * whether the parser would call the text an MTA-STS record. */
static void test_txt_is_candidate(void **state)
{
    static const char *const texts[] = {
        "v=STSv1; id=1", "V=STSv1; id=1", " v=STSv1; id=1", "v=STSv1",
        "v=STSv1 id=1",  "id=1; v=STSv1", "v=spf1 -all",    "",
        "v=STSv2; id=1", "hello",
    };
    struct tk_mtasts_txt rec;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        bool parsed = tk_mtasts_txt_parse(texts[i], strlen(texts[i]), &rec, NULL) != TK_ABSENT;

        if (tk_mtasts_txt_is_candidate(texts[i], strlen(texts[i])) != parsed)
            fail_msg("'%s': candidate %d, parser %d", texts[i], !parsed, parsed);
    }
    assert_true(tk_mtasts_txt_is_candidate("V=STSv1; id=1", 13));
    assert_false(tk_mtasts_txt_is_candidate("v=spf1 -all", 11));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txt_is_candidate), cmocka_unit_test(test_txt_is_record),
        cmocka_unit_test(test_txt_table),        cmocka_unit_test(test_txt_limits),
        cmocka_unit_test(test_policy_table),     cmocka_unit_test(test_policy_mx_values),
        cmocka_unit_test(test_policy_mx_limit),  cmocka_unit_test(test_policy_size),
        cmocka_unit_test(test_mx_matches),       cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
