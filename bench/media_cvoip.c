/* media_cvoip.c - the media workloads with rtp.h (see media_common.h). */
#define _POSIX_C_SOURCE 200809L /* before any include: clock_gettime */
#define MEDIA_NAME "cvoip"
#define RTP_IMPLEMENTATION
#include "../rtp.h"
#include "media_common.h"

static int peer_init(void) { return 0; }

static uint64_t peer_rtp(const uint8_t *p, size_t n)
{
    rtp_header h;
    if (rtp_parse(p, n, &h)) return 0;
    return (uint64_t)h.seq + h.timestamp + h.ssrc + h.payload_type + h.marker +
           h.payload.len + h.ext.len;
}

static uint64_t peer_rtcp(const uint8_t *p, size_t n)
{
    rtcp_walker w;
    rtcp_packet pk;
    uint64_t sum = 0;
    int rc;
    rtcp_walk_init(&w, p, n, 0);
    while ((rc = rtcp_walk_next(&w, &pk)) == 1) {
        if (pk.pt == 200) {
            rtcp_report r;
            rtcp_report_block b;
            if (rtcp_report_parse(&pk, &r) || r.rb_count < 1) return 0;
            rtcp_report_block_get(&r, 0, &b);
            sum += r.si.packet_count + b.fraction_lost + b.jitter;
        } else if (pk.pt == 202) {
            rtcp_sdes_iter it;
            rtcp_sdes_item item;
            if (rtcp_sdes_iter_init(&it, &pk)) return 0;
            while (rtcp_sdes_next(&it, &item) == 1)
                if (item.type == 1) sum += item.value.len;
        }
    }
    return rc < 0 ? 0 : sum;
}

/* ---- recv: session statistics + jitter buffer ------------------------- */

static rtp_session sess;
static rtp_jb jb;

static int send_rtcp(void *user, const uint8_t *pkt, size_t len)
{
    (void)user, (void)pkt, (void)len;
    return 0;
}

static int peer_recv_init(void)
{
    static const char cname[] = "bench@cvoip";
    rtp_session_config cfg;
    rtp_session_callbacks cb;
    rtp_jb_config jc;
    size_t need;
    void *mem;
    memset(&cfg, 0, sizeof cfg);
    memset(&cb, 0, sizeof cb);
    cfg.ssrc = 0xCAFEu;
    cfg.cname.p = (const uint8_t *)cname;
    cfg.cname.len = sizeof cname - 1;
    cb.size = sizeof cb;
    cb.send_rtcp = send_rtcp;
    need = rtp_session_mem_size(&cfg);
    mem = malloc(need);
    if (!mem || rtp_session_init(&sess, mem, need, &cfg, &cb, NULL, 0)) return -1;
    memset(&jc, 0, sizeof jc);
    need = rtp_jb_mem_size(&jc);
    mem = malloc(need);
    if (!mem || rtp_jb_init(&jb, mem, need, &jc)) return -1;
    return 0;
}

static uint64_t peer_recv(uint8_t *p, size_t n, uint64_t now_us, uint32_t ts)
{
    rtp_header h;
    rtp_jb_frame f;
    rtp_source *src = NULL;
    (void)ts;
    if (rtp_parse(p, n, &h)) return 0;
    if (rtp_session_on_rtp(&sess, p, n, 1, now_us, &src) < 0) return 0;
    rtp_jb_put(&jb, h.ssrc, h.seq, h.timestamp, h.marker, h.payload.p, h.payload.len, now_us);
    return (uint64_t)rtp_jb_get(&jb, now_us, &f) + f.seq;
}
