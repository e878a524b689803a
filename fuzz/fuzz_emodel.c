/* fuzz_emodel.c - rtp.h E-model (ITU-T G.107), burst/gap tracker (RFC 3611
 * §4.7.2) and rtp_xr_voip_fill (RFC 3611 §4.7).
 *
 * Input: the first 22 * 8 bytes are the G.107 parameters as raw doubles
 * (any bit pattern: NaN, infinities, subnormals, huge values); the next
 * 6 * 8 bytes an rtp_emodel_input; the rest a loss sequence (one bit per
 * packet) for the burst/gap tracker, whose first byte is Gmin.
 *
 * Checked: rtp_emodel_compute and rtp_emodel_estimate return 0 or
 * RTP_ERR_INVALID and never hang; on 0 every term is finite and MOS is in
 * [1, 4.5] and equals rtp_emodel_mos(R); rtp_emodel_mos of any double is in
 * [1, 4.5]; the tracker's densities and BurstR are sane (BurstR >= 0.5
 * for a two-state chain estimate, finite); a VoIP block filled from it
 * builds into 36 bytes and parses back equal.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

static double rd_double(const uint8_t *data, size_t size, size_t *off)
{
    double d = 0;
    if (*off + sizeof d <= size) memcpy(&d, data + *off, sizeof d);
    *off += sizeof d;
    return d;
}

static int finite_(double x) { return x == x && x - x == 0; }

static void check_result(int r, const rtp_emodel_result *res)
{
    FUZZ_CHECK(r == 0 || r == RTP_ERR_INVALID);
    if (r) return;
    FUZZ_CHECK(finite_(res->r) && finite_(res->ro) && finite_(res->is) && finite_(res->id));
    FUZZ_CHECK(finite_(res->idte) && finite_(res->idle) && finite_(res->idd) && finite_(res->ie_eff));
    FUZZ_CHECK(res->mos >= 1 && res->mos <= 4.5);
    FUZZ_CHECK(res->mos == rtp_emodel_mos(res->r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_emodel_params p;
    rtp_emodel_input in;
    rtp_emodel_result res;
    rtp_burst_gap bg;
    rtp_burst_gap_metrics m;
    rtp_source src;
    rtp_xr_voip_info info;
    rtcp_xr_voip v, g;
    rtcp_xr_block b;
    uint8_t blk[40];
    double *f[] = {&p.slr, &p.rlr, &p.stmr, &p.lstr, &p.ds, &p.telr, &p.wepl, &p.t, &p.tr,
                   &p.ta, &p.qdu, &p.ie, &p.bpl, &p.ppl, &p.burst_r, &p.nc, &p.nfor, &p.ps,
                   &p.pr, &p.a, &p.mt, &p.st};
    size_t off = 0, i;
    double br, mos;
    int r;

    rtp_emodel_defaults(&p);
    for (i = 0; i < sizeof f / sizeof f[0]; i++) {
        double d = rd_double(data, size, &off);
        if (off <= size) *f[i] = d;
    }
    r = rtp_emodel_compute(&p, &res);
    check_result(r, &res);
    mos = rtp_emodel_mos(p.slr);
    FUZZ_CHECK(mos >= 1 && mos <= 4.5);

    memset(&in, 0, sizeof in);
    in.bpl = 25.1;
    {
        double *g6[] = {&in.ie, &in.bpl, &in.loss_pct, &in.burst_r, &in.jitter_ms, &in.jb_delay_ms};
        for (i = 0; i < 6; i++) {
            double d = rd_double(data, size, &off);
            if (off <= size) *g6[i] = d;
        }
    }
    in.one_way_delay_ms = 20;
    r = rtp_emodel_estimate(&in, &res);
    check_result(r, &res);

    /* loss sequence */
    rtp_burst_gap_init(&bg, off < size ? data[off] : 0);
    FUZZ_CHECK(bg.gmin >= 1);
    for (i = off + 1; i < size; i++) {
        unsigned k;
        for (k = 0; k < 8; k++) rtp_burst_gap_put(&bg, (data[i] >> k) & 1);
    }
    FUZZ_CHECK(bg.received + bg.lost == (size > off + 1 ? (size - off - 1) * 8 : 0));
    rtp_burst_gap_get(&bg, 20, &m);
    br = rtp_burst_gap_burst_r(&bg);
    FUZZ_CHECK(finite_(br) && br >= 0.5);
    if (bg.lost == 0) FUZZ_CHECK(m.burst_density == 0 && m.gap_density == 0 && m.bursts == 0);

    /* VoIP metrics block from it, built and parsed back */
    memset(&src, 0, sizeof src);
    src.ssrc = 0x01020304;
    src.base_seq = 0;
    src.max_seq = (uint16_t)(bg.received + bg.lost);
    src.received = (uint32_t)bg.received;
    src.clock_rate = 8000;
    src.jitter_x16 = size * 16;
    memset(&info, 0, sizeof info);
    info.bpl = 25.1;
    info.packet_ms = 20;
    info.round_trip_ms = (uint32_t)size * 7;
    info.end_system_ms = (uint32_t)size;
    info.plc = RTCP_XR_VOIP_PLC_STANDARD;
    r = rtp_xr_voip_fill(&v, &src, NULL, &bg, &info);
    FUZZ_CHECK(r == 0);
    FUZZ_CHECK(v.r_factor <= 100 && v.mos_cq >= 10 && v.mos_cq <= 45 && v.mos_lq >= v.mos_cq);
    FUZZ_CHECK(rtcp_xr_voip_build(&v, blk, sizeof blk, NULL) == 36);
    b.bt = blk[0];
    b.type_specific = blk[1];
    b.body.p = blk + 4;
    b.body.len = 32;
    memset(&g, 0, sizeof g);
    FUZZ_CHECK(rtcp_xr_voip_parse(&b, &g) == 0);
    FUZZ_CHECK(memcmp(&g, &v, sizeof g) == 0);
    return 0;
}
