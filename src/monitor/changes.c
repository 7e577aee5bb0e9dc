/*
 * NAME
 *	changes.c - change events from a judgement and the previous rule states
 * SUMMARY
 *	tk_changes_compute: prev states + judgement -> new states + events.
 *	tk_changes_set_by: the states one scan set (what is to be written).
 *	tk_observation_gone: MX, TXT and _dmarc all NXDOMAIN.
 * DESCRIPTION
 *	For each finding of the judgement, by rule id:
 *	    unknown                          keep the previous state; no event
 *	    definite, no previous state      record the state; no event
 *	    pass -> fail or warn             regression
 *	    warn -> fail                     regression
 *	    fail -> warn or pass, warn -> pass   improvement
 *	    same status, other evidence      record-changed
 *	    same status, same evidence       nothing
 *	A domain never seen before gets one new-domain event when the
 *	judgement has at least one definite finding, and no per-rule
 *	events (it has nothing to be compared with). A seen domain with
 *	rule states whose name no longer exists gets one gone event (one
 *	without, a name that never existed, none: the snapshot of its
 *	NXDOMAIN makes it "seen" to the store) and its states are kept
 *	as they were, so a name that comes back is compared with what it
 *	was before it went (and the NXDOMAIN judgement, where every record
 *	is "missing", never becomes a regression of every rule). A state
 *	of its own, CHANGES_GONE_STATE, remembers that the name went, so
 *	the scans that find it still gone add no event, and one that finds
 *	it gone again after it came back does.
 *
 *	Events carry the evidence before and after and the new finding's
 *	remediation. Domain-level events come first, then rule events in
 *	judgement (rule table) order.
 * STANDARDS
 *	FRAMEWORK-RULES.md, "Change events" (the seed's section 7).
 * LIMITS
 *	TK_RULE_STATES_MAX states in and out (the rule table has fewer
 *	rows); TK_EVENTS_MAX events (one per finding plus the domain-level
 *	one). Text is copied with truncation at the fixed field sizes the
 *	store uses, which are those of a finding.
 * SECURITY
 *	Pure: no I/O. Evidence is copied as it is; show/alert_text makes it
 *	safe for mail, JSON and syslog.
 */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "monitor/changes.h"

/* changes_find returns the index of rule's state in states, or -1. */
static long changes_find(const struct tk_rule_state *states, size_t n, const char *rule)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(states[i].rule, rule) == 0)
            return (long)i;
    return -1;
}

/* changes_classify decides what a definite status after a definite
 * status is; false when it is no event. */
static bool changes_classify(const struct tk_rule_state *before, const struct tk_finding *f,
                             enum tk_event_kind *kind)
{
    enum tk_verdict a = before->status, b = f->status;

    if (a == b) {
        *kind = TK_EVENT_RECORD_CHANGED;
        return strcmp(before->evidence, f->evidence) != 0;
    }
    /* Stronger to weaker: pass > warn > fail. */
    if (a == TK_VERDICT_PASS || (a == TK_VERDICT_WARN && b == TK_VERDICT_FAIL))
        *kind = TK_EVENT_REGRESSION;
    else
        *kind = TK_EVENT_IMPROVEMENT;
    return true;
}

static void changes_state_set(struct tk_rule_state *s, const struct tk_finding *f, int64_t scan_id)
{
    tk_strlcpy(s->rule, f->rule->id, sizeof(s->rule));
    s->status = f->status;
    tk_strlcpy(s->evidence, f->evidence, sizeof(s->evidence));
    s->scan_id = scan_id;
}

static struct tk_event *changes_event_add(struct tk_event *events, size_t *nevents,
                                          enum tk_event_kind kind)
{
    struct tk_event *e;

    if (*nevents >= TK_EVENTS_MAX)
        return NULL;
    e = &events[(*nevents)++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->from = e->to = TK_VERDICT_UNKNOWN;
    return e;
}

static void changes_rule_event(struct tk_event *events, size_t *nevents, enum tk_event_kind kind,
                               const struct tk_rule_state *before, const struct tk_finding *f)
{
    struct tk_event *e = changes_event_add(events, nevents, kind);

    if (e == NULL)
        return;
    tk_strlcpy(e->rule, f->rule->id, sizeof(e->rule));
    e->from = before->status;
    e->to = f->status;
    tk_strlcpy(e->before, before->evidence, sizeof(e->before));
    tk_strlcpy(e->after, f->evidence, sizeof(e->after));
    tk_strlcpy(e->remediation, f->remediation, sizeof(e->remediation));
}

/* changes_new_domain: one event saying what the first snapshot found. */
static void changes_new_domain(const struct tk_judgement *j, struct tk_event *events,
                               size_t *nevents)
{
    unsigned long count[TK_VERDICT_UNKNOWN + 1] = {0};
    struct tk_event *e;
    size_t i;

    for (i = 0; i < j->n; i++)
        if ((unsigned)j->findings[i].status <= TK_VERDICT_UNKNOWN)
            count[j->findings[i].status]++;
    if ((e = changes_event_add(events, nevents, TK_EVENT_NEW_DOMAIN)) == NULL)
        return;
    e->to = j->compliant ? TK_VERDICT_PASS : TK_VERDICT_FAIL;
    snprintf(e->after, sizeof(e->after),
             "first snapshot: %s; %lu rules pass, %lu fail, %lu warn, %lu unknown",
             j->compliant ? "compliant" : "not compliant", count[TK_VERDICT_PASS],
             count[TK_VERDICT_FAIL], count[TK_VERDICT_WARN], count[TK_VERDICT_UNKNOWN]);
}

/* The state that remembers a name went: fail while it is gone, pass
 * once it is back. Its id is no rule's (rule ids are capitals, digits
 * and dashes), so no rule is ever compared with it. */
#define CHANGES_GONE_STATE "@gone"

/* changes_gone_mark records whether the name is gone; a domain that has
 * never gone gets no such state. True when it was marked gone before. */
static bool changes_gone_mark(struct tk_rule_state *states, size_t *nstates, bool gone,
                              int64_t scan_id)
{
    long at = changes_find(states, *nstates, CHANGES_GONE_STATE);
    enum tk_verdict status = gone ? TK_VERDICT_FAIL : TK_VERDICT_PASS;
    bool was_gone = at >= 0 && states[at].status == TK_VERDICT_FAIL;
    struct tk_rule_state *s;

    if (at < 0 && (!gone || *nstates >= TK_RULE_STATES_MAX))
        return false;
    if (at >= 0 && states[at].status == status)
        return was_gone;
    s = at >= 0 ? &states[at] : &states[(*nstates)++];
    tk_strlcpy(s->rule, CHANGES_GONE_STATE, sizeof(s->rule));
    s->status = status;
    tk_strlcpy(s->evidence, gone ? "the name does not exist" : "the name exists",
               sizeof(s->evidence));
    s->scan_id = scan_id;
    return was_gone;
}

static void changes_gone(struct tk_event *events, size_t *nevents)
{
    struct tk_event *e = changes_event_add(events, nevents, TK_EVENT_GONE);

    if (e == NULL)
        return;
    tk_strlcpy(e->before, "the name existed", sizeof(e->before));
    tk_strlcpy(e->after, "the name does not exist: MX, TXT and _dmarc look-ups answered NXDOMAIN",
               sizeof(e->after));
    tk_strlcpy(e->remediation,
               "If the domain was retired on purpose, remove it from the inventory "
               "(tiaki inventory remove); otherwise restore its delegation in the parent zone.",
               sizeof(e->remediation));
}

static bool changes_any_definite(const struct tk_judgement *j)
{
    size_t i;

    for (i = 0; i < j->n; i++)
        if (j->findings[i].status != TK_VERDICT_UNKNOWN)
            return true;
    return false;
}

/* changes_apply applies one definite finding to the states, adding its
 * event when the domain was seen (compare is true). */
static void changes_apply(const struct tk_finding *f, bool compare, int64_t scan_id,
                          struct tk_rule_state *states, size_t *nstates, struct tk_event *events,
                          size_t *nevents)
{
    long at = changes_find(states, *nstates, f->rule->id);
    enum tk_event_kind kind;

    if (at < 0) {
        /* A rule never decided before: nothing to compare with. */
        if (*nstates < TK_RULE_STATES_MAX)
            changes_state_set(&states[(*nstates)++], f, scan_id);
        return;
    }
    /* The same verdict and evidence again: the state stays as it is,
     * saying since when (its scan), and need not be written. */
    if (states[at].status == f->status && strcmp(states[at].evidence, f->evidence) == 0)
        return;
    if (compare && changes_classify(&states[at], f, &kind))
        changes_rule_event(events, nevents, kind, &states[at], f);
    changes_state_set(&states[at], f, scan_id);
}

void tk_changes_compute(const struct tk_rule_state *prev, size_t nprev, bool seen,
                        const struct tk_judgement *j, bool gone, int64_t scan_id,
                        struct tk_rule_state *states, size_t *nstates, struct tk_event *events,
                        size_t *nevents)
{
    size_t i;

    if (nprev > TK_RULE_STATES_MAX)
        nprev = TK_RULE_STATES_MAX;
    if (nprev > 0)
        memmove(states, prev, nprev * sizeof(*states));
    *nstates = nprev;
    *nevents = 0;
    if (gone) {
        /* The states stay: the NXDOMAIN judgement is not compared. */
        if (seen && *nstates > 0 && !changes_gone_mark(states, nstates, true, scan_id))
            changes_gone(events, nevents);
        return;
    }
    changes_gone_mark(states, nstates, false, scan_id);
    if (j == NULL)
        return;
    if (!seen && changes_any_definite(j))
        changes_new_domain(j, events, nevents);
    for (i = 0; i < j->n && i < TK_FINDINGS_MAX; i++) {
        const struct tk_finding *f = &j->findings[i];

        if (f->rule == NULL || f->rule->id == NULL || f->status == TK_VERDICT_UNKNOWN)
            continue;
        changes_apply(f, seen, scan_id, states, nstates, events, nevents);
    }
}

size_t tk_changes_set_by(struct tk_rule_state *states, size_t n, int64_t scan_id)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (states[i].scan_id == scan_id) {
            if (k != i)
                states[k] = states[i];
            k++;
        }
    return k;
}

static bool changes_nxdomain(const struct tk_lookup *l)
{
    return l->asked && l->status == TK_ABSENT && l->nxdomain;
}

bool tk_observation_gone(const struct tk_observation *obs)
{
    return obs != NULL && changes_nxdomain(&obs->mx) && changes_nxdomain(&obs->txt) &&
           changes_nxdomain(&obs->dmarc);
}
