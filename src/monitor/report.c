/*
 * NAME
 *	report.c - the all-of-government compliance report, as data
 * DESCRIPTION
 *	tk_report_add counts one finding row at a time into the figures of
 *	all of government (r->total) and of the row's agency: per rule, how
 *	many domains pass, fail, warn or are unknown; per agency, how many
 *	domains there are and how many are compliant. A domain is counted
 *	when its first row arrives (rows of one domain come together), and
 *	its compliance is the one that row carries. A domain that is not
 *	compliant gets an entry in r->domains on its first row, and every
 *	finding of it that does not pass becomes one of its issues, so the
 *	list holds exactly domains - compliant entries, in the order the
 *	rows came (the store's: agency, then domain).
 *
 *	Agencies are kept in byte order of their names (binary search, the
 *	array grows by doubling). Rules within an agency are kept in the
 *	order of the rule table (rules.h), so every format lists them as
 *	tiaki check does; a rule the table does not know (a newer tiaki's,
 *	or one of the filter's) comes after the table's, in order of
 *	arrival, with the level its row gives.
 *
 *	The summary kept for the next report is JSON:
 *	  {"version": 1, "at": <Unix time>,
 *	   "total": {"domains": n, "compliant": n,
 *	             "rules": {"SPF-HARDFAIL": {"pass": n, "fail": n,
 *	                                       "warn": n, "unknown": n}, ...}},
 *	   "agencies": {"<name>": {same as total}, ...}}
 *	tk_report_trend reads it back and sets the prev_* figures.
 * LIMITS
 *	TK_REPORT_AGENCIES_MAX agencies, then "(other agencies)";
 *	TK_REPORT_RULES_MAX rules per agency (more: TK_LIMIT); issues per
 *	domain likewise; evidence and remediation cut at TK_EVIDENCE_MAX and
 *	TK_REMEDIATION_MAX with a visible "..."; a summary is read only up
 *	to TK_REPORT_SUMMARY_MAX bytes.
 * SECURITY
 *	Every string of a row is influenced by whoever publishes the records
 *	or writes the inventory. Names are copied with their length checked
 *	(a name too long for its field is refused, never cut) and, like the
 *	evidence, made valid UTF-8 without control bytes (tk_text_sanitise),
 *	so a renderer and jansson always get text they can take. Renderers
 *	still escape everything for their format.
 *
 *	The summary comes from our own store but is read as untrusted: not
 *	JSON, not an object, or no "total" object is TK_INVALID; a figure of
 *	the wrong type, negative, past a long, or whose rule's counts do not
 *	add up without overflow is ignored (it stays -1, "no previous
 *	figure"). Nothing read is used to size an allocation.
 */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "monitor/report.h"

#define REPORT_TOTAL_NAME "(all of government)"
#define REPORT_OTHER_NAME "(other agencies)"
#define REPORT_SUMMARY_VERSION 1
/* Arrays start with room for this many elements and double when full. */
#define REPORT_ALLOC_MIN 8

/* A row's names, checked and made safe. */
struct report_row {
    char domain[TK_DOMAIN_MAX + 1];
    char agency[TK_STORE_TEXT_MAX];
    char contact[TK_STORE_TEXT_MAX];
    char rule[TK_RULE_ID_MAX];
    const char *level; /* static */
};

static void report_agency_init(struct tk_report_agency *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    tk_strlcpy(a->name, name, sizeof(a->name));
    a->prev_domains = a->prev_compliant = -1;
}

void tk_report_init(struct tk_report *r, int64_t at)
{
    memset(r, 0, sizeof(*r));
    r->at = at;
    report_agency_init(&r->total, REPORT_TOTAL_NAME);
}

/* report_room returns arr (n elements of size bytes) with room for one
 * more, moved if need be, or NULL (arr untouched) when out of memory.
 * The data model keeps no capacity: it is REPORT_ALLOC_MIN, doubled
 * each time n reaches a power of two past it, so it follows from n. */
static void *report_room(void *arr, size_t n, size_t size)
{
    size_t cap;

    if (arr && (n < REPORT_ALLOC_MIN || (n & (n - 1)) != 0))
        return arr;
    cap = n < REPORT_ALLOC_MIN ? REPORT_ALLOC_MIN : n * 2;
    if (cap > SIZE_MAX / size)
        return NULL;
    return realloc(arr, cap * size);
}

/* report_name copies text (NULL: "") into dst, made safe to show; false
 * when it does not fit (truncation is an error). */
static bool report_name(char *dst, size_t dstsize, const char *text)
{
    if (!tk_strlcpy(dst, text ? text : "", dstsize))
        return false;
    tk_text_sanitise(dst);
    return true;
}

/* report_text returns a malloc'd safe copy of text (NULL: ""), cut at
 * max bytes with "..." after it; NULL when out of memory. */
static char *report_text(const char *text, size_t max)
{
    size_t n = text ? strnlen(text, max) : 0;
    bool cut = text && text[n] != '\0';
    char *s = malloc(n + sizeof("..."));

    if (!s)
        return NULL;
    memcpy(s, text ? text : "", n);
    s[n] = '\0';
    tk_text_sanitise(s); /* drops a sequence the cut split */
    if (cut)
        strcat(s, "...");
    return s;
}

/* report_level names a rule's level: the rule table's when it knows the
 * rule (the table defines it), else the row's if it is a level name. */
static const char *report_level(const char *rule, const char *level)
{
    const struct tk_rule *known = tk_rule_find(rule);
    int l;

    if (known)
        return tk_level_name(known->level);
    for (l = TK_LEVEL_MUST; l <= TK_LEVEL_INFO; l++)
        if (level && strcmp(level, tk_level_name((enum tk_level)l)) == 0)
            return tk_level_name((enum tk_level)l);
    return "?";
}

static enum tk_status report_row_read(const struct tk_finding_row *in, struct report_row *out)
{
    if (!in->domain || !in->domain[0] || !in->rule || !in->rule[0] ||
        (unsigned)in->status > TK_VERDICT_UNKNOWN)
        return TK_INVALID;
    if (!report_name(out->domain, sizeof(out->domain), in->domain) ||
        !report_name(out->agency, sizeof(out->agency), in->agency) ||
        !report_name(out->contact, sizeof(out->contact), in->contact) ||
        !report_name(out->rule, sizeof(out->rule), in->rule))
        return TK_INVALID;
    out->level = report_level(out->rule, in->level);
    return TK_OK;
}

/* report_agency returns the agency named name, added in name order when
 * new; past TK_REPORT_AGENCIES_MAX a new name counts under "(other
 * agencies)". NULL when out of memory. */
static struct tk_report_agency *report_agency(struct tk_report *r, const char *name)
{
    size_t lo = 0, hi = r->nagencies;
    void *p;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(r->agencies[mid].name, name);

        if (cmp == 0)
            return &r->agencies[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (r->nagencies >= TK_REPORT_AGENCIES_MAX && strcmp(name, REPORT_OTHER_NAME) != 0)
        return report_agency(r, REPORT_OTHER_NAME);
    if (!(p = report_room(r->agencies, r->nagencies, sizeof(*r->agencies))))
        return NULL;
    r->agencies = p;
    memmove(&r->agencies[lo + 1], &r->agencies[lo], (r->nagencies - lo) * sizeof(*r->agencies));
    report_agency_init(&r->agencies[lo], name);
    r->nagencies++;
    return &r->agencies[lo];
}

/* report_rule_rank is the rule's row in the rule table; rules it does
 * not know rank after all of it. */
static size_t report_rule_rank(const char *rule)
{
    size_t i;

    for (i = 0; tk_rules[i].id; i++)
        if (strcmp(tk_rules[i].id, rule) == 0)
            return i;
    return i;
}

/* report_count returns the agency's counts of the row's rule, added in
 * rule-table order when new; NULL when the agency has
 * TK_REPORT_RULES_MAX rules already. */
static struct tk_report_count *report_count(struct tk_report_agency *a,
                                            const struct report_row *row)
{
    struct tk_report_count *c;
    size_t i, rank;

    for (i = 0; i < a->nrules; i++)
        if (strcmp(a->rules[i].rule, row->rule) == 0)
            return &a->rules[i];
    if (a->nrules == TK_REPORT_RULES_MAX)
        return NULL;
    rank = report_rule_rank(row->rule);
    for (i = 0; i < a->nrules && report_rule_rank(a->rules[i].rule) <= rank; i++)
        ;
    memmove(&a->rules[i + 1], &a->rules[i], (a->nrules - i) * sizeof(a->rules[0]));
    a->nrules++;
    c = &a->rules[i];
    memset(c, 0, sizeof(*c));
    tk_strlcpy(c->rule, row->rule, sizeof(c->rule));
    c->level = row->level;
    c->prev_pass = c->prev_total = -1;
    return c;
}

static void report_tally(struct tk_report_count *c, enum tk_verdict v)
{
    switch (v) {
    case TK_VERDICT_PASS:
        c->pass++;
        break;
    case TK_VERDICT_FAIL:
        c->fail++;
        break;
    case TK_VERDICT_WARN:
        c->warn++;
        break;
    case TK_VERDICT_UNKNOWN:
        c->unknown++;
        break;
    }
}

/* report_domain_begin counts a domain at its first row, and lists it
 * when it is not compliant. */
static enum tk_status report_domain_begin(struct tk_report *r, struct tk_report_agency *a,
                                          const struct report_row *row,
                                          const struct tk_finding_row *in)
{
    if (!in->compliant) {
        struct tk_report_domain *d;
        void *p = report_room(r->domains, r->ndomains, sizeof(*r->domains));

        if (!p)
            return TK_NOMEM;
        r->domains = p;
        d = &r->domains[r->ndomains++];
        memset(d, 0, sizeof(*d));
        tk_strlcpy(d->domain, row->domain, sizeof(d->domain));
        tk_strlcpy(d->agency, row->agency, sizeof(d->agency));
        tk_strlcpy(d->contact, row->contact, sizeof(d->contact));
        d->scanned_at = in->scanned_at;
    }
    tk_strlcpy(r->cur, row->domain, sizeof(r->cur));
    r->total.domains++;
    a->domains++;
    if (in->compliant) {
        r->total.compliant++;
        a->compliant++;
    }
    return TK_OK;
}

/* report_issue_add lists a finding that does not pass under the current
 * domain, when that domain is listed (not compliant). */
static enum tk_status report_issue_add(struct tk_report *r, const struct report_row *row,
                                       const struct tk_finding_row *in)
{
    struct tk_report_domain *d;
    struct tk_report_issue *is;
    void *p;

    if (r->ndomains == 0 || strcmp(r->domains[r->ndomains - 1].domain, r->cur) != 0)
        return TK_OK;
    d = &r->domains[r->ndomains - 1];
    if (d->nissues == TK_REPORT_RULES_MAX)
        return TK_LIMIT;
    if (!(p = report_room(d->issues, d->nissues, sizeof(*d->issues))))
        return TK_NOMEM;
    d->issues = p;
    is = &d->issues[d->nissues];
    memset(is, 0, sizeof(*is));
    tk_strlcpy(is->rule, row->rule, sizeof(is->rule));
    is->level = row->level;
    is->status = in->status;
    is->evidence = report_text(in->evidence, TK_EVIDENCE_MAX - 1);
    is->remediation = report_text(in->remediation, TK_REMEDIATION_MAX - 1);
    if (!is->evidence || !is->remediation) {
        free(is->evidence);
        free(is->remediation);
        return TK_NOMEM;
    }
    d->nissues++;
    return TK_OK;
}

enum tk_status tk_report_add(struct tk_report *r, const struct tk_finding_row *in)
{
    struct report_row row;
    struct tk_report_agency *a;
    struct tk_report_count *tc, *ac;
    enum tk_status st;

    if ((st = report_row_read(in, &row)) != TK_OK)
        return st;
    if (!(a = report_agency(r, row.agency)))
        return TK_NOMEM;
    if (strcmp(r->cur, row.domain) != 0 && (st = report_domain_begin(r, a, &row, in)) != TK_OK)
        return st;
    tc = report_count(&r->total, &row);
    ac = report_count(a, &row);
    if (!tc || !ac)
        return TK_LIMIT;
    report_tally(tc, in->status);
    report_tally(ac, in->status);
    if (in->status == TK_VERDICT_PASS)
        return TK_OK;
    return report_issue_add(r, &row, in);
}

/* ---- the summary ---- */

/* summary_set sets key in o, and clears *ok when it could not. */
static void summary_set(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        *ok = false;
}

static json_t *summary_agency(const struct tk_report_agency *a, bool *ok)
{
    json_t *o = json_object(), *rules = json_object();
    size_t i;

    if (!o || !rules) {
        json_decref(o);
        json_decref(rules);
        *ok = false;
        return NULL;
    }
    summary_set(o, "domains", json_integer((json_int_t)a->domains), ok);
    summary_set(o, "compliant", json_integer((json_int_t)a->compliant), ok);
    for (i = 0; i < a->nrules; i++) {
        const struct tk_report_count *c = &a->rules[i];

        summary_set(rules, c->rule,
                    json_pack("{s:I,s:I,s:I,s:I}", "pass", (json_int_t)c->pass, "fail",
                              (json_int_t)c->fail, "warn", (json_int_t)c->warn, "unknown",
                              (json_int_t)c->unknown),
                    ok);
    }
    summary_set(o, "rules", rules, ok);
    return o;
}

char *tk_report_summary(const struct tk_report *r)
{
    json_t *root = json_object(), *agencies = json_object();
    bool ok = root && agencies;
    char *text = NULL;
    size_t i;

    if (ok) {
        summary_set(root, "version", json_integer(REPORT_SUMMARY_VERSION), &ok);
        summary_set(root, "at", json_integer((json_int_t)r->at), &ok);
        summary_set(root, "total", summary_agency(&r->total, &ok), &ok);
        for (i = 0; i < r->nagencies; i++)
            summary_set(agencies, r->agencies[i].name, summary_agency(&r->agencies[i], &ok), &ok);
        summary_set(root, "agencies", agencies, &ok);
        agencies = NULL;
    }
    if (ok)
        text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(agencies);
    json_decref(root);
    return text;
}

/* ---- the trend ---- */

/* trend_figure reads o[key] as a count: -1 unless it is an integer from
 * 0 to LONG_MAX. */
static long trend_figure(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    json_int_t n;

    if (!json_is_integer(v))
        return -1;
    n = json_integer_value(v);
    if (n < 0 || (unsigned long long)n > (unsigned long long)LONG_MAX)
        return -1;
    return (long)n;
}

/* trend_rule sets a rule's previous figures when all four counts of o
 * are good and add up within a long. */
static void trend_rule(struct tk_report_count *c, const json_t *o)
{
    static const char *const keys[] = {"pass", "fail", "warn", "unknown"};
    long v[4], total = 0;
    size_t i;

    if (!json_is_object(o))
        return;
    for (i = 0; i < 4; i++) {
        v[i] = trend_figure(o, keys[i]);
        if (v[i] < 0 || v[i] > LONG_MAX - total)
            return;
        total += v[i];
    }
    c->prev_pass = v[0];
    c->prev_total = total;
}

static void trend_agency(struct tk_report_agency *a, const json_t *o)
{
    const json_t *rules;
    size_t i;

    if (!json_is_object(o))
        return;
    a->prev_domains = trend_figure(o, "domains");
    a->prev_compliant = trend_figure(o, "compliant");
    rules = json_object_get(o, "rules");
    if (!json_is_object(rules))
        return;
    for (i = 0; i < a->nrules; i++)
        trend_rule(&a->rules[i], json_object_get(rules, a->rules[i].rule));
}

static void trend_clear_agency(struct tk_report_agency *a)
{
    size_t i;

    a->prev_domains = a->prev_compliant = -1;
    for (i = 0; i < a->nrules; i++)
        a->rules[i].prev_pass = a->rules[i].prev_total = -1;
}

enum tk_status tk_report_trend(struct tk_report *r, const char *summary_json, int64_t previous_at,
                               struct tk_error *err)
{
    json_error_t jerr;
    json_t *root, *agencies;
    size_t len, i;

    r->previous_at = 0;
    trend_clear_agency(&r->total);
    for (i = 0; i < r->nagencies; i++)
        trend_clear_agency(&r->agencies[i]);
    if (!summary_json)
        return tk_error_set(err, TK_INVALID, "no previous report summary");
    len = strnlen(summary_json, (size_t)TK_REPORT_SUMMARY_MAX + 1);
    if (len > TK_REPORT_SUMMARY_MAX)
        return tk_error_set(err, TK_LIMIT, "the previous report summary is longer than %d bytes",
                            TK_REPORT_SUMMARY_MAX);
    root = json_loadb(summary_json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        tk_error_set(err, TK_INVALID, "the previous report summary is not JSON: %s", jerr.text);
        if (err)
            tk_text_sanitise(err->msg); /* jansson quotes the input */
        return TK_INVALID;
    }
    if (!json_is_object(root) || !json_is_object(json_object_get(root, "total"))) {
        json_decref(root);
        return tk_error_set(err, TK_INVALID, "the previous report summary has no \"total\"");
    }
    trend_agency(&r->total, json_object_get(root, "total"));
    agencies = json_object_get(root, "agencies");
    for (i = 0; i < r->nagencies && json_is_object(agencies); i++)
        trend_agency(&r->agencies[i], json_object_get(agencies, r->agencies[i].name));
    r->previous_at = previous_at;
    json_decref(root);
    return TK_OK;
}

void tk_report_free(struct tk_report *r)
{
    size_t i, j;

    for (i = 0; i < r->ndomains; i++) {
        for (j = 0; j < r->domains[i].nissues; j++) {
            free(r->domains[i].issues[j].evidence);
            free(r->domains[i].issues[j].remediation);
        }
        free(r->domains[i].issues);
    }
    free(r->domains);
    free(r->agencies);
    tk_report_init(r, r->at);
}
