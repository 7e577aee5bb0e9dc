/*
 * NAME
 *	test_inventory.c - unit tests of the CSV splitter and the inventory
 *	reader
 * DESCRIPTION
 *	tk_csv_split is table-driven: quotes, doubled quotes, empty fields,
 *	unterminated quotes, text after a closing quote, NUL bytes, and both
 *	sides of the field limit. The reader is fed files written to a
 *	temporary file: columns in any order, missing optional columns, no
 *	domain column, comments and blank lines, CRLF, both sides of
 *	TK_CSV_LINE_MAX and TK_DKIM_SELECTORS_MAX, bad profiles, bulk
 *	values, selector splitting, and a bad line followed by a good one
 *	(the error names the line; the next line is still read).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "inventory/inventory.h"

/* ---- tk_csv_split ---- */

struct split_case {
    const char *line; /* NULL: linebin/linelen */
    const char *linebin;
    size_t linelen;
    enum tk_status want;
    const char *fields[6]; /* TK_OK: the fields, ending at NULL */
    const char *why;       /* not OK: part of the error */
};

static const struct split_case split_cases[] = {
    {"a,b,c", NULL, 0, TK_OK, {"a", "b", "c", NULL}, NULL},
    {"", NULL, 0, TK_OK, {"", NULL}, NULL},
    {",", NULL, 0, TK_OK, {"", "", NULL}, NULL},
    {"a,,b", NULL, 0, TK_OK, {"a", "", "b", NULL}, NULL},
    {"a,", NULL, 0, TK_OK, {"a", "", NULL}, NULL},
    {",a", NULL, 0, TK_OK, {"", "a", NULL}, NULL},
    {" a , b ", NULL, 0, TK_OK, {" a ", " b ", NULL}, NULL},
    {"\"a,b\",c", NULL, 0, TK_OK, {"a,b", "c", NULL}, NULL},
    {"\"say \"\"hi\"\"\"", NULL, 0, TK_OK, {"say \"hi\"", NULL}, NULL},
    {"\"\"", NULL, 0, TK_OK, {"", NULL}, NULL},
    {"\"\",\"\"", NULL, 0, TK_OK, {"", "", NULL}, NULL},
    {"\"\"\"\"", NULL, 0, TK_OK, {"\"", NULL}, NULL},
    {"x,\"\"", NULL, 0, TK_OK, {"x", "", NULL}, NULL},
    {"\"two\nlines\",x", NULL, 0, TK_OK, {"two\nlines", "x", NULL}, NULL},
    {"ab\"c\",d", NULL, 0, TK_OK, {"ab\"c\"", "d", NULL}, NULL}, /* quotes mid-field kept */
    {"\"M\xc4\x81ori\",\xe2\x80\x94", NULL, 0, TK_OK, {"M\xc4\x81ori", "\xe2\x80\x94", NULL}, NULL},
    {"\"abc", NULL, 0, TK_INVALID, {NULL}, "field 1: a quote is never closed"},
    {"x,\"abc", NULL, 0, TK_INVALID, {NULL}, "field 2: a quote is never closed"},
    {"\"a\"\"", NULL, 0, TK_INVALID, {NULL}, "never closed"},
    {"\"", NULL, 0, TK_INVALID, {NULL}, "never closed"},
    {"\"abc\"x", NULL, 0, TK_INVALID, {NULL}, "field 1: text after the closing quote"},
    {"a,\"abc\" ,x", NULL, 0, TK_INVALID, {NULL}, "field 2: text after the closing quote"},
    {NULL, "a\0b,c", 5, TK_INVALID, {NULL}, "NUL"},
    {NULL, "a,\"b\0\"", 6, TK_INVALID, {NULL}, "NUL"},
    {NULL, "a,b,c,d", 3, TK_OK, {"a", "b", NULL}, NULL}, /* only len bytes */
};

static void test_split_table(void **state)
{
    struct tk_buf storage = {0};
    size_t i, k;

    for (i = 0; i < NELEM(split_cases); i++) {
        const struct split_case *t = &split_cases[i];
        const char *line = t->line ? t->line : t->linebin;
        size_t len = t->line ? strlen(t->line) : t->linelen;
        const char *fields[TK_CSV_FIELDS_MAX];
        size_t n = 999, want_n = 0;
        struct tk_error err;
        enum tk_status st;

        tk_error_clear(&err);
        st = tk_csv_split(line, len, &storage, fields, TK_CSV_FIELDS_MAX, &n, &err);
        if (st != t->want)
            fail_msg("case %zu: got %s, want %s (%s)", i, tk_status_name(st),
                     tk_status_name(t->want), err.msg);
        if (st != TK_OK) {
            assert_int_equal(err.code, st);
            if (strstr(err.msg, t->why) == NULL)
                fail_msg("case %zu: error '%s' lacks '%s'", i, err.msg, t->why);
            continue;
        }
        while (t->fields[want_n])
            want_n++;
        if (n != want_n)
            fail_msg("case %zu: %zu fields, want %zu", i, n, want_n);
        for (k = 0; k < n; k++)
            if (strcmp(fields[k], t->fields[k]) != 0)
                fail_msg("case %zu field %zu: '%s', want '%s'", i, k, fields[k], t->fields[k]);
    }
    tk_buf_free(&storage);
}

/* make_line writes n fields "f0,f1,..." into a static buffer. */
static const char *make_line(size_t n)
{
    static char line[1024];
    size_t w = 0, i;

    for (i = 0; i < n; i++)
        w += (size_t)snprintf(line + w, sizeof(line) - w, "%sf%zu", i ? "," : "", i);
    line[w] = '\0';
    return line;
}

static void test_split_field_limit(void **state)
{
    struct tk_buf storage = {0};
    const char *fields[TK_CSV_FIELDS_MAX];
    const char *line;
    struct tk_error err;
    size_t n = 0;

    line = make_line(TK_CSV_FIELDS_MAX);
    assert_int_equal(
        tk_csv_split(line, strlen(line), &storage, fields, TK_CSV_FIELDS_MAX, &n, &err), TK_OK);
    assert_int_equal(n, TK_CSV_FIELDS_MAX);
    assert_string_equal(fields[TK_CSV_FIELDS_MAX - 1], "f31");
    line = make_line(TK_CSV_FIELDS_MAX + 1);
    tk_error_clear(&err);
    assert_int_equal(
        tk_csv_split(line, strlen(line), &storage, fields, TK_CSV_FIELDS_MAX, &n, &err), TK_LIMIT);
    assert_int_equal(err.code, TK_LIMIT);
    assert_non_null(strstr(err.msg, "32"));
    /* A caller's smaller max is honoured on both sides ... */
    line = make_line(3);
    assert_int_equal(tk_csv_split(line, strlen(line), &storage, fields, 3, &n, &err), TK_OK);
    assert_int_equal(n, 3);
    line = make_line(4);
    assert_int_equal(tk_csv_split(line, strlen(line), &storage, fields, 3, &n, &err), TK_LIMIT);
    /* ... and a larger one is clamped to TK_CSV_FIELDS_MAX (fields[] has
     * only that many entries). */
    line = make_line(TK_CSV_FIELDS_MAX + 1);
    assert_int_equal(tk_csv_split(line, strlen(line), &storage, fields, 1000, &n, &err), TK_LIMIT);
    tk_buf_free(&storage);
}

static void test_split_reuses_storage(void **state)
{
    struct tk_buf storage = {0};
    const char *fields[TK_CSV_FIELDS_MAX];
    size_t n;
    char big[2000];

    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(tk_csv_split("x,y", 3, &storage, fields, TK_CSV_FIELDS_MAX, &n, NULL), TK_OK);
    /* A line that makes storage grow: earlier fields must not dangle. */
    assert_int_equal(tk_csv_split(big, strlen(big), &storage, fields, TK_CSV_FIELDS_MAX, &n, NULL),
                     TK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(fields[0], big);
    assert_int_equal(tk_csv_split("p,\"q\"", 5, &storage, fields, TK_CSV_FIELDS_MAX, &n, NULL),
                     TK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(fields[0], "p");
    assert_string_equal(fields[1], "q");
    tk_buf_free(&storage);
}

/* ---- the reader ---- */

#define ROWS_MAX 64

struct got_row {
    enum tk_status st;
    char domain[300];
    char agency[300];
    char contact[100];
    enum tk_profile profile;
    bool bulk;
    size_t nselectors;
    char selectors[TK_DKIM_SELECTORS_MAX][40];
    char err[TK_ERROR_MSG_MAX];
};

struct got {
    enum tk_status open_st;
    char open_err[TK_ERROR_MSG_MAX];
    size_t n; /* rows and errors before TK_ABSENT */
    struct got_row r[ROWS_MAX];
};

static FILE *file_of(const char *text, size_t len)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    return f;
}

static void copy_row(struct got_row *g, const struct tk_inventory_row *row)
{
    size_t i;

    snprintf(g->domain, sizeof(g->domain), "%s", row->domain);
    snprintf(g->agency, sizeof(g->agency), "%s", row->agency);
    snprintf(g->contact, sizeof(g->contact), "%s", row->contact);
    g->profile = row->profile;
    g->bulk = row->bulk;
    g->nselectors = row->nselectors;
    assert_true(row->nselectors <= TK_DKIM_SELECTORS_MAX);
    for (i = 0; i < row->nselectors; i++)
        snprintf(g->selectors[i], sizeof(g->selectors[i]), "%s", row->selectors[i]);
}

/* read_all opens len bytes of text as an inventory and reads every row. */
static struct got *read_all_len(const char *text, size_t len)
{
    struct got *g = calloc(1, sizeof(*g));
    struct tk_inventory *inv = NULL;
    struct tk_error err;
    FILE *f = file_of(text, len);

    assert_non_null(g);
    tk_error_clear(&err);
    g->open_st = tk_inventory_open(f, "inv.csv", &inv, &err);
    snprintf(g->open_err, sizeof(g->open_err), "%s", err.msg);
    if (g->open_st != TK_OK) {
        fclose(f);
        return g;
    }
    for (;;) {
        struct tk_inventory_row row;
        struct got_row *r = &g->r[g->n];
        enum tk_status st;

        tk_error_clear(&err);
        st = tk_inventory_next(inv, &row, &err);
        if (st == TK_ABSENT)
            break;
        assert_true(g->n < ROWS_MAX);
        r->st = st;
        if (st == TK_OK)
            copy_row(r, &row);
        else
            snprintf(r->err, sizeof(r->err), "%s", err.msg);
        g->n++;
    }
    /* At the end it stays at the end. */
    assert_int_equal(tk_inventory_next(inv, &(struct tk_inventory_row){0}, &err), TK_ABSENT);
    tk_inventory_close(inv);
    fclose(f);
    return g;
}

static struct got *read_all(const char *text)
{
    return read_all_len(text, strlen(text));
}

static void assert_has(const char *msg, const char *sub)
{
    if (strstr(msg, sub) == NULL)
        fail_msg("'%s' lacks '%s'", msg, sub);
}

static void test_all_columns_any_order(void **state)
{
    struct got *g = read_all("contact,Bulk,DOMAIN,profile,agency,dkim_selectors,notes\n"
                             "dmarc@a.govt.nz,yes,a.govt.nz,parked,\"Ministry of A, B\",s1 s2,x\n"
                             "c@b.nz,,b.govt.nz,EMAIL,Dept B,,\n");

    assert_int_equal(g->open_st, TK_OK);
    assert_int_equal(g->n, 2);
    assert_int_equal(g->r[0].st, TK_OK);
    assert_string_equal(g->r[0].domain, "a.govt.nz");
    assert_string_equal(g->r[0].agency, "Ministry of A, B");
    assert_string_equal(g->r[0].contact, "dmarc@a.govt.nz");
    assert_int_equal(g->r[0].profile, TK_PROFILE_PARKED);
    assert_true(g->r[0].bulk);
    assert_int_equal(g->r[0].nselectors, 2);
    assert_string_equal(g->r[0].selectors[0], "s1");
    assert_string_equal(g->r[0].selectors[1], "s2");
    assert_int_equal(g->r[1].st, TK_OK);
    assert_string_equal(g->r[1].domain, "b.govt.nz");
    assert_string_equal(g->r[1].agency, "Dept B");
    assert_int_equal(g->r[1].profile, TK_PROFILE_EMAIL);
    assert_false(g->r[1].bulk);
    assert_int_equal(g->r[1].nselectors, 0);
    free(g);
}

static void test_optional_columns_missing(void **state)
{
    struct got *g = read_all("domain\na.govt.nz\nb.govt.nz");

    assert_int_equal(g->open_st, TK_OK);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->r[0].domain, "a.govt.nz");
    assert_string_equal(g->r[0].agency, "");
    assert_string_equal(g->r[0].contact, "");
    assert_int_equal(g->r[0].profile, TK_PROFILE_UNSET);
    assert_false(g->r[0].bulk);
    assert_int_equal(g->r[0].nselectors, 0);
    assert_string_equal(g->r[1].domain, "b.govt.nz"); /* no final newline */
    free(g);

    /* A row with fewer fields than the header: the rest are empty. */
    g = read_all("domain,agency,profile\nshort.nz\n");
    assert_int_equal(g->n, 1);
    assert_int_equal(g->r[0].st, TK_OK);
    assert_string_equal(g->r[0].agency, "");
    assert_int_equal(g->r[0].profile, TK_PROFILE_UNSET);
    free(g);
}

struct header_case {
    const char *text;
    enum tk_status want;
    const char *why;
};

static const struct header_case header_cases[] = {
    {"agency,contact\na.nz,b\n", TK_INVALID, "inv.csv:1: the header row has no 'domain' column"},
    {"domains,agency\n", TK_INVALID, "no 'domain' column"},
    {"\"domain\nx\n", TK_INVALID, "inv.csv:1: field 1: a quote is never closed"},
    {"", TK_INVALID, "inv.csv: no header row"},
    {"domain\n", TK_OK, NULL},
    {"\"domain\"\n", TK_OK, NULL},
    {"x,y,Domain\n", TK_OK, NULL},
    /* Comments and blank lines before the header are skipped too. */
    {"# NZ government mail domains\n\ndomain,agency\n", TK_OK, NULL},
    {"# inventory\r\n\r\nagency\n", TK_INVALID, "inv.csv:3: the header row has no 'domain'"},
    {"# only a comment\n\n", TK_INVALID, "inv.csv: no header row"},
    /* TK_CSV_FIELDS_MAX columns, and one more. */
    {"domain,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,"
     "c21,c22,c23,c24,c25,c26,c27,c28,c29,c30,c31\n",
     TK_OK, NULL},
    {"domain,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,"
     "c21,c22,c23,c24,c25,c26,c27,c28,c29,c30,c31,c32\n",
     TK_LIMIT, "inv.csv:1: more than 32 fields"},
};

static void test_header(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(header_cases); i++) {
        struct got *g = read_all(header_cases[i].text);

        if (g->open_st != header_cases[i].want)
            fail_msg("case %zu: got %s (%s)", i, tk_status_name(g->open_st), g->open_err);
        if (g->open_st == TK_OK)
            assert_int_equal(g->n, 0);
        else
            assert_has(g->open_err, header_cases[i].why);
        free(g);
    }
}

static void test_comments_and_blank_lines(void **state)
{
    struct got *g = read_all("domain,agency\n"
                             "\n"
                             "# a comment, with \"an unclosed quote\n"
                             "a.nz,A\n"
                             "\r\n"
                             "#b.nz,B\n"
                             "\n\n"
                             "c.nz,\"#not a comment\"\n"
                             "d.nz,\"x\n" /* line 10 */
                             "e.nz,E\n");

    assert_int_equal(g->open_st, TK_OK);
    assert_int_equal(g->n, 4);
    assert_string_equal(g->r[0].domain, "a.nz");
    assert_string_equal(g->r[1].domain, "c.nz");
    assert_string_equal(g->r[1].agency, "#not a comment");
    /* Skipped lines still count for the line number in errors. */
    assert_int_equal(g->r[2].st, TK_INVALID);
    assert_has(g->r[2].err, "inv.csv:10: field 2: a quote is never closed");
    assert_int_equal(g->r[3].st, TK_OK);
    assert_string_equal(g->r[3].domain, "e.nz");
    free(g);
}

static void test_crlf(void **state)
{
    struct got *g = read_all("domain,agency,bulk\r\n"
                             "a.nz,Agency A,yes\r\n"
                             "b.nz,,\r\n"
                             "c.nz,\"Quoted\"\r\n");

    assert_int_equal(g->open_st, TK_OK);
    assert_int_equal(g->n, 3);
    assert_string_equal(g->r[0].domain, "a.nz");
    assert_string_equal(g->r[0].agency, "Agency A");
    assert_true(g->r[0].bulk); /* "yes", not "yes\r" */
    assert_string_equal(g->r[1].agency, "");
    assert_int_equal(g->r[2].st, TK_OK); /* no \r after the closing quote */
    assert_string_equal(g->r[2].agency, "Quoted");
    free(g);
}

/* long_line_file writes a header, a line of exactly content_len bytes
 * (domain x.nz, then the agency padding it out) ending in eol, then
 * "next.nz,N\n". */
static char *long_line_file(size_t content_len, const char *eol, size_t *len)
{
    size_t cap = content_len + 100, w;
    char *s = malloc(cap);

    assert_non_null(s);
    w = (size_t)snprintf(s, cap, "domain,agency\nx.nz,");
    memset(s + w, 'p', content_len - 5);
    w += content_len - 5;
    w += (size_t)snprintf(s + w, cap - w, "%snext.nz,N\n", eol);
    *len = w;
    return s;
}

struct line_max_case {
    size_t content;
    const char *eol;
    bool fits;
};

static const struct line_max_case line_max_cases[] = {
    {TK_CSV_LINE_MAX - 1, "\n", true},    {TK_CSV_LINE_MAX, "\n", true},
    {TK_CSV_LINE_MAX, "\r\n", true},      {TK_CSV_LINE_MAX + 1, "\n", false},
    {TK_CSV_LINE_MAX + 1, "\r\n", false}, {TK_CSV_LINE_MAX + 2, "\n", false},
    {3 * TK_CSV_LINE_MAX, "\n", false},   {3 * TK_CSV_LINE_MAX, "\r\n", false},
};

static void test_line_max(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(line_max_cases); i++) {
        const struct line_max_case *t = &line_max_cases[i];
        size_t len;
        char *text = long_line_file(t->content, t->eol, &len);
        struct got *g = read_all_len(text, len);

        assert_int_equal(g->open_st, TK_OK);
        if (g->n != 2)
            fail_msg("case %zu (%zu bytes): %zu results", i, t->content, g->n);
        if (t->fits) {
            if (g->r[0].st != TK_OK)
                fail_msg("case %zu (%zu bytes): %s", i, t->content, g->r[0].err);
            assert_string_equal(g->r[0].domain, "x.nz");
        } else {
            assert_int_equal(g->r[0].st, TK_LIMIT);
            assert_has(g->r[0].err, "inv.csv:2:");
            assert_has(g->r[0].err, "8192");
        }
        /* Either way the next line is read, as line 3. */
        assert_int_equal(g->r[1].st, TK_OK);
        assert_string_equal(g->r[1].domain, "next.nz");
        assert_string_equal(g->r[1].agency, "N");
        free(g);
        free(text);
    }
}

static void test_long_last_line(void **state)
{
    size_t len;
    char *text = long_line_file(TK_CSV_LINE_MAX + 1, "", &len);
    struct got *g;

    /* Cut "next.nz,N\n" off: the long line is the last, with no newline. */
    len -= strlen("next.nz,N\n");
    g = read_all_len(text, len);
    assert_int_equal(g->n, 1);
    assert_int_equal(g->r[0].st, TK_LIMIT);
    free(g);
    free(text);
}

static void test_nul_in_line(void **state)
{
    static const char text[] = "domain,agency\n"
                               "a.nz\0evil.nz,A\n"
                               "b.nz,B\n"
                               "\0c.nz,C\n"
                               "d.nz,\"x\n";
    struct got *g = read_all_len(text, sizeof(text) - 1);

    assert_int_equal(g->open_st, TK_OK);
    assert_int_equal(g->n, 4);
    /* Not cut at the NUL and taken as "a.nz" ... */
    assert_int_equal(g->r[0].st, TK_INVALID);
    assert_has(g->r[0].err, "inv.csv:2:");
    assert_has(g->r[0].err, "NUL");
    /* ... nor swallowing the next line. */
    assert_int_equal(g->r[1].st, TK_OK);
    assert_string_equal(g->r[1].domain, "b.nz");
    assert_int_equal(g->r[2].st, TK_INVALID);
    assert_has(g->r[2].err, "inv.csv:4:");
    assert_int_equal(g->r[3].st, TK_INVALID);
    assert_has(g->r[3].err, "inv.csv:5:"); /* line numbers stay right */
    free(g);
}

static void test_bad_rows(void **state)
{
    struct got *g = read_all("domain,profile,agency\n"
                             "a.nz,web,A\n"
                             "b.nz,parked,B\n"
                             ",email,No domain\n"
                             "c.nz,Parked\n"
                             "d.nz,\"email\"x\n"
                             "e.nz,emails\n");

    assert_int_equal(g->n, 6);
    assert_int_equal(g->r[0].st, TK_INVALID);
    assert_has(g->r[0].err, "inv.csv:2: profile 'web' is not email or parked");
    assert_int_equal(g->r[1].st, TK_OK);
    assert_int_equal(g->r[1].profile, TK_PROFILE_PARKED);
    assert_int_equal(g->r[2].st, TK_INVALID);
    assert_has(g->r[2].err, "inv.csv:4: no domain");
    assert_int_equal(g->r[3].st, TK_OK);
    assert_int_equal(g->r[3].profile, TK_PROFILE_PARKED);
    assert_int_equal(g->r[4].st, TK_INVALID);
    assert_has(g->r[4].err, "inv.csv:6: field 2: text after the closing quote");
    assert_int_equal(g->r[5].st, TK_INVALID);
    assert_has(g->r[5].err, "inv.csv:7:");
    free(g);
}

struct bulk_case {
    const char *text;
    bool bulk;
};

static const struct bulk_case bulk_cases[] = {
    {"yes", true},   {"YES", true},     {"Yes", true}, {"true", true}, {"TRUE", true},
    {"1", true},     {"", false},       {"no", false}, {"0", false},   {"false", false},
    {"yess", false}, {"y", false},      {"2", false},  {"01", false},  {" yes", false},
    {"t", false},    {"truest", false},
};

static void test_bulk(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(bulk_cases); i++) {
        char text[100];
        struct got *g;

        snprintf(text, sizeof(text), "domain,bulk\na.nz,%s\n", bulk_cases[i].text);
        g = read_all(text);
        assert_int_equal(g->n, 1);
        assert_int_equal(g->r[0].st, TK_OK);
        if (g->r[0].bulk != bulk_cases[i].bulk)
            fail_msg("case %zu: bulk '%s' read as %d", i, bulk_cases[i].text, g->r[0].bulk);
        free(g);
    }
}

struct sel_case {
    const char *field;
    const char *sel[4];
};

static const struct sel_case sel_cases[] = {
    {"s1", {"s1"}},
    {"s1 s2", {"s1", "s2"}},
    {"  s1   s2  ", {"s1", "s2"}},
    {"s1\ts2 \t s3", {"s1", "s2", "s3"}},
    {"google;selector1", {"google", "selector1"}},
    {"", {NULL}},
    {"   ", {NULL}},
    {"\"a b\"", {"a", "b"}},
};

static void test_selectors(void **state)
{
    size_t i, k;

    for (i = 0; i < NELEM(sel_cases); i++) {
        char text[200];
        struct got *g;
        size_t want = 0;

        while (want < 4 && sel_cases[i].sel[want])
            want++;
        snprintf(text, sizeof(text), "domain,dkim_selectors\na.nz,%s\n", sel_cases[i].field);
        g = read_all(text);
        assert_int_equal(g->n, 1);
        assert_int_equal(g->r[0].st, TK_OK);
        if (g->r[0].nselectors != want)
            fail_msg("case %zu '%s': %zu selectors", i, sel_cases[i].field, g->r[0].nselectors);
        for (k = 0; k < want; k++)
            assert_string_equal(g->r[0].selectors[k], sel_cases[i].sel[k]);
        free(g);
    }
}

static void test_selector_limit(void **state)
{
    size_t n;

    for (n = TK_DKIM_SELECTORS_MAX - 1; n <= TK_DKIM_SELECTORS_MAX + 2; n++) {
        char text[1024];
        size_t w, i;
        struct got *g;

        w = (size_t)snprintf(text, sizeof(text), "domain,dkim_selectors\na.nz,");
        for (i = 0; i < n; i++)
            w += (size_t)snprintf(text + w, sizeof(text) - w, "sel%zu ", i);
        snprintf(text + w, sizeof(text) - w, "\nb.nz,\n");
        g = read_all(text);
        assert_int_equal(g->n, 2);
        if (n <= TK_DKIM_SELECTORS_MAX) {
            assert_int_equal(g->r[0].st, TK_OK);
            assert_int_equal(g->r[0].nselectors, n);
            assert_string_equal(g->r[0].selectors[n - 1], n == 32 ? "sel31" : "sel30");
        } else {
            /* Dropping selectors silently would hide keys from the
             * check: truncation is an error. */
            assert_int_equal(g->r[0].st, TK_LIMIT);
            assert_has(g->r[0].err, "inv.csv:2:");
            assert_has(g->r[0].err, "32");
        }
        assert_int_equal(g->r[1].st, TK_OK);
        assert_string_equal(g->r[1].domain, "b.nz");
        free(g);
    }
}

static void test_profile_parse(void **state)
{
    enum tk_profile p = TK_PROFILE_EMAIL;

    assert_true(tk_profile_parse("", &p));
    assert_int_equal(p, TK_PROFILE_UNSET);
    assert_true(tk_profile_parse("Email", &p));
    assert_int_equal(p, TK_PROFILE_EMAIL);
    assert_true(tk_profile_parse("PARKED", &p));
    assert_int_equal(p, TK_PROFILE_PARKED);
    p = TK_PROFILE_EMAIL;
    assert_false(tk_profile_parse("park", &p));
    assert_false(tk_profile_parse(" email", &p));
    assert_false(tk_profile_parse("none", &p));
    assert_int_equal(p, TK_PROFILE_EMAIL);
}

/* A file in a temporary directory, bigger than any stdio buffer: every
 * row comes back, in order, one bounded line at a time. */
static void test_big_file(void **state)
{
    char dir[] = "/tmp/tiaki-inv-XXXXXX", path[64];
    struct tk_inventory *inv;
    struct tk_inventory_row row;
    struct tk_error err;
    unsigned long i, n = 0;
    FILE *f;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/inventory.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "domain,agency,dkim_selectors\n");
    for (i = 0; i < 20000; i++)
        fprintf(f, "d%lu.govt.nz,\"Agency %lu, NZ\",s%lu\n", i, i, i);
    assert_int_equal(fclose(f), 0);

    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(tk_inventory_open(f, path, &inv, &err), TK_OK);
    while (tk_inventory_next(inv, &row, &err) == TK_OK) {
        char want[64];

        snprintf(want, sizeof(want), "d%lu.govt.nz", n);
        assert_string_equal(row.domain, want);
        assert_int_equal(row.nselectors, 1);
        n++;
    }
    assert_int_equal(n, 20000);
    tk_inventory_close(inv);
    tk_inventory_close(NULL);
    fclose(f);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_table),
        cmocka_unit_test(test_split_field_limit),
        cmocka_unit_test(test_split_reuses_storage),
        cmocka_unit_test(test_all_columns_any_order),
        cmocka_unit_test(test_optional_columns_missing),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_line_max),
        cmocka_unit_test(test_long_last_line),
        cmocka_unit_test(test_nul_in_line),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_bulk),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_selector_limit),
        cmocka_unit_test(test_profile_parse),
        cmocka_unit_test(test_big_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
