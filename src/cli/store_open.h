/*
 * NAME
 *	store_open.h - opening the store and importing an inventory, for commands
 */
#ifndef TIAKI_CLI_STORE_OPEN_H
#define TIAKI_CLI_STORE_OPEN_H

#include <stdbool.h>

#include "store/store.h"

/* cli_store_open opens the store named by db (NULL: the configuration's
 * [store] db, else the default file), printing any error as
 * "tiaki PROG: ...". Returns -1 (opened) or an exit code: 2 for a URL
 * it cannot use, 3 when the store cannot be reached or created. */
int cli_store_open(const char *prog, const char *db, struct tk_store **out);

/* cli_inventory_import adds or updates every row of the CSV at path
 * ("-": stdin). Prints refused lines to stderr and, unless quiet, a
 * summary. Returns 0, 1 when some lines were refused, 2 when the file
 * cannot be read, 3 when the store failed. */
int cli_inventory_import(struct tk_store *s, const char *path, bool quiet);

/* cli_parse_time reads "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC)
 * or a duration back from now ("24h", "7d") into Unix time. */
bool cli_parse_time(const char *text, int64_t *out);

#endif
