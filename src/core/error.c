/*
 * NAME
 *	error.c - result codes and error messages
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

enum tk_status tk_error_set(struct tk_error *err, enum tk_status code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        err->msg[0] = '\0';
    else if ((size_t)n >= sizeof(err->msg))
        memcpy(err->msg + sizeof(err->msg) - 4, "...", 4);
    return code;
}

void tk_error_clear(struct tk_error *err)
{
    if (err == NULL)
        return;
    err->code = TK_OK;
    err->msg[0] = '\0';
}

const char *tk_status_name(enum tk_status code)
{
    switch (code) {
    case TK_OK:
        return "ok";
    case TK_ABSENT:
        return "absent";
    case TK_INVALID:
        return "invalid";
    case TK_TEMP:
        return "temporary";
    case TK_LIMIT:
        return "limit";
    case TK_NOMEM:
        return "no-memory";
    case TK_USAGE:
        return "usage";
    case TK_IO:
        return "io";
    }
    return "?";
}
