/* fuzz_rtp.c - rtp.h packet layer.
 *
 * Input: 1 selector byte + data, copied into an exact-size malloc'd buffer.
 *   selector % 4 == 0: rtp_parse + extension iteration (find, typed values);
 *       round trips: rtp_build of the parsed fields gives the same header
 *       and payload bytes (exact size; one byte short is NOSPACE), and the
 *       elements re-written by rtp_ext_writer iterate back the same.
 *   1: RTCP compound walk (bit 2 of the selector: reduced size), every
 *       packet through its parser (SR/RR, SDES, BYE, APP, XR); SR/RR, BYE,
 *       APP and SDES rebuilt from the parsed values parse back the same.
 *   2: XR report blocks (the data is the block list): every block type
 *       parser; RRT, DLRR, statistics summary and VoIP metrics rebuilt parse
 *       back the same.
 *   3: rtp_demux, rtp_rtpmap_parse on the data as text, G.711 on pairs.
 *
 * Spans returned must lie inside the input; a violated property traps.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

static volatile unsigned sink_;

static void span_in(rtp_span s, const uint8_t *base, size_t n)
{
    size_t i;
    unsigned h = 0;
    if (!s.p) {
        FUZZ_CHECK(s.len == 0);
        return;
    }
    FUZZ_CHECK(s.p >= base && s.p <= base + n);
    FUZZ_CHECK(s.len <= (size_t)(base + n - s.p));
    for (i = 0; i < s.len; i++) h = h * 31u + s.p[i];
    sink_ += h;
}

static int span_eq(rtp_span a, rtp_span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ---- 0: RTP ---------------------------------------------------------- */

#define MAXEL 64

static void typed(const rtp_ext_elem *e)
{
    int v;
    uint8_t l;
    rtp_video_orientation vo;
    uint16_t s;
    uint32_t t;
    rtp_span o;
    if (rtp_ext_audio_level_parse(e->data, &v, &l) == 0) {
        uint8_t b;
        FUZZ_CHECK(l <= 127 && (v == 0 || v == 1));
        FUZZ_CHECK(rtp_ext_audio_level_build(v, l, &b) == 1 && b == e->data.p[0]);
    }
    if (rtp_ext_video_orientation_parse(e->data, &vo) == 0) {
        uint8_t b;
        FUZZ_CHECK(rtp_ext_video_orientation_build(&vo, &b) == 1);
        FUZZ_CHECK(b == (e->data.p[0] & 15));
    }
    if (rtp_ext_transport_seq_parse(e->data, &s) == 0) {
        uint8_t b[2];
        rtp_ext_transport_seq_build(s, b);
        FUZZ_CHECK(memcmp(b, e->data.p, 2) == 0);
    }
    if (rtp_ext_abs_send_time_parse(e->data, &t) == 0) {
        FUZZ_CHECK(t <= 0xffffff);
        FUZZ_CHECK(rtp_abs_send_time_from_us(rtp_abs_send_time_to_us(t)) == t);
    }
    if (rtp_ext_mid_parse(e->data, &o) == 0) FUZZ_CHECK(o.p == e->data.p && o.len == e->data.len);
    if (rtp_ext_rid_parse(e->data, &o) == 0) FUZZ_CHECK(o.len > 0);
}

static void do_rtp(const uint8_t *p, size_t n)
{
    rtp_header h, h2;
    rtp_ext_iter it;
    rtp_ext_elem el[MAXEL], e;
    int r, ne = 0, i, over = 0;
    r = rtp_parse(p, n, &h);
    FUZZ_CHECK(r == 0 || r == RTP_ERR_TRUNCATED || r == RTP_ERR_VERSION || r == RTP_ERR_PADDING);
    if (r) return;
    span_in(h.ext, p, n);
    span_in(h.payload, p, n);
    FUZZ_CHECK(h.header_len + h.payload.len + h.padding_len == n);
    if (h.csrc_count) FUZZ_CHECK(h.csrc == p + 12);
    /* build from the fields */
    {
        rtp_packet_desc d;
        uint32_t cs[15];
        size_t need = 0;
        uint8_t *o;
        int k;
        memset(&d, 0, sizeof d);
        for (k = 0; k < h.csrc_count; k++) cs[k] = rtp_u32_at(h.csrc, (unsigned)k);
        d.marker = h.marker;
        d.payload_type = h.payload_type;
        d.seq = h.seq;
        d.timestamp = h.timestamp;
        d.ssrc = h.ssrc;
        d.csrc = cs;
        d.csrc_count = h.csrc_count;
        d.extension = h.extension;
        d.ext_profile = h.ext_profile;
        d.ext = h.ext.p;
        d.ext_len = h.ext.len;
        d.payload = h.payload.p;
        d.payload_len = h.payload.len;
        d.padding_len = h.padding_len;
        FUZZ_CHECK(rtp_build(&d, NULL, 0, &need) == RTP_ERR_NOSPACE && need == n);
        o = (uint8_t *)fuzz_alloc(n);
        FUZZ_CHECK(rtp_build(&d, o, n - 1, &need) == RTP_ERR_NOSPACE && need == n);
        FUZZ_CHECK(rtp_build(&d, o, n, &need) == (int)n);
        /* header + payload identical; padding octets are written as zero */
        FUZZ_CHECK(memcmp(o, p, h.header_len + h.payload.len) == 0);
        FUZZ_CHECK(o[n - 1] == p[n - 1]);
        FUZZ_CHECK(rtp_parse(o, n, &h2) == 0);
        FUZZ_CHECK(h2.seq == h.seq && h2.ssrc == h.ssrc && h2.padding_len == h.padding_len &&
                   h2.payload.len == h.payload.len && h2.ext.len == h.ext.len);
        free(o);
    }
    if (rtp_ext_iter_init(&it, &h) != 0) {
        FUZZ_CHECK(h.extension && rtp_ext_form_of(h.ext_profile) == RTP_EXT_FORM_NONE);
        return;
    }
    while ((r = rtp_ext_next(&it, &e)) == 1) {
        rtp_span d;
        span_in(e.data, p, n);
        FUZZ_CHECK(e.id != 0);
        if (it.form == RTP_EXT_FORM_ONE_BYTE) FUZZ_CHECK(e.id < 15 && e.data.len >= 1 && e.data.len <= 16);
        typed(&e);
        /* find gives the first element with the id */
        FUZZ_CHECK(rtp_ext_find(&h, e.id, &d) == 1);
        for (i = 0; i < ne; i++) if (el[i].id == e.id) break;
        if (i == ne && ne < MAXEL) FUZZ_CHECK(d.p == e.data.p && d.len == e.data.len);
        if (ne < MAXEL) el[ne++] = e;
        else over = 1;
        FUZZ_CHECK(it.pos <= it.len);
    }
    FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
    if (r == 0 && !over && h.extension) {
        /* re-write the elements and iterate them back */
        rtp_ext_writer w;
        size_t need = 0;
        uint8_t *o;
        int len;
        rtp_ext_writer_init(&w, it.form, NULL, 0);
        for (i = 0; i < ne; i++) FUZZ_CHECK(rtp_ext_writer_add(&w, el[i].id, el[i].data.p, el[i].data.len) == 0);
        FUZZ_CHECK(rtp_ext_writer_finish(&w, &need) == RTP_ERR_NOSPACE);
        o = (uint8_t *)fuzz_alloc(need);
        rtp_ext_writer_init(&w, it.form, o, need);
        for (i = 0; i < ne; i++) rtp_ext_writer_add(&w, el[i].id, el[i].data.p, el[i].data.len);
        len = rtp_ext_writer_finish(&w, NULL);
        if (need / 4 > 0xffff) {
            FUZZ_CHECK(len == RTP_ERR_INVALID);
        } else {
            rtp_ext_iter it2;
            rtp_span blk;
            FUZZ_CHECK(len == (int)need && need % 4 == 0 && need <= h.ext.len);
            blk.p = o;
            blk.len = need;
            FUZZ_CHECK(rtp_ext_iter_init_block(&it2, h.ext_profile, blk) == 0);
            for (i = 0; i < ne; i++) {
                FUZZ_CHECK(rtp_ext_next(&it2, &e) == 1);
                FUZZ_CHECK(e.id == el[i].id && span_eq(e.data, el[i].data));
            }
            FUZZ_CHECK(rtp_ext_next(&it2, &e) == 0);
        }
        free(o);
    }
}

/* ---- 1: RTCP ------------------------------------------------------------ */

static void xr_blocks(rtcp_xr *xr, const uint8_t *p, size_t n);

static void rebuild_check(int len, uint8_t *o, const uint8_t *raw, size_t rawlen)
{
    FUZZ_CHECK(len == (int)rawlen);
    FUZZ_CHECK(memcmp(o, raw, rawlen) == 0);
}

static void rtcp_pkt(const rtcp_packet *pk, const uint8_t *p, size_t n)
{
    int r;
    span_in(pk->body, p, n);
    FUZZ_CHECK(pk->raw >= p && pk->len >= 4 && pk->len % 4 == 0);
    switch (pk->pt) {
    case RTCP_SR:
    case RTCP_RR: {
        rtcp_report rep;
        rtcp_report_block rb[31];
        unsigned i;
        r = rtcp_report_parse(pk, &rep);
        FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
        if (r) break;
        span_in(rep.ext, p, n);
        for (i = 0; i < rep.rb_count; i++) {
            rtcp_report_block_get(&rep, i, &rb[i]);
            FUZZ_CHECK(rb[i].cumulative_lost >= -8388608 && rb[i].cumulative_lost <= 8388607);
        }
        if (rep.ext.len == 0 && !pk->padding) {
            uint8_t *o = (uint8_t *)fuzz_alloc(pk->len);
            size_t need;
            int len = rtcp_report_build(rep.ssrc, rep.is_sr ? &rep.si : NULL, rb, rep.rb_count, o,
                                        pk->len, &need);
            /* the version/padding/count octet and the PT are canonical */
            rebuild_check(len, o, pk->raw, pk->len);
            free(o);
        }
        break;
    }
    case RTCP_SDES: {
        rtcp_sdes_iter it;
        rtcp_sdes_item items[32];
        int ni = 0, over = 0;
        FUZZ_CHECK(rtcp_sdes_iter_init(&it, pk) == 0);
        while ((r = rtcp_sdes_next(&it, &items[ni < 31 ? ni : 31])) == 1) {
            rtcp_sdes_item *x = &items[ni < 31 ? ni : 31];
            span_in(x->value, p, n);
            span_in(x->prefix, p, n);
            FUZZ_CHECK(x->type != 0 && x->chunk < pk->count);
            if (ni < 31) ni++; else over = 1;
        }
        FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
        FUZZ_CHECK(rtcp_sdes_next(&it, &items[31]) == r);
        if (r == 0 && !over && ni > 0) {
            /* one chunk per item, rebuilt and read back */
            rtcp_sdes_chunk ch[31];
            uint8_t *o;
            size_t need = 0;
            int k, len;
            rtcp_walker w;
            rtcp_packet q;
            for (k = 0; k < ni; k++) {
                ch[k].ssrc = items[k].ssrc;
                ch[k].items = &items[k];
                ch[k].n_items = 1;
            }
            FUZZ_CHECK(rtcp_sdes_build(ch, (unsigned)ni, NULL, 0, &need) == RTP_ERR_NOSPACE);
            o = (uint8_t *)fuzz_alloc(need);
            len = rtcp_sdes_build(ch, (unsigned)ni, o, need, NULL);
            FUZZ_CHECK(len == (int)need);
            rtcp_walk_init(&w, o, need, RTCP_REDUCED_SIZE);
            FUZZ_CHECK(rtcp_walk_next(&w, &q) == 1);
            FUZZ_CHECK(rtcp_sdes_iter_init(&it, &q) == 0);
            for (k = 0; k < ni; k++) {
                rtcp_sdes_item y;
                FUZZ_CHECK(rtcp_sdes_next(&it, &y) == 1);
                FUZZ_CHECK(y.type == items[k].type && y.ssrc == items[k].ssrc &&
                           span_eq(y.value, items[k].value) && span_eq(y.prefix, items[k].prefix));
            }
            FUZZ_CHECK(rtcp_sdes_next(&it, &items[0]) == 0);
            free(o);
        }
        break;
    }
    case RTCP_BYE: {
        rtcp_bye b;
        r = rtcp_bye_parse(pk, &b);
        FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
        if (r == 0) {
            uint32_t ss[31];
            unsigned i;
            uint8_t *o;
            size_t need = 0;
            int len;
            rtcp_walker w;
            rtcp_packet q;
            rtcp_bye b2;
            span_in(b.reason, p, n);
            for (i = 0; i < b.count; i++) ss[i] = rtp_u32_at(b.ssrcs, i);
            rtcp_bye_build(ss, b.count, b.reason, NULL, 0, &need);
            o = (uint8_t *)fuzz_alloc(need);
            len = rtcp_bye_build(ss, b.count, b.reason, o, need, NULL);
            FUZZ_CHECK(len == (int)need && need <= pk->len);
            rtcp_walk_init(&w, o, need, RTCP_REDUCED_SIZE);
            FUZZ_CHECK(rtcp_walk_next(&w, &q) == 1);
            FUZZ_CHECK(rtcp_bye_parse(&q, &b2) == 0);
            FUZZ_CHECK(b2.count == b.count && span_eq(b2.reason, b.reason));
            FUZZ_CHECK(b.count == 0 || memcmp(b2.ssrcs, b.ssrcs, 4 * (size_t)b.count) == 0);
            free(o);
        }
        break;
    }
    case RTCP_APP: {
        rtcp_app a;
        r = rtcp_app_parse(pk, &a);
        FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
        if (r == 0 && !pk->padding) {
            uint8_t *o = (uint8_t *)fuzz_alloc(pk->len);
            int len = rtcp_app_build(a.subtype, a.ssrc, a.name, a.data.p, a.data.len, o, pk->len, NULL);
            span_in(a.data, p, n);
            rebuild_check(len, o, pk->raw, pk->len);
            free(o);
        }
        break;
    }
    case RTCP_XR: {
        rtcp_xr xr;
        r = rtcp_xr_parse(pk, &xr);
        FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
        if (r == 0) {
            span_in(xr.blocks, p, n);
            xr_blocks(&xr, p, n);
        }
        break;
    }
    default:
        break;
    }
}

static void do_rtcp(const uint8_t *p, size_t n, unsigned flags)
{
    rtcp_walker w;
    rtcp_packet pk;
    int r, count = 0;
    size_t total = 0;
    rtcp_walk_init(&w, p, n, flags);
    while ((r = rtcp_walk_next(&w, &pk)) == 1) {
        FUZZ_CHECK(pk.raw == p + total);
        total += pk.len;
        count++;
        rtcp_pkt(&pk, p, n);
    }
    FUZZ_CHECK(r == 0 || r == RTP_ERR_TRUNCATED || r == RTP_ERR_VERSION || r == RTP_ERR_TYPE ||
               r == RTP_ERR_PADDING);
    FUZZ_CHECK(rtcp_walk_next(&w, &pk) == r);
    if (r == 0) {
        rtcp_compound c;
        uint8_t *o = (uint8_t *)fuzz_alloc(n);
        size_t need = 0;
        int fr;
        FUZZ_CHECK(total == n && rtcp_compound_check(p, n, flags) == count);
        /* the compound builder accepts the same packets (flags permitting) */
        rtcp_compound_init(&c, o, n, flags);
        rtcp_walk_init(&w, p, n, flags);
        while (rtcp_walk_next(&w, &pk) == 1) FUZZ_CHECK(rtcp_compound_add(&c, pk.raw, pk.len) == 0);
        fr = rtcp_compound_finish(&c, &need);
        FUZZ_CHECK(fr == (int)n || fr == RTP_ERR_ORDER);
        if (fr > 0) FUZZ_CHECK(memcmp(o, p, n) == 0);
        free(o);
    }
}

/* ---- 2: XR blocks ------------------------------------------------------- */

static void xr_blocks(rtcp_xr *xr, const uint8_t *p, size_t n)
{
    rtcp_xr_iter it;
    rtcp_xr_block b;
    int r;
    rtcp_xr_iter_init(&it, xr);
    while ((r = rtcp_xr_next(&it, &b)) == 1) {
        uint8_t o[128];
        rtcp_xr_block b2;
        uint64_t ntp, ntp2;
        rtcp_xr_stats s, s2;
        rtcp_xr_voip v, v2;
        int k;
        span_in(b.body, p, n);
        b2.type_specific = 0;
        if (rtcp_xr_rrt_parse(&b, &ntp) == 0) {
            FUZZ_CHECK(rtcp_xr_rrt_build(ntp, o, sizeof o, NULL) == 12);
            b2.bt = o[0];
            b2.body.p = o + 4;
            b2.body.len = 8;
            FUZZ_CHECK(rtcp_xr_rrt_parse(&b2, &ntp2) == 0 && ntp2 == ntp);
        }
        k = rtcp_xr_dlrr_count(&b);
        if (k >= 0) {
            rtcp_xr_dlrr_item items[8];
            int i, m = k < 8 ? k : 8;
            FUZZ_CHECK((size_t)k * 12 == b.body.len);
            for (i = 0; i < m; i++) rtcp_xr_dlrr_get(&b, (unsigned)i, &items[i]);
            FUZZ_CHECK(rtcp_xr_dlrr_build(items, (unsigned)m, o, sizeof o, NULL) == 4 + 12 * m);
            FUZZ_CHECK(memcmp(o + 4, b.body.p, 12 * (size_t)m) == 0);
        }
        if (rtcp_xr_stats_parse(&b, &s) == 0) {
            FUZZ_CHECK(rtcp_xr_stats_build(&s, o, sizeof o, NULL) == 40);
            b2.bt = o[0];
            b2.type_specific = o[1];
            b2.body.p = o + 4;
            b2.body.len = 36;
            memset(&s2, 0, sizeof s2);
            FUZZ_CHECK(rtcp_xr_stats_parse(&b2, &s2) == 0);
            FUZZ_CHECK(s2.ssrc == s.ssrc && s2.toh == s.toh && s2.loss_flag == s.loss_flag &&
                       s2.dev_jitter == s.dev_jitter && s2.dev_ttl_or_hl == s.dev_ttl_or_hl &&
                       memcmp(o + 4, b.body.p, 36) == 0);
        }
        if (rtcp_xr_voip_parse(&b, &v) == 0) {
            FUZZ_CHECK(rtcp_xr_voip_build(&v, o, sizeof o, NULL) == 36);
            b2.bt = o[0];
            b2.body.p = o + 4;
            b2.body.len = 32;
            FUZZ_CHECK(rtcp_xr_voip_parse(&b2, &v2) == 0);
            FUZZ_CHECK(v2.signal_level == v.signal_level && v2.noise_level == v.noise_level &&
                       v2.jb_abs_max == v.jb_abs_max && v2.mos_cq == v.mos_cq);
            FUZZ_CHECK(memcmp(o + 4, b.body.p, 25) == 0 && memcmp(o + 30, b.body.p + 26, 6) == 0);
        }
    }
    FUZZ_CHECK(r == 0 || r == RTP_ERR_LENGTH);
}

/* ---- 3: demux, rtpmap, G.711 -------------------------------------------- */

static void do_misc(const uint8_t *p, size_t n)
{
    rtp_codec c;
    size_t i;
    int r;
    rtp_demux_kind k = rtp_demux(p, n);
    FUZZ_CHECK(k >= RTP_DEMUX_OTHER && k <= RTP_DEMUX_RTCP);
    if (k == RTP_DEMUX_RTP || k == RTP_DEMUX_RTCP) FUZZ_CHECK(n >= 2 && p[0] >= 128 && p[0] < 192);
    r = rtp_rtpmap_parse(n ? p[0] & 127 : 0, (const char *)p, n, &c);
    FUZZ_CHECK(r == 0 || r == RTP_ERR_SYNTAX);
    if (r == 0) {
        FUZZ_CHECK(c.clock_rate > 0 && strlen(c.name) > 0 && strlen(c.name) < RTP_CODEC_NAME_MAX);
        FUZZ_CHECK(c.media != RTP_MEDIA_AUDIO || c.channels >= 1);
    }
    for (i = 0; i + 1 < n; i += 2) {
        int16_t x = (int16_t)(uint16_t)((unsigned)p[i] << 8 | p[i + 1]);
        uint8_t u = rtp_ulaw_encode(x), a = rtp_alaw_encode(x);
        int du = rtp_ulaw_decode(u) - x, da = rtp_alaw_decode(a) - x;
        /* error within half the largest step (x4 / x8 scale), plus clipping */
        FUZZ_CHECK((du < 0 ? -du : du) <= 1024 || x > 32124 || x < -32124);
        FUZZ_CHECK((da < 0 ? -da : da) <= 1024);
        FUZZ_CHECK(rtp_ulaw_encode(rtp_ulaw_decode(u)) == u || u == 0x7f);
        FUZZ_CHECK(rtp_alaw_encode(rtp_alaw_decode(a)) == a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel;
    uint8_t *p;
    size_t n;
    if (size < 1) return 0;
    sel = data[0];
    n = size - 1;
    p = (uint8_t *)fuzz_alloc(n);
    if (n) memcpy(p, data + 1, n);
    switch (sel % 4) {
    case 0: do_rtp(p, n); break;
    case 1: do_rtcp(p, n, (sel & 4) ? RTCP_REDUCED_SIZE : 0); break;
    case 2: {
        rtcp_xr xr;
        xr.ssrc = 0;
        xr.blocks.p = p;
        xr.blocks.len = n;
        xr_blocks(&xr, p, n);
        break;
    }
    default: do_misc(p, n); break;
    }
    free(p);
    return 0;
}
