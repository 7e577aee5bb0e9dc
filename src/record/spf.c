/*
 * NAME
 *	spf.c - SPF record parser and macro expander (no I/O)
 * SUMMARY
 *	tk_spf_is_record(), tk_spf_record_parse(), tk_spf_record_free(),
 *	tk_spf_macro_expand()
 * DESCRIPTION
 *	The parser splits a record into words at spaces and reads each word
 *	with a bounded cursor: first a check that it holds only visible
 *	ASCII, then modifier (name "=" value) or directive ([qualifier]
 *	mechanism), then the arguments of that kind: domain-spec, CIDR
 *	lengths, addresses. The first error stops the parse; the message
 *	names the word as a person counts them ("v=spf1" is term 1) and, for
 *	the mistakes people make, the exact text to write instead. Valid but
 *	unwise content (ptr, +all, unreached terms, unknown modifiers)
 *	becomes notes.
 *
 *	One macro scanner (spf_item_next) serves the syntax check and the
 *	expander, so what parses is exactly what expands.
 * STANDARDS
 *	RFC 7208 4.5 (record selection), 4.6 (record syntax), 4.6.4 (terms
 *	that cost a DNS query), 5 (mechanisms), 6 (modifiers), 7 (macros).
 *	RFC 4291 2.2 (IPv6 address text), RFC 5952 (the "c" macro),
 *	RFC 3986 2.3 (unreserved characters, for upper-case macros).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes of record; TK_SPF_TERMS_MAX terms;
 *	TK_SPF_MACRO_EXPANSION_MAX bytes of expansion. Numbers in CIDR
 *	lengths and transformers saturate at SPF_NUMBER_CAP: no overflow.
 * SECURITY
 *	Records come from DNS: any byte may appear, NUL included. Input is
 *	read only through tk_cursor and the bounded span helpers below; the
 *	term array grows with the words actually read, up to a fixed bound,
 *	never from a number written in the record.
 * DIAGNOSTICS
 *	"term N 'text': what is wrong; write 'fix'". Term text is quoted at
 *	most SPF_SHOW_MAX bytes long, bytes outside printable ASCII as \xNN.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "core/limits.h"
#include "record/spf.h"

/* Bytes of a term quoted in a message: enough to recognise it, short
 * enough that the reason still fits in TK_ERROR_MSG_MAX. */
#define SPF_SHOW_MAX 60
#define SPF_SHOW_BUF (SPF_SHOW_MAX + 8)
/* A reason is composed here before the "term N 'text': " prefix. */
#define SPF_WHY_MAX 220
/* Numbers (CIDR lengths, transformer digits) saturate here. Any real
 * value is below 129; the cap only keeps arithmetic from overflowing. */
#define SPF_NUMBER_CAP 9999
/* Scratch for the text of i, c and t: 32 nibbles and dots, an RFC 5952
 * address or a 64-bit number. */
#define SPF_VALUE_SCRATCH 80
#define SPF_NPOS ((size_t)-1)

/* Flags for the macro-string scanner. */
#define SPF_MS_CRT 1u   /* c, r and t allowed: explanation text, unknown modifiers */
#define SPF_MS_SPACE 2u /* SP is a literal: explanation text (RFC 7208 6.2) */

/* ------------------------------------------------------------ spans */

static int span_at(struct tk_span s, size_t i)
{
    return i < s.len ? (unsigned char)s.p[i] : -1;
}

/* span_head names the first n bytes of s (all of s when shorter). */
static struct tk_span span_head(struct tk_span s, size_t n)
{
    struct tk_cursor c;
    struct tk_span out;

    tk_cursor_init(&c, s.p, n < s.len ? n : s.len);
    tk_cursor_rest(&c, &out);
    return out;
}

/* span_from names s without its first off bytes. */
static struct tk_span span_from(struct tk_span s, size_t off)
{
    struct tk_cursor c;
    struct tk_span out;

    tk_cursor_init(&c, s.p, s.len);
    while (c.pos < off && tk_cursor_next(&c) >= 0)
        ;
    tk_cursor_rest(&c, &out);
    return out;
}

/* span_between names what a cursor consumed from state start to now. */
static struct tk_span span_between(const struct tk_cursor *start, const struct tk_cursor *now)
{
    struct tk_cursor c = *start;
    struct tk_span out;

    c.len = now->pos;
    tk_cursor_rest(&c, &out);
    return out;
}

static size_t span_index(struct tk_span s, int ch)
{
    size_t i;

    for (i = 0; i < s.len; i++)
        if (span_at(s, i) == ch)
            return i;
    return SPF_NPOS;
}

static size_t span_rindex(struct tk_span s, int ch)
{
    size_t i = s.len;

    while (i-- > 0)
        if (span_at(s, i) == ch)
            return i;
    return SPF_NPOS;
}

static bool span_has(struct tk_span s, int ch)
{
    return span_index(s, ch) != SPF_NPOS;
}

/* span_number reads decimal digits, saturating at SPF_NUMBER_CAP. */
static int span_number(struct tk_span digits)
{
    int v = 0;
    size_t i;

    for (i = 0; i < digits.len; i++) {
        v = v * 10 + (span_at(digits, i) - '0');
        if (v > SPF_NUMBER_CAP)
            return SPF_NUMBER_CAP;
    }
    return v;
}

/* spf_show renders s for a message: printable ASCII as is, other bytes
 * as \xNN, cut with "..." after about SPF_SHOW_MAX bytes. */
static const char *spf_show(struct tk_span s, char buf[SPF_SHOW_BUF])
{
    size_t i, n = 0;

    for (i = 0; i < s.len; i++) {
        int ch = span_at(s, i);

        if (n + 4 > SPF_SHOW_MAX) {
            memcpy(buf + n, "...", 4);
            return buf;
        }
        if (ch >= 0x20 && ch <= 0x7e)
            buf[n++] = (char)ch;
        else
            n += (size_t)snprintf(buf + n, SPF_SHOW_BUF - n, "\\x%02x", (unsigned)ch);
    }
    buf[n] = '\0';
    return buf;
}

/* spf_why formats a reason into why and returns false, so a check can
 * end with "return spf_why(...)". */
static bool spf_why(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool spf_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return false;
}

/* ------------------------------------------------ character classes */

static bool spf_is_qualifier(int ch)
{
    return ch == '+' || ch == '-' || ch == '~' || ch == '?';
}

static bool spf_is_space(int ch)
{
    return ch == ' ';
}

static bool spf_is_word_char(int ch)
{
    return ch != ' ';
}

static bool spf_is_hex(int ch)
{
    return tk_char_is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* macro-literal = %x21-24 / %x26-7E (RFC 7208 7.1) */
static bool spf_is_literal(int ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '%';
}

/* explanation-string = *( macro-string / SP ) (RFC 7208 6.2) */
static bool spf_is_exp_literal(int ch)
{
    return ch == ' ' || spf_is_literal(ch);
}

static bool spf_is_literal_not_brace(int ch)
{
    return spf_is_literal(ch) && ch != '}';
}

static bool spf_is_delimiter(int ch)
{
    return ch == '.' || ch == '-' || ch == '+' || ch == ',' || ch == '/' || ch == '_' || ch == '=';
}

static bool spf_is_macro_letter(int ch)
{
    ch = tk_ascii_lower(ch);
    return ch == 's' || ch == 'l' || ch == 'o' || ch == 'd' || ch == 'i' || ch == 'p' ||
           ch == 'h' || ch == 'c' || ch == 'r' || ch == 't' || ch == 'v';
}

/* Mechanism names end at ':' or '/' (RFC 7208 4.6.1). */
static bool spf_is_mech_name_char(int ch)
{
    return ch != ':' && ch != '/';
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static bool spf_is_name_char(int ch)
{
    return tk_char_is_alnum(ch) || ch == '-' || ch == '_' || ch == '.';
}

static const char *spf_byte_name(int ch)
{
    if (ch == '\t')
        return "a tab";
    if (ch == '\r' || ch == '\n')
        return "a line break";
    if (ch == 0)
        return "a NUL byte";
    if (ch < 0x20 || ch == 0x7f)
        return "a control character";
    return "a non-ASCII byte";
}

/* -------------------------------------------------- macro scanner */

enum spf_item_kind {
    SPF_ITEM_LITERAL, /* a run of literal characters */
    SPF_ITEM_MACRO,   /* %{...} */
    SPF_ITEM_ESCAPE,  /* %%, %_ or %- */
};

/* One item of a macro-string (RFC 7208 7.1). */
struct spf_item {
    enum spf_item_kind kind;
    struct tk_span text;   /* as written */
    int letter;            /* macros: the letter, lower case */
    bool url_escape;       /* macros: the letter was upper case */
    int keep;              /* macros: rightmost parts to keep, 0 = all */
    bool reverse;          /* macros: the "r" transformer */
    struct tk_span delims; /* macros: delimiters; empty means "." */
    const char *value;     /* escapes: what it stands for */
};

/* spf_item_escape reads the byte after '%' when it makes %%, %_ or %-. */
static bool spf_item_escape(struct tk_cursor *c, struct spf_item *it)
{
    it->kind = SPF_ITEM_ESCAPE;
    if (tk_cursor_take(c, '%'))
        it->value = "%";
    else if (tk_cursor_take(c, '_'))
        it->value = " ";
    else if (tk_cursor_take(c, '-'))
        it->value = "%20";
    else
        return false;
    return true;
}

/* spf_macro_body reads letter, transformers, delimiters and '}' after
 * "%{". On error *why says what is wrong and the offending byte is left
 * unread. */
static bool spf_macro_body(struct tk_cursor *c, unsigned flags, struct spf_item *it,
                           const char **why)
{
    int ch = tk_cursor_peek(c);
    struct tk_span digits;

    it->kind = SPF_ITEM_MACRO;
    if (ch < 0 || !spf_is_macro_letter(ch)) {
        *why = "unknown macro letter; the letters are s, l, o, d, i, p, h and v "
               "(and c, r, t in explanation text)";
        return false;
    }
    tk_cursor_next(c);
    it->letter = tk_ascii_lower(ch);
    it->url_escape = ch != it->letter;
    if (!(flags & SPF_MS_CRT) && (it->letter == 'c' || it->letter == 'r' || it->letter == 't')) {
        *why = "the letters c, r and t may be used only in explanation text (RFC 7208 7.1)";
        return false;
    }
    if (tk_cursor_span_while(c, tk_char_is_digit, &digits) > 0) {
        it->keep = span_number(digits);
        if (it->keep == 0) {
            *why = "the number of parts to keep must not be 0";
            return false;
        }
    }
    it->reverse = tk_cursor_take(c, 'r') || tk_cursor_take(c, 'R');
    tk_cursor_span_while(c, spf_is_delimiter, &it->delims);
    if (tk_cursor_take(c, '}'))
        return true;
    *why = tk_cursor_eof(c) ? "no closing '}'"
                            : "unexpected character; a macro is '%{', a letter, digits, 'r', "
                              "delimiters from '.-+,/_=' and '}'";
    return false;
}

/* spf_item_next reads one item of a macro-string. On a syntax error it
 * returns false, *why says what is wrong and it->text names the bytes. */
static bool spf_item_next(struct tk_cursor *c, unsigned flags, struct spf_item *it,
                          const char **why)
{
    struct tk_cursor start = *c;
    bool ok;

    memset(it, 0, sizeof(*it));
    if (tk_cursor_peek(c) != '%') {
        it->kind = SPF_ITEM_LITERAL;
        if (tk_cursor_span_while(c, flags & SPF_MS_SPACE ? spf_is_exp_literal : spf_is_literal,
                                 &it->text) > 0)
            return true;
        tk_cursor_next(c);
        it->text = span_between(&start, c);
        *why = span_at(it->text, 0) == ' ' ? "a space is allowed only in explanation text"
                                           : "only visible ASCII is allowed";
        return false;
    }
    tk_cursor_next(c);
    if (spf_item_escape(c, it)) {
        it->text = span_between(&start, c);
        return true;
    }
    if (tk_cursor_take(c, '{')) {
        ok = spf_macro_body(c, flags, it, why);
        if (!ok) { /* show the whole macro in the message: read on to its '}' */
            tk_cursor_span_while(c, spf_is_literal_not_brace, NULL);
            tk_cursor_take(c, '}');
        }
    } else {
        tk_cursor_next(c);
        *why = "'%' must be followed by '{', '%', '_' or '-'; write '%%' for a percent sign";
        ok = false;
    }
    it->text = span_between(&start, c);
    return ok;
}

/* spf_macro_string_ok checks a whole macro-string. last gets its final
 * item (kind LITERAL with empty text when s is empty). */
static bool spf_macro_string_ok(struct tk_span s, unsigned flags, struct spf_item *last,
                                bool *has_macros, char *why, size_t cap)
{
    struct tk_cursor c;
    const char *bad;
    char shown[SPF_SHOW_BUF];

    memset(last, 0, sizeof(*last));
    *has_macros = false;
    tk_cursor_init(&c, s.p, s.len);
    while (!tk_cursor_eof(&c)) {
        if (!spf_item_next(&c, flags, last, &bad))
            return spf_why(why, cap, "bad macro '%s': %s", spf_show(last->text, shown), bad);
        if (last->kind != SPF_ITEM_LITERAL)
            *has_macros = true;
    }
    return true;
}

/* --------------------------------------------------- IP addresses */

/* spf_ip4_parse reads ip4-network (RFC 7208 4.6.1): four numbers 0-255
 * without leading zeros. */
static bool spf_ip4_parse(struct tk_span s, uint8_t out[4], const char **why)
{
    struct tk_cursor c;
    struct tk_span d;
    int i, v;

    tk_cursor_init(&c, s.p, s.len);
    for (i = 0; i < 4; i++) {
        if ((i > 0 && !tk_cursor_take(&c, '.')) ||
            tk_cursor_span_while(&c, tk_char_is_digit, &d) == 0) {
            *why = "an address is four numbers separated by dots, and a shortened address is "
                   "not allowed";
            return false;
        }
        v = span_number(d);
        if (d.len > 1 && span_at(d, 0) == '0') {
            *why = "a number has a leading zero";
            return false;
        }
        if (v > 255) {
            *why = "a number is over 255";
            return false;
        }
        out[i] = (uint8_t)v;
    }
    *why = "there is more after the fourth number";
    return tk_cursor_eof(&c);
}

/* spf_ip6_piece reads one 16-bit piece, or the dotted IPv4 tail that
 * stands for two (RFC 4291 2.2 form 3). */
static bool spf_ip6_piece(struct tk_cursor *c, uint16_t w[8], int *n)
{
    struct tk_cursor look = *c;
    struct tk_span part, hex;
    uint8_t v4[4];
    const char *why;
    size_t i;

    tk_cursor_span_until(&look, ':', &part);
    if (tk_cursor_eof(&look) && span_has(part, '.')) {
        if (*n > 6 || !spf_ip4_parse(part, v4, &why))
            return false;
        w[(*n)++] = (uint16_t)(v4[0] << 8 | v4[1]);
        w[(*n)++] = (uint16_t)(v4[2] << 8 | v4[3]);
        *c = look;
        return true;
    }
    if (tk_cursor_span_while(c, spf_is_hex, &hex) == 0 || hex.len > 4)
        return false;
    w[*n] = 0;
    for (i = 0; i < hex.len; i++) {
        int ch = tk_ascii_lower(span_at(hex, i));

        w[*n] = (uint16_t)(w[*n] << 4 | (ch <= '9' ? ch - '0' : ch - 'a' + 10));
    }
    (*n)++;
    return true;
}

/* spf_ip6_finish expands "::" (at piece gap, or none when gap < 0). */
static bool spf_ip6_finish(const uint16_t w[8], int n, int gap, uint8_t out[16])
{
    uint16_t full[8] = {0};
    int i;

    if (gap < 0 ? n != 8 : n > 7)
        return false;
    for (i = 0; i < n; i++)
        full[gap < 0 || i < gap ? i : 8 - (n - i)] = w[i];
    for (i = 0; i < 8; i++) {
        out[2 * i] = (uint8_t)(full[i] >> 8);
        out[2 * i + 1] = (uint8_t)(full[i] & 0xff);
    }
    return true;
}

/* spf_ip6_parse reads an IPv6 address in RFC 4291 2.2 text form. */
static bool spf_ip6_parse(struct tk_span s, uint8_t out[16])
{
    uint16_t w[8] = {0};
    int n = 0, gap = -1;
    struct tk_cursor c;

    tk_cursor_init(&c, s.p, s.len);
    if (tk_cursor_take(&c, ':')) {
        if (!tk_cursor_take(&c, ':'))
            return false;
        gap = 0;
    }
    while (!tk_cursor_eof(&c)) {
        if (n >= 8 || !spf_ip6_piece(&c, w, &n))
            return false;
        if (tk_cursor_eof(&c))
            break;
        if (!tk_cursor_take(&c, ':'))
            return false;
        if (tk_cursor_take(&c, ':')) {
            if (gap >= 0)
                return false;
            gap = n;
        } else if (tk_cursor_eof(&c)) {
            return false;
        }
    }
    return spf_ip6_finish(w, n, gap, out);
}

/* -------------------------------------------------------- the parser */

struct spf_parser {
    struct tk_spf_record *rec;
    struct tk_error *err;
    size_t cap;          /* terms allocated */
    unsigned word;       /* number of the current term; "v=spf1" is 1 */
    struct tk_span tok;  /* the current term */
    struct tk_span next; /* the term after it; len 0 at the end */
};

static enum tk_status spf_fail(const struct spf_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* spf_fail reports a syntax error in the current term. */
static enum tk_status spf_fail(const struct spf_parser *p, const char *fmt, ...)
{
    char why[SPF_WHY_MAX], shown[SPF_SHOW_BUF];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return tk_error_set(p->err, TK_INVALID, "term %u '%s': %s", p->word, spf_show(p->tok, shown),
                        why);
}

static void spf_note(struct spf_parser *p, size_t index, const char *what)
{
    char shown[SPF_SHOW_BUF];

    tk_notes_add(&p->rec->notes, "term %zu '%s': %s", index + 2,
                 spf_show(p->rec->terms[index].text, shown), what);
}

static const struct {
    const char *name;
    enum tk_spf_term_kind kind;
} spf_mechanisms[] = {
    {"all", TK_SPF_ALL}, {"include", TK_SPF_INCLUDE}, {"a", TK_SPF_A},
    {"mx", TK_SPF_MX},   {"ptr", TK_SPF_PTR},         {"ip4", TK_SPF_IP4},
    {"ip6", TK_SPF_IP6}, {"exists", TK_SPF_EXISTS},
};

static bool spf_mechanism_lookup(struct tk_span name, enum tk_spf_term_kind *kind)
{
    size_t i;

    for (i = 0; i < sizeof(spf_mechanisms) / sizeof(spf_mechanisms[0]); i++)
        if (tk_span_eq_ci(name, spf_mechanisms[i].name)) {
            *kind = spf_mechanisms[i].kind;
            return true;
        }
    return false;
}

/* spf_first_special returns the first ':', '/' or '=' in s, or -1. */
static int spf_first_special(struct tk_span s)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        int ch = span_at(s, i);

        if (ch == ':' || ch == '/' || ch == '=')
            return ch;
    }
    return -1;
}

/* spf_looks_like_term is true when s reads as a term of its own: used to
 * tell "include: foo" (a stray space) from "exp= -all" (a missing value). */
static bool spf_looks_like_term(struct tk_span s)
{
    struct tk_cursor c;
    struct tk_span name;
    enum tk_spf_term_kind kind;

    if (spf_is_qualifier(span_at(s, 0)) || spf_first_special(s) == '=')
        return true;
    tk_cursor_init(&c, s.p, s.len);
    tk_cursor_span_while(&c, spf_is_mech_name_char, &name);
    return spf_mechanism_lookup(name, &kind);
}

/* spf_missing_arg reports a term with nothing after its ':' or '='. When
 * the next word is no term of its own, a space was typed after the
 * separator: say so and show the joined text. */
static enum tk_status spf_missing_arg(const struct spf_parser *p, const char *what,
                                      const char *example)
{
    char a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    int sep = span_at(p->tok, p->tok.len - 1);

    if (p->next.len > 0 && !spf_looks_like_term(p->next))
        return tk_error_set(p->err, TK_INVALID, "term %u '%s %s': a space after '%c'; write '%s%s'",
                            p->word, spf_show(p->tok, a), spf_show(p->next, b), sep, a, b);
    return spf_fail(p, "no %s after '%c'; write e.g. '%s'", what, sep, example);
}

/* spf_toplabel_ok explains why top is no toplabel (RFC 7208 7.1):
 * letters, digits and '-'; not all digits; no '-' at either end. */
static bool spf_toplabel_ok(struct tk_span top, struct tk_span spec, char *why, size_t cap)
{
    char a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    bool alpha = false;
    uint8_t ip[4];
    const char *bad;
    size_t i;

    for (i = 0; i < top.len; i++) {
        int ch = span_at(top, i);

        if (!tk_char_is_alnum(ch) && ch != '-')
            return spf_why(
                why, cap, "the last label '%s' of '%s' may hold only letters, digits and '-'%s",
                spf_show(top, a), spf_show(spec, b),
                ch == ':'   ? " (a ':port' is not allowed)"
                : ch == '/' ? " (only a and mx take '/N' lengths, written at the very end)"
                            : "");
        alpha |= tk_char_is_alpha(ch);
    }
    if (top.len == 0)
        return spf_why(why, cap, "'%s' ends in an empty label", spf_show(spec, b));
    if (span_at(top, 0) == '-' || span_at(top, top.len - 1) == '-')
        return spf_why(why, cap, "the last label '%s' may not begin or end with '-'",
                       spf_show(top, a));
    if (alpha || span_has(top, '-'))
        return true;
    if (spf_ip4_parse(spec, ip, &bad))
        return spf_why(why, cap, "'%s' is an IPv4 address, not a domain; write 'ip4:%s'",
                       spf_show(spec, a), a);
    return spf_why(why, cap,
                   "the last label of '%s' is all digits; a domain ends in a name such as "
                   "'.nz' or '.com'",
                   spf_show(spec, a));
}

/* spf_domain_end_ok checks domain-end = "." toplabel ["."] on the
 * trailing literal run of spec. */
static bool spf_domain_end_ok(struct tk_span spec, struct tk_span run, char *why, size_t cap)
{
    char shown[SPF_SHOW_BUF];
    size_t dot;

    if (span_at(run, run.len - 1) == '.')
        run = span_head(run, run.len - 1);
    dot = span_rindex(run, '.');
    if (dot == SPF_NPOS)
        return spf_why(why, cap,
                       "'%s' does not end in a dot and a top-level label (such as '.nz'); "
                       "write the full domain name",
                       spf_show(spec, shown));
    return spf_toplabel_ok(span_from(run, dot + 1), spec, why, cap);
}

/* spf_domain_spec checks spec as the domain-spec of t (RFC 7208 7.1):
 * a macro-string ending in a macro or in "." toplabel ["."]. */
static enum tk_status spf_domain_spec(struct spf_parser *p, struct tk_spf_term *t,
                                      struct tk_span spec)
{
    char why[SPF_WHY_MAX];
    struct spf_item last;

    if (!spf_macro_string_ok(spec, 0, &last, &t->has_macros, why, sizeof(why)))
        return spf_fail(p, "%s", why);
    if (last.kind == SPF_ITEM_LITERAL && !spf_domain_end_ok(spec, last.text, why, sizeof(why)))
        return spf_fail(p, "%s", why);
    t->domain_spec = spec;
    return TK_OK;
}

/* spf_take_cidr consumes "/" 1*DIGIT (or "//" 1*DIGIT) and names the
 * digits; restores c when the text is not that. */
static bool spf_take_cidr(struct tk_cursor *c, bool ip6, struct tk_span *digits)
{
    struct tk_cursor save = *c;

    if (tk_cursor_take(c, '/') && (!ip6 || tk_cursor_take(c, '/')) &&
        tk_cursor_span_while(c, tk_char_is_digit, digits) > 0)
        return true;
    *c = save;
    return false;
}

/* spf_is_cidr_suffix: the rest of c is a non-empty dual-cidr-length. */
static bool spf_is_cidr_suffix(struct tk_cursor c)
{
    struct tk_span d;
    bool v4 = spf_take_cidr(&c, false, &d);
    bool v6 = spf_take_cidr(&c, true, &d);

    return (v4 || v6) && tk_cursor_eof(&c);
}

/* spf_cidr_suffix_at returns where the dual-cidr-length at the end of
 * arg starts (arg.len when none). A domain-spec may itself hold '/'
 * ("a:foo:bar/baz.example.com"), so only a suffix that runs to the end
 * counts. */
static size_t spf_cidr_suffix_at(struct tk_span arg)
{
    struct tk_cursor c;

    tk_cursor_init(&c, arg.p, arg.len);
    while (!tk_cursor_eof(&c)) {
        if (tk_cursor_peek(&c) == '/' && spf_is_cidr_suffix(c))
            return c.pos;
        tk_cursor_next(&c);
    }
    return arg.len;
}

static enum tk_status spf_cidr_value(const struct spf_parser *p, struct tk_span digits, int max,
                                     int *out)
{
    char shown[SPF_SHOW_BUF];
    int v = span_number(digits);

    if (digits.len > 1 && span_at(digits, 0) == '0')
        return spf_fail(p, "the prefix length '%s' has a leading zero; write '%d'",
                        spf_show(digits, shown), v);
    if (v > max)
        return spf_fail(p, "the prefix length %s is more than %d, the length of an %s address",
                        spf_show(digits, shown), max, max == 32 ? "IPv4" : "IPv6");
    *out = v;
    return TK_OK;
}

/* spf_dual_cidr reads dual-cidr-length = [ "/" N ] [ "//" N ] (a, mx). */
static enum tk_status spf_dual_cidr(const struct spf_parser *p, struct tk_spf_term *t,
                                    struct tk_span s)
{
    char shown[SPF_SHOW_BUF];
    struct tk_span d4 = {NULL, 0}, d6 = {NULL, 0};
    struct tk_cursor c;
    bool v4, v6;

    if (s.len == 0)
        return TK_OK;
    tk_cursor_init(&c, s.p, s.len);
    v4 = spf_take_cidr(&c, false, &d4);
    v6 = spf_take_cidr(&c, true, &d6);
    if (!tk_cursor_eof(&c) || (!v4 && !v6))
        return spf_fail(p,
                        "'%s' is not a prefix length: write '/N' for IPv4 (0-32), then '//N' "
                        "for IPv6 (0-128), e.g. '/24//64'",
                        spf_show(s, shown));
    if (v4 && spf_cidr_value(p, d4, 32, &t->cidr4) != TK_OK)
        return TK_INVALID;
    if (v6 && spf_cidr_value(p, d6, 128, &t->cidr6) != TK_OK)
        return TK_INVALID;
    return TK_OK;
}

/* spf_single_cidr reads [ "/" N ] after ip4: or ip6:. */
static enum tk_status spf_single_cidr(const struct spf_parser *p, struct tk_span s, int max,
                                      int *out)
{
    char shown[SPF_SHOW_BUF];
    struct tk_span d;
    struct tk_cursor c;

    if (s.len == 0)
        return TK_OK;
    tk_cursor_init(&c, s.p, s.len);
    if (spf_take_cidr(&c, false, &d) && tk_cursor_eof(&c))
        return spf_cidr_value(p, d, max, out);
    if (spf_take_cidr(&c, true, &d) && tk_cursor_eof(&c))
        return spf_fail(p, "'//' is only for a and mx; here write '/%s'", spf_show(d, shown));
    return spf_fail(p, "'%s' is not a prefix length; write '/N' with N from 0 to %d",
                    spf_show(s, shown), max);
}

/* spf_ip4_check explains a bad ip4: address, naming the usual causes:
 * an IPv6 address, a ":port", a short or out-of-range address. */
static bool spf_ip4_check(struct tk_span addr, struct tk_span arg, uint8_t ip[16], char *why,
                          size_t cap)
{
    char a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    const char *reason;
    uint8_t v6[16];
    size_t colon = span_index(addr, ':');

    if (spf_ip4_parse(addr, ip, &reason))
        return true;
    if (colon != SPF_NPOS && spf_ip6_parse(addr, v6))
        return spf_why(why, cap, "'%s' is an IPv6 address; write 'ip6:%s'", spf_show(addr, a),
                       spf_show(arg, b));
    if (colon != SPF_NPOS && spf_ip4_parse(span_head(addr, colon), ip, &reason))
        return spf_why(why, cap, "a port is not allowed; write 'ip4:%s'",
                       spf_show(span_head(addr, colon), a));
    return spf_why(why, cap,
                   "'%s' is not an IPv4 address (%s); write four numbers 0-255, "
                   "e.g. 'ip4:192.0.2.0/24'",
                   spf_show(addr, a), reason);
}

static enum tk_status spf_ip(struct spf_parser *p, struct tk_spf_term *t, struct tk_span rest)
{
    char why[SPF_WHY_MAX], a[SPF_SHOW_BUF];
    bool v6 = t->kind == TK_SPF_IP6;
    struct tk_span arg, addr, cidr;
    struct tk_cursor c;

    if (span_at(rest, 0) != ':')
        return spf_fail(p, "'%s' needs ':' and an address, e.g. '%s'", v6 ? "ip6" : "ip4",
                        v6 ? "ip6:2001:db8::/32" : "ip4:192.0.2.0/24");
    arg = span_from(rest, 1);
    tk_cursor_init(&c, arg.p, arg.len);
    tk_cursor_span_until(&c, '/', &addr);
    tk_cursor_rest(&c, &cidr);
    if (addr.len == 0 && cidr.len == 0)
        return spf_missing_arg(p, "address", v6 ? "ip6:2001:db8::/32" : "ip4:192.0.2.0/24");
    if (v6 && !spf_ip6_parse(addr, t->ip))
        return spf_fail(p, "'%s' is not an IPv6 address; write e.g. 'ip6:2001:db8::/32'",
                        spf_show(addr, a));
    if (!v6 && !spf_ip4_check(addr, arg, t->ip, why, sizeof(why)))
        return spf_fail(p, "%s", why);
    return spf_single_cidr(p, cidr, v6 ? 128 : 32, v6 ? &t->cidr6 : &t->cidr4);
}

/* include and exists: ":" domain-spec, no CIDR. */
static enum tk_status spf_include_exists(struct spf_parser *p, struct tk_spf_term *t,
                                         struct tk_span name, struct tk_span rest)
{
    char shown[SPF_SHOW_BUF];

    if (span_at(rest, 0) != ':')
        return spf_fail(p, "'%s' needs ':' and a domain, e.g. '%s:_spf.example.com'",
                        spf_show(name, shown), shown);
    if (rest.len == 1)
        return spf_missing_arg(p, "domain", "include:_spf.example.com");
    return spf_domain_spec(p, t, span_from(rest, 1));
}

/* a and mx: [ ":" domain-spec ] [ dual-cidr-length ]; ptr: [ ":" domain-spec ]. */
static enum tk_status spf_a_mx_ptr(struct spf_parser *p, struct tk_spf_term *t, struct tk_span name,
                                   struct tk_span rest)
{
    char shown[SPF_SHOW_BUF];
    struct tk_span arg, cidr = rest;
    size_t at;

    if (t->kind == TK_SPF_PTR && span_at(rest, 0) == '/')
        return spf_fail(p, "ptr takes no prefix length; remove '%s'", spf_show(rest, shown));
    if (span_at(rest, 0) == ':') {
        arg = span_from(rest, 1);
        at = t->kind == TK_SPF_PTR ? arg.len : spf_cidr_suffix_at(arg);
        if (rest.len == 1)
            return spf_missing_arg(p, "domain", "mx:example.com");
        if (at == 0)
            return spf_fail(p,
                            "no domain between ':' and '/'; remove the ':' or name a domain, "
                            "e.g. '%s:example.com/24'",
                            spf_show(name, shown));
        if (spf_domain_spec(p, t, span_head(arg, at)) != TK_OK)
            return TK_INVALID;
        cidr = span_from(arg, at);
    }
    return spf_dual_cidr(p, t, cidr);
}

/* spf_unknown_mechanism explains a name that is no mechanism, with the
 * fix for the usual slips (redirect:, exp:, ipv4:). */
static enum tk_status spf_unknown_mechanism(const struct spf_parser *p, struct tk_span name,
                                            struct tk_span rest)
{
    char a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    struct tk_span value = span_from(rest, 1);

    if (name.len == 0)
        return spf_fail(p, "no mechanism name; a term is e.g. '-all', 'ip4:192.0.2.1' or "
                           "'include:_spf.example.com'");
    if (span_has(name, '='))
        return spf_fail(p, "a modifier takes no qualifier; write '%s'",
                        spf_show(span_from(p->tok, 1), a));
    if ((tk_span_eq_ci(name, "redirect") || tk_span_eq_ci(name, "exp")) && span_at(rest, 0) == ':')
        return spf_fail(p, "'%s' is a modifier, written with '='; write '%s=%s'", spf_show(name, a),
                        a, spf_show(value, b));
    if ((tk_span_eq_ci(name, "ipv4") || tk_span_eq_ci(name, "ipv6")) && span_at(rest, 0) == ':')
        return spf_fail(p, "the mechanism is spelt '%s'; write '%s:%s'",
                        span_at(name, 3) == '4' ? "ip4" : "ip6",
                        span_at(name, 3) == '4' ? "ip4" : "ip6", spf_show(value, b));
    return spf_fail(p,
                    "unknown mechanism '%s'; the mechanisms are all, include, a, mx, ptr, "
                    "ip4, ip6 and exists, and modifiers are written name=value",
                    spf_show(name, a));
}

/* spf_directive reads [ qualifier ] mechanism. */
static enum tk_status spf_directive(struct spf_parser *p, struct tk_spf_term *t)
{
    char shown[SPF_SHOW_BUF];
    struct tk_cursor c, start;
    struct tk_span name, rest;

    tk_cursor_init(&c, p->tok.p, p->tok.len);
    if (spf_is_qualifier(tk_cursor_peek(&c)))
        t->qualifier = (enum tk_spf_qualifier)tk_cursor_next(&c);
    start = c;
    tk_cursor_span_while(&c, spf_is_mech_name_char, &name);
    tk_cursor_rest(&c, &rest);
    if (!spf_mechanism_lookup(name, &t->kind))
        return spf_unknown_mechanism(p, name, rest);
    switch (t->kind) {
    case TK_SPF_ALL:
        if (rest.len == 0)
            return TK_OK;
        return spf_fail(p, "'all' takes nothing after it; write '%s'",
                        spf_show(span_head(p->tok, start.pos + name.len), shown));
    case TK_SPF_INCLUDE:
    case TK_SPF_EXISTS:
        return spf_include_exists(p, t, name, rest);
    case TK_SPF_A:
    case TK_SPF_MX:
    case TK_SPF_PTR:
        return spf_a_mx_ptr(p, t, name, rest);
    case TK_SPF_IP4:
    case TK_SPF_IP6:
        return spf_ip(p, t, rest);
    default:
        return TK_INVALID; /* not reached: the table holds mechanisms only */
    }
}

/* spf_modifier_name_ok checks name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ). */
static enum tk_status spf_modifier_name_ok(const struct spf_parser *p, struct tk_span name)
{
    char shown[SPF_SHOW_BUF];
    size_t i;

    if (name.len == 0)
        return spf_fail(p, "no name before '='; a modifier is name=value, "
                           "e.g. 'redirect=_spf.example.com'");
    if (spf_is_qualifier(span_at(name, 0)))
        return spf_fail(p, "a modifier takes no qualifier; write '%s'",
                        spf_show(span_from(p->tok, 1), shown));
    if (!tk_char_is_alpha(span_at(name, 0)))
        return spf_fail(p, "a modifier name must begin with a letter");
    for (i = 1; i < name.len; i++)
        if (!spf_is_name_char(span_at(name, i)))
            return spf_fail(p,
                            "'%c' may not appear in a modifier name (letters, digits, '-', "
                            "'_' and '.')",
                            span_at(name, i));
    return TK_OK;
}

/* redirect= and exp=: once each (RFC 7208 6), with a domain-spec. */
static enum tk_status spf_redirect_exp(struct spf_parser *p, struct tk_spf_term *t,
                                       enum tk_spf_term_kind kind, struct tk_span value)
{
    int *index = kind == TK_SPF_REDIRECT ? &p->rec->redirect_index : &p->rec->exp_index;
    const char *name = kind == TK_SPF_REDIRECT ? "redirect" : "exp";

    if (*index >= 0)
        return spf_fail(p, "a second '%s='; a record may have only one (RFC 7208 6): keep one",
                        name);
    if (value.len == 0)
        return spf_missing_arg(p, "domain",
                               kind == TK_SPF_REDIRECT ? "redirect=_spf.example.com"
                                                       : "exp=explain._spf.example.com");
    t->kind = kind;
    if (spf_domain_spec(p, t, value) != TK_OK)
        return TK_INVALID;
    *index = (int)p->rec->nterms;
    return TK_OK;
}

static void spf_unknown_modifier_note(struct spf_parser *p, struct tk_span name,
                                      struct tk_span value)
{
    char what[TK_NOTE_TEXT_MAX], a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    enum tk_spf_term_kind kind;
    size_t index = p->rec->nterms;

    if (tk_span_eq_ci(name, "v") && tk_span_startswith_ci(value, "spf1"))
        snprintf(what, sizeof(what),
                 "a second 'v=spf1' inside the record, ignored as an "
                 "unknown modifier; two records were joined: merge them");
    else if (spf_mechanism_lookup(name, &kind))
        snprintf(what, sizeof(what),
                 "ignored as an unknown modifier; the mechanism is "
                 "written with ':', write '%s:%s'",
                 spf_show(name, a), spf_show(value, b));
    else
        snprintf(what, sizeof(what),
                 "unknown modifier '%s', ignored; check the spelling "
                 "(the known ones are redirect= and exp=)",
                 spf_show(name, a));
    spf_note(p, index, what); /* the slot at nterms holds this term already */
}

/* spf_modifier reads name "=" value. */
static enum tk_status spf_modifier(struct spf_parser *p, struct tk_spf_term *t)
{
    char why[SPF_WHY_MAX];
    struct tk_span name, value;
    struct spf_item last;
    struct tk_cursor c;
    bool macros;

    tk_cursor_init(&c, p->tok.p, p->tok.len);
    tk_cursor_span_until(&c, '=', &name);
    tk_cursor_take(&c, '=');
    tk_cursor_rest(&c, &value);
    if (spf_modifier_name_ok(p, name) != TK_OK)
        return TK_INVALID;
    if (tk_span_eq_ci(name, "redirect"))
        return spf_redirect_exp(p, t, TK_SPF_REDIRECT, value);
    if (tk_span_eq_ci(name, "exp"))
        return spf_redirect_exp(p, t, TK_SPF_EXP, value);
    /* Unknown modifiers are never expanded: check the grammar only. */
    if (!spf_macro_string_ok(value, SPF_MS_CRT, &last, &macros, why, sizeof(why)))
        return spf_fail(p, "%s", why);
    t->kind = TK_SPF_UNKNOWN_MODIFIER;
    t->mod_name = name;
    spf_unknown_modifier_note(p, name, value);
    return TK_OK;
}

/* spf_bytes_ok refuses bytes no term may hold: controls, tabs, line
 * breaks, NUL and anything outside 7-bit ASCII (RFC 7208 3.1, 4.6.1). */
static enum tk_status spf_bytes_ok(const struct spf_parser *p)
{
    size_t i;

    for (i = 0; i < p->tok.len; i++) {
        int ch = span_at(p->tok, i);

        if (ch >= 0x21 && ch <= 0x7e)
            continue;
        return spf_fail(p,
                        "%s (0x%02x) at byte %zu; terms are plain ASCII separated by single "
                        "spaces (RFC 7208 3.1, 4.6.1): %s",
                        spf_byte_name(ch), (unsigned)ch, i + 1,
                        ch >= 0x80 ? "retype the term (copying from a document often adds such "
                                     "bytes)"
                                   : "replace it with a space or remove it");
    }
    return TK_OK;
}

static enum tk_status spf_lone_qualifier(const struct spf_parser *p)
{
    char shown[SPF_SHOW_BUF];
    int q = span_at(p->tok, 0);

    if (p->next.len == 0)
        return spf_fail(p, "a qualifier with no mechanism; remove it or write e.g. '%call'", q);
    return tk_error_set(p->err, TK_INVALID,
                        "term %u '%c %s': a space after the qualifier; write '%c%s'", p->word, q,
                        spf_show(p->next, shown), q, shown);
}

static enum tk_status spf_terms_grow(struct spf_parser *p)
{
    struct tk_spf_term *terms;
    size_t cap;

    if (p->rec->nterms < p->cap)
        return TK_OK;
    if (p->rec->nterms >= TK_SPF_TERMS_MAX)
        return tk_error_set(p->err, TK_LIMIT,
                            "more than %d terms; no real record has so many, so it is not read",
                            TK_SPF_TERMS_MAX);
    cap = p->cap ? p->cap * 2 : 16;
    if (cap > TK_SPF_TERMS_MAX)
        cap = TK_SPF_TERMS_MAX;
    terms = realloc(p->rec->terms, cap * sizeof(*terms));
    if (terms == NULL)
        return tk_error_set(p->err, TK_NOMEM, "out of memory reading an SPF record");
    p->rec->terms = terms;
    p->cap = cap;
    return TK_OK;
}

/* spf_term_commit keeps a parsed term and notes what it says. */
static void spf_term_commit(struct spf_parser *p, struct tk_spf_term *t)
{
    size_t index = p->rec->nterms++;

    if (t->kind == TK_SPF_ALL && p->rec->all_index < 0)
        p->rec->all_index = (int)index;
    if (t->kind == TK_SPF_PTR)
        spf_note(p, index,
                 "RFC 7208 5.5 says do not use ptr (slow, unreliable, and some "
                 "receivers skip it); list the senders with ip4:, ip6:, a or include:");
}

static enum tk_status spf_term(struct spf_parser *p)
{
    struct tk_spf_term *t;
    enum tk_status st;

    if ((st = spf_bytes_ok(p)) != TK_OK)
        return st;
    if (p->tok.len == 1 && spf_is_qualifier(span_at(p->tok, 0)))
        return spf_lone_qualifier(p);
    if ((st = spf_terms_grow(p)) != TK_OK)
        return st;
    t = &p->rec->terms[p->rec->nterms];
    memset(t, 0, sizeof(*t));
    t->text = p->tok;
    t->qualifier = TK_SPF_Q_PASS;
    t->cidr4 = t->cidr6 = -1;
    t->domain_spec.p = p->tok.p;
    if (spf_first_special(p->tok) == '=')
        st = spf_modifier(p, t);
    else
        st = spf_directive(p, t);
    if (st == TK_OK)
        spf_term_commit(p, t);
    return st;
}

/* spf_next_word moves to the next space-separated word and looks one
 * word further (for "- all" and "include: foo"). */
static bool spf_next_word(struct tk_cursor *c, struct spf_parser *p)
{
    struct tk_cursor look;

    tk_cursor_span_while(c, spf_is_space, NULL);
    if (tk_cursor_eof(c))
        return false;
    p->word++;
    tk_cursor_span_while(c, spf_is_word_char, &p->tok);
    look = *c;
    tk_cursor_span_while(&look, spf_is_space, NULL);
    tk_cursor_span_while(&look, spf_is_word_char, &p->next);
    return true;
}

/* spf_notes_all notes what "all" means for the rest of the record. */
static void spf_notes_all(struct spf_parser *p)
{
    struct tk_spf_record *r = p->rec;
    size_t i, first = 0, after = 0;

    if (r->all_index < 0)
        return;
    if (r->terms[r->all_index].qualifier == TK_SPF_Q_PASS)
        spf_note(p, (size_t)r->all_index,
                 "passes mail from every address on the internet, so the record protects "
                 "nothing; write '-all' (or '~all' while you check your senders)");
    else if (r->terms[r->all_index].qualifier == TK_SPF_Q_NEUTRAL)
        spf_note(p, (size_t)r->all_index,
                 "neutral for every other address, which gives no protection; write '-all' "
                 "(or '~all' while you check your senders)");
    for (i = (size_t)r->all_index + 1; i < r->nterms; i++)
        if (r->terms[i].kind <= TK_SPF_EXISTS && after++ == 0)
            first = i;
    if (after > 0)
        spf_note(p, first,
                 "comes after 'all' and is never evaluated (nor are any later "
                 "mechanisms); move it before 'all' or remove it");
    if (r->redirect_index >= 0)
        spf_note(p, (size_t)r->redirect_index,
                 "ignored because the record has 'all' (RFC 7208 6.1); remove one of them");
}

static void spf_record_finish(struct spf_parser *p)
{
    struct tk_spf_record *r = p->rec;
    size_t i;

    for (i = 0; i < r->nterms; i++)
        switch (r->terms[i].kind) {
        case TK_SPF_INCLUDE:
        case TK_SPF_A:
        case TK_SPF_MX:
        case TK_SPF_PTR:
        case TK_SPF_EXISTS:
            r->dns_terms++;
            break;
        default:
            break;
        }
    if (r->redirect_index >= 0 && r->all_index < 0)
        r->dns_terms++;
    spf_notes_all(p);
}

static void spf_record_init(struct tk_spf_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->all_index = rec->redirect_index = rec->exp_index = -1;
}

bool tk_spf_is_record(const char *txt, size_t len)
{
    struct tk_cursor c;

    tk_cursor_init(&c, txt, len);
    return tk_cursor_take_ci(&c, "v=spf1") && (tk_cursor_eof(&c) || tk_cursor_peek(&c) == ' ');
}

enum tk_status tk_spf_record_parse(const char *txt, size_t len, struct tk_spf_record *out,
                                   struct tk_error *err)
{
    struct spf_parser p;
    struct tk_cursor c;
    enum tk_status st = TK_OK;

    spf_record_init(out);
    tk_error_clear(err);
    if (!tk_spf_is_record(txt, len))
        return tk_error_set(err, TK_ABSENT,
                            "not an SPF record: it does not begin with 'v=spf1' and a space");
    if (len > TK_TXT_RECORD_MAX)
        return tk_error_set(err, TK_LIMIT,
                            "an SPF record of %zu bytes, over the %d this tool reads", len,
                            TK_TXT_RECORD_MAX);
    memset(&p, 0, sizeof(p));
    p.rec = out;
    p.err = err;
    p.word = 1;
    tk_cursor_init(&c, txt, len);
    tk_cursor_take_ci(&c, "v=spf1");
    while (st == TK_OK && spf_next_word(&c, &p))
        st = spf_term(&p);
    if (st == TK_OK) {
        spf_record_finish(&p);
        return TK_OK;
    }
    tk_spf_record_free(out);
    return st;
}

void tk_spf_record_free(struct tk_spf_record *rec)
{
    if (rec == NULL)
        return;
    free(rec->terms);
    spf_record_init(rec);
}

const char *tk_spf_qualifier_name(enum tk_spf_qualifier q)
{
    switch (q) {
    case TK_SPF_Q_PASS:
        return "pass";
    case TK_SPF_Q_FAIL:
        return "fail";
    case TK_SPF_Q_SOFTFAIL:
        return "softfail";
    case TK_SPF_Q_NEUTRAL:
        return "neutral";
    }
    return "?";
}

const char *tk_spf_term_kind_name(enum tk_spf_term_kind kind)
{
    size_t i;

    for (i = 0; i < sizeof(spf_mechanisms) / sizeof(spf_mechanisms[0]); i++)
        if (spf_mechanisms[i].kind == kind)
            return spf_mechanisms[i].name;
    switch (kind) {
    case TK_SPF_REDIRECT:
        return "redirect";
    case TK_SPF_EXP:
        return "exp";
    case TK_SPF_UNKNOWN_MODIFIER:
        return "unknown-modifier";
    default:
        return "?";
    }
}

/* --------------------------------------------------- macro expansion */

/* spf_ip_text writes the i (dotted: nibbles for IPv6) or c (readable)
 * form of the client address (RFC 7208 7.3). */
static const char *spf_ip_text(const struct tk_spf_macro_ctx *ctx, bool readable,
                               char buf[SPF_VALUE_SCRATCH])
{
    static const char hex[] = "0123456789abcdef";
    size_t i, n = 0;

    if (!ctx->ip_is_v6) {
        snprintf(buf, SPF_VALUE_SCRATCH, "%u.%u.%u.%u", ctx->ip[0], ctx->ip[1], ctx->ip[2],
                 ctx->ip[3]);
        return buf;
    }
    if (readable)
        return inet_ntop(AF_INET6, ctx->ip, buf, SPF_VALUE_SCRATCH) ? buf : "";
    for (i = 0; i < 16; i++) {
        buf[n++] = hex[ctx->ip[i] >> 4];
        buf[n++] = '.';
        buf[n++] = hex[ctx->ip[i] & 15];
        buf[n++] = '.';
    }
    buf[n - 1] = '\0';
    return buf;
}

/* spf_macro_value returns the text a macro letter stands for. NULL
 * context strings count as empty, p and r as "unknown" (RFC 7208 7.3). */
static const char *spf_macro_value(int letter, const struct tk_spf_macro_ctx *ctx,
                                   char scratch[SPF_VALUE_SCRATCH])
{
    const char *v = NULL;

    switch (letter) {
    case 's':
        v = ctx->sender;
        break;
    case 'l':
        v = ctx->local_part;
        break;
    case 'o':
        v = ctx->sender_domain;
        break;
    case 'd':
        v = ctx->domain;
        break;
    case 'h':
        v = ctx->helo;
        break;
    case 'i':
    case 'c':
        return spf_ip_text(ctx, letter == 'c', scratch);
    case 'p':
        return ctx->validated ? ctx->validated : "unknown";
    case 'r':
        return ctx->receiver ? ctx->receiver : "unknown";
    case 'v':
        return ctx->ip_is_v6 ? "ip6" : "in-addr";
    case 't':
        snprintf(scratch, SPF_VALUE_SCRATCH, "%lld", ctx->timestamp);
        return scratch;
    default:
        break;
    }
    return v ? v : "";
}

static bool spf_is_unreserved(int ch)
{
    return tk_char_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* spf_append appends s, URL-escaped when the macro letter was upper case. */
static enum tk_status spf_append(struct tk_buf *b, struct tk_span s, bool escape)
{
    enum tk_status st = TK_OK;
    size_t i;

    if (!escape)
        return tk_buf_append(b, s.p, s.len);
    for (i = 0; i < s.len && st == TK_OK; i++) {
        int ch = span_at(s, i);

        st = spf_is_unreserved(ch) ? tk_buf_putc(b, (char)ch) : tk_buf_printf(b, "%%%02X", ch);
    }
    return st;
}

static bool spf_splits_at(const struct spf_item *it, int ch)
{
    return it->delims.len == 0 ? ch == '.' : span_has(it->delims, ch);
}

/* spf_split names the parts of v between delimiters; returns their
 * number (when parts is NULL it only counts). */
static size_t spf_split(const struct spf_item *it, struct tk_span v, struct tk_span *parts)
{
    size_t i, n = 0, start = 0;

    for (i = 0; i <= v.len; i++) {
        if (i < v.len && !spf_splits_at(it, span_at(v, i)))
            continue;
        if (parts)
            parts[n] = span_head(span_from(v, start), i - start);
        n++;
        start = i + 1;
    }
    return n;
}

/* spf_transform splits, reverses, keeps the rightmost parts and joins
 * them with '.' (RFC 7208 7.3). */
static enum tk_status spf_transform(const struct spf_item *it, struct tk_span v, struct tk_buf *out)
{
    size_t n = spf_split(it, v, NULL), keep, i;
    struct tk_span *parts = calloc(n, sizeof(*parts));
    enum tk_status st = TK_OK;

    if (parts == NULL)
        return TK_NOMEM;
    spf_split(it, v, parts);
    keep = it->keep > 0 && (size_t)it->keep < n ? (size_t)it->keep : n;
    for (i = 0; i < keep && st == TK_OK; i++) {
        /* reversed, the rightmost keep parts are the first keep, last first */
        struct tk_span part = it->reverse ? parts[keep - 1 - i] : parts[n - keep + i];

        if (i > 0)
            st = tk_buf_putc(out, '.');
        if (st == TK_OK)
            st = tk_buf_append(out, part.p, part.len);
    }
    free(parts);
    return st;
}

static enum tk_status spf_expand_item(const struct spf_item *it, const struct tk_spf_macro_ctx *ctx,
                                      struct tk_buf *out)
{
    char scratch[SPF_VALUE_SCRATCH];
    struct tk_buf joined = {NULL, 0, 0};
    struct tk_span v;
    enum tk_status st;

    if (it->kind == SPF_ITEM_LITERAL)
        return tk_buf_append(out, it->text.p, it->text.len);
    if (it->kind == SPF_ITEM_ESCAPE)
        return tk_buf_puts(out, it->value);
    v.p = spf_macro_value(it->letter, ctx, scratch);
    v.len = strlen(v.p);
    if (v.len > TK_SPF_MACRO_EXPANSION_MAX)
        return TK_LIMIT;
    if (it->keep == 0 && !it->reverse && it->delims.len == 0)
        return spf_append(out, v, it->url_escape);
    st = spf_transform(it, v, &joined);
    if (st == TK_OK)
        st = spf_append(out, (struct tk_span){tk_buf_cstr(&joined), joined.len}, it->url_escape);
    tk_buf_free(&joined);
    return st;
}

/* spf_expand_finish drops a domain's trailing dot, cuts labels from the
 * left until it fits in 253 characters (RFC 7208 7.3), and appends. */
static enum tk_status spf_expand_finish(const struct tk_buf *tmp, bool is_exp, struct tk_buf *out,
                                        struct tk_error *err)
{
    struct tk_span s = {tk_buf_cstr(tmp), tmp->len};
    size_t dot;

    if (!is_exp && span_at(s, s.len - 1) == '.')
        s = span_head(s, s.len - 1);
    while (!is_exp && s.len > TK_DOMAIN_MAX) {
        dot = span_index(s, '.');
        if (dot == SPF_NPOS)
            return tk_error_set(err, TK_LIMIT,
                                "the expanded name ends in a label of %zu characters; no cut "
                                "at a dot brings it within %d",
                                s.len, TK_DOMAIN_MAX);
        s = span_from(s, dot + 1);
    }
    if (tk_buf_append(out, s.p, s.len) != TK_OK)
        return tk_error_set(err, TK_NOMEM, "out of memory expanding an SPF macro");
    return TK_OK;
}

enum tk_status tk_spf_macro_expand(struct tk_span spec, const struct tk_spf_macro_ctx *ctx,
                                   bool is_exp, struct tk_buf *out, struct tk_error *err)
{
    char a[SPF_SHOW_BUF], b[SPF_SHOW_BUF];
    struct tk_buf tmp = {NULL, 0, 0};
    struct tk_cursor c;
    struct spf_item it;
    const char *why;
    enum tk_status st = TK_OK;

    tk_cursor_init(&c, spec.p, spec.len);
    while (st == TK_OK && !tk_cursor_eof(&c)) {
        if (!spf_item_next(&c, is_exp ? SPF_MS_CRT | SPF_MS_SPACE : 0, &it, &why)) {
            st = tk_error_set(
                err, TK_INVALID, "macro-string '%s': bad %s '%s': %s", spf_show(spec, a),
                it.kind == SPF_ITEM_LITERAL ? "character" : "macro", spf_show(it.text, b), why);
            break;
        }
        st = spf_expand_item(&it, ctx, &tmp);
        if (st == TK_OK && tmp.len > TK_SPF_MACRO_EXPANSION_MAX)
            st = TK_LIMIT;
        if (st == TK_LIMIT)
            tk_error_set(err, st, "macro-string '%s': expands to more than %d bytes",
                         spf_show(spec, a), TK_SPF_MACRO_EXPANSION_MAX);
        else if (st != TK_OK)
            tk_error_set(err, st, "out of memory expanding an SPF macro");
    }
    if (st == TK_OK)
        st = spf_expand_finish(&tmp, is_exp, out, err);
    tk_buf_free(&tmp);
    return st;
}
