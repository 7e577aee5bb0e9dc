/*
 * NAME
 *	fuzz_rdata.c - libFuzzer harness for the rdata decoders
 * DESCRIPTION
 *	Treats any bytes as the rdata of an answer and runs every decoder
 *	on it: TXT, MX, a name at each offset, and A/AAAA. Checks the
 *	contract: a known status; TXT text no longer than the rdata less its
 *	length bytes; MX and names either "." or a name that is already in
 *	normal form (so it is safe to query and print), ending inside the
 *	rdata; addresses only for 4 or 16 bytes. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "dns/rdata.h"
#include "fuzz_util.h"

static void check_name(const char *name)
{
    char again[TK_DOMAIN_MAX + 1];
    size_t len = strnlen(name, TK_DOMAIN_MAX + 1);

    check(len <= TK_DOMAIN_MAX);
    if (strcmp(name, ".") == 0)
        return;
    check(tk_domain_normalise(name, len, again, NULL) == TK_OK);
    check(strcmp(name, again) == 0);
}

static void fuzz_txt(const struct tk_dns_rdata *rd)
{
    struct tk_buf b = {0};
    enum tk_status st = tk_rdata_txt(rd, &b);

    check(st == TK_OK || st == TK_INVALID);
    if (st == TK_OK) {
        check(b.data != NULL && b.data[b.len] == '\0');
        check(b.len <= rd->len);
        check(rd->len == 0 || b.len < rd->len);
    }
    tk_buf_free(&b);
}

static void fuzz_mx(const struct tk_dns_rdata *rd)
{
    char exchange[TK_DOMAIN_MAX + 1];
    uint16_t pref;
    enum tk_status st = tk_rdata_mx(rd, &pref, exchange);

    check(st == TK_OK || st == TK_INVALID);
    if (st == TK_OK) {
        check(rd->len >= 3);
        check(pref == (uint16_t)(rd->data[0] << 8 | rd->data[1]));
        check_name(exchange);
    }
}

static void fuzz_names(const struct tk_dns_rdata *rd)
{
    char name[TK_DOMAIN_MAX + 1];
    size_t off, end;

    for (off = 0; off <= rd->len; off++) {
        enum tk_status st = tk_rdata_name(rd, off, &end, name);

        check(st == TK_OK || st == TK_INVALID);
        if (st == TK_OK) {
            check(end > off && end <= rd->len);
            check_name(name);
        }
    }
}

static void fuzz_addr(const struct tk_dns_rdata *rd)
{
    char text[64];
    enum tk_status st = tk_rdata_addr(rd, text, sizeof(text));

    check(st == TK_OK || st == TK_INVALID);
    check((st == TK_OK) == (rd->len == 4 || rd->len == 16));
    if (st == TK_OK)
        check(strlen(text) >= 2 && strlen(text) < 46);
    /* Too little room is refused, never overrun. */
    check(tk_rdata_addr(rd, text, 2) == TK_INVALID);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_dns_rdata rd;

    rd.data = data;
    rd.len = size;
    fuzz_txt(&rd);
    fuzz_mx(&rd);
    fuzz_names(&rd);
    fuzz_addr(&rd);
    return 0;
}
