/*
 * NAME
 *	test_alert_text.c - unit tests of an alert's words (show/alert_text.c)
 * DESCRIPTION
 *	Mail addresses accepted and refused (table). The subject, body,
 *	syslog line, RFC 5322 message and webhook JSON of a regression say
 *	what a person needs (domain, agency, rule and level, before, after,
 *	fix, framework section, NZISM control). Then hostile store text in
 *	every field (CR LF "Bcc:" header injection, ESC, NUL-free control
 *	bytes, invalid UTF-8, a 253-byte domain, valid UTF-8 that must
 *	survive): the message has exactly the headers tiaki writes, every
 *	line ends CRLF and is at most 998 bytes (header lines at most 78
 *	where they can fold), a subject that is not ASCII is RFC 2047
 *	encoded words that decode back to it, an ASCII subject unfolds back
 *	to itself, the JSON parses back (jansson refuses invalid UTF-8) with
 *	the same values, and the syslog line has no control byte.
 *
 *	Then what of monitor/alert.c needs no mail server: the targets of a
 *	configuration (table), the backoff, every attempt that can never
 *	work (given up: TK_USAGE) and one that may (TK_TEMP); the webhook
 *	sender against a one-request HTTP peer on 127.0.0.1 (the JSON body,
 *	its Content-Type, a 2xx, a 500 and its reply, a 302 not followed);
 *	and tk_alerts_deliver over a SQLite store in a temporary directory:
 *	a regression's alerts are sent once, a failing one is retried at
 *	each backoff and given up after the sixth attempt, one that can
 *	never work is given up at once; a server failing three attempts in
 *	a row is not connected to again in the call. Nothing leaves
 *	loopback.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/text.h"
#include "monitor/alert.h"
#include "monitor/changes.h"
#include "show/alert_text.h"
#include "store/store.h"

#define D "agency.govt.nz"
#define WHEN 1764359340 /* Fri, 28 Nov 2025 19:49:00 UTC */

/* ---- rows ---- */

struct fixture {
    struct tk_event event;
    struct tk_event_row row;
    struct tk_alert_row alert;
    char domain[400];
    char agency[200];
};

static void fixture_regression(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->event.kind = TK_EVENT_REGRESSION;
    strcpy(f->event.rule, "SPF-HARDFAIL");
    f->event.from = TK_VERDICT_PASS;
    f->event.to = TK_VERDICT_FAIL;
    strcpy(f->event.before, "the record at " D " ends in -all");
    strcpy(f->event.after, "the record at " D " ends in ~all (softfail): mail from unlisted "
                           "servers is not rejected");
    strcpy(f->event.remediation, "Publish \"v=spf1 ip4:192.0.2.0/24 -all\" at " D
                                 ": end the record with -all so receivers reject mail from "
                                 "servers it does not list.");
    strcpy(f->domain, D);
    strcpy(f->agency, "Te Tari Taiwhenua \xc4\x81"); /* a macron: valid UTF-8 */
    f->row.id = 12;
    f->row.at = WHEN;
    f->row.scan_id = 3;
    f->row.domain = f->domain;
    f->row.agency = f->agency;
    f->row.event = &f->event;
    f->alert.id = 7;
    f->alert.event_id = 12;
    f->alert.target.channel = TK_ALERT_WEBHOOK;
    strcpy(f->alert.target.destination, "http://127.77.0.81:8080/hook");
    f->alert.attempts = 2;
    f->alert.event = f->row;
}

/* The hostile bytes of test_show.c, and a header injection. */
static const char hostile[] =
    "\r\nBcc: x@y\r\n\r\nbody\x1b[31mred\x7f\xff\xfe\xc3\xa9 \"q\" a\\b\t,"
    "\xe2\x82"; /* a sequence cut short */

static void fixture_hostile(struct fixture *f)
{
    fixture_regression(f);
    snprintf(f->domain, sizeof(f->domain), "evil.govt.nz%s", hostile);
    snprintf(f->agency, sizeof(f->agency), "Agency%s", hostile);
    snprintf(f->event.rule, sizeof(f->event.rule), "R\r\nBcc: z@y");
    snprintf(f->event.before, sizeof(f->event.before), "before%s", hostile);
    snprintf(f->event.after, sizeof(f->event.after), "after%s", hostile);
    snprintf(f->event.remediation, sizeof(f->event.remediation), "fix%s", hostile);
}

/* ---- checks ---- */

/* assert_clean: no control byte but those in allowed, and valid UTF-8
 * (sanitising it, the allowed bytes aside, changes nothing). */
static void assert_clean(const char *s, const char *allowed)
{
    char *copy = strdup(s), *again;
    char *q;

    assert_non_null(copy);
    for (q = copy; *q; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            assert_non_null(strchr(allowed, *q));
            *q = ' ';
        }
    }
    again = strdup(copy);
    assert_non_null(again);
    tk_text_sanitise(again);
    assert_string_equal(again, copy);
    free(again);
    free(copy);
}

static void test_address(void **state)
{
    static const struct {
        const char *addr;
        bool ok;
    } cases[] = {
        {"alerts@monitor.govt.nz", true},
        {"a.b+tag@x.govt.nz", true},
        {"o'brien@dia.govt.nz", true},
        {"A@B.NZ", true},
        {"x@y", false},
        {"@monitor.govt.nz", false},
        {"alerts@", false},
        {"alerts", false},
        {"a@b@c.nz", false},
        {".a@b.nz", false},
        {"a.@b.nz", false},
        {"a..b@b.nz", false},
        {"a b@b.nz", false},
        {"a@b .nz", false},
        {"a@-b.nz", false},
        {"a@b-.nz", false},
        {"a@b..nz", false},
        {"a@.b.nz", false},
        {"a@b.nz.", false},
        {"a@b.nz\r\nBcc: x@y.nz", false},
        {"a@b.nz\n", false},
        {"a\r\n@b.nz", false},
        {"Jane <a@b.nz>", false},
        {"<a@b.nz>", false},
        {"\"a b\"@b.nz", false},
        {"a@[192.0.2.1]", false},
        {"a@b_c.nz", false},
        {"\xc4\x81@b.nz", false},
        {"", false},
    };
    char longlocal[80], longlabel[80], longaddr[300];
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        if (tk_alert_address_ok(cases[i].addr) != cases[i].ok)
            print_message("case '%s'\n", cases[i].addr);
        assert_int_equal(tk_alert_address_ok(cases[i].addr), cases[i].ok);
    }
    assert_false(tk_alert_address_ok(NULL));
    /* 64 bytes of local part, 63 of label: both sides of each limit. */
    snprintf(longlocal, sizeof(longlocal), "%0*d@b.nz", 64, 0);
    assert_true(tk_alert_address_ok(longlocal));
    snprintf(longlocal, sizeof(longlocal), "%0*d@b.nz", 65, 0);
    assert_false(tk_alert_address_ok(longlocal));
    snprintf(longlabel, sizeof(longlabel), "a@%0*d.nz", 63, 0);
    assert_true(tk_alert_address_ok(longlabel));
    snprintf(longlabel, sizeof(longlabel), "a@%0*d.nz", 64, 0);
    assert_false(tk_alert_address_ok(longlabel));
    /* The whole address: TK_ALERT_ADDRESS_MAX bytes, and one more. */
    memset(longaddr, 0, sizeof(longaddr));
    strcpy(longaddr, "a@");
    while (strlen(longaddr) + 4 <= TK_ALERT_ADDRESS_MAX - 6)
        strcat(longaddr, "bcd.");
    while (strlen(longaddr) < TK_ALERT_ADDRESS_MAX - 3)
        strcat(longaddr, "x");
    strcat(longaddr, ".nz");
    assert_int_equal(strlen(longaddr), TK_ALERT_ADDRESS_MAX);
    assert_true(tk_alert_address_ok(longaddr));
    longaddr[2] = 'q';
    memmove(longaddr + 3, longaddr + 2, strlen(longaddr + 2) + 1);
    assert_false(tk_alert_address_ok(longaddr));
}

static void test_subject(void **state)
{
    struct fixture f;
    char s[TK_ALERT_SUBJECT_MAX];

    (void)state;
    fixture_regression(&f);
    tk_alert_subject(&f.row, s);
    assert_string_equal(s, "[tiaki] regression: " D " SPF-HARDFAIL pass -> fail");

    f.event.kind = TK_EVENT_IMPROVEMENT;
    f.event.from = TK_VERDICT_FAIL;
    f.event.to = TK_VERDICT_WARN;
    tk_alert_subject(&f.row, s);
    assert_string_equal(s, "[tiaki] improvement: " D " SPF-HARDFAIL fail -> warn");
    f.event.kind = TK_EVENT_RECORD_CHANGED;
    tk_alert_subject(&f.row, s);
    assert_string_equal(s, "[tiaki] record changed: " D " SPF-HARDFAIL fail -> warn");
    f.event.kind = TK_EVENT_NEW_DOMAIN;
    f.event.rule[0] = '\0';
    tk_alert_subject(&f.row, s);
    assert_string_equal(s, "[tiaki] new domain: " D);
    f.event.kind = TK_EVENT_GONE;
    tk_alert_subject(&f.row, s);
    assert_string_equal(s, "[tiaki] gone: " D);

    /* Hostile: one line, no control byte; the rule and change survive
     * a domain too long for the subject. */
    fixture_hostile(&f);
    tk_alert_subject(&f.row, s);
    assert_clean(s, "");
    assert_null(strchr(s, '\r'));
    assert_null(strchr(s, '\n'));
    memset(f.domain, 'a', 300);
    f.domain[300] = '\0';
    strcpy(f.event.rule, "DMARC-REJECT");
    tk_alert_subject(&f.row, s);
    assert_true(strlen(s) < TK_ALERT_SUBJECT_MAX);
    assert_non_null(strstr(s, "... DMARC-REJECT pass -> fail"));

    /* Nothing to say: still a subject. */
    f.row.event = NULL;
    f.row.domain = NULL;
    tk_alert_subject(&f.row, s);
    assert_clean(s, "");
}

/* lines_check: every line of text (LF) is at most wrap characters
 * unless it is one word after its indent. */
static void lines_check(const char *text, size_t wrap)
{
    const char *p = text;

    while (*p) {
        size_t n = strcspn(p, "\n"), chars = 0, i;

        for (i = 0; i < n; i++)
            chars += ((unsigned char)p[i] & 0xc0) != 0x80;
        if (chars > wrap) {
            const char *word = p;

            while (*word == ' ')
                word++;
            if (memchr(word, ' ', n - (size_t)(word - p)) != NULL)
                print_message("line too long: %.*s\n", (int)n, p);
            assert_null(memchr(word, ' ', n - (size_t)(word - p)));
        }
        assert_true(n <= 998);
        p += n;
        assert_int_equal(*p, '\n'); /* the text ends with a line end */
        p++;
    }
}

static void test_body(void **state)
{
    static const char *const want[] = {
        "The email security of " D " got weaker: SPF-HARDFAIL went from pass\nto fail.\n",
        "Domain:   " D "\n",
        "Agency:   Te Tari Taiwhenua \xc4\x81\n",
        "Rule:     SPF-HARDFAIL (MUST)\n",
        "Change:   pass -> fail (regression)\n",
        "Seen:     2025-11-28 19:49 UTC, scan 3\n",
        "What it was:\n  the record at " D " ends in -all\n",
        "What it is now:\n  the record at " D " ends in ~all (softfail): mail from",
        "The fix:\n  Publish \"v=spf1 ip4:192.0.2.0/24 -all\" at " D ": end the record",
        ("Where the Secure Email Common Implementation Framework asks for it:\n"
         "  section 8: SPF\n  section 10, the checklist: SPF\n\n"),
        "Event 12.",
    };
    struct fixture f;
    struct tk_buf b = {0};
    size_t i;

    (void)state;
    fixture_regression(&f);
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    for (i = 0; i < NELEM(want); i++) {
        if (strstr(tk_buf_cstr(&b), want[i]) == NULL)
            print_message("missing: %s\nin:\n%s\n", want[i], tk_buf_cstr(&b));
        assert_non_null(strstr(tk_buf_cstr(&b), want[i]));
    }
    assert_null(strstr(tk_buf_cstr(&b), "NZISM"));
    assert_clean(tk_buf_cstr(&b), "\n");
    lines_check(tk_buf_cstr(&b), TK_ALERT_WRAP);

    /* DMARC-RUA names its NZISM control; an unknown rule has no section. */
    tk_buf_reset(&b);
    strcpy(f.event.rule, "DMARC-RUA");
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    assert_non_null(strstr(
        tk_buf_cstr(&b), "  section 8: DMARC Reporting Services\n  NZISM control 15.2.36.C.06\n"));
    tk_buf_reset(&b);
    strcpy(f.event.rule, "NO-SUCH-RULE");
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    assert_null(strstr(tk_buf_cstr(&b), "asks for it"));
    assert_non_null(strstr(tk_buf_cstr(&b), "Rule:     NO-SUCH-RULE\n"));

    /* No fix and no agency: said so. */
    tk_buf_reset(&b);
    f.event.remediation[0] = '\0';
    f.agency[0] = '\0';
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    assert_non_null(strstr(tk_buf_cstr(&b), "The fix:\n  Nothing to change.\n"));
    assert_non_null(strstr(tk_buf_cstr(&b), "Agency:   (none recorded)\n"));

    /* New domain: no "what it was", no rule lines. */
    tk_buf_reset(&b);
    f.event.kind = TK_EVENT_NEW_DOMAIN;
    f.event.rule[0] = '\0';
    strcpy(f.event.after, "first snapshot: not compliant; 9 rules pass, 2 fail, 0 warn, 1 unknown");
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    assert_non_null(strstr(tk_buf_cstr(&b), D " was checked for the first time."));
    assert_null(strstr(tk_buf_cstr(&b), "What it was"));
    assert_null(strstr(tk_buf_cstr(&b), "Rule:"));

    /* A word longer than a line stays whole. */
    tk_buf_reset(&b);
    fixture_regression(&f);
    memset(f.event.after, 'k', 300);
    f.event.after[300] = '\0';
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    lines_check(tk_buf_cstr(&b), TK_ALERT_WRAP);
    assert_non_null(strstr(tk_buf_cstr(&b), f.event.after));

    assert_int_equal(tk_alert_body(NULL, &b), TK_USAGE);
    tk_buf_free(&b);
}

static void test_body_hostile(void **state)
{
    struct fixture f;
    struct tk_buf b = {0};

    (void)state;
    fixture_hostile(&f);
    assert_int_equal(tk_alert_body(&f.row, &b), TK_OK);
    assert_clean(tk_buf_cstr(&b), "\n");
    lines_check(tk_buf_cstr(&b), TK_ALERT_WRAP);
    assert_null(strstr(tk_buf_cstr(&b), "\nBcc"));
    /* Valid UTF-8 in evidence is kept; what is not, is marked. */
    assert_non_null(strstr(tk_buf_cstr(&b), "\xc3\xa9"));
    if (strstr(tk_buf_cstr(&b), "after??Bcc: x@y????body?[31mred???") == NULL)
        print_message("%s\n", tk_buf_cstr(&b));
    assert_non_null(strstr(tk_buf_cstr(&b), "after??Bcc: x@y????body?[31mred???"));
    tk_buf_free(&b);
}

/* ---- the message ---- */

struct message {
    char *headers[32]; /* unfolded, malloc'd */
    size_t nheaders;
    const char *body;
};

static void message_free(struct message *m)
{
    size_t i;

    for (i = 0; i < m->nheaders; i++)
        free(m->headers[i]);
}

/* message_parse checks the message's lines (CRLF, no bare CR or LF, at
 * most 998 bytes, header lines at most 78 unless one word) and unfolds
 * its headers. */
static void message_parse(const char *msg, struct message *m)
{
    const char *p = msg;
    bool in_headers = true;

    memset(m, 0, sizeof(*m));
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t n;

        assert_non_null(eol);
        n = (size_t)(eol - p);
        assert_null(memchr(p, '\n', n));
        assert_null(memchr(p, '\r', n));
        assert_true(n <= 998);
        if (in_headers && n == 0) {
            in_headers = false;
            m->body = eol + 2;
        } else if (in_headers && (*p == ' ' || *p == '\t')) {
            char *h;

            assert_true(m->nheaders > 0); /* a continuation of something */
            assert_true(n <= 78 || memchr(p + 1, ' ', n - 1) == NULL);
            assert_true(n > 1); /* not only white space */
            h = m->headers[m->nheaders - 1];
            h = realloc(h, strlen(h) + n + 1);
            assert_non_null(h);
            strncat(h, p, n);
            m->headers[m->nheaders - 1] = h;
        } else if (in_headers) {
            assert_true(m->nheaders < NELEM(m->headers));
            assert_non_null(memchr(p, ':', n));
            m->headers[m->nheaders++] = strndup(p, n);
        }
        p = eol + 2;
    }
    assert_non_null(m->body);
}

static const char *message_header(const struct message *m, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < m->nheaders; i++)
        if (strncasecmp(m->headers[i], name, n) == 0 && m->headers[i][n] == ':')
            return m->headers[i] + n + 1 + (m->headers[i][n + 1] == ' ');
    return NULL;
}

static const char *const header_names[] = {
    "Date",           "From",         "To",           "Subject",
    "Message-ID",     "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    "Auto-Submitted",
};

static void message_check_names(const struct message *m)
{
    size_t i;

    assert_int_equal(m->nheaders, NELEM(header_names));
    for (i = 0; i < NELEM(header_names); i++) {
        size_t n = strlen(header_names[i]);

        assert_int_equal(strncmp(m->headers[i], header_names[i], n), 0);
        assert_int_equal(m->headers[i][n], ':');
    }
}

static const struct tk_alert_mail mail_ok = {
    "tiaki@monitor.govt.nz", "alerts@monitor.govt.nz", WHEN, 7, "12-1764359340",
};

static void test_mail(void **state)
{
    struct fixture f;
    struct tk_buf b = {0}, body = {0};
    struct tk_error err = {0};
    struct message m;
    char subject[TK_ALERT_SUBJECT_MAX];

    (void)state;
    fixture_regression(&f);
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    message_parse(tk_buf_cstr(&b), &m);
    message_check_names(&m);
    assert_string_equal(message_header(&m, "Date"), "Fri, 28 Nov 2025 19:49:00 +0000");
    assert_string_equal(message_header(&m, "From"), "tiaki <tiaki@monitor.govt.nz>");
    assert_string_equal(message_header(&m, "To"), "<alerts@monitor.govt.nz>");
    tk_alert_subject(&f.row, subject);
    assert_string_equal(message_header(&m, "Subject"), subject);
    assert_string_equal(message_header(&m, "Message-ID"),
                        "<tiaki.7.12-1764359340@monitor.govt.nz>");
    assert_string_equal(message_header(&m, "MIME-Version"), "1.0");
    assert_string_equal(message_header(&m, "Content-Type"), "text/plain; charset=utf-8");
    assert_string_equal(message_header(&m, "Content-Transfer-Encoding"), "8bit");
    assert_string_equal(message_header(&m, "Auto-Submitted"), "auto-generated");
    /* The body is tk_alert_body with CRLF. */
    assert_int_equal(tk_alert_body(&f.row, &body), TK_OK);
    {
        struct tk_buf crlf = {0};
        const char *p;

        for (p = tk_buf_cstr(&body); *p; p++)
            assert_int_equal(*p == '\n' ? tk_buf_puts(&crlf, "\r\n") : tk_buf_putc(&crlf, *p),
                             TK_OK);
        assert_string_equal(m.body, tk_buf_cstr(&crlf));
        tk_buf_free(&crlf);
    }
    message_free(&m);

    /* Appends: what was in the buffer stays. */
    tk_buf_reset(&b);
    assert_int_equal(tk_buf_puts(&b, "kept"), TK_OK);
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    assert_int_equal(strncmp(tk_buf_cstr(&b), "keptDate: ", 10), 0);
    tk_buf_free(&b);
    tk_buf_free(&body);
}

static void test_mail_refused(void **state)
{
    static const struct {
        const char *from, *to, *token, *why;
    } cases[] = {
        {"", "alerts@monitor.govt.nz", "t", "sender"},
        {"tiaki", "alerts@monitor.govt.nz", "t", "sender"},
        {"tiaki@monitor.govt.nz\r\nBcc: x@y.nz", "alerts@monitor.govt.nz", "t", "sender"},
        {"tiaki@monitor.govt.nz", "alerts@monitor.govt.nz\r\nBcc: x@y.nz", "t", "recipient"},
        {"tiaki@monitor.govt.nz", "Jane <alerts@monitor.govt.nz>", "t", "recipient"},
        {"tiaki@monitor.govt.nz", "", "t", "recipient"},
        {"tiaki@monitor.govt.nz", "alerts@monitor.govt.nz", "", "token"},
        {"tiaki@monitor.govt.nz", "alerts@monitor.govt.nz", "a>b", "token"},
        {"tiaki@monitor.govt.nz", "alerts@monitor.govt.nz", "a\r\nb", "token"},
    };
    struct fixture f;
    struct tk_buf b = {0};
    size_t i;

    (void)state;
    fixture_regression(&f);
    for (i = 0; i < NELEM(cases); i++) {
        struct tk_alert_mail m = {cases[i].from, cases[i].to, WHEN, 1, cases[i].token};
        struct tk_error err = {0};

        assert_int_equal(tk_alert_mail(&m, &f.row, &b, &err), TK_USAGE);
        assert_non_null(strstr(err.msg, cases[i].why));
        assert_int_equal(b.len, 0);
    }
    {
        struct tk_error err = {0};

        assert_int_equal(tk_alert_mail(NULL, &f.row, &b, &err), TK_USAGE);
        assert_int_equal(tk_alert_mail(&mail_ok, NULL, &b, &err), TK_USAGE);
    }
    tk_buf_free(&b);
}

/* decode_words decodes a subject of RFC 2047 B words (as written). */
static void decode_words(const char *s, char *out, size_t outlen)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    while ((s = strstr(s, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(s + 10, "?=");
        unsigned v = 0, bits = 0;

        assert_non_null(end);
        assert_true(end - s + 2 <= 75); /* RFC 2047 2 */
        for (s += 10; s < end && *s != '='; s++) {
            const char *c = strchr(abc, *s);

            assert_non_null(c);
            v = v << 6 | (unsigned)(c - abc);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                assert_true(o + 1 < outlen);
                out[o++] = (char)(v >> bits & 0xff);
            }
        }
        s = end + 2;
    }
    out[o] = '\0';
}

static void test_mail_subject_encoded(void **state)
{
    struct fixture f;
    struct tk_buf b = {0};
    struct tk_error err = {0};
    struct message m;
    char subject[TK_ALERT_SUBJECT_MAX], decoded[TK_ALERT_SUBJECT_MAX * 2];
    size_t i;

    (void)state;
    fixture_regression(&f);
    /* Not ASCII (a U-label, as a hostile store could hold): encoded,
     * split only between characters (each word decodes on its own). */
    strcpy(f.domain, "t\xc4\x81maki-makaurau-\xc4\x81-\xc4\x81-\xc4\x81-\xc4\x81-\xc4\x81-"
                     "\xc4\x81-\xc4\x81-\xc4\x81-\xc4\x81.govt.nz");
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    message_parse(tk_buf_cstr(&b), &m);
    message_check_names(&m);
    tk_alert_subject(&f.row, subject);
    for (i = 0; message_header(&m, "Subject")[i]; i++)
        assert_true((unsigned char)message_header(&m, "Subject")[i] < 0x80);
    decode_words(message_header(&m, "Subject"), decoded, sizeof(decoded));
    assert_string_equal(decoded, subject);
    {
        /* Each word is whole UTF-8: re-sanitising one changes nothing. */
        const char *s = message_header(&m, "Subject"), *w;

        for (w = strstr(s, "=?"); w; w = strstr(w + 2, "=?")) {
            char one[200], word[100];
            const char *end = strstr(w, "?=");

            snprintf(word, sizeof(word), "%.*s", (int)(end - w + 2), w);
            decode_words(word, one, sizeof(one));
            assert_clean(one, "");
        }
    }
    message_free(&m);
    tk_buf_free(&b);
}

static void test_mail_subject_folded(void **state)
{
    struct fixture f;
    struct tk_buf b = {0};
    struct tk_error err = {0};
    struct message m;
    char subject[TK_ALERT_SUBJECT_MAX];

    (void)state;
    fixture_regression(&f);
    /* Long enough to fold: the unfolded header is the subject. */
    strcpy(f.domain, "a-very-long-sub-domain-name.of-an-agency-with-a-long-name.govt.nz");
    strcpy(f.event.rule, "DMARC-ADKIM-STRICT");
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    assert_non_null(strstr(tk_buf_cstr(&b), "\r\n "));
    message_parse(tk_buf_cstr(&b), &m);
    tk_alert_subject(&f.row, subject);
    assert_string_equal(message_header(&m, "Subject"), subject);
    message_free(&m);

    /* A single word longer than a line: not folded, still < 998. */
    tk_buf_reset(&b);
    memset(f.domain, 'x', 250);
    f.domain[250] = '\0';
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    message_parse(tk_buf_cstr(&b), &m);
    tk_alert_subject(&f.row, subject);
    assert_string_equal(message_header(&m, "Subject"), subject);
    message_free(&m);
    tk_buf_free(&b);
}

static void test_mail_hostile(void **state)
{
    struct fixture f;
    struct tk_buf b = {0};
    struct tk_error err = {0};
    struct message m;
    size_t i;

    (void)state;
    fixture_hostile(&f);
    assert_int_equal(tk_alert_mail(&mail_ok, &f.row, &b, &err), TK_OK);
    message_parse(tk_buf_cstr(&b), &m);
    /* Exactly tiaki's headers: no Bcc, nothing injected. */
    message_check_names(&m);
    for (i = 0; i < m.nheaders; i++)
        assert_clean(m.headers[i], "");
    assert_string_equal(message_header(&m, "To"), "<alerts@monitor.govt.nz>");
    assert_null(strstr(m.body, "\r\nBcc"));
    assert_clean(m.body, "\r\n");
    message_free(&m);
    tk_buf_free(&b);
}

/* ---- JSON and syslog ---- */

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void test_json(void **state)
{
    struct fixture f;
    json_t *o, *back;
    json_error_t jerr;
    char *text;
    struct tk_buf body = {0};

    (void)state;
    fixture_regression(&f);
    o = tk_alert_json(&f.alert);
    assert_non_null(o);
    text = json_dumps(o, JSON_COMPACT);
    assert_non_null(text);
    back = json_loads(text, 0, &jerr);
    assert_non_null(back);
    assert_string_equal(jstr(back, "source"), "tiaki");
    assert_int_equal(json_integer_value(json_object_get(back, "alert_id")), 7);
    assert_int_equal(json_integer_value(json_object_get(back, "event_id")), 12);
    assert_int_equal(json_integer_value(json_object_get(back, "scan_id")), 3);
    assert_int_equal(json_integer_value(json_object_get(back, "attempt")), 3);
    assert_string_equal(jstr(back, "at"), "2025-11-28T19:49:00Z");
    assert_string_equal(jstr(back, "kind"), "regression");
    assert_string_equal(jstr(back, "domain"), D);
    assert_string_equal(jstr(back, "agency"), f.agency);
    assert_string_equal(jstr(back, "rule"), "SPF-HARDFAIL");
    assert_string_equal(jstr(back, "level"), "MUST");
    assert_string_equal(jstr(back, "seed"), "8 SPF; 10 SPF");
    assert_true(json_is_null(json_object_get(back, "nzism")));
    assert_string_equal(jstr(back, "from"), "pass");
    assert_string_equal(jstr(back, "to"), "fail");
    assert_string_equal(jstr(back, "before"), f.event.before);
    assert_string_equal(jstr(back, "after"), f.event.after);
    assert_string_equal(jstr(back, "remediation"), f.event.remediation);
    assert_string_equal(jstr(back, "subject"),
                        "[tiaki] regression: " D " SPF-HARDFAIL pass -> fail");
    assert_int_equal(tk_alert_body(&f.row, &body), TK_OK);
    assert_string_equal(jstr(back, "text"), tk_buf_cstr(&body));
    json_decref(back);
    free(text);
    json_decref(o);

    /* The kinds by their stable names; new-domain has no rule facts. */
    f.alert.event.event = &f.event;
    f.event.kind = TK_EVENT_RECORD_CHANGED;
    strcpy(f.event.rule, "DMARC-RUA");
    o = tk_alert_json(&f.alert);
    assert_string_equal(jstr(o, "kind"), "record-changed");
    assert_string_equal(jstr(o, "nzism"), "15.2.36.C.06");
    json_decref(o);
    f.event.kind = TK_EVENT_NEW_DOMAIN;
    f.event.rule[0] = '\0';
    o = tk_alert_json(&f.alert);
    assert_string_equal(jstr(o, "kind"), "new-domain");
    assert_string_equal(jstr(o, "rule"), "");
    assert_true(json_is_null(json_object_get(o, "level")));
    json_decref(o);
    assert_null(tk_alert_json(NULL));
    tk_buf_free(&body);
}

static void test_json_hostile(void **state)
{
    static const char *const keys[] = {"domain", "agency",      "rule",    "before",
                                       "after",  "remediation", "subject", "text"};
    struct fixture f;
    json_t *o, *back;
    json_error_t jerr;
    char *text;
    size_t i;

    (void)state;
    fixture_hostile(&f);
    o = tk_alert_json(&f.alert);
    assert_non_null(o);
    text = json_dumps(o, JSON_COMPACT);
    assert_non_null(text);
    assert_null(strchr(text, '\n'));
    back = json_loads(text, 0, &jerr); /* refuses invalid UTF-8 */
    assert_non_null(back);
    for (i = 0; i < NELEM(keys); i++)
        assert_clean(jstr(back, keys[i]), strcmp(keys[i], "text") == 0 ? "\n" : "");
    assert_non_null(strstr(jstr(back, "after"), "\xc3\xa9"));
    json_decref(back);
    free(text);
    json_decref(o);
}

static void test_line(void **state)
{
    struct fixture f;
    char line[TK_ALERT_LINE_MAX];

    (void)state;
    fixture_regression(&f);
    tk_alert_line(&f.row, line);
    assert_int_equal(strncmp(line,
                             "regression: " D " (Te Tari Taiwhenua \xc4\x81) SPF-HARDFAIL "
                             "pass -> fail: the record at " D " ends in ~all",
                             strlen("regression: " D " (Te Tari Taiwhenua \xc4\x81) SPF-HARDFAIL "
                                    "pass -> fail: the record at " D " ends in ~all")),
                     0);
    assert_non_null(strstr(line, "; fix: Publish"));
    f.event.kind = TK_EVENT_GONE;
    strcpy(f.event.after, "the name does not exist");
    f.agency[0] = '\0';
    tk_alert_line(&f.row, line);
    assert_string_equal(line, "gone: " D " (no agency): the name does not exist");

    fixture_hostile(&f);
    memset(f.event.after, 'a', sizeof(f.event.after) - 1);
    f.event.after[sizeof(f.event.after) - 1] = '\0';
    tk_alert_line(&f.row, line);
    assert_clean(line, "");
    assert_true(strlen(line) < TK_ALERT_LINE_MAX);
}

/* ---- monitor/alert.c: targets and backoff ---- */

static void test_targets(void **state)
{
    static const struct {
        const char *smtp_url, *contact, *team, *webhook;
        bool to_contact, syslog;
        const char *want; /* "s:dest w:dest y:" joined by spaces */
    } cases[] = {
        {"", "a@b.nz", "", "", true, false, ""},
        {"smtp://m:25", "a@b.nz", "", "", true, false, "s:a@b.nz"},
        {"smtp://m:25", "Jane Doe <a@b.nz>", "", "", true, false, "s:a@b.nz"},
        {"smtp://m:25", "  a@b.nz  ", "", "", true, false, "s:a@b.nz"},
        {"smtp://m:25", "a@b.nz", "", "", false, false, ""},
        {"smtp://m:25", "call 04 555 1234", "", "", true, false, ""},
        {"smtp://m:25", "a@b.nz\r\nBcc: x@y.nz", "", "", true, false, ""},
        {"smtp://m:25", "<a@b.nz", "", "", true, false, ""},
        {"smtp://m:25", "", "", "", true, false, ""},
        {"smtp://m:25", NULL, "t@c.nz", "", true, false, "s:t@c.nz"},
        {"smtp://m:25", "a@b.nz", "t@c.nz", "", true, false, "s:a@b.nz s:t@c.nz"},
        {"smtp://m:25", "A@B.nz", "a@b.NZ", "", true, false, "s:A@B.nz"},
        {"smtp://m:25", "a@b.nz", "a team", "", false, false, "s:a team"},
        {"", "a@b.nz", "t@c.nz", "http://h/x", true, true, "w:http://h/x y:"},
        {"smtp://m:25", "a@b.nz", "t@c.nz", "https://h/x", true, true,
         "s:a@b.nz s:t@c.nz w:https://h/x y:"},
        {"", "", "", "", false, true, "y:"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
        struct tk_alert_config cfg = {0};
        struct tk_alert_target out[TK_ALERT_TARGETS_MAX];
        char got[1024] = "";
        size_t n, k;

        strcpy(cfg.smtp_url, cases[i].smtp_url);
        strcpy(cfg.team_address, cases[i].team);
        strcpy(cfg.webhook_url, cases[i].webhook);
        cfg.to_contact = cases[i].to_contact;
        cfg.syslog = cases[i].syslog;
        n = tk_alert_targets(&cfg, cases[i].contact, out);
        for (k = 0; k < n; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c:%s", k ? " " : "",
                     "swy"[out[k].channel], out[k].destination);
        if (strcmp(got, cases[i].want) != 0)
            print_message("case %zu: got '%s'\n", i, got);
        assert_string_equal(got, cases[i].want);
    }
    assert_int_equal(tk_alert_targets(NULL, "a@b.nz", NULL), 0);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(tk_alert_backoff(0), 0);
    assert_int_equal(tk_alert_backoff(1), 60);
    assert_int_equal(tk_alert_backoff(2), 5 * 60);
    assert_int_equal(tk_alert_backoff(3), 30 * 60);
    assert_int_equal(tk_alert_backoff(4), 2 * 3600);
    assert_int_equal(tk_alert_backoff(5), 6 * 3600);
    assert_int_equal(tk_alert_backoff(6), 0);
    assert_int_equal(tk_alert_backoff(1000), 0);
    assert_int_equal(tk_alert_backoff((unsigned)-1), 0);
}

/* ---- a loopback HTTP peer: answers n requests, keeps the first ---- */

struct peer {
    int fd;
    unsigned short port;
    int status;
    const char *headers; /* extra response header lines, CRLF each */
    const char *body;
    unsigned n, served;
    char request[16384];
    size_t len;
    pthread_t thread;
};

/* peer_read_request reads one request (headers and Content-Length body). */
static size_t peer_read_request(int c, char *buf, size_t cap)
{
    size_t len = 0, want = 0;

    while (len < cap - 1) {
        struct pollfd p = {c, POLLIN, 0};
        ssize_t r;
        char *end;

        if (poll(&p, 1, 5000) != 1 || (r = read(c, buf + len, cap - 1 - len)) <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");

            want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
            if (len >= want)
                break;
        }
    }
    return len;
}

static void *peer_run(void *arg)
{
    struct peer *p = arg;

    for (p->served = 0; p->served < p->n; p->served++) {
        struct pollfd pf = {p->fd, POLLIN, 0};
        char buf[sizeof(p->request)], reply[512];
        size_t len;
        int c;

        if (poll(&pf, 1, 10000) != 1 || (c = accept(p->fd, NULL, NULL)) < 0)
            break;
        len = peer_read_request(c, buf, sizeof(buf));
        if (p->served == 0) {
            memcpy(p->request, buf, len);
            p->request[len] = '\0';
            p->len = len;
        }
        snprintf(reply, sizeof(reply),
                 "HTTP/1.1 %d X\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", p->status,
                 p->headers ? p->headers : "", p->body ? strlen(p->body) : 0,
                 p->body ? p->body : "");
        if (write(c, reply, strlen(reply)) < 0)
            print_message("peer: write failed\n");
        close(c);
    }
    return NULL;
}

static void peer_start(struct peer *p, unsigned n, int status, const char *headers,
                       const char *body)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);

    memset(p, 0, sizeof(*p));
    p->n = n, p->status = status, p->headers = headers, p->body = body;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->fd >= 0);
    assert_int_equal(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(p->fd, 8), 0);
    assert_int_equal(getsockname(p->fd, (struct sockaddr *)&sa, &salen), 0);
    p->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&p->thread, NULL, peer_run, p), 0);
}

static void peer_stop(struct peer *p)
{
    shutdown(p->fd, SHUT_RDWR);
    pthread_join(p->thread, NULL);
    close(p->fd);
}

/* closed_port returns a loopback port nothing listens on (one just let go). */
static unsigned short closed_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---- monitor/alert.c: one attempt ---- */

static void config_mail(struct tk_alert_config *cfg, unsigned short port)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->smtp_url, sizeof(cfg->smtp_url), "smtp://127.0.0.1:%u", port);
    strcpy(cfg->mail_from, "tiaki@monitor.govt.nz");
    cfg->timeout_ms = 3000;
}

static void test_send_refused(void **state)
{
    struct fixture f;
    struct tk_alert_config cfg;
    struct tk_error err = {0};
    unsigned short port = closed_port();

    (void)state;
    fixture_regression(&f);
    f.alert.target.channel = TK_ALERT_SMTP;
    strcpy(f.alert.target.destination, "alerts@monitor.govt.nz");
    config_mail(&cfg, port);

    /* Never deliverable as configured: TK_USAGE, nothing sent. */
    cfg.smtp_url[0] = '\0';
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "smtp_url"));
    config_mail(&cfg, port);
    strcpy(cfg.smtp_url, "smtp://127.0.0.1:25/\r\nRSET");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    config_mail(&cfg, port);
    strcpy(cfg.mail_from, "tiaki");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "mail_from"));
    config_mail(&cfg, port);
    strcpy(cfg.smtp_connect, "mx.example");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "smtp_connect"));
    config_mail(&cfg, port);
    strcpy(cfg.smtp_url, "gopher://127.0.0.1/");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    config_mail(&cfg, port);
    strcpy(f.alert.target.destination, "alerts@monitor.govt.nz>\r\nRCPT TO:<x@y.nz");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    assert_non_null(strstr(err.msg, "recipient"));

    f.alert.target.channel = TK_ALERT_WEBHOOK;
    strcpy(f.alert.target.destination, "ftp://127.0.0.1/x");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    strcpy(f.alert.target.destination, "http://127.0.0.1/x\r\nHost: y");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    strcpy(f.alert.target.destination, "http://[::1/x");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    f.alert.target.channel = (enum tk_alert_channel)9;
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_USAGE);
    assert_int_equal(tk_alert_send(NULL, &f.alert, &err), TK_USAGE);
    assert_int_equal(tk_alert_send(&cfg, NULL, &err), TK_USAGE);

    /* May work later: TK_TEMP with curl's reason. */
    f.alert.target.channel = TK_ALERT_SMTP;
    strcpy(f.alert.target.destination, "alerts@monitor.govt.nz");
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_TEMP);
    assert_int_equal(strncmp(err.msg, "SMTP: ", 6), 0);
    f.alert.target.channel = TK_ALERT_WEBHOOK;
    snprintf(f.alert.target.destination, sizeof(f.alert.target.destination),
             "http://127.0.0.1:%u/hook", port);
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_TEMP);
    assert_int_equal(strncmp(err.msg, "webhook: ", 9), 0);
}

static void test_send_webhook(void **state)
{
    struct fixture f;
    struct tk_alert_config cfg = {.timeout_ms = 3000};
    struct tk_error err = {0};
    struct peer p;
    const char *body;
    json_t *o;
    json_error_t jerr;

    (void)state;
    fixture_hostile(&f);
    f.alert.target.channel = TK_ALERT_WEBHOOK;

    /* 2xx: delivered; the body is the alert's JSON. */
    peer_start(&p, 1, 204, NULL, NULL);
    snprintf(f.alert.target.destination, sizeof(f.alert.target.destination),
             "http://127.0.0.1:%u/hook?x=1", p.port);
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_OK);
    assert_string_equal(err.msg, "");
    peer_stop(&p);
    assert_int_equal(strncmp(p.request, "POST /hook?x=1 HTTP/1.1\r\n", 25), 0);
    assert_non_null(strcasestr(p.request, "\r\nContent-Type: application/json\r\n"));
    assert_null(strcasestr(p.request, "\r\nExpect:"));
    body = strstr(p.request, "\r\n\r\n") + 4;
    o = json_loads(body, 0, &jerr);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "alert_id")), 7);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "regression");
    json_decref(o);

    /* 500: failed, with the reply's start on one line. */
    peer_start(&p, 1, 500, NULL, "boom\r\nagain\n");
    snprintf(f.alert.target.destination, sizeof(f.alert.target.destination),
             "http://127.0.0.1:%u/hook", p.port);
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_TEMP);
    peer_stop(&p);
    assert_string_equal(err.msg, "webhook: HTTP 500 (server said: boom  again)");

    /* 302: not followed (the peer would have seen a second request). */
    peer_start(&p, 2, 302, "Location: /elsewhere\r\n", NULL);
    snprintf(f.alert.target.destination, sizeof(f.alert.target.destination),
             "http://127.0.0.1:%u/hook", p.port);
    assert_int_equal(tk_alert_send(&cfg, &f.alert, &err), TK_TEMP);
    assert_string_equal(err.msg, "webhook: HTTP 302");
    peer_stop(&p);
    assert_int_equal(p.served, 1);
}

/* ---- monitor/alert.c: delivery over a store ---- */

struct listing {
    size_t n;
    struct tk_alert_row rows[8];
};

static void listing_add(void *arg, const struct tk_alert_row *a)
{
    struct listing *l = arg;

    if (l->n < NELEM(l->rows)) {
        l->rows[l->n] = *a;
        l->rows[l->n].event.domain = l->rows[l->n].event.agency = NULL;
        l->rows[l->n].event.event = NULL;
        l->n++;
    }
}

static const struct tk_alert_row *listing_find(const struct listing *l, const char *dest)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->rows[i].target.destination, dest) == 0)
            return &l->rows[i];
    return NULL;
}

/* store_scan keeps one scan of domain d judged j, its events computed. */
static void store_scan(struct tk_store *s, const struct tk_judgement *j,
                       const struct tk_alert_target *targets, size_t ntargets, int64_t now)
{
    struct tk_error err = {0};
    struct tk_scan_info info;
    struct tk_store_domain claimed[2];
    struct tk_rule_state prev[TK_RULE_STATES_MAX], states[TK_RULE_STATES_MAX];
    struct tk_event events[TK_EVENTS_MAX];
    struct tk_snapshot snap = {0};
    size_t n, nstates, nevents;
    bool seen;

    assert_int_equal(tk_store_scan_begin(s, false, 1, &info, &err), TK_OK);
    assert_int_equal(tk_store_queue_claim(s, info.id, "test", 60, claimed, 2, &n, &err), TK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tk_store_rule_states(s, claimed[0].id, prev, &n, &seen, &err), TK_OK);
    tk_changes_compute(prev, n, seen, j, false, info.id, states, &nstates, events, &nevents);
    snap.domain = &claimed[0];
    snap.scanned_at = now;
    snap.profile = TK_PROFILE_EMAIL;
    snap.observation_json = "{}";
    snap.observation_len = 2;
    snap.judgement = j;
    snap.nstates = nstates;
    snap.states = states;
    snap.nevents = nevents;
    snap.events = events;
    assert_int_equal(tk_store_snapshot_put(s, info.id, &snap, targets, ntargets, &err), TK_OK);
    assert_int_equal(tk_store_scan_finish(s, info.id, true, &info, &err), TK_OK);
}

/* store_temp opens a SQLite store in dir (made) holding domain D. */
static struct tk_store *store_temp(char *dir)
{
    char url[64];
    struct tk_store *s;
    struct tk_error err = {0};
    struct tk_store_domain d = {0};
    bool created;

    assert_non_null(mkdtemp(dir));
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    assert_int_equal(tk_store_open(url, &s, &err), TK_OK);
    strcpy(d.domain, D);
    strcpy(d.contact, "alerts@monitor.govt.nz");
    d.profile = TK_PROFILE_EMAIL;
    assert_int_equal(tk_store_domain_put(s, &d, &created, &err), TK_OK);
    return s;
}

static void store_temp_remove(struct tk_store *s, const char *dir)
{
    static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm", "t.db-journal"};
    char path[128];
    size_t i;

    tk_store_close(s);
    for (i = 0; i < NELEM(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_deliver(void **state)
{
    char dir[] = "/tmp/test_alert_text.XXXXXX";
    struct tk_store *s;
    struct tk_error err = {0};
    struct tk_judgement j = {.n = 1};
    struct tk_alert_target targets[3];
    struct tk_alert_config cfg = {.timeout_ms = 3000};
    struct tk_alert_stats stats;
    struct listing l = {0};
    const struct tk_alert_row *ok, *retry, *never;
    struct peer p;
    /* The store makes an alert due when it keeps it (its own clock):
     * deliver a little after that. */
    int64_t now = (int64_t)time(NULL) + 2;
    unsigned attempt;

    (void)state;
    s = store_temp(dir);

    peer_start(&p, 1, 200, NULL, "ok");
    targets[0].channel = targets[1].channel = targets[2].channel = TK_ALERT_WEBHOOK;
    snprintf(targets[0].destination, sizeof(targets[0].destination), "http://127.0.0.1:%u/ok",
             p.port);
    snprintf(targets[1].destination, sizeof(targets[1].destination), "http://127.0.0.1:%u/retry",
             closed_port());
    strcpy(targets[2].destination, "ftp://127.0.0.1/never");

    /* Scan 1 passes (new domain: no alert); scan 2 regresses. */
    j.findings[0].rule = tk_rule_find("SPF-HARDFAIL");
    j.findings[0].status = TK_VERDICT_PASS;
    strcpy(j.findings[0].evidence, "ends in -all");
    store_scan(s, &j, targets, 3, now);
    assert_int_equal(tk_alerts_deliver(s, &cfg, now, &stats, &err), TK_OK);
    assert_int_equal(stats.sent + stats.failed + stats.retrying, 0);
    j.findings[0].status = TK_VERDICT_FAIL;
    strcpy(j.findings[0].evidence, "ends in ~all");
    store_scan(s, &j, targets, 3, now);

    /* Attempt 1: one sent, one to retry in a minute, one given up. */
    assert_int_equal(tk_alerts_deliver(s, &cfg, now, &stats, &err), TK_OK);
    assert_int_equal(stats.sent, 1);
    assert_int_equal(stats.retrying, 1);
    assert_int_equal(stats.failed, 1);
    peer_stop(&p);
    assert_int_equal(p.served, 1);
    assert_non_null(strstr(p.request, "\"rule\":\"SPF-HARDFAIL\""));
    assert_int_equal(tk_store_alerts(s, listing_add, &l, &err), TK_OK);
    assert_int_equal(l.n, 3);
    ok = listing_find(&l, targets[0].destination);
    retry = listing_find(&l, targets[1].destination);
    never = listing_find(&l, targets[2].destination);
    assert_int_equal(ok->state, TK_ALERT_SENT);
    assert_int_equal(retry->state, TK_ALERT_PENDING);
    assert_int_equal(retry->attempts, 1);
    assert_int_equal(retry->next_attempt, now + 60);
    assert_non_null(strstr(retry->last_error, "webhook: "));
    assert_int_equal(never->state, TK_ALERT_FAILED);
    assert_int_equal(never->attempts, 1);

    /* Not due again before its time; then each backoff; given up after 6. */
    assert_int_equal(tk_alerts_deliver(s, &cfg, now + 59, &stats, &err), TK_OK);
    assert_int_equal(stats.sent + stats.failed + stats.retrying, 0);
    for (attempt = 1; attempt <= 5; attempt++) {
        now += tk_alert_backoff(attempt);
        assert_int_equal(tk_alerts_deliver(s, &cfg, now, &stats, &err), TK_OK);
        assert_int_equal(stats.sent, 0);
        assert_int_equal(stats.retrying, attempt < 5 ? 1 : 0);
        assert_int_equal(stats.failed, attempt < 5 ? 0 : 1);
    }
    l.n = 0;
    assert_int_equal(tk_store_alerts(s, listing_add, &l, &err), TK_OK);
    retry = listing_find(&l, targets[1].destination);
    assert_int_equal(retry->state, TK_ALERT_FAILED);
    assert_int_equal(retry->attempts, 6);
    assert_int_equal(tk_alerts_deliver(s, &cfg, now + 86400, &stats, &err), TK_OK);
    assert_int_equal(stats.sent + stats.failed + stats.retrying, 0);

    store_temp_remove(s, dir);
}

/* A channel whose server fails three attempts in a row is not tried
 * again in the call: the fourth alert is recorded as failed without a
 * connection, and retried later like the others. */
static void test_deliver_breaker(void **state)
{
    static const char *const rules[] = {"SPF-PRESENT", "SPF-HARDFAIL", "DMARC-PRESENT",
                                        "DMARC-REJECT"};
    char dir[] = "/tmp/test_alert_text.XXXXXX";
    struct tk_store *s;
    struct tk_error err = {0};
    struct tk_judgement j = {.n = NELEM(rules)};
    struct tk_alert_target target = {.channel = TK_ALERT_WEBHOOK};
    struct tk_alert_config cfg = {.timeout_ms = 3000};
    struct tk_alert_stats stats;
    struct listing l = {0};
    struct peer p;
    int64_t now = (int64_t)time(NULL) + 2;
    size_t i, skipped = 0;

    (void)state;
    s = store_temp(dir);
    peer_start(&p, NELEM(rules), 500, NULL, "down");
    snprintf(target.destination, sizeof(target.destination), "http://127.0.0.1:%u/x", p.port);
    for (i = 0; i < NELEM(rules); i++) {
        j.findings[i].rule = tk_rule_find(rules[i]);
        j.findings[i].status = TK_VERDICT_PASS;
        snprintf(j.findings[i].evidence, sizeof(j.findings[i].evidence), "ok");
    }
    store_scan(s, &j, &target, 1, now);
    for (i = 0; i < NELEM(rules); i++)
        j.findings[i].status = TK_VERDICT_FAIL;
    store_scan(s, &j, &target, 1, now);

    assert_int_equal(tk_alerts_deliver(s, &cfg, now, &stats, &err), TK_OK);
    assert_int_equal(stats.retrying, NELEM(rules));
    assert_int_equal(stats.sent + stats.failed, 0);
    peer_stop(&p);
    assert_int_equal(p.served, 3);
    assert_int_equal(tk_store_alerts(s, listing_add, &l, &err), TK_OK);
    assert_int_equal(l.n, NELEM(rules));
    for (i = 0; i < l.n; i++) {
        assert_int_equal(l.rows[i].state, TK_ALERT_PENDING);
        assert_int_equal(l.rows[i].attempts, 1);
        assert_int_equal(l.rows[i].next_attempt, now + 60);
        assert_non_null(strstr(l.rows[i].last_error, "webhook: HTTP 500 (server said: down)"));
        skipped += strncmp(l.rows[i].last_error, "not attempted: ", 15) == 0;
    }
    assert_int_equal(skipped, 1);
    store_temp_remove(s, dir);
}

static int curl_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int curl_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_subject),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_body_hostile),
        cmocka_unit_test(test_mail),
        cmocka_unit_test(test_mail_refused),
        cmocka_unit_test(test_mail_subject_encoded),
        cmocka_unit_test(test_mail_subject_folded),
        cmocka_unit_test(test_mail_hostile),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_send_refused),
        cmocka_unit_test(test_send_webhook),
        cmocka_unit_test(test_deliver),
        cmocka_unit_test(test_deliver_breaker),
    };

    return cmocka_run_group_tests(tests, curl_setup, curl_teardown);
}
