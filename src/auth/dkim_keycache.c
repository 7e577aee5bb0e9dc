/*
 * NAME
 *	dkim_keycache.c - parsed DKIM keys kept by the text of their record
 * DESCRIPTION
 *	A direct-mapped table under one mutex. The lock is held only to
 *	compare, copy flags and take a reference; parsing happens outside
 *	it, so one slow parse never holds up other threads. See
 *	dkim_keycache.h.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_keycache.h"
#include "auth/dkim_rsa.h"
#include "core/limits.h"

struct keycache_slot {
    uint64_t hash;
    char *text; /* NULL: empty */
    size_t len;
    struct tk_dkim_key flags; /* der NULL, notes empty */
    EVP_PKEY *pkey;
};

static struct keycache_slot keycache[TK_DKIM_KEYCACHE_SLOTS];
static pthread_mutex_t keycache_lock = PTHREAD_MUTEX_INITIALIZER;

/* keycache_hash mixes the text eight bytes at a time: a record is some
 * 400 bytes, hashed for every signature checked, and FNV-1a a byte at a
 * time was 2% of a verify. It only picks a slot; an entry is used only
 * when its text is the same byte for byte. */
static uint64_t keycache_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ n, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* key_flags copies what a verifier reads of a parsed key. */
static void key_flags(const struct tk_dkim_key *from, struct tk_dkim_key *to)
{
    to->type = from->type;
    to->revoked = from->revoked;
    to->bits = from->bits;
    to->testing = from->testing;
    to->strict = from->strict;
    to->sha1_only = from->sha1_only;
    to->sha256_allowed = from->sha256_allowed;
    to->service_email = from->service_email;
}

static void slot_clear(struct keycache_slot *s)
{
    free(s->text);
    EVP_PKEY_free(s->pkey);
    memset(s, 0, sizeof(*s));
}

/* keycache_find copies a kept entry; true when there was one. */
static bool keycache_find(uint64_t h, const char *txt, size_t len, struct tk_dkim_key *out,
                          EVP_PKEY **pkey)
{
    struct keycache_slot *s = &keycache[h % TK_DKIM_KEYCACHE_SLOTS];
    bool hit = false;

    pthread_mutex_lock(&keycache_lock);
    if (s->text && s->hash == h && s->len == len && memcmp(s->text, txt, len) == 0 &&
        (s->pkey == NULL || EVP_PKEY_up_ref(s->pkey) == 1)) {
        key_flags(&s->flags, out);
        *pkey = s->pkey;
        hit = true;
    }
    pthread_mutex_unlock(&keycache_lock);
    return hit;
}

/* keycache_keep stores a parsed key in its slot (best effort: when
 * memory runs short the key is simply not kept). */
static void keycache_keep(uint64_t h, const char *txt, size_t len, const struct tk_dkim_key *key,
                          EVP_PKEY *pkey)
{
    struct keycache_slot *s = &keycache[h % TK_DKIM_KEYCACHE_SLOTS];
    char *text = malloc(len + 1);

    if (text == NULL || (pkey && EVP_PKEY_up_ref(pkey) != 1)) {
        free(text);
        return;
    }
    memcpy(text, txt, len);
    text[len] = '\0';
    pthread_mutex_lock(&keycache_lock);
    slot_clear(s);
    s->hash = h;
    s->text = text;
    s->len = len;
    key_flags(key, &s->flags);
    s->pkey = pkey;
    pthread_mutex_unlock(&keycache_lock);
}

enum tk_status tk_dkim_keycache_get(const char *txt, size_t len, struct tk_dkim_key *out,
                                    EVP_PKEY **pkey, struct tk_error *err)
{
    uint64_t h = keycache_hash(txt, len);
    struct tk_dkim_key parsed;
    enum tk_status st;

    *pkey = NULL;
    if (keycache_find(h, txt, len, out, pkey))
        return TK_OK;
    memset(&parsed, 0, sizeof(parsed));
    st = tk_dkim_key_parse(txt, len, &parsed, err);
    if (st != TK_OK)
        return st;
    *pkey = tk_dkim_key_pkey(&parsed);
    if (*pkey && tk_dkim_rsa_prepare(*pkey) != TK_OK) { /* as a key OpenSSL could not load */
        EVP_PKEY_free(*pkey);
        *pkey = NULL;
    }
    key_flags(&parsed, out);
    keycache_keep(h, txt, len, &parsed, *pkey);
    tk_dkim_key_free(&parsed);
    return TK_OK;
}

void tk_dkim_keycache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&keycache_lock);
    for (i = 0; i < TK_DKIM_KEYCACHE_SLOTS; i++)
        slot_clear(&keycache[i]);
    pthread_mutex_unlock(&keycache_lock);
}
