/*
 * NAME
 *	scan.c - observe many domains at once, on one or more threads
 * DESCRIPTION
 *	Each thread keeps a simple window: start domains until its share of
 *	jobs is in flight, then wait for answers; each finished observation
 *	frees a slot. One lock guards the source, the hooks and the stats.
 * LIMITS
 *	jobs is clamped to 1..TK_SCAN_DOMAINS_INFLIGHT_MAX, and each thread
 *	gets at least one.
 */
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "scan/scan.h"

struct scan_shared {
    pthread_mutex_t lock;
    const struct tk_scan_source *src;
    const struct tk_scan_hooks *hooks;
    struct tk_scan_stats *stats;
    bool eof;
    long long last_progress;
};

struct scan_thread {
    pthread_t tid;
    struct scan_shared *sh;
    struct tk_resolver *r;
    unsigned jobs;
    unsigned inflight;
    enum tk_status status;
    struct tk_error err;
};

static void scan_done(void *arg, struct tk_observation *obs)
{
    struct scan_thread *t = arg;
    struct scan_shared *sh = t->sh;

    t->inflight--;
    /* Outside the lock: judging and formatting a domain is most of the
     * work, and it is what the threads are for. */
    sh->hooks->sink(sh->hooks->arg, obs);
    pthread_mutex_lock(&sh->lock);
    sh->stats->finished++;
    pthread_mutex_unlock(&sh->lock);
}

/* scan_next_locked takes the next request; false at the end of input. */
static bool scan_next_locked(struct scan_thread *t, struct tk_observe_request *req)
{
    struct scan_shared *sh = t->sh;
    struct tk_error err = {0};
    enum tk_status st;

    for (;;) {
        if (sh->eof)
            return false;
        memset(req, 0, sizeof(*req));
        st = sh->src->next(sh->src->arg, req, &err);
        if (st == TK_ABSENT) {
            sh->eof = true;
            return false;
        }
        if (st == TK_OK)
            st = tk_observe_start(t->r, req, scan_done, t, &err);
        if (st == TK_OK)
            return true;
        sh->stats->rejected++;
        if (sh->hooks->bad)
            sh->hooks->bad(sh->hooks->arg, &err);
    }
}

static bool scan_admits(const struct scan_shared *sh)
{
    return sh->hooks->admit == NULL || sh->hooks->admit(sh->hooks->arg);
}

/* scan_fill starts domains until the thread's window is full; false at
 * the end of the input. */
static bool scan_fill(struct scan_thread *t)
{
    struct tk_observe_request req;
    bool more = true;

    pthread_mutex_lock(&t->sh->lock);
    while (t->inflight < t->jobs && scan_admits(t->sh) && (more = scan_next_locked(t, &req))) {
        t->inflight++;
        t->sh->stats->started++;
    }
    pthread_mutex_unlock(&t->sh->lock);
    return more;
}

static void scan_progress(struct scan_shared *sh, bool force)
{
    long long now = tk_now_ms();

    if (sh->hooks->progress == NULL)
        return;
    pthread_mutex_lock(&sh->lock);
    if (force || now - sh->last_progress >= 200) {
        sh->last_progress = now;
        sh->hooks->progress(sh->hooks->arg, sh->stats);
    }
    pthread_mutex_unlock(&sh->lock);
}

static void *scan_thread_main(void *arg)
{
    struct scan_thread *t = arg;
    bool more = true;

    for (;;) {
        if (more)
            more = scan_fill(t);
        if (!more && t->inflight == 0)
            break;
        if (t->inflight == 0) {
            /* Held back by admit(): nothing of ours to wait for. */
            poll(NULL, 0, 20);
            scan_progress(t->sh, false);
            continue;
        }
        if ((t->status = tk_resolver_wait(t->r, 100, &t->err)) != TK_OK)
            break;
        scan_progress(t->sh, false);
    }
    return NULL;
}

/* scan_start_threads starts threads 1..n-1; thread 0 is the caller. */
static enum tk_status scan_start_threads(struct scan_thread *th, unsigned n, unsigned *started,
                                         struct tk_error *err)
{
    unsigned i;

    for (i = 1; i < n; i++) {
        if (pthread_create(&th[i].tid, NULL, scan_thread_main, &th[i]) != 0)
            return tk_error_set(err, TK_NOMEM, "cannot start scan thread %u", i);
        *started = i;
    }
    return TK_OK;
}

enum tk_status tk_scan_run(struct tk_resolver *const *resolvers, unsigned nresolvers, unsigned jobs,
                           const struct tk_scan_source *src, const struct tk_scan_hooks *hooks,
                           struct tk_scan_stats *stats, struct tk_error *err)
{
    struct scan_thread th[TK_SCAN_THREADS_MAX];
    struct scan_shared sh;
    enum tk_status st;
    unsigned i, started = 0;

    if (nresolvers < 1 || nresolvers > TK_SCAN_THREADS_MAX)
        return tk_error_set(err, TK_USAGE, "a scan runs 1 to %d threads", TK_SCAN_THREADS_MAX);
    jobs = jobs < 1 ? 1 : jobs > TK_SCAN_DOMAINS_INFLIGHT_MAX ? TK_SCAN_DOMAINS_INFLIGHT_MAX : jobs;
    memset(&sh, 0, sizeof(sh));
    pthread_mutex_init(&sh.lock, NULL);
    sh.src = src;
    sh.hooks = hooks;
    sh.stats = stats;
    memset(th, 0, sizeof(th[0]) * nresolvers);
    for (i = 0; i < nresolvers; i++) {
        th[i].sh = &sh;
        th[i].r = resolvers[i];
        th[i].jobs = jobs / nresolvers > 0 ? jobs / nresolvers : 1;
    }
    st = scan_start_threads(th, nresolvers, &started, err);
    if (st == TK_OK)
        scan_thread_main(&th[0]);
    else {
        pthread_mutex_lock(&sh.lock);
        sh.eof = true; /* the threads that started finish what they took */
        pthread_mutex_unlock(&sh.lock);
    }
    for (i = 1; i <= started; i++)
        pthread_join(th[i].tid, NULL);
    for (i = 0; i < nresolvers && st == TK_OK; i++)
        if (th[i].status != TK_OK) {
            st = th[i].status;
            *err = th[i].err;
        }
    scan_progress(&sh, true);
    pthread_mutex_destroy(&sh.lock);
    return st;
}
