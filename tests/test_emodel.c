/* rtp.h: the E-model (ITU-T G.107), the G.113 Appendix I codec values,
 * RFC 3611 §4.7.2 burst/gap metrics and the §4.7 VoIP metrics block.
 *
 * The reference below (ref_r) writes G.107's equations out again with
 * libm, independently of rtp.h's own elementary functions, for the case
 * rtp_emodel_estimate() models: Table 3 defaults, T = Ta, Tr = 2 Ta. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "rtp.h"

/* ---- independent G.107 (06/2015) §7 for the defaults of Table 3 ---- */

static double ref_no(void)
{
    /* (7-3)..(7-7) with SLR 8, RLR 2, Ds 3, Ps = Pr = 35, LSTR 18,
     * Nc -70, Nfor -64 */
    double nos = 35 - 8 - 3 - 100 + 0.004 * pow(35 - 10 - 3 - 14, 2);
    double pre = 35 + 10 * log10(1 + pow(10, (10 - 18) / 10.0));
    double nor = 2 - 121 + pre + 0.008 * pow(pre - 35, 2);
    double nfo = -64 + 2;
    return 10 * log10(pow(10, -7.0) + pow(10, nos / 10) + pow(10, nor / 10) +
                      pow(10, nfo / 10));
}

/* R for delay ta (T = ta, Tr = 2 ta), Ie, Bpl, Ppl %, BurstR */
static double ref_r(double ta, double ie, double bpl, double ppl, double burst_r)
{
    double no = ref_no();
    double ro = 15 - 1.5 * (8 + no);
    double xolr = 10 + 0.2 * (64 + no - 2);
    double iolr = 20 * (pow(1 + pow(xolr / 8, 8), 1 / 8.0) - xolr / 8);
    double t = ta, tr = 2 * ta;
    double stmro = -10 * log10(pow(10, -15 / 10.0) + exp(-t / 4) * pow(10, -65 / 10.0));
    double ist = 12 * pow(1 + pow((stmro - 13) / 6, 8), 1 / 8.0) -
                 28 * pow(1 + pow((stmro + 1) / 19.4, 35), 1 / 35.0) -
                 13 * pow(1 + pow((stmro - 3) / 33, 13), 1 / 13.0) + 29;
    double q = 37 - 15 * log10(1);
    double g = 1.07 + 0.258 * q + 0.0602 * q * q;
    double y = (ro - 100) / 15 + 46 / 8.4 - g / 9;
    double z = 46 / 30.0 - g / 40;
    double iq = 15 * log10(1 + pow(10, y) + pow(10, z));
    double is = iolr + ist + iq;
    double roe = -1.5 * (no - 2);
    double terv = 65 - 40 * log10((1 + t / 10) / (1 + t / 150)) + 6 * exp(-0.3 * t * t);
    double re = 80 + 2.5 * (terv - 14);
    double idte = t < 1 ? 0
                        : ((roe - re) / 2 + sqrt(pow(roe - re, 2) / 4 + 100) - 1) *
                              (1 - exp(-t));
    double rle = 10.5 * (110 + 7) * pow(tr + 1, -0.25);
    double idle = (ro - rle) / 2 + sqrt(pow(ro - rle, 2) / 4 + 169);
    double idd = 0, x;
    double ie_eff = ie + (95 - ie) * ppl / (ppl / burst_r + bpl);
    if (ta > 100) {
        x = log10(ta / 100) / log10(2);
        idd = 25 * (pow(1 + pow(x, 6), 1 / 6.0) - 3 * pow(1 + pow(x / 3, 6), 1 / 6.0) + 2);
    }
    return ro - is - (idte + idle + idd) - ie_eff;
}

static double est_r(double ie, double bpl, double loss, double burst_r, double jitter,
                    double jb, double delay)
{
    rtp_emodel_input in;
    rtp_emodel_result res;
    memset(&in, 0, sizeof in);
    in.ie = ie;
    in.bpl = bpl;
    in.loss_pct = loss;
    in.burst_r = burst_r;
    in.jitter_ms = jitter;
    in.jb_delay_ms = jb;
    in.one_way_delay_ms = delay;
    cr_assert_eq(rtp_emodel_estimate(&in, &res), 0);
    cr_assert_float_eq(res.mos, rtp_emodel_mos(res.r), 1e-12);
    return res.r;
}

/* G.107 §7.7 / Table 3: "the default values give R = 93.2"; Annex B maps it
 * to MOS 4.41 (published example value 1). Terms: Ro 94.77, Is 1.41,
 * Id 0.15 (Idle only: T = 0). */
Test(emodel, g107_defaults_give_93_2)
{
    rtp_emodel_params p;
    rtp_emodel_result r;
    rtp_emodel_defaults(&p);
    cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
    cr_assert(fabs(r.r - 93.2) < 0.05, "R %f", r.r);
    cr_assert(fabs(r.ro - 94.77) < 0.005, "Ro %f", r.ro);
    cr_assert(fabs(r.is - 1.41) < 0.005, "Is %f", r.is);
    cr_assert(fabs(r.id - 0.15) < 0.005, "Id %f", r.id);
    cr_assert_float_eq(r.idte, 0, 1e-12);
    cr_assert_float_eq(r.idd, 0, 1e-12);
    cr_assert_float_eq(r.ie_eff, 0, 1e-12);
    cr_assert(fabs(r.mos - 4.41) < 0.005, "MOS %f", r.mos);
    cr_assert_float_eq(r.r, ref_r(0, 0, 4.3, 0, 1), 1e-9);
}

/* ITU-T G.109 Table 1 (published example values 2): the R boundaries of
 * the user-satisfaction classes and their MOS: 90 -> 4.34, 80 -> 4.03,
 * 70 -> 3.60, 60 -> 3.10, 50 -> 2.58 (two decimals, G.107 Annex B). */
Test(emodel, g109_table1_r_to_mos)
{
    const double r[] = {90, 80, 70, 60, 50};
    const double mos[] = {4.34, 4.03, 3.60, 3.10, 2.58};
    size_t i;
    for (i = 0; i < 5; i++)
        cr_assert(fabs(rtp_emodel_mos(r[i]) - mos[i]) <= 0.0101, "R %g: %f", r[i],
                  rtp_emodel_mos(r[i]));
}

/* G.107 (7-1)..(7-29) written out above vs rtp.h, G.711 without loss:
 * 150 ms (Idte 2.81, Idle 0.84, Idd 0.16: R 89.54) and 400 ms (Idd 24.07:
 * R 62.25), and a grid of delays, losses and burst ratios. */
Test(emodel, g107_known_points_against_formulas)
{
    rtp_emodel_input in;
    rtp_emodel_result res;
    double d, l, b;
    cr_assert(fabs(est_r(0, 25.1, 0, 1, 0, 0, 150) - 89.54) < 0.005);
    cr_assert(fabs(est_r(0, 25.1, 0, 1, 0, 0, 400) - 62.25) < 0.005);
    cr_assert_float_eq(est_r(0, 25.1, 0, 1, 0, 0, 150), ref_r(150, 0, 25.1, 0, 1), 1e-9);
    cr_assert_float_eq(est_r(0, 25.1, 0, 1, 0, 0, 400), ref_r(400, 0, 25.1, 0, 1), 1e-9);
    memset(&in, 0, sizeof in);
    in.bpl = 25.1;
    in.one_way_delay_ms = 400;
    cr_assert_eq(rtp_emodel_estimate(&in, &res), 0);
    cr_assert(fabs(res.idd - 24.07) < 0.005, "Idd %f", res.idd);
    for (d = 0; d <= 1000; d += 37.5)
        for (l = 0; l <= 20; l += 2.5)
            for (b = 1; b <= 4; b += 1.5)
                cr_assert_float_eq(est_r(11, 19, l, b, 0, 0, d), ref_r(d, 11, 19, l, b), 1e-9,
                                   "d %g l %g b %g", d, l, b);
    /* jitter: a negative buffer delay means 2 x jitter, added to Ta */
    cr_assert_float_eq(est_r(0, 25.1, 0, 1, 30, -1, 100), ref_r(160, 0, 25.1, 0, 1), 1e-9);
    cr_assert_float_eq(est_r(0, 25.1, 0, 1, 30, 40, 100), ref_r(140, 0, 25.1, 0, 1), 1e-9);
}

/* G.107 (7-29): Ie,eff of G.711 with PLC (Bpl 25.1) at 1 % random loss is
 * 95 / 26.1 = 3.64; bursty (BurstR 2) 95 / 25.6 = 3.71; without PLC
 * (Bpl 4.3) 95 / 5.3 = 17.92. */
Test(emodel, g107_ie_eff)
{
    rtp_emodel_params p;
    rtp_emodel_result r;
    rtp_emodel_defaults(&p);
    p.bpl = 25.1;
    p.ppl = 1;
    cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
    cr_assert_float_eq(r.ie_eff, 95 / 26.1, 1e-12);
    p.burst_r = 2;
    cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
    cr_assert_float_eq(r.ie_eff, 95 / 25.6, 1e-12);
    p.burst_r = 1;
    p.bpl = 4.3;
    cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
    cr_assert_float_eq(r.ie_eff, 95 / 5.3, 1e-12);
}

/* More loss, burstier loss or more delay never rates a call higher. */
Test(emodel, monotonic_in_loss_burstiness_and_delay)
{
    double prev = 1e9, r, x;
    for (x = 0; x <= 100; x += 0.25) {
        r = est_r(0, 25.1, x, 1, 0, 0, 50);
        cr_assert(r < prev || (x == 0), "loss %g: %f after %f", x, r, prev);
        prev = r;
    }
    prev = 1e9;
    for (x = 1; x <= 10; x += 0.5) {
        r = est_r(0, 25.1, 3, x, 0, 0, 50);
        cr_assert(r < prev, "BurstR %g: %f after %f", x, r, prev);
        prev = r;
    }
    prev = 1e9;
    for (x = 0; x <= 2000; x += 5) {
        r = est_r(0, 25.1, 0, 1, 0, 0, x);
        cr_assert(r < prev, "delay %g: %f after %f", x, r, prev);
        prev = r;
    }
    prev = 1e9;
    for (x = 0; x <= 200; x += 5) {
        r = est_r(0, 25.1, 0, 1, x, -1, 100);
        cr_assert(r <= prev, "jitter %g: %f after %f", x, r, prev);
        prev = r;
    }
}

/* G.107 Annex B: MOS 1 below R = 0, 4.5 above R = 100; the cubic dips under
 * 1 for 0 < R < 6.5 and is held at 1 there. */
Test(emodel, annex_b_mos_clamps)
{
    cr_assert_float_eq(rtp_emodel_mos(-50), 1, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(-0.001), 1, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(0), 1, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(3), 1, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(7), 1 + 0.035 * 7 + 7 * (7 - 60) * 93 * 7e-6,
                       1e-12);
    cr_assert_float_eq(rtp_emodel_mos(100), 4.5, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(100.5), 4.5, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(1e9), 4.5, 1e-12);
    cr_assert_float_eq(rtp_emodel_mos(NAN), 1, 1e-12);
    /* 100 % loss without PLC: Ie,eff 95 * 100 / 104.3, R 2.1: MOS 1 */
    cr_assert(fabs(est_r(0, 4.3, 100, 1, 0, 0, 0) - (93.206 - 9500 / 104.3)) < 0.001);
    cr_assert_float_eq(rtp_emodel_mos(est_r(0, 4.3, 100, 1, 0, 0, 0)), 1, 1e-12);
    {
        rtp_emodel_params p;
        rtp_emodel_result r;
        rtp_emodel_defaults(&p);
        p.ppl = 100;
        p.a = -50;
        cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
        cr_assert(r.r < 0);
        cr_assert_float_eq(r.mos, 1, 1e-12);
        rtp_emodel_defaults(&p);
        p.a = 20; /* advantage factor lifts R over 100 */
        cr_assert_eq(rtp_emodel_compute(&p, &r), 0);
        cr_assert(r.r > 100);
        cr_assert_float_eq(r.mos, 4.5, 1e-12);
    }
}

Test(emodel, invalid_inputs)
{
    rtp_emodel_params p;
    rtp_emodel_result r;
    rtp_emodel_input in;
    rtp_emodel_defaults(&p);
    cr_assert_eq(rtp_emodel_compute(NULL, &r), RTP_ERR_INVALID);
    cr_assert_eq(rtp_emodel_compute(&p, NULL), RTP_ERR_INVALID);
    p.ppl = -1;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    p.ppl = 100.5;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    p.ppl = NAN;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    rtp_emodel_defaults(&p);
    p.bpl = 0;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    rtp_emodel_defaults(&p);
    p.burst_r = 0;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    rtp_emodel_defaults(&p);
    p.ta = -1;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    rtp_emodel_defaults(&p);
    p.telr = INFINITY;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    rtp_emodel_defaults(&p);
    p.qdu = 0;
    cr_assert_eq(rtp_emodel_compute(&p, &r), RTP_ERR_INVALID);
    memset(&in, 0, sizeof in);
    in.bpl = 25.1;
    in.one_way_delay_ms = -5;
    cr_assert_eq(rtp_emodel_estimate(&in, &r), RTP_ERR_INVALID);
    in.one_way_delay_ms = 5;
    in.jitter_ms = NAN;
    cr_assert_eq(rtp_emodel_estimate(&in, &r), RTP_ERR_INVALID);
    in.jitter_ms = 0;
    in.burst_r = -1;
    cr_assert_eq(rtp_emodel_estimate(&in, &r), RTP_ERR_INVALID);
    cr_assert_eq(rtp_emodel_estimate(NULL, &r), RTP_ERR_INVALID);
}

/* G.113 Appendix I (Tables I.1, I.3) values, and our documented choices. */
Test(emodel, g113_codec_values)
{
    double ie = -1, bpl = -1;
    rtp_emodel_codec c;
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_G711, 0, &ie, &bpl), 0);
    cr_assert(ie == 0 && bpl == 4.3);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_G711_PLC, 0, &ie, &bpl), 0);
    cr_assert(ie == 0 && bpl == 25.1);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_G729A, 0, &ie, &bpl), 0);
    cr_assert(ie == 11 && bpl == 19.0);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_G722, 64000, &ie, &bpl), 0);
    cr_assert(ie == 0 && bpl == 25.1);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_OPUS, 32000, &ie, &bpl), 0);
    cr_assert(ie == 0 && bpl == 25.1);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_OPUS, 8000, &ie, &bpl), 0);
    cr_assert(ie == 11 && bpl == 19.0);
    cr_assert_eq(rtp_emodel_codec_params((rtp_emodel_codec)99, 0, &ie, &bpl),
                 RTP_ERR_NOT_FOUND);
    cr_assert_eq(rtp_emodel_codec_params(RTP_EMODEL_G711, 0, NULL, &bpl), RTP_ERR_INVALID);
    cr_assert_eq(rtp_emodel_codec_by_name("PCMA", 4, 1, &c), 0);
    cr_assert_eq(c, RTP_EMODEL_G711_PLC);
    cr_assert_eq(rtp_emodel_codec_by_name("pcmu", 4, 0, &c), 0);
    cr_assert_eq(c, RTP_EMODEL_G711);
    cr_assert_eq(rtp_emodel_codec_by_name("OPUS", 4, 0, &c), 0);
    cr_assert_eq(c, RTP_EMODEL_OPUS);
    cr_assert_eq(rtp_emodel_codec_by_name("G729", 4, 0, &c), 0);
    cr_assert_eq(c, RTP_EMODEL_G729A);
    cr_assert_eq(rtp_emodel_codec_by_name("G7221", 5, 0, &c), RTP_ERR_NOT_FOUND);
    cr_assert_eq(rtp_emodel_codec_by_name("PCM", 3, 0, &c), RTP_ERR_NOT_FOUND);
}

/* RFC 3611 §4.7.2, Gmin 16, 20 ms packets. 100 packets, lost: 10, 12, 13
 * (a burst: 10..13 has fewer than 16 received inside), 50 and 80 (lone
 * losses, gap). Burst: 4 packets, 3 lost: density 3*256/4 = 192,
 * duration 80 ms. Gaps: 0..9 and 14..99 (96 packets, 2 lost): density
 * 2*256/96 = 5, mean duration 96*20/2 = 960 ms. */
static void feed_example(rtp_burst_gap *bg)
{
    int i;
    rtp_burst_gap_init(bg, 0);
    for (i = 0; i < 100; i++)
        rtp_burst_gap_put(bg, i == 10 || i == 12 || i == 13 || i == 50 || i == 80);
}

Test(burst_gap, rfc3611_s4_7_2_example)
{
    rtp_burst_gap bg;
    rtp_burst_gap_metrics m;
    feed_example(&bg);
    cr_assert_eq(bg.gmin, 16);
    rtp_burst_gap_get(&bg, 20, &m);
    cr_assert_eq(m.bursts, 1u);
    cr_assert_eq(m.burst_density, 192);
    cr_assert_eq(m.gap_density, 5);
    cr_assert_eq(m.burst_duration, 80);
    cr_assert_eq(m.gap_duration, 960);
    /* BurstR (G.107 §7.3): p = 4/95, q = 4/5 */
    cr_assert_float_eq(rtp_burst_gap_burst_r(&bg), 1 / (4.0 / 95 + 4.0 / 5), 1e-12);
}

/* A burst still open at report time counts; no loss: one gap of all. */
Test(burst_gap, rfc3611_s4_7_2_open_periods)
{
    rtp_burst_gap bg;
    rtp_burst_gap_metrics m;
    int i;
    rtp_burst_gap_init(&bg, 16);
    for (i = 0; i < 50; i++) rtp_burst_gap_put(&bg, 0);
    rtp_burst_gap_get(&bg, 20, &m);
    cr_assert(m.bursts == 0 && m.burst_density == 0 && m.gap_density == 0);
    cr_assert_eq(m.burst_duration, 0);
    cr_assert_eq(m.gap_duration, 1000); /* the elapsed time */
    cr_assert_float_eq(rtp_burst_gap_burst_r(&bg), 1, 1e-12);
    rtp_burst_gap_put(&bg, 1);
    rtp_burst_gap_put(&bg, 0);
    rtp_burst_gap_put(&bg, 1); /* L R L: an open burst of 3 */
    rtp_burst_gap_put(&bg, 0);
    rtp_burst_gap_get(&bg, 20, &m);
    cr_assert_eq(m.bursts, 1u);
    cr_assert_eq(m.burst_density, 2 * 256 / 3);
    cr_assert_eq(m.burst_duration, 60);
    cr_assert_eq(m.gap_density, 0);
    cr_assert_eq(m.gap_duration, 510); /* (50 + 1) packets over two gaps */
    /* all lost: one burst, density 255 (256 clamped) */
    rtp_burst_gap_init(&bg, 2);
    for (i = 0; i < 10; i++) rtp_burst_gap_put(&bg, 1);
    rtp_burst_gap_get(&bg, 20, &m);
    cr_assert_eq(m.burst_density, 255);
    cr_assert_eq(m.burst_duration, 200);
    cr_assert_eq(m.gap_duration, 0);
    rtp_burst_gap_get(NULL, 20, &m);
    cr_assert_eq(m.bursts, 0u);
}

/* RFC 3611 §4.7: fill the block from a source (A.3: 100 expected, 95
 * received), a jitter buffer and the burst/gap tracker; build it into an
 * XR packet and parse it back with rtp.h's XR parser. */
Test(voip_metrics, rfc3611_s4_7_fill_build_parse)
{
    rtp_source src;
    rtp_jb jb;
    rtp_jb_stats js;
    void *mem;
    size_t n;
    rtp_burst_gap bg;
    rtp_xr_voip_info info;
    rtcp_xr_voip v, g;
    rtp_emodel_input in;
    rtp_emodel_result cq, lq;
    uint8_t blk[64], pkt[128];
    rtcp_walker w;
    rtcp_packet p;
    rtcp_xr xr;
    rtcp_xr_iter it;
    rtcp_xr_block b;
    int len;

    memset(&src, 0, sizeof src);
    src.ssrc = 0x11223344;
    src.in_use = 1;
    src.base_seq = 1000;
    src.max_seq = 1099;
    src.received = 95;
    src.clock_rate = 8000;
    src.jitter_x16 = 16 * 80; /* 80 samples: 10 ms */
    n = rtp_jb_mem_size(NULL);
    mem = malloc(n);
    cr_assert(mem);
    cr_assert_eq(rtp_jb_init(&jb, mem, n, NULL), 0);
    rtp_jb_stats_get(&jb, &js);
    feed_example(&bg);
    memset(&info, 0, sizeof info);
    info.ie = 0;
    info.bpl = 25.1;
    info.packet_ms = 20;
    info.round_trip_ms = 120;
    info.end_system_ms = 40;
    info.plc = RTCP_XR_VOIP_PLC_STANDARD;
    cr_assert_eq(rtp_xr_voip_fill(&v, &src, &jb, &bg, &info), 0);

    cr_assert_eq(v.ssrc, 0x11223344u);
    cr_assert_eq(v.loss_rate, 5 * 256 / 100);
    cr_assert_eq(v.discard_rate, 0);
    cr_assert_eq(v.burst_density, 192);
    cr_assert_eq(v.gap_density, 5);
    cr_assert_eq(v.burst_duration, 80);
    cr_assert_eq(v.gap_duration, 960);
    cr_assert_eq(v.round_trip_delay, 120);
    cr_assert_eq(v.end_system_delay, 40);
    cr_assert_eq(v.signal_level, 127);
    cr_assert_eq(v.noise_level, 127);
    cr_assert_eq(v.rerl, 127);
    cr_assert_eq(v.gmin, 16);
    cr_assert_eq(v.ext_r_factor, 127);
    cr_assert_eq(v.rx_config, 0xC0 | 0x30);
    cr_assert_eq(v.jb_nominal, js.depth * 20);
    cr_assert_eq(v.jb_maximum, (js.target > js.depth ? js.target : js.depth) * 20);
    cr_assert_eq(v.jb_abs_max, 200); /* default max_depth 10 x 20 ms */
    /* R and MOS: 5 % loss, BurstR of the tracker, Ta = 60 + 40 + jb */
    memset(&in, 0, sizeof in);
    in.bpl = 25.1;
    in.loss_pct = 5;
    in.burst_r = 1 / (4.0 / 95 + 4.0 / 5);
    in.jitter_ms = 10;
    in.jb_delay_ms = js.depth * 20;
    in.one_way_delay_ms = 100;
    cr_assert_eq(rtp_emodel_estimate(&in, &cq), 0);
    in.jb_delay_ms = 0;
    in.one_way_delay_ms = 0;
    cr_assert_eq(rtp_emodel_estimate(&in, &lq), 0);
    cr_assert_eq(v.r_factor, (uint8_t)floor(cq.r + 0.5));
    cr_assert_eq(v.mos_cq, (uint8_t)floor(cq.mos * 10 + 0.5));
    cr_assert_eq(v.mos_lq, (uint8_t)floor(lq.mos * 10 + 0.5));
    cr_assert(v.mos_lq >= v.mos_cq);
    cr_assert(v.r_factor > 50 && v.r_factor < 90, "R %u", v.r_factor);

    len = rtcp_xr_voip_build(&v, blk, sizeof blk, NULL);
    cr_assert_eq(len, 36);
    len = rtcp_xr_build(0xabcdef01, blk, 36, pkt, sizeof pkt, NULL);
    cr_assert_eq(len, 44);
    rtcp_walk_init(&w, pkt, (size_t)len, RTCP_REDUCED_SIZE);
    cr_assert_eq(rtcp_walk_next(&w, &p), 1);
    cr_assert_eq(rtcp_xr_parse(&p, &xr), 0);
    rtcp_xr_iter_init(&it, &xr);
    cr_assert_eq(rtcp_xr_next(&it, &b), 1);
    memset(&g, 0, sizeof g);
    cr_assert_eq(rtcp_xr_voip_parse(&b, &g), 0);
    cr_assert(memcmp(&g, &v, sizeof g) == 0);
    cr_assert_eq(rtcp_xr_next(&it, &b), 0);
    free(mem);
}

/* Without a jitter buffer or tracker: JBA unknown, buffer fields zero,
 * Gmin the default, jitter buffer delay taken as 2 x jitter. */
Test(voip_metrics, rfc3611_s4_7_without_jb)
{
    rtp_source src;
    rtp_xr_voip_info info;
    rtcp_xr_voip v;
    memset(&src, 0, sizeof src);
    src.ssrc = 7;
    src.base_seq = 10;
    src.max_seq = 9; /* nothing expected yet */
    memset(&info, 0, sizeof info);
    info.bpl = 4.3;
    cr_assert_eq(rtp_xr_voip_fill(&v, &src, NULL, NULL, &info), 0);
    cr_assert_eq(v.loss_rate, 0);
    cr_assert_eq(v.rx_config, 0);
    cr_assert(v.jb_nominal == 0 && v.jb_maximum == 0 && v.jb_abs_max == 0);
    cr_assert_eq(v.gmin, 16);
    cr_assert_eq(v.r_factor, 93);
    cr_assert_eq(v.mos_cq, 44);
    cr_assert_eq(v.mos_lq, 44);
    cr_assert_eq(rtp_xr_voip_fill(NULL, &src, NULL, NULL, &info), RTP_ERR_INVALID);
    cr_assert_eq(rtp_xr_voip_fill(&v, NULL, NULL, NULL, &info), RTP_ERR_INVALID);
    cr_assert_eq(rtp_xr_voip_fill(&v, &src, NULL, NULL, NULL), RTP_ERR_INVALID);
    info.bpl = 0;
    cr_assert_eq(rtp_xr_voip_fill(&v, &src, NULL, NULL, &info), RTP_ERR_INVALID);
}
