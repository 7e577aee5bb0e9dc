/*
 * NAME
 *	store-rate.c - how many domain snapshots per second the store keeps
 * SYNOPSIS
 *	store-rate URL SNAPSHOTS BATCH SCANS
 * DESCRIPTION
 *	Puts SNAPSHOTS synthetic domains in the inventory of the store at
 *	URL, then runs SCANS scans over them as `tiaki scan` does: claim a
 *	batch of BATCH domains from the queue (which reads where each one's
 *	newest content is), hash each snapshot and read the rule states of
 *	those whose content changed (what their new findings are compared
 *	with), keep one snapshot per domain (tk_store_snapshot_put when BATCH
 *	is 1, else tk_store_snapshot_put_batch, which closes the batch),
 *	finish the scan.
 *	A snapshot is what a scan makes of one domain: an observation of
 *	about 3 KB of JSON, 14 findings (the email profile's rules), the
 *	rule states it set and its events. The first scan finds every domain new (one
 *	new-domain event each); later ones find what the first found, but
 *	for one domain in a hundred whose SPF record has weakened (a
 *	regression, with one alert).
 *
 *	Only the store is timed: building the snapshots is not. Prints one
 *	line per scan: "scan K snapshots N seconds S claims C states R",
 *	where C and R are the seconds spent claiming and reading rule
 *	states (within S).
 *	Built and run by bench/scan-store; not part of tiaki.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define CLAIM 256

static const char *const rule_ids[] = {
    "TLS-MIN-1.2",  "TLS-REQUIRED", "TLS-CERT",        "TLSRPT",       "SPF-PRESENT",
    "SPF-HARDFAIL", "DKIM-SIGNED",  "DMARC-PRESENT",   "DMARC-REJECT", "DMARC-ADKIM-STRICT",
    "DMARC-RUA",    "MTA-STS-TXT",  "MTA-STS-ENFORCE", "DANE",
};

#define NRULES (sizeof(rule_ids) / sizeof(rule_ids[0]))

struct snap {
    struct tk_store_domain d;
    struct tk_judgement j;
    struct tk_rule_state states[NRULES];
    struct tk_event ev;
    struct tk_snapshot s;
    char json[4096];
    char digest[TK_STORE_DIGEST_HEX + 1];
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct tk_error *err)
{
    fprintf(stderr, "store-rate: %s: %s\n", what, err->msg);
    exit(1);
}

/* observation writes ~3 KB of JSON shaped like tiaki's, for domain d;
 * weak: its SPF record ends ~all. */
static size_t observation(char *out, size_t outlen, const char *d, unsigned long i, bool weak)
{
    return (size_t)snprintf(
        out, outlen,
        "{\"domain\":\"%s\",\"profile\":\"email\",\"records\":{"
        "\"mx\":{\"name\":\"%s\",\"status\":\"ok\",\"records\":[\"10 mx1.%s\",\"20 mx2.%s\"]},"
        "\"txt\":{\"name\":\"%s\",\"status\":\"ok\",\"records\":[\"v=spf1 include:spf.protection"
        ".outlook.com include:_spf.%s ip4:192.0.2.%lu ip4:198.51.100.0/24 %s\",\"google-site-"
        "verification=8bWq3hV0dXNjc2VyZXRlc3Q%06lu\",\"MS=ms%08lu\"]},"
        "\"dmarc\":{\"name\":\"_dmarc.%s\",\"status\":\"ok\",\"records\":[\"v=DMARC1; p=reject; "
        "sp=reject; adkim=s; aspf=s; pct=100; rua=mailto:dmarc-rua@dmarc.govt.nz,mailto:"
        "reports@%s; ruf=mailto:dmarc-ruf@dmarc.govt.nz; fo=1\"]},"
        "\"tlsrpt\":{\"name\":\"_smtp._tls.%s\",\"status\":\"ok\",\"records\":[\"v=TLSRPTv1; "
        "rua=mailto:tlsrpt@%s\"]},"
        "\"mta_sts\":{\"name\":\"_mta-sts.%s\",\"status\":\"ok\",\"records\":[\"v=STSv1; "
        "id=2024%08lu\"]},"
        "\"dkim\":{\"selector1\":{\"name\":\"selector1._domainkey.%s\",\"status\":\"ok\","
        "\"records\":[\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu7mJ0o8t"
        "Qz3lW1h2F0p9cXrT5bV8eN4kS6yD1gH3jK5lM7nP9qR2sT4uV6wX8yZ0aB2cD4eF6gH8iJ0kL2mN4oP6qR8s"
        "T0uV2wX4yZ6aB8cD0eF2gH4iJ6kL8mN0oP2qR4sT6uV8wX0yZ2aB4cD6eF8gH0iJ2kL4mN6oP8qR0sT2uV4w"
        "X6yZ8aB0cD2eF4gH6iJ8kL0mN2oP4qR6sT8uV0wX2yZ4aB6cD8eF0gH2iJ4kL6mN8oP0qR2sT4uV6wX8yZ0a"
        "B2cD4eF6gH8iJ0kL2mN4oP6qR8sT0uV2wX4yZ6aB8cD0eF2gH4iJ6kL8mN0oP2qR4sT6uV8wX0yZ2aB4cD6e"
        "F8gH0iJ2kL4mN6oP8qR0sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2oP4qR6sT8uV0wX2yZ4aB6cD8eF0gH2i"
        "J4kL6mN8oP0qR2sT4uV6wX8yZ0aB2cD4eF6gH8iJ0kL2mN4oP6qR8sT0uV2wX4yZ6aB8cD0eF2gH4IDAQAB\"]}"
        "},\"spf_dns_lookups\":4,\"spf_void_lookups\":0},"
        "\"transport\":{\"hosts\":[{\"host\":\"mx1.%s\",\"addresses\":[{\"address\":"
        "\"192.0.2.%lu\",\"starttls\":true,\"tls\":\"TLSv1.3\",\"cipher\":\"TLS_AES_256_GCM_SHA384"
        "\",\"versions\":{\"TLSv1\":false,\"TLSv1.1\":false,\"TLSv1.2\":true,\"TLSv1.3\":true},"
        "\"certificate\":{\"subject\":\"CN=mx1.%s\",\"issuer\":\"CN=Test CA\",\"not_after\":"
        "\"2046-01-01T00:00:00Z\",\"verified\":true,\"names\":[\"mx1.%s\",\"mx2.%s\"]}}]},"
        "{\"host\":\"mx2.%s\",\"addresses\":[{\"address\":\"198.51.100.%lu\",\"starttls\":true,"
        "\"tls\":\"TLSv1.3\",\"verified\":true}]}],\"mta_sts_policy\":{\"status\":\"ok\","
        "\"mode\":\"enforce\",\"max_age\":604800,\"mx\":[\"mx1.%s\",\"mx2.%s\"]}}}",
        d, d, d, d, d, d, i % 250, weak ? "~all" : "-all", i, i, d, d, d, d, d, i, d, d, i % 250, d,
        d, d, d, i % 250, d, d);
}

/* snap_build makes domain d's snapshot in scan number scan: every rule
 * passes, except that from the second scan on one domain in a hundred
 * has weakened its SPF record (a regression, alerted). The rest find
 * what they found before, as a monitor's scans every few hours mostly
 * do; the first scan finds every domain new. */
static void snap_build(struct snap *b, const struct tk_store_domain *d, unsigned long i, int scan,
                       int64_t scan_id)
{
    bool weak = scan > 1 && i % 100 == 7;

    memset(&b->j, 0, sizeof(b->j));
    b->d = *d;
    b->s = (struct tk_snapshot){
        .domain = &b->d,
        .scanned_at = (int64_t)time(NULL),
        .profile = TK_PROFILE_EMAIL,
        .compliant = !weak,
        .observation_json = b->json,
        .judgement = &b->j,
        .states = b->states,
        .events = &b->ev,
    };
    b->s.observation_len = observation(b->json, sizeof(b->json), d->domain, i, weak);
    /* The states the snapshot set, as a scan hands them over
     * (tk_changes_set_by): every one the first time, then only those
     * that changed. */
    b->s.nstates = 0;
    for (size_t r = 0; r < NRULES; r++) {
        struct tk_finding *f = &b->j.findings[b->j.n++];
        bool hit = weak && strcmp(rule_ids[r], "SPF-HARDFAIL") == 0;
        struct tk_rule_state *st = &b->states[b->s.nstates];

        f->rule = tk_rule_find(rule_ids[r]);
        f->status = hit ? TK_VERDICT_FAIL : TK_VERDICT_PASS;
        snprintf(f->evidence, sizeof(f->evidence), "\"v=spf1 include:_spf.%s %s\" (%s)", d->domain,
                 hit ? "~all" : "-all", rule_ids[r]);
        snprintf(f->remediation, sizeof(f->remediation), "%s",
                 hit ? "End the SPF record with -all." : "");
        if (scan > 1 && !hit)
            continue;
        snprintf(st->rule, sizeof(st->rule), "%s", rule_ids[r]);
        st->status = f->status;
        memcpy(st->evidence, f->evidence, sizeof(st->evidence));
        st->scan_id = scan_id;
        b->s.nstates++;
    }
    if (scan == 1) {
        b->s.nevents = 1;
        b->ev = (struct tk_event){.kind = TK_EVENT_NEW_DOMAIN, .to = TK_VERDICT_PASS};
        snprintf(b->ev.after, sizeof(b->ev.after), "first snapshot: compliant");
    } else if (weak) {
        b->s.nevents = 1;
        b->ev = (struct tk_event){
            .kind = TK_EVENT_REGRESSION, .from = TK_VERDICT_PASS, .to = TK_VERDICT_FAIL};
        snprintf(b->ev.rule, sizeof(b->ev.rule), "SPF-HARDFAIL");
        snprintf(b->ev.before, sizeof(b->ev.before), "\"v=spf1 -all\"");
        snprintf(b->ev.after, sizeof(b->ev.after), "\"v=spf1 ~all\"");
        snprintf(b->ev.remediation, sizeof(b->ev.remediation), "End the SPF record with -all.");
    }
}

static void inventory(struct tk_store *s, unsigned long n)
{
    struct tk_error err;

    for (unsigned long i = 0; i < n; i++) {
        struct tk_store_domain d = {.profile = TK_PROFILE_EMAIL};
        bool created;

        snprintf(d.domain, sizeof(d.domain), "d%06lu.agency%lu.govt.nz", i, i % 97);
        snprintf(d.agency, sizeof(d.agency), "Agency %lu", i % 97);
        snprintf(d.contact, sizeof(d.contact), "postmaster@agency%lu.govt.nz", i % 97);
        if (tk_store_domain_put(s, &d, &created, &err) != TK_OK)
            die("inventory", &err);
    }
}

static void scan(struct tk_store *s, int k, unsigned batch)
{
    static struct tk_store_domain claimed[CLAIM];
    static struct snap snaps[CLAIM];
    static struct tk_snapshot_put puts[CLAIM];
    static struct tk_rule_states changed_ids[CLAIM];
    struct tk_alert_target target = {.channel = TK_ALERT_SMTP,
                                     .destination = "monitoring@dia.govt.nz"};
    struct tk_scan_info info;
    struct tk_error err;
    double t, total = 0, claims = 0, states = 0;
    unsigned long kept = 0;
    size_t n;

    /* As tiaki scan does: a batch of the queue is a batch kept. */
    if (tk_store_scan_begin(s, false, batch, &info, &err) != TK_OK)
        die("scan begin", &err);
    for (;;) {
        t = now_s();
        if (tk_store_queue_claim(s, info.id, "bench", 600, claimed, batch, &n, &err) != TK_OK)
            die("claim", &err);
        claims += now_s() - t;
        total += now_s() - t;
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            snap_build(&snaps[i], &claimed[i], kept + i, k, info.id);
            puts[i] =
                (struct tk_snapshot_put){.snap = &snaps[i].s, .targets = &target, .ntargets = 1};
        }
        /* What a scan reads to compare each batch of domains with: the
         * rule states of those whose content differs from their newest
         * (which the claim read; the events are made here from the
         * answer, so only the hashing and reading are timed). */
        t = now_s();
        for (size_t i = 0; i < n; i += batch) {
            size_t m = n - i < batch ? n - i : batch, changed = 0;

            for (size_t k = 0; k < m; k++) {
                struct snap *b = &snaps[i + k];

                if (tk_store_snapshot_digest(&b->s, b->digest, &err) != TK_OK)
                    die("digest", &err);
                b->s.digest = b->digest;
                b->s.prev = claimed[i + k].newest;
                if (strcmp(b->digest, claimed[i + k].newest.digest) != 0)
                    changed_ids[changed++].domain_id = claimed[i + k].id;
            }
            if (tk_store_rule_states_many(s, changed_ids, changed, &err) != TK_OK)
                die("rule states", &err);
        }
        states += now_s() - t;
        total += now_s() - t;
        t = now_s();
        for (size_t i = 0; i < n; i += batch) {
            size_t m = n - i < batch ? n - i : batch;
            /* Its batch kept whole, and closed with it, as a scan does. */
            enum tk_status st =
                batch == 1 ? tk_store_snapshot_put(s, info.id, &snaps[i].s, &target, 1, &err)
                           : tk_store_snapshot_put_batch(s, info.id, &puts[i], m, &claimed[i].batch,
                                                         1, &err);

            if (st != TK_OK)
                die("snapshot", &err);
        }
        total += now_s() - t;
        kept += n;
    }
    t = now_s();
    if (tk_store_scan_finish(s, info.id, true, &info, &err) != TK_OK)
        die("scan finish", &err);
    total += now_s() - t;
    printf("scan %d snapshots %lu seconds %.3f claims %.3f states %.3f\n", k, kept, total, claims,
           states);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct tk_store *s;
    struct tk_error err;
    unsigned long n;
    unsigned batch;
    int scans;

    if (argc != 5 || (n = strtoul(argv[2], NULL, 10)) == 0 ||
        (batch = (unsigned)strtoul(argv[3], NULL, 10)) == 0 || batch > CLAIM ||
        (scans = atoi(argv[4])) <= 0) {
        fprintf(stderr, "usage: store-rate URL SNAPSHOTS BATCH(1..%d) SCANS\n", CLAIM);
        return 2;
    }
    if (tk_store_open(argv[1], &s, &err) != TK_OK)
        die("open", &err);
    inventory(s, n);
    for (int k = 1; k <= scans; k++)
        scan(s, k, batch);
    tk_store_close(s);
    return 0;
}
