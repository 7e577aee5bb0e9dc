/*
 * NAME
 *	cmd_dmarc.c - tiaki dmarc eval: evaluate DMARC for one message
 * SYNOPSIS
 *	tiaki dmarc eval [OPTIONS] [FILE]
 * DESCRIPTION
 *	Reads a message (FILE, or standard input), finds its From domain
 *	(auth/from.h), takes SPF's and DKIM's results from the options,
 *	evaluates DMARC over DNS (auth/dmarc_eval.h) and prints the From
 *	domain, the policy record and where it was found, the alignment of
 *	each identity, the result, the disposition, and the
 *	Authentication-Results field a filter would add (auth/authres.h).
 *	SPF's result is given (--spf-result, --spf-domain) or computed by
 *	check_host() (auth/spf_eval.h) from --client-ip, --mail-from and
 *	--helo; DKIM's results are given (--dkim) or, when none is, come
 *	from verifying the message's own signatures (auth/dkim_verify.h)
 *	as it is read. One resolver serves all three.
 * DIAGNOSTICS
 *	Exit 0 DMARC pass, 1 fail, 2 usage error, 3 temperror or not
 *	evaluable (no usable From, an invalid record: permerror, a DNS or
 *	resolver failure), 4 none (the From domain publishes no policy).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/authres.h"
#include "auth/dkim_verify.h"
#include "auth/dmarc_eval.h"
#include "auth/from.h"
#include "auth/message.h"
#include "auth/spf_eval.h"
#include "cli/commands.h"
#include "cli/engine.h"
#include "core/domain.h"
#include "core/text.h"

#define PROG "dmarc eval"
/* --dkim options taken: the evaluator keeps TK_DMARC_DKIM_MAX, passing
 * ones first; more than this on a command line is a mistake. */
#define DMARC_CLI_DKIM_MAX 64
#define DMARC_READ_CHUNK 65536

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_UNEVALUABLE = 3, EXIT_NONE = 4 };

struct dmarc_cli_dkim {
    char domain[TK_DOMAIN_MAX + 1];
    char selector[TK_DOMAIN_MAX + 1]; /* "" when not given */
    char b[9];                        /* header.b: b='s first characters, or "" */
    enum tk_auth_result result;
};

struct dmarc_cli {
    struct engine_options e;
    enum tk_dmarc_org_method org_method;
    bool spf_given;
    enum tk_auth_result spf_result;
    const char *spf_domain;
    bool spf_helo;
    /* check_host() inputs (--client-ip, --mail-from, --helo) */
    const char *client_ip;
    const char *mail_from;
    const char *helo;
    char spf_checked[TK_DOMAIN_MAX + 1];
    bool dkim_given;
    size_t ndkim;
    struct dmarc_cli_dkim dkim[DMARC_CLI_DKIM_MAX];
    char authserv_id[TK_DOMAIN_MAX + 1];
    bool json;
    const char *file;
};

static void dmarc_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki dmarc eval [OPTIONS] [FILE]\n"
            "\n"
            "Evaluate DMARC (RFC 7489, RFC 9989) for the message in FILE (default:\n"
            "standard input) and print the From domain, the policy and where it was\n"
            "found, the alignment of each identity, the result, the disposition and the\n"
            "Authentication-Results field. SPF is checked from --client-ip (or given\n"
            "with --spf-result); the message's DKIM signatures are verified unless\n"
            "--dkim gives their results.\n"
            "\n"
            "options:\n"
            "  -r, --resolver ADDR[@PORT]  send every DNS question to this server\n"
            "                            (repeatable; default: the configuration's, else\n"
            "                            the system's resolvers)\n"
            "  -t, --timeout SECONDS     per DNS question (default %d)\n"
            "      --org-domain psl|tree how to find organisational domains: the public\n"
            "                            suffix list (RFC 7489, default) or the DNS tree\n"
            "                            walk (RFC 9989)\n"
            "      --client-ip IP        the SMTP client's address: check SPF (RFC 7208)\n"
            "      --mail-from ADDRESS   the MAIL FROM reverse-path (empty or absent: the\n"
            "                            HELO name is checked)\n"
            "      --helo NAME           the HELO/EHLO name\n"
            "      --spf-result RESULT   instead of checking: SPF's result: pass, fail,\n"
            "                            softfail, neutral, none,\n"
            "                            temperror, permerror\n"
            "      --spf-domain DOMAIN   the domain SPF checked (MAIL FROM's, or HELO's)\n"
            "      --spf-scope mailfrom|helo  which identity --spf-domain is (default\n"
            "                            mailfrom)\n"
            "      --dkim DOMAIN[:SELECTOR]=RESULT  instead of verifying: one DKIM\n"
            "                            signature's d=, selector and result (repeatable)\n"
            "      --authserv-id ID      the name in Authentication-Results (default: this\n"
            "                            host's name)\n"
            "  -f, --format text|json    output (default text)\n"
            "  -h, --help                this help\n"
            "\n"
            "Without --client-ip or --spf-result, SPF counts as none.\n"
            "\n"
            "exit status: 0 pass, 1 fail, 2 usage error, 3 temperror or not evaluable\n"
            "(no usable From, an invalid record, a DNS failure), 4 none (no policy).\n",
            TK_DNS_TIMEOUT_MS_DEFAULT / 1000);
}

enum {
    OPT_ORG = 256,
    OPT_SPF_RESULT,
    OPT_SPF_DOMAIN,
    OPT_SPF_SCOPE,
    OPT_DKIM,
    OPT_AUTHSERV,
    OPT_CLIENT_IP,
    OPT_MAIL_FROM,
    OPT_HELO,
};

static const struct option dmarc_options[] = {
    {"resolver", required_argument, NULL, 'r'},
    {"timeout", required_argument, NULL, 't'},
    {"org-domain", required_argument, NULL, OPT_ORG},
    {"spf-result", required_argument, NULL, OPT_SPF_RESULT},
    {"spf-domain", required_argument, NULL, OPT_SPF_DOMAIN},
    {"spf-scope", required_argument, NULL, OPT_SPF_SCOPE},
    {"dkim", required_argument, NULL, OPT_DKIM},
    {"authserv-id", required_argument, NULL, OPT_AUTHSERV},
    {"client-ip", required_argument, NULL, OPT_CLIENT_IP},
    {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
    {"helo", required_argument, NULL, OPT_HELO},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"config", required_argument, NULL, 'C'},
    {NULL, 0, NULL, 0},
};

/* dmarc_dkim_option reads DOMAIN[:SELECTOR]=RESULT. */
static int dmarc_dkim_option(struct dmarc_cli *o, const char *arg)
{
    const char *eq = strrchr(arg, '='), *colon;
    struct dmarc_cli_dkim *d;
    size_t dlen;

    if (o->ndkim >= DMARC_CLI_DKIM_MAX)
        return engine_usage_error(PROG, "at most %d --dkim options", DMARC_CLI_DKIM_MAX);
    d = &o->dkim[o->ndkim];
    if (eq == NULL || !tk_auth_result_parse(eq + 1, strlen(eq + 1), &d->result))
        return engine_usage_error(PROG, "--dkim '%s': write DOMAIN[:SELECTOR]=RESULT", arg);
    colon = memchr(arg, ':', (size_t)(eq - arg));
    dlen = (size_t)((colon ? colon : eq) - arg);
    if (tk_domain_normalise(arg, dlen, d->domain, NULL) != TK_OK)
        return engine_usage_error(PROG, "--dkim '%s': the domain is not a domain name", arg);
    d->selector[0] = '\0';
    if (colon &&
        tk_domain_normalise(colon + 1, (size_t)(eq - colon - 1), d->selector, NULL) != TK_OK)
        return engine_usage_error(PROG, "--dkim '%s': the selector is not a DNS label", arg);
    o->ndkim++;
    o->dkim_given = true;
    return -1;
}

static int dmarc_spf_option(struct dmarc_cli *o, int c, const char *arg)
{
    if (c == OPT_SPF_RESULT) {
        if (!tk_auth_result_parse(arg, strlen(arg), &o->spf_result))
            return engine_usage_error(PROG,
                                      "--spf-result '%s': use pass, fail, softfail, "
                                      "neutral, none, temperror or permerror",
                                      arg);
        o->spf_given = true;
    } else if (c == OPT_SPF_DOMAIN) {
        o->spf_domain = arg;
    } else if (strcmp(arg, "mailfrom") == 0 || strcmp(arg, "helo") == 0) {
        o->spf_helo = strcmp(arg, "helo") == 0;
    } else {
        return engine_usage_error(PROG, "--spf-scope '%s': use mailfrom or helo", arg);
    }
    return -1;
}

/* dmarc_option applies one option; -1 to go on, else an exit code. */
static int dmarc_option(struct dmarc_cli *o, int c, const char *arg)
{
    switch (c) {
    case 'r':
    case 't':
    case 'C':
        return engine_option(&o->e, PROG, c, arg);
    case OPT_ORG:
        if (strcmp(arg, "psl") != 0 && strcmp(arg, "tree") != 0)
            return engine_usage_error(PROG, "--org-domain '%s': use psl or tree", arg);
        o->org_method = strcmp(arg, "tree") == 0 ? TK_DMARC_ORG_TREE : TK_DMARC_ORG_PSL;
        return -1;
    case OPT_SPF_RESULT:
    case OPT_SPF_DOMAIN:
    case OPT_SPF_SCOPE:
        return dmarc_spf_option(o, c, arg);
    case OPT_DKIM:
        return dmarc_dkim_option(o, arg);
    case OPT_CLIENT_IP:
        o->client_ip = arg;
        return -1;
    case OPT_MAIL_FROM:
        o->mail_from = arg;
        return -1;
    case OPT_HELO:
        o->helo = arg;
        return -1;
    case OPT_AUTHSERV:
        if (!tk_strlcpy(o->authserv_id, arg, sizeof(o->authserv_id)) || arg[0] == '\0')
            return engine_usage_error(PROG, "--authserv-id: give a host name");
        return -1;
    case 'f':
        if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
            return engine_usage_error(PROG, "--format '%s': use text or json", arg);
        o->json = strcmp(arg, "json") == 0;
        return -1;
    case 'h':
        dmarc_usage(stdout);
        return 0;
    default:
        return engine_usage_error(PROG, "unknown option");
    }
}

static int dmarc_parse(int argc, char **argv, struct dmarc_cli *o)
{
    int c, rc;

    if ((rc = engine_options_init(&o->e, &tk_cli_config, PROG)) >= 0)
        return rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:t:f:h", dmarc_options, NULL)) != -1) {
        if (c == '?')
            return engine_usage_error(PROG, "unknown option or missing argument: %s",
                                      argv[optind - 1]);
        if ((rc = dmarc_option(o, c, optarg)) >= 0)
            return rc;
    }
    if (argc - optind > 1)
        return engine_usage_error(PROG, "one message at a time: give one FILE or none");
    o->file = argc > optind ? argv[optind] : NULL;
    if (o->spf_given != (o->spf_domain != NULL))
        return engine_usage_error(PROG, "--spf-result and --spf-domain go together");
    if (o->client_ip && o->spf_given)
        return engine_usage_error(PROG, "--client-ip checks SPF; --spf-result gives it: not both");
    if ((o->mail_from || o->helo) && o->client_ip == NULL)
        return engine_usage_error(PROG, "--mail-from and --helo need --client-ip");
    if (o->authserv_id[0] == '\0' &&
        (gethostname(o->authserv_id, sizeof(o->authserv_id)) != 0 || o->authserv_id[0] == '\0'))
        tk_strlcpy(o->authserv_id, "localhost", sizeof(o->authserv_id));
    o->authserv_id[sizeof(o->authserv_id) - 1] = '\0';
    return -1;
}

/* ---- input ---- */

static int dmarc_read(const struct dmarc_cli *o, struct tk_msg *m, struct tk_dkim_verify *v)
{
    FILE *in = o->file && strcmp(o->file, "-") != 0 ? fopen(o->file, "rb") : stdin;
    char *buf = malloc(DMARC_READ_CHUNK);
    size_t n;
    int rc = -1;

    if (in == NULL || buf == NULL) {
        fprintf(stderr, "tiaki %s: %s: %s\n", PROG, o->file ? o->file : "-",
                in == NULL ? strerror(errno) : "out of memory");
        if (in != NULL && in != stdin)
            fclose(in);
        free(buf);
        return EXIT_UNEVALUABLE;
    }
    tk_msg_init(m);
    while (rc < 0 && (n = fread(buf, 1, DMARC_READ_CHUNK, in)) > 0)
        if (tk_msg_feed(m, buf, n, v ? tk_dkim_verify_body : NULL, v) != TK_OK)
            rc = EXIT_UNEVALUABLE;
    if (rc < 0 && (ferror(in) || tk_msg_finish(m) != TK_OK))
        rc = EXIT_UNEVALUABLE;
    if (rc >= 0) {
        fprintf(stderr, "tiaki %s: cannot read the message\n", PROG);
        tk_msg_free(m);
    }
    if (in != stdin)
        fclose(in);
    free(buf);
    return rc;
}

/* ---- evaluation ---- */

static int dmarc_run(const struct dmarc_cli *o, struct tk_resolver *r, const char *from,
                     struct tk_dmarc_result *res)
{
    struct tk_dmarc_dkim dkim[DMARC_CLI_DKIM_MAX];
    struct tk_dmarc_input in = {from, o->spf_domain, o->spf_result, dkim, o->ndkim};
    struct tk_dmarc_options opt = {o->org_method, NULL, NULL};
    struct tk_error err = {0};
    enum tk_status st;
    size_t i;

    if (!o->spf_given)
        in.spf_result = TK_AUTH_NONE;
    for (i = 0; i < o->ndkim; i++)
        dkim[i] = (struct tk_dmarc_dkim){o->dkim[i].domain, o->dkim[i].result};
    st = tk_dmarc_eval(r, &in, &opt, res, &err);
    if (st != TK_OK) {
        fprintf(stderr, "tiaki %s: %s\n", PROG, err.msg);
        return EXIT_UNEVALUABLE;
    }
    return -1;
}

/* dmarc_authres writes the field tiaki would add: spf (when given),
 * each dkim, then dmarc (permerror with the From failure's reason when
 * there is no usable From). */
static enum tk_status dmarc_authres(const struct dmarc_cli *o, const struct tk_from *from,
                                    const struct tk_dmarc_result *res, struct tk_buf *out)
{
    struct tk_authres_method m[DMARC_CLI_DKIM_MAX + 2];
    char comment[64];
    size_t n = 0, i;

    memset(m, 0, sizeof(m));
    if (o->spf_given) {
        m[n].method = "spf";
        m[n].result = o->spf_result;
        m[n].props[m[n].nprops++] =
            (struct tk_authres_prop){"smtp", o->spf_helo ? "helo" : "mailfrom", o->spf_domain};
        n++;
    }
    for (i = 0; i < o->ndkim; i++, n++) {
        m[n].method = "dkim";
        m[n].result = o->dkim[i].result;
        m[n].props[m[n].nprops++] = (struct tk_authres_prop){"header", "d", o->dkim[i].domain};
        if (o->dkim[i].selector[0])
            m[n].props[m[n].nprops++] =
                (struct tk_authres_prop){"header", "s", o->dkim[i].selector};
        if (o->dkim[i].b[0])
            m[n].props[m[n].nprops++] = (struct tk_authres_prop){"header", "b", o->dkim[i].b};
    }
    if (from->reason == TK_FROM_OK) {
        tk_dmarc_authres_method(res, &m[n++], comment);
    } else {
        m[n].method = "dmarc";
        m[n].result = TK_AUTH_PERMERROR;
        m[n++].reason = tk_from_reason_name(from->reason);
    }
    return tk_authres_format(o->authserv_id, m, n, out, NULL);
}

/* ---- output ---- */

static const char *identity_line(const struct tk_dmarc_identity *id, char *buf, size_t len)
{
    snprintf(buf, len, "%-9s %s  %s, aligned: %s%s%s", tk_auth_result_name(id->result),
             id->domain[0] ? id->domain : "(none)",
             id->mode == TK_DMARC_ALIGN_STRICT ? "strict" : "relaxed",
             tk_dmarc_aligned_name(id->aligned), id->org_domain[0] ? ", org domain " : "",
             id->org_domain);
    return buf;
}

static void dmarc_text_policy(const struct tk_dmarc_result *res)
{
    char record[TK_TXT_RECORD_MAX + 1];

    printf("org domain:    %s (%s)\n", res->org_domain[0] ? res->org_domain : "(not learnt)",
           res->org_method == TK_DMARC_ORG_TREE ? "DNS tree walk, RFC 9989"
                                                : "public suffix list, RFC 7489");
    if (res->source == TK_DMARC_SOURCE_NONE) {
        printf("policy record: (none)\n");
        return;
    }
    tk_strlcpy(record, res->record_text, sizeof(record));
    tk_text_sanitise(record);
    printf("policy record: %s\n", record);
    printf("found at:      _dmarc.%s (%s)\n", res->policy_domain,
           res->source == TK_DMARC_SOURCE_FROM ? "the From domain's own record"
                                               : "a parent of the From domain");
}

static void dmarc_text(const struct tk_from *from, const struct tk_dmarc_result *res,
                       const char *authres)
{
    char line[TK_DOMAIN_MAX * 2 + 64], why[TK_ERROR_MSG_MAX];
    size_t i;

    if (from->reason != TK_FROM_OK) {
        printf("from domain:   (unusable: %s)\nresult:        permerror\n",
               tk_from_reason_name(from->reason));
        printf("Authentication-Results: %s\n", authres);
        return;
    }
    printf("from domain:   %s\n", res->from_domain);
    dmarc_text_policy(res);
    printf("spf:           %s\n", identity_line(&res->spf, line, sizeof(line)));
    for (i = 0; i < res->ndkim; i++)
        printf("dkim:          %s\n", identity_line(&res->dkim[i], line, sizeof(line)));
    printf("result:        %s\n", tk_auth_result_name(res->result));
    if (res->policy != TK_DMARC_POLICY_UNSET)
        printf("policy:        %s (%s=)\n", tk_dmarc_policy_name(res->policy),
               tk_dmarc_tag_name(res->tag));
    printf("disposition:   %s%s%s\n", tk_dmarc_policy_name(res->disposition),
           res->sampled_out ? " (lowered: not selected by pct=)" : "",
           res->testing ? " (lowered: t=y, testing)" : "");
    tk_strlcpy(why, res->why_text, sizeof(why));
    tk_text_sanitise(why);
    printf("why:           %s: %s\n", tk_dmarc_why_name(res->why), why);
    printf("Authentication-Results: %s\n", authres);
}

static json_t *identity_json(const struct tk_dmarc_identity *id)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "domain", id->domain, "result",
                     tk_auth_result_name(id->result), "mode",
                     id->mode == TK_DMARC_ALIGN_STRICT ? "strict" : "relaxed", "aligned",
                     tk_dmarc_aligned_name(id->aligned), "org_domain", id->org_domain);
}

static void dmarc_json(const struct tk_from *from, const struct tk_dmarc_result *res,
                       const char *authres)
{
    json_t *root = json_object(), *dkim = json_array();
    char record[TK_TXT_RECORD_MAX + 1], why[TK_ERROR_MSG_MAX];
    bool ok = from->reason == TK_FROM_OK;
    size_t i;

    tk_strlcpy(record, res->record_text, sizeof(record));
    tk_text_sanitise(record);
    tk_strlcpy(why, ok ? res->why_text : tk_from_reason_name(from->reason), sizeof(why));
    tk_text_sanitise(why);
    json_object_set_new(root, "from_domain", json_string(ok ? res->from_domain : ""));
    json_object_set_new(root, "from_status", json_string(tk_from_reason_name(from->reason)));
    json_object_set_new(root, "result",
                        json_string(ok ? tk_auth_result_name(res->result) : "permerror"));
    json_object_set_new(root, "why", json_string(ok ? tk_dmarc_why_name(res->why) : "from"));
    json_object_set_new(root, "why_text", json_string(why));
    json_object_set_new(root, "org_method", json_string(tk_dmarc_org_method_name(res->org_method)));
    json_object_set_new(root, "org_domain", json_string(res->org_domain));
    json_object_set_new(root, "source", json_string(tk_dmarc_source_name(res->source)));
    json_object_set_new(root, "policy_domain", json_string(res->policy_domain));
    json_object_set_new(root, "record", json_string(record));
    json_object_set_new(root, "policy", json_string(tk_dmarc_policy_name(res->policy)));
    json_object_set_new(root, "policy_tag", json_string(tk_dmarc_tag_name(res->tag)));
    json_object_set_new(root, "disposition", json_string(tk_dmarc_policy_name(res->disposition)));
    json_object_set_new(root, "sampled_out", json_boolean(res->sampled_out));
    json_object_set_new(root, "testing", json_boolean(res->testing));
    json_object_set_new(root, "from_nonexistent", json_boolean(res->from_nonexistent));
    json_object_set_new(root, "spf", identity_json(&res->spf));
    for (i = 0; i < res->ndkim; i++)
        json_array_append_new(dkim, identity_json(&res->dkim[i]));
    json_object_set_new(root, "dkim", dkim);
    json_object_set_new(root, "queries", json_integer((json_int_t)res->queries));
    json_object_set_new(root, "authentication_results", json_string(authres));
    json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

static int dmarc_exit(const struct tk_from *from, const struct tk_dmarc_result *res)
{
    if (from->reason != TK_FROM_OK)
        return EXIT_UNEVALUABLE;
    switch (res->result) {
    case TK_AUTH_PASS:
        return EXIT_PASS;
    case TK_AUTH_FAIL:
        return EXIT_FAIL;
    case TK_AUTH_NONE:
        return EXIT_NONE;
    default:
        return EXIT_UNEVALUABLE;
    }
}

/* dmarc_spf checks SPF with check_host() and keeps its result as if it
 * had been given. */
static int dmarc_spf(struct dmarc_cli *o, struct tk_resolver *r)
{
    struct tk_spf_request req = {0};
    struct tk_spf_result res;
    struct tk_error err = {0};

    if (tk_spf_ip_parse(o->client_ip, &req.ip) != TK_OK)
        return engine_usage_error(PROG, "--client-ip '%s': not an IPv4 or IPv6 address",
                                  o->client_ip);
    req.sender = o->mail_from;
    req.helo = o->helo;
    if (tk_spf_check_sync(r, &req, &res, &err) != TK_OK) {
        fprintf(stderr, "tiaki %s: SPF: %s\n", PROG, err.msg);
        return EXIT_UNEVALUABLE;
    }
    tk_strlcpy(o->spf_checked, res.checked, sizeof(o->spf_checked));
    o->spf_given = true;
    o->spf_result = res.result;
    o->spf_domain = o->spf_checked;
    o->spf_helo = res.identity == TK_SPF_ID_HELO;
    return -1;
}

/* dmarc_dkim takes the verifier's results as if they had been given. */
static int dmarc_dkim(struct dmarc_cli *o, struct tk_dkim_verify *v, struct tk_resolver *r)
{
    struct tk_error err = {0};
    size_t i;

    if (tk_dkim_verify_finish(v, r, &err) != TK_OK) {
        fprintf(stderr, "tiaki %s: DKIM: %s\n", PROG, err.msg);
        return EXIT_UNEVALUABLE;
    }
    for (i = 0; i < tk_dkim_verify_count(v) && o->ndkim < DMARC_CLI_DKIM_MAX; i++) {
        const struct tk_dkim_result *d = tk_dkim_verify_result(v, i);
        struct dmarc_cli_dkim *c = &o->dkim[o->ndkim];

        if (d->d[0] == '\0') /* a signature too broken to name a domain */
            continue;
        tk_strlcpy(c->domain, d->d, sizeof(c->domain));
        tk_strlcpy(c->selector, d->s, sizeof(c->selector));
        tk_strlcpy(c->b, d->b, sizeof(c->b));
        c->result = d->result;
        o->ndkim++;
    }
    return -1;
}

static void dmarc_report(const struct dmarc_cli *o, const struct tk_from *from,
                         const struct tk_dmarc_result *res)
{
    struct tk_buf authres = {0};

    if (dmarc_authres(o, from, res, &authres) != TK_OK)
        tk_buf_puts(&authres, "(cannot be written)");
    if (o->json)
        dmarc_json(from, res, tk_buf_cstr(&authres));
    else
        dmarc_text(from, res, tk_buf_cstr(&authres));
    tk_buf_free(&authres);
}

/* dmarc_message reads the message (verifying its signatures unless
 * --dkim gave results), checks SPF, and evaluates DMARC. */
static int dmarc_message(struct dmarc_cli *o, struct tk_resolver *r, struct tk_msg *m,
                         struct tk_dmarc_result *res)
{
    struct tk_dkim_verify *v = NULL;
    struct tk_error err = {0};
    struct tk_from from;
    int rc;

    if (!o->dkim_given && tk_dkim_verify_new(m, NULL, &v, &err) != TK_OK) {
        fprintf(stderr, "tiaki %s: %s\n", PROG, err.msg);
        return EXIT_UNEVALUABLE;
    }
    if ((rc = dmarc_read(o, m, v)) < 0 && o->client_ip)
        rc = dmarc_spf(o, r);
    if (rc < 0 && v)
        rc = dmarc_dkim(o, v, r);
    tk_dkim_verify_free(v);
    if (rc >= 0)
        return rc;
    if (tk_from_domain(m, &from, &err) != TK_OK) {
        tk_text_sanitise(err.msg);
        fprintf(stderr, "tiaki %s: %s\n", PROG, err.msg);
    } else if ((rc = dmarc_run(o, r, from.domain, res)) >= 0) {
        return rc;
    }
    dmarc_report(o, &from, res);
    return dmarc_exit(&from, res);
}

/* dmarc_eval_main runs once the options are read. */
static int dmarc_eval_main(struct dmarc_cli *o, struct tk_dmarc_result *res)
{
    struct tk_resolver *r;
    struct tk_msg m;
    int rc;

    if ((rc = engine_mail_resolver(&o->e, PROG, &r)) >= 0)
        return rc == 2 ? EXIT_USAGE : EXIT_UNEVALUABLE;
    tk_msg_init(&m);
    rc = dmarc_message(o, r, &m, res);
    tk_msg_free(&m);
    tk_resolver_free(r);
    return rc;
}

int cmd_dmarc_main(int argc, char **argv)
{
    struct dmarc_cli *o;
    struct tk_dmarc_result *res;
    int rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        dmarc_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "eval") != 0) {
        fprintf(stderr, "tiaki dmarc: unknown subcommand '%s'\n", argv[1]);
        dmarc_usage(stderr);
        return EXIT_USAGE;
    }
    o = calloc(1, sizeof(*o));
    res = calloc(1, sizeof(*res));
    if (o == NULL || res == NULL) {
        free(o);
        free(res);
        fprintf(stderr, "tiaki dmarc: out of memory\n");
        return EXIT_UNEVALUABLE;
    }
    if ((rc = dmarc_parse(argc - 1, argv + 1, o)) < 0)
        rc = dmarc_eval_main(o, res);
    free(o);
    free(res);
    return rc;
}
