/*
 * NAME
 *	test_store_reports.c - DMARC and TLS-RPT reports in the store,
 *	on SQLite and on PostgreSQL
 * DESCRIPTION
 *	Every test runs twice over the same functions, as test_store.c's
 *	do: on a SQLite file in a temporary directory, and, when
 *	TIAKI_TEST_PG names a database (tests/integration/test_store_pg.sh
 *	sets it to the world's), on PostgreSQL in a schema of its own
 *	(tiaki_test_store_reports, made afresh for each test). Without
 *	TIAKI_TEST_PG the PostgreSQL group is skipped.
 *
 *	Covered: a DMARC report kept whole (records, every DKIM and SPF
 *	result, first ones in the record's row and the rest apart, reasons
 *	as JSON, the policy domain in lower case, one spelling per address)
 *	and counted; the same report again a duplicate that changes
 *	nothing; a rollback, a failure in the middle and totals that do not
 *	match keeping nothing (and the same report kept afterwards); a
 *	report of thousands of records across batches; the per-day,
 *	per-source, TLS-RPT failure and DKIM selector queries against sums
 *	worked out by hand on a small data set, with their domain and
 *	since filters and bounded lists; selectors past what a report
 *	gathers before writing, and filled in by migration 3; TLS-RPT reports kept and
 *	deduplicated; hostile text kept byte for byte and text that is not
 *	UTF-8 refused; calls out of order refused.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "testutil.h"

#include "core/text.h"
#include "store/store_reports.h"

#define PG_SCHEMA "tiaki_test_store_reports"

/* 2026-11-28T00:00:00Z and a day later. */
#define DAY28 INT64_C(1795824000)
#define DAY29 INT64_C(1795910400)

/* ---- fixtures ---- */

static struct tk_error err;

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum tk_status st_ = (call);                                                               \
        if (st_ != TK_OK)                                                                          \
            fail_msg("%s: %s (%s)", #call, tk_status_name(st_), err.msg);                          \
    } while (0)

static int setup_sqlite(void **state)
{
    return testutil_store_setup(state, false, PG_SCHEMA);
}

static int setup_pg(void **state)
{
    return testutil_store_setup(state, true, PG_SCHEMA);
}

static int teardown(void **state)
{
    return testutil_store_teardown(state);
}

/* ---- building DMARC reports ---- */

static struct tk_dmarc_xml_meta mkmeta(const char *org, const char *id, int64_t begin,
                                       const char *domain)
{
    struct tk_dmarc_xml_meta m;

    memset(&m, 0, sizeof(m));
    tk_strlcpy(m.org_name, org, sizeof(m.org_name));
    tk_strlcpy(m.email, "noreply-dmarc@example.org", sizeof(m.email));
    tk_strlcpy(m.report_id, id, sizeof(m.report_id));
    m.begin = begin;
    m.end = begin + 86399;
    tk_strlcpy(m.policy.domain, domain, sizeof(m.policy.domain));
    m.policy.p = TK_DMARC_POLICY_NONE;
    m.policy.adkim = 'r';
    m.policy.aspf = 's';
    m.policy.pct = 100;
    return m;
}

/* A record: verdicts "pp" (dkim pass, spf pass), "fp", "pf", "ff". */
static void mkrec(struct tk_dmarc_xml_record *r, const char *ip, uint64_t count,
                  const char *verdicts, const char *envelope_from)
{
    memset(r, 0, sizeof(*r));
    tk_strlcpy(r->source_ip, ip, sizeof(r->source_ip));
    if (inet_pton(AF_INET, ip, r->addr) == 1) {
        r->family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, ip, r->addr), 1);
        r->family = AF_INET6;
    }
    r->count = count;
    r->disposition = TK_DMARC_XML_DISP_NONE;
    r->dkim = verdicts[0] == 'p' ? TK_DMARC_XML_VERDICT_PASS : TK_DMARC_XML_VERDICT_FAIL;
    r->spf = verdicts[1] == 'p' ? TK_DMARC_XML_VERDICT_PASS : TK_DMARC_XML_VERDICT_FAIL;
    tk_strlcpy(r->header_from, "example.govt.nz", sizeof(r->header_from));
    tk_strlcpy(r->envelope_from, envelope_from, sizeof(r->envelope_from));
}

static void add_dkim(struct tk_dmarc_xml_record *r, const char *domain, const char *selector,
                     enum tk_dmarc_xml_auth result)
{
    struct tk_dmarc_xml_dkim *d = &r->dkim_results[r->ndkim++];

    tk_strlcpy(d->domain, domain, sizeof(d->domain));
    tk_strlcpy(d->selector, selector, sizeof(d->selector));
    d->result = result;
}

static void add_spf(struct tk_dmarc_xml_record *r, const char *domain,
                    enum tk_dmarc_xml_scope scope, enum tk_dmarc_xml_auth result)
{
    struct tk_dmarc_xml_spf *s = &r->spf_results[r->nspf++];

    tk_strlcpy(s->domain, domain, sizeof(s->domain));
    s->scope = scope;
    s->result = result;
}

/* keep keeps a report of n records (dup must come out as expected). */
static void keep(struct testutil_store *f, const struct tk_dmarc_xml_meta *m,
                 const struct tk_dmarc_xml_record *r, size_t n, bool want_dup)
{
    uint64_t messages = 0;
    bool dup = !want_dup;

    OK(tk_store_dmarc_begin(f->s, m, "test", &dup, &err));
    assert_int_equal(dup, want_dup);
    if (dup)
        return;
    for (size_t i = 0; i < n; i++) {
        OK(tk_store_dmarc_record(f->s, &r[i], &err));
        messages += r[i].count;
    }
    OK(tk_store_dmarc_commit(f->s, n, messages, &err));
}

static struct tk_report_counts counts(struct testutil_store *f)
{
    struct tk_report_counts c;

    OK(tk_store_report_counts(f->s, &c, &err));
    return c;
}

/* The data set the queries are checked against; sums by hand in the
 * tests. Reports A and B are of example.govt.nz on 28 November (A's
 * policy domain written in mixed case), C of example.govt.nz on the
 * 29th, D of other.govt.nz on the 28th. */
static void data_set(struct testutil_store *f)
{
    static struct tk_dmarc_xml_record a[3], b[2], c[1], d[1];
    struct tk_dmarc_xml_meta m;

    mkrec(&a[0], "192.0.2.1", 10, "pp", "example.govt.nz");
    add_dkim(&a[0], "example.govt.nz", "sel1", TK_DMARC_XML_AUTH_PASS);
    add_spf(&a[0], "example.govt.nz", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_PASS);
    mkrec(&a[1], "192.0.2.1", 5, "fp", "Bounce.Example.govt.nz");
    add_dkim(&a[1], "mcsv.net", "k1", TK_DMARC_XML_AUTH_PASS);
    add_spf(&a[1], "example.govt.nz", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_PASS);
    /* Two of each: the second SPF result is the one that passed. */
    mkrec(&a[2], "198.51.100.7", 3, "ff", "spoof.example");
    add_dkim(&a[2], "EXAMPLE.govt.nz", "Sel2", TK_DMARC_XML_AUTH_FAIL);
    add_dkim(&a[2], "other.org", "s", TK_DMARC_XML_AUTH_PASS);
    add_spf(&a[2], "spoof.example", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_SOFTFAIL);
    add_spf(&a[2], "example.govt.nz", TK_DMARC_XML_SCOPE_HELO, TK_DMARC_XML_AUTH_PASS);
    m = mkmeta("google.com", "A1", DAY28, "Example.GOVT.nz");
    keep(f, &m, a, 3, false);

    mkrec(&b[0], "192.0.2.1", 7, "pf", "");
    add_dkim(&b[0], "example.govt.nz", "sel1", TK_DMARC_XML_AUTH_PASS);
    add_spf(&b[0], "sendgrid.net", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_FAIL);
    /* No results at all; the address written long-hand. */
    mkrec(&b[1], "2001:DB8:0:0::1", 2, "ff", "");
    m = mkmeta("Microsoft Corporation", "B1", DAY28 + 43200, "example.govt.nz");
    keep(f, &m, b, 2, false);

    mkrec(&c[0], "192.0.2.1", 4, "pp", "example.govt.nz");
    add_dkim(&c[0], "example.govt.nz", "sel3", TK_DMARC_XML_AUTH_PASS);
    add_spf(&c[0], "example.govt.nz", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_PASS);
    m = mkmeta("google.com", "C1", DAY29, "example.govt.nz");
    keep(f, &m, c, 1, false);

    /* Signed by example.govt.nz: not a selector of other.govt.nz. */
    mkrec(&d[0], "203.0.113.9", 100, "fp", "");
    add_dkim(&d[0], "example.govt.nz", "sel9", TK_DMARC_XML_AUTH_PASS);
    add_spf(&d[0], "other.govt.nz", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_PASS);
    m = mkmeta("google.com", "D1", DAY28, "other.govt.nz");
    keep(f, &m, d, 1, false);
}

/* ---- collecting rows ---- */

#define ROWS_MAX 32

struct rows {
    size_t n;
    char line[ROWS_MAX][1024];
};

static void day_each(void *arg, const struct tk_dmarc_day *d)
{
    struct rows *rw = arg;

    assert_true(rw->n < ROWS_MAX);
    snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%s %s %llu %llu %llu %llu %llu", d->domain,
             d->day, (unsigned long long)d->messages, (unsigned long long)d->dmarc_pass,
             (unsigned long long)d->spf_aligned_pass, (unsigned long long)d->dkim_aligned_pass,
             (unsigned long long)d->reports);
}

static void source_each(void *arg, const struct tk_dmarc_source *s)
{
    struct rows *rw = arg;

    assert_true(rw->n < ROWS_MAX);
    assert_string_equal(s->tally.ptr, "");
    assert_null(s->tally.org);
    snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%s %s %lu %lu %lu %lu %lu [%s] [%s]",
             s->domain, s->tally.ip, s->tally.messages, s->tally.dmarc_pass,
             s->tally.spf_aligned_pass, s->tally.dkim_aligned_pass, s->tally.spf_pass,
             s->dkim_domains, s->envelope_domains);
}

static void failure_each(void *arg, const struct tk_tlsrpt_failure_row *fr)
{
    struct rows *rw = arg;

    assert_true(rw->n < ROWS_MAX);
    snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%s|%s|%s|%s|%s|%llu", fr->domain, fr->org,
             fr->result_type, fr->mx, fr->day, (unsigned long long)fr->sessions);
}

static void selector_each(void *arg, const char *domain, const char *selector)
{
    struct rows *rw = arg;

    assert_true(rw->n < ROWS_MAX);
    snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%s %s", domain, selector);
}

static void rows_equal(const struct rows *rw, const char *const *want, size_t n)
{
    for (size_t i = 0; i < rw->n && i < n; i++)
        assert_string_equal(rw->line[i], want[i]);
    assert_int_equal(rw->n, n);
}

/* ============================================================ DMARC */

static void test_dmarc_kept(void **state)
{
    struct testutil_store *f = *state;
    struct tk_report_counts c;
    char v[512];

    c = counts(f);
    assert_int_equal(c.dmarc_reports, 0);
    assert_int_equal(c.dmarc_records, 0);
    data_set(f);
    c = counts(f);
    assert_int_equal(c.dmarc_reports, 4);
    assert_int_equal(c.dmarc_records, 3 + 2 + 1 + 1);
    assert_int_equal(c.dmarc_messages, 10 + 5 + 3 + 7 + 2 + 4 + 100);
    assert_int_equal(c.tlsrpt_reports, 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_records"), 7);
    /* The first DKIM and SPF result of each record are in its row; the
     * second of each of A's third record apart; all of them in the view. */
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_auth"), 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_results"),
                     2 + 2 + 4 + 2 + 0 + 2 + 2);
    testutil_store_text(
        f,
        "SELECT kind || ' ' || n || ' ' || domain || ' ' || selector || ' ' || scope || ' ' ||"
        " result FROM dmarc_results WHERE record = 3 AND n = 4",
        v, sizeof(v));
    assert_string_equal(v, "spf 4 example.govt.nz  helo pass");
    testutil_store_text(
        f,
        "SELECT kind || ' ' || n || ' ' || domain || ' ' || selector || ' ' || result"
        " FROM dmarc_results WHERE record = 3 AND n = 2",
        v, sizeof(v));
    assert_string_equal(v, "dkim 2 other.org s pass");
    /* The report row: its own sums, the policy domain in lower case. */
    testutil_store_text(
        f,
        "SELECT domain || ' ' || org_name || ' ' || records || ' ' || messages || ' ' ||"
        " dmarc_pass || ' ' || spf_aligned_pass || ' ' || dkim_aligned_pass || ' ' || p ||"
        " ' ' || adkim || aspf || ' ' || pct || ' ' || format || ' ' || origin"
        " FROM dmarc_reports WHERE report_id = 'A1'",
        v, sizeof(v));
    assert_string_equal(v, "example.govt.nz google.com 3 18 15 15 10 none rs 100 rfc7489 test");
    /* One spelling per address; the envelope as sent. */
    testutil_store_text(f, "SELECT source_ip FROM dmarc_records WHERE count = 2", v, sizeof(v));
    assert_string_equal(v, "2001:db8::1");
    testutil_store_text(f, "SELECT envelope_from FROM dmarc_records WHERE count = 5", v, sizeof(v));
    assert_string_equal(v, "Bounce.Example.govt.nz");
    testutil_store_text(f,
                        "SELECT dkim_results || ' ' || spf_results || ' [' || dkim_domain || ']'"
                        " FROM dmarc_records WHERE count = 2",
                        v, sizeof(v));
    assert_string_equal(v, "0 0 []");
}

static void test_dmarc_duplicate(void **state)
{
    struct testutil_store *f = *state;
    struct tk_report_counts before, after;
    struct tk_dmarc_xml_record r;
    struct tk_dmarc_xml_meta m;
    bool dup = false;

    data_set(f);
    before = counts(f);
    /* The same reporter, report id and range: a duplicate, whatever it
     * holds this time. */
    m = mkmeta("google.com", "A1", DAY28, "example.govt.nz");
    mkrec(&r, "192.0.2.99", 1000, "pp", "");
    keep(f, &m, &r, 1, true);
    OK(tk_store_dmarc_begin(f->s, &m, "again", &dup, &err));
    assert_true(dup);
    /* Nothing is open after a duplicate. */
    assert_int_equal(tk_store_dmarc_record(f->s, &r, &err), TK_USAGE);
    assert_int_equal(tk_store_dmarc_commit(f->s, 1, 1000, &err), TK_USAGE);
    after = counts(f);
    assert_memory_equal(&before, &after, sizeof(before));
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM dmarc_records WHERE count = 1000"), 0);
    /* Another range of the same report id is another report. */
    m.end++;
    keep(f, &m, &r, 1, false);
    after = counts(f);
    assert_int_equal(after.dmarc_reports, before.dmarc_reports + 1);
    assert_int_equal(after.dmarc_messages, before.dmarc_messages + 1000);
}

static void test_dmarc_rollback(void **state)
{
    struct testutil_store *f = *state;
    static struct tk_dmarc_xml_record r[1500];
    struct tk_dmarc_xml_meta m = mkmeta("yahoo.com", "R1", DAY28, "example.govt.nz");
    struct tk_report_counts c;
    bool dup = true;

    for (size_t i = 0; i < 1500; i++) {
        char ip[32];

        snprintf(ip, sizeof(ip), "10.0.%zu.%zu", i / 250, i % 250 + 1);
        mkrec(&r[i], ip, 1, "pp", "");
        add_dkim(&r[i], "example.govt.nz", "a", TK_DMARC_XML_AUTH_PASS);
        add_dkim(&r[i], "example.govt.nz", "b", TK_DMARC_XML_AUTH_PASS);
    }
    /* Rolled back after a batch has gone to the database. */
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    assert_false(dup);
    for (size_t i = 0; i < 1500; i++)
        OK(tk_store_dmarc_record(f->s, &r[i], &err));
    tk_store_dmarc_rollback(f->s);
    tk_store_dmarc_rollback(f->s); /* nothing open: nothing happens */
    c = counts(f);
    assert_int_equal(c.dmarc_reports, 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_records"), 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_auth"), 0);
    /* Totals that do not match what was added: refused, nothing kept. */
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    OK(tk_store_dmarc_record(f->s, &r[0], &err));
    assert_int_equal(tk_store_dmarc_commit(f->s, 2, 2, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "not kept"));
    assert_int_equal(counts(f).dmarc_reports, 0);
    /* A record that fails in the middle drops the whole report. */
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    OK(tk_store_dmarc_record(f->s, &r[0], &err));
    tk_strlcpy(r[1].header_from, "bad \xff utf-8", sizeof(r[1].header_from));
    assert_int_equal(tk_store_dmarc_record(f->s, &r[1], &err), TK_INVALID);
    assert_int_equal(tk_store_dmarc_commit(f->s, 1, 1, &err), TK_USAGE);
    assert_int_equal(counts(f).dmarc_reports, 0);
    tk_strlcpy(r[1].header_from, "example.govt.nz", sizeof(r[1].header_from));
    /* The report was never kept: it is kept now, whole. */
    keep(f, &m, r, 1500, false);
    c = counts(f);
    assert_int_equal(c.dmarc_reports, 1);
    assert_int_equal(c.dmarc_records, 1500);
    assert_int_equal(c.dmarc_messages, 1500);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_auth"), 1500);
    /* A report left open when the store closes is not kept. */
    m = mkmeta("yahoo.com", "R2", DAY28, "example.govt.nz");
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    OK(tk_store_dmarc_record(f->s, &r[0], &err));
    tk_store_close(f->s);
    assert_int_equal(testutil_store_open(f), 0);
    assert_int_equal(counts(f).dmarc_reports, 1);
}

struct source_sums {
    size_t n, with_lists;
    uint64_t messages, spf_pass;
};

static void source_sum(void *arg, const struct tk_dmarc_source *s)
{
    struct source_sums *sum = arg;

    sum->n++;
    sum->messages += s->tally.messages;
    sum->spf_pass += s->tally.spf_pass;
    if (strcmp(s->dkim_domains, "example.govt.nz") == 0 &&
        strcmp(s->envelope_domains, "example.govt.nz") == 0)
        sum->with_lists++;
}

static void test_dmarc_large(void **state)
{
    struct testutil_store *f = *state;
    struct source_sums sum = {0};
    static struct tk_dmarc_xml_record r;
    struct tk_dmarc_xml_meta m = mkmeta("google.com", "L1", DAY28, "example.govt.nz");
    const size_t n = 5000;
    uint64_t messages = 0;
    bool dup;

    /* Past several batches (ST_DMARC_BATCH_RECORDS) and statements;
     * every seventh record with the most results a record may carry. */
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    for (size_t i = 0; i < n; i++) {
        char ip[32];

        snprintf(ip, sizeof(ip), "10.%zu.%zu.1", i / 256, i % 256);
        mkrec(&r, ip, i + 1, i % 2 ? "pp" : "fp", "example.govt.nz");
        for (size_t k = 0; k < (i % 7 == 0 ? TK_DMARC_XML_AUTH_MAX : 1); k++) {
            add_dkim(&r, "example.govt.nz", "s", TK_DMARC_XML_AUTH_PASS);
            add_spf(&r, "example.govt.nz", TK_DMARC_XML_SCOPE_MFROM, TK_DMARC_XML_AUTH_PASS);
        }
        OK(tk_store_dmarc_record(f->s, &r, &err));
        messages += r.count;
    }
    OK(tk_store_dmarc_commit(f->s, n, messages, &err));
    assert_int_equal(counts(f).dmarc_records, n);
    assert_int_equal(counts(f).dmarc_messages, n * (n + 1) / 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_records"), n);
    assert_int_equal(testutil_store_count(f, "SELECT max(n) FROM dmarc_records"), n);
    /* 715 records of 16 + 16 results, 30 of them apart. */
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_auth"), 715 * 30);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_results"),
                     (n - 715) * 2 + 715 * 32);
    assert_int_equal(testutil_store_count(f, "SELECT sum(count) FROM dmarc_records"),
                     n * (n + 1) / 2);
    /* 5,000 sources, each its own: summed in one pass (a join of the
     * lists to the sums once scanned every list for every source). */
    OK(tk_store_dmarc_sources(f->s, NULL, 0, source_sum, &sum, &err));
    assert_int_equal(sum.n, n);
    assert_int_equal(sum.messages, n * (n + 1) / 2);
    assert_int_equal(sum.spf_pass, n * (n + 1) / 2);
    assert_int_equal(sum.with_lists, n);
}

static void test_dmarc_days(void **state)
{
    struct testutil_store *f = *state;
    struct rows rw = {0};
    /* example.govt.nz on the 28th: A and B, 10+5+3+7+2 messages; DMARC
     * pass 10 (A1, both) + 5 (A2, SPF) + 7 (B1, DKIM); aligned SPF
     * 10+5, aligned DKIM 10+7. On the 29th: C, 4 passing everything.
     * other.govt.nz: D, 100 by SPF. */
    static const char *const all[] = {
        "example.govt.nz 2026-11-28 27 22 15 17 2",
        "example.govt.nz 2026-11-29 4 4 4 4 1",
        "other.govt.nz 2026-11-28 100 100 100 0 1",
    };

    OK(tk_store_dmarc_days(f->s, NULL, 0, day_each, &rw, &err));
    assert_int_equal(rw.n, 0);
    data_set(f);
    OK(tk_store_dmarc_days(f->s, NULL, 0, day_each, &rw, &err));
    rows_equal(&rw, all, 3);
    /* A domain (in any case), and a start. */
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dmarc_days(f->s, "EXAMPLE.govt.NZ", 0, day_each, &rw, &err));
    rows_equal(&rw, all, 2);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dmarc_days(f->s, NULL, DAY29, day_each, &rw, &err));
    rows_equal(&rw, all + 1, 1);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dmarc_days(f->s, "nowhere.govt.nz", 0, day_each, &rw, &err));
    assert_int_equal(rw.n, 0);
}

static void test_dmarc_sources(void **state)
{
    struct testutil_store *f = *state;
    struct rows rw = {0};
    /* 192.0.2.1 sent A1 10, A2 5, B1 7, C1 4: DMARC pass all 26 (A1 and
     * C1 both, A2 by SPF, B1 by DKIM); aligned SPF 10+5+4, aligned DKIM
     * 10+7+4; some SPF result passed for A1, A2, C1 (B1's failed).
     * 198.51.100.7 sent A3: nothing aligned, but its second SPF result
     * passed. The IPv6 source has no results. Lists sorted, lower case,
     * empty envelopes left out. */
    static const char *const all[] = {
        ("example.govt.nz 192.0.2.1 26 26 19 21 19 [example.govt.nz mcsv.net]"
         " [bounce.example.govt.nz example.govt.nz]"),
        "example.govt.nz 198.51.100.7 3 0 0 0 3 [example.govt.nz other.org] [spoof.example]",
        "example.govt.nz 2001:db8::1 2 0 0 0 0 [] []",
        "other.govt.nz 203.0.113.9 100 100 100 0 100 [example.govt.nz] []",
    };

    data_set(f);
    OK(tk_store_dmarc_sources(f->s, NULL, 0, source_each, &rw, &err));
    rows_equal(&rw, all, 4);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dmarc_sources(f->s, "other.govt.nz", 0, source_each, &rw, &err));
    rows_equal(&rw, all + 3, 1);
    /* Since the 29th: only C's record. */
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dmarc_sources(f->s, "example.govt.nz", DAY29, source_each, &rw, &err));
    assert_int_equal(rw.n, 1);
    assert_string_equal(rw.line[0],
                        "example.govt.nz 192.0.2.1 4 4 4 4 4 [example.govt.nz] [example.govt.nz]");
}

static void test_dmarc_source_lists_bounded(void **state)
{
    struct testutil_store *f = *state;
    static struct tk_dmarc_xml_record r[12];
    struct tk_dmarc_xml_meta m = mkmeta("google.com", "B1", DAY28, "example.govt.nz");
    struct rows rw = {0};

    /* Twelve records from one source: d9..d0 (and their repeats), two
     * envelopes, one with a space (not a name: left out). */
    for (size_t i = 0; i < 12; i++) {
        char d[64];

        mkrec(&r[i], "192.0.2.1", 1, "pp", i == 0 ? "has space.example" : "e.example");
        snprintf(d, sizeof(d), "D%zu.example", (11 - i) % 10);
        add_dkim(&r[i], d, "s", TK_DMARC_XML_AUTH_PASS);
        if (i == 5)
            add_dkim(&r[i], "a.example", "s", TK_DMARC_XML_AUTH_PASS);
    }
    keep(f, &m, r, 12, false);
    OK(tk_store_dmarc_sources(f->s, NULL, 0, source_each, &rw, &err));
    assert_int_equal(rw.n, 1);
    assert_int_equal(TK_STORE_DMARC_LIST_MAX, 8);
    assert_string_equal(rw.line[0], "example.govt.nz 192.0.2.1 12 12 12 12 0"
                                    " [a.example d0.example d1.example d2.example d3.example"
                                    " d4.example d5.example d6.example] [e.example]");
}

static void test_dkim_selectors(void **state)
{
    struct testutil_store *f = *state;
    struct rows rw = {0};
    /* d= the policy domain (any case): sel1 (A1, B1), Sel2 (A3's first,
     * which failed: seen all the same), sel3 (C1). Not mcsv.net's k1,
     * other.org's s, nor example.govt.nz's sel9 in other.govt.nz's
     * report. */
    static const char *const want[] = {
        "example.govt.nz sel1",
        "example.govt.nz sel2",
        "example.govt.nz sel3",
    };
    static struct tk_dmarc_xml_record r;
    struct tk_dmarc_xml_meta m = mkmeta("google.com", "S1", DAY29, "example.govt.nz");

    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    assert_int_equal(rw.n, 0);
    data_set(f);
    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    rows_equal(&rw, want, 3);
    /* A selector in a further result counts; an empty one does not. */
    mkrec(&r, "192.0.2.1", 1, "pp", "");
    add_dkim(&r, "example.govt.nz", "", TK_DMARC_XML_AUTH_PASS);
    add_dkim(&r, "Example.govt.nz", "Extra", TK_DMARC_XML_AUTH_PASS);
    keep(f, &m, &r, 1, false);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    assert_int_equal(rw.n, 4);
    assert_string_equal(rw.line[0], "example.govt.nz extra");
}

static void test_dkim_selectors_many(void **state)
{
    struct testutil_store *f = *state;
    static struct tk_dmarc_xml_record r[24];
    struct tk_dmarc_xml_meta m = mkmeta("google.com", "M1", DAY28, "many.govt.nz");
    struct rows rw = {0};
    bool dup;

    /* More selectors in one report than are gathered before writing
     * (ST_DMARC_SELECTORS); two of them again and again, in other case,
     * also after they were written. */
    for (size_t i = 0; i < 24; i++) {
        char sel[16];

        snprintf(sel, sizeof(sel), "s%02zu", i);
        mkrec(&r[i], "192.0.2.1", 1, "pp", "");
        add_dkim(&r[i], "many.govt.nz", sel, TK_DMARC_XML_AUTH_PASS);
        add_dkim(&r[i], "MANY.govt.nz", i < 12 ? "S00" : "s23", TK_DMARC_XML_AUTH_PASS);
    }
    /* Rolled back: none kept. */
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    for (size_t i = 0; i < 24; i++)
        OK(tk_store_dmarc_record(f->s, &r[i], &err));
    tk_store_dmarc_rollback(f->s);
    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    assert_int_equal(rw.n, 0);
    keep(f, &m, r, 24, false);
    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    assert_int_equal(rw.n, 24);
    for (size_t i = 0; i < 24; i++) {
        char want[64];

        snprintf(want, sizeof(want), "many.govt.nz s%02zu", i);
        assert_string_equal(rw.line[i], want);
    }
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM dmarc_selectors"), 24);
}

static void test_dkim_selectors_migrated(void **state)
{
    struct testutil_store *f = *state;
    struct rows rw = {0};

    /* A store of schema version 2 that holds reports: migration 3 fills
     * dmarc_selectors from them (and 4 and 5 are applied again after
     * it). */
    data_set(f);
    tk_store_close(f->s);
    f->s = NULL;
    testutil_store_unmigrate_5(f);
    testutil_store_exec(f, "DROP TABLE dmarc_selectors; ALTER TABLE snapshots DROP COLUMN digest;"
                           " ALTER TABLE snapshots DROP COLUMN content_id;"
                           " DELETE FROM schema_migrations WHERE version >= 3");
    assert_int_equal(testutil_store_open(f), 0);
    OK(tk_store_dkim_selectors_seen(f->s, selector_each, &rw, &err));
    assert_int_equal(rw.n, 3);
    assert_string_equal(rw.line[0], "example.govt.nz sel1");
    assert_string_equal(rw.line[1], "example.govt.nz sel2");
    assert_string_equal(rw.line[2], "example.govt.nz sel3");
}

/* Text that breaks quoting, COPY and SQL, kept exactly. */
static const char *const hostile[] = {
    "\"quoted\" \\N \\.",
    "a\\b\\\\c\\\"\t\r\n",
    "'); DROP TABLE dmarc_records; --",
    "$1 $2 ?1 :x @y %s %n",
    "Te Tari Taiwhenua \xc4\x81 \xe2\x80\x94 \xf0\x9f\x93\xa7",
    " leading and trailing ",
};

static void test_dmarc_hostile_text(void **state)
{
    struct testutil_store *f = *state;
    static struct tk_dmarc_xml_record r[NELEM(hostile)];
    struct tk_dmarc_xml_meta m = mkmeta(hostile[2], hostile[0], DAY28, "example.govt.nz");
    char v[1024], sql[256];
    bool dup;

    tk_strlcpy(m.email, hostile[1], sizeof(m.email));
    for (size_t i = 0; i < NELEM(hostile); i++) {
        mkrec(&r[i], "192.0.2.1", 1, "pp", hostile[i]);
        tk_strlcpy(r[i].header_from, hostile[(i + 1) % NELEM(hostile)], sizeof(r[i].header_from));
        tk_strlcpy(r[i].envelope_to, hostile[(i + 2) % NELEM(hostile)], sizeof(r[i].envelope_to));
        add_dkim(&r[i], hostile[(i + 3) % NELEM(hostile)], hostile[i], TK_DMARC_XML_AUTH_PASS);
        add_dkim(&r[i], hostile[(i + 4) % NELEM(hostile)], hostile[i], TK_DMARC_XML_AUTH_PASS);
        r[i].nreasons = 1;
        tk_strlcpy(r[i].reasons[0].type, "local_policy", sizeof(r[i].reasons[0].type));
        tk_strlcpy(r[i].reasons[0].comment, hostile[i], sizeof(r[i].reasons[0].comment));
    }
    keep(f, &m, r, NELEM(hostile), false);
    testutil_store_text(f, "SELECT org_name FROM dmarc_reports", v, sizeof(v));
    assert_string_equal(v, hostile[2]);
    testutil_store_text(f, "SELECT report_id FROM dmarc_reports", v, sizeof(v));
    assert_string_equal(v, hostile[0]);
    testutil_store_text(f, "SELECT email FROM dmarc_reports", v, sizeof(v));
    assert_string_equal(v, hostile[1]);
    for (size_t i = 0; i < NELEM(hostile); i++) {
        snprintf(sql, sizeof(sql), "SELECT envelope_from FROM dmarc_records WHERE n = %zu", i + 1);
        testutil_store_text(f, sql, v, sizeof(v));
        assert_string_equal(v, hostile[i]);
        snprintf(sql, sizeof(sql), "SELECT header_from FROM dmarc_records WHERE n = %zu", i + 1);
        testutil_store_text(f, sql, v, sizeof(v));
        assert_string_equal(v, hostile[(i + 1) % NELEM(hostile)]);
        snprintf(sql, sizeof(sql), "SELECT envelope_to FROM dmarc_records WHERE n = %zu", i + 1);
        testutil_store_text(f, sql, v, sizeof(v));
        assert_string_equal(v, hostile[(i + 2) % NELEM(hostile)]);
        snprintf(sql, sizeof(sql), "SELECT domain FROM dmarc_auth WHERE record = %zu", i + 1);
        testutil_store_text(f, sql, v, sizeof(v));
        assert_string_equal(v, hostile[(i + 4) % NELEM(hostile)]);
        snprintf(sql, sizeof(sql), "SELECT selector FROM dmarc_auth WHERE record = %zu", i + 1);
        testutil_store_text(f, sql, v, sizeof(v));
        assert_string_equal(v, hostile[i]);
    }
    /* Reasons as JSON: quotes, backslashes and control bytes escaped. */
    testutil_store_text(f, "SELECT reasons FROM dmarc_records WHERE n = 2", v, sizeof(v));
    assert_string_equal(v, "[{\"type\":\"local_policy\",\"comment\":"
                           "\"a\\\\b\\\\\\\\c\\\\\\\"\\u0009\\u000d\\u000a\"}]");
    /* Text that is not UTF-8 is refused before anything is written. */
    m = mkmeta("bad \xc3", "X", DAY28, "example.govt.nz");
    assert_int_equal(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err), TK_INVALID);
    mkrec(&r[0], "192.0.2.1", 1, "pp", "");
    add_dkim(&r[0], "example.govt.nz", "\xed\xa0\x80", TK_DMARC_XML_AUTH_PASS);
    m = mkmeta("ok", "X", DAY28, "example.govt.nz");
    OK(tk_store_dmarc_begin(f->s, &m, "test", &dup, &err));
    assert_int_equal(tk_store_dmarc_record(f->s, &r[0], &err), TK_INVALID);
    assert_int_equal(counts(f).dmarc_reports, 1);
    /* An origin is made printable, never refused for its bytes. */
    OK(tk_store_dmarc_begin(f->s, &m, "/mail/\x01\xff.eml", &dup, &err));
    OK(tk_store_dmarc_commit(f->s, 0, 0, &err));
    testutil_store_text(f, "SELECT origin FROM dmarc_reports WHERE report_id = 'X'", v, sizeof(v));
    assert_string_equal(v, "/mail/??.eml");
}

static void test_dmarc_misuse(void **state)
{
    struct testutil_store *f = *state;
    struct tk_dmarc_xml_meta m = mkmeta("google.com", "M1", DAY28, "example.govt.nz");
    static struct tk_dmarc_xml_record r;
    struct tk_tlsrpt_report t;
    char name[TK_DOMAIN_MAX + 2];
    bool dup;

    mkrec(&r, "192.0.2.1", 1, "pp", "");
    assert_int_equal(tk_store_dmarc_record(f->s, &r, &err), TK_USAGE);
    assert_int_equal(tk_store_dmarc_commit(f->s, 0, 0, &err), TK_USAGE);
    OK(tk_store_dmarc_begin(f->s, &m, NULL, &dup, &err));
    assert_int_equal(tk_store_dmarc_begin(f->s, &m, NULL, &dup, &err), TK_USAGE);
    memset(&t, 0, sizeof(t));
    t.organization_name = "o";
    t.report_id = "r";
    assert_int_equal(tk_store_tlsrpt_put(f->s, &t, NULL, &dup, &err), TK_USAGE);
    /* A record without an address, or a count past its bound. */
    r.family = 0;
    assert_int_equal(tk_store_dmarc_record(f->s, &r, &err), TK_USAGE);
    /* ... closed the report: */
    assert_int_equal(tk_store_dmarc_commit(f->s, 0, 0, &err), TK_USAGE);
    OK(tk_store_dmarc_begin(f->s, &m, NULL, &dup, &err));
    mkrec(&r, "192.0.2.1", TK_DMARC_XML_COUNT_MAX + 1, "pp", "");
    assert_int_equal(tk_store_dmarc_record(f->s, &r, &err), TK_USAGE);
    /* Counts add up to at most 2^53 messages a report. */
    OK(tk_store_dmarc_begin(f->s, &m, NULL, &dup, &err));
    mkrec(&r, "192.0.2.1", TK_DMARC_XML_COUNT_MAX, "pp", "");
    OK(tk_store_dmarc_record(f->s, &r, &err));
    mkrec(&r, "192.0.2.1", 1, "pp", "");
    assert_int_equal(tk_store_dmarc_record(f->s, &r, &err), TK_INVALID);
    assert_int_equal(counts(f).dmarc_reports, 0);
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    assert_int_equal(tk_store_dmarc_days(f->s, name, 0, day_each, NULL, &err), TK_USAGE);
    assert_int_equal(tk_store_dmarc_sources(f->s, name, 0, source_each, NULL, &err), TK_USAGE);
}

/* ============================================================ TLS-RPT */

struct tls_fixture {
    struct tk_tlsrpt_failure f1[2], f2[1], f3[2], f4[1];
    struct tk_tlsrpt_policy p1[2], p2[1], p3[1];
    char *mx[2];
    char *strings[2];
    struct tk_tlsrpt_report t1, t2, t3;
};

static struct tk_tlsrpt_failure mkfail(const char *type, const char *mx, uint64_t n)
{
    struct tk_tlsrpt_failure f;

    memset(&f, 0, sizeof(f));
    f.result = tk_tlsrpt_result_from(type);
    f.result_type = (char *)type;
    f.receiving_mx_hostname = (char *)mx;
    f.sending_mta_ip = "209.85.220.41";
    f.failed_session_count = n;
    return f;
}

static struct tk_tlsrpt_policy mkpolicy(const char *type, const char *domain,
                                        struct tk_tlsrpt_failure *f, size_t n)
{
    struct tk_tlsrpt_policy p;

    memset(&p, 0, sizeof(p));
    p.type = tk_tlsrpt_policy_type_from(type);
    p.policy_type = (char *)type;
    p.policy_domain = (char *)domain;
    p.total_successful_session_count = 100;
    p.has_summary = true;
    p.failures = f;
    p.nfailures = n;
    for (size_t i = 0; i < n; i++)
        p.total_failure_session_count += f[i].failed_session_count;
    return p;
}

static struct tk_tlsrpt_report mktls(const char *org, const char *id, int64_t start,
                                     struct tk_tlsrpt_policy *p, size_t n)
{
    struct tk_tlsrpt_report r;

    memset(&r, 0, sizeof(r));
    r.organization_name = (char *)org;
    r.report_id = (char *)id;
    r.contact_info = "smtp-tls-reporting@google.com";
    r.start = start;
    r.end = start + 86399;
    r.policies = p;
    r.npolicies = n;
    return r;
}

/* Google's report of the 28th: example.govt.nz (its policy domain in
 * mixed case) with an expired certificate on mx1 and no STARTTLS on
 * mx2, other.govt.nz with a validation failure; Microsoft's of the
 * 28th, two entries of one kind on mx1; Google's of the 29th. */
static void tls_set(struct tls_fixture *x)
{
    x->f1[0] = mkfail("certificate-expired", "mx1.example.govt.nz", 5);
    x->f1[1] = mkfail("starttls-not-supported", "mx2.example.govt.nz", 2);
    x->f2[0] = mkfail("validation-failure", "mx.other.govt.nz", 1);
    x->f3[0] = mkfail("certificate-expired", "mx1.example.govt.nz", 3);
    x->f3[1] = mkfail("certificate-expired", "mx1.example.govt.nz", 4);
    x->f3[1].sending_mta_ip = "2603:10a6::1";
    x->f4[0] = mkfail("certificate-expired", "mx1.example.govt.nz", 1);
    x->f4[0].receiving_mx_hostname = NULL;
    x->f4[0].receiving_ip = "192.0.2.25";
    x->p1[0] = mkpolicy("sts", "Example.GOVT.nz", x->f1, 2);
    x->mx[0] = "mx1.example.govt.nz";
    x->mx[1] = "mx2.example.govt.nz";
    x->p1[0].mx_host = x->mx;
    x->p1[0].nmx_host = 2;
    x->strings[0] = "version: STSv1";
    x->strings[1] = "mode: enforce";
    x->p1[0].policy_string = x->strings;
    x->p1[0].npolicy_string = 2;
    x->p1[1] = mkpolicy("no-policy-found", "other.govt.nz", x->f2, 1);
    x->p2[0] = mkpolicy("sts", "example.govt.nz", x->f3, 2);
    x->p3[0] = mkpolicy("sts", "example.govt.nz", x->f4, 1);
    x->t1 = mktls("Google Inc.", "2026-11-28T00:00:00Z_example.govt.nz", DAY28, x->p1, 2);
    x->t2 = mktls("Microsoft Corporation", "133", DAY28 + 21600, x->p2, 1);
    x->t3 = mktls("Google Inc.", "2026-11-29T00:00:00Z_example.govt.nz", DAY29, x->p3, 1);
}

static void test_tlsrpt_kept(void **state)
{
    struct testutil_store *f = *state;
    static struct tls_fixture x;
    bool dup = true;
    char v[512];

    tls_set(&x);
    OK(tk_store_tlsrpt_put(f->s, &x.t1, "/mail/1.eml", &dup, &err));
    assert_false(dup);
    assert_int_equal(counts(f).tlsrpt_reports, 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM tlsrpt_policies"), 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM tlsrpt_failures"), 3);
    testutil_store_text(
        f,
        "SELECT policy_domain || '|' || policy_type || '|' || mx_host || '|' || policy_string"
        " || '|' || successful || '|' || failed FROM tlsrpt_policies WHERE n = 1",
        v, sizeof(v));
    assert_string_equal(v, "example.govt.nz|sts|mx1.example.govt.nz mx2.example.govt.nz|"
                           "version: STSv1\nmode: enforce|100|7");
    testutil_store_text(
        f,
        "SELECT org_name || '|' || report_id || '|' || policies || '|' || failures || '|' ||"
        " origin FROM tlsrpt_reports",
        v, sizeof(v));
    assert_string_equal(v, "Google Inc.|2026-11-28T00:00:00Z_example.govt.nz|2|3|/mail/1.eml");
    /* The same organisation and report id again: a duplicate, even
     * with other content; nothing changes. */
    x.t1.start += 3600;
    x.p1[0].nfailures = 1;
    OK(tk_store_tlsrpt_put(f->s, &x.t1, "/mail/2.eml", &dup, &err));
    assert_true(dup);
    assert_int_equal(counts(f).tlsrpt_reports, 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM tlsrpt_failures"), 3);
    /* The same report id from another organisation is another report. */
    x.t1.organization_name = "Other Org";
    OK(tk_store_tlsrpt_put(f->s, &x.t1, "/mail/3.eml", &dup, &err));
    assert_false(dup);
    assert_int_equal(counts(f).tlsrpt_reports, 2);
    /* Refused before anything is written: text that is not UTF-8. */
    x.t2.contact_info = "bad \x80";
    assert_int_equal(tk_store_tlsrpt_put(f->s, &x.t2, NULL, &dup, &err), TK_INVALID);
    x.t2.contact_info = NULL;
    x.f3[0].result_type = NULL;
    assert_int_equal(tk_store_tlsrpt_put(f->s, &x.t2, NULL, &dup, &err), TK_INVALID);
    assert_int_equal(counts(f).tlsrpt_reports, 2);
}

static void test_tlsrpt_failures(void **state)
{
    struct testutil_store *f = *state;
    static struct tls_fixture x;
    struct rows rw = {0};
    bool dup;
    /* By policy domain, organisation, result type, MX, day: Microsoft's
     * two entries on mx1 add up to 7; Google's of the 29th names no MX
     * (its receiving IP only). */
    static const char *const all[] = {
        "example.govt.nz|Google Inc.|certificate-expired||2026-11-29|1",
        "example.govt.nz|Google Inc.|certificate-expired|mx1.example.govt.nz|2026-11-28|5",
        "example.govt.nz|Google Inc.|starttls-not-supported|mx2.example.govt.nz|2026-11-28|2",
        ("example.govt.nz|Microsoft Corporation|certificate-expired|mx1.example.govt.nz|"
         "2026-11-28|7"),
        "other.govt.nz|Google Inc.|validation-failure|mx.other.govt.nz|2026-11-28|1",
    };

    tls_set(&x);
    OK(tk_store_tlsrpt_failures(f->s, NULL, 0, failure_each, &rw, &err));
    assert_int_equal(rw.n, 0);
    OK(tk_store_tlsrpt_put(f->s, &x.t1, NULL, &dup, &err));
    OK(tk_store_tlsrpt_put(f->s, &x.t2, NULL, &dup, &err));
    OK(tk_store_tlsrpt_put(f->s, &x.t3, NULL, &dup, &err));
    OK(tk_store_tlsrpt_failures(f->s, NULL, 0, failure_each, &rw, &err));
    rows_equal(&rw, all, 5);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_tlsrpt_failures(f->s, "OTHER.govt.nz", 0, failure_each, &rw, &err));
    rows_equal(&rw, all + 4, 1);
    memset(&rw, 0, sizeof(rw));
    OK(tk_store_tlsrpt_failures(f->s, "example.govt.nz", DAY29, failure_each, &rw, &err));
    rows_equal(&rw, all, 1);
    /* TLS-RPT reports are counted apart from DMARC's. */
    assert_int_equal(counts(f).tlsrpt_reports, 3);
    assert_int_equal(counts(f).dmarc_reports, 0);
}

static void test_pg_skipped(void **state)
{
    fprintf(stderr, "PostgreSQL: skipped (TIAKI_TEST_PG names no database; "
                    "tests/integration/test_store_pg.sh runs these against the world's)\n");
    skip();
}

#define BACKEND_TESTS(setup)                                                                       \
    cmocka_unit_test_setup_teardown(test_dmarc_kept, setup, teardown),                             \
        cmocka_unit_test_setup_teardown(test_dmarc_duplicate, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_dmarc_rollback, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_dmarc_large, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_dmarc_days, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(test_dmarc_sources, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_dmarc_source_lists_bounded, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_dkim_selectors, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_dkim_selectors_many, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_dkim_selectors_migrated, setup, teardown),            \
        cmocka_unit_test_setup_teardown(test_dmarc_hostile_text, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_dmarc_misuse, setup, teardown),                       \
        cmocka_unit_test_setup_teardown(test_tlsrpt_kept, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_tlsrpt_failures, setup, teardown)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {BACKEND_TESTS(setup_sqlite)};
    const struct CMUnitTest pg_tests[] = {BACKEND_TESTS(setup_pg)};
    const struct CMUnitTest pg_skipped[] = {cmocka_unit_test(test_pg_skipped)};
    int failed = 0;

    failed += cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);
    if (!testutil_store_pg_init(PG_SCHEMA))
        return failed + cmocka_run_group_tests_name("postgresql", pg_skipped, NULL, NULL);
    return failed + cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
}
