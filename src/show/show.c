/*
 * NAME
 *	show.c - findings for people and programs: text, JSON Lines, CSV
 * SECURITY
 *	Evidence is already quoted by rules/finding.c; raw records printed
 *	here pass through tk_show_escape.
 * STANDARDS
 *	RFC 4180 (CSV), RFC 8259 (JSON), JSON Lines.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dns/resolver.h"
#include "show/show.h"
#include "show/show_json.h"

bool tk_format_parse(const char *name, enum tk_format *out)
{
    if (strcmp(name, "text") == 0)
        *out = TK_FORMAT_TEXT;
    else if (strcmp(name, "json") == 0)
        *out = TK_FORMAT_JSON;
    else if (strcmp(name, "csv") == 0)
        *out = TK_FORMAT_CSV;
    else
        return false;
    return true;
}

/* tk_show_escape appends text with bytes outside printable ASCII written
 * as \xNN, so the result is safe in a terminal and valid UTF-8. The
 * backslash itself is written \x5c (as tk_finding_quote does), so a
 * published "\x1b" cannot pass for an escaped ESC byte. */
void tk_show_escape(struct tk_buf *b, const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];

        if (ch < 0x20 || ch > 0x7e || ch == '\\')
            tk_buf_printf(b, "\\x%02x", ch);
        else
            tk_buf_putc(b, (char)ch);
    }
}

static const char *show_lookup_status(const struct tk_lookup *l)
{
    switch (l->status) {
    case TK_OK:
        return "ok";
    case TK_ABSENT:
        return l->nxdomain ? "nxdomain" : "nodata";
    case TK_TEMP:
        return "temperror";
    default:
        return "invalid";
    }
}

/* show_tlsa writes TLSA rdata as its presentation form, "3 1 1 <hex>". */
static void show_tlsa(struct tk_buf *b, const char *rd, size_t len)
{
    const unsigned char *p = (const unsigned char *)rd;
    size_t i;

    if (len < 3) {
        tk_buf_printf(b, "(malformed: %zu bytes)", len);
        return;
    }
    tk_buf_printf(b, "%u %u %u ", p[0], p[1], p[2]);
    for (i = 3; i < len; i++)
        tk_buf_printf(b, "%02x", p[i]);
}

json_t *tk_show_json_lookup(const struct tk_lookup *l)
{
    json_t *o = json_object(), *recs = json_array();
    struct tk_buf b = {0};
    size_t i;

    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "status", json_string(show_lookup_status(l)));
    if (l->why[0])
        json_object_set_new(o, "why", json_string(l->why));
    for (i = 0; i < l->n; i++) {
        tk_buf_reset(&b);
        if (l->type == TK_DNS_MX)
            tk_buf_printf(&b, "%u ", l->rr[i].pref);
        if (l->type == TK_DNS_TLSA)
            show_tlsa(&b, l->rr[i].text, l->rr[i].len);
        else
            tk_show_escape(&b, l->rr[i].text, l->rr[i].len);
        json_array_append_new(recs, json_string(tk_buf_cstr(&b)));
    }
    json_object_set_new(o, "records", recs);
    if (l->type == TK_DNS_TLSA)
        json_object_set_new(o, "dnssec_validated", json_boolean(l->secure));
    tk_buf_free(&b);
    return o;
}

static json_t *show_json_records(const struct tk_observation *obs)
{
    json_t *r = json_object(), *dkim = json_object();
    size_t i;

    json_object_set_new(r, "mx", tk_show_json_lookup(&obs->mx));
    json_object_set_new(r, "txt", tk_show_json_lookup(&obs->txt));
    json_object_set_new(r, "dmarc", tk_show_json_lookup(&obs->dmarc));
    if (obs->dmarc_org.asked)
        json_object_set_new(r, "dmarc_org", tk_show_json_lookup(&obs->dmarc_org));
    json_object_set_new(r, "tlsrpt", tk_show_json_lookup(&obs->tlsrpt));
    if (obs->tlsrpt_seed.asked)
        json_object_set_new(r, "tlsrpt_smtptls", tk_show_json_lookup(&obs->tlsrpt_seed));
    json_object_set_new(r, "mta_sts", tk_show_json_lookup(&obs->mta_sts));
    for (i = 0; i < obs->ndkim; i++)
        if (obs->dkim[i].key.status != TK_ABSENT)
            json_object_set_new(dkim, obs->dkim[i].selector,
                                tk_show_json_lookup(&obs->dkim[i].key));
    json_object_set_new(r, "dkim", dkim);
    if (obs->dkim_wildcard.asked)
        json_object_set_new(r, "dkim_wildcard", tk_show_json_lookup(&obs->dkim_wildcard));
    json_object_set_new(r, "spf_dns_lookups", json_integer(obs->spf.dns_terms_total));
    json_object_set_new(r, "spf_void_lookups", json_integer(obs->spf.void_lookups));
    if (obs->transport)
        tk_show_json_transport(r, obs);
    return r;
}

static json_t *show_json_finding(const struct tk_finding *f)
{
    json_t *o = json_object();

    json_object_set_new(o, "rule", json_string(f->rule->id));
    json_object_set_new(o, "level", json_string(tk_level_name(f->rule->level)));
    json_object_set_new(o, "status", json_string(tk_verdict_name(f->status)));
    json_object_set_new(o, "evidence", json_string(f->evidence));
    json_object_set_new(o, "remediation", json_string(f->remediation));
    json_object_set_new(o, "seed", json_string(f->rule->seed));
    if (f->rule->nzism)
        json_object_set_new(o, "nzism", json_string(f->rule->nzism));
    return o;
}

/* show_json_write writes one JSON line. Dumping into memory and writing
 * once is several times faster than json_dumpf's many small writes. */
static void show_json_write(struct tk_show *s, json_t *o)
{
    const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    char stack[16384];
    size_t n = json_dumpb(o, stack, sizeof(stack), flags);
    char *big;

    if (n > 0 && n <= sizeof(stack)) {
        fwrite(stack, 1, n, s->out);
    } else if (n > 0 && (big = malloc(n)) != NULL) {
        fwrite(big, 1, json_dumpb(o, big, n, flags), s->out);
        free(big);
    }
    fputc('\n', s->out);
}

/* show_json_domain is the object of one domain: the findings and the
 * records (the --format json line, and what the store keeps). */
static json_t *show_json_domain(const struct tk_observation *obs, const struct tk_judgement *j)
{
    json_t *o = json_object(), *findings = json_array();
    size_t i;

    json_object_set_new(o, "domain", json_string(obs->domain));
    json_object_set_new(o, "agency", json_string(obs->agency));
    json_object_set_new(o, "profile", json_string(tk_profile_name(obs->profile)));
    json_object_set_new(o, "profile_reason", json_string(obs->profile_reason));
    json_object_set_new(o, "org_domain", json_string(obs->org_domain));
    json_object_set_new(o, "compliant", json_boolean(j->compliant));
    for (i = 0; i < j->n; i++)
        json_array_append_new(findings, show_json_finding(&j->findings[i]));
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "records", show_json_records(obs));
    return o;
}

static void show_json(struct tk_show *s, const struct tk_observation *obs,
                      const struct tk_judgement *j)
{
    json_t *o = show_json_domain(obs, j);

    show_json_write(s, o);
    json_decref(o);
}

char *tk_show_domain_json(const struct tk_observation *obs, const struct tk_judgement *j,
                          size_t *len)
{
    json_t *o = show_json_domain(obs, j);
    char *text;

    tk_show_json_untimed(json_object_get(o, "records"));
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    json_decref(o);
    *len = text ? strlen(text) : 0;
    return text;
}

static void show_csv_field(FILE *out, const char *text, bool last)
{
    fputc('"', out);
    for (; *text; text++) {
        if (*text == '"')
            fputc('"', out);
        fputc(*text, out);
    }
    fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

static void show_csv(struct tk_show *s, const struct tk_observation *obs,
                     const struct tk_judgement *j)
{
    size_t i;

    for (i = 0; i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        show_csv_field(s->out, obs->domain, false);
        show_csv_field(s->out, obs->agency, false);
        show_csv_field(s->out, tk_profile_name(obs->profile), false);
        show_csv_field(s->out, j->compliant ? "yes" : "no", false);
        show_csv_field(s->out, f->rule->id, false);
        show_csv_field(s->out, tk_level_name(f->rule->level), false);
        show_csv_field(s->out, tk_verdict_name(f->status), false);
        show_csv_field(s->out, f->evidence, false);
        show_csv_field(s->out, f->remediation, true);
    }
}

void tk_show_begin(struct tk_show *s)
{
    if (s->format == TK_FORMAT_CSV)
        fputs("domain,agency,profile,compliant,rule,level,status,evidence,remediation\n", s->out);
}

void tk_show_domain(struct tk_show *s, const struct tk_observation *obs,
                    const struct tk_judgement *j)
{
    s->domains++;
    if (j->compliant)
        s->compliant++;
    switch (s->format) {
    case TK_FORMAT_JSON:
        show_json(s, obs, j);
        break;
    case TK_FORMAT_CSV:
        show_csv(s, obs, j);
        break;
    case TK_FORMAT_TEXT:
        tk_show_text(s, obs, j);
        break;
    }
    fflush(s->out);
}
