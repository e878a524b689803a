/* bench_sip.c - the benchmark workload on cvoip's sip_parse().
 * Parses in place into a sip_msg and header array the caller owns (static
 * here, as a transport's per-thread parse state would be, which also keeps
 * the compiler from dropping stores to entries the benchmark never reads):
 * nothing is allocated, so there is nothing to free. */
#define BENCH_NAME "cvoip"
#include "bench_common.h"

#define SIP_IMPLEMENTATION
#include "../sip.h"

enum { HDR_CAP = 128 };

static int peer_init(void)
{
    return 0;
}

static int peer_prepare(bench_msg *m)
{
    (void)m;
    return 0;
}

static bench_span cv_span(sip_str s)
{
    bench_span r;
    r.p = s.p;
    r.len = s.len;
    return r;
}

/* Non-NULL token for a successful parse (there is nothing to free). */
static char cv_ok;

static void *peer_parse(bench_msg *m, bench_out *o)
{
    static const sip_parse_config cfg = {SIP_PARSE_DATAGRAM, 0, 0};
    static sip_msg msg;
    static sip_hdr hdrs[HDR_CAP];
    if (sip_parse(m->buf, m->len, &cfg, &msg, hdrs, HDR_CAP, NULL) <= 0) return NULL;
    o->call_id = cv_span(msg.call_id);
    o->cseq = msg.cseq.num;
    o->method = cv_span(msg.cseq.method_str);
    o->branch = cv_span(msg.via.branch);
    o->from_tag = cv_span(msg.from.tag);
    o->to_tag = cv_span(msg.to.tag);
    o->clen = (long)msg.content_length;
    o->body = cv_span(msg.body);
    return &cv_ok;
}

static void peer_free(void *h)
{
    (void)h;
}
