/*
 * NAME
 *	rules.c - the rule table and the judge that runs it
 * DESCRIPTION
 *	The order of the table is the order findings are shown in. Rule
 *	ids are interface (FRAMEWORK-RULES.md): add rows, never rename.
 *	MTA-STS-TXT is tiaki's own addition: the DNS half of
 *	MTA-STS-ENFORCE, decidable without fetching the policy.
 */
#include <string.h>

#include "rules/checks.h"

const struct tk_rule tk_rules[] = {
    {"TLS-MIN-1.2", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 TLS; 10 TLS", NULL, check_tls_min, true},
    {"TLS-REQUIRED", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 TLS; 10 Implicit TLS", NULL,
     check_tls_required, true},
    {"TLS-CERT", TK_LEVEL_SHOULD, TK_PROFILE_EMAIL, "8 TLS; 10 TLS (advisory)", NULL,
     check_tls_cert, true},
    {"TLSRPT", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 TLS-RPT; 10 TLS-RPT", NULL, check_tlsrpt, false},
    {"SPF-PRESENT", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 SPF; 10 SPF", NULL, check_spf_present,
     false},
    {"SPF-HARDFAIL", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 SPF; 10 SPF", NULL, check_spf_hardfail,
     false},
    {"DKIM-SIGNED", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 DKIM; 10 DKIM", NULL, check_dkim_signed,
     false},
    {"DMARC-PRESENT", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 DMARC; 10 DMARC (Outbound)", NULL,
     check_dmarc_present, false},
    {"DMARC-REJECT", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 DMARC; 10 DMARC (Outbound)", NULL,
     check_dmarc_reject, false},
    {"DMARC-ADKIM-STRICT", TK_LEVEL_SHOULD, TK_PROFILE_EMAIL, "8 DMARC; 10 DMARC (Outbound)", NULL,
     check_dmarc_adkim_strict, false},
    {"DMARC-RUA", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 DMARC Reporting Services", "15.2.36.C.06",
     check_dmarc_rua, false},
    {"MTA-STS-TXT", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 MTA-STS; 10 MTA-STS", NULL,
     check_mta_sts_txt, false},
    {"MTA-STS-ENFORCE", TK_LEVEL_MUST, TK_PROFILE_EMAIL, "8 MTA-STS; 10 MTA-STS", NULL,
     check_mta_sts_enforce, true},
    {"DANE", TK_LEVEL_INFO, TK_PROFILE_EMAIL, "8 MTA-STS (to be superseded by DANE)", NULL,
     check_dane, true},
    {"PARKED-SPF", TK_LEVEL_MUST, TK_PROFILE_PARKED, "9 SPF; 10 Non-email SPF", NULL,
     check_parked_spf, false},
    {"PARKED-DKIM", TK_LEVEL_MUST, TK_PROFILE_PARKED, "9 DKIM; 10 Non-email DKIM", NULL,
     check_parked_dkim, false},
    {"PARKED-DMARC", TK_LEVEL_MUST, TK_PROFILE_PARKED, "9 DMARC; 10 Non-email DMARC",
     "15.2.36.C.06", check_parked_dmarc, false},
    {"PARKED-NULL-MX", TK_LEVEL_SHOULD, TK_PROFILE_PARKED, "9 (RFC 7505 null MX)", NULL,
     check_parked_null_mx, false},
    {NULL, 0, 0, NULL, NULL, NULL, false},
};

void tk_judgement_copy(struct tk_judgement *dst, const struct tk_judgement *src)
{
    dst->n = src->n;
    memcpy(dst->findings, src->findings, src->n * sizeof(src->findings[0]));
    dst->compliant = src->compliant;
    dst->all_unknown = src->all_unknown;
    dst->not_probed = src->not_probed;
}

void tk_judge(const struct tk_observation *obs, struct tk_judgement *out)
{
    const struct tk_rule *r;
    struct tk_rule_input in;
    bool any_known = false;

    tk_rule_input_prepare(&in, obs);
    out->n = 0;
    out->not_probed = 0;
    out->compliant = true;
    for (r = tk_rules; r->id && out->n < TK_FINDINGS_MAX; r++) {
        struct tk_finding *f;

        if (r->profile != obs->profile)
            continue;
        if (r->needs_probe && !obs->probed) {
            out->not_probed++;
            continue;
        }
        f = &out->findings[out->n++];
        f->rule = r;
        f->status = TK_VERDICT_UNKNOWN;
        f->evidence[0] = f->remediation[0] = '\0';
        r->check(&in, f);
        if (f->status != TK_VERDICT_UNKNOWN)
            any_known = true;
        if (r->level == TK_LEVEL_MUST && f->status != TK_VERDICT_PASS)
            out->compliant = false;
    }
    out->all_unknown = !any_known;
    if (out->n == 0)
        out->compliant = false;
}

const char *tk_verdict_name(enum tk_verdict v)
{
    static const char *const names[] = {"pass", "fail", "warn", "unknown"};

    return (unsigned)v < 4 ? names[v] : "?";
}

const char *tk_level_name(enum tk_level l)
{
    static const char *const names[] = {"MUST", "SHOULD", "INFO"};

    return (unsigned)l < 3 ? names[l] : "?";
}

const struct tk_rule *tk_rule_find(const char *id)
{
    const struct tk_rule *r;

    for (r = tk_rules; r->id; r++)
        if (strcmp(r->id, id) == 0)
            return r;
    return NULL;
}
