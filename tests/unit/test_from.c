/*
 * NAME
 *	test_from.c - unit tests of the RFC5322.From domain extraction
 * DESCRIPTION
 *	Valid shapes of RFC 5322 3.4 and 4.4 (display names, quoted
 *	strings, comments, angle and route addresses, CFWS around dots,
 *	folding, UTF-8 display names) give the lower-case domain; every
 *	defined failure (no From, two From fields, a header section over
 *	its limits, a group, two addresses as in CVE-2019-16378, an empty
 *	address as in CVE-2021-34555, no domain, a literal, a bad or
 *	non-ASCII domain, deep comments, too many items) gives its reason
 *	code, a status and a message, never a domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth/from.h"
#include "auth/message.h"
#include "core/domain.h"

struct value_case {
    const char *value;
    enum tk_from_reason reason;
    const char *domain; /* TK_FROM_OK */
};

static const struct value_case value_cases[] = {
    /* valid shapes */
    {" alice@example.com", TK_FROM_OK, "example.com"},
    {"alice@EXAMPLE.Com", TK_FROM_OK, "example.com"},
    {" Alice <alice@example.com>", TK_FROM_OK, "example.com"},
    {" <alice@example.com>", TK_FROM_OK, "example.com"},
    {" \"Smith, Alice\" <alice@example.com>", TK_FROM_OK, "example.com"},
    {" \"Alice <alice@evil.example>\" <alice@example.com>", TK_FROM_OK, "example.com"},
    {" \"a@b\" <alice@example.com>", TK_FROM_OK, "example.com"},
    {" alice@example.com (Alice Smith)", TK_FROM_OK, "example.com"},
    {" (c) alice(c)@(c)example.com(c)", TK_FROM_OK, "example.com"},
    {" Alice (nested (comment (three))) <alice@example.com>", TK_FROM_OK, "example.com"},
    {" (a \\) escaped paren) alice@example.com", TK_FROM_OK, "example.com"},
    {" \"quoted local\"@example.com", TK_FROM_OK, "example.com"},
    {" \"q\\\"uote\"@example.com", TK_FROM_OK, "example.com"},
    {" first.last@mail.example.co.nz", TK_FROM_OK, "mail.example.co.nz"},
    {" alice@example . com", TK_FROM_OK, "example.com"},              /* obs-domain: CFWS at dots */
    {" alice @ example.com", TK_FROM_OK, "example.com"},              /* CFWS around '@' */
    {" first . last@example.com", TK_FROM_OK, "example.com"},         /* obs-local-part */
    {" John Q. Public <jqp@example.com>", TK_FROM_OK, "example.com"}, /* obs-phrase '.' */
    {" <@relay.example:alice@example.com>", TK_FROM_OK, "example.com"}, /* obs-route */
    {" Alice <@a.example,@b.example:alice@example.com>", TK_FROM_OK, "example.com"},
    {" Alice\r\n <alice@example.com>", TK_FROM_OK, "example.com"}, /* folding */
    {" Alice <alice@\r\n\texample.com>", TK_FROM_OK, "example.com"},
    {" , alice@example.com ,", TK_FROM_OK, "example.com"},       /* obs-mbox-list empties */
    {" J\xc3\xb6rg <j@example.com>", TK_FROM_OK, "example.com"}, /* UTF-8 name */
    {" \"J\xc3\xb6rg\" <j\xc3\xb6rg@example.com>", TK_FROM_OK, "example.com"}, /* UTF-8 local */
    {" alice+tag@sub_domain.example.com", TK_FROM_OK, "sub_domain.example.com"},
    {" alice@example", TK_FROM_OK, "example"},
    {" a!#$%&'*+-/=?^_`{|}~@example.com", TK_FROM_OK, "example.com"},
    {" alice@xn--bcher-kva.example", TK_FROM_OK, "xn--bcher-kva.example"},
    /* defined failures */
    {"", TK_FROM_EMPTY, NULL},
    {"   ", TK_FROM_EMPTY, NULL},
    {" (only a comment)", TK_FROM_EMPTY, NULL},
    {" <>", TK_FROM_EMPTY, NULL},
    {" Alice <>", TK_FROM_EMPTY, NULL},
    {" , ,", TK_FROM_EMPTY, NULL},
    {" alice@example.com, mallory@evil.example", TK_FROM_MULTIPLE_ADDRESSES, NULL},
    {" alice@example.com, alice@example.com", TK_FROM_MULTIPLE_ADDRESSES, NULL},
    {" A <a@example.com>, B <b@evil.example>", TK_FROM_MULTIPLE_ADDRESSES, NULL},
    {" Undisclosed recipients:;", TK_FROM_GROUP, NULL},
    {" friends: alice@example.com;", TK_FROM_GROUP, NULL},
    {" friends: alice@example.com, bob@example.net;", TK_FROM_GROUP, NULL},
    {" alice", TK_FROM_NO_DOMAIN, NULL},
    {" Alice <alice>", TK_FROM_NO_DOMAIN, NULL},
    {" alice@", TK_FROM_NO_DOMAIN, NULL},
    {" Alice <alice@>", TK_FROM_NO_DOMAIN, NULL},
    {" alice@[192.0.2.1]", TK_FROM_ADDRESS_LITERAL, NULL},
    {" Alice <alice@[IPv6:2001:db8::1]>", TK_FROM_ADDRESS_LITERAL, NULL},
    {" alice@192.0.2.1", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@exa$mple.com", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@*.example.com", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@-", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@-example.com", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@example-.com", TK_FROM_BAD_DOMAIN, NULL},
    {" alice@ex-ample.com", TK_FROM_OK, "ex-ample.com"},
    {" alice@b\xc3\xbc"
     "cher.example",
     TK_FROM_NON_ASCII, NULL},
    {" alice@example.com.", TK_FROM_SYNTAX, NULL},
    {" alice@.example.com", TK_FROM_SYNTAX, NULL},
    {" alice@example..com", TK_FROM_SYNTAX, NULL},
    {" a@b@example.com", TK_FROM_SYNTAX, NULL},
    {" @example.com", TK_FROM_SYNTAX, NULL},
    {" .alice@example.com", TK_FROM_SYNTAX, NULL},
    {" mallory@evil.example <alice@example.com>", TK_FROM_SYNTAX, NULL},
    {" Alice <alice@example.com> mallory@evil.example", TK_FROM_SYNTAX, NULL},
    {" Alice <alice@example.com", TK_FROM_SYNTAX, NULL},
    {" Alice alice@example.com>", TK_FROM_SYNTAX, NULL},
    {" <<alice@example.com>>", TK_FROM_SYNTAX, NULL},
    {" \"unclosed <alice@example.com>", TK_FROM_SYNTAX, NULL},
    {" (unclosed alice@example.com", TK_FROM_SYNTAX, NULL},
    {" alice@example.com)", TK_FROM_SYNTAX, NULL},
    {" alice@example.com;", TK_FROM_SYNTAX, NULL},
    {" <alice:bob@example.com>", TK_FROM_SYNTAX, NULL},
    {" alice@exa\x01mple.com", TK_FROM_SYNTAX, NULL},
    {" alice@[unclosed", TK_FROM_SYNTAX, NULL},
    {" \\alice@example.com", TK_FROM_SYNTAX, NULL},
    {" ((((((((((((((((((deep))))))))))))))))) alice@example.com", TK_FROM_NESTING, NULL},
};

static void test_value_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(value_cases); i++) {
        const struct value_case *t = &value_cases[i];
        struct tk_error err = {0};
        struct tk_from f;
        enum tk_status st = tk_from_parse_value(t->value, strlen(t->value), &f, &err);

        if (f.reason != t->reason)
            fail_msg("case %zu '%s': reason %s, want %s (%s)", i, t->value,
                     tk_from_reason_name(f.reason), tk_from_reason_name(t->reason), err.msg);
        if (t->reason == TK_FROM_OK) {
            assert_int_equal(st, TK_OK);
            assert_string_equal(f.domain, t->domain);
            continue;
        }
        assert_int_not_equal(st, TK_OK);
        assert_string_equal(f.domain, "");
        /* the message names the reason, for the log */
        assert_non_null(strstr(err.msg, tk_from_reason_name(t->reason)));
        assert_int_equal(st, t->reason == TK_FROM_NESTING ? TK_LIMIT : TK_INVALID);
    }
}

/* Comments nested exactly to the limit are fine; one more is not. */
static void test_comment_depth_boundary(void **state)
{
    struct tk_buf b = {0};
    struct tk_from f;
    int i, depth;

    for (depth = TK_FROM_COMMENT_DEPTH_MAX; depth <= TK_FROM_COMMENT_DEPTH_MAX + 1; depth++) {
        tk_buf_reset(&b);
        for (i = 0; i < depth; i++)
            tk_buf_putc(&b, '(');
        for (i = 0; i < depth; i++)
            tk_buf_putc(&b, ')');
        tk_buf_puts(&b, " a@example.com");
        tk_from_parse_value(b.data, b.len, &f, NULL);
        assert_int_equal(f.reason,
                         depth <= TK_FROM_COMMENT_DEPTH_MAX ? TK_FROM_OK : TK_FROM_NESTING);
    }
    tk_buf_free(&b);
}

/* A display name of many words: up to the item limit it parses; past
 * it the result is TK_FROM_TOO_COMPLEX, never a guess. */
static void test_item_limit(void **state)
{
    struct tk_buf b = {0};
    struct tk_from f;
    size_t words;

    /* words + '<' 'a' '@' 'example' '.' 'com' '>' = words + 7 items */
    for (words = TK_FROM_TOKENS_MAX - 7; words <= TK_FROM_TOKENS_MAX - 6; words++) {
        size_t i;

        tk_buf_reset(&b);
        for (i = 0; i < words; i++)
            tk_buf_puts(&b, "w ");
        tk_buf_puts(&b, "<a@example.com>");
        assert_int_equal(tk_from_parse_value(b.data, b.len, &f, NULL),
                         words + 7 <= TK_FROM_TOKENS_MAX ? TK_OK : TK_LIMIT);
        assert_int_equal(f.reason,
                         words + 7 <= TK_FROM_TOKENS_MAX ? TK_FROM_OK : TK_FROM_TOO_COMPLEX);
    }
    tk_buf_free(&b);
}

/* A NUL byte inside the field is refused, wherever it is. */
static void test_nul_bytes(void **state)
{
    static const char v1[] = " alice@exam\0ple.com";
    static const char v2[] = " \"al\0ice\"@example.com";
    static const char v3[] = " (com\0ment) alice@example.com";
    struct tk_from f;

    assert_int_equal(tk_from_parse_value(v1, sizeof(v1) - 1, &f, NULL), TK_INVALID);
    assert_int_equal(tk_from_parse_value(v2, sizeof(v2) - 1, &f, NULL), TK_INVALID);
    assert_int_equal(tk_from_parse_value(v3, sizeof(v3) - 1, &f, NULL), TK_INVALID);
}

/* ---- whole messages ---- */

static void msg_of(struct tk_msg *m, const char *text)
{
    tk_msg_init(m);
    assert_int_equal(tk_msg_feed(m, text, strlen(text), NULL, NULL), TK_OK);
    assert_int_equal(tk_msg_finish(m), TK_OK);
}

struct msg_case {
    const char *text;
    enum tk_status status;
    enum tk_from_reason reason;
    const char *domain;
    size_t field;
};

static const struct msg_case msg_cases[] = {
    {"Subject: x\nFrom: Alice <alice@Example.COM>\nTo: b@example.net\n\nbody\n", TK_OK, TK_FROM_OK,
     "example.com", 1},
    {"FROM: alice@example.com\n\n", TK_OK, TK_FROM_OK, "example.com", 0},
    {"from : alice@example.com\n\n", TK_OK, TK_FROM_OK, "example.com", 0},
    {"From: Alice\n <alice@example.com>\n\n", TK_OK, TK_FROM_OK, "example.com", 0},
    /* an mbox separator line is not a field */
    {"From alice@evil.example Sat Jan  3 01:05:34 1996\nFrom: alice@example.com\n\n", TK_OK,
     TK_FROM_OK, "example.com", 0},
    /* Resent-From and Sender are other fields */
    {"Resent-From: r@evil.example\nSender: s@evil.example\nFrom: a@example.com\n\n", TK_OK,
     TK_FROM_OK, "example.com", 2},
    {"Subject: none\nTo: b@example.net\n\n", TK_ABSENT, TK_FROM_NONE, "", (size_t)-1},
    {"", TK_ABSENT, TK_FROM_NONE, "", (size_t)-1},
    {"From: a@example.com\nFrom: m@evil.example\n\n", TK_INVALID, TK_FROM_MULTIPLE_FIELDS, "",
     (size_t)-1},
    {"From: a@example.com\nfrom: a@example.com\n\n", TK_INVALID, TK_FROM_MULTIPLE_FIELDS, "",
     (size_t)-1},
    {"From: a@example.com, m@evil.example\n\n", TK_INVALID, TK_FROM_MULTIPLE_ADDRESSES, "", 0},
    {"From:\n\n", TK_INVALID, TK_FROM_EMPTY, "", 0},
    {"From: <>\n\n", TK_INVALID, TK_FROM_EMPTY, "", 0},
};

static void test_message_table(void **state)
{
    size_t i;

    for (i = 0; i < NELEM(msg_cases); i++) {
        const struct msg_case *t = &msg_cases[i];
        struct tk_error err = {0};
        struct tk_msg m;
        struct tk_from f;
        enum tk_status st;

        msg_of(&m, t->text);
        st = tk_from_domain(&m, &f, &err);
        if (st != t->status || f.reason != t->reason)
            fail_msg("case %zu: %s/%s, want %s/%s (%s)", i, tk_status_name(st),
                     tk_from_reason_name(f.reason), tk_status_name(t->status),
                     tk_from_reason_name(t->reason), err.msg);
        assert_string_equal(f.domain, t->domain);
        assert_int_equal(f.field, t->field);
        if (st != TK_OK)
            assert_true(err.msg[0] != '\0');
        tk_msg_free(&m);
    }
}

/* A header section over its field limit: the From that was kept is
 * not trusted, since a second one may have been dropped. */
static void test_overflow(void **state)
{
    struct tk_msg m;
    struct tk_from f;
    struct tk_error err = {0};
    size_t i;

    tk_msg_init(&m);
    assert_int_equal(tk_msg_add_field(&m, "From: alice@example.com", 23), TK_OK);
    for (i = 0; i < TK_MSG_HEADERS_MAX + 1; i++)
        assert_int_equal(tk_msg_add_field(&m, "X-Filler: y", 11), TK_OK);
    assert_int_equal(tk_msg_add_field(&m, "From: mallory@evil.example", 26), TK_OK);
    tk_msg_end_headers(&m);
    assert_true(tk_msg_overflow(&m));
    assert_int_equal(tk_from_domain(&m, &f, &err), TK_LIMIT);
    assert_int_equal(f.reason, TK_FROM_OVERFLOW);
    assert_string_equal(f.domain, "");
    assert_non_null(strstr(err.msg, "header-overflow"));
    tk_msg_free(&m);
}

/* Garbage never crashes and never yields a domain that is not a valid
 * lower-case DNS name. */
static void test_garbage(void **state)
{
    static const char alphabet[] = "a@.<>(),:;\"\\[] \r\n\tb\x80\xc3";
    unsigned long seed = 6;
    char buf[64];
    int round;

    for (round = 0; round < 20000; round++) {
        size_t len = testutil_rand(&seed) % sizeof(buf);
        struct tk_from f;

        testutil_garbage(&seed, buf, 0, len, alphabet, sizeof(alphabet) - 1);
        if (tk_from_parse_value(buf, len, &f, NULL) == TK_OK) {
            char norm[TK_DOMAIN_MAX + 1];

            assert_int_equal(f.reason, TK_FROM_OK);
            assert_int_equal(tk_domain_normalise(f.domain, strlen(f.domain), norm, NULL), TK_OK);
            assert_string_equal(norm, f.domain);
        } else {
            assert_int_not_equal(f.reason, TK_FROM_OK);
            assert_string_equal(f.domain, "");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_table),   cmocka_unit_test(test_comment_depth_boundary),
        cmocka_unit_test(test_item_limit),    cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_message_table), cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
