/*
 * NAME
 *	tlsa.h - TLSA records (DANE): parse, name, print, match (no I/O)
 * DESCRIPTION
 *	tk_tlsa_parse reads the rdata of one TLSA record (RFC 6698 2.1):
 *	certificate usage, selector, matching type, association data.
 *	tk_tlsa_match says whether one record's data matches a certificate
 *	(selector Cert) or its SubjectPublicKeyInfo (selector SPKI), by
 *	the bytes themselves (Full) or their SHA-256 or SHA-512 digest.
 *	tk_tlsa_chain_match applies a whole TLSA RRset to the chain an SMTP
 *	server presented, with the rules of RFC 7672 3.1: DANE-EE(3)
 *	records match the leaf; DANE-TA(2) records match a certificate
 *	above the leaf that the leaf chains to; PKIX-TA(0) and PKIX-EE(1)
 *	records, and records with parameters not defined, are unusable.
 *
 *	These functions see bytes only: whether the RRset was
 *	DNSSEC-validated, the host name of the leaf (which RFC 7672 3.2.2
 *	requires for DANE-TA but not for DANE-EE, 3.2.1) and the dates of
 *	the chain (ignored for DANE-EE, RFC 7672 3.1.1) are the caller's to
 *	judge; the SMTP probe records them.
 *
 *	DANE-TA on the leaf: a DANE-TA record that matches the leaf itself
 *	is not counted as a match. The trust anchor of a DANE-TA record is
 *	meant to be an issuer of the server certificate (RFC 7671 5.2);
 *	pinning the server's own certificate or key is what DANE-EE is for,
 *	and senders' DANE implementations do not all treat a leaf that
 *	matches a DANE-TA record alike. tiaki reports such a record apart
 *	(ta_on_leaf) so the finding can say "publish it as usage 3".
 * STANDARDS
 *	RFC 6698 2.1 (rdata), RFC 7218 (the acronyms), RFC 7671 5
 *	(operational semantics of each usage), RFC 7672 3.1 (DANE for SMTP).
 * LIMITS
 *	Full association data up to TK_TLSA_DATA_MAX bytes; digests exactly
 *	32 (SHA2-256) or 64 (SHA2-512) bytes. tk_tlsa_chain_match reads at
 *	most TK_RRSET_MAX records and TK_TLSA_CHAIN_MAX certificates.
 */
#ifndef TIAKI_RECORD_TLSA_H
#define TIAKI_RECORD_TLSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"

/* Full association data kept: a certificate as large as the SMTP probe
 * keeps one (TK_CERT_DER_MAX in probe/probe.h). A record holding more
 * could not match anything tiaki saw. */
#define TK_TLSA_DATA_MAX 16384
/* Certificates of a presented chain looked at: more than any server
 * sends for a real chain (the probe keeps TK_CERT_CHAIN_MAX = 6). */
#define TK_TLSA_CHAIN_MAX 16
/* Text form of any digest record, "255 255 255 " and 128 hex digits;
 * longer (Full) data is cut with "...". */
#define TK_TLSA_TEXT_MAX 144
#define TK_TLSA_DETAIL_MAX 256

/* RFC 6698 2.1.1 certificate usages, RFC 7218 names. */
enum tk_tlsa_usage {
    TK_TLSA_PKIX_TA = 0,
    TK_TLSA_PKIX_EE = 1,
    TK_TLSA_DANE_TA = 2,
    TK_TLSA_DANE_EE = 3,
};

/* RFC 6698 2.1.2 selectors. */
enum tk_tlsa_selector {
    TK_TLSA_SEL_CERT = 0,
    TK_TLSA_SEL_SPKI = 1,
};

/* RFC 6698 2.1.3 matching types. */
enum tk_tlsa_mtype {
    TK_TLSA_FULL = 0,
    TK_TLSA_SHA256 = 1,
    TK_TLSA_SHA512 = 2,
};

struct tk_tlsa {
    uint8_t usage;
    uint8_t selector;
    uint8_t mtype;
    unsigned char *data; /* certificate association data (malloc'd) */
    size_t len;          /* 1 to TK_TLSA_DATA_MAX */
};

/* tk_tlsa_parse reads len bytes of TLSA rdata into out. Returns TK_OK,
 * TK_INVALID (shorter than 3 bytes, no association data, or a digest
 * whose length is not the matching type's: 32 for SHA2-256, 64 for
 * SHA2-512; err says which), TK_LIMIT (data longer than
 * TK_TLSA_DATA_MAX) or TK_NOMEM. Values not defined by RFC 6698
 * (usage 4, selector 2, ...) parse: such a record is unusable, not
 * malformed (tk_tlsa_usable). On error out is empty. Release out with
 * tk_tlsa_clear. */
enum tk_status tk_tlsa_parse(const unsigned char *rdata, size_t len, struct tk_tlsa *out,
                             struct tk_error *err);

/* tk_tlsa_clear releases t's data; t is empty after. */
void tk_tlsa_clear(struct tk_tlsa *t);

/* tk_tlsa_copy deep-copies src into dst. TK_OK or TK_NOMEM. */
enum tk_status tk_tlsa_copy(struct tk_tlsa *dst, const struct tk_tlsa *src);

/* The RFC 7218 acronyms ("DANE-EE", "SPKI", "SHA2-256"), "PrivCert",
 * "PrivSel", "PrivMatch" for 255, and "unassigned" for the rest. */
const char *tk_tlsa_usage_name(unsigned usage);
const char *tk_tlsa_selector_name(unsigned selector);
const char *tk_tlsa_mtype_name(unsigned mtype);

/* tk_tlsa_usable is true for a record an SMTP client can use: usage
 * DANE-TA or DANE-EE, selector Cert or SPKI, matching type Full,
 * SHA2-256 or SHA2-512 (RFC 7672 3.1.3). */
bool tk_tlsa_usable(const struct tk_tlsa *t);

/* tk_tlsa_text writes the presentation form "3 1 1 0a1b..." (lower-case
 * hex) to out (outlen bytes, > 0), always terminated. Returns true
 * when it all fit; false when it was cut: "..." then ends the text,
 * unless not even the three numbers fit. TK_TLSA_TEXT_MAX holds any
 * digest record. */
bool tk_tlsa_text(const struct tk_tlsa *t, char *out, size_t outlen);

/* tk_tlsa_match sets *match to whether t's data matches the
 * certificate (selector Cert: cert_der) or its SubjectPublicKeyInfo
 * (selector SPKI: spki_der), whatever t's usage. Returns TK_OK,
 * TK_INVALID (selector or matching type not defined: nothing can
 * match) or TK_IO (OpenSSL could not compute the digest). A NULL or
 * empty input never matches. */
enum tk_status tk_tlsa_match(const struct tk_tlsa *t, const unsigned char *cert_der,
                             size_t cert_len, const unsigned char *spki_der, size_t spki_len,
                             bool *match);

/* One certificate of a presented chain, DER, and its SPKI, DER. */
struct tk_tlsa_cert {
    const unsigned char *der;
    size_t der_len;
    const unsigned char *spki;
    size_t spki_len;
};

enum tk_tlsa_result {
    TK_TLSA_MATCH = 0, /* a usable record matches the chain */
    TK_TLSA_MISMATCH,  /* usable records, none matches */
    TK_TLSA_UNUSABLE,  /* no usable record: only PKIX-TA/PKIX-EE or undefined parameters */
};

struct tk_tlsa_verdict {
    enum tk_tlsa_result result;
    size_t record;    /* MATCH: index of the first record that matched */
    size_t depth;     /* MATCH: chain index of the certificate it matched (0: the leaf) */
    size_t nusable;   /* records tk_tlsa_usable accepts */
    bool ta_on_leaf;  /* a DANE-TA record matches the leaf itself (not counted) */
    bool ta_unlinked; /* a DANE-TA record matches a certificate the leaf does not chain to */
    char detail[TK_TLSA_DETAIL_MAX]; /* the verdict for a person */
};

/* tk_tlsa_chain_match applies the n records of a TLSA RRset to the
 * presented chain (leaf first, nchain certificates) per RFC 7672 3.1:
 *  - DANE-EE(3) matches the leaf only, by certificate or SPKI;
 *  - DANE-TA(2) matches a certificate at depth 1 or more, and counts
 *    only when each certificate from the leaf up to it is issued and
 *    signed by the next (names, key identifiers, key usage and
 *    signature, checked with OpenSSL; dates are not). A DANE-TA record
 *    that matches only the leaf does not count (see DESCRIPTION) and
 *    sets ta_on_leaf. RFC 7672 3.1.2 requires servers to send the TA
 *    certificate, so a TA absent from the chain is not looked for;
 *  - PKIX-TA(0), PKIX-EE(1) and undefined parameters are unusable
 *    (RFC 7672 3.1.3).
 * Returns the result, also in out. TK_TLSA_MISMATCH when nchain is 0
 * and a record is usable. A digest OpenSSL cannot compute counts as no
 * match. */
enum tk_tlsa_result tk_tlsa_chain_match(const struct tk_tlsa *recs, size_t n,
                                        const struct tk_tlsa_cert *chain, size_t nchain,
                                        struct tk_tlsa_verdict *out);

/* "match", "mismatch", "unusable". */
const char *tk_tlsa_result_name(enum tk_tlsa_result r);

#endif
