/*
 * NAME
 *	packet.h - read the answer records of a DNS response (no I/O)
 * DESCRIPTION
 *	libunbound's event interface hands over the response as wire
 *	format. tk_dns_packet_answers walks its header, question and answer
 *	section and returns the rdata of every answer record of the type
 *	asked (CNAME records of a chain are skipped). Names inside rdata
 *	(MX exchange, NS, CNAME, PTR targets) may be compressed in a
 *	packet: they are written out uncompressed into storage, so rdata
 *	decoders (dns/rdata.h) never follow pointers.
 * STANDARDS
 *	RFC 1035 4.1 (message format), 4.1.4 (compression).
 * SECURITY
 *	Every read is bounded by the packet length; compression pointers
 *	must point backwards and at most TK_DNS_POINTERS_MAX are followed
 *	per name; a name may not exceed 255 octets; at most TK_RRSET_MAX
 *	records are returned.
 */
#ifndef TIAKI_DNS_PACKET_H
#define TIAKI_DNS_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "dns/resolver.h"

#define TK_DNS_POINTERS_MAX 32

struct tk_dns_packet_info {
    int rcode;        /* the header's RCODE */
    uint16_t ancount; /* answer records in the header */
    uint32_t min_ttl; /* of the records returned */
    size_t count;     /* records returned in rdata[] */
};

/* tk_dns_packet_answers fills rdata[0..max) with the answer records of
 * type qtype. rdata entries point into pkt, or into storage (reset
 * first) for types whose rdata holds names; both must outlive their
 * use. Returns TK_OK, or TK_INVALID with a reason when the packet is
 * malformed (truncated, bad pointer, over-long name). */
enum tk_status tk_dns_packet_answers(const unsigned char *pkt, size_t len, uint16_t qtype,
                                     struct tk_dns_rdata *rdata, size_t max, struct tk_buf *storage,
                                     struct tk_dns_packet_info *info, struct tk_error *err);

#endif
