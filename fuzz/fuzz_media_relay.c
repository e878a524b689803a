/* fuzz_media_relay.c - media_relay.h, stateful: one 2- or 3-leg session
 * (forwarding or G.711 mixing) fed with packets from the input.
 *
 * Input: 1 config byte, then operations until the input ends. Each
 * operation is an opcode byte and a 2-byte time step (big-endian, ms; time
 * never goes back), then its arguments:
 *   op % 8 == 0: RTP built from fields: leg (1 byte), source address
 *                (1 byte % 4), SSRC choice (1 byte % 4), seq step (1 byte,
 *                signed), timestamp step (2 bytes), PT (1 byte % 4: 0, 8,
 *                96, 13), payload length (1 byte), socket (bit 0 of the
 *                opcode's high nibble: RTCP socket)
 *             1: RTCP built from fields: leg, source, SR or RR (bit 4 of the
 *                opcode) from SSRC choice (1 byte), one report block about
 *                SSRC choice (1 byte) with ext highest seq (2 bytes), SDES
 *                CNAME, BYE (bit 5 of the opcode); socket as above
 *             2: raw datagram: leg, socket (1 byte & 1), source, length
 *                (1 byte), bytes
 *             3: on_timeout at the deadline (if within 1 s of now), else now
 *             4: SDP offer or answer (bit 4) from leg to another leg (1 byte),
 *                port (2 bytes), rtcp-mux (bit 5), address choice (1 byte)
 *             5: set_peer (leg, peer: 1 byte each; 0xFF = none)
 *             6: remove a leg (1 byte), or add one (bit 4)
 *             7: leg statistics of every leg (with the MOS hook)
 * Config byte: bit 0 three legs; bit 1 mixer session; bit 2 allow_relatch;
 *   bit 3 relatch after 1 s of silence; bit 4 small max_packet (64); bit 5
 *   inactivity 5 s; bit 6 rand callback.
 *
 * Invariants: a packet is never sent to the leg it came from; every sent
 * packet parses (rtp_parse, or rtcp_compound_check with reduced size); RTCP
 * leaves the RTCP socket only toward a leg without mux, with a destination;
 * every RTP packet toward a leg carries one SSRC for the life of the leg
 * (stream continuity, RFC 3550 §5.1) and after a SOURCE_CHANGE event its
 * seq is the highest sent + 1; per leg, the rtp_out/rtcp_out/bytes_out
 * counters equal what the send callback saw; the inbound counters bound
 * the packets fed; the deadline is never in the past after on_timeout.
 */
#define CVOIP_IMPLEMENTATION
#include "rtp.h"
#include "sdp.h"
#include "media_relay.h"
#include "fuzz.h"
#include <stdio.h>

#define NL 4

typedef struct lg {
    uint64_t rtp_out, rtcp_out, bytes_out, fed;
    uint32_t ssrc;
    int have_ssrc, expect_next;
    uint16_t hi_seq;
    int have_seq;
    int mux;
} lg;

static struct {
    media_relay *r;
    media_relay_sid sid;
    lg l[NL];
    unsigned from;      /* leg of the packet being fed (NL: timer) */
    int mix;
} F;

static uint64_t mem[1 << 15];

static int f_alloc(void *u, media_relay_sid sid, unsigned leg, uint16_t *rtp, uint16_t *rtcp)
{
    (void)u, (void)sid;
    *rtp = (uint16_t)(20000 + 2 * leg);
    *rtcp = (uint16_t)(*rtp + (leg == 2 ? 7 : 1));
    return 0;
}

static int f_send(void *u, media_relay_sid sid, unsigned leg, unsigned sock,
                  const media_relay_addr *dst, const uint8_t *pkt, size_t len)
{
    lg *l;
    (void)u, (void)sid;
    FUZZ_CHECK(leg < NL);
    FUZZ_CHECK(leg != F.from);
    FUZZ_CHECK(dst->family == MEDIA_RELAY_AF_IPV4 || dst->family == MEDIA_RELAY_AF_IPV6);
    l = &F.l[leg];
    if (rtp_demux(pkt, len) == RTP_DEMUX_RTCP) {
        FUZZ_CHECK(rtcp_compound_check(pkt, len, RTCP_REDUCED_SIZE) > 0);
        if (l->mux) FUZZ_CHECK(sock == MEDIA_RELAY_RTP);
        else FUZZ_CHECK(sock == MEDIA_RELAY_RTCP);
        l->rtcp_out++;
    } else {
        rtp_header h;
        FUZZ_CHECK(sock == MEDIA_RELAY_RTP);
        FUZZ_CHECK(rtp_parse(pkt, len, &h) == 0);
        if (l->have_ssrc) FUZZ_CHECK(h.ssrc == l->ssrc);
        l->ssrc = h.ssrc;
        l->have_ssrc = 1;
        if (l->expect_next && l->have_seq) FUZZ_CHECK(h.seq == (uint16_t)(l->hi_seq + 1));
        l->expect_next = 0;
        if (!l->have_seq || (int16_t)(uint16_t)(h.seq - l->hi_seq) > 0) l->hi_seq = h.seq;
        l->have_seq = 1;
        l->rtp_out++;
    }
    l->bytes_out += len;
    return 0;
}

static void f_event(void *u, media_relay_sid sid, const media_relay_event *ev)
{
    (void)u, (void)sid;
    if (ev->kind == MEDIA_RELAY_EV_SOURCE_CHANGE) {
        FUZZ_CHECK(ev->leg < NL);
        F.l[ev->leg].expect_next = 1;
    }
}

static void f_record(void *u, media_relay_sid sid, unsigned from, unsigned to, unsigned kind,
                     const uint8_t *pkt, size_t len, uint64_t now_us)
{
    (void)u, (void)sid, (void)pkt, (void)len, (void)now_us;
    FUZZ_CHECK(from != to);
    FUZZ_CHECK(kind <= MEDIA_RELAY_RTCP);
    FUZZ_CHECK(F.mix ? from == MEDIA_RELAY_MIXER : from == F.from);
}

static void f_rand(void *u, uint8_t *b, size_t n)
{
    (void)u;
    memset(b, 0x5A, n);
}

static int f_mos(void *u, media_relay_sid sid, unsigned leg, const media_relay_stats *st)
{
    (void)u, (void)sid, (void)leg;
    return st->src.jitter > 1000 ? 100 : 430;
}

typedef struct rd {
    const uint8_t *p;
    size_t n;
} rd;

static unsigned u8(rd *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static unsigned u16(rd *r) { unsigned a = u8(r); return a << 8 | u8(r); }

static media_relay_addr src_addr(unsigned k)
{
    media_relay_addr a;
    static const char *ip[4] = {"192.0.2.1", "198.51.100.7", "2001:db8::9", "203.0.113.99"};
    media_relay_addr_parse(ip[k % 4], strlen(ip[k % 4]), (uint16_t)(4000 + 2 * (k % 4)), &a);
    return a;
}

static void check_counters(void)
{
    unsigned i;
    for (i = 0; i < NL; i++) {
        media_relay_stats st;
        if (media_relay_leg_stats(F.r, F.sid, i, &st) != 0) continue;
        FUZZ_CHECK(st.rtp_out == F.l[i].rtp_out);
        FUZZ_CHECK(st.rtcp_out == F.l[i].rtcp_out);
        FUZZ_CHECK(st.bytes_out == F.l[i].bytes_out);
        FUZZ_CHECK(st.rtp_in + st.rtcp_in + st.dropped_foreign <= F.l[i].fed);
        FUZZ_CHECK(F.l[i].fed <= st.rtp_in + st.rtcp_in + st.dropped_foreign + st.dropped_invalid);
        FUZZ_CHECK(st.mos_x100 == 0 || st.mos_x100 == 100 || st.mos_x100 == 430);
    }
}

static void feed(unsigned leg, unsigned sock, const media_relay_addr *a, const uint8_t *b,
                 size_t n, uint64_t now)
{
    int rc;
    F.from = leg;
    rc = media_relay_on_packet(F.r, F.sid, leg, sock, a, b, n, now);
    F.from = NL;
    if (rc != MEDIA_RELAY_ERR_STALE && rc != MEDIA_RELAY_ERR_INVALID && leg < NL) F.l[leg].fed++;
    FUZZ_CHECK(rc >= -1099 && rc <= 1);
    fuzz_cstr(media_relay_strerror(rc));
}

static size_t build_rtp(rd *in, uint8_t *out, uint16_t *seq, uint32_t *ts)
{
    static const uint32_t ssrcs[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x52454C59u};
    static const uint8_t pts[4] = {0, 8, 96, 13};
    static uint8_t pl[255];
    rtp_packet_desc d;
    unsigned sel = u8(in);
    int step = (int8_t)u8(in);
    int n;
    memset(&d, 0, sizeof d);
    *seq = (uint16_t)(*seq + step);
    *ts += u16(in);
    d.seq = *seq;
    d.timestamp = *ts;
    d.ssrc = ssrcs[sel % 4];
    d.payload_type = pts[u8(in) % 4];
    d.payload = pl;
    d.payload_len = u8(in);
    memset(pl, 0xD5, sizeof pl);
    n = rtp_build(&d, out, 512, NULL);
    return n > 0 ? (size_t)n : 0;
}

static size_t build_rtcp(rd *in, unsigned op, uint8_t *out)
{
    static const uint32_t ssrcs[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0xAAAAAAAAu};
    rtcp_sender_info si = {0x0102030405060708ull, 0x1000, 5, 800};
    rtcp_report_block rb;
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    uint32_t me = ssrcs[u8(in) % 4];
    int n, k;
    memset(&rb, 0, sizeof rb);
    rb.ssrc = ssrcs[u8(in) % 4];
    rb.ext_highest_seq = u16(in);
    n = rtcp_report_build(me, (op & 16) ? &si : NULL, &rb, 1, out, 512, NULL);
    if (n < 0) return 0;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value.p = (const uint8_t *)"x@y";
    it.value.len = 3;
    ch.ssrc = me;
    ch.items = &it;
    ch.n_items = 1;
    k = rtcp_sdes_build(&ch, 1, out + n, 512 - (size_t)n, NULL);
    if (k < 0) return 0;
    n += k;
    if (op & 32) {
        rtp_span none = {NULL, 0};
        k = rtcp_bye_build(&me, 1, none, out + n, 512 - (size_t)n, NULL);
        if (k > 0) n += k;
    }
    return (size_t)n;
}

static void sdp_op(rd *in, unsigned op)
{
    static const char *addrs[4] = {"192.0.2.50", "0.0.0.0", "2001:db8::50", "host.invalid"};
    char body[512], out[1024];
    unsigned from = u8(in) % NL, to = u8(in) % NL, port = u16(in), ai = u8(in) % 4;
    int n, rc;
    n = snprintf(body, sizeof body,
                 "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
                 "m=audio %u RTP/AVP 0 8 96\r\na=rtpmap:96 opus/48000/2\r\n%s%s",
                 ai == 2 ? "IP6" : "IP4", addrs[ai], port, (op & 32) ? "a=rtcp-mux\r\n" : "",
                 (port & 1) ? "a=rtcp:9 IN IP4 192.0.2.51\r\n" : "");
    rc = media_relay_sdp_rewrite(F.r, F.sid, from, to, 0, (op & 16) ? MEDIA_RELAY_SDP_ANSWER : 0,
                                 body, (size_t)n, out, sizeof out, NULL);
    FUZZ_CHECK(rc < 0 || (size_t)rc <= sizeof out);
    if (rc > 0) {
        sdp_session s;
        sdp_attr at[32];
        sdp_media m[2];
        FUZZ_CHECK(sdp_parse(out, (size_t)rc, 0, &s, at, 32, m, 2, NULL) == 0);
        FUZZ_CHECK(s.n_media == 1);
    }
    if (rc > 0 && (op & 16)) {   /* answer: mux of both legs from a=rtcp-mux */
        F.l[from].mux = F.l[to].mux = (op & 32) != 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    media_relay_config cfg;
    media_relay_callbacks cb;
    rd in = {data, size};
    unsigned conf, i;
    uint64_t now = 1000000;
    uint16_t seq[NL] = {0};
    uint32_t ts[NL] = {0};
    uint8_t pkt[1024];
    if (size < 1) return 0;
    memset(&F, 0, sizeof F);
    F.from = NL;
    conf = u8(&in);
    memset(&cfg, 0, sizeof cfg);
    cfg.max_sessions = 2;
    cfg.max_legs = NL;
    cfg.local_addr = "203.0.113.5";
    cfg.mixer = (conf & 2) != 0;
    cfg.allow_relatch = (conf & 4) != 0;
    cfg.relatch_silence_us = (conf & 8) ? 1000000 : 0;
    cfg.max_packet = (conf & 16) ? 64 : 0;
    cfg.inactivity_us = (conf & 32) ? 5000000 : 0;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.alloc_port = f_alloc;
    cb.send = f_send;
    cb.on_event = f_event;
    cb.record = f_record;
    cb.rand = (conf & 64) ? f_rand : NULL;
    cb.mos = f_mos;
    FUZZ_CHECK(media_relay_mem_size(&cfg) <= sizeof mem);
    FUZZ_CHECK(media_relay_init(mem, sizeof mem, &cfg, &cb, NULL, &F.r) == 0);
    F.mix = (conf & 2) != 0;
    FUZZ_CHECK(media_relay_session_create(F.r, (conf & 1) ? 3 : 2, F.mix ? MEDIA_RELAY_SESSION_MIX : 0,
                                          now, &F.sid) == 0);
    for (i = 0; i < NL; i++) {   /* every leg starts with a destination */
        media_relay_addr a = src_addr(i);
        media_relay_leg_set_remote(F.r, F.sid, i, MEDIA_RELAY_RTP, &a);
        a.port++;
        media_relay_leg_set_remote(F.r, F.sid, i, MEDIA_RELAY_RTCP, &a);
    }
    while (in.n > 0) {
        unsigned op = u8(&in), leg;
        media_relay_addr a;
        size_t n;
        now += (uint64_t)u16(&in) * 1000u;
        switch (op % 8) {
        case 0:
            leg = u8(&in) % NL;
            a = src_addr(u8(&in));
            n = build_rtp(&in, pkt, &seq[leg], &ts[leg]);
            if (n) feed(leg, (op >> 4) & 1, &a, pkt, n, now);
            break;
        case 1:
            leg = u8(&in) % NL;
            a = src_addr(u8(&in));
            n = build_rtcp(&in, op, pkt);
            if (n) feed(leg, (op >> 6) & 1, &a, pkt, n, now);
            break;
        case 2: {
            unsigned sock;
            leg = u8(&in) % NL;
            sock = u8(&in) & 1;
            a = src_addr(u8(&in));
            n = u8(&in);
            if (n > in.n) n = in.n;
            memcpy(pkt, in.p, n);
            in.p += n, in.n -= n;
            feed(leg, sock, &a, pkt, n, now);
            break;
        }
        case 3: {
            uint64_t d = media_relay_next_deadline(F.r);
            int rc;
            if (d != UINT64_MAX && d > now && d - now <= 1000000) now = d;
            rc = media_relay_on_timeout(F.r, now);
            FUZZ_CHECK(rc >= 0);
            FUZZ_CHECK(media_relay_next_deadline(F.r) > now);
            break;
        }
        case 4:
            sdp_op(&in, op);
            break;
        case 5: {
            unsigned l = u8(&in) % NL, p = u8(&in);
            int rc = media_relay_leg_set_peer(F.r, F.sid, l, p == 0xFF ? MEDIA_RELAY_NO_LEG : p % NL);
            FUZZ_CHECK(rc == 0 || rc == MEDIA_RELAY_ERR_INVALID || rc == MEDIA_RELAY_ERR_STALE);
            break;
        }
        case 6:
            if (op & 16) {
                int rc = media_relay_leg_add(F.r, F.sid, now);
                if (rc >= 0) {
                    FUZZ_CHECK(rc < NL);
                    memset(&F.l[rc], 0, sizeof F.l[rc]);
                    a = src_addr((unsigned)rc);
                    media_relay_leg_set_remote(F.r, F.sid, (unsigned)rc, MEDIA_RELAY_RTP, &a);
                }
            } else {
                media_relay_leg_remove(F.r, F.sid, u8(&in) % NL);
            }
            break;
        default:
            check_counters();
            break;
        }
    }
    check_counters();
    media_relay_destroy(F.r);
    return 0;
}
