/*
 * NAME
 *	show.h - findings for people and programs: text, JSON Lines, CSV
 * DESCRIPTION
 *	The only place tiaki formats a check's result. text is a table per
 *	domain, coloured on a terminal; json is one object per line and
 *	domain (findings and the records as published); csv is one row per
 *	domain and rule under a header row. Every byte of published text is
 *	escaped before it is written (no control characters reach a
 *	terminal; JSON strings are valid UTF-8).
 */
#ifndef TIAKI_SHOW_SHOW_H
#define TIAKI_SHOW_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "observe/observation.h"
#include "rules/rules.h"

enum tk_format {
    TK_FORMAT_TEXT,
    TK_FORMAT_JSON,
    TK_FORMAT_CSV,
};

struct tk_show {
    FILE *out;
    enum tk_format format;
    bool colour;
    bool verbose;             /* text: show the fix under passing rules too */
    unsigned long domains;    /* shown so far */
    unsigned long compliant;  /* of them, compliant */
    unsigned long unprobed;   /* of them, email domains whose transport was not probed */
};

/* tk_format_parse maps "text"/"json"/"csv"; false otherwise. */
bool tk_format_parse(const char *name, enum tk_format *out);

/* tk_show_begin writes what comes before the first domain (CSV header). */
void tk_show_begin(struct tk_show *s);

/* tk_show_domain writes one domain's judgement. */
void tk_show_domain(struct tk_show *s, const struct tk_observation *obs,
                    const struct tk_judgement *j);

/* tk_show_domain_json returns the --format json object of one domain as
 * text (malloc'd; *len its length), for the store to keep; NULL when out
 * of memory. The probes' timings are left out: a snapshot keeps what
 * was found (its scan says when), so hosts found as before make the
 * same content, which the store keeps once. */
char *tk_show_domain_json(const struct tk_observation *obs, const struct tk_judgement *j,
                          size_t *len);

/* tk_show_text writes one domain as a table (show_text.c). */
void tk_show_text(struct tk_show *s, const struct tk_observation *obs,
                  const struct tk_judgement *j);

/* tk_show_end writes the closing summary (text only). */
void tk_show_end(struct tk_show *s, unsigned long rejected);

/* tk_show_progress draws "checked N of M" on a terminal's stderr line;
 * total 0 when unknown. done ends the line. */
void tk_show_progress(FILE *tty, unsigned long finished, unsigned long total, bool done);

#endif
