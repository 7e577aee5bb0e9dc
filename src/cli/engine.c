/*
 * NAME
 *	engine.c - the checking pipeline that check, scan and monitor share
 * DESCRIPTION
 *	Options in, then resolvers (one per thread), the probe context and
 *	stage, the scan; each observation is judged on the thread that
 *	finished it and handed to the command's result hook.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/engine.h"
#include "inventory/inventory.h"
#include "scan/transport.h"

enum {
    OPT_NO_COMMON = 300,
    OPT_NO_PROBE,
    OPT_PROBE_TIMEOUT,
    OPT_HOST_CONNECTIONS,
    OPT_CA_FILE,
    OPT_CA_ONLY,
    OPT_TRUST_ANCHOR,
    OPT_HELO_NAME,
};

const struct option engine_long_options[ENGINE_LONG_OPTIONS_N] = {
    {"resolver", required_argument, NULL, 'r'},
    {"profile", required_argument, NULL, 'p'},
    {"dkim-selector", required_argument, NULL, 's'},
    {"no-common-selectors", no_argument, NULL, OPT_NO_COMMON},
    {"timeout", required_argument, NULL, 't'},
    {"jobs", required_argument, NULL, 'j'},
    {"threads", required_argument, NULL, 'T'},
    {"no-probe", no_argument, NULL, OPT_NO_PROBE},
    {"probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT},
    {"host-connections", required_argument, NULL, OPT_HOST_CONNECTIONS},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"ca-only", no_argument, NULL, OPT_CA_ONLY},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"helo-name", required_argument, NULL, OPT_HELO_NAME},
    /* Taken by main (it loads the file before the command runs). */
    {"config", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0},
    {NULL, 0, NULL, 0},
};

struct option *engine_long_options_merge(struct option *out, size_t max, const struct option *own)
{
    size_t n = 0, i;

    for (i = 0; own[i].name && n + 1 < max; i++)
        out[n++] = own[i];
    for (i = 0; engine_long_options[i].name && n + 1 < max; i++)
        out[n++] = engine_long_options[i];
    memset(&out[n], 0, sizeof(out[n]));
    return out;
}

void engine_usage(FILE *out)
{
    fprintf(out,
            "  -r, --resolver ADDR[@PORT]  send every DNS question to this server\n"
            "                            (repeatable; default: the system's resolvers)\n"
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
            "      --trust-anchor FILE   DNSSEC trust anchor (zone-file format) for DANE\n"
            "  -j, --jobs N              domains checked at once, and mail hosts probed\n"
            "                            at once (at most %d) (default %d)\n"
            "  -T, --threads N           threads, each with its own resolver (default:\n"
            "                            one per CPU)\n"
            "      --config FILE         options from FILE (default %s)\n",
            TK_DNS_TIMEOUT_MS_DEFAULT / 1000, TK_PROBE_TIMEOUT_MS_DEFAULT / 1000,
            TK_PROBE_WORKERS_MAX, TK_SCAN_DOMAINS_INFLIGHT_DEFAULT, TK_CONFIG_DEFAULT);
}

int engine_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tiaki %s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tiaki %s --help'.\n", prog);
    return 2;
}

bool engine_number(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int engine_probe_option(struct engine_options *o, const char *prog, int c, const char *arg)
{
    long v;

    switch (c) {
    case OPT_NO_PROBE:
        o->no_probe = true;
        return -1;
    case OPT_PROBE_TIMEOUT:
        if (!engine_number(arg, 1, 600, &v))
            return engine_usage_error(prog, "--probe-timeout '%s': seconds from 1 to 600", arg);
        o->probe_timeout_ms = (int)v * 1000;
        return -1;
    case OPT_HOST_CONNECTIONS:
        if (!engine_number(arg, 1, TK_PROBE_HOST_CONNECTIONS_MAX, &v))
            return engine_usage_error(prog, "--host-connections '%s': a number from 1 to %d", arg,
                                      TK_PROBE_HOST_CONNECTIONS_MAX);
        o->host_connections = (unsigned)v;
        return -1;
    case OPT_CA_FILE:
        o->ca_file = arg;
        return -1;
    case OPT_CA_ONLY:
        o->ca_only = true;
        return -1;
    case OPT_TRUST_ANCHOR:
        o->trust_anchor = arg;
        return -1;
    case OPT_HELO_NAME:
        o->helo_name = arg;
        return -1;
    case 'C':
        return -1; /* main has read it */
    default:
        return 1;
    }
}

int engine_option(struct engine_options *o, const char *prog, int c, const char *arg)
{
    long v;

    switch (c) {
    case 'r':
        if (o->nservers >= ENGINE_SERVERS_MAX)
            return engine_usage_error(prog, "at most %d --resolver servers", ENGINE_SERVERS_MAX);
        o->servers[o->nservers++] = arg;
        return -1;
    case 'p':
        if (!tk_profile_parse(arg, &o->profile) || o->profile == TK_PROFILE_UNSET)
            return engine_usage_error(prog, "--profile '%s': use email or parked", arg);
        return -1;
    case 's':
        if (o->nselectors >= TK_DKIM_SELECTORS_MAX)
            return engine_usage_error(prog, "at most %d --dkim-selector options",
                                      TK_DKIM_SELECTORS_MAX);
        o->selectors[o->nselectors++] = arg;
        return -1;
    case OPT_NO_COMMON:
        o->common_selectors = false;
        return -1;
    case 't':
        if (!engine_number(arg, 1, TK_DNS_TIMEOUT_MS_MAX / 1000, &v))
            return engine_usage_error(prog, "--timeout '%s': seconds from 1 to 120", arg);
        o->timeout_ms = (int)v * 1000;
        return -1;
    case 'j':
        if (!engine_number(arg, 1, TK_SCAN_DOMAINS_INFLIGHT_MAX, &v))
            return engine_usage_error(prog, "--jobs '%s': a number from 1 to %d", arg,
                                      TK_SCAN_DOMAINS_INFLIGHT_MAX);
        o->jobs = (unsigned)v;
        return -1;
    case 'T':
        if (!engine_number(arg, 1, TK_SCAN_THREADS_MAX, &v))
            return engine_usage_error(prog, "--threads '%s': a number from 1 to %d", arg,
                                      TK_SCAN_THREADS_MAX);
        o->threads = (unsigned)v;
        return -1;
    default:
        return engine_probe_option(o, prog, c, arg);
    }
}

/* engine_config_resolvers splits the configuration's comma-separated
 * resolver list (its storage is the configuration's, which lives as
 * long as the process). */
static int engine_config_resolvers(struct engine_options *o, char *list, const char *prog)
{
    char *save = NULL, *tok;

    for (tok = strtok_r(list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
        if (engine_option(o, prog, 'r', tok) != -1)
            return 2;
    return -1;
}

/* engine_config_number applies one numeric configuration value through
 * the option that takes it, so both are checked the same way. */
static int engine_config_value(struct engine_options *o, const char *prog, int c, const char *value)
{
    return value[0] ? engine_option(o, prog, c, value) : -1;
}

int engine_options_init(struct engine_options *o, const struct tk_config *cfg, const char *prog)
{
    struct tk_config *mcfg = (struct tk_config *)cfg;
    bool probe = true;

    memset(o, 0, sizeof(*o));
    o->common_selectors = true;
    o->jobs = TK_SCAN_DOMAINS_INFLIGHT_DEFAULT;
    o->host_connections = 1;
    if (cfg == NULL)
        return -1;
    if (engine_config_resolvers(o, mcfg->resolver, prog) != -1 ||
        engine_config_value(o, prog, 't', cfg->timeout) != -1 ||
        engine_config_value(o, prog, OPT_PROBE_TIMEOUT, cfg->probe_timeout) != -1 ||
        engine_config_value(o, prog, 'j', cfg->jobs) != -1)
        return 2;
    if (cfg->probe[0] && !tk_config_bool(cfg->probe, &probe))
        return engine_usage_error(prog, "%s: probe = '%s': use yes or no", cfg->path, cfg->probe);
    o->no_probe = !probe;
    o->ca_file = cfg->ca_file[0] ? cfg->ca_file : NULL;
    o->trust_anchor = cfg->trust_anchor[0] ? cfg->trust_anchor : NULL;
    o->helo_name = cfg->helo_name[0] ? cfg->helo_name : NULL;
    return -1;
}

int engine_options_check(const struct engine_options *o, const char *prog)
{
    if (o->ca_only && o->ca_file == NULL)
        return engine_usage_error(prog, "--ca-only needs --ca-file FILE");
    return -1;
}

void engine_request(const struct engine_options *o, const char *const *list, size_t n,
                    const char *spaced, struct engine_selectors *sel,
                    struct tk_observe_request *req)
{
    size_t k = 0, i;
    char *save = NULL, *tok;

    req->profile_hint = o->profile;
    req->common_selectors = o->common_selectors;
    req->transport = !o->no_probe;
    req->dnssec = o->trust_anchor != NULL;
    for (i = 0; i < o->nselectors && k < TK_DKIM_SELECTORS_MAX; i++)
        sel->list[k++] = o->selectors[i];
    for (i = 0; i < n && k < TK_DKIM_SELECTORS_MAX; i++)
        sel->list[k++] = list[i];
    snprintf(sel->spaced, sizeof(sel->spaced), "%s", spaced ? spaced : "");
    for (tok = strtok_r(sel->spaced, " \t", &save); tok && k < TK_DKIM_SELECTORS_MAX;
         tok = strtok_r(NULL, " \t", &save))
        sel->list[k++] = tok;
    req->selectors = sel->list;
    req->nselectors = k;
}

/* ---- the run ---- */

struct engine_run {
    const struct engine_options *o;
    const struct engine_hooks *h;
    struct tk_transport *transport; /* NULL with --no-probe */
};

/* engine_judge runs on several threads at once (the scan's, or the
 * probe stage's). */
static void engine_judge(void *arg, struct tk_observation *obs)
{
    struct engine_run *run = arg;
    struct tk_judgement j;

    tk_judge(obs, &j);
    run->h->result(run->h->arg, obs, &j);
    tk_observation_destroy(obs);
}

static void engine_sink(void *arg, struct tk_observation *obs)
{
    struct engine_run *run = arg;

    if (run->transport)
        tk_transport_submit(run->transport, obs);
    else
        engine_judge(run, obs);
}

static bool engine_admit(void *arg)
{
    struct engine_run *run = arg;

    return run->transport == NULL || tk_transport_admits(run->transport);
}

static void engine_progress(void *arg, const struct tk_scan_stats *st)
{
    struct engine_run *run = arg;

    (void)st;
    if (run->h->progress)
        run->h->progress(run->h->arg);
}

static enum tk_status engine_next(void *arg, struct tk_observe_request *req, struct tk_error *err)
{
    struct engine_run *run = arg;

    return run->h->next(run->h->arg, req, err);
}

static void engine_bad(void *arg, const struct tk_error *err)
{
    struct engine_run *run = arg;

    if (run->h->bad)
        run->h->bad(run->h->arg, err);
}

/* engine_resolver_new makes one resolver of o's servers, timeout and
 * anchor, with a cache of cache_mb (0: libunbound's default); returns
 * -1 or an exit after a message. */
static int engine_resolver_new(const struct engine_options *o, const char *prog, unsigned cache_mb,
                               struct tk_resolver **r)
{
    struct tk_resolver_options ropts = {0};
    struct tk_error err = {0};

    ropts.servers = o->servers;
    ropts.nservers = o->nservers;
    ropts.timeout_ms = o->timeout_ms;
    ropts.trust_anchor_file = o->trust_anchor;
    ropts.cache_mb = cache_mb;
    if (tk_resolver_new_unbound(&ropts, r, &err) == TK_OK)
        return -1;
    fprintf(stderr, "tiaki %s: %s\n", prog, err.msg);
    return err.code == TK_USAGE ? 2 : 3;
}

/* engine_resolvers makes one resolver per thread; returns -1 or an exit. */
static int engine_resolvers(const struct engine_options *o, const char *prog,
                            struct tk_resolver **r, unsigned n)
{
    unsigned i;
    int rc;

    for (i = 0; i < n; i++)
        if ((rc = engine_resolver_new(o, prog, 0, &r[i])) != -1)
            return rc;
    return -1;
}

/* engine_probes makes the probe context and starts the probe stage;
 * returns -1 or an exit. */
static int engine_probes(struct engine_run *run, const char *prog, struct tk_probe_context **ctx)
{
    const struct engine_options *o = run->o;
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
        fprintf(stderr, "tiaki %s: %s\n", prog, err.msg);
        return err.code == TK_USAGE ? 2 : 3;
    }
    topts.probe = *ctx;
    topts.workers = o->jobs < TK_PROBE_WORKERS_MAX ? o->jobs : TK_PROBE_WORKERS_MAX;
    topts.host_connections = o->host_connections;
    if (tk_transport_new(&topts, engine_judge, run, &run->transport, &err) != TK_OK) {
        fprintf(stderr, "tiaki %s: %s\n", prog, err.msg);
        return 3;
    }
    return -1;
}

static unsigned engine_threads(const struct engine_options *o)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (o->threads)
        return o->threads;
    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

int engine_run(const struct engine_options *o, const char *prog, const struct engine_hooks *h,
               struct tk_scan_stats *stats)
{
    struct engine_run run = {o, h, NULL};
    struct tk_scan_hooks hooks = {engine_sink, engine_bad, engine_progress, engine_admit, &run};
    struct tk_scan_source src = {engine_next, &run};
    struct tk_resolver *r[TK_SCAN_THREADS_MAX] = {0};
    struct tk_probe_context *pctx = NULL;
    struct tk_scan_stats local = {0};
    struct tk_error err = {0};
    unsigned i, n = engine_threads(o);
    int rc;

    json_object_seed(0); /* before threads, as jansson asks */
    if ((rc = engine_resolvers(o, prog, r, n)) < 0 && (rc = engine_probes(&run, prog, &pctx)) < 0) {
        if (tk_scan_run(r, n, o->jobs, &src, &hooks, stats ? stats : &local, &err) != TK_OK) {
            fprintf(stderr, "tiaki %s: %s\n", prog, err.msg);
            rc = 3;
        }
        if (run.transport)
            tk_transport_finish(run.transport);
    }
    tk_transport_free(run.transport);
    tk_probe_context_free(pctx);
    for (i = 0; i < n; i++)
        tk_resolver_free(r[i]);
    return rc;
}

int engine_mail_resolver(const struct engine_options *e, const char *prog, struct tk_resolver **out)
{
    return engine_resolver_new(e, prog, TK_DNS_CACHE_MB_MAIL, out);
}
