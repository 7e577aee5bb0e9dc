/*
 * NAME
 *	dkim-rate.c - tiaki's DKIM verifier verifying one message N times
 * DESCRIPTION
 *	The tiaki side of bench/auth-throughput's DKIM figures, driven as
 *	opendkim-rate.c drives OpenDKIM: the message is read once, then each
 *	round is what a mail filter does per message (a tk_msg, a verifier,
 *	the message fed, the key asked for and the signature judged). The
 *	key record is served from memory by the static resolver (as
 *	opendkim-rate's key file), so no DNS is in the figure.
 *	Prints "verified K of N in S s: R/s"; exits 1 unless every one passed.
 * usage: dkim-rate KEYNAME RECORD MESSAGE N
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim_verify.h"
#include "auth/message.h"
#include "dns/resolver.h"

#include "read_file.h"

static bool verify_once(struct tk_resolver *r, const char *msg, size_t len)
{
    struct tk_dkim_verify *v = NULL;
    struct tk_error err = {0};
    struct tk_msg m;
    bool pass = false;

    tk_msg_init(&m);
    if (tk_dkim_verify_new(&m, NULL, &v, &err) == TK_OK &&
        tk_msg_feed(&m, msg, len, tk_dkim_verify_body, v) == TK_OK && tk_msg_finish(&m) == TK_OK &&
        tk_dkim_verify_finish(v, r, &err) == TK_OK && tk_dkim_verify_count(v) > 0)
        pass = tk_dkim_verify_result(v, 0)->result == TK_AUTH_PASS;
    if (!pass && v && tk_dkim_verify_count(v) > 0)
        fprintf(stderr, "dkim-rate: %s\n", tk_dkim_verify_result(v, 0)->reason);
    tk_dkim_verify_free(v);
    tk_msg_free(&m);
    return pass;
}

int main(int argc, char **argv)
{
    struct tk_static_zone *z = NULL;
    struct tk_resolver *r = NULL;
    struct timespec t0, t1;
    size_t len, ok = 0;
    char *msg;
    long i, n;
    double s;

    if (argc != 5 || (n = atol(argv[4])) <= 0) {
        fprintf(stderr, "usage: dkim-rate KEYNAME RECORD MESSAGE N\n");
        return 2;
    }
    if ((msg = read_file(argv[3], &len)) == NULL) {
        perror(argv[3]);
        return 2;
    }
    if (tk_static_zone_new(&z) != TK_OK || tk_static_zone_add_txt(z, argv[1], argv[2]) != TK_OK ||
        tk_resolver_new_static(z, &r) != TK_OK) {
        fprintf(stderr, "dkim-rate: cannot set up the static resolver\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++)
        ok += verify_once(r, msg, len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("verified %zu of %ld in %.3f s: %.0f/s\n", ok, n, s, (double)n / s);
    tk_resolver_free(r);
    tk_static_zone_free(z);
    free(msg);
    return ok == (size_t)n ? 0 : 1;
}
