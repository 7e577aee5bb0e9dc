/*
 * NAME
 *	smtp_reply.h - bounded parser of SMTP replies (no I/O)
 * DESCRIPTION
 *	The SMTP probe reads a peer's bytes into a buffer and asks this
 *	parser whether they begin with one whole reply: a single line
 *	"220 mx.example.org ESMTP" or a multi-line one ("250-..." lines
 *	ended by a "250 ..." line). The parser never reads past the bytes
 *	it is given and never allocates; a reply names its lines as spans
 *	of the caller's buffer. The EHLO keywords (STARTTLS) are found in
 *	the lines after the first.
 * STANDARDS
 *	RFC 5321 4.2 (reply syntax), 4.2.1 (multi-line replies), 4.1.1.1
 *	(EHLO response), 4.5.3.1.5 (reply line length).
 * LIMITS
 *	A line of TK_SMTP_LINE_MAX bytes without its line end, a reply of
 *	TK_SMTP_REPLY_LINES_MAX lines and TK_SMTP_REPLY_MAX bytes in all.
 *	Anything longer is garbage, not a reply to wait for.
 * SECURITY
 *	Input is peer data: every byte is read through tk_cursor, and the
 *	text quoted in an error is cut short and sanitised.
 */
#ifndef TIAKI_PROBE_SMTP_REPLY_H
#define TIAKI_PROBE_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cursor.h"
#include "core/error.h"

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
 * We allow 512 without the line end: a little slack for servers that
 * count differently, none for a peer that streams without a newline. */
#define TK_SMTP_LINE_MAX 512
/* Lines of one reply. A real EHLO response has about 10-20; 64 leaves
 * room for any real server and stops a peer that sends "250-" forever. */
#define TK_SMTP_REPLY_LINES_MAX 64
/* Bytes of one reply, line ends included. */
#define TK_SMTP_REPLY_MAX 8192

struct tk_smtp_reply {
    int code;   /* 200..599 */
    size_t len; /* bytes of the input the reply took, line ends included */
    size_t nlines;
    /* The text of each line after the code and its separator, without
     * the line end; spans of the caller's buffer, valid while it is. */
    struct tk_span text[TK_SMTP_REPLY_LINES_MAX];
};

/* tk_smtp_reply_parse looks at the len bytes at p (what has been read
 * so far) and returns:
 *   TK_OK      they begin with one whole reply, described in out
 *              (out->len bytes; bytes after it are the next reply's);
 *   TK_TEMP    no whole reply yet and no limit passed: read more;
 *   TK_INVALID the bytes are not an SMTP reply (no 3-digit code, a
 *              code that changes between lines, a bad separator);
 *   TK_LIMIT   a line, the line count or the reply size passed its
 *              limit.
 * On TK_INVALID and TK_LIMIT err says why and quotes the start of the
 * offending line in printable ASCII (other bytes as '?'). A line ends
 * at LF, with or without CR before it. The caller's buffer never needs
 * to hold more than TK_SMTP_REPLY_MAX + 1 bytes for this to decide. */
enum tk_status tk_smtp_reply_parse(const char *p, size_t len, struct tk_smtp_reply *out,
                                   struct tk_error *err);

/* tk_smtp_reply_has_keyword is true when a line after the first (an
 * EHLO response's extension lines) starts with keyword, ignoring case,
 * followed by its end, a space or '='. */
bool tk_smtp_reply_has_keyword(const struct tk_smtp_reply *r, const char *keyword);

/* tk_smtp_reply_show writes the code and the text of r's first line
 * ("220 mx.example.org ESMTP", a space between them even when the line
 * had '-') to dst of size (> 4), cut with "..." when longer and
 * sanitised: control bytes, NUL included, and invalid UTF-8 become '?'. */
void tk_smtp_reply_show(const struct tk_smtp_reply *r, char *dst, size_t size);

#endif
