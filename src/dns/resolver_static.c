/*
 * NAME
 *	resolver_static.c - a tk_resolver that answers from records in memory
 * DESCRIPTION
 *	For unit tests of code that asks DNS questions (the SPF tree walk,
 *	the domain observer, SPF evaluation): the test builds a zone with
 *	tk_static_zone_add*() and the code under test runs unchanged.
 *	Answers are delivered by tk_resolver_wait, never from inside
 *	tk_resolver_query, as with the real back end.
 *
 *	As a recursive resolver does, a question whose name holds a CNAME
 *	and no records of the type asked is answered from the CNAME's
 *	target (at most STATIC_CNAME_HOPS links; a loop answers SERVFAIL).
 *	A name marked with tk_static_zone_add_timeout answers a timeout for
 *	every type it holds no records of (the RFC 7208 test suite's
 *	TIMEOUT entries).
 *
 *	Names are stored lower-cased. Names must be host names (letters,
 *	digits, '-', '_') unless tk_static_zone_allow_raw_names was called:
 *	then any printable ASCII but a backslash in labels of 1 to 63 bytes (the
 *	RFC 7208 suite has "foo:bar/baz.example.com" and names with spaces,
 *	which DNS carries).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "core/domain.h"
#include "dns/rdata.h"
#include "dns/resolver_impl.h"

/* CNAME links followed for one question; unbound follows more, but a
 * test zone never needs more than a few and a loop must end. */
#define STATIC_CNAME_HOPS 8

struct static_record {
    char name[TK_DOMAIN_MAX + 1];
    uint16_t type;
    bool temp;
    bool timeout; /* every type without records at the name times out */
    size_t len;
    unsigned char *rdata;
};

struct tk_static_zone {
    bool raw_names; /* tk_static_zone_allow_raw_names */
    size_t n, cap;
    struct static_record *rec;
};

enum tk_status tk_static_zone_new(struct tk_static_zone **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? TK_OK : TK_NOMEM;
}

/* static_name_raw keeps a name of printable ASCII (space included) but
 * a backslash, in labels of 1 to 63 bytes, at most TK_DOMAIN_MAX in all (one
 * trailing dot dropped), lower-cased. */
static bool static_name_raw(const char *name, char out[TK_DOMAIN_MAX + 1])
{
    size_t i, n = strlen(name), label = 0;

    if (n > 0 && name[n - 1] == '.')
        n--;
    if (n == 0 || n > TK_DOMAIN_MAX)
        return false;
    for (i = 0; i < n; i++) {
        if (name[i] < ' ' || name[i] > '~' || name[i] == '\\')
            return false;
        label = name[i] == '.' ? 0 : label + 1;
        if ((name[i] == '.' && (i == 0 || name[i - 1] == '.')) || label > TK_LABEL_MAX)
            return false;
        out[i] = (char)tk_ascii_lower((unsigned char)name[i]);
    }
    out[n] = '\0';
    return true;
}

void tk_static_zone_allow_raw_names(struct tk_static_zone *z)
{
    z->raw_names = true;
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
    if (tk_domain_normalise(name, strlen(name), r->name, NULL) != TK_OK &&
        !(z->raw_names && static_name_raw(name, r->name)))
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

/* static_name_wire writes name in wire form (uncompressed labels) at
 * wire[*w]; "" and "." are the root. */
static enum tk_status static_name_wire(const char *name, unsigned char *wire, size_t cap, size_t *w)
{
    const char *p = name;

    while (*p && strcmp(p, ".") != 0) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);

        if (l == 0 || l > 63 || *w + l + 2 > cap)
            return TK_INVALID;
        wire[(*w)++] = (unsigned char)l;
        memcpy(wire + *w, p, l);
        *w += l;
        p += l + (dot ? 1 : 0);
    }
    wire[(*w)++] = 0;
    return TK_OK;
}

enum tk_status tk_static_zone_add_mx(struct tk_static_zone *z, const char *name, uint16_t pref,
                                     const char *exchange)
{
    unsigned char wire[2 + 256];
    size_t w = 2;

    wire[0] = (unsigned char)(pref >> 8);
    wire[1] = (unsigned char)pref;
    if (static_name_wire(exchange, wire, sizeof(wire), &w) != TK_OK)
        return TK_INVALID;
    return tk_static_zone_add(z, name, TK_DNS_MX, wire, w);
}

/* static_zone_add_name adds a record whose rdata is one name (PTR,
 * CNAME). */
static enum tk_status static_zone_add_name(struct tk_static_zone *z, const char *name,
                                           uint16_t type, const char *target)
{
    unsigned char wire[256];
    size_t w = 0;

    if (static_name_wire(target, wire, sizeof(wire), &w) != TK_OK)
        return TK_INVALID;
    return tk_static_zone_add(z, name, type, wire, w);
}

enum tk_status tk_static_zone_add_ptr(struct tk_static_zone *z, const char *name,
                                      const char *target)
{
    return static_zone_add_name(z, name, TK_DNS_PTR, target);
}

enum tk_status tk_static_zone_add_cname(struct tk_static_zone *z, const char *name,
                                        const char *target)
{
    return static_zone_add_name(z, name, TK_DNS_CNAME, target);
}

enum tk_status tk_static_zone_add_aaaa(struct tk_static_zone *z, const char *name, const char *ipv6)
{
    unsigned char a[16];

    if (inet_pton(AF_INET6, ipv6, a) != 1)
        return TK_INVALID;
    return tk_static_zone_add(z, name, TK_DNS_AAAA, a, 16);
}

enum tk_status tk_static_zone_add_timeout(struct tk_static_zone *z, const char *name)
{
    struct static_record *r = static_zone_push(z, name, 0);

    if (r == NULL)
        return TK_INVALID;
    r->timeout = true;
    return TK_OK;
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

/* static_lookup fills a with the records of (name, type); *cname gets
 * the name's CNAME record when it has no records of the type. */
static void static_lookup(const struct tk_static_zone *z, const char *name, uint16_t type,
                          struct tk_dns_answer *a, struct tk_dns_rdata *rd,
                          const struct static_record **cname)
{
    bool name_exists = false, timeout = false;
    size_t i;

    a->status = TK_ABSENT;
    a->count = 0;
    *cname = NULL;
    for (i = 0; i < z->n; i++) {
        const struct static_record *r = &z->rec[i];

        if (!tk_ascii_strcaseeq(r->name, name))
            continue;
        name_exists = true;
        timeout |= r->timeout;
        if (r->type == TK_DNS_CNAME && type != TK_DNS_CNAME && *cname == NULL)
            *cname = r;
        if (r->type != type)
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
    if (a->count > 0)
        *cname = NULL;
    if (timeout && a->count == 0 && *cname == NULL) {
        a->status = TK_TEMP;
        a->rcode = -1;
        a->why = "no answer before the deadline (timeout)";
        return;
    }
    a->nxdomain = !name_exists;
    a->rcode = name_exists ? 0 : 3;
    a->rdata = rd;
}

/* static_wire_raw reads the wire-form name of rd (as static_name_wire
 * wrote it) back into text. */
static bool static_wire_raw(const struct tk_dns_rdata *rd, char name[TK_DOMAIN_MAX + 1])
{
    char text[256];
    size_t off = 0, t = 0;

    while (off < rd->len && rd->data[off] != 0) {
        size_t n = rd->data[off++];

        if (n > rd->len - off || t + n + 1 >= sizeof(text))
            return false;
        if (t > 0)
            text[t++] = '.';
        memcpy(text + t, rd->data + off, n);
        t += n;
        off += n;
    }
    text[t] = '\0';
    return static_name_raw(text, name);
}

/* static_answer answers q, following CNAMEs as a recursive server does. */
static void static_answer(const struct tk_static_zone *z, struct tk_dns_question *q,
                          struct tk_dns_answer *a, struct tk_dns_rdata *rd)
{
    char name[TK_DOMAIN_MAX + 1];
    const struct static_record *cname;
    int hops;

    snprintf(name, sizeof(name), "%s", q->qname);
    for (hops = 0; hops <= STATIC_CNAME_HOPS; hops++) {
        struct tk_dns_rdata link;

        static_lookup(z, name, q->qtype, a, rd, &cname);
        if (cname == NULL)
            return;
        link.data = cname->rdata;
        link.len = cname->len;
        if (!static_wire_raw(&link, name))
            break;
    }
    a->status = TK_TEMP;
    a->rcode = 2;
    a->count = 0;
    a->why = "a CNAME chain too long or looping (SERVFAIL)";
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
