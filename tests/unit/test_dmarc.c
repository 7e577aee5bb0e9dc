/*
 * NAME
 *	test_dmarc.c - unit tests of the DMARC record parser
 * DESCRIPTION
 *	Table-driven: version and policy, alignment, pct, the RFC 9989 tags,
 *	fo/rf/ri, report URIs and their sizes, the seed's own example (read
 *	from ../shared/seed), malformed records a real zone holds, and both
 *	sides of every limit (record length, tags, URIs per list, URI
 *	length). A deterministic garbage run checks that any bytes give a
 *	status and printable text.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "record/dmarc.h"

static void print_notes(const struct tk_notes *n)
{
    size_t i;

    for (i = 0; i < n->n; i++)
        print_message("  note: %s\n", n->text[i]);
}

static enum tk_status parse(const char *txt, struct tk_dmarc_record *r, struct tk_error *err)
{
    tk_error_clear(err);
    return tk_dmarc_record_parse(txt, strlen(txt), r, err);
}

/* ---- version and p= ---- */

struct policy_case {
    const char *txt;
    enum tk_status want;
    enum tk_dmarc_policy p; /* checked when want is TK_OK */
    const char *sub;        /* in err (not OK) or in a note (OK); NULL: none */
};

static const struct policy_case policy_cases[] = {
    {"v=DMARC1; p=reject", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1;p=none", TK_OK, TK_DMARC_POLICY_NONE, NULL},
    {"v=DMARC1; p=quarantine;", TK_OK, TK_DMARC_POLICY_QUARANTINE, NULL},
    {"v=DMARC1; p=Reject", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1; p=REJECT", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"  v = DMARC1 ; p = reject ; ", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1\t;\tp=reject", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1;;; p=reject;;", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1; p=reject\r\n", TK_OK, TK_DMARC_POLICY_REJECT, NULL},
    {"v=DMARC1; P=reject", TK_OK, TK_DMARC_POLICY_REJECT, "not in lower case"},
    {"v=DMARC1; p=reject; foo=bar", TK_OK, TK_DMARC_POLICY_REJECT, "unknown tag 'foo='"},
    {"v=DMARC1; rua=mailto:d@example.govt.nz", TK_OK, TK_DMARC_POLICY_NONE, "act as p=none"},
    {"v=DMARC1; p=bogus; rua=mailto:d@example.govt.nz", TK_OK, TK_DMARC_POLICY_NONE,
     "act as p=none"},
    {"V=DMARC1; p=reject", TK_INVALID, 0, "exactly v=DMARC1"},
    {"v=dmarc1; p=reject", TK_INVALID, 0, "exactly v=DMARC1"},
    {"v=DMARC2; p=reject", TK_INVALID, 0, "not DMARC1"},
    {"v=DMARC1.0; p=reject", TK_INVALID, 0, "not DMARC1"},
    {"v=DMARC1p=reject", TK_INVALID, 0, "not DMARC1"},
    {"p=reject; v=DMARC1", TK_INVALID, 0, "first tag"},
    {"adkim-s; v=DMARC1; p=reject", TK_INVALID, 0, "first tag"},
    {"v=DMARC1 p=reject", TK_INVALID, 0, "put ';' after v=DMARC1"},
    {"v=DMARC1", TK_INVALID, 0, "p= is missing"},
    {"v=DMARC1;", TK_INVALID, 0, "p= is missing"},
    {"v=DMARC1; p=", TK_INVALID, 0, "p= is not"},
    {"v=DMARC1; p=rejected", TK_INVALID, 0, "p=rejected"},
    {"v=DMARC1; p=reject adkim=s", TK_INVALID, 0, "put ';' between tags"},
    {"v=DMARC1; p=bogus; rua=mailto: <d@example.govt.nz>", TK_INVALID, 0, "p=bogus"},
    {"v=DMARC1; p=reject; p=none", TK_INVALID, 0, "appears twice"},
    {"v=DMARC1; p=reject; P=none", TK_INVALID, 0, "appears twice"},
    {"v=DMARC1; v=DMARC1; p=reject", TK_INVALID, 0, "appears twice"},
    {"v=DMARC1; p=r\xc3\xa9ject", TK_INVALID, 0, "p=r??ject"},
    {"v=spf1 -all", TK_ABSENT, 0, NULL},
    {"", TK_ABSENT, 0, NULL},
    {"google-site-verification=abc", TK_ABSENT, 0, NULL},
    {"v=; p=reject", TK_ABSENT, 0, NULL},
    {"\xef\xbb\xbfv=DMARC1; p=reject", TK_ABSENT, 0, NULL},
};

static void test_policy_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(policy_cases); i++) {
        const struct policy_case *c = &policy_cases[i];
        struct tk_dmarc_record r;
        struct tk_error err;
        enum tk_status st = parse(c->txt, &r, &err);
        bool ok = st == c->want;

        if (ok && st == TK_OK)
            ok = r.p == c->p &&
                 (c->sub == NULL ? r.notes.n == 0 : testutil_notes_have(&r.notes, c->sub));
        else if (ok && c->sub != NULL)
            ok = strstr(err.msg, c->sub) != NULL;
        if (ok && st != TK_OK)
            ok = testutil_printable(err.msg);
        if (!ok) {
            print_message("case %zu '%s': status %s p=%s err '%s'\n", i, c->txt, tk_status_name(st),
                          tk_dmarc_policy_name(r.p), err.msg);
            print_notes(&r.notes);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_is_record(void **state)
{
    static const struct {
        const char *txt;
        bool want;
    } cases[] = {
        {"v=DMARC1", true},
        {"v=DMARC1;", true},
        {" v=DMARC1; p=none", true},
        {"v = DMARC1; p=none", true},
        {"v=DMARC1 p=none", true},
        {"v=DMARC1\t;", true},
        {"V=DMARC1; p=none", false},
        {"v=dmarc1; p=none", false},
        {"v=DMARC10", false},
        {"v=DMARC1p", false},
        {"v=DMARC", false},
        {"p=none; v=DMARC1", false},
        {"", false},
        {"v", false},
        {"v=", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        if (tk_dmarc_is_record(cases[i].txt, strlen(cases[i].txt)) != cases[i].want)
            print_message("case '%s'\n", cases[i].txt);
        assert_int_equal(tk_dmarc_is_record(cases[i].txt, strlen(cases[i].txt)), cases[i].want);
    }
    assert_false(tk_dmarc_is_record(NULL, 5));
    /* the length bounds the read: "v=DMARC1" cut to "v=DMAR" is no record */
    assert_false(tk_dmarc_is_record("v=DMARC1", 6));
}

static void test_policy_names(void **state)
{
    (void)state;
    assert_string_equal(tk_dmarc_policy_name(TK_DMARC_POLICY_NONE), "none");
    assert_string_equal(tk_dmarc_policy_name(TK_DMARC_POLICY_QUARANTINE), "quarantine");
    assert_string_equal(tk_dmarc_policy_name(TK_DMARC_POLICY_REJECT), "reject");
    assert_string_equal(tk_dmarc_policy_name(TK_DMARC_POLICY_UNSET), "");
}

static void test_defaults(void **state)
{
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject", &r, &err), TK_OK);
    assert_int_equal(r.sp, TK_DMARC_POLICY_UNSET);
    assert_int_equal(r.np, TK_DMARC_POLICY_UNSET);
    assert_int_equal(r.adkim, TK_DMARC_ALIGN_RELAXED);
    assert_int_equal(r.aspf, TK_DMARC_ALIGN_RELAXED);
    assert_false(r.adkim_written);
    assert_false(r.aspf_written);
    assert_int_equal(r.pct, 100);
    assert_false(r.pct_written);
    assert_false(r.testing);
    assert_int_equal(r.psd, 'u');
    assert_int_equal(r.nrua, 0);
    assert_int_equal(r.nruf, 0);
    assert_string_equal(r.fo, "0");
    assert_string_equal(r.rf, "afrf");
    assert_int_equal(r.ri, 86400);
    assert_false(r.seed_adkim_dash);
    assert_false(r.seed_aspf_dash);
    assert_int_equal(r.notes.n, 0);
}

/* ---- sp, np, adkim, aspf, pct, t, psd ---- */

struct field_case {
    const char *tags; /* appended to "v=DMARC1; p=reject; " */
    const char *field;
    long want;
    const char *note; /* NULL: no note expected */
};

static long field_value(const struct tk_dmarc_record *r, const char *field)
{
    if (strcmp(field, "sp") == 0)
        return r->sp;
    if (strcmp(field, "np") == 0)
        return r->np;
    if (strcmp(field, "adkim") == 0)
        return r->adkim + (r->adkim_written ? 10 : 0);
    if (strcmp(field, "aspf") == 0)
        return r->aspf + (r->aspf_written ? 10 : 0);
    if (strcmp(field, "pct") == 0)
        return r->pct + (r->pct_written ? 1000 : 0);
    if (strcmp(field, "t") == 0)
        return r->testing;
    if (strcmp(field, "psd") == 0)
        return r->psd;
    if (strcmp(field, "ri") == 0)
        return (long)r->ri;
    return -1;
}

#define W 10 /* "written" in adkim/aspf cases */
#define PW 1000

static const struct field_case field_cases[] = {
    {"sp=none", "sp", TK_DMARC_POLICY_NONE, NULL},
    {"sp=quarantine", "sp", TK_DMARC_POLICY_QUARANTINE, NULL},
    {"sp=reject", "sp", TK_DMARC_POLICY_REJECT, NULL},
    {"sp=rejet", "sp", TK_DMARC_POLICY_UNSET, "sp=rejet is not"},
    {"sp=", "sp", TK_DMARC_POLICY_UNSET, "sp= is not"},
    {"np=reject", "np", TK_DMARC_POLICY_REJECT, NULL},
    {"np=none", "np", TK_DMARC_POLICY_NONE, NULL},
    {"np=deny", "np", TK_DMARC_POLICY_UNSET, "np=deny is not"},
    {"adkim=s", "adkim", TK_DMARC_ALIGN_STRICT + W, NULL},
    {"adkim=S", "adkim", TK_DMARC_ALIGN_STRICT + W, NULL},
    {"adkim=r", "adkim", TK_DMARC_ALIGN_RELAXED + W, NULL},
    {"adkim=strict", "adkim", TK_DMARC_ALIGN_RELAXED, "adkim=strict is not r or s"},
    {"adkim=", "adkim", TK_DMARC_ALIGN_RELAXED, "adkim= is not r or s"},
    {"aspf=s", "aspf", TK_DMARC_ALIGN_STRICT + W, NULL},
    {"aspf=r", "aspf", TK_DMARC_ALIGN_RELAXED + W, NULL},
    {"aspf=x", "aspf", TK_DMARC_ALIGN_RELAXED, "aspf=x is not r or s"},
    {"aspf=s adkim=s", "aspf", TK_DMARC_ALIGN_RELAXED, "put ';' between tags"},
    {"pct=0", "pct", 0 + PW, NULL},
    {"pct=1", "pct", 1 + PW, NULL},
    {"pct=99", "pct", 99 + PW, NULL},
    {"pct=100", "pct", 100 + PW, NULL},
    {"pct=007", "pct", 7 + PW, NULL},
    {"pct=101", "pct", 100, "pct=101 is not"},
    {"pct=1000", "pct", 100, "pct=1000 is not"},
    {"pct=0100", "pct", 100, "pct=0100 is not"},
    {"pct=-1", "pct", 100, "pct=-1 is not"},
    {"pct=+5", "pct", 100, "pct=+5 is not"},
    {"pct=50%", "pct", 100, "pct=50% is not"},
    {"pct=50.5", "pct", 100, "pct=50.5 is not"},
    {"pct=", "pct", 100, "pct= is not"},
    {"pct=ten", "pct", 100, "pct=ten is not"},
    {"t=y", "t", 1, NULL},
    {"t=Y", "t", 1, NULL},
    {"t=n", "t", 0, NULL},
    {"t=yes", "t", 0, "t=yes is not y or n"},
    {"psd=y", "psd", 'y', NULL},
    {"psd=N", "psd", 'n', NULL},
    {"psd=u", "psd", 'u', NULL},
    {"psd=maybe", "psd", 'u', "psd=maybe is not"},
    {"ri=3600", "ri", 3600, NULL},
    {"ri=0", "ri", 0, NULL},
    {"ri=4294967295", "ri", 4294967295L, NULL},
    {"ri=4294967296", "ri", 86400, "ri=4294967296 is not"},
    {"ri=99999999999", "ri", 86400, "ri=99999999999 is not"},
    {"ri=1h", "ri", 86400, "ri=1h is not"},
};

static void test_field_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(field_cases); i++) {
        const struct field_case *c = &field_cases[i];
        char txt[256];
        struct tk_dmarc_record r;
        struct tk_error err;
        enum tk_status st;
        long got;

        snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; %s", c->tags);
        st = parse(txt, &r, &err);
        got = field_value(&r, c->field);
        if (st != TK_OK || got != c->want ||
            (c->note ? !testutil_notes_have(&r.notes, c->note) : r.notes.n != 0)) {
            print_message("case '%s': status %s %s=%ld (want %ld)\n", txt, tk_status_name(st),
                          c->field, got, c->want);
            print_notes(&r.notes);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- fo, rf ---- */

static void test_fo_rf(void **state)
{
    static const struct {
        const char *tags;
        const char *fo, *rf, *note;
    } cases[] = {
        {"fo=1", "1", "afrf", NULL},
        {"fo=0:1:d:s", "0:1:d:s", "afrf", NULL},
        {"fo = 1 : d", "1:d", "afrf", NULL},
        {"fo=D", "D", "afrf", NULL},
        {"fo=2", "0", "afrf", "fo=2 is not"},
        {"fo=1:", "0", "afrf", "fo=1: is not"},
        {"fo=", "0", "afrf", "fo= is not"},
        {"fo=0:1:d:s:0:1:d:s:0", "0", "afrf", "fo=0:1:d:s:0:1:d:s:0 is not"},
        {"fo=0:1:d:s:0:1:d:s", "0:1:d:s:0:1:d:s", "afrf", NULL},
        {"rf=afrf", "0", "afrf", NULL},
        {"rf=AFRF", "0", "AFRF", NULL},
        {"rf=iodef", "0", "iodef", "afrf is the only"},
        {"rf=afrf,iodef", "0", "afrf,iodef", "afrf is the only"},
        {"rf=a b", "0", "afrf", "rf=a b is not"},
        {"rf=", "0", "afrf", "rf= is not"},
        {"rf=averyveryverylongformatname", "0", "afrf", "is not a report format"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        char txt[256];
        struct tk_dmarc_record r;
        struct tk_error err;

        snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; %s", cases[i].tags);
        assert_int_equal(parse(txt, &r, &err), TK_OK);
        print_message("%s -> fo '%s' rf '%s'\n", txt, r.fo, r.rf);
        assert_string_equal(r.fo, cases[i].fo);
        assert_string_equal(r.rf, cases[i].rf);
        if (cases[i].note)
            assert_true(testutil_notes_have(&r.notes, cases[i].note));
        else
            assert_int_equal(r.notes.n, 0);
    }
}

/* ---- rua and ruf ---- */

struct uri_case {
    const char *rua;     /* the value of rua= */
    size_t n;            /* URIs kept */
    const char *uri0;    /* first kept URI, as stored */
    const char *domain0; /* its domain */
    unsigned long long size0;
    bool mailto0;
    const char *note; /* NULL: no note expected */
};

static const struct uri_case uri_cases[] = {
    {"mailto:dmarc@example.govt.nz", 1, "mailto:dmarc@example.govt.nz", "example.govt.nz", 0, true,
     NULL},
    {"mailto:dmarc@Example.GOVT.nz.", 1, "mailto:dmarc@Example.GOVT.nz.", "example.govt.nz", 0,
     true, NULL},
    {"MAILTO:dmarc@example.govt.nz", 1, "MAILTO:dmarc@example.govt.nz", "example.govt.nz", 0, true,
     NULL},
    {"mailto:a@x.govt.nz,mailto:b@y.example.com", 2, "mailto:a@x.govt.nz", "x.govt.nz", 0, true,
     NULL},
    {"mailto:a@x.govt.nz , mailto:b@y.example.com", 2, "mailto:a@x.govt.nz", "x.govt.nz", 0, true,
     NULL},
    {"mailto:a@x.govt.nz?subject=dmarc", 1, "mailto:a@x.govt.nz?subject=dmarc", "x.govt.nz", 0,
     true, NULL},
    {"mailto:a%20b@x.govt.nz", 1, "mailto:a%20b@x.govt.nz", "x.govt.nz", 0, true, NULL},
    {"mailto:a@x.govt.nz!10", 1, "mailto:a@x.govt.nz", "x.govt.nz", 10, true, NULL},
    {"mailto:a@x.govt.nz!1k", 1, "mailto:a@x.govt.nz", "x.govt.nz", 1024, true, NULL},
    {"mailto:a@x.govt.nz!10m", 1, "mailto:a@x.govt.nz", "x.govt.nz", 10485760, true, NULL},
    {"mailto:a@x.govt.nz!10M", 1, "mailto:a@x.govt.nz", "x.govt.nz", 10485760, true, NULL},
    {"mailto:a@x.govt.nz!2g", 1, "mailto:a@x.govt.nz", "x.govt.nz", 2147483648ULL, true, NULL},
    {"mailto:a@x.govt.nz!1t", 1, "mailto:a@x.govt.nz", "x.govt.nz", 1099511627776ULL, true, NULL},
    {"mailto:a@x.govt.nz!16777215t", 1, "mailto:a@x.govt.nz", "x.govt.nz", 16777215ULL << 40, true,
     NULL},
    {"mailto:a@x.govt.nz!16777216t", 0, NULL, NULL, 0, false, "size limit"},
    {"mailto:a@x.govt.nz!999999999999999", 1, "mailto:a@x.govt.nz", "x.govt.nz", 999999999999999ULL,
     true, NULL},
    {"mailto:a@x.govt.nz!9999999999999999", 0, NULL, NULL, 0, false, "size limit"},
    {"mailto:a@x.govt.nz!", 0, NULL, NULL, 0, false, "size limit"},
    {"mailto:a@x.govt.nz!10x", 0, NULL, NULL, 0, false, "size limit"},
    {"mailto:a@x.govt.nz!10mb", 0, NULL, NULL, 0, false, "size limit"},
    {"https://reports.example.com/dmarc", 1, "https://reports.example.com/dmarc", "", 0, false,
     NULL},
    {"http://reports.example.com/", 1, "http://reports.example.com/", "", 0, false, "mailto: only"},
    {"mailto:postmaster", 1, "mailto:postmaster", "", 0, true, "no valid mail address"},
    {"mailto:@example.govt.nz", 1, "mailto:@example.govt.nz", "", 0, true, "no valid mail address"},
    {"mailto:a@b@example.govt.nz", 1, "mailto:a@b@example.govt.nz", "", 0, true,
     "no valid mail address"},
    {"mailto:a@*.govt.nz", 1, "mailto:a@*.govt.nz", "", 0, true, "no valid mail address"},
    {"mailto: <dmarc@example.govt.nz>", 0, NULL, NULL, 0, false,
     "write rua=mailto:dmarc@example.govt.nz"},
    {"<mailto:dmarc@example.govt.nz>", 0, NULL, NULL, 0, false,
     "write rua=mailto:dmarc@example.govt.nz"},
    {"dmarc@example.govt.nz", 0, NULL, NULL, 0, false, "write rua=mailto:dmarc@example.govt.nz"},
    {"mailto: <your dmarc report RUA email address>", 0, NULL, NULL, 0, false,
     "no space or angle brackets"},
    {"mailto:d\xc3\xa4rc@example.govt.nz", 0, NULL, NULL, 0, false, "byte 0xc3"},
    {"mailto:a%2@x.govt.nz", 0, NULL, NULL, 0, false, "two hex digits"},
    {"mailto:", 0, NULL, NULL, 0, false, "nothing after the scheme"},
    {"example", 0, NULL, NULL, 0, false, "no scheme"},
    {"1mailto:a@b.nz", 0, NULL, NULL, 0, false, "does not begin with a scheme"},
    {"", 0, NULL, NULL, 0, false, "rua= is empty"},
    {"mailto:a@x.govt.nz,,mailto:b@y.govt.nz", 2, "mailto:a@x.govt.nz", "x.govt.nz", 0, true,
     "empty entry"},
    {"mailto:a@x.govt.nz,", 1, "mailto:a@x.govt.nz", "x.govt.nz", 0, true, "empty entry"},
};

static void test_uri_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(uri_cases); i++) {
        const struct uri_case *c = &uri_cases[i];
        char txt[512];
        struct tk_dmarc_record r;
        struct tk_error err;
        enum tk_status st;
        bool ok;

        snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; rua=%s", c->rua);
        st = parse(txt, &r, &err);
        ok = st == TK_OK && r.nrua == c->n &&
             (c->note ? testutil_notes_have(&r.notes, c->note) : r.notes.n == 0);
        if (ok && c->n > 0)
            ok = strcmp(r.rua[0].uri, c->uri0) == 0 && strcmp(r.rua[0].domain, c->domain0) == 0 &&
                 r.rua[0].max_size == c->size0 && r.rua[0].is_mailto == c->mailto0;
        if (!ok) {
            print_message("case '%s': %s nrua %zu uri '%s' domain '%s' size %llu\n", txt,
                          tk_status_name(st), r.nrua, r.nrua ? r.rua[0].uri : "",
                          r.nrua ? r.rua[0].domain : "",
                          r.nrua ? (unsigned long long)r.rua[0].max_size : 0ULL);
            print_notes(&r.notes);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_ruf_and_second_uri(void **state)
{
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject; rua=mailto:a@x.govt.nz,mailto:b@Y.example.com!5k;"
                           " ruf=mailto:f@forensic.govt.nz",
                           &r, &err),
                     TK_OK);
    assert_int_equal(r.nrua, 2);
    assert_string_equal(r.rua[1].uri, "mailto:b@Y.example.com");
    assert_string_equal(r.rua[1].domain, "y.example.com");
    assert_int_equal(r.rua[1].max_size, 5120);
    assert_int_equal(r.nruf, 1);
    assert_string_equal(r.ruf[0].domain, "forensic.govt.nz");
    assert_true(r.ruf[0].is_mailto);
}

static void build_uri_list(char *buf, size_t bufsz, int count)
{
    size_t n;
    int i;

    n = (size_t)snprintf(buf, bufsz, "v=DMARC1; p=reject; rua=");
    for (i = 0; i < count; i++)
        n += (size_t)snprintf(buf + n, bufsz - n, "%smailto:r%d@example.govt.nz", i ? "," : "", i);
}

static void test_uri_count_limit(void **state)
{
    char buf[2048];
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    build_uri_list(buf, sizeof(buf), TK_DMARC_URIS_MAX);
    assert_int_equal(parse(buf, &r, &err), TK_OK);
    assert_int_equal(r.nrua, TK_DMARC_URIS_MAX);
    assert_int_equal(r.notes.n, 0);
    assert_string_equal(r.rua[TK_DMARC_URIS_MAX - 1].uri, "mailto:r15@example.govt.nz");

    build_uri_list(buf, sizeof(buf), TK_DMARC_URIS_MAX + 1);
    assert_int_equal(parse(buf, &r, &err), TK_OK);
    assert_int_equal(r.nrua, TK_DMARC_URIS_MAX);
    assert_true(testutil_notes_have(&r.notes, "more than 16 URIs"));
}

/* uri_of_len writes "mailto:xxx...@example.govt.nz" of exactly len bytes. */
static void uri_of_len(char *out, size_t len)
{
    const char *tail = "@example.govt.nz";
    size_t local = len - strlen("mailto:") - strlen(tail);

    memcpy(out, "mailto:", 7);
    memset(out + 7, 'x', local);
    strcpy(out + 7 + local, tail);
}

static void test_uri_length_limit(void **state)
{
    char uri[TK_DMARC_URI_MAX + 2], txt[512];
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    uri_of_len(uri, TK_DMARC_URI_MAX);
    snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; rua=%s", uri);
    assert_int_equal(parse(txt, &r, &err), TK_OK);
    assert_int_equal(r.nrua, 1);
    assert_int_equal(strlen(r.rua[0].uri), TK_DMARC_URI_MAX);
    assert_string_equal(r.rua[0].domain, "example.govt.nz");

    uri_of_len(uri, TK_DMARC_URI_MAX + 1);
    snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; rua=%s", uri);
    assert_int_equal(parse(txt, &r, &err), TK_OK);
    assert_int_equal(r.nrua, 0);
    assert_true(testutil_notes_have(&r.notes, "longer than 256 bytes"));
}

/* ---- malformed segments and the seed ---- */

static void test_bad_segments(void **state)
{
    static const struct {
        const char *tags;
        const char *note;
        bool adkim_dash, aspf_dash;
    } cases[] = {
        {"adkim-s", "'adkim-s' is not a tag: write adkim=s", true, false},
        {"aspf-s", "'aspf-s' is not a tag: write aspf=s", false, true},
        {"ADKIM-S", "'ADKIM-S' is not a tag: write adkim=S", true, false},
        {"adkim - r", "'adkim - r' is not a tag: write adkim=r", true, false},
        {"pct-100", "'pct-100' is not a tag: write pct=100", false, false},
        {"adkim-", "'adkim-' is not a tag (no '='", false, false},
        {"hello", "'hello' is not a tag (no '='", false, false},
        {"x-y=1", "'x-y=1' is not a tag (tag name", false, false},
        {"1x=1", "'1x=1' is not a tag (tag name", false, false},
        {"=reject", "'=reject' is not a tag", false, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        char txt[256];
        struct tk_dmarc_record r;
        struct tk_error err;

        snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; %s", cases[i].tags);
        assert_int_equal(parse(txt, &r, &err), TK_OK);
        if (!testutil_notes_have(&r.notes, cases[i].note)) {
            print_message("case '%s'\n", txt);
            print_notes(&r.notes);
        }
        assert_true(testutil_notes_have(&r.notes, cases[i].note));
        assert_int_equal(r.seed_adkim_dash, cases[i].adkim_dash);
        assert_int_equal(r.seed_aspf_dash, cases[i].aspf_dash);
        assert_int_equal(r.adkim_written, false);
    }
}

static void test_many_bad_segments(void **state)
{
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    assert_int_equal(parse("v=DMARC1; p=reject; a;b;c;d;e;f;g;h;i;j", &r, &err), TK_OK);
    assert_true(testutil_notes_have(&r.notes, "'h' is not a tag") || r.notes.dropped > 0);
    assert_int_equal(r.notes.n + r.notes.dropped, 9); /* 8 kept + "2 more" */
}

/* The seed's record exactly as section 9 prints it. */
static const char seed_record[] = "V=DMARC1;p=reject; adkim-s; aspf=s; rua=mailto: <your dmarc "
                                  "report RUA email address>;";

static void check_seed_record(const char *txt, size_t len)
{
    struct tk_dmarc_record r;
    struct tk_error err;

    tk_error_clear(&err);
    assert_int_equal(tk_dmarc_record_parse(txt, len, &r, &err), TK_INVALID);
    print_message("seed: %s\n", err.msg);
    print_notes(&r.notes);
    assert_non_null(strstr(err.msg, "v=DMARC1"));
    assert_false(tk_dmarc_is_record(txt, len));
    /* the rest is still read, so a report can list every fix */
    assert_true(r.seed_adkim_dash);
    assert_false(r.seed_aspf_dash);
    assert_true(testutil_notes_have(&r.notes, "'adkim-s' is not a tag: write adkim=s"));
    assert_false(r.adkim_written);
    assert_int_equal(r.aspf, TK_DMARC_ALIGN_STRICT);
    assert_int_equal(r.p, TK_DMARC_POLICY_REJECT);
    assert_int_equal(r.nrua, 0);
    assert_true(testutil_notes_have(&r.notes, "no space or angle brackets"));
}

static void test_seed_example(void **state)
{
    (void)state;
    check_seed_record(seed_record, strlen(seed_record));
}

/* The same record read out of the seed document itself. */
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
    start = strstr(doc, "\"V=DMARC1;p=reject;");
    assert_non_null(start);
    start++;
    end = strchr(start, '"');
    assert_non_null(end);
    assert_int_equal((size_t)(end - start), strlen(seed_record));
    assert_memory_equal(start, seed_record, strlen(seed_record));
    check_seed_record(start, (size_t)(end - start));
    free(doc);
}

static void test_seed_fixed(void **state)
{
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    /* only V= fixed: valid, but adkim-s still noted and adkim relaxed */
    assert_int_equal(
        parse("v=DMARC1;p=reject; adkim-s; aspf=s; rua=mailto:dmarc@agency.govt.nz;", &r, &err),
        TK_OK);
    assert_true(r.seed_adkim_dash);
    assert_int_equal(r.adkim, TK_DMARC_ALIGN_RELAXED);
    assert_int_equal(r.nrua, 1);
    /* everything fixed: what a parked domain must publish */
    assert_int_equal(
        parse("v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@agency.govt.nz", &r, &err),
        TK_OK);
    assert_false(r.seed_adkim_dash);
    assert_int_equal(r.adkim, TK_DMARC_ALIGN_STRICT);
    assert_true(r.adkim_written);
    assert_int_equal(r.aspf, TK_DMARC_ALIGN_STRICT);
    assert_string_equal(r.rua[0].domain, "agency.govt.nz");
    assert_int_equal(r.notes.n, 0);
}

/* ---- limits ---- */

static void test_record_length(void **state)
{
    const char *head = "v=DMARC1; p=reject; x=";
    struct tk_dmarc_record r;
    struct tk_error err;
    char *buf;

    (void)state;
    buf = testutil_record_of_len(head, 'a', TK_TXT_RECORD_MAX);
    assert_int_equal(tk_dmarc_record_parse(buf, TK_TXT_RECORD_MAX, &r, &err), TK_OK);
    assert_int_equal(r.p, TK_DMARC_POLICY_REJECT);
    free(buf);
    buf = testutil_record_of_len(head, 'a', TK_TXT_RECORD_MAX + 1);
    assert_int_equal(tk_dmarc_record_parse(buf, TK_TXT_RECORD_MAX + 1, &r, &err), TK_LIMIT);
    free(buf);
}

static void test_tag_count(void **state)
{
    char buf[2048];
    struct tk_dmarc_record r;
    struct tk_error err;
    size_t n;
    int i;

    (void)state;
    n = (size_t)snprintf(buf, sizeof(buf), "v=DMARC1; p=reject");
    for (i = 2; i < TK_TAGS_MAX; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; x%d=1", i);
    assert_int_equal(parse(buf, &r, &err), TK_OK);
    assert_int_equal(r.notes.n + r.notes.dropped, TK_TAGS_MAX - 2);
    snprintf(buf + n, sizeof(buf) - n, "; y=1");
    assert_int_equal(parse(buf, &r, &err), TK_LIMIT);
}

static void test_nul_and_null(void **state)
{
    static const char with_nul[] = "v=DMARC1; p=reject\0; p=none";
    struct tk_dmarc_record r;
    struct tk_error err;

    (void)state;
    /* a NUL is an ordinary byte: "reject\0" is not a policy, and p= twice */
    assert_int_equal(tk_dmarc_record_parse(with_nul, sizeof(with_nul) - 1, &r, &err), TK_INVALID);
    assert_true(testutil_printable(err.msg));
    /* the length, not a NUL, ends the input */
    assert_int_equal(tk_dmarc_record_parse(with_nul, 18, &r, &err), TK_OK);
    assert_int_equal(r.p, TK_DMARC_POLICY_REJECT);
    assert_int_equal(tk_dmarc_record_parse(NULL, 0, &r, &err), TK_ABSENT);
}

/* Deterministic garbage: any bytes give a status and printable text. */
static void test_garbage(void **state)
{
    static const char alphabet[] = "v=DMARC1;p=rejctnoadkimspf,!@:<> \t\r\nmailto.x%-\x80\xff\0";
    unsigned long seed = 12345;
    char buf[300];
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        struct tk_dmarc_record r;
        struct tk_error err;
        size_t len, i;
        enum tk_status st;

        len = testutil_rand(&seed) % sizeof(buf);
        memcpy(buf, "v=DMARC1;", 9);
        testutil_garbage(&seed, buf, (iter & 1) ? 9 : 0, len, alphabet, sizeof(alphabet) - 1);
        tk_error_clear(&err);
        st = tk_dmarc_record_parse(buf, len, &r, &err);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT);
        if (st == TK_OK)
            assert_int_not_equal(r.p, TK_DMARC_POLICY_UNSET);
        assert_true(testutil_printable(err.msg));
        for (i = 0; i < r.notes.n; i++)
            assert_true(testutil_printable(r.notes.text[i]));
        assert_true(r.nrua <= TK_DMARC_URIS_MAX && r.nruf <= TK_DMARC_URIS_MAX);
        assert_true(r.pct >= 0 && r.pct <= 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_table),    cmocka_unit_test(test_is_record),
        cmocka_unit_test(test_policy_names),    cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_field_table),     cmocka_unit_test(test_fo_rf),
        cmocka_unit_test(test_uri_table),       cmocka_unit_test(test_ruf_and_second_uri),
        cmocka_unit_test(test_uri_count_limit), cmocka_unit_test(test_uri_length_limit),
        cmocka_unit_test(test_bad_segments),    cmocka_unit_test(test_many_bad_segments),
        cmocka_unit_test(test_seed_example),    cmocka_unit_test(test_seed_document),
        cmocka_unit_test(test_seed_fixed),      cmocka_unit_test(test_record_length),
        cmocka_unit_test(test_tag_count),       cmocka_unit_test(test_nul_and_null),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
