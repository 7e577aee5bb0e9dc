/*
 * NAME
 *	dkimkey.c - DKIM public key record parser
 * SUMMARY
 *	"v=DKIM1; k=rsa; p=MIIB..." to a tk_dkim_key: type, size, flags.
 * DESCRIPTION
 *	Tags go through the shared tag-list splitter. Tag names are
 *	case-sensitive (RFC 6376 3.2; the key-record ABNF spells them as
 *	%x codes), so "P=" is an unknown tag that verifiers ignore: it gets
 *	a note, and if p= is then missing the error names the fix. Tag
 *	values that RFC 6376 writes as ABNF literals (k, h, s, t) are
 *	compared without regard to case.
 *
 *	p= is decoded with core/base64.h (folding white space; missing '='
 *	padding is tolerated with a note) and loaded with OpenSSL:
 *	an RSA key as SubjectPublicKeyInfo (as every signer publishes),
 *	or as a bare PKCS#1 RSAPublicKey (RFC 6376's letter; some verifiers
 *	read only the first form, so it gets a note and der is re-encoded as
 *	SubjectPublicKeyInfo); an ed25519 key as 32 raw bytes (RFC 8463).
 * STANDARDS
 *	RFC 6376 3.2 and 3.6.1; RFC 8301 3.1 and 3.2 (sha1 obsolete, RSA
 *	keys of at least 1024 bits); RFC 8463 3 and 4.2 (ed25519).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes of record; TK_DKIM_KEY_B64_MAX base64
 *	characters in p= (white space not counted).
 * SECURITY
 *	Input is read only through tk_cursor and tk_taglist. The decoded
 *	key is handed to OpenSSL's DER decoders, which bound themselves by
 *	the length given; nothing is sized from a number in the key.
 * DIAGNOSTICS
 *	OpenSSL's error queue is cleared after each failed decode so a
 *	hostile key leaves no state behind.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/cursor.h"
#include "record/dkimkey.h"
#include "record/recerr.h"
#include "record/taglist.h"

/* Bytes of a tag or value quoted in a note or an error. */
#define DKIM_SHOW_MAX 60
#define SHOW(s) (int)((s).len > DKIM_SHOW_MAX ? DKIM_SHOW_MAX : (s).len), (s).p

/* RFC 8463: an ed25519 public key is 32 bytes. */
#define DKIM_ED25519_LEN 32
/* RFC 8301 3.2: verifiers must not accept RSA keys shorter than this. */
#define DKIM_RSA_BITS_MIN 1024

static const char *const dkim_known_tags[] = {"v", "k", "p", "h", "t", "s", "n", "g"};

const char *tk_dkim_key_type_name(enum tk_dkim_key_type type)
{
    switch (type) {
    case TK_DKIM_KEY_RSA:
        return "rsa";
    case TK_DKIM_KEY_ED25519:
        return "ed25519";
    default:
        return "other";
    }
}

void tk_dkim_key_free(struct tk_dkim_key *key)
{
    if (key == NULL)
        return;
    free(key->der);
    key->der = NULL;
    key->der_len = 0;
}

/* dkim_first_name names the tag of the first non-empty segment. */
static struct tk_span dkim_first_name(const char *txt, size_t len)
{
    struct tk_cursor c;
    struct tk_span seg = {"", 0}, name;

    tk_cursor_init(&c, txt, len);
    while (!tk_cursor_eof(&c) && seg.len == 0) {
        tk_cursor_span_until(&c, ';', &seg);
        tk_cursor_take(&c, ';');
        seg = tk_span_trim_fws(seg);
    }
    tk_cursor_init(&c, seg.p, seg.len);
    tk_cursor_span_until(&c, '=', &name);
    return tk_span_trim_fws(name);
}

/* dkim_check_version: RFC 6376 3.6.1, v= if present is first and DKIM1. */
static enum tk_status dkim_check_version(const char *txt, size_t len, const struct tk_taglist *tl,
                                         struct tk_error *err)
{
    size_t i;

    for (i = 0; i < tl->n; i++) {
        if (!tk_span_eq(tl->tags[i].name, "v"))
            continue;
        if (!tk_span_eq(dkim_first_name(txt, len), "v"))
            return tk_record_error(err, TK_INVALID,
                                   "v= must be the first tag: write v=DKIM1; at the start");
        if (!tk_span_eq(tl->tags[i].value, "DKIM1"))
            return tk_record_error(err, TK_INVALID,
                                   "v=%.*s is not DKIM1: verifiers discard the record; write "
                                   "v=DKIM1",
                                   SHOW(tl->tags[i].value));
    }
    return TK_OK;
}

/* dkim_list_has: the ':'-separated list v holds lit (any case). */
static bool dkim_list_has(struct tk_span v, const char *lit)
{
    struct tk_cursor c;
    struct tk_span item;

    tk_cursor_init(&c, v.p, v.len);
    do {
        tk_cursor_span_until(&c, ':', &item);
        if (tk_span_eq_ci(tk_span_trim_fws(item), lit))
            return true;
    } while (tk_cursor_take(&c, ':'));
    return false;
}

static void dkim_tag_k(struct tk_dkim_key *key, struct tk_span v)
{
    if (tk_span_eq_ci(v, "rsa")) {
        key->type = TK_DKIM_KEY_RSA;
    } else if (tk_span_eq_ci(v, "ed25519")) {
        key->type = TK_DKIM_KEY_ED25519;
    } else {
        key->type = TK_DKIM_KEY_OTHER;
        tk_notes_add(&key->notes,
                     "k=%.*s is not a key type verifiers know (rsa, ed25519): the key "
                     "cannot verify",
                     SHOW(v));
    }
}

static void dkim_tag_h(struct tk_dkim_key *key, struct tk_span v)
{
    bool sha1 = dkim_list_has(v, "sha1"), sha256 = dkim_list_has(v, "sha256");

    key->sha256_allowed = sha256;
    key->sha1_only = sha1 && !sha256;
    if (key->sha1_only)
        tk_notes_add(&key->notes,
                     "h=%.*s allows only sha1, which RFC 8301 forbids: verifiers "
                     "fail every signature; write h=sha256 or leave h= out",
                     SHOW(v));
    else if (sha1)
        tk_notes_add(&key->notes, "h=%.*s lists sha1, obsolete since RFC 8301: write h=sha256",
                     SHOW(v));
    else if (!sha256)
        tk_notes_add(&key->notes, "h=%.*s names no hash verifiers use: write h=sha256", SHOW(v));
}

static void dkim_tag_t(struct tk_dkim_key *key, struct tk_span v)
{
    key->testing = dkim_list_has(v, "y");
    key->strict = dkim_list_has(v, "s");
}

static void dkim_tag_s(struct tk_dkim_key *key, struct tk_span v)
{
    key->service_email = dkim_list_has(v, "*") || dkim_list_has(v, "email");
    if (!key->service_email)
        tk_notes_add(&key->notes, "s=%.*s does not include email: the key cannot sign mail",
                     SHOW(v));
}

static bool dkim_known_ci(struct tk_span name, const char **canon)
{
    size_t i;

    for (i = 0; i < sizeof(dkim_known_tags) / sizeof(dkim_known_tags[0]); i++)
        if (tk_span_eq_ci(name, dkim_known_tags[i])) {
            *canon = dkim_known_tags[i];
            return true;
        }
    return false;
}

/* dkim_apply_tag applies one tag; *p is set when it is p=. */
static void dkim_apply_tag(struct tk_dkim_key *key, const struct tk_tag *t,
                           const struct tk_span **p)
{
    const char *canon;

    if (tk_span_eq(t->name, "p"))
        *p = &t->value;
    else if (tk_span_eq(t->name, "k"))
        dkim_tag_k(key, t->value);
    else if (tk_span_eq(t->name, "h"))
        dkim_tag_h(key, t->value);
    else if (tk_span_eq(t->name, "t"))
        dkim_tag_t(key, t->value);
    else if (tk_span_eq(t->name, "s"))
        dkim_tag_s(key, t->value);
    else if (tk_span_eq(t->name, "v") || tk_span_eq(t->name, "n"))
        return;
    else if (tk_span_eq(t->name, "g"))
        tk_notes_add(&key->notes, "g= was removed by RFC 6376: leave it out");
    else if (dkim_known_ci(t->name, &canon))
        tk_notes_add(&key->notes, "tag '%.*s=' is ignored: tag names are case-sensitive; write %s=",
                     SHOW(t->name), canon);
    else
        tk_notes_add(&key->notes, "unknown tag '%.*s=' ignored", SHOW(t->name));
}

/* dkim_decode_error says what is wrong with p='s base64. */
static enum tk_status dkim_decode_error(const struct tk_base64_info *info, struct tk_error *err)
{
    if (info->bad >= 0)
        return tk_record_error(err, TK_INVALID,
                               "p= is not base64: byte 0x%02x at character %zu; publish the key "
                               "as plain base64",
                               (unsigned)info->bad, info->chars);
    if (info->after_pad)
        return tk_record_error(err, TK_INVALID, "p= has base64 after '=' padding");
    return tk_record_error(err, TK_INVALID,
                           "p= base64 is cut short or badly padded (%zu characters): "
                           "publish the whole key",
                           info->chars);
}

/* dkim_decode_p fills key->der from p= or marks the key revoked. */
static enum tk_status dkim_decode_p(struct tk_span p, struct tk_dkim_key *key, struct tk_error *err)
{
    struct tk_base64_info info;
    size_t cap = p.len / 4 * 3 + 3, len = 0;
    unsigned char *der = malloc(cap);
    enum tk_status st;

    if (der == NULL)
        return tk_record_error(err, TK_NOMEM, "out of memory decoding p=");
    st = tk_base64_decode(p, der, cap, &len, &info);
    if (info.chars > TK_DKIM_KEY_B64_MAX)
        st = tk_record_error(err, TK_LIMIT, "p= holds more than %d base64 characters",
                             TK_DKIM_KEY_B64_MAX);
    else if (st == TK_OK && info.chars == 0)
        key->revoked = true;
    else if (st != TK_OK)
        st = dkim_decode_error(&info, err);
    else if (len == 0)
        st = tk_record_error(err, TK_INVALID, "p= decodes to nothing");
    if (st != TK_OK || key->revoked) {
        free(der);
        return st;
    }
    if (info.unpadded)
        tk_notes_add(&key->notes, "p= base64 lacks its '=' padding: some verifiers refuse it");
    key->der = der;
    key->der_len = len;
    return TK_OK;
}

/* dkim_spki_rsa_fast reads an RSA SubjectPublicKeyInfo by walking its
 * DER with OpenSSL's primitives and loading the RSAPublicKey inside:
 * d2i_PUBKEY goes through OpenSSL 3's decoder framework, which costs
 * about a million instructions a key and dominated a whole-of-government
 * scan. NULL when der is not exactly that shape; the caller then takes
 * the general path. */
static EVP_PKEY *dkim_spki_rsa_fast(const unsigned char *der, size_t len, size_t *used)
{
    const unsigned char *p = der, *end, *alg_end, *q;
    ASN1_OBJECT *oid;
    EVP_PKEY *pk;
    long l;
    int tag, cls, nid;

    if (ASN1_get_object(&p, &l, &tag, &cls, (long)len) != V_ASN1_CONSTRUCTED ||
        tag != V_ASN1_SEQUENCE)
        return NULL;
    end = p + l;
    if (ASN1_get_object(&p, &l, &tag, &cls, end - p) != V_ASN1_CONSTRUCTED ||
        tag != V_ASN1_SEQUENCE)
        return NULL;
    alg_end = p + l;
    q = p;
    if ((oid = d2i_ASN1_OBJECT(NULL, &q, alg_end - p)) == NULL)
        return NULL;
    nid = OBJ_obj2nid(oid);
    ASN1_OBJECT_free(oid);
    p = alg_end;
    if (nid != NID_rsaEncryption || ASN1_get_object(&p, &l, &tag, &cls, end - p) != 0 ||
        tag != V_ASN1_BIT_STRING || l < 2 || p + l != end || p[0] != 0)
        return NULL;
    q = p + 1;
    pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, l - 1);
    if (pk == NULL || q != end) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    *used = (size_t)(end - der);
    return pk;
}

/* dkim_spki_pkey reads der as SubjectPublicKeyInfo; *used gets the
 * bytes it took. NULL when it is not one. */
static EVP_PKEY *dkim_spki_pkey(const unsigned char *der, size_t len, size_t *used)
{
    const unsigned char *q = der;
    EVP_PKEY *pk;

    if (len > LONG_MAX)
        return NULL;
    if ((pk = dkim_spki_rsa_fast(der, len, used)) != NULL)
        return pk;
    ERR_clear_error();
    pk = d2i_PUBKEY(NULL, &q, (long)len);
    if (pk == NULL) {
        ERR_clear_error();
        return NULL;
    }
    *used = (size_t)(q - der);
    return pk;
}

/* dkim_rsa_pkcs1 tries der as a bare RSAPublicKey and, if it is one,
 * replaces der with its SubjectPublicKeyInfo. */
static EVP_PKEY *dkim_rsa_pkcs1(struct tk_dkim_key *key)
{
    const unsigned char *q = key->der;
    unsigned char *spki = NULL;
    EVP_PKEY *pk;
    int n;

    if (key->der_len > LONG_MAX)
        return NULL;
    pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)key->der_len);
    if (pk == NULL || (n = i2d_PUBKEY(pk, &spki)) <= 0) {
        EVP_PKEY_free(pk);
        ERR_clear_error();
        return NULL;
    }
    free(key->der);
    key->der = malloc((size_t)n);
    if (key->der != NULL)
        memcpy(key->der, spki, (size_t)n);
    key->der_len = key->der ? (size_t)n : 0;
    OPENSSL_free(spki);
    tk_notes_add(&key->notes, "p= is a bare RSAPublicKey: some verifiers read only "
                              "SubjectPublicKeyInfo (openssl rsa -pubout); publish that form");
    return pk;
}

static enum tk_status dkim_wrong_type(EVP_PKEY *pk, const char *want, struct tk_error *err)
{
    int id = EVP_PKEY_get_base_id(pk);
    const char *sn;

    if (id == EVP_PKEY_RSA || id == EVP_PKEY_ED25519)
        return tk_record_error(err, TK_INVALID, "p= holds a %s key but k= says %s: write k=%s",
                               id == EVP_PKEY_RSA ? "rsa" : "ed25519", want,
                               id == EVP_PKEY_RSA ? "rsa" : "ed25519");
    sn = OBJ_nid2sn(id);
    return tk_record_error(err, TK_INVALID,
                           "p= holds a %s key, which DKIM does not use: publish an RSA "
                           "(k=rsa) or ed25519 (k=ed25519) key",
                           sn ? sn : "unknown");
}

static enum tk_status dkim_load_rsa(struct tk_dkim_key *key, struct tk_error *err)
{
    size_t used = key->der_len;
    EVP_PKEY *pk = dkim_spki_pkey(key->der, key->der_len, &used);
    enum tk_status st = TK_OK;

    if (pk == NULL && (pk = dkim_rsa_pkcs1(key)) == NULL)
        return tk_record_error(err, TK_INVALID,
                               key->der_len == DKIM_ED25519_LEN
                                   ? "p= is not an RSA key; 32 bytes look like an ed25519 key: "
                                     "add k=ed25519"
                                   : "p= does not hold an RSA public key: publish the key from "
                                     "openssl rsa -pubout, without the PEM lines");
    if (key->der == NULL)
        st = tk_record_error(err, TK_NOMEM, "out of memory");
    else if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        st = dkim_wrong_type(pk, "rsa", err);
    else
        key->bits = (unsigned)EVP_PKEY_get_bits(pk);
    EVP_PKEY_free(pk);
    if (st == TK_OK && used < key->der_len)
        tk_notes_add(&key->notes, "p= has %zu bytes after the key", key->der_len - used);
    if (st == TK_OK && key->bits < DKIM_RSA_BITS_MIN)
        tk_notes_add(&key->notes,
                     "RSA key of %u bits: RFC 8301 verifiers refuse keys under %d bits; "
                     "publish a 2048-bit key",
                     key->bits, DKIM_RSA_BITS_MIN);
    return st;
}

/* dkim_ed25519_spki: an ed25519 key published as SubjectPublicKeyInfo;
 * the error gives the raw key to publish instead. */
static enum tk_status dkim_ed25519_spki(EVP_PKEY *pk, struct tk_error *err)
{
    unsigned char raw[DKIM_ED25519_LEN];
    unsigned char b64[4 * ((DKIM_ED25519_LEN + 2) / 3) + 1];
    size_t rawlen = sizeof(raw);

    if (EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1 || rawlen != sizeof(raw)) {
        ERR_clear_error();
        return tk_record_error(err, TK_INVALID, "p= is not a 32-byte ed25519 key");
    }
    EVP_EncodeBlock(b64, raw, (int)rawlen);
    return tk_record_error(err, TK_INVALID,
                           "p= is an ed25519 key in SubjectPublicKeyInfo form; RFC 8463 wants the "
                           "32 raw bytes: write p=%s",
                           (const char *)b64);
}

static enum tk_status dkim_load_ed25519(struct tk_dkim_key *key, struct tk_error *err)
{
    size_t used;
    EVP_PKEY *pk;
    enum tk_status st;

    if (key->der_len != DKIM_ED25519_LEN) {
        pk = dkim_spki_pkey(key->der, key->der_len, &used);
        if (pk == NULL)
            return tk_record_error(err, TK_INVALID,
                                   "p= decodes to %zu bytes; an ed25519 key is %d (RFC 8463)",
                                   key->der_len, DKIM_ED25519_LEN);
        st = EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 ? dkim_ed25519_spki(pk, err)
                                                          : dkim_wrong_type(pk, "ed25519", err);
        EVP_PKEY_free(pk);
        return st;
    }
    pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->der, key->der_len);
    if (pk == NULL) {
        ERR_clear_error();
        return tk_record_error(err, TK_INVALID, "p= does not load as an ed25519 key");
    }
    EVP_PKEY_free(pk);
    key->bits = 256;
    return TK_OK;
}

static enum tk_status dkim_load_key(struct tk_dkim_key *key, struct tk_error *err)
{
    if (key->revoked)
        return TK_OK;
    if (key->type == TK_DKIM_KEY_RSA)
        return dkim_load_rsa(key, err);
    if (key->type == TK_DKIM_KEY_ED25519)
        return dkim_load_ed25519(key, err);
    return TK_OK; /* an unknown k=: kept as bytes */
}

EVP_PKEY *tk_dkim_key_pkey(const struct tk_dkim_key *key)
{
    size_t used;
    EVP_PKEY *pk = NULL;

    if (key->revoked || key->der == NULL)
        return NULL;
    if (key->type == TK_DKIM_KEY_ED25519)
        pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->der, key->der_len);
    else if (key->type == TK_DKIM_KEY_RSA)
        pk = dkim_spki_pkey(key->der, key->der_len, &used);
    if (pk == NULL)
        ERR_clear_error();
    return pk;
}

static enum tk_status dkim_no_p(const struct tk_taglist *tl, struct tk_error *err)
{
    if (tk_taglist_find(tl, "p") != NULL)
        return tk_record_error(err, TK_INVALID,
                               "the key tag is written 'P=': tag names are case-sensitive; "
                               "write p=");
    return tk_record_error(err, TK_INVALID,
                           "p= is missing: publish p=<base64 key>, or an empty p= to revoke");
}

static enum tk_status dkim_parse(const char *txt, size_t len, struct tk_dkim_key *out,
                                 struct tk_error *err)
{
    struct tk_taglist tl;
    const struct tk_tag *dup;
    const struct tk_span *p = NULL;
    enum tk_status st;
    size_t i;

    if (tk_record_check_len(len, err) != TK_OK)
        return TK_LIMIT;
    st = tk_taglist_parse(txt, len, &tl, err);
    if (st == TK_OK)
        st = dkim_check_version(txt, len, &tl, err);
    if (st != TK_OK)
        return st;
    dup = tk_taglist_first_duplicate(&tl);
    if (dup != NULL)
        return tk_record_error(err, TK_INVALID,
                               "tag %.*s= appears twice: RFC 6376 3.2 makes the record invalid; "
                               "keep one",
                               SHOW(dup->name));
    for (i = 0; i < tl.n; i++)
        dkim_apply_tag(out, &tl.tags[i], &p);
    for (i = 0; i < tl.nbad && i < TK_TAGLIST_BAD_MAX; i++)
        tk_notes_add(&out->notes, "'%.*s' is not a tag (%s): verifiers ignore it",
                     SHOW(tl.bad[i].text), tl.bad[i].why);
    if (p == NULL)
        return dkim_no_p(&tl, err);
    st = dkim_decode_p(*p, out, err);
    return st == TK_OK ? dkim_load_key(out, err) : st;
}

enum tk_status tk_dkim_key_parse(const char *txt, size_t len, struct tk_dkim_key *out,
                                 struct tk_error *err)
{
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    out->type = TK_DKIM_KEY_RSA;
    out->sha256_allowed = true;
    out->service_email = true;
    st = dkim_parse(txt ? txt : "", txt ? len : 0, out, err);
    if (st != TK_OK) {
        tk_dkim_key_free(out);
        memset(out, 0, sizeof(*out));
    }
    return st;
}
