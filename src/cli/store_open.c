/*
 * NAME
 *	store_open.c - opening the store and importing an inventory, for commands
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/config.h"
#include "cli/store_open.h"
#include "core/text.h"
#include "inventory/inventory.h"

int cli_store_open(const char *prog, const char *db, struct tk_store **out)
{
    char url[TK_STORE_URL_MAX], shown[TK_STORE_URL_MAX];
    struct tk_error err = {0};
    enum tk_status st;

    if (db == NULL && tk_cli_config.db[0])
        db = tk_cli_config.db;
    if (db == NULL) {
        if (tk_store_default_url(url, sizeof(url), &err) != TK_OK) {
            fprintf(stderr, "tiaki %s: %s\n", prog, err.msg);
            return 3;
        }
        db = url;
    }
    if ((st = tk_store_open(db, out, &err)) == TK_OK)
        return -1;
    tk_store_url_redacted(db, shown, sizeof(shown));
    fprintf(stderr, "tiaki %s: %s\n", prog, err.msg[0] ? err.msg : shown);
    return st == TK_USAGE ? 2 : 3;
}

/* import_row turns one inventory row into a store domain. */
static void import_row(const struct tk_inventory_row *row, struct tk_store_domain *d)
{
    size_t i, used = 0;

    memset(d, 0, sizeof(*d));
    tk_strlcpy(d->domain, row->domain, sizeof(d->domain));
    tk_strlcpy(d->agency, row->agency ? row->agency : "", sizeof(d->agency));
    tk_strlcpy(d->contact, row->contact ? row->contact : "", sizeof(d->contact));
    d->profile = row->profile;
    d->bulk = row->bulk;
    for (i = 0; i < row->nselectors && used + 1 < sizeof(d->selectors); i++)
        used += (size_t)snprintf(d->selectors + used, sizeof(d->selectors) - used, "%s%s",
                                 i ? " " : "", row->selectors[i]);
}

int cli_inventory_import(struct tk_store *s, const char *path, bool quiet)
{
    struct tk_inventory *inv = NULL;
    struct tk_inventory_row row;
    struct tk_store_domain d;
    struct tk_error err = {0};
    unsigned long added = 0, updated = 0, refused = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    enum tk_status st;
    bool created;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "tiaki: cannot open inventory %s: %m\n", path);
        return 2;
    }
    if (tk_inventory_open(f, path, &inv, &err) != TK_OK) {
        fprintf(stderr, "tiaki: %s\n", err.msg);
        rc = 2;
    }
    while (rc == 0 && (st = tk_inventory_next(inv, &row, &err)) != TK_ABSENT) {
        if (st != TK_OK) {
            tk_text_sanitise(err.msg);
            fprintf(stderr, "tiaki: %s\n", err.msg);
            refused++;
            continue;
        }
        import_row(&row, &d);
        if (tk_store_domain_put(s, &d, &created, &err) != TK_OK) {
            fprintf(stderr, "tiaki: %s\n", err.msg);
            rc = 3;
            break;
        }
        created ? added++ : updated++;
    }
    tk_inventory_close(inv);
    if (f != stdin)
        fclose(f);
    if (!quiet && rc == 0)
        printf("inventory %s: %lu added, %lu updated, %lu refused\n", path, added, updated,
               refused);
    return rc ? rc : refused ? 1 : 0;
}

bool cli_parse_time(const char *text, int64_t *out)
{
    struct tm tm;
    const char *end;
    long secs;

    if (tk_duration_parse(text, &secs)) {
        *out = (int64_t)time(NULL) - secs;
        return true;
    }
    memset(&tm, 0, sizeof(tm));
    if ((end = strptime(text, "%Y-%m-%d", &tm)) == NULL)
        return false;
    if (*end == 'T' || *end == ' ') {
        const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);

        end = e2 ? e2 : strptime(end + 1, "%H:%M", &tm);
        if (end == NULL)
            return false;
    }
    if (*end == 'Z')
        end++;
    if (*end != '\0')
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}
