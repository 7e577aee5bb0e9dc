/*
 * NAME
 *	spf_eval_impl.h - what the files of the SPF evaluator share (private)
 * DESCRIPTION
 *	Addresses, prefixes and names: the pure helpers of spf_eval_ip.c,
 *	which the state machine of spf_eval.c calls.
 */
#ifndef TIAKI_AUTH_SPF_EVAL_IMPL_H
#define TIAKI_AUTH_SPF_EVAL_IMPL_H

#include <stdbool.h>

#include "auth/spf_eval.h"
#include "dns/resolver.h"

/* spf_ip_in_prefix is true when ip lies in net/prefix (same family;
 * prefix 0-32 for IPv4, 0-128 for IPv6, else false). */
bool spf_ip_in_prefix(const struct tk_spf_ip *ip, const uint8_t *net, bool net_v6, int prefix);

/* spf_rdata_in_prefix is true when an A or AAAA rdata of the client's
 * family covers the client within prefix. Any other length is false. */
bool spf_rdata_in_prefix(const struct tk_spf_ip *ip, const struct tk_dns_rdata *rd, int prefix);


/* spf_name_check checks a target name made by macro expansion or read
 * from DNS (len bytes at in): labels of 1 to 63 bytes of printable ASCII
 * (SP included: %{l} may hold one) other than backslash, at most
 * TK_DOMAIN_MAX in all, one trailing dot
 * allowed. Writes it lower-cased without the dot. */
bool spf_name_check(const char *in, size_t len, char out[TK_DOMAIN_MAX + 1]);

/* spf_rdata_name reads the uncompressed wire-format name at offset off
 * of rd (an MX exchange, a PTR target), which must end the rdata, as
 * spf_name_check would accept it; "" for the root. False when malformed
 * or not such a name. */
bool spf_rdata_name(const struct tk_dns_rdata *rd, size_t off, char out[TK_DOMAIN_MAX + 1]);

/* spf_domain_is_sub is true when name equals parent or ends in
 * ".parent", ignoring ASCII case. */
bool spf_domain_is_sub(const char *name, const char *parent);

#endif
