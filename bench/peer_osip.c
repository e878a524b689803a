/* peer_osip.c - the benchmark workload on libosip2's parser.
 * osip_message_init() + osip_message_parse() (which copies the bytes and
 * parses every header into malloc'd strings); osip_message_free(). */
#define BENCH_NAME "osip2"
#include "bench_common.h"

#include <osipparser2/osip_parser.h>

static int peer_init(void)
{
    return parser_init() == 0 ? 0 : -1;
}

static int peer_prepare(bench_msg *m)
{
    (void)m;
    return 0;
}

static void *peer_parse(bench_msg *m, bench_out *o)
{
    osip_message_t *sip;
    osip_via_t *via = NULL;
    osip_generic_param_t *prm = NULL;
    osip_body_t *body = NULL;
    osip_call_id_t *cid;
    osip_cseq_t *cseq;
    if (osip_message_init(&sip) != 0) return NULL;
    if (osip_message_parse(sip, m->buf, m->len) != 0) goto fail;
    cid = osip_message_get_call_id(sip);
    cseq = osip_message_get_cseq(sip);
    if (!cid || !cseq || !cseq->number || !sip->from || !sip->to ||
        osip_message_get_via(sip, 0, &via) < 0 || !via)
        goto fail;
    /* osip splits Call-ID at '@' into number and host */
    o->call_id = bench_cstr(cid->number);
    if (cid->host) o->call_id_host = bench_cstr(cid->host);
    o->cseq = (uint32_t)strtoul(cseq->number, NULL, 10);
    o->method = bench_cstr(cseq->method);
    if (osip_via_param_get_byname(via, "branch", &prm) == 0 && prm)
        o->branch = bench_cstr(prm->gvalue);
    prm = NULL;
    if (osip_from_get_tag(sip->from, &prm) == 0 && prm)
        o->from_tag = bench_cstr(prm->gvalue);
    prm = NULL;
    if (osip_to_get_tag(sip->to, &prm) == 0 && prm)
        o->to_tag = bench_cstr(prm->gvalue);
    o->clen = sip->content_length && sip->content_length->value
                  ? strtol(sip->content_length->value, NULL, 10) : -1;
    if (osip_message_get_body(sip, 0, &body) >= 0 && body) {
        o->body.p = body->body;
        o->body.len = body->length;
    } else {
        o->body.p = "";
    }
    return sip;
fail:
    osip_message_free(sip);
    return NULL;
}

static void peer_free(void *h)
{
    osip_message_free((osip_message_t *)h);
}
