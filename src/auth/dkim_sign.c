/*
 * NAME
 *	dkim_sign.c - make a DKIM-Signature field; make and load keys
 * DESCRIPTION
 *	The body is hashed as it streams (relaxed). At finish the field is
 *	written tag by tag, folded, up to an empty "b="; the header hash is
 *	taken over the chosen fields and that text exactly as a verifier
 *	will see it (tk_dkim_header_hash, shared with the verifier), then
 *	signed, and the signature is appended in folded lines: a verifier
 *	blanks b= with its white space, so those folds are not signed.
 * STANDARDS
 *	RFC 6376 3.5, 3.7, 5.4.1, 5.4.2, 8.15; RFC 8301 3.2; RFC 8463 3, 4.2.
 * LIMITS
 *	Lines of the field are at most SIGN_LINE_MAX characters.
 * SECURITY
 *	Keys are read from files the operator names; key files are written
 *	with mode 0600 and O_EXCL. The passphrase callback refuses, so an
 *	encrypted key fails rather than prompting.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim_canon.h"
#include "core/sha256.h"
#include "auth/dkim_sig.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "core/domain.h"
#include "core/limits.h"

/* RFC 5322 2.1.1: lines SHOULD be at most 78 characters; we stay under. */
#define SIGN_LINE_MAX 76
/* RSA keys tiaki makes: 2048 to 8192 bits (larger keys do not fit a
 * TXT record a resolver will reliably return). */
#define SIGN_RSA_BITS_MAX 8192

/* RFC 6376 5.4.1's recommended fields, then Message-ID, MIME-Version
 * and Content-Type, which senders sign and relays do not change. */
static const char *const sign_default_headers[] = {
    "from",         "reply-to",     "subject",          "date",
    "to",           "cc",           "resent-date",      "resent-from",
    "resent-to",    "resent-cc",    "in-reply-to",      "references",
    "list-id",      "list-help",    "list-unsubscribe", "list-subscribe",
    "list-post",    "list-owner",   "list-archive",     "message-id",
    "mime-version", "content-type",
};

#define SIGN_OVERSIGN_MAX 32

struct tk_dkim_sign {
    EVP_PKEY *key;
    bool ed25519;
    char d[TK_DOMAIN_MAX + 1], s[TK_DOMAIN_MAX + 1];
    char i[TK_DKIM_IDENTITY_MAX + 1];
    char oversign_text[512];
    struct tk_span oversign[SIGN_OVERSIGN_MAX];
    size_t noversign;
    int64_t t;
    uint64_t x; /* 0: none */
    struct tk_dkim_body body;
    size_t line; /* characters on the field's current line */
};

/* ---- keys ---- */

static int sign_no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

/* sign_key_check: RSA of at least TK_DKIM_SIGN_RSA_BITS_MIN, or ed25519. */
static enum tk_status sign_key_check(EVP_PKEY *pk, const char *what, struct tk_error *err)
{
    int id = EVP_PKEY_get_base_id(pk);

    if (id == EVP_PKEY_ED25519)
        return TK_OK;
    if (id != EVP_PKEY_RSA)
        return tk_error_set(err, TK_INVALID, "%s: not an RSA or ed25519 key", what);
    if (EVP_PKEY_get_bits(pk) < TK_DKIM_SIGN_RSA_BITS_MIN)
        return tk_error_set(err, TK_INVALID,
                            "%s: RSA key of %d bits; tiaki signs with %d bits or more (RFC "
                            "8301): make one with tiaki dkim keygen",
                            what, EVP_PKEY_get_bits(pk), TK_DKIM_SIGN_RSA_BITS_MIN);
    return TK_OK;
}

enum tk_status tk_dkim_key_load(const char *path, EVP_PKEY **out, struct tk_error *err)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *pk;
    enum tk_status st;

    *out = NULL;
    if (f == NULL)
        return tk_error_set(err, TK_IO, "cannot read the key %s: %m", path);
    pk = PEM_read_PrivateKey(f, NULL, sign_no_passphrase, NULL);
    fclose(f);
    ERR_clear_error();
    if (pk == NULL)
        return tk_error_set(err, TK_INVALID,
                            "%s is not a PEM private key (PKCS#8 or RSA, unencrypted)", path);
    if ((st = sign_key_check(pk, path, err)) != TK_OK) {
        EVP_PKEY_free(pk);
        return st;
    }
    *out = pk;
    return TK_OK;
}

enum tk_status tk_dkim_keygen(bool ed25519, unsigned bits, const char *path, EVP_PKEY **out,
                              struct tk_error *err)
{
    EVP_PKEY *pk;
    FILE *f;
    int fd, ok;

    *out = NULL;
    if (!ed25519 && (bits < TK_DKIM_SIGN_RSA_BITS_MIN || bits > SIGN_RSA_BITS_MAX))
        return tk_error_set(err, TK_USAGE, "RSA keys are %d to %d bits", TK_DKIM_SIGN_RSA_BITS_MIN,
                            SIGN_RSA_BITS_MAX);
    pk = ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                 : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (pk == NULL) {
        ERR_clear_error();
        return tk_error_set(err, TK_NOMEM, "OpenSSL could not make the key");
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
        tk_error_set(err, TK_IO, "cannot create %s: %m%s", path,
                     fd < 0 ? " (an existing key is never replaced)" : "");
        if (fd >= 0)
            close(fd);
        EVP_PKEY_free(pk);
        return TK_IO;
    }
    ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0 || ok != 1) {
        EVP_PKEY_free(pk);
        return tk_error_set(err, TK_IO, "cannot write %s", path);
    }
    *out = pk;
    return TK_OK;
}

/* sign_b64 appends the base64 of n bytes. */
static enum tk_status sign_b64(const unsigned char *p, size_t n, struct tk_buf *out)
{
    size_t need = 4 * ((n + 2) / 3) + 1;
    enum tk_status st = tk_buf_reserve(out, need);

    if (st != TK_OK)
        return st;
    EVP_EncodeBlock((unsigned char *)out->data + out->len, p, (int)n);
    out->len += need - 1;
    out->data[out->len] = '\0';
    return TK_OK;
}

enum tk_status tk_dkim_key_record(EVP_PKEY *key, struct tk_buf *out)
{
    unsigned char raw[32], *der = NULL;
    size_t rawlen = sizeof(raw);
    enum tk_status st;
    int n;

    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
        if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1)
            return TK_INVALID;
        if ((st = tk_buf_puts(out, "v=DKIM1; k=ed25519; p=")) != TK_OK)
            return st;
        return sign_b64(raw, rawlen, out);
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || (n = i2d_PUBKEY(key, &der)) <= 0)
        return TK_INVALID;
    st = tk_buf_puts(out, "v=DKIM1; k=rsa; p=");
    if (st == TK_OK)
        st = sign_b64(der, (size_t)n, out);
    OPENSSL_free(der);
    return st;
}

enum tk_status tk_dkim_zone_line(const char *selector, const char *domain, const char *record,
                                 struct tk_buf *out)
{
    char prefix[TK_DOMAIN_MAX + 16], name[TK_DOMAIN_MAX + 1], d[TK_DOMAIN_MAX + 1];
    size_t len = strlen(record), off = 0;
    enum tk_status st;

    snprintf(prefix, sizeof(prefix), "%s._domainkey", selector);
    if (tk_domain_join(prefix, domain, name) != TK_OK ||
        tk_domain_normalise(name, strlen(name), d, NULL) != TK_OK)
        return TK_USAGE;
    memcpy(name, d, sizeof(name));
    st = tk_buf_printf(out, "%s. IN TXT (", name);
    while (st == TK_OK && off < len) {
        size_t k = len - off < 255 ? len - off : 255;

        st = tk_buf_printf(out, "%s\"%.*s\"", off ? "\n    " : " ", (int)k, record + off);
        off += k;
    }
    return st == TK_OK ? tk_buf_puts(out, " )") : st;
}

/* ---- signing ---- */

static enum tk_status sign_names(struct tk_dkim_sign *s, const struct tk_dkim_sign_options *o,
                                 struct tk_error *err)
{
    struct tk_error derr = {0};
    const char *ov = o->oversign ? o->oversign : TK_DKIM_OVERSIGN_DEFAULT;
    struct tk_cursor c;
    struct tk_span name;

    if (o->domain == NULL ||
        tk_domain_normalise(o->domain, strlen(o->domain), s->d, &derr) != TK_OK)
        return tk_error_set(err, TK_USAGE, "the signing domain: %s",
                            derr.msg[0] ? derr.msg : "none given");
    if (o->selector == NULL ||
        tk_domain_normalise(o->selector, strlen(o->selector), s->s, &derr) != TK_OK)
        return tk_error_set(err, TK_USAGE, "the selector: %s",
                            derr.msg[0] ? derr.msg : "none given");
    if (o->identity && (strlen(o->identity) > TK_DKIM_IDENTITY_MAX || !strchr(o->identity, '@') ||
                        !tk_domain_is_subdomain(strrchr(o->identity, '@') + 1, s->d)))
        return tk_error_set(err, TK_USAGE,
                            "the identity %s is not [local]@ the domain %s or a "
                            "subdomain of it",
                            o->identity, s->d);
    snprintf(s->i, sizeof(s->i), "%s", o->identity ? o->identity : "");
    if (strlen(ov) >= sizeof(s->oversign_text))
        return tk_error_set(err, TK_USAGE, "the over-signed names are too long");
    memcpy(s->oversign_text, ov, strlen(ov) + 1);
    tk_cursor_init(&c, s->oversign_text, strlen(s->oversign_text));
    do {
        tk_cursor_span_until(&c, ':', &name);
        name = tk_span_trim_fws(name);
        if (name.len > 0 && s->noversign < SIGN_OVERSIGN_MAX)
            s->oversign[s->noversign++] = name;
    } while (tk_cursor_take(&c, ':'));
    return TK_OK;
}

enum tk_status tk_dkim_sign_new(EVP_PKEY *key, const struct tk_dkim_sign_options *o,
                                struct tk_dkim_sign **out, struct tk_error *err)
{
    struct tk_dkim_sign *s = calloc(1, sizeof(*s));
    enum tk_status st;

    *out = NULL;
    if (s == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    if ((st = sign_key_check(key, "the signing key", err)) != TK_OK ||
        (st = sign_names(s, o, err)) != TK_OK) {
        free(s);
        return st == TK_INVALID ? TK_USAGE : st;
    }
    s->key = key;
    s->ed25519 = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
    s->t = o->now ? o->now : (int64_t)time(NULL);
    s->x = o->expire ? (uint64_t)s->t + o->expire : 0;
    if (tk_dkim_body_init(&s->body, TK_DKIM_RELAXED, tk_sha256(), UINT64_MAX) != TK_OK) {
        free(s);
        return tk_error_set(err, TK_NOMEM, "out of memory");
    }
    *out = s;
    return TK_OK;
}

void tk_dkim_sign_body(void *arg, const char *p, size_t n)
{
    struct tk_dkim_sign *s = arg;

    tk_dkim_body_update(&s->body, p, n);
}

/* sign_put appends token to the field, folding first when the line
 * would pass SIGN_LINE_MAX; space puts a SP between tokens. */
static enum tk_status sign_put(struct tk_dkim_sign *s, struct tk_buf *f, const char *token,
                               size_t len, bool space)
{
    enum tk_status st = TK_OK;

    if (s->line + (space ? 1 : 0) + len > SIGN_LINE_MAX) {
        st = tk_buf_append(f, "\r\n ", 3);
        s->line = 1;
    } else if (space) {
        st = tk_buf_putc(f, ' ');
        s->line++;
    }
    if (st == TK_OK)
        st = tk_buf_append(f, token, len);
    s->line += len;
    return st;
}

static enum tk_status sign_tag(struct tk_dkim_sign *s, struct tk_buf *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum tk_status sign_tag(struct tk_dkim_sign *s, struct tk_buf *f, const char *fmt, ...)
{
    char tok[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tok, sizeof(tok), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tok))
        return TK_LIMIT;
    return sign_put(s, f, tok, (size_t)n, true);
}

static bool sign_oversigned(const struct tk_dkim_sign *s, struct tk_span name)
{
    size_t k;

    if (tk_span_eq_ci(name, "from"))
        return true;
    for (k = 0; k < s->noversign; k++)
        if (s->oversign[k].len == name.len && strncasecmp(s->oversign[k].p, name.p, name.len) == 0)
            return true;
    return false;
}

/* sign_list_name adds name to h= (in sig and the field) as often as the
 * message has it, once more when over-signed. */
static enum tk_status sign_list_name(struct tk_dkim_sign *s, struct tk_dkim_sig *sig,
                                     const struct tk_msg *m, struct tk_span name, struct tk_buf *f)
{
    char nm[128];
    size_t i, k = 0, n = 0;
    enum tk_status st = TK_OK;

    if (name.len >= sizeof(nm))
        return TK_OK;
    memcpy(nm, name.p, name.len);
    nm[name.len] = '\0';
    n = tk_msg_count(m, nm) + (sign_oversigned(s, name) ? 1 : 0);
    for (i = 0; i < sig->nh; i++) /* listed already (a default and over-signed) */
        k += sig->h[i].len == name.len && strncasecmp(sig->h[i].p, name.p, name.len) == 0;
    for (; k < n && st == TK_OK && sig->nh < TK_DKIM_SIG_HEADERS_MAX; k++) {
        bool first = sig->nh == 0;
        char tok[132];

        sig->h[sig->nh++] = name;
        snprintf(tok, sizeof(tok), "%s%s", first ? "h=" : ":", nm);
        st = sign_put(s, f, tok, strlen(tok), first);
    }
    return st;
}

static enum tk_status sign_h(struct tk_dkim_sign *s, struct tk_dkim_sig *sig,
                             const struct tk_msg *m, struct tk_buf *f)
{
    enum tk_status st = TK_OK;
    size_t k;

    for (k = 0; k < sizeof(sign_default_headers) / sizeof(sign_default_headers[0]) && st == TK_OK;
         k++) {
        struct tk_span name = {sign_default_headers[k], strlen(sign_default_headers[k])};

        st = sign_list_name(s, sig, m, name, f);
    }
    for (k = 0; k < s->noversign && st == TK_OK; k++)
        st = sign_list_name(s, sig, m, s->oversign[k], f);
    return st == TK_OK ? tk_buf_putc(f, ';') : st;
}

/* sign_head writes the field up to and including "b=". */
static enum tk_status sign_head(struct tk_dkim_sign *s, struct tk_dkim_sig *sig,
                                const struct tk_msg *m, const unsigned char *bh, struct tk_buf *f)
{
    struct tk_buf bh64 = {0};
    enum tk_status st = tk_buf_puts(f, "DKIM-Signature:");

    s->line = strlen("DKIM-Signature:");
    if (st == TK_OK)
        st = sign_tag(s, f, "v=1; a=%s; c=relaxed/relaxed;",
                      s->ed25519 ? "ed25519-sha256" : "rsa-sha256");
    if (st == TK_OK)
        st = sign_tag(s, f, "d=%s;", s->d);
    if (st == TK_OK)
        st = sign_tag(s, f, "s=%s;", s->s);
    if (st == TK_OK && s->i[0])
        st = sign_tag(s, f, "i=%s;", s->i);
    if (st == TK_OK)
        st = sign_tag(s, f, "t=%lld;", (long long)s->t);
    if (st == TK_OK && s->x)
        st = sign_tag(s, f, "x=%llu;", (unsigned long long)s->x);
    if (st == TK_OK)
        st = sign_h(s, sig, m, f);
    if (st == TK_OK)
        st = sign_b64(bh, TK_DKIM_HASH_MAX, &bh64);
    if (st == TK_OK)
        st = sign_tag(s, f, "bh=%s;", bh64.data);
    if (st == TK_OK)
        st = sign_tag(s, f, "b=");
    tk_buf_free(&bh64);
    return st;
}

/* sign_hash signs the header hash; *len is the signature's size. */
static enum tk_status sign_hash(struct tk_dkim_sign *s, const unsigned char *hash,
                                unsigned char *out, size_t *len)
{
    EVP_PKEY_CTX *ctx = NULL;
    EVP_MD_CTX *md = NULL;
    int ok = 0;

    if (s->ed25519) { /* RFC 8463 3: PureEdDSA over the SHA-256 hash */
        md = EVP_MD_CTX_new();
        ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, s->key) == 1 &&
             EVP_DigestSign(md, out, len, hash, TK_DKIM_HASH_MAX) == 1;
    } else {
        ctx = EVP_PKEY_CTX_new(s->key, NULL);
        ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, tk_sha256()) == 1 &&
             EVP_PKEY_sign(ctx, out, len, hash, TK_DKIM_HASH_MAX) == 1;
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok ? TK_OK : TK_IO;
}

/* sign_tail appends the signature's base64, folded. */
static enum tk_status sign_tail(struct tk_dkim_sign *s, const unsigned char *sig, size_t n,
                                struct tk_buf *f)
{
    struct tk_buf b64 = {0};
    size_t off = 0;
    enum tk_status st = sign_b64(sig, n, &b64);

    while (st == TK_OK && off < b64.len) {
        size_t room = s->line < SIGN_LINE_MAX ? SIGN_LINE_MAX - s->line : 0, k;

        if (room == 0) {
            st = tk_buf_append(f, "\r\n ", 3);
            s->line = 1;
            continue;
        }
        k = b64.len - off < room ? b64.len - off : room;
        st = tk_buf_append(f, b64.data + off, k);
        s->line += k;
        off += k;
    }
    tk_buf_free(&b64);
    return st;
}

enum tk_status tk_dkim_sign_finish(struct tk_dkim_sign *s, const struct tk_msg *msg,
                                   struct tk_buf *field, struct tk_error *err)
{
    unsigned char bh[TK_DKIM_HASH_MAX], hash[TK_DKIM_HASH_MAX];
    unsigned char sig[TK_DKIM_SIG_BYTES_MAX];
    size_t bhlen = 0, siglen = sizeof(sig), start = field->len;
    struct tk_dkim_sig *h;
    enum tk_status st;

    if (tk_msg_overflow(msg))
        return tk_error_set(err, TK_USAGE, "cannot sign: %s", msg->why);
    if (tk_dkim_body_final(&s->body, bh, &bhlen) != TK_OK)
        return tk_error_set(err, TK_IO, "OpenSSL failed to hash the body");
    if ((h = calloc(1, sizeof(*h))) == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    h->header_canon = TK_DKIM_RELAXED;
    st = sign_head(s, h, msg, bh, field);
    if (st == TK_OK)
        st = tk_dkim_header_hash(msg, h, field->data + start, field->len - start, hash);
    if (st == TK_OK && (st = sign_hash(s, hash, sig, &siglen)) != TK_OK)
        tk_error_set(err, st, "OpenSSL failed to sign");
    else if (st == TK_OK)
        st = sign_tail(s, sig, siglen, field);
    free(h);
    if (st != TK_OK && err && err->code == TK_OK)
        tk_error_set(err, st, "cannot make the signature: %s", tk_status_name(st));
    return st;
}

void tk_dkim_sign_free(struct tk_dkim_sign *s)
{
    if (s == NULL)
        return;
    tk_dkim_body_free(&s->body);
    free(s);
}
