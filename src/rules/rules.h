/*
 * NAME
 *	rules.h - the framework as a table of rules over an observation
 * DESCRIPTION
 *	Each rule of FRAMEWORK-RULES.md is one row: identifier (stable: it
 *	is interface, in JSON, the store and change events), level, the
 *	profile it applies to, where the seed asks for it, and a check: a
 *	pure function from the observation to a finding with a status, the
 *	evidence (what is published, quoted safely) and the remediation
 *	(exactly what to change). tk_judge runs every rule of a domain's
 *	profile and decides compliance: every MUST rule passes.
 *
 *	Rules never do I/O and never format for a terminal: evidence and
 *	remediation are plain sentences that show/ lays out.
 */
#ifndef TIAKI_RULES_RULES_H
#define TIAKI_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "observe/observation.h"

enum tk_level {
    TK_LEVEL_MUST,
    TK_LEVEL_SHOULD,
    TK_LEVEL_INFO,
};

enum tk_verdict {
    TK_VERDICT_PASS,
    TK_VERDICT_FAIL,
    TK_VERDICT_WARN,
    TK_VERDICT_UNKNOWN,
};

#define TK_EVIDENCE_MAX 600
#define TK_REMEDIATION_MAX 600

struct tk_rule;
struct tk_rule_input; /* the observation and facts derived once from it */

struct tk_finding {
    const struct tk_rule *rule;
    enum tk_verdict status;
    char evidence[TK_EVIDENCE_MAX];
    char remediation[TK_REMEDIATION_MAX]; /* "" when nothing to change */
};

struct tk_rule {
    const char *id; /* "SPF-HARDFAIL" */
    enum tk_level level;
    enum tk_profile profile; /* the profile it applies to */
    const char *seed;        /* "8 SPF", "9 DMARC", with the checklist row */
    const char *nzism;       /* NZISM control, or NULL */
    void (*check)(const struct tk_rule_input *in, struct tk_finding *out);
    bool needs_probe; /* judged only when the domain was probed (not --no-probe) */
};

/* The rule table, ended by a row whose id is NULL. */
extern const struct tk_rule tk_rules[];

#define TK_FINDINGS_MAX 24

struct tk_judgement {
    size_t n;
    struct tk_finding findings[TK_FINDINGS_MAX];
    bool compliant;    /* every MUST rule of the profile passes */
    bool all_unknown;  /* no rule could be decided: nothing was checked */
    size_t not_probed; /* rules skipped because the domain was not probed */
};

/* tk_judge runs the rules of obs->profile into out. */
void tk_judge(const struct tk_observation *obs, struct tk_judgement *out);

/* tk_judgement_copy copies src into dst, its findings but not the
 * unused slots (most of the struct's 29 KB). */
void tk_judgement_copy(struct tk_judgement *dst, const struct tk_judgement *src);

const char *tk_verdict_name(enum tk_verdict v); /* "pass", "fail", ... */
const char *tk_level_name(enum tk_level l);     /* "MUST", "SHOULD", "INFO" */

/* tk_rule_find returns the rule with that id, or NULL. */
const struct tk_rule *tk_rule_find(const char *id);

#endif
