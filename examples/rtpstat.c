/* rtpstat - RTP stream statistics of a capture, as tshark -z rtp,streams.
 *
 *     rtpstat [--tsv] [--rtp-port PORT] FILE.pcap
 *
 * Reads a pcap or pcapng file (libpcap; Ethernet with VLAN tags, Linux
 * cooked SLL and SLL2, raw IP; IPv4 and IPv6; UDP; IP fragments are
 * skipped) and prints one line per RTP stream: source and destination
 * address:port, SSRC, payload types, packets, lost, sequence errors, max
 * delta (ms), max and mean jitter (ms), and a MOS estimate; then the RFC
 * 4733 telephone-events of each stream (digit, start time, duration).
 *
 * Which UDP packets are RTP (tshark's default preferences):
 *   - SDP in SIP messages (any UDP port; parsed with sip.h, and for a
 *     message sip.h rejects, the body after the first empty line when it
 *     starts with "v=", as tshark still reads it) and in MGCP
 *     messages (UDP 2427/2727, the body after the empty line) announces
 *     media: for each m= line with an RTP transport and a non-zero port,
 *     c= address:port is RTP and address:port+1 RTCP (none with
 *     a=rtcp-mux), from that frame on, with that SDP's rtpmaps. A later SDP
 *     for the same address:port replaces it. A packet is looked up by its
 *     source first, then its destination (as Wireshark finds a
 *     conversation); RTCP is ignored, on port + 1 and multiplexed on the
 *     RTP port (RFC 5761 §4 payload type ranges, rtp_demux()).
 *   - --rtp-port PORT: UDP packets from or to PORT are RTP too (tshark's
 *     "-d udp.port==PORT,rtp").
 *   - A capture without any SDP and without --rtp-port falls back to a
 *     heuristic: a UDP datagram that rtp.h's demultiplexer calls RTP (RFC
 *     7983 first byte, RFC 5761 payload types) and rtp_parse() accepts,
 *     between ports that are both >= 1024 and not SIP's 5060/5061, is RTP;
 *     streams of a single packet are dropped.
 *
 * A stream is (source, destination, SSRC). The numbers follow tshark's RTP
 * stream analysis (Wireshark ui/tap-rtp-analysis), not RFC 3550 A.1/A.8,
 * because that is what users compare with:
 *   - lost = (last sequence number + 65536 * wraps) - first + 1 - packets:
 *     duplicates make it negative (tshark's definition);
 *   - sequence errors: packets whose number is not the previous + 1;
 *   - jitter: J += (|D| - J) / 16 in ms on the pcap arrival times, D =
 *     arrival - (previous arrival + timestamp advance / (clock / 1000)),
 *     clock from the static payload type table of rtp.h or the SDP
 *     rtpmap; telephone-event packets (and payload types without a clock)
 *     leave it unchanged; max and mean jitter and max delta skip the first
 *     packet, marker packets and comfort noise;
 *   - payload type 101 without an rtpmap is telephone-event (tshark's
 *     rtpevent default).
 * MOS: rtp.h's E-model (rtp_emodel_estimate) with the codec's Ie/Bpl
 * (G.711 with PLC assumed for PCMU/PCMA), the loss (lost packets over the
 * expected count), BurstR from rtp.h's RFC 3611 burst/gap tracker, a jitter
 * buffer of twice the mean jitter and an assumed one-way network and
 * packetization delay of 50 ms. "-" for streams of other codecs.
 * Telephone-events use rtp.h's RFC 4733 receiver.
 *
 * --tsv prints one tab-separated line per stream: src, dst, SSRC
 * (0x%08X), payload types (comma-separated, in order of appearance),
 * packets, lost, sequence errors, max delta, max jitter, mean jitter (ms,
 * 3 decimals), MOS (2 decimals or "-"); then one line per event:
 * "event", src, dst, SSRC, digit, start (s from the first frame, 6
 * decimals), duration (ms, 1 decimal). Streams are in order of their first
 * packet.
 *
 * Exit status: 0 ok, 1 unreadable or invalid file, 2 usage.
 */
#define _DEFAULT_SOURCE
#define RTP_IMPLEMENTATION
#define SIP_IMPLEMENTATION
#include "rtp.h"
#include "sip.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HDRS 128
#define MAX_EVENTS_PER_NOTE RTP_DTMF_MAX_NOTES
#define ASSUMED_ONE_WAY_MS 50.0

/* ---- addresses and endpoints --------------------------------------------- */

typedef struct addr {
    int family;        /* 4 or 6 */
    uint8_t a[16];
} addr;

typedef struct endpoint {
    addr ip;
    uint16_t port;
    int rtcp;          /* 1: RTCP (ignored) */
    rtp_pt_map map;    /* rtpmaps of the SDP that announced it */
} endpoint;

typedef struct dtmf_event {
    char digit;
    double start_s;
    double duration_ms;
} dtmf_event;

/* tshark-compatible stream analysis state */
typedef struct stream {
    addr src, dst;
    uint16_t sport, dport;
    uint32_t ssrc;
    double first_ms;
    uint64_t packets;
    uint16_t start_seq, stop_seq, seq_num;
    uint32_t cycles;
    int under;
    uint32_t first_ts, last_ts;
    double time_ms, last_nominal, jitter, max_jitter, mean_jitter, max_delta;
    uint64_t total_nr, seq_errors;
    uint8_t pt, pts[16];
    unsigned n_pts;
    char codec[RTP_CODEC_NAME_MAX];
    /* loss sequence for BurstR */
    rtp_burst_gap bg;
    uint16_t hi_seq;
    /* telephone-events */
    rtp_dtmf_receiver dr;
    uint32_t ev_clock;
    double ev_start_s;
    dtmf_event *ev;
    size_t n_ev, cap_ev;
} stream;

typedef struct ctx {
    int tsv, heuristic, rtp_port;
    endpoint *ep;
    size_t n_ep, cap_ep;
    stream *st;
    size_t n_st, cap_st;
    uint64_t first_ns, cur_ns; /* first frame, current frame (pcap time) */
    int have_first;
    uint64_t frame;
    size_t sdp_seen;   /* SDP bodies with media (pass 1) */
    rtp_pt_map static_map;
} ctx;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "rtpstat: out of memory\n");
        exit(1);
    }
    return q;
}

static int addr_eq(const addr *x, const addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

static void addr_str(const addr *x, uint16_t port, char *out, size_t cap)
{
    char b[INET6_ADDRSTRLEN];
    if (x->family == 4) {
        inet_ntop(AF_INET, x->a, b, sizeof b);
        snprintf(out, cap, "%s:%u", b, (unsigned)port);
    } else {
        inet_ntop(AF_INET6, x->a, b, sizeof b);
        snprintf(out, cap, "[%s]:%u", b, (unsigned)port);
    }
}

/* ---- SDP (RFC 4566): c=, m= and a=rtpmap / a=rtcp-mux only -------------- */

typedef struct sdp_media {
    addr ip;
    int have_ip;
    uint16_t port;
    int rtp;        /* transport is RTP/... */
    int rtcp_mux;
    rtp_pt_map map;
} sdp_media;

static int parse_conn(const char *v, size_t n, addr *out)
{
    char buf[64];
    size_t i = 0, k;
    int fam;
    /* "IN IP4 addr[/ttl]" */
    if (n < 7 || memcmp(v, "IN IP", 5) != 0) return -1;
    fam = v[5] == '4' ? 4 : v[5] == '6' ? 6 : 0;
    if (!fam || v[6] != ' ') return -1;
    i = 7;
    while (i < n && v[i] == ' ') i++;
    for (k = 0; i < n && v[i] != '/' && v[i] != ' ' && k + 1 < sizeof buf; i++) buf[k++] = v[i];
    buf[k] = 0;
    memset(out, 0, sizeof *out);
    out->family = fam;
    return inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, out->a) == 1 ? 0 : -1;
}

static void add_endpoint(ctx *c, const addr *ip, uint16_t port, int rtcp, const rtp_pt_map *map)
{
    size_t i;
    for (i = 0; i < c->n_ep; i++)
        if (c->ep[i].port == port && addr_eq(&c->ep[i].ip, ip)) break;
    if (i == c->n_ep) {
        if (c->n_ep == c->cap_ep) {
            c->cap_ep = c->cap_ep ? 2 * c->cap_ep : 16;
            c->ep = (endpoint *)xrealloc(c->ep, c->cap_ep * sizeof *c->ep);
        }
        c->n_ep++;
    }
    c->ep[i].ip = *ip;
    c->ep[i].port = port;
    c->ep[i].rtcp = rtcp;
    c->ep[i].map = *map;
}

static void sdp_media_done(ctx *c, sdp_media *m, const addr *session_ip, int have_session_ip,
                           int apply)
{
    const addr *ip = m->have_ip ? &m->ip : have_session_ip ? session_ip : NULL;
    if (!m->rtp || m->port == 0 || !ip) return;
    c->sdp_seen++;
    if (!apply) return;
    add_endpoint(c, ip, m->port, 0, &m->map);
    if (!m->rtcp_mux && m->port < 65535) add_endpoint(c, ip, (uint16_t)(m->port + 1), 1, &m->map);
}

/* Read an SDP body; apply = 0 only counts announced media (pass 1). */
static void parse_sdp(ctx *c, const char *p, size_t n, int apply)
{
    addr session_ip;
    int have_session_ip = 0, in_media = 0;
    sdp_media m;
    size_t i = 0;
    memset(&m, 0, sizeof m);
    while (i < n) {
        size_t s = i, e;
        while (i < n && p[i] != '\n') i++;
        e = i;
        if (i < n) i++;
        if (e > s && p[e - 1] == '\r') e--;
        if (e - s < 2 || p[s + 1] != '=') continue;
        if (p[s] == 'm') {
            unsigned long port = 0;
            size_t k = s + 2;
            if (in_media) sdp_media_done(c, &m, &session_ip, have_session_ip, apply);
            memset(&m, 0, sizeof m);
            rtp_pt_map_init(&m.map);
            in_media = 1;
            while (k < e && p[k] != ' ') k++;
            while (k < e && p[k] == ' ') k++;
            while (k < e && p[k] >= '0' && p[k] <= '9' && port < 100000) port = port * 10 + (unsigned long)(p[k++] - '0');
            m.port = port <= 65535 ? (uint16_t)port : 0;
            while (k < e && p[k] != ' ') k++; /* "/<number of ports>" */
            while (k < e && p[k] == ' ') k++;
            m.rtp = e - k >= 4 && memcmp(p + k, "RTP/", 4) == 0;
        } else if (p[s] == 'c') {
            addr a;
            if (parse_conn(p + s + 2, e - s - 2, &a) == 0) {
                if (in_media) {
                    m.ip = a;
                    m.have_ip = 1;
                } else {
                    session_ip = a;
                    have_session_ip = 1;
                }
            }
        } else if (p[s] == 'a' && in_media) {
            const char *v = p + s + 2;
            size_t vn = e - s - 2, k = 7;
            if (vn >= 8 && memcmp(v, "rtcp-mux", 8) == 0) m.rtcp_mux = 1;
            if (vn > 7 && memcmp(v, "rtpmap:", 7) == 0) {
                unsigned pt = 0;
                while (k < vn && v[k] >= '0' && v[k] <= '9' && pt < 1000) pt = pt * 10 + (unsigned)(v[k++] - '0');
                while (k < vn && v[k] == ' ') k++;
                if (pt < 128) rtp_pt_map_set(&m.map, (uint8_t)pt, v + k, vn - k);
            }
        }
    }
    if (in_media) sdp_media_done(c, &m, &session_ip, have_session_ip, apply);
}

static int starts_with_ci(const char *p, size_t n, const char *lit)
{
    size_t i, l = strlen(lit);
    if (n < l) return 0;
    for (i = 0; i < l; i++) {
        char a = p[i], b = lit[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* A message sip.h rejects (tshark still reads it): a SIP start line, then
 * the SDP after the first empty line when it starts with "v=". */
static int sip_lenient(ctx *c, const uint8_t *p, size_t n, int apply)
{
    size_t i = 0, eol;
    while (i < n && p[i] != '\n') i++;
    eol = i;
    if (eol > 0 && p[eol - 1] == '\r') eol--;
    if (!(n >= 8 && memcmp(p, "SIP/2.0 ", 8) == 0) &&
        !(eol >= 8 && memcmp(p + eol - 8, " SIP/2.0", 8) == 0))
        return 0;
    for (; i + 1 < n; i++) {
        size_t b;
        if (p[i] != '\n') continue;
        if (p[i + 1] == '\n') b = i + 2;
        else if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') b = i + 3;
        else continue;
        if (n - b >= 2 && p[b] == 'v' && p[b + 1] == '=') parse_sdp(c, (const char *)p + b, n - b, apply);
        break;
    }
    return 1;
}

/* SIP over UDP: any port. Returns 1 when it was a SIP message. */
static int try_sip(ctx *c, const uint8_t *p, size_t n, int apply)
{
    sip_parse_config cfg;
    sip_msg msg;
    sip_hdr hdrs[MAX_HDRS];
    const sip_hdr *ct;
    /* a start line "SIP/2.0 ..." or "METHOD sip:... SIP/2.0" */
    if (n < 8 || !((p[0] >= 'A' && p[0] <= 'Z'))) return 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = SIP_PARSE_DATAGRAM | SIP_PARSE_NO_SEMANTIC;
    if (sip_parse((const char *)p, n, &cfg, &msg, hdrs, MAX_HDRS, NULL) <= 0)
        return sip_lenient(c, p, n, apply);
    if (msg.body.len == 0) return 1;
    ct = sip_msg_find(&msg, SIP_HDR_CONTENT_TYPE, NULL);
    if (ct && !starts_with_ci(ct->value.p, ct->value.len, "application/sdp")) return 1;
    parse_sdp(c, msg.body.p, msg.body.len, apply);
    return 1;
}

/* MGCP (RFC 3435 §3.1): the SDP follows an empty line. */
static int try_mgcp(ctx *c, uint16_t sport, uint16_t dport, const uint8_t *p, size_t n, int apply)
{
    size_t i;
    if (sport != 2427 && dport != 2427 && sport != 2727 && dport != 2727) return 0;
    for (i = 0; i + 1 < n; i++) {
        if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n'))) {
            size_t b = i + (p[i + 1] == '\n' ? 2 : 3);
            parse_sdp(c, (const char *)p + b, n - b, apply);
            return 1;
        }
    }
    return 1;
}

/* ---- streams --------------------------------------------------------------- */

static stream *find_stream(ctx *c, const addr *src, uint16_t sport, const addr *dst,
                           uint16_t dport, uint32_t ssrc, double now_ms)
{
    size_t i;
    stream *s;
    for (i = 0; i < c->n_st; i++) {
        s = &c->st[i];
        if (s->ssrc == ssrc && s->sport == sport && s->dport == dport && addr_eq(&s->src, src) &&
            addr_eq(&s->dst, dst))
            return s;
    }
    if (c->n_st == c->cap_st) {
        c->cap_st = c->cap_st ? 2 * c->cap_st : 16;
        c->st = (stream *)xrealloc(c->st, c->cap_st * sizeof *c->st);
    }
    s = &c->st[c->n_st++];
    memset(s, 0, sizeof *s);
    s->src = *src;
    s->dst = *dst;
    s->sport = sport;
    s->dport = dport;
    s->ssrc = ssrc;
    s->first_ms = now_ms;
    rtp_burst_gap_init(&s->bg, 0);
    rtp_dtmf_receiver_init(&s->dr, 0);
    return s;
}

static int is_event(const rtp_pt_map *map, uint8_t pt, uint32_t *clock)
{
    const rtp_codec *cd = rtp_pt_map_get(map, pt);
    *clock = 8000;
    if (cd && pt >= 96) {
        if (strlen(cd->name) == 15 && starts_with_ci(cd->name, 15, "telephone-event")) {
            *clock = cd->clock_rate ? cd->clock_rate : 8000;
            return 1;
        }
        return 0;
    }
    return pt == 101 && !cd; /* tshark's rtpevent payload type default */
}

/* Clock of a payload type as tshark uses it: static below 96, else the
 * rtpmap; 0 for telephone-event and unknown types. */
static uint32_t pt_clock(const rtp_pt_map *map, uint8_t pt)
{
    uint32_t ev;
    const rtp_codec *cd;
    if (pt < 96) {
        rtp_codec sc;
        return rtp_static_pt(pt, &sc) == 0 ? sc.clock_rate : 0;
    }
    if (is_event(map, pt, &ev)) return 0;
    cd = rtp_pt_map_get(map, pt);
    return cd ? cd->clock_rate : 0;
}

static void add_event(stream *s, char digit, double start_s, double dur_ms)
{
    if (s->n_ev == s->cap_ev) {
        s->cap_ev = s->cap_ev ? 2 * s->cap_ev : 8;
        s->ev = (dtmf_event *)xrealloc(s->ev, s->cap_ev * sizeof *s->ev);
    }
    s->ev[s->n_ev].digit = digit ? digit : '?';
    s->ev[s->n_ev].start_s = start_s;
    s->ev[s->n_ev].duration_ms = dur_ms;
    s->n_ev++;
}

static void dtmf_notes(stream *s, const rtp_dtmf_note *notes, int n, double now_s)
{
    int i;
    for (i = 0; i < n; i++) {
        if (notes[i].kind == RTP_DTMF_STARTED) s->ev_start_s = now_s;
        if (notes[i].kind == RTP_DTMF_ENDED)
            add_event(s, notes[i].ch, s->ev_start_s,
                      (double)notes[i].duration * 1000.0 / (s->ev_clock ? s->ev_clock : 8000));
    }
}

/* The loss sequence in sequence order for the burst/gap tracker. */
static void track_loss(stream *s, uint16_t seq)
{
    uint16_t d;
    if (s->packets == 1) {
        s->hi_seq = seq;
        rtp_burst_gap_put(&s->bg, 0);
        return;
    }
    d = (uint16_t)(seq - s->hi_seq);
    if (d == 0 || d >= 0x8000) return; /* duplicate or late */
    if (d > 3000) d = 1;               /* a restart, not a loss */
    while (--d > 0) rtp_burst_gap_put(&s->bg, 1);
    rtp_burst_gap_put(&s->bg, 0);
    s->hi_seq = seq;
}

/* One packet of a stream: tshark's analysis (see the top of the file). */
static void analyse(stream *s, const rtp_header *h, const rtp_pt_map *map, double now_ms)
{
    uint32_t clock, diff_first;
    int in_time, regular, marker_ok = 0, wrong_ts = 0, cn, follow_cn;
    double nominal, delta;
    unsigned i;
    for (i = 0; i < s->n_pts && s->pts[i] != h->payload_type; i++) {}
    if (i == s->n_pts && s->n_pts < sizeof s->pts) s->pts[s->n_pts++] = h->payload_type;
    if (!s->codec[0]) {
        uint32_t ev;
        const rtp_codec *cd = rtp_pt_map_get(map, h->payload_type);
        if (cd && !is_event(map, h->payload_type, &ev)) memcpy(s->codec, cd->name, sizeof s->codec);
    }
    s->packets++;
    track_loss(s, h->seq);
    if (s->total_nr == 0) {
        s->start_seq = s->stop_seq = s->seq_num = h->seq;
        s->first_ts = s->last_ts = h->timestamp;
        s->time_ms = now_ms;
        s->last_nominal = 0;
        s->pt = h->payload_type;
        s->total_nr = 1;
        return;
    }
    diff_first = s->first_ts <= h->timestamp ? h->timestamp - s->first_ts : s->first_ts - h->timestamp;
    in_time = (s->first_ts <= h->timestamp && diff_first < 0x80000000u) ||
              (s->first_ts > h->timestamp && diff_first > 0x80000000u);
    if (h->seq < s->start_seq && in_time && !s->under) {
        s->cycles++;
        s->under = 1;
    } else if (h->seq == 0 && s->stop_seq == 65535 && !s->under) {
        s->cycles++;
        s->under = 1;
    } else if (h->seq > s->start_seq && s->under) {
        s->under = 0;
    }
    if ((int)s->seq_num + 1 == (int)h->seq) {
        s->seq_num = h->seq;
    } else if (s->seq_num == 65535 && h->seq == 0) {
        s->seq_num = h->seq;
    } else if ((int)s->seq_num + 1 < (int)h->seq || (int)s->seq_num - (int)h->seq > 0xFF00) {
        s->seq_num = h->seq;
        s->seq_errors++;
    } else {
        s->seq_errors++; /* late or duplicate */
    }
    cn = h->payload_type == 13 || h->payload_type == 19;
    follow_cn = s->pt == 13 || s->pt == 19;
    s->pt = h->payload_type;
    clock = pt_clock(map, h->payload_type);
    nominal = (double)(uint32_t)(h->timestamp - s->first_ts);
    delta = now_ms - s->time_ms;
    if (clock >= 1000) {
        double expected;
        nominal /= (double)(clock / 1000); /* tshark divides by whole kHz */
        expected = s->time_ms + (nominal - s->last_nominal);
        s->jitter = (15 * s->jitter + (now_ms > expected ? now_ms - expected : expected - now_ms)) / 16;
        s->last_nominal = nominal;
    }
    if (h->marker) {
        if (h->timestamp > s->last_ts) marker_ok = 1;
        else wrong_ts = 1;
    }
    regular = !marker_ok && !cn && !wrong_ts && !follow_cn;
    if (regular) {
        if (delta > s->max_delta) s->max_delta = delta;
        if (clock >= 1000) {
            if (s->jitter > s->max_jitter) s->max_jitter = s->jitter;
            s->mean_jitter = (s->mean_jitter * (double)(s->total_nr - 1) + s->jitter) / (double)s->total_nr;
        }
    }
    s->time_ms = now_ms;
    s->last_ts = h->timestamp;
    s->stop_seq = h->seq;
    s->total_nr++;
}

static void on_rtp(ctx *c, const addr *src, uint16_t sport, const addr *dst, uint16_t dport,
                   const uint8_t *p, size_t n, const rtp_pt_map *map, double now_ms)
{
    rtp_header h;
    stream *s;
    uint32_t ev_clock;
    /* RTCP multiplexed on the RTP port (RFC 5761 §4), STUN, DTLS: not RTP */
    if (rtp_demux(p, n) != RTP_DEMUX_RTP || rtp_parse(p, n, &h) != 0) return;
    s = find_stream(c, src, sport, dst, dport, h.ssrc, now_ms);
    analyse(s, &h, map, now_ms);
    if (is_event(map, h.payload_type, &ev_clock)) {
        rtp_dtmf_note notes[MAX_EVENTS_PER_NOTE];
        uint64_t now_us = c->cur_ns / 1000; /* capture time: never negative */
        int k = rtp_dtmf_receiver_on_timeout(&s->dr, now_us, notes);
        s->ev_clock = ev_clock;
        if (k > 0) dtmf_notes(s, notes, k, now_ms / 1000.0);
        k = rtp_dtmf_receiver_put(&s->dr, &h, now_us, notes);
        if (k > 0) dtmf_notes(s, notes, k, now_ms / 1000.0);
    }
}

static const endpoint *lookup(const ctx *c, const addr *ip, uint16_t port)
{
    size_t i;
    for (i = 0; i < c->n_ep; i++)
        if (c->ep[i].port == port && addr_eq(&c->ep[i].ip, ip)) return &c->ep[i];
    return NULL;
}

static void on_udp(ctx *c, int pass, const addr *src, uint16_t sport, const addr *dst,
                   uint16_t dport, const uint8_t *p, size_t n, double now_ms)
{
    const endpoint *e;
    if (try_sip(c, p, n, pass == 2)) return;
    if (try_mgcp(c, sport, dport, p, n, pass == 2)) return;
    if (pass == 1) return;
    e = lookup(c, src, sport);
    if (!e) e = lookup(c, dst, dport);
    if (e) {
        if (!e->rtcp) on_rtp(c, src, sport, dst, dport, p, n, &e->map, now_ms);
        return;
    }
    if (c->rtp_port && (sport == c->rtp_port || dport == c->rtp_port)) {
        on_rtp(c, src, sport, dst, dport, p, n, &c->static_map, now_ms);
        return;
    }
    if (c->heuristic && sport >= 1024 && dport >= 1024 && sport != 5060 && dport != 5060 &&
        sport != 5061 && dport != 5061 && rtp_demux(p, n) == RTP_DEMUX_RTP)
        on_rtp(c, src, sport, dst, dport, p, n, &c->static_map, now_ms);
}

/* ---- link, IP and UDP layers ------------------------------------------------ */

static void on_ip(ctx *c, int pass, const uint8_t *p, size_t n, double now_ms)
{
    addr src, dst;
    uint8_t proto;
    size_t off, ulen;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    if (n < 1) return;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (size_t)(p[0] & 15) * 4, tot;
        if (n < 20 || ihl < 20 || n < ihl) return;
        tot = ((size_t)p[2] << 8) | p[3];
        if (tot < ihl) return;
        if (tot < n) n = tot; /* Ethernet padding */
        if ((p[6] & 0x20) || ((p[6] & 0x1f) | p[7])) return; /* fragment */
        proto = p[9];
        src.family = dst.family = 4;
        memcpy(src.a, p + 12, 4);
        memcpy(dst.a, p + 16, 4);
        off = ihl;
    } else if ((p[0] >> 4) == 6) {
        size_t plen;
        int hops = 0;
        if (n < 40) return;
        plen = ((size_t)p[4] << 8) | p[5];
        if (40 + plen < n) n = 40 + plen;
        proto = p[6];
        src.family = dst.family = 6;
        memcpy(src.a, p + 8, 16);
        memcpy(dst.a, p + 24, 16);
        off = 40;
        /* extension headers: hop-by-hop, routing, destination options */
        while ((proto == 0 || proto == 43 || proto == 60) && hops++ < 8) {
            if (off + 8 > n) return;
            proto = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
        }
        if (proto == 44) return; /* fragment */
    } else {
        return;
    }
    if (proto != 17 || off + 8 > n) return;
    ulen = ((size_t)p[off + 4] << 8) | p[off + 5];
    if (ulen < 8) return;
    if (off + ulen < n) n = off + ulen;
    on_udp(c, pass, &src, (uint16_t)((p[off] << 8) | p[off + 1]), &dst,
           (uint16_t)((p[off + 2] << 8) | p[off + 3]), p + off + 8, n - off - 8, now_ms);
}

static void on_frame(ctx *c, int pass, int dlt, const uint8_t *p, size_t n, double now_ms)
{
    size_t off = 0;
    unsigned type;
    switch (dlt) {
    case DLT_EN10MB:
        if (n < 14) return;
        type = ((unsigned)p[12] << 8) | p[13];
        off = 14;
        while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 <= n) {
            type = ((unsigned)p[off + 2] << 8) | p[off + 3];
            off += 4;
        }
        if (type != 0x0800 && type != 0x86dd) return;
        break;
    case DLT_LINUX_SLL:
        if (n < 16) return;
        type = ((unsigned)p[14] << 8) | p[15];
        if (type != 0x0800 && type != 0x86dd) return;
        off = 16;
        break;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (n < 20) return;
        type = ((unsigned)p[0] << 8) | p[1];
        if (type != 0x0800 && type != 0x86dd) return;
        off = 20;
        break;
#endif
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
        break;
    default:
        return;
    }
    if (off > n) return;
    on_ip(c, pass, p + off, n - off, now_ms);
}

static int supported_dlt(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
        return 1;
    default:
        return 0;
    }
}

/* One pass over the file: 1 finds SDP, 2 builds the streams. */
static int read_pass(ctx *c, const char *path, int pass)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    struct pcap_pkthdr *ph;
    const u_char *data;
    int r, dlt;
    if (!pc) {
        fprintf(stderr, "rtpstat: %s\n", err);
        return -1;
    }
    dlt = pcap_datalink(pc);
    if (!supported_dlt(dlt)) {
        fprintf(stderr, "rtpstat: %s: unsupported link type %d\n", path, dlt);
        pcap_close(pc);
        return -1;
    }
    c->have_first = 0;
    while ((r = pcap_next_ex(pc, &ph, &data)) == 1) {
        uint64_t ns = (uint64_t)ph->ts.tv_sec * 1000000000u + (uint64_t)ph->ts.tv_usec;
        double now_ms;
        c->cur_ns = ns;
        if (!c->have_first) {
            c->first_ns = ns;
            c->have_first = 1;
        }
        now_ms = ns >= c->first_ns ? (double)(ns - c->first_ns) / 1e6
                                   : -(double)(c->first_ns - ns) / 1e6;
        on_frame(c, pass, dlt, data, ph->caplen, now_ms);
    }
    if (r == -1) {
        fprintf(stderr, "rtpstat: %s: %s\n", path, pcap_geterr(pc));
        pcap_close(pc);
        return -1;
    }
    pcap_close(pc);
    return 0;
}

/* ---- output -------------------------------------------------------------- */

static double stream_mos(const stream *s, int64_t expected, int64_t lost, int *ok)
{
    rtp_emodel_codec codec;
    rtp_emodel_input in;
    rtp_emodel_result r;
    *ok = 0;
    if (!s->codec[0] ||
        rtp_emodel_codec_by_name(s->codec, strlen(s->codec), 1, &codec) != 0)
        return 0;
    memset(&in, 0, sizeof in);
    if (rtp_emodel_codec_params(codec, 0, &in.ie, &in.bpl) != 0) return 0;
    in.loss_pct = expected > 0 && lost > 0 ? 100.0 * (double)lost / (double)expected : 0;
    if (in.loss_pct > 100) in.loss_pct = 100;
    in.burst_r = rtp_burst_gap_burst_r(&s->bg);
    in.jitter_ms = s->mean_jitter;
    in.jb_delay_ms = -1;
    in.one_way_delay_ms = ASSUMED_ONE_WAY_MS;
    if (rtp_emodel_estimate(&in, &r) != 0) return 0;
    *ok = 1;
    return r.mos;
}

static int cmp_stream(const void *a, const void *b)
{
    const stream *x = (const stream *)a, *y = (const stream *)b;
    return x->first_ms < y->first_ms ? -1 : x->first_ms > y->first_ms ? 1 : 0;
}

static void print_streams(ctx *c)
{
    size_t i, k;
    if (c->n_st > 1) qsort(c->st, c->n_st, sizeof *c->st, cmp_stream);
    if (!c->tsv)
        printf("%-24s %-24s %-10s %-8s %7s %7s %6s %10s %10s %10s %5s\n", "source", "destination",
               "SSRC", "PT", "packets", "lost", "seqerr", "maxdelta", "maxjitter", "meanjitter",
               "MOS");
    for (i = 0; i < c->n_st; i++) {
        const stream *s = &c->st[i];
        char a[80], b[80], pts[64], mos[16];
        int64_t expected = (int64_t)s->stop_seq + (int64_t)s->cycles * 65536 - s->start_seq + 1;
        int64_t lost = expected - (int64_t)s->total_nr;
        size_t pl = 0;
        int ok;
        double m;
        if (c->heuristic && s->packets < 2) continue;
        addr_str(&s->src, s->sport, a, sizeof a);
        addr_str(&s->dst, s->dport, b, sizeof b);
        pts[0] = 0;
        for (k = 0; k < s->n_pts && pl + 5 < sizeof pts; k++)
            pl += (size_t)snprintf(pts + pl, sizeof pts - pl, k ? ",%u" : "%u", (unsigned)s->pts[k]);
        m = stream_mos(s, expected, lost, &ok);
        if (ok) snprintf(mos, sizeof mos, "%.2f", m);
        else snprintf(mos, sizeof mos, "-");
        if (c->tsv)
            printf("%s\t%s\t0x%08X\t%s\t%llu\t%lld\t%llu\t%.3f\t%.3f\t%.3f\t%s\n", a, b,
                   (unsigned)s->ssrc, pts, (unsigned long long)s->total_nr, (long long)lost,
                   (unsigned long long)s->seq_errors, s->max_delta, s->max_jitter, s->mean_jitter,
                   mos);
        else
            printf("%-24s %-24s 0x%08X %-8s %7llu %7lld %6llu %10.3f %10.3f %10.3f %5s\n", a, b,
                   (unsigned)s->ssrc, pts, (unsigned long long)s->total_nr, (long long)lost,
                   (unsigned long long)s->seq_errors, s->max_delta, s->max_jitter, s->mean_jitter,
                   mos);
    }
    for (i = 0; i < c->n_st; i++) {
        const stream *s = &c->st[i];
        char a[80], b[80];
        if (c->heuristic && s->packets < 2) continue;
        addr_str(&s->src, s->sport, a, sizeof a);
        addr_str(&s->dst, s->dport, b, sizeof b);
        for (k = 0; k < s->n_ev; k++) {
            if (c->tsv)
                printf("event\t%s\t%s\t0x%08X\t%c\t%.6f\t%.1f\n", a, b, (unsigned)s->ssrc,
                       s->ev[k].digit, s->ev[k].start_s, s->ev[k].duration_ms);
            else
                printf("event %c  %s -> %s  SSRC 0x%08X  at %.6f s  %.1f ms\n", s->ev[k].digit, a, b,
                       (unsigned)s->ssrc, s->ev[k].start_s, s->ev[k].duration_ms);
        }
    }
}

static void finish_events(ctx *c)
{
    size_t i;
    for (i = 0; i < c->n_st; i++) {
        rtp_dtmf_note notes[MAX_EVENTS_PER_NOTE];
        int k = rtp_dtmf_receiver_on_timeout(&c->st[i].dr, UINT64_MAX, notes);
        if (k > 0) dtmf_notes(&c->st[i], notes, k, 0);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: rtpstat [--tsv] [--rtp-port PORT] FILE.pcap\n");
    return 2;
}

int main(int argc, char **argv)
{
    ctx c;
    const char *path = NULL;
    int i;
    size_t k;
    memset(&c, 0, sizeof c);
    rtp_pt_map_init(&c.static_map);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tsv") == 0) {
            c.tsv = 1;
        } else if (strcmp(argv[i], "--rtp-port") == 0) {
            char *end;
            long v;
            if (i + 1 >= argc) return usage();
            v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 65535) return usage();
            c.rtp_port = (int)v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else if (!path) {
            path = argv[i];
        } else {
            return usage();
        }
    }
    if (!path) return usage();
    if (read_pass(&c, path, 1) != 0) return 1;
    c.heuristic = c.sdp_seen == 0 && c.rtp_port == 0;
    if (read_pass(&c, path, 2) != 0) return 1;
    finish_events(&c);
    print_streams(&c);
    for (k = 0; k < c.n_st; k++) free(c.st[k].ev);
    free(c.st);
    free(c.ep);
    return 0;
}
