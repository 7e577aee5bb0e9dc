/*
 * NAME
 *	version.h - the version tag that opens a TLS-RPT or MTA-STS record
 * DESCRIPTION
 *	RFC 8460 3 and RFC 8461 3.1 both start a TXT record with a
 *	case-sensitive version tag ("v=TLSRPTv1", "v=STSv1") that must come
 *	first, with no white space before it or around '=', and be followed
 *	by ';', white space or the end. A record that was plainly meant as
 *	one of these but that senders discard ("V=STSv1", a leading space,
 *	"v = TLSRPTv1", the tag written later) is TK_INVALID with the fix,
 *	not TK_ABSENT, so a person is told what to change.
 *
 *	DMARC does not use this: its version tag tolerates leading white
 *	space and tells a wrong case from a wrong version (record/dmarc.c).
 * STANDARDS
 *	RFC 8460 3 (tlsrpt-version), RFC 8461 3.1 (sts-version).
 */
#ifndef TIAKI_RECORD_VERSION_H
#define TIAKI_RECORD_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* tk_record_version_is is true when txt (which may be NULL) begins
 * exactly "v=" value ("STSv1", "TLSRPTv1") followed by ';', white space
 * or its end. */
bool tk_record_version_is(const char *txt, size_t len, const char *value);

/* tk_record_version checks the size and the version tag of the len
 * bytes at txt. value is what follows "v=" ("STSv1"); what names the
 * record with its article, for the TK_ABSENT message ("an MTA-STS
 * record"). Returns TK_OK; TK_ABSENT (txt NULL, or no such version tag
 * anywhere: err says "not <what> (no v=<value> first)"); TK_LIMIT
 * (longer than TK_TXT_RECORD_MAX); or TK_INVALID with the fix when the
 * tag is there but senders discard the record: a near miss in case or
 * white space, the tag not first, or no ';' after it. */
enum tk_status tk_record_version(const char *txt, size_t len, const char *value, const char *what,
                                 struct tk_error *err);

#endif
