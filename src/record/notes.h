/*
 * NAME
 *	notes.h - remarks a parser makes about a record it accepted
 * DESCRIPTION
 *	A record can be valid and still carry things a person should fix
 *	(an unknown tag, a deprecated mechanism, the seed's "adkim-s"). A
 *	parser adds each remark here; rules turn them into evidence and
 *	remediation. The list is bounded: remarks past TK_NOTES_MAX are
 *	counted in dropped, not kept.
 */
#ifndef TIAKI_RECORD_NOTES_H
#define TIAKI_RECORD_NOTES_H

#include <stddef.h>

#define TK_NOTES_MAX 8
#define TK_NOTE_TEXT_MAX 200

struct tk_notes {
    size_t n;
    size_t dropped;
    char text[TK_NOTES_MAX][TK_NOTE_TEXT_MAX];
};

/* tk_notes_add appends a printf-style remark (cut at TK_NOTE_TEXT_MAX).
 * Bytes outside printable ASCII in the formatted text are replaced by
 * '?', so a hostile record cannot put control characters in a report. */
void tk_notes_add(struct tk_notes *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
