/*
 * NAME
 *	spf_batch.h - one line of an SPF batch: "IP SENDER [HELO]"
 * DESCRIPTION
 *	tiaki spf check --batch reads one check per line. A line holds the
 *	client address, the MAIL FROM sender and optionally the HELO name,
 *	separated by spaces or tabs. The sender "<>" or "-" is the null
 *	reverse-path (the HELO name is then checked); angle brackets around
 *	a sender are dropped; the HELO "-" means none. A blank line or one
 *	starting with '#' holds no check.
 * LIMITS
 *	TK_SPF_BATCH_LINE_MAX bytes per line.
 * SECURITY
 *	Lines come from whoever feeds the batch: any byte may appear. The
 *	line is read with a bounded cursor; only printable ASCII is kept.
 */
#ifndef TIAKI_AUTH_SPF_BATCH_H
#define TIAKI_AUTH_SPF_BATCH_H

#include <stddef.h>

#include "auth/spf_eval.h"
#include "core/error.h"
#include "core/limits.h"

struct tk_spf_batch_line {
    char ip[TK_SPF_BATCH_LINE_MAX + 1];
    char sender[TK_SPF_BATCH_LINE_MAX + 1]; /* "" for the null reverse-path */
    char helo[TK_SPF_BATCH_LINE_MAX + 1];   /* "" for none */
    struct tk_spf_request req;              /* points into the strings above */
};

/* tk_spf_batch_line_parse reads one line (len bytes, without its line
 * end; a trailing CR is ignored) into out. Returns TK_OK (out->req is
 * ready for tk_spf_check_start; receiver and now are left NULL and 0),
 * TK_ABSENT for a blank or comment line, TK_INVALID (err says what is
 * wrong) or TK_LIMIT for a line over TK_SPF_BATCH_LINE_MAX. */
enum tk_status tk_spf_batch_line_parse(const char *line, size_t len, struct tk_spf_batch_line *out,
                                       struct tk_error *err);

#endif
