/* tshark_gen.c - one packet of every RTP / RTCP / feedback type our builders
 * make, in a pcap for tshark, plus the field values tshark must decode.
 *
 *     tshark_gen DIR   writes DIR/ours.pcap, DIR/ours.expected,
 *                      DIR/bad.pcap, DIR/bad.expected
 *
 * Run by tests/tshark.sh, which says what tshark 4.0 cannot decode. Every
 * packet is made by rtp.h / rtcp_feedback.h builders only, then put in
 * Ethernet / IPv4 / UDP (192.0.2.1 -> 192.0.2.2, RFC 5737 documentation
 * addresses; nothing is sent) with correct lengths and checksums: RTP goes
 * to UDP port 5004, RTCP to 5005 (tests/tshark.sh decodes them as such).
 * The capture is written with libpcap (pcap_open_dead + pcap_dump: the
 * project uses Debian's pcap I/O in tools rather than its own).
 *
 * ours.expected has one line per expected value, tab-separated:
 *     FRAME  FIELD  KIND  VALUE
 * FRAME counts from 1 as tshark's frame.number; FIELD is a tshark display
 * field name; KIND is i (integer, decimal), f (float), s (text), x (bytes,
 * lowercase hex) or t (absolute time: Unix seconds.nanoseconds). A field listed once or more in a frame must have exactly
 * that list of values, in order, in tshark's decode. A line with FIELD "#"
 * names the frame. Expected values come from the inputs given to the
 * builders (or from the RFC bit layout worked by hand), never from reading
 * the bytes the builders wrote. bad.pcap holds our packets spoiled on
 * purpose; tshark must flag each (the check's own self-test).
 */
#define CVOIP_IMPLEMENTATION
#include "rtp.h"
#include "rtcp_feedback.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_RTP 5004
#define PORT_RTCP 5005

static FILE *g_exp;
static pcap_dumper_t *g_dump;
static int g_frame;

static void die(const char *what, int err)
{
    fprintf(stderr, "tshark_gen: %s failed (%d)\n", what, err);
    exit(1);
}

/* A builder's result: bytes written, or a failure that ends the run. */
static size_t ok(const char *what, int r)
{
    if (r <= 0) die(what, r);
    return (size_t)r;
}

/* ---- expected values ---------------------------------------------------- */

static void frame_begin(const char *name)
{
    g_frame++;
    fprintf(g_exp, "%d\t#\t-\t%s\n", g_frame, name);
}

static void ei(const char *field, long long v)
{
    fprintf(g_exp, "%d\t%s\ti\t%lld\n", g_frame, field, v);
}

static void ef(const char *field, double v)
{
    fprintf(g_exp, "%d\t%s\tf\t%.6f\n", g_frame, field, v);
}

/* An absolute time: Unix seconds and nanoseconds. */
static void et(const char *field, long long sec, long nsec)
{
    fprintf(g_exp, "%d\t%s\tt\t%lld.%09ld\n", g_frame, field, sec, nsec);
}

static void es(const char *field, const char *s)
{
    fprintf(g_exp, "%d\t%s\ts\t%s\n", g_frame, field, s);
}

static void ex(const char *field, const uint8_t *p, size_t n)
{
    size_t i;
    fprintf(g_exp, "%d\t%s\tx\t", g_frame, field);
    for (i = 0; i < n; i++) fprintf(g_exp, "%02x", p[i]);
    fputc('\n', g_exp);
}

/* ---- Ethernet / IPv4 / UDP ---------------------------------------------- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum of 16-bit words, folded. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}

static unsigned fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

#define PROTOS_RTP "eth:ethertype:ip:udp:rtp"
#define PROTOS_RTCP "eth:ethertype:ip:udp:rtcp"

/* When set, the UDP checksum is written off by one (the self-test frames
 * of bad.pcap). */
static int g_bad_udp_checksum;

/* Wrap one UDP payload and write it as the current frame (frame_begin),
 * expecting the protocol stack protos and good IPv4 / UDP checksums. */
static void emit(const char *protos, unsigned dport, const uint8_t *pl, size_t n)
{
    static const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
                                    0x08, 0x00};
    static uint8_t f[65536];
    uint8_t *ip = f + 14, *udp = ip + 20;
    struct pcap_pkthdr h;
    size_t ulen = 8 + n, iplen = 20 + ulen;
    uint32_t s;
    unsigned c;
    if (14 + iplen > sizeof f) die("frame size", (int)n);
    memcpy(f, eth, 14);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)iplen);
    put16(ip + 4, (unsigned)g_frame);    /* identification */
    ip[6] = 0x40;                        /* DF */
    ip[8] = 64;                          /* TTL */
    ip[9] = 17;                          /* UDP */
    ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = 1;
    ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 2;
    put16(ip + 10, fold(sum16(0, ip, 20)));
    put16(udp, 40000);
    put16(udp + 2, dport);
    put16(udp + 4, (unsigned)ulen);
    put16(udp + 6, 0);
    memcpy(udp + 8, pl, n);
    /* RFC 768 pseudo-header: addresses, protocol, UDP length */
    s = sum16(0, ip + 12, 8);
    s += 17 + (uint32_t)ulen;
    c = fold(sum16(s, udp, ulen));
    put16(udp + 6, c ? c : 0xffff);
    if (g_bad_udp_checksum) udp[7] ^= 1;
    es("frame.protocols", protos);
    ei("ip.len", (long long)iplen);
    ei("ip.checksum.status", 1);    /* 1: good (with ip.check_checksum) */
    ei("udp.length", (long long)ulen);
    ei("udp.checksum.status", 1);
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = 1700000000 + g_frame / 50;
    h.ts.tv_usec = (g_frame % 50) * 20000;
    h.caplen = h.len = (bpf_u_int32)(14 + iplen);
    pcap_dump((u_char *)g_dump, &h, f);
}

/* ---- RTP ------------------------------------------------------------------ */

static const uint8_t k_payload[20] = {0xff, 0xfe, 0x7f, 0x00, 0x01, 0x02, 0x03,
                                      0x04, 0x80, 0x81, 0x55, 0xaa, 0x10, 0x20,
                                      0x30, 0x40, 0x50, 0x60, 0x70, 0x7e};

/* The header fields every RTP frame states. */
static void expect_rtp(const rtp_packet_desc *d)
{
    ei("rtp.version", 2);
    ei("rtp.padding", d->padding_len ? 1 : 0);
    ei("rtp.ext", d->extension);
    ei("rtp.cc", d->csrc_count);
    ei("rtp.marker", d->marker);
    ei("rtp.p_type", d->payload_type);
    ei("rtp.seq", d->seq);
    ei("rtp.timestamp", d->timestamp);
    ei("rtp.ssrc", d->ssrc);
}

static void send_rtp_as(const char *protos, const rtp_packet_desc *d)
{
    uint8_t b[1500];
    emit(protos, PORT_RTP, b, ok("rtp_build", rtp_build(d, b, sizeof b, NULL)));
}

static void send_rtp(const rtp_packet_desc *d)
{
    send_rtp_as(PROTOS_RTP, d);
}

static void gen_rtp_plain(void)
{
    rtp_packet_desc d;
    memset(&d, 0, sizeof d);
    d.marker = 1;
    d.payload_type = 0;
    d.seq = 4660;
    d.timestamp = 0x11223344u;
    d.ssrc = 0xdeadbeefu;
    d.payload = k_payload;
    d.payload_len = sizeof k_payload;
    frame_begin("RTP, PCMU, marker");
    expect_rtp(&d);
    ex("rtp.payload", k_payload, sizeof k_payload);
    send_rtp(&d);
}

static void gen_rtp_csrc(void)
{
    static const uint32_t csrc[3] = {0x01020304u, 0xa0b0c0d0u, 0xffffffffu};
    rtp_packet_desc d;
    unsigned i;
    memset(&d, 0, sizeof d);
    d.payload_type = 8;
    d.seq = 65535;
    d.timestamp = 0xfffffff0u;
    d.ssrc = 0x00000001u;
    d.csrc = csrc;
    d.csrc_count = 3;
    d.payload = k_payload;
    d.payload_len = 8;
    frame_begin("RTP, PCMA, 3 CSRCs");
    expect_rtp(&d);
    for (i = 0; i < 3; i++) ei("rtp.csrc.item", csrc[i]);
    ex("rtp.payload", k_payload, 8);
    send_rtp(&d);
}

static void gen_rtp_padding(void)
{
    rtp_packet_desc d;
    memset(&d, 0, sizeof d);
    d.payload_type = 96;
    d.seq = 1;
    d.timestamp = 90000;
    d.ssrc = 0x12345678u;
    d.payload = k_payload;
    d.payload_len = 13;
    d.padding_len = 7;
    frame_begin("RTP, dynamic PT, 7 octets of padding");
    expect_rtp(&d);
    ex("rtp.payload", k_payload, 13);
    ei("rtp.padding.count", 7);
    send_rtp(&d);
}

/* Everything at once: marker, two CSRCs, a one-byte extension block with
 * one 16-octet element (the form's maximum), payload and padding. */
static void gen_rtp_all(void)
{
    static const uint32_t csrc[2] = {0xc0c0c0c0u, 0xc1c1c1c1u};
    static const uint8_t e16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t blk[32];
    rtp_ext_writer w;
    rtp_packet_desc d;
    int len;
    rtp_ext_writer_init(&w, RTP_EXT_FORM_ONE_BYTE, blk, sizeof blk);
    if (rtp_ext_writer_add(&w, 14, e16, 16) < 0) die("ext add 16", 0);
    if ((len = rtp_ext_writer_finish(&w, NULL)) < 0) die("ext finish", len);
    memset(&d, 0, sizeof d);
    d.marker = 1;
    d.payload_type = 127;
    d.seq = 0;
    d.timestamp = 0;
    d.ssrc = 0xffffffffu;
    d.csrc = csrc;
    d.csrc_count = 2;
    d.extension = 1;
    d.ext_profile = RTP_EXT_PROFILE_ONE_BYTE;
    d.ext = blk;
    d.ext_len = (size_t)len;
    d.payload = k_payload;
    d.payload_len = 3;
    d.padding_len = 1;   /* one octet: the count alone */
    frame_begin("RTP, all header parts: marker, PT 127, 2 CSRCs, 16-octet element id 14, "
                "1-octet padding");
    expect_rtp(&d);
    ei("rtp.csrc.item", 0xc0c0c0c0u);
    ei("rtp.csrc.item", 0xc1c1c1c1u);
    ei("rtp.ext.profile", RTP_EXT_PROFILE_ONE_BYTE);
    ei("rtp.ext.len", 5);   /* 1 + 16 = 17 octets -> 20 */
    ei("rtp.ext.rfc5285.id", 14);
    ei("rtp.ext.rfc5285.len", 16);
    ex("rtp.ext.rfc5285.data", e16, 16);
    ex("rtp.payload", k_payload, 3);
    ei("rtp.padding.count", 1);
    send_rtp(&d);
}

/* The six typed elements, in one form, with local ids 1..6. */
typedef struct ext_elem {
    uint8_t id;
    uint8_t data[255];
    size_t len;
} ext_elem;

static size_t typed_elems(ext_elem *e, const char *mid, const char *rid)
{
    rtp_video_orientation vo = {1, 0, 3};
    size_t i;
    memset(e, 0, 6 * sizeof *e);
    for (i = 0; i < 6; i++) e[i].id = (uint8_t)(i + 1);
    /* RFC 6464 §3: V=1, level 42 -dBov -> 0x80 | 42 */
    e[0].len = ok("audio_level", rtp_ext_audio_level_build(1, 42, e[0].data));
    /* RFC 7742 / CVO: C=1 F=0 R=3 -> 0000 1 0 11 */
    e[1].len = ok("cvo", rtp_ext_video_orientation_build(&vo, e[1].data));
    e[2].len = ok("twseq", rtp_ext_transport_seq_build(0xabcd, e[2].data));
    e[3].len = ok("abs_send_time",
                  rtp_ext_abs_send_time_build(rtp_abs_send_time_from_us(1500000),
                                              e[3].data));
    e[4].len = strlen(mid);
    memcpy(e[4].data, mid, e[4].len);
    e[5].len = strlen(rid);
    memcpy(e[5].data, rid, e[5].len);
    return 6;
}

/* The element data as the RFCs define it, worked out from the inputs. */
static void hand_values(uint8_t al[1], uint8_t cvo[1], uint8_t tw[2], uint8_t ast[3])
{
    /* 1.5 s in 6.18 fixed point: 1.5 * 2^18 = 393216 = 0x060000 */
    al[0] = 0x80 | 42;
    cvo[0] = 0x0b;
    tw[0] = 0xab, tw[1] = 0xcd;
    ast[0] = 0x06, ast[1] = 0x00, ast[2] = 0x00;
}

static void gen_rtp_ext(rtp_ext_form form, uint16_t profile, const char *mid,
                        const char *rid, const char *name)
{
    static ext_elem e[8];
    uint8_t blk[640], al[1], cvo[1], tw[2], ast[3];
    const uint8_t *hand[4];
    size_t hand_len[4] = {1, 1, 2, 3};
    rtp_ext_writer w;
    rtp_packet_desc d;
    size_t n, i, raw = 0;
    int len;
    hand_values(al, cvo, tw, ast);
    hand[0] = al, hand[1] = cvo, hand[2] = tw, hand[3] = ast;
    n = typed_elems(e, mid, rid);
    if (form == RTP_EXT_FORM_TWO_BYTE) {
        /* RFC 8285 §4.3: ids above 14 and empty elements need this form */
        e[n].id = 200;
        e[n].len = 0;
        n++;
        /* and the largest element: id 255, 255 octets */
        e[n].id = 255;
        e[n].len = 255;
        for (i = 0; i < 255; i++) e[n].data[i] = (uint8_t)(255 - i);
        n++;
    }
    rtp_ext_writer_init(&w, form, blk, sizeof blk);
    for (i = 0; i < n; i++) {
        if (rtp_ext_writer_add(&w, e[i].id, e[i].data, e[i].len) < 0)
            die("rtp_ext_writer_add", (int)i);
        raw += (form == RTP_EXT_FORM_ONE_BYTE ? 1 : 2) + e[i].len;
    }
    len = rtp_ext_writer_finish(&w, NULL);
    if (len < 0) die("rtp_ext_writer_finish", len);
    memset(&d, 0, sizeof d);
    d.payload_type = 111;
    d.seq = 777;
    d.timestamp = 48000;
    d.ssrc = 0xcafef00du;
    d.extension = 1;
    d.ext_profile = profile;
    d.ext = blk;
    d.ext_len = (size_t)len;
    d.payload = k_payload;
    d.payload_len = 10;
    frame_begin(name);
    expect_rtp(&d);
    ei("rtp.ext.profile", profile);
    ei("rtp.ext.len", (long long)((raw + 3) / 4));
    for (i = 0; i < n; i++) ei("rtp.ext.rfc5285.id", e[i].id);
    /* tshark shows the data length in both forms (the one-byte form's
     * L field plus one, RFC 8285 §4.2) */
    for (i = 0; i < n; i++) ei("rtp.ext.rfc5285.len", (long long)e[i].len);
    if (form == RTP_EXT_FORM_TWO_BYTE)   /* shown once per element */
        for (i = 0; i < n; i++) ei("rtp.ext.rfc5285.appbits", profile & 0xf);
    for (i = 0; i < n; i++) {
        if (e[i].len == 0) continue;   /* tshark adds no data item for 0 */
        if (i < 4)
            ex("rtp.ext.rfc5285.data", hand[i], hand_len[i]);
        else if (i < 6)
            ex("rtp.ext.rfc5285.data", (const uint8_t *)(i == 4 ? mid : rid),
               strlen(i == 4 ? mid : rid));
        else {   /* 255, 254, ..., 1 */
            uint8_t want[255];
            size_t k;
            for (k = 0; k < 255; k++) want[k] = (uint8_t)(255 - k);
            ex("rtp.ext.rfc5285.data", want, 255);
        }
    }
    ex("rtp.payload", k_payload, 10);
    send_rtp(&d);
}

/* RFC 4733: the first and the last packet of a 60 ms '5' at 8 kHz, 20 ms
 * ticks, from the telephone-event sender. */
static void gen_rtp_dtmf(void)
{
    rtp_dtmf_sender s;
    rtp_dtmf_packet p, first, last;
    rtp_packet_desc d;
    int r, k = 0;
    if ((r = rtp_dtmf_sender_init(&s, 8000, 20000)) != 0) die("dtmf init", r);
    if ((r = rtp_dtmf_sender_start(&s, 5, 10, 16000, 480)) != 0) die("dtmf start", r);
    while (rtp_dtmf_sender_tick(&s, &p) == 1) {
        if (k++ == 0) first = p;
        last = p;
    }
    if (k != 5) die("dtmf packet count", k);
    memset(&d, 0, sizeof d);
    d.payload_type = 101;
    d.ssrc = 0x0d7f0d7fu;
    d.timestamp = 16000;
    d.payload_len = 4;

    d.marker = 1;
    d.seq = 300;
    d.payload = first.payload;
    frame_begin("RTP, RFC 4733 telephone-event, first packet");
    expect_rtp(&d);
    ei("rtpevent.event_id", 5);
    ei("rtpevent.end_of_event", 0);
    ei("rtpevent.volume", 10);
    ei("rtpevent.duration", 160);
    send_rtp_as(PROTOS_RTP ":rtpevent", &d);

    d.marker = 0;
    d.seq = 304;
    d.payload = last.payload;
    frame_begin("RTP, RFC 4733 telephone-event, last end packet");
    expect_rtp(&d);
    ei("rtpevent.event_id", 5);
    ei("rtpevent.end_of_event", 1);
    ei("rtpevent.volume", 10);
    ei("rtpevent.duration", 480);
    send_rtp_as(PROTOS_RTP ":rtpevent", &d);
}

/* ---- RTCP ----------------------------------------------------------------- */

/* The common header of one RTCP packet (RFC 3550 §6.4.1). */
static void expect_rtcp_hdr_p(unsigned pt, unsigned words_minus_1, int padding)
{
    ei("rtcp.version", 2);
    ei("rtcp.padding", padding);
    ei("rtcp.pt", pt);
    ei("rtcp.length", words_minus_1);
}

static void expect_rtcp_hdr(unsigned pt, unsigned words_minus_1)
{
    expect_rtcp_hdr_p(pt, words_minus_1, 0);
}

/* Report block fields, for a list of blocks (each field lists every
 * block's value). */
static void expect_blocks(const rtcp_report_block *b, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) ei("rtcp.ssrc.identifier", b[i].ssrc);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.fraction", b[i].fraction_lost);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.cum_nr", b[i].cumulative_lost);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.ext_high", b[i].ext_highest_seq);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.high_seq", b[i].ext_highest_seq & 0xffff);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.high_cycles", b[i].ext_highest_seq >> 16);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.jitter", b[i].jitter);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.lsr", b[i].lsr);
    for (i = 0; i < n; i++) ei("rtcp.ssrc.dlsr", b[i].dlsr);
}

static const rtcp_report_block k_rb[2] = {
    {0x11111111u, 64, 1234, 0x0002fffeu, 321, 0x89abcdefu, 0x00018000u},
    {0x22222222u, 255, -3, 0x00000010u, 0, 0, 0},
};

static void gen_sr(void)
{
    uint8_t b[256];
    rtcp_sender_info si;
    size_t n;
    si.ntp = rtcp_ntp_from_unix_us(1700000000ull * 1000000u + 500000u);
    si.rtp_ts = 0x01020304u;
    si.packet_count = 1000;
    si.octet_count = 160000;
    n = ok("rtcp_report_build SR", rtcp_report_build(0xaaaabbbbu, &si, k_rb, 1, b, sizeof b, NULL));
    frame_begin("RTCP SR with one report block");
    expect_rtcp_hdr(200, 12);
    ei("rtcp.rc", 1);
    ei("rtcp.senderssrc", 0xaaaabbbbu);
    /* 1700000000 + 2208988800 s; .5 s = 0x80000000 */
    ei("rtcp.timestamp.ntp.msw", 1700000000ll + 2208988800ll);
    ei("rtcp.timestamp.ntp.lsw", 0x80000000ll);
    et("rtcp.timestamp.ntp", 1700000000ll, 500000000l);
    ei("rtcp.timestamp.rtp", 0x01020304);
    ei("rtcp.sender.packetcount", 1000);
    ei("rtcp.sender.octetcount", 160000);
    expect_blocks(k_rb, 1);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* The largest counts: an SR with 31 report blocks (RC is 5 bits) and an
 * RTP packet with 15 CSRCs (CC is 4 bits). */
static void gen_limits(void)
{
    rtcp_report_block rb[31];
    uint32_t csrc[15];
    rtcp_sender_info si;
    rtp_packet_desc d;
    uint8_t b[1024];
    size_t n;
    unsigned i;
    for (i = 0; i < 31; i++) {
        rb[i].ssrc = 0x40000000u + i;
        rb[i].fraction_lost = (uint8_t)(i * 8);
        rb[i].cumulative_lost = (int32_t)i * 1000 - 15000;
        rb[i].ext_highest_seq = 0x10000u * i + 7 * i;
        rb[i].jitter = i * 11;
        rb[i].lsr = 0x01010101u * i;
        rb[i].dlsr = 0x10000u + i;
    }
    /* the 24-bit extremes on two of them */
    rb[29].cumulative_lost = 8388607;
    rb[30].cumulative_lost = -8388608;
    memset(&si, 0, sizeof si);
    si.ntp = (uint64_t)0xffffffffu << 32 | 0xffffffffu;
    si.rtp_ts = 0xffffffffu, si.packet_count = 0xffffffffu, si.octet_count = 0xffffffffu;
    n = ok("SR 31", rtcp_report_build(0x3f3f3f3fu, &si, rb, 31, b, sizeof b, NULL));
    frame_begin("RTCP SR with 31 report blocks, all-ones sender info, 24-bit loss extremes");
    expect_rtcp_hdr(200, 6 + 6 * 31);
    ei("rtcp.rc", 31);
    ei("rtcp.senderssrc", 0x3f3f3f3fu);
    ei("rtcp.timestamp.ntp.msw", 0xffffffffll);
    ei("rtcp.timestamp.ntp.lsw", 0xffffffffll);
    ei("rtcp.timestamp.rtp", 0xffffffffll);
    ei("rtcp.sender.packetcount", 0xffffffffll);
    ei("rtcp.sender.octetcount", 0xffffffffll);
    expect_blocks(rb, 31);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);

    for (i = 0; i < 15; i++) csrc[i] = 0xcc000000u | i;
    memset(&d, 0, sizeof d);
    d.payload_type = 9;
    d.seq = 2;
    d.timestamp = 320;
    d.ssrc = 0x0f0f0f0fu;
    d.csrc = csrc;
    d.csrc_count = 15;
    d.payload = k_payload;
    d.payload_len = 20;
    frame_begin("RTP, G.722, 15 CSRCs");
    expect_rtp(&d);
    for (i = 0; i < 15; i++) ei("rtp.csrc.item", csrc[i]);
    ex("rtp.payload", k_payload, 20);
    send_rtp(&d);
}

static void gen_rr(void)
{
    uint8_t b[256];
    size_t n = ok("rtcp_report_build RR", rtcp_report_build(0xccccddddu, NULL, k_rb, 2, b, sizeof b, NULL));
    frame_begin("RTCP RR with two report blocks (one negative cumulative loss)");
    expect_rtcp_hdr(201, 13);
    ei("rtcp.rc", 2);
    ei("rtcp.senderssrc", 0xccccddddu);
    expect_blocks(k_rb, 2);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static rtp_span sp(const char *s)
{
    rtp_span r;
    r.p = (const uint8_t *)s;
    r.len = strlen(s);
    return r;
}

static void gen_sdes(void)
{
    static const char *const txt[7] = {"user@host.example", "Alice Example",
                                       "alice@example.com", "+1 555 0100",
                                       "Lab 3", "cvoip tshark_gen",
                                       "on the phone"};
    rtcp_sdes_item it[8], it2[1];
    rtcp_sdes_chunk ch[2];
    uint8_t b[512];
    size_t n, i;
    memset(it, 0, sizeof it);
    memset(it2, 0, sizeof it2);
    for (i = 0; i < 7; i++) {
        it[i].type = (uint8_t)(RTCP_SDES_CNAME + i);
        it[i].value = sp(txt[i]);
    }
    it[7].type = RTCP_SDES_PRIV;
    it[7].prefix = sp("x-cvoip");
    it[7].value = sp("private value");
    it2[0].type = RTCP_SDES_CNAME;
    it2[0].value = sp("second@host");
    ch[0].ssrc = 0x01010101u, ch[0].items = it, ch[0].n_items = 8;
    ch[1].ssrc = 0x02020202u, ch[1].items = it2, ch[1].n_items = 1;
    n = ok("rtcp_sdes_build", rtcp_sdes_build(ch, 2, b, sizeof b, NULL));
    frame_begin("RTCP SDES, two chunks, every item type incl. PRIV");
    /* chunk 1: 4 + items (2 + len each; PRIV 2 + 1 + 7 + 13) + END, to 4;
     * chunk 2: 4 + 2 + 11 + END = 18 -> 20 */
    {
        size_t c1 = 4, c2 = 20;
        for (i = 0; i < 7; i++) c1 += 2 + strlen(txt[i]);
        c1 += 2 + 1 + 7 + 13;
        c1 = (c1 + 1 + 3) / 4 * 4;
        expect_rtcp_hdr(202, (unsigned)((4 + c1 + c2) / 4 - 1));
    }
    ei("rtcp.sc", 2);
    for (i = 0; i < 8; i++) ei("rtcp.sdes.type", RTCP_SDES_CNAME + (long long)i);
    ei("rtcp.sdes.type", 0);
    ei("rtcp.sdes.type", RTCP_SDES_CNAME);
    ei("rtcp.sdes.type", 0);
    for (i = 0; i < 7; i++) es("rtcp.sdes.text", txt[i]);
    es("rtcp.sdes.text", "private value");
    es("rtcp.sdes.text", "second@host");
    ei("rtcp.sdes.prefix.length", 7);
    es("rtcp.sdes.prefix.string", "x-cvoip");
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_bye(void)
{
    static const uint32_t ss[2] = {0x0badf00du, 0x12345678u};
    uint8_t b[128];
    size_t n = ok("rtcp_bye_build", rtcp_bye_build(ss, 2, sp("session ended"), b, sizeof b, NULL));
    frame_begin("RTCP BYE, two SSRCs and a reason");
    /* 4 + 8 + 1 + 13 = 26 -> 28 octets */
    expect_rtcp_hdr(203, 6);
    ei("rtcp.sc", 2);
    ei("rtcp.ssrc.identifier", 0x0badf00du);
    ei("rtcp.ssrc.identifier", 0x12345678u);
    es("rtcp.sdes.text", "session ended");
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_app(void)
{
    static const uint8_t data[8] = {1, 2, 3, 4, 0xf0, 0xe0, 0xd0, 0xc0};
    uint8_t b[64];
    size_t n = ok("rtcp_app_build",
                  rtcp_app_build(17, 0x51525354u, (const uint8_t *)"TEST", data, 8, b, sizeof b, NULL));
    frame_begin("RTCP APP, subtype 17, name TEST, 8 octets of data");
    expect_rtcp_hdr(204, 4);
    ei("rtcp.app.subtype", 17);
    ei("rtcp.ssrc.identifier", 0x51525354u);
    es("rtcp.app.name", "TEST");
    ex("rtcp.app.data", data, 8);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_xr(void)
{
    uint8_t blocks[256], b[300];
    size_t off = 0, n;
    rtcp_xr_dlrr_item dl[2] = {{0x0a0a0a0au, 0x12345678u, 0x00010000u},
                               {0x0b0b0b0bu, 0x9abcdef0u, 0x00000042u}};
    rtcp_xr_stats st;
    rtcp_xr_voip v;
    uint64_t ntp = ((uint64_t)3900000000u << 32) | 0x40000000u; /* .25 s */
    memset(&st, 0, sizeof st);
    st.loss_flag = 1, st.dup_flag = 1, st.jitter_flag = 1, st.toh = 1;
    st.ssrc = 0x0c0c0c0cu;
    st.begin_seq = 100, st.end_seq = 600;
    st.lost_packets = 7, st.dup_packets = 2;
    st.min_jitter = 1, st.max_jitter = 90, st.mean_jitter = 20, st.dev_jitter = 5;
    st.min_ttl_or_hl = 60, st.max_ttl_or_hl = 64, st.mean_ttl_or_hl = 62, st.dev_ttl_or_hl = 1;
    memset(&v, 0, sizeof v);
    v.ssrc = 0x0d0d0d0du;
    v.loss_rate = 12, v.discard_rate = 3, v.burst_density = 200, v.gap_density = 5;
    v.burst_duration = 120, v.gap_duration = 5000;
    v.round_trip_delay = 150, v.end_system_delay = 40;
    v.signal_level = -20, v.noise_level = -70;
    v.rerl = 30, v.gmin = 16;
    v.r_factor = 85, v.ext_r_factor = 127, v.mos_lq = 41, v.mos_cq = 39;
    v.rx_config = 0xc3;   /* PLC 3 (standard), JBA 0, JB rate 3 */
    v.jb_nominal = 40, v.jb_maximum = 80, v.jb_abs_max = 200;
    off += ok("rrt", rtcp_xr_rrt_build(ntp, blocks + off, sizeof blocks - off, NULL));
    off += ok("dlrr", rtcp_xr_dlrr_build(dl, 2, blocks + off, sizeof blocks - off, NULL));
    off += ok("stats", rtcp_xr_stats_build(&st, blocks + off, sizeof blocks - off, NULL));
    off += ok("voip", rtcp_xr_voip_build(&v, blocks + off, sizeof blocks - off, NULL));
    n = ok("rtcp_xr_build", rtcp_xr_build(0x0e0e0e0eu, blocks, off, b, sizeof b, NULL));
    frame_begin("RTCP XR: receiver reference time, DLRR, statistics summary, VoIP metrics");
    /* 8 + RRT 12 + DLRR 4+24 + stats 40 + VoIP 36 = 124 octets, 31 words */
    expect_rtcp_hdr(207, 30);
    ei("rtcp.senderssrc", 0x0e0e0e0eu);
    ei("rtcp.xr.bt", RTCP_XR_RRT);
    ei("rtcp.xr.bt", RTCP_XR_DLRR);
    ei("rtcp.xr.bt", RTCP_XR_STATS);
    ei("rtcp.xr.bt", RTCP_XR_VOIP);
    ei("rtcp.xr.bl", 2);
    ei("rtcp.xr.bl", 6);
    ei("rtcp.xr.bl", 9);
    ei("rtcp.xr.bl", 8);
    /* NTP 3900000000.25 s is Unix 3900000000 - 2208988800 */
    et("rtcp.xr.timestamp", 3900000000ll - 2208988800ll, 250000000l);
    /* DLRR sub-blocks, the stats and the VoIP block's source */
    ei("rtcp.ssrc.identifier", 0x0a0a0a0au);
    ei("rtcp.ssrc.identifier", 0x0b0b0b0bu);
    ei("rtcp.ssrc.identifier", 0x0c0c0c0cu);
    ei("rtcp.ssrc.identifier", 0x0d0d0d0du);
    ei("rtcp.xr.lrr", 0x12345678u);
    ei("rtcp.xr.lrr", 0x9abcdef0u);
    ei("rtcp.xr.dlrr", 0x00010000u);
    ei("rtcp.xr.dlrr", 0x00000042u);
    ei("rtcp.xr.stats.lrflag", 1);
    ei("rtcp.xr.stats.dupflag", 1);
    ei("rtcp.xr.stats.jitterflag", 1);
    ei("rtcp.xr.stats.ttl", 1);
    ei("rtcp.xr.beginseq", 100);
    ei("rtcp.xr.endseq", 600);
    ei("rtcp.xr.stats.lost", 7);
    ei("rtcp.xr.stats.dups", 2);
    ei("rtcp.xr.stats.minjitter", 1);
    ei("rtcp.xr.stats.maxjitter", 90);
    ei("rtcp.xr.stats.meanjitter", 20);
    ei("rtcp.xr.stats.devjitter", 5);
    ei("rtcp.xr.stats.minttl", 60);
    ei("rtcp.xr.stats.maxttl", 64);
    ei("rtcp.xr.stats.meanttl", 62);
    ei("rtcp.xr.stats.devttl", 1);
    ei("rtcp.ssrc.fraction", 12);
    ei("rtcp.ssrc.discarded", 3);
    ei("rtcp.xr.voipmetrics.burstdensity", 200);
    ei("rtcp.xr.voipmetrics.gapdensity", 5);
    ei("rtcp.xr.voipmetrics.burstduration", 120);
    ei("rtcp.xr.voipmetrics.gapduration", 5000);
    ei("rtcp.xr.voipmetrics.rtdelay", 150);
    ei("rtcp.xr.voipmetrics.esdelay", 40);
    ei("rtcp.xr.voipmetrics.signallevel", -20);
    ei("rtcp.xr.voipmetrics.noiselevel", -70);
    ei("rtcp.xr.voipmetrics.rerl", 30);
    ei("rtcp.xr.voipmetrics.gmin", 16);
    ei("rtcp.xr.voipmetrics.rfactor", 85);
    ei("rtcp.xr.voipmetrics.extrfactor", 127);
    ef("rtcp.xr.voipmetrics.moslq", 4.1);
    ef("rtcp.xr.voipmetrics.moscq", 3.9);
    ei("rtcp.xr.voipmetrics.plc", 3);
    ei("rtcp.xr.voipmetrics.jba", 0);
    ei("rtcp.xr.voipmetrics.jbrate", 3);
    ei("rtcp.xr.voipmetrics.jbnominal", 40);
    ei("rtcp.xr.voipmetrics.jbmax", 80);
    ei("rtcp.xr.voipmetrics.jbabsmax", 200);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* RFC 3550 §6.1 compound: SR then SDES with a CNAME, by rtcp_compound. */
static void gen_compound(void)
{
    uint8_t b[512], *t;
    rtcp_compound c;
    rtcp_sender_info si;
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    size_t room, n;
    int r;
    memset(&si, 0, sizeof si);
    si.ntp = ((uint64_t)3900000001u << 32);
    si.rtp_ts = 8000, si.packet_count = 50, si.octet_count = 8000;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value = sp("cname@compound");
    ch.ssrc = 0x77777777u, ch.items = &it, ch.n_items = 1;
    rtcp_compound_init(&c, b, sizeof b, 0);
    t = rtcp_compound_tail(&c, &room);
    n = ok("SR", rtcp_report_build(0x77777777u, &si, NULL, 0, t, room, NULL));
    if ((r = rtcp_compound_add(&c, t, n)) != 0) die("compound add SR", r);
    t = rtcp_compound_tail(&c, &room);
    n = ok("SDES", rtcp_sdes_build(&ch, 1, t, room, NULL));
    if ((r = rtcp_compound_add(&c, t, n)) != 0) die("compound add SDES", r);
    n = ok("rtcp_compound_finish", rtcp_compound_finish(&c, NULL));
    frame_begin("RTCP compound: SR (no blocks) + SDES CNAME");
    ei("rtcp.version", 2);
    ei("rtcp.version", 2);
    ei("rtcp.pt", 200);
    ei("rtcp.pt", 202);
    ei("rtcp.length", 6);
    /* 4 + 4 + 2 + 14 + END 1 = 25 -> 28 */
    ei("rtcp.length", 6);
    ei("rtcp.rc", 0);
    ei("rtcp.sc", 1);
    ei("rtcp.senderssrc", 0x77777777u);
    ei("rtcp.timestamp.ntp.msw", 3900000001ll);
    ei("rtcp.timestamp.ntp.lsw", 0);
    ei("rtcp.sender.packetcount", 50);
    ei("rtcp.sender.octetcount", 8000);
    es("rtcp.sdes.text", "cname@compound");
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* Edge cases of the RTCP builders: a BYE reason that fills its word (no
 * padding octet), a BYE without reason, an SDES chunk whose items end on a
 * word boundary (the terminator then takes a whole word of zeros, §6.5),
 * an APP without data: one compound after an empty RR. */
static void gen_rtcp_edges(void)
{
    static const uint32_t one[1] = {0x31313131u};
    static const uint32_t two[1] = {0x32323232u};
    uint8_t b[256], *t;
    rtcp_compound c;
    rtcp_sdes_item it;
    rtcp_sdes_chunk ch;
    size_t room, n;
    int r;
    memset(&it, 0, sizeof it);
    it.type = RTCP_SDES_CNAME;
    it.value = sp("ab");
    ch.ssrc = 0x30303030u, ch.items = &it, ch.n_items = 1;
    rtcp_compound_init(&c, b, sizeof b, 0);
#define ADD(what, expr)                                      \
    do {                                                     \
        t = rtcp_compound_tail(&c, &room);                   \
        n = ok(what, (expr));                                \
        if ((r = rtcp_compound_add(&c, t, n)) != 0) die(what, r); \
    } while (0)
    ADD("RR", rtcp_report_build(0x30303030u, NULL, NULL, 0, t, room, NULL));
    ADD("SDES", rtcp_sdes_build(&ch, 1, t, room, NULL));
    ADD("APP", rtcp_app_build(0, 0x30303030u, (const uint8_t *)"cvoi", NULL, 0, t, room, NULL));
    ADD("BYE abc", rtcp_bye_build(one, 1, sp("abc"), t, room, NULL));
    ADD("BYE", rtcp_bye_build(two, 1, sp(""), t, room, NULL));
#undef ADD
    n = ok("finish", rtcp_compound_finish(&c, NULL));
    frame_begin("RTCP compound edges: empty RR, SDES ending on a word, APP without data, "
                "BYE reason filling its word, BYE with empty reason");
    ei("rtcp.pt", 201);
    ei("rtcp.pt", 202);
    ei("rtcp.pt", 204);
    ei("rtcp.pt", 203);
    ei("rtcp.pt", 203);
    /* RR 8; SDES 4 + 4 + 2 + 2 = 12, the END item needs a new word: 16;
     * APP 12; BYE 4 + 4 + 1 + 3 = 12; BYE 4 + 4 + 1 -> 12 */
    ei("rtcp.length", 1);
    ei("rtcp.length", 3);
    ei("rtcp.length", 2);
    ei("rtcp.length", 2);
    ei("rtcp.length", 2);
    ei("rtcp.rc", 0);
    ei("rtcp.senderssrc", 0x30303030u);
    ei("rtcp.sdes.type", RTCP_SDES_CNAME);
    ei("rtcp.sdes.type", 0);
    ei("rtcp.sdes.length", 2);
    ei("rtcp.sdes.length", 3);   /* BYE reason lengths use the SDES field */
    ei("rtcp.sdes.length", 0);
    es("rtcp.sdes.text", "ab");
    es("rtcp.sdes.text", "abc");
    es("rtcp.sdes.text", "");
    es("rtcp.app.name", "cvoi");
    ei("rtcp.app.subtype", 0);
    ei("rtcp.ssrc.identifier", 0x30303030u);   /* SDES chunk */
    ei("rtcp.ssrc.identifier", 0x30303030u);   /* APP */
    ei("rtcp.ssrc.identifier", 0x31313131u);
    ei("rtcp.ssrc.identifier", 0x32323232u);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* The compounds an rtp_session sends: its first report (SR with a report
 * block about a remote source, SDES CNAME) and rtp_session_build_bye. */
typedef struct sent_rtcp {
    uint8_t b[1500];
    size_t n;
} sent_rtcp;

static int send_cb(void *user, const uint8_t *pkt, size_t len)
{
    sent_rtcp *o = (sent_rtcp *)user;
    if (len > sizeof o->b) return -1;
    memcpy(o->b, pkt, len);
    o->n = len;
    return 0;
}

static void gen_session(void)
{
    static uint64_t mem[4096];
    static const char cname[] = "session@cvoip.example";
    const uint64_t t0 = 1000000;              /* caller clock, µs */
    const int64_t offset = 1700000100000000ll; /* Unix µs = now + offset */
    rtp_session_config cfg;
    rtp_session_callbacks cb;
    rtp_session s;
    sent_rtcp o;
    rtp_packet_desc d;
    uint8_t pkt[64], bye[256];
    uint64_t now, dl, sent_at = 0;
    size_t n;
    int r, i;
    memset(&cfg, 0, sizeof cfg);
    cfg.ssrc = 0x5e55105eu;
    cfg.cname = sp(cname);
    cfg.wallclock_offset_us = offset;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send_rtcp = send_cb;
    memset(&o, 0, sizeof o);
    if (rtp_session_mem_size(&cfg) > sizeof mem) die("session mem", 0);
    if ((r = rtp_session_init(&s, mem, sizeof mem, &cfg, &cb, &o, t0)) != 0)
        die("rtp_session_init", r);
    /* we send 10 packets of 160 octets; a remote sends 1000..1004, 20 ms
     * apart with 160-unit timestamps (so interarrival jitter stays 0) */
    memset(&d, 0, sizeof d);
    d.ssrc = 0x0e0e0e01u;
    d.payload = k_payload;
    d.payload_len = 20;
    for (i = 0; i < 10; i++)
        rtp_session_on_rtp_sent(&s, 8000 + 160 * (uint32_t)i, 160, t0 + 20000 * (uint64_t)i);
    for (i = 0; i < 5; i++) {
        d.seq = (uint16_t)(1000 + i);
        d.timestamp = 50000 + 160 * (uint32_t)i;
        n = ok("rtp", rtp_build(&d, pkt, sizeof pkt, NULL));
        r = rtp_session_on_rtp(&s, pkt, n, 7, t0 + 20000 * (uint64_t)i, NULL);
        if (r < 0) die("rtp_session_on_rtp", r);
    }
    dl = rtp_session_next_deadline(&s);
    now = dl > t0 + 200000 ? dl : t0 + 200000;
    while (o.n == 0) {
        if ((r = rtp_session_on_timeout(&s, now)) < 0) die("rtp_session_on_timeout", r);
        sent_at = now;
        now = rtp_session_next_deadline(&s);
    }
    frame_begin("rtp_session's first compound: SR (10 sent, report on a remote) + SDES CNAME");
    /* the SR's NTP time is the time of the on_timeout call that sent it,
     * on the Unix clock (now + wallclock_offset_us) */
    et("rtcp.timestamp.ntp", (long long)((sent_at + (uint64_t)offset) / 1000000u),
       (long)((sent_at + (uint64_t)offset) % 1000000u) * 1000);
    ei("rtcp.pt", 200);
    ei("rtcp.pt", 202);
    ei("rtcp.rc", 1);
    ei("rtcp.sc", 1);
    ei("rtcp.senderssrc", 0x5e55105eu);
    ei("rtcp.sender.packetcount", 10);
    ei("rtcp.sender.octetcount", 1600);
    ei("rtcp.ssrc.identifier", 0x0e0e0e01u);
    ei("rtcp.ssrc.identifier", 0x5e55105eu);   /* SDES chunk */
    /* RFC 3550 A.1: 1000 starts probation, 1001 ends it (base_seq 1001),
     * 1001..1004 received, none lost */
    ei("rtcp.ssrc.fraction", 0);
    ei("rtcp.ssrc.cum_nr", 0);
    ei("rtcp.ssrc.ext_high", 1004);
    ei("rtcp.ssrc.jitter", 0);
    ei("rtcp.ssrc.lsr", 0);
    ei("rtcp.ssrc.dlsr", 0);
    es("rtcp.sdes.text", cname);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, o.b, o.n);

    n = ok("rtp_session_build_bye",
           rtp_session_build_bye(&s, 0x5e55105eu, sp("collision"), bye, sizeof bye, NULL));
    frame_begin("rtp_session_build_bye: RR + SDES CNAME + BYE with reason");
    ei("rtcp.pt", 201);
    ei("rtcp.pt", 202);
    ei("rtcp.pt", 203);
    ei("rtcp.rc", 0);
    ei("rtcp.sc", 1);
    ei("rtcp.sc", 1);
    ei("rtcp.senderssrc", 0x5e55105eu);
    ei("rtcp.ssrc.identifier", 0x5e55105eu);
    ei("rtcp.ssrc.identifier", 0x5e55105eu);
    es("rtcp.sdes.text", cname);
    es("rtcp.sdes.text", "collision");
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, bye, n);
}

/* ---- feedback ------------------------------------------------------------- */

static void expect_fb(unsigned pt, unsigned fmt, unsigned words_minus_1,
                      uint32_t sender, uint32_t media)
{
    expect_rtcp_hdr(pt, words_minus_1);
    ei(pt == RTCP_FB_PT_RTPFB ? "rtcp.rtpfb.fmt" : "rtcp.psfb.fmt", fmt);
    ei("rtcp.senderssrc", sender);
    ei("rtcp.mediassrc", media);
}

/* RFC 5506 reduced-size RTCP: a compound that starts with a NACK, then a
 * PLI and a transport-cc feedback, no SR/RR and no SDES. The TWCC packet
 * carries RFC 3550 padding, allowed on the last packet only (§6.4.1). */
static void gen_reduced(void)
{
    static const uint16_t seqs[1] = {42};
    uint8_t b[128], *t;
    rtcp_compound c;
    size_t room, n;
    int r;
    rtcp_compound_init(&c, b, sizeof b, RTCP_REDUCED_SIZE);
    t = rtcp_compound_tail(&c, &room);
    n = ok("nack", rtcp_fb_nack_build_seqs(t, room, 1, 2, seqs, 1, NULL));
    if ((r = rtcp_compound_add(&c, t, n)) != 0) die("reduced add NACK", r);
    t = rtcp_compound_tail(&c, &room);
    n = ok("pli", rtcp_fb_pli_build(t, room, 1, 2, NULL));
    if ((r = rtcp_compound_add(&c, t, n)) != 0) die("reduced add PLI", r);
    {
        rtcp_fb_twcc tw = {7, 0, 1, 1};
        rtcp_fb_twcc_packet pk[1];
        pk[0].seq = 7, pk[0].status = RTCP_FB_TWCC_SMALL, pk[0].delta_us = 500;
        t = rtcp_compound_tail(&c, &room);
        n = ok("twcc", rtcp_fb_twcc_build(t, room, 1, 2, &tw, pk, 1, NULL));
        if ((r = rtcp_compound_add(&c, t, n)) != 0) die("reduced add TWCC", r);
    }
    n = ok("reduced finish", rtcp_compound_finish(&c, NULL));
    frame_begin("RTCP reduced-size (RFC 5506): NACK + PLI + padded TWCC, no SR/RR/SDES");
    ei("rtcp.version", 2);
    ei("rtcp.version", 2);
    ei("rtcp.version", 2);
    ei("rtcp.padding", 0);
    ei("rtcp.padding", 0);
    ei("rtcp.padding", 1);
    ei("rtcp.pt", 205);
    ei("rtcp.pt", 206);
    ei("rtcp.pt", 205);
    /* TWCC: 12 + 8 + one chunk 2 + one delta 1 = 23 -> 24 octets */
    ei("rtcp.length", 3);
    ei("rtcp.length", 2);
    ei("rtcp.length", 5);
    ei("rtcp.rtpfb.fmt", 1);
    ei("rtcp.psfb.fmt", 1);
    ei("rtcp.rtpfb.fmt", 15);
    ei("rtcp.senderssrc", 1);
    ei("rtcp.senderssrc", 1);
    ei("rtcp.senderssrc", 1);
    ei("rtcp.mediassrc", 2);
    ei("rtcp.mediassrc", 2);
    ei("rtcp.mediassrc", 2);
    ei("rtcp.rtpfb.transportcc.statuscount", 1);
    ei("rtcp.rtpfb.transportcc.pktchunk", 0x2001);   /* run of 1, small */
    ei("rtcp.rtpfb.transportcc.recv_delta", 2);
    ei("rtcp.rtpfb.nack_pid", 42);
    ei("rtcp.rtpfb.nack_blp", 0);
    ei("rtcp.length_check", 1);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_nack(void)
{
    /* 100 + bits for 101, 105, 116; then 200 + bits for 202, 203 */
    static const uint16_t seqs[6] = {100, 101, 105, 116, 200, 202};
    uint8_t b[64];
    size_t n = ok("nack", rtcp_fb_nack_build_seqs(b, sizeof b, 0x11u, 0x22u, seqs, 6, NULL));
    frame_begin("RTPFB Generic NACK (RFC 4585 §6.2.1), two FCIs");
    expect_fb(205, 1, 4, 0x11u, 0x22u);
    /* tshark lists each PID, then one more nack_pid per BLP bit: the lost
     * sequence numbers we gave, in order */
    {
        size_t i;
        for (i = 0; i < 6; i++) ei("rtcp.rtpfb.nack_pid", seqs[i]);
    }
    /* bit i <=> PID + i + 1: 101 -> 0, 105 -> 4, 116 -> 15; 202 -> 1 */
    ei("rtcp.rtpfb.nack_blp", 0x8011);
    ei("rtcp.rtpfb.nack_blp", 0x0002);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_pli(void)
{
    uint8_t b[16];
    size_t n = ok("pli", rtcp_fb_pli_build(b, sizeof b, 0x33u, 0x44u, NULL));
    frame_begin("PSFB PLI (RFC 4585 §6.3.1)");
    expect_fb(206, 1, 2, 0x33u, 0x44u);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_sli(void)
{
    static const rtcp_fb_sli_item it[2] = {{1, 8191, 63}, {8191, 1, 0}};
    uint8_t b[64];
    size_t n = ok("sli", rtcp_fb_sli_build(b, sizeof b, 0x55u, 0x66u, it, 2, NULL));
    frame_begin("PSFB SLI (RFC 4585 §6.3.2), two FCIs, field extremes");
    expect_fb(206, 2, 4, 0x55u, 0x66u);
    ei("rtcp.psfb.fir.sli.first", 1);
    ei("rtcp.psfb.fir.sli.first", 8191);
    ei("rtcp.psfb.fir.sli.number", 8191);
    ei("rtcp.psfb.fir.sli.number", 1);
    ei("rtcp.psfb.fir.sli.picture_id", 63);
    ei("rtcp.psfb.fir.sli.picture_id", 0);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_rpsi(void)
{
    static const uint8_t bits[3] = {0xde, 0xad, 0xb0};
    rtcp_fb_rpsi r;
    uint8_t b[64], fci[8];
    size_t n;
    r.payload_type = 96, r.bits = bits, r.n_bits = 20;
    n = ok("rpsi", rtcp_fb_rpsi_build(b, sizeof b, 0x77u, 0x88u, &r, NULL));
    frame_begin("PSFB RPSI (RFC 4585 §6.3.3), 20 bits");
    /* PB 28? no: 16 header bits + 20 = 36 -> 64, PB = 28 */
    expect_fb(206, 3, 3 + 1, 0x77u, 0x88u);
    fci[0] = 28, fci[1] = 96, fci[2] = 0xde, fci[3] = 0xad, fci[4] = 0xb0;
    fci[5] = fci[6] = fci[7] = 0;
    ex("rtcp.fci", fci, 8);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_fir(void)
{
    static const rtcp_fb_fir_item it[2] = {{0x0abcdef0u, 7}, {0x01020304u, 255}};
    uint8_t b[64];
    size_t n = ok("fir", rtcp_fb_fir_build(b, sizeof b, 0x99u, 0, it, 2, NULL));
    frame_begin("PSFB FIR (RFC 5104 §4.3.1), two FCIs");
    expect_fb(206, 4, 6, 0x99u, 0);
    ei("rtcp.psfb.fir.fci.ssrc", 0x0abcdef0u);
    ei("rtcp.psfb.fir.fci.ssrc", 0x01020304u);
    ei("rtcp.psfb.fir.fci.csn", 7);
    ei("rtcp.psfb.fir.fci.csn", 255);
    ei("rtcp.psfb.fir.fci.reserved", 0);
    ei("rtcp.psfb.fir.fci.reserved", 0);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_tst(int fmt)
{
    static const rtcp_fb_tst_item it[1] = {{0x0f0f0f0fu, 9, 31}};
    uint8_t b[64], fci[8] = {0x0f, 0x0f, 0x0f, 0x0f, 9, 0, 0, 31};
    size_t n = ok("tst", rtcp_fb_tst_build(b, sizeof b, fmt, 0xaau, 0, it, 1, NULL));
    frame_begin(fmt == RTCP_FB_FMT_TSTR ? "PSFB TSTR (RFC 5104 §4.3.2)"
                                        : "PSFB TSTN (RFC 5104 §4.3.3)");
    expect_fb(206, (unsigned)fmt, 4, 0xaau, 0);
    ex("rtcp.fci", fci, 8);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_tmmb(int fmt)
{
    /* 2.5 Mbit/s = 78125 * 2^5; 1 Gbit/s = 122070 * 2^13 + ... (exact
     * here: 125000 * 2^13 = 1024000000) */
    /* overhead at most 255: tshark 4.0 adds the 9-bit Measured Overhead as
     * a one-octet item, so it never shows the field's top bit (a 511 of
     * ours, correct on the wire, reads 255) */
    static const rtcp_fb_tmmb_item it[2] = {{0x13131313u, 5, 78125, 40},
                                            {0x14141414u, 13, 125000, 255}};
    uint8_t b[64];
    size_t cnt = fmt == RTCP_FB_FMT_TMMBR ? 1 : 2, i;
    size_t n = ok("tmmb", rtcp_fb_tmmb_build(b, sizeof b, fmt, 0xbbu, 0, it, cnt, NULL));
    frame_begin(fmt == RTCP_FB_FMT_TMMBR ? "RTPFB TMMBR (RFC 5104 §4.2.1)"
                                         : "RTPFB TMMBN (RFC 5104 §4.2.2), two FCIs");
    expect_fb(205, (unsigned)fmt, (unsigned)(2 + 2 * cnt), 0xbbu, 0);
    for (i = 0; i < cnt; i++) ei("rtcp.rtpfb.tmmbr.fci.ssrc", it[i].ssrc);
    for (i = 0; i < cnt; i++) ei("rtcp.rtpfb.tmmbr.fci.exp", it[i].exp);
    for (i = 0; i < cnt; i++) ei("rtcp.rtpfb.tmmbr.fci.mantissa", it[i].mantissa);
    for (i = 0; i < cnt; i++) ei("rtcp.rtpfb.tmmbr.fci.measuredoverhead", it[i].overhead);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static void gen_remb(void)
{
    static const uint32_t ss[2] = {0x15151515u, 0x16161616u};
    rtcp_fb_remb r;
    uint8_t b[64];
    size_t n;
    int e;
    /* 1,500,000 bit/s: the smallest exponent with an 18-bit mantissa is
     * 3 (1500000 / 8 = 187500 < 2^18) */
    if ((e = rtcp_fb_bps_to_mantissa(1500000, 18, &r.exp, &r.mantissa)) != 0)
        die("bps_to_mantissa", e);
    n = ok("remb", rtcp_fb_remb_build(b, sizeof b, 0xccu, 0, &r, ss, 2, NULL));
    frame_begin("PSFB REMB (draft-alvestrand-rmcat-remb-03), two SSRCs");
    /* 12 + "REMB" 4 + num/exp/mantissa 4 + 2 SSRCs 8 = 28 octets */
    expect_fb(206, 15, 6, 0xccu, 0);
    es("rtcp.psfb.remb.identifier", "REMB");
    ei("rtcp.psfb.remb.fci.number_ssrcs", 2);
    ei("rtcp.psfb.remb.fci.br_exp", 3);
    ei("rtcp.psfb.remb.fci.br_mantissa", 187500);
    ei("rtcp.psfb.remb.fci.ssrc", 0x15151515u);
    ei("rtcp.psfb.remb.fci.ssrc", 0x16161616u);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* Transport-wide CC: 20 packets received with small deltas (one run-length
 * chunk: T=0, S=1, run 20 -> 0x2014), then 14 of received / lost mixed
 * (a 1-bit status vector: T=1, S=0, symbols MSB first), then 7 with a
 * large and a negative delta (2-bit vector: T=1, S=1). Sequence numbers
 * wrap (65530 + 41). */
static void gen_twcc(void)
{
    rtcp_fb_twcc_packet pk[41];
    rtcp_fb_twcc tw;
    uint8_t b[256];
    size_t i, n;
    unsigned v1 = 0;
    memset(pk, 0, sizeof pk);
    for (i = 0; i < 41; i++) pk[i].seq = (uint16_t)(65530 + i);  /* wraps */
    for (i = 0; i < 20; i++) pk[i].status = RTCP_FB_TWCC_SMALL, pk[i].delta_us = 250 * (int32_t)i;
    for (i = 20; i < 34; i++) {
        int got = (i % 3) != 2;   /* N R R N R R ... from packet 20 */
        pk[i].status = got ? RTCP_FB_TWCC_SMALL : RTCP_FB_TWCC_NOT_RECEIVED;
        pk[i].delta_us = got ? 1000 : 0;
        v1 = v1 << 1 | (unsigned)got;
    }
    /* 34..40: small, large (+100 ms), lost, large negative (-8 ms), small,
     * lost, small */
    pk[34].status = RTCP_FB_TWCC_SMALL, pk[34].delta_us = 63750;
    pk[35].status = RTCP_FB_TWCC_LARGE, pk[35].delta_us = 100000;
    pk[36].status = RTCP_FB_TWCC_NOT_RECEIVED;
    pk[37].status = RTCP_FB_TWCC_LARGE, pk[37].delta_us = -8000;
    pk[38].status = RTCP_FB_TWCC_SMALL, pk[38].delta_us = 0;
    pk[39].status = RTCP_FB_TWCC_NOT_RECEIVED;
    pk[40].status = RTCP_FB_TWCC_SMALL, pk[40].delta_us = 250;
    tw.base_seq = 65530;
    tw.status_count = 0;
    tw.ref_time = -2;   /* 24-bit signed */
    tw.fb_pkt_count = 9;
    n = ok("twcc", rtcp_fb_twcc_build(b, sizeof b, 0xddu, 0xeeu, &tw, pk, 41, NULL));
    frame_begin("RTPFB transport-wide CC (draft-holmer §3.1), all chunk kinds, wrap");
    /* header 12 + fixed 8 + 3 chunks 6 + deltas: 32 small (20, 9 of the
     * 14, 3 of the last 7) and 2 large = 36: 62 octets, padded with RFC 3550
     * padding (P, count 2 in the last octet) to 64, 16 words */
    expect_rtcp_hdr_p(205, 15, 1);
    ei("rtcp.rtpfb.fmt", 15);
    ei("rtcp.senderssrc", 0xddu);
    ei("rtcp.mediassrc", 0xeeu);
    /* tshark's transport-cc dissector takes the RFC 3550 padding as its
     * own "recv delta padding" (below) and shows no rtcp.padding.count */
    ei("rtcp.rtpfb.transportcc.baseseq", 65530);
    ei("rtcp.rtpfb.transportcc.statuscount", 41);
    ei("rtcp.rtpfb.transportcc.reftime", -2);
    ei("rtcp.rtpfb.transportcc.pktcount", 9);
    ei("rtcp.rtpfb.transportcc.pktchunk", 0x2014);
    ei("rtcp.rtpfb.transportcc.pktchunk", 0x8000 | v1);
    /* 2-bit symbols 1 2 0 2 1 0 1 -> 01 10 00 10 01 00 01 */
    ei("rtcp.rtpfb.transportcc.pktchunk", 0xc000 | 0x1891);
    /* receive deltas in 250 µs units: one octet (small), two octets
     * two's complement (large) */
    for (i = 0; i < 41; i++) {
        if (pk[i].status == RTCP_FB_TWCC_SMALL)
            ei("rtcp.rtpfb.transportcc.recv_delta", pk[i].delta_us / 250);
        else if (pk[i].status == RTCP_FB_TWCC_LARGE)
            ei("rtcp.rtpfb.transportcc.recv_delta", (pk[i].delta_us / 250) & 0xffff);
    }
    ei("rtcp.rtpfb.transportcc.recv_delta.padding", 2);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* Transport-wide CC at the limits: 8200 lost packets (longer than a
 * run-length chunk's 13-bit count, so the builder must split the run),
 * then the largest and the most negative two-octet deltas. Chunk choice is
 * free, so the check is what tshark reads back: the count, every delta,
 * and no "too many chunks" or malformed mark. */
static void gen_twcc_long(void)
{
    static rtcp_fb_twcc_packet pk[8203];
    rtcp_fb_twcc tw = {40000, 0, 8388607, 255};
    uint8_t b[256];
    size_t i, n;
    memset(pk, 0, sizeof pk);
    for (i = 0; i < 8203; i++) pk[i].seq = (uint16_t)(40000 + i);
    pk[8200].status = RTCP_FB_TWCC_SMALL, pk[8200].delta_us = 0;
    pk[8201].status = RTCP_FB_TWCC_LARGE, pk[8201].delta_us = 32767 * 250;
    pk[8202].status = RTCP_FB_TWCC_LARGE, pk[8202].delta_us = -32768 * 250;
    n = ok("twcc long", rtcp_fb_twcc_build(b, sizeof b, 0x1du, 0x2du, &tw, pk, 8203, NULL));
    frame_begin("RTPFB transport-wide CC: a run of 8200 lost (> 13-bit run), "
                "extreme two-octet deltas, largest reference time");
    ei("rtcp.rtpfb.fmt", 15);
    ei("rtcp.rtpfb.transportcc.baseseq", 40000);
    ei("rtcp.rtpfb.transportcc.statuscount", 8203);
    ei("rtcp.rtpfb.transportcc.reftime", 8388607);
    ei("rtcp.rtpfb.transportcc.pktcount", 255);
    ei("rtcp.rtpfb.transportcc.recv_delta", 0);
    ei("rtcp.rtpfb.transportcc.recv_delta", 0x7fff);
    ei("rtcp.rtpfb.transportcc.recv_delta", 0x8000);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* Generic NACK across the sequence number wrap: 65535, 0, 1 share one
 * FCI (PID 65535, BLP bits 0 and 1). */
static void gen_nack_wrap(void)
{
    static const uint16_t seqs[3] = {65535, 0, 1};
    uint8_t b[64];
    size_t n = ok("nack wrap", rtcp_fb_nack_build_seqs(b, sizeof b, 0x11u, 0x22u, seqs, 3, NULL));
    frame_begin("RTPFB Generic NACK across the wrap: 65535, 0, 1 in one FCI");
    expect_fb(205, 1, 3, 0x11u, 0x22u);
    /* rtcp.rtpfb.nack_pid is not checked here: tshark 4.0 lists the BLP's
     * numbers as PID + i + 1 without the modulo (65536, 65537) */
    ei("rtcp.rtpfb.nack_blp", 0x0003);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* RFC 8888 §3.1: two SSRC blocks, one with an odd report count (padded),
 * every ECN value and both special arrival time offsets. */
static void gen_ccfb(void)
{
    static const rtcp_fb_ccfb_metric m[5] = {
        {1, 0, 0}, {1, 3, RTCP_FB_CCFB_ATO_OVER}, {0, 0, 0},
        {1, 1, 1024}, {1, 2, RTCP_FB_CCFB_ATO_NA}};
    rtcp_fb_ccfb_block bl[2];
    rtcp_fb_ccfb cc;
    uint8_t b[128], fci[64];
    size_t n, k = 0;
    bl[0].ssrc = 0x17171717u, bl[0].begin_seq = 65535, bl[0].num_reports = 3, bl[0].first = 0;
    bl[1].ssrc = 0x18181818u, bl[1].begin_seq = 10, bl[1].num_reports = 2, bl[1].first = 3;
    cc.sender_ssrc = 0xffu;
    cc.report_timestamp = 0x12345678u;
    n = ok("ccfb", rtcp_fb_ccfb_build(b, sizeof b, &cc, bl, 2, m, 5, NULL));
    frame_begin("RTPFB RFC 8888 congestion control feedback (FMT 11)");
    /* 8 + (8 + 8) + (8 + 4) + 4 = 40 octets, 10 words. tshark 4.0 knows no
     * FMT 11: its words after the sender SSRC are shown as media SSRC and
     * FCI, which we state as they must be on the wire. */
    expect_rtcp_hdr(205, 9);
    ei("rtcp.rtpfb.fmt", 11);
    ei("rtcp.senderssrc", 0xffu);
    ei("rtcp.mediassrc", 0x17171717u);
    /* block 1 after its SSRC: begin 65535, count 3, metrics, 16 pad bits */
    fci[k++] = 0xff, fci[k++] = 0xff, fci[k++] = 0, fci[k++] = 3;
    fci[k++] = 0x80, fci[k++] = 0x00;                 /* R=1 ECN=0 ATO=0 */
    fci[k++] = 0xff, fci[k++] = 0xfe;                 /* R=1 ECN=3 0x1FFE */
    fci[k++] = 0x00, fci[k++] = 0x00;                 /* not received */
    fci[k++] = 0x00, fci[k++] = 0x00;                 /* padding */
    fci[k++] = 0x18, fci[k++] = 0x18, fci[k++] = 0x18, fci[k++] = 0x18;
    fci[k++] = 0x00, fci[k++] = 10, fci[k++] = 0, fci[k++] = 2;
    fci[k++] = 0xa4, fci[k++] = 0x00;                 /* R=1 ECN=1 1024 */
    fci[k++] = 0xdf, fci[k++] = 0xff;                 /* R=1 ECN=2 0x1FFF */
    fci[k++] = 0x12, fci[k++] = 0x34, fci[k++] = 0x56, fci[k++] = 0x78;
    ex("rtcp.fci", fci, k);
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

/* ---- the detector's self-test: frames tshark must flag -------------------- */

/* Each frame here is one of ours spoiled after building; tests/tshark.sh
 * requires a warning or error expert item (or a malformed mark) on every
 * one, so a check that can no longer see problems fails. */
static void gen_bad(void)
{
    rtp_packet_desc d;
    uint8_t b[256];
    size_t n;
    memset(&d, 0, sizeof d);
    d.payload_type = 0, d.seq = 1, d.timestamp = 160, d.ssrc = 0x0bad0badu;
    d.payload = k_payload, d.payload_len = 20;

    frame_begin("bad: UDP checksum off by one");
    g_bad_udp_checksum = 1;
    n = ok("rtp", rtp_build(&d, b, sizeof b, NULL));
    emit(PROTOS_RTP, PORT_RTP, b, n);
    g_bad_udp_checksum = 0;

    frame_begin("bad: RTCP RR length one word longer than the datagram");
    n = ok("rr", rtcp_report_build(1, NULL, k_rb, 1, b, sizeof b, NULL));
    b[3]++;
    emit(PROTOS_RTCP, PORT_RTCP, b, n);

    /* (An RTP padding count larger than the packet is not flagged by
     * tshark 4.0: it shows the count and caps the padding silently.) */
    frame_begin("bad: RTCP BYE reason followed by non-zero padding");
    {
        static const uint32_t ss[1] = {7};
        n = ok("bye", rtcp_bye_build(ss, 1, sp("ab"), b, sizeof b, NULL));
        b[n - 1] = 0x55;   /* 4 + 4 + 1 + 2 = 11: one padding octet */
    }
    emit(PROTOS_RTCP, PORT_RTCP, b, n);

    frame_begin("bad: transport-cc packet status count beyond its chunks");
    {
        rtcp_fb_twcc_packet pk[3];
        rtcp_fb_twcc tw = {100, 0, 0, 0};
        memset(pk, 0, sizeof pk);
        pk[0].seq = 100, pk[0].status = RTCP_FB_TWCC_SMALL;
        pk[1].seq = 101, pk[1].status = RTCP_FB_TWCC_SMALL;
        pk[2].seq = 102, pk[2].status = RTCP_FB_TWCC_SMALL;
        n = ok("twcc", rtcp_fb_twcc_build(b, sizeof b, 1, 2, &tw, pk, 3, NULL));
        b[12 + 3] = 200;   /* packet status count, low octet */
    }
    emit(PROTOS_RTCP, PORT_RTCP, b, n);
}

static int open_out(const char *dir, const char *name, pcap_t *p)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
    g_dump = pcap_dump_open(p, path);
    if (!g_dump) {
        fprintf(stderr, "tshark_gen: %s: %s\n", path, pcap_geterr(p));
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s.expected", dir, name);
    g_exp = fopen(path, "w");
    if (!g_exp) {
        perror(path);
        return -1;
    }
    g_frame = 0;
    return 0;
}

static void close_out(void)
{
    pcap_dump_close(g_dump);
    if (fclose(g_exp) != 0) die("fclose", 0);
}

int main(int argc, char **argv)
{
    pcap_t *p;
    int good;
    if (argc != 2) {
        fprintf(stderr, "usage: tshark_gen DIR (writes DIR/ours.pcap, "
                        "DIR/ours.expected, DIR/bad.pcap, DIR/bad.expected)\n");
        return 2;
    }
    p = pcap_open_dead(DLT_EN10MB, 65535);
    if (!p) die("pcap_open_dead", 0);
    if (open_out(argv[1], "ours", p) != 0) return 1;
    gen_rtp_plain();
    gen_rtp_csrc();
    gen_rtp_padding();
    gen_rtp_ext(RTP_EXT_FORM_ONE_BYTE, RTP_EXT_PROFILE_ONE_BYTE, "audio0", "hi-res",
                "RTP, one-byte header extensions (RFC 8285 §4.2): audio level, CVO, "
                "transport seq, abs-send-time, MID, RtpStreamId");
    gen_rtp_ext(RTP_EXT_FORM_TWO_BYTE, RTP_EXT_PROFILE_TWO_BYTE | 5,
                "a-much-longer-media-id", "q_1",
                "RTP, two-byte header extensions (RFC 8285 §4.3), appbits 5, "
                "17+ octet MID, empty element id 200, 255-octet element id 255");
    gen_rtp_all();
    gen_rtp_dtmf();
    gen_sr();
    gen_rr();
    gen_limits();
    gen_sdes();
    gen_bye();
    gen_app();
    gen_xr();
    gen_compound();
    gen_rtcp_edges();
    gen_session();
    gen_reduced();
    gen_nack();
    gen_pli();
    gen_sli();
    gen_rpsi();
    gen_fir();
    gen_tst(RTCP_FB_FMT_TSTR);
    gen_tst(RTCP_FB_FMT_TSTN);
    gen_tmmb(RTCP_FB_FMT_TMMBR);
    gen_tmmb(RTCP_FB_FMT_TMMBN);
    gen_remb();
    gen_twcc();
    gen_twcc_long();
    gen_nack_wrap();
    gen_ccfb();
    close_out();
    good = g_frame;
    if (open_out(argv[1], "bad", p) != 0) return 1;
    gen_bad();
    close_out();
    pcap_close(p);
    printf("tshark_gen: %d frames, %d spoiled frames\n", good, g_frame);
    return 0;
}
