/*
 * NAME
 *	test_store.c - unit tests of the store, on SQLite and on PostgreSQL
 * DESCRIPTION
 *	Every test of a back end runs twice over the same functions: on a
 *	SQLite file in a temporary directory, and, when TIAKI_TEST_PG names
 *	a database (tests/integration/test_store_pg.sh sets it to the
 *	world's), on PostgreSQL in a schema of its own (tiaki_test_store,
 *	dropped and made again before each test, so nothing else using the
 *	database is touched). Without TIAKI_TEST_PG the PostgreSQL group is
 *	skipped.
 *
 *	Covered: opening and migrations (twice, at once from two threads, a
 *	schema newer than this tiaki), the inventory (idempotent put,
 *	agencies, soft removal and re-adding), scans (begin, resume, close as
 *	partial, an empty inventory, finish), the queue (claims, two
 *	workers, four at once on connections of their own, lease expiry,
 *	release, a removed domain), snapshots (every
 *	part kept, a second put of the same domain ignored, a failure in the
 *	middle keeping nothing, batches), rule states and "seen", events and
 *	their filters, alerts (one per regression and target, due times,
 *	retries, giving up), the newest findings across scans in the rule
 *	table's order, report summaries, hostile text (quotes, backslashes,
 *	array and SQL syntax, UTF-8) kept byte for byte, and text that is
 *	not UTF-8 refused. Back-end-free: URLs, redaction, the default
 *	location, event kind names.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "testutil.h"

#include "core/text.h"
#include "store/store.h"

#define PG_SCHEMA "tiaki_test_store"
/* Migrations of the store: 1 the monitoring, 2 the reports, 3 the DKIM
 * selectors seen in them. */
#define SCHEMA_VERSION 6

/* ---- fixtures ---- */

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

/* ---- building snapshots ---- */

static struct tk_error err;

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum tk_status st_ = (call);                                                               \
        if (st_ != TK_OK)                                                                          \
            fail_msg("%s: %s (%s)", #call, tk_status_name(st_), err.msg);                          \
    } while (0)

static struct tk_store_domain mkdom(const char *name, const char *agency)
{
    struct tk_store_domain d;

    memset(&d, 0, sizeof(d));
    tk_strlcpy(d.domain, name, sizeof(d.domain));
    tk_strlcpy(d.agency, agency, sizeof(d.agency));
    snprintf(d.contact, sizeof(d.contact), "postmaster@%s", name);
    d.profile = TK_PROFILE_EMAIL;
    return d;
}

static void add(struct testutil_store *f, const char *name, const char *agency)
{
    struct tk_store_domain d = mkdom(name, agency);
    bool created;

    OK(tk_store_domain_put(f->s, &d, &created, &err));
}

struct found {
    const char *name;
    struct tk_store_domain d;
    bool found;
};

static bool find_each(void *arg, const struct tk_store_domain *d)
{
    struct found *fd = arg;

    if (strcmp(d->domain, fd->name) != 0)
        return true;
    fd->d = *d;
    fd->found = true;
    return false;
}

static struct tk_store_domain dom(struct testutil_store *f, const char *name)
{
    struct found fd = {.name = name};

    OK(tk_store_domains(f->s, NULL, find_each, &fd, &err));
    if (!fd.found)
        fail_msg("%s is not in the inventory", name);
    return fd.d;
}

struct snapbuf {
    struct tk_store_domain d;
    struct tk_judgement j;
    struct tk_rule_state states[TK_RULE_STATES_MAX];
    struct tk_event events[TK_EVENTS_MAX];
    struct tk_snapshot snap;
    char json[512];
};

static void sb_init(struct snapbuf *b, const struct tk_store_domain *d, int64_t at)
{
    memset(b, 0, sizeof(*b));
    b->d = *d;
    snprintf(b->json, sizeof(b->json), "{\"domain\":\"%s\",\"at\":%lld}", d->domain, (long long)at);
    b->snap.domain = &b->d;
    b->snap.scanned_at = at;
    b->snap.profile = TK_PROFILE_EMAIL;
    b->snap.compliant = true;
    b->snap.observation_json = b->json;
    b->snap.observation_len = strlen(b->json);
    b->snap.judgement = &b->j;
    b->snap.states = b->states;
    b->snap.events = b->events;
}

static void sb_finding(struct snapbuf *b, const char *rule, enum tk_verdict v, const char *ev)
{
    struct tk_finding *fi = &b->j.findings[b->j.n++];

    fi->rule = tk_rule_find(rule);
    assert_non_null(fi->rule);
    fi->status = v;
    tk_strlcpy(fi->evidence, ev, sizeof(fi->evidence));
    snprintf(fi->remediation, sizeof(fi->remediation), "fix %s", rule);
    if (v != TK_VERDICT_PASS)
        b->snap.compliant = false;
}

static void sb_state(struct snapbuf *b, const char *rule, enum tk_verdict v, const char *ev,
                     int64_t scan)
{
    struct tk_rule_state *r = &b->states[b->snap.nstates++];

    tk_strlcpy(r->rule, rule, sizeof(r->rule));
    r->status = v;
    tk_strlcpy(r->evidence, ev, sizeof(r->evidence));
    r->scan_id = scan;
}

static void sb_event(struct snapbuf *b, enum tk_event_kind k, const char *rule,
                     enum tk_verdict from, enum tk_verdict to, const char *before,
                     const char *after)
{
    struct tk_event *e = &b->events[b->snap.nevents++];

    e->kind = k;
    tk_strlcpy(e->rule, rule, sizeof(e->rule));
    e->from = from;
    e->to = to;
    tk_strlcpy(e->before, before, sizeof(e->before));
    tk_strlcpy(e->after, after, sizeof(e->after));
    snprintf(e->remediation, sizeof(e->remediation), "undo it");
}

/* put_simple keeps a plain snapshot of d in scan (two findings, their
 * states, no events). */
static void put_simple(struct testutil_store *f, int64_t scan, const struct tk_store_domain *d,
                       int64_t at)
{
    struct snapbuf b;

    sb_init(&b, d, at);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"");
    sb_finding(&b, "DMARC-REJECT", TK_VERDICT_PASS, "\"v=DMARC1; p=reject\"");
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"", scan);
    sb_state(&b, "DMARC-REJECT", TK_VERDICT_PASS, "\"v=DMARC1; p=reject\"", scan);
    OK(tk_store_snapshot_put(f->s, scan, &b.snap, NULL, 0, &err));
}

/* A scan whose queue has a domain to a batch, as the claims of most
 * tests count domains; test_queue_batches has bigger ones. */
static struct tk_scan_info begin(struct testutil_store *f, bool resume)
{
    struct tk_scan_info info;

    OK(tk_store_scan_begin(f->s, resume, 1, &info, &err));
    return info;
}

/* ---- walkers ---- */

struct rows {
    size_t n;
    char line[64][1024];
};

static void finding_each(void *arg, const struct tk_finding_row *r)
{
    struct rows *rw = arg;

    if (rw->n < 64)
        snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%s|%s|%s|%s|%s|%s|%s|%d|%lld", r->agency,
                 r->domain, r->rule, r->level, tk_verdict_name(r->status), r->evidence, r->contact,
                 r->compliant, (long long)r->scan_id);
}

static void event_each(void *arg, const struct tk_event_row *r)
{
    struct rows *rw = arg;

    if (rw->n < 64)
        snprintf(rw->line[rw->n++], sizeof(rw->line[0]), "%lld|%s|%s|%s|%s|%s>%s|%s|%s|%s",
                 (long long)r->at, r->agency, r->domain, tk_event_kind_name(r->event->kind),
                 r->event->rule, tk_verdict_name(r->event->from), tk_verdict_name(r->event->to),
                 r->event->before, r->event->after, r->event->remediation);
}

struct alert_rows {
    size_t n;
    struct tk_alert_row a[16];
    char domain[16][64];
};

static void alert_each(void *arg, const struct tk_alert_row *a)
{
    struct alert_rows *ar = arg;

    if (ar->n < 16) {
        ar->a[ar->n] = *a;
        tk_strlcpy(ar->domain[ar->n], a->event.domain, sizeof(ar->domain[0]));
        ar->n++;
    }
}

/* ============================================================ back ends */

static void test_open_migrations(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store *again;

    assert_int_equal(tk_store_schema_version(f->s), SCHEMA_VERSION);
    assert_string_equal(tk_store_backend(f->s), f->pg ? "postgresql" : "sqlite");
    /* Opening again applies nothing and finds the same version. */
    OK(tk_store_open(f->url, &again, &err));
    assert_int_equal(tk_store_schema_version(again), SCHEMA_VERSION);
    tk_store_close(again);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM schema_migrations"),
                     SCHEMA_VERSION);
    /* A schema from a newer tiaki is refused, and says so. */
    testutil_store_exec(f, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)");
    assert_int_equal(tk_store_open(f->url, &again, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "schema version 99"));
    assert_non_null(strstr(err.msg, "newer tiaki"));
}

struct opener {
    const char *url;
    enum tk_status st;
    int version;
};

static void *open_thread(void *arg)
{
    struct opener *o = arg;
    struct tk_store *s;
    struct tk_error e;

    o->st = tk_store_open(o->url, &s, &e);
    if (o->st == TK_OK) {
        o->version = tk_store_schema_version(s);
        tk_store_close(s);
    }
    return NULL;
}

static void test_open_concurrent(void **state)
{
    struct testutil_store *f = *state;
    char url[TK_STORE_URL_MAX];
    struct opener o[4];
    pthread_t t[4];

    /* A database nobody has migrated yet, opened by four at once. */
    if (f->pg) {
        testutil_store_exec(
            f, "DROP VIEW IF EXISTS dmarc_results; DROP TABLE IF EXISTS dmarc_selectors;"
               " DROP TABLE IF EXISTS tlsrpt_failures, tlsrpt_policies, tlsrpt_reports,"
               " dmarc_auth, dmarc_records, dmarc_reports, reports, alerts, events,"
               " rule_states, findings, snapshots, scan_batches, scans, domains, agencies,"
               " schema_migrations CASCADE");
        snprintf(url, sizeof(url), "%s", f->url);
    } else {
        snprintf(url, sizeof(url), "sqlite:%s/fresh.db", f->dir);
    }
    for (int i = 0; i < 4; i++) {
        o[i] = (struct opener){.url = url};
        assert_int_equal(pthread_create(&t[i], NULL, open_thread, &o[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(o[i].st, TK_OK);
        assert_int_equal(o[i].version, SCHEMA_VERSION);
    }
}

static bool count_each(void *arg, const struct tk_store_domain *d)
{
    (*(int *)arg)++;
    return true;
}

static bool first_only(void *arg, const struct tk_store_domain *d)
{
    (*(int *)arg)++;
    return false;
}

static void test_domain_put(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain d = mkdom("a.govt.nz", "Te Tari Taiwhenua"), got;
    bool created = false;
    int n = 0;

    OK(tk_store_domain_put(f->s, &d, &created, &err));
    assert_true(created);
    /* The same again: nothing new, nothing changed. */
    OK(tk_store_domain_put(f->s, &d, &created, &err));
    assert_false(created);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM domains"), 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM agencies"), 1);
    got = dom(f, "a.govt.nz");
    assert_true(got.id > 0);
    assert_string_equal(got.agency, "Te Tari Taiwhenua");
    assert_string_equal(got.contact, "postmaster@a.govt.nz");
    assert_int_equal(got.profile, TK_PROFILE_EMAIL);
    assert_false(got.bulk);
    /* An update: a new agency is made, the fields change, the id stays. */
    tk_strlcpy(d.agency, "Other Agency", sizeof(d.agency));
    tk_strlcpy(d.selectors, "s1 s2", sizeof(d.selectors));
    d.profile = TK_PROFILE_PARKED;
    d.bulk = true;
    OK(tk_store_domain_put(f->s, &d, &created, &err));
    assert_false(created);
    d = dom(f, "a.govt.nz");
    assert_int_equal(d.id, got.id);
    assert_string_equal(d.agency, "Other Agency");
    assert_string_equal(d.selectors, "s1 s2");
    assert_int_equal(d.profile, TK_PROFILE_PARKED);
    assert_true(d.bulk);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM agencies"), 2);
    /* No agency, and no profile (inferred later). */
    d = mkdom("b.govt.nz", "");
    d.profile = TK_PROFILE_UNSET;
    OK(tk_store_domain_put(f->s, &d, &created, &err));
    assert_true(created);
    got = dom(f, "b.govt.nz");
    assert_string_equal(got.agency, "");
    assert_int_equal(got.profile, TK_PROFILE_UNSET);
    /* By agency, and a walk that stops. */
    OK(tk_store_domains(f->s, "Other Agency", count_each, &n, &err));
    assert_int_equal(n, 1);
    n = 0;
    OK(tk_store_domains(f->s, "Nobody", count_each, &n, &err));
    assert_int_equal(n, 0);
    OK(tk_store_domains(f->s, NULL, first_only, &n, &err));
    assert_int_equal(n, 1);
    /* Not a domain. */
    memset(&d, 0, sizeof(d));
    assert_int_equal(tk_store_domain_put(f->s, &d, &created, &err), TK_USAGE);
}

static void test_domain_remove_readd(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain d;
    struct tk_scan_info info;
    bool created;
    int n = 0;

    add(f, "keep.govt.nz", "A");
    add(f, "gone.govt.nz", "A");
    info = begin(f, false);
    d = dom(f, "gone.govt.nz");
    put_simple(f, info.id, &d, 1000);
    OK(tk_store_scan_finish(f->s, info.id, true, &info, &err));
    OK(tk_store_domain_remove(f->s, "gone.govt.nz", &err));
    assert_int_equal(tk_store_domain_remove(f->s, "gone.govt.nz", &err), TK_ABSENT);
    assert_non_null(strstr(err.msg, "gone.govt.nz"));
    assert_int_equal(tk_store_domain_remove(f->s, "never.govt.nz", &err), TK_ABSENT);
    OK(tk_store_domains(f->s, NULL, count_each, &n, &err));
    assert_int_equal(n, 1);
    /* Its history stays; a new scan does not queue it. */
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 1);
    info = begin(f, false);
    assert_int_equal(info.total, 1);
    OK(tk_store_scan_finish(f->s, info.id, true, &info, &err));
    /* Added again: the same row, back in the inventory and the queue. */
    d = mkdom("gone.govt.nz", "A");
    OK(tk_store_domain_put(f->s, &d, &created, &err));
    assert_true(created);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM domains"), 2);
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM domains WHERE removed_at IS NOT NULL"), 0);
    info = begin(f, false);
    assert_int_equal(info.total, 2);
}

static void test_scan_empty_inventory(void **state)
{
    struct testutil_store *f = *state;
    struct tk_scan_info info = begin(f, true), fin;
    struct tk_store_domain out[4];
    size_t n = 99;

    assert_true(info.id > 0);
    assert_int_equal(info.state, TK_SCAN_RUNNING);
    assert_int_equal(info.total, 0);
    assert_int_equal(info.done, 0);
    assert_true(info.started > 0);
    assert_int_equal(info.finished, 0);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 60, out, 4, &n, &err));
    assert_int_equal(n, 0);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_true(fin.finished >= fin.started);
    assert_int_equal(tk_store_scan_join(f->s, &fin, &err), TK_ABSENT);
}

static void test_scan_resume_partial(void **state)
{
    struct testutil_store *f = *state;
    struct tk_scan_info a, b, c, old;
    struct tk_store_domain out[4];
    size_t n;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    add(f, "three.govt.nz", "B");
    assert_int_equal(tk_store_scan_join(f->s, &a, &err), TK_ABSENT);
    a = begin(f, true);
    assert_int_equal(a.total, 3);
    OK(tk_store_scan_join(f->s, &b, &err));
    assert_int_equal(b.id, a.id);
    OK(tk_store_queue_claim(f->s, a.id, "w1", 60, out, 1, &n, &err));
    assert_int_equal(n, 1);
    put_simple(f, a.id, &out[0], 1000);
    /* Resumed: the same scan, as far as it got. */
    b = begin(f, true);
    assert_int_equal(b.id, a.id);
    assert_int_equal(b.state, TK_SCAN_RUNNING);
    assert_int_equal(b.total, 3);
    assert_int_equal(b.done, 1);
    /* Not resumed: closed as partial, a new one queues everything. */
    c = begin(f, false);
    assert_true(c.id != a.id);
    assert_int_equal(c.total, 3);
    assert_int_equal(c.done, 0);
    OK(tk_store_scan_finish(f->s, a.id, false, &old, &err));
    assert_int_equal(old.state, TK_SCAN_PARTIAL);
    assert_int_equal(old.done, 1);
    assert_true(old.finished > 0);
    /* The partial scan's queue is gone: nothing to claim there. */
    OK(tk_store_queue_claim(f->s, a.id, "w1", 0, out, 4, &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scans WHERE state = 'running'"),
                     1);
}

static void test_scan_finish(void **state)
{
    struct testutil_store *f = *state;
    struct tk_scan_info info, fin;
    struct tk_store_domain out[4];
    size_t n;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 60, out, 4, &n, &err));
    assert_int_equal(n, 2);
    put_simple(f, info.id, &out[0], 1000);
    /* Others are working: left running. */
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_RUNNING);
    assert_int_equal(fin.done, 1);
    put_simple(f, info.id, &out[1], 1000);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 2);
    assert_int_equal(fin.total, 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_batches"), 0);
    /* Finishing again changes nothing; an unknown scan is absent. */
    OK(tk_store_scan_finish(f->s, info.id, true, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(tk_store_scan_finish(f->s, 9999, true, &fin, &err), TK_ABSENT);
    /* Closed before the end: partial. */
    info = begin(f, false);
    OK(tk_store_scan_finish(f->s, info.id, true, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_PARTIAL);
    assert_int_equal(fin.done, 0);
}

static void test_queue_claims(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain a[8], b[8];
    struct tk_store *other;
    struct tk_scan_info info;
    size_t na, nb, total = 0;
    char seen[8][64];

    for (int i = 0; i < 7; i++) {
        char name[32];

        snprintf(name, sizeof(name), "d%d.govt.nz", i);
        add(f, name, i % 2 ? "Odd" : "Even");
    }
    info = begin(f, false);
    OK(tk_store_open(f->url, &other, &err));
    /* Two workers, two connections: never the same domain. */
    for (;;) {
        OK(tk_store_queue_claim(f->s, info.id, "w1", 600, a, 2, &na, &err));
        OK(tk_store_queue_claim(other, info.id, "w2", 600, b, 3, &nb, &err));
        assert_true(na <= 2 && nb <= 3);
        for (size_t i = 0; i < na + nb; i++) {
            const struct tk_store_domain *d = i < na ? &a[i] : &b[i - na];

            assert_true(total < 7);
            for (size_t k = 0; k < total; k++)
                assert_string_not_equal(seen[k], d->domain);
            tk_strlcpy(seen[total++], d->domain, sizeof(seen[0]));
            assert_string_equal(d->agency, d->domain[1] % 2 ? "Odd" : "Even");
            assert_int_equal(d->profile, TK_PROFILE_EMAIL);
        }
        if (na + nb == 0)
            break;
    }
    assert_int_equal(total, 7);
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM scan_batches WHERE worker = 'w2'"), 3);
    /* Bad worker names. */
    assert_int_equal(tk_store_queue_claim(f->s, info.id, "", 60, a, 2, &na, &err), TK_USAGE);
    tk_store_close(other);
}

struct worker {
    const char *url;
    int64_t scan_id;
    char name[16];
    size_t claimed;
    enum tk_status st;
    char msg[TK_ERROR_MSG_MAX];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct tk_store_domain out[5];
    struct tk_snapshot_put puts[5];
    static __thread struct snapbuf b[5];
    struct tk_store *s;
    struct tk_error e;
    size_t n;

    if ((w->st = tk_store_open(w->url, &s, &e)) != TK_OK)
        goto fail;
    for (;;) {
        if ((w->st = tk_store_queue_claim(s, w->scan_id, w->name, 600, out, 5, &n, &e)) != TK_OK)
            break;
        if (n == 0)
            break;
        w->claimed += n;
        for (size_t i = 0; i < n; i++) {
            sb_init(&b[i], &out[i], 1000);
            sb_finding(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, w->name);
            sb_state(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, w->name, w->scan_id);
            puts[i] = (struct tk_snapshot_put){.snap = &b[i].snap};
        }
        if ((w->st = tk_store_snapshot_put_batch(s, w->scan_id, puts, n, NULL, 0, &e)) != TK_OK)
            break;
    }
    tk_store_close(s);
fail:
    if (w->st != TK_OK)
        tk_strlcpy(w->msg, e.msg, sizeof(w->msg));
    return NULL;
}

static void test_workers_concurrent(void **state)
{
    struct testutil_store *f = *state;
    struct worker w[4];
    pthread_t t[4];
    struct tk_scan_info info, fin;
    size_t total = 0;

    for (int i = 0; i < 120; i++) {
        char name[32];

        snprintf(name, sizeof(name), "w%03d.govt.nz", i);
        add(f, name, "Workers");
    }
    info = begin(f, false);
    /* Four workers, each its own connection, at once. */
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.url = f->url, .scan_id = info.id};
        snprintf(w[i].name, sizeof(w[i].name), "worker%d", i);
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (w[i].st != TK_OK)
            fail_msg("%s: %s (%s)", w[i].name, tk_status_name(w[i].st), w[i].msg);
        total += w[i].claimed;
    }
    /* Every domain claimed once, kept once; the scan is complete. */
    assert_int_equal(total, 120);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 120);
    assert_int_equal(testutil_store_count(f, "SELECT count(DISTINCT domain_id) FROM snapshots"),
                     120);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 120);
}

static void test_queue_lease_release(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain out[8];
    struct tk_scan_info info;
    size_t n;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    add(f, "three.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "dies", 600, out, 2, &n, &err));
    assert_int_equal(n, 2);
    OK(tk_store_queue_claim(f->s, info.id, "lives", 600, out, 8, &n, &err));
    assert_int_equal(n, 1);
    put_simple(f, info.id, &out[0], 1000);
    OK(tk_store_queue_claim(f->s, info.id, "lives", 600, out, 8, &n, &err));
    assert_int_equal(n, 0);
    /* The dead worker's lease runs out: its claims are taken again. */
    testutil_store_exec(
        f, "UPDATE scan_batches SET claimed_at = claimed_at - 601 WHERE worker = 'dies'");
    OK(tk_store_queue_claim(f->s, info.id, "lives", 600, out, 8, &n, &err));
    assert_int_equal(n, 2);
    /* A claim still within its lease is not. */
    testutil_store_exec(
        f, "UPDATE scan_batches SET claimed_at = claimed_at - 500 WHERE worker = 'lives'");
    OK(tk_store_queue_claim(f->s, info.id, "third", 600, out, 8, &n, &err));
    assert_int_equal(n, 0);
    /* Released: another takes them at once. */
    OK(tk_store_queue_release(f->s, info.id, "lives", &err));
    OK(tk_store_queue_claim(f->s, info.id, "third", 600, out, 8, &n, &err));
    assert_int_equal(n, 2);
    /* A finished one is never claimed again, even after its lease. */
    testutil_store_exec(f, "UPDATE scan_batches SET claimed_at = 0");
    OK(tk_store_queue_claim(f->s, info.id, "fourth", 600, out, 8, &n, &err));
    assert_int_equal(n, 2);
}

static bool worker_each(void *arg, const char *worker)
{
    struct rows *rw = arg;

    if (rw->n < 64)
        tk_strlcpy(rw->line[rw->n++], worker, sizeof(rw->line[0]));
    return true;
}

static void test_queue_batches(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain a[8], b[8], c[8];
    struct tk_scan_info info, fin;
    size_t na, nb, nc;

    for (int i = 0; i < 7; i++) {
        char name[32];

        snprintf(name, sizeof(name), "d%d.govt.nz", i);
        add(f, name, "Batches");
    }
    /* Seven domains in batches of three: d0-d2, d3-d5, d6. */
    OK(tk_store_scan_begin(f->s, false, 3, &info, &err));
    assert_int_equal(info.batch, 3);
    assert_int_equal(info.total, 7);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_batches"), 3);
    /* A claim takes whole batches: two domains hold none of them. */
    assert_int_equal(tk_store_queue_claim(f->s, info.id, "w1", 600, a, 2, &na, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "batches of 3"));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_batches WHERE worker IS "
                                             "NOT NULL"),
                     0);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, a, 3, &na, &err));
    assert_int_equal(na, 3);
    assert_string_equal(a[0].domain, "d0.govt.nz");
    assert_string_equal(a[2].domain, "d2.govt.nz");
    /* Each domain says which batch it came in, numbered from 1. */
    for (size_t i = 0; i < na; i++)
        assert_int_equal(a[i].batch, 1);
    OK(tk_store_queue_claim(f->s, info.id, "w2", 600, b, 8, &nb, &err));
    assert_int_equal(nb, 4);
    assert_string_equal(b[0].domain, "d3.govt.nz");
    assert_string_equal(b[3].domain, "d6.govt.nz");
    assert_int_equal(b[0].batch, 2);
    assert_int_equal(b[2].batch, 2);
    assert_int_equal(b[3].batch, 3);
    /* Who holds claims, once each. */
    {
        struct rows rw = {0};

        OK(tk_store_queue_workers(f->s, info.id, worker_each, &rw, &err));
        assert_int_equal(rw.n, 2);
        assert_string_equal(rw.line[0], "w1");
        assert_string_equal(rw.line[1], "w2");
    }
    put_simple(f, info.id, &a[0], 1000);
    put_simple(f, info.id, &b[0], 1000);
    /* Removed while its batch is out: it leaves the batch. */
    OK(tk_store_domain_remove(f->s, "d4.govt.nz", &err));
    /* w2 stops: its batches go back, with only what it did not keep. */
    OK(tk_store_queue_release(f->s, info.id, "w2", &err));
    OK(tk_store_queue_claim(f->s, info.id, "w3", 600, c, 8, &nc, &err));
    assert_int_equal(nc, 2);
    assert_string_equal(c[0].domain, "d5.govt.nz");
    assert_string_equal(c[1].domain, "d6.govt.nz");
    assert_int_equal(c[0].batch, 2);
    assert_int_equal(c[1].batch, 3);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_RUNNING);
    assert_int_equal(fin.total, 6);
    assert_int_equal(fin.done, 2);
    put_simple(f, info.id, &a[1], 1000);
    put_simple(f, info.id, &a[2], 1000);
    put_simple(f, info.id, &c[0], 1000);
    put_simple(f, info.id, &c[1], 1000);
    /* w1 died with every domain of its batch kept: after its lease the
     * batch is found done and closed, and nothing is left to claim. */
    testutil_store_exec(f, "UPDATE scan_batches SET claimed_at = claimed_at - 601"
                           " WHERE worker = 'w1'");
    OK(tk_store_queue_claim(f->s, info.id, "w4", 600, c, 8, &nc, &err));
    assert_int_equal(nc, 0);
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM scan_batches WHERE done_at IS NOT NULL"), 1);
    /* w3 never released its batches; the scan is whole all the same. */
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 6);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 6);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_batches"), 0);
    /* No such scan: nothing to claim. */
    OK(tk_store_queue_claim(f->s, 9999, "w1", 600, c, 8, &nc, &err));
    assert_int_equal(nc, 0);
    assert_int_equal(tk_store_scan_begin(f->s, false, 0, &info, &err), TK_USAGE);
    assert_int_equal(tk_store_scan_begin(f->s, false, TK_STORE_BATCH_MAX + 1, &info, &err),
                     TK_USAGE);
}

/* A worker closes each batch with the snapshots of its last domains:
 * nobody claims it again, and the release at the end has nothing left
 * to look through. */
static void test_queue_close(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain a[4], b[4];
    struct tk_scan_info info, fin;
    int64_t many[TK_STORE_BATCH_MAX + 1] = {0};
    struct snapbuf *sb = calloc(2, sizeof(*sb));
    struct tk_snapshot_put puts[2];
    size_t na, nb;

    assert_non_null(sb);
    add(f, "p.govt.nz", "A");
    add(f, "q.govt.nz", "A");
    add(f, "r.govt.nz", "A");
    add(f, "s.govt.nz", "A");
    OK(tk_store_scan_begin(f->s, false, 2, &info, &err));
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, a, 2, &na, &err));
    assert_int_equal(na, 2);
    for (size_t i = 0; i < 2; i++) {
        sb_init(&sb[i], &a[i], 1000);
        sb_finding(&sb[i], "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"");
        puts[i] = (struct tk_snapshot_put){.snap = &sb[i].snap};
    }
    /* Too many batches to close: refused, and nothing is kept. */
    assert_int_equal(
        tk_store_snapshot_put_batch(f->s, info.id, puts, 2, many, TK_STORE_BATCH_MAX + 1, &err),
        TK_USAGE);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 0);
    OK(tk_store_snapshot_put_batch(f->s, info.id, puts, 2, &a[0].batch, 1, &err));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_batches"
                                             " WHERE done_at IS NOT NULL AND n = 1"),
                     1);
    /* Its lease long past, the closed batch is still nobody's to claim. */
    testutil_store_exec(f, "UPDATE scan_batches SET claimed_at = claimed_at - 601");
    OK(tk_store_queue_claim(f->s, info.id, "w2", 600, b, 4, &nb, &err));
    assert_int_equal(nb, 2);
    assert_string_equal(b[0].domain, "r.govt.nz");
    assert_int_equal(b[0].batch, 2);
    /* A batch its worker kept but did not close: the release finds it
     * done. */
    put_simple(f, info.id, &b[0], 1000);
    put_simple(f, info.id, &b[1], 1000);
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM scan_batches WHERE done_at IS NULL"), 1);
    OK(tk_store_queue_release(f->s, info.id, "w2", &err));
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM scan_batches WHERE done_at IS NULL"), 0);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 4);
    free(sb);
}

static void test_queue_migrated(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain out[8];
    struct tk_scan_info info, fin;
    size_t n;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    add(f, "three.govt.nz", "A");
    OK(tk_store_scan_begin(f->s, false, 2, &info, &err));
    /* A scan interrupted before schema 5: its queue a row per domain. */
    tk_store_close(f->s);
    f->s = NULL;
    testutil_store_unmigrate_5(f);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM scan_queue"), 3);
    assert_int_equal(testutil_store_open(f), 0);
    assert_int_equal(tk_store_schema_version(f->s), SCHEMA_VERSION);
    /* Resumed: each domain a batch of its own. */
    info = begin(f, true);
    assert_int_equal(info.batch, 1);
    assert_int_equal(info.total, 3);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 8, &n, &err));
    assert_int_equal(n, 3);
    assert_string_equal(out[0].domain, "one.govt.nz");
    assert_string_equal(out[2].domain, "two.govt.nz");
    for (size_t i = 0; i < n; i++)
        put_simple(f, info.id, &out[i], 1000);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 3);
}

static void test_remove_during_scan(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain out[8];
    struct tk_scan_info info, fin;
    size_t n;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_domain_remove(f->s, "two.govt.nz", &err));
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 8, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(out[0].domain, "one.govt.nz");
    put_simple(f, info.id, &out[0], 1000);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.total, 1);
}

static void test_snapshot_put(void **state)
{
    struct testutil_store *f = *state;
    struct tk_rule_state rs[TK_RULE_STATES_MAX];
    struct tk_store_domain out[4];
    struct tk_scan_info info, fin;
    struct snapbuf b;
    size_t n;
    bool seen;

    add(f, "one.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 4, &n, &err));
    assert_int_equal(n, 1);
    OK(tk_store_rule_states(f->s, out[0].id, rs, &n, &seen, &err));
    assert_int_equal(n, 0);
    assert_false(seen);
    sb_init(&b, &out[0], 1234);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 ~all\"");
    sb_finding(&b, "DMARC-REJECT", TK_VERDICT_UNKNOWN, "timeout");
    sb_finding(&b, "SPF-PRESENT", TK_VERDICT_PASS, "\"v=spf1 ~all\"");
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 ~all\"", info.id);
    sb_state(&b, "SPF-PRESENT", TK_VERDICT_PASS, "\"v=spf1 ~all\"", info.id);
    sb_event(&b, TK_EVENT_NEW_DOMAIN, "", TK_VERDICT_UNKNOWN, TK_VERDICT_FAIL, "", "");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 3);
    assert_int_equal(
        testutil_store_count(f, "SELECT count(*) FROM findings WHERE status = 'unknown'"), 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM events WHERE rule IS NULL"), 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM alerts"), 0);
    assert_int_equal(testutil_store_count(f, "SELECT scanned_at FROM snapshots"), 1234);
    assert_int_equal(
        testutil_store_count(f, f->pg ? "SELECT count(*) FROM snapshots WHERE NOT compliant"
                                      : "SELECT count(*) FROM snapshots WHERE compliant = 0"),
        1);
    assert_int_equal(testutil_store_count(f, "SELECT length(observation) FROM snapshots"),
                     strlen(b.json));
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.done, 1);
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    /* The states come back in the rule table's order. */
    OK(tk_store_rule_states(f->s, out[0].id, rs, &n, &seen, &err));
    assert_true(seen);
    assert_int_equal(n, 2);
    assert_string_equal(rs[0].rule, "SPF-PRESENT");
    assert_int_equal(rs[0].status, TK_VERDICT_PASS);
    assert_string_equal(rs[1].rule, "SPF-HARDFAIL");
    assert_int_equal(rs[1].status, TK_VERDICT_FAIL);
    assert_string_equal(rs[1].evidence, "\"v=spf1 ~all\"");
    assert_int_equal(rs[1].scan_id, info.id);
}

static void test_snapshot_put_twice(void **state)
{
    struct testutil_store *f = *state;
    struct tk_rule_state rs[TK_RULE_STATES_MAX];
    struct tk_alert_target t = {.channel = TK_ALERT_SYSLOG};
    struct tk_store_domain out[4];
    struct tk_scan_info info, fin;
    struct snapbuf b;
    size_t n;
    bool seen;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 1, &n, &err));
    put_simple(f, info.id, &out[0], 1000);
    /* A reclaimed claim finished twice: the second is ignored whole. */
    sb_init(&b, &out[0], 2000);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 ~all\"");
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 ~all\"", info.id);
    sb_event(&b, TK_EVENT_REGRESSION, "SPF-HARDFAIL", TK_VERDICT_PASS, TK_VERDICT_FAIL,
             "\"v=spf1 -all\"", "\"v=spf1 ~all\"");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, &t, 1, &err));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 1);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM events"), 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM alerts"), 0);
    OK(tk_store_rule_states(f->s, out[0].id, rs, &n, &seen, &err));
    assert_int_equal(n, 2);
    assert_int_equal(rs[0].status, TK_VERDICT_PASS);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.done, 1);
    assert_int_equal(fin.state, TK_SCAN_RUNNING);
}

/* fail_events makes every insert into events fail: a failure in the
 * middle of a snapshot's transaction. */
static void fail_events(struct testutil_store *f)
{
    if (f->pg)
        testutil_store_exec(f, "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$ BEGIN RAISE EXCEPTION 'boom'; END $$;"
                               " CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW"
                               " EXECUTE FUNCTION boom()");
    else
        testutil_store_exec(f, "CREATE TRIGGER boom BEFORE INSERT ON events"
                               " BEGIN SELECT RAISE(ABORT, 'boom'); END");
}

static void test_snapshot_atomic(void **state)
{
    struct testutil_store *f = *state;
    struct tk_rule_state rs[TK_RULE_STATES_MAX];
    struct tk_store_domain out[4];
    struct tk_scan_info info, fin;
    struct tk_snapshot_put puts[3];
    struct snapbuf b[3];
    size_t n;
    bool seen;

    add(f, "one.govt.nz", "A");
    add(f, "two.govt.nz", "A");
    add(f, "three.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 4, &n, &err));
    assert_int_equal(n, 3);
    fail_events(f);
    for (int i = 0; i < 3; i++) {
        sb_init(&b[i], &out[i], 1000);
        sb_finding(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"");
        sb_state(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"", info.id);
        puts[i] = (struct tk_snapshot_put){.snap = &b[i].snap};
    }
    sb_event(&b[2], TK_EVENT_NEW_DOMAIN, "", TK_VERDICT_UNKNOWN, TK_VERDICT_PASS, "", "");
    /* One snapshot failing after its findings and states: none of it. */
    assert_int_not_equal(tk_store_snapshot_put(f->s, info.id, &b[2].snap, NULL, 0, &err), TK_OK);
    assert_non_null(strstr(err.msg, "boom"));
    /* A batch whose last one fails: none of the batch. */
    assert_int_not_equal(tk_store_snapshot_put_batch(f->s, info.id, puts, 3, NULL, 0, &err), TK_OK);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 0);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM rule_states"), 0);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.done, 0);
    OK(tk_store_rule_states(f->s, out[0].id, rs, &n, &seen, &err));
    assert_int_equal(n, 0);
    /* The store works on after the failure. */
    OK(tk_store_snapshot_put_batch(f->s, info.id, puts, 2, NULL, 0, &err));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 2);
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.done, 2);
}

static void test_snapshot_batch(void **state)
{
    struct testutil_store *f = *state;
    static struct snapbuf b[TK_STORE_BATCH_MAX + 1];
    static struct tk_snapshot_put puts[TK_STORE_BATCH_MAX + 1];
    struct tk_store_domain out[TK_STORE_BATCH_MAX];
    struct tk_scan_info info, fin;
    size_t n;

    for (int i = 0; i < 100; i++) {
        char name[32];

        snprintf(name, sizeof(name), "b%03d.govt.nz", i);
        add(f, name, "Batch");
    }
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, TK_STORE_BATCH_MAX, &n, &err));
    assert_int_equal(n, 100);
    for (size_t i = 0; i < n; i++) {
        sb_init(&b[i], &out[i], 1000);
        sb_finding(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"");
        sb_state(&b[i], "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"", info.id);
        puts[i] = (struct tk_snapshot_put){.snap = &b[i].snap};
    }
    OK(tk_store_snapshot_put_batch(f->s, info.id, puts, n, NULL, 0, &err));
    /* Again, with the first ten kept already: the rest are new. */
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 100);
    OK(tk_store_snapshot_put_batch(f->s, info.id, puts, 10, NULL, 0, &err));
    OK(tk_store_scan_finish(f->s, info.id, false, &fin, &err));
    assert_int_equal(fin.state, TK_SCAN_COMPLETE);
    assert_int_equal(fin.done, 100);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 100);
    assert_int_equal(
        tk_store_snapshot_put_batch(f->s, info.id, puts, TK_STORE_BATCH_MAX + 1, NULL, 0, &err),
        TK_USAGE);
    puts[1] = puts[0];
    assert_int_equal(tk_store_snapshot_put_batch(f->s, info.id, puts, 2, NULL, 0, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "twice in one batch"));
    OK(tk_store_snapshot_put_batch(f->s, info.id, puts, 0, NULL, 0, &err));
}

static void test_snapshot_refused(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain out[4];
    struct tk_scan_info info;
    struct snapbuf b;
    char json[16] = "{\"a\":\"x\0y\"}";
    size_t n;

    add(f, "one.govt.nz", "A");
    info = begin(f, false);
    OK(tk_store_queue_claim(f->s, info.id, "w1", 600, out, 4, &n, &err));
    /* Not UTF-8, in evidence and in the observation. */
    sb_init(&b, &out[0], 1000);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 \xff~all\"");
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "one.govt.nz"));
    sb_init(&b, &out[0], 1000);
    b.snap.observation_json = "{\"x\":\"\xc3\x28\"}";
    b.snap.observation_len = strlen(b.snap.observation_json);
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_INVALID);
    /* A NUL byte inside the observation. */
    b.snap.observation_json = json;
    b.snap.observation_len = 11;
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "NUL"));
    /* A bad byte or a NUL at every offset of a longer ASCII observation
     * (the check reads eight bytes at a time): refused wherever it is. */
    for (size_t k = 0; k < 40; k++) {
        static const char bad[] = {'\0', '\xff', '\xc3'};
        char obs[48];

        for (size_t m = 0; m < sizeof(bad); m++) {
            memset(obs, 'a', sizeof(obs));
            obs[k] = bad[m];
            b.snap.observation_json = obs;
            b.snap.observation_len = sizeof(obs);
            assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err),
                             TK_INVALID);
        }
    }
    /* States that are not definite, twice the same rule, no judgement. */
    sb_init(&b, &out[0], 1000);
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_UNKNOWN, "", info.id);
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_USAGE);
    sb_init(&b, &out[0], 1000);
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "", info.id);
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "", info.id);
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_USAGE);
    sb_init(&b, &out[0], 1000);
    b.snap.judgement = NULL;
    assert_int_equal(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err), TK_USAGE);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 0);
}

static void test_rule_states_seen(void **state)
{
    struct testutil_store *f = *state;
    struct tk_rule_state rs[TK_RULE_STATES_MAX];
    struct tk_store_domain d;
    struct tk_scan_info s1, s2;
    struct snapbuf b;
    size_t n;
    bool seen;

    add(f, "one.govt.nz", "A");
    d = dom(f, "one.govt.nz");
    s1 = begin(f, false);
    /* Nothing could be observed: not seen, no states. */
    sb_init(&b, &d, 1000);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_UNKNOWN, "SERVFAIL");
    b.snap.all_unknown = true;
    OK(tk_store_snapshot_put(f->s, s1.id, &b.snap, NULL, 0, &err));
    OK(tk_store_rule_states(f->s, d.id, rs, &n, &seen, &err));
    assert_int_equal(n, 0);
    assert_false(seen);
    /* A definite snapshot: its states replace the old ones rule by rule. */
    s2 = begin(f, false);
    put_simple(f, s2.id, &d, 2000);
    sb_init(&b, &d, 3000);
    sb_finding(&b, "DMARC-REJECT", TK_VERDICT_WARN, "\"v=DMARC1; p=quarantine\"");
    sb_state(&b, "DMARC-REJECT", TK_VERDICT_WARN, "\"v=DMARC1; p=quarantine\"", 77);
    testutil_store_exec(
        f, "INSERT INTO scans (id, state, started, total, done) VALUES (77, 'complete', 0, 0, 0)");
    OK(tk_store_snapshot_put(f->s, 77, &b.snap, NULL, 0, &err));
    OK(tk_store_rule_states(f->s, d.id, rs, &n, &seen, &err));
    assert_true(seen);
    assert_int_equal(n, 2);
    assert_string_equal(rs[0].rule, "SPF-HARDFAIL"); /* table order */
    assert_int_equal(rs[0].status, TK_VERDICT_PASS);
    assert_int_equal(rs[0].scan_id, s2.id);
    assert_string_equal(rs[1].rule, "DMARC-REJECT");
    assert_int_equal(rs[1].status, TK_VERDICT_WARN);
    assert_string_equal(rs[1].evidence, "\"v=DMARC1; p=quarantine\"");
    assert_int_equal(rs[1].scan_id, 77);
    /* The same again in a later scan: the states stay as they are (since
     * when); other evidence with the same verdict is a new state. */
    s1 = begin(f, false);
    sb_init(&b, &d, 4000);
    sb_state(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "\"v=spf1 -all\"", s1.id);
    sb_state(&b, "DMARC-REJECT", TK_VERDICT_WARN, "\"v=DMARC1; p=quarantine; pct=50\"", s1.id);
    OK(tk_store_snapshot_put(f->s, s1.id, &b.snap, NULL, 0, &err));
    OK(tk_store_rule_states(f->s, d.id, rs, &n, &seen, &err));
    assert_int_equal(n, 2);
    assert_int_equal(rs[0].scan_id, s2.id);
    assert_int_equal(rs[1].scan_id, s1.id);
    assert_string_equal(rs[1].evidence, "\"v=DMARC1; p=quarantine; pct=50\"");
}

static void test_rule_states_many(void **state)
{
    struct testutil_store *f = *state;
    struct tk_rule_states *rs = calloc(4, sizeof(*rs));
    struct tk_store_domain a, b, c, d;
    struct tk_scan_info s1;
    struct snapbuf sb;

    assert_non_null(rs);
    add(f, "a.govt.nz", "A");
    add(f, "b.govt.nz", "A");
    add(f, "c.govt.nz", "A");
    add(f, "d.govt.nz", "A");
    a = dom(f, "a.govt.nz"), b = dom(f, "b.govt.nz"), c = dom(f, "c.govt.nz");
    d = dom(f, "d.govt.nz");
    s1 = begin(f, false);
    put_simple(f, s1.id, &a, 1000);
    put_simple(f, s1.id, &c, 1000);
    /* d had a definite snapshot that left no state: seen all the same. */
    sb_init(&sb, &d, 1000);
    sb_finding(&sb, "SPF-HARDFAIL", TK_VERDICT_UNKNOWN, "SERVFAIL");
    OK(tk_store_snapshot_put(f->s, s1.id, &sb.snap, NULL, 0, &err));
    /* Asked in another order than the ids': each gets its own, in the
     * rule table's order. */
    rs[0].domain_id = c.id, rs[1].domain_id = b.id, rs[2].domain_id = a.id;
    rs[3].domain_id = d.id;
    rs[1].n = 9; /* what the caller left there is not kept */
    OK(tk_store_rule_states_many(f->s, rs, 4, &err));
    for (int i = 0; i < 4; i += 2) {
        assert_true(rs[i].seen);
        assert_int_equal(rs[i].n, 2);
        assert_string_equal(rs[i].states[0].rule, "SPF-HARDFAIL");
        assert_string_equal(rs[i].states[1].rule, "DMARC-REJECT");
        assert_int_equal(rs[i].states[1].status, TK_VERDICT_PASS);
    }
    assert_false(rs[1].seen);
    assert_int_equal(rs[1].n, 0);
    assert_true(rs[3].seen);
    assert_int_equal(rs[3].n, 0);
    /* More states than are read (rules of another tiaki, kept by a
     * newer or older one): the rule table's come first, in its order,
     * then the others by name, to TK_RULE_STATES_MAX. */
    for (int i = 0; i < TK_RULE_STATES_MAX + 6; i++) {
        char sql[256];

        snprintf(sql, sizeof(sql),
                 "INSERT INTO rule_states (domain_id, rule, status, evidence, scan_id)"
                 " VALUES (%lld, 'ZZ-%02d', 'pass', '', %lld)",
                 (long long)b.id, i, (long long)s1.id);
        testutil_store_exec(f, sql);
    }
    put_simple(f, s1.id, &b, 1000);
    rs[0].domain_id = b.id;
    OK(tk_store_rule_states_many(f->s, rs, 1, &err));
    assert_int_equal(rs[0].n, TK_RULE_STATES_MAX);
    assert_string_equal(rs[0].states[0].rule, "SPF-HARDFAIL");
    assert_string_equal(rs[0].states[1].rule, "DMARC-REJECT");
    assert_string_equal(rs[0].states[2].rule, "ZZ-00");
    assert_string_equal(rs[0].states[TK_RULE_STATES_MAX - 1].rule, "ZZ-21");
    /* A domain twice, or too many at once, is the caller's mistake. */
    rs[0].domain_id = c.id;
    rs[1].domain_id = c.id;
    assert_int_equal(tk_store_rule_states_many(f->s, rs, 2, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "twice"));
    assert_int_equal(tk_store_rule_states_many(f->s, rs, TK_STORE_BATCH_MAX + 1, &err), TK_USAGE);
    free(rs);
}

static void test_events_alerts(void **state)
{
    struct testutil_store *f = *state;
    struct tk_alert_target t[3] = {
        {.channel = TK_ALERT_SMTP, .destination = "postmaster@one.govt.nz"},
        {.channel = TK_ALERT_WEBHOOK, .destination = "https://hooks.example/x"},
        {.channel = TK_ALERT_SMTP, .destination = "postmaster@one.govt.nz"}, /* twice */
    };
    struct tk_store_domain d;
    struct tk_scan_info info;
    struct alert_rows ar = {0};
    struct rows ev = {0};
    struct snapbuf b;
    int64_t now = 2000000000, later;

    add(f, "one.govt.nz", "Agency One");
    d = dom(f, "one.govt.nz");
    info = begin(f, false);
    sb_init(&b, &d, 1500);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "\"v=spf1 ~all\"");
    sb_finding(&b, "DMARC-REJECT", TK_VERDICT_PASS, "\"v=DMARC1; p=reject\"");
    sb_event(&b, TK_EVENT_REGRESSION, "SPF-HARDFAIL", TK_VERDICT_PASS, TK_VERDICT_FAIL,
             "\"v=spf1 -all\"", "\"v=spf1 ~all\"");
    sb_event(&b, TK_EVENT_IMPROVEMENT, "DMARC-REJECT", TK_VERDICT_WARN, TK_VERDICT_PASS,
             "\"v=DMARC1; p=quarantine\"", "\"v=DMARC1; p=reject\"");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, t, 3, &err));
    /* Events, oldest first, in the order given. */
    OK(tk_store_events(f->s, 0, NULL, event_each, &ev, &err));
    assert_int_equal(ev.n, 2);
    assert_string_equal(ev.line[0], "1500|Agency One|one.govt.nz|regression|SPF-HARDFAIL|"
                                    "pass>fail|\"v=spf1 -all\"|\"v=spf1 ~all\"|undo it");
    assert_string_equal(ev.line[1], "1500|Agency One|one.govt.nz|improvement|DMARC-REJECT|"
                                    "warn>pass|\"v=DMARC1; p=quarantine\"|\"v=DMARC1; p=reject\"|"
                                    "undo it");
    /* One alert per regression and (distinct) target, due at once. */
    OK(tk_store_alerts_due(f->s, (int64_t)time(NULL) + 1, 10, alert_each, &ar, &err));
    assert_int_equal(ar.n, 2);
    assert_int_equal(ar.a[0].state, TK_ALERT_PENDING);
    assert_int_equal(ar.a[0].attempts, 0);
    assert_string_equal(ar.domain[0], "one.govt.nz");
    assert_string_equal(ar.a[0].event.event->rule, "SPF-HARDFAIL");
    assert_int_equal(ar.a[0].event.event->kind, TK_EVENT_REGRESSION);
    assert_int_equal(ar.a[0].event_id, ar.a[1].event_id);
    assert_true(ar.a[0].target.channel != ar.a[1].target.channel);
    /* At most max. */
    ar.n = 0;
    OK(tk_store_alerts_due(f->s, now, 1, alert_each, &ar, &err));
    assert_int_equal(ar.n, 1);
    /* A failed attempt: retried later, the reason kept (made safe). */
    OK(tk_store_alert_result(f->s, ar.a[0].id, false, "451 try later\x1b[31m", now + 60, &err));
    ar.n = 0;
    OK(tk_store_alerts_due(f->s, now, 10, alert_each, &ar, &err));
    assert_int_equal(ar.n, 1);
    later = ar.a[0].id;
    ar.n = 0;
    OK(tk_store_alerts_due(f->s, now + 60, 10, alert_each, &ar, &err));
    assert_int_equal(ar.n, 2);
    assert_int_equal(ar.a[0].attempts, 0);
    assert_int_equal(ar.a[1].attempts, 1);
    assert_string_equal(ar.a[1].last_error, "451 try later?[31m");
    assert_int_equal(ar.a[1].next_attempt, now + 60);
    /* Sent; and given up after the last retry: neither is due again. */
    OK(tk_store_alert_result(f->s, later, true, NULL, 0, &err));
    OK(tk_store_alert_result(f->s, ar.a[1].id, false, "550 no such user", 0, &err));
    ar.n = 0;
    OK(tk_store_alerts_due(f->s, now + 100000, 10, alert_each, &ar, &err));
    assert_int_equal(ar.n, 0);
    /* Every alert, newest first. */
    OK(tk_store_alerts(f->s, alert_each, &ar, &err));
    assert_int_equal(ar.n, 2);
    assert_true(ar.a[0].id > ar.a[1].id);
    for (size_t i = 0; i < 2; i++) {
        if (ar.a[i].id == later) {
            assert_int_equal(ar.a[i].state, TK_ALERT_SENT);
            assert_int_equal(ar.a[i].attempts, 1);
            assert_string_equal(ar.a[i].last_error, "");
        } else {
            assert_int_equal(ar.a[i].state, TK_ALERT_FAILED);
            assert_int_equal(ar.a[i].attempts, 2);
            assert_string_equal(ar.a[i].last_error, "550 no such user");
        }
    }
    assert_int_equal(tk_store_alert_result(f->s, 99999, true, NULL, 0, &err), TK_ABSENT);
}

static void test_events_filters(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain a, c;
    struct tk_scan_info info;
    struct rows ev = {0};
    struct snapbuf b;

    add(f, "a.govt.nz", "Alpha");
    add(f, "c.govt.nz", "Gamma");
    a = dom(f, "a.govt.nz");
    c = dom(f, "c.govt.nz");
    info = begin(f, false);
    sb_init(&b, &a, 100);
    sb_event(&b, TK_EVENT_NEW_DOMAIN, "", TK_VERDICT_UNKNOWN, TK_VERDICT_PASS, "", "");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err));
    sb_init(&b, &c, 200);
    sb_event(&b, TK_EVENT_GONE, "", TK_VERDICT_PASS, TK_VERDICT_UNKNOWN, "", "NXDOMAIN");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err));
    info = begin(f, false);
    sb_init(&b, &a, 300);
    sb_event(&b, TK_EVENT_RECORD_CHANGED, "SPF-HARDFAIL", TK_VERDICT_PASS, TK_VERDICT_PASS,
             "\"v=spf1 -all\"", "\"v=spf1 a -all\"");
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, NULL, 0, &err));
    OK(tk_store_events(f->s, 0, NULL, event_each, &ev, &err));
    assert_int_equal(ev.n, 3);
    assert_string_equal(ev.line[0], "100|Alpha|a.govt.nz|new-domain||unknown>pass|||undo it");
    assert_string_equal(ev.line[1], "200|Gamma|c.govt.nz|gone||pass>unknown||NXDOMAIN|undo it");
    ev.n = 0;
    OK(tk_store_events(f->s, 200, NULL, event_each, &ev, &err));
    assert_int_equal(ev.n, 2);
    ev.n = 0;
    OK(tk_store_events(f->s, 0, "Alpha", event_each, &ev, &err));
    assert_int_equal(ev.n, 2);
    assert_non_null(strstr(ev.line[1], "record-changed|SPF-HARDFAIL"));
    ev.n = 0;
    OK(tk_store_events(f->s, 101, "Alpha", event_each, &ev, &err));
    assert_int_equal(ev.n, 1);
    /* A removed domain's events stay in the history. */
    OK(tk_store_domain_remove(f->s, "c.govt.nz", &err));
    ev.n = 0;
    OK(tk_store_events(f->s, 0, "Gamma", event_each, &ev, &err));
    assert_int_equal(ev.n, 1);
}

static void test_latest_findings(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain x, y, z;
    struct tk_scan_info s1, s2;
    struct rows rw = {0};
    struct snapbuf b;
    char want[256];

    add(f, "x.govt.nz", "Beta");
    add(f, "y.govt.nz", "Alpha");
    add(f, "z.govt.nz", "Alpha");
    x = dom(f, "x.govt.nz");
    y = dom(f, "y.govt.nz");
    z = dom(f, "z.govt.nz");
    s1 = begin(f, false);
    /* Findings handed over against the table's order. */
    sb_init(&b, &x, 100);
    sb_finding(&b, "DMARC-REJECT", TK_VERDICT_PASS, "x1 dmarc");
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "x1 spf");
    sb_finding(&b, "TLS-MIN-1.2", TK_VERDICT_PASS, "x1 tls");
    OK(tk_store_snapshot_put(f->s, s1.id, &b.snap, NULL, 0, &err));
    sb_init(&b, &y, 100);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "y1 spf");
    OK(tk_store_snapshot_put(f->s, s1.id, &b.snap, NULL, 0, &err));
    sb_init(&b, &z, 100);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_PASS, "z1 spf");
    OK(tk_store_snapshot_put(f->s, s1.id, &b.snap, NULL, 0, &err));
    /* A second, partial scan reaches only y: x's and z's newest stay in s1. */
    s2 = begin(f, false);
    sb_init(&b, &y, 200);
    sb_finding(&b, "SPF-HARDFAIL", TK_VERDICT_FAIL, "y2 spf");
    sb_finding(&b, "DMARC-PRESENT", TK_VERDICT_UNKNOWN, "y2 dmarc");
    OK(tk_store_snapshot_put(f->s, s2.id, &b.snap, NULL, 0, &err));
    OK(tk_store_scan_finish(f->s, s2.id, true, NULL, &err));
    OK(tk_store_latest_findings(f->s, NULL, finding_each, &rw, &err));
    assert_int_equal(rw.n, 6);
    snprintf(want, sizeof(want),
             "Alpha|y.govt.nz|SPF-HARDFAIL|MUST|fail|y2 spf|postmaster@y.govt.nz|0|%lld",
             (long long)s2.id);
    assert_string_equal(rw.line[0], want);
    assert_non_null(strstr(rw.line[1], "Alpha|y.govt.nz|DMARC-PRESENT|"));
    assert_non_null(strstr(rw.line[1], "|unknown|y2 dmarc|"));
    snprintf(want, sizeof(want),
             "Alpha|z.govt.nz|SPF-HARDFAIL|MUST|pass|z1 spf|postmaster@z.govt.nz|1|%lld",
             (long long)s1.id);
    assert_string_equal(rw.line[2], want);
    assert_non_null(strstr(rw.line[3], "Beta|x.govt.nz|TLS-MIN-1.2|"));
    assert_non_null(strstr(rw.line[4], "Beta|x.govt.nz|SPF-HARDFAIL|"));
    assert_non_null(strstr(rw.line[5], "Beta|x.govt.nz|DMARC-REJECT|"));
    /* By agency; a removed domain is not in the inventory any more. */
    rw.n = 0;
    OK(tk_store_latest_findings(f->s, "Beta", finding_each, &rw, &err));
    assert_int_equal(rw.n, 3);
    OK(tk_store_domain_remove(f->s, "z.govt.nz", &err));
    rw.n = 0;
    OK(tk_store_latest_findings(f->s, "Alpha", finding_each, &rw, &err));
    assert_int_equal(rw.n, 2);
}

/* sb_same makes b a snapshot of d at time at whose observation is the
 * same whenever findings are: content a scan finds again. */
static void sb_same(struct snapbuf *b, const struct tk_store_domain *d, int64_t at,
                    enum tk_verdict spf)
{
    sb_init(b, d, at);
    snprintf(b->json, sizeof(b->json), "{\"domain\":\"%s\",\"spf\":\"%s\"}", d->domain,
             tk_verdict_name(spf));
    b->snap.observation_len = strlen(b->json);
    sb_finding(b, "SPF-HARDFAIL", spf, spf == TK_VERDICT_PASS ? "-all" : "~all");
    sb_finding(b, "DMARC-REJECT", TK_VERDICT_PASS, "p=reject");
}

/* newest_of is where d's newest content is, as tk_store_newest_content
 * reads it. */
static struct tk_content_ref newest_of(struct testutil_store *f, const struct tk_store_domain *d)
{
    struct tk_rule_states *rs = calloc(1, sizeof(*rs));
    struct tk_content_ref ref;

    assert_non_null(rs);
    rs->domain_id = d->id;
    OK(tk_store_newest_content(f->s, rs, 1, &err));
    assert_int_equal(rs->n, 0);
    ref = rs->newest;
    free(rs);
    return ref;
}

/* put_found keeps b as a scan does: compared with the domain's newest
 * snapshot, whose content it names. */
static void put_found(struct testutil_store *f, int64_t scan, struct snapbuf *b)
{
    b->snap.prev = newest_of(f, &b->d);
    OK(tk_store_snapshot_put(f->s, scan, &b->snap, NULL, 0, &err));
}

/* What a scan compares before it reads any rule state: the digest of
 * what it found, and where its domain's newest content is, as a claim
 * reads it with the domain and as tk_store_newest_content does. */
static void test_newest_content(void **state)
{
    struct testutil_store *f = *state;
    char digest[TK_STORE_DIGEST_HEX + 1], other[TK_STORE_DIGEST_HEX + 1];
    struct tk_store_domain x, y, out[2];
    struct tk_content_ref first, ref;
    struct tk_scan_info s;
    struct snapbuf b;
    size_t n;

    add(f, "x.govt.nz", "A");
    add(f, "y.govt.nz", "A");
    x = dom(f, "x.govt.nz");
    y = dom(f, "y.govt.nz");
    s = begin(f, false);
    sb_same(&b, &x, 100, TK_VERDICT_PASS);
    OK(tk_store_snapshot_digest(&b.snap, digest, &err));
    assert_int_equal(strlen(digest), TK_STORE_DIGEST_HEX);
    put_found(f, s.id, &b);
    first = newest_of(f, &x);
    assert_true(first.snapshot_id > 0);
    assert_string_equal(first.digest, digest);
    /* Never kept: nowhere. */
    assert_int_equal(newest_of(f, &y).snapshot_id, 0);
    /* A claim reads the same with each domain. */
    OK(tk_store_scan_finish(f->s, s.id, true, NULL, &err));
    s = begin(f, false);
    OK(tk_store_queue_claim(f->s, s.id, "w", 600, out, 2, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(out[0].domain, "x.govt.nz");
    assert_int_equal(out[0].newest.snapshot_id, first.snapshot_id);
    assert_string_equal(out[0].newest.digest, digest);
    assert_int_equal(out[1].newest.snapshot_id, 0);
    assert_string_equal(out[1].newest.digest, "");
    /* Found the same: the content stays where it was. */
    sb_same(&b, &out[0], 200, TK_VERDICT_PASS);
    b.snap.prev = out[0].newest;
    OK(tk_store_snapshot_put(f->s, s.id, &b.snap, NULL, 0, &err));
    ref = newest_of(f, &x);
    assert_int_equal(ref.snapshot_id, first.snapshot_id);
    /* Another verdict, another digest, and the new snapshot holds it. */
    OK(tk_store_scan_finish(f->s, s.id, true, NULL, &err));
    s = begin(f, false);
    sb_same(&b, &x, 300, TK_VERDICT_FAIL);
    OK(tk_store_snapshot_digest(&b.snap, other, &err));
    assert_string_not_equal(other, digest);
    put_found(f, s.id, &b);
    ref = newest_of(f, &x);
    assert_true(ref.snapshot_id > first.snapshot_id);
    assert_string_equal(ref.digest, other);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots s JOIN domains d"
                                             " ON d.newest_content = s.id"
                                             " WHERE s.content_id IS NULL AND s.observation <> ''"),
                     1);
    /* The same findings, the same digest. */
    sb_same(&b, &x, 400, TK_VERDICT_PASS);
    OK(tk_store_snapshot_digest(&b.snap, other, &err));
    assert_string_equal(other, digest);
    /* A store from before schema 6 learns it from the snapshots. */
    tk_store_close(f->s);
    f->s = NULL;
    testutil_store_unmigrate_6(f);
    assert_int_equal(testutil_store_open(f), 0);
    assert_int_equal(tk_store_schema_version(f->s), SCHEMA_VERSION);
    assert_int_equal(newest_of(f, &x).snapshot_id, ref.snapshot_id);
    assert_string_equal(newest_of(f, &x).digest, ref.digest);
    assert_int_equal(newest_of(f, &y).snapshot_id, 0);
    {
        struct tk_rule_states rs[1];

        assert_int_equal(tk_store_newest_content(f->s, rs, TK_STORE_BATCH_MAX + 1, &err), TK_USAGE);
    }
}

static void test_snapshot_content_shared(void **state)
{
    struct testutil_store *f = *state;
    struct tk_store_domain x;
    struct tk_scan_info s[5];
    struct rows rw = {0};
    struct snapbuf b;
    char want[256];

    add(f, "x.govt.nz", "A");
    x = dom(f, "x.govt.nz");
    s[0] = begin(f, false);
    sb_same(&b, &x, 100, TK_VERDICT_PASS);
    put_found(f, s[0].id, &b);
    /* Found again: the snapshot names the first one's content. */
    s[1] = begin(f, false);
    sb_same(&b, &x, 200, TK_VERDICT_PASS);
    put_found(f, s[1].id, &b);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"), 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 2);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"
                                             " WHERE content_id IS NOT NULL AND observation = ''"),
                     1);
    assert_int_equal(testutil_store_count(f,
                                          "SELECT count(*) FROM snapshots a JOIN snapshots b"
                                          " ON b.id = a.content_id WHERE a.scan_id = b.scan_id + 1"
                                          " AND b.content_id IS NULL AND b.observation <> ''"),
                     1);
    /* The newest snapshot's findings are read through it. */
    OK(tk_store_latest_findings(f->s, NULL, finding_each, &rw, &err));
    assert_int_equal(rw.n, 2);
    snprintf(want, sizeof(want),
             "A|x.govt.nz|SPF-HARDFAIL|MUST|pass|-all|postmaster@x.govt.nz|1|%lld",
             (long long)s[1].id);
    assert_string_equal(rw.line[0], want);
    /* Changed: its own content again, and that is what is read. */
    s[2] = begin(f, false);
    sb_same(&b, &x, 300, TK_VERDICT_FAIL);
    put_found(f, s[2].id, &b);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 4);
    rw.n = 0;
    OK(tk_store_latest_findings(f->s, NULL, finding_each, &rw, &err));
    assert_int_equal(rw.n, 2);
    assert_non_null(strstr(rw.line[0], "|SPF-HARDFAIL|MUST|fail|~all|"));
    /* Back to what the first had: compared with the newest only, so
     * kept whole (its findings are read from itself). */
    s[3] = begin(f, false);
    sb_same(&b, &x, 400, TK_VERDICT_PASS);
    put_found(f, s[3].id, &b);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 6);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM snapshots"
                                             " WHERE content_id IS NOT NULL"),
                     1);
    rw.n = 0;
    OK(tk_store_latest_findings(f->s, NULL, finding_each, &rw, &err));
    assert_non_null(strstr(rw.line[0], "|SPF-HARDFAIL|MUST|pass|-all|"));
    /* A caller naming content whose digest is not this one's: kept
     * whole all the same. */
    s[4] = begin(f, false);
    sb_same(&b, &x, 500, TK_VERDICT_FAIL);
    b.snap.prev.snapshot_id = 1;
    memset(b.snap.prev.digest, 'a', TK_STORE_DIGEST_HEX);
    OK(tk_store_snapshot_put(f->s, s[4].id, &b.snap, NULL, 0, &err));
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), 8);
    /* A digest with no end is refused before anything is written. */
    memset(b.snap.prev.digest, 'a', sizeof(b.snap.prev.digest));
    assert_int_equal(tk_store_snapshot_put(f->s, s[4].id, &b.snap, NULL, 0, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "digest"));
}

static void test_reports(void **state)
{
    struct testutil_store *f = *state;
    char *summary = NULL;
    int64_t at = 0;

    assert_int_equal(tk_store_report_last(f->s, &summary, &at, &err), TK_ABSENT);
    assert_null(summary);
    OK(tk_store_report_put(f->s, 100, "{\"n\":1}", &err));
    OK(tk_store_report_put(f->s, 300, "{\"n\":3,\"agency\":\"Te Tari Taiwhenua \xc4\x81\"}", &err));
    OK(tk_store_report_put(f->s, 200, "{\"n\":2}", &err));
    OK(tk_store_report_last(f->s, &summary, &at, &err));
    assert_int_equal(at, 300);
    assert_string_equal(summary, "{\"n\":3,\"agency\":\"Te Tari Taiwhenua \xc4\x81\"}");
    free(summary);
}

/* Text that breaks array literals, SQL and naive quoting, kept exactly. */
static const char *const hostile[] = {
    "\"v=spf1 -all\"",
    "a\\b\\\\c\\\"",
    "{\"NULL\"},{}",
    "NULL",
    "\",\"}{,",
    "'); DROP TABLE findings; --",
    "$1 $2 ?1 :x @y",
    "Te Tari Taiwhenua \xc4\x81 \xe2\x80\x94 \xf0\x9f\x93\xa7",
    "",
    " leading and trailing ",
};

static void test_hostile_text(void **state)
{
    struct testutil_store *f = *state;
    struct tk_alert_target t = {.channel = TK_ALERT_WEBHOOK};
    struct tk_rule_state rs[TK_RULE_STATES_MAX];
    struct tk_store_domain d;
    struct tk_scan_info info;
    struct alert_rows ar = {0};
    struct rows rw = {0}, ev = {0};
    struct snapbuf b;
    size_t n, nh = sizeof(hostile) / sizeof(hostile[0]);
    bool seen;

    add(f, "h.govt.nz", "Agency \"Quoted\" \\ {x}");
    d = dom(f, "h.govt.nz");
    assert_string_equal(d.agency, "Agency \"Quoted\" \\ {x}");
    tk_strlcpy(t.destination, hostile[4], sizeof(t.destination));
    info = begin(f, false);
    sb_init(&b, &d, 1000);
    snprintf(b.json, sizeof(b.json), "{\"txt\":\"%s\",\"q\":\"\\\"\\\\\"}", hostile[5]);
    b.snap.observation_len = strlen(b.json);
    for (size_t i = 0; i < nh && i < 10; i++) {
        const char *rules[] = {"SPF-PRESENT",  "SPF-HARDFAIL", "DKIM-SIGNED", "DMARC-PRESENT",
                               "DMARC-REJECT", "DMARC-RUA",    "TLSRPT",      "MTA-STS-TXT",
                               "TLS-CERT",     "DANE"};

        sb_finding(&b, rules[i], TK_VERDICT_FAIL, hostile[i]);
        sb_state(&b, rules[i], TK_VERDICT_FAIL, hostile[i], info.id);
        sb_event(&b, TK_EVENT_REGRESSION, rules[i], TK_VERDICT_PASS, TK_VERDICT_FAIL,
                 hostile[(i + 1) % nh], hostile[i]);
    }
    OK(tk_store_snapshot_put(f->s, info.id, &b.snap, &t, 1, &err));
    assert_int_equal(testutil_store_count(f, "SELECT length(observation) FROM snapshots"),
                     strlen(b.json));
    OK(tk_store_latest_findings(f->s, NULL, finding_each, &rw, &err));
    assert_int_equal(rw.n, nh);
    OK(tk_store_rule_states(f->s, d.id, rs, &n, &seen, &err));
    assert_int_equal(n, nh);
    OK(tk_store_events(f->s, 0, NULL, event_each, &ev, &err));
    assert_int_equal(ev.n, nh);
    for (size_t i = 0; i < nh; i++) {
        bool found = false;

        for (size_t k = 0; k < n; k++)
            found = found || strcmp(rs[k].evidence, hostile[i]) == 0;
        assert_true(found);
        found = false;
        for (size_t k = 0; k < rw.n; k++) {
            char want[700];

            snprintf(want, sizeof(want), "|fail|%s|postmaster@h.govt.nz|", hostile[i]);
            found = found || strstr(rw.line[k], want) != NULL;
        }
        assert_true(found);
        assert_non_null(strstr(ev.line[i], hostile[i]));
    }
    OK(tk_store_alerts(f->s, alert_each, &ar, &err));
    assert_int_equal(ar.n, nh);
    assert_string_equal(ar.a[0].target.destination, hostile[4]);
    assert_int_equal(testutil_store_count(f, "SELECT count(*) FROM findings"), nh);
}

/* ======================================================== no back end */

struct redact_case {
    const char *url, *want;
};

static void test_url_redacted(void **state)
{
    static const struct redact_case cases[] = {
        {"postgresql://tiaki:s3cret@127.77.0.40/tiaki", "postgresql://tiaki@127.77.0.40/tiaki"},
        {"postgresql://tiaki@127.77.0.40:5432/tiaki", "postgresql://tiaki@127.77.0.40:5432/tiaki"},
        {"postgres://u:p%40ss@h/db?sslmode=require", "postgres://u@h/db?sslmode=require"},
        {"postgresql://u:a@b@h/db", "postgresql://u@h/db"},
        {"postgresql://h/db?password=x&sslmode=disable", "postgresql://h/db?sslmode=disable"},
        {"postgresql://h/db?sslmode=disable&password=x", "postgresql://h/db?sslmode=disable"},
        {"postgresql://h/db?password=x", "postgresql://h/db"},
        {"postgresql://u:@h/db", "postgresql://u@h/db"},
        {"postgresql://h", "postgresql://h"},
        {"sqlite:/var/lib/tiaki.db", "sqlite:/var/lib/tiaki.db"},
        {"/var/lib/tiaki.db", "/var/lib/tiaki.db"},
        {"", ""},
    };
    char out[TK_STORE_URL_MAX], small[12];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tk_store_url_redacted(cases[i].url, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
    tk_store_url_redacted("postgresql://u:secret@host/db", small, sizeof(small));
    assert_null(strstr(small, "sec"));
    assert_true(strlen(small) < sizeof(small));
}

static void test_open_errors(void **state)
{
    struct tk_store *s = NULL;
    char url[TK_STORE_URL_MAX + 8];

    assert_int_equal(tk_store_open("", &s, &err), TK_USAGE);
    assert_int_equal(tk_store_open(NULL, &s, &err), TK_USAGE);
    assert_int_equal(tk_store_open("sqlite:", &s, &err), TK_USAGE);
    assert_int_equal(tk_store_open("mysql://u:pw@h/db", &s, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "mysql://u@h/db"));
    assert_null(strstr(err.msg, "pw"));
    memset(url, 'a', sizeof(url) - 1);
    url[sizeof(url) - 1] = '\0';
    assert_int_equal(tk_store_open(url, &s, &err), TK_USAGE);
    assert_int_equal(tk_store_open("/nonexistent-dir/sub/tiaki.db", &s, &err), TK_IO);
    assert_non_null(strstr(err.msg, "cannot open /nonexistent-dir/sub/tiaki.db"));
    assert_int_equal(tk_store_open("sqlite:///nonexistent-dir/x.db", &s, &err), TK_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.db"));
    /* Nothing listens on loopback port 1: refused, and no password. */
    assert_int_equal(tk_store_open("postgresql://tiaki:hunter2@127.0.0.1:1/tiaki", &s, &err),
                     TK_IO);
    assert_non_null(strstr(err.msg, "PostgreSQL at postgresql://tiaki@127.0.0.1:1/tiaki"));
    assert_non_null(strstr(err.msg, "refused"));
    assert_null(strstr(err.msg, "hunter2"));
    assert_null(strchr(err.msg, '\n'));
    /* libpq echoes a malformed URL: the password is masked there too. */
    assert_int_equal(
        tk_store_open("postgresql://tiaki:hunter2@127.0.0.1:1/tiaki?bogus=1", &s, &err), TK_IO);
    assert_null(strstr(err.msg, "hunter2"));
    assert_null(s);
}

static void test_default_url(void **state)
{
    char dir[] = "/tmp/tiaki-test-xdg.XXXXXX", want[512], url[512], path[512];
    const char *old_xdg = getenv("XDG_DATA_HOME"), *old_home = getenv("HOME");
    struct tk_store *s;
    struct stat st;

    assert_non_null(mkdtemp(dir));
    setenv("XDG_DATA_HOME", dir, 1);
    OK(tk_store_default_url(url, sizeof(url), &err));
    snprintf(want, sizeof(want), "sqlite:%s/tiaki/tiaki.db", dir);
    assert_string_equal(url, want);
    snprintf(path, sizeof(path), "%s/tiaki", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    OK(tk_store_open(url, &s, &err));
    tk_store_close(s);
    /* No (or a relative) XDG_DATA_HOME: ~/.local/share. */
    setenv("XDG_DATA_HOME", "relative", 1);
    setenv("HOME", dir, 1);
    OK(tk_store_default_url(url, sizeof(url), &err));
    snprintf(want, sizeof(want), "sqlite:%s/.local/share/tiaki/tiaki.db", dir);
    assert_string_equal(url, want);
    assert_int_equal(tk_store_default_url(url, 10, &err), TK_LIMIT);
    if (old_xdg != NULL)
        setenv("XDG_DATA_HOME", old_xdg, 1);
    else
        unsetenv("XDG_DATA_HOME");
    if (old_home != NULL)
        setenv("HOME", old_home, 1);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

static void test_event_kind_names(void **state)
{
    static const char *const names[] = {"regression", "improvement", "record-changed", "new-domain",
                                        "gone"};
    enum tk_event_kind k;

    for (int i = 0; i < 5; i++) {
        assert_string_equal(tk_event_kind_name((enum tk_event_kind)i), names[i]);
        assert_true(tk_event_kind_parse(names[i], &k));
        assert_int_equal(k, i);
    }
    assert_false(tk_event_kind_parse("Regression", &k));
    assert_false(tk_event_kind_parse("", &k));
    assert_string_equal(tk_event_kind_name((enum tk_event_kind)42), "?");
}

static void test_pg_skipped(void **state)
{
    fprintf(stderr, "PostgreSQL: skipped (TIAKI_TEST_PG names no database; "
                    "tests/integration/test_store_pg.sh runs these against the world's)\n");
    skip();
}

#define BACKEND_TESTS(setup)                                                                       \
    cmocka_unit_test_setup_teardown(test_open_migrations, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_open_concurrent, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_domain_put, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(test_domain_remove_readd, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_scan_empty_inventory, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_scan_resume_partial, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_scan_finish, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_queue_claims, setup, teardown),                       \
        cmocka_unit_test_setup_teardown(test_queue_lease_release, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_queue_batches, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_queue_migrated, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_workers_concurrent, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_remove_during_scan, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_snapshot_put, setup, teardown),                       \
        cmocka_unit_test_setup_teardown(test_snapshot_put_twice, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_snapshot_atomic, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_snapshot_batch, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_snapshot_refused, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_rule_states_seen, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_rule_states_many, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_newest_content, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_queue_close, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_events_alerts, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_events_filters, setup, teardown),                     \
        cmocka_unit_test_setup_teardown(test_latest_findings, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_snapshot_content_shared, setup, teardown),            \
        cmocka_unit_test_setup_teardown(test_reports, setup, teardown),                            \
        cmocka_unit_test_setup_teardown(test_hostile_text, setup, teardown)

int main(void)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_url_redacted),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_default_url),
        cmocka_unit_test(test_event_kind_names),
    };
    const struct CMUnitTest sqlite_tests[] = {BACKEND_TESTS(setup_sqlite)};
    const struct CMUnitTest pg_tests[] = {BACKEND_TESTS(setup_pg)};
    const struct CMUnitTest pg_skipped[] = {cmocka_unit_test(test_pg_skipped)};
    int failed = 0;

    failed += cmocka_run_group_tests_name("store", common, NULL, NULL);
    failed += cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);
    if (!testutil_store_pg_init(PG_SCHEMA))
        return failed + cmocka_run_group_tests_name("postgresql", pg_skipped, NULL, NULL);
    return failed + cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
}
