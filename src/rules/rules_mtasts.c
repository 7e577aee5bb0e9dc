/*
 * NAME
 *	rules_mtasts.c - MTA-STS-ENFORCE: the TXT record, the policy, its MX
 * DESCRIPTION
 *	A sender applies MTA-STS only when all of it holds: the TXT record,
 *	the policy fetched over HTTPS with a valid certificate and no
 *	redirect, mode enforce, and mx patterns covering the hosts it will
 *	connect to. The rule walks that chain in the sender's order and
 *	stops at the first broken link, which is what to mend first.
 * STANDARDS
 *	RFC 8461 3.1 (TXT), 3.2 (policy), 3.3 (fetch: HTTPS, no redirects,
 *	text/plain), 4.1 (MX matching), 5 (max_age). Seed section 8
 *	"MTA-STS"; FRAMEWORK-RULES.md: max_age >= 86400, warn under 604800.
 */
#include <stdio.h>
#include <string.h>

#include "record/mtasts.h"
#include "rules/checks.h"
#include "rules/finding.h"

#define STS_MAX_AGE_MIN 86400UL
#define STS_MAX_AGE_GOOD 604800UL

/* sts_suggest writes the policy the domain should serve: its current
 * MX hosts, enforce, a week. */
static void sts_suggest(const struct tk_observation *obs, struct tk_finding *f, const char *lead)
{
    char mx[TK_REMEDIATION_MAX / 2] = "";
    size_t i, used = 0;

    for (i = 0; i < obs->nmx_hosts && used < sizeof(mx); i++)
        used += (size_t)snprintf(mx + used, sizeof(mx) - used, "mx: %s\\n", obs->mx_hosts[i].name);
    tk_finding_fix(f,
                   "%sServe https://mta-sts.%s/.well-known/mta-sts.txt as text/plain, "
                   "with a certificate valid for mta-sts.%s and no redirect: "
                   "\"version: STSv1\\nmode: enforce\\n%smax_age: 604800\\n\"; then change "
                   "the id= of _mta-sts.%s.",
                   lead, obs->domain, obs->domain, mx, obs->domain);
}

/* sts_uncovered names the first MX host no pattern matches; NULL when
 * every host is covered. */
static const char *sts_uncovered(const struct tk_observation *obs,
                                 const struct tk_mtasts_policy *pol)
{
    size_t i, k;

    for (i = 0; i < obs->nmx_hosts; i++) {
        for (k = 0; k < pol->nmx; k++)
            if (tk_mtasts_mx_matches(pol->mx[k], obs->mx_hosts[i].name))
                break;
        if (k == pol->nmx)
            return obs->mx_hosts[i].name;
    }
    return NULL;
}

/* sts_host_found is false (and sets f) when mta-sts.<domain> has no
 * address or its look-up failed. */
static bool sts_host_found(const struct tk_observation *obs, struct tk_finding *f)
{
    if (obs->sts_fetch.attempted != TK_PROBE_NOT_TRIED)
        return true;
    if (obs->sts_a.status == TK_TEMP && obs->sts_aaaa.status != TK_OK) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN,
                       "the address of mta-sts.%s could not be looked up: %s", obs->domain,
                       obs->sts_a.why);
        tk_finding_fix_retry(f, obs->sts_a.name);
        return false;
    }
    tk_finding_set(f, TK_VERDICT_FAIL,
                   "_mta-sts.%s announces a policy but mta-sts.%s has no address", obs->domain,
                   obs->domain);
    sts_suggest(obs, f, "Publish an A (and AAAA) record for mta-sts.");
    return false;
}

/* sts_fetched is false (and sets f) when the policy could not be had. */
static bool sts_fetched(const struct tk_observation *obs, struct tk_finding *f)
{
    const struct tk_mtasts_fetch *fe = &obs->sts_fetch;

    if (fe->status == TK_OK)
        return true;
    if (fe->status == TK_TEMP) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "%s [%s]: %s", fe->url, fe->address, fe->error);
        tk_finding_fix(f, "Make https://mta-sts.%s answer, then check again.", obs->domain);
        return false;
    }
    tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s", fe->url, fe->error);
    sts_suggest(obs, f, "");
    return false;
}

static void sts_judge_policy(const struct tk_observation *obs, const struct tk_mtasts_policy *pol,
                             struct tk_finding *f)
{
    const char *uncovered = sts_uncovered(obs, pol);

    if (pol->mode != TK_MTASTS_MODE_ENFORCE) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "policy mode: %s; senders do not refuse an insecure "
                       "delivery",
                       tk_mtasts_mode_name(pol->mode));
        sts_suggest(obs, f, "Change the policy to mode: enforce. ");
    } else if (uncovered) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "no mx: pattern of the policy matches the MX host %s: senders enforcing the "
                       "policy refuse to deliver to it",
                       uncovered);
        sts_suggest(obs, f, "List every MX host in the policy. ");
    } else if (pol->max_age < STS_MAX_AGE_MIN) {
        tk_finding_set(f, TK_VERDICT_FAIL, "mode: enforce, but max_age: %lu is under a day",
                       pol->max_age);
        sts_suggest(obs, f, "Raise max_age to 604800 (a week) or more. ");
    } else if (pol->max_age < STS_MAX_AGE_GOOD) {
        tk_finding_set(f, TK_VERDICT_WARN,
                       "mode: enforce, %zu mx pattern(s) cover every MX host; "
                       "max_age: %lu is under a week",
                       pol->nmx, pol->max_age);
        tk_finding_fix(f,
                       "Raise max_age to 604800 (a week) or more, so a policy survives an "
                       "outage of mta-sts.%s.",
                       obs->domain);
    } else {
        tk_finding_set(f, TK_VERDICT_PASS,
                       "mode: enforce, %zu mx pattern(s) cover every MX host, max_age: %lu",
                       pol->nmx, pol->max_age);
    }
}

void check_mta_sts_enforce(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    struct tk_mtasts_policy pol;
    struct tk_error err = {0};

    /* The TXT record is MTA-STS-TXT's: the same verdict, and nothing
     * further is asked of a domain without one. */
    check_mta_sts_txt(in, f);
    if (f->status != TK_VERDICT_PASS)
        return;
    f->evidence[0] = f->remediation[0] = '\0';
    if (!sts_host_found(obs, f) || !sts_fetched(obs, f))
        return;
    if (tk_mtasts_policy_parse(obs->sts_fetch.body, obs->sts_fetch.body_len, &pol, &err) != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s", obs->sts_fetch.url, err.msg);
        sts_suggest(obs, f, "Correct the policy. ");
        return;
    }
    sts_judge_policy(obs, &pol, f);
}
