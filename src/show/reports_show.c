/*
 * NAME
 *	reports_show.c - what the reports say, for people and programs
 * DESCRIPTION
 *	Text: one line per row (readiness: a block per domain with its
 *	blockers and fixes). JSON Lines: one object per row. CSV: one row
 *	per row, a header before the first.
 * STANDARDS
 *	RFC 4180 (CSV), RFC 8259 (JSON).
 */
#include <jansson.h>
#include <string.h>

#include "show/reports_show.h"
#include "show/show_json.h"

static const char *esc(struct tk_buf *b, const char *text)
{
    tk_buf_reset(b);
    tk_show_escape(b, text ? text : "", strlen(text ? text : ""));
    return tk_buf_cstr(b);
}

static void json_line(struct tk_reports_show *s, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (text)
        fprintf(s->out, "%s\n", text);
    free(text);
    json_decref(o);
}

static void csv_cell(FILE *out, const char *text, bool last)
{
    fputc('"', out);
    if (text[0] && strchr("=+-@", text[0]))
        fputc('\'', out);
    for (; *text; text++) {
        if (*text == '"')
            fputc('"', out);
        fputc(*text, out);
    }
    fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void tk_reports_show_day(struct tk_reports_show *s, const struct tk_dmarc_day *d)
{
    struct tk_buf b = {0};
    char n[5][24];
    json_t *o;

    if (s->format == TK_FORMAT_JSON) {
        o = json_object();
        json_object_set_new(o, "domain", json_string(esc(&b, d->domain)));
        json_object_set_new(o, "day", json_string(esc(&b, d->day)));
        json_object_set_new(o, "messages", json_integer((json_int_t)d->messages));
        json_object_set_new(o, "dmarc_pass", json_integer((json_int_t)d->dmarc_pass));
        json_object_set_new(o, "spf_aligned_pass", json_integer((json_int_t)d->spf_aligned_pass));
        json_object_set_new(o, "dkim_aligned_pass",
                            json_integer((json_int_t)d->dkim_aligned_pass));
        json_object_set_new(o, "reports", json_integer((json_int_t)d->reports));
        json_line(s, o);
    } else if (s->format == TK_FORMAT_CSV) {
        if (s->rows == 0)
            fprintf(s->out, "domain,day,messages,dmarc_pass,spf_aligned_pass,dkim_aligned_pass,"
                            "reports\n");
        snprintf(n[0], 24, "%llu", (unsigned long long)d->messages);
        snprintf(n[1], 24, "%llu", (unsigned long long)d->dmarc_pass);
        snprintf(n[2], 24, "%llu", (unsigned long long)d->spf_aligned_pass);
        snprintf(n[3], 24, "%llu", (unsigned long long)d->dkim_aligned_pass);
        snprintf(n[4], 24, "%llu", (unsigned long long)d->reports);
        csv_cell(s->out, esc(&b, d->domain), false);
        csv_cell(s->out, esc(&b, d->day), false);
        for (int i = 0; i < 5; i++)
            csv_cell(s->out, n[i], i == 4);
    } else {
        if (s->rows == 0)
            fprintf(s->out, "%-32s %-10s %10s %7s %7s %7s %7s\n", "domain", "day", "messages",
                    "DMARC", "SPF al.", "DKIM al.", "reports");
        fprintf(s->out, "%-32s %-10s %10llu %6.1f%% %6.1f%% %6.1f%% %7llu\n", esc(&b, d->domain),
                d->day, (unsigned long long)d->messages, pct(d->dmarc_pass, d->messages),
                pct(d->spf_aligned_pass, d->messages), pct(d->dkim_aligned_pass, d->messages),
                (unsigned long long)d->reports);
    }
    s->rows++;
    tk_buf_free(&b);
}

void tk_reports_show_source(struct tk_reports_show *s, const struct tk_dmarc_source *src,
                            bool legitimate)
{
    const struct tk_source_tally *t = &src->tally;
    const char *org = t->org ? t->org->name : legitimate ? "(own or set up)" : "(unknown)";
    struct tk_buf b = {0}, b2 = {0};
    json_t *o;

    if (s->format == TK_FORMAT_JSON) {
        o = json_object();
        json_object_set_new(o, "domain", json_string(esc(&b, src->domain)));
        json_object_set_new(o, "ip", json_string(esc(&b, t->ip)));
        json_object_set_new(o, "ptr", json_string(esc(&b, t->ptr)));
        json_object_set_new(o, "organisation", json_string(t->org ? t->org->name : ""));
        json_object_set_new(o, "legitimate", json_boolean(legitimate));
        json_object_set_new(o, "messages", json_integer((json_int_t)t->messages));
        json_object_set_new(o, "dmarc_pass", json_integer((json_int_t)t->dmarc_pass));
        json_object_set_new(o, "spf_pass", json_integer((json_int_t)t->spf_pass));
        json_object_set_new(o, "spf_aligned_pass", json_integer((json_int_t)t->spf_aligned_pass));
        json_object_set_new(o, "dkim_aligned_pass",
                            json_integer((json_int_t)t->dkim_aligned_pass));
        json_object_set_new(o, "dkim_domains", json_string(esc(&b, src->dkim_domains)));
        json_line(s, o);
    } else if (s->format == TK_FORMAT_CSV) {
        char n[5][24];

        if (s->rows == 0)
            fprintf(s->out, "domain,ip,ptr,organisation,messages,dmarc_pass,spf_pass,"
                            "spf_aligned_pass,dkim_aligned_pass\n");
        snprintf(n[0], 24, "%lu", t->messages);
        snprintf(n[1], 24, "%lu", t->dmarc_pass);
        snprintf(n[2], 24, "%lu", t->spf_pass);
        snprintf(n[3], 24, "%lu", t->spf_aligned_pass);
        snprintf(n[4], 24, "%lu", t->dkim_aligned_pass);
        csv_cell(s->out, esc(&b, src->domain), false);
        csv_cell(s->out, esc(&b, t->ip), false);
        csv_cell(s->out, esc(&b, t->ptr), false);
        csv_cell(s->out, org, false);
        for (int i = 0; i < 5; i++)
            csv_cell(s->out, n[i], i == 4);
    } else {
        if (s->rows == 0)
            fprintf(s->out, "%-28s %-39s %-20s %8s %6s %6s %6s  %s\n", "domain", "source",
                    "organisation", "messages", "DMARC", "SPF", "DKIM", "reverse DNS");
        fprintf(s->out, "%-28s %-39s %-20s %8lu %5.0f%% %5.0f%% %5.0f%%  %s\n",
                esc(&b, src->domain), t->ip, org, t->messages, pct(t->dmarc_pass, t->messages),
                pct(t->spf_aligned_pass, t->messages), pct(t->dkim_aligned_pass, t->messages),
                t->ptr[0] ? esc(&b2, t->ptr) : "-");
    }
    s->rows++;
    tk_buf_free(&b);
    tk_buf_free(&b2);
}

static void readiness_json(struct tk_reports_show *s, const char *domain,
                           const struct tk_readiness *r)
{
    json_t *o = json_object(), *blockers = json_array();
    struct tk_buf b = {0};
    size_t i;

    json_object_set_new(o, "domain", json_string(esc(&b, domain)));
    json_object_set_new(o, "spf_all", json_string(tk_readiness_name(r->spf_all)));
    json_object_set_new(o, "dmarc_reject", json_string(tk_readiness_name(r->dmarc_reject)));
    json_object_set_new(o, "messages", json_integer((json_int_t)r->messages));
    json_object_set_new(o, "legitimate", json_integer((json_int_t)r->legitimate));
    json_object_set_new(o, "unknown", json_integer((json_int_t)r->unknown));
    for (i = 0; i < r->nblockers; i++) {
        json_t *bl = json_object();

        json_object_set_new(bl, "ip", json_string(esc(&b, r->blockers[i].source->ip)));
        json_object_set_new(bl, "blocks_reject", json_boolean(r->blockers[i].blocks_reject));
        json_object_set_new(bl, "blocks_all", json_boolean(r->blockers[i].blocks_all));
        json_object_set_new(bl, "problem", json_string(esc(&b, r->blockers[i].problem)));
        json_object_set_new(bl, "fix", json_string(esc(&b, r->blockers[i].fix)));
        json_array_append_new(blockers, bl);
    }
    json_object_set_new(o, "blockers", blockers);
    json_line(s, o);
    tk_buf_free(&b);
}

void tk_reports_show_readiness(struct tk_reports_show *s, const char *domain,
                               const struct tk_readiness *r)
{
    struct tk_buf b = {0};
    size_t i;

    s->rows++;
    if (s->format == TK_FORMAT_JSON) {
        readiness_json(s, domain, r);
        return;
    }
    if (s->format == TK_FORMAT_CSV) {
        if (s->rows == 1)
            fprintf(s->out, "domain,spf_all,dmarc_reject,messages,legitimate,unknown,source,"
                            "problem,fix\n");
        for (i = 0; i < r->nblockers || i == 0; i++) {
            char n[3][24];

            snprintf(n[0], 24, "%lu", r->messages);
            snprintf(n[1], 24, "%lu", r->legitimate);
            snprintf(n[2], 24, "%lu", r->unknown);
            csv_cell(s->out, esc(&b, domain), false);
            csv_cell(s->out, tk_readiness_name(r->spf_all), false);
            csv_cell(s->out, tk_readiness_name(r->dmarc_reject), false);
            csv_cell(s->out, n[0], false);
            csv_cell(s->out, n[1], false);
            csv_cell(s->out, n[2], false);
            csv_cell(s->out, i < r->nblockers ? esc(&b, r->blockers[i].source->ip) : "", false);
            csv_cell(s->out, i < r->nblockers ? esc(&b, r->blockers[i].problem) : "", false);
            csv_cell(s->out, i < r->nblockers ? esc(&b, r->blockers[i].fix) : "", true);
        }
        tk_buf_free(&b);
        return;
    }
    fprintf(s->out, "%s: SPF -all %s, DMARC p=reject %s (%lu messages: %lu legitimate, %lu from "
                    "%zu unknown sources)\n",
            esc(&b, domain), tk_readiness_name(r->spf_all), tk_readiness_name(r->dmarc_reject),
            r->messages, r->legitimate, r->unknown, r->nunknown_sources);
    for (i = 0; i < r->nblockers; i++) {
        fprintf(s->out, "  %s%s%s: %s\n", r->blockers[i].blocks_all ? "-all" : "",
                r->blockers[i].blocks_all && r->blockers[i].blocks_reject ? " and " : "",
                r->blockers[i].blocks_reject ? "p=reject" : "",
                esc(&b, r->blockers[i].problem));
        fprintf(s->out, "    fix: %s\n", esc(&b, r->blockers[i].fix));
    }
    tk_buf_free(&b);
}

void tk_reports_show_failure(struct tk_reports_show *s, const struct tk_tlsrpt_failure_row *f)
{
    struct tk_buf b = {0}, b2 = {0}, b3 = {0};
    json_t *o;
    char n[24];

    if (s->format == TK_FORMAT_JSON) {
        o = json_object();
        json_object_set_new(o, "domain", json_string(esc(&b, f->domain)));
        json_object_set_new(o, "day", json_string(esc(&b, f->day)));
        json_object_set_new(o, "organisation", json_string(esc(&b, f->org)));
        json_object_set_new(o, "result_type", json_string(esc(&b, f->result_type)));
        json_object_set_new(o, "mx", json_string(esc(&b, f->mx)));
        json_object_set_new(o, "sessions", json_integer((json_int_t)f->sessions));
        json_line(s, o);
    } else if (s->format == TK_FORMAT_CSV) {
        if (s->rows == 0)
            fprintf(s->out, "domain,day,organisation,result_type,mx,sessions\n");
        snprintf(n, sizeof(n), "%llu", (unsigned long long)f->sessions);
        csv_cell(s->out, esc(&b, f->domain), false);
        csv_cell(s->out, esc(&b, f->day), false);
        csv_cell(s->out, esc(&b, f->org), false);
        csv_cell(s->out, esc(&b, f->result_type), false);
        csv_cell(s->out, esc(&b, f->mx), false);
        csv_cell(s->out, n, true);
    } else {
        if (s->rows == 0)
            fprintf(s->out, "%-28s %-10s %-24s %-28s %-28s %8s\n", "domain", "day",
                    "organisation", "result type", "MX", "sessions");
        fprintf(s->out, "%-28s %-10s %-24s %-28s %-28s %8llu\n", esc(&b, f->domain), f->day,
                esc(&b2, f->org), f->result_type, esc(&b3, f->mx),
                (unsigned long long)f->sessions);
    }
    s->rows++;
    tk_buf_free(&b);
    tk_buf_free(&b2);
    tk_buf_free(&b3);
}
