/*
 * NAME
 *	cmd_check.c - tiaki check: judge domains against the framework
 * SYNOPSIS
 *	tiaki check [OPTIONS] DOMAIN...
 *	tiaki check --inventory FILE [OPTIONS] [DOMAIN...]
 * DESCRIPTION
 *	Observes each domain's DNS records, runs the rules of its profile
 *	and shows the findings. Wires the stages together and does nothing
 *	else: observe/ asks, rules/ judges, show/ writes.
 * DIAGNOSTICS
 *	Exit 0 when every domain checked is compliant, 1 when any is not, 2
 *	for a usage error, 3 when nothing could be checked (every domain's
 *	look-ups failed, or no valid domain was given).
 */
#include <getopt.h>
#include <pthread.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/text.h"
#include "inventory/inventory.h"
#include "rules/rules.h"
#include "scan/scan.h"
#include "scan/transport.h"
#include "show/show.h"

#define CHECK_SERVERS_MAX 8

struct check_options {
    const char *servers[CHECK_SERVERS_MAX];
    size_t nservers;
    const char *inventory;
    enum tk_format format;
    bool format_set;
    enum tk_profile profile;
    const char *selectors[TK_DKIM_SELECTORS_MAX];
    size_t nselectors;
    int timeout_ms;
    unsigned jobs;
    unsigned threads;
    bool common_selectors;
    int colour; /* -1 auto */
    bool progress;
    bool verbose;
    bool no_probe;
    const char *ca_file;
    bool ca_only;
    const char *trust_anchor;
    const char *helo_name;
    int probe_timeout_ms;
    unsigned host_connections;
    char **domains;
    size_t ndomains;
};

struct check_run {
    pthread_mutex_t lock; /* output and counts, shared by the scan's threads */
    struct check_options *o;
    struct tk_inventory *inv;
    size_t next_arg;
    struct tk_show show;
    struct tk_transport *transport; /* NULL with --no-probe */
    unsigned long total;
    unsigned long checked; /* domains with at least one decided rule */
    const char *merged[TK_DKIM_SELECTORS_MAX];
};

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki check [OPTIONS] DOMAIN...\n"
            "       tiaki check --inventory FILE [OPTIONS] [DOMAIN...]\n"
            "\n"
            "Judge each domain's DNS records against the All of Government Secure Email\n"
            "Common Implementation Framework and say exactly what to change.\n"
            "\n"
            "options:\n"
            "  -i, --inventory FILE      CSV with a header row: domain,agency,profile,\n"
            "                            dkim_selectors,contact[,bulk] (- for stdin)\n"
            "  -r, --resolver ADDR[@PORT]  send every DNS question to this server\n"
            "                            (repeatable; default: the system's resolvers)\n"
            "  -f, --format text|json|csv  output (default: text on a terminal, else json)\n"
            "  -p, --profile email|parked  judge every domain as this profile\n"
            "                            (default: the inventory's, else inferred)\n"
            "  -s, --dkim-selector NAME  a DKIM selector to test (repeatable)\n"
            "      --no-common-selectors do not try the common selector names\n"
            "  -t, --timeout SECONDS     per DNS question (default %d)\n"
            "      --no-probe            DNS rules only: no connections to mail hosts\n"
            "                            (TLS-*, MTA-STS-ENFORCE and DANE not judged)\n"
            "      --probe-timeout SECONDS  per connection to a mail or policy host,\n"
            "                            the whole exchange (default %d)\n"
            "      --host-connections N  connections at once to one mail host address\n"
            "                            (default 1)\n"
            "      --ca-file FILE        PEM roots to trust besides the system's\n"
            "      --ca-only             trust only --ca-file's roots\n"
            "      --helo-name NAME      the name the probes send in EHLO (default:\n"
            "                            this machine's fully qualified name)\n"
            "      --trust-anchor FILE   DNSSEC trust anchor (zone-file format) for DANE;\n"
            "                            default with the system's resolvers: the root's\n"
            "  -j, --jobs N              domains checked at once, and mail hosts probed\n"
            "                            at once (at most %d) (default %d)\n"
            "  -T, --threads N           threads, each with its own resolver (default:\n"
            "                            one per CPU)\n"
            "      --color, --no-color   colour in text output (default: on a terminal)\n"
            "  -q, --quiet               no progress line on stderr\n"
            "  -v, --verbose             text: show the fix under passing rules too\n"
            "  -h, --help                this help\n"
            "\n"
            "exit status: 0 every domain compliant, 1 some domain not compliant,\n"
            "2 usage error, 3 nothing could be checked.\n",
            TK_DNS_TIMEOUT_MS_DEFAULT / 1000, TK_PROBE_TIMEOUT_MS_DEFAULT / 1000,
            TK_PROBE_WORKERS_MAX, TK_SCAN_DOMAINS_INFLIGHT_DEFAULT);
}

static int check_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int check_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tiaki check: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tiaki check --help'.\n");
    return 2;
}

enum {
    OPT_NO_COMMON = 256,
    OPT_COLOR,
    OPT_NO_COLOR,
    OPT_NO_PROBE,
    OPT_PROBE_TIMEOUT,
    OPT_HOST_CONNECTIONS,
    OPT_CA_FILE,
    OPT_CA_ONLY,
    OPT_TRUST_ANCHOR,
    OPT_HELO_NAME,
};

static const struct option check_long_options[] = {
    {"inventory", required_argument, NULL, 'i'},
    {"resolver", required_argument, NULL, 'r'},
    {"format", required_argument, NULL, 'f'},
    {"profile", required_argument, NULL, 'p'},
    {"dkim-selector", required_argument, NULL, 's'},
    {"no-common-selectors", no_argument, NULL, OPT_NO_COMMON},
    {"timeout", required_argument, NULL, 't'},
    {"jobs", required_argument, NULL, 'j'},
    {"threads", required_argument, NULL, 'T'},
    {"color", no_argument, NULL, OPT_COLOR},
    {"colour", no_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"no-colour", no_argument, NULL, OPT_NO_COLOR},
    {"no-probe", no_argument, NULL, OPT_NO_PROBE},
    {"probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT},
    {"host-connections", required_argument, NULL, OPT_HOST_CONNECTIONS},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"ca-only", no_argument, NULL, OPT_CA_ONLY},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"helo-name", required_argument, NULL, OPT_HELO_NAME},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool check_number(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* check_probe_option applies one option of the probes; returns -1 to
 * go on, else an exit. */
static int check_probe_option(struct check_options *o, int c, const char *arg)
{
    long v;

    switch (c) {
    case OPT_NO_PROBE:
        o->no_probe = true;
        break;
    case OPT_PROBE_TIMEOUT:
        if (!check_number(arg, 1, 600, &v))
            return check_usage_error("--probe-timeout '%s': seconds from 1 to 600", arg);
        o->probe_timeout_ms = (int)v * 1000;
        break;
    case OPT_HOST_CONNECTIONS:
        if (!check_number(arg, 1, TK_PROBE_HOST_CONNECTIONS_MAX, &v))
            return check_usage_error("--host-connections '%s': a number from 1 to %d", arg,
                                     TK_PROBE_HOST_CONNECTIONS_MAX);
        o->host_connections = (unsigned)v;
        break;
    case OPT_CA_FILE:
        o->ca_file = arg;
        break;
    case OPT_CA_ONLY:
        o->ca_only = true;
        break;
    case OPT_TRUST_ANCHOR:
        o->trust_anchor = arg;
        break;
    case OPT_HELO_NAME:
        o->helo_name = arg;
        break;
    default:
        return check_usage_error("unknown option");
    }
    return -1;
}

/* check_option applies one option; returns -1 to go on, else an exit. */
static int check_option(struct check_options *o, int c, const char *arg)
{
    long v;

    if (c >= OPT_NO_PROBE)
        return check_probe_option(o, c, arg);
    switch (c) {
    case 'i':
        o->inventory = arg;
        break;
    case 'r':
        if (o->nservers >= CHECK_SERVERS_MAX)
            return check_usage_error("at most %d --resolver servers", CHECK_SERVERS_MAX);
        o->servers[o->nservers++] = arg;
        break;
    case 'f':
        if (!tk_format_parse(arg, &o->format))
            return check_usage_error("--format '%s': use text, json or csv", arg);
        o->format_set = true;
        break;
    case 'p':
        if (!tk_profile_parse(arg, &o->profile) || o->profile == TK_PROFILE_UNSET)
            return check_usage_error("--profile '%s': use email or parked", arg);
        break;
    case 's':
        if (o->nselectors >= TK_DKIM_SELECTORS_MAX)
            return check_usage_error("at most %d --dkim-selector options", TK_DKIM_SELECTORS_MAX);
        o->selectors[o->nselectors++] = arg;
        break;
    case OPT_NO_COMMON:
        o->common_selectors = false;
        break;
    case 't':
        if (!check_number(arg, 1, TK_DNS_TIMEOUT_MS_MAX / 1000, &v))
            return check_usage_error("--timeout '%s': seconds from 1 to 120", arg);
        o->timeout_ms = (int)v * 1000;
        break;
    case 'j':
        if (!check_number(arg, 1, TK_SCAN_DOMAINS_INFLIGHT_MAX, &v))
            return check_usage_error("--jobs '%s': a number from 1 to 4096", arg);
        o->jobs = (unsigned)v;
        break;
    case 'T':
        if (!check_number(arg, 1, TK_SCAN_THREADS_MAX, &v))
            return check_usage_error("--threads '%s': a number from 1 to %d", arg,
                                     TK_SCAN_THREADS_MAX);
        o->threads = (unsigned)v;
        break;
    case OPT_COLOR:
        o->colour = 1;
        break;
    case OPT_NO_COLOR:
        o->colour = 0;
        break;
    case 'q':
        o->progress = false;
        break;
    case 'v':
        o->verbose = true;
        break;
    case 'h':
        check_usage(stdout);
        return 0;
    default:
        return check_usage_error("unknown option");
    }
    return -1;
}

static int check_parse(int argc, char **argv, struct check_options *o)
{
    int c, rc;

    memset(o, 0, sizeof(*o));
    o->common_selectors = true;
    o->colour = -1;
    o->progress = true;
    o->jobs = TK_SCAN_DOMAINS_INFLIGHT_DEFAULT;
    o->host_connections = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:r:f:p:s:t:j:T:qvh", check_long_options, NULL)) != -1) {
        if (c == '?')
            return check_usage_error("unknown option or missing argument: %s", argv[optind - 1]);
        if ((rc = check_option(o, c, optarg)) >= 0)
            return rc;
    }
    o->domains = argv + optind;
    o->ndomains = (size_t)(argc - optind);
    if (o->ndomains == 0 && o->inventory == NULL)
        return check_usage_error("no domain given: name domains or --inventory FILE");
    if (o->ca_only && o->ca_file == NULL)
        return check_usage_error("--ca-only needs --ca-file FILE");
    if (!o->format_set)
        o->format = isatty(STDOUT_FILENO) ? TK_FORMAT_TEXT : TK_FORMAT_JSON;
    return -1;
}

static void check_request_defaults(struct check_run *run, struct tk_observe_request *req)
{
    req->profile_hint = run->o->profile;
    req->selectors = run->o->selectors;
    req->nselectors = run->o->nselectors;
    req->common_selectors = run->o->common_selectors;
    req->transport = !run->o->no_probe;
    req->dnssec = run->o->trust_anchor != NULL;
}

/* check_merge_selectors adds the command line's selectors to a row's. */
static void check_merge_selectors(struct check_run *run, const struct tk_inventory_row *row,
                                  struct tk_observe_request *req)
{
    size_t n = 0, i;

    for (i = 0; i < run->o->nselectors && n < TK_DKIM_SELECTORS_MAX; i++)
        run->merged[n++] = run->o->selectors[i];
    for (i = 0; i < row->nselectors && n < TK_DKIM_SELECTORS_MAX; i++)
        run->merged[n++] = row->selectors[i];
    req->selectors = run->merged;
    req->nselectors = n;
}

static enum tk_status check_next(void *arg, struct tk_observe_request *req, struct tk_error *err)
{
    struct check_run *run = arg;
    struct tk_inventory_row row;
    enum tk_status st;

    check_request_defaults(run, req);
    if (run->next_arg < run->o->ndomains) {
        req->domain = run->o->domains[run->next_arg++];
        return TK_OK;
    }
    if (run->inv == NULL)
        return TK_ABSENT;
    if ((st = tk_inventory_next(run->inv, &row, err)) != TK_OK)
        return st;
    req->domain = row.domain;
    req->agency = row.agency;
    req->contact = row.contact;
    req->bulk = row.bulk;
    if (run->o->profile == TK_PROFILE_UNSET)
        req->profile_hint = row.profile;
    check_merge_selectors(run, &row, req);
    return TK_OK;
}

/* check_show runs on several threads at once (the scan's, or the
 * probe stage's): each judges and formats its domain into memory, and
 * only the write is serialised. */
static void check_show(void *arg, struct tk_observation *obs)
{
    struct check_run *run = arg;
    struct tk_judgement j;
    struct tk_show local;
    char *text = NULL;
    size_t len = 0;

    tk_judge(obs, &j);
    pthread_mutex_lock(&run->lock);
    local = run->show;
    pthread_mutex_unlock(&run->lock);
    local.out = open_memstream(&text, &len);
    if (local.out == NULL) {
        tk_observation_destroy(obs);
        return;
    }
    tk_show_domain(&local, obs, &j);
    fclose(local.out);
    pthread_mutex_lock(&run->lock);
    fwrite(text, 1, len, run->show.out);
    run->show.domains++;
    run->show.compliant += j.compliant;
    run->show.unprobed += j.not_probed > 0 && run->o->no_probe;
    run->checked += !j.all_unknown;
    pthread_mutex_unlock(&run->lock);
    free(text);
    tk_observation_destroy(obs);
}

/* check_sink takes each observation the DNS scan finishes: to the
 * probes, or (--no-probe) straight to judgement. */
static void check_sink(void *arg, struct tk_observation *obs)
{
    struct check_run *run = arg;

    if (run->transport)
        tk_transport_submit(run->transport, obs);
    else
        check_show(run, obs);
}

static bool check_admit(void *arg)
{
    struct check_run *run = arg;

    return run->transport == NULL || tk_transport_admits(run->transport);
}

static void check_bad(void *arg, const struct tk_error *err)
{
    char msg[TK_ERROR_MSG_MAX];

    /* The message may quote bytes from the inventory. */
    tk_strlcpy(msg, err->msg, sizeof(msg));
    tk_text_sanitise(msg);
    fprintf(stderr, "tiaki check: %s\n", msg);
}

static void check_progress(void *arg, const struct tk_scan_stats *st)
{
    struct check_run *run = arg;

    unsigned long shown;

    pthread_mutex_lock(&run->lock);
    shown = run->show.domains;
    pthread_mutex_unlock(&run->lock);
    (void)st;
    tk_show_progress(stderr, shown, run->total, false);
}

/* check_count_lines counts an inventory's data lines for the progress
 * bar; 0 when it cannot tell (a pipe). */
static unsigned long check_count_lines(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "r");
    unsigned long n = 0;
    int ch;

    if (f == NULL)
        return 0;
    while ((ch = getc(f)) != EOF)
        if (ch == '\n')
            n++;
    fclose(f);
    return n > 0 ? n - 1 : 0;
}

static int check_open_inventory(struct check_run *run, FILE **fp)
{
    struct tk_error err = {0};
    const char *path = run->o->inventory;

    *fp = NULL;
    if (path == NULL)
        return -1;
    *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (*fp == NULL) {
        fprintf(stderr, "tiaki check: cannot open inventory %s: %m\n", path);
        return 2;
    }
    if (tk_inventory_open(*fp, path, &run->inv, &err) != TK_OK) {
        fprintf(stderr, "tiaki check: %s\n", err.msg);
        return 2;
    }
    return -1;
}

static int check_scan(struct check_run *run, struct tk_resolver **r, unsigned n)
{
    struct tk_scan_source src = {check_next, run};
    struct tk_scan_hooks hooks = {check_sink, check_bad, NULL, check_admit, run};
    struct tk_scan_stats stats = {0};
    struct tk_error err = {0};
    bool progress = run->o->progress && isatty(STDERR_FILENO);
    enum tk_status st;

    if (progress) {
        run->total =
            run->o->ndomains + (run->o->inventory ? check_count_lines(run->o->inventory) : 0);
        if (run->total > 5)
            hooks.progress = check_progress;
    }
    tk_show_begin(&run->show);
    st = tk_scan_run(r, n, run->o->jobs, &src, &hooks, &stats, &err);
    if (run->transport)
        tk_transport_finish(run->transport);
    if (st != TK_OK) {
        fprintf(stderr, "tiaki check: %s\n", err.msg);
        return 3;
    }
    if (hooks.progress)
        tk_show_progress(stderr, run->show.domains, run->total, true);
    tk_show_end(&run->show, stats.rejected);
    if (run->checked == 0)
        return 3;
    return run->show.compliant < run->show.domains ? 1 : 0;
}

/* check_resolvers makes one resolver per thread; returns -1 or an exit. */
static int check_resolvers(const struct check_options *o, struct tk_resolver **r, unsigned n)
{
    struct tk_resolver_options ropts = {0};
    struct tk_error err = {0};
    unsigned i;

    ropts.servers = o->servers;
    ropts.nservers = o->nservers;
    ropts.timeout_ms = o->timeout_ms;
    ropts.trust_anchor_file = o->trust_anchor;
    for (i = 0; i < n; i++)
        if (tk_resolver_new_unbound(&ropts, &r[i], &err) != TK_OK) {
            fprintf(stderr, "tiaki check: %s\n", err.msg);
            return err.code == TK_USAGE ? 2 : 3;
        }
    return -1;
}

/* check_probes makes the probe context and starts the probe stage;
 * returns -1 or an exit. */
static int check_probes(struct check_run *run, struct tk_probe_context **ctx)
{
    const struct check_options *o = run->o;
    struct tk_probe_options popts = {0};
    struct tk_transport_options topts = {0};
    struct tk_error err = {0};

    if (o->no_probe)
        return -1;
    popts.ca_file = o->ca_file;
    popts.ca_file_only = o->ca_only;
    popts.timeout_ms = o->probe_timeout_ms;
    popts.helo_name = o->helo_name;
    if (tk_probe_context_new(&popts, ctx, &err) != TK_OK) {
        fprintf(stderr, "tiaki check: %s\n", err.msg);
        return err.code == TK_USAGE ? 2 : 3;
    }
    topts.probe = *ctx;
    topts.workers = o->jobs < TK_PROBE_WORKERS_MAX ? o->jobs : TK_PROBE_WORKERS_MAX;
    topts.host_connections = o->host_connections;
    if (tk_transport_new(&topts, check_show, run, &run->transport, &err) != TK_OK) {
        fprintf(stderr, "tiaki check: %s\n", err.msg);
        return 3;
    }
    return -1;
}

static unsigned check_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

int cmd_check_main(int argc, char **argv)
{
    struct check_options o;
    struct check_run run;
    struct tk_resolver *r[TK_SCAN_THREADS_MAX] = {0};
    struct tk_probe_context *pctx = NULL;
    FILE *inv_file = NULL;
    unsigned i, n;
    int rc;

    if ((rc = check_parse(argc, argv, &o)) >= 0)
        return rc;
    memset(&run, 0, sizeof(run));
    pthread_mutex_init(&run.lock, NULL);
    run.o = &o;
    run.show.out = stdout;
    run.show.format = o.format;
    run.show.verbose = o.verbose;
    run.show.colour =
        o.colour < 0 ? isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL : o.colour == 1;
    n = o.threads ? o.threads : check_default_threads();
    /* A few domains do not need more than one thread. */
    if (o.inventory == NULL && o.ndomains < 64)
        n = 1;
    json_object_seed(0); /* before threads, as jansson asks */
    if ((rc = check_resolvers(&o, r, n)) < 0 && (rc = check_open_inventory(&run, &inv_file)) < 0 &&
        (rc = check_probes(&run, &pctx)) < 0)
        rc = check_scan(&run, r, n);
    tk_transport_free(run.transport);
    tk_probe_context_free(pctx);
    tk_inventory_close(run.inv);
    if (inv_file && inv_file != stdin)
        fclose(inv_file);
    for (i = 0; i < n; i++)
        tk_resolver_free(r[i]);
    return rc;
}
