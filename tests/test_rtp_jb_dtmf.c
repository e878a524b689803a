/* rtp.h: adaptive jitter buffer (RFC 3550 §6.4.1 / A.8 jitter, A.1
 * sequence arithmetic) and RFC 4733 telephone-events (sender and receiver).
 *
 * Default jitter buffer config in these tests: 8000 Hz, 20 ms ticks (160
 * samples), depth min 1 / max 10 / initial 3, k = 4, 28 slots. Ticks are at
 * t = k * 20 ms; packets due at a tick are put before that tick's get. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "rtp.h"
#include "testutil.h"

/* ---- jitter buffer helpers --------------------------------------------- */

typedef struct tjb {
    rtp_jb jb;
    void *mem;
} tjb;

static void tjb_init(tjb *t, const rtp_jb_config *cfg)
{
    size_t n = rtp_jb_mem_size(cfg);
    cr_assert(n > 0);
    t->mem = malloc(n);
    cr_assert(t->mem != NULL);
    cr_assert_eq(rtp_jb_init(&t->jb, t->mem, n, cfg), 0);
}

static void tjb_free(tjb *t) { free(t->mem); }

/* payload: the sequence number, big endian, so frames can be told apart */
static int tput(tjb *t, uint32_t ssrc, uint16_t seq, uint32_t ts, int m, uint64_t now)
{
    uint8_t p[2];
    p[0] = (uint8_t)(seq >> 8);
    p[1] = (uint8_t)seq;
    return rtp_jb_put(&t->jb, ssrc, seq, ts, m, p, 2, now);
}

static rtp_jb_stats tstats(const tjb *t)
{
    rtp_jb_stats st;
    rtp_jb_stats_get(&t->jb, &st);
    return st;
}

/* get at now; expect kind, and for FRAME the seq (payload checked too) */
static void expect_frame(tjb *t, uint64_t now, uint16_t seq)
{
    rtp_jb_frame f;
    rtp_jb_kind k = rtp_jb_get(&t->jb, now, &f);
    cr_assert_eq(k, RTP_JB_FRAME, "t=%llu: kind %d, want FRAME %u", (unsigned long long)now,
                 (int)k, (unsigned)seq);
    cr_assert_eq(f.kind, RTP_JB_FRAME);
    cr_assert_eq(f.seq, seq, "t=%llu: seq %u want %u", (unsigned long long)now,
                 (unsigned)f.seq, (unsigned)seq);
    cr_assert_eq(f.payload.len, 2u);
    cr_assert_eq(f.payload.p[0], (uint8_t)(seq >> 8));
    cr_assert_eq(f.payload.p[1], (uint8_t)seq);
}

static void expect_kind(tjb *t, uint64_t now, rtp_jb_kind want, int inserted)
{
    rtp_jb_frame f;
    rtp_jb_kind k = rtp_jb_get(&t->jb, now, &f);
    cr_assert_eq(k, want, "t=%llu: kind %d want %d", (unsigned long long)now, (int)k, (int)want);
    if (want == RTP_JB_LOST)
        cr_assert_eq(f.inserted, inserted, "t=%llu: inserted %d", (unsigned long long)now,
                     f.inserted);
}

#define MS(x) ((uint64_t)(x) * 1000u)

/* ---- jitter buffer ------------------------------------------------------- */

/* Config: 8000 Hz (RFC 3551 §4.5 PCMU/PCMA clock) and 20 ms frames (the
 * RFC 3551 §4.5 default packetization) unless told otherwise; a frame must
 * be a whole number of samples. */
Test(rtp_jb, config_defaults_and_limits)
{
    rtp_jb_config c, r;
    rtp_jb jb;
    uint8_t mem[64];
    cr_assert_eq(rtp_jb_config_resolve(NULL, &r), 0);
    cr_assert_eq(r.clock_rate, 8000u);
    cr_assert_eq(r.frame_us, 20000u);
    cr_assert_eq(r.min_depth, 1u);
    cr_assert_eq(r.max_depth, 10u);
    cr_assert_eq(r.initial_depth, 3u);
    cr_assert_eq(r.jitter_factor, 64u);
    cr_assert_eq(r.slots, 28u);
    cr_assert_eq(r.max_payload, 1500u);
    memset(&c, 0, sizeof c);
    c.frame_us = 20001; /* 160.008 samples */
    cr_assert_eq(rtp_jb_config_resolve(&c, &r), RTP_ERR_JB_CONFIG);
    cr_assert_eq(rtp_jb_mem_size(&c), 0u);
    memset(&c, 0, sizeof c);
    c.min_depth = 5;
    c.max_depth = 4;
    cr_assert_eq(rtp_jb_config_resolve(&c, &r), RTP_ERR_JB_CONFIG);
    memset(&c, 0, sizeof c);
    c.slots = 10; /* must exceed max_depth */
    cr_assert_eq(rtp_jb_config_resolve(&c, &r), RTP_ERR_JB_CONFIG);
    c.slots = RTP_JB_MAX_SLOTS + 1;
    cr_assert_eq(rtp_jb_config_resolve(&c, &r), RTP_ERR_JB_CONFIG);
    cr_assert_eq(rtp_jb_init(&jb, mem, sizeof mem, NULL), RTP_ERR_JB_CONFIG);
    cr_assert_str_eq(rtp_jb_strerror(RTP_ERR_JB_LATE), "packet arrived after its playout time");
    cr_assert_str_eq(rtp_jb_strerror(RTP_ERR_NOSPACE), rtp_strerror(RTP_ERR_NOSPACE));
}

/* In order (RFC 3550 §5.1), no jitter (A.8 J = 0): playout starts
 * initial_depth (3) ticks after the first arrival; then one frame per
 * tick; then an underrun tick. */
Test(rtp_jb, in_order_stream)
{
    tjb t;
    rtp_jb_stats st;
    int k;
    tjb_init(&t, NULL);
    expect_kind(&t, 0, RTP_JB_EMPTY, 0); /* not started */
    for (k = 0; k < 14; k++) {
        uint64_t now = MS(20 * k);
        if (k < 10)
            cr_assert_eq(tput(&t, 1, (uint16_t)(100 + k), 1000u + 160u * (unsigned)k, k == 0, now), 0);
        if (k < 3) expect_kind(&t, now, RTP_JB_EMPTY, 0);
        else if (k < 13) expect_frame(&t, now, (uint16_t)(100 + k - 3));
        else expect_kind(&t, now, RTP_JB_LOST, 1); /* underrun */
    }
    st = tstats(&t);
    cr_assert_eq(st.received, 10u);
    cr_assert_eq(st.played, 10u);
    cr_assert_eq(st.lost, 0u);
    cr_assert_eq(st.late, 0u);
    cr_assert_eq(st.duplicate, 0u);
    cr_assert_eq(st.inserted, 1u);
    cr_assert_eq(st.depth, 3u);
    cr_assert_eq(st.target, 1u);
    cr_assert_eq(st.jitter_us, 0u);
    cr_assert_eq(st.buffered, 0u);
    tjb_free(&t);
}

/* RFC 3550 §5.1: the sequence number orders the packets; 103 arrives before
 * 102, and 101 before the first one (100) at the start. */
Test(rtp_jb, reorder_within_depth)
{
    tjb t;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 7, 101, 160, 0, MS(0)), 0);
    cr_assert_eq(tput(&t, 7, 100, 0, 1, MS(5)), 0); /* earlier: the stream starts here */
    expect_kind(&t, MS(0), RTP_JB_EMPTY, 0);
    expect_kind(&t, MS(20), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 7, 103, 480, 0, MS(40)), 0);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 7, 102, 320, 0, MS(60)), 0);
    expect_frame(&t, MS(60), 100);
    cr_assert_eq(tput(&t, 7, 104, 640, 0, MS(80)), 0);
    expect_frame(&t, MS(80), 101);
    expect_frame(&t, MS(100), 102);
    expect_frame(&t, MS(120), 103);
    expect_frame(&t, MS(140), 104);
    st = tstats(&t);
    cr_assert_eq(st.played, 5u);
    cr_assert_eq(st.lost, 0u);
    cr_assert_eq(st.late, 0u);
    tjb_free(&t);
}

/* A duplicate (RFC 3550 A.1 counts them apart) is dropped, both while it
 * is buffered and after it was played. */
Test(rtp_jb, duplicate)
{
    tjb t;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 1, 500, 0, 0, MS(0)), 0);
    cr_assert_eq(tput(&t, 1, 500, 0, 0, MS(1)), RTP_ERR_JB_DUPLICATE);
    cr_assert_eq(tput(&t, 1, 501, 160, 0, MS(20)), 0);
    cr_assert_eq(tput(&t, 1, 501, 160, 0, MS(21)), RTP_ERR_JB_DUPLICATE);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    expect_frame(&t, MS(60), 500);
    cr_assert_eq(tput(&t, 1, 500, 0, 0, MS(61)), RTP_ERR_JB_DUPLICATE); /* played */
    expect_frame(&t, MS(80), 501);
    st = tstats(&t);
    cr_assert_eq(st.received, 5u);
    cr_assert_eq(st.duplicate, 3u);
    cr_assert_eq(st.played, 2u);
    tjb_free(&t);
}

/* Loss: 102 never comes; its tick is LOST (seq and timestamp given) and
 * playout goes on. */
Test(rtp_jb, loss_gives_lost)
{
    tjb t;
    rtp_jb_frame f;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 1, 100, 0, 0, MS(0)), 0);
    cr_assert_eq(tput(&t, 1, 101, 160, 0, MS(20)), 0);
    cr_assert_eq(tput(&t, 1, 103, 480, 0, MS(60)), 0);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    expect_frame(&t, MS(60), 100);
    expect_frame(&t, MS(80), 101);
    cr_assert_eq(rtp_jb_get(&t.jb, MS(100), &f), RTP_JB_LOST);
    cr_assert_eq(f.inserted, 0);
    cr_assert_eq(f.seq, 102);
    cr_assert_eq(f.timestamp, 320u);
    expect_frame(&t, MS(120), 103);
    st = tstats(&t);
    cr_assert_eq(st.lost, 1u);
    cr_assert_eq(st.played, 3u);
    tjb_free(&t);
}

/* A packet after its playout time (its tick was LOST) is late: counted and
 * dropped. */
Test(rtp_jb, late_packet)
{
    tjb t;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 1, 100, 0, 0, MS(0)), 0);
    expect_kind(&t, MS(0), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 101, 160, 0, MS(20)), 0);
    expect_kind(&t, MS(20), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 103, 480, 0, MS(40)), 0);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 104, 640, 0, MS(60)), 0);
    expect_frame(&t, MS(60), 100);
    expect_frame(&t, MS(80), 101);
    expect_kind(&t, MS(100), RTP_JB_LOST, 0); /* 102's turn */
    cr_assert_eq(tput(&t, 1, 102, 320, 0, MS(110)), RTP_ERR_JB_LATE);
    expect_frame(&t, MS(120), 103);
    expect_frame(&t, MS(140), 104);
    st = tstats(&t);
    cr_assert_eq(st.late, 1u);
    cr_assert_eq(st.lost, 1u);
    cr_assert_eq(st.received, 5u);
    /* A.8 jitter over the 5 arrivals: |D| = 20000, 0, 90000 µs -> J = 6723,
     * target = ceil(4 * 6723 / 20000) = 2 */
    cr_assert_eq(st.jitter_us, 6723u);
    cr_assert_eq(st.target, 2u);
    tjb_free(&t);
}

/* RFC 3550 A.1: 16-bit sequence numbers and 32-bit timestamps wrap; the
 * packets around both wraps arrive out of order and play in order. */
Test(rtp_jb, seq_and_timestamp_wrap)
{
    tjb t;
    rtp_jb_frame f;
    static const uint16_t seq[] = {65534, 65535, 0, 1, 2};
    static const uint32_t ts[] = {0xFFFFFEC0u, 0xFFFFFF60u, 0u, 0xA0u, 0x140u};
    static const int order[] = {0, 2, 1, 3, 4};
    int i;
    tjb_init(&t, NULL);
    for (i = 0; i < 5; i++)
        cr_assert_eq(tput(&t, 9, seq[order[i]], ts[order[i]], 0, MS(20 * i)), 0);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    for (i = 0; i < 5; i++) {
        cr_assert_eq(rtp_jb_get(&t.jb, MS(60 + 20 * i), &f), RTP_JB_FRAME);
        cr_assert_eq(f.seq, seq[i]);
        cr_assert_eq(f.timestamp, ts[i]);
    }
    /* the duplicate of a pre-wrap packet is still recognised */
    cr_assert_eq(tput(&t, 9, 65535, 0xFFFFFF60u, 0, MS(200)), RTP_ERR_JB_DUPLICATE);
    cr_assert_eq(tstats(&t).played, 5u);
    tjb_free(&t);
}

/* RFC 3551 §4.1: the marker bit starts a talkspurt after silence. The
 * silence ticks before it are underrun ticks (inserted LOST: the buffer
 * cannot know yet); the marked packet plays depth ticks after its arrival,
 * and the depth moves to the target: 3 -> 2 (shrink one frame). */
Test(rtp_jb, talkspurt_start)
{
    tjb t;
    rtp_jb_frame f;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 1, 0, 0, 1, MS(0)), 0);
    expect_kind(&t, MS(0), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 1, 160, 0, MS(20)), 0);
    expect_kind(&t, MS(20), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 2, 320, 0, MS(40)), 0);
    expect_kind(&t, MS(40), RTP_JB_EMPTY, 0);
    expect_frame(&t, MS(60), 0);
    expect_frame(&t, MS(80), 1);
    expect_frame(&t, MS(100), 2);
    expect_kind(&t, MS(120), RTP_JB_LOST, 1);
    expect_kind(&t, MS(140), RTP_JB_LOST, 1);
    /* 100 ms of silence (ts 480..1279), then a talkspurt at ts 1280 */
    cr_assert_eq(tput(&t, 1, 3, 1280, 1, MS(160)), 0);
    expect_kind(&t, MS(160), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 4, 1440, 0, MS(180)), 0);
    expect_kind(&t, MS(180), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 1, 5, 1600, 0, MS(200)), 0);
    cr_assert_eq(rtp_jb_get(&t.jb, MS(200), &f), RTP_JB_FRAME);
    cr_assert_eq(f.seq, 3);
    cr_assert_eq(f.marker, 1);
    cr_assert_eq(f.timestamp, 1280u);
    expect_frame(&t, MS(220), 4);
    expect_frame(&t, MS(240), 5);
    st = tstats(&t);
    cr_assert_eq(st.depth, 2u);
    cr_assert_eq(st.target, 1u);
    cr_assert_eq(st.lost, 0u);
    cr_assert_eq(st.inserted, 2u);
    tjb_free(&t);
}

/* Put packets and run ticks in time order (puts first at equal times),
 * recording the depth after every tick. */
typedef struct ev {
    uint64_t t;
    uint16_t seq;
    uint32_t ts;
    int marker;
} ev;

/* Adaptation (RFC 3550 A.8 jitter; the documented policy): odd packets
 * come 30 ms late, so |D| = 30 ms for every pair. J climbs (1875, 3632,
 * ...) and target = ceil(4 J / 20 ms) reaches 4 at t = 250 ms (J = 15249)
 * and 5 at t = 400 ms (J = 20611): the next ticks insert one frame each
 * (grow fast). Then talkspurts of 4 packets with no jitter, 100 ms apart:
 * J decays by 1/16 per packet and at each talkspurt start the depth drops
 * by one frame at most (shrink slowly): target 5, 4, 3, 3, 2, 2 and
 * depth 5, 4, 3, 3, 2, 2 (J 21750, 16802, 12979, 10026, 7744, 5982). */
Test(rtp_jb, depth_adaptation)
{
    tjb t;
    rtp_jb_stats st;
    ev e[64];
    int n = 0, i, j, k;
    uint64_t now;
    static const unsigned want_target[] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
                                           4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    static const unsigned want_ts_depth[] = {5, 4, 3, 3, 2, 2};
    tjb_init(&t, NULL);
    for (i = 0; i < 30; i++) {
        e[n].t = MS(20 * i + (i % 2 ? 30 : 0));
        e[n].seq = (uint16_t)i;
        e[n].ts = 160u * (unsigned)i;
        e[n].marker = i == 0;
        n++;
    }
    /* arrival order: swap neighbours that overtake */
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (e[j].t < e[i].t) {
                ev x = e[i];
                e[i] = e[j];
                e[j] = x;
            }
    i = 0;
    for (now = 0; now <= MS(700); now += MS(20)) {
        for (; i < n && e[i].t <= now; i++) {
            cr_assert_eq(tput(&t, 1, e[i].seq, e[i].ts, e[i].marker, e[i].t), 0);
            cr_assert_eq(tstats(&t).target, want_target[i], "after put %d: target %u", i,
                         tstats(&t).target);
        }
        (void)rtp_jb_get(&t.jb, now, NULL);
        st = tstats(&t);
        if (now < MS(260)) cr_assert_eq(st.depth, 3u, "t=%llu", (unsigned long long)now);
        else if (now < MS(400)) cr_assert_eq(st.depth, 4u, "t=%llu", (unsigned long long)now);
        else cr_assert_eq(st.depth, 5u, "t=%llu", (unsigned long long)now);
    }
    st = tstats(&t);
    cr_assert_eq(st.played, 30u);
    cr_assert_eq(st.late, 0u);
    cr_assert_eq(st.lost, 0u);
    cr_assert_eq(st.jitter_us, 23200u);
    /* talkspurts of 4 packets: the first at ts 5600 (100 ms of silence
     * after packet 29), then every 1440 (4 frames + 100 ms); the transit
     * (arrival - media time) stays 30 ms as for packet 29, so |D| = 0 */
    n = 0;
    for (k = 0; k < 6; k++) {
        uint32_t ts0 = 5600u + 1440u * (unsigned)k;
        for (j = 0; j < 4; j++) {
            e[n].ts = ts0 + 160u * (unsigned)j;
            e[n].t = (uint64_t)e[n].ts * 125u + MS(30);
            e[n].seq = (uint16_t)(30 + n);
            e[n].marker = j == 0;
            n++;
        }
    }
    i = 0;
    k = 0;
    for (now = MS(720); now <= MS(1900); now += MS(20)) {
        int marked = 0;
        for (; i < n && e[i].t <= now; i++) {
            cr_assert_eq(tput(&t, 1, e[i].seq, e[i].ts, e[i].marker, e[i].t), 0);
            marked |= e[i].marker;
        }
        (void)rtp_jb_get(&t.jb, now, NULL);
        /* the first tick after a marked packet's arrival decides */
        if (marked) {
            cr_assert(k < 6);
            cr_assert_eq(tstats(&t).depth, want_ts_depth[k], "talkspurt %d: depth %u", k,
                         tstats(&t).depth);
            k++;
        }
    }
    cr_assert_eq(k, 6);
    st = tstats(&t);
    cr_assert_eq(st.played, 54u);
    cr_assert_eq(st.lost, 0u);
    cr_assert_eq(st.late, 0u);
    tjb_free(&t);
}

/* RFC 3550 §8.2: a new SSRC is a new stream; the buffer starts over
 * (its packets of the old source are dropped) and counts a reset. */
Test(rtp_jb, ssrc_change)
{
    tjb t;
    rtp_jb_stats st;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 0x1111, 100, 0, 1, MS(0)), 0);
    cr_assert_eq(tput(&t, 0x1111, 101, 160, 0, MS(20)), 0);
    cr_assert_eq(tput(&t, 0x1111, 102, 320, 0, MS(40)), 0);
    expect_frame(&t, MS(60), 100);
    cr_assert_eq(tput(&t, 0x2222, 5000, 777, 1, MS(70)), 0);
    st = tstats(&t);
    cr_assert_eq(st.resets, 1u);
    cr_assert_eq(st.buffered, 1u);
    cr_assert_eq(st.depth, 3u);
    /* 101 and 102 are gone; 5000 plays 3 ticks after 70 ms */
    expect_kind(&t, MS(80), RTP_JB_EMPTY, 0);
    cr_assert_eq(tput(&t, 0x2222, 5001, 937, 0, MS(90)), 0);
    expect_kind(&t, MS(100), RTP_JB_EMPTY, 0);
    expect_kind(&t, MS(120), RTP_JB_EMPTY, 0);
    expect_frame(&t, MS(140), 5000);
    expect_frame(&t, MS(160), 5001);
    /* an old-source packet now resets again */
    cr_assert_eq(tput(&t, 0x1111, 103, 480, 0, MS(170)), 0);
    cr_assert_eq(tstats(&t).resets, 2u);
    tjb_free(&t);
}

/* RFC 3550 A.1: a jump outside the window is dropped, a second packet in
 * sequence after it restarts the stream there. */
Test(rtp_jb, sequence_restart)
{
    tjb t;
    tjb_init(&t, NULL);
    cr_assert_eq(tput(&t, 1, 10, 0, 0, MS(0)), 0);
    cr_assert_eq(tput(&t, 1, 30000, 99999, 0, MS(20)), RTP_ERR_JB_WINDOW);
    cr_assert_eq(tput(&t, 1, 30001, 100159, 0, MS(40)), 0);
    cr_assert_eq(tstats(&t).resets, 1u);
    cr_assert_eq(tstats(&t).window, 1u);
    expect_kind(&t, MS(80), RTP_JB_EMPTY, 0);
    expect_frame(&t, MS(100), 30001);
    cr_assert_eq(rtp_jb_put(&t.jb, 1, 30002, 0, 0, NULL, 1, MS(100)), RTP_ERR_INVALID);
    {
        static uint8_t big[1501];
        cr_assert_eq(rtp_jb_put(&t.jb, 1, 30002, 100319, 0, big, sizeof big, MS(100)),
                     RTP_ERR_JB_TOO_BIG);
    }
    tjb_free(&t);
}

/* ---- RFC 4733 -------------------------------------------------------------- */

static size_t hx(const char *hex, uint8_t *out)
{
    size_t n = 0;
    unsigned v;
    while (hex[0] && hex[1]) {
        if (hex[0] == ' ') {
            hex++;
            continue;
        }
        if (sscanf(hex, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

/* One telephone-event packet as the caller builds it: PT 101, SSRC
 * 0xCAFEBABE, the caller's sequence number. */
static int dtmf_rtp(const rtp_dtmf_packet *p, uint16_t seq, uint8_t out[16])
{
    rtp_packet_desc d;
    memset(&d, 0, sizeof d);
    d.marker = p->marker;
    d.payload_type = 101;
    d.seq = seq;
    d.timestamp = p->timestamp;
    d.ssrc = 0xCAFEBABEu;
    d.payload = p->payload;
    d.payload_len = 4;
    return rtp_build(&d, out, 16, NULL);
}

/* RFC 4733 §3.2 (Table 3): DTMF named events 0-9, *, #, A-D, flash. */
Test(rtp_dtmf, event_char_mapping)
{
    static const char all[] = "0123456789*#ABCD!";
    unsigned i;
    for (i = 0; i < 17; i++) {
        cr_assert_eq(rtp_dtmf_event_to_char(i), all[i]);
        cr_assert_eq(rtp_dtmf_char_to_event(all[i]), (int)i);
    }
    cr_assert_eq(rtp_dtmf_char_to_event('c'), RTP_DTMF_C);
    cr_assert_eq(rtp_dtmf_char_to_event('E'), RTP_ERR_DTMF_EVENT);
    cr_assert_eq(rtp_dtmf_event_to_char(17), 0);
    cr_assert_eq(rtp_dtmf_event_to_char(RTP_DTMF_FLASH), '!');
}

/* RFC 4733 §2.3 payload layout; §2.3.4 volume is 6 bits. */
Test(rtp_dtmf, payload_format)
{
    rtp_dtmf_payload p, q;
    uint8_t b[5];
    rtp_span s;
    p.event = 11;
    p.end = 1;
    p.volume = 63;
    p.duration = 0xABCD;
    cr_assert_eq(rtp_dtmf_payload_build(&p, b), 4);
    cr_assert_eq(b[0], 11);
    cr_assert_eq(b[1], 0xBF);
    cr_assert_eq(b[2], 0xAB);
    cr_assert_eq(b[3], 0xCD);
    b[1] |= 0x40; /* R bit: ignored by the receiver */
    s.p = b;
    s.len = 4;
    cr_assert_eq(rtp_dtmf_payload_parse(s, &q), 0);
    cr_assert_eq(q.event, 11);
    cr_assert_eq(q.end, 1);
    cr_assert_eq(q.volume, 63);
    cr_assert_eq(q.duration, 0xABCD);
    s.len = 3;
    cr_assert_eq(rtp_dtmf_payload_parse(s, &q), RTP_ERR_TRUNCATED);
    p.volume = 64;
    cr_assert_eq(rtp_dtmf_payload_build(&p, b), RTP_ERR_DTMF_EVENT);
}

/* RFC 4733 §2.5.1.2 (first packet with M, timestamp held, growing
 * durations), §2.5.1.4 (three end packets, each with its own sequence
 * number): digit '5', volume 10, 100 ms at 8000 Hz in 20 ms ticks. */
Test(rtp_dtmf, sender_100ms_digit)
{
    static const char *want[] = {
        "80E503E812345678CAFEBABE 050A00A0", /* M, duration 160 */
        "806503E912345678CAFEBABE 050A0140", /* 320 */
        "806503EA12345678CAFEBABE 050A01E0", /* 480 */
        "806503EB12345678CAFEBABE 050A0280", /* 640 */
        "806503EC12345678CAFEBABE 058A0320", /* E, 800 */
        "806503ED12345678CAFEBABE 058A0320", /* E, 800 (repeat) */
        "806503EE12345678CAFEBABE 058A0320", /* E, 800 (repeat) */
    };
    rtp_dtmf_sender s;
    rtp_dtmf_packet p;
    uint8_t b[16], w[16];
    int i;
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20000), 0);
    cr_assert_eq(rtp_dtmf_sender_tick(&s, &p), 0);
    cr_assert_eq(rtp_dtmf_sender_start(&s, (unsigned)rtp_dtmf_char_to_event('5'), 10,
                                       0x12345678u, 800),
                 0);
    for (i = 0; i < 7; i++) {
        cr_assert(rtp_dtmf_sender_busy(&s));
        cr_assert_eq(rtp_dtmf_sender_start(&s, 1, 10, 0, 800), RTP_ERR_DTMF_BUSY);
        cr_assert_eq(rtp_dtmf_sender_tick(&s, &p), 1);
        cr_assert_eq(dtmf_rtp(&p, (uint16_t)(1000 + i), b), 16);
        cr_assert_eq(hx(want[i], w), 16u);
        cr_assert(memcmp(b, w, 16) == 0, "packet %d differs", i);
        cr_assert_eq(p.end, i >= 4);
        cr_assert_eq(p.timestamp, 0x12345678u);
    }
    cr_assert_not(rtp_dtmf_sender_busy(&s));
    cr_assert_eq(rtp_dtmf_sender_tick(&s, &p), 0);
    /* the next digit may start now */
    cr_assert_eq(rtp_dtmf_sender_start(&s, 1, 10, 0x12345678u + 1600u, 0), 0);
    cr_assert_eq(rtp_dtmf_sender_tick(&s, &p), 1);
    cr_assert_eq(p.marker, 1);
    rtp_dtmf_sender_stop(&s);
    cr_assert_eq(rtp_dtmf_sender_tick(&s, &p), 1);
    cr_assert_eq(p.end, 1);
    cr_assert_eq(p.duration, 320);
    cr_assert_eq(rtp_dtmf_sender_start(&s, 256, 10, 0, 0), RTP_ERR_DTMF_EVENT);
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20001), RTP_ERR_DTMF_CONFIG);
}

/* Feed every packet of a sender run to a receiver (through rtp_build +
 * rtp_parse), collecting notes. */
typedef struct notes {
    rtp_dtmf_note n[16];
    int count;
} notes;

static void feed(rtp_dtmf_receiver *r, const rtp_dtmf_packet *p, uint16_t seq, uint64_t now,
                 notes *acc)
{
    uint8_t b[16];
    rtp_header h;
    rtp_dtmf_note o[RTP_DTMF_MAX_NOTES];
    int k, i;
    cr_assert_eq(dtmf_rtp(p, seq, b), 16);
    cr_assert_eq(rtp_parse(b, 16, &h), 0);
    k = rtp_dtmf_receiver_put(r, &h, now, o);
    cr_assert(k >= 0 && k <= RTP_DTMF_MAX_NOTES);
    for (i = 0; i < k && acc->count < 16; i++) acc->n[acc->count++] = o[i];
}

/* RFC 4733 §2.5.1.3 / §2.5.2.3: an event longer than 0xFFFF samples is
 * split into segments; 70000 samples at 160 per tick: tick 410 sends
 * 0xFFFF (65600 elapsed), tick 411 opens a segment at ts + 0xFFFF with
 * the 65 carried samples + 160 = 225, without M; the end says 4465
 * (65535 + 4465 = 70000). The receiver reports one digit of 70000. */
Test(rtp_dtmf, long_event_split)
{
    rtp_dtmf_sender s;
    rtp_dtmf_receiver r;
    rtp_dtmf_packet p;
    notes acc;
    int i = 0, ends = 0;
    memset(&acc, 0, sizeof acc);
    rtp_dtmf_receiver_init(&r, 0);
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20000), 0);
    cr_assert_eq(rtp_dtmf_sender_start(&s, 0, 7, 0xFFFF8000u, 70000), 0);
    while (rtp_dtmf_sender_tick(&s, &p)) {
        i++;
        if (i < 410) {
            cr_assert_eq(p.timestamp, 0xFFFF8000u);
            cr_assert_eq(p.duration, 160u * (unsigned)i);
            cr_assert_eq(p.marker, i == 1);
        } else if (i == 410) {
            cr_assert_eq(p.timestamp, 0xFFFF8000u);
            cr_assert_eq(p.duration, 0xFFFF);
            cr_assert_eq(p.end, 0);
        } else if (i == 411) {
            cr_assert_eq(p.timestamp, 0x00007FFFu); /* 0xFFFF8000 + 0xFFFF wraps */
            cr_assert_eq(p.duration, 225);
            cr_assert_eq(p.marker, 0);
            cr_assert_eq(p.end, 0);
        }
        if (p.end) {
            ends++;
            cr_assert_eq(p.duration, 4465);
            cr_assert_eq(p.timestamp, 0x00007FFFu);
        }
        feed(&r, &p, (uint16_t)i, MS(20 * i), &acc);
    }
    cr_assert_eq(i, 440);
    cr_assert_eq(ends, 3);
    cr_assert_eq(acc.count, 2);
    cr_assert_eq(acc.n[0].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[0].ch, '0');
    cr_assert_eq(acc.n[0].timestamp, 0xFFFF8000u);
    cr_assert_eq(acc.n[1].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[1].duration, 70000u);
    cr_assert_eq(acc.n[1].reason, RTP_DTMF_END_BIT);

    /* ending in the tick that fills the segment (65600): the end packets
     * are in the new segment with the 65 carried samples */
    cr_assert_eq(rtp_dtmf_sender_start(&s, 0, 7, 0, 65600), 0);
    i = 0;
    ends = 0;
    while (rtp_dtmf_sender_tick(&s, &p)) {
        i++;
        if (i == 410) cr_assert_eq(p.duration, 0xFFFF);
        if (i > 410) {
            cr_assert_eq(p.end, 1);
            cr_assert_eq(p.duration, 65);
            cr_assert_eq(p.timestamp, 0xFFFFu);
            ends++;
        }
    }
    cr_assert_eq(i, 413);
    cr_assert_eq(ends, 3);
}

/* RFC 4733 §2.5.2.2 / §2.5.1.4: the three end packets (and a network
 * duplicate of one) give one ENDED; the next digit with a new timestamp is
 * a new event (§2.5.2.1). */
Test(rtp_dtmf, receiver_duplicate_end_packets)
{
    rtp_dtmf_sender s;
    rtp_dtmf_receiver r;
    rtp_dtmf_packet p[8];
    notes acc;
    int i, n = 0;
    memset(&acc, 0, sizeof acc);
    rtp_dtmf_receiver_init(&r, 0);
    cr_assert_eq(rtp_dtmf_receiver_next_deadline(&r), UINT64_MAX);
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20000), 0);
    cr_assert_eq(rtp_dtmf_sender_start(&s, RTP_DTMF_POUND, 10, 5000, 800), 0);
    while (rtp_dtmf_sender_tick(&s, &p[n])) n++;
    cr_assert_eq(n, 7);
    for (i = 0; i < n; i++) {
        int before = acc.count;
        feed(&r, &p[i], (uint16_t)i, MS(20 * i), &acc);
        if (i == 0) cr_assert_eq(acc.count - before, 1);
        else if (i == 4) cr_assert_eq(acc.count - before, 1);
        else cr_assert_eq(acc.count - before, 0, "packet %d", i);
    }
    feed(&r, &p[6], 6, MS(200), &acc); /* duplicated in the network */
    feed(&r, &p[2], 2, MS(210), &acc); /* a late update */
    cr_assert_eq(acc.count, 2);
    cr_assert_eq(acc.n[0].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[0].ch, '#');
    cr_assert_eq(acc.n[0].volume, 10);
    cr_assert_eq(acc.n[0].timestamp, 5000u);
    cr_assert_eq(acc.n[1].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[1].ch, '#');
    cr_assert_eq(acc.n[1].duration, 800u);
    cr_assert_eq(acc.n[1].reason, RTP_DTMF_END_BIT);
    cr_assert_eq(rtp_dtmf_receiver_next_deadline(&r), UINT64_MAX);
}

/* RFC 4733 §2.5.2.2: all end packets lost: the event ends when no packet
 * came for the timeout (200 ms), with the last duration seen; its late
 * end packet then is dropped. */
Test(rtp_dtmf, receiver_lost_end_timeout)
{
    rtp_dtmf_sender s;
    rtp_dtmf_receiver r;
    rtp_dtmf_packet p[8];
    rtp_dtmf_note o[RTP_DTMF_MAX_NOTES];
    notes acc;
    int i, n = 0;
    memset(&acc, 0, sizeof acc);
    rtp_dtmf_receiver_init(&r, 0);
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20000), 0);
    cr_assert_eq(rtp_dtmf_sender_start(&s, 7, 10, 42, 800), 0);
    while (rtp_dtmf_sender_tick(&s, &p[n])) n++;
    for (i = 0; i < 4; i++) feed(&r, &p[i], (uint16_t)i, MS(20 * i), &acc);
    cr_assert_eq(acc.count, 1);
    cr_assert_eq(rtp_dtmf_receiver_next_deadline(&r), MS(60 + 200));
    cr_assert_eq(rtp_dtmf_receiver_on_timeout(&r, MS(260) - 1, o), 0);
    cr_assert_eq(rtp_dtmf_receiver_on_timeout(&r, MS(260), o), 1);
    cr_assert_eq(o[0].kind, RTP_DTMF_ENDED);
    cr_assert_eq(o[0].ch, '7');
    cr_assert_eq(o[0].duration, 640u);
    cr_assert_eq(o[0].reason, RTP_DTMF_END_TIMEOUT);
    cr_assert_eq(rtp_dtmf_receiver_on_timeout(&r, MS(400), o), 0);
    cr_assert_eq(rtp_dtmf_receiver_next_deadline(&r), UINT64_MAX);
    feed(&r, &p[4], 4, MS(300), &acc); /* the end comes after all */
    cr_assert_eq(acc.count, 1);
}

/* RFC 4733 §2.5.2.1: back-to-back digits are told apart by the timestamp:
 * "1" whose end packets are lost, then "2" (the change ends "1" with the
 * duration seen), then "2" again properly ended, then "5" whose only
 * surviving packet is an end packet (started and ended at once). */
Test(rtp_dtmf, receiver_back_to_back_digits)
{
    rtp_dtmf_sender s;
    rtp_dtmf_receiver r;
    rtp_dtmf_packet p[8];
    notes acc;
    int i, n;
    uint32_t ts = 1000;
    memset(&acc, 0, sizeof acc);
    rtp_dtmf_receiver_init(&r, 0);
    cr_assert_eq(rtp_dtmf_sender_init(&s, 8000, 20000), 0);

    cr_assert_eq(rtp_dtmf_sender_start(&s, 1, 10, ts, 800), 0);
    for (n = 0; rtp_dtmf_sender_tick(&s, &p[n]); n++) {}
    for (i = 0; i < 3; i++) feed(&r, &p[i], (uint16_t)i, MS(20 * i), &acc); /* 160..480 */

    ts += 800; /* "2" right after */
    cr_assert_eq(rtp_dtmf_sender_start(&s, 2, 10, ts, 800), 0);
    for (n = 0; rtp_dtmf_sender_tick(&s, &p[n]); n++) {}
    for (i = 0; i < n; i++) feed(&r, &p[i], (uint16_t)(10 + i), MS(100 + 20 * i), &acc);

    ts += 800 + 400; /* "2" again after 50 ms */
    cr_assert_eq(rtp_dtmf_sender_start(&s, 2, 10, ts, 480), 0);
    for (n = 0; rtp_dtmf_sender_tick(&s, &p[n]); n++) {}
    cr_assert_eq(n, 5);
    for (i = 0; i < n; i++) feed(&r, &p[i], (uint16_t)(20 + i), MS(300 + 20 * i), &acc);

    ts += 480 + 400;
    cr_assert_eq(rtp_dtmf_sender_start(&s, 5, 10, ts, 320), 0);
    for (n = 0; rtp_dtmf_sender_tick(&s, &p[n]); n++) {}
    cr_assert_eq(n, 4);
    feed(&r, &p[3], 33, MS(500), &acc); /* only the last end packet */

    cr_assert_eq(acc.count, 8);
    cr_assert_eq(acc.n[0].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[0].ch, '1');
    cr_assert_eq(acc.n[1].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[1].ch, '1');
    cr_assert_eq(acc.n[1].duration, 480u);
    cr_assert_eq(acc.n[1].reason, RTP_DTMF_END_NEW_EVENT);
    cr_assert_eq(acc.n[2].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[2].ch, '2');
    cr_assert_eq(acc.n[2].timestamp, 1800u);
    cr_assert_eq(acc.n[3].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[3].duration, 800u);
    cr_assert_eq(acc.n[3].reason, RTP_DTMF_END_BIT);
    cr_assert_eq(acc.n[4].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[4].ch, '2');
    cr_assert_eq(acc.n[4].timestamp, 3000u);
    cr_assert_eq(acc.n[5].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[5].duration, 480u);
    cr_assert_eq(acc.n[6].kind, RTP_DTMF_STARTED);
    cr_assert_eq(acc.n[6].ch, '5');
    cr_assert_eq(acc.n[7].kind, RTP_DTMF_ENDED);
    cr_assert_eq(acc.n[7].ch, '5');
    cr_assert_eq(acc.n[7].duration, 320u);
    cr_assert_eq(acc.n[7].reason, RTP_DTMF_END_BIT);
}
