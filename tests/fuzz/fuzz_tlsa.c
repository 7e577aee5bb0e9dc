/*
 * NAME
 *	fuzz_tlsa.c - libFuzzer harness for the TLSA parser and matchers
 * DESCRIPTION
 *	Treats any bytes as TLSA rdata and checks the contract of
 *	tk_tlsa_parse: a known status with a printable error; when TK_OK,
 *	the three fields and the data exactly as in the input, a length the
 *	matching type allows, and TK_LIMIT only past TK_TLSA_DATA_MAX. The
 *	record is then printed into buffers of every small size (never
 *	overrun, "..." when cut) and matched: a Full record must match its
 *	own data; an RRset of it must be "unusable" exactly when
 *	tk_tlsa_usable says so, against a chain made of the input itself
 *	(bytes no decoder expects) and of the record's data, so that the
 *	DANE-TA linking decodes hostile certificates. A broken contract
 *	aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/tlsa.h"
#include "fuzz_util.h"

static void fuzz_text(const struct tk_tlsa *t)
{
    char buf[TK_TLSA_TEXT_MAX + 8];
    size_t size, n;
    bool whole;

    for (size = 1; size <= sizeof(buf) - 8; size += 7) {
        memset(buf, 'X', sizeof(buf));
        whole = tk_tlsa_text(t, buf, size);
        n = strnlen(buf, size);
        check(n < size);
        check(buf[size] == 'X');
        check(printable(buf, size));
        if (whole)
            check(n == strlen(buf) && (t->len == 0 || buf[n - 1] != '.'));
    }
}

static void fuzz_match(const struct tk_tlsa *t, const uint8_t *data, size_t size)
{
    struct tk_tlsa_cert chain[2];
    struct tk_tlsa_verdict v;
    enum tk_tlsa_result r;
    enum tk_status st;
    bool match = false;

    st = tk_tlsa_match(t, t->data, t->len, t->data, t->len, &match);
    check(st == TK_OK || st == TK_INVALID);
    check(st == TK_OK || !match);
    if (t->mtype == TK_TLSA_FULL && t->selector <= TK_TLSA_SEL_SPKI)
        check(st == TK_OK && match);
    chain[0] = (struct tk_tlsa_cert){data, size, data + 3, size - 3};
    chain[1] = (struct tk_tlsa_cert){t->data, t->len, t->data, t->len};
    r = tk_tlsa_chain_match(t, 1, chain, 2, &v);
    check(r == v.result);
    check(printable(v.detail, sizeof(v.detail)) && v.detail[0] != '\0');
    check((r == TK_TLSA_UNUSABLE) == !tk_tlsa_usable(t));
    check(v.nusable == (tk_tlsa_usable(t) ? 1 : 0));
    if (r == TK_TLSA_MATCH)
        check(v.record == 0 && v.depth < 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_tlsa t;
    struct tk_error err;
    enum tk_status st;

    tk_error_clear(&err);
    st = tk_tlsa_parse(data, size, &t, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT || st == TK_NOMEM);
    check_err(st, &err);
    check(st != TK_LIMIT || size - 3 > TK_TLSA_DATA_MAX);
    if (st != TK_OK) {
        check(t.data == NULL && t.len == 0);
        return 0;
    }
    check(size > 3 && t.len == size - 3 && t.len <= TK_TLSA_DATA_MAX);
    check(t.usage == data[0] && t.selector == data[1] && t.mtype == data[2]);
    check(memcmp(t.data, data + 3, t.len) == 0);
    check(t.mtype != TK_TLSA_SHA256 || t.len == 32);
    check(t.mtype != TK_TLSA_SHA512 || t.len == 64);
    fuzz_text(&t);
    fuzz_match(&t, data, size);
    tk_tlsa_clear(&t);
    return 0;
}
