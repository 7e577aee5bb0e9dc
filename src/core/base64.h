/*
 * NAME
 *	base64.h - base64 as DNS records and mail headers write it
 * DESCRIPTION
 *	DKIM key records (p=) and DKIM-Signature fields (b=, bh=) hold
 *	base64 that may be folded: white space (SP, HTAB, CR, LF) anywhere
 *	is skipped. Missing '=' padding is accepted and reported, since
 *	some publishers leave it off and verifiers differ.
 * STANDARDS
 *	RFC 4648 4; RFC 6376 2.4 (base64 with FWS).
 * LIMITS
 *	Output never passes the caller's capacity (TK_LIMIT).
 */
#ifndef TIAKI_CORE_BASE64_H
#define TIAKI_CORE_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cursor.h"
#include "core/error.h"

/* What the decoder saw, for an error a person can act on. */
struct tk_base64_info {
    size_t chars;   /* base64 characters (and '=') read, white space not counted */
    int bad;        /* TK_INVALID: the byte that is not base64, or -1 */
    bool after_pad; /* TK_INVALID: base64 after '=' padding */
    bool unpadded;  /* TK_OK: the last group lacked its '=' padding */
};

/* tk_base64_decode decodes in into out (at most cap bytes); *outlen gets
 * the size. Returns TK_OK; TK_INVALID for a byte that is not base64
 * (info->bad, at character info->chars), base64 after padding
 * (info->after_pad) or an end cut short or badly padded; TK_LIMIT when
 * more than cap bytes would come out. info may be NULL. */
enum tk_status tk_base64_decode(struct tk_span in, unsigned char *out, size_t cap, size_t *outlen,
                                struct tk_base64_info *info);

#endif
