/*
 * NAME
 *	packet.c - read the answer records of a DNS response (no I/O)
 * STANDARDS
 *	RFC 1035 4.1, 4.1.4.
 * SECURITY
 *	All reads go through packet_need() or an explicit bound first. A
 *	compression pointer must point before itself; that alone does not
 *	stop a loop (a pointer back to an earlier label of the same name),
 *	which the pointer count (TK_DNS_POINTERS_MAX) and the 255-octet name
 *	limit do. A name inside rdata must end exactly where its rdata ends.
 */
#include <string.h>

#include "dns/packet.h"

#define DNS_HEADER_LEN 12
/* Answer records walked at most: a response holding more is refused. */
#define DNS_ANSWERS_MAX 512

struct packet {
    const unsigned char *p;
    size_t len;
    size_t pos;
};

static bool packet_need(const struct packet *pk, size_t n)
{
    return n <= pk->len && pk->pos <= pk->len - n;
}

static uint16_t packet_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* packet_skip_name moves past a name at pk->pos (labels, then a zero or
 * a pointer). */
static enum tk_status packet_skip_name(struct packet *pk)
{
    unsigned labels = 0;

    while (packet_need(pk, 1) && labels++ < 128) {
        unsigned char n = pk->p[pk->pos];

        if (n == 0) {
            pk->pos++;
            return TK_OK;
        }
        if ((n & 0xc0) == 0xc0) {
            if (!packet_need(pk, 2))
                return TK_INVALID;
            pk->pos += 2;
            return TK_OK;
        }
        if ((n & 0xc0) != 0 || !packet_need(pk, (size_t)n + 1))
            return TK_INVALID;
        pk->pos += (size_t)n + 1;
    }
    return TK_INVALID;
}

/* packet_copy_name writes the name at off, following pointers, to out in
 * uncompressed wire form. The part written in place (before the first
 * pointer) must end exactly at end: a name in rdata may not run into the
 * next record, nor leave bytes after it. */
static enum tk_status packet_copy_name(const struct packet *pk, size_t off, size_t end,
                                       struct tk_buf *out)
{
    size_t written = 0, limit = end;
    unsigned pointers = 0;
    bool inline_part = true;

    for (;;) {
        unsigned char n;

        if (off >= limit)
            return TK_INVALID;
        n = pk->p[off];
        if ((n & 0xc0) == 0xc0) {
            size_t target;

            if (off + 1 >= limit || ++pointers > TK_DNS_POINTERS_MAX)
                return TK_INVALID;
            if (inline_part && off + 2 != end)
                return TK_INVALID;
            target = (size_t)(packet_u16(pk->p + off) & 0x3fff);
            if (target >= off)
                return TK_INVALID;
            inline_part = false;
            limit = pk->len;
            off = target;
            continue;
        }
        if ((n & 0xc0) != 0 || off + 1 + n > limit || written + 1 + n > 255)
            return TK_INVALID;
        if (tk_buf_append(out, pk->p + off, (size_t)n + 1) != TK_OK)
            return TK_NOMEM;
        written += (size_t)n + 1;
        if (n == 0)
            return !inline_part || off + 1 == end ? TK_OK : TK_INVALID;
        off += (size_t)n + 1;
    }
}

static bool packet_type_has_name(uint16_t type, size_t *name_at)
{
    switch (type) {
    case TK_DNS_MX:
        *name_at = 2;
        return true;
    case TK_DNS_NS:
    case TK_DNS_CNAME:
    case TK_DNS_PTR:
        *name_at = 0;
        return true;
    default:
        return false;
    }
}

/* One record found: where its rdata lives until the storage stops
 * growing (offsets into storage are turned into pointers at the end). */
struct found {
    bool in_storage;
    size_t off, len;
};

static enum tk_status packet_keep(const struct packet *pk, uint16_t type, size_t rdlen,
                                  struct tk_buf *storage, struct found *f)
{
    size_t name_at, start = storage->len;
    enum tk_status st;

    if (!packet_type_has_name(type, &name_at)) {
        f->in_storage = false;
        f->off = pk->pos;
        f->len = rdlen;
        return TK_OK;
    }
    if (rdlen < name_at + 1)
        return TK_INVALID;
    if (tk_buf_append(storage, pk->p + pk->pos, name_at) != TK_OK)
        return TK_NOMEM;
    if ((st = packet_copy_name(pk, pk->pos + name_at, pk->pos + rdlen, storage)) != TK_OK)
        return st;
    f->in_storage = true;
    f->off = start;
    f->len = storage->len - start;
    return TK_OK;
}

static enum tk_status packet_header(struct packet *pk, struct tk_dns_packet_info *info,
                                    struct tk_error *err)
{
    uint16_t qdcount, i;

    if (!packet_need(pk, DNS_HEADER_LEN))
        return tk_error_set(err, TK_INVALID, "DNS response shorter than its header");
    info->rcode = pk->p[3] & 0x0f;
    qdcount = packet_u16(pk->p + 4);
    info->ancount = packet_u16(pk->p + 6);
    if (info->ancount > DNS_ANSWERS_MAX)
        return tk_error_set(err, TK_INVALID, "DNS response with %u answers", info->ancount);
    pk->pos = DNS_HEADER_LEN;
    for (i = 0; i < qdcount; i++) {
        if (packet_skip_name(pk) != TK_OK || !packet_need(pk, 4))
            return tk_error_set(err, TK_INVALID, "malformed question in DNS response");
        pk->pos += 4;
    }
    return TK_OK;
}

enum tk_status tk_dns_packet_answers(const unsigned char *pkt, size_t len, uint16_t qtype,
                                     struct tk_dns_rdata *rdata, size_t max, struct tk_buf *storage,
                                     struct tk_dns_packet_info *info, struct tk_error *err)
{
    struct packet pk = {pkt, len, 0};
    struct found found[TK_RRSET_MAX];
    enum tk_status st;
    size_t i, n = 0;

    memset(info, 0, sizeof(*info));
    tk_buf_reset(storage);
    if ((st = packet_header(&pk, info, err)) != TK_OK)
        return st;
    if (max > TK_RRSET_MAX)
        max = TK_RRSET_MAX;
    for (i = 0; i < info->ancount; i++) {
        uint16_t type, rdlen;
        uint32_t ttl;

        if (packet_skip_name(&pk) != TK_OK || !packet_need(&pk, 10))
            return tk_error_set(err, TK_INVALID, "malformed answer record in DNS response");
        type = packet_u16(pk.p + pk.pos);
        ttl = (uint32_t)pk.p[pk.pos + 4] << 24 | (uint32_t)pk.p[pk.pos + 5] << 16 |
              (uint32_t)pk.p[pk.pos + 6] << 8 | pk.p[pk.pos + 7];
        rdlen = packet_u16(pk.p + pk.pos + 8);
        if (ttl > 0x7fffffffU)
            ttl = 0; /* RFC 2181 8: the top bit set means zero */
        pk.pos += 10;
        if (!packet_need(&pk, rdlen))
            return tk_error_set(err, TK_INVALID, "answer record runs past the DNS response");
        if (type == qtype && n < max) {
            if ((st = packet_keep(&pk, type, rdlen, storage, &found[n])) != TK_OK)
                return tk_error_set(err, st, "malformed name in an answer record");
            if (n == 0 || ttl < info->min_ttl)
                info->min_ttl = ttl;
            n++;
        }
        pk.pos += rdlen;
    }
    for (i = 0; i < n; i++) {
        rdata[i].data = found[i].in_storage ? (const unsigned char *)storage->data + found[i].off
                                            : pkt + found[i].off;
        rdata[i].len = found[i].len;
    }
    info->count = n;
    return TK_OK;
}
