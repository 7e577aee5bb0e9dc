/*
 * NAME
 *	resolver.c - pending questions and deadlines, for every back end
 * DESCRIPTION
 *	Questions wait in a list in submission order; since all share one
 *	timeout, the oldest is always the first to expire, so expiry looks
 *	only at the head.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/resolver_impl.h"

void tk_resolver_init(struct tk_resolver *r, const struct tk_resolver_ops *ops, void *backend,
                      int timeout_ms)
{
    memset(r, 0, sizeof(*r));
    r->ops = ops;
    r->backend = backend;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : TK_DNS_TIMEOUT_MS_DEFAULT;
    if (r->timeout_ms > TK_DNS_TIMEOUT_MS_MAX)
        r->timeout_ms = TK_DNS_TIMEOUT_MS_MAX;
}

static void resolver_unlink(struct tk_resolver *r, struct tk_dns_question *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        r->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    else
        r->tail = q->prev;
    r->npending--;
}

enum tk_status tk_resolver_query(struct tk_resolver *r, const char *name, uint16_t rrtype,
                                 tk_dns_callback cb, void *arg)
{
    struct tk_dns_question *q;
    size_t n = strlen(name);
    enum tk_status st;

    if (n >= sizeof(q->qname))
        return TK_INVALID;
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        return TK_NOMEM;
    memcpy(q->qname, name, n + 1);
    q->r = r;
    q->cb = cb;
    q->arg = arg;
    q->qtype = rrtype;
    q->deadline_ms = tk_now_ms() + r->timeout_ms;
    q->prev = r->tail;
    if (r->tail)
        r->tail->next = q;
    else
        r->head = q;
    r->tail = q;
    r->npending++;
    st = r->ops->submit(r, q);
    if (st != TK_OK) {
        resolver_unlink(r, q);
        free(q);
        return st;
    }
    r->nsent++;
    return TK_OK;
}

void tk_resolver_deliver(struct tk_resolver *r, struct tk_dns_question *q,
                         const struct tk_dns_answer *a)
{
    resolver_unlink(r, q);
    q->cb(q->arg, a);
    free(q);
}

static void resolver_expire(struct tk_resolver *r)
{
    long long now = tk_now_ms();
    struct tk_dns_answer a;

    while (r->head && r->head->deadline_ms <= now) {
        struct tk_dns_question *q = r->head;

        r->ops->cancel(r, q);
        memset(&a, 0, sizeof(a));
        a.qname = q->qname;
        a.qtype = q->qtype;
        a.status = TK_TEMP;
        a.rcode = -1;
        a.why = "no answer before the deadline (timeout)";
        tk_resolver_deliver(r, q, &a);
    }
}

size_t tk_resolver_pending(const struct tk_resolver *r)
{
    return r->npending;
}

unsigned long tk_resolver_queries_sent(const struct tk_resolver *r)
{
    return r->nsent;
}

enum tk_status tk_resolver_wait(struct tk_resolver *r, int max_ms, struct tk_error *err)
{
    enum tk_status st;

    if (r->head) {
        long long left = r->head->deadline_ms - tk_now_ms();

        if (left < 0)
            left = 0;
        if (left < max_ms)
            max_ms = (int)left;
    }
    st = r->ops->wait(r, max_ms, err);
    resolver_expire(r);
    return st;
}

enum tk_status tk_resolver_drain(struct tk_resolver *r, struct tk_error *err)
{
    enum tk_status st;

    while (r->npending > 0)
        if ((st = tk_resolver_wait(r, 1000, err)) != TK_OK)
            return st;
    return TK_OK;
}

void tk_resolver_free(struct tk_resolver *r)
{
    if (r == NULL)
        return;
    while (r->head) {
        struct tk_dns_question *q = r->head;

        r->ops->cancel(r, q);
        resolver_unlink(r, q);
        free(q);
    }
    r->ops->destroy(r);
    free(r);
}
