/*
 * NAME
 *	cmd_check.c - tiaki check: judge domains against the framework
 * SYNOPSIS
 *	tiaki check [OPTIONS] DOMAIN...
 *	tiaki check --inventory FILE [OPTIONS] [DOMAIN...]
 * DESCRIPTION
 *	Domains come from the arguments and the inventory file; the engine
 *	(cli/engine.h) observes, probes and judges them; show/ writes each
 *	as it finishes. Nothing is kept.
 * DIAGNOSTICS
 *	Exit 0 when every domain checked is compliant, 1 when any is not, 2
 *	for a usage error, 3 when nothing could be checked (every domain's
 *	look-ups failed, or no valid domain was given).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "core/text.h"
#include "inventory/inventory.h"
#include "show/show.h"

#define PROG "check"

struct check_options {
    struct engine_options e;
    const char *inventory;
    enum tk_format format;
    bool format_set;
    int colour; /* -1 auto */
    bool progress;
    bool verbose;
    char **domains;
    size_t ndomains;
};

struct check_run {
    pthread_mutex_t lock; /* output and counts, shared by the engine's threads */
    struct check_options *o;
    struct tk_inventory *inv;
    size_t next_arg;
    struct tk_show show;
    unsigned long total;
    unsigned long checked; /* domains with at least one decided rule */
    struct engine_selectors sel;
};

static void check_usage(FILE *out)
{
    fprintf(out, "usage: tiaki check [OPTIONS] DOMAIN...\n"
                 "       tiaki check --inventory FILE [OPTIONS] [DOMAIN...]\n"
                 "\n"
                 "Judge each domain against the All of Government Secure Email Common\n"
                 "Implementation Framework (its DNS records, and its mail hosts and MTA-STS\n"
                 "policy over the network) and say exactly what to change.\n"
                 "\n"
                 "options:\n"
                 "  -i, --inventory FILE      CSV with a header row: domain,agency,profile,\n"
                 "                            dkim_selectors,contact[,bulk] (- for stdin)\n"
                 "  -f, --format text|json|csv  output (default: text on a terminal, else json)\n");
    engine_usage(out);
    fprintf(out, "      --color, --no-color   colour in text output (default: on a terminal)\n"
                 "  -q, --quiet               no progress line on stderr\n"
                 "  -v, --verbose             text: show the fix under passing rules too\n"
                 "  -h, --help                this help\n"
                 "\n"
                 "exit status: 0 every domain compliant, 1 some domain not compliant,\n"
                 "2 usage error, 3 nothing could be checked.\n");
}

enum { OPT_COLOR = 256, OPT_NO_COLOR };

static const struct option check_own_options[] = {
    {"inventory", required_argument, NULL, 'i'},
    {"format", required_argument, NULL, 'f'},
    {"color", no_argument, NULL, OPT_COLOR},
    {"colour", no_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"no-colour", no_argument, NULL, OPT_NO_COLOR},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* check_option applies one option; returns -1 to go on, else an exit. */
static int check_option(struct check_options *o, int c, const char *arg)
{
    int rc;

    switch (c) {
    case 'i':
        o->inventory = arg;
        break;
    case 'f':
        if (!tk_format_parse(arg, &o->format))
            return engine_usage_error(PROG, "--format '%s': use text, json or csv", arg);
        o->format_set = true;
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
        if ((rc = engine_option(&o->e, PROG, c, arg)) == 1)
            return engine_usage_error(PROG, "unknown option");
        return rc;
    }
    return -1;
}

static int check_parse(int argc, char **argv, struct check_options *o)
{
    struct option longs[64];
    int c, rc;

    memset(o, 0, sizeof(*o));
    if ((rc = engine_options_init(&o->e, &tk_cli_config, PROG)) >= 0)
        return rc;
    o->colour = -1;
    o->progress = true;
    engine_long_options_merge(longs, 64, check_own_options);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:f:qvh" ENGINE_SHORT_OPTIONS, longs, NULL)) != -1) {
        if (c == '?')
            return engine_usage_error(PROG, "unknown option or missing argument: %s",
                                      argv[optind - 1]);
        if ((rc = check_option(o, c, optarg)) >= 0)
            return rc;
    }
    o->domains = argv + optind;
    o->ndomains = (size_t)(argc - optind);
    if (o->ndomains == 0 && o->inventory == NULL)
        return engine_usage_error(PROG, "no domain given: name domains or --inventory FILE");
    if ((rc = engine_options_check(&o->e, PROG)) >= 0)
        return rc;
    if (!o->format_set)
        o->format = isatty(STDOUT_FILENO) ? TK_FORMAT_TEXT : TK_FORMAT_JSON;
    return -1;
}

static enum tk_status check_next(void *arg, struct tk_observe_request *req, struct tk_error *err)
{
    struct check_run *run = arg;
    struct tk_inventory_row row;
    enum tk_status st;

    if (run->next_arg < run->o->ndomains) {
        engine_request(&run->o->e, NULL, 0, NULL, &run->sel, req);
        req->domain = run->o->domains[run->next_arg++];
        return TK_OK;
    }
    if (run->inv == NULL)
        return TK_ABSENT;
    if ((st = tk_inventory_next(run->inv, &row, err)) != TK_OK)
        return st;
    engine_request(&run->o->e, (const char *const *)row.selectors, row.nselectors, NULL, &run->sel,
                   req);
    req->domain = row.domain;
    req->agency = row.agency;
    req->contact = row.contact;
    req->bulk = row.bulk;
    if (run->o->e.profile == TK_PROFILE_UNSET)
        req->profile_hint = row.profile;
    return TK_OK;
}

/* check_show runs on several threads at once: each formats its domain
 * into memory, and only the write is serialised. */
/* A thread's output buffer, kept from domain to domain: a memory stream
 * per domain asked malloc for 8 KB each time, which made it consolidate
 * every small block freed since (libunbound frees many): 4% of a
 * check's time in perf. */
struct check_stream {
    FILE *f;
    char *text;
    size_t len;
};

static pthread_key_t check_stream_key;
static pthread_once_t check_stream_once = PTHREAD_ONCE_INIT;
static bool check_stream_ok;

static void check_stream_free(void *p)
{
    struct check_stream *s = p;

    fclose(s->f);
    free(s->text);
    free(s);
}

static void check_stream_init(void)
{
    check_stream_ok = pthread_key_create(&check_stream_key, check_stream_free) == 0;
}

/* check_stream is this thread's buffer, empty; NULL when out of memory. */
static struct check_stream *check_stream(void)
{
    struct check_stream *s;

    pthread_once(&check_stream_once, check_stream_init);
    if (!check_stream_ok)
        return NULL;
    if ((s = pthread_getspecific(check_stream_key)) != NULL) {
        rewind(s->f);
        return s;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return NULL;
    if ((s->f = open_memstream(&s->text, &s->len)) == NULL ||
        pthread_setspecific(check_stream_key, s) != 0) {
        if (s->f != NULL)
            check_stream_free(s);
        else
            free(s);
        return NULL;
    }
    return s;
}

static void check_show(void *arg, const struct tk_observation *obs, const struct tk_judgement *j)
{
    struct check_run *run = arg;
    struct check_stream *s = check_stream();
    struct tk_show local;
    long len;

    if (s == NULL)
        return;
    pthread_mutex_lock(&run->lock);
    local = run->show;
    pthread_mutex_unlock(&run->lock);
    local.out = s->f;
    tk_show_domain(&local, obs, j);
    /* What this domain wrote: from the start to where the stream is. */
    if (fflush(s->f) != 0 || (len = ftell(s->f)) < 0)
        return;
    pthread_mutex_lock(&run->lock);
    fwrite(s->text, 1, (size_t)len, run->show.out);
    run->show.domains++;
    run->show.compliant += j->compliant;
    run->show.unprobed += j->not_probed > 0 && run->o->e.no_probe;
    run->checked += !j->all_unknown;
    pthread_mutex_unlock(&run->lock);
}

static void check_bad(void *arg, const struct tk_error *err)
{
    char msg[TK_ERROR_MSG_MAX];

    /* The message may quote bytes from the inventory. */
    tk_strlcpy(msg, err->msg, sizeof(msg));
    tk_text_sanitise(msg);
    fprintf(stderr, "tiaki check: %s\n", msg);
}

static void check_progress(void *arg)
{
    struct check_run *run = arg;
    unsigned long shown;

    pthread_mutex_lock(&run->lock);
    shown = run->show.domains;
    pthread_mutex_unlock(&run->lock);
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

static int check_scan(struct check_run *run)
{
    struct engine_hooks hooks = {check_next, check_show, check_bad, NULL, run};
    struct tk_scan_stats stats = {0};
    bool progress = run->o->progress && isatty(STDERR_FILENO);
    int rc;

    if (progress) {
        run->total =
            run->o->ndomains + (run->o->inventory ? check_count_lines(run->o->inventory) : 0);
        if (run->total > 5)
            hooks.progress = check_progress;
    }
    tk_show_begin(&run->show);
    if ((rc = engine_run(&run->o->e, PROG, &hooks, &stats)) >= 0)
        return rc;
    if (hooks.progress)
        tk_show_progress(stderr, run->show.domains, run->total, true);
    tk_show_end(&run->show, stats.rejected);
    if (run->checked == 0)
        return 3;
    return run->show.compliant < run->show.domains ? 1 : 0;
}

int cmd_check_main(int argc, char **argv)
{
    struct check_options o;
    struct check_run run;
    FILE *inv_file = NULL;
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
    /* A few domains do not need more than one thread. */
    if (o.inventory == NULL && o.ndomains < 64 && o.e.threads == 0)
        o.e.threads = 1;
    if ((rc = check_open_inventory(&run, &inv_file)) < 0)
        rc = check_scan(&run);
    tk_inventory_close(run.inv);
    if (inv_file && inv_file != stdin)
        fclose(inv_file);
    pthread_mutex_destroy(&run.lock);
    return rc;
}
