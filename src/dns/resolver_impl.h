/*
 * NAME
 *	resolver_impl.h - what the resolver back ends share (private)
 * DESCRIPTION
 *	A back end fills the operations table; resolver.c keeps the list of
 *	pending questions and their deadlines, which is the same for all.
 */
#ifndef TIAKI_DNS_RESOLVER_IMPL_H
#define TIAKI_DNS_RESOLVER_IMPL_H

#include "core/clock.h"
#include "dns/resolver.h"

struct tk_dns_question {
    struct tk_dns_question *prev, *next; /* pending list, oldest first */
    struct tk_resolver *r;
    tk_dns_callback cb;
    void *arg;
    long long deadline_ms;
    int backend_id; /* the back end's handle (unbound async_id) */
    uint16_t qtype;
    char qname[256];
};

struct tk_resolver_ops {
    enum tk_status (*submit)(struct tk_resolver *r, struct tk_dns_question *q);
    /* wait at most max_ms and deliver what arrived through
     * tk_resolver_deliver */
    enum tk_status (*wait)(struct tk_resolver *r, int max_ms, struct tk_error *err);
    void (*cancel)(struct tk_resolver *r, struct tk_dns_question *q);
    void (*destroy)(struct tk_resolver *r);
};

struct tk_resolver {
    const struct tk_resolver_ops *ops;
    void *backend;
    int timeout_ms;
    size_t npending;
    unsigned long nsent;
    struct tk_dns_question *head, *tail;
};

/* tk_resolver_deliver runs q's callback with a, unlinks and frees q. */
void tk_resolver_deliver(struct tk_resolver *r, struct tk_dns_question *q,
                         const struct tk_dns_answer *a);

/* tk_resolver_init sets the common fields. */
void tk_resolver_init(struct tk_resolver *r, const struct tk_resolver_ops *ops, void *backend,
                      int timeout_ms);

#endif
