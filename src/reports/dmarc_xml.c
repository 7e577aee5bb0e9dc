/*
 * NAME
 *	dmarc_xml.c - streaming parser of DMARC aggregate reports (expat)
 * SUMMARY
 *	Bytes in, one metadata() and one record() per <record> out; see
 *	dmarc_xml.h for the contract, the tolerance and the order rule.
 * DESCRIPTION
 *	Three stages, each streaming:
 *	1. The sniffer holds the first bytes (at most SNIFF_MAX) until it
 *	   knows the encoding: a UTF-16 byte order mark, the encoding of an
 *	   XML declaration, or none. It drops a UTF-8 byte order mark and
 *	   white space before the first '<'.
 *	2. For UTF-8, a filter copies the bytes into expat's own buffer
 *	   (XML_GetBuffer: the copy XML_Parse would make anyway), replacing
 *	   each maximal invalid subsequence with U+FFFD (Unicode 15, 3.9).
 *	   ASCII runs are copied eight bytes at a time.
 *	3. expat calls on_start and on_end; a fixed stack of element states
 *	   (one byte each) says where we are. A state's children are found
 *	   by local name in a table of at most ten names; text is collected
 *	   only inside a value element, into a fixed buffer, with the
 *	   character data handler set only there. Nothing is allocated per
 *	   element or per record.
 * SECURITY
 *	No DTD: a DOCTYPE stops the parse at its name, before any internal
 *	subset, so no entity is ever declared; the entity declaration and
 *	external entity handlers refuse too, and parameter entities are
 *	never parsed. expat allocates through mem_*, which charge each
 *	parser's bytes against its memory_max (the parser being fed is
 *	found in a thread-local set around every expat call). Input text is
 *	quoted in notes and errors as printable ASCII only, at most
 *	QUOTE_MAX bytes.
 * STANDARDS
 *	RFC 7489 appendix C; RFC 9990 (urn:ietf:params:xml:ns:dmarc-2.0);
 *	XML 1.0; WHATWG Encoding Standard (windows-1252 labels).
 * LIMITS
 *	See dmarc_xml.h: depth, text, memory, bytes, results per record.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "reports/dmarc_xml.h"

/* Bytes held before the encoding is known: an XML declaration with an
 * encoding fits in far less. */
#define SNIFF_MAX 256
/* Input bytes filtered into expat's buffer at a time. */
#define SLICE_MAX (16 * 1024)
/* Bytes of input quoted in a note or an error. */
#define QUOTE_MAX 60

#define DMARC_NS_2 "urn:ietf:params:xml:ns:dmarc-2.0"

/* Element states. Those from S_LEAF on hold a value. */
enum {
    S_DOC,
    S_OUTER, /* inside a wrapper, before <feedback> */
    S_SKIP,  /* inside an element we ignore */
    S_FEEDBACK,
    S_META,
    S_DATE_RANGE,
    S_POLICY,
    S_RECORD,
    S_ROW,
    S_EVAL,
    S_REASON,
    S_IDENT,
    S_AUTH,
    S_DKIM,
    S_SPF,
    S_LEAF,
    S_VERSION = S_LEAF,
    S_ORG_NAME,
    S_EMAIL,
    S_EXTRA,
    S_REPORT_ID,
    S_ERROR,
    S_GENERATOR,
    S_BEGIN,
    S_END,
    S_PP_DOMAIN,
    S_PP_ADKIM,
    S_PP_ASPF,
    S_PP_P,
    S_PP_SP,
    S_PP_NP,
    S_PP_PCT,
    S_PP_FO,
    S_PP_TESTING,
    S_PP_DISCOVERY,
    S_SOURCE_IP,
    S_COUNT,
    S_DISPOSITION,
    S_EVAL_DKIM,
    S_EVAL_SPF,
    S_REASON_TYPE,
    S_REASON_COMMENT,
    S_HEADER_FROM,
    S_ENVELOPE_FROM,
    S_ENVELOPE_TO,
    S_DKIM_DOMAIN,
    S_DKIM_SELECTOR,
    S_DKIM_RESULT,
    S_DKIM_HUMAN,
    S_SPF_DOMAIN,
    S_SPF_SCOPE,
    S_SPF_RESULT,
    S_SPF_HUMAN,
    S_NSTATES
};

enum phase {
    PH_SNIFF, /* encoding not known yet */
    PH_PARSE,
    PH_TAIL, /* an error after </feedback>: the rest is ignored */
    PH_DONE, /* finished */
};

enum enc {
    ENC_UTF8,   /* filtered; expat told UTF-8 */
    ENC_CP1252, /* expat told windows-1252: our table */
    ENC_EXPAT,  /* UTF-16, or a label expat may know */
};

/* What a record's source_ip or count was. */
enum given {
    G_ABSENT = 0,
    G_OK,
    G_BAD,
    G_LONG,
};

struct span {
    const char *p;
    size_t len;
};

struct tk_dmarc_xml {
    XML_Parser xp;
    struct tk_dmarc_xml_callbacks cb;
    void *arg;
    size_t bytes_max, memory_max, memory_used;
    bool memory_hit;
    unsigned depth_max, depth;
    enum phase phase;
    enum tk_status status;
    struct tk_error error;
    bool final; /* the last expat call is under way */
    /* sniffer and filter */
    unsigned char sniff[SNIFF_MAX];
    size_t nsniff;
    bool filter;
    unsigned char pend[4]; /* an incomplete UTF-8 sequence at a chunk's end */
    size_t npend;
    uint64_t pushed;              /* bytes given to the filter or expat */
    uint64_t utf8_first_at;       /* offset of the first invalid sequence */
    char encoding[QUOTE_MAX + 4]; /* declared, as sent (for messages) */
    /* where we are */
    bool feedback_seen, feedback_done, meta_seen, policy_seen, meta_delivered;
    bool begin_set, end_set, in_record, errors_full;
    uint8_t stack[TK_DMARC_XML_DEPTH_MAX + 1];
    size_t textlen;
    bool textover;
    char text[TK_DMARC_XML_TEXT_MAX + 1];
    /* the record being read */
    enum given ip_given, count_given;
    char count_text[QUOTE_MAX + 4];
    struct tk_dmarc_xml_meta meta;
    struct tk_dmarc_xml_record rec;
    struct tk_dmarc_xml_result res;
};

/* ---- memory: every expat allocation charged to its parser ---- */

union mem_head {
    struct {
        size_t size;
        struct tk_dmarc_xml *owner;
    } h;
    max_align_t align;
};

static _Thread_local struct tk_dmarc_xml *mem_current;

static void *mem_malloc(size_t n)
{
    struct tk_dmarc_xml *p = mem_current;
    union mem_head *m;

    if (n > SIZE_MAX - sizeof(*m))
        return NULL;
    if (p != NULL && n > p->memory_max - p->memory_used) {
        p->memory_hit = true;
        return NULL;
    }
    if ((m = malloc(sizeof(*m) + n)) == NULL)
        return NULL;
    m->h.size = n;
    m->h.owner = p;
    if (p != NULL)
        p->memory_used += n;
    return m + 1;
}

static void mem_free(void *ptr)
{
    union mem_head *m;

    if (ptr == NULL)
        return;
    m = (union mem_head *)ptr - 1;
    if (m->h.owner != NULL)
        m->h.owner->memory_used -= m->h.size;
    free(m);
}

static void *mem_realloc(void *ptr, size_t n)
{
    union mem_head *m, *nm;
    struct tk_dmarc_xml *p;
    size_t old;

    if (ptr == NULL)
        return mem_malloc(n);
    m = (union mem_head *)ptr - 1;
    p = m->h.owner;
    old = m->h.size;
    if (n > SIZE_MAX - sizeof(*m))
        return NULL;
    if (p != NULL && n > old && n - old > p->memory_max - p->memory_used) {
        p->memory_hit = true;
        return NULL;
    }
    if ((nm = realloc(m, sizeof(*nm) + n)) == NULL)
        return NULL;
    if (p != NULL)
        p->memory_used = p->memory_used - old + n;
    nm->h.size = n;
    return nm + 1;
}

static const XML_Memory_Handling_Suite mem_suite = {mem_malloc, mem_realloc, mem_free};

/* ---- text helpers ---- */

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* eq_ci is true when v is word (lower case) without regard to case. */
static bool eq_ci(struct span v, const char *word)
{
    size_t i;

    for (i = 0; i < v.len; i++)
        if (word[i] == '\0' || lower((unsigned char)v.p[i]) != word[i])
            return false;
    return word[i] == '\0';
}

/* word_find returns the index of v in the NULL-ended list of lower-case
 * words, or -1. */
static int word_find(struct span v, const char *const *words)
{
    int i;

    for (i = 0; words[i] != NULL; i++)
        if (eq_ci(v, words[i]))
            return i;
    return -1;
}

/* quote writes at most QUOTE_MAX bytes of v as printable ASCII. */
static const char *quote(char *dst, size_t size, struct span v)
{
    size_t i, n = v.len > QUOTE_MAX ? QUOTE_MAX : v.len;

    if (n > size - 4)
        n = size - 4;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v.p[i];

        dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    strcpy(dst + i, n < v.len ? "..." : "");
    return dst;
}

/* parse_u64 reads decimal digits (nothing else) up to max. */
static bool parse_u64(struct span v, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;
    size_t i;

    if (v.len == 0)
        return false;
    for (i = 0; i < v.len; i++) {
        unsigned d = (unsigned char)v.p[i] - '0';

        if (d > 9 || n > (max - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}

/* ---- notes and failure ---- */

static void note_v(struct tk_dmarc_xml *p, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void note_v(struct tk_dmarc_xml *p, const char *fmt, va_list ap)
{
    char *t;

    if (p->res.nnotes >= TK_DMARC_XML_NOTES_MAX) {
        p->res.notes_dropped++;
        return;
    }
    t = p->res.notes[p->res.nnotes++];
    vsnprintf(t, TK_DMARC_XML_NOTE_MAX, fmt, ap);
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
            *t = '?';
}

static void note(struct tk_dmarc_xml *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct tk_dmarc_xml *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    note_v(p, fmt, ap);
    va_end(ap);
}

/* note_at notes with the place: "record 12: " inside a record. */
static void note_at(struct tk_dmarc_xml *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_at(struct tk_dmarc_xml *p, const char *fmt, ...)
{
    char msg[TK_DMARC_XML_NOTE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->in_record)
        note(p, "record %llu: %s", (unsigned long long)p->rec.index, msg);
    else
        note(p, "%s", msg);
}

/* fail records the first reason the report is refused. */
static void fail(struct tk_dmarc_xml *p, enum tk_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct tk_dmarc_xml *p, enum tk_status st, const char *fmt, ...)
{
    va_list ap;
    char *t;

    if (p->status != TK_OK)
        return;
    p->status = st;
    p->error.code = st;
    va_start(ap, fmt);
    vsnprintf(p->error.msg, sizeof(p->error.msg), fmt, ap);
    va_end(ap);
    for (t = p->error.msg; *t; t++)
        if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
            *t = '?';
}

/* stop fails from inside an expat handler, naming the line. */
static void stop(struct tk_dmarc_xml *p, enum tk_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stop(struct tk_dmarc_xml *p, enum tk_status st, const char *fmt, ...)
{
    char msg[TK_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail(p, st, "line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(p->xp), msg);
    XML_StopParser(p->xp, XML_FALSE);
}

/* stop_callback stops with a callback's own status and message. */
static void stop_callback(struct tk_dmarc_xml *p, enum tk_status st, const struct tk_error *e,
                          const char *which)
{
    if (e->msg[0] != '\0')
        fail(p, st, "%s", e->msg);
    else
        fail(p, st, "the %s callback failed (%s)", which, tk_status_name(st));
    XML_StopParser(p->xp, XML_FALSE);
}

/* ---- element states ---- */

struct child {
    const char *name;
    uint8_t state;
};

static const struct child c_doc[] = {{"feedback", S_FEEDBACK}, {NULL, S_OUTER}};
static const struct child c_feedback[] = {{"record", S_RECORD},
                                          {"version", S_VERSION},
                                          {"report_metadata", S_META},
                                          {"policy_published", S_POLICY},
                                          {NULL, S_SKIP}};
static const struct child c_meta[] = {{"org_name", S_ORG_NAME},        {"email", S_EMAIL},
                                      {"extra_contact_info", S_EXTRA}, {"report_id", S_REPORT_ID},
                                      {"date_range", S_DATE_RANGE},    {"error", S_ERROR},
                                      {"generator", S_GENERATOR},      {NULL, S_SKIP}};
static const struct child c_date_range[] = {{"begin", S_BEGIN}, {"end", S_END}, {NULL, S_SKIP}};
static const struct child c_policy[] = {{"domain", S_PP_DOMAIN},
                                        {"adkim", S_PP_ADKIM},
                                        {"aspf", S_PP_ASPF},
                                        {"p", S_PP_P},
                                        {"sp", S_PP_SP},
                                        {"np", S_PP_NP},
                                        {"pct", S_PP_PCT},
                                        {"fo", S_PP_FO},
                                        {"testing", S_PP_TESTING},
                                        {"discovery_method", S_PP_DISCOVERY},
                                        {NULL, S_SKIP}};
static const struct child c_record[] = {
    {"row", S_ROW}, {"identifiers", S_IDENT}, {"auth_results", S_AUTH}, {NULL, S_SKIP}};
static const struct child c_row[] = {
    {"source_ip", S_SOURCE_IP}, {"count", S_COUNT}, {"policy_evaluated", S_EVAL}, {NULL, S_SKIP}};
static const struct child c_eval[] = {{"disposition", S_DISPOSITION},
                                      {"dkim", S_EVAL_DKIM},
                                      {"spf", S_EVAL_SPF},
                                      {"reason", S_REASON},
                                      {NULL, S_SKIP}};
static const struct child c_reason[] = {
    {"type", S_REASON_TYPE}, {"comment", S_REASON_COMMENT}, {NULL, S_SKIP}};
static const struct child c_ident[] = {{"header_from", S_HEADER_FROM},
                                       {"envelope_from", S_ENVELOPE_FROM},
                                       {"envelope_to", S_ENVELOPE_TO},
                                       {NULL, S_SKIP}};
static const struct child c_auth[] = {{"dkim", S_DKIM}, {"spf", S_SPF}, {NULL, S_SKIP}};
static const struct child c_dkim[] = {{"domain", S_DKIM_DOMAIN},
                                      {"selector", S_DKIM_SELECTOR},
                                      {"result", S_DKIM_RESULT},
                                      {"human_result", S_DKIM_HUMAN},
                                      {NULL, S_SKIP}};
static const struct child c_spf[] = {{"domain", S_SPF_DOMAIN},
                                     {"scope", S_SPF_SCOPE},
                                     {"result", S_SPF_RESULT},
                                     {"human_result", S_SPF_HUMAN},
                                     {NULL, S_SKIP}};

/* Children of each state that has any; the others hold only S_SKIP. */
static const struct child *const children[S_LEAF] = {
    [S_DOC] = c_doc,
    [S_OUTER] = c_doc,
    [S_FEEDBACK] = c_feedback,
    [S_META] = c_meta,
    [S_DATE_RANGE] = c_date_range,
    [S_POLICY] = c_policy,
    [S_RECORD] = c_record,
    [S_ROW] = c_row,
    [S_EVAL] = c_eval,
    [S_REASON] = c_reason,
    [S_IDENT] = c_ident,
    [S_AUTH] = c_auth,
    [S_DKIM] = c_dkim,
    [S_SPF] = c_spf,
};

/* Names of the value states, for notes. */
#define L(s) [(s)-S_LEAF]
static const char *const leaf_name[S_NSTATES - S_LEAF] = {
    L(S_VERSION) = "version",
    L(S_ORG_NAME) = "org_name",
    L(S_EMAIL) = "email",
    L(S_EXTRA) = "extra_contact_info",
    L(S_REPORT_ID) = "report_id",
    L(S_ERROR) = "error",
    L(S_GENERATOR) = "generator",
    L(S_BEGIN) = "date_range begin",
    L(S_END) = "date_range end",
    L(S_PP_DOMAIN) = "policy_published domain",
    L(S_PP_ADKIM) = "adkim",
    L(S_PP_ASPF) = "aspf",
    L(S_PP_P) = "p",
    L(S_PP_SP) = "sp",
    L(S_PP_NP) = "np",
    L(S_PP_PCT) = "pct",
    L(S_PP_FO) = "fo",
    L(S_PP_TESTING) = "testing",
    L(S_PP_DISCOVERY) = "discovery_method",
    L(S_SOURCE_IP) = "source_ip",
    L(S_COUNT) = "count",
    L(S_DISPOSITION) = "disposition",
    L(S_EVAL_DKIM) = "policy_evaluated dkim",
    L(S_EVAL_SPF) = "policy_evaluated spf",
    L(S_REASON_TYPE) = "reason type",
    L(S_REASON_COMMENT) = "reason comment",
    L(S_HEADER_FROM) = "header_from",
    L(S_ENVELOPE_FROM) = "envelope_from",
    L(S_ENVELOPE_TO) = "envelope_to",
    L(S_DKIM_DOMAIN) = "dkim domain",
    L(S_DKIM_SELECTOR) = "dkim selector",
    L(S_DKIM_RESULT) = "dkim result",
    L(S_DKIM_HUMAN) = "dkim human_result",
    L(S_SPF_DOMAIN) = "spf domain",
    L(S_SPF_SCOPE) = "spf scope",
    L(S_SPF_RESULT) = "spf result",
    L(S_SPF_HUMAN) = "spf human_result",
};
#undef L

/* child_state finds the state of element name (any prefix) under parent. */
static uint8_t child_state(uint8_t parent, const char *name)
{
    const struct child *c;
    const char *colon;

    if (parent >= S_LEAF || children[parent] == NULL)
        return S_SKIP;
    if ((colon = strrchr(name, ':')) != NULL)
        name = colon + 1;
    for (c = children[parent]; c->name != NULL; c++)
        if (c->name[0] == name[0] && strcmp(c->name, name) == 0)
            return c->state;
    return c->state;
}

/* ---- report metadata ---- */

/* meta_missing says why the report cannot be handed over, or NULL. */
static const char *meta_missing(const struct tk_dmarc_xml *p, bool at_record)
{
    if (!p->meta_seen)
        return at_record ? "the first <record> comes before <report_metadata>, which the "
                           "schema puts first: report not read"
                         : "no <report_metadata>";
    if (p->meta.report_id[0] == '\0')
        return "report_metadata has no report_id: the report cannot be told apart from others";
    if (!p->begin_set || !p->end_set)
        return "report_metadata has no date_range with a begin and an end";
    if (!p->policy_seen)
        return at_record ? "the first <record> comes before <policy_published>, which the "
                           "schema puts first: report not read"
                         : "no <policy_published>";
    if (p->meta.policy.domain[0] == '\0')
        return "policy_published has no domain";
    return NULL;
}

/* deliver_meta hands the metadata over, at the first record or at the
 * end of a report without records; false when the report stops. */
static bool deliver_meta(struct tk_dmarc_xml *p, bool at_record)
{
    const char *why = meta_missing(p, at_record);
    struct tk_error e;
    enum tk_status st;

    if (why != NULL) {
        stop(p, TK_INVALID, "%s", why);
        return false;
    }
    p->meta_delivered = p->res.meta_delivered = true;
    if (p->meta.begin > p->meta.end)
        note(p, "date_range begins (%lld) after it ends (%lld)", (long long)p->meta.begin,
             (long long)p->meta.end);
    if (p->cb.metadata == NULL)
        return true;
    tk_error_clear(&e);
    if ((st = p->cb.metadata(p->arg, &p->meta, &e)) != TK_OK) {
        stop_callback(p, st, &e, "metadata");
        return false;
    }
    return true;
}

/* feedback_start notes the namespace (RFC 9990's, under any prefix). */
static uint8_t feedback_start(struct tk_dmarc_xml *p, const XML_Char **atts)
{
    size_t i;

    if (p->feedback_seen) {
        note(p, "line %lu: a second <feedback> in one payload: ignored",
             (unsigned long)XML_GetCurrentLineNumber(p->xp));
        return S_SKIP;
    }
    p->feedback_seen = true;
    for (i = 0; atts[i] != NULL && atts[i + 1] != NULL; i += 2)
        if (strncmp(atts[i], "xmlns", 5) == 0 && (atts[i][5] == '\0' || atts[i][5] == ':') &&
            strcmp(atts[i + 1], DMARC_NS_2) == 0)
            p->meta.format = TK_DMARC_XML_RFC9990;
    return S_FEEDBACK;
}

/* once_start lets report_metadata and policy_published in once, and
 * only before the records. */
static uint8_t once_start(struct tk_dmarc_xml *p, uint8_t st, bool seen)
{
    if (!seen && !p->meta_delivered)
        return st;
    note(p, "line %lu: %s <%s>%s: ignored", (unsigned long)XML_GetCurrentLineNumber(p->xp),
         seen ? "a second" : "a", st == S_META ? "report_metadata" : "policy_published",
         p->meta_delivered ? " after the first record" : "");
    return S_SKIP;
}

/* ---- records ---- */

static void record_start(struct tk_dmarc_xml *p)
{
    struct tk_dmarc_xml_record *r = &p->rec;

    r->index = ++p->res.records;
    r->source_ip[0] = '\0';
    r->family = 0;
    r->count = 0;
    r->disposition = TK_DMARC_XML_DISP_UNSET;
    r->dkim = r->spf = TK_DMARC_XML_VERDICT_UNSET;
    r->nreasons = r->reasons_dropped = 0;
    r->header_from[0] = r->envelope_from[0] = r->envelope_to[0] = '\0';
    r->ndkim = r->dkim_dropped = r->nspf = r->spf_dropped = 0;
    p->ip_given = p->count_given = G_ABSENT;
    p->in_record = true;
}

/* record_problem says why the record cannot be kept, into buf, or NULL. */
static const char *record_problem(struct tk_dmarc_xml *p, char *buf, size_t size)
{
    struct tk_dmarc_xml_record *r = &p->rec;
    char q[QUOTE_MAX + 4];
    struct span ip = {r->source_ip, strlen(r->source_ip)};

    if (p->ip_given == G_ABSENT)
        return "no source_ip";
    if (p->ip_given == G_LONG)
        return "source_ip is too long to be an address";
    if (inet_pton(AF_INET, r->source_ip, r->addr) == 1)
        r->family = AF_INET;
    else if (inet_pton(AF_INET6, r->source_ip, r->addr) == 1)
        r->family = AF_INET6;
    else {
        snprintf(buf, size, "source_ip '%s' is not an address", quote(q, sizeof(q), ip));
        return buf;
    }
    if (p->count_given == G_ABSENT)
        return "no count";
    if (p->count_given != G_OK) {
        snprintf(buf, size, "count '%s' is not a number of at most 2^53", p->count_text);
        return buf;
    }
    return NULL;
}

static void record_end(struct tk_dmarc_xml *p)
{
    struct tk_dmarc_xml_record *r = &p->rec;
    char buf[TK_DMARC_XML_NOTE_MAX];
    const char *why = record_problem(p, buf, sizeof(buf));
    struct tk_error e;
    enum tk_status st;

    if (why != NULL) {
        p->res.records_skipped++;
        note_at(p, "%s: skipped", why);
        p->in_record = false;
        return;
    }
    if (r->dkim_dropped + r->spf_dropped + r->reasons_dropped > 0)
        note_at(p, "%zu dkim, %zu spf and %zu reason elements past the limits (%d, %d, %d) dropped",
                r->dkim_dropped, r->spf_dropped, r->reasons_dropped, TK_DMARC_XML_AUTH_MAX,
                TK_DMARC_XML_AUTH_MAX, TK_DMARC_XML_REASONS_MAX);
    p->in_record = false;
    if (p->res.messages > UINT64_MAX - r->count) {
        stop(p, TK_LIMIT, "the message total passes 2^64: not a real report");
        return;
    }
    p->res.messages += r->count;
    p->res.records_delivered++;
    if (p->cb.record == NULL)
        return;
    tk_error_clear(&e);
    if ((st = p->cb.record(p->arg, r, &e)) != TK_OK)
        stop_callback(p, st, &e, "record");
}

/* ---- values ---- */

/* field_copy copies v into dst, or leaves dst empty with a note when it
 * does not fit (the report stops for a required field). */
static void field_copy(struct tk_dmarc_xml *p, uint8_t st, char *dst, size_t size, struct span v)
{
    if (!p->textover && v.len < size) {
        memcpy(dst, v.p, v.len);
        dst[v.len] = '\0';
        return;
    }
    dst[0] = '\0';
    if (st == S_REPORT_ID || st == S_PP_DOMAIN)
        stop(p, TK_INVALID, "%s is longer than %zu bytes", leaf_name[st - S_LEAF], size - 1);
    else
        note_at(p, "%s is longer than %zu bytes: left empty", leaf_name[st - S_LEAF], size - 1);
}

/* leaf_string returns the field a text value goes in, or NULL when the
 * value is not kept as text. */
static char *leaf_string(struct tk_dmarc_xml *p, uint8_t st, size_t *size)
{
    struct tk_dmarc_xml_record *r = &p->rec;
    char *f;

#define FIELD(x) (*size = sizeof(x), (x))
    switch (st) {
    case S_VERSION:
        return FIELD(p->meta.version);
    case S_ORG_NAME:
        return FIELD(p->meta.org_name);
    case S_EMAIL:
        return FIELD(p->meta.email);
    case S_EXTRA:
        return FIELD(p->meta.extra_contact_info);
    case S_REPORT_ID:
        return FIELD(p->meta.report_id);
    case S_ERROR:
        return FIELD(p->meta.errors[p->meta.nerrors]);
    case S_GENERATOR:
        return FIELD(p->meta.generator);
    case S_PP_DOMAIN:
        return FIELD(p->meta.policy.domain);
    case S_PP_FO:
        return FIELD(p->meta.policy.fo);
    case S_REASON_TYPE:
        return FIELD(r->reasons[r->nreasons].type);
    case S_REASON_COMMENT:
        return FIELD(r->reasons[r->nreasons].comment);
    case S_HEADER_FROM:
        return FIELD(r->header_from);
    case S_ENVELOPE_FROM:
        return FIELD(r->envelope_from);
    case S_ENVELOPE_TO:
        return FIELD(r->envelope_to);
    case S_DKIM_DOMAIN:
        return FIELD(r->dkim_results[r->ndkim].domain);
    case S_DKIM_SELECTOR:
        return FIELD(r->dkim_results[r->ndkim].selector);
    case S_DKIM_HUMAN:
        return FIELD(r->dkim_results[r->ndkim].human_result);
    case S_SPF_DOMAIN:
        return FIELD(r->spf_results[r->nspf].domain);
    case S_SPF_HUMAN:
        return FIELD(r->spf_results[r->nspf].human_result);
    default:
        f = NULL;
    }
#undef FIELD
    return f;
}

/* enum_value reads an enumerated value: 0 for empty, 1 + its index in
 * words, or other (with a note) for anything else. */
static int enum_value(struct tk_dmarc_xml *p, uint8_t st, struct span v, const char *const *words,
                      int other)
{
    char q[QUOTE_MAX + 4];
    int i;

    if (v.len == 0)
        return 0;
    if (!p->textover && (i = word_find(v, words)) >= 0)
        return i + 1;
    note_at(p, "%s '%s' is not a value the RFCs define", leaf_name[st - S_LEAF],
            quote(q, sizeof(q), v));
    return other;
}

static const char *const w_policy[] = {"none", "quarantine", "reject", NULL};
static const char *const w_align[] = {"r", "s", NULL};
static const char *const w_yn[] = {"y", "n", NULL};
static const char *const w_discovery[] = {"psl", "treewalk", NULL};
static const char *const w_disposition[] = {"none", "pass", "quarantine", "reject", NULL};
static const char *const w_verdict[] = {"pass", "fail", NULL};
static const char *const w_auth[] = {"none",   "pass",      "fail",      "softfail", "neutral",
                                     "policy", "temperror", "permerror", NULL};
static const char *const w_scope[] = {"helo", "mfrom", NULL};

/* time_value reads a date_range bound; a bad one stops the report. */
static void time_value(struct tk_dmarc_xml *p, uint8_t st, struct span v)
{
    char q[QUOTE_MAX + 4];
    uint64_t t;

    if (p->textover || !parse_u64(v, (uint64_t)TK_DMARC_XML_TIME_MAX, &t)) {
        stop(p, TK_INVALID, "%s '%s' is not a Unix time", leaf_name[st - S_LEAF],
             quote(q, sizeof(q), v));
        return;
    }
    if (st == S_BEGIN) {
        p->meta.begin = (int64_t)t;
        p->begin_set = true;
    } else {
        p->meta.end = (int64_t)t;
        p->end_set = true;
    }
}

static void policy_value(struct tk_dmarc_xml *p, uint8_t st, struct span v)
{
    struct tk_dmarc_xml_policy *pp = &p->meta.policy;
    static const char align[] = {0, 'r', 's', 0};
    static const char yn[] = {0, 'y', 'n', 0};
    char q[QUOTE_MAX + 4];
    uint64_t pct;

    switch (st) {
    case S_PP_P:
    case S_PP_SP:
    case S_PP_NP:
        *(st == S_PP_P    ? &pp->p
          : st == S_PP_SP ? &pp->sp
                          : &pp->np) = (enum tk_dmarc_policy)enum_value(p, st, v, w_policy, 0);
        break;
    case S_PP_ADKIM:
    case S_PP_ASPF:
        *(st == S_PP_ADKIM ? &pp->adkim : &pp->aspf) = align[enum_value(p, st, v, w_align, 3)];
        break;
    case S_PP_TESTING:
        pp->testing = yn[enum_value(p, st, v, w_yn, 3)];
        break;
    case S_PP_DISCOVERY:
        pp->discovery_method = (enum tk_dmarc_xml_discovery)enum_value(
            p, st, v, w_discovery, TK_DMARC_XML_DISCOVERY_OTHER);
        break;
    case S_PP_PCT:
        if (v.len > 0 && (p->textover || !parse_u64(v, 100, &pct)))
            note(p, "pct '%s' is not a number from 0 to 100", quote(q, sizeof(q), v));
        else if (v.len > 0)
            pp->pct = (int)pct;
        break;
    }
}

/* count_value keeps a record's count, or why it is not one. */
static void count_value(struct tk_dmarc_xml *p, struct span v)
{
    quote(p->count_text, sizeof(p->count_text), v);
    if (v.len == 0)
        p->count_given = G_ABSENT;
    else if (!p->textover && parse_u64(v, TK_DMARC_XML_COUNT_MAX, &p->rec.count))
        p->count_given = G_OK;
    else
        p->count_given = G_BAD;
}

static void ip_value(struct tk_dmarc_xml *p, struct span v)
{
    if (v.len == 0) {
        p->ip_given = G_ABSENT;
        return;
    }
    if (p->textover || v.len >= sizeof(p->rec.source_ip)) {
        p->ip_given = G_LONG;
        return;
    }
    memcpy(p->rec.source_ip, v.p, v.len);
    p->rec.source_ip[v.len] = '\0';
    p->ip_given = G_OK;
}

/* result_value keeps an auth result as sent and as an enum. */
static void result_value(struct tk_dmarc_xml *p, uint8_t st, struct span v)
{
    struct tk_dmarc_xml_record *r = &p->rec;
    enum tk_dmarc_xml_auth *res;
    char *text;

    if (st == S_DKIM_RESULT) {
        res = &r->dkim_results[r->ndkim].result;
        text = r->dkim_results[r->ndkim].result_text;
    } else {
        res = &r->spf_results[r->nspf].result;
        text = r->spf_results[r->nspf].result_text;
    }
    *res = (enum tk_dmarc_xml_auth)enum_value(p, st, v, w_auth, TK_DMARC_XML_AUTH_OTHER);
    field_copy(p, st, text, TK_DMARC_XML_WORD_SIZE, v);
}

static void record_value(struct tk_dmarc_xml *p, uint8_t st, struct span v)
{
    struct tk_dmarc_xml_record *r = &p->rec;

    switch (st) {
    case S_SOURCE_IP:
        ip_value(p, v);
        break;
    case S_COUNT:
        count_value(p, v);
        break;
    case S_DISPOSITION:
        r->disposition = (enum tk_dmarc_xml_disposition)enum_value(p, st, v, w_disposition,
                                                                   TK_DMARC_XML_DISP_OTHER);
        break;
    case S_EVAL_DKIM:
    case S_EVAL_SPF:
        *(st == S_EVAL_DKIM ? &r->dkim : &r->spf) =
            (enum tk_dmarc_xml_verdict)enum_value(p, st, v, w_verdict, TK_DMARC_XML_VERDICT_OTHER);
        break;
    case S_DKIM_RESULT:
    case S_SPF_RESULT:
        result_value(p, st, v);
        break;
    case S_SPF_SCOPE:
        r->spf_results[r->nspf].scope =
            (enum tk_dmarc_xml_scope)enum_value(p, st, v, w_scope, TK_DMARC_XML_SCOPE_OTHER);
        break;
    }
}

/* version_set: "2.0" (or "2") is RFC 9990's. */
static void version_set(struct tk_dmarc_xml *p)
{
    if (strcmp(p->meta.version, "2.0") == 0 || strcmp(p->meta.version, "2") == 0)
        p->meta.format = TK_DMARC_XML_RFC9990;
}

/* leaf_end applies the text of a value element that ends. */
static void leaf_end(struct tk_dmarc_xml *p, uint8_t st)
{
    struct span v = {p->text, p->textlen};
    size_t size;
    char *dst;

    while (v.len > 0 && is_space((unsigned char)v.p[0]))
        v.p++, v.len--;
    while (v.len > 0 && is_space((unsigned char)v.p[v.len - 1]))
        v.len--;
    if ((dst = leaf_string(p, st, &size)) != NULL) {
        field_copy(p, st, dst, size, v);
        if (st == S_VERSION)
            version_set(p);
        else if (st == S_ERROR && dst[0] != '\0')
            p->meta.nerrors++;
    } else if (st == S_BEGIN || st == S_END)
        time_value(p, st, v);
    else if (st < S_SOURCE_IP)
        policy_value(p, st, v);
    else
        record_value(p, st, v);
}

/* ---- expat handlers ---- */

/* entry runs when an element of state st starts; returns the state it
 * really gets (S_SKIP when it is refused or over a limit). */
static uint8_t entry(struct tk_dmarc_xml *p, uint8_t st, const XML_Char **atts)
{
    struct tk_dmarc_xml_record *r = &p->rec;

    switch (st) {
    case S_FEEDBACK:
        return feedback_start(p, atts);
    case S_VERSION: /* read only before the metadata goes out */
        return p->meta_delivered ? S_SKIP : st;
    case S_META:
        return once_start(p, st, p->meta_seen);
    case S_POLICY:
        return once_start(p, st, p->policy_seen);
    case S_RECORD:
        if (!p->meta_delivered && !deliver_meta(p, true))
            return S_SKIP;
        record_start(p);
        return st;
    case S_DKIM:
        if (r->ndkim == TK_DMARC_XML_AUTH_MAX)
            return r->dkim_dropped++, S_SKIP;
        memset(&r->dkim_results[r->ndkim], 0, sizeof(r->dkim_results[0]));
        return st;
    case S_SPF:
        if (r->nspf == TK_DMARC_XML_AUTH_MAX)
            return r->spf_dropped++, S_SKIP;
        memset(&r->spf_results[r->nspf], 0, sizeof(r->spf_results[0]));
        return st;
    case S_REASON:
        if (r->nreasons == TK_DMARC_XML_REASONS_MAX)
            return r->reasons_dropped++, S_SKIP;
        memset(&r->reasons[r->nreasons], 0, sizeof(r->reasons[0]));
        return st;
    case S_ERROR:
        if (p->meta.nerrors < TK_DMARC_XML_ERRORS_MAX)
            return st;
        if (!p->errors_full)
            note(p, "more than %d report_metadata errors: the rest dropped",
                 TK_DMARC_XML_ERRORS_MAX);
        p->errors_full = true;
        return S_SKIP;
    }
    return st;
}

/* leave runs when an element of state st ends. */
static void leave(struct tk_dmarc_xml *p, uint8_t st)
{
    switch (st) {
    case S_RECORD:
        record_end(p);
        break;
    case S_DKIM:
        p->rec.ndkim++;
        break;
    case S_SPF:
        p->rec.nspf++;
        break;
    case S_REASON: /* an empty <reason> gives none */
        if (p->rec.reasons[p->rec.nreasons].type[0] || p->rec.reasons[p->rec.nreasons].comment[0])
            p->rec.nreasons++;
        break;
    case S_META:
        p->meta_seen = true;
        break;
    case S_POLICY:
        p->policy_seen = true;
        break;
    case S_FEEDBACK:
        if (!p->meta_delivered && !deliver_meta(p, false))
            break;
        p->feedback_done = p->res.complete = true;
        break;
    default:
        if (st >= S_LEAF)
            leaf_end(p, st);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct tk_dmarc_xml *p = ud;
    size_t n = (size_t)len;

    if (n > TK_DMARC_XML_TEXT_MAX - p->textlen) {
        n = TK_DMARC_XML_TEXT_MAX - p->textlen;
        p->textover = true;
    }
    memcpy(p->text + p->textlen, s, n);
    p->textlen += n;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct tk_dmarc_xml *p = ud;
    uint8_t parent = p->stack[p->depth], st;

    if (p->depth >= p->depth_max) {
        stop(p, TK_LIMIT, "elements nested deeper than %u: not a DMARC report", p->depth_max);
        return;
    }
    st = parent == S_SKIP ? S_SKIP : entry(p, child_state(parent, name), atts);
    if (p->status != TK_OK)
        return;
    p->stack[++p->depth] = st;
    if (st >= S_LEAF) {
        p->textlen = 0;
        p->textover = false;
        XML_SetCharacterDataHandler(p->xp, on_text);
    } else if (parent >= S_LEAF)
        XML_SetCharacterDataHandler(p->xp, NULL);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct tk_dmarc_xml *p = ud;
    uint8_t st = p->stack[p->depth], parent;

    if (p->depth == 0 || p->status != TK_OK)
        return;
    parent = p->stack[--p->depth];
    if ((st >= S_LEAF) != (parent >= S_LEAF))
        XML_SetCharacterDataHandler(p->xp, parent >= S_LEAF ? on_text : NULL);
    if (st != S_SKIP && st != S_OUTER)
        leave(p, st);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    stop(ud, TK_INVALID,
         "a DOCTYPE is not allowed in a DMARC report (no DTD, no entities): report refused");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
    stop(ud, TK_INVALID, "an entity declaration is not allowed in a DMARC report");
}

static int XMLCALL on_external_entity(XML_Parser xp, const XML_Char *context, const XML_Char *base,
                                      const XML_Char *sysid, const XML_Char *pubid)
{
    return XML_STATUS_ERROR;
}

/* windows-1252 bytes 0x80 to 0x9f; the five it leaves undefined are
 * U+FFFD. */
static const unsigned short cp1252_high[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

static int XMLCALL on_unknown_encoding(void *ud, const XML_Char *name, XML_Encoding *info)
{
    int i;

    if (strcmp(name, "windows-1252") != 0)
        return XML_STATUS_ERROR;
    for (i = 0; i < 256; i++)
        info->map[i] = i >= 0x80 && i < 0xa0 ? cp1252_high[i - 0x80] : i;
    info->data = NULL;
    info->convert = NULL;
    info->release = NULL;
    return XML_STATUS_OK;
}

/* ---- feeding expat ---- */

/* parse_done checks what an expat call returned; false when the bytes
 * that follow are not to be parsed. */
static bool parse_done(struct tk_dmarc_xml *p, enum XML_Status xs)
{
    enum XML_Error code;
    unsigned long line, col;

    if (xs != XML_STATUS_ERROR)
        return true;
    if (p->status != TK_OK)
        return false;
    code = XML_GetErrorCode(p->xp);
    line = (unsigned long)XML_GetCurrentLineNumber(p->xp);
    col = (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1;
    if (p->feedback_done) {
        note(p, "line %lu: after </feedback>: %s: ignored", line, XML_ErrorString(code));
        p->phase = PH_TAIL;
    } else if (p->memory_hit)
        fail(p, TK_LIMIT, "line %lu: the XML parser needed more than %zu bytes: not a real report",
             line, p->memory_max);
    else if (code == XML_ERROR_NO_MEMORY)
        fail(p, TK_NOMEM, "line %lu: out of memory", line);
    else if (code == XML_ERROR_UNKNOWN_ENCODING || code == XML_ERROR_INCORRECT_ENCODING)
        fail(p, TK_INVALID, "encoding '%s' is not supported (UTF-8, UTF-16, windows-1252 are)",
             p->encoding);
    else if (p->final && p->feedback_seen)
        fail(p, TK_INVALID, "the report ends before </feedback>, at line %lu: %s", line,
             XML_ErrorString(code));
    else
        fail(p, TK_INVALID, "not well-formed XML at line %lu, column %lu: %s", line, col,
             XML_ErrorString(code));
    return false;
}

/* ascii_run returns how many bytes from s are ASCII. */
static size_t ascii_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    uint64_t w;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

enum u8 {
    U8_VALID,
    U8_SHORT, /* a valid start, cut by the end of the bytes */
    U8_BAD,
};

/* utf8_check looks at the sequence at s (n > 0 bytes, s[0] >= 0x80):
 * *len is its length when valid, or the length of its maximal invalid
 * subpart (at least 1) when bad. */
static enum u8 utf8_check(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    size_t want, i;

    if (c >= 0xc2 && c <= 0xdf)
        want = 2;
    else if (c >= 0xe0 && c <= 0xef)
        want = 3, lo = c == 0xe0 ? 0xa0 : lo, hi = c == 0xed ? 0x9f : hi;
    else if (c >= 0xf0 && c <= 0xf4)
        want = 4, lo = c == 0xf0 ? 0x90 : lo, hi = c == 0xf4 ? 0x8f : hi;
    else
        return *len = 1, U8_BAD;
    for (i = 1; i < want; i++, lo = 0x80, hi = 0xbf) {
        if (i == n)
            return U8_SHORT;
        if (s[i] < lo || s[i] > hi)
            return *len = i, U8_BAD;
    }
    return *len = want, U8_VALID;
}

static size_t put_fffd(struct tk_dmarc_xml *p, unsigned char *out, uint64_t at)
{
    if (p->res.utf8_replaced++ == 0)
        p->utf8_first_at = at;
    memcpy(out, "\xef\xbf\xbd", 3);
    return 3;
}

/* pend_finish completes a sequence cut at the end of the last chunk
 * with the first bytes of this one; returns the bytes of s used. */
static size_t pend_finish(struct tk_dmarc_xml *p, const unsigned char *s, size_t n,
                          unsigned char *out, size_t *o, bool final)
{
    uint64_t at = p->pushed - p->npend;
    size_t i = 0, len;
    enum u8 r = U8_SHORT;

    while (i < n && r == U8_SHORT) {
        p->pend[p->npend++] = s[i++];
        r = utf8_check(p->pend, p->npend, &len);
    }
    if (r == U8_VALID) {
        memcpy(out + *o, p->pend, len);
        *o += len;
    } else if (r == U8_BAD) {
        *o += put_fffd(p, out + *o, at);
        i--; /* the byte that broke the sequence is read again */
    } else if (!final)
        return i;
    else
        *o += put_fffd(p, out + *o, at);
    p->npend = 0;
    return i;
}

/* utf8_filter copies n bytes of s to out (room for 3n + 12), each
 * maximal invalid subsequence replaced with U+FFFD; a sequence cut at
 * the end waits in pend for the next chunk (or is replaced if final). */
static size_t utf8_filter(struct tk_dmarc_xml *p, const unsigned char *s, size_t n,
                          unsigned char *out, bool final)
{
    size_t i = 0, o = 0, run, len;

    if (p->npend > 0)
        i = pend_finish(p, s, n, out, &o, final);
    while (i < n) {
        run = ascii_run(s + i, n - i);
        memcpy(out + o, s + i, run);
        o += run, i += run;
        if (i == n)
            break;
        switch (utf8_check(s + i, n - i, &len)) {
        case U8_VALID:
            memcpy(out + o, s + i, len);
            o += len, i += len;
            break;
        case U8_BAD:
            o += put_fffd(p, out + o, p->pushed + i);
            i += len;
            break;
        case U8_SHORT:
            if (final) {
                o += put_fffd(p, out + o, p->pushed + i);
            } else {
                memcpy(p->pend, s + i, n - i);
                p->npend = n - i;
            }
            i = n;
        }
    }
    p->pushed += n;
    return o;
}

/* push hands bytes to expat, through the UTF-8 filter when it is on. */
static void push(struct tk_dmarc_xml *p, const unsigned char *s, size_t n, bool final)
{
    size_t take, m;
    void *out;

    p->final = final;
    if (!p->filter) {
        p->pushed += n;
        parse_done(p, XML_Parse(p->xp, (const char *)s, (int)n, final));
        return;
    }
    do {
        if (p->phase != PH_PARSE || p->status != TK_OK)
            return;
        take = n < SLICE_MAX ? n : SLICE_MAX;
        if ((out = XML_GetBuffer(p->xp, (int)(take * 3 + 12))) == NULL) {
            parse_done(p, XML_STATUS_ERROR);
            return;
        }
        m = utf8_filter(p, s, take, out, final && take == n);
        if (!parse_done(p, XML_ParseBuffer(p->xp, (int)m, final && take == n)))
            return;
        s += take, n -= take;
    } while (n > 0);
}

/* push_all hands any number of bytes over in pieces expat's int takes. */
static void push_all(struct tk_dmarc_xml *p, const unsigned char *s, size_t n, bool final)
{
    while (n > SLICE_MAX && p->phase == PH_PARSE && p->status == TK_OK) {
        push(p, s, SLICE_MAX, false);
        s += SLICE_MAX, n -= SLICE_MAX;
    }
    if (p->phase == PH_PARSE && p->status == TK_OK)
        push(p, s, n, final);
}

/* ---- the sniffer ---- */

/* label_class says how a declared encoding is read. */
static enum enc label_class(struct span v)
{
    /* A UTF-16 label on bytes that spelt "<?xml" one byte each is wrong:
     * the bytes are what counts, as in browsers. */
    static const char *const utf8[] = {"utf-8",    "utf8",     "unicode-1-1-utf-8", "utf-16",
                                       "utf-16le", "utf-16be", "unicode",           NULL};
    static const char *const cp1252[] = {
        "windows-1252",   "cp1252",     "x-cp1252", "iso-8859-1", "iso8859-1", "iso_8859-1",
        "iso88591",       "latin1",     "latin-1",  "l1",         "us-ascii",  "ascii",
        "ansi_x3.4-1968", "iso-ir-100", "cp819",    "ibm819",     NULL};

    if (word_find(v, utf8) >= 0)
        return ENC_UTF8;
    if (word_find(v, cp1252) >= 0)
        return ENC_CP1252;
    return ENC_EXPAT;
}

/* decl_encoding finds encoding="..." in the XML declaration s[0..n). */
static struct span decl_encoding(const unsigned char *s, size_t n)
{
    struct span v = {NULL, 0};
    size_t i;
    unsigned char q;

    for (i = 0; i + 8 < n && memcmp(s + i, "encoding", 8) != 0; i++)
        ;
    for (i += 8; i < n && is_space(s[i]); i++)
        ;
    if (i >= n || s[i] != '=')
        return v;
    for (i++; i < n && is_space(s[i]); i++)
        ;
    if (i >= n || (s[i] != '"' && s[i] != '\''))
        return v;
    q = s[i++];
    v.p = (const char *)s + i;
    while (i < n && s[i] != q)
        i++, v.len++;
    return v;
}

/* sniff_set sets the encoding up before expat sees a byte. */
static void sniff_set(struct tk_dmarc_xml *p, enum enc enc, struct span label)
{
    char q[QUOTE_MAX + 4];

    quote(q, sizeof(q), label);
    snprintf(p->encoding, sizeof(p->encoding), "%s", label.len ? q : "UTF-8");
    p->filter = enc == ENC_UTF8;
    if (enc == ENC_UTF8)
        XML_SetEncoding(p->xp, "UTF-8");
    else if (enc == ENC_CP1252)
        XML_SetEncoding(p->xp, "windows-1252");
    p->phase = PH_PARSE;
}

/* sniff_prefix returns how many held bytes to drop (a UTF-8 byte order
 * mark, white space), or -1 when they may still be the start of one. */
static long sniff_prefix(const unsigned char *s, size_t n, bool force)
{
    size_t i = 0;

    if (n < 3 && !force && memcmp(s, "\xef\xbb\xbf", n) == 0)
        return -1;
    if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < n && is_space(s[i]))
        i++;
    if (i == n && !force)
        return -1;
    return (long)i;
}

/* sniff_decide looks at the held bytes; returns how many to drop once
 * the encoding is known, or -1 when more bytes are needed. */
static long sniff_decide(struct tk_dmarc_xml *p, bool force)
{
    const unsigned char *s = p->sniff;
    size_t n = p->nsniff, rest, end;
    struct span label = {NULL, 0};
    long i;

    if (n < 2 && !force)
        return -1; /* UTF-16 or not: two bytes tell */
    if (n >= 2 && (s[0] == 0 || s[1] == 0 || (s[0] == 0xfe && s[1] == 0xff) ||
                   (s[0] == 0xff && s[1] == 0xfe))) {
        sniff_set(p, ENC_EXPAT, (struct span){"UTF-16", 6});
        return 0;
    }
    if ((i = sniff_prefix(s, n, force)) < 0)
        return -1;
    s += i, rest = n - (size_t)i;
    if (!force && rest < 6 && memcmp(s, "<?xml", rest < 5 ? rest : 5) == 0)
        return -1;
    if (rest < 6 || memcmp(s, "<?xml", 5) != 0 || !is_space(s[5])) {
        sniff_set(p, ENC_UTF8, label);
        return i;
    }
    for (end = 5; end + 1 < rest && !(s[end] == '?' && s[end + 1] == '>'); end++)
        ;
    if (end + 1 >= rest && !force)
        return -1;
    label = decl_encoding(s, end);
    sniff_set(p, label.len ? label_class(label) : ENC_UTF8, label);
    return i;
}

/* sniff takes bytes until the encoding is known, then parses them. */
static void sniff(struct tk_dmarc_xml *p, const unsigned char *s, size_t n, bool final)
{
    size_t take = n < SNIFF_MAX - p->nsniff ? n : SNIFF_MAX - p->nsniff;
    long skip;

    memcpy(p->sniff + p->nsniff, s, take);
    p->nsniff += take;
    skip = sniff_decide(p, final || p->nsniff == SNIFF_MAX);
    if (skip < 0)
        return;
    if (p->nsniff > (size_t)skip)
        push_all(p, p->sniff + skip, p->nsniff - (size_t)skip, false);
    if (n > take)
        push_all(p, s + take, n - take, false);
}

/* ---- the interface ---- */

static void limits_set(struct tk_dmarc_xml *p, const struct tk_dmarc_xml_limits *lim)
{
    struct tk_dmarc_xml_limits l = {0, 0, 0};

    if (lim != NULL)
        l = *lim;
    p->bytes_max = l.bytes_max ? l.bytes_max : TK_REPORT_DECOMPRESSED_DEFAULT;
    if (p->bytes_max > TK_REPORT_DECOMPRESSED_MAX)
        p->bytes_max = TK_REPORT_DECOMPRESSED_MAX;
    p->memory_max = l.memory_max ? l.memory_max : TK_DMARC_XML_MEMORY_DEFAULT;
    if (p->memory_max > TK_DMARC_XML_MEMORY_MAX)
        p->memory_max = TK_DMARC_XML_MEMORY_MAX;
    p->depth_max = l.depth_max ? l.depth_max : TK_DMARC_XML_DEPTH_DEFAULT;
    if (p->depth_max > TK_DMARC_XML_DEPTH_MAX)
        p->depth_max = TK_DMARC_XML_DEPTH_MAX;
}

static void handlers_set(struct tk_dmarc_xml *p)
{
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
    XML_SetEntityDeclHandler(p->xp, on_entity_decl);
    XML_SetExternalEntityRefHandler(p->xp, on_external_entity);
    XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetUnknownEncodingHandler(p->xp, on_unknown_encoding, p);
}

struct tk_dmarc_xml *tk_dmarc_xml_new(const struct tk_dmarc_xml_callbacks *cb, void *arg,
                                      const struct tk_dmarc_xml_limits *lim, struct tk_error *err)
{
    struct tk_dmarc_xml *p = calloc(1, sizeof(*p));
    struct tk_dmarc_xml *saved = mem_current;

    if (p == NULL) {
        tk_error_set(err, TK_NOMEM, "out of memory for a DMARC report parser");
        return NULL;
    }
    if (cb != NULL)
        p->cb = *cb;
    p->arg = arg;
    limits_set(p, lim);
    p->meta.policy.pct = -1;
    mem_current = p;
    p->xp = XML_ParserCreate_MM(NULL, &mem_suite, NULL);
    mem_current = saved;
    if (p->xp == NULL) {
        free(p);
        tk_error_set(err, TK_NOMEM, "out of memory for an XML parser");
        return NULL;
    }
    handlers_set(p);
    return p;
}

static enum tk_status status_out(const struct tk_dmarc_xml *p, struct tk_error *err)
{
    if (p->status == TK_OK)
        tk_error_clear(err);
    else if (err != NULL)
        *err = p->error;
    return p->status;
}

enum tk_status tk_dmarc_xml_feed(struct tk_dmarc_xml *p, const void *buf, size_t len,
                                 struct tk_error *err)
{
    struct tk_dmarc_xml *saved = mem_current;

    if (p->phase == PH_DONE)
        return tk_error_set(err, TK_USAGE, "DMARC report fed after it was finished");
    if (p->status == TK_OK && len > p->bytes_max - p->res.bytes)
        fail(p, TK_LIMIT, "the report is larger than %zu bytes", p->bytes_max);
    if (p->status != TK_OK || len == 0)
        return status_out(p, err);
    p->res.bytes += len;
    mem_current = p;
    if (p->phase == PH_SNIFF)
        sniff(p, buf, len, false);
    else if (p->phase == PH_PARSE)
        push_all(p, buf, len, false);
    mem_current = saved;
    return status_out(p, err);
}

/* finish_parse ends the parse and says when there was no report. */
static void finish_parse(struct tk_dmarc_xml *p)
{
    if (p->phase == PH_SNIFF)
        sniff(p, (const unsigned char *)"", 0, true);
    if (p->status == TK_OK && p->pushed == 0 && p->npend == 0) {
        fail(p, TK_ABSENT, "no report: the payload is %s",
             p->res.bytes ? "only white space" : "empty");
        return;
    }
    if (p->phase == PH_PARSE && p->status == TK_OK)
        push(p, (const unsigned char *)"", 0, true);
    if (p->status == TK_OK && !p->feedback_seen)
        fail(p, TK_ABSENT, "no report: the document has no <feedback> element");
}

enum tk_status tk_dmarc_xml_finish(struct tk_dmarc_xml *p, struct tk_dmarc_xml_result *out,
                                   struct tk_error *err)
{
    struct tk_dmarc_xml *saved = mem_current;

    if (p->phase == PH_DONE)
        return tk_error_set(err, TK_USAGE, "DMARC report finished twice");
    mem_current = p;
    if (p->status == TK_OK)
        finish_parse(p);
    mem_current = saved;
    if (p->res.utf8_replaced > 0)
        note(p, "%llu invalid UTF-8 sequence%s replaced by U+FFFD (the first at byte %llu)",
             (unsigned long long)p->res.utf8_replaced, p->res.utf8_replaced > 1 ? "s" : "",
             (unsigned long long)p->utf8_first_at);
    p->phase = PH_DONE;
    p->res.format = p->meta.format;
    if (out != NULL)
        *out = p->res;
    return status_out(p, err);
}

void tk_dmarc_xml_free(struct tk_dmarc_xml *p)
{
    struct tk_dmarc_xml *saved = mem_current;

    if (p == NULL)
        return;
    mem_current = p;
    XML_ParserFree(p->xp);
    mem_current = saved;
    free(p);
}

/* ---- names ---- */

const char *tk_dmarc_xml_disposition_name(enum tk_dmarc_xml_disposition d)
{
    static const char *const n[] = {"", "none", "pass", "quarantine", "reject", "other"};

    return (unsigned)d < sizeof(n) / sizeof(n[0]) ? n[d] : "?";
}

const char *tk_dmarc_xml_verdict_name(enum tk_dmarc_xml_verdict v)
{
    static const char *const n[] = {"", "pass", "fail", "other"};

    return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "?";
}

const char *tk_dmarc_xml_auth_name(enum tk_dmarc_xml_auth a)
{
    static const char *const n[] = {"",        "none",   "pass",      "fail",      "softfail",
                                    "neutral", "policy", "temperror", "permerror", "other"};

    return (unsigned)a < sizeof(n) / sizeof(n[0]) ? n[a] : "?";
}

const char *tk_dmarc_xml_scope_name(enum tk_dmarc_xml_scope s)
{
    static const char *const n[] = {"", "helo", "mfrom", "other"};

    return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *tk_dmarc_xml_discovery_name(enum tk_dmarc_xml_discovery d)
{
    static const char *const n[] = {"", "psl", "treewalk", "other"};

    return (unsigned)d < sizeof(n) / sizeof(n[0]) ? n[d] : "?";
}

/* ---- the payload sink adapter ---- */

static enum tk_status sink_begin(void *arg, enum tk_payload_kind kind,
                                 const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct tk_dmarc_xml_sink *s = arg;

    tk_dmarc_xml_free(s->parser);
    s->parser = NULL;
    memset(&s->result, 0, sizeof(s->result));
    s->origin.text[0] = '\0';
    if (origin != NULL)
        s->origin = *origin;
    if (kind != TK_PAYLOAD_DMARC_XML)
        return tk_error_set(err, TK_USAGE, "not a DMARC aggregate report payload");
    s->parser = tk_dmarc_xml_new(&s->cb, s->arg, &s->lim, err);
    return s->parser != NULL ? TK_OK : TK_NOMEM;
}

static enum tk_status sink_data(void *arg, const void *buf, size_t len, struct tk_error *err)
{
    struct tk_dmarc_xml_sink *s = arg;

    if (s->parser == NULL)
        return tk_error_set(err, TK_USAGE, "DMARC report data outside a payload");
    return tk_dmarc_xml_feed(s->parser, buf, len, err);
}

static enum tk_status sink_end(void *arg, bool complete, const char *why, struct tk_error *err)
{
    struct tk_dmarc_xml_sink *s = arg;
    struct tk_error local;
    enum tk_status st, before;

    if (err == NULL)
        err = &local;
    if (s->parser == NULL)
        return tk_error_set(err, TK_USAGE, "DMARC report ended outside a payload");
    before = s->parser->status;
    st = tk_dmarc_xml_finish(s->parser, &s->result, err);
    if (!complete && before == TK_OK)
        st = tk_error_set(err, TK_INVALID, "the report did not arrive whole: %s",
                          why != NULL ? why : "the source stopped");
    if (s->done != NULL)
        s->done(s->arg, &s->origin, st, &s->result, err);
    tk_dmarc_xml_free(s->parser);
    s->parser = NULL;
    return st;
}

void tk_dmarc_xml_sink_init(struct tk_dmarc_xml_sink *s, const struct tk_dmarc_xml_callbacks *cb,
                            tk_dmarc_xml_done_fn done, void *arg,
                            const struct tk_dmarc_xml_limits *lim, struct tk_payload_sink *out)
{
    memset(s, 0, sizeof(*s));
    if (cb != NULL)
        s->cb = *cb;
    s->done = done;
    s->arg = arg;
    if (lim != NULL)
        s->lim = *lim;
    out->begin = sink_begin;
    out->data = sink_data;
    out->end = sink_end;
    out->arg = s;
}

void tk_dmarc_xml_sink_close(struct tk_dmarc_xml_sink *s)
{
    tk_dmarc_xml_free(s->parser);
    s->parser = NULL;
}
