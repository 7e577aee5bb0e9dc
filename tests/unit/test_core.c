/*
 * NAME
 *	test_core.c - unit tests of src/core: buffer, cursor, domain names,
 *	bounded copies and error messages
 * DESCRIPTION
 *	Table-driven where the function is a mapping (domain names, take_ci,
 *	strlcpy, error lengths). Both sides of every limit: TK_BUF_MAX,
 *	63/64-character labels, 253/254-character names, TK_ERROR_MSG_MAX.
 *	Hostile input: embedded NULs, bytes >= 0x80, controls, spaces, and
 *	guard bytes after every fixed-size output to catch overruns.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/cursor.h"
#include "core/domain.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/text.h"

#define GUARD 0x5a
#define NGUARD 16

/* ---- tk_buf ---- */

static void test_buf_zero_is_empty(void **state)
{
    struct tk_buf b = {0};

    assert_string_equal(tk_buf_cstr(&b), "");
    assert_int_equal(b.len, 0);
    tk_buf_truncate(&b, 0);
    tk_buf_reset(&b);
    assert_null(b.data);
    tk_buf_free(&b);
    tk_buf_free(&b);
    assert_null(b.data);
}

static void test_buf_growth(void **state)
{
    struct tk_buf b = {0};
    size_t i;

    for (i = 0; i < 10000; i++) {
        assert_int_equal(tk_buf_putc(&b, (char)('a' + i % 26)), TK_OK);
        assert_int_equal(b.len, i + 1);
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    for (i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(strlen(tk_buf_cstr(&b)), 10000);
    assert_int_equal(tk_buf_puts(&b, "xyz"), TK_OK);
    assert_int_equal(b.len, 10003);
    assert_string_equal(b.data + 10000, "xyz");
    tk_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_buf_nul_bytes(void **state)
{
    struct tk_buf b = {0};

    assert_int_equal(tk_buf_append(&b, "a\0b", 3), TK_OK);
    assert_int_equal(tk_buf_putc(&b, '\0'), TK_OK);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "a\0b\0", 5);
    /* Appending nothing keeps the content and still gives a C string. */
    assert_int_equal(tk_buf_append(&b, NULL, 0), TK_OK);
    assert_int_equal(b.len, 4);
    tk_buf_free(&b);
    assert_int_equal(tk_buf_append(&b, "", 0), TK_OK);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    tk_buf_free(&b);
}

static void test_buf_printf(void **state)
{
    struct tk_buf b = {0};
    char big[1000];

    assert_int_equal(tk_buf_printf(&b, "%d-%s", 42, "x"), TK_OK);
    assert_int_equal(tk_buf_printf(&b, "[%5s]", "ab"), TK_OK);
    assert_string_equal(tk_buf_cstr(&b), "42-x[   ab]");
    assert_int_equal(b.len, strlen("42-x[   ab]"));
    assert_int_equal(tk_buf_printf(&b, "%s", ""), TK_OK);
    assert_int_equal(b.len, 11);
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(tk_buf_printf(&b, "<%s>", big), TK_OK);
    assert_int_equal(b.len, 11 + 1001);
    assert_int_equal(b.data[b.len - 1], '>');
    assert_int_equal(b.data[b.len], '\0');
    tk_buf_free(&b);
    /* printf of nothing into an empty buffer still leaves a C string. */
    assert_int_equal(tk_buf_printf(&b, "%s", ""), TK_OK);
    assert_string_equal(tk_buf_cstr(&b), "");
    tk_buf_free(&b);
}

static void assert_buf_unchanged(const struct tk_buf *b, const char *data, size_t cap)
{
    assert_ptr_equal(b->data, data);
    assert_int_equal(b->len, 5);
    assert_int_equal(b->cap, cap);
    assert_string_equal(b->data, "hello");
}

static void test_buf_limit(void **state)
{
    struct tk_buf b = {0};
    const char *data;
    size_t cap;

    assert_int_equal(tk_buf_puts(&b, "hello"), TK_OK);
    data = b.data;
    cap = b.cap;
    /* One byte over TK_BUF_MAX is refused before anything is read. */
    assert_int_equal(tk_buf_append(&b, "x", TK_BUF_MAX - 5 + 1), TK_LIMIT);
    assert_buf_unchanged(&b, data, cap);
    assert_int_equal(tk_buf_reserve(&b, TK_BUF_MAX - 5 + 1), TK_LIMIT);
    assert_buf_unchanged(&b, data, cap);
    assert_int_equal(tk_buf_reserve(&b, TK_BUF_MAX + 1), TK_LIMIT);
    assert_int_equal(tk_buf_reserve(&b, SIZE_MAX), TK_LIMIT);
    assert_int_equal(tk_buf_reserve(&b, SIZE_MAX - 3), TK_LIMIT);
    assert_int_equal(tk_buf_append(&b, "x", SIZE_MAX), TK_LIMIT);
    assert_buf_unchanged(&b, data, cap);
    /* Exactly TK_BUF_MAX bytes in all is allowed. */
    assert_int_equal(tk_buf_reserve(&b, TK_BUF_MAX - 5), TK_OK);
    assert_true(b.cap >= TK_BUF_MAX + 1);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    tk_buf_free(&b);
}

static void test_buf_truncate_reset(void **state)
{
    struct tk_buf b = {0};
    size_t cap;

    assert_int_equal(tk_buf_puts(&b, "abcdef"), TK_OK);
    tk_buf_truncate(&b, 10);
    assert_string_equal(b.data, "abcdef");
    tk_buf_truncate(&b, 6);
    assert_string_equal(b.data, "abcdef");
    tk_buf_truncate(&b, 3);
    assert_string_equal(b.data, "abc");
    assert_int_equal(b.len, 3);
    cap = b.cap;
    tk_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(tk_buf_cstr(&b), "");
    assert_int_equal(b.cap, cap);
    assert_int_equal(tk_buf_puts(&b, "z"), TK_OK);
    assert_string_equal(b.data, "z");
    tk_buf_free(&b);
}

static void test_buf_steal(void **state)
{
    struct tk_buf b = {0};
    char *s;

    s = tk_buf_steal(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(tk_buf_puts(&b, "kept"), TK_OK);
    s = tk_buf_steal(&b);
    assert_string_equal(s, "kept");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* The buffer is reusable and independent of the stolen string. */
    assert_int_equal(tk_buf_puts(&b, "new"), TK_OK);
    assert_string_equal(b.data, "new");
    assert_string_equal(s, "kept");
    free(s);
    tk_buf_free(&b);
}

/* ---- tk_cursor ---- */

static bool is_x(int ch)
{
    return ch == 'x';
}

static void assert_cursor_at_end(struct tk_cursor *c)
{
    struct tk_span s = {"junk", 4};
    size_t pos = c->pos;

    assert_int_equal(tk_cursor_left(c), 0);
    assert_true(tk_cursor_eof(c));
    assert_int_equal(tk_cursor_peek(c), -1);
    assert_int_equal(tk_cursor_next(c), -1);
    assert_false(tk_cursor_take(c, 'a'));
    assert_false(tk_cursor_take(c, 0));
    /* -1 is what peek gives at the end: it must not be "taken". */
    assert_false(tk_cursor_take(c, -1));
    assert_false(tk_cursor_take_ci(c, "a"));
    assert_int_equal(tk_cursor_skip_wsp(c), 0);
    assert_int_equal(tk_cursor_span_while(c, is_x, &s), 0);
    assert_int_equal(s.len, 0);
    assert_int_equal(tk_cursor_span_until(c, ';', &s), 0);
    assert_int_equal(s.len, 0);
    tk_cursor_rest(c, &s);
    assert_int_equal(s.len, 0);
    assert_int_equal(c->pos, pos);
    assert_int_equal(tk_cursor_left(c), 0);
    assert_true(tk_cursor_eof(c));
}

static void test_cursor_end(void **state)
{
    struct tk_cursor c;
    struct tk_span s;

    tk_cursor_init(&c, "", 0);
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, NULL, 5);
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, "ab", 2);
    assert_int_equal(tk_cursor_next(&c), 'a');
    assert_int_equal(tk_cursor_next(&c), 'b');
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, "xxx", 3);
    assert_int_equal(tk_cursor_span_while(&c, is_x, &s), 3);
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, "abc", 3);
    assert_int_equal(tk_cursor_span_until(&c, ';', &s), 3);
    assert_memory_equal(s.p, "abc", 3);
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, "  \t", 3);
    assert_int_equal(tk_cursor_skip_wsp(&c), 3);
    assert_cursor_at_end(&c);
    tk_cursor_init(&c, "rest", 4);
    tk_cursor_rest(&c, &s);
    assert_int_equal(s.len, 4);
    assert_cursor_at_end(&c);
    /* Only the first 2 of 4 bytes belong to the cursor. */
    tk_cursor_init(&c, "abcd", 2);
    assert_false(tk_cursor_take_ci(&c, "abc"));
    assert_true(tk_cursor_take_ci(&c, "AB"));
    assert_cursor_at_end(&c);
}

static void test_cursor_nul_and_high_bytes(void **state)
{
    static const char in[] = {'a', '\0', 'b', (char)0xff, (char)0x80, ';'};
    struct tk_cursor c;
    struct tk_span s;

    tk_cursor_init(&c, in, sizeof(in));
    assert_int_equal(tk_cursor_left(&c), 6);
    assert_int_equal(tk_cursor_span_while(&c, tk_char_is_alpha, &s), 1);
    assert_int_equal(tk_cursor_peek(&c), 0);
    assert_false(tk_cursor_eof(&c));
    assert_true(tk_cursor_take(&c, '\0'));
    assert_int_equal(tk_cursor_next(&c), 'b');
    /* Bytes >= 0x80 come back as 128..255, never as -1 (the end). */
    assert_int_equal(tk_cursor_peek(&c), 0xff);
    assert_false(tk_cursor_take(&c, -1));
    assert_true(tk_cursor_take(&c, 0xff));
    assert_int_equal(tk_cursor_next(&c), 0x80);
    assert_true(tk_cursor_take(&c, ';'));
    assert_true(tk_cursor_eof(&c));

    tk_cursor_init(&c, in, sizeof(in));
    assert_int_equal(tk_cursor_span_until(&c, '\0', &s), 1);
    assert_int_equal(s.len, 1);
    assert_int_equal(tk_cursor_span_until(&c, ';', &s), 4);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.p, in + 1, 4);
    assert_int_equal(tk_cursor_span_until(&c, ';', &s), 0);
    assert_int_equal(tk_cursor_next(&c), ';');

    /* take_ci compares bytes, NUL included, not C strings. */
    tk_cursor_init(&c, "A\0B", 3);
    assert_false(tk_cursor_take_ci(&c, "ab"));
    assert_int_equal(c.pos, 0);
    assert_true(tk_cursor_take_ci(&c, "a"));
    assert_true(tk_cursor_take(&c, 0));
    assert_true(tk_cursor_take_ci(&c, "b"));
}

struct take_ci_case {
    const char *in;
    const char *lit;
    bool want;
    size_t pos; /* after */
};

static const struct take_ci_case take_ci_cases[] = {
    {"DMARC1; p=none", "v=", false, 0},
    {"v=DMARC1", "V=dmarc1", true, 8},
    {"V=DMARC1", "v=dmarc1", true, 8},
    {"dmarc", "dmarc1", false, 0},  /* input shorter than the literal */
    {"dmXrc1", "dmarc1", false, 0}, /* a partial match consumes nothing */
    {"anything", "", true, 0},      /* the empty literal always matches */
    {"", "", true, 0},              /* also at the end */
    {"[", "{", false, 0},           /* not letters: no case folding */
    {"@", "`", false, 0},           /* 0x40 vs 0x60 */
    {"\xc4", "\xe4", false, 0},     /* Latin-1 A/a umlaut: ASCII only */
    {"include:", "INCLUDE:", true, 8},
    {"includ", "include:", false, 0},
};

static void test_cursor_take_ci(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(take_ci_cases); i++) {
        const struct take_ci_case *t = &take_ci_cases[i];
        struct tk_cursor c;

        tk_cursor_init(&c, t->in, strlen(t->in));
        if (tk_cursor_take_ci(&c, t->lit) != t->want || c.pos != t->pos)
            fail_msg("case %zu: '%s' take_ci '%s' gave pos %zu", i, t->in, t->lit, c.pos);
    }
}

static void test_span_helpers(void **state)
{
    struct tk_span s = {" \t a b \t", 8}, t;
    struct tk_span nul = {"ab\0cd", 5};
    char *d;

    t = tk_span_trim_wsp(s);
    assert_int_equal(t.len, 3);
    assert_memory_equal(t.p, "a b", 3);
    t = tk_span_trim_wsp((struct tk_span){" \t ", 3});
    assert_int_equal(t.len, 0);
    t = tk_span_trim_wsp((struct tk_span){"\r\nx\n", 4});
    assert_int_equal(t.len, 4); /* only SP and HTAB are trimmed */

    assert_true(tk_span_eq_ci((struct tk_span){"Reject", 6}, "reject"));
    assert_false(tk_span_eq_ci((struct tk_span){"Rejec", 5}, "reject"));
    assert_false(tk_span_eq_ci((struct tk_span){"rejects", 7}, "reject"));
    assert_false(tk_span_eq_ci(nul, "ab"));
    assert_true(tk_span_eq_ci((struct tk_span){"", 0}, ""));
    assert_true(tk_span_startswith_ci((struct tk_span){"MAILTO:x", 8}, "mailto:"));
    assert_false(tk_span_startswith_ci((struct tk_span){"MAIL", 4}, "mailto:"));
    assert_true(tk_span_startswith_ci(nul, "AB"));

    d = tk_span_dup(nul);
    assert_non_null(d);
    assert_memory_equal(d, "ab\0cd", 6);
    free(d);
    d = tk_span_dup((struct tk_span){NULL, 0});
    assert_non_null(d);
    assert_string_equal(d, "");
    free(d);

    assert_true(tk_char_is_alnum('z') && tk_char_is_alnum('0') && tk_char_is_alnum('Z'));
    assert_false(tk_char_is_alnum('_') || tk_char_is_alnum(0xe9) || tk_char_is_alnum(-1));
    assert_true(tk_char_is_wsp(' ') && tk_char_is_wsp('\t'));
    assert_false(tk_char_is_wsp('\r') || tk_char_is_wsp('\n') || tk_char_is_wsp(0xa0));
}

/* ---- tk_domain_normalise ---- */

/* make_name writes labels of the given lengths joined by dots. */
static const char *make_name(const int *labels, size_t n, bool dot)
{
    static char name[1024];
    size_t w = 0, i;
    int j;

    for (i = 0; i < n; i++) {
        if (i > 0)
            name[w++] = '.';
        for (j = 0; j < labels[i]; j++)
            name[w++] = (char)('a' + (i + (size_t)j) % 26);
    }
    if (dot)
        name[w++] = '.';
    name[w] = '\0';
    return name;
}

struct norm_case {
    const char *in; /* NULL: use inlen bytes of inbin */
    const char *inbin;
    size_t inlen;
    enum tk_status want;
    const char *out; /* TK_OK: the normal form; else a part of the error */
};

static const struct norm_case norm_cases[] = {
    {"example.govt.nz", NULL, 0, TK_OK, "example.govt.nz"},
    {"Example.GOVT.Nz", NULL, 0, TK_OK, "example.govt.nz"},
    {"example.govt.nz.", NULL, 0, TK_OK, "example.govt.nz"},
    {"localhost", NULL, 0, TK_OK, "localhost"},
    {"_dmarc.example.govt.nz", NULL, 0, TK_OK, "_dmarc.example.govt.nz"},
    {"sel_1._domainkey.Example.nz", NULL, 0, TK_OK, "sel_1._domainkey.example.nz"},
    {"xn--mori-qsa.nz", NULL, 0, TK_OK, "xn--mori-qsa.nz"},
    {"123.45", NULL, 0, TK_OK, "123.45"},
    {"example.govt.nz..", NULL, 0, TK_INVALID, "empty label"},
    {"a..b", NULL, 0, TK_INVALID, "empty label"},
    {".a", NULL, 0, TK_INVALID, "empty label"},
    {"..", NULL, 0, TK_INVALID, "empty label"},
    {".", NULL, 0, TK_INVALID, "empty domain"},
    {"", NULL, 0, TK_INVALID, "empty domain"},
    {"ex ample.nz", NULL, 0, TK_INVALID, "0x20"},
    {" example.nz", NULL, 0, TK_INVALID, "0x20"},
    {"example.nz ", NULL, 0, TK_INVALID, "0x20"},
    {"example.nz\n", NULL, 0, TK_INVALID, "0x0a"},
    {"ex\tample.nz", NULL, 0, TK_INVALID, "0x09"},
    {"ex\x1b[1mample.nz", NULL, 0, TK_INVALID, "0x1b"},
    {"m\xc4\x81ori.nz", NULL, 0, TK_INVALID, "0xc4"},
    {"caf\xe9.nz", NULL, 0, TK_INVALID, "0xe9"},
    {"ex@mple.nz", NULL, 0, TK_INVALID, "0x40"},
    {"a/b.nz", NULL, 0, TK_INVALID, "0x2f"},
    {"a\\.b.nz", NULL, 0, TK_INVALID, "0x5c"},
    {NULL, "a\0b.nz", 6, TK_INVALID, "0x00"},
    {NULL, "example.nz\0", 11, TK_INVALID, "0x00"},
    {NULL, "example.nz.\0", 12, TK_INVALID, "0x00"},
    {NULL, "example.nz.garbage", 10, TK_OK, "example.nz"}, /* only len bytes */
};

static void check_norm(size_t i, const char *in, size_t len, enum tk_status want,
                       const char *expect)
{
    char out[TK_DOMAIN_MAX + 1 + NGUARD];
    struct tk_error err;
    enum tk_status st;
    size_t g;

    memset(out, GUARD, sizeof(out));
    tk_error_clear(&err);
    st = tk_domain_normalise(in, len, out, &err);
    for (g = TK_DOMAIN_MAX + 1; g < sizeof(out); g++)
        if ((unsigned char)out[g] != GUARD)
            fail_msg("case %zu: wrote past the output", i);
    if (st != want)
        fail_msg("case %zu: got %s, want %s (%s)", i, tk_status_name(st), tk_status_name(want),
                 err.msg);
    if (st == TK_OK) {
        assert_string_equal(out, expect);
        return;
    }
    assert_int_equal(err.code, want);
    if (strstr(err.msg, expect) == NULL)
        fail_msg("case %zu: error '%s' lacks '%s'", i, err.msg, expect);
}

static void test_domain_normalise_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(norm_cases); i++) {
        const struct norm_case *t = &norm_cases[i];

        if (t->in)
            check_norm(i, t->in, strlen(t->in), t->want, t->out);
        else
            check_norm(i, t->inbin, t->inlen, t->want, t->out);
    }
}

struct length_case {
    int labels[8];
    size_t n;
    bool dot;
    enum tk_status want;
    const char *why;
};

static const struct length_case length_cases[] = {
    {{63, 2}, 2, false, TK_OK, NULL},
    {{64, 2}, 2, false, TK_INVALID, "label longer than 63"},
    {{2, 63}, 2, false, TK_OK, NULL},
    {{2, 64}, 2, false, TK_INVALID, "label longer than 63"},
    {{2, 64}, 2, true, TK_INVALID, "label longer than 63"},
    {{63}, 1, false, TK_OK, NULL},
    {{64}, 1, true, TK_INVALID, "label longer than 63"},
    /* 63+1+63+1+63+1+61 = 253 */
    {{63, 63, 63, 61}, 4, false, TK_OK, NULL},
    {{63, 63, 63, 61}, 4, true, TK_OK, NULL},
    {{63, 63, 63, 62}, 4, false, TK_INVALID, "longer than 253"},
    {{63, 63, 63, 62}, 4, true, TK_INVALID, "longer than 253"},
    /* 127 labels of one letter: 253 characters */
    {{1}, 127, false, TK_OK, NULL},
    {{1}, 128, false, TK_INVALID, "longer than 253"},
};

static void test_domain_lengths(void **state)
{
    size_t i, k;

    for (i = 0; i < NELEM(length_cases); i++) {
        const struct length_case *t = &length_cases[i];
        int labels[128];
        const char *name;
        char want[TK_DOMAIN_MAX + 2];

        for (k = 0; k < t->n; k++)
            labels[k] = t->n > 8 ? 1 : t->labels[k];
        name = make_name(labels, t->n, t->dot);
        snprintf(want, sizeof(want), "%.*s", (int)(strlen(name) - (t->dot ? 1 : 0)), name);
        check_norm(i, name, strlen(name), t->want, t->want == TK_OK ? want : t->why);
    }
}

/* ---- tk_domain_join, tk_domain_is_subdomain, case ---- */

static void test_domain_join(void **state)
{
    char out[TK_DOMAIN_MAX + 1 + NGUARD];
    char domain[TK_DOMAIN_MAX + 2];
    static const int l248[] = {63, 63, 63, 56}; /* 248 */
    size_t g;

    memset(out, GUARD, sizeof(out));
    assert_int_equal(tk_domain_join("_dmarc", "example.nz", out), TK_OK);
    assert_string_equal(out, "_dmarc.example.nz");
    assert_int_equal(tk_domain_join("", "example.nz", out), TK_OK);
    assert_string_equal(out, "example.nz");
    assert_int_equal(tk_domain_join("s1._domainkey", "example.nz", out), TK_OK);
    assert_string_equal(out, "s1._domainkey.example.nz");

    snprintf(domain, sizeof(domain), "%s", make_name(l248, 4, false));
    assert_int_equal(strlen(domain), 248);
    assert_int_equal(tk_domain_join("abcd", domain, out), TK_OK); /* 4+1+248 = 253 */
    assert_int_equal(strlen(out), 253);
    assert_memory_equal(out, "abcd.", 5);
    assert_int_equal(tk_domain_join("abcde", domain, out), TK_LIMIT); /* 254 */
    assert_int_equal(tk_domain_join("abcdefghij", domain, out), TK_LIMIT);
    for (g = TK_DOMAIN_MAX + 1; g < sizeof(out); g++)
        assert_int_equal((unsigned char)out[g], GUARD);

    memset(domain, 'a', 254);
    domain[254] = '\0';
    assert_int_equal(tk_domain_join("", domain, out), TK_LIMIT);
    domain[253] = '\0';
    assert_int_equal(tk_domain_join("", domain, out), TK_OK);
    assert_int_equal(strlen(out), 253);
}

struct sub_case {
    const char *name, *parent;
    bool want;
};

static const struct sub_case sub_cases[] = {
    {"a.example.nz", "example.nz", true},
    {"x.y.example.nz", "example.nz", true},
    {"example.nz", "example.nz", true},
    {"badexample.nz", "example.nz", false},
    {"example.nz", "a.example.nz", false},
    {"nz", "example.nz", false},
    {"example.nz.evil.com", "example.nz", false},
    {"example.nzz", "example.nz", false},
    {"xexample.nz", "example.nz", false},
    {".example.nz", "example.nz", true},
    {"a.example.nz", "nz", true},
    {"a.example.org", "example.nz", false},
};

static void test_domain_is_subdomain(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(sub_cases); i++)
        if (tk_domain_is_subdomain(sub_cases[i].name, sub_cases[i].parent) != sub_cases[i].want)
            fail_msg("case %zu: '%s' under '%s'", i, sub_cases[i].name, sub_cases[i].parent);
}

static void test_ascii_case(void **state)
{
    assert_int_equal(tk_ascii_lower('A'), 'a');
    assert_int_equal(tk_ascii_lower('Z'), 'z');
    assert_int_equal(tk_ascii_lower('a'), 'a');
    assert_int_equal(tk_ascii_lower('@'), '@');
    assert_int_equal(tk_ascii_lower('['), '[');
    assert_int_equal(tk_ascii_lower(0xc4), 0xc4);
    assert_true(tk_ascii_strcaseeq("Parked", "pARKED"));
    assert_true(tk_ascii_strcaseeq("", ""));
    assert_false(tk_ascii_strcaseeq("park", "parked"));
    assert_false(tk_ascii_strcaseeq("parked", "park"));
    assert_false(tk_ascii_strcaseeq("[", "{"));
    assert_false(tk_ascii_strcaseeq("\xc4", "\xe4"));
}

/* ---- tk_strlcpy ---- */

struct strlcpy_case {
    const char *src;
    size_t size;
    bool fits;
    const char *out;
};

static const struct strlcpy_case strlcpy_cases[] = {
    {"hello", 6, true, "hello"}, {"hello", 100, true, "hello"}, {"hello!", 6, false, "hello"},
    {"hello", 5, false, "hell"}, {"hello", 1, false, ""},       {"", 1, true, ""},
    {"", 6, true, ""},           {"x", 2, true, "x"},           {"xy", 2, false, "x"},
};

static void test_strlcpy(void **state)
{
    size_t i, g;

    for (i = 0; i < NELEM(strlcpy_cases); i++) {
        const struct strlcpy_case *t = &strlcpy_cases[i];
        char dst[128];

        memset(dst, GUARD, sizeof(dst));
        if (tk_strlcpy(dst, t->src, t->size) != t->fits)
            fail_msg("case %zu: '%s' into %zu: fits should be %d", i, t->src, t->size, t->fits);
        assert_string_equal(dst, t->out);
        for (g = strlen(t->out) + 1; g < sizeof(dst); g++)
            if ((unsigned char)dst[g] != GUARD)
                fail_msg("case %zu: byte %zu written", i, g);
    }
}

/* ---- tk_error ---- */

static void test_error_set(void **state)
{
    struct tk_error err;
    char text[600];
    size_t n;

    tk_error_clear(&err);
    assert_int_equal(err.code, TK_OK);
    assert_string_equal(err.msg, "");
    assert_int_equal(tk_error_set(&err, TK_INVALID, "bad %s at %d", "tag", 3), TK_INVALID);
    assert_int_equal(err.code, TK_INVALID);
    assert_string_equal(err.msg, "bad tag at 3");
    assert_int_equal(tk_error_set(NULL, TK_TEMP, "ignored %d", 1), TK_TEMP);
    tk_error_clear(NULL);
    tk_error_clear(&err);
    assert_string_equal(err.msg, "");

    /* Both sides of TK_ERROR_MSG_MAX: 255 characters fit, 256 are cut. */
    for (n = TK_ERROR_MSG_MAX - 3; n <= TK_ERROR_MSG_MAX + 2; n++) {
        memset(text, 'm', n);
        text[n] = '\0';
        tk_error_set(&err, TK_LIMIT, "%s", text);
        assert_int_equal(err.code, TK_LIMIT);
        if (n < TK_ERROR_MSG_MAX) {
            assert_string_equal(err.msg, text);
        } else {
            assert_int_equal(strlen(err.msg), TK_ERROR_MSG_MAX - 1);
            assert_memory_equal(err.msg, text, TK_ERROR_MSG_MAX - 4);
            assert_string_equal(err.msg + TK_ERROR_MSG_MAX - 4, "...");
        }
    }
    memset(text, 'z', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    tk_error_set(&err, TK_IO, "%s:%d: %s", "file", 12, text);
    assert_memory_equal(err.msg, "file:12: zzz", 12);
    assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
}

static void test_status_names(void **state)
{
    static const enum tk_status all[] = {TK_OK,    TK_ABSENT, TK_INVALID, TK_TEMP,
                                         TK_LIMIT, TK_NOMEM,  TK_USAGE,   TK_IO};
    size_t i, j;

    for (i = 0; i < NELEM(all); i++) {
        assert_string_not_equal(tk_status_name(all[i]), "?");
        for (j = 0; j < i; j++)
            assert_string_not_equal(tk_status_name(all[i]), tk_status_name(all[j]));
    }
    assert_string_equal(tk_status_name(TK_TEMP), "temporary");
    assert_string_equal(tk_status_name((enum tk_status)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_zero_is_empty),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_nul_bytes),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_buf_truncate_reset),
        cmocka_unit_test(test_buf_steal),
        cmocka_unit_test(test_cursor_end),
        cmocka_unit_test(test_cursor_nul_and_high_bytes),
        cmocka_unit_test(test_cursor_take_ci),
        cmocka_unit_test(test_span_helpers),
        cmocka_unit_test(test_domain_normalise_table),
        cmocka_unit_test(test_domain_lengths),
        cmocka_unit_test(test_domain_join),
        cmocka_unit_test(test_domain_is_subdomain),
        cmocka_unit_test(test_ascii_case),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_error_set),
        cmocka_unit_test(test_status_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
