/*
 * NAME
 *	cmd_dkim.c - tiaki dkim: make keys, sign and verify messages
 * SYNOPSIS
 *	tiaki dkim keygen --selector S --domain D [--type rsa|ed25519]
 *	                  [--bits N] --out KEYFILE
 *	tiaki dkim sign --key FILE --selector S --domain D [--identity I]
 *	                [--over-sign NAMES] [--expire SECONDS] [MESSAGE]
 *	tiaki dkim verify [--resolver ADDR[@PORT]] [--timeout S]
 *	                  [--format text|json] [MESSAGE]
 * DESCRIPTION
 *	A thin layer over auth/dkim_sign.h and auth/dkim_verify.h: options,
 *	reading the message (a file or standard input, streamed), and the
 *	lines people and scripts read. See docs/tiaki-dkim.md.
 * DIAGNOSTICS
 *	keygen, sign: exit 0 done, 2 usage error, 3 failure (unreadable key,
 *	OpenSSL). verify: exit 0 when at least one signature passes, 1 when
 *	none passes (or there is none), 2 usage error, 3 when nothing could
 *	be checked (every signature temperror, or the message unreadable).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "cli/commands.h"
#include "cli/engine.h"
#include "core/domain.h"
#include "core/text.h"

/* Bytes read from the message at a time. */
#define DKIM_CHUNK 65536

static void dkim_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki dkim keygen --selector S --domain D [--type rsa|ed25519] [--bits N]\n"
            "                         --out KEYFILE\n"
            "       tiaki dkim sign --key FILE --selector S --domain D [OPTIONS] [MESSAGE]\n"
            "       tiaki dkim verify [--resolver ADDR[@PORT]] [--format text|json] [MESSAGE]\n"
            "\n"
            "Make DKIM keys, sign mail, and verify the DKIM signatures of a message\n"
            "(RFC 6376, RFC 8301, RFC 8463). 'tiaki dkim SUBCOMMAND --help' for more.\n");
}

/* ---- reading a message ---- */

static FILE *dkim_open_message(const char *sub, const char *path)
{
    FILE *f;

    if (path == NULL || strcmp(path, "-") == 0)
        return stdin;
    if ((f = fopen(path, "rb")) == NULL)
        fprintf(stderr, "tiaki dkim %s: cannot read %s: %m\n", sub, path);
    return f;
}

/* dkim_feed streams the message in f through m to body(arg); copy, when
 * not NULL, gets the raw bytes too. Returns 0, or 3 after a message. */
static int dkim_feed(const char *sub, FILE *f, struct tk_msg *m, tk_msg_body_fn body, void *arg,
                     FILE *copy)
{
    static char chunk[DKIM_CHUNK];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (copy && fwrite(chunk, 1, n, copy) != n) {
            fprintf(stderr, "tiaki dkim %s: cannot keep the message: %m\n", sub);
            return 3;
        }
        if (tk_msg_feed(m, chunk, n, body, arg) != TK_OK) {
            fprintf(stderr, "tiaki dkim %s: out of memory reading the message\n", sub);
            return 3;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "tiaki dkim %s: error reading the message: %m\n", sub);
        return 3;
    }
    if (tk_msg_finish(m) != TK_OK) {
        fprintf(stderr, "tiaki dkim %s: out of memory reading the message\n", sub);
        return 3;
    }
    return 0;
}

/* ---- keygen ---- */

static void keygen_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki dkim keygen --selector S --domain D [--type rsa|ed25519] [--bits N]\n"
            "                         --out KEYFILE\n"
            "\n"
            "Make a DKIM key: the private key goes to KEYFILE (PKCS#8 PEM, mode 0600, never\n"
            "over an existing file); the DNS TXT record to publish at\n"
            "S._domainkey.D is printed, as text and as a zone-file line.\n"
            "\n"
            "options:\n"
            "  -s, --selector S    the selector\n"
            "  -d, --domain D      the signing domain\n"
            "  -t, --type T        rsa (default) or ed25519\n"
            "  -b, --bits N        RSA key size, %d to 8192 (default 2048)\n"
            "  -o, --out KEYFILE   where to write the private key\n"
            "  -h, --help          this help\n"
            "\n"
            "exit status: 0 done, 2 usage error, 3 the key could not be made or written.\n",
            TK_DKIM_SIGN_RSA_BITS_MIN);
}

static int keygen_print(EVP_PKEY *pk, const char *selector, const char *domain, const char *out)
{
    struct tk_buf rec = {0}, zone = {0};
    int rc = 0;

    if (tk_dkim_key_record(pk, &rec) != TK_OK ||
        tk_dkim_zone_line(selector, domain, rec.data, &zone) != TK_OK) {
        fprintf(stderr, "tiaki dkim keygen: cannot write the record\n");
        rc = 3;
    } else {
        printf("; private key: %s\n; publish at %s._domainkey.%s TXT:\n; %s\n%s\n", out, selector,
               domain, rec.data, zone.data);
    }
    tk_buf_free(&rec);
    tk_buf_free(&zone);
    return rc;
}

struct keygen_args {
    const char *selector, *domain, *out;
    bool ed;
    long bits;
};

/* keygen_option applies one option; -1 to go on, else an exit code. */
static int keygen_option(struct keygen_args *a, int c, char **argv)
{
    switch (c) {
    case 's':
        a->selector = optarg;
        return -1;
    case 'd':
        a->domain = optarg;
        return -1;
    case 't':
        if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ed25519") != 0)
            return engine_usage_error("dkim keygen", "--type '%s': use rsa or ed25519", optarg);
        a->ed = strcmp(optarg, "ed25519") == 0;
        return -1;
    case 'b':
        if (!engine_number(optarg, TK_DKIM_SIGN_RSA_BITS_MIN, 8192, &a->bits))
            return engine_usage_error("dkim keygen", "--bits '%s': 2048 to 8192", optarg);
        return -1;
    case 'o':
        a->out = optarg;
        return -1;
    case 'h':
        keygen_usage(stdout);
        return 0;
    default:
        return engine_usage_error("dkim keygen", "unknown option or missing argument: %s",
                                  argv[optind - 1]);
    }
}

static int keygen_parse(int argc, char **argv, struct keygen_args *a)
{
    static const struct option longs[] = {
        {"selector", required_argument, NULL, 's'},
        {"domain", required_argument, NULL, 'd'},
        {"type", required_argument, NULL, 't'},
        {"bits", required_argument, NULL, 'b'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tk_error err = {0};
    char check[TK_DOMAIN_MAX + 1];
    int c, rc;

    memset(a, 0, sizeof(*a));
    a->bits = 2048;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:d:t:b:o:h", longs, NULL)) != -1)
        if ((rc = keygen_option(a, c, argv)) >= 0)
            return rc;
    if (a->selector == NULL || a->domain == NULL || a->out == NULL)
        return engine_usage_error("dkim keygen", "%s",
                                  "--selector, --domain and --out are required");
    if (tk_domain_normalise(a->selector, strlen(a->selector), check, &err) != TK_OK ||
        tk_domain_normalise(a->domain, strlen(a->domain), check, &err) != TK_OK)
        return engine_usage_error("dkim keygen", "%s", err.msg);
    return -1;
}

static int dkim_keygen(int argc, char **argv)
{
    struct keygen_args a;
    struct tk_error err = {0};
    EVP_PKEY *pk;
    int rc;

    if ((rc = keygen_parse(argc, argv, &a)) >= 0)
        return rc;
    if (tk_dkim_keygen(a.ed, (unsigned)a.bits, a.out, &pk, &err) != TK_OK) {
        fprintf(stderr, "tiaki dkim keygen: %s\n", err.msg);
        return err.code == TK_USAGE ? 2 : 3;
    }
    rc = keygen_print(pk, a.selector, a.domain, a.out);
    EVP_PKEY_free(pk);
    return rc;
}

/* ---- sign ---- */

static void sign_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki dkim sign --key FILE --selector S --domain D [OPTIONS] [MESSAGE]\n"
            "\n"
            "Sign MESSAGE (default: standard input) and print it with a DKIM-Signature\n"
            "field first: rsa-sha256 or ed25519-sha256 as the key is, c=relaxed/relaxed,\n"
            "the fields of RFC 6376 5.4.1 that the message has, t= the time now.\n"
            "\n"
            "options:\n"
            "  -k, --key FILE        PEM private key (RSA >= %d bits, or ed25519)\n"
            "  -s, --selector S      the selector whose key record verifiers fetch\n"
            "  -d, --domain D        the signing domain (d=)\n"
            "  -i, --identity I      i= (default: none, which means @D)\n"
            "      --over-sign NAMES ':'-separated field names listed once more than they\n"
            "                        occur, so one added later breaks the signature\n"
            "                        (default %s; From always)\n"
            "      --expire SECONDS  add x= that many seconds after t=\n"
            "  -h, --help            this help\n"
            "\n"
            "exit status: 0 signed, 2 usage error, 3 the message or key could not be used.\n",
            TK_DKIM_SIGN_RSA_BITS_MIN, TK_DKIM_OVERSIGN_DEFAULT);
}

enum { OPT_OVERSIGN = 256, OPT_EXPIRE };

struct sign_args {
    const char *key, *message;
    struct tk_dkim_sign_options o;
};

static int sign_parse(int argc, char **argv, struct sign_args *a)
{
    static const struct option longs[] = {
        {"key", required_argument, NULL, 'k'},
        {"selector", required_argument, NULL, 's'},
        {"domain", required_argument, NULL, 'd'},
        {"identity", required_argument, NULL, 'i'},
        {"over-sign", required_argument, NULL, OPT_OVERSIGN},
        {"expire", required_argument, NULL, OPT_EXPIRE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long v;
    int c;

    memset(a, 0, sizeof(*a));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:s:d:i:h", longs, NULL)) != -1) {
        if (c == 'k')
            a->key = optarg;
        else if (c == 's')
            a->o.selector = optarg;
        else if (c == 'd')
            a->o.domain = optarg;
        else if (c == 'i')
            a->o.identity = optarg;
        else if (c == OPT_OVERSIGN)
            a->o.oversign = optarg;
        else if (c == OPT_EXPIRE && engine_number(optarg, 1, 10L * 365 * 86400, &v))
            a->o.expire = (uint64_t)v;
        else if (c == OPT_EXPIRE)
            return engine_usage_error("dkim sign", "--expire '%s': seconds, at least 1", optarg);
        else if (c == 'h') {
            sign_usage(stdout);
            return 0;
        } else
            return engine_usage_error("dkim sign", "unknown option or missing argument: %s",
                                      argv[optind - 1]);
    }
    if (a->key == NULL || a->o.selector == NULL || a->o.domain == NULL)
        return engine_usage_error("dkim sign", "%s", "--key, --selector and --domain are required");
    if (argc - optind > 1)
        return engine_usage_error("dkim sign", "%s", "one message at a time");
    a->message = optind < argc ? argv[optind] : NULL;
    return -1;
}

/* sign_output writes the field, in the message's own line ends, then
 * the message as read. */
static int sign_output(const struct tk_buf *field, FILE *copy)
{
    static char buf[DKIM_CHUNK];
    const char *nl;
    size_t n, i;
    bool crlf;

    rewind(copy);
    n = fread(buf, 1, sizeof(buf), copy);
    nl = memchr(buf, '\n', n);
    crlf = nl != NULL && nl > buf && nl[-1] == '\r';
    for (i = 0; i < field->len; i++)
        if (crlf || field->data[i] != '\r')
            putchar(field->data[i]);
    fputs(crlf ? "\r\n" : "\n", stdout);
    do {
        if (fwrite(buf, 1, n, stdout) != n)
            return 3;
    } while ((n = fread(buf, 1, sizeof(buf), copy)) > 0);
    return fflush(stdout) == 0 ? 0 : 3;
}

static int dkim_sign(int argc, char **argv)
{
    struct sign_args a;
    struct tk_error err = {0};
    struct tk_dkim_sign *s = NULL;
    struct tk_buf field = {0};
    struct tk_msg m;
    EVP_PKEY *pk = NULL;
    FILE *in = NULL, *copy = NULL;
    int rc;

    if ((rc = sign_parse(argc, argv, &a)) >= 0)
        return rc;
    tk_msg_init(&m);
    if (tk_dkim_key_load(a.key, &pk, &err) != TK_OK) {
        fprintf(stderr, "tiaki dkim sign: %s\n", err.msg);
        return 3;
    }
    rc = 3;
    if (tk_dkim_sign_new(pk, &a.o, &s, &err) != TK_OK) {
        fprintf(stderr, "tiaki dkim sign: %s\n", err.msg);
        rc = err.code == TK_USAGE ? 2 : 3;
    } else if ((in = dkim_open_message("sign", a.message)) != NULL && (copy = tmpfile()) != NULL &&
               dkim_feed("sign", in, &m, tk_dkim_sign_body, s, copy) == 0) {
        if (tk_dkim_sign_finish(s, &m, &field, &err) != TK_OK)
            fprintf(stderr, "tiaki dkim sign: %s\n", err.msg);
        else
            rc = sign_output(&field, copy);
    }
    if (in && copy == NULL)
        fprintf(stderr, "tiaki dkim sign: cannot make a temporary file: %m\n");
    if (copy)
        fclose(copy);
    if (in && in != stdin)
        fclose(in);
    tk_buf_free(&field);
    tk_dkim_sign_free(s);
    tk_msg_free(&m);
    EVP_PKEY_free(pk);
    return rc;
}

/* ---- verify ---- */

static void verify_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki dkim verify [--resolver ADDR[@PORT]] [--timeout S]\n"
            "                         [--format text|json] [MESSAGE]\n"
            "\n"
            "Verify every DKIM signature of MESSAGE (default: standard input; at most %d\n"
            "signatures, the rest are counted as not checked). One line per signature:\n"
            "result (pass, fail, permerror, temperror), d=, s=, a=, the key's size,\n"
            "the start of b=, and why.\n"
            "\n"
            "options:\n"
            "  -r, --resolver ADDR[@PORT]  send the key look-ups to this server\n"
            "                            (repeatable; default: the configuration's, else\n"
            "                            the system's resolvers)\n"
            "  -t, --timeout SECONDS     per DNS question (default %d)\n"
            "  -f, --format text|json    text (default) or JSON Lines, one object per\n"
            "                            signature\n"
            "  -h, --help                this help\n"
            "\n"
            "exit status: 0 at least one signature passes, 1 none passes (or there is\n"
            "none), 2 usage error, 3 nothing could be checked (every signature temperror:\n"
            "try again; or the message could not be read).\n",
            TK_DKIM_SIGNATURES_MAX, TK_DNS_TIMEOUT_MS_DEFAULT / 1000);
}

struct verify_args {
    struct engine_options e;
    bool json;
    const char *message;
};

static int verify_parse(int argc, char **argv, struct verify_args *a)
{
    static const struct option longs[] = {
        {"resolver", required_argument, NULL, 'r'}, {"timeout", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},   {"config", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int c, rc;

    memset(a, 0, sizeof(*a));
    if ((rc = engine_options_init(&a->e, &tk_cli_config, "dkim verify")) >= 0)
        return rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:t:f:h", longs, NULL)) != -1) {
        if (c == 'f' && (strcmp(optarg, "text") == 0 || strcmp(optarg, "json") == 0))
            a->json = strcmp(optarg, "json") == 0;
        else if (c == 'f')
            return engine_usage_error("dkim verify", "--format '%s': use text or json", optarg);
        else if (c == 'h') {
            verify_usage(stdout);
            return 0;
        } else if (c == 'r' || c == 't' || c == 'C') {
            if ((rc = engine_option(&a->e, "dkim verify", c, optarg)) >= 0)
                return rc;
        } else
            return engine_usage_error("dkim verify", "unknown option or missing argument: %s",
                                      argv[optind - 1]);
    }
    if (argc - optind > 1)
        return engine_usage_error("dkim verify", "%s", "one message at a time");
    a->message = optind < argc ? argv[optind] : NULL;
    return -1;
}

static void verify_print_text(const struct tk_dkim_result *r)
{
    printf("%s d=%s s=%s a=%s", tk_auth_result_name(r->result), r->d[0] ? r->d : "-",
           r->s[0] ? r->s : "-", r->a[0] ? r->a : "-");
    if (r->key_bits)
        printf(" bits=%u", r->key_bits);
    if (r->testing)
        printf(" testing");
    if (r->b[0])
        printf(" b=%s", r->b);
    printf(" (%s)\n", r->reason);
}

static void verify_print_json(const struct tk_dkim_result *r)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:s, s:s}", "result",
                          tk_auth_result_name(r->result), "d", r->d, "s", r->s, "i", r->i, "a",
                          r->a, "key_bits", (int)r->key_bits, "testing", r->testing, "b", r->b,
                          "reason", r->reason);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

    if (text)
        puts(text);
    free(text);
    json_decref(o);
}

/* verify_report prints the results and returns the exit code. */
static int verify_report(const struct verify_args *a, const struct tk_msg *m,
                         const struct tk_dkim_verify *v)
{
    size_t i, n = tk_dkim_verify_count(v), pass = 0, temp = 0;

    for (i = 0; i < n; i++) {
        const struct tk_dkim_result *r = tk_dkim_verify_result(v, i);

        pass += r->result == TK_AUTH_PASS;
        temp += r->result == TK_AUTH_TEMPERROR;
        if (a->json)
            verify_print_json(r);
        else
            verify_print_text(r);
    }
    if (n == 0 && !a->json)
        printf("none (the message has no DKIM-Signature field)\n");
    if (tk_msg_overflow(m))
        fprintf(stderr, "tiaki dkim verify: %s; fields past the limits were not read\n", m->why);
    if (tk_dkim_verify_unchecked(v) > 0)
        fprintf(stderr, "tiaki dkim verify: %zu more signatures not checked (at most %d)\n",
                tk_dkim_verify_unchecked(v), TK_DKIM_SIGNATURES_MAX);
    if (pass > 0)
        return 0;
    return n > 0 && temp == n ? 3 : 1;
}

static int dkim_verify(int argc, char **argv)
{
    struct verify_args a;
    struct tk_resolver *r = NULL;
    struct tk_dkim_verify *v = NULL;
    struct tk_error err = {0};
    struct tk_msg m;
    FILE *in;
    int rc;

    if ((rc = verify_parse(argc, argv, &a)) >= 0)
        return rc;
    if ((rc = engine_mail_resolver(&a.e, "dkim verify", &r)) >= 0)
        return rc;
    tk_msg_init(&m);
    rc = 3;
    if ((in = dkim_open_message("verify", a.message)) != NULL &&
        tk_dkim_verify_new(&m, NULL, &v, &err) == TK_OK &&
        dkim_feed("verify", in, &m, tk_dkim_verify_body, v, NULL) == 0) {
        if (tk_dkim_verify_finish(v, r, &err) != TK_OK)
            fprintf(stderr, "tiaki dkim verify: %s\n", err.msg);
        else
            rc = verify_report(&a, &m, v);
    }
    if (in && in != stdin)
        fclose(in);
    tk_resolver_free(r);
    tk_dkim_verify_free(v);
    tk_msg_free(&m);
    return rc;
}

int cmd_dkim_main(int argc, char **argv)
{
    if (argc < 2) {
        dkim_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        dkim_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return dkim_keygen(argc - 1, argv + 1);
    if (strcmp(argv[1], "sign") == 0)
        return dkim_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return dkim_verify(argc - 1, argv + 1);
    fprintf(stderr, "tiaki dkim: unknown subcommand '%s'\n", argv[1]);
    dkim_usage(stderr);
    return 2;
}
