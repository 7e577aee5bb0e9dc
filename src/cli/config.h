/*
 * NAME
 *	config.h - tiaki.conf: the options every command can take from a file
 * DESCRIPTION
 *	An INI file (libinih): /etc/tiaki/tiaki.conf when it exists, or the
 *	file named by --config FILE (given before or after the command).
 *	Every key has a command-line option of the same name, which wins.
 *
 *	    [store]
 *	    db = postgresql://tiaki@db.example/tiaki
 *	    [check]
 *	    resolver = 192.0.2.53         ; comma-separated for several
 *	    timeout = 5
 *	    probe = yes
 *	    probe_timeout = 10
 *	    ca_file = /etc/ssl/extra.pem
 *	    trust_anchor = /usr/share/dns/root.key
 *	    helo_name = monitor.example.govt.nz
 *	    jobs = 256
 *	    [alerts]
 *	    smtp_url = smtp://mail.example.govt.nz:587
 *	    smtp_connect = 192.0.2.25     ; connect here, verify the URL's name
 *	    smtp_starttls = yes
 *	    smtp_user = tiaki
 *	    smtp_password = ...           ; or $TIAKI_SMTP_PASSWORD
 *	    mail_from = tiaki@example.govt.nz
 *	    to_contact = yes
 *	    team_address = secure-email@example.govt.nz
 *	    webhook_url = https://hooks.example/tiaki
 *	    syslog = no
 *	    [monitor]
 *	    interval = 6h
 *	    [reports]
 *	    imap_password = ...           ; or $TIAKI_IMAP_PASSWORD
 * SECURITY
 *	A file holding smtp_password or imap_password must not be readable by others: tiaki
 *	refuses one that is (mode & 077) and says so.
 */
#ifndef TIAKI_CLI_CONFIG_H
#define TIAKI_CLI_CONFIG_H

#include <stdbool.h>

#include "monitor/alert.h"

#define TK_CONFIG_DEFAULT "/etc/tiaki/tiaki.conf"
#define TK_CONFIG_VALUE_MAX 1024

struct tk_config {
    char path[4096]; /* the file read, or "" */
    char db[TK_CONFIG_VALUE_MAX];
    char resolver[TK_CONFIG_VALUE_MAX];
    char timeout[32];
    char probe[16];
    char probe_timeout[32];
    char ca_file[TK_CONFIG_VALUE_MAX];
    char trust_anchor[TK_CONFIG_VALUE_MAX];
    char helo_name[TK_CONFIG_VALUE_MAX];
    char jobs[32];
    char interval[32];
    char imap_password[TK_CONFIG_VALUE_MAX]; /* [reports] imap_password */
    struct tk_alert_config alerts;
};

/* The configuration every command sees (loaded by main before the
 * command runs). */
extern struct tk_config tk_cli_config;

/* tk_config_load reads path (NULL: TK_CONFIG_DEFAULT if it exists) into
 * cfg. Returns TK_OK, TK_ABSENT (no default file: cfg holds defaults),
 * TK_USAGE (unreadable, a syntax error or an unknown key: err names the
 * file and line). */
enum tk_status tk_config_load(const char *path, struct tk_config *cfg, struct tk_error *err);

/* tk_config_bool parses yes/no/true/false/on/off/1/0. */
bool tk_config_bool(const char *value, bool *out);

/* tk_duration_parse reads "90", "90s", "15m", "6h", "1d" into seconds. */
bool tk_duration_parse(const char *text, long *seconds);

#endif
