/*
 * NAME
 *	main.c - the tiaki command: dispatch to one subcommand
 * DESCRIPTION
 *	"tiaki check ..." and friends. Each subcommand lives in its own
 *	file (cmd_<name>.c) with one entry point; this file only picks it.
 *	Exit codes are the subcommand's; 2 means a usage error.
 */
#include <stdio.h>
#include <curl/curl.h>
#include <signal.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/config.h"

static const struct tk_command commands[] = {
    {"check", "judge domains against the framework", cmd_check_main},
    {"inventory", "the domains the store monitors: import, list, add, remove", cmd_inventory_main},
    {"scan", "check the inventory and keep a snapshot (--worker: help a scan)", cmd_scan_main},
    {"changes", "what got weaker, better or different between scans", cmd_changes_main},
    {"alerts", "the alerts sent, pending and failed (--deliver)", cmd_alerts_main},
    {"report", "the all-of-government compliance report (html, csv, json)", cmd_report_main},
    {"monitor", "scan on a schedule, as a daemon", cmd_monitor_main},
    {"reports", "DMARC and TLS-RPT reports: ingest, summary, sources, readiness", cmd_reports_main},
    {"dkim", "DKIM: make keys, sign messages, verify signatures", cmd_dkim_main},
    {"dmarc", "evaluate DMARC for a message (eval)", cmd_dmarc_main},
    {"spf", "SPF check_host(): may this address send for this sender? (check)", cmd_spf_main},
};

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: tiaki COMMAND [OPTIONS] ...\n\ncommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'tiaki COMMAND --help' describes one command.\n");
}

/* main_config loads --config FILE (wherever it stands) or the default
 * file, so every command starts from the same configuration. */
static int main_config(int argc, char **argv)
{
    struct tk_error err = {0};
    const char *path = NULL;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    if (tk_config_load(path, &tk_cli_config, &err) == TK_USAGE) {
        fprintf(stderr, "tiaki: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t i;

    /* A peer that closes while a probe writes must cost an error, not
     * the process. libcurl's global state is set up once, before any
     * thread (its documentation asks this). */
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "tiaki: cannot initialise libcurl\n");
        return 3;
    }

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tiaki %s\n", TIAKI_VERSION);
        return 0;
    }
    if (main_config(argc, argv) != 0)
        return 2;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "tiaki: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
