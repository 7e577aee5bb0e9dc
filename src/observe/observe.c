/*
 * NAME
 *	observe.c - gather what DNS publishes for one domain, asynchronously
 * DESCRIPTION
 *	Phase one asks the questions every domain needs. When they are all
 *	answered, phase two decides the profile and asks what follows from
 *	the answers; SPF include/redirect targets and DMARC fall-backs ask
 *	further questions from their own callbacks. The observation is done
 *	when nothing is pending.
 * STANDARDS
 *	RFC 7208 4.6.4 (look-up limits), RFC 7489 6.6.3 (policy discovery)
 *	and 7.1 (external destinations), RFC 7505 (null MX), RFC 8460 3,
 *	RFC 8461 3.1, RFC 6376 3.6.2.
 * SECURITY
 *	Every name asked is built with tk_domain_join or normalised first;
 *	every count of questions is bounded (observe.h LIMITS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "core/text.h"
#include "dns/rdata.h"
#include "observe/observe.h"
#include "record/dmarc.h"
#include "record/orgdomain.h"
#include "record/spf.h"
#include "record/mtasts.h"
#include "record/tlsrpt.h"

const char *const tk_common_dkim_selectors[] = {
    "selector1", "selector2", "google", "default", "k1", "s1", "s2", "dkim", "mail", NULL,
};

enum obs_kind {
    OBS_PLAIN,
    OBS_SPF_NODE,
    OBS_SPF_VOID,
    OBS_DMARC_ORG,
};

struct obs_ctx {
    struct tk_observation *obs;
    struct tk_resolver *r;
    unsigned pending;
    int phase;
    unsigned void_checks;
    size_t nselectors;
    char selectors[TK_DKIM_SELECTORS_MAX][TK_SELECTOR_MAX + 1];
    bool common_selectors;
    bool transport;
    tk_observe_done done;
    void *arg;
};

struct obs_question {
    struct obs_ctx *ctx;
    struct tk_lookup *target;
    enum obs_kind kind;
    int node;
    struct tk_lookup scratch; /* void checks keep no record */
};

static void obs_on_answer(void *arg, const struct tk_dns_answer *a);
static void spf_node_process(struct obs_ctx *ctx, int idx, const struct tk_lookup *l);

static void obs_fail_lookup(struct tk_lookup *l, enum tk_status st, const char *why)
{
    l->status = st;
    tk_strlcpy(l->why, why, sizeof(l->why));
}

/* obs_ask asks (name, type) into target. A question that cannot be
 * submitted is recorded as a temporary failure: nothing waits for it. */
static void obs_ask(struct obs_ctx *ctx, struct tk_lookup *target, const char *name, uint16_t type,
                    enum obs_kind kind, int node)
{
    struct obs_question *q;

    if (target) {
        snprintf(target->name, sizeof(target->name), "%s", name);
        target->type = type;
        target->asked = true;
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL) {
        if (target)
            obs_fail_lookup(target, TK_TEMP, "out of memory");
        return;
    }
    q->ctx = ctx;
    q->target = target ? target : &q->scratch;
    q->kind = kind;
    q->node = node;
    if (tk_resolver_query(ctx->r, name, type, obs_on_answer, q) != TK_OK) {
        obs_fail_lookup(q->target, TK_TEMP, "the question could not be sent");
        free(q);
        return;
    }
    ctx->pending++;
}

/* TLSA rdata is binary: kept as it came, for record/tlsa.h to parse. */
static enum tk_status lookup_add_raw(struct tk_rr_text *rr, const struct tk_dns_rdata *rd,
                                     struct tk_lookup *l)
{
    if (rd->len > TK_TXT_RECORD_MAX)
        return TK_LIMIT;
    rr->text = malloc(rd->len + 1);
    if (rr->text == NULL)
        return TK_NOMEM;
    memcpy(rr->text, rd->data, rd->len);
    rr->text[rd->len] = '\0';
    rr->len = rd->len;
    l->n++;
    return TK_OK;
}

static enum tk_status lookup_add_rr(struct tk_lookup *l, const struct tk_dns_rdata *rd,
                                    uint16_t type)
{
    struct tk_rr_text *rr = &l->rr[l->n];
    char text[TK_DOMAIN_MAX + 64];
    struct tk_buf b = {0};
    enum tk_status st;

    memset(rr, 0, sizeof(*rr));
    if (type == TK_DNS_TXT) {
        if ((st = tk_rdata_txt(rd, &b)) != TK_OK) {
            tk_buf_free(&b);
            return st;
        }
        rr->len = b.len;
        rr->text = tk_buf_steal(&b);
    } else {
        if (type == TK_DNS_MX)
            st = tk_rdata_mx(rd, &rr->pref, text);
        else if (type == TK_DNS_A || type == TK_DNS_AAAA)
            st = tk_rdata_addr(rd, text, sizeof(text));
        else if (type == TK_DNS_TLSA)
            return lookup_add_raw(rr, rd, l);
        else
            st = TK_INVALID;
        if (st != TK_OK)
            return st;
        rr->len = strlen(text);
        rr->text = strdup(text);
    }
    if (rr->text == NULL)
        return TK_NOMEM;
    l->n++;
    return TK_OK;
}

/* rr_order: MX by preference, then every type by its bytes. */
static int rr_order(const void *x, const void *y)
{
    const struct tk_rr_text *a = x, *b = y;
    int c;

    if (a->pref != b->pref)
        return a->pref < b->pref ? -1 : 1;
    if ((c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len)) != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static void lookup_fill(struct tk_lookup *l, const struct tk_dns_answer *a)
{
    size_t i, bad = 0;

    l->status = a->status;
    l->nxdomain = a->nxdomain;
    l->secure = a->secure;
    if (a->status == TK_TEMP) {
        tk_strlcpy(l->why, a->why ? a->why : "temporary DNS failure", sizeof(l->why));
        return;
    }
    if (a->status != TK_OK || a->count == 0)
        return;
    l->rr = calloc(a->count, sizeof(*l->rr));
    if (l->rr == NULL) {
        obs_fail_lookup(l, TK_TEMP, "out of memory");
        return;
    }
    for (i = 0; i < a->count; i++)
        if (lookup_add_rr(l, &a->rdata[i], l->type) != TK_OK)
            bad++;
    /* An RRset has no order (RFC 2181 5) and servers rotate it: sorted,
     * the same records make the same observation, findings and output,
     * and a scan that found nothing new keeps nothing new. */
    qsort(l->rr, l->n, sizeof(*l->rr), rr_order);
    if (bad > 0 && l->n == 0)
        obs_fail_lookup(l, TK_INVALID, "the answer's record data is malformed");
    else if (bad > 0)
        snprintf(l->why, sizeof(l->why), "%zu malformed record(s) ignored", bad);
}

static void spf_void(struct tk_spf_tree *t, const char *name)
{
    t->void_lookups++;
    if (t->nvoid_examples < TK_SPF_VOID_EXAMPLES)
        tk_strlcpy(t->void_examples[t->nvoid_examples++], name, TK_DOMAIN_MAX + 1);
}

static bool spf_on_path(const struct tk_spf_tree *t, int idx, const char *domain)
{
    unsigned hops = 0;

    for (; idx >= 0 && hops <= TK_SPF_TREE_NODES_MAX; idx = t->nodes[idx].parent, hops++)
        if (strcmp(t->nodes[idx].domain, domain) == 0)
            return true;
    return false;
}

/* spf_target normalises a term's domain-spec (or the current domain
 * when the term has none). False when it cannot be looked up statically:
 * macros depend on the sender. */
static bool spf_target(struct tk_spf_tree *t, const struct tk_spf_term *term, const char *current,
                       char out[TK_DOMAIN_MAX + 1])
{
    if (term->has_macros) {
        t->macros = true;
        return false;
    }
    if (term->domain_spec.len == 0) {
        snprintf(out, TK_DOMAIN_MAX + 1, "%s", current);
        return true;
    }
    return tk_domain_normalise(term->domain_spec.p, term->domain_spec.len, out, NULL) == TK_OK;
}

static void spf_add_child(struct obs_ctx *ctx, int parent, const char *domain, const char *via)
{
    struct tk_spf_tree *t = &ctx->obs->spf;
    struct tk_spf_node *c;

    if (t->n >= TK_SPF_TREE_NODES_MAX) {
        t->truncated = true;
        return;
    }
    c = &t->nodes[t->n];
    memset(c, 0, sizeof(*c));
    snprintf(c->domain, sizeof(c->domain), "%s", domain);
    snprintf(c->via, sizeof(c->via), "%s", via);
    c->parent = parent;
    c->depth = t->nodes[parent].depth + 1;
    if (spf_on_path(t, parent, domain)) {
        c->loop = true;
        c->spf_status = TK_INVALID;
        snprintf(c->spf_error, sizeof(c->spf_error),
                 "%s:%s leads back to a record already on the path (a loop)", via, domain);
        t->loop = true;
        t->n++;
        return;
    }
    t->n++;
    obs_ask(ctx, &c->txt, domain, TK_DNS_TXT, OBS_SPF_NODE, (int)(t->n - 1));
}

static void spf_follow(struct obs_ctx *ctx, int idx, const struct tk_spf_term *term,
                       bool redirect_applies)
{
    struct tk_spf_tree *t = &ctx->obs->spf;
    char target[TK_DOMAIN_MAX + 1], current[TK_DOMAIN_MAX + 1];

    snprintf(current, sizeof(current), "%s", t->nodes[idx].domain);
    switch (term->kind) {
    case TK_SPF_INCLUDE:
    case TK_SPF_REDIRECT:
        if (term->kind == TK_SPF_REDIRECT && !redirect_applies)
            return;
        if (spf_target(t, term, current, target))
            spf_add_child(ctx, idx, target, tk_spf_term_kind_name(term->kind));
        return;
    case TK_SPF_A:
    case TK_SPF_MX:
    case TK_SPF_EXISTS:
        if (ctx->void_checks >= TK_SPF_VOID_CHECKS_MAX || !spf_target(t, term, current, target))
            return;
        ctx->void_checks++;
        obs_ask(ctx, NULL, target, term->kind == TK_SPF_MX ? TK_DNS_MX : TK_DNS_A, OBS_SPF_VOID,
                idx);
        return;
    default:
        return;
    }
}

static bool spf_term_authorises(const struct tk_spf_term *term)
{
    if (term->kind == TK_SPF_ALL)
        return term->qualifier == TK_SPF_Q_PASS;
    if (term->kind == TK_SPF_REDIRECT)
        return true;
    return term->kind <= TK_SPF_EXISTS && term->qualifier == TK_SPF_Q_PASS;
}

static void spf_node_record(struct obs_ctx *ctx, int idx, const struct tk_rr_text *rr)
{
    struct tk_spf_tree *t = &ctx->obs->spf;
    struct tk_spf_node *nd = &t->nodes[idx];
    struct tk_spf_record rec;
    struct tk_error err;
    size_t i;

    nd->record = tk_span_dup((struct tk_span){rr->text, rr->len});
    nd->spf_status = tk_spf_record_parse(rr->text, rr->len, &rec, &err);
    if (nd->spf_status != TK_OK) {
        if (nd->spf_status == TK_ABSENT || nd->spf_status == TK_LIMIT)
            nd->spf_status = TK_INVALID;
        tk_strlcpy(nd->spf_error, err.msg, sizeof(nd->spf_error));
        return;
    }
    nd->dns_terms = rec.dns_terms;
    t->dns_terms_total += rec.dns_terms;
    nd->all = rec.all_index >= 0 ? (char)rec.terms[rec.all_index].qualifier : 0;
    nd->has_redirect = rec.redirect_index >= 0 && rec.all_index < 0;
    for (i = 0; i < rec.nterms; i++) {
        nd->authorises |= spf_term_authorises(&rec.terms[i]) &&
                          (rec.terms[i].kind != TK_SPF_REDIRECT || nd->has_redirect);
        spf_follow(ctx, idx, &rec.terms[i], nd->has_redirect);
    }
    tk_spf_record_free(&rec);
}

static void spf_node_process(struct obs_ctx *ctx, int idx, const struct tk_lookup *l)
{
    struct tk_spf_tree *t = &ctx->obs->spf;
    struct tk_spf_node *nd = &t->nodes[idx];
    const struct tk_rr_text *first;
    size_t n;

    if (l->status == TK_TEMP || l->status == TK_INVALID) {
        nd->spf_status = TK_TEMP;
        snprintf(nd->spf_error, sizeof(nd->spf_error), "TXT look-up failed: %s", l->why);
        t->temp = true;
        return;
    }
    n = tk_lookup_select(l, tk_spf_is_record, &first);
    if (n == 0) {
        nd->spf_status = TK_ABSENT;
        if (idx > 0 && l->status == TK_ABSENT)
            spf_void(t, nd->domain);
        return;
    }
    if (n > 1) {
        /* check_host() stops here with permerror: follow nothing. */
        nd->record = tk_span_dup((struct tk_span){first->text, first->len});
        nd->spf_status = TK_INVALID;
        snprintf(nd->spf_error, sizeof(nd->spf_error),
                 "%zu SPF records: there must be exactly one (RFC 7208 4.5)", n);
        return;
    }
    spf_node_record(ctx, idx, first);
}

static bool rua_auth_known(const struct tk_observation *obs, const char *dest)
{
    size_t i;

    for (i = 0; i < obs->nrua_auth; i++)
        if (strcmp(obs->rua_auth[i].destination, dest) == 0)
            return true;
    return false;
}

/* rua_auth_ask asks, for each mailto: destination outside the policy
 * domain's organisation, whether it agreed to receive the reports
 * (RFC 7489 7.1). Returns how many DMARC records l holds. */
static size_t rua_auth_ask(struct obs_ctx *ctx, const char *policy_domain,
                           const struct tk_lookup *l)
{
    struct tk_observation *obs = ctx->obs;
    struct tk_dmarc_record rec;
    char dest_org[TK_DOMAIN_MAX + 1], name[TK_DOMAIN_MAX + 1];
    char prefix[TK_DOMAIN_MAX + 32];
    const struct tk_rr_text *rr;
    enum tk_status st;
    size_t i, n = tk_lookup_dmarc(l, &rec, &rr, &st, NULL);

    /* policy_domain is the domain or its organisational domain: either
     * way its organisation is obs->org_domain, already known. */
    if (n != 1 || st != TK_OK)
        return n;
    snprintf(prefix, sizeof(prefix), "%s._report._dmarc", policy_domain);
    for (i = 0; i < rec.nrua && obs->nrua_auth < TK_RUA_AUTH_MAX; i++) {
        const char *dest = rec.rua[i].domain;

        if (!rec.rua[i].is_mailto || dest[0] == '\0' || rua_auth_known(obs, dest) ||
            tk_org_domain(dest, dest_org) != TK_OK || strcmp(dest_org, obs->org_domain) == 0 ||
            tk_domain_join(prefix, dest, name) != TK_OK)
            continue;
        snprintf(obs->rua_auth[obs->nrua_auth].destination, TK_DOMAIN_MAX + 1, "%s", dest);
        obs_ask(ctx, &obs->rua_auth[obs->nrua_auth++].txt, name, TK_DNS_TXT, OBS_PLAIN, -1);
    }
    return n;
}

static void dmarc_phase2(struct obs_ctx *ctx)
{
    struct tk_observation *obs = ctx->obs;
    char name[TK_DOMAIN_MAX + 1];

    if (obs->dmarc.status == TK_TEMP)
        return;
    if (rua_auth_ask(ctx, obs->domain, &obs->dmarc) > 0)
        return;
    if (strcmp(obs->org_domain, obs->domain) != 0 &&
        tk_domain_join("_dmarc", obs->org_domain, name) == TK_OK)
        obs_ask(ctx, &obs->dmarc_org, name, TK_DNS_TXT, OBS_DMARC_ORG, -1);
}

static bool mx_is_null(const struct tk_lookup *mx)
{
    return mx->status == TK_OK && mx->n == 1 && strcmp(mx->rr[0].text, ".") == 0;
}

static void profile_decide(struct tk_observation *obs)
{
    const struct tk_spf_node *root = &obs->spf.nodes[0];

    obs->profile_inferred = obs->profile_hint == TK_PROFILE_UNSET;
    if (!obs->profile_inferred) {
        obs->profile = obs->profile_hint;
        snprintf(obs->profile_reason, sizeof(obs->profile_reason),
                 "set by the inventory or --profile");
    } else if (obs->mx.status == TK_OK && !mx_is_null(&obs->mx)) {
        obs->profile = TK_PROFILE_EMAIL;
        snprintf(obs->profile_reason, sizeof(obs->profile_reason), "it publishes MX records");
    } else if (root->spf_status == TK_OK && root->authorises) {
        obs->profile = TK_PROFILE_EMAIL;
        snprintf(obs->profile_reason, sizeof(obs->profile_reason),
                 "its SPF record authorises senders");
    } else if (obs->mx.status == TK_TEMP) {
        obs->profile = TK_PROFILE_EMAIL;
        snprintf(obs->profile_reason, sizeof(obs->profile_reason),
                 "MX look-up failed; judged as email-enabled");
    } else {
        obs->profile = TK_PROFILE_PARKED;
        snprintf(obs->profile_reason, sizeof(obs->profile_reason), "%s and SPF authorises nobody",
                 mx_is_null(&obs->mx) ? "null MX" : "no MX");
    }
}

static void dkim_add(struct obs_ctx *ctx, const char *selector, bool from_inventory)
{
    struct tk_observation *obs = ctx->obs;
    char name[TK_DOMAIN_MAX + 1], prefix[TK_SELECTOR_MAX + 16], sel[TK_DOMAIN_MAX + 1];
    size_t i;

    if (obs->ndkim >= TK_DKIM_SELECTORS_MAX || strlen(selector) > TK_SELECTOR_MAX ||
        tk_domain_normalise(selector, strlen(selector), sel, NULL) != TK_OK)
        return;
    for (i = 0; i < obs->ndkim; i++)
        if (strcmp(obs->dkim[i].selector, sel) == 0)
            return;
    snprintf(prefix, sizeof(prefix), "%s._domainkey", sel);
    if (tk_domain_join(prefix, obs->domain, name) != TK_OK)
        return;
    snprintf(obs->dkim[obs->ndkim].selector, TK_SELECTOR_MAX + 1, "%s", sel);
    obs->dkim[obs->ndkim].from_inventory = from_inventory;
    obs_ask(ctx, &obs->dkim[obs->ndkim++].key, name, TK_DNS_TXT, OBS_PLAIN, -1);
}

static bool mx_host_known(const struct tk_observation *obs, const char *name)
{
    size_t i;

    for (i = 0; i < obs->nmx_hosts; i++)
        if (strcmp(obs->mx_hosts[i].name, name) == 0)
            return true;
    return false;
}

/* mx_hosts_choose fills obs->mx_hosts with the MX hosts by preference
 * (lowest first, as a sender tries them), each name once. */
static void mx_hosts_choose(struct tk_observation *obs)
{
    const struct tk_lookup *mx = &obs->mx;
    size_t i, best;
    bool used[TK_RRSET_MAX] = {false};

    if (mx->status != TK_OK || mx_is_null(mx))
        return;
    for (;;) {
        for (best = mx->n, i = 0; i < mx->n && i < TK_RRSET_MAX; i++)
            if (!used[i] && (best == mx->n || mx->rr[i].pref < mx->rr[best].pref))
                best = i;
        if (best == mx->n)
            return;
        used[best] = true;
        if (strcmp(mx->rr[best].text, ".") == 0 || mx_host_known(obs, mx->rr[best].text))
            continue;
        if (obs->nmx_hosts >= TK_MX_HOSTS_MAX) {
            obs->mx_hosts_truncated = true;
            return;
        }
        tk_strlcpy(obs->mx_hosts[obs->nmx_hosts].name, mx->rr[best].text, TK_DOMAIN_MAX + 1);
        obs->mx_hosts[obs->nmx_hosts++].pref = mx->rr[best].pref;
    }
}

/* transport_ask asks what the probes need: each MX host's addresses
 * and TLSA records (RFC 7672 2.2), and the MTA-STS policy host's
 * addresses when a policy is announced (RFC 8461 3.3). */
static void transport_ask(struct obs_ctx *ctx)
{
    struct tk_observation *obs = ctx->obs;
    char name[TK_DOMAIN_MAX + 1];
    size_t i;

    obs->transport = true;
    mx_hosts_choose(obs);
    for (i = 0; i < obs->nmx_hosts; i++) {
        struct tk_mx_host *h = &obs->mx_hosts[i];

        obs_ask(ctx, &h->a, h->name, TK_DNS_A, OBS_PLAIN, -1);
        obs_ask(ctx, &h->aaaa, h->name, TK_DNS_AAAA, OBS_PLAIN, -1);
        if (tk_domain_join("_25._tcp", h->name, name) == TK_OK)
            obs_ask(ctx, &h->tlsa, name, TK_DNS_TLSA, OBS_PLAIN, -1);
    }
    if (tk_lookup_select(&obs->mta_sts, tk_mtasts_txt_is_candidate, NULL) == 0 ||
        tk_domain_join("mta-sts", obs->domain, name) != TK_OK)
        return;
    obs_ask(ctx, &obs->sts_a, name, TK_DNS_A, OBS_PLAIN, -1);
    obs_ask(ctx, &obs->sts_aaaa, name, TK_DNS_AAAA, OBS_PLAIN, -1);
}

static void obs_phase2(struct obs_ctx *ctx)
{
    struct tk_observation *obs = ctx->obs;
    char name[TK_DOMAIN_MAX + 1];
    size_t i;

    spf_node_process(ctx, 0, &obs->txt);
    profile_decide(obs);
    /* Every first question failed: the domain's name servers are not
     * answering. More questions would only wait for the same timeout. */
    if (obs->mx.status == TK_TEMP && obs->txt.status == TK_TEMP && obs->dmarc.status == TK_TEMP &&
        obs->tlsrpt.status == TK_TEMP && obs->mta_sts.status == TK_TEMP)
        return;
    dmarc_phase2(ctx);
    if (obs->profile == TK_PROFILE_PARKED) {
        if (tk_domain_join("*._domainkey", obs->domain, name) == TK_OK)
            obs_ask(ctx, &obs->dkim_wildcard, name, TK_DNS_TXT, OBS_PLAIN, -1);
        return;
    }
    for (i = 0; i < ctx->nselectors; i++)
        dkim_add(ctx, ctx->selectors[i], true);
    for (i = 0; ctx->common_selectors && tk_common_dkim_selectors[i]; i++)
        dkim_add(ctx, tk_common_dkim_selectors[i], false);
    if (tk_lookup_select(&obs->tlsrpt, tk_tlsrpt_is_candidate, NULL) == 0 &&
        obs->tlsrpt.status != TK_TEMP && tk_domain_join("_smtptls", obs->domain, name) == TK_OK)
        obs_ask(ctx, &obs->tlsrpt_seed, name, TK_DNS_TXT, OBS_PLAIN, -1);
    if (ctx->transport)
        transport_ask(ctx);
}

static void obs_on_answer(void *arg, const struct tk_dns_answer *a)
{
    struct obs_question *q = arg;
    struct obs_ctx *ctx = q->ctx;
    struct tk_observation *obs = ctx->obs;

    lookup_fill(q->target, a);
    switch (q->kind) {
    case OBS_SPF_NODE:
        spf_node_process(ctx, q->node, q->target);
        break;
    case OBS_SPF_VOID:
        if (q->target->status == TK_ABSENT)
            spf_void(&obs->spf, a->qname);
        else if (q->target->status == TK_TEMP)
            obs->spf.temp = true;
        tk_observation_lookup_free(&q->scratch);
        break;
    case OBS_DMARC_ORG:
        rua_auth_ask(ctx, obs->org_domain, q->target);
        break;
    case OBS_PLAIN:
        break;
    }
    free(q);
    if (--ctx->pending > 0)
        return;
    if (ctx->phase == 1) {
        ctx->phase = 2;
        obs_phase2(ctx);
        if (ctx->pending > 0)
            return;
    }
    ctx->done(ctx->arg, obs);
    free(ctx);
}

static void obs_copy_selectors(struct obs_ctx *ctx, const struct tk_observe_request *req)
{
    size_t i;

    for (i = 0; i < req->nselectors && ctx->nselectors < TK_DKIM_SELECTORS_MAX; i++)
        if (strlen(req->selectors[i]) <= TK_SELECTOR_MAX)
            snprintf(ctx->selectors[ctx->nselectors++], TK_SELECTOR_MAX + 1, "%s",
                     req->selectors[i]);
    ctx->common_selectors = req->common_selectors;
    ctx->transport = req->transport;
}

static void obs_phase1(struct obs_ctx *ctx)
{
    struct tk_observation *obs = ctx->obs;
    char name[TK_DOMAIN_MAX + 1];
    struct tk_spf_node *root = &obs->spf.nodes[0];

    snprintf(root->domain, sizeof(root->domain), "%s", obs->domain);
    root->parent = -1;
    obs->spf.n = 1;
    obs_ask(ctx, &obs->mx, obs->domain, TK_DNS_MX, OBS_PLAIN, -1);
    obs_ask(ctx, &obs->txt, obs->domain, TK_DNS_TXT, OBS_PLAIN, -1);
    if (tk_domain_join("_dmarc", obs->domain, name) == TK_OK)
        obs_ask(ctx, &obs->dmarc, name, TK_DNS_TXT, OBS_PLAIN, -1);
    if (tk_domain_join("_smtp._tls", obs->domain, name) == TK_OK)
        obs_ask(ctx, &obs->tlsrpt, name, TK_DNS_TXT, OBS_PLAIN, -1);
    if (tk_domain_join("_mta-sts", obs->domain, name) == TK_OK)
        obs_ask(ctx, &obs->mta_sts, name, TK_DNS_TXT, OBS_PLAIN, -1);
}

enum tk_status tk_observe_start(struct tk_resolver *r, const struct tk_observe_request *req,
                                tk_observe_done done, void *arg, struct tk_error *err)
{
    struct obs_ctx *ctx = calloc(1, sizeof(*ctx));
    struct tk_observation *obs = calloc(1, sizeof(*obs));
    enum tk_status st;

    if (ctx == NULL || obs == NULL) {
        free(ctx);
        free(obs);
        return tk_error_set(err, TK_NOMEM, "out of memory");
    }
    st = tk_domain_normalise(req->domain, strlen(req->domain), obs->domain, err);
    if (st == TK_OK && strchr(obs->domain, '*') != NULL)
        st =
            tk_error_set(err, TK_INVALID, "'%s' is a wildcard, not a domain to check", obs->domain);
    if (st == TK_OK && strchr(obs->domain, '.') == NULL)
        st = tk_error_set(err, TK_INVALID, "'%s' is a top-level name, not a domain to check",
                          obs->domain);
    if (st == TK_OK && tk_org_domain(obs->domain, obs->org_domain) != TK_OK)
        st = tk_error_set(err, TK_NOMEM, "out of memory");
    if (st != TK_OK) {
        free(ctx);
        free(obs);
        return st;
    }
    snprintf(obs->agency, sizeof(obs->agency), "%s", req->agency ? req->agency : "");
    snprintf(obs->contact, sizeof(obs->contact), "%s", req->contact ? req->contact : "");
    tk_text_sanitise(obs->agency);
    tk_text_sanitise(obs->contact);
    obs->profile_hint = req->profile_hint;
    obs->bulk = req->bulk;
    obs->dnssec = req->dnssec;
    obs->tag = req->tag;
    ctx->obs = obs;
    ctx->r = r;
    ctx->phase = 1;
    ctx->done = done;
    ctx->arg = arg;
    obs_copy_selectors(ctx, req);
    obs_phase1(ctx);
    if (ctx->pending == 0) {
        /* Nothing could be sent: the resolver is out of memory. */
        tk_observation_destroy(obs);
        free(ctx);
        return tk_error_set(err, TK_TEMP, "no question could be sent for %s", req->domain);
    }
    return TK_OK;
}

void tk_observation_destroy(struct tk_observation *obs)
{
    if (obs == NULL)
        return;
    tk_observation_free(obs);
    free(obs);
}
