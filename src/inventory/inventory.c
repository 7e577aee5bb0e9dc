/*
 * NAME
 *	inventory.c - read the CSV inventory one bounded line at a time
 * DIAGNOSTICS
 *	Errors name the file and line: "inventory.csv:12: ...".
 */
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "inventory/inventory.h"

enum inv_column {
    COL_DOMAIN,
    COL_AGENCY,
    COL_PROFILE,
    COL_SELECTORS,
    COL_CONTACT,
    COL_BULK,
    COL_N
};

static const char *const inv_column_names[COL_N] = {
    "domain", "agency", "profile", "dkim_selectors", "contact", "bulk",
};

struct tk_inventory {
    FILE *f;
    char name[256];
    unsigned long lineno;
    int col[COL_N]; /* field index of each column, -1 when absent */
    char line[TK_CSV_LINE_MAX + 2];
    struct tk_buf fields_storage;
    char selectors[TK_CSV_LINE_MAX + 1];
};

bool tk_profile_parse(const char *text, enum tk_profile *out)
{
    if (text[0] == '\0')
        *out = TK_PROFILE_UNSET;
    else if (tk_ascii_strcaseeq(text, "email"))
        *out = TK_PROFILE_EMAIL;
    else if (tk_ascii_strcaseeq(text, "parked"))
        *out = TK_PROFILE_PARKED;
    else
        return false;
    return true;
}

/* inv_error_at prefixes err's message with the file and line. */
static enum tk_status inv_error_at(const struct tk_inventory *inv, enum tk_status st,
                                   struct tk_error *err)
{
    char msg[TK_ERROR_MSG_MAX];

    snprintf(msg, sizeof(msg), "%s", err->msg);
    return tk_error_set(err, st, "%s:%lu: %s", inv->name, inv->lineno, msg);
}

/* inv_read_line reads one line without its ending; TK_ABSENT at EOF,
 * TK_LIMIT (and skips the rest) when it is longer than TK_CSV_LINE_MAX
 * bytes without its ending. Byte by byte, not fgets: a NUL in the line
 * must neither cut it short nor make the reader skip the line after. */
static enum tk_status inv_read_line(struct tk_inventory *inv, size_t *len)
{
    size_t n = 0;
    bool over = false;
    int ch;

    while ((ch = getc(inv->f)) != EOF && ch != '\n') {
        if (n < sizeof(inv->line) - 1)
            inv->line[n++] = (char)ch;
        else
            over = true;
    }
    if (ch == EOF && n == 0)
        return TK_ABSENT;
    inv->lineno++;
    while (n > 0 && inv->line[n - 1] == '\r')
        n--;
    inv->line[n] = '\0';
    if (over || n > TK_CSV_LINE_MAX)
        return TK_LIMIT;
    *len = n;
    return TK_OK;
}

/* inv_read_data_line reads the next line that is not blank or a comment. */
static enum tk_status inv_read_data_line(struct tk_inventory *inv, size_t *len)
{
    enum tk_status st;

    while ((st = inv_read_line(inv, len)) == TK_OK)
        if (*len > 0 && inv->line[0] != '#')
            break;
    return st;
}

static enum tk_status inv_header(struct tk_inventory *inv, struct tk_error *err)
{
    const char *fields[TK_CSV_FIELDS_MAX];
    size_t len, n, i, c;
    enum tk_status st;

    if ((st = inv_read_data_line(inv, &len)) == TK_LIMIT)
        return tk_error_set(err, TK_INVALID, "%s:%lu: header row longer than %d bytes", inv->name,
                            inv->lineno, TK_CSV_LINE_MAX);
    if (st != TK_OK)
        return tk_error_set(err, TK_INVALID, "%s: no header row", inv->name);
    if ((st = tk_csv_split(inv->line, len, &inv->fields_storage, fields, TK_CSV_FIELDS_MAX, &n,
                           err)) != TK_OK)
        return inv_error_at(inv, st, err);
    for (c = 0; c < COL_N; c++) {
        inv->col[c] = -1;
        for (i = 0; i < n; i++)
            if (tk_ascii_strcaseeq(fields[i], inv_column_names[c]))
                inv->col[c] = (int)i;
    }
    if (inv->col[COL_DOMAIN] < 0)
        return tk_error_set(err, TK_INVALID, "%s:%lu: the header row has no 'domain' column",
                            inv->name, inv->lineno);
    return TK_OK;
}

enum tk_status tk_inventory_open(FILE *f, const char *name, struct tk_inventory **out,
                                 struct tk_error *err)
{
    struct tk_inventory *inv = calloc(1, sizeof(*inv));
    enum tk_status st;

    if (inv == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory");
    inv->f = f;
    snprintf(inv->name, sizeof(inv->name), "%s", name);
    if ((st = inv_header(inv, err)) != TK_OK) {
        tk_inventory_close(inv);
        return st;
    }
    *out = inv;
    return TK_OK;
}

static const char *inv_field(const struct tk_inventory *inv, const char **fields, size_t n,
                             enum inv_column c)
{
    return inv->col[c] >= 0 && (size_t)inv->col[c] < n ? fields[inv->col[c]] : "";
}

/* inv_selectors splits the selectors; more than TK_DKIM_SELECTORS_MAX
 * is an error, not a silent cut (a dropped selector is a key unchecked). */
static bool inv_selectors(struct tk_inventory *inv, const char *text, struct tk_inventory_row *row)
{
    char *save = NULL, *tok;

    snprintf(inv->selectors, sizeof(inv->selectors), "%s", text);
    for (tok = strtok_r(inv->selectors, " \t;", &save); tok; tok = strtok_r(NULL, " \t;", &save)) {
        if (row->nselectors >= TK_DKIM_SELECTORS_MAX)
            return false;
        row->selectors[row->nselectors++] = tok;
    }
    return true;
}

static enum tk_status inv_row(struct tk_inventory *inv, const char **fields, size_t n,
                              struct tk_inventory_row *row, struct tk_error *err)
{
    const char *profile = inv_field(inv, fields, n, COL_PROFILE);
    const char *bulk = inv_field(inv, fields, n, COL_BULK);

    memset(row, 0, sizeof(*row));
    row->domain = inv_field(inv, fields, n, COL_DOMAIN);
    row->agency = inv_field(inv, fields, n, COL_AGENCY);
    row->contact = inv_field(inv, fields, n, COL_CONTACT);
    if (!tk_profile_parse(profile, &row->profile))
        return tk_error_set(err, TK_INVALID, "%s:%lu: profile '%.40s' is not email or parked",
                            inv->name, inv->lineno, profile);
    row->bulk = tk_ascii_strcaseeq(bulk, "yes") || tk_ascii_strcaseeq(bulk, "true") ||
                strcmp(bulk, "1") == 0;
    if (!inv_selectors(inv, inv_field(inv, fields, n, COL_SELECTORS), row))
        return tk_error_set(err, TK_LIMIT, "%s:%lu: more than %d DKIM selectors", inv->name,
                            inv->lineno, TK_DKIM_SELECTORS_MAX);
    if (row->domain[0] == '\0')
        return tk_error_set(err, TK_INVALID, "%s:%lu: no domain", inv->name, inv->lineno);
    return TK_OK;
}

enum tk_status tk_inventory_next(struct tk_inventory *inv, struct tk_inventory_row *row,
                                 struct tk_error *err)
{
    const char *fields[TK_CSV_FIELDS_MAX];
    size_t len, n;
    enum tk_status st;

    st = inv_read_data_line(inv, &len);
    if (st == TK_ABSENT)
        return TK_ABSENT;
    if (st == TK_LIMIT)
        return tk_error_set(err, TK_LIMIT, "%s:%lu: line longer than %d bytes", inv->name,
                            inv->lineno, TK_CSV_LINE_MAX);
    st = tk_csv_split(inv->line, len, &inv->fields_storage, fields, TK_CSV_FIELDS_MAX, &n, err);
    if (st != TK_OK)
        return inv_error_at(inv, st, err);
    return inv_row(inv, fields, n, row, err);
}

void tk_inventory_close(struct tk_inventory *inv)
{
    if (inv == NULL)
        return;
    tk_buf_free(&inv->fields_storage);
    free(inv);
}
