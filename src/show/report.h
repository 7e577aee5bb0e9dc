/*
 * NAME
 *	show/report.h - the compliance report for people and programs
 * DESCRIPTION
 *	Renders a struct tk_report (monitor/report.h) in one of three
 *	formats:
 *	html	one self-contained page for the central team and agency
 *		CIOs: inline CSS and SVG charts, no script, nothing fetched;
 *		made to be printed (A4, black on white).
 *	csv	the figures: one row per agency and rule (RFC 4180).
 *	json	one object: the figures, the trend and the non-compliant
 *		domains with what to change.
 *	What each holds, and why, is in the SYNOPSIS of show/report.c.
 */
#ifndef TIAKI_SHOW_REPORT_H
#define TIAKI_SHOW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "monitor/report.h"

enum tk_report_format {
    TK_REPORT_HTML,
    TK_REPORT_CSV,
    TK_REPORT_JSON,
};

/* tk_report_format_parse maps "html", "csv" and "json"; false for
 * anything else (out untouched). */
bool tk_report_format_parse(const char *name, enum tk_report_format *out);

/* tk_report_write writes the whole report r to out in format f. Every
 * string of r is escaped for the format (and made valid UTF-8) whatever
 * it holds. Write errors are the caller's to see: ferror(out). */
void tk_report_write(FILE *out, enum tk_report_format f, const struct tk_report *r);

#endif
