/*
 * NAME
 *	store.c - opening a store by URL, and what both back ends share
 * DESCRIPTION
 *	tk_store_open reads the URL ("PATH", "sqlite:PATH", "postgresql://"
 *	or "postgres://"), hands it to the back end, which connects and
 *	applies the schema migrations. This file also holds the names the
 *	store keeps for enums, the checks every snapshot passes before a
 *	transaction starts, and the default location of the SQLite file
 *	(XDG Base Directory: $XDG_DATA_HOME/tiaki, else ~/.local/share/tiaki,
 *	made 0700: the database holds contacts and each domain's history).
 * SECURITY
 *	A URL may carry a password (postgresql://user:secret@host/db or
 *	?password=secret). It is never printed: messages name the store by
 *	tk_store_url_redacted. Text kept from a snapshot came from the
 *	internet; it must be NUL-free and valid UTF-8 (PostgreSQL refuses
 *	anything else, and both back ends must keep the same things), and
 *	every count is bounded by the structs of store.h.
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/sha256.h"
#include "core/text.h"
#include "store/store_impl.h"

/* ---- URLs ---- */

static bool url_has_prefix(const char *url, const char *prefix)
{
    return strncmp(url, prefix, strlen(prefix)) == 0;
}

static bool url_is_postgresql(const char *url)
{
    return url_has_prefix(url, "postgresql://") || url_has_prefix(url, "postgres://");
}

/* redact_query appends the query string q (after '?') to out without
 * any password=... parameter. */
static void redact_query(const char *q, char *out, size_t outlen)
{
    size_t used = strlen(out);
    bool first = true;

    while (*q != '\0' && *q != '#') {
        size_t n = strcspn(q, "&#");

        if (!(n >= 9 && strncmp(q, "password=", 9) == 0)) {
            snprintf(out + used, outlen - used, "%s%.*s", first ? "?" : "&", (int)n, q);
            used = strlen(out);
            first = false;
        }
        q += n;
        if (*q == '&')
            q++;
    }
}

void tk_store_url_redacted(const char *url, char *out, size_t outlen)
{
    const char *auth, *end, *at, *colon;

    if (outlen == 0)
        return;
    out[0] = '\0';
    if (url == NULL)
        return;
    auth = strstr(url, "://");
    if (auth == NULL) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    /* The user information ends at the last '@' of the authority. */
    at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL)
        snprintf(out, outlen, "%.*s%.*s", (int)(colon - url), url, (int)(end - at), at);
    else
        snprintf(out, outlen, "%.*s", (int)(end - url), url);
    {
        size_t used = strlen(out);
        size_t path = strcspn(end, "?#");

        snprintf(out + used, outlen - used, "%.*s", (int)path, end);
        if (end[path] == '?')
            redact_query(end + path + 1, out, outlen);
    }
}

/* sqlite_path_of returns the file of a SQLite URL, or NULL when url is
 * not one. "sqlite:///abs" is "/abs", as in other tools' URLs. */
static const char *sqlite_path_of(const char *url)
{
    if (url_has_prefix(url, "sqlite:")) {
        url += strlen("sqlite:");
        if (url_has_prefix(url, "//"))
            url += 2;
        return url;
    }
    if (strstr(url, "://") != NULL)
        return NULL;
    return url;
}

enum tk_status tk_store_open(const char *url, struct tk_store **out, struct tk_error *err)
{
    char where[TK_STORE_URL_MAX];
    const char *path;

    *out = NULL;
    if (url == NULL || url[0] == '\0')
        return tk_error_set(err, TK_USAGE,
                            "no database given (a file, sqlite:PATH or "
                            "postgresql://...)");
    if (strnlen(url, TK_STORE_URL_MAX) >= TK_STORE_URL_MAX)
        return tk_error_set(err, TK_USAGE, "the database URL is longer than %d bytes",
                            TK_STORE_URL_MAX - 1);
    tk_store_url_redacted(url, where, sizeof(where));
    if (url_is_postgresql(url))
        return st_pg_open(url, where, out, err);
    path = sqlite_path_of(url);
    if (path == NULL)
        return tk_error_set(err, TK_USAGE,
                            "%s: not a database tiaki knows (a file, sqlite:PATH or "
                            "postgresql://...)",
                            where);
    if (path[0] == '\0')
        return tk_error_set(err, TK_USAGE, "%s: no file named", where);
    return st_sqlite_open(path, where, out, err);
}

void tk_store_close(struct tk_store *s)
{
    if (s == NULL)
        return;
    st_dmarc_close(s);
    s->be->close(s);
}

int tk_store_schema_version(struct tk_store *s)
{
    return s->schema_version;
}

const char *tk_store_backend(const struct tk_store *s)
{
    return s->be->name;
}

/* ---- the default store ---- */

/* make_dir creates path with mode unless it exists as a directory. */
static enum tk_status make_dir(const char *path, mode_t mode, struct tk_error *err)
{
    struct stat st;

    if (mkdir(path, mode) == 0)
        return TK_OK;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return TK_OK;
    return tk_error_set(err, TK_IO, "cannot create %s: %s", path, strerror(errno));
}

/* data_home writes the XDG data directory to out (made when missing). */
static enum tk_status data_home(char *out, size_t outlen, struct tk_error *err)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char local[4096];
    enum tk_status st;

    /* XDG: a relative $XDG_DATA_HOME is invalid and ignored. */
    if (xdg != NULL && xdg[0] == '/') {
        if ((size_t)snprintf(out, outlen, "%s", xdg) >= outlen)
            return tk_error_set(err, TK_LIMIT, "$XDG_DATA_HOME is too long");
        return make_dir(out, 0700, err);
    }
    if (home == NULL || home[0] != '/') {
        struct passwd *pw = getpwuid(getuid());

        if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
            return tk_error_set(err, TK_USAGE,
                                "no home directory: set $XDG_DATA_HOME or "
                                "give the database (--db)");
        home = pw->pw_dir;
    }
    if ((size_t)snprintf(local, sizeof(local), "%s/.local", home) >= sizeof(local) ||
        (size_t)snprintf(out, outlen, "%s/.local/share", home) >= outlen)
        return tk_error_set(err, TK_LIMIT, "the home directory's name is too long");
    st = make_dir(local, 0700, err);
    return st != TK_OK ? st : make_dir(out, 0700, err);
}

enum tk_status tk_store_default_url(char *out, size_t outlen, struct tk_error *err)
{
    char dir[4096];
    enum tk_status st = data_home(dir, sizeof(dir) - 8, err);

    if (st != TK_OK)
        return st;
    strcat(dir, "/tiaki");
    st = make_dir(dir, 0700, err);
    if (st != TK_OK)
        return st;
    if ((size_t)snprintf(out, outlen, "sqlite:%s/tiaki.db", dir) >= outlen)
        return tk_error_set(err, TK_LIMIT, "the default database path is too long");
    return TK_OK;
}

/* ---- names kept in the store ---- */

static const char *const event_kind_names[] = {
    [TK_EVENT_REGRESSION] = "regression",
    [TK_EVENT_IMPROVEMENT] = "improvement",
    [TK_EVENT_RECORD_CHANGED] = "record-changed",
    [TK_EVENT_NEW_DOMAIN] = "new-domain",
    [TK_EVENT_GONE] = "gone",
};

#define NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

static bool names_parse(const char *const *names, size_t n, const char *name, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] != NULL && strcmp(names[i], name) == 0) {
            *out = (int)i;
            return true;
        }
    return false;
}

const char *tk_event_kind_name(enum tk_event_kind k)
{
    return (unsigned)k < NAMES_N(event_kind_names) ? event_kind_names[k] : "?";
}

bool tk_event_kind_parse(const char *name, enum tk_event_kind *out)
{
    int i;

    if (!names_parse(event_kind_names, NAMES_N(event_kind_names), name, &i))
        return false;
    *out = (enum tk_event_kind)i;
    return true;
}

static const char *const scan_state_names[] = {
    [TK_SCAN_RUNNING] = "running",
    [TK_SCAN_COMPLETE] = "complete",
    [TK_SCAN_PARTIAL] = "partial",
};

const char *st_scan_state_name(enum tk_scan_state s)
{
    return (unsigned)s < NAMES_N(scan_state_names) ? scan_state_names[s] : "?";
}

bool st_scan_state_parse(const char *name, enum tk_scan_state *out)
{
    int i;

    if (!names_parse(scan_state_names, NAMES_N(scan_state_names), name, &i))
        return false;
    *out = (enum tk_scan_state)i;
    return true;
}

static const char *const channel_names[] = {
    [TK_ALERT_SMTP] = "smtp",
    [TK_ALERT_WEBHOOK] = "webhook",
    [TK_ALERT_SYSLOG] = "syslog",
};

const char *st_channel_name(enum tk_alert_channel c)
{
    return (unsigned)c < NAMES_N(channel_names) ? channel_names[c] : "?";
}

bool st_channel_parse(const char *name, enum tk_alert_channel *out)
{
    int i;

    if (!names_parse(channel_names, NAMES_N(channel_names), name, &i))
        return false;
    *out = (enum tk_alert_channel)i;
    return true;
}

static const char *const alert_state_names[] = {
    [TK_ALERT_PENDING] = "pending",
    [TK_ALERT_SENT] = "sent",
    [TK_ALERT_FAILED] = "failed",
};

const char *st_alert_state_name(enum tk_alert_state s)
{
    return (unsigned)s < NAMES_N(alert_state_names) ? alert_state_names[s] : "?";
}

bool st_alert_state_parse(const char *name, enum tk_alert_state *out)
{
    int i;

    if (!names_parse(alert_state_names, NAMES_N(alert_state_names), name, &i))
        return false;
    *out = (enum tk_alert_state)i;
    return true;
}

bool st_verdict_parse(const char *name, enum tk_verdict *out)
{
    for (int v = TK_VERDICT_PASS; v <= TK_VERDICT_UNKNOWN; v++)
        if (strcmp(tk_verdict_name((enum tk_verdict)v), name) == 0) {
            *out = (enum tk_verdict)v;
            return true;
        }
    return false;
}

/* ---- the rule table's order ---- */

static char rule_order[TK_FINDINGS_MAX * 4 * TK_RULE_ID_MAX];
static pthread_once_t rule_order_once = PTHREAD_ONCE_INIT;

static void rule_order_build(void)
{
    size_t used = 1;

    rule_order[0] = ',';
    for (const struct tk_rule *r = tk_rules; r->id != NULL; r++) {
        size_t n = strlen(r->id);

        /* Our own table: it fits, or the buffer above is wrong. */
        if (used + n + 2 > sizeof(rule_order))
            break;
        memcpy(rule_order + used, r->id, n);
        used += n;
        rule_order[used++] = ',';
    }
    rule_order[used] = '\0';
}

const char *st_rule_order(void)
{
    pthread_once(&rule_order_once, rule_order_build);
    return rule_order;
}

/* ---- parameters, rows, statements ---- */

struct st_param st_int(int64_t i)
{
    return (struct st_param){.type = ST_INT, .i = i};
}

struct st_param st_text(const char *s)
{
    if (s == NULL)
        return (struct st_param){.type = ST_NULL};
    return (struct st_param){.type = ST_TEXT, .s = s, .len = strlen(s)};
}

struct st_param st_textn(const char *s, size_t len)
{
    return (struct st_param){.type = ST_TEXT, .s = s, .len = len};
}

struct st_param st_text_or_null(const char *s)
{
    return s == NULL || s[0] == '\0' ? (struct st_param){.type = ST_NULL} : st_text(s);
}

int64_t st_col_int(const struct st_row *r, int col)
{
    return r->be->col_int(r, col);
}

const char *st_col_text(const struct st_row *r, int col)
{
    return r->be->col_text(r, col);
}

bool st_col_null(const struct st_row *r, int col)
{
    return r->be->col_null(r, col);
}

enum tk_status st_run(struct tk_store *s, enum st_id id, const struct st_param *p, size_t np,
                      st_row_fn each, void *arg, int64_t *changes, struct tk_error *err)
{
    return s->be->query(s, id, p, np, each, arg, changes, err);
}

enum tk_status st_exec(struct tk_store *s, enum st_id id, const struct st_param *p, size_t np,
                       int64_t *changes, struct tk_error *err)
{
    return s->be->query(s, id, p, np, NULL, NULL, changes, err);
}

int64_t st_now(void)
{
    return (int64_t)time(NULL);
}

void st_one_line(const char *msg, char *out, size_t outlen)
{
    size_t o = 0;
    bool space = false;

    if (outlen == 0)
        return;
    for (; *msg != '\0' && o + 1 < outlen; msg++) {
        if (*msg == '\n' || *msg == '\t' || *msg == '\r' || *msg == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < outlen)
            out[o++] = ' ';
        space = false;
        out[o++] = *msg;
    }
    out[o] = '\0';
}

/* ---- checking a snapshot before keeping it ---- */

/* utf8_valid is true when len bytes of s are well-formed UTF-8 without
 * NUL (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned min, cp;
        uint64_t w;

        /* Observations are mostly ASCII JSON of a few KB, checked for
         * every snapshot: eight bytes at a time, the check was 6% of
         * storing one (bench/scan-store), now a fraction of that. */
        if ((size_t)(end - p) >= 8) {
            memcpy(&w, p, 8);
            if ((w & 0x8080808080808080ULL) == 0 &&
                ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0) {
                p += 8;
                continue;
            }
        }

        if (c == 0)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, min = 0x80, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, min = 0x800, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, min = 0x10000, cp = c & 0x07;
        else
            return false;
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n + 1;
    }
    return true;
}

bool st_text_ok(const char *s, size_t size)
{
    size_t n = strnlen(s, size);

    return n < size && utf8_valid(s, n);
}

static enum tk_status check_findings(const struct tk_judgement *j, const char *dom,
                                     struct tk_error *err)
{
    if (j->n > TK_FINDINGS_MAX)
        return tk_error_set(err, TK_USAGE, "%s: %zu findings (at most %d)", dom, j->n,
                            TK_FINDINGS_MAX);
    for (size_t i = 0; i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        if (f->rule == NULL || f->rule->id == NULL || (unsigned)f->status > TK_VERDICT_UNKNOWN)
            return tk_error_set(err, TK_USAGE, "%s: finding %zu has no rule or verdict", dom, i);
        if (!st_text_ok(f->evidence, sizeof(f->evidence)) ||
            !st_text_ok(f->remediation, sizeof(f->remediation)))
            return tk_error_set(err, TK_INVALID,
                                "%s: %s: evidence or remediation is not UTF-8 text", dom,
                                f->rule->id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(j->findings[k].rule->id, f->rule->id) == 0)
                return tk_error_set(err, TK_USAGE, "%s: %s judged twice", dom, f->rule->id);
    }
    return TK_OK;
}

static enum tk_status check_states(const struct tk_snapshot *sn, const char *dom,
                                   struct tk_error *err)
{
    if (sn->nstates > TK_RULE_STATES_MAX || (sn->nstates > 0 && sn->states == NULL))
        return tk_error_set(err, TK_USAGE, "%s: %zu rule states (at most %d)", dom, sn->nstates,
                            TK_RULE_STATES_MAX);
    for (size_t i = 0; i < sn->nstates; i++) {
        const struct tk_rule_state *r = &sn->states[i];
        size_t idlen = strnlen(r->rule, sizeof(r->rule));

        if (idlen == 0 || idlen >= sizeof(r->rule) || !utf8_valid(r->rule, idlen))
            return tk_error_set(err, TK_USAGE, "%s: rule state %zu has no rule", dom, i);
        if (r->status != TK_VERDICT_PASS && r->status != TK_VERDICT_FAIL &&
            r->status != TK_VERDICT_WARN)
            return tk_error_set(err, TK_USAGE, "%s: %s: a rule state is pass, fail or warn", dom,
                                r->rule);
        if (!st_text_ok(r->evidence, sizeof(r->evidence)))
            return tk_error_set(err, TK_INVALID, "%s: %s: evidence is not UTF-8 text", dom,
                                r->rule);
        for (size_t k = 0; k < i; k++)
            if (strcmp(sn->states[k].rule, r->rule) == 0)
                return tk_error_set(err, TK_USAGE, "%s: two states of %s", dom, r->rule);
    }
    return TK_OK;
}

static enum tk_status check_events(const struct tk_snapshot *sn, const char *dom,
                                   struct tk_error *err)
{
    if (sn->nevents > TK_EVENTS_MAX || (sn->nevents > 0 && sn->events == NULL))
        return tk_error_set(err, TK_USAGE, "%s: %zu events (at most %d)", dom, sn->nevents,
                            TK_EVENTS_MAX);
    for (size_t i = 0; i < sn->nevents; i++) {
        const struct tk_event *e = &sn->events[i];

        if ((unsigned)e->kind > TK_EVENT_GONE || (unsigned)e->from > TK_VERDICT_UNKNOWN ||
            (unsigned)e->to > TK_VERDICT_UNKNOWN || !st_text_ok(e->rule, sizeof(e->rule)))
            return tk_error_set(err, TK_USAGE, "%s: event %zu is malformed", dom, i);
        if (!st_text_ok(e->before, sizeof(e->before)) || !st_text_ok(e->after, sizeof(e->after)) ||
            !st_text_ok(e->remediation, sizeof(e->remediation)))
            return tk_error_set(err, TK_INVALID, "%s: event %zu: its text is not UTF-8", dom, i);
    }
    return TK_OK;
}

static enum tk_status check_targets(const struct tk_snapshot_put *p, const char *dom,
                                    struct tk_error *err)
{
    if (p->ntargets > TK_ALERT_TARGETS_MAX || (p->ntargets > 0 && p->targets == NULL))
        return tk_error_set(err, TK_USAGE, "%s: %zu alert targets (at most %d)", dom, p->ntargets,
                            TK_ALERT_TARGETS_MAX);
    for (size_t i = 0; i < p->ntargets; i++) {
        const struct tk_alert_target *t = &p->targets[i];

        if ((unsigned)t->channel > TK_ALERT_SYSLOG ||
            !st_text_ok(t->destination, sizeof(t->destination)))
            return tk_error_set(err, TK_USAGE, "%s: alert target %zu is malformed", dom, i);
    }
    return TK_OK;
}

/* check_put is every check of one snapshot, done before any SQL. */
static enum tk_status check_put(const struct tk_snapshot_put *p, struct tk_error *err)
{
    const struct tk_snapshot *sn = p->snap;
    const char *dom;
    enum tk_status st;

    if (sn == NULL || sn->domain == NULL || sn->domain->id <= 0 || sn->judgement == NULL)
        return tk_error_set(err, TK_USAGE, "a snapshot without its domain or judgement");
    dom = sn->domain->domain;
    if (strnlen(dom, sizeof(sn->domain->domain)) >= sizeof(sn->domain->domain))
        return tk_error_set(err, TK_USAGE, "a snapshot's domain name is not terminated");
    if (sn->observation_json == NULL || sn->observation_len > TK_BUF_MAX)
        return tk_error_set(err, TK_USAGE, "%s: no observation", dom);
    if (!utf8_valid(sn->observation_json, sn->observation_len))
        return tk_error_set(err, TK_INVALID, "%s: the observation holds a NUL byte or is not UTF-8",
                            dom);
    if ((unsigned)sn->profile > TK_PROFILE_PARKED)
        return tk_error_set(err, TK_USAGE, "%s: no such profile", dom);
    if (strnlen(sn->prev.digest, sizeof(sn->prev.digest)) >= sizeof(sn->prev.digest))
        return tk_error_set(err, TK_USAGE, "%s: the previous content's digest is not terminated",
                            dom);
    if ((st = check_findings(sn->judgement, dom, err)) != TK_OK ||
        (st = check_states(sn, dom, err)) != TK_OK || (st = check_events(sn, dom, err)) != TK_OK)
        return st;
    return check_targets(p, dom, err);
}

/* digest_field adds one NUL-terminated field: the texts hashed are
 * NUL-free (check_put), so the fields cannot run into each other. */
static bool digest_field(EVP_MD_CTX *md, const char *p, size_t n)
{
    return EVP_DigestUpdate(md, p, n) == 1 && EVP_DigestUpdate(md, "", 1) == 1;
}

static bool digest_text(EVP_MD_CTX *md, const char *s)
{
    return digest_field(md, s, strlen(s));
}

/* snapshot_digest is the digest of what a snapshot holds besides its
 * row: the observation and every finding, in order. */
static bool snapshot_digest(EVP_MD_CTX *md, const struct tk_snapshot *sn, char *out)
{
    const struct tk_judgement *j = sn->judgement;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hlen = 0;

    if (EVP_DigestInit_ex(md, tk_sha256(), NULL) != 1 ||
        !digest_field(md, sn->observation_json, sn->observation_len))
        return false;
    for (size_t i = 0; i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        if (!digest_text(md, f->rule->id) || !digest_text(md, tk_level_name(f->rule->level)) ||
            !digest_text(md, tk_verdict_name(f->status)) || !digest_text(md, f->evidence) ||
            !digest_text(md, f->remediation))
            return false;
    }
    if (EVP_DigestFinal_ex(md, h, &hlen) != 1 || hlen * 2 != TK_STORE_DIGEST_HEX)
        return false;
    tk_hex(h, hlen, out);
    out[TK_STORE_DIGEST_HEX] = '\0';
    return true;
}

enum tk_status tk_store_snapshot_digest(const struct tk_snapshot *sn,
                                        char out[TK_STORE_DIGEST_HEX + 1], struct tk_error *err)
{
    EVP_MD_CTX *md;
    bool ok;

    if (sn == NULL || sn->judgement == NULL || sn->observation_json == NULL ||
        sn->judgement->n > TK_FINDINGS_MAX)
        return tk_error_set(err, TK_USAGE, "a snapshot without its observation or judgement");
    md = EVP_MD_CTX_new();
    ok = md != NULL && snapshot_digest(md, sn, out);
    EVP_MD_CTX_free(md);
    return ok ? TK_OK : tk_error_set(err, TK_NOMEM, "cannot hash a snapshot (OpenSSL)");
}

/* content_digest is sn's digest: the one it came with, else made. */
static bool content_digest(EVP_MD_CTX *md, const struct tk_snapshot *sn, struct st_content *out)
{
    if (sn->digest == NULL || strlen(sn->digest) != TK_STORE_DIGEST_HEX)
        return snapshot_digest(md, sn, out->digest);
    memcpy(out->digest, sn->digest, TK_STORE_DIGEST_HEX + 1);
    return true;
}

/* snapshot_contents works out how each snapshot's content is kept: by
 * the snapshot named in its prev when the digests are the same (the
 * content of a snapshot never changes once kept, so a stale prev can
 * only cost a copy), else by itself. */
static enum tk_status snapshot_contents(const struct tk_snapshot_put *puts, size_t n,
                                        struct st_content *out, struct tk_error *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t i = 0;

    if (md != NULL)
        for (; i < n && content_digest(md, puts[i].snap, &out[i]); i++) {
            const struct tk_content_ref *prev = &puts[i].snap->prev;

            out[i].shared = prev->snapshot_id > 0 && strcmp(prev->digest, out[i].digest) == 0
                                ? prev->snapshot_id
                                : 0;
        }
    EVP_MD_CTX_free(md);
    return i == n ? TK_OK : tk_error_set(err, TK_NOMEM, "cannot hash a snapshot (OpenSSL)");
}

enum tk_status tk_store_snapshot_put_batch(struct tk_store *s, int64_t scan_id,
                                           const struct tk_snapshot_put *puts, size_t n,
                                           const int64_t *close, size_t nclose,
                                           struct tk_error *err)
{
    struct st_content content[TK_STORE_BATCH_MAX];
    enum tk_status st;

    if (n == 0)
        return TK_OK;
    if (puts == NULL || scan_id <= 0)
        return tk_error_set(err, TK_USAGE, "no scan or no snapshots to keep");
    if (n > TK_STORE_BATCH_MAX)
        return tk_error_set(err, TK_USAGE, "%zu snapshots in one batch (at most %d)", n,
                            TK_STORE_BATCH_MAX);
    if (nclose > TK_STORE_BATCH_MAX || (nclose > 0 && close == NULL))
        return tk_error_set(err, TK_USAGE, "%zu batches to close at once (at most %d)", nclose,
                            TK_STORE_BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((st = check_put(&puts[i], err)) != TK_OK)
            return st;
        /* A batch ties rows to their snapshot by domain. */
        for (size_t k = 0; k < i; k++)
            if (puts[k].snap->domain->id == puts[i].snap->domain->id)
                return tk_error_set(err, TK_USAGE, "%s: twice in one batch",
                                    puts[i].snap->domain->domain);
    }
    if ((st = snapshot_contents(puts, n, content, err)) != TK_OK)
        return st;
    return s->be->snapshot_put(s, scan_id, puts, content, n, close, nclose, err);
}

enum tk_status tk_store_snapshot_put(struct tk_store *s, int64_t scan_id,
                                     const struct tk_snapshot *snap,
                                     const struct tk_alert_target *targets, size_t ntargets,
                                     struct tk_error *err)
{
    struct tk_snapshot_put p = {.snap = snap, .targets = targets, .ntargets = ntargets};

    return tk_store_snapshot_put_batch(s, scan_id, &p, 1, NULL, 0, err);
}

enum tk_status st_tx_end(struct tk_store *s, enum tk_status st, struct tk_error *err)
{
    if (st == TK_OK)
        return s->be->commit(s, err);
    s->be->rollback(s);
    return st;
}
