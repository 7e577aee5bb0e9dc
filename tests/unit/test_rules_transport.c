/*
 * NAME
 *	test_rules_transport.c - unit tests of the transport rules
 * DESCRIPTION
 *	TLS-MIN-1.2, TLS-REQUIRED, TLS-CERT and MTA-STS-ENFORCE judged over
 *	observations built by hand: a compliant host and policy, changed one
 *	fact at a time, each case asserting the verdict and what a person
 *	reads in the evidence. The probes themselves are tested against real
 *	servers (tests/integration/test_check_transport.sh); here the rules
 *	alone, including the cases a world cannot easily stage (an IPv6
 *	address that differs from the IPv4 one, a host with no address).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "observe/observation.h"
#include "rules/rules.h"

#define DOMAIN "agency.govt.nz"

static struct tk_rr_text sts_txt_rr = {"v=STSv1; id=20260101T000000;", 28, 0};
static struct tk_rr_text sts_addr_rr = {"192.0.2.43", 10, 0};

/* probe_good is a host that does everything right. */
static void probe_good(struct tk_smtp_probe *p, const char *host, const char *address)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->host, sizeof(p->host), "%s", host);
    snprintf(p->address, sizeof(p->address), "%s", address);
    p->connected = TK_PROBE_YES;
    p->banner_code = 220;
    snprintf(p->banner, sizeof(p->banner), "220 %s ESMTP", host);
    p->ehlo_ok = TK_PROBE_YES;
    p->starttls_offered = TK_PROBE_YES;
    p->plaintext_refused = TK_PROBE_YES;
    p->mail_code = 530;
    snprintf(p->plaintext_reply, sizeof(p->plaintext_reply),
             "530 5.7.0 Must issue a STARTTLS command first");
    p->tls = TK_PROBE_YES;
    snprintf(p->protocol, sizeof(p->protocol), "TLSv1.3");
    snprintf(p->cipher, sizeof(p->cipher), "TLS_AES_256_GCM_SHA384");
    p->nchain = 1;
    snprintf(p->chain[0].subject, sizeof(p->chain[0].subject), "CN=%s", host);
    snprintf(p->chain[0].issuer, sizeof(p->chain[0].issuer), "CN=Test CA");
    p->chain_trusted = p->in_date = p->name_matches = true;
    p->versions[TK_TLS_SSL3].accepted = TK_PROBE_NOT_TRIED;
    p->versions[TK_TLS_1_0].accepted = TK_PROBE_NO;
    p->versions[TK_TLS_1_1].accepted = TK_PROBE_NO;
    p->versions[TK_TLS_1_2].accepted = TK_PROBE_YES;
    p->versions[TK_TLS_1_3].accepted = TK_PROBE_YES;
}

struct world {
    struct tk_observation obs;
    struct tk_smtp_probe probes[2][2]; /* [host][address] */
    char policy[1024];
};

/* world_good: two MX hosts, one address each, both good; an MTA-STS
 * record and an enforce policy naming both. */
static void world_good(struct world *w)
{
    struct tk_observation *o = &w->obs;
    size_t i;

    memset(w, 0, sizeof(*w));
    snprintf(o->domain, sizeof(o->domain), DOMAIN);
    snprintf(o->org_domain, sizeof(o->org_domain), DOMAIN);
    o->profile = TK_PROFILE_EMAIL;
    o->transport = o->probed = true;
    /* The DNS records are not under test: absent (their rules fail). */
    o->mx.status = o->txt.status = o->dmarc.status = o->dmarc_org.status = TK_ABSENT;
    o->tlsrpt.status = o->tlsrpt_seed.status = o->dkim_wildcard.status = TK_ABSENT;
    o->spf.n = 1;
    o->spf.nodes[0].parent = -1;
    o->spf.nodes[0].spf_status = TK_ABSENT;
    o->nmx_hosts = 2;
    for (i = 0; i < 2; i++) {
        struct tk_mx_host *h = &o->mx_hosts[i];

        snprintf(h->name, sizeof(h->name), "mx%zu." DOMAIN, i + 1);
        h->pref = (uint16_t)(10 * (i + 1));
        h->a.status = TK_OK;
        probe_good(&w->probes[i][0], h->name, i ? "192.0.2.26" : "192.0.2.25");
        h->probes[h->nprobes++] = &w->probes[i][0];
    }
    o->mta_sts.status = TK_OK;
    o->mta_sts.n = 1;
    o->mta_sts.rr = &sts_txt_rr;
    o->sts_a.status = TK_OK;
    o->sts_a.n = 1;
    o->sts_a.rr = &sts_addr_rr;
    snprintf(w->policy, sizeof(w->policy),
             "version: STSv1\r\nmode: enforce\r\nmx: mx1." DOMAIN "\r\nmx: mx2." DOMAIN
             "\r\nmax_age: 604800\r\n");
    o->sts_fetch.attempted = TK_PROBE_YES;
    o->sts_fetch.status = TK_OK;
    o->sts_fetch.http_code = 200;
    o->sts_fetch.cert_valid = true;
    snprintf(o->sts_fetch.url, sizeof(o->sts_fetch.url),
             "https://mta-sts." DOMAIN "/.well-known/mta-sts.txt");
    o->sts_fetch.body = w->policy;
    o->sts_fetch.body_len = strlen(w->policy);
}

static void set_policy(struct world *w, const char *text)
{
    snprintf(w->policy, sizeof(w->policy), "%s", text);
    w->obs.sts_fetch.body_len = strlen(w->policy);
}

/* judge_rule judges w and returns the finding of rule id (asserting it
 * is there); the evidence is printable, and a remediation is given
 * exactly when the rule does not pass. */
static const struct tk_finding *judge_rule(struct world *w, const char *id, struct tk_judgement *j)
{
    size_t i;

    tk_judge(&w->obs, j);
    for (i = 0; i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        if (strcmp(f->rule->id, id) != 0)
            continue;
        assert_true(testutil_printable(f->evidence));
        assert_true(testutil_printable(f->remediation));
        if (f->status == TK_VERDICT_PASS)
            assert_string_equal(f->remediation, "");
        else
            assert_true(f->remediation[0] != '\0');
        return f;
    }
    fail_msg("rule %s not judged", id);
    return NULL;
}

static void expect(struct world *w, const char *id, enum tk_verdict v, const char *evidence_part)
{
    struct tk_judgement j;
    const struct tk_finding *f = judge_rule(w, id, &j);

    if (f->status != v || strstr(f->evidence, evidence_part) == NULL)
        fail_msg("%s: got %s \"%s\", want %s with \"%s\"", id, tk_verdict_name(f->status),
                 f->evidence, tk_verdict_name(v), evidence_part);
}

/* ---- TLS-MIN-1.2 ---- */

static void test_tls_min_pass(void **state)
{
    struct world w;

    world_good(&w);
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_PASS, "TLSv1.3");
}

static void test_tls_min_legacy_accepted(void **state)
{
    struct world w;

    world_good(&w);
    w.probes[1][0].versions[TK_TLS_1_0].accepted = TK_PROBE_YES;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "mx2." DOMAIN " [192.0.2.26]: accepts TLSv1.0");
    world_good(&w);
    w.probes[0][0].versions[TK_TLS_1_1].accepted = TK_PROBE_YES;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "accepts TLSv1.1 offered alone");
}

static void test_tls_min_no_starttls(void **state)
{
    struct world w;

    world_good(&w);
    w.probes[0][0].starttls_offered = TK_PROBE_NO;
    w.probes[0][0].tls = TK_PROBE_NOT_TRIED;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "does not offer STARTTLS");
}

static void test_tls_min_old_negotiated(void **state)
{
    struct world w;

    world_good(&w);
    snprintf(w.probes[0][0].protocol, sizeof(w.probes[0][0].protocol), "TLSv1.1");
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "negotiated TLSv1.1");
}

static void test_tls_min_unknown(void **state)
{
    struct world w;

    /* A host that could not be reached says nothing either way... */
    world_good(&w);
    w.probes[1][0].connected = TK_PROBE_ERROR;
    snprintf(w.probes[1][0].connect_error, sizeof(w.probes[1][0].connect_error),
             "timed out after 10 s");
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_UNKNOWN, "could not connect: timed out");
    /* ...and a fail elsewhere still decides. */
    w.probes[0][0].versions[TK_TLS_1_0].accepted = TK_PROBE_YES;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "mx1." DOMAIN);
    /* A legacy version whose probe timed out is not a refusal. */
    world_good(&w);
    w.probes[0][0].versions[TK_TLS_1_0].accepted = TK_PROBE_ERROR;
    snprintf(w.probes[0][0].versions[TK_TLS_1_0].detail,
             sizeof(w.probes[0][0].versions[TK_TLS_1_0].detail), "timed out");
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_UNKNOWN, "could not be told");
    /* A handshake dropped half way. */
    world_good(&w);
    w.probes[0][0].tls = TK_PROBE_ERROR;
    snprintf(w.probes[0][0].tls_error, sizeof(w.probes[0][0].tls_error),
             "connection closed during the handshake");
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_UNKNOWN, "handshake failed");
    /* A host with no address, and a domain with no MX host at all. */
    world_good(&w);
    w.obs.mx_hosts[1].nprobes = 0;
    w.obs.mx_hosts[1].a.status = TK_ABSENT;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_UNKNOWN, "mx2." DOMAIN " [-]: no address");
    w.obs.nmx_hosts = 0;
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_UNKNOWN, "no MX host");
}

static void test_tls_every_address(void **state)
{
    struct world w;

    /* mx1 has a second address (IPv6) that still takes TLS 1.0. */
    world_good(&w);
    probe_good(&w.probes[0][1], "mx1." DOMAIN, "2001:db8::25");
    w.probes[0][1].versions[TK_TLS_1_0].accepted = TK_PROBE_YES;
    w.obs.mx_hosts[0].probes[w.obs.mx_hosts[0].nprobes++] = &w.probes[0][1];
    expect(&w, "TLS-MIN-1.2", TK_VERDICT_FAIL, "mx1." DOMAIN " [2001:db8::25]");
}

/* ---- TLS-REQUIRED ---- */

static void test_tls_required(void **state)
{
    struct world w;

    world_good(&w);
    expect(&w, "TLS-REQUIRED", TK_VERDICT_PASS, "530 5.7.0");
    w.probes[1][0].plaintext_refused = TK_PROBE_NO;
    w.probes[1][0].rcpt_code = 250;
    snprintf(w.probes[1][0].plaintext_reply, sizeof(w.probes[1][0].plaintext_reply),
             "250 2.1.5 Ok");
    expect(&w, "TLS-REQUIRED", TK_VERDICT_FAIL, "accepts a mail transaction without TLS");
    world_good(&w);
    w.probes[0][0].plaintext_refused = TK_PROBE_ERROR;
    snprintf(w.probes[0][0].plaintext_reply, sizeof(w.probes[0][0].plaintext_reply),
             "451 4.3.0 try later");
    expect(&w, "TLS-REQUIRED", TK_VERDICT_UNKNOWN, "451 4.3.0");
}

/* ---- TLS-CERT ---- */

static void test_tls_cert(void **state)
{
    struct world w;

    world_good(&w);
    expect(&w, "TLS-CERT", TK_VERDICT_PASS, "trusted, in date");
    w.probes[0][0].chain_trusted = false;
    snprintf(w.probes[0][0].verify_error, sizeof(w.probes[0][0].verify_error),
             "self-signed certificate");
    expect(&w, "TLS-CERT", TK_VERDICT_FAIL, "not trusted (self-signed certificate)");
    world_good(&w);
    w.probes[0][0].in_date = false;
    expect(&w, "TLS-CERT", TK_VERDICT_FAIL, "out of date");
    world_good(&w);
    w.probes[1][0].name_matches = false;
    snprintf(w.probes[1][0].chain[0].subject, sizeof(w.probes[1][0].chain[0].subject),
             "CN=wrong.example.org");
    expect(&w, "TLS-CERT", TK_VERDICT_FAIL, "does not match mx2." DOMAIN " (subject CN=wrong");
    world_good(&w);
    w.probes[0][0].starttls_offered = TK_PROBE_NO;
    expect(&w, "TLS-CERT", TK_VERDICT_FAIL, "no STARTTLS");
    world_good(&w);
    w.probes[0][0].tls = TK_PROBE_ERROR;
    expect(&w, "TLS-CERT", TK_VERDICT_UNKNOWN, "handshake failed");
}

/* ---- MTA-STS-ENFORCE ---- */

static void test_sts_pass(void **state)
{
    struct world w;

    world_good(&w);
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_PASS, "mode: enforce");
    /* A wildcard pattern covers both hosts (RFC 8461 4.1), LF lines too. */
    set_policy(&w, "version: STSv1\nmode: enforce\nmx: *." DOMAIN "\nmax_age: 31557600\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_PASS, "max_age: 31557600");
}

static void test_sts_policy(void **state)
{
    struct world w;

    world_good(&w);
    set_policy(&w, "version: STSv1\nmode: testing\nmx: *." DOMAIN "\nmax_age: 604800\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "mode: testing");
    set_policy(&w, "version: STSv1\nmode: enforce\nmx: mx1." DOMAIN "\nmax_age: 604800\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "matches the MX host mx2." DOMAIN);
    /* A wildcard matches one label only: mx1.sub.<domain> is not covered. */
    snprintf(w.obs.mx_hosts[0].name, sizeof(w.obs.mx_hosts[0].name), "mx1.sub." DOMAIN);
    set_policy(&w, "version: STSv1\nmode: enforce\nmx: *." DOMAIN "\nmax_age: 604800\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "mx1.sub." DOMAIN);
    world_good(&w);
    set_policy(&w, "version: STSv1\nmode: enforce\nmx: *." DOMAIN "\nmax_age: 3600\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "max_age: 3600 is under a day");
    set_policy(&w, "version: STSv1\nmode: enforce\nmx: *." DOMAIN "\nmax_age: 172800\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_WARN, "under a week");
    set_policy(&w, "version: STSv2\nmode: enforce\nmx: *." DOMAIN "\nmax_age: 604800\n");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "STSv");
}

static void test_sts_fetch(void **state)
{
    struct world w;

    world_good(&w);
    w.obs.sts_fetch.status = TK_INVALID;
    w.obs.sts_fetch.http_code = 301;
    snprintf(w.obs.sts_fetch.error, sizeof(w.obs.sts_fetch.error),
             "HTTP 301 redirect to https://elsewhere.example/: RFC 8461 forbids following it");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "HTTP 301 redirect");
    w.obs.sts_fetch.status = TK_TEMP;
    snprintf(w.obs.sts_fetch.error, sizeof(w.obs.sts_fetch.error), "connection timed out");
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_UNKNOWN, "connection timed out");
    /* No address for mta-sts.<domain>: nothing to fetch from. */
    world_good(&w);
    w.obs.sts_fetch.attempted = TK_PROBE_NOT_TRIED;
    w.obs.sts_a.status = TK_ABSENT;
    w.obs.sts_a.n = 0;
    w.obs.sts_aaaa.status = TK_ABSENT;
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "mta-sts." DOMAIN " has no address");
    w.obs.sts_a.status = TK_TEMP;
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_UNKNOWN, "could not be looked up");
    /* No TXT record: the policy is never looked for. */
    world_good(&w);
    w.obs.mta_sts.status = TK_ABSENT;
    w.obs.mta_sts.n = 0;
    expect(&w, "MTA-STS-ENFORCE", TK_VERDICT_FAIL, "no MTA-STS record");
}

/* ---- --no-probe ---- */

static void test_not_probed(void **state)
{
    struct world w;
    struct tk_judgement j;
    size_t i;

    world_good(&w);
    w.obs.probed = false;
    tk_judge(&w.obs, &j);
    for (i = 0; i < j.n; i++)
        assert_false(j.findings[i].rule->needs_probe);
    /* TLS-MIN-1.2, TLS-REQUIRED, TLS-CERT, MTA-STS-ENFORCE, DANE */
    assert_int_equal(j.not_probed, 5);
    tk_judge(&w.obs, &j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_min_pass),
        cmocka_unit_test(test_tls_min_legacy_accepted),
        cmocka_unit_test(test_tls_min_no_starttls),
        cmocka_unit_test(test_tls_min_old_negotiated),
        cmocka_unit_test(test_tls_min_unknown),
        cmocka_unit_test(test_tls_every_address),
        cmocka_unit_test(test_tls_required),
        cmocka_unit_test(test_tls_cert),
        cmocka_unit_test(test_sts_pass),
        cmocka_unit_test(test_sts_policy),
        cmocka_unit_test(test_sts_fetch),
        cmocka_unit_test(test_not_probed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
