/*
 * NAME
 *	rules_tls.c - TLS-MIN-1.2, TLS-REQUIRED, TLS-CERT: what the probes saw
 * DESCRIPTION
 *	Each rule judges every probe (one MX host at one address) alone,
 *	then the domain: fail when any address fails, else unknown when any
 *	could not be judged, else pass. The evidence names the address that
 *	decided, because "mx2 at 2001:db8::25 still takes TLS 1.0" is what
 *	an administrator can act on.
 *
 *	A certificate that does not verify is TLS-CERT's business only: the
 *	probe completes the handshake regardless (FIELD-NOTES), so a bad
 *	certificate never makes a host look as if it refused TLS.
 * STANDARDS
 *	RFC 3207 (STARTTLS), RFC 8996 (TLS 1.0 and 1.1 deprecated), RFC 6125
 *	(names), seed section 8 "TLS" and section 10.
 */
#include <stdio.h>
#include <string.h>

#include "rules/checks.h"
#include "rules/finding.h"

typedef void (*probe_judge)(const struct tk_smtp_probe *p, struct tk_part_verdict *out);

/* probe_unreached is true (and sets out) when the plain session did not
 * get as far as EHLO: nothing else about the host can be known. */
static bool probe_unreached(const struct tk_smtp_probe *p, struct tk_part_verdict *out)
{
    if (p->connected != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "could not connect: %s", p->connect_error);
        return true;
    }
    if (p->banner_code != 220) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "no SMTP greeting: %s",
                    p->banner[0] ? p->banner : p->connect_error);
        return true;
    }
    if (p->ehlo_ok != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "EHLO failed: %s",
                    p->connect_error[0] ? p->connect_error : "no reply");
        return true;
    }
    return false;
}

static bool tls_modern(const char *protocol)
{
    return strcmp(protocol, "TLSv1.2") == 0 || strcmp(protocol, "TLSv1.3") == 0;
}

static void judge_tls_min(const struct tk_smtp_probe *p, struct tk_part_verdict *out)
{
    enum tk_tls_version v;
    bool unsure = false;

    if (probe_unreached(p, out))
        return;
    if (p->starttls_offered != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_FAIL, "does not offer STARTTLS: mail to it travels in clear");
        return;
    }
    for (v = TK_TLS_SSL3; v <= TK_TLS_1_1; v++) {
        if (p->versions[v].accepted == TK_PROBE_YES) {
            tk_part_set(out, TK_VERDICT_FAIL, "accepts %s offered alone", tk_tls_version_name(v));
            return;
        }
        unsure |= p->versions[v].accepted == TK_PROBE_ERROR;
    }
    if (p->tls != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "offers STARTTLS but the handshake failed: %s",
                    p->tls_error);
        return;
    }
    if (!tls_modern(p->protocol)) {
        tk_part_set(out, TK_VERDICT_FAIL, "negotiated %s, below TLS 1.2", p->protocol);
        return;
    }
    if (unsure) {
        tk_part_set(
            out, TK_VERDICT_UNKNOWN,
            "negotiated %s, but whether it refuses TLS 1.0/1.1 could not be told: %s", p->protocol,
            p->versions[TK_TLS_1_0].accepted == TK_PROBE_ERROR ? p->versions[TK_TLS_1_0].detail
                                                               : p->versions[TK_TLS_1_1].detail);
        return;
    }
    tk_part_set(out, TK_VERDICT_PASS, "STARTTLS, %s (%s); refuses TLS 1.0 and 1.1%s", p->protocol,
                p->cipher,
                p->versions[TK_TLS_SSL3].accepted == TK_PROBE_NOT_TRIED ? " (SSLv3 not tried)"
                                                                        : " and SSLv3");
}

static void judge_tls_required(const struct tk_smtp_probe *p, struct tk_part_verdict *out)
{
    if (probe_unreached(p, out))
        return;
    switch (p->plaintext_refused) {
    case TK_PROBE_YES:
        tk_part_set(out, TK_VERDICT_PASS, "refuses mail before STARTTLS: %s", p->plaintext_reply);
        return;
    case TK_PROBE_NO:
        tk_part_set(out, TK_VERDICT_FAIL, "accepts a mail transaction without TLS: %s",
                    p->plaintext_reply);
        return;
    default:
        tk_part_set(out, TK_VERDICT_UNKNOWN, "the transaction before STARTTLS was inconclusive%s%s",
                    p->plaintext_reply[0] ? ": " : "", p->plaintext_reply);
        return;
    }
}

/* cert_problems lists what is wrong with the presented chain into buf;
 * returns how many things are. */
static int cert_problems(const struct tk_smtp_probe *p, char *buf, size_t len)
{
    const struct tk_cert_info *leaf = &p->chain[0];
    int n = 0;
    size_t used = 0;

    buf[0] = '\0';
    if (!p->chain_trusted) {
        used += (size_t)snprintf(buf + used, len - used, "not trusted (%s)", p->verify_error);
        n++;
    }
    if (!p->in_date && used < len) {
        used += (size_t)snprintf(buf + used, len - used, "%sout of date", n ? "; " : "");
        n++;
    }
    if (!p->name_matches && used < len) {
        snprintf(buf + used, len - used, "%sdoes not match %s (subject %s)", n ? "; " : "", p->host,
                 leaf->subject);
        n++;
    }
    return n;
}

static void judge_tls_cert(const struct tk_smtp_probe *p, struct tk_part_verdict *out)
{
    char problems[TK_EVIDENCE_MAX - 64];

    if (probe_unreached(p, out))
        return;
    if (p->starttls_offered != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_FAIL, "no STARTTLS, so no certificate");
        return;
    }
    if (p->tls != TK_PROBE_YES) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "the TLS handshake failed: %s", p->tls_error);
        return;
    }
    if (p->nchain == 0) {
        tk_part_set(out, TK_VERDICT_FAIL, "presented no certificate");
        return;
    }
    if (cert_problems(p, problems, sizeof(problems)) > 0) {
        tk_part_set(out, TK_VERDICT_FAIL, "certificate %s", problems);
        return;
    }
    tk_part_set(out, TK_VERDICT_PASS, "certificate for %s, trusted, in date (issuer %s)", p->host,
                p->chain[0].issuer);
}

/* domain_judge runs judge over every probe of every MX host and sets
 * the finding from the worst: fail, then unknown, then pass. A host
 * with no address to probe is unknown. */
static void domain_judge(const struct tk_observation *obs, probe_judge judge, struct tk_finding *f)
{
    struct tk_part_verdict pv, worst = {TK_VERDICT_PASS, ""};
    const char *worst_host = NULL, *worst_addr = "-";
    size_t i, k, probes = 0;

    for (i = 0; i < obs->nmx_hosts; i++) {
        const struct tk_mx_host *h = &obs->mx_hosts[i];

        if (h->nprobes == 0) {
            tk_part_set(&pv, TK_VERDICT_UNKNOWN, "no address to probe%s%s",
                        h->a.status == TK_TEMP ? ": " : "", h->a.status == TK_TEMP ? h->a.why : "");
            if (worst_host == NULL || tk_verdict_rank(pv.v) > tk_verdict_rank(worst.v)) {
                worst = pv;
                worst_host = h->name;
                worst_addr = "-";
            }
        }
        for (k = 0; k < h->nprobes; k++, probes++) {
            judge(h->probes[k], &pv);
            if (worst_host == NULL || tk_verdict_rank(pv.v) > tk_verdict_rank(worst.v)) {
                worst = pv;
                worst_host = h->name;
                worst_addr = h->probes[k]->address;
            }
        }
    }
    if (worst_host == NULL)
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "no MX host to probe");
    else if (worst.v == TK_VERDICT_PASS)
        tk_finding_set(f, TK_VERDICT_PASS, "all %zu address(es) of %zu MX host(s); %s [%s]: %s",
                       probes, obs->nmx_hosts, worst_host, worst_addr, worst.why);
    else
        tk_finding_set(f, worst.v, "%s [%s]: %s", worst_host, worst_addr, worst.why);
}

void check_tls_min(const struct tk_rule_input *in, struct tk_finding *f)
{
    domain_judge(in->obs, judge_tls_min, f);
    if (f->status == TK_VERDICT_FAIL)
        tk_finding_fix(f, "On every MX host offer STARTTLS and refuse SSLv3, TLS 1.0 and 1.1 "
                          "(Postfix: smtpd_tls_security_level = may or encrypt, "
                          "smtpd_tls_protocols = >=TLSv1.2, smtpd_tls_mandatory_protocols = "
                          ">=TLSv1.2).");
    else if (f->status == TK_VERDICT_UNKNOWN)
        tk_finding_fix(f, "Make every MX host answer on port 25, then check again.");
}

void check_tls_required(const struct tk_rule_input *in, struct tk_finding *f)
{
    domain_judge(in->obs, judge_tls_required, f);
    if (f->status == TK_VERDICT_FAIL)
        tk_finding_fix(f, "Refuse mail without TLS on every MX host (Postfix: "
                          "smtpd_tls_security_level = encrypt), once MTA-STS or the "
                          "agencies' senders are ready for it.");
    else if (f->status == TK_VERDICT_UNKNOWN)
        tk_finding_fix(f, "Make every MX host answer on port 25, then check again.");
}

void check_tls_cert(const struct tk_rule_input *in, struct tk_finding *f)
{
    domain_judge(in->obs, judge_tls_cert, f);
    if (f->status == TK_VERDICT_FAIL)
        tk_finding_fix(f, "Give every MX host a certificate from a public CA, in date, naming "
                          "the MX host name (senders enforcing MTA-STS or DANE refuse "
                          "anything else).");
    else if (f->status == TK_VERDICT_UNKNOWN)
        tk_finding_fix(f, "Make every MX host complete a STARTTLS handshake, then check again.");
}
