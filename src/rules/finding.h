/*
 * NAME
 *	finding.h - helpers the rule checks share to fill a finding
 * DESCRIPTION
 *	Published text is attacker-controlled: tk_finding_quote is the only
 *	way record text enters evidence. It escapes bytes outside printable
 *	ASCII as \xNN and cuts long records with "...", so a hostile record
 *	can neither break a terminal, a CSV cell nor a JSON string's meaning.
 */
#ifndef TIAKI_RULES_FINDING_H
#define TIAKI_RULES_FINDING_H

#include <stddef.h>

#include "rules/rules.h"

/* Record text quoted into evidence is cut after this many bytes. */
#define TK_QUOTE_MAX 240

/* tk_finding_set sets status and the evidence (printf-style). */
void tk_finding_set(struct tk_finding *f, enum tk_verdict status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tk_finding_fix sets the remediation (printf-style). */
void tk_finding_fix(struct tk_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tk_finding_quote writes len bytes of text to out (outlen bytes) in
 * double quotes, escaped and cut as above. Returns out. */
const char *tk_finding_quote(const char *text, size_t len, char *out, size_t outlen);

/* tk_finding_fix_retry sets the remediation of an unknown finding: the
 * look-up of name failed, so its name servers must answer first. */
void tk_finding_fix_retry(struct tk_finding *f, const char *name);

/* tk_finding_lookup_unknown sets status unknown when the look-up failed
 * temporarily, with its name and reason; returns 1 if it did, else 0. */
int tk_finding_lookup_unknown(struct tk_finding *f, const struct tk_lookup *l);

/* A verdict on one part of a domain (an MX host, or one of its
 * addresses), before the domain's finding is decided from the worst of
 * its parts. */
struct tk_part_verdict {
    enum tk_verdict v;
    char why[TK_EVIDENCE_MAX - TK_DOMAIN_MAX - 64];
};

/* tk_part_set sets a part's verdict and reason (printf-style). */
void tk_part_set(struct tk_part_verdict *p, enum tk_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tk_verdict_rank orders verdicts by how much they weigh when parts are
 * combined: fail 2, unknown 1, pass and warn 0. */
int tk_verdict_rank(enum tk_verdict v);

#endif
