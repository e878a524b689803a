/* rtp.h: RTP session layer (RFC 3550 §6.2-§8, Appendix A.1, A.3, A.7,
 * A.8): sequence validation, loss, jitter, RTT, SR/RR generation, the RTCP
 * transmission interval with reconsideration, the SSRC table (timeouts,
 * BYE, collisions and loops).
 *
 * Every expected number is worked out by hand from the RFC formulas in the
 * comment next to it. Randomness is a callback that returns a fixed 16-bit
 * value r, so the interval factor is exactly 0.5 + r/65536. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "rtp.h"
#include "testutil.h"

/* ---- harness ------------------------------------------------------------ */

static rtp_span sp(const uint8_t *p, size_t len)
{
    rtp_span s;
    s.p = p;
    s.len = len;
    return s;
}

typedef struct harness {
    rtp_session s;
    uint64_t mem[4096];
    uint16_t r;                 /* the "random" value */
    uint8_t sent[16][1500];
    size_t sent_len[16];
    unsigned n_sent;
    uint32_t collided, looped, removed[64], removed_reason[64];
    uint64_t collided_addr, looped_addr, removed_at[64];
    unsigned n_removed, n_new;
    uint64_t now;               /* time of the current call, for callbacks */
    uint32_t new_ssrc;          /* taken in on_collision when non-zero */
    uint8_t bye[256];
    int bye_len;
} harness;

static int h_send(void *user, const uint8_t *pkt, size_t len)
{
    harness *h = (harness *)user;
    unsigned i = h->n_sent < 16 ? h->n_sent : 15;
    cr_assert(len <= sizeof h->sent[0]);
    memcpy(h->sent[i], pkt, len);
    h->sent_len[i] = len;
    h->n_sent++;
    cr_assert(rtcp_compound_check(pkt, len, 0) > 0, "we sent an invalid compound");
    return 0;
}

static void h_rand(void *user, uint8_t *buf, size_t len)
{
    harness *h = (harness *)user;
    cr_assert_eq(len, 2);
    buf[0] = (uint8_t)(h->r >> 8);
    buf[1] = (uint8_t)h->r;
}

static void h_collision(void *user, uint32_t ssrc, uint64_t addr)
{
    harness *h = (harness *)user;
    h->collided = ssrc;
    h->collided_addr = addr;
    if (h->new_ssrc) {
        /* §8.2: pick a new SSRC, send a BYE for the old one */
        h->bye_len = rtp_session_build_bye(&h->s, ssrc, sp((const uint8_t *)"collision", 9),
                                           h->bye, sizeof h->bye, NULL);
        rtp_session_change_ssrc(&h->s, h->new_ssrc);
    }
}

static void h_loop(void *user, uint32_t ssrc, uint64_t addr)
{
    harness *h = (harness *)user;
    h->looped = ssrc;
    h->looped_addr = addr;
}

static void h_removed(void *user, uint32_t ssrc, int reason)
{
    harness *h = (harness *)user;
    if (h->n_removed < 64) {
        h->removed[h->n_removed] = ssrc;
        h->removed_reason[h->n_removed] = (uint32_t)reason;
        h->removed_at[h->n_removed] = h->now;
    }
    h->n_removed++;
}

static void h_new(void *user, rtp_source *src)
{
    (void)src;
    ((harness *)user)->n_new++;
}

static rtp_session_config h_cfg(void)
{
    rtp_session_config c;
    memset(&c, 0, sizeof c);
    c.ssrc = 0x11111111u;
    c.cname.p = (const uint8_t *)"a@b";
    c.cname.len = 3;
    c.max_sources = 64;
    return c;
}

static void h_init(harness *h, const rtp_session_config *c, uint64_t now)
{
    rtp_session_callbacks cb;
    memset(h, 0, sizeof *h);
    h->r = 0x8000; /* factor exactly 1 */
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send_rtcp = h_send;
    cb.rand = h_rand;
    cb.on_collision = h_collision;
    cb.on_loop = h_loop;
    cb.on_source_removed = h_removed;
    cb.on_new_source = h_new;
    cr_assert(rtp_session_mem_size(c) <= sizeof h->mem);
    cr_assert_eq(rtp_session_init(&h->s, h->mem, sizeof h->mem, c, &cb, h, now), 0);
}

static int h_rtp(harness *h, uint32_t ssrc, uint16_t seq, uint32_t ts,
                 uint64_t addr, uint64_t now)
{
    uint8_t pkt[12 + 160];
    rtp_packet_desc d;
    uint8_t payload[160];
    memset(&d, 0, sizeof d);
    memset(payload, 0xd5, sizeof payload);
    d.payload_type = 0;
    d.seq = seq;
    d.timestamp = ts;
    d.ssrc = ssrc;
    d.payload = payload;
    d.payload_len = sizeof payload;
    cr_assert_eq(rtp_build(&d, pkt, sizeof pkt, NULL), (int)sizeof pkt);
    h->now = now;
    return rtp_session_on_rtp(&h->s, pkt, sizeof pkt, addr, now, NULL);
}

/* RR from ssrc (with blocks) + SDES CNAME "p@x" (16 octets): 8 + 24n + 16. */
static size_t rr_sdes(uint32_t ssrc, const rtcp_report_block *rb, unsigned n,
                      const rtcp_sender_info *si, uint8_t *out)
{
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    int a, b;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value.p = (const uint8_t *)"p@x";
    it.value.len = 3;
    ch.ssrc = ssrc;
    ch.items = &it;
    ch.n_items = 1;
    a = rtcp_report_build(ssrc, si, rb, n, out, 1500, NULL);
    cr_assert_gt(a, 0);
    b = rtcp_sdes_build(&ch, 1, out + a, (size_t)(1500 - a), NULL);
    cr_assert_gt(b, 0);
    return (size_t)(a + b);
}

static int h_rtcp(harness *h, const uint8_t *pkt, size_t len, uint64_t addr, uint64_t now)
{
    h->now = now;
    return rtp_session_on_rtcp(&h->s, pkt, len, addr, now);
}

static int h_timeout(harness *h, uint64_t now)
{
    h->now = now;
    return rtp_session_on_timeout(&h->s, now);
}

/* ---- A.1 sequence validation --------------------------------------------- */

Test(rtp_session, rfc3550_a1_probation_min_sequential)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtp_source_stats st;
    h_init(&h, &c, 0);
    /* MIN_SEQUENTIAL = 2: the first packet is held, the second validates */
    cr_assert_eq(h_rtp(&h, 0xabc, 10, 0, 5, 1000), 0);
    src = rtp_session_find(&h.s, 0xabc);
    cr_assert_not_null(src);
    cr_assert_eq(src->validated, 0);
    cr_assert_eq(rtp_session_members(&h.s), 1, "a source on probation is no member");
    /* not in sequence: probation restarts (probation = MIN_SEQUENTIAL - 1) */
    cr_assert_eq(h_rtp(&h, 0xabc, 20, 0, 5, 2000), 0);
    cr_assert_eq(src->probation, 1);
    cr_assert_eq(h_rtp(&h, 0xabc, 21, 160, 5, 3000), 1);
    cr_assert_eq(src->validated, 1);
    cr_assert_eq(h.n_new, 1);
    cr_assert_eq(rtp_session_members(&h.s), 2);
    /* init_seq(21) then received++: base 21, one packet, none lost */
    rtp_source_get_stats(src, &st);
    cr_assert_eq(src->base_seq, 21);
    cr_assert_eq(st.received, 1);
    cr_assert_eq(st.expected, 1);
    cr_assert_eq(st.cumulative_lost, 0);
    cr_assert_eq(src->packets, 1);
    cr_assert_eq(src->packets_dropped, 2);
}

Test(rtp_session, rfc3550_a1_wrap_counts_cycles)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtp_source_stats st;
    h_init(&h, &c, 0);
    cr_assert_eq(h_rtp(&h, 7, 65533, 0, 1, 0), 0);
    cr_assert_eq(h_rtp(&h, 7, 65534, 0, 1, 0), 1);
    cr_assert_eq(h_rtp(&h, 7, 65535, 0, 1, 0), 1);
    cr_assert_eq(h_rtp(&h, 7, 0, 0, 1, 0), 1);
    cr_assert_eq(h_rtp(&h, 7, 1, 0, 1, 0), 1);
    src = rtp_session_find(&h.s, 7);
    rtp_source_get_stats(src, &st);
    /* one wrap: cycles = 65536 (shifted count), ext max = 65536 + 1 */
    cr_assert_eq(src->cycles, 65536u);
    cr_assert_eq(st.ext_highest_seq, 65537u);
    /* expected = 65537 - 65534 + 1 = 4, received 4 */
    cr_assert_eq(st.expected, 4);
    cr_assert_eq(st.cumulative_lost, 0);
    /* a late 65535 after the wrap is reordering, not a new cycle */
    cr_assert_eq(h_rtp(&h, 7, 65535, 0, 1, 0), 1);
    cr_assert_eq(src->cycles, 65536u);
    rtp_source_get_stats(src, &st);
    cr_assert_eq(st.cumulative_lost, -1, "a duplicate makes lost negative");
}

Test(rtp_session, rfc3550_a1_restart_after_jump_needs_two_packets)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtp_source_stats st;
    h_init(&h, &c, 0);
    cr_assert_eq(h_rtp(&h, 9, 1000, 0, 1, 0), 0);
    cr_assert_eq(h_rtp(&h, 9, 1001, 0, 1, 0), 1);
    cr_assert_eq(h_rtp(&h, 9, 1002, 0, 1, 0), 1);
    src = rtp_session_find(&h.s, 9);
    /* 5000 - 1002 = 3998 >= MAX_DROPOUT (3000): held, bad_seq = 5001 */
    cr_assert_eq(h_rtp(&h, 9, 5000, 0, 1, 0), 0);
    cr_assert_eq(src->bad_seq, 5001u);
    /* the old stream goes on: 1003 is fine, the jump was a stray packet */
    cr_assert_eq(h_rtp(&h, 9, 1003, 0, 1, 0), 1);
    cr_assert_eq(src->max_seq, 1003);
    /* another jump, then a non-sequential one: still held */
    cr_assert_eq(h_rtp(&h, 9, 9000, 0, 1, 0), 0);
    cr_assert_eq(h_rtp(&h, 9, 9500, 0, 1, 0), 0);
    /* 9501 follows 9500: the sender restarted; init_seq(9501) */
    cr_assert_eq(h_rtp(&h, 9, 9501, 0, 1, 0), 1);
    rtp_source_get_stats(src, &st);
    cr_assert_eq(src->base_seq, 9501u);
    cr_assert_eq(st.received, 1);
    cr_assert_eq(st.expected, 1);
    cr_assert_eq(src->cycles, 0u);
    /* the never-decreasing counter kept everything valid: 1001,1002,1003,9501 */
    cr_assert_eq(src->packets, 4);
}

Test(rtp_session, rfc3550_a1_duplicates_and_reordering)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtp_source_stats st;
    h_init(&h, &c, 0);
    h_rtp(&h, 3, 100, 0, 1, 0);
    h_rtp(&h, 3, 101, 0, 1, 0);
    cr_assert_eq(h_rtp(&h, 3, 103, 0, 1, 0), 1);
    /* 102 late: udelta = 65535 > 65536 - MAX_MISORDER: reordered, counted */
    cr_assert_eq(h_rtp(&h, 3, 102, 0, 1, 0), 1);
    /* 103 again: duplicate, counted (A.1 does not detect duplicates) */
    cr_assert_eq(h_rtp(&h, 3, 103, 0, 1, 0), 1);
    src = rtp_session_find(&h.s, 3);
    cr_assert_eq(src->max_seq, 103);
    rtp_source_get_stats(src, &st);
    /* expected 103 - 101 + 1 = 3, received 4: lost -1 */
    cr_assert_eq(st.expected, 3);
    cr_assert_eq(st.received, 4);
    cr_assert_eq(st.cumulative_lost, -1);
    /* 103 - 150 = 65489 (mod 2^16) lies in (MAX_DROPOUT, 65536-100]: a
     * "jump" backwards more than MAX_MISORDER is held like a forward one */
    cr_assert_eq(h_rtp(&h, 3, (uint16_t)(103 - 150), 0, 1, 0), 0);
}

/* ---- A.3 loss -------------------------------------------------------------- */

Test(rtp_session, rfc3550_a3_expected_lost_fraction)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtcp_report_block rb;
    static const uint16_t first[] = {100, 101, 102, 103, 105, 106, 110};
    static const uint16_t second[] = {111, 112, 104, 113, 114};
    unsigned i;
    h_init(&h, &c, 0);
    for (i = 0; i < sizeof first / sizeof first[0]; i++) h_rtp(&h, 0x55, first[i], 0, 1, 0);
    src = rtp_session_find(&h.s, 0x55);
    /* validated at 101: base_seq 101, received 1 + {102,103,105,106,110} = 6;
     * extended max 110, expected = 110 - 101 + 1 = 10, lost = 10 - 6 = 4;
     * interval: expected 10, received 6, lost 4:
     * fraction = (4 << 8) / 10 = 1024 / 10 = 102 */
    rtp_source_report_block(src, 0, &rb);
    cr_assert_eq(rb.ssrc, 0x55u);
    cr_assert_eq(rb.ext_highest_seq, 110u);
    cr_assert_eq(rb.cumulative_lost, 4);
    cr_assert_eq(rb.fraction_lost, 102);
    for (i = 0; i < sizeof second / sizeof second[0]; i++) h_rtp(&h, 0x55, second[i], 0, 1, 0);
    /* received 6 + 5 = 11, max 114, expected 14, lost 3; interval:
     * expected 14 - 10 = 4, received 11 - 6 = 5, lost -1 <= 0: fraction 0 */
    rtp_source_report_block(src, 0, &rb);
    cr_assert_eq(rb.ext_highest_seq, 114u);
    cr_assert_eq(rb.cumulative_lost, 3);
    cr_assert_eq(rb.fraction_lost, 0);
    /* 115, 116 lost; 117 arrives: expected 17, received 12, lost 5;
     * interval: expected 3, received 1, lost 2: (2 << 8) / 3 = 170 */
    h_rtp(&h, 0x55, 117, 0, 1, 0);
    rtp_source_report_block(src, 0, &rb);
    cr_assert_eq(rb.cumulative_lost, 5);
    cr_assert_eq(rb.fraction_lost, 170);
    /* no packet: interval expected 0: fraction 0, cumulative unchanged */
    rtp_source_report_block(src, 0, &rb);
    cr_assert_eq(rb.fraction_lost, 0);
    cr_assert_eq(rb.cumulative_lost, 5);
}

Test(rtp_session, rfc3550_a3_cumulative_lost_clamped_to_24_bits)
{
    rtp_source src;
    rtcp_report_block rb;
    memset(&src, 0, sizeof src);
    src.in_use = 1;
    src.validated = 1;
    /* expected = 200 * 65536 + 5 - 0 + 1 = 13107206, received 6:
     * lost 13107200 > 0x7fffff = 8388607: clamped */
    src.cycles = 200u * 65536u;
    src.max_seq = 5;
    src.base_seq = 0;
    src.received = 6;
    rtp_source_report_block(&src, 0, &rb);
    cr_assert_eq(rb.cumulative_lost, 0x7fffff);
    /* fraction over the interval: lost 13107200 of 13107206:
     * (13107200 << 8) / 13107206 = 255 */
    cr_assert_eq(rb.fraction_lost, 255);
    /* the other way: 9000000 duplicates of one packet: -8388608 */
    memset(&src, 0, sizeof src);
    src.received = 9000000;
    rtp_source_report_block(&src, 0, &rb);
    cr_assert_eq(rb.cumulative_lost, -0x800000);
    cr_assert_eq(rb.fraction_lost, 0);
}

/* ---- A.8 jitter ------------------------------------------------------------ */

Test(rtp_session, rfc3550_a8_jitter_exact)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_source *src;
    rtcp_report_block rb;
    h_init(&h, &c, 0);
    /* clock 8000 Hz (default). Arrival in timestamp units = us * 8000 / 1e6.
     * p0 seq 1 ts 0   at 1.000 s: probation, not measured
     * p1 seq 2 ts 160 at 1.020 s: arrival 8160, transit 8000 (first)
     * p2 seq 3 ts 320 at 1.050 s: arrival 8400, transit 8080, D = 80
     *    J16 = 0 + 80 - ((0 + 8) >> 4) = 80
     * p3 seq 4 ts 480 at 1.060 s: arrival 8480, transit 8000, |D| = 80
     *    J16 = 80 + 80 - ((80 + 8) >> 4 = 5) = 155
     * p4 seq 5 ts 640 at 1.080 s: arrival 8640, transit 8000, D = 0
     *    J16 = 155 + 0 - ((155 + 8) >> 4 = 10) = 145
     * reported jitter = 145 >> 4 = 9 (the float form gives 9.08) */
    cr_assert_eq(h_rtp(&h, 0x77, 1, 0, 1, 1000000), 0);
    cr_assert_eq(h_rtp(&h, 0x77, 2, 160, 1, 1020000), 1);
    cr_assert_eq(h_rtp(&h, 0x77, 3, 320, 1, 1050000), 1);
    src = rtp_session_find(&h.s, 0x77);
    cr_assert_eq(src->jitter_x16, 80u);
    cr_assert_eq(h_rtp(&h, 0x77, 4, 480, 1, 1060000), 1);
    cr_assert_eq(src->jitter_x16, 155u);
    cr_assert_eq(h_rtp(&h, 0x77, 5, 640, 1, 1080000), 1);
    cr_assert_eq(src->jitter_x16, 145u);
    rtp_source_report_block(src, 1080000, &rb);
    cr_assert_eq(rb.jitter, 9u);
}

static uint32_t clock_90k(void *user, uint32_t ssrc, uint8_t pt)
{
    (void)user;
    (void)ssrc;
    return pt == 96 ? 90000u : 0u;
}

Test(rtp_session, rfc3550_a8_jitter_uses_clock_rate_of_the_source)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_session_callbacks cb;
    uint8_t pkt[12];
    rtp_packet_desc d;
    rtp_source *src = NULL;
    memset(&cb, 0, sizeof cb);
    memset(&h, 0, sizeof h);
    cb.size = sizeof cb;
    cb.send_rtcp = h_send;
    cb.clock_rate = clock_90k;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, &h, 0), 0);
    memset(&d, 0, sizeof d);
    d.payload_type = 96;
    d.ssrc = 0x90;
    /* 90 kHz: frames every 33.333 ms = 3000 ticks; second one arrives
     * 10 ms (900 ticks) late, third on time again:
     * J16 = 900, then 900 + 900 - ((900 + 8) >> 4 = 56) = 1744 -> 109 */
    d.seq = 1; d.timestamp = 0;
    rtp_build(&d, pkt, sizeof pkt, NULL);
    rtp_session_on_rtp(&h.s, pkt, 12, 1, 0, NULL);
    d.seq = 2; d.timestamp = 3000;
    rtp_build(&d, pkt, sizeof pkt, NULL);
    cr_assert_eq(rtp_session_on_rtp(&h.s, pkt, 12, 1, 1000000, &src), 1);
    cr_assert_eq(src->clock_rate, 90000u);
    d.seq = 3; d.timestamp = 6000;
    rtp_build(&d, pkt, sizeof pkt, NULL);
    rtp_session_on_rtp(&h.s, pkt, 12, 1, 1000000 + 33333 + 10000, NULL);
    /* arrival ticks: 1.043333 s * 90000 = 93899 (rounded down), transit
     * 93899 - 3000 = 90899 vs 90000: D = 899 */
    cr_assert_eq(src->jitter_x16, 899u);
    d.seq = 4; d.timestamp = 9000;
    rtp_build(&d, pkt, sizeof pkt, NULL);
    rtp_session_on_rtp(&h.s, pkt, 12, 1, 1066667, NULL);
    /* on time: 1.066667 s = 96000 ticks, transit 87000, |D| = 899:
     * J16 = 899 + 899 - ((899 + 8) >> 4 = 56) = 1742 */
    cr_assert_eq(src->jitter_x16, 1742u);
}

/* ---- SR generation, RTT, NTP/RTP mapping (§6.4) ---------------------------- */

Test(rtp_session, rfc3550_s6_4_1_sr_from_sender_state)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_walker w;
    rtcp_packet p;
    rtcp_report rep;
    rtcp_report_block rb;
    uint64_t t;
    int i;
    c.wallclock_offset_us = 1700000000000000ll; /* Unix time at now_us = 0 */
    h_init(&h, &c, 0);
    /* a remote source to report on */
    for (i = 0; i < 4; i++) h_rtp(&h, 0x2222, (uint16_t)(10 + i), (uint32_t)(160 * i), 2, 1000u * (unsigned)i);
    /* we send 3 packets of 160 octets, the last with ts 1320 at 1.0 s */
    rtp_session_on_rtp_sent(&h.s, 1000, 160, 960000);
    rtp_session_on_rtp_sent(&h.s, 1160, 160, 980000);
    rtp_session_on_rtp_sent(&h.s, 1320, 160, 1000000);
    /* the deadline drawn at init: members 1, avg 52 octets (RR 8 + SDES 16
     * + 28): 832/16 * 1 * 8 / (3200 * 0.75) = 0.17 s < 2.5 s (initial);
     * factor 1: 2500000 / 1.218282 = 2052070. At it, T is redrawn with
     * members 2, senders 2 (we and 0x2222; 2 * 4 > 2, so all share):
     * 832 * 2 * 2e6 / (3200 * 4) = 260000 -> 2.5 s: tp + T = now: send */
    t = rtp_session_next_deadline(&h.s);
    cr_assert_eq(t, 2052070u);
    cr_assert_eq(h_timeout(&h, t), 1);
    cr_assert_eq(h.n_sent, 1);
    rtcp_walk_init(&w, h.sent[0], h.sent_len[0], 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(p.pt, RTCP_SR);
    cr_assert_eq(rtcp_report_parse(&p, &rep), 0);
    cr_assert_eq(rep.ssrc, 0x11111111u);
    cr_assert_eq(rep.si.packet_count, 3);
    cr_assert_eq(rep.si.octet_count, 480);
    /* NTP of Unix 1700000000 s + 2.052070 s */
    cr_assert_eq(rep.si.ntp, rtcp_ntp_from_unix_us(1700000000000000ull + 2052070u));
    /* RTP ts: 1320 + (2052070 - 1000000) us * 8000 Hz = 1320 + 8416 = 9736 */
    cr_assert_eq(rep.si.rtp_ts, 9736u);
    cr_assert_eq(rep.rb_count, 1);
    rtcp_report_block_get(&rep, 0, &rb);
    cr_assert_eq(rb.ssrc, 0x2222u);
    cr_assert_eq(rb.ext_highest_seq, 13u);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(p.pt, RTCP_SDES);
    cr_assert_eq(rtcp_walk_next(&w, &p), 0);
    /* §6.4: no RTP from the source since: the next report has no block */
}

Test(rtp_session, rfc3550_s6_4_1_rtt_from_lsr_dlsr)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_walker w;
    rtcp_packet p;
    rtcp_report rep;
    rtcp_report_block rb;
    uint8_t pkt[200];
    size_t n;
    uint64_t t;
    rtp_source *src;
    c.wallclock_offset_us = 1700000000123456ll;
    h_init(&h, &c, 0);
    rtp_session_on_rtp_sent(&h.s, 0, 160, 0);
    t = rtp_session_next_deadline(&h.s);
    cr_assert_eq(h_timeout(&h, t), 1);
    rtcp_walk_init(&w, h.sent[0], h.sent_len[0], 0);
    rtcp_walk_next(&w, &p);
    cr_assert_eq(rtcp_report_parse(&p, &rep), 0);
    cr_assert(rep.is_sr);
    /* the peer answers 300 ms later, having held our SR 125 ms:
     * DLSR = 0.125 * 65536 = 8192; RTT = 300000 - 125000 = 175000 us */
    memset(&rb, 0, sizeof rb);
    rb.ssrc = 0x11111111u;
    rb.lsr = rtcp_ntp_mid32(rep.si.ntp);
    rb.dlsr = 8192;
    n = rr_sdes(0x3333, &rb, 1, NULL, pkt);
    cr_assert_eq(h_rtcp(&h, pkt, n, 4, t + 300000), 0);
    cr_assert(h.s.have_rtt);
    cr_assert_eq(h.s.rtt_us, 175000u);
    src = rtp_session_find(&h.s, 0x3333);
    cr_assert_not_null(src);
    cr_assert_eq(src->rtt_us, 175000u);
    /* an LSR we never sent, or a DLSR longer than the time since: ignored */
    rb.lsr ^= 1;
    n = rr_sdes(0x3333, &rb, 1, NULL, pkt);
    h_rtcp(&h, pkt, n, 4, t + 500000);
    cr_assert_eq(h.s.rtt_us, 175000u);
    rb.lsr ^= 1;
    rb.dlsr = 65536; /* 1 s > 0.6 s */
    n = rr_sdes(0x3333, &rb, 1, NULL, pkt);
    h_rtcp(&h, pkt, n, 4, t + 600000);
    cr_assert_eq(h.s.rtt_us, 175000u);
}

Test(rtp_session, rfc3550_s6_4_1_lsr_dlsr_and_ntp_rtp_mapping)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_sender_info si;
    rtcp_report_block rb;
    uint8_t pkt[200];
    size_t n;
    uint64_t ntp;
    uint32_t ts;
    rtp_source *src;
    h_init(&h, &c, 0);
    /* SR: NTP 16.5 s (0x10.80000000), RTP 1000, clock 8000 Hz */
    si.ntp = 0x0000001080000000ull;
    si.rtp_ts = 1000;
    si.packet_count = 5;
    si.octet_count = 800;
    n = rr_sdes(0x4444, NULL, 0, &si, pkt);
    cr_assert_eq(h_rtcp(&h, pkt, n, 8, 3000000), 0);
    src = rtp_session_find(&h.s, 0x4444);
    cr_assert_not_null(src);
    /* RTP 5000 = SR + 4000 ticks = + 0.5 s: NTP 17.0 s */
    cr_assert_eq(rtp_source_rtp_to_ntp(src, 5000, &ntp), 0);
    cr_assert_eq(ntp, 0x0000001100000000ull);
    /* RTP 1000 - 12000 (wrapping) = - 1.5 s: NTP 15.0 s */
    cr_assert_eq(rtp_source_rtp_to_ntp(src, (uint32_t)(1000 - 12000), &ntp), 0);
    cr_assert_eq(ntp, 0x0000000f00000000ull);
    cr_assert_eq(rtp_source_ntp_to_rtp(src, 0x0000001100000000ull, &ts), 0);
    cr_assert_eq(ts, 5000u);
    cr_assert_eq(rtp_source_ntp_to_rtp(src, 0x0000000f00000000ull, &ts), 0);
    cr_assert_eq(ts, (uint32_t)(1000 - 12000));
    /* our block about it, 250 ms after its SR:
     * LSR = middle 32 bits of 0x00000010_80000000 = 0x00108000,
     * DLSR = 0.25 * 65536 = 16384 */
    rtp_source_report_block(src, 3250000, &rb);
    cr_assert_eq(rb.lsr, 0x00108000u);
    cr_assert_eq(rb.dlsr, 16384u);
}

/* ---- A.7 interval ------------------------------------------------------------ */

Test(rtp_session, rfc3550_a7_interval_values)
{
    rtcp_interval_params p;
    memset(&p, 0, sizeof p);
    /* 2 members, no senders, avg 100 octets, RTCP 3200 bit/s (5% of 64k):
     * receivers' 75%: 100 * 2 * 8 / (3200 * 0.75) = 0.6667 s < 5 s -> 5 s;
     * factor 1 (r = 0x8000): 5 s; / (e - 1.5 = 1.218282): 4104140 us */
    p.members = 2;
    p.rtcp_bw_bps = 3200;
    p.avg_rtcp_size_x16 = 100 * 16;
    p.min_us = 5000000;
    cr_assert_eq(rtcp_interval_det_us(&p), 5000000u);
    cr_assert_eq(rtcp_interval_us(&p, 0x8000), 4104140u);
    /* initial: minimum halved: 2.5 s -> 2052070 */
    p.initial = 1;
    cr_assert_eq(rtcp_interval_us(&p, 0x8000), 2052070u);
    p.initial = 0;
    /* 100 members, 10 senders (<= 25%), avg 200 octets:
     * receiver: n = 90, 200 * 90 * 8 / (3200 * 0.75) = 60 s;
     * r = 0: factor 0.5: 30 s; / 1.218282 = 24624840 us */
    p.members = 100;
    p.senders = 10;
    p.avg_rtcp_size_x16 = 200 * 16;
    cr_assert_eq(rtcp_interval_det_us(&p), 60000000u);
    cr_assert_eq(rtcp_interval_us(&p, 0), 24624840u);
    /* sender: n = 10, 200 * 10 * 8 / (3200 * 0.25) = 20 s;
     * r = 0xffff: 10 s + 20 s * 65535 / 65536 = 29999694 (rounded down);
     * / 1.218282 = 24624589 */
    p.we_sent = 1;
    cr_assert_eq(rtcp_interval_det_us(&p), 20000000u);
    cr_assert_eq(rtcp_interval_us(&p, 0xffff), 24624589u);
    /* 30 senders of 100 (> 25%): everyone shares: n = 100,
     * 200 * 100 * 8 / 3200 = 50 s; factor 1 -> 41041400 */
    p.senders = 30;
    cr_assert_eq(rtcp_interval_det_us(&p), 50000000u);
    cr_assert_eq(rtcp_interval_us(&p, 0x8000), 41041400u);
}

Test(rtp_session, rfc3550_s6_2_reduced_minimum)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_interval_params p;
    /* 1 Mbit/s session: reduced minimum 360 / 1000 kbit/s = 0.36 s; RTCP
     * bandwidth 50000 bit/s; 2 members, avg 100 octets:
     * 100 * 2 * 8 / (50000 * 0.75) = 42666 us < 360000 -> 360000 */
    memset(&p, 0, sizeof p);
    p.members = 2;
    p.rtcp_bw_bps = 50000;
    p.avg_rtcp_size_x16 = 1600;
    p.min_us = 360000;
    cr_assert_eq(rtcp_interval_det_us(&p), 360000u);
    /* in a session: first deadline, initial: 0.18 s / 1.218282 = 147749 */
    c.session_bw_bps = 1000000;
    c.reduced_minimum = 1;
    h_init(&h, &c, 0);
    cr_assert_eq(h.s.cfg.rtcp_bw_bps, 50000u);
    cr_assert_eq(rtp_session_next_deadline(&h.s), 147749u);
}

Test(rtp_session, rfc3550_s6_3_6_timer_and_reverse_reconsideration_on_bye)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint8_t pkt[200];
    size_t n;
    uint32_t i, byes[5];
    uint64_t t, tn, tp;
    int len;
    c.session_bw_bps = 8000; /* RTCP 400 bit/s */
    h_init(&h, &c, 0);
    /* first deadline: members 1, avg 52 octets: 832 * 1 * 2e6 / (400 * 3) =
     * 1386666 < 2.5 s (initial) -> 2.5 s -> 2052070 */
    t = rtp_session_next_deadline(&h.s);
    cr_assert_eq(t, 2052070u);
    /* nine others join (RR + SDES of 24 octets + 28 overhead = 52: the
     * average stays 832/16) */
    for (i = 0; i < 9; i++) {
        n = rr_sdes(0x100 + i, NULL, 0, NULL, pkt);
        cr_assert_eq(n, 24u);
        cr_assert_eq(h_rtcp(&h, pkt, n, 10 + i, 1000), 0);
    }
    cr_assert_eq(rtp_session_members(&h.s), 10);
    cr_assert_eq(h.s.avg_rtcp_size_x16, 832u);
    /* §6.3.6: at the deadline T is redrawn for 10 members:
     * 832 * 10 * 2e6 / 1200 = 13866666 us; factor 1; / 1.218282 = 11382147;
     * tp + T = 11382147 > now: no packet, the timer moves there */
    cr_assert_eq(h_timeout(&h, t), 0);
    cr_assert_eq(h.n_sent, 0);
    cr_assert_eq(rtp_session_next_deadline(&h.s), 11382147u);
    cr_assert_eq(h.s.pmembers, 10);
    /* §6.3.4: five leave at 3 s (RR from one of them + BYE for five):
     * members 10 -> 5: tn = 3 s + (11382147 - 3000000) * 5 / 10 = 7191073,
     * tp = 3 s - (3 s - 0) * 5 / 10 = 1.5 s */
    for (i = 0; i < 5; i++) byes[i] = 0x100 + i;
    n = (size_t)rtcp_report_build(0x100, NULL, NULL, 0, pkt, sizeof pkt, NULL);
    len = rtcp_bye_build(byes, 5, sp(NULL, 0), pkt + n, sizeof pkt - n, NULL);
    cr_assert_gt(len, 0);
    cr_assert_eq(h_rtcp(&h, pkt, n + (size_t)len, 10, 3000000), 0);
    cr_assert_eq(rtp_session_members(&h.s), 5);
    cr_assert_eq(h.n_removed, 5);
    cr_assert_eq(h.removed_reason[0], RTP_SOURCE_BYE);
    cr_assert_null(rtp_session_find(&h.s, 0x100));
    tn = rtp_session_next_deadline(&h.s);
    tp = h.s.tp;
    cr_assert_eq(tn, 7191073u);
    cr_assert_eq(tp, 1500000u);
    cr_assert_eq(h.s.pmembers, 5);
    /* at tn: T for 5 members, avg after the RR 8 + BYE 24 (+ 28) = 60-octet
     * compound: 60 + 832 - 52 = 840 (1/16 octets); 840 * 5 * 2e6 / 1200 =
     * 7000000 (over the 2.5 s initial minimum); / 1.218282 = 5745796;
     * tp + T = 1500000 + 5745796 = 7245796 > tn: moved again */
    cr_assert_eq(h.s.avg_rtcp_size_x16, 840u);
    cr_assert_eq(h_timeout(&h, tn), 0);
    cr_assert_eq(rtp_session_next_deadline(&h.s), 7245796u);
    /* then it sends */
    cr_assert_eq(h_timeout(&h, rtp_session_next_deadline(&h.s)), 1);
    cr_assert_eq(h.n_sent, 1);
}

Test(rtp_session, rfc3550_s6_3_7_bye_immediate_below_50_members)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_walker w;
    rtcp_packet p;
    rtcp_bye b;
    h_init(&h, &c, 0);
    /* never sent anything: no BYE at all */
    cr_assert_eq(rtp_session_leave(&h.s, sp((const uint8_t *)"bye", 3), 10), 0);
    cr_assert_eq(h.n_sent, 0);
    cr_assert_eq(rtp_session_next_deadline(&h.s), UINT64_MAX);
    cr_assert_eq(rtp_session_on_timeout(&h.s, 1u << 30), RTP_ERR_STATE);

    h_init(&h, &c, 0);
    rtp_session_on_rtp_sent(&h.s, 0, 160, 0);
    cr_assert_eq(rtp_session_leave(&h.s, sp((const uint8_t *)"bye", 3), 10), 1);
    cr_assert_eq(h.n_sent, 1);
    rtcp_walk_init(&w, h.sent[0], h.sent_len[0], 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(p.pt, RTCP_RR);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(p.pt, RTCP_SDES);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(p.pt, RTCP_BYE);
    cr_assert_eq(rtcp_bye_parse(&p, &b), 0);
    cr_assert_eq(b.count, 1);
    cr_assert_eq(rtp_u32_at(b.ssrcs, 0), 0x11111111u);
    cr_assert_eq(b.reason.len, 3);
    cr_assert_eq(memcmp(b.reason.p, "bye", 3), 0);
    cr_assert_eq(rtp_session_next_deadline(&h.s), UINT64_MAX);
}

Test(rtp_session, rfc3550_s6_3_7_bye_reconsideration_from_50_members)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint8_t pkt[200];
    size_t n;
    uint32_t i, byes[20];
    uint64_t t;
    int len;
    h_init(&h, &c, 0);
    for (i = 0; i < 49; i++) {
        n = rr_sdes(0x500 + i, NULL, 0, NULL, pkt);
        cr_assert_eq(h_rtcp(&h, pkt, n, 100 + i, 1000), 0);
    }
    cr_assert_eq(rtp_session_members(&h.s), 50);
    rtp_session_on_rtp_sent(&h.s, 0, 160, 2000);
    /* 50 members: BYE reconsideration. members = pmembers = 1, initial,
     * avg = BYE compound (RR 8 + SDES 16 + BYE 12 with "bye") + 28 = 64
     * octets: 1024 * 1 * 2e6 / 9600 = 213333 < 2.5 s -> 2052070 */
    cr_assert_eq(rtp_session_leave(&h.s, sp((const uint8_t *)"bye", 3), 10000), 0);
    cr_assert_eq(h.n_sent, 0);
    cr_assert_eq(h.s.avg_rtcp_size_x16, 1024u);
    t = rtp_session_next_deadline(&h.s);
    cr_assert_eq(t, 10000u + 2052070u);
    /* 20 others leave too: each BYE counts as a member (§6.3.7); no source
     * is added by RTCP while leaving */
    for (i = 0; i < 20; i++) byes[i] = 0x500 + i;
    n = (size_t)rtcp_report_build(0x500, NULL, NULL, 0, pkt, sizeof pkt, NULL);
    len = rtcp_bye_build(byes, 20, sp(NULL, 0), pkt + n, sizeof pkt - n, NULL);
    cr_assert_eq(h_rtcp(&h, pkt, n + (size_t)len, 100, 20000), 0);
    cr_assert_eq(rtp_session_members(&h.s), 21);
    /* avg: RR 8 + BYE 84 + 28 = 120: 120 + 1024 - 64 = 1080;
     * T = 1080 * 21 * 2e6 / 9600 = 4725000 (>= 2.5 s); / 1.218282 =
     * 3878412; tp + T = 10000 + 3878412 > t: the BYE waits */
    cr_assert_eq(h.s.avg_rtcp_size_x16, 1080u);
    cr_assert_eq(h_timeout(&h, t), 0);
    cr_assert_eq(h.n_sent, 0);
    cr_assert_eq(rtp_session_next_deadline(&h.s), 10000u + 3878412u);
    cr_assert_eq(h_timeout(&h, rtp_session_next_deadline(&h.s)), 1);
    cr_assert_eq(h.n_sent, 1);
    cr_assert_eq(h.sent[0][h.sent_len[0] - 12 + 1], RTCP_BYE);
    cr_assert_eq(rtp_session_next_deadline(&h.s), UINT64_MAX);
}

/* ---- §6.3.5 timeouts ------------------------------------------------------- */

Test(rtp_session, rfc3550_s6_3_5_source_timeout)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint8_t pkt[200];
    size_t n;
    uint64_t t, prev = 0, sender_cleared = 0;
    rtp_source *a;
    h_init(&h, &c, 0);
    /* A sends RTP until 20 ms; B only RTCP, at 0 and every 10 s */
    h_rtp(&h, 0xa, 1, 0, 1, 0);
    h_rtp(&h, 0xa, 2, 160, 1, 20000);
    a = rtp_session_find(&h.s, 0xa);
    cr_assert(a->is_sender);
    n = rr_sdes(0xb, NULL, 0, NULL, pkt);
    h_rtcp(&h, pkt, n, 2, 0);
    /* Td (deterministic, 5 s minimum) = 5 s with 3 members here: members
     * time out after 5 Td = 25 s of silence, senders after 2 Td = 10 s */
    while ((t = rtp_session_next_deadline(&h.s)) < 40000000u) {
        if (t / 10000000u != prev / 10000000u) h_rtcp(&h, pkt, n, 2, t);
        h_timeout(&h, t);
        if (!sender_cleared && a->in_use && !a->is_sender) sender_cleared = t;
        if (h.n_removed && h.removed_at[0] == t) {
            /* removed at the first timer after 20 ms + 25 s */
            cr_assert_gt(t, 20000u + 25000000u);
            cr_assert_leq(prev, 20000u + 25000000u);
        }
        prev = t;
    }
    cr_assert_eq(h.n_removed, 1);
    cr_assert_eq(h.removed[0], 0xau);
    cr_assert_eq(h.removed_reason[0], RTP_SOURCE_TIMEOUT);
    cr_assert_gt(sender_cleared, 20000u + 10000000u);
    cr_assert_lt(sender_cleared, 20000u + 25000000u);
    cr_assert_not_null(rtp_session_find(&h.s, 0xb));
    cr_assert_null(rtp_session_find(&h.s, 0xa));
}

/* ---- §8.2 collisions and loops -------------------------------------------- */

Test(rtp_session, rfc3550_s8_2_ssrc_collision_callback_and_new_ssrc)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtcp_walker w;
    rtcp_packet p;
    rtcp_bye b;
    h_init(&h, &c, 0);
    rtp_session_on_rtp_sent(&h.s, 0, 160, 0);
    h.new_ssrc = 0x22222222u;
    /* our SSRC from another address: collision, the packet is dropped */
    cr_assert_eq(h_rtp(&h, 0x11111111u, 5, 0, 77, 1000), RTP_ERR_CONFLICT);
    cr_assert_eq(h.collided, 0x11111111u);
    cr_assert_eq(h.collided_addr, 77u);
    cr_assert_eq(h.s.collisions, 1);
    cr_assert_null(rtp_session_find(&h.s, 0x11111111u));
    /* the callback took a new SSRC (sender counts reset) and built a BYE */
    cr_assert_eq(h.s.cfg.ssrc, 0x22222222u);
    cr_assert_eq(h.s.packet_count, 0);
    cr_assert_eq(h.s.we_sent, 0);
    cr_assert_gt(h.bye_len, 0);
    rtcp_walk_init(&w, h.bye, (size_t)h.bye_len, 0);
    rtcp_walk_next(&w, &p);
    cr_assert_eq(p.pt, RTCP_RR);
    rtcp_walk_next(&w, &p);
    cr_assert_eq(p.pt, RTCP_SDES);
    rtcp_walk_next(&w, &p);
    cr_assert_eq(p.pt, RTCP_BYE);
    cr_assert_eq(rtcp_bye_parse(&p, &b), 0);
    cr_assert_eq(rtp_u32_at(b.ssrcs, 0), 0x11111111u);
    /* the other party keeps the old SSRC: now just a remote source, on
     * probation like any new one (A.1) */
    cr_assert_eq(h_rtp(&h, 0x11111111u, 6, 0, 77, 2000), 0);
    cr_assert_eq(h_rtp(&h, 0x11111111u, 7, 160, 77, 22000), 1);
}

Test(rtp_session, rfc3550_s8_2_collision_via_rtcp)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint8_t pkt[200];
    size_t n;
    h_init(&h, &c, 0);
    n = rr_sdes(0x11111111u, NULL, 0, NULL, pkt);
    cr_assert_eq(h_rtcp(&h, pkt, n, 33, 5), RTP_ERR_CONFLICT);
    cr_assert_eq(h.collided, 0x11111111u);
    cr_assert_eq(h.collided_addr, 33u);
    cr_assert_eq(rtp_session_members(&h.s), 1);
}

Test(rtp_session, rfc3550_s8_2_loop_detection)
{
    static harness h;
    rtp_session_config c = h_cfg();
    /* our own address: our SSRC from it is our own packet looped back */
    c.have_own_addr = 1;
    c.own_addr_key = 1;
    h_init(&h, &c, 0);
    cr_assert_eq(h_rtp(&h, 0x11111111u, 1, 0, 1, 10), RTP_ERR_CONFLICT);
    cr_assert_eq(h.looped, 0x11111111u);
    cr_assert_eq(h.looped_addr, 1u);
    cr_assert_eq(h.collided, 0);
    cr_assert_eq(h.s.loops, 1);
    /* a collision from address 9 (SSRC kept by the application): the next
     * packet from 9 is in the conflict list, so it is a loop */
    cr_assert_eq(h_rtp(&h, 0x11111111u, 2, 0, 9, 20), RTP_ERR_CONFLICT);
    cr_assert_eq(h.collided_addr, 9u);
    h.looped = 0;
    cr_assert_eq(h_rtp(&h, 0x11111111u, 3, 0, 9, 30), RTP_ERR_CONFLICT);
    cr_assert_eq(h.looped, 0x11111111u);
    cr_assert_eq(h.looped_addr, 9u);
    cr_assert_eq(h.s.collisions, 1);
    cr_assert_eq(h.s.loops, 2);
}

Test(rtp_session, rfc3550_s8_2_third_party_conflict_dropped)
{
    static harness h;
    rtp_session_config c = h_cfg();
    h_init(&h, &c, 0);
    h_rtp(&h, 0x42, 1, 0, 5, 0);
    cr_assert_eq(h_rtp(&h, 0x42, 2, 0, 5, 0), 1);
    /* the same SSRC from a second address: a third-party collision or a
     * loop; the packet is dropped and the first source's state kept */
    cr_assert_eq(h_rtp(&h, 0x42, 3, 0, 6, 0), RTP_ERR_CONFLICT);
    cr_assert_eq(h.s.third_party_conflicts, 1);
    cr_assert_eq(rtp_session_find(&h.s, 0x42)->max_seq, 2);
    cr_assert_eq(h.collided, 0);
}

/* ---- table, limits, API ---------------------------------------------------- */

Test(rtp_session, rfc3550_s8_source_table_capacity)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint32_t i;
    c.max_sources = 4;
    h_init(&h, &c, 0);
    cr_assert_eq(rtp_session_mem_size(&c), 4 * sizeof(rtp_source) + 1200);
    for (i = 0; i < 4; i++) cr_assert_eq(h_rtp(&h, 100 + i, 1, 0, 1, 0), 0);
    cr_assert_eq(h_rtp(&h, 200, 1, 0, 1, 0), RTP_ERR_FULL);
    cr_assert_str_eq(rtp_strerror(RTP_ERR_FULL), "source table full");
}

Test(rtp_session, rfc3550_s6_init_checks)
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_session_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, NULL, 0), RTP_ERR_INVALID);
    cb.send_rtcp = h_send;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, 100, &c, &cb, NULL, 0), RTP_ERR_NOSPACE);
    cr_assert_eq(rtp_session_init(&h.s, (uint8_t *)h.mem + 1, sizeof h.mem - 8, &c, &cb, NULL, 0),
                 RTP_ERR_INVALID);
    c.cname.len = 0;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, NULL, 0), RTP_ERR_INVALID);
    c = h_cfg();
    cb.size = 4;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, NULL, 0), RTP_ERR_INVALID);
    cb.size = sizeof cb;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, NULL, 0), 0);
    /* zero became the documented defaults */
    cr_assert_eq(h.s.cfg.session_bw_bps, 64000u);
    cr_assert_eq(h.s.cfg.rtcp_bw_bps, 3200u);
    cr_assert_eq(h.s.cfg.packet_overhead, 28u);
    cr_assert_eq(h.s.cfg.max_rtcp_size, 1200u);
}

/* ---- report blocks: at most 31 per RR, rotating; buffer limits ----------- */

static unsigned blocks_in(const uint8_t *pkt, size_t len, uint32_t *ssrcs)
{
    rtcp_walker w;
    rtcp_packet p;
    rtcp_report rep;
    rtcp_report_block rb;
    unsigned i;
    rtcp_walk_init(&w, pkt, len, 0);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_report_parse(&p, &rep), 0);
    for (i = 0; i < rep.rb_count; i++) {
        rtcp_report_block_get(&rep, i, &rb);
        ssrcs[i] = rb.ssrc;
    }
    return rep.rb_count;
}

Test(rtp_session, rfc3550_s6_4_2_report_blocks_rotate_over_31_sources)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint32_t got[31], seen[40];
    unsigned i, j, n;
    uint64_t t;
    c.max_sources = 64;
    h_init(&h, &c, 0);
    for (i = 0; i < 40; i++) {
        h_rtp(&h, 0x1000 + i, 1, 0, 1, 1000);
        cr_assert_eq(h_rtp(&h, 0x1000 + i, 2, 160, 1, 1000), 1);
    }
    memset(seen, 0, sizeof seen);
    /* §6.4.2: at most 31 blocks per RR; the first report covers 31 of the
     * 40 sources heard, the next one the other 9 (none sent again) */
    t = rtp_session_next_deadline(&h.s);
    while (h.n_sent < 1) {
        h_timeout(&h, t);
        t = rtp_session_next_deadline(&h.s);
    }
    n = blocks_in(h.sent[0], h.sent_len[0], got);
    cr_assert_eq(n, 31);
    for (i = 0; i < n; i++) seen[got[i] - 0x1000]++;
    while (h.n_sent < 2) {
        h_timeout(&h, t);
        t = rtp_session_next_deadline(&h.s);
    }
    n = blocks_in(h.sent[1], h.sent_len[1], got);
    cr_assert_eq(n, 9);
    for (i = 0; i < n; i++) seen[got[i] - 0x1000]++;
    for (j = 0; j < 40; j++) cr_assert_eq(seen[j], 1, "source %u reported %u times", j, seen[j]);
}

Test(rtp_session, rfc3550_s6_4_small_rtcp_buffer_limits_blocks)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint32_t got[31];
    unsigned i;
    uint64_t t;
    /* 100 octets: RR 8 + SDES 16 leave 76: three 24-octet blocks */
    c.max_rtcp_size = 100;
    h_init(&h, &c, 0);
    for (i = 0; i < 5; i++) {
        h_rtp(&h, 0x2000 + i, 1, 0, 1, 1000);
        h_rtp(&h, 0x2000 + i, 2, 160, 1, 1000);
    }
    t = rtp_session_next_deadline(&h.s);
    while (h.n_sent < 1) {
        h_timeout(&h, t);
        t = rtp_session_next_deadline(&h.s);
    }
    cr_assert_eq(h.sent_len[0], 8u + 3u * 24u + 16u);
    cr_assert_eq(blocks_in(h.sent[0], h.sent_len[0], got), 3);
}

/* ---- reentrancy (callbacks must not drive the session) --------------------- */

static int h_send_reenter(void *user, const uint8_t *pkt, size_t len)
{
    harness *h = (harness *)user;
    (void)pkt;
    (void)len;
    /* forbidden: asserts in debug builds, RTP_ERR_STATE otherwise */
    cr_assert_eq(rtp_session_on_timeout(&h->s, UINT64_MAX / 2), RTP_ERR_STATE);
    return 0;
}

#ifdef NDEBUG
Test(rtp_session, rfc3550_s6_3_reentrant_call_refused)
#else
Test(rtp_session, rfc3550_s6_3_reentrant_call_refused, .signal = SIGABRT)
#endif
{
    static harness h;
    rtp_session_config c = h_cfg();
    rtp_session_callbacks cb;
    memset(&cb, 0, sizeof cb);
    memset(&h, 0, sizeof h);
    cb.size = sizeof cb;
    cb.send_rtcp = h_send_reenter;
    cr_assert_eq(rtp_session_init(&h.s, h.mem, sizeof h.mem, &c, &cb, &h, 0), 0);
    cr_assert_eq(rtp_session_on_timeout(&h.s, rtp_session_next_deadline(&h.s)), 1);
}

Test(rtp_session, rfc5506_reduced_size_rtcp_only_when_configured)
{
    static harness h;
    rtp_session_config c = h_cfg();
    uint8_t pkt[64];
    int n;
    /* a lone BYE is no valid compound (§6.1) but fine as reduced-size */
    uint32_t who = 0x99;
    h_init(&h, &c, 0);
    h_rtp(&h, who, 1, 0, 1, 0);
    h_rtp(&h, who, 2, 160, 1, 20000);
    n = rtcp_bye_build(&who, 1, sp(NULL, 0), pkt, sizeof pkt, NULL);
    cr_assert_eq(h_rtcp(&h, pkt, (size_t)n, 1, 30000), RTP_ERR_TYPE);
    cr_assert_not_null(rtp_session_find(&h.s, who));
    c.rtcp_flags = RTCP_REDUCED_SIZE;
    h_init(&h, &c, 0);
    h_rtp(&h, who, 1, 0, 1, 0);
    h_rtp(&h, who, 2, 160, 1, 20000);
    cr_assert_eq(h_rtcp(&h, pkt, (size_t)n, 1, 30000), 0);
    cr_assert_null(rtp_session_find(&h.s, who));
    cr_assert_eq(h.removed_reason[0], RTP_SOURCE_BYE);
}
