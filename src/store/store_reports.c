/*
 * NAME
 *	store_reports.c - keeping DMARC aggregate and TLS-RPT reports
 * DESCRIPTION
 *	store_reports.h over the back ends. A DMARC report is one
 *	transaction: begin inserts the report row (ON CONFLICT DO NOTHING:
 *	no row back means the same reporter, report id and date range were
 *	kept before, and the transaction is rolled back at once), records
 *	are gathered in a batch (store_impl.h) handed to the back end when
 *	full, and commit hands over the rest, writes the report's totals
 *	and commits. Any error on the way rolls the whole report back, so
 *	a report is kept whole or not at all, and the open report is
 *	closed: the next call may begin another.
 *
 *	The report row carries its own sums (records, messages, and the
 *	messages that passed DMARC, aligned SPF and aligned DKIM), added up
 *	here as the records stream past: the per-day summary reads report
 *	rows only, never the millions of records under them. Likewise the
 *	DKIM selectors of the policy domain (d= the domain, any case) are
 *	gathered as they pass and kept in dmarc_selectors in the report's
 *	transaction, so the inventory's look-up is a walk of a small table.
 *
 *	Kept as it came: the records, every DKIM and SPF result of each,
 *	the reasons (as JSON), the enumerated values by their fixed names.
 *	Normalised, because the queries group by them: the policy domains
 *	(DMARC's and TLS-RPT's) in ASCII lower case (DNS names compare
 *	without case), and the source address written back from its bytes
 *	(inet_ntop), so one IPv6 address has one spelling.
 *
 *	A TLS-RPT report is small (a few policies): one transaction of one
 *	statement per row, deduplicated on (organization-name, report-id).
 * SECURITY
 *	Every string comes from a report and is hostile: it is checked to be
 *	terminated within its field and well-formed UTF-8 (PostgreSQL
 *	refuses anything else, and both back ends must keep the same
 *	things) and reaches SQL only as a bound parameter. Counts are
 *	bounded before they are added: a report's messages may not pass
 *	TK_DMARC_XML_COUNT_MAX (2^53). The origin, a file name or mailbox
 *	chosen by whoever ran the command, is made printable
 *	(tk_text_sanitise) and bounded by ST_ORIGIN_MAX.
 * LIMITS
 *	ST_DMARC_BATCH_RECORDS, ST_DMARC_BATCH_AUTH and ST_DMARC_BATCH_TEXT
 *	(store_impl.h) bound the memory of an open report whatever its size;
 *	TK_STORE_DMARC_LIST_MAX the items of a source's lists.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/text.h"
#include "store/store_impl.h"
#include "store/store_reports.h"

/* An origin ("/var/mail/reports/1234.eml", "imaps://host/INBOX uid 7")
 * up to this many bytes; a longer one is refused (not cut). */
#define ST_ORIGIN_MAX 4096

/* ---- small helpers ---- */

/* ascii_lower copies src (terminated within size bytes, checked) to
 * dst of size bytes in ASCII lower case. */
static void ascii_lower(char *dst, const char *src, size_t size)
{
    size_t i = 0;

    for (; i + 1 < size && src[i] != '\0'; i++)
        dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] - 'A' + 'a') : src[i];
    dst[i] = '\0';
}

/* origin_copy makes the caller's origin printable into out. */
static enum tk_status origin_copy(const char *origin, char *out, size_t outlen,
                                  struct tk_error *err)
{
    if (origin == NULL)
        origin = "";
    if (!tk_strlcpy(out, origin, outlen))
        return tk_error_set(err, TK_USAGE, "a report's origin is longer than %zu bytes",
                            outlen - 1);
    tk_text_sanitise(out);
    return TK_OK;
}

static bool row_id(void *arg, const struct st_row *r)
{
    *(int64_t *)arg = st_col_int(r, 0);
    return false;
}

/* ---- the open DMARC report ---- */

static bool dmarc_open(const struct tk_store *s)
{
    return s->dmarc != NULL && s->dmarc->report > 0;
}

static void batch_reset(struct st_dmarc_batch *b)
{
    b->nrec = 0;
    b->nauth = 0;
    tk_buf_reset(&b->text);
}

/* batches_reset empties both batches; the one filled is the first. */
static void batches_reset(struct st_dmarc *d)
{
    batch_reset(&d->batch[0]);
    batch_reset(&d->batch[1]);
    d->cur = 0;
}

/* dmarc_abort rolls the open report back and closes it. */
static void dmarc_abort(struct tk_store *s)
{
    if (!dmarc_open(s))
        return;
    s->be->rollback(s);
    s->dmarc->report = 0;
    batches_reset(s->dmarc);
}

/* dmarc_fail closes the open report after st (err set) and returns st. */
static enum tk_status dmarc_fail(struct tk_store *s, enum tk_status st)
{
    dmarc_abort(s);
    return st;
}

void st_dmarc_close(struct tk_store *s)
{
    if (s->dmarc == NULL)
        return;
    dmarc_abort(s);
    tk_buf_free(&s->dmarc->batch[0].text);
    tk_buf_free(&s->dmarc->batch[1].text);
    free(s->dmarc);
    s->dmarc = NULL;
}

void tk_store_dmarc_rollback(struct tk_store *s)
{
    if (s != NULL)
        dmarc_abort(s);
}

static enum tk_status check_meta(const struct tk_dmarc_xml_meta *m, struct tk_error *err)
{
    const struct tk_dmarc_xml_policy *p = &m->policy;

    if (!st_text_ok(m->org_name, sizeof(m->org_name)) || !st_text_ok(m->email, sizeof(m->email)) ||
        !st_text_ok(m->report_id, sizeof(m->report_id)) ||
        !st_text_ok(p->domain, sizeof(p->domain)))
        return tk_error_set(err, TK_INVALID,
                            "a DMARC report's org_name, email, report_id or domain is not "
                            "UTF-8 text");
    if (m->report_id[0] == '\0' || p->domain[0] == '\0')
        return tk_error_set(err, TK_USAGE, "a DMARC report without a report_id or domain");
    if ((unsigned)m->format > TK_DMARC_XML_RFC9990)
        return tk_error_set(err, TK_USAGE, "a DMARC report of no known format");
    return TK_OK;
}

static const char *flag_text(char c, char *buf)
{
    buf[0] = c;
    buf[1] = '\0';
    return buf;
}

/* dmarc_insert_report inserts the report row: *id 0 when it was kept
 * before. */
static enum tk_status dmarc_insert_report(struct tk_store *s, const struct tk_dmarc_xml_meta *m,
                                          const char *origin, int64_t *id, struct tk_error *err)
{
    const struct tk_dmarc_xml_policy *pol = &m->policy;
    char domain[sizeof(pol->domain)], adkim[2], aspf[2], testing[2];
    struct st_param p[16];

    ascii_lower(domain, pol->domain, sizeof(domain));
    p[0] = st_text(m->org_name);
    p[1] = st_text(m->email);
    p[2] = st_text(m->report_id);
    p[3] = st_int(m->begin);
    p[4] = st_int(m->end);
    p[5] = st_text(domain);
    p[6] = st_text(flag_text(pol->adkim == 'r' || pol->adkim == 's' ? pol->adkim : 0, adkim));
    p[7] = st_text(flag_text(pol->aspf == 'r' || pol->aspf == 's' ? pol->aspf : 0, aspf));
    p[8] = st_text(tk_dmarc_policy_name(pol->p));
    p[9] = st_text(tk_dmarc_policy_name(pol->sp));
    p[10] = st_text(tk_dmarc_policy_name(pol->np));
    p[11] = pol->pct >= 0 && pol->pct <= 100 ? st_int(pol->pct) : st_text(NULL);
    p[12] =
        st_text(flag_text(pol->testing == 'y' || pol->testing == 'n' ? pol->testing : 0, testing));
    p[13] = st_text(m->format == TK_DMARC_XML_RFC9990 ? "rfc9990" : "rfc7489");
    p[14] = st_text(origin);
    p[15] = st_int(st_now());
    *id = 0;
    return st_run(s, ST_DMARC_REPORT_INSERT, p, 16, row_id, id, NULL, err);
}

enum tk_status tk_store_dmarc_begin(struct tk_store *s, const struct tk_dmarc_xml_meta *m,
                                    const char *origin, bool *dup, struct tk_error *err)
{
    char where[ST_ORIGIN_MAX];
    int64_t id = 0;
    enum tk_status st;

    *dup = false;
    if (dmarc_open(s))
        return tk_error_set(err, TK_USAGE, "a DMARC report is being kept already");
    if ((st = check_meta(m, err)) != TK_OK ||
        (st = origin_copy(origin, where, sizeof(where), err)) != TK_OK)
        return st;
    if (s->dmarc == NULL && (s->dmarc = calloc(1, sizeof(*s->dmarc))) == NULL)
        return tk_error_set(err, TK_NOMEM, "no memory to keep a DMARC report");
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    st = dmarc_insert_report(s, m, where, &id, err);
    if (st != TK_OK || id == 0) {
        s->be->rollback(s);
        *dup = st == TK_OK;
        return st;
    }
    s->dmarc->report = id;
    ascii_lower(s->dmarc->domain, m->policy.domain, sizeof(s->dmarc->domain));
    s->dmarc->nselectors = 0;
    s->dmarc->records = 0;
    s->dmarc->messages = 0;
    s->dmarc->dmarc_pass = 0;
    s->dmarc->spf_aligned_pass = 0;
    s->dmarc->dkim_aligned_pass = 0;
    batches_reset(s->dmarc);
    return TK_OK;
}

/* ---- records into the batch ---- */

static enum tk_status text_put(struct st_dmarc_batch *b, const char *text, size_t *off)
{
    if (text[0] == '\0') {
        *off = ST_DMARC_EMPTY;
        return TK_OK;
    }
    *off = b->text.len;
    return tk_buf_append(&b->text, text, strlen(text) + 1);
}

/* json_string appends text as a JSON string (valid UTF-8, checked). */
static enum tk_status json_string(struct tk_buf *out, const char *text)
{
    enum tk_status st = tk_buf_putc(out, '"');

    for (const char *c = text; st == TK_OK && *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            st = tk_buf_printf(out, "\\%c", *c);
        else if ((unsigned char)*c < 0x20)
            st = tk_buf_printf(out, "\\u%04x", (unsigned)(unsigned char)*c);
        else
            st = tk_buf_putc(out, *c);
    }
    return st == TK_OK ? tk_buf_putc(out, '"') : st;
}

/* reasons_put appends the record's reasons as a JSON array of {"type",
 * "comment"} ("" when there are none). */
static enum tk_status reasons_put(struct st_dmarc_batch *b, const struct tk_dmarc_xml_record *r,
                                  size_t *off)
{
    enum tk_status st = TK_OK;

    if (r->nreasons == 0) {
        *off = ST_DMARC_EMPTY;
        return TK_OK;
    }
    *off = b->text.len;
    st = tk_buf_putc(&b->text, '[');
    for (size_t i = 0; st == TK_OK && i < r->nreasons; i++) {
        if ((st = tk_buf_puts(&b->text, i > 0 ? ",{\"type\":" : "{\"type\":")) == TK_OK &&
            (st = json_string(&b->text, r->reasons[i].type)) == TK_OK &&
            (st = tk_buf_puts(&b->text, ",\"comment\":")) == TK_OK &&
            (st = json_string(&b->text, r->reasons[i].comment)) == TK_OK)
            st = tk_buf_putc(&b->text, '}');
    }
    if (st == TK_OK)
        st = tk_buf_putc(&b->text, ']');
    return st == TK_OK ? tk_buf_append(&b->text, "", 1) : st;
}

static enum tk_status check_record(const struct tk_dmarc_xml_record *r, struct tk_error *err)
{
    bool ok = st_text_ok(r->header_from, sizeof(r->header_from)) &&
              st_text_ok(r->envelope_from, sizeof(r->envelope_from)) &&
              st_text_ok(r->envelope_to, sizeof(r->envelope_to));

    if ((r->family != AF_INET && r->family != AF_INET6) || r->count > TK_DMARC_XML_COUNT_MAX ||
        r->ndkim > TK_DMARC_XML_AUTH_MAX || r->nspf > TK_DMARC_XML_AUTH_MAX ||
        r->nreasons > TK_DMARC_XML_REASONS_MAX)
        return tk_error_set(err, TK_USAGE,
                            "a DMARC record without an address, or with a count "
                            "or number of results past its limit");
    for (size_t i = 0; ok && i < r->nreasons; i++)
        ok = st_text_ok(r->reasons[i].type, sizeof(r->reasons[i].type)) &&
             st_text_ok(r->reasons[i].comment, sizeof(r->reasons[i].comment));
    for (size_t i = 0; ok && i < r->ndkim; i++)
        ok = st_text_ok(r->dkim_results[i].domain, sizeof(r->dkim_results[i].domain)) &&
             st_text_ok(r->dkim_results[i].selector, sizeof(r->dkim_results[i].selector));
    for (size_t i = 0; ok && i < r->nspf; i++)
        ok = st_text_ok(r->spf_results[i].domain, sizeof(r->spf_results[i].domain));
    if (!ok)
        return tk_error_set(err, TK_INVALID, "DMARC record %llu: a value is not UTF-8 text",
                            (unsigned long long)r->index);
    return TK_OK;
}

static enum tk_status auth_put(struct st_dmarc_batch *b, int64_t record, int64_t n,
                               const char *kind, const char *domain, const char *selector,
                               const char *scope, enum tk_dmarc_xml_auth result)
{
    struct st_dmarc_auth *a = &b->auth[b->nauth];
    enum tk_status st;

    a->record = record;
    a->n = n;
    a->kind = kind;
    a->scope = scope;
    a->result = tk_dmarc_xml_auth_name(result);
    if ((st = text_put(b, domain, &a->domain)) != TK_OK ||
        (st = text_put(b, selector, &a->selector)) != TK_OK)
        return st;
    b->nauth++;
    return TK_OK;
}

/* first_results puts the first DKIM and SPF results of r in rec. */
static enum tk_status first_results(struct st_dmarc_batch *b, struct st_dmarc_rec *rec,
                                    const struct tk_dmarc_xml_record *r)
{
    const struct tk_dmarc_xml_dkim *d = r->ndkim > 0 ? &r->dkim_results[0] : NULL;
    const struct tk_dmarc_xml_spf *f = r->nspf > 0 ? &r->spf_results[0] : NULL;
    enum tk_status st;

    rec->dkim_results = (int64_t)r->ndkim;
    rec->spf_results = (int64_t)r->nspf;
    rec->dkim_result = d != NULL ? tk_dmarc_xml_auth_name(d->result) : "";
    rec->spf_scope = f != NULL ? tk_dmarc_xml_scope_name(f->scope) : "";
    rec->spf_result = f != NULL ? tk_dmarc_xml_auth_name(f->result) : "";
    if ((st = text_put(b, d != NULL ? d->domain : "", &rec->dkim_domain)) != TK_OK ||
        (st = text_put(b, d != NULL ? d->selector : "", &rec->dkim_selector)) != TK_OK)
        return st;
    return text_put(b, f != NULL ? f->domain : "", &rec->spf_domain);
}

/* more_results puts the results of r past the first of their kind in
 * the batch's auth rows, numbered as store_impl.h says. */
static enum tk_status more_results(struct st_dmarc_batch *b, int64_t n,
                                   const struct tk_dmarc_xml_record *r)
{
    enum tk_status st = TK_OK;

    for (size_t i = 1; st == TK_OK && i < r->ndkim; i++) {
        const struct tk_dmarc_xml_dkim *d = &r->dkim_results[i];

        st = auth_put(b, n, (int64_t)i + 1, "dkim", d->domain, d->selector, "", d->result);
    }
    for (size_t i = 1; st == TK_OK && i < r->nspf; i++) {
        const struct tk_dmarc_xml_spf *f = &r->spf_results[i];

        st = auth_put(b, n, (int64_t)(r->ndkim + i) + 1, "spf", f->domain, "",
                      tk_dmarc_xml_scope_name(f->scope), f->result);
    }
    return st;
}

/* ip_text writes the address of r as inet_ntop would (one spelling per
 * address); IPv4, nearly every source, without its sprintf. */
static bool ip_text(const struct tk_dmarc_xml_record *r, char *out, size_t outlen)
{
    char *o = out;

    if (r->family != AF_INET)
        return inet_ntop(r->family, r->addr, out, (socklen_t)outlen) != NULL;
    for (int i = 0; i < 4; i++) {
        unsigned v = r->addr[i];

        if (v >= 100)
            *o++ = (char)('0' + v / 100);
        if (v >= 10)
            *o++ = (char)('0' + v / 10 % 10);
        *o++ = (char)('0' + v % 10);
        *o++ = i < 3 ? '.' : '\0';
    }
    return true;
}

/* batch_add puts record r as number n into the batch (which has room:
 * a record and 2 * TK_DMARC_XML_AUTH_MAX results). */
static enum tk_status batch_add(struct st_dmarc_batch *b, int64_t n,
                                const struct tk_dmarc_xml_record *r)
{
    struct st_dmarc_rec *rec = &b->rec[b->nrec];
    char ip[INET6_ADDRSTRLEN];
    enum tk_status st;

    if (!ip_text(r, ip, sizeof(ip)))
        return TK_USAGE;
    rec->n = n;
    rec->count = (int64_t)r->count;
    rec->disposition = tk_dmarc_xml_disposition_name(r->disposition);
    rec->dkim = tk_dmarc_xml_verdict_name(r->dkim);
    rec->spf = tk_dmarc_xml_verdict_name(r->spf);
    if ((st = text_put(b, ip, &rec->source_ip)) != TK_OK ||
        (st = text_put(b, r->header_from, &rec->header_from)) != TK_OK ||
        (st = text_put(b, r->envelope_from, &rec->envelope_from)) != TK_OK ||
        (st = text_put(b, r->envelope_to, &rec->envelope_to)) != TK_OK ||
        (st = reasons_put(b, r, &rec->reasons)) != TK_OK ||
        (st = first_results(b, rec, r)) != TK_OK || (st = more_results(b, n, r)) != TK_OK)
        return st;
    b->nrec++;
    return TK_OK;
}

static bool batch_full(const struct st_dmarc_batch *b)
{
    return b->nrec >= ST_DMARC_BATCH_RECORDS ||
           b->nauth + 2 * TK_DMARC_XML_AUTH_MAX > ST_DMARC_BATCH_AUTH ||
           b->text.len >= ST_DMARC_BATCH_TEXT;
}

/* batch_flush hands the batch being filled to the back end (last: the
 * report's last, possibly empty, after which all of it is written) and
 * goes on with the other one: the back end may still be reading the
 * one handed over until its next call returns (store_impl.h). */
static enum tk_status batch_flush(struct tk_store *s, bool last, struct tk_error *err)
{
    struct st_dmarc *d = s->dmarc;
    enum tk_status st;

    if (d->batch[d->cur].nrec == 0 && !last)
        return TK_OK;
    st = s->be->dmarc_put(s, d->report, &d->batch[d->cur], last, err);
    d->cur ^= 1;
    batch_reset(&d->batch[d->cur]);
    return st;
}

/* ---- DKIM selectors of the policy domain ---- */

static int selector_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* selectors_put writes the selectors gathered (in order: concurrent
 * reports of one domain then take their rows' locks in one order) and
 * forgets them. */
static enum tk_status selectors_put(struct tk_store *s, struct tk_error *err)
{
    struct st_dmarc *d = s->dmarc;
    enum tk_status st = TK_OK;

    qsort(d->selectors, d->nselectors, sizeof(d->selectors[0]), selector_cmp);
    for (size_t i = 0; st == TK_OK && i < d->nselectors; i++) {
        struct st_param p[3] = {st_text(d->domain), st_text(d->selectors[i]), st_int(d->report)};

        st = st_exec(s, ST_DKIM_SELECTOR_PUT, p, 3, NULL, err);
    }
    d->nselectors = 0;
    return st;
}

/* same_name: a (any case) is b (ASCII lower case), as DNS names are
 * compared (ASCII only, as SQL's lower() is in both back ends). */
static bool same_name(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char c = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;

        if (c != *b)
            return false;
    }
    return *a == *b;
}

/* selectors_gather notes the selectors of r's DKIM results whose d= is
 * the report's policy domain, once each. */
static enum tk_status selectors_gather(struct tk_store *s, const struct tk_dmarc_xml_record *r,
                                       struct tk_error *err)
{
    struct st_dmarc *d = s->dmarc;
    enum tk_status st;

    for (size_t i = 0; i < r->ndkim; i++) {
        const struct tk_dmarc_xml_dkim *k = &r->dkim_results[i];
        char sel[sizeof(d->selectors[0])];
        size_t j = 0;

        if (k->selector[0] == '\0' || !same_name(k->domain, d->domain))
            continue;
        ascii_lower(sel, k->selector, sizeof(sel));
        while (j < d->nselectors && strcmp(d->selectors[j], sel) != 0)
            j++;
        if (j < d->nselectors)
            continue;
        if (d->nselectors == ST_DMARC_SELECTORS && (st = selectors_put(s, err)) != TK_OK)
            return st;
        memcpy(d->selectors[d->nselectors++], sel, sizeof(sel));
    }
    return TK_OK;
}

enum tk_status tk_store_dmarc_record(struct tk_store *s, const struct tk_dmarc_xml_record *r,
                                     struct tk_error *err)
{
    struct st_dmarc *d = s->dmarc;
    enum tk_status st;
    int64_t count;

    if (!dmarc_open(s))
        return tk_error_set(err, TK_USAGE, "no DMARC report is being kept");
    if ((st = check_record(r, err)) != TK_OK)
        return dmarc_fail(s, st);
    count = (int64_t)r->count;
    if (d->messages > (int64_t)TK_DMARC_XML_COUNT_MAX - count)
        return dmarc_fail(
            s, tk_error_set(err, TK_INVALID, "a DMARC report of more than 2^53 messages"));
    /* A record's number is an INTEGER (PostgreSQL: 32 bits); the
     * parser's byte limit keeps reports far below. */
    if (d->records >= INT32_MAX)
        return dmarc_fail(
            s, tk_error_set(err, TK_LIMIT, "a DMARC report of more than %d records", INT32_MAX));
    st = batch_add(&d->batch[d->cur], d->records + 1, r);
    if (st != TK_OK)
        return dmarc_fail(s, tk_error_set(err, st, "no memory for DMARC record %llu",
                                          (unsigned long long)r->index));
    d->records++;
    d->messages += count;
    if (r->dkim == TK_DMARC_XML_VERDICT_PASS || r->spf == TK_DMARC_XML_VERDICT_PASS)
        d->dmarc_pass += count;
    if (r->spf == TK_DMARC_XML_VERDICT_PASS)
        d->spf_aligned_pass += count;
    if (r->dkim == TK_DMARC_XML_VERDICT_PASS)
        d->dkim_aligned_pass += count;
    if ((st = selectors_gather(s, r, err)) != TK_OK)
        return dmarc_fail(s, st);
    if (batch_full(&d->batch[d->cur]) && (st = batch_flush(s, false, err)) != TK_OK)
        return dmarc_fail(s, st);
    return TK_OK;
}

enum tk_status tk_store_dmarc_commit(struct tk_store *s, uint64_t records, uint64_t messages,
                                     struct tk_error *err)
{
    struct st_dmarc *d = s->dmarc;
    struct st_param p[6];
    enum tk_status st;

    if (!dmarc_open(s))
        return tk_error_set(err, TK_USAGE, "no DMARC report is being kept");
    if (records != (uint64_t)d->records || messages != (uint64_t)d->messages)
        return dmarc_fail(s, tk_error_set(err, TK_USAGE,
                                          "a DMARC report of %llu records and %llu messages "
                                          "was given %lld and %lld: not kept",
                                          (unsigned long long)records, (unsigned long long)messages,
                                          (long long)d->records, (long long)d->messages));
    if ((st = batch_flush(s, true, err)) != TK_OK || (st = selectors_put(s, err)) != TK_OK)
        return dmarc_fail(s, st);
    p[0] = st_int(d->report);
    p[1] = st_int(d->records);
    p[2] = st_int(d->messages);
    p[3] = st_int(d->dmarc_pass);
    p[4] = st_int(d->spf_aligned_pass);
    p[5] = st_int(d->dkim_aligned_pass);
    if ((st = st_exec(s, ST_DMARC_REPORT_TOTALS, p, 6, NULL, err)) != TK_OK)
        return dmarc_fail(s, st);
    /* A failed commit is rolled back by the back end. */
    st = s->be->commit(s, err);
    d->report = 0;
    batches_reset(d);
    return st;
}

/* ---- TLS-RPT ---- */

static bool text_or_null_ok(const char *s)
{
    return s == NULL || st_text_ok(s, TK_TLSRPT_TEXT_MAX + 1);
}

static enum tk_status check_tlsrpt_policy(const struct tk_tlsrpt_policy *p, struct tk_error *err)
{
    bool ok =
        p->policy_type != NULL && p->policy_domain != NULL && text_or_null_ok(p->policy_type) &&
        text_or_null_ok(p->policy_domain) && p->npolicy_string <= TK_TLSRPT_POLICY_STRINGS_MAX &&
        p->nmx_host <= TK_TLSRPT_POLICY_STRINGS_MAX && p->nfailures <= TK_TLSRPT_FAILURES_MAX &&
        p->total_successful_session_count <= INT64_MAX &&
        p->total_failure_session_count <= INT64_MAX;

    for (size_t i = 0; ok && i < p->npolicy_string; i++)
        ok = p->policy_string[i] != NULL && text_or_null_ok(p->policy_string[i]);
    for (size_t i = 0; ok && i < p->nmx_host; i++)
        ok = p->mx_host[i] != NULL && text_or_null_ok(p->mx_host[i]);
    for (size_t i = 0; ok && i < p->nfailures; i++) {
        const struct tk_tlsrpt_failure *f = &p->failures[i];

        ok = f->result_type != NULL && text_or_null_ok(f->result_type) &&
             text_or_null_ok(f->sending_mta_ip) && text_or_null_ok(f->receiving_mx_hostname) &&
             text_or_null_ok(f->receiving_mx_helo) && text_or_null_ok(f->receiving_ip) &&
             text_or_null_ok(f->additional_information) &&
             text_or_null_ok(f->failure_reason_code) && f->failed_session_count <= INT64_MAX;
    }
    if (!ok)
        return tk_error_set(err, TK_INVALID,
                            "a TLS report's policy holds a value that is missing, too long, "
                            "not UTF-8 text, or past its limit");
    return TK_OK;
}

static enum tk_status check_tlsrpt(const struct tk_tlsrpt_report *r, struct tk_error *err)
{
    size_t failures = 0;
    enum tk_status st;

    if (r->organization_name == NULL || r->report_id == NULL || r->report_id[0] == '\0' ||
        !text_or_null_ok(r->organization_name) || !text_or_null_ok(r->report_id) ||
        !text_or_null_ok(r->contact_info))
        return tk_error_set(err, TK_INVALID,
                            "a TLS report's organization-name, report-id or contact-info is "
                            "missing, too long or not UTF-8 text");
    if (r->npolicies > TK_TLSRPT_POLICIES_MAX || (r->npolicies > 0 && r->policies == NULL))
        return tk_error_set(err, TK_USAGE, "a TLS report of %zu policies (at most %d)",
                            r->npolicies, TK_TLSRPT_POLICIES_MAX);
    for (size_t i = 0; i < r->npolicies; i++) {
        if ((st = check_tlsrpt_policy(&r->policies[i], err)) != TK_OK)
            return st;
        failures += r->policies[i].nfailures;
    }
    if (failures > TK_TLSRPT_FAILURES_MAX)
        return tk_error_set(err, TK_USAGE, "a TLS report of %zu failure details (at most %d)",
                            failures, TK_TLSRPT_FAILURES_MAX);
    return TK_OK;
}

/* join appends the n strings of v to out, separated by sep. */
static enum tk_status join(struct tk_buf *out, char *const *v, size_t n, const char *sep)
{
    enum tk_status st = TK_OK;

    tk_buf_reset(out);
    for (size_t i = 0; st == TK_OK && i < n; i++)
        if ((st = tk_buf_puts(out, i > 0 ? sep : "")) == TK_OK)
            st = tk_buf_puts(out, v[i]);
    return st;
}

static enum tk_status tlsrpt_put_failures(struct tk_store *s, int64_t id, int64_t policy,
                                          const struct tk_tlsrpt_policy *pol, struct tk_error *err)
{
    enum tk_status st = TK_OK;

    for (size_t i = 0; st == TK_OK && i < pol->nfailures; i++) {
        const struct tk_tlsrpt_failure *f = &pol->failures[i];
        struct st_param p[11] = {
            st_int(id),
            st_int(policy),
            st_int((int64_t)i + 1),
            st_text(f->result_type),
            st_text(f->sending_mta_ip != NULL ? f->sending_mta_ip : ""),
            st_text(f->receiving_mx_hostname != NULL ? f->receiving_mx_hostname : ""),
            st_text(f->receiving_mx_helo != NULL ? f->receiving_mx_helo : ""),
            st_text(f->receiving_ip != NULL ? f->receiving_ip : ""),
            st_int((int64_t)f->failed_session_count),
            st_text(f->additional_information != NULL ? f->additional_information : ""),
            st_text(f->failure_reason_code != NULL ? f->failure_reason_code : ""),
        };

        st = st_exec(s, ST_TLSRPT_FAILURE_INSERT, p, 11, NULL, err);
    }
    return st;
}

static enum tk_status tlsrpt_put_policy(struct tk_store *s, int64_t id, int64_t n,
                                        const struct tk_tlsrpt_policy *pol, struct tk_buf *strings,
                                        struct tk_buf *mx, struct tk_error *err)
{
    char domain[TK_TLSRPT_TEXT_MAX + 1];
    struct st_param p[9];
    enum tk_status st;

    if ((st = join(strings, pol->policy_string, pol->npolicy_string, "\n")) != TK_OK ||
        (st = join(mx, pol->mx_host, pol->nmx_host, " ")) != TK_OK)
        return tk_error_set(err, st, "no memory for a TLS report's policy");
    ascii_lower(domain, pol->policy_domain, sizeof(domain));
    p[0] = st_int(id);
    p[1] = st_int(n);
    p[2] = st_text(pol->policy_type);
    p[3] = st_text(domain);
    p[4] = st_text(tk_buf_cstr(strings));
    p[5] = st_text(tk_buf_cstr(mx));
    p[6] = st_int((int64_t)pol->total_successful_session_count);
    p[7] = st_int((int64_t)pol->total_failure_session_count);
    p[8] = st_int(pol->has_summary ? 1 : 0);
    if ((st = st_exec(s, ST_TLSRPT_POLICY_INSERT, p, 9, NULL, err)) != TK_OK)
        return st;
    return tlsrpt_put_failures(s, id, n, pol, err);
}

static enum tk_status tlsrpt_put_tx(struct tk_store *s, const struct tk_tlsrpt_report *r,
                                    const char *origin, bool *dup, struct tk_error *err)
{
    struct tk_buf strings = {0}, mx = {0};
    struct st_param p[9];
    size_t failures = 0;
    int64_t id = 0;
    enum tk_status st;

    for (size_t i = 0; i < r->npolicies; i++)
        failures += r->policies[i].nfailures;
    p[0] = st_text(r->organization_name);
    p[1] = st_text(r->contact_info != NULL ? r->contact_info : "");
    p[2] = st_text(r->report_id);
    p[3] = st_int(r->start);
    p[4] = st_int(r->end);
    p[5] = st_text(origin);
    p[6] = st_int(st_now());
    p[7] = st_int((int64_t)r->npolicies);
    p[8] = st_int((int64_t)failures);
    if ((st = st_run(s, ST_TLSRPT_REPORT_INSERT, p, 9, row_id, &id, NULL, err)) != TK_OK)
        return st;
    *dup = id == 0;
    for (size_t i = 0; st == TK_OK && id > 0 && i < r->npolicies; i++)
        st = tlsrpt_put_policy(s, id, (int64_t)i + 1, &r->policies[i], &strings, &mx, err);
    tk_buf_free(&strings);
    tk_buf_free(&mx);
    return st;
}

enum tk_status tk_store_tlsrpt_put(struct tk_store *s, const struct tk_tlsrpt_report *r,
                                   const char *origin, bool *dup, struct tk_error *err)
{
    char where[ST_ORIGIN_MAX];
    enum tk_status st;

    *dup = false;
    if (dmarc_open(s))
        return tk_error_set(err, TK_USAGE, "a DMARC report is being kept: finish it first");
    if ((st = check_tlsrpt(r, err)) != TK_OK ||
        (st = origin_copy(origin, where, sizeof(where), err)) != TK_OK)
        return st;
    if ((st = s->be->begin(s, err)) != TK_OK)
        return st;
    st = tlsrpt_put_tx(s, r, where, dup, err);
    if (st != TK_OK || *dup) {
        s->be->rollback(s);
        return st;
    }
    return s->be->commit(s, err);
}

/* ---- reading ---- */

/* query_domain lower-cases the caller's domain (NULL: every domain) and
 * maps since 0 to "unbounded". */
static void query_params(struct st_param p[2], const char *domain, char *lower, size_t size,
                         int64_t since)
{
    if (domain != NULL) {
        ascii_lower(lower, domain, size);
        p[0] = st_text(lower);
    } else {
        p[0] = st_text(NULL);
    }
    p[1] = st_int(since != 0 ? since : INT64_MIN);
}

struct days_walk {
    void (*each)(void *arg, const struct tk_dmarc_day *d);
    void *arg;
};

static uint64_t col_count(const struct st_row *r, int col)
{
    int64_t v = st_col_int(r, col);

    return v > 0 ? (uint64_t)v : 0;
}

static bool row_day(void *arg, const struct st_row *r)
{
    struct days_walk *w = arg;
    struct tk_dmarc_day d = {
        .domain = st_col_text(r, 0),
        .day = st_col_text(r, 1),
        .messages = col_count(r, 2),
        .dmarc_pass = col_count(r, 3),
        .spf_aligned_pass = col_count(r, 4),
        .dkim_aligned_pass = col_count(r, 5),
        .reports = col_count(r, 6),
    };

    w->each(w->arg, &d);
    return true;
}

static enum tk_status check_domain_arg(const char *domain, struct tk_error *err)
{
    if (domain != NULL && strnlen(domain, TK_DOMAIN_MAX + 1) > TK_DOMAIN_MAX)
        return tk_error_set(err, TK_USAGE, "a domain name is at most %d bytes", TK_DOMAIN_MAX);
    return TK_OK;
}

enum tk_status tk_store_dmarc_days(struct tk_store *s, const char *domain, int64_t since,
                                   void (*each)(void *arg, const struct tk_dmarc_day *d), void *arg,
                                   struct tk_error *err)
{
    struct days_walk w = {.each = each, .arg = arg};
    char lower[TK_DOMAIN_MAX + 1];
    struct st_param p[2];
    enum tk_status st = check_domain_arg(domain, err);

    if (st != TK_OK)
        return st;
    query_params(p, domain, lower, sizeof(lower), since);
    return st_run(s, ST_DMARC_DAYS, p, 2, row_day, &w, NULL, err);
}

struct sources_walk {
    void (*each)(void *arg, const struct tk_dmarc_source *src);
    void *arg;
};

static bool row_source(void *arg, const struct st_row *r)
{
    struct sources_walk *w = arg;
    struct tk_dmarc_source src;

    memset(&src, 0, sizeof(src));
    src.domain = st_col_text(r, 0);
    /* Written by inet_ntop: it fits. */
    tk_strlcpy(src.tally.ip, st_col_text(r, 1), sizeof(src.tally.ip));
    src.tally.messages = (unsigned long)col_count(r, 2);
    src.tally.dmarc_pass = (unsigned long)col_count(r, 3);
    src.tally.spf_aligned_pass = (unsigned long)col_count(r, 4);
    src.tally.dkim_aligned_pass = (unsigned long)col_count(r, 5);
    src.tally.spf_pass = (unsigned long)col_count(r, 6);
    src.dkim_domains = st_col_text(r, 7);
    src.envelope_domains = st_col_text(r, 8);
    w->each(w->arg, &src);
    return true;
}

enum tk_status tk_store_dmarc_sources(struct tk_store *s, const char *domain, int64_t since,
                                      void (*each)(void *arg, const struct tk_dmarc_source *src),
                                      void *arg, struct tk_error *err)
{
    struct sources_walk w = {.each = each, .arg = arg};
    char lower[TK_DOMAIN_MAX + 1];
    struct st_param p[2];
    enum tk_status st = check_domain_arg(domain, err);

    if (st != TK_OK)
        return st;
    query_params(p, domain, lower, sizeof(lower), since);
    return st_run(s, ST_DMARC_SOURCES, p, 2, row_source, &w, NULL, err);
}

struct failures_walk {
    void (*each)(void *arg, const struct tk_tlsrpt_failure_row *f);
    void *arg;
};

static bool row_failure(void *arg, const struct st_row *r)
{
    struct failures_walk *w = arg;
    struct tk_tlsrpt_failure_row f = {
        .domain = st_col_text(r, 0),
        .org = st_col_text(r, 1),
        .result_type = st_col_text(r, 2),
        .mx = st_col_text(r, 3),
        .day = st_col_text(r, 4),
        .sessions = col_count(r, 5),
    };

    w->each(w->arg, &f);
    return true;
}

enum tk_status tk_store_tlsrpt_failures(struct tk_store *s, const char *domain, int64_t since,
                                        void (*each)(void *arg,
                                                     const struct tk_tlsrpt_failure_row *f),
                                        void *arg, struct tk_error *err)
{
    struct failures_walk w = {.each = each, .arg = arg};
    char lower[TK_TLSRPT_TEXT_MAX + 1];
    struct st_param p[2];

    if (domain != NULL && strnlen(domain, sizeof(lower)) >= sizeof(lower))
        return tk_error_set(err, TK_USAGE, "a policy domain is at most %d bytes",
                            TK_TLSRPT_TEXT_MAX);
    query_params(p, domain, lower, sizeof(lower), since);
    return st_run(s, ST_TLSRPT_FAILURES, p, 2, row_failure, &w, NULL, err);
}

struct selectors_walk {
    void (*each)(void *arg, const char *domain, const char *selector);
    void *arg;
};

static bool row_selector(void *arg, const struct st_row *r)
{
    struct selectors_walk *w = arg;

    w->each(w->arg, st_col_text(r, 0), st_col_text(r, 1));
    return true;
}

enum tk_status tk_store_dkim_selectors_seen(struct tk_store *s,
                                            void (*each)(void *arg, const char *domain,
                                                         const char *selector),
                                            void *arg, struct tk_error *err)
{
    struct selectors_walk w = {.each = each, .arg = arg};

    return st_run(s, ST_DKIM_SELECTORS, NULL, 0, row_selector, &w, NULL, err);
}

static bool row_counts(void *arg, const struct st_row *r)
{
    struct tk_report_counts *c = arg;

    c->dmarc_reports = col_count(r, 0);
    c->dmarc_records = col_count(r, 1);
    c->dmarc_messages = col_count(r, 2);
    c->tlsrpt_reports = col_count(r, 3);
    return false;
}

enum tk_status tk_store_report_counts(struct tk_store *s, struct tk_report_counts *out,
                                      struct tk_error *err)
{
    memset(out, 0, sizeof(*out));
    return st_run(s, ST_REPORT_COUNTS, NULL, 0, row_counts, out, NULL, err);
}
