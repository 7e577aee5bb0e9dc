/*
 * NAME
 *	test_message.c - unit tests of the message header splitter
 * DESCRIPTION
 *	Fields and folding as RFC 5322 writes them; LF and CRLF messages
 *	give the same fields and body; the same message fed whole and one
 *	byte at a time gives the same result; both sides of every limit
 *	(fields, field length, header bytes) and the hostile shapes of
 *	issue 6 (10,000 fields, a 1 MB header line) end with the overflow
 *	mark and the fields before it intact; malformed lines are counted
 *	and never become fields; filters' field-at-a-time path. Random
 *	header sections give the same fields, marks and body fed whole
 *	(fields read whole) as a byte or 7 bytes at a time (gathered).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth/message.h"
#include "core/limits.h"

static void body_to_buf(void *arg, const char *p, size_t n)
{
    assert_int_equal(tk_buf_append(arg, p, n), TK_OK);
}

/* feed gives msg to m in chunks of step bytes (0: whole); the body is
 * gathered in body. */
static void feed(struct tk_msg *m, const char *msg, size_t len, size_t step, struct tk_buf *body)
{
    size_t i;

    tk_msg_init(m);
    if (step == 0)
        step = len ? len : 1;
    for (i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        char *chunk = malloc(n); /* exactly n bytes: a read past them is caught (ASan) */

        assert_non_null(chunk);
        memcpy(chunk, msg + i, n);
        assert_int_equal(tk_msg_feed(m, chunk, n, body_to_buf, body), TK_OK);
        free(chunk);
    }
    assert_int_equal(tk_msg_finish(m), TK_OK);
}

static bool span_is(struct tk_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static const char crlf_msg[] = "From: Alice <alice@example.com>\r\n"
                               "Subject: a long\r\n"
                               "\tfolded subject\r\n"
                               "To : bob@example.net\r\n"
                               "\r\n"
                               "line one\r\n"
                               "line two\r\n";
static const char lf_msg[] = "From: Alice <alice@example.com>\n"
                             "Subject: a long\n"
                             "\tfolded subject\n"
                             "To : bob@example.net\n"
                             "\n"
                             "line one\n"
                             "line two\n";

static void check_three_fields(const struct tk_msg *m)
{
    assert_int_equal(m->nfields, 3);
    assert_true(span_is(tk_msg_field_name(m, 0), "From"));
    assert_true(span_is(tk_msg_field_value(m, 0), " Alice <alice@example.com>"));
    assert_true(span_is(tk_msg_field_value(m, 1), " a long\r\n\tfolded subject"));
    /* white space before the colon is not part of the name */
    assert_true(span_is(tk_msg_field_name(m, 2), "To"));
    assert_true(tk_msg_field_is(m, 2, "to"));
    assert_string_equal(m->fields[2].raw, "To : bob@example.net");
    assert_false(tk_msg_overflow(m));
    assert_int_equal(m->malformed, 0);
    assert_true(m->headers_done);
}

static void test_fields_and_body(void **state)
{
    const char *msgs[] = {crlf_msg, lf_msg};
    size_t steps[] = {0, 1, 2, 7};
    size_t i, j;

    for (i = 0; i < NELEM(msgs); i++) {
        for (j = 0; j < NELEM(steps); j++) {
            struct tk_msg m;
            struct tk_buf body = {0};

            feed(&m, msgs[i], strlen(msgs[i]), steps[j], &body);
            check_three_fields(&m);
            assert_string_equal(tk_buf_cstr(&body), "line one\r\nline two\r\n");
            tk_msg_free(&m);
            tk_buf_free(&body);
        }
    }
}

static void test_no_body(void **state)
{
    struct tk_msg m;
    struct tk_buf body = {0};
    const char *msg = "From: a@example.com\r\nSubject: x";

    feed(&m, msg, strlen(msg), 0, &body);
    assert_int_equal(m.nfields, 2);
    assert_true(span_is(tk_msg_field_value(&m, 1), " x"));
    assert_int_equal(body.len, 0);
    tk_msg_free(&m);
}

static void test_find_and_count(void **state)
{
    struct tk_msg m;
    const char *msg = "From: a@example.com\r\nX: 1\r\nfrom: b@example.com\r\n\r\n";

    feed(&m, msg, strlen(msg), 0, NULL);
    assert_int_equal(tk_msg_count(&m, "From"), 2);
    assert_int_equal(tk_msg_next(&m, "FROM", 0), 0);
    assert_int_equal(tk_msg_next(&m, "from", 1), 2);
    assert_int_equal(tk_msg_next(&m, "from", 3), (size_t)-1);
    assert_int_equal(tk_msg_count(&m, "Fro"), 0);
    tk_msg_free(&m);
}

static void test_malformed_lines(void **state)
{
    struct tk_msg m;
    /* an mbox "From " line, a continuation with nothing before it, a
     * line with no colon, a name with a control byte */
    const char *msg = " leading continuation\r\n"
                      "From alice@example.com Sat Jan  1 00:00:00 2000\r\n"
                      "no colon here\r\n"
                      "Bad\x01Name: x\r\n"
                      "From: a@example.com\r\n\r\n";

    feed(&m, msg, strlen(msg), 0, NULL);
    assert_int_equal(m.nfields, 1);
    assert_true(tk_msg_field_is(&m, 0, "From"));
    assert_int_equal(m.malformed, 4);
    assert_false(tk_msg_overflow(&m));
    assert_true(m.why[0] != '\0');
    tk_msg_free(&m);
}

/* 10,000 header fields: the first TK_MSG_HEADERS_MAX are kept, the
 * overflow mark is set, and the body still streams. */
static void test_ten_thousand_fields(void **state)
{
    struct tk_buf msg = {0}, body = {0};
    struct tk_msg m;
    int i;

    for (i = 0; i < 10000; i++)
        assert_int_equal(tk_buf_printf(&msg, "X-Field-%d: value %d\r\n", i, i), TK_OK);
    assert_int_equal(tk_buf_puts(&msg, "\r\nbody\r\n"), TK_OK);
    feed(&m, msg.data, msg.len, 4096, &body);
    assert_int_equal(m.nfields, TK_MSG_HEADERS_MAX);
    assert_true(tk_msg_overflow(&m));
    assert_non_null(strstr(m.why, "fields"));
    assert_string_equal(m.fields[TK_MSG_HEADERS_MAX - 1].raw, "X-Field-999: value 999");
    assert_string_equal(tk_buf_cstr(&body), "body\r\n");
    tk_msg_free(&m);
    tk_buf_free(&msg);
    tk_buf_free(&body);
}

/* Both sides of the field length limit, on one line and folded. */
static void test_field_length_limit(void **state)
{
    size_t sizes[] = {TK_MSG_FIELD_MAX, TK_MSG_FIELD_MAX + 1, 1024 * 1024};
    size_t i;

    for (i = 0; i < NELEM(sizes); i++) {
        struct tk_buf msg = {0}, body = {0};
        struct tk_msg m;
        bool fits = sizes[i] <= TK_MSG_FIELD_MAX;

        assert_int_equal(tk_buf_puts(&msg, "Subject: "), TK_OK);
        while (msg.len < sizes[i])
            assert_int_equal(tk_buf_putc(&msg, 'a'), TK_OK);
        assert_int_equal(tk_buf_puts(&msg, "\r\nFrom: a@example.com\r\n\r\nhi\r\n"), TK_OK);
        feed(&m, msg.data, msg.len, 65536, &body);
        assert_int_equal(m.nfields, fits ? 2 : 1);
        assert_int_equal(tk_msg_overflow(&m), !fits);
        assert_true(tk_msg_field_is(&m, m.nfields - 1, "From"));
        assert_string_equal(tk_buf_cstr(&body), "hi\r\n");
        tk_msg_free(&m);
        tk_buf_free(&msg);
        tk_buf_free(&body);
    }
}

static void test_folded_field_over_limit(void **state)
{
    struct tk_buf msg = {0};
    struct tk_msg m;

    assert_int_equal(tk_buf_puts(&msg, "To: a@example.com"), TK_OK);
    while (msg.len < TK_MSG_FIELD_MAX + 100)
        assert_int_equal(tk_buf_puts(&msg, ",\r\n b@example.com"), TK_OK);
    assert_int_equal(tk_buf_puts(&msg, "\r\nFrom: a@example.com\r\n\r\n"), TK_OK);
    feed(&m, msg.data, msg.len, 0, NULL);
    assert_int_equal(m.nfields, 1);
    assert_true(tk_msg_field_is(&m, 0, "From"));
    assert_true(tk_msg_overflow(&m));
    tk_msg_free(&m);
    tk_buf_free(&msg);
}

/* A filter's path: fields one at a time, LF folding made CRLF. */
static void test_add_field(void **state)
{
    struct tk_msg m;

    tk_msg_init(&m);
    assert_int_equal(tk_msg_add_field(&m, "Subject: a\n\tb", 13), TK_OK);
    assert_int_equal(tk_msg_add_name_value(&m, "From", " a@example.com"), TK_OK);
    assert_int_equal(tk_msg_add_field(&m, "nocolon", 7), TK_OK);
    tk_msg_end_headers(&m);
    assert_int_equal(m.nfields, 2);
    assert_string_equal(m.fields[0].raw, "Subject: a\r\n\tb");
    assert_true(span_is(tk_msg_field_value(&m, 1), " a@example.com"));
    assert_int_equal(m.malformed, 1);
    tk_msg_free(&m);
}

/* A bare CR at a chunk's end followed by LF is one CRLF, not two. */
static void test_body_crlf_across_chunks(void **state)
{
    const char *msg = "A: b\r\n\r\nx\r\ny\nz\r";
    struct tk_msg m;
    struct tk_buf body = {0};

    feed(&m, msg, strlen(msg), 1, &body);
    assert_string_equal(tk_buf_cstr(&body), "x\r\ny\r\nz\r");
    tk_msg_free(&m);
    tk_buf_free(&body);
}

/* same_msg asserts that a and b hold the same fields, marks and body. */
static void same_msg(const struct tk_msg *a, const struct tk_buf *ab, const struct tk_msg *b,
                     const struct tk_buf *bb, int round)
{
    size_t i;

    if (a->nfields != b->nfields || a->malformed != b->malformed || a->overflow != b->overflow ||
        a->headers_done != b->headers_done || strcmp(a->why, b->why) != 0 || ab->len != bb->len ||
        (ab->len > 0 && memcmp(ab->data, bb->data, ab->len) != 0))
        fail_msg("round %d: the message differs with the chunking", round);
    for (i = 0; i < a->nfields; i++)
        if (a->fields[i].raw_len != b->fields[i].raw_len ||
            memcmp(a->fields[i].raw, b->fields[i].raw, a->fields[i].raw_len) != 0 ||
            a->fields[i].name_len != b->fields[i].name_len ||
            a->fields[i].value_off != b->fields[i].value_off)
            fail_msg("round %d: field %zu differs with the chunking", round, i);
}

/* Random header sections (folded fields, lines that are not fields,
 * bare LF and CR, an empty line or none) fed whole, where fields are
 * read whole, give what feeding a byte at a time or 7 at a time gives,
 * where they are gathered a line at a time. */
static void test_random_chunkings(void **state)
{
    static const char *const pieces[] = {
        "From: a@example.com\r\n",
        "Subject: x\r\n",
        " folded\r\n",
        "\tmore\r\n",
        "To : b\r\n",
        "X: bare lf\n",
        "no colon\r\n",
        "Y: cr\r in it\r\n",
        "Z: \r\r\n",
        "\r\n",
        "body\r\n",
        "body bare\n",
        "\r",
        "\n",
        "a longer line of a body, long enough for a 16-byte block\r\n",
    };
    unsigned long seed = 5322;
    int round;

    for (round = 0; round < 2000; round++) {
        struct tk_buf text = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        struct tk_msg m1, m2, m3;
        size_t k = testutil_rand(&seed) % 24;

        while (k-- > 0)
            assert_int_equal(tk_buf_puts(&text, pieces[testutil_rand(&seed) % NELEM(pieces)]),
                             TK_OK);
        feed(&m1, tk_buf_cstr(&text), text.len, 0, &b1);
        feed(&m2, tk_buf_cstr(&text), text.len, 1, &b2);
        feed(&m3, tk_buf_cstr(&text), text.len, 7, &b3);
        same_msg(&m1, &b1, &m2, &b2, round);
        same_msg(&m1, &b1, &m3, &b3, round);
        tk_msg_free(&m1);
        tk_msg_free(&m2);
        tk_msg_free(&m3);
        tk_buf_free(&text);
        tk_buf_free(&b1);
        tk_buf_free(&b2);
        tk_buf_free(&b3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_body),         cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_find_and_count),          cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_ten_thousand_fields),     cmocka_unit_test(test_field_length_limit),
        cmocka_unit_test(test_folded_field_over_limit), cmocka_unit_test(test_add_field),
        cmocka_unit_test(test_body_crlf_across_chunks), cmocka_unit_test(test_random_chunkings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
