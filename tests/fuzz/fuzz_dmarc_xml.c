/*
 * NAME
 *	fuzz_dmarc_xml.c - libFuzzer harness for the streaming DMARC report parser
 * DESCRIPTION
 *	The first two bytes seed the feed sizes (1 to 256 bytes, as a
 *	decompressor or a MIME decoder would hand them over); the rest is
 *	the report. Checks the contract on everything that comes back: a
 *	known status, an error message whenever the report is refused,
 *	metadata at most once and before any record, its required fields
 *	set, every record's source_ip an address of the family given and
 *	its count at most 2^53, bounded lists, NUL-terminated fields, the
 *	result agreeing with the callbacks, printable notes and errors. A
 *	broken contract aborts, which the fuzzer reports as a crash.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "reports/dmarc_xml.h"

struct seen {
    int nmeta;
    uint64_t records, messages, last_index;
};

#define TERMINATED(f) check(memchr((f), '\0', sizeof(f)) != NULL)

static enum tk_status on_meta(void *arg, const struct tk_dmarc_xml_meta *m, struct tk_error *err)
{
    struct seen *s = arg;
    size_t i;

    check(s->nmeta++ == 0 && s->records == 0);
    check(m->report_id[0] != '\0' && m->policy.domain[0] != '\0');
    check(m->begin >= 0 && m->end >= 0 && m->end <= TK_DMARC_XML_TIME_MAX);
    check(m->policy.pct >= -1 && m->policy.pct <= 100);
    check(m->nerrors <= TK_DMARC_XML_ERRORS_MAX);
    TERMINATED(m->version);
    TERMINATED(m->org_name);
    TERMINATED(m->email);
    TERMINATED(m->extra_contact_info);
    TERMINATED(m->report_id);
    TERMINATED(m->generator);
    TERMINATED(m->policy.domain);
    TERMINATED(m->policy.fo);
    for (i = 0; i < m->nerrors; i++)
        TERMINATED(m->errors[i]);
    return TK_OK;
}

static void check_auth(const struct tk_dmarc_xml_record *r)
{
    size_t i;

    check(r->ndkim <= TK_DMARC_XML_AUTH_MAX && r->nspf <= TK_DMARC_XML_AUTH_MAX);
    check(r->nreasons <= TK_DMARC_XML_REASONS_MAX);
    for (i = 0; i < r->ndkim; i++) {
        TERMINATED(r->dkim_results[i].domain);
        TERMINATED(r->dkim_results[i].selector);
        TERMINATED(r->dkim_results[i].result_text);
        TERMINATED(r->dkim_results[i].human_result);
        check(r->dkim_results[i].result <= TK_DMARC_XML_AUTH_OTHER);
    }
    for (i = 0; i < r->nspf; i++) {
        TERMINATED(r->spf_results[i].domain);
        TERMINATED(r->spf_results[i].result_text);
        check(r->spf_results[i].scope <= TK_DMARC_XML_SCOPE_OTHER);
    }
    for (i = 0; i < r->nreasons; i++) {
        TERMINATED(r->reasons[i].type);
        TERMINATED(r->reasons[i].comment);
    }
}

static enum tk_status on_record(void *arg, const struct tk_dmarc_xml_record *r,
                                struct tk_error *err)
{
    struct seen *s = arg;
    unsigned char addr[16];

    check(s->nmeta == 1);
    check(r->index > s->last_index);
    s->last_index = r->index;
    TERMINATED(r->source_ip);
    check(r->family == AF_INET || r->family == AF_INET6);
    check(inet_pton(r->family, r->source_ip, addr) == 1);
    check(memcmp(addr, r->addr, r->family == AF_INET ? 4 : 16) == 0);
    check(r->count <= TK_DMARC_XML_COUNT_MAX);
    check(r->disposition <= TK_DMARC_XML_DISP_OTHER);
    TERMINATED(r->header_from);
    TERMINATED(r->envelope_from);
    TERMINATED(r->envelope_to);
    check_auth(r);
    s->records++;
    s->messages += r->count;
    return TK_OK;
}

static void check_result(enum tk_status st, const struct tk_error *err,
                         const struct tk_dmarc_xml_result *res, const struct seen *s)
{
    size_t i;

    check(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT);
    check_err(st, err);
    check(res->records_delivered == s->records && res->messages == s->messages);
    check(res->records_delivered + res->records_skipped <= res->records);
    check(res->meta_delivered == (s->nmeta == 1));
    check(st != TK_OK || (res->complete && s->nmeta == 1));
    check(res->nnotes <= TK_DMARC_XML_NOTES_MAX);
    for (i = 0; i < res->nnotes; i++)
        check(printable(res->notes[i], TK_DMARC_XML_NOTE_MAX));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct tk_dmarc_xml_callbacks cb = {on_meta, on_record};
    struct tk_dmarc_xml_result *res = malloc(sizeof(*res));
    struct seen s = {0, 0, 0, 0};
    unsigned seed = size >= 2 ? (unsigned)data[0] << 8 | data[1] : 1;
    struct tk_dmarc_xml *p;
    struct tk_error err;
    enum tk_status st = TK_OK;
    size_t off = size >= 2 ? 2 : size, n;

    if (res == NULL || (p = tk_dmarc_xml_new(&cb, &s, NULL, &err)) == NULL) {
        free(res);
        return 0;
    }
    while (off < size && st == TK_OK) {
        seed = seed * 1103515245u + 12345u;
        n = 1 + (seed >> 16) % 256;
        n = n < size - off ? n : size - off;
        st = tk_dmarc_xml_feed(p, data + off, n, &err);
        check(st == TK_OK || err.msg[0] != '\0');
        off += n;
    }
    st = tk_dmarc_xml_finish(p, res, &err);
    check_result(st, &err, res, &s);
    check(tk_dmarc_xml_feed(p, "x", 1, &err) == TK_USAGE);
    tk_dmarc_xml_free(p);
    free(res);
    return 0;
}
