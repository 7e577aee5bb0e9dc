/*
 * NAME
 *	events.c - change events for people and programs: text, JSON Lines, CSV
 * STANDARDS
 *	RFC 4180 (CSV), RFC 8259 (JSON), ISO 8601 (times, UTC).
 */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "show/events.h"
#include "show/show_json.h"

static void events_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)t);
}

/* events_text returns text escaped for a terminal or a cell (static
 * buffer per call site is not thread-safe: show/ runs on one thread here). */
static char *events_escaped(struct tk_buf *b, const char *text)
{
    tk_buf_reset(b);
    tk_show_escape(b, text, strlen(text));
    return (char *)tk_buf_cstr(b);
}

static void events_csv_cell(FILE *out, const char *text, bool last)
{
    fputc('"', out);
    /* A cell a spreadsheet would run as a formula starts with a quote. */
    if (strchr("=+-@", text[0]) && text[0])
        fputc('\'', out);
    for (; *text; text++) {
        if (*text == '"')
            fputc('"', out);
        fputc(*text, out);
    }
    fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

void tk_events_show_begin(struct tk_events_show *s)
{
    if (s->format == TK_FORMAT_CSV)
        fprintf(s->out, "at,scan,domain,agency,kind,rule,from,to,before,after,remediation\n");
}

static void events_text(struct tk_events_show *s, const struct tk_event_row *r, const char *at)
{
    const struct tk_event *e = r->event;
    struct tk_buf b = {0};

    fprintf(s->out, "%s  %-14s %s", at, tk_event_kind_name(e->kind), r->domain);
    if (e->rule[0])
        fprintf(s->out, "  %s %s -> %s", e->rule, tk_verdict_name(e->from), tk_verdict_name(e->to));
    fprintf(s->out, "%s%s%s\n", r->agency[0] ? "  (" : "", r->agency, r->agency[0] ? ")" : "");
    if (e->before[0] && e->kind != TK_EVENT_NEW_DOMAIN)
        fprintf(s->out, "    was: %s\n", events_escaped(&b, e->before));
    if (e->after[0])
        fprintf(s->out, "    now: %s\n", events_escaped(&b, e->after));
    if (e->kind == TK_EVENT_REGRESSION && e->remediation[0])
        fprintf(s->out, "    fix: %s\n", events_escaped(&b, e->remediation));
    tk_buf_free(&b);
}

static void events_json(struct tk_events_show *s, const struct tk_event_row *r, const char *at)
{
    const struct tk_event *e = r->event;
    json_t *o = json_object();
    struct tk_buf b = {0};
    char *text;

    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "scan", json_integer(r->scan_id));
    json_object_set_new(o, "domain", json_string(events_escaped(&b, r->domain)));
    json_object_set_new(o, "agency", json_string(events_escaped(&b, r->agency)));
    json_object_set_new(o, "kind", json_string(tk_event_kind_name(e->kind)));
    json_object_set_new(o, "rule", json_string(e->rule));
    json_object_set_new(o, "from", json_string(tk_verdict_name(e->from)));
    json_object_set_new(o, "to", json_string(tk_verdict_name(e->to)));
    json_object_set_new(o, "before", json_string(events_escaped(&b, e->before)));
    json_object_set_new(o, "after", json_string(events_escaped(&b, e->after)));
    json_object_set_new(o, "remediation", json_string(events_escaped(&b, e->remediation)));
    if ((text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
        fprintf(s->out, "%s\n", text);
        free(text);
    }
    json_decref(o);
    tk_buf_free(&b);
}

static void events_csv(struct tk_events_show *s, const struct tk_event_row *r, const char *at)
{
    const struct tk_event *e = r->event;
    struct tk_buf b = {0};
    char scan[24];

    snprintf(scan, sizeof(scan), "%lld", (long long)r->scan_id);
    events_csv_cell(s->out, at, false);
    events_csv_cell(s->out, scan, false);
    events_csv_cell(s->out, events_escaped(&b, r->domain), false);
    events_csv_cell(s->out, events_escaped(&b, r->agency), false);
    events_csv_cell(s->out, tk_event_kind_name(e->kind), false);
    events_csv_cell(s->out, e->rule, false);
    events_csv_cell(s->out, tk_verdict_name(e->from), false);
    events_csv_cell(s->out, tk_verdict_name(e->to), false);
    events_csv_cell(s->out, events_escaped(&b, e->before), false);
    events_csv_cell(s->out, events_escaped(&b, e->after), false);
    events_csv_cell(s->out, events_escaped(&b, e->remediation), true);
    tk_buf_free(&b);
}

void tk_events_show_row(struct tk_events_show *s, const struct tk_event_row *r)
{
    char at[32];

    events_time(r->at, at);
    s->shown++;
    if (s->format == TK_FORMAT_JSON)
        events_json(s, r, at);
    else if (s->format == TK_FORMAT_CSV)
        events_csv(s, r, at);
    else
        events_text(s, r, at);
}

void tk_events_show_end(struct tk_events_show *s)
{
    if (s->format == TK_FORMAT_TEXT)
        fprintf(s->out, "%lu change event%s.\n", s->shown, s->shown == 1 ? "" : "s");
}
