/*
 * NAME
 *	probe-rate.c - how many SMTP TLS probes per second tiaki's prober runs
 * SYNOPSIS
 *	probe-rate CA-FILE PROBES HOST=ADDRESS...
 * DESCRIPTION
 *	One thread per HOST=ADDRESS, each probing its own address (one
 *	connection at a time per address: tiaki's default politeness) until
 *	PROBES probes have run in all. Each probe is what `tiaki check` does
 *	for one MX address (probe/probe.h): a plain session with a mail
 *	transaction and a STARTTLS handshake with verification, then one
 *	handshake per TLS version. Prints one line:
 *	"probes P seconds S connections C handshakes H failures F".
 *	Built and run by bench/probe-throughput; not part of tiaki.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe.h"

struct target {
    pthread_t tid;
    char host[256];
    char address[64];
    const struct tk_probe_context *ctx;
    unsigned probes;
    unsigned long connections, handshakes, failures;
};

static void *target_main(void *arg)
{
    struct target *t = arg;
    struct tk_smtp_probe p;
    unsigned i;
    int v;

    for (i = 0; i < t->probes; i++) {
        if (tk_smtp_probe_host(t->ctx, t->host, t->address, 0, "good.govt.nz", &p) != TK_OK ||
            p.tls != TK_PROBE_YES) {
            t->failures++;
            tk_smtp_probe_clear(&p);
            continue;
        }
        t->connections++;
        t->handshakes++;
        for (v = 0; v < TK_TLS_VERSIONS; v++) {
            if (p.versions[v].accepted == TK_PROBE_NOT_TRIED)
                continue;
            t->connections++;
            t->handshakes += p.versions[v].accepted == TK_PROBE_YES;
        }
        tk_smtp_probe_clear(&p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct tk_probe_options o = {0};
    struct tk_probe_context *ctx;
    struct tk_error err = {0};
    struct target *t;
    struct timespec a, b;
    unsigned long conns = 0, hs = 0, fails = 0;
    int n, i, total;

    if (argc < 4) {
        fprintf(stderr, "usage: probe-rate CA-FILE PROBES HOST=ADDRESS...\n");
        return 2;
    }
    o.ca_file = argv[1];
    o.timeout_ms = 10000;
    total = atoi(argv[2]);
    n = argc - 3;
    if (total < n || tk_probe_context_new(&o, &ctx, &err) != TK_OK) {
        fprintf(stderr, "probe-rate: %s\n", err.msg[0] ? err.msg : "PROBES < targets");
        return 2;
    }
    t = calloc((size_t)n, sizeof(*t));
    for (i = 0; i < n; i++) {
        char *eq = strchr(argv[3 + i], '=');

        if (t == NULL || eq == NULL)
            return 2;
        snprintf(t[i].host, sizeof(t[i].host), "%.*s", (int)(eq - argv[3 + i]), argv[3 + i]);
        snprintf(t[i].address, sizeof(t[i].address), "%s", eq + 1);
        t[i].ctx = ctx;
        t[i].probes = (unsigned)(total / n + (i < total % n));
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < n; i++)
        pthread_create(&t[i].tid, NULL, target_main, &t[i]);
    for (i = 0; i < n; i++) {
        pthread_join(t[i].tid, NULL);
        conns += t[i].connections;
        hs += t[i].handshakes;
        fails += t[i].failures;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("probes %d seconds %.3f connections %lu handshakes %lu failures %lu\n", total,
           (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, conns, hs,
           fails);
    tk_probe_context_free(ctx);
    free(t);
    return 0;
}
