/*
 * NAME
 *	test_dkim_verify.c - unit tests of DKIM signing and verification
 * DESCRIPTION
 *	RFC 8463 Appendix A: its message, both signatures (ed25519 selector
 *	brisbane, rsa selector test) verify with the keys of A.2 served by
 *	the static resolver; its body hash is the RFC's; signing its header
 *	fields with the A.1 ed25519 key reproduces the RFC's b= (ed25519 is
 *	deterministic), and so does the A.1 RSA key (PKCS#1 v1.5 is too).
 *
 *	dkimpy's c=simple/simple signatures of the same message verify.
 *
 *	Round trips (tiaki signs, tiaki verifies through a static zone) for
 *	rsa-2048 and ed25519, fed whole, a byte at a time, and field by
 *	field as a mail filter would; then one change at a time, each with
 *	the result RFC 6376 / RFC 8301 give it: a changed header or body
 *	fails, l= lets appended text pass, an added From fails (over-signed
 *	or not), x= expired fails, t= in the future is permerror; key
 *	records t=y (pass, testing), t=s, h=sha1, s=other, revoked, wrong
 *	k=, RSA-1024 (pass) and RSA-512 (fail), rsa-sha1 (fail), DNS
 *	failure (temperror), no key (permerror).
 *
 *	Hostile messages: 10,000 header fields, a 1 MB header line, broken
 *	base64 in the key, duplicate tags, a huge h=, 50 signatures, two
 *	From fields: each gives the defined result asserted here.
 *
 *	The RSA check itself (auth/dkim_rsa.c) on blocks signed raw: the
 *	exact PKCS#1 v1.5 block verifies, one byte changed anywhere in it
 *	does not, nor a signature one byte short or not below the modulus;
 *	keys with public exponents 3 and of 130 bits too; one key from four
 *	threads at once.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "testutil.h"

#include "auth/dkim_canon.h"
#include "auth/dkim_keycache.h"
#include "auth/dkim_rsa.h"
#include "auth/dkim_sig.h"
#include "core/base64.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "auth/message.h"
#include "core/buf.h"

/* The time the tests sign and verify at. */
#define NOW 1700000000

struct keys {
    EVP_PKEY *rsa2048, *rsa1024, *rsa512, *ed;
    char rec_rsa2048[1024], rec_rsa1024[512], rec_rsa512[512], rec_ed[128];
};

static struct keys *K;

static const char plain_msg[] = "Received: from a by b; Sat, 1 Jan 2000 00:00:00 +0000\r\n"
                                "From: Joe <joe@example.govt.nz>\r\n"
                                "To: Suzie <suzie@example.net>\r\n"
                                "Subject: Is dinner ready?\r\n"
                                "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
                                "Message-ID: <1@example.govt.nz>\r\n"
                                "\r\n"
                                "Hi.\r\n"
                                "\r\n"
                                "We lost the  game.   Are you hungry yet?\r\n"
                                "\r\n"
                                "Joe.\r\n"
                                "\r\n";

static void key_record(EVP_PKEY *pk, char *out, size_t len)
{
    struct tk_buf b = {0};

    assert_int_equal(tk_dkim_key_record(pk, &b), TK_OK);
    assert_true(b.len < len);
    memcpy(out, b.data, b.len + 1);
    tk_buf_free(&b);
}

static int setup(void **state)
{
    K = calloc(1, sizeof(*K));
    K->rsa2048 = testutil_keygen(2048);
    K->rsa1024 = testutil_keygen(1024);
    K->rsa512 = testutil_keygen(512);
    K->ed = testutil_keygen(0);
    if (!K->rsa2048 || !K->rsa1024 || !K->rsa512 || !K->ed)
        return -1;
    key_record(K->rsa2048, K->rec_rsa2048, sizeof(K->rec_rsa2048));
    key_record(K->rsa1024, K->rec_rsa1024, sizeof(K->rec_rsa1024));
    key_record(K->rsa512, K->rec_rsa512, sizeof(K->rec_rsa512));
    key_record(K->ed, K->rec_ed, sizeof(K->rec_ed));
    return 0;
}

static int teardown(void **state)
{
    EVP_PKEY_free(K->rsa2048);
    EVP_PKEY_free(K->rsa1024);
    EVP_PKEY_free(K->rsa512);
    EVP_PKEY_free(K->ed);
    free(K);
    return 0;
}

/* ---- helpers ---- */

/* load_msg reads text whole into m (no body kept). */
static void load_msg(struct tk_msg *m, const char *text, size_t len)
{
    tk_msg_init(m);
    assert_int_equal(tk_msg_feed(m, text, len, NULL, NULL), TK_OK);
    assert_int_equal(tk_msg_finish(m), TK_OK);
}

/* sign_text signs msg with key as d=domain s=sel; returns the signed
 * message (malloc'd). oversign NULL: the default. */
static char *sign_text(EVP_PKEY *key, const char *domain, const char *sel, const char *msg,
                       const char *oversign, uint64_t expire, int64_t now)
{
    struct tk_dkim_sign_options o = {domain, sel, NULL, oversign, now ? now : NOW, expire};
    struct tk_dkim_sign *s;
    struct tk_error err = {0};
    struct tk_buf out = {0};
    struct tk_msg m;

    assert_int_equal(tk_dkim_sign_new(key, &o, &s, &err), TK_OK);
    tk_msg_init(&m);
    assert_int_equal(tk_msg_feed(&m, msg, strlen(msg), tk_dkim_sign_body, s), TK_OK);
    assert_int_equal(tk_msg_finish(&m), TK_OK);
    if (tk_dkim_sign_finish(s, &m, &out, &err) != TK_OK)
        fail_msg("sign: %s", err.msg);
    assert_int_equal(tk_buf_puts(&out, "\r\n"), TK_OK);
    assert_int_equal(tk_buf_puts(&out, msg), TK_OK);
    tk_dkim_sign_free(s);
    tk_msg_free(&m);
    return tk_buf_steal(&out);
}

/* resign replaces b= of the first field of text (a DKIM-Signature) by a
 * signature with key over the header hash: after a test has changed a
 * tag, the signature is again one its signer could have made. */
static char *resign(const char *text, EVP_PKEY *key)
{
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    unsigned char hash[32], b[1024];
    size_t blen = sizeof(b), start, end;
    struct tk_span v;
    struct tk_buf out = {0};
    struct tk_msg m;
    char b64[1400];
    EVP_PKEY_CTX *ctx = NULL;
    EVP_MD_CTX *md = NULL;

    load_msg(&m, text, strlen(text));
    v = tk_msg_field_value(&m, 0);
    assert_int_equal(tk_dkim_sig_parse(v.p, v.len, sig, NULL), TK_OK);
    assert_int_equal(tk_dkim_header_hash(&m, sig, m.fields[0].raw, m.fields[0].raw_len, hash),
                     TK_OK);
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
        md = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
        assert_int_equal(EVP_DigestSign(md, b, &blen, hash, 32), 1);
    } else {
        ctx = EVP_PKEY_CTX_new(key, NULL);
        assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
        assert_int_equal(EVP_PKEY_sign(ctx, b, &blen, hash, 32), 1);
    }
    EVP_EncodeBlock((unsigned char *)b64, b, (int)blen);
    assert_true(tk_dkim_sig_b_value(m.fields[0].raw, m.fields[0].raw_len, &start, &end));
    assert_int_equal(tk_buf_append(&out, text, start), TK_OK);
    assert_int_equal(tk_buf_puts(&out, b64), TK_OK);
    assert_int_equal(tk_buf_puts(&out, text + end), TK_OK);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(ctx);
    tk_msg_free(&m);
    free(sig);
    return tk_buf_steal(&out);
}

/* edit returns text with the first from replaced by to (malloc'd). */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    struct tk_buf out = {0};

    assert_non_null(at);
    assert_int_equal(tk_buf_append(&out, text, (size_t)(at - text)), TK_OK);
    assert_int_equal(tk_buf_puts(&out, to), TK_OK);
    assert_int_equal(tk_buf_puts(&out, at + strlen(from)), TK_OK);
    return tk_buf_steal(&out);
}

struct verdicts {
    size_t n, unchecked;
    struct tk_dkim_result r[TK_DKIM_SIGNATURES_MAX];
};

/* verify_with verifies text over zone z at time now, fed in chunks of
 * step bytes (0: whole). */
static void verify_with(const struct zrr *zone, const char *text, size_t len, size_t step,
                        int64_t now, struct verdicts *out)
{
    struct tk_dkim_verify_options o = {now ? now : NOW, 0};
    struct tk_static_zone *z;
    struct tk_resolver *r;
    struct tk_dkim_verify *v;
    struct tk_error err = {0};
    struct tk_msg m;
    size_t i;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, zone);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    tk_msg_init(&m);
    assert_int_equal(tk_dkim_verify_new(&m, &o, &v, &err), TK_OK);
    if (step == 0)
        step = len ? len : 1;
    for (i = 0; i < len; i += step)
        assert_int_equal(
            tk_msg_feed(&m, text + i, len - i < step ? len - i : step, tk_dkim_verify_body, v),
            TK_OK);
    assert_int_equal(tk_msg_finish(&m), TK_OK);
    assert_int_equal(tk_dkim_verify_finish(v, r, &err), TK_OK);
    memset(out, 0, sizeof(*out));
    out->n = tk_dkim_verify_count(v);
    out->unchecked = tk_dkim_verify_unchecked(v);
    for (i = 0; i < out->n; i++) {
        out->r[i] = *tk_dkim_verify_result(v, i);
        assert_true(testutil_printable(out->r[i].reason));
    }
    tk_dkim_verify_free(v);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    tk_msg_free(&m);
}

static void verify_text(const struct zrr *zone, const char *text, struct verdicts *out)
{
    verify_with(zone, text, strlen(text), 0, NOW, out);
}

/* expect: one signature, result want, reason holding why (or NULL). */
static void expect(const struct verdicts *v, enum tk_auth_result want, const char *why)
{
    assert_int_equal(v->n, 1);
    if (v->r[0].result != want || (why && strstr(v->r[0].reason, why) == NULL))
        fail_msg("got %s (%s), want %s with '%s'", tk_auth_result_name(v->r[0].result),
                 v->r[0].reason, tk_auth_result_name(want), why ? why : "");
}

#define SEL_RSA "rsa._domainkey.example.govt.nz"
#define SEL_ED "ed._domainkey.example.govt.nz"

/* ---- RFC 8463 Appendix A ---- */

/* A.3, as printed: continuation lines start with one space, a blank
 * line follows "Joe.". No copy of RFC 8463 is on the build machines; the
 * text was checked three ways: its bh= is the relaxed body hash of the
 * body (computed with Python's hashlib too); the ed25519 b= is what A.1's
 * key gives (PyNaCl, and test_rfc8463_signing_reproduces_b below); the
 * rsa b= is what A.1's RSA key gives with PKCS#1 v1.5 (Python's
 * cryptography), and both signatures verify with dkimpy. A.2's keys are
 * the ones in dkimpy's tests (brisbane p=, data/test.txt). */
static const char rfc8463_msg[] = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
                                  " d=football.example.com; i=@football.example.com;\r\n"
                                  " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
                                  " subject : date : message-id : from : subject : date;\r\n"
                                  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                                  " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
                                  " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
                                  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
                                  " d=football.example.com; i=@football.example.com;\r\n"
                                  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
                                  " date : message-id : from : subject : date;\r\n"
                                  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                                  " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
                                  " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
                                  " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
                                  "From: Joe SixPack <joe@football.example.com>\r\n"
                                  "To: Suzie Q <suzie@shopping.example.net>\r\n"
                                  "Subject: Is dinner ready?\r\n"
                                  "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
                                  "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
                                  "\r\n"
                                  "Hi.\r\n"
                                  "\r\n"
                                  "We lost the game.  Are you hungry yet?\r\n"
                                  "\r\n"
                                  "Joe.\r\n"
                                  "\r\n";

/* A.2 */
static const struct zrr rfc8463_zone[] = {
    TXT("brisbane._domainkey.football.example.com",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
    TXT("test._domainkey.football.example.com",
        "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
        "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
        "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
        "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"),
    {0},
};

/* A.1 */
static const char rfc8463_ed_secret[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char rfc8463_rsa_secret[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";

#define RFC8463_T 1528637909

static void test_rfc8463_verifies(void **state)
{
    struct verdicts v;
    size_t step;

    for (step = 0; step < 3; step++) {
        verify_with(rfc8463_zone, rfc8463_msg, strlen(rfc8463_msg), step, RFC8463_T, &v);
        assert_int_equal(v.n, 2);
        assert_int_equal(v.r[0].result, TK_AUTH_PASS);
        assert_string_equal(v.r[0].a, "ed25519-sha256");
        assert_string_equal(v.r[0].s, "brisbane");
        assert_string_equal(v.r[0].d, "football.example.com");
        assert_string_equal(v.r[0].b, "/gCrinpc");
        assert_int_equal(v.r[0].key_bits, 256);
        assert_int_equal(v.r[1].result, TK_AUTH_PASS);
        assert_string_equal(v.r[1].a, "rsa-sha256");
        assert_string_equal(v.r[1].s, "test");
        assert_int_equal(v.r[1].key_bits, 1024);
        assert_string_equal(v.r[1].b, "F45dVWDf");
    }
    /* today: t= is years ago, there is no x=, so still a pass */
    verify_with(rfc8463_zone, rfc8463_msg, strlen(rfc8463_msg), 0, NOW, &v);
    assert_int_equal(v.r[0].result, TK_AUTH_PASS);
}

/* The body hash of A.3 is the RFC's bh=. */
static void test_rfc8463_body_hash(void **state)
{
    static const char body[] =
        "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n";
    unsigned char h[32], want[32];
    size_t hl, wl;
    struct tk_dkim_body b;
    struct tk_span bh = {"2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", 44};

    assert_int_equal(tk_base64_decode(bh, want, sizeof(want), &wl, NULL), TK_OK);
    assert_int_equal(tk_dkim_body_init(&b, TK_DKIM_RELAXED, EVP_sha256(), UINT64_MAX), TK_OK);
    tk_dkim_body_update(&b, body, strlen(body));
    assert_int_equal(tk_dkim_body_final(&b, h, &hl), TK_OK);
    assert_int_equal(hl, 32);
    assert_memory_equal(h, want, 32);
}

/* rfc8463_b signs the header hash of signature idx of A.3 with key and
 * returns the base64 (static). */
static const char *rfc8463_b(size_t idx, EVP_PKEY *key)
{
    static char text[4096];
    const char *second = strstr(rfc8463_msg, "DKIM-Signature: v=1; a=rsa-sha256");
    size_t start, end;
    char *resigned, *blanked;
    struct tk_msg m;

    /* keep signature idx only, then sign it anew */
    assert_non_null(second);
    if (idx == 0)
        snprintf(text, sizeof(text), "%.*s%s", (int)(second - rfc8463_msg), rfc8463_msg,
                 strstr(second, "From:"));
    else
        snprintf(text, sizeof(text), "%s", second);
    blanked = strdup(text);
    resigned = resign(blanked, key);
    load_msg(&m, resigned, strlen(resigned));
    assert_true(tk_dkim_sig_b_value(m.fields[0].raw, m.fields[0].raw_len, &start, &end));
    snprintf(text, sizeof(text), "%.*s", (int)(end - start), m.fields[0].raw + start);
    tk_msg_free(&m);
    free(resigned);
    free(blanked);
    return text;
}

static void test_rfc8463_signing_reproduces_b(void **state)
{
    unsigned char seed[32];
    size_t n = 0;
    struct tk_span s = {rfc8463_ed_secret, strlen(rfc8463_ed_secret)};
    EVP_PKEY *ed, *rsa;
    BIO *bio;

    assert_int_equal(tk_base64_decode(s, seed, sizeof(seed), &n, NULL), TK_OK);
    ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, n);
    assert_non_null(ed);
    bio = BIO_new_mem_buf(rfc8463_rsa_secret, -1);
    rsa = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(rsa);
    assert_string_equal(rfc8463_b(0, ed), "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
                                          "Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
    assert_string_equal(rfc8463_b(1, rsa),
                        "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3"
                        "DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz"
                        "dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=");
    /* and the public half of A.1's ed25519 key is A.2's p= */
    {
        char rec[128];

        key_record(ed, rec, sizeof(rec));
        assert_string_equal(rec,
                            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }
    BIO_free(bio);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(rsa);
}

/* dkimpy's test vector (dkim/tests/data/rfc6376.signed.msg): the same
 * message signed c=simple/simple with the same two keys, as a file with
 * LF line ends and white space at the ends of the signature's lines,
 * which simple canonicalisation keeps. */
static const char dkimpy_simple_msg[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple; \n"
    " d=football.example.com; i=@football.example.com; \n"
    " q=dns/txt; s=brisbane; t=1518460054; h=from : to : \n"
    " subject : date : message-id : from : subject : date; \n"
    " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \n"
    " b=9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YB\n"
    " o0wBLR++X5LqmsxXaOYLLJe46l10AQ==\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; \n"
    " d=football.example.com; i=@football.example.com; \n"
    " q=dns/txt; s=test; t=1527915362; h=from : to : subject : \n"
    " date : message-id : from : subject : date; \n"
    " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \n"
    " b=icKcLSEZYXJ95flvWE8FT6hl5iqd8MC/LEKYH0QjsqYy6MO/4pgVNCZH\n"
    " l/RAXAuADxE/40Fg7uTlxwwD1hjN2Ple6J//cJfslBdDOq6zTVbne1dqtl\n"
    " NOat7iamJ1AfRqyG+ja7a2AZsrpUuJ7VA6O+0zRYPqpwMEkEFIzI9i/Xk=\n"
    "From: Joe SixPack <joe@football.example.com>\n"
    "To: Suzie Q <suzie@shopping.example.net>\n"
    "Subject: Is dinner ready?\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\n"
    "\n"
    "Hi.\n"
    "\n"
    "We lost the game.  Are you hungry yet?\n"
    "\n"
    "Joe.\n"
    "\n";

static void test_dkimpy_simple_vector(void **state)
{
    char *spaced =
        edit(dkimpy_simple_msg, "Subject: Is dinner ready?", "Subject: Is dinner  ready?");
    struct verdicts v;

    verify_with(rfc8463_zone, dkimpy_simple_msg, strlen(dkimpy_simple_msg), 0, RFC8463_T, &v);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.r[0].result, TK_AUTH_PASS);
    assert_int_equal(v.r[1].result, TK_AUTH_PASS);
    /* one more space: relaxed would not see it, simple does */
    verify_with(rfc8463_zone, spaced, strlen(spaced), 0, RFC8463_T, &v);
    assert_int_equal(v.r[0].result, TK_AUTH_FAIL);
    assert_int_equal(v.r[1].result, TK_AUTH_FAIL);
    free(spaced);
}

/* A changed body fails both RFC signatures. */
static void test_rfc8463_tampered(void **state)
{
    char *t = edit(rfc8463_msg, "hungry yet?", "hungry now?");
    struct verdicts v;

    verify_with(rfc8463_zone, t, strlen(t), 0, RFC8463_T, &v);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.r[0].result, TK_AUTH_FAIL);
    assert_int_equal(v.r[1].result, TK_AUTH_FAIL);
    assert_non_null(strstr(v.r[1].reason, "body hash"));
    free(t);
}

/* ---- round trips ---- */

static void test_round_trip(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), TXT(SEL_ED, K->rec_ed), {0}};
    char *rsa = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *ed = sign_text(K->ed, "example.govt.nz", "ed", plain_msg, NULL, 0, 0);
    size_t steps[] = {0, 1, 7, 64}, i;
    struct verdicts v;

    for (i = 0; i < NELEM(steps); i++) {
        verify_with(zone, rsa, strlen(rsa), steps[i], NOW, &v);
        expect(&v, TK_AUTH_PASS, "verified");
        assert_string_equal(v.r[0].d, "example.govt.nz");
        assert_string_equal(v.r[0].s, "rsa");
        assert_string_equal(v.r[0].a, "rsa-sha256");
        assert_string_equal(v.r[0].i, "@example.govt.nz");
        assert_int_equal(v.r[0].key_bits, 2048);
        assert_false(v.r[0].testing);
        assert_memory_equal(v.r[0].b, strstr(rsa, " b=") + 3, 8);
        verify_with(zone, ed, strlen(ed), steps[i], NOW, &v);
        expect(&v, TK_AUTH_PASS, NULL);
        assert_string_equal(v.r[0].a, "ed25519-sha256");
    }
    free(rsa);
    free(ed);
}

/* Every line of the field is under 78 characters; h= lists the fields
 * present and over-signs the default names. */
static void test_signature_field_shape(void **state)
{
    char *rsa = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 3600, 0);
    const char *end = strstr(rsa, "\r\nFrom:"), *p = rsa;
    struct tk_dkim_sig *sig = calloc(1, sizeof(*sig));
    struct tk_msg m;
    struct tk_span val;

    assert_non_null(end);
    while (p < end) {
        const char *nl = strstr(p, "\r\n");

        assert_true(nl - p < 78);
        p = nl + 2;
    }
    load_msg(&m, rsa, strlen(rsa));
    val = tk_msg_field_value(&m, 0);
    assert_int_equal(tk_dkim_sig_parse(val.p, val.len, sig, NULL), TK_OK);
    assert_true(sig->has_t && sig->t == NOW && sig->has_x && sig->x == NOW + 3600);
    assert_int_equal(sig->header_canon, TK_DKIM_RELAXED);
    assert_int_equal(sig->body_canon, TK_DKIM_RELAXED);
    {
        struct tk_buf names = {0};
        size_t i;

        for (i = 0; i < sig->nh; i++)
            assert_int_equal(
                tk_buf_printf(&names, "%s%.*s", i ? ":" : "", (int)sig->h[i].len, sig->h[i].p),
                TK_OK);
        assert_string_equal(names.data,
                            "from:from:reply-to:subject:subject:date:date:to:to:cc:message-id");
        tk_buf_free(&names);
    }
    tk_msg_free(&m);
    free(sig);
    free(rsa);
}

/* The zone-file form of a key record: quoted strings of at most 255
 * bytes that concatenate to the record (RFC 1035 3.3.14). */
static void test_zone_line(void **state)
{
    struct tk_buf z = {0}, joined = {0};
    const char *p;
    size_t strings = 0;

    assert_int_equal(tk_dkim_zone_line("s2026", "Agency.govt.nz", K->rec_rsa2048, &z), TK_OK);
    {
        const char *head = "s2026._domainkey.agency.govt.nz. IN TXT ( \"";

        assert_true(strncmp(z.data, head, strlen(head)) == 0);
    }
    for (p = strchr(z.data, '"'); p != NULL; p = strchr(p, '"')) {
        const char *end = strchr(p + 1, '"');

        assert_non_null(end);
        assert_true(end - p - 1 <= 255);
        assert_int_equal(tk_buf_append(&joined, p + 1, (size_t)(end - p - 1)), TK_OK);
        strings++;
        p = end + 1;
    }
    assert_true(strings >= 2); /* a 2048-bit key's record is ~400 bytes */
    assert_string_equal(joined.data, K->rec_rsa2048);
    assert_true(strcmp(z.data + z.len - 2, " )") == 0);
    tk_buf_free(&z);
    tk_buf_free(&joined);
}

/* The filter's path: fields one by one, then body chunks. */
static void test_filter_path(void **state)
{
    const struct zrr zone[] = {TXT(SEL_ED, K->rec_ed), {0}};
    char *ed = sign_text(K->ed, "example.govt.nz", "ed", plain_msg, NULL, 0, 0);
    struct tk_dkim_verify_options o = {NOW, 0};
    struct tk_static_zone *z;
    struct tk_resolver *r;
    struct tk_dkim_verify *v;
    struct tk_msg m, parsed;
    const char *body = strstr(ed, "\r\n\r\n") + 4;
    size_t i;

    load_msg(&parsed, ed, strlen(ed));
    tk_msg_init(&m);
    for (i = 0; i < parsed.nfields; i++)
        assert_int_equal(tk_msg_add_field(&m, parsed.fields[i].raw, parsed.fields[i].raw_len),
                         TK_OK);
    tk_msg_end_headers(&m);
    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, zone);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_dkim_verify_new(&m, &o, &v, NULL), TK_OK);
    for (i = 0; i < strlen(body); i += 5)
        tk_dkim_verify_body(v, body + i, strlen(body + i) < 5 ? strlen(body + i) : 5);
    assert_int_equal(tk_dkim_verify_submit(v, r, NULL), TK_OK);
    assert_int_equal(tk_dkim_verify_pending(v), 1);
    while (tk_dkim_verify_pending(v) > 0)
        assert_int_equal(tk_resolver_wait(r, 100, NULL), TK_OK);
    tk_dkim_verify_judge(v);
    assert_int_equal(tk_dkim_verify_result(v, 0)->result, TK_AUTH_PASS);
    tk_dkim_verify_free(v);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    tk_msg_free(&m);
    tk_msg_free(&parsed);
    free(ed);
}

/* ---- one change at a time ---- */

static void test_tampered(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *subj = edit(s, "Subject: Is dinner ready?", "Subject: Is dinner ready!");
    char *body = edit(s, "We lost", "We won");
    char *ws = edit(s, "Subject: Is dinner ready?", "Subject:   Is   dinner ready?  ");
    char *trail = edit(s, "Joe.\r\n\r\n", "Joe.\r\n\r\n\r\n\r\n");
    char *unsigned_field = edit(s, "Received:", "X-Added: yes\r\nReceived:");
    struct verdicts v;

    verify_text(zone, subj, &v);
    expect(&v, TK_AUTH_FAIL, "did not verify");
    verify_text(zone, body, &v);
    expect(&v, TK_AUTH_FAIL, "body hash");
    /* relaxed/relaxed: white space and trailing empty lines do not count,
     * nor do fields not signed */
    verify_text(zone, ws, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    verify_text(zone, trail, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    verify_text(zone, unsigned_field, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    free(s);
    free(subj);
    free(body);
    free(ws);
    free(trail);
    free(unsigned_field);
}

/* l= signs the first bytes: text appended after them does not count. */
static void test_body_length_tag(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    /* the relaxed body of plain_msg: "Hi.\r\n\r\nWe lost the game. Are
     * you hungry yet?\r\n\r\nJoe.\r\n" is 54 bytes */
    char *with_l = edit(s, " bh=", " l=54; bh=");
    char *signed_l = resign(with_l, K->rsa2048);
    char *appended, *short_l, *signed_short;
    struct verdicts v;

    verify_text(zone, signed_l, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    appended = malloc(strlen(signed_l) + 64);
    sprintf(appended, "%sP.S. click here\r\n", signed_l);
    verify_text(zone, appended, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    sprintf(appended, "%sP.S. click here\r\n", s);
    verify_text(zone, appended, &v);
    expect(&v, TK_AUTH_FAIL, "body hash");
    /* l= longer than the body: permerror */
    short_l = edit(s, " bh=", " l=55; bh=");
    signed_short = resign(short_l, K->rsa2048);
    verify_text(zone, signed_short, &v);
    expect(&v, TK_AUTH_PERMERROR, "longer than the body");
    free(s);
    free(with_l);
    free(signed_l);
    free(appended);
    free(short_l);
    free(signed_short);
}

/* An added From: over-signed, the signature fails; not over-signed,
 * the signature does not cover it and fails too. */
static void test_added_from(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *two = edit(s, "Received:", "From: Evil <ceo@example.govt.nz>\r\nReceived:");
    char *once = edit(s, "h=from:from:", "h=from:");
    char *once_signed = resign(once, K->rsa2048);
    char *once_two =
        edit(once_signed, "Received:", "From: Evil <ceo@example.govt.nz>\r\nReceived:");
    struct verdicts v;

    verify_text(zone, two, &v);
    expect(&v, TK_AUTH_FAIL, "did not verify");
    verify_text(zone, once_signed, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    verify_text(zone, once_two, &v);
    expect(&v, TK_AUTH_FAIL, "2 From fields");
    free(s);
    free(two);
    free(once);
    free(once_signed);
    free(once_two);
}

static void test_times(void **state)
{
    const struct zrr zone[] = {TXT(SEL_ED, K->rec_ed), {0}};
    char *x = sign_text(K->ed, "example.govt.nz", "ed", plain_msg, NULL, 3600, 0);
    char *future = sign_text(K->ed, "example.govt.nz", "ed", plain_msg, NULL, 0, NOW + 3600);
    char *near = sign_text(K->ed, "example.govt.nz", "ed", plain_msg, NULL, 0, NOW + 60);
    struct verdicts v;

    verify_with(zone, x, strlen(x), 0, NOW + 1800, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    verify_with(zone, x, strlen(x), 0, NOW + 3600 + 60, &v); /* within the skew */
    expect(&v, TK_AUTH_PASS, NULL);
    verify_with(zone, x, strlen(x), 0, NOW + 7200, &v);
    expect(&v, TK_AUTH_FAIL, "expired");
    verify_text(zone, future, &v);
    expect(&v, TK_AUTH_PERMERROR, "in the future");
    verify_text(zone, near, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    free(x);
    free(future);
    free(near);
}

static void test_key_flags(void **state)
{
    char rec[1200];
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *sub = edit(s, " h=", " i=joe@mail.example.govt.nz; h=");
    char *sub_signed = resign(sub, K->rsa2048);
    char *top = edit(s, " h=", " i=joe@example.govt.nz; h=");
    char *top_signed = resign(top, K->rsa2048);
    const char *p = strstr(K->rec_rsa2048, "p=");
    struct zrr zone[] = {TXT(SEL_RSA, rec), {0}};
    struct verdicts v;

    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; t=y; %s", p);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PASS, "testing");
    assert_true(v.r[0].testing);
    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; t=s; %s", p);
    verify_text(zone, sub_signed, &v);
    expect(&v, TK_AUTH_PERMERROR, "t=s");
    verify_text(zone, top_signed, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    verify_text(zone, s, &v); /* no i=: the identity is @d= */
    expect(&v, TK_AUTH_PASS, NULL);
    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; h=sha1; %s", p);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "does not allow sha256");
    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; h=sha1:sha256; %s", p);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; s=other; %s", p);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "not for email");
    snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=");
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "revoked");
    /* an ed25519 key where the signature is rsa-sha256 */
    snprintf(rec, sizeof(rec), "%s", K->rec_ed);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "k=ed25519 but the signature is a=rsa-sha256");
    /* another RSA key: the signature does not verify */
    snprintf(rec, sizeof(rec), "%s", K->rec_rsa1024);
    verify_text(zone, s, &v);
    expect(&v, TK_AUTH_FAIL, "did not verify");
    free(s);
    free(sub);
    free(sub_signed);
    free(top);
    free(top_signed);
}

/* RSA-1024 verifies (RFC 8301's floor); RSA-512 fails. Signatures by
 * those keys are made by resigning (tiaki itself signs with >= 2048). */
static void test_rsa_sizes(void **state)
{
    const struct zrr zone[] = {
        TXT(SEL_RSA, K->rec_rsa1024), TXT("rsa512._domainkey.example.govt.nz", K->rec_rsa512), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *s1024 = resign(s, K->rsa1024);
    char *s512a = edit(s, "s=rsa;", "s=rsa512;");
    char *s512 = resign(s512a, K->rsa512);
    struct tk_dkim_sign *sg = NULL;
    struct tk_dkim_sign_options o = {"example.govt.nz", "rsa", NULL, NULL, NOW, 0};
    struct tk_error err = {0};
    struct verdicts v;

    verify_text(zone, s1024, &v);
    expect(&v, TK_AUTH_PASS, NULL);
    assert_int_equal(v.r[0].key_bits, 1024);
    verify_text(zone, s512, &v);
    expect(&v, TK_AUTH_FAIL, "RFC 8301");
    assert_int_equal(v.r[0].key_bits, 512);
    /* and tiaki refuses to sign with either */
    assert_int_equal(tk_dkim_sign_new(K->rsa1024, &o, &sg, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "1024 bits"));
    assert_null(sg);
    free(s);
    free(s1024);
    free(s512a);
    free(s512);
}

static void test_rsa_sha1_fails(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *a = edit(s, "a=rsa-sha256", "a=rsa-sha1");
    const char *bh = strstr(a, "bh=") + 3;
    char *sha1 = NULL, old[64];
    struct verdicts v;

    snprintf(old, sizeof(old), "%.44s", bh);
    sha1 = edit(a, old, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    verify_text(zone, sha1, &v);
    expect(&v, TK_AUTH_FAIL, "RFC 8301");
    assert_string_equal(v.r[0].a, "rsa-sha1");
    free(s);
    free(a);
    free(sha1);
}

static void test_dns_outcomes(void **state)
{
    const struct zrr temp[] = {TEMP(SEL_RSA, TK_DNS_TXT), {0}};
    const struct zrr none[] = {TXT("other._domainkey.example.govt.nz", "v=DKIM1; p="), {0}};
    const struct zrr broken[] = {TXT(SEL_RSA, "v=DKIM1; k=rsa; p=MIIB!!notbase64"), {0}};
    const struct zrr two[] = {TXT(SEL_RSA, "v=spf1 -all"), TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    struct verdicts v;

    verify_text(temp, s, &v);
    expect(&v, TK_AUTH_TEMPERROR, "could not be looked up");
    verify_text(none, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "no key published at rsa._domainkey.example.govt.nz");
    verify_text(broken, s, &v);
    expect(&v, TK_AUTH_PERMERROR, "is broken");
    verify_text(two, s, &v); /* the record that is a key is used */
    expect(&v, TK_AUTH_PASS, NULL);
    free(s);
}

/* ---- hostile messages ---- */

static char *prepend_fields(const char *head, size_t n, const char *field, const char *msg)
{
    struct tk_buf b = {0};
    size_t i;

    assert_int_equal(tk_buf_puts(&b, head), TK_OK);
    for (i = 0; i < n; i++)
        assert_int_equal(tk_buf_puts(&b, field), TK_OK);
    assert_int_equal(tk_buf_puts(&b, msg), TK_OK);
    return tk_buf_steal(&b);
}

static void test_hostile_header_sections(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    const char *rest = strstr(s, "\r\nReceived:") + 2;
    char *sigfield = strndup(s, (size_t)(rest - s));
    char *many = prepend_fields(sigfield, 10000, "X-Spam: 1\r\n", rest);
    char *longline, *p;
    struct verdicts v;

    verify_text(zone, many, &v);
    expect(&v, TK_AUTH_PERMERROR, "header section over limits");
    longline = malloc(strlen(s) + 1024 * 1024 + 64);
    p = longline + sprintf(longline, "%sX-Long: ", sigfield);
    memset(p, 'a', 1024 * 1024);
    strcpy(p + 1024 * 1024, "\r\n");
    strcat(longline, rest);
    verify_text(zone, longline, &v);
    expect(&v, TK_AUTH_PERMERROR, "header section over limits");
    free(s);
    free(sigfield);
    free(many);
    free(longline);
}

#define SEL63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

static void test_hostile_signatures(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), {0}};
    char *s = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *dup = edit(s, "DKIM-Signature: v=1;", "DKIM-Signature: v=1; d=evil.example;");
    char *fifty = prepend_fields("", 49,
                                 "DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=s; "
                                 "h=from; bh=AAAA; b=AAAA\r\n",
                                 s);
    struct tk_buf hugeh = {0};
    char *huge, *longsel;
    struct verdicts v;
    size_t i;

    verify_text(zone, dup, &v);
    expect(&v, TK_AUTH_NEUTRAL, "d= appears twice");
    verify_text(zone, fifty, &v);
    assert_int_equal(v.n, TK_DKIM_SIGNATURES_MAX);
    assert_int_equal(v.unchecked, 50 - TK_DKIM_SIGNATURES_MAX);
    for (i = 0; i < v.n; i++) {
        assert_int_equal(v.r[i].result, TK_AUTH_NEUTRAL);
        assert_non_null(strstr(v.r[i].reason, "decodes to 3 bytes"));
    }
    assert_int_equal(tk_buf_puts(&hugeh, "h=from"), TK_OK);
    for (i = 0; i < 5000; i++)
        assert_int_equal(tk_buf_puts(&hugeh, ":from"), TK_OK);
    assert_int_equal(tk_buf_puts(&hugeh, ":"), TK_OK);
    huge = edit(s, "h=from:", hugeh.data);
    verify_text(zone, huge, &v);
    expect(&v, TK_AUTH_NEUTRAL, "h= lists more than");
    /* a selector of 232 bytes: with ._domainkey.example.govt.nz, past 253 */
    longsel = edit(s, "s=rsa;",
                   "s=" SEL63 "." SEL63 "." SEL63 ".abcdefghijklmnopqrstuvwxyzabcdefghijklmn;");
    verify_text(zone, longsel, &v);
    expect(&v, TK_AUTH_PERMERROR, "the key name abcdef");
    free(longsel);
    free(s);
    free(dup);
    free(fifty);
    free(huge);
    tk_buf_free(&hugeh);
}

/* No signature at all: nothing to judge. */
static void test_unsigned(void **state)
{
    const struct zrr zone[] = {{0}};
    struct verdicts v;

    verify_text(zone, plain_msg, &v);
    assert_int_equal(v.n, 0);
    assert_int_equal(v.unchecked, 0);
}

/* Two signatures, one good and one by a key that does not match: each
 * judged on its own, in order. */
static void test_two_signatures(void **state)
{
    const struct zrr zone[] = {TXT(SEL_RSA, K->rec_rsa2048), TXT(SEL_ED, K->rec_rsa1024), {0}};
    char *rsa = sign_text(K->rsa2048, "example.govt.nz", "rsa", plain_msg, NULL, 0, 0);
    char *both = sign_text(K->ed, "example.govt.nz", "ed", rsa, NULL, 0, 0);
    struct verdicts v;

    verify_text(zone, both, &v);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.r[0].s, "ed");
    assert_int_equal(v.r[0].result, TK_AUTH_PERMERROR); /* k=rsa key, ed25519 signature */
    assert_string_equal(v.r[1].s, "rsa");
    assert_int_equal(v.r[1].result, TK_AUTH_PASS);
    free(rsa);
    free(both);
}

/* ---- the PKCS#1 v1.5 block (auth/dkim_rsa.c) ---- */

/* raw_sign writes EM^d mod n (the private operation of key on a block
 * of our making, len bytes) to sig: any block, well formed or not, can
 * be signed. */
static void raw_sign(EVP_PKEY *key, const unsigned char *em, size_t len, unsigned char *sig)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    size_t out = len;

    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(ctx, sig, &out, em, len), 1);
    assert_int_equal(out, len);
    EVP_PKEY_CTX_free(ctx);
}

/* The block RFC 8017 9.2 expects for hash (len bytes), with byte at
 * changed to to. */
static void pkcs1_block(const unsigned char *hash, size_t len, size_t at, unsigned char to,
                        unsigned char *em)
{
    static const unsigned char info[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

    em[0] = 0;
    em[1] = 1;
    memset(em + 2, 0xff, len - 3 - sizeof(info) - 32);
    em[len - sizeof(info) - 33] = 0;
    memcpy(em + len - sizeof(info) - 32, info, sizeof(info));
    memcpy(em + len - 32, hash, 32);
    if (at < len)
        em[at] = to;
}

/* Only the exact block verifies: each byte changed fails (a padding
 * byte, the separator, the DigestInfo, the hash), and so do a
 * signature one byte short (leading zero dropped), one not below the
 * modulus, and a key tk_dkim_rsa_prepare has not seen. */
static void test_rsa_pkcs1_block(void **state)
{
    const size_t at[] = {0, 1, 2, 100, 202, 203, 210, 223, 224, 255};
    unsigned char hash[32], em[256], sig[256], big[256];
    struct tk_dkim_key key;
    struct tk_error err = {0};
    EVP_PKEY *pub = NULL;
    BIGNUM *n = NULL;
    size_t i;

    for (i = 0; i < sizeof(hash); i++)
        hash[i] = (unsigned char)(i * 7 + 1);
    assert_int_equal(tk_dkim_keycache_get(K->rec_rsa2048, strlen(K->rec_rsa2048), &key, &pub, &err),
                     TK_OK);
    pkcs1_block(hash, 256, 256, 0, em);
    raw_sign(K->rsa2048, em, 256, sig);
    assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, sig, 256), 1);
    assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, sig, 255), 0);
    assert_int_equal(tk_dkim_rsa_verify(pub, hash, 20, sig, 256), -1);
    assert_int_equal(tk_dkim_rsa_verify(K->rsa2048, hash, 32, sig, 256), -1);
    for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        pkcs1_block(hash, 256, at[i], (unsigned char)(em[at[i]] ^ 0x02), em);
        raw_sign(K->rsa2048, em, 256, sig);
        assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, sig, 256), 0);
        pkcs1_block(hash, 256, 256, 0, em);
    }
    /* s = n, and s above n */
    assert_int_equal(EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(BN_bn2binpad(n, big, 256), 256);
    assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, big, 256), 0);
    memset(big, 0xff, sizeof(big));
    assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, big, 256), 0);
    BN_free(n);
    EVP_PKEY_free(pub);
}

/* Public exponents other than 65537 (3, and one of 130 bits) verify
 * the exact block and refuse one changed. */
static void test_rsa_exponents(void **state)
{
    static const char *const exps[] = {"3", "680564733841876926926749214863536422929"};
    unsigned char hash[32] = {1, 2, 3}, em[128], sig[128];
    size_t i;

    for (i = 0; i < NELEM(exps); i++) {
        BIGNUM *e = NULL;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        EVP_PKEY *key = NULL, *pub = NULL;
        struct tk_dkim_key flags;
        struct tk_error err = {0};
        char rec[512];

        assert_true(BN_dec2bn(&e, exps[i]) > 0);
        assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
        assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
        assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
        key_record(key, rec, sizeof(rec));
        assert_int_equal(tk_dkim_keycache_get(rec, strlen(rec), &flags, &pub, &err), TK_OK);
        pkcs1_block(hash, sizeof(em), sizeof(em), 0, em);
        raw_sign(key, em, sizeof(em), sig);
        assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, sig, sizeof(sig)), 1);
        pkcs1_block(hash, sizeof(em), 60, 0xfe, em);
        raw_sign(key, em, sizeof(em), sig);
        assert_int_equal(tk_dkim_rsa_verify(pub, hash, 32, sig, sizeof(sig)), 0);
        EVP_PKEY_free(pub);
        EVP_PKEY_free(key);
        EVP_PKEY_CTX_free(ctx);
        BN_free(e);
    }
}

/* pub_with_e makes the public key n (of K->rsa2048), e and loads it as
 * a verifier does, through its DKIM record. */
static EVP_PKEY *pub_with_e(unsigned long e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    BIGNUM *n = NULL, *be = BN_new();
    OSSL_PARAM *params;
    EVP_PKEY *pk = NULL, *pub = NULL;
    struct tk_dkim_key flags;
    struct tk_error err = {0};
    char rec[1024];

    assert_int_equal(EVP_PKEY_get_bn_param(K->rsa2048, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(BN_set_word(be, e), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be), 1);
    assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
    key_record(pk, rec, sizeof(rec));
    assert_int_equal(tk_dkim_keycache_get(rec, strlen(rec), &flags, &pub, &err), TK_OK);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    BN_free(n);
    BN_free(be);
    return pub;
}

/* Exponents no signer uses but a record can hold: e = 1 makes the
 * block its own signature; e = 2 and e = 0 (s^0 = 1) verify nothing. */
static void test_rsa_degenerate_exponents(void **state)
{
    unsigned char hash[32] = {4, 5, 6}, em[256];
    EVP_PKEY *e1 = pub_with_e(1), *e2 = pub_with_e(2), *e0 = pub_with_e(0);

    pkcs1_block(hash, 256, 256, 0, em);
    assert_int_equal(tk_dkim_rsa_verify(e1, hash, 32, em, 256), 1);
    assert_int_equal(tk_dkim_rsa_verify(e2, hash, 32, em, 256), 0);
    assert_int_equal(tk_dkim_rsa_verify(e0, hash, 32, em, 256), 0);
    pkcs1_block(hash, 256, 100, 0xfe, em);
    assert_int_equal(tk_dkim_rsa_verify(e1, hash, 32, em, 256), 0);
    EVP_PKEY_free(e1);
    EVP_PKEY_free(e2);
    EVP_PKEY_free(e0);
}

struct rsa_thread_job {
    EVP_PKEY *pub;
    const unsigned char *hash, *sig;
    int passed;
};

static void *rsa_thread(void *arg)
{
    struct rsa_thread_job *j = arg;
    int i;

    for (i = 0; i < 100; i++)
        j->passed += tk_dkim_rsa_verify(j->pub, j->hash, 32, j->sig, 256) == 1;
    return NULL;
}

/* One prepared key checks signatures from four threads at once (each
 * with its own BN_CTX, the key's Montgomery context shared). */
static void test_rsa_threads(void **state)
{
    unsigned char hash[32] = {7, 8, 9}, em[256], sig[256];
    struct rsa_thread_job jobs[4];
    pthread_t t[4];
    struct tk_dkim_key flags;
    struct tk_error err = {0};
    EVP_PKEY *pub = NULL;
    size_t i;

    assert_int_equal(
        tk_dkim_keycache_get(K->rec_rsa2048, strlen(K->rec_rsa2048), &flags, &pub, &err), TK_OK);
    pkcs1_block(hash, 256, 256, 0, em);
    raw_sign(K->rsa2048, em, 256, sig);
    for (i = 0; i < 4; i++) {
        jobs[i] = (struct rsa_thread_job){pub, hash, sig, 0};
        assert_int_equal(pthread_create(&t[i], NULL, rsa_thread, &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].passed, 100);
    }
    EVP_PKEY_free(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8463_verifies),
        cmocka_unit_test(test_rfc8463_body_hash),
        cmocka_unit_test(test_rfc8463_signing_reproduces_b),
        cmocka_unit_test(test_rfc8463_tampered),
        cmocka_unit_test(test_dkimpy_simple_vector),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_signature_field_shape),
        cmocka_unit_test(test_zone_line),
        cmocka_unit_test(test_filter_path),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_body_length_tag),
        cmocka_unit_test(test_added_from),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_key_flags),
        cmocka_unit_test(test_rsa_sizes),
        cmocka_unit_test(test_rsa_sha1_fails),
        cmocka_unit_test(test_dns_outcomes),
        cmocka_unit_test(test_hostile_header_sections),
        cmocka_unit_test(test_hostile_signatures),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_two_signatures),
        cmocka_unit_test(test_rsa_pkcs1_block),
        cmocka_unit_test(test_rsa_exponents),
        cmocka_unit_test(test_rsa_degenerate_exponents),
        cmocka_unit_test(test_rsa_threads),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
