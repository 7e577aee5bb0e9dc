/*
 * NAME
 *	test_observe.c - unit tests of the domain observer over a static zone
 * DESCRIPTION
 *	Each test builds a zone in memory (dns/resolver.h static back end),
 *	runs tk_observe_start and tk_resolver_drain, and asserts on what a
 *	user of the observation relies on: the questions that were asked
 *	(a recording wrapper around the static back end logs every one, so
 *	"not asked" is checked too), the profile and why, the SPF tree with
 *	its look-up counts on both sides of the RFC 7208 limits, loops,
 *	truncation and macros, the DMARC fall-back to the organisational
 *	domain, report-destination authorisation, temporary failures as
 *	data, and the domain names tk_observe_start refuses.
 *
 *	Names are under real public suffixes (govt.nz, co.nz, com) so the
 *	organisational domain comes from the real public suffix list.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "dns/resolver.h"
/* Private, for the question log only: the test wraps the static back
 * end's submit to record each question the observer sends. */
#include "dns/resolver_impl.h"
#include "observe/observe.h"

/* ---- the zone: rows of struct zrr (testutil.h) ---- */

#define ZONE_MAX 24

/* ---- the question log ---- */

#define QLOG_MAX 1024

static struct {
    size_t n;
    bool overflow;
    char q[QLOG_MAX][TK_DOMAIN_MAX + 8];
} qlog;

static const struct tk_resolver_ops *static_ops;

static const char *type_name(uint16_t t)
{
    switch (t) {
    case TK_DNS_A:
        return "A";
    case TK_DNS_MX:
        return "MX";
    case TK_DNS_TXT:
        return "TXT";
    case TK_DNS_AAAA:
        return "AAAA";
    default:
        return "?";
    }
}

static enum tk_status rec_submit(struct tk_resolver *r, struct tk_dns_question *q)
{
    if (qlog.n < QLOG_MAX)
        snprintf(qlog.q[qlog.n++], sizeof(qlog.q[0]), "%s %s", type_name(q->qtype), q->qname);
    else
        qlog.overflow = true;
    return static_ops->submit(r, q);
}

static enum tk_status rec_wait(struct tk_resolver *r, int max_ms, struct tk_error *err)
{
    return static_ops->wait(r, max_ms, err);
}

static void rec_cancel(struct tk_resolver *r, struct tk_dns_question *q)
{
    static_ops->cancel(r, q);
}

static void rec_destroy(struct tk_resolver *r)
{
    static_ops->destroy(r);
}

static const struct tk_resolver_ops rec_ops = {rec_submit, rec_wait, rec_cancel, rec_destroy};

/* qlog_count counts the questions "TYPE name" asked. */
static size_t qlog_count(const char *q)
{
    size_t i, n = 0;

    for (i = 0; i < qlog.n; i++)
        if (strcmp(qlog.q[i], q) == 0)
            n++;
    return n;
}

static size_t qlog_count_sub(const char *sub)
{
    size_t i, n = 0;

    for (i = 0; i < qlog.n; i++)
        if (strstr(qlog.q[i], sub) != NULL)
            n++;
    return n;
}

static void qlog_print(void)
{
    size_t i;

    for (i = 0; i < qlog.n; i++)
        print_message("  asked %s\n", qlog.q[i]);
}

/* ---- running the observer ---- */

struct run {
    int done_calls;
    struct tk_observation *obs;
};

static void on_done(void *arg, struct tk_observation *obs)
{
    struct run *run = arg;

    run->done_calls++;
    run->obs = obs;
}

/* observe_req observes req over zone; the question log holds what it
 * asked. The caller destroys the observation. */
static struct tk_observation *observe_req(const struct zrr *zone,
                                          const struct tk_observe_request *req)
{
    struct tk_static_zone *z;
    struct tk_resolver *r;
    struct tk_error err = {0};
    struct run run = {0};

    memset(&qlog, 0, sizeof(qlog));
    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, zone);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    static_ops = r->ops;
    r->ops = &rec_ops;
    assert_int_equal(tk_observe_start(r, req, on_done, &run, &err), TK_OK);
    assert_int_equal(run.done_calls, 0); /* answers come from the wait, never before */
    assert_int_equal(tk_resolver_drain(r, &err), TK_OK);
    assert_int_equal(run.done_calls, 1);
    assert_int_equal(tk_resolver_pending(r), 0);
    assert_int_equal(tk_resolver_queries_sent(r), qlog.n);
    assert_false(qlog.overflow);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    assert_non_null(run.obs);
    return run.obs;
}

static struct tk_observation *observe(const struct zrr *zone, const char *domain)
{
    struct tk_observe_request req = {.domain = domain, .common_selectors = true};

    return observe_req(zone, &req);
}

/* ---- questions asked per profile ---- */

#define D "agency.govt.nz"

struct questions_case {
    const char *what;
    struct zrr zone[ZONE_MAX];
    enum tk_profile hint;
    const char *selectors[4];
    bool common;
    enum tk_profile want_profile;
    const char *want[24]; /* exactly these questions, each once */
};

#define PHASE1 "MX " D, "TXT " D, "TXT _dmarc." D, "TXT _smtp._tls." D, "TXT _mta-sts." D
#define COMMON_SELECTORS                                                                           \
    "TXT selector1._domainkey." D, "TXT selector2._domainkey." D, "TXT google._domainkey." D,      \
        "TXT default._domainkey." D, "TXT k1._domainkey." D, "TXT s1._domainkey." D,               \
        "TXT s2._domainkey." D, "TXT dkim._domainkey." D, "TXT mail._domainkey." D
#define EMAIL_ZONE                                                                                 \
    MX(D, 10, "mail." D), TXT(D, "v=spf1 ip4:192.0.2.1 -all"),                                     \
        TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@" D)

static const struct questions_case questions_cases[] = {
    {"email: inventory selectors and the common ones",
     {EMAIL_ZONE, TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:t@" D)},
     TK_PROFILE_UNSET,
     {"sel2024", "Selector1"},
     true,
     TK_PROFILE_EMAIL,
     {PHASE1, "TXT sel2024._domainkey." D, COMMON_SELECTORS}},
    {"email: inventory selectors only",
     {EMAIL_ZONE, TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:t@" D)},
     TK_PROFILE_UNSET,
     {"sel2024", "Selector1"},
     false,
     TK_PROFILE_EMAIL,
     {PHASE1, "TXT sel2024._domainkey." D, "TXT selector1._domainkey." D}},
    {"email: no selector known and no common ones: no DKIM question",
     {EMAIL_ZONE, TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:t@" D)},
     TK_PROFILE_UNSET,
     {NULL},
     false,
     TK_PROFILE_EMAIL,
     {PHASE1}},
    {"email without TLS-RPT: the seed's _smtptls name is asked too",
     {EMAIL_ZONE},
     TK_PROFILE_UNSET,
     {NULL},
     true,
     TK_PROFILE_EMAIL,
     {PHASE1, "TXT _smtptls." D, COMMON_SELECTORS}},
    {"email whose _smtp._tls look-up failed: _smtptls not asked",
     {EMAIL_ZONE, TEMP("_smtp._tls." D, TK_DNS_TXT)},
     TK_PROFILE_UNSET,
     {NULL},
     true,
     TK_PROFILE_EMAIL,
     {PHASE1, COMMON_SELECTORS}},
    {"parked (null MX, -all): *._domainkey only, selectors ignored",
     {MX(D, 0, "."), TXT(D, "v=spf1 -all"), TXT("_dmarc." D, "v=DMARC1; p=reject")},
     TK_PROFILE_UNSET,
     {"sel2024"},
     true,
     TK_PROFILE_PARKED,
     {PHASE1, "TXT *._domainkey." D}},
    {"parked by hint although it has MX",
     {EMAIL_ZONE},
     TK_PROFILE_PARKED,
     {"sel2024"},
     true,
     TK_PROFILE_PARKED,
     {PHASE1, "TXT *._domainkey." D}},
    {"email by hint although parked-looking",
     {MX(D, 0, "."), TXT(D, "v=spf1 -all"), TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:t@" D)},
     TK_PROFILE_EMAIL,
     {"sel2024"},
     false,
     TK_PROFILE_EMAIL,
     {PHASE1, "TXT sel2024._domainkey." D}},
};

static void test_questions_per_profile(void **state)
{
    size_t i, j;

    for (i = 0; i < NELEM(questions_cases); i++) {
        const struct questions_case *c = &questions_cases[i];
        struct tk_observe_request req = {
            .domain = D, .profile_hint = c->hint, .common_selectors = c->common};
        struct tk_observation *obs;
        size_t nwant = 0, nsel = 0;

        while (c->selectors[nsel])
            nsel++;
        req.selectors = c->selectors;
        req.nselectors = nsel;
        print_message("case %zu: %s\n", i, c->what);
        obs = observe_req(c->zone, &req);
        qlog_print();
        assert_int_equal(obs->profile, c->want_profile);
        for (j = 0; j < NELEM(c->want) && c->want[j]; j++, nwant++)
            if (qlog_count(c->want[j]) != 1)
                fail_msg("case %zu: '%s' asked %zu times, want once", i, c->want[j],
                         qlog_count(c->want[j]));
        assert_int_equal(qlog.n, nwant);
        /* what the observation says it asked agrees with the log */
        assert_int_equal(obs->dkim_wildcard.asked, c->want_profile == TK_PROFILE_PARKED);
        if (c->want_profile == TK_PROFILE_PARKED) {
            assert_int_equal(obs->ndkim, 0);
            assert_string_equal(obs->dkim_wildcard.name, "*._domainkey." D);
        }
        for (j = 0; j < obs->ndkim; j++) {
            char q[TK_DOMAIN_MAX + 8];

            snprintf(q, sizeof(q), "TXT %s", obs->dkim[j].key.name);
            assert_int_equal(qlog_count(q), 1);
            assert_true(obs->dkim[j].key.asked);
        }
        tk_observation_destroy(obs);
    }
}

/* The inventory's selectors come first and are marked so; a common
 * selector the inventory also names is asked once, as the inventory's. */
static void test_selectors_inventory_first(void **state)
{
    const struct zrr zone[] = {EMAIL_ZONE, {0}};
    const char *const sel[] = {"sel2024", "Selector1"};
    struct tk_observe_request req = {
        .domain = D, .selectors = sel, .nselectors = 2, .common_selectors = true};
    struct tk_observation *obs = observe_req(zone, &req);
    size_t i;

    assert_int_equal(obs->ndkim, 10);
    assert_string_equal(obs->dkim[0].selector, "sel2024");
    assert_true(obs->dkim[0].from_inventory);
    assert_string_equal(obs->dkim[1].selector, "selector1");
    assert_true(obs->dkim[1].from_inventory);
    for (i = 2; i < obs->ndkim; i++) {
        assert_false(obs->dkim[i].from_inventory);
        assert_string_not_equal(obs->dkim[i].selector, "selector1");
    }
    assert_string_equal(obs->dkim[0].key.name, "sel2024._domainkey." D);
    tk_observation_destroy(obs);
}

/* TK_DKIM_SELECTORS_MAX selectors are asked, no more: both sides. */
static void test_selectors_limit(void **state)
{
    const struct zrr zone[] = {EMAIL_ZONE, {0}};
    static char names[TK_DKIM_SELECTORS_MAX + 4][16];
    const char *sel[TK_DKIM_SELECTORS_MAX + 4];
    const size_t counts[] = {TK_DKIM_SELECTORS_MAX - 1, TK_DKIM_SELECTORS_MAX,
                             TK_DKIM_SELECTORS_MAX + 1, TK_DKIM_SELECTORS_MAX + 4};
    size_t i, k;

    for (i = 0; i < NELEM(sel); i++) {
        snprintf(names[i], sizeof(names[i]), "inv%zu", i);
        sel[i] = names[i];
    }
    for (k = 0; k < NELEM(counts); k++) {
        struct tk_observe_request req = {.domain = D, .selectors = sel, .nselectors = counts[k]};
        struct tk_observation *obs = observe_req(zone, &req);
        size_t want = counts[k] < TK_DKIM_SELECTORS_MAX ? counts[k] : TK_DKIM_SELECTORS_MAX;

        assert_int_equal(obs->ndkim, want);
        assert_int_equal(qlog_count_sub("._domainkey."), want);
        assert_string_equal(obs->dkim[want - 1].selector, names[want - 1]);
        tk_observation_destroy(obs);
    }
}

/* ---- profile inference ---- */

struct profile_case {
    const char *what;
    struct zrr zone[ZONE_MAX];
    enum tk_profile hint;
    enum tk_profile want;
    bool inferred;
    const char *reason; /* in profile_reason */
};

static const struct profile_case profile_cases[] = {
    {"MX", {MX(D, 10, "mail." D)}, TK_PROFILE_UNSET, TK_PROFILE_EMAIL, true, "MX"},
    {"MX and deny-all SPF",
     {MX(D, 10, "mail." D), TXT(D, "v=spf1 -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "MX"},
    {"null MX and -all",
     {MX(D, 0, "."), TXT(D, "v=spf1 -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "null MX"},
    {"no MX and -all", {TXT(D, "v=spf1 -all")}, TK_PROFILE_UNSET, TK_PROFILE_PARKED, true, "no MX"},
    {"no MX, no SPF, a single A record",
     {A(D, "192.0.2.1")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "no MX"},
    {"nothing at all", {{0}}, TK_PROFILE_UNSET, TK_PROFILE_PARKED, true, "no MX"},
    {"no MX, SPF with include",
     {TXT(D, "v=spf1 include:_spf.vendor.com -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "SPF"},
    {"no MX, SPF with ip4",
     {TXT(D, "v=spf1 ip4:192.0.2.0/24 -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "SPF"},
    {"null MX, SPF with a",
     {MX(D, 0, "."), TXT(D, "v=spf1 a -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "SPF"},
    {"no MX, SPF redirect",
     {TXT(D, "v=spf1 redirect=_spf.vendor.com")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "SPF"},
    {"no MX, +all", {TXT(D, "v=spf1 +all")}, TK_PROFILE_UNSET, TK_PROFILE_EMAIL, true, "SPF"},
    {"no MX, ~all authorises nobody",
     {TXT(D, "v=spf1 ~all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "no MX"},
    {"no MX, -include authorises nobody",
     {TXT(D, "v=spf1 -include:_spf.vendor.com -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "no MX"},
    {"no MX, redirect ignored beside -all",
     {TXT(D, "v=spf1 redirect=_spf.vendor.com -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "no MX"},
    {"no MX, the seed's broken '- all'",
     {TXT(D, "v=spf1 - all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_PARKED,
     true,
     "no MX"},
    {"MX look-up failed",
     {TEMP(D, TK_DNS_MX), TXT(D, "v=spf1 -all")},
     TK_PROFILE_UNSET,
     TK_PROFILE_EMAIL,
     true,
     "failed"},
    {"hint parked overrides MX",
     {MX(D, 10, "mail." D)},
     TK_PROFILE_PARKED,
     TK_PROFILE_PARKED,
     false,
     "inventory"},
    {"hint email overrides null MX and -all",
     {MX(D, 0, "."), TXT(D, "v=spf1 -all")},
     TK_PROFILE_EMAIL,
     TK_PROFILE_EMAIL,
     false,
     "inventory"},
};

static void test_profile_inference(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(profile_cases); i++) {
        const struct profile_case *c = &profile_cases[i];
        struct tk_observe_request req = {.domain = D, .profile_hint = c->hint};
        struct tk_observation *obs;

        print_message("case %zu: %s\n", i, c->what);
        obs = observe_req(c->zone, &req);
        if (obs->profile != c->want)
            fail_msg("case %zu (%s): profile %s, want %s (%s)", i, c->what,
                     tk_profile_name(obs->profile), tk_profile_name(c->want), obs->profile_reason);
        assert_int_equal(obs->profile_inferred, c->inferred);
        assert_int_equal(obs->profile_hint, c->hint);
        if (strstr(obs->profile_reason, c->reason) == NULL)
            fail_msg("case %zu: reason '%s' lacks '%s'", i, obs->profile_reason, c->reason);
        tk_observation_destroy(obs);
    }
}

/* ---- the SPF tree ---- */

static void test_spf_include_redirect_followed(void **state)
{
    const struct zrr zone[] = {
        MX(D, 10, "mail." D),
        TXT(D, "v=spf1 include:_inc." D " redirect=_red." D),
        TXT("_inc." D, "v=spf1 include:_deep." D " ~all"),
        TXT("_deep." D, "v=spf1 ip4:192.0.2.1 ~all"),
        TXT("_red." D, "v=spf1 ip4:192.0.2.2 -all"),
        {0},
    };
    struct tk_observation *obs = observe(zone, D);
    const struct tk_spf_tree *t = &obs->spf;
    size_t i;
    int inc = -1, red = -1, deep = -1;

    assert_int_equal(t->n, 4);
    assert_string_equal(t->nodes[0].domain, D);
    assert_int_equal(t->nodes[0].parent, -1);
    assert_string_equal(t->nodes[0].via, "");
    assert_true(t->nodes[0].has_redirect);
    for (i = 1; i < t->n; i++) {
        if (strcmp(t->nodes[i].domain, "_inc." D) == 0)
            inc = (int)i;
        else if (strcmp(t->nodes[i].domain, "_red." D) == 0)
            red = (int)i;
        else if (strcmp(t->nodes[i].domain, "_deep." D) == 0)
            deep = (int)i;
    }
    assert_true(inc > 0 && red > 0 && deep > 0);
    assert_string_equal(t->nodes[inc].via, "include");
    assert_int_equal(t->nodes[inc].parent, 0);
    assert_int_equal(t->nodes[inc].depth, 1);
    assert_string_equal(t->nodes[red].via, "redirect");
    assert_int_equal(t->nodes[red].parent, 0);
    assert_int_equal(t->nodes[red].all, '-');
    assert_string_equal(t->nodes[deep].via, "include");
    assert_int_equal(t->nodes[deep].parent, inc);
    assert_int_equal(t->nodes[deep].depth, 2);
    assert_int_equal(t->nodes[deep].spf_status, TK_OK);
    assert_string_equal(t->nodes[deep].record, "v=spf1 ip4:192.0.2.1 ~all");
    /* 2 at the root (include, redirect), 1 in _inc */
    assert_int_equal(t->dns_terms_total, 3);
    assert_int_equal(t->void_lookups, 0);
    assert_false(t->loop || t->truncated || t->temp || t->macros);
    assert_int_equal(qlog_count("TXT _inc." D), 1);
    assert_int_equal(qlog_count("TXT _deep." D), 1);
    assert_int_equal(qlog_count("TXT _red." D), 1);
    tk_observation_destroy(obs);
}

/* dns_terms_total sums every record reached: both sides of 10. */
struct terms_case {
    const char *root, *s1, *s2, *s3;
    unsigned want_total;
};

#define H "h." D
static const struct terms_case terms_cases[] = {
    {"v=spf1 include:_s1." D " include:_s2." D " -all",
     "v=spf1 a:" H " mx:" H " exists:" H " ip4:192.0.2.0/24 ~all",
     "v=spf1 a:" H " a:" H " include:_s3." D " -all", "v=spf1 a:" H " mx:" H " -all", 10},
    {"v=spf1 include:_s1." D " include:_s2." D " -all",
     "v=spf1 a:" H " mx:" H " exists:" H " ip4:192.0.2.0/24 ~all",
     "v=spf1 a:" H " a:" H " include:_s3." D " -all", "v=spf1 a:" H " mx:" H " exists:" H " -all",
     11},
    {"v=spf1 include:_s1." D " redirect=_s2." D, "v=spf1 a:" H " mx:" H " ptr:" H " ~all",
     "v=spf1 a:" H " include:_s3." D " -all", "v=spf1 mx:" H " a:" H " exists:" H " -all", 10},
    {"v=spf1 include:_s1." D " redirect=_s2." D, "v=spf1 a:" H " mx:" H " ptr:" H " a:" H " ~all",
     "v=spf1 a:" H " include:_s3." D " -all", "v=spf1 mx:" H " a:" H " exists:" H " -all", 11},
    {"v=spf1 ip4:192.0.2.1 -all", "", "", "", 0},
};

static void test_spf_dns_terms_summed(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(terms_cases); i++) {
        const struct terms_case *c = &terms_cases[i];
        const struct zrr zone[] = {
            MX(D, 10, "mail." D), A(D, "192.0.2.9"),    TXT(D, c->root),
            TXT("_s1." D, c->s1), TXT("_s2." D, c->s2), TXT("_s3." D, c->s3),
            A(H, "192.0.2.1"),    MX(H, 10, H),         {0},
        };
        struct tk_observation *obs = observe(zone, D);
        unsigned sum = 0;
        size_t k;

        print_message("case %zu: want %u\n", i, c->want_total);
        assert_int_equal(obs->spf.dns_terms_total, c->want_total);
        for (k = 0; k < obs->spf.n; k++)
            sum += obs->spf.nodes[k].dns_terms;
        assert_int_equal(sum, c->want_total);
        assert_int_equal(obs->spf.void_lookups, 0);
        assert_false(obs->spf.truncated);
        tk_observation_destroy(obs);
    }
}

/* void look-ups: both sides of 2. */
struct void_case {
    const char *record;
    unsigned want;
    const char *example; /* in void_examples, or NULL */
};

static const struct void_case void_cases[] = {
    {"v=spf1 a:" H " mx:" H " exists:" H " -all", 0, NULL},
    {"v=spf1 a:gone1." D " -all", 1, "gone1." D},
    {"v=spf1 a:gone1." D " mx:gone2." D " -all", 2, "gone2." D},
    {"v=spf1 a:gone1." D " mx:gone2." D " exists:gone3." D " -all", 3, "gone3." D},
    {"v=spf1 mx:aonly." D " -all", 1, "aonly." D},      /* exists, but no MX: no data */
    {"v=spf1 include:gone4." D " -all", 1, "gone4." D}, /* include of nothing */
    {"v=spf1 include:txtonly." D " -all", 0, NULL},     /* TXT, not SPF: an answer */
    {"v=spf1 a -all", 1, D},                            /* the domain itself has no A */
    {"v=spf1 a:gone1." D " a:gone1." D " include:gone4." D " -all", 3, "gone4." D},
};

static void test_spf_void_lookups(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(void_cases); i++) {
        const struct void_case *c = &void_cases[i];
        const struct zrr zone[] = {
            MX(D, 10, "mail." D),
            TXT(D, c->record),
            A(H, "192.0.2.1"),
            MX(H, 10, H),
            A("aonly." D, "192.0.2.2"),
            TXT("txtonly." D, "google-site-verification=abc"),
            {0},
        };
        struct tk_observation *obs = observe(zone, D);
        size_t k;
        bool found = c->example == NULL;

        print_message("case %zu: %s\n", i, c->record);
        assert_int_equal(obs->spf.void_lookups, c->want);
        assert_int_equal(obs->spf.nvoid_examples,
                         c->want < TK_SPF_VOID_EXAMPLES ? c->want : TK_SPF_VOID_EXAMPLES);
        for (k = 0; k < obs->spf.nvoid_examples; k++)
            if (c->example && strcmp(obs->spf.void_examples[k], c->example) == 0)
                found = true;
        assert_true(found);
        assert_false(obs->spf.temp);
        tk_observation_destroy(obs);
    }
}

/* a/mx/exists targets checked for void look-ups are bounded. */
static void test_spf_void_checks_bounded(void **state)
{
    static char rec[2048];
    struct zrr zone[] = {MX(D, 10, "mail." D), TXT(D, rec), {0}};
    struct tk_observation *obs;
    size_t i, o;

    o = (size_t)snprintf(rec, sizeof(rec), "v=spf1");
    for (i = 0; i < TK_SPF_VOID_CHECKS_MAX + 10; i++)
        o += (size_t)snprintf(rec + o, sizeof(rec) - o, " a:v%zu." D, i);
    snprintf(rec + o, sizeof(rec) - o, " -all");
    obs = observe(zone, D);
    assert_int_equal(qlog_count_sub("A v"), TK_SPF_VOID_CHECKS_MAX);
    assert_int_equal(obs->spf.void_lookups, TK_SPF_VOID_CHECKS_MAX);
    tk_observation_destroy(obs);
}

struct loop_case {
    const char *what;
    struct zrr zone[ZONE_MAX];
    bool want_loop;
    size_t want_n;
    const char *loop_domain; /* the node marked loop */
};

static const struct loop_case loop_cases[] = {
    {"a -> b -> a",
     {TXT(D, "v=spf1 include:_b." D " -all"), TXT("_b." D, "v=spf1 include:" D " -all")},
     true,
     3,
     D},
    {"a -> a", {TXT(D, "v=spf1 include:" D " -all")}, true, 2, D},
    {"a -> b -> c -> b",
     {TXT(D, "v=spf1 include:_b." D " -all"), TXT("_b." D, "v=spf1 include:_c." D " -all"),
      TXT("_c." D, "v=spf1 include:_b." D " -all")},
     true,
     4,
     "_b." D},
    {"redirect a -> b -> a",
     {TXT(D, "v=spf1 redirect=_b." D), TXT("_b." D, "v=spf1 redirect=" D)},
     true,
     3,
     D},
    {"diamond a -> b, c -> d is no loop",
     {TXT(D, "v=spf1 include:_b." D " include:_c." D " -all"),
      TXT("_b." D, "v=spf1 include:_d." D " -all"), TXT("_c." D, "v=spf1 include:_d." D " -all"),
      TXT("_d." D, "v=spf1 ip4:192.0.2.1 -all")},
     false,
     5,
     NULL},
};

static void test_spf_loop(void **state)
{
    size_t i, k;

    for (i = 0; i < NELEM(loop_cases); i++) {
        const struct loop_case *c = &loop_cases[i];
        struct tk_observation *obs;
        size_t nloop = 0;

        print_message("case %zu: %s\n", i, c->what);
        obs = observe(c->zone, D);
        assert_int_equal(obs->spf.loop, c->want_loop);
        assert_int_equal(obs->spf.n, c->want_n);
        for (k = 0; k < obs->spf.n; k++) {
            const struct tk_spf_node *nd = &obs->spf.nodes[k];

            if (!nd->loop)
                continue;
            nloop++;
            assert_string_equal(nd->domain, c->loop_domain);
            assert_int_equal(nd->spf_status, TK_INVALID);
            assert_non_null(strstr(nd->spf_error, "loop"));
            assert_false(nd->txt.asked); /* the loop is not fetched again */
        }
        assert_int_equal(nloop, c->want_loop ? 1 : 0);
        /* the root's TXT is asked once: in phase one */
        assert_int_equal(qlog_count("TXT " D), 1);
        assert_int_equal(qlog_count("TXT _b." D), c->want_n > 2 ? 1 : 0);
        tk_observation_destroy(obs);
    }
}

/* A chain of includes: TK_SPF_TREE_NODES_MAX records fit, one more is
 * truncated; so is a wide tree. */
static void test_spf_tree_truncated(void **state)
{
    enum { CHAIN_MAX = TK_SPF_TREE_NODES_MAX + 8, WIDE = 50 };
    const size_t lengths[] = {TK_SPF_TREE_NODES_MAX - 1, TK_SPF_TREE_NODES_MAX,
                              TK_SPF_TREE_NODES_MAX + 1, CHAIN_MAX};
    static char names[CHAIN_MAX + WIDE][64], recs[CHAIN_MAX][96], wide[4096];
    static struct zrr zone[CHAIN_MAX + WIDE];
    struct tk_observation *obs;
    size_t k, i, o;

    for (k = 0; k < NELEM(lengths); k++) {
        size_t len = lengths[k];

        memset(zone, 0, sizeof(zone));
        for (i = 0; i < len; i++) {
            if (i == 0)
                snprintf(names[i], sizeof(names[i]), "%s", D);
            else
                snprintf(names[i], sizeof(names[i]), "_c%zu.%s", i, D);
            if (i + 1 < len)
                snprintf(recs[i], sizeof(recs[i]), "v=spf1 include:_c%zu.%s -all", i + 1, D);
            else
                snprintf(recs[i], sizeof(recs[i]), "v=spf1 ip4:192.0.2.1 -all");
            zone[i] = (struct zrr)TXT(names[i], recs[i]);
        }
        obs = observe(zone, D);
        print_message("chain of %zu: n %zu truncated %d\n", len, obs->spf.n, obs->spf.truncated);
        assert_int_equal(obs->spf.n, len < TK_SPF_TREE_NODES_MAX ? len : TK_SPF_TREE_NODES_MAX);
        assert_int_equal(obs->spf.truncated, len > TK_SPF_TREE_NODES_MAX);
        assert_int_equal(qlog_count_sub("TXT _c"), obs->spf.n - 1);
        assert_false(obs->spf.loop);
        tk_observation_destroy(obs);
    }

    /* wide: WIDE includes in one record */
    memset(zone, 0, sizeof(zone));
    o = (size_t)snprintf(wide, sizeof(wide), "v=spf1");
    for (i = 1; i <= WIDE; i++)
        o += (size_t)snprintf(wide + o, sizeof(wide) - o, " include:_c%zu.%s", i, D);
    snprintf(wide + o, sizeof(wide) - o, " -all");
    zone[0] = (struct zrr)TXT(D, wide);
    for (i = 1; i <= WIDE; i++) {
        snprintf(names[i], sizeof(names[i]), "_c%zu.%s", i, D);
        zone[i] = (struct zrr)TXT(names[i], "v=spf1 ip4:192.0.2.1 -all");
    }
    obs = observe(zone, D);
    assert_int_equal(obs->spf.n, TK_SPF_TREE_NODES_MAX);
    assert_true(obs->spf.truncated);
    assert_int_equal(qlog_count_sub("TXT _c"), TK_SPF_TREE_NODES_MAX - 1);
    assert_true(obs->spf.dns_terms_total > TK_SPF_DNS_TERMS_MAX);
    tk_observation_destroy(obs);
}

struct macro_case {
    const char *record;
    bool want_macros;
    size_t want_n;
};

static const struct macro_case macro_cases[] = {
    {"v=spf1 include:%{d}._spf." D " -all", true, 1},
    {"v=spf1 exists:%{i}._ip." D " -all", true, 1},
    {"v=spf1 a:%{d} -all", true, 1},
    {"v=spf1 redirect=%{d}._spf." D, true, 1},
    {"v=spf1 include:_spf." D " -all", false, 2},
};

static void test_spf_macros_not_followed(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(macro_cases); i++) {
        const struct macro_case *c = &macro_cases[i];
        const struct zrr zone[] = {
            MX(D, 10, "mail." D),
            TXT(D, c->record),
            TXT("_spf." D, "v=spf1 ip4:192.0.2.1 -all"),
            {0},
        };
        struct tk_observation *obs = observe(zone, D);

        print_message("case %zu: %s\n", i, c->record);
        assert_int_equal(obs->spf.nodes[0].spf_status, TK_OK);
        assert_int_equal(obs->spf.macros, c->want_macros);
        assert_int_equal(obs->spf.n, c->want_n);
        assert_int_equal(qlog_count_sub("%"), 0);
        assert_int_equal(qlog_count_sub("{"), 0);
        tk_observation_destroy(obs);
    }
}

struct redirect_case {
    const char *record;
    bool followed;
};

static const struct redirect_case redirect_cases[] = {
    {"v=spf1 redirect=_r." D, true},          {"v=spf1 ip4:192.0.2.1 redirect=_r." D, true},
    {"v=spf1 redirect=_r." D " -all", false}, {"v=spf1 -all redirect=_r." D, false},
    {"v=spf1 redirect=_r." D " ~all", false},
};

static void test_spf_redirect_ignored_with_all(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(redirect_cases); i++) {
        const struct redirect_case *c = &redirect_cases[i];
        const struct zrr zone[] = {
            MX(D, 10, "mail." D),
            TXT(D, c->record),
            TXT("_r." D, "v=spf1 ip4:192.0.2.1 -all"),
            {0},
        };
        struct tk_observation *obs = observe(zone, D);

        print_message("case %zu: %s\n", i, c->record);
        assert_int_equal(obs->spf.nodes[0].has_redirect, c->followed);
        assert_int_equal(obs->spf.n, c->followed ? 2 : 1);
        assert_int_equal(qlog_count("TXT _r." D), c->followed ? 1 : 0);
        /* redirect= counts as a DNS-querying term only when it applies */
        assert_int_equal(obs->spf.dns_terms_total, c->followed ? 1 : 0);
        tk_observation_destroy(obs);
    }
}

struct spf_temp_case {
    const char *what;
    struct zrr zone[ZONE_MAX];
    bool want_temp;
    int temp_node; /* node whose spf_status is TK_TEMP, or -1 */
};

static const struct spf_temp_case spf_temp_cases[] = {
    {"include target fails",
     {TXT(D, "v=spf1 include:_i." D " -all"), TEMP("_i." D, TK_DNS_TXT)},
     true,
     1},
    {"redirect target fails",
     {TXT(D, "v=spf1 redirect=_i." D), TEMP("_i." D, TK_DNS_TXT)},
     true,
     1},
    {"a target fails", {TXT(D, "v=spf1 a:_h." D " -all"), TEMP("_h." D, TK_DNS_A)}, true, -1},
    {"mx target fails", {TXT(D, "v=spf1 mx:_h." D " -all"), TEMP("_h." D, TK_DNS_MX)}, true, -1},
    {"deep include fails",
     {TXT(D, "v=spf1 include:_i." D " -all"), TXT("_i." D, "v=spf1 include:_j." D " -all"),
      TEMP("_j." D, TK_DNS_TXT)},
     true,
     2},
    {"the domain's own TXT fails", {TEMP(D, TK_DNS_TXT)}, true, 0},
    {"nothing fails",
     {TXT(D, "v=spf1 include:_i." D " -all"), TXT("_i." D, "v=spf1 ip4:192.0.2.1 -all")},
     false,
     -1},
};

static void test_spf_temp(void **state)
{
    size_t i, k;

    for (i = 0; i < NELEM(spf_temp_cases); i++) {
        const struct spf_temp_case *c = &spf_temp_cases[i];
        struct tk_observe_request req = {.domain = D, .profile_hint = TK_PROFILE_EMAIL};
        struct tk_observation *obs;

        print_message("case %zu: %s\n", i, c->what);
        obs = observe_req(c->zone, &req);
        assert_int_equal(obs->spf.temp, c->want_temp);
        for (k = 0; k < obs->spf.n; k++)
            assert_int_equal(obs->spf.nodes[k].spf_status == TK_TEMP, (int)k == c->temp_node);
        if (c->temp_node >= 0)
            assert_true(obs->spf.nodes[c->temp_node].spf_error[0] != '\0');
        assert_int_equal(obs->spf.void_lookups, 0); /* a failure is not a void look-up */
        tk_observation_destroy(obs);
    }
}

/* ---- DMARC ---- */

#define SUB "sub." D

struct org_case {
    const char *what;
    const char *domain;
    struct zrr zone[ZONE_MAX];
    bool want_asked;
    const char *want_org; /* obs->org_domain */
};

static const struct org_case org_cases[] = {
    {"sub-domain without a record: org asked",
     SUB,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; sp=reject")},
     true,
     D},
    {"sub-domain with its own record: org not asked",
     SUB,
     {TXT("_dmarc." SUB, "v=DMARC1; p=reject"), TXT("_dmarc." D, "v=DMARC1; p=reject")},
     false,
     D},
    {"sub-domain with a broken record of its own: org not asked",
     SUB,
     {TXT("_dmarc." SUB, "V=DMARC1; p=reject"), TXT("_dmarc." D, "v=DMARC1; p=reject")},
     false,
     D},
    {"sub-domain with only unrelated TXT at _dmarc: org asked",
     SUB,
     {TXT("_dmarc." SUB, "hello"), TXT("_dmarc." D, "v=DMARC1; p=reject")},
     true,
     D},
    {"deep sub-domain: org, not parent", "a.b." D, {{0}}, true, D},
    {"sub-domain whose _dmarc failed: org not asked",
     SUB,
     {TEMP("_dmarc." SUB, TK_DNS_TXT)},
     false,
     D},
    {"the org domain itself without a record", D, {{0}}, false, D},
    {"a .co.nz org domain", "shop.example.co.nz", {{0}}, true, "example.co.nz"},
    {"a .com org domain", "www.example.com", {{0}}, true, "example.com"},
};

static void test_dmarc_org_fallback(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(org_cases); i++) {
        const struct org_case *c = &org_cases[i];
        struct tk_observation *obs;
        char want[TK_DOMAIN_MAX + 8];

        print_message("case %zu: %s\n", i, c->what);
        obs = observe(c->zone, c->domain);
        assert_string_equal(obs->org_domain, c->want_org);
        assert_int_equal(obs->dmarc_org.asked, c->want_asked);
        snprintf(want, sizeof(want), "TXT _dmarc.%s", c->want_org);
        if (strcmp(c->domain, c->want_org) != 0)
            assert_int_equal(qlog_count(want), c->want_asked ? 1 : 0);
        if (c->want_asked)
            assert_string_equal(obs->dmarc_org.name, want + 4);
        /* never a parent between the domain and its org domain */
        assert_int_equal(qlog_count("TXT _dmarc.b." D), 0);
        tk_observation_destroy(obs);
    }
}

struct rua_case {
    const char *what;
    const char *domain;
    const char *own;     /* _dmarc.<domain>, or NULL */
    const char *org;     /* _dmarc.<org>, or NULL */
    const char *want[4]; /* authorisation names asked */
};

static const struct rua_case rua_cases[] = {
    {"own domain only", D, "v=DMARC1; p=reject; rua=mailto:d@" D, NULL, {NULL}},
    {"same organisation", D, "v=DMARC1; p=reject; rua=mailto:d@reports." D, NULL, {NULL}},
    {"external",
     D,
     "v=DMARC1; p=reject; rua=mailto:d@dmarc.vendor.com",
     NULL,
     {D "._report._dmarc.dmarc.vendor.com"}},
    {"another agency under govt.nz is external",
     D,
     "v=DMARC1; p=reject; rua=mailto:d@other.govt.nz",
     NULL,
     {D "._report._dmarc.other.govt.nz"}},
    {"internal and two external",
     D,
     "v=DMARC1; p=reject; rua=mailto:d@" D ",mailto:a@x.vendor.com,mailto:b@y.vendor.com",
     NULL,
     {D "._report._dmarc.x.vendor.com", D "._report._dmarc.y.vendor.com"}},
    {"the same destination twice",
     D,
     "v=DMARC1; p=reject; rua=mailto:a@vendor.com,mailto:b@vendor.com",
     NULL,
     {D "._report._dmarc.vendor.com"}},
    {"https is not authorised by DNS",
     D,
     "v=DMARC1; p=reject; rua=https://vendor.com/dmarc",
     NULL,
     {NULL}},
    {"ruf is not checked",
     D,
     "v=DMARC1; p=reject; rua=mailto:d@" D "; ruf=mailto:f@vendor.com",
     NULL,
     {NULL}},
    {"sub-domain: the org's record and the org as policy domain",
     SUB,
     NULL,
     "v=DMARC1; p=reject; rua=mailto:d@vendor.com",
     {D "._report._dmarc.vendor.com"}},
    {"sub-domain: its own record, rua in the org",
     SUB,
     "v=DMARC1; p=reject; rua=mailto:d@" D,
     NULL,
     {NULL}},
    {"sub-domain: its own record, external rua",
     SUB,
     "v=DMARC1; p=reject; rua=mailto:d@vendor.com",
     NULL,
     {SUB "._report._dmarc.vendor.com"}},
};

static void test_dmarc_rua_authorisation(void **state)
{
    size_t i, k;

    for (i = 0; i < NELEM(rua_cases); i++) {
        const struct rua_case *c = &rua_cases[i];
        char own_name[TK_DOMAIN_MAX + 1], q[TK_DOMAIN_MAX + 8];
        struct zrr zone[4] = {{0}};
        struct tk_observation *obs;
        size_t n = 0, nwant = 0;

        snprintf(own_name, sizeof(own_name), "_dmarc.%s", c->domain);
        if (c->own)
            zone[n++] = (struct zrr)TXT(own_name, c->own);
        if (c->org)
            zone[n++] = (struct zrr)TXT("_dmarc." D, c->org);
        print_message("case %zu: %s\n", i, c->what);
        obs = observe(zone, c->domain);
        for (k = 0; k < NELEM(c->want) && c->want[k]; k++, nwant++) {
            snprintf(q, sizeof(q), "TXT %s", c->want[k]);
            if (qlog_count(q) != 1)
                fail_msg("case %zu: %s asked %zu times", i, q, qlog_count(q));
            assert_string_equal(obs->rua_auth[k].txt.name, c->want[k]);
        }
        assert_int_equal(obs->nrua_auth, nwant);
        assert_int_equal(qlog_count_sub("._report._dmarc."), nwant);
        tk_observation_destroy(obs);
    }
}

/* ---- temporary failures are data ---- */

typedef const struct tk_lookup *(*lookup_get)(const struct tk_observation *obs);

static const struct tk_lookup *get_mx(const struct tk_observation *o)
{
    return &o->mx;
}
static const struct tk_lookup *get_txt(const struct tk_observation *o)
{
    return &o->txt;
}
static const struct tk_lookup *get_dmarc(const struct tk_observation *o)
{
    return &o->dmarc;
}
static const struct tk_lookup *get_dmarc_org(const struct tk_observation *o)
{
    return &o->dmarc_org;
}
static const struct tk_lookup *get_tlsrpt(const struct tk_observation *o)
{
    return &o->tlsrpt;
}
static const struct tk_lookup *get_tlsrpt_seed(const struct tk_observation *o)
{
    return &o->tlsrpt_seed;
}
static const struct tk_lookup *get_mta_sts(const struct tk_observation *o)
{
    return &o->mta_sts;
}
static const struct tk_lookup *get_wildcard(const struct tk_observation *o)
{
    return &o->dkim_wildcard;
}
static const struct tk_lookup *get_dkim0(const struct tk_observation *o)
{
    return o->ndkim > 0 ? &o->dkim[0].key : NULL;
}
static const struct tk_lookup *get_rua0(const struct tk_observation *o)
{
    return o->nrua_auth > 0 ? &o->rua_auth[0].txt : NULL;
}
static const struct tk_lookup *get_spf1(const struct tk_observation *o)
{
    return o->spf.n > 1 ? &o->spf.nodes[1].txt : NULL;
}

struct temp_case {
    const char *what;
    const char *domain;
    struct zrr zone[ZONE_MAX];
    const char *selector;
    lookup_get get;
    const char *name;
};

static const struct temp_case temp_cases[] = {
    {"MX", D, {TEMP(D, TK_DNS_MX)}, NULL, get_mx, D},
    {"TXT", D, {MX(D, 10, "mail." D), TEMP(D, TK_DNS_TXT)}, NULL, get_txt, D},
    {"_dmarc",
     D,
     {MX(D, 10, "mail." D), TEMP("_dmarc." D, TK_DNS_TXT)},
     NULL,
     get_dmarc,
     "_dmarc." D},
    {"_dmarc of the org",
     SUB,
     {MX(SUB, 10, "mail." D), TEMP("_dmarc." D, TK_DNS_TXT)},
     NULL,
     get_dmarc_org,
     "_dmarc." D},
    {"_smtp._tls",
     D,
     {MX(D, 10, "mail." D), TEMP("_smtp._tls." D, TK_DNS_TXT)},
     NULL,
     get_tlsrpt,
     "_smtp._tls." D},
    {"_smtptls",
     D,
     {MX(D, 10, "mail." D), TEMP("_smtptls." D, TK_DNS_TXT)},
     NULL,
     get_tlsrpt_seed,
     "_smtptls." D},
    {"_mta-sts",
     D,
     {MX(D, 10, "mail." D), TEMP("_mta-sts." D, TK_DNS_TXT)},
     NULL,
     get_mta_sts,
     "_mta-sts." D},
    {"DKIM selector",
     D,
     {MX(D, 10, "mail." D), TEMP("sel._domainkey." D, TK_DNS_TXT)},
     "sel",
     get_dkim0,
     "sel._domainkey." D},
    {"*._domainkey",
     D,
     {MX(D, 0, "."), TEMP("*._domainkey." D, TK_DNS_TXT)},
     NULL,
     get_wildcard,
     "*._domainkey." D},
    {"rua authorisation",
     D,
     {MX(D, 10, "mail." D), TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@vendor.com"),
      TEMP(D "._report._dmarc.vendor.com", TK_DNS_TXT)},
     NULL,
     get_rua0,
     D "._report._dmarc.vendor.com"},
    {"SPF include",
     D,
     {MX(D, 10, "mail." D), TXT(D, "v=spf1 include:_spf.vendor.com -all"),
      TEMP("_spf.vendor.com", TK_DNS_TXT)},
     NULL,
     get_spf1,
     "_spf.vendor.com"},
};

static void test_temp_failures(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(temp_cases); i++) {
        const struct temp_case *c = &temp_cases[i];
        const char *sel[1] = {c->selector};
        struct tk_observe_request req = {
            .domain = c->domain, .selectors = sel, .nselectors = c->selector ? 1 : 0};
        struct tk_observation *obs;
        const struct tk_lookup *l;

        print_message("case %zu: %s\n", i, c->what);
        obs = observe_req(c->zone, &req);
        l = c->get(obs);
        assert_non_null(l);
        assert_true(l->asked);
        assert_string_equal(l->name, c->name);
        assert_int_equal(l->status, TK_TEMP);
        assert_true(l->why[0] != '\0');
        assert_int_equal(l->n, 0);
        tk_observation_destroy(obs);
    }
}

/* A domain whose every first question fails costs no second round; one
 * answer is enough for the second round to be asked. */
static void test_dead_domain_stops_after_phase_one(void **state)
{
    const struct zrr dead[] = {
        TEMP(SUB, TK_DNS_MX),
        TEMP(SUB, TK_DNS_TXT),
        TEMP("_dmarc." SUB, TK_DNS_TXT),
        TEMP("_smtp._tls." SUB, TK_DNS_TXT),
        TEMP("_mta-sts." SUB, TK_DNS_TXT),
        {0},
    };
    const struct zrr one_answer[] = {
        TEMP(SUB, TK_DNS_MX),
        TEMP(SUB, TK_DNS_TXT),
        TEMP("_dmarc." SUB, TK_DNS_TXT),
        TEMP("_smtp._tls." SUB, TK_DNS_TXT),
        TXT("_mta-sts." SUB, "v=STSv1; id=1;"),
        {0},
    };
    struct tk_observation *obs;

    obs = observe(dead, SUB);
    qlog_print();
    assert_int_equal(qlog.n, 5);
    assert_int_equal(obs->ndkim, 0);
    assert_false(obs->dmarc_org.asked);
    assert_false(obs->tlsrpt_seed.asked);
    tk_observation_destroy(obs);

    obs = observe(one_answer, SUB);
    assert_int_equal(obs->ndkim, 9); /* MX failed: judged email, selectors asked */
    assert_int_equal(qlog.n, 5 + 9);
    tk_observation_destroy(obs);
}

/* An absent name and a name with no data of the type are told apart. */
static void test_absent_nxdomain(void **state)
{
    const struct zrr zone[] = {A(D, "192.0.2.1"), {0}};
    struct tk_observation *obs = observe(zone, D);

    assert_int_equal(obs->mx.status, TK_ABSENT);
    assert_false(obs->mx.nxdomain);
    assert_int_equal(obs->dmarc.status, TK_ABSENT);
    assert_true(obs->dmarc.nxdomain);
    assert_int_equal(obs->spf.nodes[0].spf_status, TK_ABSENT);
    tk_observation_destroy(obs);
}

/* An RRset has no order: the records come out sorted (MX by
 * preference), whatever order the server gave, so the same records make
 * the same observation. */
static void test_records_sorted(void **state)
{
    const struct zrr zone[] = {MX(D, 20, "mx2." D), MX(D, 10, "mx9." D),
                               MX(D, 10, "mx1." D), TXT(D, "v=spf1 -all"),
                               TXT(D, "MS=ms123"),  TXT(D, "google-site-verification=x"),
                               TXT(D, "MS=ms12"),   {0}};
    struct tk_observation *obs = observe(zone, D);

    (void)state;
    assert_int_equal(obs->mx.n, 3);
    assert_string_equal(obs->mx.rr[0].text, "mx1." D);
    assert_string_equal(obs->mx.rr[1].text, "mx9." D);
    assert_string_equal(obs->mx.rr[2].text, "mx2." D);
    assert_int_equal(obs->mx.rr[2].pref, 20);
    assert_int_equal(obs->txt.n, 4);
    assert_string_equal(obs->txt.rr[0].text, "MS=ms12");
    assert_string_equal(obs->txt.rr[1].text, "MS=ms123");
    assert_string_equal(obs->txt.rr[2].text, "google-site-verification=x");
    assert_string_equal(obs->txt.rr[3].text, "v=spf1 -all");
    assert_int_equal(obs->spf.nodes[0].spf_status, TK_OK);
    tk_observation_destroy(obs);
}

/* ---- invalid domain names ---- */

struct name_case {
    const char *what;
    const char *domain;
    enum tk_status want;
    const char *normal; /* TK_OK: obs->domain */
    const char *msg;    /* not OK: in err.msg */
};

static char long300[301], long253[254], long254dot[256], label63[80], label64[80];

static const struct name_case name_cases[] = {
    {"a space", "agency govt.nz", TK_INVALID, NULL, "0x20"},
    {"300 characters", long300, TK_INVALID, NULL, "longer"},
    {"a bare TLD", "nz", TK_INVALID, NULL, "top-level"},
    {"a bare TLD with a dot", "nz.", TK_INVALID, NULL, "top-level"},
    {"empty", "", TK_INVALID, NULL, "empty"},
    {"the root", ".", TK_INVALID, NULL, "empty"},
    {"an empty label", "agency..govt.nz", TK_INVALID, NULL, "empty label"},
    {"a control byte",
     "agen\x01"
     "cy.govt.nz",
     TK_INVALID, NULL, "0x01"},
    {"a line break", "agency.govt.nz\n", TK_INVALID, NULL, "0x0a"},
    {"non-ASCII", "m\xc4\x81ori.govt.nz", TK_INVALID, NULL, "0xc4"},
    {"a label of 64", label64, TK_INVALID, NULL, "label"},
    {"a label of 63", label63, TK_OK, label63, NULL},
    {"253 characters", long253, TK_OK, long253, NULL},
    {"253 characters and a trailing dot", long254dot, TK_OK, long253, NULL},
    {"upper case and a trailing dot", "Agency.GOVT.nz.", TK_OK, D, NULL},
};

static void make_long_names(void)
{
    size_t i;

    /* 300: labels of 49 and dots */
    for (i = 0; i < 300; i++)
        long300[i] = (i % 50 == 49) ? '.' : 'a';
    long300[300] = '\0';
    /* 253: three labels of 63 and one of 61 */
    for (i = 0; i < 253; i++)
        long253[i] = (i % 64 == 63) ? '.' : 'b';
    long253[253] = '\0';
    snprintf(long254dot, sizeof(long254dot), "%s.", long253);
    memset(label63, 'c', 63);
    snprintf(label63 + 63, sizeof(label63) - 63, ".govt.nz");
    memset(label64, 'c', 64);
    snprintf(label64 + 64, sizeof(label64) - 64, ".govt.nz");
}

static void test_invalid_domain_refused(void **state)
{
    struct tk_static_zone *z;
    size_t i;

    make_long_names();
    assert_int_equal(strlen(long300), 300);
    assert_int_equal(strlen(long253), 253);
    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    for (i = 0; i < NELEM(name_cases); i++) {
        const struct name_case *c = &name_cases[i];
        struct tk_observe_request req = {.domain = c->domain, .common_selectors = true};
        struct tk_resolver *r;
        struct tk_error err = {0};
        struct run run = {0};
        enum tk_status st;

        print_message("case %zu: %s\n", i, c->what);
        assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
        st = tk_observe_start(r, &req, on_done, &run, &err);
        assert_int_equal(st, c->want);
        if (st != TK_OK) {
            assert_int_equal(tk_resolver_queries_sent(r), 0);
            assert_true(err.msg[0] != '\0');
            if (strstr(err.msg, c->msg) == NULL)
                fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, c->msg);
        }
        assert_int_equal(tk_resolver_drain(r, &err), TK_OK);
        assert_int_equal(run.done_calls, st == TK_OK ? 1 : 0);
        if (st == TK_OK) {
            assert_string_equal(run.obs->domain, c->normal);
            tk_observation_destroy(run.obs);
        }
        tk_resolver_free(r);
    }
    tk_static_zone_free(z);
}

/* Many domains in flight on one resolver at once: each is done once
 * with its own records. */
static void test_many_domains_one_resolver(void **state)
{
    static const char *const domains[] = {"a.govt.nz", "b.govt.nz", "c.govt.nz", "d.govt.nz"};
    struct tk_static_zone *z;
    struct tk_resolver *r;
    struct tk_error err = {0};
    struct run runs[4] = {{0}};
    size_t i;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    for (i = 0; i < 4; i++) {
        char rec[64];

        snprintf(rec, sizeof(rec), "v=spf1 ip4:192.0.2.%zu -all", i + 1);
        assert_int_equal(tk_static_zone_add_txt(z, domains[i], rec), TK_OK);
    }
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    for (i = 0; i < 4; i++) {
        struct tk_observe_request req = {.domain = domains[i], .common_selectors = true};

        assert_int_equal(tk_observe_start(r, &req, on_done, &runs[i], &err), TK_OK);
    }
    assert_int_equal(tk_resolver_drain(r, &err), TK_OK);
    for (i = 0; i < 4; i++) {
        char rec[64];

        snprintf(rec, sizeof(rec), "v=spf1 ip4:192.0.2.%zu -all", i + 1);
        assert_int_equal(runs[i].done_calls, 1);
        assert_string_equal(runs[i].obs->domain, domains[i]);
        assert_string_equal(runs[i].obs->spf.nodes[0].record, rec);
        tk_observation_destroy(runs[i].obs);
    }
    tk_resolver_free(r);
    tk_static_zone_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_questions_per_profile),
        cmocka_unit_test(test_selectors_inventory_first),
        cmocka_unit_test(test_selectors_limit),
        cmocka_unit_test(test_profile_inference),
        cmocka_unit_test(test_spf_include_redirect_followed),
        cmocka_unit_test(test_spf_dns_terms_summed),
        cmocka_unit_test(test_spf_void_lookups),
        cmocka_unit_test(test_spf_void_checks_bounded),
        cmocka_unit_test(test_spf_loop),
        cmocka_unit_test(test_spf_tree_truncated),
        cmocka_unit_test(test_spf_macros_not_followed),
        cmocka_unit_test(test_spf_redirect_ignored_with_all),
        cmocka_unit_test(test_spf_temp),
        cmocka_unit_test(test_dmarc_org_fallback),
        cmocka_unit_test(test_dmarc_rua_authorisation),
        cmocka_unit_test(test_temp_failures),
        cmocka_unit_test(test_dead_domain_stops_after_phase_one),
        cmocka_unit_test(test_absent_nxdomain),
        cmocka_unit_test(test_records_sorted),
        cmocka_unit_test(test_invalid_domain_refused),
        cmocka_unit_test(test_many_domains_one_resolver),
    };

    /* A loop the observer failed to stop would spin in the drain: end
     * the run instead of hanging the suite. */
    alarm(60);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
