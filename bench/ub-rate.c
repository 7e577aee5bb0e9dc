/*
 * ub-rate.c - how fast libunbound alone asks a list of questions.
 *
 * A benchmark helper, not part of tiaki: it reads "NAME TYPE" lines (a
 * dnsperf query file), sends them all through one libunbound context on
 * a libevent loop (the way tiaki's resolver does: event interface,
 * forwarding to ADDR, no validator), keeping OUTSTANDING in flight, and
 * prints "QUERIES SECONDS" on stdout. Run it once per CPU in parallel to
 * get the machine's libunbound limit, which bounds any libunbound-based
 * checker whatever it does with the answers.
 *
 * usage: ub-rate ADDR QUERYFILE [OUTSTANDING]
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound-event.h>
#include <unbound.h>

static struct ub_ctx *ctx;
static char **names;
static int *types;
static size_t nq, sent, done, inflight, outstanding = 500;

static void fire(void);

static void answered(void *arg, int rcode, void *pkt, int len, int sec, char *why, int rl)
{
    inflight--;
    done++;
    fire();
}

static void fire(void)
{
    int id;

    while (inflight < outstanding && sent < nq) {
        if (ub_resolve_event(ctx, names[sent], types[sent], 1, NULL, answered, &id) != 0)
            done++;
        else
            inflight++;
        sent++;
    }
}

static int type_of(const char *t)
{
    return strcmp(t, "MX") == 0 ? 15 : strcmp(t, "A") == 0 ? 1 : strcmp(t, "AAAA") == 0 ? 28 : 16;
}

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512], name[300], type[16];
    size_t cap = 0;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%299s %15s", name, type) == 2) {
            if (nq == cap) {
                cap = cap ? cap * 2 : 4096;
                names = realloc(names, cap * sizeof(*names));
                types = realloc(types, cap * sizeof(*types));
            }
            names[nq] = strdup(name);
            types[nq++] = type_of(type);
        }
    fclose(f);
}

int main(int argc, char **argv)
{
    struct event_base *base;
    struct timespec t0, t1;

    if (argc < 3)
        return fprintf(stderr, "usage: ub-rate ADDR QUERYFILE [OUTSTANDING]\n"), 2;
    if (argc > 3)
        outstanding = (size_t)atoi(argv[3]);
    load(argv[2]);
    base = event_base_new();
    ctx = ub_ctx_create_event(base);
    ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
    ub_ctx_set_option(ctx, "num-queries-per-thread:", "8192");
    ub_ctx_set_option(ctx, "outgoing-range:", "4096");
    ub_ctx_set_option(ctx, "module-config:", "iterator");
    ub_ctx_set_fwd(ctx, argv[1]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fire();
    while (done < nq)
        event_base_loop(base, EVLOOP_ONCE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%zu %.3f\n", nq, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
