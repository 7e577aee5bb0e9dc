/*
 * NAME
 *	test_tlsrpt.c - unit tests of the TLS-RPT record parser
 * DESCRIPTION
 *	Table-driven: the version tag and near misses, rua= URIs of each
 *	kind, the seed's own example (literal and read from ../shared/seed)
 *	with the exact text to publish, malformed records, and both sides
 *	of every limit (record length, tags, URIs, URI length).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "record/tlsrpt.h"

static enum tk_status parse(const char *txt, struct tk_tlsrpt_record *r, struct tk_error *err)
{
    tk_error_clear(err);
    return tk_tlsrpt_record_parse(txt, strlen(txt), r, err);
}

static void test_is_record(void **state)
{
    static const struct {
        const char *txt;
        bool want;
    } cases[] = {
        {"v=TLSRPTv1", true},
        {"v=TLSRPTv1;", true},
        {"v=TLSRPTv1 ;", true},
        {"v=TLSRPTv1\t; rua=mailto:a@b.nz", true},
        {"v=TLSRPTv1; rua=mailto:a@b.nz", true},
        {"v=TLSRPTv1 rua=mailto:a@b.nz", true},
        {"V=TLSRPTv1; rua=mailto:a@b.nz", false},
        {" v=TLSRPTv1; rua=mailto:a@b.nz", false},
        {"v=tlsrptv1; rua=mailto:a@b.nz", false},
        {"v = TLSRPTv1; rua=mailto:a@b.nz", false},
        {"v=TLSRPTv10", false},
        {"v=TLSRPTv1,", false},
        {"v=TLSRPT", false},
        {"rua=mailto:a@b.nz; v=TLSRPTv1", false},
        {"", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        bool got = tk_tlsrpt_is_record(cases[i].txt, strlen(cases[i].txt));

        if (got != cases[i].want)
            print_message("case '%s'\n", cases[i].txt);
        assert_int_equal(got, cases[i].want);
    }
    assert_false(tk_tlsrpt_is_record(NULL, 10));
    assert_false(tk_tlsrpt_is_record("v=TLSRPTv1", 9));
}

struct rec_case {
    const char *txt;
    enum tk_status want;
    size_t n;         /* URIs kept when TK_OK */
    const char *uri0; /* the first, when TK_OK */
    bool mailto0;
    const char *sub;  /* a note when TK_OK (NULL: none); err otherwise */
    const char *note; /* a note when not TK_OK, or NULL */
};

static const struct rec_case rec_cases[] = {
    {"v=TLSRPTv1; rua=mailto:tls@example.govt.nz", TK_OK, 1, "mailto:tls@example.govt.nz", true,
     NULL, NULL},
    {"v=TLSRPTv1;rua=https://reports.example.com/v1/tlsrpt", TK_OK, 1,
     "https://reports.example.com/v1/tlsrpt", false, NULL, NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz,https://r.example.com/", TK_OK, 2, "mailto:a@x.govt.nz",
     true, NULL, NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz , mailto:b@y.govt.nz", TK_OK, 2, "mailto:a@x.govt.nz",
     true, NULL, NULL},
    {"v=TLSRPTv1; rua=MAILTO:a@x.govt.nz;", TK_OK, 1, "MAILTO:a@x.govt.nz", true, NULL, NULL},
    {"v=TLSRPTv1 ; rua=mailto:a@x.govt.nz", TK_OK, 1, "mailto:a@x.govt.nz", true, NULL, NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz\r\n", TK_OK, 1, "mailto:a@x.govt.nz", true, NULL, NULL},
    {"v=TLSRPTv1; rua=https://user@r.example.com:8443/x?y#z", TK_OK, 1,
     "https://user@r.example.com:8443/x?y#z", false, NULL, NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz; ext=1", TK_OK, 1, "mailto:a@x.govt.nz", true,
     "unknown tag 'ext='", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz; my-ext.v2=1", TK_OK, 1, "mailto:a@x.govt.nz", true,
     "unknown tag 'my-ext.v2='", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz; RUA=mailto:b@y.govt.nz", TK_OK, 1, "mailto:a@x.govt.nz",
     true, "case-sensitive; write rua=", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz; rua=mailto:b@y.govt.nz", TK_OK, 2, "mailto:a@x.govt.nz",
     true, "appears twice", NULL},
    {"v=TLSRPTv1; v=TLSRPTv1; rua=mailto:a@x.govt.nz", TK_OK, 1, "mailto:a@x.govt.nz", true,
     "v= appears again", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz; hello", TK_OK, 1, "mailto:a@x.govt.nz", true,
     "'hello' is not a tag", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.govt.nz,,", TK_OK, 1, "mailto:a@x.govt.nz", true, "empty entry",
     NULL},
    {"v=TLSRPTv1; rua=mailto: <tls-report@yourdomain.com>, mailto:ok@x.govt.nz", TK_OK, 1,
     "mailto:ok@x.govt.nz", true, "write rua=mailto:tls-report@yourdomain.com", NULL},
    /* invalid */
    {"v=TLSRPTv1; rua=mailto: <tls-report@yourdomain.com>", TK_INVALID, 0, NULL, false,
     "write rua=mailto:tls-report@yourdomain.com", "contains white space"},
    {"v=TLSRPTv1; rua=<mailto:tls@x.govt.nz>", TK_INVALID, 0, NULL, false,
     "write rua=mailto:tls@x.govt.nz", "angle brackets"},
    {"v=TLSRPTv1; rua=tls@x.govt.nz", TK_INVALID, 0, NULL, false, "write rua=mailto:tls@x.govt.nz",
     "no scheme"},
    {"v=TLSRPTv1; rua=http://r.example.com/", TK_INVALID, 0, NULL, false,
     "no valid mailto: or https:", "allows only mailto: and https:"},
    {"v=TLSRPTv1; rua=mailto:postmaster", TK_INVALID, 0, NULL, false, "no valid mailto",
     "no valid mail address"},
    {"v=TLSRPTv1; rua=https:///path", TK_INVALID, 0, NULL, false, "no valid mailto",
     "no valid host name"},
    {"v=TLSRPTv1; rua=https:r.example.com", TK_INVALID, 0, NULL, false, "no valid mailto",
     "no valid host name"},
    {"v=TLSRPTv1; rua=mailto:t\xc3\xa9@x.govt.nz", TK_INVALID, 0, NULL, false, "no valid mailto",
     "byte 0xc3"},
    {"v=TLSRPTv1; rua=", TK_INVALID, 0, NULL, false, "no valid mailto", "empty entry"},
    {"v=TLSRPTv1", TK_INVALID, 0, NULL, false, "rua= is missing", NULL},
    {"v=TLSRPTv1;", TK_INVALID, 0, NULL, false, "rua= is missing", NULL},
    {"v=TLSRPTv1; RUA=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "rua= is missing",
     "case-sensitive"},
    {"V=TLSRPTv1; rua=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "must begin exactly", NULL},
    {" v=TLSRPTv1; rua=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "must begin exactly", NULL},
    {"v = TLSRPTv1; rua=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "must begin exactly",
     NULL},
    {"v=tlsrptv1; rua=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "must begin exactly", NULL},
    {"v=TLSRPTv1 rua=mailto:a@x.govt.nz", TK_INVALID, 0, NULL, false, "put ';' after", NULL},
    {"rua=mailto:a@x.govt.nz; v=TLSRPTv1", TK_INVALID, 0, NULL, false, "must be the first tag",
     NULL},
    /* not TLS-RPT at all */
    {"v=spf1 -all", TK_ABSENT, 0, NULL, false, "not a TLS-RPT record", NULL},
    {"v=TLSRPTv2; rua=mailto:a@x.govt.nz", TK_ABSENT, 0, NULL, false, "not a TLS-RPT record", NULL},
    {"", TK_ABSENT, 0, NULL, false, "not a TLS-RPT record", NULL},
};

static void test_record_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(rec_cases); i++) {
        const struct rec_case *c = &rec_cases[i];
        struct tk_tlsrpt_record r;
        struct tk_error err;
        enum tk_status st = parse(c->txt, &r, &err);
        bool ok = st == c->want && testutil_printable(err.msg);

        if (ok && st == TK_OK)
            ok = r.nrua == c->n && strcmp(r.rua[0].uri, c->uri0) == 0 &&
                 r.rua[0].is_mailto == c->mailto0 &&
                 (c->sub ? testutil_notes_have(&r.notes, c->sub) : r.notes.n == 0);
        else if (ok)
            ok = strstr(err.msg, c->sub) != NULL && r.nrua == 0 &&
                 (c->note ? testutil_notes_have(&r.notes, c->note) : r.notes.n == 0);
        if (!ok) {
            print_message("case '%s': %s nrua %zu err '%s' notes %zu '%s'\n", c->txt,
                          tk_status_name(st), r.nrua, err.msg, r.notes.n,
                          r.notes.n ? r.notes.text[0] : "");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The seed's example, as printed in section 8 (and with the line-wrap
 * space the text extraction put in the address). */
static void check_seed(const char *txt, size_t len)
{
    struct tk_tlsrpt_record r;
    struct tk_error err;

    tk_error_clear(&err);
    assert_true(tk_tlsrpt_is_record(txt, len));
    assert_int_equal(tk_tlsrpt_record_parse(txt, len, &r, &err), TK_INVALID);
    print_message("seed: %s\n", err.msg);
    assert_string_equal(err.msg,
                        "rua= holds no valid URI: write rua=mailto:tls-report@yourdomain.com");
    assert_true(testutil_notes_have(&r.notes, "write rua=mailto:tls-report@yourdomain.com"));
}

static void test_seed_example(void **state)
{
    static const char seed[] = "v=TLSRPTv1; rua=mailto: <tls-report@yourdomain.com>";

    (void)state;
    check_seed(seed, strlen(seed));
}

static void test_seed_document(void **state)
{
    size_t len;
    char *doc = testutil_read_file(
        testutil_shared_path("seed/secure-email-common-implementation-framework.txt"), &len);
    char *start, *end;

    (void)state;
    if (doc == NULL) {
        print_message("seed document not found: skipped\n");
        skip();
    }
    start = strstr(doc, "\"v=TLSRPTv1;");
    assert_non_null(start);
    start++;
    end = strchr(start, '"');
    assert_non_null(end);
    print_message("seed document record: %.*s\n", (int)(end - start), start);
    check_seed(start, (size_t)(end - start));
    free(doc);
}

static void test_uri_count(void **state)
{
    char buf[2048];
    struct tk_tlsrpt_record r;
    struct tk_error err;
    size_t n;
    int i;

    (void)state;
    n = (size_t)snprintf(buf, sizeof(buf), "v=TLSRPTv1; rua=");
    for (i = 0; i < TK_TLSRPT_URIS_MAX; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%smailto:r%d@x.govt.nz", i ? "," : "", i);
    assert_int_equal(parse(buf, &r, &err), TK_OK);
    assert_int_equal(r.nrua, TK_TLSRPT_URIS_MAX);
    assert_int_equal(r.notes.n, 0);
    snprintf(buf + n, sizeof(buf) - n, ",https://r.example.com/");
    assert_int_equal(parse(buf, &r, &err), TK_OK);
    assert_int_equal(r.nrua, TK_TLSRPT_URIS_MAX);
    assert_true(testutil_notes_have(&r.notes, "more than 16 URIs"));
    assert_true(r.rua[TK_TLSRPT_URIS_MAX - 1].is_mailto);
}

static void test_uri_length(void **state)
{
    char uri[TK_TLSRPT_URI_MAX + 2], txt[512];
    struct tk_tlsrpt_record r;
    struct tk_error err;
    size_t len;

    (void)state;
    for (len = TK_TLSRPT_URI_MAX; len <= TK_TLSRPT_URI_MAX + 1; len++) {
        size_t path = len - strlen("https://r.example.com/");

        strcpy(uri, "https://r.example.com/");
        memset(uri + strlen(uri), 'p', path);
        uri[len] = '\0';
        snprintf(txt, sizeof(txt), "v=TLSRPTv1; rua=%s", uri);
        if (len == TK_TLSRPT_URI_MAX) {
            assert_int_equal(parse(txt, &r, &err), TK_OK);
            assert_int_equal(strlen(r.rua[0].uri), TK_TLSRPT_URI_MAX);
            assert_false(r.rua[0].is_mailto);
        } else {
            assert_int_equal(parse(txt, &r, &err), TK_INVALID);
            assert_true(testutil_notes_have(&r.notes, "longer than 256 bytes"));
        }
    }
}

static void test_limits(void **state)
{
    char *buf;
    const char *head = "v=TLSRPTv1; rua=mailto:a@x.govt.nz; x=";
    struct tk_tlsrpt_record r;
    struct tk_error err;
    char tags[1024];
    size_t n;
    int i;

    (void)state;
    buf = testutil_record_of_len(head, 'a', TK_TXT_RECORD_MAX + 1);
    assert_int_equal(tk_tlsrpt_record_parse(buf, TK_TXT_RECORD_MAX, &r, &err), TK_OK);
    assert_int_equal(tk_tlsrpt_record_parse(buf, TK_TXT_RECORD_MAX + 1, &r, &err), TK_LIMIT);
    free(buf);

    n = (size_t)snprintf(tags, sizeof(tags), "v=TLSRPTv1; rua=mailto:a@x.govt.nz");
    for (i = 2; i < TK_TAGS_MAX; i++)
        n += (size_t)snprintf(tags + n, sizeof(tags) - n, ";e%d=1", i);
    assert_int_equal(parse(tags, &r, &err), TK_OK);
    snprintf(tags + n, sizeof(tags) - n, ";z=1");
    assert_int_equal(parse(tags, &r, &err), TK_LIMIT);
    /* a long non-TLS-RPT record is still just absent */
    memset(tags, ';', 200);
    tags[200] = '\0';
    assert_int_equal(parse(tags, &r, &err), TK_ABSENT);
    assert_int_equal(tk_tlsrpt_record_parse(NULL, 3, &r, &err), TK_ABSENT);
}

static void test_garbage(void **state)
{
    static const char alphabet[] = "v=TLSRPTv1;rua=mailto:https://@.,<> \t\r\n%-x\x80\xff\0";
    unsigned long seed = 7;
    char buf[300];
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        struct tk_tlsrpt_record r;
        struct tk_error err;
        size_t len, i;
        enum tk_status st;

        len = testutil_rand(&seed) % sizeof(buf);
        memcpy(buf, "v=TLSRPTv1; rua=", 16);
        testutil_garbage(&seed, buf, (iter & 1) ? 16 : 0, len, alphabet, sizeof(alphabet) - 1);
        tk_error_clear(&err);
        st = tk_tlsrpt_record_parse(buf, len, &r, &err);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT);
        assert_true((st == TK_OK) == (r.nrua > 0));
        assert_true(testutil_printable(err.msg));
        for (i = 0; i < r.notes.n; i++)
            assert_true(testutil_printable(r.notes.text[i]));
    }
}

/* tk_tlsrpt_is_candidate says, without a full parse, exactly whether
 * the parser would call the text a TLS-RPT record (valid or not). */
static void test_is_candidate(void **state)
{
    static const char *const texts[] = {
        "v=TLSRPTv1; rua=mailto:a@b.nz",
        "V=TLSRPTv1; rua=mailto:a@b.nz",
        " v=TLSRPTv1; rua=mailto:a@b.nz",
        "v=TLSRPTv1",
        "v=TLSRPTv1 rua=mailto:a@b.nz",
        "rua=mailto:a@b.nz; v=TLSRPTv1",
        "v=spf1 -all",
        "",
        "v=TLSRPTv2; rua=mailto:a@b.nz",
        "hello",
    };
    struct tk_tlsrpt_record rec;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        bool parsed = tk_tlsrpt_record_parse(texts[i], strlen(texts[i]), &rec, NULL) != TK_ABSENT;

        if (tk_tlsrpt_is_candidate(texts[i], strlen(texts[i])) != parsed)
            fail_msg("'%s': candidate %d, parser %d", texts[i], !parsed, parsed);
    }
    assert_true(tk_tlsrpt_is_candidate("V=TLSRPTv1; rua=mailto:a@b.nz", 29));
    assert_false(tk_tlsrpt_is_candidate("v=spf1 -all", 11));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_record),    cmocka_unit_test(test_record_table),
        cmocka_unit_test(test_seed_example), cmocka_unit_test(test_seed_document),
        cmocka_unit_test(test_uri_count),    cmocka_unit_test(test_uri_length),
        cmocka_unit_test(test_limits),       cmocka_unit_test(test_is_candidate),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
