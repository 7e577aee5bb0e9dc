/*
 * NAME
 *	notes.c - remarks a parser makes about a record it accepted
 */
#include <stdarg.h>
#include <stdio.h>

#include "record/notes.h"

void tk_notes_add(struct tk_notes *notes, const char *fmt, ...)
{
    va_list ap;
    char *t;

    if (notes->n >= TK_NOTES_MAX) {
        notes->dropped++;
        return;
    }
    t = notes->text[notes->n++];
    va_start(ap, fmt);
    vsnprintf(t, TK_NOTE_TEXT_MAX, fmt, ap);
    va_end(ap);
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
            *t = '?';
}
