/*
 * NAME
 *	fuzz_packet.c - libFuzzer harness for the DNS response reader
 * DESCRIPTION
 *	Treats any bytes as a wire-format DNS response and reads its answers
 *	with tk_dns_packet_answers for each of TXT, MX, A, AAAA, NS and
 *	CNAME, through one storage buffer as the resolver does. Checks the
 *	contract: a known status with a printable reason; rcode and ancount
 *	as the header says; no more answers than TK_RRSET_MAX or ancount,
 *	and min_ttl 0 when there are none; every rdata inside the packet
 *	(TXT, A, AAAA) or inside storage (MX, NS, CNAME), where a name is
 *	written out uncompressed, ends exactly at the end of the rdata and
 *	is at most 255 octets. Each rdata then goes through its decoder
 *	(tk_rdata_txt, tk_rdata_mx, tk_rdata_name, tk_rdata_addr), which
 *	must give a known status, a name decoded must end where its rdata
 *	does, and an address must decode exactly when it has 4 or 16 bytes.
 *	Storage is freed at the end: nothing leaks. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/packet.h"
#include "dns/rdata.h"
#include "fuzz_util.h"

static const uint16_t fuzz_qtypes[] = {TK_DNS_TXT,  TK_DNS_MX, TK_DNS_A,
                                       TK_DNS_AAAA, TK_DNS_NS, TK_DNS_CNAME};

static int within(const struct tk_dns_rdata *rd, const void *base, size_t len)
{
    uintptr_t d = (uintptr_t)rd->data, b = (uintptr_t)base;

    return base != NULL && d >= b && rd->len <= len && d - b <= len - rd->len;
}

/* check_wire_name: the rdata from off on is one uncompressed name: labels
 * of at most 63 octets, ending with the root exactly at the end, 255
 * octets at most. */
static void check_wire_name(const struct tk_dns_rdata *rd, size_t off)
{
    size_t start = off;

    check(off < rd->len);
    while (rd->data[off] != 0) {
        check(rd->data[off] <= TK_LABEL_MAX);
        off += (size_t)rd->data[off] + 1;
        check(off < rd->len);
    }
    check(off + 1 == rd->len);
    check(rd->len - start <= 255);
}

static void fuzz_txt(const struct tk_dns_rdata *rd)
{
    struct tk_buf b = {0};
    enum tk_status st = tk_rdata_txt(rd, &b);

    check(st == TK_OK || st == TK_INVALID);
    if (st == TK_OK)
        check(b.data != NULL && b.len <= rd->len);
    tk_buf_free(&b);
}

static void fuzz_mx(const struct tk_dns_rdata *rd)
{
    char exchange[TK_DOMAIN_MAX + 1];
    uint16_t pref;
    enum tk_status st;

    check(rd->len >= 3);
    check_wire_name(rd, 2);
    st = tk_rdata_mx(rd, &pref, exchange);
    check(st == TK_OK || st == TK_INVALID);
    if (st == TK_OK)
        check(pref == (uint16_t)(rd->data[0] << 8 | rd->data[1]));
}

static void fuzz_name(const struct tk_dns_rdata *rd)
{
    char name[TK_DOMAIN_MAX + 1];
    size_t end = 0;
    enum tk_status st;

    check_wire_name(rd, 0);
    st = tk_rdata_name(rd, 0, &end, name);
    check(st == TK_OK || st == TK_INVALID);
    if (st == TK_OK)
        check(end == rd->len);
}

static void fuzz_addr(const struct tk_dns_rdata *rd)
{
    char text[64];
    enum tk_status st = tk_rdata_addr(rd, text, sizeof(text));

    check((st == TK_OK) == (rd->len == 4 || rd->len == 16));
}

static void fuzz_rdata(uint16_t qtype, const struct tk_dns_rdata *rd, const uint8_t *pkt,
                       size_t len, const struct tk_buf *storage)
{
    switch (qtype) {
    case TK_DNS_TXT:
        check(within(rd, pkt, len));
        fuzz_txt(rd);
        break;
    case TK_DNS_A:
    case TK_DNS_AAAA:
        check(within(rd, pkt, len));
        fuzz_addr(rd);
        break;
    case TK_DNS_MX:
        check(within(rd, storage->data, storage->len));
        fuzz_mx(rd);
        break;
    default:
        check(within(rd, storage->data, storage->len));
        fuzz_name(rd);
        break;
    }
}

static void fuzz_qtype(const uint8_t *data, size_t size, uint16_t qtype, struct tk_buf *storage)
{
    struct tk_dns_rdata rd[TK_RRSET_MAX];
    struct tk_dns_packet_info info;
    struct tk_error err = {0};
    enum tk_status st;
    size_t i;

    st = tk_dns_packet_answers(data, size, qtype, rd, TK_RRSET_MAX, storage, &info, &err);
    check(st == TK_OK || st == TK_INVALID);
    check_err(st, &err);
    if (st != TK_OK)
        return;
    check(size >= 12);
    check(info.rcode == (data[3] & 0x0f));
    check(info.ancount == (uint16_t)(data[6] << 8 | data[7]));
    check(info.count <= TK_RRSET_MAX && info.count <= info.ancount);
    check(info.count > 0 || info.min_ttl == 0);
    for (i = 0; i < info.count; i++)
        fuzz_rdata(qtype, &rd[i], data, size, storage);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_buf storage = {0};
    size_t i;

    for (i = 0; i < sizeof(fuzz_qtypes) / sizeof(fuzz_qtypes[0]); i++)
        fuzz_qtype(data, size, fuzz_qtypes[i], &storage);
    tk_buf_free(&storage);
    return 0;
}
