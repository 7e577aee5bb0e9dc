/*
 * NAME
 *	store_reports.h - keeping DMARC aggregate and TLS-RPT reports
 * DESCRIPTION
 *	The reporting tool's half of the store (issue 5), in the same
 *	database as the monitoring. A DMARC report is kept in one
 *	transaction: tk_store_dmarc_begin opens it (or says it is a
 *	duplicate: the same reporter, report id and date range were kept
 *	before, as Google sends twice), each record is added as the parser
 *	streams it, and commit keeps the whole report or rollback none of
 *	it. A crash never leaves half a report.
 *
 *	Records are kept as they came (every DKIM and SPF result), and the
 *	queries add them up: per domain and day, per sending source, and
 *	per TLS-RPT failure; DKIM selectors seen for a domain feed the
 *	inventory.
 */
#ifndef TIAKI_STORE_STORE_REPORTS_H
#define TIAKI_STORE_STORE_REPORTS_H

#include "reports/dmarc_xml.h"
#include "reports/readiness.h"
#include "reports/tlsrpt_json.h"
#include "store/store.h"

/* tk_store_dmarc_begin starts keeping the report m describes. *dup is
 * true (and nothing is open) when it was kept before, keyed by
 * (org_name, report_id, begin, end). origin is kept for people (made
 * printable; NULL: ""). One report is open at a time on a store, and
 * no other write may come until it is committed or rolled back (on
 * SQLite it holds the database's write lock until then). */
enum tk_status tk_store_dmarc_begin(struct tk_store *s, const struct tk_dmarc_xml_meta *m,
                                    const char *origin, bool *dup, struct tk_error *err);

/* tk_store_dmarc_record adds one record to the open report. Any error
 * (a record that is not UTF-8 text, more than 2^53 messages in the
 * report, the database's) rolls the whole report back and closes it. */
enum tk_status tk_store_dmarc_record(struct tk_store *s, const struct tk_dmarc_xml_record *r,
                                     struct tk_error *err);

/* tk_store_dmarc_commit keeps the open report (with its totals:
 * records and messages, which must be the number of records added and
 * the sum of their counts, as tk_dmarc_xml_result's records_delivered
 * and messages are: otherwise TK_USAGE and nothing is kept);
 * tk_store_dmarc_rollback drops it (nothing open: nothing done). After
 * commit, whatever it returns, no report is open. */
enum tk_status tk_store_dmarc_commit(struct tk_store *s, uint64_t records, uint64_t messages,
                                     struct tk_error *err);
void tk_store_dmarc_rollback(struct tk_store *s);

/* tk_store_tlsrpt_put keeps a TLS-RPT report in one transaction; *dup
 * when (organization-name, report-id) was kept before. */
enum tk_status tk_store_tlsrpt_put(struct tk_store *s, const struct tk_tlsrpt_report *r,
                                   const char *origin, bool *dup, struct tk_error *err);

/* The queries take a policy domain (any case; NULL: every domain) and
 * since, the Unix time a report's range must begin at or after (0:
 * unbounded); strings passed to the callbacks live until it returns. */

/* Per domain and UTC day of the report's begin. */
struct tk_dmarc_day {
    const char *domain;
    const char *day; /* "2026-11-28" */
    uint64_t messages;
    uint64_t dmarc_pass;        /* policy_evaluated dkim=pass or spf=pass */
    uint64_t spf_aligned_pass;  /* policy_evaluated spf=pass */
    uint64_t dkim_aligned_pass; /* policy_evaluated dkim=pass */
    uint64_t reports;
};

/* tk_store_dmarc_days walks domain (NULL: every domain) by day. */
enum tk_status tk_store_dmarc_days(struct tk_store *s, const char *domain, int64_t since,
                                   void (*each)(void *arg, const struct tk_dmarc_day *d), void *arg,
                                   struct tk_error *err);

/* One sending source of a domain over the period; the store fills the
 * tally's counts and ip (ptr and org are the caller's: reverse DNS).
 * The lists hold at most TK_STORE_DMARC_LIST_MAX distinct names each,
 * in lower case, sorted, the first ones kept. */
#define TK_STORE_DMARC_LIST_MAX 8
struct tk_dmarc_source {
    const char *domain;
    struct tk_source_tally tally;
    const char *dkim_domains;     /* space-separated d= domains its mail was signed with */
    const char *envelope_domains; /* space-separated envelope-from domains */
};

/* tk_store_dmarc_sources walks the sources of domain (NULL: every
 * domain), by domain then messages, most first. */
enum tk_status tk_store_dmarc_sources(struct tk_store *s, const char *domain, int64_t since,
                                      void (*each)(void *arg, const struct tk_dmarc_source *src),
                                      void *arg, struct tk_error *err);

/* TLS-RPT failures summed by policy domain, reporting organisation,
 * result type, receiving MX ("" when the report names none) and UTC day
 * of the report's start, in that order. */
struct tk_tlsrpt_failure_row {
    const char *domain;
    const char *org;
    const char *result_type;
    const char *mx;
    const char *day;
    uint64_t sessions;
};

enum tk_status tk_store_tlsrpt_failures(struct tk_store *s, const char *domain, int64_t since,
                                        void (*each)(void *arg,
                                                     const struct tk_tlsrpt_failure_row *f),
                                        void *arg, struct tk_error *err);

/* tk_store_dkim_selectors_seen walks (domain, selector) pairs of DKIM
 * results whose d= is the report's policy domain (what tiaki check
 * should test), once each. */
enum tk_status tk_store_dkim_selectors_seen(struct tk_store *s,
                                            void (*each)(void *arg, const char *domain,
                                                         const char *selector),
                                            void *arg, struct tk_error *err);

/* tk_store_report_counts says how many DMARC and TLS-RPT reports, DMARC
 * records and messages the store holds (tests, and `reports summary`). */
struct tk_report_counts {
    uint64_t dmarc_reports, dmarc_records, dmarc_messages, tlsrpt_reports;
};
enum tk_status tk_store_report_counts(struct tk_store *s, struct tk_report_counts *out,
                                      struct tk_error *err);

#endif
