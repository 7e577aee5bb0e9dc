/*
 * NAME
 *	show/report.c - the compliance report as HTML, CSV and JSON
 * SYNOPSIS
 *	html	One page, readable on screen and printed on A4, for the
 *		central team (framework section 7) and the agencies' CIOs:
 *		a header (when made, the previous report or "first report",
 *		the totals); the rules across all of government (a stacked
 *		bar per rule: pass, warn, fail, unknown) and a table of the
 *		same numbers with the change since the previous report; the
 *		agencies (a compliance bar each, and a table); each agency
 *		rule by rule; then every non-compliant domain with each
 *		finding that does not pass: its evidence and what to change.
 *		Each chart is followed by a table of its numbers (its text
 *		alternative; the SVG itself has a title and role="img").
 *	csv	The figures only, one table, one header row:
 *		agency,rule,level,pass,fail,warn,unknown,domains,prev_pass,prev_total
 *		First the rows of "(all of government)", then each agency's
 *		(by name). Each set starts with a "(compliant)" row: pass is
 *		the compliant domains, fail the others, domains all of them,
 *		prev_* the previous report's; then one row per rule, where
 *		domains is the domains the rule was judged on (pass + fail +
 *		warn + unknown), so prev_pass/prev_total compare with
 *		pass/domains. An empty prev_* has no previous figure. The
 *		list of non-compliant domains is not in the CSV (it would be
 *		a second table with other columns): it is in the HTML and the
 *		JSON, and `tiaki check --format csv` gives per-domain rows.
 *	json	One object: at and previous_at (ISO 8601 UTC, previous_at
 *		null on a first report), total and agencies (name, domains,
 *		compliant, prev_domains, prev_compliant, rules: rule, level,
 *		pass, fail, warn, unknown, domains, prev_pass, prev_total;
 *		a missing previous figure is null) and non_compliant (domain,
 *		agency, contact, scanned_at, issues: rule, level, status,
 *		evidence, remediation).
 * STANDARDS
 *	HTML (the living standard), SVG 1.1 inline in HTML, RFC 4180 (CSV;
 *	lines end CRLF), RFC 8259 (JSON), ISO 8601 (times, always UTC).
 * SECURITY
 *	Every string of a finding (domain, agency, contact, evidence,
 *	remediation, even a rule id) comes from published records or the
 *	inventory. HTML: made valid UTF-8 without control bytes
 *	(tk_text_sanitise: '?' for what is not), then & < > " ' written as
 *	entities, in text and attribute values alike; the page has no
 *	script, no event attribute, no link, no URL the browser would
 *	fetch. CSV: every text field quoted, quotes doubled, and a field
 *	beginning = + - @ (a spreadsheet formula) gets a leading '. JSON:
 *	jansson escapes; strings are sanitised first, as jansson refuses
 *	invalid UTF-8.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "show/report.h"

#define REPORT_NO_AGENCY "(no agency)"
#define REPORT_OTHER "(other agencies)"

/* Colours of the four statuses (fills; status order pass, fail, warn,
 * unknown as enum tk_verdict), chosen to differ in lightness too so a
 * grey print still tells them apart. */
static const char *const report_fill[] = {"#1e7b3c", "#b3261e", "#e8a317", "#a0a4a8"};

/* Plain words for each rule of the table, for readers who do not know
 * the ids; FRAMEWORK-RULES.md has the full "passes when". */
static const struct {
    const char *rule, *words;
} report_words[] = {
    {"TLS-MIN-1.2", "mail servers accept TLS 1.2 or later only"},
    {"TLS-REQUIRED", "mail servers refuse mail sent without TLS"},
    {"TLS-CERT", "mail server certificates are valid"},
    {"TLSRPT", "a TLS reporting (TLS-RPT) record is published"},
    {"SPF-PRESENT", "one valid SPF record"},
    {"SPF-HARDFAIL", "the SPF record ends in -all"},
    {"DKIM-SIGNED", "DKIM keys are published and strong"},
    {"DMARC-PRESENT", "a valid DMARC record"},
    {"DMARC-REJECT", "the DMARC policy is p=reject"},
    {"DMARC-ADKIM-STRICT", "strict DKIM alignment (adkim=s)"},
    {"DMARC-RUA", "DMARC aggregate reports are collected (rua=)"},
    {"MTA-STS-TXT", "an MTA-STS record is published"},
    {"MTA-STS-ENFORCE", "the MTA-STS policy is served, mode enforce"},
    {"DANE", "DANE (TLSA) for the mail servers (information only)"},
    {"PARKED-SPF", "non-email domain: SPF is v=spf1 -all"},
    {"PARKED-DKIM", "non-email domain: an empty DKIM key"},
    {"PARKED-DMARC", "non-email domain: DMARC p=reject, strict alignment"},
    {"PARKED-NULL-MX", "non-email domain: a null MX"},
};

bool tk_report_format_parse(const char *name, enum tk_report_format *out)
{
    if (strcmp(name, "html") == 0)
        *out = TK_REPORT_HTML;
    else if (strcmp(name, "csv") == 0)
        *out = TK_REPORT_CSV;
    else if (strcmp(name, "json") == 0)
        *out = TK_REPORT_JSON;
    else
        return false;
    return true;
}

/* ---- shared ---- */

/* report_safe returns a malloc'd copy of text (NULL: "") that is valid
 * UTF-8 without control bytes; NULL when out of memory. */
static char *report_safe(const char *text)
{
    char *s = strdup(text ? text : "");

    if (s)
        tk_text_sanitise(s);
    return s;
}

/* What report_time writes: a time or a date. */
enum report_when { ISO_TIME, ISO_DATE };

/* report_time formats t (Unix time) as UTC in ISO 8601, a whole time
 * (2026-11-28T19:05:00Z) or the date; "unknown" when t is not a time
 * gmtime can take. */
static const char *report_time(char *buf, size_t len, int64_t t, enum report_when what)
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t n;

    if (t <= 0 || (int64_t)tt != t || !gmtime_r(&tt, &tm))
        n = 0;
    else if (what == ISO_DATE)
        n = strftime(buf, len, "%Y-%m-%d", &tm);
    else
        n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (n == 0)
        tk_strlcpy(buf, "unknown", len);
    return buf;
}

/* report_percent is pass out of n in whole percent, rounded down, so
 * 100% means every one. */
static unsigned report_percent(unsigned long pass, unsigned long n)
{
    return n ? (unsigned)((unsigned long long)pass * 100 / n) : 0;
}

static unsigned long report_judged(const struct tk_report_count *c)
{
    return c->pass + c->fail + c->warn + c->unknown;
}

static const char *report_agency_name(const char *name)
{
    return name[0] ? name : REPORT_NO_AGENCY;
}

static const char *report_rule_words(const char *rule)
{
    size_t i;

    for (i = 0; i < sizeof(report_words) / sizeof(report_words[0]); i++)
        if (strcmp(report_words[i].rule, rule) == 0)
            return report_words[i].words;
    return NULL;
}

/* ---- HTML: text ---- */

/* html_text writes text for HTML text or a quoted attribute value. */
static void html_text(FILE *out, const char *text)
{
    char *s = report_safe(text);
    const char *p;

    for (p = s ? s : "?"; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
    free(s);
}

/* html_text_cut writes at most max characters of text (a chart label),
 * ending with an ellipsis when it had more; the table beside the chart
 * has the whole name. */
static void html_text_cut(FILE *out, const char *text, size_t max)
{
    char *s = report_safe(text);
    size_t i, chars = 0;

    if (!s)
        return;
    for (i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max) {
            s[i] = '\0';
            html_text(out, s);
            fputs("\xe2\x80\xa6", out);
            free(s);
            return;
        }
    }
    html_text(out, s);
    free(s);
}

static void html_time(FILE *out, int64_t t, enum report_when what)
{
    char iso[40], shown[40];

    fprintf(out, "<time datetime=\"%s\">%s</time>", report_time(iso, sizeof(iso), t, ISO_TIME),
            report_time(shown, sizeof(shown), t, what));
}

/* ---- HTML: page ---- */

static const char html_style[] =
    ":root{color-scheme:light}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:62rem;padding:2rem 1.5rem 3rem;background:#fff;color:#1b1b1b;"
    "font:15px/1.45 \"Segoe UI\",\"Helvetica Neue\",Arial,\"DejaVu Sans\",sans-serif}\n"
    "header{border-bottom:3px solid #1b1b1b;padding-bottom:1rem}\n"
    ".kicker{margin:0;font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:#555}\n"
    "h1{font-size:1.9rem;margin:.2rem 0 .8rem;line-height:1.2}\n"
    "h2{font-size:1.3rem;margin:2.4rem 0 .4rem;padding-bottom:.2rem;border-bottom:1px solid #999}\n"
    "h3{font-size:1.1rem;margin:1.6rem 0 .3rem}\n"
    "h4{font-size:1.05rem;margin:0 0 .2rem}h4.id{font-size:1.05rem}\n"
    "p.lead{margin:.2rem 0 .8rem;color:#333;max-width:46rem}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1.2rem;margin:0}\n"
    "dl.meta dt{font-weight:600}dl.meta dd{margin:0}\n"
    ".figures{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem;margin:1.2rem 0 .8rem}\n"
    ".figure{border:1px solid #bbb;border-top:4px solid #1b1b1b;padding:.5rem .8rem}\n"
    ".figure b{display:block;font-size:1.9rem;line-height:1.1;font-variant-numeric:tabular-nums}\n"
    ".figure span{font-size:.85rem;color:#444}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.88rem}\n"
    "table.agencies{table-layout:fixed}table.agencies th:nth-child(1){width:36%}\n"
    "table.compact{font-size:.8rem}table.compact th,table.compact td{padding:.16rem .4rem}\n"
    "table.issues{table-layout:fixed}table.issues .c-status{width:5.6rem}"
    "table.issues .c-rule{width:10.5rem}\n"
    ".nowrap{white-space:nowrap}\n"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}\n"
    "th,td{text-align:left;vertical-align:top;padding:.28rem .5rem;border-bottom:1px solid "
    "#d4d4d4}\n"
    "thead th{border-bottom:2px solid #1b1b1b;font-weight:600;vertical-align:bottom}\n"
    "tbody th{font-weight:600}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".words{display:block;font-weight:400;font-size:.8rem;color:#555}\n"
    ".up{color:#1e7b3c}.down{color:#b3261e}.same,.none,.was{color:#666}\n"
    ".was{font-size:.8rem}\n"
    "code,.id{font-family:\"DejaVu Sans Mono\",Consolas,\"Liberation Mono\",monospace;"
    "font-size:.86em}\nspan.id{white-space:nowrap}\n"
    "table.rules{table-layout:fixed}table.rules th:nth-child(1){width:34%}"
    "table.rules th:nth-child(2){width:8%}table.rules th:nth-child(3),"
    "table.rules th:nth-child(4),table.rules th:nth-child(5){width:6%}"
    "table.rules th:nth-child(6){width:8%}table.rules th:nth-child(7){width:13%}\n"
    ".badge{display:inline-block;min-width:4.2em;text-align:center;padding:0 "
    ".3rem;border-radius:3px;"
    "font-size:.75rem;font-weight:700;letter-spacing:.04em;border:1px solid}\n"
    ".badge.fail{background:#b3261e;border-color:#b3261e;color:#fff}\n"
    ".badge.warn{background:#fbe3a6;border-color:#c58a00;color:#1b1b1b}\n"
    ".badge.unknown{background:#eceded;border-color:#888;color:#1b1b1b}\n"
    ".level{display:block;font-size:.75rem;color:#555;margin-top:.1rem}\n"
    ".evidence,.fix{overflow-wrap:anywhere}\n"
    "figure{margin:1rem 0 .4rem}figcaption{font-size:.85rem;color:#444;margin-bottom:.3rem}\n"
    "svg.chart{display:block;width:100%;height:auto}\n"
    "svg.chart text{font-size:12px;fill:#1b1b1b}svg.chart .axis{font-size:10px;fill:#666}\n"
    "svg.mini{display:block;width:9rem;height:.8rem}\n"
    "ul.legend{list-style:none;margin:.3rem 0;padding:0;display:flex;gap:1.2rem;font-size:.85rem}\n"
    "ul.legend svg{width:.8rem;height:.8rem;vertical-align:-.1rem;margin-right:.3rem}\n"
    ".agency{margin-top:1.2rem}\n"
    ".domain{border:1px solid #bbb;border-left:4px solid #b3261e;padding:.6rem .8rem;"
    "margin:.8rem 0}\n"
    ".domain table{margin-bottom:.2rem}\n"
    ".who{margin:0 0 .3rem;font-size:.85rem;color:#444}\n"
    "footer{margin-top:2.5rem;border-top:1px solid #999;padding-top:.6rem;font-size:.82rem;"
    "color:#444}\n"
    "@media print{\n"
    "@page{size:A4;margin:14mm 12mm 16mm}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{max-width:none;padding:0;font-size:9.5pt;color:#000;background:#fff}\n"
    "h2,h3,h4{break-after:avoid;page-break-after:avoid}\n"
    "table.keep,figure,.figures,.agency,.domain{break-inside:avoid;page-break-inside:avoid}\n"
    "section.page{break-before:page;page-break-before:always}\n"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
    ".badge,.badge.fail,.badge.warn,.badge.unknown{background:#fff;color:#000;border-color:#000}\n"
    ".words,.level,.was,.who,footer,figcaption,.kicker{color:#333}\n"
    "}\n";

static void html_head(FILE *out, const struct tk_report *r)
{
    char date[40];

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          out);
    fprintf(out, "<title>Secure email compliance report, %s</title>\n",
            report_time(date, sizeof(date), r->at, ISO_DATE));
    fprintf(out, "<style>\n%s</style>\n</head>\n<body>\n", html_style);
}

/* html_change writes the change of a count (now, out of now_of) since
 * the previous report: an arrow and the difference, and, when anything
 * changed, what it was out of how many. */
static void html_change(FILE *out, unsigned long now, unsigned long now_of, long prev, long prev_of)
{
    long long d = (long long)now - prev;

    if (prev < 0) {
        fputs("<span class=\"none\">new</span>", out);
        return;
    }
    if (d > 0)
        fprintf(out,
                "<span class=\"up\"><span aria-hidden=\"true\">\xe2\x96\xb2</span> +%lld</span>",
                d);
    else if (d < 0)
        fprintf(out,
                "<span class=\"down\"><span aria-hidden=\"true\">\xe2\x96\xbc</span> "
                "\xe2\x88\x92%lld</span>",
                -d);
    else
        fputs("<span class=\"same\">no change</span>", out);
    if (prev_of >= 0 && (d != 0 || (long long)now_of != prev_of))
        fprintf(out, " <span class=\"was\">(was %ld/%ld)</span>", prev, prev_of);
}

static void html_figure(FILE *out, const char *value, const char *label)
{
    fprintf(out, "<div class=\"figure\"><b>%s</b><span>%s</span></div>\n", value, label);
}

static size_t html_agencies_compliant(const struct tk_report *r)
{
    size_t i, n = 0;

    for (i = 0; i < r->nagencies; i++)
        if (r->agencies[i].domains && r->agencies[i].compliant == r->agencies[i].domains)
            n++;
    return n;
}

static void html_header(FILE *out, const struct tk_report *r)
{
    const struct tk_report_agency *t = &r->total;
    char buf[96];

    fputs("<header>\n<p class=\"kicker\">All of Government Secure Email &middot; Common "
          "Implementation Framework</p>\n<h1>Secure email compliance report</h1>\n"
          "<dl class=\"meta\">\n<dt>Report made</dt><dd>",
          out);
    html_time(out, r->at, ISO_TIME);
    fputs("</dd>\n<dt>Previous report</dt><dd>", out);
    if (r->previous_at) {
        html_time(out, r->previous_at, ISO_TIME);
        fputs(" (changes below are since then)", out);
    } else {
        fputs("first report: no changes to show yet", out);
    }
    fprintf(out, "</dd>\n<dt>Scope</dt><dd>%lu domain%s of %zu agenc%s</dd>\n</dl>\n", t->domains,
            t->domains == 1 ? "" : "s", r->nagencies, r->nagencies == 1 ? "y" : "ies");
    fputs("<div class=\"figures\">\n", out);
    snprintf(buf, sizeof(buf), "%u%%", report_percent(t->compliant, t->domains));
    html_figure(out, buf, "of domains compliant");
    snprintf(buf, sizeof(buf), "%lu", t->compliant);
    html_figure(out, buf, "compliant domains");
    snprintf(buf, sizeof(buf), "%lu", t->domains - t->compliant);
    html_figure(out, buf, "not compliant: listed in section 4");
    snprintf(buf, sizeof(buf), "%zu of %zu", html_agencies_compliant(r), r->nagencies);
    html_figure(out, buf, "agencies with every domain compliant");
    fputs("</div>\n", out);
    if (r->previous_at) {
        fputs("<p class=\"lead\">Compliant domains since the previous report: ", out);
        html_change(out, t->compliant, t->domains, t->prev_compliant, t->prev_domains);
        fputs(".</p>\n", out);
    }
    fputs("</header>\n", out);
}

/* ---- HTML: charts ---- */

/* html_stack draws a bar of width w at (x, y) split by counts v[0..n),
 * coloured fill[i]; an empty bar is an outline. Positions are the
 * cumulative proportions, so the parts meet exactly. */
static void html_stack(FILE *out, double x, double y, double w, double h, const unsigned long *v,
                       const char *const *fill, size_t n)
{
    unsigned long long all = 0, sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        all += v[i];
    fprintf(out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" "
            "stroke=\"#999\" stroke-width=\"0.5\"/>",
            x, y, w, h);
    for (i = 0; i < n && all; i++) {
        double from = x + w * (double)sum / (double)all, to;

        sum += v[i];
        to = x + w * (double)sum / (double)all;
        if (v[i])
            fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>",
                    from, y, to - from, h, fill[i]);
    }
}

/* The legend and the bars list the statuses pass, warn, fail, unknown
 * (mildest to worst, unknown apart): the verdict at each position. */
static const enum tk_verdict html_order[] = {TK_VERDICT_PASS, TK_VERDICT_WARN, TK_VERDICT_FAIL,
                                             TK_VERDICT_UNKNOWN};

static void html_legend(FILE *out)
{
    size_t i;

    fputs("<ul class=\"legend\" aria-hidden=\"true\">", out);
    for (i = 0; i < 4; i++)
        fprintf(out,
                "<li><svg viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\" fill=\"%s\"/>"
                "</svg>%s</li>",
                report_fill[html_order[i]], tk_verdict_name(html_order[i]));
    fputs("</ul>\n", out);
}

static void html_rule_parts(const struct tk_report_count *c, unsigned long v[4],
                            const char *fill[4])
{
    const unsigned long by[] = {c->pass, c->fail, c->warn, c->unknown};
    size_t i;

    for (i = 0; i < 4; i++) {
        v[i] = by[html_order[i]];
        fill[i] = report_fill[html_order[i]];
    }
}

/* Chart geometry (SVG user units; the chart scales to the page). */
#define CHART_W 720
#define CHART_ROW 22
#define CHART_BAR 14
#define CHART_TOP 20

static void html_axis(FILE *out, double x, double w, size_t rows)
{
    int p;

    for (p = 0; p <= 100; p += 25) {
        double gx = x + w * p / 100.0;

        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#ddd\" "
                "stroke-width=\"1\"/><text class=\"axis\" x=\"%.1f\" y=\"12\" "
                "text-anchor=\"middle\">%d%%</text>",
                gx, CHART_TOP - 4, gx, CHART_TOP + rows * CHART_ROW, gx, p);
    }
}

static void html_rules_chart(FILE *out, const struct tk_report_agency *a)
{
    const double x = 170, w = 450;
    size_t i;

    fprintf(out, "<figure>\n<figcaption>Domains passing each rule, all of government. The table "
                 "below gives the numbers.</figcaption>\n");
    html_legend(out);
    fprintf(out,
            "<svg class=\"chart\" viewBox=\"0 0 %d %zu\" role=\"img\" "
            "aria-labelledby=\"rules-chart-title\"><title id=\"rules-chart-title\">Pass, warn, "
            "fail and unknown domains for each rule, all of government; the numbers are in the "
            "table that follows.</title>",
            CHART_W, CHART_TOP + a->nrules * CHART_ROW + 4);
    html_axis(out, x, w, a->nrules);
    for (i = 0; i < a->nrules; i++) {
        const struct tk_report_count *c = &a->rules[i];
        double y = CHART_TOP + i * CHART_ROW + (CHART_ROW - CHART_BAR) / 2.0;
        unsigned long v[4];
        const char *fill[4];

        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", x - 8, y + 11);
        html_text_cut(out, c->rule, 22);
        fputs("</text>", out);
        html_rule_parts(c, v, fill);
        html_stack(out, x, y, w, CHART_BAR, v, fill, 4);
        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\">%lu/%lu pass</text>\n", x + w + 8, y + 11,
                c->pass, report_judged(c));
    }
    fputs("</svg>\n</figure>\n", out);
}

static void html_agencies_chart(FILE *out, const struct tk_report *r)
{
    static const char *const fill[] = {"#1e7b3c", "#b3261e"};
    const double x = 270, w = 340;
    size_t i;

    fputs("<figure>\n<figcaption>Compliant domains of each agency (green: compliant; red: not). "
          "The table below gives the numbers.</figcaption>\n",
          out);
    fprintf(out,
            "<svg class=\"chart\" viewBox=\"0 0 %d %zu\" role=\"img\" "
            "aria-labelledby=\"agencies-chart-title\"><title id=\"agencies-chart-title\">Share "
            "of each agency's domains that are compliant; the numbers are in the table that "
            "follows.</title>",
            CHART_W, CHART_TOP + r->nagencies * CHART_ROW + 4);
    html_axis(out, x, w, r->nagencies);
    for (i = 0; i < r->nagencies; i++) {
        const struct tk_report_agency *a = &r->agencies[i];
        double y = CHART_TOP + i * CHART_ROW + (CHART_ROW - CHART_BAR) / 2.0;
        unsigned long v[] = {a->compliant, a->domains - a->compliant};

        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", x - 8, y + 11);
        html_text_cut(out, report_agency_name(a->name), 40);
        fputs("</text>", out);
        html_stack(out, x, y, w, CHART_BAR, v, fill, 2);
        fprintf(out, "<text x=\"%.0f\" y=\"%.1f\">%lu/%lu (%u%%)</text>\n", x + w + 8, y + 11,
                a->compliant, a->domains, report_percent(a->compliant, a->domains));
    }
    fputs("</svg>\n</figure>\n", out);
}

/* html_mini is a small stacked bar for a table row; the row holds its
 * numbers, so it is hidden from screen readers. */
static void html_mini(FILE *out, const struct tk_report_count *c)
{
    unsigned long v[4];
    const char *fill[4];

    html_rule_parts(c, v, fill);
    fputs("<svg class=\"mini\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" "
          "aria-hidden=\"true\">",
          out);
    html_stack(out, 0, 0, 100, 10, v, fill, 4);
    fputs("</svg>", out);
}

/* ---- HTML: tables ---- */

static void html_change_head(FILE *out, const struct tk_report *r)
{
    char date[40];

    if (r->previous_at)
        fprintf(out, "<th scope=\"col\" class=\"nowrap\">Since %s</th>",
                report_time(date, sizeof(date), r->previous_at, ISO_DATE));
}

/* html_rules_table is one row per rule of all of government (with the
 * rule in plain words: the first table a reader meets) or of an agency
 * (compact, with a small bar in each row: a table per agency). */
static void html_rules_table(FILE *out, const struct tk_report *r, const struct tk_report_agency *a,
                             bool compact)
{
    size_t i;

    fprintf(out, "<table class=\"keep %s\">\n", compact ? "compact" : "rules");
    fputs("<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Level</th>"
          "<th scope=\"col\" class=\"n\">Pass</th><th scope=\"col\" class=\"n\">Warn</th>"
          "<th scope=\"col\" class=\"n\">Fail</th><th scope=\"col\" class=\"n\">Unknown</th>"
          "<th scope=\"col\" class=\"n\">Passing</th>",
          out);
    if (compact)
        fputs("<th scope=\"col\"><span class=\"words\">pass, warn, fail, unknown</span></th>", out);
    html_change_head(out, r);
    fputs("</tr></thead>\n<tbody>\n", out);
    for (i = 0; i < a->nrules; i++) {
        const struct tk_report_count *c = &a->rules[i];
        const char *words = report_rule_words(c->rule);

        fputs("<tr><th scope=\"row\"><span class=\"id\">", out);
        html_text(out, c->rule);
        fputs("</span>", out);
        if (words && !compact)
            fprintf(out, "<span class=\"words\">%s</span>", words);
        fputs("</th><td>", out);
        html_text(out, c->level);
        fprintf(out,
                "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
                "<td class=\"n\">%lu</td><td class=\"n\">%lu/%lu (%u%%)</td>",
                c->pass, c->warn, c->fail, c->unknown, c->pass, report_judged(c),
                report_percent(c->pass, report_judged(c)));
        if (compact) {
            fputs("<td>", out);
            html_mini(out, c);
            fputs("</td>", out);
        }
        if (r->previous_at) {
            fputs("<td class=\"nowrap\">", out);
            html_change(out, c->pass, report_judged(c), c->prev_pass, c->prev_total);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void html_agencies_table(FILE *out, const struct tk_report *r)
{
    size_t i;

    fputs("<table class=\"agencies\">\n<thead><tr><th scope=\"col\">Agency</th><th scope=\"col\" "
          "class=\"n\">Domains</th><th scope=\"col\" class=\"n\">Compliant</th><th scope=\"col\" "
          "class=\"n\">Not compliant</th><th scope=\"col\" class=\"n\">Compliant share</th>",
          out);
    html_change_head(out, r);
    fputs("</tr></thead>\n<tbody>\n", out);
    for (i = 0; i < r->nagencies; i++) {
        const struct tk_report_agency *a = &r->agencies[i];

        fputs("<tr><th scope=\"row\">", out);
        html_text(out, report_agency_name(a->name));
        fprintf(out,
                "</th><td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
                "<td class=\"n\">%u%%</td>",
                a->domains, a->compliant, a->domains - a->compliant,
                report_percent(a->compliant, a->domains));
        if (r->previous_at) {
            fputs("<td class=\"nowrap\">", out);
            html_change(out, a->compliant, a->domains, a->prev_compliant, a->prev_domains);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void html_agency_detail(FILE *out, const struct tk_report *r)
{
    size_t i;

    fputs("<section class=\"page\">\n<h2>3. Each agency, rule by rule</h2>\n<p class=\"lead\">For "
          "each agency, "
          "how many of its domains pass each rule that applies to them (email rules to domains "
          "that send or receive mail, PARKED rules to domains that do not).</p>\n",
          out);
    for (i = 0; i < r->nagencies; i++) {
        const struct tk_report_agency *a = &r->agencies[i];

        fputs("<div class=\"agency\">\n<h3>", out);
        html_text(out, report_agency_name(a->name));
        fprintf(out, "</h3>\n<p class=\"who\">%lu of %lu domain%s compliant (%u%%)", a->compliant,
                a->domains, a->domains == 1 ? "" : "s", report_percent(a->compliant, a->domains));
        if (r->previous_at) {
            fputs("; since the previous report: ", out);
            html_change(out, a->compliant, a->domains, a->prev_compliant, a->prev_domains);
        }
        fputs(".</p>\n", out);
        html_rules_table(out, r, a, true);
        fputs("</div>\n", out);
    }
    fputs("</section>\n", out);
}

/* ---- HTML: the domains ---- */

static void html_issue(FILE *out, const struct tk_report_issue *is)
{
    const char *status = tk_verdict_name(is->status);

    fprintf(out, "<tr><td><span class=\"badge %s\">%s</span>", status, status);
    fputs("<span class=\"level\">", out);
    html_text(out, is->level);
    fputs("</span></td><td class=\"id\">", out);
    html_text(out, is->rule);
    fputs("</td><td class=\"evidence\">", out);
    html_text(out, is->evidence);
    fputs("</td><td class=\"fix\">", out);
    if (is->remediation && is->remediation[0])
        html_text(out, is->remediation);
    else
        fputs("<span class=\"none\">(no change given)</span>", out);
    fputs("</td></tr>\n", out);
}

static void html_domain(FILE *out, const struct tk_report_domain *d)
{
    size_t i;

    fputs("<article class=\"domain\">\n<h4 class=\"id\">", out);
    html_text(out, d->domain);
    fputs("</h4>\n<p class=\"who\">Contact: ", out);
    if (d->contact[0])
        html_text(out, d->contact);
    else
        fputs("none on record", out);
    fputs(" &middot; checked ", out);
    html_time(out, d->scanned_at, ISO_TIME);
    fprintf(out, " &middot; %zu finding%s to act on</p>\n", d->nissues, d->nissues == 1 ? "" : "s");
    if (d->nissues == 0) {
        fputs("<p>No finding was recorded that fails; check the domain again.</p>\n</article>\n",
              out);
        return;
    }
    fputs("<table class=\"issues\">\n<thead><tr><th scope=\"col\" class=\"c-status\">Status</th>"
          "<th scope=\"col\" class=\"c-rule\">Rule</th><th scope=\"col\">What is published</th>"
          "<th scope=\"col\">What to change</th></tr></thead>\n<tbody>\n",
          out);
    for (i = 0; i < d->nissues; i++)
        html_issue(out, &d->issues[i]);
    fputs("</tbody>\n</table>\n</article>\n", out);
}

static void html_domains(FILE *out, const struct tk_report *r)
{
    size_t i;

    fputs("<section class=\"page\">\n<h2>4. Non-compliant domains: what to change</h2>\n", out);
    if (r->ndomains == 0) {
        fputs("<p class=\"lead\">Every domain is compliant.</p>\n</section>\n", out);
        return;
    }
    fprintf(out,
            "<p class=\"lead\">%zu domain%s, by agency. Each finding that does not pass is listed "
            "with what the domain publishes and the change that makes it pass; a MUST rule that "
            "does not pass makes the domain non-compliant.</p>\n",
            r->ndomains, r->ndomains == 1 ? "" : "s");
    for (i = 0; i < r->ndomains; i++) {
        const struct tk_report_domain *d = &r->domains[i];

        if (i == 0 || strcmp(d->agency, r->domains[i - 1].agency) != 0) {
            fputs("<h3>", out);
            html_text(out, report_agency_name(d->agency));
            fputs("</h3>\n", out);
        }
        html_domain(out, d);
    }
    fputs("</section>\n", out);
}

static void html_footer(FILE *out, const struct tk_report *r)
{
    char when[40];

    fprintf(out,
            "<footer>\n<p><strong>How to read this report.</strong> A domain is compliant when "
            "every MUST rule of its profile passes (email-enabled domains: framework section 8; "
            "non-email domains: section 9). SHOULD rules that are not met show as warn and do "
            "not make a domain non-compliant. Unknown means tiaki could not observe the domain "
            "(a DNS failure, a server that did not answer): it is never counted as compliant, "
            "nor as a change for the worse. Percentages are rounded down, so 100%% means "
            "every domain.</p>\n<p>Made by tiaki at %s from each domain's latest check.</p>\n"
            "</footer>\n",
            report_time(when, sizeof(when), r->at, ISO_TIME));
}

static void report_html(FILE *out, const struct tk_report *r)
{
    html_head(out, r);
    html_header(out, r);
    fputs("<main>\n<section>\n<h2>1. The framework's rules across all of government</h2>\n"
          "<p class=\"lead\">Of the domains each rule applies to, how many pass, warn, fail or "
          "could not be checked.</p>\n",
          out);
    if (r->total.nrules) {
        html_rules_chart(out, &r->total);
        html_rules_table(out, r, &r->total, false);
    } else {
        fputs("<p>No findings to count.</p>\n", out);
    }
    fputs("</section>\n<section class=\"page\">\n<h2>2. Compliance by agency</h2>\n", out);
    if (r->nagencies) {
        html_agencies_chart(out, r);
        html_agencies_table(out, r);
    } else {
        fputs("<p>No agencies.</p>\n", out);
    }
    fputs("</section>\n", out);
    html_agency_detail(out, r);
    html_domains(out, r);
    fputs("</main>\n", out);
    html_footer(out, r);
    fputs("</body>\n</html>\n", out);
}

/* ---- CSV ---- */

/* csv_text writes one quoted text field, guarded against being read as
 * a spreadsheet formula. */
static void csv_text(FILE *out, const char *text)
{
    char *s = report_safe(text);
    const char *p = s ? s : "?";

    fputc('"', out);
    if (*p == '=' || *p == '+' || *p == '-' || *p == '@')
        fputc('\'', out);
    for (; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
    free(s);
}

/* csv_prev writes a previous figure, empty when there is none. */
static void csv_prev(FILE *out, long v)
{
    if (v >= 0)
        fprintf(out, "%ld", v);
}

static void csv_row(FILE *out, const char *agency, const char *rule, const char *level,
                    const unsigned long v[5], long prev_pass, long prev_total)
{
    csv_text(out, agency);
    fputc(',', out);
    csv_text(out, rule);
    fputc(',', out);
    csv_text(out, level);
    fprintf(out, ",%lu,%lu,%lu,%lu,%lu,", v[0], v[1], v[2], v[3], v[4]);
    csv_prev(out, prev_pass);
    fputc(',', out);
    csv_prev(out, prev_total);
    fputs("\r\n", out);
}

static void csv_agency(FILE *out, const struct tk_report_agency *a)
{
    const char *name = report_agency_name(a->name);
    unsigned long v[5] = {a->compliant, a->domains - a->compliant, 0, 0, a->domains};
    size_t i;

    csv_row(out, name, "(compliant)", "", v, a->prev_compliant, a->prev_domains);
    for (i = 0; i < a->nrules; i++) {
        const struct tk_report_count *c = &a->rules[i];
        unsigned long w[5] = {c->pass, c->fail, c->warn, c->unknown, report_judged(c)};

        csv_row(out, name, c->rule, c->level, w, c->prev_pass, c->prev_total);
    }
}

static void report_csv(FILE *out, const struct tk_report *r)
{
    size_t i;

    fputs("agency,rule,level,pass,fail,warn,unknown,domains,prev_pass,prev_total\r\n", out);
    csv_agency(out, &r->total);
    for (i = 0; i < r->nagencies; i++)
        csv_agency(out, &r->agencies[i]);
}

/* ---- JSON ---- */

static json_t *json_text(const char *text)
{
    char *s = report_safe(text);
    json_t *v = json_string(s ? s : "?");

    free(s);
    return v;
}

static json_t *json_prev(long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *json_time(int64_t t)
{
    char buf[40];

    return t ? json_string(report_time(buf, sizeof(buf), t, ISO_TIME)) : json_null();
}

static json_t *json_count(const struct tk_report_count *c)
{
    json_t *o = json_object();

    json_object_set_new(o, "rule", json_text(c->rule));
    json_object_set_new(o, "level", json_text(c->level));
    json_object_set_new(o, "pass", json_integer((json_int_t)c->pass));
    json_object_set_new(o, "fail", json_integer((json_int_t)c->fail));
    json_object_set_new(o, "warn", json_integer((json_int_t)c->warn));
    json_object_set_new(o, "unknown", json_integer((json_int_t)c->unknown));
    json_object_set_new(o, "domains", json_integer((json_int_t)report_judged(c)));
    json_object_set_new(o, "prev_pass", json_prev(c->prev_pass));
    json_object_set_new(o, "prev_total", json_prev(c->prev_total));
    return o;
}

static json_t *json_agency(const struct tk_report_agency *a)
{
    json_t *o = json_object(), *rules = json_array();
    size_t i;

    json_object_set_new(o, "name", json_text(a->name));
    json_object_set_new(o, "domains", json_integer((json_int_t)a->domains));
    json_object_set_new(o, "compliant", json_integer((json_int_t)a->compliant));
    json_object_set_new(o, "prev_domains", json_prev(a->prev_domains));
    json_object_set_new(o, "prev_compliant", json_prev(a->prev_compliant));
    for (i = 0; i < a->nrules; i++)
        json_array_append_new(rules, json_count(&a->rules[i]));
    json_object_set_new(o, "rules", rules);
    return o;
}

static json_t *json_domain(const struct tk_report_domain *d)
{
    json_t *o = json_object(), *issues = json_array();
    size_t i;

    json_object_set_new(o, "domain", json_text(d->domain));
    json_object_set_new(o, "agency", json_text(d->agency));
    json_object_set_new(o, "contact", json_text(d->contact));
    json_object_set_new(o, "scanned_at", json_time(d->scanned_at));
    for (i = 0; i < d->nissues; i++) {
        const struct tk_report_issue *is = &d->issues[i];
        json_t *x = json_object();

        json_object_set_new(x, "rule", json_text(is->rule));
        json_object_set_new(x, "level", json_text(is->level));
        json_object_set_new(x, "status", json_string(tk_verdict_name(is->status)));
        json_object_set_new(x, "evidence", json_text(is->evidence));
        json_object_set_new(x, "remediation", json_text(is->remediation));
        json_array_append_new(issues, x);
    }
    json_object_set_new(o, "issues", issues);
    return o;
}

static void report_json(FILE *out, const struct tk_report *r)
{
    json_t *root = json_object(), *agencies = json_array(), *domains = json_array();
    size_t i;

    json_object_set_new(root, "at", json_time(r->at));
    json_object_set_new(root, "previous_at", json_time(r->previous_at));
    json_object_set_new(root, "total", json_agency(&r->total));
    for (i = 0; i < r->nagencies; i++)
        json_array_append_new(agencies, json_agency(&r->agencies[i]));
    json_object_set_new(root, "agencies", agencies);
    for (i = 0; i < r->ndomains; i++)
        json_array_append_new(domains, json_domain(&r->domains[i]));
    json_object_set_new(root, "non_compliant", domains);
    json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
}

void tk_report_write(FILE *out, enum tk_report_format f, const struct tk_report *r)
{
    switch (f) {
    case TK_REPORT_HTML:
        report_html(out, r);
        break;
    case TK_REPORT_CSV:
        report_csv(out, r);
        break;
    case TK_REPORT_JSON:
        report_json(out, r);
        break;
    }
}
