/*
 * NAME
 *	reports_show.h - what the reports say, for people and programs
 * DESCRIPTION
 *	The rows of `tiaki reports summary|sources|readiness|tlsrpt` as a
 *	text table, JSON Lines or CSV. Everything shown came from a report
 *	(attacker-controlled): it is escaped here.
 */
#ifndef TIAKI_SHOW_REPORTS_SHOW_H
#define TIAKI_SHOW_REPORTS_SHOW_H

#include <stdio.h>

#include "reports/readiness.h"
#include "show/show.h"
#include "store/store_reports.h"

struct tk_reports_show {
    FILE *out;
    enum tk_format format;
    unsigned long rows;
};

void tk_reports_show_day(struct tk_reports_show *s, const struct tk_dmarc_day *d);
void tk_reports_show_source(struct tk_reports_show *s, const struct tk_dmarc_source *src,
                            bool legitimate);
void tk_reports_show_readiness(struct tk_reports_show *s, const char *domain,
                               const struct tk_readiness *r);
void tk_reports_show_failure(struct tk_reports_show *s, const struct tk_tlsrpt_failure_row *f);

#endif
