/*
 * NAME
 *	fuzz_spf_batch.c - libFuzzer harness for SPF batch lines and
 *	check_host() over hostile records
 * DESCRIPTION
 *	The input up to its first newline is a line of tiaki spf check
 *	--batch: tk_spf_batch_line_parse must return a known status, a
 *	printable message on error, and on success fields of printable
 *	ASCII without separators that the request points into. The rest of
 *	the input, if any, is published as the TXT record of example.nz in
 *	a static zone that also holds a few fixed names (an include target,
 *	MX and PTR data), and the parsed line is checked against it with
 *	tk_spf_check_sync: the result must be one of SPF's seven, every
 *	question answered, the texts printable, the counters within the
 *	limits of RFC 7208 4.6.4. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_batch.h"
#include "auth/spf_eval.h"
#include "fuzz_util.h"

static int field_ok(const char *s)
{
    return printable(s, TK_SPF_BATCH_LINE_MAX + 1) && strchr(s, ' ') == NULL;
}

static void check_line(enum tk_status st, const struct tk_spf_batch_line *l,
                       const struct tk_error *err)
{
    check(st == TK_OK || st == TK_ABSENT || st == TK_INVALID || st == TK_LIMIT);
    if (st != TK_OK) {
        check_err(st, err);
        return;
    }
    check(field_ok(l->ip) && field_ok(l->sender) && field_ok(l->helo));
    check(l->req.sender == l->sender);
    check(l->req.helo == NULL || l->req.helo == l->helo);
}

static struct tk_static_zone *fuzz_zone(const uint8_t *rec, size_t len)
{
    struct tk_static_zone *z;
    unsigned char wire[8192];
    size_t w = 0, off = 0;

    if (tk_static_zone_new(&z) != TK_OK)
        abort();
    tk_static_zone_allow_raw_names(z);
    if (len > 4096)
        len = 4096;
    do { /* character-strings of 255 bytes, as a zone file makes them */
        size_t chunk = len - off > 255 ? 255 : len - off;

        wire[w++] = (unsigned char)chunk;
        memcpy(wire + w, rec + off, chunk);
        w += chunk;
        off += chunk;
    } while (off < len);
    tk_static_zone_add(z, "example.nz", TK_DNS_TXT, wire, w);
    tk_static_zone_add_txt(z, "inc.example.nz", "v=spf1 a mx ptr ~all exp=exp.example.nz");
    tk_static_zone_add_txt(z, "exp.example.nz", "%{i} %{p} %{s} %{r} %{t} %{h}");
    tk_static_zone_add_a(z, "inc.example.nz", "192.0.2.1");
    tk_static_zone_add_mx(z, "example.nz", 10, "inc.example.nz");
    tk_static_zone_add_mx(z, "inc.example.nz", 10, "mx.example.nz");
    tk_static_zone_add_a(z, "mx.example.nz", "192.0.2.2");
    tk_static_zone_add_aaaa(z, "mx.example.nz", "2001:db8::2");
    tk_static_zone_add_ptr(z, "1.2.0.192.in-addr.arpa", "inc.example.nz");
    tk_static_zone_add_cname(z, "loop.example.nz", "loop.example.nz");
    tk_static_zone_add_timeout(z, "slow.example.nz");
    return z;
}

static void check_result(const struct tk_spf_result *res)
{
    check(res->result <= TK_AUTH_PERMERROR && res->result != TK_AUTH_POLICY);
    check(printable(res->reason, sizeof(res->reason)));
    check(printable(res->mechanism, sizeof(res->mechanism)));
    check(printable(res->explanation, sizeof(res->explanation)));
    check(res->dns_terms <= TK_SPF_DNS_TERMS_MAX + 1);
    check(res->void_lookups <= TK_SPF_VOID_LOOKUPS_MAX + 1);
    check(res->explanation[0] == '\0' || res->result == TK_AUTH_FAIL);
}

static void fuzz_eval(const struct tk_spf_batch_line *l, const uint8_t *rec, size_t len)
{
    struct tk_static_zone *z = fuzz_zone(rec, len);
    struct tk_resolver *r;
    struct tk_spf_result res;
    struct tk_error err;

    if (tk_resolver_new_static(z, &r) != TK_OK)
        abort();
    check(tk_spf_check_sync(r, &l->req, &res, &err) == TK_OK);
    check(tk_resolver_pending(r) == 0);
    check_result(&res);
    tk_resolver_free(r);
    tk_static_zone_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tk_spf_batch_line line;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t len = nl ? (size_t)(nl - data) : size;
    struct tk_error err = {TK_OK, ""};
    enum tk_status st = tk_spf_batch_line_parse((const char *)data, len, &line, &err);

    check_line(st, &line, &err);
    if (st == TK_OK && nl)
        fuzz_eval(&line, nl + 1, size - len - 1);
    return 0;
}
