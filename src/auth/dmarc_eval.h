/*
 * NAME
 *	dmarc_eval.h - DMARC evaluation of one message (RFC 7489, RFC 9989)
 * DESCRIPTION
 *	Given the RFC5322.From domain (auth/from.h) and what SPF and DKIM
 *	concluded (the domain SPF checked with its result, each DKIM
 *	signature's d= with its result), find the From domain's DMARC
 *	policy in DNS, judge alignment, and say what the policy asks:
 *
 *	- policy discovery: _dmarc.<from>, then the organisational
 *	  domain's record. The organisational domain comes either from the
 *	  public suffix list (RFC 7489 3.2, record/orgdomain.h) or from
 *	  RFC 9989's DNS tree walk (_dmarc records up the tree from the
 *	  name, at most 8 questions: a name of more than 8 labels jumps to
 *	  its last 7; psd=n marks an organisational domain, psd=y a public
 *	  suffix domain). The result says which method applied and where
 *	  the record was found.
 *	- alignment: strict (the same name) or relaxed (the same
 *	  organisational domain, by the chosen method), per aspf/adkim.
 *	  DMARC passes when an aligned identity passed; any other SPF or
 *	  DKIM result (temperror included) counts as not passing, as RFC
 *	  7489 4.2 reads.
 *	- policy: p for the From domain's own record; sp when the record
 *	  came from a parent and the From domain is below it; np (RFC 9989)
 *	  when the From domain does not exist (NXDOMAIN for A, AAAA and MX,
 *	  asked only when np would change the outcome), falling back to sp,
 *	  then p. pct (RFC 7489 6.6.4) samples with a caller-supplied
 *	  source, and t=y (RFC 9989) tests: each, when it applies, lowers
 *	  the disposition one step (reject to quarantine, quarantine to
 *	  none).
 *
 *	Outcomes: pass; fail (with the policy and the disposition to
 *	apply); none (no record, or more than one at a name: RFC 7489
 *	6.6.3); permerror (a record that starts v=DMARC1 but is invalid);
 *	temperror (a DNS failure while learning the policy, an alignment
 *	that decides, or whether the From domain exists): the caller defers
 *	("try again"), never treats it as "no policy".
 *
 *	Two records at one name: with the public suffix list this ends
 *	discovery with none (RFC 7489 6.6.3 step 5); in the tree walk they
 *	are discarded and the walk goes on (RFC 9989).
 *
 *	Evaluation is asynchronous over a tk_resolver so a mail filter can
 *	run many at once on one thread: tk_dmarc_eval_start asks the first
 *	question and returns; the callback runs from tk_resolver_wait when
 *	the evaluation is complete. tk_dmarc_eval is the synchronous form.
 * STANDARDS
 *	RFC 7489 3.1 (alignment), 3.2 (organisational domain), 6.3 (tags),
 *	6.6.2-6.6.4 (evaluation, discovery, pct); RFC 9989 (DMARCbis: DNS
 *	tree walk, psd, np, t); RFC 9091 (PSD DMARC).
 * LIMITS
 *	TK_DMARC_DKIM_MAX DKIM identities (passing ones first),
 *	TK_DMARC_TREE_QUERIES_MAX names per tree walk; every name is asked
 *	once per evaluation (answers are shared between walks).
 * SECURITY
 *	Every DNS answer is attacker-controlled: records are decoded with
 *	dns/rdata.h and parsed with record/dmarc.h; the number of questions
 *	is bounded by the limits above, not by anything in an answer.
 */
#ifndef TIAKI_AUTH_DMARC_EVAL_H
#define TIAKI_AUTH_DMARC_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/authres.h"
#include "auth/result.h"
#include "core/error.h"
#include "core/limits.h"
#include "dns/resolver.h"
#include "record/dmarc.h"

enum tk_dmarc_org_method {
    TK_DMARC_ORG_PSL = 0, /* public suffix list (RFC 7489 3.2) */
    TK_DMARC_ORG_TREE,    /* DNS tree walk (RFC 9989) */
};

/* One DKIM result: the signature's d= and what verifying it gave. */
struct tk_dmarc_dkim {
    const char *domain;
    enum tk_auth_result result;
};

struct tk_dmarc_input {
    const char *from_domain; /* normalised, as tk_from_domain gives it */
    /* The domain SPF authenticated: MAIL FROM's, or HELO's when MAIL
     * FROM was empty (RFC 7489 3.1.2); NULL or "" when SPF gave none. */
    const char *spf_domain;
    enum tk_auth_result spf_result;
    const struct tk_dmarc_dkim *dkim;
    size_t ndkim;
};

/* pct sampling: a draw in 0..99 (other values are taken modulo 100);
 * the message is selected for the policy when draw < pct. Called only
 * when 0 < pct < 100. */
typedef unsigned (*tk_dmarc_draw_fn)(void *arg);

struct tk_dmarc_options {
    enum tk_dmarc_org_method org_method;
    tk_dmarc_draw_fn draw; /* NULL: the system's random source */
    void *draw_arg;
};

/* Where the policy record came from. */
enum tk_dmarc_source {
    TK_DMARC_SOURCE_NONE = 0, /* no record applied */
    TK_DMARC_SOURCE_FROM,     /* the From domain's own record */
    TK_DMARC_SOURCE_PARENT,   /* the organisational domain's (or, in the tree
                                 walk, another parent's) */
};

/* Which tag chose the policy. */
enum tk_dmarc_policy_tag {
    TK_DMARC_TAG_NONE = 0,
    TK_DMARC_TAG_P,
    TK_DMARC_TAG_SP,
    TK_DMARC_TAG_NP,
};

/* Why the result is what it is: the branch taken. */
enum tk_dmarc_why {
    TK_DMARC_WHY_PASS_DKIM = 0,    /* an aligned DKIM pass */
    TK_DMARC_WHY_PASS_SPF,         /* an aligned SPF pass (and no aligned DKIM pass) */
    TK_DMARC_WHY_FAIL,             /* no aligned pass */
    TK_DMARC_WHY_NO_RECORD,        /* none: no DMARC record found */
    TK_DMARC_WHY_MULTIPLE_RECORDS, /* none: more than one record at a name */
    TK_DMARC_WHY_INVALID_RECORD,   /* permerror: the record cannot be used */
    TK_DMARC_WHY_TEMP_POLICY,      /* temperror: the policy could not be fetched */
    TK_DMARC_WHY_TEMP_ALIGNMENT,   /* temperror: a passing identity's alignment */
    TK_DMARC_WHY_TEMP_EXISTENCE,   /* temperror: whether the From domain exists */
};

enum tk_dmarc_aligned {
    TK_DMARC_ALIGNED_UNJUDGED = 0, /* not judged (no policy, or no domain) */
    TK_DMARC_ALIGNED_YES,
    TK_DMARC_ALIGNED_NO,
    TK_DMARC_ALIGNED_TEMP, /* the organisational domain could not be learnt */
};

/* One authenticated identity and its alignment with the From domain. */
struct tk_dmarc_identity {
    char domain[TK_DOMAIN_MAX + 1]; /* normalised; "" when none or invalid */
    enum tk_auth_result result;
    enum tk_dmarc_align mode;           /* the record's aspf or adkim */
    char org_domain[TK_DOMAIN_MAX + 1]; /* relaxed, learnt: its organisational domain */
    enum tk_dmarc_aligned aligned;
};

/* What an evaluation concluded. Some 30 KB: allocate it. */
struct tk_dmarc_result {
    enum tk_auth_result result; /* pass, fail, none, temperror, permerror */
    enum tk_dmarc_why why;
    char why_text[TK_ERROR_MSG_MAX]; /* a sentence for a person or a log */
    char from_domain[TK_DOMAIN_MAX + 1];
    enum tk_dmarc_org_method org_method;
    char org_domain[TK_DOMAIN_MAX + 1]; /* the From domain's; "" when not learnt */
    enum tk_dmarc_source source;
    char policy_domain[TK_DOMAIN_MAX + 1]; /* where the record is (without _dmarc.) */
    char record_text[TK_TXT_RECORD_MAX + 1];
    struct tk_dmarc_record record;    /* source != NONE and result != permerror */
    enum tk_dmarc_policy policy;      /* the published policy that applies; UNSET with none */
    enum tk_dmarc_policy_tag tag;     /* which tag gave it */
    bool existence_checked;           /* A, AAAA and MX of the From domain were asked */
    bool from_nonexistent;            /* and all three said NXDOMAIN */
    bool sampled_out;                 /* pct: the message was not selected */
    bool testing;                     /* t=y lowered the disposition */
    enum tk_dmarc_policy disposition; /* what to do: NONE unless result is fail */
    struct tk_dmarc_identity spf;
    size_t ndkim;
    struct tk_dmarc_identity dkim[TK_DMARC_DKIM_MAX];
    unsigned long queries; /* DNS questions this evaluation asked */
};

/* Called once when an evaluation is complete, from tk_resolver_wait;
 * res is the caller's out, filled. */
typedef void (*tk_dmarc_done_fn)(void *arg, struct tk_dmarc_result *res);

/* tk_dmarc_eval_start begins evaluating in over r. in is copied (its
 * strings need not outlive the call); out must live until done runs.
 * Returns TK_OK, and done runs later from tk_resolver_wait (never from
 * inside this call); or, with done never run: TK_USAGE when
 * in->from_domain is not a valid domain name, TK_NOMEM, or TK_TEMP when
 * the first question could not be submitted. The resolver must not be
 * freed while an evaluation is running (tk_resolver_free drops the
 * callbacks, and the evaluation's memory with them). */
enum tk_status tk_dmarc_eval_start(struct tk_resolver *r, const struct tk_dmarc_input *in,
                                   const struct tk_dmarc_options *opt, struct tk_dmarc_result *out,
                                   tk_dmarc_done_fn done, void *arg, struct tk_error *err);

/* tk_dmarc_eval evaluates in and waits for the answer (draining r).
 * Returns TK_OK with out filled (out->result says pass, fail, none,
 * temperror or permerror), or as tk_dmarc_eval_start, or TK_IO when
 * the resolver failed (the evaluation is then abandoned: free the
 * resolver before out goes away, so no late callback can reach it). */
enum tk_status tk_dmarc_eval(struct tk_resolver *r, const struct tk_dmarc_input *in,
                             const struct tk_dmarc_options *opt, struct tk_dmarc_result *out,
                             struct tk_error *err);

/* tk_dmarc_authres_method fills m with the "dmarc" clause of an
 * Authentication-Results field for res: the result, the comment
 * "p=<policy> dis=<disposition>" (written into comment, which must
 * outlive m), reason= for none/temperror/permerror, and header.from. */
void tk_dmarc_authres_method(const struct tk_dmarc_result *res, struct tk_authres_method *m,
                             char comment[64]);

/* Fixed names for output: "psl"/"tree"; "none"/"from"/"parent";
 * ""/"p"/"sp"/"np"; "dkim-aligned-pass", "spf-aligned-pass",
 * "no-aligned-pass", "no-record", "multiple-records", "invalid-record",
 * "temp-policy", "temp-alignment", "temp-existence"; "unjudged",
 * "yes", "no", "temperror". */
const char *tk_dmarc_org_method_name(enum tk_dmarc_org_method m);
const char *tk_dmarc_source_name(enum tk_dmarc_source s);
const char *tk_dmarc_tag_name(enum tk_dmarc_policy_tag t);
const char *tk_dmarc_why_name(enum tk_dmarc_why w);
const char *tk_dmarc_aligned_name(enum tk_dmarc_aligned a);

/* tk_dmarc_tree_targets writes the names RFC 9989's tree walk asks
 * about for domain (normalised), nearest first, and returns how many
 * (out has room for TK_DMARC_TREE_QUERIES_MAX): the name itself, then, while
 * more than one label is left, the name cut to its last 7 labels when
 * it has 8 or more, else one label shorter. */
size_t tk_dmarc_tree_targets(const char *domain, char (*out)[TK_DOMAIN_MAX + 1]);

#endif
