/*
 * NAME
 *	text.h - bounded copies of C strings, and bytes as hex
 */
#ifndef TIAKI_CORE_TEXT_H
#define TIAKI_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* tk_strlcpy copies src into dst of size dstsize (> 0), always
 * terminating it. Returns true when all of src fit; a caller for which
 * truncation matters checks it (STYLE: truncation is an error). */
bool tk_strlcpy(char *dst, const char *src, size_t dstsize);

/* tk_text_sanitise makes s safe to print and to put in JSON, in place:
 * control bytes become '?', and so does every byte of an invalid UTF-8
 * sequence; a sequence cut short at the end (by an earlier truncation)
 * is dropped. Valid UTF-8 such as macrons (Te Tari Taiwhenua) is kept. */
void tk_text_sanitise(char *s);

/* tk_hex writes the n bytes at p as 2n lower-case hex digits to out
 * (not terminated: the caller knows the length). */
void tk_hex(const unsigned char *p, size_t n, char *out);

#endif
