/* rtcp_feedback.h generators: the NACK generator's give-up, reordering and
 * restart rules (RFC 4585 §6.2.1), the sender history answering NACKs and
 * RFC 4588 RTX, the PLI / FIR requester (RFC 4585 §6.3.1, RFC 5104
 * §4.3.1), the transport-wide CC feedback generator
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) and the
 * RFC 4585 §3.5 timing rules. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rtcp_feedback.h"
#include "testutil.h"

/* ---- NACK generator ------------------------------------------------------- */

static rtcp_fb_nackgen g_ng;
static uint16_t g_gave_seq[64];
static int g_gave_reason[64];
static int g_gave_n;

static void on_give_up(void *user, uint16_t seq, int reason, uint64_t now_us)
{
    (void)user;
    (void)now_us;
    if (g_gave_n < 64) {
        g_gave_seq[g_gave_n] = seq;
        g_gave_reason[g_gave_n] = reason;
    }
    g_gave_n++;
}

static void ng_setup(const rtcp_fb_nackgen_config *c)
{
    rtcp_fb_nackgen_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.on_give_up = on_give_up;
    g_gave_n = 0;
    cr_assert_eq(rtcp_fb_nackgen_init(&g_ng, c), 0);
    cr_assert_eq(rtcp_fb_nackgen_set_callbacks(&g_ng, &cb, NULL), 0);
}

/* RFC 4585 §6.2.1 / §3.5: after the last NACK the retransmission has one
 * RTT to arrive; it counts as recovered, not given up. */
Test(rtcp_fb_gen_nack, s6_2_1_last_nack_gets_one_rtt_then_give_up_callback)
{
    rtcp_fb_nackgen_config c;
    uint16_t out[8];
    memset(&c, 0, sizeof c);
    c.max_retries = 2;
    c.rtt_us = 40000;
    c.max_age_us = 10000000;
    ng_setup(&c);
    rtcp_fb_nackgen_on_packet(&g_ng, 10, 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&g_ng, 13, 0), 2); /* 11 12 */
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 0, out, 8), 2);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 39999, out, 8), 0); /* < RTT */
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 40000, out, 8), 2);
    /* 11 arrives after the last NACK: recovered */
    rtcp_fb_nackgen_on_packet(&g_ng, 11, 60000);
    cr_assert_eq(g_ng.n_recovered, 1);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&g_ng), 80000);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 80000, out, 8), 0);
    cr_assert_eq(g_gave_n, 1);
    cr_assert_eq(g_gave_seq[0], 12);
    cr_assert_eq(g_gave_reason[0], RTCP_FB_NACKGEN_GAVE_UP_RETRIES);
    cr_assert_eq(rtcp_fb_nackgen_missing(&g_ng), 0);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&g_ng), UINT64_MAX);
}

/* Reordering tolerance by count: a hole is NACKed only once
 * reorder_packets higher numbers exist; next_deadline does not ask for a
 * poll that would send nothing (only the age limit remains). */
Test(rtcp_fb_gen_nack, reorder_packets_waits_for_later_numbers)
{
    rtcp_fb_nackgen_config c;
    uint16_t out[8];
    memset(&c, 0, sizeof c);
    c.reorder_packets = 3;
    c.max_age_us = 500000;
    ng_setup(&c);
    rtcp_fb_nackgen_on_packet(&g_ng, 65534, 0);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&g_ng, 0, 1000), 1); /* 65535 */
    /* highest - 65535 = 1 < 3: not yet */
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&g_ng), 501000); /* age */
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 2000, out, 8), 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 1, 3000);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 3000, out, 8), 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 2, 4000);
    cr_assert_eq(rtcp_fb_nackgen_next_deadline(&g_ng), 1000);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 4000, out, 8), 1);
    cr_assert_eq(out[0], 65535);
}

/* RFC 3550 A.1: a sender that restarts far behind is followed when the
 * next packet confirms it; one stray old packet changes nothing. */
Test(rtcp_fb_gen_nack, backward_restart_confirmed_by_next_packet)
{
    rtcp_fb_nackgen_config c;
    memset(&c, 0, sizeof c);
    c.window = 100;
    ng_setup(&c);
    rtcp_fb_nackgen_on_packet(&g_ng, 5000, 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 5003, 0); /* 5001, 5002 missing */
    rtcp_fb_nackgen_on_packet(&g_ng, 100, 0);  /* stray */
    cr_assert_eq(rtcp_fb_nackgen_missing(&g_ng), 2);
    rtcp_fb_nackgen_on_packet(&g_ng, 5004, 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 200, 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 201, 0); /* confirmed restart */
    cr_assert_eq(g_ng.n_resets, 1);
    cr_assert_eq(rtcp_fb_nackgen_missing(&g_ng), 0);
    cr_assert_eq(g_gave_n, 2);
    cr_assert_eq(g_gave_reason[0], RTCP_FB_NACKGEN_GAVE_UP_RESET);
    cr_assert_eq(rtcp_fb_nackgen_on_packet(&g_ng, 204, 0), 2); /* 202 203 */
}

Test(rtcp_fb_gen_nack, age_and_window_reasons)
{
    rtcp_fb_nackgen_config c;
    uint16_t out[8];
    memset(&c, 0, sizeof c);
    c.window = 10;
    c.max_age_us = 30000;
    ng_setup(&c);
    rtcp_fb_nackgen_on_packet(&g_ng, 1, 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 3, 0);   /* 2 */
    rtcp_fb_nackgen_on_packet(&g_ng, 13, 10); /* 4..12; 2 leaves the window */
    cr_assert_eq(g_gave_n, 1);
    cr_assert_eq(g_gave_seq[0], 2);
    cr_assert_eq(g_gave_reason[0], RTCP_FB_NACKGEN_GAVE_UP_WINDOW);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 30010, out, 8), 0);
    cr_assert_eq(g_gave_n, 10);
    cr_assert_eq(g_gave_reason[9], RTCP_FB_NACKGEN_GAVE_UP_AGE);
    {
        rtcp_fb_nackgen_callbacks cb;
        cb.size = 2;
        cr_assert_eq(rtcp_fb_nackgen_set_callbacks(&g_ng, &cb, NULL),
                     RTCP_FB_ERR_INVALID);
    }
}

/* ---- RTP packets for the history tests -------------------------------------- */

/* An RTP packet: V=2, marker, PT 96, seq, ts 0x11223344, SSRC 0xA1B2C3D4,
 * one CSRC, a one-byte-header extension of 1 word, payload of plen octets
 * (value i + seq), optional 4 octets of padding. Returns its length. */
static size_t mk_rtp(uint8_t *b, uint16_t seq, size_t plen, int pad)
{
    size_t n = 0, i;
    b[n++] = (uint8_t)(0x80 | 0x10 | 0x01 | (pad ? 0x20 : 0));
    b[n++] = 0x80 | 96;
    b[n++] = (uint8_t)(seq >> 8);
    b[n++] = (uint8_t)seq;
    b[n++] = 0x11; b[n++] = 0x22; b[n++] = 0x33; b[n++] = 0x44;
    b[n++] = 0xA1; b[n++] = 0xB2; b[n++] = 0xC3; b[n++] = 0xD4;
    b[n++] = 0xCC; b[n++] = 0xCC; b[n++] = 0xCC; b[n++] = 0x01; /* CSRC */
    b[n++] = 0xBE; b[n++] = 0xDE; b[n++] = 0x00; b[n++] = 0x01;
    b[n++] = 0x12; b[n++] = 0xAB; b[n++] = 0xCD; b[n++] = 0x00;
    for (i = 0; i < plen; i++) b[n++] = (uint8_t)(i + seq);
    if (pad) {
        b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 4;
    }
    return n;
}

static rtcp_fb_history g_h;
static uint8_t *g_hmem;
typedef struct sent_rtp {
    uint8_t b[1600];
    size_t len;
    uint16_t osn;
} sent_rtp;
static sent_rtp g_sent[64];
static int g_nsent, g_fail_at = -1;

static int send_rtp(void *user, const uint8_t *pkt, size_t len, uint16_t osn)
{
    (void)user;
    if (g_nsent == g_fail_at) return -1;
    if (g_nsent < 64) {
        memcpy(g_sent[g_nsent].b, pkt, len);
        g_sent[g_nsent].len = len;
        g_sent[g_nsent].osn = osn;
    }
    g_nsent++;
    return 0;
}

static void h_setup(rtcp_fb_history_config *c)
{
    rtcp_fb_history_callbacks cb;
    size_t m = rtcp_fb_history_mem_size(c);
    cr_assert_gt(m, 0);
    free(g_hmem);
    g_hmem = malloc(m);
    cb.size = sizeof cb;
    cb.send_rtp = send_rtp;
    g_nsent = 0;
    g_fail_at = -1;
    cr_assert_eq(rtcp_fb_history_init(&g_h, g_hmem, m - 1, c, &cb, NULL),
                 RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(rtcp_fb_history_init(&g_h, g_hmem, m, c, &cb, NULL), 0);
}

static void h_teardown(void)
{
    free(g_hmem);
    g_hmem = NULL;
}

TestSuite(rtcp_fb_gen_history, .fini = h_teardown);

Test(rtcp_fb_gen_history, capacity_in_packets_evicts_oldest_and_finds_by_seq)
{
    rtcp_fb_history_config c;
    uint8_t p[200];
    size_t len, n;
    uint16_t s;
    int i;
    const uint8_t *f;
    rtcp_fb_history_config_init(&c);
    c.max_packets = 8;
    h_setup(&c);
    /* numbers with holes (e.g. packets the sender chose not to keep) and a
     * wrap: the lookup cannot rely on consecutive numbers */
    for (i = 0, s = 65530; i < 9; i++, s = (uint16_t)(s + 3)) {
        n = mk_rtp(p, s, 10, 0);
        cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, s), 0);
    }
    cr_assert_eq(rtcp_fb_history_count(&g_h), 8);
    /* put: 65530 65533 0 3 6 9 12 15 18 -> 65530 evicted */
    cr_assert_null(rtcp_fb_history_find(&g_h, 65530, &len));
    f = rtcp_fb_history_find(&g_h, 65533, &len);
    cr_assert_not_null(f);
    n = mk_rtp(p, 65533, 10, 0);
    cr_assert_eq(len, n);
    cr_assert_eq(memcmp(f, p, n), 0);
    for (s = 0; s <= 18; s = (uint16_t)(s + 3)) {
        f = rtcp_fb_history_find(&g_h, s, &len);
        cr_assert_not_null(f, "seq %u", s);
        cr_assert_eq(f[3], (uint8_t)s);
    }
    cr_assert_null(rtcp_fb_history_find(&g_h, 4, &len));
    cr_assert_null(rtcp_fb_history_find(&g_h, 19, &len));
    cr_assert_eq(rtcp_fb_history_get_stats(&g_h).evicted, 1);
}

Test(rtcp_fb_gen_history, capacity_in_bytes_wraps_the_ring)
{
    rtcp_fb_history_config c;
    uint8_t p[1600];
    size_t len, n, total = 0;
    uint16_t s;
    rtcp_fb_history_config_init(&c);
    c.max_packets = 100;
    c.max_bytes = 1000;
    c.max_packet_size = 400;
    h_setup(&c);
    for (s = 0; s < 60; s++) {
        n = mk_rtp(p, s, (size_t)(40 + (s * 37) % 300), 0);
        cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, s), 0);
    }
    /* what is kept is the newest run, intact, within 1000 octets */
    cr_assert_lt(rtcp_fb_history_count(&g_h), 60);
    for (s = 0; s < 60; s++) {
        const uint8_t *f = rtcp_fb_history_find(&g_h, s, &len);
        if (s >= 60 - rtcp_fb_history_count(&g_h)) {
            cr_assert_not_null(f, "seq %u", s);
            n = mk_rtp(p, s, (size_t)(40 + (s * 37) % 300), 0);
            cr_assert_eq(len, n);
            cr_assert_eq(memcmp(f, p, n), 0, "seq %u", s);
            total += len;
        } else {
            cr_assert_null(f, "seq %u", s);
        }
    }
    cr_assert_leq(total, 1000);
    cr_assert_geq(rtcp_fb_history_count(&g_h), 2);
}

Test(rtcp_fb_gen_history, put_errors)
{
    rtcp_fb_history_config c;
    uint8_t p[1600];
    size_t n;
    rtcp_fb_history_config_init(&c);
    c.max_packet_size = 100;
    c.max_bytes = 100;
    h_setup(&c);
    n = mk_rtp(p, 10, 10, 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), RTCP_FB_ERR_ORDER);
    n = mk_rtp(p, 9, 10, 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), RTCP_FB_ERR_ORDER);
    n = mk_rtp(p, 11, 90, 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), RTCP_FB_ERR_TOO_BIG);
    n = mk_rtp(p, 11, 10, 0);
    p[0] = 0x40; /* version 1 */
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), RTCP_FB_ERR_NOT_RTP);
    n = mk_rtp(p, 11, 10, 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, 22, 0), RTCP_FB_ERR_NOT_RTP);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), 0);
    rtcp_fb_history_reset(&g_h);
    cr_assert_eq(rtcp_fb_history_count(&g_h), 0);
    n = mk_rtp(p, 3, 10, 0);
    cr_assert_eq(rtcp_fb_history_put(&g_h, p, n, 0), 0);
    /* invalid configurations */
    c.max_packets = 0;
    cr_assert_eq(rtcp_fb_history_mem_size(&c), 0);
    c.max_packets = 32769;
    cr_assert_eq(rtcp_fb_history_mem_size(&c), 0);
    c.max_packets = 4;
    c.rtx_pt = 128;
    cr_assert_eq(rtcp_fb_history_mem_size(&c), 0);
    cr_assert_str_eq(rtcp_fb_strerror(RTCP_FB_ERR_ORDER),
                     "sequence number not after the newest");
}

/* RFC 4585 §6.2.1 PID + BLP answered in order; RFC 4588 §3: a packet is
 * not resent twice within an RTT; too old or unknown numbers are skipped. */
Test(rtcp_fb_gen_history, s6_2_1_answer_pid_blp_with_rtt_rate_limit)
{
    rtcp_fb_history_config c;
    rtcp_fb_nack_item it;
    uint8_t p[200];
    uint16_t seqs[32];
    uint16_t s;
    rtcp_fb_history_stats st;
    rtcp_fb_history_config_init(&c);
    c.rtt_us = 50000;
    c.max_age_us = 1000000;
    h_setup(&c);
    for (s = 100; s < 120; s++)
        cr_assert_eq(rtcp_fb_history_put(&g_h, p, mk_rtp(p, s, 20, 0),
                                         (uint64_t)s * 10000), 0);
    it.pid = 98; /* 98 unknown; 100, 103, 114 stored (99 not asked) */
    it.blp = (1u << 1) | (1u << 4) | (1u << 15);
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 1200000, seqs, 32), 3);
    cr_assert_eq(seqs[0], 100);
    cr_assert_eq(seqs[1], 103);
    cr_assert_eq(seqs[2], 114);
    /* again 49.999 ms later: all three within the RTT */
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 1249999, seqs, 32), 0);
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 1250000, seqs, 32), 3);
    /* packet 100 was sent at 1.0 s: at 2.000001 s it is over max_age */
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 2000001, seqs, 32), 2);
    cr_assert_eq(seqs[0], 103);
    /* cap: stops early, the rest unanswered */
    it.pid = 110;
    it.blp = 0x3;
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 1300000, seqs, 2), 2);
    cr_assert_eq(seqs[1], 111);
    cr_assert_eq(rtcp_fb_history_answer(&g_h, &it, 1, 1300000, seqs, 8), 1);
    cr_assert_eq(seqs[0], 112);
    st = rtcp_fb_history_get_stats(&g_h);
    cr_assert_eq(st.not_found, 4);
    cr_assert_eq(st.rate_limited, 5);
    cr_assert_eq(st.too_old, 1);
    cr_assert_eq(st.resent, 11);
}

/* RFC 4588 §4: RTX SSRC, own sequence numbers, OSN first, same timestamp,
 * marker, CSRC and extension kept; the original padding is not resent. */
Test(rtcp_fb_gen_history, rfc4588_s4_rtx_packet_bytes_and_recovery)
{
    uint8_t p[200], r[200], o[200];
    size_t n = mk_rtp(p, 0x1234, 5, 1), need = 0;
    static const uint8_t want[] = {
        0x91, 0x80 | 97, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44,
        0x55, 0x66, 0x77, 0x88, 0xCC, 0xCC, 0xCC, 0x01,
        0xBE, 0xDE, 0x00, 0x01, 0x12, 0xAB, 0xCD, 0x00,
        0x12, 0x34, /* OSN */
        0x34, 0x35, 0x36, 0x37, 0x38};
    rtcp_fb_rtx_map map[2] = {{100, 8, 1}, {97, 96, 0xA1B2C3D4u}};
    uint16_t osn = 0;
    cr_assert_eq(rtcp_fb_rtx_build(p, n, 97, 0x55667788u, 7, NULL, 0, &need),
                 RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, sizeof want);
    cr_assert_eq(rtcp_fb_rtx_build(p, n, 97, 0x55667788u, 7, r, sizeof want - 1,
                                   NULL), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(rtcp_fb_rtx_build(p, n, 97, 0x55667788u, 7, r, sizeof r, NULL),
                 (int)sizeof want);
    cr_assert_eq(memcmp(r, want, sizeof want), 0);
    cr_assert_eq(rtcp_fb_rtx_build(p, n, 128, 1, 7, r, sizeof r, NULL),
                 RTCP_FB_ERR_RANGE);
    /* receive side: apt 96, original SSRC; padding of the original gone */
    cr_assert_eq(rtcp_fb_rtx_recover(r, sizeof want, map, 2, o, sizeof o, &need,
                                     &osn), (int)(n - 4));
    cr_assert_eq(osn, 0x1234);
    n = mk_rtp(p, 0x1234, 5, 0);
    cr_assert_eq(memcmp(o, p, n), 0);
    cr_assert_eq(rtcp_fb_rtx_recover(r, sizeof want, map, 1, o, sizeof o, NULL,
                                     NULL), RTCP_FB_ERR_RTX_MAP);
    cr_assert_eq(rtcp_fb_rtx_recover(r, 25, map, 2, o, sizeof o, NULL, NULL),
                 RTCP_FB_ERR_NOT_RTP); /* payload shorter than the OSN */
    cr_assert_eq(rtcp_fb_rtx_recover(r, sizeof want, map, 2, o, n - 1, &need,
                                     NULL), RTCP_FB_ERR_NOSPACE);
    cr_assert_eq(need, n);
}

static size_t mk_nack(uint8_t *b, uint32_t media, const uint16_t *seqs, size_t n)
{
    int r = rtcp_fb_nack_build_seqs(b, 256, 0xFEEDu, media, seqs, n, NULL);
    cr_assert_gt(r, 0);
    return (size_t)r;
}

/* RFC 4585 §6.2.1 + RFC 4588 §4 end to end: a NACK packet in, RTX packets
 * out through the callback, RTX sequence numbers consecutive. */
Test(rtcp_fb_gen_history, on_nack_sends_rtx_with_own_sequence_numbers)
{
    rtcp_fb_history_config c;
    uint8_t p[200], nb[256], o[200];
    uint16_t lost[3] = {501, 502, 520}, s, osn;
    rtcp_fb_rtx_map map = {97, 96, 0xA1B2C3D4u};
    size_t nn;
    int i;
    rtcp_fb_history_config_init(&c);
    c.ssrc = 0xA1B2C3D4u;
    c.rtx = 1;
    c.rtx_pt = 97;
    c.rtx_ssrc = 0x0BADCAFEu;
    c.rtx_seq = 65535;
    h_setup(&c);
    for (s = 500; s < 530; s++)
        rtcp_fb_history_put(&g_h, p, mk_rtp(p, s, 30, 0), 0);
    nn = mk_nack(nb, 0x12345678u, lost, 3); /* another SSRC: ignored */
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, nn, 1000), 0);
    nn = mk_nack(nb, 0xA1B2C3D4u, lost, 3);
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, nn, 1000), 3);
    cr_assert_eq(g_nsent, 3);
    for (i = 0; i < 3; i++) {
        const uint8_t *rp = g_sent[i].b;
        cr_assert_eq(g_sent[i].osn, lost[i]);
        cr_assert_eq(rp[1] & 0x7F, 97);
        cr_assert_eq((rp[2] << 8) | rp[3], (uint16_t)(65535 + i)); /* wraps */
        cr_assert_eq(((uint32_t)rp[8] << 24 | (uint32_t)rp[9] << 16 |
                      (uint32_t)rp[10] << 8 | rp[11]), 0x0BADCAFEu);
        cr_assert_eq(rtcp_fb_rtx_recover(rp, g_sent[i].len, &map, 1, o, sizeof o,
                                         NULL, &osn), (int)mk_rtp(p, lost[i], 30, 0));
        cr_assert_eq(memcmp(o, p, mk_rtp(p, lost[i], 30, 0)), 0);
    }
    /* the same NACK within the RTT: nothing */
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, nn, 2000), 0);
    /* a bad packet: the parser's error */
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, 8, 2000), RTCP_FB_ERR_TRUNCATED);
}

Test(rtcp_fb_gen_history, without_rtx_resends_original_bytes_and_callback_failure)
{
    rtcp_fb_history_config c;
    uint8_t p[200], nb[256];
    uint16_t lost[2] = {7, 8}, s;
    size_t nn;
    rtcp_fb_history_config_init(&c);
    c.ssrc = 0xA1B2C3D4u;
    h_setup(&c);
    for (s = 1; s < 10; s++)
        rtcp_fb_history_put(&g_h, p, mk_rtp(p, s, 30, 1), 0);
    nn = mk_nack(nb, 0xA1B2C3D4u, lost, 2);
    g_fail_at = 1; /* the second send fails */
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, nn, 0), RTCP_FB_ERR_CALLBACK);
    cr_assert_eq(g_nsent, 1);
    g_fail_at = -1;
    g_nsent = 0;
    /* 8 was not sent, so it is not rate limited; 7 is */
    cr_assert_eq(rtcp_fb_history_on_nack(&g_h, nb, nn, 1), 1);
    cr_assert_eq(g_sent[0].osn, 8);
    cr_assert_eq(g_sent[0].len, mk_rtp(p, 8, 30, 1));
    cr_assert_eq(memcmp(g_sent[0].b, p, g_sent[0].len), 0); /* as sent */
    cr_assert_eq(rtcp_fb_history_build_resend(&g_h, 99, p, sizeof p, NULL),
                 RTCP_FB_ERR_NOT_FOUND);
}

/* ---- key frame requester --------------------------------------------------- */

static uint8_t g_kb[8][32];
static size_t g_klen[8];
static int g_kn, g_kfail;

static int send_rtcp(void *user, const uint8_t *pkt, size_t len)
{
    (void)user;
    if (g_kfail) return 1;
    if (g_kn < 8 && len <= 32) {
        memcpy(g_kb[g_kn], pkt, len);
        g_klen[g_kn] = len;
    }
    g_kn++;
    return 0;
}

static rtcp_fb_keyreq g_k;

static void k_setup(unsigned methods, uint64_t rtt, uint32_t max_repeats)
{
    rtcp_fb_keyreq_config c;
    rtcp_fb_keyreq_callbacks cb;
    rtcp_fb_keyreq_config_init(&c);
    c.sender_ssrc = 0x11111111u;
    c.media_ssrc = 0x22222222u;
    c.methods = methods;
    c.rtt_us = rtt;
    c.max_repeats = max_repeats;
    c.fir_seq = 254;
    cb.size = sizeof cb;
    cb.send_rtcp = send_rtcp;
    g_kn = 0;
    g_kfail = 0;
    cr_assert_eq(rtcp_fb_keyreq_init(&g_k, &c, &cb, NULL), 0);
}

/* RFC 4585 §6.3.1: PLI bytes; at most one per max(RTT, 300 ms); repeated
 * while unanswered; a key frame ends it. */
Test(rtcp_fb_gen_keyreq, s6_3_1_pli_rate_limited_repeated_until_keyframe)
{
    static const uint8_t pli[12] = {0x81, 206, 0, 2, 0x11, 0x11, 0x11, 0x11,
                                    0x22, 0x22, 0x22, 0x22};
    k_setup(RTCP_FB_KEYREQ_PLI, 100000, 0);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), UINT64_MAX);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 1000), 1);
    cr_assert_eq(g_klen[0], 12);
    cr_assert_eq(memcmp(g_kb[0], pli, 12), 0);
    /* more losses: merged, nothing before 301 ms */
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 50000), 0);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), 301000);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 300999), 0);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 301000), 1); /* repeat */
    cr_assert_eq(g_kn, 2);
    /* RTT above the minimum sets the spacing */
    rtcp_fb_keyreq_set_rtt(&g_k, 400000);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), 701000);
    rtcp_fb_keyreq_on_keyframe(&g_k, 500000);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), UINT64_MAX);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 800000), 0);
    /* a new loss soon after the last PLI waits for the spacing */
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 600000), 0);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), 701000);
    cr_assert_eq(g_k.n_answered, 1);
}

static uint8_t fir_seq_of(int i)
{
    rtcp_fb_fir_item it;
    rtcp_fb_common h;
    size_t n = 1;
    cr_assert_eq(rtcp_fb_fir_parse(g_kb[i], g_klen[i], &h, &it, &n), 20);
    cr_assert_eq(h.sender_ssrc, 0x11111111u);
    cr_assert_eq(h.media_ssrc, 0); /* RFC 5104 §4.3.1.2 */
    cr_assert_eq(it.ssrc, 0x22222222u);
    return it.seq;
}

/* RFC 5104 §4.3.1.2: the sequence number goes up by one (mod 256) per new
 * request and stays for repeats; FIR is never the answer to losses. */
Test(rtcp_fb_gen_keyreq, rfc5104_s4_3_1_fir_sequence_numbers)
{
    k_setup(RTCP_FB_KEYREQ_FIR, 10000, 0);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 0),
                 RTCP_FB_ERR_TYPE);
    cr_assert_eq(g_kn, 0);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_REFRESH, 0), 1);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 300000), 1); /* repeat */
    rtcp_fb_keyreq_on_keyframe(&g_k, 350000);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_REFRESH, 600000), 1);
    rtcp_fb_keyreq_on_keyframe(&g_k, 650000);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_REFRESH, 900000), 1);
    cr_assert_eq(g_kn, 4);
    cr_assert_eq(fir_seq_of(0), 254);
    cr_assert_eq(fir_seq_of(1), 254);
    cr_assert_eq(fir_seq_of(2), 255);
    cr_assert_eq(fir_seq_of(3), 0);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, 7, 0), RTCP_FB_ERR_INVALID);
}

Test(rtcp_fb_gen_keyreq, refresh_upgrades_pending_pli_and_max_repeats)
{
    k_setup(RTCP_FB_KEYREQ_PLI | RTCP_FB_KEYREQ_FIR, 0, 1);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 0), 1);
    cr_assert_eq(g_klen[0], 12);
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_REFRESH, 1000), 0);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 300000), 1);
    cr_assert_eq(g_klen[1], 20);
    cr_assert_eq(fir_seq_of(1), 254);
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 600000), 1); /* 1 repeat */
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 900000), 0); /* abandoned */
    cr_assert_eq(g_k.n_abandoned, 1);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), UINT64_MAX);
    /* a failing send keeps the request due */
    g_kfail = 1;
    cr_assert_eq(rtcp_fb_keyreq_request(&g_k, RTCP_FB_KEYREQ_LOSS, 1000000),
                 RTCP_FB_ERR_CALLBACK);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), 900000);
    g_kfail = 0;
    cr_assert_eq(rtcp_fb_keyreq_on_timeout(&g_k, 1000001), 1);
}

/* ---- transport-wide CC feedback generator ----------------------------------- */

static rtcp_fb_twccgen g_tw;
static uint8_t *g_twmem;
typedef struct fbpkt {
    uint8_t b[1500];
    size_t len;
} fbpkt;
static fbpkt *g_fb;
static int g_nfb;

static int twcc_send(void *user, const uint8_t *pkt, size_t len)
{
    (void)user;
    cr_assert_lt(g_nfb, 256);
    cr_assert_leq(len, 1500);
    memcpy(g_fb[g_nfb].b, pkt, len);
    g_fb[g_nfb].len = len;
    g_nfb++;
    return 0;
}

static void tw_setup(rtcp_fb_twccgen_config *c)
{
    rtcp_fb_twccgen_callbacks cb;
    size_t m = rtcp_fb_twccgen_mem_size(c);
    cr_assert_gt(m, 0);
    g_twmem = malloc(m);
    if (!g_fb) g_fb = malloc(256 * sizeof *g_fb);
    g_nfb = 0;
    cb.size = sizeof cb;
    cb.send_rtcp = twcc_send;
    c->sender_ssrc = 0xAAAA0001u;
    c->media_ssrc = 0xBBBB0002u;
    cr_assert_eq(rtcp_fb_twccgen_init(&g_tw, g_twmem, m, c, &cb, NULL), 0);
}

static void tw_teardown(void)
{
    free(g_twmem);
    g_twmem = NULL;
    free(g_fb);
    g_fb = NULL;
}

TestSuite(rtcp_fb_gen_twcc, .fini = tw_teardown);

/* The expected report: arrival[i] (µs) of seq base + i, or 0 for not
 * received. Parses every feedback sent since `from` (their base numbers
 * must chain), rebuilds absolute arrival ticks from the reference time and
 * the deltas, and checks each status and time. */
static void tw_check(int from, uint16_t base, const uint64_t *arrival, size_t n,
                     uint8_t first_count)
{
    size_t k = 0;
    int i;
    for (i = from; i < g_nfb; i++) {
        rtcp_fb_common h;
        rtcp_fb_twcc tw;
        static rtcp_fb_twcc_packet pk[4096];
        size_t np = 4096, j;
        int64_t tick;
        int r = rtcp_fb_twcc_parse(g_fb[i].b, g_fb[i].len, &h, &tw, pk, &np);
        cr_assert_eq(r, (int)g_fb[i].len, "feedback %d: %d", i, r);
        cr_assert_eq(h.sender_ssrc, 0xAAAA0001u);
        cr_assert_eq(h.media_ssrc, 0xBBBB0002u);
        cr_assert_eq(tw.base_seq, (uint16_t)(base + k), "feedback %d base", i);
        cr_assert_eq(tw.fb_pkt_count, (uint8_t)(first_count + i - from));
        tick = (int64_t)tw.ref_time * 256;
        for (j = 0; j < np; j++, k++) {
            cr_assert_lt(k, n);
            if (!arrival[k]) {
                cr_assert_eq(pk[j].status, RTCP_FB_TWCC_NOT_RECEIVED, "seq %zu", k);
                continue;
            }
            cr_assert(pk[j].status == RTCP_FB_TWCC_SMALL ||
                      pk[j].status == RTCP_FB_TWCC_LARGE, "seq %zu", k);
            /* small exactly when the delta fits 0..255 */
            cr_assert_eq(pk[j].status == RTCP_FB_TWCC_SMALL,
                         pk[j].delta_us >= 0 && pk[j].delta_us <= 255 * 250);
            tick += pk[j].delta_us / 250;
            /* modulo the 2^24 * 64 ms period of the reference time */
            cr_assert_eq(tick & 0xFFFFFFFF,
                         (int64_t)((arrival[k] - 1) / 250) & 0xFFFFFFFF,
                         "seq %zu", k);
        }
        /* the reference time is the first received one's, mod 2^24 */
    }
    cr_assert_eq(k, n);
}

/* §3.1: statuses, small and large deltas, not received packets, the base
 * sequence and the reference time in 64 ms units. arrival + 1 stored. */
Test(rtcp_fb_gen_twcc, s3_1_feedback_every_100ms_decodes_exactly)
{
    rtcp_fb_twccgen_config c;
    /* seq 100..109: 102, 105 lost; a 70 ms gap (large delta) */
    uint64_t arr[10] = {1000000, 1001000, 0, 1003250, 1003400, 0,
                        1073400, 1074000, 1074100, 1080000};
    size_t i;
    rtcp_fb_twccgen_config_init(&c);
    tw_setup(&c);
    for (i = 0; i < 10; i++)
        if (arr[i]) cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, (uint16_t)(100 + i), 1000, arr[i]), 0);
    cr_assert_eq(rtcp_fb_twccgen_next_deadline(&g_tw), 1100000);
    cr_assert_eq(rtcp_fb_twccgen_on_timeout(&g_tw, 1099999), 0);
    cr_assert_eq(rtcp_fb_twccgen_on_timeout(&g_tw, 1100000), 1);
    for (i = 0; i < 10; i++)
        if (arr[i]) arr[i]++;
    tw_check(0, 100, arr, 10, 0);
    {
        rtcp_fb_twcc tw;
        rtcp_fb_twcc_packet pk[16];
        size_t np = 16;
        rtcp_fb_twcc_parse(g_fb[0].b, g_fb[0].len, NULL, &tw, pk, &np);
        cr_assert_eq(tw.ref_time, 1000000 / 64000); /* 15 */
        cr_assert_eq(tw.status_count, 10);
        cr_assert_eq(pk[0].delta_us, 1000000 - 15 * 64000);
        cr_assert_eq(pk[6].status, RTCP_FB_TWCC_LARGE);
        cr_assert_eq(pk[6].delta_us, 70000);
    }
    cr_assert_eq(rtcp_fb_twccgen_next_deadline(&g_tw), UINT64_MAX);
}

/* Sequence wrap and a late packet: reported in order across 65535 -> 0;
 * a packet reported lost that arrives later starts the next feedback at
 * its number (received now, a negative delta after it is large). */
Test(rtcp_fb_gen_twcc, wrap_and_late_packet_reported_again)
{
    rtcp_fb_twccgen_config c;
    uint64_t a1[6] = {0}, a2[7] = {0};
    uint16_t s;
    int i;
    rtcp_fb_twccgen_config_init(&c);
    tw_setup(&c);
    for (s = 65532, i = 0; i < 6; s++, i++) {
        if (s == 65534) continue;
        a1[i] = 5000000 + (uint64_t)i * 1000;
        rtcp_fb_twccgen_on_packet(&g_tw, s, 100, a1[i]);
    }
    cr_assert_eq(rtcp_fb_twccgen_flush(&g_tw, 5010000), 1);
    for (i = 0; i < 6; i++)
        if (a1[i]) a1[i]++;
    tw_check(0, 65532, a1, 6, 0);
    /* 65534 arrives late, then 2 */
    rtcp_fb_twccgen_on_packet(&g_tw, 65534, 100, 5020000);
    rtcp_fb_twccgen_on_packet(&g_tw, 2, 100, 5021000);
    cr_assert_eq(g_tw.n_late, 1);
    cr_assert_eq(rtcp_fb_twccgen_next_deadline(&g_tw), 5120000);
    cr_assert_eq(rtcp_fb_twccgen_on_timeout(&g_tw, 5120000), 1);
    /* 65534 .. 2 : 65534 new, 65535 0 1 already known, 2 new */
    a2[0] = 5020001;
    a2[1] = a1[3];
    a2[2] = a1[4];
    a2[3] = a1[5];
    a2[4] = 5021001;
    tw_check(1, 65534, a2, 5, 1);
    {
        rtcp_fb_twcc tw;
        rtcp_fb_twcc_packet pk[16];
        size_t np = 16;
        rtcp_fb_twcc_parse(g_fb[1].b, g_fb[1].len, NULL, &tw, pk, &np);
        cr_assert_eq(pk[1].status, RTCP_FB_TWCC_LARGE); /* arrived earlier */
        cr_assert_lt(pk[1].delta_us, 0);
    }
    /* a duplicate and a packet older than the window */
    rtcp_fb_twccgen_on_packet(&g_tw, 2, 100, 5200000);
    cr_assert_eq(g_tw.n_duplicate, 1);
    rtcp_fb_twccgen_on_packet(&g_tw, (uint16_t)(2 - 1024), 100, 5200000);
    cr_assert_eq(g_tw.n_too_old, 1);
}

/* Splitting at max_fb_size: every packet within it, base numbers chained,
 * the feedback packet count going up by one per packet and wrapping. */
Test(rtcp_fb_gen_twcc, split_at_max_size_and_count_wraps)
{
    rtcp_fb_twccgen_config c;
    static uint64_t arr[1000];
    uint64_t t = 7000000;
    int i;
    rtcp_fb_twccgen_config_init(&c);
    c.max_fb_size = 120;
    c.window = 2048;
    tw_setup(&c);
    g_tw.fb_count = 250;
    for (i = 0; i < 1000; i++) {
        t += (i % 7 == 3) ? 70000 : (uint64_t)(i % 5) * 300;
        if (i % 11 == 5) continue; /* lost */
        arr[i] = t + 1;
        cr_assert_geq(rtcp_fb_twccgen_on_packet(&g_tw, (uint16_t)(40000 + i), 1200, t), 0);
    }
    cr_assert_gt(rtcp_fb_twccgen_flush(&g_tw, t), 5);
    for (i = 0; i < g_nfb; i++) cr_assert_leq(g_fb[i].len, 120);
    tw_check(0, 40000, arr, 1000, 250);
}

/* A gap longer than a 16-bit delta (8.19 s) ends the packet: the next one
 * carries its own reference time. */
Test(rtcp_fb_gen_twcc, delta_over_16_bits_starts_a_new_packet)
{
    rtcp_fb_twccgen_config c;
    uint64_t arr[3] = {1000001, 1001001, 11001001};
    rtcp_fb_twccgen_config_init(&c);
    tw_setup(&c);
    rtcp_fb_twccgen_on_packet(&g_tw, 0, 100, 1000000);
    rtcp_fb_twccgen_on_packet(&g_tw, 1, 100, 1001000);
    rtcp_fb_twccgen_on_packet(&g_tw, 2, 100, 11001000);
    cr_assert_eq(rtcp_fb_twccgen_flush(&g_tw, 11001000), 2);
    tw_check(0, 0, arr, 3, 0);
}

/* Count and byte thresholds send from on_packet; a reference time past
 * 2^24 * 64 ms wraps in its 24 bits. */
Test(rtcp_fb_gen_twcc, thresholds_and_reference_time_wrap)
{
    rtcp_fb_twccgen_config c;
    uint64_t base = ((uint64_t)1 << 24) * 64000 + 128000; /* ref 2^24 + 2 */
    uint64_t arr[4];
    int i;
    rtcp_fb_twccgen_config_init(&c);
    c.max_packets = 4;
    c.max_bytes = 100000;
    tw_setup(&c);
    for (i = 0; i < 3; i++)
        cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, (uint16_t)i, 10, base + (uint64_t)i), 0);
    cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, 3, 10, base + 3), 1);
    for (i = 0; i < 4; i++) arr[i] = base + (uint64_t)i + 1;
    tw_check(0, 0, arr, 4, 0);
    {
        rtcp_fb_twcc tw;
        rtcp_fb_twcc_packet pk[8];
        size_t np = 8;
        rtcp_fb_twcc_parse(g_fb[0].b, g_fb[0].len, NULL, &tw, pk, &np);
        cr_assert_eq(tw.ref_time, 2);
    }
    cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, 4, 60000, base + 10), 0);
    cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, 5, 60000, base + 11), 1);
    cr_assert_eq(g_nfb, 2);
}

/* ---- RFC 4585 §3.5 timing ------------------------------------------------------ */

static uint16_t g_rnd[16];
static int g_rnd_i, g_seen;

static void rnd(void *user, uint8_t *b, size_t len)
{
    uint16_t v = g_rnd[g_rnd_i++ % 16];
    (void)user;
    cr_assert_eq(len, 2);
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static int fb_seen(void *user)
{
    (void)user;
    return g_seen;
}

static rtcp_fb_timing g_t;

static void t_setup(int p2p, uint64_t trr_interval, uint64_t max_delay)
{
    rtcp_fb_timing_config c;
    rtcp_fb_timing_callbacks cb;
    int i;
    rtcp_fb_timing_config_init(&c);
    c.point_to_point = p2p;
    c.t_rr_interval_us = trr_interval;
    c.t_max_fb_delay_us = max_delay;
    if (!p2p) c.members = 3;
    cb.size = sizeof cb;
    cb.rand = rnd;
    cb.fb_seen = fb_seen;
    for (i = 0; i < 16; i++) g_rnd[i] = 0x8000; /* RND = middle */
    g_rnd_i = 0;
    g_seen = 0;
    cr_assert_eq(rtcp_fb_timing_init(&g_t, &c, &cb, NULL, 0), 0);
}

/* 100 octets, 2 receivers, 75% of 3200 bit/s (RFC 3550 §6.3.1, no
 * senders): 0.6667 s, RND 1, / 1.21828. */
#define T_RR_P2P 547219u

/* §3.5.1 and §3.5.2 point-to-point: T_dither_max = 0, the Early packet
 * goes at once; then allow_early is FALSE until the next Regular packet,
 * tn = tp + 2 T_rr and tp = the previous tn. */
Test(rtcp_fb_gen_timing, s3_5_2_point_to_point_early_then_regular_only)
{
    uint64_t w = 0;
    t_setup(1, 0, UINT64_MAX);
    cr_assert_eq(g_t.t_rr, T_RR_P2P);
    cr_assert_eq(g_t.tn, T_RR_P2P);
    cr_assert(g_t.allow_early);
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 1000, &w), RTCP_FB_EARLY_NOW);
    cr_assert_eq(w, 1000);
    rtcp_fb_timing_on_early_sent(&g_t, 1000);
    cr_assert(!g_t.allow_early);
    cr_assert_eq(g_t.tn, 2 * T_RR_P2P);
    cr_assert_eq(g_t.tp, T_RR_P2P);
    /* step 4a.1: goes with the Regular packet */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 2000, &w), RTCP_FB_EARLY_REGULAR);
    cr_assert_eq(w, 2 * T_RR_P2P);
    /* step 2a: a packet with FB is already scheduled */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 3000, &w), RTCP_FB_EARLY_MERGED);
    cr_assert_eq(w, 2 * T_RR_P2P);
    cr_assert_eq(rtcp_fb_timing_next_deadline(&g_t), 2 * T_RR_P2P);
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, 2 * T_RR_P2P - 1), RTCP_FB_TIMING_NONE);
    /* reconsideration from tp = T_RR: tp + T_rr = 2 T_RR: due */
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, 2 * T_RR_P2P), RTCP_FB_TIMING_REGULAR);
    cr_assert(g_t.allow_early);
    cr_assert(!g_t.fb_pending);
    cr_assert_eq(g_t.tn, 3 * T_RR_P2P);
}

/* §3.5.2 step 4a.2: with allow_early FALSE and tn - t0 >= T_max_fb_delay
 * the FB message is discarded. */
Test(rtcp_fb_gen_timing, s3_5_2_step4a_discard_after_max_fb_delay)
{
    uint64_t w = 0;
    t_setup(1, 0, 100000);
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 0, &w), RTCP_FB_EARLY_NOW);
    rtcp_fb_timing_on_early_sent(&g_t, 0);
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 10, &w), RTCP_FB_EARLY_DISCARD);
    cr_assert_eq(w, UINT64_MAX);
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 2 * T_RR_P2P - 99999, &w),
                 RTCP_FB_EARLY_REGULAR);
}

/* §3.5.2 multiparty: T_dither_max = 0.5 T_rr, te = t0 + RND T_dither_max;
 * step 3a when the Regular packet is nearer; step 5a suppression through
 * the fb_seen hook; the caller's own suppression. */
Test(rtcp_fb_gen_timing, s3_5_2_multiparty_dither_and_suppression)
{
    uint64_t w = 0, trr, dm;
    t_setup(0, 0, UINT64_MAX);
    /* 3 members: 1 s, Tmin 1 s initially (§3.5.1): T = 1 s / 1.21828 */
    cr_assert_eq(g_t.t_rr, 820829);
    trr = g_t.t_rr;
    dm = trr / 2;
    g_rnd[g_rnd_i % 16] = 0x4000; /* RND(0,1) = 0.25 */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 1000, &w), RTCP_FB_EARLY_SCHEDULED);
    cr_assert_eq(w, 1000 + dm / 4);
    cr_assert_eq(rtcp_fb_timing_next_deadline(&g_t), w);
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 2000, NULL), RTCP_FB_EARLY_MERGED);
    g_seen = 1; /* another member sent the same NACK */
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, w), RTCP_FB_TIMING_FB_DISCARDED);
    cr_assert(g_t.allow_early); /* nothing was sent */
    cr_assert_eq(rtcp_fb_timing_next_deadline(&g_t), trr);
    g_seen = 0;
    g_rnd[g_rnd_i % 16] = 0xFFFF;
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 3000, &w), RTCP_FB_EARLY_SCHEDULED);
    cr_assert_eq(rtcp_fb_timing_suppress(&g_t), 1);
    cr_assert_eq(rtcp_fb_timing_suppress(&g_t), 0);
    cr_assert_eq(rtcp_fb_timing_next_deadline(&g_t), trr);
    g_rnd[g_rnd_i % 16] = 0x8000;
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 4000, &w), RTCP_FB_EARLY_SCHEDULED);
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, w), RTCP_FB_TIMING_EARLY);
    cr_assert(!g_t.allow_early);
    cr_assert_eq(g_t.tn, 2 * trr);
    cr_assert_eq(g_t.tp, trr);
    /* step 3a: t0 + T_dither_max > tn */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, 2 * trr - dm + 1, &w),
                 RTCP_FB_EARLY_REGULAR);
    cr_assert_eq(w, 2 * trr);
}

/* §3.5.3 with T_rr_interval: the first Regular packet goes (case 1); then
 * before t_rr_last + RND T_rr_interval a Regular packet is suppressed
 * (2c) or carries only the FB (2b); after it, a full one (2a). */
Test(rtcp_fb_gen_timing, s3_5_3_t_rr_interval_cases)
{
    uint64_t t, first;
    int i;
    t_setup(1, 2000000, UINT64_MAX);
    t = g_t.tn;
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, t), RTCP_FB_TIMING_REGULAR);
    first = t;
    cr_assert_eq(g_t.t_rr_last, first);
    t = g_t.tn; /* first + T_RR: 0.55 s < RND * 2 s */
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, t), RTCP_FB_TIMING_SUPPRESSED);
    cr_assert_eq(g_t.t_rr_last, first);
    cr_assert(g_t.allow_early);
    /* an Early packet, then the next FB waits for the Regular one */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, t + 1, NULL), RTCP_FB_EARLY_NOW);
    rtcp_fb_timing_on_early_sent(&g_t, t + 1);
    cr_assert_eq(g_t.tn, t + 2 * T_RR_P2P); /* tp + 2 T_rr */
    cr_assert_eq(rtcp_fb_timing_request_early(&g_t, t + 2, NULL), RTCP_FB_EARLY_REGULAR);
    t = g_t.tn;
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, t), RTCP_FB_TIMING_FB_ONLY);
    cr_assert_eq(g_t.t_rr_last, first);
    /* RND 1: 2 s after the last full one; RND 0.5: 1 s */
    while (g_t.tn < first + 1000000)
        cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, g_t.tn), RTCP_FB_TIMING_SUPPRESSED);
    for (i = 0; i < 16; i++) g_rnd[i] = 0;
    t = g_t.tn;
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, t), RTCP_FB_TIMING_REGULAR);
    cr_assert_eq(g_t.t_rr_last, t);
    cr_assert_eq(g_t.n_regular, 2);
    cr_assert_eq(g_t.n_fb_only, 1);
    cr_assert_eq(g_t.n_early, 1);
}

/* RFC 3550 §6.3.6 timer reconsideration at tn, the §3.5.4 avg_rtcp_size
 * update and the §3.3 modes. */
Test(rtcp_fb_gen_timing, reconsideration_avg_size_and_modes)
{
    t_setup(1, 0, 200000);
    rtcp_fb_timing_set_members(&g_t, 4, 0, 0);
    /* T grows: tp + T is ahead of tn, so tn moves and nothing is sent */
    cr_assert_eq(rtcp_fb_timing_on_timeout(&g_t, T_RR_P2P), RTCP_FB_TIMING_NONE);
    cr_assert_eq(g_t.tn, 1094438); /* 1.333 s / 1.21828 */
    rtcp_fb_timing_set_members(&g_t, 2, 0, 0);
    rtcp_fb_timing_on_rtcp_size(&g_t, 260); /* 100 + (260 - 100) / 16 = 110 */
    cr_assert_eq(g_t.avg_rtcp_size_x16, 110 * 16);
    /* per-member share: 110 octets * 8 * 2 / 2400 = 0.7333 s */
    cr_assert_eq(rtcp_fb_timing_mode(&g_t, 733333), RTCP_FB_MODE_IMMEDIATE);
    cr_assert_eq(rtcp_fb_timing_mode(&g_t, 733332), RTCP_FB_MODE_EARLY);
    t_setup(0, 0, 200000); /* T_dither_max 0.41 s > 0.2 s */
    cr_assert_eq(rtcp_fb_timing_mode(&g_t, 1000), RTCP_FB_MODE_REGULAR);
    {
        rtcp_fb_timing_config c;
        rtcp_fb_timing_config_init(&c);
        c.rtcp_bw_bps = 0;
        cr_assert_eq(rtcp_fb_timing_init(&g_t, &c, NULL, NULL, 0), RTCP_FB_ERR_INVALID);
    }
}

/* The window would overwrite arrivals not yet reported: the pending
 * feedback goes out from on_packet first, nothing is lost. */
Test(rtcp_fb_gen_twcc, window_overflow_sends_pending_first)
{
    rtcp_fb_twccgen_config c;
    static uint64_t arr[40];
    int i;
    rtcp_fb_twccgen_config_init(&c);
    c.window = 16;
    tw_setup(&c);
    for (i = 0; i < 20; i++) {
        arr[i] = 2000000 + (uint64_t)i * 100 + 1;
        cr_assert_eq(rtcp_fb_twccgen_on_packet(&g_tw, (uint16_t)i, 100, arr[i] - 1),
                     i == 16 ? 1 : 0, "packet %d", i);
    }
    cr_assert_eq(rtcp_fb_twccgen_flush(&g_tw, 2100000), 1);
    tw_check(0, 0, arr, 20, 0);
}

/* Wiring RFC 4585 §6.2.1 to §6.3.1: a video packet the NACK generator
 * gave up on becomes a PLI, at once, and only one per interval. */
static void give_up_to_pli(void *user, uint16_t seq, int reason, uint64_t now_us)
{
    (void)seq;
    (void)reason;
    rtcp_fb_keyreq_request((rtcp_fb_keyreq *)user, RTCP_FB_KEYREQ_LOSS, now_us);
}

Test(rtcp_fb_gen_keyreq, nack_give_up_triggers_one_pli)
{
    rtcp_fb_nackgen_config c;
    rtcp_fb_nackgen_callbacks cb;
    uint16_t out[8];
    k_setup(RTCP_FB_KEYREQ_PLI, 0, 0);
    memset(&c, 0, sizeof c);
    c.max_retries = 1;
    cr_assert_eq(rtcp_fb_nackgen_init(&g_ng, &c), 0);
    cb.size = sizeof cb;
    cb.on_give_up = give_up_to_pli;
    cr_assert_eq(rtcp_fb_nackgen_set_callbacks(&g_ng, &cb, &g_k), 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 1, 0);
    rtcp_fb_nackgen_on_packet(&g_ng, 4, 0); /* 2 and 3 lost */
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 0, out, 8), 2);
    cr_assert_eq(g_kn, 0);
    cr_assert_eq(rtcp_fb_nackgen_poll(&g_ng, 100000, out, 8), 0);
    cr_assert_eq(g_kn, 1); /* two give-ups, one PLI */
    cr_assert_eq(g_klen[0], 12);
    cr_assert_eq(rtcp_fb_keyreq_next_deadline(&g_k), 400000);
}
