/*
 * NAME
 *	engine.h - the checking pipeline that check, scan and monitor share
 * DESCRIPTION
 *	How to observe (resolvers, timeouts, selectors, profile) and how to
 *	probe (trust, deadlines, politeness) are the same options for every
 *	command that checks domains; so is the pipeline: a DNS scan on one
 *	thread and resolver per CPU, then the probe stage, then the
 *	judgement. A command brings where domains come from (next) and what
 *	becomes of each judged domain (result); the engine does the rest.
 *
 *	Options come from the configuration file first ([check] section,
 *	cli/config.h), then the command line.
 */
#ifndef TIAKI_CLI_ENGINE_H
#define TIAKI_CLI_ENGINE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/config.h"
#include "observe/observe.h"
#include "rules/rules.h"
#include "scan/scan.h"

#define ENGINE_SERVERS_MAX 8

struct engine_options {
    const char *servers[ENGINE_SERVERS_MAX];
    size_t nservers;
    enum tk_profile profile;
    const char *selectors[TK_DKIM_SELECTORS_MAX];
    size_t nselectors;
    bool common_selectors;
    int timeout_ms;
    unsigned jobs;
    unsigned threads; /* 0: one per CPU */
    bool no_probe;
    const char *ca_file;
    bool ca_only;
    const char *trust_anchor;
    const char *helo_name;
    int probe_timeout_ms;
    unsigned host_connections;
};

/* The engine's options, to be merged into a command's own table; its
 * short options are ENGINE_SHORT_OPTIONS. */
extern const struct option engine_long_options[];
#define ENGINE_LONG_OPTIONS_N 17
#define ENGINE_SHORT_OPTIONS "r:p:s:t:j:T:"

/* engine_long_options_merge writes own's options then the engine's
 * into out (max entries, ended by a zero entry); returns out. */
struct option *engine_long_options_merge(struct option *out, size_t max, const struct option *own);

/* engine_options_init sets the defaults, then what cfg says. Returns -1,
 * or 2 after printing a usage error about the configuration. */
int engine_options_init(struct engine_options *o, const struct tk_config *cfg, const char *prog);

/* engine_option applies option c (from engine_long_options). Returns -1
 * to go on, 2 after printing a usage error, or 1 when c is not one of
 * the engine's. */
int engine_option(struct engine_options *o, const char *prog, int c, const char *arg);

/* engine_mail_resolver makes the resolver of the mail-checking commands
 * (spf check, dkim verify, dmarc eval) and of the reverse names of
 * tiaki reports: e's --resolver servers, timeout and trust anchor, and
 * an answer cache of TK_DNS_CACHE_MB_MAIL, since they ask the same
 * names again and again. Returns -1, or the exit code after a message
 * on stderr (2 for a usage error, else 3). */
int engine_mail_resolver(const struct engine_options *e, const char *prog,
                         struct tk_resolver **out);

/* engine_options_check checks what only the whole set can tell;
 * returns -1 or 2 after printing why. */
int engine_options_check(const struct engine_options *o, const char *prog);

/* engine_usage prints the engine options' help lines. */
void engine_usage(FILE *out);

/* engine_usage_error prints "tiaki PROG: message" and the help hint;
 * returns 2. */
int engine_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The selectors of one request: the options' and a domain's own. */
struct engine_selectors {
    const char *list[TK_DKIM_SELECTORS_MAX];
    char spaced[512];
};

/* engine_request fills req's defaults from the options (profile hint,
 * selectors, transport, dnssec) and adds a domain's own selectors:
 * given as a list (the inventory's) and/or space-separated (the
 * store's). sel holds the merged list and must live as long as req. */
void engine_request(const struct engine_options *o, const char *const *list, size_t n,
                    const char *spaced, struct engine_selectors *sel,
                    struct tk_observe_request *req);

struct engine_hooks {
    /* next: as tk_scan_source.next, called one thread at a time. */
    enum tk_status (*next)(void *arg, struct tk_observe_request *req, struct tk_error *err);
    /* result: one judged domain; runs on several threads at once; obs
     * and j are freed after it returns. */
    void (*result)(void *arg, const struct tk_observation *obs, const struct tk_judgement *j);
    void (*bad)(void *arg, const struct tk_error *err);
    void (*progress)(void *arg); /* now and then; may be NULL */
    void *arg;
};

/* engine_run checks every domain next() gives. Returns -1 when the run
 * went through (what each domain came to went to result()), 2 for a
 * usage error found while setting up (a bad resolver address, an
 * unreadable CA file), 3 when the run could not start or the resolver
 * failed. stats may be NULL. */
int engine_run(const struct engine_options *o, const char *prog, const struct engine_hooks *h,
               struct tk_scan_stats *stats);

/* engine_number parses a decimal in [lo, hi]. */
bool engine_number(const char *s, long lo, long hi, long *out);

#endif
