/*
 * NAME
 *	store_query.c - the store's statements, and store.h over them
 * DESCRIPTION
 *	Every statement is here, by number, once: written with $N
 *	placeholders for both back ends, with a PostgreSQL text of its own
 *	where the dialects differ (the queue claim, which locks with FOR
 *	UPDATE SKIP LOCKED and reads the server's clock; finding order).
 *	The functions of store.h are written once over them.
 *
 *	The queue: a scan queues every inventory domain in batches
 *	(scan_batches: a row holds the ids of up to scans.batch domains, in
 *	name order). A claim sets worker and claimed_at on the first batches
 *	whose claimed_at is older than the lease (never claimed or released
 *	counts as 0), found in one range of an index on (scan_id,
 *	claimed_at, n) of the open batches; a batch's domains are those
 *	without a snapshot in the scan, which only a batch claimed before
 *	(claims > 1) can have. Nothing marks a domain done: its snapshot is
 *	the mark, so keeping a snapshot writes no queue row. A batch is
 *	closed (done_at) when its worker releases it whole or a claim finds
 *	nothing left in it, and a scan is complete when no batch has a
 *	domain left. Closing a scan (complete or partial) deletes its queue:
 *	the snapshots say what was checked. A domain removed from the
 *	inventory leaves the batches of the running scan (its total
 *	shrinks).
 *
 *	Rule order: findings are read in the order of the rule table
 *	(tk_rules): the statements take ",ID1,ID2,...," as a parameter and
 *	order by the position of ",rule," in it; rules no longer in the
 *	table come last, by name.
 * LIMITS
 *	Values read back are copied into the fixed members of store.h's
 *	structs; one that does not fit was not written by this tiaki and is
 *	an error (TK_INVALID), never cut.
 */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "inventory/inventory.h"
#include "store/store_impl.h"
#include "store/store_reports.h"

struct st_sql_text {
    const char *sql; /* both back ends */
    const char *pg;  /* PostgreSQL's own, when it differs */
};

#define DOMAIN_COLUMNS                                                                             \
    "d.id, d.name, COALESCE(a.name, ''), d.contact, d.profile, d.selectors, d.bulk"
/* The same, the agency's name by a look-up of its key. */
#define DOMAIN_COLUMNS_LOOKUP                                                                      \
    "d.id, d.name, COALESCE((SELECT a.name FROM agencies a WHERE a.id = d.agency_id), ''),"        \
    " d.contact, d.profile, d.selectors, d.bulk"
/* Where a domain's newest content is (0 and '': nowhere yet). */
#define NEWEST_COLUMNS "COALESCE(d.newest_content, 0), COALESCE(d.newest_digest, '')"

#define EVENT_COLUMNS                                                                              \
    "e.id, e.at, e.scan_id, d.name, COALESCE(a.name, ''), e.kind, COALESCE(e.rule, ''), "          \
    "e.from_status, e.to_status, e.before, e.after, e.remediation"

#define EVENT_JOIN                                                                                 \
    " JOIN domains d ON d.id = e.domain_id LEFT JOIN agencies a ON a.id = d.agency_id"

#define ALERT_SELECT                                                                               \
    "SELECT al.id, al.channel, al.destination, al.state, al.attempts, al.next_attempt, "           \
    "al.last_error, " EVENT_COLUMNS                                                                \
    " FROM alerts al JOIN events e ON e.id = al.event_id" EVENT_JOIN

/* The position of rule r in the table order string $N (0: not there). */
#define RULE_POS_SQLITE(r, n) "instr(" n ", ',' || " r " || ',')"
#define RULE_POS_PG(r, n) "strpos(" n ", ',' || " r " || ',')"
#define RULE_ORDER(pos) "CASE WHEN " pos " = 0 THEN 1000000 ELSE " pos " END"

#define LATEST_FINDINGS(pos)                                                                       \
    "SELECT d.name, COALESCE(a.name, ''), d.contact, f.rule, f.level, f.status, f.evidence, "      \
    "f.remediation, s.compliant, s.scan_id, s.scanned_at"                                          \
    " FROM domains d LEFT JOIN agencies a ON a.id = d.agency_id"                                   \
    " JOIN snapshots s ON s.id = (SELECT s2.id FROM snapshots s2 WHERE s2.domain_id = d.id"        \
    " ORDER BY s2.scanned_at DESC, s2.id DESC LIMIT 1)"                                            \
    " JOIN findings f ON f.snapshot_id = COALESCE(s.content_id, s.id)"                             \
    " WHERE d.removed_at IS NULL AND (CAST($1 AS TEXT) IS NULL OR a.name = $1)"                    \
    " ORDER BY COALESCE(a.name, ''), d.name, " RULE_ORDER(pos) ", f.rule"

/* The states of the domains whose ids are in the JSON array $1, each
 * domain's together (ids in JSON: one text parameter both dialects can
 * take apart). In key order, which needs no sort: the rule table's
 * order is made as the rows are read (row_state). PostgreSQL gets the
 * ids as an array made once, "= ANY" of which it looks up in the key:
 * as "IN (SELECT ...)" of the function its guess of the row count made
 * it join by reading every state (25 s for 30,000 domains). */
#define RULE_STATES_MANY(in)                                                                       \
    "SELECT domain_id, rule, status, evidence, scan_id FROM rule_states"                           \
    " WHERE domain_id " in " ORDER BY domain_id, rule"
#define IDS_SQLITE_IN(p) "IN (SELECT value FROM json_each(" p "))"
#define IDS_PG_IN(p)                                                                               \
    "= ANY (ARRAY (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(" p             \
    " AS json))))"
#define IDS_SQLITE IDS_SQLITE_IN("$1")
#define IDS_PG IDS_PG_IN("$1")

/* The clock: SQLite's is this host's; PostgreSQL's is the server's, one
 * clock for workers on many hosts. */
#define NOW_SQLITE "CAST(strftime('%s', 'now') AS INTEGER)"
#define NOW_PG "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)"

/* Domain id has no snapshot in scan sc. A scalar subquery, not NOT
 * EXISTS: PostgreSQL made that an anti-join with every snapshot of the
 * scan (a running scan's look few to its statistics), once per batch:
 * 2.7 s to release 157 batches. As a subquery it is a look-up of the
 * key (scan_id, domain_id), at most one row. */
#define UNKEPT_ID(sc, id)                                                                          \
    "(SELECT k.id FROM snapshots k WHERE k.scan_id = " sc " AND k.domain_id = " id ") IS NULL"

/* A batch (its domains array a) has a domain with no snapshot in scan
 * $1. A batch is a JSON array in SQLite, an array in PostgreSQL. */
#define UNKEPT(each, id) "EXISTS (SELECT 1 FROM " each " WHERE " UNKEPT_ID("$1", id) ")"
#define UNKEPT_SQLITE(a) UNKEPT("json_each(" a ") j", "j.value")
#define UNKEPT_PG(a) UNKEPT("unnest(" a ") AS u (id)", "u.id")

/* The domains a claimed batch has left to check, a JSON array: all of
 * them the first time it is claimed (claims = 1), else those without a
 * snapshot in scan $2. */
#define CLAIM_LEFT_SQLITE                                                                          \
    "CASE WHEN claims = 1 THEN domains ELSE (SELECT json_group_array(j.value)"                     \
    " FROM json_each(domains) j WHERE " UNKEPT_ID("$2", "j.value") ") END"
#define CLAIM_LEFT_PG                                                                              \
    "CAST(CASE WHEN claims = 1 THEN array_to_json(domains) ELSE (SELECT"                           \
    " COALESCE(json_agg(u.id), '[]') FROM unnest(domains) AS u (id) WHERE " UNKEPT_ID(             \
        "$2", "u.id") ") END AS text)"

/* ---- reports: the dialects' differences ---- */

/* The UTC day ("2026-11-28") of a Unix time. */
#define DAY_SQLITE(t) "strftime('%Y-%m-%d', " t ", 'unixepoch')"
#define DAY_PG(t) "to_char(to_timestamp(" t ") AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

/* Sums of message counts: SQLite's SUM fails on an integer overflow,
 * which hostile counts could cause and which would then break every
 * summary; TOTAL adds as a double (exact to 2^53, then close).
 * PostgreSQL's SUM of bigint is numeric, exact (read back saturated to
 * 64 bits). */
#define SUM_SQLITE "TOTAL"
#define SUM_PG "SUM"

/* Items in a source's dkim_domains and envelope_domains lists. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define LIST_MAX STR(TK_STORE_DMARC_LIST_MAX)

/* A bounded, sorted, space-separated list of the distinct values x of
 * each (domain, ip) of the rows of t: numbered in order, the first
 * LIST_MAX kept, then joined by a window over them (ordered, so the
 * same in both dialects; SQLite 3.40 has no ORDER BY in an aggregate)
 * and the row holding the whole list (k = nk) is the one joined.
 * Values with a space in them are not names and are left out, so the
 * list splits back into its items. */
#define SOURCE_LIST(agg, name, distinct_rows)                                                      \
    " " name "_d AS (" distinct_rows "),"                                                          \
    " " name "_n AS (SELECT domain, ip, x, ROW_NUMBER() OVER (PARTITION BY domain, ip ORDER BY x)" \
    " AS k FROM " name "_d WHERE x <> '' AND x NOT LIKE '% %'),"                                   \
    " " name " AS (SELECT domain, ip, k, " agg "(x, ' ') OVER (PARTITION BY domain, ip ORDER BY k" \
    " ROWS UNBOUNDED PRECEDING) AS list, COUNT(*) OVER (PARTITION BY domain, ip) AS nk"            \
    " FROM " name "_n WHERE k <= " LIST_MAX ")"

/* Per domain and source: the records of the period (rec; spf_cnt is
 * the count again when some SPF result passed: the first, in the
 * record's row, or a further one in dmarc_auth, looked up only for the
 * few records that have one), the lists of DKIM d= domains (first
 * results and further ones) and of envelope-from domains, and all of
 * it summed in one GROUP BY over the records and the two lists' last
 * rows together: one sort, where joining the lists to the sums made
 * SQLite scan a list for every source (hours for half a million). */
#define SOURCES_REC                                                                                \
    "WITH rec AS (SELECT r.domain AS domain, d.source_ip AS ip, d.report_id AS rid, d.n AS rn,"    \
    " d.count AS cnt, d.dkim AS dkim, d.spf AS spf, lower(d.envelope_from) AS env,"                \
    " d.dkim_results AS ndk, lower(d.dkim_domain) AS dk,"                                          \
    " CASE WHEN d.spf_result = 'pass' OR (d.spf_results > 1 AND EXISTS (SELECT 1"                  \
    " FROM dmarc_auth a WHERE a.report_id = d.report_id AND a.record = d.n AND a.kind = 'spf'"     \
    " AND a.result = 'pass')) THEN d.count ELSE 0 END AS spf_cnt"                                  \
    " FROM dmarc_reports r JOIN dmarc_records d ON d.report_id = r.id"                             \
    " WHERE (CAST($1 AS TEXT) IS NULL OR r.domain = $1) AND r.date_begin >= $2),"

#define SOURCES_DKIM_ROWS                                                                          \
    "SELECT DISTINCT domain, ip, x FROM (SELECT domain, ip, dk AS x FROM rec WHERE ndk > 0"        \
    " UNION ALL SELECT rec.domain, rec.ip, lower(a.domain) FROM rec"                               \
    " JOIN dmarc_auth a ON a.report_id = rec.rid AND a.record = rec.rn"                            \
    " WHERE rec.ndk > 1 AND a.kind = 'dkim') u"

#define SOURCES_ENVELOPE_ROWS "SELECT DISTINCT domain, ip, env AS x FROM rec"

#define SOURCES_SUM(sum)                                                                           \
    " SELECT domain, ip, " sum "(cnt), " sum "(dmarc_pass), " sum "(spf_aligned), " sum            \
    "(dkim_aligned), " sum "(spf_cnt), COALESCE(MAX(dkim_list), ''), COALESCE(MAX(env_list), '')"  \
    " FROM (SELECT domain, ip, cnt, CASE WHEN dkim = 'pass' OR spf = 'pass' THEN cnt ELSE 0 END"   \
    " AS dmarc_pass, CASE WHEN spf = 'pass' THEN cnt ELSE 0 END AS spf_aligned,"                   \
    " CASE WHEN dkim = 'pass' THEN cnt ELSE 0 END AS dkim_aligned, spf_cnt,"                       \
    " NULL AS dkim_list, NULL AS env_list FROM rec"                                                \
    " UNION ALL SELECT domain, ip, 0, 0, 0, 0, 0, list, NULL FROM dkl WHERE k = nk"                \
    " UNION ALL SELECT domain, ip, 0, 0, 0, 0, 0, NULL, list FROM evl WHERE k = nk) v"             \
    " GROUP BY domain, ip ORDER BY domain, 3 DESC, ip"

#define DMARC_SOURCES(sum, agg)                                                                    \
    SOURCES_REC SOURCE_LIST(agg, "dkl", SOURCES_DKIM_ROWS) "," SOURCE_LIST(                        \
        agg, "evl", SOURCES_ENVELOPE_ROWS) SOURCES_SUM(sum)

/* Per domain and day, from each report's own sums. */
#define DMARC_DAYS(sum, day)                                                                       \
    "SELECT domain, " day ", " sum "(messages), " sum "(dmarc_pass), " sum                         \
    "(spf_aligned_pass), " sum "(dkim_aligned_pass), COUNT(*) FROM dmarc_reports"                  \
    " WHERE (CAST($1 AS TEXT) IS NULL OR domain = $1) AND date_begin >= $2"                        \
    " GROUP BY domain, 2 ORDER BY domain, 2"

#define TLSRPT_FAILURES(sum, day)                                                                  \
    "SELECT p.policy_domain, t.org_name, f.result_type, f.receiving_mx_hostname, " day ", " sum    \
    "(f.failed_session_count)"                                                                     \
    " FROM tlsrpt_failures f JOIN tlsrpt_policies p ON p.report_id = f.report_id"                  \
    " AND p.n = f.policy JOIN tlsrpt_reports t ON t.id = f.report_id"                              \
    " WHERE (CAST($1 AS TEXT) IS NULL OR p.policy_domain = $1) AND t.date_begin >= $2"             \
    " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"

#define REPORT_COUNTS(sum)                                                                         \
    "SELECT (SELECT COUNT(*) FROM dmarc_reports), (SELECT " sum "(records) FROM dmarc_reports),"   \
    " (SELECT " sum "(messages) FROM dmarc_reports), (SELECT COUNT(*) FROM tlsrpt_reports)"

static const struct st_sql_text sql_texts[ST_N] = {
    [ST_AGENCY_ADD] = {"INSERT INTO agencies (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                       NULL},
    [ST_AGENCY_ID] = {"SELECT id FROM agencies WHERE name = $1", NULL},
    [ST_DOMAIN_GET] = {"SELECT id, removed_at IS NOT NULL FROM domains WHERE name = $1", NULL},
    [ST_DOMAIN_INSERT] = {"INSERT INTO domains (name, agency_id, contact, profile, selectors, "
                          "bulk) VALUES ($1, $2, $3, $4, $5, $6)"
                          " ON CONFLICT (name) DO NOTHING RETURNING id",
                          NULL},
    [ST_DOMAIN_UPDATE] = {"UPDATE domains SET agency_id = $2, contact = $3, profile = $4, "
                          "selectors = $5, bulk = $6, removed_at = NULL WHERE name = $1",
                          NULL},
    [ST_DOMAIN_REMOVE] = {"UPDATE domains SET removed_at = $2"
                          " WHERE name = $1 AND removed_at IS NULL RETURNING id",
                          NULL},
    /* The domain leaves the batch of each running scan that has not
     * kept it yet. */
    [ST_QUEUE_DROP_DOMAIN] = {"UPDATE scan_batches SET domains = (SELECT json_group_array(value)"
                              " FROM json_each(scan_batches.domains) WHERE value <> $1)"
                              " WHERE done_at IS NULL"
                              " AND scan_id IN (SELECT id FROM scans WHERE state = 'running')"
                              " AND EXISTS (SELECT 1 FROM json_each(scan_batches.domains)"
                              " WHERE value = $1) AND NOT EXISTS (SELECT 1 FROM snapshots k"
                              " WHERE k.scan_id = scan_batches.scan_id AND k.domain_id = $1)"
                              " RETURNING scan_id",
                              "UPDATE scan_batches SET domains = array_remove(domains,"
                              " CAST($1 AS BIGINT)) WHERE CAST($1 AS BIGINT) = ANY (domains)"
                              " AND done_at IS NULL"
                              " AND scan_id IN (SELECT id FROM scans WHERE state = 'running')"
                              " AND NOT EXISTS (SELECT 1 FROM snapshots k"
                              " WHERE k.scan_id = scan_batches.scan_id AND k.domain_id = $1)"
                              " RETURNING scan_id"},
    [ST_DOMAINS_LIST] = {"SELECT " DOMAIN_COLUMNS
                         " FROM domains d LEFT JOIN agencies a ON a.id = d.agency_id"
                         " WHERE d.removed_at IS NULL AND (CAST($1 AS TEXT) IS NULL OR a.name = $1)"
                         " ORDER BY d.name",
                         NULL},
    /* One scan_begin at a time: PostgreSQL serialises them with a
     * transaction-scoped advisory lock (key: "tiaki" "sc"); SQLite's
     * BEGIN IMMEDIATE already did. */
    [ST_SCAN_LOCK] = {"SELECT 1", "SELECT pg_advisory_xact_lock(7596130261430377315)"},
    [ST_SCAN_RUNNING] = {"SELECT id, state, started, COALESCE(finished, 0), total, done, batch"
                         " FROM scans WHERE state = 'running' ORDER BY id DESC LIMIT 1",
                         NULL},
    [ST_SCAN_GET] = {"SELECT id, state, started, COALESCE(finished, 0), total, done, batch"
                     " FROM scans WHERE id = $1",
                     NULL},
    [ST_SCAN_CLOSE_RUNNING] = {"UPDATE scans SET state = 'partial', finished = $1"
                               " WHERE state = 'running' RETURNING id",
                               NULL},
    [ST_SCAN_INSERT] = {"INSERT INTO scans (state, started, total, done, batch)"
                        " VALUES ('running', $1, 0, 0, $2) RETURNING id",
                        NULL},
    /* Batches of $2 domains in name order, numbered from 1 (0 is no
     * batch, tk_store_domain.batch); each row says how many. */
    [ST_QUEUE_FILL] = {"INSERT INTO scan_batches (scan_id, n, domains)"
                       " SELECT $1, k / $2 + 1, json_group_array(id) FROM (SELECT id,"
                       " row_number() OVER (ORDER BY name) - 1 AS k FROM domains"
                       " WHERE removed_at IS NULL) GROUP BY k / $2"
                       " RETURNING json_array_length(domains)",
                       "INSERT INTO scan_batches (scan_id, n, domains)"
                       " SELECT $1, k / $2 + 1, array_agg(id ORDER BY k) FROM (SELECT id,"
                       " row_number() OVER (ORDER BY name) - 1 AS k FROM domains"
                       " WHERE removed_at IS NULL) d GROUP BY k / $2"
                       " RETURNING cardinality(domains)"},
    /* PostgreSQL plans with what it knows of a table: a queue filled
     * since its last ANALYZE looks empty. SQLite keeps no statistics
     * unless asked. */
    [ST_QUEUE_ANALYZE] = {"SELECT 1", "ANALYZE scan_batches"},
    [ST_SCAN_SET_TOTAL] = {"UPDATE scans SET total = $2 WHERE id = $1", NULL},
    [ST_SCAN_FINISH] = {"UPDATE scans SET state = $2, finished = $3"
                        " WHERE id = $1 AND state = 'running'",
                        NULL},
    [ST_QUEUE_DELETE_SCAN] = {"DELETE FROM scan_batches WHERE scan_id = $1", NULL},
    [ST_SCAN_UNCOUNT] = {"UPDATE scans SET total = total - 1 WHERE id = $1 AND state = 'running'",
                         NULL},
    /* Batches of scan $1 with a domain left to check. */
    [ST_SCAN_OPEN] = {"SELECT count(*) FROM scan_batches b WHERE b.scan_id = $1"
                      " AND b.done_at IS NULL AND " UNKEPT_SQLITE("b.domains"),
                      "SELECT count(*) FROM scan_batches b WHERE b.scan_id = $1"
                      " AND b.done_at IS NULL AND " UNKEPT_PG("b.domains")},
    /* As many batches as $4 domains hold, never claimed,
     * released or past their lease, first: one range of the index
     * scan_batches_claim (claimed_at 0 first, then the oldest claims).
     * SQLite has one writer at a time: the UPDATE is the claim.
     * PostgreSQL locks the batches (FOR UPDATE SKIP LOCKED: batches
     * another worker is claiming are passed over) and hands them to the
     * UPDATE as an array. "scan_id BETWEEN $2 AND $2" is scan_id = $2 in
     * a form the planner leaves to the index's order. */
    [ST_QUEUE_CLAIM] = {"UPDATE scan_batches SET worker = $1, claimed_at = " NOW_SQLITE ","
                        " claims = claims + 1 WHERE scan_id = $2 AND n IN (SELECT n"
                        " FROM scan_batches WHERE scan_id BETWEEN $2 AND $2 AND done_at IS NULL"
                        " AND COALESCE(claimed_at, 0) < " NOW_SQLITE " - $3"
                        " ORDER BY scan_id, COALESCE(claimed_at, 0), n"
                        " LIMIT COALESCE($4 / (SELECT batch FROM scans WHERE id = $2), 0))"
                        " RETURNING n, " CLAIM_LEFT_SQLITE,
                        "UPDATE scan_batches SET worker = $1, claimed_at = " NOW_PG ","
                        " claims = claims + 1 WHERE scan_id = $2 AND n = ANY (ARRAY (SELECT n"
                        " FROM scan_batches WHERE scan_id BETWEEN $2 AND $2 AND done_at IS NULL"
                        " AND COALESCE(claimed_at, 0) < " NOW_PG " - $3"
                        " ORDER BY scan_id, COALESCE(claimed_at, 0), n"
                        " LIMIT COALESCE($4 / (SELECT batch FROM scans WHERE id = $2), 0)"
                        " FOR UPDATE SKIP LOCKED))"
                        " RETURNING n, " CLAIM_LEFT_PG},
    /* The domains of the JSON array $1, by name, and where each one's
     * newest content is. The agency is looked up by its key for each:
     * joined, PostgreSQL hashed every agency (1,250 of them) for each
     * claim of 64 domains. */
    [ST_QUEUE_DOMAINS] = {"SELECT " DOMAIN_COLUMNS_LOOKUP ", " NEWEST_COLUMNS " FROM domains d"
                          " WHERE d.id " IDS_SQLITE " ORDER BY d.name",
                          "SELECT " DOMAIN_COLUMNS_LOOKUP ", " NEWEST_COLUMNS " FROM domains d"
                          " WHERE d.id " IDS_PG " ORDER BY d.name"},
    [ST_QUEUE_CLOSE] = {"UPDATE scan_batches SET done_at = $3"
                        " WHERE scan_id = $1 AND n " IDS_SQLITE_IN("$2"),
                        "UPDATE scan_batches SET done_at = $3"
                        " WHERE scan_id = $1 AND n " IDS_PG_IN("$2")},
    /* A worker's batches: closed when whole, else free to claim. */
    [ST_QUEUE_RELEASE] =
        {"UPDATE scan_batches SET worker = NULL, claimed_at = NULL,"
         " done_at = CASE WHEN " UNKEPT_SQLITE(
             "scan_batches.domains") " THEN NULL ELSE $3 END"
                                     " WHERE scan_id = $1 AND worker = $2 AND done_at IS NULL",
         "UPDATE scan_batches SET worker = NULL, claimed_at = NULL,"
         " done_at = CASE WHEN " UNKEPT_PG(
             "scan_batches.domains") " THEN NULL ELSE CAST($3 AS BIGINT) END"
                                     " WHERE scan_id = $1 AND worker = $2 AND done_at IS NULL"},
    /* The workers holding a claim on an open batch of scan $1. */
    [ST_QUEUE_WORKERS] = {"SELECT DISTINCT worker FROM scan_batches WHERE scan_id = $1"
                          " AND done_at IS NULL AND worker IS NOT NULL ORDER BY worker",
                          NULL},
    [ST_RULE_STATES_MANY] = {RULE_STATES_MANY(IDS_SQLITE), RULE_STATES_MANY(IDS_PG)},
    [ST_DOMAIN_SEEN] = {"SELECT 1 FROM snapshots WHERE domain_id = $1 AND NOT all_unknown LIMIT 1",
                        NULL},
    [ST_EVENT_INSERT] = {"INSERT INTO events (scan_id, domain_id, at, kind, rule, from_status, "
                         "to_status, before, after, remediation)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                         NULL},
    [ST_ALERT_INSERT] = {"INSERT INTO alerts (event_id, channel, destination, state, attempts, "
                         "next_attempt, last_error) VALUES ($1, $2, $3, 'pending', 0, $4, '')"
                         " ON CONFLICT (event_id, channel, destination) DO NOTHING",
                         NULL},
    [ST_SCAN_BUMP] = {"UPDATE scans SET done = done + $2 WHERE id = $1", NULL},
    /* For each domain of the JSON array $1 that has a snapshot, the
     * snapshot holding its newest snapshot's content, and the digest of
     * that content. */
    [ST_NEWEST_CONTENT] = {"SELECT d.id, " NEWEST_COLUMNS " FROM domains d WHERE d.id " IDS_SQLITE
                           " AND d.newest_content IS NOT NULL",
                           "SELECT d.id, " NEWEST_COLUMNS " FROM domains d WHERE d.id " IDS_PG
                           " AND d.newest_content IS NOT NULL"},
    [ST_LATEST_FINDINGS] = {LATEST_FINDINGS(RULE_POS_SQLITE("f.rule", "$2")),
                            LATEST_FINDINGS(RULE_POS_PG("f.rule", "$2"))},
    [ST_EVENTS] = {"SELECT " EVENT_COLUMNS " FROM events e" EVENT_JOIN
                   " WHERE e.at >= $1 AND (CAST($2 AS TEXT) IS NULL OR a.name = $2)"
                   " ORDER BY e.at, e.id",
                   NULL},
    [ST_ALERTS_DUE] = {ALERT_SELECT " WHERE al.state = 'pending' AND al.next_attempt <= $1"
                                    " ORDER BY al.next_attempt, al.id LIMIT $2",
                       NULL},
    [ST_ALERTS_ALL] = {ALERT_SELECT " ORDER BY al.id DESC", NULL},
    [ST_ALERT_SENT] = {"UPDATE alerts SET state = 'sent', attempts = attempts + 1, sent_at = $2,"
                       " last_error = '' WHERE id = $1",
                       NULL},
    [ST_ALERT_FAILED] = {"UPDATE alerts SET attempts = attempts + 1, last_error = $2,"
                         " next_attempt = $3, state = $4 WHERE id = $1",
                         NULL},
    [ST_REPORT_PUT] = {"INSERT INTO reports (at, summary) VALUES ($1, $2)", NULL},
    [ST_REPORT_LAST] = {"SELECT summary, at FROM reports ORDER BY at DESC, id DESC LIMIT 1", NULL},
    /* DMARC and TLS-RPT reports (store_reports.c). A report seen before
     * inserts nothing and returns no row. */
    [ST_DMARC_REPORT_INSERT] = {"INSERT INTO dmarc_reports (org_name, email, report_id, date_begin,"
                                " date_end, domain, adkim, aspf, p, sp, np, pct, testing, format,"
                                " origin, ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                                " $10, $11, $12, $13, $14, $15, $16)"
                                " ON CONFLICT (org_name, report_id, date_begin, date_end)"
                                " DO NOTHING RETURNING id",
                                NULL},
    [ST_DMARC_REPORT_TOTALS] = {"UPDATE dmarc_reports SET records = $2, messages = $3,"
                                " dmarc_pass = $4, spf_aligned_pass = $5, dkim_aligned_pass = $6"
                                " WHERE id = $1",
                                NULL},
    [ST_TLSRPT_REPORT_INSERT] = {"INSERT INTO tlsrpt_reports (org_name, contact_info, report_id,"
                                 " date_begin, date_end, origin, ingested_at, policies, failures)"
                                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                 " ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id",
                                 NULL},
    [ST_TLSRPT_POLICY_INSERT] = {"INSERT INTO tlsrpt_policies (report_id, n, policy_type,"
                                 " policy_domain, policy_string, mx_host, successful, failed,"
                                 " has_summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                 NULL},
    [ST_TLSRPT_FAILURE_INSERT] = {"INSERT INTO tlsrpt_failures (report_id, policy, n, result_type,"
                                  " sending_mta_ip, receiving_mx_hostname, receiving_mx_helo,"
                                  " receiving_ip, failed_session_count, additional_information,"
                                  " failure_reason_code)"
                                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                  NULL},
    [ST_DMARC_DAYS] = {DMARC_DAYS(SUM_SQLITE, DAY_SQLITE("date_begin")),
                       DMARC_DAYS(SUM_PG, DAY_PG("date_begin"))},
    [ST_DMARC_SOURCES] = {DMARC_SOURCES(SUM_SQLITE, "group_concat"),
                          DMARC_SOURCES(SUM_PG, "string_agg")},
    [ST_TLSRPT_FAILURES] = {TLSRPT_FAILURES(SUM_SQLITE, DAY_SQLITE("t.date_begin")),
                            TLSRPT_FAILURES(SUM_PG, DAY_PG("t.date_begin"))},
    /* Kept as reports are (store_reports.c): reading them is a walk of
     * a small table, not of every record. */
    [ST_DKIM_SELECTORS] = {"SELECT domain, selector FROM dmarc_selectors ORDER BY domain, selector",
                           NULL},
    [ST_DKIM_SELECTOR_PUT] = {"INSERT INTO dmarc_selectors (domain, selector, report_id)"
                              " VALUES ($1, $2, $3) ON CONFLICT (domain, selector) DO NOTHING",
                              NULL},
    [ST_REPORT_COUNTS] = {REPORT_COUNTS(SUM_SQLITE), REPORT_COUNTS(SUM_PG)},
};

const char *st_sql(enum st_id id, bool postgresql)
{
    const struct st_sql_text *t = &sql_texts[id];

    return postgresql && t->pg != NULL ? t->pg : t->sql;
}

/* ---- reading rows ---- */

/* A walk's context: the caller's, and the first value that did not fit. */
struct walk {
    void *arg;
    bool overflow;
    const char *what;
};

/* col_copy copies a text column into dst (size bytes); false (and w
 * marked) when it does not fit. */
static bool col_copy(struct walk *w, char *dst, size_t size, const struct st_row *r, int col,
                     const char *what)
{
    if (tk_strlcpy(dst, st_col_text(r, col), size))
        return true;
    w->overflow = true;
    w->what = what;
    return false;
}

static enum tk_status walk_status(enum tk_status st, const struct walk *w, struct tk_store *s,
                                  struct tk_error *err)
{
    if (st == TK_OK && w->overflow)
        return tk_error_set(err, TK_INVALID, "%s: a stored %s is longer than this tiaki keeps",
                            s->where, w->what);
    return st;
}

/* One int64 from the first row. */
static bool row_int(void *arg, const struct st_row *r)
{
    *(int64_t *)arg = st_col_int(r, 0);
    return false;
}

/* ---- transactions ---- */

/* ---- inventory ---- */

struct domain_found {
    int64_t id;
    bool removed;
    bool found;
};

static bool row_domain_found(void *arg, const struct st_row *r)
{
    struct domain_found *f = arg;

    f->id = st_col_int(r, 0);
    f->removed = st_col_int(r, 1) != 0;
    f->found = true;
    return false;
}

/* agency_id finds or makes the agency; 0 (NULL) for "". */
static enum tk_status agency_id(struct tk_store *s, const char *name, int64_t *id,
                                struct tk_error *err)
{
    struct st_param p = st_text(name);
    enum tk_status st;

    *id = 0;
    if (name[0] == '\0')
        return TK_OK;
    st = st_exec(s, ST_AGENCY_ADD, &p, 1, NULL, err);
    if (st == TK_OK)
        st = st_run(s, ST_AGENCY_ID, &p, 1, row_int, id, NULL, err);
    return st;
}

static enum tk_status check_domain(const struct tk_store_domain *d, struct tk_error *err)
{
    if (strnlen(d->domain, sizeof(d->domain)) >= sizeof(d->domain) || d->domain[0] == '\0' ||
        strnlen(d->agency, sizeof(d->agency)) >= sizeof(d->agency) ||
        strnlen(d->contact, sizeof(d->contact)) >= sizeof(d->contact) ||
        strnlen(d->selectors, sizeof(d->selectors)) >= sizeof(d->selectors) ||
        (unsigned)d->profile > TK_PROFILE_PARKED)
        return tk_error_set(err, TK_USAGE,
                            "an inventory domain without a name, or with a "
                            "field that is not terminated");
    return TK_OK;
}

static enum tk_status domain_put_tx(struct tk_store *s, const struct tk_store_domain *d,
                                    bool *created, struct tk_error *err)
{
    struct domain_found f = {0};
    int64_t agency, id = 0;
    struct st_param p[6];
    enum tk_status st;

    p[0] = st_text(d->domain);
    if ((st = agency_id(s, d->agency, &agency, err)) != TK_OK ||
        (st = st_run(s, ST_DOMAIN_GET, p, 1, row_domain_found, &f, NULL, err)) != TK_OK)
        return st;
    p[1] = agency > 0 ? st_int(agency) : st_text(NULL);
    p[2] = st_text(d->contact);
    p[3] = st_text(tk_profile_name(d->profile));
    p[4] = st_text(d->selectors);
    p[5] = st_int(d->bulk ? 1 : 0);
    *created = !f.found || f.removed;
    if (!f.found) {
        st = st_run(s, ST_DOMAIN_INSERT, p, 6, row_int, &id, NULL, err);
        if (st != TK_OK || id > 0)
            return st;
        *created = true; /* another process added it at the same moment */
    }
    return st_exec(s, ST_DOMAIN_UPDATE, p, 6, NULL, err);
}

enum tk_status tk_store_domain_put(struct tk_store *s, const struct tk_store_domain *d,
                                   bool *created, struct tk_error *err)
{
    bool made = false;
    enum tk_status st = check_domain(d, err);

    if (st != TK_OK)
        return st;
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    st = st_tx_end(s, domain_put_tx(s, d, &made, err), err);
    if (st == TK_OK && created != NULL)
        *created = made;
    return st;
}

static bool row_uncount(void *arg, const struct st_row *r)
{
    int64_t *ids = arg;

    /* A domain is queued once per scan and one scan runs at a time;
     * ids[0] counts, ids[1..] are the scans. */
    if (ids[0] < 8)
        ids[++ids[0]] = st_col_int(r, 0);
    return true;
}

static enum tk_status domain_remove_tx(struct tk_store *s, const char *domain, struct tk_error *err)
{
    struct st_param p[2] = {st_text(domain), st_int(st_now())};
    int64_t id = 0, scans[9] = {0};
    enum tk_status st;

    st = st_run(s, ST_DOMAIN_REMOVE, p, 2, row_int, &id, NULL, err);
    if (st != TK_OK)
        return st;
    if (id == 0)
        return tk_error_set(err, TK_ABSENT, "%s is not in the inventory", domain);
    p[0] = st_int(id);
    st = st_run(s, ST_QUEUE_DROP_DOMAIN, p, 1, row_uncount, scans, NULL, err);
    for (int64_t i = 1; st == TK_OK && i <= scans[0]; i++) {
        p[0] = st_int(scans[i]);
        st = st_exec(s, ST_SCAN_UNCOUNT, p, 1, NULL, err);
    }
    return st;
}

enum tk_status tk_store_domain_remove(struct tk_store *s, const char *domain, struct tk_error *err)
{
    enum tk_status st;

    if (domain == NULL || domain[0] == '\0')
        return tk_error_set(err, TK_USAGE, "no domain to remove");
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    return st_tx_end(s, domain_remove_tx(s, domain, err), err);
}

/* row_domain reads DOMAIN_COLUMNS into d. */
static bool row_domain(struct walk *w, const struct st_row *r, struct tk_store_domain *d)
{
    memset(d, 0, sizeof(*d));
    d->id = st_col_int(r, 0);
    if (!col_copy(w, d->domain, sizeof(d->domain), r, 1, "domain name") ||
        !col_copy(w, d->agency, sizeof(d->agency), r, 2, "agency") ||
        !col_copy(w, d->contact, sizeof(d->contact), r, 3, "contact") ||
        !col_copy(w, d->selectors, sizeof(d->selectors), r, 5, "selector list"))
        return false;
    if (!tk_profile_parse(st_col_text(r, 4), &d->profile))
        d->profile = TK_PROFILE_UNSET;
    d->bulk = st_col_int(r, 6) != 0;
    return true;
}

struct domains_walk {
    struct walk w;
    bool (*each)(void *arg, const struct tk_store_domain *d);
};

static bool row_domains(void *arg, const struct st_row *r)
{
    struct domains_walk *dw = arg;
    struct tk_store_domain d;

    if (!row_domain(&dw->w, r, &d))
        return false;
    return dw->each(dw->w.arg, &d);
}

enum tk_status tk_store_domains(struct tk_store *s, const char *agency,
                                bool (*each)(void *arg, const struct tk_store_domain *d), void *arg,
                                struct tk_error *err)
{
    struct domains_walk dw = {.w = {.arg = arg}, .each = each};
    struct st_param p = st_text(agency);

    return walk_status(st_run(s, ST_DOMAINS_LIST, &p, 1, row_domains, &dw, NULL, err), &dw.w, s,
                       err);
}

/* ---- scans ---- */

struct scan_found {
    struct tk_scan_info *info;
    bool found;
};

static bool row_scan(void *arg, const struct st_row *r)
{
    struct scan_found *f = arg;

    f->info->id = st_col_int(r, 0);
    if (!st_scan_state_parse(st_col_text(r, 1), &f->info->state))
        f->info->state = TK_SCAN_PARTIAL;
    f->info->started = st_col_int(r, 2);
    f->info->finished = st_col_int(r, 3);
    f->info->total = (unsigned long)st_col_int(r, 4);
    f->info->done = (unsigned long)st_col_int(r, 5);
    f->info->batch = (unsigned)st_col_int(r, 6);
    f->found = true;
    return false;
}

static enum tk_status scan_get(struct tk_store *s, enum st_id id, int64_t scan_id,
                               struct tk_scan_info *info, bool *found, struct tk_error *err)
{
    struct scan_found f = {.info = info};
    struct st_param p = st_int(scan_id);
    enum tk_status st;

    st = st_run(s, id, &p, id == ST_SCAN_GET ? 1 : 0, row_scan, &f, NULL, err);
    *found = f.found;
    return st;
}

static bool row_collect_ids(void *arg, const struct st_row *r)
{
    int64_t *ids = arg;

    if (ids[0] < 15)
        ids[++ids[0]] = st_col_int(r, 0);
    return true;
}

/* close_running closes every running scan as partial, and drops their
 * queues. */
static enum tk_status close_running(struct tk_store *s, struct tk_error *err)
{
    struct st_param p = st_int(st_now());
    int64_t ids[16] = {0};
    enum tk_status st;

    st = st_run(s, ST_SCAN_CLOSE_RUNNING, &p, 1, row_collect_ids, ids, NULL, err);
    for (int64_t i = 1; st == TK_OK && i <= ids[0]; i++) {
        p = st_int(ids[i]);
        st = st_exec(s, ST_QUEUE_DELETE_SCAN, &p, 1, NULL, err);
    }
    return st;
}

/* Adds up the sizes of the batches the queue was filled with. */
static bool row_sum(void *arg, const struct st_row *r)
{
    *(int64_t *)arg += st_col_int(r, 0);
    return true;
}

static enum tk_status scan_begin_tx(struct tk_store *s, bool resume, unsigned batch,
                                    struct tk_scan_info *info, struct tk_error *err)
{
    struct st_param p[2];
    int64_t id = 0, total = 0;
    bool found;
    enum tk_status st;

    if ((st = st_exec(s, ST_SCAN_LOCK, NULL, 0, NULL, err)) != TK_OK ||
        (st = scan_get(s, ST_SCAN_RUNNING, 0, info, &found, err)) != TK_OK)
        return st;
    if (found && resume)
        return TK_OK;
    if (found && (st = close_running(s, err)) != TK_OK)
        return st;
    p[0] = st_int(st_now());
    p[1] = st_int(batch);
    if ((st = st_run(s, ST_SCAN_INSERT, p, 2, row_int, &id, NULL, err)) != TK_OK)
        return st;
    p[0] = st_int(id);
    if ((st = st_run(s, ST_QUEUE_FILL, p, 2, row_sum, &total, NULL, err)) != TK_OK ||
        (st = st_exec(s, ST_QUEUE_ANALYZE, NULL, 0, NULL, err)) != TK_OK)
        return st;
    p[1] = st_int(total);
    if ((st = st_exec(s, ST_SCAN_SET_TOTAL, p, 2, NULL, err)) != TK_OK)
        return st;
    return scan_get(s, ST_SCAN_GET, id, info, &found, err);
}

enum tk_status tk_store_scan_begin(struct tk_store *s, bool resume, unsigned batch,
                                   struct tk_scan_info *info, struct tk_error *err)
{
    enum tk_status st;

    memset(info, 0, sizeof(*info));
    if (batch < 1 || batch > TK_STORE_BATCH_MAX)
        return tk_error_set(err, TK_USAGE, "a batch of the queue holds 1 to %d domains (not %u)",
                            TK_STORE_BATCH_MAX, batch);
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    return st_tx_end(s, scan_begin_tx(s, resume, batch, info, err), err);
}

enum tk_status tk_store_scan_join(struct tk_store *s, struct tk_scan_info *info,
                                  struct tk_error *err)
{
    bool found;
    enum tk_status st;

    memset(info, 0, sizeof(*info));
    st = scan_get(s, ST_SCAN_RUNNING, 0, info, &found, err);
    if (st == TK_OK && !found)
        return tk_error_set(err, TK_ABSENT, "%s: no scan is running", s->where);
    return st;
}

static enum tk_status scan_finish_tx(struct tk_store *s, int64_t scan_id, bool close,
                                     struct tk_scan_info *info, struct tk_error *err)
{
    struct st_param p[3];
    enum tk_scan_state to;
    int64_t open = 0;
    bool found;
    enum tk_status st;

    st = scan_get(s, ST_SCAN_GET, scan_id, info, &found, err);
    if (st != TK_OK)
        return st;
    if (!found)
        return tk_error_set(err, TK_ABSENT, "%s: no scan %lld", s->where, (long long)scan_id);
    if (info->state != TK_SCAN_RUNNING)
        return TK_OK;
    p[0] = st_int(scan_id);
    if ((st = st_run(s, ST_SCAN_OPEN, p, 1, row_int, &open, NULL, err)) != TK_OK)
        return st;
    if (open == 0)
        to = TK_SCAN_COMPLETE;
    else if (close)
        to = TK_SCAN_PARTIAL;
    else
        return TK_OK;
    p[0] = st_int(scan_id);
    p[1] = st_text(st_scan_state_name(to));
    p[2] = st_int(st_now());
    if ((st = st_exec(s, ST_SCAN_FINISH, p, 3, NULL, err)) != TK_OK ||
        (st = st_exec(s, ST_QUEUE_DELETE_SCAN, p, 1, NULL, err)) != TK_OK)
        return st;
    return scan_get(s, ST_SCAN_GET, scan_id, info, &found, err);
}

enum tk_status tk_store_scan_finish(struct tk_store *s, int64_t scan_id, bool close,
                                    struct tk_scan_info *info, struct tk_error *err)
{
    struct tk_scan_info mine;
    enum tk_status st;

    if (info == NULL)
        info = &mine;
    memset(info, 0, sizeof(*info));
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    return st_tx_end(s, scan_finish_tx(s, scan_id, close, info, err), err);
}

/* ---- the queue ---- */

/* What a claim statement returned: the batches with nothing left (to
 * close), and the ids of the domains the others have left, one JSON
 * array of them all, and each one's batch. */
struct claim_rows {
    size_t nbatches, nempty;
    int64_t empty[TK_STORE_BATCH_MAX];
    char ids[TK_STORE_BATCH_MAX * 24 + 4];
    size_t len;
    size_t nleft;
    int64_t left_id[TK_STORE_BATCH_MAX], left_batch[TK_STORE_BATCH_MAX];
    bool bad;
};

/* ids_inner finds the inside of a JSON array of ids ("[1, 2]"), which
 * holds only digits, commas and spaces; false when it is not one. */
static bool ids_inner(const char *text, const char **at, size_t *len)
{
    size_t n = strlen(text);

    if (n < 2 || text[0] != '[' || text[n - 1] != ']')
        return false;
    *at = text + 1;
    *len = n - 2;
    return strspn(*at, "0123456789, ") == *len;
}

/* claim_left notes the batch of each id of the list at[0..len) (ids_inner
 * checked it); false when there are more than a claim can take. */
static bool claim_left(struct claim_rows *c, const char *at, size_t len, int64_t batch)
{
    const char *end = at + len;

    while (at < end) {
        at += strspn(at, ", ");
        if (at == end)
            break;
        if (c->nleft == TK_STORE_BATCH_MAX)
            return false;
        c->left_id[c->nleft] = strtoll(at, NULL, 10);
        c->left_batch[c->nleft++] = batch;
        at += strspn(at, "0123456789");
    }
    return true;
}

/* claim_batch_of is the batch a claimed domain came in (0: not one). */
static int64_t claim_batch_of(const struct claim_rows *c, int64_t id)
{
    for (size_t i = 0; i < c->nleft; i++)
        if (c->left_id[i] == id)
            return c->left_batch[i];
    return 0;
}

static bool row_claimed(void *arg, const struct st_row *r)
{
    struct claim_rows *c = arg;
    const char *at;
    size_t len;

    c->nbatches++;
    if (!ids_inner(st_col_text(r, 1), &at, &len) || c->len + len + 3 > sizeof(c->ids)) {
        c->bad = true;
        return false;
    }
    if (strspn(at, " ") == len) {
        if (c->nempty < TK_STORE_BATCH_MAX)
            c->empty[c->nempty++] = st_col_int(r, 0);
        return true;
    }
    if (!claim_left(c, at, len, st_col_int(r, 0))) {
        c->bad = true;
        return false;
    }
    c->ids[c->len] = c->len == 0 ? '[' : ',';
    c->len++;
    memcpy(c->ids + c->len, at, len);
    c->len += len;
    return true;
}

/* ids_json writes ids[0..n) into b as a JSON array, NUL-terminated: the
 * one text parameter both dialects can take a list of keys apart from. */
static enum tk_status ids_json(struct tk_buf *b, const int64_t *ids, size_t n)
{
    enum tk_status st = tk_buf_append(b, "[", 1);

    for (size_t i = 0; st == TK_OK && i < n; i++)
        st = tk_buf_printf(b, "%s%lld", i ? "," : "", (long long)ids[i]);
    return st == TK_OK ? tk_buf_append(b, "]", 2) /* with its NUL */ : st;
}

enum tk_status st_queue_close(struct tk_store *s, int64_t scan_id, const int64_t *ns, size_t n,
                              struct tk_error *err)
{
    struct tk_buf json = {0};
    struct st_param q[3];
    enum tk_status st;

    if (n == 0)
        return TK_OK;
    if (ids_json(&json, ns, n) != TK_OK)
        st = tk_error_set(err, TK_NOMEM, "no memory to close %zu batches", n);
    else {
        q[0] = st_int(scan_id);
        q[1] = st_text(json.data);
        q[2] = st_int(st_now());
        st = st_exec(s, ST_QUEUE_CLOSE, q, 3, NULL, err);
    }
    tk_buf_free(&json);
    return st;
}

/* content_ref_read reads NEWEST_COLUMNS from column col on into out. */
static void content_ref_read(const struct st_row *r, int col, struct tk_content_ref *out)
{
    memset(out, 0, sizeof(*out));
    /* A digest that does not fit is none this tiaki made: no sharing. */
    if (tk_strlcpy(out->digest, st_col_text(r, col + 1), sizeof(out->digest)))
        out->snapshot_id = st_col_int(r, col);
    else
        out->digest[0] = '\0';
}

struct claim_walk {
    struct walk w;
    struct tk_store_domain *out;
    size_t max, n;
    bool too_many;
    const struct claim_rows *rows;
};

static bool row_claim(void *arg, const struct st_row *r)
{
    struct claim_walk *c = arg;
    struct tk_store_domain *d = &c->out[c->n];

    if (c->n == c->max) {
        c->too_many = true;
        return false;
    }
    if (!row_domain(&c->w, r, d))
        return true;
    d->batch = claim_batch_of(c->rows, d->id);
    content_ref_read(r, 7, &d->newest);
    c->n++;
    return true;
}

/* claim_batches claims batches (*claimed of them) and reads their
 * domains left to check; a batch with none left is closed. */
static enum tk_status claim_batches(struct tk_store *s, const struct st_param *p,
                                    struct claim_walk *c, size_t *claimed, struct tk_error *err)
{
    static const struct claim_rows none;
    struct claim_rows *rows = malloc(sizeof(*rows));
    struct st_param q;
    enum tk_status st;

    *claimed = 0;
    if (rows == NULL)
        return tk_error_set(err, TK_NOMEM, "no memory to claim domains");
    *rows = none;
    st = st_run(s, ST_QUEUE_CLAIM, p, 4, row_claimed, rows, NULL, err);
    *claimed = rows->nbatches;
    if (st == TK_OK && rows->bad)
        st = tk_error_set(err, TK_INVALID,
                          "%s: a batch of scan %lld holds what is not a list "
                          "of domain ids",
                          s->where, (long long)p[1].i);
    if (st == TK_OK && rows->len > 0) {
        rows->ids[rows->len++] = ']';
        rows->ids[rows->len] = '\0';
        q = st_text(rows->ids);
        c->rows = rows;
        st =
            walk_status(st_run(s, ST_QUEUE_DOMAINS, &q, 1, row_claim, c, NULL, err), &c->w, s, err);
        if (st == TK_OK && c->too_many)
            st = tk_error_set(err, TK_LIMIT,
                              "%s: a batch of scan %lld holds more than the %zu "
                              "domains asked for",
                              s->where, (long long)p[1].i, c->max);
    }
    if (st == TK_OK)
        st = st_queue_close(s, p[1].i, rows->empty, rows->nempty, err);
    c->rows = NULL;
    free(rows);
    return st;
}

/* claim_fits tells a claim that found nothing because no batch fits in
 * max domains from one that found nothing left. */
static enum tk_status claim_fits(struct tk_store *s, int64_t scan_id, size_t max,
                                 struct tk_error *err)
{
    struct tk_scan_info info = {0};
    bool found;
    enum tk_status st = scan_get(s, ST_SCAN_GET, scan_id, &info, &found, err);

    if (st == TK_OK && found && info.batch > max)
        return tk_error_set(err, TK_LIMIT,
                            "%s: scan %lld has batches of %u domains; %zu cannot "
                            "take one",
                            s->where, (long long)scan_id, info.batch, max);
    return st;
}

enum tk_status tk_store_queue_claim(struct tk_store *s, int64_t scan_id, const char *worker,
                                    unsigned lease_s, struct tk_store_domain *out, size_t max,
                                    size_t *n, struct tk_error *err)
{
    struct claim_walk c = {.out = out, .max = max};
    struct st_param p[4];
    size_t claimed;
    enum tk_status st;

    *n = 0;
    if (max == 0)
        return TK_OK;
    if (worker == NULL || worker[0] == '\0' || strlen(worker) >= TK_STORE_WORKER_MAX)
        return tk_error_set(err, TK_USAGE, "a worker needs a name of 1 to %d bytes",
                            TK_STORE_WORKER_MAX - 1);
    p[0] = st_text(worker);
    p[1] = st_int(scan_id);
    p[2] = st_int(lease_s);
    p[3] = st_int((int64_t)(max < TK_STORE_BATCH_MAX ? max : TK_STORE_BATCH_MAX));
    /* Batches found with nothing left are closed, and others claimed:
     * each round closes at least one, so the rounds end. */
    do
        st = claim_batches(s, p, &c, &claimed, err);
    while (st == TK_OK && c.n == 0 && claimed > 0);
    *n = c.n;
    if (st == TK_OK && c.n == 0)
        return claim_fits(s, scan_id, max, err);
    return st;
}

enum tk_status tk_store_queue_release(struct tk_store *s, int64_t scan_id, const char *worker,
                                      struct tk_error *err)
{
    struct st_param p[3] = {st_int(scan_id), st_text(worker), st_int(st_now())};

    if (worker == NULL || worker[0] == '\0')
        return tk_error_set(err, TK_USAGE, "no worker to release the claims of");
    return st_exec(s, ST_QUEUE_RELEASE, p, 3, NULL, err);
}

struct workers_walk {
    bool (*each)(void *arg, const char *worker);
    void *arg;
};

static bool row_worker(void *arg, const struct st_row *r)
{
    struct workers_walk *w = arg;

    return w->each(w->arg, st_col_text(r, 0));
}

enum tk_status tk_store_queue_workers(struct tk_store *s, int64_t scan_id,
                                      bool (*each)(void *arg, const char *worker), void *arg,
                                      struct tk_error *err)
{
    struct workers_walk w = {.each = each, .arg = arg};
    struct st_param p = st_int(scan_id);

    return st_run(s, ST_QUEUE_WORKERS, &p, 1, row_worker, &w, NULL, err);
}

/* ---- rule states ---- */

struct states_walk {
    struct walk w;
    struct tk_rule_states *out;
    size_t n;
    struct tk_rule_states *at;       /* the domain of the last row */
    size_t rank[TK_RULE_STATES_MAX]; /* of at's states (state_rank) */
};

/* state_rank is where a state's rule is in the rule table; states of
 * rules this tiaki does not have (and its own "@gone") come after. */
static size_t state_rank(const char *rule)
{
    const struct tk_rule *r = tk_rule_find(rule);

    return r != NULL ? (size_t)(r - tk_rules) : SIZE_MAX;
}

/* states_of finds the domain of a row: rows come domain by domain, so
 * it is looked for only when the domain changes. */
static struct tk_rule_states *states_of(struct states_walk *sw, int64_t domain_id)
{
    if (sw->at != NULL && sw->at->domain_id == domain_id)
        return sw->at;
    sw->at = NULL;
    for (size_t i = 0; i < sw->n && sw->at == NULL; i++)
        if (sw->out[i].domain_id == domain_id)
            sw->at = &sw->out[i];
    return sw->at;
}

/* states_slot makes room for a state of rank k among d's, kept in the
 * rule table's order (rows come in rule-name order); NULL when d is
 * full of states that come before it: what is past TK_RULE_STATES_MAX
 * is states of rules this tiaki no longer has. */
static struct tk_rule_state *states_slot(struct states_walk *sw, struct tk_rule_states *d, size_t k)
{
    size_t at = d->n;

    while (at > 0 && sw->rank[at - 1] > k)
        at--;
    if (at == TK_RULE_STATES_MAX)
        return NULL;
    if (d->n == TK_RULE_STATES_MAX)
        d->n--; /* the last goes */
    memmove(&d->states[at + 1], &d->states[at], (d->n - at) * sizeof(d->states[0]));
    memmove(&sw->rank[at + 1], &sw->rank[at], (d->n - at) * sizeof(sw->rank[0]));
    sw->rank[at] = k;
    d->n++;
    return &d->states[at];
}

static bool row_state(void *arg, const struct st_row *r)
{
    struct states_walk *sw = arg;
    struct tk_rule_states *d = states_of(sw, st_col_int(r, 0));
    struct tk_rule_state rs = {0}, *slot;

    if (d == NULL)
        return true;
    if (!col_copy(&sw->w, rs.rule, sizeof(rs.rule), r, 1, "rule") ||
        !col_copy(&sw->w, rs.evidence, sizeof(rs.evidence), r, 3, "evidence"))
        return false;
    if (!st_verdict_parse(st_col_text(r, 2), &rs.status))
        return true; /* not a state this tiaki knows: skipped */
    rs.scan_id = st_col_int(r, 4);
    if ((slot = states_slot(sw, d, state_rank(rs.rule))) != NULL)
        *slot = rs;
    return true;
}

static bool row_content(void *arg, const struct st_row *r)
{
    struct states_walk *sw = arg;
    struct tk_rule_states *d = states_of(sw, st_col_int(r, 0));

    if (d != NULL)
        content_ref_read(r, 1, &d->newest);
    return true;
}

static bool row_exists(void *arg, const struct st_row *r)
{
    *(bool *)arg = true;
    return false;
}

/* states_ids writes the domains' ids (n at most TK_STORE_BATCH_MAX) as a
 * JSON array. */
static enum tk_status states_ids(const struct tk_rule_states *out, size_t n, struct tk_buf *b,
                                 struct tk_error *err)
{
    int64_t ids[TK_STORE_BATCH_MAX];
    enum tk_status st;

    for (size_t i = 0; i < n; i++) {
        if (out[i].domain_id <= 0)
            return tk_error_set(err, TK_USAGE, "rule states of no domain");
        for (size_t k = 0; k < i; k++)
            if (out[k].domain_id == out[i].domain_id)
                return tk_error_set(err, TK_USAGE, "rule states of domain %lld asked twice",
                                    (long long)out[i].domain_id);
        ids[i] = out[i].domain_id;
    }
    st = ids_json(b, ids, n);
    return st == TK_OK ? TK_OK : tk_error_set(err, st, "no memory for %zu domains", n);
}

/* states_begin empties out[0..n) and writes their ids as a JSON array. */
static enum tk_status states_begin(struct tk_rule_states *out, size_t n, struct tk_buf *ids,
                                   struct tk_error *err)
{
    if (n > TK_STORE_BATCH_MAX)
        return tk_error_set(err, TK_USAGE, "rule states of %zu domains at once (at most %d)", n,
                            TK_STORE_BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        out[i].n = 0, out[i].seen = false;
        memset(&out[i].newest, 0, sizeof(out[i].newest));
    }
    return n == 0 ? TK_OK : states_ids(out, n, ids, err);
}

enum tk_status tk_store_newest_content(struct tk_store *s, struct tk_rule_states *out, size_t n,
                                       struct tk_error *err)
{
    struct states_walk sw = {.out = out, .n = n};
    struct tk_buf ids = {0};
    struct st_param p;
    enum tk_status st = states_begin(out, n, &ids, err);

    if (st == TK_OK && n > 0) {
        p = st_text(ids.data);
        st = st_run(s, ST_NEWEST_CONTENT, &p, 1, row_content, &sw, NULL, err);
    }
    tk_buf_free(&ids);
    return st;
}

enum tk_status tk_store_rule_states_many(struct tk_store *s, struct tk_rule_states *out, size_t n,
                                         struct tk_error *err)
{
    struct states_walk sw = {.out = out, .n = n};
    struct tk_buf ids = {0};
    struct st_param p[2];
    enum tk_status st;

    if ((st = states_begin(out, n, &ids, err)) == TK_OK && n > 0) {
        p[0] = st_text(ids.data);
        st = walk_status(st_run(s, ST_RULE_STATES_MANY, p, 1, row_state, &sw, NULL, err), &sw.w, s,
                         err);
    }
    tk_buf_free(&ids);
    /* A state is only ever written by a definite snapshot; a domain
     * without one may still have had a definite snapshot that found
     * nothing definite to keep. */
    for (size_t i = 0; st == TK_OK && i < n; i++) {
        out[i].seen = out[i].n > 0;
        if (!out[i].seen) {
            p[0] = st_int(out[i].domain_id);
            st = st_run(s, ST_DOMAIN_SEEN, p, 1, row_exists, &out[i].seen, NULL, err);
        }
    }
    return st;
}

enum tk_status tk_store_rule_states(struct tk_store *s, int64_t domain_id,
                                    struct tk_rule_state *out, size_t *n, bool *seen,
                                    struct tk_error *err)
{
    struct tk_rule_states one = {.domain_id = domain_id};
    enum tk_status st = tk_store_rule_states_many(s, &one, 1, err);

    *n = st == TK_OK ? one.n : 0;
    *seen = st == TK_OK && one.seen;
    memcpy(out, one.states, *n * sizeof(*out));
    return st;
}

/* ---- keeping snapshots: events and alerts (the rest is each back end's) ---- */

static enum tk_status put_alerts(struct tk_store *s, int64_t event_id,
                                 const struct tk_snapshot_put *pu, int64_t now,
                                 struct tk_error *err)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < pu->ntargets; i++) {
        struct st_param p[4] = {st_int(event_id), st_text(st_channel_name(pu->targets[i].channel)),
                                st_text(pu->targets[i].destination), st_int(now)};

        st = st_exec(s, ST_ALERT_INSERT, p, 4, NULL, err);
    }
    return st;
}

enum tk_status st_put_events(struct tk_store *s, int64_t scan_id, const struct tk_snapshot_put *pu,
                             int64_t now, struct tk_error *err)
{
    const struct tk_snapshot *sn = pu->snap;
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < sn->nevents; i++) {
        const struct tk_event *e = &sn->events[i];
        struct st_param p[10] = {st_int(scan_id),
                                 st_int(sn->domain->id),
                                 st_int(sn->scanned_at),
                                 st_text(tk_event_kind_name(e->kind)),
                                 st_text_or_null(e->rule),
                                 st_text(tk_verdict_name(e->from)),
                                 st_text(tk_verdict_name(e->to)),
                                 st_text(e->before),
                                 st_text(e->after),
                                 st_text(e->remediation)};
        int64_t id = 0;

        st = st_run(s, ST_EVENT_INSERT, p, 10, row_int, &id, NULL, err);
        if (st == TK_OK && e->kind == TK_EVENT_REGRESSION)
            st = put_alerts(s, id, pu, now, err);
    }
    return st;
}

/* ---- history ---- */

struct findings_walk {
    void (*each)(void *arg, const struct tk_finding_row *r);
    void *arg;
};

static bool row_finding(void *arg, const struct st_row *r)
{
    struct findings_walk *fw = arg;
    struct tk_finding_row f = {
        .domain = st_col_text(r, 0),
        .agency = st_col_text(r, 1),
        .contact = st_col_text(r, 2),
        .rule = st_col_text(r, 3),
        .level = st_col_text(r, 4),
        .evidence = st_col_text(r, 6),
        .remediation = st_col_text(r, 7),
        .compliant = st_col_int(r, 8) != 0,
        .scan_id = st_col_int(r, 9),
        .scanned_at = st_col_int(r, 10),
    };

    if (!st_verdict_parse(st_col_text(r, 5), &f.status))
        f.status = TK_VERDICT_UNKNOWN;
    fw->each(fw->arg, &f);
    return true;
}

enum tk_status tk_store_latest_findings(struct tk_store *s, const char *agency,
                                        void (*each)(void *arg, const struct tk_finding_row *r),
                                        void *arg, struct tk_error *err)
{
    struct findings_walk fw = {.each = each, .arg = arg};
    struct st_param p[2] = {st_text(agency), st_text(st_rule_order())};

    return st_run(s, ST_LATEST_FINDINGS, p, 2, row_finding, &fw, NULL, err);
}

/* row_event reads EVENT_COLUMNS from column col into er and e. */
static bool row_event(struct walk *w, const struct st_row *r, int col, struct tk_event_row *er,
                      struct tk_event *e)
{
    memset(e, 0, sizeof(*e));
    er->id = st_col_int(r, col);
    er->at = st_col_int(r, col + 1);
    er->scan_id = st_col_int(r, col + 2);
    er->domain = st_col_text(r, col + 3);
    er->agency = st_col_text(r, col + 4);
    er->event = e;
    if (!tk_event_kind_parse(st_col_text(r, col + 5), &e->kind) ||
        !st_verdict_parse(st_col_text(r, col + 7), &e->from) ||
        !st_verdict_parse(st_col_text(r, col + 8), &e->to)) {
        w->overflow = true;
        w->what = "event kind or verdict";
        return false;
    }
    return col_copy(w, e->rule, sizeof(e->rule), r, col + 6, "rule") &&
           col_copy(w, e->before, sizeof(e->before), r, col + 9, "event text") &&
           col_copy(w, e->after, sizeof(e->after), r, col + 10, "event text") &&
           col_copy(w, e->remediation, sizeof(e->remediation), r, col + 11, "remediation");
}

struct events_walk {
    struct walk w;
    void (*each)(void *arg, const struct tk_event_row *r);
};

static bool row_events(void *arg, const struct st_row *r)
{
    struct events_walk *ew = arg;
    struct tk_event_row er;
    struct tk_event e;

    if (!row_event(&ew->w, r, 0, &er, &e))
        return false;
    ew->each(ew->w.arg, &er);
    return true;
}

enum tk_status tk_store_events(struct tk_store *s, int64_t since, const char *agency,
                               void (*each)(void *arg, const struct tk_event_row *r), void *arg,
                               struct tk_error *err)
{
    struct events_walk ew = {.w = {.arg = arg}, .each = each};
    struct st_param p[2] = {st_int(since), st_text(agency)};

    return walk_status(st_run(s, ST_EVENTS, p, 2, row_events, &ew, NULL, err), &ew.w, s, err);
}

/* ---- alerts ---- */

struct alerts_walk {
    struct walk w;
    void (*each)(void *arg, const struct tk_alert_row *a);
};

static bool row_alert(void *arg, const struct st_row *r)
{
    struct alerts_walk *aw = arg;
    struct tk_alert_row a;
    struct tk_event e;

    memset(&a, 0, sizeof(a));
    a.id = st_col_int(r, 0);
    if (!st_channel_parse(st_col_text(r, 1), &a.target.channel) ||
        !st_alert_state_parse(st_col_text(r, 3), &a.state)) {
        aw->w.overflow = true;
        aw->w.what = "alert channel or state";
        return false;
    }
    if (!col_copy(&aw->w, a.target.destination, sizeof(a.target.destination), r, 2,
                  "destination") ||
        !col_copy(&aw->w, a.last_error, sizeof(a.last_error), r, 6, "delivery error") ||
        !row_event(&aw->w, r, 7, &a.event, &e))
        return false;
    a.attempts = (unsigned)st_col_int(r, 4);
    a.next_attempt = st_col_int(r, 5);
    a.event_id = a.event.id;
    aw->each(aw->w.arg, &a);
    return true;
}

enum tk_status tk_store_alerts_due(struct tk_store *s, int64_t now, size_t max,
                                   void (*each)(void *arg, const struct tk_alert_row *a), void *arg,
                                   struct tk_error *err)
{
    struct alerts_walk aw = {.w = {.arg = arg}, .each = each};
    struct st_param p[2] = {st_int(now), st_int((int64_t)max)};

    if (max == 0)
        return TK_OK;
    return walk_status(st_run(s, ST_ALERTS_DUE, p, 2, row_alert, &aw, NULL, err), &aw.w, s, err);
}

enum tk_status tk_store_alerts(struct tk_store *s,
                               void (*each)(void *arg, const struct tk_alert_row *a), void *arg,
                               struct tk_error *err)
{
    struct alerts_walk aw = {.w = {.arg = arg}, .each = each};

    return walk_status(st_run(s, ST_ALERTS_ALL, NULL, 0, row_alert, &aw, NULL, err), &aw.w, s, err);
}

enum tk_status tk_store_alert_result(struct tk_store *s, int64_t alert_id, bool sent,
                                     const char *error, int64_t next_attempt, struct tk_error *err)
{
    char msg[TK_ERROR_MSG_MAX];
    struct st_param p[4];
    int64_t changed = 0;
    enum tk_status st;

    p[0] = st_int(alert_id);
    if (sent) {
        p[1] = st_int(st_now());
        st = st_exec(s, ST_ALERT_SENT, p, 2, &changed, err);
    } else {
        /* The reason may quote a server's reply: kept as safe text, cut
         * to what tk_alert_row holds. */
        tk_strlcpy(msg, error != NULL && error[0] != '\0' ? error : "failed", sizeof(msg));
        tk_text_sanitise(msg);
        p[1] = st_text(msg);
        p[2] = st_int(next_attempt > 0 ? next_attempt : 0);
        p[3] = st_text(st_alert_state_name(next_attempt > 0 ? TK_ALERT_PENDING : TK_ALERT_FAILED));
        st = st_exec(s, ST_ALERT_FAILED, p, 4, &changed, err);
    }
    if (st == TK_OK && changed == 0)
        return tk_error_set(err, TK_ABSENT, "%s: no alert %lld", s->where, (long long)alert_id);
    return st;
}

/* ---- reports ---- */

enum tk_status tk_store_report_put(struct tk_store *s, int64_t at, const char *summary_json,
                                   struct tk_error *err)
{
    struct st_param p[2] = {st_int(at), st_text(summary_json)};

    if (summary_json == NULL || strlen(summary_json) > TK_BUF_MAX)
        return tk_error_set(err, TK_USAGE, "no report summary to keep");
    return st_exec(s, ST_REPORT_PUT, p, 2, NULL, err);
}

struct report_found {
    char *summary;
    int64_t at;
    bool found, nomem;
};

static bool row_report(void *arg, const struct st_row *r)
{
    struct report_found *f = arg;

    f->found = true;
    f->at = st_col_int(r, 1);
    f->summary = strdup(st_col_text(r, 0));
    f->nomem = f->summary == NULL;
    return false;
}

enum tk_status tk_store_report_last(struct tk_store *s, char **summary_json, int64_t *at,
                                    struct tk_error *err)
{
    struct report_found f = {0};
    enum tk_status st;

    *summary_json = NULL;
    st = st_run(s, ST_REPORT_LAST, NULL, 0, row_report, &f, NULL, err);
    if (st != TK_OK)
        return st;
    if (f.nomem)
        return tk_error_set(err, TK_NOMEM, "no memory for the last report's summary");
    if (!f.found)
        return tk_error_set(err, TK_ABSENT, "%s: no report kept yet", s->where);
    *summary_json = f.summary;
    if (at != NULL)
        *at = f.at;
    return TK_OK;
}
