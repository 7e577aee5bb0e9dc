/*
 * NAME
 *	from.c - the RFC5322.From domain: one field, one mailbox, one domain
 * DESCRIPTION
 *	Two passes. The lexer turns the field value into lexical items:
 *	atoms, quoted strings, domain literals and the specials of RFC 5322
 *	3.2.3, dropping white space, folding and comments (which may sit
 *	anywhere CFWS may). The parser then reads the items as a
 *	mailbox-list (with the obsolete empty elements of RFC 5322 4.4),
 *	refuses groups and lists of more than one mailbox, and reads the one
 *	mailbox as a name-addr or an addr-spec. Working on items rather than
 *	bytes is what makes the obsolete syntax (CFWS around dots, a '.' in
 *	a display name, route addresses) fall out without special cases.
 * STANDARDS
 *	RFC 5322 3.2, 3.4, 3.6.2, 4.4; RFC 6532 3.2; RFC 7489 6.6.1.
 * LIMITS
 *	TK_FROM_COMMENT_DEPTH_MAX, TK_FROM_TOKENS_MAX.
 * SECURITY
 *	Input is read only through a tk_cursor; items are spans into it. The
 *	item array has a fixed bound, not one taken from the input.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/from.h"
#include "core/buf.h"
#include "core/cursor.h"
#include "core/domain.h"

enum from_item_kind {
    ITEM_ATOM,
    ITEM_QSTRING,
    ITEM_LITERAL,
    ITEM_SPECIAL,
};

struct from_item {
    enum from_item_kind kind;
    int ch;              /* ITEM_SPECIAL: the character */
    struct tk_span text; /* ITEM_ATOM: the atom */
};

struct from_lex {
    struct from_item *item;
    size_t n;
    enum tk_from_reason fail; /* TK_FROM_OK while all is well */
    const char *why;          /* static text for the message */
};

struct from_range {
    size_t a, b; /* items [a, b) */
};

static const char *const reason_names[] = {
    [TK_FROM_OK] = "ok",
    [TK_FROM_NONE] = "no-from",
    [TK_FROM_MULTIPLE_FIELDS] = "multiple-from-fields",
    [TK_FROM_OVERFLOW] = "header-overflow",
    [TK_FROM_SYNTAX] = "syntax",
    [TK_FROM_NESTING] = "comment-nesting",
    [TK_FROM_TOO_COMPLEX] = "too-complex",
    [TK_FROM_GROUP] = "group",
    [TK_FROM_MULTIPLE_ADDRESSES] = "multiple-addresses",
    [TK_FROM_EMPTY] = "no-address",
    [TK_FROM_NO_DOMAIN] = "no-domain",
    [TK_FROM_ADDRESS_LITERAL] = "address-literal",
    [TK_FROM_BAD_DOMAIN] = "invalid-domain",
    [TK_FROM_NON_ASCII] = "non-ascii-domain",
};

const char *tk_from_reason_name(enum tk_from_reason r)
{
    if ((unsigned)r >= sizeof(reason_names) / sizeof(reason_names[0]))
        return "syntax";
    return reason_names[r];
}

/* ---- the lexer ---- */

/* RFC 5322 3.2.3 atext, plus UTF8-non-ascii (RFC 6532 3.2). */
static bool from_is_atext(int ch)
{
    if (ch >= 0x80)
        return true;
    if (tk_char_is_alnum(ch))
        return true;
    return ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

static bool from_is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void lex_fail(struct from_lex *lx, enum tk_from_reason r, const char *why)
{
    if (lx->fail == TK_FROM_OK) {
        lx->fail = r;
        lx->why = why;
    }
}

static void lex_push(struct from_lex *lx, enum from_item_kind kind, int ch, struct tk_span text)
{
    if (lx->n >= TK_FROM_TOKENS_MAX) {
        lex_fail(lx, TK_FROM_TOO_COMPLEX, "the From field has more lexical items than the limit");
        return;
    }
    lx->item[lx->n].kind = kind;
    lx->item[lx->n].ch = ch;
    lx->item[lx->n].text = text;
    lx->n++;
}

/* lex_comment skips a comment, the '(' already read; nesting is
 * counted, not recursed. */
static void lex_comment(struct from_lex *lx, struct tk_cursor *c)
{
    unsigned depth = 1;
    int ch;

    while (depth > 0 && (ch = tk_cursor_next(c)) >= 0) {
        if (ch == '\\') {
            if (tk_cursor_next(c) < 0)
                break;
        } else if (ch == '(') {
            if (++depth > TK_FROM_COMMENT_DEPTH_MAX) {
                lex_fail(lx, TK_FROM_NESTING, "comments nested deeper than the limit");
                return;
            }
        } else if (ch == ')') {
            depth--;
        } else if (ch == '\0') {
            lex_fail(lx, TK_FROM_SYNTAX, "a NUL byte in a comment");
            return;
        }
    }
    if (depth > 0)
        lex_fail(lx, TK_FROM_SYNTAX, "a comment that is not closed");
}

/* lex_delimited reads a quoted string or a domain literal up to close,
 * the opening byte already read; quoted-pairs are allowed in both (the
 * obsolete syntax allows them in literals). */
static void lex_delimited(struct from_lex *lx, struct tk_cursor *c, int close,
                          enum from_item_kind kind)
{
    size_t start = c->pos;
    int ch;

    while ((ch = tk_cursor_next(c)) >= 0) {
        if (ch == close) {
            struct tk_span s = {c->p + start, c->pos - 1 - start};

            lex_push(lx, kind, 0, s);
            return;
        }
        if (ch == '\\' && tk_cursor_next(c) < 0)
            break;
        if (ch == '\0' || (kind == ITEM_LITERAL && ch == '[')) {
            lex_fail(lx, TK_FROM_SYNTAX, "a NUL byte, or a '[' inside a domain literal");
            return;
        }
    }
    lex_fail(lx, TK_FROM_SYNTAX,
             kind == ITEM_QSTRING ? "a quoted string that is not closed"
                                  : "a domain literal that is not closed");
}

/* lex_one reads one item (or skips white space or a comment). */
static void lex_one(struct from_lex *lx, struct tk_cursor *c)
{
    int ch = tk_cursor_peek(c);
    struct tk_span s = {NULL, 0};

    if (from_is_space(ch)) {
        tk_cursor_next(c);
    } else if (from_is_atext(ch)) {
        tk_cursor_span_while(c, from_is_atext, &s);
        lex_push(lx, ITEM_ATOM, 0, s);
    } else if (tk_cursor_take(c, '(')) {
        lex_comment(lx, c);
    } else if (tk_cursor_take(c, '"')) {
        lex_delimited(lx, c, '"', ITEM_QSTRING);
    } else if (tk_cursor_take(c, '[')) {
        lex_delimited(lx, c, ']', ITEM_LITERAL);
    } else if (ch >= 0 && strchr("<>:;@,.", ch) != NULL && ch != '\0') {
        tk_cursor_next(c);
        lex_push(lx, ITEM_SPECIAL, ch, s);
    } else {
        lex_fail(lx, TK_FROM_SYNTAX,
                 "a byte that cannot stand there (a control byte, or a "
                 "stray ')', ']' or '\\')");
    }
}

static void from_lex_run(struct from_lex *lx, const char *p, size_t len)
{
    struct tk_cursor c;

    tk_cursor_init(&c, p, len);
    while (!tk_cursor_eof(&c) && lx->fail == TK_FROM_OK)
        lex_one(lx, &c);
}

/* ---- the parser ---- */

static bool item_is(const struct from_lex *lx, size_t i, int ch)
{
    return lx->item[i].kind == ITEM_SPECIAL && lx->item[i].ch == ch;
}

static bool item_is_word(const struct from_lex *lx, size_t i)
{
    return lx->item[i].kind == ITEM_ATOM || lx->item[i].kind == ITEM_QSTRING;
}

/* from_find returns the first index in r of special ch, or r.b. */
static size_t from_find(const struct from_lex *lx, struct from_range r, int ch)
{
    size_t i;

    for (i = r.a; i < r.b; i++)
        if (item_is(lx, i, ch))
            return i;
    return r.b;
}

/* from_words checks r is word *("." word): a local part, or a display
 * name (the obsolete phrase also allows a '.' after the first word, so
 * a phrase may end in a dot or hold two in a row). */
static bool from_words(const struct from_lex *lx, struct from_range r, bool phrase)
{
    size_t i;

    if (r.a >= r.b || !item_is_word(lx, r.a))
        return false;
    for (i = r.a + 1; i < r.b; i++) {
        if (item_is_word(lx, i) && (phrase || item_is(lx, i - 1, '.')))
            continue;
        if (item_is(lx, i, '.') && (phrase || item_is_word(lx, i - 1)))
            continue;
        return false;
    }
    return phrase || item_is_word(lx, r.b - 1);
}

static enum tk_status from_fail(struct tk_from *out, enum tk_from_reason r, struct tk_error *err,
                                const char *why)
{
    enum tk_status st = TK_INVALID;

    out->reason = r;
    out->domain[0] = '\0';
    if (r == TK_FROM_NONE)
        st = TK_ABSENT;
    else if (r == TK_FROM_OVERFLOW || r == TK_FROM_NESTING || r == TK_FROM_TOO_COMPLEX)
        st = TK_LIMIT;
    return tk_error_set(err, st, "From: %s (%s)", why, tk_from_reason_name(r));
}

/* from_domain_join writes the atoms of r, joined by dots, into out;
 * false when r is not atom *("." atom) or is too long. */
static bool from_domain_join(const struct from_lex *lx, struct from_range r, struct tk_buf *out)
{
    size_t i;

    for (i = r.a; i < r.b; i++) {
        bool want_atom = (i - r.a) % 2 == 0;

        if (want_atom && lx->item[i].kind != ITEM_ATOM)
            return false;
        if (!want_atom && !item_is(lx, i, '.'))
            return false;
        if (tk_buf_append(out, want_atom ? lx->item[i].text.p : ".",
                          want_atom ? lx->item[i].text.len : 1) != TK_OK)
            return false;
    }
    return (r.b - r.a) % 2 == 1;
}

static bool span_has_8bit(const char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x80)
            return true;
    return false;
}

/* from_last_label_numeric is true when the name's last label is all
 * digits: "192.0.2.1" written as a domain is an address, not a name
 * (RFC 3696 2: top-level labels are never all-numeric). */
static bool from_last_label_numeric(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *p = dot ? dot + 1 : name;

    if (*p == '\0')
        return false;
    for (; *p; p++)
        if (!tk_char_is_digit((unsigned char)*p))
            return false;
    return true;
}

/* from_hyphen_edge is true when a label starts or ends with '-'
 * (RFC 5321 4.1.2: sub-domain = Let-dig [Ldh-str]). */
static bool from_hyphen_edge(const char *name)
{
    const char *p;

    for (p = name; *p; p++)
        if (*p == '-' && (p == name || p[-1] == '.' || p[1] == '.' || p[1] == '\0'))
            return true;
    return false;
}

static enum tk_status from_domain(const struct from_lex *lx, struct from_range r,
                                  struct tk_from *out, struct tk_error *err)
{
    struct tk_buf name = {0};
    enum tk_status st;

    if (r.a >= r.b)
        return from_fail(out, TK_FROM_NO_DOMAIN, err, "nothing after the '@'");
    if (r.b - r.a == 1 && lx->item[r.a].kind == ITEM_LITERAL)
        return from_fail(out, TK_FROM_ADDRESS_LITERAL, err,
                         "the address is an address literal, not a domain");
    if (!from_domain_join(lx, r, &name)) {
        tk_buf_free(&name);
        return from_fail(out, TK_FROM_SYNTAX, err, "the domain is not a dotted name");
    }
    if (span_has_8bit(name.data, name.len)) {
        tk_buf_free(&name);
        return from_fail(out, TK_FROM_NON_ASCII, err,
                         "the domain holds non-ASCII characters (an IDN not in A-label form)");
    }
    st = tk_domain_normalise(name.data, name.len, out->domain, NULL);
    tk_buf_free(&name);
    if (st != TK_OK || strchr(out->domain, '*') != NULL || from_hyphen_edge(out->domain) ||
        from_last_label_numeric(out->domain))
        return from_fail(out, TK_FROM_BAD_DOMAIN, err, "the domain is not a valid DNS name");
    out->reason = TK_FROM_OK;
    return TK_OK;
}

/* from_addr_spec reads local-part "@" domain. */
static enum tk_status from_addr_spec(const struct from_lex *lx, struct from_range r,
                                     struct tk_from *out, struct tk_error *err)
{
    size_t at = from_find(lx, r, '@');
    struct from_range local = {r.a, at}, dom = {at + 1, r.b};

    if (r.a >= r.b)
        return from_fail(out, TK_FROM_EMPTY, err, "an empty address");
    if (at == r.b) {
        if (from_words(lx, r, false))
            return from_fail(out, TK_FROM_NO_DOMAIN, err, "the address has no '@domain'");
        return from_fail(out, TK_FROM_SYNTAX, err, "not an address (local-part@domain)");
    }
    if (from_find(lx, dom, '@') != dom.b)
        return from_fail(out, TK_FROM_SYNTAX, err, "more than one '@' in the address");
    if (!from_words(lx, local, false))
        return from_fail(out, TK_FROM_SYNTAX, err, "the local part before '@' is not valid");
    return from_domain(lx, dom, out, err);
}

/* from_route_skip moves r.a past an obsolete route ("@a,@b:") at the
 * start of an angle address. */
static bool from_route_skip(const struct from_lex *lx, struct from_range *r)
{
    size_t colon = from_find(lx, *r, ':'), i;

    if (colon == r->b)
        return true;
    for (i = r->a; i < colon && item_is(lx, i, ','); i++)
        ;
    if (i == colon || !item_is(lx, i, '@'))
        return false;
    for (; i < colon; i++)
        if (!item_is(lx, i, '@') && !item_is(lx, i, ',') && !item_is(lx, i, '.') &&
            lx->item[i].kind != ITEM_ATOM && lx->item[i].kind != ITEM_LITERAL)
            return false;
    r->a = colon + 1;
    return from_find(lx, *r, ':') == r->b;
}

/* from_mailbox reads one mailbox: [display-name] angle-addr, or
 * addr-spec. */
static enum tk_status from_mailbox(const struct from_lex *lx, struct from_range r,
                                   struct tk_from *out, struct tk_error *err)
{
    size_t lt = from_find(lx, r, '<'), gt;
    struct from_range name = {r.a, lt}, inner;

    if (lt == r.b)
        return from_addr_spec(lx, r, out, err);
    gt = from_find(lx, (struct from_range){lt, r.b}, '>');
    if (gt + 1 != r.b)
        return from_fail(out, TK_FROM_SYNTAX, err, "text after the '>' of the address");
    if (name.a < name.b && !from_words(lx, name, true))
        return from_fail(out, TK_FROM_SYNTAX, err,
                         "the display name holds a special character outside quotes");
    inner = (struct from_range){lt + 1, gt};
    if (inner.a == inner.b)
        return from_fail(out, TK_FROM_EMPTY, err, "an empty address <>");
    if (!from_route_skip(lx, &inner))
        return from_fail(out, TK_FROM_SYNTAX, err, "a ':' in the address that is not a route");
    return from_addr_spec(lx, inner, out, err);
}

/* from_angles checks '<' and '>' pair up without nesting. */
static bool from_angles(const struct from_lex *lx)
{
    bool open = false;
    size_t i;

    for (i = 0; i < lx->n; i++) {
        if (item_is(lx, i, '<')) {
            if (open)
                return false;
            open = true;
        } else if (item_is(lx, i, '>')) {
            if (!open)
                return false;
            open = false;
        }
    }
    return !open;
}

/* from_outside finds special ch outside angle brackets, from index a. */
static size_t from_outside(const struct from_lex *lx, size_t a, int ch)
{
    bool open = false;
    size_t i;

    for (i = a; i < lx->n; i++) {
        if (item_is(lx, i, '<') || item_is(lx, i, '>'))
            open = item_is(lx, i, '<');
        else if (!open && item_is(lx, i, ch))
            return i;
    }
    return lx->n;
}

/* from_mailbox_list reads the items as a mailbox-list and requires
 * exactly one mailbox in it. */
static enum tk_status from_mailbox_list(const struct from_lex *lx, struct tk_from *out,
                                        struct tk_error *err)
{
    struct from_range one = {0, 0};
    size_t start = 0, nonempty = 0;

    if (!from_angles(lx))
        return from_fail(out, TK_FROM_SYNTAX, err, "'<' and '>' do not pair up");
    if (from_outside(lx, 0, ':') != lx->n)
        return from_fail(out, TK_FROM_GROUP, err, "group syntax (name: addresses;)");
    if (from_outside(lx, 0, ';') != lx->n)
        return from_fail(out, TK_FROM_SYNTAX, err, "a ';' outside a group");
    while (start <= lx->n) {
        size_t comma = from_outside(lx, start, ',');

        if (comma > start && nonempty++ == 0)
            one = (struct from_range){start, comma};
        start = comma + 1;
    }
    if (nonempty == 0)
        return from_fail(out, TK_FROM_EMPTY, err, "no address in the field");
    if (nonempty > 1)
        return from_fail(out, TK_FROM_MULTIPLE_ADDRESSES, err, "more than one address");
    return from_mailbox(lx, one, out, err);
}

enum tk_status tk_from_parse_value(const char *value, size_t len, struct tk_from *out,
                                   struct tk_error *err)
{
    struct from_lex lx;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    out->field = (size_t)-1;
    memset(&lx, 0, sizeof(lx));
    lx.item = malloc(TK_FROM_TOKENS_MAX * sizeof(*lx.item));
    if (lx.item == NULL)
        return tk_error_set(err, TK_NOMEM, "out of memory reading the From field");
    from_lex_run(&lx, value, len);
    if (lx.fail != TK_FROM_OK)
        st = from_fail(out, lx.fail, err, lx.why);
    else
        st = from_mailbox_list(&lx, out, err);
    free(lx.item);
    return st;
}

enum tk_status tk_from_domain(const struct tk_msg *m, struct tk_from *out, struct tk_error *err)
{
    size_t n = tk_msg_count(m, "From"), i;
    struct tk_span v;
    enum tk_status st;

    memset(out, 0, sizeof(*out));
    out->field = (size_t)-1;
    if (tk_msg_overflow(m))
        return from_fail(out, TK_FROM_OVERFLOW, err,
                         "the header section passed a limit, so a From field may have been "
                         "dropped");
    if (n == 0)
        return from_fail(out, TK_FROM_NONE, err, "the message has no From field");
    if (n > 1)
        return from_fail(out, TK_FROM_MULTIPLE_FIELDS, err,
                         "the message has more than one From "
                         "field");
    i = tk_msg_next(m, "From", 0);
    v = tk_msg_field_value(m, i);
    st = tk_from_parse_value(v.p, v.len, out, err);
    out->field = i;
    return st;
}
