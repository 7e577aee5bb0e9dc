/*
 * NAME
 *	dmarc.h - DMARC policy record parser (no I/O)
 * DESCRIPTION
 *	Parses the TXT record at _dmarc.<domain>: v, p, sp, np, adkim, aspf,
 *	pct, t, psd, rua, ruf, fo, rf, ri. Unknown tags are ignored with a
 *	note (RFC 7489 6.3). A malformed segment such as the seed's
 *	"adkim-s" is not a tag: it is ignored, as receivers ignore it, and
 *	a note names the fix ("write adkim=s"). An invalid value of an
 *	optional tag (adkim=x) falls back to the default with a note.
 * STANDARDS
 *	RFC 7489 6.3 and 6.4; RFC 9989 (DMARCbis: np, psd, t); RFC 7489 7.1
 *	(external report destinations).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes, TK_TAGS_MAX tags, TK_DMARC_URIS_MAX URIs in
 *	each of rua and ruf.
 */
#ifndef TIAKI_RECORD_DMARC_H
#define TIAKI_RECORD_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "record/notes.h"

enum tk_dmarc_policy {
    TK_DMARC_POLICY_UNSET = 0, /* tag absent */
    TK_DMARC_POLICY_NONE,
    TK_DMARC_POLICY_QUARANTINE,
    TK_DMARC_POLICY_REJECT,
};

enum tk_dmarc_align {
    TK_DMARC_ALIGN_RELAXED = 0, /* the default */
    TK_DMARC_ALIGN_STRICT,
};

#define TK_DMARC_URI_MAX 256

struct tk_dmarc_uri {
    char uri[TK_DMARC_URI_MAX + 1]; /* as written, without any "!size" */
    bool is_mailto;                 /* mailto: (else another scheme) */
    char domain[TK_DOMAIN_MAX + 1]; /* mailto: the normalised domain after '@';
                                       "" when not a valid mailto address */
    uint64_t max_size;              /* "!10m" in bytes, 0 when absent */
};

struct tk_dmarc_record {
    enum tk_dmarc_policy p;  /* UNSET only when the record is invalid */
    enum tk_dmarc_policy sp; /* UNSET: not written (p applies) */
    enum tk_dmarc_policy np; /* UNSET: not written (sp, then p apply) */
    enum tk_dmarc_align adkim, aspf;
    bool adkim_written, aspf_written; /* a valid r or s was written */
    int pct;                          /* 0..100; 100 when not written or invalid */
    bool pct_written;                 /* a valid pct= was written */
    bool testing;                     /* t=y (RFC 9989) */
    char psd;                         /* 'y', 'n', 'u' (default) */
    size_t nrua, nruf;
    struct tk_dmarc_uri rua[TK_DMARC_URIS_MAX];
    struct tk_dmarc_uri ruf[TK_DMARC_URIS_MAX];
    char fo[16];      /* as written, default "0" */
    char rf[16];      /* default "afrf" */
    unsigned long ri; /* default 86400 */
    /* Remarks: unknown tags, malformed segments (adkim-s), invalid
     * optional values that fell back to defaults, URIs that are not
     * mailto:/https:. */
    struct tk_notes notes;
    /* Set when the seed's mistakes were seen, so rules can name the
     * exact fix: "adkim-s" (or "aspf-s") segments. */
    bool seed_adkim_dash;
    bool seed_aspf_dash;
};

/* tk_dmarc_is_record is true when the text begins with the version tag
 * v=DMARC1 (white space around '=' allowed). "V=DMARC1" is not one:
 * receivers that follow RFC 7489 literally ignore it. */
bool tk_dmarc_is_record(const char *txt, size_t len);

/* tk_dmarc_record_parse parses one DMARC record. Returns:
 *	TK_OK       out filled (notes may hold remarks). A missing or
 *	            invalid p= with a valid rua= gives p=NONE and a note
 *	            (RFC 7489 6.6.3).
 *	TK_ABSENT   the text is not a DMARC record at all (no v=DMARC... tag
 *	            first or later: "v=spf1 -all", "")
 *	TK_INVALID  a DMARC record that receivers must ignore: "V=DMARC1"
 *	            or "v=dmarc1" (err: write exactly v=DMARC1), v=DMARC2,
 *	            v= not first, no ';' after v=DMARC1, a tag written
 *	            twice, p= missing or not none/quarantine/reject with no
 *	            valid rua=; err says what to write. out is still filled
 *	            as far as it could be read (notes, seed_* flags), so a
 *	            report can list every fix at once; p may be UNSET.
 *	TK_LIMIT    longer than TK_TXT_RECORD_MAX or more than TK_TAGS_MAX
 *	            tags
 * err quotes record bytes only as printable ASCII.
 */
enum tk_status tk_dmarc_record_parse(const char *txt, size_t len, struct tk_dmarc_record *out,
                                     struct tk_error *err);

/* tk_dmarc_policy_name returns "none", "quarantine", "reject" or "". */
const char *tk_dmarc_policy_name(enum tk_dmarc_policy p);

#endif
