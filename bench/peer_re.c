/* peer_re.c - the benchmark workload on libre's SIP parser.
 * Each message sits in its own mbuf, made once at load time as libre's
 * transport would have received it; a parse rewinds it and calls
 * sip_msg_decode() (which allocates the sip_msg, a header hash table and
 * one entry per header, and takes a reference on the mbuf); mem_deref()
 * frees it. */
#define BENCH_NAME "libre"
#include "bench_common.h"

#include <re.h>

static int peer_init(void)
{
    return libre_init() == 0 ? 0 : -1;
}

static int peer_prepare(bench_msg *m)
{
    struct mbuf *mb = mbuf_alloc(m->len);
    if (!mb) return -1;
    if (mbuf_write_mem(mb, (const uint8_t *)m->buf, m->len) != 0) {
        mem_deref(mb);
        return -1;
    }
    m->ctx = mb;
    return 0;
}

static bench_span re_span(const struct pl *pl)
{
    bench_span s;
    s.p = pl->p;
    s.len = pl->l;
    return s;
}

static void *peer_parse(bench_msg *m, bench_out *o)
{
    struct mbuf *mb = m->ctx;
    struct sip_msg *msg = NULL;
    mb->pos = 0;
    if (sip_msg_decode(&msg, mb) != 0 || !msg) return NULL;
    if (!pl_isset(&msg->callid) || !pl_isset(&msg->cseq.met) || !pl_isset(&msg->via.val)) {
        mem_deref(msg);
        return NULL;
    }
    o->call_id = re_span(&msg->callid);
    o->cseq = msg->cseq.num;
    o->method = re_span(&msg->cseq.met);
    if (pl_isset(&msg->via.branch)) o->branch = re_span(&msg->via.branch);
    if (pl_isset(&msg->from.tag)) o->from_tag = re_span(&msg->from.tag);
    if (pl_isset(&msg->to.tag)) o->to_tag = re_span(&msg->to.tag);
    o->clen = pl_isset(&msg->clen) ? (long)pl_u32(&msg->clen) : -1;
    /* after decoding, the mbuf position is at the body; a datagram's body
     * is framed by Content-Length when present */
    o->body.p = (const char *)mbuf_buf(msg->mb);
    o->body.len = mbuf_get_left(msg->mb);
    if (o->clen >= 0 && (size_t)o->clen < o->body.len) o->body.len = (size_t)o->clen;
    return msg;
}

static void peer_free(void *h)
{
    mem_deref(h);
}
