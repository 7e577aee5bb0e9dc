/*
 * NAME
 *	tlsa.c - TLSA records (DANE): parse, name, print, match
 * SUMMARY
 *	TLSA rdata to a tk_tlsa; a record against one certificate; an
 *	RRset against a presented chain (RFC 7672 3.1).
 * DESCRIPTION
 *	The rdata is three octets (usage, selector, matching type) and the
 *	certificate association data, which runs to the end of the rdata
 *	(RFC 6698 2.1). Digests are computed with OpenSSL's EVP one-shot
 *	digest; a DANE-TA match above the leaf is accepted only when the
 *	certificates between are linked issuer to subject (X509_check_issued
 *	and X509_verify on certificates decoded from the chain's DER). See
 *	tlsa.h for the choices about DANE-TA and the leaf.
 * STANDARDS
 *	RFC 6698 2.1, RFC 7218, RFC 7671 5, RFC 7672 3.1.
 * LIMITS
 *	TK_TLSA_DATA_MAX bytes of association data; TK_RRSET_MAX records
 *	and TK_TLSA_CHAIN_MAX certificates per chain match, so at most
 *	their product of digests, each over at most one certificate.
 * SECURITY
 *	The rdata is read only through tk_cursor; nothing is sized from a
 *	number in it. Certificates are decoded by OpenSSL's DER decoder,
 *	bounded by the length given; its error queue is cleared after.
 *	Messages quote no peer bytes.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/cursor.h"
#include "core/text.h"
#include "record/tlsa.h"

/* RFC 6698 2.1.3: the digest lengths of the matching types. */
#define TLSA_SHA256_LEN 32
#define TLSA_SHA512_LEN 64
/* RFC 7218: 255 is private use in each field. */
#define TLSA_PRIVATE 255

const char *tk_tlsa_usage_name(unsigned usage)
{
    static const char *const names[] = {"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"};

    if (usage < sizeof(names) / sizeof(names[0]))
        return names[usage];
    return usage == TLSA_PRIVATE ? "PrivCert" : "unassigned";
}

const char *tk_tlsa_selector_name(unsigned selector)
{
    static const char *const names[] = {"Cert", "SPKI"};

    if (selector < sizeof(names) / sizeof(names[0]))
        return names[selector];
    return selector == TLSA_PRIVATE ? "PrivSel" : "unassigned";
}

const char *tk_tlsa_mtype_name(unsigned mtype)
{
    static const char *const names[] = {"Full", "SHA2-256", "SHA2-512"};

    if (mtype < sizeof(names) / sizeof(names[0]))
        return names[mtype];
    return mtype == TLSA_PRIVATE ? "PrivMatch" : "unassigned";
}

const char *tk_tlsa_result_name(enum tk_tlsa_result r)
{
    switch (r) {
    case TK_TLSA_MATCH:
        return "match";
    case TK_TLSA_MISMATCH:
        return "mismatch";
    case TK_TLSA_UNUSABLE:
        return "unusable";
    }
    return "?";
}

/* ---- parse ---- */

/* tlsa_check_len: the association data fits the matching type. */
static enum tk_status tlsa_check_len(unsigned mtype, size_t len, struct tk_error *err)
{
    if (len == 0)
        return tk_error_set(err, TK_INVALID, "TLSA record with no certificate association data");
    if (mtype == TK_TLSA_SHA256 && len != TLSA_SHA256_LEN)
        return tk_error_set(err, TK_INVALID, "TLSA SHA2-256 association data is %zu bytes, not %d",
                            len, TLSA_SHA256_LEN);
    if (mtype == TK_TLSA_SHA512 && len != TLSA_SHA512_LEN)
        return tk_error_set(err, TK_INVALID, "TLSA SHA2-512 association data is %zu bytes, not %d",
                            len, TLSA_SHA512_LEN);
    if (len > TK_TLSA_DATA_MAX)
        return tk_error_set(err, TK_LIMIT,
                            "TLSA association data of %zu bytes: tiaki keeps at most %d", len,
                            TK_TLSA_DATA_MAX);
    return TK_OK;
}

enum tk_status tk_tlsa_parse(const unsigned char *rdata, size_t len, struct tk_tlsa *out,
                             struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span data;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    if (rdata == NULL || len < 3)
        return tk_error_set(err, TK_INVALID,
                            "TLSA rdata of %zu bytes: usage, selector and matching type need 3",
                            rdata == NULL ? 0 : len);
    tk_cursor_init(&c, rdata, len);
    out->usage = (uint8_t)tk_cursor_next(&c);
    out->selector = (uint8_t)tk_cursor_next(&c);
    out->mtype = (uint8_t)tk_cursor_next(&c);
    tk_cursor_rest(&c, &data);
    if ((st = tlsa_check_len(out->mtype, data.len, err)) != TK_OK) {
        memset(out, 0, sizeof(*out));
        return st;
    }
    if ((out->data = malloc(data.len)) == NULL) {
        memset(out, 0, sizeof(*out));
        return tk_error_set(err, TK_NOMEM, "out of memory");
    }
    memcpy(out->data, data.p, data.len);
    out->len = data.len;
    return TK_OK;
}

void tk_tlsa_clear(struct tk_tlsa *t)
{
    if (t == NULL)
        return;
    free(t->data);
    memset(t, 0, sizeof(*t));
}

enum tk_status tk_tlsa_copy(struct tk_tlsa *dst, const struct tk_tlsa *src)
{
    *dst = *src;
    dst->data = NULL;
    if (src->len == 0)
        return TK_OK;
    if ((dst->data = malloc(src->len)) == NULL) {
        memset(dst, 0, sizeof(*dst));
        return TK_NOMEM;
    }
    memcpy(dst->data, src->data, src->len);
    return TK_OK;
}

bool tk_tlsa_usable(const struct tk_tlsa *t)
{
    return (t->usage == TK_TLSA_DANE_TA || t->usage == TK_TLSA_DANE_EE) &&
           t->selector <= TK_TLSA_SEL_SPKI && t->mtype <= TK_TLSA_SHA512 && t->len > 0;
}

bool tk_tlsa_text(const struct tk_tlsa *t, char *out, size_t outlen)
{
    int head = snprintf(out, outlen, "%u %u %u ", t->usage, t->selector, t->mtype);
    size_t n, room;

    if (head < 0 || (size_t)head >= outlen)
        return false;
    n = (size_t)head;
    room = outlen - 1 - n; /* bytes left before the NUL */
    if (t->len > room / 2) {
        /* Cut: as many whole bytes as leave room for "...". */
        room = room < 3 ? 0 : (room - 3) / 2;
        tk_hex(t->data, room, out + n);
        n += 2 * room;
        snprintf(out + n, outlen - n, "...");
        return false;
    }
    tk_hex(t->data, t->len, out + n);
    out[n + 2 * t->len] = '\0';
    return true;
}

/* ---- match one record ---- */

enum tk_status tk_tlsa_match(const struct tk_tlsa *t, const unsigned char *cert_der,
                             size_t cert_len, const unsigned char *spki_der, size_t spki_len,
                             bool *match)
{
    const unsigned char *in = t->selector == TK_TLSA_SEL_CERT ? cert_der : spki_der;
    size_t inlen = t->selector == TK_TLSA_SEL_CERT ? cert_len : spki_len;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const EVP_MD *type;

    *match = false;
    if (t->selector > TK_TLSA_SEL_SPKI || t->mtype > TK_TLSA_SHA512)
        return TK_INVALID;
    if (in == NULL || inlen == 0 || t->data == NULL)
        return TK_OK;
    if (t->mtype == TK_TLSA_FULL) {
        *match = inlen == t->len && memcmp(in, t->data, inlen) == 0;
        return TK_OK;
    }
    type = t->mtype == TK_TLSA_SHA256 ? EVP_sha256() : EVP_sha512();
    if (EVP_Digest(in, inlen, md, &mdlen, type, NULL) != 1) {
        ERR_clear_error();
        return TK_IO;
    }
    *match = mdlen == t->len && memcmp(md, t->data, mdlen) == 0;
    return TK_OK;
}

/* ---- match an RRset against a chain ---- */

static bool tlsa_cert_matches(const struct tk_tlsa *t, const struct tk_tlsa_cert *c)
{
    bool match = false;

    return tk_tlsa_match(t, c->der, c->der_len, c->spki, c->spki_len, &match) == TK_OK && match;
}

static X509 *tlsa_x509(const struct tk_tlsa_cert *c)
{
    const unsigned char *p = c->der;
    X509 *x;

    if (c->der == NULL || c->der_len == 0 || c->der_len > (size_t)LONG_MAX)
        return NULL;
    x = d2i_X509(NULL, &p, (long)c->der_len);
    /* Trailing bytes after the certificate are not a certificate. */
    if (x != NULL && p != c->der + c->der_len) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* tlsa_issued: parent issued and signed child. */
static bool tlsa_issued(const struct tk_tlsa_cert *child, const struct tk_tlsa_cert *parent)
{
    X509 *c = tlsa_x509(child), *p = tlsa_x509(parent);
    EVP_PKEY *key = p != NULL ? X509_get0_pubkey(p) : NULL;
    bool ok = c != NULL && key != NULL && X509_check_issued(p, c) == X509_V_OK &&
              X509_verify(c, key) == 1;

    X509_free(c);
    X509_free(p);
    ERR_clear_error();
    return ok;
}

/* tlsa_linked: each certificate from the leaf to chain[depth] is issued
 * by the one after it. */
static bool tlsa_linked(const struct tk_tlsa_cert *chain, size_t depth)
{
    size_t i;

    for (i = 0; i < depth; i++)
        if (!tlsa_issued(&chain[i], &chain[i + 1]))
            return false;
    return true;
}

/* tlsa_record_depth returns the depth at which usable record t matches
 * the chain, or nchain when it does not; notes DANE-TA near misses. */
static size_t tlsa_record_depth(const struct tk_tlsa *t, const struct tk_tlsa_cert *chain,
                                size_t nchain, struct tk_tlsa_verdict *out)
{
    size_t d;

    if (nchain == 0)
        return nchain;
    if (t->usage == TK_TLSA_DANE_EE)
        return tlsa_cert_matches(t, &chain[0]) ? 0 : nchain;
    if (tlsa_cert_matches(t, &chain[0]))
        out->ta_on_leaf = true;
    for (d = 1; d < nchain; d++) {
        if (!tlsa_cert_matches(t, &chain[d]))
            continue;
        if (tlsa_linked(chain, d))
            return d;
        out->ta_unlinked = true;
    }
    return nchain;
}

static void tlsa_verdict_detail(const struct tk_tlsa *recs, struct tk_tlsa_verdict *out)
{
    const struct tk_tlsa *t;

    if (out->result == TK_TLSA_UNUSABLE) {
        snprintf(out->detail, sizeof(out->detail),
                 "no usable TLSA record: SMTP uses only DANE-TA(2) and DANE-EE(3) with selector "
                 "0 or 1 and matching type 0, 1 or 2 (RFC 7672 3.1.3)");
        return;
    }
    if (out->result == TK_TLSA_MISMATCH) {
        snprintf(out->detail, sizeof(out->detail),
                 "none of %zu usable TLSA records matches the presented chain%s%s", out->nusable,
                 out->ta_on_leaf ? "; a DANE-TA(2) record matches the leaf itself: publish it "
                                   "with usage 3 (DANE-EE)"
                                 : "",
                 out->ta_unlinked ? "; a DANE-TA(2) record matches a certificate the leaf does "
                                    "not chain to"
                                  : "");
        return;
    }
    t = &recs[out->record];
    snprintf(out->detail, sizeof(out->detail), "record %zu (%s %s %s) matches %s", out->record + 1,
             tk_tlsa_usage_name(t->usage), tk_tlsa_selector_name(t->selector),
             tk_tlsa_mtype_name(t->mtype), out->depth == 0 ? "the leaf certificate" : "an issuer");
    if (out->depth > 0)
        snprintf(out->detail + strlen(out->detail), sizeof(out->detail) - strlen(out->detail),
                 " (certificate %zu of the chain)", out->depth + 1);
}

enum tk_tlsa_result tk_tlsa_chain_match(const struct tk_tlsa *recs, size_t n,
                                        const struct tk_tlsa_cert *chain, size_t nchain,
                                        struct tk_tlsa_verdict *out)
{
    size_t i, depth;

    memset(out, 0, sizeof(*out));
    out->result = TK_TLSA_UNUSABLE;
    if (n > TK_RRSET_MAX)
        n = TK_RRSET_MAX;
    if (nchain > TK_TLSA_CHAIN_MAX)
        nchain = TK_TLSA_CHAIN_MAX;
    for (i = 0; i < n; i++) {
        if (!tk_tlsa_usable(&recs[i]))
            continue;
        out->nusable++;
        if (out->result == TK_TLSA_MATCH)
            continue;
        out->result = TK_TLSA_MISMATCH;
        if ((depth = tlsa_record_depth(&recs[i], chain, nchain, out)) < nchain) {
            out->result = TK_TLSA_MATCH;
            out->record = i;
            out->depth = depth;
        }
    }
    tlsa_verdict_detail(recs, out);
    return out->result;
}
