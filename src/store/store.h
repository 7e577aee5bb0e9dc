/*
 * NAME
 *	store.h - what tiaki keeps: inventory, scans, snapshots, events, alerts
 * DESCRIPTION
 *	One interface, two back ends: SQLite (a file, the default) and
 *	PostgreSQL (shared by many scanning hosts). Only store/ knows SQL.
 *	tk_store_open picks the back end from the URL and applies the
 *	versioned schema migrations before returning.
 *
 *	A scan is a set of domains to check, kept as a queue of batches:
 *	each batch is claimed by one worker (SELECT ... FOR UPDATE SKIP
 *	LOCKED on PostgreSQL; SQLite has one writer at a time) and its
 *	domains checked; a domain is done when the scan has its snapshot,
 *	kept in one transaction. So a scan killed at any point has whole
 *	snapshots or none for each domain, a claim that is never finished
 *	expires and its batch is claimed again (with only the domains it
 *	has no snapshot of), and an interrupted scan is resumed by the next
 *	`tiaki scan` (or closed as partial).
 *
 *	A snapshot is one domain in one scan: the observation as JSON (the
 *	raw records and probe results), the findings, and the change events
 *	and alerts they cause. Events are computed by monitor/changes.h from
 *	the rule states (the newest definite status of each rule of the
 *	domain) the store hands back; the store only keeps them.
 * SECURITY
 *	Every value goes through bound parameters, never into SQL text.
 *	Passwords in URLs are never printed: errors name the database by
 *	tk_store_url_redacted.
 */
#ifndef TIAKI_STORE_STORE_H
#define TIAKI_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "observe/observation.h"
#include "rules/rules.h"

#define TK_STORE_URL_MAX 1024
#define TK_STORE_TEXT_MAX 128      /* agency, contact */
#define TK_STORE_SELECTORS_MAX 512 /* selectors, space-separated */
#define TK_STORE_WORKER_MAX 128
#define TK_RULE_ID_MAX 32

struct tk_store;

/* Where a domain's newest snapshot's content (its observation and
 * findings) is kept, and the content's digest (SHA-256, hex). Read with
 * the domain when it is claimed and handed back with its next
 * snapshot, which keeps no content of its own when it found the same:
 * scans every few hours mostly do, and keeping it again was most of
 * what storing a snapshot cost (bench/scan-store). The domain's row
 * says where (kept there with each new content), so finding it is no
 * search of the domain's snapshots. */
#define TK_STORE_DIGEST_HEX 64
struct tk_content_ref {
    int64_t snapshot_id; /* 0: none */
    char digest[TK_STORE_DIGEST_HEX + 1];
};

/* One inventory domain. */
struct tk_store_domain {
    int64_t id;
    char domain[TK_DOMAIN_MAX + 1];
    char agency[TK_STORE_TEXT_MAX];
    char contact[TK_STORE_TEXT_MAX];
    enum tk_profile profile;                /* TK_PROFILE_UNSET: infer */
    char selectors[TK_STORE_SELECTORS_MAX]; /* space-separated */
    bool bulk;
    /* Set by tk_store_queue_claim only (zero otherwise): the batch of
     * the queue it came in (to close, tk_store_snapshot_put_batch; 0:
     * none, one of a scan begun before schema 6 numbered its first 0),
     * and where its
     * newest snapshot's content is (for tk_snapshot.prev), read with
     * the domain rather than by a query of its own. */
    int64_t batch;
    struct tk_content_ref newest;
};

/* The newest definite (pass, fail or warn) status of one rule of one
 * domain: what the next snapshot is compared with. */
struct tk_rule_state {
    char rule[TK_RULE_ID_MAX];
    enum tk_verdict status;
    char evidence[TK_EVIDENCE_MAX];
    /* The scan whose snapshot first had this status and evidence: a
     * later snapshot finding the same leaves the state as it is (no
     * write), so this says since when. */
    int64_t scan_id;
};

#define TK_RULE_STATES_MAX TK_FINDINGS_MAX

enum tk_event_kind {
    TK_EVENT_REGRESSION,     /* pass -> fail or warn (or warn -> fail) */
    TK_EVENT_IMPROVEMENT,    /* fail or warn -> pass (or fail -> warn) */
    TK_EVENT_RECORD_CHANGED, /* same verdict, the evidence (record) changed */
    TK_EVENT_NEW_DOMAIN,     /* first definite snapshot of the domain */
    TK_EVENT_GONE,           /* the domain no longer exists (NXDOMAIN) */
};

struct tk_event {
    enum tk_event_kind kind;
    char rule[TK_RULE_ID_MAX]; /* "" for new-domain and gone */
    enum tk_verdict from;      /* new-domain: TK_VERDICT_UNKNOWN */
    enum tk_verdict to;
    char before[TK_EVIDENCE_MAX];
    char after[TK_EVIDENCE_MAX];
    char remediation[TK_REMEDIATION_MAX];
};

#define TK_EVENTS_MAX (TK_FINDINGS_MAX + 2)

/* One domain's result in one scan, ready to keep. */
struct tk_snapshot {
    const struct tk_store_domain *domain; /* as claimed (its id) */
    int64_t scanned_at;                   /* Unix time */
    enum tk_profile profile;
    bool compliant;
    bool all_unknown;             /* nothing could be observed */
    const char *observation_json; /* the records and probes, JSON */
    size_t observation_len;
    const struct tk_judgement *judgement;
    /* The rule states after this snapshot (unknown findings leave the
     * previous state) and the events it causes, from monitor/changes.h. */
    size_t nstates;
    const struct tk_rule_state *states;
    size_t nevents;
    const struct tk_event *events;
    /* The domain's newest snapshot's content (tk_rule_states.newest);
     * zero: keep this one's content whatever it is. */
    struct tk_content_ref prev;
    /* NULL, or this one's digest as tk_store_snapshot_digest made it
     * (not made again). */
    const char *digest;
};

/* tk_store_snapshot_digest writes the digest of what sn holds besides
 * its row (the observation and the findings) into out: equal to the
 * domain's newest content's, nothing changed, and the rule states (a
 * fixed point of the same findings) need not be read. */
enum tk_status tk_store_snapshot_digest(const struct tk_snapshot *sn,
                                        char out[TK_STORE_DIGEST_HEX + 1], struct tk_error *err);

/* Where alerts go: each new regression gets one alert per channel. */
enum tk_alert_channel {
    TK_ALERT_SMTP,
    TK_ALERT_WEBHOOK,
    TK_ALERT_SYSLOG,
};

struct tk_alert_target {
    enum tk_alert_channel channel;
    char destination[TK_STORE_URL_MAX]; /* mail address, URL, or "" for syslog */
};

#define TK_ALERT_TARGETS_MAX 8

/* ---- opening ---- */

/* tk_store_open opens (creating when needed) the store at url:
 * "PATH", "sqlite:PATH" or "postgresql://..." (also "postgres://"), and
 * applies every migration not yet applied. Returns TK_OK, TK_USAGE (a
 * URL it cannot use, err says why), TK_IO (cannot reach or create) or
 * TK_INVALID (a schema newer than this tiaki). */
enum tk_status tk_store_open(const char *url, struct tk_store **out, struct tk_error *err);
void tk_store_close(struct tk_store *s);

/* tk_store_default_url writes "sqlite:$XDG_DATA_HOME/tiaki/tiaki.db"
 * (or ~/.local/share/...) to out, creating the directory. */
enum tk_status tk_store_default_url(char *out, size_t outlen, struct tk_error *err);

/* tk_store_url_redacted writes url without its password. */
void tk_store_url_redacted(const char *url, char *out, size_t outlen);

/* tk_store_schema_version is the newest migration applied. */
int tk_store_schema_version(struct tk_store *s);

/* tk_store_backend is "sqlite" or "postgresql". */
const char *tk_store_backend(const struct tk_store *s);

/* ---- inventory ---- */

/* tk_store_domain_put adds or updates a domain (by name), creating its
 * agency when new. *created says which. */
enum tk_status tk_store_domain_put(struct tk_store *s, const struct tk_store_domain *d,
                                   bool *created, struct tk_error *err);

/* tk_store_domain_remove removes a domain from the inventory (its
 * history stays). TK_ABSENT when there is no such domain. */
enum tk_status tk_store_domain_remove(struct tk_store *s, const char *domain, struct tk_error *err);

/* tk_store_domains lists the inventory by name (agency NULL: all),
 * calling each() per domain; each() returning false stops the walk. */
enum tk_status tk_store_domains(struct tk_store *s, const char *agency,
                                bool (*each)(void *arg, const struct tk_store_domain *d), void *arg,
                                struct tk_error *err);

/* ---- scans and the queue ---- */

enum tk_scan_state {
    TK_SCAN_RUNNING,
    TK_SCAN_COMPLETE,
    TK_SCAN_PARTIAL, /* closed before every domain was checked */
};

struct tk_scan_info {
    int64_t id;
    enum tk_scan_state state;
    int64_t started, finished; /* Unix time; finished 0 while running */
    unsigned long total, done;
    unsigned batch; /* domains to a batch of its queue */
};

/* tk_store_scan_begin resumes the running scan if there is one and
 * resume is true; otherwise (after closing a running one as partial)
 * starts a new scan that queues every inventory domain, in batches of
 * batch (1 to TK_STORE_BATCH_MAX) in name order. info says which scan
 * and how far it is. */
enum tk_status tk_store_scan_begin(struct tk_store *s, bool resume, unsigned batch,
                                   struct tk_scan_info *info, struct tk_error *err);

/* tk_store_scan_join finds the running scan for a worker: TK_ABSENT
 * when there is none. */
enum tk_status tk_store_scan_join(struct tk_store *s, struct tk_scan_info *info,
                                  struct tk_error *err);

/* tk_store_queue_claim claims for worker as many of the scan's batches
 * as max domains hold (max less than the scan's batch: TK_LIMIT), of
 * those not claimed (or whose claim is older
 * than lease_s seconds: its worker died, or released them), and fills
 * out[0..*n) with their domains the scan has no snapshot of, in name
 * order. *n == 0: nothing left to claim (others may still be working). */
enum tk_status tk_store_queue_claim(struct tk_store *s, int64_t scan_id, const char *worker,
                                    unsigned lease_s, struct tk_store_domain *out, size_t max,
                                    size_t *n, struct tk_error *err);

/* tk_store_queue_workers calls each (until it returns false) with each
 * worker holding a claim on a batch of the scan that is not closed. */
enum tk_status tk_store_queue_workers(struct tk_store *s, int64_t scan_id,
                                      bool (*each)(void *arg, const char *worker), void *arg,
                                      struct tk_error *err);

/* tk_store_queue_release gives back worker's batches of the scan: one
 * with a snapshot of every domain is closed, any other can be claimed
 * again at once (an interrupted worker's). */
enum tk_status tk_store_queue_release(struct tk_store *s, int64_t scan_id, const char *worker,
                                      struct tk_error *err);

/* tk_store_rule_states reads a domain's rule states (up to
 * TK_RULE_STATES_MAX) into out; *n may be 0 (never seen). *seen says
 * whether the domain ever had a definite snapshot. */
enum tk_status tk_store_rule_states(struct tk_store *s, int64_t domain_id,
                                    struct tk_rule_state *out, size_t *n, bool *seen,
                                    struct tk_error *err);

/* One domain's rule states, as tk_store_rule_states reads them. */
struct tk_rule_states {
    int64_t domain_id; /* set by the caller */
    bool seen;
    size_t n;
    struct tk_rule_state states[TK_RULE_STATES_MAX];
    struct tk_content_ref newest; /* for tk_snapshot.prev */
};

/* tk_store_rule_states_many reads the rule states of n domains (at most
 * TK_STORE_BATCH_MAX, each once) in one query (and a query per domain
 * that has none, to tell whether it was ever seen): a scan compares a
 * batch of domains at once, where a query per domain cost as much as
 * keeping the snapshots (bench/scan-store). A scan reads the states of
 * only the domains whose content changed. out[i].newest is left empty. */
enum tk_status tk_store_rule_states_many(struct tk_store *s, struct tk_rule_states *out, size_t n,
                                         struct tk_error *err);

/* tk_store_newest_content reads where the newest snapshots' content of
 * n domains is (out[i].newest; states and seen are left empty), in one
 * query, for a caller that did not claim them (a claim reads it with
 * each domain, tk_store_domain.newest). */
enum tk_status tk_store_newest_content(struct tk_store *s, struct tk_rule_states *out, size_t n,
                                       struct tk_error *err);

/* tk_store_snapshot_put keeps one snapshot in one transaction: the
 * observation, the findings, the new rule states, the events, one
 * pending alert per regression event and target, and the scan's count
 * of domains done. Either all of it is kept or none. */
enum tk_status tk_store_snapshot_put(struct tk_store *s, int64_t scan_id,
                                     const struct tk_snapshot *snap,
                                     const struct tk_alert_target *targets, size_t ntargets,
                                     struct tk_error *err);

/* One snapshot to keep and the targets its regressions are alerted to. */
struct tk_snapshot_put {
    const struct tk_snapshot *snap;
    const struct tk_alert_target *targets;
    size_t ntargets;
};

/* Snapshots in one batch: bounds what one transaction (and, on
 * PostgreSQL, one statement) holds. */
#define TK_STORE_BATCH_MAX 256

/* tk_store_snapshot_put_batch keeps n snapshots (at most
 * TK_STORE_BATCH_MAX) in one transaction, each exactly as
 * tk_store_snapshot_put keeps one (a snapshot kept already is skipped).
 * A domain is in a batch once (TK_USAGE otherwise). In the same
 * transaction it closes the queue's batches close[0..nclose) (at most
 * TK_STORE_BATCH_MAX; may be none): those of the caller's claims whose
 * last domains these snapshots are, so that neither a later claim nor
 * the caller's release at the end looks for what is left in them. All
 * of it is done or none: after an error the caller may keep them one by
 * one to find the one that fails. A commit per snapshot is what makes
 * storing slow (bench/scan-store: on SQLite a batch of 64 keeps three
 * to four times as many snapshots a second as one at a time), so a scan
 * hands its finished domains over in batches. */
enum tk_status tk_store_snapshot_put_batch(struct tk_store *s, int64_t scan_id,
                                           const struct tk_snapshot_put *puts, size_t n,
                                           const int64_t *close, size_t nclose,
                                           struct tk_error *err);

/* tk_store_scan_finish marks the scan complete when every domain is
 * done; else, when close is true, partial; else leaves it running
 * (others are working). info is refreshed. */
enum tk_status tk_store_scan_finish(struct tk_store *s, int64_t scan_id, bool close,
                                    struct tk_scan_info *info, struct tk_error *err);

/* ---- reading history ---- */

/* One finding of a domain's newest snapshot. */
struct tk_finding_row {
    const char *domain;
    const char *agency;
    const char *contact;
    const char *rule;
    const char *level; /* "MUST", ... */
    enum tk_verdict status;
    const char *evidence;
    const char *remediation;
    bool compliant; /* the domain's */
    int64_t scan_id;
    int64_t scanned_at;
};

/* tk_store_latest_findings walks the findings of each inventory
 * domain's newest snapshot (agency NULL: all), ordered by agency,
 * domain, rule table order. */
enum tk_status tk_store_latest_findings(struct tk_store *s, const char *agency,
                                        void (*each)(void *arg, const struct tk_finding_row *r),
                                        void *arg, struct tk_error *err);

struct tk_event_row {
    int64_t id;
    int64_t at; /* Unix time of the scan that saw it */
    int64_t scan_id;
    const char *domain;
    const char *agency;
    const struct tk_event *event;
};

/* tk_store_events walks change events at or after since (0: all) of
 * agency (NULL: all), oldest first. */
enum tk_status tk_store_events(struct tk_store *s, int64_t since, const char *agency,
                               void (*each)(void *arg, const struct tk_event_row *r), void *arg,
                               struct tk_error *err);

/* ---- alerts ---- */

enum tk_alert_state {
    TK_ALERT_PENDING,
    TK_ALERT_SENT,
    TK_ALERT_FAILED, /* gave up after the retries; kept, and listed */
};

struct tk_alert_row {
    int64_t id;
    int64_t event_id;
    struct tk_alert_target target;
    enum tk_alert_state state;
    unsigned attempts;
    int64_t next_attempt; /* Unix time */
    char last_error[TK_ERROR_MSG_MAX];
    struct tk_event_row event; /* what to say */
};

/* tk_store_alerts_due walks pending alerts whose next attempt is due at
 * now, at most max. */
enum tk_status tk_store_alerts_due(struct tk_store *s, int64_t now, size_t max,
                                   void (*each)(void *arg, const struct tk_alert_row *a), void *arg,
                                   struct tk_error *err);

/* tk_store_alert_result records one delivery attempt: sent, or failed
 * with error (then retried at next_attempt, or given up when
 * next_attempt is 0). */
enum tk_status tk_store_alert_result(struct tk_store *s, int64_t alert_id, bool sent,
                                     const char *error, int64_t next_attempt, struct tk_error *err);

/* tk_store_alerts walks every alert (newest first), for `tiaki alerts`. */
enum tk_status tk_store_alerts(struct tk_store *s,
                               void (*each)(void *arg, const struct tk_alert_row *a), void *arg,
                               struct tk_error *err);

/* ---- reports ---- */

/* tk_store_report_put keeps a report's summary (JSON: per agency and
 * rule, the pass counts) so the next report can show the trend. */
enum tk_status tk_store_report_put(struct tk_store *s, int64_t at, const char *summary_json,
                                   struct tk_error *err);

/* tk_store_report_last reads the newest kept summary (malloc'd) and
 * when it was made; TK_ABSENT when none. */
enum tk_status tk_store_report_last(struct tk_store *s, char **summary_json, int64_t *at,
                                    struct tk_error *err);

const char *tk_event_kind_name(enum tk_event_kind k); /* "regression", ... */
bool tk_event_kind_parse(const char *name, enum tk_event_kind *out);

#endif
