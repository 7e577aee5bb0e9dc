/*
 * NAME
 *	fuzz_spf.c - libFuzzer harness for the SPF parser and macro expander
 * DESCRIPTION
 *	Feeds any bytes to tk_spf_record_parse and checks the contract on
 *	what comes back: a known status, is_record agreeing with the parse,
 *	an empty record on error, indexes and spans inside the input,
 *	printable errors and notes. Each domain-spec of an accepted record
 *	is expanded with a fixed context, which must succeed (or hit the
 *	size limit): what parses must expand. The input is also expanded as
 *	explanation text. A broken contract aborts, which the fuzzer
 *	reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/spf.h"
#include "fuzz_util.h"

static const struct tk_spf_macro_ctx fuzz_ctx = {
    .sender = "strong-bad@email.example.com",
    .local_part = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip_is_v6 = true,
    .ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01},
    .helo = "mx.example.org",
    .timestamp = 1700000000,
};

static int inside(struct tk_span s, const uint8_t *data, size_t size)
{
    return s.len == 0 ||
           ((const uint8_t *)s.p >= data && (const uint8_t *)s.p + s.len <= data + size);
}

static void expand(struct tk_span spec, int is_exp, int must_expand)
{
    struct tk_buf out = {NULL, 0, 0};
    struct tk_error err;
    enum tk_status st = tk_spf_macro_expand(spec, &fuzz_ctx, is_exp, &out, &err);

    check(st == TK_OK || st == TK_LIMIT || (st == TK_INVALID && !must_expand));
    check(st == TK_OK || (out.len == 0 && printable(err.msg, sizeof(err.msg))));
    check(st != TK_OK || is_exp || out.len <= 253);
    tk_buf_free(&out);
}

static void check_record(const struct tk_spf_record *rec, const uint8_t *data, size_t size)
{
    size_t i;

    check(rec->nterms <= TK_SPF_TERMS_MAX && rec->dns_terms <= rec->nterms);
    check(rec->all_index < (int)rec->nterms && rec->redirect_index < (int)rec->nterms &&
          rec->exp_index < (int)rec->nterms);
    check(rec->notes.n <= TK_NOTES_MAX);
    check_notes(&rec->notes);
    for (i = 0; i < rec->nterms; i++) {
        const struct tk_spf_term *t = &rec->terms[i];

        check(inside(t->text, data, size) && inside(t->domain_spec, data, size));
        check(t->cidr4 <= 32 && t->cidr6 <= 128);
        if (t->domain_spec.len > 0)
            expand(t->domain_spec, 0, 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_spf_record rec;
    struct tk_error err;
    enum tk_status st = tk_spf_record_parse((const char *)data, size, &rec, &err);

    check(st == TK_OK || st == TK_INVALID || st == TK_ABSENT || st == TK_LIMIT || st == TK_NOMEM);
    check((st == TK_ABSENT) == !tk_spf_is_record((const char *)data, size));
    if (st == TK_OK)
        check_record(&rec, data, size);
    else
        check(rec.nterms == 0 && rec.terms == NULL && printable(err.msg, sizeof(err.msg)));
    tk_spf_record_free(&rec);
    expand((struct tk_span){(const char *)data, size}, 1, 0);
    return 0;
}
