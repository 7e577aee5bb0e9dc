/*
 * NAME
 *	test_smtp_reply.c - unit tests of the SMTP reply parser
 * DESCRIPTION
 *	Table-driven: each case is the bytes read so far and what the
 *	parser must say (a whole reply with its code, lines and length;
 *	"read more"; garbage; a limit). Covers single and multi-line
 *	replies, CRLF and bare LF, a reply followed by the next one, every
 *	place a read can split a reply, garbage caught before its line
 *	ends (TLS records, HTTP), codes outside 2xx-5xx, a code that
 *	changes between lines, both sides of the line, line-count and size
 *	limits, EHLO keywords, the one-line display of a reply, and
 *	deterministic garbage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "probe/probe.h"
#include "probe/smtp_reply.h"

static bool span_is(struct tk_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* ---- the table ---- */

struct reply_case {
    const char *in;
    enum tk_status want;
    int code;
    size_t nlines;
    size_t len;          /* bytes taken; 0: all of in */
    const char *first;   /* text of the first line */
    const char *err_sub; /* part of the error message */
};

static const struct reply_case reply_cases[] = {
    {"220 mx.example.org ESMTP\r\n", TK_OK, 220, 1, 0, "mx.example.org ESMTP", NULL},
    {"220 mx\n", TK_OK, 220, 1, 0, "mx", NULL},
    {"250-mx\r\n250-SIZE 10\r\n250 STARTTLS\r\n", TK_OK, 250, 3, 0, "mx", NULL},
    {"250-mx\n250-a\r\n250 b\n", TK_OK, 250, 3, 0, "mx", NULL},
    {"250\r\n", TK_OK, 250, 1, 0, "", NULL},
    {"250 \r\n", TK_OK, 250, 1, 0, "", NULL},
    {"250-\r\n250\r\n", TK_OK, 250, 2, 0, "", NULL},
    {"554 5.7.1 go away\r\n", TK_OK, 554, 1, 0, "5.7.1 go away", NULL},
    {"421 4.3.2 busy\r\n", TK_OK, 421, 1, 0, "4.3.2 busy", NULL},
    {"599 x\r\n", TK_OK, 599, 1, 0, "x", NULL},
    {"250 ok\r\n221 bye\r\n", TK_OK, 250, 1, 8, "ok", NULL},
    {"220 a\r\nHTTP garbage", TK_OK, 220, 1, 7, "a", NULL},
    {"250 a\tb \r\n", TK_OK, 250, 1, 0, "a\tb ", NULL},
    {"250 a\rb\r\n", TK_OK, 250, 1, 0, "a\rb", NULL},
    /* Read more. */
    {"", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"2", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"25", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250\r", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250 ", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250 ok\r", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250-mx\r\n", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250-mx\r\n25", TK_TEMP, 0, 0, 0, NULL, NULL},
    {"250-mx\r\n250-", TK_TEMP, 0, 0, 0, NULL, NULL},
    /* Garbage, whole lines or not. */
    {"HTTP/1.1 400 Bad Request\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"H", TK_INVALID, 0, 0, 0, NULL, "\"H\""},
    {"\x16\x03\x01", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply: \"???\""},
    {"2x", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"25x 0\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"2500", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"250x\r\n", TK_INVALID, 0, 0, 0, NULL, "\"250x\""},
    {"250\r\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"250\rx", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"199 x\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"600 x\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"050 x\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {" 250 x\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply: \"\""},
    {"25\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"250-a\r\n251 b\r\n", TK_INVALID, 0, 0, 0, NULL, "code changes inside one reply: \"251 b\""},
    {"250-a\r\n220", TK_TEMP, 0, 0, 0, NULL, NULL}, /* its line is not whole yet */
    {"250-a\r\n\r\n", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply"},
    {"250-a\r\nxyz", TK_INVALID, 0, 0, 0, NULL, "not an SMTP reply: \"xyz\""},
};

static void check_case(size_t i, const struct reply_case *t)
{
    struct tk_smtp_reply r;
    struct tk_error err = {0};
    size_t inlen = strlen(t->in);
    enum tk_status st = tk_smtp_reply_parse(t->in, inlen, &r, &err);

    if (st != t->want)
        fail_msg("case %zu '%s': %s, want %s (%s)", i, t->in, tk_status_name(st),
                 tk_status_name(t->want), err.msg);
    if (st == TK_OK) {
        if (r.code != t->code || r.nlines != t->nlines || r.len != (t->len ? t->len : inlen))
            fail_msg("case %zu '%s': code %d, %zu lines, %zu bytes", i, t->in, r.code, r.nlines,
                     r.len);
        if (!span_is(r.text[0], t->first))
            fail_msg("case %zu: first line '%.*s', want '%s'", i, (int)r.text[0].len, r.text[0].p,
                     t->first);
        return;
    }
    if (st == TK_TEMP)
        return;
    assert_int_equal(err.code, st);
    assert_true(testutil_printable(err.msg));
    if (t->err_sub != NULL && strstr(err.msg, t->err_sub) == NULL)
        fail_msg("case %zu: error '%s' does not say '%s'", i, err.msg, t->err_sub);
}

static void test_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(reply_cases); i++)
        check_case(i, &reply_cases[i]);
}

/* Every proper prefix of a whole reply asks for more; the whole one is
 * taken, wherever reads split it. */
static void test_every_split(void **state)
{
    static const char in[] = "250-mx.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 1\r\n"
                             "250 STARTTLS\r\n";
    struct tk_smtp_reply r;
    size_t n;

    for (n = 0; n < sizeof(in) - 1; n++)
        assert_int_equal(tk_smtp_reply_parse(in, n, &r, NULL), TK_TEMP);
    assert_int_equal(tk_smtp_reply_parse(in, sizeof(in) - 1, &r, NULL), TK_OK);
    assert_int_equal(r.nlines, 4);
    assert_int_equal(r.len, sizeof(in) - 1);
    assert_true(span_is(r.text[3], "STARTTLS"));
}

/* Spans point into the input; a NUL inside a line is text. */
static void test_spans(void **state)
{
    static const char in[] = "250-a\0b\r\n250 c\r\n";
    struct tk_smtp_reply r;

    assert_int_equal(tk_smtp_reply_parse(in, sizeof(in) - 1, &r, NULL), TK_OK);
    assert_int_equal(r.nlines, 2);
    assert_ptr_equal(r.text[0].p, in + 4);
    assert_int_equal(r.text[0].len, 3);
    assert_ptr_equal(r.text[1].p, in + 13);
}

/* ---- limits ---- */

/* make_line writes "CODE" sep and fill up to len bytes (line end not
 * counted), then CRLF when crlf, at dst; returns the bytes written. */
static size_t make_line(char *dst, const char *code_sep, size_t len, bool crlf)
{
    size_t n = strlen(code_sep);

    memcpy(dst, code_sep, n);
    memset(dst + n, 'x', len - n);
    if (crlf)
        memcpy(dst + len, "\r\n", 2);
    return len + (crlf ? 2 : 0);
}

static void test_line_limit(void **state)
{
    char buf[TK_SMTP_LINE_MAX + 8];
    struct tk_smtp_reply r;
    struct tk_error err = {0};
    size_t n;

    n = make_line(buf, "220 ", TK_SMTP_LINE_MAX, true);
    assert_int_equal(tk_smtp_reply_parse(buf, n, &r, NULL), TK_OK);
    assert_int_equal(r.text[0].len, TK_SMTP_LINE_MAX - 4);
    n = make_line(buf, "220 ", TK_SMTP_LINE_MAX + 1, true);
    assert_int_equal(tk_smtp_reply_parse(buf, n, &r, &err), TK_LIMIT);
    assert_non_null(strstr(err.msg, "longer than 512 bytes: \"220 xxx"));
    assert_true(testutil_printable(err.msg));

    /* Not yet ended: 512 bytes and a CR may still be a line. */
    n = make_line(buf, "220 ", TK_SMTP_LINE_MAX, false);
    assert_int_equal(tk_smtp_reply_parse(buf, n, &r, NULL), TK_TEMP);
    buf[n] = '\r';
    assert_int_equal(tk_smtp_reply_parse(buf, n + 1, &r, NULL), TK_TEMP);
    buf[n + 1] = '\n';
    assert_int_equal(tk_smtp_reply_parse(buf, n + 2, &r, NULL), TK_OK);
    buf[n] = 'x';
    assert_int_equal(tk_smtp_reply_parse(buf, n + 1, &r, NULL), TK_LIMIT);
    buf[n] = '\r';
    buf[n + 1] = 'x';
    assert_int_equal(tk_smtp_reply_parse(buf, n + 2, &r, NULL), TK_LIMIT);

    /* Garbage is garbage before it is too long. */
    memset(buf, 'q', sizeof(buf));
    assert_int_equal(tk_smtp_reply_parse(buf, sizeof(buf), &r, &err), TK_INVALID);
    assert_non_null(strstr(err.msg, "not an SMTP reply: \"qqq"));
}

static char *make_lines(size_t n, bool last, size_t *len)
{
    char *s = malloc(8 * n + 8);
    size_t i, w = 0;

    assert_non_null(s);
    for (i = 0; i < n; i++)
        w += (size_t)sprintf(s + w, "250%cx\r\n", i + 1 == n && last ? ' ' : '-');
    *len = w;
    return s;
}

static void test_lines_limit(void **state)
{
    struct tk_smtp_reply r;
    struct tk_error err = {0};
    size_t len;
    char *s;

    s = make_lines(TK_SMTP_REPLY_LINES_MAX, true, &len);
    assert_int_equal(tk_smtp_reply_parse(s, len, &r, NULL), TK_OK);
    assert_int_equal(r.nlines, TK_SMTP_REPLY_LINES_MAX);
    free(s);
    /* 64 lines that all say "more follows": the 65th would be too many. */
    s = make_lines(TK_SMTP_REPLY_LINES_MAX, false, &len);
    assert_int_equal(tk_smtp_reply_parse(s, len, &r, &err), TK_LIMIT);
    assert_string_equal(err.msg, "reply of more than 64 lines");
    free(s);
    s = make_lines(TK_SMTP_REPLY_LINES_MAX - 1, false, &len);
    assert_int_equal(tk_smtp_reply_parse(s, len, &r, NULL), TK_TEMP);
    free(s);
}

/* size_reply writes a reply of exactly total bytes in lines of at most
 * TK_SMTP_LINE_MAX, the last one ended when whole. */
static void size_reply(char *buf, size_t total, bool whole)
{
    size_t w = 0;

    while (total - w > TK_SMTP_LINE_MAX + 2 + 6)
        w += make_line(buf + w, "250-", TK_SMTP_LINE_MAX, true);
    if (whole)
        make_line(buf + w, "250 ", total - w - 2, true);
    else
        make_line(buf + w, "250-", total - w, false);
}

static void test_size_limit(void **state)
{
    static char buf[TK_SMTP_REPLY_MAX + 1];
    struct tk_smtp_reply r;
    struct tk_error err = {0};

    size_reply(buf, TK_SMTP_REPLY_MAX, true);
    assert_int_equal(tk_smtp_reply_parse(buf, TK_SMTP_REPLY_MAX, &r, NULL), TK_OK);
    assert_int_equal(r.len, TK_SMTP_REPLY_MAX);
    size_reply(buf, TK_SMTP_REPLY_MAX + 1, true);
    assert_int_equal(tk_smtp_reply_parse(buf, TK_SMTP_REPLY_MAX + 1, &r, &err), TK_LIMIT);
    assert_string_equal(err.msg, "reply longer than 8192 bytes");
    /* MAX + 1 bytes of a reply still going are enough to decide. */
    size_reply(buf, TK_SMTP_REPLY_MAX + 1, false);
    assert_int_equal(tk_smtp_reply_parse(buf, TK_SMTP_REPLY_MAX + 1, &r, NULL), TK_LIMIT);
    assert_int_equal(tk_smtp_reply_parse(buf, TK_SMTP_REPLY_MAX, &r, NULL), TK_TEMP);
}

/* ---- keywords and display ---- */

static void test_keywords(void **state)
{
    static const char in[] = "250-mx.example.org STARTTLS\r\n250-SIZE 1000\r\n"
                             "250-AUTH=LOGIN\r\n250-starttls\r\n250 8BITMIME\r\n";
    static const char none[] = "250-STARTTLS.example.org\r\n250-STARTTLSX\r\n250 XSTARTTLS\r\n";
    struct tk_smtp_reply r;

    assert_int_equal(tk_smtp_reply_parse(in, sizeof(in) - 1, &r, NULL), TK_OK);
    assert_true(tk_smtp_reply_has_keyword(&r, "STARTTLS"));
    assert_true(tk_smtp_reply_has_keyword(&r, "SIZE"));
    assert_true(tk_smtp_reply_has_keyword(&r, "AUTH"));
    assert_true(tk_smtp_reply_has_keyword(&r, "8bitmime"));
    assert_false(tk_smtp_reply_has_keyword(&r, "PIPELINING"));
    assert_false(tk_smtp_reply_has_keyword(&r, "mx.example.org"));
    /* The greeting line is not a keyword; neither is a longer word. */
    assert_int_equal(tk_smtp_reply_parse(none, sizeof(none) - 1, &r, NULL), TK_OK);
    assert_false(tk_smtp_reply_has_keyword(&r, "STARTTLS"));
}

static void test_show(void **state)
{
    static const char multi[] = "250-mx.example.org\r\n250 STARTTLS\r\n";
    static const char ctl[] = "220 a\0b\x1b[31m\xff \xc4\x81\r\n";
    char big[TK_SMTP_LINE_MAX + 8];
    struct tk_smtp_reply r;
    char out[TK_PROBE_TEXT_MAX];
    size_t n;

    assert_int_equal(tk_smtp_reply_parse(multi, sizeof(multi) - 1, &r, NULL), TK_OK);
    tk_smtp_reply_show(&r, out, sizeof(out));
    assert_string_equal(out, "250 mx.example.org");
    assert_int_equal(tk_smtp_reply_parse("250\r\n", 5, &r, NULL), TK_OK);
    tk_smtp_reply_show(&r, out, sizeof(out));
    assert_string_equal(out, "250");
    assert_int_equal(tk_smtp_reply_parse(ctl, sizeof(ctl) - 1, &r, NULL), TK_OK);
    tk_smtp_reply_show(&r, out, sizeof(out));
    assert_string_equal(out, "220 a?b?[31m? \xc4\x81"); /* the macron is kept */
    n = make_line(big, "220 ", TK_SMTP_LINE_MAX, true);
    assert_int_equal(tk_smtp_reply_parse(big, n, &r, NULL), TK_OK);
    tk_smtp_reply_show(&r, out, sizeof(out));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_string_equal(out + sizeof(out) - 4, "...");
    tk_smtp_reply_show(&r, out, 9);
    assert_string_equal(out, "220 x...");
    tk_smtp_reply_show(&r, out, 8);
    assert_string_equal(out, "220"); /* no room for text */
}

/* ---- garbage ---- */

static void test_garbage(void **state)
{
    static const char alphabet[] = "250-4 \r\nxS\0\xff";
    static char buf[TK_SMTP_REPLY_MAX + 1];
    unsigned long seed = 25;
    int iter;

    for (iter = 0; iter < 3000; iter++) {
        struct tk_smtp_reply r, prefix;
        struct tk_error err = {0};
        size_t len, i;
        enum tk_status st;
        char out[64];

        len = iter % 10 == 0 ? sizeof(buf) : testutil_rand(&seed) % 600;
        /* Mostly well-formed starts, so the parser gets past line one. */
        memcpy(buf, "250-", 4);
        testutil_garbage(&seed, buf, len < 4 ? len : 4, len, alphabet, sizeof(alphabet) - 1);
        st = tk_smtp_reply_parse(buf, len, &r, &err);
        if (len == sizeof(buf))
            assert_true(st != TK_TEMP);
        if (st != TK_OK) {
            assert_true(st == TK_TEMP || (err.code == st && testutil_printable(err.msg)));
            continue;
        }
        assert_true(r.code >= 200 && r.code <= 599);
        assert_true(r.nlines >= 1 && r.nlines <= TK_SMTP_REPLY_LINES_MAX);
        assert_true(r.len <= len && r.len <= TK_SMTP_REPLY_MAX);
        for (i = 0; i < r.nlines; i++)
            assert_true(r.text[i].p >= buf && r.text[i].p + r.text[i].len <= buf + r.len);
        assert_int_equal(tk_smtp_reply_parse(buf, r.len - 1, &prefix, NULL), TK_TEMP);
        tk_smtp_reply_show(&r, out, sizeof(out));
        assert_true(testutil_printable(out));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),       cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_spans),       cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_lines_limit), cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_keywords),    cmocka_unit_test(test_show),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
