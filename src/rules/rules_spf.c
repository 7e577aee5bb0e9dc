/*
 * NAME
 *	rules_spf.c - SPF-PRESENT and SPF-HARDFAIL
 * DESCRIPTION
 *	Judged on the observer's SPF tree: the domain's record, and every
 *	record its include: and redirect= terms reach.
 * STANDARDS
 *	RFC 7208 4.5 (one record), 4.6.4 (10 DNS-querying terms, 2 void
 *	look-ups), 5.2 (include of a name with no record is permerror),
 *	6.1 (redirect), 5.1 (all). Seed section 8 "SPF".
 */
#include <stdio.h>
#include <string.h>

#include "rules/checks.h"
#include "rules/finding.h"

static void spf_fix_publish(struct tk_finding *f, const struct tk_observation *obs)
{
    tk_finding_fix(f,
                   "Publish one TXT record at %s listing every service that sends as it and "
                   "ending in -all, e.g. \"v=spf1 include:spf.protection.outlook.com -all\" "
                   "(seed section 8).",
                   obs->domain);
}

/* spf_fix_temp names the first record of the tree whose look-up failed
 * (else the hosts its terms name) in the remediation of an unknown. */
static void spf_fix_temp(const struct tk_observation *obs, struct tk_finding *f)
{
    size_t i;

    for (i = 0; i < obs->spf.n; i++)
        if (obs->spf.nodes[i].spf_status == TK_TEMP) {
            tk_finding_fix_retry(f, obs->spf.nodes[i].domain);
            return;
        }
    tk_finding_fix(f,
                   "Check that the name servers of the hosts named in the SPF record of %s "
                   "answer; tiaki will check again.",
                   obs->domain);
}

/* spf_tree_problem reports the first record below the root that makes
 * check_host() fail; returns 1 when it did. */
static int spf_tree_problem(const struct tk_observation *obs, struct tk_finding *f)
{
    const struct tk_spf_tree *t = &obs->spf;
    size_t i;

    for (i = 1; i < t->n; i++) {
        const struct tk_spf_node *nd = &t->nodes[i];

        if (nd->spf_status == TK_INVALID) {
            tk_finding_set(f, TK_VERDICT_FAIL, "%s:%s: %s (receivers return permerror)", nd->via,
                           nd->domain, nd->spf_error);
            tk_finding_fix(f, "Correct or remove %s:%s in the SPF tree of %s.", nd->via, nd->domain,
                           obs->domain);
            return 1;
        }
        if (nd->spf_status == TK_ABSENT) {
            tk_finding_set(f, TK_VERDICT_FAIL,
                           "%s:%s publishes no SPF record (receivers return permerror)", nd->via,
                           nd->domain);
            tk_finding_fix(f,
                           "Remove %s:%s from the SPF record of %s, or use the name the "
                           "sending service documents.",
                           nd->via, nd->domain, obs->domain);
            return 1;
        }
    }
    return 0;
}

/* spf_limits reports the RFC 7208 4.6.4 limits; returns 1 when exceeded. */
static int spf_limits(const struct tk_observation *obs, struct tk_finding *f)
{
    const struct tk_spf_tree *t = &obs->spf;

    if (t->dns_terms_total > TK_SPF_DNS_TERMS_MAX || t->truncated) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%s%u DNS-querying terms across the include/redirect tree (%zu records); "
                       "the limit is %d, past it receivers return permerror",
                       t->truncated ? "more than " : "", t->dns_terms_total, t->n,
                       TK_SPF_DNS_TERMS_MAX);
        tk_finding_fix(f,
                       "Reduce the includes of %s to at most %d look-ups: remove services "
                       "no longer used, or replace an include by its ip4:/ip6: ranges.",
                       obs->domain, TK_SPF_DNS_TERMS_MAX);
        return 1;
    }
    if (t->void_lookups > TK_SPF_VOID_LOOKUPS_MAX) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%u void look-ups (names with no records, e.g. %s); the limit is %d",
                       t->void_lookups, t->void_examples[0], TK_SPF_VOID_LOOKUPS_MAX);
        tk_finding_fix(f,
                       "Remove the terms of %s's SPF tree that name hosts which no longer "
                       "exist.",
                       obs->domain);
        return 1;
    }
    return 0;
}

void check_spf_present(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_spf_node *root = &obs->spf.nodes[0];
    char q[TK_QUOTE_MAX + 16];

    if (tk_finding_lookup_unknown(f, &obs->txt))
        return;
    if (root->spf_status == TK_ABSENT) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no SPF record at %s", obs->domain);
        spf_fix_publish(f, obs);
        return;
    }
    if (root->spf_status == TK_INVALID) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s",
                       tk_finding_quote(root->record, strlen(root->record), q, sizeof(q)),
                       root->spf_error);
        tk_finding_fix(f, "Correct the SPF record at %s: %s", obs->domain, root->spf_error);
        return;
    }
    if (spf_tree_problem(obs, f) || spf_limits(obs, f))
        return;
    if (obs->spf.temp) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN,
                       "a look-up in the include/redirect tree failed temporarily");
        spf_fix_temp(obs, f);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%s (%u of %d DNS look-ups, %u void%s)",
                   tk_finding_quote(root->record, strlen(root->record), q, sizeof(q)),
                   obs->spf.dns_terms_total, TK_SPF_DNS_TERMS_MAX, obs->spf.void_lookups,
                   obs->spf.macros ? "; some targets use macros and were not followed" : "");
}

/* spf_effective_all follows redirect= from the root to the record whose
 * "all" decides; returns that node's index, or -1 with *temp set when
 * a look-up on the way failed. */
static int spf_effective_all(const struct tk_spf_tree *t, bool *temp)
{
    int idx = 0;
    unsigned hops;

    *temp = false;
    for (hops = 0; hops < TK_SPF_TREE_NODES_MAX; hops++) {
        const struct tk_spf_node *nd = &t->nodes[idx];
        size_t i;
        int next = -1;

        if (nd->spf_status == TK_TEMP) {
            *temp = true;
            return -1;
        }
        if (nd->spf_status != TK_OK || !nd->has_redirect)
            return idx;
        for (i = 1; i < t->n; i++)
            if (t->nodes[i].parent == idx && strcmp(t->nodes[i].via, "redirect") == 0)
                next = (int)i;
        if (next < 0)
            return idx;
        idx = next;
    }
    return -1;
}

static void spf_hardfail_judge(const struct tk_observation *obs, const struct tk_spf_node *nd,
                               struct tk_finding *f)
{
    const char *via = nd == &obs->spf.nodes[0] ? "" : " (reached by redirect=)";

    switch (nd->all) {
    case '-':
        tk_finding_set(f, TK_VERDICT_PASS, "the record at %s%s ends in -all", nd->domain, via);
        return;
    case '~':
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "the record at %s%s ends in ~all (softfail): mail from unlisted servers "
                       "is not rejected",
                       nd->domain, via);
        break;
    case '?':
        tk_finding_set(f, TK_VERDICT_FAIL, "the record at %s%s ends in ?all (neutral)", nd->domain,
                       via);
        break;
    case '+':
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "the record at %s%s ends in +all: every server on the internet may send "
                       "as %s",
                       nd->domain, via, obs->domain);
        break;
    default:
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "the record at %s%s has no all and no redirect=, so unlisted servers get "
                       "neutral",
                       nd->domain, via);
    }
    tk_finding_fix(f,
                   "End the SPF record at %s with -all once DMARC reports show every "
                   "legitimate sender is listed (seed section 8, moving from ~all to -all).",
                   nd->domain);
}

void check_spf_hardfail(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_spf_node *root = &obs->spf.nodes[0];
    bool temp;
    int idx;

    if (tk_finding_lookup_unknown(f, &obs->txt))
        return;
    if (root->spf_status == TK_ABSENT) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no SPF record at %s, so nothing ends in -all",
                       obs->domain);
        spf_fix_publish(f, obs);
        return;
    }
    idx = spf_effective_all(&obs->spf, &temp);
    if (temp || idx < 0) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "a look-up along the redirect= chain failed");
        spf_fix_temp(obs, f);
        return;
    }
    if (obs->spf.nodes[idx].spf_status != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "the record at %s is not valid SPF (%s), so it "
                       "does not end in -all",
                       obs->spf.nodes[idx].domain, obs->spf.nodes[idx].spf_error);
        tk_finding_fix(f, "Correct the record at %s: %s", obs->spf.nodes[idx].domain,
                       obs->spf.nodes[idx].spf_error);
        return;
    }
    spf_hardfail_judge(obs, &obs->spf.nodes[idx], f);
}
