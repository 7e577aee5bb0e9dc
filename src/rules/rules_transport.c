/*
 * NAME
 *	rules_transport.c - TLSRPT and MTA-STS-TXT: what DNS says of transport
 * DESCRIPTION
 *	The DNS halves of TLS reporting and MTA-STS. The policy fetch and
 *	the TLS probes are judged elsewhere (they need connections).
 * STANDARDS
 *	RFC 8460 3 (one TXT at _smtp._tls), RFC 8461 3.1 (one TXT at
 *	_mta-sts). Seed section 8 "TLS Reporting" (whose example name
 *	_smtptls is wrong) and "MTA-STS".
 */
#include <stdio.h>
#include <string.h>

#include "record/mtasts.h"
#include "record/tlsrpt.h"
#include "rules/checks.h"
#include "rules/finding.h"

static void tlsrpt_absent(const struct tk_observation *obs, struct tk_finding *f)
{
    const struct tk_rr_text *seed;

    if (tk_lookup_select(&obs->tlsrpt_seed, tk_tlsrpt_is_candidate, &seed) > 0) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "no record at _smtp._tls.%s; the record at _smtptls.%s (the name in the "
                       "framework's example) is ignored by senders",
                       obs->domain, obs->domain);
        tk_finding_fix(f,
                       "Publish the same TXT record at _smtp._tls.%s (RFC 8460 3) and "
                       "delete _smtptls.%s.",
                       obs->domain, obs->domain);
        return;
    }
    tk_finding_set(f, TK_VERDICT_FAIL, "no TLS-RPT record at _smtp._tls.%s", obs->domain);
    tk_finding_fix(f, "Publish _smtp._tls.%s TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\".",
                   obs->domain, obs->org_domain);
}

void check_tlsrpt(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_rr_text *rr;
    struct tk_tlsrpt_record rec;
    struct tk_error err = {0};
    char q[TK_QUOTE_MAX + 16];
    size_t n;

    if (tk_finding_lookup_unknown(f, &obs->tlsrpt))
        return;
    n = tk_lookup_select(&obs->tlsrpt, tk_tlsrpt_is_candidate, &rr);
    if (n == 0) {
        tlsrpt_absent(obs, f);
        return;
    }
    if (n > 1) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%zu TLS-RPT records at _smtp._tls.%s: senders "
                       "use none when there is more than one",
                       n, obs->domain);
        tk_finding_fix(f, "Keep exactly one TXT record starting v=TLSRPTv1 at _smtp._tls.%s.",
                       obs->domain);
        return;
    }
    tk_finding_quote(rr->text, rr->len, q, sizeof(q));
    if (tk_tlsrpt_record_parse(rr->text, rr->len, &rec, &err) != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s", q, err.msg);
        tk_finding_fix(f,
                       "Correct _smtp._tls.%s: %s (e.g. \"v=TLSRPTv1; "
                       "rua=mailto:tls-reports@%s\").",
                       obs->domain, err.msg, obs->org_domain);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%s%s%s", q, rec.notes.n ? "; note: " : "",
                   rec.notes.n ? rec.notes.text[0] : "");
}

void check_mta_sts_txt(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_rr_text *rr;
    struct tk_mtasts_txt rec;
    struct tk_error err = {0};
    char q[TK_QUOTE_MAX + 16];
    size_t n;

    if (tk_finding_lookup_unknown(f, &obs->mta_sts))
        return;
    n = tk_lookup_select(&obs->mta_sts, tk_mtasts_txt_is_candidate, &rr);
    if (n == 0) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no MTA-STS record at _mta-sts.%s", obs->domain);
        tk_finding_fix(f,
                       "Publish _mta-sts.%s TXT \"v=STSv1; id=20260101T000000;\" and serve "
                       "a policy with mode: enforce at https://mta-sts.%s/.well-known/"
                       "mta-sts.txt.",
                       obs->domain, obs->domain);
        return;
    }
    if (n > 1) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%zu MTA-STS records at _mta-sts.%s: senders "
                       "ignore MTA-STS when there is more than one",
                       n, obs->domain);
        tk_finding_fix(f, "Keep exactly one TXT record starting v=STSv1 at _mta-sts.%s.",
                       obs->domain);
        return;
    }
    tk_finding_quote(rr->text, rr->len, q, sizeof(q));
    if (tk_mtasts_txt_parse(rr->text, rr->len, &rec, &err) != TK_OK) {
        tk_finding_set(f, TK_VERDICT_FAIL, "%s: %s", q, err.msg);
        tk_finding_fix(f, "Correct _mta-sts.%s: %s", obs->domain, err.msg);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%s", q);
}
