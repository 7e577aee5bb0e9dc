/*
 * NAME
 *	cmd_report.c - tiaki report: the all-of-government compliance report
 * SYNOPSIS
 *	tiaki report [--format html|csv|json] [--output FILE] [--agency NAME]
 *	        [--no-save] [--db URL]
 * DESCRIPTION
 *	Reads the newest snapshot of every inventory domain, counts per
 *	agency and rule how many pass (monitor/report.h), compares with the
 *	previous report the store kept, writes the report (show/report.h)
 *	and keeps its summary for the next one's trend (unless --no-save).
 * DIAGNOSTICS
 *	Exit 0 when every domain is compliant, 1 when some is not, 2 for a
 *	usage error, 3 when the store failed or nothing was scanned yet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "monitor/report.h"
#include "show/report.h"

#define PROG "report"

struct report_run {
    struct tk_report r;
    enum tk_status st;
    struct tk_error err;
};

static void report_usage(FILE *out)
{
    fprintf(out, "usage: tiaki report [--format html|csv|json] [--output FILE] [--agency NAME]\n"
                 "              [--no-save] [--db URL]\n"
                 "\n"
                 "The all-of-government compliance report from the newest snapshot of every\n"
                 "inventory domain: per agency and rule how many domains pass, the trend since\n"
                 "the previous report, and every non-compliant domain with what to change.\n"
                 "html (default) is one self-contained file, readable printed.\n"
                 "\n"
                 "exit status: 0 every domain compliant, 1 some not, 2 usage error,\n"
                 "3 store failure or nothing scanned yet.\n");
}

static void report_each(void *arg, const struct tk_finding_row *row)
{
    struct report_run *run = arg;

    if (run->st == TK_OK && tk_report_add(&run->r, row) != TK_OK) {
        run->st = TK_NOMEM;
        tk_error_set(&run->err, TK_NOMEM, "out of memory building the report");
    }
}

/* report_trend sets the previous report's figures, when there is one. */
static void report_trend(struct tk_store *s, struct report_run *run)
{
    struct tk_error err = {0};
    char *summary = NULL;
    int64_t at = 0;

    if (tk_store_report_last(s, &summary, &at, &err) == TK_OK &&
        tk_report_trend(&run->r, summary, at, &err) != TK_OK)
        fprintf(stderr,
                "tiaki report: the previous report's summary is unreadable (%s); "
                "no trend shown\n",
                err.msg);
    free(summary);
}

static int report_write(struct report_run *run, enum tk_report_format f, const char *path)
{
    FILE *out = path ? fopen(path, "w") : stdout;

    if (out == NULL) {
        fprintf(stderr, "tiaki report: cannot write %s: %s\n", path, strerror(errno));
        return 3;
    }
    tk_report_write(out, f, &run->r);
    if (path && fclose(out) != 0) {
        fprintf(stderr, "tiaki report: writing %s: %s\n", path, strerror(errno));
        return 3;
    }
    return -1;
}

static int report_save(struct tk_store *s, struct report_run *run)
{
    struct tk_error err = {0};
    char *summary = tk_report_summary(&run->r);

    if (summary == NULL || tk_store_report_put(s, run->r.at, summary, &err) != TK_OK) {
        fprintf(stderr, "tiaki report: the summary was not kept: %s\n",
                summary ? err.msg : "out of memory");
        free(summary);
        return 3;
    }
    free(summary);
    return -1;
}

enum { OPT_DB = 256, OPT_AGENCY, OPT_NO_SAVE };

static const struct option report_long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"agency", required_argument, NULL, OPT_AGENCY},
    {"no-save", no_argument, NULL, OPT_NO_SAVE},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"config", required_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int report_make(struct tk_store *s, struct report_run *run, const char *agency,
                       enum tk_report_format f, const char *path, bool save)
{
    int rc;

    tk_report_init(&run->r, (int64_t)time(NULL));
    if (tk_store_latest_findings(s, agency, report_each, run, &run->err) != TK_OK ||
        run->st != TK_OK) {
        fprintf(stderr, "tiaki report: %s\n", run->err.msg);
        return 3;
    }
    if (run->r.total.domains == 0) {
        fprintf(stderr, "tiaki report: no domain has been scanned yet: run tiaki scan first\n");
        return 3;
    }
    report_trend(s, run);
    if ((rc = report_write(run, f, path)) >= 0)
        return rc;
    if (save && agency == NULL && (rc = report_save(s, run)) >= 0)
        return rc;
    return run->r.total.compliant < run->r.total.domains ? 1 : 0;
}

int cmd_report_main(int argc, char **argv)
{
    struct report_run *run;
    struct tk_store *s = NULL;
    enum tk_report_format f = TK_REPORT_HTML;
    const char *db = NULL, *agency = NULL, *path = NULL;
    bool save = true;
    int c, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:o:h", report_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_AGENCY:
            agency = optarg;
            break;
        case OPT_NO_SAVE:
            save = false;
            break;
        case 'f':
            if (!tk_report_format_parse(optarg, &f))
                return engine_usage_error(PROG, "--format '%s': use html, csv or json", optarg);
            break;
        case 'o':
            path = optarg;
            break;
        case 'C':
            break;
        case 'h':
            report_usage(stdout);
            return 0;
        default:
            return engine_usage_error(PROG, "unknown option or missing argument: %s",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return engine_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_store_open(PROG, db, &s)) >= 0)
        return rc;
    if ((run = calloc(1, sizeof(*run))) == NULL) {
        tk_store_close(s);
        return 3;
    }
    rc = report_make(s, run, agency, f, path, save);
    tk_report_free(&run->r);
    free(run);
    tk_store_close(s);
    return rc;
}
