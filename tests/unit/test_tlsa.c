/*
 * NAME
 *	test_tlsa.c - unit tests of the TLSA parser and matchers
 * DESCRIPTION
 *	Table-driven: rdata of each length and matching type on both sides
 *	of every bound, the RFC 7218 names, the text form (whole and cut),
 *	one record against one certificate, and an RRset against presented
 *	chains per RFC 7672 3.1 (DANE-EE on the leaf only; DANE-TA above
 *	the leaf and linked to it; PKIX usages unusable).
 *
 *	The certificates are a test chain made once with the openssl
 *	command (EC P-256: root, intermediate, leaf mx1.example.test, and
 *	a self-signed stranger of the same name). The expected digests were
 *	computed apart from tiaki, by the openssl command and coreutils:
 *	    openssl x509 -in C.pem -outform DER | sha256sum     (selector 0)
 *	    openssl x509 -in C.pem -pubkey -noout |
 *	        openssl pkey -pubin -outform DER | sha256sum    (selector 1)
 *	and sha512sum likewise; the SPKI bytes with xxd -p.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"

#include "record/tlsa.h"

static const char LEAF_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIBnTCCAUOgAwIBAgIBAzAKBggqhkjOPQQDAjAnMSUwIwYDVQQDDBx0aWFraSB0\n"
                               "ZXN0IERBTkUgaW50ZXJtZWRpYXRlMCAXDTI2MTEyODE5MjAyM1oYDzIxMjYxMTA0\n"
                               "MTkyMDIzWjAbMRkwFwYDVQQDDBBteDEuZXhhbXBsZS50ZXN0MFkwEwYHKoZIzj0C\n"
                               "AQYIKoZIzj0DAQcDQgAEyF+uJYB/Ec3RCSlHgoB8j/BWI5SSqioUz4V+SRUnTP2b\n"
                               "kv6qQncirRVTTrx4kuhZamYPkIP3RQaPxrpE5UGqb6NqMGgwCQYDVR0TBAIwADAb\n"
                               "BgNVHREEFDASghBteDEuZXhhbXBsZS50ZXN0MB8GA1UdIwQYMBaAFKoLnFk2reTP\n"
                               "7JT3qSuo4/iwojteMB0GA1UdDgQWBBT4lpAK84JkOw+bL7azBIHf7xYpwTAKBggq\n"
                               "hkjOPQQDAgNIADBFAiEA3vkaa86Fig53Uh1qdE5KgIVY7FbafESBHmh/0f7ppxkC\n"
                               "IGxZoJhnVgwauu2tj4xrxh4kYpdb6U/u+JbzkFaDR+vk\n"
                               "-----END CERTIFICATE-----\n";
static const char INTER_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBmzCCAUCgAwIBAgIBAjAKBggqhkjOPQQDAjAfMR0wGwYDVQQDDBR0aWFraSB0\n"
                                "ZXN0IERBTkUgcm9vdDAgFw0yNjExMjgxOTIwMjNaGA8yMTI2MTEwNDE5MjAyM1ow\n"
                                "JzElMCMGA1UEAwwcdGlha2kgdGVzdCBEQU5FIGludGVybWVkaWF0ZTBZMBMGByqG\n"
                                "SM49AgEGCCqGSM49AwEHA0IABCioJQwWtmZUe8mpcQexZMR7dZzvW2gU7+N+jHcc\n"
                                "c1Py83Qhs5IjYUqg7aDgAr/GkblRheQG5LXOxgCat2lUknGjYzBhMA8GA1UdEwEB\n"
                                "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBSqC5xZNq3kz+yU96kr\n"
                                "qOP4sKI7XjAfBgNVHSMEGDAWgBTaFsbBhRv9JIGbY1Ze3Yc17D7aFjAKBggqhkjO\n"
                                "PQQDAgNJADBGAiEA9aensK87GkgHj2B1TOEiABi7qMsTjVu3iPde1b7lzM8CIQDo\n"
                                "BGxfrilpLBvxniRvdmJZVLk1ilIvYwXvmFWIKdeWEw==\n"
                                "-----END CERTIFICATE-----\n";
static const char ROOT_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIBpDCCAUugAwIBAgIUAjeyXnuJk8/ZolSSrX+wvXQc1hYwCgYIKoZIzj0EAwIw\n"
                               "HzEdMBsGA1UEAwwUdGlha2kgdGVzdCBEQU5FIHJvb3QwIBcNMjYxMTI4MTkyMDIz\n"
                               "WhgPMjEyNjExMDQxOTIwMjNaMB8xHTAbBgNVBAMMFHRpYWtpIHRlc3QgREFORSBy\n"
                               "b290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYzlfvu34wYf1AYx24e4uF4Nu\n"
                               "besiqikzLpLwNUbJ+3/AhLNRmUqMkzFXIJ1pqxl/iZ9ULCgu5i3L9YvjT6qdkqNj\n"
                               "MGEwHQYDVR0OBBYEFNoWxsGFG/0kgZtjVl7dhzXsPtoWMB8GA1UdIwQYMBaAFNoW\n"
                               "xsGFG/0kgZtjVl7dhzXsPtoWMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n"
                               "AgEGMAoGCCqGSM49BAMCA0cAMEQCICM1KgzJvNOwgdEY6KQu6DK1aZO+JVeJDldx\n"
                               "p8/dIr+9AiASNhYsGnV1Cdp+Aceene4ULNts4n5X64kspxjnE9Pu1w==\n"
                               "-----END CERTIFICATE-----\n";
static const char STRANGER_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBqzCCAVCgAwIBAgIULNwU4WctAekds/5y8d4KU6rXANcwCgYIKoZIzj0EAwIw\n"
    "GzEZMBcGA1UEAwwQbXgxLmV4YW1wbGUudGVzdDAgFw0yNjExMjgxOTIwMjNaGA8y\n"
    "MTI2MTEwNDE5MjAyM1owGzEZMBcGA1UEAwwQbXgxLmV4YW1wbGUudGVzdDBZMBMG\n"
    "ByqGSM49AgEGCCqGSM49AwEHA0IABD3fjHtEwnTIlj7uIy3dGVXRi8NmPdUrtZdt\n"
    "f6wfi0E9+nHmtc8qaaLcMI+QazmLuRXkYOeiX1PBL8VZTmQ+xHajcDBuMB0GA1Ud\n"
    "DgQWBBRMi526wIpKOoDZ4/55N/Z69t6vdDAfBgNVHSMEGDAWgBRMi526wIpKOoDZ\n"
    "4/55N/Z69t6vdDAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCEG14MS5leGFt\n"
    "cGxlLnRlc3QwCgYIKoZIzj0EAwIDSQAwRgIhAKaWAKnvWvBexgbP9dX9gU61Lj+e\n"
    "RtVDzWw4llEG4Y4YAiEA50BB//LinZMddSCkn4t5Hj6Kdq28Bo6hfI1WjAyAnmE=\n"
    "-----END CERTIFICATE-----\n";

/* Digests by the openssl command (see DESCRIPTION). */
#define LEAF_CERT_SHA256 "03adecb739c60ecf6e74d7d7f4e3336995df8aa09c2940e5e189f04a1ad89e19"
#define LEAF_CERT_SHA512                                                                           \
    "af277dc87481d1890db2cf9452b32f96f4f16d7316baa2cc9f5abb5184416588"                             \
    "980387db2424c62d5e5a321c55785f4e32ed7f13c8cba8082f8967a64631a50d"
#define LEAF_SPKI_SHA256 "0abf5e836cad75bd44a62d1253b2e8d77f3353ce465d5edbdc5cd506d6f5df5d"
#define LEAF_SPKI_SHA512                                                                           \
    "18b74a9bf461fc1f2dc7e6abef38525f3378ac31f1661e4cce0c698eacdd4b07"                             \
    "0c302d18dac79a219a2f4355050573560d369669e627c4f31cad0241e1b9eabc"
#define LEAF_SPKI_HEX                                                                              \
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004c85fae2580"                             \
    "7f11cdd109294782807c8ff056239492aa2a14cf857e4915274cfd9b92feaa42"                             \
    "7722ad15534ebc7892e8596a660f9083f745068fc6ba44e541aa6f"
#define INTER_CERT_SHA256 "da9f75f515dbeb91c08a54348cc4ef3cc572c7c8ce14c2e566dcb8f0fb0af921"
#define INTER_SPKI_SHA256 "033dacd6c6b0b862628327c9ff84b1190c3ef5047da3ca1b44baf32ac8692eb0"
#define ROOT_CERT_SHA256 "ccb99286641f3e8ce319dbd62118964d9850b3092775ff7bd5aa29ae00fe478d"
#define ROOT_CERT_SHA512                                                                           \
    "aa47d39c255c648b7056520dc623c936cfa49365d89de97dc38c5ea940e709a2"                             \
    "41656f12460b0462a5f74c23d8ffc17063f333dbc67a2524d2d0db81bc2b7111"
#define ROOT_SPKI_SHA512                                                                           \
    "7011335151c2b58ec6a5547e29da5c8cd4467977074dd1ec0080fedf34820549"                             \
    "a17b52f61e116445a7cc0035cf963e2f24bef7629f6c48290c298d64aadffd39"
#define STRANGER_SPKI_SHA256 "af957e490b8f1e986574dbe5374d2533e6916e86c08fadc23547d87dd43c20a6"
#define LEAF_DER_LEN 417

/* ---- helpers ---- */

struct testcert {
    unsigned char der[2048];
    size_t der_len;
    unsigned char spki[512];
    size_t spki_len;
};

enum { LEAF, INTER, ROOT, STRANGER, NCERTS };

static struct testcert certs[NCERTS];

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* unhex decodes lower-case hex into out (max bytes); returns the count. */
static size_t unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = 0;

    assert_int_equal(strlen(hex) % 2, 0);
    for (; hex[0] && hex[1]; hex += 2) {
        assert_true(n < max);
        assert_true(hexval(hex[0]) >= 0 && hexval(hex[1]) >= 0);
        out[n++] = (unsigned char)(hexval(hex[0]) << 4 | hexval(hex[1]));
    }
    return n;
}

static void load_cert(const char *pem, struct testcert *c)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    unsigned char *p;
    int n;

    assert_non_null(x);
    assert_true((n = i2d_X509(x, NULL)) > 0 && (size_t)n <= sizeof(c->der));
    p = c->der;
    c->der_len = (size_t)i2d_X509(x, &p);
    assert_true((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), NULL)) > 0 &&
                (size_t)n <= sizeof(c->spki));
    p = c->spki;
    c->spki_len = (size_t)i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &p);
    X509_free(x);
    BIO_free(bio);
}

static int setup(void **state)
{
    (void)state;
    load_cert(LEAF_PEM, &certs[LEAF]);
    load_cert(INTER_PEM, &certs[INTER]);
    load_cert(ROOT_PEM, &certs[ROOT]);
    load_cert(STRANGER_PEM, &certs[STRANGER]);
    return 0;
}

/* make_rec parses usage, selector, matching type and hex data into t. */
static void make_rec(struct tk_tlsa *t, unsigned u, unsigned s, unsigned m, const char *hex)
{
    unsigned char rdata[3 + 4096];
    struct tk_error err;
    size_t n;

    rdata[0] = (unsigned char)u, rdata[1] = (unsigned char)s, rdata[2] = (unsigned char)m;
    n = unhex(hex, rdata + 3, sizeof(rdata) - 3);
    tk_error_clear(&err);
    if (tk_tlsa_parse(rdata, 3 + n, t, &err) != TK_OK)
        fail_msg("%u %u %u %s: %s", u, s, m, hex, err.msg);
}

/* make_rec_bytes is make_rec with data given as bytes. */
static void make_rec_bytes(struct tk_tlsa *t, unsigned u, unsigned s, unsigned m,
                           const unsigned char *data, size_t len)
{
    unsigned char *rdata = malloc(3 + len);

    assert_non_null(rdata);
    rdata[0] = (unsigned char)u, rdata[1] = (unsigned char)s, rdata[2] = (unsigned char)m;
    memcpy(rdata + 3, data, len);
    assert_int_equal(tk_tlsa_parse(rdata, 3 + len, t, NULL), TK_OK);
    free(rdata);
}

/* ---- the test chain itself, against the openssl command ---- */

static void test_fixture(void **state)
{
    unsigned char spki[128];
    size_t n = unhex(LEAF_SPKI_HEX, spki, sizeof(spki));

    (void)state;
    assert_int_equal(certs[LEAF].der_len, LEAF_DER_LEN);
    assert_int_equal(certs[LEAF].spki_len, n);
    assert_memory_equal(certs[LEAF].spki, spki, n);
}

/* ---- parse ---- */

struct parse_case {
    const char *name;
    size_t hdr; /* header bytes present: 0 to 3 */
    unsigned u, s, m;
    size_t datalen;
    enum tk_status want;
    const char *sub; /* in err when not TK_OK */
};

static const struct parse_case parse_cases[] = {
    {"empty", 0, 0, 0, 0, 0, TK_INVALID, "need 3"},
    {"one byte", 1, 3, 0, 0, 0, TK_INVALID, "need 3"},
    {"two bytes", 2, 3, 1, 0, 0, TK_INVALID, "need 3"},
    {"no data", 3, 3, 1, 1, 0, TK_INVALID, "no certificate association data"},
    {"no data, full", 3, 3, 1, 0, 0, TK_INVALID, "no certificate association data"},
    {"sha256", 3, 3, 1, 1, 32, TK_OK, NULL},
    {"sha256 short", 3, 3, 1, 1, 31, TK_INVALID, "SHA2-256 association data is 31 bytes"},
    {"sha256 long", 3, 3, 1, 1, 33, TK_INVALID, "is 33 bytes, not 32"},
    {"sha256 as sha512", 3, 2, 0, 1, 64, TK_INVALID, "64 bytes, not 32"},
    {"sha512", 3, 2, 0, 2, 64, TK_OK, NULL},
    {"sha512 short", 3, 2, 0, 2, 63, TK_INVALID, "SHA2-512 association data is 63 bytes"},
    {"sha512 long", 3, 2, 0, 2, 65, TK_INVALID, "65 bytes, not 64"},
    {"sha512 as sha256", 3, 2, 1, 2, 32, TK_INVALID, "32 bytes, not 64"},
    {"full, one byte", 3, 3, 0, 0, 1, TK_OK, NULL},
    {"full, at the limit", 3, 3, 0, 0, TK_TLSA_DATA_MAX, TK_OK, NULL},
    {"full, over the limit", 3, 3, 0, 0, TK_TLSA_DATA_MAX + 1, TK_LIMIT, "at most 16384"},
    {"usage 4", 3, 4, 1, 1, 32, TK_OK, NULL},
    {"selector 2", 3, 3, 2, 1, 32, TK_OK, NULL},
    {"matching type 3, any length", 3, 3, 1, 3, 5, TK_OK, NULL},
    {"matching type 3, no data", 3, 3, 1, 3, 0, TK_INVALID, "no certificate association"},
    {"private use", 3, 255, 255, 255, 7, TK_OK, NULL},
    {"PKIX-EE parses", 3, 1, 1, 1, 32, TK_OK, NULL},
};

static void test_parse_table(void **state)
{
    size_t i, j;

    (void)state;
    for (i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        size_t len = c->hdr + c->datalen;
        unsigned char *rdata = malloc(len + 1);
        struct tk_tlsa t;
        struct tk_error err;
        enum tk_status st;

        assert_non_null(rdata);
        rdata[0] = (unsigned char)c->u, rdata[1] = (unsigned char)c->s;
        rdata[2] = (unsigned char)c->m;
        for (j = c->hdr; j < len; j++)
            rdata[j] = (unsigned char)(j * 7);
        tk_error_clear(&err);
        st = tk_tlsa_parse(rdata, len, &t, &err);
        if (st != c->want || (c->sub && strstr(err.msg, c->sub) == NULL))
            fail_msg("case '%s': status %s, err '%s'", c->name, tk_status_name(st), err.msg);
        if (st == TK_OK) {
            assert_int_equal(t.usage, c->u);
            assert_int_equal(t.selector, c->s);
            assert_int_equal(t.mtype, c->m);
            assert_int_equal(t.len, c->datalen);
            assert_memory_equal(t.data, rdata + 3, c->datalen);
        } else {
            assert_null(t.data);
            assert_int_equal(t.len, 0);
            assert_true(testutil_printable(err.msg));
        }
        tk_tlsa_clear(&t);
        free(rdata);
    }
    assert_int_equal(tk_tlsa_parse(NULL, 5, &(struct tk_tlsa){0}, NULL), TK_INVALID);
}

static void test_usable(void **state)
{
    static const struct {
        unsigned u, s, m;
        const char *hex;
        bool want;
    } cases[] = {
        {3, 1, 1, LEAF_SPKI_SHA256, true},
        {2, 0, 1, ROOT_CERT_SHA256, true},
        {3, 0, 2, LEAF_CERT_SHA512, true},
        {3, 1, 0, LEAF_SPKI_HEX, true},
        {0, 0, 1, ROOT_CERT_SHA256, false},
        {1, 1, 1, LEAF_SPKI_SHA256, false},
        {4, 1, 1, LEAF_SPKI_SHA256, false},
        {255, 1, 1, LEAF_SPKI_SHA256, false},
        {3, 2, 1, LEAF_SPKI_SHA256, false},
        {3, 255, 1, LEAF_SPKI_SHA256, false},
        {3, 1, 3, "00", false},
        {3, 1, 255, "00", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        struct tk_tlsa t;

        make_rec(&t, cases[i].u, cases[i].s, cases[i].m, cases[i].hex);
        if (tk_tlsa_usable(&t) != cases[i].want)
            fail_msg("%u %u %u: usable %d", cases[i].u, cases[i].s, cases[i].m, !cases[i].want);
        tk_tlsa_clear(&t);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tk_tlsa_usage_name(0), "PKIX-TA");
    assert_string_equal(tk_tlsa_usage_name(1), "PKIX-EE");
    assert_string_equal(tk_tlsa_usage_name(2), "DANE-TA");
    assert_string_equal(tk_tlsa_usage_name(3), "DANE-EE");
    assert_string_equal(tk_tlsa_usage_name(4), "unassigned");
    assert_string_equal(tk_tlsa_usage_name(255), "PrivCert");
    assert_string_equal(tk_tlsa_usage_name(100000), "unassigned");
    assert_string_equal(tk_tlsa_selector_name(0), "Cert");
    assert_string_equal(tk_tlsa_selector_name(1), "SPKI");
    assert_string_equal(tk_tlsa_selector_name(2), "unassigned");
    assert_string_equal(tk_tlsa_selector_name(255), "PrivSel");
    assert_string_equal(tk_tlsa_mtype_name(0), "Full");
    assert_string_equal(tk_tlsa_mtype_name(1), "SHA2-256");
    assert_string_equal(tk_tlsa_mtype_name(2), "SHA2-512");
    assert_string_equal(tk_tlsa_mtype_name(3), "unassigned");
    assert_string_equal(tk_tlsa_mtype_name(255), "PrivMatch");
    assert_string_equal(tk_tlsa_result_name(TK_TLSA_MATCH), "match");
    assert_string_equal(tk_tlsa_result_name(TK_TLSA_MISMATCH), "mismatch");
    assert_string_equal(tk_tlsa_result_name(TK_TLSA_UNUSABLE), "unusable");
}

/* ---- text form ---- */

static void test_text(void **state)
{
    const char *full = "3 1 1 " LEAF_SPKI_SHA256;
    char out[TK_TLSA_TEXT_MAX], small[80];
    struct tk_tlsa t, big;
    unsigned char data[100];
    size_t n;

    (void)state;
    make_rec(&t, 3, 1, 1, LEAF_SPKI_SHA256);
    assert_true(tk_tlsa_text(&t, out, sizeof(out)));
    assert_string_equal(out, full);
    /* Exactly enough room, then one byte less. */
    n = strlen(full);
    assert_true(tk_tlsa_text(&t, small, n + 1));
    assert_string_equal(small, full);
    assert_false(tk_tlsa_text(&t, small, n));
    assert_true(strlen(small) <= n - 1);
    assert_string_equal(small + strlen(small) - 3, "...");
    assert_memory_equal(small, full, strlen(small) - 3);
    /* The header alone does not fit. */
    assert_false(tk_tlsa_text(&t, small, 4));
    assert_true(strlen(small) < 4);
    tk_tlsa_clear(&t);

    /* The widest digest record fits TK_TLSA_TEXT_MAX. */
    make_rec(&t, 255, 255, 2, ROOT_CERT_SHA512);
    assert_true(tk_tlsa_text(&t, out, sizeof(out)));
    assert_string_equal(out, "255 255 2 " ROOT_CERT_SHA512);
    tk_tlsa_clear(&t);

    /* Full data longer than the buffer is cut with "...". */
    memset(data, 0xab, sizeof(data));
    make_rec_bytes(&big, 3, 0, 0, data, sizeof(data));
    assert_false(tk_tlsa_text(&big, out, sizeof(out)));
    assert_int_equal(strncmp(out, "3 0 0 abab", 10), 0);
    assert_true(strlen(out) < sizeof(out));
    assert_string_equal(out + strlen(out) - 3, "...");
    tk_tlsa_clear(&big);
}

/* ---- one record against one certificate ---- */

struct match_case {
    unsigned s, m;
    const char *hex; /* NULL: the full DER of the certificate `of` */
    int of;
    int against;
    bool want;
};

static const struct match_case match_cases[] = {
    {1, 1, LEAF_SPKI_SHA256, 0, LEAF, true},
    {1, 2, LEAF_SPKI_SHA512, 0, LEAF, true},
    {0, 1, LEAF_CERT_SHA256, 0, LEAF, true},
    {0, 2, LEAF_CERT_SHA512, 0, LEAF, true},
    {1, 0, LEAF_SPKI_HEX, 0, LEAF, true},
    {0, 0, NULL, LEAF, LEAF, true},
    {1, 1, INTER_SPKI_SHA256, 0, INTER, true},
    {0, 1, INTER_CERT_SHA256, 0, INTER, true},
    {0, 1, ROOT_CERT_SHA256, 0, ROOT, true},
    {0, 2, ROOT_CERT_SHA512, 0, ROOT, true},
    {1, 2, ROOT_SPKI_SHA512, 0, ROOT, true},
    {1, 1, STRANGER_SPKI_SHA256, 0, STRANGER, true},
    /* The right digest with the wrong selector, or another certificate. */
    {0, 1, LEAF_SPKI_SHA256, 0, LEAF, false},
    {1, 1, LEAF_CERT_SHA256, 0, LEAF, false},
    {1, 0, LEAF_SPKI_HEX, 0, STRANGER, false},
    {0, 0, NULL, LEAF, STRANGER, false},
    {1, 1, LEAF_SPKI_SHA256, 0, INTER, false},
    {1, 1, LEAF_SPKI_SHA256, 0, STRANGER, false},
    {0, 1, ROOT_CERT_SHA256, 0, INTER, false},
};

static void test_match_one(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(match_cases); i++) {
        const struct match_case *c = &match_cases[i];
        const struct testcert *a = &certs[c->against];
        struct tk_tlsa t;
        bool match = !c->want;

        if (c->hex != NULL)
            make_rec(&t, 3, c->s, c->m, c->hex);
        else
            make_rec_bytes(&t, 3, c->s, c->m, certs[c->of].der, certs[c->of].der_len);
        assert_int_equal(tk_tlsa_match(&t, a->der, a->der_len, a->spki, a->spki_len, &match),
                         TK_OK);
        if (match != c->want)
            fail_msg("case %zu: match %d", i, match);
        /* The usage does not change one record's match. */
        t.usage = 0;
        assert_int_equal(tk_tlsa_match(&t, a->der, a->der_len, a->spki, a->spki_len, &match),
                         TK_OK);
        assert_int_equal(match, c->want);
        tk_tlsa_clear(&t);
    }
}

static void test_match_edges(void **state)
{
    const struct testcert *l = &certs[LEAF];
    struct tk_tlsa t;
    bool match = true;

    (void)state;
    make_rec(&t, 3, 1, 1, LEAF_SPKI_SHA256);
    assert_int_equal(tk_tlsa_match(&t, l->der, l->der_len, NULL, 0, &match), TK_OK);
    assert_false(match);
    match = true;
    assert_int_equal(tk_tlsa_match(&t, l->der, l->der_len, l->spki, 0, &match), TK_OK);
    assert_false(match);
    /* One byte short of the SPKI is another input. */
    assert_int_equal(tk_tlsa_match(&t, NULL, 0, l->spki, l->spki_len - 1, &match), TK_OK);
    assert_false(match);
    assert_int_equal(tk_tlsa_match(&t, NULL, 0, l->spki, l->spki_len, &match), TK_OK);
    assert_true(match);
    t.selector = 2;
    assert_int_equal(tk_tlsa_match(&t, l->der, l->der_len, l->spki, l->spki_len, &match),
                     TK_INVALID);
    assert_false(match);
    t.selector = 1;
    t.mtype = 3;
    assert_int_equal(tk_tlsa_match(&t, l->der, l->der_len, l->spki, l->spki_len, &match),
                     TK_INVALID);
    tk_tlsa_clear(&t);
}

/* ---- an RRset against a presented chain ---- */

struct rr {
    unsigned u, s, m;
    const char *hex;
};

struct chain_case {
    const char *name;
    struct rr recs[4];
    size_t nrecs;
    int chain[4];
    size_t nchain;
    enum tk_tlsa_result want;
    size_t record, depth, nusable; /* record and depth when MATCH */
    bool ta_on_leaf, ta_unlinked;
    const char *sub; /* in detail */
};

#define GOOD_CHAIN {LEAF, INTER, ROOT}, 3

static const struct chain_case chain_cases[] = {
    {"DANE-EE SPKI",
     {{3, 1, 1, LEAF_SPKI_SHA256}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     0,
     0,
     1,
     false,
     false,
     "record 1 (DANE-EE SPKI SHA2-256) matches the leaf"},
    {"DANE-EE Cert SHA2-512",
     {{3, 0, 2, LEAF_CERT_SHA512}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
    {"DANE-EE full SPKI",
     {{3, 1, 0, LEAF_SPKI_HEX}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
    {"DANE-EE of the leaf alone",
     {{3, 1, 1, LEAF_SPKI_SHA256}},
     1,
     {LEAF},
     1,
     TK_TLSA_MATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
    {"DANE-EE naming the intermediate",
     {{3, 1, 1, INTER_SPKI_SHA256}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     false,
     "none of 1 usable"},
    {"DANE-EE of another key",
     {{3, 1, 1, STRANGER_SPKI_SHA256}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
    {"DANE-TA intermediate",
     {{2, 0, 1, INTER_CERT_SHA256}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     0,
     1,
     1,
     false,
     false,
     "matches an issuer (certificate 2 of the chain)"},
    {"DANE-TA root SPKI SHA2-512",
     {{2, 1, 2, ROOT_SPKI_SHA512}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     0,
     2,
     1,
     false,
     false,
     "certificate 3"},
    {"DANE-TA root not sent",
     {{2, 0, 1, ROOT_CERT_SHA256}},
     1,
     {LEAF, INTER},
     2,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
    {"DANE-TA on the leaf",
     {{2, 1, 1, LEAF_SPKI_SHA256}},
     1,
     GOOD_CHAIN,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     true,
     false,
     "publish it with usage 3"},
    {"DANE-TA, leaf from elsewhere",
     {{2, 0, 1, ROOT_CERT_SHA256}},
     1,
     {STRANGER, INTER, ROOT},
     3,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     true,
     "does not chain to"},
    {"DANE-TA, intermediate missing",
     {{2, 0, 1, ROOT_CERT_SHA256}},
     1,
     {LEAF, ROOT},
     2,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     true,
     NULL},
    {"DANE-TA, chain out of order",
     {{2, 0, 1, ROOT_CERT_SHA256}},
     1,
     {LEAF, ROOT, INTER},
     3,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     true,
     NULL},
    {"PKIX-TA and PKIX-EE are unusable",
     {{0, 0, 1, ROOT_CERT_SHA256}, {1, 1, 1, LEAF_SPKI_SHA256}},
     2,
     GOOD_CHAIN,
     TK_TLSA_UNUSABLE,
     0,
     0,
     0,
     false,
     false,
     "RFC 7672 3.1.3"},
    {"undefined parameters are unusable",
     {{4, 1, 1, LEAF_SPKI_SHA256}, {3, 2, 1, LEAF_SPKI_SHA256}, {3, 1, 3, "00"}},
     3,
     GOOD_CHAIN,
     TK_TLSA_UNUSABLE,
     0,
     0,
     0,
     false,
     false,
     NULL},
    {"a usable record among unusable ones",
     {{1, 1, 1, LEAF_SPKI_SHA256},
      {3, 1, 1, STRANGER_SPKI_SHA256},
      {3, 1, 1, LEAF_SPKI_SHA256},
      {2, 0, 1, INTER_CERT_SHA256}},
     4,
     GOOD_CHAIN,
     TK_TLSA_MATCH,
     2,
     0,
     3,
     false,
     false,
     "record 3"},
    {"no records", {{0}}, 0, GOOD_CHAIN, TK_TLSA_UNUSABLE, 0, 0, 0, false, false, NULL},
    {"no chain",
     {{3, 1, 1, LEAF_SPKI_SHA256}},
     1,
     {0},
     0,
     TK_TLSA_MISMATCH,
     0,
     0,
     1,
     false,
     false,
     NULL},
};

static void check_chain_case(const struct chain_case *c)
{
    struct tk_tlsa recs[4];
    struct tk_tlsa_cert chain[4];
    struct tk_tlsa_verdict v;
    enum tk_tlsa_result r;
    size_t i;

    for (i = 0; i < c->nrecs; i++)
        make_rec(&recs[i], c->recs[i].u, c->recs[i].s, c->recs[i].m, c->recs[i].hex);
    for (i = 0; i < c->nchain; i++) {
        const struct testcert *t = &certs[c->chain[i]];

        chain[i] = (struct tk_tlsa_cert){t->der, t->der_len, t->spki, t->spki_len};
    }
    r = tk_tlsa_chain_match(recs, c->nrecs, chain, c->nchain, &v);
    if (r != c->want || v.result != r || v.nusable != c->nusable || v.ta_on_leaf != c->ta_on_leaf ||
        v.ta_unlinked != c->ta_unlinked ||
        (r == TK_TLSA_MATCH && (v.record != c->record || v.depth != c->depth)) ||
        (c->sub && strstr(v.detail, c->sub) == NULL))
        fail_msg("case '%s': %s record %zu depth %zu usable %zu leaf %d unlinked %d: %s", c->name,
                 tk_tlsa_result_name(r), v.record, v.depth, v.nusable, v.ta_on_leaf, v.ta_unlinked,
                 v.detail);
    assert_true(v.detail[0] != '\0' && testutil_printable(v.detail));
    for (i = 0; i < c->nrecs; i++)
        tk_tlsa_clear(&recs[i]);
}

static void test_chain_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(chain_cases); i++)
        check_chain_case(&chain_cases[i]);
}

/* A corrupt certificate in the chain: its digest can still match a
 * DANE-EE record, but it links to nothing for DANE-TA. */
static void test_chain_corrupt(void **state)
{
    struct tk_tlsa ta;
    struct tk_tlsa_cert chain[3];
    struct tk_tlsa_verdict v;
    unsigned char bad[LEAF_DER_LEN];

    (void)state;
    memcpy(bad, certs[LEAF].der, sizeof(bad));
    bad[sizeof(bad) - 1] ^= 0x01; /* the signature */
    chain[0] = (struct tk_tlsa_cert){bad, sizeof(bad), certs[LEAF].spki, certs[LEAF].spki_len};
    chain[1] = (struct tk_tlsa_cert){certs[INTER].der, certs[INTER].der_len, certs[INTER].spki,
                                     certs[INTER].spki_len};
    chain[2] = (struct tk_tlsa_cert){certs[ROOT].der, certs[ROOT].der_len, certs[ROOT].spki,
                                     certs[ROOT].spki_len};
    make_rec(&ta, 2, 0, 1, INTER_CERT_SHA256);
    assert_int_equal(tk_tlsa_chain_match(&ta, 1, chain, 3, &v), TK_TLSA_MISMATCH);
    assert_true(v.ta_unlinked);
    tk_tlsa_clear(&ta);
    make_rec(&ta, 3, 1, 1, LEAF_SPKI_SHA256);
    assert_int_equal(tk_tlsa_chain_match(&ta, 1, chain, 3, &v), TK_TLSA_MATCH);
    tk_tlsa_clear(&ta);
    /* Garbage where the leaf should be. */
    chain[0] = (struct tk_tlsa_cert){(const unsigned char *)"\x30\x03\x02\x01\x00", 5, NULL, 0};
    make_rec(&ta, 2, 0, 1, INTER_CERT_SHA256);
    assert_int_equal(tk_tlsa_chain_match(&ta, 1, chain, 3, &v), TK_TLSA_MISMATCH);
    tk_tlsa_clear(&ta);
}

static void test_copy(void **state)
{
    struct tk_tlsa a, b;

    (void)state;
    make_rec(&a, 3, 1, 1, LEAF_SPKI_SHA256);
    assert_int_equal(tk_tlsa_copy(&b, &a), TK_OK);
    assert_ptr_not_equal(a.data, b.data);
    assert_int_equal(b.len, 32);
    assert_memory_equal(a.data, b.data, 32);
    tk_tlsa_clear(&a);
    assert_int_equal(b.usage, 3);
    tk_tlsa_clear(&b);
    assert_null(b.data);
    tk_tlsa_clear(NULL);
}

/* Random rdata: any status but a crash; what parses prints and matches. */
static void test_garbage(void **state)
{
    unsigned long seed = 20240601;
    char buf[80], text[TK_TLSA_TEXT_MAX];
    const struct testcert *l = &certs[LEAF];
    struct tk_tlsa_cert chain = {l->der, l->der_len, l->spki, l->spki_len};
    struct tk_tlsa_verdict v;
    size_t i;

    (void)state;
    for (i = 0; i < 5000; i++) {
        size_t len = testutil_rand(&seed) % sizeof(buf);
        struct tk_tlsa t;
        struct tk_error err;
        enum tk_status st;
        bool match;

        testutil_garbage(&seed, buf, 0, len, "\x00\x01\x02\x03\xff\x20", 6);
        tk_error_clear(&err);
        st = tk_tlsa_parse((const unsigned char *)buf, len, &t, &err);
        assert_true(st == TK_OK || st == TK_INVALID);
        if (st != TK_OK) {
            assert_true(err.msg[0] != '\0' && testutil_printable(err.msg));
            continue;
        }
        tk_tlsa_text(&t, text, sizeof(text));
        assert_true(testutil_printable(text));
        st = tk_tlsa_match(&t, l->der, l->der_len, l->spki, l->spki_len, &match);
        assert_true(st == TK_OK || st == TK_INVALID);
        assert_false(match);
        tk_tlsa_chain_match(&t, 1, &chain, 1, &v);
        assert_true(v.result == (tk_tlsa_usable(&t) ? TK_TLSA_MISMATCH : TK_TLSA_UNUSABLE));
        tk_tlsa_clear(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),       cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_usable),        cmocka_unit_test(test_names),
        cmocka_unit_test(test_text),          cmocka_unit_test(test_match_one),
        cmocka_unit_test(test_match_edges),   cmocka_unit_test(test_chain_table),
        cmocka_unit_test(test_chain_corrupt), cmocka_unit_test(test_copy),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
