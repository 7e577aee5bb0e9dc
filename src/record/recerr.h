/*
 * NAME
 *	recerr.h - error messages of record parsers, printable
 * SUMMARY
 *	tk_error_set for messages that quote bytes of a record.
 * DESCRIPTION
 *	Record parsers quote what they read ("p=rejcet is not ...") so a
 *	person sees the fault. A hostile record can hold any byte; this
 *	sets the error like tk_error_set and then replaces every byte
 *	outside printable ASCII with '?', as tk_notes_add does for notes,
 *	so no control character or broken UTF-8 reaches a terminal, a log
 *	line or a report.
 */
#ifndef TIAKI_RECORD_RECERR_H
#define TIAKI_RECORD_RECERR_H

#include <stddef.h>

#include "core/error.h"

/* tk_record_error sets err (which may be NULL) to code and the
 * formatted, printable message; returns code. */
enum tk_status tk_record_error(struct tk_error *err, enum tk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tk_record_check_len returns TK_OK, or TK_LIMIT with err set when a
 * TXT record of len bytes is longer than TK_TXT_RECORD_MAX. */
enum tk_status tk_record_check_len(size_t len, struct tk_error *err);

#endif
