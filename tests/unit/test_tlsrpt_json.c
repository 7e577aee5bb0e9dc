/*
 * NAME
 *	test_tlsrpt_json.c - unit tests of the TLS-RPT (RFC 8460) report parser
 * DESCRIPTION
 *	The parsedmarc smtp_tls samples (and Google's report inside its mail,
 *	through the report source and the sink adapter) against values read
 *	independently with python3's json module when this test was written;
 *	RFC 3339 date-times; malformed JSON, duplicate members, huge numbers,
 *	wrong types, missing members, hostile text; both sides of every
 *	limit; the payload sink's contract.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/buf.h"
#include "reports/source.h"
#include "reports/tlsrpt_json.h"

#define SAMPLES "testdata/reports/parsedmarc-samples/"

static enum tk_status parse_str(const char *json, struct tk_tlsrpt_report *r, struct tk_error *err)
{
    tk_error_clear(err);
    return tk_tlsrpt_json_parse(json, strlen(json), r, err);
}

static enum tk_status parse_file(const char *rel, struct tk_tlsrpt_report *r, struct tk_error *err)
{
    size_t len;
    char *buf = testutil_read_file(testutil_shared_path(rel), &len);
    enum tk_status st;

    assert_non_null(buf);
    tk_error_clear(err);
    st = tk_tlsrpt_json_parse(buf, len, r, err);
    free(buf);
    return st;
}

static bool notes_have(const struct tk_tlsrpt_report *r, const char *sub)
{
    return testutil_notes_have(&r->notes, sub);
}

/* ---- the samples ---- */

static void test_sample_rfc8460(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;
    const struct tk_tlsrpt_policy *p;

    (void)state;
    assert_int_equal(parse_file(SAMPLES "smtp_tls/rfc8460.json", &r, &err), TK_OK);
    assert_string_equal(r.organization_name, "Company-X");
    assert_string_equal(r.contact_info, "sts-reporting@company-x.example");
    assert_string_equal(r.report_id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
    assert_int_equal(r.start, 1459468800);
    assert_int_equal(r.end, 1459555199);
    assert_int_equal(r.npolicies, 1);
    p = &r.policies[0];
    assert_int_equal(p->type, TK_TLSRPT_POLICY_STS);
    assert_string_equal(p->policy_type, "sts");
    assert_string_equal(p->policy_domain, "company-y.example");
    assert_int_equal(p->npolicy_string, 4);
    assert_string_equal(p->policy_string[0], "version: STSv1");
    assert_string_equal(p->policy_string[1], "mode: testing");
    assert_string_equal(p->policy_string[2], "mx: *.mail.company-y.example");
    assert_string_equal(p->policy_string[3], "max_age: 86400");
    /* mx-host sent as one string, not the RFC's list: taken as one. */
    assert_int_equal(p->nmx_host, 1);
    assert_string_equal(p->mx_host[0], "*.mail.company-y.example");
    assert_true(p->has_summary);
    assert_int_equal(p->total_successful_session_count, 5326);
    assert_int_equal(p->total_failure_session_count, 303);
    assert_int_equal(p->nfailures, 3);
    assert_int_equal(r.failures_total, 3);
    assert_int_equal(p->failures[0].result, TK_TLSRPT_RESULT_CERTIFICATE_EXPIRED);
    assert_string_equal(p->failures[0].result_type, "certificate-expired");
    assert_string_equal(p->failures[0].sending_mta_ip, "2001:db8:abcd:0012::1");
    assert_string_equal(p->failures[0].receiving_mx_hostname, "mx1.mail.company-y.example");
    assert_null(p->failures[0].receiving_ip);
    assert_null(p->failures[0].receiving_mx_helo);
    assert_int_equal(p->failures[0].failed_session_count, 100);
    assert_int_equal(p->failures[1].result, TK_TLSRPT_RESULT_STARTTLS_NOT_SUPPORTED);
    assert_string_equal(p->failures[1].sending_mta_ip, "2001:db8:abcd:0013::1");
    assert_string_equal(p->failures[1].receiving_mx_hostname, "mx2.mail.company-y.example");
    assert_string_equal(p->failures[1].receiving_ip, "203.0.113.56");
    assert_int_equal(p->failures[1].failed_session_count, 200);
    assert_string_equal(
        p->failures[1].additional_information,
        "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported");
    assert_null(p->failures[1].failure_reason_code);
    assert_int_equal(p->failures[2].result, TK_TLSRPT_RESULT_VALIDATION_FAILURE);
    assert_string_equal(p->failures[2].sending_mta_ip, "198.51.100.62");
    assert_string_equal(p->failures[2].receiving_ip, "203.0.113.58");
    assert_string_equal(p->failures[2].receiving_mx_hostname, "mx-backup.mail.company-y.example");
    assert_int_equal(p->failures[2].failed_session_count, 3);
    assert_string_equal(p->failures[2].failure_reason_code,
                        "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
    assert_int_equal(r.notes.n, 0);
    tk_tlsrpt_report_free(&r);
}

static void test_sample_mailru(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;
    const struct tk_tlsrpt_policy *p;

    (void)state;
    assert_int_equal(parse_file(SAMPLES "smtp_tls/mail.ru.json", &r, &err), TK_OK);
    assert_string_equal(r.organization_name, "Mail.ru");
    assert_string_equal(r.contact_info, "tls_support@corp.mail.ru");
    assert_string_equal(r.report_id, "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru");
    assert_int_equal(r.start, 1708560000);
    assert_int_equal(r.end, 1708646400);
    assert_int_equal(r.npolicies, 1);
    p = &r.policies[0];
    assert_int_equal(p->type, TK_TLSRPT_POLICY_STS);
    assert_string_equal(p->policy_domain, "example.com");
    assert_int_equal(p->npolicy_string, 0);
    assert_int_equal(p->nmx_host, 0);
    assert_int_equal(p->total_successful_session_count, 0);
    assert_int_equal(p->total_failure_session_count, 1);
    assert_int_equal(p->nfailures, 2);
    assert_int_equal(p->failures[0].result, TK_TLSRPT_RESULT_STS_POLICY_FETCH_ERROR);
    assert_string_equal(p->failures[0].failure_reason_code, "bad https response code: 404");
    assert_null(p->failures[0].sending_mta_ip);
    assert_int_equal(p->failures[0].failed_session_count, 1);
    assert_string_equal(p->failures[1].failure_reason_code, "bad https response code: 500");
    assert_int_equal(p->failures[1].failed_session_count, 1);
    assert_int_equal(r.notes.n, 0);
    tk_tlsrpt_report_free(&r);
}

static void test_sample_smtp_tls(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;
    const struct tk_tlsrpt_policy *p;

    (void)state;
    assert_int_equal(parse_file(SAMPLES "smtp_tls/smtp_tls.json", &r, &err), TK_OK);
    assert_string_equal(r.organization_name, "Example Inc.");
    assert_string_equal(r.contact_info, "smtp-tls-reporting@example.com");
    assert_string_equal(r.report_id, "2024-01-09T00:00:00Z_example.com");
    assert_int_equal(r.start, 1704758400);
    assert_int_equal(r.end, 1704844799);
    assert_int_equal(r.npolicies, 1);
    p = &r.policies[0];
    assert_string_equal(p->policy_domain, "example.com");
    assert_int_equal(p->npolicy_string, 4);
    assert_string_equal(p->policy_string[2], "mx: example.com");
    assert_int_equal(p->nmx_host, 0);
    assert_int_equal(p->total_successful_session_count, 0);
    assert_int_equal(p->total_failure_session_count, 3);
    assert_int_equal(p->nfailures, 2);
    assert_string_equal(p->failures[0].sending_mta_ip, "209.85.222.201");
    assert_string_equal(p->failures[0].receiving_ip, "173.212.201.41");
    assert_string_equal(p->failures[0].receiving_mx_hostname, "example.com");
    assert_int_equal(p->failures[0].failed_session_count, 2);
    assert_string_equal(p->failures[1].sending_mta_ip, "209.85.208.176");
    assert_int_equal(p->failures[1].failed_session_count, 1);
    assert_int_equal(r.notes.n, 0);
    tk_tlsrpt_report_free(&r);
}

/* The sink adapter end to end: Google's mail (a gzip attachment of type
 * application/tlsrpt+gzip) through the report source. */
struct got {
    size_t n;
    char org[64], id[96], domain[64], origin[TK_PAYLOAD_ORIGIN_MAX];
    int64_t start, end;
    uint64_t ok, failed;
    int type;
    enum tk_status answer;
};

static enum tk_status got_report(void *arg, const struct tk_tlsrpt_report *r,
                                 const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct got *g = arg;

    g->n++;
    snprintf(g->org, sizeof(g->org), "%s", r->organization_name);
    snprintf(g->id, sizeof(g->id), "%s", r->report_id);
    snprintf(g->origin, sizeof(g->origin), "%s", origin->text);
    g->start = r->start;
    g->end = r->end;
    if (r->npolicies > 0) {
        snprintf(g->domain, sizeof(g->domain), "%s", r->policies[0].policy_domain);
        g->ok = r->policies[0].total_successful_session_count;
        g->failed = r->policies[0].total_failure_session_count;
        g->type = r->policies[0].type;
    }
    if (g->answer != TK_OK)
        return tk_error_set(err, g->answer, "the store said no");
    return TK_OK;
}

static void test_sample_google_mail(void **state)
{
    struct tk_source_stats *stats = calloc(1, sizeof(*stats));
    struct tk_tlsrpt_sink ts;
    struct tk_payload_sink sink;
    struct tk_error err;
    struct got g = {0};

    (void)state;
    assert_non_null(stats);
    tk_tlsrpt_sink_init(&ts, 0, got_report, &g);
    sink = tk_tlsrpt_sink_payload(&ts);
    assert_int_equal(tk_report_source_path(
                         testutil_shared_path(SAMPLES "smtp_tls/google.com_smtp_tls_report.eml"),
                         NULL, &sink, stats, &err),
                     TK_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.org, "Google Inc.");
    assert_string_equal(g.id, "2024-09-03T00:00:00Z_cardinalhealth.ca");
    assert_int_equal(g.start, 1725321600);
    assert_int_equal(g.end, 1725407999);
    assert_string_equal(g.domain, "cardinalhealth.ca");
    assert_int_equal(g.type, TK_TLSRPT_POLICY_NONE_FOUND);
    assert_int_equal(g.ok, 48);
    assert_int_equal(g.failed, 0);
    assert_non_null(strstr(g.origin, "google.com_smtp_tls_report.eml: message (Message-ID "
                                     "<66d83c20.050a0220.a0566.1e8dtls@google.com>): attachment "
                                     "google.com!cardinalhealth.ca!1725321600!1725407999!001."
                                     "json.gz"));
    assert_int_equal(stats->payloads[TK_PAYLOAD_TLSRPT_JSON], 1);
    assert_int_equal(stats->rejected, 0);
    assert_int_equal(stats->skipped, 0);

    /* The callback's refusal is the payload's: listed as skipped. */
    g.answer = TK_IO;
    assert_int_equal(tk_report_source_path(
                         testutil_shared_path(SAMPLES "smtp_tls/google.com_smtp_tls_report.eml"),
                         NULL, &sink, stats, &err),
                     TK_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(stats->rejected, 1);
    assert_int_equal(stats->nskip, 1);
    assert_non_null(strstr(stats->skip[0], "the store said no: skipped"));
    tk_tlsrpt_sink_free(&ts);
    free(stats);
}

/* ---- date-times ---- */

static void test_time(void **state)
{
    static const struct {
        const char *s;
        bool ok;
        int64_t t;
        bool no_offset;
    } cases[] = {
        {"2016-04-01T00:00:00Z", true, 1459468800, false},
        {"2016-04-01T23:59:59Z", true, 1459555199, false},
        {"2016-04-01t23:59:59z", true, 1459555199, false},
        {"2016-04-01 23:59:59Z", true, 1459555199, false},
        {"2016-04-01T23:59:59.123456Z", true, 1459555199, false},
        {"2016-04-02T01:00:00+01:00", true, 1459555200, false},
        {"2016-04-01T22:00:00-02:00", true, 1459555200, false},
        {"2016-04-02T01:00:00+0100", true, 1459555200, false},
        {"2016-04-01T23:59:59", true, 1459555199, true},
        {"1970-01-01T00:00:00Z", true, 0, false},
        {"2024-02-29T00:00:00Z", true, 1709164800, false},
        {"2016-12-31T23:59:60Z", true, 1483228800, false},
        {"2023-02-29T00:00:00Z", false, 0, false},
        {"2024-13-01T00:00:00Z", false, 0, false},
        {"2024-00-01T00:00:00Z", false, 0, false},
        {"2024-04-31T00:00:00Z", false, 0, false},
        {"2024-04-01T24:00:00Z", false, 0, false},
        {"2024-04-01T23:60:00Z", false, 0, false},
        {"2024-04-01T23:59:61Z", false, 0, false},
        {"2024-04-01", false, 0, false},
        {"2024-04-01T00:00Z", false, 0, false},
        {"2024-04-01T00:00:00.Z", false, 0, false},
        {"2024-04-01T00:00:00+24:00", false, 0, false},
        {"2024-04-01T00:00:00Z ", false, 0, false},
        {"24-04-01T00:00:00Z", false, 0, false},
        {"1459468800", false, 0, false},
        {"", false, 0, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        int64_t t = -1;
        bool none = false;
        bool ok = tk_tlsrpt_time_parse(cases[i].s, &t, &none);

        if (ok != cases[i].ok || (ok && (t != cases[i].t || none != cases[i].no_offset)))
            print_message("case '%s': %d %lld %d\n", cases[i].s, ok, (long long)t, none);
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            assert_int_equal(t, cases[i].t);
            assert_int_equal(none, cases[i].no_offset);
        }
    }
    /* Without a place for no_offset, a missing offset is refused. */
    assert_false(tk_tlsrpt_time_parse("2016-04-01T23:59:59", &(int64_t){0}, NULL));
    assert_true(tk_tlsrpt_time_parse("2016-04-01T23:59:59Z", &(int64_t){0}, NULL));
    assert_false(tk_tlsrpt_time_parse(NULL, &(int64_t){0}, NULL));
}

/* ---- malformed, hostile, wrong ---- */

#define HEAD                                                                                       \
    "{\"organization-name\":\"Org\",\"contact-info\":\"c@example\",\"report-id\":\"r1\","          \
    "\"date-range\":{\"start-datetime\":\"2024-01-01T00:00:00Z\",\"end-datetime\":"                \
    "\"2024-01-01T23:59:59Z\"}"
#define POL(x)                                                                                     \
    HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"a.nz\"},"        \
         "\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":2}" x  \
         "}]}"

struct bad_case {
    const char *json;
    enum tk_status want;
    const char *sub; /* in err when not TK_OK, in a note when TK_OK (NULL: no note) */
};

static const struct bad_case bad_cases[] = {
    {"", TK_INVALID, "not valid JSON"},
    {"not json", TK_INVALID, "not valid JSON"},
    {"[1,2]", TK_INVALID, "not an object"},
    {"{\"organization-name\":\"x\"", TK_INVALID, "not valid JSON"},
    {HEAD ",\"policies\":[]}", TK_OK, NULL},
    {HEAD ",\"policies\":[]} x", TK_INVALID, "end of file expected"},
    /* duplicates, at the top and deep inside */
    {HEAD ",\"report-id\":\"r2\",\"policies\":[]}", TK_INVALID, "duplicate object key"},
    {POL(",\"summary\":{}"), TK_INVALID, "duplicate object key"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-type\":\"tlsa\","
          "\"policy-domain\":\"a.nz\"}}]}",
     TK_INVALID, "duplicate object key"},
    /* huge numbers */
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":"
         "99999999999999999999999}]"),
     TK_INVALID, "too big integer"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":1e400}]"),
     TK_INVALID, "real number overflow"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":1e30}]"), TK_OK,
     "not a count (a real number): read as 0"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":-5}]"), TK_OK,
     "not a count (negative)"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":7.0}]"), TK_OK,
     "is a real number: read as 7"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":\"12\"}]"), TK_OK,
     "is a string: read as 12"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":\"12a\"}]"), TK_OK,
     "not a count (a string)"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"failed-session-count\":true}]"), TK_OK,
     "not a count (a boolean)"},
    /* required members missing or of the wrong type */
    {"{}", TK_INVALID, "no organization-name"},
    {"{\"organization-name\":5}", TK_INVALID, "organization-name is an integer"},
    {"{\"organization-name\":\"\"}", TK_INVALID, "organization-name is empty"},
    {"{\"organization-name\":\"o\",\"report-id\":[\"r\"]}", TK_INVALID, "report-id is an array"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\"}", TK_INVALID, "no date-range"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":\"2024\"}", TK_INVALID,
     "no date-range"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "\"2024-01-01T00:00:00Z\"}}",
     TK_INVALID, "no end-datetime"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "1704067200,\"end-datetime\":\"2024-01-01T00:00:00Z\"}}",
     TK_INVALID, "no start-datetime string"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "\"2024-02-30T00:00:00Z\",\"end-datetime\":\"2024-01-01T00:00:00Z\"}}",
     TK_INVALID, "not an RFC 3339 date-time"},
    {HEAD ",\"policies\":{}}", TK_INVALID, "policies is an object, not an array"},
    /* tolerated, with a note */
    {HEAD "}", TK_OK, "no policies"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "\"2024-01-01T00:00:00\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},\"policies\":[]}",
     TK_OK, "has no time offset: UTC assumed"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "\"2024-01-02T00:00:00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},\"policies\":[]}",
     TK_OK, "ends before it starts"},
    {"{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
     "\"2024-01-01T00:00:00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"},\"policies\":[]}",
     TK_OK, "no contact-info"},
    {HEAD ",\"policies\":[],\"x-extra\":1}", TK_OK, "unknown member 'x-extra' in the report"},
    {HEAD ",\"policies\":[5]}", TK_OK, "policies[0] has no policy object: dropped"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":5}}]}", TK_OK,
     "policy-domain is an integer, not a string"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\"}}]}", TK_OK,
     "has no policy-type or policy-domain: dropped"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"a.nz\"}}]}",
     TK_OK, "policies[0] has no summary"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"weird\",\"policy-domain\":\"a.nz\"}}]}",
     TK_OK, "'weird' is not one of RFC 8460's"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"a.nz\","
          "\"mx-host\":5}}]}",
     TK_OK, "mx-host is an integer, not a list of strings"},
    {HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"a.nz\","
          "\"mx-host\":[\"mx.a.nz\",3]}}]}",
     TK_OK, "mx-host is an integer, not a string"},
    {POL(",\"failure-details\":\"none\""), TK_OK, "failure-details is a string, not an array"},
    {POL(",\"failure-details\":[{\"failed-session-count\":1}]"), TK_OK,
     "failure-details[0] has no result-type: dropped"},
    {POL(",\"failure-details\":[[]]"), TK_OK, "failure-details[0] is an array, not an object"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"sending-mta-ip\":{}}]"), TK_OK,
     "sending-mta-ip is an object, not a string"},
    {POL(",\"failure-details\":[{\"result-type\":\"x\",\"colour\":\"red\"}]"), TK_OK,
     "unknown member 'colour'"},
    /* bytes JSON or jansson refuse */
    {"{\"organization-name\":\"a\\u0000b\"}", TK_INVALID, "JSON_ALLOW_NUL"},
    {"{\"organization-name\":\"\xff\"}", TK_INVALID, "unable to decode byte 0xff"},
    {"{\"organization-name\":\"\xc3\x28\"}", TK_INVALID, "not valid JSON"},
};

static void test_bad(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        enum tk_status st = parse_str(c->json, &r, &err);
        bool ok = st == c->want;

        if (ok && st != TK_OK)
            ok = strstr(err.msg, c->sub) != NULL;
        if (ok && st == TK_OK && c->sub != NULL)
            ok = notes_have(&r, c->sub);
        if (ok && st == TK_OK && c->sub == NULL)
            ok = r.notes.n == 0;
        if (!ok)
            print_message("case %zu '%s': %s '%s' note0 '%s'\n", i, c->json, tk_status_name(st),
                          err.msg, st == TK_OK && r.notes.n ? r.notes.text[0] : "");
        assert_true(ok);
        assert_true(testutil_printable(err.msg));
        if (st != TK_OK) {
            assert_null(r.organization_name);
            assert_int_equal(r.npolicies, 0);
        }
        tk_tlsrpt_report_free(&r);
    }
}

/* Counts, kept values and hostile text of accepted reports. */
static void test_values(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;

    (void)state;
    assert_int_equal(parse_str(POL(",\"failure-details\":[{\"result-type\":\"Certificate-Expired\","
                                   "\"failed-session-count\":9223372036854775807,"
                                   "\"receiving-mx-helo\":\"mx\\u0007\\n.a.nz\"},"
                                   "{\"result-type\":\"sts-mystery\"}]"),
                               &r, &err),
                     TK_OK);
    assert_int_equal(r.npolicies, 1);
    assert_int_equal(r.policies[0].total_successful_session_count, 1);
    assert_int_equal(r.policies[0].total_failure_session_count, 2);
    assert_int_equal(r.policies[0].nfailures, 2);
    assert_int_equal(r.policies[0].failures[0].result, TK_TLSRPT_RESULT_CERTIFICATE_EXPIRED);
    assert_int_equal(r.policies[0].failures[0].failed_session_count, 9223372036854775807ULL);
    /* control bytes never reach a kept text */
    assert_string_equal(r.policies[0].failures[0].receiving_mx_helo, "mx??.a.nz");
    assert_int_equal(r.policies[0].failures[1].result, TK_TLSRPT_RESULT_OTHER);
    assert_string_equal(r.policies[0].failures[1].result_type, "sts-mystery");
    assert_int_equal(r.policies[0].failures[1].failed_session_count, 0);
    tk_tlsrpt_report_free(&r);

    /* UTF-8 is kept as it is. */
    assert_int_equal(parse_str("{\"organization-name\":\"Te Tari Taiwhenua \xc4\x81\","
                               "\"report-id\":\"r\",\"date-range\":{\"start-datetime\":"
                               "\"2024-01-01T00:00:00Z\",\"end-datetime\":"
                               "\"2024-01-01T23:59:59Z\"},\"policies\":[]}",
                               &r, &err),
                     TK_OK);
    assert_string_equal(r.organization_name, "Te Tari Taiwhenua \xc4\x81");
    tk_tlsrpt_report_free(&r);

    assert_int_equal(tk_tlsrpt_result_from("DANE-REQUIRED"), TK_TLSRPT_RESULT_DANE_REQUIRED);
    assert_int_equal(tk_tlsrpt_result_from("sts-webpki-invalid"),
                     TK_TLSRPT_RESULT_STS_WEBPKI_INVALID);
    assert_int_equal(tk_tlsrpt_result_from(NULL), TK_TLSRPT_RESULT_OTHER);
    assert_int_equal(tk_tlsrpt_policy_type_from("TLSA"), TK_TLSRPT_POLICY_TLSA);
    assert_int_equal(tk_tlsrpt_policy_type_from("no-policy-found"), TK_TLSRPT_POLICY_NONE_FOUND);
    assert_int_equal(tk_tlsrpt_policy_type_from(NULL), TK_TLSRPT_POLICY_OTHER);
}

/* ---- limits, both sides ---- */

/* json_with builds HEAD + policies made by each(i) n times. */
static char *json_with(size_t n, void (*each)(struct tk_buf *, size_t))
{
    struct tk_buf b = {0};
    size_t i;

    assert_int_equal(tk_buf_puts(&b, HEAD ",\"policies\":["), TK_OK);
    for (i = 0; i < n; i++) {
        if (i > 0)
            assert_int_equal(tk_buf_putc(&b, ','), TK_OK);
        each(&b, i);
    }
    assert_int_equal(tk_buf_puts(&b, "]}"), TK_OK);
    return tk_buf_steal(&b);
}

static void one_policy(struct tk_buf *b, size_t i)
{
    assert_int_equal(tk_buf_printf(b,
                                   "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
                                   "\"d%zu.nz\"},\"summary\":{\"total-successful-session-count\":"
                                   "%zu,\"total-failure-session-count\":0}}",
                                   i, i),
                     TK_OK);
}

static size_t nfail;

static void policy_failures(struct tk_buf *b, size_t i)
{
    size_t k;

    assert_int_equal(tk_buf_printf(b,
                                   "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
                                   "\"d%zu.nz\"},\"failure-details\":[",
                                   i),
                     TK_OK);
    for (k = 0; k < nfail; k++)
        assert_int_equal(
            tk_buf_printf(b, "%s{\"result-type\":\"validation-failure\"}", k ? "," : ""), TK_OK);
    assert_int_equal(tk_buf_puts(b, "]}"), TK_OK);
}

static size_t nstrings;

static void policy_strings(struct tk_buf *b, size_t i)
{
    size_t k;

    assert_int_equal(tk_buf_printf(b,
                                   "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
                                   "\"d%zu.nz\",\"policy-string\":[",
                                   i),
                     TK_OK);
    for (k = 0; k < nstrings; k++)
        assert_int_equal(tk_buf_printf(b, "%s\"line %zu\"", k ? "," : "", k), TK_OK);
    assert_int_equal(tk_buf_puts(b, "]},\"summary\":{}}"), TK_OK);
}

static enum tk_status parse_owned(char *json, struct tk_tlsrpt_report *r, struct tk_error *err)
{
    enum tk_status st = parse_str(json, r, err);

    free(json);
    return st;
}

static void test_limits(void **state)
{
    struct tk_tlsrpt_report r;
    struct tk_error err;
    struct tk_buf b = {0};
    size_t i;

    (void)state;
    /* policies */
    assert_int_equal(parse_owned(json_with(TK_TLSRPT_POLICIES_MAX, one_policy), &r, &err), TK_OK);
    assert_int_equal(r.npolicies, TK_TLSRPT_POLICIES_MAX);
    assert_int_equal(r.notes.n, 0);
    assert_string_equal(r.policies[999].policy_domain, "d999.nz");
    assert_int_equal(r.policies[999].total_successful_session_count, 999);
    tk_tlsrpt_report_free(&r);
    assert_int_equal(parse_owned(json_with(TK_TLSRPT_POLICIES_MAX + 1, one_policy), &r, &err),
                     TK_OK);
    assert_int_equal(r.npolicies, TK_TLSRPT_POLICIES_MAX);
    assert_true(notes_have(&r, "1001 policies: the first 1000 kept"));
    tk_tlsrpt_report_free(&r);

    /* failure details, across policies */
    nfail = TK_TLSRPT_FAILURES_MAX / 2;
    assert_int_equal(parse_owned(json_with(2, policy_failures), &r, &err), TK_OK);
    assert_int_equal(r.failures_total, TK_TLSRPT_FAILURES_MAX);
    assert_false(notes_have(&r, "failure-details in the report"));
    tk_tlsrpt_report_free(&r);
    assert_int_equal(parse_owned(json_with(3, policy_failures), &r, &err), TK_OK);
    assert_int_equal(r.failures_total, TK_TLSRPT_FAILURES_MAX);
    assert_int_equal(r.policies[2].nfailures, 0);
    assert_true(notes_have(&r, "more than 10000 failure-details in the report"));
    tk_tlsrpt_report_free(&r);

    /* policy-string lines */
    nstrings = TK_TLSRPT_POLICY_STRINGS_MAX;
    assert_int_equal(parse_owned(json_with(1, policy_strings), &r, &err), TK_OK);
    assert_int_equal(r.policies[0].npolicy_string, TK_TLSRPT_POLICY_STRINGS_MAX);
    assert_int_equal(r.notes.n, 0);
    tk_tlsrpt_report_free(&r);
    nstrings = TK_TLSRPT_POLICY_STRINGS_MAX + 1;
    assert_int_equal(parse_owned(json_with(1, policy_strings), &r, &err), TK_OK);
    assert_int_equal(r.policies[0].npolicy_string, TK_TLSRPT_POLICY_STRINGS_MAX);
    assert_string_equal(r.policies[0].policy_string[63], "line 63");
    assert_true(notes_have(&r, "policy-string has 65 items: the first 64 kept"));
    tk_tlsrpt_report_free(&r);

    /* text length: an optional text is dropped, a required one refuses */
    for (i = 0; i < 2; i++) {
        char *text = testutil_record_of_len("", 'a', TK_TLSRPT_TEXT_MAX + i);
        char *json;

        tk_buf_reset(&b);
        tk_buf_printf(&b,
                      "{\"organization-name\":\"o\",\"contact-info\":\"%s\",\"report-id\":\"r\","
                      "\"date-range\":{\"start-datetime\":\"2024-01-01T00:00:00Z\","
                      "\"end-datetime\":\"2024-01-01T23:59:59Z\"}}",
                      text);
        json = tk_buf_steal(&b);
        assert_int_equal(parse_owned(json, &r, &err), TK_OK);
        if (i == 0)
            assert_int_equal(strlen(r.contact_info), TK_TLSRPT_TEXT_MAX);
        else
            assert_null(r.contact_info);
        assert_true(i == 0 || notes_have(&r, "contact-info is longer than 1024 bytes"));
        tk_tlsrpt_report_free(&r);
        tk_buf_printf(&b, "{\"organization-name\":\"%s\"}", text);
        json = tk_buf_steal(&b);
        assert_int_equal(parse_owned(json, &r, &err), TK_INVALID);
        assert_non_null(strstr(err.msg, i == 0 ? "no report-id" : "longer than 1024 bytes"));
        free(text);
    }

    /* nesting depth: at the limit jansson parses (and the report is
     * judged), one past it the bytes never reach jansson */
    for (i = TK_TLSRPT_JSON_DEPTH_MAX - 1; i <= TK_TLSRPT_JSON_DEPTH_MAX; i++) {
        size_t k;

        tk_buf_reset(&b);
        tk_buf_puts(&b, "{\"x\":");
        for (k = 0; k < i; k++)
            tk_buf_putc(&b, '[');
        for (k = 0; k < i; k++)
            tk_buf_putc(&b, ']');
        tk_buf_putc(&b, '}');
        assert_int_equal(parse_str(b.data, &r, &err),
                         i < TK_TLSRPT_JSON_DEPTH_MAX ? TK_INVALID : TK_LIMIT);
        assert_non_null(strstr(err.msg, i < TK_TLSRPT_JSON_DEPTH_MAX ? "no organization-name"
                                                                     : "nested more than 32"));
    }
    /* brackets in strings do not count */
    tk_buf_reset(&b);
    tk_buf_puts(&b, "{\"x\":\"");
    for (i = 0; i < 100; i++)
        tk_buf_puts(&b, "[{\\\"");
    tk_buf_puts(&b, "\"}");
    assert_int_equal(parse_str(b.data, &r, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "no organization-name"));

    /* values */
    for (i = 0; i < 2; i++) {
        size_t k;

        tk_buf_reset(&b);
        tk_buf_puts(&b, HEAD ",\"policies\":[],\"x\":[0");
        /* HEAD and the members before x count 10 (4 commas and 2
         * objects in HEAD, 2 commas and 2 arrays after it) */
        for (k = 0; k < TK_TLSRPT_JSON_VALUES_MAX - 10 + i; k++)
            tk_buf_puts(&b, ",0");
        tk_buf_puts(&b, "]}");
        assert_int_equal(parse_str(b.data, &r, &err), i == 0 ? TK_OK : TK_LIMIT);
        if (i == 1)
            assert_non_null(strstr(err.msg, "more than 200000 JSON values"));
        tk_tlsrpt_report_free(&r);
    }

    /* size */
    tk_buf_reset(&b);
    assert_int_equal(tk_buf_puts(&b, HEAD ",\"policies\":[]}"), TK_OK);
    while (b.len < TK_TLSRPT_JSON_MAX)
        assert_int_equal(tk_buf_putc(&b, ' '), TK_OK);
    assert_int_equal(tk_tlsrpt_json_parse(b.data, b.len, &r, &err), TK_OK);
    tk_tlsrpt_report_free(&r);
    tk_buf_putc(&b, ' ');
    assert_int_equal(tk_tlsrpt_json_parse(b.data, b.len, &r, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "larger than"));
    tk_buf_free(&b);

    /* a NUL byte inside the length */
    assert_int_equal(tk_tlsrpt_json_parse(HEAD ",\"policies\":[]}\0", sizeof(HEAD) + 15, &r, &err),
                     TK_INVALID);
}

/* ---- the sink ---- */

static void test_sink(void **state)
{
    static const char json[] = HEAD ",\"policies\":[]}";
    struct tk_payload_origin o = {"here"};
    struct tk_tlsrpt_sink ts;
    struct tk_payload_sink s;
    struct tk_error err;
    struct got g = {0};

    (void)state;
    tk_tlsrpt_sink_init(&ts, 64, got_report, &g);
    s = tk_tlsrpt_sink_payload(&ts);
    /* DMARC XML is not for this sink */
    assert_int_equal(s.begin(s.arg, TK_PAYLOAD_DMARC_XML, &o, &err), TK_USAGE);
    assert_int_equal(s.data(s.arg, "x", 1, &err), TK_USAGE);
    assert_int_equal(s.end(s.arg, false, "refused", &err), TK_OK);
    assert_int_equal(g.n, 0);
    /* too large for max: refused at the byte that passes it */
    assert_int_equal(s.begin(s.arg, TK_PAYLOAD_TLSRPT_JSON, &o, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json, 64, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json, 1, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "larger than 64 bytes"));
    assert_int_equal(s.end(s.arg, false, err.msg, &err), TK_OK);
    assert_int_equal(g.n, 0);
    tk_tlsrpt_sink_free(&ts);

    /* in pieces, then parsed at the end */
    tk_tlsrpt_sink_init(&ts, 0, got_report, &g);
    s = tk_tlsrpt_sink_payload(&ts);
    assert_int_equal(ts.max, TK_TLSRPT_JSON_MAX);
    assert_int_equal(s.begin(s.arg, TK_PAYLOAD_TLSRPT_JSON, &o, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json, 10, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json + 10, sizeof(json) - 11, &err), TK_OK);
    assert_int_equal(s.end(s.arg, true, NULL, &err), TK_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.org, "Org");
    assert_string_equal(g.origin, "here");
    /* cut short: nothing parsed */
    assert_int_equal(s.begin(s.arg, TK_PAYLOAD_TLSRPT_JSON, &o, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json, 10, &err), TK_OK);
    assert_int_equal(s.end(s.arg, false, "larger than 1 MB when decompressed", &err), TK_OK);
    assert_int_equal(g.n, 1);
    /* broken: end says why */
    assert_int_equal(s.begin(s.arg, TK_PAYLOAD_TLSRPT_JSON, &o, &err), TK_OK);
    assert_int_equal(s.data(s.arg, json, 10, &err), TK_OK);
    assert_int_equal(s.end(s.arg, true, NULL, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "not valid JSON"));
    assert_int_equal(g.n, 1);
    tk_tlsrpt_sink_free(&ts);
    tk_tlsrpt_sink_init(&ts, TK_REPORT_DECOMPRESSED_MAX, NULL, NULL);
    assert_int_equal(ts.max, TK_TLSRPT_JSON_MAX);
    tk_tlsrpt_sink_free(&ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_rfc8460),
        cmocka_unit_test(test_sample_mailru),
        cmocka_unit_test(test_sample_smtp_tls),
        cmocka_unit_test(test_sample_google_mail),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_sink),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
