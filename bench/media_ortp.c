/* media_ortp.c - the media workloads with Debian's oRTP (libortp-dev).
 *
 * rtp:  oRTP has no stand-alone validating RTP parser; its receive path
 *       reads the header in place. The closest public equivalent is used:
 *       the rtp_header_t fields (network order, converted here) plus
 *       rtp_get_payload() and rtp_get_extheader(), which check the CSRC,
 *       extension and padding lengths against the buffer. Each packet is
 *       wrapped in an mblk_t once, before timing (as a received packet
 *       already is).
 * rtcp: the rtcp_is_SR / rtcp_SR_get_* accessors, rtcp_sdes_parse and
 *       rtcp_next_packet over an mblk_t of the compound.
 * recv: a receive-only RtpSession whose transport endpoint hands it the
 *       packets (no socket): rtp_session_recvm_with_ts() runs oRTP's parse,
 *       statistics and jitter buffer, and returns the packet due.
 */
#define _POSIX_C_SOURCE 200809L
#define MEDIA_NAME "oRTP"
#include <arpa/inet.h>
#include <errno.h>
#include <ortp/ortp.h>
#include "media_common.h"

static mblk_t *pkt_mblk[MEDIA_NPKT];
static mblk_t *rtcp_mblk;

static int peer_init(void)
{
    unsigned i;
    ortp_init();
    ortp_set_log_level_mask(NULL, ORTP_FATAL);
    for (i = 0; i < MEDIA_NPKT; i++) {
        pkt_mblk[i] = esballoc(media_pkt[i], media_len[i], 0, NULL);
        if (!pkt_mblk[i]) return -1;
        pkt_mblk[i]->b_wptr += media_len[i];
    }
    rtcp_mblk = esballoc(media_rtcp, media_rtcp_len, 0, NULL);
    if (!rtcp_mblk) return -1;
    rtcp_mblk->b_wptr += media_rtcp_len;
    return 0;
}

static mblk_t *find_mblk(const uint8_t *p)
{
    /* the harness passes media_pkt[i]: its index is the mblk's */
    return pkt_mblk[(size_t)(p - &media_pkt[0][0]) / sizeof media_pkt[0]];
}

static uint64_t peer_rtp(const uint8_t *p, size_t n)
{
    mblk_t *m = find_mblk(p);
    const rtp_header_t *h = (const rtp_header_t *)m->b_rptr;
    unsigned char *payload;
    uint8_t *ext = NULL;
    uint16_t profile = 0;
    int plen, xlen = 0;
    (void)n;
    if (h->version != 2) return 0;
    plen = rtp_get_payload(m, &payload);
    if (plen < 0) return 0;
    if (h->extbit) {
        xlen = rtp_get_extheader(m, &profile, &ext);
        if (xlen < 0) return 0;
    }
    return (uint64_t)ntohs(h->seq_number) + ntohl(h->timestamp) + ntohl(h->ssrc) +
           h->paytype + h->markbit + (unsigned)plen + (unsigned)xlen;
}

static void sdes_item(void *user, uint32_t csrc, rtcp_sdes_type_t t, const char *content,
                      uint8_t len)
{
    (void)csrc, (void)content;
    if (t == RTCP_SDES_CNAME) *(uint64_t *)user += len;
}

static uint64_t peer_rtcp(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    (void)p, (void)n;
    rtcp_rewind(rtcp_mblk);
    do {
        if (rtcp_is_SR(rtcp_mblk)) {
            const sender_info_t *si = rtcp_SR_get_sender_info(rtcp_mblk);
            const report_block_t *rb = rtcp_SR_get_report_block(rtcp_mblk, 0);
            if (!si || !rb) return 0;
            sum += sender_info_get_packet_count(si) + report_block_get_fraction_lost(rb) +
                   report_block_get_interarrival_jitter(rb);
        } else if (rtcp_is_SDES(rtcp_mblk)) {
            rtcp_sdes_parse(rtcp_mblk, sdes_item, &sum);
        }
    } while (rtcp_next_packet(rtcp_mblk));
    return sum;
}

/* ---- recv ---------------------------------------------------------------- */

static RtpSession *sess;
static const uint8_t *next_pkt;
static size_t next_len;

static int ep_recvfrom(RtpTransport *t, mblk_t *msg, int flags, struct sockaddr *from,
                       socklen_t *fromlen)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)from;
    (void)t, (void)flags;
    if (!next_pkt) {
        errno = EWOULDBLOCK;
        return -1;
    }
    memcpy(msg->b_wptr, next_pkt, next_len);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(40000);
    sin->sin_addr.s_addr = htonl(0x7f000001);
    *fromlen = sizeof *sin;
    next_pkt = NULL;
    return (int)next_len;
}

static ortp_socket_t ep_getsocket(RtpTransport *t) { (void)t; return -1; }
static void ep_close(RtpTransport *t) { (void)t; }
static void ep_destroy(RtpTransport *t) { (void)t; }
static int ep_sendto(RtpTransport *t, mblk_t *m, int f, const struct sockaddr *to, socklen_t l)
{
    (void)t, (void)f, (void)to, (void)l;
    return (int)msgdsize(m);
}

static RtpTransport endpoint;

static int peer_recv_init(void)
{
    RtpTransport *rtptr = NULL, *rtcptr = NULL;
    sess = rtp_session_new(RTP_SESSION_RECVONLY);
    if (!sess) return -1;
    rtp_session_set_scheduling_mode(sess, 0);
    rtp_session_set_blocking_mode(sess, 0);
    rtp_session_set_profile(sess, &av_profile);
    rtp_session_set_payload_type(sess, 0);
    rtp_session_enable_rtcp(sess, FALSE);
    rtp_session_set_jitter_compensation(sess, 60);
    rtp_session_enable_adaptive_jitter_compensation(sess, TRUE);
    rtp_session_get_transports(sess, &rtptr, &rtcptr);
    if (!rtptr) return -1;
    endpoint.t_getsocket = ep_getsocket;
    endpoint.t_recvfrom = ep_recvfrom;
    endpoint.t_sendto = ep_sendto;
    endpoint.t_close = ep_close;
    endpoint.t_destroy = ep_destroy;
    endpoint.session = sess;
    meta_rtp_transport_set_endpoint(rtptr, &endpoint);
    return 0;
}

static uint64_t peer_recv(uint8_t *p, size_t n, uint64_t now_us, uint32_t ts)
{
    mblk_t *m;
    uint64_t r = 1;
    (void)now_us;
    next_pkt = p;
    next_len = n;
    m = rtp_session_recvm_with_ts(sess, ts);
    if (m) {
        r += rtp_get_seqnumber(m);
        freemsg(m);
    }
    return r;
}
