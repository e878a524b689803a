/* fuzz_rtcp_fb_gen.c - rtcp_feedback.h generators, driven together.
 *
 * Input: 6 config bytes, then operations (1 opcode byte + arguments); the
 * time only grows, by steps the input gives:
 *   op % 11 == 0: a media packet arrives: rtcp_fb_nackgen_on_packet (seq
 *       delta, signed) and rtcp_fb_twccgen_on_packet (transport seq delta,
 *       size);
 *   1: rtcp_fb_nackgen_poll, the numbers built into a Generic NACK
 *      (rtcp_fb_nack_build_seqs) that must parse back to them, then given
 *      to rtcp_fb_history_on_nack;
 *   2: rtcp_fb_history_put of an RTP packet built from the input (seq
 *      delta, CSRCs, extension, padding, payload length);
 *   3: rtcp_fb_history_answer with raw PID/BLP items from the input;
 *   4: rtcp_fb_keyreq_request (reason from the input, invalid ones too);
 *   5: rtcp_fb_keyreq_on_keyframe;
 *   6: rtcp_fb_timing_request_early (+ on_early_sent when NOW);
 *   7: rtcp_fb_timing_set_members / _on_rtcp_size / _suppress;
 *   8: every context's on_timeout at its deadline (when reached);
 *   9: rtcp_fb_twccgen_flush;
 *   10: time step only (large).
 *
 * Checked: the NACK list stays within its window, poll writes at most cap
 * numbers, each behind the highest, and leaves next_deadline after now;
 * the history holds at most max_packets packets and max_bytes octets, and
 * every stored or resent packet is the one put for its number (a shadow
 * checksum per sequence number), an RTX resend recovers to it
 * (rtcp_fb_rtx_recover) and no packet is resent twice within the RTT;
 * PLI / FIR packets parse, a FIR has media SSRC 0 and keeps its sequence
 * number for repeats and takes the next one for a new request, and two
 * requests are never closer than the minimum interval; every TWCC feedback
 * parses, fits max_fb_size, counts up by one mod 256, and each packet it
 * reports received carries the arrival time recorded for it; the timing
 * context answers only documented values, keeps tp <= tn, and after
 * on_timeout returns NONE its deadline lies ahead. A violated property
 * traps.
 */
#define RTCP_FEEDBACK_IMPLEMENTATION
#include "rtcp_feedback.h"
#include "fuzz.h"

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd;

static unsigned u8(rd *r) { return r->i < r->n ? r->p[r->i++] : 0u; }
static unsigned u16(rd *r) { unsigned a = u8(r); return a << 8 | u8(r); }

#define SSRC 0x5EED0001u
#define RTX_SSRC 0x5EED0002u

/* ---- shadow state ----------------------------------------------------------- */

static uint32_t sh_sum[65536];   /* checksum of the packet put per seq */
static uint32_t sh_len[65536];
static uint8_t sh_have[65536];
static uint64_t sh_resent[65536]; /* last resend time + 1 */
static uint64_t tw_arr[65536];   /* recorded arrival + 1 per transport seq */

static uint64_t now;
static uint64_t hist_spacing;
static int rtx_on;

static uint32_t sum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- history send callback ---------------------------------------------------- */

static int cb_send_rtp(void *user, const uint8_t *pkt, size_t len, uint16_t osn)
{
    (void)user;
    FUZZ_CHECK(sh_have[osn]);
    FUZZ_CHECK(!sh_resent[osn] || now >= sh_resent[osn] - 1 + hist_spacing);
    sh_resent[osn] = now + 1;
    if (!rtx_on) {
        FUZZ_CHECK(len == sh_len[osn] && sum(pkt, len) == sh_sum[osn]);
    } else {
        static uint8_t o[70000];
        rtcp_fb_rtx_map m;
        uint16_t got = 0;
        int r;
        m.rtx_pt = 99;
        m.apt = 96;
        m.media_ssrc = SSRC;
        FUZZ_CHECK((pkt[1] & 0x7F) == 99);
        FUZZ_CHECK(len == sh_len[osn] + 2);
        r = rtcp_fb_rtx_recover(pkt, len, &m, 1, o, sizeof o, NULL, &got);
        /* with RTX on, put_packet adds no padding: the very bytes put */
        FUZZ_CHECK(r > 0 && got == osn && (uint32_t)r == sh_len[osn]);
        FUZZ_CHECK(sum(o, (size_t)r) == sh_sum[osn]);
    }
    return 0;
}

/* ---- key frame requester ----------------------------------------------------- */

static int kr_pending_fir = -1; /* FIR seq of the pending request */
static int kr_last_fir = -1;
static int kr_have_sent;
static uint64_t kr_last;
static uint64_t kr_min;

static int cb_send_kr(void *user, const uint8_t *pkt, size_t len)
{
    rtcp_fb_common h;
    (void)user;
    FUZZ_CHECK(!kr_have_sent || now >= kr_last + kr_min);
    kr_have_sent = 1;
    kr_last = now;
    if (len == 12) {
        FUZZ_CHECK(rtcp_fb_pli_parse(pkt, len, &h) == 12);
        FUZZ_CHECK(h.media_ssrc == SSRC);
    } else {
        rtcp_fb_fir_item it;
        size_t n = 1;
        FUZZ_CHECK(rtcp_fb_fir_parse(pkt, len, &h, &it, &n) == 20);
        FUZZ_CHECK(h.media_ssrc == 0 && it.ssrc == SSRC);
        if (kr_pending_fir >= 0) {
            FUZZ_CHECK(it.seq == kr_pending_fir); /* a repeat */
        } else {
            if (kr_last_fir >= 0) FUZZ_CHECK(it.seq == (uint8_t)(kr_last_fir + 1));
            kr_pending_fir = it.seq;
            kr_last_fir = it.seq;
        }
    }
    return 0;
}

/* ---- TWCC ---------------------------------------------------------------------- */

static int tw_have_count;
static uint8_t tw_next_count;
static uint32_t tw_max;

static int cb_send_twcc(void *user, const uint8_t *pkt, size_t len)
{
    static rtcp_fb_twcc_packet pk[65536];
    rtcp_fb_twcc tw;
    size_t n = 65536, i;
    int64_t tick;
    int r;
    (void)user;
    FUZZ_CHECK(len <= tw_max);
    r = rtcp_fb_twcc_parse(pkt, len, NULL, &tw, pk, &n);
    FUZZ_CHECK(r == (int)len);
    if (tw_have_count) FUZZ_CHECK(tw.fb_pkt_count == tw_next_count);
    tw_have_count = 1;
    tw_next_count = (uint8_t)(tw.fb_pkt_count + 1);
    tick = (int64_t)tw.ref_time * 256;
    for (i = 0; i < n; i++) {
        if (pk[i].status == RTCP_FB_TWCC_NOT_RECEIVED) continue;
        FUZZ_CHECK(pk[i].status == RTCP_FB_TWCC_SMALL ||
                   pk[i].status == RTCP_FB_TWCC_LARGE);
        tick += pk[i].delta_us / 250;
        FUZZ_CHECK(tw_arr[pk[i].seq]);
        FUZZ_CHECK((tick & 0xFFFFFFFF) ==
                   ((int64_t)((tw_arr[pk[i].seq] - 1) / 250) & 0xFFFFFFFF));
    }
    return 0;
}

/* ---- timing ----------------------------------------------------------------------- */

static const uint8_t *rnd_p;
static size_t rnd_n, rnd_i;

static void cb_rand(void *user, uint8_t *b, size_t len)
{
    size_t i;
    (void)user;
    for (i = 0; i < len; i++) b[i] = rnd_n ? rnd_p[rnd_i++ % rnd_n] : 0;
}

static int seen_flag;
static int cb_seen(void *user) { (void)user; return seen_flag; }

/* ---- contexts ----------------------------------------------------------------------- */

static rtcp_fb_nackgen ng;
static rtcp_fb_history hist;
static rtcp_fb_keyreq kr;
static rtcp_fb_twccgen twg;
static rtcp_fb_timing tm;
static uint64_t hist_mem[(64 * 40 + 4096 + 1600 + 64) / 8 + 64];
static uint64_t twg_mem[(512 * 8 + 512 * 16 + 1300) / 8 + 64];

static void check_history(void)
{
    uint32_t i, bytes = 0;
    FUZZ_CHECK(hist.count <= hist.cfg.max_packets);
    for (i = 0; i < hist.count; i++) {
        const rtcp_fb__hslot *s = &hist.slot[(hist.head + i) % hist.cfg.max_packets];
        FUZZ_CHECK(s->off + s->len <= hist.cfg.max_bytes);
        FUZZ_CHECK(sh_have[s->seq] && sh_len[s->seq] == s->len);
        FUZZ_CHECK(sum(hist.data + s->off, s->len) == sh_sum[s->seq]);
        bytes += s->len;
    }
    FUZZ_CHECK(bytes <= hist.cfg.max_bytes);
}

/* An RTP packet for the history: no padding when rtx is on, so the RTX
 * round trip must give the very bytes put. */
static void put_packet(rd *r, uint16_t *hseq)
{
    static uint8_t b[2000];
    size_t n = 0, i, cc = u8(r) % 3, pl = u8(r) % 200, ext = u8(r) & 1;
    int pad = !rtx_on && (u8(r) & 1);
    unsigned d = u8(r);
    uint16_t seq = (uint16_t)(*hseq + (d & 0x80 ? d : d % 8 + 1));
    int rc;
    b[n++] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | (pad ? 0x20 : 0) | cc);
    b[n++] = 96;
    b[n++] = (uint8_t)(seq >> 8);
    b[n++] = (uint8_t)seq;
    for (i = 0; i < 4; i++) b[n++] = (uint8_t)(now >> (8 * i));
    b[n++] = (uint8_t)(SSRC >> 24); b[n++] = (uint8_t)(SSRC >> 16);
    b[n++] = (uint8_t)(SSRC >> 8); b[n++] = (uint8_t)SSRC;
    for (i = 0; i < 4 * cc; i++) b[n++] = (uint8_t)i;
    if (ext) {
        b[n++] = 0xBE; b[n++] = 0xDE; b[n++] = 0; b[n++] = 1;
        b[n++] = 0x10; b[n++] = (uint8_t)seq; b[n++] = 0; b[n++] = 0;
    }
    for (i = 0; i < pl; i++) b[n++] = (uint8_t)(i * 7 + seq);
    if (pad) {
        b[n++] = 0; b[n++] = 2;
    }
    rc = rtcp_fb_history_put(&hist, b, n, now);
    if (rc == 0) {
        /* a number reused after 65536 replaces its shadow */
        sh_have[seq] = 1;
        sh_len[seq] = (uint32_t)n;
        sh_sum[seq] = sum(b, n);
        sh_resent[seq] = 0;
        *hseq = seq;
    } else {
        FUZZ_CHECK(rc == RTCP_FB_ERR_ORDER || rc == RTCP_FB_ERR_TOO_BIG);
    }
}

static void nack_round(rd *r)
{
    uint16_t out[64], back[64];
    uint8_t pkt[400];
    size_t cap = u8(r) % 64 + 1, k, i;
    int len, m;
    k = rtcp_fb_nackgen_poll(&ng, now, out, cap);
    FUZZ_CHECK(k <= cap);
    for (i = 0; i < k; i++) {
        uint16_t behind = (uint16_t)(ng.highest - out[i]);
        FUZZ_CHECK(behind >= 1 && behind <= ng.cfg.window);
        if (i) FUZZ_CHECK((uint16_t)(out[i] - out[i - 1]) < 0x8000u);
    }
    if (cap == 64) FUZZ_CHECK(rtcp_fb_nackgen_next_deadline(&ng) > now);
    if (!k) return;
    len = rtcp_fb_nack_build_seqs(pkt, sizeof pkt, 1, SSRC, out, k, NULL);
    FUZZ_CHECK(len > 0);
    {
        rtcp_fb_nack_item it[64];
        size_t ni = 64;
        FUZZ_CHECK(rtcp_fb_nack_parse(pkt, (size_t)len, NULL, it, &ni) == len);
        m = rtcp_fb_nack_items_to_seqs(it, ni, back, 64);
        FUZZ_CHECK(m == (int)k && memcmp(back, out, k * sizeof out[0]) == 0);
    }
    m = rtcp_fb_history_on_nack(&hist, pkt, (size_t)len, now);
    FUZZ_CHECK(m >= 0 && m <= (int)k);
}

static void answer_raw(rd *r)
{
    rtcp_fb_nack_item it[4];
    uint16_t seqs[80];
    size_t n = u8(r) % 5, i;
    int k;
    for (i = 0; i < n; i++) {
        it[i].pid = (uint16_t)u16(r);
        it[i].blp = (uint16_t)u16(r);
    }
    k = rtcp_fb_history_answer(&hist, it, n, now, seqs, u8(r) % 80);
    FUZZ_CHECK(k >= 0);
    for (i = 0; i < (size_t)k; i++) {
        uint16_t s = seqs[i];
        FUZZ_CHECK(sh_have[s]);
        FUZZ_CHECK(!sh_resent[s] || now >= sh_resent[s] - 1 + hist_spacing);
        sh_resent[s] = now + 1;
    }
}

static int timing_result_ok(int x)
{
    return x >= RTCP_FB_TIMING_NONE && x <= RTCP_FB_TIMING_FB_DISCARDED;
}

static void timeouts(void)
{
    int x;
    if (now >= rtcp_fb_nackgen_next_deadline(&ng)) {
        uint16_t out[600];
        size_t k = rtcp_fb_nackgen_poll(&ng, now, out, 600);
        FUZZ_CHECK(k <= 600);
        FUZZ_CHECK(rtcp_fb_nackgen_next_deadline(&ng) > now);
    }
    if (now >= rtcp_fb_keyreq_next_deadline(&kr)) {
        x = rtcp_fb_keyreq_on_timeout(&kr, now);
        FUZZ_CHECK(x == 0 || x == 1);
        FUZZ_CHECK(rtcp_fb_keyreq_next_deadline(&kr) > now);
    }
    if (now >= rtcp_fb_twccgen_next_deadline(&twg)) {
        x = rtcp_fb_twccgen_on_timeout(&twg, now);
        FUZZ_CHECK(x >= 1);
        FUZZ_CHECK(rtcp_fb_twccgen_next_deadline(&twg) > now);
    }
    if (now >= rtcp_fb_timing_next_deadline(&tm)) {
        x = rtcp_fb_timing_on_timeout(&tm, now);
        FUZZ_CHECK(timing_result_ok(x));
        if (x == RTCP_FB_TIMING_NONE) FUZZ_CHECK(rtcp_fb_timing_next_deadline(&tm) > now);
    }
}

static void check_all(void)
{
    FUZZ_CHECK(rtcp_fb_nackgen_missing(&ng) <= ng.cfg.window);
    check_history();
    if (twg.started) {
        FUZZ_CHECK(twg.start <= twg.highest + 1);
        FUZZ_CHECK(twg.highest - twg.start < (int64_t)twg.cfg.window);
    }
    FUZZ_CHECK(tm.tp <= tm.tn);
    if (tm.early_scheduled) FUZZ_CHECK(tm.allow_early);
}

static void setup(rd *r)
{
    rtcp_fb_nackgen_config nc;
    rtcp_fb_nackgen_callbacks ncb;
    rtcp_fb_history_config hc;
    rtcp_fb_history_callbacks hcb;
    rtcp_fb_keyreq_config kc;
    rtcp_fb_keyreq_callbacks kcb;
    rtcp_fb_twccgen_config tc;
    rtcp_fb_twccgen_callbacks tcb;
    rtcp_fb_timing_config mc;
    rtcp_fb_timing_callbacks mcb;
    unsigned a = u8(r), b = u8(r), c = u8(r), d = u8(r), e = u8(r), f = u8(r);

    memset(&nc, 0, sizeof nc);
    nc.window = a % 64 + 1;
    nc.max_retries = b % 4 + 1;
    nc.reorder_packets = (b >> 2) % 4;
    nc.reorder_us = (b >> 4) * 1000u;
    nc.max_age_us = 50000u + c * 1000u;
    FUZZ_CHECK(rtcp_fb_nackgen_init(&ng, &nc) == 0);
    memset(&ncb, 0, sizeof ncb);
    ncb.size = sizeof ncb;
    FUZZ_CHECK(rtcp_fb_nackgen_set_callbacks(&ng, &ncb, NULL) == 0);

    rtcp_fb_history_config_init(&hc);
    hc.ssrc = SSRC;
    hc.max_packets = d % 64 + 1;
    hc.max_packet_size = 400;
    hc.max_bytes = 400 + (uint32_t)(d >> 6) * 1200u;
    hc.rtt_us = (e % 8) * 10000u;
    hc.min_interval_us = 5000;
    hc.max_age_us = (e & 8) ? 0 : 500000;
    rtx_on = (e >> 4) & 1;
    hc.rtx = rtx_on;
    hc.rtx_pt = 99;
    hc.rtx_ssrc = RTX_SSRC;
    hc.rtx_seq = (uint16_t)(a * 257u);
    hist_spacing = hc.rtt_us > hc.min_interval_us ? hc.rtt_us : hc.min_interval_us;
    hcb.size = sizeof hcb;
    hcb.send_rtp = cb_send_rtp;
    FUZZ_CHECK(rtcp_fb_history_mem_size(&hc) <= sizeof hist_mem);
    FUZZ_CHECK(rtcp_fb_history_init(&hist, hist_mem, sizeof hist_mem, &hc, &hcb, NULL) == 0);

    rtcp_fb_keyreq_config_init(&kc);
    kc.sender_ssrc = 1;
    kc.media_ssrc = SSRC;
    kc.methods = f % 3 + 1;
    kc.rtt_us = (f >> 2) * 5000u;
    kc.max_repeats = (f >> 6);
    kc.fir_seq = (uint8_t)c;
    kcb.size = sizeof kcb;
    kcb.send_rtcp = cb_send_kr;
    kr_min = kc.min_interval_us > kc.rtt_us ? kc.min_interval_us : kc.rtt_us;
    FUZZ_CHECK(rtcp_fb_keyreq_init(&kr, &kc, &kcb, NULL) == 0);

    rtcp_fb_twccgen_config_init(&tc);
    tc.window = 16u << (a >> 6); /* 16..128 */
    tc.max_fb_size = 64u + (uint32_t)c * 4u;
    tc.interval_us = 20000u + (uint32_t)(b >> 4) * 10000u;
    tc.max_packets = (d & 0x20) ? (d & 0x1F) : 0;
    tc.max_bytes = (e & 0x20) ? 5000 : 0;
    tw_max = tc.max_fb_size;
    tcb.size = sizeof tcb;
    tcb.send_rtcp = cb_send_twcc;
    FUZZ_CHECK(rtcp_fb_twccgen_mem_size(&tc) <= sizeof twg_mem);
    FUZZ_CHECK(rtcp_fb_twccgen_init(&twg, twg_mem, sizeof twg_mem, &tc, &tcb, NULL) == 0);

    rtcp_fb_timing_config_init(&mc);
    mc.point_to_point = f & 1;
    mc.t_rr_interval_us = (c & 3) * 500000u;
    mc.t_max_fb_delay_us = (d & 1) ? UINT64_MAX : 100000u + a * 1000u;
    mc.rtcp_bw_bps = 1000u + b * 1000u;
    mc.avg_rtcp_size = 20 + e;
    mc.members = 2 + (c >> 2);
    mcb.size = sizeof mcb;
    mcb.rand = cb_rand;
    mcb.fb_seen = cb_seen;
    FUZZ_CHECK(rtcp_fb_timing_init(&tm, &mc, &mcb, NULL, now) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd r;
    uint16_t mseq = 0, tseq = 0, hseq = 0;
    int steps = 0;
    uint8_t *copy = (uint8_t *)fuzz_dup(data, size);
    r.p = copy;
    r.n = size;
    r.i = 0;
    memset(sh_have, 0, sizeof sh_have);
    memset(sh_resent, 0, sizeof sh_resent);
    memset(tw_arr, 0, sizeof tw_arr);
    kr_pending_fir = kr_last_fir = -1;
    kr_have_sent = 0;
    tw_have_count = 0;
    seen_flag = 0;
    rnd_p = copy;
    rnd_n = size;
    rnd_i = 0;
    now = 1000000;
    setup(&r);
    hseq = (uint16_t)(65530u + (size & 7));
    while (r.i < r.n && steps++ < 4000) {
        unsigned op = u8(&r), x;
        now += (op >> 4) * 700u;
        switch (op % 11) {
        case 0: {
            unsigned d = u8(&r), td = u8(&r), sz = u8(&r);
            uint64_t dup0, old0, prev;
            int rc;
            mseq = (uint16_t)(mseq + (d < 200 ? d % 6 : (uint16_t)(d * 300u)));
            rc = rtcp_fb_nackgen_on_packet(&ng, mseq, now);
            FUZZ_CHECK(rc >= 0);
            tseq = (uint16_t)(tseq + (int8_t)td);
            dup0 = twg.n_duplicate;
            old0 = twg.n_too_old;
            prev = tw_arr[tseq];
            tw_arr[tseq] = now + 1; /* a threshold may report it at once */
            rc = rtcp_fb_twccgen_on_packet(&twg, tseq, sz * 10u, now);
            FUZZ_CHECK(rc >= 0);
            if (twg.n_duplicate != dup0 || twg.n_too_old != old0)
                tw_arr[tseq] = prev; /* not recorded */
            break;
        }
        case 1: nack_round(&r); break;
        case 2: put_packet(&r, &hseq); break;
        case 3: answer_raw(&r); break;
        case 4: {
            int reason = (int)(u8(&r) % 3);
            int had = kr.pending;
            int rc;
            if (reason == RTCP_FB_KEYREQ_REFRESH && had &&
                kr.method == RTCP_FB_KEYREQ_PLI && (kr.cfg.methods & RTCP_FB_KEYREQ_FIR))
                kr_pending_fir = -1; /* upgraded: a new FIR */
            if (!had) kr_pending_fir = -1;
            rc = rtcp_fb_keyreq_request(&kr, reason, now);
            FUZZ_CHECK(rc == 0 || rc == 1 || rc == RTCP_FB_ERR_TYPE ||
                       rc == RTCP_FB_ERR_INVALID);
            break;
        }
        case 5:
            rtcp_fb_keyreq_on_keyframe(&kr, now);
            kr_pending_fir = -1;
            break;
        case 6: {
            uint64_t w = 0;
            int allow = tm.allow_early;
            x = (unsigned)rtcp_fb_timing_request_early(&tm, now, &w);
            FUZZ_CHECK(x >= RTCP_FB_EARLY_NOW && x <= RTCP_FB_EARLY_DISCARD);
            if (x == RTCP_FB_EARLY_NOW || x == RTCP_FB_EARLY_SCHEDULED) {
                FUZZ_CHECK(allow && w >= now && w <= tm.tn);
            }
            if (x == RTCP_FB_EARLY_NOW) rtcp_fb_timing_on_early_sent(&tm, now);
            if (x == RTCP_FB_EARLY_DISCARD) FUZZ_CHECK(w == UINT64_MAX);
            seen_flag = (int)(u8(&r) & 1);
            break;
        }
        case 7: {
            unsigned k = u8(&r);
            if (k % 3 == 0) rtcp_fb_timing_set_members(&tm, u16(&r), u8(&r), k & 8);
            else if (k % 3 == 1) rtcp_fb_timing_on_rtcp_size(&tm, u16(&r));
            else rtcp_fb_timing_suppress(&tm);
            break;
        }
        case 8: timeouts(); break;
        case 9: FUZZ_CHECK(rtcp_fb_twccgen_flush(&twg, now) >= 0); break;
        default: now += u16(&r) * 1000u; break;
        }
        if (kr.pending == 0) kr_pending_fir = -1;
        else if (kr.method == RTCP_FB_KEYREQ_PLI) kr_pending_fir = -1;
        check_all();
    }
    free(copy);
    return 0;
}
