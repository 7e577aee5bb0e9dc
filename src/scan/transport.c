/*
 * NAME
 *	transport.c - the probe stage: a queue, worker threads, a probe cache
 * DESCRIPTION
 *	One lock guards the queue, the cache and the per-address counts;
 *	nobody holds it while connecting. A cache entry is created RUNNING
 *	by the worker that will probe, and waiters sleep on the stage's
 *	condition variable until it is DONE: a probe in progress never
 *	waits for another probe, so no worker can wait on itself.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "scan/transport.h"

#define CACHE_BUCKETS 4096

struct probe_entry {
    struct probe_entry *next;
    char key[TK_DOMAIN_MAX + TK_ADDRESS_TEXT_MAX + 2]; /* "host address" */
    bool done;
    struct tk_smtp_probe probe;
};

struct address_slot {
    struct address_slot *next;
    char address[TK_ADDRESS_TEXT_MAX + 1];
    unsigned active;
};

struct queued {
    struct queued *next;
    struct tk_observation *obs;
};

struct tk_transport {
    struct tk_transport_options o;
    tk_transport_sink sink;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t work;    /* the queue has something, or the stage stops */
    pthread_cond_t changed; /* a probe finished or an address slot freed */
    struct queued *head, *tail;
    size_t queued;
    unsigned busy; /* workers probing a domain */
    bool stopping;
    bool finished;
    unsigned nthreads;
    pthread_t threads[TK_PROBE_WORKERS_MAX];
    unsigned long probes;
    struct probe_entry *cache[CACHE_BUCKETS];
    struct address_slot *slots[CACHE_BUCKETS];
};

static unsigned bucket_of(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CACHE_BUCKETS;
}

/* slot_acquire waits for a free connection slot at address; the lock
 * is held on entry and on return. */
static struct address_slot *slot_acquire(struct tk_transport *t, const char *address)
{
    unsigned b = bucket_of(address);
    struct address_slot *s;

    for (s = t->slots[b]; s; s = s->next)
        if (strcmp(s->address, address) == 0)
            break;
    if (s == NULL) {
        if ((s = calloc(1, sizeof(*s))) == NULL)
            return NULL;
        tk_strlcpy(s->address, address, sizeof(s->address));
        s->next = t->slots[b];
        t->slots[b] = s;
    }
    while (s->active >= t->o.host_connections)
        pthread_cond_wait(&t->changed, &t->lock);
    s->active++;
    return s;
}

static struct probe_entry *cache_find(struct tk_transport *t, const char *key, unsigned b)
{
    struct probe_entry *e;

    for (e = t->cache[b]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* probe_run probes as entry e's owner; the lock is held on entry and
 * on return, and released while connecting. */
static void probe_run(struct tk_transport *t, struct probe_entry *e, const char *host,
                      const char *address, const char *rcpt_domain)
{
    struct address_slot *s = slot_acquire(t, address);

    pthread_mutex_unlock(&t->lock);
    if (s == NULL) {
        /* No memory for the slot: say so rather than probe impolitely. */
        memset(&e->probe, 0, sizeof(e->probe));
        tk_strlcpy(e->probe.host, host, sizeof(e->probe.host));
        tk_strlcpy(e->probe.address, address, sizeof(e->probe.address));
        e->probe.connected = TK_PROBE_ERROR;
        tk_strlcpy(e->probe.connect_error, "out of memory", sizeof(e->probe.connect_error));
    } else if (tk_smtp_probe_host(t->o.probe, host, address, t->o.smtp_port, rcpt_domain,
                                  &e->probe) == TK_NOMEM) {
        e->probe.connected = TK_PROBE_ERROR;
        tk_strlcpy(e->probe.connect_error, "the probe could not run (out of memory)",
                   sizeof(e->probe.connect_error));
    }
    /* Any other refusal (TK_USAGE: an address or name the probe will
     * not use) left its reason in connect_error. */
    pthread_mutex_lock(&t->lock);
    if (s)
        s->active--;
    e->done = true;
    t->probes++;
    pthread_cond_broadcast(&t->changed);
}

/* probe_get returns the probe of host at address: from the cache, from
 * the worker already running it, or run here. NULL: out of memory. */
static const struct tk_smtp_probe *probe_get(struct tk_transport *t, const char *host,
                                             const char *address, const char *rcpt_domain)
{
    char key[sizeof(((struct probe_entry *)0)->key)];
    struct probe_entry *e;
    unsigned b;

    snprintf(key, sizeof(key), "%s %s", host, address);
    b = bucket_of(key);
    pthread_mutex_lock(&t->lock);
    if ((e = cache_find(t, key, b)) == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
        tk_strlcpy(e->key, key, sizeof(e->key));
        e->next = t->cache[b];
        t->cache[b] = e;
        probe_run(t, e, host, address, rcpt_domain);
    }
    while (e && !e->done)
        pthread_cond_wait(&t->changed, &t->lock);
    pthread_mutex_unlock(&t->lock);
    return e ? &e->probe : NULL;
}

/* host_probe probes every address of one MX host: IPv4 first, then
 * IPv6, as many as TK_MX_ADDRESSES_MAX. */
static void host_probe(struct tk_transport *t, struct tk_mx_host *h, const char *domain)
{
    const struct tk_lookup *sets[2] = {&h->a, &h->aaaa};
    const struct tk_smtp_probe *p;
    size_t i, k;

    for (k = 0; k < 2; k++) {
        if (sets[k]->status != TK_OK)
            continue;
        for (i = 0; i < sets[k]->n && h->nprobes < TK_MX_ADDRESSES_MAX; i++)
            if ((p = probe_get(t, h->name, sets[k]->rr[i].text, domain)) != NULL)
                h->probes[h->nprobes++] = p;
    }
}

static void sts_fetch(struct tk_transport *t, struct tk_observation *obs)
{
    const char *addrs[2 * TK_MX_ADDRESSES_MAX];
    const struct tk_lookup *sets[2] = {&obs->sts_a, &obs->sts_aaaa};
    size_t n = 0, i, k;

    for (k = 0; k < 2; k++)
        for (i = 0; sets[k]->status == TK_OK && i < sets[k]->n && n < TK_MX_ADDRESSES_MAX; i++)
            addrs[n++] = sets[k]->rr[i].text;
    if (n == 0)
        return;
    if (tk_mtasts_fetch_policy(t->o.probe, obs->domain, addrs, n, t->o.https_port,
                               &obs->sts_fetch) == TK_NOMEM) {
        obs->sts_fetch.status = TK_TEMP;
        tk_strlcpy(obs->sts_fetch.error, "out of memory", sizeof(obs->sts_fetch.error));
    }
}

static void domain_probe(struct tk_transport *t, struct tk_observation *obs)
{
    size_t i;

    sts_fetch(t, obs);
    for (i = 0; i < obs->nmx_hosts; i++)
        host_probe(t, &obs->mx_hosts[i], obs->domain);
    obs->probed = true;
}

static void *worker_main(void *arg)
{
    struct tk_transport *t = arg;
    struct queued *q;

    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (t->head == NULL && !t->stopping)
            pthread_cond_wait(&t->work, &t->lock);
        if (t->head == NULL)
            break;
        q = t->head;
        if ((t->head = q->next) == NULL)
            t->tail = NULL;
        t->queued--;
        t->busy++;
        pthread_mutex_unlock(&t->lock);
        domain_probe(t, q->obs);
        t->sink(t->arg, q->obs);
        free(q);
        pthread_mutex_lock(&t->lock);
        t->busy--;
        pthread_cond_broadcast(&t->changed);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

enum tk_status tk_transport_new(const struct tk_transport_options *opts, tk_transport_sink sink,
                                void *arg, struct tk_transport **out, struct tk_error *err)
{
    struct tk_transport *t;
    unsigned i;

    *out = NULL;
    if (opts->workers < 1 || opts->workers > TK_PROBE_WORKERS_MAX || opts->probe == NULL ||
        opts->host_connections < 1 || opts->host_connections > TK_PROBE_HOST_CONNECTIONS_MAX)
        return tk_error_set(err, TK_USAGE, "probe workers 1 to %d, connections per host 1 to %d",
                            TK_PROBE_WORKERS_MAX, TK_PROBE_HOST_CONNECTIONS_MAX);
    if ((t = calloc(1, sizeof(*t))) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    t->o = *opts;
    if (t->o.queue_max == 0)
        t->o.queue_max = 4 * (size_t)opts->workers;
    t->sink = sink;
    t->arg = arg;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->work, NULL);
    pthread_cond_init(&t->changed, NULL);
    for (i = 0; i < opts->workers; i++, t->nthreads++)
        if (pthread_create(&t->threads[i], NULL, worker_main, t) != 0)
            break;
    if (t->nthreads == 0) {
        tk_transport_free(t);
        return tk_error_set(err, TK_NOMEM, "cannot start a probe thread");
    }
    *out = t;
    return TK_OK;
}

void tk_transport_submit(struct tk_transport *t, struct tk_observation *obs)
{
    struct queued *q;

    if (!obs->transport || (q = malloc(sizeof(*q))) == NULL) {
        /* Out of memory: the domain is shown without its probes
         * (probed stays false, so the transport rules are not judged)
         * rather than lost. */
        t->sink(t->arg, obs);
        return;
    }
    q->obs = obs;
    q->next = NULL;
    pthread_mutex_lock(&t->lock);
    if (t->tail)
        t->tail->next = q;
    else
        t->head = q;
    t->tail = q;
    t->queued++;
    pthread_cond_signal(&t->work);
    pthread_mutex_unlock(&t->lock);
}

bool tk_transport_admits(struct tk_transport *t)
{
    bool yes;

    pthread_mutex_lock(&t->lock);
    yes = t->queued < t->o.queue_max;
    pthread_mutex_unlock(&t->lock);
    return yes;
}

void tk_transport_finish(struct tk_transport *t)
{
    unsigned i;

    if (t->finished)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_broadcast(&t->work);
    pthread_mutex_unlock(&t->lock);
    for (i = 0; i < t->nthreads; i++)
        pthread_join(t->threads[i], NULL);
    t->finished = true;
}

void tk_transport_free(struct tk_transport *t)
{
    struct probe_entry *e;
    struct address_slot *s;
    unsigned b;

    if (t == NULL)
        return;
    tk_transport_finish(t);
    for (b = 0; b < CACHE_BUCKETS; b++) {
        while ((e = t->cache[b]) != NULL) {
            t->cache[b] = e->next;
            tk_smtp_probe_clear(&e->probe);
            free(e);
        }
        while ((s = t->slots[b]) != NULL) {
            t->slots[b] = s->next;
            free(s);
        }
    }
    pthread_cond_destroy(&t->work);
    pthread_cond_destroy(&t->changed);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

unsigned long tk_transport_probes(const struct tk_transport *t)
{
    return t->probes;
}
