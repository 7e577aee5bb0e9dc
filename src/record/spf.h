/*
 * NAME
 *	spf.h - SPF record parser and macro expander (no I/O)
 * DESCRIPTION
 *	tk_spf_record_parse turns the text of one TXT record into terms:
 *	mechanisms (all, include, a, mx, ptr, ip4, ip6, exists) with their
 *	qualifier, domain-spec and CIDR lengths, and modifiers (redirect,
 *	exp, unknown ones). It checks the whole RFC 7208 grammar, macros
 *	included, and reports the first syntax error with the term that
 *	holds it and, for the mistakes people make (the seed's "- all"),
 *	the exact text to write instead. Spans in the result point into the
 *	caller's text, which must outlive the record.
 *
 *	tk_spf_macro_expand expands a macro-string (RFC 7208 7) for a given
 *	check_host() context; evaluation (issue: auth engine) and the tree
 *	walk of tiaki check both use it.
 * STANDARDS
 *	RFC 7208 (4.5 record selection, 4.6 syntax, 4.6.4 limits, 5, 6, 7).
 * LIMITS
 *	TK_TXT_RECORD_MAX bytes of record, TK_SPF_TERMS_MAX terms,
 *	TK_SPF_MACRO_EXPANSION_MAX bytes of expanded macro.
 */
#ifndef TIAKI_RECORD_SPF_H
#define TIAKI_RECORD_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/error.h"
#include "record/notes.h"

enum tk_spf_qualifier {
    TK_SPF_Q_PASS = '+',
    TK_SPF_Q_FAIL = '-',
    TK_SPF_Q_SOFTFAIL = '~',
    TK_SPF_Q_NEUTRAL = '?',
};

enum tk_spf_term_kind {
    /* mechanisms */
    TK_SPF_ALL,
    TK_SPF_INCLUDE,
    TK_SPF_A,
    TK_SPF_MX,
    TK_SPF_PTR,
    TK_SPF_IP4,
    TK_SPF_IP6,
    TK_SPF_EXISTS,
    /* modifiers */
    TK_SPF_REDIRECT,
    TK_SPF_EXP,
    TK_SPF_UNKNOWN_MODIFIER,
};

struct tk_spf_term {
    enum tk_spf_term_kind kind;
    enum tk_spf_qualifier qualifier; /* mechanisms only; '+' when not written */
    struct tk_span text;             /* the whole term as written */
    struct tk_span domain_spec;      /* include/a/mx/ptr/exists/redirect/exp target;
                                        len 0 when not written (a, mx, ptr) */
    bool has_macros;                 /* domain_spec contains '%' macros */
    int cidr4;                       /* a, mx, ip4: prefix length, -1 when absent */
    int cidr6;                       /* a, mx, ip6: prefix length, -1 when absent */
    uint8_t ip[16];                  /* ip4: first 4 bytes; ip6: all 16 */
    struct tk_span mod_name;         /* unknown modifiers: the name (the value is the
                                        rest of text after '=') */
};

struct tk_spf_record {
    size_t nterms;
    struct tk_spf_term *terms; /* malloc'd; tk_spf_record_free releases */
    int all_index;             /* index of the first "all", or -1 */
    int redirect_index;        /* index of redirect=, or -1 */
    int exp_index;             /* index of exp=, or -1 */
    /* Terms that cost a DNS query by RFC 7208 4.6.4: include, a, mx, ptr,
     * exists, and redirect= (counted only when no "all" is present,
     * since redirect is then ignored). */
    unsigned dns_terms;
    /* Warnings that do not make the record invalid: ptr used (5.5 says
     * do not), +all or ?all, terms after "all" that are never reached,
     * redirect= ignored because "all" is present, unknown modifiers. */
    struct tk_notes notes;
};

/* tk_spf_is_record is true when the text is an SPF record by RFC 7208
 * 4.5: it begins "v=spf1" (any case) followed by a space or its end.
 * "v=spf10" is not one. */
bool tk_spf_is_record(const char *txt, size_t len);

/* tk_spf_record_parse parses one SPF record. Returns:
 *	TK_OK       out filled; free with tk_spf_record_free
 *	TK_ABSENT   not an SPF record (tk_spf_is_record false)
 *	TK_INVALID  a syntax error (permerror); err says which term and how
 *	            to fix it, e.g. "term 3 '- all': a space after the
 *	            qualifier; write '-all'"
 *	TK_LIMIT    longer than TK_TXT_RECORD_MAX or more than TK_SPF_TERMS_MAX
 *	            terms
 *	TK_NOMEM
 * On any error out is left empty (safe to free) and err is set, TK_ABSENT
 * included. Duplicate redirect= or exp= is TK_INVALID (RFC 7208 6).
 * Term numbers in messages and notes count the words of the record from
 * 1 as a person would, "v=spf1" being term 1: terms[i] is term i + 2.
 * Terms are separated by SP only (a tab or line break is an error), and
 * a term may hold only visible 7-bit ASCII. Unknown modifiers are
 * checked for macro syntax only (any letter allowed: they are never
 * expanded); a second "v=spf1" parses as one and gets a note. */
enum tk_status tk_spf_record_parse(const char *txt, size_t len, struct tk_spf_record *out,
                                   struct tk_error *err);

void tk_spf_record_free(struct tk_spf_record *rec);

/* tk_spf_qualifier_name returns "pass", "fail", "softfail", "neutral". */
const char *tk_spf_qualifier_name(enum tk_spf_qualifier q);

/* tk_spf_term_kind_name returns "all", "include", ..., "redirect". */
const char *tk_spf_term_kind_name(enum tk_spf_term_kind kind);

/* What check_host() knows when it expands a macro (RFC 7208 7.2). */
struct tk_spf_macro_ctx {
    const char *sender;        /* s: full sender mailbox, "local@domain" */
    const char *local_part;    /* l */
    const char *sender_domain; /* o */
    const char *domain;        /* d: the current domain */
    bool ip_is_v6;
    uint8_t ip[16];        /* i, c, v: the client address */
    const char *validated; /* p: validated domain name, or NULL ("unknown") */
    const char *helo;      /* h */
    const char *receiver;  /* r: only in exp= (default "unknown") */
    long long timestamp;   /* t: only in exp= */
};

/* tk_spf_macro_expand expands the macro-string spec into out (appended).
 * is_exp says spec is an explanation string (the TXT text exp= points
 * to, RFC 7208 6.2): SP is then allowed and so are the c, r and t
 * letters. The exp= domain-spec itself is a domain: expand it with
 * !is_exp. NULL strings in ctx count as empty, except p and r, which
 * become "unknown"; the caller sets local_part to "postmaster" when the
 * sender has none (RFC 7208 4.3). Returns TK_OK, TK_INVALID for a bad
 * macro (err says which), TK_LIMIT when the expansion passes
 * TK_SPF_MACRO_EXPANSION_MAX, or TK_NOMEM; out is unchanged on error.
 * When !is_exp the result is a domain: one trailing dot is dropped, and
 * a name longer than 253 characters is cut from the left at a dot as
 * RFC 7208 7.3 says (TK_LIMIT when no cut fits: a label over 253). */
enum tk_status tk_spf_macro_expand(struct tk_span spec, const struct tk_spf_macro_ctx *ctx,
                                   bool is_exp, struct tk_buf *out, struct tk_error *err);

#endif
