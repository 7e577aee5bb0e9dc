/*
 * NAME
 *	cmd_alerts.c - tiaki alerts: what was told to whom, and what failed
 * SYNOPSIS
 *	tiaki alerts [--deliver] [--db URL]
 * DESCRIPTION
 *	Lists every alert, newest first: the regression it is about, where
 *	it goes (mail, webhook, syslog), whether it was sent, how many
 *	attempts, the last error and when the next attempt is due. With
 *	--deliver, first sends the alerts that are due (as tiaki scan does
 *	after a scan and tiaki monitor between scans).
 * DIAGNOSTICS
 *	Exit 0 when no alert has failed for good, 1 when one has, 2 for a
 *	usage error, 3 when the store failed.
 */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "core/text.h"
#include "monitor/alert.h"

#define PROG "alerts"

static const char *alert_state_name(enum tk_alert_state s)
{
    return s == TK_ALERT_SENT ? "sent" : s == TK_ALERT_FAILED ? "failed" : "pending";
}

static const char *alert_channel_name(enum tk_alert_channel c)
{
    return c == TK_ALERT_SMTP ? "mail" : c == TK_ALERT_WEBHOOK ? "webhook" : "syslog";
}

static void alerts_each(void *arg, const struct tk_alert_row *a)
{
    unsigned long *failed = arg;
    char err[TK_ERROR_MSG_MAX];

    *failed += a->state == TK_ALERT_FAILED;
    tk_strlcpy(err, a->last_error, sizeof(err));
    tk_text_sanitise(err);
    printf("%-7s %-7s %-40s %s %s %s (attempts %u)%s%s\n", alert_state_name(a->state),
           alert_channel_name(a->target.channel), a->target.destination, a->event.domain,
           a->event.event->rule, tk_event_kind_name(a->event.event->kind), a->attempts,
           err[0] ? ": " : "", err);
}

static const struct option alerts_long_options[] = {
    {"db", required_argument, NULL, 'd'},
    {"deliver", no_argument, NULL, 'D'},
    {"config", required_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_alerts_main(int argc, char **argv)
{
    struct tk_store *s = NULL;
    struct tk_alert_stats as = {0};
    struct tk_error err = {0};
    const char *db = NULL;
    unsigned long failed = 0;
    bool deliver = false;
    int c, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", alerts_long_options, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'D')
            deliver = true;
        else if (c == 'h') {
            printf("usage: tiaki alerts [--deliver] [--db URL]\n\n"
                   "Every alert, newest first: its state (pending, sent, failed), channel,\n"
                   "destination, the regression, attempts and last error. --deliver first\n"
                   "sends those that are due.\n");
            return 0;
        } else if (c != 'C')
            return engine_usage_error(PROG, "unknown option or missing argument");
    }
    if ((rc = cli_store_open(PROG, db, &s)) >= 0)
        return rc;
    if (deliver) {
        if (tk_alerts_deliver(s, &tk_cli_config.alerts, (int64_t)time(NULL), &as, &err) != TK_OK)
            fprintf(stderr, "tiaki alerts: %s\n", err.msg);
        printf("delivered: %lu sent, %lu failed, %lu to retry\n", as.sent, as.failed, as.retrying);
    }
    rc = tk_store_alerts(s, alerts_each, &failed, &err) == TK_OK ? (failed ? 1 : 0) : 3;
    if (rc == 3)
        fprintf(stderr, "tiaki alerts: %s\n", err.msg);
    tk_store_close(s);
    return rc;
}
