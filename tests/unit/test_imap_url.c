/*
 * NAME
 *	test_imap_url.c - unit tests of the pure parts of IMAP report fetching
 * DESCRIPTION
 *	Table-driven, over reports/imap_proto.h: mailbox URLs as an operator
 *	writes them (users, hosts, ports, mailboxes, and every way one is
 *	refused: a password, a query, a message part, control bytes,
 *	invalid UTF-8, lengths on both sides of the limit); mailbox names in
 *	modified UTF-7 (RFC 3501's own example, macrons, astral characters,
 *	"&"); quoting; the URL libcurl gets; UID sets; and the untagged
 *	responses read back (SEARCH, FETCH, CAPABILITY, LIST), well-formed,
 *	odd but valid, hostile, and deterministic garbage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/buf.h"
#include "reports/imap_proto.h"

/* ---- URLs ---- */

struct url_case {
    const char *in;
    enum tk_status want;
    bool tls;
    const char *host;
    unsigned port;
    const char *user;
    const char *mailbox;
    const char *err_sub; /* part of the error message */
};

static const struct url_case url_cases[] = {
    {"imaps://dmarc@imap.reports.example/INBOX", TK_OK, true, "imap.reports.example", 993, "dmarc",
     "INBOX", NULL},
    {"imap://dmarc@imap.reports.example", TK_OK, false, "imap.reports.example", 143, "dmarc",
     "INBOX", NULL},
    {"IMAPS://u@h:1993/", TK_OK, true, "h", 1993, "u", "INBOX", NULL},
    {"imaps://h/INBOX/", TK_OK, true, "h", 993, "", "INBOX", NULL},
    {"imaps://h", TK_OK, true, "h", 993, "", "INBOX", NULL},
    {"imaps://u%40agency.govt.nz@h/Reports%2FDMARC", TK_OK, true, "h", 993, "u@agency.govt.nz",
     "Reports/DMARC", NULL},
    {"imaps://u@agency.govt.nz@mail.agency.govt.nz/INBOX", TK_OK, true, "mail.agency.govt.nz", 993,
     "u@agency.govt.nz", "INBOX", NULL},
    {"imaps://u@[::1]:993/INBOX", TK_OK, true, "[::1]", 993, "u", "INBOX", NULL},
    {"imaps://u@[2001:db8::143]/INBOX", TK_OK, true, "[2001:db8::143]", 993, "u", "INBOX", NULL},
    {"imaps://u@127.77.0.143/INBOX", TK_OK, true, "127.77.0.143", 993, "u", "INBOX", NULL},
    {"imaps://u@h/P%C5%ABrongo", TK_OK, true, "h", 993, "u", "P\xc5\xabrongo", NULL},
    {"imaps://u@h/Archive.DMARC", TK_OK, true, "h", 993, "u", "Archive.DMARC", NULL},
    {"imaps://u@h:65535/a%20b", TK_OK, true, "h", 65535, "u", "a b", NULL},
    {"imaps://u@h/INBOX%2F", TK_OK, true, "h", 993, "u", "INBOX", NULL},
    /* Refused. */
    {"", TK_USAGE, 0, NULL, 0, NULL, NULL, "no IMAP URL"},
    {"http://h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "not an imap"},
    {"imapx://h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "not an imap"},
    {"pop3s://h/", TK_USAGE, 0, NULL, 0, NULL, NULL, "not an imap"},
    {"imaps://u:secret@h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "password"},
    {"imaps://u:@h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "password"},
    {"imaps://u;AUTH=PLAIN@h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "login options"},
    {"imaps://@h/INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "no user"},
    {"imaps://h/INBOX;UIDVALIDITY=5", TK_USAGE, 0, NULL, 0, NULL, NULL, "mailbox only"},
    {"imaps://h/INBOX/;UID=1", TK_USAGE, 0, NULL, 0, NULL, NULL, "mailbox only"},
    {"imaps://h/INBOX?UNSEEN", TK_USAGE, 0, NULL, 0, NULL, NULL, "query"},
    {"imaps://h?x", TK_USAGE, 0, NULL, 0, NULL, NULL, "query"},
    {"imaps://h/INBOX#x", TK_USAGE, 0, NULL, 0, NULL, NULL, "fragment"},
    {"imaps://h:0/", TK_USAGE, 0, NULL, 0, NULL, NULL, "port"},
    {"imaps://h:65536/", TK_USAGE, 0, NULL, 0, NULL, NULL, "port"},
    {"imaps://h:/", TK_USAGE, 0, NULL, 0, NULL, NULL, "port"},
    {"imaps://h:99999999999999999999999/", TK_USAGE, 0, NULL, 0, NULL, NULL, "port"},
    {"imaps://h:993x/", TK_USAGE, 0, NULL, 0, NULL, NULL, "host"},
    {"imaps://[::1/", TK_USAGE, 0, NULL, 0, NULL, NULL, "IPv6"},
    {"imaps://[zz::1]/", TK_USAGE, 0, NULL, 0, NULL, NULL, "not an IPv6"},
    {"imaps://[]/", TK_USAGE, 0, NULL, 0, NULL, NULL, "IPv6"},
    {"imaps:///INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "no usable host"},
    {"imaps://.h/", TK_USAGE, 0, NULL, 0, NULL, NULL, "no usable host"},
    {"imaps://h_x/", TK_USAGE, 0, NULL, 0, NULL, NULL, "host"},
    {"imaps://h/%0d%0aA1%20LOGOUT", TK_USAGE, 0, NULL, 0, NULL, NULL, "control byte"},
    {"imaps://h/%00", TK_USAGE, 0, NULL, 0, NULL, NULL, "NUL"},
    {"imaps://h/%zz", TK_USAGE, 0, NULL, 0, NULL, NULL, "%-escape"},
    {"imaps://h/%4", TK_USAGE, 0, NULL, 0, NULL, NULL, "%-escape"},
    {"imaps://h/%C3%28", TK_USAGE, 0, NULL, 0, NULL, NULL, "UTF-8"},
    {"imaps://h/%ED%A0%80", TK_USAGE, 0, NULL, 0, NULL, NULL, "UTF-8"},
    {"imaps://u%0a@h/", TK_USAGE, 0, NULL, 0, NULL, NULL, "control byte"},
    {"imaps://h/ INBOX", TK_USAGE, 0, NULL, 0, NULL, NULL, "space"},
    {"imaps://h/\xc3\xa9", TK_USAGE, 0, NULL, 0, NULL, NULL, "non-ASCII"},
    {"imaps://h/\t", TK_USAGE, 0, NULL, 0, NULL, NULL, "control"},
};

static void test_url_table(void **state)
{
    struct tk_imap_url u;
    struct tk_error err;
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(url_cases); i++) {
        const struct url_case *c = &url_cases[i];
        enum tk_status st;

        tk_error_clear(&err);
        st = tk_imap_url_parse(c->in, &u, &err);
        if (st != c->want)
            fail_msg("case %zu (%s): status %s, want %s (%s)", i, c->in, tk_status_name(st),
                     tk_status_name(c->want), err.msg);
        if (st != TK_OK) {
            assert_true(testutil_printable(err.msg));
            if (strstr(err.msg, c->err_sub) == NULL)
                fail_msg("case %zu (%s): error \"%s\" lacks \"%s\"", i, c->in, err.msg, c->err_sub);
            continue;
        }
        assert_int_equal(u.tls, c->tls);
        assert_string_equal(u.host, c->host);
        assert_int_equal(u.port, c->port);
        assert_string_equal(u.user, c->user);
        assert_string_equal(u.mailbox, c->mailbox);
    }
    assert_int_equal(tk_imap_url_parse(NULL, &u, &err), TK_USAGE);
}

/* Both sides of every length limit. */
static void test_url_limits(void **state)
{
    char url[TK_IMAP_URL_MAX + 64], *p;
    struct tk_imap_url u;
    struct tk_error err;
    size_t n;

    (void)state;
    /* A user of TK_IMAP_USER_MAX bytes, and one more. */
    for (n = TK_IMAP_USER_MAX; n <= TK_IMAP_USER_MAX + 1; n++) {
        p = url + sprintf(url, "imaps://");
        memset(p, 'u', n);
        sprintf(p + n, "@h/INBOX");
        assert_int_equal(tk_imap_url_parse(url, &u, &err),
                         n <= TK_IMAP_USER_MAX ? TK_OK : TK_USAGE);
    }
    /* A mailbox of TK_IMAP_MAILBOX_MAX bytes, and one more. */
    for (n = TK_IMAP_MAILBOX_MAX; n <= TK_IMAP_MAILBOX_MAX + 1; n++) {
        p = url + sprintf(url, "imaps://h/");
        memset(p, 'm', n);
        p[n] = '\0';
        assert_int_equal(tk_imap_url_parse(url, &u, &err),
                         n <= TK_IMAP_MAILBOX_MAX ? TK_OK : TK_USAGE);
    }
    /* A host of TK_DOMAIN_MAX characters, and one more. */
    for (n = TK_DOMAIN_MAX; n <= TK_DOMAIN_MAX + 1; n++) {
        p = url + sprintf(url, "imaps://");
        memset(p, 'h', n);
        sprintf(p + n, "/INBOX");
        assert_int_equal(tk_imap_url_parse(url, &u, &err), n <= TK_DOMAIN_MAX ? TK_OK : TK_USAGE);
    }
    /* The whole URL: TK_IMAP_URL_MAX bytes (a mailbox of escapes), and one more. */
    for (n = TK_IMAP_URL_MAX; n <= TK_IMAP_URL_MAX + 1; n++) {
        size_t i = (size_t)sprintf(url, "imaps://h/");

        while (i < n)
            url[i++] = 'a';
        url[n] = '\0';
        tk_error_clear(&err);
        assert_int_equal(tk_imap_url_parse(url, &u, &err), TK_USAGE);
        assert_non_null(strstr(err.msg, n <= TK_IMAP_URL_MAX ? "mailbox" : "longer than"));
    }
}

/* ---- mailbox names ---- */

struct name_case {
    const char *in;
    enum tk_status want;
    const char *out;
};

static const struct name_case name_cases[] = {
    {"INBOX", TK_OK, "INBOX"},
    {"processed", TK_OK, "processed"},
    {"&", TK_OK, "&-"},
    {"A&B", TK_OK, "A&-B"},
    {"Te Tari Taiwhenua", TK_OK, "Te Tari Taiwhenua"},
    /* RFC 3501 5.1.3's own example. */
    {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", TK_OK,
     "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
    {"P\xc5\xabrongo", TK_OK, "P&AWs-rongo"},
    {"\xc4\x81\xc4\x93", TK_OK, "&AQEBEw-"}, /* a macron pair: one run */
    {"\xf0\x9f\x98\x80", TK_OK, "&2D3eAA-"}, /* U+1F600: a surrogate pair */
    {"a\xc5\xab&b", TK_OK, "a&AWs-&-b"},     /* a run ended by "&" */
    {"", TK_USAGE, NULL},
    {"a\rb", TK_USAGE, NULL},
    {"a\nb", TK_USAGE, NULL},
    {"a\x7f", TK_USAGE, NULL},
    {"\xff", TK_USAGE, NULL},
    {"\xc3", TK_USAGE, NULL},
    {"\xe0\x80\xaf", TK_USAGE, NULL}, /* overlong */
};

static void test_mailbox_encode(void **state)
{
    char out[TK_IMAP_MAILBOX_ENC_MAX + 1], small[6];
    struct tk_error err;
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(name_cases); i++) {
        enum tk_status st = tk_imap_mailbox_encode(name_cases[i].in, out, sizeof(out), &err);

        if (st != name_cases[i].want)
            fail_msg("name case %zu: %s", i, tk_status_name(st));
        if (st == TK_OK)
            assert_string_equal(out, name_cases[i].out);
        else
            assert_true(testutil_printable(err.msg));
    }
    /* "INBOX" fits 6 bytes exactly; "INBOXX" does not. */
    assert_int_equal(tk_imap_mailbox_encode("INBOX", small, sizeof(small), &err), TK_OK);
    assert_int_equal(tk_imap_mailbox_encode("INBOXX", small, sizeof(small), &err), TK_USAGE);
    assert_int_equal(tk_imap_mailbox_encode("\xc5\xab", small, sizeof(small), &err), TK_OK);
    assert_string_equal(small, "&AWs-");
    assert_int_equal(tk_imap_mailbox_encode("\xc5\xab\xc5\xab", small, sizeof(small), &err),
                     TK_USAGE);
}

static void test_quote(void **state)
{
    char out[32];

    (void)state;
    assert_true(tk_imap_quote("processed", out, sizeof(out)));
    assert_string_equal(out, "\"processed\"");
    assert_true(tk_imap_quote("a\"b\\c", out, sizeof(out)));
    assert_string_equal(out, "\"a\\\"b\\\\c\"");
    assert_true(tk_imap_quote("", out, sizeof(out)));
    assert_string_equal(out, "\"\"");
    assert_false(tk_imap_quote("a\r\nA1 LOGOUT", out, sizeof(out)));
    assert_false(tk_imap_quote("\xc5\xab", out, sizeof(out)));
    assert_false(tk_imap_quote("a\x7f", out, sizeof(out)));
    /* "abc" quoted is 5 bytes: fits 6, not 5. */
    assert_true(tk_imap_quote("abc", out, 6));
    assert_false(tk_imap_quote("abc", out, 5));
}

static void test_curl_url(void **state)
{
    struct tk_imap_url u;
    struct tk_error err;
    char out[256];

    (void)state;
    assert_int_equal(tk_imap_url_parse("imaps://dmarc@imap.reports.example/INBOX", &u, &err),
                     TK_OK);
    assert_int_equal(tk_imap_curl_url(&u, "", out, sizeof(out), &err), TK_OK);
    assert_string_equal(out, "imaps://imap.reports.example:993/INBOX");
    assert_int_equal(tk_imap_curl_url(&u, "/;UID=42", out, sizeof(out), &err), TK_OK);
    assert_string_equal(out, "imaps://imap.reports.example:993/INBOX/;UID=42");
    /* No user or password ever: they go to libcurl apart. */
    assert_null(strstr(out, "dmarc"));
    assert_int_equal(tk_imap_url_parse("imap://u@[::1]:1143/a.b%20c%26/P%C5%AB", &u, &err), TK_OK);
    assert_int_equal(tk_imap_curl_url(&u, "", out, sizeof(out), &err), TK_OK);
    assert_string_equal(out, "imap://[::1]:1143/a%2Eb%20c%26%2D%2FP%26AWs%2D");
    /* Too small. */
    assert_int_equal(tk_imap_curl_url(&u, "", out, 20, &err), TK_USAGE);
}

static void test_url_show(void **state)
{
    struct tk_imap_url u;
    struct tk_error err;
    char out[128];

    (void)state;
    assert_int_equal(tk_imap_url_parse("imaps://dmarc@h/INBOX", &u, &err), TK_OK);
    tk_imap_url_show(&u, out, sizeof(out));
    assert_string_equal(out, "imaps://dmarc@h/INBOX");
    assert_int_equal(tk_imap_url_parse("imap://h:1143/P%C5%ABrongo", &u, &err), TK_OK);
    tk_imap_url_show(&u, out, sizeof(out));
    assert_string_equal(out, "imap://h:1143/P\xc5\xabrongo");
    assert_int_equal(tk_imap_url_parse("imaps://h:143/x", &u, &err), TK_OK);
    tk_imap_url_show(&u, out, sizeof(out));
    assert_string_equal(out, "imaps://h:143/x");
}

/* ---- UID sets ---- */

static void test_uid_set(void **state)
{
    const uint32_t uids[] = {1, 2, 3, 5, 7, 8, 4294967295u};
    char out[64];

    (void)state;
    assert_int_equal(tk_imap_uid_set(uids, NELEM(uids), out, sizeof(out)), NELEM(uids));
    assert_string_equal(out, "1:3,5,7:8,4294967295");
    assert_int_equal(tk_imap_uid_set(uids, 1, out, sizeof(out)), 1);
    assert_string_equal(out, "1");
    assert_int_equal(tk_imap_uid_set(uids, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    /* "1:3,5" is 5 bytes: with 6 bytes the set stops there. */
    assert_int_equal(tk_imap_uid_set(uids, NELEM(uids), out, 6), 4);
    assert_string_equal(out, "1:3,5");
    assert_int_equal(tk_imap_uid_set(uids, NELEM(uids), out, 3), 0);
}

/* ---- SEARCH ---- */

struct search_case {
    const char *in;
    enum tk_status want;
    size_t max;
    size_t n;
    bool cut;
    uint32_t first, last;
};

static const struct search_case search_cases[] = {
    {"* SEARCH 1 2 3\r\n", TK_OK, 100, 3, false, 1, 3},
    {"* SEARCH\r\n", TK_OK, 100, 0, false, 0, 0},
    {"* SEARCH", TK_OK, 100, 0, false, 0, 0},
    {"* search 4 5\n", TK_OK, 100, 2, false, 4, 5},
    {"* SEARCH 2 3 (MODSEQ 917162500)\r\n", TK_OK, 100, 2, false, 2, 3},
    {"* 3 EXISTS\r\n* SEARCH 7\r\n* OK still here\r\n", TK_OK, 100, 1, false, 7, 7},
    {"* SEARCH 9 8\r\n* SEARCH 1\r\n", TK_OK, 100, 3, false, 9, 1},
    {"* SEARCH  10   11 \r\n", TK_OK, 100, 2, false, 10, 11},
    {"* SEARCH 4294967295\r\n", TK_OK, 100, 1, false, 4294967295u, 4294967295u},
    {"* SEARCH 1 2 3\r\n", TK_OK, 2, 2, true, 1, 2},
    {"* SEARCHES 1\r\n", TK_OK, 100, 0, false, 0, 0},
    {"* ESEARCH (TAG \"A1\") UID ALL 1:3\r\n", TK_OK, 100, 0, false, 0, 0},
    {"A1 SEARCH 1\r\n", TK_OK, 100, 0, false, 0, 0},
    {"* SEARCH 1 x\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 0\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 4294967296\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 99999999999999999999999\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH -1\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 1 (MODSEQ 1) 2\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 1 (MODSEQ x)\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 12a\r\n", TK_INVALID, 100, 0, false, 0, 0},
    {"* SEARCH 1\x00 2\r\n", TK_INVALID, 100, 0, false, 0, 0},
};

static void test_search(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(search_cases); i++) {
        const struct search_case *c = &search_cases[i];
        struct tk_imap_uids u = {.max = c->max};
        struct tk_error err;
        size_t len = strlen(c->in);
        enum tk_status st;

        if (strstr(c->in, "1\x00") == c->in + 9)
            len = sizeof("* SEARCH 1\x00 2\r\n") - 1;
        st = tk_imap_search_parse(c->in, len, &u, &err);
        if (st != c->want)
            fail_msg("search case %zu: %s", i, tk_status_name(st));
        if (st == TK_OK) {
            assert_int_equal(u.n, c->n);
            assert_int_equal(u.cut, c->cut);
            if (c->n > 0) {
                assert_int_equal(u.v[0], c->first);
                assert_int_equal(u.v[u.n - 1], c->last);
            }
        } else {
            assert_true(testutil_printable(err.msg));
        }
        tk_imap_uids_free(&u);
    }
}

static void test_uids_sort_find(void **state)
{
    const char *resp = "* SEARCH 9 3 7 3 1 9\r\n";
    struct tk_imap_uids u = {.max = 100};
    struct tk_error err;

    (void)state;
    assert_int_equal(tk_imap_search_parse(resp, strlen(resp), &u, &err), TK_OK);
    assert_int_equal(u.n, 6);
    tk_imap_uids_sort(&u);
    assert_int_equal(u.n, 4);
    assert_int_equal(u.v[0], 1);
    assert_int_equal(u.v[3], 9);
    assert_int_equal(tk_imap_uids_find(&u, 7), 2);
    assert_int_equal(tk_imap_uids_find(&u, 1), 0);
    assert_int_equal(tk_imap_uids_find(&u, 9), 3);
    assert_int_equal(tk_imap_uids_find(&u, 4), -1);
    assert_int_equal(tk_imap_uids_find(&u, 100), -1);
    tk_imap_uids_free(&u);
    tk_imap_uids_sort(&u);
    assert_int_equal(tk_imap_uids_find(&u, 1), -1);
}

/* Many UIDs grow the list in steps up to max and no further. */
static void test_search_many(void **state)
{
    struct tk_imap_uids u = {.max = 5000};
    struct tk_buf b = {0};
    struct tk_error err;
    unsigned i;

    (void)state;
    assert_int_equal(tk_buf_puts(&b, "* SEARCH"), TK_OK);
    for (i = 1; i <= 6000; i++)
        assert_int_equal(tk_buf_printf(&b, " %u", i), TK_OK);
    assert_int_equal(tk_buf_puts(&b, "\r\n"), TK_OK);
    assert_int_equal(tk_imap_search_parse(b.data, b.len, &u, &err), TK_OK);
    assert_int_equal(u.n, 5000);
    assert_true(u.cut);
    assert_int_equal(u.v[4999], 5000);
    assert_true(u.cap <= u.max);
    tk_imap_uids_free(&u);
    tk_buf_free(&b);
}

/* ---- FETCH ---- */

struct fetch_case {
    const char *in;
    enum tk_status want;
    uint32_t seq, uid;
    uint64_t size;
    bool has_uid, has_size, has_flags, seen;
};

static const struct fetch_case fetch_cases[] = {
    {"* 1 FETCH (UID 6 RFC822.SIZE 12053 FLAGS (\\Seen \\Recent))", TK_OK, 1, 6, 12053, true, true,
     true, true},
    {"* 12 FETCH (FLAGS () UID 7 RFC822.SIZE 10)", TK_OK, 12, 7, 10, true, true, true, false},
    {"* 2 fetch (uid 2 rfc822.size 50 flags (\\seen $Junk) MODSEQ (12) X-GM-LABELS (\"a b\" c))",
     TK_OK, 2, 2, 50, true, true, true, true},
    {"* 3 FETCH (UID 3 BODY[HEADER.FIELDS (SUBJECT)] NIL X \"q\\\"uoted\" Y ((a (b)) c))", TK_OK, 3,
     3, 0, true, false, false, false},
    {"* 4 FETCH (UID 4)", TK_OK, 4, 4, 0, true, false, false, false},
    {"* 5 FETCH (RFC822.SIZE 9223372036854775807)", TK_OK, 5, 0, 9223372036854775807ull, false,
     true, false, false},
    {"* 6 FETCH (FLAGS (\\Seen))  ", TK_OK, 6, 0, 0, false, false, true, true},
    {"* 7 FETCH ()", TK_OK, 7, 0, 0, false, false, false, false},
    /* Not FETCH responses. */
    {"* 3 EXISTS", TK_ABSENT, 0, 0, 0, false, false, false, false},
    {"* OK [UIDVALIDITY 7]", TK_ABSENT, 0, 0, 0, false, false, false, false},
    {"A1 OK done", TK_ABSENT, 0, 0, 0, false, false, false, false},
    {"* 0 FETCH (UID 1)", TK_ABSENT, 0, 0, 0, false, false, false, false},
    {"", TK_ABSENT, 0, 0, 0, false, false, false, false},
    /* FETCH responses that cannot be read. */
    {"* 3 FETCH UID 3", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (UID 3", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (UID 3 BODY[] {12}", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (RFC822.SIZE 9223372036854775808)", TK_INVALID, 0, 0, 0, false, false, false,
     false},
    {"* 3 FETCH (RFC822.SIZE 99999999999999999999)", TK_INVALID, 0, 0, 0, false, false, false,
     false},
    {"* 3 FETCH (UID 0)", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (UID x)", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (X \"unterminated)", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (FLAGS (\\Seen)", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (UID 3) trailing", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (BODY[ NIL)", TK_INVALID, 0, 0, 0, false, false, false, false},
    {"* 3 FETCH (X ((((((((((((((((((a))))))))))))))))))", TK_INVALID, 0, 0, 0, false, false, false,
     false},
};

static void test_fetch(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(fetch_cases); i++) {
        const struct fetch_case *c = &fetch_cases[i];
        struct tk_span line = {c->in, strlen(c->in)};
        struct tk_imap_fetch_item it;
        enum tk_status st = tk_imap_fetch_parse(line, &it);

        if (st != c->want)
            fail_msg("fetch case %zu (%s): %s", i, c->in, tk_status_name(st));
        if (st != TK_OK)
            continue;
        assert_int_equal(it.seq, c->seq);
        assert_int_equal(it.has_uid, c->has_uid);
        assert_int_equal(it.has_size, c->has_size);
        assert_int_equal(it.has_flags, c->has_flags);
        assert_int_equal(it.seen, c->seen);
        if (c->has_uid)
            assert_int_equal(it.uid, c->uid);
        if (c->has_size)
            assert_true(it.size == c->size);
    }
}

static void test_lines(void **state)
{
    const char *in = "a\r\nb\n\nc";
    struct tk_cursor c;
    struct tk_span l;

    (void)state;
    tk_cursor_init(&c, in, strlen(in));
    assert_true(tk_imap_next_line(&c, &l) && tk_span_eq(l, "a"));
    assert_true(tk_imap_next_line(&c, &l) && tk_span_eq(l, "b"));
    assert_true(tk_imap_next_line(&c, &l) && tk_span_eq(l, ""));
    assert_true(tk_imap_next_line(&c, &l) && tk_span_eq(l, "c"));
    assert_false(tk_imap_next_line(&c, &l));
}

/* ---- CAPABILITY and LIST ---- */

static void test_capability(void **state)
{
    const char *caps = "* OK hello\r\n* CAPABILITY IMAP4rev1 SASL-IR UIDPLUS move MOVEX\r\n";
    const char *none = "* CAPABILITY IMAP4rev1 XMOVE MOVEY\r\n* OK [CAPABILITY MOVE]\r\n";

    (void)state;
    assert_true(tk_imap_capability_has(caps, strlen(caps), "MOVE"));
    assert_true(tk_imap_capability_has(caps, strlen(caps), "UIDPLUS"));
    assert_true(tk_imap_capability_has(caps, strlen(caps), "imap4rev1"));
    assert_false(tk_imap_capability_has(caps, strlen(caps), "IDLE"));
    assert_false(tk_imap_capability_has(none, strlen(none), "MOVE"));
    assert_false(tk_imap_capability_has("", 0, "MOVE"));
}

static void test_list(void **state)
{
    const char *yes = "* LIST (\\HasNoChildren) \".\" processed\r\n";
    const char *quoted = "* LIST () \"/\" \"Archive/DMARC\"\r\n";
    const char *noselect = "* LIST (\\Noselect \\HasChildren) \".\" processed\r\n";
    const char *gone = "* list (\\NonExistent) \".\" processed\r\n";
    const char *lsub = "* LSUB () \".\" processed\r\n";
    const char *bad = "* LIST (\\HasNoChildren \".\" processed\r\n";

    (void)state;
    assert_true(tk_imap_list_selectable(yes, strlen(yes)));
    assert_true(tk_imap_list_selectable(quoted, strlen(quoted)));
    assert_false(tk_imap_list_selectable(noselect, strlen(noselect)));
    assert_false(tk_imap_list_selectable(gone, strlen(gone)));
    assert_false(tk_imap_list_selectable(lsub, strlen(lsub)));
    assert_false(tk_imap_list_selectable(bad, strlen(bad)));
    assert_false(tk_imap_list_selectable("", 0));
}

/* ---- garbage ---- */

/* Deterministic garbage made of the bytes a response is made of never
 * crashes a parser, never yields UID 0 or a list past its maximum, and
 * errors stay printable. */
static void test_garbage(void **state)
{
    static const char alphabet[] =
        "* SEARCHFETCHUIDRFC822.SIZEFLAGS\\Seen()[]{}\"0123456789 \r\n\x00\xff";
    unsigned long seed = 5;
    char buf[512];
    int round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t len = 1 + testutil_rand(&seed) % sizeof(buf), i;
        struct tk_imap_uids u = {.max = 16};
        struct tk_imap_fetch_item it;
        struct tk_cursor c;
        struct tk_span line;
        struct tk_error err;
        struct tk_imap_url url;
        char s[sizeof(buf) + 1];

        testutil_garbage(&seed, buf, 0, len, alphabet, sizeof(alphabet) - 1);
        if (round % 2 == 0)
            memcpy(buf, round % 4 ? "* SEARCH " : "* 1 FETCH (", round % 4 ? 9 : 11);
        if (tk_imap_search_parse(buf, len, &u, &err) == TK_OK) {
            assert_true(u.n <= u.max);
            for (i = 0; i < u.n; i++)
                assert_true(u.v[i] != 0);
        } else {
            assert_true(testutil_printable(err.msg));
        }
        tk_imap_uids_free(&u);
        tk_cursor_init(&c, buf, len);
        while (tk_imap_next_line(&c, &line))
            if (tk_imap_fetch_parse(line, &it) == TK_OK && it.has_uid)
                assert_true(it.uid != 0);
        (void)tk_imap_capability_has(buf, len, "MOVE");
        (void)tk_imap_list_selectable(buf, len);
        memcpy(s, buf, len);
        s[len] = '\0';
        if (tk_imap_url_parse(s, &url, &err) != TK_OK)
            assert_true(testutil_printable(err.msg));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_table),      cmocka_unit_test(test_url_limits),
        cmocka_unit_test(test_mailbox_encode), cmocka_unit_test(test_quote),
        cmocka_unit_test(test_curl_url),       cmocka_unit_test(test_url_show),
        cmocka_unit_test(test_uid_set),        cmocka_unit_test(test_search),
        cmocka_unit_test(test_uids_sort_find), cmocka_unit_test(test_search_many),
        cmocka_unit_test(test_fetch),          cmocka_unit_test(test_lines),
        cmocka_unit_test(test_capability),     cmocka_unit_test(test_list),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
