/*
 * NAME
 *	imap_proto.c - mailbox URLs, mailbox names, UID sets and the IMAP
 *	responses reports/imap.c reads (no I/O)
 * DESCRIPTION
 *	See imap_proto.h. The URL is checked strictly: it comes from a
 *	configuration file, and what is wrong in it is better said once
 *	than found in a libcurl error. Responses are read leniently where
 *	servers differ harmlessly (extra spaces, items in any order,
 *	items nobody asked for) and strictly where a wrong reading would
 *	fetch or move the wrong message (numbers).
 * STANDARDS
 *	RFC 3501 5.1.3, 6.4.4, 7.2.2, 7.2.5, 7.4.2, 9; RFC 5092; RFC 3986;
 *	RFC 2152 (UTF-7, modified by RFC 3501 5.1.3); RFC 7162 3.1.5.
 * LIMITS
 *	imap_proto.h; nested lists in a FETCH item are followed
 *	PROTO_DEPTH_MAX deep.
 * SECURITY
 *	Every response byte is read through tk_cursor; numbers are
 *	bounded before they are kept; text for people is sanitised.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "reports/imap_proto.h"

/* Lists within lists in one FETCH item (BODYSTRUCTURE nests a few
 * levels; nobody here asks for it, but a server may send it). */
#define PROTO_DEPTH_MAX 16

/* ---- small helpers ---- */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* utf8_next decodes the UTF-8 sequence at s (left bytes) into *cp and
 * returns its length, or 0 when it is not valid (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t utf8_next(const unsigned char *s, size_t left, uint32_t *cp)
{
    size_t n, i;
    uint32_t v;

    if (left == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, v = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, v = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, v = s[0] & 0x07;
    else
        return 0;
    if (left < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
        (n == 4 && (v < 0x10000 || v > 0x10ffff)))
        return 0;
    *cp = v;
    return n;
}

/* text_check: s is valid UTF-8 without control bytes. */
static bool text_check(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s), n;
    uint32_t cp;

    while (left > 0) {
        if ((n = utf8_next(p, left, &cp)) == 0 || cp < 0x20 || cp == 0x7f)
            return false;
        p += n;
        left -= n;
    }
    return true;
}

/* pct_decode writes the percent-decoded span in to out (outsize bytes,
 * NUL-terminated). TK_USAGE for a bad escape, a decoded NUL, or a result
 * that does not fit; what names the part for the message. */
static enum tk_status pct_decode(struct tk_span in, char *out, size_t outsize, const char *what,
                                 struct tk_error *err)
{
    struct tk_cursor c;
    size_t o = 0;
    int ch, hi, lo;

    tk_cursor_init(&c, in.p, in.len);
    while ((ch = tk_cursor_next(&c)) >= 0) {
        if (ch == '%') {
            hi = hexval(tk_cursor_next(&c));
            lo = hexval(tk_cursor_next(&c));
            if (hi < 0 || lo < 0)
                return tk_error_set(err, TK_USAGE, "the URL's %s has a bad %%-escape", what);
            ch = hi << 4 | lo;
            if (ch == 0)
                return tk_error_set(err, TK_USAGE, "the URL's %s holds a NUL byte", what);
        }
        if (o + 1 >= outsize)
            return tk_error_set(err, TK_USAGE, "the URL's %s is longer than %zu bytes", what,
                                outsize - 1);
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return TK_OK;
}

static bool take_number(struct tk_cursor *c, uint64_t max, uint64_t *out)
{
    struct tk_span d;
    uint64_t v = 0;
    size_t i;

    if (tk_cursor_span_while(c, tk_char_is_digit, &d) == 0 || d.len > 20)
        return false;
    for (i = 0; i < d.len; i++) {
        unsigned digit = (unsigned)(d.p[i] - '0');

        if (v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* take_nz32: a number 1..2^32-1 (nz-number: UIDs, sequence numbers). */
static bool take_nz32(struct tk_cursor *c, uint32_t *out)
{
    uint64_t v;

    if (!take_number(c, UINT32_MAX, &v) || v == 0)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* ---- the URL ---- */

static bool is_host_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '-' || ch == '.';
}

static enum tk_status url_host(struct tk_span hp, struct tk_imap_url *out, struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span host, rest;
    unsigned char bin[16];
    char v6[64];
    uint64_t port;

    tk_cursor_init(&c, hp.p, hp.len);
    if (tk_cursor_take(&c, '[')) {
        tk_cursor_span_until(&c, ']', &host);
        if (!tk_cursor_take(&c, ']') || host.len == 0 || host.len >= sizeof(v6))
            return tk_error_set(err, TK_USAGE, "the URL's IPv6 address is not closed by ']'");
        memcpy(v6, host.p, host.len);
        v6[host.len] = '\0';
        if (inet_pton(AF_INET6, v6, bin) != 1)
            return tk_error_set(err, TK_USAGE, "the URL's host [%s] is not an IPv6 address", v6);
        snprintf(out->host, sizeof(out->host), "[%s]", v6);
    } else {
        tk_cursor_span_while(&c, is_host_char, &host);
        if (host.len == 0 || host.len > TK_DOMAIN_MAX || host.p[0] == '.' || host.p[0] == '-')
            return tk_error_set(err, TK_USAGE, "the URL names no usable host");
        memcpy(out->host, host.p, host.len);
        out->host[host.len] = '\0';
    }
    out->port = out->tls ? 993 : 143;
    if (tk_cursor_take(&c, ':')) {
        if (!take_number(&c, 65535, &port) || port == 0)
            return tk_error_set(err, TK_USAGE, "the URL's port is not a number from 1 to 65535");
        out->port = (unsigned)port;
    }
    tk_cursor_rest(&c, &rest);
    if (rest.len > 0)
        return tk_error_set(err, TK_USAGE,
                            "the URL's host may hold only letters, digits, '-' and '.' "
                            "(or be an [IPv6] address), then :port");
    return TK_OK;
}

static enum tk_status url_user(struct tk_span ui, struct tk_imap_url *out, struct tk_error *err)
{
    enum tk_status st;

    if (memchr(ui.p, ':', ui.len) != NULL)
        return tk_error_set(err, TK_USAGE,
                            "the URL holds a password: give it in the configuration file or "
                            "the environment, never in the URL");
    if (memchr(ui.p, ';', ui.len) != NULL)
        return tk_error_set(err, TK_USAGE, "login options in the URL (;AUTH=) are not supported");
    if ((st = pct_decode(ui, out->user, sizeof(out->user), "user", err)) != TK_OK)
        return st;
    if (out->user[0] == '\0')
        return tk_error_set(err, TK_USAGE, "the URL has an '@' but no user before it");
    if (!text_check(out->user))
        return tk_error_set(err, TK_USAGE, "the URL's user has a control byte or invalid UTF-8");
    return TK_OK;
}

static enum tk_status url_mailbox(struct tk_span path, struct tk_imap_url *out,
                                  struct tk_error *err)
{
    enum tk_status st;
    size_t n;

    if (memchr(path.p, ';', path.len) != NULL)
        return tk_error_set(err, TK_USAGE,
                            "the URL names a message or a parameter (';'): give the mailbox "
                            "only (imaps://host/INBOX)");
    if ((st = pct_decode(path, out->mailbox, sizeof(out->mailbox), "mailbox", err)) != TK_OK)
        return st;
    n = strlen(out->mailbox);
    if (n > 0 && out->mailbox[n - 1] == '/')
        out->mailbox[--n] = '\0';
    if (n == 0)
        tk_strlcpy(out->mailbox, "INBOX", sizeof(out->mailbox));
    if (!text_check(out->mailbox))
        return tk_error_set(err, TK_USAGE, "the URL's mailbox has a control byte or invalid UTF-8");
    return TK_OK;
}

static bool is_authority_char(int ch)
{
    return ch != '/' && ch != '?' && ch != '#';
}

enum tk_status tk_imap_url_parse(const char *url, struct tk_imap_url *out, struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span auth, path = {"", 0}, ui, hp;
    const char *at;
    size_t len, i;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    if (url == NULL || (len = strnlen(url, TK_IMAP_URL_MAX + 1)) == 0)
        return tk_error_set(err, TK_USAGE, "no IMAP URL");
    if (len > TK_IMAP_URL_MAX)
        return tk_error_set(err, TK_USAGE, "the IMAP URL is longer than %d bytes", TK_IMAP_URL_MAX);
    for (i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return tk_error_set(err, TK_USAGE,
                                "the IMAP URL has a space, a control byte or a non-ASCII byte "
                                "(percent-encode it)");
    tk_cursor_init(&c, url, len);
    if (tk_cursor_take_ci(&c, "imaps://"))
        out->tls = true;
    else if (!tk_cursor_take_ci(&c, "imap://"))
        return tk_error_set(err, TK_USAGE, "not an imap:// or imaps:// URL");
    tk_cursor_span_while(&c, is_authority_char, &auth);
    if (tk_cursor_take(&c, '/'))
        tk_cursor_rest(&c, &path);
    if (!tk_cursor_eof(&c) || memchr(path.p, '?', path.len) || memchr(path.p, '#', path.len))
        return tk_error_set(err, TK_USAGE,
                            "the URL has a query or fragment ('?', '#'): give the mailbox only "
                            "(imaps://host/INBOX)");
    hp = auth;
    /* The last '@' ends the user: a user name may hold '@' percent-encoded
     * or not (user@example.govt.nz@host). */
    at = NULL;
    for (i = 0; i < auth.len; i++)
        if (auth.p[i] == '@')
            at = auth.p + i;
    if (at != NULL) {
        ui.p = auth.p;
        ui.len = (size_t)(at - auth.p);
        hp.p = at + 1;
        hp.len = auth.len - ui.len - 1;
        if ((st = url_user(ui, out, err)) != TK_OK)
            return st;
    }
    if ((st = url_host(hp, out, err)) != TK_OK)
        return st;
    return url_mailbox(path, out, err);
}

/* ---- mailbox names ---- */

/* A bounded writer: the first failure sticks, later puts are no-ops. */
struct writer {
    char *p;
    size_t size, len;
    bool over;
};

static void put(struct writer *w, char ch)
{
    if (w->over || w->len + 1 >= w->size) {
        w->over = true;
        return;
    }
    w->p[w->len++] = ch;
    w->p[w->len] = '\0';
}

static void puts_w(struct writer *w, const char *s)
{
    while (*s)
        put(w, *s++);
}

static const char mb64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* b64 state of one shifted run: bits waiting to be written. */
struct b64 {
    uint32_t bits;
    unsigned nbits;
};

static void b64_unit(struct writer *w, struct b64 *b, unsigned unit)
{
    b->bits = (b->bits << 16) | unit;
    b->nbits += 16;
    while (b->nbits >= 6) {
        b->nbits -= 6;
        put(w, mb64[(b->bits >> b->nbits) & 0x3f]);
    }
    b->bits &= (1u << b->nbits) - 1;
}

static void b64_end(struct writer *w, struct b64 *b)
{
    if (b->nbits > 0)
        put(w, mb64[(b->bits << (6 - b->nbits)) & 0x3f]);
    put(w, '-');
}

enum tk_status tk_imap_mailbox_encode(const char *name, char *out, size_t outsize,
                                      struct tk_error *err)
{
    struct writer w = {out, outsize, 0, outsize == 0};
    const unsigned char *p = (const unsigned char *)name;
    size_t left = strlen(name), n;
    struct b64 b = {0, 0};
    bool shifted = false;
    uint32_t cp;

    if (outsize > 0)
        out[0] = '\0';
    if (left == 0)
        return tk_error_set(err, TK_USAGE, "an empty mailbox name");
    while (left > 0) {
        if ((n = utf8_next(p, left, &cp)) == 0)
            return tk_error_set(err, TK_USAGE, "a mailbox name that is not valid UTF-8");
        if (cp < 0x20 || cp == 0x7f)
            return tk_error_set(err, TK_USAGE, "a mailbox name with a control byte");
        if (cp < 0x80) {
            if (shifted)
                b64_end(&w, &b), shifted = false;
            if (cp == '&')
                puts_w(&w, "&-");
            else
                put(&w, (char)cp);
        } else {
            if (!shifted)
                put(&w, '&'), shifted = true, b.bits = 0, b.nbits = 0;
            if (cp >= 0x10000) {
                b64_unit(&w, &b, 0xd800 | ((cp - 0x10000) >> 10));
                b64_unit(&w, &b, 0xdc00 | ((cp - 0x10000) & 0x3ff));
            } else {
                b64_unit(&w, &b, cp);
            }
        }
        p += n;
        left -= n;
    }
    if (shifted)
        b64_end(&w, &b);
    if (w.over)
        return tk_error_set(err, TK_USAGE, "the mailbox name \"%.64s\" is too long", name);
    return TK_OK;
}

bool tk_imap_quote(const char *s, char *out, size_t outsize)
{
    struct writer w = {out, outsize, 0, outsize == 0};

    put(&w, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch < 0x20 || ch >= 0x7f)
            return false;
        if (ch == '"' || ch == '\\')
            put(&w, '\\');
        put(&w, (char)ch);
    }
    put(&w, '"');
    return !w.over;
}

enum tk_status tk_imap_curl_url(const struct tk_imap_url *u, const char *suffix, char *out,
                                size_t outsize, struct tk_error *err)
{
    char enc[TK_IMAP_MAILBOX_ENC_MAX + 1], port[8], hex[4];
    struct writer w = {out, outsize, 0, outsize == 0};
    enum tk_status st;
    const char *p;

    if ((st = tk_imap_mailbox_encode(u->mailbox, enc, sizeof(enc), err)) != TK_OK)
        return st;
    if (outsize > 0)
        out[0] = '\0';
    snprintf(port, sizeof(port), ":%u/", u->port);
    puts_w(&w, u->tls ? "imaps://" : "imap://");
    puts_w(&w, u->host);
    puts_w(&w, port);
    for (p = enc; *p; p++) {
        if (tk_char_is_alnum((unsigned char)*p)) {
            put(&w, *p);
        } else {
            snprintf(hex, sizeof(hex), "%%%02X", (unsigned char)*p);
            puts_w(&w, hex);
        }
    }
    puts_w(&w, suffix);
    if (w.over)
        return tk_error_set(err, TK_USAGE, "the IMAP URL is too long");
    return TK_OK;
}

void tk_imap_url_show(const struct tk_imap_url *u, char *out, size_t outsize)
{
    char port[8] = "";

    if (u->port != (u->tls ? 993u : 143u))
        snprintf(port, sizeof(port), ":%u", u->port);
    snprintf(out, outsize, "%s://%s%s%s%s/%s", u->tls ? "imaps" : "imap", u->user,
             u->user[0] ? "@" : "", u->host, port, u->mailbox);
    tk_text_sanitise(out);
}

/* ---- UID lists ---- */

void tk_imap_uids_free(struct tk_imap_uids *u)
{
    free(u->v);
    u->v = NULL;
    u->n = u->cap = 0;
}

static enum tk_status uids_add(struct tk_imap_uids *u, uint32_t uid, struct tk_error *err)
{
    uint32_t *v;
    size_t cap;

    if (u->n >= u->max) {
        u->cut = true;
        return TK_OK;
    }
    if (u->n == u->cap) {
        cap = u->cap ? u->cap * 2 : 64;
        if (cap > u->max)
            cap = u->max;
        if ((v = realloc(u->v, cap * sizeof(*v))) == NULL)
            return tk_error_set(err, TK_NOMEM, "out of memory");
        u->v = v;
        u->cap = cap;
    }
    u->v[u->n++] = uid;
    return TK_OK;
}

static int uid_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

void tk_imap_uids_sort(struct tk_imap_uids *u)
{
    size_t i, o = 0;

    if (u->n == 0)
        return;
    qsort(u->v, u->n, sizeof(*u->v), uid_cmp);
    for (i = 0; i < u->n; i++)
        if (o == 0 || u->v[o - 1] != u->v[i])
            u->v[o++] = u->v[i];
    u->n = o;
}

long tk_imap_uids_find(const struct tk_imap_uids *u, uint32_t uid)
{
    size_t lo = 0, hi = u->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (u->v[mid] == uid)
            return (long)mid;
        if (u->v[mid] < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

size_t tk_imap_uid_set(const uint32_t *uids, size_t n, char *out, size_t outsize)
{
    size_t i = 0, j, len = 0;
    char part[32];
    int k;

    if (outsize > 0)
        out[0] = '\0';
    while (i < n) {
        for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1;)
            j++;
        if (j > i)
            k = snprintf(part, sizeof(part), "%s%u:%u", len ? "," : "", (unsigned)uids[i],
                         (unsigned)uids[j]);
        else
            k = snprintf(part, sizeof(part), "%s%u", len ? "," : "", (unsigned)uids[i]);
        if (k < 0 || len + (size_t)k + 1 > outsize)
            break;
        memcpy(out + len, part, (size_t)k + 1);
        len += (size_t)k;
        i = j + 1;
    }
    return i;
}

/* ---- responses ---- */

bool tk_imap_next_line(struct tk_cursor *c, struct tk_span *line)
{
    if (tk_cursor_eof(c))
        return false;
    tk_cursor_span_until(c, '\n', line);
    tk_cursor_take(c, '\n');
    if (line->len > 0 && line->p[line->len - 1] == '\r')
        line->len--;
    return true;
}

/* untagged: the line starts "* KEYWORD" (any case) followed by a space
 * or its end; c is left after the keyword. */
static bool untagged(struct tk_cursor *c, struct tk_span line, const char *keyword)
{
    tk_cursor_init(c, line.p, line.len);
    if (!tk_cursor_take(c, '*') || !tk_cursor_take(c, ' ') || !tk_cursor_take_ci(c, keyword))
        return false;
    return tk_cursor_eof(c) || tk_cursor_peek(c) == ' ';
}

/* search_modseq: "(MODSEQ n)" and nothing after it. */
static bool search_modseq(struct tk_cursor *c)
{
    uint64_t v;

    if (!tk_cursor_take(c, '(') || !tk_cursor_take_ci(c, "MODSEQ") || !tk_cursor_take(c, ' ') ||
        !take_number(c, UINT64_MAX, &v) || !tk_cursor_take(c, ')'))
        return false;
    tk_cursor_skip_wsp(c);
    return tk_cursor_eof(c);
}

static enum tk_status search_line(struct tk_span line, struct tk_imap_uids *u, struct tk_error *err)
{
    struct tk_cursor c;
    enum tk_status st;
    uint32_t uid;

    if (!untagged(&c, line, "SEARCH"))
        return TK_OK;
    for (;;) {
        tk_cursor_skip_wsp(&c);
        if (tk_cursor_eof(&c))
            return TK_OK;
        if (tk_cursor_peek(&c) == '(') {
            if (!search_modseq(&c))
                break;
            return TK_OK;
        }
        if (!take_nz32(&c, &uid) || (!tk_cursor_eof(&c) && tk_cursor_peek(&c) != ' '))
            break;
        if ((st = uids_add(u, uid, err)) != TK_OK)
            return st;
    }
    return tk_error_set(err, TK_INVALID, "the server's SEARCH response is not a list of numbers");
}

enum tk_status tk_imap_search_parse(const char *p, size_t len, struct tk_imap_uids *u,
                                    struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span line;
    enum tk_status st;

    tk_cursor_init(&c, p, len);
    while (tk_imap_next_line(&c, &line))
        if ((st = search_line(line, u, err)) != TK_OK)
            return st;
    return TK_OK;
}

/* An atom of a FETCH item, a flag, or a value: anything but space,
 * parentheses, quotes and brackets. */
static bool is_atom_char(int ch)
{
    return ch > 0x20 && ch < 0x7f && ch != '(' && ch != ')' && ch != '"' && ch != '[' &&
           ch != ']' && ch != '{';
}

/* skip_value skips one value: an atom, number or NIL, a quoted string,
 * or a parenthesised list of values (depth levels deep at most). */
static bool skip_value(struct tk_cursor *c, int depth)
{
    struct tk_span s;
    int ch;

    if (tk_cursor_take(c, '"')) {
        while ((ch = tk_cursor_next(c)) >= 0) {
            if (ch == '"')
                return true;
            if (ch == '\\' && tk_cursor_next(c) < 0)
                return false;
        }
        return false;
    }
    if (tk_cursor_take(c, '(')) {
        if (depth >= PROTO_DEPTH_MAX)
            return false;
        for (;;) {
            tk_cursor_skip_wsp(c);
            if (tk_cursor_take(c, ')'))
                return true;
            if (!skip_value(c, depth + 1))
                return false;
        }
    }
    /* A literal ({n}) cannot be followed here: libcurl does not pass a
     * custom command's literals on. */
    if (tk_cursor_span_while(c, is_atom_char, &s) == 0)
        return false;
    /* An atom may carry a section: BODY[HEADER.FIELDS (A B)]<0>. */
    if (tk_cursor_take(c, '[')) {
        tk_cursor_span_until(c, ']', &s);
        if (!tk_cursor_take(c, ']'))
            return false;
        tk_cursor_span_while(c, is_atom_char, &s);
    }
    return true;
}

/* fetch_flags reads "(\Seen \Answered ...)". */
static bool fetch_flags(struct tk_cursor *c, struct tk_imap_fetch_item *out)
{
    struct tk_span f;

    if (!tk_cursor_take(c, '('))
        return false;
    for (;;) {
        tk_cursor_skip_wsp(c);
        if (tk_cursor_take(c, ')'))
            break;
        if (tk_cursor_span_while(c, is_atom_char, &f) == 0)
            return false;
        if (tk_span_eq_ci(f, "\\Seen"))
            out->seen = true;
    }
    out->has_flags = true;
    return true;
}

/* fetch_item reads one "NAME value" of a FETCH response. */
static bool fetch_item(struct tk_cursor *c, struct tk_imap_fetch_item *out)
{
    struct tk_cursor save = *c;
    struct tk_span name;
    uint64_t v;

    if (tk_cursor_span_while(c, is_atom_char, &name) == 0)
        return false;
    if (tk_cursor_peek(c) == '[') {
        *c = save;
        if (!skip_value(c, 0))
            return false;
        name.len = 0;
    }
    if (!tk_cursor_take(c, ' '))
        return false;
    if (tk_span_eq_ci(name, "UID")) {
        uint32_t uid;

        if (!take_nz32(c, &uid))
            return false;
        out->uid = uid;
        out->has_uid = true;
        return true;
    }
    if (tk_span_eq_ci(name, "RFC822.SIZE")) {
        if (!take_number(c, INT64_MAX, &v))
            return false;
        out->size = v;
        out->has_size = true;
        return true;
    }
    if (tk_span_eq_ci(name, "FLAGS"))
        return fetch_flags(c, out);
    return skip_value(c, 0);
}

enum tk_status tk_imap_fetch_parse(struct tk_span line, struct tk_imap_fetch_item *out)
{
    struct tk_cursor c;

    memset(out, 0, sizeof(*out));
    tk_cursor_init(&c, line.p, line.len);
    if (!tk_cursor_take(&c, '*') || !tk_cursor_take(&c, ' ') || !take_nz32(&c, &out->seq) ||
        !tk_cursor_take(&c, ' ') || !tk_cursor_take_ci(&c, "FETCH") || !tk_cursor_take(&c, ' '))
        return TK_ABSENT;
    if (!tk_cursor_take(&c, '('))
        return TK_INVALID;
    for (;;) {
        tk_cursor_skip_wsp(&c);
        if (tk_cursor_take(&c, ')'))
            break;
        if (!fetch_item(&c, out))
            return TK_INVALID;
    }
    tk_cursor_skip_wsp(&c);
    return tk_cursor_eof(&c) ? TK_OK : TK_INVALID;
}

bool tk_imap_capability_has(const char *p, size_t len, const char *cap)
{
    struct tk_cursor c, lc;
    struct tk_span line, word;

    tk_cursor_init(&c, p, len);
    while (tk_imap_next_line(&c, &line)) {
        if (!untagged(&lc, line, "CAPABILITY"))
            continue;
        for (;;) {
            tk_cursor_skip_wsp(&lc);
            if (tk_cursor_span_until(&lc, ' ', &word) == 0)
                break;
            if (tk_span_eq_ci(word, cap))
                return true;
        }
    }
    return false;
}

bool tk_imap_list_selectable(const char *p, size_t len)
{
    struct tk_cursor c, lc;
    struct tk_span line, f;
    bool ok;

    tk_cursor_init(&c, p, len);
    while (tk_imap_next_line(&c, &line)) {
        if (!untagged(&lc, line, "LIST") || !tk_cursor_take(&lc, ' ') || !tk_cursor_take(&lc, '('))
            continue;
        ok = true;
        for (;;) {
            tk_cursor_skip_wsp(&lc);
            if (tk_cursor_take(&lc, ')'))
                break;
            if (tk_cursor_span_while(&lc, is_atom_char, &f) == 0) {
                ok = false;
                break;
            }
            if (tk_span_eq_ci(f, "\\Noselect") || tk_span_eq_ci(f, "\\NonExistent"))
                ok = false;
        }
        if (ok)
            return true;
    }
    return false;
}
