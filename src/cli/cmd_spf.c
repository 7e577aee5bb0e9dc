/*
 * NAME
 *	cmd_spf.c - tiaki spf check: may this address send for this sender?
 * DESCRIPTION
 *	"tiaki spf check IP SENDER [HELO]" runs SPF check_host() (RFC 7208)
 *	as a receiving mail server would, over the given resolvers, and
 *	prints the result, the mechanism that matched, the domain whose
 *	record decided, the explanation of a fail and the reason of an
 *	error. "--batch" (or "-" for IP) reads one "IP SENDER [HELO]" per
 *	line from standard input and writes one result line per input line,
 *	in input order, with up to --jobs checks running at once on one
 *	resolver.
 *
 *	Exit status: one check: 0 pass, 1 any other result; batch: 0 every
 *	line was evaluated, 1 some line could not be read; both: 2 usage
 *	error, 3 nothing could be checked (the resolver could not start or
 *	failed).
 * STANDARDS
 *	RFC 7208 (check_host), RFC 8601 2.7.2 (result names).
 * LIMITS
 *	--jobs at most TK_SPF_CHECKS_INFLIGHT_MAX; lines of
 *	TK_SPF_BATCH_LINE_MAX bytes (a longer one is reported and skipped).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/spf_batch.h"
#include "auth/spf_eval.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/engine.h"
#include "core/text.h"

#define SPF_PROG "spf check"
/* Batch: how long one wait for answers lasts before new input lines are
 * looked at again (checks in flight wake it sooner). */
#define BATCH_WAIT_MS 50

enum spf_format {
    SPF_TEXT,
    SPF_JSON,
};

struct spf_options {
    struct engine_options e;
    enum spf_format format;
    bool batch;
    unsigned jobs;
    const char *receiver;
};

static void spf_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki spf check [OPTIONS] IP SENDER [HELO]\n"
            "       tiaki spf check [OPTIONS] --batch < FILE   (or IP '-')\n"
            "\n"
            "Evaluate SPF (RFC 7208 check_host) as a receiving mail server would: may\n"
            "the client IP send mail with this MAIL FROM SENDER (local@domain)? With\n"
            "SENDER '' or '<>' (a bounce) the HELO name is checked instead.\n"
            "\n"
            "Batch: each input line is 'IP SENDER [HELO]' (SENDER '<>' or '-' for a\n"
            "bounce, HELO '-' for none; blank lines and '#' comments are skipped);\n"
            "one result line per check, in input order.\n"
            "\n"
            "options:\n"
            "  -r, --resolver ADDR[@PORT]  send every DNS question to this server\n"
            "                            (repeatable; default: the system's resolvers)\n"
            "  -t, --timeout SECONDS     per DNS question (default %d)\n"
            "  -f, --format text|json    text (default) or JSON Lines\n"
            "  -b, --batch               read checks from standard input\n"
            "  -j, --jobs N              batch: checks at once (default %d, at most %d)\n"
            "      --receiver NAME       the receiving host, %%{r} in explanations\n"
            "  -h, --help                this help\n"
            "\n"
            "text output: RESULT  IP  SENDER  then mechanism=, domain=, explanation=\n"
            "(fail) and reason= (errors, none); a check of the HELO name says helo=.\n"
            "\n"
            "exit status: one check: 0 pass, 1 any other result; batch: 0 every line\n"
            "was evaluated, 1 some line could not be read; 2 usage error, 3 nothing\n"
            "could be checked (the resolver failed).\n",
            TK_DNS_TIMEOUT_MS_DEFAULT / 1000, TK_SPF_CHECKS_INFLIGHT_DEFAULT,
            TK_SPF_CHECKS_INFLIGHT_MAX);
}

/* ------------------------------------------------------------ output */

/* spf_text_value appends " key=value", quoted when value holds a space
 * or a quote. Values are printable ASCII (the evaluator's text and
 * sanitised reasons). */
static void spf_text_value(FILE *out, const char *key, const char *value)
{
    const char *p;

    if (value == NULL || value[0] == '\0')
        return;
    if (strpbrk(value, " \"\\") == NULL) {
        fprintf(out, " %s=%s", key, value);
        return;
    }
    fprintf(out, " %s=\"", key);
    for (p = value; *p; p++)
        fprintf(out, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    fputc('"', out);
}

static void spf_print_text(FILE *out, const struct tk_spf_request *req, const char *sender,
                           const struct tk_spf_result *res)
{
    char ip[64];

    tk_spf_ip_format(&req->ip, ip, sizeof(ip));
    fprintf(out, "%-9s  %s  %s ", tk_auth_result_name(res->result), ip, sender[0] ? sender : "<>");
    if (res->identity == TK_SPF_ID_HELO)
        spf_text_value(out, "helo", res->checked[0] ? res->checked : req->helo);
    spf_text_value(out, "mechanism", res->mechanism);
    spf_text_value(out, "domain", res->domain);
    spf_text_value(out, "explanation", res->explanation);
    spf_text_value(out, "reason", res->reason);
    fputc('\n', out);
}

static void json_set_str(json_t *o, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(o, key, json_string(value));
}

static void spf_print_json(FILE *out, const struct tk_spf_request *req, const char *sender,
                           const struct tk_spf_result *res)
{
    json_t *o = json_object();
    char ip[64], *line;

    tk_spf_ip_format(&req->ip, ip, sizeof(ip));
    json_object_set_new(o, "ip", json_string(ip));
    json_object_set_new(o, "sender", json_string(sender));
    json_set_str(o, "helo", req->helo);
    json_object_set_new(o, "identity",
                        json_string(res->identity == TK_SPF_ID_HELO ? "helo" : "mailfrom"));
    json_set_str(o, "checked", res->checked);
    json_object_set_new(o, "result", json_string(tk_auth_result_name(res->result)));
    json_set_str(o, "mechanism", res->mechanism);
    json_set_str(o, "domain", res->domain);
    json_set_str(o, "explanation", res->explanation);
    json_set_str(o, "reason", res->reason);
    json_object_set_new(o, "dns_terms", json_integer(res->dns_terms));
    json_object_set_new(o, "void_lookups", json_integer(res->void_lookups));
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line)
        fprintf(out, "%s\n", line);
    free(line);
    json_decref(o);
}

static void spf_print(const struct spf_options *o, const struct tk_spf_request *req,
                      const char *sender, const struct tk_spf_result *res)
{
    struct tk_spf_result shown = *res;
    char who[TK_SPF_BATCH_LINE_MAX + 1];

    snprintf(who, sizeof(who), "%s", sender);
    tk_text_sanitise(who);
    sender = who;
    tk_text_sanitise(shown.reason);
    tk_text_sanitise(shown.explanation);
    if (o->format == SPF_JSON)
        spf_print_json(stdout, req, sender, &shown);
    else
        spf_print_text(stdout, req, sender, &shown);
}

/* spf_print_bad reports a batch line that holds no usable check. */
static void spf_print_bad(const struct spf_options *o, unsigned long lineno, const char *why)
{
    if (o->format == SPF_JSON) {
        json_t *j = json_object();
        char *line;

        json_object_set_new(j, "line", json_integer((json_int_t)lineno));
        json_object_set_new(j, "error", json_string(why));
        line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(j);
        return;
    }
    printf("error      line %lu: %s\n", lineno, why);
}

/* ------------------------------------------------------------ options */

enum { OPT_RECEIVER = 256 };

static const struct option spf_long_options[] = {
    {"resolver", required_argument, NULL, 'r'}, {"timeout", required_argument, NULL, 't'},
    {"format", required_argument, NULL, 'f'},   {"batch", no_argument, NULL, 'b'},
    {"jobs", required_argument, NULL, 'j'},     {"receiver", required_argument, NULL, OPT_RECEIVER},
    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
};

/* spf_option applies one option; returns -1 to go on, else an exit. */
static int spf_option(struct spf_options *o, int c, const char *arg)
{
    long v;

    switch (c) {
    case 'r':
    case 't':
        return engine_option(&o->e, SPF_PROG, c, arg);
    case 'f':
        if (strcmp(arg, "text") == 0)
            o->format = SPF_TEXT;
        else if (strcmp(arg, "json") == 0)
            o->format = SPF_JSON;
        else
            return engine_usage_error(SPF_PROG, "--format '%s': use text or json", arg);
        return -1;
    case 'b':
        o->batch = true;
        return -1;
    case 'j':
        if (!engine_number(arg, 1, TK_SPF_CHECKS_INFLIGHT_MAX, &v))
            return engine_usage_error(SPF_PROG, "--jobs '%s': a number from 1 to %d", arg,
                                      TK_SPF_CHECKS_INFLIGHT_MAX);
        o->jobs = (unsigned)v;
        return -1;
    case OPT_RECEIVER:
        o->receiver = arg;
        return -1;
    case 'h':
        spf_usage(stdout);
        return 0;
    default:
        return engine_usage_error(SPF_PROG, "unknown option");
    }
}

static int spf_options_parse(struct spf_options *o, int argc, char **argv)
{
    int c, rc;

    memset(o, 0, sizeof(*o));
    if ((rc = engine_options_init(&o->e, &tk_cli_config, SPF_PROG)) != -1)
        return rc;
    o->jobs = TK_SPF_CHECKS_INFLIGHT_DEFAULT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:t:f:bj:h", spf_long_options, NULL)) != -1)
        if ((rc = spf_option(o, c, optarg)) != -1)
            return rc;
    return -1;
}

static int spf_resolver(const struct spf_options *o, struct tk_resolver **r)
{
    return engine_mail_resolver(&o->e, SPF_PROG, r);
}

/* ------------------------------------------------------------ one check */

/* spf_one_request reads IP SENDER [HELO] into req (sender's storage is
 * the caller's); returns -1 or 2 after a usage error. */
static int spf_one_request(int argc, char **argv, struct tk_spf_request *req,
                           char sender[TK_SPF_BATCH_LINE_MAX + 1])
{
    size_t n;

    if (argc < 2 || argc > 3)
        return engine_usage_error(SPF_PROG, "give IP SENDER [HELO], or --batch");
    if (tk_spf_ip_parse(argv[0], &req->ip) != TK_OK)
        return engine_usage_error(SPF_PROG, "'%.64s' is not an IPv4 or IPv6 address", argv[0]);
    if (!tk_strlcpy(sender, argv[1], TK_SPF_BATCH_LINE_MAX + 1))
        return engine_usage_error(SPF_PROG, "SENDER is longer than %d bytes",
                                  TK_SPF_BATCH_LINE_MAX);
    /* as in a batch line: "<>" and "-" are a bounce, brackets dropped */
    if (strcmp(sender, "<>") == 0 || strcmp(sender, "-") == 0)
        sender[0] = '\0';
    n = strlen(sender);
    if (n >= 2 && sender[0] == '<' && sender[n - 1] == '>') {
        sender[n - 1] = '\0';
        memmove(sender, sender + 1, n - 1);
    }
    req->sender = sender;
    req->helo = argc == 3 && argv[2][0] ? argv[2] : NULL;
    if (sender[0] == '\0' && req->helo == NULL)
        return engine_usage_error(SPF_PROG, "an empty SENDER checks the HELO name: give HELO");
    return -1;
}

static int spf_one(const struct spf_options *o, struct tk_resolver *r,
                   const struct tk_spf_request *req)
{
    struct tk_spf_result res;
    struct tk_error err = {0};

    if (tk_spf_check_sync(r, req, &res, &err) != TK_OK) {
        fprintf(stderr, "tiaki %s: %s\n", SPF_PROG, err.msg);
        return 3;
    }
    spf_print(o, req, req->sender, &res);
    return res.result == TK_AUTH_PASS ? 0 : 1;
}

/* ------------------------------------------------------------ batch */

/* One line in flight. Lines leave in input order: a ring of slots, the
 * oldest printed as soon as it is done. */
struct spf_slot {
    struct tk_spf_batch_line line;
    struct tk_spf_result res;
    unsigned long lineno;
    bool done, bad, skip;
    char why[TK_ERROR_MSG_MAX];
};

struct batch_input;

struct spf_batch {
    const struct spf_options *o;
    struct tk_resolver *r;
    struct batch_input *in;
    struct spf_slot *slots;
    unsigned cap, head, count;
    unsigned long lineno, checked, bad;
    bool eof;
};

static void batch_done(void *arg, const struct tk_spf_result *res)
{
    struct spf_slot *s = arg;

    s->res = *res;
    s->done = true;
}

/* batch_flush prints the done lines at the head of the ring. */
static void batch_flush(struct spf_batch *b)
{
    while (b->count > 0 && b->slots[b->head].done) {
        struct spf_slot *s = &b->slots[b->head];

        if (s->bad)
            spf_print_bad(b->o, s->lineno, s->why);
        else if (!s->skip)
            spf_print(b->o, &s->line.req, s->line.sender, &s->res);
        b->head = (b->head + 1) % b->cap;
        b->count--;
    }
    fflush(stdout);
}

/* Standard input read with read(2), so the batch knows whether a whole
 * line is waiting: a program that writes one line and waits for its
 * answer (a co-process) must get it before the next line comes. */
#define BATCH_INPUT_BUF 65536

struct batch_input {
    char buf[BATCH_INPUT_BUF];
    size_t start, end;
    bool eof, skipping; /* skipping: the rest of a line over the limit */
};

enum batch_got {
    GOT_LINE,
    GOT_LONG, /* a line over TK_SPF_BATCH_LINE_MAX, consumed */
    GOT_NONE, /* no whole line waiting (only when not blocking) */
    GOT_EOF,
};

/* input_fill reads what is waiting (or, with block, waits for some).
 * False when nothing more will come. */
static bool input_fill(struct batch_input *in, bool block)
{
    struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
    ssize_t n;

    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (!block && poll(&pfd, 1, 0) <= 0)
        return true;
    do
        n = read(STDIN_FILENO, in->buf + in->end, sizeof(in->buf) - in->end);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        in->eof = true;
    else
        in->end += (size_t)n;
    return !in->eof;
}

/* input_line finds the next line: *line and *len name it in in->buf,
 * valid until the next call. */
static enum batch_got input_line(struct batch_input *in, bool block, const char **line, size_t *len)
{
    for (;;) {
        char *nl = memchr(in->buf + in->start, '\n', in->end - in->start);
        size_t have = nl ? (size_t)(nl - (in->buf + in->start)) : in->end - in->start;
        bool skipped = in->skipping;

        if (nl || (in->eof && have > 0) || have > TK_SPF_BATCH_LINE_MAX + 1) {
            *line = in->buf + in->start;
            *len = have;
            in->start += have + (nl ? 1 : 0);
            in->skipping = nl == NULL && !in->eof;
            if (skipped)
                continue; /* the end of a long line already reported */
            return have > TK_SPF_BATCH_LINE_MAX + 1 ? GOT_LONG : GOT_LINE;
        }
        if (in->eof)
            return GOT_EOF;
        if (!input_fill(in, block) && in->start == in->end)
            return GOT_EOF;
        if (!block && !in->eof && in->end - in->start == have)
            return GOT_NONE;
    }
}

/* batch_start reads and starts the next line in a free slot; false when
 * no line is waiting (or at the end of the input). */
static bool batch_start(struct spf_batch *b, bool block)
{
    struct spf_slot *s = &b->slots[(b->head + b->count) % b->cap];
    struct tk_error err = {0};
    enum tk_status st;
    enum batch_got got;
    const char *line;
    size_t len;

    got = input_line(b->in, block, &line, &len);
    if (got == GOT_EOF)
        b->eof = true;
    if (got == GOT_EOF || got == GOT_NONE)
        return false;
    memset(s, 0, sizeof(*s));
    s->lineno = ++b->lineno;
    b->count++;
    st = got == GOT_LONG
             ? tk_error_set(&err, TK_LIMIT, "line longer than %d bytes", TK_SPF_BATCH_LINE_MAX)
             : tk_spf_batch_line_parse(line, len, &s->line, &err);
    if (st == TK_OK) {
        s->line.req.receiver = b->o->receiver;
        st = tk_spf_check_start(b->r, &s->line.req, batch_done, s, &err);
    }
    if (st == TK_OK)
        return true;
    s->done = true;
    s->skip = st == TK_ABSENT;
    s->bad = !s->skip;
    b->bad += s->bad;
    snprintf(s->why, sizeof(s->why), "%s", err.msg);
    return true;
}

static int spf_batch(const struct spf_options *o, struct tk_resolver *r)
{
    struct spf_batch b = {o, r, NULL, NULL, o->jobs, 0, 0, 0, 0, 0, false};
    struct tk_error err = {0};
    int rc = -1;

    b.slots = calloc(b.cap, sizeof(*b.slots));
    b.in = calloc(1, sizeof(*b.in));
    if (b.slots == NULL || b.in == NULL) {
        free(b.slots);
        free(b.in);
        fprintf(stderr, "tiaki %s: out of memory\n", SPF_PROG);
        return 3;
    }
    while (rc == -1 && (!b.eof || b.count > 0)) {
        /* block for input only when nothing else is in flight */
        while (!b.eof && b.count < b.cap && batch_start(&b, b.count == 0))
            ;
        batch_flush(&b);
        if (b.count > 0 && tk_resolver_wait(r, BATCH_WAIT_MS, &err) != TK_OK) {
            fprintf(stderr, "tiaki %s: %s\n", SPF_PROG, err.msg);
            rc = 3;
        }
        batch_flush(&b);
    }
    free(b.slots);
    free(b.in);
    if (rc != -1)
        return rc;
    return b.bad > 0 ? 1 : 0;
}

int cmd_spf_main(int argc, char **argv)
{
    struct spf_options o;
    struct tk_resolver *r = NULL;
    struct tk_spf_request req = {{false, {0}}, NULL, NULL, NULL, 0, 0};
    char sender[TK_SPF_BATCH_LINE_MAX + 1];
    int rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        spf_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "check") != 0)
        return engine_usage_error("spf", "unknown action '%s'; the action is check", argv[1]);
    if ((rc = spf_options_parse(&o, argc - 1, argv + 1)) != -1)
        return rc;
    argc -= optind + 1;
    argv += optind + 1;
    if (argc >= 1 && strcmp(argv[0], "-") == 0) {
        o.batch = true;
        argc--;
        argv++;
    }
    if (o.batch && argc > 0)
        return engine_usage_error(SPF_PROG, "--batch reads checks from standard input only");
    req.receiver = o.receiver;
    if (!o.batch && (rc = spf_one_request(argc, argv, &req, sender)) != -1)
        return rc;
    if ((rc = spf_resolver(&o, &r)) != -1)
        return rc;
    rc = o.batch ? spf_batch(&o, r) : spf_one(&o, r, &req);
    tk_resolver_drain(r, NULL);
    tk_resolver_free(r);
    return rc;
}
