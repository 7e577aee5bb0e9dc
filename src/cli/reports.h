/*
 * NAME
 *	reports.h - the parts of tiaki reports (private to cli/)
 */
#ifndef TIAKI_CLI_REPORTS_H
#define TIAKI_CLI_REPORTS_H

#include <stdbool.h>

#include "cli/config.h"
#include "reports/dmarc_xml.h"
#include "reports/imap.h"
#include "reports/payload.h"
#include "reports/source.h"
#include "reports/tlsrpt_json.h"
#include "store/store_reports.h"

struct reports_options {
    const char *db;
    const char *domain;
    int64_t since;
    int format; /* enum tk_format */
    bool quiet;
    struct tk_payload_limits limits;
    const char *ca_file;      /* IMAP */
    const char *imap_connect; /* IMAP: the address to connect to */
    const char *move_to;      /* IMAP: where processed mail goes */
    bool imap_all;            /* IMAP: every message, not only unseen ones */
    bool no_selectors;        /* ingest: do not add selectors to the inventory */
};

struct reports_ingest_stats {
    unsigned long files, mails, dmarc, tlsrpt, duplicates, rejected, skipped;
    unsigned long long records, messages;
    unsigned long selectors_added;
};

/* reports_ingest keeps every report of the sources; returns -1 when all
 * went through (bad payloads are counted and reported), 1 when a source
 * could not be read, 2 for a usage error, 3 when the store failed. */
int reports_ingest(struct tk_store *s, char **sources, size_t n, const struct reports_options *o,
                   struct reports_ingest_stats *st);

#endif
