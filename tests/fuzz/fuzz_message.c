/*
 * NAME
 *	fuzz_message.c - libFuzzer harness for the message header splitter
 * DESCRIPTION
 *	Feeds any bytes as a mail message, whole and then in chunks of a
 *	size taken from the first byte, and checks the contract: the same
 *	fields either way, at most TK_MSG_HEADERS_MAX fields, each at most
 *	TK_MSG_FIELD_MAX bytes with a non-empty name of printable ASCII
 *	and its value starting after a colon, and body bytes whose line
 *	ends are all CRLF. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/message.h"
#include "core/limits.h"
#include "fuzz_util.h"

struct body_state {
    size_t len;
    int last; /* the last byte seen, -1 at the start */
};

static void body_check(void *arg, const char *p, size_t n)
{
    struct body_state *b = arg;
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\n')
            check(b->last == '\r');
        b->last = (unsigned char)p[i];
    }
    b->len += n;
}

static void fields_check(const struct tk_msg *m)
{
    size_t i, j;

    check(m->nfields <= TK_MSG_HEADERS_MAX);
    for (i = 0; i < m->nfields; i++) {
        const struct tk_msg_field *f = &m->fields[i];

        check(f->raw_len <= TK_MSG_FIELD_MAX && f->name_len > 0);
        check(f->value_off <= f->raw_len && f->raw[f->value_off - 1] == ':');
        for (j = 0; j < f->name_len; j++)
            check(f->raw[j] > 32 && f->raw[j] < 127 && f->raw[j] != ':');
    }
}

static void feed_in(struct tk_msg *m, const uint8_t *data, size_t size, size_t step,
                    struct body_state *b)
{
    size_t i;

    tk_msg_init(m);
    for (i = 0; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;

        check(tk_msg_feed(m, (const char *)data + i, n, body_check, b) == TK_OK);
    }
    check(tk_msg_finish(m) == TK_OK);
    check(m->headers_done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct body_state b1 = {0, -1}, b2 = {0, -1};
    struct tk_msg whole, chunked;
    size_t i, step = size > 0 ? (size_t)data[0] % 17 + 1 : 1;

    feed_in(&whole, data, size, size > 0 ? size : 1, &b1);
    feed_in(&chunked, data, size, step, &b2);
    fields_check(&whole);
    check(whole.nfields == chunked.nfields && whole.overflow == chunked.overflow);
    for (i = 0; i < whole.nfields; i++)
        check(whole.fields[i].raw_len == chunked.fields[i].raw_len &&
              memcmp(whole.fields[i].raw, chunked.fields[i].raw, whole.fields[i].raw_len) == 0);
    check(b1.len == b2.len);
    tk_msg_free(&whole);
    tk_msg_free(&chunked);
    return 0;
}
