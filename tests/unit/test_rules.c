/*
 * NAME
 *	test_rules.c - unit tests of the rule table, end to end from a zone
 * DESCRIPTION
 *	Table-driven: each case is a zone (a compliant base with records
 *	replaced, added or removed), observed through the static resolver
 *	and judged with tk_judge; it asserts the status of one rule and what
 *	a person reads: the evidence, and a remediation that names the exact
 *	fix (the seed's own mistakes included: _smtptls, adkim-s, V=DMARC1,
 *	"- all"). Every rule of the table has a passing and a failing zone,
 *	and warn and unknown where it has them. Every finding of every case
 *	is checked too: a remediation whenever it does not pass, none when it
 *	does, evidence of printable ASCII only.
 *
 *	DKIM keys (RSA 512, 1024, 2047, 2048, ed25519) are generated with
 *	OpenSSL at start-up and published base64 in "v=DKIM1; k=...; p=".
 *
 *	Then compliance (every MUST rule passes; a domain whose every look-up
 *	fails is all_unknown) and hostile records (4 KB, NUL and non-ASCII
 *	bytes, 64 records at a name, malformed rdata): the judgement never
 *	crashes and its text stays printable.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "testutil.h"

#include "dns/resolver.h"
#include "observe/observe.h"
#include "rules/rules.h"

/* Table rows name only the fields they need; the rest are zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- DKIM keys made at start-up ---- */

struct test_key {
    const char *tag; /* placeholder in zone text */
    unsigned bits;   /* RSA; 0: ed25519 */
    struct testutil_pubkey pub;
};

static struct test_key keys[] = {
    {"@RSA512@", 512},   {"@RSA1024@", 1024}, {"@RSA2047@", 2047},
    {"@RSA2048@", 2048}, {"@ED25519@", 0},
};

static int keys_make(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(keys); i++) {
        EVP_PKEY *pk = testutil_keygen(keys[i].bits);
        bool ok;

        if (pk == NULL)
            return -1;
        if (keys[i].bits)
            ok = EVP_PKEY_get_bits(pk) == (int)keys[i].bits &&
                 testutil_pubkey_spki(&keys[i].pub, pk);
        else /* RFC 8463: p= is the raw 32-byte public key */
            ok = testutil_pubkey_raw(&keys[i].pub, pk) && keys[i].pub.der_len == 32;
        EVP_PKEY_free(pk);
        if (!ok)
            return -1;
    }
    return 0;
}

/* text_expand replaces key placeholders in text; the result is malloc'd. */
static char *text_expand(const char *text)
{
    size_t cap = strlen(text) + 1, i;
    char *out;

    for (i = 0; i < NELEM(keys); i++)
        if (strstr(text, keys[i].tag))
            cap += strlen(keys[i].pub.b64);
    out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    while (*text) {
        for (i = 0; i < NELEM(keys); i++) {
            size_t n = strlen(keys[i].tag);

            if (strncmp(text, keys[i].tag, n) == 0) {
                strcat(out, keys[i].pub.b64);
                text += n;
                break;
            }
        }
        if (i == NELEM(keys)) {
            size_t o = strlen(out);

            out[o] = *text++;
            out[o + 1] = '\0';
        }
    }
    return out;
}

/* ---- zones ---- */

#define D "agency.govt.nz"
#define SUB "old." D

enum base {
    BASE_EMAIL,
    BASE_PARKED,
    BASE_NONE,
};

/* A compliant email domain. */
static const struct zrr base_email[] = {
    MX(D, 10, "mail." D),
    TXT(D, "v=spf1 ip4:192.0.2.0/24 -all"),
    TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@" D),
    TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:tls@" D),
    TXT("_mta-sts." D, "v=STSv1; id=20240101T000000;"),
    TXT("selector1._domainkey." D, "v=DKIM1; k=rsa; p=@RSA2048@"),
    {0},
};

/* A compliant parked domain (seed section 9). */
static const struct zrr base_parked[] = {
    MX(D, 0, "."),
    TXT(D, "v=spf1 -all"),
    TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@" D),
    TXT("*._domainkey." D, "v=DKIM1; p="),
    {0},
};

static uint16_t zrr_type(const struct zrr *rr)
{
    switch (rr->kind) {
    case Z_TXT:
        return TK_DNS_TXT;
    case Z_MX:
        return TK_DNS_MX;
    case Z_A:
        return TK_DNS_A;
    default:
        return (uint16_t)rr->num;
    }
}

static bool zrr_overridden(const struct zrr *rr, const struct zrr *over)
{
    for (; over->kind != Z_END; over++)
        if (strcmp(over->name, rr->name) == 0 && zrr_type(over) == zrr_type(rr))
            return true;
    return false;
}

/* zrr_add adds rr with the key placeholders of a TXT row expanded. */
static void zrr_add(struct tk_static_zone *z, const struct zrr *rr)
{
    struct zrr expanded = *rr;
    char *text = NULL;

    if (rr->kind == Z_TXT)
        expanded.data = text = text_expand(rr->data);
    testutil_zone_add(z, &expanded);
    free(text);
}

static struct tk_static_zone *zone_build(enum base base, const struct zrr *over)
{
    const struct zrr *b = base == BASE_EMAIL    ? base_email
                          : base == BASE_PARKED ? base_parked
                                                : NULL;
    struct tk_static_zone *z;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    for (; b && b->kind != Z_END; b++)
        if (!zrr_overridden(b, over))
            zrr_add(z, b);
    for (; over->kind != Z_END; over++)
        zrr_add(z, over);
    return z;
}

/* ---- observe and judge ---- */

static void judgement_print(const struct tk_judgement *j)
{
    size_t i;

    for (i = 0; i < j->n; i++)
        print_message("  %-7s %-18s %s\n  %26s fix: %s\n", tk_verdict_name(j->findings[i].status),
                      j->findings[i].rule->id, j->findings[i].evidence, "",
                      j->findings[i].remediation);
}

/* judgement_check checks what holds of every judgement: one finding
 * per rule of the profile, in table order; a remediation whenever a
 * finding does not pass and none when it does; printable text that
 * ends inside its buffer; compliance as the MUST rules say. Returns the
 * number of problems, each printed. */
static int judgement_check(const struct tk_observation *obs, const struct tk_judgement *j,
                           const char *what)
{
    const struct tk_rule *r;
    bool compliant = true, any_known = false;
    size_t i = 0;
    int bad = 0;

    for (r = tk_rules; r->id; r++) {
        const struct tk_finding *f;

        if (r->profile != obs->profile || (r->needs_probe && !obs->probed))
            continue;
        assert_true(i < j->n);
        f = &j->findings[i++];
        assert_ptr_equal(f->rule, r);
        assert_true(memchr(f->evidence, '\0', sizeof(f->evidence)) != NULL);
        assert_true(memchr(f->remediation, '\0', sizeof(f->remediation)) != NULL);
        if (f->evidence[0] == '\0') {
            print_error("%s: %s has no evidence\n", what, r->id);
            bad++;
        }
        if (!testutil_printable(f->evidence) || !testutil_printable(f->remediation)) {
            print_error("%s: %s: text outside printable ASCII\n", what, r->id);
            bad++;
        }
        if (f->status != TK_VERDICT_PASS && f->remediation[0] == '\0') {
            print_error("%s: %s is %s with no remediation: %s\n", what, r->id,
                        tk_verdict_name(f->status), f->evidence);
            bad++;
        }
        if (f->status == TK_VERDICT_PASS && f->remediation[0] != '\0') {
            print_error("%s: %s passes but has a remediation: %s\n", what, r->id, f->remediation);
            bad++;
        }
        if (r->level == TK_LEVEL_MUST && f->status != TK_VERDICT_PASS)
            compliant = false;
        if (f->status != TK_VERDICT_UNKNOWN)
            any_known = true;
    }
    assert_int_equal(j->n, i);
    assert_int_equal(j->compliant, compliant && i > 0);
    assert_int_equal(j->all_unknown, !any_known);
    return bad;
}

static const struct tk_finding *finding_of(const struct tk_judgement *j, const char *id)
{
    size_t i;

    for (i = 0; i < j->n; i++)
        if (strcmp(j->findings[i].rule->id, id) == 0)
            return &j->findings[i];
    return NULL;
}

/* ---- the rule table, zone by zone ---- */

struct rule_case {
    const char *rule;
    const char *what;
    enum base base;
    struct zrr zone[10]; /* replaces the base's records of the same (name, type) */
    enum tk_verdict want;
    const char *fix[3];   /* each in the remediation */
    const char *evidence; /* in the evidence, or NULL */
    const char *domain;   /* NULL: D */
    enum tk_profile hint;
    bool bulk;
    const char *selector; /* named by the inventory, or NULL */
};

#define PASS TK_VERDICT_PASS
#define FAIL TK_VERDICT_FAIL
#define WARN TK_VERDICT_WARN
#define UNKNOWN TK_VERDICT_UNKNOWN
#define NOZONE                                                                                     \
    {                                                                                              \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }
#define NOFIX                                                                                      \
    {                                                                                              \
        NULL                                                                                       \
    }
#define TLSRPT_REC "v=TLSRPTv1; rua=mailto:tls@" D
#define DMARC_OK "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@" D

static const struct rule_case rule_cases[] = {
    /* TLSRPT */
    {"TLSRPT", "published", BASE_EMAIL, NOZONE, PASS, NOFIX, "v=TLSRPTv1"},
    {"TLSRPT",
     "https rua",
     BASE_EMAIL,
     {TXT("_smtp._tls." D, "v=TLSRPTv1; rua=https://r." D "/")},
     PASS,
     NOFIX,
     NULL},
    {"TLSRPT",
     "absent",
     BASE_EMAIL,
     {DEL("_smtp._tls." D, TK_DNS_TXT)},
     FAIL,
     {"_smtp._tls." D, "v=TLSRPTv1; rua=mailto:"},
     "no TLS-RPT record"},
    {"TLSRPT",
     "the seed's _smtptls name",
     BASE_EMAIL,
     {DEL("_smtp._tls." D, TK_DNS_TXT), TXT("_smtptls." D, TLSRPT_REC)},
     FAIL,
     {"at _smtp._tls." D, "delete _smtptls." D},
     "_smtptls." D},
    {"TLSRPT",
     "the seed's example text at the seed's name",
     BASE_EMAIL,
     {DEL("_smtp._tls." D, TK_DNS_TXT),
      TXT("_smtptls." D, "v=TLSRPTv1; rua=mailto: <tls- report@" D ">")},
     FAIL,
     {"_smtp._tls." D},
     "_smtptls"},
    {"TLSRPT",
     "two records",
     BASE_EMAIL,
     {TXT("_smtp._tls." D, TLSRPT_REC), TXT("_smtp._tls." D, "v=TLSRPTv1; rua=mailto:x@" D)},
     FAIL,
     {"exactly one"},
     "2 TLS-RPT records"},
    {"TLSRPT",
     "no rua",
     BASE_EMAIL,
     {TXT("_smtp._tls." D, "v=TLSRPTv1;")},
     FAIL,
     {"_smtp._tls." D, "rua="},
     NULL},
    {"TLSRPT",
     "look-up failed",
     BASE_EMAIL,
     {TEMP("_smtp._tls." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_smtp._tls." D},
     "failed"},

    /* SPF-PRESENT */
    {"SPF-PRESENT", "one valid record", BASE_EMAIL, NOZONE, PASS, NOFIX, "v=spf1"},
    {"SPF-PRESENT", "absent", BASE_EMAIL, {DEL(D, TK_DNS_TXT)}, FAIL, {"-all", D}, "no SPF"},
    {"SPF-PRESENT",
     "not SPF at all",
     BASE_EMAIL,
     {TXT(D, "google-site-verification=x")},
     FAIL,
     {"-all"},
     "no SPF"},
    {"SPF-PRESENT",
     "two records",
     BASE_EMAIL,
     {TXT(D, "v=spf1 ip4:192.0.2.1 -all"), TXT(D, "v=spf1 ip4:192.0.2.2 -all")},
     FAIL,
     {"exactly one"},
     "2 SPF records"},
    {"SPF-PRESENT",
     "the seed's '- all'",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:spf.protection.outlook.com - all")},
     FAIL,
     {"'-all'"},
     "- all"},
    {"SPF-PRESENT",
     "10 DNS-querying terms",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_a." D " include:_b." D " -all"),
      TXT("_a." D, "v=spf1 a:h." D " a:h." D " a:h." D " a:h." D " -all"),
      TXT("_b." D, "v=spf1 a:h." D " a:h." D " a:h." D " a:h." D " -all"), A("h." D, "192.0.2.1")},
     PASS,
     NOFIX,
     "10 of 10"},
    {"SPF-PRESENT",
     "11 DNS-querying terms",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_a." D " include:_b." D " -all"),
      TXT("_a." D, "v=spf1 a:h." D " a:h." D " a:h." D " a:h." D " -all"),
      TXT("_b." D, "v=spf1 a:h." D " a:h." D " a:h." D " a:h." D " a:h." D " -all"),
      A("h." D, "192.0.2.1")},
     FAIL,
     {"at most 10"},
     "11 DNS-querying terms"},
    {"SPF-PRESENT",
     "2 void look-ups",
     BASE_EMAIL,
     {TXT(D, "v=spf1 a:gone1." D " a:gone2." D " ip4:192.0.2.1 -all")},
     PASS,
     NOFIX,
     "2 void"},
    {"SPF-PRESENT",
     "3 void look-ups",
     BASE_EMAIL,
     {TXT(D, "v=spf1 a:gone1." D " a:gone2." D " mx:gone3." D " -all")},
     FAIL,
     {"no longer exist"},
     "3 void look-ups"},
    {"SPF-PRESENT",
     "include of a name with no SPF",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_spf.gone.com -all")},
     FAIL,
     {"include:_spf.gone.com"},
     "publishes no SPF record"},
    {"SPF-PRESENT",
     "include of a broken record",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_b." D " -all"), TXT("_b." D, "v=spf1 ip4:300.1.1.1 -all")},
     FAIL,
     {"include:_b." D},
     "permerror"},
    {"SPF-PRESENT",
     "an include loop",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_b." D " -all"), TXT("_b." D, "v=spf1 include:" D " -all")},
     FAIL,
     {"include:" D},
     "loop"},
    {"SPF-PRESENT",
     "TXT look-up failed",
     BASE_EMAIL,
     {TEMP(D, TK_DNS_TXT)},
     UNKNOWN,
     {D},
     "failed"},
    {"SPF-PRESENT",
     "an include failed",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:_b." D " -all"), TEMP("_b." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_b." D},
     "failed"},

    /* SPF-HARDFAIL */
    {"SPF-HARDFAIL", "-all", BASE_EMAIL, NOZONE, PASS, NOFIX, "-all"},
    {"SPF-HARDFAIL",
     "-all after redirect=",
     BASE_EMAIL,
     {TXT(D, "v=spf1 redirect=_spf." D), TXT("_spf." D, "v=spf1 ip4:192.0.2.1 -all")},
     PASS,
     NOFIX,
     "redirect"},
    {"SPF-HARDFAIL",
     "~all",
     BASE_EMAIL,
     {TXT(D, "v=spf1 ip4:192.0.2.1 ~all")},
     FAIL,
     {"-all", D},
     "~all"},
    {"SPF-HARDFAIL",
     "?all",
     BASE_EMAIL,
     {TXT(D, "v=spf1 ip4:192.0.2.1 ?all")},
     FAIL,
     {"-all"},
     "?all"},
    {"SPF-HARDFAIL", "+all", BASE_EMAIL, {TXT(D, "v=spf1 +all")}, FAIL, {"-all"}, "+all"},
    {"SPF-HARDFAIL",
     "no all",
     BASE_EMAIL,
     {TXT(D, "v=spf1 ip4:192.0.2.1")},
     FAIL,
     {"-all"},
     "no all"},
    {"SPF-HARDFAIL",
     "~all after redirect=",
     BASE_EMAIL,
     {TXT(D, "v=spf1 redirect=_spf." D), TXT("_spf." D, "v=spf1 ip4:192.0.2.1 ~all")},
     FAIL,
     {"_spf." D, "-all"},
     "~all"},
    {"SPF-HARDFAIL",
     "-all beside an ignored redirect=",
     BASE_EMAIL,
     {TXT(D, "v=spf1 redirect=_spf." D " -all"), TXT("_spf." D, "v=spf1 ~all")},
     PASS,
     NOFIX,
     NULL},
    {"SPF-HARDFAIL",
     "the seed's '- all'",
     BASE_EMAIL,
     {TXT(D, "v=spf1 include:spf.protection.outlook.com - all")},
     FAIL,
     {"'-all'"},
     NULL},
    {"SPF-HARDFAIL", "absent", BASE_EMAIL, {DEL(D, TK_DNS_TXT)}, FAIL, {"-all"}, "no SPF"},
    {"SPF-HARDFAIL",
     "redirect target failed",
     BASE_EMAIL,
     {TXT(D, "v=spf1 redirect=_spf." D), TEMP("_spf." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_spf." D},
     "failed"},
    {"SPF-HARDFAIL",
     "TXT look-up failed",
     BASE_EMAIL,
     {TEMP(D, TK_DNS_TXT)},
     UNKNOWN,
     {D},
     "failed"},

    /* DKIM-SIGNED */
    {"DKIM-SIGNED", "RSA 2048 at a common selector", BASE_EMAIL, NOZONE, PASS, NOFIX, "2048"},
    {"DKIM-SIGNED",
     "ed25519",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=ed25519; p=@ED25519@")},
     PASS,
     NOFIX,
     "ed25519"},
    {"DKIM-SIGNED",
     "RSA 2048 at the inventory's selector",
     BASE_EMAIL,
     {DEL("selector1._domainkey." D, TK_DNS_TXT), TXT("sel24._domainkey." D, "p=@RSA2048@")},
     PASS,
     NOFIX,
     "sel24",
     NULL,
     TK_PROFILE_UNSET,
     false,
     "sel24"},
    {"DKIM-SIGNED",
     "RSA 2047",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=rsa; p=@RSA2047@")},
     WARN,
     {"2048"},
     "2047"},
    {"DKIM-SIGNED",
     "RSA 1024",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=rsa; p=@RSA1024@")},
     WARN,
     {"2048"},
     "1024"},
    {"DKIM-SIGNED",
     "RSA 512",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=rsa; p=@RSA512@")},
     FAIL,
     {"selector1._domainkey." D, "2048"},
     "512"},
    {"DKIM-SIGNED",
     "a broken key",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=rsa; p=MIIBIjAN!!notbase64")},
     FAIL,
     {"selector1._domainkey." D},
     "unusable"},
    {"DKIM-SIGNED",
     "k=ed25519 with an RSA key",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; k=ed25519; p=@RSA2048@")},
     FAIL,
     {"selector1._domainkey." D},
     NULL},
    {"DKIM-SIGNED",
     "the inventory's selector has no key",
     BASE_EMAIL,
     NOZONE,
     FAIL,
     {"sel24._domainkey." D},
     "sel24",
     NULL,
     TK_PROFILE_UNSET,
     false,
     "sel24"},
    {"DKIM-SIGNED",
     "no selector known",
     BASE_EMAIL,
     {DEL("selector1._domainkey." D, TK_DNS_TXT)},
     UNKNOWN,
     {"dkim_selectors", "--dkim-selector"},
     "selector1"},
    {"DKIM-SIGNED",
     "only a revoked key",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; p=")},
     UNKNOWN,
     {"--dkim-selector"},
     "revoked"},
    {"DKIM-SIGNED",
     "the only selector's look-up failed",
     BASE_EMAIL,
     {TEMP("selector1._domainkey." D, TK_DNS_TXT)},
     UNKNOWN,
     {"selector"},
     "failed"},

    /* DMARC-PRESENT */
    {"DMARC-PRESENT", "valid", BASE_EMAIL, NOZONE, PASS, NOFIX, "v=DMARC1"},
    {"DMARC-PRESENT",
     "absent",
     BASE_EMAIL,
     {DEL("_dmarc." D, TK_DNS_TXT)},
     FAIL,
     {"_dmarc." D, "v=DMARC1; p=reject"},
     "no DMARC record"},
    {"DMARC-PRESENT",
     "the seed's V=DMARC1",
     BASE_EMAIL,
     {TXT("_dmarc." D, "V=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@" D)},
     FAIL,
     {"\"v=DMARC1; p=reject"},
     "V=DMARC1"},
    {"DMARC-PRESENT",
     "the seed's whole example",
     BASE_EMAIL,
     {TXT("_dmarc." D, "V=DMARC1;p=reject; adkim-s; aspf=s; rua=mailto:dmarc@" D ";")},
     FAIL,
     {"v=DMARC1", "adkim=s"},
     "V=DMARC1"},
    {"DMARC-PRESENT",
     "two records",
     BASE_EMAIL,
     {TXT("_dmarc." D, DMARC_OK), TXT("_dmarc." D, "v=DMARC1; p=none")},
     FAIL,
     {"exactly one", "_dmarc." D},
     "2 DMARC records"},
    {"DMARC-PRESENT",
     "sub-domain relying on the org's record",
     BASE_NONE,
     {MX(SUB, 10, "mail." D), TXT("_dmarc." D, DMARC_OK)},
     FAIL,
     {"_dmarc." SUB},
     "organisational domain's record applies",
     SUB},
    {"DMARC-PRESENT",
     "look-up failed",
     BASE_EMAIL,
     {TEMP("_dmarc." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_dmarc." D},
     "failed"},

    /* DMARC-REJECT */
    {"DMARC-REJECT", "p=reject", BASE_EMAIL, NOZONE, PASS, NOFIX, "p=reject"},
    {"DMARC-REJECT",
     "p=reject pct=100",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; pct=100; rua=mailto:d@" D)},
     PASS,
     NOFIX,
     NULL},
    {"DMARC-REJECT",
     "own p=reject: its sp=none is for sub-domains",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; sp=none; rua=mailto:d@" D)},
     PASS,
     NOFIX,
     "p=reject"},
    {"DMARC-REJECT",
     "p=reject pct=99",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; pct=99; rua=mailto:d@" D)},
     FAIL,
     {"pct="},
     "pct=99"},
    {"DMARC-REJECT",
     "p=reject t=y",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; t=y; rua=mailto:d@" D)},
     FAIL,
     {"t="},
     "t=y"},
    {"DMARC-REJECT",
     "p=quarantine",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=quarantine; rua=mailto:d@" D)},
     FAIL,
     {"p=reject"},
     "p=quarantine"},
    {"DMARC-REJECT",
     "p=none",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=none")},
     FAIL,
     {"p=reject"},
     "p=none"},
    {"DMARC-REJECT",
     "absent",
     BASE_EMAIL,
     {DEL("_dmarc." D, TK_DNS_TXT)},
     FAIL,
     {"_dmarc." D},
     NULL},
    {"DMARC-REJECT",
     "sub-domain: org sp=reject",
     BASE_NONE,
     {MX(SUB, 10, "mail." D), TXT("_dmarc." D, "v=DMARC1; p=none; sp=reject")},
     PASS,
     NOFIX,
     "sp=reject",
     SUB},
    {"DMARC-REJECT",
     "sub-domain: org p=reject, no sp",
     BASE_NONE,
     {MX(SUB, 10, "mail." D), TXT("_dmarc." D, "v=DMARC1; p=reject")},
     PASS,
     NOFIX,
     "p=reject",
     SUB},
    {"DMARC-REJECT",
     "sub-domain: org p=reject sp=none",
     BASE_NONE,
     {MX(SUB, 10, "mail." D), TXT("_dmarc." D, "v=DMARC1; p=reject; sp=none")},
     FAIL,
     {"p=reject"},
     "sp=none",
     SUB},
    {"DMARC-REJECT",
     "sub-domain: own p=reject beats org sp=none",
     BASE_NONE,
     {MX(SUB, 10, "mail." D), TXT("_dmarc." SUB, "v=DMARC1; p=reject"),
      TXT("_dmarc." D, "v=DMARC1; p=none; sp=none")},
     PASS,
     NOFIX,
     NULL,
     SUB},
    {"DMARC-REJECT",
     "look-up failed",
     BASE_EMAIL,
     {TEMP("_dmarc." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_dmarc." D},
     "failed"},

    /* DMARC-ADKIM-STRICT */
    {"DMARC-ADKIM-STRICT", "adkim=s", BASE_EMAIL, NOZONE, PASS, NOFIX, "adkim=s"},
    {"DMARC-ADKIM-STRICT",
     "adkim=r",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=r; rua=mailto:d@" D)},
     WARN,
     {"adkim=s"},
     "adkim=r"},
    {"DMARC-ADKIM-STRICT",
     "no adkim",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@" D)},
     WARN,
     {"adkim=s"},
     "relaxed"},
    {"DMARC-ADKIM-STRICT",
     "the seed's adkim-s",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim-s; aspf=s; rua=mailto:d@" D)},
     WARN,
     {"'adkim-s'", "'adkim=s'"},
     "adkim-s"},
    {"DMARC-ADKIM-STRICT",
     "relaxed on a bulk-mail domain",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@" D)},
     PASS,
     NOFIX,
     "bulk",
     NULL,
     TK_PROFILE_UNSET,
     true},
    {"DMARC-ADKIM-STRICT",
     "absent",
     BASE_EMAIL,
     {DEL("_dmarc." D, TK_DNS_TXT)},
     WARN,
     {"adkim=s"},
     NULL},
    {"DMARC-ADKIM-STRICT",
     "look-up failed",
     BASE_EMAIL,
     {TEMP("_dmarc." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_dmarc." D},
     "failed"},

    /* DMARC-RUA */
    {"DMARC-RUA", "rua in the domain", BASE_EMAIL, NOZONE, PASS, NOFIX, "mailto:dmarc@" D},
    {"DMARC-RUA",
     "external rua, authorised",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@vendor.com"),
      TXT(D "._report._dmarc.vendor.com", "v=DMARC1")},
     PASS,
     NOFIX,
     "vendor.com"},
    {"DMARC-RUA",
     "external rua, not authorised",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@vendor.com")},
     FAIL,
     {D "._report._dmarc.vendor.com", "v=DMARC1"},
     "vendor.com"},
    {"DMARC-RUA",
     "one of two external destinations not authorised",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@a.com,mailto:d@b.com"),
      TXT(D "._report._dmarc.a.com", "v=DMARC1")},
     FAIL,
     {D "._report._dmarc.b.com"},
     "b.com"},
    {"DMARC-RUA",
     "no rua",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s")},
     FAIL,
     {"rua=mailto:"},
     "no rua="},
    {"DMARC-RUA",
     "authorisation look-up failed",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@vendor.com"),
      TEMP(D "._report._dmarc.vendor.com", TK_DNS_TXT)},
     UNKNOWN,
     {"vendor.com"},
     "failed"},
    {"DMARC-RUA", "absent", BASE_EMAIL, {DEL("_dmarc." D, TK_DNS_TXT)}, FAIL, {"_dmarc." D}, NULL},

    /* MTA-STS-TXT */
    {"MTA-STS-TXT", "published", BASE_EMAIL, NOZONE, PASS, NOFIX, "v=STSv1"},
    {"MTA-STS-TXT",
     "absent",
     BASE_EMAIL,
     {DEL("_mta-sts." D, TK_DNS_TXT)},
     FAIL,
     {"_mta-sts." D, "v=STSv1; id="},
     "no MTA-STS"},
    {"MTA-STS-TXT",
     "two records",
     BASE_EMAIL,
     {TXT("_mta-sts." D, "v=STSv1; id=1;"), TXT("_mta-sts." D, "v=STSv1; id=2;")},
     FAIL,
     {"exactly one"},
     "2 MTA-STS"},
    {"MTA-STS-TXT",
     "no id",
     BASE_EMAIL,
     {TXT("_mta-sts." D, "v=STSv1;")},
     FAIL,
     {"_mta-sts." D},
     NULL},
    {"MTA-STS-TXT",
     "look-up failed",
     BASE_EMAIL,
     {TEMP("_mta-sts." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_mta-sts." D},
     "failed"},

    /* PARKED-SPF */
    {"PARKED-SPF", "v=spf1 -all", BASE_PARKED, NOZONE, PASS, NOFIX, "v=spf1 -all"},
    {"PARKED-SPF",
     "case and spacing aside",
     BASE_PARKED,
     {TXT(D, "V=SPF1   -ALL ")},
     PASS,
     NOFIX,
     NULL},
    {"PARKED-SPF",
     "the seed's '- all'",
     BASE_PARKED,
     {TXT(D, "v=spf1 - all")},
     FAIL,
     {"\"v=spf1 -all\""},
     "- all"},
    {"PARKED-SPF", "~all", BASE_PARKED, {TXT(D, "v=spf1 ~all")}, FAIL, {"\"v=spf1 -all\""}, "~all"},
    {"PARKED-SPF",
     "absent",
     BASE_PARKED,
     {DEL(D, TK_DNS_TXT)},
     FAIL,
     {"\"v=spf1 -all\""},
     "no SPF"},
    {"PARKED-SPF",
     "authorises a sender (parked by hint)",
     BASE_PARKED,
     {TXT(D, "v=spf1 ip4:192.0.2.1 -all")},
     FAIL,
     {"\"v=spf1 -all\""},
     "ip4",
     NULL,
     TK_PROFILE_PARKED},
    {"PARKED-SPF",
     "two records",
     BASE_PARKED,
     {TXT(D, "v=spf1 -all"), TXT(D, "v=spf1 -all")},
     FAIL,
     {"exactly one"},
     NULL},
    {"PARKED-SPF", "look-up failed", BASE_PARKED, {TEMP(D, TK_DNS_TXT)}, UNKNOWN, {D}, "failed"},

    /* PARKED-DKIM */
    {"PARKED-DKIM", "v=DKIM1; p=", BASE_PARKED, NOZONE, PASS, NOFIX, "*._domainkey." D},
    {"PARKED-DKIM",
     "absent",
     BASE_PARKED,
     {DEL("*._domainkey." D, TK_DNS_TXT)},
     FAIL,
     {"*._domainkey." D, "v=DKIM1; p="},
     "no record"},
    {"PARKED-DKIM",
     "a usable key",
     BASE_PARKED,
     {TXT("*._domainkey." D, "v=DKIM1; k=rsa; p=@RSA2048@")},
     FAIL,
     {"empty key"},
     "usable key"},
    {"PARKED-DKIM",
     "broken",
     BASE_PARKED,
     {TXT("*._domainkey." D, "v=DKIM2; p=")},
     FAIL,
     {"v=DKIM1; p="},
     NULL},
    {"PARKED-DKIM",
     "look-up failed",
     BASE_PARKED,
     {TEMP("*._domainkey." D, TK_DNS_TXT)},
     UNKNOWN,
     {"*._domainkey." D},
     "failed"},

    /* PARKED-DMARC */
    {"PARKED-DMARC", "reject, strict, rua", BASE_PARKED, NOZONE, PASS, NOFIX, "p=reject"},
    {"PARKED-DMARC",
     "the seed's example",
     BASE_PARKED,
     {TXT("_dmarc." D, "V=DMARC1;p=reject; adkim-s; aspf=s; rua=mailto:dmarc@" D ";")},
     FAIL,
     {"v=DMARC1", "adkim=s"},
     NULL},
    {"PARKED-DMARC",
     "adkim-s",
     BASE_PARKED,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim-s; aspf=s; rua=mailto:dmarc@" D)},
     FAIL,
     {"adkim=s"},
     "adkim=s"},
    {"PARKED-DMARC",
     "p=quarantine",
     BASE_PARKED,
     {TXT("_dmarc." D, "v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:dmarc@" D)},
     FAIL,
     {"p=reject"},
     "p=reject"},
    {"PARKED-DMARC",
     "aspf relaxed",
     BASE_PARKED,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@" D)},
     FAIL,
     {"aspf=s"},
     "aspf=s"},
    {"PARKED-DMARC",
     "no rua",
     BASE_PARKED,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; aspf=s")},
     FAIL,
     {"rua=mailto:"},
     "rua="},
    {"PARKED-DMARC",
     "pct=50",
     BASE_PARKED,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; adkim=s; aspf=s; pct=50; rua=mailto:d@" D)},
     FAIL,
     {"_dmarc." D},
     "pct=100"},
    {"PARKED-DMARC",
     "absent",
     BASE_PARKED,
     {DEL("_dmarc." D, TK_DNS_TXT)},
     FAIL,
     {"_dmarc." D},
     "no DMARC"},
    {"PARKED-DMARC",
     "the parent's sp=reject alone (example 2)",
     BASE_NONE,
     {MX(SUB, 0, "."), TXT(SUB, "v=spf1 -all"), TXT("*._domainkey." SUB, "v=DKIM1; p="),
      TXT("_dmarc." D, "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s; rua=mailto:d@" D)},
     FAIL,
     {"_dmarc." SUB},
     "example 2",
     SUB},
    {"PARKED-DMARC",
     "a parked sub-domain with its own record",
     BASE_NONE,
     {MX(SUB, 0, "."), TXT(SUB, "v=spf1 -all"), TXT("*._domainkey." SUB, "v=DKIM1; p="),
      TXT("_dmarc." SUB, DMARC_OK)},
     PASS,
     NOFIX,
     NULL,
     SUB},
    {"PARKED-DMARC",
     "look-up failed",
     BASE_PARKED,
     {TEMP("_dmarc." D, TK_DNS_TXT)},
     UNKNOWN,
     {"_dmarc." D},
     "failed"},

    /* PARKED-NULL-MX */
    {"PARKED-NULL-MX", "null MX", BASE_PARKED, NOZONE, PASS, NOFIX, "null MX"},
    {"PARKED-NULL-MX",
     "no MX",
     BASE_PARKED,
     {DEL(D, TK_DNS_MX)},
     WARN,
     {D " MX 0 ."},
     "no null MX"},
    {"PARKED-NULL-MX",
     "MX hosts (parked by hint)",
     BASE_PARKED,
     {MX(D, 10, "mail." D)},
     WARN,
     {"MX 0 ."},
     "MX records",
     NULL,
     TK_PROFILE_PARKED},
    {"PARKED-NULL-MX",
     "null MX beside another MX (parked by hint)",
     BASE_PARKED,
     {MX(D, 0, "."), MX(D, 10, "mail." D)},
     WARN,
     {"MX 0 ."},
     NULL,
     NULL,
     TK_PROFILE_PARKED},
    {"PARKED-NULL-MX",
     "look-up failed (parked by hint)",
     BASE_PARKED,
     {TEMP(D, TK_DNS_MX)},
     UNKNOWN,
     {D},
     "failed",
     NULL,
     TK_PROFILE_PARKED},
};

static struct tk_observation *case_observe(const struct rule_case *c)
{
    struct tk_static_zone *z = zone_build(c->base, c->zone);
    const char *sel[1] = {c->selector};
    struct tk_observe_request req = {
        .domain = c->domain ? c->domain : D,
        .profile_hint = c->hint,
        .bulk = c->bulk,
        .selectors = sel,
        .nselectors = c->selector ? 1 : 0,
        .common_selectors = true,
    };
    struct tk_observation *obs = testutil_observe(z, &req);

    tk_static_zone_free(z);
    return obs;
}

static void test_rule_table(void **state)
{
    size_t i, k;
    int bad = 0;

    for (i = 0; i < NELEM(rule_cases); i++) {
        const struct rule_case *c = &rule_cases[i];
        struct tk_observation *obs = case_observe(c);
        struct tk_judgement j;
        const struct tk_finding *f;
        char what[160];
        int before = bad;

        snprintf(what, sizeof(what), "case %zu %s (%s)", i, c->rule, c->what);
        tk_judge(obs, &j);
        f = finding_of(&j, c->rule);
        if (f == NULL || f->status != c->want) {
            print_error("%s: %s, want %s\n", what, f ? tk_verdict_name(f->status) : "no finding",
                        tk_verdict_name(c->want));
            bad++;
        }
        for (k = 0; f && k < NELEM(c->fix) && c->fix[k]; k++)
            if (strstr(f->remediation, c->fix[k]) == NULL) {
                print_error("%s: remediation '%s' lacks '%s'\n", what, f->remediation, c->fix[k]);
                bad++;
            }
        if (f && c->evidence && strstr(f->evidence, c->evidence) == NULL) {
            print_error("%s: evidence '%s' lacks '%s'\n", what, f->evidence, c->evidence);
            bad++;
        }
        bad += judgement_check(obs, &j, what);
        if (f && getenv("TEST_VERBOSE"))
            print_message("%s: %s\n  evidence: %s\n  fix: %s\n", what, tk_verdict_name(f->status),
                          f->evidence, f->remediation);
        if (bad > before)
            judgement_print(&j);
        tk_observation_destroy(obs);
    }
    assert_int_equal(bad, 0);
}

/* Every rule of the table has a passing and a failing case above (warn
 * for a SHOULD rule), and a case for each other status it can give. */
static void test_rule_table_coverage(void **state)
{
    static const struct {
        const char *id;
        bool fails, warns, unknowns; /* what the rule can say besides pass */
    } want[] = {
        {"TLSRPT", true, false, true},
        {"SPF-PRESENT", true, false, true},
        {"SPF-HARDFAIL", true, false, true},
        {"DKIM-SIGNED", true, true, true},
        {"DMARC-PRESENT", true, false, true},
        {"DMARC-REJECT", true, false, true},
        {"DMARC-ADKIM-STRICT", false, true, true}, /* SHOULD: a weakness warns */
        {"DMARC-RUA", true, false, true},
        {"MTA-STS-TXT", true, false, true},
        {"PARKED-SPF", true, false, true},
        {"PARKED-DKIM", true, false, true},
        {"PARKED-DMARC", true, false, true},
        {"PARKED-NULL-MX", false, true, true}, /* SHOULD: a weakness warns */
    };
    const struct tk_rule *r;
    size_t i, k, nrules = 0;

    /* The transport rules have their cases in test_rules_transport.c. */
    for (r = tk_rules; r->id; r++)
        nrules += !r->needs_probe;
    assert_int_equal(nrules, NELEM(want));
    for (i = 0; i < NELEM(want); i++) {
        bool seen[4] = {false};

        assert_non_null(tk_rule_find(want[i].id));
        for (k = 0; k < NELEM(rule_cases); k++)
            if (strcmp(rule_cases[k].rule, want[i].id) == 0)
                seen[rule_cases[k].want] = true;
        if (!seen[PASS] || seen[FAIL] != want[i].fails || seen[WARN] != want[i].warns ||
            seen[UNKNOWN] != want[i].unknowns)
            fail_msg("%s: cases pass %d fail %d warn %d unknown %d", want[i].id, seen[PASS],
                     seen[FAIL], seen[WARN], seen[UNKNOWN]);
    }
    assert_null(tk_rule_find("NO-SUCH-RULE"));
}

/* ---- compliance ---- */

struct compliance_case {
    const char *what;
    enum base base;
    struct zrr zone[8];
    enum tk_profile profile;
    bool compliant;
    bool all_unknown;
};

static const struct compliance_case compliance_cases[] = {
    {"the compliant email base", BASE_EMAIL, NOZONE, TK_PROFILE_EMAIL, true, false},
    {"a SHOULD rule warns: still compliant",
     BASE_EMAIL,
     {TXT("_dmarc." D, "v=DMARC1; p=reject; rua=mailto:d@" D)},
     TK_PROFILE_EMAIL,
     true,
     false},
    {"a MUST rule warns (DKIM 1024)",
     BASE_EMAIL,
     {TXT("selector1._domainkey." D, "v=DKIM1; p=@RSA1024@")},
     TK_PROFILE_EMAIL,
     false,
     false},
    {"a MUST rule fails (~all)",
     BASE_EMAIL,
     {TXT(D, "v=spf1 ip4:192.0.2.1 ~all")},
     TK_PROFILE_EMAIL,
     false,
     false},
    {"a MUST rule is unknown (MTA-STS look-up failed)",
     BASE_EMAIL,
     {TEMP("_mta-sts." D, TK_DNS_TXT)},
     TK_PROFILE_EMAIL,
     false,
     false},
    {"the compliant parked base", BASE_PARKED, NOZONE, TK_PROFILE_PARKED, true, false},
    {"parked without null MX (SHOULD): still compliant",
     BASE_PARKED,
     {DEL(D, TK_DNS_MX)},
     TK_PROFILE_PARKED,
     true,
     false},
    {"parked with a usable DKIM key",
     BASE_PARKED,
     {TXT("*._domainkey." D, "v=DKIM1; p=@ED25519@")},
     TK_PROFILE_PARKED,
     false,
     false},
    {"every look-up fails",
     BASE_NONE,
     {TEMP(D, TK_DNS_MX), TEMP(D, TK_DNS_TXT), TEMP("_dmarc." D, TK_DNS_TXT),
      TEMP("_smtp._tls." D, TK_DNS_TXT), TEMP("_mta-sts." D, TK_DNS_TXT)},
     TK_PROFILE_EMAIL,
     false,
     true},
    {"every look-up fails but MX: still no rule decided",
     BASE_NONE,
     {MX(D, 10, "mail." D), TEMP(D, TK_DNS_TXT), TEMP("_dmarc." D, TK_DNS_TXT),
      TEMP("_smtp._tls." D, TK_DNS_TXT), TEMP("_mta-sts." D, TK_DNS_TXT)},
     TK_PROFILE_EMAIL,
     false,
     true},
    {"every look-up fails but _mta-sts: one rule decided",
     BASE_NONE,
     {TEMP(D, TK_DNS_MX), TEMP(D, TK_DNS_TXT), TEMP("_dmarc." D, TK_DNS_TXT),
      TEMP("_smtp._tls." D, TK_DNS_TXT), TXT("_mta-sts." D, "v=STSv1; id=1;")},
     TK_PROFILE_EMAIL,
     false,
     false},
};

static void test_compliance(void **state)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < NELEM(compliance_cases); i++) {
        const struct compliance_case *c = &compliance_cases[i];
        struct tk_static_zone *z = zone_build(c->base, c->zone);
        struct tk_observe_request req = {.domain = D, .common_selectors = true};
        struct tk_observation *obs = testutil_observe(z, &req);
        struct tk_judgement j;

        tk_judge(obs, &j);
        print_message("case %zu: %s\n", i, c->what);
        if (obs->profile != c->profile || j.compliant != c->compliant ||
            j.all_unknown != c->all_unknown) {
            judgement_print(&j);
            print_error("case %zu (%s): profile %s compliant %d all_unknown %d\n", i, c->what,
                        tk_profile_name(obs->profile), j.compliant, j.all_unknown);
            bad++;
        }
        bad += judgement_check(obs, &j, c->what);
        tk_observation_destroy(obs);
        tk_static_zone_free(z);
    }
    assert_int_equal(bad, 0);
}

/* ---- hostile records ---- */

/* hostile_text fills buf with prefix then len bytes of filler (every
 * byte value in turn when bytes is true, else 'a'). */
static size_t hostile_text(unsigned char *buf, size_t cap, const char *prefix, size_t len,
                           bool bytes)
{
    size_t n = strlen(prefix), i;

    assert_true(n + len <= cap);
    memcpy(buf, prefix, n);
    for (i = 0; i < len; i++)
        buf[n + i] = bytes ? (unsigned char)(i * 7 + 1) : 'a';
    if (bytes && len > 3) {
        buf[n] = '\0'; /* a NUL early */
        buf[n + 1] = 0x1b;
        buf[n + 2] = 0xff;
    }
    return n + len;
}

static const char *const hostile_names[] = {
    D,
    "_dmarc." D,
    "_smtp._tls." D,
    "_smtptls." D,
    "_mta-sts." D,
    "selector1._domainkey." D,
    "*._domainkey." D,
};

static const char *const hostile_prefixes[] = {
    "v=spf1 ",
    "v=DMARC1; p=reject; rua=mailto:",
    "v=TLSRPTv1; rua=mailto:",
    "v=STSv1; id=",
    "v=DKIM1; p=",
    "",
    "v=spf1 -all ",
    "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:d@" D "; x=",
    "v=TLSRPTv1; rua=mailto:a@" D "; x=",
};

static void hostile_judge(struct tk_static_zone *z, const char *what)
{
    static const enum tk_profile hints[] = {TK_PROFILE_UNSET, TK_PROFILE_EMAIL, TK_PROFILE_PARKED};
    size_t h;

    for (h = 0; h < NELEM(hints); h++) {
        struct tk_observe_request req = {
            .domain = D, .profile_hint = hints[h], .common_selectors = true};
        struct tk_observation *obs = testutil_observe(z, &req);
        struct tk_judgement j;

        tk_judge(obs, &j);
        if (j.n == 0)
            fail_msg("%s: no findings", what);
        if (judgement_check(obs, &j, what) > 0) {
            judgement_print(&j);
            fail_msg("%s: see above", what);
        }
        tk_observation_destroy(obs);
    }
}

/* Records of the size limit and past it, with NUL, escape and 8-bit
 * bytes, at every name the observer asks, under every prefix a parser
 * looks for. */
static void test_hostile_bytes(void **state)
{
    static const size_t sizes[] = {
        10, 300, TK_TXT_RECORD_MAX - 40, TK_TXT_RECORD_MAX, TK_TXT_RECORD_MAX + 1, 6000};
    static unsigned char text[8192];
    size_t p, s, b;

    for (p = 0; p < NELEM(hostile_prefixes); p++)
        for (s = 0; s < NELEM(sizes); s++)
            for (b = 0; b < 2; b++) {
                struct tk_static_zone *z;
                size_t len = hostile_text(text, sizeof(text), hostile_prefixes[p],
                                          sizes[s] > strlen(hostile_prefixes[p])
                                              ? sizes[s] - strlen(hostile_prefixes[p])
                                              : 0,
                                          b == 1);
                size_t n;
                char what[128];

                assert_int_equal(tk_static_zone_new(&z), TK_OK);
                for (n = 0; n < NELEM(hostile_names); n++)
                    testutil_zone_add_txt_bytes(z, hostile_names[n], text, len);
                snprintf(what, sizeof(what), "prefix '%s' size %zu bytes %zu", hostile_prefixes[p],
                         len, b);
                hostile_judge(z, what);
                tk_static_zone_free(z);
            }
}

/* 64 TXT records at each name (the RRset limit), and more. */
static void test_hostile_many_records(void **state)
{
    static const size_t counts[] = {TK_RRSET_MAX - 1, TK_RRSET_MAX, TK_RRSET_MAX + 8};
    size_t c, n, i;

    for (c = 0; c < NELEM(counts); c++) {
        struct tk_static_zone *z;

        assert_int_equal(tk_static_zone_new(&z), TK_OK);
        for (n = 0; n < NELEM(hostile_names); n++)
            for (i = 0; i < counts[c]; i++) {
                unsigned char text[160];
                int len = snprintf((char *)text, sizeof(text), "%s\x01\xfe%zu",
                                   hostile_prefixes[i % NELEM(hostile_prefixes)], i);

                assert_true(len > 0 && (size_t)len < sizeof(text));
                testutil_zone_add_txt_bytes(z, hostile_names[n], text, (size_t)len);
            }
        hostile_judge(z, "many records");
        tk_static_zone_free(z);
    }
}

/* Malformed rdata: a TXT length byte past the end, a truncated MX, an
 * A record of the wrong size, an empty TXT. */
static void test_hostile_malformed_rdata(void **state)
{
    static const unsigned char bad_txt[] = {200, 'v', '=', 's', 'p', 'f', '1'};
    static const unsigned char bad_mx[] = {0, 10, 5, 'm', 'a'};
    static const unsigned char bad_a[] = {192, 0, 2};
    static const unsigned char empty_txt[] = {0};
    size_t n, k;

    for (k = 0; k < 3; k++) {
        struct tk_static_zone *z;

        assert_int_equal(tk_static_zone_new(&z), TK_OK);
        for (n = 0; n < NELEM(hostile_names); n++) {
            if (k == 0 || k == 2)
                assert_int_equal(
                    tk_static_zone_add(z, hostile_names[n], TK_DNS_TXT, bad_txt, sizeof(bad_txt)),
                    TK_OK);
            if (k == 1 || k == 2)
                assert_int_equal(tk_static_zone_add(z, hostile_names[n], TK_DNS_TXT, empty_txt,
                                                    sizeof(empty_txt)),
                                 TK_OK);
        }
        assert_int_equal(tk_static_zone_add(z, D, TK_DNS_MX, bad_mx, sizeof(bad_mx)), TK_OK);
        assert_int_equal(tk_static_zone_add(z, "mail." D, TK_DNS_A, bad_a, sizeof(bad_a)), TK_OK);
        hostile_judge(z, "malformed rdata");
        tk_static_zone_free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),           cmocka_unit_test(test_rule_table_coverage),
        cmocka_unit_test(test_compliance),           cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_hostile_many_records), cmocka_unit_test(test_hostile_malformed_rdata),
    };

    return cmocka_run_group_tests(tests, keys_make, NULL);
}
