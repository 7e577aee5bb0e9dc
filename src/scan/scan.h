/*
 * NAME
 *	scan.h - observe many domains at once, on one or more threads
 * DESCRIPTION
 *	tk_scan_run pulls domains from a source, keeps up to jobs of them
 *	in flight, and hands each finished observation to the sink, in the
 *	order they finish. Nothing is held once the sink returns, so memory
 *	depends on jobs, not on how many domains there are.
 *
 *	With several resolvers, one thread runs per resolver, each with its
 *	own window of jobs / nresolvers domains: the observer, the rules and
 *	the resolver's work of one domain stay on one thread. The source is
 *	read, and the bad and progress hooks are called, one thread at a
 *	time. The sink is called on the thread that observed the domain,
 *	so several sinks may run at once: it must lock what it shares.
 * SECURITY
 *	Everything a thread touches is its own but for the hooks and the
 *	public suffix list (loaded once, read-only after).
 */
#ifndef TIAKI_SCAN_SCAN_H
#define TIAKI_SCAN_SCAN_H

#include <stdbool.h>

#include "dns/resolver.h"
#include "observe/observe.h"

/* next fills req with the next domain; returns TK_OK, TK_ABSENT at the
 * end, or another status for an input error (err says which input; the
 * scan reports it through bad() and goes on). The strings req points to
 * need live only until the next call. */
struct tk_scan_source {
    enum tk_status (*next)(void *arg, struct tk_observe_request *req, struct tk_error *err);
    void *arg;
};

struct tk_scan_stats {
    unsigned long started;  /* observations begun */
    unsigned long finished; /* observations handed to the sink */
    unsigned long rejected; /* inputs refused (bad names, bad lines) */
};

/* sink receives each finished observation and owns it from then on
 * (tk_observation_destroy, now or later: it may hand it to another
 * stage). admit, when set, is asked before each new domain is started;
 * while it says no, the scan only finishes what is in flight: this is
 * how a slower stage after the scan (the probes) holds it back without
 * stalling its DNS loop. */
struct tk_scan_hooks {
    void (*sink)(void *arg, struct tk_observation *obs);         /* one finished domain */
    void (*bad)(void *arg, const struct tk_error *err);          /* one refused input */
    void (*progress)(void *arg, const struct tk_scan_stats *st); /* now and then */
    bool (*admit)(void *arg);                                    /* may start another? */
    void *arg;
};

/* The most threads (resolvers) one scan runs. */
#define TK_SCAN_THREADS_MAX 64

/* tk_scan_run runs the whole scan over nresolvers resolvers (1 to
 * TK_SCAN_THREADS_MAX). Returns TK_OK, TK_USAGE for a bad count, TK_IO
 * when a resolver failed (err says how; what finished was already sunk)
 * or TK_NOMEM when a thread could not start. */
enum tk_status tk_scan_run(struct tk_resolver *const *resolvers, unsigned nresolvers,
                           unsigned jobs, const struct tk_scan_source *src,
                           const struct tk_scan_hooks *hooks, struct tk_scan_stats *stats,
                           struct tk_error *err);

#endif
