/*
 * NAME
 *	fuzz_report_mail.c - libFuzzer harness for finding reports in mail
 * DESCRIPTION
 *	Feeds any bytes to tk_report_source_message as one message, with
 *	small limits (64 KB decompressed, 8 zip entries), so GMime, the
 *	decoders, libarchive and the sniffing all see hostile input. Checks
 *	the source's contract with a sink that watches it: begin, data, end
 *	in that order and never interleaved, no empty or oversized chunk, no
 *	payload past the cap, origins and skip reasons without control
 *	bytes, counts that add up, a known status with a printable error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/source.h"
#include "fuzz_util.h"

#define CAP (64 * 1024)

struct watch {
    int open;
    size_t bytes;
    size_t begun, ended, cut;
};

static int no_controls(const char *s, size_t max)
{
    size_t i;

    for (i = 0; i < max && s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            return 0;
    return i < max;
}

static enum tk_status w_begin(void *arg, enum tk_payload_kind kind,
                              const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct watch *w = arg;

    (void)err;
    check(!w->open);
    check(kind == TK_PAYLOAD_DMARC_XML || kind == TK_PAYLOAD_TLSRPT_JSON);
    check(no_controls(origin->text, sizeof(origin->text)));
    check(strncmp(origin->text, "fuzz", 4) == 0);
    w->open = 1;
    w->bytes = 0;
    w->begun++;
    return TK_OK;
}

static enum tk_status w_data(void *arg, const void *buf, size_t len, struct tk_error *err)
{
    struct watch *w = arg;

    (void)err;
    check(w->open && buf != NULL && len > 0 && len <= 64 * 1024);
    w->bytes += len;
    check(w->bytes <= CAP);
    return TK_OK;
}

static enum tk_status w_end(void *arg, bool complete, const char *why, struct tk_error *err)
{
    struct watch *w = arg;

    (void)err;
    check(w->open);
    if (!complete) {
        check(why != NULL && why[0] != '\0');
        w->cut++;
    }
    w->open = 0;
    w->ended++;
    return TK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_payload_limits lim = {CAP, 8, 4, 1024 * 1024};
    static struct tk_source_stats stats;
    struct watch w = {0};
    struct tk_payload_sink sink = {w_begin, w_data, w_end, &w};
    struct tk_error err;
    enum tk_status st;
    size_t i;

    memset(&stats, 0, sizeof(stats));
    tk_error_clear(&err);
    st = tk_report_source_message(data, size, "fuzz", &lim, &sink, &stats, &err);
    check(st == TK_OK || st == TK_LIMIT || st == TK_INVALID);
    check_err(st, &err);
    check(!w.open && w.begun == w.ended);
    check(w.begun == stats.payloads[0] + stats.payloads[1]);
    check(stats.rejected == w.cut);
    check(stats.messages >= 1);
    check(stats.nskip <= TK_SOURCE_SKIPS_MAX && stats.nskip <= stats.skipped);
    check(stats.skipped >= stats.rejected);
    for (i = 0; i < stats.nskip; i++)
        check(no_controls(stats.skip[i], TK_SOURCE_SKIP_TEXT_MAX));
    return 0;
}
