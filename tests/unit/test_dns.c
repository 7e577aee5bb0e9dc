/*
 * NAME
 *	test_dns.c - unit tests of the rdata decoders and the resolver
 * DESCRIPTION
 *	The rdata decoders are table-driven over wire bytes: TXT strings
 *	(concatenation, zero-length strings, a length byte past the end), MX
 *	(null MX, names at 63/64-octet labels and 253/254 characters,
 *	truncation, trailing bytes, compression pointers, bytes a host name
 *	cannot hold), names at every offset, A and AAAA.
 *
 *	The static zone resolver is driven the way the observer drives the
 *	real one: answers of each kind, callbacks only from
 *	tk_resolver_wait, a callback that asks another question, drain,
 *	free with questions pending, and the count of questions sent. The
 *	libunbound back end is only constructed (no network): a bad
 *	--resolver address must be TK_USAGE with a message naming it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "dns/rdata.h"
#include "dns/resolver.h"
#include "dns/reverse.h"

#define RD(s)                                                                                      \
    {                                                                                              \
        (const unsigned char *)(s), sizeof(s) - 1                                                  \
    }

/* ---- TXT ---- */

struct txt_case {
    struct tk_dns_rdata rd;
    enum tk_status want;
    const char *text; /* with TK_OK */
    size_t textlen;
};

static const struct txt_case txt_cases[] = {
    {RD("\x0bv=spf1 -all"), TK_OK, "v=spf1 -all", 11},
    {RD("\x06v=spf1\x05 -all"), TK_OK, "v=spf1 -all", 11},
    {RD("\x03"
        "abc"
        "\x00"
        "\x03"
        "def"),
     TK_OK, "abcdef", 6},
    {RD("\x00"), TK_OK, "", 0},
    {RD("\x00\x00\x00"), TK_OK, "", 0},
    {RD(""), TK_OK, "", 0},
    {RD("\x03"
        "a\0b"),
     TK_OK, "a\0b", 3},
    {RD("\x04"
        "abc"),
     TK_INVALID, NULL, 0},
    {RD("\x03"
        "abc"
        "\x01"),
     TK_INVALID, NULL, 0},
    {RD("\x03"
        "abc"
        "\x05"
        "defg"),
     TK_INVALID, NULL, 0},
    {RD("\xff"
        "short"),
     TK_INVALID, NULL, 0},
    {RD("\x01"), TK_INVALID, NULL, 0},
};

static void test_txt_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(txt_cases); i++) {
        const struct txt_case *t = &txt_cases[i];
        struct tk_buf b = {0};
        enum tk_status st = tk_rdata_txt(&t->rd, &b);

        if (st != t->want)
            fail_msg("case %zu: got %s, want %s", i, tk_status_name(st), tk_status_name(t->want));
        if (st == TK_OK) {
            assert_non_null(b.data);
            assert_int_equal(b.len, t->textlen);
            assert_memory_equal(b.data, t->text, t->textlen);
            assert_int_equal(b.data[b.len], '\0');
        }
        tk_buf_free(&b);
    }
}

static void test_txt_long(void **state)
{
    unsigned char wire[2 * 256 + 10];
    struct tk_dns_rdata rd = {wire, 0};
    struct tk_buf b = {0};

    /* Two full 255-byte strings and one of 3, as a zone file splits. */
    wire[0] = 255;
    memset(wire + 1, 'a', 255);
    wire[256] = 255;
    memset(wire + 257, 'b', 255);
    wire[512] = 3;
    memcpy(wire + 513, "xyz", 3);
    rd.len = 516;
    assert_int_equal(tk_rdata_txt(&rd, &b), TK_OK);
    assert_int_equal(b.len, 513);
    assert_int_equal(b.data[254], 'a');
    assert_int_equal(b.data[255], 'b');
    assert_string_equal(b.data + 510, "xyz");
    /* Appends to what is there. */
    assert_int_equal(tk_rdata_txt(&rd, &b), TK_OK);
    assert_int_equal(b.len, 1026);
    tk_buf_free(&b);
    /* One byte short of the last string. */
    rd.len = 515;
    assert_int_equal(tk_rdata_txt(&rd, &b), TK_INVALID);
    tk_buf_free(&b);
}

/* ---- MX and names ---- */

struct mx_case {
    struct tk_dns_rdata rd;
    enum tk_status want;
    unsigned pref;
    const char *exchange;
};

static const struct mx_case mx_cases[] = {
    {RD("\x00\x0a\x04mail\x07"
        "example\x02nz\x00"),
     TK_OK, 10, "mail.example.nz"},
    {RD("\x00\x0a\x04MAIL\x07"
        "Example\x02NZ\x00"),
     TK_OK, 10, "mail.example.nz"},
    {RD("\xff\xff\x02mx\x02nz\x00"), TK_OK, 65535, "mx.nz"},
    {RD("\x01\x00\x02mx\x00"), TK_OK, 256, "mx"},
    {RD("\x00\x00\x00"), TK_OK, 0, "."}, /* RFC 7505 null MX */
    {RD("\x00\x05\x00"), TK_OK, 5, "."}, /* root with another preference */
    {RD("\x00\x0a\x02"
        "a_\x02nz\x00"),
     TK_OK, 10, "a_.nz"},
    {RD(""), TK_INVALID, 0, NULL},
    {RD("\x00"), TK_INVALID, 0, NULL},
    {RD("\x00\x0a"), TK_INVALID, 0, NULL},
    {RD("\x00\x0a\x04mail"), TK_INVALID, 0, NULL},               /* no root label */
    {RD("\x00\x0a\x04mai"), TK_INVALID, 0, NULL},                /* label cut short */
    {RD("\x00\x0a\x04mail\x02nz"), TK_INVALID, 0, NULL},         /* no root label */
    {RD("\x00\x0a\x04mail\x02nz\x00\x00"), TK_INVALID, 0, NULL}, /* trailing byte */
    {RD("\x00\x00\x00\x00"), TK_INVALID, 0, NULL},
    {RD("\x00\x0a\x04mail\x02nz\x00junk"), TK_INVALID, 0, NULL},
    {RD("\x00\x0a\xc0\x0c"), TK_INVALID, 0, NULL}, /* compression pointer */
    {RD("\x00\x0a\x04mail\xc0\x0c"), TK_INVALID, 0, NULL},
    {RD("\x00\x0a\x40"
        "x"),
     TK_INVALID, 0, NULL},                                    /* 0x40: extended label */
    {RD("\x00\x0a\x04m il\x02nz\x00"), TK_INVALID, 0, NULL},  /* space */
    {RD("\x00\x0a\x04m\0il\x02nz\x00"), TK_INVALID, 0, NULL}, /* NUL */
    {RD("\x00\x0a\x04m\nil\x02nz\x00"), TK_INVALID, 0, NULL}, /* LF */
    {RD("\x00\x0a\x04m\xc3\xa1l\x02nz\x00"), TK_INVALID, 0, NULL},
    /* One label holding a dot is not the two-label name "a.b". */
    {RD("\x00\x0a\x03"
        "a.b\x02nz\x00"),
     TK_INVALID, 0, NULL},
    {RD("\x00\x0a\x01.\x00"), TK_INVALID, 0, NULL},
};

static void test_mx_table(void **state)
{
    size_t i, g;

    for (i = 0; i < NELEM(mx_cases); i++) {
        const struct mx_case *t = &mx_cases[i];
        char ex[TK_DOMAIN_MAX + 1 + 16];
        uint16_t pref = 0;
        enum tk_status st;

        memset(ex, 0x5a, sizeof(ex));
        st = tk_rdata_mx(&t->rd, &pref, ex);
        for (g = TK_DOMAIN_MAX + 1; g < sizeof(ex); g++)
            assert_int_equal(ex[g], 0x5a);
        if (st != t->want)
            fail_msg("case %zu: got %s, want %s", i, tk_status_name(st), tk_status_name(t->want));
        if (st == TK_OK) {
            assert_int_equal(pref, t->pref);
            assert_string_equal(ex, t->exchange);
        }
    }
}

/* wire_name writes labels of the given lengths in wire format after a
 * 2-byte preference; returns the length. */
static size_t wire_name(unsigned char *w, const int *labels, size_t n)
{
    size_t o = 2, i;
    int j;

    w[0] = 0;
    w[1] = 10;
    for (i = 0; i < n; i++) {
        w[o++] = (unsigned char)labels[i];
        for (j = 0; j < labels[i]; j++)
            w[o++] = (unsigned char)('a' + (i + (size_t)j) % 26);
    }
    w[o++] = 0;
    return o;
}

struct name_len_case {
    int labels[5];
    size_t n;
    enum tk_status want;
    size_t textlen;
};

static const struct name_len_case name_len_cases[] = {
    {{63, 2}, 2, TK_OK, 66},
    {{64, 2}, 2, TK_INVALID, 0},
    {{2, 63}, 2, TK_OK, 66},
    {{2, 64}, 2, TK_INVALID, 0},
    {{63, 63, 63, 61}, 4, TK_OK, 253}, /* 255 octets on the wire */
    {{63, 63, 63, 62}, 4, TK_INVALID, 0},
    {{63, 63, 63, 63}, 4, TK_INVALID, 0},
    {{63, 63, 63, 63, 63}, 5, TK_INVALID, 0},
};

static void test_name_lengths(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(name_len_cases); i++) {
        const struct name_len_case *t = &name_len_cases[i];
        unsigned char wire[400];
        struct tk_dns_rdata rd = {wire, 0};
        char ex[TK_DOMAIN_MAX + 1];
        uint16_t pref;
        enum tk_status st;

        rd.len = wire_name(wire, t->labels, t->n);
        st = tk_rdata_mx(&rd, &pref, ex);
        if (st != t->want)
            fail_msg("case %zu: got %s, want %s", i, tk_status_name(st), tk_status_name(t->want));
        if (st == TK_OK)
            assert_int_equal(strlen(ex), t->textlen);
    }
}

static void test_name_offsets(void **state)
{
    static const unsigned char wire[] = "\x02nz\x00\x03"
                                        "www\x07"
                                        "example\x02nz\x00";
    struct tk_dns_rdata rd = {wire, sizeof(wire) - 1};
    char name[TK_DOMAIN_MAX + 1];
    size_t end = 999, off;

    assert_int_equal(tk_rdata_name(&rd, 0, &end, name), TK_OK);
    assert_string_equal(name, "nz");
    assert_int_equal(end, 4);
    assert_int_equal(tk_rdata_name(&rd, 3, &end, name), TK_OK);
    assert_string_equal(name, ".");
    assert_int_equal(end, 4);
    assert_int_equal(tk_rdata_name(&rd, 4, &end, name), TK_OK);
    assert_string_equal(name, "www.example.nz");
    assert_int_equal(end, rd.len);
    /* At and past the end there is no name. */
    assert_int_equal(tk_rdata_name(&rd, rd.len, &end, name), TK_INVALID);
    assert_int_equal(tk_rdata_name(&rd, rd.len + 100, &end, name), TK_INVALID);
    /* Every offset gives a status and, when OK, an end inside rdata. */
    for (off = 0; off <= rd.len; off++) {
        enum tk_status st = tk_rdata_name(&rd, off, &end, name);

        assert_true(st == TK_OK || st == TK_INVALID);
        if (st == TK_OK)
            assert_true(end > off && end <= rd.len);
    }
}

/* ---- addresses ---- */

struct addr_case {
    struct tk_dns_rdata rd;
    size_t outlen;
    enum tk_status want;
    const char *text;
};

static const struct addr_case addr_cases[] = {
    {RD("\xc0\x00\x02\x01"), 46, TK_OK, "192.0.2.1"},
    {RD("\x00\x00\x00\x00"), 46, TK_OK, "0.0.0.0"},
    {RD("\xff\xff\xff\xff"), 16, TK_OK, "255.255.255.255"},
    {RD("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), 46, TK_OK, "2001:db8::1"},
    {RD("\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01"), 46, TK_OK, "::ffff:192.0.2.1"},
    {RD(""), 46, TK_INVALID, NULL},
    {RD("\xc0\x00\x02"), 46, TK_INVALID, NULL},
    {RD("\xc0\x00\x02\x01\x00"), 46, TK_INVALID, NULL},
    {RD("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0"), 46, TK_INVALID, NULL},
    {RD("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x00"), 46, TK_INVALID, NULL},
    {RD("\xff\xff\xff\xff"), 15, TK_INVALID, NULL}, /* no room for the text */
};

static void test_addr_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(addr_cases); i++) {
        const struct addr_case *t = &addr_cases[i];
        char out[64];
        enum tk_status st;

        memset(out, 0, sizeof(out));
        st = tk_rdata_addr(&t->rd, out, t->outlen);
        if (st != t->want)
            fail_msg("case %zu: got %s, want %s", i, tk_status_name(st), tk_status_name(t->want));
        if (st == TK_OK)
            assert_string_equal(out, t->text);
    }
}

/* ---- the static zone resolver ---- */

#define SEEN_MAX 16

struct seen {
    size_t n;
    struct {
        char qname[256];
        uint16_t qtype;
        enum tk_status status;
        bool nxdomain;
        int rcode;
        size_t count;
        bool why;
        char text[600]; /* TXT: the first record; MX: exchange; A: address */
    } a[SEEN_MAX];
    /* Set by a callback that asks more questions. */
    struct tk_resolver *r;
    int chain_left;
};

static void record_answer(void *arg, const struct tk_dns_answer *a)
{
    struct seen *s = arg;
    size_t i = s->n++;

    assert_true(i < SEEN_MAX);
    snprintf(s->a[i].qname, sizeof(s->a[i].qname), "%s", a->qname);
    s->a[i].qtype = a->qtype;
    s->a[i].status = a->status;
    s->a[i].nxdomain = a->nxdomain;
    s->a[i].rcode = a->rcode;
    s->a[i].count = a->count;
    s->a[i].why = a->why != NULL && a->why[0] != '\0';
    s->a[i].text[0] = '\0';
    if (a->status != TK_OK || a->count == 0)
        return;
    if (a->qtype == TK_DNS_TXT) {
        struct tk_buf b = {0};

        assert_int_equal(tk_rdata_txt(&a->rdata[0], &b), TK_OK);
        snprintf(s->a[i].text, sizeof(s->a[i].text), "%s", b.data);
        tk_buf_free(&b);
    } else if (a->qtype == TK_DNS_MX) {
        uint16_t pref;

        assert_int_equal(tk_rdata_mx(&a->rdata[0], &pref, s->a[i].text), TK_OK);
    } else if (a->qtype == TK_DNS_A) {
        assert_int_equal(tk_rdata_addr(&a->rdata[0], s->a[i].text, sizeof(s->a[i].text)), TK_OK);
    }
}

static struct tk_static_zone *make_zone(void)
{
    struct tk_static_zone *z;
    char long_txt[301];

    memset(long_txt, 'x', 300);
    long_txt[300] = '\0';
    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "example.nz", "v=spf1 -all"), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "example.nz", "second"), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "Long.Example.NZ.", long_txt), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "empty.example.nz", ""), TK_OK);
    assert_int_equal(tk_static_zone_add_mx(z, "example.nz", 10, "mail.example.nz"), TK_OK);
    assert_int_equal(tk_static_zone_add_mx(z, "null.example.nz", 0, "."), TK_OK);
    assert_int_equal(tk_static_zone_add_a(z, "mail.example.nz", "192.0.2.25"), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, "dead.example.nz", TK_DNS_TXT), TK_OK);
    assert_int_equal(tk_static_zone_add_a(z, "dead.example.nz", "192.0.2.26"), TK_OK);
    return z;
}

struct answer_case {
    const char *qname;
    uint16_t qtype;
    enum tk_status status;
    bool nxdomain;
    int rcode;
    size_t count;
    const char *text; /* NULL: not checked */
};

static const struct answer_case answer_cases[] = {
    {"example.nz", TK_DNS_TXT, TK_OK, false, 0, 2, "v=spf1 -all"},
    {"EXAMPLE.nz", TK_DNS_TXT, TK_OK, false, 0, 2, "v=spf1 -all"},
    {"empty.example.nz", TK_DNS_TXT, TK_OK, false, 0, 1, ""},
    {"example.nz", TK_DNS_MX, TK_OK, false, 0, 1, "mail.example.nz"},
    {"null.example.nz", TK_DNS_MX, TK_OK, false, 0, 1, "."},
    {"mail.example.nz", TK_DNS_A, TK_OK, false, 0, 1, "192.0.2.25"},
    {"example.nz", TK_DNS_AAAA, TK_ABSENT, false, 0, 0, NULL}, /* no data */
    {"mail.example.nz", TK_DNS_TXT, TK_ABSENT, false, 0, 0, NULL},
    {"nothere.example.nz", TK_DNS_TXT, TK_ABSENT, true, 3, 0, NULL}, /* NXDOMAIN */
    {"nz", TK_DNS_TXT, TK_ABSENT, true, 3, 0, NULL},
    {"dead.example.nz", TK_DNS_TXT, TK_TEMP, false, 2, 0, NULL},
    {"dead.example.nz", TK_DNS_A, TK_OK, false, 0, 1, "192.0.2.26"},
};

static void test_static_answers(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));
    struct tk_error err;
    size_t i;

    assert_non_null(s);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    for (i = 0; i < NELEM(answer_cases); i++)
        assert_int_equal(
            tk_resolver_query(r, answer_cases[i].qname, answer_cases[i].qtype, record_answer, s),
            TK_OK);
    assert_int_equal(tk_resolver_drain(r, &err), TK_OK);
    assert_int_equal(s->n, NELEM(answer_cases));
    for (i = 0; i < NELEM(answer_cases); i++) {
        const struct answer_case *t = &answer_cases[i];

        /* The static back end answers in the order asked. */
        assert_string_equal(s->a[i].qname, t->qname);
        assert_int_equal(s->a[i].qtype, t->qtype);
        if (s->a[i].status != t->status || s->a[i].nxdomain != t->nxdomain ||
            s->a[i].rcode != t->rcode || s->a[i].count != t->count)
            fail_msg("case %zu %s/%u: %s nx=%d rcode=%d count=%zu", i, t->qname, t->qtype,
                     tk_status_name(s->a[i].status), s->a[i].nxdomain, s->a[i].rcode,
                     s->a[i].count);
        assert_int_equal(s->a[i].why, t->status == TK_TEMP);
        if (t->text)
            assert_string_equal(s->a[i].text, t->text);
    }
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(s);
}

static void test_static_long_txt(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));
    char want[301];

    memset(want, 'x', 300);
    want[300] = '\0';
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_resolver_query(r, "long.example.nz", TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_drain(r, NULL), TK_OK);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->a[0].status, TK_OK);
    assert_string_equal(s->a[0].text, want);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(s);
}

static void test_callbacks_only_from_wait(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_resolver_pending(r), 0);
    assert_int_equal(tk_resolver_query(r, "example.nz", TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_query(r, "nothere.nz", TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(s->n, 0);
    assert_int_equal(tk_resolver_pending(r), 2);
    assert_int_equal(tk_resolver_wait(r, 0, NULL), TK_OK);
    assert_int_equal(s->n, 2);
    assert_int_equal(tk_resolver_pending(r), 0);
    /* Nothing pending: wait returns at once and calls nobody. */
    assert_int_equal(tk_resolver_wait(r, 0, NULL), TK_OK);
    assert_int_equal(s->n, 2);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(s);
}

/* chain_answer records the answer and asks one more question until
 * chain_left runs out. */
static void chain_answer(void *arg, const struct tk_dns_answer *a)
{
    struct seen *s = arg;

    record_answer(arg, a);
    if (s->chain_left-- > 0)
        assert_int_equal(tk_resolver_query(s->r, "mail.example.nz", TK_DNS_A, chain_answer, s),
                         TK_OK);
}

static void test_callback_asks_more(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct seen *s = calloc(1, sizeof(*s));

    assert_int_equal(tk_resolver_new_static(z, &s->r), TK_OK);
    s->chain_left = 3;
    assert_int_equal(tk_resolver_query(s->r, "example.nz", TK_DNS_MX, chain_answer, s), TK_OK);
    /* Each wait answers what was pending on entry; the new question waits
     * for the next round. */
    assert_int_equal(tk_resolver_wait(s->r, 0, NULL), TK_OK);
    assert_int_equal(s->n, 1);
    assert_int_equal(tk_resolver_pending(s->r), 1);
    assert_int_equal(tk_resolver_wait(s->r, 0, NULL), TK_OK);
    assert_int_equal(s->n, 2);
    assert_int_equal(tk_resolver_pending(s->r), 1);
    /* drain runs the rest of the chain. */
    assert_int_equal(tk_resolver_drain(s->r, NULL), TK_OK);
    assert_int_equal(s->n, 4);
    assert_int_equal(tk_resolver_pending(s->r), 0);
    assert_string_equal(s->a[0].text, "mail.example.nz");
    assert_string_equal(s->a[3].text, "192.0.2.25");
    assert_int_equal(tk_resolver_queries_sent(s->r), 4);
    tk_resolver_free(s->r);
    tk_static_zone_free(z);
    free(s);
}

static void test_drain_nothing(void **state)
{
    struct tk_static_zone *z;
    struct tk_resolver *r;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_resolver_drain(r, NULL), TK_OK);
    assert_int_equal(tk_resolver_queries_sent(r), 0);
    tk_resolver_free(r);
    tk_resolver_free(NULL);
    tk_static_zone_free(z);
    tk_static_zone_free(NULL);
}

static void test_free_with_pending(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));
    int i;

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    for (i = 0; i < 5; i++)
        assert_int_equal(tk_resolver_query(r, "example.nz", TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_pending(r), 5);
    tk_resolver_free(r); /* no callbacks; leaks show under ASan/valgrind */
    assert_int_equal(s->n, 0);
    tk_static_zone_free(z);
    free(s);
}

static void test_queries_sent(void **state)
{
    struct tk_static_zone *z = make_zone();
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));
    char name[300];

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_resolver_queries_sent(r), 0);
    assert_int_equal(tk_resolver_query(r, "example.nz", TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_query(r, "example.nz", TK_DNS_MX, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_queries_sent(r), 2);
    /* A name that cannot be a question is refused and not counted; its
     * callback never runs. */
    memset(name, 'a', 299);
    name[299] = '\0';
    assert_int_not_equal(tk_resolver_query(r, name, TK_DNS_TXT, record_answer, s), TK_OK);
    assert_int_equal(tk_resolver_queries_sent(r), 2);
    assert_int_equal(tk_resolver_pending(r), 2);
    assert_int_equal(tk_resolver_drain(r, NULL), TK_OK);
    assert_int_equal(s->n, 2);
    /* Answered questions stay counted. */
    assert_int_equal(tk_resolver_queries_sent(r), 2);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(s);
}

static void test_rrset_max(void **state)
{
    struct tk_static_zone *z;
    struct tk_resolver *r;
    struct seen *s = calloc(1, sizeof(*s));
    int i;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    for (i = 0; i < TK_RRSET_MAX + 1; i++) {
        char addr[32];

        snprintf(addr, sizeof(addr), "192.0.2.%d", i);
        assert_int_equal(tk_static_zone_add_a(z, "many.nz", addr), TK_OK);
        if (i == TK_RRSET_MAX - 2 || i == TK_RRSET_MAX - 1 || i == TK_RRSET_MAX) {
            assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
            assert_int_equal(tk_resolver_query(r, "many.nz", TK_DNS_A, record_answer, s), TK_OK);
            assert_int_equal(tk_resolver_drain(r, NULL), TK_OK);
            tk_resolver_free(r);
        }
    }
    assert_int_equal(s->n, 3);
    assert_int_equal(s->a[0].count, TK_RRSET_MAX - 1);
    assert_int_equal(s->a[1].count, TK_RRSET_MAX);
    assert_int_equal(s->a[2].count, TK_RRSET_MAX);
    tk_static_zone_free(z);
    free(s);
}

static void test_zone_refuses(void **state)
{
    struct tk_static_zone *z;
    char label64[80];

    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".nz");
    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "bad name.nz", "x"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_txt(z, "", "x"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_txt(z, label64, "x"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_mx(z, "ok.nz", 10, label64), TK_INVALID);
    assert_int_equal(tk_static_zone_add_mx(z, "ok.nz", 10, "a..nz"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_a(z, "ok.nz", "192.0.2"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_a(z, "ok.nz", "2001:db8::1"), TK_INVALID);
    assert_int_equal(tk_static_zone_add_temp(z, "bad name", TK_DNS_A), TK_INVALID);
    tk_static_zone_free(z);
}

/* ---- the libunbound back end: construction only ---- */

struct unbound_case {
    const char *server;
    enum tk_status want;
};

static const struct unbound_case unbound_cases[] = {
    {"not-an-address", TK_USAGE},
    {"example.com", TK_USAGE},
    {"300.1.1.1", TK_USAGE},
    {"192.0.2.1@x", TK_USAGE},
    {"", TK_USAGE},
    {"192.0.2.1", TK_OK},
    {"192.0.2.1@5353", TK_OK},
    {"2001:db8::53", TK_OK},
};

static void test_unbound_bad_server(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(unbound_cases); i++) {
        const struct unbound_case *t = &unbound_cases[i];
        const char *servers[2] = {"192.0.2.53", t->server};
        struct tk_resolver_options o;
        struct tk_resolver *r = NULL;
        struct tk_error err;
        enum tk_status st;

        memset(&o, 0, sizeof(o));
        o.servers = servers;
        o.nservers = 2;
        tk_error_clear(&err);
        st = tk_resolver_new_unbound(&o, &r, &err);
        if (st != t->want)
            fail_msg("case %zu '%s': got %s (%s)", i, t->server, tk_status_name(st), err.msg);
        if (st == TK_OK) {
            assert_non_null(r);
            assert_int_equal(tk_resolver_pending(r), 0);
            tk_resolver_free(r);
            continue;
        }
        assert_int_equal(err.code, TK_USAGE);
        assert_non_null(strstr(err.msg, "--resolver"));
        if (t->server[0])
            assert_non_null(strstr(err.msg, t->server));
    }
}

/* Reverse names of RFC 1035 3.5 and RFC 3596 2.5 (its example address). */
static void test_reverse_names(void **state)
{
    static const struct {
        const char *ip, *name;
    } cases[] = {
        {"192.0.2.1", "1.2.0.192.in-addr.arpa"},
        {"10.0.0.255", "255.0.0.10.in-addr.arpa"},
        {"4321:0:1:2:3:4:567:89ab",
         "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa"},
        {"::", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
    };
    char out[TK_DOMAIN_MAX + 1];
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        assert_true(tk_dns_reverse_name_text(cases[i].ip, out));
        assert_string_equal(out, cases[i].name);
    }
    assert_false(tk_dns_reverse_name_text("192.0.2", out));
    assert_false(tk_dns_reverse_name_text("example.com", out));
    assert_false(tk_dns_reverse_name_text("", out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txt_table),
        cmocka_unit_test(test_txt_long),
        cmocka_unit_test(test_mx_table),
        cmocka_unit_test(test_name_lengths),
        cmocka_unit_test(test_name_offsets),
        cmocka_unit_test(test_addr_table),
        cmocka_unit_test(test_static_answers),
        cmocka_unit_test(test_static_long_txt),
        cmocka_unit_test(test_callbacks_only_from_wait),
        cmocka_unit_test(test_callback_asks_more),
        cmocka_unit_test(test_drain_nothing),
        cmocka_unit_test(test_free_with_pending),
        cmocka_unit_test(test_queries_sent),
        cmocka_unit_test(test_rrset_max),
        cmocka_unit_test(test_zone_refuses),
        cmocka_unit_test(test_unbound_bad_server),
        cmocka_unit_test(test_reverse_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
