/*
 * NAME
 *	test_show.c - unit tests of the text, JSON Lines and CSV output
 * DESCRIPTION
 *	Domains are observed from static zones and judged, then shown into
 *	an open_memstream buffer. JSON lines are parsed back with jansson and
 *	checked against the judgement; CSV is parsed by RFC 4180 and checked
 *	field by field; text is checked for every rule of the profile and
 *	for escape characters with colour off (and their presence with colour
 *	on, so the check can fail). Hostile record bytes (NUL, ESC, 8-bit,
 *	invalid UTF-8, quotes, backslashes, line breaks) must come out
 *	escaped: valid UTF-8 JSON, no control byte in any format.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

#include "dns/resolver.h"
#include "observe/observe.h"
#include "rules/rules.h"
#include "show/show.h"

#define D "agency.govt.nz"
#define P "parked.govt.nz"

/* ---- zones, observation and judgement ---- */

struct raw_txt {
    const char *name;
    const char *bytes;
    size_t len; /* 0: strlen(bytes) */
};

/* The hostile bytes: a NUL, ESC [31m, a DEL, 8-bit bytes that are not
 * UTF-8, a valid UTF-8 e-acute, quotes, a backslash, CR LF, a tab. */
static const char hostile[] = "v=spf1 ip4:192.0.2.1 \x00\x1b[31mred\x7f\xff\xfe\xc3\xa9 \"q\" "
                              "a\\b\r\n\t, -all";

static struct tk_static_zone *zone_email(void)
{
    struct tk_static_zone *z;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_static_zone_add_mx(z, D, 10, "mail." D), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, D, "v=spf1 ip4:192.0.2.0/24 ~all"), TK_OK);
    assert_int_equal(
        tk_static_zone_add_txt(z, "_dmarc." D, "v=DMARC1; p=reject; adkim=s; rua=mailto:d@" D),
        TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "_smtp._tls." D, "v=TLSRPTv1; rua=mailto:\"t\"@" D),
                     TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, "_mta-sts." D, TK_DNS_TXT), TK_OK);
    assert_int_equal(tk_static_zone_add_mx(z, P, 0, "."), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, P, "v=spf1 -all"), TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "_dmarc." P,
                                            "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:d@" P),
                     TK_OK);
    assert_int_equal(tk_static_zone_add_txt(z, "*._domainkey." P, "v=DKIM1; p="), TK_OK);
    return z;
}

static struct tk_static_zone *zone_hostile(void)
{
    static const char *const names[] = {D, "_dmarc." D, "_smtp._tls." D, "_mta-sts." D,
                                        "selector1._domainkey." D};
    static const char *const prefixes[] = {
        "", "v=DMARC1; p=reject; rua=mailto:x@" D "; x=", "v=TLSRPTv1; rua=mailto:x@" D "; x=",
        "v=STSv1; id=", "v=DKIM1; p="};
    struct tk_static_zone *z;
    char buf[512];
    size_t i;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_static_zone_add_mx(z, D, 10, "mail." D), TK_OK);
    for (i = 0; i < NELEM(names); i++) {
        size_t n = strlen(prefixes[i]);

        memcpy(buf, prefixes[i], n);
        memcpy(buf + n, hostile, sizeof(hostile) - 1);
        testutil_zone_add_txt_bytes(z, names[i], buf, n + sizeof(hostile) - 1);
    }
    return z;
}

static struct tk_observation *observe(const struct tk_static_zone *z, const char *domain,
                                      const char *agency)
{
    struct tk_observe_request req = {.domain = domain, .agency = agency, .common_selectors = true};

    return testutil_observe(z, &req);
}

struct judged {
    struct tk_observation *obs;
    struct tk_judgement j;
};

/* show_run shows the domains in format into a string (malloc'd). */
static char *show_run(enum tk_format format, bool colour, struct judged *d, size_t n, size_t *len)
{
    struct tk_show s = {0};
    char *buf = NULL;
    size_t i;

    s.out = open_memstream(&buf, len);
    assert_non_null(s.out);
    s.format = format;
    s.colour = colour;
    tk_show_begin(&s);
    for (i = 0; i < n; i++)
        tk_show_domain(&s, d[i].obs, &d[i].j);
    tk_show_end(&s, 0);
    assert_int_equal(fclose(s.out), 0);
    assert_int_equal(s.domains, n);
    return buf;
}

static void judged_make(struct judged *d, const struct tk_static_zone *z, const char *domain,
                        const char *agency)
{
    d->obs = observe(z, domain, agency);
    tk_judge(d->obs, &d->j);
    assert_true(d->j.n > 0);
}

static void judged_free(struct judged *d, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        tk_observation_destroy(d[i].obs);
}

/* ---- byte checks ---- */

static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        unsigned long cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* no_control is true when the only bytes below 0x20 (or DEL) are the
 * line ends allowed. */
static bool no_control(const char *s, size_t len, bool allow_nl)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n' && allow_nl)
            continue;
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* ---- JSON ---- */

static json_t *json_lines_parse(const char *buf, size_t len, size_t want_lines)
{
    json_t *all = json_array();
    const char *p = buf, *end = buf + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        json_error_t jerr;
        json_t *o;

        assert_non_null(nl); /* every object ends its line */
        o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
        if (o == NULL)
            fail_msg("line %zu: %s: %.*s", json_array_size(all) + 1, jerr.text, (int)(nl - p), p);
        assert_true(json_is_object(o));
        json_array_append_new(all, o);
        p = nl + 1;
    }
    assert_int_equal(json_array_size(all), want_lines);
    return all;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_string(v))
        fail_msg("key '%s' is missing or not a string", key);
    return json_string_value(v);
}

static void json_check_domain(json_t *o, const struct judged *d)
{
    json_t *findings, *records, *v;
    size_t i;

    assert_string_equal(jstr(o, "domain"), d->obs->domain);
    assert_string_equal(jstr(o, "profile"), tk_profile_name(d->obs->profile));
    v = json_object_get(o, "compliant");
    assert_true(json_is_boolean(v));
    assert_int_equal(json_is_true(v), d->j.compliant);
    findings = json_object_get(o, "findings");
    assert_true(json_is_array(findings));
    assert_int_equal(json_array_size(findings), d->j.n);
    for (i = 0; i < d->j.n; i++) {
        const struct tk_finding *f = &d->j.findings[i];
        json_t *jf = json_array_get(findings, i);

        assert_true(json_is_object(jf));
        assert_string_equal(jstr(jf, "rule"), f->rule->id);
        assert_string_equal(jstr(jf, "level"), tk_level_name(f->rule->level));
        assert_string_equal(jstr(jf, "status"), tk_verdict_name(f->status));
        assert_string_equal(jstr(jf, "evidence"), f->evidence);
        assert_string_equal(jstr(jf, "remediation"), f->remediation);
    }
    records = json_object_get(o, "records");
    assert_true(json_is_object(records));
    for (i = 0; i < 5; i++) {
        static const char *const keys[] = {"mx", "txt", "dmarc", "tlsrpt", "mta_sts"};
        json_t *l = json_object_get(records, keys[i]);

        assert_true(json_is_object(l));
        assert_true(json_is_string(json_object_get(l, "name")));
        assert_true(json_is_string(json_object_get(l, "status")));
        assert_true(json_is_array(json_object_get(l, "records")));
    }
}

static void test_json(void **state)
{
    struct tk_static_zone *z = zone_email();
    struct judged d[2];
    json_t *all, *o, *recs;
    size_t len;
    char *buf;

    judged_make(&d[0], z, D, "Department of Tests");
    judged_make(&d[1], z, P, NULL);
    buf = show_run(TK_FORMAT_JSON, false, d, 2, &len);
    assert_true(utf8_valid((const unsigned char *)buf, len));
    assert_true(no_control(buf, len, true));
    all = json_lines_parse(buf, len, 2);
    json_check_domain(json_array_get(all, 0), &d[0]);
    json_check_domain(json_array_get(all, 1), &d[1]);

    o = json_array_get(all, 0);
    assert_string_equal(jstr(o, "profile"), "email");
    assert_false(json_is_true(json_object_get(o, "compliant")));
    assert_string_equal(jstr(o, "agency"), "Department of Tests");
    recs = json_object_get(json_object_get(o, "records"), "txt");
    assert_string_equal(jstr(recs, "status"), "ok");
    assert_string_equal(json_string_value(json_array_get(json_object_get(recs, "records"), 0)),
                        "v=spf1 ip4:192.0.2.0/24 ~all");
    recs = json_object_get(json_object_get(o, "records"), "mx");
    assert_string_equal(json_string_value(json_array_get(json_object_get(recs, "records"), 0)),
                        "10 mail." D);
    recs = json_object_get(json_object_get(o, "records"), "mta_sts");
    assert_string_equal(jstr(recs, "status"), "temperror");
    assert_true(strlen(jstr(recs, "why")) > 0);

    o = json_array_get(all, 1);
    assert_string_equal(jstr(o, "profile"), "parked");
    assert_true(json_is_true(json_object_get(o, "compliant")));
    recs = json_object_get(json_object_get(o, "records"), "mx");
    assert_string_equal(json_string_value(json_array_get(json_object_get(recs, "records"), 0)),
                        "0 .");
    json_decref(all);
    free(buf);
    judged_free(d, 2);
    tk_static_zone_free(z);
}

/* The JSON the store keeps is --format json's without the probes'
 * timings, so hosts found as before make the same text. */
static void test_json_kept(void **state)
{
    struct tk_static_zone *z = zone_email();
    struct tk_smtp_probe probe = {.address = "192.0.2.25",
                                  .started = 1795900000,
                                  .elapsed_ms = 42,
                                  .connected = TK_PROBE_YES};
    struct judged d;
    json_t *shown, *kept, *p;
    size_t len, klen;
    char *buf, *text;

    judged_make(&d, z, D, NULL);
    d.obs->transport = true;
    d.obs->nmx_hosts = 1;
    snprintf(d.obs->mx_hosts[0].name, sizeof(d.obs->mx_hosts[0].name), "mail." D);
    d.obs->mx_hosts[0].nprobes = 1;
    d.obs->mx_hosts[0].probes[0] = &probe;
    buf = show_run(TK_FORMAT_JSON, false, &d, 1, &len);
    shown = json_lines_parse(buf, len, 1);
    p = json_array_get(
        json_object_get(
            json_array_get(
                json_object_get(json_object_get(json_array_get(shown, 0), "records"), "mx_hosts"),
                0),
            "probes"),
        0);
    assert_int_equal(json_integer_value(json_object_get(p, "elapsed_ms")), 42);
    assert_int_equal(json_integer_value(json_object_get(p, "started")), 1795900000);
    text = tk_show_domain_json(d.obs, &d.j, &klen);
    assert_non_null(text);
    assert_int_equal(strlen(text), klen);
    kept = json_loads(text, 0, NULL);
    assert_non_null(kept);
    p = json_array_get(
        json_object_get(
            json_array_get(json_object_get(json_object_get(kept, "records"), "mx_hosts"), 0),
            "probes"),
        0);
    assert_string_equal(jstr(p, "address"), "192.0.2.25");
    assert_null(json_object_get(p, "started"));
    assert_null(json_object_get(p, "elapsed_ms"));
    /* The findings are as shown. */
    assert_true(json_equal(json_object_get(json_array_get(shown, 0), "findings"),
                           json_object_get(kept, "findings")));
    json_decref(kept);
    json_decref(shown);
    free(text);
    free(buf);
    d.obs->nmx_hosts = 0;
    judged_free(&d, 1);
    tk_static_zone_free(z);
}

static bool json_any_string_has(json_t *v, const char *sub)
{
    const char *key;
    json_t *x;
    size_t i;

    if (json_is_string(v))
        return strstr(json_string_value(v), sub) != NULL;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (json_any_string_has(x, sub)) return true;
    }
    if (json_is_object(v)) {
        json_object_foreach(v, key, x) if (json_any_string_has(x, sub)) return true;
    }
    return false;
}

/* Hostile bytes come out escaped as \xNN; the JSON is valid UTF-8 and
 * parses back; no raw control byte is written. */
static void test_json_hostile(void **state)
{
    struct tk_static_zone *z = zone_hostile();
    struct judged d[1];
    json_t *all, *txt;
    const char *rec;
    size_t len;
    char *buf;

    judged_make(&d[0], z, D, NULL);
    buf = show_run(TK_FORMAT_JSON, false, d, 1, &len);
    if (!utf8_valid((const unsigned char *)buf, len))
        fail_msg("JSON output is not valid UTF-8: %.*s", (int)len, buf);
    assert_true(no_control(buf, len, true));
    assert_null(memchr(buf, 0x7f, len));
    all = json_lines_parse(buf, len, 1);
    json_check_domain(json_array_get(all, 0), &d[0]);
    txt = json_object_get(json_object_get(json_array_get(all, 0), "records"), "txt");
    rec = json_string_value(json_array_get(json_object_get(txt, "records"), 0));
    assert_non_null(rec);
    print_message("record as shown: %s\n", rec);
    assert_non_null(strstr(rec, "\\x00\\x1b[31mred\\x7f\\xff\\xfe"));
    assert_non_null(strstr(rec, "\\xc3\\xa9")); /* 8-bit, even when valid UTF-8 */
    assert_non_null(strstr(rec, "\\x0d\\x0a\\x09"));
    assert_non_null(strstr(rec, "\"q\""));
    /* a backslash in the record is escaped too, or "\x00" written by the
     * publisher would read as a NUL */
    assert_non_null(strstr(rec, "a\\x5cb"));
    /* the evidence quotes the same record, escaped the same way */
    assert_true(
        json_any_string_has(json_object_get(json_array_get(all, 0), "findings"), "\\x1b[31mred"));
    /* nothing decodes back to a raw control byte */
    assert_false(json_any_string_has(json_array_get(all, 0), "\x1b"));
    json_decref(all);
    free(buf);
    judged_free(d, 1);
    tk_static_zone_free(z);
}

/* ---- CSV ---- */

#define CSV_HEADER "domain,agency,profile,compliant,rule,level,status,evidence,remediation\n"
#define CSV_FIELDS 9

struct csv_row {
    char *field[CSV_FIELDS];
    size_t n;
};

/* csv_parse reads RFC 4180 rows (all fields quoted here) into rows;
 * returns the number of rows. A quote inside a field must be doubled. */
static size_t csv_parse(const char *s, size_t len, struct csv_row *rows, size_t maxrows)
{
    size_t i = 0, nrows = 0;

    while (i < len) {
        struct csv_row *r = &rows[nrows];

        assert_true(nrows < maxrows);
        memset(r, 0, sizeof(*r));
        for (;;) {
            char *out = malloc(len + 1);
            size_t o = 0;

            assert_non_null(out);
            assert_true(r->n < CSV_FIELDS);
            assert_int_equal(s[i], '"');
            for (i++;; i++) {
                assert_true(i < len);
                if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
                    out[o++] = '"';
                    i++;
                } else if (s[i] == '"') {
                    break;
                } else {
                    out[o++] = s[i];
                }
            }
            out[o] = '\0';
            r->field[r->n++] = out;
            i++;
            assert_true(i < len);
            if (s[i] == '\n') {
                i++;
                break;
            }
            assert_int_equal(s[i], ',');
            i++;
        }
        nrows++;
    }
    return nrows;
}

static void csv_free(struct csv_row *rows, size_t n)
{
    size_t i, k;

    for (i = 0; i < n; i++)
        for (k = 0; k < rows[i].n; k++)
            free(rows[i].field[k]);
}

static void csv_check(const char *buf, size_t len, const struct judged *d, size_t nd)
{
    static struct csv_row rows[64];
    size_t hl = strlen(CSV_HEADER), nrows, i, k, r = 0, want = 0;

    assert_true(len >= hl);
    assert_memory_equal(buf, CSV_HEADER, hl);
    for (i = 0; i < nd; i++)
        want += d[i].j.n;
    nrows = csv_parse(buf + hl, len - hl, rows, NELEM(rows));
    assert_int_equal(nrows, want);
    for (i = 0; i < nd; i++)
        for (k = 0; k < d[i].j.n; k++, r++) {
            const struct tk_finding *f = &d[i].j.findings[k];

            assert_int_equal(rows[r].n, CSV_FIELDS);
            assert_string_equal(rows[r].field[0], d[i].obs->domain);
            assert_string_equal(rows[r].field[1], d[i].obs->agency);
            assert_string_equal(rows[r].field[2], tk_profile_name(d[i].obs->profile));
            assert_string_equal(rows[r].field[3], d[i].j.compliant ? "yes" : "no");
            assert_string_equal(rows[r].field[4], f->rule->id);
            assert_string_equal(rows[r].field[5], tk_level_name(f->rule->level));
            assert_string_equal(rows[r].field[6], tk_verdict_name(f->status));
            assert_string_equal(rows[r].field[7], f->evidence);
            assert_string_equal(rows[r].field[8], f->remediation);
        }
    csv_free(rows, nrows);
}

static void test_csv(void **state)
{
    struct tk_static_zone *z = zone_email();
    struct judged d[2];
    size_t len;
    char *buf;

    judged_make(&d[0], z, D, "Te \"Tari\" Tests, Ltd");
    judged_make(&d[1], z, P, NULL);
    buf = show_run(TK_FORMAT_CSV, false, d, 2, &len);
    csv_check(buf, len, d, 2);
    /* quotes are doubled: the agency and the quoted records */
    assert_non_null(strstr(buf, "\"Te \"\"Tari\"\" Tests, Ltd\""));
    assert_non_null(strstr(buf, "\"\"v=spf1 ip4:192.0.2.0/24 ~all\"\""));
    assert_true(no_control(buf, len, true));
    free(buf);

    /* no domain: the header alone */
    buf = show_run(TK_FORMAT_CSV, false, d, 0, &len);
    assert_int_equal(len, strlen(CSV_HEADER));
    assert_memory_equal(buf, CSV_HEADER, len);
    free(buf);
    judged_free(d, 2);
    tk_static_zone_free(z);
}

static void test_csv_hostile(void **state)
{
    struct tk_static_zone *z = zone_hostile();
    struct judged d[1];
    size_t len;
    char *buf;

    judged_make(&d[0], z, D, NULL);
    buf = show_run(TK_FORMAT_CSV, false, d, 1, &len);
    assert_true(no_control(buf, len, true));
    assert_true(utf8_valid((const unsigned char *)buf, len));
    csv_check(buf, len, d, 1);
    free(buf);
    judged_free(d, 1);
    tk_static_zone_free(z);
}

/* ---- text ---- */

static void text_check_rules(const char *buf, const struct judged *d)
{
    const struct tk_rule *r;

    for (r = tk_rules; r->id; r++) {
        char pat[64];

        if (r->profile != d->obs->profile || (r->needs_probe && !d->obs->probed))
            continue;
        snprintf(pat, sizeof(pat), " %s ", r->id);
        if (strstr(buf, pat) == NULL)
            fail_msg("text output does not name %s", r->id);
    }
}

static void test_text(void **state)
{
    struct tk_static_zone *z = zone_email(), *zh = zone_hostile();
    struct judged d[3];
    size_t len, i;
    char *buf;

    judged_make(&d[0], z, D, "Department of Tests");
    judged_make(&d[1], z, P, NULL);
    judged_make(&d[2], zh, D, NULL);
    buf = show_run(TK_FORMAT_TEXT, false, d, 3, &len);
    print_message("%s", buf);
    for (i = 0; i < 3; i++)
        text_check_rules(buf, &d[i]);
    assert_null(memchr(buf, '\033', len));
    assert_true(no_control(buf, len, true));
    assert_true(utf8_valid((const unsigned char *)buf, len));
    assert_non_null(strstr(buf, D "  NOT COMPLIANT"));
    assert_non_null(strstr(buf, P "  COMPLIANT"));
    assert_non_null(strstr(buf, "profile parked"));
    assert_non_null(strstr(buf, "agency Department of Tests"));
    /* every finding that does not pass has its fix under it */
    for (i = 0; i < d[0].j.n; i++)
        if (d[0].j.findings[i].status != TK_VERDICT_PASS)
            assert_non_null(strstr(buf, d[0].j.findings[i].remediation));
    assert_non_null(strstr(buf, "3 domains checked: 1 compliant, 2 not compliant."));
    free(buf);

    /* the other side: colour on writes escape sequences */
    buf = show_run(TK_FORMAT_TEXT, true, d, 1, &len);
    assert_non_null(memchr(buf, '\033', len));
    free(buf);
    judged_free(d, 3);
    tk_static_zone_free(z);
    tk_static_zone_free(zh);
}

/* A domain whose every look-up failed is "NOT CHECKED", not "NOT
 * COMPLIANT". */
static void test_text_not_checked(void **state)
{
    struct tk_static_zone *z;
    struct judged d[1];
    size_t len;
    char *buf;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, D, TK_DNS_MX), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, D, TK_DNS_TXT), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, "_dmarc." D, TK_DNS_TXT), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, "_smtp._tls." D, TK_DNS_TXT), TK_OK);
    assert_int_equal(tk_static_zone_add_temp(z, "_mta-sts." D, TK_DNS_TXT), TK_OK);
    judged_make(&d[0], z, D, NULL);
    assert_true(d[0].j.all_unknown);
    buf = show_run(TK_FORMAT_TEXT, false, d, 1, &len);
    assert_non_null(strstr(buf, D "  NOT CHECKED"));
    assert_null(strstr(buf, "NOT COMPLIANT"));
    text_check_rules(buf, &d[0]);
    free(buf);
    judged_free(d, 1);
    tk_static_zone_free(z);
}

static void test_format_parse(void **state)
{
    static const struct {
        const char *name;
        bool ok;
        enum tk_format f;
    } cases[] = {
        {"text", true, TK_FORMAT_TEXT},
        {"json", true, TK_FORMAT_JSON},
        {"csv", true, TK_FORMAT_CSV},
        {"JSON", false, 0},
        {"", false, 0},
        {"jsonl", false, 0},
    };
    size_t i;

    for (i = 0; i < NELEM(cases); i++) {
        enum tk_format f = (enum tk_format)99;

        assert_int_equal(tk_format_parse(cases[i].name, &f), cases[i].ok);
        if (cases[i].ok)
            assert_int_equal(f, cases[i].f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_kept),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_hostile),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_text_not_checked),
        cmocka_unit_test(test_format_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
