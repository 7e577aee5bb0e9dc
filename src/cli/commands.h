/*
 * NAME
 *	commands.h - the subcommands of tiaki
 * DESCRIPTION
 *	Each subcommand's entry point takes argv starting at its own name
 *	and returns the process exit code.
 */
#ifndef TIAKI_CLI_COMMANDS_H
#define TIAKI_CLI_COMMANDS_H

#define TIAKI_VERSION "0.1.0"

struct tk_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
};

#include <stdbool.h>

int cmd_check_main(int argc, char **argv);
int cmd_inventory_main(int argc, char **argv);
int cmd_scan_main(int argc, char **argv);
int cmd_changes_main(int argc, char **argv);
int cmd_alerts_main(int argc, char **argv);
int cmd_report_main(int argc, char **argv);
int cmd_monitor_main(int argc, char **argv);
int cmd_reports_main(int argc, char **argv);
int cmd_dkim_main(int argc, char **argv);
int cmd_dmarc_main(int argc, char **argv);
int cmd_spf_main(int argc, char **argv);

/* cmd_scan_interrupted is true when the last scan stopped on a signal. */
bool cmd_scan_interrupted(void);

#endif
