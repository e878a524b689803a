/* Shared harness of the sip_transaction.h tests: a layer on a virtual
 * clock whose sends and events are recorded. */
#ifndef TSX_HARNESS_H
#define TSX_HARNESS_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sip_transaction.h"

#define TH_MAX 96

typedef struct th_sent {
    sip_target to;
    char b[2048];
    size_t n;
    uint64_t at;
    int failed;
} th_sent;

typedef struct th_ev {
    sip_tsx_event_type type;
    sip_tsx_id id;
    int kind, timer, error, merged, state;
    sip_tsx_id cancelled;
    int status;          /* response status, 0 for requests */
    sip_method method;   /* request method or CSeq method */
    uint64_t at;
} th_ev;

typedef struct th {
    sip_tsx_layer L;
    uint64_t now;
    th_sent s[TH_MAX];
    int ns;
    th_ev e[TH_MAX];
    int ne;
    uint16_t fail_port;   /* sends to this port fail with -42 */
    int auto_status;      /* answer every new request with it */
    int busy_checks;      /* call on_timeout/destroy from on_event */
    uint8_t rnd;
} th;

static inline int th_send(void *user, const sip_target *to, const uint8_t *msg, size_t len)
{
    th *t = (th *)user;
    th_sent *s;
    cr_assert_lt(t->ns, TH_MAX);
    s = &t->s[t->ns++];
    s->to = *to;
    cr_assert_lt(len, sizeof s->b);
    memcpy(s->b, msg, len);
    s->b[len] = 0;
    s->n = len;
    s->at = t->now;
    s->failed = t->fail_port && to->remote.port == t->fail_port;
    return s->failed ? -42 : 0;
}

static inline void th_event(void *user, const sip_tsx_event *ev)
{
    th *t = (th *)user;
    th_ev *e;
    cr_assert_lt(t->ne, TH_MAX);
    e = &t->e[t->ne++];
    memset(e, 0, sizeof *e);
    e->type = ev->type;
    e->id = ev->id;
    e->kind = ev->kind;
    e->timer = ev->timer;
    e->error = ev->error;
    e->merged = ev->merged;
    e->cancelled = ev->cancelled;
    e->at = t->now;
    e->state = ev->type == SIP_TSX_EV_TERMINATED ? 0 : sip_tsx_state_of(&t->L, ev->id);
    if (ev->msg) {
        e->status = ev->msg->is_request ? 0 : (int)ev->msg->status;
        e->method = ev->msg->is_request ? ev->msg->method : ev->msg->cseq.method;
    }
    if (t->busy_checks) {
        cr_assert_eq(sip_tsx_on_timeout(&t->L, t->now), SIP_TSX_ERR_BUSY);
        cr_assert_eq(sip_tsx_layer_destroy(&t->L), SIP_TSX_ERR_BUSY);
    }
    if (t->auto_status && ev->type == SIP_TSX_EV_REQUEST) {
        sip_str tag = SIP_STR("srvtag"), none = {NULL, 0};
        cr_assert_eq(sip_tsx_reply(&t->L, ev->id, t->auto_status, NULL, tag, NULL, 0, none, t->now), 0);
    }
}

static inline int th_rand(void *user, uint8_t *buf, size_t n)
{
    th *t = (th *)user;
    size_t i;
    for (i = 0; i < n; i++) buf[i] = t->rnd++;
    return 0;
}

static inline void th_init(th *t, const sip_tsx_config *cfg)
{
    sip_tsx_callbacks cb;
    memset(t, 0, sizeof *t);
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.user = t;
    cb.send = th_send;
    cb.on_event = th_event;
    cb.rand = th_rand;
    cr_assert_eq(sip_tsx_layer_init(&t->L, cfg, &cb), 0);
}

static inline void th_fini(th *t)
{
    cr_assert_eq(sip_tsx_layer_destroy(&t->L), 0);
}

/* Advance the virtual clock to `to` (ms), firing every deadline on the
 * way at its exact time. */
static inline void th_run(th *t, uint64_t to_ms)
{
    uint64_t to = to_ms * 1000u;
    for (;;) {
        uint64_t d = sip_tsx_next_deadline(&t->L);
        if (d > to) break;
        t->now = d;
        cr_assert_geq(sip_tsx_on_timeout(&t->L, d), 0);
    }
    t->now = to;
}

static inline sip_target th_target(sip_tp tp, const char *addr)
{
    sip_target g;
    memset(&g, 0, sizeof g);
    g.tp = tp;
    cr_assert_eq(sip_ipaddr_parse(sip_str_c(addr), &g.remote), 0);
    return g;
}

/* Build a response to the request text req (§8.2.6.2, sip.h). */
static inline size_t th_resp(const char *req, int status, const char *totag, char *out, size_t cap)
{
    sip_msg m;
    sip_hdr h[64];
    sip_parse_config pc;
    sip_str tag = sip_str_c(totag), none = {NULL, 0};
    int r;
    memset(&pc, 0, sizeof pc);
    pc.flags = SIP_PARSE_DATAGRAM;
    cr_assert_gt(sip_parse(req, strlen(req), &pc, &m, h, 64, NULL), 0);
    r = sip_build_response(out, cap, &m, status, NULL, totag ? tag : none, NULL, 0, none, NULL);
    cr_assert_gt(r, 0);
    out[r] = 0;
    return (size_t)r;
}

/* Feed text to the layer as a datagram from `from`. */
static inline int th_recv(th *t, const char *msg, const sip_target *from)
{
    return sip_tsx_receive(&t->L, msg, strlen(msg), from, t->now, NULL);
}

static inline int th_count(const th *t, sip_tsx_event_type type)
{
    int i, n = 0;
    for (i = 0; i < t->ne; i++) n += t->e[i].type == type;
    return n;
}

static inline const th_ev *th_last(const th *t, sip_tsx_event_type type)
{
    int i;
    for (i = t->ne - 1; i >= 0; i--)
        if (t->e[i].type == type) return &t->e[i];
    return NULL;
}

/* The times (ms) of every send so far. */
static inline void th_assert_times(const th *t, const uint64_t *ms, int n)
{
    int i;
    cr_assert_eq(t->ns, n, "sends: %d, expected %d", t->ns, n);
    for (i = 0; i < n; i++)
        cr_assert_eq(t->s[i].at, ms[i] * 1000u, "send %d at %llu us, expected %llu ms", i,
                     (unsigned long long)t->s[i].at, (unsigned long long)ms[i]);
}

#endif
