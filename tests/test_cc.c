/* rtcp_feedback.h congestion control: draft-ietf-rmcat-gcc-02 send-side
 * estimation on transport-wide CC feedback (draft-holmer-rmcat-transport-
 * wide-cc-extensions-01 §3.1) and RFC 8888, and the receive-side estimate
 * producing REMB (draft-alvestrand-rmcat-remb-03 §2.2).
 *
 * Unit tests of each block (trendline, §5.4 detector and threshold, §5.5
 * AIMD, §6 loss rule, REMB producer), then whole-system runs on the
 * deterministic link simulator of tests/linksim.h. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include "rtcp_feedback.h"
#include "linksim.h"

#define NEAR(a, b, eps) cr_assert((a) - (b) < (eps) && (b) - (a) < (eps), \
    "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

/* ---- trendline (replaces the §5.3 Kalman filter; see the header) ------- */

/* A queue growing 1 ms per group, one group per 10 ms: the smoothed
 * accumulated delay rises 0.1 ms per ms, so the fitted slope is 0.1 and
 * the signal min(groups, 60) x 0.1 x gain 4 = 24. */
Test(cc_trendline, slope_of_a_growing_queue)
{
    rtcp_fb_cc_trendline t;
    double m = 0;
    int i;
    cr_assert_eq(rtcp_fb_cc_trendline_init(&t, 20, 0.9, 4.0), 0);
    for (i = 0; i < 19; i++)
        cr_assert_eq(rtcp_fb_cc_trendline_update(&t, 10.0 * i, 1.0), 0.0,
                     "no signal before the window is full");
    for (; i < 300; i++) m = rtcp_fb_cc_trendline_update(&t, 10.0 * i, 1.0);
    NEAR(t.slope, 0.1, 1e-9);
    NEAR(m, 24.0, 1e-6);
}

Test(cc_trendline, flat_and_draining)
{
    rtcp_fb_cc_trendline t;
    double m = 1;
    int i;
    rtcp_fb_cc_trendline_init(&t, 20, 0.9, 4.0);
    for (i = 0; i < 100; i++) m = rtcp_fb_cc_trendline_update(&t, 5.0 * i, 0.0);
    NEAR(m, 0.0, 1e-12);
    for (i = 100; i < 400; i++) m = rtcp_fb_cc_trendline_update(&t, 5.0 * i, -0.5);
    NEAR(t.slope, -0.1, 1e-9); /* -0.5 ms per 5 ms */
    NEAR(m, 60 * -0.1 * 4.0, 1e-6);
}

Test(cc_trendline, bad_window_is_config_error)
{
    rtcp_fb_cc_trendline t;
    cr_assert_eq(rtcp_fb_cc_trendline_init(&t, 1, 0.9, 4), RTCP_FB_ERR_CC_CONFIG);
    cr_assert_eq(rtcp_fb_cc_trendline_init(&t, RTCP_FB_CC_TRENDLINE_MAX + 1, 0.9, 4),
                 RTCP_FB_ERR_CC_CONFIG);
    cr_assert_eq(rtcp_fb_cc_trendline_init(&t, 20, 1.0, 4), RTCP_FB_ERR_CC_CONFIG);
    cr_assert_eq(rtcp_fb_cc_trendline_init(NULL, 20, 0.9, 4), RTCP_FB_ERR_INVALID);
}

/* ---- §5.4 adaptive threshold -------------------------------------------- */

/* gamma(i) = gamma(i-1) + dt * K * (|m| - gamma(i-1)), dt in ms (<= 100),
 * K = k_u = 0.0087 above gamma, k_d = 0.039 below. */
Test(cc_detector, threshold_adapts_up_and_down_sec5_4)
{
    rtcp_fb_cc_detector d;
    double g;
    rtcp_fb_cc_detector_init(&d, NULL);
    NEAR(d.threshold, 12.5, 1e-12);
    rtcp_fb_cc_detector_update(&d, 0, 10, 1000000); /* first: dt = 0 */
    NEAR(d.threshold, 12.5, 1e-12);
    rtcp_fb_cc_detector_update(&d, 20, 10, 1010000);
    g = 12.5 + 10 * 0.0087 * (20 - 12.5);
    NEAR(d.threshold, g, 1e-9);
    rtcp_fb_cc_detector_update(&d, -3, 10, 1020000); /* |m| < gamma: k_d */
    g = g + 10 * 0.039 * (3 - g);
    NEAR(d.threshold, g, 1e-9);
    /* |m| more than 15 over gamma: no update (a spike) */
    rtcp_fb_cc_detector_update(&d, g + 15.5, 10, 1030000);
    NEAR(d.threshold, g, 1e-9);
    /* dt capped at 100 ms, gamma floored at 6 */
    rtcp_fb_cc_detector_update(&d, 0, 10, 5000000);
    NEAR(d.threshold, 6.0, 1e-12);
}

/* Over-use: m above gamma for more than overuse_time_th = 10 ms and at
 * least two groups, m not falling. Under-use: m < -gamma. */
Test(cc_detector, overuse_needs_10ms_and_two_groups_sec5_4)
{
    rtcp_fb_cc_detector d;
    uint64_t t = 1000000;
    rtcp_fb_cc_detector_init(&d, NULL);
    /* 5 ms groups: 2.5, 7.5 ms over -> normal; 12.5 ms -> over-use */
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, 13, 5, t += 5000), RTCP_FB_CC_NORMAL);
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, 13.1, 5, t += 5000), RTCP_FB_CC_NORMAL);
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, 13.2, 5, t += 5000), RTCP_FB_CC_OVERUSE);
    /* falling signal does not confirm over-use */
    rtcp_fb_cc_detector_init(&d, NULL);
    rtcp_fb_cc_detector_update(&d, 30, 10, t += 10000);
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, 25, 10, t += 10000), RTCP_FB_CC_NORMAL);
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, -20, 10, t += 10000), RTCP_FB_CC_UNDERUSE);
    cr_assert_eq(rtcp_fb_cc_detector_update(&d, 0, 10, t += 10000), RTCP_FB_CC_NORMAL);
}

/* ---- §5.5 AIMD ---------------------------------------------------------- */

Test(cc_aimd, state_transitions_and_rates_sec5_5)
{
    rtcp_fb_cc_aimd a;
    rtcp_fb_cc_aimd_init(&a, NULL);
    cr_assert_eq(a.state, RTCP_FB_CC_INCREASE);
    NEAR(a.bps, 300000, 1e-9);
    cr_assert_eq(rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 0, 1000000),
                 RTCP_FB_CC_REASON_NONE); /* first call: no elapsed time */
    /* far from convergence: x 1.08 per second */
    cr_assert_eq(rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 0, 2000000),
                 RTCP_FB_CC_REASON_INCREASE);
    NEAR(a.bps, 324000, 0.01);
    /* over-use: Decrease to 0.85 x acked, then Hold */
    cr_assert_eq(rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_OVERUSE, 300000, 2100000),
                 RTCP_FB_CC_REASON_DELAY_OVERUSE);
    NEAR(a.bps, 255000, 1e-6);
    cr_assert_eq(a.state, RTCP_FB_CC_HOLD);
    /* under-use: Hold, no change */
    cr_assert_eq(rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_UNDERUSE, 300000, 2200000),
                 RTCP_FB_CC_REASON_NONE);
    cr_assert_eq(a.state, RTCP_FB_CC_HOLD);
    NEAR(a.bps, 255000, 1e-6);
    /* normal from Hold: Increase; acked at the old maximum -> near
     * convergence: + one 1200-octet packet per (100 ms + RTT 100 ms) */
    cr_assert_eq(rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 300000, 3200000),
                 RTCP_FB_CC_REASON_INCREASE);
    cr_assert_eq(a.state, RTCP_FB_CC_INCREASE);
    cr_assert(a.near);
    NEAR(a.bps, 255000 + 9600 / 0.2, 1e-6);
    /* a decrease never raises the estimate */
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_OVERUSE, 1000000, 3300000);
    NEAR(a.bps, 303000, 1e-6);
}

Test(cc_aimd, increase_capped_at_1_5_acked)
{
    rtcp_fb_cc_aimd a;
    rtcp_fb_cc_config c;
    memset(&c, 0, sizeof c);
    c.start_bps = 1000000;
    rtcp_fb_cc_aimd_init(&a, &c);
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 0, 0);
    /* cap 1.5 x 500k + 10k = 760k is below the estimate: hold it */
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 500000, 1000000);
    NEAR(a.bps, 1000000, 1e-6);
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_OVERUSE, 400000, 1100000);
    NEAR(a.bps, 340000, 1e-6);
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 200000, 2100000);
    rtcp_fb_cc_aimd_update(&a, RTCP_FB_CC_NORMAL, 200000, 3100000);
    NEAR(a.bps, 340000, 1e-6); /* 1.5 x 200k + 10k = 310k < 340k */
}

/* ---- §6 loss-based rule --------------------------------------------------- */

Test(cc_loss, formula_sec6)
{
    NEAR(rtcp_fb_cc_loss_rule(100000, 0.0), 105000, 1e-9);
    NEAR(rtcp_fb_cc_loss_rule(100000, 0.019), 105000, 1e-9);
    NEAR(rtcp_fb_cc_loss_rule(100000, 0.02), 100000, 1e-9);
    NEAR(rtcp_fb_cc_loss_rule(100000, 0.1), 100000, 1e-9);
    NEAR(rtcp_fb_cc_loss_rule(100000, 0.2), 90000, 1e-9);
    NEAR(rtcp_fb_cc_loss_rule(100000, 1.0), 50000, 1e-9);
}

/* ---- send-side estimator on synthetic feedback ---------------------------- */

typedef struct rec {
    int n;
    rtcp_fb_cc_update u[64];
    int probes;
    uint64_t probe_bps;
    uint16_t cluster;
} rec;

static void rec_target(void *user, const rtcp_fb_cc_update *u)
{
    rec *r = (rec *)user;
    if (r->n < 64) r->u[r->n] = *u;
    r->n++;
}

static void rec_probe(void *user, uint64_t bps, uint16_t cluster, uint64_t now)
{
    rec *r = (rec *)user;
    (void)now;
    r->probes++;
    r->probe_bps = bps;
    r->cluster = cluster;
}

static rtcp_fb_cc cc;
static rtcp_fb_cc_remb rr;

Test(cc_send, config_errors)
{
    rtcp_fb_cc_config c;
    memset(&c, 0, sizeof c);
    c.min_bps = 500000;
    c.max_bps = 400000;
    cr_assert_eq(rtcp_fb_cc_init(&cc, &c, NULL, NULL, NULL), RTCP_FB_ERR_CC_CONFIG);
    memset(&c, 0, sizeof c);
    c.trend_window = 1000;
    cr_assert_eq(rtcp_fb_cc_init(&cc, &c, NULL, NULL, NULL), RTCP_FB_ERR_CC_CONFIG);
    cr_assert_eq(rtcp_fb_cc_init(NULL, NULL, NULL, NULL, NULL), RTCP_FB_ERR_INVALID);
    cr_assert_str_eq(rtcp_fb_cc_strerror(RTCP_FB_ERR_CC_CONFIG),
                     "inconsistent congestion control configuration");
    cr_assert_str_eq(rtcp_fb_cc_reason_str(RTCP_FB_CC_REASON_DELAY_OVERUSE),
                     "delay-overuse");
}

/* 20 packets every 10 ms, then feedback with `lost` of them missing. */
static void send_and_ack(rtcp_fb_cc *c, uint16_t *seq, uint64_t *t, int lost,
                         uint64_t delay_us)
{
    rtcp_fb_cc_arrival a[20];
    int i;
    for (i = 0; i < 20; i++) {
        rtcp_fb_cc_on_sent(c, (uint16_t)(*seq + i), *t + 10000u * (unsigned)i, 1200, 0);
        a[i].seq = (uint16_t)(*seq + i);
        a[i].received = i < lost ? 0 : 1;
        a[i].arrival_us = (int64_t)(*t + 10000u * (unsigned)i + delay_us);
    }
    *t += 200000;
    cr_assert_eq(rtcp_fb_cc_on_arrivals(c, a, 20, *t + delay_us), 20);
    *seq = (uint16_t)(*seq + 20);
}

/* §6: a loss fraction over 10% cuts the target to target x (1 - 0.5 p)
 * with reason "loss"; under 2% it may grow 5% again. */
Test(cc_send, loss_over_10_percent_decreases_sec6)
{
    rec r;
    rtcp_fb_cc_config c;
    uint16_t seq = 65500; /* across the wrap */
    uint64_t t = 0, before;
    memset(&r, 0, sizeof r);
    memset(&c, 0, sizeof c);
    c.no_probe = 1;
    cr_assert_eq(rtcp_fb_cc_init(&cc, &c, rec_target, rec_probe, &r), 0);
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), UINT64_MAX);
    send_and_ack(&cc, &seq, &t, 0, 50000);
    before = cc.target_bps;
    r.n = 0;
    send_and_ack(&cc, &seq, &t, 5, 50000); /* 25% */
    cr_assert_eq(cc.last.reason, RTCP_FB_CC_REASON_LOSS);
    NEAR(cc.loss, 0.25, 1e-12);
    NEAR((double)cc.target_bps, (double)before * (1 - 0.125), 1.0);
    cr_assert_geq(r.n, 1);
    cr_assert_eq(r.u[r.n - 1].reason, RTCP_FB_CC_REASON_LOSS);
    cr_assert_eq(r.u[r.n - 1].target_bps, cc.target_bps);
    /* 5%: hold */
    before = cc.target_bps;
    send_and_ack(&cc, &seq, &t, 1, 50000);
    cr_assert_eq(cc.target_bps, before);
}

Test(cc_send, unknown_and_duplicate_acks)
{
    rtcp_fb_cc_arrival a[3];
    memset(a, 0, sizeof a);
    rtcp_fb_cc_init(&cc, NULL, NULL, NULL, NULL);
    rtcp_fb_cc_on_sent(&cc, 7, 1000, 1000, 0);
    a[0].seq = 7; a[0].received = 1; a[0].arrival_us = 5000;
    a[1].seq = 7; a[1].received = 1; a[1].arrival_us = 5000;
    a[2].seq = 9; a[2].received = 1; a[2].arrival_us = 6000; /* never sent */
    cr_assert_eq(rtcp_fb_cc_on_arrivals(&cc, a, 3, 10000), 2);
    cr_assert_eq(cc.stat_unknown, 1);
    cr_assert_eq(cc.loss_recv, 1, "a duplicate counts once");
    cr_assert_eq(rtcp_fb_cc_on_sent(&cc, 8, 0, 0, 0), RTCP_FB_ERR_INVALID);
    cr_assert_eq(rtcp_fb_cc_on_arrivals(&cc, NULL, 1, 0), RTCP_FB_ERR_INVALID);
}

/* Clock values the arithmetic cannot take (beyond +-2^62 µs) are
 * defined results, not overflows: counted as received without a time, or
 * RTCP_FB_ERR_INVALID on the receive side. */
Test(cc_send, extreme_times)
{
    rtcp_fb_cc_arrival a[2];
    rtcp_fb_cc_init(&cc, NULL, NULL, NULL, NULL);
    rtcp_fb_cc_on_sent(&cc, 1, 0, 1000, 0);
    rtcp_fb_cc_on_sent(&cc, 2, 10000, 1000, 0);
    a[0].seq = 1; a[0].received = 1; a[0].arrival_us = INT64_MIN;
    a[1].seq = 2; a[1].received = 1; a[1].arrival_us = INT64_MAX;
    cr_assert_eq(rtcp_fb_cc_on_arrivals(&cc, a, 2, 20000), 2);
    cr_assert_eq(cc.loss_recv, 2);
    cr_assert_eq(cc.acked.n, 0, "no time: not in the bitrate window");
    rtcp_fb_cc_remb_init(&rr, NULL, 1, 0, NULL, NULL);
    cr_assert_eq(rtcp_fb_cc_remb_on_packet(&rr, 1, INT64_MIN, 0, 100), RTCP_FB_ERR_INVALID);
    cr_assert_eq(rtcp_fb_cc_remb_on_packet(&rr, 1, 0, UINT64_MAX, 100), RTCP_FB_ERR_INVALID);
    cr_assert_eq(rtcp_fb_cc_remb_on_packet(&rr, 1, 0, 0, 100), 0);
}

/* TWCC feedback (transport-wide-cc-extensions-01 §3.1) parsed from bytes
 * drives the estimator: arrival = reference time x 64 ms + deltas. A
 * queue growing 2 ms per 10 ms packet is an over-use: the target falls to
 * 0.85 x the acknowledged bitrate. */
Test(cc_send, twcc_growing_delay_is_overuse_sec5_5)
{
    rec r;
    rtcp_fb_cc_config c;
    uint8_t buf[1500];
    rtcp_fb_twcc_packet pk[32], pp[64];
    rtcp_fb_twcc tw, tp;
    uint16_t seq = 0;
    int round, i, len, saw = 0;
    uint64_t t = 0;
    memset(&r, 0, sizeof r);
    memset(&c, 0, sizeof c);
    c.no_probe = 1;
    c.start_bps = 1000000; /* above 0.85 x acked, so a decrease shows */
    rtcp_fb_cc_init(&cc, &c, rec_target, NULL, &r);
    for (round = 0; round < 30; round++) {
        int64_t prev = 0;
        size_t n = 64;
        for (i = 0; i < 20; i++) {
            uint64_t st = t + 10000u * (unsigned)i;
            int64_t arr = (int64_t)st + 50000 + (round >= 10 ? (round - 10) * 40000 + 2000 * i : 0);
            arr = arr / 250 * 250;
            rtcp_fb_cc_on_sent(&cc, (uint16_t)(seq + i), st, 1200, 0);
            pk[i].seq = (uint16_t)(seq + i);
            pk[i].status = RTCP_FB_TWCC_RECEIVED;
            if (i == 0) {
                tw.ref_time = (int32_t)(arr / 64000);
                prev = (int64_t)tw.ref_time * 64000;
            }
            pk[i].delta_us = (int32_t)(arr - prev);
            prev = arr;
        }
        tw.base_seq = seq;
        tw.fb_pkt_count = (uint8_t)round;
        len = rtcp_fb_twcc_build(buf, sizeof buf, 1, 2, &tw, pk, 20, NULL);
        cr_assert_gt(len, 0);
        cr_assert_eq(rtcp_fb_twcc_parse(buf, (size_t)len, NULL, &tp, pp, &n), len);
        t += 200000;
        cr_assert_eq(rtcp_fb_cc_on_twcc(&cc, &tp, pp, n, t + 60000), 20);
        seq = (uint16_t)(seq + 20);
        if (round < 10) cr_assert_neq(cc.last.reason, RTCP_FB_CC_REASON_DELAY_OVERUSE);
        if (cc.last.reason == RTCP_FB_CC_REASON_DELAY_OVERUSE) saw = 1;
    }
    cr_assert(saw, "growing delay must give a delay-overuse decrease");
    cr_assert_lt(cc.target_bps, 0.85 * 960000 + 1);
}

/* Probing: a start probe at 3 x start is due at once; a cluster measured
 * from feedback (min of send and receive rate) raises the estimate. */
Test(cc_send, start_probe_and_cluster_result)
{
    rec r;
    rtcp_fb_cc_arrival a[10];
    int i;
    memset(&r, 0, sizeof r);
    rtcp_fb_cc_init(&cc, NULL, rec_target, rec_probe, &r);
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), 0);
    cr_assert_eq(cc.probe_request_bps, 900000);
    rtcp_fb_cc_on_timeout(&cc, 0);
    cr_assert_eq(r.probes, 1);
    cr_assert_eq(r.probe_bps, 900000);
    cr_assert_neq(r.cluster, 0);
    /* 10 packets of 1000 octets every 10 ms (800 kbit/s sent), received
     * every 12.5 ms (640 kbit/s): the result is 640 kbit/s */
    for (i = 0; i < 10; i++) {
        rtcp_fb_cc_on_sent(&cc, (uint16_t)i, 10000u * (unsigned)i, 1000, r.cluster);
        a[i].seq = (uint16_t)i;
        a[i].received = 1;
        a[i].arrival_us = 40000 + 12500 * i;
    }
    rtcp_fb_cc_on_arrivals(&cc, a, 10, 200000);
    cr_assert_eq(cc.last.reason, RTCP_FB_CC_REASON_PROBE);
    NEAR((double)cc.target_bps, 640000, 2);
    cr_assert_eq(cc.probe_request_bps, 0);
    /* an application-measured result */
    rtcp_fb_cc_probe_result(&cc, 700000, 300000);
    NEAR((double)cc.target_bps, 700000, 1);
    rtcp_fb_cc_probe_result(&cc, 100000, 300000); /* lower: ignored */
    NEAR((double)cc.target_bps, 700000, 1);
}

/* No feedback for 1 s while sending: the target halves, once per timeout. */
Test(cc_send, feedback_timeout_halves)
{
    rec r;
    rtcp_fb_cc_config c;
    memset(&r, 0, sizeof r);
    memset(&c, 0, sizeof c);
    c.no_probe = 1;
    rtcp_fb_cc_init(&cc, &c, rec_target, NULL, &r);
    rtcp_fb_cc_on_sent(&cc, 0, 0, 1200, 0);
    rtcp_fb_cc_on_sent(&cc, 1, 10000, 1200, 0);
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), 1000000);
    rtcp_fb_cc_on_timeout(&cc, 999999);
    cr_assert_eq(cc.target_bps, 300000);
    rtcp_fb_cc_on_timeout(&cc, 1000000);
    cr_assert_eq(cc.target_bps, 150000);
    cr_assert_eq(cc.last.reason, RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT);
    /* nothing sent since: no further deadline */
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), UINT64_MAX);
}

/* A drop to half or less of the last 5 s's peak asks for a probe at
 * 0.85 x the peak, probe_drop_delay_us (3 s) later. */
Test(cc_send, probe_after_a_drop)
{
    rec r;
    rtcp_fb_cc_config c;
    memset(&r, 0, sizeof r);
    memset(&c, 0, sizeof c);
    c.probe_start_factor = 0.5; /* no start probe */
    rtcp_fb_cc_init(&cc, &c, rec_target, rec_probe, &r);
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), UINT64_MAX);
    rtcp_fb_cc_probe_result(&cc, 1000000, 0);
    rtcp_fb_cc_on_sent(&cc, 0, 0, 1200, 0);
    rtcp_fb_cc_on_sent(&cc, 1, 10000, 1200, 0);
    rtcp_fb_cc_on_timeout(&cc, 1000000); /* feedback timeout: 500 kbit/s */
    cr_assert_eq(cc.target_bps, 500000);
    cr_assert_eq(cc.probe_request_bps, 850000);
    cr_assert_eq(r.probes, 0);
    cr_assert_eq(rtcp_fb_cc_next_deadline(&cc), 4000000);
    rtcp_fb_cc_on_timeout(&cc, 4000000);
    cr_assert_eq(r.probes, 1);
    cr_assert_eq(r.probe_bps, 850000);
}

/* The target never leaves [min, max]: a start above max is a config
 * error, a probe above max is clamped. */
Test(cc_send, clamp_to_max)
{
    rtcp_fb_cc_config c;
    memset(&c, 0, sizeof c);
    c.max_bps = 400000;
    c.no_probe = 1;
    rtcp_fb_cc_init(&cc, &c, NULL, NULL, NULL);
    rtcp_fb_cc_probe_result(&cc, 5000000, 0);
    cr_assert_eq(cc.target_bps, 400000);
}

/* RFC 8888 §3.1: arrival = report timestamp - ATO/1024 s. */
static long map_seq(void *user, uint32_t ssrc, uint16_t rtp_seq)
{
    (void)user;
    return ssrc == 0x1234 ? (long)(uint16_t)(rtp_seq - 100) : -1;
}

Test(cc_send, rfc8888_feedback_sec3_1)
{
    rtcp_fb_ccfb fb;
    rtcp_fb_ccfb_block b[2];
    rtcp_fb_ccfb_metric m[6];
    int i;
    rtcp_fb_cc_init(&cc, NULL, NULL, NULL, NULL);
    for (i = 0; i < 4; i++) rtcp_fb_cc_on_sent(&cc, (uint16_t)i, 10000u * (unsigned)i, 1200, 0);
    fb.sender_ssrc = 1;
    fb.report_timestamp = 0x00020000; /* 2 s */
    b[0].ssrc = 0x1234; b[0].begin_seq = 100; b[0].num_reports = 4; b[0].first = 0;
    b[1].ssrc = 0x9999; b[1].begin_seq = 5; b[1].num_reports = 2; b[1].first = 4;
    for (i = 0; i < 6; i++) {
        m[i].received = 1;
        m[i].ecn = 0;
        m[i].ato = (uint16_t)(100 - 10 * i);
    }
    m[2].received = 0;
    cr_assert_eq(rtcp_fb_cc_on_ccfb(&cc, &fb, b, 2, m, 6, map_seq, NULL, 2000000), 4);
    cr_assert_eq(cc.loss_recv, 3);
    cr_assert_eq(cc.loss_lost, 1);
    b[0].num_reports = 7; /* past the metrics array */
    cr_assert_eq(rtcp_fb_cc_on_ccfb(&cc, &fb, b, 2, m, 6, map_seq, NULL, 2000000),
                 RTCP_FB_ERR_INVALID);
}

/* ---- receive side: REMB (draft-alvestrand-rmcat-remb-03 §2.2) ------------- */

typedef struct remb_rec {
    int n;
    uint64_t bps[64], at[64];
    uint8_t pkt[64];
    size_t len;
} remb_rec;

static void on_remb(void *user, const uint8_t *pkt, size_t len, uint64_t bps,
                    const uint32_t *ssrcs, size_t n_ssrcs, uint64_t now_us)
{
    remb_rec *r = (remb_rec *)user;
    rtcp_fb_remb v;
    uint32_t got[8];
    size_t n = 8;
    cr_assert_eq(rtcp_fb_remb_parse(pkt, len, NULL, &v, got, &n), (int)len);
    cr_assert_eq(rtcp_fb_mantissa_to_bps(v.exp, v.mantissa), bps);
    cr_assert_eq(n, n_ssrcs);
    cr_assert_eq(memcmp(got, ssrcs, n * 4), 0);
    if (r->n < 64) {
        r->bps[r->n] = bps;
        r->at[r->n] = now_us;
    }
    if (len <= sizeof r->pkt) memcpy(r->pkt, pkt, len);
    r->len = len;
    r->n++;
}

Test(cc_remb, periodic_then_immediate_on_decrease)
{
    remb_rec r;
    uint64_t t = 0, first_drop_at = 0;
    int i, n_before;
    rtcp_fb_cc_config c;
    memset(&r, 0, sizeof r);
    memset(&c, 0, sizeof c);
    c.start_bps = 1000000; /* above 0.85 x incoming, so a decrease shows */
    cr_assert_eq(rtcp_fb_cc_remb_init(&rr, &c, 0xAABBCCDD, 500000, on_remb, &r), 0);
    cr_assert_eq(rtcp_fb_cc_remb_next_deadline(&rr), UINT64_MAX);
    /* 3 s of two SSRCs, a packet every 10 ms, constant 40 ms delay */
    for (i = 0; i < 300; i++) {
        t = 10000u * (unsigned)i;
        rtcp_fb_cc_remb_on_packet(&rr, i % 2 ? 0x1111 : 0x2222, (int64_t)t, t + 40000, 1200);
        if (t + 40000 >= rtcp_fb_cc_remb_next_deadline(&rr))
            rtcp_fb_cc_remb_on_timeout(&rr, t + 40000);
    }
    cr_assert_geq(r.n, 5);
    cr_assert_eq(r.at[1] - r.at[0], 500000, "interval");
    cr_assert_eq(r.len, 28, "20 octets + 2 SSRCs");
    cr_assert_eq(r.pkt[1], 206);
    cr_assert_eq(memcmp(r.pkt + 12, "REMB", 4), 0);
    cr_assert_eq(rr.n_ssrcs, 2);
    cr_assert_gt(rr.estimate_bps, 1000000, "normal signals increase it");
    /* a queue building up 3 ms per packet: over-use, a REMB at once */
    n_before = r.n;
    for (i = 300; i < 400 && !first_drop_at; i++) {
        t = 10000u * (unsigned)i;
        rtcp_fb_cc_remb_on_packet(&rr, 0x1111, (int64_t)t, t + 40000 + 3000u * (unsigned)(i - 300), 1200);
        if (r.n > n_before && r.bps[r.n - 1] < 0.97 * (double)r.bps[n_before - 1])
            first_drop_at = t;
    }
    cr_assert_neq(first_drop_at, 0, "a decrease of 3%% or more is sent at once");
    /* sent from on_packet (the loop never calls on_timeout), within
     * 200 ms of the queue starting to build at 3 s */
    cr_assert_lt(first_drop_at - 3000000, 200000, "%llu", (unsigned long long)first_drop_at);
    cr_assert_eq(rr.usage, RTCP_FB_CC_OVERUSE);
}

/* abs-send-time (24 bits, 6.18 s) unwraps across its 64 s wrap. */
Test(cc_remb, abs_send_time_wrap)
{
    remb_rec r;
    int i;
    memset(&r, 0, sizeof r);
    rtcp_fb_cc_remb_init(&rr, NULL, 1, 0, on_remb, &r);
    for (i = 0; i < 400; i++) {
        /* start 1 s before the wrap; 10 ms = 2621.44 units */
        uint32_t abs24 = (uint32_t)((0xFFFFFFu - 262144u + (uint32_t)i * 2621u) & 0xFFFFFFu);
        uint64_t arr = 5000000u + 10000u * (unsigned)i;
        rtcp_fb_cc_remb_on_packet_abs(&rr, 7, abs24, arr, 1000);
        if (arr >= rtcp_fb_cc_remb_next_deadline(&rr)) rtcp_fb_cc_remb_on_timeout(&rr, arr);
        cr_assert_neq(rr.usage, RTCP_FB_CC_OVERUSE, "packet %d", i);
    }
    cr_assert_eq(rr.abs_units, (int64_t)(0xFFFFFFu - 262144u) + 399 * 2621);
    cr_assert_geq(r.n, 3);
}

/* ---- whole system on the link simulator ------------------------------------ */

static linksim sim;

/* 1 Mbit/s, 50 ms each way, TWCC every 100 ms: the target reaches 85% of
 * the capacity within 10 s (the start probe, §5.5 increase). */
Test(cc_sim, ramp_up_to_85_percent_within_10s)
{
    uint64_t at;
    cr_assert_eq(ls_init(&sim, NULL, 1000000), 0);
    ls_run(&sim, 10000000);
    at = ls_first_target_at_least(&sim, 0, 850000);
    cr_assert_leq(at, 10000000, "85%% reached at %llu us", (unsigned long long)at);
    cr_assert_eq(sim.cc.stat_unknown, 0);
    cr_assert_gt(sim.n_feedbacks, 90);
    /* and it does not live above capacity: average over the last 5 s */
    cr_assert_lt(ls_avg_target(&sim, 5000000, 10000000), 1050000);
}

/* Capacity steps from 1 Mbit/s to 500 kbit/s at 20 s: the §5.4 detector
 * sees the queue grow, §5.5 decreases to 0.85 x acknowledged, and the
 * queueing delay is under 150 ms from 5 s after the step on (checked up
 * to 30 s). */
Test(cc_sim, step_down_queue_under_150ms_within_5s)
{
    ls_init(&sim, NULL, 1000000);
    ls_set_capacity(&sim, 20000000, 500000);
    ls_run(&sim, 30000000);
    cr_assert_gt(ls_max_qdelay(&sim, 20000000, 21000000), 150.0,
                 "the step must build a queue for the test to mean anything");
    cr_assert_lt(ls_max_qdelay(&sim, 25000000, 30000000), 150.0);
    cr_assert_lt(ls_avg_target(&sim, 25000000, 30000000), 560000);
    cr_assert_gt(ls_avg_target(&sim, 25000000, 30000000), 400000);
    cr_assert_gt(sim.reasons[RTCP_FB_CC_REASON_DELAY_OVERUSE], 0);
}

/* 2% random loss with spare capacity (max 600 kbit/s on a 1 Mbit/s
 * link). "Does not collapse": over 30 s of loss the target never falls
 * below 50% of its value before the loss, nor below the configured min;
 * and it ends at >= 90% of it (2-10% is §6's hold band). */
Test(cc_sim, two_percent_loss_does_not_collapse_sec6)
{
    ls_config c;
    uint64_t pre, lo;
    memset(&c, 0, sizeof c);
    c.cc.max_bps = 600000;
    ls_init(&sim, &c, 1000000);
    ls_run(&sim, 10000000);
    pre = sim.cc.target_bps;
    cr_assert_eq(pre, 600000);
    sim.loss = 0.02;
    ls_run(&sim, 40000000);
    cr_assert_gt(sim.n_random_lost, 20);
    lo = ls_min_target(&sim, 10000000, 40000000);
    cr_assert_geq(lo, pre / 2);
    cr_assert_geq(lo, sim.cc.cfg.min_bps);
    cr_assert_geq(sim.cc.target_bps, pre * 9 / 10);
}

/* The same link with 20% loss: §6 must cut (the previous test could
 * otherwise pass with a controller that ignores loss). */
Test(cc_sim, twenty_percent_loss_cuts_sec6)
{
    ls_config c;
    memset(&c, 0, sizeof c);
    c.cc.max_bps = 600000;
    ls_init(&sim, &c, 1000000);
    ls_run(&sim, 10000000);
    sim.loss = 0.2;
    ls_run(&sim, 20000000);
    cr_assert_gt(sim.reasons[RTCP_FB_CC_REASON_LOSS], 0);
    cr_assert_lt(sim.cc.target_bps, 300000);
    cr_assert_geq(sim.cc.target_bps, sim.cc.cfg.min_bps);
}

/* A 2 s burst of 30% loss cuts the target (§6) to under half; 3 s later
 * the estimator asks for a probe at 0.85 x the level before the cut, and
 * the cluster's result lifts the target at once (without the probe, §6's
 * 5% steps would still be near 600 kbit/s at 15.5 s). */
Test(cc_sim, probe_after_loss_burst_recovers)
{
    uint64_t before, lo, at;
    ls_init(&sim, NULL, 1000000);
    ls_run(&sim, 10000000);
    before = sim.cc.target_bps;
    sim.loss = 0.3;
    ls_run(&sim, 12000000);
    sim.loss = 0;
    ls_run(&sim, 20000000);
    lo = ls_min_target(&sim, 10000000, 15000000);
    cr_assert_leq(lo, before / 2, "precondition: the burst cuts to half (%llu of %llu)",
                  (unsigned long long)lo, (unsigned long long)before);
    cr_assert_gt(sim.reasons[RTCP_FB_CC_REASON_LOSS], 0);
    cr_assert_eq(sim.n_probes, 2, "the start probe and the drop probe");
    at = ls_first_target_at_least(&sim, 12000000, 750000);
    cr_assert_leq(at, 15500000, "750 kbit/s again at %llu us", (unsigned long long)at);
}

/* Receive side end to end: the receiver's REMB estimator (same §5.1-5.5
 * pipeline on send/arrival times) drives a sender that follows each REMB.
 * Without probing it climbs at §5.5's 8% per second: 85% of 1 Mbit/s
 * within 20 s; after a step to 500 kbit/s at 30 s the immediate REMB on
 * a >= 3% drop keeps the queue under 150 ms from 5 s after the step. */
Test(cc_sim, remb_driven_sender)
{
    ls_config c;
    uint64_t at;
    memset(&c, 0, sizeof c);
    c.remb = 1;
    cr_assert_eq(ls_init(&sim, &c, 1000000), 0);
    ls_set_capacity(&sim, 30000000, 500000);
    ls_run(&sim, 40000000);
    at = ls_first_target_at_least(&sim, 0, 850000);
    cr_assert_leq(at, 20000000, "85%% at %llu us", (unsigned long long)at);
    cr_assert_gt(sim.n_rembs, 30);
    cr_assert_gt(ls_max_qdelay(&sim, 30000000, 31000000), 150.0, "precondition");
    cr_assert_lt(ls_max_qdelay(&sim, 35000000, 40000000), 150.0);
    cr_assert_lt(ls_avg_target(&sim, 35000000, 40000000), 560000);
}

/* Deterministic: the same seed, the same run. */
Test(cc_sim, deterministic)
{
    static ls_sample a[LS_SAMPLES];
    size_t n;
    ls_config c;
    memset(&c, 0, sizeof c);
    c.seed = 42;
    ls_init(&sim, &c, 1000000);
    sim.loss = 0.05;
    ls_run(&sim, 5000000);
    n = sim.n_s;
    memcpy(a, sim.s, sizeof a);
    ls_init(&sim, &c, 1000000);
    sim.loss = 0.05;
    ls_run(&sim, 5000000);
    cr_assert_eq(n, sim.n_s);
    cr_assert_eq(memcmp(a, sim.s, n * sizeof a[0]), 0);
}
