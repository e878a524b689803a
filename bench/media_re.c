/* media_re.c - the media workloads with Debian's libre (libre-dev).
 *
 * rtp:  rtp_hdr_decode() on an mbuf over the packet (prepared once per
 *       packet, before timing), then the payload length from the mbuf
 *       (libre does not remove padding; these packets have none).
 * rtcp: rtcp_decode() per packet of the compound (it allocates the
 *       message, released with mem_deref), reading the same fields.
 * recv: not measured: libre's RTP statistics and receive path live inside
 *       its socket-bound rtp_sock (rtp_listen needs a UDP socket), and it
 *       has no jitter buffer of its own (baresip's is a module).
 */
#define _POSIX_C_SOURCE 200809L
#define MEDIA_NAME "libre"
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <re.h>
#include "media_common.h"

static struct mbuf pkt_mb[MEDIA_NPKT];
static struct mbuf rtcp_mb;

static int peer_init(void)
{
    unsigned i;
    if (libre_init()) return -1;
    for (i = 0; i < MEDIA_NPKT; i++) {
        pkt_mb[i].buf = media_pkt[i];
        pkt_mb[i].size = pkt_mb[i].end = media_len[i];
    }
    rtcp_mb.buf = media_rtcp;
    rtcp_mb.size = rtcp_mb.end = media_rtcp_len;
    return 0;
}

static uint64_t peer_rtp(const uint8_t *p, size_t n)
{
    struct mbuf *mb = &pkt_mb[(size_t)(p - &media_pkt[0][0]) / sizeof media_pkt[0]];
    struct rtp_header h;
    (void)n;
    mb->pos = 0;
    if (rtp_hdr_decode(&h, mb)) return 0;
    /* rtp_hdr_decode leaves pos at the payload (after the extension) */
    return (uint64_t)h.seq + h.ts + h.ssrc + h.pt + h.m + mbuf_get_left(mb) +
           (h.ext ? (uint64_t)h.x.len * 4 : 0);
}

static uint64_t peer_rtcp(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    (void)p, (void)n;
    rtcp_mb.pos = 0;
    while (mbuf_get_left(&rtcp_mb) >= 4) {
        struct rtcp_msg *msg = NULL;
        uint32_t i;
        if (rtcp_decode(&msg, &rtcp_mb)) return 0;
        if (msg->hdr.pt == RTCP_SR && msg->hdr.count >= 1)
            sum += msg->r.sr.psent + msg->r.sr.rrv[0].fraction + msg->r.sr.rrv[0].jitter;
        else if (msg->hdr.pt == RTCP_SDES && msg->hdr.count >= 1)
            for (i = 0; i < msg->r.sdesv[0].n; i++)
                if (msg->r.sdesv[0].itemv[i].type == RTCP_SDES_CNAME)
                    sum += msg->r.sdesv[0].itemv[i].length;
        mem_deref(msg);
    }
    return sum;
}

static int peer_recv_init(void) { return -1; }

static uint64_t peer_recv(uint8_t *p, size_t n, uint64_t now_us, uint32_t ts)
{
    (void)p, (void)n, (void)now_us, (void)ts;
    return 0;
}
