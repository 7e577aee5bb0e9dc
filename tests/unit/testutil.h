/*
 * NAME
 *	testutil.h - small helpers shared by the cmocka unit tests
 * DESCRIPTION
 *	Linked into every unit test. Text checks (printable, notes),
 *	deterministic garbage, records of a given length, DKIM keys made
 *	with OpenSSL and published base64, static zones built from rows,
 *	and one observation of a static zone. Helpers that assert do so
 *	with cmocka, so a failure names the test it stopped.
 */
#ifndef TIAKI_TESTUTIL_H
#define TIAKI_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "dns/resolver.h"
#include "store/store.h"
#include "observe/observe.h"
#include "record/notes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* testutil_shared_path returns "$TIAKI_SHARED/rel" in a static buffer
 * (TIAKI_SHARED defaults to ../shared beside the source tree). */
const char *testutil_shared_path(const char *rel);

/* testutil_read_file reads a whole file (at most 64 MiB) into a malloc'd,
 * NUL-terminated buffer; *len gets its size. NULL on failure. */
char *testutil_read_file(const char *path, size_t *len);

/* ---- stores (test_store, test_store_reports) ---- */

/* A store under test: SQLite in a directory of its own, or the
 * PostgreSQL database of TIAKI_TEST_PG in a schema of its own. */
struct testutil_store {
    bool pg;
    char dir[256];
    char url[TK_STORE_URL_MAX];
    struct tk_store *s;
};

/* testutil_store_pg_init makes the PostgreSQL URL of the stores that
 * testutil_store_setup makes: TIAKI_TEST_PG with schema as its search
 * path. False when TIAKI_TEST_PG is not set (PostgreSQL tests skip). */
bool testutil_store_pg_init(const char *schema);

/* testutil_store_setup is a cmocka setup: a new, empty store (pg: the
 * schema dropped and made again), opened, in *state. */
int testutil_store_setup(void **state, bool pg, const char *schema);

/* testutil_store_open opens f's store again into f->s (-1 on failure). */
int testutil_store_open(struct testutil_store *f);

/* testutil_store_teardown closes the store and removes its files. */
int testutil_store_teardown(void **state);

/* testutil_store_exec runs sql on a connection of the test's own (not
 * the store's); testutil_store_text gives the first column of the first
 * row ("" when there is none, or NULL), testutil_store_count that as a
 * number (0 for ""). */
void testutil_store_exec(struct testutil_store *f, const char *sql);
void testutil_store_text(struct testutil_store *f, const char *sql, char *out, size_t outlen);
long long testutil_store_count(struct testutil_store *f, const char *sql);

/* testutil_store_unmigrate_6 takes f's store (closed) back to schema 5:
 * domains without where their newest content is. */
void testutil_store_unmigrate_6(struct testutil_store *f);

/* testutil_store_unmigrate_5 takes f's store (closed) back to schema 4:
 * the queue of one row per domain (scan_queue) in place of batches, the
 * open batches' domains as rows no worker has claimed. */
void testutil_store_unmigrate_5(struct testutil_store *f);

/* ---- YAML (the RFC 7208 test suite) ---- */

/* testutil_yaml_str is a scalar node's text, or NULL for another node. */
const char *testutil_yaml_str(yaml_node_t *n);

/* testutil_yaml_get is the value of key (any case) in a mapping node,
 * or NULL. */
yaml_node_t *testutil_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);

/* testutil_yaml_each loads each document of the YAML file at path in
 * turn and calls fn with it and its root node; a YAML error fails the
 * test with its line. */
void testutil_yaml_each(const char *path,
                        void (*fn)(void *arg, yaml_document_t *doc, yaml_node_t *root), void *arg);

/* ---- text ---- */

/* testutil_printable is true when s holds only printable ASCII. */
bool testutil_printable(const char *s);

/* testutil_notes_have is true when a note of n contains sub. */
bool testutil_notes_have(const struct tk_notes *n, const char *sub);

/* testutil_record_of_len returns a malloc'd, NUL-terminated record of
 * exactly len bytes: head, then fill up to len (len >= strlen(head)). */
char *testutil_record_of_len(const char *head, char fill, size_t len);

/* ---- deterministic garbage ---- */

/* testutil_rand steps *seed, a 64-bit linear congruential generator (so
 * a failing run replays), and returns its top 31 bits. */
unsigned long testutil_rand(unsigned long *seed);

/* testutil_garbage sets buf[from] to buf[len - 1] to bytes of alphabet
 * (alen bytes, NUL allowed), one testutil_rand step each. */
void testutil_garbage(unsigned long *seed, char *buf, size_t from, size_t len, const char *alphabet,
                      size_t alen);

/* ---- DKIM keys ---- */

/* A key as published: DER (SPKI, PKCS#1) or raw bytes, and its base64. */
struct testutil_pubkey {
    unsigned char der[2048];
    size_t der_len;
    char b64[4096];
};

/* testutil_keygen makes an RSA key of bits, or an ed25519 key when bits
 * is 0; NULL on failure. The caller frees it with EVP_PKEY_free. */
EVP_PKEY *testutil_keygen(unsigned bits);

/* testutil_pubkey_set publishes the len bytes at der in k. False when
 * they do not fit or base64 fails. */
bool testutil_pubkey_set(struct testutil_pubkey *k, const unsigned char *der, size_t len);

/* testutil_pubkey_spki publishes pk as SubjectPublicKeyInfo (the RSA
 * p= of RFC 6376). */
bool testutil_pubkey_spki(struct testutil_pubkey *k, EVP_PKEY *pk);

/* testutil_pubkey_raw publishes pk's raw public key (the 32-byte
 * ed25519 p= of RFC 8463). */
bool testutil_pubkey_raw(struct testutil_pubkey *k, EVP_PKEY *pk);

/* ---- static zones ---- */

enum zkind {
    Z_END = 0,
    Z_TXT,
    Z_MX,
    Z_A,
    Z_TEMP,
    Z_DEL, /* remove a base's records of (name, type): test_rules */
    Z_AAAA,
    Z_PTR,     /* data: the target name */
    Z_CNAME,   /* data: the target name */
    Z_TIMEOUT, /* every type the name has no records of times out */
};

/* One row of a zone table; a table ends with {0}. */
struct zrr {
    enum zkind kind;
    const char *name;
    const char *data; /* TXT text, MX exchange, A address */
    unsigned num;     /* MX preference; TEMP and DEL: the rrtype */
};

#define TXT(n, t)                                                                                  \
    {                                                                                              \
        Z_TXT, n, t, 0                                                                             \
    }
#define MX(n, p, h)                                                                                \
    {                                                                                              \
        Z_MX, n, h, p                                                                              \
    }
#define A(n, ip)                                                                                   \
    {                                                                                              \
        Z_A, n, ip, 0                                                                              \
    }
#define TEMP(n, ty)                                                                                \
    {                                                                                              \
        Z_TEMP, n, NULL, ty                                                                        \
    }
#define AAAA(n, ip)                                                                                \
    {                                                                                              \
        Z_AAAA, n, ip, 0                                                                           \
    }
#define PTR(n, t)                                                                                  \
    {                                                                                              \
        Z_PTR, n, t, 0                                                                             \
    }
#define CNAME(n, t)                                                                                \
    {                                                                                              \
        Z_CNAME, n, t, 0                                                                           \
    }
#define TIMEOUT(n)                                                                                 \
    {                                                                                              \
        Z_TIMEOUT, n, NULL, 0                                                                      \
    }
#define DEL(n, ty)                                                                                 \
    {                                                                                              \
        Z_DEL, n, NULL, ty                                                                         \
    }

/* testutil_zone_add adds one row to z (Z_DEL and Z_END add nothing). */
void testutil_zone_add(struct tk_static_zone *z, const struct zrr *rr);

/* testutil_zone_load adds every row up to the {0} that ends rr. */
void testutil_zone_load(struct tk_static_zone *z, const struct zrr *rr);

/* testutil_zone_add_txt_bytes adds a TXT record of len bytes, any bytes
 * (NUL included), in character-strings of 255. */
void testutil_zone_add_txt_bytes(struct tk_static_zone *z, const char *name, const void *text,
                                 size_t len);

/* testutil_observe observes req over z (static resolver, drained) and
 * returns the observation; the caller destroys it. */
struct tk_observation *testutil_observe(const struct tk_static_zone *z,
                                        const struct tk_observe_request *req);

#endif
