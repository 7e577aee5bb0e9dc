/*
 * NAME
 *	cmd_reports.c - tiaki reports: DMARC and TLS-RPT reports, kept and read
 * SYNOPSIS
 *	tiaki reports ingest SOURCE... [--db URL] [--max-size MB] [--move-to FOLDER]
 *	tiaki reports summary|sources|readiness|tlsrpt [--domain D] [--since DATE]
 *	        [--format text|json|csv] [--resolver ADDR] [--db URL]
 * DESCRIPTION
 *	ingest keeps every report found in the sources (reports_ingest.c).
 *	summary: per domain and day, messages and DMARC, aligned SPF and
 *	aligned DKIM pass rates. sources: per domain, each sending address
 *	with its reverse DNS name and known organisation. readiness: per
 *	domain, whether SPF -all and DMARC p=reject would drop legitimate
 *	mail, the sources that would fail and the change that fixes each.
 *	tlsrpt: TLS-RPT failures by organisation, result type, MX and day.
 * DIAGNOSTICS
 *	ingest: 0 when every report was kept (or was a duplicate), 1 when
 *	some were rejected or a source could not be read. readiness: 0 when
 *	every domain listed is ready for both moves, 1 when one is not. 2
 *	usage error, 3 store or resolver failure.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/reports.h"
#include "cli/store_open.h"
#include "observe/ptr.h"
#include "dns/resolver.h"
#include "record/orgdomain.h"
#include "show/reports_show.h"

#define PROG "reports"
#define SOURCES_MAX 100000

static void reports_usage(FILE *out)
{
    fprintf(
        out,
        "usage: tiaki reports ingest SOURCE... [--db URL] [--max-size MB]\n"
        "                    [--move-to FOLDER] [--imap-connect ADDR] [--ca-file FILE] [--all]\n"
        "       tiaki reports summary|sources|readiness|tlsrpt [--domain D] [--since DATE]\n"
        "                    [--format text|json|csv] [--resolver ADDR] [--db URL]\n"
        "\n"
        "DMARC aggregate and TLS-RPT reports: keep them, and read what they say.\n"
        "A SOURCE is a file (.xml, .gz, .zip, .json, .eml: found by content), a\n"
        "directory, a Maildir, an mbox, or an IMAP mailbox imaps://user@host/INBOX\n"
        "(password: [reports] imap_password or $TIAKI_IMAP_PASSWORD).\n"
        "  summary    per domain and day: messages, DMARC/SPF/DKIM pass rates\n"
        "  sources    who sends as each domain: address, name, organisation\n"
        "  readiness  is it safe to move to SPF -all and DMARC p=reject?\n"
        "  tlsrpt     TLS-RPT failures by organisation, result type, MX and day\n"
        "DATE: YYYY-MM-DD, or a span back from now (7d, 24h).\n");
}

struct reports_cmd {
    struct reports_options o;
    struct engine_options e; /* --resolver, --timeout for reverse DNS */
    struct tk_reports_show show;
};

enum {
    OPT_DB = 256,
    OPT_DOMAIN,
    OPT_SINCE,
    OPT_MAX_SIZE,
    OPT_MOVE_TO,
    OPT_CONNECT,
    OPT_ALL,
    OPT_NO_SELECTORS,
    OPT_NO_PTR
};

static const struct option reports_own_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"domain", required_argument, NULL, OPT_DOMAIN},
    {"since", required_argument, NULL, OPT_SINCE},
    {"format", required_argument, NULL, 'f'},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"move-to", required_argument, NULL, OPT_MOVE_TO},
    {"imap-connect", required_argument, NULL, OPT_CONNECT},
    {"all", no_argument, NULL, OPT_ALL},
    {"no-selectors", no_argument, NULL, OPT_NO_SELECTORS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int reports_option(struct reports_cmd *c, int opt, const char *arg)
{
    enum tk_format f;
    long v;

    switch (opt) {
    case OPT_DB:
        c->o.db = arg;
        return -1;
    case OPT_DOMAIN:
        c->o.domain = arg;
        return -1;
    case OPT_SINCE:
        if (!cli_parse_time(arg, &c->o.since))
            return engine_usage_error(PROG, "--since '%s': YYYY-MM-DD, or 24h, 7d", arg);
        return -1;
    case 'f':
        if (!tk_format_parse(arg, &f))
            return engine_usage_error(PROG, "--format '%s': use text, json or csv", arg);
        c->show.format = f;
        return -1;
    case OPT_MAX_SIZE:
        if (!engine_number(arg, 1, (long)(TK_REPORT_DECOMPRESSED_MAX >> 20), &v))
            return engine_usage_error(PROG, "--max-size '%s': megabytes from 1 to %zu", arg,
                                      TK_REPORT_DECOMPRESSED_MAX >> 20);
        c->o.limits.decompressed_max = (size_t)v << 20;
        return -1;
    case OPT_MOVE_TO:
        c->o.move_to = arg;
        return -1;
    case OPT_CONNECT:
        c->o.imap_connect = arg;
        return -1;
    case OPT_ALL:
        c->o.imap_all = true;
        return -1;
    case OPT_NO_SELECTORS:
        c->o.no_selectors = true;
        return -1;
    case 'q':
        c->o.quiet = true;
        return -1;
    case 'h':
        reports_usage(stdout);
        return 0;
    default:
        if ((v = engine_option(&c->e, PROG, opt, arg)) == 1)
            return engine_usage_error(PROG, "unknown option");
        if (opt == 'C' || v != -1)
            return (int)v;
        /* --ca-file is the engine's and IMAP's alike. */
        c->o.ca_file = c->e.ca_file;
        return -1;
    }
}

/* ---- ingest ---- */

struct selector_pair {
    char domain[TK_DOMAIN_MAX + 1];
    char selector[64];
};

struct selector_walk {
    struct selector_pair *pairs;
    size_t n, cap;
    struct tk_store_domain *doms;
    size_t ndoms, domcap;
};

static void selectors_seen(void *arg, const char *domain, const char *selector)
{
    struct selector_walk *w = arg;
    struct selector_pair *p;

    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;

        if (cap > 100000 || (p = realloc(w->pairs, cap * sizeof(*p))) == NULL)
            return;
        w->pairs = p;
        w->cap = cap;
    }
    snprintf(w->pairs[w->n].domain, TK_DOMAIN_MAX + 1, "%s", domain);
    snprintf(w->pairs[w->n++].selector, 64, "%s", selector);
}

static bool selectors_domain(void *arg, const struct tk_store_domain *d)
{
    struct selector_walk *w = arg;
    struct tk_store_domain *p;

    if (w->ndoms == w->domcap) {
        size_t cap = w->domcap ? w->domcap * 2 : 64;

        if ((p = realloc(w->doms, cap * sizeof(*p))) == NULL)
            return false;
        w->doms = p;
        w->domcap = cap;
    }
    w->doms[w->ndoms++] = *d;
    return true;
}

static bool selector_listed(const char *list, const char *sel)
{
    size_t n = strlen(sel);
    const char *p = list;

    while ((p = strstr(p, sel)) != NULL) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
        p += n;
    }
    return false;
}

/* reports_feed_selectors adds the selectors reports showed to the
 * inventory's domains, so tiaki check tests them. */
static void reports_feed_selectors(struct tk_store *s, struct reports_ingest_stats *st)
{
    struct selector_walk w = {0};
    struct tk_error err = {0};
    bool created, changed;
    size_t i, k, len;

    if (tk_store_dkim_selectors_seen(s, selectors_seen, &w, &err) != TK_OK ||
        tk_store_domains(s, NULL, selectors_domain, &w, &err) != TK_OK)
        fprintf(stderr, "tiaki reports: selectors not added to the inventory: %s\n", err.msg);
    for (i = 0; i < w.ndoms; i++) {
        changed = false;
        for (k = 0; k < w.n; k++) {
            if (strcasecmp(w.pairs[k].domain, w.doms[i].domain) != 0 ||
                selector_listed(w.doms[i].selectors, w.pairs[k].selector))
                continue;
            len = strlen(w.doms[i].selectors);
            if (len + strlen(w.pairs[k].selector) + 2 > sizeof(w.doms[i].selectors))
                continue;
            snprintf(w.doms[i].selectors + len, sizeof(w.doms[i].selectors) - len, "%s%s",
                     len ? " " : "", w.pairs[k].selector);
            changed = true;
            st->selectors_added++;
        }
        if (changed)
            tk_store_domain_put(s, &w.doms[i], &created, &err);
    }
    free(w.pairs);
    free(w.doms);
}

static int reports_cmd_ingest(struct reports_cmd *c, struct tk_store *s, char **src, size_t n)
{
    struct reports_ingest_stats st = {0};
    int rc;

    if (n == 0)
        return engine_usage_error(PROG, "ingest what? name files, directories or mailboxes");
    rc = reports_ingest(s, src, n, &c->o, &st);
    if (rc == 2 || rc == 3)
        return rc;
    if (!c->o.no_selectors)
        reports_feed_selectors(s, &st);
    printf("ingested: %lu DMARC reports (%llu records, %llu messages), %lu TLS-RPT reports; "
           "%lu duplicates, %lu rejected, %lu items skipped; %lu DKIM selectors added to the "
           "inventory\n",
           st.dmarc, st.records, st.messages, st.tlsrpt, st.duplicates, st.rejected, st.skipped,
           st.selectors_added);
    return rc >= 0 ? rc : st.rejected ? 1 : 0;
}

/* ---- analysis ---- */

static void reports_each_day(void *arg, const struct tk_dmarc_day *d)
{
    tk_reports_show_day(arg, d);
}

static void reports_each_failure(void *arg, const struct tk_tlsrpt_failure_row *f)
{
    tk_reports_show_failure(arg, f);
}

/* One source kept for reverse DNS and readiness. */
struct source_item {
    char domain[TK_DOMAIN_MAX + 1];
    struct tk_source_tally t;
    char dkim_domains[512];
    char envelope_domains[512];
};

struct source_list {
    struct source_item *items;
    size_t n, cap;
    bool full;
};

static void sources_collect(void *arg, const struct tk_dmarc_source *src)
{
    struct source_list *l = arg;
    struct source_item *p;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;

        if (cap > SOURCES_MAX || (p = realloc(l->items, cap * sizeof(*p))) == NULL) {
            l->full = true;
            return;
        }
        l->items = p;
        l->cap = cap;
    }
    p = &l->items[l->n++];
    snprintf(p->domain, sizeof(p->domain), "%s", src->domain);
    p->t = src->tally;
    snprintf(p->dkim_domains, sizeof(p->dkim_domains), "%s",
             src->dkim_domains ? src->dkim_domains : "");
    snprintf(p->envelope_domains, sizeof(p->envelope_domains), "%s",
             src->envelope_domains ? src->envelope_domains : "");
}

/* sources_resolve looks up every source's reverse DNS name, then its
 * organisation. */
static int sources_resolve(struct reports_cmd *c, struct source_list *l)
{
    struct engine_options e = c->e;
    struct tk_resolver *r = NULL;
    struct tk_error err = {0};
    struct tk_source_tally **tallies;
    const char *doms[64];
    size_t i, nd;
    char *save, *tok;
    int rc;

    /* A source with no reverse name costs its timeout: 3 s by default. */
    if (e.timeout_ms == 0)
        e.timeout_ms = 3000;
    if ((rc = engine_mail_resolver(&e, "reports", &r)) != -1)
        return rc;
    if ((tallies = calloc(l->n ? l->n : 1, sizeof(*tallies))) == NULL) {
        tk_resolver_free(r);
        fprintf(stderr, "tiaki reports: out of memory\n");
        return 3;
    }
    for (i = 0; i < l->n; i++)
        tallies[i] = &l->items[i].t;
    if (tk_observe_ptr_names(r, tallies, l->n, &err) != TK_OK)
        fprintf(stderr, "tiaki reports: reverse names: %s\n", err.msg);
    free(tallies);
    tk_resolver_free(r);
    for (i = 0; i < l->n; i++) {
        struct source_item *it = &l->items[i];
        char buf[1030];

        snprintf(buf, sizeof(buf), "%s %s", it->dkim_domains, it->envelope_domains);
        for (nd = 0, tok = strtok_r(buf, " ", &save); tok && nd < 64;
             tok = strtok_r(NULL, " ", &save))
            doms[nd++] = tok;
        it->t.org = tk_sender_identify(it->t.ptr, doms, nd);
    }
    return -1;
}

static int reports_cmd_sources(struct reports_cmd *c, struct tk_store *s, bool readiness)
{
    struct source_list l = {0};
    struct tk_error err = {0};
    struct tk_dmarc_source src;
    struct tk_readiness *r;
    char org[TK_DOMAIN_MAX + 1];
    size_t i, start;
    int rc, not_ready = 0;

    if (tk_store_dmarc_sources(s, c->o.domain, c->o.since, sources_collect, &l, &err) != TK_OK) {
        fprintf(stderr, "tiaki reports: %s\n", err.msg);
        free(l.items);
        return 3;
    }
    if (l.full)
        fprintf(stderr, "tiaki reports: more than %d sources: the rest are not shown\n",
                SOURCES_MAX);
    if ((rc = sources_resolve(c, &l)) >= 0) {
        free(l.items);
        return rc;
    }
    if (!readiness) {
        for (i = 0; i < l.n; i++) {
            src = (struct tk_dmarc_source){l.items[i].domain, l.items[i].t, l.items[i].dkim_domains,
                                           l.items[i].envelope_domains};
            tk_org_domain(l.items[i].domain, org);
            tk_reports_show_source(&c->show, &src, tk_source_legitimate(&l.items[i].t, org));
        }
        free(l.items);
        return 0;
    }
    if ((r = malloc(sizeof(*r))) == NULL) {
        free(l.items);
        return 3;
    }
    /* Sources come by domain: assess each domain's run of them. */
    for (start = 0; start < l.n; start = i) {
        struct source_item *first = &l.items[start];
        struct tk_source_tally t[1024];
        size_t k = 0;

        for (i = start; i < l.n && strcmp(l.items[i].domain, first->domain) == 0; i++)
            if (k < 1024)
                t[k++] = l.items[i].t;
        tk_org_domain(first->domain, org);
        tk_readiness_assess(first->domain, org, t, k, r);
        tk_reports_show_readiness(&c->show, first->domain, r);
        not_ready |= r->spf_all == TK_NOT_READY || r->dmarc_reject == TK_NOT_READY;
    }
    free(r);
    free(l.items);
    return not_ready ? 1 : 0;
}

static int reports_cmd_run(struct reports_cmd *c, struct tk_store *s, const char *verb, char **args,
                           size_t nargs)
{
    struct tk_error err = {0};
    enum tk_status st;

    if (strcmp(verb, "ingest") == 0)
        return reports_cmd_ingest(c, s, args, nargs);
    if (nargs > 0)
        return engine_usage_error(PROG, "unexpected argument '%s'", args[0]);
    if (strcmp(verb, "summary") == 0)
        st = tk_store_dmarc_days(s, c->o.domain, c->o.since, reports_each_day, &c->show, &err);
    else if (strcmp(verb, "tlsrpt") == 0)
        st = tk_store_tlsrpt_failures(s, c->o.domain, c->o.since, reports_each_failure, &c->show,
                                      &err);
    else if (strcmp(verb, "sources") == 0 || strcmp(verb, "readiness") == 0)
        return reports_cmd_sources(c, s, verb[0] == 'r');
    else
        return engine_usage_error(PROG, "unknown action '%s'", verb);
    if (st != TK_OK) {
        fprintf(stderr, "tiaki reports: %s\n", err.msg);
        return 3;
    }
    if (c->show.rows == 0 && c->show.format == TK_FORMAT_TEXT)
        printf("no report data%s%s\n", c->o.domain ? " for " : "", c->o.domain ? c->o.domain : "");
    return 0;
}

int cmd_reports_main(int argc, char **argv)
{
    struct reports_cmd *c = calloc(1, sizeof(*c));
    struct option longs[64];
    struct tk_store *s = NULL;
    int opt, rc;

    if (c == NULL)
        return 3;
    c->show.out = stdout;
    c->show.format = TK_FORMAT_TEXT;
    tk_report_limits_default(&c->o.limits);
    if ((rc = engine_options_init(&c->e, &tk_cli_config, PROG)) < 0) {
        engine_long_options_merge(longs, 64, reports_own_options);
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "f:qh" ENGINE_SHORT_OPTIONS, longs, NULL)) != -1 &&
               (rc = opt == '?' ? engine_usage_error(PROG,
                                                     "unknown option or missing "
                                                     "argument: %s",
                                                     argv[optind - 1])
                                : reports_option(c, opt, optarg)) < 0)
            ;
    }
    if (rc < 0 && optind >= argc)
        rc = engine_usage_error(PROG, "say ingest, summary, sources, readiness or tlsrpt");
    if (rc < 0 && (rc = cli_store_open(PROG, c->o.db, &s)) < 0) {
        rc = reports_cmd_run(c, s, argv[optind], argv + optind + 1, (size_t)(argc - optind - 1));
        tk_store_close(s);
    }
    free(c);
    return rc;
}
