/*
 * NAME
 *	opendkim-rate.c - OpenDKIM's library verifying one message N times
 * DESCRIPTION
 *	The peer of tiaki's DKIM verifier in bench/auth-throughput: the
 *	message is read once and split into header fields and body, then
 *	verified N times the way the OpenDKIM milter drives its library
 *	(dkim_verify, dkim_header per field, dkim_eoh, dkim_body,
 *	dkim_eom). The key comes from a file (DKIM_QUERY_FILE: lines
 *	"<selector>._domainkey.<domain> <record>"), so no DNS is in the
 *	figure: it is the library's own cost per message.
 *	Prints "verified N in S s: R/s" and exits 1 unless every one passed.
 * usage: opendkim-rate KEYFILE MESSAGE N
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "read_file.h"

/* verify_once feeds the message (CRLF line ends) to one verifier. */
static bool verify_once(DKIM_LIB *lib, char *msg, size_t len)
{
    DKIM_STAT st;
    DKIM *dkim = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
    char *p = msg, *end = msg + len, *body;

    if (dkim == NULL)
        return false;
    body = strstr(msg, "\r\n\r\n");
    if (body == NULL)
        return false;
    while (p < body + 2) {
        char *q = p;

        /* a field ends at a CRLF not followed by white space */
        for (;;) {
            q = strstr(q, "\r\n");
            if (q[2] != ' ' && q[2] != '\t')
                break;
            q += 2;
        }
        if (dkim_header(dkim, (u_char *)p, (size_t)(q - p)) != DKIM_STAT_OK)
            break;
        p = q + 2;
    }
    st = dkim_eoh(dkim);
    if (st == DKIM_STAT_OK)
        st = dkim_body(dkim, (u_char *)body + 4, (size_t)(end - (body + 4)));
    if (st == DKIM_STAT_OK)
        st = dkim_eom(dkim, NULL);
    dkim_free(dkim);
    return st == DKIM_STAT_OK;
}

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    DKIM_LIB *lib;
    unsigned int method = DKIM_QUERY_FILE;
    size_t len, ok = 0;
    char *msg;
    long i, n;
    double s;

    if (argc != 4 || (n = atol(argv[3])) <= 0) {
        fprintf(stderr, "usage: opendkim-rate KEYFILE MESSAGE N\n");
        return 2;
    }
    if ((msg = read_file(argv[2], &len)) == NULL) {
        perror(argv[2]);
        return 2;
    }
    lib = dkim_init(NULL, NULL);
    if (lib == NULL ||
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method, sizeof(method)) ||
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen(argv[1]))) {
        fprintf(stderr, "opendkim-rate: cannot set up libopendkim\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++)
        ok += verify_once(lib, msg, len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("verified %zu of %ld in %.3f s: %.0f/s\n", ok, n, s, (double)n / s);
    dkim_close(lib);
    return ok == (size_t)n ? 0 : 1;
}
