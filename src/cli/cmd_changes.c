/*
 * NAME
 *	cmd_changes.c - tiaki changes: what got weaker, better or different
 * SYNOPSIS
 *	tiaki changes [--since DATE] [--agency NAME] [--kind KIND]
 *	        [--format text|json|csv] [--db URL]
 * DESCRIPTION
 *	Lists the change events the scans found (FRAMEWORK-RULES.md "Change
 *	events"), oldest first: regression, improvement, record-changed,
 *	new-domain, gone. DATE is YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z (UTC)
 *	or a span back from now: 24h, 7d.
 * DIAGNOSTICS
 *	Exit 0 when no regression is listed, 1 when one is (so a script can
 *	alert on it), 2 for a usage error, 3 when the store failed.
 */
#include <getopt.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "show/events.h"

#define PROG "changes"

struct changes_run {
    struct tk_events_show show;
    bool kind_set;
    enum tk_event_kind kind;
    unsigned long regressions;
};

static void changes_usage(FILE *out)
{
    fprintf(out, "usage: tiaki changes [--since DATE] [--agency NAME] [--kind KIND]\n"
                 "               [--format text|json|csv] [--db URL]\n"
                 "\n"
                 "The change events the scans found, oldest first. DATE: YYYY-MM-DD,\n"
                 "YYYY-MM-DDTHH:MM[:SS]Z (UTC), or a span back from now (24h, 7d).\n"
                 "KIND: regression, improvement, record-changed, new-domain, gone.\n"
                 "\n"
                 "exit status: 0 no regression listed, 1 some regression listed,\n"
                 "2 usage error, 3 store failure.\n");
}

static void changes_each(void *arg, const struct tk_event_row *r)
{
    struct changes_run *run = arg;

    if (run->kind_set && r->event->kind != run->kind)
        return;
    run->regressions += r->event->kind == TK_EVENT_REGRESSION;
    tk_events_show_row(&run->show, r);
}

enum { OPT_DB = 256, OPT_SINCE, OPT_AGENCY, OPT_KIND };

static const struct option changes_long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"since", required_argument, NULL, OPT_SINCE},
    {"agency", required_argument, NULL, OPT_AGENCY},
    {"kind", required_argument, NULL, OPT_KIND},
    {"format", required_argument, NULL, 'f'},
    {"config", required_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_changes_main(int argc, char **argv)
{
    struct changes_run run;
    struct tk_store *s = NULL;
    struct tk_error err = {0};
    const char *db = NULL, *agency = NULL;
    int64_t since = 0;
    int c, rc;

    memset(&run, 0, sizeof(run));
    run.show.out = stdout;
    run.show.format = TK_FORMAT_TEXT;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:h", changes_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_SINCE:
            if (!cli_parse_time(optarg, &since))
                return engine_usage_error(PROG, "--since '%s': YYYY-MM-DD, or 24h, 7d", optarg);
            break;
        case OPT_AGENCY:
            agency = optarg;
            break;
        case OPT_KIND:
            if (!tk_event_kind_parse(optarg, &run.kind))
                return engine_usage_error(PROG,
                                          "--kind '%s': regression, improvement, "
                                          "record-changed, new-domain or gone",
                                          optarg);
            run.kind_set = true;
            break;
        case 'f':
            if (!tk_format_parse(optarg, &run.show.format))
                return engine_usage_error(PROG, "--format '%s': use text, json or csv", optarg);
            break;
        case 'C':
            break;
        case 'h':
            changes_usage(stdout);
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
    tk_events_show_begin(&run.show);
    rc = tk_store_events(s, since, agency, changes_each, &run, &err) == TK_OK ? -1 : 3;
    tk_events_show_end(&run.show);
    tk_store_close(s);
    if (rc == 3) {
        fprintf(stderr, "tiaki changes: %s\n", err.msg);
        return 3;
    }
    return run.regressions > 0 ? 1 : 0;
}
