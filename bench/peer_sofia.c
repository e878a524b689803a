/* peer_sofia.c - the benchmark workload on sofia-sip's SIP parser.
 * msg_make() allocates a msg_t with sip_default_mclass(), copies the bytes
 * into its buffer (where a transport would have received them), extracts
 * and parses every header; msg_destroy() frees it all. */
#define BENCH_NAME "sofia-sip"
#include "bench_common.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

static msg_mclass_t const *mclass;

static int peer_init(void)
{
    mclass = sip_default_mclass();
    return mclass ? 0 : -1;
}

static int peer_prepare(bench_msg *m)
{
    (void)m;
    return 0;
}

static void *peer_parse(bench_msg *m, bench_out *o)
{
    msg_t *msg = msg_make(mclass, 0, m->buf, (ssize_t)m->len);
    sip_t *sip;
    if (!msg) return NULL;
    sip = sip_object(msg);
    if (!sip || sip->sip_error || !sip->sip_call_id || !sip->sip_cseq || !sip->sip_via ||
        !sip->sip_from || !sip->sip_to) {
        msg_destroy(msg);
        return NULL;
    }
    o->call_id = bench_cstr(sip->sip_call_id->i_id);
    o->cseq = sip->sip_cseq->cs_seq;
    o->method = bench_cstr(sip->sip_cseq->cs_method_name);
    o->branch = bench_cstr(sip->sip_via->v_branch);
    o->from_tag = bench_cstr(sip->sip_from->a_tag);
    o->to_tag = bench_cstr(sip->sip_to->a_tag);
    o->clen = sip->sip_content_length ? (long)sip->sip_content_length->l_length : -1;
    if (sip->sip_payload) {
        o->body.p = sip->sip_payload->pl_data;
        o->body.len = sip->sip_payload->pl_len;
    } else {
        o->body.p = "";
    }
    return msg;
}

static void peer_free(void *h)
{
    msg_destroy((msg_t *)h);
}
