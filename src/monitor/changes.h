/*
 * NAME
 *	changes.h - change events: what got weaker, better or different
 * DESCRIPTION
 *	tk_changes_compute compares a domain's new judgement with the
 *	newest definite state of each of its rules (FRAMEWORK-RULES.md,
 *	"Change events"): a finding that went from pass to fail or warn is a
 *	regression (warn to fail too), the reverse an improvement, the same
 *	verdict with other evidence (the record's text) a record-changed;
 *	the first definite snapshot of a domain is new-domain, and a domain
 *	whose name no longer exists is gone. unknown neither opens nor
 *	closes an event: an unknown finding keeps the previous state, so a
 *	DNS outage between two scans yields nothing, and the scan after it
 *	is compared with the scan before it.
 *
 *	Pure: no I/O. The store hands in the previous states and keeps what
 *	comes out.
 */
#ifndef TIAKI_MONITOR_CHANGES_H
#define TIAKI_MONITOR_CHANGES_H

#include "store/store.h"

/* tk_changes_compute fills states (the rule states after this judgement:
 * the previous ones with every definite finding applied; *nstates) and
 * events (*nevents) from prev (nprev states; seen: the domain had a
 * definite snapshot before) and j. gone: the domain's name does not
 * exist now (every look-up NXDOMAIN). */
void tk_changes_compute(const struct tk_rule_state *prev, size_t nprev, bool seen,
                        const struct tk_judgement *j, bool gone, int64_t scan_id,
                        struct tk_rule_state *states, size_t *nstates, struct tk_event *events,
                        size_t *nevents);

/* tk_changes_set_by keeps, in order at the front of states, those that
 * the scan scan_id set (a state found again keeps the scan it was first
 * found in), and returns how many: the only ones the store has to
 * write, since the others are stored as they are. */
size_t tk_changes_set_by(struct tk_rule_state *states, size_t n, int64_t scan_id);

/* tk_observation_gone is true when the domain's name does not exist:
 * its MX, TXT and _dmarc look-ups all answered NXDOMAIN. */
bool tk_observation_gone(const struct tk_observation *obs);

#endif
