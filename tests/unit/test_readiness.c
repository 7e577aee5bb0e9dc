/*
 * NAME
 *	test_readiness.c - unit tests of the known senders and the readiness verdicts
 * DESCRIPTION
 *	What an agency's administrator asks: "if I move to -all and
 *	p=reject tomorrow, whose mail bounces, and what do I change?". Each
 *	case is a small set of sources as reports would add them up, and
 *	asserts the two verdicts and the words of the blockers.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "reports/readiness.h"
#include "reports/senders.h"

#define D "agency.govt.nz"

static struct tk_source_tally src(const char *ip, const char *ptr, const char *org,
                                  unsigned long msgs, unsigned long dmarc, unsigned long spf_al,
                                  unsigned long dkim_al)
{
    struct tk_source_tally s;
    const struct tk_sender_org *o;

    memset(&s, 0, sizeof(s));
    snprintf(s.ip, sizeof(s.ip), "%s", ip);
    snprintf(s.ptr, sizeof(s.ptr), "%s", ptr);
    for (o = tk_sender_orgs; org && o->name; o++)
        if (strcmp(o->name, org) == 0)
            s.org = o;
    s.messages = msgs;
    s.dmarc_pass = dmarc;
    s.spf_aligned_pass = spf_al;
    s.dkim_aligned_pass = dkim_al;
    return s;
}

static void test_identify(void **state)
{
    const char *dkim_m365[] = {"agency.onmicrosoft.com"};
    const char *dkim_other[] = {"example.org", "agency.govt.nz"};

    assert_string_equal(
        tk_sender_identify("mail-sy4aus01on2100.outbound.protection.outlook.com", NULL, 0)->name,
        "Microsoft 365");
    assert_string_equal(tk_sender_identify("o1.ptr1234.sendgrid.net.", NULL, 0)->name, "SendGrid");
    assert_string_equal(tk_sender_identify("", dkim_m365, 1)->name, "Microsoft 365");
    assert_string_equal(tk_sender_identify("mail-wr1-f54.GOOGLE.com", NULL, 0)->name,
                        "Google Workspace");
    /* A name that only ends in the same letters is someone else. */
    assert_null(tk_sender_identify("evilprotection.outlook.com.attacker.example", NULL, 0));
    assert_null(tk_sender_identify("notsendgrid.net", NULL, 0));
    assert_null(tk_sender_identify("mx.agency.govt.nz", dkim_other, 2));
    assert_null(tk_sender_identify(NULL, NULL, 0));
    assert_true(tk_name_ends_with("a.b.c", "b.c"));
    assert_true(tk_name_ends_with("b.c", "B.C"));
    assert_false(tk_name_ends_with("ab.c", "b.c"));
    assert_false(tk_name_ends_with("c", "b.c"));
    assert_false(tk_name_ends_with("a.b.c", ""));
}

static void test_all_passing(void **state)
{
    struct tk_source_tally s[] = {
        src("192.0.2.1", "mail-1.outbound.protection.outlook.com", "Microsoft 365", 900, 900, 900,
            900),
        src("192.0.2.2", "mx.agency.govt.nz", NULL, 100, 100, 100, 0),
    };
    struct tk_readiness r;

    tk_readiness_assess(D, D, s, 2, &r);
    assert_int_equal(r.spf_all, TK_READY);
    assert_int_equal(r.dmarc_reject, TK_READY);
    assert_int_equal(r.messages, 1000);
    assert_int_equal(r.legitimate, 1000);
    assert_int_equal(r.nblockers, 0);
}

static void test_bulk_sender_blocks_both(void **state)
{
    struct tk_source_tally s[] = {
        src("192.0.2.1", "", "Microsoft 365", 500, 500, 500, 500),
        src("198.51.100.7", "mail7.mcsv.net", "Mailchimp", 40, 0, 0, 0),
    };
    struct tk_readiness r;

    tk_readiness_assess(D, D, s, 2, &r);
    assert_int_equal(r.spf_all, TK_NOT_READY);
    assert_int_equal(r.dmarc_reject, TK_NOT_READY);
    assert_int_equal(r.nblockers, 1);
    assert_true(r.blockers[0].blocks_all && r.blockers[0].blocks_reject);
    assert_non_null(strstr(r.blockers[0].problem, "Mailchimp (198.51.100.7, mail7.mcsv.net)"));
    assert_non_null(strstr(r.blockers[0].problem, "sent 40 messages: 0 passed DMARC"));
    assert_non_null(strstr(r.blockers[0].fix, "add include:servers.mcsv.net to the SPF record "
                                              "of " D));
    assert_non_null(strstr(r.blockers[0].fix, "k2/k3._domainkey"));
    assert_non_null(strstr(r.blockers[0].fix, "sub-domain (e.g. news." D ")"));
}

static void test_unknown_sources_are_not_blockers(void **state)
{
    struct tk_source_tally s[] = {
        src("192.0.2.1", "", "Microsoft 365", 500, 500, 500, 500),
        src("203.0.113.66", "host66.dsl.example.net", NULL, 75, 0, 0, 0),
        src("203.0.113.67", "", NULL, 5, 0, 0, 0),
    };
    struct tk_readiness r;

    tk_readiness_assess(D, D, s, 3, &r);
    assert_int_equal(r.spf_all, TK_READY);
    assert_int_equal(r.dmarc_reject, TK_READY);
    assert_int_equal(r.unknown, 80);
    assert_int_equal(r.nunknown_sources, 2);
    assert_int_equal(r.nblockers, 0);
}

static void test_own_server_spf_only(void **state)
{
    /* The agency's own relay signs with DKIM but is not in SPF: p=reject
     * is safe (DKIM aligns), -all is not. */
    struct tk_source_tally s[] = {
        src("2001:db8::25", "relay.agency.govt.nz", NULL, 300, 300, 0, 300),
    };
    struct tk_readiness r;

    tk_readiness_assess("news.agency.govt.nz", D, s, 1, &r);
    assert_int_equal(r.dmarc_reject, TK_READY);
    assert_int_equal(r.spf_all, TK_NOT_READY);
    assert_int_equal(r.nblockers, 1);
    assert_false(r.blockers[0].blocks_reject);
    assert_non_null(strstr(r.blockers[0].fix, "add ip6:2001:db8::25 to the SPF record of "
                                              "news.agency.govt.nz"));
    /* DKIM already aligns: no advice to sign. */
    assert_null(strstr(r.blockers[0].fix, "DKIM"));
}

static void test_partly_passing_source(void **state)
{
    /* Some mail of an unknown source passes DMARC: someone set it up, so
     * the rest of its mail is a problem to mend, not spoofing. */
    struct tk_source_tally s[] = {
        src("192.0.2.9", "", NULL, 10, 6, 6, 0),
    };
    struct tk_readiness r;

    tk_readiness_assess(D, D, s, 1, &r);
    assert_int_equal(r.dmarc_reject, TK_NOT_READY);
    assert_int_equal(r.legitimate, 10);
    assert_non_null(strstr(r.blockers[0].fix, "sign its mail with DKIM"));
}

static void test_no_data(void **state)
{
    struct tk_readiness r;

    tk_readiness_assess(D, D, NULL, 0, &r);
    assert_int_equal(r.spf_all, TK_NO_DATA);
    assert_int_equal(r.dmarc_reject, TK_NO_DATA);
    assert_string_equal(tk_readiness_name(TK_NO_DATA), "no data");
}

static void test_many_blockers(void **state)
{
    static struct tk_source_tally s[TK_READINESS_BLOCKERS_MAX + 5];
    struct tk_readiness r;
    char ip[32];
    size_t i;

    for (i = 0; i < NELEM(s); i++) {
        snprintf(ip, sizeof(ip), "192.0.2.%zu", i);
        s[i] = src(ip, "", NULL, 2, 1, 1, 0);
    }
    tk_readiness_assess(D, D, s, NELEM(s), &r);
    assert_int_equal(r.nblockers, TK_READINESS_BLOCKERS_MAX);
    assert_true(r.blockers_truncated);
    assert_int_equal(r.messages, 2 * NELEM(s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identify),
        cmocka_unit_test(test_all_passing),
        cmocka_unit_test(test_bulk_sender_blocks_both),
        cmocka_unit_test(test_unknown_sources_are_not_blockers),
        cmocka_unit_test(test_own_server_spf_only),
        cmocka_unit_test(test_partly_passing_source),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_many_blockers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
