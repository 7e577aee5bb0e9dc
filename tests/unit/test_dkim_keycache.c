/*
 * NAME
 *	test_dkim_keycache.c - unit tests of the parsed-key cache
 * DESCRIPTION
 *	The cache must give what the parser gives: the same flags and a key
 *	that is the published one, on the first call and on every later one;
 *	a record whose text differs by one byte is another key, never the
 *	one kept; broken records keep their error each time; more records
 *	than slots (so slots are taken over) still give each its own key;
 *	and several threads at once get the right keys.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "auth/dkim_keycache.h"
#include "core/limits.h"

/* record_of writes the key record of pk with extra tags. */
static void record_of(EVP_PKEY *pk, const char *tags, char *out, size_t cap)
{
    static struct testutil_pubkey k;

    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519)
        assert_true(testutil_pubkey_raw(&k, pk));
    else
        assert_true(testutil_pubkey_spki(&k, pk));
    snprintf(out, cap, "v=DKIM1; k=%s;%s p=%s",
             EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 ? "ed25519" : "rsa", tags, k.b64);
}

/* get asks the cache and checks the key it gives is pk. */
static void get_is(const char *rec, EVP_PKEY *pk, struct tk_dkim_key *out)
{
    struct tk_error err = {0};
    EVP_PKEY *got = NULL;

    memset(out, 0, sizeof(*out));
    assert_int_equal(tk_dkim_keycache_get(rec, strlen(rec), out, &got, &err), TK_OK);
    assert_non_null(got);
    assert_int_equal(EVP_PKEY_eq(got, pk), 1);
    assert_null(out->der);
    EVP_PKEY_free(got);
}

static void test_hit_gives_the_same(void **state)
{
    EVP_PKEY *pk = testutil_keygen(2048);
    struct tk_dkim_key first, again;
    char rec[4096];

    tk_dkim_keycache_clear();
    record_of(pk, " t=y:s;", rec, sizeof(rec));
    get_is(rec, pk, &first);
    get_is(rec, pk, &again);
    assert_int_equal(first.bits, 2048);
    assert_int_equal(again.bits, 2048);
    assert_true(first.testing && again.testing);
    assert_true(first.strict && again.strict);
    assert_int_equal(again.type, TK_DKIM_KEY_RSA);
    EVP_PKEY_free(pk);
}

/* The same key with t=y and without: the text differs, so do the
 * flags; a kept entry is never used for another text. */
static void test_other_text_other_entry(void **state)
{
    EVP_PKEY *pk = testutil_keygen(0);
    struct tk_dkim_key a, b;
    char with[512], without[512];

    tk_dkim_keycache_clear();
    record_of(pk, " t=y;", with, sizeof(with));
    record_of(pk, "", without, sizeof(without));
    get_is(with, pk, &a);
    get_is(without, pk, &b);
    get_is(with, pk, &a);
    assert_true(a.testing);
    assert_false(b.testing);
    assert_int_equal(b.type, TK_DKIM_KEY_ED25519);
    EVP_PKEY_free(pk);
}

static void test_broken_keeps_its_error(void **state)
{
    const char *bad = "v=DKIM1; k=rsa; p=!!!notbase64";
    struct tk_error err = {0};
    struct tk_dkim_key out;
    EVP_PKEY *got = NULL;
    int i;

    for (i = 0; i < 2; i++) {
        memset(&out, 0, sizeof(out));
        tk_error_clear(&err);
        assert_int_equal(tk_dkim_keycache_get(bad, strlen(bad), &out, &got, &err), TK_INVALID);
        assert_null(got);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_revoked(void **state)
{
    const char *rec = "v=DKIM1; k=rsa; p=";
    struct tk_error err = {0};
    struct tk_dkim_key out;
    EVP_PKEY *got = NULL;
    int i;

    for (i = 0; i < 2; i++) {
        memset(&out, 0, sizeof(out));
        assert_int_equal(tk_dkim_keycache_get(rec, strlen(rec), &out, &got, &err), TK_OK);
        assert_true(out.revoked);
        assert_null(got);
    }
}

/* More distinct keys than slots: every one still gives its own key,
 * first time and second. ed25519 keys are cheap to make. */
static void test_more_keys_than_slots(void **state)
{
    enum { N = TK_DKIM_KEYCACHE_SLOTS + 64 };
    static EVP_PKEY *keys[N];
    static char recs[N][128];
    struct tk_dkim_key out;
    int i, round;

    tk_dkim_keycache_clear();
    for (i = 0; i < N; i++) {
        keys[i] = testutil_keygen(0);
        record_of(keys[i], "", recs[i], sizeof(recs[i]));
    }
    for (round = 0; round < 2; round++)
        for (i = 0; i < N; i++)
            get_is(recs[i], keys[i], &out);
    for (i = 0; i < N; i++)
        EVP_PKEY_free(keys[i]);
}

struct worker {
    EVP_PKEY *keys[4];
    char recs[4][128];
    int bad;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct tk_error err = {0};
    struct tk_dkim_key out;
    EVP_PKEY *got;
    int i;

    for (i = 0; i < 4000; i++) {
        got = NULL;
        if (tk_dkim_keycache_get(w->recs[i % 4], strlen(w->recs[i % 4]), &out, &got, &err) !=
                TK_OK ||
            got == NULL || EVP_PKEY_eq(got, w->keys[i % 4]) != 1)
            w->bad++;
        EVP_PKEY_free(got);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct worker w = {0};
    pthread_t t[4];
    int i;

    tk_dkim_keycache_clear();
    for (i = 0; i < 4; i++) {
        w.keys[i] = testutil_keygen(0);
        record_of(w.keys[i], "", w.recs[i], sizeof(w.recs[i]));
    }
    for (i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w), 0);
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w.bad, 0);
    for (i = 0; i < 4; i++)
        EVP_PKEY_free(w.keys[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_gives_the_same),
        cmocka_unit_test(test_other_text_other_entry),
        cmocka_unit_test(test_broken_keeps_its_error),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_more_keys_than_slots),
        cmocka_unit_test(test_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    tk_dkim_keycache_clear();
    return rc;
}
