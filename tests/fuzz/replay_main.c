/*
 * NAME
 *	replay_main.c - run a fuzz harness over a saved corpus
 * DESCRIPTION
 *	Linked with one fuzz_<parser>.c in place of libFuzzer so that make
 *	test replays every input in tests/fuzz/corpus/<parser>/ (seeds and
 *	past crashers) with an ordinary compiler. Exits 0 when every input
 *	ran; a crash fails the test the usual way. Prints the count in the
 *	plain "N passed, N failed" form CI reads.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_INPUT_MAX (1024 * 1024)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;

    if (f == NULL)
        return -1;
    buf = malloc(REPLAY_INPUT_MAX);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, REPLAY_INPUT_MAX, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    DIR *d;
    struct dirent *e;
    char path[4096];
    unsigned ran = 0, failed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
        return 2;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        fprintf(stderr, "%s: no corpus\n", argv[1]);
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        if (replay_file(path) == 0)
            ran++;
        else
            failed++;
    }
    closedir(d);
    printf("%u passed, %u failed\n", ran, failed);
    return failed || ran == 0 ? 1 : 0;
}
