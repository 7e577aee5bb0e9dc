/*
 * NAME
 *	report.h - the all-of-government compliance report, as data
 * DESCRIPTION
 *	tk_report_add takes the findings of each domain's newest snapshot
 *	(store.h tk_store_latest_findings) one at a time and counts, per
 *	agency and per rule, how many domains pass, fail, warn or are
 *	unknown, and which domains are not compliant with what to change.
 *	tk_report_trend sets, for every count, the value of the previous
 *	report (its summary, kept by the store as JSON), so show/ can draw
 *	the trend.
 *
 *	Pure aggregation: no I/O and no formatting (show/report.h renders
 *	it as HTML, CSV and JSON). Every string kept is valid UTF-8 without
 *	control bytes; renderers still escape it for their format.
 * LIMITS
 *	TK_REPORT_AGENCIES_MAX agencies (the rest count under "(other
 *	agencies)"); every non-compliant domain is listed (the list grows
 *	with the inventory, one entry per domain); a previous summary is
 *	read up to TK_REPORT_SUMMARY_MAX bytes.
 */
#ifndef TIAKI_MONITOR_REPORT_H
#define TIAKI_MONITOR_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TK_REPORT_AGENCIES_MAX 512
#define TK_REPORT_RULES_MAX 32
/* A summary holds per agency and rule four counts: ~80 bytes a rule,
 * ~1.5 MB at TK_REPORT_AGENCIES_MAX agencies of 32 rules. A longer one
 * is not ours: refused before it is parsed. */
#define TK_REPORT_SUMMARY_MAX (16 * 1024 * 1024)

/* Counts of one rule over a set of domains; prev_* from the previous
 * report (-1: no previous figure). */
struct tk_report_count {
    char rule[TK_RULE_ID_MAX];
    const char *level;
    unsigned long pass, fail, warn, unknown;
    long prev_pass, prev_total;
};

struct tk_report_agency {
    char name[TK_STORE_TEXT_MAX]; /* "" is shown as "(no agency)" */
    unsigned long domains, compliant;
    long prev_domains, prev_compliant; /* -1: none */
    size_t nrules;
    struct tk_report_count rules[TK_REPORT_RULES_MAX];
};

/* One failing (or warning, or unknown) finding of a non-compliant domain. */
struct tk_report_issue {
    char rule[TK_RULE_ID_MAX];
    const char *level;
    enum tk_verdict status;
    char *evidence;    /* malloc'd */
    char *remediation; /* malloc'd */
};

struct tk_report_domain {
    char domain[TK_DOMAIN_MAX + 1];
    char agency[TK_STORE_TEXT_MAX];
    char contact[TK_STORE_TEXT_MAX];
    int64_t scanned_at;
    size_t nissues;
    struct tk_report_issue *issues;
};

struct tk_report {
    int64_t at;                    /* when the report was made */
    int64_t previous_at;           /* the previous report's time; 0: none */
    struct tk_report_agency total; /* all of government */
    size_t nagencies;
    struct tk_report_agency *agencies; /* by name */
    size_t ndomains;                   /* non-compliant domains */
    struct tk_report_domain *domains;  /* as the rows came: by agency, then domain */
    /* private: the domain being added */
    char cur[TK_DOMAIN_MAX + 1];
};

void tk_report_init(struct tk_report *r, int64_t at);

/* tk_report_add counts one finding row (rows of one domain come
 * together, as tk_store_latest_findings gives them; the domain's
 * compliance is taken from its first row). TK_INVALID when the row has
 * no domain or rule, a name longer than its field, or a bad status
 * (nothing counted); TK_LIMIT past TK_REPORT_RULES_MAX rules; TK_NOMEM. */
enum tk_status tk_report_add(struct tk_report *r, const struct tk_finding_row *row);

/* tk_report_summary writes the counts as JSON (malloc'd; NULL when out
 * of memory) for the store. */
char *tk_report_summary(const struct tk_report *r);

/* tk_report_trend fills the prev_* figures from a previous summary
 * made at previous_at; call it after the last tk_report_add. The
 * summary is untrusted: a figure of the wrong type, negative or too
 * large stays -1, as does every figure of an agency or rule the summary
 * does not have. TK_INVALID when the JSON is not a summary (not JSON,
 * not an object, no "total" object), TK_LIMIT when longer than
 * TK_REPORT_SUMMARY_MAX; then no prev_* figure is set and previous_at
 * stays 0. */
enum tk_status tk_report_trend(struct tk_report *r, const char *summary_json, int64_t previous_at,
                               struct tk_error *err);

/* tk_report_free releases what the report holds; r is empty after, as
 * tk_report_init left it. */
void tk_report_free(struct tk_report *r);

#endif
