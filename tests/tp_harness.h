/* Test harness for sip_transport.h: records every callback of a transport
 * and plays the application's socket (a byte sink with a per-call write
 * limit). Included by the transport test files only. */
#ifndef TP_HARNESS_H
#define TP_HARNESS_H
#include <stdlib.h>
#include <string.h>
#include "sip_transport.h"

enum { EV_CONNECTED = 1, EV_DISCONNECTED, EV_MESSAGE, EV_SENT, EV_BP, EV_KA, EV_ERROR };

typedef struct tp_ev {
    int kind;
    sip_target tg;
    int reason, detail;  /* disconnected; bp: on; ka: kind; error: err */
    int parsed;          /* message: 1 parsed, 0 error */
    int status;          /* message error: status to answer */
    char *raw;           /* message bytes (malloc'd copy) */
    size_t len;
} tp_ev;

typedef struct tp_h {
    sip_transport *t;
    tp_ev ev[256];
    size_t n_ev;
    uint8_t *out;        /* every byte the socket took (all flows) */
    size_t out_len, out_cap;
    size_t write_limit;  /* bytes the socket takes per call (0 = none) */
    int send_fail;
    int opens;
    sip_flow last_open;
    const sip_tp_filter *open_filter; /* installed from open() */
    void *open_filter_ctx;
    uint8_t rnd;         /* deterministic "randomness" */
    int refuse_open;
} tp_h;

static inline tp_ev *tp_push(tp_h *h, int kind, const sip_target *tg)
{
    tp_ev *e;
    if (h->n_ev >= sizeof h->ev / sizeof h->ev[0]) abort();
    e = &h->ev[h->n_ev++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    if (tg) e->tg = *tg;
    return e;
}

static inline int tp_send_cb(void *user, const sip_target *to, const uint8_t *b, size_t n)
{
    tp_h *h = (tp_h *)user;
    size_t k = n < h->write_limit ? n : h->write_limit;
    (void)to;
    if (h->send_fail) return -1;
    if (k == 0) return 0;
    if (h->out_len + k > h->out_cap) {
        h->out_cap = (h->out_len + k) * 2 + 1024;
        h->out = (uint8_t *)realloc(h->out, h->out_cap);
    }
    memcpy(h->out + h->out_len, b, k);
    h->out_len += k;
    return (int)k;
}

static inline int tp_open_cb(void *user, sip_flow flow, const sip_target *to)
{
    tp_h *h = (tp_h *)user;
    (void)to;
    h->opens++;
    h->last_open = flow;
    if (h->refuse_open) return -1;
    if (h->open_filter) sip_transport_set_filter(h->t, flow, h->open_filter, h->open_filter_ctx);
    return 0;
}

static inline void tp_connected_cb(void *user, const sip_target *peer)
{
    tp_push((tp_h *)user, EV_CONNECTED, peer);
}

static inline void tp_disc_cb(void *user, const sip_target *peer, sip_tp_disc reason, int detail)
{
    tp_ev *e = tp_push((tp_h *)user, EV_DISCONNECTED, peer);
    e->reason = reason;
    e->detail = detail;
}

static inline void tp_msg_cb(void *user, const sip_target *from, const sip_msg *msg,
                             const char *raw, size_t len, const sip_parse_error *err)
{
    tp_ev *e = tp_push((tp_h *)user, EV_MESSAGE, from);
    e->parsed = msg != NULL;
    e->status = err ? err->status : 0;
    e->detail = err ? err->code : 0;
    e->raw = (char *)malloc(len + 1);
    memcpy(e->raw, raw, len);
    e->raw[len] = 0;
    e->len = len;
}

static inline void tp_sent_cb(void *user, const sip_target *to, size_t len, size_t queued)
{
    tp_ev *e = tp_push((tp_h *)user, EV_SENT, to);
    e->len = len;
    e->detail = (int)queued;
}

static inline void tp_bp_cb(void *user, const sip_target *peer, int on, size_t queued)
{
    tp_ev *e = tp_push((tp_h *)user, EV_BP, peer);
    e->reason = on;
    e->len = queued;
}

static inline void tp_ka_cb(void *user, const sip_target *from, sip_tp_ka kind,
                            const uint8_t *b, size_t len)
{
    tp_ev *e = tp_push((tp_h *)user, EV_KA, from);
    (void)b;
    e->reason = kind;
    e->len = len;
}

static inline void tp_err_cb(void *user, const sip_target *peer, int err)
{
    tp_push((tp_h *)user, EV_ERROR, peer)->detail = err;
}

static inline int tp_rng_cb(void *user, uint8_t *b, size_t n)
{
    tp_h *h = (tp_h *)user;
    size_t i;
    for (i = 0; i < n; i++) b[i] = (uint8_t)(0x5a + 37 * h->rnd++);
    return 0;
}

static inline void tp_init(tp_h *h, const sip_transport_config *cfg)
{
    sip_transport_callbacks cb;
    memset(h, 0, sizeof *h);
    h->write_limit = (size_t)-1;
    memset(&cb, 0, sizeof cb);
    cb.size = sizeof cb;
    cb.send = tp_send_cb;
    cb.open = tp_open_cb;
    cb.on_connected = tp_connected_cb;
    cb.on_disconnected = tp_disc_cb;
    cb.on_message = tp_msg_cb;
    cb.on_sent = tp_sent_cb;
    cb.on_backpressure = tp_bp_cb;
    cb.on_keepalive = tp_ka_cb;
    cb.on_error = tp_err_cb;
    cb.rng = tp_rng_cb;
    if (sip_transport_create(&h->t, cfg, &cb, h) != 0) abort();
}

static inline void tp_clear(tp_h *h)
{
    size_t i;
    for (i = 0; i < h->n_ev; i++) free(h->ev[i].raw);
    h->n_ev = 0;
    h->out_len = 0;
}

static inline void tp_fini(tp_h *h)
{
    tp_clear(h);
    sip_transport_destroy(h->t);
    free(h->out);
}

/* Number of events of a kind. */
static inline size_t tp_count(const tp_h *h, int kind)
{
    size_t i, n = 0;
    for (i = 0; i < h->n_ev; i++) n += h->ev[i].kind == kind;
    return n;
}

/* The k-th event of a kind, or NULL. */
static inline const tp_ev *tp_find(const tp_h *h, int kind, size_t k)
{
    size_t i;
    for (i = 0; i < h->n_ev; i++)
        if (h->ev[i].kind == kind && k-- == 0) return &h->ev[i];
    return NULL;
}

static inline sip_ipaddr tp_addr(const char *s)
{
    sip_ipaddr a;
    if (sip_ipaddr_parse(sip_str_c(s), &a) != 0) abort();
    return a;
}

static inline sip_flow tp_accept(tp_h *h, sip_tp tp, const char *remote, uint64_t now)
{
    sip_ipaddr r = tp_addr(remote), l = tp_addr("192.0.2.100:5060");
    sip_flow f = 0;
    if (sip_transport_accepted(h->t, tp, &r, &l, NULL, NULL, now, &f) != 0) abort();
    return f;
}

static inline int tp_feed(tp_h *h, sip_flow f, const char *s, uint64_t now)
{
    return sip_transport_data(h->t, f, (const uint8_t *)s, strlen(s), now);
}

#endif
