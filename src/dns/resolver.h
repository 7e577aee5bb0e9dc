/*
 * NAME
 *	resolver.h - asynchronous DNS look-ups with deadlines, errors as data
 * DESCRIPTION
 *	Every DNS question tiaki asks goes through a tk_resolver. A question
 *	is submitted with a callback; tk_resolver_wait runs callbacks as
 *	answers arrive and ends questions that pass their deadline, which
 *	then answer TK_TEMP: libunbound has no per-query deadline of its own
 *	(FIELD-NOTES), and a dead name server must cost seconds, not minutes.
 *
 *	An answer separates "try again" (TK_TEMP: timeout, SERVFAIL, REFUSED,
 *	a bogus DNSSEC answer) from "absent" (TK_ABSENT: NXDOMAIN or no data)
 *	from data (TK_OK), so rules can say unknown rather than fail.
 *
 *	Two back ends share the interface: libunbound (production; forwards
 *	to --resolver servers or uses the system's resolv.conf), and a
 *	static zone of records held in memory, for unit tests of code that
 *	does look-ups (the production path is unchanged).
 * SECURITY
 *	Answers are attacker-controlled: callers decode rdata only through
 *	dns/rdata.h, which checks every length.
 */
#ifndef TIAKI_DNS_RESOLVER_H
#define TIAKI_DNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum tk_dns_type {
    TK_DNS_A = 1,
    TK_DNS_NS = 2,
    TK_DNS_CNAME = 5,
    TK_DNS_PTR = 12,
    TK_DNS_MX = 15,
    TK_DNS_TXT = 16,
    TK_DNS_AAAA = 28,
    TK_DNS_TLSA = 52,
};

struct tk_dns_rdata {
    const unsigned char *data;
    size_t len;
};

struct tk_dns_answer {
    const char *qname;
    uint16_t qtype;
    enum tk_status status; /* TK_OK (data), TK_ABSENT, TK_TEMP */
    bool nxdomain;         /* with TK_ABSENT: the name does not exist */
    bool secure;           /* DNSSEC-validated (only with a trust anchor) */
    int rcode;             /* DNS RCODE; -1 when no response (timeout) */
    uint32_t ttl;
    size_t count;
    const struct tk_dns_rdata *rdata; /* count entries, valid during the callback */
    const char *why;                  /* TK_TEMP: reason for a person */
};

/* Called once per question, always: with data, absence, or TK_TEMP. The
 * answer and everything it points to live only during the call. A
 * callback may submit further questions. */
typedef void (*tk_dns_callback)(void *arg, const struct tk_dns_answer *answer);

struct tk_resolver_options {
    const char *const *servers; /* "ADDR" or "ADDR@PORT"; none: resolv.conf */
    size_t nservers;
    int timeout_ms;                /* per question; 0: TK_DNS_TIMEOUT_MS_DEFAULT */
    const char *trust_anchor_file; /* DNSSEC anchor (zone-file format), or NULL */
    /* libunbound's answer cache in MB (0: its default of a few MB). A
     * checker of many domains asks each name once and needs none; mail
     * checking (SPF, DKIM keys, DMARC) asks the same names again and
     * again, and past the default cache a second question for a name
     * goes back to the server (bench/auth-throughput). */
    unsigned cache_mb;
};

struct tk_resolver;

/* tk_resolver_new_unbound makes a resolver over libunbound. Returns
 * TK_OK, TK_USAGE (bad server address or anchor file; err says which) or
 * TK_NOMEM. */
enum tk_status tk_resolver_new_unbound(const struct tk_resolver_options *opts,
                                       struct tk_resolver **out, struct tk_error *err);

/* tk_resolver_query submits one question for name (normalised text form)
 * and rrtype. The callback runs from a later tk_resolver_wait, never from
 * inside this call. Returns TK_OK, or TK_TEMP/TK_NOMEM when the question
 * could not be submitted (the callback will not run). */
enum tk_status tk_resolver_query(struct tk_resolver *r, const char *name, uint16_t rrtype,
                                 tk_dns_callback cb, void *arg);

/* tk_resolver_pending returns the questions submitted and not yet
 * answered. */
size_t tk_resolver_pending(const struct tk_resolver *r);

/* tk_resolver_wait waits at most max_ms for answers and runs the
 * callbacks of those that arrived or expired. Returns TK_OK or TK_IO
 * when the back end failed (err says how). */
enum tk_status tk_resolver_wait(struct tk_resolver *r, int max_ms, struct tk_error *err);

/* tk_resolver_drain waits until nothing is pending. */
enum tk_status tk_resolver_drain(struct tk_resolver *r, struct tk_error *err);

/* tk_resolver_free cancels what is pending (no callbacks) and frees. */
void tk_resolver_free(struct tk_resolver *r);

/* A static zone for unit tests: records added by name and type; a
 * question with no entry answers NXDOMAIN when the name has no records
 * at all, else no data. tk_static_zone_add_temp makes a (name, type)
 * answer TK_TEMP, as a dead server would. A name with a CNAME and no
 * records of the type asked answers from the CNAME's target, as a
 * recursive server would (a loop answers TK_TEMP). */
struct tk_static_zone;

enum tk_status tk_static_zone_new(struct tk_static_zone **out);
/* tk_static_zone_allow_raw_names lets later names hold any printable
 * ASCII but a backslash (labels of 1 to 63 bytes), as DNS does: SPF macros
 * make such names ("foo:bar/baz.example.com", spaces from %{l}). By
 * default a name must be a host name (core/domain.h). */
void tk_static_zone_allow_raw_names(struct tk_static_zone *z);
enum tk_status tk_static_zone_add(struct tk_static_zone *z, const char *name, uint16_t rrtype,
                                  const void *rdata, size_t len);
/* tk_static_zone_add_txt adds a TXT record whose text is split into
 * character-strings of at most 255 bytes, as a zone file would. */
enum tk_status tk_static_zone_add_txt(struct tk_static_zone *z, const char *name, const char *text);
enum tk_status tk_static_zone_add_mx(struct tk_static_zone *z, const char *name, uint16_t pref,
                                     const char *exchange);
enum tk_status tk_static_zone_add_a(struct tk_static_zone *z, const char *name, const char *ipv4);
enum tk_status tk_static_zone_add_temp(struct tk_static_zone *z, const char *name, uint16_t rrtype);
enum tk_status tk_static_zone_add_aaaa(struct tk_static_zone *z, const char *name,
                                       const char *ipv6);
/* tk_static_zone_add_ptr and _add_cname add a record whose data is the
 * name target ("" or "." is the root). */
enum tk_status tk_static_zone_add_ptr(struct tk_static_zone *z, const char *name,
                                      const char *target);
enum tk_status tk_static_zone_add_cname(struct tk_static_zone *z, const char *name,
                                        const char *target);
/* tk_static_zone_add_timeout makes every question about name answer a
 * timeout (TK_TEMP, rcode -1), except for the types it holds records
 * of. */
enum tk_status tk_static_zone_add_timeout(struct tk_static_zone *z, const char *name);
void tk_static_zone_free(struct tk_static_zone *z);

/* tk_resolver_new_static answers from z (which must outlive it). */
enum tk_status tk_resolver_new_static(const struct tk_static_zone *z, struct tk_resolver **out);

/* tk_resolver_queries_sent counts questions submitted over the
 * resolver's life (for progress and benchmarks). */
unsigned long tk_resolver_queries_sent(const struct tk_resolver *r);

#endif
