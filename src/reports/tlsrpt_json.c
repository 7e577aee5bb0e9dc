/*
 * NAME
 *	tlsrpt_json.c - SMTP TLS report (RFC 8460) parser over jansson
 * SUMMARY
 *	JSON bytes to a tk_tlsrpt_report; a payload sink that gathers a
 *	report's bytes and parses them at the end.
 * DESCRIPTION
 *	The bytes are checked before jansson sees them: size, nesting depth
 *	and a count of values, all outside strings, so a hostile report
 *	cannot make jansson build a tree of gigabytes or recurse deeply.
 *	jansson then parses with JSON_REJECT_DUPLICATES (two report-ids, or
 *	two summaries, cannot both be right) and rejects invalid UTF-8, NUL
 *	bytes and integers past 64 bits.
 *
 *	Required for the report to be kept: organization-name, report-id
 *	(with the organisation they identify it: the store's key) and
 *	date-range. A policies[] entry without policy-type or policy-domain,
 *	a failure-details entry without result-type, is dropped with a note;
 *	a missing contact-info, summary or offset of a date-time is noted.
 *	Member names are matched as the RFC writes them; unknown members are
 *	noted and ignored (RFC 8460 4.4 lets reporters add them).
 * STANDARDS
 *	RFC 8460 4 (report schema), 4.3 (result types); RFC 3339 5.6
 *	(date-time); RFC 8259 (JSON).
 * LIMITS
 *	TK_TLSRPT_JSON_MAX bytes, TK_TLSRPT_JSON_DEPTH_MAX nesting,
 *	TK_TLSRPT_JSON_VALUES_MAX values, TK_TLSRPT_POLICIES_MAX policies,
 *	TK_TLSRPT_FAILURES_MAX failure details in a report,
 *	TK_TLSRPT_POLICY_STRINGS_MAX policy-string lines and mx-host names
 *	per policy, TK_TLSRPT_TEXT_MAX bytes per text (longer: dropped).
 * SECURITY
 *	Input is read through tk_cursor (the pre-check) and jansson. Every
 *	kept text has its control bytes replaced (tk_text_sanitise); error
 *	messages and notes are plain ASCII.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/limits.h"
#include "core/text.h"
#include "reports/tlsrpt_json.h"

/* Bytes of a member name or value quoted in notes. */
#define SHOW_MAX 40

/* ---- the pre-check ---- */

/* json_shape walks the bytes outside strings: nesting depth and a count
 * of values (containers and separators), before any tree is built. */
static enum tk_status json_shape(const void *json, size_t len, struct tk_error *err)
{
    size_t depth = 0, values = 0;
    bool in_string = false;
    struct tk_cursor c;
    int ch;

    tk_cursor_init(&c, json, len);
    while ((ch = tk_cursor_next(&c)) >= 0) {
        if (in_string) {
            if (ch == '\\')
                tk_cursor_next(&c);
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > TK_TLSRPT_JSON_DEPTH_MAX)
                return tk_error_set(err, TK_LIMIT, "JSON nested more than %d deep",
                                    TK_TLSRPT_JSON_DEPTH_MAX);
            values++;
        } else if (ch == '}' || ch == ']') {
            if (depth > 0)
                depth--;
        } else if (ch == ',') {
            values++;
        }
        if (values > TK_TLSRPT_JSON_VALUES_MAX)
            return tk_error_set(err, TK_LIMIT, "more than %d JSON values",
                                TK_TLSRPT_JSON_VALUES_MAX);
    }
    return TK_OK;
}

/* ---- small helpers ---- */

/* ascii_only makes s plain printable ASCII, for notes and errors. */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

static enum tk_status invalid(struct tk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum tk_status invalid(struct tk_error *err, const char *fmt, ...)
{
    char msg[TK_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ascii_only(msg);
    return tk_error_set(err, TK_INVALID, "%s", msg);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* text_dup copies a JSON string: NULL (with a note) when it is not one
 * or is too long; *nomem on allocation failure. */
static char *text_dup(const json_t *v, const char *where, struct tk_tlsrpt_report *r, bool *nomem)
{
    size_t n;
    char *s;

    if (!json_is_string(v)) {
        tk_notes_add(&r->notes, "%s is %s, not a string: ignored", where, type_name(v));
        return NULL;
    }
    n = json_string_length(v);
    if (n > TK_TLSRPT_TEXT_MAX) {
        tk_notes_add(&r->notes, "%s is longer than %d bytes: ignored", where, TK_TLSRPT_TEXT_MAX);
        return NULL;
    }
    if ((s = malloc(n + 1)) == NULL) {
        *nomem = true;
        return NULL;
    }
    memcpy(s, json_string_value(v), n + 1);
    tk_text_sanitise(s);
    return s;
}

/* count_get reads a session count: a non-negative integer (a whole real
 * number or a string of digits is taken with a note). */
static uint64_t count_get(const json_t *v, const char *where, struct tk_tlsrpt_report *r)
{
    const char *s;
    char *end;
    unsigned long long u;

    if (v == NULL)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        return (uint64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 9007199254740992.0 &&
        json_real_value(v) == (double)(uint64_t)json_real_value(v)) {
        tk_notes_add(&r->notes, "%s is a real number: read as %.0f", where, json_real_value(v));
        return (uint64_t)json_real_value(v);
    }
    if (json_is_string(v) && (s = json_string_value(v))[0] >= '0' && s[0] <= '9' &&
        strlen(s) <= 19) {
        u = strtoull(s, &end, 10);
        if (*end == '\0') {
            tk_notes_add(&r->notes, "%s is a string: read as %llu", where, u);
            return (uint64_t)u;
        }
    }
    tk_notes_add(&r->notes, "%s is not a count (%s): read as 0", where,
                 json_is_integer(v) ? "negative" : type_name(v));
    return 0;
}

/* unknown_members notes members of obj not in known (NULL-ended). */
static void unknown_members(json_t *obj, const char *const *known, const char *where,
                            struct tk_tlsrpt_report *r)
{
    const char *key;
    json_t *v;
    size_t i;

    json_object_foreach(obj, key, v)
    {
        for (i = 0; known[i] != NULL; i++)
            if (strcmp(key, known[i]) == 0)
                break;
        if (known[i] == NULL)
            tk_notes_add(&r->notes, "unknown member '%.*s' in %s: ignored", SHOW_MAX, key, where);
    }
}

/* string_list reads a list of strings, or one string (mx-host as some
 * reporters send it), into *out / *n, at most TK_TLSRPT_POLICY_STRINGS_MAX. */
static enum tk_status string_list(const json_t *v, const char *where, char ***out, size_t *n,
                                  struct tk_tlsrpt_report *r)
{
    size_t i, count = json_is_array(v) ? json_array_size(v) : 1;
    bool nomem = false;
    char *s;

    *out = NULL;
    *n = 0;
    if (v == NULL)
        return TK_OK;
    if (!json_is_array(v) && !json_is_string(v)) {
        tk_notes_add(&r->notes, "%s is %s, not a list of strings: ignored", where, type_name(v));
        return TK_OK;
    }
    if (count > TK_TLSRPT_POLICY_STRINGS_MAX) {
        tk_notes_add(&r->notes, "%s has %zu items: the first %d kept", where, count,
                     TK_TLSRPT_POLICY_STRINGS_MAX);
        count = TK_TLSRPT_POLICY_STRINGS_MAX;
    }
    if (count == 0)
        return TK_OK;
    if ((*out = calloc(count, sizeof(**out))) == NULL)
        return TK_NOMEM;
    for (i = 0; i < count; i++) {
        s = text_dup(json_is_array(v) ? json_array_get(v, i) : v, where, r, &nomem);
        if (nomem)
            return TK_NOMEM;
        if (s != NULL)
            (*out)[(*n)++] = s;
    }
    return TK_OK;
}

/* ---- names ---- */

static const struct {
    const char *name;
    enum tk_tlsrpt_result result;
} result_names[] = {
    {"starttls-not-supported", TK_TLSRPT_RESULT_STARTTLS_NOT_SUPPORTED},
    {"certificate-host-mismatch", TK_TLSRPT_RESULT_CERTIFICATE_HOST_MISMATCH},
    {"certificate-expired", TK_TLSRPT_RESULT_CERTIFICATE_EXPIRED},
    {"certificate-not-trusted", TK_TLSRPT_RESULT_CERTIFICATE_NOT_TRUSTED},
    {"validation-failure", TK_TLSRPT_RESULT_VALIDATION_FAILURE},
    {"tlsa-invalid", TK_TLSRPT_RESULT_TLSA_INVALID},
    {"dnssec-invalid", TK_TLSRPT_RESULT_DNSSEC_INVALID},
    {"dane-required", TK_TLSRPT_RESULT_DANE_REQUIRED},
    {"sts-policy-fetch-error", TK_TLSRPT_RESULT_STS_POLICY_FETCH_ERROR},
    {"sts-policy-invalid", TK_TLSRPT_RESULT_STS_POLICY_INVALID},
    {"sts-webpki-invalid", TK_TLSRPT_RESULT_STS_WEBPKI_INVALID},
};

enum tk_tlsrpt_result tk_tlsrpt_result_from(const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < sizeof(result_names) / sizeof(result_names[0]); i++)
        if (strcasecmp(s, result_names[i].name) == 0)
            return result_names[i].result;
    return TK_TLSRPT_RESULT_OTHER;
}

enum tk_tlsrpt_policy_type tk_tlsrpt_policy_type_from(const char *s)
{
    if (s == NULL)
        return TK_TLSRPT_POLICY_OTHER;
    if (strcasecmp(s, "sts") == 0)
        return TK_TLSRPT_POLICY_STS;
    if (strcasecmp(s, "tlsa") == 0)
        return TK_TLSRPT_POLICY_TLSA;
    if (strcasecmp(s, "no-policy-found") == 0)
        return TK_TLSRPT_POLICY_NONE_FOUND;
    return TK_TLSRPT_POLICY_OTHER;
}

/* ---- RFC 3339 ---- */

/* digits reads exactly n decimal digits. */
static bool digits(struct tk_cursor *c, int n, int *out)
{
    int v = 0, ch;

    while (n-- > 0) {
        ch = tk_cursor_next(c);
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *out = v;
    return true;
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* time_offset reads "Z" or "+HH:MM" (or "+HHMM") into seconds east. */
static bool time_offset(struct tk_cursor *c, int *east, bool *none)
{
    int sign, oh, om;

    *east = 0;
    *none = false;
    if (tk_cursor_eof(c)) {
        *none = true;
        return true;
    }
    if (tk_cursor_take(c, 'Z') || tk_cursor_take(c, 'z'))
        return tk_cursor_eof(c);
    if (tk_cursor_take(c, '+'))
        sign = 1;
    else if (tk_cursor_take(c, '-'))
        sign = -1;
    else
        return false;
    if (!digits(c, 2, &oh))
        return false;
    tk_cursor_take(c, ':');
    if (!digits(c, 2, &om) || oh > 23 || om > 59)
        return false;
    *east = sign * (oh * 3600 + om * 60);
    return tk_cursor_eof(c);
}

bool tk_tlsrpt_time_parse(const char *s, int64_t *out, bool *no_offset)
{
    int y, mo, d, h, mi, sec, east;
    bool none;
    struct tk_cursor c;

    if (s == NULL)
        return false;
    tk_cursor_init(&c, s, strlen(s));
    if (!digits(&c, 4, &y) || !tk_cursor_take(&c, '-') || !digits(&c, 2, &mo) ||
        !tk_cursor_take(&c, '-') || !digits(&c, 2, &d))
        return false;
    if (!tk_cursor_take(&c, 'T') && !tk_cursor_take(&c, 't') && !tk_cursor_take(&c, ' '))
        return false;
    if (!digits(&c, 2, &h) || !tk_cursor_take(&c, ':') || !digits(&c, 2, &mi) ||
        !tk_cursor_take(&c, ':') || !digits(&c, 2, &sec))
        return false;
    if (tk_cursor_take(&c, '.')) {
        if (!tk_char_is_digit(tk_cursor_peek(&c)))
            return false;
        while (tk_char_is_digit(tk_cursor_peek(&c)))
            tk_cursor_next(&c);
    }
    if (!time_offset(&c, &east, &none))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60)
        return false;
    if (none && no_offset == NULL)
        return false;
    if (no_offset != NULL)
        *no_offset = none;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - east;
    return true;
}

/* ---- the report ---- */

struct parse {
    struct tk_tlsrpt_report *r;
    struct tk_error *err;
    bool nomem;
};

static void failure_free(struct tk_tlsrpt_failure *f)
{
    free(f->result_type);
    free(f->sending_mta_ip);
    free(f->receiving_mx_hostname);
    free(f->receiving_mx_helo);
    free(f->receiving_ip);
    free(f->additional_information);
    free(f->failure_reason_code);
}

static void strings_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void policy_free(struct tk_tlsrpt_policy *p)
{
    size_t i;

    free(p->policy_type);
    free(p->policy_domain);
    strings_free(p->policy_string, p->npolicy_string);
    strings_free(p->mx_host, p->nmx_host);
    for (i = 0; i < p->nfailures; i++)
        failure_free(&p->failures[i]);
    free(p->failures);
}

void tk_tlsrpt_report_free(struct tk_tlsrpt_report *r)
{
    size_t i;

    if (r == NULL)
        return;
    free(r->organization_name);
    free(r->contact_info);
    free(r->report_id);
    for (i = 0; i < r->npolicies; i++)
        policy_free(&r->policies[i]);
    free(r->policies);
    memset(r, 0, sizeof(*r));
}

/* opt_text copies member key of obj when present (a note when unusable). */
static char *opt_text(struct parse *ps, json_t *obj, const char *key, const char *where)
{
    json_t *v = json_object_get(obj, key);
    char label[96];

    if (v == NULL)
        return NULL;
    snprintf(label, sizeof(label), "%s %s", where, key);
    return text_dup(v, label, ps->r, &ps->nomem);
}

static const char *const failure_members[] = {"result-type",
                                              "sending-mta-ip",
                                              "receiving-mx-hostname",
                                              "receiving-mx-helo",
                                              "receiving-ip",
                                              "failed-session-count",
                                              "additional-information",
                                              "failure-reason-code",
                                              NULL};

/* failure_parse reads one failure-details entry; false: dropped. */
static bool failure_parse(struct parse *ps, json_t *v, size_t pi, size_t fi,
                          struct tk_tlsrpt_failure *f)
{
    char where[64];

    snprintf(where, sizeof(where), "policies[%zu] failure-details[%zu]", pi, fi);
    memset(f, 0, sizeof(*f));
    if (!json_is_object(v)) {
        tk_notes_add(&ps->r->notes, "%s is %s, not an object: dropped", where, type_name(v));
        return false;
    }
    f->result_type = opt_text(ps, v, "result-type", where);
    if (f->result_type == NULL) {
        if (!ps->nomem)
            tk_notes_add(&ps->r->notes, "%s has no result-type: dropped", where);
        return false;
    }
    f->result = tk_tlsrpt_result_from(f->result_type);
    f->sending_mta_ip = opt_text(ps, v, "sending-mta-ip", where);
    f->receiving_mx_hostname = opt_text(ps, v, "receiving-mx-hostname", where);
    f->receiving_mx_helo = opt_text(ps, v, "receiving-mx-helo", where);
    f->receiving_ip = opt_text(ps, v, "receiving-ip", where);
    f->additional_information = opt_text(ps, v, "additional-information", where);
    f->failure_reason_code = opt_text(ps, v, "failure-reason-code", where);
    f->failed_session_count = count_get(json_object_get(v, "failed-session-count"), where, ps->r);
    unknown_members(v, failure_members, where, ps->r);
    return true;
}

static enum tk_status failures_parse(struct parse *ps, json_t *arr, size_t pi,
                                     struct tk_tlsrpt_policy *p)
{
    struct tk_tlsrpt_report *r = ps->r;
    size_t i, n;

    if (arr == NULL)
        return TK_OK;
    if (!json_is_array(arr)) {
        tk_notes_add(&r->notes, "policies[%zu] failure-details is %s, not an array: ignored", pi,
                     type_name(arr));
        return TK_OK;
    }
    n = json_array_size(arr);
    if (n > TK_TLSRPT_FAILURES_MAX - r->failures_total) {
        tk_notes_add(&r->notes, "more than %d failure-details in the report: the rest dropped",
                     TK_TLSRPT_FAILURES_MAX);
        n = TK_TLSRPT_FAILURES_MAX - r->failures_total;
    }
    if (n == 0)
        return TK_OK;
    if ((p->failures = calloc(n, sizeof(*p->failures))) == NULL)
        return TK_NOMEM;
    for (i = 0; i < n; i++) {
        if (failure_parse(ps, json_array_get(arr, i), pi, i, &p->failures[p->nfailures]))
            p->nfailures++;
        else
            failure_free(&p->failures[p->nfailures]);
        if (ps->nomem)
            return TK_NOMEM;
    }
    r->failures_total += p->nfailures;
    return TK_OK;
}

static const char *const policy_members[] = {"policy-type", "policy-string", "policy-domain",
                                             "mx-host", NULL};
static const char *const summary_members[] = {"total-successful-session-count",
                                              "total-failure-session-count", NULL};
static const char *const entry_members[] = {"policy", "summary", "failure-details", NULL};

static void summary_parse(struct parse *ps, json_t *sum, const char *where,
                          struct tk_tlsrpt_policy *p)
{
    if (sum == NULL || !json_is_object(sum)) {
        tk_notes_add(&ps->r->notes, "%s has no summary: counts taken as 0", where);
        return;
    }
    p->has_summary = true;
    p->total_successful_session_count =
        count_get(json_object_get(sum, "total-successful-session-count"), where, ps->r);
    p->total_failure_session_count =
        count_get(json_object_get(sum, "total-failure-session-count"), where, ps->r);
    unknown_members(sum, summary_members, where, ps->r);
}

/* policy_parse reads policies[pi]; false: dropped (or out of memory). */
static bool policy_parse(struct parse *ps, json_t *v, size_t pi, struct tk_tlsrpt_policy *p)
{
    struct tk_tlsrpt_report *r = ps->r;
    char where[32];
    json_t *pol;

    snprintf(where, sizeof(where), "policies[%zu]", pi);
    memset(p, 0, sizeof(*p));
    if (!json_is_object(v) || !json_is_object(pol = json_object_get(v, "policy"))) {
        tk_notes_add(&r->notes, "%s has no policy object: dropped", where);
        return false;
    }
    p->policy_type = opt_text(ps, pol, "policy-type", where);
    p->policy_domain = opt_text(ps, pol, "policy-domain", where);
    if (p->policy_type == NULL || p->policy_domain == NULL) {
        if (!ps->nomem)
            tk_notes_add(&r->notes, "%s has no policy-type or policy-domain: dropped", where);
        return false;
    }
    p->type = tk_tlsrpt_policy_type_from(p->policy_type);
    if (p->type == TK_TLSRPT_POLICY_OTHER)
        tk_notes_add(&r->notes, "%s policy-type '%.*s' is not one of RFC 8460's", where, SHOW_MAX,
                     p->policy_type);
    if (string_list(json_object_get(pol, "policy-string"), "policy-string", &p->policy_string,
                    &p->npolicy_string, r) != TK_OK ||
        string_list(json_object_get(pol, "mx-host"), "mx-host", &p->mx_host, &p->nmx_host, r) !=
            TK_OK) {
        ps->nomem = true;
        return false;
    }
    unknown_members(pol, policy_members, where, r);
    summary_parse(ps, json_object_get(v, "summary"), where, p);
    unknown_members(v, entry_members, where, r);
    if (failures_parse(ps, json_object_get(v, "failure-details"), pi, p) != TK_OK) {
        ps->nomem = true;
        return false;
    }
    return true;
}

static enum tk_status policies_parse(struct parse *ps, json_t *arr)
{
    struct tk_tlsrpt_report *r = ps->r;
    size_t i, n;

    if (arr == NULL) {
        tk_notes_add(&r->notes, "no policies: a report of nothing");
        return TK_OK;
    }
    if (!json_is_array(arr))
        return invalid(ps->err, "TLS report: policies is %s, not an array", type_name(arr));
    n = json_array_size(arr);
    if (n > TK_TLSRPT_POLICIES_MAX) {
        tk_notes_add(&r->notes, "%zu policies: the first %d kept", n, TK_TLSRPT_POLICIES_MAX);
        n = TK_TLSRPT_POLICIES_MAX;
    }
    if (n == 0)
        return TK_OK;
    if ((r->policies = calloc(n, sizeof(*r->policies))) == NULL)
        return tk_error_set(ps->err, TK_NOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        if (policy_parse(ps, json_array_get(arr, i), i, &r->policies[r->npolicies]))
            r->npolicies++;
        else
            policy_free(&r->policies[r->npolicies]);
        if (ps->nomem)
            return tk_error_set(ps->err, TK_NOMEM, "out of memory");
    }
    return TK_OK;
}

/* required_text copies a required member of the report. */
static enum tk_status required_text(struct parse *ps, json_t *root, const char *key, char **out)
{
    json_t *v = json_object_get(root, key);

    if (v == NULL)
        return invalid(ps->err, "TLS report: no %s", key);
    if (!json_is_string(v))
        return invalid(ps->err, "TLS report: %s is %s, not a string", key, type_name(v));
    if (json_string_length(v) == 0)
        return invalid(ps->err, "TLS report: %s is empty", key);
    *out = text_dup(v, key, ps->r, &ps->nomem);
    if (ps->nomem)
        return tk_error_set(ps->err, TK_NOMEM, "out of memory");
    if (*out == NULL)
        return invalid(ps->err, "TLS report: %s is longer than %d bytes", key, TK_TLSRPT_TEXT_MAX);
    return TK_OK;
}

static enum tk_status date_one(struct parse *ps, json_t *range, const char *key, int64_t *out)
{
    json_t *v = json_object_get(range, key);
    bool none = false;

    if (!json_is_string(v))
        return invalid(ps->err, "TLS report: date-range has no %s string", key);
    if (!tk_tlsrpt_time_parse(json_string_value(v), out, &none))
        return invalid(ps->err, "TLS report: %s '%.*s' is not an RFC 3339 date-time", key, SHOW_MAX,
                       json_string_value(v));
    if (none)
        tk_notes_add(&ps->r->notes, "%s '%.*s' has no time offset: UTC assumed", key, SHOW_MAX,
                     json_string_value(v));
    return TK_OK;
}

static enum tk_status date_range(struct parse *ps, json_t *root)
{
    json_t *range = json_object_get(root, "date-range");
    enum tk_status st;

    if (!json_is_object(range))
        return invalid(ps->err, "TLS report: no date-range object");
    if ((st = date_one(ps, range, "start-datetime", &ps->r->start)) != TK_OK ||
        (st = date_one(ps, range, "end-datetime", &ps->r->end)) != TK_OK)
        return st;
    if (ps->r->end < ps->r->start)
        tk_notes_add(&ps->r->notes, "date-range ends before it starts");
    return TK_OK;
}

static const char *const report_members[] = {"organization-name", "date-range", "contact-info",
                                             "report-id",         "policies",   NULL};

static enum tk_status report_parse(struct parse *ps, json_t *root)
{
    enum tk_status st;
    json_t *v;

    if (!json_is_object(root))
        return invalid(ps->err, "TLS report: the JSON is %s, not an object", type_name(root));
    if ((st = required_text(ps, root, "organization-name", &ps->r->organization_name)) != TK_OK ||
        (st = required_text(ps, root, "report-id", &ps->r->report_id)) != TK_OK ||
        (st = date_range(ps, root)) != TK_OK)
        return st;
    if ((v = json_object_get(root, "contact-info")) == NULL)
        tk_notes_add(&ps->r->notes, "no contact-info");
    else
        ps->r->contact_info = text_dup(v, "contact-info", ps->r, &ps->nomem);
    if (ps->nomem)
        return tk_error_set(ps->err, TK_NOMEM, "out of memory");
    unknown_members(root, report_members, "the report", ps->r);
    return policies_parse(ps, json_object_get(root, "policies"));
}

enum tk_status tk_tlsrpt_json_parse(const void *json, size_t len, struct tk_tlsrpt_report *out,
                                    struct tk_error *err)
{
    struct parse ps = {out, err, false};
    json_error_t jerr;
    enum tk_status st;
    json_t *root;

    memset(out, 0, sizeof(*out));
    if (json == NULL && len > 0)
        return tk_error_set(err, TK_USAGE, "TLS report: no bytes");
    if (len > TK_TLSRPT_JSON_MAX)
        return tk_error_set(err, TK_LIMIT, "TLS report: larger than %zu bytes", TK_TLSRPT_JSON_MAX);
    if ((st = json_shape(json, len, err)) != TK_OK)
        return st;
    root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return invalid(err, "TLS report: not valid JSON: %s (line %d, column %d)", jerr.text,
                       jerr.line, jerr.column);
    st = report_parse(&ps, root);
    json_decref(root);
    if (st != TK_OK)
        tk_tlsrpt_report_free(out);
    return st;
}

/* ---- the payload sink ---- */

static enum tk_status sink_begin(void *arg, enum tk_payload_kind kind,
                                 const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct tk_tlsrpt_sink *s = arg;

    tk_buf_reset(&s->json);
    s->open = false;
    if (kind != TK_PAYLOAD_TLSRPT_JSON)
        return tk_error_set(err, TK_USAGE, "not a TLS report (RFC 8460 JSON)");
    if (origin != NULL)
        s->origin = *origin;
    else
        s->origin.text[0] = '\0';
    s->open = true;
    return TK_OK;
}

static enum tk_status sink_data(void *arg, const void *buf, size_t len, struct tk_error *err)
{
    struct tk_tlsrpt_sink *s = arg;

    if (!s->open)
        return tk_error_set(err, TK_USAGE, "TLS report data outside a payload");
    if (len > s->max - s->json.len)
        return tk_error_set(err, TK_LIMIT, "TLS report larger than %zu bytes", s->max);
    if (tk_buf_append(&s->json, buf, len) != TK_OK)
        return tk_error_set(err, TK_NOMEM, "out of memory holding a TLS report");
    return TK_OK;
}

static enum tk_status sink_end(void *arg, bool complete, const char *why, struct tk_error *err)
{
    struct tk_tlsrpt_sink *s = arg;
    struct tk_tlsrpt_report r;
    enum tk_status st;

    (void)why;
    if (!s->open || !complete) {
        s->open = false;
        tk_buf_reset(&s->json);
        return TK_OK;
    }
    s->open = false;
    st = tk_tlsrpt_json_parse(s->json.data, s->json.len, &r, err);
    tk_buf_reset(&s->json);
    if (st == TK_OK && s->fn != NULL)
        st = s->fn(s->arg, &r, &s->origin, err);
    tk_tlsrpt_report_free(&r);
    return st;
}

void tk_tlsrpt_sink_init(struct tk_tlsrpt_sink *s, size_t max, tk_tlsrpt_report_fn fn, void *arg)
{
    memset(s, 0, sizeof(*s));
    s->max = max == 0 || max > TK_TLSRPT_JSON_MAX ? TK_TLSRPT_JSON_MAX : max;
    s->fn = fn;
    s->arg = arg;
}

struct tk_payload_sink tk_tlsrpt_sink_payload(struct tk_tlsrpt_sink *s)
{
    struct tk_payload_sink sink = {sink_begin, sink_data, sink_end, s};

    return sink;
}

void tk_tlsrpt_sink_free(struct tk_tlsrpt_sink *s)
{
    tk_buf_free(&s->json);
    s->open = false;
}
