/*
 * NAME
 *	text.h - bounded copies of C strings
 */
#ifndef TIAKI_CORE_TEXT_H
#define TIAKI_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* tk_strlcpy copies src into dst of size dstsize (> 0), always
 * terminating it. Returns true when all of src fit; a caller for which
 * truncation matters checks it (STYLE: truncation is an error). */
bool tk_strlcpy(char *dst, const char *src, size_t dstsize);

#endif
