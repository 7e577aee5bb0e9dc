/*
 * NAME
 *	tlsrpt_json.h - SMTP TLS reports (RFC 8460 JSON) parsed
 * SUMMARY
 *	tk_tlsrpt_json_parse(json, len, &report, &err) fills a
 *	tk_tlsrpt_report: who reported, for when, and per policy the session
 *	counts and failure details. tk_tlsrpt_sink collects a payload from a
 *	report source (payload.h) and parses it at its end.
 * DESCRIPTION
 *	Strict where the report would be meaningless (not JSON, duplicate
 *	members, no report-id, organization-name or date-range), tolerant
 *	where reporters differ from the RFC (mx-host as one string, a
 *	missing summary, unknown members, a date-time without offset): what
 *	is dropped or assumed is said in notes.
 */
#ifndef TIAKI_REPORTS_TLSRPT_JSON_H
#define TIAKI_REPORTS_TLSRPT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "record/notes.h"
#include "reports/payload.h"

/* RFC 8460 4.3 policy-type. */
enum tk_tlsrpt_policy_type {
    TK_TLSRPT_POLICY_OTHER = 0, /* a value the RFC does not define (kept in the text) */
    TK_TLSRPT_POLICY_STS,
    TK_TLSRPT_POLICY_TLSA,
    TK_TLSRPT_POLICY_NONE_FOUND, /* "no-policy-found" */
};

/* RFC 8460 4.3 result-type (4.3.1 negotiation, 4.3.2 policy failures). */
enum tk_tlsrpt_result {
    TK_TLSRPT_RESULT_OTHER = 0, /* not defined by the RFC (kept in the text) */
    TK_TLSRPT_RESULT_STARTTLS_NOT_SUPPORTED,
    TK_TLSRPT_RESULT_CERTIFICATE_HOST_MISMATCH,
    TK_TLSRPT_RESULT_CERTIFICATE_EXPIRED,
    TK_TLSRPT_RESULT_CERTIFICATE_NOT_TRUSTED,
    TK_TLSRPT_RESULT_VALIDATION_FAILURE,
    TK_TLSRPT_RESULT_TLSA_INVALID,
    TK_TLSRPT_RESULT_DNSSEC_INVALID,
    TK_TLSRPT_RESULT_DANE_REQUIRED,
    TK_TLSRPT_RESULT_STS_POLICY_FETCH_ERROR,
    TK_TLSRPT_RESULT_STS_POLICY_INVALID,
    TK_TLSRPT_RESULT_STS_WEBPKI_INVALID,
};

/* One failure-details entry. Text members are NULL when absent; every
 * string is NUL-terminated UTF-8 without control bytes, at most
 * TK_TLSRPT_TEXT_MAX bytes. */
struct tk_tlsrpt_failure {
    enum tk_tlsrpt_result result;
    char *result_type; /* as sent (never NULL: entries without it are dropped) */
    char *sending_mta_ip;
    char *receiving_mx_hostname;
    char *receiving_mx_helo;
    char *receiving_ip;
    uint64_t failed_session_count;
    char *additional_information;
    char *failure_reason_code;
};

/* One policies[] entry: the policy applied, and what happened under it. */
struct tk_tlsrpt_policy {
    enum tk_tlsrpt_policy_type type;
    char *policy_type;    /* as sent (never NULL) */
    char *policy_domain;  /* never NULL: entries without it are dropped */
    char **policy_string; /* npolicy_string lines */
    size_t npolicy_string;
    char **mx_host; /* nmx_host names (an array, or the one string some send) */
    size_t nmx_host;
    uint64_t total_successful_session_count;
    uint64_t total_failure_session_count;
    bool has_summary; /* false: the report had none (counts are 0) */
    struct tk_tlsrpt_failure *failures;
    size_t nfailures;
};

struct tk_tlsrpt_report {
    char *organization_name; /* never NULL */
    char *contact_info;      /* NULL when absent */
    char *report_id;         /* never NULL */
    int64_t start;           /* date-range start-datetime, Unix time */
    int64_t end;             /* date-range end-datetime, Unix time */
    struct tk_tlsrpt_policy *policies;
    size_t npolicies;
    size_t failures_total; /* failure-details kept, all policies */
    struct tk_notes notes; /* what was dropped, assumed or ignored */
};

/* tk_tlsrpt_json_parse parses len bytes of JSON at json (not
 * NUL-terminated; a NUL byte in it is an error) into out, which the
 * caller frees with tk_tlsrpt_report_free whatever the result. Returns
 * TK_OK; TK_INVALID for what is not a TLS report (not JSON, duplicate
 * members, a required member missing or of the wrong type, a date that
 * is not RFC 3339) with err saying where; TK_LIMIT when len passes
 * TK_TLSRPT_JSON_MAX or the JSON nests deeper than
 * TK_TLSRPT_JSON_DEPTH_MAX or holds more than TK_TLSRPT_JSON_VALUES_MAX
 * values; TK_NOMEM. Policies, failure details, policy-string lines past
 * their limits (core/limits.h) are dropped with a note. */
enum tk_status tk_tlsrpt_json_parse(const void *json, size_t len, struct tk_tlsrpt_report *out,
                                    struct tk_error *err);

/* tk_tlsrpt_report_free releases what out holds; out is then empty. */
void tk_tlsrpt_report_free(struct tk_tlsrpt_report *r);

/* tk_tlsrpt_time_parse reads an RFC 3339 date-time (section 5.6:
 * "2016-04-01T23:59:59Z", fractions and offsets allowed; 't', 'z' and a
 * space for 'T' accepted) into Unix time. *no_offset is set when the
 * offset was missing (UTC assumed); pass NULL to refuse that. Returns
 * false when s is not one. */
bool tk_tlsrpt_time_parse(const char *s, int64_t *out, bool *no_offset);

/* tk_tlsrpt_result_from and tk_tlsrpt_policy_type_from map the RFC's
 * names (case ignored) to the enums; unknown names give OTHER. */
enum tk_tlsrpt_result tk_tlsrpt_result_from(const char *s);
enum tk_tlsrpt_policy_type tk_tlsrpt_policy_type_from(const char *s);

/* ---- the payload-sink adapter ---- */

/* tk_tlsrpt_report_fn receives each report parsed by a tk_tlsrpt_sink
 * with its origin; the report is freed when it returns. A status other
 * than TK_OK (err set) is returned by the sink's end() (the source then
 * lists the payload as skipped with err's message). */
typedef enum tk_status (*tk_tlsrpt_report_fn)(void *arg, const struct tk_tlsrpt_report *r,
                                              const struct tk_payload_origin *origin,
                                              struct tk_error *err);

struct tk_tlsrpt_sink {
    tk_tlsrpt_report_fn fn;
    void *arg;
    size_t max; /* bytes of one payload held */
    struct tk_buf json;
    struct tk_payload_origin origin;
    bool open;
};

/* tk_tlsrpt_sink_init readies s to hold payloads of at most max bytes
 * (0: TK_TLSRPT_JSON_MAX; more is clamped to it: give the source's
 * decompressed cap) and hand each parsed report to fn(arg, ...). */
void tk_tlsrpt_sink_init(struct tk_tlsrpt_sink *s, size_t max, tk_tlsrpt_report_fn fn, void *arg);

/* tk_tlsrpt_sink_payload returns the payload sink over s: begin refuses
 * anything but TK_PAYLOAD_TLSRPT_JSON (TK_USAGE), data buffers (TK_LIMIT
 * past max), end(complete) parses and calls fn; end(!complete) drops
 * what was buffered. */
struct tk_payload_sink tk_tlsrpt_sink_payload(struct tk_tlsrpt_sink *s);

/* tk_tlsrpt_sink_free releases s's buffer. */
void tk_tlsrpt_sink_free(struct tk_tlsrpt_sink *s);

#endif
