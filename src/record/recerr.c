/*
 * NAME
 *	recerr.c - error messages of record parsers, printable
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/limits.h"
#include "record/recerr.h"

enum tk_status tk_record_error(struct tk_error *err, enum tk_status code, const char *fmt, ...)
{
    char msg[TK_ERROR_MSG_MAX];
    va_list ap;
    char *t;

    if (err == NULL)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (t = msg; *t; t++)
        if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
            *t = '?';
    return tk_error_set(err, code, "%s", msg);
}

enum tk_status tk_record_check_len(size_t len, struct tk_error *err)
{
    if (len > TK_TXT_RECORD_MAX)
        return tk_record_error(err, TK_LIMIT, "record of %zu bytes is longer than %d", len,
                               TK_TXT_RECORD_MAX);
    return TK_OK;
}
