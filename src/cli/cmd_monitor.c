/*
 * NAME
 *	cmd_monitor.c - tiaki monitor: scan on a schedule, as a daemon
 * SYNOPSIS
 *	tiaki monitor [--interval 6h] [--db URL] [--syslog] [SCAN OPTIONS]
 * DESCRIPTION
 *	Runs `tiaki scan` now and then every interval (from the start of one
 *	scan to the start of the next), in the foreground as systemd wants
 *	it (contrib/tiaki-monitor.service), logging to stderr and, with
 *	--syslog, to syslog. Between scans it retries alerts that are due.
 *	SIGTERM or SIGINT: the scan in progress stops claiming, keeps what
 *	is in flight and stays resumable; then the monitor exits 0. SIGHUP
 *	starts the next scan at once.
 * DIAGNOSTICS
 *	Exit 0 after a clean shutdown, 2 for a usage error, 3 when the store
 *	cannot be opened at start.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "monitor/alert.h"

#define PROG "monitor"

static volatile sig_atomic_t monitor_stop, monitor_now;
static bool monitor_syslog;

static void monitor_on_signal(int sig)
{
    if (sig == SIGHUP)
        monitor_now = 1;
    else
        monitor_stop = 1;
}

static void monitor_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void monitor_log(int prio, const char *fmt, ...)
{
    char line[512], when[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s tiaki monitor: %s\n", when, line);
    if (monitor_syslog)
        syslog(prio, "%s", line);
}

static void monitor_usage(FILE *out)
{
    fprintf(out, "usage: tiaki monitor [--interval DURATION] [--db URL] [--syslog]\n"
                 "                     [SCAN OPTIONS]\n"
                 "\n"
                 "Scan the inventory now and then every DURATION (90s, 15m, 6h, 1d; default\n"
                 "[monitor] interval, else 6h), keeping snapshots and change events and\n"
                 "alerting each regression once. Runs in the foreground (for systemd:\n"
                 "contrib/tiaki-monitor.service); SIGTERM shuts it down cleanly, SIGHUP\n"
                 "starts the next scan at once. Every option of tiaki scan but --worker\n"
                 "and --new is accepted and passed on.\n");
}

/* monitor_scan runs one scan as `tiaki scan` would, in this process,
 * with the options the monitor was given. */
static int monitor_scan(int argc, char **argv)
{
    char *args[128];
    int i, n = 0, rc;

    args[n++] = "scan";
    for (i = 1; i < argc && n < 126; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    optind = 0; /* getopt again, from the start */
    rc = cmd_scan_main(n, args);
    return rc;
}

/* monitor_sleep waits until next, retrying due alerts every minute;
 * returns early on SIGTERM or SIGHUP. */
static void monitor_sleep(time_t next, const char *db)
{
    struct tk_store *s = NULL;
    struct tk_alert_stats as;
    struct tk_error err = {0};
    time_t last_alerts = time(NULL);

    while (!monitor_stop && !monitor_now && time(NULL) < next) {
        poll(NULL, 0, 1000);
        if (time(NULL) - last_alerts < 60)
            continue;
        last_alerts = time(NULL);
        memset(&as, 0, sizeof(as));
        if (s == NULL && cli_store_open(PROG, db, &s) >= 0)
            continue;
        if (tk_alerts_deliver(s, &tk_cli_config.alerts, (int64_t)last_alerts, &as, &err) != TK_OK)
            monitor_log(LOG_ERR, "delivering alerts: %s", err.msg);
        else if (as.sent || as.failed)
            monitor_log(LOG_INFO, "alerts: %lu sent, %lu failed, %lu to retry", as.sent, as.failed,
                        as.retrying);
    }
    tk_store_close(s);
}

/* monitor_options takes --interval and --syslog out of argv (the rest
 * goes to scan); returns -1 or an exit. */
static int monitor_options(int *argc, char **argv, long *interval, const char **db)
{
    int i, k = 1;

    if (!tk_duration_parse(tk_cli_config.interval[0] ? tk_cli_config.interval : "6h", interval))
        return engine_usage_error(PROG, "%s: interval = '%s': use 90s, 15m, 6h or 1d",
                                  tk_cli_config.path, tk_cli_config.interval);
    for (i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--interval") == 0 && i + 1 < *argc) {
            if (!tk_duration_parse(argv[++i], interval))
                return engine_usage_error(PROG, "--interval '%s': use 90s, 15m, 6h or 1d", argv[i]);
        } else if (strcmp(argv[i], "--syslog") == 0) {
            monitor_syslog = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            monitor_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--worker") == 0 || strcmp(argv[i], "--new") == 0) {
            return engine_usage_error(PROG, "%s is not for the monitor", argv[i]);
        } else {
            if (strcmp(argv[i], "--db") == 0 && i + 1 < *argc)
                *db = argv[i + 1];
            argv[k++] = argv[i];
        }
    }
    *argc = k;
    argv[k] = NULL;
    return -1;
}

int cmd_monitor_main(int argc, char **argv)
{
    struct sigaction sa;
    const char *db = NULL;
    long interval;
    time_t start;
    int rc, scans = 0;

    if ((rc = monitor_options(&argc, argv, &interval, &db)) >= 0)
        return rc;
    if (monitor_syslog)
        openlog("tiaki", LOG_PID, LOG_DAEMON);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = monitor_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    monitor_log(LOG_INFO, "started: a scan every %ld s", interval);
    while (!monitor_stop) {
        start = time(NULL);
        monitor_now = 0;
        monitor_log(LOG_INFO, "scan %d begins", ++scans);
        rc = monitor_scan(argc, argv);
        if (rc == 2)
            return 2; /* the options are wrong: every scan would fail */
        monitor_log(rc == 3 ? LOG_ERR : LOG_INFO, "scan %d ended (exit %d)", scans, rc);
        /* scan's own handlers replaced ours: take the signals back. */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        if (cmd_scan_interrupted())
            monitor_stop = 1;
        if (!monitor_stop)
            monitor_sleep(start + interval, db);
    }
    monitor_log(LOG_INFO, "stopped after %d scan%s", scans, scans == 1 ? "" : "s");
    return 0;
}
