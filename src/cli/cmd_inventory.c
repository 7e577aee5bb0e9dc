/*
 * NAME
 *	cmd_inventory.c - tiaki inventory: the domains the store monitors
 * SYNOPSIS
 *	tiaki inventory import FILE [--db URL]
 *	tiaki inventory list [--agency NAME] [--format text|csv] [--db URL]
 *	tiaki inventory add DOMAIN [--agency NAME] [--contact ADDR]
 *	        [--profile email|parked] [--selectors "S1 S2"] [--bulk] [--db URL]
 *	tiaki inventory remove DOMAIN [--db URL]
 * DESCRIPTION
 *	The inventory is what `tiaki scan` checks. import reads the CSV of
 *	`tiaki check --inventory` (adding new domains, updating known ones);
 *	list prints it (csv: the same columns, so it can be imported back);
 *	remove keeps the domain's history but stops scanning it.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 when some import lines were refused or the
 *	domain to remove is not in the inventory, 2 for a usage error, 3
 *	when the store failed.
 */
#include <getopt.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/engine.h"
#include "cli/store_open.h"
#include "core/domain.h"
#include "core/text.h"
#include "inventory/inventory.h"

#define PROG "inventory"

struct inv_options {
    const char *db;
    const char *agency;
    const char *contact;
    const char *selectors;
    enum tk_profile profile;
    bool bulk;
    bool csv;
};

static void inv_usage(FILE *out)
{
    fprintf(out,
            "usage: tiaki inventory import FILE [--db URL]\n"
            "       tiaki inventory list [--agency NAME] [--format text|csv] [--db URL]\n"
            "       tiaki inventory add DOMAIN [--agency NAME] [--contact ADDR]\n"
            "               [--profile email|parked] [--selectors \"S1 S2\"] [--bulk] [--db URL]\n"
            "       tiaki inventory remove DOMAIN [--db URL]\n"
            "\n"
            "The domains `tiaki scan` checks, each with its agency, contact, profile\n"
            "(empty: inferred), DKIM selectors and bulk-mail flag. import reads the CSV of\n"
            "`tiaki check --inventory` (header: domain,agency,profile,dkim_selectors,\n"
            "contact[,bulk]); list --format csv writes the same. remove keeps the\n"
            "domain's history.\n");
}

enum { OPT_DB = 256, OPT_AGENCY, OPT_CONTACT, OPT_SELECTORS, OPT_BULK };

static const struct option inv_long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"agency", required_argument, NULL, OPT_AGENCY},
    {"contact", required_argument, NULL, OPT_CONTACT},
    {"selectors", required_argument, NULL, OPT_SELECTORS},
    {"profile", required_argument, NULL, 'p'},
    {"bulk", no_argument, NULL, OPT_BULK},
    {"format", required_argument, NULL, 'f'},
    {"config", required_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int inv_option(struct inv_options *o, int c, const char *arg)
{
    switch (c) {
    case OPT_DB:
        o->db = arg;
        break;
    case OPT_AGENCY:
        o->agency = arg;
        break;
    case OPT_CONTACT:
        o->contact = arg;
        break;
    case OPT_SELECTORS:
        o->selectors = arg;
        break;
    case OPT_BULK:
        o->bulk = true;
        break;
    case 'p':
        if (!tk_profile_parse(arg, &o->profile))
            return engine_usage_error(PROG, "--profile '%s': use email or parked", arg);
        break;
    case 'f':
        if (strcmp(arg, "csv") != 0 && strcmp(arg, "text") != 0)
            return engine_usage_error(PROG, "--format '%s': use text or csv", arg);
        o->csv = strcmp(arg, "csv") == 0;
        break;
    case 'C':
        break;
    case 'h':
        inv_usage(stdout);
        return 0;
    default:
        return engine_usage_error(PROG, "unknown option or missing argument");
    }
    return -1;
}

static void csv_cell(const char *text, bool last)
{
    bool quote = strpbrk(text, ",\"\r\n") != NULL;

    if (quote)
        putchar('"');
    for (; *text; text++) {
        if (*text == '"')
            putchar('"');
        putchar(*text);
    }
    if (quote)
        putchar('"');
    putchar(last ? '\n' : ',');
}

static bool inv_print(void *arg, const struct tk_store_domain *d)
{
    const struct inv_options *o = arg;

    if (o->csv) {
        csv_cell(d->domain, false);
        csv_cell(d->agency, false);
        csv_cell(tk_profile_name(d->profile), false);
        csv_cell(d->selectors, false);
        csv_cell(d->contact, false);
        csv_cell(d->bulk ? "yes" : "", true);
        return true;
    }
    printf("%-40s %-7s %-5s %s%s%s%s\n", d->domain,
           d->profile == TK_PROFILE_UNSET ? "(infer)" : tk_profile_name(d->profile),
           d->bulk ? "bulk" : "", d->agency[0] ? d->agency : "(no agency)",
           d->contact[0] ? " <" : "", d->contact, d->contact[0] ? ">" : "");
    return true;
}

static int inv_list(struct tk_store *s, struct inv_options *o)
{
    struct tk_error err = {0};

    if (o->csv)
        printf("domain,agency,profile,dkim_selectors,contact,bulk\n");
    if (tk_store_domains(s, o->agency, inv_print, o, &err) != TK_OK) {
        fprintf(stderr, "tiaki inventory: %s\n", err.msg);
        return 3;
    }
    return 0;
}

static int inv_add(struct tk_store *s, struct inv_options *o, const char *name)
{
    struct tk_store_domain d;
    struct tk_error err = {0};
    bool created;

    memset(&d, 0, sizeof(d));
    if (tk_domain_normalise(name, strlen(name), d.domain, &err) != TK_OK)
        return engine_usage_error(PROG, "%s", err.msg);
    if (strlen(o->agency ? o->agency : "") >= sizeof(d.agency) ||
        strlen(o->contact ? o->contact : "") >= sizeof(d.contact) ||
        strlen(o->selectors ? o->selectors : "") >= sizeof(d.selectors))
        return engine_usage_error(PROG, "--agency, --contact or --selectors is too long");
    tk_strlcpy(d.agency, o->agency ? o->agency : "", sizeof(d.agency));
    tk_strlcpy(d.contact, o->contact ? o->contact : "", sizeof(d.contact));
    tk_strlcpy(d.selectors, o->selectors ? o->selectors : "", sizeof(d.selectors));
    d.profile = o->profile;
    d.bulk = o->bulk;
    if (tk_store_domain_put(s, &d, &created, &err) != TK_OK) {
        fprintf(stderr, "tiaki inventory: %s\n", err.msg);
        return 3;
    }
    printf("%s %s\n", created ? "added" : "updated", d.domain);
    return 0;
}

static int inv_remove(struct tk_store *s, const char *name)
{
    char domain[TK_DOMAIN_MAX + 1];
    struct tk_error err = {0};
    enum tk_status st;

    if (tk_domain_normalise(name, strlen(name), domain, &err) != TK_OK)
        return engine_usage_error(PROG, "%s", err.msg);
    st = tk_store_domain_remove(s, domain, &err);
    if (st == TK_ABSENT) {
        fprintf(stderr, "tiaki inventory: %s is not in the inventory\n", domain);
        return 1;
    }
    if (st != TK_OK) {
        fprintf(stderr, "tiaki inventory: %s\n", err.msg);
        return 3;
    }
    printf("removed %s (its history is kept)\n", domain);
    return 0;
}

int cmd_inventory_main(int argc, char **argv)
{
    struct inv_options o = {0};
    struct tk_store *s = NULL;
    const char *verb, *arg;
    int c, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:f:h", inv_long_options, NULL)) != -1)
        if ((rc = inv_option(&o, c, optarg)) >= 0)
            return rc;
    if (optind >= argc)
        return engine_usage_error(PROG, "say import, list, add or remove");
    verb = argv[optind];
    arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (strcmp(verb, "list") != 0 && (arg == NULL || optind + 2 < argc))
        return engine_usage_error(PROG, "%s takes one argument", verb);
    if (strcmp(verb, "list") != 0 && strcmp(verb, "import") != 0 && strcmp(verb, "add") != 0 &&
        strcmp(verb, "remove") != 0)
        return engine_usage_error(PROG, "unknown action '%s': import, list, add or remove", verb);
    if ((rc = cli_store_open(PROG, o.db, &s)) >= 0)
        return rc;
    if (strcmp(verb, "list") == 0)
        rc = inv_list(s, &o);
    else if (strcmp(verb, "import") == 0)
        rc = cli_inventory_import(s, arg, false);
    else if (strcmp(verb, "add") == 0)
        rc = inv_add(s, &o, arg);
    else
        rc = inv_remove(s, arg);
    tk_store_close(s);
    return rc;
}
