/*
 * NAME
 *	config.c - tiaki.conf through libinih
 * DESCRIPTION
 *	Each known [section] key is copied into its field; an unknown key is
 *	an error (a misspelt smtp_pasword silently ignored would be worse).
 *	Values longer than their field are refused, not cut.
 */
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config.h"

struct tk_config tk_cli_config;

struct config_key {
    const char *section;
    const char *name;
    size_t offset; /* of a char array in struct tk_config */
    size_t size;
    int kind; /* 0 text, 1 bool */
};

#define TEXT(sec, key, field)                                                                      \
    {                                                                                              \
        sec, key, offsetof(struct tk_config, field), sizeof(((struct tk_config *)0)->field), 0     \
    }
#define FLAG(sec, key, field)                                                                      \
    {                                                                                              \
        sec, key, offsetof(struct tk_config, field), sizeof(bool), 1                               \
    }

static const struct config_key config_keys[] = {
    TEXT("store", "db", db),
    TEXT("check", "resolver", resolver),
    TEXT("check", "timeout", timeout),
    TEXT("check", "probe", probe),
    TEXT("check", "probe_timeout", probe_timeout),
    TEXT("check", "ca_file", ca_file),
    TEXT("check", "trust_anchor", trust_anchor),
    TEXT("check", "helo_name", helo_name),
    TEXT("check", "jobs", jobs),
    TEXT("monitor", "interval", interval),
    TEXT("reports", "imap_password", imap_password),
    TEXT("alerts", "smtp_url", alerts.smtp_url),
    TEXT("alerts", "smtp_connect", alerts.smtp_connect),
    FLAG("alerts", "smtp_starttls", alerts.smtp_starttls),
    TEXT("alerts", "smtp_user", alerts.smtp_user),
    TEXT("alerts", "smtp_password", alerts.smtp_password),
    TEXT("alerts", "mail_from", alerts.mail_from),
    TEXT("alerts", "ca_file", alerts.ca_file),
    FLAG("alerts", "to_contact", alerts.to_contact),
    TEXT("alerts", "team_address", alerts.team_address),
    TEXT("alerts", "webhook_url", alerts.webhook_url),
    FLAG("alerts", "syslog", alerts.syslog),
};

struct config_parse {
    struct tk_config *cfg;
    char why[160]; /* the first error */
};

bool tk_config_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return *out = true;
        if (strcasecmp(value, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool tk_duration_parse(const char *text, long *seconds)
{
    char *end;
    long v, unit = 1;

    errno = 0;
    v = strtol(text, &end, 10);
    if (end == text || errno || v <= 0)
        return false;
    if (*end == 's')
        unit = 1;
    else if (*end == 'm')
        unit = 60;
    else if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else if (*end != '\0')
        return false;
    if (*end != '\0' && end[1] != '\0')
        return false;
    /* At most a year: an interval longer than that is a typo. */
    if (v > 366L * 86400 / unit)
        return false;
    *seconds = v * unit;
    return true;
}

/* config_fail keeps the first error's message; inih gives its line. */
static void config_fail(struct config_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void config_fail(struct config_parse *p, const char *fmt, ...)
{
    va_list ap;

    if (p->why[0])
        return;
    va_start(ap, fmt);
    vsnprintf(p->why, sizeof(p->why), fmt, ap);
    va_end(ap);
}

/* config_handler returns 1 to go on, 0 to stop at an error (inih then
 * reports the line). */
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct config_parse *p = user;
    const struct config_key *k;
    size_t i;

    for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
        k = &config_keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
            continue;
        if (k->kind == 1) {
            if (tk_config_bool(value, (bool *)((char *)p->cfg + k->offset)))
                return 1;
            config_fail(p, "%s = '%.40s': use yes or no", name, value);
            return 0;
        }
        if (strlen(value) >= k->size) {
            config_fail(p, "%s is longer than %zu bytes", name, k->size - 1);
            return 0;
        }
        memcpy((char *)p->cfg + k->offset, value, strlen(value) + 1);
        return 1;
    }
    config_fail(p, "unknown key '%.40s' in [%.40s]", name, section);
    return 0;
}

static void config_defaults(struct tk_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->alerts.to_contact = true;
    cfg->alerts.timeout_ms = 30000;
}

/* config_environment: a password in the environment wins over the
 * file's (and keeps it out of files altogether). */
static void config_environment(struct tk_config *cfg)
{
    const char *pw = getenv("TIAKI_SMTP_PASSWORD");

    if (pw && pw[0])
        snprintf(cfg->alerts.smtp_password, sizeof(cfg->alerts.smtp_password), "%s", pw);
}

enum tk_status tk_config_load(const char *path, struct tk_config *cfg, struct tk_error *err)
{
    struct config_parse p = {cfg, ""};
    struct stat st;
    FILE *f;
    int rc;

    config_defaults(cfg);
    if (path == NULL && access(TK_CONFIG_DEFAULT, F_OK) != 0) {
        config_environment(cfg);
        return TK_ABSENT;
    }
    snprintf(cfg->path, sizeof(cfg->path), "%s", path ? path : TK_CONFIG_DEFAULT);
    if ((f = fopen(cfg->path, "r")) == NULL)
        return tk_error_set(err, TK_USAGE, "cannot read %s: %s", cfg->path, strerror(errno));
    rc = ini_parse_file(f, config_handler, &p);
    if (rc == 0 && (cfg->alerts.smtp_password[0] || cfg->imap_password[0]) &&
        fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        rc = -2;
    fclose(f);
    if (rc == -2)
        return tk_error_set(err, TK_USAGE,
                            "%s holds a password but others can read it: chmod 600 %s",
                            cfg->path, cfg->path);
    if (rc > 0)
        return tk_error_set(err, TK_USAGE, "%s:%d: %s", cfg->path, rc,
                            p.why[0] ? p.why : "not 'key = value' or '[section]'");
    if (rc < 0)
        return tk_error_set(err, TK_USAGE, "cannot read %s", cfg->path);
    config_environment(cfg);
    return TK_OK;
}
