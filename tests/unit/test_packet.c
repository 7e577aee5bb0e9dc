/*
 * NAME
 *	test_packet.c - unit tests of the DNS response reader (dns/packet.c)
 * DESCRIPTION
 *	Responses are built by hand with a small builder (header, question,
 *	answers, compression pointers patched in where they land) and read
 *	with tk_dns_packet_answers from an exact-size heap copy, so that a
 *	read one byte past the end is caught under the sanitizers.
 *
 *	One table holds the packets and what reading them must give: the
 *	status and the reason of a refusal, rcode, ancount, min_ttl, the
 *	count, and each answer decoded to text by the rdata decoders. Both
 *	sides of every limit are in it: TXT, A and AAAA answers among
 *	others; CNAME chains skipped; MX, NS and PTR names compressed
 *	against the question, an earlier answer, and through chains of
 *	pointers (TK_DNS_POINTERS_MAX followed, one more refused); max and
 *	TK_RRSET_MAX; 512 answers and 513; a 255-octet name and 256;
 *	truncation everywhere; pointers forward, at themselves and in a
 *	loop; label type bits 01 and 10; MX rdata of 2 bytes. A loop
 *	through a pointer back to the label before it passes the
 *	backwards-only rule: only the pointer count and the 255-octet bound
 *	stop it, so the loop cases fail only when both are gone.
 *
 *	Separate tests check where rdata lives: TXT in the packet, at the
 *	rdata of its record with its rdlength; names in storage, which is
 *	reset first.
 * STANDARDS
 *	RFC 1035 4.1 (message format), 4.1.4 (compression).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "dns/packet.h"
#include "dns/rdata.h"

/* Room for the 513 answers of the largest packet built here. */
#define PKT_MAX 16384
/* The question name of every packet starts right after the header. */
#define QNAME_AT 12
/* RR type NULL (RFC 1035 3.3.10): opaque rdata, a place to keep
 * pointers that later names point at. */
#define TYPE_NULL 10
/* Room in rdata[] beyond TK_RRSET_MAX, for the test of the clamp. */
#define RDATA_ROOM (TK_RRSET_MAX + 40)

struct pkt {
    unsigned char b[PKT_MAX];
    size_t len;
};

/* ---- the builder ---- */

static void put(struct pkt *p, const void *src, size_t n)
{
    assert_true(n <= PKT_MAX - p->len);
    memcpy(p->b + p->len, src, n);
    p->len += n;
}

static void put8(struct pkt *p, unsigned v)
{
    unsigned char c = (unsigned char)v;

    put(p, &c, 1);
}

static void put16(struct pkt *p, unsigned v)
{
    put8(p, v >> 8 & 0xff);
    put8(p, v & 0xff);
}

static void put32(struct pkt *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p, v & 0xffff);
}

/* put_labels writes the labels of a dotted name without the root label
 * ("" writes nothing) and returns where they start. */
static size_t put_labels(struct pkt *p, const char *name)
{
    size_t at = p->len;

    while (*name) {
        size_t n = strcspn(name, ".");

        put8(p, (unsigned)n);
        put(p, name, n);
        name += n;
        if (*name == '.')
            name++;
    }
    return at;
}

/* put_name writes a whole uncompressed name and returns where it starts. */
static size_t put_name(struct pkt *p, const char *name)
{
    size_t at = put_labels(p, name);

    put8(p, 0);
    return at;
}

/* put_ptr writes a compression pointer to target; returns where it is. */
static size_t put_ptr(struct pkt *p, size_t target)
{
    size_t at = p->len;

    put16(p, 0xc000 | (unsigned)target);
    return at;
}

/* patch_ptr overwrites the pointer at at so that it points at target. */
static void patch_ptr(struct pkt *p, size_t at, size_t target)
{
    p->b[at] = (unsigned char)(0xc0 | target >> 8);
    p->b[at + 1] = (unsigned char)(target & 0xff);
}

/* put_header starts a response: RA, AD and CD set around the rcode so
 * that only its four bits may be read as the rcode. */
static void put_header(struct pkt *p, unsigned rcode, unsigned qdcount, unsigned ancount)
{
    p->len = 0;
    put16(p, 0x1234);
    put16(p, 0x81b0 | rcode);
    put16(p, qdcount);
    put16(p, ancount);
    put16(p, 0);
    put16(p, 0);
}

static void put_question(struct pkt *p, const char *name, uint16_t qtype)
{
    put_name(p, name);
    put16(p, qtype);
    put16(p, 1);
}

/* put_fields writes type, class IN, ttl and an rdlength that rr_end
 * fills in, after an owner name the caller wrote; returns where the
 * rdata starts. */
static size_t put_fields(struct pkt *p, uint16_t type, uint32_t ttl)
{
    put16(p, type);
    put16(p, 1);
    put32(p, ttl);
    put16(p, 0);
    return p->len;
}

/* rr_end sets the rdlength of the record whose rdata starts at at. */
static void rr_end(struct pkt *p, size_t at)
{
    size_t n = p->len - at;

    p->b[at - 2] = (unsigned char)(n >> 8);
    p->b[at - 1] = (unsigned char)(n & 0xff);
}

/* put_rr_head starts a record owned by the question name. */
static size_t put_rr_head(struct pkt *p, uint16_t type, uint32_t ttl)
{
    put_ptr(p, QNAME_AT);
    return put_fields(p, type, ttl);
}

static size_t put_txt(struct pkt *p, uint32_t ttl, const char *s1, const char *s2)
{
    size_t at = put_rr_head(p, TK_DNS_TXT, ttl);

    put8(p, (unsigned)strlen(s1));
    put(p, s1, strlen(s1));
    if (s2) {
        put8(p, (unsigned)strlen(s2));
        put(p, s2, strlen(s2));
    }
    rr_end(p, at);
    return at;
}

static void put_a(struct pkt *p, uint32_t ttl, uint32_t addr)
{
    size_t at = put_rr_head(p, TK_DNS_A, ttl);

    put32(p, addr);
    rr_end(p, at);
}

/* put_mx writes an MX record whose exchange is labels, then a pointer
 * to target (or the root when target is 0); returns where the exchange
 * starts. */
static size_t put_mx(struct pkt *p, uint32_t ttl, unsigned pref, const char *labels, size_t target)
{
    size_t at = put_rr_head(p, TK_DNS_MX, ttl), name;

    put16(p, pref);
    name = put_labels(p, labels);
    if (target)
        put_ptr(p, target);
    else
        put8(p, 0);
    rr_end(p, at);
    return name;
}

/* ---- the packets: each builder takes one argument ---- */

/* b_header writes arg bytes of a header. */
static void b_header(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 0, 0);
    p->len = arg;
}

/* b_question: a question and no answer, rcode arg. */
static void b_question(struct pkt *p, unsigned arg)
{
    put_header(p, arg, 1, 0);
    put_question(p, "example.com", TK_DNS_TXT);
}

/* b_nxdomain: NXDOMAIN with the SOA in the authority section. */
static void b_nxdomain(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 3, 1, 0);
    p->b[9] = 1;
    put_question(p, "nope.example.com", TK_DNS_TXT);
    put_ptr(p, QNAME_AT + 5);
    at = put_fields(p, 6, 900);
    put_labels(p, "ns");
    put_ptr(p, QNAME_AT + 5);
    put_labels(p, "hostmaster");
    put_ptr(p, QNAME_AT + 5);
    put32(p, 2024010101);
    put32(p, 3600);
    put32(p, 600);
    put32(p, 86400);
    put32(p, 300);
    rr_end(p, at);
}

/* b_txt: TXT, A, TXT of two strings. */
static void b_txt(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 3);
    put_question(p, "example.com", TK_DNS_TXT);
    put_txt(p, 300, "v=spf1 -all", NULL);
    put_a(p, 30, 0xc0000201);
    put_txt(p, 600, "abc", "def");
}

/* b_txt_many: five TXT records t0..t4, the lowest TTL third. */
static void b_txt_many(struct pkt *p, unsigned arg)
{
    static const uint32_t ttl[] = {500, 400, 100, 300, 200};
    char s[3] = "t0";
    unsigned i;

    put_header(p, 0, 1, 5);
    put_question(p, "example.com", TK_DNS_TXT);
    for (i = 0; i < 5; i++) {
        s[1] = (char)('0' + i);
        put_txt(p, ttl[i], s, NULL);
    }
}

/* b_many_a: arg A records 10.0.x.y, the TTL falling by one each. */
static void b_many_a(struct pkt *p, unsigned arg)
{
    unsigned i;

    put_header(p, 0, 1, arg);
    put_question(p, "example.com", TK_DNS_A);
    for (i = 0; i < arg; i++)
        put_a(p, 100000 - i, 0x0a000000 | i);
}

static void b_aaaa(struct pkt *p, unsigned arg)
{
    static const unsigned char addr[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_AAAA);
    at = put_rr_head(p, TK_DNS_AAAA, 60);
    put(p, addr, sizeof(addr));
    rr_end(p, at);
}

/* b_cname_chain: www.example.com -> alias.example.com ->
 * target.example.com, which has two TXT records and an RRSIG-like
 * record of another type. */
static void b_cname_chain(struct pkt *p, unsigned arg)
{
    size_t at, alias, target;

    put_header(p, 0, 1, 5);
    put_question(p, "www.example.com", TK_DNS_TXT);
    at = put_rr_head(p, TK_DNS_CNAME, 50);
    alias = put_labels(p, "alias");
    put_ptr(p, QNAME_AT + 4);
    rr_end(p, at);
    put_ptr(p, alias);
    at = put_fields(p, TK_DNS_CNAME, 40);
    target = put_labels(p, "target");
    put_ptr(p, QNAME_AT + 4);
    rr_end(p, at);
    put_ptr(p, target);
    at = put_fields(p, TK_DNS_TXT, 700);
    put8(p, 5);
    put(p, "first", 5);
    rr_end(p, at);
    put_ptr(p, target);
    at = put_fields(p, TK_DNS_TXT, 600);
    put8(p, 6);
    put(p, "second", 6);
    rr_end(p, at);
    put_ptr(p, target);
    at = put_fields(p, 46, 10);
    put(p, "\x00\x10\x08\x02", 4);
    rr_end(p, at);
}

static void b_mx_plain(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    put_mx(p, 3600, 10, "mx1.example.net", 0);
    put_mx(p, 3600, 0, "", 0);
}

/* b_mx_question: exchanges compressed against the question name. */
static void b_mx_question(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 3);
    put_question(p, "example.com", TK_DNS_MX);
    put_mx(p, 300, 10, "mx", QNAME_AT);
    put_mx(p, 200, 20, "", QNAME_AT);
    put_mx(p, 400, 30, "a.b", QNAME_AT + 8); /* "com" */
}

/* b_mx_answer: exchanges compressed against an earlier answer, and
 * through a pointer that leads to another pointer. */
static void b_mx_answer(struct pkt *p, unsigned arg)
{
    size_t first, second;

    put_header(p, 0, 1, 3);
    put_question(p, "example.com", TK_DNS_MX);
    first = put_mx(p, 300, 10, "mx1.mail.example.org", 0);
    second = put_mx(p, 300, 20, "mx2", first + 4); /* "mail.example.org" */
    put_mx(p, 300, 30, "backup", second);
}

/* b_mx_owner: the exchange points at an answer's owner name written out. */
static void b_mx_owner(struct pkt *p, unsigned arg)
{
    size_t owner, at;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    owner = put_name(p, "relay.example.com");
    at = put_fields(p, TK_DNS_A, 300);
    put32(p, 0xc0000202);
    rr_end(p, at);
    put_mx(p, 300, 5, "", owner);
}

/* b_mx_chain: the exchange is reached through arg pointers: one in the
 * MX rdata and arg - 1 in an earlier NULL record, each pointing at the
 * one before it, the first at a name. */
static void b_mx_chain(struct pkt *p, unsigned arg)
{
    size_t at, prev;
    unsigned i;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TYPE_NULL, 300);
    prev = put_name(p, "mx.example.net");
    for (i = 1; i < arg; i++)
        prev = put_ptr(p, prev);
    rr_end(p, at);
    put_mx(p, 300, 10, "", prev);
}

/* b_mx_long: exchange of two 63-octet labels then a pointer to the
 * question, two labels of 63 and arg octets: 255 octets when arg is 61. */
static void b_mx_long(struct pkt *p, unsigned arg)
{
    char q[140], ex[140];

    memset(q, 'c', 63);
    q[63] = '.';
    memset(q + 64, 'd', arg);
    q[64 + arg] = '\0';
    memset(ex, 'a', 63);
    ex[63] = '.';
    memset(ex + 64, 'b', 63);
    ex[127] = '\0';
    put_header(p, 0, 1, 1);
    put_question(p, q, TK_DNS_MX);
    put_mx(p, 300, 10, ex, QNAME_AT);
}

/* b_mx_forward: the first exchange points at the second, later one. */
static void b_mx_forward(struct pkt *p, unsigned arg)
{
    size_t fwd;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    fwd = put_mx(p, 300, 10, "", QNAME_AT);
    patch_ptr(p, fwd, put_mx(p, 300, 20, "mx.example.net", 0));
}

/* b_mx_self: the exchange is a pointer at itself. */
static void b_mx_self(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_mx(p, 300, 10, "", QNAME_AT);
    patch_ptr(p, at, at);
}

/* b_mx_loop: a label of arg octets, then a pointer back to it. */
static void b_mx_loop(struct pkt *p, unsigned arg)
{
    char label[64];
    size_t at;

    memset(label, 'x', arg);
    label[arg] = '\0';
    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_mx(p, 300, 10, label, QNAME_AT);
    patch_ptr(p, at + 1 + arg, at);
}

/* b_mx_rdlen: an MX record of arg bytes of rdata (pref, exchange
 * root), then a record that a missing length check would read on into. */
static void b_mx_rdlen(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TK_DNS_MX, 300);
    put(p, "\x00\x0a\x00", arg);
    rr_end(p, at);
    put_a(p, 300, 0xc0000201);
}

/* b_mx_trailing: an MX record whose rdata has a byte after its name. */
static void b_mx_trailing(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TK_DNS_MX, 300);
    put(p, "\x00\x0a\x00\x00", 4);
    rr_end(p, at);
}

/* b_mx_spill: an MX record whose rdlength ends inside its name, so the
 * name would go on into the next record. */
static void b_mx_spill(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TK_DNS_MX, 300);
    put(p, "\x00\x0a\x02mx", 5);
    rr_end(p, at);
    put_a(p, 300, 0xc0000201);
}

/* b_ttl_top: a TXT record whose TTL has the top bit set (RFC 2181 8). */
static void b_ttl_top(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_TXT);
    put_txt(p, 0x80000001U, "x", NULL);
}

/* b_mx_half_pointer: the MX rdata ends the packet with the first byte
 * of a pointer. */
static void b_mx_half_pointer(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TK_DNS_MX, 300);
    put(p, "\x00\x0a\xc0", 3);
    rr_end(p, at);
}

/* b_ns: NS names against the question and uncompressed. */
static void b_ns(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_NS);
    at = put_rr_head(p, TK_DNS_NS, 86400);
    put_labels(p, "ns1");
    put_ptr(p, QNAME_AT);
    rr_end(p, at);
    at = put_rr_head(p, TK_DNS_NS, 3600);
    put_name(p, "ns2.example.net");
    rr_end(p, at);
}

/* b_ns_empty: an NS record of no rdata, then a record that a missing
 * length check would read on into. */
static void b_ns_empty(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 2);
    put_question(p, "example.com", TK_DNS_NS);
    at = put_rr_head(p, TK_DNS_NS, 3600);
    rr_end(p, at);
    put_a(p, 300, 0xc0000201);
}

static void b_ptr(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "1.2.0.192.in-addr.arpa", TK_DNS_PTR);
    at = put_rr_head(p, TK_DNS_PTR, 3600);
    put_name(p, "host.example.com");
    rr_end(p, at);
}

/* put_odd_label writes a label whose length byte is arg, arg bytes and
 * the root: a name of one label when arg < 64; with type bits 01 or 10
 * it is refused, though the bytes would read as a label without them. */
static void put_odd_label(struct pkt *p, unsigned arg)
{
    unsigned i;

    put8(p, arg);
    for (i = 0; i < arg; i++)
        put8(p, 'a');
    put8(p, 0);
}

static void b_bits_question(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 1);
    put_odd_label(p, arg);
    put16(p, TK_DNS_A);
    put16(p, 1);
    put_a(p, 300, 0xc0000201);
}

static void b_bits_owner(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_A);
    put_odd_label(p, arg);
    at = put_fields(p, TK_DNS_A, 300);
    put32(p, 0xc0000201);
    rr_end(p, at);
}

static void b_bits_rdata(struct pkt *p, unsigned arg)
{
    size_t at;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_MX);
    at = put_rr_head(p, TK_DNS_MX, 300);
    put16(p, 10);
    put_odd_label(p, arg);
    rr_end(p, at);
}

/* b_owner_labels: an A record owned by a name of arg one-octet labels. */
static void b_owner_labels(struct pkt *p, unsigned arg)
{
    size_t at;
    unsigned i;

    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_A);
    for (i = 0; i < arg; i++)
        put_labels(p, "a");
    put8(p, 0);
    at = put_fields(p, TK_DNS_A, 300);
    put32(p, 0xc0000201);
    rr_end(p, at);
}

/* b_rdlen_huge: a TXT record claiming 65535 bytes of rdata. */
static void b_rdlen_huge(struct pkt *p, unsigned arg)
{
    put_header(p, 0, 1, 1);
    put_question(p, "example.com", TK_DNS_TXT);
    put_txt(p, 300, "v=spf1 -all", NULL);
    p->b[p->len - 14] = 0xff;
    p->b[p->len - 13] = 0xff;
}

/* b_missing: ancount says one more answer than there is. */
static void b_missing(struct pkt *p, unsigned arg)
{
    b_txt(p, arg);
    p->b[7] = 4;
}

/* ---- the table ---- */

struct packet_case {
    const char *what;
    void (*build)(struct pkt *p, unsigned arg);
    unsigned arg;
    size_t cut; /* bytes taken off the end after building */
    uint16_t qtype;
    size_t max;
    enum tk_status want;
    const char *reason; /* part of the refusal's message */
    int rcode;
    unsigned ancount;
    uint32_t min_ttl;
    size_t count;
    /* The answers decoded, joined by " | "; a final " ..." matches the
     * first ones only; NULL: not compared. */
    const char *text;
};

/* What a case reads (rcode, ancount, min_ttl, count, text), or the
 * reason it is refused. */
#define READS(rc, an, ttl, n, text) TK_OK, NULL, rc, an, ttl, n, text
#define REFUSED(why) TK_INVALID, why, 0, 0, 0, 0, NULL
#define ALL TK_RRSET_MAX
#define PTRS TK_DNS_POINTERS_MAX

static const struct packet_case cases[] = {
    /* header, question, rcode */
    {"empty packet", b_header, 0, 0, TK_DNS_TXT, ALL, REFUSED("header")},
    {"11-byte header", b_header, 11, 0, TK_DNS_TXT, ALL, REFUSED("header")},
    {"12-byte header", b_header, 12, 0, TK_DNS_TXT, ALL, READS(0, 0, 0, 0, "")},
    {"question", b_question, 0, 0, TK_DNS_TXT, ALL, READS(0, 0, 0, 0, "")},
    {"question, class cut", b_question, 0, 1, TK_DNS_TXT, ALL, REFUSED("question")},
    {"question, type cut", b_question, 0, 3, TK_DNS_TXT, ALL, REFUSED("question")},
    {"question, no root label", b_question, 0, 5, TK_DNS_TXT, ALL, REFUSED("question")},
    {"question, label cut", b_question, 0, 6, TK_DNS_TXT, ALL, REFUSED("question")},
    {"SERVFAIL", b_question, 2, 0, TK_DNS_TXT, ALL, READS(2, 0, 0, 0, "")},
    {"REFUSED", b_question, 5, 0, TK_DNS_TXT, ALL, READS(5, 0, 0, 0, "")},
    {"NXDOMAIN with SOA", b_nxdomain, 0, 0, TK_DNS_TXT, ALL, READS(3, 0, 0, 0, "")},
    {"NXDOMAIN, SOA asked", b_nxdomain, 0, 0, 6, ALL, READS(3, 0, 0, 0, "")},

    /* TXT, A, AAAA: rdata as it is */
    {"TXT", b_txt, 0, 0, TK_DNS_TXT, ALL, READS(0, 3, 300, 2, "v=spf1 -all | abcdef")},
    {"A among TXT", b_txt, 0, 0, TK_DNS_A, ALL, READS(0, 3, 30, 1, "192.0.2.1")},
    {"no MX", b_txt, 0, 0, TK_DNS_MX, ALL, READS(0, 3, 0, 0, "")},
    {"TXT, max 0", b_txt, 0, 0, TK_DNS_TXT, 0, READS(0, 3, 0, 0, "")},
    {"TXT many", b_txt_many, 0, 0, TK_DNS_TXT, ALL, READS(0, 5, 100, 5, "t0 | t1 | t2 | t3 | t4")},
    {"TXT, max 3", b_txt_many, 0, 0, TK_DNS_TXT, 3, READS(0, 5, 100, 3, "t0 | t1 | t2")},
    {"TXT, max 2", b_txt_many, 0, 0, TK_DNS_TXT, 2, READS(0, 5, 400, 2, "t0 | t1")},
    {"70 A, max 104", b_many_a, 70, 0, TK_DNS_A, RDATA_ROOM,
     READS(0, 70, 100000 - 63, ALL, "10.0.0.0 | 10.0.0.1 ...")},
    {"512 answers", b_many_a, 512, 0, TK_DNS_A, ALL, READS(0, 512, 100000 - 63, ALL, NULL)},
    {"513 answers", b_many_a, 513, 0, TK_DNS_A, ALL, REFUSED("513 answers")},
    {"AAAA", b_aaaa, 0, 0, TK_DNS_AAAA, ALL, READS(0, 1, 60, 1, "2001:db8::1")},

    /* CNAME chains */
    {"chain, TXT", b_cname_chain, 0, 0, TK_DNS_TXT, ALL, READS(0, 5, 600, 2, "first | second")},
    {"chain, CNAME", b_cname_chain, 0, 0, TK_DNS_CNAME, ALL,
     READS(0, 5, 40, 2, "alias.example.com | target.example.com")},
    {"chain, A", b_cname_chain, 0, 0, TK_DNS_A, ALL, READS(0, 5, 0, 0, "")},

    /* names in rdata */
    {"MX plain and null", b_mx_plain, 0, 0, TK_DNS_MX, ALL,
     READS(0, 2, 3600, 2, "10 mx1.example.net | 0 .")},
    {"MX to the question", b_mx_question, 0, 0, TK_DNS_MX, ALL,
     READS(0, 3, 200, 3, "10 mx.example.com | 20 example.com | 30 a.b.com")},
    {"MX to an answer", b_mx_answer, 0, 0, TK_DNS_MX, ALL,
     READS(0, 3, 300, 3,
           "10 mx1.mail.example.org | 20 mx2.mail.example.org | 30 backup.mx2.mail.example.org")},
    {"MX to an owner", b_mx_owner, 0, 0, TK_DNS_MX, ALL,
     READS(0, 2, 300, 1, "5 relay.example.com")},
    {"MX, 1 pointer", b_mx_chain, 1, 0, TK_DNS_MX, ALL, READS(0, 2, 300, 1, "10 mx.example.net")},
    {"MX, 32 pointers", b_mx_chain, PTRS, 0, TK_DNS_MX, ALL,
     READS(0, 2, 300, 1, "10 mx.example.net")},
    {"MX, 33 pointers", b_mx_chain, PTRS + 1, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX, 33 pointers, A asked", b_mx_chain, PTRS + 1, 0, TK_DNS_A, ALL, READS(0, 2, 0, 0, "")},
    {"MX name of 255 octets", b_mx_long, 61, 0, TK_DNS_MX, ALL, READS(0, 1, 300, 1, NULL)},
    {"MX name of 256 octets", b_mx_long, 62, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX pointing forward", b_mx_forward, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX forward, TXT asked", b_mx_forward, 0, 0, TK_DNS_TXT, ALL, READS(0, 2, 0, 0, "")},
    {"MX pointing at itself", b_mx_self, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX loop, 1-octet label", b_mx_loop, 1, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX loop, 63-octet label", b_mx_loop, 63, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX, half a pointer", b_mx_half_pointer, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX rdata of 3", b_mx_rdlen, 3, 0, TK_DNS_MX, ALL, READS(0, 2, 300, 1, "10 .")},
    {"MX byte after name", b_mx_trailing, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX name into next record", b_mx_spill, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"TTL top bit", b_ttl_top, 0, 0, TK_DNS_TXT, ALL, READS(0, 1, 0, 1, "x")},
    {"MX rdata of 2", b_mx_rdlen, 2, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"MX rdata of 0", b_mx_rdlen, 0, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"NS", b_ns, 0, 0, TK_DNS_NS, ALL, READS(0, 2, 3600, 2, "ns1.example.com | ns2.example.net")},
    {"NS rdata of 0", b_ns_empty, 0, 0, TK_DNS_NS, ALL, REFUSED("name")},
    {"PTR", b_ptr, 0, 0, TK_DNS_PTR, ALL, READS(0, 1, 3600, 1, "host.example.com")},

    /* label type bits: 00 read, 01 and 10 refused wherever the name is */
    {"question label 00", b_bits_question, 0x3f, 0, TK_DNS_A, ALL, READS(0, 1, 300, 1, NULL)},
    {"question label 01", b_bits_question, 0x40, 0, TK_DNS_A, ALL, REFUSED("question")},
    {"question label 10", b_bits_question, 0x80, 0, TK_DNS_A, ALL, REFUSED("question")},
    {"owner label 00", b_bits_owner, 0x3f, 0, TK_DNS_A, ALL, READS(0, 1, 300, 1, "192.0.2.1")},
    {"owner label 01", b_bits_owner, 0x40, 0, TK_DNS_A, ALL, REFUSED("answer record")},
    {"owner label 10", b_bits_owner, 0x80, 0, TK_DNS_A, ALL, REFUSED("answer record")},
    {"exchange label 00", b_bits_rdata, 0x3f, 0, TK_DNS_MX, ALL, READS(0, 1, 300, 1, NULL)},
    {"exchange label 01", b_bits_rdata, 0x40, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"exchange label 10", b_bits_rdata, 0x80, 0, TK_DNS_MX, ALL, REFUSED("name")},
    {"owner of 127 labels", b_owner_labels, 127, 0, TK_DNS_A, ALL, READS(0, 1, 300, 1, NULL)},
    {"owner of 128 labels", b_owner_labels, 128, 0, TK_DNS_A, ALL, REFUSED("answer record")},

    /* truncated answers: the last record of b_txt has 8 bytes of rdata */
    {"TXT, rdata cut by 1", b_txt, 0, 1, TK_DNS_TXT, ALL, REFUSED("runs past")},
    {"TXT, rdata missing", b_txt, 0, 8, TK_DNS_TXT, ALL, REFUSED("runs past")},
    {"TXT, rdlength cut", b_txt, 0, 9, TK_DNS_TXT, ALL, REFUSED("answer record")},
    {"TXT, fixed fields missing", b_txt, 0, 18, TK_DNS_TXT, ALL, REFUSED("answer record")},
    {"TXT, owner pointer cut", b_txt, 0, 19, TK_DNS_TXT, ALL, REFUSED("answer record")},
    {"TXT, last answer missing", b_txt, 0, 20, TK_DNS_TXT, ALL, REFUSED("answer record")},
    {"one answer more than sent", b_missing, 0, 0, TK_DNS_TXT, ALL, REFUSED("answer record")},
    {"rdlength 65535", b_rdlen_huge, 0, 0, TK_DNS_TXT, ALL, REFUSED("runs past")},
    {"rdlength 65535, A asked", b_rdlen_huge, 0, 0, TK_DNS_A, ALL, REFUSED("runs past")},
    {"null MX cut", b_mx_plain, 0, 1, TK_DNS_MX, ALL, REFUSED("runs past")},
};

/* ---- reading ---- */

struct read {
    unsigned char *pkt; /* an exact-size copy */
    size_t len;
    struct tk_dns_rdata rd[RDATA_ROOM];
    struct tk_buf storage;
    struct tk_dns_packet_info info;
    struct tk_error err;
    enum tk_status st;
};

static void read_packet(struct read *r, const struct pkt *p, size_t cut, uint16_t qtype, size_t max)
{
    assert_true(cut <= p->len);
    r->len = p->len - cut;
    r->pkt = malloc(r->len ? r->len : 1);
    assert_non_null(r->pkt);
    memcpy(r->pkt, p->b, r->len);
    memset(r->rd, 0, sizeof(r->rd));
    memset(&r->err, 0, sizeof(r->err));
    assert_true(max <= RDATA_ROOM);
    r->st =
        tk_dns_packet_answers(r->pkt, r->len, qtype, r->rd, max, &r->storage, &r->info, &r->err);
}

static void read_free(struct read *r)
{
    free(r->pkt);
    r->pkt = NULL;
    tk_buf_free(&r->storage);
}

static bool within(const struct tk_dns_rdata *rd, const void *base, size_t len)
{
    const unsigned char *b = base;

    return b != NULL && rd->data >= b && rd->len <= len &&
           rd->data - b <= (ptrdiff_t)(len - rd->len);
}

static bool type_has_name(uint16_t qtype)
{
    return qtype == TK_DNS_MX || qtype == TK_DNS_NS || qtype == TK_DNS_CNAME || qtype == TK_DNS_PTR;
}

/* decode writes an answer as text with the decoder of its type; a
 * decoder's refusal reads "(invalid)". */
static void decode(uint16_t qtype, const struct tk_dns_rdata *rd, char *out, size_t outlen)
{
    char name[TK_DOMAIN_MAX + 1];
    struct tk_buf b = {0};
    uint16_t pref;
    size_t end = 0;
    enum tk_status st;

    switch (qtype) {
    case TK_DNS_TXT:
        st = tk_rdata_txt(rd, &b);
        snprintf(out, outlen, "%s", st == TK_OK ? b.data : "(invalid)");
        tk_buf_free(&b);
        return;
    case TK_DNS_MX:
        st = tk_rdata_mx(rd, &pref, name);
        if (st == TK_OK)
            snprintf(out, outlen, "%u %s", pref, name);
        break;
    case TK_DNS_A:
    case TK_DNS_AAAA:
        st = tk_rdata_addr(rd, out, outlen);
        break;
    default:
        st = tk_rdata_name(rd, 0, &end, name);
        if (st == TK_OK && end != rd->len)
            st = TK_INVALID;
        if (st == TK_OK)
            snprintf(out, outlen, "%s", name);
        break;
    }
    if (st != TK_OK)
        snprintf(out, outlen, "(invalid)");
}

static void check_answers(const struct packet_case *t, struct read *r)
{
    char joined[2048] = "", text[600];
    size_t i, n, want;

    assert_int_equal(r->info.rcode, t->rcode);
    assert_int_equal(r->info.ancount, t->ancount);
    assert_int_equal(r->info.min_ttl, t->min_ttl);
    assert_int_equal(r->info.count, t->count);
    for (i = 0; i < r->info.count; i++) {
        /* Names decompressed into storage; everything else where it is. */
        if (type_has_name(t->qtype))
            assert_true(within(&r->rd[i], r->storage.data, r->storage.len));
        else
            assert_true(within(&r->rd[i], r->pkt, r->len));
        decode(t->qtype, &r->rd[i], text, sizeof(text));
        if (strcmp(text, "(invalid)") == 0)
            fail_msg("%s: answer %zu does not decode", t->what, i);
        n = strlen(joined);
        snprintf(joined + n, sizeof(joined) - n, "%s%s", i ? " | " : "", text);
    }
    /* Nothing written past the count. */
    for (; i < RDATA_ROOM; i++)
        assert_null(r->rd[i].data);
    if (t->text == NULL)
        return;
    want = strlen(t->text);
    if (want >= 4 && strcmp(t->text + want - 4, " ...") == 0)
        want -= 4;
    else
        want = strlen(joined) > want ? strlen(joined) : want;
    if (strncmp(joined, t->text, want) != 0)
        fail_msg("%s: answers \"%s\", want \"%s\"", t->what, joined, t->text);
}

static void test_table(void **state)
{
    static struct pkt p;
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        const struct packet_case *t = &cases[i];
        struct read r = {0};

        t->build(&p, t->arg);
        read_packet(&r, &p, t->cut, t->qtype, t->max);
        if (r.st != t->want)
            fail_msg("%s: got %s, want %s (%s)", t->what, tk_status_name(r.st),
                     tk_status_name(t->want), r.err.msg);
        if (r.st == TK_OK) {
            check_answers(t, &r);
        } else {
            assert_int_equal(r.err.code, r.st);
            if (strstr(r.err.msg, t->reason) == NULL)
                fail_msg("%s: reason \"%s\", want \"%s\"", t->what, r.err.msg, t->reason);
        }
        read_free(&r);
    }
}

/* ---- where rdata lives ---- */

static void test_txt_in_packet(void **state)
{
    static struct pkt p;
    struct read r = {0};
    size_t first, second;

    put_header(&p, 0, 1, 3);
    put_question(&p, "example.com", TK_DNS_TXT);
    first = put_txt(&p, 300, "v=spf1 -all", NULL);
    put_a(&p, 30, 0xc0000201);
    second = put_txt(&p, 600, "abc", "def");
    read_packet(&r, &p, 0, TK_DNS_TXT, TK_RRSET_MAX);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.info.count, 2);
    assert_ptr_equal(r.rd[0].data, r.pkt + first);
    assert_int_equal(r.rd[0].len, 12);
    assert_ptr_equal(r.rd[1].data, r.pkt + second);
    assert_int_equal(r.rd[1].len, 8);
    /* Nothing decompressed, nothing stored. */
    assert_int_equal(r.storage.len, 0);
    read_free(&r);
}

static void test_names_in_storage(void **state)
{
    static struct pkt p;
    static const unsigned char want[] = "\x00\x0a\x02mx\x07"
                                        "example\x03"
                                        "com\x00"
                                        "\x00\x14\x07"
                                        "example\x03"
                                        "com\x00";
    struct read r = {0};

    /* Whatever storage held before is gone. */
    assert_int_equal(tk_buf_puts(&r.storage, "left over from an earlier answer"), TK_OK);
    b_mx_question(&p, 0);
    read_packet(&r, &p, 0, TK_DNS_MX, 2);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.info.count, 2);
    assert_int_equal(r.storage.len, sizeof(want) - 1);
    assert_memory_equal(r.storage.data, want, sizeof(want) - 1);
    assert_ptr_equal(r.rd[0].data, r.storage.data);
    assert_int_equal(r.rd[0].len, 18);
    assert_ptr_equal(r.rd[1].data, r.storage.data + 18);
    assert_int_equal(r.rd[1].len, 15);
    free(r.pkt);
    /* Read again into the same storage: the same bytes, not appended. */
    read_packet(&r, &p, 0, TK_DNS_MX, 2);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.storage.len, sizeof(want) - 1);
    assert_memory_equal(r.storage.data, want, sizeof(want) - 1);
    read_free(&r);
}

/* The 255-octet exchange decodes to the 253 characters it spells. */
static void test_long_name(void **state)
{
    static struct pkt p;
    struct read r = {0};
    char want[TK_DOMAIN_MAX + 8], text[600];

    b_mx_long(&p, 61);
    read_packet(&r, &p, 0, TK_DNS_MX, TK_RRSET_MAX);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.info.count, 1);
    assert_int_equal(r.rd[0].len, 2 + 255);
    strcpy(want, "10 ");
    memset(want + 3, 'a', 63);
    want[66] = '.';
    memset(want + 67, 'b', 63);
    want[130] = '.';
    memset(want + 131, 'c', 63);
    want[194] = '.';
    memset(want + 195, 'd', 61);
    want[256] = '\0';
    decode(TK_DNS_MX, &r.rd[0], text, sizeof(text));
    assert_string_equal(text, want);
    read_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_txt_in_packet),
        cmocka_unit_test(test_names_in_storage),
        cmocka_unit_test(test_long_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
