/*
 * NAME
 *	testutil.h - small helpers shared by the cmocka unit tests
 */
#ifndef TIAKI_TESTUTIL_H
#define TIAKI_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* testutil_shared_path returns "$TIAKI_SHARED/rel" in a static buffer
 * (TIAKI_SHARED defaults to ../shared beside the source tree). */
const char *testutil_shared_path(const char *rel);

/* testutil_read_file reads a whole file (at most 64 MiB) into a malloc'd,
 * NUL-terminated buffer; *len gets its size. NULL on failure. */
char *testutil_read_file(const char *path, size_t *len);

#endif
