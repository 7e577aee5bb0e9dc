/*
 * NAME
 *	alert.h - telling people about regressions: mail, webhook, syslog
 * DESCRIPTION
 *	The store keeps one pending alert per regression and target (so an
 *	alert is never lost between a scan and its delivery); tk_alerts_deliver
 *	sends those that are due and records each attempt: sent, or failed
 *	with the reason and the time of the next attempt (backing off:
 *	1 min, 5 min, 30 min, 2 h, 6 h, then given up and kept as failed,
 *	listed by `tiaki alerts`).
 *
 *	Mail goes through libcurl's SMTP (smtp:// or smtps://, STARTTLS when
 *	asked, AUTH from the configuration); webhooks are a JSON POST over
 *	HTTP(S) (a 2xx is delivery); syslog is syslog(3) at LOG_WARNING.
 *	The message (subject, text, JSON) is made by show/alert_text.
 */
#ifndef TIAKI_MONITOR_ALERT_H
#define TIAKI_MONITOR_ALERT_H

#include <stdbool.h>

#include "store/store.h"

struct tk_alert_config {
    char smtp_url[TK_STORE_URL_MAX]; /* "smtp://host:25" or "smtps://..."; "" : no mail */
    bool smtp_starttls;              /* require STARTTLS (CURLUSESSL_ALL) */
    /* An IPv4 or IPv6 address to connect to instead of resolving the
     * URL's host (curl's --connect-to): TLS still verifies the URL's
     * host name. "" : resolve it (the system resolver). */
    char smtp_connect[64];
    char smtp_user[TK_STORE_TEXT_MAX];
    char smtp_password[TK_STORE_TEXT_MAX];
    char mail_from[TK_STORE_TEXT_MAX];    /* envelope and From: */
    char ca_file[4096];                   /* for smtps/STARTTLS and https webhooks; "" system */
    bool to_contact;                      /* mail each domain's contact */
    char team_address[TK_STORE_TEXT_MAX]; /* and/or this address; "" none */
    char webhook_url[TK_STORE_URL_MAX];   /* "" none */
    bool syslog;
    int timeout_ms;
};

/* tk_alert_targets lists the targets a regression of a domain with
 * contact gets under cfg (at most TK_ALERT_TARGETS_MAX). */
size_t tk_alert_targets(const struct tk_alert_config *cfg, const char *contact,
                        struct tk_alert_target *out);

struct tk_alert_stats {
    unsigned long sent, failed, retrying;
};

/* tk_alerts_deliver sends every alert due now; returns TK_OK (the
 * outcome of each alert is in the store and stats) or a store error. */
enum tk_status tk_alerts_deliver(struct tk_store *s, const struct tk_alert_config *cfg, int64_t now,
                                 struct tk_alert_stats *stats, struct tk_error *err);

/* tk_alert_send makes one delivery attempt of alert a under cfg:
 * SMTP through cfg->smtp_url to a->target.destination, a JSON POST to
 * the webhook URL a->target.destination, or a syslog line. Returns
 * TK_OK when delivered (a 2xx for a webhook, the message accepted for
 * mail, always for syslog); TK_TEMP when the attempt failed and may
 * succeed later (connection, TLS, timeout, a 4xx or 5xx reply: err has
 * curl's message and the server's reply); TK_USAGE when it can never
 * succeed as configured (no SMTP server, a sender or recipient that is
 * not a plain mail address, a URL that is not http or https); TK_NOMEM.
 * curl_global_init must have been called. */
enum tk_status tk_alert_send(const struct tk_alert_config *cfg, const struct tk_alert_row *a,
                             struct tk_error *err);

/* tk_alert_backoff is the delay before attempt number attempts+1 (0:
 * give up). */
int64_t tk_alert_backoff(unsigned attempts);

#endif
