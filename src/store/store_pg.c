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
 *	Snapshots: each is ONE statement of data-modifying CTEs (the
 *	snapshot, its findings, rule states, events, the alerts of its
 *	regressions, the queue row and the scan's count), with the rows as
 *	arrays unnested on the server; a batch is sent in pipeline mode and
 *	ended by one Sync, so it costs one round trip and is one implicit
 *	transaction: all of it is kept, or (an error anywhere) none.
 *
 *	The queue claim locks rows with FOR UPDATE SKIP LOCKED and reads
 *	the server's clock (store_query.c), so workers on many hosts never
 *	claim the same domain and agree on when a lease ran out.
 *
 *	Migrations run at open in one transaction under an advisory lock
 *	(pg_advisory_xact_lock), so processes opening a new database at
 *	the same moment take turns: the first migrates, the others find it
 *	done.
 * SECURITY
 *	Values are bound parameters; arrays are array literals built here
 *	with every element quoted and escaped ('"' and '\'), tested with
 *	hostile text. Text goes as the server's text type in binary form
 *	(its bytes and a length), so nothing needs a terminating NUL.
 *	Messages name the database without its password, and a password
 *	that libpq would echo (a malformed URL) is masked.
 * DIAGNOSTICS
 *	"PostgreSQL at postgresql://tiaki@127.77.0.40/tiaki: connection to
 *	server at "127.77.0.40", port 5432 failed: Connection refused ..."
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "store/store_impl.h"

/* Parameters of one statement (the snapshot statement has 26). */
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
    char password[TK_STORE_URL_MAX]; /* to mask in libpq's messages */
};

/* The arrays of one snapshot statement, reused from one to the next. */
enum pg_array {
    A_F_RULE,
    A_F_LEVEL,
    A_F_STATUS,
    A_F_EVIDENCE,
    A_F_REMEDIATION,
    A_S_RULE,
    A_S_STATUS,
    A_S_EVIDENCE,
    A_S_SCAN,
    A_E_KIND,
    A_E_RULE,
    A_E_FROM,
    A_E_TO,
    A_E_BEFORE,
    A_E_AFTER,
    A_E_REMEDIATION,
    A_T_CHANNEL,
    A_T_DESTINATION,
    A_N
};

static const char pg_put_sql[] =
    "WITH s AS ("
    " INSERT INTO snapshots (scan_id, domain_id, scanned_at, profile, compliant, all_unknown,"
    " observation) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (scan_id, domain_id) DO NOTHING RETURNING id),"
    " f AS (INSERT INTO findings (snapshot_id, rule, level, status, evidence, remediation)"
    " SELECT s.id, u.rule, u.level, u.status, u.evidence, u.remediation FROM s,"
    " unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[])"
    " AS u (rule, level, status, evidence, remediation)),"
    " r AS (INSERT INTO rule_states (domain_id, rule, status, evidence, scan_id)"
    " SELECT $2, u.rule, u.status, u.evidence, u.scan_id FROM s,"
    " unnest($14::text[], $15::text[], $16::text[], $17::bigint[])"
    " AS u (rule, status, evidence, scan_id)"
    " ON CONFLICT (domain_id, rule) DO UPDATE SET status = excluded.status,"
    " evidence = excluded.evidence, scan_id = excluded.scan_id),"
    " e AS (INSERT INTO events (scan_id, domain_id, at, kind, rule, from_status, to_status,"
    " before, after, remediation)"
    " SELECT $1, $2, $3, u.kind, NULLIF(u.rule, ''), u.from_status, u.to_status, u.before,"
    " u.after, u.remediation FROM s,"
    " unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[],"
    " $24::text[]) WITH ORDINALITY"
    " AS u (kind, rule, from_status, to_status, before, after, remediation, n)"
    " ORDER BY u.n RETURNING id, kind),"
    " a AS (INSERT INTO alerts (event_id, channel, destination, state, attempts, next_attempt,"
    " last_error)"
    " SELECT e.id, t.channel, t.destination, 'pending', 0, $8, '' FROM e,"
    " unnest($25::text[], $26::text[]) AS t (channel, destination)"
    " WHERE e.kind = 'regression'"
    " ON CONFLICT (event_id, channel, destination) DO NOTHING),"
    " q AS (UPDATE scan_queue SET done_at = $8"
    " WHERE scan_id = $1 AND domain_id = $2 AND done_at IS NULL AND EXISTS (SELECT 1 FROM s)"
    " RETURNING 1)"
    " UPDATE scans SET done = done + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM q)";

#define PG_PUT_PARAMS 26

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
    "CREATE INDEX scan_queue_domain ON scan_queue (domain_id) WHERE done_at IS NULL;"
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
    "CREATE TABLE findings ("
    " snapshot_id BIGINT NOT NULL REFERENCES snapshots (id),"
    " rule TEXT COLLATE \"C\" NOT NULL,"
    " level TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'unknown')),"
    " evidence TEXT NOT NULL,"
    " remediation TEXT NOT NULL,"
    " PRIMARY KEY (snapshot_id, rule));"
    "CREATE TABLE rule_states ("
    " domain_id BIGINT NOT NULL REFERENCES domains (id),"
    " rule TEXT COLLATE \"C\" NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn')),"
    " evidence TEXT NOT NULL,"
    " scan_id BIGINT NOT NULL REFERENCES scans (id),"
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
    if ((st = pg_ready(q, err)) != TK_OK)
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

static enum tk_status pg_commit(struct tk_store *s, struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    enum tk_status st = pg_command(q, "COMMIT", "COMMIT", err);

    q->in_tx = false;
    return st;
}

static void pg_rollback(struct tk_store *s)
{
    struct pg_store *q = pgs(s);

    if (PQstatus(q->conn) == CONNECTION_OK)
        PQclear(PQexec(q->conn, "ROLLBACK"));
    q->in_tx = false;
}

/* ---- snapshots: one statement each, a batch pipelined ---- */

/* arr_add appends one quoted element (NULL: the SQL NULL) to an array
 * literal; arr_text starts it with '{' or continues with ','. */
static enum tk_status arr_add(struct tk_buf *b, const char *s)
{
    enum tk_status st = tk_buf_putc(b, b->len == 0 ? '{' : ',');

    if (st != TK_OK)
        return st;
    if (s == NULL)
        return tk_buf_puts(b, "NULL");
    if ((st = tk_buf_putc(b, '"')) != TK_OK)
        return st;
    for (; *s != '\0'; s++) {
        size_t run = strcspn(s, "\"\\");

        if (run > 0 && (st = tk_buf_append(b, s, run)) != TK_OK)
            return st;
        s += run;
        if (*s == '\0')
            break;
        if ((st = tk_buf_putc(b, '\\')) != TK_OK || (st = tk_buf_putc(b, *s)) != TK_OK)
            return st;
    }
    return tk_buf_putc(b, '"');
}

static enum tk_status arr_end(struct tk_buf *b)
{
    return b->len == 0 ? tk_buf_puts(b, "{}") : tk_buf_putc(b, '}');
}

static enum tk_status arr_findings(struct tk_buf *a, const struct tk_judgement *j)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        if ((st = arr_add(&a[A_F_RULE], f->rule->id)) == TK_OK &&
            (st = arr_add(&a[A_F_LEVEL], tk_level_name(f->rule->level))) == TK_OK &&
            (st = arr_add(&a[A_F_STATUS], tk_verdict_name(f->status))) == TK_OK &&
            (st = arr_add(&a[A_F_EVIDENCE], f->evidence)) == TK_OK)
            st = arr_add(&a[A_F_REMEDIATION], f->remediation);
    }
    return st;
}

static enum tk_status arr_states(struct tk_buf *a, const struct tk_snapshot *sn)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < sn->nstates; i++) {
        const struct tk_rule_state *r = &sn->states[i];
        char id[24];

        snprintf(id, sizeof(id), "%lld", (long long)r->scan_id);
        if ((st = arr_add(&a[A_S_RULE], r->rule)) == TK_OK &&
            (st = arr_add(&a[A_S_STATUS], tk_verdict_name(r->status))) == TK_OK &&
            (st = arr_add(&a[A_S_EVIDENCE], r->evidence)) == TK_OK)
            st = arr_add(&a[A_S_SCAN], id);
    }
    return st;
}

static enum tk_status arr_events(struct tk_buf *a, const struct tk_snapshot *sn)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < sn->nevents; i++) {
        const struct tk_event *e = &sn->events[i];

        if ((st = arr_add(&a[A_E_KIND], tk_event_kind_name(e->kind))) == TK_OK &&
            (st = arr_add(&a[A_E_RULE], e->rule)) == TK_OK &&
            (st = arr_add(&a[A_E_FROM], tk_verdict_name(e->from))) == TK_OK &&
            (st = arr_add(&a[A_E_TO], tk_verdict_name(e->to))) == TK_OK &&
            (st = arr_add(&a[A_E_BEFORE], e->before)) == TK_OK &&
            (st = arr_add(&a[A_E_AFTER], e->after)) == TK_OK)
            st = arr_add(&a[A_E_REMEDIATION], e->remediation);
    }
    return st;
}

static enum tk_status arr_targets(struct tk_buf *a, const struct tk_snapshot_put *pu)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < pu->ntargets; i++)
        if ((st = arr_add(&a[A_T_CHANNEL], st_channel_name(pu->targets[i].channel))) == TK_OK)
            st = arr_add(&a[A_T_DESTINATION], pu->targets[i].destination);
    return st;
}

/* pg_put_send builds one snapshot's parameters and sends its statement. */
static enum tk_status pg_put_send(struct pg_store *q, int64_t scan_id,
                                  const struct tk_snapshot_put *pu, int64_t now, struct tk_buf *a,
                                  struct tk_error *err)
{
    const struct tk_snapshot *sn = pu->snap;
    struct st_param p[8] = {st_int(scan_id),
                            st_int(sn->domain->id),
                            st_int(sn->scanned_at),
                            st_text(tk_profile_name(sn->profile)),
                            st_int(sn->compliant ? 1 : 0),
                            st_int(sn->all_unknown ? 1 : 0),
                            st_textn(sn->observation_json, sn->observation_len),
                            st_int(now)};
    struct pg_params pp;
    enum tk_status st;

    for (int i = 0; i < A_N; i++)
        tk_buf_reset(&a[i]);
    if ((st = arr_findings(a, sn->judgement)) != TK_OK || (st = arr_states(a, sn)) != TK_OK ||
        (st = arr_events(a, sn)) != TK_OK || (st = arr_targets(a, pu)) != TK_OK)
        return tk_error_set(err, st, "%s: no memory for its snapshot", sn->domain->domain);
    for (int i = 0; i < A_N; i++)
        if ((st = arr_end(&a[i])) != TK_OK)
            return tk_error_set(err, st, "%s: no memory for its snapshot", sn->domain->domain);
    pg_params_set(&pp, p, 8);
    for (int i = 0; i < A_N; i++) {
        pp.values[8 + i] = tk_buf_cstr(&a[i]);
        pp.lengths[8 + i] = 0;
        pp.formats[8 + i] = 0;
    }
    if (!PQsendQueryPrepared(q->conn, "tk_put", PG_PUT_PARAMS, pp.values, pp.lengths, pp.formats,
                             0))
        return pg_fail(q, NULL, "sending a snapshot", err);
    return TK_OK;
}

/* pg_put_collect reads the results of sent statements and the Sync. */
static enum tk_status pg_put_collect(struct pg_store *q, size_t sent, enum tk_status st,
                                     struct tk_error *err)
{
    PGresult *res;

    for (size_t i = 0; i < sent; i++) {
        while ((res = PQgetResult(q->conn)) != NULL) {
            ExecStatusType rs = PQresultStatus(res);

            if (st == TK_OK && rs != PGRES_COMMAND_OK)
                st = pg_fail(q, res, "keeping a snapshot", err);
            PQclear(res);
        }
    }
    /* The Sync: the implicit transaction of the batch ends here. */
    res = PQgetResult(q->conn);
    if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC && st == TK_OK)
        st = pg_fail(q, res, "ending a batch", err);
    PQclear(res);
    return st;
}

static enum tk_status pg_snapshot_put(struct tk_store *s, int64_t scan_id,
                                      const struct tk_snapshot_put *puts, size_t n,
                                      struct tk_error *err)
{
    struct pg_store *q = pgs(s);
    struct tk_buf a[A_N] = {0};
    int64_t now = st_now();
    size_t sent = 0;
    enum tk_status st;

    if ((st = pg_ready(q, err)) != TK_OK)
        return st;
    if (!q->put_prepared) {
        if ((st = pg_prepare(q, "tk_put", pg_put_sql, err)) != TK_OK)
            return st;
        q->put_prepared = true;
    }
    if (!PQenterPipelineMode(q->conn))
        return pg_fail(q, NULL, "starting a batch", err);
    for (; st == TK_OK && sent < n; sent++)
        if ((st = pg_put_send(q, scan_id, &puts[sent], now, a, err)) != TK_OK)
            break;
    /* Even after a failure the Sync goes: it ends (and then rolls back)
     * the implicit transaction of what was sent. */
    if (!PQpipelineSync(q->conn) && st == TK_OK)
        st = pg_fail(q, NULL, "sending a batch", err);
    st = pg_put_collect(q, sent, st, err);
    if (!PQexitPipelineMode(q->conn) && st == TK_OK)
        st = pg_fail(q, NULL, "ending a batch", err);
    for (int i = 0; i < A_N; i++)
        tk_buf_free(&a[i]);
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
    st = pg_migrate_tx(q, err);
    if (st != TK_OK) {
        pg_rollback(&q->base);
        return st;
    }
    return pg_commit(&q->base, err);
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
