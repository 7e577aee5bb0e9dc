/*
 * NAME
 *	error.h - result codes and error messages a person can act on
 * DESCRIPTION
 *	Every fallible function returns a tk_status and, on failure, fills a
 *	struct tk_error with a message. The codes keep "try again" apart from
 *	"invalid" and "absent": they map directly to SPF/DMARC temperror,
 *	permerror and none, and to a rule's unknown versus fail.
 */
#ifndef TIAKI_CORE_ERROR_H
#define TIAKI_CORE_ERROR_H

#include "core/limits.h"

enum tk_status {
    TK_OK = 0,
    TK_ABSENT,  /* nothing there: NXDOMAIN, no record, no such tag */
    TK_INVALID, /* there but malformed: a permanent error */
    TK_TEMP,    /* could not be learnt now: timeout, SERVFAIL; try again */
    TK_LIMIT,   /* a defensive limit was reached */
    TK_NOMEM,   /* allocation failed */
    TK_USAGE,   /* the caller (or the user) asked for something wrong */
    TK_IO,      /* a local file, socket or library failure */
};

struct tk_error {
    enum tk_status code;
    char msg[TK_ERROR_MSG_MAX];
};

/* tk_error_set records code and a printf-style message in err (which may
 * be NULL) and returns code, so callers can write
 * "return tk_error_set(err, TK_INVALID, "...", ...);". A message longer
 * than TK_ERROR_MSG_MAX is cut with "..." at the end. */
enum tk_status tk_error_set(struct tk_error *err, enum tk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tk_error_clear resets err to TK_OK with an empty message. */
void tk_error_clear(struct tk_error *err);

/* tk_status_name returns a short fixed name for a status ("invalid"). */
const char *tk_status_name(enum tk_status code);

#endif
