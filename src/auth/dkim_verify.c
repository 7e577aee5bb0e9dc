/*
 * NAME
 *	dkim_verify.c - DKIM verification of a message's signatures
 * DESCRIPTION
 *	Each signature is a dkim_check: parsed when the header section is
 *	complete, its header hash taken then (the header section does not
 *	change), its body hashed as the body streams, its key looked up at
 *	finish. What can be decided without the key (a broken signature, a
 *	header section over limits, rsa-sha1, an expired signature, a body
 *	hash that does not match) is decided before any look-up, so a
 *	hostile message costs no DNS for those. See dkim_verify.h.
 * STANDARDS
 *	RFC 6376 3.7, 5.4.2, 6.1; RFC 8301; RFC 8463; RFC 8601 2.7.1.
 * SECURITY
 *	The key record is parsed by record/dkimkey.c and loaded by OpenSSL
 *	from bytes whose length the record bounds. Reasons quote message
 *	bytes only through tk_record_error, which keeps them printable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim_canon.h"
#include "core/sha256.h"
#include "auth/dkim_keycache.h"
#include "auth/dkim_rsa.h"
#include "auth/dkim_verify.h"
#include "core/domain.h"
#include "core/text.h"
#include "dns/rdata.h"
#include "record/dkimkey.h"
#include "record/recerr.h"

/* RFC 8301 3.2: verifiers must not accept RSA keys under 1024 bits. */
#define VERIFY_RSA_BITS_MIN 1024

enum check_key {
    KEY_NONE = 0, /* no look-up made */
    KEY_PENDING,
    KEY_OK,
    KEY_ABSENT,
    KEY_TEMP,
    KEY_BROKEN,
};

struct dkim_check {
    struct tk_dkim_verify *v;
    size_t field; /* index of the DKIM-Signature field in the message */
    struct tk_dkim_sig sig;
    bool decided; /* res is final */
    bool body_on; /* body is being hashed */
    struct tk_dkim_body body;
    unsigned char header_hash[TK_DKIM_HASH_MAX];
    enum check_key key_state;
    struct tk_dkim_key key; /* flags and size only (auth/dkim_keycache.h) */
    EVP_PKEY *pkey;         /* the key to verify with */
    char key_why[TK_ERROR_MSG_MAX];
    char qname[TK_DOMAIN_MAX + 1];
    struct tk_dkim_result res;
};

struct tk_dkim_verify {
    const struct tk_msg *msg;
    int64_t now;
    unsigned skew;
    bool begun, body_ended;
    size_t n, unchecked;
    size_t pending;
    enum tk_status st; /* sticky: the first failure of our own */
    struct tk_error err;
    /* one per signature checked, made when the header section is
     * complete: a check is ~12 KB, and most messages carry one or two
     * signatures, not TK_DKIM_SIGNATURES_MAX */
    struct dkim_check *checks;
};

/* check_decide gives a signature its final result. */
__attribute__((format(printf, 3, 4))) static void
check_decide(struct dkim_check *c, enum tk_auth_result r, const char *fmt, ...)
{
    va_list ap;

    if (c->decided)
        return;
    c->decided = true;
    c->res.result = r;
    if (strchr(fmt, '%') == NULL) { /* nothing to format: vsnprintf's set-up costs more */
        tk_strlcpy(c->res.reason, fmt, sizeof(c->res.reason));
        return;
    }
    va_start(ap, fmt);
    vsnprintf(c->res.reason, sizeof(c->res.reason), fmt, ap);
    va_end(ap);
    tk_text_sanitise(c->res.reason);
}

static void verify_fail(struct tk_dkim_verify *v, enum tk_status st, const char *what)
{
    if (v->st == TK_OK) {
        v->st = st;
        tk_error_set(&v->err, st, "DKIM verification: %s", what);
    }
}

enum tk_status tk_dkim_verify_new(const struct tk_msg *msg,
                                  const struct tk_dkim_verify_options *opts,
                                  struct tk_dkim_verify **out, struct tk_error *err)
{
    struct tk_dkim_verify *v = calloc(1, sizeof(*v));

    *out = NULL;
    if (v == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    v->msg = msg;
    v->now = opts && opts->now ? opts->now : (int64_t)time(NULL);
    v->skew = opts && opts->clock_skew ? opts->clock_skew : TK_DKIM_CLOCK_SKEW_SECONDS;
    *out = v;
    return TK_OK;
}

/* ---- the header hash ---- */

/* header_pick returns the index of the field that the k-th listing of
 * name (k counted from 0) signs: instances are taken bottom up; none
 * when the name is listed more often than it occurs. */
static size_t header_pick(const struct tk_msg *m, struct tk_span name, size_t k)
{
    size_t i = m->nfields;

    while (i-- > 0) {
        struct tk_span n = tk_msg_field_name(m, i);

        if (n.len == name.len && strncasecmp(n.p, name.p, n.len) == 0 && k-- == 0)
            return i;
    }
    return (size_t)-1;
}

/* header_listed_before counts how often h[j] is listed before j. */
static size_t header_listed_before(const struct tk_dkim_sig *sig, size_t j)
{
    size_t i, k = 0;

    for (i = 0; i < j; i++)
        if (sig->h[i].len == sig->h[j].len &&
            strncasecmp(sig->h[i].p, sig->h[j].p, sig->h[j].len) == 0)
            k++;
    return k;
}

/* header_sig_field appends the signature field with b= blanked,
 * canonicalised, without a final CRLF. */
static enum tk_status header_sig_field(const struct tk_dkim_sig *sig, const char *raw, size_t len,
                                       struct tk_buf *canon)
{
    struct tk_buf blank = {0};
    size_t start = len, end = len;
    enum tk_status st;

    tk_dkim_sig_b_value(raw, len, &start, &end);
    st = tk_buf_append(&blank, raw, start);
    if (st == TK_OK)
        st = tk_buf_append(&blank, raw + end, len - end);
    if (st == TK_OK)
        st =
            tk_dkim_canon_header(sig->header_canon, blank.data ? blank.data : "", blank.len, canon);
    tk_buf_free(&blank);
    return st;
}

/* header_canon appends one signed field, canonicalised, and CRLF. */
static enum tk_status header_canon(enum tk_dkim_canon c, const char *f, size_t len,
                                   struct tk_buf *canon)
{
    enum tk_status st = tk_dkim_canon_header(c, f, len, canon);

    return st == TK_OK ? tk_buf_append(canon, "\r\n", 2) : st;
}

/* The signed fields are canonicalised into one buffer and hashed in one
 * call: a DKIM-Signature signs a dozen fields, and a digest update and
 * a buffer reset for each cost as much as hashing them. */
enum tk_status tk_dkim_header_hash(const struct tk_msg *msg, const struct tk_dkim_sig *sig,
                                   const char *sig_field, size_t sig_len,
                                   unsigned char out[TK_DKIM_HASH_MAX])
{
    struct tk_buf canon = {0};
    enum tk_status st = TK_OK;
    unsigned int outlen = 0;
    size_t j, f;

    /* room for every field once (relaxed adds at most a byte to one),
     * taken at once rather than grown field by field */
    if ((st = tk_buf_reserve(&canon, msg->header_bytes + msg->nfields + sig_len + 2)) != TK_OK)
        return st;
    for (j = 0; j < sig->nh && st == TK_OK; j++) {
        f = header_pick(msg, sig->h[j], header_listed_before(sig, j));
        if (f != (size_t)-1)
            st =
                header_canon(sig->header_canon, msg->fields[f].raw, msg->fields[f].raw_len, &canon);
    }
    if (st == TK_OK)
        st = header_sig_field(sig, sig_field, sig_len, &canon);
    if (st == TK_OK && (EVP_Digest(canon.data ? canon.data : "", canon.len, out, &outlen,
                                   tk_sha256(), NULL) != 1 ||
                        outlen != TK_DKIM_HASH_MAX))
        st = TK_IO;
    tk_buf_free(&canon);
    return st;
}

/* ---- begin: the header section is complete ---- */

/* check_from_covered: a From field the signature does not sign could be
 * the one a reader sees (RFC 6376 8.15); h= must list From at least as
 * often as the message has it. */
static void check_from_covered(struct dkim_check *c, const struct tk_msg *m)
{
    size_t froms = tk_msg_count(m, "from"), listed = 0, j;

    for (j = 0; j < c->sig.nh; j++)
        listed += tk_span_eq_ci(c->sig.h[j], "from");
    if (froms > listed)
        check_decide(c, TK_AUTH_FAIL,
                     "the message has %zu From fields and the signature covers %zu: an unsigned "
                     "From could be the one shown",
                     froms, listed);
}

static void check_times(struct dkim_check *c, int64_t now, unsigned skew)
{
    const struct tk_dkim_sig *s = &c->sig;

    if (s->has_x && (uint64_t)now > s->x && (uint64_t)now - s->x > skew)
        check_decide(c, TK_AUTH_FAIL, "the signature expired (x=%llu, %llu seconds ago)",
                     (unsigned long long)s->x, (unsigned long long)((uint64_t)now - s->x));
    else if (s->has_t && s->t > (uint64_t)now && s->t - (uint64_t)now > skew)
        check_decide(c, TK_AUTH_PERMERROR,
                     "the signature's time t=%llu is %llu seconds in the future",
                     (unsigned long long)s->t, (unsigned long long)(s->t - (uint64_t)now));
}

/* check_start hashes the header section of a parsed signature and
 * starts its body hash. */
static void check_start(struct tk_dkim_verify *v, struct dkim_check *c)
{
    const struct tk_msg_field *f = &v->msg->fields[c->field];
    enum tk_status st;

    if (c->sig.alg == TK_DKIM_RSA_SHA1)
        check_decide(c, TK_AUTH_FAIL,
                     "rsa-sha1 is obsolete and fails (RFC 8301): the signer must use rsa-sha256 "
                     "or ed25519-sha256");
    check_times(c, v->now, v->skew);
    check_from_covered(c, v->msg);
    if (c->decided)
        return;
    st = tk_dkim_header_hash(v->msg, &c->sig, f->raw, f->raw_len, c->header_hash);
    if (st == TK_OK)
        st = tk_dkim_body_init(&c->body, c->sig.body_canon, tk_sha256(),
                               c->sig.has_l ? c->sig.l : UINT64_MAX);
    if (st != TK_OK) {
        verify_fail(v, st, "cannot hash the message (out of memory or OpenSSL failed)");
        check_decide(c, TK_AUTH_TEMPERROR, "the verifier ran out of memory");
        tk_dkim_body_free(&c->body);
        return;
    }
    c->body_on = true;
}

static void check_result_names(struct dkim_check *c, bool parsed)
{
    struct tk_dkim_result *r = &c->res;

    tk_strlcpy(r->d, c->sig.d, sizeof(r->d));
    tk_strlcpy(r->s, c->sig.s, sizeof(r->s));
    tk_strlcpy(r->i, c->sig.i, sizeof(r->i));
    tk_text_sanitise(r->i);
    tk_strlcpy(r->b, c->sig.b_prefix, sizeof(r->b));
    tk_strlcpy(r->a, parsed ? tk_dkim_alg_name(c->sig.alg) : "", sizeof(r->a));
}

static void check_parse(struct tk_dkim_verify *v, struct dkim_check *c)
{
    struct tk_span value = tk_msg_field_value(v->msg, c->field);
    struct tk_error err = {0};

    if (tk_dkim_sig_parse(value.p, value.len, &c->sig, &err) != TK_OK) {
        check_result_names(c, false);
        /* RFC 8601 2.7.1: a signature with syntax errors is neutral;
         * permerror is for what the signer published (the key). */
        check_decide(c, TK_AUTH_NEUTRAL, "broken signature: %s", err.msg);
        return;
    }
    check_result_names(c, true);
    if (tk_msg_overflow(v->msg)) {
        check_decide(c, TK_AUTH_PERMERROR, "%s", v->msg->why);
        return;
    }
    check_start(v, c);
}

static void verify_begin(struct tk_dkim_verify *v)
{
    const struct tk_msg *m = v->msg;
    size_t i, n = tk_msg_count(m, "DKIM-Signature");

    v->begun = true;
    if (n > TK_DKIM_SIGNATURES_MAX)
        n = TK_DKIM_SIGNATURES_MAX;
    if (n > 0 && (v->checks = calloc(n, sizeof(*v->checks))) == NULL) {
        verify_fail(v, TK_NOMEM, "out of memory");
        return;
    }
    for (i = 0; i < m->nfields; i++) {
        struct dkim_check *c;

        if (!tk_msg_field_is(m, i, "DKIM-Signature"))
            continue;
        if (v->n >= TK_DKIM_SIGNATURES_MAX) {
            v->unchecked++;
            continue;
        }
        c = &v->checks[v->n++];
        c->v = v;
        c->field = i;
        check_parse(v, c);
    }
}

void tk_dkim_verify_body(void *arg, const char *p, size_t n)
{
    struct tk_dkim_verify *v = arg;
    size_t i;

    if (!v->begun)
        verify_begin(v);
    if (v->body_ended)
        return;
    for (i = 0; i < v->n; i++)
        if (v->checks[i].body_on)
            tk_dkim_body_update(&v->checks[i].body, p, n);
}

/* ---- finish: body hashes, key look-ups ---- */

static void verify_end_body(struct tk_dkim_verify *v)
{
    unsigned char bh[TK_DKIM_HASH_MAX];
    size_t i, len = 0;

    if (!v->begun)
        verify_begin(v);
    if (v->body_ended)
        return;
    v->body_ended = true;
    for (i = 0; i < v->n; i++) {
        struct dkim_check *c = &v->checks[i];

        if (!c->body_on)
            continue;
        c->body_on = false;
        if (c->sig.has_l && c->body.length < c->sig.l)
            check_decide(c, TK_AUTH_PERMERROR,
                         "l=%llu is longer than the body (%llu bytes canonicalised)",
                         (unsigned long long)c->sig.l, (unsigned long long)c->body.length);
        if (tk_dkim_body_final(&c->body, bh, &len) != TK_OK) {
            verify_fail(v, TK_IO, "OpenSSL failed to hash the body");
            check_decide(c, TK_AUTH_TEMPERROR, "the body could not be hashed");
        } else if (len != c->sig.bh_len || memcmp(bh, c->sig.bh, len) != 0)
            check_decide(c, TK_AUTH_FAIL,
                         "the body hash did not verify: the body was changed after signing");
    }
}

/* key_take parses one TXT record; true when it gave a usable key. */
static bool key_take(struct dkim_check *c, const struct tk_dns_rdata *rd)
{
    struct tk_buf txt = {0};
    struct tk_error err = {0};
    enum tk_status st = tk_rdata_txt(rd, &txt);

    if (st == TK_OK)
        st = tk_dkim_keycache_get(txt.data ? txt.data : "", txt.len, &c->key, &c->pkey, &err);
    else
        tk_error_set(&err, st, "the TXT record is malformed");
    tk_buf_free(&txt);
    if (st == TK_OK)
        return true;
    if (c->key_why[0] == '\0')
        snprintf(c->key_why, sizeof(c->key_why), "%s", err.msg);
    return false;
}

static void key_answer(void *arg, const struct tk_dns_answer *a)
{
    struct dkim_check *c = arg;
    size_t i;

    c->v->pending--;
    if (a->status == TK_TEMP) {
        c->key_state = KEY_TEMP;
        snprintf(c->key_why, sizeof(c->key_why), "%s", a->why ? a->why : "no answer");
        return;
    }
    if (a->status != TK_OK || a->count == 0) {
        c->key_state = KEY_ABSENT;
        return;
    }
    c->key_state = KEY_BROKEN;
    for (i = 0; i < a->count && i < TK_RRSET_MAX; i++)
        if (key_take(c, &a->rdata[i])) {
            c->key_state = KEY_OK;
            return;
        }
}

/* key_name writes s._domainkey.d to qname, with copies: snprintf's
 * set-up costs more than they do, for every signature. False when the
 * name is longer than DNS allows. */
static bool key_name(struct dkim_check *c)
{
    static const char mid[] = "._domainkey.";
    size_t ls = strlen(c->sig.s), ld = strlen(c->sig.d);

    if (ls + sizeof(mid) - 1 + ld > TK_DOMAIN_MAX)
        return false;
    memcpy(c->qname, c->sig.s, ls);
    memcpy(c->qname + ls, mid, sizeof(mid) - 1);
    memcpy(c->qname + ls + sizeof(mid) - 1, c->sig.d, ld + 1);
    return true;
}

enum tk_status tk_dkim_verify_submit(struct tk_dkim_verify *v, struct tk_resolver *r,
                                     struct tk_error *err)
{
    size_t i;

    verify_end_body(v);
    for (i = 0; i < v->n; i++) {
        struct dkim_check *c = &v->checks[i];

        if (c->decided || c->key_state != KEY_NONE)
            continue;
        if (!key_name(c)) {
            check_decide(c, TK_AUTH_PERMERROR,
                         "the key name %s._domainkey.%s is longer than DNS allows", c->sig.s,
                         c->sig.d);
            continue;
        }
        c->key_state = KEY_PENDING;
        v->pending++;
        if (tk_resolver_query(r, c->qname, TK_DNS_TXT, key_answer, c) != TK_OK) {
            v->pending--;
            c->key_state = KEY_TEMP;
            snprintf(c->key_why, sizeof(c->key_why), "the query could not be sent");
        }
    }
    if (v->st != TK_OK && err)
        *err = v->err;
    return v->st;
}

size_t tk_dkim_verify_pending(const struct tk_dkim_verify *v)
{
    return v->pending;
}

/* ---- judging with the key ---- */

/* key_refuses decides what the key record says before any crypto. */
static bool key_refuses(struct dkim_check *c)
{
    const struct tk_dkim_key *k = &c->key;
    bool want_ed = c->sig.alg == TK_DKIM_ED25519_SHA256;

    c->res.testing = k->testing;
    c->res.key_bits = k->bits;
    if (k->revoked)
        check_decide(c, TK_AUTH_PERMERROR, "the key at %s is revoked (empty p=)", c->qname);
    else if (k->type == TK_DKIM_KEY_OTHER || (k->type == TK_DKIM_KEY_ED25519) != want_ed)
        check_decide(c, TK_AUTH_PERMERROR, "the key at %s is k=%s but the signature is a=%s",
                     c->qname, tk_dkim_key_type_name(k->type), tk_dkim_alg_name(c->sig.alg));
    else if (!k->sha256_allowed)
        check_decide(c, TK_AUTH_PERMERROR, "the key at %s does not allow sha256 (its h= tag)",
                     c->qname);
    else if (!k->service_email)
        check_decide(c, TK_AUTH_PERMERROR, "the key at %s is not for email (its s= tag)", c->qname);
    else if (k->strict && !tk_ascii_strcaseeq(c->sig.i_domain, c->sig.d))
        check_decide(c, TK_AUTH_PERMERROR,
                     "the key at %s says t=s (i= must be in d= itself) but i=%s", c->qname,
                     c->sig.i);
    else if (k->type == TK_DKIM_KEY_RSA && k->bits < VERIFY_RSA_BITS_MIN)
        check_decide(c, TK_AUTH_FAIL,
                     "the key at %s is RSA of %u bits: RFC 8301 refuses keys under %d bits",
                     c->qname, k->bits, VERIFY_RSA_BITS_MIN);
    return c->decided;
}

static int crypto_verify_rsa(const struct dkim_check *c)
{
    return c->pkey ? tk_dkim_rsa_verify(c->pkey, c->header_hash, TK_DKIM_HASH_MAX, c->sig.b,
                                        c->sig.b_len)
                   : -1;
}

/* RFC 8463 3: ed25519 signs the SHA-256 hash of the headers (PureEdDSA
 * over those 32 bytes). */
static int crypto_verify_ed25519(const struct dkim_check *c)
{
    EVP_MD_CTX *md = c->pkey ? EVP_MD_CTX_new() : NULL;
    int ok = -1;

    if (md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, c->pkey) == 1)
        ok = EVP_DigestVerify(md, c->sig.b, c->sig.b_len, c->header_hash, TK_DKIM_HASH_MAX);
    EVP_MD_CTX_free(md);
    return ok;
}

static void check_crypto(struct dkim_check *c)
{
    int ok = c->sig.alg == TK_DKIM_ED25519_SHA256 ? crypto_verify_ed25519(c) : crypto_verify_rsa(c);

    if (ok != 1) /* a check that passed left no OpenSSL error behind */
        ERR_clear_error();
    if (ok == 1 && c->res.testing)
        check_decide(c, TK_AUTH_PASS, "the key is in testing mode (t=y); signature verified");
    else if (ok == 1)
        check_decide(c, TK_AUTH_PASS, "signature verified");
    else
        check_decide(c, TK_AUTH_FAIL,
                     "the signature did not verify with the key at %s: the signed header "
                     "fields were changed, or the key does not match",
                     c->qname);
}

static void check_judge(struct dkim_check *c)
{
    switch (c->key_state) {
    case KEY_PENDING:
        check_decide(c, TK_AUTH_TEMPERROR, "no answer for the key at %s in time", c->qname);
        return;
    case KEY_TEMP:
        check_decide(c, TK_AUTH_TEMPERROR, "the key at %s could not be looked up: %s", c->qname,
                     c->key_why);
        return;
    case KEY_ABSENT:
        check_decide(c, TK_AUTH_PERMERROR, "no key published at %s", c->qname);
        return;
    case KEY_BROKEN:
        check_decide(c, TK_AUTH_PERMERROR, "the key at %s is broken: %s", c->qname, c->key_why);
        return;
    case KEY_OK:
        if (!key_refuses(c))
            check_crypto(c);
        return;
    default:
        check_decide(c, TK_AUTH_PERMERROR, "the signature could not be checked");
    }
}

void tk_dkim_verify_judge(struct tk_dkim_verify *v)
{
    size_t i;

    verify_end_body(v);
    for (i = 0; i < v->n; i++)
        if (!v->checks[i].decided)
            check_judge(&v->checks[i]);
}

enum tk_status tk_dkim_verify_finish(struct tk_dkim_verify *v, struct tk_resolver *r,
                                     struct tk_error *err)
{
    enum tk_status st = tk_dkim_verify_submit(v, r, err);

    if (st != TK_OK)
        return st;
    if (v->pending > 0 && (st = tk_resolver_drain(r, err)) != TK_OK)
        return st;
    tk_dkim_verify_judge(v);
    return TK_OK;
}

size_t tk_dkim_verify_count(const struct tk_dkim_verify *v)
{
    return v->n;
}

const struct tk_dkim_result *tk_dkim_verify_result(const struct tk_dkim_verify *v, size_t i)
{
    return i < v->n ? &v->checks[i].res : NULL;
}

size_t tk_dkim_verify_unchecked(const struct tk_dkim_verify *v)
{
    return v->unchecked;
}

void tk_dkim_verify_free(struct tk_dkim_verify *v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; i < v->n; i++) {
        tk_dkim_body_free(&v->checks[i].body);
        tk_dkim_key_free(&v->checks[i].key);
        EVP_PKEY_free(v->checks[i].pkey);
    }
    free(v->checks);
    free(v);
}
