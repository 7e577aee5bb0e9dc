/*
 * NAME
 *	test_spf.c - unit tests of the SPF record parser and macro expander
 * DESCRIPTION
 *	Table-driven: valid records (term kinds, DNS term count), term
 *	details (domain-spec, CIDR, addresses), both sides of every CIDR
 *	bound, invalid records with the words the message must hold, notes,
 *	macro expansion (RFC 7208 7.4 and the test suite's macro cases),
 *	limits, and hostile bytes. Then the RFC 7208 test suite: every SPF
 *	record in its zone data is parsed, and each test whose outcome
 *	follows from syntax alone is checked (see suite_classify).
 * STANDARDS
 *	RFC 7208; the openspf.org RFC 7208 test suite (release 2014.04).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "testutil.h"
#include "core/limits.h"
#include "record/spf.h"

/* ------------------------------------------------------- helpers */

static enum tk_status parse(const char *txt, struct tk_spf_record *rec, struct tk_error *err)
{
    return tk_spf_record_parse(txt, strlen(txt), rec, err);
}

/* kinds_of renders a record's terms as "+include -all redirect". */
static void kinds_of(const struct tk_spf_record *rec, char *out, size_t cap)
{
    size_t i, n = 0;

    out[0] = '\0';
    for (i = 0; i < rec->nterms && n < cap; i++) {
        const struct tk_spf_term *t = &rec->terms[i];
        bool mech = t->kind <= TK_SPF_EXISTS;

        n += (size_t)snprintf(out + n, cap - n, "%s%s%s", i ? " " : "",
                              mech ? (t->qualifier == TK_SPF_Q_PASS       ? "+"
                                      : t->qualifier == TK_SPF_Q_FAIL     ? "-"
                                      : t->qualifier == TK_SPF_Q_SOFTFAIL ? "~"
                                                                          : "?")
                                   : "",
                              tk_spf_term_kind_name(t->kind));
    }
}

/* ------------------------------------------------ valid records */

static const struct valid_case {
    const char *rec;
    const char *kinds;
    unsigned dns_terms;
} valid_cases[] = {
    {"v=spf1", "", 0},
    {"v=spf1 ", "", 0},
    {"v=spf1 -all", "-all", 0},
    {"v=spf1 include:spf.protection.outlook.com -all", "+include -all", 1},
    {"v=spf1 a mx ptr exists:%{i}.x.example.com ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all",
     "+a +mx +ptr +exists +ip4 +ip6 ~all", 4},
    {"v=spf1 +a -mx ~ptr ?exists:e.example.com +all", "+a -mx ~ptr ?exists +all", 4},
    {"v=spf1 redirect=_spf.example.com", "redirect", 1},
    {"v=spf1 -all redirect=_spf.example.com", "-all redirect", 0},
    {"v=spf1 exp=explain.example.com -all", "exp -all", 0},
    {"v=spf1 foo=bar -all", "unknown-modifier -all", 0},
    /* upper case and odd spacing */
    {"V=SPF1 A MX INCLUDE:EXAMPLE.COM -ALL", "+a +mx +include -all", 3},
    {"v=SpF1 Ip4:192.0.2.1 IP6:2001:DB8::1 Redirect=Example.COM EXP=x.example.com",
     "+ip4 +ip6 redirect exp", 1},
    {"v=spf1  a   -all  ", "+a -all", 1},
    {"v=spf1 a -all ", "+a -all", 1},
    /* domain-spec corners from RFC 7208 7.1 and the test suite */
    {"v=spf1 a:foo:bar/baz.example.com", "+a", 1},
    {"v=spf1 a:foo.example.xn--zckzah -all", "+a -all", 1},
    {"v=spf1 a:mail.example...com -all", "+a -all", 1},
    {"v=spf1 a:a123456789012345678901234567890123456789012345678901234567890123.example.com", "+a",
     1},
    {"v=spf1 a:%{H}.bar -all", "+a -all", 1},
    {"v=spf1 a:%{d}", "+a", 1},
    {"v=spf1 a:foo.%%", "+a", 1},
    {"v=spf1 a:example.com.", "+a", 1},
    {"v=spf1 a:123-456.example.123-456", "+a", 1},
    {"v=spf1 exists:%{i}.%{l2r-}.user.%{d2}", "+exists", 1},
    {"v=spf1 exists:%{l2r+-}.user.%{d2}", "+exists", 1},
    {"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", "+a -all", 1},
    {"v=spf1 exists:%{ir}.%{v}._spf.%{d2} exists:%{D2R.-+,/_=}.example.com", "+exists +exists", 2},
    {"v=spf1 -exists:%{d00001}.example.com", "-exists", 1},
    {"v=spf1 include:o.spf.example.com. ~all", "+include ~all", 1},
    /* modifiers */
    {"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", "unknown-modifier +ip4 -all", 0},
    {"v=spf1 default=pass", "unknown-modifier", 0},
    {"v=spf1 default=+", "unknown-modifier", 0},
    {"v=spf1 foo=", "unknown-modifier", 0},
    {"v=spf1 foo=%{c}%{r}%{t}", "unknown-modifier", 0},
    {"v=spf1 a -all v=spf1 mx -all", "+a -all unknown-modifier +mx -all", 2},
    {"v=spf1 include=_spf.example.com -all", "unknown-modifier -all", 0},
    {"v=spf1 redirect=%{d}.d.spf.example.com.", "redirect", 1},
    {"v=spf1 -all exp=msg8.%{D2}", "-all exp", 0},
    /* CIDR forms */
    {"v=spf1 a/24 mx//64 a:example.com/24//64 mx:example.com//0", "+a +mx +a +mx", 4},
    {"v=spf1 ip6:::1.1.1.1/0 ip6:::ffff:192.0.2.1 ip6:1:2:3:4:5:6:7:8 ip6:1:: ip6:::",
     "+ip6 +ip6 +ip6 +ip6 +ip6", 0},
    {"v=spf1 ip6:fe80::1:2:3:4:5:6 ip6:1:2:3:4:5:6:1.2.3.4", "+ip6 +ip6", 0},
    /* DNS term count (RFC 7208 4.6.4) */
    {"v=spf1 a mx a mx a mx a mx a ptr ip4:1.2.3.4 -all",
     "+a +mx +a +mx +a +mx +a +mx +a +ptr +ip4 -all", 10},
    {"v=spf1 a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all",
     "+a +mx +a +mx +a +mx +a +mx +a +ptr +a +ip4 -all", 11},
    {"v=spf1 include:a.example redirect=b.example", "+include redirect", 2},
    {"v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 exp=e.example.com -all", "+ip4 +ip6 exp -all", 0},
};

static void test_valid_records(void **state)
{
    char kinds[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *c = &valid_cases[i];
        struct tk_spf_record rec;
        struct tk_error err;
        enum tk_status st = parse(c->rec, &rec, &err);

        if (st != TK_OK)
            fail_msg("'%s': %s: %s", c->rec, tk_status_name(st), err.msg);
        kinds_of(&rec, kinds, sizeof(kinds));
        if (strcmp(kinds, c->kinds) != 0 || rec.dns_terms != c->dns_terms)
            fail_msg("'%s': kinds '%s' dns_terms %u, want '%s' %u", c->rec, kinds, rec.dns_terms,
                     c->kinds, c->dns_terms);
        tk_spf_record_free(&rec);
    }
}

/* --------------------------------------------------- term details */

static const struct term_case {
    const char *rec;
    size_t index;
    const char *domain; /* NULL: none written */
    bool macros;
    int cidr4, cidr6;
    const char *ip; /* for ip4/ip6 */
} term_cases[] = {
    {"v=spf1 include:spf.protection.outlook.com", 0, "spf.protection.outlook.com", false, -1, -1,
     NULL},
    {"v=spf1 a", 0, NULL, false, -1, -1, NULL},
    {"v=spf1 a/24", 0, NULL, false, 24, -1, NULL},
    {"v=spf1 a//64", 0, NULL, false, -1, 64, NULL},
    {"v=spf1 mx:example.com/24//64", 0, "example.com", false, 24, 64, NULL},
    {"v=spf1 a:foo:bar/baz.example.com/0", 0, "foo:bar/baz.example.com", false, 0, -1, NULL},
    {"v=spf1 ptr:example.org", 0, "example.org", false, -1, -1, NULL},
    {"v=spf1 exists:%{ir}.bl.example.net", 0, "%{ir}.bl.example.net", true, -1, -1, NULL},
    {"v=spf1 a:foo.%%", 0, "foo.%%", true, -1, -1, NULL},
    {"v=spf1 ip4:192.0.2.128/25", 0, NULL, false, 25, -1, "192.0.2.128"},
    {"v=spf1 ip4:0.0.0.0/0", 0, NULL, false, 0, -1, "0.0.0.0"},
    {"v=spf1 ip4:255.255.255.255", 0, NULL, false, -1, -1, "255.255.255.255"},
    {"v=spf1 ip6:2001:db8::cb01/128", 0, NULL, false, -1, 128, "2001:db8::cb01"},
    {"v=spf1 ip6:::ffff:1.2.3.4", 0, NULL, false, -1, -1, "::ffff:1.2.3.4"},
    {"v=spf1 ip6:Cafe:Babe:8000::/33", 0, NULL, false, -1, 33, "cafe:babe:8000::"},
    {"v=spf1 ip6:1:2:3:4:5:6:7:8", 0, NULL, false, -1, -1, "1:2:3:4:5:6:7:8"},
    {"v=spf1 ip6:::", 0, NULL, false, -1, -1, "::"},
    {"v=spf1 ip6:1::8", 0, NULL, false, -1, -1, "1::8"},
    {"v=spf1 -all redirect=_spf.example.com", 1, "_spf.example.com", false, -1, -1, NULL},
    {"v=spf1 exp=%{d2}.example.com", 0, "%{d2}.example.com", true, -1, -1, NULL},
};

static void check_term(const struct term_case *c, const struct tk_spf_term *t)
{
    uint8_t want[16] = {0};
    size_t dl = c->domain ? strlen(c->domain) : 0;

    if (t->domain_spec.len != dl || (dl && memcmp(t->domain_spec.p, c->domain, dl) != 0))
        fail_msg("'%s': domain-spec '%.*s', want '%s'", c->rec, (int)t->domain_spec.len,
                 t->domain_spec.p, c->domain ? c->domain : "");
    if (t->has_macros != c->macros || t->cidr4 != c->cidr4 || t->cidr6 != c->cidr6)
        fail_msg("'%s': macros %d cidr4 %d cidr6 %d", c->rec, t->has_macros, t->cidr4, t->cidr6);
    if (c->ip == NULL)
        return;
    if (t->kind == TK_SPF_IP4)
        assert_int_equal(inet_pton(AF_INET, c->ip, want), 1);
    else
        assert_int_equal(inet_pton(AF_INET6, c->ip, want), 1);
    assert_memory_equal(t->ip, want, t->kind == TK_SPF_IP4 ? 4 : 16);
}

static void test_term_details(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(term_cases) / sizeof(term_cases[0]); i++) {
        struct tk_spf_record rec;
        struct tk_error err;

        if (parse(term_cases[i].rec, &rec, &err) != TK_OK)
            fail_msg("'%s': %s", term_cases[i].rec, err.msg);
        assert_true(term_cases[i].index < rec.nterms);
        check_term(&term_cases[i], &rec.terms[term_cases[i].index]);
        /* spans point into the caller's text */
        assert_true(rec.terms[term_cases[i].index].text.p > term_cases[i].rec &&
                    rec.terms[term_cases[i].index].text.p +
                            rec.terms[term_cases[i].index].text.len <=
                        term_cases[i].rec + strlen(term_cases[i].rec));
        tk_spf_record_free(&rec);
    }
}

static void test_record_indexes(void **state)
{
    struct tk_spf_record rec;
    struct tk_error err;

    (void)state;
    assert_int_equal(
        parse("v=spf1 exp=e.example.com ?all -all redirect=r.example.com x=y", &rec, &err), TK_OK);
    assert_int_equal(rec.nterms, 5);
    assert_int_equal(rec.exp_index, 0);
    assert_int_equal(rec.all_index, 1);
    assert_int_equal(rec.redirect_index, 3);
    assert_int_equal(rec.terms[1].qualifier, TK_SPF_Q_NEUTRAL);
    assert_int_equal(rec.terms[4].mod_name.len, 1);
    assert_int_equal(rec.terms[4].mod_name.p[0], 'x');
    assert_int_equal(rec.terms[0].text.len, strlen("exp=e.example.com"));
    tk_spf_record_free(&rec);
    tk_spf_record_free(&rec); /* free is idempotent */
    assert_int_equal(rec.nterms, 0);
    assert_null(rec.terms);
    assert_int_equal(rec.all_index, -1);
}

/* ------------------------------------------------ CIDR boundaries */

static const struct status_case {
    const char *rec;
    enum tk_status want;
} cidr_cases[] = {
    {"v=spf1 ip4:192.0.2.0/0", TK_OK},
    {"v=spf1 ip4:192.0.2.0/32", TK_OK},
    {"v=spf1 ip4:192.0.2.0/33", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/032", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/00", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0//32", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/x", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/24/", TK_INVALID},
    {"v=spf1 ip4:192.0.2.0/99999999999999999999999", TK_INVALID},
    {"v=spf1 ip6:2001:db8::/0", TK_OK},
    {"v=spf1 ip6:2001:db8::/128", TK_OK},
    {"v=spf1 ip6:2001:db8::/129", TK_INVALID},
    {"v=spf1 ip6:2001:db8::/0128", TK_INVALID},
    {"v=spf1 ip6:2001:db8:://64", TK_INVALID},
    {"v=spf1 ip6:::1.1.1.1//33", TK_INVALID},
    {"v=spf1 a/0", TK_OK},
    {"v=spf1 a/32", TK_OK},
    {"v=spf1 a/33", TK_INVALID},
    {"v=spf1 a//0", TK_OK},
    {"v=spf1 a//128", TK_OK},
    {"v=spf1 a//129", TK_INVALID},
    {"v=spf1 a/32//128", TK_OK},
    {"v=spf1 a/33//128", TK_INVALID},
    {"v=spf1 a/32//129", TK_INVALID},
    {"v=spf1 a/24/64", TK_INVALID},
    {"v=spf1 a//64/24", TK_INVALID},
    {"v=spf1 a/", TK_INVALID},
    {"v=spf1 a//", TK_INVALID},
    {"v=spf1 a///24", TK_INVALID},
    {"v=spf1 a:example.com/0//0", TK_OK},
    {"v=spf1 a:example.com/32", TK_OK},
    {"v=spf1 a:example.com/33", TK_INVALID},
    {"v=spf1 a:example.com//128", TK_OK},
    {"v=spf1 a:example.com//129", TK_INVALID},
    {"v=spf1 a:example.com/024", TK_INVALID},
    {"v=spf1 mx/0 mx/32 mx//0 mx//128", TK_OK},
    {"v=spf1 mx/33", TK_INVALID},
    {"v=spf1 mx//129", TK_INVALID},
    {"v=spf1 mx:example.com/32//128", TK_OK},
    {"v=spf1 mx:example.com/33", TK_INVALID},
    {"v=spf1 mx:example.com//129", TK_INVALID},
    {"v=spf1 ptr/0", TK_INVALID},
    {"v=spf1 ptr:example.com/24", TK_INVALID},
    {"v=spf1 include:example.com/24", TK_INVALID},
    {"v=spf1 exists:example.com/24", TK_INVALID},
    {"v=spf1 all/8", TK_INVALID},
    {"v=spf1 redirect=example.com/24", TK_INVALID},
};

static void test_status_table(const struct status_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct tk_spf_record rec;
        struct tk_error err;
        enum tk_status st = parse(cases[i].rec, &rec, &err);

        if (st != cases[i].want)
            fail_msg("'%s': %s (%s), want %s", cases[i].rec, tk_status_name(st), err.msg,
                     tk_status_name(cases[i].want));
        if (st != TK_OK)
            assert_true(err.msg[0] != '\0' && testutil_printable(err.msg));
        tk_spf_record_free(&rec);
    }
}

static void test_cidr_bounds(void **state)
{
    (void)state;
    test_status_table(cidr_cases, sizeof(cidr_cases) / sizeof(cidr_cases[0]));
}

/* -------------------------------------------- invalid records */

static const struct invalid_case {
    const char *rec;
    size_t len; /* 0: strlen */
    const char *msg1, *msg2;
} invalid_cases[] = {
    /* the seed's mistake, and the space after ':' or '=' */
    {"v=spf1 include:spf.protection.outlook.com - all", 0, "term 3 '- all'", "write '-all'"},
    {"v=spf1 ~ all", 0, "term 2 '~ all'", "write '~all'"},
    {"v=spf1 -", 0, "term 2 '-'", "no mechanism"},
    {"v=spf1 include: spf.protection.outlook.com -all", 0,
     "term 2 'include: spf.protection.outlook.com'", "write 'include:spf.protection.outlook.com'"},
    {"v=spf1 ip4: 192.0.2.1 -all", 0, "space after ':'", "write 'ip4:192.0.2.1'"},
    {"v=spf1 redirect= _spf.example.com", 0, "space after '='",
     "write 'redirect=_spf.example.com'"},
    {"v=spf1 include: -all", 0, "term 2 'include:'", "no domain"},
    {"v=spf1 exp= -all", 0, "term 2 'exp='", "no domain"},
    {"v=spf1 ?all redirect=", 0, "term 3", "no domain"},
    {"v=spf1 redirect:_spf.example.com", 0, "modifier", "write 'redirect=_spf.example.com'"},
    {"v=spf1 exp:e.example.com -all", 0, "modifier", "write 'exp=e.example.com'"},
    {"v=spf1 ipv4:192.0.2.1", 0, "write 'ip4:192.0.2.1'", NULL},
    {"v=spf1 -exp=e.example.com", 0, "no qualifier", "write 'exp=e.example.com'"},
    /* addresses */
    {"v=spf1 ip4:192.168.1.300 -all", 0, "term 2 'ip4:192.168.1.300'", "0-255"},
    {"v=spf1 ip4:192.0.2.1:25", 0, "port", "write 'ip4:192.0.2.1'"},
    {"v=spf1 ip4:2001:db8::1", 0, "IPv6", "write 'ip6:2001:db8::1'"},
    {"v=spf1 ip4:2001:db8::/32", 0, "IPv6", "write 'ip6:2001:db8::/32'"},
    {"v=spf1 ip4:192.0.2", 0, "shortened", NULL},
    {"v=spf1 ip4:192.0.2.01", 0, "leading zero", NULL},
    {"v=spf1 ip4:192.0.2.1.5", 0, "more after", NULL},
    {"v=spf1 ip4", 0, "needs ':'", NULL},
    {"v=spf1 ip4:", 0, "no address", NULL},
    {"v=spf1 -all ip6", 0, "term 3 'ip6'", "needs ':'"},
    {"v=spf1 ip6::CAFE::BABE", 0, "not an IPv6 address", NULL},
    {"v=spf1 ip6:1:2:3:4:5:6:7:8:9", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:1:2:3:4:5:6:7::8", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:1::2::3", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:12345::", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:1:", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:::1.2.3", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:1:2:3:4:5:6:7:1.2.3.4", 0, "not an IPv6", NULL},
    {"v=spf1 ip6:g::", 0, "not an IPv6", NULL},
    {"v=spf1 a:111.222.33.44", 0, "IPv4 address", "write 'ip4:111.222.33.44'"},
    /* domain-spec (RFC 7208 7.1) */
    {"v=spf1 a:museum", 0, "top-level label", NULL},
    {"v=spf1 a:museum.", 0, "top-level label", NULL},
    {"v=spf1 a:foo-bar -all", 0, "term 2 'a:foo-bar'", "top-level label"},
    {"v=spf1 a:abc.123", 0, "all digits", NULL},
    {"v=spf1 a:example.-com", 0, "begin or end with '-'", NULL},
    {"v=spf1 a:example.com-", 0, "begin or end with '-'", NULL},
    {"v=spf1 mx:example.com:8080", 0, "port", NULL},
    {"v=spf1 a:example..", 0, "empty label", NULL},
    {"v=spf1 a:%{d}com", 0, "top-level label", NULL},
    {"v=spf1 a:", 0, "no domain", NULL},
    {"v=spf1 a:/24", 0, "no domain", NULL},
    {"v=spf1 exists", 0, "needs ':'", NULL},
    {"v=spf1 include", 0, "needs ':'", NULL},
    {"v=spf1 redirect=-all ?all", 0, "top-level label", NULL},
    {"v=spf1 exp=-all", 0, "top-level label", NULL},
    /* macros (RFC 7208 7.1) */
    {"v=spf1 -exists:%(ir).sbl.example.com ?all", 0, "bad macro '%('", "'%%'"},
    {"v=spf1 exists:foo%.sbl.example.com", 0, "bad macro", NULL},
    {"v=spf1 a:%{a}.example.com", 0, "unknown macro letter", NULL},
    {"v=spf1 -all exp=%{r}.example.com", 0, "explanation text", NULL},
    {"v=spf1 a:%{c}.example.com", 0, "explanation text", NULL},
    {"v=spf1 exists:%{d0}.example.com", 0, "must not be 0", NULL},
    {"v=spf1 exists:%{d", 0, "no closing", NULL},
    {"v=spf1 exists:%{dx}.example.com", 0, "unexpected character", NULL},
    {"v=spf1 exists:%{d2r2}.example.com", 0, "unexpected character", NULL},
    {"v=spf1 exists:%", 0, "bad macro", NULL},
    {"v=spf1 -all foo=%abc", 0, "term 3", "bad macro"},
    /* term and modifier syntax */
    {"v=spf1 ip4:1.2.3.4 -all moo", 0, "term 4 'moo'", "unknown mechanism"},
    {"v=spf1 -all.", 0, "unknown mechanism 'all.'", NULL},
    {"v=spf1 -all:foobar", 0, "takes nothing", "write '-all'"},
    {"v=spf1 all/8", 0, "takes nothing", "write 'all'"},
    {"v=spf1 moo.cow/far_out=man:dog/cat", 0, "unknown mechanism", NULL},
    {"v=spf1 moo.cow:far_out=man:dog/cat", 0, "unknown mechanism", NULL},
    {"v=spf1 1up=foo", 0, "begin with a letter", NULL},
    {"v=spf1 =all", 0, "no name", NULL},
    {"v=spf1 a_b*c=d", 0, "'*' may not appear", NULL},
    {"v=spf1 -:foo", 0, "no mechanism name", NULL},
    {"v=spf1 include +all", 0, "needs ':'", NULL},
    {"v=spf1 ptr/0 -all", 0, "no prefix length", NULL},
    {"v=spf1 ptr:", 0, "no domain", NULL},
    {"v=spf1 exp=a.example.com exp=b.example.com", 0, "term 3", "only one"},
    {"v=spf1 redirect=e12.example.com -all redirect=e12.example.com", 0, "term 4", "only one"},
    /* bytes no term may hold */
    {"v=spf1 a\t-all", 0, "a tab", "replace it with a space"},
    {"v=spf1 a -all\r\n", 0, "term 3", "line break"},
    {"v=spf1 a:ctrl.example.com\rptr -all", 0, "line break", NULL},
    {"v=spf1 ip4:192.0.2.5\n include:spf.protection.outlook.com ~all", 0, "line break", NULL},
    {"v=spf1 a:foo.example.com\0", 25, "NUL", "\\x00"},
    {"v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all", 0, "non-ASCII", "\\xef\\xbb\\xbf"},
    {"v=spf1 \x80"
     "a:example.net -all",
     0, "non-ASCII", NULL},
    {"v=spf1 a:example.net \x96"
     "all",
     0, "term 3", "non-ASCII"},
    {"v=spf1 a\x7f", 0, "control character", NULL},
};

static void test_invalid_records(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct tk_spf_record rec;
        struct tk_error err;
        size_t len = c->len ? c->len : strlen(c->rec);
        enum tk_status st = tk_spf_record_parse(c->rec, len, &rec, &err);

        if (st != TK_INVALID || strstr(err.msg, c->msg1) == NULL ||
            (c->msg2 && strstr(err.msg, c->msg2) == NULL))
            fail_msg("'%s': %s '%s', want invalid with '%s' and '%s'", c->rec, tk_status_name(st),
                     err.msg, c->msg1, c->msg2 ? c->msg2 : "");
        assert_true(testutil_printable(err.msg));
        assert_int_equal(rec.nterms, 0);
        assert_null(rec.terms);
        tk_spf_record_free(&rec);
    }
}

static void test_seed_record(void **state)
{
    struct tk_spf_record rec;
    struct tk_error err;

    (void)state;
    assert_int_equal(parse("v=spf1 include:spf.protection.outlook.com - all", &rec, &err),
                     TK_INVALID);
    assert_string_equal(err.msg, "term 3 '- all': a space after the qualifier; write '-all'");
    assert_int_equal(err.code, TK_INVALID);
    assert_int_equal(parse("v=spf1 include:spf.protection.outlook.com -all", &rec, &err), TK_OK);
    assert_int_equal(rec.nterms, 2);
    assert_int_equal(rec.notes.n, 0);
    tk_spf_record_free(&rec);
}

/* --------------------------------------------------------- notes */

static const struct note_case {
    const char *rec;
    const char *note; /* NULL: no notes */
} note_cases[] = {
    {"v=spf1 -all", NULL},
    {"v=spf1 ip4:192.0.2.1 ~all", NULL},
    {"v=spf1 +all", "term 2 '+all': passes mail from every address"},
    {"v=spf1 all", "protects nothing"},
    {"v=spf1 ?all", "term 2 '?all': neutral"},
    {"v=spf1 ptr -all", "do not use ptr"},
    {"v=spf1 -all a", "term 3 'a': comes after 'all'"},
    {"v=spf1 all -all", "term 3 '-all': comes after 'all'"},
    {"v=spf1 -all redirect=x.example.com", "ignored because the record has 'all'"},
    {"v=spf1 foo=bar -all", "unknown modifier 'foo'"},
    {"v=spf1 a -all v=spf1 mx -all", "term 4 'v=spf1': a second 'v=spf1'"},
    {"v=spf1 ip4=192.0.2.1 -all", "write 'ip4:192.0.2.1'"},
};

static void test_notes(void **state)
{
    struct tk_spf_record rec;
    struct tk_error err;
    char many[1024] = "v=spf1";
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(note_cases) / sizeof(note_cases[0]); i++) {
        const struct note_case *c = &note_cases[i];

        assert_int_equal(parse(c->rec, &rec, &err), TK_OK);
        if (c->note ? !testutil_notes_have(&rec.notes, c->note) : rec.notes.n != 0)
            fail_msg("'%s': %zu notes, first '%s'; want '%s'", c->rec, rec.notes.n,
                     rec.notes.n ? rec.notes.text[0] : "", c->note ? c->note : "none");
        tk_spf_record_free(&rec);
    }
    for (i = 0; i < 20; i++)
        strcat(many, " ptr");
    assert_int_equal(parse(many, &rec, &err), TK_OK);
    assert_int_equal(rec.notes.n, TK_NOTES_MAX);
    assert_int_equal(rec.notes.n + rec.notes.dropped, 20);
    tk_spf_record_free(&rec);
}

/* ----------------------------------------------- record selection */

static void test_is_record(void **state)
{
    struct tk_spf_record rec;
    struct tk_error err;

    (void)state;
    assert_true(tk_spf_is_record("v=spf1", 6));
    assert_true(tk_spf_is_record("v=spf1 -all", 11));
    assert_true(tk_spf_is_record("V=SpF1 -all", 11));
    assert_false(tk_spf_is_record("v=spf10", 7));
    assert_false(tk_spf_is_record("v=spf1mx", 8));
    assert_false(tk_spf_is_record("v=spf1\t-all", 11));
    assert_false(tk_spf_is_record(" v=spf1", 7));
    assert_false(tk_spf_is_record("v=spf", 5));
    assert_false(tk_spf_is_record("", 0));
    assert_false(tk_spf_is_record(NULL, 0));
    assert_false(tk_spf_is_record("v=spf1", 5));
    assert_int_equal(parse("v=DMARC1; p=reject", &rec, &err), TK_ABSENT);
    assert_true(strstr(err.msg, "v=spf1") != NULL);
    assert_int_equal(tk_spf_record_parse(NULL, 0, &rec, &err), TK_ABSENT);
    tk_spf_record_free(&rec);
}

/* ------------------------------------------------------- limits */

static void test_limits(void **state)
{
    char *big = malloc(TK_TXT_RECORD_MAX + 64);
    struct tk_spf_record rec;
    struct tk_error err;
    size_t n, i;

    (void)state;
    assert_non_null(big);
    /* exactly TK_TXT_RECORD_MAX bytes: read; one more: TK_LIMIT */
    strcpy(big, "v=spf1");
    for (n = strlen(big); n + 15 <= TK_TXT_RECORD_MAX;)
        n += (size_t)sprintf(big + n, " ip4:192.0.2.1");
    while (n < TK_TXT_RECORD_MAX)
        big[n++] = ' ';
    big[n] = '\0';
    assert_int_equal(tk_spf_record_parse(big, n, &rec, &err), TK_OK);
    assert_true(rec.nterms > 250);
    tk_spf_record_free(&rec);
    big[n++] = ' ';
    assert_int_equal(tk_spf_record_parse(big, n, &rec, &err), TK_LIMIT);
    assert_true(strstr(err.msg, "4096") != NULL);
    assert_int_equal(rec.nterms, 0);
    /* TK_SPF_TERMS_MAX terms: read; one more: TK_LIMIT */
    for (i = 0; i < 2; i++) {
        strcpy(big, "v=spf1");
        for (n = 0; n < TK_SPF_TERMS_MAX + i; n++)
            strcat(big, " a");
        assert_int_equal(parse(big, &rec, &err), i ? TK_LIMIT : TK_OK);
        assert_int_equal(rec.nterms, i ? 0 : TK_SPF_TERMS_MAX);
        tk_spf_record_free(&rec);
    }
    assert_true(strstr(err.msg, "512") != NULL);
    free(big);
}

/* xorshift: a fixed sequence, so a failure replays. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static const struct tk_spf_macro_ctx fixed_ctx = {
    .sender = "strong-bad@email.example.com",
    .local_part = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip = {192, 0, 2, 3},
    .helo = "mx.example.org",
};

/* parse_any parses arbitrary bytes and checks the contract: a known
 * status, a printable message, and that every domain-spec the parser
 * accepted also expands. */
static void parse_any(const char *txt, size_t len)
{
    struct tk_spf_record rec;
    struct tk_error err;
    enum tk_status st = tk_spf_record_parse(txt, len, &rec, &err);
    size_t i;

    assert_true(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT);
    assert_true(testutil_printable(err.msg));
    for (i = 0; st == TK_OK && i < rec.nterms; i++) {
        struct tk_buf out = {NULL, 0, 0};
        enum tk_status est;

        if (rec.terms[i].domain_spec.len == 0)
            continue;
        est = tk_spf_macro_expand(rec.terms[i].domain_spec, &fixed_ctx, false, &out, &err);
        if (est != TK_OK && est != TK_LIMIT)
            fail_msg("'%.*s' parsed but does not expand: %s", (int)len, txt, err.msg);
        tk_buf_free(&out);
    }
    tk_spf_record_free(&rec);
}

static void test_hostile_bytes(void **state)
{
    static const char alphabet[] = "v=spf1 :/%{}.-+~?alliIpP46dDrR0123456789=_,\t\r\n\0\x80\xff";
    char rec[256];
    uint32_t seed = 0x7208u;
    int b, i, j;

    (void)state;
    for (b = 0; b < 256; b++) { /* every byte value in every part of a term */
        for (j = 7; j < 24; j++) {
            memcpy(rec, "v=spf1 a:%{d2}.example.com/24 -all", 35);
            rec[j] = (char)b;
            parse_any(rec, 34);
        }
    }
    for (i = 0; i < 20000; i++) { /* random records from the grammar's alphabet */
        size_t len = 7 + rnd(&seed) % 60;

        memcpy(rec, "v=spf1 ", 7);
        for (j = 7; j < (int)len; j++)
            rec[j] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
        parse_any(rec, len);
    }
}

/* ---------------------------------------------------- macro expansion */

struct expand_case {
    const char *spec;
    bool is_exp;
    const char *want; /* NULL: expect TK_INVALID */
};

/* RFC 7208 7.4, sender strong-bad@email.example.com, client 192.0.2.3. */
static const struct expand_case rfc_cases[] = {
    {"%{s}", false, "strong-bad@email.example.com"},
    {"%{o}", false, "email.example.com"},
    {"%{d}", false, "email.example.com"},
    {"%{d4}", false, "email.example.com"},
    {"%{d3}", false, "email.example.com"},
    {"%{d2}", false, "example.com"},
    {"%{d1}", false, "com"},
    {"%{dr}", false, "com.example.email"},
    {"%{d2r}", false, "example.email"},
    {"%{l}", false, "strong-bad"},
    {"%{l-}", false, "strong.bad"},
    {"%{lr}", false, "strong-bad"},
    {"%{lr-}", false, "bad.strong"},
    {"%{l1r-}", false, "strong"},
    {"%{ir}.%{v}._spf.%{d2}", false, "3.2.0.192.in-addr._spf.example.com"},
    {"%{lr-}.lp._spf.%{d2}", false, "bad.strong.lp._spf.example.com"},
    {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", false, "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
    {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false, "3.2.0.192.in-addr.strong.lp._spf.example.com"},
    {"%{d2}.trusted-domains.example.net", false, "example.com.trusted-domains.example.net"},
    /* beyond 7.4 */
    {"%{i}", false, "192.0.2.3"},
    {"%{c}", true, "192.0.2.3"},
    {"%{v}", false, "in-addr"},
    {"%{h}", false, "mx.example.org"},
    {"%{p}", false, "unknown"},
    {"%{r}", true, "unknown"},
    {"%{t}", true, "1700000000"},
    {"%{d200}", false, "email.example.com"},
    {"%{dr.}", false, "com.example.email"},
    {"%{l-.}", false, "strong.bad"},
    {"%{S}", false, "strong-bad%40email.example.com"},
    {"%{L2R-}", false, "bad.strong"},
    {"%%%_%-", true, "% %20"},
    {"macro%%percent%_%_space%-url-space.example.com", false,
     "macro%percent  space%20url-space.example.com"},
    {"example.com.", false, "example.com"},
    {"This is a test.", true, "This is a test."},
    {"%{d}.", false, "email.example.com"},
    {"", false, ""},
    /* errors */
    {"%{c}", false, NULL},
    {"%{r}.example.com", false, NULL},
    {"%{t}", false, NULL},
    {"%{x}", true, NULL},
    {"%(ir)", false, NULL},
    {"%", false, NULL},
    {"%{d0}", false, NULL},
    {"%{d", false, NULL},
    {"a b", false, NULL},
    {"\xef\xbb\xbf"
     "Explanation",
     true, NULL},
    {"The %{x}-files.", true, NULL},
};

static void run_expand(const struct expand_case *c, const struct tk_spf_macro_ctx *ctx)
{
    struct tk_buf out = {NULL, 0, 0};
    struct tk_error err;
    struct tk_span spec = {c->spec, strlen(c->spec)};
    enum tk_status st;

    tk_buf_puts(&out, "<");
    st = tk_spf_macro_expand(spec, ctx, c->is_exp, &out, &err);
    if (c->want == NULL) {
        if (st != TK_INVALID || strcmp(tk_buf_cstr(&out), "<") != 0)
            fail_msg("'%s': %s '%s', want invalid and out unchanged", c->spec, tk_status_name(st),
                     tk_buf_cstr(&out));
        assert_true(testutil_printable(err.msg) && strstr(err.msg, "bad ") != NULL);
    } else if (st != TK_OK || strcmp(tk_buf_cstr(&out) + 1, c->want) != 0) {
        fail_msg("'%s': %s '%s' (%s), want '%s'", c->spec, tk_status_name(st),
                 tk_buf_cstr(&out) + 1, st ? err.msg : "", c->want);
    }
    tk_buf_free(&out);
}

static void test_expand_rfc(void **state)
{
    struct tk_spf_macro_ctx ctx = fixed_ctx;
    size_t i;

    (void)state;
    ctx.timestamp = 1700000000;
    for (i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++)
        run_expand(&rfc_cases[i], &ctx);
}

static void test_expand_ip6(void **state)
{
    static const struct expand_case cases[] = {
        {"%{ir}.%{v}._spf.%{d2}", false,
         "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"},
        {"%{i}", false, "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1"},
        {"%{c}", true, "2001:db8::cb01"},
        {"%{v}", false, "ip6"},
        {"%{i1r}", false, "2"},
    };
    struct tk_spf_macro_ctx ctx = fixed_ctx;
    size_t i;

    (void)state;
    ctx.ip_is_v6 = true;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::cb01", ctx.ip), 1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_expand(&cases[i], &ctx);
}

/* The test suite's macro cases: e11, e12 and the upper-case escape. */
static void test_expand_suite_macros(void **state)
{
    static const struct expand_case e11 = {"%{i}.%{l2r-}.user.%{d2}", false,
                                           "1.2.3.4.gladstone.philip.user.example.com"};
    static const struct expand_case e12 = {"%{l2r+-}.user.%{d2}", false,
                                           "bar.foo.user.example.com"};
    static const struct expand_case upper = {
        "http://example.com/why.html?l=%{L}", true,
        "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c"};
    struct tk_spf_macro_ctx ctx = {
        .local_part = "philip-gladstone-test", .domain = "e11.example.com", .ip = {1, 2, 3, 4}};

    (void)state;
    run_expand(&e11, &ctx);
    ctx.local_part = "foo-bar+zip+quux";
    ctx.domain = "e12.example.com";
    run_expand(&e12, &ctx);
    ctx.local_part = "~jack&jill=up-a_b3.c";
    run_expand(&upper, &ctx);
}

static void test_expand_truncation(void **state)
{
    struct tk_spf_macro_ctx ctx = fixed_ctx;
    struct tk_buf out = {NULL, 0, 0};
    struct tk_error err;
    char spec[512];

    (void)state;
    /* RFC 7208 7.3: cut from the left at a dot down to 253 characters */
    ctx.sender_domain = "somewhat.long.exp.example.com";
    strcpy(spec, "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com");
    assert_int_equal(
        tk_spf_macro_expand((struct tk_span){spec, strlen(spec)}, &ctx, false, &out, &err), TK_OK);
    assert_int_equal(out.len, 251);
    assert_true(strncmp(tk_buf_cstr(&out), "somewhat.long.", 14) == 0);
    tk_buf_reset(&out);
    /* explanation text is not a domain: not cut */
    assert_int_equal(
        tk_spf_macro_expand((struct tk_span){spec, strlen(spec)}, &ctx, true, &out, &err), TK_OK);
    assert_int_equal(out.len, 258);
    tk_buf_free(&out);
}

static void test_expand_limits(void **state)
{
    struct tk_spf_macro_ctx ctx = fixed_ctx;
    struct tk_buf out = {NULL, 0, 0};
    struct tk_error err;
    char spec[512], label[300];
    size_t i;

    (void)state;
    /* one label over 253: no cut fits */
    memset(label, 'a', 280);
    label[280] = '\0';
    ctx.domain = label;
    assert_int_equal(tk_spf_macro_expand((struct tk_span){"%{d}", 4}, &ctx, false, &out, &err),
                     TK_LIMIT);
    assert_int_equal(out.len, 0);
    /* more than TK_SPF_MACRO_EXPANSION_MAX */
    spec[0] = '\0';
    for (i = 0; i < 4; i++)
        strcat(spec, "%{d}.");
    assert_int_equal(
        tk_spf_macro_expand((struct tk_span){spec, strlen(spec)}, &ctx, true, &out, &err),
        TK_LIMIT);
    assert_int_equal(out.len, 0);
    assert_true(strstr(err.msg, "1024") != NULL);
    /* NULL strings count as empty */
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(
        tk_spf_macro_expand((struct tk_span){"x%{s}%{l}%{o}%{d}%{h}y", 22}, &ctx, true, &out, &err),
        TK_OK);
    assert_string_equal(tk_buf_cstr(&out), "xy");
    tk_buf_free(&out);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tk_spf_qualifier_name(TK_SPF_Q_PASS), "pass");
    assert_string_equal(tk_spf_qualifier_name(TK_SPF_Q_FAIL), "fail");
    assert_string_equal(tk_spf_qualifier_name(TK_SPF_Q_SOFTFAIL), "softfail");
    assert_string_equal(tk_spf_qualifier_name(TK_SPF_Q_NEUTRAL), "neutral");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_ALL), "all");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_INCLUDE), "include");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_A), "a");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_MX), "mx");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_PTR), "ptr");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_IP4), "ip4");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_IP6), "ip6");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_EXISTS), "exists");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_REDIRECT), "redirect");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_EXP), "exp");
    assert_string_equal(tk_spf_term_kind_name(TK_SPF_UNKNOWN_MODIFIER), "unknown-modifier");
}

/* ------------------------------------------------ RFC 7208 test suite
 *
 * The suite (openspf.org, release 2014.04) describes a DNS zone per
 * scenario and, per test, the check_host() result for a sender. Only
 * some results follow from the syntax of one record; this parser is
 * held to exactly those, and the rest wait for the evaluator (the auth
 * engine issue), which will run the whole suite.
 *
 * Zone data: a name's TXT records are its "TXT:" entries when it has
 * any ("TXT: NONE" means present but empty), else its "SPF:" entries,
 * because the suite's drivers copy type SPF into TXT (see the suite's
 * header comment and the "Record lookup" scenario). A multi-string
 * record is joined without separator (RFC 7208 3.3). The tested domain
 * is the MAIL FROM domain, or the HELO name when MAIL FROM is empty.
 *
 * Decidable from syntax (checked):
 *  none       result none: no TXT record at the domain is an SPF record
 *             (tk_spf_is_record false, so the parser says TK_ABSENT).
 *  valid      every listed result is pass/fail/softfail/neutral: the
 *             domain has exactly one SPF record and it parses TK_OK. A
 *             syntax error anywhere in it would have been a permerror
 *             (RFC 7208 4.6), so each such record was evaluated cleanly.
 *  syntax     result permerror and the spec cites a grammar paragraph
 *             (SYNTAX_SECTIONS below: 3.1 7-bit text, 4.6/4.6.1 record
 *             and term syntax, the ABNF paragraphs of 5.x, 6/2 redirect
 *             and exp at most once, 6.1/2 and 6.2/1 modifier ABNF, 6.2/4
 *             whose permerror is the empty domain-spec, 7.1 macro and
 *             domain-spec grammar, A/3 the collected ABNF): exactly one
 *             SPF record, and it parses TK_INVALID.
 *  selection  result includes permerror and the spec cites 4.5 (record
 *             selection): more than one SPF record at the domain.
 *  either     the listed results mix permerror with a non-error result
 *             (the suite says the RFC leaves these undefined): the record
 *             parses TK_OK or TK_INVALID, nothing else.
 *  explanation the test names an explanation and the domain's own record
 *             decides it (exp= present, no redirect= or include that
 *             could hand the result elsewhere, no %{p} which needs DNS):
 *             the exp= domain-spec is expanded for the test's sender, the
 *             TXT there expanded as explanation text, and the result
 *             compared with the suite's (case-insensitively, as DNS is).
 * Left to evaluation (parsed, not judged): temperror (DNS failures),
 * permerror from 4.6.4 (limits summed over the include/redirect tree),
 * 5.2/9 (an include's target result), 6.1/4 (redirect to a domain with
 * no record), and explanations that need the validated name (%{p}) or
 * come from a redirected or included record.
 */

#define R_PASS 1u
#define R_FAIL 2u
#define R_SOFTFAIL 4u
#define R_NEUTRAL 8u
#define R_NONE 16u
#define R_PERMERROR 32u
#define R_TEMPERROR 64u
#define R_RESULTS (R_PASS | R_FAIL | R_SOFTFAIL | R_NEUTRAL)

static const char *const SYNTAX_SECTIONS[] = {
    "3.1/1", "4.6",   "4.6.1", "4.6.1/2", "4.6.1/4", "5.1/1", "5.2/1", "5.3/2",
    "5.4/2", "5.5/2", "5.6/2", "5.6/4",   "5.7/2",   "6/2",   "6.1/2", "6.2/1",
    "6.2/4", "7.1/2", "7.1/6", "7.1/8",   "7.1/9",   "A/3",   NULL,
};

enum suite_kind {
    SUITE_NONE,
    SUITE_VALID,
    SUITE_SYNTAX,
    SUITE_SELECTION,
    SUITE_EITHER,
    SUITE_EVALUATION,
};

struct suite {
    yaml_document_t *doc;
    yaml_node_t *zone;
    const char *test;
    unsigned records, expanded, checked[SUITE_EVALUATION + 1], explained, failed;
};

#define ZONE_RECORDS_MAX 16

struct zone_txt {
    size_t n;
    bool timeout;
    char *text[ZONE_RECORDS_MAX];
    size_t len[ZONE_RECORDS_MAX];
};

/* zone_text joins a TXT value: one string, or a list of strings. */
static char *zone_text(yaml_document_t *doc, yaml_node_t *v, size_t *len)
{
    yaml_node_item_t *item;
    char *out = calloc(1, 1);

    *len = 0;
    if (v->type == YAML_SCALAR_NODE) {
        free(out);
        *len = v->data.scalar.length;
        out = malloc(*len + 1);
        memcpy(out, v->data.scalar.value, *len + 1);
        return out;
    }
    for (item = v->data.sequence.items.start;
         v->type == YAML_SEQUENCE_NODE && item < v->data.sequence.items.top; item++) {
        yaml_node_t *s = yaml_document_get_node(doc, *item);

        out = realloc(out, *len + s->data.scalar.length + 1);
        memcpy(out + *len, s->data.scalar.value, s->data.scalar.length);
        *len += s->data.scalar.length;
        out[*len] = '\0';
    }
    return out;
}

static void zone_add(struct suite *s, yaml_node_t *entries, const char *type, struct zone_txt *z)
{
    yaml_node_item_t *item;

    for (item = entries->data.sequence.items.start; item < entries->data.sequence.items.top;
         item++) {
        yaml_node_t *e = yaml_document_get_node(s->doc, *item);
        yaml_node_t *v = testutil_yaml_get(s->doc, e, type);

        if (testutil_yaml_str(e) && strcmp(testutil_yaml_str(e), "TIMEOUT") == 0)
            z->timeout = true;
        if (v == NULL || (testutil_yaml_str(v) && strcmp(testutil_yaml_str(v), "NONE") == 0))
            continue;
        assert_true(z->n < ZONE_RECORDS_MAX);
        z->text[z->n] = zone_text(s->doc, v, &z->len[z->n]);
        z->n++;
    }
}

static bool zone_has_type(struct suite *s, yaml_node_t *entries, const char *type)
{
    yaml_node_item_t *item;

    for (item = entries->data.sequence.items.start; item < entries->data.sequence.items.top; item++)
        if (testutil_yaml_get(s->doc, yaml_document_get_node(s->doc, *item), type))
            return true;
    return false;
}

/* zone_lookup fills z with the TXT records served at name. */
static void zone_lookup(struct suite *s, const char *name, struct zone_txt *z)
{
    yaml_node_t *entries = testutil_yaml_get(s->doc, s->zone, name);

    memset(z, 0, sizeof(*z));
    if (entries == NULL || entries->type != YAML_SEQUENCE_NODE)
        return;
    zone_add(s, entries, zone_has_type(s, entries, "TXT") ? "TXT" : "SPF", z);
}

static void zone_free(struct zone_txt *z)
{
    size_t i;

    for (i = 0; i < z->n; i++)
        free(z->text[i]);
}

static unsigned result_mask(struct suite *s, yaml_node_t *r)
{
    static const char *const names[] = {"pass", "fail",      "softfail",  "neutral",
                                        "none", "permerror", "temperror", NULL};
    yaml_node_item_t *item;
    unsigned mask = 0, i;

    if (r && r->type == YAML_SEQUENCE_NODE) {
        for (item = r->data.sequence.items.start; item < r->data.sequence.items.top; item++)
            mask |= result_mask(s, yaml_document_get_node(s->doc, *item));
        return mask;
    }
    for (i = 0; names[i]; i++)
        if (testutil_yaml_str(r) && strcmp(testutil_yaml_str(r), names[i]) == 0)
            mask |= 1u << i;
    return mask;
}

/* spec_cites is true when one of the comma-separated paragraphs in spec
 * is in list (or, with prefix, begins with it). */
static bool spec_cites(const char *spec, const char *const *list, const char *prefix)
{
    char buf[128], *tok, *save;
    size_t i;

    snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (prefix && strncmp(tok, prefix, strlen(prefix)) == 0)
            return true;
        for (i = 0; list && list[i]; i++)
            if (strcmp(tok, list[i]) == 0)
                return true;
    }
    return false;
}

static enum suite_kind suite_classify(unsigned mask, const char *spec)
{
    if (mask == 0 || (mask & R_TEMPERROR))
        return SUITE_EVALUATION;
    if (mask == R_NONE)
        return SUITE_NONE;
    if ((mask & ~R_RESULTS) == 0)
        return SUITE_VALID;
    if ((mask & R_PERMERROR) && spec_cites(spec, NULL, "4.5/"))
        return SUITE_SELECTION;
    if ((mask & R_PERMERROR) && (mask & R_RESULTS))
        return SUITE_EITHER;
    if (mask == R_PERMERROR && spec_cites(spec, SYNTAX_SECTIONS, NULL))
        return SUITE_SYNTAX;
    return SUITE_EVALUATION;
}

static void suite_mismatch(struct suite *s, const char *domain, const char *what,
                           const char *detail)
{
    print_message("rfc7208 %s (%s): %s: %s\n", s->test, domain, what, detail);
    s->failed++;
}

/* suite_spf_records picks the SPF records (RFC 7208 4.5) out of z. */
static size_t suite_spf_records(const struct zone_txt *z, size_t *first)
{
    size_t i, n = 0;

    for (i = 0; i < z->n; i++)
        if (tk_spf_is_record(z->text[i], z->len[i]) && n++ == 0)
            *first = i;
    return n;
}

static void suite_check(struct suite *s, enum suite_kind kind, const char *domain,
                        const struct zone_txt *z)
{
    struct tk_spf_record rec = {0, NULL, -1, -1, -1, 0, {0, 0, {{0}}}};
    struct tk_error err = {TK_OK, ""};
    size_t first = 0, n = suite_spf_records(z, &first);
    enum tk_status st = TK_ABSENT;

    if (n > 0)
        st = tk_spf_record_parse(z->text[first], z->len[first], &rec, &err);
    tk_spf_record_free(&rec);
    s->checked[kind]++;
    switch (kind) {
    case SUITE_NONE:
        if (n != 0)
            suite_mismatch(s, domain, "want no SPF record", z->text[first]);
        break;
    case SUITE_VALID:
        if (n != 1 || st != TK_OK)
            suite_mismatch(s, domain, n != 1 ? "want one SPF record" : "want TK_OK", err.msg);
        break;
    case SUITE_SYNTAX:
        if (n != 1 || st != TK_INVALID)
            suite_mismatch(s, domain, "want one record, TK_INVALID",
                           n ? z->text[first] : "no record");
        break;
    case SUITE_SELECTION:
        if (n < 2)
            suite_mismatch(s, domain, "want several SPF records", "");
        break;
    case SUITE_EITHER:
        if (n != 1 || (st != TK_OK && st != TK_INVALID))
            suite_mismatch(s, domain, "want TK_OK or TK_INVALID", err.msg);
        break;
    default: /* evaluation: parsed in suite_parse_zone, not judged here */
        break;
    }
}

/* suite_ctx builds the check_host() context of a test. */
static void suite_ctx(const char *mailfrom, const char *helo, const char *host, char *sender,
                      size_t cap, struct tk_spf_macro_ctx *ctx)
{
    const char *at = strrchr(mailfrom, '@');
    static char local[256];

    memset(ctx, 0, sizeof(*ctx));
    if (mailfrom[0] == '\0' || at == NULL) {
        snprintf(sender, cap, "postmaster@%s", helo);
        at = strrchr(sender, '@');
    } else if (at == mailfrom) {
        snprintf(sender, cap, "postmaster%s", mailfrom);
        at = strrchr(sender, '@');
    } else {
        snprintf(sender, cap, "%s", mailfrom);
        at = strrchr(sender, '@');
    }
    snprintf(local, sizeof(local), "%.*s", (int)(at - sender), sender);
    ctx->sender = sender;
    ctx->local_part = local;
    ctx->sender_domain = ctx->domain = at + 1;
    ctx->helo = helo;
    if (inet_pton(AF_INET, host, ctx->ip) != 1) {
        ctx->ip_is_v6 = inet_pton(AF_INET6, host, ctx->ip) == 1;
        if (ctx->ip_is_v6 && memcmp(ctx->ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
            memmove(ctx->ip, ctx->ip + 12, 4); /* IPv4-mapped counts as IPv4 (RFC 7208 5) */
            ctx->ip_is_v6 = false;
        }
    }
}

/* suite_explain_target expands the exp= of the domain's record, when
 * that record alone decides the explanation. */
static bool suite_explain_target(const struct zone_txt *z, const struct tk_spf_macro_ctx *ctx,
                                 struct tk_buf *name)
{
    struct tk_spf_record rec;
    struct tk_error err;
    size_t first = 0, i;
    bool ok;

    if (suite_spf_records(z, &first) != 1 ||
        tk_spf_record_parse(z->text[first], z->len[first], &rec, &err) != TK_OK)
        return false;
    ok = rec.exp_index >= 0 && rec.redirect_index < 0;
    for (i = 0; i < rec.nterms; i++)
        ok &= rec.terms[i].kind != TK_SPF_INCLUDE;
    ok = ok &&
         tk_spf_macro_expand(rec.terms[rec.exp_index].domain_spec, ctx, false, name, &err) == TK_OK;
    tk_spf_record_free(&rec);
    return ok;
}

static void suite_explanation(struct suite *s, yaml_node_t *test, const char *domain,
                              const struct zone_txt *z)
{
    const char *want = testutil_yaml_str(testutil_yaml_get(s->doc, test, "explanation"));
    char sender[512];
    struct tk_spf_macro_ctx ctx;
    struct tk_buf name = {NULL, 0, 0}, text = {NULL, 0, 0};
    struct zone_txt exp;
    struct tk_error err;

    if (want == NULL || strcmp(want, "DEFAULT") == 0)
        return;
    suite_ctx(testutil_yaml_str(testutil_yaml_get(s->doc, test, "mailfrom")),
              testutil_yaml_str(testutil_yaml_get(s->doc, test, "helo")),
              testutil_yaml_str(testutil_yaml_get(s->doc, test, "host")), sender, sizeof(sender),
              &ctx);
    if (!suite_explain_target(z, &ctx, &name)) {
        tk_buf_free(&name);
        return;
    }
    zone_lookup(s, tk_buf_cstr(&name), &exp);
    if (exp.n == 1 && strstr(exp.text[0], "%{p") == NULL) {
        if (tk_spf_macro_expand((struct tk_span){exp.text[0], exp.len[0]}, &ctx, true, &text,
                                &err) != TK_OK ||
            strcasecmp(tk_buf_cstr(&text), want) != 0)
            suite_mismatch(s, domain, "explanation", tk_buf_cstr(&text));
        s->explained++;
    }
    zone_free(&exp);
    tk_buf_free(&name);
    tk_buf_free(&text);
}

static void suite_test(struct suite *s, yaml_node_t *test)
{
    const char *mailfrom = testutil_yaml_str(testutil_yaml_get(s->doc, test, "mailfrom"));
    const char *helo = testutil_yaml_str(testutil_yaml_get(s->doc, test, "helo"));
    const char *at = mailfrom ? strrchr(mailfrom, '@') : NULL;
    const char *domain = mailfrom && mailfrom[0] && at ? at + 1 : helo;
    enum suite_kind kind =
        suite_classify(result_mask(s, testutil_yaml_get(s->doc, test, "result")),
                       testutil_yaml_str(testutil_yaml_get(s->doc, test, "spec")));
    struct zone_txt z;

    assert_non_null(domain);
    zone_lookup(s, domain, &z);
    if (z.timeout && z.n == 0)
        kind = SUITE_EVALUATION;
    suite_check(s, kind, domain, &z);
    if (kind == SUITE_VALID)
        suite_explanation(s, test, domain, &z);
    zone_free(&z);
}

/* suite_parse_zone parses every TXT/SPF string in the zone data and
 * expands what parsed: domain-specs as domains, other text as
 * explanations. */
static void suite_parse_zone(struct suite *s)
{
    yaml_node_pair_t *pair;
    size_t i;

    for (pair = s->zone->data.mapping.pairs.start; pair < s->zone->data.mapping.pairs.top; pair++) {
        struct zone_txt z;

        zone_lookup(s, testutil_yaml_str(yaml_document_get_node(s->doc, pair->key)), &z);
        for (i = 0; i < z.n; i++) {
            struct tk_buf out = {NULL, 0, 0};
            struct tk_error err;
            enum tk_status st;

            parse_any(z.text[i], z.len[i]);
            s->records++;
            if (tk_spf_is_record(z.text[i], z.len[i]))
                continue;
            st = tk_spf_macro_expand((struct tk_span){z.text[i], z.len[i]}, &fixed_ctx, true, &out,
                                     &err);
            assert_true(st == TK_OK || st == TK_INVALID);
            s->expanded++;
            tk_buf_free(&out);
        }
        zone_free(&z);
    }
}

static void suite_scenario(struct suite *s, yaml_node_t *root)
{
    yaml_node_t *tests = testutil_yaml_get(s->doc, root, "tests");
    yaml_node_pair_t *pair;

    s->zone = testutil_yaml_get(s->doc, root, "zonedata");
    assert_non_null(tests);
    assert_non_null(s->zone);
    suite_parse_zone(s);
    for (pair = tests->data.mapping.pairs.start; pair < tests->data.mapping.pairs.top; pair++) {
        s->test = testutil_yaml_str(yaml_document_get_node(s->doc, pair->key));
        suite_test(s, yaml_document_get_node(s->doc, pair->value));
    }
}

/* suite_load gives each scenario (YAML document) of the suite to
 * suite_scenario. */
static void suite_document(void *arg, yaml_document_t *doc, yaml_node_t *root)
{
    struct suite *s = arg;

    s->doc = doc;
    suite_scenario(s, root);
}

static void suite_load(const char *path, struct suite *s)
{
    testutil_yaml_each(path, suite_document, s);
}

static void test_rfc7208_suite(void **state)
{
    struct suite s;
    unsigned checked = 0, k;

    (void)state;
    memset(&s, 0, sizeof(s));
    suite_load(testutil_shared_path("testdata/spf/rfc7208-tests.yml"), &s);
    for (k = SUITE_NONE; k < SUITE_EVALUATION; k++)
        checked += s.checked[k];
    print_message("rfc7208 suite: %u zone records parsed (%u expanded as explanations); %u test "
                  "cases checked: none %u, valid %u, syntax %u, selection %u, either %u, plus %u "
                  "explanations; %u left to evaluation; %u mismatches\n",
                  s.records, s.expanded, checked, s.checked[SUITE_NONE], s.checked[SUITE_VALID],
                  s.checked[SUITE_SYNTAX], s.checked[SUITE_SELECTION], s.checked[SUITE_EITHER],
                  s.explained, s.checked[SUITE_EVALUATION], s.failed);
    assert_int_equal(s.failed, 0);
    /* guard against a loader that silently finds nothing */
    assert_true(s.checked[SUITE_SYNTAX] >= 60 && s.checked[SUITE_VALID] >= 80);
    assert_true(s.checked[SUITE_NONE] > 0 && s.checked[SUITE_SELECTION] > 0 &&
                s.checked[SUITE_EITHER] > 0 && s.explained >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_records),
        cmocka_unit_test(test_term_details),
        cmocka_unit_test(test_record_indexes),
        cmocka_unit_test(test_cidr_bounds),
        cmocka_unit_test(test_invalid_records),
        cmocka_unit_test(test_seed_record),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_is_record),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_expand_rfc),
        cmocka_unit_test(test_expand_ip6),
        cmocka_unit_test(test_expand_suite_macros),
        cmocka_unit_test(test_expand_truncation),
        cmocka_unit_test(test_expand_limits),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_rfc7208_suite),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
