/*
 * NAME
 *	test_dmarc_eval.c - unit tests of DMARC evaluation (RFC 7489, RFC 9989)
 * DESCRIPTION
 *	One table row per branch, over static zones: strict and relaxed
 *	alignment of SPF and DKIM (aligned or not, pass or fail); the
 *	policy a sub-domain gets (sp), np for a sub-domain that does not
 *	exist and its fall-back to sp then p; pct=0, pct=50 with a fixed
 *	draw on both sides, pct=100; t=y; no record, a record only at the
 *	organisational domain, two records at a name (RFC 7489: none; tree
 *	walk: discarded), an invalid record, DNS failures (temperror);
 *	the public suffix list and the tree walk giving different
 *	organisational domains (psd=n below, psd=y above); the tree walk's
 *	8-question bound on a 20-label name. Expected values come from the
 *	RFCs' rules, not from running the code. Then several evaluations
 *	at once on one resolver, and the Authentication-Results clause.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth/authres.h"
#include "auth/dmarc_eval.h"

/* ---- zones ---- */

static const struct zrr zone_reject[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
    A("example.com", "192.0.2.1"),
    A("mail.example.com", "192.0.2.2"),
    {0},
};
static const struct zrr zone_strict_dkim[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s"),
    {0},
};
static const struct zrr zone_strict_spf[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=quarantine; aspf=s"),
    {0},
};
static const struct zrr zone_sub[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine"),
    A("mail.example.com", "192.0.2.2"),
    {0},
};
static const struct zrr zone_sub_own[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=reject"),
    TXT("_dmarc.mail.example.com", "v=DMARC1; p=none"),
    {0},
};
static const struct zrr zone_np[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine; np=reject"),
    A("exists.example.com", "192.0.2.3"),
    {0},
};
static const struct zrr zone_np_temp[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine; np=reject"),
    TEMP("flaky.example.com", TK_DNS_A),
    TEMP("flaky.example.com", TK_DNS_AAAA),
    TEMP("flaky.example.com", TK_DNS_MX),
    {0},
};
static const struct zrr zone_np_same[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=none; sp=reject; np=reject"),
    {0},
};
static const struct zrr zone_pct0[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; pct=0"),
    {0},
};
static const struct zrr zone_pct50[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; pct=50"),
    {0},
};
static const struct zrr zone_pct100[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=100"),
    {0},
};
static const struct zrr zone_testing[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject; t=y"),
    TXT("_dmarc.q.example", "v=DMARC1; p=quarantine; t=y"),
    {0},
};
static const struct zrr zone_empty[] = {
    A("example.com", "192.0.2.1"),
    TXT("example.com", "v=spf1 -all"),
    TXT("_dmarc.example.com", "not a dmarc record"),
    {0},
};
static const struct zrr zone_two[] = {
    TXT("_dmarc.mail.example.com", "v=DMARC1; p=none"),
    TXT("_dmarc.mail.example.com", "v=DMARC1; p=reject"),
    TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
    {0},
};
static const struct zrr zone_temp[] = {
    TEMP("_dmarc.example.com", TK_DNS_TXT),
    {0},
};
static const struct zrr zone_temp_org[] = {
    TEMP("_dmarc.example.com", TK_DNS_TXT),
    {0},
};
static const struct zrr zone_invalid[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=bogus"),
    TXT("_dmarc.upper.example", "V=DMARC1; p=reject"),
    {0},
};
/* The organisational domain differs by method: psd=n at dept. */
static const struct zrr zone_psd_n[] = {
    TXT("_dmarc.dept.example.com", "v=DMARC1; p=reject; psd=n"),
    TXT("_dmarc.example.com", "v=DMARC1; p=none"),
    {0},
};
/* A public suffix domain's policy (psd=y) above a name the public
 * suffix list does not know. */
static const struct zrr zone_psd_y[] = {
    TXT("_dmarc.psd.example", "v=DMARC1; p=reject; psd=y"),
    {0},
};

/* The tree walk above the record fails. */
static const struct zrr zone_tree_temp[] = {
    TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
    TEMP("_dmarc.com", TK_DNS_TXT),
    {0},
};

/* ---- the table ---- */

struct eval_case {
    const char *name;
    const struct zrr *zone;
    enum tk_dmarc_org_method method;
    const char *from;
    const char *spf_domain;
    enum tk_auth_result spf;
    const char *dkim_domain; /* one signature, or NULL */
    enum tk_auth_result dkim;
    int draw; /* -1: the draw must not be asked */
    /* expected */
    enum tk_auth_result result;
    enum tk_dmarc_why why;
    enum tk_dmarc_source source;
    const char *policy_domain;
    enum tk_dmarc_policy policy;
    enum tk_dmarc_policy_tag tag;
    enum tk_dmarc_policy disposition;
    enum tk_dmarc_aligned spf_aligned, dkim_aligned;
    bool sampled_out, testing, nonexistent;
    unsigned long queries; /* 0: not checked */
};

#define PASS TK_AUTH_PASS
#define FAIL TK_AUTH_FAIL
#define PNONE TK_DMARC_POLICY_NONE
#define QUAR TK_DMARC_POLICY_QUARANTINE
#define REJ TK_DMARC_POLICY_REJECT
#define UNSET TK_DMARC_POLICY_UNSET
#define AYES TK_DMARC_ALIGNED_YES
#define ANO TK_DMARC_ALIGNED_NO
#define AUN TK_DMARC_ALIGNED_UNJUDGED
#define FROMSRC TK_DMARC_SOURCE_FROM
#define PARENT TK_DMARC_SOURCE_PARENT
#define NOSRC TK_DMARC_SOURCE_NONE

static const struct eval_case cases[] = {
    /* alignment: relaxed DKIM */
    {.name = "relaxed dkim same domain pass",
     .zone = zone_reject,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES,
     .queries = 1},
    {.name = "relaxed dkim sub-domain pass",
     .zone = zone_reject,
     .from = "example.com",
     .dkim_domain = "mail.example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "relaxed dkim unaligned pass",
     .zone = zone_reject,
     .from = "example.com",
     .dkim_domain = "other.example",
     .dkim = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .dkim_aligned = ANO},
    {.name = "relaxed dkim aligned fail",
     .zone = zone_reject,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = FAIL,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .dkim_aligned = AYES},
    /* alignment: strict DKIM */
    {.name = "strict dkim sub-domain pass is unaligned",
     .zone = zone_strict_dkim,
     .from = "example.com",
     .dkim_domain = "mail.example.com",
     .dkim = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .dkim_aligned = ANO},
    {.name = "strict dkim same domain pass",
     .zone = zone_strict_dkim,
     .from = "example.com",
     .dkim_domain = "EXAMPLE.com.",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "strict dkim same domain fail",
     .zone = zone_strict_dkim,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = TK_AUTH_TEMPERROR,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .dkim_aligned = AYES},
    /* alignment: relaxed SPF */
    {.name = "relaxed spf sub-domain pass",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "bounce.example.com",
     .spf = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_SPF,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .spf_aligned = AYES},
    {.name = "relaxed spf unaligned pass",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "mailer.example.net",
     .spf = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .spf_aligned = ANO},
    {.name = "relaxed spf aligned fail",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "example.com",
     .spf = FAIL,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .spf_aligned = AYES},
    {.name = "relaxed spf aligned softfail",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "example.com",
     .spf = TK_AUTH_SOFTFAIL,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .spf_aligned = AYES},
    /* alignment: strict SPF */
    {.name = "strict spf sub-domain pass is unaligned",
     .zone = zone_strict_spf,
     .from = "example.com",
     .spf_domain = "bounce.example.com",
     .spf = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR,
     .spf_aligned = ANO},
    {.name = "strict spf same domain pass",
     .zone = zone_strict_spf,
     .from = "example.com",
     .spf_domain = "example.com",
     .spf = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_SPF,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .spf_aligned = AYES},
    {.name = "strict spf same domain fail",
     .zone = zone_strict_spf,
     .from = "example.com",
     .spf_domain = "example.com",
     .spf = FAIL,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR,
     .spf_aligned = AYES},
    /* either pass is enough */
    {.name = "spf unaligned, dkim aligned",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "mailer.example.net",
     .spf = PASS,
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .spf_aligned = ANO,
     .dkim_aligned = AYES},
    {.name = "spf aligned, dkim aligned fail",
     .zone = zone_reject,
     .from = "example.com",
     .spf_domain = "example.com",
     .spf = PASS,
     .dkim_domain = "example.com",
     .dkim = FAIL,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_SPF,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .spf_aligned = AYES,
     .dkim_aligned = AYES},
    /* policy: sub-domains */
    {.name = "sub-domain without its own record gets sp",
     .zone = zone_sub,
     .from = "mail.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_SP,
     .disposition = QUAR,
     .queries = 2},
    {.name = "record only at the org domain: relaxed pass",
     .zone = zone_sub,
     .from = "mail.example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_SP,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "sub-domain with its own record gets its p",
     .zone = zone_sub_own,
     .from = "mail.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "mail.example.com",
     .policy = PNONE,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .queries = 1},
    /* policy: np */
    {.name = "np for a sub-domain that does not exist",
     .zone = zone_np,
     .from = "nosuch.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_NP,
     .disposition = REJ,
     .nonexistent = true,
     .queries = 5},
    {.name = "np written, sub-domain exists: sp",
     .zone = zone_np,
     .from = "exists.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_SP,
     .disposition = QUAR,
     .queries = 5},
    {.name = "np absent: sp",
     .zone = zone_sub,
     .from = "nosuch.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_SP,
     .disposition = QUAR,
     .queries = 2},
    {.name = "np and sp absent: p",
     .zone = zone_reject,
     .from = "nosuch.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .queries = 2},
    {.name = "np equal to sp: existence not asked",
     .zone = zone_np_same,
     .from = "nosuch.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_SP,
     .disposition = REJ,
     .queries = 2},
    {.name = "np: existence unknown is temperror",
     .zone = zone_np_temp,
     .from = "flaky.example.com",
     .draw = -1,
     .result = TK_AUTH_TEMPERROR,
     .why = TK_DMARC_WHY_TEMP_EXISTENCE,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = UNSET,
     .disposition = PNONE,
     .queries = 5},
    /* pct and t */
    {.name = "pct=0: never selected, reject lowered",
     .zone = zone_pct0,
     .from = "example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR,
     .sampled_out = true},
    {.name = "pct=50, draw 49: selected",
     .zone = zone_pct50,
     .from = "example.com",
     .draw = 49,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ},
    {.name = "pct=50, draw 50: not selected",
     .zone = zone_pct50,
     .from = "example.com",
     .draw = 50,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR,
     .sampled_out = true},
    {.name = "pct=50, passing mail is not sampled",
     .zone = zone_pct50,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "pct=100: always selected",
     .zone = zone_pct100,
     .from = "example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR},
    {.name = "t=y: reject becomes quarantine",
     .zone = zone_testing,
     .from = "example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = QUAR,
     .testing = true},
    {.name = "t=y: quarantine becomes none",
     .zone = zone_testing,
     .from = "q.example",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "q.example",
     .policy = QUAR,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .testing = true},
    /* no policy */
    {.name = "no record: none",
     .zone = zone_empty,
     .from = "example.com",
     .dkim_domain = "x.test",
     .dkim = PASS,
     .draw = -1,
     .result = TK_AUTH_NONE,
     .why = TK_DMARC_WHY_NO_RECORD,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE,
     .dkim_aligned = AUN,
     .queries = 1},
    {.name = "no record at a sub-domain nor its org domain",
     .zone = zone_empty,
     .from = "a.b.example.com",
     .draw = -1,
     .result = TK_AUTH_NONE,
     .why = TK_DMARC_WHY_NO_RECORD,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE,
     .queries = 2},
    {.name = "two records: none, org domain not asked",
     .zone = zone_two,
     .from = "mail.example.com",
     .draw = -1,
     .result = TK_AUTH_NONE,
     .why = TK_DMARC_WHY_MULTIPLE_RECORDS,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE,
     .queries = 1},
    {.name = "tree walk: two records discarded, walk goes on",
     .zone = zone_two,
     .method = TK_DMARC_ORG_TREE,
     .from = "mail.example.com",
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ},
    {.name = "V=DMARC1 is no record",
     .zone = zone_invalid,
     .from = "upper.example",
     .draw = -1,
     .result = TK_AUTH_NONE,
     .why = TK_DMARC_WHY_NO_RECORD,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE},
    {.name = "invalid record: permerror",
     .zone = zone_invalid,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = TK_AUTH_PERMERROR,
     .why = TK_DMARC_WHY_INVALID_RECORD,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = UNSET,
     .disposition = PNONE},
    /* DNS failures */
    {.name = "DNS failure at the From domain: temperror",
     .zone = zone_temp,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = TK_AUTH_TEMPERROR,
     .why = TK_DMARC_WHY_TEMP_POLICY,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE,
     .queries = 1},
    {.name = "DNS failure at the org domain: temperror",
     .zone = zone_temp_org,
     .from = "mail.example.com",
     .draw = -1,
     .result = TK_AUTH_TEMPERROR,
     .why = TK_DMARC_WHY_TEMP_POLICY,
     .source = NOSRC,
     .policy = UNSET,
     .disposition = PNONE,
     .queries = 2},
    /* PSL and tree walk disagree: psd=n below the PSL's org domain */
    {.name = "psl: dept and other share example.com",
     .zone = zone_psd_n,
     .from = "mail.dept.example.com",
     .dkim_domain = "other.example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = PARENT,
     .policy_domain = "example.com",
     .policy = PNONE,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "tree: psd=n makes dept its own org domain",
     .zone = zone_psd_n,
     .method = TK_DMARC_ORG_TREE,
     .from = "mail.dept.example.com",
     .dkim_domain = "other.example.com",
     .dkim = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "dept.example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .dkim_aligned = ANO},
    /* ... and psd=y above a name the list does not know */
    {.name = "psl: psd.example is the org domain of both",
     .zone = zone_psd_y,
     .from = "mail.agency.psd.example",
     .spf_domain = "other.psd.example",
     .spf = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_SPF,
     .source = PARENT,
     .policy_domain = "psd.example",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .spf_aligned = AYES},
    {.name = "tree: psd=y makes agency.psd.example the org domain",
     .zone = zone_psd_y,
     .method = TK_DMARC_ORG_TREE,
     .from = "mail.agency.psd.example",
     .spf_domain = "other.psd.example",
     .spf = PASS,
     .dkim_domain = "agency.psd.example",
     .dkim = FAIL,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = PARENT,
     .policy_domain = "psd.example",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .spf_aligned = ANO,
     .dkim_aligned = AYES},
    /* the tree walk cannot finish: only what it decides is temperror */
    {.name = "tree: DNS failure above, passing sub-domain: temperror",
     .zone = zone_tree_temp,
     .method = TK_DMARC_ORG_TREE,
     .from = "example.com",
     .dkim_domain = "mail.example.com",
     .dkim = PASS,
     .draw = -1,
     .result = TK_AUTH_TEMPERROR,
     .why = TK_DMARC_WHY_TEMP_ALIGNMENT,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = UNSET,
     .disposition = PNONE,
     .dkim_aligned = TK_DMARC_ALIGNED_TEMP},
    {.name = "tree: DNS failure above, same name: pass",
     .zone = zone_tree_temp,
     .method = TK_DMARC_ORG_TREE,
     .from = "example.com",
     .dkim_domain = "example.com",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
    {.name = "tree: DNS failure above, other TLD: unaligned",
     .zone = zone_tree_temp,
     .method = TK_DMARC_ORG_TREE,
     .from = "example.com",
     .spf_domain = "mailer.example.net",
     .spf = PASS,
     .draw = -1,
     .result = FAIL,
     .why = TK_DMARC_WHY_FAIL,
     .source = FROMSRC,
     .policy_domain = "example.com",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = REJ,
     .spf_aligned = ANO},
    {.name = "tree: relaxed pass under a psd=y parent",
     .zone = zone_psd_y,
     .method = TK_DMARC_ORG_TREE,
     .from = "mail.agency.psd.example",
     .dkim_domain = "agency.psd.example",
     .dkim = PASS,
     .draw = -1,
     .result = PASS,
     .why = TK_DMARC_WHY_PASS_DKIM,
     .source = PARENT,
     .policy_domain = "psd.example",
     .policy = REJ,
     .tag = TK_DMARC_TAG_P,
     .disposition = PNONE,
     .dkim_aligned = AYES},
};

struct draw_state {
    int value;
    unsigned calls;
};

static unsigned fixed_draw(void *arg)
{
    struct draw_state *d = arg;

    d->calls++;
    if (d->value < 0)
        fail_msg("pct draw asked where no draw is needed");
    return (unsigned)d->value;
}

static struct tk_static_zone *zone_of(const struct zrr *rows)
{
    struct tk_static_zone *z;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, rows);
    return z;
}

static void run_case(const struct eval_case *t, struct tk_dmarc_result *res)
{
    struct tk_static_zone *z = zone_of(t->zone);
    struct tk_resolver *r;
    struct tk_dmarc_dkim dkim = {t->dkim_domain, t->dkim};
    struct tk_dmarc_input in = {t->from, t->spf_domain, t->spf, &dkim, t->dkim_domain ? 1 : 0};
    struct draw_state d = {t->draw, 0};
    struct tk_dmarc_options opt = {t->method, fixed_draw, &d};
    struct tk_error err = {0};

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    if (tk_dmarc_eval(r, &in, &opt, res, &err) != TK_OK)
        fail_msg("%s: %s", t->name, err.msg);
    assert_int_equal(d.calls, t->draw >= 0 ? 1 : 0);
    assert_int_equal(res->queries, tk_resolver_queries_sent(r));
    tk_resolver_free(r);
    tk_static_zone_free(z);
}

static void check_case(const struct eval_case *t, const struct tk_dmarc_result *res)
{
    if (res->result != t->result || res->why != t->why)
        fail_msg("%s: %s/%s, want %s/%s (%s)", t->name, tk_auth_result_name(res->result),
                 tk_dmarc_why_name(res->why), tk_auth_result_name(t->result),
                 tk_dmarc_why_name(t->why), res->why_text);
    if (res->source != t->source || res->policy != t->policy || res->tag != t->tag ||
        res->disposition != t->disposition)
        fail_msg("%s: source %s policy %s (%s) disposition %s", t->name,
                 tk_dmarc_source_name(res->source), tk_dmarc_policy_name(res->policy),
                 tk_dmarc_tag_name(res->tag), tk_dmarc_policy_name(res->disposition));
    assert_string_equal(res->policy_domain, t->policy_domain ? t->policy_domain : "");
    if (t->source != NOSRC)
        assert_non_null(strstr(res->record_text, "DMARC1"));
    if (res->spf.aligned != t->spf_aligned)
        fail_msg("%s: spf aligned %s", t->name, tk_dmarc_aligned_name(res->spf.aligned));
    if (t->dkim_domain && res->dkim[0].aligned != t->dkim_aligned)
        fail_msg("%s: dkim aligned %s", t->name, tk_dmarc_aligned_name(res->dkim[0].aligned));
    assert_int_equal(res->sampled_out, t->sampled_out);
    assert_int_equal(res->testing, t->testing);
    assert_int_equal(res->from_nonexistent, t->nonexistent);
    if (t->queries && res->queries != t->queries)
        fail_msg("%s: %lu questions, want %lu", t->name, res->queries, t->queries);
    assert_true(res->why_text[0] != '\0' && testutil_printable(res->why_text));
}

static const struct eval_case *case_named(const char *name)
{
    size_t i;

    for (i = 0; i < NELEM(cases); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fail_msg("no case '%s'", name);
    return NULL;
}

static void test_eval_table(void **state)
{
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    size_t i;

    assert_non_null(res);
    for (i = 0; i < NELEM(cases); i++) {
        run_case(&cases[i], res);
        check_case(&cases[i], res);
    }
    free(res);
}

/* The organisational domain each method names, and where it says the
 * policy came from. */
static void test_org_domain_reported(void **state)
{
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    struct eval_case t = *case_named("tree: relaxed pass under a psd=y parent");

    assert_non_null(res);
    run_case(&t, res);
    assert_int_equal(res->org_method, TK_DMARC_ORG_TREE);
    assert_string_equal(res->org_domain, "agency.psd.example");
    assert_string_equal(res->dkim[0].org_domain, "agency.psd.example");
    t.method = TK_DMARC_ORG_PSL;
    run_case(&t, res);
    assert_int_equal(res->org_method, TK_DMARC_ORG_PSL);
    assert_string_equal(res->org_domain, "psd.example");
    free(res);
}

/* ---- the tree walk's bound ---- */

static const char deep20[] = "l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.l13.l14.l15.l16.l17.l18."
                             "example.com";

static void test_tree_targets(void **state)
{
    char t[TK_DMARC_TREE_QUERIES_MAX][TK_DOMAIN_MAX + 1];
    size_t n;

    n = tk_dmarc_tree_targets(deep20, t);
    assert_int_equal(n, 8);
    assert_string_equal(t[0], deep20);
    assert_string_equal(t[1], "l14.l15.l16.l17.l18.example.com"); /* the last 7 labels */
    assert_string_equal(t[2], "l15.l16.l17.l18.example.com");
    assert_string_equal(t[7], "com");
    n = tk_dmarc_tree_targets("a.b.c.d.e.f.g.h", t); /* 8 labels: on to 7 */
    assert_int_equal(n, 8);
    assert_string_equal(t[1], "b.c.d.e.f.g.h");
    n = tk_dmarc_tree_targets("mail.example.com", t);
    assert_int_equal(n, 3);
    assert_string_equal(t[1], "example.com");
    assert_string_equal(t[2], "com");
    n = tk_dmarc_tree_targets("localhost", t);
    assert_int_equal(n, 1);
}

static void eval_deep(const struct zrr *rows, struct tk_dmarc_result *res, unsigned long *sent)
{
    struct tk_static_zone *z = zone_of(rows);
    struct tk_resolver *r;
    struct tk_dmarc_input in = {deep20, NULL, TK_AUTH_NONE, NULL, 0};
    struct tk_dmarc_options opt = {TK_DMARC_ORG_TREE, NULL, NULL};

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_dmarc_eval(r, &in, &opt, res, NULL), TK_OK);
    *sent = tk_resolver_queries_sent(r);
    tk_resolver_free(r);
    tk_static_zone_free(z);
}

/* A 20-label name costs 8 questions; a record at a skipped level (the
 * 10-label name) is never seen, one at the 7-label name is. */
static void test_tree_walk_bound(void **state)
{
    static const struct zrr nothing[] = {{0}};
    static const struct zrr skipped[] = {
        TXT("_dmarc.l11.l12.l13.l14.l15.l16.l17.l18.example.com", "v=DMARC1; p=reject"),
        {0},
    };
    static const struct zrr seventh[] = {
        TXT("_dmarc.l14.l15.l16.l17.l18.example.com", "v=DMARC1; p=reject"),
        {0},
    };
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    unsigned long sent;

    assert_non_null(res);
    eval_deep(nothing, res, &sent);
    assert_int_equal(res->result, TK_AUTH_NONE);
    assert_int_equal(sent, 8);
    eval_deep(skipped, res, &sent);
    assert_int_equal(res->result, TK_AUTH_NONE);
    assert_int_equal(sent, 8);
    eval_deep(seventh, res, &sent);
    assert_int_equal(res->result, TK_AUTH_FAIL);
    assert_string_equal(res->policy_domain, "l14.l15.l16.l17.l18.example.com");
    assert_int_equal(res->tag, TK_DMARC_TAG_P); /* no sp: p applies */
    /* the walk found it with its 2nd question; the From walk for the
     * organisational domain asks the 6 names above it: 8 in all */
    assert_int_equal(sent, 8);
    free(res);
}

/* ---- many at once ---- */

struct many {
    unsigned done;
    struct tk_dmarc_result res[3];
};

static void many_done(void *arg, struct tk_dmarc_result *res)
{
    struct many *m = arg;

    m->done++;
    assert_true(res >= m->res && res < m->res + 3);
}

static void test_concurrent(void **state)
{
    static const struct tk_dmarc_dkim ok = {"example.com", TK_AUTH_PASS};
    struct tk_static_zone *z = zone_of(zone_sub);
    struct many *m = calloc(1, sizeof(*m));
    struct tk_resolver *r;
    struct tk_dmarc_input in[3] = {
        {"example.com", NULL, TK_AUTH_NONE, &ok, 1},
        {"mail.example.com", NULL, TK_AUTH_NONE, NULL, 0},
        {"nothing.test", NULL, TK_AUTH_NONE, NULL, 0},
    };
    size_t i;

    assert_non_null(m);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(tk_dmarc_eval_start(r, &in[i], NULL, &m->res[i], many_done, m, NULL),
                         TK_OK);
    assert_int_equal(m->done, 0); /* never from inside start */
    assert_int_equal(tk_resolver_drain(r, NULL), TK_OK);
    assert_int_equal(m->done, 3);
    assert_int_equal(m->res[0].result, TK_AUTH_PASS);
    assert_int_equal(m->res[1].result, TK_AUTH_FAIL);
    assert_int_equal(m->res[1].disposition, TK_DMARC_POLICY_QUARANTINE);
    assert_int_equal(m->res[2].result, TK_AUTH_NONE);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(m);
}

static void test_bad_from(void **state)
{
    struct tk_static_zone *z = zone_of(zone_reject);
    struct tk_resolver *r;
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    struct tk_dmarc_input in = {"not a domain", NULL, TK_AUTH_NONE, NULL, 0};
    struct tk_error err = {0};

    assert_non_null(res);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_dmarc_eval(r, &in, NULL, res, &err), TK_USAGE);
    assert_true(err.msg[0] != '\0');
    in.from_domain = NULL;
    assert_int_equal(tk_dmarc_eval(r, &in, NULL, res, NULL), TK_USAGE);
    assert_int_equal(tk_resolver_queries_sent(r), 0);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(res);
}

/* More DKIM results than the limit: a passing one at the end is still
 * judged. */
static void test_many_signatures(void **state)
{
    struct tk_static_zone *z = zone_of(zone_reject);
    struct tk_resolver *r;
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    struct tk_dmarc_dkim dkim[TK_DMARC_DKIM_MAX + 10];
    struct tk_dmarc_input in = {"example.com", NULL, TK_AUTH_NONE, dkim, NELEM(dkim)};
    size_t i;

    assert_non_null(res);
    for (i = 0; i < NELEM(dkim); i++)
        dkim[i] = (struct tk_dmarc_dkim){"example.com", TK_AUTH_FAIL};
    dkim[NELEM(dkim) - 1].result = TK_AUTH_PASS;
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_dmarc_eval(r, &in, NULL, res, NULL), TK_OK);
    assert_int_equal(res->ndkim, TK_DMARC_DKIM_MAX);
    assert_int_equal(res->result, TK_AUTH_PASS);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(res);
}

/* The dmarc clause of Authentication-Results, as RFC 8601 2.7.x and
 * common practice write it. */
static void test_authres_clause(void **state)
{
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    struct tk_authres_method m;
    struct tk_buf b = {0};
    char comment[64];

    assert_non_null(res);
    run_case(case_named("pct=0: never selected, reject lowered"), res);
    assert_int_equal(res->disposition, TK_DMARC_POLICY_QUARANTINE);
    tk_dmarc_authres_method(res, &m, comment);
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_OK);
    assert_string_equal(b.data, "mx.example.org; dmarc=fail (p=reject dis=quarantine) "
                                "header.from=example.com");
    tk_buf_reset(&b);
    run_case(case_named("DNS failure at the From domain: temperror"), res);
    tk_dmarc_authres_method(res, &m, comment);
    assert_int_equal(tk_authres_format("mx.example.org", &m, 1, &b, NULL), TK_OK);
    assert_string_equal(b.data, "mx.example.org; dmarc=temperror reason=\"temp-policy\" "
                                "header.from=example.com");
    tk_buf_free(&b);
    free(res);
}

/* Hostile records (any bytes after "v=DMARC1;") give a defined result,
 * never a crash, and never temperror (DNS itself answered). */
static void test_garbage_records(void **state)
{
    static const char alphabet[] = "v=DMARC1;psnt adkimrfuqj=yl!@.:,\x00\x01\xff";
    struct tk_dmarc_result *res = malloc(sizeof(*res));
    struct tk_dmarc_dkim dkim = {"mail.example.com", TK_AUTH_PASS};
    struct tk_dmarc_input in = {"a.b.example.com", "example.com", TK_AUTH_FAIL, &dkim, 1};
    unsigned long seed = 7489;
    char rec[200];
    int round;

    assert_non_null(res);
    memcpy(rec, "v=DMARC1;", 9);
    for (round = 0; round < 2000; round++) {
        size_t len = 9 + testutil_rand(&seed) % (sizeof(rec) - 9);
        struct tk_dmarc_options opt = {round % 2 ? TK_DMARC_ORG_TREE : TK_DMARC_ORG_PSL, NULL,
                                       NULL};
        struct tk_static_zone *z;
        struct tk_resolver *r;

        testutil_garbage(&seed, rec, 9, len, alphabet, sizeof(alphabet) - 1);
        assert_int_equal(tk_static_zone_new(&z), TK_OK);
        testutil_zone_add_txt_bytes(z, round % 3 ? "_dmarc.example.com" : "_dmarc.b.example.com",
                                    rec, len);
        assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
        assert_int_equal(tk_dmarc_eval(r, &in, &opt, res, NULL), TK_OK);
        assert_true(res->result == TK_AUTH_PASS || res->result == TK_AUTH_FAIL ||
                    res->result == TK_AUTH_NONE || res->result == TK_AUTH_PERMERROR);
        assert_true(res->result == TK_AUTH_FAIL || res->disposition == TK_DMARC_POLICY_NONE);
        assert_true(res->queries <= 2 * TK_DMARC_TREE_QUERIES_MAX + 3);
        tk_resolver_free(r);
        tk_static_zone_free(z);
    }
    free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_table),      cmocka_unit_test(test_org_domain_reported),
        cmocka_unit_test(test_tree_targets),    cmocka_unit_test(test_tree_walk_bound),
        cmocka_unit_test(test_concurrent),      cmocka_unit_test(test_bad_from),
        cmocka_unit_test(test_many_signatures), cmocka_unit_test(test_authres_clause),
        cmocka_unit_test(test_garbage_records),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
