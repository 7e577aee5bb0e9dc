/*
 * NAME
 *	fuzz_util.h - checks shared by the fuzz harnesses
 * DESCRIPTION
 *	Each fuzz_<parser>.c is its own program (linked with libFuzzer, or
 *	with replay_main.c for make test), so these are static inline: a
 *	harness pays only for what it uses. A broken contract aborts, which
 *	the fuzzer reports as a crash.
 */
#ifndef TIAKI_FUZZ_UTIL_H
#define TIAKI_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"
#include "record/notes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check aborts unless ok. */
static inline void check(int ok)
{
    if (!ok)
        abort();
}

/* printable is true when s holds only printable ASCII and a NUL within
 * its first max bytes. */
static inline int printable(const char *s, size_t max)
{
    size_t i;

    for (i = 0; i < max && s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return i < max;
}

/* check_err: err's message is printable, and set whenever st is not TK_OK. */
static inline void check_err(enum tk_status st, const struct tk_error *err)
{
    check(printable(err->msg, sizeof(err->msg)));
    check(st == TK_OK || err->msg[0] != '\0');
}

/* check_notes: every note a parser kept is printable. */
static inline void check_notes(const struct tk_notes *notes)
{
    size_t i;

    for (i = 0; i < notes->n; i++)
        check(printable(notes->text[i], TK_NOTE_TEXT_MAX));
}

#endif
