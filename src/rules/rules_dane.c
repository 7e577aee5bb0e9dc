/*
 * NAME
 *	rules_dane.c - DANE: TLSA records, validated, matching what was presented
 * DESCRIPTION
 *	A sender uses DANE for an MX host only when the TLSA RRset at
 *	_25._tcp.<host> is DNSSEC-validated; then a usable record must match
 *	the chain the host presents, or the sender refuses to deliver. So
 *	each host is judged in that order: published, validated, usable,
 *	matching every address. The domain takes the worst host. The rule
 *	is INFO (the seed: MTA-STS "will be superseded by DANE"), so it never
 *	decides compliance, but a mismatch is a real outage for DANE
 *	senders and is reported as a fail.
 *
 *	Without a trust anchor tiaki cannot tell a validated answer from an
 *	unvalidated one: the rule then says unknown rather than guess.
 * STANDARDS
 *	RFC 7672 2.2 (TLSA look-up and DNSSEC), 3.1 (usable records), RFC
 *	6698 (TLSA), RFC 7671 (operational guidance).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "record/tlsa.h"
#include "rules/checks.h"
#include "rules/finding.h"

static bool tlsa_published(const struct tk_mx_host *h)
{
    return h->tlsa.status == TK_OK && h->tlsa.n > 0;
}

/* probe_chain_match matches recs against one probe's chain. */
static void probe_chain_match(const struct tk_tlsa *recs, size_t n, const struct tk_smtp_probe *p,
                              struct tk_part_verdict *out)
{
    struct tk_tlsa_cert chain[TK_CERT_CHAIN_MAX];
    struct tk_tlsa_verdict tv;
    size_t i;

    if (p->tls != TK_PROBE_YES || p->nchain == 0) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "[%s] presented no certificate to match (%s)",
                    p->address, p->tls_error[0] ? p->tls_error : "no TLS");
        return;
    }
    for (i = 0; i < p->nchain && i < TK_CERT_CHAIN_MAX; i++) {
        chain[i].der = p->chain[i].der;
        chain[i].der_len = p->chain[i].der_len;
        chain[i].spki = p->chain[i].spki;
        chain[i].spki_len = p->chain[i].spki_len;
    }
    tk_tlsa_chain_match(recs, n, chain, i, &tv);
    tk_part_set(out, tv.result == TK_TLSA_MATCH ? TK_VERDICT_PASS : TK_VERDICT_FAIL, "[%s] %s",
                p->address, tv.detail);
}

/* host_match parses the host's TLSA RRset and matches it against the
 * chain of every address; the first address that does not match
 * decides. */
static void host_match(const struct tk_mx_host *h, struct tk_part_verdict *out)
{
    struct tk_tlsa recs[TK_RRSET_MAX];
    struct tk_part_verdict pv;
    size_t n = 0, i, bad = 0;

    for (i = 0; i < h->tlsa.n && n < TK_RRSET_MAX; i++)
        if (tk_tlsa_parse((const unsigned char *)h->tlsa.rr[i].text, h->tlsa.rr[i].len, &recs[n],
                          NULL) == TK_OK)
            n++;
        else
            bad++;
    tk_part_set(out, TK_VERDICT_UNKNOWN, "no address was probed");
    if (n == 0)
        tk_part_set(out, TK_VERDICT_FAIL, "its %zu TLSA record(s) are all malformed", bad);
    for (i = 0; n > 0 && i < h->nprobes; i++) {
        probe_chain_match(recs, n, h->probes[i], &pv);
        if (i == 0 || tk_verdict_rank(pv.v) > tk_verdict_rank(out->v))
            *out = pv;
    }
    for (i = 0; i < n; i++)
        tk_tlsa_clear(&recs[i]);
}

static void host_judge(const struct tk_observation *obs, const struct tk_mx_host *h,
                       struct tk_part_verdict *out)
{
    if (h->tlsa.status == TK_TEMP) {
        tk_part_set(out, TK_VERDICT_UNKNOWN, "the TLSA look-up failed: %s", h->tlsa.why);
    } else if (!tlsa_published(h)) {
        tk_part_set(out, TK_VERDICT_FAIL, "no TLSA record at %s", h->tlsa.name);
    } else if (!obs->dnssec) {
        tk_part_set(out, TK_VERDICT_UNKNOWN,
                    "TLSA records published, but without a trust anchor (--trust-anchor) tiaki "
                    "cannot tell whether they validate");
    } else if (!h->tlsa.secure) {
        tk_part_set(out, TK_VERDICT_FAIL,
                    "TLSA records at %s are not DNSSEC-validated: senders ignore them",
                    h->tlsa.name);
    } else {
        host_match(h, out);
    }
}

/* dane_suggest writes the TLSA record that pins the first probed
 * host's key: DANE-EE, SPKI, SHA2-256 ("3 1 1"), which survives
 * certificate renewals that keep the key (RFC 7671 5.1). */
static void dane_suggest(const struct tk_observation *obs, struct tk_finding *f)
{
    const struct tk_smtp_probe *p = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";

    if (obs->nmx_hosts > 0 && obs->mx_hosts[0].nprobes > 0)
        p = obs->mx_hosts[0].probes[0];
    if (p && p->nchain > 0 && p->chain[0].spki &&
        EVP_Digest(p->chain[0].spki, p->chain[0].spki_len, md, &mdlen, EVP_sha256(), NULL) == 1)
        for (i = 0; i < mdlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    tk_finding_fix(
        f,
        "To adopt DANE (RFC 7672): sign the zone of each MX host with DNSSEC and "
        "publish _25._tcp.<mx host> TLSA \"3 1 1 <SHA-256 of the host's public key>\"%s%s%s%s.",
        hex[0] ? "; for " : "", hex[0] ? obs->mx_hosts[0].name : "", hex[0] ? " today: 3 1 1 " : "",
        hex);
}

void check_dane(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    struct tk_part_verdict hv, worst;
    const char *worst_host = NULL;
    size_t i, published = 0;

    for (i = 0; i < obs->nmx_hosts; i++)
        published += tlsa_published(&obs->mx_hosts[i]);
    if (obs->nmx_hosts == 0) {
        tk_finding_set(f, TK_VERDICT_UNKNOWN, "no MX host to look up TLSA records for");
        tk_finding_fix(f, "Publish MX records, then check again.");
        return;
    }
    if (published == 0) {
        tk_finding_set(f, TK_VERDICT_FAIL, "no TLSA records at %s%s", obs->mx_hosts[0].tlsa.name,
                       obs->nmx_hosts > 1 ? " or the other MX hosts" : "");
        dane_suggest(obs, f);
        return;
    }
    for (i = 0; i < obs->nmx_hosts; i++) {
        host_judge(obs, &obs->mx_hosts[i], &hv);
        if (worst_host == NULL || tk_verdict_rank(hv.v) > tk_verdict_rank(worst.v)) {
            worst = hv;
            worst_host = obs->mx_hosts[i].name;
        }
    }
    tk_finding_set(f, worst.v, "%s: %s", worst_host, worst.why);
    if (worst.v == TK_VERDICT_FAIL)
        tk_finding_fix(f,
                       "Make the TLSA records of %s DNSSEC-validated and matching the "
                       "certificate it presents (publish the new record before changing "
                       "certificate or key, RFC 7671 8.1).",
                       worst_host);
    else if (worst.v == TK_VERDICT_UNKNOWN)
        tk_finding_fix(f, "Check again with --trust-anchor, and with every MX host answering.");
}
