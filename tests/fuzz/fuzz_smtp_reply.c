/*
 * NAME
 *	fuzz_smtp_reply.c - libFuzzer harness for the SMTP reply parser
 * DESCRIPTION
 *	Parses any bytes as what a peer has sent so far and checks the
 *	contract: TK_OK with a code of 200..599, 1..TK_SMTP_REPLY_LINES_MAX
 *	lines inside the input, at most TK_SMTP_REPLY_MAX bytes taken, and
 *	every proper prefix of those bytes asking for more (TK_TEMP);
 *	TK_TEMP never once TK_SMTP_REPLY_MAX + 1 bytes are there;
 *	TK_INVALID and TK_LIMIT with a printable message. The display of a
 *	reply has no control byte and fits its buffer. A broken contract
 *	aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/smtp_reply.h"
#include "fuzz_util.h"

static void check_reply(const struct tk_smtp_reply *r, const uint8_t *data, size_t size)
{
    const char *base = (const char *)data;
    struct tk_smtp_reply prefix;
    char out[32];
    size_t i;

    check(r->code >= 200 && r->code <= 599);
    check(r->nlines >= 1 && r->nlines <= TK_SMTP_REPLY_LINES_MAX);
    check(r->len >= 4 && r->len <= size && r->len <= TK_SMTP_REPLY_MAX);
    for (i = 0; i < r->nlines; i++) {
        check(r->text[i].p >= base && r->text[i].p + r->text[i].len <= base + r->len);
        check(r->text[i].len <= TK_SMTP_LINE_MAX);
    }
    check(tk_smtp_reply_parse(base, r->len - 1, &prefix, NULL) == TK_TEMP);
    tk_smtp_reply_show(r, out, sizeof(out));
    check(strlen(out) < sizeof(out));
    for (i = 0; out[i]; i++)
        check((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
    (void)tk_smtp_reply_has_keyword(r, "STARTTLS");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_smtp_reply r;
    struct tk_error err;
    enum tk_status st;

    tk_error_clear(&err);
    st = tk_smtp_reply_parse((const char *)data, size, &r, &err);
    check(st == TK_OK || st == TK_TEMP || st == TK_INVALID || st == TK_LIMIT);
    if (st == TK_OK)
        check_reply(&r, data, size);
    else if (st == TK_TEMP)
        check(size <= TK_SMTP_REPLY_MAX);
    else
        check(err.code == st && err.msg[0] != '\0' && printable(err.msg, sizeof(err.msg)));
    return 0;
}
