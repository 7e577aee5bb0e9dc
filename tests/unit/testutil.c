/*
 * NAME
 *	testutil.c - small helpers shared by the cmocka unit tests
 */
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

const char *testutil_shared_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("TIAKI_SHARED");

    snprintf(path, sizeof(path), "%s/%s", base ? base : "../shared", rel);
    return path;
}

char *testutil_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > 64L * 1024 * 1024 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}
