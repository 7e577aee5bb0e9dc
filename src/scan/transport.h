/*
 * NAME
 *	transport.h - the probe stage: connect to each domain's mail hosts
 * DESCRIPTION
 *	After the DNS scan, an email domain's observation comes here to be
 *	completed with what only connections can tell (probe/probe.h): an
 *	SMTP STARTTLS probe of every address of every MX host and the
 *	MTA-STS policy fetch. Worker threads take observations from a
 *	queue, probe, and hand each finished observation to the sink.
 *
 *	Mail hosts are shared: most government domains use a handful of
 *	providers' hosts. Each (host name, address) is probed once per run
 *	and every domain that names it gets the same result; a worker that
 *	needs a probe another worker is running waits for it. Politeness:
 *	at most host_connections probes to one address at a time, whatever
 *	names point at it.
 *
 *	The stage never blocks the scan: submit() only queues, and admits()
 *	tells the scan to stop starting domains while the queue is full.
 * LIMITS
 *	Probe results are kept for the whole run (one per distinct host and
 *	address), so memory grows with the number of distinct mail hosts,
 *	not with the number of domains.
 */
#ifndef TIAKI_SCAN_TRANSPORT_H
#define TIAKI_SCAN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "observe/observation.h"
#include "probe/probe.h"

struct tk_transport_options {
    const struct tk_probe_context *probe;
    unsigned workers;          /* threads probing at once (1..TK_PROBE_WORKERS_MAX) */
    unsigned host_connections; /* probes of one address at once (default 1) */
    unsigned smtp_port;        /* 0: 25 */
    unsigned https_port;       /* 0: 443 */
    size_t queue_max;          /* waiting observations before admits() says no */
};

/* The sink owns obs (tk_observation_destroy). It runs on the worker
 * threads, several at once: it must lock what it shares. */
typedef void (*tk_transport_sink)(void *arg, struct tk_observation *obs);

struct tk_transport;

/* tk_transport_new starts the workers. Returns TK_OK, TK_USAGE (bad
 * counts) or TK_NOMEM (err says which). */
enum tk_status tk_transport_new(const struct tk_transport_options *opts, tk_transport_sink sink,
                                void *arg, struct tk_transport **out, struct tk_error *err);

/* tk_transport_submit takes obs. An observation without transport
 * questions (parked, or a domain whose DNS failed) goes to the sink at
 * once, on the caller's thread; the others are queued. Never blocks for
 * long: the queue lock only. */
void tk_transport_submit(struct tk_transport *t, struct tk_observation *obs);

/* tk_transport_admits is false while the queue is full. */
bool tk_transport_admits(struct tk_transport *t);

/* tk_transport_finish waits until every queued observation has gone to
 * the sink, then stops the workers. */
void tk_transport_finish(struct tk_transport *t);

/* tk_transport_free finishes (if needed) and frees the stage and its
 * probe cache. */
void tk_transport_free(struct tk_transport *t);

/* tk_transport_probes counts the probes the stage ran (not cache hits). */
unsigned long tk_transport_probes(const struct tk_transport *t);

#endif
