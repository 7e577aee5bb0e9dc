/*
 * NAME
 *	test_report_source.c - unit tests of the report sources
 * DESCRIPTION
 *	Every file of the parsedmarc samples through tk_report_source_path,
 *	with a sink that records each payload (kind, origin, byte count,
 *	first bytes, SHA-256). The digests of compressed and mailed reports
 *	were computed independently when this test was written (gzip -dc,
 *	unzip -p, python3's email module for the attachments) and are
 *	literals here. Then hostile and awkward inputs made by the test with
 *	zlib and libarchive: gzip and zip bombs, a zip of 10,000 entries,
 *	entry names with "../" and NUL, archives nested past the limit, a
 *	Maildir, an mbox, reports inline, under a wrong Content-Type and in
 *	message/rfc822, directory walks with links, FIFOs and depth, and a
 *	sink that refuses.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/limits.h"
#include "reports/source.h"

#define SAMPLES "testdata/reports/parsedmarc-samples"
#define MB ((size_t)1024 * 1024)

/* ---- the recording sink ---- */

#define RECS_MAX 128

struct rec {
    enum tk_payload_kind kind;
    char origin[TK_PAYLOAD_ORIGIN_MAX];
    size_t bytes;
    unsigned char first[32];
    size_t nfirst;
    char sha[65];
    bool complete;
    char why[TK_ERROR_MSG_MAX];
};

struct recorder {
    struct rec r[RECS_MAX];
    size_t n; /* payloads begun */
    size_t chunk_max;
    bool open;
    EVP_MD_CTX *md;
    enum tk_status refuse_begin; /* TK_OK: accept */
    size_t refuse_after;         /* refuse data past this many bytes (0: never) */
};

static struct rec *rec_cur(struct recorder *t)
{
    return &t->r[(t->n - 1) % RECS_MAX];
}

static enum tk_status rec_begin(void *arg, enum tk_payload_kind kind,
                                const struct tk_payload_origin *origin, struct tk_error *err)
{
    struct recorder *t = arg;
    struct rec *r;

    assert_false(t->open);
    t->open = true;
    t->n++;
    r = rec_cur(t);
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    snprintf(r->origin, sizeof(r->origin), "%s", origin->text);
    assert_true(EVP_DigestInit_ex(t->md, EVP_sha256(), NULL));
    if (t->refuse_begin != TK_OK)
        return tk_error_set(err, t->refuse_begin, "the sink refused it");
    return TK_OK;
}

static enum tk_status rec_data(void *arg, const void *buf, size_t len, struct tk_error *err)
{
    struct recorder *t = arg;
    struct rec *r = rec_cur(t);
    size_t take;

    assert_true(t->open);
    assert_true(len > 0 && len <= 64 * 1024);
    if (len > t->chunk_max)
        t->chunk_max = len;
    take = len < sizeof(r->first) - r->nfirst ? len : sizeof(r->first) - r->nfirst;
    memcpy(r->first + r->nfirst, buf, take);
    r->nfirst += take;
    r->bytes += len;
    assert_true(EVP_DigestUpdate(t->md, buf, len));
    if (t->refuse_after > 0 && r->bytes > t->refuse_after)
        return tk_error_set(err, TK_INVALID, "not well-formed at byte %zu", t->refuse_after);
    return TK_OK;
}

static enum tk_status rec_end(void *arg, bool complete, const char *why, struct tk_error *err)
{
    struct recorder *t = arg;
    struct rec *r = rec_cur(t);
    unsigned char md[32];
    unsigned len = 0;
    size_t i;

    (void)err;
    assert_true(t->open);
    t->open = false;
    r->complete = complete;
    if (!complete) {
        assert_non_null(why);
        snprintf(r->why, sizeof(r->why), "%s", why);
    }
    assert_true(EVP_DigestFinal_ex(t->md, md, &len));
    for (i = 0; i < 32; i++)
        snprintf(r->sha + 2 * i, 3, "%02x", md[i]);
    return TK_OK;
}

static struct recorder *rec_new(void)
{
    struct recorder *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    t->md = EVP_MD_CTX_new();
    assert_non_null(t->md);
    return t;
}

static void rec_free(struct recorder *t)
{
    EVP_MD_CTX_free(t->md);
    free(t);
}

static struct tk_payload_sink rec_sink(struct recorder *t)
{
    struct tk_payload_sink s = {rec_begin, rec_data, rec_end, t};

    return s;
}

/* sha_hex is the SHA-256 of len bytes, in hex, as the test computes it. */
static void sha_hex(const void *p, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned n = 0;
    size_t i;

    assert_true(EVP_Digest(p, len, md, &n, EVP_sha256(), NULL));
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* A run: a fresh recorder and stats, the source called once. */
struct run {
    struct recorder *t;
    struct tk_source_stats *s;
    enum tk_status st;
    struct tk_error err;
    long long ms;
};

static void run_path(struct run *r, const char *path, const struct tk_payload_limits *lim)
{
    struct tk_payload_sink sink;
    long long t0 = tk_now_ms();

    r->t = rec_new();
    r->s = calloc(1, sizeof(*r->s));
    assert_non_null(r->s);
    sink = rec_sink(r->t);
    tk_error_clear(&r->err);
    r->st = tk_report_source_path(path, lim, &sink, r->s, &r->err);
    r->ms = tk_now_ms() - t0;
    assert_false(r->t->open);
    assert_int_equal(r->t->n, r->s->payloads[0] + r->s->payloads[1]);
}

static void run_message(struct run *r, const void *buf, size_t len,
                        const struct tk_payload_limits *lim)
{
    struct tk_payload_sink sink;

    r->t = rec_new();
    r->s = calloc(1, sizeof(*r->s));
    assert_non_null(r->s);
    sink = rec_sink(r->t);
    tk_error_clear(&r->err);
    r->st = tk_report_source_message(buf, len, "imap: UID 7", lim, &sink, r->s, &r->err);
    assert_false(r->t->open);
    assert_int_equal(r->t->n, r->s->payloads[0] + r->s->payloads[1]);
}

static void run_free(struct run *r)
{
    rec_free(r->t);
    free(r->s);
}

/* skip_has: a kept skip reason contains sub. */
static bool skip_has(const struct tk_source_stats *s, const char *sub)
{
    size_t i;

    for (i = 0; i < s->nskip; i++)
        if (strstr(s->skip[i], sub) != NULL)
            return true;
    return false;
}

static void dump(const struct run *r)
{
    size_t i;

    print_message("status %s '%s': files %zu messages %zu archives %zu xml %zu json %zu "
                  "rejected %zu parts %zu skipped %zu\n",
                  tk_status_name(r->st), r->err.msg, r->s->files, r->s->messages, r->s->archives,
                  r->s->payloads[0], r->s->payloads[1], r->s->rejected, r->s->parts_skipped,
                  r->s->skipped);
    for (i = 0; i < r->t->n && i < RECS_MAX; i++)
        print_message("  payload %s %zu %s %s '%s'\n", r->t->r[i].kind ? "json" : "xml",
                      r->t->r[i].bytes, r->t->r[i].complete ? "complete" : "cut", r->t->r[i].origin,
                      r->t->r[i].why);
    for (i = 0; i < r->s->nskip; i++)
        print_message("  skip %s\n", r->s->skip[i]);
}

/* ---- the samples ---- */

struct sample {
    const char *file;
    size_t xml, json;
    const char *sha; /* the one payload's digest (NULL: none) */
    size_t bytes;
    const char *skip;        /* the one skip reason (NULL: none) */
    const char *origin_tail; /* the payload's origin ends so (NULL: the path) */
};

#define AGG "aggregate/"
#define XML1(f, sha, n)                                                                            \
    {                                                                                              \
        AGG f, 1, 0, sha, n, NULL, NULL                                                            \
    }

static const struct sample samples[] = {
    XML1("!example.com!1538204542!1538463818.xml",
         "a2eb611c109c47466a242496ca0cae052686fdb20e0929c0c69b7fb9398ede2a", 866),
    XML1("!large-example.com!1711897200!1711983600.xml",
         "5f08ce8093b6265c7094198a3b61a6f68b50267fec879cb68cfc47477c6fde27", 909324),
    XML1("addisonfoods.com!example.com!1536105600!1536191999.xml",
         "d0352091939aa70b3cf074a07b960aad67131e4e29e75e4475a4786244f3f6c1", 1101),
    XML1("empty_reason.xml", "985fdb4cb182cfa1588a2443a9c5468022f01badd79d48f2e9c7e965a90c806d",
         1494),
    XML1("example.net!example.com!1529366400!1529452799.xml",
         "5dc9f77d35646f13b4c320f352b2ccd00806bf0cd2d12706bfb9d2841843b532", 951),
    XML1("ikea.com!example.de!1538690400!1538776800.xml",
         "e87412b29ee0c7ff35bdbb6a4370b732b5013c990aba3482198783f83d4e6bca", 1244),
    XML1("invalid_utf_8.xml", "eefe7551fd3e99bc907fbb16dd4d2bad5fe081298525694761834984fdba3ece",
         864),
    XML1("invalid_xml.xml", "7de94b821845e0649472dcacdc7083c83ca4bfcf39a36b28052dacf2b4c9ec4f",
         867),
    XML1("old_draft_from_wiki.xml",
         "183c5c588516ec98bb61d2d3ef74d78afe9197e8e86771ec6fc97394abf78d40", 1406),
    XML1("protection.outlook.com!example.com!1711756800!1711843200.xml",
         "533747ed0b2ac7fb746173868b14e5a9e179e6329f556442a766c1208320d781", 1219),
    XML1("rfc9990-example.net!example.com!1700000000!1700086399.xml",
         "1262f38f55da55e930c752acb47d6fc39ffa31659990c8d2674ce7cf82ec2e69", 1953),
    XML1("rfc9990-sample.xml", "02e74d82fb5dc1fb632ffddaf3347ac3e12d2ffd238b7e2010298f1918e7b5de",
         1337),
    XML1("usssa.com!example.com!1538784000!1538870399.xml",
         "2f113f2bcd03133c4f63800d75ace45802dcad110ba685c5233499a32af741d3", 1341),
    XML1("veeam.com!example.com!1530133200!1530219600.xml",
         "bb1e135650870bc770b9ddca02e06fd64aece26adc8aacf41990faab88c3182f", 872),
    /* gzip -dc */
    {AGG "fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz", 1, 0,
     "83cc277330318e61d32a495cdfb007f5b0b06a532c37887ff5d9c7fba6287d47", 1146, NULL,
     ".xml.gz: fastmail.com!example.com!1516060800!1516147199!102675056.xml"},
    /* unzip -p */
    {AGG "estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip", 1, 0,
     "fb1e6fc9f8d07630ba24b78281f7c13f96535a9c40b86f244551d5ec76b1b9a0", 887, NULL,
     ".xml.zip: estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml"},
    /* python3 email: the application/zip attachment, then unzip -p */
    {AGG "Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml", 1,
     0, "0d7c79c23645c388702e173deb5973ba50fa25d77b1c2900c85ef4ab1858472e", 1064, NULL,
     ".eml: message (Message-ID <949348866075514174@google.com>): attachment "
     "google.com!borschow.com!1549929600!1550015999.zip: "
     "google.com!borschow.com!1549929600!1550015999.xml"},
    /* the whole body is application/gzip, with a CRLF after the gzip */
    {AGG "mimecast-weird-gzip.eml", 1, 0,
     "72514b3544cfae555c3640b8b525e731a2d062d9ed49912328b9baac9161cfdb", 1260, NULL,
     ".eml: message (Message-ID <4973f467-4c66-4341-a50a-cf1a87033376@au-1.mimecastreport.com>): "
     "attachment mimecast.org!ab.id.au!1693353600!1693439999!"
     "157a5fe30ec76f4bc0d8bccfc96c118a167a1280fee7c7465af5115e73082e5e.xml.gz: "
     "mimecast.org!ab.id.au!1693353600!1693439999!"
     "157a5fe30ec76f4bc0d8bccfc96c118a167a1280fee7c7465af5115e73082e5e.xml"},
    {AGG "twilight.eml", 1, 0, "ea6ae16a16b799d91fbf60a2c35d596bbc89dd3ce3310fb7a9823c60a74692ca",
     1186, NULL,
     "twilight.eml: message (Message-ID <1627703331531660819@google.com>): attachment "
     "google.com!twlnet.com!1549756800!1549843199.zip: google.com!twlnet.com!1549756800!"
     "1549843199.xml"},
    {"aggregate_invalid/report_with_upper_cased_pass.xml", 1, 0,
     "2dbb2eedd6f9ded888bbc6c5f27a7a426230abaffddfd9c30061edd20ca579ee", 1028, NULL, NULL},
    {"extract_report/changed-input.xml", 1, 0,
     "104bce4c08d491d612c416ed17f530be43084fcc3f15a6648bcf27888324bfc7", 15157, NULL, NULL},
    {"extract_report/nice-input.xml", 1, 0,
     "7005e63ffe9446bfad3c201469e1a0fb7ff3b58978b48b857f0bf8de7fcb1dd6", 15159, NULL, NULL},
    {"extract_report/nice-input.xml.gz", 1, 0,
     "7005e63ffe9446bfad3c201469e1a0fb7ff3b58978b48b857f0bf8de7fcb1dd6", 15159, NULL,
     "nice-input.xml.gz: nice-input.xml"},
    {"extract_report/nice-input.xml.zip", 1, 0,
     "7005e63ffe9446bfad3c201469e1a0fb7ff3b58978b48b857f0bf8de7fcb1dd6", 15159, NULL,
     "nice-input.xml.zip: nice-input.xml"},
    /* failure reports (ARF, and one without its ARF part) hold none */
    {"failure/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, "
     "ip=10.10.10.10).eml",
     0, 0, NULL, 0, "a failure report (ARF), not an aggregate report: skipped", NULL},
    {"failure/[Netease DMARC Failure Report] Rent Reminder.eml", 0, 0, NULL, 0,
     "a failure report (ARF), not an aggregate report: skipped", NULL},
    {"failure/dmarc_ruf_report_linkedin.crlf.eml", 0, 0, NULL, 0,
     "a failure report (ARF), not an aggregate report: skipped", NULL},
    {"failure/dmarc_ruf_report_linkedin.eml", 0, 0, NULL, 0,
     "a failure report (ARF), not an aggregate report: skipped", NULL},
    {"failure/exim_plain_text_only_no_arf_part.eml", 0, 0, NULL, 0,
     "no DMARC or TLS report in it: not an aggregate report: skipped", NULL},
    /* TLS-RPT */
    {"smtp_tls/mail.ru.json", 0, 1,
     "d29bde9cf1730326a23f8cf69872553ddc502b805da962010f384549a30acdcf", 975, NULL, NULL},
    {"smtp_tls/rfc8460.json", 0, 1,
     "413b9b833661af6c4161a5198b59aff93fa7099da52fd421ee0f2f666b585cbe", 1652, NULL, NULL},
    {"smtp_tls/smtp_tls.json", 0, 1,
     "88a2cd463ab43bcce21ca2dc8a51489ad08619e533fa970c2b26a690ea01ecff", 1329, NULL, NULL},
    /* python3 email: the application/tlsrpt+gzip attachment, then gzip -dc */
    {"smtp_tls/google.com_smtp_tls_report.eml", 0, 1,
     "84e9e8723cf36a5f08f1e0746620d792970cc0a9fe6a0760345034d392eb6965", 402, NULL,
     "google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz: gzip content"},
    {"empty.xml", 0, 0, NULL, 0, "empty.xml: empty: skipped", NULL},
};

static void check_sample(const struct sample *c)
{
    char rel[512];
    const char *path;
    struct run r;

    snprintf(rel, sizeof(rel), SAMPLES "/%s", c->file);
    path = testutil_shared_path(rel);
    run_path(&r, path, NULL);
    if (r.st != TK_OK || r.s->payloads[0] != c->xml || r.s->payloads[1] != c->json ||
        r.s->nskip != (c->skip ? 1u : 0u) || r.s->rejected != 0) {
        print_message("sample %s\n", c->file);
        dump(&r);
    }
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.s->files, 1);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], c->xml);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_TLSRPT_JSON], c->json);
    assert_int_equal(r.s->rejected, 0);
    if (c->sha != NULL) {
        const struct rec *p = &r.t->r[0];

        assert_int_equal(p->kind, c->xml ? TK_PAYLOAD_DMARC_XML : TK_PAYLOAD_TLSRPT_JSON);
        assert_true(p->complete);
        assert_int_equal(p->bytes, c->bytes);
        assert_string_equal(p->sha, c->sha);
        assert_true(p->first[0] == (c->xml ? '<' : '{'));
        assert_true(strncmp(p->origin, path, strlen(path)) == 0);
        if (c->origin_tail == NULL)
            assert_string_equal(p->origin, path);
        else if (strstr(p->origin, c->origin_tail) == NULL ||
                 strcmp(p->origin + strlen(p->origin) - strlen(c->origin_tail), c->origin_tail))
            fail_msg("origin '%s' does not end '%s'", p->origin, c->origin_tail);
        assert_true(testutil_printable(p->origin));
    }
    assert_int_equal(r.s->skipped, c->skip ? 1 : 0);
    if (c->skip != NULL) {
        assert_non_null(strstr(r.s->skip[0], c->skip));
        assert_true(strncmp(r.s->skip[0], path, strlen(path)) == 0);
    }
    run_free(&r);
}

static void test_samples(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEM(samples); i++)
        check_sample(&samples[i]);
}

/* Every report file of the samples is in the table above, and the
 * folder as a whole gives the sum (the walk adds LICENSE and SOURCE,
 * which are not reports). */
static void test_samples_folder(void **state)
{
    static const char *const dirs[] = {"aggregate", "aggregate_invalid", "extract_report",
                                       "failure", "smtp_tls"};
    size_t i, k, files = 0, xml = 0, json = 0, skips = 0;
    struct dirent *de;
    char rel[256];
    struct run r;
    DIR *d;

    (void)state;
    for (i = 0; i < NELEM(dirs); i++) {
        snprintf(rel, sizeof(rel), SAMPLES "/%s", dirs[i]);
        d = opendir(testutil_shared_path(rel));
        assert_non_null(d);
        while ((de = readdir(d)) != NULL) {
            char want[512];
            bool found = false;

            if (de->d_name[0] == '.')
                continue;
            snprintf(want, sizeof(want), "%s/%s", dirs[i], de->d_name);
            for (k = 0; k < NELEM(samples) && !found; k++)
                found = strcmp(samples[k].file, want) == 0;
            if (!found)
                fail_msg("sample %s is not in the table", want);
            files++;
        }
        closedir(d);
    }
    assert_int_equal(files + 1, NELEM(samples)); /* + empty.xml */
    for (k = 0; k < NELEM(samples); k++) {
        xml += samples[k].xml;
        json += samples[k].json;
        skips += samples[k].skip != NULL;
    }
    run_path(&r, testutil_shared_path(SAMPLES), NULL);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.s->files, NELEM(samples) + 2);
    assert_int_equal(r.s->directories, 6);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], xml);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_TLSRPT_JSON], json);
    assert_int_equal(xml, 24);
    assert_int_equal(json, 4);
    assert_int_equal(r.s->skipped, skips + 2);
    assert_true(skip_has(r.s, "/LICENSE: not a report"));
    assert_true(skip_has(r.s, "/SOURCE: not a report"));
    /* messages: 3 aggregate, 1 TLS, 5 failure */
    assert_int_equal(r.s->messages, 9);
    /* in name order */
    assert_non_null(strstr(r.t->r[0].origin, "aggregate/!example.com!"));
    assert_non_null(strstr(r.t->r[r.t->n - 1].origin, "smtp_tls/smtp_tls.json"));
    run_free(&r);
}

/* ---- making hostile files ---- */

static char tmpdir[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_report_source.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tpath(const char *rel)
{
    static char p[8][512];
    static int i;

    i = (i + 1) % 8;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, rel);
    return p[i];
}

static void write_file(const char *rel, const void *p, size_t len)
{
    FILE *f = fopen(tpath(rel), "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_buf(const char *rel, const struct tk_buf *b)
{
    write_file(rel, b->data, b->len);
}

static void mkdir_t(const char *rel)
{
    assert_int_equal(mkdir(tpath(rel), 0700), 0);
}

/* gzip_add appends len bytes compressed as one gzip member. */
static void gzip_add(struct tk_buf *out, const void *p, size_t len)
{
    z_stream z;
    unsigned char buf[64 * 1024];
    int r;

    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)len;
    do {
        z.next_out = buf;
        z.avail_out = sizeof(buf);
        r = deflate(&z, Z_FINISH);
        assert_true(r == Z_OK || r == Z_STREAM_END);
        assert_int_equal(tk_buf_append(out, buf, sizeof(buf) - z.avail_out), TK_OK);
    } while (r != Z_STREAM_END);
    deflateEnd(&z);
}

static void put16(struct tk_buf *b, unsigned v)
{
    unsigned char x[2] = {v & 0xff, (v >> 8) & 0xff};

    assert_int_equal(tk_buf_append(b, x, 2), TK_OK);
}

static void put32(struct tk_buf *b, unsigned long v)
{
    put16(b, v & 0xffff);
    put16(b, (v >> 16) & 0xffff);
}

struct zent {
    const char *name;
    size_t name_len; /* 0: strlen(name) */
    const void *data;
    size_t len;
};

/* zip_stored writes a zip of stored entries by hand, so names can hold
 * what libarchive's writer would not (a NUL). */
static void zip_stored(struct tk_buf *out, const struct zent *e, size_t n)
{
    struct tk_buf cd = {0};
    size_t i, start = out->len;

    for (i = 0; i < n; i++) {
        size_t nl = e[i].name_len ? e[i].name_len : strlen(e[i].name);
        unsigned long crc = crc32(0, e[i].data, (uInt)e[i].len);
        size_t off = out->len - start;

        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0);
        put32(out, crc), put32(out, e[i].len), put32(out, e[i].len);
        put16(out, nl), put16(out, 0);
        tk_buf_append(out, e[i].name, nl);
        tk_buf_append(out, e[i].data, e[i].len);
        put32(&cd, 0x02014b50);
        put16(&cd, 20), put16(&cd, 20), put16(&cd, 0), put16(&cd, 0), put16(&cd, 0);
        put16(&cd, 0), put32(&cd, crc), put32(&cd, e[i].len), put32(&cd, e[i].len);
        put16(&cd, nl), put16(&cd, 0), put16(&cd, 0), put16(&cd, 0), put16(&cd, 0);
        put32(&cd, 0), put32(&cd, off);
        tk_buf_append(&cd, e[i].name, nl);
    }
    put32(&cd, 0x06054b50);
    put16(&cd, 0), put16(&cd, 0), put16(&cd, n), put16(&cd, n);
    put32(&cd, cd.len - 4 - 2 * 4), put32(&cd, out->len - start), put16(&cd, 0);
    tk_buf_append(out, cd.data, cd.len);
    tk_buf_free(&cd);
}

/* zip_one is zip_stored of one entry. */
static void zip_one(struct tk_buf *out, const char *name, const void *p, size_t len)
{
    struct zent e = {name, 0, p, len};

    zip_stored(out, &e, 1);
}

static const char report_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback><report_metadata><org_name>test"
    "</org_name><report_id>t-1</report_id></report_metadata></feedback>\n";
static const char report_json[] =
    "{\"organization-name\":\"T\",\"report-id\":\"t-1\",\"policies\":[]}";

/* ---- bombs ---- */

/* gzip_bomb: an XML head, then n MB of spaces as n gzip members of one
 * MB each (RFC 1952 2.2: a gzip file is a series of members; gzip -dc
 * and libarchive read them all), made in milliseconds. */
static void gzip_bomb(struct tk_buf *out, size_t n, bool xml)
{
    struct tk_buf one = {0};
    char *spaces = malloc(MB);
    size_t i;

    assert_non_null(spaces);
    memset(spaces, xml ? ' ' : 0, MB);
    if (xml)
        gzip_add(out, report_xml, 60);
    gzip_add(&one, spaces, MB);
    for (i = 0; i < n; i++)
        assert_int_equal(tk_buf_append(out, one.data, one.len), TK_OK);
    tk_buf_free(&one);
    free(spaces);
}

static void test_gzip_bomb(void **state)
{
    struct tk_payload_limits lim = {MB, 0, 0, 0};
    struct tk_buf b = {0};
    struct rusage ru;
    struct run r;

    (void)state;
    gzip_bomb(&b, 1024, true); /* 1 GB of XML */
    assert_true(b.len < 2 * MB);
    write_buf("bomb.xml.gz", &b);
    tk_buf_free(&b);
    run_path(&r, tpath("bomb.xml.gz"), &lim);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], 1);
    assert_false(r.t->r[0].complete);
    assert_string_equal(r.t->r[0].why, "larger than 1 MB when decompressed");
    assert_true(r.t->r[0].bytes <= MB);
    assert_int_equal(r.s->rejected, 1);
    assert_int_equal(r.s->nskip, 1);
    assert_non_null(strstr(r.s->skip[0], "bomb.xml.gz: gzip content: larger than 1 MB when "
                                         "decompressed: skipped"));
    assert_true(r.ms < 2000);
    run_free(&r);

    /* the default cap: 64 MB */
    run_path(&r, tpath("bomb.xml.gz"), NULL);
    assert_false(r.t->r[0].complete);
    assert_string_equal(r.t->r[0].why, "larger than 64 MB when decompressed");
    assert_true(r.t->r[0].bytes <= 64 * MB);
    assert_true(r.t->chunk_max <= 64 * 1024);
    assert_true(r.ms < 10000);
    run_free(&r);
    /* memory stays bounded: nothing held the 64 MB */
    assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
    assert_true((size_t)ru.ru_maxrss * 1024 < 160 * MB);

    /* the cap holds for a report that was never compressed */
    {
        char *big = malloc(MB + 1);

        assert_non_null(big);
        memcpy(big, report_xml, 60);
        memset(big + 60, ' ', MB + 1 - 60);
        write_file("big.xml", big, MB);
        run_path(&r, tpath("big.xml"), &lim);
        assert_true(r.t->r[0].complete);
        assert_int_equal(r.t->r[0].bytes, MB);
        run_free(&r);
        write_file("big.xml", big, MB + 1);
        run_path(&r, tpath("big.xml"), &lim);
        assert_false(r.t->r[0].complete);
        assert_string_equal(r.t->r[0].why, "larger than 1 MB");
        assert_true(r.t->r[0].bytes <= MB);
        assert_true(skip_has(r.s, "big.xml: larger than 1 MB: skipped"));
        run_free(&r);
        free(big);
    }

    /* zeros are not a report: found so from the first bytes, unread */
    gzip_bomb(&b, 1024, false);
    write_buf("zeros.gz", &b);
    tk_buf_free(&b);
    run_path(&r, tpath("zeros.gz"), &lim);
    assert_int_equal(r.t->n, 0);
    assert_true(skip_has(r.s, "zeros.gz: gzip content: not a report"));
    assert_true(r.ms < 2000);
    run_free(&r);
}

/* zip_libarchive writes entries with libarchive's zip writer (deflate);
 * sizes[i] bytes each: report_xml, then spaces; declare: put the size in
 * the header (else it goes in a data descriptor). */
static void zip_libarchive(const char *rel, size_t n, const size_t *sizes, bool declare)
{
    struct archive *a = archive_write_new();
    char *chunk = malloc(MB);
    size_t i, left, k;

    assert_non_null(a);
    assert_non_null(chunk);
    memset(chunk, ' ', MB);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, tpath(rel)), ARCHIVE_OK);
    for (i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        char name[32];

        snprintf(name, sizeof(name), "r%05zu.xml", i + 1);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        if (declare)
            archive_entry_set_size(e, (la_int64_t)sizes[i]);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        k = sizes[i] < sizeof(report_xml) - 1 ? sizes[i] : sizeof(report_xml) - 1;
        assert_int_equal(archive_write_data(a, report_xml, k), (la_ssize_t)k);
        for (left = sizes[i] - k; left > 0; left -= k) {
            k = left < MB ? left : MB;
            assert_int_equal(archive_write_data(a, chunk, k), (la_ssize_t)k);
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    free(chunk);
}

static void test_zip_bomb(void **state)
{
    struct tk_payload_limits lim = {MB, 0, 0, 0};
    size_t sizes[5];
    size_t i;
    struct run r;

    (void)state;
    /* 32 MB in an entry whose size is only in the data descriptor:
     * inflated to the cap, then the archive ends (finding the next entry
     * would mean inflating the rest) */
    sizes[0] = 32 * MB;
    sizes[1] = 200;
    zip_libarchive("bomb.zip", 2, sizes, false);
    run_path(&r, tpath("bomb.zip"), &lim);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], 1);
    assert_false(r.t->r[0].complete);
    assert_string_equal(r.t->r[0].why, "larger than 1 MB when decompressed");
    assert_true(skip_has(r.s, "bomb.zip: r00001.xml: larger than 1 MB when decompressed: "
                              "skipped"));
    assert_true(skip_has(r.s, "bomb.zip: entries after entry 1 not looked at"));
    assert_true(r.ms < 2000);
    run_free(&r);

    /* declared in the local header: skipped without inflating, and the
     * next entry is read */
    zip_libarchive("declared.zip", 2, sizes, true);
    run_path(&r, tpath("declared.zip"), &lim);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], 1);
    assert_true(r.t->r[0].complete);
    assert_int_equal(r.t->r[0].bytes, 200);
    assert_non_null(strstr(r.t->r[0].origin, "declared.zip: r00002.xml"));
    assert_true(skip_has(r.s, "declared.zip: entry 1 (r00001.xml): larger than 1 MB when "
                              "decompressed: skipped"));
    run_free(&r);

    /* at the cap exactly: whole */
    sizes[0] = MB;
    zip_libarchive("atcap.zip", 1, sizes, false);
    run_path(&r, tpath("atcap.zip"), &lim);
    assert_true(r.t->r[0].complete);
    assert_int_equal(r.t->r[0].bytes, MB);
    assert_int_equal(r.s->skipped, 0);
    run_free(&r);

    /* the budget of one file: 4 x the cap, however it is spread */
    for (i = 0; i < 5; i++)
        sizes[i] = MB - 1000;
    zip_libarchive("budget.zip", 5, sizes, true);
    run_path(&r, tpath("budget.zip"), &lim);
    /* the fifth stops within its first bytes, before it is known to
     * be a report */
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], 4);
    for (i = 0; i < 4; i++)
        assert_true(r.t->r[i].complete);
    assert_int_equal(r.s->nskip, 1);
    assert_non_null(strstr(r.s->skip[0], "budget.zip: r00005.xml: more than 4 MB decompressed "
                                         "from one file or message: skipped"));
    run_free(&r);
}

static void test_zip_entries(void **state)
{
    size_t sizes[10000];
    size_t i;
    struct run r;

    (void)state;
    for (i = 0; i < NELEM(sizes); i++)
        sizes[i] = sizeof(report_xml) - 1;
    zip_libarchive("many.zip", NELEM(sizes), sizes, true);
    run_path(&r, tpath("many.zip"), NULL);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], TK_REPORT_ZIP_ENTRIES_MAX);
    assert_int_equal(r.s->nskip, 1);
    assert_non_null(strstr(r.s->skip[0], "many.zip: more than 64 entries: the rest skipped"));
    assert_non_null(strstr(r.t->r[63].origin, "many.zip: r00064.xml"));
    assert_true(r.ms < 2000);
    run_free(&r);

    /* a lower limit from the caller; and one above the hard bound is
     * clamped to it */
    {
        struct tk_payload_limits lim = {0, 3, 0, 0};

        run_path(&r, tpath("many.zip"), &lim);
        assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], 3);
        assert_true(skip_has(r.s, "more than 3 entries"));
        run_free(&r);
        lim.zip_entries_max = 100000;
        run_path(&r, tpath("many.zip"), &lim);
        assert_int_equal(r.s->payloads[TK_PAYLOAD_DMARC_XML], TK_REPORT_ZIP_ENTRIES_MAX);
        run_free(&r);
    }
}

static void test_zip_names(void **state)
{
    char longname[300];
    struct zent e[] = {
        {"../../etc/cron.d/x.xml", 0, report_xml, sizeof(report_xml) - 1},
        {"a.xml\0.exe", 10, report_xml, sizeof(report_xml) - 1},
        {"ok.xml", 0, report_xml, sizeof(report_xml) - 1},
        {longname, 0, report_xml, sizeof(report_xml) - 1},
        {"/abs.xml", 0, report_xml, sizeof(report_xml) - 1},
        {"bad\001name.xml", 0, report_xml, sizeof(report_xml) - 1},
        {"dir\\..\\up.xml", 0, report_xml, sizeof(report_xml) - 1},
        {"fine..name.xml", 0, report_json, sizeof(report_json) - 1},
    };
    struct tk_buf b = {0};
    struct run r;

    (void)state;
    memset(longname, 'n', 256);
    longname[256] = '\0';
    zip_stored(&b, e, NELEM(e));
    write_buf("names.zip", &b);
    tk_buf_free(&b);
    run_path(&r, tpath("names.zip"), NULL);
    if (r.t->n != 2 || r.s->skipped != 6)
        dump(&r);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.t->n, 2);
    assert_non_null(strstr(r.t->r[0].origin, "names.zip: ok.xml"));
    assert_non_null(strstr(r.t->r[1].origin, "names.zip: fine..name.xml"));
    assert_int_equal(r.t->r[1].kind, TK_PAYLOAD_TLSRPT_JSON);
    assert_int_equal(r.s->skipped, 6);
    assert_true(skip_has(r.s, "entry 1: a name that climbs out of the archive (..): skipped"));
    assert_true(skip_has(r.s, "entry 2: a name holding a NUL byte: skipped"));
    assert_true(skip_has(r.s, "entry 4: a name longer than 255 bytes: skipped"));
    assert_true(skip_has(r.s, "entry 5: an absolute name: skipped"));
    assert_true(skip_has(r.s, "entry 6: a name holding a control byte: skipped"));
    assert_true(skip_has(r.s, "entry 7: a name that climbs out"));
    run_free(&r);

    /* 255 bytes is a name */
    longname[255] = '\0';
    zip_one(&b, longname, report_xml, sizeof(report_xml) - 1);
    write_buf("name255.zip", &b);
    tk_buf_free(&b);
    run_path(&r, tpath("name255.zip"), NULL);
    assert_int_equal(r.t->n, 1);
    run_free(&r);
}

/* nest wraps the report n times: zip (as r.xml), gzip, zip (as
 * inner.zip.gz), gzip, ... */
static void nest(struct tk_buf *out, size_t n)
{
    struct tk_buf cur = {0}, next = {0};
    size_t i;

    tk_buf_append(&cur, report_xml, sizeof(report_xml) - 1);
    for (i = 0; i < n; i++) {
        tk_buf_reset(&next);
        if (i % 2 == 1)
            gzip_add(&next, cur.data, cur.len);
        else
            zip_one(&next, i == 0 ? "r.xml" : "inner.zip.gz", cur.data, cur.len);
        tk_buf_reset(&cur);
        tk_buf_append(&cur, next.data, next.len);
    }
    tk_buf_append(out, cur.data, cur.len);
    tk_buf_free(&cur);
    tk_buf_free(&next);
}

static void test_nesting(void **state)
{
    struct tk_buf b = {0};
    struct run r;

    (void)state;
    /* four levels: gzip(zip(gzip(zip(xml)))) */
    nest(&b, 4);
    assert_true(b.data[0] == '\x1f');
    write_buf("nest4.gz", &b);
    tk_buf_reset(&b);
    run_path(&r, tpath("nest4.gz"), NULL);
    assert_int_equal(r.t->n, 1);
    assert_true(r.t->r[0].complete);
    assert_int_equal(r.t->r[0].bytes, sizeof(report_xml) - 1);
    assert_non_null(strstr(r.t->r[0].origin, "nest4.gz: gzip content: inner.zip.gz: "
                                             "gzip content: r.xml"));
    assert_int_equal(r.s->archives, 4);
    run_free(&r);

    /* five: the innermost archive is refused */
    nest(&b, 5);
    assert_true(b.data[0] == 'P');
    write_buf("nest5.zip", &b);
    tk_buf_free(&b);
    run_path(&r, tpath("nest5.zip"), NULL);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.s->nskip, 1);
    assert_non_null(strstr(r.s->skip[0], "archives and messages nested more than 4 deep"));
    run_free(&r);

    /* a lower limit */
    {
        struct tk_payload_limits lim = {0, 0, 2, 0};

        run_path(&r, tpath("nest4.gz"), &lim);
        assert_int_equal(r.t->n, 0);
        assert_true(skip_has(r.s, "nested more than 2 deep"));
        run_free(&r);
    }
}

/* ---- mail ---- */

/* b64_add appends the base64 of len bytes in lines of 76. */
static void b64_add(struct tk_buf *out, const void *p, size_t len)
{
    const unsigned char *s = p;
    unsigned char line[80];
    size_t i;
    int n;

    for (i = 0; i < len; i += 57) {
        n = EVP_EncodeBlock(line, s + i, (int)(len - i < 57 ? len - i : 57));
        tk_buf_append(out, line, (size_t)n);
        tk_buf_puts(out, "\r\n");
    }
}

#define HDR(id)                                                                                    \
    "From: noreply-dmarc@reporter.example\r\nTo: dmarc@agency.govt.nz\r\nSubject: Report\r\n"      \
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <" id "@reporter.example>\r\n"            \
    "MIME-Version: 1.0\r\n"

/* mail_multipart: a multipart/mixed body (with its Content-Type): an
 * explanation, then a part of type ctype holding data (base64 when
 * b64), with disposition disp. */
static void mail_multipart(struct tk_buf *m, const char *ctype, const char *disp, const void *data,
                           size_t len, bool b64)
{
    tk_buf_puts(m, "Content-Type: multipart/mixed; boundary=\"=-b1\"\r\n\r\n"
                   "--=-b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                   "This is an aggregate report.\r\n\r\n--=-b1\r\n");
    tk_buf_printf(m, "Content-Type: %s\r\n", ctype);
    if (disp != NULL)
        tk_buf_printf(m, "Content-Disposition: %s\r\n", disp);
    if (b64) {
        tk_buf_puts(m, "Content-Transfer-Encoding: base64\r\n\r\n");
        b64_add(m, data, len);
    } else {
        tk_buf_puts(m, "\r\n");
        tk_buf_append(m, data, len);
        tk_buf_puts(m, "\r\n");
    }
    tk_buf_puts(m, "--=-b1--\r\n");
}

/* mail_with: a report mail of Message-ID <id@reporter.example>. */
static void mail_with(struct tk_buf *m, const char *id, const char *ctype, const char *disp,
                      const void *data, size_t len, bool b64)
{
    tk_buf_printf(m, HDR("%s"), id);
    mail_multipart(m, ctype, disp, data, len, b64);
}

static void test_mail_parts(void **state)
{
    struct tk_buf m = {0}, z = {0}, g = {0}, inner = {0};
    char want[65];
    struct run r;

    (void)state;
    sha_hex(report_xml, sizeof(report_xml) - 1, want);

    /* inline, 7bit */
    mail_with(&m, "inline", "text/xml", "inline", report_xml, sizeof(report_xml) - 1, false);
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.t->n, 1);
    /* the body part ends with the CRLF before the boundary, which MIME
     * gives to the boundary: the report's bytes exactly */
    assert_string_equal(r.t->r[0].sha, want);
    assert_string_equal(r.t->r[0].origin,
                        "imap: UID 7: Message-ID <inline@reporter.example>: inline part 2 "
                        "(text/xml)");
    assert_int_equal(r.s->parts_skipped, 1);
    assert_int_equal(r.s->skipped, 0);
    run_free(&r);
    tk_buf_reset(&m);

    /* a zip, base64, under a wrong type and a name that says nothing */
    zip_one(&z, "report.xml", report_xml, sizeof(report_xml) - 1);
    mail_with(&m, "wrong", "image/png; name=\"logo.png\"", "attachment; filename=\"logo.png\"",
              z.data, z.len, true);
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 1);
    assert_string_equal(r.t->r[0].sha, want);
    assert_non_null(strstr(r.t->r[0].origin, "attachment logo.png: report.xml"));
    run_free(&r);
    tk_buf_reset(&m);

    /* no Content-Type at all, the body a zip in base64 */
    tk_buf_printf(&m, HDR("bare") "Content-Transfer-Encoding: base64\r\n\r\n");
    b64_add(&m, z.data, z.len);
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 1);
    assert_string_equal(r.t->r[0].sha, want);
    assert_non_null(strstr(r.t->r[0].origin, "body (text/plain): report.xml"));
    run_free(&r);
    tk_buf_reset(&m);

    /* quoted-printable */
    tk_buf_printf(&m, HDR("qp") "Content-Type: application/xml\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                                "<?xml version=3D\"1.0\"?>\r\n<feedback>caf=C3=A9 =\r\n"
                                "soft</feedback>\r\n");
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 1);
    {
        static const char plain[] =
            "<?xml version=\"1.0\"?>\r\n<feedback>caf\xc3\xa9 soft</feedback>\r\n";

        sha_hex(plain, sizeof(plain) - 1, want);
    }
    assert_string_equal(r.t->r[0].sha, want);
    run_free(&r);
    tk_buf_reset(&m);

    /* inside message/rfc822: a TLS report, gzip, base64 */
    gzip_add(&g, report_json, sizeof(report_json) - 1);
    tk_buf_printf(&inner, "From: noreply-smtp-tls-reporting@google.com\r\nSubject: TLS\r\n"
                          "Message-ID: <inner@google.com>\r\nMIME-Version: 1.0\r\n");
    mail_multipart(&inner, "application/tlsrpt+gzip", "attachment; filename=\"t.json.gz\"", g.data,
                   g.len, true);
    mail_with(&m, "forward", "message/rfc822", "inline", inner.data, inner.len, false);
    run_message(&r, m.data, m.len, NULL);
    if (r.t->n != 1)
        dump(&r);
    assert_int_equal(r.t->n, 1);
    assert_int_equal(r.t->r[0].kind, TK_PAYLOAD_TLSRPT_JSON);
    sha_hex(report_json, sizeof(report_json) - 1, want);
    assert_string_equal(r.t->r[0].sha, want);
    assert_non_null(strstr(r.t->r[0].origin, "Message-ID <forward@reporter.example>: attached "
                                             "message (Message-ID <inner@google.com>): "
                                             "attachment t.json.gz: gzip content"));
    assert_int_equal(r.s->messages, 2);
    run_free(&r);
    tk_buf_reset(&m);

    /* an HTML body and text: counted, not a report */
    mail_with(&m, "html", "text/html", NULL, "<html><body><p>hi</p></body></html>", 35, false);
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.s->parts_skipped, 2);
    assert_int_equal(r.s->nskip, 1);
    assert_non_null(strstr(r.s->skip[0], "no DMARC or TLS report in it"));
    run_free(&r);

    tk_buf_free(&m);
    tk_buf_free(&z);
    tk_buf_free(&g);
    tk_buf_free(&inner);
}

static void test_mail_limits(void **state)
{
    struct tk_payload_limits lim = {0, 0, 0, 4096};
    struct tk_buf m = {0};
    struct run r;
    size_t i;

    (void)state;
    /* message size, both sides */
    tk_buf_printf(&m, HDR("big") "Content-Type: text/xml\r\n\r\n");
    tk_buf_append(&m, report_xml, sizeof(report_xml) - 1);
    while (m.len < 4096)
        tk_buf_putc(&m, ' ');
    run_message(&r, m.data, m.len, &lim);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.t->n, 1);
    run_free(&r);
    tk_buf_putc(&m, ' ');
    run_message(&r, m.data, m.len, &lim);
    assert_int_equal(r.st, TK_LIMIT);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.s->nskip, 1);
    assert_string_equal(r.s->skip[0], "imap: UID 7: a message larger than 4 KB: skipped");
    run_free(&r);
    tk_buf_reset(&m);

    /* a million empty parts would cost GMime a gigabyte: refused first */
    tk_buf_printf(&m, HDR("parts") "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    for (i = 0; i < TK_REPORT_MIME_BOUNDARY_LINES_MAX; i++)
        tk_buf_puts(&m, "--b\r\n\r\nx\r\n");
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.st, TK_OK);
    assert_true(skip_has(r.s, "more than 256 MIME parts: the rest skipped"));
    run_free(&r);
    tk_buf_puts(&m, "--b--\r\n");
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.st, TK_LIMIT);
    assert_true(skip_has(r.s, "more than 1024 MIME boundary lines: skipped"));
    run_free(&r);
    tk_buf_reset(&m);

    tk_buf_printf(&m, HDR("headers"));
    for (i = 0; i < TK_REPORT_MIME_HEADER_LINES_MAX; i++)
        tk_buf_puts(&m, "X-H: 1\r\n");
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.st, TK_LIMIT);
    assert_true(skip_has(r.s, "more than 20000 header lines"));
    run_free(&r);
    tk_buf_reset(&m);

    /* multiparts within multiparts */
    tk_buf_printf(&m, HDR("deep"));
    for (i = 0; i < 20; i++)
        tk_buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%zu\r\n\r\n--b%zu\r\n", i, i);
    tk_buf_printf(&m, "Content-Type: text/xml\r\n\r\n%s", report_xml);
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 0);
    assert_true(skip_has(r.s, "multiparts nested more than 16 deep"));
    run_free(&r);

    /* message/rfc822 within each other, past the nesting limit */
    tk_buf_reset(&m);
    tk_buf_printf(&m, "Content-Type: text/xml\r\n\r\n%s", report_xml);
    for (i = 0; i < 4; i++) {
        struct tk_buf outer = {0};

        tk_buf_printf(&outer,
                      "From: a@b.example\r\nSubject: %zu\r\nContent-Type: message/rfc822"
                      "\r\n\r\n",
                      i);
        tk_buf_append(&outer, m.data, m.len);
        tk_buf_free(&m);
        m = outer;
    }
    /* the top message and three attached ones fit; the fourth does not */
    run_message(&r, m.data, m.len, NULL);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.s->messages, 4);
    assert_true(skip_has(r.s, "attached message: attached message: attached message: archives "
                              "and messages nested more than 4 deep"));
    run_free(&r);
    tk_buf_free(&m);

    /* nothing */
    run_message(&r, "", 0, NULL);
    assert_true(r.st == TK_OK || r.st == TK_INVALID);
    assert_int_equal(r.t->n, 0);
    assert_int_equal(r.s->nskip, 1);
    run_free(&r);
}

static void test_maildir(void **state)
{
    struct tk_buf m = {0}, z = {0};
    struct run r;

    (void)state;
    mkdir_t("Maildir");
    mkdir_t("Maildir/cur");
    mkdir_t("Maildir/new");
    mkdir_t("Maildir/tmp");
    mkdir_t("Maildir/.Reports");
    mkdir_t("Maildir/.Reports/cur");
    mkdir_t("Maildir/.Reports/new");
    mkdir_t("Maildir/.Reports/tmp");
    zip_one(&z, "report.xml", report_xml, sizeof(report_xml) - 1);
    mail_with(&m, "cur", "application/zip", "attachment; filename=\"r.zip\"", z.data, z.len, true);
    write_buf("Maildir/cur/1700000000.1.host:2,S", &m);
    write_buf("Maildir/tmp/1700000002.3.host", &m); /* half delivered: never read */
    write_buf("Maildir/.Reports/new/1700000003.4.host", &m);
    tk_buf_reset(&m);
    tk_buf_printf(&m, HDR("chat") "Content-Type: text/plain\r\n\r\nLunch on Friday?\r\n");
    write_buf("Maildir/new/1700000001.2.host", &m);
    write_file("Maildir/dovecot-uidlist", "3 V1 N5\n", 8);
    run_path(&r, tpath("Maildir"), NULL);
    if (r.t->n != 2)
        dump(&r);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.t->n, 2);
    assert_int_equal(r.s->messages, 3);
    assert_int_equal(r.s->files, 3);
    assert_non_null(strstr(r.t->r[0].origin, "Maildir/cur/1700000000.1.host:2,S: message "
                                             "(Message-ID <cur@reporter.example>): attachment "
                                             "r.zip: report.xml"));
    assert_non_null(strstr(r.t->r[1].origin, "Maildir/.Reports/new/1700000003.4.host"));
    assert_int_equal(r.s->skipped, 1);
    assert_true(skip_has(r.s, "Maildir/new/1700000001.2.host: message (Message-ID "
                              "<chat@reporter.example>): no DMARC or TLS report in it: not an "
                              "aggregate report: skipped"));
    run_free(&r);
    tk_buf_free(&m);
    tk_buf_free(&z);
}

static void test_mbox(void **state)
{
    struct tk_buf mb = {0}, m = {0}, g = {0};
    char want[65];
    struct run r;

    (void)state;
    gzip_add(&g, report_xml, sizeof(report_xml) - 1);
    tk_buf_puts(&mb, "From alice@example.com Mon Jan  1 00:00:00 2024\n");
    tk_buf_printf(&mb, HDR("one") "Content-Type: text/plain\r\n\r\nHello\r\n>From the team\r\n\n");
    tk_buf_puts(&mb, "From MAILER-DAEMON Mon Jan  1 00:00:01 2024\n");
    mail_with(&m, "two", "application/gzip", "attachment; filename=\"r.xml.gz\"", g.data, g.len,
              true);
    tk_buf_append(&mb, m.data, m.len);
    tk_buf_puts(&mb, "\nFrom bob@example.com Mon Jan  1 00:00:02 2024\n");
    tk_buf_printf(&mb, HDR("three") "\r\n>From here on, nothing.\r\n");
    write_buf("reports.mbox", &mb);
    run_path(&r, tpath("reports.mbox"), NULL);
    if (r.t->n != 1)
        dump(&r);
    assert_int_equal(r.st, TK_OK);
    assert_int_equal(r.t->n, 1);
    sha_hex(report_xml, sizeof(report_xml) - 1, want);
    assert_string_equal(r.t->r[0].sha, want);
    assert_non_null(strstr(r.t->r[0].origin, "reports.mbox: message 2 (Message-ID "
                                             "<two@reporter.example>): attachment r.xml.gz: "
                                             "gzip content"));
    assert_int_equal(r.s->messages, 3);
    assert_int_equal(r.s->skipped, 2);
    assert_true(skip_has(r.s, "reports.mbox: message 1 (Message-ID <one@"));
    assert_true(skip_has(r.s, "reports.mbox: message 3 (Message-ID <three@"));
    run_free(&r);

    /* a message past message_max is skipped to the next From line */
    {
        struct tk_payload_limits lim = {0, 0, 0, 2048};
        size_t i;

        tk_buf_reset(&mb);
        tk_buf_puts(&mb, "From big Mon Jan  1 00:00:00 2024\n");
        tk_buf_printf(&mb, HDR("big") "\r\n");
        for (i = 0; i < 100; i++)
            tk_buf_puts(&mb, "lots and lots of text in a message of no interest\r\n");
        tk_buf_puts(&mb, "\nFrom small Mon Jan  1 00:00:00 2024\n");
        tk_buf_append(&mb, m.data, m.len);
        write_buf("big.mbox", &mb);
        run_path(&r, tpath("big.mbox"), &lim);
        assert_int_equal(r.t->n, 1);
        assert_true(skip_has(r.s, "big.mbox: message 1: a message larger than 2 KB: skipped"));
        run_free(&r);
    }
    tk_buf_free(&mb);
    tk_buf_free(&m);
    tk_buf_free(&g);
}

/* ---- directories ---- */

static void test_walk(void **state)
{
    char rel[256];
    size_t i;
    struct run r;

    (void)state;
    mkdir_t("walk");
    write_file("walk/b.xml", report_xml, sizeof(report_xml) - 1);
    write_file("walk/a.json", report_json, sizeof(report_json) - 1);
    write_file("walk/.hidden.xml", report_xml, sizeof(report_xml) - 1);
    write_file("walk/notes.txt", "remember the milk\n", 18);
    assert_int_equal(symlink(tpath("walk/b.xml"), tpath("walk/link.xml")), 0);
    assert_int_equal(symlink("/etc", tpath("walk/etc")), 0);
    assert_int_equal(mkfifo(tpath("walk/fifo"), 0600), 0);
    snprintf(rel, sizeof(rel), "walk");
    for (i = 1; i <= 9; i++) {
        snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/d%zu", i);
        mkdir_t(rel);
        snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/r.xml");
        write_file(rel, report_xml, sizeof(report_xml) - 1);
        rel[strlen(rel) - 6] = '\0';
    }
    run_path(&r, tpath("walk"), NULL);
    if (r.t->n != 10)
        dump(&r);
    assert_int_equal(r.st, TK_OK);
    /* a.json, b.xml, and r.xml in d1 .. d8 */
    assert_int_equal(r.t->n, 10);
    assert_int_equal(r.s->payloads[TK_PAYLOAD_TLSRPT_JSON], 1);
    assert_non_null(strstr(r.t->r[0].origin, "/walk/a.json"));
    assert_non_null(strstr(r.t->r[1].origin, "/walk/b.xml"));
    /* in name order, depth first: d1/d2 comes before d1/r.xml */
    assert_non_null(strstr(r.t->r[2].origin, "/walk/d1/d2/d3/d4/d5/d6/d7/d8/r.xml"));
    assert_non_null(strstr(r.t->r[9].origin, "/walk/d1/r.xml"));
    assert_true(skip_has(r.s, "/walk/link.xml: a symbolic link, not followed: skipped"));
    assert_true(skip_has(r.s, "/walk/etc: a symbolic link, not followed: skipped"));
    assert_true(skip_has(r.s, "/walk/fifo: not a regular file: skipped"));
    assert_true(skip_has(r.s, "/walk/notes.txt: not a report"));
    assert_true(skip_has(r.s, "/d8/d9: more than 8 directories deep: skipped"));
    assert_int_equal(r.s->skipped, 5);
    assert_int_equal(r.s->directories, 9);
    run_free(&r);

    /* a link named by the user is followed */
    run_path(&r, tpath("walk/link.xml"), NULL);
    assert_int_equal(r.t->n, 1);
    run_free(&r);

    /* what cannot be read at all */
    run_path(&r, tpath("walk/none"), NULL);
    assert_int_equal(r.st, TK_ABSENT);
    assert_non_null(strstr(r.err.msg, "walk/none: No such file"));
    run_free(&r);
    {
        struct tk_source_stats s;
        struct recorder *t = rec_new();
        struct tk_payload_sink sink = rec_sink(t);
        struct tk_error err;

        assert_int_equal(tk_report_source_path(NULL, NULL, &sink, &s, &err), TK_USAGE);
        assert_int_equal(tk_report_source_path("x", NULL, NULL, &s, &err), TK_USAGE);
        assert_int_equal(tk_report_source_message(NULL, 5, NULL, NULL, &sink, &s, &err), TK_USAGE);
        rec_free(t);
    }
}

/* ---- a sink that refuses ---- */

static void test_sink_refuses(void **state)
{
    struct tk_payload_sink sink;
    struct tk_source_stats *s = calloc(1, sizeof(*s));
    struct recorder *t = rec_new();
    struct tk_buf z = {0};
    struct tk_error err;
    struct zent e[] = {
        {"one.xml", 0, report_xml, sizeof(report_xml) - 1},
        {"two.xml", 0, report_xml, sizeof(report_xml) - 1},
    };

    (void)state;
    zip_stored(&z, e, 2);
    write_buf("two.zip", &z);
    tk_buf_free(&z);
    sink = rec_sink(t);
    /* begin refused: end still comes, with complete = false; the next
     * payload is offered all the same */
    t->refuse_begin = TK_INVALID;
    assert_int_equal(tk_report_source_path(tpath("two.zip"), NULL, &sink, s, &err), TK_OK);
    assert_int_equal(t->n, 2);
    assert_false(t->r[0].complete);
    assert_string_equal(t->r[0].why, "the sink refused it");
    assert_int_equal(s->rejected, 2);
    assert_true(skip_has(s, "two.zip: one.xml: the sink refused it: skipped"));
    /* data refused */
    t->refuse_begin = TK_OK;
    t->refuse_after = 10;
    t->n = 0;
    memset(s, 0, sizeof(*s));
    assert_int_equal(tk_report_source_path(tpath("two.zip"), NULL, &sink, s, &err), TK_OK);
    assert_int_equal(t->n, 2);
    assert_false(t->r[1].complete);
    assert_string_equal(t->r[1].why, "not well-formed at byte 10");
    assert_true(skip_has(s, "two.zip: two.xml: not well-formed at byte 10: skipped"));
    /* the stats of a batch add up over calls */
    assert_int_equal(tk_report_source_path(tpath("two.zip"), NULL, &sink, s, &err), TK_OK);
    assert_int_equal(s->files, 2);
    assert_int_equal(s->rejected, 4);
    rec_free(t);
    free(s);
}

/* Many skips: kept up to TK_SOURCE_SKIPS_MAX, all counted. */
static void test_skips_bounded(void **state)
{
    char rel[64];
    size_t i;
    struct run r;

    (void)state;
    mkdir_t("junk");
    for (i = 0; i < TK_SOURCE_SKIPS_MAX + 10; i++) {
        snprintf(rel, sizeof(rel), "junk/%03zu.txt", i);
        write_file(rel, "junk\n", 5);
    }
    run_path(&r, tpath("junk"), NULL);
    assert_int_equal(r.s->skipped, TK_SOURCE_SKIPS_MAX + 10);
    assert_int_equal(r.s->nskip, TK_SOURCE_SKIPS_MAX);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),      cmocka_unit_test(test_samples_folder),
        cmocka_unit_test(test_gzip_bomb),    cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_zip_entries),  cmocka_unit_test(test_zip_names),
        cmocka_unit_test(test_nesting),      cmocka_unit_test(test_mail_parts),
        cmocka_unit_test(test_mail_limits),  cmocka_unit_test(test_maildir),
        cmocka_unit_test(test_mbox),         cmocka_unit_test(test_walk),
        cmocka_unit_test(test_sink_refuses), cmocka_unit_test(test_skips_bounded),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
