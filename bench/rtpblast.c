/* rtpblast - RTP load through a media relay, for bench/sipd.sh.
 *
 *   rtpblast SECONDS PPS < streams
 *
 * Each line of stdin describes one call: "APORT BPORT DSTA DSTB", where
 * side A (the caller) owns 127.0.0.1:APORT and sends to DSTA
 * (ip:port, the relay's port that forwards to B), side B (the callee)
 * owns 127.0.0.1:BPORT and sends to DSTB. Every 1/PPS second each side
 * of each call sends one 172-byte RTP packet (PCMU, 160 bytes of payload,
 * rtp.h's rtp_build) for SECONDS seconds; everything received is parsed
 * (rtp_parse) and counted when its SSRC is the other side's. Prints one
 * line: "sent N received M lost L (A->B a/b, B->A c/d)" and exits 0, or 1
 * on a setup error. The packets are paced on CLOCK_MONOTONIC absolute
 * deadlines, so a late tick does not slow the rate down.
 */
#define _GNU_SOURCE
#define RTP_IMPLEMENTATION
#include "rtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 1024

typedef struct side {
    int fd;
    struct sockaddr_in dst;
    uint32_t ssrc, peer_ssrc;
    uint16_t seq;
    uint32_t ts;
    unsigned long sent, received;
} side;

static side sides[2 * MAX_STREAMS];

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *c = strrchr(s, ':');
    if (!c || (size_t)(c - s) >= sizeof host) return -1;
    memcpy(host, s, (size_t)(c - s));
    host[c - s] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(c + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int bind_udp(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), buf = 1 << 20;
    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_one(side *s)
{
    uint8_t payload[160], pkt[256];
    rtp_packet_desc d;
    int n;
    memset(payload, 0xff, sizeof payload); /* PCMU silence */
    memset(&d, 0, sizeof d);
    d.payload_type = 0;
    d.seq = s->seq++;
    d.timestamp = s->ts;
    s->ts += 160;
    d.ssrc = s->ssrc;
    d.payload = payload;
    d.payload_len = sizeof payload;
    n = rtp_build(&d, pkt, sizeof pkt, NULL);
    if (n > 0 && sendto(s->fd, pkt, (size_t)n, 0, (struct sockaddr *)&s->dst, sizeof s->dst) == n)
        s->sent++;
}

static void drain(side *s)
{
    uint8_t buf[2048];
    rtp_header h;
    ssize_t n;
    while ((n = recv(s->fd, buf, sizeof buf, 0)) > 0)
        if (rtp_parse(buf, (size_t)n, &h) == 0 && h.ssrc == s->peer_ssrc) s->received++;
}

static void ts_add(struct timespec *t, long ns)
{
    t->tv_nsec += ns;
    while (t->tv_nsec >= 1000000000L) {
        t->tv_nsec -= 1000000000L;
        t->tv_sec++;
    }
}

int main(int argc, char **argv)
{
    char line[256], a[80], b[80];
    int n = 0, i, ap, bp, pps;
    double secs;
    long ticks, t, period;
    struct timespec next;
    unsigned long sent[2] = {0, 0}, recvd[2] = {0, 0};
    if (argc != 3 || (secs = atof(argv[1])) <= 0 || (pps = atoi(argv[2])) <= 0 || pps > 1000) {
        fprintf(stderr, "usage: rtpblast SECONDS PPS < streams (APORT BPORT DSTA DSTB per line)\n");
        return 2;
    }
    while (n < MAX_STREAMS && fgets(line, sizeof line, stdin)) {
        side *sa = &sides[2 * n], *sb = &sides[2 * n + 1];
        if (sscanf(line, "%d %d %79s %79s", &ap, &bp, a, b) != 4) continue;
        if (parse_addr(a, &sa->dst) || parse_addr(b, &sb->dst)) {
            fprintf(stderr, "rtpblast: bad address in: %s", line);
            return 1;
        }
        if ((sa->fd = bind_udp(ap)) < 0 || (sb->fd = bind_udp(bp)) < 0) {
            fprintf(stderr, "rtpblast: bind %d/%d: %s\n", ap, bp, strerror(errno));
            return 1;
        }
        sa->ssrc = 0x10000000u + (uint32_t)n;
        sb->ssrc = 0x20000000u + (uint32_t)n;
        sa->peer_ssrc = sb->ssrc;
        sb->peer_ssrc = sa->ssrc;
        sa->seq = sb->seq = (uint16_t)(n * 1000);
        n++;
    }
    if (!n) {
        fprintf(stderr, "rtpblast: no streams\n");
        return 1;
    }
    period = 1000000000L / pps;
    ticks = (long)(secs * pps);
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (t = 0; t < ticks; t++) {
        for (i = 0; i < 2 * n; i++) send_one(&sides[i]);
        ts_add(&next, period);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
        for (i = 0; i < 2 * n; i++) drain(&sides[i]);
    }
    /* the last packets in flight */
    usleep(300000);
    for (i = 0; i < 2 * n; i++) drain(&sides[i]);
    for (i = 0; i < 2 * n; i++) {
        sent[i & 1] += sides[i].sent;
        recvd[!(i & 1)] += sides[i].received; /* what B receives came from A */
    }
    printf("streams %d sent %lu received %lu lost %ld (A->B %lu/%lu, B->A %lu/%lu)\n", n,
           sent[0] + sent[1], recvd[0] + recvd[1],
           (long)(sent[0] + sent[1]) - (long)(recvd[0] + recvd[1]), recvd[0], sent[0], recvd[1],
           sent[1]);
    return 0;
}
