/*
 * NAME
 *	cmd_scan.c - tiaki scan: check the whole inventory and keep a snapshot
 * SYNOPSIS
 *	tiaki scan [--db URL] [--inventory FILE] [--new] [OPTIONS]
 *	tiaki scan --worker [--db URL] [OPTIONS]
 * DESCRIPTION
 *	Begins a scan in the store (or resumes the one an interruption
 *	left running), then claims domains from its queue a batch at a time
 *	and checks them with the engine (cli/engine.h); each finished domain
 *	is judged and hashed on the checker's thread, then handed to the
 *	keeper, the one thread that uses the store while the engine runs:
 *	it claims ahead, compares the domains that found something new with
 *	their rule states (change events) and keeps a batch of snapshots in
 *	one transaction, with one pending alert per regression and target,
 *	closing the queue's batches whose last domains it keeps.
 *	At the end the alerts that are due are delivered.
 *
 *	With --worker the process joins the running scan instead of
 *	beginning one: with PostgreSQL any number of workers on any number
 *	of hosts share a scan, each domain checked once.
 *
 *	SIGINT or SIGTERM stops claiming: what is in flight finishes and is
 *	kept, unstarted claims are released, and the scan stays running to
 *	be resumed (or closed as partial by `tiaki scan --new`).
 * DIAGNOSTICS
 *	Exit 0 when the scan is complete, 1 when it was interrupted (it can
 *	be resumed) or other workers are still at it, 2 for a usage error,
 *	3 when the store or the resolver failed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "core/text.h"
#include "monitor/alert.h"
#include "monitor/changes.h"
#include "show/show.h"

#define PROG "scan"
/* Domains to a batch of a new scan's queue: a claim takes one. Claims
 * cost a statement each, and a worker that dies leaves a batch to wait
 * out its lease, so neither too few nor too many. */
#define SCAN_BATCH_DEFAULT 128
#define SCAN_LEASE_DEFAULT 300
/* Finished domains kept in one transaction (each whole; a crash loses at
 * most these, which the resumed scan checks again). 128 rather than 64
 * took a fifth off PostgreSQL's CPU in a scan (0.52 s a 10,000 domains,
 * not 0.66 s): each statement and commit has a cost of its own. */
#define SCAN_PENDING_MAX 128
/* Full batches waiting for the keeper before the checkers wait for it:
 * enough to ride out a slow commit, few enough to bound memory (a
 * finished domain takes about 30 KB until it is kept). */
#define SCAN_KEEP_QUEUE_MAX 4
/* Claimed batches the keeper follows to close each when its last domain
 * is kept: a few claims' worth in flight (each claim is one batch unless
 * the scan's batches are smaller than ours). Past this a batch is left
 * to the release at the end, which looks for what is left in it. */
#define SCAN_OPEN_BATCHES_MAX 1024

struct scan_options {
    struct engine_options e;
    const char *db;
    const char *inventory;
    bool worker;
    bool fresh;
    bool progress;
    bool alerts;
    unsigned batch;
    unsigned lease_s;
    unsigned wait_s;
    unsigned store_batch;
};

struct scan_pending;

/* Finished domains on their way to the keeper, a batch at a time. */
struct scan_keep {
    struct scan_pending *p[SCAN_PENDING_MAX];
    size_t n;
    struct scan_keep *next;
};

/* A claimed batch and how many of its claimed domains are not kept. */
struct scan_open_batch {
    int64_t n;
    size_t left;
};

/* While the engine runs, one thread (the keeper) does all the store's
 * work: it claims the next batch before the checkers need it and keeps
 * finished domains while they check others. Done on the checkers'
 * threads, every round trip to the store stopped a DNS loop (and, under
 * the lock, the other one too): with PostgreSQL a fifth of a scan's
 * time. Before and after, the main thread has the store to itself. */
struct scan_run {
    pthread_mutex_t lock; /* everything below but the store */
    pthread_cond_t wake;  /* the keeper: a batch to keep, a claim taken, the end */
    pthread_cond_t room;  /* the checkers: a claim ready, room in the queue */
    struct scan_options *o;
    struct tk_store *store;
    struct tk_scan_info info;
    char worker[TK_STORE_WORKER_MAX];
    /* the claim the checkers are taking domains from, and the next */
    struct tk_store_domain batch[TK_STORE_BATCH_MAX];
    size_t nbatch, next;
    struct tk_store_domain ready[TK_STORE_BATCH_MAX];
    size_t nready;
    bool ready_set, claims_over, engine_done;
    struct engine_selectors sel;
    bool exhausted;
    /* finished domains: the batch filling, and full ones in order */
    struct scan_keep *filling, *full, **full_tail;
    size_t nfull;
    unsigned long kept, compliant, events, regressions, failed;
    /* CPU seconds storing used in this process: the keeper's, and the
     * checkers' hashing of what they found */
    double keeper_cpu, hash_cpu;
    struct tk_error store_err;
    /* the keeper's own: batches claimed and not closed yet */
    struct scan_open_batch open[SCAN_OPEN_BATCHES_MAX];
    size_t nopen;
};

static volatile sig_atomic_t scan_stop;

static void scan_on_signal(int sig)
{
    (void)sig;
    scan_stop = 1;
}

bool cmd_scan_interrupted(void)
{
    return scan_stop;
}

static void scan_usage(FILE *out)
{
    fprintf(out, "usage: tiaki scan [--db URL] [--inventory FILE] [--new] [OPTIONS]\n"
                 "       tiaki scan --worker [--db URL] [OPTIONS]\n"
                 "\n"
                 "Check every domain of the inventory and keep one snapshot per domain in the\n"
                 "store: findings, records, change events since the last scan; alert each new\n"
                 "regression once.\n"
                 "\n"
                 "options:\n"
                 "      --db URL              the store: PATH, sqlite:PATH or postgresql://...\n"
                 "                            (default: [store] db, else\n"
                 "                            $XDG_DATA_HOME/tiaki/tiaki.db)\n"
                 "  -i, --inventory FILE      import this CSV into the inventory first\n"
                 "      --new                 close a running (interrupted) scan as partial\n"
                 "                            and begin a new one (default: resume it)\n"
                 "      --worker              join the running scan (PostgreSQL: many workers\n"
                 "                            on many hosts share one scan)\n"
                 "      --wait SECONDS        --worker: wait this long for a scan (default 30)\n"
                 "      --batch N             domains to a batch of a new scan's queue; a\n"
                 "                            worker claims a batch at a time (default 128)\n"
                 "      --lease SECONDS       a claim not finished in this time is taken over\n"
                 "                            by another worker (default 300); one of a\n"
                 "                            worker of this host that is gone, at once\n"
                 "      --no-alerts           keep alerts pending; do not deliver them now\n");
    engine_usage(out);
    fprintf(out, "  -q, --quiet               no progress line on stderr\n"
                 "  -h, --help                this help\n"
                 "\n"
                 "exit status: 0 scan complete, 1 interrupted or others still working (resume\n"
                 "with tiaki scan), 2 usage error, 3 store or resolver failure.\n");
}

enum { OPT_DB = 256, OPT_WORKER, OPT_NEW, OPT_WAIT, OPT_BATCH, OPT_LEASE, OPT_NO_ALERTS };

static const struct option scan_own_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"inventory", required_argument, NULL, 'i'},
    {"worker", no_argument, NULL, OPT_WORKER},
    {"new", no_argument, NULL, OPT_NEW},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"lease", required_argument, NULL, OPT_LEASE},
    {"no-alerts", no_argument, NULL, OPT_NO_ALERTS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int scan_option(struct scan_options *o, int c, const char *arg)
{
    long v;
    int rc;

    switch (c) {
    case OPT_DB:
        o->db = arg;
        return -1;
    case 'i':
        o->inventory = arg;
        return -1;
    case OPT_WORKER:
        o->worker = true;
        return -1;
    case OPT_NEW:
        o->fresh = true;
        return -1;
    case OPT_WAIT:
        if (!engine_number(arg, 0, 86400, &v))
            return engine_usage_error(PROG, "--wait '%s': seconds from 0 to 86400", arg);
        o->wait_s = (unsigned)v;
        return -1;
    case OPT_BATCH:
        if (!engine_number(arg, 1, 256, &v))
            return engine_usage_error(PROG, "--batch '%s': a number from 1 to 256", arg);
        o->batch = (unsigned)v;
        return -1;
    case OPT_LEASE:
        if (!engine_number(arg, 1, 86400, &v))
            return engine_usage_error(PROG, "--lease '%s': seconds from 1 to 86400", arg);
        o->lease_s = (unsigned)v;
        return -1;
    case OPT_NO_ALERTS:
        o->alerts = false;
        return -1;
    case 'q':
        o->progress = false;
        return -1;
    case 'h':
        scan_usage(stdout);
        return 0;
    default:
        if ((rc = engine_option(&o->e, PROG, c, arg)) == 1)
            return engine_usage_error(PROG, "unknown option");
        return rc;
    }
}

static int scan_parse(int argc, char **argv, struct scan_options *o)
{
    struct option longs[64];
    int c, rc;

    memset(o, 0, sizeof(*o));
    if ((rc = engine_options_init(&o->e, &tk_cli_config, PROG)) >= 0)
        return rc;
    o->progress = true;
    o->alerts = true;
    o->batch = SCAN_BATCH_DEFAULT;
    o->lease_s = SCAN_LEASE_DEFAULT;
    o->wait_s = 30;
    o->store_batch = SCAN_PENDING_MAX;
    engine_long_options_merge(longs, 64, scan_own_options);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:qh" ENGINE_SHORT_OPTIONS, longs, NULL)) != -1) {
        if (c == '?')
            return engine_usage_error(PROG, "unknown option or missing argument: %s",
                                      argv[optind - 1]);
        if ((rc = scan_option(o, c, optarg)) >= 0)
            return rc;
    }
    if (optind < argc)
        return engine_usage_error(PROG, "unexpected argument '%s': scan checks the inventory",
                                  argv[optind]);
    if (o->worker && (o->fresh || o->inventory))
        return engine_usage_error(PROG, "--worker joins a scan: no --new or --inventory");
    return engine_options_check(&o->e, PROG);
}

/* scan_take moves the keeper's next claim into the batch the checkers
 * take domains from, waiting for it if need be; false when the queue
 * has nothing left for us (or the store failed: store_err says). */
static bool scan_take(struct scan_run *run)
{
    bool got;

    pthread_mutex_lock(&run->lock);
    while (!run->ready_set && !run->claims_over)
        pthread_cond_wait(&run->room, &run->lock);
    if ((got = run->ready_set)) {
        memcpy(run->batch, run->ready, run->nready * sizeof(run->ready[0]));
        run->nbatch = run->nready;
        run->next = 0;
        run->ready_set = false;
        pthread_cond_signal(&run->wake);
    }
    pthread_mutex_unlock(&run->lock);
    return got;
}

static enum tk_status scan_next(void *arg, struct tk_observe_request *req, struct tk_error *err)
{
    struct scan_run *run = arg;
    struct tk_store_domain *d;

    if (scan_stop || run->exhausted)
        return TK_ABSENT;
    if (run->next >= run->nbatch && !scan_take(run)) {
        run->exhausted = true;
        return TK_ABSENT;
    }
    if ((d = malloc(sizeof(*d))) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    *d = run->batch[run->next++];
    engine_request(&run->o->e, NULL, 0, d->selectors, &run->sel, req);
    req->domain = d->domain;
    req->agency = d->agency;
    req->contact = d->contact;
    req->bulk = d->bulk;
    if (run->o->e.profile == TK_PROFILE_UNSET)
        req->profile_hint = d->profile;
    req->tag = d;
    return TK_OK;
}

/* One finished domain waiting to be kept with the others of its batch:
 * a commit per snapshot is what makes storing slow (bench/scan-store). */
struct scan_pending {
    struct tk_store_domain *d;
    struct tk_judgement j;
    char *json;
    bool gone;
    struct tk_snapshot snap;
    struct scan_changes *ch;              /* NULL: nothing changed (or not compared) */
    char digest[TK_STORE_DIGEST_HEX + 1]; /* of its content; "" if none */
};

/* What a domain that found something else changes: 70 KB, made only for
 * those (most domains find what they found before). */
struct scan_changes {
    struct tk_rule_state states[TK_RULE_STATES_MAX];
    struct tk_event events[TK_EVENTS_MAX];
    struct tk_alert_target targets[TK_ALERT_TARGETS_MAX];
    size_t ntargets;
};

static void pending_free(struct scan_pending *p)
{
    free(p->ch);
    free(p->json);
    free(p->d);
    free(p);
}

/* scan_compare works out a domain's events from its rule states. */
static void scan_compare(struct scan_run *run, struct scan_pending *p,
                         const struct tk_rule_states *prev)
{
    struct scan_changes *ch = p->ch;

    tk_changes_compute(prev->states, prev->n, prev->seen, &p->j, p->gone, run->info.id, ch->states,
                       &p->snap.nstates, ch->events, &p->snap.nevents);
    p->snap.nstates = tk_changes_set_by(ch->states, p->snap.nstates, run->info.id);
    p->snap.states = ch->states;
    p->snap.events = ch->events;
    ch->ntargets = tk_alert_targets(&tk_cli_config.alerts, p->d->contact, ch->targets);
}

/* scan_unchanged says whether p found exactly what its domain's newest
 * snapshot found (as claimed): then its rule states are those findings'
 * already, so there is nothing to compare, no event and no state to
 * write, and only the changed domains' states are read. */
static bool scan_unchanged(struct scan_pending *p)
{
    p->snap.prev = p->d->newest;
    if (p->digest[0] == '\0' || p->d->newest.snapshot_id <= 0 ||
        strcmp(p->digest, p->d->newest.digest) != 0)
        return false;
    p->snap.nstates = p->snap.nevents = 0;
    return true;
}

/* What keeping a batch came to, added to the run's counts at once. */
struct scan_tally {
    unsigned long kept, compliant, events, regressions, failed;
    struct tk_error err;
};

/* scan_states compares the domains of b with what they found before:
 * the rule states of those that found something else than their newest
 * content (as claimed), in one query. False when the store fails (the
 * batch is not kept, t->err says why). */
static bool scan_states(struct scan_run *run, struct scan_keep *b, struct scan_tally *t)
{
    struct scan_pending *changed[SCAN_PENDING_MAX];
    struct tk_rule_states *prev = NULL;
    size_t i, n = 0;
    bool ok = false;

    for (i = 0; i < b->n; i++) {
        if (scan_unchanged(b->p[i]))
            continue;
        if ((b->p[i]->ch = malloc(sizeof(*b->p[i]->ch))) == NULL)
            goto nomem;
        changed[n++] = b->p[i];
    }
    if (n == 0)
        return true;
    /* Not calloc: the store sets what it reads, and zeroing the unused
     * states (15 KB a domain) was a tenth of what storing cost. */
    if ((prev = malloc(n * sizeof(*prev))) == NULL)
        goto nomem;
    for (i = 0; i < n; i++)
        prev[i].domain_id = changed[i]->d->id;
    if (tk_store_rule_states_many(run->store, prev, n, &t->err) == TK_OK) {
        for (i = 0; i < n; i++)
            scan_compare(run, changed[i], &prev[i]);
        ok = true;
    }
    free(prev);
    if (!ok)
        t->failed += b->n;
    return ok;
nomem:
    tk_error_set(&t->err, TK_NOMEM, "no memory to compare %zu domains", b->n);
    t->failed += b->n;
    return false;
}

static void scan_count(struct scan_tally *t, const struct scan_pending *p)
{
    size_t i;

    t->kept++;
    t->compliant += p->j.compliant;
    t->events += p->snap.nevents;
    for (i = 0; i < p->snap.nevents; i++)
        t->regressions += p->snap.events[i].kind == TK_EVENT_REGRESSION;
}

/* scan_open_find is the open batch n, or NULL. */
static struct scan_open_batch *scan_open_find(struct scan_run *run, int64_t n)
{
    for (size_t i = 0; i < run->nopen; i++)
        if (run->open[i].n == n)
            return &run->open[i];
    return NULL;
}

/* scan_open_claimed follows the batches of the domains just claimed. A
 * batch with no room to follow it is left to the release; so are all
 * its domains, as the table only fills up while this runs. */
static void scan_open_claimed(struct scan_run *run, const struct tk_store_domain *d, size_t n)
{
    struct scan_open_batch *o;

    for (size_t i = 0; i < n; i++) {
        if (d[i].batch <= 0)
            continue;
        if ((o = scan_open_find(run, d[i].batch)) == NULL) {
            if (run->nopen == SCAN_OPEN_BATCHES_MAX)
                continue;
            o = &run->open[run->nopen++];
            *o = (struct scan_open_batch){.n = d[i].batch};
        }
        o->left++;
    }
}

/* scan_open_finishing fills done[] with the open batches whose last
 * domains b holds: kept with them, they are closed in the same
 * transaction. */
static size_t scan_open_finishing(struct scan_run *run, const struct scan_keep *b, int64_t *done)
{
    struct scan_open_batch *o;
    size_t i, k, mine, ndone = 0;

    for (i = 0; i < b->n; i++) {
        int64_t n = b->p[i]->d->batch;

        for (k = 0; k < i && b->p[k]->d->batch != n; k++)
            ;
        if (k < i || (o = scan_open_find(run, n)) == NULL)
            continue; /* counted at its first domain, or not followed */
        for (mine = 0, k = i; k < b->n; k++)
            mine += b->p[k]->d->batch == n;
        if (mine == o->left)
            done[ndone++] = n;
    }
    return ndone;
}

/* scan_open_kept counts a kept domain of its batch; the batch is no
 * longer followed after its last (closed, or left to the release). */
static void scan_open_kept(struct scan_run *run, int64_t n)
{
    struct scan_open_batch *o = scan_open_find(run, n);

    if (o != NULL && --o->left == 0)
        *o = run->open[--run->nopen];
}

/* scan_keep_batch keeps b's snapshots in one transaction (each one
 * whole), and closes the batches of the queue whose last domains they
 * are; when that fails, one by one, so one bad snapshot costs only
 * itself (and the batches are left to the release). The keeper's; the
 * lock is not held. */
static void scan_keep_batch(struct scan_run *run, struct scan_keep *b, struct scan_tally *t)
{
    struct tk_snapshot_put puts[SCAN_PENDING_MAX];
    int64_t done[SCAN_PENDING_MAX];
    bool kept[SCAN_PENDING_MAX] = {false};
    size_t i, ndone, n = scan_states(run, b, t) ? b->n : 0;

    for (i = 0; i < n; i++) {
        struct scan_pending *p = b->p[i];

        puts[i] = (struct tk_snapshot_put){.snap = &p->snap,
                                           .targets = p->ch ? p->ch->targets : NULL,
                                           .ntargets = p->ch ? p->ch->ntargets : 0};
    }
    ndone = scan_open_finishing(run, b, done);
    if (n > 0 && tk_store_snapshot_put_batch(run->store, run->info.id, puts, n, done, ndone,
                                             &t->err) == TK_OK) {
        for (i = 0; i < n; i++)
            kept[i] = true;
    } else {
        for (i = 0; i < n; i++)
            kept[i] = tk_store_snapshot_put(run->store, run->info.id, puts[i].snap, puts[i].targets,
                                            puts[i].ntargets, &t->err) == TK_OK;
    }
    for (i = 0; i < n; i++) {
        if (!kept[i]) {
            t->failed++;
            continue;
        }
        scan_count(t, b->p[i]);
        scan_open_kept(run, b->p[i]->d->batch);
    }
    for (i = 0; i < b->n; i++)
        pending_free(b->p[i]);
    free(b);
}

/* scan_keeper_claim claims the next batch for the checkers (the lock is
 * held, and let go while the store works). */
static void scan_keeper_claim(struct scan_run *run)
{
    struct tk_error err = {0};
    size_t n = 0, want = run->info.batch > run->o->batch ? run->info.batch : run->o->batch;
    enum tk_status st;

    if (scan_stop) {
        run->claims_over = true;
        return;
    }
    pthread_mutex_unlock(&run->lock);
    /* The scan's own batch (a worker joins a scan others began). */
    st = tk_store_queue_claim(run->store, run->info.id, run->worker, run->o->lease_s, run->ready,
                              want, &n, &err);
    scan_open_claimed(run, run->ready, n);
    pthread_mutex_lock(&run->lock);
    if (st != TK_OK)
        run->store_err = err;
    run->nready = n;
    run->ready_set = n > 0;
    run->claims_over = n == 0;
}

/* scan_keeper_keep keeps the first full batch (the lock is held, and let
 * go while the store works). */
static void scan_keeper_keep(struct scan_run *run)
{
    struct scan_keep *b = run->full;
    struct scan_tally t = {0};

    if ((run->full = b->next) == NULL)
        run->full_tail = &run->full;
    run->nfull--;
    pthread_mutex_unlock(&run->lock);
    scan_keep_batch(run, b, &t);
    pthread_mutex_lock(&run->lock);
    run->kept += t.kept;
    run->compliant += t.compliant;
    run->events += t.events;
    run->regressions += t.regressions;
    run->failed += t.failed;
    if (t.err.code != TK_OK)
        run->store_err = t.err;
}

/* The CPU seconds the calling thread has used. */
static double scan_thread_cpu(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* scan_keeper is the keeper thread: claims first (a checker may be
 * waiting for domains), then batches to keep, until the engine is done
 * and every batch kept. */
static void *scan_keeper(void *arg)
{
    struct scan_run *run = arg;

    pthread_mutex_lock(&run->lock);
    for (;;) {
        if (!run->ready_set && !run->claims_over && !run->engine_done) {
            scan_keeper_claim(run);
            pthread_cond_broadcast(&run->room);
        } else if (run->full != NULL) {
            scan_keeper_keep(run);
            pthread_cond_broadcast(&run->room);
        } else if (run->engine_done) {
            break;
        } else {
            /* Timed: a signal (scan_stop) wakes nobody. */
            struct timespec until;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100 * 1000 * 1000;
            if (until.tv_nsec >= 1000 * 1000 * 1000) {
                until.tv_sec++;
                until.tv_nsec -= 1000 * 1000 * 1000;
            }
            pthread_cond_timedwait(&run->wake, &run->lock, &until);
        }
    }
    run->keeper_cpu = scan_thread_cpu();
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* scan_hand_over queues the filling batch for the keeper (the lock is
 * held); false when no new one could be made. */
static bool scan_hand_over(struct scan_run *run)
{
    struct scan_keep *fresh = calloc(1, sizeof(*fresh));

    if (run->filling->n > 0) {
        *run->full_tail = run->filling;
        run->full_tail = &run->filling->next;
        run->nfull++;
        run->filling = fresh;
        pthread_cond_signal(&run->wake);
    } else if (fresh) {
        free(fresh);
    }
    return run->filling != NULL;
}

/* scan_result runs on several threads at once: the JSON is made outside
 * the lock; the snapshot joins the batch, handed to the keeper when the
 * batch is full. */
static void scan_result(void *arg, const struct tk_observation *obs, const struct tk_judgement *j)
{
    struct scan_run *run = arg;
    /* Not calloc, nor a copy of the whole judgement: most of its 29 KB
     * is slots a domain does not use, and zeroing and copying them cost
     * more than keeping the snapshot. Counts say what is set. */
    struct scan_pending *p = malloc(sizeof(*p));
    size_t len = 0;
    double hashing;

    if (p == NULL) {
        free(obs->tag);
        return;
    }
    p->d = obs->tag;
    tk_judgement_copy(&p->j, j);
    p->gone = tk_observation_gone(obs);
    p->ch = NULL;
    memset(&p->snap, 0, sizeof(p->snap));
    p->json = tk_show_domain_json(obs, j, &len);
    p->snap.domain = p->d;
    p->snap.scanned_at = (int64_t)time(NULL);
    p->snap.profile = obs->profile;
    p->snap.compliant = j->compliant;
    p->snap.all_unknown = j->all_unknown;
    p->snap.observation_json = p->json ? p->json : "{}";
    p->snap.observation_len = p->json ? len : 2;
    p->snap.judgement = &p->j;
    /* Hashed here, on the checker's thread, not the keeper's. */
    hashing = scan_thread_cpu();
    if (tk_store_snapshot_digest(&p->snap, p->digest, &(struct tk_error){0}) != TK_OK)
        p->digest[0] = '\0';
    p->snap.digest = p->digest[0] ? p->digest : NULL;
    hashing = scan_thread_cpu() - hashing;
    pthread_mutex_lock(&run->lock);
    run->hash_cpu += hashing;
    if (run->filling == NULL) {
        run->failed++;
        tk_error_set(&run->store_err, TK_NOMEM, "no memory for finished domains");
        pending_free(p);
    } else {
        run->filling->p[run->filling->n++] = p;
        if (run->filling->n >= run->o->store_batch)
            scan_hand_over(run);
        /* The keeper is behind: wait rather than hold more. */
        while (run->nfull > SCAN_KEEP_QUEUE_MAX)
            pthread_cond_wait(&run->room, &run->lock);
    }
    pthread_mutex_unlock(&run->lock);
}

static void scan_bad(void *arg, const struct tk_error *err)
{
    char msg[TK_ERROR_MSG_MAX];

    tk_strlcpy(msg, err->msg, sizeof(msg));
    tk_text_sanitise(msg);
    fprintf(stderr, "tiaki scan: %s\n", msg);
}

static void scan_progress(void *arg)
{
    struct scan_run *run = arg;
    unsigned long done;

    pthread_mutex_lock(&run->lock);
    done = run->info.done + run->kept;
    pthread_mutex_unlock(&run->lock);
    tk_show_progress(stderr, done, run->info.total, false);
}

/* scan_join waits (up to --wait) for a running scan to work on. */
static int scan_join(struct scan_run *run)
{
    struct tk_error err = {0};
    unsigned waited = 0;
    enum tk_status st;

    /* Every tenth of a second: a worker started with its coordinator
     * should not miss the first claims. */
    while ((st = tk_store_scan_join(run->store, &run->info, &err)) == TK_ABSENT &&
           waited < run->o->wait_s * 10 && !scan_stop) {
        poll(NULL, 0, 100);
        waited++;
    }
    if (st == TK_OK)
        return -1;
    if (st == TK_ABSENT) {
        fprintf(stderr, "tiaki scan: no running scan to join (waited %u s)\n", waited / 10);
        return 1;
    }
    fprintf(stderr, "tiaki scan: %s\n", err.msg);
    return 3;
}

/* What scan_dead_worker needs: this host's name, the workers found. */
struct scan_dead {
    const char *host;
    char workers[16][TK_STORE_WORKER_MAX];
    size_t n;
};

/* scan_dead_worker notes a worker of this host ("host:pid", as
 * cmd_scan_main names it) whose process is gone: killed, it left claims
 * that would otherwise wait out their lease. A pid that is in use again
 * looks alive, which only means waiting, as before. */
static bool scan_dead_worker(void *arg, const char *worker)
{
    struct scan_dead *d = arg;
    const char *colon = strrchr(worker, ':');
    size_t hostlen = strlen(d->host);
    char *end;
    long pid;

    if (colon == NULL || (size_t)(colon - worker) != hostlen ||
        strncmp(worker, d->host, hostlen) != 0)
        return true;
    pid = strtol(colon + 1, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
        errno != ESRCH)
        return true;
    tk_strlcpy(d->workers[d->n++], worker, sizeof(d->workers[0]));
    return d->n < sizeof(d->workers) / sizeof(d->workers[0]);
}

/* scan_take_back releases the claims of the scan's workers that ran on
 * this host and are gone, so that they are checked now rather than
 * after the lease (a scan killed and started again, say). Workers of
 * other hosts are left to their lease: only this host can tell whether
 * its processes live. */
static void scan_take_back(struct scan_run *run)
{
    struct scan_dead *d = calloc(1, sizeof(*d));
    struct tk_error err = {0};
    char host[TK_STORE_WORKER_MAX];

    if (d == NULL)
        return;
    tk_strlcpy(host, run->worker, sizeof(host));
    host[strcspn(host, ":")] = '\0'; /* run->worker is "host:pid" */
    d->host = host;
    if (tk_store_queue_workers(run->store, run->info.id, scan_dead_worker, d, &err) == TK_OK)
        for (size_t i = 0; i < d->n; i++)
            if (tk_store_queue_release(run->store, run->info.id, d->workers[i], &err) == TK_OK)
                fprintf(stderr, "tiaki scan: took back the claims of %s (no such process)\n",
                        d->workers[i]);
    free(d);
}

static int scan_begin(struct scan_run *run)
{
    struct tk_error err = {0};
    int rc;

    if (run->o->inventory && cli_inventory_import(run->store, run->o->inventory, true) != 0)
        return 2;
    if (run->o->worker) {
        if ((rc = scan_join(run)) >= 0)
            return rc;
    } else if (tk_store_scan_begin(run->store, !run->o->fresh, run->o->batch, &run->info, &err) !=
               TK_OK) {
        fprintf(stderr, "tiaki scan: %s\n", err.msg);
        return 3;
    } else if (run->info.done > 0) {
        fprintf(stderr, "tiaki scan: resuming scan %lld (%lu of %lu domains done)\n",
                (long long)run->info.id, run->info.done, run->info.total);
    }
    scan_take_back(run);
    return -1;
}

/* scan_end closes what this process did: releases unstarted claims,
 * finishes the scan when it is whole, delivers alerts, reports. */
static int scan_end(struct scan_run *run, int rc)
{
    struct tk_alert_stats as = {0};
    struct tk_error err = {0};

    tk_store_queue_release(run->store, run->info.id, run->worker, &err);
    if (tk_store_scan_finish(run->store, run->info.id, false, &run->info, &err) != TK_OK) {
        fprintf(stderr, "tiaki scan: %s\n", err.msg);
        return 3;
    }
    if (run->o->alerts && tk_alerts_deliver(run->store, &tk_cli_config.alerts, (int64_t)time(NULL),
                                            &as, &err) != TK_OK)
        fprintf(stderr, "tiaki scan: delivering alerts: %s\n", err.msg);
    printf("scan %lld %s: %lu of %lu domains done; this run kept %lu (%lu compliant), "
           "%lu change events (%lu regressions); alerts: %lu sent, %lu failed, %lu to retry; "
           "storing used %.2f s of CPU here\n",
           (long long)run->info.id,
           run->info.state == TK_SCAN_COMPLETE ? "complete"
           : scan_stop                         ? "interrupted"
                                               : "running",
           run->info.done, run->info.total, run->kept, run->compliant, run->events,
           run->regressions, as.sent, as.failed, as.retrying, run->keeper_cpu + run->hash_cpu);
    if (run->failed) {
        fprintf(stderr, "tiaki scan: %lu snapshots could not be kept: %s\n", run->failed,
                run->store_err.msg);
        return 3;
    }
    if (rc >= 0)
        return rc;
    return run->info.state == TK_SCAN_COMPLETE ? 0 : 1;
}

static int scan_run_engine(struct scan_run *run)
{
    struct engine_hooks hooks = {scan_next, scan_result, scan_bad, NULL, run};
    pthread_t keeper;
    int rc;

    if (run->o->progress && isatty(STDERR_FILENO))
        hooks.progress = scan_progress;
    run->full_tail = &run->full;
    if ((run->filling = calloc(1, sizeof(*run->filling))) == NULL ||
        pthread_create(&keeper, NULL, scan_keeper, run) != 0) {
        free(run->filling);
        fprintf(stderr, "tiaki scan: cannot start the store's thread\n");
        return 3;
    }
    rc = engine_run(&run->o->e, PROG, &hooks, NULL);
    pthread_mutex_lock(&run->lock);
    if (run->filling)
        scan_hand_over(run);
    run->engine_done = true;
    pthread_cond_signal(&run->wake);
    pthread_mutex_unlock(&run->lock);
    pthread_join(keeper, NULL);
    free(run->filling);
    if (hooks.progress)
        tk_show_progress(stderr, run->info.done + run->kept, run->info.total, true);
    if (run->store_err.code != TK_OK && run->kept == 0 && rc < 0) {
        fprintf(stderr, "tiaki scan: %s\n", run->store_err.msg);
        rc = 3;
    }
    return rc;
}

int cmd_scan_main(int argc, char **argv)
{
    struct scan_options o;
    struct scan_run *run;
    struct sigaction sa;
    char host[128] = "";
    int rc;

    scan_stop = 0;
    if ((rc = scan_parse(argc, argv, &o)) >= 0)
        return rc;
    if ((run = calloc(1, sizeof(*run))) == NULL)
        return 3;
    pthread_mutex_init(&run->lock, NULL);
    pthread_cond_init(&run->wake, NULL);
    pthread_cond_init(&run->room, NULL);
    run->o = &o;
    gethostname(host, sizeof(host) - 1);
    snprintf(run->worker, sizeof(run->worker), "%.100s:%ld", host, (long)getpid());
    if ((rc = cli_store_open(PROG, o.db, &run->store)) < 0) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = scan_on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if ((rc = scan_begin(run)) < 0) {
            rc = scan_run_engine(run);
            rc = scan_end(run, rc);
        }
        tk_store_close(run->store);
    }
    pthread_cond_destroy(&run->room);
    pthread_cond_destroy(&run->wake);
    pthread_mutex_destroy(&run->lock);
    free(run);
    return rc;
}
