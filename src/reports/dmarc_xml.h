/*
 * NAME
 *	dmarc_xml.h - streaming parser of DMARC aggregate reports (XML)
 * SUMMARY
 *	p = tk_dmarc_xml_new(&cb, arg, NULL, &err);
 *	while (more bytes) tk_dmarc_xml_feed(p, buf, len, &err);
 *	tk_dmarc_xml_finish(p, &result, &err);
 *	tk_dmarc_xml_free(p);
 * DESCRIPTION
 *	Bytes of one report go in as they come (from a file, a gzip stream,
 *	a zip entry, a MIME part: any chunk size, down to one byte); out
 *	come one metadata() call, then one record() call per <record>. The
 *	parser keeps one record at a time, so memory does not grow with the
 *	size of the report.
 *
 *	Order. The schema (RFC 7489 appendix C, RFC 9990) puts <version>,
 *	<report_metadata> and <policy_published> before the records, and
 *	every reporter seen does so. metadata() is called when the first
 *	<record> starts (or at </feedback> for a report without records).
 *	A report whose first record comes before its report_metadata or
 *	policy_published is rejected: holding its records back would make
 *	memory grow with the report, and handing records over before the
 *	report they belong to is known would leave the caller unable to
 *	key them. A second report_metadata or policy_published is ignored
 *	with a note, and so is a <version> after the first record.
 *
 *	Format: RFC 9990 when <feedback> declares the namespace
 *	urn:ietf:params:xml:ns:dmarc-2.0 (under any prefix) or <version>
 *	is 2.0; RFC 7489 otherwise.
 *
 *	Required, or the report is rejected: a report_id, a date_range with
 *	a begin and an end (Unix times), and a policy_published domain:
 *	without them a report cannot be told apart from another. org_name
 *	may be empty (some reporters leave it so): it is kept empty.
 *
 *	Records. A record without a source_ip that inet_pton accepts, or
 *	without a count (decimal, at most TK_DMARC_XML_COUNT_MAX), is
 *	skipped with a note that says why: nothing is invented. Every other
 *	record is handed over, with every <dkim> and <spf> of its
 *	auth_results kept as they were sent, empty ones too (up to
 *	TK_DMARC_XML_AUTH_MAX of each; more are counted and noted); a
 *	<reason> with neither type nor comment is not one. A value too
 *	long for its field leaves the field empty with a note (truncation
 *	is an error). A value no RFC defines for an enumerated field
 *	(disposition "discard", result "hardfail") is OTHER with a note;
 *	auth results keep their text as sent in result_text too.
 *
 *	Tolerance. Element names are compared by local name, so any prefix
 *	("ns1:record") works. Unknown elements are ignored with all they
 *	hold. Values are trimmed of XML white space; enumerated values
 *	(pass, Reject, NONE) are read without regard to case; empty
 *	elements are empty values. A <feedback> under another root element
 *	(a stray <xs:schema> wrapper) is found. Whatever follows the end of
 *	</feedback> (stray bytes, an unclosed wrapper) is ignored with a
 *	note. A UTF-8 byte order mark and white space before the XML
 *	declaration are skipped.
 *
 *	Encodings. UTF-8 (declared or not) is read through a filter that
 *	replaces each maximal invalid sequence with U+FFFD and notes how
 *	many: a reporter writing one stray windows-1252 byte into a
 *	header_from meant that character, not the loss of the whole report.
 *	As in the WHATWG Encoding Standard, the labels windows-1252, cp1252,
 *	iso-8859-1, latin1 and us-ascii all decode as windows-1252 (bytes it
 *	leaves undefined become U+FFFD). UTF-16 is left to expat. Any other
 *	declared encoding is refused with its name.
 *
 *	Callbacks may already have been called when a later error rejects
 *	the report: the caller keeps a report only when finish returns
 *	TK_OK (the store commits per report).
 * SECURITY
 *	The input is hostile. No DTD at all: a DOCTYPE stops the parse
 *	before its internal subset is read, so no entity is ever declared
 *	(billion laughs cannot start) and no external entity is ever
 *	fetched (the external entity handler refuses too; parameter entity
 *	parsing is never on). Elements nest at most depth_max deep. A value
 *	is collected into a fixed buffer of TK_DMARC_XML_TEXT_MAX bytes.
 *	Bytes fed are bounded by bytes_max, and expat's own memory (the
 *	names it interns, its input buffer) by memory_max through a memory
 *	suite that counts every allocation. Numbers are parsed digit by
 *	digit with overflow checks. Notes and errors quote input only as
 *	printable ASCII.
 * STANDARDS
 *	RFC 7489 appendix C (aggregate report schema); RFC 9990 (DMARC
 *	aggregate reporting, namespace urn:ietf:params:xml:ns:dmarc-2.0:
 *	np, testing, discovery_method, generator); XML 1.0.
 * LIMITS
 *	TK_DMARC_XML_DEPTH_DEFAULT, TK_DMARC_XML_TEXT_MAX,
 *	TK_DMARC_XML_AUTH_MAX, TK_DMARC_XML_REASONS_MAX,
 *	TK_DMARC_XML_ERRORS_MAX, TK_DMARC_XML_NOTES_MAX, memory_max and
 *	bytes_max (struct tk_dmarc_xml_limits).
 */
#ifndef TIAKI_REPORTS_DMARC_XML_H
#define TIAKI_REPORTS_DMARC_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/limits.h"
#include "record/dmarc.h"
#include "reports/payload.h"

/* Elements nested deeper than this are refused: a report is six deep;
 * a wrapper or an extension adds a few. 1,000-deep nesting is an
 * attack on whoever recurses, not a report. Hard bound 64. */
#define TK_DMARC_XML_DEPTH_DEFAULT 32
#define TK_DMARC_XML_DEPTH_MAX 64
/* Bytes of one element's text. Every field is shorter; a longer value
 * is an error for that field, not a reason to grow. */
#define TK_DMARC_XML_TEXT_MAX 4096
/* Memory expat may hold for one report (input buffer, interned names).
 * A real report needs well under 1 MB whatever its size; a report of
 * a million distinct element names needs hundreds. Hard bound 256 MB. */
#define TK_DMARC_XML_MEMORY_DEFAULT ((size_t)16 * 1024 * 1024)
#define TK_DMARC_XML_MEMORY_MAX ((size_t)256 * 1024 * 1024)
/* <dkim> and <spf> results kept per record. Real records carry one to
 * four DKIM signatures; 16 of each keeps everything real. */
#define TK_DMARC_XML_AUTH_MAX 16
/* <reason> elements kept per record's policy_evaluated. */
#define TK_DMARC_XML_REASONS_MAX 8
/* <error> elements kept from report_metadata. */
#define TK_DMARC_XML_ERRORS_MAX 8
/* Notes kept per report; more are counted in notes_dropped. */
#define TK_DMARC_XML_NOTES_MAX 32
#define TK_DMARC_XML_NOTE_MAX 200
/* A count above 2^53 is not exact in a double (JSON, SQLite REAL): no
 * real record counts that many messages. */
#define TK_DMARC_XML_COUNT_MAX ((uint64_t)1 << 53)
/* Unix times up to the end of year 9999. */
#define TK_DMARC_XML_TIME_MAX INT64_C(253402300799)

/* Field sizes, NUL included. */
#define TK_DMARC_XML_NAME_SIZE (TK_DOMAIN_MAX + 1) /* domains, selectors */
#define TK_DMARC_XML_STR_SIZE 256                  /* org_name, email, report_id, ... */
#define TK_DMARC_XML_LONG_SIZE 512                 /* extra_contact_info, error */
#define TK_DMARC_XML_WORD_SIZE 32                  /* version, fo, result text, reason type */
#define TK_DMARC_XML_IP_SIZE 46                    /* INET6_ADDRSTRLEN */

enum tk_dmarc_xml_format {
    TK_DMARC_XML_RFC7489 = 0, /* no namespace, version 1.0 or none */
    TK_DMARC_XML_RFC9990,     /* urn:ietf:params:xml:ns:dmarc-2.0, or version 2.0 */
};

/* policy_evaluated <disposition>; PASS is RFC 9990's. */
enum tk_dmarc_xml_disposition {
    TK_DMARC_XML_DISP_UNSET = 0,
    TK_DMARC_XML_DISP_NONE,
    TK_DMARC_XML_DISP_PASS,
    TK_DMARC_XML_DISP_QUARANTINE,
    TK_DMARC_XML_DISP_REJECT,
    TK_DMARC_XML_DISP_OTHER, /* a value no RFC defines (noted) */
};

/* policy_evaluated <dkim> and <spf>: the aligned verdicts. */
enum tk_dmarc_xml_verdict {
    TK_DMARC_XML_VERDICT_UNSET = 0,
    TK_DMARC_XML_VERDICT_PASS,
    TK_DMARC_XML_VERDICT_FAIL,
    TK_DMARC_XML_VERDICT_OTHER,
};

/* auth_results <result> of a DKIM or SPF check (RFC 7489 appendix C:
 * DKIMResultType and SPFResultType together). */
enum tk_dmarc_xml_auth {
    TK_DMARC_XML_AUTH_UNSET = 0,
    TK_DMARC_XML_AUTH_NONE,
    TK_DMARC_XML_AUTH_PASS,
    TK_DMARC_XML_AUTH_FAIL,
    TK_DMARC_XML_AUTH_SOFTFAIL, /* SPF only */
    TK_DMARC_XML_AUTH_NEUTRAL,
    TK_DMARC_XML_AUTH_POLICY, /* DKIM only */
    TK_DMARC_XML_AUTH_TEMPERROR,
    TK_DMARC_XML_AUTH_PERMERROR,
    TK_DMARC_XML_AUTH_OTHER, /* result_text holds what was sent */
};

enum tk_dmarc_xml_scope {
    TK_DMARC_XML_SCOPE_UNSET = 0,
    TK_DMARC_XML_SCOPE_HELO,
    TK_DMARC_XML_SCOPE_MFROM,
    TK_DMARC_XML_SCOPE_OTHER,
};

enum tk_dmarc_xml_discovery {
    TK_DMARC_XML_DISCOVERY_UNSET = 0,
    TK_DMARC_XML_DISCOVERY_PSL,
    TK_DMARC_XML_DISCOVERY_TREEWALK,
    TK_DMARC_XML_DISCOVERY_OTHER,
};

/* The policy the reporter found published (<policy_published>). */
struct tk_dmarc_xml_policy {
    char domain[TK_DMARC_XML_NAME_SIZE];
    enum tk_dmarc_policy p, sp, np; /* UNSET: absent or not a policy (noted) */
    char adkim, aspf;               /* 'r', 's', or 0 when absent or invalid */
    int pct;                        /* 0..100, or -1 when absent or invalid */
    char fo[TK_DMARC_XML_WORD_SIZE];
    char testing;                                 /* 'y', 'n', or 0 (RFC 9990) */
    enum tk_dmarc_xml_discovery discovery_method; /* RFC 9990 */
};

/* What is known of the report before its records. */
struct tk_dmarc_xml_meta {
    enum tk_dmarc_xml_format format;
    char version[TK_DMARC_XML_WORD_SIZE]; /* <version> as sent, "" when absent */
    char org_name[TK_DMARC_XML_STR_SIZE];
    char email[TK_DMARC_XML_STR_SIZE];
    char extra_contact_info[TK_DMARC_XML_LONG_SIZE];
    char report_id[TK_DMARC_XML_STR_SIZE]; /* never empty */
    char generator[TK_DMARC_XML_STR_SIZE]; /* RFC 9990 */
    int64_t begin, end;                    /* date_range, Unix time */
    size_t nerrors;                        /* <error> elements kept */
    char errors[TK_DMARC_XML_ERRORS_MAX][TK_DMARC_XML_LONG_SIZE];
    struct tk_dmarc_xml_policy policy; /* policy.domain never empty */
};

struct tk_dmarc_xml_reason {
    char type[TK_DMARC_XML_WORD_SIZE]; /* as sent: forwarded, local_policy, ... */
    char comment[TK_DMARC_XML_STR_SIZE];
};

struct tk_dmarc_xml_dkim {
    char domain[TK_DMARC_XML_NAME_SIZE];
    char selector[TK_DMARC_XML_NAME_SIZE];
    enum tk_dmarc_xml_auth result;
    char result_text[TK_DMARC_XML_WORD_SIZE]; /* as sent, trimmed */
    char human_result[TK_DMARC_XML_STR_SIZE];
};

struct tk_dmarc_xml_spf {
    char domain[TK_DMARC_XML_NAME_SIZE];
    enum tk_dmarc_xml_scope scope;
    enum tk_dmarc_xml_auth result;
    char result_text[TK_DMARC_XML_WORD_SIZE];
    char human_result[TK_DMARC_XML_STR_SIZE]; /* RFC 9990 */
};

/* One <record>, valid: source_ip is an address and count was given. */
struct tk_dmarc_xml_record {
    uint64_t index;                       /* 1 for the report's first <record> */
    char source_ip[TK_DMARC_XML_IP_SIZE]; /* as sent, trimmed */
    int family;                           /* AF_INET or AF_INET6 */
    unsigned char addr[16];               /* 4 or 16 bytes, network order */
    uint64_t count;                       /* <= TK_DMARC_XML_COUNT_MAX */
    enum tk_dmarc_xml_disposition disposition;
    enum tk_dmarc_xml_verdict dkim, spf; /* policy_evaluated */
    size_t nreasons, reasons_dropped;
    struct tk_dmarc_xml_reason reasons[TK_DMARC_XML_REASONS_MAX];
    char header_from[TK_DMARC_XML_NAME_SIZE];
    char envelope_from[TK_DMARC_XML_NAME_SIZE];
    char envelope_to[TK_DMARC_XML_NAME_SIZE];
    size_t ndkim, dkim_dropped; /* dropped: past TK_DMARC_XML_AUTH_MAX */
    struct tk_dmarc_xml_dkim dkim_results[TK_DMARC_XML_AUTH_MAX];
    size_t nspf, spf_dropped;
    struct tk_dmarc_xml_spf spf_results[TK_DMARC_XML_AUTH_MAX];
};

/* Called by the parser from inside feed or finish. Returning anything
 * but TK_OK (with err set) stops the parse: feed or finish returns that
 * status and err. Pointers are valid only during the call. */
struct tk_dmarc_xml_callbacks {
    /* once per report, before the first record() */
    enum tk_status (*metadata)(void *arg, const struct tk_dmarc_xml_meta *m, struct tk_error *err);
    /* once per valid <record> */
    enum tk_status (*record)(void *arg, const struct tk_dmarc_xml_record *r, struct tk_error *err);
};

/* Zero in a field means its default; values are clamped to the hard
 * bounds. NULL limits mean all defaults. */
struct tk_dmarc_xml_limits {
    size_t bytes_max;   /* bytes fed (default TK_REPORT_DECOMPRESSED_DEFAULT,
                           at most TK_REPORT_DECOMPRESSED_MAX) */
    size_t memory_max;  /* expat's memory (TK_DMARC_XML_MEMORY_DEFAULT) */
    unsigned depth_max; /* element depth (TK_DMARC_XML_DEPTH_DEFAULT) */
};

/* What one report gave, and what was skipped and why. */
struct tk_dmarc_xml_result {
    enum tk_dmarc_xml_format format;
    bool meta_delivered;        /* metadata() was called */
    bool complete;              /* </feedback> was read */
    uint64_t records;           /* <record> elements read */
    uint64_t records_delivered; /* record() calls */
    uint64_t records_skipped;   /* records without a valid source_ip or count */
    uint64_t messages;          /* sum of count over records delivered */
    uint64_t bytes;             /* bytes fed */
    uint64_t utf8_replaced;     /* invalid UTF-8 sequences replaced by U+FFFD */
    size_t nnotes, notes_dropped;
    char notes[TK_DMARC_XML_NOTES_MAX][TK_DMARC_XML_NOTE_MAX]; /* printable ASCII */
};

struct tk_dmarc_xml;

/* tk_dmarc_xml_new makes a parser for one report. cb and arg are kept
 * (cb->metadata and cb->record may be NULL: not called); lim may be
 * NULL. Returns NULL with err set (TK_NOMEM) on failure. */
struct tk_dmarc_xml *tk_dmarc_xml_new(const struct tk_dmarc_xml_callbacks *cb, void *arg,
                                      const struct tk_dmarc_xml_limits *lim, struct tk_error *err);

/* tk_dmarc_xml_feed parses the next len bytes of the report. Returns
 * TK_OK to go on; TK_INVALID (not well-formed, a DOCTYPE, a required
 * field missing, an encoding refused), TK_LIMIT (depth, bytes or
 * memory) or a callback's status stop the report for good: later feeds
 * and finish return the same status and message. */
enum tk_status tk_dmarc_xml_feed(struct tk_dmarc_xml *p, const void *buf, size_t len,
                                 struct tk_error *err);

/* tk_dmarc_xml_finish says the report has no more bytes, ends the
 * parse, and fills out (which may be NULL) with what was read, on
 * failure too. Returns TK_OK for a complete report; TK_ABSENT when the
 * payload holds no report (empty, white space only, or no <feedback>
 * element); otherwise as feed. Call it once; feed after it is
 * TK_USAGE. */
enum tk_status tk_dmarc_xml_finish(struct tk_dmarc_xml *p, struct tk_dmarc_xml_result *out,
                                   struct tk_error *err);

/* tk_dmarc_xml_free releases the parser (NULL is fine). */
void tk_dmarc_xml_free(struct tk_dmarc_xml *p);

/* tk_dmarc_xml_disposition_name, _verdict_name, _auth_name,
 * _scope_name and _discovery_name return a fixed lower-case name
 * ("quarantine", "pass", "temperror", "mfrom", "treewalk"; "" for
 * UNSET, "other" for OTHER). */
const char *tk_dmarc_xml_disposition_name(enum tk_dmarc_xml_disposition d);
const char *tk_dmarc_xml_verdict_name(enum tk_dmarc_xml_verdict v);
const char *tk_dmarc_xml_auth_name(enum tk_dmarc_xml_auth a);
const char *tk_dmarc_xml_scope_name(enum tk_dmarc_xml_scope s);
const char *tk_dmarc_xml_discovery_name(enum tk_dmarc_xml_discovery d);

/* ---- the payload sink adapter ---- */

/* Called by the sink once per payload, when it ends: st and err are
 * finish's (or why the payload was abandoned), res what was read. */
typedef void (*tk_dmarc_xml_done_fn)(void *arg, const struct tk_payload_origin *origin,
                                     enum tk_status st, const struct tk_dmarc_xml_result *res,
                                     const struct tk_error *err);

/* A tk_payload_sink that parses each DMARC payload a source streams.
 * Owned by the caller; fields are private but for origin, the payload
 * being parsed. */
struct tk_dmarc_xml_sink {
    struct tk_dmarc_xml_callbacks cb;
    tk_dmarc_xml_done_fn done;
    void *arg;
    struct tk_dmarc_xml_limits lim;
    struct tk_dmarc_xml *parser; /* NULL between payloads */
    struct tk_payload_origin origin;
    struct tk_dmarc_xml_result result;
};

/* tk_dmarc_xml_sink_init sets up s and returns in *out a payload sink
 * over it: begin makes a parser (a payload that is not DMARC XML is
 * TK_USAGE), data feeds it, end finishes it (or, when the payload was
 * not complete, abandons it with the source's reason) and calls done
 * (may be NULL). Call tk_dmarc_xml_sink_close when the source is done,
 * in case a payload was left open. */
void tk_dmarc_xml_sink_init(struct tk_dmarc_xml_sink *s, const struct tk_dmarc_xml_callbacks *cb,
                            tk_dmarc_xml_done_fn done, void *arg,
                            const struct tk_dmarc_xml_limits *lim, struct tk_payload_sink *out);

/* tk_dmarc_xml_sink_close frees a parser left open by a source that
 * never called end. */
void tk_dmarc_xml_sink_close(struct tk_dmarc_xml_sink *s);

#endif
