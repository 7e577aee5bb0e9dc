/*
 * NAME
 *	readiness.h - is it safe to move to SPF -all and DMARC p=reject?
 * DESCRIPTION
 *	The framework's two hard moves ("the key is identifying these mail
 *	flow issues prior to switching over") judged from what DMARC
 *	aggregate reports say about a domain's mail: each sending source
 *	(an IP address, its reverse DNS name and known organisation) with
 *	how many of its messages passed SPF and DKIM, aligned or not.
 *
 *	A source is legitimate when it is a known mail service, when its
 *	reverse DNS name lies in the domain's own organisation, or when
 *	some of its mail passed DMARC (someone set it up); the rest is
 *	unknown (spoofing, or a service nobody told IT about) and is named
 *	apart: rejecting it is what p=reject is for.
 *	- p=reject would drop legitimate mail when a legitimate source has
 *	  messages that pass neither aligned SPF nor aligned DKIM;
 *	- -all would drop legitimate mail when a legitimate source has
 *	  messages that do not pass SPF (receivers that act on SPF alone
 *	  refuse them, DKIM or not).
 *	Each blocker names the source and the record change that fixes it:
 *	add the service's SPF include, sign with DKIM the way the service
 *	offers, or move bulk mail to a sub-domain as the framework advises.
 *
 *	Pure: no I/O.
 */
#ifndef TIAKI_REPORTS_READINESS_H
#define TIAKI_REPORTS_READINESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"
#include "reports/senders.h"

/* One sending source of a domain over a period, summed over reports. */
struct tk_source_tally {
    char ip[64];
    char ptr[TK_DOMAIN_MAX + 1]; /* reverse DNS name, or "" */
    const struct tk_sender_org *org;
    unsigned long messages;
    unsigned long dmarc_pass;        /* policy_evaluated: dkim or spf pass */
    unsigned long spf_aligned_pass;  /* policy_evaluated spf = pass */
    unsigned long dkim_aligned_pass; /* policy_evaluated dkim = pass */
    unsigned long spf_pass;          /* auth_results: SPF passed for some domain */
};

enum tk_readiness_verdict {
    TK_READY,
    TK_NOT_READY,
    TK_NO_DATA, /* no report for the period */
};

#define TK_READINESS_BLOCKERS_MAX 32
#define TK_READINESS_TEXT_MAX 512

struct tk_readiness_blocker {
    const struct tk_source_tally *source;
    bool blocks_reject; /* its mail fails DMARC */
    bool blocks_all;    /* its mail fails SPF */
    char problem[TK_READINESS_TEXT_MAX];
    char fix[TK_READINESS_TEXT_MAX];
};

struct tk_readiness {
    enum tk_readiness_verdict spf_all;
    enum tk_readiness_verdict dmarc_reject;
    unsigned long messages;
    unsigned long legitimate; /* messages from legitimate sources */
    unsigned long unknown;    /* messages from unknown sources */
    size_t nunknown_sources;
    size_t nblockers;
    bool blockers_truncated;
    struct tk_readiness_blocker blockers[TK_READINESS_BLOCKERS_MAX];
};

/* tk_source_legitimate says whether a source counts as the domain's own
 * mail (org_domain: the domain's organisational domain). */
bool tk_source_legitimate(const struct tk_source_tally *s, const char *org_domain);

/* tk_readiness_assess judges domain from its n sources. */
void tk_readiness_assess(const char *domain, const char *org_domain,
                         const struct tk_source_tally *sources, size_t n, struct tk_readiness *out);

const char *tk_readiness_name(enum tk_readiness_verdict v); /* "ready", "not ready", "no data" */

#endif
