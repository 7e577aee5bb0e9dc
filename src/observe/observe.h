/*
 * NAME
 *	observe.h - gather what DNS publishes for one domain, asynchronously
 * DESCRIPTION
 *	tk_observe_start asks the first questions for a domain (MX, TXT,
 *	_dmarc, _smtp._tls, _mta-sts) and returns at once; as answers come
 *	in through tk_resolver_wait it asks what they make necessary (the
 *	profile decides DKIM selectors or *._domainkey; the SPF record its
 *	include/redirect tree; a missing DMARC record the organisational
 *	domain's; rua= destinations their authorisation records). When the
 *	last answer is in, done() receives the finished observation. Many
 *	domains can be in flight on one resolver at once.
 *
 *	The observer judges nothing: it only decides what to ask.
 * LIMITS
 *	TK_SPF_TREE_NODES_MAX records in an SPF tree, TK_SPF_VOID_CHECKS_MAX
 *	a/mx/exists targets checked for void look-ups, TK_DKIM_SELECTORS_MAX
 *	selectors, TK_RUA_AUTH_MAX report destinations.
 */
#ifndef TIAKI_OBSERVE_OBSERVE_H
#define TIAKI_OBSERVE_OBSERVE_H

#include "dns/resolver.h"
#include "observe/observation.h"

/* a/mx/exists targets of one domain's SPF tree looked up to count void
 * look-ups: the RFC allows 2, so a few more than that tells the story. */
#define TK_SPF_VOID_CHECKS_MAX 24

struct tk_observe_request {
    const char *domain;
    const char *agency;  /* may be NULL */
    const char *contact; /* may be NULL */
    enum tk_profile profile_hint;
    bool bulk;
    const char *const *selectors; /* from the inventory or --dkim-selector */
    size_t nselectors;
    bool common_selectors; /* also try the common selector names */
    bool transport;        /* email domains: also ask what the probes need
                              (MX addresses, TLSA, the MTA-STS host) */
    bool dnssec;           /* the resolver validates: TLSA answers can be secure */
    void *tag;             /* the caller's, handed back in the observation */
};

/* done() owns obs from then on: release it with tk_observation_destroy. */
typedef void (*tk_observe_done)(void *arg, struct tk_observation *obs);

/* tk_observe_start begins observing req->domain. Returns TK_OK (done()
 * will run from a later tk_resolver_wait), TK_INVALID when the domain
 * name is not valid (err says why; done() will not run) or TK_NOMEM. */
enum tk_status tk_observe_start(struct tk_resolver *r, const struct tk_observe_request *req,
                                tk_observe_done done, void *arg, struct tk_error *err);

/* tk_observation_destroy frees an observation done() received. */
void tk_observation_destroy(struct tk_observation *obs);

/* The common DKIM selector names tried when none is known. */
extern const char *const tk_common_dkim_selectors[];

#endif
