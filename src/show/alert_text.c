/*
 * NAME
 *	alert_text.c - the words of an alert: subject, mail, JSON, syslog line
 * SUMMARY
 *	tk_alert_subject, tk_alert_body, tk_alert_line, tk_alert_json,
 *	tk_alert_mail, tk_alert_address_ok.
 * DESCRIPTION
 *	One event row becomes: a subject line; a plain-text body for a
 *	person (what happened, domain, agency, rule and level, when, what it
 *	was, what it is now, the exact fix, the framework section and NZISM
 *	control); a whole RFC 5322 message around them; the webhook's JSON
 *	object; one syslog line.
 *
 *	Store text goes through text_clean before any use: tabs become
 *	spaces, every other control byte (CR and LF included) and every byte
 *	of invalid UTF-8 becomes '?', and text cut to fit ends in "...". So
 *	no value can end a header line, start a new header ("\r\nBcc:"), or
 *	make a JSON string invalid.
 * STANDARDS
 *	RFC 5322 (message format: 2.1.1 line length, 2.2.3 folding, 3.3
 *	date, 3.6.4 Message-ID), RFC 2045 and 2046 (MIME text/plain, 8bit),
 *	RFC 2047 (encoded words, for a subject that is not ASCII), RFC 3834
 *	(Auto-Submitted), RFC 3339 (the JSON time), RFC 8259 (JSON).
 * LIMITS
 *	TK_ALERT_SUBJECT_MAX, TK_ALERT_LINE_MAX, TK_ALERT_WRAP,
 *	TK_ALERT_ADDRESS_MAX (alert_text.h). Header lines stay under 78
 *	bytes where a space allows it and always under 998.
 * SECURITY
 *	Addresses are never cleaned into shape: an address that is not
 *	plainly an address is refused (TK_USAGE), so nothing an attacker
 *	put in a contact field reaches To: or the envelope.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "rules/rules.h"
#include "show/alert_text.h"

/* Bytes of RFC 2047 payload per encoded word: 42 bytes are 56 base64
 * characters, and "=?UTF-8?B?" + 56 + "?=" is 68, under the 75 of
 * RFC 2047 2, and "Subject: " + 68 is under 78. */
#define WORD_RAW_MAX 42
/* A header line is folded before it would pass this (RFC 5322 2.1.1). */
#define HEADER_FOLD 78
/* Room for one cleaned store text: evidence and remediation are the
 * longest fields (TK_EVIDENCE_MAX, TK_REMEDIATION_MAX). */
#define CLEAN_MAX 640
/* The Message-ID token. */
#define TOKEN_MAX 64

/* ---- cleaning ---- */

/* text_clean copies s (NULL: "") to out, cut to outlen - 1 bytes with
 * "..." when it does not fit, then made printable valid UTF-8 (tabs
 * become spaces, other control bytes '?'). */
static const char *text_clean(const char *s, char *out, size_t outlen)
{
    char *p;

    if (!tk_strlcpy(out, s ? s : "", outlen) && outlen > 4) {
        /* Cut on a byte; tk_text_sanitise drops a cut-short sequence. */
        out[outlen - 4] = '\0';
        tk_text_sanitise(out);
        strcat(out, "...");
    }
    for (p = out; *p; p++)
        if (*p == '\t')
            *p = ' ';
    tk_text_sanitise(out);
    return out;
}

/* text_one_spaced collapses runs of spaces in s to one, in place, and
 * trims both ends: a subject folds only at single spaces. */
static void text_one_spaced(char *s)
{
    char *w = s, *r = s;

    while (*r == ' ')
        r++;
    for (; *r; r++)
        if (*r != ' ' || (r[1] != ' ' && r[1] != '\0'))
            *w++ = *r;
    *w = '\0';
}

/* ---- names ---- */

static const char *kind_words(enum tk_event_kind k)
{
    switch (k) {
    case TK_EVENT_REGRESSION:
        return "regression";
    case TK_EVENT_IMPROVEMENT:
        return "improvement";
    case TK_EVENT_RECORD_CHANGED:
        return "record changed";
    case TK_EVENT_NEW_DOMAIN:
        return "new domain";
    case TK_EVENT_GONE:
        return "gone";
    }
    return "change";
}

static bool kind_has_rule(enum tk_event_kind k)
{
    return k == TK_EVENT_REGRESSION || k == TK_EVENT_IMPROVEMENT || k == TK_EVENT_RECORD_CHANGED;
}

/* event_of returns the row's event, or a blank one when it has none. */
static const struct tk_event *event_of(const struct tk_event_row *r)
{
    static const struct tk_event none = {
        .kind = TK_EVENT_REGRESSION, .from = TK_VERDICT_UNKNOWN, .to = TK_VERDICT_UNKNOWN};

    return r != NULL && r->event != NULL ? r->event : &none;
}

/* ---- time ---- */

static bool time_utc(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;

    return (int64_t)tt == t && gmtime_r(&tt, tm) != NULL;
}

/* time_rfc5322: "Fri, 28 Nov 2025 19:49:00 +0000" (names in English
 * whatever the locale). */
static void time_rfc5322(int64_t t, char *out, size_t outlen)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    if (!time_utc(t, &tm) && !time_utc(0, &tm))
        memset(&tm, 0, sizeof(tm));
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[(unsigned)tm.tm_wday % 7],
             tm.tm_mday, months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* time_rfc3339: "2025-11-28T19:49:00Z"; human: "2025-11-28 19:49 UTC". */
static void time_rfc3339(int64_t t, bool human, char *out, size_t outlen)
{
    struct tm tm;

    if (!time_utc(t, &tm) && !time_utc(0, &tm))
        memset(&tm, 0, sizeof(tm));
    if (human)
        snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min);
    else
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- addresses ---- */

static bool addr_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool addr_local_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (i = 0; i < n; i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : !addr_atext((unsigned char)s[i]))
            return false;
    }
    return true;
}

static bool addr_domain_ok(const char *s)
{
    size_t label = 0, labels = 0;
    const char *p;

    if (*s == '\0' || strlen(s) > 253)
        return false;
    for (p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-' || p[-label] == '-')
                return false;
            labels++;
            label = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return false;
        label++;
    }
    return labels >= 2;
}

bool tk_alert_address_ok(const char *addr)
{
    const char *at;

    if (addr == NULL || strlen(addr) > TK_ALERT_ADDRESS_MAX || (at = strchr(addr, '@')) == NULL ||
        strchr(at + 1, '@') != NULL)
        return false;
    return addr_local_ok(addr, (size_t)(at - addr)) && addr_domain_ok(at + 1);
}

/* ---- subject and syslog line ---- */

void tk_alert_subject(const struct tk_event_row *r, char out[TK_ALERT_SUBJECT_MAX])
{
    const struct tk_event *e = event_of(r);
    char domain[TK_DOMAIN_MAX + 1], rule[TK_RULE_ID_MAX];

    /* The domain is cut first so the rule and change always show. */
    text_clean(r ? r->domain : NULL, domain, 120);
    text_clean(e->rule, rule, sizeof(rule));
    if (kind_has_rule(e->kind))
        snprintf(out, TK_ALERT_SUBJECT_MAX, "[tiaki] %s: %s %s %s -> %s", kind_words(e->kind),
                 domain, rule, tk_verdict_name(e->from), tk_verdict_name(e->to));
    else
        snprintf(out, TK_ALERT_SUBJECT_MAX, "[tiaki] %s: %s", kind_words(e->kind), domain);
    tk_text_sanitise(out);
    text_one_spaced(out);
}

void tk_alert_line(const struct tk_event_row *r, char out[TK_ALERT_LINE_MAX])
{
    const struct tk_event *e = event_of(r);
    char domain[TK_DOMAIN_MAX + 1], agency[TK_STORE_TEXT_MAX + 4], rule[TK_RULE_ID_MAX];
    char after[CLEAN_MAX], fix[CLEAN_MAX];

    text_clean(r ? r->domain : NULL, domain, sizeof(domain));
    text_clean(r ? r->agency : NULL, agency, sizeof(agency));
    text_clean(e->rule, rule, sizeof(rule));
    text_clean(e->after, after, 300);
    text_clean(e->remediation, fix, 300);
    if (kind_has_rule(e->kind))
        snprintf(out, TK_ALERT_LINE_MAX, "%s: %s (%s) %s %s -> %s: %s%s%s",
                 tk_event_kind_name(e->kind), domain, agency[0] ? agency : "no agency", rule,
                 tk_verdict_name(e->from), tk_verdict_name(e->to), after, fix[0] ? "; fix: " : "",
                 fix);
    else
        snprintf(out, TK_ALERT_LINE_MAX, "%s: %s (%s): %s", tk_event_kind_name(e->kind), domain,
                 agency[0] ? agency : "no agency", after);
    tk_text_sanitise(out);
}

/* ---- body ---- */

/* body_wrap appends text as lines of at most TK_ALERT_WRAP characters
 * (counting UTF-8 characters), each after indent spaces, broken at
 * spaces; a word longer than a line stays whole on its own line. */
static enum tk_status body_wrap(struct tk_buf *b, unsigned indent, const char *text)
{
    const char *p = text;
    enum tk_status st = TK_OK;

    while (*p == ' ')
        p++;
    while (*p && st == TK_OK) {
        size_t width = indent, cut = 0, i;

        /* At each word end i, width is the line's width up to i. */
        for (i = 0;; i++) {
            if (p[i] == ' ' || p[i] == '\0') {
                if (cut == 0 || width <= TK_ALERT_WRAP)
                    cut = i;
                if (width >= TK_ALERT_WRAP || p[i] == '\0')
                    break;
            }
            if (((unsigned char)p[i] & 0xc0) != 0x80)
                width++;
        }
        st = tk_buf_printf(b, "%*s%.*s\n", (int)indent, "", (int)cut, p);
        for (p += cut; *p == ' ';)
            p++;
    }
    return st;
}

/* body_seed writes the rule's seed reference ("8 SPF; 10 SPF"), one
 * part a line: "section 8: SPF", "section 10, the checklist: SPF". */
static enum tk_status body_seed(struct tk_buf *b, const char *seed)
{
    char copy[160], line[200], *part, *save = NULL;
    enum tk_status st = TK_OK;

    tk_strlcpy(copy, seed ? seed : "", sizeof(copy));
    for (part = strtok_r(copy, ";", &save); part && st == TK_OK;
         part = strtok_r(NULL, ";", &save)) {
        size_t num;

        while (*part == ' ')
            part++;
        num = strspn(part, "0123456789");
        if (num > 0 && part[num] == ' ')
            snprintf(line, sizeof(line), "section %.*s%s: %s", (int)num, part,
                     strncmp(part, "10", num) == 0 && num == 2 ? ", the checklist" : "",
                     part + num + 1);
        else
            snprintf(line, sizeof(line), "%s", part);
        st = body_wrap(b, 2, line);
    }
    return st;
}

static enum tk_status body_intro(struct tk_buf *b, const struct tk_event *e, const char *domain,
                                 const char *rule)
{
    char s[TK_DOMAIN_MAX + TK_RULE_ID_MAX + 200];
    const char *from = tk_verdict_name(e->from), *to = tk_verdict_name(e->to);

    switch (e->kind) {
    case TK_EVENT_REGRESSION:
        snprintf(s, sizeof(s), "The email security of %s got weaker: %s went from %s to %s.",
                 domain, rule, from, to);
        break;
    case TK_EVENT_IMPROVEMENT:
        snprintf(s, sizeof(s), "The email security of %s got stronger: %s went from %s to %s.",
                 domain, rule, from, to);
        break;
    case TK_EVENT_RECORD_CHANGED:
        snprintf(s, sizeof(s),
                 "What %s publishes for %s changed; the verdict is still %s. Check that the "
                 "change was meant.",
                 domain, rule, to);
        break;
    case TK_EVENT_NEW_DOMAIN:
        snprintf(s, sizeof(s), "%s was checked for the first time.", domain);
        break;
    case TK_EVENT_GONE:
        snprintf(s, sizeof(s), "%s no longer exists in the DNS.", domain);
        break;
    default:
        snprintf(s, sizeof(s), "%s changed.", domain);
    }
    return body_wrap(b, 0, s);
}

/* body_facts: the table of what, where and when. */
static enum tk_status body_facts(struct tk_buf *b, const struct tk_event_row *r,
                                 const struct tk_event *e, const char *domain, const char *rule)
{
    const struct tk_rule *def = tk_rule_find(rule);
    char agency[TK_STORE_TEXT_MAX + 4], when[40];
    enum tk_status st;

    text_clean(r->agency, agency, sizeof(agency));
    time_rfc3339(r->at, true, when, sizeof(when));
    st = tk_buf_printf(b, "\nDomain:   %s\nAgency:   %s\n", domain,
                       agency[0] ? agency : "(none recorded)");
    if (st == TK_OK && kind_has_rule(e->kind))
        st = tk_buf_printf(b, "Rule:     %s%s%s%s\nChange:   %s -> %s (%s)\n", rule,
                           def ? " (" : "", def ? tk_level_name(def->level) : "", def ? ")" : "",
                           tk_verdict_name(e->from), tk_verdict_name(e->to), kind_words(e->kind));
    if (st == TK_OK)
        st = tk_buf_printf(b, "Seen:     %s, scan %lld\n", when, (long long)r->scan_id);
    return st;
}

static enum tk_status body_section(struct tk_buf *b, const char *title, const char *text,
                                   const char *if_empty)
{
    char clean[CLEAN_MAX];
    enum tk_status st;

    text_clean(text, clean, sizeof(clean));
    if ((st = tk_buf_printf(b, "\n%s\n", title)) != TK_OK)
        return st;
    return body_wrap(b, 2, clean[0] ? clean : if_empty);
}

static enum tk_status body_framework(struct tk_buf *b, const char *rule)
{
    const struct tk_rule *def = tk_rule_find(rule);
    char line[64];
    enum tk_status st;

    if (def == NULL)
        return TK_OK;
    if ((st = tk_buf_puts(b, "\nWhere the Secure Email Common Implementation Framework asks for "
                             "it:\n")) != TK_OK ||
        (st = body_seed(b, def->seed)) != TK_OK)
        return st;
    if (def->nzism != NULL) {
        snprintf(line, sizeof(line), "NZISM control %s", def->nzism);
        st = body_wrap(b, 2, line);
    }
    return st;
}

enum tk_status tk_alert_body(const struct tk_event_row *r, struct tk_buf *b)
{
    const struct tk_event *e = event_of(r);
    char domain[TK_DOMAIN_MAX + 1], rule[TK_RULE_ID_MAX];
    enum tk_status st;

    if (r == NULL)
        return TK_USAGE;
    text_clean(r->domain, domain, sizeof(domain));
    text_clean(e->rule, rule, sizeof(rule));
    if ((st = body_intro(b, e, domain, rule)) != TK_OK ||
        (st = body_facts(b, r, e, domain, rule)) != TK_OK)
        return st;
    if (e->kind != TK_EVENT_NEW_DOMAIN &&
        (st = body_section(b, "What it was:", e->before, "(nothing recorded)")) != TK_OK)
        return st;
    if ((st = body_section(b, "What it is now:", e->after, "(nothing recorded)")) != TK_OK ||
        (st = body_section(b, "The fix:", e->remediation, "Nothing to change.")) != TK_OK)
        return st;
    if (kind_has_rule(e->kind) && (st = body_framework(b, rule)) != TK_OK)
        return st;
    return tk_buf_printf(b,
                         "\n-- \nSent by tiaki, which checks New Zealand government domains "
                         "against the\nSecure Email Common Implementation Framework. Event %lld.\n",
                         (long long)r->id);
}

/* ---- JSON ---- */

static int json_put_text(json_t *o, const char *key, const char *s)
{
    char clean[CLEAN_MAX];

    return json_object_set_new(o, key, json_string(text_clean(s, clean, sizeof(clean))));
}

static int json_put_rule(json_t *o, const struct tk_event *e)
{
    const struct tk_rule *def = kind_has_rule(e->kind) ? tk_rule_find(e->rule) : NULL;
    int rc = 0;

    rc |= json_put_text(o, "rule", e->rule);
    rc |=
        json_object_set_new(o, "level", def ? json_string(tk_level_name(def->level)) : json_null());
    rc |= json_object_set_new(o, "seed", def ? json_string(def->seed) : json_null());
    rc |=
        json_object_set_new(o, "nzism", def && def->nzism ? json_string(def->nzism) : json_null());
    return rc;
}

json_t *tk_alert_json(const struct tk_alert_row *a)
{
    const struct tk_event *e = event_of(a ? &a->event : NULL);
    char when[40], subject[TK_ALERT_SUBJECT_MAX];
    struct tk_buf body = {0};
    json_t *o;
    int rc = 0;

    if (a == NULL || (o = json_object()) == NULL)
        return NULL;
    time_rfc3339(a->event.at, false, when, sizeof(when));
    tk_alert_subject(&a->event, subject);
    rc |= json_object_set_new(o, "source", json_string("tiaki"));
    rc |= json_object_set_new(o, "alert_id", json_integer(a->id));
    rc |= json_object_set_new(o, "event_id", json_integer(a->event_id));
    rc |= json_object_set_new(o, "scan_id", json_integer(a->event.scan_id));
    rc |= json_object_set_new(o, "at", json_string(when));
    rc |= json_object_set_new(o, "kind", json_string(tk_event_kind_name(e->kind)));
    rc |= json_put_text(o, "domain", a->event.domain);
    rc |= json_put_text(o, "agency", a->event.agency);
    rc |= json_put_rule(o, e);
    rc |= json_object_set_new(o, "from", json_string(tk_verdict_name(e->from)));
    rc |= json_object_set_new(o, "to", json_string(tk_verdict_name(e->to)));
    rc |= json_put_text(o, "before", e->before);
    rc |= json_put_text(o, "after", e->after);
    rc |= json_put_text(o, "remediation", e->remediation);
    rc |= json_object_set_new(o, "subject", json_string(subject));
    if (tk_alert_body(&a->event, &body) != TK_OK)
        rc = -1;
    else
        rc |= json_object_set_new(o, "text", json_string(tk_buf_cstr(&body)));
    rc |= json_object_set_new(o, "attempt", json_integer((json_int_t)a->attempts + 1));
    tk_buf_free(&body);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the mail ---- */

static bool text_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static enum tk_status mail_base64(struct tk_buf *b, const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    enum tk_status st = TK_OK;
    size_t i;

    for (i = 0; i < n && st == TK_OK; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63], i + 1 < n ? abc[v >> 6 & 63] : '=',
                     i + 2 < n ? abc[v & 63] : '='};

        st = tk_buf_append(b, q, 4);
    }
    return st;
}

/* mail_subject_encoded: RFC 2047 B encoded words of whole UTF-8
 * characters, one per folded line. */
static enum tk_status mail_subject_encoded(struct tk_buf *b, const char *s)
{
    enum tk_status st = tk_buf_puts(b, "Subject:");
    size_t len = strlen(s), at = 0;

    while (at < len && st == TK_OK) {
        size_t n = len - at < WORD_RAW_MAX ? len - at : WORD_RAW_MAX;

        /* Back off to the start of a character. */
        while (at + n < len && n > 0 && ((unsigned char)s[at + n] & 0xc0) == 0x80)
            n--;
        if ((st = tk_buf_puts(b, at ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?")) == TK_OK &&
            (st = mail_base64(b, (const unsigned char *)s + at, n)) == TK_OK)
            st = tk_buf_puts(b, "?=");
        at += n;
    }
    return st == TK_OK ? tk_buf_puts(b, "\r\n") : st;
}

/* mail_subject_folded: an ASCII subject, folded before a space when a
 * line would pass HEADER_FOLD (the subject has single spaces only, so
 * no folded line is only white space). */
static enum tk_status mail_subject_folded(struct tk_buf *b, const char *s)
{
    size_t col = strlen("Subject:");
    bool words = false;
    enum tk_status st = tk_buf_puts(b, "Subject:");

    while (*s && st == TK_OK) {
        size_t n = strcspn(s, " ");

        if (words && col + 1 + n > HEADER_FOLD) {
            st = tk_buf_puts(b, "\r\n");
            col = 0;
        }
        if (st == TK_OK && (st = tk_buf_putc(b, ' ')) == TK_OK)
            st = tk_buf_append(b, s, n);
        col += 1 + n;
        words = true;
        s += n;
        while (*s == ' ')
            s++;
    }
    return st == TK_OK ? tk_buf_puts(b, "\r\n") : st;
}

static bool mail_token_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;

    return n > 0 && n <= TOKEN_MAX &&
           strspn(t, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static enum tk_status mail_headers(const struct tk_alert_mail *m, const struct tk_event_row *r,
                                   struct tk_buf *b)
{
    char date[64], subject[TK_ALERT_SUBJECT_MAX];
    enum tk_status st;

    time_rfc5322(m->date, date, sizeof(date));
    tk_alert_subject(r, subject);
    st = tk_buf_printf(b, "Date: %s\r\nFrom: tiaki <%s>\r\nTo: <%s>\r\n", date, m->from, m->to);
    if (st == TK_OK)
        st = text_ascii(subject) ? mail_subject_folded(b, subject)
                                 : mail_subject_encoded(b, subject);
    if (st == TK_OK)
        st = tk_buf_printf(b,
                           "Message-ID: <tiaki.%lld.%s@%s>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n"
                           "Auto-Submitted: auto-generated\r\n"
                           "\r\n",
                           (long long)m->alert_id, m->token, strchr(m->from, '@') + 1);
    return st;
}

/* mail_crlf appends text with every LF as CRLF (the body has no CR). */
static enum tk_status mail_crlf(struct tk_buf *b, const char *text)
{
    enum tk_status st = TK_OK;

    while (*text && st == TK_OK) {
        size_t n = strcspn(text, "\n");

        st = tk_buf_append(b, text, n);
        text += n;
        if (*text == '\n' && st == TK_OK) {
            st = tk_buf_puts(b, "\r\n");
            text++;
        }
    }
    return st;
}

enum tk_status tk_alert_mail(const struct tk_alert_mail *m, const struct tk_event_row *r,
                             struct tk_buf *b, struct tk_error *err)
{
    struct tk_buf body = {0};
    size_t start = b->len;
    enum tk_status st;

    if (m == NULL || r == NULL)
        return tk_error_set(err, TK_USAGE, "no message to make");
    if (!tk_alert_address_ok(m->from))
        return tk_error_set(err, TK_USAGE, "the sender is not a plain mail address (mail_from)");
    if (!tk_alert_address_ok(m->to))
        return tk_error_set(err, TK_USAGE, "the recipient is not a plain mail address");
    if (!mail_token_ok(m->token))
        return tk_error_set(err, TK_USAGE, "the Message-ID token is not [A-Za-z0-9.-]{1,64}");
    st = mail_headers(m, r, b);
    if (st == TK_OK && (st = tk_alert_body(r, &body)) == TK_OK)
        st = mail_crlf(b, tk_buf_cstr(&body));
    tk_buf_free(&body);
    if (st != TK_OK) {
        tk_buf_truncate(b, start);
        return tk_error_set(err, st, "cannot make the message: %s", tk_status_name(st));
    }
    return TK_OK;
}
