/* expat-rate: expat's raw parse speed over a directory of XML files, the
 * limit for bench/report-ingest. Each file gets a parser of its own and is
 * fed to XML_Parse in 64 KB reads; the handlers only count elements and
 * character data bytes (so the parser does all its work, and nothing
 * else is done). The files are read once beforehand (not timed) so the
 * page cache holds them, as it does for the ingest that follows.
 *
 * usage: expat-rate DIR
 * prints: files N bytes B seconds S elements E
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <expat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static unsigned long long elements, text_bytes;

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)ud, (void)name, (void)atts;
    elements++;
}

static void on_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s;
    text_bytes += (unsigned long long)len;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* parse PATH; returns bytes read or -1. */
static long long parse_file(const char *path, char *buf)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    XML_Parser p = XML_ParserCreate(NULL);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    long long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0) {
            perror(path);
            total = -1;
            break;
        }
        total += n;
        if (XML_Parse(p, buf, (int)n, n == 0) != XML_STATUS_OK) {
            fprintf(stderr, "%s:%lu: %s\n", path, (unsigned long)XML_GetCurrentLineNumber(p),
                    XML_ErrorString(XML_GetErrorCode(p)));
            total = -1;
            break;
        }
        if (n == 0)
            break;
    }
    XML_ParserFree(p);
    close(fd);
    return total;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: expat-rate DIR\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    size_t n = 0, cap = 0;
    char **paths = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            paths = realloc(paths, cap * sizeof *paths);
        }
        size_t sz = strlen(argv[1]) + len + 2;
        paths[n] = malloc(sz);
        snprintf(paths[n], sz, "%s/%s", argv[1], e->d_name);
        n++;
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "expat-rate: no .xml files in %s\n", argv[1]);
        return 1;
    }
    qsort(paths, n, sizeof *paths, cmp);

    static char buf[CHUNK];
    for (size_t i = 0; i < n; i++) { /* warm the page cache */
        int fd = open(paths[i], O_RDONLY);
        if (fd >= 0) {
            while (read(fd, buf, sizeof buf) > 0)
                ;
            close(fd);
        }
    }

    long long bytes = 0;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        long long b = parse_file(paths[i], buf);
        if (b < 0)
            return 1;
        bytes += b;
    }
    double t = now() - t0;
    printf("files %zu bytes %lld seconds %.3f elements %llu\n", n, bytes, t, elements);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return 0;
}
