/*
 * NAME
 *	scan.h - observe many domains at once over one resolver
 * DESCRIPTION
 *	tk_scan_run pulls domains from a source, keeps up to jobs of them
 *	in flight, and hands each finished observation to the sink, in the
 *	order they finish. Nothing is held once the sink returns, so memory
 *	depends on jobs, not on how many domains there are.
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

struct tk_scan_hooks {
    void (*sink)(void *arg, const struct tk_observation *obs); /* one finished domain */
    void (*bad)(void *arg, const struct tk_error *err);       /* one refused input */
    void (*progress)(void *arg, const struct tk_scan_stats *st); /* now and then */
    void *arg;
};

/* tk_scan_run runs the whole scan. Returns TK_OK, or TK_IO when the
 * resolver failed (err says how; what finished was already sunk). */
enum tk_status tk_scan_run(struct tk_resolver *r, unsigned jobs, const struct tk_scan_source *src,
                           const struct tk_scan_hooks *hooks, struct tk_scan_stats *stats,
                           struct tk_error *err);

#endif
