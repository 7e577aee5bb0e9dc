/*
 * NAME
 *	cursor.h - bounded read cursor over untrusted bytes
 * DESCRIPTION
 *	Parsers read input only through a tk_cursor: every read checks what
 *	is left, so no parser does raw pointer arithmetic on peer data. A
 *	tk_span names a run of the input without copying it. Input may hold
 *	any byte, NUL included.
 */
#ifndef TIAKI_CORE_CURSOR_H
#define TIAKI_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

struct tk_span {
    const char *p;
    size_t len;
};

struct tk_cursor {
    const char *p;
    size_t len;
    size_t pos;
};

/* tk_cursor_init points c at len bytes at p. */
void tk_cursor_init(struct tk_cursor *c, const void *p, size_t len);

/* tk_cursor_left returns the bytes not yet read. */
size_t tk_cursor_left(const struct tk_cursor *c);

/* tk_cursor_eof is true when nothing is left. */
bool tk_cursor_eof(const struct tk_cursor *c);

/* tk_cursor_peek returns the next byte (0..255) or -1 at the end. */
int tk_cursor_peek(const struct tk_cursor *c);

/* tk_cursor_next returns the next byte and consumes it, or -1. */
int tk_cursor_next(struct tk_cursor *c);

/* tk_cursor_take consumes the next byte if it is ch. */
bool tk_cursor_take(struct tk_cursor *c, int ch);

/* tk_cursor_take_ci consumes the literal lit if the input starts with it,
 * ignoring ASCII case. */
bool tk_cursor_take_ci(struct tk_cursor *c, const char *lit);

/* tk_cursor_skip_wsp skips spaces and tabs and returns how many. */
size_t tk_cursor_skip_wsp(struct tk_cursor *c);

/* tk_cursor_span_while consumes bytes while pred(byte) holds and names
 * them in out. Returns the count. */
size_t tk_cursor_span_while(struct tk_cursor *c, bool (*pred)(int ch), struct tk_span *out);

/* tk_cursor_span_until consumes bytes up to (not including) the first
 * delim, or to the end, and names them in out. Returns the count. */
size_t tk_cursor_span_until(struct tk_cursor *c, int delim, struct tk_span *out);

/* tk_cursor_rest names what is left in out and consumes it. */
void tk_cursor_rest(struct tk_cursor *c, struct tk_span *out);

/* tk_span_trim_wsp returns s without leading and trailing SP/HTAB. */
struct tk_span tk_span_trim_wsp(struct tk_span s);

/* tk_span_trim_fws returns s without leading and trailing SP, HTAB, CR
 * and LF (tk_char_is_fws). */
struct tk_span tk_span_trim_fws(struct tk_span s);

/* tk_span_eq is true when s equals the C string lit byte for byte (the
 * %s literals of RFC 7405: case counts). */
bool tk_span_eq(struct tk_span s, const char *lit);

/* tk_span_eq_ci is true when s equals the C string lit, ignoring case. */
bool tk_span_eq_ci(struct tk_span s, const char *lit);

/* tk_span_startswith_ci is true when s begins with lit, ignoring case. */
bool tk_span_startswith_ci(struct tk_span s, const char *lit);

/* tk_span_dup returns a malloc'd NUL-terminated copy, or NULL. */
char *tk_span_dup(struct tk_span s);

/* Character classes for tk_cursor_span_while. */
bool tk_char_is_alpha(int ch);
bool tk_char_is_digit(int ch);
bool tk_char_is_alnum(int ch);
bool tk_char_is_wsp(int ch);
/* tk_char_is_fws: SP, HTAB, CR or LF, the white space a TXT record or
 * tag list may fold over lines (RFC 6376 2.8 FWS, byte by byte). */
bool tk_char_is_fws(int ch);

#endif
