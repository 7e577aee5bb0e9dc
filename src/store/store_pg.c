/*
 * NAME
 *	store_pg.c - the store in PostgreSQL, shared by many scanning hosts
 * DESCRIPTION
 *	One libpq connection per tk_store, made from the URL as given
 *	(postgresql://user@host:port/db?...; libpq reads it, PGPASSWORD and
 *	~/.pgpass work as usual). Every statement is prepared once per
 *	connection (PQprepare, on first use) and run with PQexecPrepared;
 *	rows are walked in single-row mode, so a report over every domain
 *	never holds the whole result in memory. A connection found broken
 *	between transactions is reset once and its statements prepared
 *	again.
 *
 *	Snapshots: a batch is ONE statement of data-modifying CTEs (the
 *	snapshots, their findings, rule states, events, the alerts of their
 *	regressions and the scan's count), its rows sent as
 *	arrays (one per column) and unnested on the server: one round trip,
 *	one executor start and one implicit transaction for the whole batch,
 *	so all of it is kept, or (an error anywhere) none.
 *
 *	The queue claim locks batches with FOR UPDATE SKIP LOCKED and reads
 *	the server's clock (store_query.c), so workers on many hosts never
 *	claim the same domain and agree on when a lease ran out.
 *
 *	Migrations run at open in one transaction under an advisory lock
 *	(pg_advisory_xact_lock), so processes opening a new database at
 *	the same moment take turns: the first migrates, the others find it
 *	done.
 * SECURITY
 *	Values are bound parameters. Arrays go in PostgreSQL's binary array
 *	format (each element its length and bytes), so no value is quoted
 *	or escaped anywhere; text is the text type's binary form (its bytes
 *	and a length), so nothing needs a terminating NUL. Messages name the
 *	database without its password, and a password that libpq would echo
 *	(a malformed URL) is masked.
 * DIAGNOSTICS
 *	"PostgreSQL at postgresql://tiaki@127.77.0.40/tiaki: connection to
 *	server at "127.77.0.40", port 5432 failed: Connection refused ..."
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "store/store_impl.h"

/* Parameters of one statement (the snapshot statement, apart, has 33). */
#define PG_PARAMS_MAX 32
/* Seconds libpq waits for a connection, unless the URL says otherwise. */
#define PG_CONNECT_TIMEOUT "10"
/* Advisory lock keys: "tiaki" "mg" (migrations). */
#define PG_MIGRATION_LOCK "7596130261430380391"

struct pg_store {
    struct tk_store base;
    PGconn *conn;
    bool prepared[ST_N];
    bool put_prepared;
    bool in_tx;
    /* DMARC records (pg_dmarc_put): a COPY's outcome not collected yet,
     * and its buffers (kept for the next batch) */
    bool copy_pending;
    struct tk_buf copy_rec, copy_auth;
    size_t copy_auth_rows;
    char password[TK_STORE_URL_MAX]; /* to mask in libpq's messages */
};

/* The columns of a batch of snapshots, each sent as one array in
 * PostgreSQL's binary array format (no quoting of what is in it). Rows
 * of findings, states, events and alert targets carry their domain, the
 * key that ties them to their snapshot (a batch has a domain once). */
enum pg_column {
    C_S_DOMAIN,
    C_S_AT,
    C_S_PROFILE,
    C_S_COMPLIANT,
    C_S_UNKNOWN,
    C_S_OBSERVATION,
    C_S_DIGEST,
    C_S_CONTENT,
    C_F_DOMAIN,
    C_F_RULE,
    C_F_LEVEL,
    C_F_STATUS,
    C_F_EVIDENCE,
    C_F_REMEDIATION,
    C_R_DOMAIN,
    C_R_RULE,
    C_R_STATUS,
    C_R_EVIDENCE,
    C_R_SCAN,
    C_E_DOMAIN,
    C_E_AT,
    C_E_KIND,
    C_E_RULE,
    C_E_FROM,
    C_E_TO,
    C_E_BEFORE,
    C_E_AFTER,
    C_E_REMEDIATION,
    C_T_DOMAIN,
    C_T_CHANNEL,
    C_T_DESTINATION,
    C_CLOSE, /* the queue's batches to close */
    C_N
};

/* Element types (pg_type OIDs, fixed in every PostgreSQL). */
#define PG_BOOLOID 16
#define PG_INT8OID 20
#define PG_TEXTOID 25

static const unsigned pg_column_type[C_N] = {
    [C_S_DOMAIN] = PG_INT8OID,  [C_S_AT] = PG_INT8OID,      [C_S_COMPLIANT] = PG_BOOLOID,
    [C_S_UNKNOWN] = PG_BOOLOID, [C_S_CONTENT] = PG_INT8OID, [C_F_DOMAIN] = PG_INT8OID,
    [C_R_DOMAIN] = PG_INT8OID,  [C_R_SCAN] = PG_INT8OID,    [C_E_DOMAIN] = PG_INT8OID,
    [C_E_AT] = PG_INT8OID,      [C_T_DOMAIN] = PG_INT8OID,  [C_CLOSE] = PG_INT8OID,
};

/* The whole batch is one statement of data-modifying CTEs: the
 * snapshots (a domain the scan has a snapshot of already is skipped,
 * and so are its rows, by the join with s; one whose content another
 * holds names it, and comes with no observation or findings), where
 * the domains' newest content now is (only for those with a content of
 * their own: one that shares names what its domain's row did already),
 * their findings, rule states (an unchanged one is not written), events
 * in the order given, the alerts of regressions, the queue's batches
 * the caller finished and the scan's count. */
static const char pg_put_sql[] =
    "WITH v AS (SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::boolean[],"
    " $7::boolean[], $8::text[], $9::text[], $10::bigint[]) WITH ORDINALITY AS v (domain_id,"
    " scanned_at, profile, compliant, all_unknown, observation, digest, content, k)),"
    " s AS (INSERT INTO snapshots (scan_id, domain_id, scanned_at, profile, compliant,"
    " all_unknown, observation, digest, content_id)"
    " SELECT $1, domain_id, scanned_at, profile, compliant, all_unknown, observation, digest,"
    " NULLIF(content, 0) FROM v"
    " ORDER BY k ON CONFLICT (scan_id, domain_id) DO NOTHING"
    " RETURNING id, domain_id, content_id, digest),"
    " n AS (UPDATE domains SET newest_content = s.id, newest_digest = s.digest FROM s"
    " WHERE domains.id = s.domain_id AND s.content_id IS NULL),"
    " f AS (INSERT INTO findings (snapshot_id, rule, level, status, evidence, remediation)"
    " SELECT s.id, u.rule, u.level, u.status, u.evidence, u.remediation"
    " FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[],"
    " $16::text[]) AS u (domain_id, rule, level, status, evidence, remediation)"
    " JOIN s ON s.domain_id = u.domain_id),"
    " r AS (INSERT INTO rule_states (domain_id, rule, status, evidence, scan_id)"
    " SELECT u.domain_id, u.rule, u.status, u.evidence, u.scan_id"
    " FROM unnest($17::bigint[], $18::text[], $19::text[], $20::text[], $21::bigint[])"
    " AS u (domain_id, rule, status, evidence, scan_id)"
    " JOIN s ON s.domain_id = u.domain_id"
    " ON CONFLICT (domain_id, rule) DO UPDATE SET status = excluded.status,"
    " evidence = excluded.evidence, scan_id = excluded.scan_id"
    " WHERE rule_states.status <> excluded.status"
    " OR rule_states.evidence <> excluded.evidence),"
    " e AS (INSERT INTO events (scan_id, domain_id, at, kind, rule, from_status, to_status,"
    " before, after, remediation)"
    " SELECT $1, u.domain_id, u.at, u.kind, NULLIF(u.rule, ''), u.from_status, u.to_status,"
    " u.before, u.after, u.remediation"
    " FROM unnest($22::bigint[], $23::bigint[], $24::text[], $25::text[], $26::text[],"
    " $27::text[], $28::text[], $29::text[], $30::text[]) WITH ORDINALITY"
    " AS u (domain_id, at, kind, rule, from_status, to_status, before, after, remediation, n)"
    " JOIN s ON s.domain_id = u.domain_id ORDER BY u.n RETURNING id, domain_id, kind),"
    " a AS (INSERT INTO alerts (event_id, channel, destination, state, attempts, next_attempt,"
    " last_error)"
    " SELECT e.id, t.channel, t.destination, 'pending', 0, $2, ''"
    " FROM e JOIN unnest($31::bigint[], $32::text[], $33::text[])"
    " AS t (domain_id, channel, destination) ON t.domain_id = e.domain_id"
    " WHERE e.kind = 'regression'"
    " ON CONFLICT (event_id, channel, destination) DO NOTHING),"
    " b AS (UPDATE scan_batches SET done_at = $2 WHERE scan_id = $1 AND n = ANY ($34::bigint[]))"
    " UPDATE scans SET done = done + (SELECT count(*) FROM s) WHERE id = $1";

#define PG_PUT_PARAMS (2 + C_N)

static const char *const migrations[] = {
    /* 1: the first schema. Names and rule ids sort bytewise ("C"), as
     * in SQLite, whatever the database's locale. */
    "CREATE TABLE agencies ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " name TEXT COLLATE \"C\" NOT NULL UNIQUE);"
    "CREATE TABLE domains ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " name TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    " agency_id BIGINT REFERENCES agencies (id),"
    " contact TEXT NOT NULL DEFAULT '',"
    " profile TEXT NOT NULL DEFAULT '' CHECK (profile IN ('', 'email', 'parked')),"
    " selectors TEXT NOT NULL DEFAULT '',"
    " bulk BOOLEAN NOT NULL DEFAULT false,"
    " removed_at BIGINT);"
    "CREATE INDEX domains_agency ON domains (agency_id);"
    "CREATE TABLE scans ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'partial')),"
    " started BIGINT NOT NULL,"
    " finished BIGINT,"
    " total BIGINT NOT NULL DEFAULT 0,"
    " done BIGINT NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX scans_one_running ON scans (state) WHERE state = 'running';"
    "CREATE TABLE scan_queue ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " scan_id BIGINT NOT NULL REFERENCES scans (id),"
    " domain_id BIGINT NOT NULL REFERENCES domains (id),"
    " worker TEXT,"
    " claimed_at BIGINT,"
    " done_at BIGINT,"
    " UNIQUE (scan_id, domain_id));"
    "CREATE INDEX scan_queue_open ON scan_queue (scan_id, id) WHERE done_at IS NULL;"
    "CREATE TABLE snapshots ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " scan_id BIGINT NOT NULL REFERENCES scans (id),"
    " domain_id BIGINT NOT NULL REFERENCES domains (id),"
    " scanned_at BIGINT NOT NULL,"
    " profile TEXT NOT NULL,"
    " compliant BOOLEAN NOT NULL,"
    " all_unknown BOOLEAN NOT NULL,"
    " observation TEXT NOT NULL,"
    " UNIQUE (scan_id, domain_id));"
    "CREATE INDEX snapshots_latest ON snapshots (domain_id, scanned_at, id);"
    /* findings and rule_states name their snapshot and domain without
     * REFERENCES: PostgreSQL checks a foreign key with a query per row
     * (a trigger), which was more than half the cost of keeping a
     * snapshot; these rows are only ever written by the snapshot
     * statement, joined to the snapshot row it inserts (whose own
     * references are checked), and nothing is deleted. */
    "CREATE TABLE findings ("
    " snapshot_id BIGINT NOT NULL,"
    " rule TEXT COLLATE \"C\" NOT NULL,"
    " level TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'unknown')),"
    " evidence TEXT NOT NULL,"
    " remediation TEXT NOT NULL,"
    " PRIMARY KEY (snapshot_id, rule));"
    "CREATE TABLE rule_states ("
    " domain_id BIGINT NOT NULL,"
    " rule TEXT COLLATE \"C\" NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn')),"
    " evidence TEXT NOT NULL,"
    " scan_id BIGINT NOT NULL,"
    " PRIMARY KEY (domain_id, rule));"
    "CREATE TABLE events ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " scan_id BIGINT NOT NULL REFERENCES scans (id),"
    " domain_id BIGINT NOT NULL REFERENCES domains (id),"
    " at BIGINT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('regression', 'improvement', 'record-changed',"
    " 'new-domain', 'gone')),"
    " rule TEXT COLLATE \"C\","
    " from_status TEXT NOT NULL,"
    " to_status TEXT NOT NULL,"
    " before TEXT NOT NULL,"
    " after TEXT NOT NULL,"
    " remediation TEXT NOT NULL);"
    "CREATE INDEX events_at ON events (at, id);"
    "CREATE INDEX events_domain ON events (domain_id, at);"
    "CREATE TABLE alerts ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " event_id BIGINT NOT NULL REFERENCES events (id),"
    " channel TEXT NOT NULL CHECK (channel IN ('smtp', 'webhook', 'syslog')),"
    " destination TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt BIGINT NOT NULL,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " sent_at BIGINT,"
    " UNIQUE (event_id, channel, destination));"
    "CREATE INDEX alerts_due ON alerts (next_attempt, id) WHERE state = 'pending';"
    "CREATE TABLE reports ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " at BIGINT NOT NULL,"
    " summary TEXT NOT NULL);"
    "CREATE INDEX reports_at ON reports (at, id);",
    /* 2: DMARC aggregate and TLS-RPT reports (store_reports.h). A
     * report's records and results are keyed by the report and their
     * number in it, so a batch of them is one COPY that reads no
     * generated id back. dmarc_records and dmarc_auth name their report
     * without REFERENCES, as findings do: a foreign-key check is a query
     * per row (a trigger), and millions of records come in a large
     * ingest; they are written only by the batch statement, inside the
     * transaction whose first act inserted the report row, and nothing
     * deletes. Text that is sorted or compared is "C" (bytewise, and
     * lower() of it is ASCII only), as in SQLite. */
    "CREATE TABLE dmarc_reports ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " org_name TEXT COLLATE \"C\" NOT NULL,"
    " email TEXT NOT NULL,"
    " report_id TEXT COLLATE \"C\" NOT NULL,"
    " date_begin BIGINT NOT NULL,"
    " date_end BIGINT NOT NULL,"
    " domain TEXT COLLATE \"C\" NOT NULL,"
    " adkim TEXT NOT NULL,"
    " aspf TEXT NOT NULL,"
    " p TEXT NOT NULL,"
    " sp TEXT NOT NULL,"
    " np TEXT NOT NULL,"
    " pct INTEGER,"
    " testing TEXT NOT NULL,"
    " format TEXT NOT NULL CHECK (format IN ('rfc7489', 'rfc9990')),"
    " origin TEXT NOT NULL,"
    " ingested_at BIGINT NOT NULL,"
    " records BIGINT NOT NULL DEFAULT 0,"
    " messages BIGINT NOT NULL DEFAULT 0,"
    " dmarc_pass BIGINT NOT NULL DEFAULT 0,"
    " spf_aligned_pass BIGINT NOT NULL DEFAULT 0,"
    " dkim_aligned_pass BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (org_name, report_id, date_begin, date_end));"
    "CREATE INDEX dmarc_reports_domain ON dmarc_reports (domain, date_begin);"
    "CREATE INDEX dmarc_reports_begin ON dmarc_reports (date_begin);"
    "CREATE TABLE dmarc_records ("
    " report_id BIGINT NOT NULL,"
    " n INTEGER NOT NULL,"
    " source_ip TEXT COLLATE \"C\" NOT NULL,"
    " count BIGINT NOT NULL,"
    " disposition TEXT NOT NULL,"
    " dkim TEXT NOT NULL,"
    " spf TEXT NOT NULL,"
    " header_from TEXT NOT NULL,"
    " envelope_from TEXT COLLATE \"C\" NOT NULL,"
    " envelope_to TEXT NOT NULL,"
    " reasons TEXT NOT NULL,"
    " dkim_results INTEGER NOT NULL,"
    " dkim_domain TEXT COLLATE \"C\" NOT NULL,"
    " dkim_selector TEXT COLLATE \"C\" NOT NULL,"
    " dkim_result TEXT NOT NULL,"
    " spf_results INTEGER NOT NULL,"
    " spf_domain TEXT COLLATE \"C\" NOT NULL,"
    " spf_scope TEXT NOT NULL,"
    " spf_result TEXT NOT NULL,"
    " PRIMARY KEY (report_id, n));"
    "CREATE TABLE dmarc_auth ("
    " report_id BIGINT NOT NULL,"
    " record INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('dkim', 'spf')),"
    " domain TEXT COLLATE \"C\" NOT NULL,"
    " selector TEXT COLLATE \"C\" NOT NULL,"
    " scope TEXT NOT NULL,"
    " result TEXT NOT NULL,"
    " PRIMARY KEY (report_id, record, n));"
    "CREATE VIEW dmarc_results AS"
    " SELECT report_id, n AS record, 1 AS n, 'dkim' AS kind, dkim_domain AS domain,"
    " dkim_selector AS selector, '' AS scope, dkim_result AS result"
    " FROM dmarc_records WHERE dkim_results > 0"
    " UNION ALL SELECT report_id, n, dkim_results + 1, 'spf', spf_domain, '', spf_scope,"
    " spf_result FROM dmarc_records WHERE spf_results > 0"
    " UNION ALL SELECT report_id, record, n, kind, domain, selector, scope, result"
    " FROM dmarc_auth;"
    "CREATE TABLE tlsrpt_reports ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " org_name TEXT COLLATE \"C\" NOT NULL,"
    " contact_info TEXT NOT NULL,"
    " report_id TEXT COLLATE \"C\" NOT NULL,"
    " date_begin BIGINT NOT NULL,"
    " date_end BIGINT NOT NULL,"
    " origin TEXT NOT NULL,"
    " ingested_at BIGINT NOT NULL,"
    " policies INTEGER NOT NULL,"
    " failures INTEGER NOT NULL,"
    " UNIQUE (org_name, report_id));"
    "CREATE INDEX tlsrpt_reports_begin ON tlsrpt_reports (date_begin);"
    "CREATE TABLE tlsrpt_policies ("
    " report_id BIGINT NOT NULL REFERENCES tlsrpt_reports (id),"
    " n INTEGER NOT NULL,"
    " policy_type TEXT NOT NULL,"
    " policy_domain TEXT COLLATE \"C\" NOT NULL,"
    " policy_string TEXT NOT NULL,"
    " mx_host TEXT NOT NULL,"
    " successful BIGINT NOT NULL,"
    " failed BIGINT NOT NULL,"
    " has_summary BOOLEAN NOT NULL,"
    " PRIMARY KEY (report_id, n));"
    "CREATE INDEX tlsrpt_policies_domain ON tlsrpt_policies (policy_domain);"
    "CREATE TABLE tlsrpt_failures ("
    " report_id BIGINT NOT NULL,"
    " policy INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " result_type TEXT COLLATE \"C\" NOT NULL,"
    " sending_mta_ip TEXT NOT NULL,"
    " receiving_mx_hostname TEXT COLLATE \"C\" NOT NULL,"
    " receiving_mx_helo TEXT NOT NULL,"
    " receiving_ip TEXT NOT NULL,"
    " failed_session_count BIGINT NOT NULL,"
    " additional_information TEXT NOT NULL,"
    " failure_reason_code TEXT NOT NULL,"
    " PRIMARY KEY (report_id, policy, n),"
    " FOREIGN KEY (report_id, policy) REFERENCES tlsrpt_policies (report_id, n));",
    /* 3: the DKIM selectors of a policy domain seen in its reports
     * (d= the domain), kept as reports are, for `tiaki check` to test:
     * reading them no longer walks every record. Filled from the
     * reports kept before; lower() is ASCII only, as the store's own
     * lower-casing is. */
    "CREATE TABLE dmarc_selectors ("
    " domain TEXT COLLATE \"C\" NOT NULL,"
    " selector TEXT COLLATE \"C\" NOT NULL,"
    " report_id BIGINT NOT NULL REFERENCES dmarc_reports (id),"
    " PRIMARY KEY (domain, selector));"
    "INSERT INTO dmarc_selectors (domain, selector, report_id)"
    " SELECT r.domain, lower(a.selector), MIN(r.id)"
    " FROM dmarc_results a JOIN dmarc_reports r ON r.id = a.report_id"
    " WHERE a.kind = 'dkim' AND a.selector <> '' AND lower(a.domain) = r.domain"
    " GROUP BY r.domain, lower(a.selector);",
    /* 4: a snapshot whose observation and findings are those of the
     * domain's snapshot before it names that snapshot (content_id) and
     * keeps none of its own (observation ''); digest is of its content
     * (store_impl.h, struct st_content). Older snapshots hold their own.
     * No REFERENCES, as for findings: only the snapshot statement
     * writes it, from a row it has just read. */
    "ALTER TABLE snapshots ADD COLUMN digest TEXT COLLATE \"C\", ADD COLUMN content_id BIGINT;",
    /* 5: the queue holds batches of domains, not domains (store.h): a
     * claim or a snapshot per domain updated a queue row, which was
     * more than half of PostgreSQL's time in a scan. A running scan's
     * open rows become batches of one. The snapshots' references go,
     * as the findings' did (migration 1): two look-ups a snapshot, for
     * rows only the snapshot statement writes, from a claim. */
    "ALTER TABLE scans ADD COLUMN batch INTEGER NOT NULL DEFAULT 1;"
    " CREATE TABLE scan_batches ("
    " scan_id BIGINT NOT NULL REFERENCES scans (id),"
    " n BIGINT NOT NULL,"
    " domains BIGINT[] NOT NULL,"
    " worker TEXT,"
    " claimed_at BIGINT,"
    " claims INTEGER NOT NULL DEFAULT 0,"
    " done_at BIGINT,"
    " PRIMARY KEY (scan_id, n));"
    " CREATE INDEX scan_batches_claim ON scan_batches (scan_id, (COALESCE(claimed_at, 0)), n)"
    " WHERE done_at IS NULL;"
    " INSERT INTO scan_batches (scan_id, n, domains, claimed_at, claims)"
    " SELECT scan_id, id, ARRAY[domain_id], claimed_at, CASE WHEN claimed_at IS NULL THEN 0"
    " ELSE 1 END FROM scan_queue WHERE done_at IS NULL;"
    " DROP TABLE scan_queue;"
    " ALTER TABLE snapshots DROP CONSTRAINT IF EXISTS snapshots_scan_id_fkey,"
    " DROP CONSTRAINT IF EXISTS snapshots_domain_id_fkey;",
    /* 6: a domain's row says where its newest snapshot's content is
     * (store.h, struct tk_content_ref), kept with each new content: a
     * claim reads it with the domain, where a search of each domain's
     * snapshots was a sixth of the server's time in a scan. Filled from
     * the snapshots. */
    "ALTER TABLE domains ADD COLUMN newest_content BIGINT, ADD COLUMN newest_digest TEXT;"
    " UPDATE domains d SET newest_content = x.content, newest_digest = x.digest"
    " FROM (SELECT DISTINCT ON (domain_id) domain_id, COALESCE(content_id, id) AS content,"
    " digest FROM snapshots ORDER BY domain_id, scanned_at DESC, id DESC) x"
    " WHERE x.domain_id = d.id;",
};

#define MIGRATIONS_N ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(MIGRATIONS_N == ST_SCHEMA_VERSION, "one PostgreSQL migration per schema version");

static struct pg_store *pgs(struct tk_store *s)
{
    return (struct pg_store *)s;
}

/* ---- messages ---- */

/* pg_mask copies msg to out on one line with the password masked. */
static void pg_mask(const struct pg_store *q, const char *msg, char *out, size_t outlen)
{
    char line[TK_ERROR_MSG_MAX * 2];
    const char *hit;
    size_t pw = strlen(q->password);

    st_one_line(msg, line, sizeof(line));
    out[0] = '\0';
    if (pw == 0 || (hit = strstr(line, q->password)) == NULL) {
        snprintf(out, outlen, "%s", line);
        return;
    }
    snprintf(out, outlen, "%.*s***%s", (int)(hit - line), line, hit + pw);
}

/* pg_fail fills err from a result (or the connection) and maps the
 * SQLSTATE: 08 connection, 40 serialisation or deadlock, 53 resources,
 * 57P0x shutdown, 23 a constraint. */
static enum tk_status pg_fail(struct pg_store *q, const PGresult *res, const char *doing,
                              struct tk_error *err)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[TK_ERROR_MSG_MAX];
    enum tk_status code = TK_IO;

    pg_mask(q, primary != NULL ? primary : PQerrorMessage(q->conn), msg, sizeof(msg));
    if (state != NULL) {
        if (strncmp(state, "40", 2) == 0 || strncmp(state, "53", 2) == 0 ||
            strcmp(state, "57P03") == 0)
            code = TK_TEMP;
        else if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
            code = TK_INVALID;
    }
    return tk_error_set(err, code, "PostgreSQL at %s: %s: %s", q->base.where, doing, msg);
}

/* pg_password finds the password of a URL: user:PASSWORD@ or
 * password=PASSWORD in the query. */
static void pg_password(const char *url, char *out, size_t outlen)
{
    const char *auth = strstr(url, "://"), *end, *at = NULL, *colon, *q;

    out[0] = '\0';
    if (auth == NULL)
        return;
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL && at - colon > 1) {
        snprintf(out, outlen, "%.*s", (int)(at - colon - 1), colon + 1);
        return;
    }
    q = strstr(end, "password=");
    if (q != NULL && (q[-1] == '?' || q[-1] == '&'))
        snprintf(out, outlen, "%.*s", (int)strcspn(q + 9, "&#"), q + 9);
}

/* ---- statements ---- */

static void pg_quiet(void *arg, const char *message)
{
    /* NOTICEs ("relation already exists, skipping") are not for people. */
}

/* pg_ready makes sure the connection works: a broken one is reset once
 * (outside a transaction) and its statements forgotten. */
static enum tk_status pg_ready(struct pg_store *q, struct tk_error *err)
{
    if (PQstatus(q->conn) == CONNECTION_OK)
        return TK_OK;
    if (q->in_tx)
        return pg_fail(q, NULL, "the connection was lost", err);
    PQreset(q->conn);
    if (PQstatus(q->conn) != CONNECTION_OK)
        return pg_fail(q, NULL, "reconnecting", err);
    memset(q->prepared, 0, sizeof(q->prepared));
    q->put_prepared = false;
    return TK_OK;
}

static enum tk_status pg_prepare(struct pg_store *q, const char *name, const char *sql,
                                 struct tk_error *err)
{
    PGresult *res = PQprepare(q->conn, name, sql, 0, NULL);
    enum tk_status st = TK_OK;

    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        st = pg_fail(q, res, "preparing a statement", err);
    PQclear(res);
    return st;
}

/* Parameters as libpq wants them: integers as text, text in binary
 * form (the text type's binary form is its bytes). */
struct pg_params {
    const char *values[PG_PARAMS_MAX];
    int lengths[PG_PARAMS_MAX];
    int formats[PG_PARAMS_MAX];
    char ints[PG_PARAMS_MAX][24];
};

static void pg_params_set(struct pg_params *pp, const struct st_param *p, size_t np)
{
    for (size_t i = 0; i < np; i++) {
        pp->lengths[i] = 0;
        pp->formats[i] = 0;
        switch (p[i].type) {
        case ST_NULL:
            pp->values[i] = NULL;
            break;
        case ST_INT:
            snprintf(pp->ints[i], sizeof(pp->ints[i]), "%lld", (long long)p[i].i);
            pp->values[i] = pp->ints[i];
            break;
        default:
            pp->values[i] = p[i].s;
            pp->lengths[i] = (int)p[i].len;
            pp->formats[i] = 1;
            break;
        }
    }
}

static enum tk_status pg_result_ok(struct pg_store *q, PGresult *res, int64_t *changes,
                                   struct tk_error *err)
{
    ExecStatusType rs = PQresultStatus(res);

    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
        return pg_fail(q, res, "a statement failed", err);
    if (changes != NULL)
        *changes = strtoll(PQcmdTuples(res), NULL, 10);
    return TK_OK;
}

static const struct st_backend pg_backend;

/* pg_settle collects the outcome of a COPY of DMARC records left
 * running (pg_dmarc_put) before anything else is sent. */
static enum tk_status pg_settle(struct pg_store *q, struct tk_error *err)
{
    enum tk_status st = TK_OK;
    PGresult *res;

    if (!q->copy_pending)
        return TK_OK;
    q->copy_pending = false;
    while ((res = PQgetResult(q->conn)) != NULL) {
        if (st == TK_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
            st = pg_fail(q, res, "keeping DMARC records", err);
        PQclear(res);
    }
    return st;
}

/* pg_walk reads the results of a sent statement in single-row mode. */
static enum tk_status pg_walk(struct pg_store *q, st_row_fn each, void *arg, int64_t *changes,
                              struct tk_error *err)
{
    enum tk_status st = TK_OK;
    bool walking = true;
    PGresult *res;

    while ((res = PQgetResult(q->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
            struct st_row row = {.be = &pg_backend, .h = res, .row = 0};

            if (walking && st == TK_OK)
                walking = each(arg, &row);
        } else if (st == TK_OK) {
            st = pg_result_ok(q, res, changes, err);
        }
        PQclear(res);
    }
    return st;
}

static enum tk_status pg_query(struct tk_store *s, enum st_id id, const struct st_param *p,
                               size_t np, st_row_fn each, void *arg, int64_t *changes,
                               struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    struct pg_params pp;
    char name[16];
    enum tk_status st;

    if (np > PG_PARAMS_MAX)
        return tk_error_set(err, TK_LIMIT, "a statement with %zu parameters", np);
    if ((st = pg_ready(q, err)) != TK_OK || (st = pg_settle(q, err)) != TK_OK)
        return st;
    snprintf(name, sizeof(name), "tk_%d", (int)id);
    if (!q->prepared[id]) {
        if ((st = pg_prepare(q, name, st_sql(id, true), err)) != TK_OK)
            return st;
        q->prepared[id] = true;
    }
    pg_params_set(&pp, p, np);
    if (each == NULL) {
        PGresult *res =
            PQexecPrepared(q->conn, name, (int)np, pp.values, pp.lengths, pp.formats, 0);

        st = pg_result_ok(q, res, changes, err);
        PQclear(res);
        return st;
    }
    if (!PQsendQueryPrepared(q->conn, name, (int)np, pp.values, pp.lengths, pp.formats, 0))
        return pg_fail(q, NULL, "sending a statement", err);
    PQsetSingleRowMode(q->conn);
    return pg_walk(q, each, arg, changes, err);
}

/* pg_command runs a command without parameters (BEGIN, COMMIT, ...);
 * expect: its command tag, or NULL for any. */
static enum tk_status pg_command(struct pg_store *q, const char *sql, const char *expect,
                                 struct tk_error *err)
{
    PGresult *res = PQexec(q->conn, sql);
    enum tk_status st = TK_OK;

    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        st = pg_fail(q, res, sql, err);
    else if (expect != NULL && strcmp(PQcmdStatus(res), expect) != 0)
        st = tk_error_set(err, TK_IO, "PostgreSQL at %s: %s ended as %s", q->base.where, sql,
                          PQcmdStatus(res));
    PQclear(res);
    return st;
}

static enum tk_status pg_begin(struct tk_store *s, struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    enum tk_status st = pg_ready(q, err);

    if (st == TK_OK && (st = pg_command(q, "BEGIN", NULL, err)) == TK_OK)
        q->in_tx = true;
    return st;
}

static void pg_rollback(struct tk_store *s)
{
    struct pg_store *q = pgs(s);

    pg_settle(q, NULL);
    q->copy_auth_rows = 0;
    if (PQstatus(q->conn) == CONNECTION_OK)
        PQclear(PQexec(q->conn, "ROLLBACK"));
    q->in_tx = false;
}

static enum tk_status pg_commit(struct tk_store *s, struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    enum tk_status st = pg_settle(q, err);

    if (st != TK_OK) {
        pg_rollback(s);
        return st;
    }
    st = pg_command(q, "COMMIT", "COMMIT", err);
    q->in_tx = false;
    return st;
}

/* ---- snapshots: a batch in one statement ---- */

/* One array in the binary format of array_recv: dimensions 1, no-nulls
 * flag, element type, length and lower bound 1, then each element as
 * its length and bytes, integers in network order. */
struct pg_array {
    struct tk_buf b;
    uint32_t n;
};

static enum tk_status arr_u32(struct pg_array *a, uint32_t v)
{
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};

    return tk_buf_append(&a->b, be, 4);
}

static enum tk_status arr_start(struct pg_array *a, unsigned type)
{
    enum tk_status st;

    tk_buf_reset(&a->b);
    a->n = 0;
    if ((st = arr_u32(a, 1)) != TK_OK || (st = arr_u32(a, 0)) != TK_OK ||
        (st = arr_u32(a, type)) != TK_OK || (st = arr_u32(a, 0)) != TK_OK)
        return st;
    return arr_u32(a, 1);
}

/* arr_finish writes the element count into its place (bytes 12..15). */
static void arr_finish(struct pg_array *a)
{
    unsigned char *p = (unsigned char *)a->b.data + 12;

    p[0] = (unsigned char)(a->n >> 24);
    p[1] = (unsigned char)(a->n >> 16);
    p[2] = (unsigned char)(a->n >> 8);
    p[3] = (unsigned char)a->n;
}

static enum tk_status arr_bytes(struct pg_array *a, const void *p, size_t len)
{
    enum tk_status st;

    if (len > INT32_MAX)
        return TK_LIMIT;
    if ((st = arr_u32(a, (uint32_t)len)) != TK_OK || (st = tk_buf_append(&a->b, p, len)) != TK_OK)
        return st;
    a->n++;
    return TK_OK;
}

static enum tk_status arr_text(struct pg_array *a, const char *s)
{
    return arr_bytes(a, s, strlen(s));
}

static enum tk_status arr_int8(struct pg_array *a, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char be[8];

    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)(u >> (56 - 8 * i));
    return arr_bytes(a, be, 8);
}

static enum tk_status arr_bool(struct pg_array *a, bool v)
{
    unsigned char c = v ? 1 : 0;

    return arr_bytes(a, &c, 1);
}

/* cols_snapshot adds the snapshot's row; one whose content another
 * snapshot holds comes without its observation. */
static enum tk_status cols_snapshot(struct pg_array *c, const struct tk_snapshot *sn,
                                    const struct st_content *content)
{
    enum tk_status st;

    if ((st = arr_int8(&c[C_S_DOMAIN], sn->domain->id)) == TK_OK &&
        (st = arr_int8(&c[C_S_AT], sn->scanned_at)) == TK_OK &&
        (st = arr_text(&c[C_S_PROFILE], tk_profile_name(sn->profile))) == TK_OK &&
        (st = arr_bool(&c[C_S_COMPLIANT], sn->compliant)) == TK_OK &&
        (st = arr_bool(&c[C_S_UNKNOWN], sn->all_unknown)) == TK_OK &&
        (st = arr_bytes(&c[C_S_OBSERVATION], sn->observation_json,
                        content->shared ? 0 : sn->observation_len)) == TK_OK &&
        (st = arr_text(&c[C_S_DIGEST], content->digest)) == TK_OK)
        st = arr_int8(&c[C_S_CONTENT], content->shared);
    return st;
}

/* cols_findings adds the snapshot's findings, unless another holds them. */
static enum tk_status cols_findings(struct pg_array *c, const struct tk_snapshot *sn,
                                    const struct st_content *content)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && content->shared == 0 && i < sn->judgement->n; i++) {
        const struct tk_finding *f = &sn->judgement->findings[i];

        if ((st = arr_int8(&c[C_F_DOMAIN], sn->domain->id)) == TK_OK &&
            (st = arr_text(&c[C_F_RULE], f->rule->id)) == TK_OK &&
            (st = arr_text(&c[C_F_LEVEL], tk_level_name(f->rule->level))) == TK_OK &&
            (st = arr_text(&c[C_F_STATUS], tk_verdict_name(f->status))) == TK_OK &&
            (st = arr_text(&c[C_F_EVIDENCE], f->evidence)) == TK_OK)
            st = arr_text(&c[C_F_REMEDIATION], f->remediation);
    }
    return st;
}

static enum tk_status cols_states(struct pg_array *c, const struct tk_snapshot *sn)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < sn->nstates; i++) {
        const struct tk_rule_state *r = &sn->states[i];

        if ((st = arr_int8(&c[C_R_DOMAIN], sn->domain->id)) == TK_OK &&
            (st = arr_text(&c[C_R_RULE], r->rule)) == TK_OK &&
            (st = arr_text(&c[C_R_STATUS], tk_verdict_name(r->status))) == TK_OK &&
            (st = arr_text(&c[C_R_EVIDENCE], r->evidence)) == TK_OK)
            st = arr_int8(&c[C_R_SCAN], r->scan_id);
    }
    return st;
}

static enum tk_status cols_events(struct pg_array *c, const struct tk_snapshot *sn)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < sn->nevents; i++) {
        const struct tk_event *e = &sn->events[i];

        if ((st = arr_int8(&c[C_E_DOMAIN], sn->domain->id)) == TK_OK &&
            (st = arr_int8(&c[C_E_AT], sn->scanned_at)) == TK_OK &&
            (st = arr_text(&c[C_E_KIND], tk_event_kind_name(e->kind))) == TK_OK &&
            (st = arr_text(&c[C_E_RULE], e->rule)) == TK_OK &&
            (st = arr_text(&c[C_E_FROM], tk_verdict_name(e->from))) == TK_OK &&
            (st = arr_text(&c[C_E_TO], tk_verdict_name(e->to))) == TK_OK &&
            (st = arr_text(&c[C_E_BEFORE], e->before)) == TK_OK &&
            (st = arr_text(&c[C_E_AFTER], e->after)) == TK_OK)
            st = arr_text(&c[C_E_REMEDIATION], e->remediation);
    }
    return st;
}

static enum tk_status cols_targets(struct pg_array *c, const struct tk_snapshot_put *pu)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < pu->ntargets; i++)
        if ((st = arr_int8(&c[C_T_DOMAIN], pu->snap->domain->id)) == TK_OK &&
            (st = arr_text(&c[C_T_CHANNEL], st_channel_name(pu->targets[i].channel))) == TK_OK)
            st = arr_text(&c[C_T_DESTINATION], pu->targets[i].destination);
    return st;
}

/* pg_put_columns fills every column of the batch. */
static enum tk_status pg_put_columns(struct pg_array *c, const struct tk_snapshot_put *puts,
                                     const struct st_content *content, size_t n,
                                     const int64_t *close, size_t nclose)
{
    enum tk_status st = TK_OK;

    for (int i = 0; st == TK_OK && i < C_N; i++)
        st = arr_start(&c[i], pg_column_type[i] != 0 ? pg_column_type[i] : PG_TEXTOID);
    for (size_t i = 0; st == TK_OK && i < n; i++) {
        const struct tk_snapshot *sn = puts[i].snap;

        if ((st = cols_snapshot(c, sn, &content[i])) == TK_OK &&
            (st = cols_findings(c, sn, &content[i])) == TK_OK &&
            (st = cols_states(c, sn)) == TK_OK && (st = cols_events(c, sn)) == TK_OK)
            st = cols_targets(c, &puts[i]);
    }
    for (size_t i = 0; st == TK_OK && i < nclose; i++)
        st = arr_int8(&c[C_CLOSE], close[i]);
    for (int i = 0; st == TK_OK && i < C_N; i++)
        arr_finish(&c[i]);
    return st;
}

static enum tk_status pg_snapshot_put(struct tk_store *s, int64_t scan_id,
                                      const struct tk_snapshot_put *puts,
                                      const struct st_content *content, size_t n,
                                      const int64_t *close, size_t nclose, struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    struct pg_array c[C_N];
    const char *values[PG_PUT_PARAMS];
    int lengths[PG_PUT_PARAMS], formats[PG_PUT_PARAMS];
    char scan[24], now[24];
    PGresult *res;
    enum tk_status st;

    if ((st = pg_ready(q, err)) != TK_OK)
        return st;
    if (!q->put_prepared) {
        if ((st = pg_prepare(q, "tk_put", pg_put_sql, err)) != TK_OK)
            return st;
        q->put_prepared = true;
    }
    memset(c, 0, sizeof(c));
    st = pg_put_columns(c, puts, content, n, close, nclose);
    if (st != TK_OK) {
        st = tk_error_set(err, st, "no memory for %zu snapshots", n);
    } else {
        snprintf(scan, sizeof(scan), "%lld", (long long)scan_id);
        snprintf(now, sizeof(now), "%lld", (long long)st_now());
        values[0] = scan, values[1] = now;
        lengths[0] = lengths[1] = formats[0] = formats[1] = 0;
        /* Each array is below TK_BUF_MAX (256 MiB), so its length fits. */
        for (int i = 0; i < C_N; i++) {
            values[2 + i] = c[i].b.data;
            lengths[2 + i] = (int)c[i].b.len;
            formats[2 + i] = 1;
        }
        res = PQexecPrepared(q->conn, "tk_put", PG_PUT_PARAMS, values, lengths, formats, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            st = pg_fail(q, res, "keeping snapshots", err);
        PQclear(res);
    }
    for (int i = 0; i < C_N; i++)
        tk_buf_free(&c[i].b);
    return st;
}

/* ---- DMARC records: COPY, overlapping the parse ---- */

/* A batch of records is one COPY ... FROM STDIN (FORMAT binary): the
 * rows in PostgreSQL's binary copy format (a field is its length and
 * bytes, integers in network order), so nothing is quoted or escaped,
 * and the server's cheapest way in (a quarter faster than INSERT ...
 * SELECT FROM unnest of arrays, measured). The COPY of a batch is sent
 * and left running: the server writes it while the caller parses the
 * next batch, and its outcome is collected before the next command
 * (pg_settle). Further auth results (rare) gather over the batches and
 * go in one COPY when the report ends. */

#define PG_COPY_RECORDS                                                                            \
    "COPY dmarc_records (report_id, n, source_ip, count, disposition, dkim, spf, header_from,"     \
    " envelope_from, envelope_to, reasons, dkim_results, dkim_domain, dkim_selector,"              \
    " dkim_result, spf_results, spf_domain, spf_scope, spf_result) FROM STDIN (FORMAT binary)"
#define PG_COPY_AUTH                                                                               \
    "COPY dmarc_auth (report_id, record, n, kind, domain, selector, scope, result)"                \
    " FROM STDIN (FORMAT binary)"

/* Further auth results held before they are sent anyway. */
#define PG_COPY_AUTH_MAX ((size_t)1 << 20)

/* cp_be appends the low bytes of v in network order. */
static enum tk_status cp_be(struct tk_buf *b, uint64_t v, int bytes)
{
    unsigned char be[8];

    for (int i = 0; i < bytes; i++)
        be[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    return tk_buf_append(b, be, (size_t)bytes);
}

/* cp_int appends an integer field of bytes (4: integer, 8: bigint). */
static enum tk_status cp_int(struct tk_buf *b, int64_t v, int bytes)
{
    enum tk_status st = cp_be(b, (uint64_t)bytes, 4);

    return st == TK_OK ? cp_be(b, (uint64_t)v, bytes) : st;
}

/* cp_text appends a text field (a batch's strings are far below 2^31). */
static enum tk_status cp_text(struct tk_buf *b, const char *t)
{
    size_t n = strlen(t);
    enum tk_status st = cp_be(b, n, 4);

    return st == TK_OK ? tk_buf_append(b, t, n) : st;
}

/* cp_start starts b with the header: the signature, no flags, no
 * extension. */
static enum tk_status cp_start(struct tk_buf *b)
{
    static const char header[19] = "PGCOPY\n\377\r\n";

    tk_buf_reset(b);
    return tk_buf_append(b, header, sizeof(header));
}

/* cp_end appends the trailer (a field count of -1). */
static enum tk_status cp_end(struct tk_buf *b)
{
    return cp_be(b, 0xffff, 2);
}

static enum tk_status cp_record(struct tk_buf *c, int64_t report, const struct st_dmarc_batch *b,
                                const struct st_dmarc_rec *r)
{
    enum tk_status st;

    if ((st = cp_be(c, 19, 2)) == TK_OK && (st = cp_int(c, report, 8)) == TK_OK &&
        (st = cp_int(c, r->n, 4)) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->source_ip))) == TK_OK &&
        (st = cp_int(c, r->count, 8)) == TK_OK && (st = cp_text(c, r->disposition)) == TK_OK &&
        (st = cp_text(c, r->dkim)) == TK_OK && (st = cp_text(c, r->spf)) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->header_from))) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->envelope_from))) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->envelope_to))) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->reasons))) == TK_OK &&
        (st = cp_int(c, r->dkim_results, 4)) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->dkim_domain))) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->dkim_selector))) == TK_OK &&
        (st = cp_text(c, r->dkim_result)) == TK_OK &&
        (st = cp_int(c, r->spf_results, 4)) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, r->spf_domain))) == TK_OK &&
        (st = cp_text(c, r->spf_scope)) == TK_OK)
        st = cp_text(c, r->spf_result);
    return st;
}

static enum tk_status cp_auth(struct tk_buf *c, int64_t report, const struct st_dmarc_batch *b,
                              const struct st_dmarc_auth *a)
{
    enum tk_status st;

    if ((st = cp_be(c, 8, 2)) == TK_OK && (st = cp_int(c, report, 8)) == TK_OK &&
        (st = cp_int(c, a->record, 4)) == TK_OK && (st = cp_int(c, a->n, 4)) == TK_OK &&
        (st = cp_text(c, a->kind)) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, a->domain))) == TK_OK &&
        (st = cp_text(c, st_dmarc_text(b, a->selector))) == TK_OK &&
        (st = cp_text(c, a->scope)) == TK_OK)
        st = cp_text(c, a->result);
    return st;
}

/* pg_copy_send starts a COPY and sends data, without waiting for the
 * outcome (pg_settle collects it). */
static enum tk_status pg_copy_send(struct pg_store *q, const char *sql, const struct tk_buf *data,
                                   struct tk_error *err)
{
    PGresult *res = PQexec(q->conn, sql);
    enum tk_status st = TK_OK;

    if (PQresultStatus(res) != PGRES_COPY_IN) {
        st = pg_fail(q, res, "starting to copy DMARC records", err);
        PQclear(res);
        return st;
    }
    PQclear(res);
    q->copy_pending = true;
    /* data->len is below TK_BUF_MAX (256 MiB): it fits an int. */
    if (PQputCopyData(q->conn, data->data, (int)data->len) != 1 || PQputCopyEnd(q->conn, NULL) != 1)
        return pg_fail(q, NULL, "sending DMARC records", err);
    return TK_OK;
}

/* pg_auth_send sends the further auth results gathered, and waits. */
static enum tk_status pg_auth_send(struct pg_store *q, struct tk_error *err)
{
    enum tk_status st;

    if (q->copy_auth_rows == 0)
        return TK_OK;
    q->copy_auth_rows = 0;
    if ((st = cp_end(&q->copy_auth)) != TK_OK)
        return tk_error_set(err, st, "no memory for DMARC results");
    if ((st = pg_settle(q, err)) != TK_OK ||
        (st = pg_copy_send(q, PG_COPY_AUTH, &q->copy_auth, err)) != TK_OK)
        return st;
    return pg_settle(q, err);
}

static enum tk_status pg_auth_gather(struct pg_store *q, int64_t report,
                                     const struct st_dmarc_batch *b, struct tk_error *err)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < b->nauth; i++) {
        if (q->copy_auth_rows == 0)
            st = cp_start(&q->copy_auth);
        if (st == TK_OK && (st = cp_auth(&q->copy_auth, report, b, &b->auth[i])) == TK_OK)
            q->copy_auth_rows++;
    }
    if (st != TK_OK)
        return tk_error_set(err, st, "no memory for DMARC results");
    return TK_OK;
}

static enum tk_status pg_dmarc_put(struct tk_store *s, int64_t report,
                                   const struct st_dmarc_batch *b, bool last, struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    struct tk_buf *c = &q->copy_rec;
    enum tk_status st;

    /* Inside the report's transaction: a lost connection is an error
     * (pg_ready does not reset it). The previous batch's outcome first. */
    if ((st = pg_ready(q, err)) != TK_OK || (st = pg_settle(q, err)) != TK_OK ||
        (st = pg_auth_gather(q, report, b, err)) != TK_OK)
        return st;
    if (b->nrec > 0) {
        st = cp_start(c);
        for (size_t i = 0; st == TK_OK && i < b->nrec; i++)
            st = cp_record(c, report, b, &b->rec[i]);
        if (st == TK_OK)
            st = cp_end(c);
        if (st != TK_OK)
            return tk_error_set(err, st, "no memory for %zu DMARC records", b->nrec);
        if ((st = pg_copy_send(q, PG_COPY_RECORDS, c, err)) != TK_OK)
            return st;
    }
    if (last || q->copy_auth.len >= PG_COPY_AUTH_MAX)
        st = pg_auth_send(q, err);
    if (st == TK_OK && last)
        st = pg_settle(q, err);
    return st;
}

/* ---- rows ---- */

static int64_t pg_col_int(const struct st_row *r, int col)
{
    const char *v;

    if (PQgetisnull(r->h, r->row, col))
        return 0;
    v = PQgetvalue(r->h, r->row, col);
    if (v[0] == 't')
        return 1;
    if (v[0] == 'f')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(const struct st_row *r, int col)
{
    return PQgetisnull(r->h, r->row, col) ? "" : PQgetvalue(r->h, r->row, col);
}

static bool pg_col_null(const struct st_row *r, int col)
{
    return PQgetisnull(r->h, r->row, col) != 0;
}

static void pg_close(struct tk_store *s)
{
    struct pg_store *q = pgs(s);

    tk_buf_free(&q->copy_rec);
    tk_buf_free(&q->copy_auth);
    PQfinish(q->conn);
    free(q);
}

static const struct st_backend pg_backend = {
    .name = "postgresql",
    .query = pg_query,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .snapshot_put = pg_snapshot_put,
    .dmarc_put = pg_dmarc_put,
    .close = pg_close,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
};

/* ---- opening ---- */

static enum tk_status pg_schema_version(struct pg_store *q, int *have, struct tk_error *err)
{
    PGresult *res = PQexec(q->conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    enum tk_status st = TK_OK;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        st = pg_fail(q, res, "reading the schema version", err);
    else
        *have = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return st;
}

static enum tk_status pg_migrate_tx(struct pg_store *q, struct tk_error *err)
{
    int have = 0;
    enum tk_status st;

    if ((st = pg_command(q, "SELECT pg_advisory_xact_lock(" PG_MIGRATION_LOCK ")", NULL, err)) !=
            TK_OK ||
        (st = pg_command(q,
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
                         NULL, err)) != TK_OK ||
        (st = pg_schema_version(q, &have, err)) != TK_OK)
        return st;
    if (have > MIGRATIONS_N)
        return tk_error_set(err, TK_INVALID,
                            "PostgreSQL at %s has schema version %d; this tiaki knows up to "
                            "%d: use a newer tiaki",
                            q->base.where, have, MIGRATIONS_N);
    for (int v = have + 1; v <= MIGRATIONS_N; v++) {
        char ver[16], at[24];
        const char *vals[2] = {ver, at};
        PGresult *res;

        if ((st = pg_command(q, migrations[v - 1], NULL, err)) != TK_OK)
            return st;
        snprintf(ver, sizeof(ver), "%d", v);
        snprintf(at, sizeof(at), "%lld", (long long)st_now());
        res = PQexecParams(q->conn,
                           "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", 2,
                           NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            st = pg_fail(q, res, "recording a migration", err);
        PQclear(res);
        if (st != TK_OK)
            return st;
    }
    q->base.schema_version = MIGRATIONS_N;
    return TK_OK;
}

static enum tk_status pg_migrate(struct pg_store *q, struct tk_error *err)
{
    enum tk_status st = pg_begin(&q->base, err);

    if (st != TK_OK)
        return st;
    return st_tx_end(&q->base, pg_migrate_tx(q, err), err);
}

enum tk_status st_pg_open(const char *url, const char *where, struct tk_store **out,
                          struct tk_error *err)
{
    /* connect_timeout comes before the URL, so the URL's own wins. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const vals[] = {PG_CONNECT_TIMEOUT, "tiaki", url, NULL};
    struct pg_store *q = calloc(1, sizeof(*q));
    enum tk_status st;

    if (q == NULL)
        return tk_error_set(err, TK_NOMEM, "no memory to open %s", where);
    q->base.be = &pg_backend;
    snprintf(q->base.where, sizeof(q->base.where), "%s", where);
    pg_password(url, q->password, sizeof(q->password));
    q->conn = PQconnectdbParams(keys, vals, 1);
    if (q->conn == NULL) {
        free(q);
        return tk_error_set(err, TK_NOMEM, "no memory to connect to %s", where);
    }
    if (PQstatus(q->conn) != CONNECTION_OK) {
        char msg[TK_ERROR_MSG_MAX];

        pg_mask(q, PQerrorMessage(q->conn), msg, sizeof(msg));
        st = tk_error_set(err, TK_IO, "PostgreSQL at %s: %s", where, msg);
        pg_close(&q->base);
        return st;
    }
    PQsetNoticeProcessor(q->conn, pg_quiet, NULL);
    if (PQsetClientEncoding(q->conn, "UTF8") != 0) {
        st = pg_fail(q, NULL, "setting the client encoding to UTF8", err);
        pg_close(&q->base);
        return st;
    }
    if ((st = pg_migrate(q, err)) != TK_OK) {
        pg_close(&q->base);
        return st;
    }
    *out = &q->base;
    return TK_OK;
}
