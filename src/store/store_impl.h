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
 *	one for its rule states, PostgreSQL with one statement per batch.
 * SECURITY
 *	No value is ever formatted into SQL text.
 */
#ifndef TIAKI_STORE_STORE_IMPL_H
#define TIAKI_STORE_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    ST_QUEUE_CLAIM,
    ST_QUEUE_RELEASE,
    ST_RULE_STATES,
    ST_DOMAIN_SEEN,
    ST_EVENT_INSERT,
    ST_ALERT_INSERT,
    ST_QUEUE_DONE,
    ST_SCAN_BUMP,
    ST_LATEST_FINDINGS,
    ST_EVENTS,
    ST_ALERTS_DUE,
    ST_ALERTS_ALL,
    ST_ALERT_SENT,
    ST_ALERT_FAILED,
    ST_REPORT_PUT,
    ST_REPORT_LAST,
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

/* ---- the back-end interface ---- */

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
    /* keep n snapshots (already checked) in one transaction, each whole */
    enum tk_status (*snapshot_put)(struct tk_store *s, int64_t scan_id,
                                   const struct tk_snapshot_put *puts, size_t n,
                                   struct tk_error *err);
    void (*close)(struct tk_store *s);
    /* row accessors for this back end's rows */
    int64_t (*col_int)(const struct st_row *r, int col);
    const char *(*col_text)(const struct st_row *r, int col);
    bool (*col_null)(const struct st_row *r, int col);
};

/* What every back end's connection starts with. */
struct tk_store {
    const struct st_backend *be;
    char where[TK_STORE_URL_MAX]; /* the URL without its password */
    int schema_version;
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
#define ST_SCHEMA_VERSION 1

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

/* st_one_line copies a library's message to out on one line: newlines
 * and tabs become spaces, runs of spaces one, the ends trimmed. */
void st_one_line(const char *msg, char *out, size_t outlen);

#endif
