/*
 * NAME
 *	rules_parked.c - the records a domain that sends no mail must publish
 * DESCRIPTION
 *	A parked domain proves it sends nothing: SPF authorising nobody, a
 *	revoked wildcard DKIM key, and its own strict DMARC reject policy;
 *	the parent's sp=reject alone is not enough (seed section 9,
 *	example 2).
 * STANDARDS
 *	RFC 7208, RFC 6376 3.6.1 (empty p=), RFC 7489, RFC 7505 (null MX).
 *	Seed section 9 and checklist section 10 "All Non-Email Enabled
 *	Domains".
 */
#include <stdio.h>
#include <string.h>

#include "core/domain.h"
#include "record/dkimkey.h"
#include "record/spf.h"
#include "rules/checks.h"
#include "rules/finding.h"

/* spf_is_deny_all is true for "v=spf1 -all", case and spacing aside. */
static bool spf_is_deny_all(const char *text)
{
    const char *want = "v=spf1 -all";
    bool space = false;

    while (*text == ' ')
        text++;
    for (; *text; text++) {
        if (*text == ' ') {
            space = true;
            continue;
        }
        if (space && *want++ != ' ')
            return false;
        space = false;
        if (tk_ascii_lower((unsigned char)*text) != *want++)
            return false;
    }
    return *want == '\0';
}

void check_parked_spf(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_spf_node *root = &obs->spf.nodes[0];
    char q[TK_QUOTE_MAX + 16];

    if (tk_finding_lookup_unknown(f, &obs->txt))
        return;
    tk_finding_fix(f, "Publish exactly one TXT record at %s: \"v=spf1 -all\" (seed section 9).",
                   obs->domain);
    if (root->spf_status == TK_ABSENT) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no SPF record at %s: anyone can send as it",
                       obs->domain);
        return;
    }
    /* The answer came but could not be read (malformed rdata): there is
     * no record text to judge. */
    if (root->spf_status == TK_TEMP || root->record == NULL) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "the TXT records at %s could not be read: %s",
                       obs->domain, root->spf_error);
        tk_finding_fix_retry(f, obs->domain);
        return;
    }
    tk_finding_quote(root->record, strlen(root->record), q, sizeof(q));
    if (root->spf_status != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s", q, root->spf_error);
        return;
    }
    if (!spf_is_deny_all(root->record)) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s is not \"v=spf1 -all\"", q);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%s", q);
    f->remediation[0] = '\0';
}

void check_parked_dkim(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_lookup *l = &obs->dkim_wildcard;
    struct tk_dkim_key key;
    struct tk_error err = {0};
    char q[TK_QUOTE_MAX + 16];
    bool revoked;

    if (tk_finding_lookup_unknown(f, l))
        return;
    if (l->status != TK_OK || l->n == 0) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no record at %s", l->name);
        tk_finding_fix(f, "Publish *._domainkey.%s TXT \"v=DKIM1; p=\" (seed section 9).",
                       obs->domain);
        return;
    }
    tk_finding_quote(l->rr[0].text, l->rr[0].len, q, sizeof(q));
    if (tk_dkim_key_parse(l->rr[0].text, l->rr[0].len, &key, &err) != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s at %s: %s", q, l->name, err.msg);
        tk_finding_fix(f, "Publish *._domainkey.%s TXT \"v=DKIM1; p=\" (seed section 9).",
                       obs->domain);
        return;
    }
    revoked = key.revoked;
    tk_dkim_key_free(&key);
    if (!revoked) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%s at %s publishes a usable key: mail signed as "
                       "this domain could pass",
                       q, l->name);
        tk_finding_fix(f, "Publish *._domainkey.%s TXT \"v=DKIM1; p=\" with an empty key.",
                       obs->domain);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%s at %s", q, l->name);
}

static void parked_dmarc_missing(const struct dmarc_applied *d, char *out, size_t len)
{
    size_t o = 0;

    out[0] = '\0';
    if (d->rec.p != TK_DMARC_POLICY_REJECT)
        o += (size_t)snprintf(out + o, len - o, " p=reject");
    if (d->rec.adkim != TK_DMARC_ALIGN_STRICT && o < len)
        o += (size_t)snprintf(out + o, len - o, " adkim=s");
    if (d->rec.aspf != TK_DMARC_ALIGN_STRICT && o < len)
        o += (size_t)snprintf(out + o, len - o, " aspf=s");
    if (d->rec.nrua == 0 && o < len)
        o += (size_t)snprintf(out + o, len - o, " rua=");
    if (d->rec.pct != 100 && o < len)
        snprintf(out + o, len - o, " pct=100");
}

void check_parked_dmarc(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct dmarc_applied *d = &in->applied;
    char missing[96];

    tk_finding_fix(f,
                   "Publish _dmarc.%s TXT \"v=DMARC1; p=reject; adkim=s; aspf=s; "
                   "rua=mailto:dmarc-reports@%s\" (seed section 9; note v= in lower case "
                   "and adkim=s, not the example's V= and adkim-s).",
                   obs->domain, obs->org_domain);
    if (d->status == TK_TEMP) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "the look-up of %s failed: %s", d->where, d->why);
        tk_finding_fix_retry(f, d->where);
        return;
    }
    if (d->status == TK_OK && d->from_org) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "no DMARC record of its own; the organisational "
                       "domain's sp= alone does not protect it (seed "
                       "section 9, example 2)");
        return;
    }
    if (d->status != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s",
                       d->status == TK_INVALID ? d->why : "no DMARC record");
        return;
    }
    parked_dmarc_missing(d, missing, sizeof(missing));
    if (missing[0]) {
        tk_finding_set(f, TK_VERDICT_FAIL, "the record at %s lacks:%s", d->where, missing);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "p=reject, adkim=s, aspf=s and rua= at %s", d->where);
    f->remediation[0] = '\0';
}

void check_parked_null_mx(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_lookup *mx = &obs->mx;

    if (tk_finding_lookup_unknown(f, mx))
        return;
    if (mx->status == TK_OK && mx->n == 1 && strcmp(mx->rr[0].text, ".") == 0) {
        tk_finding_set(f, TK_VERDICT_PASS, "null MX (0 .)");
        return;
    }
    tk_finding_set(f, TK_VERDICT_WARN,
                   mx->status == TK_OK ? "MX records, but the domain sends "
                                         "and receives no mail"
                                       : "no null MX: senders try its A "
                                         "record for mail");
    tk_finding_fix(f, "Publish %s MX 0 . (RFC 7505) so mail to it fails at once.", obs->domain);
}
