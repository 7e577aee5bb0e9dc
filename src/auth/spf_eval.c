/*
 * NAME
 *	spf_eval.c - SPF check_host() as a state machine over the resolver
 * SUMMARY
 *	tk_spf_check_start(), tk_spf_check_sync()
 * DESCRIPTION
 *	A check holds a stack of frames, one per record being evaluated:
 *	the checked domain's at the bottom, then one per include: that is
 *	running. redirect= replaces the top frame (its result is the
 *	frame's). Each frame walks its record's terms in order; a term that
 *	needs DNS submits its questions, sets the stage, and returns; the
 *	answers come back through check_answer, which records them and,
 *	when the stage's last answer is in, decides the term and walks on
 *	(step). A term decides only once all of its questions are answered,
 *	so a check never frees itself with a question still pending.
 *
 *	mx asks for the exchanges, then for the address of every exchange
 *	at once; ptr and %{p} ask for the client's reverse names, then for
 *	the addresses of every name at once. The validated names of the
 *	client (RFC 7208 5.5) are learnt once per check and serve every ptr
 *	term and %{p} macro after.
 *
 *	Every error (temperror, permerror) ends the whole check: RFC 7208
 *	5.2 carries an include's errors up unchanged, and redirect's result
 *	is its frame's.
 * STANDARDS
 *	RFC 7208 4 (check_host), 4.3 (initial processing), 4.4, 4.5 (record
 *	look-up and selection), 4.6.4 (DNS look-up limits), 4.7 (default
 *	result), 5.1-5.7 (mechanisms), 6.1 (redirect), 6.2 (exp), 7
 *	(macros), 2.3 (HELO identity), 2.4 (null reverse-path).
 * LIMITS
 *	TK_SPF_DNS_TERMS_MAX terms that query DNS per check; each include
 *	or redirect is one, so at most TK_SPF_DNS_TERMS_MAX + 1 frames;
 *	TK_SPF_VOID_LOOKUPS_MAX look-ups finding nothing;
 *	TK_SPF_MX_PTR_NAMES_MAX MX names (more: permerror) and PTR names
 *	(more: the first ones are used). The walk from one frame to its
 *	parent (frame_result, step) nests at most once per frame.
 * SECURITY
 *	Records, names and addresses from DNS pass through record/spf.h's
 *	parser, dns/rdata.h and spf_eval_ip.c's bounded decoders. Text for
 *	people (reasons) never holds raw DNS bytes except through the
 *	parser's own escaped quotes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/spf_eval_impl.h"
#include "dns/reverse.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/text.h"
#include "dns/rdata.h"
#include "record/spf.h"

/* One frame per record being evaluated: the checked domain's and one
 * per include on the way down; each include costs a DNS term. */
#define SPF_FRAMES_MAX (TK_SPF_DNS_TERMS_MAX + 1)
/* The longest sender kept (RFC 5321 4.5.3.1.3: a path is at most 256
 * octets); a longer one is refused by tk_spf_check_start's caller. */
#define SPF_SENDER_MAX 512

enum spf_stage {
    ST_IDLE,
    ST_RECORD,   /* TXT of a frame's domain */
    ST_ADDR,     /* a: A or AAAA of the target */
    ST_EXISTS,   /* exists: A of the target */
    ST_MX,       /* mx: MX of the target */
    ST_MX_ADDR,  /* mx: addresses of each exchange, at once */
    ST_PTR,      /* ptr or %{p}: PTR of the client */
    ST_PTR_ADDR, /* ptr or %{p}: addresses of each name, at once */
    ST_EXP,      /* exp=: TXT of the explanation */
};

/* What to do once the client's validated names are known. */
enum spf_resume {
    RESUME_STEP,     /* re-enter the term that needed them */
    RESUME_EXP_NAME, /* expand exp='s domain-spec */
    RESUME_EXP_TEXT, /* expand the explanation text */
};

enum spf_validation {
    V_NOT_STARTED,
    V_RUNNING,
    V_DONE,
};

/* A term's outcome, or what became of it. */
enum spf_term_outcome {
    T_MATCH,
    T_NO_MATCH,
    T_WAIT, /* questions submitted; check_answer resumes */
    T_OVER, /* the check ended (an error); nothing more to do */
};

/* What one answer of a stage with several questions came to. */
enum spf_slot_state {
    SLOT_NOTHING,
    SLOT_MATCH,
    SLOT_TEMP,
};

struct spf_frame {
    char domain[TK_DOMAIN_MAX + 1];
    struct tk_buf text; /* the record's text; rec's spans point into it */
    struct tk_spf_record rec;
    size_t next; /* the term being evaluated */
    bool target; /* an include or redirect target: no record is permerror */
};

struct spf_slot {
    struct tk_spf_check *c;
    unsigned index;
};

struct tk_spf_check {
    struct tk_resolver *r;
    tk_spf_done done;
    void *arg;
    struct tk_spf_result res;
    struct tk_spf_ip ip;
    char *sender, *local, *sender_domain, *helo, *receiver;
    long long now;
    long long deadline_ms; /* tk_now_ms() past which nothing more is asked */

    struct spf_frame frames[SPF_FRAMES_MAX];
    size_t depth;
    bool charged; /* the current term has counted against the DNS limit */

    enum spf_stage stage;
    unsigned pending;
    bool submit_failed;
    struct spf_slot slots[TK_SPF_MX_PTR_NAMES_MAX];
    enum spf_slot_state slot_state[TK_SPF_MX_PTR_NAMES_MAX];
    char names[TK_SPF_MX_PTR_NAMES_MAX][TK_DOMAIN_MAX + 1];
    unsigned nnames;
    char target[TK_DOMAIN_MAX + 1]; /* the current term's target name */
    int prefix;                     /* the current term's prefix length */

    enum spf_validation vstate;
    enum spf_resume vresume;
    bool ptr_absent; /* the client's PTR look-up found nothing */
    char validated[TK_SPF_MX_PTR_NAMES_MAX][TK_DOMAIN_MAX + 1];
    unsigned nvalidated;

    struct tk_buf exp_text;
};

static void step(struct tk_spf_check *c);
static void frame_result(struct tk_spf_check *c, enum tk_auth_result result,
                         const struct tk_spf_term *term);
static void exp_name(struct tk_spf_check *c);
static void exp_text(struct tk_spf_check *c);

/* ------------------------------------------------------------- ending */

static void frame_clear(struct spf_frame *f)
{
    tk_spf_record_free(&f->rec);
    tk_buf_free(&f->text);
    memset(f, 0, sizeof(*f));
    f->rec.all_index = f->rec.redirect_index = f->rec.exp_index = -1;
}

static void check_free(struct tk_spf_check *c)
{
    size_t i;

    for (i = 0; i < SPF_FRAMES_MAX; i++)
        frame_clear(&c->frames[i]);
    tk_buf_free(&c->exp_text);
    free(c->sender);
    free(c->local);
    free(c->sender_domain);
    free(c->helo);
    free(c->receiver);
    free(c);
}

/* check_finish delivers the result and frees the check; nothing may be
 * pending. */
static void check_finish(struct tk_spf_check *c)
{
    c->done(c->arg, &c->res);
    check_free(c);
}

static struct spf_frame *frame_top(struct tk_spf_check *c)
{
    return &c->frames[c->depth - 1];
}

/* check_error ends the check with temperror or permerror and a reason. */
static void check_error(struct tk_spf_check *c, enum tk_auth_result result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check_error(struct tk_spf_check *c, enum tk_auth_result result, const char *fmt, ...)
{
    va_list ap;

    c->res.result = result;
    c->res.mechanism[0] = '\0';
    if (c->depth > 0)
        snprintf(c->res.domain, sizeof(c->res.domain), "%s", frame_top(c)->domain);
    va_start(ap, fmt);
    vsnprintf(c->res.reason, sizeof(c->res.reason), fmt, ap);
    va_end(ap);
    check_finish(c);
}

/* ------------------------------------------------------------- asking */

static void check_answer(void *arg, const struct tk_dns_answer *a);

/* check_ask submits one question; answers come to check_answer with
 * slot index i. A question that cannot be submitted is remembered: the
 * stage then ends in temperror once the others are answered. */
static bool check_ask(struct tk_spf_check *c, const char *name, uint16_t type, unsigned i)
{
    c->slots[i].c = c;
    c->slots[i].index = i;
    c->slot_state[i] = SLOT_NOTHING;
    if (tk_resolver_query(c->r, name, type, check_answer, &c->slots[i]) != TK_OK) {
        c->submit_failed = true;
        return false;
    }
    c->pending++;
    c->res.queries++;
    return true;
}

/* check_in_time is false, after ending the check (temperror), once the
 * evaluation has taken longer than its timeout (RFC 7208 4.6.4). */
static bool check_in_time(struct tk_spf_check *c)
{
    if (tk_now_ms() <= c->deadline_ms)
        return true;
    check_error(c, TK_AUTH_TEMPERROR,
                "the evaluation took longer than its limit (RFC 7208 4.6.4); the name servers "
                "answer too slowly");
    return false;
}

/* check_ask_one starts a stage of one question; on failure it ends the
 * check (temperror) and returns false. */
static bool check_ask_one(struct tk_spf_check *c, enum spf_stage stage, const char *name,
                          uint16_t type)
{
    if (!check_in_time(c))
        return false;
    c->stage = stage;
    c->submit_failed = false;
    if (check_ask(c, name, type, 0))
        return true;
    check_error(c, TK_AUTH_TEMPERROR, "could not ask the resolver about %s", name);
    return false;
}

static uint16_t client_addr_type(const struct tk_spf_check *c)
{
    return c->ip.v6 ? TK_DNS_AAAA : TK_DNS_A;
}

/* ------------------------------------------------------------- macros */

/* validated_for picks %{p} for domain (RFC 7208 7.3): the domain itself
 * when validated, else a validated subdomain of it, else any. */
static const char *validated_for(const struct tk_spf_check *c, const char *domain)
{
    unsigned i;

    if (c->vstate != V_DONE || c->nvalidated == 0)
        return NULL;
    for (i = 0; i < c->nvalidated; i++)
        if (tk_ascii_strcaseeq(c->validated[i], domain))
            return c->validated[i];
    for (i = 0; i < c->nvalidated; i++)
        if (spf_domain_is_sub(c->validated[i], domain))
            return c->validated[i];
    return c->validated[0];
}

static void macro_ctx(const struct tk_spf_check *c, const char *domain,
                      struct tk_spf_macro_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->sender = c->sender;
    ctx->local_part = c->local;
    ctx->sender_domain = c->sender_domain;
    ctx->domain = domain;
    ctx->ip_is_v6 = c->ip.v6;
    memcpy(ctx->ip, c->ip.addr, sizeof(ctx->ip));
    ctx->validated = validated_for(c, domain);
    ctx->helo = c->helo;
    ctx->receiver = c->receiver;
    ctx->timestamp = c->now;
}

/* needs_validated is true when spec holds a %{p} macro: its expansion
 * must wait for the client's validated names. */
static bool needs_validated(struct tk_span spec)
{
    size_t i;

    for (i = 0; i + 2 < spec.len; i++) {
        if (spec.p[i] != '%')
            continue;
        if (spec.p[i + 1] == '{' && tk_ascii_lower((unsigned char)spec.p[i + 2]) == 'p')
            return true;
        i++; /* "%%", "%_", "%-": skip the escaped character */
    }
    return false;
}

/* ---------------------------------------------------------- validation */

/* validation_start asks for the client's reverse names (RFC 7208 5.5);
 * resume says what runs once they are validated. False when the check
 * ended instead (the question could not be asked). */
static bool validation_start(struct tk_spf_check *c, enum spf_resume resume)
{
    char rev[TK_DOMAIN_MAX + 1];

    c->vstate = V_RUNNING;
    c->vresume = resume;
    tk_dns_reverse_name(c->ip.addr, c->ip.v6, rev);
    return check_ask_one(c, ST_PTR, rev, TK_DNS_PTR);
}

static void validation_done(struct tk_spf_check *c)
{
    c->vstate = V_DONE;
    c->stage = ST_IDLE;
    switch (c->vresume) {
    case RESUME_STEP:
        step(c);
        break;
    case RESUME_EXP_NAME:
        exp_name(c);
        break;
    case RESUME_EXP_TEXT:
        exp_text(c);
        break;
    }
}

/* validation_in_time: past the deadline, a term that needed the names
 * ends the check in temperror, an explanation is dropped. */
static bool validation_in_time(struct tk_spf_check *c)
{
    if (c->vresume == RESUME_STEP)
        return check_in_time(c);
    if (tk_now_ms() <= c->deadline_ms)
        return true;
    c->res.explanation[0] = '\0';
    check_finish(c);
    return false;
}

/* validation_ptr takes the first TK_SPF_MX_PTR_NAMES_MAX usable PTR
 * names (RFC 7208 4.6.4: the rest are ignored) and asks for their
 * addresses at once. A PTR error means no names (5.5). */
static void validation_ptr(struct tk_spf_check *c, const struct tk_dns_answer *a)
{
    size_t i;
    unsigned n = 0;

    c->ptr_absent = a->status == TK_ABSENT;
    c->nnames = 0;
    for (i = 0; a->status == TK_OK && i < a->count && c->nnames < TK_SPF_MX_PTR_NAMES_MAX; i++)
        if (spf_rdata_name(&a->rdata[i], 0, c->names[c->nnames]) && c->names[c->nnames][0])
            c->nnames++;
    if (c->nnames == 0) {
        validation_done(c);
        return;
    }
    if (!validation_in_time(c))
        return;
    c->stage = ST_PTR_ADDR;
    c->submit_failed = false;
    for (i = 0; i < c->nnames; i++)
        n += check_ask(c, c->names[i], client_addr_type(c), (unsigned)i);
    if (n == 0)
        validation_done(c); /* nothing could be asked: nothing validated */
}

/* validation_addr_done keeps, in PTR order, the names one of whose
 * addresses is the client's. A name whose look-up failed is skipped
 * (RFC 7208 5.5). */
static void validation_addr_done(struct tk_spf_check *c)
{
    unsigned i;

    c->nvalidated = 0;
    for (i = 0; i < c->nnames; i++)
        if (c->slot_state[i] == SLOT_MATCH)
            memcpy(c->validated[c->nvalidated++], c->names[i], sizeof(c->names[i]));
    validation_done(c);
}

/* ---------------------------------------------------------- the record */

/* record_select picks the one SPF record of a TXT RRset (RFC 7208 4.5)
 * into f->text. Returns TK_OK, TK_ABSENT (none) or TK_INVALID (more
 * than one); *n gets how many there were. */
static enum tk_status record_select(const struct tk_dns_answer *a, struct spf_frame *f, size_t *n)
{
    struct tk_buf txt = {NULL, 0, 0};
    enum tk_status st = TK_OK;
    size_t i;

    *n = 0;
    for (i = 0; i < a->count && st == TK_OK; i++) {
        tk_buf_reset(&txt);
        if (tk_rdata_txt(&a->rdata[i], &txt) != TK_OK || !tk_spf_is_record(txt.data, txt.len))
            continue;
        if ((*n)++ == 0)
            st = tk_buf_append(&f->text, txt.data, txt.len);
    }
    tk_buf_free(&txt);
    if (st != TK_OK)
        return st;
    return *n == 0 ? TK_ABSENT : *n == 1 ? TK_OK : TK_INVALID;
}

static void record_answer(struct tk_spf_check *c, const struct tk_dns_answer *a)
{
    struct spf_frame *f = frame_top(c);
    struct tk_error err = {TK_OK, ""};
    enum tk_status st;
    size_t n;

    if (a->status == TK_TEMP)
        return check_error(c, TK_AUTH_TEMPERROR, "the TXT look-up of %s failed: %s", f->domain,
                           a->why ? a->why : "DNS error");
    st = a->status == TK_OK ? record_select(a, f, &n) : TK_ABSENT;
    if (st == TK_ABSENT) {
        snprintf(c->res.reason, sizeof(c->res.reason), "%s publishes no SPF record", f->domain);
        return frame_result(c, TK_AUTH_NONE, NULL);
    }
    if (st == TK_INVALID)
        return check_error(c, TK_AUTH_PERMERROR,
                           "%s publishes %zu SPF records; RFC 7208 4.5 allows one", f->domain, n);
    if (st != TK_OK)
        return check_error(c, TK_AUTH_TEMPERROR, "out of memory reading the record of %s",
                           f->domain);
    st = tk_spf_record_parse(f->text.data, f->text.len, &f->rec, &err);
    if (st == TK_NOMEM)
        return check_error(c, TK_AUTH_TEMPERROR, "out of memory parsing the record of %s",
                           f->domain);
    if (st != TK_OK)
        return check_error(c, TK_AUTH_PERMERROR, "the SPF record of %s: %s", f->domain, err.msg);
    f->next = 0;
    c->charged = false;
    step(c);
}

/* frame_push starts evaluating domain's record on top of the stack.
 * False when the check ended instead. */
static bool frame_push(struct tk_spf_check *c, const char *domain, bool target)
{
    struct spf_frame *f;

    if (c->depth >= SPF_FRAMES_MAX) {
        check_error(c, TK_AUTH_PERMERROR, "includes nested more than %d deep (RFC 7208 4.6.4)",
                    SPF_FRAMES_MAX);
        return false;
    }
    f = &c->frames[c->depth++];
    frame_clear(f);
    snprintf(f->domain, sizeof(f->domain), "%s", domain);
    f->target = target;
    return check_ask_one(c, ST_RECORD, domain, TK_DNS_TXT);
}

/* ----------------------------------------------------------- results */

static enum tk_auth_result qualifier_result(const struct tk_spf_term *t)
{
    switch (t->qualifier) {
    case TK_SPF_Q_FAIL:
        return TK_AUTH_FAIL;
    case TK_SPF_Q_SOFTFAIL:
        return TK_AUTH_SOFTFAIL;
    case TK_SPF_Q_NEUTRAL:
        return TK_AUTH_NEUTRAL;
    default:
        return TK_AUTH_PASS;
    }
}

static void mechanism_text(const struct tk_spf_term *t, char out[TK_SPF_MECHANISM_TEXT_MAX + 1])
{
    size_t n = t->text.len;

    if (n <= TK_SPF_MECHANISM_TEXT_MAX) {
        memcpy(out, t->text.p, n);
        out[n] = '\0';
        return;
    }
    memcpy(out, t->text.p, TK_SPF_MECHANISM_TEXT_MAX - 3);
    memcpy(out + TK_SPF_MECHANISM_TEXT_MAX - 3, "...", 4);
}

/* check_decided ends the bottom frame with result: a fail looks for the
 * explanation of the record that decided (RFC 7208 6.2). */
static void check_decided(struct tk_spf_check *c, enum tk_auth_result result,
                          const struct tk_spf_term *term)
{
    struct spf_frame *f = frame_top(c);

    c->res.result = result;
    snprintf(c->res.domain, sizeof(c->res.domain), "%s", f->domain);
    if (term)
        mechanism_text(term, c->res.mechanism);
    if (result != TK_AUTH_NONE)
        c->res.reason[0] = '\0';
    if (result == TK_AUTH_FAIL && f->rec.exp_index >= 0)
        return exp_name(c);
    check_finish(c);
}

/* frame_result ends the top frame with result. An include's target
 * hands its result to the include term (RFC 7208 5.2): pass makes it
 * match, fail, softfail and neutral make it not match; none is
 * permerror there and after redirect= (6.1). */
static void frame_result(struct tk_spf_check *c, enum tk_auth_result result,
                         const struct tk_spf_term *term)
{
    struct spf_frame *f = frame_top(c), *parent;
    const struct tk_spf_term *inc;

    if (f->target && result == TK_AUTH_NONE)
        return check_error(c, TK_AUTH_PERMERROR,
                           "%s publishes no SPF record, but an include: or redirect= names it "
                           "(RFC 7208 5.2, 6.1)",
                           f->domain);
    if (c->depth == 1)
        return check_decided(c, result, term);
    frame_clear(f);
    c->depth--;
    parent = frame_top(c);
    inc = &parent->rec.terms[parent->next];
    if (result == TK_AUTH_PASS)
        return frame_result(c, qualifier_result(inc), inc);
    parent->next++;
    c->charged = false;
    step(c);
}

/* --------------------------------------------------------- the terms */

/* term_charge counts a DNS-querying term once (RFC 7208 4.6.4); false
 * after ending the check when that is one too many. */
static bool term_charge(struct tk_spf_check *c, const struct tk_spf_term *t)
{
    if (c->charged)
        return true;
    c->charged = true;
    if (++c->res.dns_terms <= TK_SPF_DNS_TERMS_MAX)
        return true;
    check_error(c, TK_AUTH_PERMERROR,
                "'%.*s' is DNS-querying term %u, over the limit of %d (include, a, mx, ptr, "
                "exists and redirect count; RFC 7208 4.6.4)",
                (int)(t->text.len > 64 ? 64 : t->text.len), t->text.p, c->res.dns_terms,
                TK_SPF_DNS_TERMS_MAX);
    return false;
}

/* term_void counts a look-up that found nothing; false after ending
 * the check when that is one too many. */
static bool term_void(struct tk_spf_check *c)
{
    if (++c->res.void_lookups <= TK_SPF_VOID_LOOKUPS_MAX)
        return true;
    check_error(c, TK_AUTH_PERMERROR,
                "%u look-ups found nothing, over the limit of %d (RFC 7208 4.6.4): a name in "
                "the record does not exist",
                c->res.void_lookups, TK_SPF_VOID_LOOKUPS_MAX);
    return false;
}

/* term_target expands the term's domain-spec (the current domain when
 * none is written) into c->target. T_WAIT when %{p} needs the
 * validated names first; T_OVER after an error; else T_MATCH meaning
 * "target ready". */
static enum spf_term_outcome term_target(struct tk_spf_check *c, const struct tk_spf_term *t)
{
    struct spf_frame *f = frame_top(c);
    struct tk_spf_macro_ctx ctx;
    struct tk_buf out = {NULL, 0, 0};
    struct tk_error err = {TK_OK, ""};
    enum tk_status st;
    bool ok;

    if (t->domain_spec.len == 0) {
        memcpy(c->target, f->domain, sizeof(c->target));
        return T_MATCH;
    }
    if (needs_validated(t->domain_spec) && c->vstate != V_DONE)
        return validation_start(c, RESUME_STEP) ? T_WAIT : T_OVER;
    macro_ctx(c, f->domain, &ctx);
    st = tk_spf_macro_expand(t->domain_spec, &ctx, false, &out, &err);
    ok = st == TK_OK && spf_name_check(out.data, out.len, c->target);
    tk_buf_free(&out);
    if (st == TK_OK && ok)
        return T_MATCH;
    if (st == TK_NOMEM)
        check_error(c, TK_AUTH_TEMPERROR, "out of memory expanding a macro");
    else if (st != TK_OK)
        check_error(c, TK_AUTH_PERMERROR, "'%.*s': %s", (int)(t->text.len > 64 ? 64 : t->text.len),
                    t->text.p, err.msg);
    else
        check_error(c, TK_AUTH_PERMERROR, "'%.*s' names no valid domain once expanded",
                    (int)(t->text.len > 64 ? 64 : t->text.len), t->text.p);
    return T_OVER;
}

/* ptr_matches: a validated name is the target or below it (5.5). */
static bool ptr_matches(const struct tk_spf_check *c)
{
    unsigned i;

    for (i = 0; i < c->nvalidated; i++)
        if (spf_domain_is_sub(c->validated[i], c->target))
            return true;
    return false;
}

static enum spf_term_outcome term_ptr(struct tk_spf_check *c)
{
    if (c->vstate != V_DONE)
        return validation_start(c, RESUME_STEP) ? T_WAIT : T_OVER;
    if (c->ptr_absent && !term_void(c))
        return T_OVER;
    return ptr_matches(c) ? T_MATCH : T_NO_MATCH;
}

/* term_dns starts a term that needs DNS (RFC 7208 5.2-5.7). */
static enum spf_term_outcome term_dns(struct tk_spf_check *c, const struct tk_spf_term *t)
{
    enum spf_term_outcome o;
    bool asked = true;

    if (!term_charge(c, t))
        return T_OVER;
    if ((o = term_target(c, t)) != T_MATCH)
        return o;
    c->prefix = c->ip.v6 ? (t->cidr6 >= 0 ? t->cidr6 : 128) : (t->cidr4 >= 0 ? t->cidr4 : 32);
    switch (t->kind) {
    case TK_SPF_INCLUDE:
        return frame_push(c, c->target, true) ? T_WAIT : T_OVER;
    case TK_SPF_A:
        asked = check_ask_one(c, ST_ADDR, c->target, client_addr_type(c));
        break;
    case TK_SPF_EXISTS: /* always A, whatever the client (5.7) */
        asked = check_ask_one(c, ST_EXISTS, c->target, TK_DNS_A);
        break;
    case TK_SPF_MX:
        asked = check_ask_one(c, ST_MX, c->target, TK_DNS_MX);
        break;
    case TK_SPF_PTR:
        return term_ptr(c);
    default:
        return T_NO_MATCH;
    }
    return asked ? T_WAIT : T_OVER;
}

static enum spf_term_outcome term_begin(struct tk_spf_check *c, const struct tk_spf_term *t)
{
    switch (t->kind) {
    case TK_SPF_ALL:
        return T_MATCH;
    case TK_SPF_IP4:
        return !c->ip.v6 && spf_ip_in_prefix(&c->ip, t->ip, false, t->cidr4 >= 0 ? t->cidr4 : 32)
                   ? T_MATCH
                   : T_NO_MATCH;
    case TK_SPF_IP6:
        return c->ip.v6 && spf_ip_in_prefix(&c->ip, t->ip, true, t->cidr6 >= 0 ? t->cidr6 : 128)
                   ? T_MATCH
                   : T_NO_MATCH;
    case TK_SPF_INCLUDE:
    case TK_SPF_A:
    case TK_SPF_MX:
    case TK_SPF_PTR:
    case TK_SPF_EXISTS:
        return term_dns(c, t);
    default: /* modifiers are not evaluated in order (RFC 7208 6) */
        return T_NO_MATCH;
    }
}

/* frame_redirect follows redirect= at the end of a record without
 * "all" (RFC 7208 6.1): the target's result is this frame's. */
static void frame_redirect(struct tk_spf_check *c)
{
    struct spf_frame *f = frame_top(c);
    const struct tk_spf_term *t = &f->rec.terms[f->rec.redirect_index];

    if (!term_charge(c, t))
        return;
    if (term_target(c, t) != T_MATCH)
        return; /* waiting for %{p}, or over */
    frame_clear(f);
    c->depth--;
    frame_push(c, c->target, true);
}

/* frame_end: no mechanism matched. */
static void frame_end(struct tk_spf_check *c)
{
    struct spf_frame *f = frame_top(c);

    if (f->rec.redirect_index >= 0 && f->rec.all_index < 0)
        return frame_redirect(c);
    frame_result(c, TK_AUTH_NEUTRAL, NULL); /* RFC 7208 4.7 */
}

/* step walks the top frame's terms from the current one. */
static void step(struct tk_spf_check *c)
{
    for (;;) {
        struct spf_frame *f = frame_top(c);
        const struct tk_spf_term *t;

        if (f->next >= f->rec.nterms)
            return frame_end(c);
        t = &f->rec.terms[f->next];
        switch (term_begin(c, t)) {
        case T_MATCH:
            return frame_result(c, qualifier_result(t), t);
        case T_NO_MATCH:
            f->next++;
            c->charged = false;
            continue;
        default:
            return;
        }
    }
}

/* term_done decides the current term once its questions are answered. */
static void term_done(struct tk_spf_check *c, bool matched)
{
    struct spf_frame *f = frame_top(c);

    c->stage = ST_IDLE;
    if (matched)
        return frame_result(c, qualifier_result(&f->rec.terms[f->next]), &f->rec.terms[f->next]);
    f->next++;
    c->charged = false;
    step(c);
}

/* --------------------------------------------------------- the answers */

/* addr_answer: a and exists. exists matches any A record (5.7). */
static void addr_answer(struct tk_spf_check *c, const struct tk_dns_answer *a, bool any)
{
    size_t i;

    if (a->status == TK_TEMP)
        return check_error(c, TK_AUTH_TEMPERROR, "the %s look-up of %s failed: %s",
                           a->qtype == TK_DNS_AAAA ? "AAAA" : "A", c->target,
                           a->why ? a->why : "DNS error");
    if (a->status != TK_OK || a->count == 0)
        return term_void(c) ? term_done(c, false) : (void)0;
    for (i = 0; i < a->count; i++)
        if (any ? a->rdata[i].len == 4 : spf_rdata_in_prefix(&c->ip, &a->rdata[i], c->prefix))
            return term_done(c, true);
    term_done(c, false);
}

/* mx_answer asks for the address of every exchange at once. More than
 * TK_SPF_MX_PTR_NAMES_MAX MX records is permerror (4.6.4); a null MX
 * (RFC 7505) or an unusable exchange names no host. */
static void mx_answer(struct tk_spf_check *c, const struct tk_dns_answer *a)
{
    unsigned i, n = 0;

    if (a->status == TK_TEMP)
        return check_error(c, TK_AUTH_TEMPERROR, "the MX look-up of %s failed: %s", c->target,
                           a->why ? a->why : "DNS error");
    if (a->status != TK_OK || a->count == 0)
        return term_void(c) ? term_done(c, false) : (void)0;
    if (a->count > TK_SPF_MX_PTR_NAMES_MAX)
        return check_error(c, TK_AUTH_PERMERROR,
                           "%s has %zu MX records; an mx term may look at %d (RFC 7208 4.6.4)",
                           c->target, a->count, TK_SPF_MX_PTR_NAMES_MAX);
    c->nnames = 0;
    for (i = 0; i < a->count; i++)
        if (a->rdata[i].len > 2 && spf_rdata_name(&a->rdata[i], 2, c->names[c->nnames]) &&
            c->names[c->nnames][0] != '\0')
            c->nnames++;
    if (c->nnames == 0)
        return term_done(c, false);
    if (!check_in_time(c))
        return;
    c->stage = ST_MX_ADDR;
    c->submit_failed = false;
    for (i = 0; i < c->nnames; i++)
        n += check_ask(c, c->names[i], client_addr_type(c), i);
    if (n == 0)
        check_error(c, TK_AUTH_TEMPERROR, "could not ask the resolver about %s's MX hosts",
                    c->target);
}

/* mx_addr_done: any exchange's address matches; else a failed look-up
 * is temperror (RFC 7208 5: DNS errors end the check). */
static void mx_addr_done(struct tk_spf_check *c)
{
    unsigned i;
    bool temp = c->submit_failed;

    for (i = 0; i < c->nnames; i++) {
        if (c->slot_state[i] == SLOT_MATCH)
            return term_done(c, true);
        temp |= c->slot_state[i] == SLOT_TEMP;
    }
    if (temp)
        return check_error(c, TK_AUTH_TEMPERROR,
                           "the address look-up of an MX host of %s failed or timed out",
                           c->target);
    term_done(c, false);
}

/* slot_answer records one answer of a stage with several questions. */
static void slot_answer(struct tk_spf_check *c, unsigned i, const struct tk_dns_answer *a)
{
    size_t k;

    if (a->status == TK_TEMP) {
        c->slot_state[i] = SLOT_TEMP;
        return;
    }
    for (k = 0; a->status == TK_OK && k < a->count; k++)
        if (spf_rdata_in_prefix(&c->ip, &a->rdata[k],
                                c->stage == ST_MX_ADDR ? c->prefix : (c->ip.v6 ? 128 : 32)))
            c->slot_state[i] = SLOT_MATCH;
}

static void exp_answer(struct tk_spf_check *c, const struct tk_dns_answer *a);

static void check_answer(void *arg, const struct tk_dns_answer *a)
{
    struct spf_slot *slot = arg;
    struct tk_spf_check *c = slot->c;

    c->pending--;
    switch (c->stage) {
    case ST_RECORD:
        return record_answer(c, a);
    case ST_ADDR:
        return addr_answer(c, a, false);
    case ST_EXISTS:
        return addr_answer(c, a, true);
    case ST_MX:
        return mx_answer(c, a);
    case ST_PTR:
        return validation_ptr(c, a);
    case ST_EXP:
        return exp_answer(c, a);
    case ST_MX_ADDR:
    case ST_PTR_ADDR:
        slot_answer(c, slot->index, a);
        if (c->pending > 0)
            return;
        if (c->stage == ST_MX_ADDR)
            return mx_addr_done(c);
        return validation_addr_done(c);
    default:
        return;
    }
}

/* --------------------------------------------------------- explanation */

/* exp_name expands exp='s domain-spec and asks for its TXT record
 * (RFC 7208 6.2). Any trouble means no explanation, never an error. */
static void exp_name(struct tk_spf_check *c)
{
    struct spf_frame *f = frame_top(c);
    const struct tk_spf_term *t = &f->rec.terms[f->rec.exp_index];
    struct tk_spf_macro_ctx ctx;
    struct tk_buf out = {NULL, 0, 0};
    bool ok;

    if (tk_now_ms() > c->deadline_ms)
        return check_finish(c);
    if (needs_validated(t->domain_spec) && c->vstate != V_DONE) {
        (void)validation_start(c, RESUME_EXP_NAME);
        return;
    }
    macro_ctx(c, f->domain, &ctx);
    ok = tk_spf_macro_expand(t->domain_spec, &ctx, false, &out, NULL) == TK_OK &&
         spf_name_check(out.data, out.len, c->target);
    tk_buf_free(&out);
    if (!ok) {
        check_finish(c);
        return;
    }
    c->stage = ST_EXP;
    c->submit_failed = false;
    if (!check_ask(c, c->target, TK_DNS_TXT, 0))
        check_finish(c);
}

/* exp_answer keeps the one TXT record of the explanation: none or
 * several mean no explanation (6.2). */
static void exp_answer(struct tk_spf_check *c, const struct tk_dns_answer *a)
{
    c->stage = ST_IDLE;
    tk_buf_reset(&c->exp_text);
    if (a->status != TK_OK || a->count != 1 || tk_rdata_txt(&a->rdata[0], &c->exp_text) != TK_OK)
        return check_finish(c);
    exp_text(c);
}

/* exp_text expands the explanation; text that is not visible ASCII and
 * spaces (6.2: US-ASCII only) is dropped. */
static void exp_text(struct tk_spf_check *c)
{
    struct spf_frame *f = frame_top(c);
    struct tk_span spec = {c->exp_text.data ? c->exp_text.data : "", c->exp_text.len};
    struct tk_spf_macro_ctx ctx;
    struct tk_buf out = {NULL, 0, 0};
    size_t i;

    if (needs_validated(spec) && c->vstate != V_DONE) {
        if (tk_now_ms() > c->deadline_ms)
            return check_finish(c);
        (void)validation_start(c, RESUME_EXP_TEXT);
        return;
    }
    for (i = 0; i < spec.len; i++)
        if ((unsigned char)spec.p[i] < ' ' || (unsigned char)spec.p[i] > '~')
            return check_finish(c);
    macro_ctx(c, f->domain, &ctx);
    if (tk_spf_macro_expand(spec, &ctx, true, &out, NULL) == TK_OK &&
        out.len < sizeof(c->res.explanation))
        memcpy(c->res.explanation, out.data, out.len + 1);
    tk_buf_free(&out);
    check_finish(c);
}

/* ------------------------------------------------------------- start */

static char *dup_or_empty(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p) {
        memcpy(p, s ? s : "", n);
        p[n] = '\0';
    }
    return p;
}

/* check_identity fills sender, local part and domain (RFC 7208 4.3:
 * no local part is "postmaster"; 2.4: the null reverse-path checks the
 * HELO name as postmaster@HELO). */
static bool check_identity(struct tk_spf_check *c, const struct tk_spf_request *req)
{
    const char *sender = req->sender && req->sender[0] ? req->sender : NULL;
    const char *helo = req->helo ? req->helo : "";
    const char *at = sender ? strrchr(sender, '@') : NULL;
    const char *domain = sender ? (at ? at + 1 : sender) : helo;
    size_t local_len = at && at > sender ? (size_t)(at - sender) : 0;
    struct tk_buf b = {NULL, 0, 0};

    c->res.identity = sender ? TK_SPF_ID_MAILFROM : TK_SPF_ID_HELO;
    c->helo = dup_or_empty(helo, strlen(helo));
    c->sender_domain = dup_or_empty(domain, strlen(domain));
    c->local = local_len ? dup_or_empty(sender, local_len) : dup_or_empty("postmaster", 10);
    c->receiver = req->receiver ? dup_or_empty(req->receiver, strlen(req->receiver)) : NULL;
    if (c->helo == NULL || c->sender_domain == NULL || c->local == NULL ||
        (req->receiver && c->receiver == NULL))
        return false;
    if (tk_buf_printf(&b, "%s@%s", c->local, c->sender_domain) != TK_OK)
        return false;
    c->sender = tk_buf_steal(&b);
    snprintf(c->res.checked, sizeof(c->res.checked), "%.*s", TK_DOMAIN_MAX, c->sender_domain);
    return c->sender != NULL;
}

/* check_domain_ok: RFC 7208 4.3 wants a well-formed, multi-label name;
 * anything else is none. */
static bool check_domain_ok(const char *domain, char out[TK_DOMAIN_MAX + 1])
{
    return tk_domain_normalise(domain, strlen(domain), out, NULL) == TK_OK &&
           strchr(out, '.') != NULL && strchr(out, '*') == NULL;
}

enum tk_status tk_spf_check_start(struct tk_resolver *r, const struct tk_spf_request *req,
                                  tk_spf_done done, void *arg, struct tk_error *err)
{
    struct tk_spf_check *c = calloc(1, sizeof(*c));
    char domain[TK_DOMAIN_MAX + 1];
    size_t i;

    if (c == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory starting an SPF check");
    for (i = 0; i < SPF_FRAMES_MAX; i++)
        frame_clear(&c->frames[i]);
    c->r = r;
    c->done = done;
    c->arg = arg;
    c->ip = req->ip;
    c->now = req->now ? req->now : (long long)time(NULL);
    c->deadline_ms =
        tk_now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : TK_SPF_CHECK_TIMEOUT_MS_DEFAULT);
    if (!check_identity(c, req)) {
        check_free(c);
        return tk_error_set(err, TK_NOMEM, "out of memory starting an SPF check");
    }
    if (!check_domain_ok(c->sender_domain, domain)) {
        c->res.result = TK_AUTH_NONE;
        snprintf(c->res.reason, sizeof(c->res.reason),
                 "'%.64s' is not a valid multi-label domain name (RFC 7208 4.3)", c->res.checked);
        tk_text_sanitise(c->res.reason);
        tk_text_sanitise(c->res.checked); /* not a domain: may hold any byte */
        check_finish(c);
        return TK_OK;
    }
    snprintf(c->res.checked, sizeof(c->res.checked), "%s", domain);
    frame_push(c, domain, false);
    return TK_OK;
}

/* ---------------------------------------------------------- sync */

struct spf_sync {
    bool done;
    struct tk_spf_result *out;
};

static void sync_done(void *arg, const struct tk_spf_result *res)
{
    struct spf_sync *s = arg;

    *s->out = *res;
    s->done = true;
}

enum tk_status tk_spf_check_sync(struct tk_resolver *r, const struct tk_spf_request *req,
                                 struct tk_spf_result *out, struct tk_error *err)
{
    struct spf_sync s = {false, out};
    enum tk_status st = tk_spf_check_start(r, req, sync_done, &s, err);

    while (st == TK_OK && !s.done)
        st = tk_resolver_wait(r, 1000, err);
    return st;
}
