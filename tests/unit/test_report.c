/*
 * NAME
 *	test_report.c - unit tests of the compliance report: counts, trend,
 *	HTML, CSV and JSON
 * DESCRIPTION
 *	Reports are built from fabricated tk_finding_row tables (three
 *	agencies, seven domains, every status; rows in the store's order),
 *	and the counts checked per agency and rule by hand. The summary is
 *	read back by tk_report_trend (prev_* figures, -1 where there is
 *	none) and malformed summaries (not JSON, wrong types, huge numbers,
 *	too deep, too long) must be refused or ignored, never trusted.
 *	Renderings go to an open_memstream buffer: the HTML is scanned tag
 *	by tag (an allow-list of elements, no attribute that fetches or
 *	runs anything, nothing fetched from the style) with hostile strings
 *	in every field, and must be valid UTF-8; the CSV is parsed by RFC
 *	4180 and the JSON by jansson.
 *
 *	With TIAKI_REPORT_SAMPLE=FILE in the environment, test_sample also
 *	writes a realistic report (nine agencies, a previous report a week
 *	earlier) to FILE, for a person to look at (make it printable and
 *	look at it as a CIO would).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "testutil.h"

#include "monitor/report.h"
#include "show/report.h"

#define DIA "Department of Internal Affairs"
#define MFE "Ministry for the Environment"
#define MOH "Ministry of Health"
#define MOJ "Ministry of Justice"

#define P TK_VERDICT_PASS
#define F TK_VERDICT_FAIL
#define W TK_VERDICT_WARN
#define U TK_VERDICT_UNKNOWN

/* 2026-11-21T00:00:00Z and 2026-11-28T19:05:00Z */
#define T_PREV 1795219200
#define T_NOW 1795892700

/* One finding row as a table entry. */
struct row {
    const char *agency, *domain;
    bool compliant;
    const char *rule;
    enum tk_verdict status;
    const char *level; /* NULL: as the rule table says */
    const char *evidence, *remediation;
};

/* Three agencies, seven domains, in the store's order (agency, domain,
 * rule table order). Compliant: dia, environment, old.health. */
static const struct row fixture[] = {
    {DIA, "dia.govt.nz", true, "SPF-PRESENT", P, NULL, "v=spf1 -all", ""},
    {DIA, "dia.govt.nz", true, "SPF-HARDFAIL", P, NULL, "ends in -all", ""},
    {DIA, "dia.govt.nz", true, "DMARC-REJECT", P, NULL, "p=reject", ""},
    {DIA, "dia.govt.nz", true, "DMARC-ADKIM-STRICT", W, NULL, "adkim=r", "Set adkim=s."},
    {DIA, "passports.govt.nz", false, "SPF-PRESENT", P, NULL, "one record", ""},
    {DIA, "passports.govt.nz", false, "SPF-HARDFAIL", F, NULL, "ends in ~all", "End with -all."},
    {DIA, "passports.govt.nz", false, "DMARC-REJECT", P, NULL, "p=reject", ""},
    {DIA, "passports.govt.nz", false, "DMARC-ADKIM-STRICT", P, NULL, "adkim=s", ""},
    {MFE, "data.mfe.govt.nz", false, "PARKED-SPF", F, NULL, "v=spf1 ~all", "Publish v=spf1 -all."},
    {MFE, "data.mfe.govt.nz", false, "PARKED-DMARC", P, NULL, "p=reject", ""},
    {MFE, "environment.govt.nz", true, "SPF-PRESENT", P, NULL, "one record", ""},
    {MFE, "environment.govt.nz", true, "SPF-HARDFAIL", P, NULL, "ends in -all", ""},
    {MFE, "environment.govt.nz", true, "DMARC-REJECT", P, NULL, "p=reject", ""},
    {MFE, "environment.govt.nz", true, "DMARC-ADKIM-STRICT", P, NULL, "adkim=s", ""},
    {MFE, "environment.govt.nz", true, "X-FUTURE-RULE", W, "SHOULD", "later", "Later."},
    {MFE, "mfe.govt.nz", false, "SPF-PRESENT", F, NULL, "no SPF record", "Publish SPF."},
    {MFE, "mfe.govt.nz", false, "SPF-HARDFAIL", F, NULL, "no SPF record", "Publish SPF."},
    {MFE, "mfe.govt.nz", false, "DMARC-REJECT", F, NULL, "p=none", "Set p=reject."},
    {MFE, "mfe.govt.nz", false, "DMARC-ADKIM-STRICT", W, NULL, "adkim=r", "Set adkim=s."},
    {MOH, "health.govt.nz", false, "SPF-PRESENT", P, NULL, "one record", ""},
    {MOH, "health.govt.nz", false, "SPF-HARDFAIL", P, NULL, "ends in -all", ""},
    {MOH, "health.govt.nz", false, "DMARC-REJECT", U, NULL, "timeout", "Ask again."},
    {MOH, "health.govt.nz", false, "DMARC-ADKIM-STRICT", P, NULL, "adkim=s", ""},
    {MOH, "old.health.govt.nz", true, "PARKED-SPF", P, NULL, "v=spf1 -all", ""},
    {MOH, "old.health.govt.nz", true, "PARKED-DMARC", P, NULL, "p=reject", ""},
};

/* ---- helpers ---- */

static void row_set(struct tk_finding_row *fr, const struct row *x, int64_t at)
{
    memset(fr, 0, sizeof(*fr));
    fr->domain = x->domain;
    fr->agency = x->agency;
    fr->contact = "postmaster@example.govt.nz";
    fr->rule = x->rule;
    fr->level = x->level ? x->level : "MUST";
    fr->status = x->status;
    fr->evidence = x->evidence;
    fr->remediation = x->remediation;
    fr->compliant = x->compliant;
    fr->scan_id = 1;
    fr->scanned_at = at;
}

static void feed(struct tk_report *r, const struct row *rows, size_t n)
{
    struct tk_finding_row fr;
    size_t i;

    for (i = 0; i < n; i++) {
        row_set(&fr, &rows[i], r->at - 3600);
        assert_int_equal(tk_report_add(r, &fr), TK_OK);
    }
}

static const struct tk_report_agency *agency_of(const struct tk_report *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nagencies; i++)
        if (strcmp(r->agencies[i].name, name) == 0)
            return &r->agencies[i];
    fail_msg("no agency %s", name);
    return NULL;
}

static const struct tk_report_count *count_of(const struct tk_report_agency *a, const char *rule)
{
    size_t i;

    for (i = 0; i < a->nrules; i++)
        if (strcmp(a->rules[i].rule, rule) == 0)
            return &a->rules[i];
    fail_msg("%s has no rule %s", a->name, rule);
    return NULL;
}

static void expect_count(const struct tk_report_agency *a, const char *rule, unsigned long pass,
                         unsigned long fail, unsigned long warn, unsigned long unknown)
{
    const struct tk_report_count *c = count_of(a, rule);

    if (c->pass != pass || c->fail != fail || c->warn != warn || c->unknown != unknown)
        fail_msg("%s %s: %lu/%lu/%lu/%lu, expected %lu/%lu/%lu/%lu", a->name, rule, c->pass,
                 c->fail, c->warn, c->unknown, pass, fail, warn, unknown);
}

static void expect_prev(const struct tk_report_agency *a, const char *rule, long pass, long total)
{
    const struct tk_report_count *c = count_of(a, rule);

    if (c->prev_pass != pass || c->prev_total != total)
        fail_msg("%s %s: prev %ld/%ld, expected %ld/%ld", a->name, rule, c->prev_pass,
                 c->prev_total, pass, total);
}

static void fixture_report(struct tk_report *r)
{
    tk_report_init(r, T_NOW);
    feed(r, fixture, NELEM(fixture));
}

/* render returns the report in format f, malloc'd and NUL-terminated. */
static char *render(const struct tk_report *r, enum tk_report_format f, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);

    assert_non_null(out);
    tk_report_write(out, f, r);
    assert_int_equal(fclose(out), 0);
    if (len)
        *len = n;
    return text;
}

/* ---- counting ---- */

static void test_counts(void **state)
{
    static const char *const order[] = {"SPF-PRESENT",        "SPF-HARDFAIL", "DMARC-REJECT",
                                        "DMARC-ADKIM-STRICT", "PARKED-SPF",   "PARKED-DMARC",
                                        "X-FUTURE-RULE"};
    struct tk_report r;
    const struct tk_report_agency *a;
    size_t i;

    fixture_report(&r);
    assert_int_equal(r.total.domains, 7);
    assert_int_equal(r.total.compliant, 3);
    assert_int_equal(r.total.nrules, NELEM(order));
    for (i = 0; i < NELEM(order); i++)
        assert_string_equal(r.total.rules[i].rule, order[i]);
    expect_count(&r.total, "SPF-PRESENT", 4, 1, 0, 0);
    expect_count(&r.total, "SPF-HARDFAIL", 3, 2, 0, 0);
    expect_count(&r.total, "DMARC-REJECT", 3, 1, 0, 1);
    expect_count(&r.total, "DMARC-ADKIM-STRICT", 3, 0, 2, 0);
    expect_count(&r.total, "PARKED-SPF", 1, 1, 0, 0);
    expect_count(&r.total, "PARKED-DMARC", 2, 0, 0, 0);
    expect_count(&r.total, "X-FUTURE-RULE", 0, 0, 1, 0);
    assert_string_equal(count_of(&r.total, "DMARC-ADKIM-STRICT")->level, "SHOULD");
    assert_string_equal(count_of(&r.total, "SPF-HARDFAIL")->level, "MUST");
    assert_string_equal(count_of(&r.total, "X-FUTURE-RULE")->level, "SHOULD");
    assert_int_equal(r.total.prev_domains, -1);
    assert_int_equal(count_of(&r.total, "SPF-PRESENT")->prev_pass, -1);

    assert_int_equal(r.nagencies, 3);
    assert_string_equal(r.agencies[0].name, DIA);
    assert_string_equal(r.agencies[1].name, MFE);
    assert_string_equal(r.agencies[2].name, MOH);
    a = agency_of(&r, DIA);
    assert_int_equal(a->domains, 2);
    assert_int_equal(a->compliant, 1);
    assert_int_equal(a->nrules, 4);
    expect_count(a, "SPF-PRESENT", 2, 0, 0, 0);
    expect_count(a, "SPF-HARDFAIL", 1, 1, 0, 0);
    expect_count(a, "DMARC-ADKIM-STRICT", 1, 0, 1, 0);
    a = agency_of(&r, MFE);
    assert_int_equal(a->domains, 3);
    assert_int_equal(a->compliant, 1);
    assert_int_equal(a->nrules, 7); /* parked rules came first, are listed after */
    for (i = 0; i < NELEM(order); i++)
        assert_string_equal(a->rules[i].rule, order[i]);
    expect_count(a, "SPF-PRESENT", 1, 1, 0, 0);
    expect_count(a, "DMARC-ADKIM-STRICT", 1, 0, 1, 0);
    expect_count(a, "PARKED-SPF", 0, 1, 0, 0);
    a = agency_of(&r, MOH);
    assert_int_equal(a->domains, 2);
    assert_int_equal(a->compliant, 1);
    expect_count(a, "DMARC-REJECT", 0, 0, 0, 1);
    expect_count(a, "PARKED-DMARC", 1, 0, 0, 0);

    /* The non-compliant domains, with every finding that does not pass;
     * a compliant domain's warn (environment's X-FUTURE-RULE) is not. */
    assert_int_equal(r.ndomains, r.total.domains - r.total.compliant);
    assert_string_equal(r.domains[0].domain, "passports.govt.nz");
    assert_string_equal(r.domains[1].domain, "data.mfe.govt.nz");
    assert_string_equal(r.domains[2].domain, "mfe.govt.nz");
    assert_string_equal(r.domains[3].domain, "health.govt.nz");
    assert_string_equal(r.domains[0].agency, DIA);
    assert_string_equal(r.domains[0].contact, "postmaster@example.govt.nz");
    assert_int_equal(r.domains[0].scanned_at, T_NOW - 3600);
    assert_int_equal(r.domains[0].nissues, 1);
    assert_string_equal(r.domains[0].issues[0].rule, "SPF-HARDFAIL");
    assert_int_equal(r.domains[0].issues[0].status, F);
    assert_string_equal(r.domains[0].issues[0].evidence, "ends in ~all");
    assert_string_equal(r.domains[0].issues[0].remediation, "End with -all.");
    assert_int_equal(r.domains[2].nissues, 4);
    assert_int_equal(r.domains[2].issues[3].status, W);
    assert_string_equal(r.domains[2].issues[3].level, "SHOULD");
    assert_int_equal(r.domains[3].nissues, 1);
    assert_int_equal(r.domains[3].issues[0].status, U);
    tk_report_free(&r);
    assert_int_equal(r.nagencies, 0);
    assert_int_equal(r.ndomains, 0);
    tk_report_free(&r); /* twice is harmless */
}

static void test_agencies_order_and_overflow(void **state)
{
    struct tk_report r;
    struct tk_finding_row fr;
    const struct tk_report_agency *other;
    char agency[64], domain[64];
    size_t i, n = TK_REPORT_AGENCIES_MAX + 8;
    struct row x = {NULL, NULL, true, "SPF-PRESENT", P, NULL, "", ""};

    tk_report_init(&r, T_NOW);
    for (i = 0; i < n; i++) {
        snprintf(agency, sizeof(agency), "Agency %04zu", n - i); /* reverse order */
        snprintf(domain, sizeof(domain), "d%zu.govt.nz", i);
        x.agency = agency;
        x.domain = domain;
        row_set(&fr, &x, T_NOW);
        assert_int_equal(tk_report_add(&r, &fr), TK_OK);
    }
    assert_int_equal(r.nagencies, TK_REPORT_AGENCIES_MAX + 1);
    for (i = 1; i < r.nagencies; i++)
        assert_true(strcmp(r.agencies[i - 1].name, r.agencies[i].name) < 0);
    other = agency_of(&r, "(other agencies)");
    assert_int_equal(other->domains, 8);
    assert_int_equal(r.total.domains, n);
    expect_count(&r.total, "SPF-PRESENT", n, 0, 0, 0);
    expect_count(other, "SPF-PRESENT", 8, 0, 0, 0);
    tk_report_free(&r);
}

static void test_rows_refused_and_cleaned(void **state)
{
    struct tk_report r;
    struct tk_finding_row fr;
    struct row x = {
        "Te Tari Taiwhenua \xff\x01", "a.govt.nz", false, "SPF-HARDFAIL", F, NULL, "e", "r"};
    char long_agency[TK_STORE_TEXT_MAX + 1];
    char *long_evidence;

    tk_report_init(&r, T_NOW);
    row_set(&fr, &x, T_NOW);
    fr.domain = NULL;
    assert_int_equal(tk_report_add(&r, &fr), TK_INVALID);
    fr.domain = "";
    assert_int_equal(tk_report_add(&r, &fr), TK_INVALID);
    fr.domain = "a.govt.nz";
    fr.rule = NULL;
    assert_int_equal(tk_report_add(&r, &fr), TK_INVALID);
    fr.rule = "SPF-HARDFAIL";
    fr.status = (enum tk_verdict)7;
    assert_int_equal(tk_report_add(&r, &fr), TK_INVALID);
    fr.status = F;
    memset(long_agency, 'x', sizeof(long_agency) - 1);
    long_agency[sizeof(long_agency) - 1] = '\0';
    fr.agency = long_agency; /* one byte too long: refused, not cut */
    assert_int_equal(tk_report_add(&r, &fr), TK_INVALID);
    assert_int_equal(r.total.domains, 0);
    assert_int_equal(r.nagencies, 0);

    /* Names and text are kept valid UTF-8 without control bytes;
     * evidence too long for a finding is cut with a visible "...". */
    long_evidence = testutil_record_of_len("v=spf1 ", 'a', TK_EVIDENCE_MAX + 50);
    row_set(&fr, &x, T_NOW);
    fr.evidence = long_evidence;
    fr.remediation = NULL;
    fr.contact = NULL;
    fr.level = NULL;
    assert_int_equal(tk_report_add(&r, &fr), TK_OK);
    assert_string_equal(r.agencies[0].name, "Te Tari Taiwhenua ??");
    assert_int_equal(strlen(r.domains[0].issues[0].evidence), TK_EVIDENCE_MAX - 1 + 3);
    assert_string_equal(r.domains[0].issues[0].evidence + TK_EVIDENCE_MAX - 1, "...");
    assert_string_equal(r.domains[0].issues[0].remediation, "");
    assert_string_equal(r.domains[0].contact, "");
    assert_string_equal(r.domains[0].issues[0].level, "MUST"); /* from the table */

    /* A rule the table does not know takes the row's level, if it is one. */
    fr.rule = "X-ODD";
    fr.level = "LOUDLY";
    assert_int_equal(tk_report_add(&r, &fr), TK_OK);
    assert_string_equal(count_of(&r.total, "X-ODD")->level, "?");
    free(long_evidence);
    tk_report_free(&r);
}

static void test_rules_limit(void **state)
{
    struct tk_report r;
    struct tk_finding_row fr;
    struct row x = {DIA, "a.govt.nz", true, NULL, P, "INFO", "", ""};
    char rule[32];
    size_t i;

    tk_report_init(&r, T_NOW);
    for (i = 0; i < TK_REPORT_RULES_MAX + 1; i++) {
        snprintf(rule, sizeof(rule), "X-RULE-%02zu", i);
        x.rule = rule;
        row_set(&fr, &x, T_NOW);
        assert_int_equal(tk_report_add(&r, &fr), i < TK_REPORT_RULES_MAX ? TK_OK : TK_LIMIT);
    }
    assert_int_equal(r.total.nrules, TK_REPORT_RULES_MAX);
    assert_int_equal(r.total.domains, 1);
    tk_report_free(&r);
}

/* ---- the summary and the trend ---- */

/* The fixture a week later: passports now passes SPF-HARDFAIL (and is
 * compliant), a new agency and a rule the previous report had not. */
static void later_report(struct tk_report *r)
{
    static const struct row more[] = {
        {MOJ, "justice.govt.nz", true, "SPF-PRESENT", P, NULL, "one record", ""},
    };
    static const struct row dane = {DIA, "dia.govt.nz", true, "DANE", P, NULL, "TLSA ok", ""};
    struct row rows[NELEM(fixture) + 1];
    size_t i, n = 0;

    tk_report_init(r, T_NOW);
    for (i = 0; i < NELEM(fixture); i++) {
        rows[n] = fixture[i];
        if (strcmp(rows[n].domain, "passports.govt.nz") == 0) {
            rows[n].compliant = true;
            rows[n].status = P;
        }
        n++;
        if (i == 3)
            rows[n++] = dane; /* after dia's other rows */
    }
    feed(r, rows, n);
    feed(r, more, NELEM(more));
}

static void test_summary_round_trip(void **state)
{
    struct tk_report r1, r2;
    struct tk_error err;
    const struct tk_report_agency *a;
    json_error_t jerr;
    json_t *root, *spf;
    char *summary;

    fixture_report(&r1);
    r1.at = T_PREV;
    summary = tk_report_summary(&r1);
    assert_non_null(summary);

    /* It is the documented JSON. */
    root = json_loads(summary, 0, &jerr);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "at")), T_PREV);
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "total"), "domains")),
                     7);
    spf = json_object_get(
        json_object_get(json_object_get(json_object_get(root, "agencies"), DIA), "rules"),
        "SPF-HARDFAIL");
    assert_int_equal(json_integer_value(json_object_get(spf, "pass")), 1);
    assert_int_equal(json_integer_value(json_object_get(spf, "fail")), 1);
    json_decref(root);

    later_report(&r2);
    assert_int_equal(tk_report_trend(&r2, summary, T_PREV, &err), TK_OK);
    assert_int_equal(r2.previous_at, T_PREV);
    assert_int_equal(r2.total.domains, 8);
    assert_int_equal(r2.total.compliant, 5);
    assert_int_equal(r2.total.prev_domains, 7);
    assert_int_equal(r2.total.prev_compliant, 3);
    expect_prev(&r2.total, "SPF-PRESENT", 4, 5);
    expect_prev(&r2.total, "SPF-HARDFAIL", 3, 5);
    expect_prev(&r2.total, "DMARC-REJECT", 3, 5);
    expect_prev(&r2.total, "X-FUTURE-RULE", 0, 1);
    expect_prev(&r2.total, "DANE", -1, -1); /* a rule the previous report had not */
    a = agency_of(&r2, DIA);
    assert_int_equal(a->prev_domains, 2);
    assert_int_equal(a->prev_compliant, 1);
    expect_prev(a, "SPF-HARDFAIL", 1, 2);
    expect_prev(a, "DANE", -1, -1);
    a = agency_of(&r2, MOJ); /* an agency the previous report had not */
    assert_int_equal(a->prev_domains, -1);
    assert_int_equal(a->prev_compliant, -1);
    expect_prev(a, "SPF-PRESENT", -1, -1);
    a = agency_of(&r2, MOH);
    expect_prev(a, "DMARC-REJECT", 0, 1);

    /* A bad summary afterwards clears what the good one set. */
    assert_int_equal(tk_report_trend(&r2, "{", T_PREV, &err), TK_INVALID);
    assert_int_equal(r2.previous_at, 0);
    assert_int_equal(r2.total.prev_domains, -1);
    expect_prev(&r2.total, "SPF-PRESENT", -1, -1);
    expect_prev(agency_of(&r2, DIA), "SPF-HARDFAIL", -1, -1);

    free(summary);
    tk_report_free(&r1);
    tk_report_free(&r2);
}

static void test_summary_malformed(void **state)
{
    static const struct {
        const char *json;
        enum tk_status st;
        long domains, compliant, spf_pass, spf_total; /* total's previous figures */
    } cases[] = {
        {"not json", TK_INVALID, -1, -1, -1, -1},
        {"", TK_INVALID, -1, -1, -1, -1},
        {"[]", TK_INVALID, -1, -1, -1, -1},
        {"\"total\"", TK_INVALID, -1, -1, -1, -1},
        {"{}", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": 5}", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": {}} trailing", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": {}, \"total\": {\"domains\": 7}}", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": {\"domains\": 99999999999999999999999}}", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": {\"rules\": {\"SPF\\u0000PRESENT\": {}}}}", TK_INVALID, -1, -1, -1, -1},
        {"{\"total\": {}}", TK_OK, -1, -1, -1, -1},
        {"{\"total\": {\"domains\": 7, \"compliant\": 3, \"rules\": {\"SPF-PRESENT\": "
         "{\"pass\": 4, \"fail\": 1, \"warn\": 0, \"unknown\": 2}}}}",
         TK_OK, 7, 3, 4, 7},
        {"{\"total\": {\"domains\": \"7\", \"compliant\": -3, \"rules\": {\"SPF-PRESENT\": "
         "{\"pass\": \"4\", \"fail\": 1, \"warn\": 0, \"unknown\": 0}}}}",
         TK_OK, -1, -1, -1, -1},
        {"{\"total\": {\"domains\": 1e300, \"compliant\": true, \"rules\": [1, 2]}, "
         "\"agencies\": \"x\"}",
         TK_OK, -1, -1, -1, -1},
        {"{\"total\": {\"domains\": 9223372036854775807, \"compliant\": null, \"rules\": "
         "{\"SPF-PRESENT\": {\"pass\": 9223372036854775807, \"fail\": 1, \"warn\": 0, "
         "\"unknown\": 0}}}}",
         TK_OK, LONG_MAX, -1, -1, -1},
        {"{\"total\": {\"rules\": {\"SPF-PRESENT\": {\"pass\": 4, \"fail\": 1}}}}", TK_OK, -1, -1,
         -1, -1},
        {"{\"total\": {\"rules\": {\"SPF-PRESENT\": [4, 1, 0, 0]}}, \"at\": \"yesterday\"}", TK_OK,
         -1, -1, -1, -1},
    };
    struct tk_report r;
    struct tk_error err;
    size_t i;

    fixture_report(&r);
    for (i = 0; i < NELEM(cases); i++) {
        const struct tk_report_count *c = count_of(&r.total, "SPF-PRESENT");
        enum tk_status st = tk_report_trend(&r, cases[i].json, T_PREV, &err);

        if (st != cases[i].st || r.total.prev_domains != cases[i].domains ||
            r.total.prev_compliant != cases[i].compliant || c->prev_pass != cases[i].spf_pass ||
            c->prev_total != cases[i].spf_total)
            fail_msg("case %zu (%s): %s %ld %ld %ld/%ld", i, cases[i].json, tk_status_name(st),
                     r.total.prev_domains, r.total.prev_compliant, c->prev_pass, c->prev_total);
        assert_int_equal(r.previous_at, st == TK_OK ? T_PREV : 0);
        if (st != TK_OK)
            assert_true(testutil_printable(err.msg));
    }
    tk_report_free(&r);
}

static void test_summary_hostile(void **state)
{
    struct tk_report r;
    struct tk_error err;
    const struct tk_report_agency *a;
    char *deep, *huge;
    size_t n = 100000;

    fixture_report(&r);

    /* Agencies of the wrong type, or missing, leave their figures -1. */
    assert_int_equal(
        tk_report_trend(&r,
                        "{\"total\": {\"rules\": {\"SPF-PRESENT\": {\"pass\": 4, \"fail\": 1, "
                        "\"warn\": 0, \"unknown\": 0}}}, \"agencies\": {\"" MOH "\": [], \"" DIA
                        "\": {\"domains\": 2, \"rules\": {\"SPF-HARDFAIL\": null}}}}",
                        T_PREV, &err),
        TK_OK);
    expect_prev(&r.total, "SPF-PRESENT", 4, 5);
    a = agency_of(&r, DIA);
    assert_int_equal(a->prev_domains, 2);
    assert_int_equal(a->prev_compliant, -1);
    expect_prev(a, "SPF-HARDFAIL", -1, -1);
    a = agency_of(&r, MOH);
    assert_int_equal(a->prev_domains, -1);
    expect_prev(a, "SPF-PRESENT", -1, -1);
    a = agency_of(&r, MFE);
    assert_int_equal(a->prev_domains, -1);

    /* Control bytes of the input do not reach the error message. */
    assert_int_equal(tk_report_trend(&r, "\x1b[31m\x07", T_PREV, &err), TK_INVALID);
    assert_true(testutil_printable(err.msg));
    assert_int_equal(tk_report_trend(&r, NULL, T_PREV, NULL), TK_INVALID);

    /* Too deep for the parser; too long to be ours. */
    deep = testutil_record_of_len("", '[', n);
    assert_int_equal(tk_report_trend(&r, deep, T_PREV, &err), TK_INVALID);
    free(deep);
    huge = testutil_record_of_len("{\"total\": {}}", ' ', (size_t)TK_REPORT_SUMMARY_MAX + 1);
    assert_int_equal(tk_report_trend(&r, huge, T_PREV, &err), TK_LIMIT);
    huge[TK_REPORT_SUMMARY_MAX] = '\0'; /* at the limit: read */
    assert_int_equal(tk_report_trend(&r, huge, T_PREV, &err), TK_OK);
    free(huge);
    tk_report_free(&r);
}

/* ---- HTML ---- */

static bool utf8_valid(const char *s, size_t len)
{
    json_t *v = json_stringn(s, len); /* jansson checks UTF-8 */
    bool ok = v != NULL;

    json_decref(v);
    return ok;
}

/* The elements the page may use; anything else (script, img, link,
 * iframe, object, a, ...) fails the scan. */
static bool html_element_allowed(const char *name, size_t len)
{
    static const char *const allowed[] = {
        "!DOCTYPE", "html",       "head",   "meta",  "title", "style",  "body", "header",
        "main",     "section",    "footer", "h1",    "h2",    "h3",     "h4",   "p",
        "dl",       "dt",         "dd",     "div",   "b",     "strong", "span", "time",
        "figure",   "figcaption", "ul",     "li",    "svg",   "rect",   "line", "text",
        "table",    "caption",    "thead",  "tbody", "tr",    "th",     "td",   "article"};
    size_t i;

    for (i = 0; i < NELEM(allowed); i++)
        if (strlen(allowed[i]) == len && strncmp(allowed[i], name, len) == 0)
            return true;
    return false;
}

/* html_scan checks every tag: an allowed element, no attribute that
 * fetches or runs anything, no URL; and that the style fetches nothing. */
static void html_scan(const char *html)
{
    const char *p = html, *style, *end;

    while ((p = strchr(p, '<')) != NULL) {
        const char *q = strchr(p, '>'), *name = p + 1;
        char tag[4096];
        size_t n;

        assert_non_null(q);
        n = (size_t)(q - p + 1);
        assert_true(n < sizeof(tag));
        memcpy(tag, p, n);
        tag[n] = '\0';
        if (*name == '/')
            name++;
        if (!html_element_allowed(name, strcspn(name, " >/")))
            fail_msg("element not allowed: %s", tag);
        if (strcasestr(tag, "http") || strcasestr(tag, "href") || strcasestr(tag, "src") ||
            strcasestr(tag, "url(") || strcasestr(tag, " on") || strcasestr(tag, "javascript"))
            fail_msg("tag refers to something: %s", tag);
        p = q + 1;
    }
    style = strstr(html, "<style>");
    end = style ? strstr(style, "</style>") : NULL;
    assert_non_null(end);
    for (p = style; p < end; p++)
        if (strncasecmp(p, "url(", 4) == 0 || strncasecmp(p, "@import", 7) == 0 ||
            strncasecmp(p, "http", 4) == 0)
            fail_msg("the style fetches something: %.40s", p);
}

static void html_check_basics(const char *html, size_t len)
{
    size_t i;

    assert_int_equal(strlen(html), len); /* no NUL */
    assert_true(utf8_valid(html, len));
    for (i = 0; i < len; i++)
        if ((unsigned char)html[i] < 0x20 && html[i] != '\n')
            fail_msg("control byte 0x%02x at %zu", (unsigned char)html[i], i);
    assert_null(strcasestr(html, "<script"));
    assert_non_null(strstr(html, "<html lang=\"en\">"));
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(html, "<title>Secure email compliance report, "));
    assert_non_null(strstr(html, "@media print"));
    assert_non_null(strstr(html, "page-break-inside:avoid"));
    assert_non_null(strstr(html, "<th scope=\"col\">"));
    html_scan(html);
}

static void test_html_hostile(void **state)
{
    static const char evidence[] = "<script>alert(1)</script> \"q\" 'a' & \xff\xfe\xc3 "
                                   "https://evil.example/x.js";
    struct tk_report r;
    struct tk_finding_row fr;
    struct row x = {"Ministry of <b>Bold</b> & \"Quotes\" 'Apos'",
                    "evil.govt.nz",
                    false,
                    "SPF-HARDFAIL",
                    F,
                    NULL,
                    evidence,
                    "<img src=x onerror=alert(3)> see http://evil.example/"};
    struct tk_report_issue *is;
    size_t len;
    char *html;

    tk_report_init(&r, T_NOW);
    row_set(&fr, &x, T_NOW);
    fr.contact = "x@evil\"><script>alert(2)</script>";
    assert_int_equal(tk_report_add(&r, &fr), TK_OK);
    fr.rule = "<svg onload=alert(4)>";
    assert_int_equal(tk_report_add(&r, &fr), TK_OK);

    /* Whatever the struct holds, not only what tk_report_add made: raw
     * invalid UTF-8 and control bytes put in by hand. */
    is = &r.domains[0].issues[0];
    free(is->evidence);
    assert_non_null(is->evidence = malloc(sizeof(evidence) + 8));
    snprintf(is->evidence, sizeof(evidence) + 8, "%s\x1b[31m\x7f", evidence);
    strcpy(r.domains[0].contact, "\xc3\x28 x@\x80.govt.nz </td>");

    html = render(&r, TK_REPORT_HTML, &len);
    html_check_basics(html, len);
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "&quot;q&quot; &#39;a&#39; &amp;"));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(3)&gt;"));
    assert_non_null(strstr(html, "Ministry of &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Quotes&quot; "
                                 "&#39;Apos&#39;"));
    assert_non_null(strstr(html, "Contact: ?( x@?.govt.nz &lt;/td&gt; &middot;"));
    assert_non_null(strstr(html, "https://evil.example/x.js?[31m?</td>"));
    assert_non_null(strstr(html, "&lt;svg onload=alert(4)&gt;"));
    assert_non_null(strstr(html, "https://evil.example/x.js")); /* as text, checked by the scan */
    assert_non_null(strstr(html, "first report"));
    free(html);
    tk_report_free(&r);
}

static void test_html_content(void **state)
{
    struct tk_report r1, r2;
    struct tk_error err;
    char *summary, *html;
    size_t len;

    fixture_report(&r1);
    html = render(&r1, TK_REPORT_HTML, &len);
    html_check_basics(html, len);
    assert_non_null(strstr(html, "<time datetime=\"2026-11-28T19:05:00Z\">"));
    assert_non_null(strstr(html, "first report"));
    assert_null(strstr(html, "Since "));
    assert_non_null(strstr(html, "3/5 (60%)")); /* SPF-HARDFAIL, all of government */
    assert_non_null(strstr(html, "1/3 (33%)")); /* MfE compliant, rounded down */
    assert_non_null(strstr(html, "<svg class=\"chart\""));
    assert_non_null(strstr(html, "role=\"img\""));
    assert_non_null(strstr(html, "<h4 class=\"id\">mfe.govt.nz</h4>"));
    assert_null(strstr(html, "<h4 class=\"id\">environment.govt.nz</h4>"));
    assert_non_null(strstr(html, "Set p=reject."));
    free(html);

    r1.at = T_PREV;
    summary = tk_report_summary(&r1);
    later_report(&r2);
    assert_int_equal(tk_report_trend(&r2, summary, T_PREV, &err), TK_OK);
    html = render(&r2, TK_REPORT_HTML, &len);
    html_check_basics(html, len);
    assert_null(strstr(html, "first report"));
    assert_non_null(strstr(html, "<time datetime=\"2026-11-21T00:00:00Z\">"));
    assert_non_null(strstr(html, "Since 2026-11-21"));
    assert_non_null(strstr(html, "+1</span> <span class=\"was\">(was 3/5)</span>"));
    assert_non_null(strstr(html, "<span class=\"none\">new</span>"));
    free(html);
    free(summary);
    tk_report_free(&r1);
    tk_report_free(&r2);
}

/* ---- CSV ---- */

#define CSV_FIELDS 10
#define CSV_ROWS 64

struct csv {
    size_t nrows;
    char *f[CSV_ROWS][CSV_FIELDS];
};

/* csv_parse reads RFC 4180 (CRLF lines, every row CSV_FIELDS fields). */
static void csv_parse(const char *text, struct csv *c)
{
    const char *p = text;

    memset(c, 0, sizeof(*c));
    while (*p) {
        size_t nf = 0;

        assert_true(c->nrows < CSV_ROWS);
        for (;;) {
            char field[1024];
            size_t n = 0;

            if (*p == '"') {
                for (p++; !(*p == '"' && p[1] != '"'); p++) {
                    assert_true(*p != '\0');
                    if (*p == '"')
                        p++;
                    field[n++] = *p;
                }
                p++;
            } else {
                while (*p && *p != ',' && *p != '\r')
                    field[n++] = *p++;
            }
            field[n] = '\0';
            assert_true(nf < CSV_FIELDS);
            c->f[c->nrows][nf++] = strdup(field);
            if (*p == ',') {
                p++;
                continue;
            }
            assert_true(p[0] == '\r' && p[1] == '\n');
            p += 2;
            break;
        }
        assert_int_equal(nf, CSV_FIELDS);
        c->nrows++;
    }
}

static void csv_free(struct csv *c)
{
    size_t i, j;

    for (i = 0; i < c->nrows; i++)
        for (j = 0; j < CSV_FIELDS; j++)
            free(c->f[i][j]);
}

/* csv_find returns the row of agency and rule. */
static char **csv_find(struct csv *c, const char *agency, const char *rule)
{
    size_t i;

    for (i = 1; i < c->nrows; i++)
        if (strcmp(c->f[i][0], agency) == 0 && strcmp(c->f[i][1], rule) == 0)
            return c->f[i];
    fail_msg("no CSV row %s %s", agency, rule);
    return NULL;
}

static void expect_csv(struct csv *c, const char *agency, const char *rule, const char *want)
{
    char **f = csv_find(c, agency, rule), got[512] = "";
    size_t i;

    for (i = 2; i < CSV_FIELDS; i++) {
        strcat(got, f[i]);
        if (i + 1 < CSV_FIELDS)
            strcat(got, ",");
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s %s: %s, expected %s", agency, rule, got, want);
}

static void test_csv(void **state)
{
    static const struct row hostile[] = {
        {"=HYPERLINK(\"http://evil.example\",\"x\")", "a.govt.nz", true, "SPF-PRESENT", P, NULL, "",
         ""},
        {"+SUM(1,2)", "b.govt.nz", true, "SPF-PRESENT", P, NULL, "", ""},
        {"-2+3", "c.govt.nz", true, "SPF-PRESENT", P, NULL, "", ""},
        {"@cmd", "d.govt.nz", true, "SPF-PRESENT", P, NULL, "", ""},
        {"Ministry, \"Quoted\"\r\nLtd", "e.govt.nz", false, "SPF-PRESENT", F, NULL, "", ""},
        {"", "f.govt.nz", true, "SPF-PRESENT", P, NULL, "", ""},
    };
    struct tk_report r, r2;
    struct tk_error err;
    struct csv c;
    char *text, *summary;
    size_t i;

    fixture_report(&r);
    text = render(&r, TK_REPORT_CSV, NULL);
    csv_parse(text, &c);
    free(text);
    assert_string_equal(c.f[0][0], "agency");
    assert_string_equal(c.f[0][9], "prev_total");
    /* (all of government) and 3 agencies, each a (compliant) row and
     * its rules: 1 + (1 + 7) + (1 + 4) + (1 + 7) + (1 + 6). */
    assert_int_equal(c.nrows, 1 + 8 + 5 + 8 + 7);
    assert_string_equal(c.f[1][0], "(all of government)");
    assert_string_equal(c.f[1][1], "(compliant)");
    expect_csv(&c, "(all of government)", "(compliant)", ",3,4,0,0,7,,");
    expect_csv(&c, "(all of government)", "SPF-HARDFAIL", "MUST,3,2,0,0,5,,");
    expect_csv(&c, "(all of government)", "DMARC-REJECT", "MUST,3,1,0,1,5,,");
    expect_csv(&c, "(all of government)", "DMARC-ADKIM-STRICT", "SHOULD,3,0,2,0,5,,");
    expect_csv(&c, MFE, "(compliant)", ",1,2,0,0,3,,");
    expect_csv(&c, MFE, "PARKED-SPF", "MUST,0,1,0,0,1,,");
    expect_csv(&c, MOH, "DMARC-REJECT", "MUST,0,0,0,1,1,,");
    assert_string_equal(c.f[9][0], DIA); /* agencies by name after the total */
    csv_free(&c);

    /* With a previous report. */
    r.at = T_PREV;
    summary = tk_report_summary(&r);
    later_report(&r2);
    assert_int_equal(tk_report_trend(&r2, summary, T_PREV, &err), TK_OK);
    text = render(&r2, TK_REPORT_CSV, NULL);
    csv_parse(text, &c);
    free(text);
    expect_csv(&c, "(all of government)", "(compliant)", ",5,3,0,0,8,3,7");
    expect_csv(&c, "(all of government)", "SPF-HARDFAIL", "MUST,4,1,0,0,5,3,5");
    expect_csv(&c, "(all of government)", "DANE", "INFO,1,0,0,0,1,,");
    expect_csv(&c, MOJ, "SPF-PRESENT", "MUST,1,0,0,0,1,,");
    expect_csv(&c, DIA, "SPF-HARDFAIL", "MUST,2,0,0,0,2,1,2");
    csv_free(&c);
    free(summary);
    tk_report_free(&r);
    tk_report_free(&r2);

    /* Quoting and the formula guard. */
    tk_report_init(&r, T_NOW);
    feed(&r, hostile, NELEM(hostile));
    text = render(&r, TK_REPORT_CSV, NULL);
    csv_parse(text, &c);
    for (i = 1; i < c.nrows; i++) {
        const char *a = c.f[i][0];

        assert_true(strchr("=+-@", a[0]) == NULL || a[0] == '\0');
    }
    csv_find(&c, "'=HYPERLINK(\"http://evil.example\",\"x\")", "SPF-PRESENT");
    csv_find(&c, "'+SUM(1,2)", "SPF-PRESENT");
    csv_find(&c, "'-2+3", "SPF-PRESENT");
    csv_find(&c, "'@cmd", "SPF-PRESENT");
    csv_find(&c, "Ministry, \"Quoted\"??Ltd", "SPF-PRESENT"); /* no line break in a cell */
    csv_find(&c, "(no agency)", "SPF-PRESENT");
    assert_non_null(strstr(text, "\"Ministry, \"\"Quoted\"\"??Ltd\""));
    csv_free(&c);
    free(text);
    tk_report_free(&r);
}

/* ---- JSON ---- */

static json_t *json_find(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, key)), value) == 0)
            return v;
    }
    fail_msg("no %s %s", key, value);
    return NULL;
}

static long json_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    assert_true(json_is_integer(v));
    return (long)json_integer_value(v);
}

static void test_json(void **state)
{
    struct tk_report r, r2;
    struct tk_error err;
    json_error_t jerr;
    json_t *root, *t, *a, *rule, *d, *is;
    char *text, *summary;

    fixture_report(&r);
    text = render(&r, TK_REPORT_JSON, NULL);
    root = json_loads(text, 0, &jerr);
    if (!root)
        fail_msg("JSON: %s (line %d)", jerr.text, jerr.line);
    free(text);
    assert_string_equal(json_string_value(json_object_get(root, "at")), "2026-11-28T19:05:00Z");
    assert_true(json_is_null(json_object_get(root, "previous_at")));
    t = json_object_get(root, "total");
    assert_int_equal(json_num(t, "domains"), 7);
    assert_int_equal(json_num(t, "compliant"), 3);
    assert_true(json_is_null(json_object_get(t, "prev_domains")));
    rule = json_find(json_object_get(t, "rules"), "rule", "DMARC-REJECT");
    assert_int_equal(json_num(rule, "pass"), 3);
    assert_int_equal(json_num(rule, "fail"), 1);
    assert_int_equal(json_num(rule, "unknown"), 1);
    assert_int_equal(json_num(rule, "domains"), 5);
    assert_true(json_is_null(json_object_get(rule, "prev_pass")));
    assert_int_equal(json_array_size(json_object_get(root, "agencies")), 3);
    a = json_array_get(json_object_get(root, "agencies"), 1);
    assert_string_equal(json_string_value(json_object_get(a, "name")), MFE);
    assert_int_equal(json_num(a, "domains"), 3);
    assert_int_equal(json_array_size(json_object_get(a, "rules")), 7);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(a, "rules"), 4), "rule")),
        "PARKED-SPF");
    assert_int_equal(json_array_size(json_object_get(root, "non_compliant")), 4);
    d = json_find(json_object_get(root, "non_compliant"), "domain", "mfe.govt.nz");
    assert_string_equal(json_string_value(json_object_get(d, "agency")), MFE);
    assert_string_equal(json_string_value(json_object_get(d, "scanned_at")),
                        "2026-11-28T18:05:00Z");
    assert_int_equal(json_array_size(json_object_get(d, "issues")), 4);
    is = json_array_get(json_object_get(d, "issues"), 2);
    assert_string_equal(json_string_value(json_object_get(is, "rule")), "DMARC-REJECT");
    assert_string_equal(json_string_value(json_object_get(is, "status")), "fail");
    assert_string_equal(json_string_value(json_object_get(is, "level")), "MUST");
    assert_string_equal(json_string_value(json_object_get(is, "evidence")), "p=none");
    assert_string_equal(json_string_value(json_object_get(is, "remediation")), "Set p=reject.");
    json_decref(root);

    r.at = T_PREV;
    summary = tk_report_summary(&r);
    later_report(&r2);
    assert_int_equal(tk_report_trend(&r2, summary, T_PREV, &err), TK_OK);
    /* Raw invalid UTF-8 put in by hand still makes valid JSON. */
    free(r2.domains[0].issues[0].evidence);
    r2.domains[0].issues[0].evidence = strdup("bad \xff\xfe bytes \x1b");
    text = render(&r2, TK_REPORT_JSON, NULL);
    root = json_loads(text, 0, &jerr);
    if (!root)
        fail_msg("JSON: %s (line %d)", jerr.text, jerr.line);
    free(text);
    assert_string_equal(json_string_value(json_object_get(root, "previous_at")),
                        "2026-11-21T00:00:00Z");
    t = json_object_get(root, "total");
    assert_int_equal(json_num(t, "prev_domains"), 7);
    rule = json_find(json_object_get(t, "rules"), "rule", "SPF-HARDFAIL");
    assert_int_equal(json_num(rule, "pass"), 4);
    assert_int_equal(json_num(rule, "prev_pass"), 3);
    assert_int_equal(json_num(rule, "prev_total"), 5);
    a = json_find(json_object_get(root, "agencies"), "name", MOJ);
    assert_true(json_is_null(json_object_get(a, "prev_compliant")));
    d = json_array_get(json_object_get(root, "non_compliant"), 0);
    is = json_array_get(json_object_get(d, "issues"), 0);
    assert_string_equal(json_string_value(json_object_get(is, "evidence")), "bad ?? bytes ?");
    json_decref(root);
    free(summary);
    tk_report_free(&r);
    tk_report_free(&r2);
}

static void test_format_parse(void **state)
{
    static const struct {
        const char *name;
        bool ok;
        enum tk_report_format f;
    } cases[] = {
        {"html", true, TK_REPORT_HTML},
        {"csv", true, TK_REPORT_CSV},
        {"json", true, TK_REPORT_JSON},
        {"HTML", false, 0},
        {"text", false, 0},
        {"", false, 0},
    };
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        enum tk_report_format f = (enum tk_report_format)99;

        assert_int_equal(tk_report_format_parse(cases[i].name, &f), cases[i].ok);
        assert_int_equal(f, cases[i].ok ? cases[i].f : (enum tk_report_format)99);
    }
}

/* ---- a realistic sample ---- */

struct sample_agency {
    const char *name, *contact;
    const char *domains[6];
    int quality; /* 0..100: how likely a rule passes */
    int change;  /* quality gained (lost) since the week before */
};

static const struct sample_agency sample_agencies[] = {
    /* by name, domains by name: the order the store gives */
    {"Commission for Fair Counting",
     "security@faircount.govt.nz",
     {"census-trial.govt.nz", "faircount.govt.nz"},
     97,
     1},
    {"Department of Harbours and Lighthouses",
     "it-security@harbours.govt.nz",
     {"harbours.govt.nz", "lighthouses.govt.nz", "old-pilots.govt.nz", "tides.harbours.govt.nz"},
     96,
     2},
    {"Department of Weather and Seasons",
     "noc@weather.govt.nz",
     {"frost.govt.nz", "seasons.govt.nz", "warnings.weather.govt.nz", "weather.govt.nz"},
     88,
     -4},
    {"Ministry of Good Examples",
     "mail-admin@good.govt.nz",
     {"examples.govt.nz", "good.govt.nz", "parked.good.govt.nz"},
     100,
     0},
    {"Ministry of Roads and Bridges",
     "ict@roads.govt.nz",
     {"bridges.govt.nz", "detours.govt.nz", "old-highways.govt.nz", "permits.roads.govt.nz",
      "roads.govt.nz", "tolls.roads.govt.nz"},
     93,
     3},
    {"National Seed Bank", "admin@seedbank.govt.nz", {"seedbank.govt.nz"}, 85, 0},
    {"Office of Land Records",
     "hostmaster@landrecords.govt.nz",
     {"archive-titles.govt.nz", "landrecords.govt.nz", "maps.landrecords.govt.nz",
      "survey.landrecords.govt.nz", "titles.govt.nz"},
     90,
     3},
    {"Office of the Registrar of Kites",
     "registrar@kites.govt.nz",
     {"kite-licences.govt.nz", "kites.govt.nz"},
     98,
     2},
    {"Te Tari K\xc5\x8drero (Office of Public Information)",
     "whakapapa@korero.govt.nz",
     {"korero.govt.nz", "panui.govt.nz", "reo.korero.govt.nz"},
     94,
     2},
};

static const char *const sample_email_rules[] = {
    "TLS-MIN-1.2",  "TLS-REQUIRED", "TLS-CERT",        "TLSRPT",       "SPF-PRESENT",
    "SPF-HARDFAIL", "DKIM-SIGNED",  "DMARC-PRESENT",   "DMARC-REJECT", "DMARC-ADKIM-STRICT",
    "DMARC-RUA",    "MTA-STS-TXT",  "MTA-STS-ENFORCE", "DANE"};
static const char *const sample_parked_rules[] = {"PARKED-SPF", "PARKED-DKIM", "PARKED-DMARC",
                                                  "PARKED-NULL-MX"};

/* sample_words writes evidence and remediation for a rule that does
 * not pass, in the words the rules use. */
static void sample_words(const char *rule, const char *d, enum tk_verdict v, char *ev, char *fix,
                         size_t len)
{
    if (v == U && (strncmp(rule, "TLS-", 4) == 0 || strcmp(rule, "DANE") == 0)) {
        snprintf(ev, len, "mx1.%s did not answer on port 25 within 10 s", d);
        snprintf(fix, len, "Make mx1.%s reachable on port 25, then check again.", d);
    } else if (v == U) {
        snprintf(ev, len, "the look-up for %s at %s timed out (SERVFAIL from 2 name servers)", rule,
                 d);
        snprintf(fix, len,
                 "Make the name servers of %s answer, then check again; nothing can be judged "
                 "until they do.",
                 d);
    } else if (strcmp(rule, "SPF-HARDFAIL") == 0) {
        snprintf(ev, len,
                 "the record at %s ends in ~all (softfail): mail from unlisted servers is not "
                 "rejected",
                 d);
        snprintf(fix, len,
                 "End the SPF record at %s with -all once DMARC reports show every legitimate "
                 "sender is listed (seed section 8, moving from ~all to -all).",
                 d);
    } else if (strncmp(rule, "DMARC", 5) == 0) {
        snprintf(ev, len, "\"v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@%s\"", d);
        snprintf(fix, len,
                 "Set p=reject (and remove pct= and t=) in _dmarc.%s once DMARC reports show "
                 "legitimate mail passes (seed section 8, moving to p=reject).",
                 d);
    } else if (strncmp(rule, "MTA-STS", 7) == 0) {
        snprintf(ev, len,
                 "https://mta-sts.%s/.well-known/mta-sts.txt says mode: testing; max_age: 86400",
                 d);
        snprintf(fix, len,
                 "Set mode: enforce and max_age: 604800 in the policy, and change the id= of "
                 "_mta-sts.%s so senders fetch it again.",
                 d);
    } else if (strncmp(rule, "TLS", 3) == 0) {
        snprintf(ev, len, "mx1.%s accepted TLS 1.0 and TLS 1.1 when offered alone", d);
        snprintf(fix, len,
                 "Turn off TLS 1.0 and 1.1 on mx1.%s (Postfix: smtpd_tls_protocols = >=TLSv1.2).",
                 d);
    } else if (strncmp(rule, "PARKED", 6) == 0) {
        snprintf(ev, len, "\"v=spf1 include:_spf.mailhost.example ~all\" at %s", d);
        snprintf(fix, len, "Replace the record at %s with \"v=spf1 -all\" (seed section 9).", d);
    } else {
        snprintf(ev, len, "no record for %s at %s", rule, d);
        snprintf(fix, len, "Publish the record %s needs at %s (see FRAMEWORK-RULES.md).", rule, d);
    }
}

/* sample_report builds the sample as of at; week 0 is a week before
 * week 1, and a little worse. */
static void sample_report(struct tk_report *r, int64_t at, int week)
{
    unsigned long seed = 20261128;
    size_t i, j, k;

    tk_report_init(r, at);
    for (i = 0; i < NELEM(sample_agencies); i++) {
        const struct sample_agency *sa = &sample_agencies[i];

        for (j = 0; j < NELEM(sa->domains) && sa->domains[j]; j++) {
            const char *d = sa->domains[j];
            bool parked = strncmp(d, "old", 3) == 0 || strncmp(d, "parked", 6) == 0 ||
                          strstr(d, "archive") != NULL || strncmp(d, "detours", 7) == 0;
            const char *const *rules = parked ? sample_parked_rules : sample_email_rules;
            size_t n = parked ? NELEM(sample_parked_rules) : NELEM(sample_email_rules);
            enum tk_verdict v[NELEM(sample_email_rules)];
            bool compliant = true;
            struct tk_finding_row fr;
            char ev[TK_EVIDENCE_MAX], fix[TK_REMEDIATION_MAX];

            for (k = 0; k < n; k++) {
                const struct tk_rule *rule = tk_rule_find(rules[k]);
                int roll = (int)(testutil_rand(&seed) % 100);
                int q = sa->quality + (week ? sa->change : 0);

                v[k] = roll < q ? P : roll < q + 3 ? U : rule->level == TK_LEVEL_MUST ? F : W;
                if (rule->level == TK_LEVEL_MUST && v[k] != P)
                    compliant = false;
            }
            for (k = 0; k < n; k++) {
                memset(&fr, 0, sizeof(fr));
                fr.domain = d;
                fr.agency = sa->name;
                fr.contact = sa->contact;
                fr.rule = rules[k];
                fr.status = v[k];
                ev[0] = fix[0] = '\0';
                if (v[k] != P)
                    sample_words(rules[k], d, v[k], ev, fix, sizeof(ev));
                else
                    snprintf(ev, sizeof(ev), "as the framework asks");
                fr.evidence = ev;
                fr.remediation = fix;
                fr.compliant = compliant;
                fr.scanned_at = at - 3600 - (int64_t)(i * 60 + j * 7);
                assert_int_equal(tk_report_add(r, &fr), TK_OK);
            }
        }
    }
}

static void test_sample(void **state)
{
    const char *path = getenv("TIAKI_REPORT_SAMPLE");
    struct tk_report prev, r;
    struct tk_error err;
    char *summary, *html;
    size_t len;
    FILE *out;

    sample_report(&prev, T_PREV + 19 * 3600, 0);
    summary = tk_report_summary(&prev);
    assert_non_null(summary);
    sample_report(&r, T_NOW, 1);
    assert_int_equal(tk_report_trend(&r, summary, prev.at, &err), TK_OK);
    html = render(&r, TK_REPORT_HTML, &len);
    html_check_basics(html, len);
    assert_int_equal(r.ndomains, r.total.domains - r.total.compliant);
    if (path) {
        assert_non_null(out = fopen(path, "w"));
        fwrite(html, 1, len, out);
        assert_int_equal(fclose(out), 0);
    }
    free(html);
    free(summary);
    tk_report_free(&prev);
    tk_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_agencies_order_and_overflow),
        cmocka_unit_test(test_rows_refused_and_cleaned),
        cmocka_unit_test(test_rules_limit),
        cmocka_unit_test(test_summary_round_trip),
        cmocka_unit_test(test_summary_malformed),
        cmocka_unit_test(test_summary_hostile),
        cmocka_unit_test(test_html_hostile),
        cmocka_unit_test(test_html_content),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_sample),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
