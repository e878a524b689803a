/* bench_relay.c - media_relay.h forwarding cost.
 *
 *   bench_relay time         forwarded RTP packets per second (median of 7
 *                            runs of 1,000,000 packets over 100 two-leg
 *                            sessions, both directions, 160-byte payloads)
 *   bench_relay count W N    N rounds of 1000 packets of workload W (for
 *                            callgrind): "fwd" through the relay, "null" the
 *                            same harness without the relay call
 *   bench_relay mem          bytes per session (relay memory for 1000 vs
 *                            1001 sessions of 2 legs)
 *
 * bench/relay.sh runs all three and prints one line per figure.
 */
#define _POSIX_C_SOURCE 200809L
#define CVOIP_IMPLEMENTATION
#include "rtp.h"
#include "sdp.h"
#include "media_relay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSESS 100

static uint64_t sink_bytes;
static media_relay *R;
static media_relay_sid SID[NSESS];
static uint8_t PKT[2][172];
static media_relay_addr SRC[2];

static int b_alloc(void *u, media_relay_sid sid, unsigned leg, uint16_t *rtp, uint16_t *rtcp)
{
    (void)u;
    *rtp = (uint16_t)(10000 + 4 * (sid.index % 10000) + 2 * leg);
    *rtcp = (uint16_t)(*rtp + 1);
    return 0;
}

static int b_send(void *u, media_relay_sid sid, unsigned leg, unsigned sock,
                  const media_relay_addr *dst, const uint8_t *pkt, size_t len)
{
    (void)u, (void)sid, (void)leg, (void)sock, (void)dst, (void)pkt;
    sink_bytes += len;
    return 0;
}

static void setup(void)
{
    static uint64_t *mem;
    media_relay_config cfg;
    media_relay_callbacks cb;
    size_t n;
    unsigned i, l;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_sessions = NSESS;
    cfg.local_addr = "203.0.113.5";
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.alloc_port = b_alloc;
    cb.send = b_send;
    n = media_relay_mem_size(&cfg);
    mem = (uint64_t *)malloc(n);
    if (!mem || media_relay_init(mem, n, &cfg, &cb, NULL, &R) != 0) exit(2);
    media_relay_addr_parse("192.0.2.1", 9, 4000, &SRC[0]);
    media_relay_addr_parse("192.0.2.2", 9, 5000, &SRC[1]);
    for (i = 0; i < NSESS; i++) {
        if (media_relay_session_create(R, 2, 0, 0, &SID[i]) != 0) exit(2);
        for (l = 0; l < 2; l++) media_relay_leg_set_remote(R, SID[i], l, MEDIA_RELAY_RTP, &SRC[l]);
    }
    for (l = 0; l < 2; l++) {
        static uint8_t pl[160];
        rtp_packet_desc d;
        memset(&d, 0, sizeof d);
        d.ssrc = 0x1000u + l;
        d.payload = pl;
        d.payload_len = sizeof pl;
        if (rtp_build(&d, PKT[l], sizeof PKT[l], NULL) != 172) exit(2);
    }
}

/* One round: 1000 packets, session by session, both directions; seq and
 * timestamp advance per pair, as a 20 ms stream does. */
static uint32_t round_no;
static void run_round(int relay)
{
    unsigned k;
    uint64_t now = (uint64_t)round_no * 1000000u;
    for (k = 0; k < 1000; k++) {
        unsigned s = k / 2 % NSESS, l = k & 1;
        uint32_t step = round_no * 5u + k / (2 * NSESS);
        uint16_t seq = (uint16_t)step;
        uint32_t ts = step * 160u;
        uint8_t *p = PKT[l];
        p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq;
        p[4] = (uint8_t)(ts >> 24), p[5] = (uint8_t)(ts >> 16), p[6] = (uint8_t)(ts >> 8), p[7] = (uint8_t)ts;
        if (relay)
            media_relay_on_packet(R, SID[s], l, MEDIA_RELAY_RTP, &SRC[l], p, sizeof PKT[l], now + k);
        else
            sink_bytes += p[3];
    }
    round_no++;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "mem") == 0) {
        media_relay_config cfg;
        size_t a, b;
        memset(&cfg, 0, sizeof cfg);
        cfg.local_addr = "203.0.113.5";
        cfg.max_sessions = 1000;
        a = media_relay_mem_size(&cfg);
        cfg.max_sessions = 1001;
        b = media_relay_mem_size(&cfg);
        printf("relay: bytes per two-leg session: %zu\n", b - a);
        cfg.mixer = 1;
        cfg.max_legs = 4;
        cfg.max_sessions = 1000;
        a = media_relay_mem_size(&cfg);
        cfg.max_sessions = 1001;
        b = media_relay_mem_size(&cfg);
        printf("relay: bytes per four-leg mixer session: %zu\n", b - a);
        return 0;
    }
    setup();
    if (argc >= 4 && strcmp(argv[1], "count") == 0) {
        int relay = strcmp(argv[2], "fwd") == 0, n = atoi(argv[3]), i;
        for (i = 0; i < n; i++) run_round(relay);
        printf("sink %llu\n", (unsigned long long)sink_bytes);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "time") == 0) {
        double t[7];
        int i, j;
        for (i = 0; i < 100; i++) run_round(1);   /* warm-up, latch */
        for (j = 0; j < 7; j++) {
            double t0 = now_s();
            for (i = 0; i < 1000; i++) run_round(1);
            t[j] = now_s() - t0;
        }
        qsort(t, 7, sizeof t[0], cmp_d);
        printf("relay: forwarded RTP packets per second: %.0f (%.1f ns/packet)\n",
               1e6 / t[3], t[3] * 1e9 / 1e6);
        return 0;
    }
    fprintf(stderr, "usage: bench_relay time | count fwd|null ROUNDS | mem\n");
    return 2;
}
