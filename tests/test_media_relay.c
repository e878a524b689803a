/* media_relay.h: SDP rewriting, latching (RFC 4961), forwarding with and
 * without rtcp-mux (RFC 5761), SSRC/seq/ts continuity (RFC 3550 §5.1),
 * RTCP rewriting (§6.4), inactivity, recording, G.711 N-1 mixing, limits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "rtp.h"
#include "sdp.h"
#include "media_relay.h"

/* ---- harness: everything the callbacks saw ------------------------------ */

#define MAXSENT 64
typedef struct sent {
    media_relay_sid sid;
    unsigned leg, sock;
    media_relay_addr dst;
    uint8_t b[512];
    size_t len;
} sent;

typedef struct rec {
    unsigned from, to, kind;
    size_t len;
    uint8_t b[512];
} rec;

static struct {
    sent s[MAXSENT];
    unsigned n;
    rec r[MAXSENT];
    unsigned nrec;
    media_relay_event ev[32];
    media_relay_addr ev_addr[32];
    unsigned nev;
    unsigned released, alloc_calls, fail_alloc_at, rtcp_gap;
    int fail_send, reenter;
    media_relay *relay;
    int reenter_rc;
} H;

static int cb_alloc(void *u, media_relay_sid sid, unsigned leg, uint16_t *rtp, uint16_t *rtcp)
{
    (void)u;
    H.alloc_calls++;
    if (H.fail_alloc_at && H.alloc_calls == H.fail_alloc_at) return -1;
    *rtp = (uint16_t)(30000 + 100 * sid.index + 2 * leg);
    *rtcp = (uint16_t)(*rtp + (H.rtcp_gap ? H.rtcp_gap : 1));
    return 0;
}

static void cb_release(void *u, media_relay_sid sid, unsigned leg, uint16_t rtp, uint16_t rtcp)
{
    (void)u, (void)sid, (void)leg, (void)rtp, (void)rtcp;
    H.released++;
}

static int cb_send(void *u, media_relay_sid sid, unsigned leg, unsigned sock,
                   const media_relay_addr *dst, const uint8_t *pkt, size_t len)
{
    sent *s;
    (void)u;
    if (H.reenter) {
        media_relay_sid x = sid;
        H.reenter_rc = media_relay_session_destroy(H.relay, x);
    }
    if (H.fail_send) return -1;
    cr_assert_lt(H.n, MAXSENT);
    cr_assert_leq(len, sizeof s->b);
    s = &H.s[H.n++];
    s->sid = sid;
    s->leg = leg;
    s->sock = sock;
    s->dst = *dst;
    memcpy(s->b, pkt, len);
    s->len = len;
    return 0;
}

static void cb_event(void *u, media_relay_sid sid, const media_relay_event *ev)
{
    (void)u, (void)sid;
    cr_assert_lt(H.nev, 32u);
    H.ev[H.nev] = *ev;
    if (ev->addr) H.ev_addr[H.nev] = *ev->addr;
    H.nev++;
}

static void cb_record(void *u, media_relay_sid sid, unsigned from, unsigned to, unsigned kind,
                      const uint8_t *pkt, size_t len, uint64_t now_us)
{
    rec *r;
    (void)u, (void)sid, (void)now_us;
    cr_assert_lt(H.nrec, MAXSENT);
    r = &H.r[H.nrec++];
    r->from = from;
    r->to = to;
    r->kind = kind;
    r->len = len;
    memcpy(r->b, pkt, len);
}

static int cb_mos(void *u, media_relay_sid sid, unsigned leg, const media_relay_stats *st)
{
    (void)u, (void)sid;
    return st->rtp_in ? 400 + (int)leg : 0;
}

static media_relay_callbacks CB = {
    sizeof(media_relay_callbacks), cb_alloc, cb_release, cb_send, cb_event, cb_record, NULL, cb_mos
};

static uint64_t MEM[1 << 17];

static media_relay *mk(media_relay_config *cfg)
{
    media_relay *r = NULL;
    size_t n;
    memset(&H, 0, sizeof H);
    if (!cfg->local_addr) cfg->local_addr = "203.0.113.5";
    n = media_relay_mem_size(cfg);
    cr_assert_gt(n, 0u);
    cr_assert_leq(n, sizeof MEM);
    cr_assert_eq(media_relay_init(MEM, sizeof MEM, cfg, &CB, NULL, &r), 0);
    H.relay = r;
    return r;
}

static media_relay_addr A(const char *ip, uint16_t port)
{
    media_relay_addr a;
    cr_assert_eq(media_relay_addr_parse(ip, strlen(ip), port, &a), 0, "%s", ip);
    return a;
}

static size_t rtp(uint8_t *out, uint8_t pt, int m, uint16_t seq, uint32_t ts, uint32_t ssrc,
                  const uint8_t *pl, size_t pl_len)
{
    rtp_packet_desc d;
    int n;
    memset(&d, 0, sizeof d);
    d.payload_type = pt;
    d.marker = (uint8_t)m;
    d.seq = seq;
    d.timestamp = ts;
    d.ssrc = ssrc;
    d.payload = pl;
    d.payload_len = pl_len;
    n = rtp_build(&d, out, 1500, NULL);
    cr_assert_gt(n, 0);
    return (size_t)n;
}

static const uint8_t PL[4] = {0xde, 0xad, 0xbe, 0xef};

static int addr_eq(media_relay_addr a, media_relay_addr b) { return media_relay_addr_eq(&a, &b); }
#define ADDR_EQ(a, b) cr_assert(addr_eq((a), (b)), "address differs")

/* ---- addresses ---------------------------------------------------------- */

/* RFC 4291 §2.2 text forms. */
Test(media_relay, addr_parse_rfc4291_2_2)
{
    media_relay_addr a;
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    cr_assert_eq(media_relay_addr_parse("192.0.2.1", 9, 5, &a), 0);
    cr_assert_eq(a.family, MEDIA_RELAY_AF_IPV4);
    cr_assert_eq(a.ip[0], 192); cr_assert_eq(a.ip[3], 1); cr_assert_eq(a.port, 5);
    cr_assert_eq(media_relay_addr_parse("2001:db8::2", 11, 0, &a), 0);
    cr_assert_eq(memcmp(a.ip, v6, 16), 0);
    cr_assert_eq(media_relay_addr_parse("2001:db8:0:0:0:0:0:2", 20, 0, &a), 0);
    cr_assert_eq(memcmp(a.ip, v6, 16), 0);
    cr_assert_eq(media_relay_addr_parse("::ffff:192.0.2.1", 16, 0, &a), 0);
    cr_assert_eq(memcmp(a.ip, mapped, 16), 0);
    cr_assert_eq(media_relay_addr_parse("::", 2, 0, &a), 0);
    cr_assert_eq(a.family, MEDIA_RELAY_AF_IPV6);
    cr_assert_eq(media_relay_addr_parse("256.0.0.1", 9, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("1.2.3", 5, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("01.2.3.4", 8, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("1::2::3", 7, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("1:2:3:4:5:6:7:8:9", 17, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("1:2:3:4:5:6:7::8", 16, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("host.example", 12, 0, &a), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_addr_parse("1:", 2, 0, &a), MEDIA_RELAY_ERR_INVALID);
}

/* ---- SDP ---------------------------------------------------------------- */

static const char OFFER[] =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.168.1.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=rtcp:49171 IN IP4 192.168.1.10\r\n"
    "a=rtcp-mux\r\n"
    "a=sendrecv\r\n";

static const char ANSWER[] =
    "v=0\r\n"
    "o=bob 1 1 IN IP6 2001:db8::2\r\n"
    "s=-\r\n"
    "c=IN IP6 2001:db8::2\r\n"
    "t=0 0\r\n"
    "m=audio 5004 RTP/AVP 0 101\r\n"
    "a=rtcp:5005\r\n"
    "a=rtcp-mux\r\n"
    "a=ptime:20\r\n";

/* RFC 3264 offer through the relay: c= and m= to the relay address and leg
 * B's ports, a=rtcp (RFC 3605 §2.1) to B's RTCP port, the rest unchanged;
 * the offerer's address is remembered as leg A's destination. */
Test(media_relay, sdp_offer_rewrite_exact_rfc3264_rfc3605)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    media_relay_stats st;
    char out[1024];
    size_t need = 0;
    static const char want[] =
        "v=0\r\n"
        "o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
        "s=-\r\n"
        "c=IN IP4 203.0.113.5\r\n"
        "t=0 0\r\n"
        "m=audio 30002 RTP/AVP 0 8 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\n"
        "a=rtcp:30003 IN IP4 203.0.113.5\r\n"
        "a=rtcp-mux\r\n"
        "a=sendrecv\r\n";
    int n;
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    n = media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, &need);
    cr_assert_eq(n, (int)(sizeof want - 1), "%d", n);
    cr_assert_eq(memcmp(out, want, (size_t)n), 0, "%.*s", n, out);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    ADDR_EQ(st.dest[0], A("192.168.1.10", 49170));
    ADDR_EQ(st.dest[1], A("192.168.1.10", 49171));
    cr_assert_eq(st.latched[0], 0);
    /* measuring, and a buffer one byte short */
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, NULL, 0, &need),
                 MEDIA_RELAY_ERR_NOSPACE);
    cr_assert_eq(need, sizeof want - 1);
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, out, need - 1, &need),
                 MEDIA_RELAY_ERR_NOSPACE);
    /* errors: no such m= section, not SDP, same leg */
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 0, 1, 1, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL),
                 MEDIA_RELAY_ERR_SDP);
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, "hello", 5, out, sizeof out, NULL),
                 MEDIA_RELAY_ERR_SDP);
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 1, 1, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL),
                 MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_sdp_rewrite(r, sid, 0, 7, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL),
                 MEDIA_RELAY_ERR_STALE);
}

/* RFC 5761 §5.1.3: an answer accepting rtcp-mux has no separate RTCP port,
 * so a=rtcp is removed; IPv6 in, IPv4 out; both legs now multiplex. */
Test(media_relay, sdp_answer_rewrite_exact_rfc5761_5_1)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    media_relay_stats st;
    char out[1024];
    static const char want[] =
        "v=0\r\n"
        "o=bob 1 1 IN IP6 2001:db8::2\r\n"
        "s=-\r\n"
        "c=IN IP4 203.0.113.5\r\n"
        "t=0 0\r\n"
        "m=audio 30000 RTP/AVP 0 101\r\n"
        "a=rtcp-mux\r\n"
        "a=ptime:20\r\n";
    int n;
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_gt(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL), 0);
    n = media_relay_sdp_rewrite(r, sid, 1, 0, 0, MEDIA_RELAY_SDP_ANSWER, ANSWER, sizeof ANSWER - 1,
                                out, sizeof out, NULL);
    cr_assert_eq(n, (int)(sizeof want - 1), "%d %.*s", n, n > 0 ? n : 0, out);
    cr_assert_eq(memcmp(out, want, (size_t)n), 0, "%.*s", n, out);
    cr_assert_eq(media_relay_leg_stats(r, sid, 1, &st), 0);
    ADDR_EQ(st.dest[0], A("2001:db8::2", 5004));
    ADDR_EQ(st.dest[1], A("2001:db8::2", 5005));
}

/* RFC 3605 §2.1: when the allocated RTCP port is not RTP + 1 and the body
 * had no a=rtcp, one is added; other sections can be rejected (port 0). */
Test(media_relay, sdp_rtcp_added_and_others_rejected_rfc3605_2_1)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    char out[1024];
    static const char in[] =
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.0.0.1\r\na=sendrecv\r\n"
        "m=video 4002 RTP/AVP 96\r\nc=IN IP4 10.0.0.1\r\na=rtpmap:96 H264/90000\r\n";
    static const char want[] =
        "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=audio 30002 RTP/AVP 0\r\nc=IN IP4 203.0.113.5\r\na=sendrecv\r\na=rtcp:30012\r\n"
        "m=video 0 RTP/AVP 96\r\nc=IN IP4 10.0.0.1\r\na=rtpmap:96 H264/90000\r\n";
    int n;
    H.rtcp_gap = 10;
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    n = media_relay_sdp_rewrite(r, sid, 0, 1, 0, MEDIA_RELAY_SDP_REJECT_OTHERS, in, sizeof in - 1,
                                out, sizeof out, NULL);
    cr_assert_eq(n, (int)(sizeof want - 1), "%d %.*s", n, n > 0 ? n : 0, out);
    cr_assert_eq(memcmp(out, want, (size_t)n), 0, "%.*s", n, out);
}

/* ---- latching ----------------------------------------------------------- */

/* RFC 4961 §4 (symmetric RTP): the advertised address (behind a NAT) is
 * replaced by the real source of the first packet; a third party is then
 * dropped and counted. */
Test(media_relay, latching_rfc4961_4)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    media_relay_stats st;
    uint8_t p[64];
    size_t n;
    char out[1024];
    media_relay_addr nat = A("198.51.100.7", 6000), evil = A("203.0.113.99", 7000);
    media_relay_addr b = A("192.0.2.20", 8000);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_gt(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    n = rtp(p, 0, 0, 1, 160, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &nat, p, n, 1000), 1);
    cr_assert_eq(H.nev, 1u);
    cr_assert_eq(H.ev[0].kind, MEDIA_RELAY_EV_LATCHED);
    cr_assert_eq(H.ev[0].leg, 0u);
    ADDR_EQ(H.ev_addr[0], nat);
    /* B answers: it goes to the NAT address, not the advertised one */
    n = rtp(p, 0, 0, 50, 8000, 0xBBBB, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, p, n, 2000), 1);
    cr_assert_eq(H.n, 2u);
    cr_assert_eq(H.s[1].leg, 0u);
    cr_assert_eq(H.s[1].sock, (unsigned)MEDIA_RELAY_RTP);
    ADDR_EQ(H.s[1].dst, nat);
    /* a third party on A's port */
    n = rtp(p, 0, 0, 2, 320, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &evil, p, n, 3000),
                 MEDIA_RELAY_ERR_FOREIGN);
    cr_assert_eq(H.n, 2u);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.dropped_foreign, 1u);
    cr_assert_eq(st.rtp_in, 1u);
    cr_assert_eq(st.latched[0], 1);
    ADDR_EQ(st.dest[0], nat);
    /* a re-offer with the same address keeps the latch */
    cr_assert_gt(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, OFFER, sizeof OFFER - 1, out, sizeof out, NULL), 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.latched[0], 1);
    ADDR_EQ(st.dest[0], nat);
}

/* RFC 4961 §4 with re-latching after silence: the latched source silent
 * for relatch_silence_us lets a new source take over. */
Test(media_relay, relatch_after_silence_rfc4961)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid sid;
    media_relay_stats st;
    uint8_t p[64];
    size_t n;
    media_relay_addr a1 = A("198.51.100.7", 6000), a2 = A("198.51.100.8", 6002);
    cfg.relatch_silence_us = 2000000;
    r = mk(&cfg);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    n = rtp(p, 0, 0, 1, 160, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a1, p, n, 1000000), 0);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a2, p, n, 2999999),
                 MEDIA_RELAY_ERR_FOREIGN);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a2, p, n, 3000000), 0);
    cr_assert_eq(H.nev, 2u);
    cr_assert_eq(H.ev[1].kind, MEDIA_RELAY_EV_RELATCHED);
    ADDR_EQ(H.ev_addr[1], a2);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a1, p, n, 3000001),
                 MEDIA_RELAY_ERR_FOREIGN);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.relatches, 1u);
    cr_assert_eq(st.dropped_foreign, 2u);
    ADDR_EQ(st.dest[0], a2);
}

/* allow_relatch: every new source is followed at once. */
Test(media_relay, allow_relatch_follows_rfc4961)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid sid;
    uint8_t p[64];
    size_t n;
    media_relay_addr a1 = A("198.51.100.7", 6000), a2 = A("198.51.100.8", 6002);
    cfg.allow_relatch = 1;
    r = mk(&cfg);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    n = rtp(p, 0, 0, 1, 160, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a1, p, n, 10), 0);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a2, p, n, 20), 0);
    cr_assert_eq(H.ev[1].kind, MEDIA_RELAY_EV_RELATCHED);
}

/* ---- forwarding --------------------------------------------------------- */

static const uint8_t RR_A[] = {  /* RR from 0xAAAA, one block about 0x1111; SDES CNAME "abc" */
    0x81, 0xC9, 0x00, 0x07, 0x00, 0x00, 0xAA, 0xAA,
    0x00, 0x00, 0x11, 0x11, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0xEB,
    0x00, 0x00, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,
    0x81, 0xCA, 0x00, 0x03, 0x00, 0x00, 0xAA, 0xAA, 0x01, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00
};

/* Without rtcp-mux: RTP to the peer's RTP socket and destination, RTCP to
 * its RTCP socket and destination (RFC 3550 §11: RTCP on its own port);
 * both directions; unchanged bytes for one source per direction. */
Test(media_relay, forward_without_mux_rfc3550_11)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    media_relay_stats st;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000), ac = A("192.0.2.1", 4001);
    media_relay_addr b = A("192.0.2.2", 5000), bc = A("192.0.2.2", 5001);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 0, MEDIA_RELAY_RTP, &a), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 0, MEDIA_RELAY_RTCP, &ac), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTCP, &bc), 0);
    n = rtp(p, 0, 1, 100, 16000, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 0), 1);
    cr_assert_eq(H.s[0].leg, 1u); cr_assert_eq(H.s[0].sock, (unsigned)MEDIA_RELAY_RTP);
    ADDR_EQ(H.s[0].dst, b);
    cr_assert_eq(H.s[0].len, n);
    cr_assert_eq(memcmp(H.s[0].b, p, n), 0);
    n = rtp(p, 8, 0, 7, 99, 0xBBBB, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, p, n, 10), 1);
    cr_assert_eq(H.s[1].leg, 0u);
    ADDR_EQ(H.s[1].dst, a);
    cr_assert_eq(memcmp(H.s[1].b, p, n), 0);
    /* RTCP from A's RTCP socket leaves B's RTCP socket */
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTCP, &ac, RR_A, sizeof RR_A, 20), 1);
    cr_assert_eq(H.s[2].leg, 1u); cr_assert_eq(H.s[2].sock, (unsigned)MEDIA_RELAY_RTCP);
    ADDR_EQ(H.s[2].dst, bc);
    cr_assert_eq(H.s[2].len, sizeof RR_A);
    /* RTP on the RTCP socket, STUN on the RTP socket: dropped */
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTCP, &ac, p, n, 30), MEDIA_RELAY_ERR_PACKET);
    {
        static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
        cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, stun, 20, 30), MEDIA_RELAY_ERR_PACKET);
    }
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.rtp_in, 1u); cr_assert_eq(st.rtcp_in, 1u);
    cr_assert_eq(st.rtp_out, 1u);
    cr_assert_eq(st.dropped_invalid, 2u);
    cr_assert_eq(st.mos_x100, 400);
    cr_assert_eq(media_relay_leg_stats(r, sid, 1, &st), 0);
    cr_assert_eq(st.rtp_out, 1u); cr_assert_eq(st.rtcp_out, 1u);
    cr_assert_eq(st.bytes_out, n + sizeof RR_A);
    cr_assert_eq(st.have_source, 1);
    cr_assert_eq(st.ssrc, 0xBBBBu);
    cr_assert_eq(st.src_packets, 0u);   /* RFC 3550 A.1: first packet on probation */
    n = rtp(p, 8, 0, 8, 259, 0xBBBB, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, p, n, 30), 1);
    cr_assert_eq(media_relay_leg_stats(r, sid, 1, &st), 0);
    cr_assert_eq(st.src_packets, 1u, "%llu", (unsigned long long)st.src_packets);
    cr_assert_eq(st.src.ext_highest_seq, 8u);
    cr_assert_eq(st.src_clock_rate, 8000u);
}

/* RFC 5761 §4: on a multiplexed port RTCP (PT 200..204 in the second byte)
 * is told from RTP; toward a muxed leg RTCP leaves the RTP socket for the
 * RTP destination. */
Test(media_relay, forward_with_mux_rfc5761_4)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000), b = A("192.0.2.2", 5000);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    cr_assert_eq(media_relay_leg_set_mux(r, sid, 0, 1), 0);
    cr_assert_eq(media_relay_leg_set_mux(r, sid, 1, 1), 0);
    n = rtp(p, 0, 0, 1, 0, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 0), 1);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, RR_A, sizeof RR_A, 5), 1);
    cr_assert_eq(H.n, 2u);
    cr_assert_eq(H.s[1].sock, (unsigned)MEDIA_RELAY_RTP);
    ADDR_EQ(H.s[1].dst, b);
    cr_assert_eq(H.s[1].b[1], 0xC9);
    /* back: B's RTCP on its RTP socket goes to A's latched RTP address */
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, RR_A, sizeof RR_A, 6), 1);
    cr_assert_eq(H.s[2].leg, 0u);
    cr_assert_eq(H.s[2].sock, (unsigned)MEDIA_RELAY_RTP);
    ADDR_EQ(H.s[2].dst, a);
    /* a malformed compound (length word too long) is dropped */
    {
        uint8_t bad[sizeof RR_A];
        memcpy(bad, RR_A, sizeof bad);
        bad[3] = 0x09;
        cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, bad, sizeof bad, 7),
                     MEDIA_RELAY_ERR_PACKET);
    }
}

/* ---- continuity (RFC 3550 §5.1) and RTCP (§6.4) -------------------------- */

static media_relay *fork_setup(media_relay_sid *sid)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_addr a = A("192.0.2.1", 4000), a_c = A("192.0.2.1", 4001);
    media_relay_addr b1 = A("192.0.2.11", 5000), b2 = A("192.0.2.12", 6000);
    media_relay_addr b2c = A("192.0.2.12", 6001);
    cfg.max_legs = 3;
    r = mk(&cfg);
    cr_assert_eq(media_relay_session_create(r, 3, 0, 0, sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, *sid, 0, MEDIA_RELAY_RTP, &a), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, *sid, 0, MEDIA_RELAY_RTCP, &a_c), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, *sid, 1, MEDIA_RELAY_RTP, &b1), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, *sid, 2, MEDIA_RELAY_RTP, &b2), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, *sid, 2, MEDIA_RELAY_RTCP, &b2c), 0);
    return r;
}

/* RFC 3550 §5.1 / §8: early media from fork B1 (leg 1), then the answer
 * from B2 (leg 2) with another SSRC, sequence and timestamp base: toward A
 * the stream keeps SSRC 0x1111, seq continues +1, the timestamp advances by
 * the 80 ms arrival gap at 8 kHz (640), marker set on the switch. */
Test(media_relay, continuity_across_source_change_rfc3550_5_1)
{
    media_relay_sid sid;
    media_relay *r = fork_setup(&sid);
    media_relay_stats st;
    uint8_t p[64];
    size_t n;
    media_relay_addr b1 = A("192.0.2.11", 5000), b2 = A("192.0.2.12", 6000);
    static const uint8_t want_switch[16] = {
        0x80, 0x80, 0x03, 0xEA, 0x00, 0x00, 0x16, 0xA8, 0x00, 0x00, 0x11, 0x11,
        0xde, 0xad, 0xbe, 0xef};   /* M, PT 0, seq 1002, ts 5800, SSRC 0x1111 */
    static const uint8_t want_next[16] = {
        0x80, 0x00, 0x03, 0xEB, 0x00, 0x00, 0x17, 0x48, 0x00, 0x00, 0x11, 0x11,
        0xde, 0xad, 0xbe, 0xef};   /* seq 1003, ts 5960 */
    n = rtp(p, 0, 0, 1000, 5000, 0x1111, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b1, p, n, 0), 1);
    n = rtp(p, 0, 0, 1001, 5160, 0x1111, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b1, p, n, 20000), 1);
    cr_assert_eq(memcmp(H.s[1].b, p, n), 0);           /* unchanged so far */
    n = rtp(p, 0, 0, 7, 90000, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 100000), 1);
    cr_assert_eq(H.s[2].leg, 0u);
    cr_assert_eq(H.s[2].len, 16u);
    cr_assert_eq(memcmp(H.s[2].b, want_switch, 16), 0);
    n = rtp(p, 0, 0, 8, 90160, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 120000), 1);
    cr_assert_eq(memcmp(H.s[3].b, want_next, 16), 0);
    /* a reordered older packet of B2 maps with the same offsets */
    n = rtp(p, 0, 0, 6, 89840, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 125000), 1);
    cr_assert_eq(H.s[4].b[2], 0x03); cr_assert_eq(H.s[4].b[3], 0xE9);   /* 1001 */
    /* events: LATCHED (leg 1), LATCHED (leg 2), SOURCE_CHANGE toward leg 0 */
    cr_assert_eq(H.nev, 3u);
    cr_assert_eq(H.ev[0].kind, MEDIA_RELAY_EV_LATCHED);
    cr_assert_eq(H.ev[2].kind, MEDIA_RELAY_EV_SOURCE_CHANGE);
    cr_assert_eq(H.ev[2].leg, 0u);
    cr_assert_eq(H.ev[2].old_ssrc, 0x1111u);
    cr_assert_eq(H.ev[2].new_ssrc, 0x2222u);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.source_changes, 1u);
    cr_assert_eq(st.rtp_out, 5u);
}

/* RFC 5761 §4 (fuzz finding media_relay-1): PT 64..95 with the marker bit
 * reads as RTCP on a multiplexed port, so a source change does not set the
 * marker there; the stream still continues (seq + 1). */
Test(media_relay, no_marker_for_pt_64_95_rfc5761_4)
{
    media_relay_sid sid;
    media_relay *r = fork_setup(&sid);
    uint8_t p[64];
    size_t n;
    media_relay_addr b1 = A("192.0.2.11", 5000), b2 = A("192.0.2.12", 6000);
    n = rtp(p, 72, 0, 1000, 5000, 0x1111, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b1, p, n, 0), 1);
    n = rtp(p, 72, 0, 7, 90000, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 20000), 1);
    cr_assert_eq(H.s[1].b[1], 72);
    cr_assert_eq(rtp_demux(H.s[1].b, H.s[1].len), RTP_DEMUX_RTP);
    cr_assert_eq(H.s[1].b[3], 0xE9);   /* seq 1001 */
}

/* RFC 3550 §6.4.1/§6.4.2 after the switch: A's RR about 0x1111 reaches B2
 * as a report about 0x2222 with the extended highest sequence number in
 * B2's numbering (1003 - 995 = 8); B2's SR reaches A with sender SSRC
 * 0x1111 and its RTP timestamp shifted like the media (90320 -> 6120), its
 * SDES chunk SSRC too. */
Test(media_relay, rtcp_rewrite_rfc3550_6_4)
{
    media_relay_sid sid;
    media_relay *r = fork_setup(&sid);
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000), a_c = A("192.0.2.1", 4001);
    media_relay_addr b1 = A("192.0.2.11", 5000), b2 = A("192.0.2.12", 6000);
    media_relay_addr b2c = A("192.0.2.12", 6001);
    uint8_t want[sizeof RR_A];
    static const uint8_t sr_b2[] = {   /* SR 0x2222, 1 block about 0xAAAA; SDES "b2" */
        0x81, 0xC8, 0x00, 0x0C, 0x00, 0x00, 0x22, 0x22,
        0xE0, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,   /* NTP */
        0x00, 0x01, 0x60, 0xD0,                           /* RTP ts 90320 */
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x14,   /* 5 packets, 20 octets */
        0x00, 0x00, 0xAA, 0xAA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x81, 0xCA, 0x00, 0x03, 0x00, 0x00, 0x22, 0x22, 0x01, 0x02, 'b', '2', 0x00, 0x00, 0x00, 0x00
    };
    uint8_t want_sr[sizeof sr_b2];
    n = rtp(p, 0, 0, 1000, 5000, 0x1111, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b1, p, n, 0), 1);
    n = rtp(p, 0, 0, 1001, 5160, 0x1111, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b1, p, n, 20000), 1);
    n = rtp(p, 0, 0, 7, 90000, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 100000), 1);
    n = rtp(p, 0, 0, 8, 90160, 0x2222, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &b2, p, n, 120000), 1);
    /* the application connects A to the answering fork */
    cr_assert_eq(media_relay_leg_set_peer(r, sid, 0, 2), 0);
    n = rtp(p, 0, 0, 5, 800, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 130000), 1);
    cr_assert_eq(H.s[4].leg, 2u);
    /* A's RR toward B2 */
    memcpy(want, RR_A, sizeof want);
    want[10] = 0x22; want[11] = 0x22;                 /* block SSRC 0x2222 */
    want[16] = 0; want[17] = 0; want[18] = 0; want[19] = 8; /* ext highest seq 8 */
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTCP, &a_c, RR_A, sizeof RR_A, 140000), 1);
    cr_assert_eq(H.s[5].leg, 2u);
    cr_assert_eq(H.s[5].sock, (unsigned)MEDIA_RELAY_RTCP);
    ADDR_EQ(H.s[5].dst, b2c);
    cr_assert_eq(H.s[5].len, sizeof want);
    cr_assert_eq(memcmp(H.s[5].b, want, sizeof want), 0);
    /* B2's SR toward A */
    memcpy(want_sr, sr_b2, sizeof want_sr);
    want_sr[6] = 0x11; want_sr[7] = 0x11;             /* sender SSRC 0x1111 */
    want_sr[16] = 0x00; want_sr[17] = 0x00; want_sr[18] = 0x17; want_sr[19] = 0xE8; /* 6120 */
    want_sr[58] = 0x11; want_sr[59] = 0x11;           /* SDES chunk */
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTCP, &b2c, sr_b2, sizeof sr_b2, 150000), 1);
    cr_assert_eq(H.s[6].leg, 0u);
    ADDR_EQ(H.s[6].dst, a_c);
    cr_assert_eq(H.s[6].len, sizeof want_sr);
    cr_assert_eq(memcmp(H.s[6].b, want_sr, sizeof want_sr), 0);
    /* the rewritten compound is still valid RTCP (RFC 3550 A.2) */
    cr_assert_eq(rtcp_compound_check(H.s[6].b, H.s[6].len, 0), 2);
}

/* ---- timers and hooks ----------------------------------------------------- */

/* Inactivity: no packet on any leg for inactivity_us: one event, re-armed
 * by the next packet. */
Test(media_relay, inactivity_timeout)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid sid;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000);
    cfg.inactivity_us = 30000000;
    r = mk(&cfg);
    cr_assert_eq(media_relay_next_deadline(r), UINT64_MAX);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 1000, &sid), 0);
    cr_assert_eq(media_relay_next_deadline(r), 30001000u);
    n = rtp(p, 0, 0, 1, 0, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 10000000), 0);
    cr_assert_eq(media_relay_next_deadline(r), 40000000u);
    cr_assert_eq(H.nev, 1u);   /* LATCHED */
    cr_assert_eq(media_relay_on_timeout(r, 39999999), 0);
    cr_assert_eq(H.nev, 1u);
    cr_assert_eq(media_relay_on_timeout(r, 40000000), 0);
    cr_assert_eq(H.nev, 2u);
    cr_assert_eq(H.ev[1].kind, MEDIA_RELAY_EV_INACTIVE);
    cr_assert_eq(H.ev[1].leg, MEDIA_RELAY_NO_LEG);
    cr_assert_eq(media_relay_next_deadline(r), UINT64_MAX);
    cr_assert_eq(media_relay_on_timeout(r, 50000000), 0);
    cr_assert_eq(H.nev, 2u);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 60000000), 0);
    cr_assert_eq(media_relay_next_deadline(r), 90000000u);
}

/* Recording hook: every forwarded packet, both directions, with its legs,
 * kind and the bytes as sent. */
Test(media_relay, record_hook_both_directions)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000), b = A("192.0.2.2", 5000), bc = A("192.0.2.2", 5001);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTCP, &bc), 0);
    n = rtp(p, 0, 0, 1, 0, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 0), 1);
    n = rtp(p, 0, 0, 9, 0, 0xBBBB, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, p, n, 1), 1);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, RR_A, sizeof RR_A, 2), 1);
    cr_assert_eq(H.nrec, 3u);
    cr_assert_eq(H.r[0].from, 0u); cr_assert_eq(H.r[0].to, 1u); cr_assert_eq(H.r[0].kind, (unsigned)MEDIA_RELAY_RTP);
    cr_assert_eq(H.r[1].from, 1u); cr_assert_eq(H.r[1].to, 0u);
    cr_assert_eq(memcmp(H.r[1].b, p, n), 0);
    cr_assert_eq(H.r[2].kind, (unsigned)MEDIA_RELAY_RTCP);
    cr_assert_eq(H.r[2].len, sizeof RR_A);
    /* a failed send is counted and not recorded */
    H.fail_send = 1;
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &b, p, n, 3), MEDIA_RELAY_ERR_CALLBACK);
    cr_assert_eq(H.nrec, 3u);
}

/* ---- mixer ---------------------------------------------------------------- */

static void frame(uint8_t *out, uint8_t code) { memset(out, code, 160); }

/* 3-party G.711 conference: each leg hears the saturated sum of the other
 * two (N-1 mix), encoded in its own law (PT 0 µ-law, PT 8 A-law, ITU-T
 * G.711), one frame per 20 ms tick. */
Test(media_relay, mix_three_party_g711)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid sid;
    uint8_t f[160], p[256];
    size_t n;
    unsigned i, k;
    media_relay_addr ad[3];
    int16_t v0 = rtp_ulaw_decode(0x9F), v1 = rtp_ulaw_decode(0x8F), v2 = rtp_alaw_decode(0xAA);
    cfg.mixer = 1;
    cfg.max_legs = 3;
    r = mk(&cfg);
    cr_assert_eq(v0, 8316); cr_assert_eq(v1, 16764); cr_assert_eq(v2, 32256);
    cr_assert_eq(media_relay_session_create(r, 3, MEDIA_RELAY_SESSION_MIX, 0, &sid), 0);
    cr_assert_eq(media_relay_next_deadline(r), 20000u);
    ad[0] = A("192.0.2.1", 4000); ad[1] = A("192.0.2.2", 4000); ad[2] = A("192.0.2.3", 4000);
    frame(f, 0x9F); n = rtp(p, 0, 1, 10, 0, 0x1000, f, 160);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &ad[0], p, n, 5000), 0);
    frame(f, 0x8F); n = rtp(p, 0, 1, 20, 0, 0x2000, f, 160);
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTP, &ad[1], p, n, 6000), 0);
    frame(f, 0xAA); n = rtp(p, 8, 1, 30, 0, 0x3000, f, 160);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &ad[2], p, n, 7000), 0);
    cr_assert_eq(H.n, 0u);
    cr_assert_eq(media_relay_on_timeout(r, 20000), 3);
    cr_assert_eq(H.n, 3u);
    for (i = 0; i < 3; i++) {
        rtp_header h;
        int32_t want = (i == 0 ? v1 + v2 : i == 1 ? v0 + v2 : v0 + v1);
        uint8_t code;
        if (want > 32767) want = 32767;
        code = i == 2 ? rtp_alaw_encode((int16_t)want) : rtp_ulaw_encode((int16_t)want);
        cr_assert_eq(H.s[i].leg, i);
        ADDR_EQ(H.s[i].dst, ad[i]);
        cr_assert_eq(rtp_parse(H.s[i].b, H.s[i].len, &h), 0);
        cr_assert_eq(h.payload_type, i == 2 ? 8 : 0);
        cr_assert_eq(h.marker, 1);
        cr_assert_eq(h.seq, 0);
        cr_assert_eq(h.payload.len, 160u);
        for (k = 0; k < 160; k++) cr_assert_eq(h.payload.p[k], code, "leg %u sample %u", i, k);
        cr_assert_eq(H.r[i].from, MEDIA_RELAY_MIXER);
    }
    /* the saturated legs: 16764 + 32256 and 8316 + 32256 clip to 32767 */
    cr_assert_eq(H.s[0].b[12], 0x80);
    cr_assert_eq(H.s[1].b[12], 0x80);
    cr_assert_eq(H.s[2].b[12], rtp_alaw_encode(25080));
    /* next tick: only leg 2 spoke (leg 0's frame is late, before the
     * window), so legs 0 and 1 hear 32256 and leg 2 hears silence */
    frame(f, 0xAA); n = rtp(p, 8, 0, 31, 160, 0x3000, f, 160);
    cr_assert_eq(media_relay_on_packet(r, sid, 2, MEDIA_RELAY_RTP, &ad[2], p, n, 25000), 0);
    frame(f, 0x9F); n = rtp(p, 0, 0, 10, 0, 0x1000, f, 160);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &ad[0], p, n, 26000), 0);
    cr_assert_eq(media_relay_next_deadline(r), 40000u);
    cr_assert_eq(media_relay_on_timeout(r, 40000), 3);
    cr_assert_eq(H.s[3].b[12], rtp_ulaw_encode(32256));
    cr_assert_eq(H.s[4].b[12], rtp_ulaw_encode(32256));
    cr_assert_eq(H.s[5].b[12], rtp_alaw_encode(0));
    cr_assert_eq(H.s[3].b[1], 0x00);   /* no marker, PT 0 */
    cr_assert_eq(H.s[3].b[3], 1);      /* seq 1 */
    cr_assert_eq(H.s[3].b[7], 160);    /* ts 160 */
    {
        media_relay_stats st;
        cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
        cr_assert_eq(st.dropped_late, 1u);
        cr_assert_eq(st.rtp_out, 2u);
    }
}

/* ---- limits and handles --------------------------------------------------- */

Test(media_relay, limits_and_stale_handles)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid s1, s2, s3, old;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000);
    cfg.max_sessions = 2;
    cfg.max_legs = 3;
    r = mk(&cfg);
    cr_assert_eq(media_relay_session_create(r, 4, 0, 0, &s1), MEDIA_RELAY_ERR_FULL);
    cr_assert_eq(media_relay_session_create(r, 1, 0, 0, &s1), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_session_create(r, 1, MEDIA_RELAY_SESSION_MIX, 0, &s1), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &s1), 0);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &s2), 0);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &s3), MEDIA_RELAY_ERR_FULL);
    cr_assert_eq(media_relay_leg_add(r, s1, 0), 2);
    cr_assert_eq(media_relay_leg_add(r, s1, 0), MEDIA_RELAY_ERR_FULL);
    cr_assert_eq(media_relay_leg_remove(r, s1, 1), 0);
    cr_assert_eq(H.released, 1u);
    cr_assert_eq(media_relay_leg_ports(r, s1, 1, NULL, NULL), MEDIA_RELAY_ERR_STALE);
    cr_assert_eq(media_relay_leg_add(r, s1, 0), 1);        /* number reused */
    cr_assert_eq(media_relay_leg_set_peer(r, s1, 0, 0), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_leg_set_peer(r, s1, 0, MEDIA_RELAY_NO_LEG), 0);
    n = rtp(p, 0, 0, 1, 0, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, s1, 0, MEDIA_RELAY_RTP, &a, p, n, 0), 0);
    old = s1;
    cr_assert_eq(media_relay_session_destroy(r, s1), 0);
    cr_assert_eq(H.released, 4u);
    cr_assert_eq(media_relay_session_destroy(r, old), MEDIA_RELAY_ERR_STALE);
    cr_assert_eq(media_relay_on_packet(r, old, 0, MEDIA_RELAY_RTP, &a, p, n, 0), MEDIA_RELAY_ERR_STALE);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &s3), 0);
    cr_assert_eq(s3.index, old.index);
    cr_assert_neq(s3.gen, old.gen);
    cr_assert_eq(media_relay_leg_ports(r, old, 0, NULL, NULL), MEDIA_RELAY_ERR_STALE);
    {
        media_relay_sid zero = {0, 0};
        cr_assert_eq(media_relay_leg_ports(r, zero, 0, NULL, NULL), MEDIA_RELAY_ERR_STALE);
    }
    /* a packet over max_packet */
    {
        static uint8_t big[1600];
        memcpy(big, p, n);
        cr_assert_eq(media_relay_on_packet(r, s3, 0, MEDIA_RELAY_RTP, &a, big, sizeof big, 0),
                     MEDIA_RELAY_ERR_TOO_BIG);
    }
    /* alloc_port fails for the second leg: the first is released */
    H.released = 0;
    H.fail_alloc_at = H.alloc_calls + 2;
    cr_assert_eq(media_relay_session_destroy(r, s2), 0);
    H.released = 0;
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &s2), MEDIA_RELAY_ERR_PORT);
    cr_assert_eq(H.released, 1u);
    media_relay_destroy(r);
}

/* Calls into the relay from its own callbacks are refused. */
Test(media_relay, reentry_refused)
{
    media_relay_config cfg = {0};
    media_relay *r = mk(&cfg);
    media_relay_sid sid;
    uint8_t p[64];
    size_t n;
    media_relay_addr a = A("192.0.2.1", 4000), b = A("192.0.2.2", 5000);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    H.reenter = 1;
    n = rtp(p, 0, 0, 1, 0, 0xAAAA, PL, 4);
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, n, 0), 1);
    cr_assert_eq(H.reenter_rc, MEDIA_RELAY_ERR_STATE);
    H.reenter = 0;
    cr_assert_eq(media_relay_session_destroy(r, sid), 0);
}

/* Configuration checks and heap creation. */
Test(media_relay, config_and_create)
{
    media_relay_config cfg = {0};
    media_relay_callbacks cb = CB;
    media_relay *r = NULL;
    cr_assert_eq(media_relay_mem_size(&cfg), 0u);            /* no local_addr */
    cfg.local_addr = "not-an-ip";
    cr_assert_eq(media_relay_mem_size(&cfg), 0u);
    cfg.local_addr = "2001:db8::5";
    cfg.max_legs = 33;
    cr_assert_eq(media_relay_mem_size(&cfg), 0u);
    cfg.max_legs = 0;
    cr_assert_gt(media_relay_mem_size(&cfg), 0u);
    cb.send = NULL;
    cr_assert_eq(media_relay_create(&cfg, &cb, NULL, &r), MEDIA_RELAY_ERR_INVALID);
    cr_assert_eq(media_relay_init(MEM, 16, &cfg, &CB, NULL, &r), MEDIA_RELAY_ERR_NOSPACE);
    cr_assert_eq(media_relay_create(&cfg, &CB, NULL, &r), 0);
    media_relay_destroy(r);
    cr_assert_str_eq(media_relay_strerror(MEDIA_RELAY_ERR_FOREIGN), "packet not from the latched source");
}

/* ---- MOS from the E-model (ITU-T G.107 via rtp.h) ------------------------ */

static const media_relay_callbacks CB_NOMOS = {
    sizeof(media_relay_callbacks), cb_alloc, cb_release, cb_send, NULL, NULL, NULL, NULL
};

static media_relay *mk_cb(media_relay_config *cfg, const media_relay_callbacks *cb)
{
    media_relay *r = NULL;
    memset(&H, 0, sizeof H);
    if (!cfg->local_addr) cfg->local_addr = "203.0.113.5";
    cr_assert_leq(media_relay_mem_size(cfg), sizeof MEM);
    cr_assert_eq(media_relay_init(MEM, sizeof MEM, cfg, cb, NULL, &r), 0);
    H.relay = r;
    return r;
}

/* A two-leg session with both legs' RTP and RTCP destinations set. */
static media_relay_sid mos_session(media_relay *r)
{
    media_relay_sid sid;
    media_relay_addr a = A("192.0.2.1", 4000), ac = A("192.0.2.1", 4001);
    media_relay_addr b = A("192.0.2.2", 5000), bc = A("192.0.2.2", 5001);
    cr_assert_eq(media_relay_session_create(r, 2, 0, 0, &sid), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 0, MEDIA_RELAY_RTP, &a), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 0, MEDIA_RELAY_RTCP, &ac), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTP, &b), 0);
    cr_assert_eq(media_relay_leg_set_remote(r, sid, 1, MEDIA_RELAY_RTCP, &bc), 0);
    return sid;
}

/* 20 ms packets (160 ticks at 8 kHz) of payload type pt from leg 0,
 * seq 1..n except those with (seq % lose_every == 0) when lose_every is
 * nonzero; arrival at 20 ms * seq, plus jitter_us on even sequence
 * numbers (each transit difference is then +-jitter_us). */
static void mos_feed(media_relay *r, media_relay_sid sid, uint8_t pt, unsigned clock_per_20ms,
                     unsigned n, unsigned lose_every, uint64_t jitter_us)
{
    media_relay_addr a = A("192.0.2.1", 4000);
    uint8_t p[64];
    unsigned seq;
    for (seq = 1; seq <= n; seq++) {
        uint64_t t = 1000000ull + 20000ull * seq + ((seq % 2) ? 0 : jitter_us);
        size_t len;
        if (lose_every && seq % lose_every == 0) continue;
        len = rtp(p, pt, 0, (uint16_t)seq, clock_per_20ms * seq, 0x1111, PL, 4);
        H.n = 0;
        cr_assert_geq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTP, &a, p, len, t), 0);
    }
}

/* What G.107 (rtp_emodel_estimate) says, x 100, rounded. */
static int emodel_x100(rtp_emodel_codec c, double loss_pct, double jitter_ms, double owd_ms)
{
    rtp_emodel_input in;
    rtp_emodel_result res;
    memset(&in, 0, sizeof in);
    cr_assert_eq(rtp_emodel_codec_params(c, 0, &in.ie, &in.bpl), 0);
    in.loss_pct = loss_pct;
    in.burst_r = 1;
    in.jitter_ms = jitter_ms;
    in.jb_delay_ms = -1;
    in.one_way_delay_ms = owd_ms;
    cr_assert_eq(rtp_emodel_estimate(&in, &res), 0);
    return (int)(res.mos * 100.0 + 0.5);
}

/* Default MOS without a hook: PCMU (RFC 3551 PT 0) with no loss and no
 * jitter is G.107's 93.2 rating (MOS 4.41); with every 20th packet lost
 * (about 5 %, RFC 3550 A.3 cumulative lost / expected) it is G.107's
 * Ie,eff for G.711 without PLC (Bpl 4.3): 95 * 4.55 / (4.55 + 4.3) =
 * 48.8, so R = 44.4 and MOS 2.28. */
Test(media_relay, mos_default_emodel_loss_g107)
{
    media_relay_config cfg = {0};
    media_relay *r = mk_cb(&cfg, &CB_NOMOS);
    media_relay_sid sid = mos_session(r);
    media_relay_stats st;
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.mos_x100, 0, "no source yet");
    cr_assert_eq(st.src_pt, -1);
    mos_feed(r, sid, 0, 160, 100, 0, 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.src_pt, 0);
    cr_assert_eq(st.src.cumulative_lost, 0);
    cr_assert_eq(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 0, 0, 0));
    cr_assert_eq(st.mos_x100, 441);
    sid = mos_session(r);
    mos_feed(r, sid, 0, 160, 200, 20, 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.src.expected - st.src.cumulative_lost, (int64_t)st.src.received);
    /* A.3: seq 20, 40 .. 180 lost (200, also lost, is past the highest
     * seen); A.1 probation keeps seq 1 out, so 9 lost of 198 expected */
    cr_assert_eq(st.src.cumulative_lost, 9);
    cr_assert_eq(st.src.expected, 198);
    cr_assert_eq(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 100.0 * 9 / 198, 0, 0));
    /* by hand: Ie,eff = 95 * 4.545 / (4.545 + 4.3) = 48.8, R = 44.4 */
    cr_assert_eq(st.mos_x100, 228);
    cr_assert_lt(st.mos_x100, emodel_x100(RTP_EMODEL_G711_PLC, 100.0 * 9 / 198, 0, 0),
                 "G.711 rated without PLC (Bpl 4.3)");
}

/* Jitter (RFC 3550 A.8) enters through a jitter buffer of twice it
 * (rtp_emodel_estimate's default): transit differences alternating +-10
 * ms give J -> 80 ticks = 10 ms, and the MOS of a 20 ms buffer. */
Test(media_relay, mos_default_emodel_jitter_g107)
{
    media_relay_config cfg = {0};
    media_relay *r = mk_cb(&cfg, &CB_NOMOS);
    media_relay_sid sid = mos_session(r);
    media_relay_stats st;
    mos_feed(r, sid, 8, 160, 300, 0, 10000);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.src_pt, 8);
    cr_assert_eq(st.src_clock_rate, 8000u);
    cr_assert(st.src.jitter >= 76 && st.src.jitter <= 80, "%u", st.src.jitter);
    cr_assert_eq(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 0, st.src.jitter / 8.0, 0));
    cr_assert_lt(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 0, 0, 0), "the buffer delay costs");
}

/* The codec comes from the payload type: a=rtpmap opus/48000/2 learned
 * from SDP (RFC 8866 §6.6) rates PT 111 as Opus (Bpl 25.1), so the same
 * 5 % loss costs far less than for G.711; a video payload type (H264) has
 * no E-model codec and gives 0. */
Test(media_relay, mos_codec_from_rtpmap_g107)
{
    static const char offer[] =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 111 96\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:96 H264/90000\r\n";
    media_relay_config cfg = {0};
    media_relay *r = mk_cb(&cfg, &CB_NOMOS);
    media_relay_sid sid = mos_session(r);
    media_relay_stats st;
    char out[1024];
    cr_assert_gt(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, offer, sizeof offer - 1, out, sizeof out, NULL), 0);
    mos_feed(r, sid, 111, 960, 200, 20, 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.src_pt, 111);
    cr_assert_eq(st.src_clock_rate, 48000u);
    cr_assert_eq(st.src.cumulative_lost, 9);
    cr_assert_eq(st.src.expected, 198);
    cr_assert_eq(st.mos_x100, emodel_x100(RTP_EMODEL_OPUS, 100.0 * 9 / 198, 0, 0));
    cr_assert_gt(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 100.0 * 9 / 198, 0, 0) + 100);
    cr_assert_eq(media_relay_session_destroy(r, sid), 0);
    sid = mos_session(r);
    cr_assert_gt(media_relay_sdp_rewrite(r, sid, 0, 1, 0, 0, offer, sizeof offer - 1, out, sizeof out, NULL), 0);
    mos_feed(r, sid, 96, 1800, 50, 0, 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.src_pt, 96);
    cr_assert_eq(st.mos_x100, 0);
}

/* RFC 3550 §6.4.1: an SR from B forwarded toward A at t = 2 s, and A's RR
 * quoting its LSR with DLSR 0.5 s arriving at t = 2.64 s: the relay-A
 * round trip is 140 ms, and the MOS counts a one-way delay of 70 ms. */
Test(media_relay, mos_rtt_from_lsr_dlsr_rfc3550_6_4_1)
{
    media_relay_config cfg = {0};
    media_relay *r = mk_cb(&cfg, &CB_NOMOS);
    media_relay_sid sid = mos_session(r);
    media_relay_addr ac = A("192.0.2.1", 4001), bc = A("192.0.2.2", 5001);
    media_relay_stats st;
    rtcp_sender_info si = {0x0000000512345678ull, 1000, 10, 100};
    rtcp_report_block rb;
    uint8_t pkt[128];
    int n;
    mos_feed(r, sid, 0, 160, 50, 0, 0);
    n = rtcp_report_build(0xBBBB, &si, NULL, 0, pkt, sizeof pkt, NULL);
    cr_assert_gt(n, 0);
    H.n = 0;
    cr_assert_eq(media_relay_on_packet(r, sid, 1, MEDIA_RELAY_RTCP, &bc, pkt, (size_t)n, 2000000), 1);
    cr_assert_eq(H.s[0].leg, 0u);
    memset(&rb, 0, sizeof rb);
    rb.ssrc = 0xBBBB;
    rb.lsr = 0x00051234u;       /* middle 32 bits of the SR's NTP time */
    rb.dlsr = 32768;            /* 0.5 s */
    n = rtcp_report_build(0x1111, NULL, &rb, 1, pkt, sizeof pkt, NULL);
    cr_assert_gt(n, 0);
    /* a report quoting an unknown LSR changes nothing */
    rb.lsr = 0x00061234u;
    {
        uint8_t other[128];
        int m = rtcp_report_build(0x1111, NULL, &rb, 1, other, sizeof other, NULL);
        cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTCP, &ac, other, (size_t)m, 2500000), 1);
        cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
        cr_assert_eq(st.rtt_us, 0u);
    }
    cr_assert_eq(media_relay_on_packet(r, sid, 0, MEDIA_RELAY_RTCP, &ac, pkt, (size_t)n, 2640000), 1);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.rtt_us, 140000u);
    cr_assert_eq(st.mos_x100, emodel_x100(RTP_EMODEL_G711, 0, st.src.jitter / 8.0, 70));
    cr_assert_eq(media_relay_leg_stats(r, sid, 1, &st), 0);
    cr_assert_eq(st.rtt_us, 0u, "only A's segment was measured");
}

/* callbacks.mos overrides the default and sees it in st->mos_x100. */
static int cb_mos_minus(void *u, media_relay_sid sid, unsigned leg, const media_relay_stats *st)
{
    (void)u, (void)sid, (void)leg;
    return st->mos_x100 - 1;
}

Test(media_relay, mos_hook_overrides_default)
{
    media_relay_config cfg = {0};
    media_relay_callbacks cb = CB_NOMOS;
    media_relay *r;
    media_relay_sid sid;
    media_relay_stats st;
    cb.mos = cb_mos_minus;
    r = mk_cb(&cfg, &cb);
    sid = mos_session(r);
    mos_feed(r, sid, 0, 160, 100, 0, 0);
    cr_assert_eq(media_relay_leg_stats(r, sid, 0, &st), 0);
    cr_assert_eq(st.mos_x100, 440);
}

/* A 5-party G.711 conference (parties joining with media_relay_leg_add):
 * every 20 ms tick (MEDIA_RELAY_FRAME_US, 160 samples at 8 kHz) each of
 * the N = 5 legs hears the sum of the other N - 1 (RFC 3550 §7.1 mixer:
 * one new stream per receiver, its own SSRC, seq + 1 and timestamp + 160
 * per frame). */
Test(media_relay, mix_five_party_n_minus_1_g711)
{
    media_relay_config cfg = {0};
    media_relay *r;
    media_relay_sid sid;
    uint8_t f[160], p[256];
    static const uint8_t code[5] = {0xF0, 0xE8, 0xE0, 0xD8, 0xD0};
    media_relay_addr ad[5];
    int32_t total = 0;
    uint32_t ssrc[5], ts0[5];
    unsigned i, tick;
    cfg.mixer = 1;
    cfg.max_legs = 5;
    r = mk(&cfg);
    cr_assert_eq(media_relay_session_create(r, 1, MEDIA_RELAY_SESSION_MIX, 0, &sid), 0);
    for (i = 1; i < 5; i++) cr_assert_eq(media_relay_leg_add(r, sid, 0), (int)i);
    for (i = 0; i < 5; i++) {
        char ip[16];
        snprintf(ip, sizeof ip, "192.0.2.%u", 10 + i);
        ad[i] = A(ip, 4000);
        total += rtp_ulaw_decode(code[i]);
    }
    for (tick = 0; tick < 2; tick++) {
        H.n = 0;
        H.nrec = 0;
        for (i = 0; i < 5; i++) {
            size_t n;
            frame(f, code[i]);
            n = rtp(p, 0, tick == 0, (uint16_t)(100 * i + tick), 160 * tick, 0x100 + i, f, 160);
            cr_assert_eq(media_relay_on_packet(r, sid, i, MEDIA_RELAY_RTP, &ad[i], p, n,
                                               20000ull * tick + 5000 + i), 0);
        }
        cr_assert_eq(media_relay_next_deadline(r), 20000ull * (tick + 1));
        cr_assert_eq(media_relay_on_timeout(r, 20000ull * (tick + 1)), 5);
        cr_assert_eq(H.n, 5u);
        for (i = 0; i < 5; i++) {
            rtp_header h;
            int32_t want = total - rtp_ulaw_decode(code[i]);
            unsigned k;
            cr_assert_eq(H.s[i].leg, i);
            cr_assert_eq(rtp_parse(H.s[i].b, H.s[i].len, &h), 0);
            cr_assert_eq(h.payload.len, MEDIA_RELAY_FRAME_SAMPLES);
            cr_assert_eq(h.seq, tick);
            if (tick == 0) {
                ssrc[i] = h.ssrc;
                ts0[i] = h.timestamp;
            } else {
                cr_assert_eq(h.ssrc, ssrc[i], "one stream per leg");
                cr_assert_eq(h.timestamp, ts0[i] + 160u);
            }
            for (k = 0; k < 160; k++)
                cr_assert_eq(h.payload.p[k], rtp_ulaw_encode((int16_t)want), "leg %u sample %u", i, k);
        }
    }
    for (i = 1; i < 5; i++) cr_assert_neq(ssrc[i], ssrc[0]);
}
