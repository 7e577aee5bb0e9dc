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
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/text.h"
#include "show/alert_text.h"

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
        "Where the Secure Email Common Implementation Framework asks for it:\n"
        "  section 8: SPF\n  section 10, the checklist: SPF\n\n",
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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
