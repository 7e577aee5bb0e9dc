/*
 * NAME
 *	test_dmarc_xml.c - unit tests of the streaming DMARC aggregate report parser
 * DESCRIPTION
 *	The real-world samples of ../shared/testdata/reports/parsedmarc-samples
 *	(every plain .xml under aggregate/, aggregate_invalid/ and
 *	extract_report/, and empty.xml): per report the record count, the
 *	message total, org_name, report_id, policy domain and date range.
 *	The expected values were read from each file with Python's
 *	xml.etree (after undoing the two breakages a reporter made: the
 *	ikea.com sample's unclosed <xs:schema> wrapper and the stray
 *	windows-1252 byte of invalid_utf_8.xml), never from this parser.
 *	Each sample is parsed whole and in 1-, 7- and 4093-byte feeds, and
 *	every way gives the same records.
 *
 *	Then built reports: RFC 9990 fields, namespace prefixes, encodings
 *	(windows-1252 and its labels, UTF-16, invalid UTF-8 split across
 *	feeds), what real reporters get wrong (case, white space, empty
 *	and unknown elements, a byte order mark, bytes after the root),
 *	records skipped and why, both sides of each limit (depth, text,
 *	results per record, count, bytes, expat's memory), hostile input
 *	(DOCTYPE, entity bomb, external entity, deep nesting), the order
 *	rule, callbacks that stop the parse, the payload sink adapter, and
 *	a deterministic run of mutated reports in random feeds.
 */
#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "reports/dmarc_xml.h"

/* ---- a parse, and what the callbacks saw ---- */

struct got {
    enum tk_status st;
    struct tk_error err;
    struct tk_dmarc_xml_result res;
    int nmeta;
    bool meta_late; /* metadata() after a record() */
    struct tk_dmarc_xml_meta meta;
    uint64_t records, messages, ndkim, nspf;
    uint64_t digest; /* FNV-1a over every record's fields */
    struct tk_dmarc_xml_record first, last;
    uint64_t stop_after; /* record() returns TK_IO after this many (0: never) */
};

static void digest_add(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++)
        *h = (*h ^ s[i]) * UINT64_C(1099511628211);
}

static void digest_str(uint64_t *h, const char *s)
{
    digest_add(h, s, strlen(s) + 1);
}

static void digest_record(uint64_t *h, const struct tk_dmarc_xml_record *r)
{
    size_t i;
    int e[4] = {(int)r->disposition, (int)r->dkim, (int)r->spf, r->family};

    digest_add(h, &r->index, sizeof(r->index));
    digest_add(h, &r->count, sizeof(r->count));
    digest_add(h, e, sizeof(e));
    digest_str(h, r->source_ip);
    digest_str(h, r->header_from);
    digest_str(h, r->envelope_from);
    digest_str(h, r->envelope_to);
    for (i = 0; i < r->ndkim; i++) {
        digest_str(h, r->dkim_results[i].domain);
        digest_str(h, r->dkim_results[i].selector);
        digest_str(h, r->dkim_results[i].result_text);
        digest_str(h, r->dkim_results[i].human_result);
    }
    for (i = 0; i < r->nspf; i++) {
        digest_str(h, r->spf_results[i].domain);
        digest_str(h, r->spf_results[i].result_text);
        digest_add(h, &r->spf_results[i].scope, sizeof(r->spf_results[i].scope));
    }
    for (i = 0; i < r->nreasons; i++) {
        digest_str(h, r->reasons[i].type);
        digest_str(h, r->reasons[i].comment);
    }
}

static enum tk_status on_meta(void *arg, const struct tk_dmarc_xml_meta *m, struct tk_error *err)
{
    struct got *g = arg;

    g->nmeta++;
    g->meta_late = g->meta_late || g->records > 0;
    g->meta = *m;
    return TK_OK;
}

static enum tk_status on_record(void *arg, const struct tk_dmarc_xml_record *r,
                                struct tk_error *err)
{
    struct got *g = arg;

    if (g->nmeta != 1)
        g->meta_late = true;
    if (g->records == 0)
        g->first = *r;
    g->last = *r;
    g->records++;
    g->messages += r->count;
    g->ndkim += r->ndkim;
    g->nspf += r->nspf;
    digest_record(&g->digest, r);
    if (g->stop_after != 0 && g->records == g->stop_after)
        return tk_error_set(err, TK_IO, "the store is full");
    return TK_OK;
}

static const struct tk_dmarc_xml_callbacks callbacks = {on_meta, on_record};

/* check_result: what the parser says agrees with what the callbacks saw. */
static void check_result(const struct got *g)
{
    size_t i;

    assert_true(g->nmeta <= 1);
    assert_false(g->meta_late);
    assert_int_equal(g->res.records_delivered, g->records);
    assert_int_equal(g->res.messages, g->messages);
    assert_true(g->res.records_delivered + g->res.records_skipped <= g->res.records);
    assert_int_equal(g->res.meta_delivered, g->nmeta == 1);
    assert_true(testutil_printable(g->err.msg));
    assert_true(g->st == TK_OK || g->err.msg[0] != '\0');
    assert_true(g->res.nnotes <= TK_DMARC_XML_NOTES_MAX);
    for (i = 0; i < g->res.nnotes; i++)
        assert_true(testutil_printable(g->res.notes[i]));
    if (g->st == TK_OK)
        assert_true(g->nmeta == 1 && g->res.complete);
}

/* parse feeds len bytes in chunks of chunk (0: all at once); the caller
 * frees the result. */
static struct got *parse_lim(const void *data, size_t len, size_t chunk,
                             const struct tk_dmarc_xml_limits *lim, uint64_t stop_after)
{
    struct got *g = calloc(1, sizeof(*g));
    const char *s = data;
    struct tk_dmarc_xml *p;
    size_t off = 0, n;

    assert_non_null(g);
    g->digest = UINT64_C(14695981039346656037);
    g->stop_after = stop_after;
    p = tk_dmarc_xml_new(&callbacks, g, lim, &g->err);
    assert_non_null(p);
    g->st = TK_OK;
    while (off < len && g->st == TK_OK) {
        n = chunk == 0 || len - off < chunk ? len - off : chunk;
        g->st = tk_dmarc_xml_feed(p, s + off, n, &g->err);
        off += n;
    }
    g->st = tk_dmarc_xml_finish(p, &g->res, &g->err);
    tk_dmarc_xml_free(p);
    check_result(g);
    return g;
}

static struct got *parse(const void *data, size_t len, size_t chunk)
{
    return parse_lim(data, len, chunk, NULL, 0);
}

static struct got *parse_str(const char *s)
{
    return parse(s, strlen(s), 0);
}

static bool notes_have(const struct tk_dmarc_xml_result *res, const char *sub)
{
    size_t i;

    for (i = 0; i < res->nnotes; i++)
        if (strstr(res->notes[i], sub) != NULL)
            return true;
    return false;
}

static void print_got(const struct got *g)
{
    size_t i;

    print_message("  %s: %s; %llu records, %llu skipped, %llu messages\n", tk_status_name(g->st),
                  g->err.msg, (unsigned long long)g->res.records_delivered,
                  (unsigned long long)g->res.records_skipped, (unsigned long long)g->res.messages);
    for (i = 0; i < g->res.nnotes; i++)
        print_message("  note: %s\n", g->res.notes[i]);
}

/* ---- the samples ---- */

#define SAMPLES "testdata/reports/parsedmarc-samples/"

struct sample {
    const char *file;
    const char *org_name, *report_id, *domain;
    int64_t begin, end;
    uint64_t records, messages, ndkim, nspf;
};

/* From Python's xml.etree, read independently of this parser. */
static const struct sample samples[] = {
    {"aggregate/!example.com!1538204542!1538463818.xml", "", "example.com:1538463741",
     "example.com", 1538413632, 1538413632, 1, 1, 0, 1},
    {"aggregate/!large-example.com!1711897200!1711983600.xml", "", "example.com:1711897200",
     "example.com", 1711897200, 1711983600, 2286, 2286, 0, 2286},
    {"aggregate/addisonfoods.com!example.com!1536105600!1536191999.xml", "addisonfoods.com",
     "3ceb5548498640beaeb47327e202b0b9", "example.com", 1536105600, 1536191999, 1, 1, 1, 0},
    {"aggregate/empty_reason.xml", "example.org", "20240125141224705995", "example.com", 1706159544,
     1706185733, 1, 2, 1, 1},
    {"aggregate/example.net!example.com!1529366400!1529452799.xml", "example.net",
     "b043f0e264cf4ea995e93765242f6dfb", "example.com", 1529366400, 1529452799, 1, 1, 0, 0},
    {"aggregate/ikea.com!example.de!1538690400!1538776800.xml", "ikea.com",
     "aggr_report_2018_10_05_5bc7e9b4f3e8a", "example.de", 1538690400, 1538776800, 1, 1, 1, 1},
    {"aggregate/invalid_utf_8.xml", "", "example.com:1538463741", "example.com", 1538413632,
     1538413632, 1, 1, 0, 1},
    {"aggregate/old_draft_from_wiki.xml", "acme.com", "9391651994964116463", "example.com",
     1335571200, 1335657599, 1, 2, 1, 1},
    {"aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml", "Outlook.com",
     "cfeafefe4129445e8c81018bd9177197", "example.com", 1711756800, 1711843200, 1, 1, 0, 1},
    {"aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml", "example.net",
     "dmarcbis-test-report-001", "example.com", 1700000000, 1700086399, 2, 7, 1, 2},
    {"aggregate/rfc9990-sample.xml", "Sample Reporter", "3v98abbp8ya9n3va8yr8oa3ya", "example.com",
     302832000, 302918399, 1, 123, 1, 1},
    {"aggregate/usssa.com!example.com!1538784000!1538870399.xml", "usssa.com",
     "8953b4d4a4ee4218b6ac0e2cb2667ee1", "example.com", 1538784000, 1538870399, 2, 2, 0, 0},
    {"aggregate/veeam.com!example.com!1530133200!1530219600.xml", "veeam.com",
     "sonexushealth.com:1530233361", "example.com", 1530133200, 1530219600, 1, 1, 0, 1},
    {"aggregate_invalid/report_with_upper_cased_pass.xml", "example.com",
     "aggr_report_example.com_20191202_1638", "example.com", 1574955300, 1575304683, 1, 1, 1, 1},
    {"extract_report/changed-input.xml", "fred.com", "11038226378739404135", "example.com",
     1718236800, 1718323199, 20, 3047, 34, 20},
    {"extract_report/nice-input.xml", "google.com", "11038226378739404135", "example.com",
     1718236800, 1718323199, 20, 3047, 34, 20},
};

static char *read_sample(const char *rel, size_t *len)
{
    char path[1024];
    char *data;

    snprintf(path, sizeof(path), "%s", testutil_shared_path(SAMPLES));
    strncat(path, rel, sizeof(path) - strlen(path) - 1);
    data = testutil_read_file(path, len);
    if (data == NULL)
        fail_msg("cannot read %s", path);
    return data;
}

static void check_sample(const struct sample *s, const struct got *g)
{
    if (g->st != TK_OK)
        print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->meta.org_name, s->org_name);
    assert_string_equal(g->meta.report_id, s->report_id);
    assert_string_equal(g->meta.policy.domain, s->domain);
    assert_int_equal(g->meta.begin, s->begin);
    assert_int_equal(g->meta.end, s->end);
    assert_int_equal(g->records, s->records);
    assert_int_equal(g->messages, s->messages);
    assert_int_equal(g->ndkim, s->ndkim);
    assert_int_equal(g->nspf, s->nspf);
    assert_int_equal(g->res.records, s->records);
    assert_int_equal(g->res.records_skipped, 0);
}

static void test_samples(void **state)
{
    static const size_t chunks[] = {1, 7, 4093};
    size_t i, j, len;

    for (i = 0; i < NELEM(samples); i++) {
        char *data = read_sample(samples[i].file, &len);
        struct got *whole = parse(data, len, 0);

        print_message("%s\n", samples[i].file);
        check_sample(&samples[i], whole);
        for (j = 0; j < NELEM(chunks); j++) {
            struct got *g = parse(data, len, chunks[j]);

            check_sample(&samples[i], g);
            assert_int_equal(g->digest, whole->digest);
            assert_int_equal(g->res.nnotes, whole->res.nnotes);
            free(g);
        }
        free(whole);
        free(data);
    }
}

static void test_sample_rfc9990(void **state)
{
    size_t len;
    char *data = read_sample("aggregate/rfc9990-sample.xml", &len);
    struct got *g = parse(data, len, 0);

    /* The namespace says RFC 9990 though <version> says 1.0. */
    assert_int_equal(g->res.format, TK_DMARC_XML_RFC9990);
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC9990);
    assert_string_equal(g->meta.version, "1.0");
    assert_string_equal(g->meta.generator, "Example DMARC Aggregate Reporter v1.2");
    assert_string_equal(g->meta.extra_contact_info, "...");
    assert_int_equal(g->meta.policy.p, TK_DMARC_POLICY_QUARANTINE);
    assert_int_equal(g->meta.policy.sp, TK_DMARC_POLICY_NONE);
    assert_int_equal(g->meta.policy.np, TK_DMARC_POLICY_NONE);
    assert_int_equal(g->meta.policy.testing, 'n');
    assert_int_equal(g->meta.policy.discovery_method, TK_DMARC_XML_DISCOVERY_TREEWALK);
    assert_int_equal(g->meta.policy.pct, -1);
    assert_int_equal(g->meta.policy.adkim, 0);
    assert_int_equal(g->first.disposition, TK_DMARC_XML_DISP_PASS);
    assert_string_equal(g->first.source_ip, "192.0.2.123");
    assert_int_equal(g->first.family, AF_INET);
    assert_string_equal(g->first.dkim_results[0].selector, "abc123");
    assert_int_equal(g->first.spf_results[0].result, TK_DMARC_XML_AUTH_FAIL);
    free(g);
    free(data);

    data = read_sample("aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml", &len);
    g = parse(data, len, 0);
    /* No namespace, but version 2.0. */
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC9990);
    assert_int_equal(g->meta.policy.np, TK_DMARC_POLICY_REJECT);
    assert_int_equal(g->meta.policy.testing, 'y');
    assert_int_equal(g->meta.policy.adkim, 's');
    assert_string_equal(g->meta.policy.fo, "1");
    assert_int_equal(g->last.disposition, TK_DMARC_XML_DISP_REJECT);
    assert_int_equal(g->last.nreasons, 1);
    assert_string_equal(g->last.reasons[0].type, "other");
    assert_string_equal(g->last.reasons[0].comment, "sender not authorized");
    free(g);
    free(data);
}

static void test_sample_details(void **state)
{
    size_t len;
    char *data = read_sample("aggregate_invalid/report_with_upper_cased_pass.xml", &len);
    struct got *g = parse(data, len, 0);

    /* "None", "Pass" and a trailing space in org_name. */
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC7489);
    assert_int_equal(g->first.disposition, TK_DMARC_XML_DISP_NONE);
    assert_int_equal(g->first.dkim, TK_DMARC_XML_VERDICT_PASS);
    assert_int_equal(g->first.spf, TK_DMARC_XML_VERDICT_PASS);
    assert_int_equal(g->first.dkim_results[0].result, TK_DMARC_XML_AUTH_PASS);
    assert_string_equal(g->first.dkim_results[0].result_text, "Pass");
    assert_string_equal(g->first.dkim_results[0].human_result,
                        "verify result: all signatures verified");
    assert_int_equal(g->res.nnotes, 0);
    free(g);
    free(data);

    data = read_sample("aggregate/empty_reason.xml", &len);
    g = parse(data, len, 0);
    assert_int_equal(g->first.nreasons, 0); /* <reason><type></type>... */
    assert_string_equal(g->first.envelope_to, "example.net");
    assert_string_equal(g->first.dkim_results[0].human_result, "2048-bit key");
    assert_int_equal(g->first.spf_results[0].scope, TK_DMARC_XML_SCOPE_MFROM);
    assert_int_equal(g->meta.policy.pct, 100);
    free(g);
    free(data);

    /* Every DKIM result of a record is kept, in order. */
    data = read_sample("extract_report/nice-input.xml", &len);
    g = parse(data, len, 0);
    assert_string_equal(g->meta.extra_contact_info, "https://support.google.com/a/answer/2466580");
    assert_int_equal(g->meta.policy.np, TK_DMARC_POLICY_NONE);
    free(g);
    free(data);

    /* The stray <xs:schema> wrapper is never closed: noted, not fatal. */
    data = read_sample("aggregate/ikea.com!example.de!1538690400!1538776800.xml", &len);
    g = parse(data, len, 0);
    assert_true(notes_have(&g->res, "after </feedback>"));
    assert_int_equal(g->first.spf_results[0].scope, TK_DMARC_XML_SCOPE_HELO);
    free(g);
    free(data);
}

/* invalid_xml.xml writes "<email><bad-xml@bad-xml.net></email>": not
 * XML, and no parser can know what the reporter meant: refused, with
 * the place. invalid_utf_8.xml has one windows-1252 byte (0x91, a
 * quotation mark) in a header_from of a document that says UTF-8: the
 * reporter meant a character, so the byte becomes U+FFFD with a note
 * and the report, its counts right, is kept. */
static void test_sample_broken(void **state)
{
    size_t len;
    char *data = read_sample("aggregate/invalid_xml.xml", &len);
    struct got *g = parse(data, len, 0);

    print_got(g);
    assert_int_equal(g->st, TK_INVALID);
    assert_non_null(strstr(g->err.msg, "not well-formed"));
    assert_non_null(strstr(g->err.msg, "line 5"));
    assert_int_equal(g->nmeta, 0);
    free(g);
    free(data);

    data = read_sample("aggregate/invalid_utf_8.xml", &len);
    g = parse(data, len, 1);
    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->first.header_from, "bad_byte\xef\xbf\xbd");
    assert_int_equal(g->res.utf8_replaced, 1);
    assert_true(notes_have(&g->res, "invalid UTF-8"));
    free(g);
    free(data);

    data = read_sample("empty.xml", &len);
    g = parse(data, len, 0);
    assert_int_equal(g->st, TK_ABSENT);
    assert_non_null(strstr(g->err.msg, "no report"));
    free(g);
    free(data);
}

/* ---- built reports ---- */

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" HEAD_BODY
#define HEAD_BODY                                                                                  \
    "<feedback>\n"                                                                                 \
    "<report_metadata><org_name>Te Tari Taiwhenua</org_name><email>a@b.nz</email>"                 \
    "<report_id>r1</report_id><date_range><begin>1700000000</begin><end>1700086399</end>"          \
    "</date_range></report_metadata>\n"                                                            \
    "<policy_published><domain>dia.govt.nz</domain><p>reject</p></policy_published>\n"
#define REC(ip, count)                                                                             \
    "<record><row><source_ip>" ip "</source_ip><count>" count "</count>"                           \
    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>"            \
    "</policy_evaluated></row><identifiers><header_from>dia.govt.nz</header_from></identifiers>"   \
    "<auth_results><spf><domain>dia.govt.nz</domain><result>pass</result></spf></auth_results>"    \
    "</record>\n"
#define TAIL "</feedback>\n"

static void test_minimal(void **state)
{
    struct got *g = parse_str(HEAD REC("192.0.2.1", "3") REC("2001:db8::1", "4") TAIL);

    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->records, 2);
    assert_int_equal(g->messages, 7);
    assert_int_equal(g->meta.policy.p, TK_DMARC_POLICY_REJECT);
    assert_int_equal(g->last.family, AF_INET6);
    assert_int_equal(g->last.addr[0], 0x20);
    assert_int_equal(g->last.index, 2);
    assert_int_equal(g->res.nnotes, 0);
    free(g);

    /* A report without records is a report. */
    g = parse_str(HEAD TAIL);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->nmeta, 1);
    assert_int_equal(g->records, 0);
    free(g);
}

static void test_namespaces(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<ns1:feedback xmlns:ns1=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
        "<ns1:version>1.0</ns1:version>"
        "<ns1:report_metadata><ns1:org_name>x</ns1:org_name><ns1:report_id>id</ns1:report_id>"
        "<ns1:date_range><ns1:begin>1</ns1:begin><ns1:end>2</ns1:end></ns1:date_range>"
        "</ns1:report_metadata><ns1:policy_published><ns1:domain>d.govt.nz</ns1:domain>"
        "<ns1:np>quarantine</ns1:np></ns1:policy_published>"
        "<ns1:record><ns1:row><ns1:source_ip>192.0.2.9</ns1:source_ip><ns1:count>5</ns1:count>"
        "</ns1:row><ns1:auth_results><ns1:dkim><ns1:domain>d.govt.nz</ns1:domain>"
        "<ns1:result>pass</ns1:result></ns1:dkim></ns1:auth_results></ns1:record>"
        "</ns1:feedback>";
    static const char old_ns[] = "<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.1\">"
                                 "<report_metadata><report_id>a</report_id><date_range><begin>1"
                                 "</begin><end>2</end></date_range></report_metadata>"
                                 "<policy_published><domain>d</domain></policy_published>" REC(
                                     "192.0.2.1", "1") "</feedback>";
    struct got *g = parse_str(doc);

    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC9990);
    assert_int_equal(g->meta.policy.np, TK_DMARC_POLICY_QUARANTINE);
    assert_int_equal(g->messages, 5);
    assert_string_equal(g->first.dkim_results[0].domain, "d.govt.nz");
    free(g);

    /* An unbound prefix is no reason to lose a report either. */
    g = parse_str("<x:feedback><x:report_metadata><x:report_id>a</x:report_id><x:date_range>"
                  "<x:begin>1</x:begin><x:end>2</x:end></x:date_range></x:report_metadata>"
                  "<x:policy_published><x:domain>d</x:domain></x:policy_published>"
                  "</x:feedback>");
    assert_int_equal(g->st, TK_OK);
    free(g);

    g = parse_str(old_ns);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC7489);
    free(g);
}

/* A report with org_name in windows-1252: e acute, curly quotes, the
 * euro sign and 0x81 (undefined in windows-1252: U+FFFD). */
static void test_windows_1252(void **state)
{
    static const char *const labels[] = {"windows-1252", "CP1252", "iso-8859-1", "latin1",
                                         "US-ASCII"};
    static const char body[] =
        "<feedback><report_metadata><org_name>Caf\xe9 \x93Te Tari\x94 \x80\x81</org_name>"
        "<report_id>a</report_id><date_range><begin>1</begin><end>2</end></date_range>"
        "</report_metadata><policy_published><domain>d</domain></policy_published>"
        "</feedback>";
    char doc[1024];
    size_t i;

    for (i = 0; i < NELEM(labels); i++) {
        struct got *g, *g1;

        snprintf(doc, sizeof(doc), "<?xml version=\"1.0\" encoding=\"%s\"?>\n%s", labels[i], body);
        g = parse(doc, strlen(doc), 0);
        g1 = parse(doc, strlen(doc), 1);
        print_got(g);
        assert_int_equal(g->st, TK_OK);
        assert_string_equal(g->meta.org_name, "Caf\xc3\xa9 \xe2\x80\x9cTe Tari\xe2\x80\x9d "
                                              "\xe2\x82\xac\xef\xbf\xbd");
        assert_string_equal(g1->meta.org_name, g->meta.org_name);
        assert_int_equal(g->res.utf8_replaced, 0);
        free(g);
        free(g1);
    }

    /* A UTF-16 label on single-byte text is wrong: the bytes count. */
    snprintf(doc, sizeof(doc), "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n%s", body);
    {
        struct got *g = parse_str(doc);

        assert_int_equal(g->st, TK_OK);
        assert_int_equal(g->res.utf8_replaced, 5); /* e9, 93, 94, 80, 81 */
        free(g);
    }

    /* An encoding nobody sends reports in is refused by name. */
    snprintf(doc, sizeof(doc), "<?xml version=\"1.0\" encoding=\"koi8-r\"?>\n%s", body);
    {
        struct got *g = parse_str(doc);

        assert_int_equal(g->st, TK_INVALID);
        assert_non_null(strstr(g->err.msg, "'koi8-r' is not supported"));
        free(g);
    }
}

/* UTF-16 with a byte order mark, as a Windows tool might write it. */
static void test_utf16(void **state)
{
    static const char ascii[] =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" HEAD_BODY REC("192.0.2.1", "2") TAIL;
    size_t n = strlen(ascii), i;
    unsigned char *doc = malloc(2 * n + 2);
    struct got *g, *g1;

    assert_non_null(doc);
    doc[0] = 0xff;
    doc[1] = 0xfe;
    for (i = 0; i < n; i++) {
        doc[2 + 2 * i] = (unsigned char)ascii[i];
        doc[3 + 2 * i] = 0;
    }
    g = parse(doc, 2 * n + 2, 0);
    g1 = parse(doc, 2 * n + 2, 1);
    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->messages, 2);
    assert_int_equal(g1->digest, g->digest);
    free(g);
    free(g1);
    free(doc);
}

/* Valid UTF-8 (macrons) survives any split; invalid sequences become
 * one U+FFFD each (the maximal subpart), however they are split. */
static void test_utf8_filter(void **state)
{
    static const char doc[] =
        "<feedback><report_metadata><org_name>Te Tari Taiwh\xc4\x81nua \xe2\x82 x \xff"
        "\xed\xa0\x80 \xf0\x9f\x98\x80 \xe2\x80\x94</org_name>"
        "<report_id>a</report_id><date_range><begin>1</begin><end>2</end></date_range>"
        "</report_metadata><policy_published><domain>d</domain></policy_published>"
        "</feedback>\xc3";
    static const char want[] = "Te Tari Taiwh\xc4\x81nua \xef\xbf\xbd x \xef\xbf\xbd"
                               "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80 "
                               "\xe2\x80\x94";
    size_t chunk;

    for (chunk = 0; chunk <= 5; chunk++) {
        struct got *g = parse(doc, sizeof(doc) - 1, chunk);

        assert_int_equal(g->st, TK_OK);
        assert_string_equal(g->meta.org_name, want);
        /* \xe2\x82, \xff, \xed, \xa0, \x80, and the \xc3 at the very end */
        assert_int_equal(g->res.utf8_replaced, 6);
        assert_true(notes_have(&g->res, "6 invalid UTF-8 sequences"));
        free(g);
    }
}

/* What real reporters get wrong, all at once. */
static void test_tolerance(void **state)
{
    static const char doc[] =
        "\xef\xbb\xbf\r\n  <?xml version=\"1.0\" encoding=\"utf8\"?>\n"
        "<!-- a comment --><?pi x?>"
        "<feedback><version> 1.0 </version><report_metadata>"
        "<org_name>\n  Reporter\n</org_name><email/><report_id> id-1 </report_id>"
        "<date_range><begin>\t1700000000 </begin><end>1700086399</end></date_range>"
        "<unknown_thing><report_id>nope</report_id></unknown_thing>"
        "<error>one</error><error></error><error>two</error>"
        "</report_metadata><policy_published><domain> d.govt.nz </domain>"
        "<adkim>S</adkim><aspf>R</aspf><p>Reject</p><sp></sp><pct> 50 </pct><testing>Y</testing>"
        "<discovery_method>PSL</discovery_method></policy_published>"
        "<extensions><record><row><source_ip>192.0.2.250</source_ip><count>99</count></row>"
        "</record></extensions>"
        "<record><row><source_ip>\n 192.0.2.1 \n</source_ip><count> 12 </count>"
        "<policy_evaluated><disposition>QUARANTINE</disposition><dkim>FAIL</dkim><spf>Pass</spf>"
        "<reason><type>Forwarded</type><comment><![CDATA[a <b> c]]></comment></reason>"
        "</policy_evaluated></row><identifiers><header_from>D.GOVT.NZ</header_from>"
        "<envelope_from/></identifiers><auth_results><dkim><domain>d.govt.nz</domain>"
        "<selector>s1</selector><result>TempError</result></dkim><dkim/><spf><domain>d.govt.nz"
        "</domain><scope>MFROM</scope><result>SoftFail</result></spf></auth_results>"
        "<extension_of_record><x>y</x></extension_of_record></record>"
        "</feedback>\n\x00garbage after the root <<<";
    struct got *g = parse(doc, sizeof(doc) - 1, 0);
    struct got *g1 = parse(doc, sizeof(doc) - 1, 1);
    const struct tk_dmarc_xml_record *r = &g->first;

    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->meta.version, "1.0");
    assert_string_equal(g->meta.org_name, "Reporter");
    assert_string_equal(g->meta.email, "");
    assert_string_equal(g->meta.report_id, "id-1");
    assert_int_equal(g->meta.begin, 1700000000);
    assert_int_equal(g->meta.nerrors, 2);
    assert_string_equal(g->meta.errors[1], "two");
    assert_string_equal(g->meta.policy.domain, "d.govt.nz");
    assert_int_equal(g->meta.policy.adkim, 's');
    assert_int_equal(g->meta.policy.aspf, 'r');
    assert_int_equal(g->meta.policy.p, TK_DMARC_POLICY_REJECT);
    assert_int_equal(g->meta.policy.sp, TK_DMARC_POLICY_UNSET);
    assert_int_equal(g->meta.policy.pct, 50);
    assert_int_equal(g->meta.policy.testing, 'y');
    assert_int_equal(g->meta.policy.discovery_method, TK_DMARC_XML_DISCOVERY_PSL);
    assert_int_equal(g->records, 1); /* the <record> in <extensions> is not one */
    assert_int_equal(g->res.records, 1);
    assert_string_equal(r->source_ip, "192.0.2.1");
    assert_int_equal(r->count, 12);
    assert_int_equal(r->disposition, TK_DMARC_XML_DISP_QUARANTINE);
    assert_int_equal(r->dkim, TK_DMARC_XML_VERDICT_FAIL);
    assert_int_equal(r->spf, TK_DMARC_XML_VERDICT_PASS);
    assert_int_equal(r->nreasons, 1);
    assert_string_equal(r->reasons[0].type, "Forwarded");
    assert_string_equal(r->reasons[0].comment, "a <b> c");
    assert_string_equal(r->header_from, "D.GOVT.NZ");
    assert_int_equal(r->ndkim, 2); /* the empty <dkim/> is kept as sent */
    assert_int_equal(r->dkim_results[0].result, TK_DMARC_XML_AUTH_TEMPERROR);
    assert_int_equal(r->dkim_results[1].result, TK_DMARC_XML_AUTH_UNSET);
    assert_int_equal(r->spf_results[0].result, TK_DMARC_XML_AUTH_SOFTFAIL);
    assert_int_equal(r->spf_results[0].scope, TK_DMARC_XML_SCOPE_MFROM);
    assert_true(notes_have(&g->res, "after </feedback>"));
    assert_int_equal(g1->st, TK_OK);
    assert_int_equal(g1->digest, g->digest);
    free(g);
    free(g1);
}

/* Values no RFC defines are kept as OTHER with a note. */
static void test_unknown_values(void **state)
{
    static const char doc[] =
        HEAD "<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated>"
             "<disposition>discard</disposition><dkim>maybe</dkim></policy_evaluated></row>"
             "<auth_results><dkim><result>hardfail</result></dkim><spf><scope>pra</scope>"
             "<result>unknown</result></spf></auth_results></record>" TAIL;
    struct got *g = parse_str(doc);

    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->first.disposition, TK_DMARC_XML_DISP_OTHER);
    assert_int_equal(g->first.dkim, TK_DMARC_XML_VERDICT_OTHER);
    assert_int_equal(g->first.dkim_results[0].result, TK_DMARC_XML_AUTH_OTHER);
    assert_string_equal(g->first.dkim_results[0].result_text, "hardfail");
    assert_int_equal(g->first.spf_results[0].scope, TK_DMARC_XML_SCOPE_OTHER);
    assert_true(notes_have(&g->res, "record 1: disposition 'discard' is not a value"));
    assert_true(notes_have(&g->res, "dkim result 'hardfail'"));
    free(g);
}

static void test_skipped_records(void **state)
{
    static const char doc[] =
        HEAD REC("192.0.2.1", "5") REC("999.1.1.1", "1") REC("192.0.2.3", "12abc")
            REC("192.0.2.4", "9007199254740993") REC("192.0.2.5", "9007199254740992") REC("", "3")
                REC("fe80::1%eth0", "1") REC("2001:db8::7", "")
                    REC("192.0.2.9", "18446744073709551616") REC("192.0.2.10", "-1") TAIL;
    struct got *g = parse_str(doc);

    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->res.records, 10);
    assert_int_equal(g->records, 2);
    assert_int_equal(g->res.records_skipped, 8);
    assert_int_equal(g->messages, 5 + UINT64_C(9007199254740992));
    assert_true(notes_have(&g->res, "record 2: source_ip '999.1.1.1' is not an address: skipped"));
    assert_true(notes_have(&g->res, "record 3: count '12abc' is not a number"));
    assert_true(notes_have(&g->res, "record 4: count '9007199254740993'"));
    assert_true(notes_have(&g->res, "record 6: no source_ip: skipped"));
    assert_true(notes_have(&g->res, "record 7: source_ip 'fe80::1%eth0'"));
    assert_true(notes_have(&g->res, "record 8: no count: skipped"));
    assert_true(notes_have(&g->res, "record 9: count"));
    assert_true(notes_have(&g->res, "record 10: count '-1'"));
    free(g);
}

/* Both sides of the results-per-record and reasons limits. */
static void test_results_limit(void **state)
{
    char *doc = malloc(64 * 1024);
    size_t i, n;
    struct got *g;

    assert_non_null(doc);
    for (n = TK_DMARC_XML_AUTH_MAX; n <= TK_DMARC_XML_AUTH_MAX + 4; n += 4) {
        strcpy(doc, HEAD "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
                         "<policy_evaluated>");
        for (i = 0; i < TK_DMARC_XML_REASONS_MAX + 1; i++)
            strcat(doc, "<reason><type>other</type></reason>");
        strcat(doc, "</policy_evaluated></row><auth_results>");
        for (i = 0; i < n; i++) {
            char one[160];

            snprintf(one, sizeof(one),
                     "<dkim><domain>d%zu.nz</domain><selector>s</selector><result>pass</result>"
                     "</dkim><spf><domain>d%zu.nz</domain><result>pass</result></spf>",
                     i, i);
            strcat(doc, one);
        }
        strcat(doc, "</auth_results></record>" TAIL);
        g = parse_str(doc);
        assert_int_equal(g->st, TK_OK);
        assert_int_equal(g->first.ndkim, TK_DMARC_XML_AUTH_MAX);
        assert_int_equal(g->first.nspf, TK_DMARC_XML_AUTH_MAX);
        assert_int_equal(g->first.dkim_dropped, n - TK_DMARC_XML_AUTH_MAX);
        assert_string_equal(g->first.dkim_results[15].domain, "d15.nz");
        assert_int_equal(g->first.nreasons, TK_DMARC_XML_REASONS_MAX);
        assert_int_equal(g->first.reasons_dropped, 1);
        assert_true(notes_have(&g->res, "dropped"));
        free(g);
    }
    free(doc);
}

/* A value longer than its field is an error for that field; a required
 * field too long refuses the report. */
static void test_text_limits(void **state)
{
    char *doc = malloc(32 * 1024), *big = malloc(8 * 1024);
    struct got *g;

    assert_non_null(doc);
    assert_non_null(big);
    memset(big, 'a', 8 * 1024);

    /* org_name: 255 bytes fit, 256 do not. */
    snprintf(doc, 32 * 1024,
             "<feedback><report_metadata><org_name>%.255s</org_name>"
             "<report_id>x</report_id><date_range><begin>1</begin><end>2</end></date_range>"
             "</report_metadata><policy_published><domain>d</domain></policy_published>"
             "</feedback>",
             big);
    g = parse_str(doc);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(strlen(g->meta.org_name), 255);
    free(g);
    snprintf(doc, 32 * 1024,
             "<feedback><report_metadata><org_name>%.256s</org_name>"
             "<report_id>x</report_id><date_range><begin>1</begin><end>2</end></date_range>"
             "</report_metadata><policy_published><domain>d</domain></policy_published>"
             "</feedback>",
             big);
    g = parse_str(doc);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->meta.org_name, "");
    assert_true(notes_have(&g->res, "org_name is longer than 255 bytes: left empty"));
    free(g);

    /* Past the text buffer (4 KB) in a record field. */
    snprintf(doc, 32 * 1024,
             HEAD "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
                  "</row><auth_results><dkim><domain>d</domain><human_result>%.8000s</human_result>"
                  "</dkim></auth_results></record>" TAIL,
             big);
    g = parse(doc, strlen(doc), 100);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->first.dkim_results[0].human_result, "");
    assert_string_equal(g->first.dkim_results[0].domain, "d");
    assert_true(notes_have(&g->res, "record 1: dkim human_result is longer than"));
    free(g);

    /* A required field. */
    snprintf(doc, 32 * 1024,
             "<feedback><report_metadata><report_id>%.300s</report_id>"
             "</report_metadata></feedback>",
             big);
    g = parse_str(doc);
    assert_int_equal(g->st, TK_INVALID);
    assert_non_null(strstr(g->err.msg, "report_id is longer than 255 bytes"));
    free(g);
    free(doc);
    free(big);
}

/* The order rule and the required fields. */
static void test_order_and_required(void **state)
{
    struct {
        const char *doc, *err;
    } cases[] = {
        {"<feedback>" REC("192.0.2.1", "1") "</feedback>",
         "first <record> comes before <report_metadata>"},
        {"<feedback><report_metadata><report_id>a</report_id><date_range><begin>1</begin><end>2"
         "</end></date_range></report_metadata>" REC("192.0.2.1", "1") "</feedback>",
         "first <record> comes before <policy_published>"},
        {"<feedback><report_metadata><date_range><begin>1</begin><end>2</end></date_range>"
         "</report_metadata><policy_published><domain>d</domain></policy_published></feedback>",
         "no report_id"},
        {"<feedback><report_metadata><report_id> </report_id><date_range><begin>1</begin><end>2"
         "</end></date_range></report_metadata><policy_published><domain>d</domain>"
         "</policy_published></feedback>",
         "no report_id"},
        {"<feedback><report_metadata><report_id>a</report_id></report_metadata>"
         "<policy_published><domain>d</domain></policy_published></feedback>",
         "no date_range"},
        {"<feedback><report_metadata><report_id>a</report_id><date_range><begin>yesterday"
         "</begin></date_range></report_metadata></feedback>",
         "date_range begin 'yesterday' is not a Unix time"},
        {"<feedback><report_metadata><report_id>a</report_id><date_range><begin>1</begin>"
         "<end>253402300800</end></date_range></report_metadata></feedback>",
         "date_range end '253402300800' is not a Unix time"},
        {"<feedback><report_metadata><report_id>a</report_id><date_range><begin>1</begin><end>2"
         "</end></date_range></report_metadata><policy_published><p>none</p></policy_published>"
         "</feedback>",
         "policy_published has no domain"},
        {"<feedback><report_metadata><report_id>a</report_id><date_range><begin>1</begin><end>2"
         "</end></date_range></report_metadata></feedback>",
         "no <policy_published>"},
        {"<feedback></feedback>", "no <report_metadata>"},
        {HEAD REC("192.0.2.1", "1"), "ends before </feedback>"},
    };
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        struct got *g = parse_str(cases[i].doc);

        print_message("%zu: %s\n", i, g->err.msg);
        assert_int_equal(g->st, TK_INVALID);
        assert_non_null(strstr(g->err.msg, cases[i].err));
        free(g);
    }
}

static void test_repeated_parts(void **state)
{
    static const char doc[] =
        "<wrap>" HEAD_BODY "<report_metadata><report_id>other</report_id></report_metadata>" REC(
            "192.0.2.1", "1") "<policy_published><domain>x</domain></policy_published>"
                              "<version>2.0</version>" TAIL
                              "<feedback>" REC("192.0.2.2", "1") "</feedback></wrap>";
    struct got *g = parse_str(doc);

    print_got(g);
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->meta.report_id, "r1");
    assert_string_equal(g->meta.policy.domain, "dia.govt.nz");
    assert_int_equal(g->records, 1);
    assert_true(notes_have(&g->res, "a second <report_metadata>: ignored"));
    assert_true(notes_have(&g->res, "<policy_published> after the first record: ignored"));
    assert_int_equal(g->meta.format, TK_DMARC_XML_RFC7489); /* the late <version> is not read */
    assert_true(notes_have(&g->res, "a second <feedback>"));
    free(g);
}

static void test_no_report(void **state)
{
    static const char *const docs[] = {"", " \r\n\t ", "\xef\xbb\xbf", "<html><body/></html>",
                                       "<?xml version=\"1.0\"?><a/>"};
    size_t i;

    for (i = 0; i < NELEM(docs); i++) {
        struct got *g = parse_str(docs[i]);

        print_message("%zu: %s\n", i, g->err.msg);
        assert_int_equal(g->st, TK_ABSENT);
        assert_non_null(strstr(g->err.msg, "no report"));
        free(g);
    }
}

/* ---- hostile input ---- */

static void test_entity_bomb(void **state)
{
    char doc[4096], line[256];
    size_t i, j;
    clock_t t0 = clock();
    struct got *g;

    strcpy(doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n<!ENTITY lol0 \"lol\">\n");
    for (i = 1; i < 10; i++) {
        snprintf(line, sizeof(line), "<!ENTITY lol%zu \"", i);
        for (j = 0; j < 10; j++)
            snprintf(line + strlen(line), sizeof(line) - strlen(line), "&lol%zu;", i - 1);
        strcat(line, "\">\n");
        strcat(doc, line);
    }
    strcat(doc, "]>\n<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata>"
                "</feedback>");
    g = parse_str(doc);
    print_got(g);
    assert_int_equal(g->st, TK_INVALID);
    assert_non_null(strstr(g->err.msg, "DOCTYPE is not allowed"));
    assert_int_equal(g->nmeta, 0);
    assert_true(clock() - t0 < CLOCKS_PER_SEC);
    free(g);
}

static void test_external_entities(void **state)
{
    static const char *const docs[] = {
        ("<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
         "<feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>"),
        "<!DOCTYPE feedback SYSTEM \"http://127.0.0.1:9/dmarc.dtd\"><feedback/>",
        "<!DOCTYPE feedback [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><feedback/>",
        "<!DOCTYPE feedback><feedback/>",
    };
    size_t i;
    struct got *g;

    for (i = 0; i < NELEM(docs); i++) {
        g = parse_str(docs[i]);
        print_message("%zu: %s\n", i, g->err.msg);
        assert_int_equal(g->st, TK_INVALID);
        assert_non_null(strstr(g->err.msg, "DOCTYPE"));
        free(g);
    }
    /* Without a DTD no entity is defined but the five of XML. */
    g = parse_str("<feedback><report_metadata><org_name>&amp;&lt;&#x101;&xxe;</org_name>"
                  "</report_metadata></feedback>");
    print_got(g);
    assert_int_equal(g->st, TK_INVALID);
    assert_non_null(strstr(g->err.msg, "undefined entity"));
    free(g);
    g = parse_str("<feedback><report_metadata><org_name>&amp;&lt;&#x101;</org_name><report_id>a"
                  "</report_id><date_range><begin>1</begin><end>2</end></date_range>"
                  "</report_metadata><policy_published><domain>d</domain></policy_published>"
                  "</feedback>");
    assert_int_equal(g->st, TK_OK);
    assert_string_equal(g->meta.org_name, "&<\xc4\x81");
    free(g);
}

/* depth_max elements deep is fine; one more is refused, as are 1,000. */
static void test_depth(void **state)
{
    size_t depths[] = {TK_DMARC_XML_DEPTH_DEFAULT, TK_DMARC_XML_DEPTH_DEFAULT + 1, 1000};
    char *doc = malloc(16 * 1024);
    size_t i, j;

    assert_non_null(doc);
    for (i = 0; i < NELEM(depths); i++) {
        struct got *g;

        doc[0] = '\0';
        for (j = 0; j < depths[i]; j++)
            strcat(doc, "<a>");
        for (j = 0; j < depths[i]; j++)
            strcat(doc, "</a>");
        g = parse(doc, strlen(doc), i == 2 ? 3 : 0);
        print_message("%zu: %s\n", depths[i], g->err.msg);
        assert_int_equal(g->st, i == 0 ? TK_ABSENT : TK_LIMIT);
        if (i > 0)
            assert_non_null(strstr(g->err.msg, "nested deeper than 32"));
        free(g);
    }
    free(doc);
}

static void test_bytes_limit(void **state)
{
    static const char doc[] = HEAD REC("192.0.2.1", "1") TAIL;
    struct tk_dmarc_xml_limits lim = {sizeof(doc) - 1, 0, 0};
    struct got *g = parse_lim(doc, sizeof(doc) - 1, 10, &lim, 0);

    assert_int_equal(g->st, TK_OK);
    free(g);
    lim.bytes_max = sizeof(doc) - 2;
    g = parse_lim(doc, sizeof(doc) - 1, 10, &lim, 0);
    assert_int_equal(g->st, TK_LIMIT);
    assert_non_null(strstr(g->err.msg, "larger than"));
    free(g);
}

/* Distinct element names make expat intern each one: its memory is
 * bounded, not the input's size. */
static void test_memory_limit(void **state)
{
    size_t cap = 1 << 20, i, n = 0;
    char *doc = malloc(cap);
    struct tk_dmarc_xml_limits lim = {0, 1 << 20, 0};
    struct got *g;

    assert_non_null(doc);
    n += (size_t)snprintf(doc, cap, "%s<extensions>", HEAD);
    for (i = 0; n + 64 < cap - 64; i++)
        n += (size_t)snprintf(doc + n, cap - n, "<x%zu a%zu=\"1\"/>", i, i);
    n += (size_t)snprintf(doc + n, cap - n, "</extensions>%s", TAIL);
    g = parse_lim(doc, n, 65536, &lim, 0);
    print_got(g);
    assert_int_equal(g->st, TK_LIMIT);
    assert_non_null(strstr(g->err.msg, "needed more than 1048576 bytes"));
    free(g);
    g = parse_lim(doc, n, 65536, NULL, 0);
    assert_int_equal(g->st, TK_OK);
    free(g);
    free(doc);
}

/* A callback that fails stops the report with its own message. */
static void test_callback_stops(void **state)
{
    static const char doc[] =
        HEAD REC("192.0.2.1", "1") REC("192.0.2.2", "1") REC("192.0.2.3", "1") TAIL;
    struct got *g = parse_lim(doc, sizeof(doc) - 1, 0, NULL, 2);

    assert_int_equal(g->st, TK_IO);
    assert_string_equal(g->err.msg, "the store is full");
    assert_int_equal(g->records, 2);
    free(g);
}

static void test_usage(void **state)
{
    struct tk_error err;
    struct tk_dmarc_xml *p = tk_dmarc_xml_new(NULL, NULL, NULL, &err);
    struct tk_dmarc_xml_result res;

    assert_non_null(p);
    assert_int_equal(tk_dmarc_xml_feed(p, HEAD TAIL, strlen(HEAD TAIL), &err), TK_OK);
    assert_int_equal(tk_dmarc_xml_finish(p, &res, &err), TK_OK);
    assert_int_equal(res.meta_delivered, true);
    assert_int_equal(tk_dmarc_xml_feed(p, "x", 1, &err), TK_USAGE);
    assert_int_equal(tk_dmarc_xml_finish(p, &res, &err), TK_USAGE);
    tk_dmarc_xml_free(p);
    tk_dmarc_xml_free(NULL);

    assert_string_equal(tk_dmarc_xml_disposition_name(TK_DMARC_XML_DISP_QUARANTINE), "quarantine");
    assert_string_equal(tk_dmarc_xml_verdict_name(TK_DMARC_XML_VERDICT_FAIL), "fail");
    assert_string_equal(tk_dmarc_xml_auth_name(TK_DMARC_XML_AUTH_PERMERROR), "permerror");
    assert_string_equal(tk_dmarc_xml_auth_name(TK_DMARC_XML_AUTH_UNSET), "");
    assert_string_equal(tk_dmarc_xml_scope_name(TK_DMARC_XML_SCOPE_HELO), "helo");
    assert_string_equal(tk_dmarc_xml_discovery_name(TK_DMARC_XML_DISCOVERY_PSL), "psl");
}

/* ---- the payload sink ---- */

static void on_done(void *arg, const struct tk_payload_origin *origin, enum tk_status st,
                    const struct tk_dmarc_xml_result *res, const struct tk_error *err)
{
    struct got *g = arg;

    g->res = *res;
    g->st = st;
    snprintf(g->err.msg, sizeof(g->err.msg), "%s|%s", origin->text, err->msg);
}

static void test_sink(void **state)
{
    static const char doc[] = HEAD REC("192.0.2.1", "4") REC("192.0.2.2", "5") TAIL;
    struct tk_dmarc_xml_sink *s = malloc(sizeof(*s));
    struct got *g = calloc(1, sizeof(*g));
    struct tk_payload_sink sink;
    struct tk_payload_origin origin;
    struct tk_error err;
    size_t i;

    assert_non_null(s);
    assert_non_null(g);
    tk_dmarc_xml_sink_init(s, &callbacks, on_done, g, NULL, &sink);
    snprintf(origin.text, sizeof(origin.text), "reports/a.xml.gz");
    assert_int_equal(sink.begin(sink.arg, TK_PAYLOAD_DMARC_XML, &origin, &err), TK_OK);
    for (i = 0; i < sizeof(doc) - 1; i += 10)
        assert_int_equal(
            sink.data(sink.arg, doc + i, sizeof(doc) - 1 - i < 10 ? sizeof(doc) - 1 - i : 10, &err),
            TK_OK);
    assert_int_equal(sink.end(sink.arg, true, NULL, &err), TK_OK);
    assert_int_equal(g->st, TK_OK);
    assert_int_equal(g->res.messages, 9);
    assert_int_equal(g->records, 2);
    assert_string_equal(g->err.msg, "reports/a.xml.gz|");

    /* Not a DMARC payload. */
    assert_int_equal(sink.begin(sink.arg, TK_PAYLOAD_TLSRPT_JSON, &origin, &err), TK_USAGE);
    assert_int_equal(sink.data(sink.arg, "{}", 2, &err), TK_USAGE);

    /* The source gives up half way: the report is not kept. */
    assert_int_equal(sink.begin(sink.arg, TK_PAYLOAD_DMARC_XML, &origin, &err), TK_OK);
    assert_int_equal(sink.data(sink.arg, doc, 300, &err), TK_OK);
    assert_int_equal(sink.end(sink.arg, false, "gzip: unexpected end of file", &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "did not arrive whole: gzip: unexpected end of file"));
    assert_int_equal(g->st, TK_INVALID);

    /* A parser error wins over the source's reason. */
    assert_int_equal(sink.begin(sink.arg, TK_PAYLOAD_DMARC_XML, &origin, &err), TK_OK);
    assert_int_equal(sink.data(sink.arg, "<!DOCTYPE x><x/>", 16, &err), TK_INVALID);
    assert_int_equal(sink.end(sink.arg, false, "the sink refused", &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "DOCTYPE"));

    /* A payload left open is freed by close. */
    assert_int_equal(sink.begin(sink.arg, TK_PAYLOAD_DMARC_XML, &origin, &err), TK_OK);
    assert_int_equal(sink.data(sink.arg, doc, 100, &err), TK_OK);
    tk_dmarc_xml_sink_close(s);
    tk_dmarc_xml_sink_close(s);
    free(g);
    free(s);
}

/* ---- garbage ---- */

/* Mutated reports in random feeds: any status, never a crash, and the
 * result always agrees with the callbacks (check_result). */
static void test_garbage(void **state)
{
    static const char alphabet[] = "<>/=\"' \n&;:?!-[]xabcdefrpt0123456789\x80\xc3\xa9\xff";
    static const char base[] =
        "<?xml version=\"1.0\"?>" HEAD_BODY REC("192.0.2.1", "4") REC("2001:db8::1", "5") TAIL;
    unsigned long seed = 20261128;
    char doc[sizeof(base) + 64];
    int round;

    for (round = 0; round < 3000; round++) {
        size_t len = sizeof(base) - 1, flips = 1 + testutil_rand(&seed) % 8, i;
        struct got *g;

        memcpy(doc, base, len);
        for (i = 0; i < flips; i++) {
            size_t at = testutil_rand(&seed) % len;

            testutil_garbage(&seed, doc, at, at + 1, alphabet, sizeof(alphabet) - 1);
        }
        if (round % 5 == 0)
            len = testutil_rand(&seed) % len;
        g = parse(doc, len, 1 + testutil_rand(&seed) % 64);
        assert_true(g->st == TK_OK || g->st == TK_INVALID || g->st == TK_ABSENT ||
                    g->st == TK_LIMIT);
        assert_true(g->records <= 2);
        free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_sample_rfc9990),
        cmocka_unit_test(test_sample_details),
        cmocka_unit_test(test_sample_broken),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_windows_1252),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_utf8_filter),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_unknown_values),
        cmocka_unit_test(test_skipped_records),
        cmocka_unit_test(test_results_limit),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_order_and_required),
        cmocka_unit_test(test_repeated_parts),
        cmocka_unit_test(test_no_report),
        cmocka_unit_test(test_entity_bomb),
        cmocka_unit_test(test_external_entities),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_bytes_limit),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_sink),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
