/*
 * NAME
 *	test_dkimkey.c - unit tests of the DKIM key record parser
 * DESCRIPTION
 *	Keys are made at test time with OpenSSL (RSA 512, 1024, 2048 and
 *	4096 bits, ed25519, and a P-256 key as a wrong type), published as
 *	base64 the way signers do, and read back: type, size, decoded
 *	bytes. Tables cover the tags (v, k, h, t, s, n), base64 with white
 *	space and padding faults, the seed's parked-domain record, malformed
 *	records (case, duplicates, order, non-ASCII) and the record length
 *	limit on both sides.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "testutil.h"

#include "record/dkimkey.h"

struct keys {
    struct testutil_pubkey rsa512, rsa1024, rsa2048, rsa4096;
    struct testutil_pubkey rsa2048_pkcs1; /* bare RSAPublicKey of rsa2048 */
    struct testutil_pubkey ed_raw;        /* 32 raw bytes (RFC 8463) */
    struct testutil_pubkey ed_spki;       /* the same key as SubjectPublicKeyInfo */
    struct testutil_pubkey ec_spki;       /* P-256: a type DKIM does not use */
};

static struct keys *K;

static EVP_PKEY *rsa_key(unsigned bits, struct testutil_pubkey *k)
{
    EVP_PKEY *pk = testutil_keygen(bits);

    assert_non_null(pk);
    assert_true(testutil_pubkey_spki(k, pk));
    return pk;
}

static void make_ed25519(void)
{
    EVP_PKEY *pk = testutil_keygen(0);

    assert_non_null(pk);
    assert_true(testutil_pubkey_raw(&K->ed_raw, pk));
    assert_true(testutil_pubkey_spki(&K->ed_spki, pk));
    EVP_PKEY_free(pk);
}

static int keys_setup(void **state)
{
    EVP_PKEY *pk;
    unsigned char *der = NULL;
    int n;

    (void)state;
    K = calloc(1, sizeof(*K));
    if (K == NULL)
        return -1;
    EVP_PKEY_free(rsa_key(512, &K->rsa512));
    EVP_PKEY_free(rsa_key(1024, &K->rsa1024));
    EVP_PKEY_free(rsa_key(4096, &K->rsa4096));
    pk = rsa_key(2048, &K->rsa2048);
    n = i2d_PublicKey(pk, &der);
    if (n <= 0)
        return -1;
    assert_true(testutil_pubkey_set(&K->rsa2048_pkcs1, der, (size_t)n));
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    make_ed25519();
    pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (pk == NULL)
        return -1;
    assert_true(testutil_pubkey_spki(&K->ec_spki, pk));
    EVP_PKEY_free(pk);
    return 0;
}

static int keys_teardown(void **state)
{
    (void)state;
    free(K);
    return 0;
}

static enum tk_status parse(const char *txt, struct tk_dkim_key *key, struct tk_error *err)
{
    tk_error_clear(err);
    return tk_dkim_key_parse(txt, strlen(txt), key, err);
}

/* ---- real keys ---- */

struct key_case {
    const char *head; /* the record before the base64 key */
    const char *tail; /* after it */
    const struct testutil_pubkey *(*pick)(void);
    enum tk_status want;
    enum tk_dkim_key_type type;
    unsigned bits;
    const char *sub; /* in err, or in a note when TK_OK; NULL: no note */
};

static const struct testutil_pubkey *k512(void)
{
    return &K->rsa512;
}
static const struct testutil_pubkey *k1024(void)
{
    return &K->rsa1024;
}
static const struct testutil_pubkey *k2048(void)
{
    return &K->rsa2048;
}
static const struct testutil_pubkey *k4096(void)
{
    return &K->rsa4096;
}
static const struct testutil_pubkey *kpkcs1(void)
{
    return &K->rsa2048_pkcs1;
}
static const struct testutil_pubkey *ked(void)
{
    return &K->ed_raw;
}
static const struct testutil_pubkey *kedspki(void)
{
    return &K->ed_spki;
}
static const struct testutil_pubkey *kec(void)
{
    return &K->ec_spki;
}

static const struct key_case key_cases[] = {
    {"v=DKIM1; k=rsa; p=", "", k2048, TK_OK, TK_DKIM_KEY_RSA, 2048, NULL},
    {"v=DKIM1; p=", "", k2048, TK_OK, TK_DKIM_KEY_RSA, 2048, NULL},
    {"p=", "", k1024, TK_OK, TK_DKIM_KEY_RSA, 1024, NULL},
    {"v=DKIM1; k=RSA; p=", "", k1024, TK_OK, TK_DKIM_KEY_RSA, 1024, NULL},
    {"v=DKIM1; k=rsa; p=", "", k4096, TK_OK, TK_DKIM_KEY_RSA, 4096, NULL},
    {"v=DKIM1; k=rsa; p=", "", k512, TK_OK, TK_DKIM_KEY_RSA, 512, "RFC 8301"},
    {"v=DKIM1; k=rsa; p=", ";", k2048, TK_OK, TK_DKIM_KEY_RSA, 2048, NULL},
    {"v=DKIM1; k=rsa; p=", "", kpkcs1, TK_OK, TK_DKIM_KEY_RSA, 2048, "bare RSAPublicKey"},
    {"v=DKIM1; k=ed25519; p=", "", ked, TK_OK, TK_DKIM_KEY_ED25519, 256, NULL},
    {"v=DKIM1; k=Ed25519; p=", "", ked, TK_OK, TK_DKIM_KEY_ED25519, 256, NULL},
    {"v=DKIM1; k=ed25519; p=", "", kedspki, TK_INVALID, 0, 0, "32 raw bytes: write p="},
    {"v=DKIM1; k=rsa; p=", "", kedspki, TK_INVALID, 0, 0, "write k=ed25519"},
    {"v=DKIM1; p=", "", ked, TK_INVALID, 0, 0, "add k=ed25519"},
    {"v=DKIM1; k=ed25519; p=", "", k2048, TK_INVALID, 0, 0, "holds a rsa key"},
    {"v=DKIM1; k=ed25519; p=", "", k512, TK_INVALID, 0, 0, "but k= says ed25519"},
    {"v=DKIM1; k=rsa; p=", "", kec, TK_INVALID, 0, 0, "which DKIM does not use"},
    {"v=DKIM1; k=ed25519; p=", "", kec, TK_INVALID, 0, 0, "which DKIM does not use"},
};

static void test_real_keys(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(key_cases); i++) {
        const struct key_case *c = &key_cases[i];
        const struct testutil_pubkey *k = c->pick();
        char txt[4200];
        struct tk_dkim_key key;
        struct tk_error err;
        enum tk_status st;
        bool ok;

        snprintf(txt, sizeof(txt), "%s%s%s", c->head, k->b64, c->tail);
        st = parse(txt, &key, &err);
        ok = st == c->want && testutil_printable(err.msg);
        if (ok && st == TK_OK)
            ok = key.type == c->type && key.bits == c->bits && !key.revoked && key.der != NULL &&
                 (c->sub ? testutil_notes_have(&key.notes, c->sub) : key.notes.n == 0);
        else if (ok)
            ok = strstr(err.msg, c->sub) != NULL && key.der == NULL && key.bits == 0;
        if (!ok) {
            print_message("case %zu (%s): %s type %s bits %u err '%s' notes %zu '%s'\n", i, c->head,
                          tk_status_name(st), tk_dkim_key_type_name(key.type), key.bits, err.msg,
                          key.notes.n, key.notes.n ? key.notes.text[0] : "");
            bad++;
        }
        tk_dkim_key_free(&key);
    }
    assert_int_equal(bad, 0);
}

/* der holds the SubjectPublicKeyInfo (RSA) or the 32 raw bytes (ed25519). */
static void test_der_bytes(void **state)
{
    char txt[4200];
    struct tk_dkim_key key;
    struct tk_error err;

    (void)state;
    snprintf(txt, sizeof(txt), "v=DKIM1; p=%s", K->rsa2048.b64);
    assert_int_equal(parse(txt, &key, &err), TK_OK);
    assert_int_equal(key.der_len, K->rsa2048.der_len);
    assert_memory_equal(key.der, K->rsa2048.der, key.der_len);
    tk_dkim_key_free(&key);

    /* a bare RSAPublicKey comes back as SubjectPublicKeyInfo */
    snprintf(txt, sizeof(txt), "v=DKIM1; p=%s", K->rsa2048_pkcs1.b64);
    assert_int_equal(parse(txt, &key, &err), TK_OK);
    assert_int_equal(key.der_len, K->rsa2048.der_len);
    assert_memory_equal(key.der, K->rsa2048.der, key.der_len);
    tk_dkim_key_free(&key);

    snprintf(txt, sizeof(txt), "v=DKIM1; k=ed25519; p=%s", K->ed_raw.b64);
    assert_int_equal(parse(txt, &key, &err), TK_OK);
    assert_int_equal(key.der_len, 32);
    assert_memory_equal(key.der, K->ed_raw.der, 32);
    tk_dkim_key_free(&key);
    assert_null(key.der);
    tk_dkim_key_free(&key); /* twice is harmless */
}

/* The fix for an ed25519 key in SPKI form is the exact raw key. */
static void test_ed25519_spki_fix(void **state)
{
    char txt[512], want[128];
    struct tk_dkim_key key;
    struct tk_error err;

    (void)state;
    snprintf(txt, sizeof(txt), "v=DKIM1; k=ed25519; p=%s", K->ed_spki.b64);
    assert_int_equal(parse(txt, &key, &err), TK_INVALID);
    snprintf(want, sizeof(want), "write p=%s", K->ed_raw.b64);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
}

/* p= folded as zone files and DNS consoles fold it. */
static void test_whitespace_in_p(void **state)
{
    static const char *const seps[] = {" ", "\t", "\r\n ", "  \t "};
    size_t s;

    (void)state;
    for (s = 0; s < NELEM(seps); s++) {
        char txt[4400];
        size_t i, n = (size_t)snprintf(txt, sizeof(txt), "v=DKIM1; k=rsa; p=");
        const char *b = K->rsa2048.b64;
        struct tk_dkim_key key;
        struct tk_error err;

        for (i = 0; b[i]; i++) {
            if (i > 0 && i % 64 == 0)
                n += (size_t)snprintf(txt + n, sizeof(txt) - n, "%s", seps[s]);
            txt[n++] = b[i];
        }
        snprintf(txt + n, sizeof(txt) - n, " ; t=y");
        assert_int_equal(parse(txt, &key, &err), TK_OK);
        assert_int_equal(key.bits, 2048);
        assert_true(key.testing);
        assert_int_equal(key.notes.n, 0);
        tk_dkim_key_free(&key);
    }
}

/* ---- base64 faults, on keys of an unknown type (kept as bytes) ---- */

static void test_base64_table(void **state)
{
    static const struct {
        const char *p;
        enum tk_status want;
        size_t len;      /* decoded bytes when TK_OK */
        const char *sub; /* err or note */
    } cases[] = {
        {"AAAA", TK_OK, 3, NULL},
        {"AAA=", TK_OK, 2, NULL},
        {"AA==", TK_OK, 1, NULL},
        {"AAA", TK_OK, 2, "padding"},
        {"AA", TK_OK, 1, "padding"},
        {"AA AA", TK_OK, 3, NULL},
        {"AA=\t=", TK_OK, 1, NULL},
        {"A", TK_INVALID, 0, "cut short"},
        {"AAAAA", TK_INVALID, 0, "cut short"},
        {"A===", TK_INVALID, 0, "cut short"},
        {"AAAA=", TK_INVALID, 0, "cut short"},
        {"AA=", TK_INVALID, 0, "cut short"},
        {"AAA==", TK_INVALID, 0, "cut short"},
        {"====", TK_INVALID, 0, "cut short"},
        {"AA=A", TK_INVALID, 0, "after '=' padding"},
        {"AA*A", TK_INVALID, 0, "byte 0x2a at character 3"},
        {"AA\xc3\xa9", TK_INVALID, 0, "byte 0xc3"},
        {"AA-_", TK_INVALID, 0, "byte 0x2d"},
        {"\"AAAA\"", TK_INVALID, 0, "byte 0x22"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        char txt[128];
        struct tk_dkim_key key;
        struct tk_error err;
        enum tk_status st;

        snprintf(txt, sizeof(txt), "v=DKIM1; k=x25519; p=%s", cases[i].p);
        st = parse(txt, &key, &err);
        print_message("p=%s -> %s %zu '%s'\n", cases[i].p, tk_status_name(st), key.der_len,
                      st == TK_OK ? "" : err.msg);
        assert_int_equal(st, cases[i].want);
        if (st == TK_OK) {
            assert_int_equal(key.type, TK_DKIM_KEY_OTHER);
            assert_int_equal(key.der_len, cases[i].len);
            assert_int_equal(key.bits, 0);
            assert_true(testutil_notes_have(&key.notes, "k=x25519 is not a key type"));
            if (cases[i].sub)
                assert_true(testutil_notes_have(&key.notes, cases[i].sub));
            else
                assert_int_equal(key.notes.n, 1);
        } else {
            assert_non_null(strstr(err.msg, cases[i].sub));
            assert_true(testutil_printable(err.msg));
        }
        tk_dkim_key_free(&key);
    }
}

static void test_broken_rsa(void **state)
{
    char txt[4200], b64[4096];
    struct tk_dkim_key key;
    struct tk_error err;
    size_t n = strlen(K->rsa2048.b64);

    (void)state;
    /* cut by 8 characters: still base64, no longer a key */
    memcpy(b64, K->rsa2048.b64, n - 8);
    b64[n - 8] = '\0';
    snprintf(txt, sizeof(txt), "v=DKIM1; p=%s", b64);
    assert_int_equal(parse(txt, &key, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "does not hold an RSA public key"));
    assert_null(key.der);

    /* bytes after the key: loads, with a note */
    {
        struct testutil_pubkey extra;
        unsigned char der[2100];

        memcpy(der, K->rsa1024.der, K->rsa1024.der_len);
        memset(der + K->rsa1024.der_len, 0, 3);
        assert_true(testutil_pubkey_set(&extra, der, K->rsa1024.der_len + 3));
        snprintf(txt, sizeof(txt), "v=DKIM1; p=%s", extra.b64);
        assert_int_equal(parse(txt, &key, &err), TK_OK);
        assert_int_equal(key.bits, 1024);
        assert_true(testutil_notes_have(&key.notes, "3 bytes after the key"));
        tk_dkim_key_free(&key);
    }
    /* "PEM" pasted with its armour */
    snprintf(txt, sizeof(txt), "v=DKIM1; p=-----BEGIN PUBLIC KEY-----%s-----END PUBLIC KEY-----",
             K->rsa1024.b64);
    assert_int_equal(parse(txt, &key, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "not base64"));
}

/* ---- tags ---- */

struct tag_case {
    const char *txt;
    enum tk_status want;
    const char *sub; /* err, or a note when OK; NULL: no notes */
};

static const struct tag_case tag_cases[] = {
    /* the seed's parked-domain record (section 9) and variants */
    {"v=DKIM1; p=", TK_OK, NULL},
    {"v=DKIM1; p=;", TK_OK, NULL},
    {"v=DKIM1;p=", TK_OK, NULL},
    {"v=DKIM1; p= \t ", TK_OK, NULL},
    {"  v = DKIM1 ;  p =  ", TK_OK, NULL},
    {"p=", TK_OK, NULL},
    {"v=DKIM1; k=rsa; p=", TK_OK, NULL},
    {"v=DKIM1; n=retired 2024; p=", TK_OK, NULL},
    {"V=DKIM1; p=", TK_OK, "case-sensitive; write v="},
    {"v=DKIM1; p=; foo=bar", TK_OK, "unknown tag 'foo='"},
    {"v=DKIM1; p=; g=*", TK_OK, "g= was removed"},
    {"v=DKIM1; p=; hello", TK_OK, "'hello' is not a tag"},
    {"v=DKIM1; k=dsa; p=", TK_OK, "k=dsa is not a key type"},
    {"v=DKIM1", TK_INVALID, "p= is missing"},
    {"", TK_INVALID, "p= is missing"},
    {"v=DKIM1; k=rsa", TK_INVALID, "p= is missing"},
    {"v=DKIM1; P=", TK_INVALID, "written 'P='"},
    {"v=DKIM1; p=; p=", TK_INVALID, "tag p= appears twice"},
    {"v=DKIM1; k=rsa; k=rsa; p=", TK_INVALID, "tag k= appears twice"},
    {"v=DKIM1; v=DKIM1; p=", TK_INVALID, "tag v= appears twice"},
    {"v=DKIM1; p=; P=", TK_INVALID, "appears twice"},
    {"k=rsa; v=DKIM1; p=", TK_INVALID, "v= must be the first tag"},
    {"hello; v=DKIM1; p=", TK_INVALID, "v= must be the first tag"},
    {"v=DKIM2; p=", TK_INVALID, "v=DKIM2 is not DKIM1"},
    {"v=dkim1; p=", TK_INVALID, "v=dkim1 is not DKIM1"},
    {"v=; p=", TK_INVALID, "v= is not DKIM1"},
    {"v=DKIM1 p=", TK_INVALID, "v=DKIM1 p= is not DKIM1"},
    {"v=DKIM1; p=\xc3\xa9", TK_INVALID, "byte 0xc3"},
    {"v=DKIM1; k=\x01\x1b[31m; p=", TK_OK, "k=??[31m is not"},
};

static void test_tag_table(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < NELEM(tag_cases); i++) {
        const struct tag_case *c = &tag_cases[i];
        struct tk_dkim_key key;
        struct tk_error err;
        enum tk_status st = parse(c->txt, &key, &err);
        bool ok = st == c->want && testutil_printable(err.msg);

        if (ok && st == TK_OK)
            ok = key.revoked && key.bits == 0 && key.der == NULL &&
                 (c->sub ? testutil_notes_have(&key.notes, c->sub) : key.notes.n == 0);
        else if (ok)
            ok = strstr(err.msg, c->sub) != NULL && key.notes.n == 0;
        if (!ok) {
            print_message("case '%s': %s err '%s' notes %zu '%s'\n", c->txt, tk_status_name(st),
                          err.msg, key.notes.n, key.notes.n ? key.notes.text[0] : "");
            bad++;
        }
        tk_dkim_key_free(&key);
    }
    assert_int_equal(bad, 0);
}

static void test_flags_table(void **state)
{
    static const struct {
        const char *tags;
        bool testing, strict, sha1_only, sha256, email;
        const char *note;
    } cases[] = {
        {"", false, false, false, true, true, NULL},
        {"t=y", true, false, false, true, true, NULL},
        {"t=s", false, true, false, true, true, NULL},
        {"t=y:s", true, true, false, true, true, NULL},
        {"t = s : y", true, true, false, true, true, NULL},
        {"t=x", false, false, false, true, true, NULL},
        {"h=sha256", false, false, false, true, true, NULL},
        {"h=SHA256", false, false, false, true, true, NULL},
        {"h=sha1", false, false, true, false, true, "allows only sha1"},
        {"h=sha1:sha256", false, false, false, true, true, "obsolete"},
        {"h = sha256 : sha1", false, false, false, true, true, "obsolete"},
        {"h=md5", false, false, false, false, true, "names no hash"},
        {"h=", false, false, false, false, true, "names no hash"},
        {"s=email", false, false, false, true, true, NULL},
        {"s=*", false, false, false, true, true, NULL},
        {"s=email:other", false, false, false, true, true, NULL},
        {"s=other", false, false, false, true, false, "does not include email"},
        {"s=", false, false, false, true, false, "does not include email"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        char txt[4300];
        struct tk_dkim_key key;
        struct tk_error err;

        snprintf(txt, sizeof(txt), "v=DKIM1; %s%sp=%s", cases[i].tags, cases[i].tags[0] ? "; " : "",
                 K->rsa2048.b64);
        assert_int_equal(parse(txt, &key, &err), TK_OK);
        print_message("%s\n", cases[i].tags);
        assert_int_equal(key.testing, cases[i].testing);
        assert_int_equal(key.strict, cases[i].strict);
        assert_int_equal(key.sha1_only, cases[i].sha1_only);
        assert_int_equal(key.sha256_allowed, cases[i].sha256);
        assert_int_equal(key.service_email, cases[i].email);
        if (cases[i].note)
            assert_true(testutil_notes_have(&key.notes, cases[i].note));
        else
            assert_int_equal(key.notes.n, 0);
        tk_dkim_key_free(&key);
    }
}

/* ---- limits and odd inputs ---- */

static void test_record_length(void **state)
{
    const char *head = "v=DKIM1; k=other; p=";
    struct tk_dkim_key key;
    struct tk_error err;
    char *buf;

    (void)state;
    /* 4096 bytes: 4076 base64 characters, a multiple of 4 */
    buf = testutil_record_of_len(head, 'A', TK_TXT_RECORD_MAX);
    assert_int_equal(tk_dkim_key_parse(buf, TK_TXT_RECORD_MAX, &key, &err), TK_OK);
    assert_int_equal(key.der_len, (TK_TXT_RECORD_MAX - 20) / 4 * 3);
    tk_dkim_key_free(&key);
    free(buf);
    buf = testutil_record_of_len(head, 'A', TK_TXT_RECORD_MAX + 1);
    assert_int_equal(tk_dkim_key_parse(buf, TK_TXT_RECORD_MAX + 1, &key, &err), TK_LIMIT);
    assert_null(key.der);
    free(buf);
}

static void test_null_and_names(void **state)
{
    struct tk_dkim_key key;
    struct tk_error err;

    (void)state;
    assert_int_equal(tk_dkim_key_parse(NULL, 10, &key, &err), TK_INVALID);
    tk_dkim_key_free(NULL);
    assert_string_equal(tk_dkim_key_type_name(TK_DKIM_KEY_RSA), "rsa");
    assert_string_equal(tk_dkim_key_type_name(TK_DKIM_KEY_ED25519), "ed25519");
    assert_string_equal(tk_dkim_key_type_name(TK_DKIM_KEY_OTHER), "other");
}

/* Deterministic garbage around a real key: never a crash or a leak
 * (run under ASan), always a status and printable text. */
static void test_garbage(void **state)
{
    static const char alphabet[] = "v=DKIM1;k=rsaed25519p=thsAZaz09+/= \t\r\n-\x80\xff\0";
    unsigned long seed = 99;
    char buf[600];
    int iter;

    (void)state;
    for (iter = 0; iter < 5000; iter++) {
        struct tk_dkim_key key;
        struct tk_error err;
        size_t len, start;
        enum tk_status st;

        len = testutil_rand(&seed) % sizeof(buf);
        /* half the inputs are a real key with a few bytes changed */
        start = (size_t)snprintf(buf, sizeof(buf), "p=%s", K->rsa512.b64);
        if (len < start || (iter & 1))
            start = 0;
        testutil_garbage(&seed, buf, start, len, alphabet, sizeof(alphabet) - 1);
        if (start > 0) {
            size_t at = 2 + testutil_rand(&seed) % (start - 2);

            buf[at] = alphabet[(seed >> 20) % 20];
        }
        tk_error_clear(&err);
        st = tk_dkim_key_parse(buf, len, &key, &err);
        assert_true(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
        assert_true(testutil_printable(err.msg));
        if (st != TK_OK)
            assert_null(key.der);
        else
            assert_true(key.revoked == (key.der == NULL));
        tk_dkim_key_free(&key);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_keys),        cmocka_unit_test(test_der_bytes),
        cmocka_unit_test(test_ed25519_spki_fix), cmocka_unit_test(test_whitespace_in_p),
        cmocka_unit_test(test_base64_table),     cmocka_unit_test(test_broken_rsa),
        cmocka_unit_test(test_tag_table),        cmocka_unit_test(test_flags_table),
        cmocka_unit_test(test_record_length),    cmocka_unit_test(test_null_and_names),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
