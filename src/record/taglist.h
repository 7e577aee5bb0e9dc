/*
 * NAME
 *	taglist.h - tag=value lists shared by DKIM, DMARC, TLS-RPT and MTA-STS
 * DESCRIPTION
 *	Splits "v=DMARC1; p=reject; rua=mailto:a@b" into tags. Segments are
 *	separated by ';'; white space (SP, HTAB, CR, LF) around names and
 *	values is dropped; empty segments (a trailing ';') are allowed. A
 *	segment that is not name=value, or whose name is not
 *	ALPHA *(ALPHA / DIGIT / "_"), is kept in bad[] with the reason (the
 *	seed's "adkim-s" lands there), so each record parser decides whether
 *	that is fatal for its syntax. The parser does not copy: spans point
 *	into the caller's buffer.
 * STANDARDS
 *	RFC 6376 3.2 (tag-list), used by RFC 7489 6.4, RFC 8460 3, RFC 8461 3.1.
 * LIMITS
 *	TK_TAGS_MAX tags; more is TK_LIMIT. At most TK_TAGLIST_BAD_MAX bad
 *	segments are remembered (all are counted).
 */
#ifndef TIAKI_RECORD_TAGLIST_H
#define TIAKI_RECORD_TAGLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cursor.h"
#include "core/error.h"

#define TK_TAGLIST_BAD_MAX 8

struct tk_tag {
    struct tk_span name;
    struct tk_span value;
};

struct tk_taglist_bad {
    struct tk_span text; /* the whole segment, trimmed */
    const char *why;     /* static text: "no '=' in tag" */
};

struct tk_taglist {
    size_t n;
    struct tk_tag tags[TK_TAGS_MAX];
    size_t nbad; /* how many bad segments were seen */
    struct tk_taglist_bad bad[TK_TAGLIST_BAD_MAX];
};

/* tk_taglist_parse splits len bytes at p into out. Returns TK_OK (bad
 * segments are not an error here) or TK_LIMIT with err set when there
 * are more than TK_TAGS_MAX tags. */
enum tk_status tk_taglist_parse(const char *p, size_t len, struct tk_taglist *out,
                                struct tk_error *err);

/* tk_taglist_find returns the first tag named name (case-insensitive),
 * or NULL. */
const struct tk_tag *tk_taglist_find(const struct tk_taglist *tl, const char *name);

/* tk_taglist_first_duplicate returns a tag whose name appears twice
 * (case-insensitive), or NULL. RFC 6376 3.2 makes that an error. */
const struct tk_tag *tk_taglist_first_duplicate(const struct tk_taglist *tl);

#endif
