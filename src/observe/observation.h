/*
 * NAME
 *	observation.h - what tiaki saw of one domain: records and errors as data
 * DESCRIPTION
 *	An observation is the input of every rule. It holds each DNS
 *	question asked for the domain with its outcome (records, absence, or
 *	a temporary failure with the reason), and what the observer had to
 *	work out to know what to ask next: the organisational domain, the
 *	profile, the SPF include/redirect tree with its look-up counts.
 *	Rules read it and never ask DNS themselves; show/ prints its records;
 *	store/ (later) keeps it.
 */
#ifndef TIAKI_OBSERVE_OBSERVATION_H
#define TIAKI_OBSERVE_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "probe/probe.h"

enum tk_profile {
    TK_PROFILE_UNSET = 0,
    TK_PROFILE_EMAIL,
    TK_PROFILE_PARKED,
};

/* One record of an answer, as text: TXT strings concatenated (any byte
 * may appear, len counts them), an MX exchange (pref set), an address. */
struct tk_rr_text {
    char *text;
    size_t len;
    uint16_t pref;
};

/* One DNS question and its outcome. */
struct tk_lookup {
    char name[TK_DOMAIN_MAX + 1];
    uint16_t type;
    bool asked;            /* false: the question was never needed */
    enum tk_status status; /* TK_OK, TK_ABSENT, TK_TEMP, TK_INVALID (bad rdata) */
    bool nxdomain;
    bool secure;   /* DNSSEC-validated (only with a trust anchor) */
    char why[128]; /* TK_TEMP / TK_INVALID: the reason */
    size_t n;
    struct tk_rr_text *rr;
};

#define TK_SELECTOR_MAX 63

struct tk_dkim_observation {
    char selector[TK_SELECTOR_MAX + 1];
    bool from_inventory; /* named by the inventory or --dkim-selector */
    struct tk_lookup key;
};

/* One record of the SPF include/redirect tree. */
struct tk_spf_node {
    char domain[TK_DOMAIN_MAX + 1];
    int parent;   /* index of the node that referred to it; -1: root */
    char via[16]; /* "include" or "redirect"; "" for the root */
    unsigned depth;
    struct tk_lookup txt; /* the TXT look-up at domain */
    /* TK_OK: one valid SPF record; TK_ABSENT: none; TK_INVALID: several
     * or a syntax error; TK_TEMP: the look-up failed. */
    enum tk_status spf_status;
    char spf_error[TK_ERROR_MSG_MAX];
    char *record;       /* the SPF record's text (when TK_OK or a syntax error) */
    unsigned dns_terms; /* this record's DNS-querying terms */
    char all;           /* qualifier of its "all" ('-', '~', '?', '+') or 0 */
    bool has_redirect;  /* a redirect= that takes effect (no "all") */
    bool authorises;    /* some term can pass a sender: a mechanism other
                           than all, "+all", or a redirect= */
    bool loop;          /* its domain is already on the path from the root */
};

#define TK_SPF_VOID_EXAMPLES 4

struct tk_spf_tree {
    size_t n;
    struct tk_spf_node nodes[TK_SPF_TREE_NODES_MAX];
    unsigned dns_terms_total; /* summed over every record reached */
    unsigned void_lookups;    /* a/mx/exists/include targets with no data */
    size_t nvoid_examples;
    char void_examples[TK_SPF_VOID_EXAMPLES][TK_DOMAIN_MAX + 1];
    bool truncated; /* more records than TK_SPF_TREE_NODES_MAX */
    bool loop;      /* some include/redirect leads back to an ancestor */
    bool temp;      /* some look-up in the tree failed temporarily */
    bool macros;    /* a target uses macros: it depends on the sender */
};

#define TK_RUA_AUTH_MAX TK_DMARC_URIS_MAX

/* RFC 7489 7.1: <policy-domain>._report._dmarc.<destination> */
struct tk_rua_authorisation {
    char destination[TK_DOMAIN_MAX + 1];
    struct tk_lookup txt;
};

/* One MX host of an email domain, as the transport stage sees it: its
 * addresses and TLSA records (DNS, asked by the observer), then one
 * probe per address (filled by the probe stage; the probes belong to
 * that stage's cache and are shared by every domain using the host). */
struct tk_mx_host {
    char name[TK_DOMAIN_MAX + 1];
    uint16_t pref;
    struct tk_lookup a;
    struct tk_lookup aaaa;
    struct tk_lookup tlsa; /* _25._tcp.<name> (RFC 7672) */
    size_t nprobes;
    const struct tk_smtp_probe *probes[TK_MX_ADDRESSES_MAX];
};

struct tk_observation {
    char domain[TK_DOMAIN_MAX + 1];
    char org_domain[TK_DOMAIN_MAX + 1]; /* by the public suffix list */
    char agency[128];                   /* from the inventory, may be "" */
    char contact[128];
    enum tk_profile profile_hint; /* inventory or --profile */
    enum tk_profile profile;      /* what applies (hint, else inferred) */
    bool profile_inferred;
    char profile_reason[160];
    bool bulk; /* inventory: a bulk-mail domain */
    void *tag; /* the requester's (e.g. the store's domain row); never freed here */

    struct tk_lookup mx;
    struct tk_lookup txt;           /* TXT at the domain (SPF lives here) */
    struct tk_lookup dmarc;         /* _dmarc.<domain> */
    struct tk_lookup dmarc_org;     /* _dmarc.<org domain>, asked only when needed */
    struct tk_lookup tlsrpt;        /* _smtp._tls.<domain> */
    struct tk_lookup tlsrpt_seed;   /* _smtptls.<domain>: the seed's wrong name */
    struct tk_lookup mta_sts;       /* _mta-sts.<domain> */
    struct tk_lookup dkim_wildcard; /* *._domainkey.<domain> (parked) */

    size_t ndkim;
    struct tk_dkim_observation dkim[TK_DKIM_SELECTORS_MAX];

    struct tk_spf_tree spf;

    size_t nrua_auth;
    struct tk_rua_authorisation rua_auth[TK_RUA_AUTH_MAX];

    /* Transport (issue 3): asked only when probes are wanted. */
    bool transport;   /* the observer asked the transport questions */
    bool dnssec;      /* answers were DNSSEC-validated where signed (a trust anchor) */
    bool probed;      /* the probe stage ran: the transport rules apply */
    size_t nmx_hosts; /* MX hosts by preference, null MX excluded */
    struct tk_mx_host mx_hosts[TK_MX_HOSTS_MAX];
    bool mx_hosts_truncated;  /* more MX hosts than TK_MX_HOSTS_MAX */
    struct tk_lookup sts_a;    /* mta-sts.<domain> A */
    struct tk_lookup sts_aaaa; /* mta-sts.<domain> AAAA */
    struct tk_mtasts_fetch sts_fetch;
};

/* tk_lookup_txt_count_prefix counts the records of a TXT look-up for
 * which is_record(text, len) holds (e.g. tk_dmarc_is_record), and sets
 * *first to the first such record (or NULL). */
size_t tk_lookup_select(const struct tk_lookup *l, bool (*is_record)(const char *, size_t),
                        const struct tk_rr_text **first);

struct tk_dmarc_record;

/* tk_lookup_dmarc parses each record of l once and counts the DMARC
 * records among them (valid or not). The first one is parsed into
 * first, with its status in *st (TK_ABSENT when there is none), its
 * error in err and its text in *rr. Observer and rules both choose a
 * domain's DMARC record this way. */
size_t tk_lookup_dmarc(const struct tk_lookup *l, struct tk_dmarc_record *first,
                       const struct tk_rr_text **rr, enum tk_status *st, struct tk_error *err);

/* tk_observation_lookup_free releases a look-up's records. */
void tk_observation_lookup_free(struct tk_lookup *l);

/* tk_observation_free releases everything the observation owns (not
 * the struct itself). */
void tk_observation_free(struct tk_observation *obs);

/* tk_profile_name returns "email", "parked" or "". */
const char *tk_profile_name(enum tk_profile p);

#endif
