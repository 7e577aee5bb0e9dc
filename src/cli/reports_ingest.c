/*
 * NAME
 *	reports_ingest.c - tiaki reports ingest: sources into the store
 * DESCRIPTION
 *	One payload sink for both kinds of report: DMARC XML streams into
 *	the store a record at a time inside the report's transaction
 *	(reports/dmarc_xml.h, store/store_reports.h); TLS-RPT JSON is parsed
 *	whole (it is small) and kept in one transaction. Sources are paths
 *	(files, directories, Maildirs, mboxes) or IMAP mailboxes; a bad
 *	payload is reported and the rest of the batch goes on. Afterwards
 *	the DKIM selectors the reports showed are added to the inventory's
 *	domains, so tiaki check tests them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reports.h"
#include "core/text.h"

struct ingest {
    struct tk_store *store;
    bool quiet;
    struct tk_payload_limits lim;
    struct tk_dmarc_xml_sink dsink;
    struct tk_payload_sink dpayload;
    struct tk_tlsrpt_sink tsink;
    struct tk_payload_sink tpayload;
    const struct tk_payload_sink *current;
    bool open;      /* a DMARC report's transaction is open */
    bool duplicate; /* the current DMARC report was kept before */
    struct reports_ingest_stats *st;
};

static void ingest_say(struct ingest *in, const char *what, const char *origin, const char *why)
{
    char o[TK_PAYLOAD_ORIGIN_MAX], w[TK_ERROR_MSG_MAX];

    tk_strlcpy(o, origin, sizeof(o));
    tk_strlcpy(w, why ? why : "", sizeof(w));
    tk_text_sanitise(o);
    tk_text_sanitise(w);
    fprintf(stderr, "tiaki reports: %s: %s%s%s\n", o, what, w[0] ? ": " : "", w);
}

/* ---- DMARC ---- */

static enum tk_status ingest_meta(void *arg, const struct tk_dmarc_xml_meta *m,
                                  struct tk_error *err)
{
    struct ingest *in = arg;
    enum tk_status st;

    st = tk_store_dmarc_begin(in->store, m, in->dsink.origin.text, &in->duplicate, err);
    if (st != TK_OK)
        return st;
    if (in->duplicate)
        return tk_error_set(err, TK_ABSENT, "kept before (same reporter, id and dates)");
    in->open = true;
    return TK_OK;
}

static enum tk_status ingest_record(void *arg, const struct tk_dmarc_xml_record *r,
                                    struct tk_error *err)
{
    struct ingest *in = arg;

    return tk_store_dmarc_record(in->store, r, err);
}

static void ingest_done(void *arg, const struct tk_payload_origin *origin, enum tk_status st,
                        const struct tk_dmarc_xml_result *res, const struct tk_error *err)
{
    struct ingest *in = arg;
    struct tk_error cerr = {0};

    if (in->duplicate) {
        in->st->duplicates++;
        in->duplicate = false;
        return;
    }
    if (st == TK_OK && in->open &&
        tk_store_dmarc_commit(in->store, res->records_delivered, res->messages, &cerr) == TK_OK) {
        in->open = false;
        in->st->dmarc++;
        in->st->records += res->records_delivered;
        in->st->messages += res->messages;
        if (res->records_skipped && !in->quiet)
            ingest_say(in, "records skipped", origin->text, res->nnotes ? res->notes[0] : "");
        return;
    }
    if (in->open)
        tk_store_dmarc_rollback(in->store);
    in->open = false;
    in->st->rejected++;
    ingest_say(in, "DMARC report rejected", origin->text, cerr.msg[0] ? cerr.msg : err->msg);
}

/* ---- TLS-RPT ---- */

static enum tk_status ingest_tlsrpt(void *arg, const struct tk_tlsrpt_report *r,
                                    const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct ingest *in = arg;
    bool dup = false;
    enum tk_status st = tk_store_tlsrpt_put(in->store, r, origin->text, &dup, err);

    if (st == TK_OK && dup)
        in->st->duplicates++;
    else if (st == TK_OK)
        in->st->tlsrpt++;
    return st;
}

/* ---- the sink both go through ---- */

static enum tk_status ingest_begin(void *arg, enum tk_payload_kind kind,
                                   const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct ingest *in = arg;

    in->current = kind == TK_PAYLOAD_DMARC_XML ? &in->dpayload : &in->tpayload;
    return in->current->begin(in->current->arg, kind, origin, err);
}

static enum tk_status ingest_data(void *arg, const void *buf, size_t len, struct tk_error *err)
{
    struct ingest *in = arg;

    return in->current->data(in->current->arg, buf, len, err);
}

static enum tk_status ingest_end(void *arg, bool complete, const char *why, struct tk_error *err)
{
    struct ingest *in = arg;
    enum tk_status st = in->current->end(in->current->arg, complete, why, err);

    if (in->current == &in->tpayload && st != TK_OK) {
        in->st->rejected++;
        ingest_say(in, "TLS-RPT report rejected", in->tsink.origin.text, err->msg);
    }
    return st;
}

static struct ingest *ingest_new(struct tk_store *s, const struct tk_payload_limits *lim,
                                 bool quiet, struct reports_ingest_stats *st,
                                 struct tk_payload_sink *sink)
{
    static const struct tk_dmarc_xml_callbacks cb = {ingest_meta, ingest_record};
    struct ingest *in = calloc(1, sizeof(*in));

    if (in == NULL)
        return NULL;
    in->store = s;
    in->quiet = quiet;
    in->lim = *lim;
    in->st = st;
    tk_dmarc_xml_sink_init(&in->dsink, &cb, ingest_done, in, NULL, &in->dpayload);
    tk_tlsrpt_sink_init(&in->tsink, lim->decompressed_max, ingest_tlsrpt, in);
    in->tpayload = tk_tlsrpt_sink_payload(&in->tsink);
    *sink = (struct tk_payload_sink){ingest_begin, ingest_data, ingest_end, in};
    return in;
}

static void ingest_free(struct ingest *in)
{
    tk_dmarc_xml_sink_close(&in->dsink);
    if (in->open)
        tk_store_dmarc_rollback(in->store);
    tk_tlsrpt_sink_free(&in->tsink);
    free(in);
}

static void ingest_source_stats(const struct tk_source_stats *ss, struct reports_ingest_stats *st,
                                bool quiet)
{
    size_t i;

    st->files += ss->files;
    st->mails += ss->messages;
    st->skipped += ss->skipped;
    for (i = 0; !quiet && i < ss->nskip; i++)
        fprintf(stderr, "tiaki reports: %s\n", ss->skip[i]);
}

/* ---- IMAP ---- */

struct ingest_imap {
    struct ingest *in;
    const struct tk_payload_sink *sink;
    struct reports_ingest_stats *st;
    bool quiet;
};

static enum tk_status ingest_imap_message(void *arg, const void *msg, size_t len,
                                          const char *origin, struct tk_error *err)
{
    struct ingest_imap *im = arg;
    struct tk_source_stats ss;
    enum tk_status st;
    size_t before = im->st->dmarc + im->st->tlsrpt + im->st->duplicates;

    memset(&ss, 0, sizeof(ss));
    st = tk_report_source_message(msg, len, origin, &im->in->lim, im->sink, &ss, err);
    ingest_source_stats(&ss, im->st, im->quiet);
    if (st == TK_NOMEM || st == TK_IO)
        return st;
    /* A mail with a report in it is taken (moved); one without stays. */
    if (im->st->dmarc + im->st->tlsrpt + im->st->duplicates > before)
        return TK_OK;
    return tk_error_set(err, TK_ABSENT, "no report in it");
}

static int ingest_imap(struct ingest *in, const struct tk_payload_sink *sink, const char *url,
                       const struct reports_options *o, struct reports_ingest_stats *st)
{
    struct ingest_imap im = {in, sink, st, o->quiet};
    struct tk_imap_options io = {0};
    struct tk_imap_stats is = {0};
    struct tk_error err = {0};
    const char *pw = getenv("TIAKI_IMAP_PASSWORD");

    io.url = url;
    io.password = pw && pw[0] ? pw : tk_cli_config.imap_password;
    io.ca_file = o->ca_file;
    io.connect_to = o->imap_connect;
    io.move_to = o->move_to;
    io.which = o->imap_all ? TK_IMAP_ALL : TK_IMAP_UNSEEN;
    if (io.password == NULL || io.password[0] == '\0') {
        fprintf(stderr,
                "tiaki reports: %s: no IMAP password: set [reports] imap_password in "
                "the configuration or TIAKI_IMAP_PASSWORD\n",
                url);
        return 2;
    }
    if (tk_imap_fetch(&io, ingest_imap_message, &im, &is, &err) != TK_OK) {
        fprintf(stderr, "tiaki reports: %s\n", err.msg);
        return err.code == TK_USAGE ? 2 : 3;
    }
    st->mails += 0;
    if (!o->quiet)
        printf("%s: %zu messages, %zu with reports%s%s\n", url, is.fetched, is.accepted,
               is.moved ? ", moved to " : "", is.moved ? o->move_to : "");
    return -1;
}

int reports_ingest(struct tk_store *s, char **sources, size_t n, const struct reports_options *o,
                   struct reports_ingest_stats *st)
{
    struct tk_payload_sink sink;
    struct tk_source_stats ss;
    struct tk_error err = {0};
    struct ingest *in;
    int rc = -1;
    size_t i;

    if ((in = ingest_new(s, &o->limits, o->quiet, st, &sink)) == NULL)
        return 3;
    for (i = 0; i < n && rc != 3; i++) {
        if (strncmp(sources[i], "imap://", 7) == 0 || strncmp(sources[i], "imaps://", 8) == 0) {
            int r = ingest_imap(in, &sink, sources[i], o, st);

            rc = r >= 0 ? r : rc;
            continue;
        }
        memset(&ss, 0, sizeof(ss));
        if (tk_report_source_path(sources[i], &o->limits, &sink, &ss, &err) != TK_OK) {
            fprintf(stderr, "tiaki reports: %s\n", err.msg);
            rc = err.code == TK_NOMEM ? 3 : 1;
        }
        ingest_source_stats(&ss, st, o->quiet);
    }
    ingest_free(in);
    return rc;
}
