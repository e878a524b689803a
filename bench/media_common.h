/* media_common.h - the shared harness of the media benchmark.
 *
 * Three workloads over packets generated here, identical for every
 * library:
 *   rtp   parse each RTP packet and read seq, timestamp, SSRC, PT, marker
 *         and the payload length (and, when present, find the header
 *         extension block);
 *   rtcp  walk an SR (one report block) + SDES (CNAME) compound and read
 *         the sender's packet count, the block's fraction lost and jitter,
 *         and the CNAME;
 *   recv  the full receive path of one stream: parse, per-source
 *         statistics (RFC 3550 A.1 sequence checks, A.3 counts, A.8
 *         jitter) and jitter-buffer insert, with one playout take per
 *         packet so the buffer stays in its steady state.
 *
 * The RTP set is MEDIA_NPKT G.711 packets of 20 ms (160-byte payload); one
 * in three carries an RFC 8285 one-byte extension block with audio level
 * and a transport-wide sequence number. Each round rewrites the sequence
 * numbers and timestamps so that a stream goes on across rounds.
 *
 * Each program defines, before including this file:
 *   MEDIA_NAME
 *   static int peer_init(void)
 *   static uint64_t peer_rtp(const uint8_t *p, size_t n)   checksum or 0 on error
 *   static uint64_t peer_rtcp(const uint8_t *p, size_t n)
 *   static int peer_recv_init(void)       0 ok, -1 unsupported
 *   static uint64_t peer_recv(uint8_t *p, size_t n, uint64_t now_us, uint32_t ts)
 * Modes:
 *   prog time WORKLOAD N    N rounds timed 11 times; median ns/packet
 *   prog count WORKLOAD N   N rounds, untimed (for callgrind)
 *   prog check              one checksum line per workload
 * The workloads "base" (the rtp/rtcp loop) and "null" (the recv loop) run
 * without calling the library, so media.sh can subtract the harness's
 * share from the instruction counts.
 */
#ifndef MEDIA_COMMON_H
#define MEDIA_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEDIA_NPKT 1000
#define MEDIA_SSRC 0x11223344u

static int peer_init(void);
static uint64_t peer_rtp(const uint8_t *p, size_t n);
static uint64_t peer_rtcp(const uint8_t *p, size_t n);
static int peer_recv_init(void);
static uint64_t peer_recv(uint8_t *p, size_t n, uint64_t now_us, uint32_t ts);

static uint8_t media_pkt[MEDIA_NPKT][12 + 12 + 160];
static size_t media_len[MEDIA_NPKT];
static uint8_t media_rtcp[256];
static size_t media_rtcp_len;
static uint32_t media_round;

static void media_put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void media_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Written byte by byte from RFC 3550 §5.1 / RFC 8285 §4.2 so that no
 * library's builder is favoured. */
static void media_make_packets(void)
{
    unsigned i, k;
    for (i = 0; i < MEDIA_NPKT; i++) {
        uint8_t *p = media_pkt[i];
        size_t n = 12;
        int ext = i % 3 == 0;
        p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0));
        p[1] = (uint8_t)(i == 0 ? 0x80 : 0x00); /* PT 0, marker on the first */
        media_put32(p + 8, MEDIA_SSRC);
        if (ext) {
            media_put16(p + 12, 0xBEDE);
            media_put16(p + 14, 2);              /* two words */
            p[16] = 0x10; p[17] = 0x80 | 40;     /* id 1 audio level, voice, -40 dBov */
            p[18] = 0x31;                        /* id 3, 2 bytes: transport-wide seq */
            media_put16(p + 19, i);
            p[21] = p[22] = p[23] = 0;           /* padding elements */
            n += 12;
        }
        for (k = 0; k < 160; k++) p[n + k] = (uint8_t)(0xFF ^ (k * 7 + i));
        media_len[i] = n + 160;
    }
    media_round = 0;
}

/* Sequence numbers and timestamps for round r: the stream continues. */
static void media_set_round(uint32_t r)
{
    unsigned i;
    for (i = 0; i < MEDIA_NPKT; i++) {
        uint32_t n = r * MEDIA_NPKT + i;
        media_put16(media_pkt[i] + 2, (1000 + n) & 0xFFFF);
        media_put32(media_pkt[i] + 4, 5000 + n * 160u);
    }
    media_round = r;
}

static void media_make_rtcp(void)
{
    uint8_t *p = media_rtcp;
    static const char cname[] = "alice@host.example.com";
    size_t cl = sizeof cname - 1, sdes_len, pad;
    /* SR: header, sender info (20), one report block (24): 52 bytes */
    p[0] = 0x81; p[1] = 200; media_put16(p + 2, 12);
    media_put32(p + 4, MEDIA_SSRC);
    media_put32(p + 8, 0xE1234567u); media_put32(p + 12, 0x89ABCDEFu); /* NTP */
    media_put32(p + 16, 160000); media_put32(p + 20, 1234); media_put32(p + 24, 197440);
    media_put32(p + 28, 0x55667788u);
    p[32] = 12; p[33] = 0; p[34] = 0; p[35] = 7;                     /* fraction, lost */
    media_put32(p + 36, 0x0001F000u); media_put32(p + 40, 321);      /* ext seq, jitter */
    media_put32(p + 44, 0x45678912u); media_put32(p + 48, 0x00012000u);
    /* SDES: one chunk, CNAME, end, padded to a word */
    p += 52;
    sdes_len = 4 + 2 + cl + 1;
    pad = (4 - sdes_len % 4) % 4;
    p[0] = 0x81; p[1] = 202; media_put16(p + 2, (unsigned)((4 + sdes_len + pad) / 4 - 1));
    media_put32(p + 4, MEDIA_SSRC);
    p[8] = 1; p[9] = (uint8_t)cl; memcpy(p + 10, cname, cl);
    memset(p + 10 + cl, 0, 1 + pad);
    media_rtcp_len = 52 + 4 + sdes_len + pad;
}

static double media_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int media_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One round of a workload; returns the checksum (0 = an error). */
static uint64_t media_round_run(int w, uint32_t *recv_round)
{
    uint64_t sum = 0, c;
    unsigned i;
    switch (w) {
    case 0:
        for (i = 0; i < MEDIA_NPKT; i++) {
            if (!(c = peer_rtp(media_pkt[i], media_len[i]))) return 0;
            sum += c;
        }
        return sum;
    case 1:
        for (i = 0; i < MEDIA_NPKT; i++) {
            if (!(c = peer_rtcp(media_rtcp, media_rtcp_len))) return 0;
            sum += c;
        }
        return sum;
    case 4: /* the loop of rtp and rtcp alone, subtracted by media.sh */
        for (i = 0; i < MEDIA_NPKT; i++) sum += media_len[i] + media_pkt[i][1];
        return sum;
    case 3: /* the harness part of recv alone, subtracted by media.sh */
        media_set_round(*recv_round);
        for (i = 0; i < MEDIA_NPKT; i++) {
            uint32_t n = *recv_round * MEDIA_NPKT + i;
            uint64_t now = 1000000 + (uint64_t)n * 20000 + (n * 7919u) % 3000;
            sum += now + media_pkt[i][3];
        }
        ++*recv_round;
        return sum;
    default:
        media_set_round(*recv_round);
        for (i = 0; i < MEDIA_NPKT; i++) {
            uint32_t n = *recv_round * MEDIA_NPKT + i;
            /* arrival every 20 ms with a small deterministic jitter */
            uint64_t now = 1000000 + (uint64_t)n * 20000 + (n * 7919u) % 3000;
            sum += peer_recv(media_pkt[i], media_len[i], now, 5000 + n * 160u);
        }
        ++*recv_round;
        return sum ? sum : 1;
    }
}

static int media_workload(const char *s)
{
    if (!strcmp(s, "rtp")) return 0;
    if (!strcmp(s, "rtcp")) return 1;
    if (!strcmp(s, "recv")) return 2;
    if (!strcmp(s, "null")) return 3;
    if (!strcmp(s, "base")) return 4;
    return -1;
}

int main(int argc, char **argv)
{
    int w;
    long rounds, r;
    uint32_t recv_round = 0;
    media_make_packets();
    media_make_rtcp();
    media_set_round(0);
    if (peer_init()) {
        fprintf(stderr, "%s: init failed\n", MEDIA_NAME);
        return 1;
    }
    if (argc == 2 && !strcmp(argv[1], "check")) {
        const char *names[3] = {"rtp", "rtcp", "recv"};
        for (w = 0; w < 3; w++) {
            uint64_t c;
            if (w == 2 && peer_recv_init()) {
                printf("recv: unsupported\n");
                continue;
            }
            c = media_round_run(w, &recv_round);
            printf("%s: checksum %llu%s\n", names[w], (unsigned long long)c, c ? "" : " FAILED");
        }
        return 0;
    }
    if (argc != 4 || (w = media_workload(argv[2])) < 0 || (rounds = atol(argv[3])) < 1) {
        fprintf(stderr, "usage: %s time|count rtp|rtcp|recv|base|null ROUNDS | check\n", argv[0]);
        return 2;
    }
    if (w == 2 && peer_recv_init()) {
        printf("%s recv: unsupported\n", MEDIA_NAME);
        return 3;
    }
    if (!strcmp(argv[1], "count")) {
        for (r = 0; r < rounds; r++)
            if (!media_round_run(w, &recv_round)) return 1;
        return 0;
    } else {
        double t[11];
        int k;
        if (!media_round_run(w, &recv_round)) return 1; /* warm-up */
        for (k = 0; k < 11; k++) {
            double t0 = media_now_ns();
            for (r = 0; r < rounds; r++)
                if (!media_round_run(w, &recv_round)) return 1;
            t[k] = (media_now_ns() - t0) / ((double)rounds * MEDIA_NPKT);
        }
        qsort(t, 11, sizeof t[0], media_cmp);
        printf("%s %s: %.1f ns/packet (median of 11)\n", MEDIA_NAME, argv[2], t[5]);
        return 0;
    }
}

#endif
