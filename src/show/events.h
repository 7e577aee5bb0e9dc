/*
 * NAME
 *	events.h - change events for people and programs: text, JSON Lines, CSV
 * DESCRIPTION
 *	One line (or block) per event, as `tiaki changes` lists them. Evidence
 *	came from the internet: it is escaped here like every record show/
 *	prints.
 */
#ifndef TIAKI_SHOW_EVENTS_H
#define TIAKI_SHOW_EVENTS_H

#include <stdio.h>

#include "show/show.h"
#include "store/store.h"

struct tk_events_show {
    FILE *out;
    enum tk_format format;
    unsigned long shown;
};

void tk_events_show_begin(struct tk_events_show *s); /* CSV header */
void tk_events_show_row(struct tk_events_show *s, const struct tk_event_row *r);
void tk_events_show_end(struct tk_events_show *s); /* text: a count line */

#endif
