/*
 * NAME
 *	testutil.c - small helpers shared by the cmocka unit tests
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "testutil.h"

/* TXT rdata of testutil_zone_add_txt_bytes: 4 KB of text in strings of
 * 255 needs 17 length bytes more; this leaves room for twice that. */
#define TESTUTIL_TXT_WIRE_MAX 8192

const char *testutil_shared_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("TIAKI_SHARED");

    snprintf(path, sizeof(path), "%s/%s", base ? base : "../shared", rel);
    return path;
}

char *testutil_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > 64L * 1024 * 1024 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}

/* ---- text ---- */

bool testutil_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

bool testutil_notes_have(const struct tk_notes *n, const char *sub)
{
    size_t i;

    for (i = 0; i < n->n; i++)
        if (strstr(n->text[i], sub) != NULL)
            return true;
    return false;
}

char *testutil_record_of_len(const char *head, char fill, size_t len)
{
    size_t n = strlen(head);
    char *buf = malloc(len + 1);

    assert_non_null(buf);
    assert_true(n <= len);
    memcpy(buf, head, n);
    memset(buf + n, fill, len - n);
    buf[len] = '\0';
    return buf;
}

/* ---- deterministic garbage ---- */

unsigned long testutil_rand(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return *seed >> 33;
}

void testutil_garbage(unsigned long *seed, char *buf, size_t from, size_t len, const char *alphabet,
                      size_t alen)
{
    size_t i;

    for (i = from; i < len; i++)
        buf[i] = alphabet[testutil_rand(seed) % alen];
}

/* ---- DKIM keys ---- */

EVP_PKEY *testutil_keygen(unsigned bits)
{
    if (bits == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

bool testutil_pubkey_set(struct testutil_pubkey *k, const unsigned char *der, size_t len)
{
    if (len > sizeof(k->der))
        return false;
    memcpy(k->der, der, len);
    k->der_len = len;
    return EVP_EncodeBlock((unsigned char *)k->b64, der, (int)len) > 0;
}

bool testutil_pubkey_spki(struct testutil_pubkey *k, EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    bool ok = n > 0 && testutil_pubkey_set(k, der, (size_t)n);

    OPENSSL_free(der);
    return ok;
}

bool testutil_pubkey_raw(struct testutil_pubkey *k, EVP_PKEY *pk)
{
    unsigned char raw[64];
    size_t len = sizeof(raw);

    return EVP_PKEY_get_raw_public_key(pk, raw, &len) == 1 && testutil_pubkey_set(k, raw, len);
}

/* ---- static zones ---- */

void testutil_zone_add(struct tk_static_zone *z, const struct zrr *rr)
{
    enum tk_status st = TK_OK;

    switch (rr->kind) {
    case Z_TXT:
        st = tk_static_zone_add_txt(z, rr->name, rr->data);
        break;
    case Z_MX:
        st = tk_static_zone_add_mx(z, rr->name, (uint16_t)rr->num, rr->data);
        break;
    case Z_A:
        st = tk_static_zone_add_a(z, rr->name, rr->data);
        break;
    case Z_TEMP:
        st = tk_static_zone_add_temp(z, rr->name, (uint16_t)rr->num);
        break;
    case Z_AAAA:
        st = tk_static_zone_add_aaaa(z, rr->name, rr->data);
        break;
    case Z_PTR:
        st = tk_static_zone_add_ptr(z, rr->name, rr->data);
        break;
    case Z_CNAME:
        st = tk_static_zone_add_cname(z, rr->name, rr->data);
        break;
    case Z_TIMEOUT:
        st = tk_static_zone_add_timeout(z, rr->name);
        break;
    case Z_DEL:
    case Z_END:
        break;
    }
    assert_int_equal(st, TK_OK);
}

void testutil_zone_load(struct tk_static_zone *z, const struct zrr *rr)
{
    for (; rr->kind != Z_END; rr++)
        testutil_zone_add(z, rr);
}

void testutil_zone_add_txt_bytes(struct tk_static_zone *z, const char *name, const void *text,
                                 size_t len)
{
    static unsigned char wire[TESTUTIL_TXT_WIRE_MAX];
    const unsigned char *t = text;
    size_t off = 0, w = 0;

    do {
        size_t chunk = len - off > 255 ? 255 : len - off;

        assert_true(w + 1 + chunk <= sizeof(wire));
        wire[w++] = (unsigned char)chunk;
        memcpy(wire + w, t + off, chunk);
        w += chunk;
        off += chunk;
    } while (off < len);
    assert_int_equal(tk_static_zone_add(z, name, TK_DNS_TXT, wire, w), TK_OK);
}

/* ---- observation ---- */

static void testutil_on_done(void *arg, struct tk_observation *obs)
{
    *(struct tk_observation **)arg = obs;
}

struct tk_observation *testutil_observe(const struct tk_static_zone *z,
                                        const struct tk_observe_request *req)
{
    struct tk_observation *obs = NULL;
    struct tk_resolver *r;
    struct tk_error err = {0};

    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    assert_int_equal(tk_observe_start(r, req, testutil_on_done, &obs, &err), TK_OK);
    assert_int_equal(tk_resolver_drain(r, &err), TK_OK);
    tk_resolver_free(r);
    assert_non_null(obs);
    return obs;
}

/* ---- YAML ---- */

const char *testutil_yaml_str(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *testutil_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *pair;

    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        const char *k = testutil_yaml_str(yaml_document_get_node(doc, pair->key));

        if (k && strcasecmp(k, key) == 0)
            return yaml_document_get_node(doc, pair->value);
    }
    return NULL;
}

void testutil_yaml_each(const char *path,
                        void (*fn)(void *arg, yaml_document_t *doc, yaml_node_t *root), void *arg)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;

    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_true(yaml_parser_initialize(&parser));
    yaml_parser_set_input_file(&parser, f);
    for (;;) {
        if (!yaml_parser_load(&parser, &doc))
            fail_msg("%s: YAML error at line %zu: %s", path, parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "?");
        if ((root = yaml_document_get_root_node(&doc)) == NULL)
            break;
        fn(arg, &doc, root);
        yaml_document_delete(&doc);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
}

/* ---- stores ---- */

static char store_pg_url[TK_STORE_URL_MAX];

bool testutil_store_pg_init(const char *schema)
{
    const char *pg = getenv("TIAKI_TEST_PG");

    if (pg == NULL || pg[0] == '\0')
        return false;
    snprintf(store_pg_url, sizeof(store_pg_url), "%s%soptions=-csearch_path%%3D%s", pg,
             strchr(pg, '?') != NULL ? "&" : "?", schema);
    return true;
}

int testutil_store_open(struct testutil_store *f)
{
    struct tk_error e = {0};

    if (tk_store_open(f->url, &f->s, &e) != TK_OK) {
        fprintf(stderr, "cannot open the store: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void store_quiet(void *arg, const char *msg)
{
}

/* store_pg_schema drops and makes the schema: the database may serve
 * other tests. */
static int store_pg_schema(const char *schema)
{
    PGconn *c = PQconnectdb(getenv("TIAKI_TEST_PG"));
    char sql[512];
    PGresult *r;
    int rc = 0;

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "TIAKI_TEST_PG: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, store_quiet, NULL);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "making schema %s: %s", schema, PQerrorMessage(c));
        rc = -1;
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

int testutil_store_setup(void **state, bool pg, const char *schema)
{
    struct testutil_store *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    *state = f;
    f->pg = pg;
    if (pg) {
        snprintf(f->url, sizeof(f->url), "%s", store_pg_url);
        if (store_pg_schema(schema) != 0)
            return -1;
    } else {
        snprintf(f->dir, sizeof(f->dir), "/tmp/%s.XXXXXX", schema);
        if (mkdtemp(f->dir) == NULL)
            return -1;
        snprintf(f->url, sizeof(f->url), "sqlite:%s/tiaki.db", f->dir);
    }
    return testutil_store_open(f);
}

int testutil_store_teardown(void **state)
{
    struct testutil_store *f = *state;
    char cmd[512];

    tk_store_close(f->s);
    if (!f->pg && f->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
            return -1;
    }
    free(f);
    return 0;
}

void testutil_store_exec(struct testutil_store *f, const char *sql)
{
    if (f->pg) {
        PGconn *c = PQconnectdb(f->url);
        PGresult *r;

        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PQsetNoticeProcessor(c, store_quiet, NULL);
        r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *db;
        char *msg = NULL;

        assert_int_equal(sqlite3_open(f->url + strlen("sqlite:"), &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("%s: %s", sql, msg);
        sqlite3_close(db);
    }
}

void testutil_store_unmigrate_6(struct testutil_store *f)
{
    testutil_store_exec(f, "ALTER TABLE domains DROP COLUMN newest_content;"
                           " ALTER TABLE domains DROP COLUMN newest_digest;"
                           " DELETE FROM schema_migrations WHERE version >= 6");
}

void testutil_store_unmigrate_5(struct testutil_store *f)
{
    char sql[2048];

    testutil_store_unmigrate_6(f);

    snprintf(sql, sizeof(sql),
             "CREATE TABLE scan_queue (id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL,"
             " domain_id INTEGER NOT NULL, worker TEXT, claimed_at INTEGER, done_at INTEGER,"
             " UNIQUE (scan_id, domain_id));"
             " INSERT INTO scan_queue (id, scan_id, domain_id)"
             " SELECT row_number() OVER (ORDER BY d.name), b.scan_id, d.id"
             " FROM scan_batches b, domains d WHERE %s"
             " AND b.done_at IS NULL;"
             " DROP TABLE scan_batches; ALTER TABLE scans DROP COLUMN batch;"
             " DELETE FROM schema_migrations WHERE version >= 5",
             f->pg ? "d.id = ANY (b.domains)" : "d.id IN (SELECT value FROM json_each(b.domains))");
    testutil_store_exec(f, sql);
}

void testutil_store_text(struct testutil_store *f, const char *sql, char *out, size_t outlen)
{
    out[0] = '\0';
    if (f->pg) {
        PGconn *c = PQconnectdb(f->url);
        PGresult *r;

        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PQsetNoticeProcessor(c, store_quiet, NULL);
        r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        if (PQntuples(r) > 0)
            snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *db;
        sqlite3_stmt *st;

        assert_int_equal(sqlite3_open(f->url + strlen("sqlite:"), &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
            snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
}

long long testutil_store_count(struct testutil_store *f, const char *sql)
{
    char v[64];

    testutil_store_text(f, sql, v, sizeof(v));
    return strtoll(v, NULL, 10); /* no row, or NULL: 0 */
}
