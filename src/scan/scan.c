/*
 * NAME
 *	scan.c - observe many domains at once over one resolver
 * DESCRIPTION
 *	A simple window: start domains until jobs are in flight, then wait
 *	for answers; each finished observation frees a slot.
 * LIMITS
 *	jobs is clamped to 1..TK_SCAN_DOMAINS_INFLIGHT_MAX.
 */
#include "core/error.h"
#include "core/clock.h"
#include "scan/scan.h"

struct scan_state {
    const struct tk_scan_hooks *hooks;
    struct tk_scan_stats *stats;
    unsigned inflight;
};

static void scan_done(void *arg, struct tk_observation *obs)
{
    struct scan_state *s = arg;

    s->inflight--;
    s->stats->finished++;
    s->hooks->sink(s->hooks->arg, obs);
    tk_observation_destroy(obs);
}

/* scan_fill starts domains until the window is full; false at the end
 * of the input. */
static bool scan_fill(struct tk_resolver *r, unsigned jobs, const struct tk_scan_source *src,
                      struct scan_state *s)
{
    while (s->inflight < jobs) {
        struct tk_observe_request req = {0};
        struct tk_error err = {0};
        enum tk_status st = src->next(src->arg, &req, &err);

        if (st == TK_ABSENT)
            return false;
        if (st == TK_OK)
            st = tk_observe_start(r, &req, scan_done, s, &err);
        if (st != TK_OK) {
            s->stats->rejected++;
            if (s->hooks->bad)
                s->hooks->bad(s->hooks->arg, &err);
            continue;
        }
        s->inflight++;
        s->stats->started++;
    }
    return true;
}

enum tk_status tk_scan_run(struct tk_resolver *r, unsigned jobs, const struct tk_scan_source *src,
                           const struct tk_scan_hooks *hooks, struct tk_scan_stats *stats,
                           struct tk_error *err)
{
    struct scan_state s = {hooks, stats, 0};
    bool more = true;
    long long last = 0;
    enum tk_status st;

    if (jobs < 1)
        jobs = 1;
    if (jobs > TK_SCAN_DOMAINS_INFLIGHT_MAX)
        jobs = TK_SCAN_DOMAINS_INFLIGHT_MAX;
    for (;;) {
        if (more)
            more = scan_fill(r, jobs, src, &s);
        if (!more && s.inflight == 0)
            break;
        if ((st = tk_resolver_wait(r, 100, err)) != TK_OK)
            return st;
        if (hooks->progress && tk_now_ms() - last >= 200) {
            last = tk_now_ms();
            hooks->progress(hooks->arg, stats);
        }
    }
    if (hooks->progress)
        hooks->progress(hooks->arg, stats);
    return TK_OK;
}
