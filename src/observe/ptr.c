/*
 * NAME
 *	ptr.c - the reverse DNS names of the sources a report names
 * DESCRIPTION
 *	See ptr.h.
 */
#include "observe/ptr.h"
#include "dns/rdata.h"
#include "dns/reverse.h"

static void ptr_answer(void *arg, const struct tk_dns_answer *a)
{
    struct tk_source_tally *t = arg;
    size_t end;

    if (a->status != TK_OK || a->count == 0 ||
        tk_rdata_name(&a->rdata[0], 0, &end, t->ptr) != TK_OK)
        t->ptr[0] = '\0';
}

enum tk_status tk_observe_ptr_names(struct tk_resolver *r, struct tk_source_tally *const *tallies,
                                    size_t n, struct tk_error *err)
{
    char name[TK_DOMAIN_MAX + 1];
    enum tk_status st;
    size_t i;

    for (i = 0; i < n; i++) {
        tallies[i]->ptr[0] = '\0';
        if (tk_dns_reverse_name_text(tallies[i]->ip, name))
            tk_resolver_query(r, name, TK_DNS_PTR, ptr_answer, tallies[i]);
        while (tk_resolver_pending(r) > TK_PTR_INFLIGHT)
            if ((st = tk_resolver_wait(r, 100, err)) != TK_OK)
                return st;
    }
    return tk_resolver_drain(r, err);
}
