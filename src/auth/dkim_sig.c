/*
 * NAME
 *	dkim_sig.c - DKIM-Signature parser
 * DESCRIPTION
 *	The value is split by the shared tag-list parser; each tag RFC 6376
 *	3.5 defines is checked by its own small function, then what only
 *	the whole set can tell (required tags, i= within d=, x= after t=).
 *	Tag names are case-sensitive (RFC 6376 3.2); values written as
 *	ABNF literals (a=, c=, q=) are compared without regard to case.
 * STANDARDS
 *	RFC 6376 3.2, 3.4, 3.5; RFC 8301 3.1; RFC 8463 3.
 * LIMITS
 *	See dkim_sig.h.
 * SECURITY
 *	Every read is through tk_taglist, tk_cursor and tk_span; decoded
 *	bytes go into fixed arrays whose size bounds the decoder.
 */
#include <stdio.h>
#include <string.h>

#include "auth/dkim_sig.h"
#include "core/base64.h"
#include "core/domain.h"
#include "record/recerr.h"
#include "record/taglist.h"

/* Bytes of a value quoted in an error. */
#define SIG_SHOW_MAX 60
#define SHOW(s) (int)((s).len > SIG_SHOW_MAX ? SIG_SHOW_MAX : (s).len), (s).p

/* RFC 6376 3.5: t= and x= are 1*12DIGIT, l= 1*76DIGIT; we keep what
 * fits in 64 bits and refuse more rather than wrap. */
#define SIG_NUMBER_DIGITS_MAX 19

const char *tk_dkim_alg_name(enum tk_dkim_alg alg)
{
    switch (alg) {
    case TK_DKIM_ED25519_SHA256:
        return "ed25519-sha256";
    case TK_DKIM_RSA_SHA1:
        return "rsa-sha1";
    default:
        return "rsa-sha256";
    }
}

/* sig_number reads a decimal of at most SIG_NUMBER_DIGITS_MAX digits. */
static bool sig_number(struct tk_span v, uint64_t *out)
{
    uint64_t n = 0;
    size_t i;

    if (v.len == 0 || v.len > SIG_NUMBER_DIGITS_MAX)
        return false;
    for (i = 0; i < v.len; i++) {
        if (!tk_char_is_digit((unsigned char)v.p[i]))
            return false;
        n = n * 10 + (uint64_t)(v.p[i] - '0');
    }
    *out = n;
    return true;
}

static enum tk_status sig_tag_v(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    (void)sig;
    if (!tk_span_eq(v, "1"))
        return tk_record_error(err, TK_INVALID, "v=%.*s: this verifier knows DKIM version 1 only",
                               SHOW(v));
    return TK_OK;
}

static enum tk_status sig_tag_a(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    if (tk_span_eq_ci(v, "rsa-sha256"))
        sig->alg = TK_DKIM_RSA_SHA256;
    else if (tk_span_eq_ci(v, "ed25519-sha256"))
        sig->alg = TK_DKIM_ED25519_SHA256;
    else if (tk_span_eq_ci(v, "rsa-sha1"))
        sig->alg = TK_DKIM_RSA_SHA1;
    else
        return tk_record_error(err, TK_INVALID,
                               "a=%.*s is not an algorithm DKIM verifiers know: sign with "
                               "rsa-sha256 or ed25519-sha256",
                               SHOW(v));
    return TK_OK;
}

static bool sig_canon_name(struct tk_span v, enum tk_dkim_canon *out)
{
    if (tk_span_eq_ci(v, "simple"))
        *out = TK_DKIM_SIMPLE;
    else if (tk_span_eq_ci(v, "relaxed"))
        *out = TK_DKIM_RELAXED;
    else
        return false;
    return true;
}

static enum tk_status sig_tag_c(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span head, body = {"simple", 6};

    tk_cursor_init(&c, v.p, v.len);
    tk_cursor_span_until(&c, '/', &head);
    if (tk_cursor_take(&c, '/'))
        tk_cursor_rest(&c, &body);
    if (!sig_canon_name(head, &sig->header_canon) || !sig_canon_name(body, &sig->body_canon))
        return tk_record_error(err, TK_INVALID,
                               "c=%.*s is not a canonicalisation: write simple or relaxed, "
                               "header/body (c=relaxed/relaxed)",
                               SHOW(v));
    return TK_OK;
}

static enum tk_status sig_tag_d(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    struct tk_error derr = {0};

    if (tk_domain_normalise(v.p, v.len, sig->d, &derr) != TK_OK || strchr(sig->d, '*') != NULL)
        return tk_record_error(err, TK_INVALID, "d=%.*s is not a domain name: %s", SHOW(v),
                               derr.msg[0] ? derr.msg : "a wildcard");
    return TK_OK;
}

static enum tk_status sig_tag_s(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    char norm[TK_DOMAIN_MAX + 1];
    struct tk_error derr = {0};

    if (v.len == 0 || tk_domain_normalise(v.p, v.len, norm, &derr) != TK_OK ||
        strchr(norm, '*') != NULL)
        return tk_record_error(err, TK_INVALID,
                               "s=%.*s is not a selector (labels of letters, "
                               "digits, '-' and '_')",
                               SHOW(v));
    memcpy(sig->s, norm, strlen(norm) + 1);
    return TK_OK;
}

/* sig_header_name is true when n is a field name (RFC 5322 3.6.8). */
static bool sig_header_name(struct tk_span n)
{
    size_t i;

    if (n.len == 0)
        return false;
    for (i = 0; i < n.len; i++)
        if ((unsigned char)n.p[i] <= 32 || (unsigned char)n.p[i] >= 127 || n.p[i] == ':')
            return false;
    return true;
}

static enum tk_status sig_tag_h(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span name;
    bool from = false;

    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, ':', &name);
        name = tk_span_trim_fws(name);
        if (!sig_header_name(name))
            return tk_record_error(err, TK_INVALID,
                                   "h= holds an empty or malformed header name (after %zu "
                                   "names): list names separated by ':'",
                                   sig->nh);
        if (sig->nh >= TK_DKIM_SIG_HEADERS_MAX)
            return tk_record_error(err, TK_LIMIT, "h= lists more than %d header fields",
                                   TK_DKIM_SIG_HEADERS_MAX);
        sig->h[sig->nh++] = name;
        from = from || tk_span_eq_ci(name, "from");
    } while (tk_cursor_take(&c, ':'));
    if (!from)
        return tk_record_error(err, TK_INVALID,
                               "h= does not list From: RFC 6376 5.4 requires the From field to "
                               "be signed");
    return TK_OK;
}

static enum tk_status sig_tag_i(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    const char *at;

    if (v.len > TK_DKIM_IDENTITY_MAX)
        return tk_record_error(err, TK_LIMIT, "i= is longer than %d bytes", TK_DKIM_IDENTITY_MAX);
    if (memchr(v.p, '\0', v.len) != NULL)
        return tk_record_error(err, TK_INVALID, "i= holds a NUL byte");
    memcpy(sig->i, v.p, v.len);
    sig->i[v.len] = '\0';
    at = strrchr(sig->i, '@');
    if (at == NULL)
        return tk_record_error(err, TK_INVALID, "i=%.*s has no '@': write i=[local-part]@domain",
                               SHOW(v));
    sig->has_i = true;
    sig->i_domain = at + 1;
    return TK_OK;
}

static enum tk_status sig_tag_q(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span item;

    (void)sig;
    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, ':', &item);
        if (tk_span_eq_ci(tk_span_trim_fws(item), "dns/txt"))
            return TK_OK;
    } while (tk_cursor_take(&c, ':'));
    return tk_record_error(err, TK_INVALID,
                           "q=%.*s names no key query method verifiers know: write q=dns/txt",
                           SHOW(v));
}

static enum tk_status sig_number_tag(const char *name, struct tk_span v, bool *has, uint64_t *out,
                                     struct tk_error *err)
{
    if (!sig_number(v, out))
        return tk_record_error(err, TK_INVALID,
                               "%s=%.*s is not a decimal number of at most %d "
                               "digits",
                               name, SHOW(v), SIG_NUMBER_DIGITS_MAX);
    *has = true;
    return TK_OK;
}

static enum tk_status sig_tag_bh(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    enum tk_status st = tk_base64_decode(v, sig->bh, sizeof(sig->bh), &sig->bh_len, NULL);

    if (st != TK_OK || sig->bh_len == 0)
        return tk_record_error(err, TK_INVALID, "bh= is not the base64 of a hash");
    return TK_OK;
}

static enum tk_status sig_tag_b(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    enum tk_status st = tk_base64_decode(v, sig->b, sizeof(sig->b), &sig->b_len, NULL);
    struct tk_cursor c;
    size_t k = 0;
    int ch;

    if (st == TK_LIMIT)
        return tk_record_error(err, TK_LIMIT, "b= is longer than a 16384-bit RSA signature");
    if (st != TK_OK || sig->b_len == 0)
        return tk_record_error(err, TK_INVALID, "b= is empty or not base64");
    tk_cursor_init(&c, v.p, v.len);
    while (k < sizeof(sig->b_prefix) - 1 && (ch = tk_cursor_next(&c)) != -1)
        if (!tk_char_is_fws(ch))
            sig->b_prefix[k++] = (char)ch;
    sig->b_prefix[k] = '\0';
    return TK_OK;
}

static enum tk_status sig_tag_l(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    return sig_number_tag("l", v, &sig->has_l, &sig->l, err);
}

static enum tk_status sig_tag_t(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    return sig_number_tag("t", v, &sig->has_t, &sig->t, err);
}

static enum tk_status sig_tag_x(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err)
{
    return sig_number_tag("x", v, &sig->has_x, &sig->x, err);
}

/* The tags RFC 6376 3.5 defines, the required ones first: a tag's bit
 * in sig_apply's seen is its index. Names are matched by length, then
 * bytes: a signature has a dozen tags, and comparing each with every
 * name through strlen and memcmp cost a quarter of its parse. */
static const struct sig_tag {
    const char *name;
    size_t len;
    enum tk_status (*apply)(struct tk_dkim_sig *sig, struct tk_span v, struct tk_error *err);
} sig_tags[] = {
    {"v", 1, sig_tag_v}, {"a", 1, sig_tag_a}, {"b", 1, sig_tag_b}, {"bh", 2, sig_tag_bh},
    {"d", 1, sig_tag_d}, {"h", 1, sig_tag_h}, {"s", 1, sig_tag_s}, {"c", 1, sig_tag_c},
    {"i", 1, sig_tag_i}, {"l", 1, sig_tag_l}, {"q", 1, sig_tag_q}, {"t", 1, sig_tag_t},
    {"x", 1, sig_tag_x},
};
#define SIG_TAGS_REQUIRED 7 /* v a b bh d h s */

/* sig_apply applies one tag; *seen gets a bit per required tag. z= and
 * unknown tags are ignored (RFC 6376 3.2). */
static enum tk_status sig_apply(struct tk_dkim_sig *sig, const struct tk_tag *t, unsigned *seen,
                                struct tk_error *err)
{
    size_t k;

    for (k = 0; k < sizeof(sig_tags) / sizeof(sig_tags[0]); k++) {
        if (t->name.len != sig_tags[k].len || t->name.p[0] != sig_tags[k].name[0] ||
            memcmp(t->name.p, sig_tags[k].name, t->name.len) != 0)
            continue;
        if (k < SIG_TAGS_REQUIRED)
            *seen |= 1u << k;
        return sig_tags[k].apply(sig, t->value, err);
    }
    return TK_OK;
}

static enum tk_status sig_missing(unsigned seen, struct tk_error *err)
{
    size_t k;

    for (k = 0; k < SIG_TAGS_REQUIRED; k++)
        if (!(seen & (1u << k)))
            return tk_record_error(err, TK_INVALID,
                                   "the required tag %s= is missing (RFC 6376 3.5)",
                                   sig_tags[k].name);
    return TK_OK;
}

/* sig_check_whole checks what needs several tags. */
static enum tk_status sig_check_whole(struct tk_dkim_sig *sig, struct tk_error *err)
{
    size_t want = sig->alg == TK_DKIM_RSA_SHA1 ? 20 : 32;
    char idom[TK_DOMAIN_MAX + 1];

    if (sig->bh_len != want)
        return tk_record_error(err, TK_INVALID, "bh= decodes to %zu bytes; %s needs %zu",
                               sig->bh_len, tk_dkim_alg_name(sig->alg), want);
    if (sig->has_t && sig->has_x && sig->x <= sig->t)
        return tk_record_error(err, TK_INVALID,
                               "x= (expiry) is not after t= (signing time): RFC 6376 3.5");
    if (!sig->has_i) {
        snprintf(sig->i, sizeof(sig->i), "@%s", sig->d);
        sig->i_domain = sig->i + 1;
        return TK_OK;
    }
    if (tk_domain_normalise(sig->i_domain, strlen(sig->i_domain), idom, NULL) != TK_OK ||
        !tk_domain_is_subdomain(idom, sig->d))
        return tk_record_error(err, TK_INVALID,
                               "i=%s is not in d=%s or a subdomain of it (RFC 6376 3.5)", sig->i,
                               sig->d);
    return TK_OK;
}

enum tk_status tk_dkim_sig_parse(const char *value, size_t len, struct tk_dkim_sig *out,
                                 struct tk_error *err)
{
    struct tk_taglist tl;
    const struct tk_tag *dup;
    enum tk_status st;
    unsigned seen = 0;
    size_t i;

    memset(out, 0, sizeof(*out));
    if ((st = tk_taglist_parse(value ? value : "", value ? len : 0, &tl, err)) != TK_OK)
        return st;
    if ((dup = tk_taglist_first_duplicate(&tl)) != NULL)
        return tk_record_error(err, TK_INVALID,
                               "tag %.*s= appears twice: RFC 6376 3.2 makes the signature "
                               "invalid",
                               SHOW(dup->name));
    for (i = 0; i < tl.n; i++)
        if ((st = sig_apply(out, &tl.tags[i], &seen, err)) != TK_OK)
            return st;
    if ((st = sig_missing(seen, err)) != TK_OK)
        return st;
    return sig_check_whole(out, err);
}

/* sig_is_b is true when seg (one tag of a raw field) is FWS b FWS =
 * ...; *value gets the offset after the '='. Read in order, not by
 * looking for '=' first: that walked the whole of b= to its padding. */
static bool sig_is_b(struct tk_span seg, size_t *value)
{
    struct tk_cursor t;

    tk_cursor_init(&t, seg.p, seg.len);
    tk_cursor_span_while(&t, tk_char_is_fws, NULL);
    if (!tk_cursor_take(&t, 'b'))
        return false;
    tk_cursor_span_while(&t, tk_char_is_fws, NULL);
    if (!tk_cursor_take(&t, '='))
        return false;
    *value = t.pos;
    return true;
}

bool tk_dkim_sig_b_value(const char *raw, size_t len, size_t *start, size_t *end)
{
    struct tk_cursor c;
    struct tk_span seg;
    size_t colon, value;
    const char *p = memchr(raw, ':', len);

    if (p == NULL)
        return false;
    colon = (size_t)(p - raw) + 1;
    tk_cursor_init(&c, raw + colon, len - colon);
    while (!tk_cursor_eof(&c)) {
        size_t seg_start = c.pos;

        tk_cursor_span_until(&c, ';', &seg);
        if (sig_is_b(seg, &value)) {
            *start = colon + seg_start + value;
            *end = colon + seg_start + seg.len;
            return true;
        }
        tk_cursor_take(&c, ';');
    }
    return false;
}
