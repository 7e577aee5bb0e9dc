/*
 * NAME
 *	message.h - a mail message's header fields, read as a stream
 * DESCRIPTION
 *	DKIM, DMARC and Authentication-Results work on the header fields of
 *	a message exactly as received: in order, each field whole (name,
 *	colon, value, folding kept), line breaks as CRLF. A tk_msg holds
 *	them. It is filled in one of two ways:
 *
 *	- tk_msg_feed: raw message bytes in chunks of any size (a file, a
 *	  pipe). Bare LF line ends are taken as CRLF, since files on Unix
 *	  hold LF. After the empty line that ends the header section, body
 *	  bytes go to the caller's callback in CRLF form as they arrive, so
 *	  a body is never held whole;
 *	- tk_msg_add_field: one field at a time, as a mail filter receives
 *	  them from libmilter, then tk_msg_end_headers.
 *
 *	A field that is not "name: value" (no colon, a name with a space
 *	or a control byte in it) is kept apart as malformed: it is not a
 *	header field to any reader, and the message is marked so that
 *	DMARC can refuse to guess.
 * LIMITS
 *	TK_MSG_HEADERS_MAX fields, TK_MSG_FIELD_MAX bytes in one field,
 *	TK_MSG_HEADER_BYTES_MAX bytes in the whole header section. Past a
 *	limit the rest of the header section is read and dropped (the body
 *	still streams) and tk_msg_overflow() is true: a verifier must then
 *	give a defined failure rather than judge a header section it has
 *	seen only part of (a second From could be in the part dropped).
 * SECURITY
 *	Every byte is attacker-controlled. Nothing is sized from a number in
 *	the message; all growth is bounded by the limits above.
 * STANDARDS
 *	RFC 5322 2.2 (header fields), 2.2.3 (folding), 3.6.8 (field names).
 */
#ifndef TIAKI_AUTH_MESSAGE_H
#define TIAKI_AUTH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/error.h"

/* One header field as received. raw is the whole field, "Name: value",
 * folding line breaks as CRLF, without the CRLF that ends it. */
struct tk_msg_field {
    char *raw;
    size_t raw_len;
    size_t name_len;  /* the name, without white space before the colon */
    size_t value_off; /* the value starts after the colon: raw + value_off */
};

/* Called with body bytes, CRLF line ends, in order. */
typedef void (*tk_msg_body_fn)(void *arg, const char *p, size_t n);

struct tk_msg {
    struct tk_msg_field *fields;
    size_t nfields, cap;
    size_t header_bytes;        /* bytes of fields kept and dropped so far */
    bool headers_done;          /* the empty line, or tk_msg_end_headers */
    bool overflow;              /* a limit was passed; fields were dropped */
    size_t malformed;           /* lines that were not fields */
    char why[TK_ERROR_MSG_MAX]; /* the first limit passed or malformed line */
    /* stream state (tk_msg_feed) */
    struct tk_buf line;  /* the header line being read */
    struct tk_buf field; /* the field being gathered (continuations) */
    bool line_dropping;  /* the current line passed TK_MSG_FIELD_MAX */
    bool field_dropping; /* the field being gathered passed a limit */
    bool cr_pending;     /* body: a CR ended the last chunk */
};

/* tk_msg_init makes m an empty message. */
void tk_msg_init(struct tk_msg *m);

/* tk_msg_free releases everything m holds; m is empty after. */
void tk_msg_free(struct tk_msg *m);

/* tk_msg_feed reads n more bytes of a raw message. Header fields are
 * kept in m; once the header section has ended, body bytes go to body
 * (which may be NULL to drop them) with CRLF line ends. Returns TK_OK,
 * or TK_NOMEM (m is then unusable). Limits passed are not errors: see
 * tk_msg_overflow. */
enum tk_status tk_msg_feed(struct tk_msg *m, const char *p, size_t n, tk_msg_body_fn body,
                           void *arg);

/* tk_msg_finish ends a raw stream: a header section with no empty line
 * after it ends here (a message with no body). Returns TK_OK or
 * TK_NOMEM. */
enum tk_status tk_msg_finish(struct tk_msg *m);

/* tk_msg_add_field adds one whole field ("Name: value", any line breaks
 * in it as LF or CRLF, no final line end), as a mail filter gets them.
 * A field that is not name: value counts as malformed; one past a limit
 * sets the overflow mark. Returns TK_OK or TK_NOMEM. */
enum tk_status tk_msg_add_field(struct tk_msg *m, const char *raw, size_t len);

/* tk_msg_add_name_value adds a field given as a name and a value (the
 * value as libmilter passes it: what follows the colon, leading space
 * included or not as received). */
enum tk_status tk_msg_add_name_value(struct tk_msg *m, const char *name, const char *value);

/* tk_msg_end_headers says the header section is complete (filters). */
void tk_msg_end_headers(struct tk_msg *m);

/* tk_msg_overflow is true when fields were dropped by a limit; why
 * says which. */
bool tk_msg_overflow(const struct tk_msg *m);

/* tk_msg_field_name returns the name of field i (as written). */
struct tk_span tk_msg_field_name(const struct tk_msg *m, size_t i);

/* tk_msg_field_value returns the value of field i, raw (folding kept). */
struct tk_span tk_msg_field_value(const struct tk_msg *m, size_t i);

/* tk_msg_field_is is true when field i's name equals name, ignoring
 * case (RFC 5322 field names are case-insensitive). */
bool tk_msg_field_is(const struct tk_msg *m, size_t i, const char *name);

/* tk_msg_count counts the fields named name. */
size_t tk_msg_count(const struct tk_msg *m, const char *name);

/* tk_msg_next returns the index of the first field named name at or
 * after index from, or (size_t)-1 when there is none. */
size_t tk_msg_next(const struct tk_msg *m, const char *name, size_t from);

#endif
