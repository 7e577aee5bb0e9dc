/*
 * NAME
 *	source_impl.h - what the parts of the report source share
 * DESCRIPTION
 *	Private to source.c (walk, sniff, payload delivery, mbox),
 *	source_archive.c (gzip, zip through libarchive) and source_mail.c
 *	(RFC 5322 and MIME through GMime). A src_in is a stream of bytes
 *	read in chunks (a file, memory, a decompressor, a MIME decoder) with
 *	a look-ahead window for sniffing; src_stream decides what the bytes
 *	are and hands them on, one level deeper for archives and messages.
 */
#ifndef TIAKI_REPORTS_SOURCE_IMPL_H
#define TIAKI_REPORTS_SOURCE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"
#include "reports/payload.h"
#include "reports/source.h"

/* Bytes looked at to decide what a stream holds, and the chunk size
 * streams read and hand to the sink. */
#define SRC_SNIFF_MAX 4096
#define SRC_CHUNK (64 * 1024)

/* One walk: limits in force, where payloads go, what was found. */
struct src_walk {
    struct tk_payload_limits lim;
    const struct tk_payload_sink *sink;
    struct tk_source_stats *stats;
    size_t budget; /* bytes that may still be decompressed for this file or message */
};

/* A stream. read returns a chunk (> 0 bytes, *buf pointing at it, valid
 * until the next call), 0 at the end, or -1 with err set. */
struct src_in {
    ssize_t (*read)(void *ctx, const void **buf, struct tk_error *err);
    void *ctx;
    unsigned char head[SRC_SNIFF_MAX]; /* the first bytes, once peeked */
    size_t head_len;
    size_t head_off;           /* bytes of head already read back */
    const unsigned char *rest; /* the part of the last peeked chunk past head */
    size_t rest_len;
    bool peeked;
    bool eof;
    bool failed; /* a read failed: err says why; later reads fail the same */
    struct tk_error err;
};

/* How a stream is looked at: inside a mail part declared text/... (no
 * message or mbox is looked for there: a text/rfc822-headers part or a
 * quoted header block is not a message to open), and inside mail at all
 * (what is not a report is counted, not described). */
#define SRC_IN_TEXT 0x1u
#define SRC_IN_MAIL 0x2u

/* src_in_init makes in a stream over read/ctx. */
void src_in_init(struct src_in *in, ssize_t (*read)(void *, const void **, struct tk_error *),
                 void *ctx);

/* src_in_peek fills in->head with up to SRC_SNIFF_MAX first bytes
 * (fewer at the end). -1 on a read error (in->err). */
int src_in_peek(struct src_in *in);

/* src_in_read returns the next chunk, head first: > 0, 0 at the end, -1
 * on error (in->err, kept: later calls fail the same). */
ssize_t src_in_read(struct src_in *in, const void **buf);

/* src_stream looks at what in holds and hands it on: a payload to the
 * sink, an archive or a message opened one level deeper (depth counts
 * the levels already entered), an mbox split. o names in; it is pushed
 * to and popped back as the walk goes down. */
void src_stream(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth,
                unsigned flags);

/* src_gzip and src_zip open a gzip stream or a zip archive read from in
 * (already known to be one) at depth (the level they are). */
void src_gzip(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth);
void src_zip(struct src_walk *w, struct src_in *in, struct tk_payload_origin *o, size_t depth);

/* src_mail parses len bytes at buf as one message at depth and streams
 * what it holds. label names it in origins ("message 3"; NULL: only its
 * Message-ID). Returns TK_OK, or the status of a message that could not
 * be read (a skip is recorded as well). */
enum tk_status src_mail(struct src_walk *w, const void *buf, size_t len,
                        struct tk_payload_origin *o, size_t depth, const char *label,
                        struct tk_error *err);

/* src_skip counts a skipped item and keeps "<origin>: <why>" (printf) for
 * people while there is room. o may be NULL. */
void src_skip(struct src_walk *w, const struct tk_payload_origin *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* src_origin_push appends ": " and a printf segment (made printable, cut
 * to fit) to o and returns the length to give src_origin_pop. */
size_t src_origin_push(struct tk_payload_origin *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void src_origin_pop(struct tk_payload_origin *o, size_t len);

/* src_size_text writes n bytes as "64 MB", "512 KB" or "1000 bytes". */
void src_size_text(size_t n, char *out, size_t outlen);

/* src_nested_ok is true when one more level fits under the nesting
 * limit; when not, it records why o is skipped. */
bool src_nested_ok(struct src_walk *w, const struct tk_payload_origin *o, size_t depth);

#endif
