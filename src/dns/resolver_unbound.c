/*
 * NAME
 *	resolver_unbound.c - the libunbound back end of tk_resolver
 * DESCRIPTION
 *	One libunbound context on a libevent loop of our own (libunbound's
 *	event interface): no worker thread, no pipe between threads, no
 *	result copied into a struct ub_result. tk_resolver_wait runs the
 *	loop for at most the time asked; answers arrive as wire-format
 *	packets that dns/packet.c reads. Measured on the 2-core machine this
 *	is faster than libunbound's threaded mode, whose socketpair and
 *	context switches cost more than the resolving.
 * STANDARDS
 *	RFC 1035 (RCODEs), RFC 4035 (secure/bogus).
 * DIAGNOSTICS
 *	SERVFAIL, REFUSED and other failure RCODEs, libunbound errors,
 *	malformed responses and bogus DNSSEC answers are TK_TEMP with a
 *	reason: a rule then says unknown, never fail (FRAMEWORK-RULES: a
 *	DNS outage is not a regression).
 * NOTES
 *	FIELD-NOTES: without do-not-query-localhost: no, every question to a
 *	127.x server is silently refused; forwarding (not a stub for ".")
 *	is what works with an authoritative-only test server.
 *	libunbound may answer from local data inside ub_resolve_event: such
 *	an answer is kept and delivered by the next wait, as the interface
 *	promises.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>

#include "dns/packet.h"
#include "dns/resolver_impl.h"

/* Questions libunbound may hold at once. Its default (1024 with this
 * build) drops questions under a scan's load; the scan driver bounds
 * what it submits anyway. */
#define UNBOUND_QUERIES_PER_THREAD "8192"
#define UNBOUND_OUTGOING_RANGE "4096"

struct unbound_backend {
    struct event_base *base;
    struct event *timer;
    struct ub_ctx *ctx;
    struct tk_buf storage; /* decompressed rdata of one answer */
    struct tk_dns_question *submitting;
    struct unbound_early *early; /* answered inside ub_resolve_event */
};

/* An answer libunbound gave before ub_resolve_event returned (local
 * data): kept, packet copied, until the next wait delivers it. */
struct unbound_early {
    struct unbound_early *next;
    struct tk_dns_question *q;
    int rcode, sec, len;
    unsigned char *packet;
};

static enum tk_status unbound_set(struct ub_ctx *ctx, const char *opt, const char *val,
                                  struct tk_error *err)
{
    int rc = ub_ctx_set_option(ctx, opt, val);

    if (rc != 0)
        return tk_error_set(err, TK_USAGE, "resolver option %s %s: %s", opt, val, ub_strerror(rc));
    return TK_OK;
}

/* unbound_cache sizes the answer caches: rrsets twice the messages, as
 * unbound's documentation advises. */
static enum tk_status unbound_cache(struct ub_ctx *ctx, unsigned mb, struct tk_error *err)
{
    char msg[32], rrset[32];
    enum tk_status st;

    if (mb > TK_DNS_CACHE_MB_MAX)
        mb = TK_DNS_CACHE_MB_MAX;
    snprintf(msg, sizeof(msg), "%um", mb);
    snprintf(rrset, sizeof(rrset), "%um", 2 * mb);
    if ((st = unbound_set(ctx, "msg-cache-size:", msg, err)) != TK_OK)
        return st;
    return unbound_set(ctx, "rrset-cache-size:", rrset, err);
}

static enum tk_status unbound_configure(struct ub_ctx *ctx, const struct tk_resolver_options *o,
                                        struct tk_error *err)
{
    enum tk_status st;
    size_t i;
    int rc;

    if ((st = unbound_set(ctx, "do-not-query-localhost:", "no", err)) != TK_OK ||
        (st = unbound_set(ctx, "num-queries-per-thread:", UNBOUND_QUERIES_PER_THREAD, err)) !=
            TK_OK ||
        (st = unbound_set(ctx, "outgoing-range:", UNBOUND_OUTGOING_RANGE, err)) != TK_OK)
        return st;
    if (o->cache_mb > 0 && (st = unbound_cache(ctx, o->cache_mb, err)) != TK_OK)
        return st;
    /* Without a trust anchor the validator module only costs time. */
    if (o->trust_anchor_file == NULL &&
        (st = unbound_set(ctx, "module-config:", "iterator", err)) != TK_OK)
        return st;
    for (i = 0; i < o->nservers; i++)
        if ((rc = ub_ctx_set_fwd(ctx, o->servers[i])) != 0)
            return tk_error_set(err, TK_USAGE, "--resolver %s: %s", o->servers[i], ub_strerror(rc));
    if (o->nservers == 0 && (rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
        return tk_error_set(err, TK_USAGE, "cannot read the system resolver configuration: %s",
                            ub_strerror(rc));
    if (o->trust_anchor_file && (rc = ub_ctx_add_ta_file(ctx, o->trust_anchor_file)) != 0)
        return tk_error_set(err, TK_USAGE, "trust anchor %s: %s", o->trust_anchor_file,
                            ub_strerror(rc));
    return TK_OK;
}

static const char *unbound_rcode_why(int rcode)
{
    switch (rcode) {
    case 2:
        return "the name servers failed to answer (SERVFAIL)";
    case 5:
        return "the name server refused the question (REFUSED)";
    case 1:
        return "the name server could not parse the question (FORMERR)";
    default:
        return "the name server answered with an error code";
    }
}

/* unbound_fill turns a callback's rcode and packet into an answer. */
static void unbound_fill(struct unbound_backend *b, struct tk_dns_answer *a, int rcode,
                         const void *packet, int len, int sec, struct tk_dns_rdata *rd)
{
    struct tk_dns_packet_info info;
    struct tk_error err = {0};

    a->rcode = rcode;
    a->secure = sec == 2;
    if (sec == 1) {
        a->status = TK_TEMP;
        a->why = "the answer failed DNSSEC validation (bogus)";
    } else if (rcode == 3) {
        a->status = TK_ABSENT;
        a->nxdomain = true;
    } else if (rcode != 0) {
        a->status = TK_TEMP;
        a->why = unbound_rcode_why(rcode);
    } else if (packet == NULL || len <= 0 ||
               tk_dns_packet_answers(packet, (size_t)len, a->qtype, rd, TK_RRSET_MAX, &b->storage,
                                     &info, &err) != TK_OK) {
        a->status = TK_TEMP;
        a->why = "the DNS response was malformed";
    } else if (info.rcode == 3) {
        a->status = TK_ABSENT;
        a->nxdomain = true;
    } else if (info.count == 0) {
        a->status = TK_ABSENT;
    } else {
        a->status = TK_OK;
        a->count = info.count;
        a->rdata = rd;
        a->ttl = info.min_ttl;
    }
}

static void unbound_deliver(struct unbound_backend *b, struct tk_dns_question *q, int rcode,
                            const void *packet, int len, int sec)
{
    struct tk_dns_rdata rd[TK_RRSET_MAX];
    struct tk_dns_answer a;

    memset(&a, 0, sizeof(a));
    a.qname = q->qname;
    a.qtype = q->qtype;
    unbound_fill(b, &a, rcode, packet, len, sec, rd);
    tk_resolver_deliver(q->r, q, &a);
}

static void unbound_keep_early(struct unbound_backend *b, struct tk_dns_question *q, int rcode,
                               const void *packet, int len, int sec)
{
    struct unbound_early *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return; /* the question then expires as a timeout */
    e->q = q;
    e->rcode = rcode;
    e->sec = sec;
    if (packet && len > 0 && (e->packet = malloc((size_t)len)) != NULL) {
        memcpy(e->packet, packet, (size_t)len);
        e->len = len;
    }
    e->next = b->early;
    b->early = e;
}

static void unbound_callback(void *mydata, int rcode, void *packet, int len, int sec,
                             char *why_bogus, int was_ratelimited)
{
    struct tk_dns_question *q = mydata;
    struct unbound_backend *b = q->r->backend;

    if (q == b->submitting)
        unbound_keep_early(b, q, rcode, packet, len, sec);
    else
        unbound_deliver(b, q, rcode, packet, len, sec);
}

/* unbound_deliver_early hands over the answers kept by the callback;
 * returns how many. */
static size_t unbound_deliver_early(struct unbound_backend *b)
{
    size_t n = 0;

    while (b->early) {
        struct unbound_early *e = b->early;

        b->early = e->next;
        unbound_deliver(b, e->q, e->rcode, e->packet, e->len, e->sec);
        free(e->packet);
        free(e);
        n++;
    }
    return n;
}

static enum tk_status unbound_submit(struct tk_resolver *r, struct tk_dns_question *q)
{
    struct unbound_backend *b = r->backend;
    int rc;

    b->submitting = q;
    rc = ub_resolve_event(b->ctx, q->qname, q->qtype, 1, q, unbound_callback, &q->backend_id);
    b->submitting = NULL;
    return rc == 0 ? TK_OK : TK_TEMP;
}

static void unbound_timer_cb(evutil_socket_t fd, short what, void *arg)
{
}

static enum tk_status unbound_wait(struct tk_resolver *r, int max_ms, struct tk_error *err)
{
    struct unbound_backend *b = r->backend;
    struct timeval tv;

    if (unbound_deliver_early(b) > 0)
        return TK_OK;
    if (max_ms < 0)
        max_ms = 0;
    tv.tv_sec = max_ms / 1000;
    tv.tv_usec = (max_ms % 1000) * 1000;
    evtimer_add(b->timer, &tv);
    if (event_base_loop(b->base, EVLOOP_ONCE) < 0) {
        evtimer_del(b->timer);
        return tk_error_set(err, TK_IO, "the event loop failed");
    }
    evtimer_del(b->timer);
    return TK_OK;
}

static void unbound_cancel(struct tk_resolver *r, struct tk_dns_question *q)
{
    struct unbound_backend *b = r->backend;
    struct unbound_early **e;

    for (e = &b->early; *e; e = &(*e)->next)
        if ((*e)->q == q) {
            struct unbound_early *gone = *e;

            *e = gone->next;
            free(gone->packet);
            free(gone);
            return;
        }
    if (q->backend_id > 0)
        ub_cancel(b->ctx, q->backend_id);
}

static void unbound_destroy(struct tk_resolver *r)
{
    struct unbound_backend *b = r->backend;

    while (b->early) {
        struct unbound_early *e = b->early;

        b->early = e->next;
        free(e->packet);
        free(e);
    }
    ub_ctx_delete(b->ctx);
    event_free(b->timer);
    event_base_free(b->base);
    tk_buf_free(&b->storage);
    free(b);
}

static const struct tk_resolver_ops unbound_ops = {
    unbound_submit,
    unbound_wait,
    unbound_cancel,
    unbound_destroy,
};

static void unbound_backend_free(struct unbound_backend *b)
{
    if (b->ctx)
        ub_ctx_delete(b->ctx);
    if (b->timer)
        event_free(b->timer);
    if (b->base)
        event_base_free(b->base);
    free(b);
}

enum tk_status tk_resolver_new_unbound(const struct tk_resolver_options *opts,
                                       struct tk_resolver **out, struct tk_error *err)
{
    struct unbound_backend *b = calloc(1, sizeof(*b));
    struct tk_resolver *r = NULL;
    enum tk_status st;

    if (b == NULL || (b->base = event_base_new()) == NULL ||
        (b->timer = evtimer_new(b->base, unbound_timer_cb, NULL)) == NULL ||
        (b->ctx = ub_ctx_create_event(b->base)) == NULL) {
        if (b)
            unbound_backend_free(b);
        return tk_error_set(err, TK_NOMEM, "cannot create a libunbound context");
    }
    if ((st = unbound_configure(b->ctx, opts, err)) != TK_OK || (r = malloc(sizeof(*r))) == NULL) {
        unbound_backend_free(b);
        return st != TK_OK ? st : tk_error_set(err, TK_NOMEM, "out of memory");
    }
    tk_resolver_init(r, &unbound_ops, b, opts->timeout_ms);
    *out = r;
    return TK_OK;
}
