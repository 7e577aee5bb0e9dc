/*
 * NAME
 *	rules_dmarc.c - DMARC-PRESENT, DMARC-REJECT, DMARC-ADKIM-STRICT, DMARC-RUA
 * DESCRIPTION
 *	Which record applies follows RFC 7489 6.6.3: the domain's own, else
 *	the organisational domain's, whose sp= (else p=) then governs.
 * STANDARDS
 *	RFC 7489 6.3, 6.6.3, 7.1; RFC 9989 (t=). Seed section 8 "DMARC",
 *	section 10 "DMARC (Outbound)"; NZISM 15.2.36.C.06 (reports).
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/text.h"
#include "rules/checks.h"
#include "rules/finding.h"

/* dmarc_at decides from one look-up; TK_ABSENT when it holds no record. */
static void dmarc_at(const struct tk_lookup *l, struct dmarc_applied *d)
{
    struct tk_error err = {0};

    d->where = l->name;
    if (l->status == TK_TEMP) {
        d->status = TK_TEMP;
        tk_strlcpy(d->why, l->why, sizeof(d->why));
        return;
    }
    d->count = tk_lookup_dmarc(l, &d->rec, &d->text, &d->status, &err);
    if (d->count == 0) {
        d->status = TK_ABSENT;
        return;
    }
    if (d->count > 1) {
        d->status = TK_INVALID;
        snprintf(d->why, sizeof(d->why),
                 "%zu DMARC records at %s: receivers ignore them all (RFC 7489 6.6.3)", d->count,
                 l->name);
        return;
    }
    if (d->status != TK_OK) {
        d->status = TK_INVALID;
        tk_strlcpy(d->why, err.msg, sizeof(d->why));
    }
}

void tk_rule_input_prepare(struct tk_rule_input *in, const struct tk_observation *obs)
{
    in->obs = obs;
    memset(&in->own, 0, sizeof(in->own));
    dmarc_at(&obs->dmarc, &in->own);
    if (in->own.status != TK_ABSENT || !obs->dmarc_org.asked) {
        in->applied = in->own;
        return;
    }
    memset(&in->applied, 0, sizeof(in->applied));
    dmarc_at(&obs->dmarc_org, &in->applied);
    in->applied.from_org = true;
}

static const char *dmarc_quote(const struct dmarc_applied *d, char *q, size_t qlen)
{
    return tk_finding_quote(d->text->text, d->text->len, q, qlen);
}

/* dmarc_segment_fixed writes one tag of a broken record as it should
 * be written: the seed's "V=DMARC1" and "adkim-s" get their '=' and
 * case right; anything else stays as it was. */
static void dmarc_segment_fixed(struct tk_span seg, struct tk_buf *out)
{
    static const char *const dashed[] = {"adkim-s", "adkim-r", "aspf-s", "aspf-r", NULL};
    size_t i, n;

    if (tk_span_eq_ci(seg, "v=DMARC1")) {
        tk_buf_puts(out, "v=DMARC1");
        return;
    }
    for (i = 0; dashed[i]; i++) {
        if (!tk_span_eq_ci(seg, dashed[i]))
            continue;
        n = strlen(dashed[i]);
        tk_buf_append(out, dashed[i], n - 2);
        tk_buf_putc(out, '=');
        tk_buf_putc(out, dashed[i][n - 1]);
        return;
    }
    tk_buf_append(out, seg.p, seg.len);
}

/* dmarc_corrected rewrites a record with the seed's mistakes mended;
 * false when the result is still not a valid record. */
static bool dmarc_corrected(const struct tk_rr_text *rr, struct tk_buf *out)
{
    struct tk_dmarc_record rec;
    struct tk_cursor c;
    struct tk_span seg;

    tk_cursor_init(&c, rr->text, rr->len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_until(&c, ';', &seg);
        tk_cursor_take(&c, ';');
        seg = tk_span_trim_wsp(seg);
        if (seg.len == 0)
            continue;
        if (out->len)
            tk_buf_puts(out, "; ");
        dmarc_segment_fixed(seg, out);
    }
    return out->len > 0 && out->len < TK_QUOTE_MAX &&
           tk_dmarc_record_parse(tk_buf_cstr(out), out->len, &rec, NULL) == TK_OK;
}

static void dmarc_fix_invalid(const struct dmarc_applied *d, struct tk_finding *f)
{
    struct tk_buf fixed = {0};
    char q[TK_QUOTE_MAX + 16];

    if (d->count > 1)
        tk_finding_fix(f, "Keep exactly one record starting v=DMARC1 at %s.", d->where);
    else if (d->text && dmarc_corrected(d->text, &fixed))
        tk_finding_fix(f, "Replace the record at %s with %s", d->where,
                       tk_finding_quote(fixed.data, fixed.len, q, sizeof(q)));
    else
        tk_finding_fix(f, "Correct the record at %s: %s", d->where, d->why);
    tk_buf_free(&fixed);
}

/* dmarc_not_applied fills f for "no usable policy" and returns 1. The
 * details of a broken record are DMARC-PRESENT's to tell. */
static int dmarc_not_applied(const struct tk_observation *obs, const struct dmarc_applied *d,
                             struct tk_finding *f)
{
    if (d->status == TK_OK)
        return 0;
    if (d->status == TK_TEMP) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "the look-up of %s failed: %s", d->where, d->why);
        tk_finding_fix_retry(f, d->where);
    } else if (d->status == TK_INVALID) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "the DMARC record at %s is not valid, so no policy applies (see "
                       "DMARC-PRESENT)",
                       d->where);
        tk_finding_fix(f, "Correct the record at %s (see DMARC-PRESENT).", d->where);
    } else {
        tk_finding_set(f, TK_VERDICT_FAIL, "no DMARC record at _dmarc.%s%s%s", obs->domain,
                       d->from_org ? " nor at its organisational domain " : "",
                       d->from_org ? obs->org_domain : "");
        tk_finding_fix(f,
                       "Publish _dmarc.%s TXT \"v=DMARC1; p=reject; adkim=s; "
                       "rua=mailto:dmarc-reports@%s\".",
                       obs->domain, obs->org_domain);
    }
    return 1;
}

void check_dmarc_present(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct dmarc_applied *d = &in->own;
    char q[TK_QUOTE_MAX + 16];

    if (d->status == TK_ABSENT) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no DMARC record at _dmarc.%s%s", obs->domain,
                       in->applied.from_org && in->applied.status == TK_OK
                           ? " (the organisational domain's record applies in its place)"
                           : "");
        tk_finding_fix(f,
                       "Publish _dmarc.%s TXT \"v=DMARC1; p=reject; adkim=s; "
                       "rua=mailto:dmarc-reports@%s\".",
                       obs->domain, obs->org_domain);
        return;
    }
    if (d->status == TK_INVALID) {
        if (d->text)
            tk_finding_set(f, TK_VERDICT_FAIL, "%s at %s: %s", dmarc_quote(d, q, sizeof(q)),
                           d->where, d->why);
        else
            tk_finding_set(f, TK_VERDICT_FAIL, "%s", d->why);
        dmarc_fix_invalid(d, f);
        return;
    }
    if (dmarc_not_applied(obs, d, f))
        return;
    tk_finding_set(f, TK_VERDICT_PASS, "%s%s%s", dmarc_quote(d, q, sizeof(q)),
                   d->rec.notes.n ? "; note: " : "", d->rec.notes.n ? d->rec.notes.text[0] : "");
}

void check_dmarc_reject(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct dmarc_applied *d = &in->applied;
    enum tk_dmarc_policy p;
    const char *which;

    if (dmarc_not_applied(obs, d, f))
        return;
    p = d->rec.p;
    which = "p";
    if (d->from_org && d->rec.sp != TK_DMARC_POLICY_UNSET) {
        p = d->rec.sp;
        which = "sp";
    }
    if (p == TK_DMARC_POLICY_REJECT && d->rec.pct == 100 && !d->rec.testing) {
        tk_finding_set(f, TK_VERDICT_PASS, "%s=reject at %s%s", which, d->where,
                       d->from_org ? " (organisational domain)" : "");
        return;
    }
    if (p != TK_DMARC_POLICY_REJECT)
        tk_finding_set(f, TK_VERDICT_FAIL, "%s=%s at %s%s: failing mail is not rejected", which,
                       tk_dmarc_policy_name(p), d->where,
                       d->from_org ? " (organisational domain)" : "");
    else if (d->rec.testing)
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%s=reject but t=y at %s: receivers apply it as "
                       "quarantine (testing mode)",
                       which, d->where);
    else
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%s=reject but pct=%d at %s: only %d%% of failing "
                       "mail is rejected",
                       which, d->rec.pct, d->where, d->rec.pct);
    tk_finding_fix(f,
                   "Set p=reject (and remove pct= and t=) in _dmarc.%s once DMARC reports "
                   "show legitimate mail passes (seed section 8, moving to p=reject).",
                   obs->domain);
}

void check_dmarc_adkim_strict(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct dmarc_applied *d = &in->applied;

    if (d->status == TK_TEMP) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "the look-up of %s failed: %s", d->where, d->why);
        tk_finding_fix_retry(f, d->where);
        return;
    }
    if (d->status != TK_OK) {
        tk_finding_set(f, TK_VERDICT_WARN, "no valid DMARC record, so no adkim=s");
        tk_finding_fix(f, "Publish a DMARC record with adkim=s (see DMARC-PRESENT).");
        return;
    }
    if (d->rec.adkim == TK_DMARC_ALIGN_STRICT) {
        tk_finding_set(f, TK_VERDICT_PASS, "adkim=s at %s", d->where);
        return;
    }
    if (obs->bulk) {
        tk_finding_set(f, TK_VERDICT_PASS,
                       "relaxed DKIM alignment; allowed: the inventory marks %s as a bulk-mail "
                       "domain",
                       obs->domain);
        return;
    }
    if (d->rec.seed_adkim_dash) {
        tk_finding_set(f, TK_VERDICT_WARN,
                       "the record at %s has 'adkim-s', which is not a tag "
                       "(receivers ignore it): alignment is relaxed",
                       d->where);
        tk_finding_fix(f,
                       "Replace 'adkim-s' with 'adkim=s' in %s (the seed's example has this "
                       "typo).",
                       d->where);
        return;
    }
    tk_finding_set(f, TK_VERDICT_WARN, "DKIM alignment is relaxed (%s) at %s",
                   d->rec.adkim_written ? "adkim=r" : "no adkim=, default r", d->where);
    tk_finding_fix(f,
                   "Add adkim=s to %s; send bulk mail from a sub-domain with its own "
                   "record (seed section 8, DKIM alignment).",
                   d->where);
}

/* rua_unauthorised finds an external destination that has not agreed
 * to receive reports; returns it or NULL (*temp: the first whose
 * look-up failed, or NULL). */
static const struct tk_rua_authorisation *rua_unauthorised(const struct tk_observation *obs,
                                                           const struct tk_rua_authorisation **temp)
{
    size_t i;

    *temp = NULL;
    for (i = 0; i < obs->nrua_auth; i++) {
        const struct tk_rua_authorisation *a = &obs->rua_auth[i];

        if (a->txt.status == TK_TEMP) {
            if (*temp == NULL)
                *temp = a;
            continue;
        }
        if (tk_lookup_select(&a->txt, tk_dmarc_is_record, NULL) == 0)
            return a;
    }
    return NULL;
}

void check_dmarc_rua(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    const struct tk_rua_authorisation *bad, *temp;
    const struct dmarc_applied *d = &in->applied;
    char q[TK_QUOTE_MAX + 16];

    if (dmarc_not_applied(obs, d, f))
        return;
    if (d->rec.nrua == 0) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no rua= in %s: nobody receives aggregate reports",
                       d->where);
        tk_finding_fix(f,
                       "Add rua=mailto:dmarc-reports@%s to %s and review the reports "
                       "(NZISM 15.2.36.C.06).",
                       obs->org_domain, d->where);
        return;
    }
    bad = rua_unauthorised(obs, &temp);
    if (bad) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "%s has not authorised reports for %s: no v=DMARC1 record at %s, so "
                       "receivers send it nothing (RFC 7489 7.1)",
                       bad->destination, d->from_org ? obs->org_domain : obs->domain,
                       bad->txt.name);
        tk_finding_fix(f,
                       "Ask the operator of %s to publish %s TXT \"v=DMARC1\", or report to "
                       "an address in your own domain.",
                       bad->destination, bad->txt.name);
        return;
    }
    if (temp) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN,
                       "the look-up of %s, where %s would authorise reports, failed: %s",
                       temp->txt.name, temp->destination, temp->txt.why);
        tk_finding_fix_retry(f, temp->txt.name);
        return;
    }
    tk_finding_set(f, TK_VERDICT_PASS, "%zu report destination%s, first %s", d->rec.nrua,
                   d->rec.nrua == 1 ? "" : "s",
                   tk_finding_quote(d->rec.rua[0].uri, strlen(d->rec.rua[0].uri), q, sizeof(q)));
}
