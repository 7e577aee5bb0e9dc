/*
 * NAME
 *	test_changes.c - unit tests of change events (monitor/changes.c)
 * DESCRIPTION
 *	Table-driven over every pair of definite statuses (pass, warn,
 *	fail), with the same and with other evidence, and each definite
 *	status followed by unknown: which event, with what before, after
 *	and fix, and what state is left. Then the domain-level cases: a
 *	rule decided for the first time, a brand-new domain (one new-domain
 *	event, no rule events; nothing at all when everything is unknown),
 *	a domain gone (one event, the rules' states untouched, none again
 *	while it stays gone, one again when it goes after coming back) and never seen and
 *	gone (nothing), the limits of the state table, states computed in
 *	place, and that states round-trip (fed back with the same judgement
 *	they give no event and the same states).
 *
 *	Then the issue's scenario end to end from static zones observed and
 *	judged by the real rules: scan, a DNS outage (every look-up
 *	SERVFAIL: no event, states kept), then SPF -all to ~all and DMARC
 *	reject to none: exactly SPF-HARDFAIL and DMARC-REJECT regress (and
 *	SPF-PRESENT and DMARC-PRESENT, still passing, see the records'
 *	text change: record-changed), the same events as comparing with
 *	the scan before the outage directly.
 *	tk_observation_gone is checked on an empty zone (NXDOMAIN), and on
 *	each way of not being gone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "dns/resolver.h"
#include "monitor/changes.h"
#include "observe/observe.h"
#include "rules/rules.h"

#define D "agency.govt.nz"

/* ---- building judgements and states ---- */

static void judgement_add(struct tk_judgement *j, const char *rule, enum tk_verdict v,
                          const char *evidence, const char *fix)
{
    struct tk_finding *f;

    assert_true(j->n < TK_FINDINGS_MAX);
    f = &j->findings[j->n++];
    f->rule = tk_rule_find(rule);
    assert_non_null(f->rule);
    f->status = v;
    snprintf(f->evidence, sizeof(f->evidence), "%s", evidence);
    snprintf(f->remediation, sizeof(f->remediation), "%s", fix);
    if (v != TK_VERDICT_UNKNOWN)
        j->all_unknown = false;
}

static void state_set(struct tk_rule_state *s, const char *rule, enum tk_verdict v,
                      const char *evidence, int64_t scan_id)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->rule, sizeof(s->rule), "%s", rule);
    s->status = v;
    snprintf(s->evidence, sizeof(s->evidence), "%s", evidence);
    s->scan_id = scan_id;
}

/* The output of one tk_changes_compute. */
struct result {
    struct tk_rule_state states[TK_RULE_STATES_MAX];
    size_t nstates;
    struct tk_event events[TK_EVENTS_MAX];
    size_t nevents;
};

static void compute(const struct tk_rule_state *prev, size_t nprev, bool seen,
                    const struct tk_judgement *j, bool gone, int64_t scan_id, struct result *out)
{
    memset(out, 0xa5, sizeof(*out)); /* nothing may be read from before */
    tk_changes_compute(prev, nprev, seen, j, gone, scan_id, out->states, &out->nstates, out->events,
                       &out->nevents);
    assert_true(out->nstates <= TK_RULE_STATES_MAX);
    assert_true(out->nevents <= TK_EVENTS_MAX);
}

static const struct tk_rule_state *state_of(const struct result *r, const char *rule)
{
    size_t i;

    for (i = 0; i < r->nstates; i++)
        if (strcmp(r->states[i].rule, rule) == 0)
            return &r->states[i];
    return NULL;
}

static void states_equal(const struct tk_rule_state *a, size_t na, const struct tk_rule_state *b,
                         size_t nb, bool same_scan)
{
    size_t i;

    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_string_equal(a[i].rule, b[i].rule);
        assert_int_equal(a[i].status, b[i].status);
        assert_string_equal(a[i].evidence, b[i].evidence);
        if (same_scan)
            assert_int_equal(a[i].scan_id, b[i].scan_id);
    }
}

/* ---- one rule, every transition ---- */

#define P TK_VERDICT_PASS
#define F TK_VERDICT_FAIL
#define W TK_VERDICT_WARN
#define U TK_VERDICT_UNKNOWN
#define NONE (-1)

static void test_transitions(void **state)
{
    static const struct {
        enum tk_verdict from;
        const char *before;
        enum tk_verdict to;
        const char *after;
        int kind; /* enum tk_event_kind, or NONE */
    } cases[] = {
        {P, "\"v=spf1 -all\"", P, "\"v=spf1 -all\"", NONE},
        {P, "\"v=spf1 -all\"", P, "\"v=spf1 ip4:192.0.2.1 -all\"", TK_EVENT_RECORD_CHANGED},
        {P, "\"v=spf1 -all\"", F, "\"v=spf1 ~all\"", TK_EVENT_REGRESSION},
        {P, "\"v=spf1 -all\"", F, "\"v=spf1 -all\"", TK_EVENT_REGRESSION},
        {P, "max_age 604800", W, "max_age 172800", TK_EVENT_REGRESSION},
        {W, "max_age 172800", F, "max_age 3600", TK_EVENT_REGRESSION},
        {W, "max_age 172800", P, "max_age 604800", TK_EVENT_IMPROVEMENT},
        {W, "max_age 172800", W, "max_age 172800", NONE},
        {W, "max_age 172800", W, "max_age 100000", TK_EVENT_RECORD_CHANGED},
        {F, "\"v=spf1 ~all\"", P, "\"v=spf1 -all\"", TK_EVENT_IMPROVEMENT},
        {F, "max_age 3600", W, "max_age 172800", TK_EVENT_IMPROVEMENT},
        {F, "\"v=spf1 ~all\"", F, "\"v=spf1 ~all\"", NONE},
        {F, "\"v=spf1 ~all\"", F, "\"v=spf1 ?all\"", TK_EVENT_RECORD_CHANGED},
        {P, "\"v=spf1 -all\"", U, "the look-up of agency.govt.nz failed", NONE},
        {W, "max_age 172800", U, "timeout", NONE},
        {F, "\"v=spf1 ~all\"", U, "SERVFAIL", NONE},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        struct tk_rule_state prev[2];
        struct tk_judgement j = {.all_unknown = true};
        struct result r;
        const struct tk_rule_state *s;

        print_message("case %zu: %s -> %s\n", i, tk_verdict_name(cases[i].from),
                      tk_verdict_name(cases[i].to));
        state_set(&prev[0], "DMARC-RUA", P, "rua=mailto:d@" D, 3);
        state_set(&prev[1], "SPF-HARDFAIL", cases[i].from, cases[i].before, 4);
        judgement_add(&j, "DMARC-RUA", U, "SERVFAIL", "retry");
        judgement_add(&j, "SPF-HARDFAIL", cases[i].to, cases[i].after, "Publish -all.");
        compute(prev, 2, true, &j, false, 9, &r);

        if (cases[i].kind == NONE) {
            assert_int_equal(r.nevents, 0);
        } else {
            assert_int_equal(r.nevents, 1);
            assert_int_equal(r.events[0].kind, cases[i].kind);
            assert_string_equal(r.events[0].rule, "SPF-HARDFAIL");
            assert_int_equal(r.events[0].from, cases[i].from);
            assert_int_equal(r.events[0].to, cases[i].to);
            assert_string_equal(r.events[0].before, cases[i].before);
            assert_string_equal(r.events[0].after, cases[i].after);
            assert_string_equal(r.events[0].remediation, "Publish -all.");
        }
        /* The unknown rule kept its state, scan and all; so did one
         * found again as it was (its scan says since when). */
        assert_int_equal(r.nstates, 2);
        assert_memory_equal(&r.states[0], &prev[0], sizeof(prev[0]));
        s = state_of(&r, "SPF-HARDFAIL");
        assert_non_null(s);
        if (cases[i].to == U || cases[i].kind == NONE) {
            assert_memory_equal(s, &prev[1], sizeof(prev[1]));
        } else {
            assert_int_equal(s->status, cases[i].to);
            assert_string_equal(s->evidence, cases[i].after);
            assert_int_equal(s->scan_id, 9);
        }
    }
}

/* A rule decided for the first time on a seen domain: its state is
 * recorded, and it is no event (there is nothing to compare with). */
static void test_first_decision(void **state)
{
    struct tk_rule_state prev[1];
    struct tk_judgement j = {.all_unknown = true};
    struct result r;

    (void)state;
    state_set(&prev[0], "SPF-PRESENT", P, "one SPF record", 1);
    judgement_add(&j, "SPF-PRESENT", P, "one SPF record", "");
    judgement_add(&j, "DKIM-SIGNED", F, "selector1: no key", "Publish the key.");
    judgement_add(&j, "TLSRPT", U, "timeout", "retry");
    compute(prev, 1, true, &j, false, 2, &r);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(r.nstates, 2);
    assert_string_equal(r.states[0].rule, "SPF-PRESENT");
    assert_int_equal(r.states[0].scan_id, 1); /* as it was */
    assert_string_equal(r.states[1].rule, "DKIM-SIGNED");
    assert_int_equal(r.states[1].scan_id, 2);
    /* Only the new one is for the store to write. */
    assert_int_equal(tk_changes_set_by(r.states, r.nstates, 2), 1);
    assert_string_equal(r.states[0].rule, "DKIM-SIGNED");
    assert_int_equal(r.states[1].status, F);
    assert_string_equal(r.states[1].evidence, "selector1: no key");
    assert_null(state_of(&r, "TLSRPT"));
}

/* A domain not seen before: one new-domain event (the summary of the
 * first snapshot), no rule events even if prev holds something, the
 * states of every definite finding. */
static void test_new_domain(void **state)
{
    struct tk_judgement j = {.all_unknown = true, .compliant = false};
    struct result r;

    (void)state;
    judgement_add(&j, "SPF-PRESENT", P, "one record", "");
    judgement_add(&j, "SPF-HARDFAIL", F, "\"v=spf1 ~all\"", "Publish -all.");
    judgement_add(&j, "DMARC-ADKIM-STRICT", W, "adkim=r", "adkim=s");
    judgement_add(&j, "TLSRPT", U, "timeout", "retry");
    compute(NULL, 0, false, &j, false, 1, &r);
    assert_int_equal(r.nevents, 1);
    assert_int_equal(r.events[0].kind, TK_EVENT_NEW_DOMAIN);
    assert_string_equal(r.events[0].rule, "");
    assert_int_equal(r.events[0].from, U);
    assert_int_equal(r.events[0].to, F);
    assert_string_equal(r.events[0].before, "");
    assert_non_null(strstr(r.events[0].after, "not compliant"));
    assert_non_null(strstr(r.events[0].after, "1 rules pass, 1 fail, 1 warn, 1 unknown"));
    assert_int_equal(r.nstates, 3);
    assert_string_equal(r.states[1].rule, "SPF-HARDFAIL");
    assert_int_equal(r.states[1].scan_id, 1);

    /* Compliant: to is pass. */
    j.compliant = true;
    compute(NULL, 0, false, &j, false, 1, &r);
    assert_int_equal(r.events[0].to, P);
    assert_non_null(strstr(r.events[0].after, ": compliant"));

    /* Not seen but with stale states: still new-domain only. */
    {
        struct tk_rule_state prev[1];

        state_set(&prev[0], "SPF-HARDFAIL", P, "\"v=spf1 -all\"", 0);
        compute(prev, 1, false, &j, false, 1, &r);
        assert_int_equal(r.nevents, 1);
        assert_int_equal(r.events[0].kind, TK_EVENT_NEW_DOMAIN);
    }
}

/* Nothing definite: no new-domain (the first definite snapshot is
 * still to come), no states. */
static void test_new_domain_all_unknown(void **state)
{
    struct tk_judgement j = {.all_unknown = true};
    struct result r;

    (void)state;
    judgement_add(&j, "SPF-PRESENT", U, "timeout", "retry");
    judgement_add(&j, "DMARC-PRESENT", U, "timeout", "retry");
    compute(NULL, 0, false, &j, false, 1, &r);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(r.nstates, 0);

    /* And an empty judgement (no rule of the profile ran). */
    j.n = 0;
    compute(NULL, 0, false, &j, false, 1, &r);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(r.nstates, 0);
}

/* Gone: one event, the states as they were (the NXDOMAIN judgement is
 * all fail: it must not become a regression of every rule). */
static void test_gone(void **state)
{
    struct tk_rule_state prev[3], gone_states[4];
    struct tk_judgement j = {.all_unknown = true};
    struct result r;

    (void)state;
    state_set(&prev[0], "SPF-PRESENT", P, "one record", 4);
    state_set(&prev[1], "SPF-HARDFAIL", P, "\"v=spf1 -all\"", 4);
    state_set(&prev[2], "DMARC-PRESENT", W, "x", 2);
    judgement_add(&j, "SPF-PRESENT", F, "no SPF record (NXDOMAIN)", "Publish one.");
    judgement_add(&j, "SPF-HARDFAIL", F, "no SPF record", "Publish one.");
    judgement_add(&j, "DMARC-PRESENT", F, "no DMARC record", "Publish one.");
    compute(prev, 3, true, &j, true, 5, &r);
    assert_int_equal(r.nevents, 1);
    assert_int_equal(r.events[0].kind, TK_EVENT_GONE);
    assert_string_equal(r.events[0].rule, "");
    assert_non_null(strstr(r.events[0].after, "NXDOMAIN"));
    assert_true(r.events[0].remediation[0] != '\0');
    /* the rules' states as they were, and one that remembers it went */
    assert_int_equal(r.nstates, 4);
    assert_memory_equal(r.states, prev, sizeof(prev));
    assert_string_equal(r.states[3].rule, "@gone");
    assert_int_equal(r.states[3].status, F);

    /* Still gone at the next scans: no event again. */
    memcpy(gone_states, r.states, sizeof(gone_states));
    compute(gone_states, 4, true, &j, true, 6, &r);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(r.nstates, 4);
    assert_memory_equal(r.states, gone_states, sizeof(gone_states));

    /* Never seen and gone: nothing at all. */
    compute(NULL, 0, false, &j, true, 5, &r);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(r.nstates, 0);

    /* The name comes back as it was: compared with before it went. */
    j.n = 0;
    judgement_add(&j, "SPF-PRESENT", P, "one record", "");
    judgement_add(&j, "SPF-HARDFAIL", F, "\"v=spf1 ~all\"", "Publish -all.");
    compute(gone_states, 4, true, &j, false, 7, &r);
    assert_int_equal(r.nevents, 1);
    assert_int_equal(r.events[0].kind, TK_EVENT_REGRESSION);
    assert_string_equal(r.events[0].rule, "SPF-HARDFAIL");
    assert_string_equal(r.states[3].rule, "@gone");
    assert_int_equal(r.states[3].status, P);

    /* And goes again: a gone event again. */
    memcpy(gone_states, r.states, sizeof(gone_states));
    j.n = 0;
    judgement_add(&j, "SPF-PRESENT", F, "no SPF record (NXDOMAIN)", "Publish one.");
    compute(gone_states, 4, true, &j, true, 8, &r);
    assert_int_equal(r.nevents, 1);
    assert_int_equal(r.events[0].kind, TK_EVENT_GONE);
    assert_int_equal(r.states[3].status, F);
}

/* Events come in judgement order, one per changed rule. */
static void test_many_events(void **state)
{
    static const char *const rules[] = {"TLSRPT",        "SPF-PRESENT",  "SPF-HARDFAIL",
                                        "DMARC-PRESENT", "DMARC-REJECT", "DMARC-RUA"};
    struct tk_rule_state prev[NELEM(rules)];
    struct tk_judgement j = {.all_unknown = true};
    struct result r;
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(rules); i++) {
        /* Stored in reverse: order follows the judgement, not the store. */
        state_set(&prev[NELEM(rules) - 1 - i], rules[i], P, "ok", 1);
        judgement_add(&j, rules[i], i % 2 ? F : P, i % 2 ? "bad" : "ok", "fix");
    }
    compute(prev, NELEM(rules), true, &j, false, 2, &r);
    assert_int_equal(r.nevents, 3);
    assert_string_equal(r.events[0].rule, "SPF-PRESENT");
    assert_string_equal(r.events[1].rule, "DMARC-PRESENT");
    assert_string_equal(r.events[2].rule, "DMARC-RUA");
    for (i = 0; i < 3; i++)
        assert_int_equal(r.events[i].kind, TK_EVENT_REGRESSION);
}

/* The states given back, fed back with the same judgement: no event,
 * the same states (only the scan moves on). And in place. */
static void test_round_trip(void **state)
{
    struct tk_judgement j = {.all_unknown = true};
    struct result first, again;
    struct tk_rule_state inplace[TK_RULE_STATES_MAX];
    size_t n, nev;
    struct tk_event events[TK_EVENTS_MAX];

    (void)state;
    judgement_add(&j, "SPF-PRESENT", P, "one record", "");
    judgement_add(&j, "SPF-HARDFAIL", F, "\"v=spf1 ~all\"", "Publish -all.");
    judgement_add(&j, "DMARC-REJECT", W, "p=quarantine", "p=reject");
    judgement_add(&j, "TLSRPT", U, "timeout", "retry");
    compute(NULL, 0, false, &j, false, 1, &first);
    compute(first.states, first.nstates, true, &j, false, 2, &again);
    assert_int_equal(again.nevents, 0);
    states_equal(again.states, again.nstates, first.states, first.nstates, false);
    assert_int_equal(again.states[0].scan_id, 1);
    assert_int_equal(tk_changes_set_by(again.states, again.nstates, 2), 0);

    /* states may be prev itself. */
    memcpy(inplace, first.states, first.nstates * sizeof(inplace[0]));
    j.findings[1].status = P;
    tk_changes_compute(inplace, first.nstates, true, &j, false, 3, inplace, &n, events, &nev);
    assert_int_equal(n, first.nstates);
    assert_int_equal(nev, 1);
    assert_int_equal(events[0].kind, TK_EVENT_IMPROVEMENT);
    assert_string_equal(events[0].before, "\"v=spf1 ~all\"");
    assert_int_equal(inplace[1].status, P);
}

/* The same findings again change nothing, whatever came before: tiaki
 * scan relies on it to skip reading the rule states of a domain whose
 * content is its newest snapshot's (cli/cmd_scan.c, scan_unchanged).
 * Random histories of four rules, with unknown findings and names that
 * go and come back. */
static void test_same_findings_fixed_point(void **state)
{
    static const char *const rules[] = {"SPF-PRESENT", "SPF-HARDFAIL", "DMARC-REJECT", "TLSRPT"};
    static const enum tk_verdict verdicts[] = {P, F, W, U};
    static const char *const evidence[] = {"a", "b"};
    struct result r, again;
    unsigned seed = 7;

    (void)state;
    for (int history = 0; history < 500; history++) {
        struct tk_rule_state prev[TK_RULE_STATES_MAX];
        size_t nprev = 0;
        bool seen = false;

        for (int scan = 1; scan <= 6; scan++) {
            struct tk_judgement j = {.all_unknown = true};
            bool gone = rand_r(&seed) % 5 == 0;

            for (size_t k = 0; k < 4; k++)
                if (rand_r(&seed) % 4)
                    judgement_add(&j, rules[k], verdicts[rand_r(&seed) % 4],
                                  evidence[rand_r(&seed) % 2], "fix");
            compute(prev, nprev, seen, &j, gone, scan, &r);
            /* seen as the store says it: a state, or a snapshot with a
             * definite finding */
            compute(r.states, r.nstates, seen || !j.all_unknown, &j, gone, scan + 100, &again);
            assert_int_equal(again.nevents, 0);
            states_equal(again.states, again.nstates, r.states, r.nstates, true);
            assert_int_equal(tk_changes_set_by(again.states, again.nstates, scan + 100), 0);
            memcpy(prev, r.states, r.nstates * sizeof(prev[0]));
            nprev = r.nstates;
            seen = seen || !j.all_unknown;
        }
    }
}

/* A full table of states is not overrun; more than the maximum given
 * in is read as the maximum. */
static void test_limits(void **state)
{
    struct tk_rule_state prev[TK_RULE_STATES_MAX + 4];
    struct tk_judgement j = {.all_unknown = true};
    struct result r;
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(prev); i++) {
        char name[TK_RULE_ID_MAX];

        snprintf(name, sizeof(name), "OLD-%zu", i);
        state_set(&prev[i], name, P, "ok", 1);
    }
    judgement_add(&j, "SPF-PRESENT", F, "none", "Publish one.");
    compute(prev, NELEM(prev), true, &j, false, 2, &r);
    assert_int_equal(r.nstates, TK_RULE_STATES_MAX);
    assert_int_equal(r.nevents, 0);
    assert_null(state_of(&r, "SPF-PRESENT"));

    /* A finding without a rule is ignored, not followed. */
    j.findings[0].rule = NULL;
    compute(prev, 1, true, &j, false, 2, &r);
    assert_int_equal(r.nstates, 1);
    assert_int_equal(r.nevents, 0);

    /* No judgement: the states stay. */
    tk_changes_compute(prev, 2, true, NULL, false, 2, r.states, &r.nstates, r.events, &r.nevents);
    assert_int_equal(r.nstates, 2);
    assert_int_equal(r.nevents, 0);
}

/* ---- the issue's scenario, from zones through the real rules ---- */

static const struct zrr zone_good[] = {
    MX(D, 10, "mail." D),
    TXT(D, "v=spf1 ip4:192.0.2.0/24 -all"),
    TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@" D),
    TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:tls@" D),
    TXT("_mta-sts." D, "v=STSv1; id=20240101T000000;"),
    {0},
};

static const struct zrr zone_weaker[] = {
    MX(D, 10, "mail." D),
    TXT(D, "v=spf1 ip4:192.0.2.0/24 ~all"),
    TXT("_dmarc." D, "v=DMARC1; p=none; adkim=s; aspf=s; rua=mailto:dmarc@" D),
    TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:tls@" D),
    TXT("_mta-sts." D, "v=STSv1; id=20240101T000000;"),
    {0},
};

/* Every name the observer asks first answers SERVFAIL. */
static const struct zrr zone_outage[] = {
    TEMP(D, TK_DNS_MX),
    TEMP(D, TK_DNS_TXT),
    TEMP("_dmarc." D, TK_DNS_TXT),
    TEMP("_smtp._tls." D, TK_DNS_TXT),
    TEMP("_smtptls." D, TK_DNS_TXT),
    TEMP("_mta-sts." D, TK_DNS_TXT),
    TEMP("govt.nz", TK_DNS_TXT),
    TEMP("_dmarc.govt.nz", TK_DNS_TXT),
    {0},
};

static const struct zrr zone_empty[] = {
    TXT("other.govt.nz", "v=spf1 -all"),
    {0},
};

/* scan observes D over rows and judges it; *gone from the observation. */
static void scan(const struct zrr *rows, struct tk_judgement *j, bool *gone)
{
    struct tk_static_zone *z;
    struct tk_observe_request req = {.domain = D, .profile_hint = TK_PROFILE_EMAIL};
    struct tk_observation *obs;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, rows);
    obs = testutil_observe(z, &req);
    tk_judge(obs, j);
    *gone = tk_observation_gone(obs);
    tk_observation_destroy(obs);
    tk_static_zone_free(z);
}

static const struct tk_event *event_for(const struct result *r, const char *rule)
{
    size_t i;

    for (i = 0; i < r->nevents; i++)
        if (strcmp(r->events[i].rule, rule) == 0)
            return &r->events[i];
    return NULL;
}

static size_t count_kind(const struct result *r, enum tk_event_kind kind)
{
    size_t i, n = 0;

    for (i = 0; i < r->nevents; i++)
        n += r->events[i].kind == kind;
    return n;
}

static void test_issue_scenario(void **state)
{
    struct tk_judgement j1, j2, j3;
    struct result s1, s2, s3, direct;
    const struct tk_event *e;
    bool gone;

    (void)state;
    /* Scan 1: a new domain, one event. */
    scan(zone_good, &j1, &gone);
    assert_false(gone);
    assert_false(j1.all_unknown);
    compute(NULL, 0, false, &j1, gone, 1, &s1);
    assert_int_equal(s1.nevents, 1);
    assert_int_equal(s1.events[0].kind, TK_EVENT_NEW_DOMAIN);
    assert_non_null(state_of(&s1, "SPF-HARDFAIL"));
    assert_int_equal(state_of(&s1, "SPF-HARDFAIL")->status, P);
    assert_int_equal(state_of(&s1, "DMARC-REJECT")->status, P);

    /* Scan 2: the DNS is down. No event; the states are scan 1's. */
    scan(zone_outage, &j2, &gone);
    assert_false(gone);
    assert_true(j2.all_unknown);
    compute(s1.states, s1.nstates, true, &j2, gone, 2, &s2);
    assert_int_equal(s2.nevents, 0);
    states_equal(s2.states, s2.nstates, s1.states, s1.nstates, true);

    /* Scan 3: SPF ~all and DMARC p=none: exactly those two regress. */
    scan(zone_weaker, &j3, &gone);
    assert_false(gone);
    compute(s2.states, s2.nstates, true, &j3, gone, 3, &s3);
    /* Two regressions; the records' text changed under the two rules
     * that still pass (SPF-PRESENT, DMARC-PRESENT): record-changed. */
    assert_int_equal(s3.nevents, 4);
    assert_int_equal(count_kind(&s3, TK_EVENT_REGRESSION), 2);
    assert_int_equal(count_kind(&s3, TK_EVENT_RECORD_CHANGED), 2);
    e = event_for(&s3, "SPF-PRESENT");
    assert_non_null(e);
    assert_int_equal(e->kind, TK_EVENT_RECORD_CHANGED);
    assert_int_equal(e->from, P);
    assert_int_equal(e->to, P);
    assert_non_null(strstr(e->before, "-all"));
    assert_non_null(strstr(e->after, "~all"));
    e = event_for(&s3, "DMARC-PRESENT");
    assert_non_null(e);
    assert_int_equal(e->kind, TK_EVENT_RECORD_CHANGED);
    e = event_for(&s3, "SPF-HARDFAIL");
    assert_non_null(e);
    assert_int_equal(e->kind, TK_EVENT_REGRESSION);
    assert_int_equal(e->from, P);
    assert_int_equal(e->to, F);
    assert_non_null(strstr(e->before, "-all"));
    assert_non_null(strstr(e->after, "~all"));
    assert_non_null(strstr(e->remediation, "-all"));
    e = event_for(&s3, "DMARC-REJECT");
    assert_non_null(e);
    assert_int_equal(e->kind, TK_EVENT_REGRESSION);
    assert_int_equal(e->from, P);
    assert_int_equal(e->to, F);
    assert_non_null(strstr(e->after, "none"));
    assert_non_null(strstr(e->remediation, "reject"));

    /* The same as comparing scan 3 with scan 1 directly. */
    compute(s1.states, s1.nstates, true, &j3, false, 3, &direct);
    assert_int_equal(direct.nevents, s3.nevents);
    assert_memory_equal(direct.events, s3.events, s3.nevents * sizeof(s3.events[0]));
    states_equal(direct.states, direct.nstates, s3.states, s3.nstates, true);

    /* Scan 4: unchanged since scan 3: nothing. */
    compute(s3.states, s3.nstates, true, &j3, false, 4, &direct);
    assert_int_equal(direct.nevents, 0);

    /* Scan 5: fixed again: two improvements (and the text back). */
    compute(s3.states, s3.nstates, true, &j1, false, 5, &direct);
    assert_int_equal(direct.nevents, 4);
    assert_int_equal(count_kind(&direct, TK_EVENT_IMPROVEMENT), 2);
    assert_int_equal(event_for(&direct, "SPF-HARDFAIL")->kind, TK_EVENT_IMPROVEMENT);
    assert_int_equal(event_for(&direct, "DMARC-REJECT")->kind, TK_EVENT_IMPROVEMENT);
    assert_int_equal(count_kind(&direct, TK_EVENT_RECORD_CHANGED), 2);
}

/* The name deleted: the observation is gone, one gone event, states kept. */
static void test_issue_gone(void **state)
{
    struct tk_judgement j1, j2;
    struct result s1, s2;
    bool gone;

    (void)state;
    scan(zone_good, &j1, &gone);
    compute(NULL, 0, false, &j1, gone, 1, &s1);
    scan(zone_empty, &j2, &gone);
    assert_true(gone);
    compute(s1.states, s1.nstates, true, &j2, gone, 2, &s2);
    assert_int_equal(s2.nevents, 1);
    assert_int_equal(s2.events[0].kind, TK_EVENT_GONE);
    /* the rules' states untouched, and one more that remembers it went */
    assert_int_equal(s2.nstates, s1.nstates + 1);
    states_equal(s2.states, s1.nstates, s1.states, s1.nstates, true);
    /* the next scan finds it still gone: no event */
    compute(s2.states, s2.nstates, true, &j2, gone, 3, &s1);
    assert_int_equal(s1.nevents, 0);
}

/* tk_observation_gone needs all three look-ups asked, absent, NXDOMAIN. */
static void test_observation_gone(void **state)
{
    struct tk_observation *obs = calloc(1, sizeof(*obs));
    struct tk_lookup *l[3];
    size_t i;

    (void)state;
    assert_non_null(obs);
    l[0] = &obs->mx, l[1] = &obs->txt, l[2] = &obs->dmarc;
    assert_false(tk_observation_gone(NULL));
    assert_false(tk_observation_gone(obs)); /* nothing asked */
    for (i = 0; i < 3; i++)
        l[i]->asked = true, l[i]->status = TK_ABSENT, l[i]->nxdomain = true;
    assert_true(tk_observation_gone(obs));
    for (i = 0; i < 3; i++) {
        l[i]->nxdomain = false; /* NODATA: the name exists */
        assert_false(tk_observation_gone(obs));
        l[i]->nxdomain = true;
        l[i]->status = TK_TEMP; /* SERVFAIL: unknown, not gone */
        assert_false(tk_observation_gone(obs));
        l[i]->status = TK_OK;
        assert_false(tk_observation_gone(obs));
        l[i]->status = TK_ABSENT;
        l[i]->asked = false;
        assert_false(tk_observation_gone(obs));
        l[i]->asked = true;
        assert_true(tk_observation_gone(obs));
    }
    free(obs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions), cmocka_unit_test(test_first_decision),
        cmocka_unit_test(test_new_domain),  cmocka_unit_test(test_new_domain_all_unknown),
        cmocka_unit_test(test_gone),        cmocka_unit_test(test_many_events),
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_same_findings_fixed_point),
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_issue_scenario),
        cmocka_unit_test(test_issue_gone),  cmocka_unit_test(test_observation_gone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
