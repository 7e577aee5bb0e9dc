/*
 * NAME
 *	store_sqlite.c - the store in one SQLite file (the default)
 * DESCRIPTION
 *	The file is opened in WAL mode with synchronous=NORMAL: readers
 *	(`tiaki changes`, `tiaki report`) never wait for a scan that writes,
 *	and a commit costs no fsync (WAL with NORMAL is durable across a
 *	crash of the process, and consistent across a power cut, where the
 *	last transactions may be lost whole, never half). Foreign keys are
 *	enforced. Several processes may open the same file: a writer waits
 *	for another up to ST_SQLITE_BUSY_MS (busy_timeout), and every write
 *	transaction is BEGIN IMMEDIATE so it takes the write lock at once
 *	(a deferred one upgraded later can fail without waiting).
 *
 *	Statements are prepared once per connection, on first use, and kept.
 *	One connection is for one thread (SQLITE_OPEN_NOMUTEX): a tk_store
 *	is never shared between threads.
 *
 *	DMARC records: a report's records come in batches (store_reports.c)
 *	written in INSERTs of SQ_DMARC_ROWS rows each, into tables keyed by
 *	(report, n) WITHOUT ROWID, so they are appended in key order. A
 *	batch is written by a thread of the store's own (struct sq_writer)
 *	while the caller parses the next; the thread and the caller never
 *	use the connection at the same time (every entry point waits for
 *	the batch in flight first), which is what SQLITE_OPEN_NOMUTEX asks.
 *
 *	Migrations: migrations[v - 1] takes the schema from version v - 1 to
 *	v. At open, in one BEGIN IMMEDIATE transaction, those not yet in
 *	schema_migrations are applied and recorded; two processes opening a
 *	new file at once take turns.
 * DIAGNOSTICS
 *	"cannot open /path/tiaki.db: unable to open database file";
 *	"/path/tiaki.db is busy: another process has held it for 10 s".
 * LIMITS
 *	SQLite 3.35 or newer (RETURNING, ON CONFLICT DO NOTHING with it).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_impl.h"

/* A writer waits this long for another process's transaction. A scan
 * commits every few milliseconds; an inventory import of thousands of
 * domains takes well under this. */
#define ST_SQLITE_BUSY_MS 10000

/* Pages of 8 KB: a snapshot's observation (about 3 KB of JSON) takes a
 * 4 KB page to itself, where 8 KB pages hold two or three; the file is a
 * fifth smaller and a scan writes fewer pages. */
#define ST_SQLITE_PAGE_SIZE "8192"

/* A checkpoint (copying the WAL into the file, with an fsync each side
 * under synchronous=NORMAL) every 8192 pages (64 MB) rather than every
 * 1000: a scan writing thousands of snapshots a second spends a fifth
 * less time storing. The WAL is cut back to 64 MB after a checkpoint. */
#define ST_SQLITE_CHECKPOINT_PAGES "8192"
#define ST_SQLITE_WAL_LIMIT "67108864"

/* SQL text of a statement after $N -> ?N. */
#define ST_SQL_MAX 4096

/* DMARC records (and auth results) in one INSERT: one statement per
 * row costs a step, a reset and its bindings each; a statement of 64
 * rows (11 columns: 704 parameters, well below SQLite's 32766) keeps
 * about twice as many records a second as one row at a time. */
#define SQ_DMARC_ROWS 64

/* The thread that writes a DMARC report's batches while the caller
 * parses the next (sq_dmarc_put). It and the caller's thread never use
 * the connection at once: every entry point of the back end waits for
 * the batch in flight first (sq_settle). */
struct sq_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running; /* the thread exists (written by the caller's thread only) */
    bool quit;
    bool busy; /* a batch handed over and not written yet */
    int64_t report;
    const struct st_dmarc_batch *batch;
    enum tk_status st; /* how the last batch went, until collected */
    struct tk_error err;
};

struct sqlite_store {
    struct tk_store base;
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_N];
    sqlite3_stmt *tx_begin, *tx_commit, *tx_rollback;
    /* Keeping snapshots: the snapshot row, and the findings and rule
     * states of one snapshot in one statement each (by row count). */
    sqlite3_stmt *snap_insert;
    sqlite3_stmt *newest_update; /* where a domain's newest content is */
    sqlite3_stmt *findings[TK_FINDINGS_MAX + 1];
    sqlite3_stmt *states[TK_RULE_STATES_MAX + 1];
    /* Keeping DMARC records and their auth results: statements of 1 to
     * SQ_DMARC_ROWS rows (by row count). */
    sqlite3_stmt *dmarc_rec[SQ_DMARC_ROWS + 1];
    sqlite3_stmt *dmarc_auth[SQ_DMARC_ROWS + 1];
    struct sq_writer w;
};

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE agencies ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE domains ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " agency_id INTEGER REFERENCES agencies (id),"
    " contact TEXT NOT NULL DEFAULT '',"
    " profile TEXT NOT NULL DEFAULT '' CHECK (profile = '' OR profile = 'email' OR profile = "
    "'parked'),"
    " selectors TEXT NOT NULL DEFAULT '',"
    " bulk INTEGER NOT NULL DEFAULT 0,"
    " removed_at INTEGER);"
    "CREATE INDEX domains_agency ON domains (agency_id);"
    "CREATE TABLE scans ("
    " id INTEGER PRIMARY KEY,"
    " state TEXT NOT NULL CHECK (state = 'running' OR state = 'complete' OR state = 'partial'),"
    " started INTEGER NOT NULL,"
    " finished INTEGER,"
    " total INTEGER NOT NULL DEFAULT 0,"
    " done INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX scans_one_running ON scans (state) WHERE state = 'running';"
    "CREATE TABLE scan_queue ("
    " id INTEGER PRIMARY KEY,"
    " scan_id INTEGER NOT NULL REFERENCES scans (id),"
    " domain_id INTEGER NOT NULL REFERENCES domains (id),"
    " worker TEXT,"
    " claimed_at INTEGER,"
    " done_at INTEGER,"
    " UNIQUE (scan_id, domain_id));"
    "CREATE INDEX scan_queue_open ON scan_queue (scan_id, id) WHERE done_at IS NULL;"
    "CREATE TABLE snapshots ("
    " id INTEGER PRIMARY KEY,"
    " scan_id INTEGER NOT NULL REFERENCES scans (id),"
    " domain_id INTEGER NOT NULL REFERENCES domains (id),"
    " scanned_at INTEGER NOT NULL,"
    " profile TEXT NOT NULL,"
    " compliant INTEGER NOT NULL,"
    " all_unknown INTEGER NOT NULL,"
    " observation TEXT NOT NULL,"
    " UNIQUE (scan_id, domain_id));"
    "CREATE INDEX snapshots_latest ON snapshots (domain_id, scanned_at, id);"
    "CREATE TABLE findings ("
    " snapshot_id INTEGER NOT NULL REFERENCES snapshots (id),"
    " rule TEXT NOT NULL,"
    " level TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR status = 'warn' OR status "
    "= 'unknown'),"
    " evidence TEXT NOT NULL,"
    " remediation TEXT NOT NULL,"
    " PRIMARY KEY (snapshot_id, rule)) WITHOUT ROWID;"
    "CREATE TABLE rule_states ("
    " domain_id INTEGER NOT NULL REFERENCES domains (id),"
    " rule TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR status = 'warn'),"
    " evidence TEXT NOT NULL,"
    " scan_id INTEGER NOT NULL REFERENCES scans (id),"
    " PRIMARY KEY (domain_id, rule)) WITHOUT ROWID;"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " scan_id INTEGER NOT NULL REFERENCES scans (id),"
    " domain_id INTEGER NOT NULL REFERENCES domains (id),"
    " at INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind = 'regression' OR kind = 'improvement' OR kind = "
    "'record-changed' OR kind = 'new-domain' OR kind = 'gone'),"
    " rule TEXT,"
    " from_status TEXT NOT NULL,"
    " to_status TEXT NOT NULL,"
    " before TEXT NOT NULL,"
    " after TEXT NOT NULL,"
    " remediation TEXT NOT NULL);"
    "CREATE INDEX events_at ON events (at, id);"
    "CREATE INDEX events_domain ON events (domain_id, at);"
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " event_id INTEGER NOT NULL REFERENCES events (id),"
    " channel TEXT NOT NULL CHECK (channel = 'smtp' OR channel = 'webhook' OR channel = 'syslog'),"
    " destination TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state = 'pending' OR state = 'sent' OR state = 'failed'),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt INTEGER NOT NULL,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " sent_at INTEGER,"
    " UNIQUE (event_id, channel, destination));"
    "CREATE INDEX alerts_due ON alerts (next_attempt, id) WHERE state = 'pending';"
    "CREATE TABLE reports ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " summary TEXT NOT NULL);"
    "CREATE INDEX reports_at ON reports (at, id);",
    /* 2: DMARC aggregate and TLS-RPT reports (store_reports.h). A
     * report's records and results are keyed by the report and their
     * number in it, so a batch of them is written without reading back
     * generated ids; WITHOUT ROWID keeps them in key order (appended),
     * with no index beside the table. */
    "CREATE TABLE dmarc_reports ("
    " id INTEGER PRIMARY KEY,"
    " org_name TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " date_begin INTEGER NOT NULL,"
    " date_end INTEGER NOT NULL,"
    " domain TEXT NOT NULL,"
    " adkim TEXT NOT NULL,"
    " aspf TEXT NOT NULL,"
    " p TEXT NOT NULL,"
    " sp TEXT NOT NULL,"
    " np TEXT NOT NULL,"
    " pct INTEGER,"
    " testing TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format = 'rfc7489' OR format = 'rfc9990'),"
    " origin TEXT NOT NULL,"
    " ingested_at INTEGER NOT NULL,"
    " records INTEGER NOT NULL DEFAULT 0,"
    " messages INTEGER NOT NULL DEFAULT 0,"
    " dmarc_pass INTEGER NOT NULL DEFAULT 0,"
    " spf_aligned_pass INTEGER NOT NULL DEFAULT 0,"
    " dkim_aligned_pass INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (org_name, report_id, date_begin, date_end));"
    "CREATE INDEX dmarc_reports_domain ON dmarc_reports (domain, date_begin);"
    "CREATE INDEX dmarc_reports_begin ON dmarc_reports (date_begin);"
    "CREATE TABLE dmarc_records ("
    " report_id INTEGER NOT NULL REFERENCES dmarc_reports (id),"
    " n INTEGER NOT NULL,"
    " source_ip TEXT NOT NULL,"
    " count INTEGER NOT NULL,"
    " disposition TEXT NOT NULL,"
    " dkim TEXT NOT NULL,"
    " spf TEXT NOT NULL,"
    " header_from TEXT NOT NULL,"
    " envelope_from TEXT NOT NULL,"
    " envelope_to TEXT NOT NULL,"
    " reasons TEXT NOT NULL,"
    " dkim_results INTEGER NOT NULL,"
    " dkim_domain TEXT NOT NULL,"
    " dkim_selector TEXT NOT NULL,"
    " dkim_result TEXT NOT NULL,"
    " spf_results INTEGER NOT NULL,"
    " spf_domain TEXT NOT NULL,"
    " spf_scope TEXT NOT NULL,"
    " spf_result TEXT NOT NULL,"
    " PRIMARY KEY (report_id, n)) WITHOUT ROWID;"
    "CREATE TABLE dmarc_auth ("
    " report_id INTEGER NOT NULL,"
    " record INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind = 'dkim' OR kind = 'spf'),"
    " domain TEXT NOT NULL,"
    " selector TEXT NOT NULL,"
    " scope TEXT NOT NULL,"
    " result TEXT NOT NULL,"
    " PRIMARY KEY (report_id, record, n),"
    " FOREIGN KEY (report_id, record) REFERENCES dmarc_records (report_id, n)) WITHOUT ROWID;"
    "CREATE VIEW dmarc_results AS"
    " SELECT report_id, n AS record, 1 AS n, 'dkim' AS kind, dkim_domain AS domain,"
    " dkim_selector AS selector, '' AS scope, dkim_result AS result"
    " FROM dmarc_records WHERE dkim_results > 0"
    " UNION ALL SELECT report_id, n, dkim_results + 1, 'spf', spf_domain, '', spf_scope,"
    " spf_result FROM dmarc_records WHERE spf_results > 0"
    " UNION ALL SELECT report_id, record, n, kind, domain, selector, scope, result"
    " FROM dmarc_auth;"
    "CREATE TABLE tlsrpt_reports ("
    " id INTEGER PRIMARY KEY,"
    " org_name TEXT NOT NULL,"
    " contact_info TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " date_begin INTEGER NOT NULL,"
    " date_end INTEGER NOT NULL,"
    " origin TEXT NOT NULL,"
    " ingested_at INTEGER NOT NULL,"
    " policies INTEGER NOT NULL,"
    " failures INTEGER NOT NULL,"
    " UNIQUE (org_name, report_id));"
    "CREATE INDEX tlsrpt_reports_begin ON tlsrpt_reports (date_begin);"
    "CREATE TABLE tlsrpt_policies ("
    " report_id INTEGER NOT NULL REFERENCES tlsrpt_reports (id),"
    " n INTEGER NOT NULL,"
    " policy_type TEXT NOT NULL,"
    " policy_domain TEXT NOT NULL,"
    " policy_string TEXT NOT NULL,"
    " mx_host TEXT NOT NULL,"
    " successful INTEGER NOT NULL,"
    " failed INTEGER NOT NULL,"
    " has_summary INTEGER NOT NULL,"
    " PRIMARY KEY (report_id, n)) WITHOUT ROWID;"
    "CREATE INDEX tlsrpt_policies_domain ON tlsrpt_policies (policy_domain);"
    "CREATE TABLE tlsrpt_failures ("
    " report_id INTEGER NOT NULL,"
    " policy INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " result_type TEXT NOT NULL,"
    " sending_mta_ip TEXT NOT NULL,"
    " receiving_mx_hostname TEXT NOT NULL,"
    " receiving_mx_helo TEXT NOT NULL,"
    " receiving_ip TEXT NOT NULL,"
    " failed_session_count INTEGER NOT NULL,"
    " additional_information TEXT NOT NULL,"
    " failure_reason_code TEXT NOT NULL,"
    " PRIMARY KEY (report_id, policy, n),"
    " FOREIGN KEY (report_id, policy) REFERENCES tlsrpt_policies (report_id, n)) WITHOUT ROWID;",
    /* 3: the DKIM selectors of a policy domain seen in its reports
     * (d= the domain), kept as reports are, for `tiaki check` to test:
     * reading them no longer walks every record. Filled from the
     * reports kept before; lower() is ASCII only, as the store's own
     * lower-casing is. */
    "CREATE TABLE dmarc_selectors ("
    " domain TEXT NOT NULL,"
    " selector TEXT NOT NULL,"
    " report_id INTEGER NOT NULL REFERENCES dmarc_reports (id),"
    " PRIMARY KEY (domain, selector)) WITHOUT ROWID;"
    "INSERT INTO dmarc_selectors (domain, selector, report_id)"
    " SELECT r.domain, lower(a.selector), MIN(r.id)"
    " FROM dmarc_results a JOIN dmarc_reports r ON r.id = a.report_id"
    " WHERE a.kind = 'dkim' AND a.selector <> '' AND lower(a.domain) = r.domain"
    " GROUP BY r.domain, lower(a.selector);",
    /* 4: a snapshot whose observation and findings are those of the
     * domain's snapshot before it names that snapshot (content_id) and
     * keeps none of its own (observation ''); digest is of its content
     * (store_impl.h, struct st_content). Older snapshots hold their own.
     * No REFERENCES, as on PostgreSQL: only the snapshot statement
     * writes it, from a row it has just read. */
    "ALTER TABLE snapshots ADD COLUMN digest TEXT;"
    " ALTER TABLE snapshots"
    " ADD COLUMN content_id INTEGER;",
    /* 5: the queue holds batches of domains, not domains (store.h). A
     * running scan's open rows become batches of one. */
    "ALTER TABLE scans ADD COLUMN batch INTEGER NOT NULL DEFAULT 1;"
    " CREATE TABLE scan_batches ("
    " scan_id INTEGER NOT NULL REFERENCES scans (id),"
    " n INTEGER NOT NULL,"
    " domains TEXT NOT NULL,"
    " worker TEXT,"
    " claimed_at INTEGER,"
    " claims INTEGER NOT NULL DEFAULT 0,"
    " done_at INTEGER,"
    " PRIMARY KEY (scan_id, n));"
    " CREATE INDEX scan_batches_claim ON scan_batches (scan_id, COALESCE(claimed_at, 0), n)"
    " WHERE done_at IS NULL;"
    " INSERT INTO scan_batches (scan_id, n, domains, claimed_at, claims)"
    " SELECT scan_id, id, json_array(domain_id), claimed_at, claimed_at IS NOT NULL"
    " FROM scan_queue WHERE done_at IS NULL;"
    " DROP TABLE scan_queue;",
    /* 6: a domain's row says where its newest snapshot's content is
     * (store.h, struct tk_content_ref), kept with each new content; a
     * claim reads it with the domain. Filled from the snapshots. */
    "ALTER TABLE domains ADD COLUMN newest_content INTEGER;"
    " ALTER TABLE domains ADD COLUMN newest_digest TEXT;"
    " UPDATE domains SET (newest_content, newest_digest) = (SELECT COALESCE(s.content_id, s.id),"
    " s.digest FROM snapshots s WHERE s.domain_id = domains.id"
    " ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1);",
};

#define MIGRATIONS_N ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(MIGRATIONS_N == ST_SCHEMA_VERSION, "one SQLite migration per schema version");

static struct sqlite_store *sq(struct tk_store *s)
{
    return (struct sqlite_store *)s;
}

/* sq_error maps SQLite's result code rc to a status and a message. */
static enum tk_status sq_error(struct sqlite_store *q, int rc, const char *doing,
                               struct tk_error *err)
{
    const char *msg = q->db != NULL ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return tk_error_set(err, TK_TEMP, "%s is busy: another process has held it for %d s (%s)",
                            q->base.where, ST_SQLITE_BUSY_MS / 1000, msg);
    case SQLITE_NOMEM:
        return tk_error_set(err, TK_NOMEM, "%s: out of memory", q->base.where);
    case SQLITE_CONSTRAINT:
        return tk_error_set(err, TK_INVALID, "%s: %s refused: %s", q->base.where, doing, msg);
    default:
        return tk_error_set(err, TK_IO, "%s: %s: %s", q->base.where, doing, msg);
    }
}

/* sq_prepare prepares sql once (translating $N to ?N into a copy). */
static enum tk_status sq_prepare(struct sqlite_store *q, const char *sql, sqlite3_stmt **out,
                                 struct tk_error *err)
{
    char text[ST_SQL_MAX];
    size_t n = strlen(sql);
    int rc;

    if (n >= sizeof(text))
        return tk_error_set(err, TK_LIMIT, "a statement is longer than %d bytes", ST_SQL_MAX);
    memcpy(text, sql, n + 1);
    for (size_t i = 0; i + 1 < n; i++)
        if (text[i] == '$' && text[i + 1] >= '1' && text[i + 1] <= '9')
            text[i] = '?';
    rc = sqlite3_prepare_v3(q->db, text, (int)n, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc != SQLITE_OK)
        return sq_error(q, rc, "preparing a statement", err);
    return TK_OK;
}

static enum tk_status sq_bind(struct sqlite_store *q, sqlite3_stmt *stmt, const struct st_param *p,
                              size_t np, struct tk_error *err)
{
    for (size_t i = 0; i < np; i++) {
        int rc, at = (int)i + 1;

        switch (p[i].type) {
        case ST_NULL:
            rc = sqlite3_bind_null(stmt, at);
            break;
        case ST_INT:
            rc = sqlite3_bind_int64(stmt, at, p[i].i);
            break;
        default:
            rc = sqlite3_bind_text64(stmt, at, p[i].s, p[i].len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        }
        if (rc != SQLITE_OK)
            return sq_error(q, rc, "binding a value", err);
    }
    return TK_OK;
}

/* sq_step_all steps stmt to its end, calling each per row until it
 * says stop. A statement that writes is stepped to its end even then:
 * its changes are whole. */
static int sq_step_all(sqlite3_stmt *stmt, const struct st_backend *be, st_row_fn each, void *arg)
{
    struct st_row row = {.be = be, .h = stmt};
    bool walking = each != NULL;
    int rc;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (walking && !each(arg, &row)) {
            walking = false;
            if (sqlite3_stmt_readonly(stmt))
                return SQLITE_DONE;
        }
    }
    return rc;
}

static const struct st_backend sqlite_backend;
static enum tk_status sq_settle(struct sqlite_store *q, struct tk_error *err);

static enum tk_status sq_query(struct tk_store *s, enum st_id id, const struct st_param *p,
                               size_t np, st_row_fn each, void *arg, int64_t *changes,
                               struct tk_error *err)
{
    struct sqlite_store *q = sq(s);
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc;

    if ((st = sq_settle(q, err)) != TK_OK)
        return st;
    if (q->stmt[id] == NULL && (st = sq_prepare(q, st_sql(id, false), &q->stmt[id], err)) != TK_OK)
        return st;
    stmt = q->stmt[id];
    if ((st = sq_bind(q, stmt, p, np, err)) != TK_OK) {
        sqlite3_clear_bindings(stmt);
        return st;
    }
    rc = sq_step_all(stmt, &sqlite_backend, each, arg);
    if (rc == SQLITE_DONE && changes != NULL)
        *changes = sqlite3_changes(q->db);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? TK_OK : sq_error(q, rc, "a statement failed", err);
}

/* sq_simple runs a prepared statement without parameters or rows. */
static int sq_simple(sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    return rc;
}

static enum tk_status sq_begin(struct tk_store *s, struct tk_error *err)
{
    enum tk_status st = sq_settle(sq(s), err);
    int rc;

    if (st != TK_OK)
        return st;
    rc = sq_simple(sq(s)->tx_begin);
    return rc == SQLITE_DONE ? TK_OK : sq_error(sq(s), rc, "starting a transaction", err);
}

static void sq_rollback(struct tk_store *s)
{
    sq_settle(sq(s), NULL);
    if (!sqlite3_get_autocommit(sq(s)->db))
        sq_simple(sq(s)->tx_rollback);
}

static enum tk_status sq_commit(struct tk_store *s, struct tk_error *err)
{
    enum tk_status st = sq_settle(sq(s), err);
    int rc;

    if (st != TK_OK) {
        sq_rollback(s);
        return st;
    }
    rc = sq_simple(sq(s)->tx_commit);
    if (rc == SQLITE_DONE)
        return TK_OK;
    sq_error(sq(s), rc, "committing", err);
    sq_rollback(s);
    return err != NULL ? err->code : TK_IO;
}

static void sq_writer_stop(struct sqlite_store *q);

static void sq_close(struct tk_store *s)
{
    struct sqlite_store *q = sq(s);

    sq_writer_stop(q);
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(q->stmt[i]);
    for (int i = 0; i <= TK_FINDINGS_MAX; i++)
        sqlite3_finalize(q->findings[i]);
    for (int i = 0; i <= TK_RULE_STATES_MAX; i++)
        sqlite3_finalize(q->states[i]);
    for (int i = 0; i <= SQ_DMARC_ROWS; i++) {
        sqlite3_finalize(q->dmarc_rec[i]);
        sqlite3_finalize(q->dmarc_auth[i]);
    }
    sqlite3_finalize(q->snap_insert);
    sqlite3_finalize(q->newest_update);
    sqlite3_finalize(q->tx_begin);
    sqlite3_finalize(q->tx_commit);
    sqlite3_finalize(q->tx_rollback);
    sqlite3_close(q->db);
    free(q);
}

static int64_t sq_col_int(const struct st_row *r, int col)
{
    return sqlite3_column_int64(r->h, col);
}

static const char *sq_col_text(const struct st_row *r, int col)
{
    const unsigned char *t = sqlite3_column_text(r->h, col);

    return t != NULL ? (const char *)t : "";
}

static bool sq_col_null(const struct st_row *r, int col)
{
    return sqlite3_column_type(r->h, col) == SQLITE_NULL;
}

/* ---- keeping snapshots ---- */

/* Rows of n columns in one INSERT: "(?,?,?),(?,?,?)". Statements are
 * made for the counts that occur (at most TK_FINDINGS_MAX rows). */
static enum tk_status sq_rows_stmt(struct sqlite_store *q, sqlite3_stmt **slot, const char *head,
                                   int cols, size_t rows, const char *tail, struct tk_error *err)
{
    char sql[ST_SQL_MAX];
    size_t used = (size_t)snprintf(sql, sizeof(sql), "%s", head);

    if (*slot != NULL)
        return TK_OK;
    for (size_t r = 0; r < rows && used < sizeof(sql); r++) {
        used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s(", r > 0 ? "," : "");
        for (int c = 0; c < cols && used < sizeof(sql); c++)
            used += (size_t)snprintf(sql + used, sizeof(sql) - used, c > 0 ? ",?" : "?");
        if (used < sizeof(sql))
            used += (size_t)snprintf(sql + used, sizeof(sql) - used, ")");
    }
    if (used < sizeof(sql))
        used += (size_t)snprintf(sql + used, sizeof(sql) - used, "%s", tail);
    if (used >= sizeof(sql))
        return tk_error_set(err, TK_LIMIT, "a statement of %zu rows is too long", rows);
    return sq_prepare(q, sql, slot, err);
}

static int sq_bind_str(sqlite3_stmt *stmt, int at, const char *s)
{
    return sqlite3_bind_text(stmt, at, s, -1, SQLITE_STATIC);
}

/* sq_run_stmt steps a statement without rows to its end and resets it. */
static enum tk_status sq_run_stmt(struct sqlite_store *q, sqlite3_stmt *stmt, int rc,
                                  const char *doing, struct tk_error *err)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? TK_OK : sq_error(q, rc, doing, err);
}

static enum tk_status sq_put_findings(struct sqlite_store *q, int64_t snap_id,
                                      const struct tk_judgement *j, struct tk_error *err)
{
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc = SQLITE_OK, at = 1;

    if (j->n == 0)
        return TK_OK;
    st = sq_rows_stmt(q, &q->findings[j->n],
                      "INSERT INTO findings (snapshot_id, rule, level, status, evidence, "
                      "remediation) VALUES ",
                      6, j->n, "", err);
    if (st != TK_OK)
        return st;
    stmt = q->findings[j->n];
    for (size_t i = 0; i < j->n && rc == SQLITE_OK; i++) {
        const struct tk_finding *f = &j->findings[i];

        if ((rc = sqlite3_bind_int64(stmt, at++, snap_id)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, f->rule->id)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, tk_level_name(f->rule->level))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, tk_verdict_name(f->status))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, f->evidence)) == SQLITE_OK)
            rc = sq_bind_str(stmt, at++, f->remediation);
    }
    return sq_run_stmt(q, stmt, rc, "keeping findings", err);
}

static enum tk_status sq_put_states(struct sqlite_store *q, const struct tk_snapshot *sn,
                                    struct tk_error *err)
{
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc = SQLITE_OK, at = 1;

    if (sn->nstates == 0)
        return TK_OK;
    st = sq_rows_stmt(q, &q->states[sn->nstates],
                      "INSERT INTO rule_states (domain_id, rule, status, evidence, scan_id) "
                      "VALUES ",
                      5, sn->nstates,
                      " ON CONFLICT (domain_id, rule) DO UPDATE SET status = excluded.status,"
                      " evidence = excluded.evidence, scan_id = excluded.scan_id"
                      " WHERE status <> excluded.status OR evidence <> excluded.evidence",
                      err);
    if (st != TK_OK)
        return st;
    stmt = q->states[sn->nstates];
    for (size_t i = 0; i < sn->nstates && rc == SQLITE_OK; i++) {
        const struct tk_rule_state *r = &sn->states[i];

        if ((rc = sqlite3_bind_int64(stmt, at++, sn->domain->id)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->rule)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, tk_verdict_name(r->status))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->evidence)) == SQLITE_OK)
            rc = sqlite3_bind_int64(stmt, at++, r->scan_id);
    }
    return sq_run_stmt(q, stmt, rc, "keeping rule states", err);
}

/* sq_put_snapshot inserts the snapshot row, with its observation unless
 * c->shared holds it; *id is 0 when the scan has one of the domain
 * already. No RETURNING: SQLite runs a statement with RETURNING through
 * a temporary table, which costs more than the insert. */
static enum tk_status sq_put_snapshot(struct sqlite_store *q, int64_t scan_id,
                                      const struct tk_snapshot *sn, const struct st_content *c,
                                      int64_t *id, struct tk_error *err)
{
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc;

    *id = 0;
    if (q->snap_insert == NULL &&
        (st = sq_prepare(q,
                         "INSERT INTO snapshots (scan_id, domain_id, scanned_at, profile, "
                         "compliant, all_unknown, observation, digest, content_id)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                         " ON CONFLICT (scan_id, domain_id) DO NOTHING",
                         &q->snap_insert, err)) != TK_OK)
        return st;
    stmt = q->snap_insert;
    if ((rc = sqlite3_bind_int64(stmt, 1, scan_id)) == SQLITE_OK &&
        (rc = sqlite3_bind_int64(stmt, 2, sn->domain->id)) == SQLITE_OK &&
        (rc = sqlite3_bind_int64(stmt, 3, sn->scanned_at)) == SQLITE_OK &&
        (rc = sq_bind_str(stmt, 4, tk_profile_name(sn->profile))) == SQLITE_OK &&
        (rc = sqlite3_bind_int(stmt, 5, sn->compliant)) == SQLITE_OK &&
        (rc = sqlite3_bind_int(stmt, 6, sn->all_unknown)) == SQLITE_OK &&
        (rc = sqlite3_bind_text64(stmt, 7, c->shared ? "" : sn->observation_json,
                                  c->shared ? 0 : sn->observation_len, SQLITE_STATIC,
                                  SQLITE_UTF8)) == SQLITE_OK &&
        (rc = sq_bind_str(stmt, 8, c->digest)) == SQLITE_OK)
        rc = c->shared ? sqlite3_bind_int64(stmt, 9, c->shared) : sqlite3_bind_null(stmt, 9);
    if ((st = sq_run_stmt(q, stmt, rc, "keeping a snapshot", err)) != TK_OK)
        return st;
    if (sqlite3_changes(q->db) == 1)
        *id = sqlite3_last_insert_rowid(q->db);
    return TK_OK;
}

/* sq_put_newest says in the domain's row that snapshot id holds its
 * newest content (one with content of its own; one that shares names
 * what the row did already). */
static enum tk_status sq_put_newest(struct sqlite_store *q, const struct tk_snapshot *sn,
                                    const struct st_content *c, int64_t id, struct tk_error *err)
{
    enum tk_status st;
    int rc;

    if (q->newest_update == NULL &&
        (st = sq_prepare(q,
                         "UPDATE domains SET newest_content = ?1, newest_digest = ?2"
                         " WHERE id = ?3",
                         &q->newest_update, err)) != TK_OK)
        return st;
    if ((rc = sqlite3_bind_int64(q->newest_update, 1, id)) == SQLITE_OK &&
        (rc = sq_bind_str(q->newest_update, 2, c->digest)) == SQLITE_OK)
        rc = sqlite3_bind_int64(q->newest_update, 3, sn->domain->id);
    return sq_run_stmt(q, q->newest_update, rc, "keeping where a domain's content is", err);
}

/* sq_put_one keeps one snapshot; *done is 1 when it is new (the scan's
 * count goes up once per batch). */
static enum tk_status sq_put_one(struct sqlite_store *q, int64_t scan_id,
                                 const struct tk_snapshot_put *pu, const struct st_content *c,
                                 int64_t now, int64_t *done, struct tk_error *err)
{
    const struct tk_snapshot *sn = pu->snap;
    enum tk_status st;
    int64_t id;

    *done = 0;
    if ((st = sq_put_snapshot(q, scan_id, sn, c, &id, err)) != TK_OK || id == 0)
        return st; /* id 0: kept already (a claim finished twice) */
    if ((c->shared == 0 && ((st = sq_put_newest(q, sn, c, id, err)) != TK_OK ||
                            (st = sq_put_findings(q, id, sn->judgement, err)) != TK_OK)) ||
        (st = sq_put_states(q, sn, err)) != TK_OK ||
        (st = st_put_events(&q->base, scan_id, pu, now, err)) != TK_OK)
        return st;
    *done = 1;
    return TK_OK;
}

static enum tk_status sq_snapshot_put(struct tk_store *s, int64_t scan_id,
                                      const struct tk_snapshot_put *puts,
                                      const struct st_content *content, size_t n,
                                      const int64_t *close, size_t nclose, struct tk_error *err)
{
    int64_t now = st_now(), done = 0, one;
    enum tk_status st = sq_begin(s, err);

    if (st != TK_OK)
        return st;
    for (size_t i = 0; st == TK_OK && i < n; i++)
        if ((st = sq_put_one(sq(s), scan_id, &puts[i], &content[i], now, &one, err)) == TK_OK)
            done += one;
    if (st == TK_OK && done > 0) {
        struct st_param p[2] = {st_int(scan_id), st_int(done)};

        st = sq_query(s, ST_SCAN_BUMP, p, 2, NULL, NULL, NULL, err);
    }
    if (st == TK_OK)
        st = st_queue_close(s, scan_id, close, nclose, err);
    if (st != TK_OK) {
        sq_rollback(s);
        return st;
    }
    return sq_commit(s, err);
}

/* ---- keeping DMARC records ---- */

/* sq_step_rows steps a statement of a batch's rows and resets it. Its
 * bindings (the batch's text, SQLITE_STATIC) are cleared once, when
 * the batch is written (sq_dmarc_put): clearing 1,216 of them after
 * each statement cost a twentieth of the time. */
static enum tk_status sq_step_rows(struct sqlite_store *q, sqlite3_stmt *stmt, int rc,
                                   const char *doing, struct tk_error *err)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? TK_OK : sq_error(q, rc, doing, err);
}

/* sq_dmarc_recs inserts records [from, from + k) of b in one statement. */
static enum tk_status sq_dmarc_recs(struct sqlite_store *q, int64_t report,
                                    const struct st_dmarc_batch *b, size_t from, size_t k,
                                    struct tk_error *err)
{
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc = SQLITE_OK, at = 1;

    st =
        sq_rows_stmt(q, &q->dmarc_rec[k],
                     "INSERT INTO dmarc_records (report_id, n, source_ip, count, disposition, "
                     "dkim, spf, header_from, envelope_from, envelope_to, reasons, dkim_results, "
                     "dkim_domain, dkim_selector, dkim_result, spf_results, spf_domain, spf_scope, "
                     "spf_result) VALUES ",
                     19, k, "", err);
    if (st != TK_OK)
        return st;
    stmt = q->dmarc_rec[k];
    for (size_t i = from; i < from + k && rc == SQLITE_OK; i++) {
        const struct st_dmarc_rec *r = &b->rec[i];

        if ((rc = sqlite3_bind_int64(stmt, at++, report)) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, r->n)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->source_ip))) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, r->count)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->disposition)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->dkim)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->spf)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->header_from))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->envelope_from))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->envelope_to))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->reasons))) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, r->dkim_results)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->dkim_domain))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->dkim_selector))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->dkim_result)) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, r->spf_results)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, r->spf_domain))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, r->spf_scope)) == SQLITE_OK)
            rc = sq_bind_str(stmt, at++, r->spf_result);
    }
    return sq_step_rows(q, stmt, rc, "keeping DMARC records", err);
}

/* sq_dmarc_auths inserts auth results [from, from + k) of b. */
static enum tk_status sq_dmarc_auths(struct sqlite_store *q, int64_t report,
                                     const struct st_dmarc_batch *b, size_t from, size_t k,
                                     struct tk_error *err)
{
    sqlite3_stmt *stmt;
    enum tk_status st;
    int rc = SQLITE_OK, at = 1;

    st = sq_rows_stmt(q, &q->dmarc_auth[k],
                      "INSERT INTO dmarc_auth (report_id, record, n, kind, domain, selector, "
                      "scope, result) VALUES ",
                      8, k, "", err);
    if (st != TK_OK)
        return st;
    stmt = q->dmarc_auth[k];
    for (size_t i = from; i < from + k && rc == SQLITE_OK; i++) {
        const struct st_dmarc_auth *a = &b->auth[i];

        if ((rc = sqlite3_bind_int64(stmt, at++, report)) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, a->record)) == SQLITE_OK &&
            (rc = sqlite3_bind_int64(stmt, at++, a->n)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, a->kind)) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, a->domain))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, st_dmarc_text(b, a->selector))) == SQLITE_OK &&
            (rc = sq_bind_str(stmt, at++, a->scope)) == SQLITE_OK)
            rc = sq_bind_str(stmt, at++, a->result);
    }
    return sq_step_rows(q, stmt, rc, "keeping DMARC results", err);
}

/* sq_forget clears the bindings of a statement made (NULL: not made). */
static void sq_forget(sqlite3_stmt *stmt)
{
    if (stmt != NULL)
        sqlite3_clear_bindings(stmt);
}

/* sq_dmarc_write writes a batch in statements of SQ_DMARC_ROWS rows
 * (the last of what is left); the records first, which the results
 * name. The statements used forget the batch's text before it changes. */
static enum tk_status sq_dmarc_write(struct sqlite_store *q, int64_t report,
                                     const struct st_dmarc_batch *b, struct tk_error *err)
{
    enum tk_status st = TK_OK;
    size_t k = 0;

    for (size_t i = 0; st == TK_OK && i < b->nrec; i += k) {
        k = b->nrec - i < SQ_DMARC_ROWS ? b->nrec - i : SQ_DMARC_ROWS;
        st = sq_dmarc_recs(q, report, b, i, k, err);
    }
    for (size_t i = 0; st == TK_OK && i < b->nauth; i += k) {
        k = b->nauth - i < SQ_DMARC_ROWS ? b->nauth - i : SQ_DMARC_ROWS;
        st = sq_dmarc_auths(q, report, b, i, k, err);
    }
    sq_forget(q->dmarc_rec[SQ_DMARC_ROWS]);
    sq_forget(q->dmarc_rec[b->nrec % SQ_DMARC_ROWS]);
    sq_forget(q->dmarc_auth[SQ_DMARC_ROWS]);
    sq_forget(q->dmarc_auth[b->nauth % SQ_DMARC_ROWS]);
    return st;
}

/* ---- the writer thread ---- */

static void *sq_writer_main(void *arg)
{
    struct sqlite_store *q = arg;
    struct sq_writer *w = &q->w;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy)
            break; /* quit, nothing in flight */
        pthread_mutex_unlock(&w->mu);
        {
            struct tk_error e = {0};
            enum tk_status st = sq_dmarc_write(q, w->report, w->batch, &e);

            pthread_mutex_lock(&w->mu);
            w->st = st;
            w->err = e;
        }
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* sq_writer_start starts the thread (with every signal blocked: they
 * are the caller's threads' to take); false when it cannot, and the
 * batches are then written by the caller's thread. */
static bool sq_writer_start(struct sqlite_store *q)
{
    struct sq_writer *w = &q->w;
    sigset_t all, old;
    bool ok;

    if (w->running)
        return true;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return false;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        return false;
    }
    w->quit = w->busy = false;
    w->st = TK_OK;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ok = pthread_create(&w->thread, NULL, sq_writer_main, q) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return false;
    }
    w->running = true;
    return true;
}

static void sq_writer_stop(struct sqlite_store *q)
{
    struct sq_writer *w = &q->w;

    if (!w->running)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->running = false;
}

/* sq_settle waits for the batch in flight and collects how it went. */
static enum tk_status sq_settle(struct sqlite_store *q, struct tk_error *err)
{
    struct sq_writer *w = &q->w;
    enum tk_status st;

    if (!w->running)
        return TK_OK;
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    st = w->st;
    if (st != TK_OK && err != NULL)
        *err = w->err;
    w->st = TK_OK;
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* sq_dmarc_put hands a batch to the writer thread and returns: the
 * thread writes it while the caller parses the next, which on two
 * cores makes keeping a report cost about the larger of parsing and
 * writing, not their sum. The report's last batch is written here. */
static enum tk_status sq_dmarc_put(struct tk_store *s, int64_t report,
                                   const struct st_dmarc_batch *b, bool last, struct tk_error *err)
{
    struct sqlite_store *q = sq(s);
    struct sq_writer *w = &q->w;
    enum tk_status st = sq_settle(q, err);

    if (st != TK_OK)
        return st;
    if (last || !sq_writer_start(q))
        return sq_dmarc_write(q, report, b, err);
    pthread_mutex_lock(&w->mu);
    w->report = report;
    w->batch = b;
    w->busy = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return TK_OK;
}

static const struct st_backend sqlite_backend = {
    .name = "sqlite",
    .query = sq_query,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .snapshot_put = sq_snapshot_put,
    .dmarc_put = sq_dmarc_put,
    .close = sq_close,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
};

/* ---- opening ---- */

/* sq_exec runs SQL text (the pragmas, a migration). */
static enum tk_status sq_exec(struct sqlite_store *q, const char *sql, const char *doing,
                              struct tk_error *err)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? TK_OK : sq_error(q, rc, doing, err);
}

static int sq_version_cb(void *arg, int n, char **vals, char **names)
{
    *(int *)arg = n > 0 && vals[0] != NULL ? atoi(vals[0]) : 0;
    return 0;
}

static enum tk_status sq_migrate_tx(struct sqlite_store *q, struct tk_error *err)
{
    char sql[128];
    int have = 0, rc;
    enum tk_status st;

    st = sq_exec(q,
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                 "creating schema_migrations", err);
    if (st != TK_OK)
        return st;
    rc = sqlite3_exec(q->db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                      sq_version_cb, &have, NULL);
    if (rc != SQLITE_OK)
        return sq_error(q, rc, "reading the schema version", err);
    if (have > MIGRATIONS_N)
        return tk_error_set(err, TK_INVALID,
                            "%s has schema version %d; this tiaki knows up to %d: use a "
                            "newer tiaki",
                            q->base.where, have, MIGRATIONS_N);
    for (int v = have + 1; v <= MIGRATIONS_N; v++) {
        if ((st = sq_exec(q, migrations[v - 1], "applying a migration", err)) != TK_OK)
            return st;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)", v,
                 (long long)st_now());
        if ((st = sq_exec(q, sql, "recording a migration", err)) != TK_OK)
            return st;
    }
    q->base.schema_version = MIGRATIONS_N;
    return TK_OK;
}

static enum tk_status sq_migrate(struct sqlite_store *q, struct tk_error *err)
{
    enum tk_status st = sq_begin(&q->base, err);

    if (st != TK_OK)
        return st;
    return st_tx_end(&q->base, sq_migrate_tx(q, err), err);
}

static enum tk_status sq_setup(struct sqlite_store *q, struct tk_error *err)
{
    enum tk_status st;

    sqlite3_busy_timeout(q->db, ST_SQLITE_BUSY_MS);
    sqlite3_extended_result_codes(q->db, 1);
    /* page_size only counts for a new file (before WAL writes its
     * header). journal_mode answers a row; sqlite3_exec ignores it.
     * ":memory:" stays "memory", which is fine. */
    if ((st = sq_exec(q, "PRAGMA page_size = " ST_SQLITE_PAGE_SIZE, "setting it up", err)) !=
            TK_OK ||
        (st = sq_exec(q, "PRAGMA journal_mode = WAL", "cannot use WAL", err)) != TK_OK ||
        (st = sq_exec(q,
                      "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                      " PRAGMA wal_autocheckpoint = " ST_SQLITE_CHECKPOINT_PAGES ";"
                      " PRAGMA journal_size_limit = " ST_SQLITE_WAL_LIMIT,
                      "setting it up", err)) != TK_OK)
        return st;
    if ((st = sq_prepare(q, "BEGIN IMMEDIATE", &q->tx_begin, err)) != TK_OK ||
        (st = sq_prepare(q, "COMMIT", &q->tx_commit, err)) != TK_OK ||
        (st = sq_prepare(q, "ROLLBACK", &q->tx_rollback, err)) != TK_OK)
        return st;
    return sq_migrate(q, err);
}

enum tk_status st_sqlite_open(const char *path, const char *where, struct tk_store **out,
                              struct tk_error *err)
{
    struct sqlite_store *q;
    enum tk_status st;
    int rc;

    if (sqlite3_libversion_number() < 3035000)
        return tk_error_set(err, TK_IO, "SQLite %s is too old: tiaki needs 3.35 or newer",
                            sqlite3_libversion());
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        return tk_error_set(err, TK_NOMEM, "no memory to open %s", where);
    q->base.be = &sqlite_backend;
    snprintf(q->base.where, sizeof(q->base.where), "%s", path);
    rc = sqlite3_open_v2(path, &q->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = tk_error_set(err, TK_IO, "cannot open %s: %s", path,
                          q->db != NULL ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
        sq_close(&q->base);
        return st;
    }
    st = sq_setup(q, err);
    if (st != TK_OK) {
        /* The first read is where a missing directory, a file that is
         * not a database, or no permission show. */
        if (st == TK_IO && err != NULL) {
            char msg[TK_ERROR_MSG_MAX];

            snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(q->db));
            tk_error_set(err, TK_IO, "cannot open %s: %s", path, msg);
        }
        sq_close(&q->base);
        return st;
    }
    *out = &q->base;
    return TK_OK;
}
