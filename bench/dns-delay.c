/*
 * NAME
 *	dns-delay.c - a UDP DNS relay that holds every answer for a while
 * DESCRIPTION
 *	A benchmark helper, not part of tiaki. On loopback a DNS answer
 *	comes back in tens of microseconds, so a checker that asks one
 *	question at a time loses little to one that asks hundreds at once.
 *	A receiving mail server's resolver answers cached names that fast
 *	too, but the names it has not seen cost a round trip to the
 *	domain's servers: milliseconds. This relay listens on LISTEN:53,
 *	passes each question to UPSTREAM:53 and gives the answer back
 *	DELAY_MS after it arrived, so bench/auth-throughput can show both
 *	regimes with the same inputs and the same NSD. The kernel's netem
 *	would do this, but it is not in this machine's kernel.
 *
 *	Questions get IDs of the relay's own (a table of 65,536), so any
 *	number of clients may use it at once. The delay is the same for
 *	every answer, so answers wait in a FIFO in the order they arrived.
 * usage: dns-delay LISTEN UPSTREAM DELAY_MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PKT_MAX 4096
#define HELD_MAX 65536

struct pending {
    struct sockaddr_in client;
    uint16_t client_id;
    int used;
};

struct held {
    long long due_us;
    struct sockaddr_in client;
    uint16_t len;
    unsigned char pkt[PKT_MAX];
};

static struct pending pending[65536];
static struct held *fifo;
static size_t fifo_head, fifo_count;

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int udp_socket(const char *addr, int bind_it, struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(53);
    if (fd < 0 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    if (bind_it && bind(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0)
        return -1;
    if (!bind_it && connect(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0)
        return -1;
    return fd;
}

/* question relays one client question upstream under an ID of ours. */
static void question(int lfd, int ufd)
{
    static uint16_t next_id;
    unsigned char pkt[PKT_MAX];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(lfd, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    uint16_t id;

    if (n < 12)
        return;
    id = next_id++;
    pending[id].client = from;
    pending[id].client_id = (uint16_t)(pkt[0] << 8 | pkt[1]);
    pending[id].used = 1;
    pkt[0] = (unsigned char)(id >> 8);
    pkt[1] = (unsigned char)id;
    send(ufd, pkt, (size_t)n, MSG_DONTWAIT);
}

/* answer takes an upstream answer into the FIFO, due after delay. */
static void answer(int ufd, long long delay_us)
{
    struct held *h;
    ssize_t n;
    uint16_t id;

    if (fifo_count == HELD_MAX) /* full: the oldest question is dropped */
        return;
    h = &fifo[(fifo_head + fifo_count) % HELD_MAX];
    n = recv(ufd, h->pkt, sizeof(h->pkt), MSG_DONTWAIT);
    if (n < 12)
        return;
    id = (uint16_t)(h->pkt[0] << 8 | h->pkt[1]);
    if (!pending[id].used)
        return;
    pending[id].used = 0;
    h->pkt[0] = (unsigned char)(pending[id].client_id >> 8);
    h->pkt[1] = (unsigned char)pending[id].client_id;
    h->client = pending[id].client;
    h->len = (uint16_t)n;
    h->due_us = now_us() + delay_us;
    fifo_count++;
}

/* release sends the answers that are due; returns ms until the next. */
static int release(int lfd)
{
    long long now = now_us();

    while (fifo_count > 0) {
        struct held *h = &fifo[fifo_head];

        if (h->due_us > now)
            return (int)((h->due_us - now + 999) / 1000);
        sendto(lfd, h->pkt, h->len, MSG_DONTWAIT, (struct sockaddr *)&h->client, sizeof(h->client));
        fifo_head = (fifo_head + 1) % HELD_MAX;
        fifo_count--;
    }
    return 1000;
}

int main(int argc, char **argv)
{
    struct sockaddr_in lsa, usa;
    struct pollfd p[2];
    long long delay_us;
    int lfd, ufd;

    if (argc != 4) {
        fprintf(stderr, "usage: dns-delay LISTEN UPSTREAM DELAY_MS\n");
        return 2;
    }
    delay_us = atoll(argv[3]) * 1000;
    fifo = calloc(HELD_MAX, sizeof(*fifo));
    if (fifo == NULL || (lfd = udp_socket(argv[1], 1, &lsa)) < 0 ||
        (ufd = udp_socket(argv[2], 0, &usa)) < 0) {
        fprintf(stderr, "dns-delay: cannot set up: %s\n", strerror(errno));
        return 1;
    }
    p[0] = (struct pollfd){lfd, POLLIN, 0};
    p[1] = (struct pollfd){ufd, POLLIN, 0};
    for (;;) {
        int wait_ms = release(lfd);

        if (poll(p, 2, wait_ms) < 0 && errno != EINTR)
            return 1;
        if (p[0].revents & POLLIN)
            question(lfd, ufd);
        if (p[1].revents & POLLIN)
            answer(ufd, delay_us);
    }
}
