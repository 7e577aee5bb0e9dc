/*
 * NAME
 *	checks.h - the check function of every rule (private to rules/)
 */
#ifndef TIAKI_RULES_CHECKS_H
#define TIAKI_RULES_CHECKS_H

#include "record/dmarc.h"
#include "rules/rules.h"

void check_tlsrpt(const struct tk_rule_input *in, struct tk_finding *f);
void check_spf_present(const struct tk_rule_input *in, struct tk_finding *f);
void check_spf_hardfail(const struct tk_rule_input *in, struct tk_finding *f);
void check_dkim_signed(const struct tk_rule_input *in, struct tk_finding *f);
void check_dmarc_present(const struct tk_rule_input *in, struct tk_finding *f);
void check_dmarc_reject(const struct tk_rule_input *in, struct tk_finding *f);
void check_dmarc_adkim_strict(const struct tk_rule_input *in, struct tk_finding *f);
void check_dmarc_rua(const struct tk_rule_input *in, struct tk_finding *f);
void check_mta_sts_txt(const struct tk_rule_input *in, struct tk_finding *f);
void check_mta_sts_enforce(const struct tk_rule_input *in, struct tk_finding *f);
void check_tls_min(const struct tk_rule_input *in, struct tk_finding *f);
void check_tls_required(const struct tk_rule_input *in, struct tk_finding *f);
void check_tls_cert(const struct tk_rule_input *in, struct tk_finding *f);
void check_dane(const struct tk_rule_input *in, struct tk_finding *f);
void check_parked_spf(const struct tk_rule_input *in, struct tk_finding *f);
void check_parked_dkim(const struct tk_rule_input *in, struct tk_finding *f);
void check_parked_dmarc(const struct tk_rule_input *in, struct tk_finding *f);
void check_parked_null_mx(const struct tk_rule_input *in, struct tk_finding *f);

/* The DMARC policy that applies to a domain (RFC 7489 6.6.3): its own
 * record, else its organisational domain's. */
struct dmarc_applied {
    enum tk_status status; /* TK_OK, TK_ABSENT (none applies), TK_INVALID
                              (its own is broken), TK_TEMP */
    bool from_org;         /* the organisational domain's record */
    const char *where;     /* the name the record is at */
    const struct tk_rr_text *text;
    struct tk_dmarc_record rec;
    char why[TK_ERROR_MSG_MAX]; /* TK_INVALID / TK_TEMP: the reason */
    size_t count;               /* DMARC records at the name that decided */
};

/* What every check reads: the observation, and what several checks
 * would otherwise work out again each (tk_rule_input_prepare does it
 * once per judgement). */
struct tk_rule_input {
    const struct tk_observation *obs;
    struct dmarc_applied own;     /* the record at _dmarc.<domain> alone */
    struct dmarc_applied applied; /* what applies: own, else the org domain's */
};

void tk_rule_input_prepare(struct tk_rule_input *in, const struct tk_observation *obs);

#endif
