/*
 * NAME
 *	dmarc_eval.c - DMARC evaluation as a small state machine over DNS
 * DESCRIPTION
 *	Three phases, each ended by DNS answers:
 *
 *	1. POLICY: the policy targets are asked one at a time, nearest
 *	   first, until one holds a DMARC record (public suffix list: the
 *	   From domain, then its organisational domain; tree walk: the
 *	   walk's names). A TEMP answer ends the evaluation in temperror.
 *	2. ALIGN: with the tree walk, the _dmarc names of the From
 *	   domain's walk and of each identity that needs a relaxed
 *	   comparison are asked at once (each name once: answers are kept
 *	   in a per-evaluation table); then every identity is judged.
 *	3. EXIST: only when the message fails, the record came from a
 *	   parent and np= would change the policy: A, AAAA and MX of the
 *	   From domain, at once.
 *
 *	The evaluation's state is one allocation, freed just before the
 *	caller's callback runs.
 * STANDARDS
 *	RFC 7489 3.1, 3.2, 6.6.2-6.6.4; RFC 9989 (tree walk, psd, np, t).
 * LIMITS
 *	DMARC_TABLE_MAX names per evaluation: the policy walk's names are
 *	the From walk's, so the From walk and one walk per identity
 *	(TK_DMARC_DKIM_MAX + 1) of TK_DMARC_TREE_QUERIES_MAX names each
 *	cover every name an evaluation can ask.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "auth/dmarc_eval.h"
#include "core/buf.h"
#include "core/domain.h"
#include "dns/rdata.h"
#include "record/orgdomain.h"

#define DMARC_TABLE_MAX (TK_DMARC_TREE_QUERIES_MAX * (TK_DMARC_DKIM_MAX + 2))
#define DMARC_QUERIES_MAX (DMARC_TABLE_MAX + 3)

/* What one _dmarc.<name> TXT question said. */
struct dmarc_entry {
    char name[TK_DOMAIN_MAX + 1];
    bool done;
    enum tk_status st; /* TK_OK (answered, records or not) or TK_TEMP */
    const char *why;   /* TK_TEMP: static text from the resolver, or ours */
    unsigned nrecords; /* DMARC records at the name */
    bool valid;        /* exactly one, and it parses */
    char psd;          /* its psd= ('y', 'n', 'u') */
};

enum dmarc_phase { PH_POLICY, PH_ALIGN, PH_EXIST };

struct dmarc_ctx;

struct dmarc_query {
    struct dmarc_ctx *ctx;
    size_t entry; /* TXT: index in the table */
    uint16_t qtype;
};

struct dmarc_ctx {
    struct tk_resolver *r;
    struct tk_dmarc_options opt;
    struct tk_dmarc_result *out;
    tk_dmarc_done_fn done;
    void *arg;
    enum dmarc_phase phase;
    size_t pending;
    /* POLICY */
    char targets[TK_DMARC_TREE_QUERIES_MAX][TK_DOMAIN_MAX + 1];
    size_t ntargets, next;
    bool multiple_seen;
    struct tk_buf first; /* the first DMARC record of the last answer */
    struct tk_dmarc_record scratch;
    /* every _dmarc name asked */
    struct dmarc_entry table[DMARC_TABLE_MAX];
    size_t ntable;
    struct dmarc_query q[DMARC_QUERIES_MAX];
    size_t nq;
    /* EXIST */
    unsigned exist_nx, exist_temp, exist_seen;
    bool from_org_temp;
};

static void dmarc_on_answer(void *arg, const struct tk_dns_answer *a);
static void exist_decide(struct dmarc_ctx *ctx);

/* ---- names ---- */

static const char *const org_method_names[] = {"psl", "tree"};
static const char *const source_names[] = {"none", "from", "parent"};
static const char *const tag_names[] = {"", "p", "sp", "np"};
static const char *const why_names[] = {
    "dkim-aligned-pass", "spf-aligned-pass", "no-aligned-pass",
    "no-record",         "multiple-records", "invalid-record",
    "temp-policy",       "temp-alignment",   "temp-existence",
};
static const char *const aligned_names[] = {"unjudged", "yes", "no", "temperror"};

#define NAME_OF(table, i) ((unsigned)(i) < sizeof(table) / sizeof(table[0]) ? table[i] : "?")

const char *tk_dmarc_org_method_name(enum tk_dmarc_org_method m)
{
    return NAME_OF(org_method_names, m);
}

const char *tk_dmarc_source_name(enum tk_dmarc_source s)
{
    return NAME_OF(source_names, s);
}

const char *tk_dmarc_tag_name(enum tk_dmarc_policy_tag t)
{
    return NAME_OF(tag_names, t);
}

const char *tk_dmarc_why_name(enum tk_dmarc_why w)
{
    return NAME_OF(why_names, w);
}

const char *tk_dmarc_aligned_name(enum tk_dmarc_aligned a)
{
    return NAME_OF(aligned_names, a);
}

/* ---- the tree walk's names ---- */

static size_t label_count(const char *name)
{
    size_t n = 1;

    for (; *name; name++)
        n += *name == '.';
    return n;
}

/* last_labels returns the suffix of name made of its last k labels. */
static const char *last_labels(const char *name, size_t k)
{
    size_t n = label_count(name);
    const char *p = name;

    while (n > k && (p = strchr(p, '.')) != NULL) {
        p++;
        n--;
    }
    return p ? p : name;
}

size_t tk_dmarc_tree_targets(const char *domain, char (*out)[TK_DOMAIN_MAX + 1])
{
    size_t cur = label_count(domain), n = 0;

    snprintf(out[n++], TK_DOMAIN_MAX + 1, "%s", domain);
    while (cur > 1 && n < TK_DMARC_TREE_QUERIES_MAX) {
        /* RFC 9989: 8 labels or more jump to the last 7, else one off */
        cur = cur >= 8 ? 7 : cur - 1;
        snprintf(out[n++], TK_DOMAIN_MAX + 1, "%s", last_labels(domain, cur));
    }
    return n;
}

/* ---- the table of _dmarc answers ---- */

static struct dmarc_entry *table_find(struct dmarc_ctx *ctx, const char *name)
{
    size_t i;

    for (i = 0; i < ctx->ntable; i++)
        if (strcmp(ctx->table[i].name, name) == 0)
            return &ctx->table[i];
    return NULL;
}

/* dmarc_submit asks one question; a question that cannot be submitted
 * is answered TEMP at once by the caller (false). */
static bool dmarc_submit(struct dmarc_ctx *ctx, const char *qname, uint16_t qtype, size_t entry)
{
    struct dmarc_query *q;

    if (ctx->nq >= DMARC_QUERIES_MAX)
        return false;
    q = &ctx->q[ctx->nq];
    q->ctx = ctx;
    q->entry = entry;
    q->qtype = qtype;
    if (tk_resolver_query(ctx->r, qname, qtype, dmarc_on_answer, q) != TK_OK)
        return false;
    ctx->nq++;
    ctx->pending++;
    ctx->out->queries++;
    return true;
}

/* ask_txt asks _dmarc.<name> unless it was asked before. Returns true
 * when a question is now pending for it. */
static bool ask_txt(struct dmarc_ctx *ctx, const char *name)
{
    char qname[TK_DOMAIN_MAX + 1];
    struct dmarc_entry *e;

    if (table_find(ctx, name) != NULL)
        return false;
    if (ctx->ntable >= DMARC_TABLE_MAX)
        return false; /* cannot happen: see LIMITS */
    e = &ctx->table[ctx->ntable];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    ctx->ntable++;
    if (tk_domain_join("_dmarc", name, qname) == TK_OK &&
        dmarc_submit(ctx, qname, TK_DNS_TXT, ctx->ntable - 1))
        return true;
    e->done = true;
    e->st = TK_TEMP;
    e->why = "the question could not be sent";
    return false;
}

/* entry_fill summarises a TXT answer: DMARC records counted, the first
 * kept in ctx->first and parsed for its psd=. */
static void entry_fill(struct dmarc_ctx *ctx, struct dmarc_entry *e, const struct tk_dns_answer *a)
{
    struct tk_buf txt = {0};
    size_t i;

    e->done = true;
    e->st = a->status == TK_TEMP ? TK_TEMP : TK_OK;
    e->why = a->why ? a->why : "no answer";
    tk_buf_reset(&ctx->first);
    for (i = 0; a->status == TK_OK && i < a->count; i++) {
        tk_buf_reset(&txt);
        if (tk_rdata_txt(&a->rdata[i], &txt) != TK_OK || !tk_dmarc_is_record(txt.data, txt.len))
            continue;
        if (e->nrecords++ == 0 && tk_buf_append(&ctx->first, txt.data, txt.len) != TK_OK) {
            e->st = TK_TEMP;
            e->why = "out of memory";
        }
    }
    tk_buf_free(&txt);
    if (e->st == TK_OK && e->nrecords == 1 &&
        tk_dmarc_record_parse(ctx->first.data, ctx->first.len, &ctx->scratch, NULL) == TK_OK) {
        e->valid = true;
        e->psd = ctx->scratch.psd;
    }
}

/* ---- the end ---- */

__attribute__((format(printf, 4, 5))) static void dmarc_finish(struct dmarc_ctx *ctx,
                                                               enum tk_auth_result result,
                                                               enum tk_dmarc_why why,
                                                               const char *fmt, ...)
{
    struct tk_dmarc_result *out = ctx->out;
    tk_dmarc_done_fn done = ctx->done;
    void *arg = ctx->arg;
    va_list ap;

    out->result = result;
    out->why = why;
    va_start(ap, fmt);
    vsnprintf(out->why_text, sizeof(out->why_text), fmt, ap);
    va_end(ap);
    if (result != TK_AUTH_FAIL)
        out->disposition = TK_DMARC_POLICY_NONE;
    tk_buf_free(&ctx->first);
    free(ctx);
    done(arg, out);
}

/* ---- organisational domains ---- */

/* tree_org applies RFC 9989's rules to the answers of name's walk:
 * the first record (nearest first) with psd=n is the organisational
 * domain; a record with psd=y above name makes the name one label
 * below it the organisational domain; else the record with the fewest
 * labels; else name itself. TK_TEMP when an answer that could decide
 * is missing. */
static enum tk_status tree_org(struct dmarc_ctx *ctx, const char *name, char org[TK_DOMAIN_MAX + 1])
{
    char t[TK_DMARC_TREE_QUERIES_MAX][TK_DOMAIN_MAX + 1];
    size_t n = tk_dmarc_tree_targets(name, t), i;
    const char *candidate = name;

    for (i = 0; i < n; i++) {
        const struct dmarc_entry *e = table_find(ctx, t[i]);

        if (e == NULL || !e->done || e->st == TK_TEMP)
            return TK_TEMP;
        if (!e->valid)
            continue;
        if (e->psd == 'n') {
            candidate = t[i];
            break;
        }
        if (e->psd == 'y' && i > 0) {
            candidate = last_labels(name, label_count(t[i]) + 1);
            break;
        }
        candidate = t[i];
    }
    snprintf(org, TK_DOMAIN_MAX + 1, "%s", candidate);
    return TK_OK;
}

static bool same_last_label(const char *a, const char *b)
{
    return strcmp(last_labels(a, 1), last_labels(b, 1)) == 0;
}

/* identity_needs_walk: relaxed, a name, not the From domain itself, and
 * a chance of sharing its organisational domain. */
static bool identity_needs_walk(const struct dmarc_ctx *ctx, const struct tk_dmarc_identity *id)
{
    return id->mode == TK_DMARC_ALIGN_RELAXED && id->domain[0] != '\0' &&
           strcmp(id->domain, ctx->out->from_domain) != 0 &&
           same_last_label(id->domain, ctx->out->from_domain);
}

static void identity_judge(struct dmarc_ctx *ctx, struct tk_dmarc_identity *id)
{
    const struct tk_dmarc_result *out = ctx->out;
    enum tk_status st = TK_OK;

    if (id->domain[0] == '\0')
        return; /* UNJUDGED: no identity */
    if (strcmp(id->domain, out->from_domain) == 0) {
        id->aligned = TK_DMARC_ALIGNED_YES;
        return;
    }
    if (id->mode == TK_DMARC_ALIGN_STRICT) {
        id->aligned = TK_DMARC_ALIGNED_NO;
        return;
    }
    if (!same_last_label(id->domain, out->from_domain)) {
        /* an organisational domain is a suffix of its name: two names
         * with no label in common at the end cannot share one, whatever
         * DNS says */
        id->aligned = TK_DMARC_ALIGNED_NO;
        return;
    }
    if (ctx->opt.org_method == TK_DMARC_ORG_PSL)
        st = tk_org_domain(id->domain, id->org_domain);
    else
        st = tree_org(ctx, id->domain, id->org_domain);
    if (st != TK_OK || ctx->from_org_temp)
        id->aligned = TK_DMARC_ALIGNED_TEMP;
    else
        id->aligned = strcmp(id->org_domain, out->org_domain) == 0 ? TK_DMARC_ALIGNED_YES
                                                                   : TK_DMARC_ALIGNED_NO;
}

/* ---- policy ---- */

static enum tk_dmarc_policy policy_lower(enum tk_dmarc_policy p)
{
    if (p == TK_DMARC_POLICY_REJECT)
        return TK_DMARC_POLICY_QUARANTINE;
    return p == TK_DMARC_POLICY_UNSET ? p : TK_DMARC_POLICY_NONE;
}

/* policy_pick sets the published policy that applies and its tag:
 * RFC 7489 6.6.2 / RFC 9989 (np for a From domain that does not
 * exist, falling back to sp, then p). */
static void policy_pick(struct tk_dmarc_result *out)
{
    const struct tk_dmarc_record *rec = &out->record;

    out->policy = rec->p;
    out->tag = TK_DMARC_TAG_P;
    if (out->source != TK_DMARC_SOURCE_PARENT)
        return;
    if (out->from_nonexistent && rec->np != TK_DMARC_POLICY_UNSET) {
        out->policy = rec->np;
        out->tag = TK_DMARC_TAG_NP;
    } else if (rec->sp != TK_DMARC_POLICY_UNSET) {
        out->policy = rec->sp;
        out->tag = TK_DMARC_TAG_SP;
    }
}

static unsigned dmarc_draw(const struct tk_dmarc_options *opt)
{
    unsigned v = 0;

    if (opt->draw)
        return opt->draw(opt->draw_arg) % 100;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (unsigned)rand();
    return v % 100;
}

/* policy_apply ends a failed evaluation: the policy, then pct
 * (RFC 7489 6.6.4: a message not selected gets the next policy down)
 * and t=y (RFC 9989: one step down). */
static void policy_apply(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;
    int pct = out->record.pct;

    policy_pick(out);
    out->disposition = out->policy;
    if (out->policy != TK_DMARC_POLICY_NONE && pct < 100 &&
        (pct <= 0 || (int)dmarc_draw(&ctx->opt) >= pct)) {
        out->sampled_out = true;
        out->disposition = policy_lower(out->disposition);
    }
    if (out->record.testing && out->policy != TK_DMARC_POLICY_NONE) {
        out->testing = true;
        out->disposition = policy_lower(out->disposition);
    }
    dmarc_finish(ctx, TK_AUTH_FAIL, TK_DMARC_WHY_FAIL,
                 "no identity that passed is aligned with %s: %s=%s applies%s%s", out->from_domain,
                 tk_dmarc_tag_name(out->tag), tk_dmarc_policy_name(out->policy),
                 out->sampled_out ? ", lowered by pct" : "",
                 out->testing ? ", lowered by t=y" : "");
}

/* np_matters: asking whether the From domain exists can change the
 * policy only when np= is written and differs from what applies else. */
static bool np_matters(const struct tk_dmarc_result *out)
{
    const struct tk_dmarc_record *rec = &out->record;
    enum tk_dmarc_policy other = rec->sp != TK_DMARC_POLICY_UNSET ? rec->sp : rec->p;

    return out->source == TK_DMARC_SOURCE_PARENT && rec->np != TK_DMARC_POLICY_UNSET &&
           rec->np != other;
}

static void exist_start(struct dmarc_ctx *ctx)
{
    static const uint16_t types[] = {TK_DNS_A, TK_DNS_AAAA, TK_DNS_MX};
    size_t i;

    ctx->phase = PH_EXIST;
    ctx->out->existence_checked = true;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!dmarc_submit(ctx, ctx->out->from_domain, types[i], 0)) {
            ctx->exist_temp++;
            ctx->exist_seen++;
        }
    if (ctx->pending == 0)
        exist_decide(ctx); /* no question could be sent */
}

static void exist_decide(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;

    if (ctx->exist_nx == 3) {
        out->from_nonexistent = true;
    } else if (ctx->exist_temp > 0 && ctx->exist_nx + ctx->exist_temp == 3) {
        dmarc_finish(ctx, TK_AUTH_TEMPERROR, TK_DMARC_WHY_TEMP_EXISTENCE,
                     "whether %s exists (it decides between np= and sp=) could not be learnt: "
                     "try again later",
                     out->from_domain);
        return;
    }
    policy_apply(ctx);
}

/* decide ends the ALIGN phase: pass, temperror, or on to the policy. */
static void decide(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;
    bool temp = false;
    size_t i;

    for (i = 0; i < out->ndkim; i++) {
        if (out->dkim[i].result != TK_AUTH_PASS)
            continue;
        if (out->dkim[i].aligned == TK_DMARC_ALIGNED_YES) {
            policy_pick(out);
            dmarc_finish(ctx, TK_AUTH_PASS, TK_DMARC_WHY_PASS_DKIM,
                         "DKIM passed for d=%s, aligned with %s", out->dkim[i].domain,
                         out->from_domain);
            return;
        }
        temp |= out->dkim[i].aligned == TK_DMARC_ALIGNED_TEMP;
    }
    if (out->spf.result == TK_AUTH_PASS && out->spf.aligned == TK_DMARC_ALIGNED_YES) {
        policy_pick(out);
        dmarc_finish(ctx, TK_AUTH_PASS, TK_DMARC_WHY_PASS_SPF, "SPF passed for %s, aligned with %s",
                     out->spf.domain, out->from_domain);
        return;
    }
    temp |= out->spf.result == TK_AUTH_PASS && out->spf.aligned == TK_DMARC_ALIGNED_TEMP;
    if (temp) {
        dmarc_finish(ctx, TK_AUTH_TEMPERROR, TK_DMARC_WHY_TEMP_ALIGNMENT,
                     "the organisational domain of a passing identity could not be learnt "
                     "(DNS): try again later");
        return;
    }
    if (np_matters(out))
        exist_start(ctx);
    else
        policy_apply(ctx);
}

static void align_done(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;
    size_t i;

    if (ctx->opt.org_method == TK_DMARC_ORG_TREE &&
        tree_org(ctx, out->from_domain, out->org_domain) != TK_OK) {
        ctx->from_org_temp = true;
        out->org_domain[0] = '\0';
    }
    identity_judge(ctx, &out->spf);
    for (i = 0; i < out->ndkim; i++)
        identity_judge(ctx, &out->dkim[i]);
    decide(ctx);
}

/* align_start asks, for the tree walk, every _dmarc name the relaxed
 * comparisons need (the From domain's walk is always asked, so the
 * result can name its organisational domain). */
static void align_start(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;
    char t[TK_DMARC_TREE_QUERIES_MAX][TK_DOMAIN_MAX + 1];
    size_t i, j, n;

    ctx->phase = PH_ALIGN;
    out->spf.mode = out->record.aspf;
    for (i = 0; i < out->ndkim; i++)
        out->dkim[i].mode = out->record.adkim;
    if (ctx->opt.org_method == TK_DMARC_ORG_PSL) {
        align_done(ctx);
        return;
    }
    n = tk_dmarc_tree_targets(out->from_domain, t);
    for (j = 0; j < n; j++)
        ask_txt(ctx, t[j]);
    for (i = 0; i <= out->ndkim; i++) {
        const struct tk_dmarc_identity *id = i < out->ndkim ? &out->dkim[i] : &out->spf;

        if (!identity_needs_walk(ctx, id))
            continue;
        n = tk_dmarc_tree_targets(id->domain, t);
        for (j = 0; j < n; j++)
            ask_txt(ctx, t[j]);
    }
    if (ctx->pending == 0)
        align_done(ctx);
}

/* ---- POLICY ---- */

static void policy_adopt(struct dmarc_ctx *ctx, const struct dmarc_entry *e)
{
    struct tk_dmarc_result *out = ctx->out;
    struct tk_error err = {0};
    size_t n = ctx->first.len < TK_TXT_RECORD_MAX ? ctx->first.len : TK_TXT_RECORD_MAX;

    memcpy(out->record_text, ctx->first.data, n);
    out->record_text[n] = '\0';
    snprintf(out->policy_domain, sizeof(out->policy_domain), "%s", e->name);
    out->source =
        strcmp(e->name, out->from_domain) == 0 ? TK_DMARC_SOURCE_FROM : TK_DMARC_SOURCE_PARENT;
    if (tk_dmarc_record_parse(ctx->first.data, ctx->first.len, &out->record, &err) != TK_OK) {
        dmarc_finish(ctx, TK_AUTH_PERMERROR, TK_DMARC_WHY_INVALID_RECORD,
                     "the DMARC record at _dmarc.%s cannot be used: %s", e->name, err.msg);
        return;
    }
    align_start(ctx);
}

static void policy_next(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;

    if (++ctx->next < ctx->ntargets) {
        if (!ask_txt(ctx, ctx->targets[ctx->next]))
            dmarc_finish(ctx, TK_AUTH_TEMPERROR, TK_DMARC_WHY_TEMP_POLICY,
                         "the question for _dmarc.%s could not be sent: try again later",
                         ctx->targets[ctx->next]);
        return;
    }
    if (ctx->multiple_seen)
        dmarc_finish(ctx, TK_AUTH_NONE, TK_DMARC_WHY_MULTIPLE_RECORDS,
                     "more than one DMARC record at a name of %s's walk, and no single one "
                     "elsewhere: no policy applies",
                     out->from_domain);
    else
        dmarc_finish(ctx, TK_AUTH_NONE, TK_DMARC_WHY_NO_RECORD,
                     "no DMARC record for %s (%s): no policy applies", out->from_domain,
                     ctx->opt.org_method == TK_DMARC_ORG_PSL ? "its own or its organisational "
                                                               "domain's"
                                                             : "DNS tree walk");
}

static void policy_answer(struct dmarc_ctx *ctx, const struct dmarc_entry *e)
{
    if (e->st == TK_TEMP) {
        dmarc_finish(ctx, TK_AUTH_TEMPERROR, TK_DMARC_WHY_TEMP_POLICY,
                     "the DMARC record at _dmarc.%s could not be fetched (%s): try again later",
                     e->name, e->why);
        return;
    }
    if (e->nrecords == 1) {
        policy_adopt(ctx, e);
        return;
    }
    if (e->nrecords > 1 && ctx->opt.org_method == TK_DMARC_ORG_PSL) {
        dmarc_finish(ctx, TK_AUTH_NONE, TK_DMARC_WHY_MULTIPLE_RECORDS,
                     "%u DMARC records at _dmarc.%s: RFC 7489 6.6.3 applies no policy", e->nrecords,
                     e->name);
        return;
    }
    ctx->multiple_seen |= e->nrecords > 1;
    policy_next(ctx);
}

/* ---- answers ---- */

static void exist_answer(struct dmarc_ctx *ctx, const struct tk_dns_answer *a)
{
    ctx->exist_seen++;
    if (a->status == TK_TEMP)
        ctx->exist_temp++;
    else if (a->status == TK_ABSENT && a->nxdomain)
        ctx->exist_nx++;
    if (ctx->pending == 0)
        exist_decide(ctx);
}

static void dmarc_on_answer(void *arg, const struct tk_dns_answer *a)
{
    struct dmarc_query *q = arg;
    struct dmarc_ctx *ctx = q->ctx;

    ctx->pending--;
    if (q->qtype != TK_DNS_TXT) {
        exist_answer(ctx, a);
        return;
    }
    entry_fill(ctx, &ctx->table[q->entry], a);
    if (ctx->phase == PH_POLICY)
        policy_answer(ctx, &ctx->table[q->entry]);
    else if (ctx->pending == 0)
        align_done(ctx);
}

/* ---- starting ---- */

static void identity_set(struct tk_dmarc_identity *id, const char *domain,
                         enum tk_auth_result result)
{
    memset(id, 0, sizeof(*id));
    id->result = result;
    if (domain && domain[0] &&
        tk_domain_normalise(domain, strlen(domain), id->domain, NULL) != TK_OK)
        id->domain[0] = '\0';
}

/* identities_copy keeps at most TK_DMARC_DKIM_MAX DKIM results,
 * passing ones first, so extra bogus signatures cannot push out the
 * one that passes. */
static void identities_copy(struct tk_dmarc_result *out, const struct tk_dmarc_input *in)
{
    size_t i, round;

    identity_set(&out->spf, in->spf_domain, in->spf_result);
    for (round = 0; round < 2; round++) {
        bool want_pass = round == 0;

        for (i = 0; i < in->ndkim && out->ndkim < TK_DMARC_DKIM_MAX; i++)
            if ((in->dkim[i].result == TK_AUTH_PASS) == want_pass)
                identity_set(&out->dkim[out->ndkim++], in->dkim[i].domain, in->dkim[i].result);
    }
}

static void policy_targets(struct dmarc_ctx *ctx)
{
    struct tk_dmarc_result *out = ctx->out;

    if (ctx->opt.org_method == TK_DMARC_ORG_TREE) {
        ctx->ntargets = tk_dmarc_tree_targets(out->from_domain, ctx->targets);
        return;
    }
    snprintf(ctx->targets[0], TK_DOMAIN_MAX + 1, "%s", out->from_domain);
    ctx->ntargets = 1;
    if (strcmp(out->org_domain, out->from_domain) != 0)
        snprintf(ctx->targets[ctx->ntargets++], TK_DOMAIN_MAX + 1, "%s", out->org_domain);
}

enum tk_status tk_dmarc_eval_start(struct tk_resolver *r, const struct tk_dmarc_input *in,
                                   const struct tk_dmarc_options *opt, struct tk_dmarc_result *out,
                                   tk_dmarc_done_fn done, void *arg, struct tk_error *err)
{
    struct dmarc_ctx *ctx;
    struct tk_error derr = {0};

    memset(out, 0, sizeof(*out));
    if (in->from_domain == NULL || tk_domain_normalise(in->from_domain, strlen(in->from_domain),
                                                       out->from_domain, &derr) != TK_OK)
        return tk_error_set(err, TK_USAGE, "DMARC: the From domain is not a domain name: %s",
                            derr.msg[0] ? derr.msg : "none given");
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return tk_error_set(err, TK_NOMEM, "DMARC: out of memory");
    ctx->r = r;
    ctx->opt = opt ? *opt : (struct tk_dmarc_options){0};
    ctx->out = out;
    ctx->done = done;
    ctx->arg = arg;
    out->org_method = ctx->opt.org_method;
    if (ctx->opt.org_method == TK_DMARC_ORG_PSL &&
        tk_org_domain(out->from_domain, out->org_domain) != TK_OK) {
        free(ctx);
        return tk_error_set(err, TK_NOMEM, "DMARC: the public suffix list could not be read");
    }
    identities_copy(out, in);
    policy_targets(ctx);
    if (!ask_txt(ctx, ctx->targets[0])) {
        free(ctx);
        return tk_error_set(err, TK_TEMP, "DMARC: the question for _dmarc.%s could not be sent",
                            out->from_domain);
    }
    return TK_OK;
}

static void sync_done(void *arg, struct tk_dmarc_result *res)
{
    *(bool *)arg = true;
}

enum tk_status tk_dmarc_eval(struct tk_resolver *r, const struct tk_dmarc_input *in,
                             const struct tk_dmarc_options *opt, struct tk_dmarc_result *out,
                             struct tk_error *err)
{
    bool finished = false;
    enum tk_status st = tk_dmarc_eval_start(r, in, opt, out, sync_done, &finished, err);

    while (st == TK_OK && !finished) {
        if (tk_resolver_pending(r) == 0)
            return tk_error_set(err, TK_IO, "DMARC: the evaluation stopped without an answer");
        st = tk_resolver_wait(r, 1000, err);
    }
    return st;
}

/* ---- Authentication-Results ---- */

void tk_dmarc_authres_method(const struct tk_dmarc_result *res, struct tk_authres_method *m,
                             char comment[64])
{
    memset(m, 0, sizeof(*m));
    m->method = "dmarc";
    m->result = res->result;
    comment[0] = '\0';
    if (res->policy != TK_DMARC_POLICY_UNSET) {
        snprintf(comment, 64, "p=%s dis=%s", tk_dmarc_policy_name(res->policy),
                 tk_dmarc_policy_name(res->disposition));
        m->comment = comment;
    }
    if (res->result != TK_AUTH_PASS && res->result != TK_AUTH_FAIL)
        m->reason = tk_dmarc_why_name(res->why);
    m->nprops = 1;
    m->props[0] = (struct tk_authres_prop){"header", "from", res->from_domain};
}
