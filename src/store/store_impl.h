/*
 * NAME
 *	store_impl.h - inside the store: back ends, statements, parameters
 * DESCRIPTION
 *	The public functions of store.h are written once (store.c and
 *	store_query.c) over a small interface each back end provides: run
 *	a numbered statement with typed parameters and walk its rows, and
 *	begin, commit or roll back a transaction. Statements are kept by
 *	number (enum st_id) and prepared once per connection, so every value
 *	reaches the database as a bound parameter and the SQL text is
 *	fixed at compile time.
 *
 *	SQL is written with PostgreSQL's $N placeholders; the SQLite back
 *	end prepares it with ?N (the same numbered parameter). Where the two
 *	dialects differ a statement has a PostgreSQL text of its own.
 *	Times are Unix seconds (BIGINT / INTEGER) on both back ends, as in
 *	the API; booleans are 0/1 in SQLite and boolean in PostgreSQL (the
 *	row accessors read both).
 *
 *	Each back end keeps snapshots its own way, where speed matters most:
 *	SQLite with one multi-row statement for a snapshot's findings and
 *	one for its rule states, PostgreSQL with one statement per batch;
 *	and DMARC records likewise (struct st_dmarc_batch): SQLite in
 *	multi-row statements, PostgreSQL by COPY.
 * SECURITY
 *	No value is ever formatted into SQL text.
 */
#ifndef TIAKI_STORE_STORE_IMPL_H
#define TIAKI_STORE_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

/* Every statement the store runs. */
enum st_id {
    ST_AGENCY_ADD,
    ST_AGENCY_ID,
    ST_DOMAIN_GET,
    ST_DOMAIN_INSERT,
    ST_DOMAIN_UPDATE,
    ST_DOMAIN_REMOVE,
    ST_QUEUE_DROP_DOMAIN,
    ST_DOMAINS_LIST,
    ST_SCAN_LOCK,
    ST_SCAN_RUNNING,
    ST_SCAN_GET,
    ST_SCAN_CLOSE_RUNNING,
    ST_SCAN_INSERT,
    ST_QUEUE_FILL,
    ST_QUEUE_ANALYZE,
    ST_SCAN_SET_TOTAL,
    ST_SCAN_FINISH,
    ST_QUEUE_DELETE_SCAN,
    ST_SCAN_UNCOUNT,
    ST_SCAN_OPEN,
    ST_QUEUE_CLAIM,
    ST_QUEUE_DOMAINS,
    ST_QUEUE_CLOSE,
    ST_QUEUE_RELEASE,
    ST_QUEUE_WORKERS,
    ST_RULE_STATES_MANY,
    ST_DOMAIN_SEEN,
    ST_EVENT_INSERT,
    ST_ALERT_INSERT,
    ST_SCAN_BUMP,
    ST_NEWEST_CONTENT,
    ST_LATEST_FINDINGS,
    ST_EVENTS,
    ST_ALERTS_DUE,
    ST_ALERTS_ALL,
    ST_ALERT_SENT,
    ST_ALERT_FAILED,
    ST_REPORT_PUT,
    ST_REPORT_LAST,
    /* DMARC and TLS-RPT reports (store_reports.c) */
    ST_DMARC_REPORT_INSERT,
    ST_DMARC_REPORT_TOTALS,
    ST_TLSRPT_REPORT_INSERT,
    ST_TLSRPT_POLICY_INSERT,
    ST_TLSRPT_FAILURE_INSERT,
    ST_DMARC_DAYS,
    ST_DMARC_SOURCES,
    ST_TLSRPT_FAILURES,
    ST_DKIM_SELECTORS,
    ST_DKIM_SELECTOR_PUT,
    ST_REPORT_COUNTS,
    ST_N
};

/* The text of statement id for the back end ("sqlite" or "postgresql"). */
const char *st_sql(enum st_id id, bool postgresql);

/* ---- parameters ---- */

enum st_type {
    ST_NULL,
    ST_INT,
    ST_TEXT,
};

struct st_param {
    enum st_type type;
    int64_t i;
    const char *s; /* ST_TEXT: len bytes, no NUL among them */
    size_t len;
};

struct st_param st_int(int64_t i);
struct st_param st_text(const char *s);              /* NULL: SQL NULL */
struct st_param st_textn(const char *s, size_t len); /* len bytes of s */
struct st_param st_text_or_null(const char *s);      /* "" or NULL: SQL NULL */

/* ---- rows ---- */

struct st_row;

/* A row of a result, read by column number (from 0). Text of a NULL is
 * "", its integer 0. The text stays valid until the callback returns. */
int64_t st_col_int(const struct st_row *r, int col);
const char *st_col_text(const struct st_row *r, int col);
bool st_col_null(const struct st_row *r, int col);

/* Called once per row; false stops the walk (the statement still
 * completes without error). */
typedef bool (*st_row_fn)(void *arg, const struct st_row *r);

/* ---- DMARC records on their way to the back end ---- */

/* Records of the open DMARC report are gathered here and handed to the
 * back end in batches (each back end writes a batch its fastest way:
 * SQLite in multi-row INSERTs, PostgreSQL in a COPY left running while
 * the next batch is parsed).
 * Strings live in text, each NUL-terminated, and are named by their
 * offset in it; enumerated values are fixed names.
 *
 * A record is (report, n), n counting from 1 in the order the records
 * came. Its auth results are numbered 1.. within it, DKIM first, then
 * SPF. The first DKIM and the first SPF result (nearly every record has
 * one of each, and most no more) are columns of the record's own row;
 * the others are rows of dmarc_auth: a record is then one row to write
 * rather than three, which is most of the cost of keeping it (the view
 * dmarc_results shows them all as rows). */
/* Records in a batch. Small, because a report's last batch is written
 * when it is committed, on the caller's thread: most reports hold a
 * few thousand records or fewer, and with batches of 1,024 a third of
 * bench/report-ingest's records were written that way, not beside the
 * parse (4% with 128; 300 MB ingested in 5.6 to 6.4 s rather than 6.6
 * to 7.3 s). Handing a batch over costs a wake-up (SQLite) or a round
 * trip (PostgreSQL's COPY), small beside 128 records. */
#define ST_DMARC_BATCH_RECORDS 128
/* Auth results beyond the first of their kind, in a batch: a record
 * has at most 2 * (TK_DMARC_XML_AUTH_MAX - 1), so a batch is handed
 * over early rather than outgrow this. */
#define ST_DMARC_BATCH_AUTH 1024
/* Bytes of text of a batch (a record holds at most about 20 KB). */
#define ST_DMARC_BATCH_TEXT ((size_t)1 << 20)

struct st_dmarc_rec {
    int64_t n;
    int64_t count;
    const char *disposition, *dkim, *spf; /* policy_evaluated, fixed names */
    size_t source_ip, header_from, envelope_from, envelope_to, reasons; /* in text */
    /* how many results of each kind, and the first of each ("" when
     * there is none) */
    int64_t dkim_results, spf_results;
    size_t dkim_domain, dkim_selector, spf_domain; /* in text */
    const char *dkim_result, *spf_scope, *spf_result;
};

/* An auth result past the first of its kind. */
struct st_dmarc_auth {
    int64_t record; /* its record's n */
    int64_t n;
    const char *kind;        /* "dkim", "spf" */
    const char *scope;       /* SPF: "helo", "mfrom", "other" or "" */
    const char *result;      /* tk_dmarc_xml_auth_name */
    size_t domain, selector; /* in text */
};

struct st_dmarc_batch {
    size_t nrec, nauth;
    struct st_dmarc_rec rec[ST_DMARC_BATCH_RECORDS];
    struct st_dmarc_auth auth[ST_DMARC_BATCH_AUTH];
    struct tk_buf text;
};

/* The offset of "" (which takes no room in text). */
#define ST_DMARC_EMPTY SIZE_MAX

/* st_dmarc_text is the string at offset off of the batch's text. */
static inline const char *st_dmarc_text(const struct st_dmarc_batch *b, size_t off)
{
    return off == ST_DMARC_EMPTY ? "" : b->text.data + off;
}

/* Distinct DKIM selectors of the policy domain gathered in a report
 * before they are written to dmarc_selectors (a report has one or two;
 * more are written when this many have gathered). */
#define ST_DMARC_SELECTORS 16

/* The open DMARC report (NULL in struct tk_store when none). */
struct st_dmarc {
    int64_t report;                 /* dmarc_reports.id; 0: none open */
    char domain[TK_DOMAIN_MAX + 2]; /* its policy domain, ASCII lower case */
    size_t nselectors;              /* selectors of d=domain, lower case */
    char selectors[ST_DMARC_SELECTORS][TK_DOMAIN_MAX + 2];
    /* the report's sums so far, kept on its row at commit */
    int64_t records, messages, dmarc_pass, spf_aligned_pass, dkim_aligned_pass;
    /* one batch is filled while the back end may still be writing the
     * other */
    struct st_dmarc_batch batch[2];
    int cur; /* the one being filled */
};

/* ---- the back-end interface ---- */

/* A snapshot's content as it is to be kept: its digest (SHA-256, in
 * hex, of its observation and findings), and the snapshot already
 * holding the same content, when its domain's newest does (0: none; it
 * keeps its own). A snapshot that shares keeps no observation or
 * findings: its content_id names the one that has them. */
struct st_content {
    char digest[TK_STORE_DIGEST_HEX + 1];
    int64_t shared;
};

struct st_backend {
    const char *name; /* "sqlite", "postgresql" */
    /* run statement id with params; each (may be NULL) per row;
     * *changes (may be NULL): rows inserted, updated or deleted. */
    enum tk_status (*query)(struct tk_store *s, enum st_id id, const struct st_param *p, size_t np,
                            st_row_fn each, void *arg, int64_t *changes, struct tk_error *err);
    /* a write transaction (SQLite: BEGIN IMMEDIATE). */
    enum tk_status (*begin)(struct tk_store *s, struct tk_error *err);
    enum tk_status (*commit)(struct tk_store *s, struct tk_error *err);
    void (*rollback)(struct tk_store *s);
    /* keep n snapshots (already checked) in one transaction, each
     * whole, and close the queue's batches close[0..nclose) in it;
     * content[i] says how puts[i]'s content is kept */
    enum tk_status (*snapshot_put)(struct tk_store *s, int64_t scan_id,
                                   const struct tk_snapshot_put *puts,
                                   const struct st_content *content, size_t n, const int64_t *close,
                                   size_t nclose, struct tk_error *err);
    /* keep a batch of the open DMARC report's records and their auth
     * results (within the report's transaction). The back end may still
     * be writing when it returns, and reading b until its next call
     * returns: the server (PostgreSQL) or a thread of its own (SQLite)
     * writes one batch while the next is parsed, and every call settles
     * what is in flight first (an error of it is that call's). last: the
     * report's last batch (may be empty), after which everything is
     * written, or an error said. */
    enum tk_status (*dmarc_put)(struct tk_store *s, int64_t report, const struct st_dmarc_batch *b,
                                bool last, struct tk_error *err);
    void (*close)(struct tk_store *s);
    /* row accessors for this back end's rows */
    int64_t (*col_int)(const struct st_row *r, int col);
    const char *(*col_text)(const struct st_row *r, int col);
    bool (*col_null)(const struct st_row *r, int col);
};

/* st_tx_end ends the transaction a body ran in: commit when st is
 * TK_OK, else roll back; returns the outcome. Every back end and query
 * ends its transactions this way. */
struct tk_store;
enum tk_status st_tx_end(struct tk_store *s, enum tk_status st, struct tk_error *err);

/* What every back end's connection starts with. */
struct tk_store {
    const struct st_backend *be;
    char where[TK_STORE_URL_MAX]; /* the URL without its password */
    int schema_version;
    struct st_dmarc *dmarc; /* the DMARC report being kept, or NULL */
};

/* A row: the back end's own handle and row number. */
struct st_row {
    const struct st_backend *be;
    void *h;
    int row;
};

/* Opening: path is the file (SQLite) or url the whole URL (PostgreSQL);
 * where is the redacted URL for messages. */
enum tk_status st_sqlite_open(const char *path, const char *where, struct tk_store **out,
                              struct tk_error *err);
enum tk_status st_pg_open(const char *url, const char *where, struct tk_store **out,
                          struct tk_error *err);

/* ---- shared helpers (store.c) ---- */

/* The newest schema version this tiaki knows (both back ends have as
 * many migrations). */
#define ST_SCHEMA_VERSION 6

/* st_queue_close closes the scan's batches ns[0..n) (a claim's that is
 * found empty, or one a worker kept the last domain of). */
enum tk_status st_queue_close(struct tk_store *s, int64_t scan_id, const int64_t *ns, size_t n,
                              struct tk_error *err);

/* st_now is the wall clock in Unix seconds. */
int64_t st_now(void);

/* st_run is s->be->query. st_exec runs a statement without rows. */
enum tk_status st_run(struct tk_store *s, enum st_id id, const struct st_param *p, size_t np,
                      st_row_fn each, void *arg, int64_t *changes, struct tk_error *err);
enum tk_status st_exec(struct tk_store *s, enum st_id id, const struct st_param *p, size_t np,
                       int64_t *changes, struct tk_error *err);

/* The names the store keeps for enums, and back. */
const char *st_scan_state_name(enum tk_scan_state st);
bool st_scan_state_parse(const char *name, enum tk_scan_state *out);
const char *st_channel_name(enum tk_alert_channel c);
bool st_channel_parse(const char *name, enum tk_alert_channel *out);
const char *st_alert_state_name(enum tk_alert_state st);
bool st_alert_state_parse(const char *name, enum tk_alert_state *out);
bool st_verdict_parse(const char *name, enum tk_verdict *out);

/* st_rule_order is ",ID1,ID2,...," of the rule table (tk_rules), bound
 * to the statements that order findings the way the table does. */
const char *st_rule_order(void);

/* st_put_events keeps a snapshot's events and, for each regression,
 * one pending alert per target (next attempt: now). */
enum tk_status st_put_events(struct tk_store *s, int64_t scan_id, const struct tk_snapshot_put *pu,
                             int64_t now, struct tk_error *err);

/* st_text_ok: a string member of size bytes holds a terminated string
 * of well-formed UTF-8 (what PostgreSQL takes, so both back ends keep
 * the same things). */
bool st_text_ok(const char *s, size_t size);

/* st_dmarc_close ends the open DMARC report (rolling its transaction
 * back) and frees it: tk_store_close calls it. */
void st_dmarc_close(struct tk_store *s);

/* st_one_line copies a library's message to out on one line: newlines
 * and tabs become spaces, runs of spaces one, the ends trimmed. */
void st_one_line(const char *msg, char *out, size_t outlen);

#endif
