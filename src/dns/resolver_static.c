/*
 * NAME
 *	resolver_static.c - a tk_resolver that answers from records in memory
 * DESCRIPTION
 *	For unit tests of code that asks DNS questions (the SPF tree walk,
 *	the domain observer, later SPF evaluation): the test builds a zone
 *	with tk_static_zone_add*() and the code under test runs unchanged.
 *	Answers are delivered by tk_resolver_wait, never from inside
 *	tk_resolver_query, as with the real back end.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "dns/resolver_impl.h"

struct static_record {
    char name[TK_DOMAIN_MAX + 1];
    uint16_t type;
    bool temp;
    size_t len;
    unsigned char *rdata;
};

struct tk_static_zone {
    size_t n, cap;
    struct static_record *rec;
};

enum tk_status tk_static_zone_new(struct tk_static_zone **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? TK_OK : TK_NOMEM;
}

static struct static_record *static_zone_push(struct tk_static_zone *z, const char *name,
                                              uint16_t type)
{
    struct static_record *r;

    if (z->n == z->cap) {
        size_t cap = z->cap ? z->cap * 2 : 16;
        struct static_record *p = realloc(z->rec, cap * sizeof(*p));

        if (p == NULL)
            return NULL;
        z->rec = p;
        z->cap = cap;
    }
    r = &z->rec[z->n];
    memset(r, 0, sizeof(*r));
    if (tk_domain_normalise(name, strlen(name), r->name, NULL) != TK_OK)
        return NULL;
    r->type = type;
    z->n++;
    return r;
}

enum tk_status tk_static_zone_add(struct tk_static_zone *z, const char *name, uint16_t rrtype,
                                  const void *rdata, size_t len)
{
    struct static_record *r = static_zone_push(z, name, rrtype);

    if (r == NULL)
        return TK_INVALID;
    r->rdata = malloc(len ? len : 1);
    if (r->rdata == NULL) {
        z->n--;
        return TK_NOMEM;
    }
    memcpy(r->rdata, rdata, len);
    r->len = len;
    return TK_OK;
}

enum tk_status tk_static_zone_add_txt(struct tk_static_zone *z, const char *name, const char *text)
{
    size_t len = strlen(text), off = 0, w = 0;
    unsigned char *wire = malloc(len + len / 255 + 2);
    enum tk_status st;

    if (wire == NULL)
        return TK_NOMEM;
    do {
        size_t chunk = len - off > 255 ? 255 : len - off;

        wire[w++] = (unsigned char)chunk;
        memcpy(wire + w, text + off, chunk);
        w += chunk;
        off += chunk;
    } while (off < len);
    st = tk_static_zone_add(z, name, TK_DNS_TXT, wire, w);
    free(wire);
    return st;
}

enum tk_status tk_static_zone_add_mx(struct tk_static_zone *z, const char *name, uint16_t pref,
                                     const char *exchange)
{
    unsigned char wire[2 + 256];
    size_t w = 2;
    const char *p = exchange;

    wire[0] = (unsigned char)(pref >> 8);
    wire[1] = (unsigned char)pref;
    while (*p && strcmp(p, ".") != 0) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);

        if (l == 0 || l > 63 || w + l + 2 > sizeof(wire))
            return TK_INVALID;
        wire[w++] = (unsigned char)l;
        memcpy(wire + w, p, l);
        w += l;
        p += l + (dot ? 1 : 0);
    }
    wire[w++] = 0;
    return tk_static_zone_add(z, name, TK_DNS_MX, wire, w);
}

enum tk_status tk_static_zone_add_a(struct tk_static_zone *z, const char *name, const char *ipv4)
{
    unsigned char a[4];

    if (inet_pton(AF_INET, ipv4, a) != 1)
        return TK_INVALID;
    return tk_static_zone_add(z, name, TK_DNS_A, a, 4);
}

enum tk_status tk_static_zone_add_temp(struct tk_static_zone *z, const char *name, uint16_t rrtype)
{
    struct static_record *r = static_zone_push(z, name, rrtype);

    if (r == NULL)
        return TK_INVALID;
    r->temp = true;
    return TK_OK;
}

void tk_static_zone_free(struct tk_static_zone *z)
{
    size_t i;

    if (z == NULL)
        return;
    for (i = 0; i < z->n; i++)
        free(z->rec[i].rdata);
    free(z->rec);
    free(z);
}

static void static_answer(const struct tk_static_zone *z, struct tk_dns_question *q,
                          struct tk_dns_answer *a, struct tk_dns_rdata *rd)
{
    bool name_exists = false;
    size_t i;

    a->status = TK_ABSENT;
    for (i = 0; i < z->n; i++) {
        const struct static_record *r = &z->rec[i];

        if (!tk_ascii_strcaseeq(r->name, q->qname))
            continue;
        name_exists = true;
        if (r->type != q->qtype)
            continue;
        if (r->temp) {
            a->status = TK_TEMP;
            a->rcode = 2;
            a->why = "the name servers failed to answer (SERVFAIL)";
            a->count = 0;
            return;
        }
        if (a->count < TK_RRSET_MAX) {
            rd[a->count].data = r->rdata;
            rd[a->count].len = r->len;
            a->count++;
            a->status = TK_OK;
        }
    }
    a->nxdomain = !name_exists;
    a->rcode = name_exists ? 0 : 3;
    a->rdata = rd;
}

static enum tk_status static_submit(struct tk_resolver *r, struct tk_dns_question *q)
{
    return TK_OK;
}

static enum tk_status static_wait(struct tk_resolver *r, int max_ms, struct tk_error *err)
{
    size_t n = r->npending;
    struct tk_dns_rdata rd[TK_RRSET_MAX];

    /* Answer only what was pending on entry: callbacks may ask more. */
    while (n-- > 0 && r->head) {
        struct tk_dns_question *q = r->head;
        struct tk_dns_answer a;

        memset(&a, 0, sizeof(a));
        a.qname = q->qname;
        a.qtype = q->qtype;
        static_answer(r->backend, q, &a, rd);
        tk_resolver_deliver(r, q, &a);
    }
    return TK_OK;
}

static void static_cancel(struct tk_resolver *r, struct tk_dns_question *q)
{
}

static void static_destroy(struct tk_resolver *r)
{
}

static const struct tk_resolver_ops static_ops = {
    static_submit,
    static_wait,
    static_cancel,
    static_destroy,
};

enum tk_status tk_resolver_new_static(const struct tk_static_zone *z, struct tk_resolver **out)
{
    struct tk_resolver *r = malloc(sizeof(*r));

    if (r == NULL)
        return TK_NOMEM;
    tk_resolver_init(r, &static_ops, (void *)z, 0);
    *out = r;
    return TK_OK;
}
