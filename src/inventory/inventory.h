/*
 * NAME
 *	inventory.h - the CSV inventory of domains to check
 * DESCRIPTION
 *	A header row names the columns: domain (required), agency, profile
 *	(empty, "email" or "parked"), dkim_selectors (space-separated),
 *	contact, bulk ("yes"/"true"/"1"). Columns may come in any order;
 *	unknown columns are ignored. Fields follow RFC 4180 (double quotes,
 *	"" inside quotes). Blank lines and lines starting '#' are skipped.
 *	tk_csv_split is the pure parser of one line; the reader feeds it
 *	one bounded line at a time, so a file of any size streams.
 * STANDARDS
 *	RFC 4180.
 * LIMITS
 *	TK_CSV_LINE_MAX bytes a line, TK_CSV_FIELDS_MAX fields,
 *	TK_DKIM_SELECTORS_MAX selectors a domain.
 */
#ifndef TIAKI_INVENTORY_INVENTORY_H
#define TIAKI_INVENTORY_INVENTORY_H

#include <stdbool.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"
#include "observe/observation.h"

/* tk_csv_split splits one line (no line ending) into fields, unquoting
 * them into storage (which it resets and fills); fields[i] point into
 * storage. Returns TK_OK, TK_INVALID (an unterminated quote, text after
 * a closing quote, a NUL byte; err says where) or TK_LIMIT. */
enum tk_status tk_csv_split(const char *line, size_t len, struct tk_buf *storage,
                            const char **fields, size_t max, size_t *nfields, struct tk_error *err);

struct tk_inventory_row {
    const char *domain;
    const char *agency;
    const char *contact;
    enum tk_profile profile;
    bool bulk;
    size_t nselectors;
    const char *selectors[TK_DKIM_SELECTORS_MAX];
};

struct tk_inventory;

/* tk_inventory_open reads the header row of f. Returns TK_OK, TK_INVALID
 * (no header row, a malformed one, or no domain column; err says which)
 * or TK_LIMIT (more than TK_CSV_FIELDS_MAX columns). A read error looks
 * like the end of the file. */
enum tk_status tk_inventory_open(FILE *f, const char *name, struct tk_inventory **out,
                                 struct tk_error *err);

/* tk_inventory_next fills row from the next data line: TK_OK, TK_ABSENT
 * at the end, or TK_INVALID/TK_LIMIT for a bad line (err names the line;
 * the next call goes on with the line after; more than
 * TK_DKIM_SELECTORS_MAX selectors is TK_LIMIT). Row strings live until the
 * next call. */
enum tk_status tk_inventory_next(struct tk_inventory *inv, struct tk_inventory_row *row,
                                 struct tk_error *err);

void tk_inventory_close(struct tk_inventory *inv);

/* tk_profile_parse maps "email"/"parked"/"" to a profile; false if
 * neither. */
bool tk_profile_parse(const char *text, enum tk_profile *out);

#endif
