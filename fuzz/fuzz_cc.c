/* fuzz_cc.c - rtcp_feedback.h congestion control: the send-side
 * estimator (rtcp_fb_cc_*) and the receive-side REMB estimator
 * (rtcp_fb_cc_remb_*) on random timing and feedback.
 *
 * Input: 8 configuration bytes (min, start, max in 10 kbit/s steps, kept
 * consistent; trend window; probe on/off), then 6-octet records:
 *   op (mod 9), a, b, c, d, time step (now_us += step * 997 µs; every 16th
 *   record may step back up to 255 ms on the receiver clocks only).
 *   0 on_sent(seq = ab, size = cd % 1500 + 1, cluster = op bit 4 ? the
 *     current probe cluster : 0)
 *   1 feedback: the following bytes (length a) parsed as a TWCC packet,
 *     then on_twcc
 *   2 a synthetic TWCC feedback: base seq = ab, c statuses with deltas
 *     from d (signed, x 250 µs), some lost
 *   3 on_arrivals: seq ab, received c % 3, arrival from d (op bit 5:
 *     an extreme arrival time from c, d in the top 16 bits)
 *   4 on_timeout(now) when now >= next_deadline
 *   5 probe_result(ab x 1000 bit/s), 6 set_rtt(ab x 100 µs)
 *   7 REMB on_packet(ssrc c % 4, send from ab, arrival now, size d + 1)
 *     or with abs-send-time when op bit 4 is set, or an extreme send
 *     time (op bit 5)
 *   8 REMB on_timeout
 *
 * Checked: the target, the delay and loss estimates and every reported
 * update stay within [min, max]; a reported reason is a known one; after
 * on_timeout(now) the next deadline is later than now (no busy loop);
 * every REMB parses back to the bitrate reported and lies in [min, max]
 * (rounded down to its 18-bit mantissa). UBSan/ASan catch the rest.
 */
#define RTCP_FEEDBACK_IMPLEMENTATION
#include "rtcp_feedback.h"
#include "fuzz.h"

static rtcp_fb_cc cc;
static rtcp_fb_cc_remb rr;
static uint64_t lo, hi;

static void on_target(void *user, const rtcp_fb_cc_update *u)
{
    (void)user;
    FUZZ_CHECK(u->target_bps >= lo && u->target_bps <= hi);
    FUZZ_CHECK(u->reason > RTCP_FB_CC_REASON_NONE &&
               u->reason <= RTCP_FB_CC_REASON_FEEDBACK_TIMEOUT);
    FUZZ_CHECK(u->loss >= 0.0 && u->loss <= 1.0);
    fuzz_cstr(rtcp_fb_cc_reason_str(u->reason));
}

static void on_probe(void *user, uint64_t bps, uint16_t cluster, uint64_t now)
{
    (void)user;
    (void)now;
    FUZZ_CHECK(cluster != 0);
    FUZZ_CHECK(bps <= hi);
}

static void on_remb(void *user, const uint8_t *pkt, size_t len, uint64_t bps,
                    const uint32_t *ssrcs, size_t n, uint64_t now)
{
    rtcp_fb_remb v;
    uint32_t s[RTCP_FB_CC_REMB_MAX_SSRC];
    size_t k = RTCP_FB_CC_REMB_MAX_SSRC;
    (void)user;
    (void)now;
    (void)ssrcs;
    FUZZ_CHECK(rtcp_fb_remb_parse(pkt, len, NULL, &v, s, &k) == (int)len);
    FUZZ_CHECK(k == n);
    FUZZ_CHECK(rtcp_fb_mantissa_to_bps(v.exp, v.mantissa) == bps);
    FUZZ_CHECK(bps <= hi && bps * 1.01 + 4 >= (double)lo);
}

static void check_state(void)
{
    FUZZ_CHECK(cc.target_bps >= lo && cc.target_bps <= hi);
    FUZZ_CHECK(cc.aimd.bps >= (double)lo && cc.aimd.bps <= (double)hi);
    FUZZ_CHECK(cc.loss_bps >= (double)lo && cc.loss_bps <= (double)hi);
    FUZZ_CHECK(rr.estimate_bps >= lo && rr.estimate_bps <= hi);
}

static void synth_twcc(uint16_t base, unsigned count, int8_t d, uint64_t now)
{
    static rtcp_fb_twcc_packet pk[256];
    rtcp_fb_twcc tw;
    unsigned i;
    tw.base_seq = base;
    tw.status_count = (uint16_t)count;
    tw.ref_time = (int32_t)((now / 64000) & 0x7FFFFF);
    tw.fb_pkt_count = 0;
    for (i = 0; i < count; i++) {
        pk[i].seq = (uint16_t)(base + i);
        pk[i].status = (i * 7 + (unsigned)d) % 11 == 0 ? RTCP_FB_TWCC_NOT_RECEIVED
                                                      : RTCP_FB_TWCC_LARGE;
        pk[i].delta_us = pk[i].status ? (int32_t)(d + (int)(i % 5)) * 250 : 0;
    }
    FUZZ_CHECK(rtcp_fb_cc_on_twcc(&cc, &tw, pk, count, now) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtcp_fb_cc_config c;
    uint64_t now = 0;
    int64_t rx_skew = 0;
    size_t i, rec = 0;
    if (size < 8) return 0;
    memset(&c, 0, sizeof c);
    c.min_bps = 10000u * (data[0] % 50 + 1);
    c.start_bps = c.min_bps + 10000u * data[1];
    c.max_bps = c.start_bps + 10000u * data[2] * (data[3] % 4 + 1);
    c.trend_window = (uint32_t)(data[4] % (RTCP_FB_CC_TRENDLINE_MAX - 1)) + 2;
    c.no_probe = data[5] & 1;
    c.probe_start_factor = (data[5] & 2) ? 0.5 : 0;
    c.loss_interval_us = (uint64_t)data[6] * 1000;
    c.feedback_timeout_us = (uint64_t)data[7] * 10000;
    lo = c.min_bps;
    hi = c.max_bps;
    FUZZ_CHECK(rtcp_fb_cc_init(&cc, &c, on_target, on_probe, NULL) == 0);
    FUZZ_CHECK(rtcp_fb_cc_remb_init(&rr, &c, 1, (uint64_t)data[6] * 5000,
                                    on_remb, NULL) == 0);
    for (i = 8; i + 6 <= size; i += 6, rec++) {
        const uint8_t *r = data + i;
        unsigned op = r[0] % 9;
        uint16_t ab = (uint16_t)(r[1] << 8 | r[2]);
        now += (uint64_t)r[5] * 997;
        if (rec % 16 == 15) rx_skew -= r[4] * 1000;
        switch (op) {
        case 0:
            rtcp_fb_cc_on_sent(&cc, ab, now, (uint32_t)((r[3] << 8 | r[4]) % 1500 + 1),
                               (r[0] & 16) ? cc.probe_cluster : 0);
            break;
        case 1: {
            size_t len = r[1];
            rtcp_fb_twcc tw;
            static rtcp_fb_twcc_packet pk[65536];
            size_t n = 65536;
            char *copy;
            if (len > size - i - 6) len = size - i - 6;
            copy = fuzz_dup(r + 6, len);
            if (rtcp_fb_twcc_parse((const uint8_t *)copy, len, NULL, &tw, pk, &n) > 0)
                FUZZ_CHECK(rtcp_fb_cc_on_twcc(&cc, &tw, pk, n, now) >= 0);
            free(copy);
            i += len;
            break;
        }
        case 2:
            synth_twcc(ab, r[3], (int8_t)r[4], now);
            break;
        case 3: {
            rtcp_fb_cc_arrival a;
            a.seq = ab;
            a.received = (uint8_t)(r[3] % 3);
            a.arrival_us = (int64_t)now + rx_skew + (int8_t)r[4] * 1000;
            if (r[0] & 32) /* extreme clocks */
                a.arrival_us = (int64_t)(((uint64_t)r[3] << 56) | ((uint64_t)r[4] << 48));
            FUZZ_CHECK(rtcp_fb_cc_on_arrivals(&cc, &a, 1, now) >= 0);
            break;
        }
        case 4:
            if (now >= rtcp_fb_cc_next_deadline(&cc)) {
                rtcp_fb_cc_on_timeout(&cc, now);
                FUZZ_CHECK(rtcp_fb_cc_next_deadline(&cc) > now);
            }
            break;
        case 5: rtcp_fb_cc_probe_result(&cc, (uint64_t)ab * 1000, now); break;
        case 6: rtcp_fb_cc_set_rtt(&cc, (uint64_t)ab * 100); break;
        case 7:
            if (r[0] & 16)
                rtcp_fb_cc_remb_on_packet_abs(&rr, r[3] % 4, (uint32_t)ab << 8 | r[4],
                                              now, (uint32_t)r[4] + 1);
            else if (r[0] & 32) { /* extreme send clock: rejected */
                int64_t t = (int64_t)(((uint64_t)r[3] << 56) | ((uint64_t)r[4] << 48));
                int ok = t <= ((int64_t)1 << 62) && t >= -((int64_t)1 << 62);
                FUZZ_CHECK(rtcp_fb_cc_remb_on_packet(&rr, 1, t, now, 1) ==
                           (ok ? 0 : RTCP_FB_ERR_INVALID));
            }
            else
                rtcp_fb_cc_remb_on_packet(&rr, r[3] % 4, (int64_t)ab * 1000 + rx_skew,
                                          now, (uint32_t)r[4] + 1);
            break;
        case 8:
            if (now >= rtcp_fb_cc_remb_next_deadline(&rr)) {
                rtcp_fb_cc_remb_on_timeout(&rr, now);
                FUZZ_CHECK(rtcp_fb_cc_remb_next_deadline(&rr) > now);
            }
            break;
        }
        check_state();
    }
    return 0;
}
