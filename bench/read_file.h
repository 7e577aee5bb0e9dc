/*
 * NAME
 *	read_file.h - a whole file into memory, for the benchmark drivers
 * DESCRIPTION
 *	dkim-rate.c and opendkim-rate.c are each built on their own (one
 *	against tiaki's library, one against OpenDKIM's), so what they
 *	share is a header. Not part of tiaki.
 */
#ifndef TIAKI_BENCH_READ_FILE_H
#define TIAKI_BENCH_READ_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* read_file returns the malloc'd, NUL-terminated content of path and
 * its size in *len, or NULL. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

#endif
