/*
 * NAME
 *	resolver_unbound.c - the libunbound back end of tk_resolver
 * DESCRIPTION
 *	One libunbound context in threaded async mode: a worker thread does
 *	the network work and hands answers back through ub_fd(), which we
 *	poll. Answers are turned into tk_dns_answer here and nowhere else.
 * STANDARDS
 *	RFC 1035 (RCODEs), RFC 4035 (secure/bogus).
 * DIAGNOSTICS
 *	SERVFAIL, REFUSED and other failure RCODEs, libunbound errors and
 *	bogus DNSSEC answers are TK_TEMP with a reason: a rule then says
 *	unknown, never fail (FRAMEWORK-RULES: a DNS outage is not a
 *	regression).
 * NOTES
 *	FIELD-NOTES: without do-not-query-localhost: no, every question to a
 *	127.x server is silently refused; forwarding (not a stub for ".")
 *	is what works with an authoritative-only test server.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

#include "dns/resolver_impl.h"

/* Questions libunbound's worker may hold at once. Its default (1024 with
 * this build) drops questions under a scan's load; the scan driver
 * bounds what it submits to TK_DNS_INFLIGHT_MAX anyway. */
#define UNBOUND_QUERIES_PER_THREAD "8192"
#define UNBOUND_OUTGOING_RANGE "4096"

static enum tk_status unbound_set(struct ub_ctx *ctx, const char *opt, const char *val,
                                  struct tk_error *err)
{
    int rc = ub_ctx_set_option(ctx, opt, val);

    if (rc != 0)
        return tk_error_set(err, TK_USAGE, "resolver option %s %s: %s", opt, val, ub_strerror(rc));
    return TK_OK;
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
    for (i = 0; i < o->nservers; i++)
        if ((rc = ub_ctx_set_fwd(ctx, o->servers[i])) != 0)
            return tk_error_set(err, TK_USAGE, "--resolver %s: %s", o->servers[i], ub_strerror(rc));
    if (o->nservers == 0 && (rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
        return tk_error_set(err, TK_USAGE, "cannot read the system resolver configuration: %s",
                            ub_strerror(rc));
    if (o->trust_anchor_file && (rc = ub_ctx_add_ta_file(ctx, o->trust_anchor_file)) != 0)
        return tk_error_set(err, TK_USAGE, "trust anchor %s: %s", o->trust_anchor_file,
                            ub_strerror(rc));
    if ((rc = ub_ctx_async(ctx, 1)) != 0)
        return tk_error_set(err, TK_IO, "libunbound async mode: %s", ub_strerror(rc));
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

static void unbound_answer(struct tk_dns_answer *a, int err, struct ub_result *res,
                           struct tk_dns_rdata *rd, size_t max)
{
    size_t i;

    a->rcode = res ? res->rcode : -1;
    if (err != 0 || res == NULL) {
        a->status = TK_TEMP;
        a->why = err ? ub_strerror(err) : "no result from the resolver";
        return;
    }
    a->secure = res->secure != 0;
    a->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
    if (res->bogus) {
        a->status = TK_TEMP;
        a->why = "the answer failed DNSSEC validation (bogus)";
    } else if (res->rcode != 0 && res->rcode != 3) {
        a->status = TK_TEMP;
        a->why = unbound_rcode_why(res->rcode);
    } else if (res->nxdomain || res->rcode == 3) {
        a->status = TK_ABSENT;
        a->nxdomain = true;
    } else if (!res->havedata) {
        a->status = TK_ABSENT;
    } else {
        a->status = TK_OK;
        for (i = 0; i < max && res->data[i] != NULL; i++) {
            rd[i].data = (const unsigned char *)res->data[i];
            rd[i].len = res->len[i] > 0 ? (size_t)res->len[i] : 0;
        }
        a->count = i;
        a->rdata = rd;
    }
}

static void unbound_callback(void *mydata, int err, struct ub_result *res)
{
    struct tk_dns_question *q = mydata;
    struct tk_dns_rdata rd[TK_RRSET_MAX];
    struct tk_dns_answer a;

    memset(&a, 0, sizeof(a));
    a.qname = q->qname;
    a.qtype = q->qtype;
    unbound_answer(&a, err, res, rd, TK_RRSET_MAX);
    tk_resolver_deliver(q->r, q, &a);
    if (res)
        ub_resolve_free(res);
}

static enum tk_status unbound_submit(struct tk_resolver *r, struct tk_dns_question *q)
{
    int rc =
        ub_resolve_async(r->backend, q->qname, q->qtype, 1, q, unbound_callback, &q->backend_id);

    return rc == 0 ? TK_OK : TK_TEMP;
}

static enum tk_status unbound_wait(struct tk_resolver *r, int max_ms, struct tk_error *err)
{
    struct pollfd pfd;
    int rc;

    pfd.fd = ub_fd(r->backend);
    pfd.events = POLLIN;
    rc = poll(&pfd, 1, max_ms < 0 ? 0 : max_ms);
    if (rc <= 0)
        return TK_OK;
    if ((rc = ub_process(r->backend)) != 0)
        return tk_error_set(err, TK_IO, "libunbound: %s", ub_strerror(rc));
    return TK_OK;
}

static void unbound_cancel(struct tk_resolver *r, struct tk_dns_question *q)
{
    /* A question whose answer is already on its way is simply dropped
     * by libunbound once cancelled: the callback never runs. */
    ub_cancel(r->backend, q->backend_id);
}

static void unbound_destroy(struct tk_resolver *r)
{
    ub_ctx_delete(r->backend);
}

static const struct tk_resolver_ops unbound_ops = {
    unbound_submit,
    unbound_wait,
    unbound_cancel,
    unbound_destroy,
};

enum tk_status tk_resolver_new_unbound(const struct tk_resolver_options *opts,
                                       struct tk_resolver **out, struct tk_error *err)
{
    struct ub_ctx *ctx = ub_ctx_create();
    struct tk_resolver *r;
    enum tk_status st;

    if (ctx == NULL)
        return tk_error_set(err, TK_NOMEM, "cannot create a libunbound context");
    if ((st = unbound_configure(ctx, opts, err)) != TK_OK) {
        ub_ctx_delete(ctx);
        return st;
    }
    r = malloc(sizeof(*r));
    if (r == NULL) {
        ub_ctx_delete(ctx);
        return tk_error_set(err, TK_NOMEM, "out of memory");
    }
    tk_resolver_init(r, &unbound_ops, ctx, opts->timeout_ms);
    *out = r;
    return TK_OK;
}
