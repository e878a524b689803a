/* fuzz_rtp_session.c - rtp.h session layer (RFC 3550 §6.2-§8, App. A).
 *
 * Input: 1 config byte, then operations until the input ends. Each
 * operation is an opcode byte and a 2-byte time step (big-endian, in units
 * of 256 µs, so one step spans 0..16.8 s; time never goes back), then its
 * arguments:
 *   op % 8 == 0: RTP from source s (1 byte: s % 5, 4 = our own SSRC),
 *                sequence step (2 bytes, signed), timestamp step (2 bytes),
 *                PT (1 byte; 96 means 90 kHz), address (1 byte % 3)
 *             1: RR or SR (bit 7 of the opcode) + SDES from source s (1 byte),
 *                one report block about us with LSR chosen from our last SR
 *                (1 byte: 0 = that one, else the byte) and DLSR (2 bytes),
 *                address (1 byte % 3); bit 6: a BYE for s follows
 *             2: raw RTCP (1 length byte, then that many bytes)
 *             3: raw RTP (1 length byte, then that many bytes)
 *             4: we sent RTP (payload length 1 byte)
 *             5: on_timeout at the deadline (if within 1 h of now) else now
 *             6: leave (reason length 1 byte % 8)
 *             7: change our SSRC
 * Config byte: bit 0 reduced minimum and reduced-size RTCP accepted; bit 1 own address = 0; bits 2-4
 *   max_sources - 1 (bit 7: 64 sources); bit 5 small RTCP buffer (64);
 *   bit 6 no rand callback. RTP addresses are the byte % 16 (the conflict
 *   list wraps); RTCP sources are s % 64 (4: us, 5..63: extra members, so
 *   BYE reconsideration from 50 members is reachable).
 *
 * Every RTP packet the session accepts as valid (returns 1) then goes into
 * a jitter buffer, as a receiver's path does, and op 5 also plays one
 * jitter-buffer tick; a FRAME's payload must lie in the buffer's memory
 * and its counters must add up.
 *
 * Invariants checked after every operation: per-source packet/octet
 * counters and the session's sent counters never decrease; report blocks
 * have cumulative_lost inside 24 bits, fraction 0 when the interval lost
 * nothing, ext_highest_seq = cycles + max_seq; members >= 1, senders <=
 * members; the deadline is at or after now once on_timeout has run at it
 * (or UINT64_MAX when closed); every sent compound passes
 * rtcp_compound_check(); the table never holds two entries for one SSRC.
 */
#define RTP_IMPLEMENTATION
#include "rtp.h"
#include "fuzz.h"

#define NSRC 72

typedef struct fz {
    rtp_session s;
    uint64_t mem[2048];
    rtp_jb jb;
    uint64_t jb_mem[8192];
    const uint8_t *d;
    size_t n, pos;
    uint64_t last_sr_ntp;
    int have_sr;
    uint64_t rtcp_sent;
    uint16_t rnd;
} fz;

static unsigned get8(fz *f)
{
    return f->pos < f->n ? f->d[f->pos++] : 0u;
}

static unsigned get16(fz *f)
{
    unsigned a = get8(f);
    return (a << 8) | get8(f);
}

static int f_send(void *user, const uint8_t *pkt, size_t len)
{
    fz *f = (fz *)user;
    rtcp_walker w;
    rtcp_packet p;
    rtcp_report r;
    FUZZ_CHECK(rtcp_compound_check(pkt, len, 0) > 0);
    rtcp_walk_init(&w, pkt, len, 0);
    if (rtcp_walk_next(&w, &p) == 1 && p.pt == RTCP_SR &&
        rtcp_report_parse(&p, &r) == 0) {
        f->last_sr_ntp = r.si.ntp;
        f->have_sr = 1;
    }
    f->rtcp_sent++;
    return 0;
}

static void f_rand(void *user, uint8_t *buf, size_t len)
{
    fz *f = (fz *)user;
    size_t i;
    for (i = 0; i < len; i++) {
        f->rnd = (uint16_t)(f->rnd * 25173u + 13849u);
        buf[i] = (uint8_t)(f->rnd >> 8);
    }
}

static uint32_t f_clock(void *user, uint32_t ssrc, uint8_t pt)
{
    (void)user;
    (void)ssrc;
    return pt == 96 ? 90000u : 0u;
}

static void f_collision(void *user, uint32_t ssrc, uint64_t addr)
{
    fz *f = (fz *)user;
    uint8_t out[600];
    size_t need = 0;
    int n;
    rtp_span reason;
    (void)addr;
    /* what an application does: BYE for the old SSRC, take a new one */
    reason.p = (const uint8_t *)"collision";
    reason.len = 9;
    n = rtp_session_build_bye(&f->s, ssrc, reason, out, sizeof out, &need);
    FUZZ_CHECK(n > 0 && rtcp_compound_check(out, (size_t)n, 0) == 3);
    rtp_session_change_ssrc(&f->s, ssrc ^ 0x5a5a5a5au);
}

static void f_loop(void *user, uint32_t ssrc, uint64_t addr)
{
    fz *f = (fz *)user;
    FUZZ_CHECK(ssrc == f->s.cfg.ssrc);
    (void)addr;
}

static void f_new(void *user, rtp_source *src)
{
    fz *f = (fz *)user;
    FUZZ_CHECK(src->in_use && (src->validated || src->rtcp_seen));
    FUZZ_CHECK(rtp_session_find(&f->s, src->ssrc) == src);
}

static void f_removed(void *user, uint32_t ssrc, int reason)
{
    fz *f = (fz *)user;
    FUZZ_CHECK(reason == RTP_SOURCE_TIMEOUT || reason == RTP_SOURCE_BYE);
    FUZZ_CHECK(rtp_session_find(&f->s, ssrc) == NULL);
}

/* Shadow of each source's counters, by SSRC. */
typedef struct shadow {
    uint32_t ssrc;
    int used;
    uint64_t packets, octets;
} shadow;

static const uint32_t ssrcs[4] = {0x1000, 0x2000, 0x3000, 0x4000};

static void check(fz *f, shadow *sh, uint64_t *sent_prev, uint64_t now)
{
    uint32_t i, j, m = 0, sd;
    rtp_session *s = &f->s;
    FUZZ_CHECK(s->packets_sent >= sent_prev[0]);
    FUZZ_CHECK(s->octets_sent >= sent_prev[1]);
    FUZZ_CHECK(s->rtcp_sent >= sent_prev[2]);
    sent_prev[0] = s->packets_sent;
    sent_prev[1] = s->octets_sent;
    sent_prev[2] = s->rtcp_sent;
    FUZZ_CHECK(s->n_src <= s->cfg.max_sources);
    for (i = 0; i < s->n_src; i++) {
        rtp_source *r = &s->src[i];
        rtp_source cp;
        rtcp_report_block rb;
        rtp_source_stats st;
        if (!r->in_use) continue;
        for (j = i + 1; j < s->n_src; j++)
            FUZZ_CHECK(!s->src[j].in_use || s->src[j].ssrc != r->ssrc);
        for (j = 0; j < NSRC; j++) {
            if (sh[j].used && sh[j].ssrc == r->ssrc) {
                FUZZ_CHECK(r->packets >= sh[j].packets);
                FUZZ_CHECK(r->octets >= sh[j].octets);
                sh[j].packets = r->packets;
                sh[j].octets = r->octets;
                break;
            }
        }
        if (j == NSRC) {
            for (j = 0; j < NSRC && sh[j].used; j++) {}
            if (j < NSRC) {
                sh[j].used = 1;
                sh[j].ssrc = r->ssrc;
                sh[j].packets = r->packets;
                sh[j].octets = r->octets;
            }
        }
        if (r->validated || r->rtcp_seen) m++;
        FUZZ_CHECK(!r->is_sender || r->validated);
        /* a report block on a copy: the real interval state is untouched */
        cp = *r;
        rtp_source_get_stats(&cp, &st);
        rtp_source_report_block(&cp, now, &rb);
        FUZZ_CHECK(rb.cumulative_lost <= 0x7fffff && rb.cumulative_lost >= -0x800000);
        FUZZ_CHECK(rb.ext_highest_seq == r->cycles + r->max_seq);
        FUZZ_CHECK(rb.jitter == st.jitter);
        {
            int64_t ei = st.expected - (int64_t)r->expected_prior;
            int64_t ri = (int64_t)r->received - (int64_t)r->received_prior;
            if (ei <= 0 || ei - ri <= 0) FUZZ_CHECK(rb.fraction_lost == 0);
            else FUZZ_CHECK((int64_t)rb.fraction_lost == ((ei - ri) * 256 / ei > 255 ? 255 : (ei - ri) * 256 / ei));
        }
        {
            uint64_t ntp;
            uint32_t ts;
            if (rtp_source_rtp_to_ntp(r, r->sr_rtp, &ntp) == 0) FUZZ_CHECK(ntp == r->sr_ntp);
            if (rtp_source_ntp_to_rtp(r, r->sr_ntp, &ts) == 0) FUZZ_CHECK(ts == r->sr_rtp);
        }
    }
    /* drop shadows of SSRCs no longer in the table */
    for (j = 0; j < NSRC; j++)
        if (sh[j].used && !rtp_session_find(s, sh[j].ssrc)) sh[j].used = 0;
    if (s->state == 0) {
        FUZZ_CHECK(rtp_session_members(s) == m + 1);
        sd = rtp_session_senders(s);
        FUZZ_CHECK(sd <= m + 1);
    }
    if (s->state == 2) FUZZ_CHECK(rtp_session_next_deadline(s) == UINT64_MAX);
}

/* The receive path: session statistics, then the jitter buffer. */
static int f_deliver(fz *f, const uint8_t *pkt, size_t len, uint64_t addr, uint64_t now)
{
    rtp_header h;
    int rc = rtp_session_on_rtp(&f->s, pkt, len, addr, now, NULL);
    if (rc == 1) {
        int jr;
        FUZZ_CHECK(rtp_parse(pkt, len, &h) == 0);
        jr = rtp_jb_put(&f->jb, h.ssrc, h.seq, h.timestamp, h.marker, h.payload.p,
                        h.payload.len, now);
        FUZZ_CHECK(jr == 0 || jr == RTP_ERR_JB_DUPLICATE || jr == RTP_ERR_JB_LATE ||
                   jr == RTP_ERR_JB_WINDOW || jr == RTP_ERR_JB_TOO_BIG);
    }
    return rc;
}

static void f_tick(fz *f, uint64_t now)
{
    rtp_jb_frame fr;
    rtp_jb_stats st;
    rtp_jb_kind k = rtp_jb_get(&f->jb, now, &fr);
    const uint8_t *lo = (const uint8_t *)f->jb_mem, *hi = lo + sizeof f->jb_mem;
    FUZZ_CHECK(k == RTP_JB_EMPTY || k == RTP_JB_FRAME || k == RTP_JB_LOST);
    if (k == RTP_JB_FRAME && fr.payload.len)
        FUZZ_CHECK(fr.payload.p >= lo && fr.payload.p + fr.payload.len <= hi);
    rtp_jb_stats_get(&f->jb, &st);
    FUZZ_CHECK(st.buffered <= st.received);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz f;
    rtp_session_config c;
    rtp_session_callbacks cb;
    shadow sh[NSRC];
    uint64_t sent_prev[3] = {0, 0, 0};
    uint64_t now = 1000;
    uint16_t seq[5] = {0, 0, 0, 0, 0};
    uint32_t ts[5] = {0, 0, 0, 0, 0};
    uint8_t buf[600];
    unsigned cfgb, ops = 0;
    uint8_t *copy;

    memset(&f, 0, sizeof f);
    memset(sh, 0, sizeof sh);
    f.d = data;
    f.n = size;
    cfgb = get8(&f);
    memset(&c, 0, sizeof c);
    c.ssrc = 0xabcdef01u;
    c.cname.p = (const uint8_t *)"fuzz@example.invalid";
    c.cname.len = 20;
    c.reduced_minimum = (int)(cfgb & 1u);
    c.rtcp_flags = (cfgb & 1u) ? RTCP_REDUCED_SIZE : 0u;
    c.have_own_addr = (int)((cfgb >> 1) & 1u);
    c.own_addr_key = 0;
    c.max_sources = (cfgb & 0x80u) ? 64u : ((cfgb >> 2) & 7u) + 1;
    c.max_rtcp_size = (cfgb & 0x20u) ? 64u : 0u;
    c.wallclock_offset_us = 1700000000000000ll;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send_rtcp = f_send;
    cb.rand = (cfgb & 0x40u) ? NULL : f_rand;
    cb.clock_rate = f_clock;
    cb.on_collision = f_collision;
    cb.on_loop = f_loop;
    cb.on_new_source = f_new;
    cb.on_source_removed = f_removed;
    FUZZ_CHECK(rtp_session_mem_size(&c) <= sizeof f.mem);
    FUZZ_CHECK(rtp_session_init(&f.s, f.mem, sizeof f.mem, &c, &cb, &f, now) == 0);
    FUZZ_CHECK(rtp_session_next_deadline(&f.s) > now);
    FUZZ_CHECK(rtp_jb_mem_size(NULL) <= sizeof f.jb_mem);
    FUZZ_CHECK(rtp_jb_init(&f.jb, f.jb_mem, sizeof f.jb_mem, NULL) == 0);

    while (f.pos < f.n && ops++ < 2000) {
        unsigned op = get8(&f);
        int rc;
        now += (uint64_t)get16(&f) * 256u;
        switch (op % 8) {
        case 0: {
            unsigned si = get8(&f) % 5, pt;
            rtp_packet_desc d;
            uint8_t pay[20];
            seq[si] = (uint16_t)(seq[si] + (uint16_t)get16(&f));
            ts[si] += get16(&f);
            pt = get8(&f) & 0x7f;
            memset(&d, 0, sizeof d);
            memset(pay, 0, sizeof pay);
            d.payload_type = (uint8_t)pt;
            d.seq = seq[si];
            d.timestamp = ts[si];
            d.ssrc = si == 4 ? f.s.cfg.ssrc : ssrcs[si];
            d.payload = pay;
            d.payload_len = si * 5;
            rc = rtp_build(&d, buf, sizeof buf, NULL);
            FUZZ_CHECK(rc > 0);
            rc = f_deliver(&f, buf, (size_t)rc, get8(&f) % 16, now);
            FUZZ_CHECK(rc == 0 || rc == 1 || rc == RTP_ERR_CONFLICT || rc == RTP_ERR_FULL ||
                       rc == RTP_ERR_STATE);
            break;
        }
        case 1: {
            unsigned si = get8(&f) % 64, lsrb = get8(&f), dlsr = get16(&f), addr;
            rtcp_report_block rb;
            rtcp_sender_info sinfo;
            rtcp_sdes_item it;
            rtcp_sdes_chunk ch;
            uint32_t ssrc = si == 4 ? f.s.cfg.ssrc : si < 4 ? ssrcs[si] : 0x100000u + si;
            int a, b, e = 0;
            memset(&rb, 0, sizeof rb);
            rb.ssrc = f.s.cfg.ssrc;
            rb.lsr = lsrb == 0 && f.have_sr ? rtcp_ntp_mid32(f.last_sr_ntp) : lsrb;
            rb.dlsr = dlsr;
            sinfo.ntp = (uint64_t)now << 12;
            sinfo.rtp_ts = ts[si % 5];
            sinfo.packet_count = 1;
            sinfo.octet_count = 2;
            a = rtcp_report_build(ssrc, (op & 0x80u) ? &sinfo : NULL, &rb, 1, buf, sizeof buf, NULL);
            memset(&it, 0, sizeof it);
            it.type = RTCP_SDES_CNAME;
            it.value.p = (const uint8_t *)"x";
            it.value.len = 1;
            ch.ssrc = ssrc;
            ch.items = &it;
            ch.n_items = 1;
            b = rtcp_sdes_build(&ch, 1, buf + a, sizeof buf - (size_t)a, NULL);
            if (op & 0x40u)
                e = rtcp_bye_build(&ssrc, 1, (rtp_span){NULL, 0}, buf + a + b,
                                   sizeof buf - (size_t)(a + b), NULL);
            FUZZ_CHECK(a > 0 && b > 0 && e >= 0);
            addr = get8(&f) % 3;
            rc = rtp_session_on_rtcp(&f.s, buf, (size_t)(a + b + e), addr, now);
            FUZZ_CHECK(rc == 0 || rc == RTP_ERR_CONFLICT || rc == RTP_ERR_FULL ||
                       rc == RTP_ERR_STATE);
            break;
        }
        case 2:
        case 3: {
            size_t len = get8(&f);
            if (len > f.n - f.pos) len = f.n - f.pos;
            copy = (uint8_t *)malloc(len ? len : 1);
            if (len) memcpy(copy, f.d + f.pos, len);
            f.pos += len;
            if (op % 8 == 2) (void)rtp_session_on_rtcp(&f.s, copy, len, get8(&f) % 3, now);
            else (void)f_deliver(&f, copy, len, get8(&f) % 3, now);
            free(copy);
            break;
        }
        case 4:
            ts[4] += 160;
            rtp_session_on_rtp_sent(&f.s, ts[4], get8(&f), now);
            break;
        case 5: {
            uint64_t t = rtp_session_next_deadline(&f.s);
            if (t != UINT64_MAX && t >= now && t - now < 3600000000ull) now = t;
            f_tick(&f, now);
            rc = rtp_session_on_timeout(&f.s, now);
            FUZZ_CHECK(rc == 0 || rc == 1 || rc == RTP_ERR_STATE || rc == RTP_ERR_NOSPACE);
            if (rc == 1 || (rc == 0 && t <= now))
                FUZZ_CHECK(rtp_session_next_deadline(&f.s) > now ||
                           rtp_session_next_deadline(&f.s) == UINT64_MAX);
            break;
        }
        case 6: {
            size_t rl = get8(&f) % 8;
            rc = rtp_session_leave(&f.s, (rtp_span){(const uint8_t *)"goodbye!", rl}, now);
            FUZZ_CHECK(rc == 0 || rc == 1 || rc == RTP_ERR_STATE || rc == RTP_ERR_NOSPACE);
            break;
        }
        default:
            rtp_session_change_ssrc(&f.s, f.s.cfg.ssrc + 1);
            break;
        }
        check(&f, sh, sent_prev, now);
        FUZZ_CHECK(f.rtcp_sent == f.s.rtcp_sent);
    }
    return 0;
}
